//! The NSG rules: NSG001 (an inbound allow rule that admits the internet to a subnet
//! holding back-ends, or to SSH/RDP anywhere) and NSG002 (a back-end subnet without an
//! NSG). Prefixes are parsed with `ipnet`; ports as single ports, ranges and lists.

use ipnet::IpNet;

use super::support::address_prefixes::{overlaps, subnet_prefixes};
use crate::engine::{Related, RuleCx};
use crate::model::nsg::{NSG, NSG_RULE, SUBNET};
use crate::model::{Lookup, Model, ResIdx};
use crate::value::{Node, Span, Value};

/// Sources that mean "anyone on the internet".
const INTERNET: &[&str] = &["*", "Internet", "Any", "0.0.0.0/0", "::/0"];

/// Management ports reported wherever they are open.
const MANAGEMENT: &[(u16, &str)] = &[(22, "SSH"), (3389, "RDP")];

/// One security rule, read.
struct SecRule {
    idx: ResIdx,
    inbound: bool,
    allow: bool,
    priority: i64,
    protocol: String,
    sources: Vec<(String, Span)>,
    ports: Vec<(u16, u16)>,
    destinations: Vec<String>,
}

/// A string or the strings of a list, from the singular and plural properties.
fn strings(model: &Model, r: ResIdx, one: &str, many: &str) -> Result<Vec<(String, Span)>, String> {
    let res = model.res(r);
    let mut out = Vec::new();
    for path in [one, many] {
        match res.get(&format!("properties.{path}"), model) {
            Lookup::Found(n) => {
                let items: Vec<&Node> = match &n.value {
                    Value::Array(a) => a.iter().collect(),
                    _ => vec![n],
                };
                for i in items {
                    match &i.value {
                        Value::String(s) => out.push((s.trim().to_string(), i.span)),
                        Value::Int(p) => out.push((p.to_string(), i.span)),
                        Value::Unknown(u) => {
                            return Err(format!("`{path}` of `{}` cannot be determined: {}", res.name, u.detail));
                        }
                        _ => {}
                    }
                }
            }
            Lookup::Unknown(u) => return Err(format!("`{path}` of `{}` cannot be determined: {}", res.name, u.detail)),
            Lookup::Absent => {}
        }
    }
    Ok(out)
}

/// `*`, `22`, `1000-2000`; `None` for what is not a port.
fn port_range(s: &str) -> Option<(u16, u16)> {
    if s == "*" {
        return Some((0, u16::MAX));
    }
    match s.split_once('-') {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => s.parse().ok().map(|p| (p, p)),
    }
}

fn read(model: &Model, r: ResIdx) -> Result<SecRule, String> {
    let res = model.res(r);
    let s = |p: &str| -> Result<String, String> {
        match res.get(&format!("properties.{p}"), model) {
            Lookup::Found(n) => Ok(n
                .as_str()
                .map_or_else(|| n.value.as_i64().map(|i| i.to_string()).unwrap_or_default(), str::to_string)),
            Lookup::Absent => Ok(String::new()),
            Lookup::Unknown(u) => Err(format!("`{p}` of `{}` cannot be determined: {}", res.name, u.detail)),
        }
    };
    let ports = strings(model, r, "destinationPortRange", "destinationPortRanges")?;
    Ok(SecRule {
        idx: r,
        inbound: s("direction")?.eq_ignore_ascii_case("Inbound"),
        allow: s("access")?.eq_ignore_ascii_case("Allow"),
        priority: s("priority")?.parse().unwrap_or(i64::MAX),
        protocol: s("protocol")?,
        sources: strings(model, r, "sourceAddressPrefix", "sourceAddressPrefixes")?,
        ports: ports.iter().filter_map(|(p, _)| port_range(p)).collect(),
        destinations: strings(model, r, "destinationAddressPrefix", "destinationAddressPrefixes")?
            .into_iter()
            .map(|(d, _)| d)
            .collect(),
    })
}

fn internet(s: &str) -> bool {
    INTERNET.iter().any(|i| s.eq_ignore_ascii_case(i))
}

fn wide_destination(d: &str) -> bool {
    ["*", "Any", "VirtualNetwork"].iter().any(|x| d.eq_ignore_ascii_case(x))
}

