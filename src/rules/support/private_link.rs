//! What the private-endpoint rules share: the per-type public-access property (facts
//! sheet §4, §3.1, §7.1), whether a resource has an approved private endpoint, and the
//! VNet a subnet id belongs to.

use crate::model::site::{SITE, SLOT};
use crate::model::{Lookup, Model, Reference, ResIdx, lookup};
use crate::value::{Node, Span, Value};

/// A private-endpoint-capable service and where its public access switch lives.
pub struct Service {
    pub ty: &'static str,
    /// How messages name it: "key vault `kv`".
    pub label: &'static str,
    pub pna: &'static str,
}

const fn svc(ty: &'static str, label: &'static str, pna: &'static str) -> Service {
    Service { ty, label, pna }
}

const PNA: &str = "properties.publicNetworkAccess";

/// The types whose public access PE001 and PE006 read (facts sheet §4, §3.1, §7.1).
pub const SERVICES: &[Service] = &[
    svc("Microsoft.KeyVault/vaults", "key vault", PNA),
    svc("Microsoft.Storage/storageAccounts", "storage account", PNA),
    svc("Microsoft.Sql/servers", "SQL server", PNA),
    svc("Microsoft.CognitiveServices/accounts", "Azure AI services account", PNA),
    svc("Microsoft.DocumentDB/databaseAccounts", "Cosmos DB account", PNA),
    svc("Microsoft.ServiceBus/namespaces", "Service Bus namespace", PNA),
    svc("Microsoft.EventHub/namespaces", "Event Hubs namespace", PNA),
    svc("Microsoft.ContainerRegistry/registries", "container registry", PNA),
    svc("Microsoft.Cache/Redis", "Redis cache", PNA),
    svc(
        "Microsoft.DBforPostgreSQL/flexibleServers",
        "PostgreSQL flexible server",
        "properties.network.publicNetworkAccess",
    ),
    svc("Microsoft.DBforMySQL/flexibleServers", "MySQL flexible server", "properties.network.publicNetworkAccess"),
    svc("Microsoft.AppConfiguration/configurationStores", "App Configuration store", PNA),
    svc("Microsoft.Search/searchServices", "AI Search service", PNA),
    svc("Microsoft.ApiManagement/service", "API Management service", PNA),
    svc(SITE, "site", PNA),
    svc(SLOT, "slot", PNA),
];

/// A resource's public network access.
#[derive(Debug)]
pub enum Access {
    /// Open; the span of the value (or of `type` when unset) and how to show it.
    Enabled(Span, String),
    Disabled,
    /// `SecuredByPerimeter`: a network security perimeter's rules decide.
    Perimeter,
    Unknown(String),
}

/// The public access of `r`. `has_endpoint` matters for sites only: an unset
/// `publicNetworkAccess` means enabled unless a private endpoint exists, which flips the
/// effective default to disabled (facts sheet §3.1).
pub fn access(model: &Model, r: ResIdx, svc: &Service, has_endpoint: bool) -> Access {
    let res = model.res(r);
    let site = svc.ty == SITE || svc.ty == SLOT;
    let mut found = res.get(svc.pna, model);
    if site && found.is_absent() {
        // The legacy location: `siteConfig` / `config/web` (facts sheet §3.1).
        if let Some(view) = model.site(r) {
            found = view.setting("publicNetworkAccess");
        }
    }
    let access = match found {
        Lookup::Unknown(u) => return Access::Unknown(format!("`{}` cannot be determined: {}", svc.pna, u.detail)),
        Lookup::Found(n) => match n.as_str() {
            Some(s) if s.eq_ignore_ascii_case("Disabled") => Access::Disabled,
            Some(s) if s.eq_ignore_ascii_case("SecuredByPerimeter") => Access::Perimeter,
            Some("") if site => unset(res.type_span(), has_endpoint),
            Some(s) => Access::Enabled(n.span, format!("`{s}`")),
            None => Access::Enabled(n.span, format!("`{}`", n.value)),
        },
        Lookup::Absent if site => unset(res.type_span(), has_endpoint),
        Lookup::Absent => Access::Enabled(res.type_span(), "not set (enabled)".into()),
    };
    // Service Bus and Event Hubs can also close public access on the `networkRuleSets/default`
    // child; the built-in policy reads both places (facts sheet §4).
    if matches!(access, Access::Enabled(..)) {
        for c in model.children(r) {
            let child = model.res(*c);
            if child.type_key.ends_with("/networkrulesets")
                && child
                    .get("properties.publicNetworkAccess", model)
                    .as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case("Disabled"))
            {
                return Access::Disabled;
            }
        }
    }
    access
}

