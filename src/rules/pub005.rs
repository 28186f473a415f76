//! PUB005 data-service-public-network: Cosmos DB, Service Bus, Event Hubs, Container
//! Registry, Redis, PostgreSQL/MySQL flexible servers, App Configuration and AI Search
//! with public network access and no IP or VNet filtering (facts sheet §4).

use super::support::{array, public_access, str_eq};
use crate::engine::RuleCx;
use crate::model::{Lookup, Model, ResIdx};
use crate::value::Span;
use crate::value::Value;

/// How one resource type filters public traffic.
struct Spec {
    ty: &'static str,
    label: &'static str,
    pna: &'static str,
    /// `Ok(Some(how))` when filtered, `Ok(None)` when open, `Err` when unknown.
    filter: fn(&Model, ResIdx) -> Result<Option<&'static str>, String>,
}

const SPECS: &[Spec] = &[
    Spec {
        ty: "Microsoft.DocumentDB/databaseAccounts",
        label: "Cosmos DB account",
        pna: "properties.publicNetworkAccess",
        filter: cosmos,
    },
    Spec {
        ty: "Microsoft.ServiceBus/namespaces",
        label: "Service Bus namespace",
        pna: "properties.publicNetworkAccess",
        filter: rule_set,
    },
    Spec {
        ty: "Microsoft.EventHub/namespaces",
        label: "Event Hubs namespace",
        pna: "properties.publicNetworkAccess",
        filter: rule_set,
    },
    Spec {
        ty: "Microsoft.ContainerRegistry/registries",
        label: "container registry",
        pna: "properties.publicNetworkAccess",
        filter: registry,
    },
    Spec { ty: "Microsoft.Cache/Redis", label: "Redis cache", pna: "properties.publicNetworkAccess", filter: redis },
    Spec {
        ty: "Microsoft.DBforPostgreSQL/flexibleServers",
        label: "PostgreSQL flexible server",
        pna: "properties.network.publicNetworkAccess",
        filter: flexible,
    },
    Spec {
        ty: "Microsoft.DBforMySQL/flexibleServers",
        label: "MySQL flexible server",
        pna: "properties.network.publicNetworkAccess",
        filter: flexible,
    },
    Spec {
        ty: "Microsoft.AppConfiguration/configurationStores",
        label: "App Configuration store",
        pna: "properties.publicNetworkAccess",
        filter: |_, _| Ok(None),
    },
    Spec {
        ty: "Microsoft.Search/searchServices",
        label: "AI Search service",
        pna: "properties.publicNetworkAccess",
        filter: search,
    },
];

