//! PE006 caller-cannot-reach-private-backend: a site calls a back-end whose public
//! access is off, but no approved private endpoint of the back-end is reachable from
//! the site: the site's integration VNet must be the endpoint's VNet or peered with it
//! (peering is not transitive), and a zone that resolves the endpoint must be linked to
//! the site's integration VNet. Otherwise the call fails at run time.

use super::support::private_link::{
    Access, Approved, SERVICES, access, approved_endpoints, custom_dns, display_name, endpoint_vnet, is_site_caller,
    site_vnets,
};
use crate::engine::{Related, RuleCx};
use crate::model::network::{IdRef, Tri};
use crate::model::relations::Call;
use crate::model::{Lookup, ResIdx};
use crate::value::Span;

pub fn check(cx: &mut RuleCx) {
    let model = cx.model;
    for svc in SERVICES {
        for &b in model.of_type(svc.ty) {
            let backend = model.res(b);
            if backend.existing {
                continue;
            }
            let calls: Vec<&Call> =
                model.relations.callers(b).iter().filter(|c| is_site_caller(model, c.caller)).collect();
            if calls.is_empty() {
                continue;
            }
            let approved = match approved_endpoints(model, b) {
                Ok(a) => a,
                Err(reason) => {
                    cx.undetermined(b, Span::NONE, reason);
                    continue;
                }
            };
            if let Some(reason) = injected(model, b) {
                cx.undetermined(b, Span::NONE, reason);
                continue;
            }
            match access(model, b, svc, !approved.is_empty()) {
                Access::Disabled => {}
                Access::Enabled(..) => continue,
                Access::Perimeter => {
                    cx.undetermined(
                        b,
                        Span::NONE,
                        "public access is `SecuredByPerimeter`; the perimeter's rules are not in the configuration"
                            .into(),
                    );
                    continue;
                }
                Access::Unknown(reason) => {
                    cx.undetermined(b, Span::NONE, reason);
                    continue;
                }
            }
            let mut seen = Vec::new();
            for call in calls {
                if seen.contains(&call.caller) {
                    continue;
                }
                seen.push(call.caller);
                check_call(cx, svc.label, b, call, &approved);
            }
        }
    }
    hidden_calls(cx);
}

/// A site or slot whose calls are not known (its app settings were not read) may call a
/// back-end that accepts private traffic only: undetermined while there is one.
fn hidden_calls(cx: &mut RuleCx) {
    let model = cx.model;
    let hidden: Vec<(ResIdx, String)> = model
        .relations
        .hidden_callers()
        .iter()
        .filter_map(|h| h.caller.filter(|c| is_site_caller(model, *c)).map(|c| (c, h.reason.clone())))
        .collect();
    if hidden.is_empty() {
        return;
    }
    let private: Vec<(&str, ResIdx)> = SERVICES
        .iter()
        .flat_map(|svc| model.of_type(svc.ty).iter().map(move |b| (svc, *b)))
        .filter(|(svc, b)| {
            !model.res(*b).existing
                && approved_endpoints(model, *b)
                    .is_ok_and(|a| matches!(access(model, *b, svc, !a.is_empty()), Access::Disabled))
        })
        .map(|(svc, b)| (svc.label, b))
        .collect();
    for (site, reason) in hidden {
        if let Some((label, b)) = private.iter().find(|(_, b)| *b != site) {
            cx.undetermined(
                site,
                Span::NONE,
                format!(
                    "whether `{}` calls a back-end that accepts private traffic only ({label} `{}`) \
                     cannot be determined: {reason}",
                    model.res(site).name,
                    model.res(*b).name
                ),
            );
        }
    }
}

/// The best answer over all paths from the site to one endpoint: why it fails.
enum Gap {
    NoEndpoint,
    NoIntegration,
    NotConnected { site_vnet: String, endpoint: ResIdx, pe_vnet: String, span: Span },
    NoDns { site_vnet: String, endpoint: ResIdx, zone: Option<String>, span: Span },
}