fn protocol_covers(deny: &str, allow: &str) -> bool {
    deny == "*" || deny.is_empty() || deny.eq_ignore_ascii_case(allow)
}

/// Whether an earlier (lower priority number) inbound deny from the internet to every
/// destination covers `port` of `allow`: NSGs stop at the first matching rule.
fn shadowed(allow: &SecRule, port: (u16, u16), rules: &[SecRule]) -> bool {
    rules.iter().any(|d| {
        d.inbound
            && !d.allow
            && d.priority < allow.priority
            && d.sources
                .iter()
                .any(|(s, _)| s == "*" || s.eq_ignore_ascii_case("Internet") || s.eq_ignore_ascii_case("Any"))
            && d.destinations.iter().any(|x| wide_destination(x))
            && protocol_covers(&d.protocol, &allow.protocol)
            && d.ports.iter().any(|(a, b)| *a <= port.0 && *b >= port.1)
    })
}

/// The back-ends a subnet holds, for messages: private endpoints, NICs, scale sets and
/// clusters, internal load balancers. Application gateways and API Management are
/// front ends that must admit the internet, and are left out.
pub fn backends_in(model: &Model, subnet: ResIdx) -> Vec<ResIdx> {
    let rel = &model.relations;
    let mut out: Vec<ResIdx> = rel.endpoints_in(subnet).to_vec();
    out.extend(rel.compute_in(subnet).iter().copied().filter(|c| {
        let r = model.res(*c);
        !r.is_type("Microsoft.Network/applicationGateways") && !r.is_type("Microsoft.ApiManagement/service")
    }));
    out.extend_from_slice(rel.nsgs.internal_lbs_in(subnet));
    out.sort();
    out.dedup();
    out
}

/// Whether a rule's destinations reach into the subnet.
fn reaches(model: &Model, rule: &SecRule, subnet: ResIdx) -> bool {
    let prefixes = subnet_prefixes(model, subnet).unwrap_or_default();
    rule.destinations.is_empty()
        || rule.destinations.iter().any(|d| match d.parse::<IpNet>() {
            Ok(net) => prefixes.is_empty() || prefixes.iter().any(|(p, _)| overlaps(p, &net.trunc())),
            // Service tags and application security groups: cannot be narrowed, so they count.
            Err(_) => true,
        })
}

/// The security rules of the scan, one per id (a rule both inline and declared as a
/// child resource is the same rule; the later declaration wins), grouped by NSG; rules
/// whose NSG cannot be identified (a child named from an unknown parent) form the group
/// `None`, and are still checked on their own properties. An NSG whose rule list is
/// unknown is undetermined here.
fn rules_by_nsg(cx: &mut RuleCx) -> Vec<(Option<ResIdx>, Vec<SecRule>)> {
    let model = cx.model;
    let mut last: std::collections::BTreeMap<&str, ResIdx> = Default::default();
    for &r in model.of_type(NSG_RULE) {
        if !model.res(r).existing {
            last.insert(&model.res(r).key, r);
        }
    }
    for &nsg in model.of_type(NSG) {
        if let Lookup::Unknown(u) = model.res(nsg).get("properties.securityRules", model)
            && !model.res(nsg).existing
        {
            cx.undetermined(nsg, Span::NONE, format!("the NSG's `securityRules` cannot be determined: {}", u.detail));
        }
    }
    let mut groups: std::collections::BTreeMap<Option<ResIdx>, Vec<SecRule>> = Default::default();
    for (_, r) in last {
        match read(model, r) {
            Ok(rule) => groups.entry(model.parent(r)).or_default().push(rule),
            Err(reason) => cx.undetermined(r, Span::NONE, reason),
        }
    }
    groups.into_iter().collect()
}