pub fn check(cx: &mut RuleCx) {
    let model = cx.model;
    for spec in SPECS {
        for &r in model.of_type(spec.ty) {
            let res = model.res(r);
            if res.existing {
                continue;
            }
            let (open, span) = match public_access(model, r, spec.pna) {
                Ok(x) => x,
                Err(reason) => {
                    cx.undetermined(r, Span::NONE, reason);
                    continue;
                }
            };
            if !open {
                continue;
            }
            match (spec.filter)(model, r) {
                Err(reason) => cx.undetermined(r, Span::NONE, reason),
                Ok(Some(_)) => {}
                Ok(None) => {
                    let pna =
                        res.get(spec.pna, model).as_str().map_or("not set (enabled)".to_string(), |v| format!("`{v}`"));
                    cx.finding(
                        r,
                        span,
                        format!("{} `{}` accepts traffic from any network: public network access is {pna} and no IP or VNet rule restricts it", capitalize(spec.label), res.name),
                        Vec::new(),
                    );
                }
            }
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

fn non_empty(model: &Model, r: ResIdx, path: &str) -> Result<bool, String> {
    array(model, r, path).map(|a| !a.is_empty())
}

fn cosmos(model: &Model, r: ResIdx) -> Result<Option<&'static str>, String> {
    let res = model.res(r);
    if matches!(res.get("properties.isVirtualNetworkFilterEnabled", model), Lookup::Found(n) if n.value.as_bool() == Some(true))
        && non_empty(model, r, "properties.virtualNetworkRules")?
    {
        return Ok(Some("VNet rules"));
    }
    if non_empty(model, r, "properties.ipRules")? {
        return Ok(Some("IP rules"));
    }
    match res.get("properties.ipRangeFilter", model) {
        Lookup::Found(n) if n.as_str().is_some_and(|s| !s.trim().is_empty()) => Ok(Some("ipRangeFilter")),
        Lookup::Unknown(u) => Err(u.detail.clone()),
        _ => Ok(None),
    }
}

/// Service Bus and Event Hubs filter through the `networkRuleSets/default` child.
fn rule_set(model: &Model, r: ResIdx) -> Result<Option<&'static str>, String> {
    for c in model
        .children(r)
        .iter()
        .copied()
        .filter(|c| model.res(*c).type_.to_ascii_lowercase().ends_with("/networkrulesets"))
    {
        let set = model.res(c);
        if str_eq(set.get("properties.publicNetworkAccess", model), "Disabled") == Some(true) {
            return Ok(Some("network rule set disables public access"));
        }
        match set.get("properties.defaultAction", model) {
            Lookup::Found(n) if n.as_str().is_some_and(|s| s.eq_ignore_ascii_case("Deny")) => {
                return Ok(Some("network rule set denies by default"));
            }
            Lookup::Unknown(u) => {
                return Err(format!("the network rule set's `defaultAction` cannot be determined: {}", u.detail));
            }
            _ => {}
        }
    }
    Ok(None)
}

fn registry(model: &Model, r: ResIdx) -> Result<Option<&'static str>, String> {
    match model.res(r).get("properties.networkRuleSet.defaultAction", model) {
        Lookup::Found(n) if n.as_str().is_some_and(|s| s.eq_ignore_ascii_case("Deny")) => Ok(Some("network rule set")),
        Lookup::Unknown(u) => Err(u.detail.clone()),
        _ => Ok(None),
    }
}

fn redis(model: &Model, r: ResIdx) -> Result<Option<&'static str>, String> {
    match model.res(r).get("properties.subnetId", model) {
        Lookup::Found(n) if n.as_str().is_some_and(|s| !s.is_empty()) => {
            return Ok(Some("VNet injection"));
        }
        Lookup::Unknown(u) => return Err(u.detail.clone()),
        _ => {}
    }
    let has_rules =
        model.children(r).iter().any(|c| model.res(*c).type_.to_ascii_lowercase().ends_with("/firewallrules"));
    Ok(has_rules.then_some("firewall rules"))
}

/// Flexible servers are either VNet-injected (closed) or public with firewall rules; no
/// rule admits nobody, so "unfiltered" means a rule spanning every address.
fn flexible(model: &Model, r: ResIdx) -> Result<Option<&'static str>, String> {
    match model.res(r).get("properties.network.delegatedSubnetResourceId", model) {
        Lookup::Found(n) if n.as_str().is_some_and(|s| !s.is_empty()) => {
            return Ok(Some("VNet injection"));
        }
        Lookup::Unknown(u) => return Err(u.detail.clone()),
        _ => {}
    }
    for c in model
        .children(r)
        .iter()
        .copied()
        .filter(|c| model.res(*c).type_.to_ascii_lowercase().ends_with("/firewallrules"))
    {
        let fr = model.res(c);
        let ip = |p: &str| fr.get(p, model).found().map(|n| n.value.clone());
        if let (Some(Value::String(s)), Some(Value::String(e))) =
            (ip("properties.startIpAddress"), ip("properties.endIpAddress"))
            && &*s == "0.0.0.0"
            && &*e == "255.255.255.255"
        {
            return Ok(None);
        }
    }
    Ok(Some("firewall rules"))
}

fn search(model: &Model, r: ResIdx) -> Result<Option<&'static str>, String> {
    Ok(non_empty(model, r, "properties.networkRuleSet.ipRules")?.then_some("IP rules"))
}
