//! The ACL rules that follow an allowed subnet to what it admits: ACL002 (allowed subnet
//! without the `Microsoft.Web` service endpoint), ACL003 (allowed subnet nobody calls
//! from, or a caller integrated elsewhere), ACL007 (allowed subnet shared by apps that
//! are not callers).

use std::collections::{BTreeSet, HashMap, HashSet};

use super::support::access::{endpoint_label, lists, rule_label};
use super::support::array;
use super::support::sites::sites;
use crate::engine::{Related, RuleCx};
use crate::model::access::{AccessRule, Endpoint, Unmatched, access_list};
use crate::model::{Model, Reference, ResIdx, SiteView};
use crate::value::Node;
use crate::value::Span;

/// The subnets a site's allow rules admit, resolved: (rule, subnet, id node).
fn allowed_subnets<'a>(cx: &mut RuleCx<'a>, rule: &AccessRule<'a>, site: ResIdx) -> Option<(ResIdx, &'a Node)> {
    let id = rule.subnet?;
    match cx.model.follow_node(site, id) {
        Reference::Found(sn, n) => Some((sn, n)),
        Reference::Missing(missing, n) => {
            cx.undetermined(
                site,
                n.span,
                format!("the allowed subnet `{missing}` is not in the scanned configuration"),
            );
            None
        }
        Reference::Unknown(u) => {
            cx.undetermined(site, id.span, format!("the allowed subnet id cannot be determined: {}", u.detail));
            None
        }
        Reference::Absent => None,
    }
}

pub fn vnet_rule_without_service_endpoint(cx: &mut RuleCx) {
    for view in sites(cx) {
        let site_name = cx.model.res(view.idx).name.clone();
        for list in lists(cx, &view) {
            for rule in list.rules.iter().filter(|r| r.allow) {
                let Some((subnet, id)) = allowed_subnets(cx, rule, view.idx) else { continue };
                let model = cx.model;
                let sn = model.res(subnet);
                if sn.existing {
                    cx.undetermined(
                        view.idx,
                        id.span,
                        format!(
                            "subnet `{}` is declared `existing`; its service endpoints are not in the template",
                            sn.name
                        ),
                    );
                    continue;
                }
                let endpoints = match array(model, subnet, "properties.serviceEndpoints") {
                    Ok(e) => e,
                    Err(reason) => {
                        cx.undetermined(view.idx, id.span, reason);
                        continue;
                    }
                };
                let mut unknown = None;
                let has_web = endpoints.iter().any(|e| match e.get("service").map(|n| &n.value) {
                    Some(crate::value::Value::String(s)) => s.eq_ignore_ascii_case("Microsoft.Web"),
                    Some(crate::value::Value::Unknown(u)) => {
                        unknown = Some(u.detail.clone());
                        false
                    }
                    _ => false,
                });
                if has_web {
                    continue;
                }
                if let Some(detail) = unknown {
                    cx.undetermined(
                        view.idx,
                        id.span,
                        format!("a service endpoint of subnet `{}` cannot be determined: {detail}", sn.name),
                    );
                    continue;
                }
                cx.finding(
                    view.idx,
                    id.span,
                    format!(
                        "{}ccess restriction {} of site `{site_name}` allows subnet `{}`, which has no `Microsoft.Web` service endpoint: calls from it arrive from public addresses and get 403",
                        endpoint_label(list.endpoint),
                        rule_label(rule),
                        sn.name
                    ),
                    vec![Related {
                        resource: Some(subnet),
                        span: sn.node.path("properties.serviceEndpoints").map_or(sn.type_span(), |n| n.span),
                        message: format!("subnet `{}` needs `Microsoft.Web` in `serviceEndpoints`", sn.name),
                    }],
                );
            }
        }
    }
}