fn unset(span: Span, has_endpoint: bool) -> Access {
    if has_endpoint { Access::Disabled } else { Access::Enabled(span, "not set (enabled)".into()) }
}

/// A private endpoint connection that is approved.
#[derive(Clone, Debug)]
pub struct Approved {
    /// The endpoint, when it is in the scan.
    pub endpoint: Option<ResIdx>,
    /// Its name (the endpoint's ARM name, or the last segment of its id).
    pub name: String,
    /// The connection's `privateLinkServiceId`, or the target's approval state.
    pub span: Span,
}

/// The approved private endpoints of `r`: endpoints in the scan whose automatic
/// connection targets it (approved on creation when the deployer has rights, unless the
/// export states another status), manual connections only when exported as
/// `Approved` (they stay pending until the owner approves), and the target's own
/// `privateEndpointConnections` marked `Approved`. A site counts connections with
/// group id `sites`, a slot those to its site with `sites-<slot>` (facts sheet §3.2).
/// `Err` when the answer depends on a value that cannot be known.
pub fn approved_endpoints(model: &Model, r: ResIdx) -> Result<Vec<Approved>, String> {
    let res = model.res(r);
    let (target, group) = if res.is_type(SLOT) {
        match model.parent(r) {
            // Compared by key: a slot named from a symbol matches the group id built from it.
            Some(p) => (p, Some(format!("sites-{}", res.name_key.rsplit('/').next().unwrap_or_default()))),
            None => (r, None),
        }
    } else if res.is_type(SITE) {
        (r, Some("sites".to_string()))
    } else {
        (r, None)
    };
    let mut out = Vec::new();
    let mut unknown = None;
    for &pe in model.relations.endpoints_of(target) {
        let e = model.res(pe);
        if e.existing {
            continue;
        }
        for (path, manual) in [
            ("properties.privateLinkServiceConnections", false),
            ("properties.manualPrivateLinkServiceConnections", true),
        ] {
            let Lookup::Found(list) = e.get(path, model) else { continue };
            for c in list.value.as_array().unwrap_or_default() {
                let Some(id) = c.path("properties.privateLinkServiceId") else { continue };
                if !matches!(model.follow_node(pe, id), Reference::Found(t, _) if t == target) {
                    continue;
                }
                if let Some(want) = &group {
                    match lookup(c, "properties.groupIds") {
                        Lookup::Found(g) => {
                            let ids = g.value.as_array().unwrap_or_default();
                            // The same symbols make the same group id; other unknown ones
                            // may or may not be this one.
                            let key_of = |n: &Node| Model::id_key(n);
                            let equal =
                                ids.iter().any(|n| key_of(n).is_some_and(|k| k == crate::model::ids::key(want)));
                            if !equal {
                                let maybe = ids.iter().find_map(|n| match (&n.value, key_of(n)) {
                                    (Value::Unknown(u), Some(k))
                                        if crate::model::ids::maybe_same(&k, &crate::model::ids::key(want)) =>
                                    {
                                        Some(u)
                                    }
                                    (Value::Unknown(u), None) => Some(u),
                                    _ => None,
                                });
                                if let Some(u) = maybe {
                                    unknown = Some(format!(
                                        "the group ids of private endpoint `{}` cannot be determined: {}",
                                        e.name, u.detail
                                    ));
                                }
                                continue;
                            }
                        }
                        Lookup::Unknown(u) => {
                            unknown = Some(format!(
                                "the group ids of private endpoint `{}` cannot be determined: {}",
                                e.name, u.detail
                            ));
                            continue;
                        }
                        // Without group ids the connection is to the site itself, never a slot.
                        Lookup::Absent if want != "sites" => continue,
                        Lookup::Absent => {}
                    }
                }
                let approved = match lookup(c, "properties.privateLinkServiceConnectionState.status") {
                    Lookup::Found(s) => s.as_str().is_some_and(|s| s.eq_ignore_ascii_case("Approved")),
                    Lookup::Unknown(_) => false,
                    Lookup::Absent => !manual,
                };
                if approved {
                    out.push(Approved { endpoint: Some(pe), name: e.name.clone(), span: id.span });
                }
            }
        }
    }
    // The target's own view of its connections, which exports carry.
    let mut own: Vec<&Node> = Vec::new();
    if let Lookup::Found(list) = res.get("properties.privateEndpointConnections", model) {
        own.extend(list.value.as_array().unwrap_or_default());
    }
    for c in model.children(r) {
        if model.res(*c).type_key.ends_with("/privateendpointconnections") {
            own.push(&model.res(*c).node);
        }
    }
    for c in own {
        let status = lookup(c, "properties.privateLinkServiceConnectionState.status");
        if !status.as_str().is_some_and(|s| s.eq_ignore_ascii_case("Approved")) {
            continue;
        }
        let (endpoint, name) = match lookup(c, "properties.privateEndpoint") {
            Lookup::Found(n) => match model.follow_node(r, n) {
                Reference::Found(pe, _) => (Some(pe), model.res(pe).name.clone()),
                Reference::Missing(id, _) => (None, id.rsplit('/').next().unwrap_or_default().to_string()),
                _ => (None, "?".into()),
            },
            _ => (None, "?".into()),
        };
        if endpoint.is_some() && out.iter().any(|a| a.endpoint == endpoint) {
            continue;
        }
        out.push(Approved { endpoint, name, span: status.found().map_or(Span::NONE, |n| n.span) });
    }
    match unknown {
        Some(why) if out.is_empty() => Err(why),
        _ => Ok(out),
    }
}

