//! PE002 private-endpoint-without-dns: a private endpoint with neither a private DNS
//! zone group nor a custom DNS configuration, so clients keep resolving the public name.

use crate::engine::{Related, RuleCx};
use crate::model::network::ZONE_GROUP;
use crate::model::relations::PRIVATE_ENDPOINT;
use crate::model::{Lookup, lookup};
use crate::value::Span;

pub fn check(cx: &mut RuleCx) {
    let model = cx.model;
    for &pe in model.of_type(PRIVATE_ENDPOINT) {
        let e = model.res(pe);
        if e.existing {
            continue;
        }
        let mut groups = model.children_of_type(pe, ZONE_GROUP).peekable();
        if groups.peek().is_some() {
            // A zone group that names no zone is no zone group.
            let mut empty = None;
            let mut any = false;
            let mut unknown = None;
            for g in groups {
                match model.res(g).get("properties.privateDnsZoneConfigs", model) {
                    Lookup::Found(n) if n.value.as_array().is_some_and(|a| a.is_empty()) => empty = Some(g),
                    Lookup::Absent => empty = Some(g),
                    // A zone group that was not read (or whose zones are unknown) may name none.
                    Lookup::Unknown(u) => {
                        unknown.get_or_insert_with(|| {
                            format!("the private DNS zones of `{}` cannot be determined: {}", e.name, u.detail)
                        });
                    }
                    _ => any = true,
                }
            }
            if !any && let Some(reason) = unknown {
                cx.undetermined(pe, Span::NONE, reason);
                continue;
            }
            match (any, empty) {
                (false, Some(g)) => {
                    let grp = model.res(g);
                    cx.finding(
                        pe,
                        grp.node.path("properties.privateDnsZoneConfigs").map_or(grp.type_span(), |n| n.span),
                        format!(
                            "Private endpoint `{}` has zone group `{}` that names no private DNS zone, so clients keep resolving the public address; add a `privateDnsZoneConfigs` entry",
                            e.name, grp.name
                        ),
                        Vec::new(),
                    );
                    continue;
                }
                _ => continue,
            }
        }
        match e.get("properties.customDnsConfigs", model) {
            Lookup::Found(n) if n.value.as_array().is_some_and(|a| !a.is_empty()) => continue,
            Lookup::Unknown(u) => {
                cx.undetermined(pe, Span::NONE, format!("`customDnsConfigs` cannot be determined: {}", u.detail));
                continue;
            }
            _ => {}
        }
        if let Some(g) = model.relations.network.orphan_group(e.unit) {
            cx.undetermined(
                pe,
                Span::NONE,
                format!(
                    "zone group `{}` cannot be matched to its endpoint offline; it may belong to this one",
                    model.res(g).name
                ),
            );
            continue;
        }
        let related = model
            .relations
            .targets_of(pe)
            .iter()
            .map(|&t| Related {
                resource: Some(t),
                span: model.res(t).type_span(),
                message: format!("`{}` is the endpoint's target", model.res(t).name),
            })
            .collect();
        let target = connection_target(cx, pe).map_or_else(String::new, |t| format!(" to `{t}`"));
        cx.finding(
            pe,
            Span::NONE,
            format!(
                "Private endpoint `{}`{target} has no private DNS zone group and no `customDnsConfigs`, so clients keep resolving the public address; add a `privateDnsZoneGroups` child that links the matching `privatelink` zone",
                e.name
            ),
            related,
        );
    }
}

/// The name of the endpoint's first target, from the model or from the id.
fn connection_target(cx: &RuleCx, pe: crate::model::ResIdx) -> Option<String> {
    let model = cx.model;
    if let Some(&t) = model.relations.targets_of(pe).first() {
        return Some(model.res(t).name.clone());
    }
    for path in ["properties.privateLinkServiceConnections", "properties.manualPrivateLinkServiceConnections"] {
        let list = model.res(pe).get(path, model).found()?;
        for c in list.value.as_array().unwrap_or_default() {
            if let Some(id) = lookup(c, "properties.privateLinkServiceId").as_str() {
                return id.rsplit('/').next().map(str::to_string);
            }
        }
    }
    None
}
