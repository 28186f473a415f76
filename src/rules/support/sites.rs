//! The sites and slots the rules walk, how messages name them, and what they are tied
//! to: their plan, and the API Management backends and APIs in front of them.

use crate::engine::RuleCx;
use crate::model::relations::{APIM_API, APIM_BACKEND};
use crate::model::site::{SITE, SLOT};
use crate::model::{Model, Reference, ResIdx, SiteView};

/// Every deployed site and slot with its view.
pub fn sites<'a>(cx: &RuleCx<'a>) -> Vec<SiteView<'a>> {
    let model = cx.model;
    model
        .of_type(SITE)
        .iter()
        .chain(model.of_type(SLOT))
        .filter(|s| !model.res(**s).existing)
        .filter_map(|s| model.site(*s))
        .collect()
}

/// "site `api`" or "slot `api/staging`".
pub fn label(model: &Model, idx: ResIdx) -> String {
    let r = model.res(idx);
    if r.is_type(SLOT) { format!("slot `{}`", r.name) } else { format!("site `{}`", r.name) }
}

/// The plan a site or slot runs on (a slot without its own `serverFarmId` uses its site's).
pub fn plan_of(model: &Model, site: ResIdx) -> Reference<'_> {
    let Some(view) = model.site(site) else { return Reference::Absent };
    match view.plan() {
        Reference::Absent => match model.parent(site).filter(|_| view.is_slot()) {
            Some(parent) => plan_of(model, parent),
            None => Reference::Absent,
        },
        r => r,
    }
}

/// The API Management backends and APIs that front a site, for messages.
pub fn gateway_callers(model: &Model, site: ResIdx) -> Vec<&crate::model::relations::Call> {
    model
        .relations
        .callers(site)
        .iter()
        .filter(|c| model.res(c.caller).is_type(APIM_BACKEND) || model.res(c.caller).is_type(APIM_API))
        .collect()
}
