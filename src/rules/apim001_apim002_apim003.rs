//! The APIM rules (facts sheet §7.1): APIM001 (a back-end behind API Management that
//! can be called directly), APIM002 (a backend that sends the back-end no credential),
//! APIM003 (a backend that does not validate the back-end's certificate).

use std::net::IpAddr;

use ipnet::IpNet;

use super::support::access::rule_label;
use super::support::sites::{gateway_callers, label, sites};
use crate::engine::{Related, RuleCx};
use crate::model::access::{AccessRule, Unmatched};
use crate::model::relations::APIM_BACKEND;
use crate::model::{Lookup, Model, ResIdx};
use crate::value::Span;
use crate::value::{Node, Value};

pub const APIM_SERVICE: &str = "Microsoft.ApiManagement/service";

/// What a back-end can know of one gateway.
struct Gateway {
    service: ResIdx,
    /// The subnet (id key) when VNet-injected (`External`/`Internal`), `None` when not.
    subnet: Result<Option<String>, String>,
    /// `properties.publicIPAddresses`: read-only, so known only in exported state.
    ips: Option<Vec<IpAddr>>,
}

fn gateway(model: &Model, service: ResIdx) -> Gateway {
    let res = model.res(service);
    let subnet = match res.get("properties.virtualNetworkType", model) {
        Lookup::Unknown(u) => Err(format!("`virtualNetworkType` of `{}` cannot be determined: {}", res.name, u.detail)),
        Lookup::Found(t)
            if t.as_str().is_some_and(|t| t.eq_ignore_ascii_case("External") || t.eq_ignore_ascii_case("Internal")) =>
        {
            match res
                .node
                .path("properties.virtualNetworkConfiguration.subnetResourceId")
                .filter(|n| !n.value.is_null())
            {
                Some(n) => match Model::id_key(n) {
                    Some(k) => Ok(Some(model.resolve(service, &k).map_or(k, |r| model.res(r).key.to_string()))),
                    None => Err(format!(
                        "the subnet of `{}` cannot be determined: {}",
                        res.name,
                        n.value.as_unknown().map_or("not a string", |u| u.detail.as_str())
                    )),
                },
                None => Ok(None),
            }
        }
        // `None` is the default (facts sheet §7.1).
        _ => Ok(None),
    };
    let ips = match res.get("properties.publicIPAddresses", model) {
        Lookup::Found(n) => Some(
            n.value
                .as_array()
                .unwrap_or_default()
                .iter()
                .filter_map(Node::as_str)
                .filter_map(|s| s.parse().ok())
                .collect(),
        ),
        _ => None,
    };
    Gateway { service, subnet, ips }
}

/// How one allow rule relates to the gateways.
enum Admits {
    OnlyGateway,
    More(String),
    Unknown(String),
}