/// Why a rule that admits the internet may reach back-ends the index cannot place: a
/// subnet of its NSG (or, for a rule whose NSG is unknown, of its document) may hold
/// back-ends whose subnet is unknown, or a subnet whose NSG is unknown may be one of its
/// NSG's and hold back-ends.
fn hidden_backends(model: &Model, nsg: Option<ResIdx>, rule: ResIdx) -> Option<String> {
    let unit = model.res(rule).unit;
    let rel = &model.relations;
    let may_hold = |sn: ResIdx| {
        !backends_in(model, sn).is_empty()
            || rel.unplaced().iter().any(|u| u.may_be_in(model, sn) && is_backend(model, u.resource))
    };
    if nsg.is_none() {
        return Some(format!(
            "the NSG of `{}` cannot be identified, so the subnets it filters are not known",
            model.res(rule).name
        ));
    }
    if let Some((sn, why)) =
        rel.nsgs.subnets_with_unknown_nsg().iter().find(|(sn, _)| model.res(*sn).unit == unit && may_hold(*sn))
    {
        return Some(format!(
            "the NSG of subnet `{}`, which may hold back-ends, cannot be identified and may be this one: {why}",
            model.res(*sn).name
        ));
    }
    let subnets = nsg.map(|n| rel.nsgs.subnets_of(n)).unwrap_or_default();
    if !subnets.is_empty()
        && let Some(u) = rel
            .unplaced()
            .iter()
            .find(|u| subnets.iter().any(|sn| u.may_be_in(model, *sn)) && is_backend(model, u.resource))
    {
        return Some(format!(
            "the subnet of back-end `{}` cannot be identified and may be one this NSG filters: {}",
            model.res(u.resource).name,
            u.why
        ));
    }
    None
}

/// Back-ends as [`backends_in`] counts them.
fn is_backend(model: &Model, r: ResIdx) -> bool {
    let res = model.res(r);
    !res.is_type("Microsoft.Network/applicationGateways") && !res.is_type("Microsoft.ApiManagement/service")
}

/// The NSG key a rule belongs to: its parent's, or, for a child whose NSG cannot be
/// identified, the one its own key names.
fn nsg_key_of(model: &Model, nsg: Option<ResIdx>, rule: ResIdx) -> Option<String> {
    match nsg {
        Some(n) => Some(model.res(n).key.to_string()),
        None => crate::model::ids::parent_id(&model.res(rule).key).map(str::to_string),
    }
}

pub fn nsg_inbound_from_internet(cx: &mut RuleCx) {
    let groups = rules_by_nsg(cx);
    for (nsg, rules) in &groups {
        let (nsg, rules) = (*nsg, rules.as_slice());
        let model = cx.model;
        for rule in rules.iter().filter(|r| r.inbound && r.allow) {
            let Some((src, src_span)) = rule.sources.iter().find(|(s, _)| internet(s)) else { continue };
            let name = &model.res(rule.idx).name;
            let open_ports: Vec<(u16, u16)> =
                rule.ports.iter().copied().filter(|p| !shadowed(rule, *p, rules)).collect();
            if open_ports.is_empty() {
                continue;
            }
            // Rules of an NSG that names not known offline may make this rule's NSG.
            let own = nsg_key_of(model, nsg, rule.idx);
            // (Two declared NSGs are two NSGs.)
            let maybe_shadow = groups.iter().filter(|(other, _)| nsg.is_none() || other.is_none()).find_map(|(other, others)| {
                others.iter().filter(|o| o.idx != rule.idx).find(|o| {
                    let theirs = nsg_key_of(model, *other, o.idx);
                    // Keys keep their unit: only rules of the same template may meet.
                    let maybe = matches!((&own, &theirs), (Some(a), Some(b)) if a != b && crate::model::ids::maybe_same(a, b));
                    maybe && open_ports.iter().any(|p| shadowed(rule, *p, std::slice::from_ref(o)))
                })
            });
            if let Some(o) = maybe_shadow {
                cx.undetermined(
                    rule.idx,
                    *src_span,
                    format!(
                        "`{name}` admits `{src}` inbound, and deny rule `{}` may belong to the same NSG and shadow it, depending on names not known offline",
                        model.res(o.idx).name
                    ),
                );
                continue;
            }
            let backend_subnet =
                nsg.map(|n| model.relations.nsgs.subnets_of(n)).unwrap_or_default().iter().copied().find_map(|sn| {
                    let held = backends_in(model, sn);
                    (!held.is_empty() && reaches(model, rule, sn)).then_some((sn, held))
                });
            if let Some((sn, held)) = backend_subnet {
                let first = model.res(held[0]);
                let more = if held.len() > 1 { format!(" and {} more", held.len() - 1) } else { String::new() };
                cx.finding(
                    rule.idx,
                    *src_span,
                    format!(
                        "NSG rule `{name}` admits `{src}` inbound to subnet `{}`, which holds back-ends (`{}`{more})",
                        model.res(sn).name,
                        first.name
                    ),
                    vec![Related {
                        resource: Some(sn),
                        span: model.res(sn).type_span(),
                        message: format!("subnet `{}` uses this NSG", model.res(sn).name),
                    }],
                );
                continue;
            }
            let tcp = rule.protocol.is_empty() || rule.protocol == "*" || rule.protocol.eq_ignore_ascii_case("Tcp");
            if let Some((port, what)) =
                MANAGEMENT.iter().find(|(p, _)| tcp && open_ports.iter().any(|(a, b)| a <= p && p <= b))
            {
                cx.finding(
                    rule.idx,
                    *src_span,
                    format!("NSG rule `{name}` admits `{src}` inbound to management port {port} ({what})"),
                    Vec::new(),
                );
                continue;
            }
            if let Some(why) = hidden_backends(model, nsg, rule.idx) {
                cx.undetermined(rule.idx, *src_span, format!("`{name}` admits `{src}` inbound, and {why}"));
            }
        }
    }
}

