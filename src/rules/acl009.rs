//! ACL009 default-action-allow-with-rules: access restrictions that allow unmatched
//! traffic beside allow rules, which then restrict nothing.

use super::support::access::{endpoint_label, lists, rule_label};
use super::support::sites::sites;
use crate::engine::{Related, RuleCx};
use crate::model::access::Unmatched;

pub fn default_action_allow_with_rules(cx: &mut RuleCx) {
    for view in sites(cx) {
        let name = cx.model.res(view.idx).name.clone();
        for list in lists(cx, &view) {
            if list.unmatched == Unmatched::Allow && !list.unmatched_implicit && list.rules.iter().any(|r| r.allow) {
                let related: Vec<Related> = list
                    .rules
                    .iter()
                    .filter(|r| r.allow)
                    .take(3)
                    .map(|r| Related {
                        resource: Some(view.idx),
                        span: r.node.span,
                        message: format!("allow rule {}", rule_label(r)),
                    })
                    .collect();
                cx.finding(
                    view.idx,
                    list.unmatched_span,
                    format!("{}ccess restrictions of site `{name}` allow unmatched traffic, so its allow rules restrict nothing: set the default action to `Deny`", endpoint_label(list.endpoint)),
                    related,
                );
            }
        }
    }
}
