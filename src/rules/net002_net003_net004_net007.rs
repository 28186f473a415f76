//! NET002 (integration subnet too small), NET003 (integration subnet shared with what
//! must not share it), NET004 (plan SKU without VNet integration) and NET007
//! (integration subnet missing): each starts from the sites' integration subnets in the
//! relationship index.

use std::collections::BTreeMap;

use ipnet::Ipv4Net;

use super::support::sites::plan_of;
use crate::engine::{Related, RuleCx};
use crate::model::site::{SITE, SLOT};
use crate::model::{Lookup, Model, Reference, ResIdx};
use crate::value::Span;
use crate::value::Value;

const SUBNET: &str = "Microsoft.Network/virtualNetworks/subnets";
const AUTOSCALE: &str = "Microsoft.Insights/autoscalesettings";
/// Addresses Azure keeps in every subnet: the first four and the last (facts §1.2).
const RESERVED: u64 = 5;

fn sku_name(model: &Model, plan: ResIdx) -> Option<String> {
    model.res(plan).get("sku.name", model).as_str().map(str::to_ascii_uppercase)
}

fn sku_tier(model: &Model, plan: ResIdx) -> Option<String> {
    model.res(plan).get("sku.tier", model).as_str().map(str::to_ascii_lowercase)
}

/// Documented scale-out limit per tier (App Service limits: Basic 3, Standard 10,
/// Premium v2/v3 30, Isolated 100; Elastic Premium bursts to 100 on Windows). These
/// limits are not in the facts sheet; they come from the App Service limits page.
fn tier_limit(model: &Model, plan: ResIdx) -> Option<i64> {
    let name = sku_name(model, plan).unwrap_or_default();
    let tier = sku_tier(model, plan).unwrap_or_default();
    let limit = match () {
        _ if tier.starts_with("elastic") || name.starts_with("EP") => 100,
        _ if tier.starts_with("isolated") || name.starts_with('I') => 100,
        _ if tier.starts_with("premium") || name.starts_with('P') => 30,
        _ if tier == "standard" || name.starts_with('S') => 10,
        _ if tier == "basic" || name.starts_with('B') => 3,
        _ if tier == "free" || tier == "shared" || name.starts_with('F') || name.starts_with('D') => 1,
        _ => return None,
    };
    Some(limit)
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A plan's maximum instance count: the largest of `sku.capacity`, the `maximum` of
/// autoscale profiles that target it, and `maximumElasticWorkerCount`; else the tier's
/// documented limit. `Err` when unknown.
fn max_instances(
    model: &Model,
    plan: ResIdx,
    autoscale: &BTreeMap<ResIdx, i64>,
) -> Result<(i64, &'static str), String> {
    let res = model.res(plan);
    let mut best: Option<(i64, &'static str)> = None;
    for (path, what) in
        [("sku.capacity", "`sku.capacity`"), ("properties.maximumElasticWorkerCount", "`maximumElasticWorkerCount`")]
    {
        match res.get(path, model) {
            Lookup::Found(n) => {
                if let Some(i) = int(&n.value) {
                    best = Some(best.map_or((i, what), |b| if i > b.0 { (i, what) } else { b }));
                }
            }
            Lookup::Unknown(u) => {
                return Err(format!("{what} of plan `{}` cannot be determined: {}", res.name, u.detail));
            }
            Lookup::Absent => {}
        }
    }
    if let Some(&m) = autoscale.get(&plan) {
        best =
            Some(best.map_or((m, "its autoscale maximum"), |b| if m > b.0 { (m, "its autoscale maximum") } else { b }));
    }
    match best {
        Some(b) => Ok(b),
        None => tier_limit(model, plan)
            .map(|l| (l, "its tier's scale-out limit"))
            .ok_or_else(|| format!("the SKU of plan `{}` is unknown, so its maximum instance count is", res.name)),
    }
}

fn autoscale_maxima(model: &Model) -> BTreeMap<ResIdx, i64> {
    let mut out = BTreeMap::new();
    for &a in model.of_type(AUTOSCALE) {
        let Reference::Found(target, _) = model.follow(a, "properties.targetResourceUri") else { continue };
        let profiles =
            model.res(a).node.path("properties.profiles").and_then(|p| p.value.as_array()).unwrap_or_default();
        for p in profiles {
            if let Some(m) = p.path("capacity.maximum").and_then(|n| int(&n.value)) {
                let e = out.entry(target).or_insert(m);
                *e = (*e).max(m);
            }
        }
    }
    out
}

/// The subnet's IPv4 prefix, or why it is unknown.
pub fn prefix(model: &Model, subnet: ResIdx) -> Result<Option<(Ipv4Net, crate::value::Span)>, String> {
    let res = model.res(subnet);
    let node = match res.get("properties.addressPrefix", model) {
        Lookup::Found(n) => n,
        Lookup::Unknown(u) => {
            return Err(format!("the prefix of subnet `{}` cannot be determined: {}", res.name, u.detail));
        }
        Lookup::Absent => match res.get("properties.addressPrefixes.0", model) {
            Lookup::Found(n) => n,
            Lookup::Unknown(u) => {
                return Err(format!("the prefix of subnet `{}` cannot be determined: {}", res.name, u.detail));
            }
            Lookup::Absent => return Ok(None),
        },
    };
    Ok(node.as_str().and_then(|s| s.trim().parse::<Ipv4Net>().ok()).map(|p| (p, node.span)))
}

/// Integration subnets with the sites and plans that use them, in model order.
fn integration_subnets(model: &Model) -> Vec<(ResIdx, Vec<ResIdx>)> {
    model
        .of_type(SUBNET)
        .iter()
        .filter_map(|&s| {
            let sites: Vec<ResIdx> = model.relations.integrations_in(s).iter().map(|i| i.site).collect();
            (!sites.is_empty()).then_some((s, sites))
        })
        .collect()
}

pub fn integration_subnet_undersized(cx: &mut RuleCx) {
    let model = cx.model;
    let autoscale = autoscale_maxima(model);
    for (subnet, sites) in integration_subnets(model) {
        let sn = model.res(subnet);
        if sn.existing {
            continue;
        }
        let (net, span) = match prefix(model, subnet) {
            Ok(Some(p)) => p,
            Ok(None) => continue,
            Err(reason) => {
                cx.undetermined(subnet, Span::NONE, reason);
                continue;
            }
        };
        let mut plans: BTreeMap<ResIdx, ResIdx> = BTreeMap::new();
        let mut unknown_plan = None;
        for &site in &sites {
            match plan_of(model, site) {
                Reference::Found(p, _) => {
                    plans.entry(p).or_insert(site);
                }
                Reference::Unknown(u) => unknown_plan = Some(u.detail.clone()),
                Reference::Missing(id, _) => {
                    unknown_plan = Some(format!("plan `{id}` is not in the scanned configuration"))
                }
                Reference::Absent => {}
            }
        }
        let len = net.prefix_len();
        let usable = (1u64 << (32 - u32::from(len))).saturating_sub(RESERVED);
        let mut problems = Vec::new();
        if len > 28 {
            problems.push("it is smaller than the /28 App Service requires".to_string());
        }
        if plans.len() > 1 && len > 26 {
            // Multi-plan subnet join requires /26 (facts §1.2, enforced since 2024).
            problems.push(format!("{} plans join it, which requires /26 or larger", plans.len()));
        } else if i64::from(len) > cx.option_int("integration-prefix") {
            problems.push(format!(
                "it is smaller than the recommended /{}, and a subnet cannot be resized once in use",
                cx.option_int("integration-prefix")
            ));
        }
        let mut needed = 0i64;
        let mut parts = Vec::new();
        let mut undetermined = unknown_plan;
        for &plan in plans.keys() {
            match max_instances(model, plan, &autoscale) {
                Ok((n, why)) => {
                    needed += cx.option_int("headroom") * n;
                    parts.push(format!("`{}` up to {n} instances ({why})", model.res(plan).name));
                }
                Err(reason) => undetermined = Some(format!("{reason} unknown")),
            }
        }
        if (usable as i64) < needed {
            problems.push(format!(
                "its {usable} usable addresses are fewer than the {needed} that {} need with {}x headroom for scaling",
                parts.join(" and "),
                cx.option_int("headroom")
            ));
        }
        if problems.is_empty() {
            if let Some(reason) = undetermined {
                cx.undetermined(subnet, span, reason);
            }
            continue;
        }
        let related = sites
            .iter()
            .take(3)
            .map(|&s| Related {
                resource: Some(s),
                span: model.res(s).type_span(),
                message: format!("site `{}` integrates here", model.res(s).name),
            })
            .collect();
        cx.finding(
            subnet,
            span,
            format!("Integration subnet `{}` (/{len}) is undersized: {}", sn.name, problems.join("; ")),
            related,
        );
    }
}

pub fn integration_subnet_shared(cx: &mut RuleCx) {
    let model = cx.model;
    for (subnet, sites) in integration_subnets(model) {
        let sn = model.res(subnet);
        if sn.existing {
            continue;
        }
        let site_names: Vec<String> = sites.iter().take(2).map(|s| format!("`{}`", model.res(*s).name)).collect();
        let used_by = site_names.join(", ");
        let mut problems: Vec<(String, Option<ResIdx>)> = Vec::new();
        for &pe in model.relations.endpoints_in(subnet) {
            problems.push((format!("private endpoint `{}`", model.res(pe).name), Some(pe)));
        }
        for &nic in model.relations.nics_in(subnet) {
            problems.push((format!("network interface `{}`", model.res(nic).name), Some(nic)));
        }
        if let Lookup::Found(d) = sn.get("properties.delegations", model) {
            for del in d.value.as_array().unwrap_or_default() {
                let service = del.path("properties.serviceName").and_then(|n| n.as_str()).unwrap_or_default();
                if !service.is_empty() && !service.eq_ignore_ascii_case("Microsoft.Web/serverFarms") {
                    problems.push((format!("a delegation to `{service}`"), None));
                }
            }
        }
        // Several plans may join one subnet (multi-plan subnet join) only from one subscription.
        let mut subs: BTreeMap<String, ResIdx> = BTreeMap::new();
        for &site in &sites {
            if let Reference::Found(p, _) = plan_of(model, site) {
                let sub = model.res(p).id.split('/').nth(2).unwrap_or_default().to_ascii_lowercase();
                subs.entry(sub).or_insert(p);
            }
        }
        if subs.len() > 1 {
            problems.push(("App Service plans from more than one subscription".into(), None));
        }
        if problems.is_empty() {
            // An endpoint or a VM whose subnet cannot be identified may be in this one.
            if let Some(u) = model.relations.maybe_placed_in(model, subnet) {
                cx.undetermined(
                    subnet,
                    sn.type_span(),
                    format!(
                        "whether integration subnet `{}` also holds `{}` cannot be determined: {}",
                        sn.name,
                        model.res(u.resource).name,
                        u.why
                    ),
                );
            }
            continue;
        }
        let related = problems
            .iter()
            .filter_map(|(what, r)| {
                r.map(|r| Related { resource: Some(r), span: model.res(r).type_span(), message: what.clone() })
            })
            .collect();
        let what: Vec<String> = problems.into_iter().map(|(w, _)| w).collect();
        cx.finding(
            subnet,
            sn.type_span(),
            format!("Integration subnet `{}` of {used_by} also holds {}: the integration subnet must be dedicated to App Service", sn.name, what.join(", ")),
            related,
        );
    }
}

pub fn plan_sku_without_vnet_integration(cx: &mut RuleCx) {
    let model = cx.model;
    for &site in model.of_type(SITE).iter().chain(model.of_type(SLOT)) {
        let Some(view) = model.site(site) else { continue };
        // Configuring integration is what matters here, wherever the subnet lives.
        let via = match view.integration_subnets().into_iter().find(|r| !matches!(r, Reference::Absent)) {
            Some(Reference::Found(_, n) | Reference::Missing(_, n)) => n.span,
            Some(Reference::Unknown(u)) => u.span,
            _ => continue,
        };
        let plan = match plan_of(model, site) {
            Reference::Found(plan, _) => plan,
            // A plan named from values not known offline may be one without integration.
            Reference::Unknown(u) => {
                cx.undetermined(
                    site,
                    via,
                    format!("the plan of `{}` cannot be identified, so whether it supports VNet integration is not known: {}", model.res(site).name, u.detail),
                );
                continue;
            }
            Reference::Missing(id, _) => {
                cx.undetermined(
                    site,
                    via,
                    format!("plan `{id}` is not in the scanned configuration, so whether it supports VNet integration is not known"),
                );
                continue;
            }
            Reference::Absent => continue,
        };
        // A SKU chosen by a value not known offline may be one without integration.
        let p = model.res(plan);
        if let Some(u) = [p.get("sku.name", model), p.get("sku.tier", model)].into_iter().find_map(|l| match l {
            crate::model::Lookup::Unknown(u) => Some(u),
            _ => None,
        }) && sku_name(model, plan).is_none()
        {
            cx.undetermined(
                site,
                via,
                format!("the SKU of plan `{}` cannot be determined, so whether it supports VNet integration is not known: {}", p.name, u.detail),
            );
            continue;
        }
        let name = sku_name(model, plan).unwrap_or_default();
        let tier = sku_tier(model, plan).unwrap_or_default();
        // Facts §1.5: Basic and up support regional integration; Free, Shared and the
        // Windows consumption plan (`Y1`, tier Dynamic) do not.
        let unsupported =
            matches!(tier.as_str(), "free" | "shared" | "dynamic") || ["F1", "D1", "Y1"].contains(&name.as_str());
        if !unsupported {
            continue;
        }
        let p = model.res(plan);
        cx.finding(
            site,
            via,
            format!("Site `{}` configures VNet integration, but its plan `{}` (SKU `{name}`) does not support it: move the plan to Basic or higher", model.res(site).name, p.name),
            vec![Related { resource: Some(plan), span: p.node.get("sku").map_or(p.type_span(), |n| n.span), message: format!("plan `{}` has SKU `{name}`", p.name) }],
        );
    }
}

pub fn integration_subnet_missing(cx: &mut RuleCx) {
    let model = cx.model;
    for &site in model.of_type(SITE).iter().chain(model.of_type(SLOT)) {
        if model.res(site).existing {
            continue;
        }
        let Some(view) = model.site(site) else { continue };
        for r in view.integration_subnets() {
            let (id, via) = match r {
                Reference::Missing(id, via) => (id, via),
                // A subnet named from values not known offline may or may not be scanned.
                Reference::Unknown(u) => {
                    cx.undetermined(site, u.span, format!("the integration subnet cannot be determined: {}", u.detail));
                    continue;
                }
                _ => continue,
            };
            // A subnet that a live read did not list (its VNet's `subnets`, the inventory)
            // may exist.
            if let Some(u) = model.unread(&id) {
                cx.undetermined(
                    site,
                    via.span,
                    format!("whether subnet `{id}` exists cannot be determined: {}", u.detail),
                );
                continue;
            }
            let site_res = model.res(site);
            // A subnet of a VNet that was scanned, or in the site's own resource group,
            // was meant to be here: mistyped or removed. Anything else is plainly external.
            // A symbolic id is compared by its canonical form.
            let k = Model::id_key(via).unwrap_or_else(|| crate::model::ids::key(&id));
            let vnet_id = crate::model::ids::parent_id(&k);
            let vnet_scanned = vnet_id.is_some_and(|v| model.resolve(site, v).is_some());
            let scope = |s: &str| s.split("/providers/").next().unwrap_or_default().to_string();
            let site_scope = scope(crate::model::ids::without_unit(&site_res.key));
            let subnet_scope = scope(&k);
            let same_group = subnet_scope == site_scope;
            let message = format!(
                "Site `{}` integrates with subnet `{id}`, which is not in the scanned configuration",
                site_res.name
            );
            // Names not known offline may put it in a scanned VNet or the site's group.
            let maybe_vnet = !vnet_scanned && vnet_id.is_some_and(|v| model.may_name_one(site, v));
            let maybe_group = !same_group && crate::model::ids::maybe_same(&subnet_scope, &site_scope);
            if site_res.kind != crate::model::OriginKind::State && (maybe_vnet || maybe_group) {
                let why = if maybe_vnet {
                    "its VNet may be one the scan holds, depending on names not known offline"
                } else {
                    "its resource group may be the site's own, depending on names not known offline"
                };
                cx.undetermined(
                    site,
                    via.span,
                    format!("whether subnet `{id}` is missing cannot be determined: {why}"),
                );
                continue;
            }
            if site_res.kind == crate::model::OriginKind::State && !vnet_scanned {
                // Deployed state: the subnet exists somewhere; it was not exported.
                cx.finding_with_severity(
                    site,
                    via.span,
                    format!("{message} (not exported, not checked)"),
                    Vec::new(),
                    crate::engine::Severity::Info,
                );
            } else if vnet_scanned || same_group {
                let why = if vnet_scanned {
                    "its VNet is scanned but has no such subnet"
                } else {
                    "it is in the site's own resource group"
                };
                cx.finding(site, via.span, format!("{message}: {why}; check the name"), Vec::new());
            } else {
                cx.finding_with_severity(
                    site,
                    via.span,
                    format!("{message} (an external subnet, not checked)"),
                    Vec::new(),
                    crate::engine::Severity::Info,
                );
            }
        }
    }
}