fn judge(model: &Model, site: ResIdx, rule: &AccessRule, gws: &[Gateway]) -> Admits {
    let names = || gws.iter().map(|g| format!("`{}`", model.res(g.service).name)).collect::<Vec<_>>().join(", ");
    if let Some(sn) = rule.subnet {
        let Some(k) = Model::id_key(sn) else {
            return Admits::Unknown(match sn.value.as_unknown() {
                Some(u) => {
                    format!("the subnet of access restriction {} cannot be determined: {}", rule_label(rule), u.detail)
                }
                None => "a subnet rule without a subnet id".into(),
            });
        };
        let id = k.as_str();
        // Resolve through the model too: the rule may spell the id differently.
        let resolved = model.resolve(site, id).map(|r| model.res(r).key.to_string()).unwrap_or(k.clone());
        let mut unknown = None;
        for g in gws {
            match &g.subnet {
                Ok(Some(gs)) if *gs == resolved => return Admits::OnlyGateway,
                Ok(_) => {}
                Err(r) => unknown = Some(r.clone()),
            }
        }
        if let Some(r) = unknown {
            return Admits::Unknown(r);
        }
        let subnet_name = |id: &str| {
            model.resolve(site, id).map_or_else(
                || {
                    sn.as_str()
                        .map_or_else(|| sn.value.as_unknown().map(|u| u.display()).unwrap_or_default(), str::to_string)
                },
                |r| model.res(r).name.clone(),
            )
        };
        // Names not known offline may make the two subnets one.
        if let Some(g) =
            gws.iter().find(|g| matches!(&g.subnet, Ok(Some(gs)) if crate::model::ids::maybe_same_id(gs, &resolved)))
        {
            return Admits::Unknown(format!(
                "access restriction {} admits subnet `{}`, which may be the subnet of gateway `{}`, depending on names not known offline",
                rule_label(rule),
                subnet_name(id),
                model.res(g.service).name
            ));
        }
        let subnet_name = subnet_name(id);
        let injected = gws.iter().any(|g| matches!(g.subnet, Ok(Some(_))));
        return Admits::More(if injected {
            format!("admits subnet `{subnet_name}`, which is not the gateway's subnet")
        } else {
            format!(
                "admits subnet `{subnet_name}`, but gateway {} is not in a VNet (`virtualNetworkType` is `None`), so the gateway's calls do not come from that subnet and whatever runs in it calls the back-end directly",
                names()
            )
        });
    }
    if rule.is_service_tag {
        if let Some(tag) = rule.sources().find(|t| {
            !(t.eq_ignore_ascii_case("ApiManagement") || t.to_ascii_lowercase().starts_with("apimanagement."))
        }) {
            return Admits::More(format!("admits the `{tag}` service tag"));
        }
        if rule.sources().next().is_none() {
            return Admits::Unknown("a service-tag rule without a tag".into());
        }
        // The `ApiManagement` tag is not a per-instance identity (facts sheet §7.1, not
        // re-verified there); the catalog accepts it with a header check that identifies
        // the gateway, but no header the access-restriction engine matches can be tied
        // to one instance offline. Report neither a pass nor a finding.
        if rule.headers.is_some_and(|h| h.value.as_object().is_some_and(|o| !o.is_empty())) {
            return Admits::Unknown(format!(
                "access restriction {} admits the `ApiManagement` service tag with a header filter; the tag covers every API Management instance and the facts sheet does not confirm that a header identifies this gateway",
                rule_label(rule)
            ));
        }
        return Admits::More("admits the `ApiManagement` service tag without a header check, which covers every API Management instance, not this gateway".into());
    }
    let known: Option<Vec<IpAddr>> = gws.iter().map(|g| g.ips.clone()).collect::<Option<Vec<_>>>().map(|v| v.concat());
    for src in rule.sources() {
        let net: Option<IpNet> = src.parse().ok().or_else(|| src.parse::<IpAddr>().ok().map(IpNet::from));
        let Some(net) = net else {
            return Admits::More(format!("admits `{src}`"));
        };
        match &known {
            Some(ips) => {
                if net.prefix_len() != net.max_prefix_len() || !ips.contains(&net.addr()) {
                    return Admits::More(format!(
                        "admits `{src}`, which is not a public address of gateway {}",
                        names()
                    ));
                }
            }
            None if net.prefix_len() < 24 => return Admits::More(format!("admits `{src}`")),
            None => {
                return Admits::Unknown(format!(
                    "access restriction {} admits `{src}`, and the public addresses of gateway {} are only known in exported state",
                    rule_label(rule),
                    names()
                ));
            }
        }
    }
    Admits::OnlyGateway
}

pub fn backend_bypasses_gateway(cx: &mut RuleCx) {
    for view in sites(cx) {
        let model = cx.model;
        let calls = gateway_callers(model, view.idx);
        if calls.is_empty() {
            hidden_gateway(cx, &view);
            continue;
        }
        let who = label(model, view.idx);
        let mut gws = Vec::new();
        let mut missing = None;
        for c in &calls {
            match model.parent(c.caller).filter(|p| model.res(*p).is_type(APIM_SERVICE)) {
                Some(s) if !gws.iter().any(|g: &Gateway| g.service == s) => gws.push(gateway(model, s)),
                Some(_) => {}
                None => missing = Some(model.res(c.caller).name.clone()),
            }
        }
        let first = calls[0];
        let related = vec![Related {
            resource: Some(first.caller),
            span: first.span,
            message: format!(
                "API Management {} `{}` sends requests here through its {}",
                if model.res(first.caller).is_type(APIM_BACKEND) { "backend" } else { "API" },
                model.res(first.caller).name,
                first.via
            ),
        }];
        let (_, list) = match crate::model::access::open_main_list(&view) {
            Ok(Some(x)) => x,
            Ok(None) => continue,
            Err(reason) => {
                cx.undetermined(view.idx, Span::NONE, reason);
                continue;
            }
        };
        if list.unmatched == Unmatched::Allow {
            let how = list.why_unmatched_allowed();
            cx.finding(
                view.idx,
                list.unmatched_span,
                format!("Back-end {who} is called through API Management but can be reached directly: {how}"),
                related,
            );
            continue;
        }
        if let Some(name) = missing {
            cx.undetermined(view.idx, Span::NONE, format!("the API Management service of `{name}` is not in the scan"));
            continue;
        }
        let mut unknown = None;
        let mut more = None;
        for rule in list.rules.iter().filter(|r| r.allow) {
            match judge(model, view.idx, rule, &gws) {
                Admits::OnlyGateway => {}
                Admits::More(why) => {
                    more = Some((rule, why));
                    break;
                }
                Admits::Unknown(r) => {
                    unknown.get_or_insert(r);
                }
            }
        }
        if let Some((rule, why)) = more {
            let at = rule.node.get("ipAddress").or(rule.subnet).map_or(rule.node.span, |n| n.span);
            cx.finding(
                view.idx,
                at,
                format!("Back-end {who} is called through API Management but can be reached directly: access restriction {} {why}", rule_label(rule)),
                related,
            );
        } else if let Some(r) = unknown {
            cx.undetermined(view.idx, Span::NONE, r);
        }
    }
}

