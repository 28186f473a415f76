//! NET001 integration-subnet-not-delegated: follows each site's (and slot's) regional
//! VNet integration to its subnet and checks the subnet's delegation.

use crate::engine::{Related, RuleCx};
use crate::model::site::{SITE, SLOT};
use crate::model::{Lookup, Reference, ResIdx};
use crate::value::Node;
use crate::value::Span;

/// The delegation App Service integration needs (facts sheet §1.2), compared ignoring
/// case because templates write `Microsoft.Web/serverfarms`.
const WEB_DELEGATION: &str = "Microsoft.Web/serverFarms";
/// Flex Consumption (`FC1`) integrates through `Microsoft.App/environments` (facts sheet
/// §1.5; secondary sources only, flagged uncertain there).
const FLEX_DELEGATION: &str = "Microsoft.App/environments";

pub fn check(cx: &mut RuleCx) {
    let model = cx.model;
    for &site in model.of_type(SITE).iter().chain(model.of_type(SLOT)) {
        if model.res(site).existing {
            continue;
        }
        let Some(view) = model.site(site) else {
            continue;
        };
        let flex = is_flex(cx, view.plan());
        let want = if flex { FLEX_DELEGATION } else { WEB_DELEGATION };
        for reference in view.integration_subnets() {
            match reference {
                Reference::Found(subnet, via) => check_subnet(cx, site, subnet, via, want),
                Reference::Missing(id, via) => cx.undetermined(
                    site,
                    via.span,
                    match model.unread(&id) {
                        Some(u) => format!("the integration subnet `{id}` cannot be determined: {}", u.detail),
                        None => format!("the integration subnet `{id}` is not in the scanned configuration"),
                    },
                ),
                Reference::Unknown(u) => cx.undetermined(
                    site,
                    u.span,
                    format!("the integration subnet id cannot be determined: {}", u.detail),
                ),
                Reference::Absent => {}
            }
        }
    }
}

fn is_flex(cx: &RuleCx, plan: Reference<'_>) -> bool {
    match plan {
        Reference::Found(p, _) => {
            matches!(cx.model.res(p).get("sku.name", cx.model), Lookup::Found(n) if n.as_str().is_some_and(|s| s.eq_ignore_ascii_case("FC1")))
        }
        _ => false,
    }
}

fn check_subnet(cx: &mut RuleCx, site: ResIdx, subnet: ResIdx, via: &Node, want: &str) {
    let model = cx.model;
    let s = model.res(subnet);
    let site_name = &model.res(site).name;
    let (services, unknown) = match super::support::delegations(model, subnet) {
        Ok(d) => d,
        Err(reason) => return cx.undetermined(site, via.span, reason),
    };
    if services.iter().any(|name| name.eq_ignore_ascii_case(want)) {
        return;
    }
    if let Some(reason) = unknown {
        return cx.undetermined(subnet, Span::NONE, reason);
    }
    let span = s.node.path("properties.delegations").map_or(Span::NONE, |n| n.span);
    let now = if services.is_empty() {
        "it has no delegation".to_string()
    } else {
        format!("it is delegated to `{}`", services.join("`, `"))
    };
    cx.finding(
        subnet,
        span,
        format!(
            "Subnet `{}` used by site `{site_name}` for VNet integration is not delegated to `{want}`: {now}",
            s.name
        ),
        vec![Related {
            resource: Some(site),
            span: via.span,
            message: format!("site `{site_name}` integrates with this subnet"),
        }],
    );
}