/// Why a resource without a known endpoint might still have one: an endpoint of the
/// same document whose target cannot be known offline.
pub fn unresolved_endpoint_reason(model: &Model, r: ResIdx) -> Option<String> {
    crate::model::access::unresolved_endpoint_reason(model, r)
}

/// The id of the VNet of the subnet an endpoint is placed in.
pub fn endpoint_vnet(model: &Model, pe: ResIdx) -> Result<Option<String>, String> {
    match model.follow(pe, "properties.subnet") {
        Reference::Found(s, _) => Ok(crate::model::network::vnet_of_subnet(&model.res(s).key)),
        Reference::Missing(id, _) => Ok(crate::model::network::vnet_of_subnet(&id)),
        Reference::Absent => Ok(None),
        Reference::Unknown(u) => {
            Err(format!("the subnet of private endpoint `{}` cannot be determined: {}", model.res(pe).name, u.detail))
        }
    }
}

/// The name messages use for a resource id: the ARM name when it is in the scan,
/// otherwise the id's last segment.
pub fn display_name(model: &Model, id: &str) -> String {
    match model.resolve_any(id) {
        Some(r) => model.res(r).name.clone(),
        None => id.trim_end_matches('/').rsplit('/').next().unwrap_or(id).to_string(),
    }
}

/// Custom DNS servers on a VNet in the scan (`dhcpOptions.dnsServers`): names are then
/// resolved wherever those servers forward, which azlint cannot follow.
pub fn custom_dns(model: &Model, vnet_id: &str) -> Option<String> {
    let v = model.resolve_any(vnet_id)?;
    let res = model.res(v);
    match res.get("properties.dhcpOptions.dnsServers", model) {
        Lookup::Found(n) if n.value.as_array().is_some_and(|a| !a.is_empty()) => Some(format!(
            "VNet `{}` uses custom DNS servers (`dhcpOptions.dnsServers`); which zones they resolve is not in the configuration",
            res.name
        )),
        Lookup::Unknown(u) => {
            Some(format!("the DNS servers of VNet `{}` cannot be determined: {}", res.name, u.detail))
        }
        _ => None,
    }
}

/// The VNets a site or slot integrates with (id and the span of the subnet id that
/// names it), and the reason when one cannot be known.
pub fn site_vnets(model: &Model, site: ResIdx) -> (Vec<(String, Span)>, Option<String>) {
    let mut out = Vec::new();
    let mut unknown = None;
    let Some(view) = model.site(site) else { return (out, unknown) };
    for r in view.integration_subnets() {
        let (id, span) = match r {
            Reference::Found(s, via) => (model.res(s).key.to_string(), via.span),
            Reference::Missing(id, via) => (id.to_string(), via.span),
            Reference::Unknown(u) => {
                unknown = Some(format!(
                    "the integration subnet of `{}` cannot be determined: {}",
                    model.res(site).name,
                    u.detail
                ));
                continue;
            }
            Reference::Absent => continue,
        };
        if let Some(v) = crate::model::network::vnet_of_subnet(&id) {
            out.push((v, span));
        }
    }
    (out, unknown)
}

/// Whether a caller is a deployed site or slot.
pub fn is_site_caller(model: &Model, r: ResIdx) -> bool {
    let res = model.res(r);
    (res.is_type(SITE) || res.is_type(SLOT)) && !res.existing
}
