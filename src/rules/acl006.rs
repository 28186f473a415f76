//! ACL006 shared-outbound-ip-allowlist: an access restriction that allowlists another
//! app's outbound addresses, which App Service shares with other tenants' apps.

use super::support::access::{endpoint_label, lists, rule_label};
use super::support::sites::sites;
use crate::engine::{Related, RuleCx};
use crate::model::ResIdx;

pub fn shared_outbound_ip_allowlist(cx: &mut RuleCx) {
    for view in sites(cx) {
        let site_name = cx.model.res(view.idx).name.clone();
        for list in lists(cx, &view) {
            for rule in list.rules.iter().filter(|r| r.allow && !r.is_service_tag) {
                if let Some(u) = rule.unknown_source() {
                    match outbound_ip_provenance(cx.model, view.idx, &u.detail) {
                        Some(other) if other != view.idx => {
                            let other_name = cx.model.res(other).name.clone();
                            cx.finding(
                                view.idx,
                                u.span,
                                format!(
                                    "{}ccess restriction {} of site `{site_name}` allowlists the outbound addresses of site `{other_name}`, which App Service shares with other tenants' apps on the same scale unit: integrate `{other_name}` into a VNet and allow its subnet",
                                    endpoint_label(list.endpoint),
                                    rule_label(rule)
                                ),
                                vec![Related { resource: Some(other), span: cx.model.res(other).type_span(), message: format!("the addresses are read from `{other_name}`") }],
                            );
                        }
                        _ => cx.undetermined(
                            view.idx,
                            u.span,
                            format!("the source of an allow rule cannot be determined: {}", u.detail),
                        ),
                    }
                    continue;
                }
                let hit = rule.sources().find_map(|src| {
                    let ip = src.strip_suffix("/32").unwrap_or(src);
                    cx.model
                        .relations
                        .sites_by_outbound_ip(ip)
                        .iter()
                        .find(|s| **s != view.idx)
                        .map(|s| (src.to_string(), *s))
                });
                let Some((src, other)) = hit else { continue };
                let other_name = cx.model.res(other).name.clone();
                cx.finding(
                    view.idx,
                    rule.node.get("ipAddress").map_or(rule.node.span, |n| n.span),
                    format!(
                        "{}ccess restriction {} of site `{site_name}` allowlists `{src}`, an outbound address of site `{other_name}` that App Service shares with other tenants' apps on the same scale unit: integrate `{other_name}` into a VNet and allow its subnet",
                        endpoint_label(list.endpoint),
                        rule_label(rule)
                    ),
                    vec![Related { resource: Some(other), span: cx.model.res(other).node.path("properties.outboundIpAddresses").map_or(cx.model.res(other).type_span(), |n| n.span), message: format!("`{src}` is an outbound address of `{other_name}`") }],
                );
            }
        }
    }
}

/// The site whose outbound addresses an unknown value was read from: the expander
/// describes `reference(<site>).outboundIpAddresses` (or `possibleOutboundIpAddresses`)
/// in the value's detail, which is all that is known offline and all ACL006 needs.
fn outbound_ip_provenance(model: &crate::model::Model, from: ResIdx, detail: &str) -> Option<ResIdx> {
    ["outboundipaddresses", "possibleoutboundipaddresses"]
        .into_iter()
        .find_map(|p| model.sites_read_in(from, detail, p).first().copied())
}