fn check_call(cx: &mut RuleCx, label: &str, b: ResIdx, call: &Call, approved: &[Approved]) {
    let model = cx.model;
    let site = call.caller;
    let (vnets, unknown_vnet) = site_vnets(model, site);
    let mut unknown = unknown_vnet;
    let mut gap = if approved.is_empty() { Gap::NoEndpoint } else { Gap::NoIntegration };
    if vnets.is_empty() && unknown.is_none() && !approved.is_empty() {
        gap = Gap::NoIntegration;
    }
    for a in approved {
        let Some(pe) = a.endpoint else {
            unknown = Some(format!("private endpoint `{}` is not in the scanned configuration", a.name));
            continue;
        };
        let pe_vnet = match endpoint_vnet(model, pe) {
            Ok(Some(v)) => v,
            Ok(None) => continue,
            Err(reason) => {
                unknown = Some(reason);
                continue;
            }
        };
        for (sv, span) in &vnets {
            match model.relations.network.vnets_connected(model, sv, &pe_vnet) {
                Tri::Yes => {}
                Tri::Unknown(reason) => {
                    unknown = Some(reason);
                    continue;
                }
                Tri::No => {
                    if matches!(gap, Gap::NoIntegration | Gap::NoEndpoint) {
                        gap = Gap::NotConnected {
                            site_vnet: sv.clone(),
                            endpoint: pe,
                            pe_vnet: pe_vnet.clone(),
                            span: *span,
                        };
                    }
                    continue;
                }
            }
            match dns(model, pe, sv) {
                (Tri::Yes, _) => return,
                (Tri::Unknown(reason), _) => unknown = Some(reason),
                (Tri::No, zone) => {
                    if !matches!(gap, Gap::NoDns { .. }) {
                        gap = Gap::NoDns { site_vnet: sv.clone(), endpoint: pe, zone, span: *span };
                    }
                }
            }
        }
    }
    if let Some(reason) = unknown {
        return cx.undetermined(site, Span::NONE, reason);
    }
    if matches!(gap, Gap::NoIntegration) && !vnets.is_empty() {
        // Integrated, but no endpoint names a subnet: nothing to compare.
        return;
    }
    let (s, be) = (&model.res(site).name, &model.res(b).name);
    let called =
        format!("Site `{s}` calls {label} `{be}` ({}), whose public network access is disabled, but", call.via);
    let mut related = vec![
        Related { resource: Some(site), span: call.span, message: format!("site `{s}` calls `{be}` here") },
        Related {
            resource: Some(b),
            span: model.res(b).node.path("properties.publicNetworkAccess").map_or(model.res(b).type_span(), |n| n.span),
            message: format!("`{be}` accepts private traffic only"),
        },
    ];
    let pe_related = |pe: ResIdx| Related {
        resource: Some(pe),
        span: model.res(pe).type_span(),
        message: format!("private endpoint `{}` of `{be}`", model.res(pe).name),
    };
    let (span, message) = match gap {
        Gap::NoEndpoint => (
            Span::NONE,
            format!(
                "{called} `{be}` has no approved private endpoint, so the call fails at run time; add a private endpoint the site's integration VNet reaches"
            ),
        ),
        Gap::NoIntegration => {
            related.extend(approved.iter().filter_map(|a| a.endpoint).map(pe_related));
            (
                Span::NONE,
                format!(
                    "{called} the site has no VNet integration, so the call cannot reach private endpoint `{}` and fails at run time; set `virtualNetworkSubnetId` to a delegated subnet in a VNet that reaches the endpoint",
                    approved[0].name
                ),
            )
        }
        Gap::NotConnected { site_vnet, endpoint, pe_vnet, span } => {
            related.push(pe_related(endpoint));
            (
                span,
                format!(
                    "{called} its integration VNet `{}` is neither VNet `{}` of private endpoint `{}` nor peered with it, so the call fails at run time; peer the VNets in both directions or integrate the site with the endpoint's VNet",
                    display_name(model, &site_vnet),
                    display_name(model, &pe_vnet),
                    model.res(endpoint).name
                ),
            )
        }
        Gap::NoDns { site_vnet, endpoint, zone, span } => {
            related.push(pe_related(endpoint));
            let what = match zone {
                Some(z) => format!(
                    "private DNS zone `{z}` that resolves private endpoint `{}` is not linked to",
                    model.res(endpoint).name
                ),
                None => {
                    format!("private endpoint `{}` has no private DNS zone resolving it for", model.res(endpoint).name)
                }
            };
            (
                span,
                format!(
                    "{called} {what} its integration VNet `{}`, so the site resolves the public address and the call fails at run time; link the zone to that VNet",
                    display_name(model, &site_vnet)
                ),
            )
        }
    };
    cx.finding(site, span, message, related);
}

/// Whether a zone of the endpoint's zone groups is linked to `vnet`, and the name of the
/// zone that is not. Custom DNS (on the endpoint or the VNet) cannot be followed.
fn dns(model: &crate::model::Model, pe: ResIdx, vnet: &str) -> (Tri, Option<String>) {
    if let Some(reason) = custom_dns(model, vnet) {
        return (Tri::Unknown(reason), None);
    }
    let uses = model.relations.network.zones_of(pe);
    let mut first = None;
    let mut unknown = None;
    for u in uses {
        match &u.zone {
            IdRef::Key(k) => match model.relations.network.zone_linked(model, k, vnet) {
                Tri::Yes => return (Tri::Yes, None),
                Tri::Unknown(reason) => unknown = Some(reason),
                Tri::No => {
                    first.get_or_insert_with(|| u.zone_name.clone().unwrap_or_default());
                }
            },
            IdRef::Unknown(why) => {
                unknown =
                    Some(format!("a zone of private endpoint `{}` cannot be determined: {why}", model.res(pe).name))
            }
        }
    }
    if let Some(reason) = unknown {
        return (Tri::Unknown(reason), None);
    }
    if uses.is_empty()
        && let Lookup::Found(n) = model.res(pe).get("properties.customDnsConfigs", model)
        && n.value.as_array().is_some_and(|a| !a.is_empty())
    {
        return (
            Tri::Unknown(format!(
                "private endpoint `{}` relies on custom DNS (`customDnsConfigs`)",
                model.res(pe).name
            )),
            None,
        );
    }
    (Tri::No, first)
}

/// A back-end injected into a VNet (PostgreSQL/MySQL flexible server with a delegated
/// subnet, Premium Redis with `subnetId`) is reached without a private endpoint, which
/// this rule does not follow.
fn injected(model: &crate::model::Model, b: ResIdx) -> Option<String> {
    for path in ["properties.network.delegatedSubnetResourceId", "properties.subnetId"] {
        match model.res(b).get(path, model) {
            Lookup::Found(n) if n.as_str().is_some_and(|s| !s.is_empty()) => {
                return Some(format!(
                    "`{}` is injected into a VNet (`{path}`); only private endpoint paths are checked",
                    model.res(b).name
                ));
            }
            Lookup::Unknown(u) => return Some(format!("`{path}` cannot be determined: {}", u.detail)),
            _ => {}
        }
    }
    None
}
