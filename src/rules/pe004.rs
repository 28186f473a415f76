//! PE004 private-dns-zone-not-linked: the zone that resolves a private endpoint has no
//! virtual network link to a VNet whose clients must resolve it: the endpoint's own
//! VNet, and the integration VNet of every site that calls the endpoint's target.

use super::support::dns_zones::{needs, zone_accepted};
use super::support::private_link::{custom_dns, display_name, endpoint_vnet, is_site_caller, site_vnets};
use crate::engine::{Related, RuleCx};
use crate::model::ids::key;
use crate::model::network::{DNS_ZONE, IdRef, Tri};
use crate::model::relations::PRIVATE_ENDPOINT;
use crate::value::Span;

pub fn check(cx: &mut RuleCx) {
    let model = cx.model;
    let hidden = hidden_caller_vnets(model);
    for &z in model.of_type(DNS_ZONE) {
        let zone = model.res(z);
        if zone.existing {
            continue;
        }
        // VNet id -> (why it must resolve the zone, related resources), first reason wins.
        let mut needed: Vec<(String, String, Vec<Related>)> = Vec::new();
        let mut need = |vnet: String, why: String, related: Vec<Related>| {
            if !needed.iter().any(|(v, _, _)| key(v) == key(&vnet)) {
                needed.push((vnet, why, related));
            }
        };
        for u in model.relations.network.uses_of_zone(&zone.key) {
            let pe = u.endpoint;
            let pe_name = &model.res(pe).name;
            let pe_related = Related {
                resource: Some(pe),
                span: u.span,
                message: format!("private endpoint `{pe_name}` uses this zone"),
            };
            let pe_vnet = match endpoint_vnet(model, pe) {
                Ok(Some(v)) => {
                    need(v.clone(), format!("where private endpoint `{pe_name}` is placed"), vec![pe_related.clone()]);
                    Some(v)
                }
                Ok(None) => None,
                Err(reason) => {
                    cx.undetermined(z, Span::NONE, reason);
                    None
                }
            };
            for &target in model.relations.targets_of(pe) {
                for call in model.relations.callers(target).iter().filter(|c| is_site_caller(model, c.caller)) {
                    let site = &model.res(call.caller).name;
                    let (vnets, unknown) = site_vnets(model, call.caller);
                    if let Some(reason) = unknown {
                        cx.undetermined(z, Span::NONE, reason);
                    }
                    for (v, span) in vnets {
                        // A caller whose VNet has no route to the endpoint would not be
                        // helped by a link (it would resolve an address it cannot reach):
                        // that gap is PE006's.
                        if let Some(pv) = &pe_vnet {
                            match model.relations.network.vnets_connected(model, &v, pv) {
                                Tri::Yes => {}
                                Tri::No => continue,
                                Tri::Unknown(reason) => {
                                    cx.undetermined(z, Span::NONE, reason);
                                    continue;
                                }
                            }
                        }
                        let related = vec![
                            pe_related.clone(),
                            Related {
                                resource: Some(call.caller),
                                span,
                                message: format!("site `{site}` integrates with VNet `{}`", display_name(model, &v)),
                            },
                            Related {
                                resource: Some(call.caller),
                                span: call.span,
                                message: format!("site `{site}` calls `{}` ({})", model.res(target).name, call.via),
                            },
                        ];
                        let why = format!(
                            "the integration VNet of site `{site}`, which calls `{}` through private endpoint `{pe_name}`",
                            model.res(target).name
                        );
                        need(v, why, related);
                    }
                }
            }
        }
        // Callers whose calls are not known (their app settings were not read) may call
        // the targets too: their integration VNets may need a link. One such VNet is
        // enough for the zone to be undetermined.
        let mut maybe: Vec<(String, String)> = Vec::new();
        let mut pe_vnets: Vec<(Option<String>, crate::model::ResIdx)> = Vec::new();
        for u in model.relations.network.uses_of_zone(&zone.key) {
            let v = endpoint_vnet(model, u.endpoint).ok().flatten();
            if !pe_vnets.iter().any(|(p, _)| p.as_deref().map(key) == v.as_deref().map(key)) {
                pe_vnets.push((v, u.endpoint));
            }
        }
        'hidden: for (v, site, reason) in &hidden {
            if needed.iter().any(|(n, _, _)| key(n) == key(v))
                || model.relations.network.zone_linked(model, &zone.key, v) == Tri::Yes
            {
                continue;
            }
            for (pe_vnet, pe) in &pe_vnets {
                let reachable =
                    pe_vnet.as_ref().is_none_or(|pv| model.relations.network.vnets_connected(model, v, pv) != Tri::No);
                if reachable {
                    let why = format!(
                        "site `{}` may call a target of private endpoint `{}`: {reason}",
                        model.res(*site).name,
                        model.res(*pe).name
                    );
                    maybe.push((v.clone(), why));
                    break 'hidden;
                }
            }
        }
        // Endpoints whose zone groups are unknown may put their records here.
        for (pe, why) in unknown_users(model, &zone.name) {
            if let Ok(Some(v)) = endpoint_vnet(model, pe)
                && !needed.iter().any(|(n, _, _)| key(n) == key(&v))
            {
                maybe.push((
                    v,
                    format!(
                        "private endpoint `{}` may use this zone, but its zone groups cannot be determined: {why}",
                        model.res(pe).name
                    ),
                ));
            }
        }
        for (vnet, why) in maybe {
            if model.relations.network.zone_linked(model, &zone.key, &vnet) != Tri::Yes {
                cx.undetermined(z, Span::NONE, why);
            }
        }
        for (vnet, why, related) in needed {
            match model.relations.network.zone_linked(model, &zone.key, &vnet) {
                Tri::Yes => {}
                Tri::Unknown(reason) => cx.undetermined(z, Span::NONE, reason),
                Tri::No => {
                    if let Some(reason) = custom_dns(model, &vnet) {
                        cx.undetermined(z, Span::NONE, reason);
                        continue;
                    }
                    cx.finding(
                        z,
                        Span::NONE,
                        format!(
                            "Private DNS zone `{}` has no virtual network link to VNet `{}`, {why}, so names there resolve to the public address; add a `virtualNetworkLinks` child for that VNet",
                            zone.name,
                            display_name(model, &vnet)
                        ),
                        related,
                    );
                }
            }
        }
    }
}