/// A site that no known gateway fronts, while an API Management backend or API (or a
/// scope's inventory) was not read, or one names a host that may be this site's: it
/// may be behind API Management, and reachable directly when its public endpoint is open.
fn hidden_gateway(cx: &mut RuleCx, view: &crate::model::SiteView) {
    let model = cx.model;
    let maybe = model.relations.maybe_callers(view.idx).iter().find(|c| {
        model.res(c.caller).is_type(APIM_BACKEND) || model.res(c.caller).is_type(crate::model::relations::APIM_API)
    });
    if let Some(c) = maybe
        && let Ok(Some(_)) = crate::model::access::open_main_list(view)
    {
        cx.undetermined(
            view.idx,
            Span::NONE,
            format!(
                "whether {} is called through API Management cannot be determined: `{}` ({}) names a host that may be this one, depending on names not known offline",
                label(model, view.idx),
                model.res(c.caller).name,
                c.via
            ),
        );
        return;
    }
    let Some(h) = model.relations.hidden_callers().iter().find(|h| {
        h.caller.is_none_or(|c| {
            model.res(c).is_type(APIM_BACKEND) || model.res(c).is_type(crate::model::relations::APIM_API)
        })
    }) else {
        return;
    };
    if let Ok(Some(_)) = crate::model::access::open_main_list(view) {
        cx.undetermined(
            view.idx,
            Span::NONE,
            format!(
                "whether {} is called through API Management cannot be determined: {}",
                label(model, view.idx),
                h.reason
            ),
        );
    }
}

/// The deployed backends with an HTTP `url`.
fn backends(cx: &RuleCx) -> Vec<ResIdx> {
    let model = cx.model;
    model
        .of_type(APIM_BACKEND)
        .iter()
        .copied()
        .filter(|b| !model.res(*b).existing)
        .filter(|b| !model.res(*b).get("properties.url", model).is_absent())
        .collect()
}

/// A policy's text, lower case, with each value not known offline as its canonical
/// symbol (`backend-id="«p:f0:orders»"`); `Err` when the text cannot be read: stored
/// behind a link, unknown as a whole, or with an unknown part outside an attribute value
/// (which could be any XML, an authentication element included).
fn policy_text(model: &Model, r: ResIdx) -> Result<Option<String>, String> {
    let res = model.res(r);
    let format = res.get("properties.format", model).as_str().unwrap_or("xml").to_ascii_lowercase();
    let unreadable = || {
        format!(
            "policy `{}` is not inline (`format` `{format}` or an expression), so its authentication cannot be read",
            res.name
        )
    };
    match res.get("properties.value", model) {
        Lookup::Absent => Ok(None),
        _ if format.ends_with("-link") => Err(unreadable()),
        Lookup::Found(n) => Ok(Some(n.as_str().unwrap_or_default().to_ascii_lowercase())),
        Lookup::Unknown(u) => {
            let Some(parts) = &u.parts else { return Err(unreadable()) };
            let mut text = String::new();
            for p in parts.iter() {
                match p {
                    crate::value::Part::Text(t) => text.push_str(&t.to_ascii_lowercase()),
                    crate::value::Part::Hole(h) => {
                        let in_attribute = text.ends_with("=\"") || text.ends_with("='");
                        match (&h.symbol, in_attribute) {
                            (Some(sym), true) => {
                                text.push(crate::value::SYMBOL_OPEN);
                                text.push_str(&sym.to_ascii_lowercase());
                                text.push(crate::value::SYMBOL_CLOSE);
                            }
                            (None, true) => text.push_str("\u{E000}?\u{E001}"),
                            (_, false) => {
                                return Err(format!(
                                    "policy `{}` is built from values not known offline outside an attribute ({}), so its authentication cannot be read",
                                    res.name, h.detail
                                ));
                            }
                        }
                    }
                }
            }
            Ok(Some(text))
        }
    }
}

