//! PE003 private-dns-zone-mismatch: a zone group puts an endpoint's records in a zone
//! that is not the one the target's group id needs (the table in `support::dns_zones`).
//! The expected zone depends only on the target's type and group id, both of which the
//! endpoint states, so the check works when the target or the zone is outside the scan.

use super::support::dns_zones::{Need, needs, zone_accepted};
use crate::engine::{Related, RuleCx};
use crate::model::network::{IdRef, ZONE_GROUP};

pub fn check(cx: &mut RuleCx) {
    let model = cx.model;
    for &g in model.of_type(ZONE_GROUP) {
        let grp = model.res(g);
        if grp.existing {
            continue;
        }
        let Some(pe) = model.parent(g) else { continue };
        let (needs, unknown) = needs(model, pe);
        for u in model.relations.network.zones_of(pe).iter().filter(|u| u.group == g) {
            let name = match (&u.zone, &u.zone_name) {
                // A zone named by a value not known offline may be the right one.
                (IdRef::Key(k), Some(name))
                    if model
                        .resolve_any(k)
                        .is_some_and(|z| model.res(z).name_key.contains(crate::value::SYMBOL_OPEN)) =>
                {
                    cx.undetermined(
                        g,
                        u.span,
                        format!("the name of zone `{name}` is not known offline, so whether it is the zone the endpoint needs cannot be determined"),
                    );
                    continue;
                }
                (IdRef::Key(_), Some(name)) => name.as_str(),
                (IdRef::Unknown(why), _) => {
                    cx.undetermined(g, u.span, format!("the zone id cannot be determined: {why}"));
                    continue;
                }
                _ => continue,
            };
            if needs.iter().any(|n| n.zones.is_some_and(|z| zone_accepted(z, name))) {
                continue;
            }
            if let Some(why) = &unknown {
                cx.undetermined(g, u.span, why.clone());
                continue;
            }
            let known: Vec<&Need> = needs.iter().filter(|n| n.zones.is_some()).collect();
            let Some(need) = known.first() else {
                if let Some(n) = needs.first() {
                    cx.undetermined(
                        g,
                        u.span,
                        format!("azlint's zone table has no entry for group id `{}` of `{}`", n.group_id, n.ty),
                    );
                }
                continue;
            };
            let want = need.zones.unwrap_or_default();
            let want_text =
                if want.len() == 1 { format!("`{}`", want[0]) } else { format!("one of `{}`", want.join("`, `")) };
            let mut related = Vec::new();
            if let IdRef::Key(k) = &u.zone
                && let Some(z) = model.resolve_any(k)
            {
                related.push(Related {
                    resource: Some(z),
                    span: model.res(z).type_span(),
                    message: format!("zone `{}` is declared here", model.res(z).name),
                });
            }
            if let Some(t) = need.target_idx {
                related.push(Related {
                    resource: Some(t),
                    span: model.res(t).type_span(),
                    message: format!("`{}` is the endpoint's target", model.res(t).name),
                });
            }
            cx.finding(
                g,
                u.span,
                format!(
                    "Zone group `{}` puts private endpoint `{}`'s records for `{}` (group id `{}`) in zone `{name}`, but that group id needs {want_text}; use that zone instead",
                    grp.name,
                    model.res(pe).name,
                    need.target,
                    need.group_id
                ),
                related,
            );
        }
    }
}