/// The integration VNets of the sites whose calls are not known (their app settings were
/// not read), each once, with the first such site and why: computed once per run.
fn hidden_caller_vnets(model: &crate::model::Model) -> Vec<(String, crate::model::ResIdx, &str)> {
    let mut out: Vec<(String, crate::model::ResIdx, &str)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for h in model.relations.hidden_callers() {
        let Some(site) = h.caller.filter(|&c| is_site_caller(model, c)) else { continue };
        for (v, _) in site_vnets(model, site).0 {
            if seen.insert(key(&v)) {
                out.push((v, site, h.reason.as_str()));
            }
        }
    }
    out
}

/// The private endpoints whose zones cannot be known (a zone group that was not read, an
/// unknown zone id) and whose targets this zone may resolve, with why.
fn unknown_users(model: &crate::model::Model, zone_name: &str) -> Vec<(crate::model::ResIdx, String)> {
    let mut out = Vec::new();
    for &pe in model.of_type(PRIVATE_ENDPOINT) {
        if model.res(pe).existing {
            continue;
        }
        let Some(why) = model.relations.network.zones_of(pe).iter().find_map(|u| match &u.zone {
            IdRef::Unknown(why) => Some(why.clone()),
            IdRef::Key(_) => None,
        }) else {
            continue;
        };
        let (needs, unknown) = needs(model, pe);
        let fits = unknown.is_some()
            || needs.is_empty()
            || needs.iter().any(|n| n.zones.is_none_or(|z| zone_accepted(z, zone_name)));
        if fits {
            out.push((pe, why));
        }
    }
    out
}
