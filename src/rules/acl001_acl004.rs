//! ACL001 backend-publicly-reachable (a back-end reachable from the internet) and
//! ACL004 allow-all-rule (an access restriction that admits everyone): both ask which
//! rules admit everyone.

use super::support::access::{endpoint_label, lists, rule_label};
use super::support::sites::sites;
use crate::engine::{Related, RuleCx};
use crate::model::access::{AccessRule, Unmatched};
use crate::model::roles::Backend;
use crate::value::Span;

/// The source of a rule that admits everyone, if any (ACL004's test).
pub fn allow_all_source<'r>(rule: &'r AccessRule<'_>, allow_all_tags: &[String]) -> Option<&'r str> {
    if !rule.allow {
        return None;
    }
    rule.sources().find(|s| {
        ["0.0.0.0/0", "::/0", "Any", "*", "0.0.0.0"].iter().any(|a| s.eq_ignore_ascii_case(a))
            || (rule.is_service_tag && allow_all_tags.iter().any(|t| s.eq_ignore_ascii_case(t)))
    })
}

pub fn backend_publicly_reachable(cx: &mut RuleCx) {
    for view in sites(cx) {
        let model = cx.model;
        // A site whose role is unknown is checked all the same; where it would be
        // reported, it is undetermined instead.
        let (evidence, role_unknown) = match model.backend(view.idx) {
            Backend::Yes(role) => (role.evidence.as_str(), None),
            Backend::Unknown(why) => ("", Some(why)),
            Backend::No => continue,
        };
        let name = &model.res(view.idx).name;
        let (pna_span, list) = match crate::model::access::open_main_list(&view) {
            Ok(Some(x)) => x,
            Ok(None) => continue,
            Err(reason) => {
                cx.undetermined(view.idx, Span::NONE, reason);
                continue;
            }
        };
        let related = vec![Related {
            resource: Some(view.idx),
            span: pna_span,
            message: format!("public network access of `{name}` is enabled"),
        }];
        let open = list.unmatched == Unmatched::Allow
            || list.rules.iter().any(|r| {
                allow_all_source(r, &cx.option_strings("allow-all-tags")).is_some()
                    || r.allow && r.unknown_source().is_some()
            });
        if let Some(why) = role_unknown {
            if open {
                cx.undetermined(view.idx, Span::NONE, why.to_string());
            }
            continue;
        }
        if list.unmatched == Unmatched::Allow {
            let how = list.why_unmatched_allowed();
            cx.finding(
                view.idx,
                list.unmatched_span,
                format!("Back-end `{name}` accepts traffic from the internet: public network access is enabled and {how}; it is a back-end because it {evidence}"),
                related,
            );
        } else if let Some((rule, src)) =
            list.rules.iter().find_map(|r| allow_all_source(r, &cx.option_strings("allow-all-tags")).map(|s| (r, s)))
        {
            cx.finding(
                view.idx,
                rule.node.span,
                format!("Back-end `{name}` accepts traffic from the internet: access restriction {} allows `{src}`; it is a back-end because it {evidence}", rule_label(rule)),
                related,
            );
        } else if let Some(u) = list.rules.iter().filter(|r| r.allow).find_map(|r| r.unknown_source()) {
            cx.undetermined(
                view.idx,
                u.span,
                format!("the source of an allow rule cannot be determined: {}", u.detail),
            );
        }
    }
}

pub fn allow_all_rule(cx: &mut RuleCx) {
    for view in sites(cx) {
        let name = cx.model.res(view.idx).name.clone();
        for list in lists(cx, &view) {
            for rule in &list.rules {
                if rule.allow
                    && let Some(u) = rule.unknown_source()
                {
                    cx.undetermined(
                        view.idx,
                        u.span,
                        format!("the source of an allow rule cannot be determined: {}", u.detail),
                    );
                    continue;
                }
                if let Some(src) = allow_all_source(rule, &cx.option_strings("allow-all-tags")) {
                    let span = rule.node.get("ipAddress").map_or(rule.node.span, |n| n.span);
                    cx.finding(
                        view.idx,
                        span,
                        format!("{}ccess restriction {} of site `{name}` allows `{src}`, which admits everyone: allow only the callers' subnets or addresses", endpoint_label(list.endpoint), rule_label(rule)),
                        Vec::new(),
                    );
                }
            }
        }
    }
}
