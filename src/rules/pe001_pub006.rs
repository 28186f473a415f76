//! PE001 public-access-despite-private-endpoint: a resource with an approved private
//! endpoint whose public network access is still enabled. PUB006
//! site-public-network-with-private-endpoint is the same check restricted to sites and
//! slots, so that site reviewers can select it on its own.

use super::support::private_link::{Access, SERVICES, Service, access, approved_endpoints, unresolved_endpoint_reason};
use crate::engine::{Related, RuleCx};
use crate::model::site::{SITE, SLOT};
use crate::value::Span;

pub fn public_access_despite_private_endpoint(cx: &mut RuleCx) {
    report(cx, |_| true);
}

/// PUB006: PE001 for sites and slots only.
pub fn site_public_network_with_private_endpoint(cx: &mut RuleCx) {
    report(cx, is_site);
}

/// Reports every resource of the services `select` keeps.
pub fn report(cx: &mut RuleCx, select: fn(&Service) -> bool) {
    let model = cx.model;
    for svc in SERVICES.iter().filter(|s| select(s)) {
        for &r in model.of_type(svc.ty) {
            let res = model.res(r);
            if res.existing {
                continue;
            }
            let approved = match approved_endpoints(model, r) {
                Ok(a) => a,
                Err(reason) => {
                    cx.undetermined(r, Span::NONE, reason);
                    continue;
                }
            };
            let (span, shown) = match access(model, r, svc, !approved.is_empty()) {
                Access::Enabled(span, shown) => (span, shown),
                Access::Unknown(reason) if !approved.is_empty() => {
                    cx.undetermined(r, Span::NONE, reason);
                    continue;
                }
                _ => continue,
            };
            let Some(first) = approved.first() else {
                if let Some(reason) = unresolved_endpoint_reason(model, r) {
                    cx.undetermined(r, Span::NONE, reason);
                }
                continue;
            };
            let more = match approved.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            let related = approved
                .iter()
                .map(|a| Related {
                    resource: a.endpoint,
                    span: a.span,
                    message: format!("private endpoint `{}` is approved for `{}`", a.name, res.name),
                })
                .collect();
            cx.finding(
                r,
                span,
                format!(
                    "{} `{}` has approved private endpoint `{}`{more} but its public network access is still enabled (`{}` is {shown}); set it to `Disabled`",
                    capitalize(svc.label),
                    res.name,
                    first.name,
                    svc.pna.trim_start_matches("properties."),
                ),
                related,
            );
        }
    }
}

/// Sites and slots only (PUB006).
pub fn is_site(s: &Service) -> bool {
    s.ty == SITE || s.ty == SLOT
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}