/// The `backend-id` values a policy text names.
fn backend_ids(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices("backend-id=").filter_map(|(i, m)| {
        let rest = &text[i + m.len()..];
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let rest = &rest[1..];
        rest.find(quote).map(|end| &rest[..end])
    })
}

/// Whether a policy document gives backend `leaf` (the lower-case key of its name's last
/// segment) a credential: a service-wide authentication policy, or one beside
/// `backend-id="leaf"`. `Err` when a policy cannot be read, or names a backend that may
/// be this one depending on names not known offline.
fn policy_credential(model: &Model, service: ResIdx, leaf: &str) -> Result<bool, String> {
    let mut stack = vec![service];
    let mut unknown = None;
    while let Some(r) = stack.pop() {
        stack.extend_from_slice(model.children(r));
        if !model.res(r).type_.to_ascii_lowercase().ends_with("/policies") {
            continue;
        }
        let text = match policy_text(model, r) {
            Ok(Some(t)) => t,
            Ok(None) => continue,
            Err(why) => {
                unknown = Some(why);
                continue;
            }
        };
        let authenticates =
            ["<authentication-managed-identity", "<authentication-certificate", "<authentication-basic"]
                .iter()
                .any(|p| text.contains(p));
        if !authenticates {
            continue;
        }
        if model.parent(r) == Some(service) || backend_ids(&text).any(|id| id == leaf) {
            return Ok(true);
        }
        if let Some(id) = backend_ids(&text).find(|id| crate::model::ids::maybe_same(id, leaf)) {
            let shown = if id.contains(crate::value::SYMBOL_OPEN) { "a name not known offline" } else { id };
            unknown = Some(format!(
                "policy `{}` authenticates the calls to backend `{shown}`, which may be this backend, depending on names not known offline",
                model.res(r).name
            ));
        }
    }
    match unknown {
        Some(u) => Err(u),
        None => Ok(false),
    }
}

fn non_empty(n: &Node) -> bool {
    match &n.value {
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::String(s) => !s.is_empty(),
        Value::Unknown(_) => true,
        _ => false,
    }
}

pub fn backend_without_gateway_credentials(cx: &mut RuleCx) {
    for b in backends(cx) {
        let model = cx.model;
        let res = model.res(b);
        let creds = match res.get("properties.credentials", model) {
            Lookup::Found(n) => Some(n),
            Lookup::Absent => None,
            Lookup::Unknown(u) => {
                cx.undetermined(b, Span::NONE, format!("`credentials` cannot be determined: {}", u.detail));
                continue;
            }
        };
        let has = |p: &str| creds.and_then(|c| c.path(p)).is_some_and(non_empty);
        let authorization = has("authorization.scheme") && has("authorization.parameter");
        if has("certificate") || has("certificateIds") || authorization || has("header") || has("query") {
            continue;
        }
        let Some(service) = model.parent(b) else {
            cx.undetermined(b, Span::NONE, "the API Management service of this backend is not in the scan".into());
            continue;
        };
        let leaf = res.name_key.rsplit('/').next().unwrap_or_default();
        match policy_credential(model, service, leaf) {
            Ok(true) => continue,
            Err(reason) => {
                cx.undetermined(b, Span::NONE, reason);
                continue;
            }
            Ok(false) => {}
        }
        let span = creds.map_or_else(|| res.type_span(), |c| c.span);
        cx.finding(
            b,
            span,
            format!("API Management backend `{}` sends no credential to the back-end: no client certificate (`credentials.certificateIds`), no `authorization` header and no `authentication-managed-identity` policy, so the back-end cannot tell the gateway from any other caller", res.name),
            Vec::new(),
        );
    }
}

pub fn backend_tls_validation_off(cx: &mut RuleCx) {
    for b in backends(cx) {
        let model = cx.model;
        let res = model.res(b);
        // Absent means `true` (the AVM module's default; the RP spec describes the same,
        // not re-verified in the facts sheet): only an explicit `false` is reported.
        for field in ["validateCertificateChain", "validateCertificateName"] {
            match res.get(&format!("properties.tls.{field}"), model) {
                Lookup::Found(n) if n.value.as_bool() == Some(false) => cx.finding(
                    b,
                    n.span,
                    format!("API Management backend `{}` does not validate the back-end's TLS certificate: `tls.{field}` is `false`, so anyone who can sit between the gateway and the back-end can impersonate it", res.name),
                    Vec::new(),
                ),
                Lookup::Unknown(u) => {
                    cx.undetermined(b, Span::NONE, format!("`tls.{field}` cannot be determined: {}", u.detail))
                }
                _ => {}
            }
        }
    }
}
