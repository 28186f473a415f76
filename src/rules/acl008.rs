//! ACL008 front-door-tag-without-header: an allow rule for the `AzureFrontDoor.Backend`
//! service tag without an `X-Azure-FDID` header filter.

use super::support::access::{endpoint_label, lists, rule_label};
use super::support::sites::sites;
use crate::engine::RuleCx;

pub fn front_door_tag_without_header(cx: &mut RuleCx) {
    for view in sites(cx) {
        let name = cx.model.res(view.idx).name.clone();
        for list in lists(cx, &view) {
            for rule in list.rules.iter().filter(|r| r.allow && r.is_service_tag) {
                if let Some(u) = rule.unknown_source() {
                    cx.undetermined(
                        view.idx,
                        u.span,
                        format!("the service tag of an allow rule cannot be determined: {}", u.detail),
                    );
                    continue;
                }
                if !rule.sources().any(|s| s.eq_ignore_ascii_case("AzureFrontDoor.Backend")) {
                    continue;
                }
                let pinned = rule.header("x-azure-fdid").is_some_and(|h| {
                    h.value.as_array().is_some_and(|a| !a.is_empty()) || h.as_str().is_some_and(|s| !s.is_empty())
                });
                if !pinned {
                    cx.finding(
                        view.idx,
                        rule.node.get("ipAddress").map_or(rule.node.span, |n| n.span),
                        format!("{}ccess restriction {} of site `{name}` allows the `AzureFrontDoor.Backend` service tag without an `X-Azure-FDID` header filter, so every Front Door profile of every tenant gets in", endpoint_label(list.endpoint), rule_label(rule)),
                        Vec::new(),
                    );
                }
            }
        }
    }
}