/// The integration subnets of a site that resolve to a subnet of the scan.
fn found_integration_subnets(site: &SiteView) -> Vec<ResIdx> {
    site.integration_subnets()
        .into_iter()
        .filter_map(|r| match r {
            Reference::Found(s, _) => Some(s),
            _ => None,
        })
        .collect()
}

/// The sites and slots whose calls are not known (a read that would name their callees
/// did not happen), each with the subnets it is integrated into and why: computed once
/// per rule, so that each site's question is a lookup, not a walk over every caller.
fn hidden_site_callers(model: &Model) -> Vec<(ResIdx, Vec<ResIdx>, &str)> {
    let mut seen = HashSet::new();
    model
        .relations
        .hidden_callers()
        .iter()
        .filter_map(|h| {
            let site = model.site(h.caller?)?;
            seen.insert(site.idx).then(|| (site.idx, found_integration_subnets(&site), h.reason.as_str()))
        })
        .collect()
}

pub fn vnet_rule_allows_no_caller(cx: &mut RuleCx) {
    let hidden = hidden_site_callers(cx.model);
    for view in sites(cx) {
        let model = cx.model;
        let site_name = model.res(view.idx).name.clone();
        let main = match access_list(&view, Endpoint::Main) {
            Ok(main) => main,
            Err(reason) => {
                cx.undetermined(view.idx, Span::NONE, reason);
                continue;
            }
        };
        let mut allowed = BTreeSet::new();
        for rule in main.rules.iter().filter(|r| r.allow) {
            let Some((subnet, id)) = allowed_subnets(cx, rule, view.idx) else { continue };
            allowed.insert(subnet);
            let rel = &model.relations;
            if rel.integrations_in(subnet).is_empty() && rel.compute_in(subnet).is_empty() {
                let sn = &model.res(subnet).name;
                // A site whose integration subnet cannot be identified may be integrated
                // there; a gateway or VM whose subnet cannot be identified may be there.
                if let Some(u) = rel.maybe_integrated_in(model, subnet) {
                    cx.undetermined(
                        view.idx,
                        id.span,
                        format!(
                            "whether site `{}` is integrated into subnet `{sn}` cannot be determined: {}",
                            model.res(u.resource).name,
                            u.why
                        ),
                    );
                    continue;
                }
                if let Some(u) = rel.maybe_placed_in(model, subnet) {
                    cx.undetermined(
                        view.idx,
                        id.span,
                        format!(
                            "whether `{}` is deployed into subnet `{sn}` cannot be determined: {}",
                            model.res(u.resource).name,
                            u.why
                        ),
                    );
                    continue;
                }
                cx.finding(
                    view.idx,
                    id.span,
                    format!("Access restriction {} of site `{site_name}` allows subnet `{sn}`, from which nothing in the scanned configuration can call: no site is integrated there and no gateway or VM is deployed there", rule_label(rule)),
                    vec![Related { resource: Some(subnet), span: model.res(subnet).type_span(), message: format!("subnet `{sn}`") }],
                );
            }
        }
        if main.unmatched != Unmatched::Deny || allowed.is_empty() {
            continue;
        }
        for call in model.relations.callers(view.idx) {
            let Some(caller) = model.site(call.caller) else { continue };
            let subnets = found_integration_subnets(&caller);
            if subnets.iter().any(|s| allowed.contains(s)) {
                continue;
            }
            // A caller whose integration subnet cannot be identified may be in an allowed one.
            if let Some(u) = model.relations.unknown_integrations().iter().find(|u| u.resource == call.caller)
                && allowed.iter().any(|a| u.may_be_in(model, *a))
            {
                cx.undetermined(
                    view.idx,
                    main.list.map_or(main.unmatched_span, |l| l.span),
                    format!(
                        "site `{}` calls `{site_name}` ({}), and whether its integration subnet is one the access restrictions allow cannot be determined: {}",
                        model.res(call.caller).name,
                        call.via,
                        u.why
                    ),
                );
                continue;
            }
            if subnets.is_empty() {
                continue;
            }
            let caller_name = &model.res(call.caller).name;
            let used = &model.res(subnets[0]).name;
            cx.finding(
                view.idx,
                main.list.map_or(main.unmatched_span, |l| l.span),
                format!("Site `{caller_name}` calls `{site_name}` ({}) but is integrated into subnet `{used}`, which the access restrictions of `{site_name}` do not allow: its calls get 403", call.via),
                vec![Related { resource: Some(call.caller), span: call.span, message: format!("`{caller_name}` calls `{site_name}` here") }],
            );
        }
        // A site whose calls are not known, integrated into a subnet the list does not
        // allow (one is enough: the result is undetermined either way).
        let outside = hidden.iter().find(|(caller, subnets, _)| {
            *caller != view.idx && !subnets.is_empty() && !subnets.iter().any(|s| allowed.contains(s))
        });
        if let Some((caller, subnets, reason)) = outside {
            cx.undetermined(
                view.idx,
                main.list.map_or(main.unmatched_span, |l| l.span),
                format!(
                    "site `{}` is integrated into subnet `{}`, which the access restrictions of `{site_name}` \
                     do not allow, and may call it: {reason}",
                    model.res(*caller).name,
                    model.res(subnets[0]).name,
                ),
            );
        }
    }
}