/// Subnets that cannot or need not carry an NSG.
const SPECIAL_SUBNETS: &[&str] =
    &["GatewaySubnet", "AzureFirewallSubnet", "AzureFirewallManagementSubnet", "RouteServerSubnet"];

pub fn backend_subnet_without_nsg(cx: &mut RuleCx) {
    let model = cx.model;
    let mut seen = std::collections::HashSet::new();
    for &sn in model.of_type(SUBNET).iter().rev() {
        let res = model.res(sn);
        if res.existing || !seen.insert(res.key.clone()) {
            continue;
        }
        if SPECIAL_SUBNETS.iter().any(|s| res.leaf_name().eq_ignore_ascii_case(s)) {
            continue;
        }
        // Private endpoints and back-end VMs (NICs, scale sets); internal load balancers
        // front VMs that are counted on their own subnet.
        let held: Vec<ResIdx> = backends_in(model, sn)
            .into_iter()
            .filter(|r| !model.res(*r).is_type("Microsoft.Network/loadBalancers"))
            .collect();
        if held.is_empty() {
            // Back-ends whose subnet is unknown may be here.
            let unplaced = model.relations.unplaced().iter().find(|u| {
                let r = model.res(u.resource);
                u.may_be_in(model, sn)
                    && !r.is_type("Microsoft.Network/applicationGateways")
                    && !r.is_type("Microsoft.ApiManagement/service")
            });
            if let (Some(u), Lookup::Absent) = (unplaced, res.get("properties.networkSecurityGroup", model)) {
                cx.undetermined(
                    sn,
                    Span::NONE,
                    format!(
                        "subnet `{}` has no NSG, and back-end `{}` may be in it: its subnet cannot be identified: {}",
                        res.name,
                        model.res(u.resource).name,
                        u.why
                    ),
                );
            }
            continue;
        }
        match res.get("properties.networkSecurityGroup", model) {
            Lookup::Found(_) => {}
            Lookup::Unknown(u) => {
                cx.undetermined(sn, Span::NONE, format!("`networkSecurityGroup` cannot be determined: {}", u.detail))
            }
            Lookup::Absent => {
                let first = model.res(held[0]);
                cx.finding(
                    sn,
                    res.type_span(),
                    format!(
                        "Subnet `{}` holds back-ends (`{}`{}) but has no network security group: nothing filters traffic to them inside the VNet",
                        res.name,
                        first.name,
                        if held.len() > 1 { format!(" and {} more", held.len() - 1) } else { String::new() }
                    ),
                    Vec::new(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges() {
        assert_eq!(port_range("*"), Some((0, u16::MAX)));
        assert_eq!(port_range("22"), Some((22, 22)));
        assert_eq!(port_range("3380-3390"), Some((3380, 3390)));
        assert_eq!(port_range("http"), None);
    }

    #[test]
    fn internet_sources() {
        for s in ["*", "Internet", "internet", "Any", "0.0.0.0/0", "::/0"] {
            assert!(internet(s), "{s}");
        }
        for s in ["VirtualNetwork", "10.0.0.0/8", "AzureLoadBalancer"] {
            assert!(!internet(s), "{s}");
        }
    }
}
