//! NET005 subnet-outside-address-space: a subnet outside its VNet's address space,
//! sibling subnets that overlap, and peered VNets whose address spaces overlap.

use ipnet::IpNet;

use super::support::address_prefixes::{overlaps, prefixes, subnet_prefixes};
use crate::engine::{Related, RuleCx};
use crate::model::{Reference, ResIdx};
use crate::value::Span;

const VNET: &str = "Microsoft.Network/virtualNetworks";
const SUBNET: &str = "Microsoft.Network/virtualNetworks/subnets";
const PEERING: &str = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings";

pub fn check(cx: &mut RuleCx) {
    let model = cx.model;
    for &vnet in model.of_type(VNET) {
        if model.res(vnet).existing {
            continue;
        }
        let space = match prefixes(model, vnet, "properties.addressSpace.addressPrefixes") {
            Ok(s) => s,
            Err(reason) => {
                cx.undetermined(vnet, Span::NONE, reason);
                continue;
            }
        };
        // (prefix, subnet) of every subnet, sorted by network address for the overlap sweep.
        let mut all: Vec<(IpNet, Span, ResIdx)> = Vec::new();
        let mut seen_keys = std::collections::HashSet::new();
        for s in model.children_of_type(vnet, SUBNET) {
            // A subnet declared inline and again as a child resource is one subnet.
            if !seen_keys.insert(model.res(s).key.clone()) {
                continue;
            }
            match subnet_prefixes(model, s) {
                Ok(ps) => all.extend(ps.into_iter().map(|(p, sp)| (p, sp, s))),
                Err(reason) => cx.undetermined(s, Span::NONE, reason),
            }
        }
        let vnet_name = &model.res(vnet).name;
        if !space.is_empty() {
            for (p, span, s) in &all {
                if !space.iter().any(|(v, _)| v.contains(p)) {
                    let spaces: Vec<String> = space.iter().map(|(v, _)| v.to_string()).collect();
                    cx.finding(
                        *s,
                        *span,
                        format!(
                            "Subnet `{}` prefix `{p}` is outside the address space of VNet `{vnet_name}` (`{}`)",
                            model.res(*s).name,
                            spaces.join("`, `")
                        ),
                        vec![Related {
                            resource: Some(vnet),
                            span: space[0].1,
                            message: format!("address space of `{vnet_name}`"),
                        }],
                    );
                }
            }
        }
        // Subnets from a copy loop whose count is not known: one instance stands for
        // all, so whether siblings overlap cannot be known.
        if let Some(why) = model.children_of_type(vnet, SUBNET).find_map(|s| model.res(s).uncounted.clone()) {
            let mut told = std::collections::HashSet::new();
            for (_, _, s) in &all {
                if told.insert(*s) {
                    cx.undetermined(
                        *s,
                        Span::NONE,
                        format!("whether the subnets of `{vnet_name}` overlap cannot be determined: {why}"),
                    );
                }
            }
            continue;
        }
        all.sort_by_key(|(p, _, _)| (p.network(), p.prefix_len()));
        let mut widest: Option<(IpNet, Span, ResIdx)> = None;
        for (p, span, s) in all {
            if let Some((w, wspan, ws)) = widest
                && ws != s
                && overlaps(&w, &p)
            {
                let (a, b) = (model.res(ws).name.clone(), model.res(s).name.clone());
                cx.finding(
                    s,
                    span,
                    format!("Subnet `{b}` (`{p}`) overlaps sibling subnet `{a}` (`{w}`)"),
                    vec![Related { resource: Some(ws), span: wspan, message: format!("`{a}` is `{w}`") }],
                );
                cx.finding(
                    ws,
                    wspan,
                    format!("Subnet `{a}` (`{w}`) overlaps sibling subnet `{b}` (`{p}`)"),
                    vec![Related { resource: Some(s), span, message: format!("`{b}` is `{p}`") }],
                );
            }
            if widest.is_none_or(|(w, _, _)| !w.contains(&p)) {
                widest = Some((p, span, s));
            }
        }
    }
    for &peering in model.of_type(PEERING) {
        let Some(local) = model.parent(peering) else { continue };
        match model.follow(peering, "properties.remoteVirtualNetwork") {
            Reference::Found(remote, id) => {
                let (Ok(a), Ok(b)) = (
                    prefixes(model, local, "properties.addressSpace.addressPrefixes"),
                    prefixes(model, remote, "properties.addressSpace.addressPrefixes"),
                ) else {
                    cx.undetermined(peering, id.span, "the address space of a peered VNet cannot be determined".into());
                    continue;
                };
                if let Some(((x, _), (y, _))) =
                    a.iter().flat_map(|x| b.iter().map(move |y| (x, y))).find(|(x, y)| overlaps(&x.0, &y.0))
                {
                    cx.finding(
                        peering,
                        id.span,
                        format!("Peering `{}` connects VNets whose address spaces overlap (`{x}` and `{y}` in `{}`): traffic to the overlap is not routed", model.res(peering).name, model.res(remote).name),
                        vec![Related { resource: Some(remote), span: model.res(remote).type_span(), message: format!("remote VNet `{}`", model.res(remote).name) }],
                    );
                }
            }
            Reference::Missing(id, n) => {
                cx.undetermined(peering, n.span, format!("the remote VNet `{id}` is not in the scanned configuration"))
            }
            Reference::Unknown(u) => {
                cx.undetermined(peering, Span::NONE, format!("the remote VNet cannot be determined: {}", u.detail))
            }
            Reference::Absent => {}
        }
    }
}
