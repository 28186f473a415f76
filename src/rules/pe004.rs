//! PE004 private-dns-zone-not-linked: the zone that resolves a private endpoint has no
//! virtual network link to a VNet whose clients must resolve it: the endpoint's own
//! VNet, and the integration VNet of every site that calls the endpoint's target.

use super::private_link::{custom_dns, display_name, endpoint_vnet, is_site_caller, site_vnets};
use crate::engine::{Related, RuleCx};
use crate::model::ids::key;
use crate::model::network::{DNS_ZONE, Tri};

pub fn check(cx: &mut RuleCx) {
    let model = cx.model;
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
        for u in model.relations.network.uses_of_zone(&zone.id) {
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
                    cx.undetermined(z, Default::default(), reason);
                    None
                }
            };
            for &target in model.relations.targets_of(pe) {
                for call in model.relations.callers(target).iter().filter(|c| is_site_caller(model, c.caller)) {
                    let site = &model.res(call.caller).name;
                    let (vnets, unknown) = site_vnets(model, call.caller);
                    if let Some(reason) = unknown {
                        cx.undetermined(z, Default::default(), reason);
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
                                    cx.undetermined(z, Default::default(), reason);
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
        for (vnet, why, related) in needed {
            match model.relations.network.zone_linked(model, &zone.id, &vnet) {
                Tri::Yes => {}
                Tri::Unknown(reason) => cx.undetermined(z, Default::default(), reason),
                Tri::No => {
                    if let Some(reason) = custom_dns(model, &vnet) {
                        cx.undetermined(z, Default::default(), reason);
                        continue;
                    }
                    cx.finding(
                        z,
                        Default::default(),
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
