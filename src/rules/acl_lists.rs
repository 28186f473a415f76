//! The ACL rules that read a site's own restriction lists: ACL001 (back-end reachable
//! from the internet), ACL004 (allow-all rule), ACL005 (SCM site open), ACL008 (Front
//! Door tag without its header), ACL009 (default action allow beside allow rules).

use crate::engine::{Related, RuleCx};
use crate::model::SiteView;
use crate::model::access::{AccessList, AccessRule, Endpoint, Unmatched, access_list, public_access_open};
use crate::model::roles::Backend;
use crate::model::site::{SITE, SLOT};
use crate::value::Span;

/// Every deployed site and slot with its view.
pub fn sites<'a>(cx: &RuleCx<'a>) -> Vec<SiteView<'a>> {
    let model = cx.model;
    model
        .of_type(SITE)
        .iter()
        .chain(model.of_type(SLOT))
        .filter(|s| !model.res(**s).existing)
        .filter_map(|s| model.site(*s))
        .collect()
}

/// The start of a sentence about an endpoint's restrictions: "A" or "SCM a".
pub fn endpoint_label(e: Endpoint) -> &'static str {
    match e {
        Endpoint::Main => "A",
        Endpoint::Scm => "SCM a",
    }
}

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

pub fn rule_label(rule: &AccessRule) -> String {
    rule.name.map_or_else(|| format!("`{}`", rule.ip.unwrap_or("?")), |n| format!("`{n}`"))
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
                allow_all_source(r, &cx.options.allow_all_tags).is_some() || r.allow && r.unknown_source().is_some()
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
            list.rules.iter().find_map(|r| allow_all_source(r, &cx.options.allow_all_tags).map(|s| (r, s)))
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

pub fn lists<'a>(cx: &mut RuleCx<'a>, view: &SiteView<'a>) -> Vec<AccessList<'a>> {
    let mut out = Vec::new();
    for e in [Endpoint::Main, Endpoint::Scm] {
        match access_list(view, e) {
            Ok(l) if !l.uses_main => out.push(l),
            Ok(_) => {}
            Err(reason) => cx.undetermined(view.idx, Span::NONE, reason),
        }
    }
    out
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
                if let Some(src) = allow_all_source(rule, &cx.options.allow_all_tags) {
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

pub fn scm_site_unrestricted(cx: &mut RuleCx) {
    for view in sites(cx) {
        let model = cx.model;
        let name = &model.res(view.idx).name;
        let (main, scm) = match (access_list(&view, Endpoint::Main), access_list(&view, Endpoint::Scm)) {
            (Ok(m), Ok(s)) => (m, s),
            (Err(r), _) | (_, Err(r)) => {
                cx.undetermined(view.idx, Span::NONE, r);
                continue;
            }
        };
        let main_restricted = main.unmatched == Unmatched::Deny;
        if !main_restricted || scm.uses_main || scm.unmatched == Unmatched::Deny {
            continue;
        }
        match public_access_open(model, view.idx) {
            Err(reason) => cx.undetermined(view.idx, Span::NONE, reason),
            Ok((false, _)) => {}
            Ok((true, _)) => {
                let related = vec![Related {
                    resource: Some(view.idx),
                    span: main.list.map_or(main.unmatched_span, |l| l.span),
                    message: "the main site denies unmatched traffic".into(),
                }];
                let at = match view.setting("scmIpSecurityRestrictionsUseMain") {
                    crate::model::Lookup::Found(n) => n.span,
                    _ => scm.unmatched_span,
                };
                cx.finding(
                    view.idx,
                    at,
                    format!("The SCM (Kudu) site of `{name}` is open while the main site is restricted: set `scmIpSecurityRestrictionsUseMain` to `true` or give the SCM site its own rules"),
                    related,
                );
            }
        }
    }
}

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