pub fn caller_subnet_shared_by_other_apps(cx: &mut RuleCx) {
    // Sites whose calls are not known (their app settings were not read) may be callers.
    let hidden_list = hidden_site_callers(cx.model);
    let hidden: HashMap<ResIdx, &str> = hidden_list.iter().map(|(site, _, reason)| (*site, *reason)).collect();
    // The first in model order, so that the reason does not depend on hashing.
    let any_hidden_reason = |except: ResIdx| hidden_list.iter().find(|(s, _, _)| *s != except).map(|(_, _, r)| *r);
    for view in sites(cx) {
        let model = cx.model;
        let callers: BTreeSet<ResIdx> = model.relations.callers(view.idx).iter().map(|c| c.caller).collect();
        if callers.is_empty() && any_hidden_reason(view.idx).is_none() {
            continue;
        }
        let site_name = model.res(view.idx).name.clone();
        let main = match access_list(&view, Endpoint::Main) {
            Ok(main) => main,
            Err(reason) => {
                cx.undetermined(view.idx, Span::NONE, reason);
                continue;
            }
        };
        for rule in main.rules.iter().filter(|r| r.allow) {
            let Some((subnet, id)) = allowed_subnets(cx, rule, view.idx) else { continue };
            let (maybe, others): (Vec<ResIdx>, Vec<ResIdx>) = model
                .relations
                .integrations_in(subnet)
                .iter()
                .map(|i| i.site)
                .filter(|s| *s != view.idx && !callers.contains(s))
                .partition(|s| hidden.contains_key(s));
            if callers.is_empty() || others.is_empty() {
                let first = maybe.first().or(others.first()).copied();
                let reason = first.and_then(|f| hidden.get(&f).copied()).or_else(|| any_hidden_reason(view.idx));
                if let (Some(reason), Some(first)) = (reason, first) {
                    let who = &model.res(first).name;
                    cx.undetermined(
                        view.idx,
                        id.span,
                        format!(
                            "whether `{who}`, integrated into subnet `{}` that `{site_name}` allows, calls it \
                             cannot be determined: {}",
                            model.res(subnet).name,
                            reason
                        ),
                    );
                }
                continue;
            }
            let others: Vec<String> = others.iter().map(|s| format!("`{}`", model.res(*s).name)).collect();
            cx.finding(
                view.idx,
                id.span,
                format!(
                    "Subnet `{}` allowed by site `{site_name}` is also the integration subnet of {}, which {} not call it but can: give the callers a subnet of their own",
                    model.res(subnet).name,
                    others.join(", "),
                    if others.len() == 1 { "does" } else { "do" }
                ),
                Vec::new(),
            );
        }
    }
}
