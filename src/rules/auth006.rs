//! AUTH006 secret-in-app-settings: a literal secret in an app setting or connection
//! string of a site or slot. The finding names the setting and the kind of secret and
//! points at the value's span; it never quotes the value (the text report also masks
//! the span in its source snippet, see `model::secrets::secret_spans`).

use super::acl_lists::sites;
use super::auth::label;
use crate::engine::RuleCx;
use crate::model::secrets::{Verdict, site_verdicts};

pub fn check(cx: &mut RuleCx) {
    for view in sites(cx) {
        let model = cx.model;
        let who = label(model, view.idx);
        for (kind, name, value, verdict) in site_verdicts(model, view.idx) {
            match verdict {
                Verdict::Secret(what) => cx.finding(
                    view.idx,
                    value.span,
                    format!(
                        "The {} `{name}` of {who} holds {what} in clear text: use a Key Vault reference or a managed identity",
                        kind.label()
                    ),
                    Vec::new(),
                ),
                Verdict::Unknown(reason) => cx.undetermined(view.idx, value.span, reason),
                Verdict::Clean => {}
            }
        }
    }
}
