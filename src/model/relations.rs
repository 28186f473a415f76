//! The relationship index (design.md): built once, in time linear in the model, so that
//! no rule scans all resources in a nested loop. Site -> integration subnets (and back),
//! private endpoint -> target and subnet (and back), host name -> site or back-end
//! service, and caller -> callee found by host names in app settings, connection
//! strings, API Management backend `url`s and API `serviceUrl`s, and by Key Vault
//! references. The private DNS and peering half lives in [`super::network`].

use std::collections::HashMap;

use super::ids::key;
use super::network::Network;
use super::site::{SITE, SLOT};
use super::{Lookup, Model, Reference, ResIdx};
use crate::value::{Node, SYMBOL_CLOSE, SYMBOL_OPEN, Span, Value};

pub const PRIVATE_ENDPOINT: &str = "Microsoft.Network/privateEndpoints";
pub const APIM_BACKEND: &str = "Microsoft.ApiManagement/service/backends";
pub const APIM_API: &str = "Microsoft.ApiManagement/service/apis";

/// Why one resource is known to call a site.
#[derive(Clone, Debug)]
pub struct Call {
    pub caller: ResIdx,
    /// What holds the host name: "app setting `API_URL`", "backend `url`".
    pub via: String,
    pub span: Span,
}

/// A resource whose calls cannot be known: a live read that would name its callees
/// did not happen (its app settings, an API Management backend, a scope's inventory).
#[derive(Clone, Debug)]
pub struct HiddenCalls {
    /// The site, slot or backend; `None` for a scope whose inventory was not read.
    pub caller: Option<ResIdx>,
    /// Why, naming the caller and the read.
    pub reason: String,
}

/// A site's use of a subnet for VNet integration.
#[derive(Clone, Copy, Debug)]
pub struct Integration {
    pub site: ResIdx,
    /// The id value that names the subnet.
    pub span: Span,
}

/// The index.
#[derive(Debug, Default)]
pub struct Relations {
    host_to_site: HashMap<String, ResIdx>,
    /// Host names of private-endpoint-capable services other than sites.
    host_to_backend: HashMap<String, ResIdx>,
    /// Key vaults by name, for `@Microsoft.KeyVault(VaultName=...)` references.
    vault_by_name: HashMap<String, ResIdx>,
    /// Storage accounts by name, for `AccountName=...` connection strings.
    storage_by_name: HashMap<String, ResIdx>,
    callers: HashMap<ResIdx, Vec<Call>>,
    /// Calls that may or may not reach a resource: a host name built from a symbol that
    /// could be its host, or a known host that could be a symbolic resource's.
    maybe_callers: HashMap<ResIdx, Vec<Call>>,
    /// Every host name (with its unit prefix) by unit prefix, sorted: what a host that
    /// names nothing exactly may still name.
    hosts_by_unit: HashMap<String, Vec<(String, ResIdx)>>,
    /// The unit prefix of the caller being indexed.
    caller_prefix: String,
    endpoints_by_target: HashMap<ResIdx, Vec<ResIdx>>,
    targets_by_endpoint: HashMap<ResIdx, Vec<ResIdx>>,
    /// Endpoints with a connection whose target id cannot be known, by document.
    /// By unit: endpoints whose target cannot be identified, with the target's type
    /// where the id still tells it (lower case).
    unresolved_endpoints: HashMap<u32, Vec<(ResIdx, Option<String>)>>,
    endpoints_by_subnet: HashMap<ResIdx, Vec<ResIdx>>,
    integrations_by_subnet: HashMap<ResIdx, Vec<Integration>>,
    compute_by_subnet: HashMap<ResIdx, Vec<ResIdx>>,
    nics_by_subnet: HashMap<ResIdx, Vec<ResIdx>>,
    outbound_ips: HashMap<String, Vec<ResIdx>>,
    /// Callers whose calls a read that did not happen would have named, in model order.
    hidden: Vec<HiddenCalls>,
    /// Sites and slots whose integration subnet cannot be identified (a read that did
    /// not happen, a symbolic id that may name several subnets, a runtime value).
    unknown_integrations: Vec<Unplaced>,
    /// Private endpoints and compute placed in a subnet that cannot be identified
    /// (a symbolic id that names no subnet of the scan, a runtime value), with why.
    unplaced: Vec<Unplaced>,
    /// Private DNS zones, their links and groups, and VNet peerings.
    pub network: Network,
    /// NSG -> subnets, and internal load balancers by subnet.
    pub nsgs: super::nsg::Nsgs,
}

/// A resource in a subnet that cannot be identified offline.
#[derive(Clone, Debug)]
pub struct Unplaced {
    pub resource: ResIdx,
    /// Why the subnet cannot be identified.
    pub why: String,
    /// The subnet id's canonical key (in the resource's unit) when it has one: only
    /// subnets it may name can hold the resource. `None`: any subnet may.
    key: Option<String>,
}

impl Unplaced {
    fn new(model: &Model, resource: ResIdx, u: &crate::value::Unknown) -> Unplaced {
        let key = u.canonical().map(|c| format!("{}{}", model.prefix_of(resource), key(&c)));
        let why = match key {
            Some(_) => format!("its subnet `{}` depends on names not known offline", u.display()),
            None => u.detail.clone(),
        };
        Unplaced { resource, why, key }
    }

    /// Whether `subnet` may be the one: a subnet of the resource's unit (or deployed
    /// state) that the unknown id may name.
    pub fn may_be_in(&self, model: &Model, subnet: ResIdx) -> bool {
        let (r, sn) = (model.res(self.resource), model.res(subnet));
        let visible = sn.unit == r.unit || sn.kind == super::OriginKind::State;
        visible && self.key.as_deref().is_none_or(|k| super::ids::maybe_same(k, &sn.key))
    }
}

/// Resources that send traffic from a subnet they are placed in, and where they name it.
const COMPUTE_SUBNETS: &[(&str, &str, &str)] = &[
    ("Microsoft.Network/networkInterfaces", "properties.ipConfigurations", "properties.subnet"),
    ("Microsoft.Network/applicationGateways", "properties.gatewayIPConfigurations", "properties.subnet"),
    ("Microsoft.ApiManagement/service", "", "properties.virtualNetworkConfiguration.subnetResourceId"),
    ("Microsoft.ContainerInstance/containerGroups", "properties.subnetIds", ""),
];

/// Host names of the private-endpoint-capable services a site calls, by type: the
/// service's public name is `{name}{suffix}` (Cognitive Services uses its custom
/// subdomain when it has one).
const BACKEND_HOSTS: &[(&str, &[&str])] = &[
    ("Microsoft.KeyVault/vaults", &[".vault.azure.net"]),
    (
        "Microsoft.Storage/storageAccounts",
        &[
            ".blob.core.windows.net",
            ".file.core.windows.net",
            ".queue.core.windows.net",
            ".table.core.windows.net",
            ".dfs.core.windows.net",
            ".web.core.windows.net",
        ],
    ),
    ("Microsoft.Sql/servers", &[".database.windows.net"]),
    (
        "Microsoft.CognitiveServices/accounts",
        &[".cognitiveservices.azure.com", ".openai.azure.com", ".services.ai.azure.com"],
    ),
    ("Microsoft.DocumentDB/databaseAccounts", &[".documents.azure.com"]),
    ("Microsoft.ServiceBus/namespaces", &[".servicebus.windows.net"]),
    ("Microsoft.EventHub/namespaces", &[".servicebus.windows.net"]),
    ("Microsoft.ContainerRegistry/registries", &[".azurecr.io"]),
    ("Microsoft.Cache/Redis", &[".redis.cache.windows.net"]),
    ("Microsoft.DBforPostgreSQL/flexibleServers", &[".postgres.database.azure.com"]),
    ("Microsoft.DBforMySQL/flexibleServers", &[".mysql.database.azure.com"]),
    ("Microsoft.AppConfiguration/configurationStores", &[".azconfig.io"]),
    ("Microsoft.Search/searchServices", &[".search.windows.net"]),
    ("Microsoft.ApiManagement/service", &[".azure-api.net"]),
];

impl Relations {
    pub(super) fn build(model: &Model) -> Relations {
        let mut rel = Relations::default();
        let sites: Vec<ResIdx> = model.of_type(SITE).iter().chain(model.of_type(SLOT)).copied().collect();
        for &s in &sites {
            for host in host_names(model, s) {
                rel.host_to_site.entry(format!("{}{host}", model.prefix_of(s))).or_insert(s);
            }
        }
        rel.index_backends(model);
        // Every host by unit, for the maybe-matches of symbolic host names (a unit sees
        // only its own and deployed state's).
        let mut by_unit: HashMap<String, Vec<(String, ResIdx)>> = HashMap::new();
        for (h, r) in rel.host_to_site.iter().chain(rel.host_to_backend.iter()) {
            by_unit.entry(unit_of(h).to_string()).or_default().push((h.clone(), *r));
        }
        by_unit.values_mut().for_each(|v| v.sort());
        rel.hosts_by_unit = by_unit;
        for &s in &sites {
            if let Some(view) = model.site(s) {
                for r in view.integration_subnets() {
                    match r {
                        Reference::Found(subnet, via) => rel
                            .integrations_by_subnet
                            .entry(subnet)
                            .or_default()
                            .push(Integration { site: s, span: via.span }),
                        Reference::Unknown(u) => rel.unknown_integrations.push(Unplaced::new(model, s, u)),
                        _ => {}
                    }
                }
            }
            rel.caller_prefix = model.prefix_of(s).to_string();
            rel.index_settings(model, s);
            rel.hide_unread_settings(model, s);
        }
        for &c in model.of_type(APIM_BACKEND).iter().chain(model.of_type(APIM_API)) {
            if let Some(u) = model.res(c).unread() {
                let what = if model.res(c).is_type(APIM_BACKEND) { "backend" } else { "API" };
                let reason =
                    format!("what API Management {what} `{}` calls is not known: {}", model.res(c).name, u.detail);
                rel.hidden.push(HiddenCalls { caller: Some(c), reason });
            }
        }
        for (_, u) in model.unread_scopes() {
            rel.hidden.push(HiddenCalls { caller: None, reason: u.detail.clone() });
        }
        // Read the values themselves: a symbolic one still names its site.
        for &b in model.of_type(APIM_BACKEND) {
            rel.caller_prefix = model.prefix_of(b).to_string();
            if let Some(n) = model.res(b).node.path("properties.url") {
                rel.index_string(n, b, "backend `url`");
                rel.index_default_host(model, n, b, "backend `url`");
            }
            rel.index_backend_resource_id(model, b);
        }
        for &a in model.of_type(APIM_API) {
            rel.caller_prefix = model.prefix_of(a).to_string();
            if let Some(n) = model.res(a).node.path("properties.serviceUrl") {
                rel.index_string(n, a, "API `serviceUrl`");
                rel.index_default_host(model, n, a, "API `serviceUrl`");
            }
        }
        for &pe in model.of_type(PRIVATE_ENDPOINT) {
            match model.follow(pe, "properties.subnet") {
                Reference::Found(subnet, _) => rel.endpoints_by_subnet.entry(subnet).or_default().push(pe),
                Reference::Unknown(u) => rel.unplaced.push(Unplaced::new(model, pe, u)),
                _ => {}
            }
            for conn in ["properties.privateLinkServiceConnections", "properties.manualPrivateLinkServiceConnections"] {
                let list = match model.res(pe).get(conn, model) {
                    Lookup::Found(list) => list,
                    // An endpoint that was not read may target anything of its export.
                    Lookup::Unknown(u) if u.cause.is_unread() => {
                        rel.unresolved_endpoints.entry(model.res(pe).unit).or_default().push((pe, None));
                        continue;
                    }
                    _ => continue,
                };
                for c in list.value.as_array().unwrap_or_default() {
                    let target = match c.path("properties.privateLinkServiceId") {
                        Some(id) => model.follow_node(pe, id),
                        None => Reference::Absent,
                    };
                    match target {
                        Reference::Found(target, _) => {
                            let list = rel.endpoints_by_target.entry(target).or_default();
                            if !list.contains(&pe) {
                                list.push(pe);
                                rel.targets_by_endpoint.entry(pe).or_default().push(target);
                            }
                        }
                        Reference::Unknown(u) => {
                            // `…/Microsoft.KeyVault/vaults/[parameters('kv')]` can only be a vault.
                            let ty = u
                                .canonical()
                                .and_then(|c| super::ids::parse_id(&c).map(|p| p.full_type.to_ascii_lowercase()));
                            rel.unresolved_endpoints.entry(model.res(pe).unit).or_default().push((pe, ty));
                        }
                        _ => {}
                    }
                }
            }
        }
        for (ty, list, path) in COMPUTE_SUBNETS {
            for &r in model.of_type(ty) {
                let mut subnets = Vec::new();
                let mut place = |found: Reference<'_>, subnets: &mut Vec<ResIdx>| match found {
                    Reference::Found(sn, _) => subnets.push(sn),
                    Reference::Unknown(u) => rel.unplaced.push(Unplaced::new(model, r, u)),
                    _ => {}
                };
                if list.is_empty() {
                    place(model.follow(r, path), &mut subnets);
                } else if let Lookup::Found(items) = model.res(r).get(list, model) {
                    for item in items.value.as_array().unwrap_or_default() {
                        let target = if path.is_empty() { Some(item) } else { item.path(path) };
                        if let Some(n) = target {
                            place(model.follow_node(r, n), &mut subnets);
                        }
                    }
                }
                for sn in subnets {
                    rel.compute_by_subnet.entry(sn).or_default().push(r);
                    if ty.ends_with("networkInterfaces") {
                        rel.nics_by_subnet.entry(sn).or_default().push(r);
                    }
                }
            }
        }
        // Scale sets nest their subnets two arrays deep; AKS pools name them directly.
        for &vmss in model.of_type("Microsoft.Compute/virtualMachineScaleSets") {
            let nics = model
                .res(vmss)
                .node
                .path("properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations");
            for nic in nics.and_then(|n| n.value.as_array()).unwrap_or_default() {
                for ipc in nic.path("properties.ipConfigurations").and_then(|n| n.value.as_array()).unwrap_or_default()
                {
                    if let Some(n) = ipc.path("properties.subnet") {
                        match model.follow_node(vmss, n) {
                            Reference::Found(sn, _) => rel.compute_by_subnet.entry(sn).or_default().push(vmss),
                            Reference::Unknown(u) => rel.unplaced.push(Unplaced::new(model, vmss, u)),
                            _ => {}
                        }
                    }
                }
            }
        }
        for &aks in model.of_type("Microsoft.ContainerService/managedClusters") {
            let pools = model.res(aks).node.path("properties.agentPoolProfiles");
            for pool in pools.and_then(|n| n.value.as_array()).unwrap_or_default() {
                if let Some(n) = pool.path("vnetSubnetID") {
                    match model.follow_node(aks, n) {
                        Reference::Found(sn, _) => rel.compute_by_subnet.entry(sn).or_default().push(aks),
                        Reference::Unknown(u) => rel.unplaced.push(Unplaced::new(model, aks, u)),
                        _ => {}
                    }
                }
            }
        }
        for &s in &sites {
            for path in ["properties.outboundIpAddresses", "properties.possibleOutboundIpAddresses"] {
                if let Lookup::Found(n) = model.res(s).get(path, model) {
                    for ip in n.as_str().unwrap_or_default().split(',').map(str::trim).filter(|x| !x.is_empty()) {
                        rel.outbound_ips.entry(ip.to_string()).or_default().push(s);
                    }
                }
            }
        }
        rel.network = Network::build(model);
        rel.nsgs = super::nsg::Nsgs::build(model);
        for calls in rel.callers.values_mut() {
            calls.sort_by_key(|c| (c.caller, c.span.file, c.span.start));
            calls.dedup_by_key(|c| (c.caller, c.via.clone()));
        }
        rel
    }

    /// App settings and connection strings of a site or slot, wherever they are declared.
    fn index_settings(&mut self, model: &Model, s: ResIdx) {
        let site = model.res(s);
        for (path, what) in [
            ("properties.siteConfig.appSettings", "app setting"),
            ("properties.siteConfig.connectionStrings", "connection string"),
        ] {
            if let Lookup::Found(list) = site.get(path, model) {
                for item in list.value.as_array().unwrap_or_default() {
                    let name = item.get("name").and_then(Node::as_str).unwrap_or("?");
                    for key in ["value", "connectionString"] {
                        if let Some(v) = item.get(key) {
                            self.index_string(v, s, &format!("{what} `{name}`"));
                            self.index_default_host(model, v, s, &format!("{what} `{name}`"));
                        }
                    }
                }
            }
        }
        let Some(view) = model.site(s) else { return };
        for (child, what) in
            [(view.data.appsettings, "app setting"), (view.data.connectionstrings, "connection string")]
        {
            let Some(c) = child else { continue };
            if let Lookup::Found(props) = model.res(c).get("properties", model) {
                for m in props.value.as_object().into_iter().flat_map(|o| o.iter()) {
                    let v = m.value.get("value").unwrap_or(&m.value);
                    self.index_string(v, s, &format!("{what} `{}`", m.key));
                    self.index_default_host(model, v, s, &format!("{what} `{}`", m.key));
                }
            }
        }
    }

    /// A value built from another site's `defaultHostName` (`reference(site).defaultHostName`,
    /// Bicep's `site.properties.defaultHostName`), unknown offline, still calls that site.
    fn index_default_host(&mut self, model: &Model, n: &Node, caller: ResIdx, via: &str) {
        let Value::Unknown(u) = &n.value else { return };
        for site in model.sites_read_in(caller, &u.detail, "defaulthostname") {
            if site != caller {
                self.callers.entry(site).or_default().push(Call { caller, via: via.to_string(), span: n.span });
            }
        }
    }

    /// A site whose app settings or connection strings were not read (a live export's
    /// gap or `notRead`) may call anything.
    fn hide_unread_settings(&mut self, model: &Model, s: ResIdx) {
        let Some(view) = model.site(s) else { return };
        let unread = [view.app_settings_unknown(), view.connection_strings_unknown()]
            .into_iter()
            .flatten()
            .find(|u| u.cause.is_unread());
        if let Some(u) = unread {
            let reason = format!("what `{}` calls is not known: {}", model.res(s).name, u.detail);
            self.hidden.push(HiddenCalls { caller: Some(s), reason });
        }
    }

    /// An API Management backend's `resourceId` names the site it fronts as a
    /// management URL (`https://management.azure.com/subscriptions/.../sites/x`): a call
    /// even when `url` is a custom domain the index does not know.
    fn index_backend_resource_id(&mut self, model: &Model, b: ResIdx) {
        let Some(n) = model.res(b).node.path("properties.resourceId") else { return };
        let canonical = n.value.as_unknown().and_then(|u| u.canonical());
        let Some(text) = n.as_str().or(canonical.as_deref()) else { return };
        let Some(at) = text.to_ascii_lowercase().find("/subscriptions/") else { return };
        let Some(site) = model.resolve(b, &text[at..]) else { return };
        if model.site(site).is_some() {
            self.callers.entry(site).or_default().push(Call {
                caller: b,
                via: "backend `resourceId`".into(),
                span: n.span,
            });
        }
    }

    /// Host names (and names) of the back-end services other than sites.
    fn index_backends(&mut self, model: &Model) {
        for (ty, suffixes) in BACKEND_HOSTS {
            for &r in model.of_type(ty) {
                let res = model.res(r);
                let mut labels = vec![res.name_key.clone()];
                if let Lookup::Found(n) = res.get("properties.customSubDomainName", model)
                    && let Some(sub) = n.as_str()
                {
                    labels.push(sub.to_ascii_lowercase());
                }
                labels.retain(|l| label_like(l));
                let prefix = model.prefix_of(r);
                for label in &labels {
                    for suffix in *suffixes {
                        self.host_to_backend.entry(format!("{prefix}{label}{suffix}")).or_insert(r);
                    }
                }
                let by_name = if res.is_type("Microsoft.KeyVault/vaults") {
                    &mut self.vault_by_name
                } else if res.is_type("Microsoft.Storage/storageAccounts") {
                    &mut self.storage_by_name
                } else {
                    continue;
                };
                if let Some(label) = labels.first() {
                    by_name.entry(format!("{prefix}{label}")).or_insert(r);
                }
            }
        }
    }

    /// Records `caller` as calling every site or back-end service whose host name
    /// appears in `n`, every vault a Key Vault reference names (`SecretUri=` or
    /// `VaultName=`), and every storage account an `AccountName=` connection string names.
    fn index_string(&mut self, n: &Node, caller: ResIdx, via: &str) {
        // A redacted value of a saved live export keeps the text this reads; a value built
        // from symbols reads as its canonical form, whose host names are those of the
        // resources named by the same symbols.
        let Some(text) = super::secrets::setting_names(n) else { return };
        let text = &*text;
        let kv_ref = text.trim_start().to_ascii_lowercase().starts_with("@microsoft.keyvault(");
        let via = if kv_ref { format!("Key Vault reference in {via}") } else { via.to_string() };
        let mut callees = Vec::new();
        let mut maybe = Vec::new();
        let prefix = &self.caller_prefix;
        for token in tokens(text) {
            if !token.contains('.') {
                continue;
            }
            let host = key(token.trim_matches('.'));
            // The caller's own unit first, then deployed state.
            let own = format!("{prefix}{host}");
            let found = [&own, &host]
                .into_iter()
                .find_map(|h| self.host_to_site.get(h).or_else(|| self.host_to_backend.get(h)));
            match found {
                Some(&r) => callees.push(r),
                None => maybe.extend(self.maybe_hosts(&own)),
            }
        }
        for part in text.split([';', '(', ')']) {
            let Some((k, v)) = part.split_once('=') else { continue };
            let (k, v) = (k.trim(), key(v.trim()));
            let own = format!("{prefix}{v}");
            if kv_ref && k.eq_ignore_ascii_case("VaultName") {
                callees.extend(self.vault_by_name.get(&own).or_else(|| self.vault_by_name.get(&v)).copied());
            } else if k.eq_ignore_ascii_case("AccountName") {
                callees.extend(self.storage_by_name.get(&own).or_else(|| self.storage_by_name.get(&v)).copied());
            }
        }
        for callee in callees {
            if callee != caller {
                self.callers.entry(callee).or_default().push(Call { caller, via: via.clone(), span: n.span });
            }
        }
        maybe.sort();
        maybe.dedup();
        for callee in maybe {
            if callee != caller {
                self.maybe_callers.entry(callee).or_default().push(Call { caller, via: via.clone(), span: n.span });
            }
        }
    }

    /// The resources a host name that names none exactly may still name: known hosts
    /// that a symbolic host could be, or symbolic hosts a known host could be (a symbol
    /// stands for a name, so for any text without a dot).
    pub fn maybe_hosts(&self, host: &str) -> Vec<ResIdx> {
        let unit = unit_of(host);
        let symbolic = host.contains(SYMBOL_OPEN);
        let candidates = self.hosts_by_unit.get(unit).into_iter().flatten();
        // Two different symbols may hold the same name too.
        candidates
            .filter(|(h, _)| (symbolic && glob_matches(host, h)) || (h.contains(SYMBOL_OPEN) && glob_matches(h, host)))
            .map(|(_, r)| *r)
            .collect()
    }

    /// The key vault with this name, as `VaultName=` references name it.
    pub fn vault_named(&self, prefix: &str, name: &str) -> Option<ResIdx> {
        let k = key(name);
        self.vault_by_name.get(&format!("{prefix}{k}")).or_else(|| self.vault_by_name.get(&k)).copied()
    }

    /// Key vaults and storage accounts (`vault` picks which) whose name may be `name`,
    /// depending on names not known offline, when none has it exactly.
    pub fn maybe_named(&self, prefix: &str, vault: bool, name: &str) -> Vec<ResIdx> {
        let map = if vault { &self.vault_by_name } else { &self.storage_by_name };
        let k = format!("{prefix}{}", key(name));
        if map.contains_key(&k) {
            return Vec::new();
        }
        let mut out: Vec<ResIdx> = map
            .iter()
            .filter(|(n, _)| (n.contains(SYMBOL_OPEN) || k.contains(SYMBOL_OPEN)) && super::ids::maybe_same(n, &k))
            .map(|(_, r)| *r)
            .collect();
        out.sort();
        out
    }

    /// The storage account with this name, as `AccountName=` connection strings name it.
    pub fn storage_named(&self, prefix: &str, name: &str) -> Option<ResIdx> {
        let k = key(name);
        self.storage_by_name.get(&format!("{prefix}{k}")).or_else(|| self.storage_by_name.get(&k)).copied()
    }

    /// The back-end service (not a site) that answers on a host name.
    pub fn backend_by_host(&self, prefix: &str, host: &str) -> Option<ResIdx> {
        let k = key(host);
        self.host_to_backend.get(&format!("{prefix}{k}")).or_else(|| self.host_to_backend.get(&k)).copied()
    }

    /// The callers whose calls are not known because a read did not happen: any of them
    /// may call any site or back-end service.
    pub fn hidden_callers(&self) -> &[HiddenCalls] {
        &self.hidden
    }

    /// The hidden callers that are sites or slots other than `except`.
    pub fn hidden_site_callers(&self, model: &Model, except: ResIdx) -> impl Iterator<Item = &HiddenCalls> {
        self.hidden.iter().filter(move |h| {
            h.caller.is_some_and(|c| c != except && (model.res(c).is_type(SITE) || model.res(c).is_type(SLOT)))
        })
    }

    /// Who calls this site or back-end service, with the evidence.
    pub fn callers(&self, site: ResIdx) -> &[Call] {
        self.callers.get(&site).map_or(&[], Vec::as_slice)
    }

    /// Calls that may reach this resource, depending on values not known offline.
    pub fn maybe_callers(&self, site: ResIdx) -> &[Call] {
        self.maybe_callers.get(&site).map_or(&[], Vec::as_slice)
    }

    /// The resources an endpoint's connections (automatic or manual) target.
    pub fn targets_of(&self, endpoint: ResIdx) -> &[ResIdx] {
        self.targets_by_endpoint.get(&endpoint).map_or(&[], Vec::as_slice)
    }

    /// An endpoint of `r`'s document whose target cannot be known offline and may be
    /// `r` (its type, where the target id tells one, is `r`'s; a slot's endpoints target
    /// its site).
    pub fn unresolved_endpoint(&self, model: &Model, r: ResIdx) -> Option<ResIdx> {
        let res = model.res(r);
        let ty = if res.is_type(super::site::SLOT) { "microsoft.web/sites" } else { res.type_key.as_str() };
        self.unresolved_endpoints
            .get(&res.unit)?
            .iter()
            .find(|(_, t)| t.as_deref().is_none_or(|t| t == ty))
            .map(|(pe, _)| *pe)
    }

    /// Private endpoints whose connection targets this resource.
    pub fn endpoints_of(&self, target: ResIdx) -> &[ResIdx] {
        self.endpoints_by_target.get(&target).map_or(&[], Vec::as_slice)
    }

    /// The private endpoints of a site or slot itself: a site's endpoints use the group
    /// id `sites`, a slot's target the parent site with group id `sites-<slot>` (facts
    /// §3.2). An endpoint whose group ids cannot be read counts for the site.
    pub fn site_endpoints(&self, model: &Model, site: ResIdx) -> Vec<ResIdx> {
        let res = model.res(site);
        let (target, group) = if res.is_type(super::site::SLOT) {
            match model.parent(site) {
                Some(p) => (p, format!("sites-{}", res.leaf_name())),
                None => return Vec::new(),
            }
        } else {
            (site, "sites".to_string())
        };
        let in_group = |pe: ResIdx| {
            let mut groups = Vec::new();
            for conn in ["properties.privateLinkServiceConnections", "properties.manualPrivateLinkServiceConnections"] {
                if let Some(list) = model.res(pe).node.path(conn).and_then(|n| n.value.as_array()) {
                    for c in list {
                        if let Some(ids) = c.path("properties.groupIds").and_then(|g| g.value.as_array()) {
                            groups.extend(ids.iter().filter_map(|g| g.as_str()));
                        }
                    }
                }
            }
            groups.is_empty() || groups.iter().any(|g| g.eq_ignore_ascii_case(&group))
        };
        self.endpoints_of(target).iter().copied().filter(|pe| in_group(*pe)).collect()
    }

    /// Private endpoints placed in this subnet.
    pub fn endpoints_in(&self, subnet: ResIdx) -> &[ResIdx] {
        self.endpoints_by_subnet.get(&subnet).map_or(&[], Vec::as_slice)
    }

    /// Sites and slots whose integration subnet cannot be identified (a live read that
    /// did not happen, a symbolic or runtime id), with why.
    pub fn unknown_integrations(&self) -> &[Unplaced] {
        &self.unknown_integrations
    }

    /// A site or slot whose integration subnet cannot be identified and may be `subnet`.
    pub fn maybe_integrated_in(&self, model: &Model, subnet: ResIdx) -> Option<&Unplaced> {
        self.unknown_integrations.iter().find(|u| u.may_be_in(model, subnet))
    }

    /// A private endpoint or compute whose subnet cannot be identified and may be
    /// `subnet`.
    pub fn maybe_placed_in(&self, model: &Model, subnet: ResIdx) -> Option<&Unplaced> {
        self.unplaced.iter().find(|u| u.may_be_in(model, subnet))
    }

    /// Sites and slots integrated into this subnet.
    pub fn integrations_in(&self, subnet: ResIdx) -> &[Integration] {
        self.integrations_by_subnet.get(&subnet).map_or(&[], Vec::as_slice)
    }

    /// Compute placed in this subnet (NICs, application gateways, API Management,
    /// container groups).
    pub fn compute_in(&self, subnet: ResIdx) -> &[ResIdx] {
        self.compute_by_subnet.get(&subnet).map_or(&[], Vec::as_slice)
    }

    /// Private endpoints and compute whose subnet cannot be identified, with why, in
    /// model order: any subnet of their document may hold them.
    pub fn unplaced(&self) -> &[Unplaced] {
        &self.unplaced
    }

    /// Network interfaces with an IP configuration in this subnet.
    pub fn nics_in(&self, subnet: ResIdx) -> &[ResIdx] {
        self.nics_by_subnet.get(&subnet).map_or(&[], Vec::as_slice)
    }

    /// The sites whose exported outbound addresses include `ip` (apps of one scale unit
    /// share them).
    pub fn sites_by_outbound_ip(&self, ip: &str) -> &[ResIdx] {
        self.outbound_ips.get(ip).map_or(&[], Vec::as_slice)
    }

    /// The site that answers on a host name.
    pub fn site_by_host(&self, prefix: &str, host: &str) -> Option<ResIdx> {
        let k = key(host);
        self.host_to_site.get(&format!("{prefix}{k}")).or_else(|| self.host_to_site.get(&k)).copied()
    }
}

/// The host names a site answers on: what exports state (`defaultHostName`,
/// `hostNames`, `enabledHostNames`) and, for sites whose name is known, the default
/// `{name}.azurewebsites.net` (`{site}-{slot}` for slots) with its `.scm.` twin.
/// The unit prefix a key or host starts with (empty for deployed state).
fn unit_of(k: &str) -> &str {
    let mark = super::UNIT_MARK;
    if !k.starts_with(mark) {
        return "";
    }
    k[mark.len_utf8()..].find(mark).map_or("", |i| &k[..i + 2 * mark.len_utf8()])
}

/// Whether the canonical host `pattern` could be `text`: each symbol stands for one or
/// more characters without a dot (a name, or a piece of a DNS label).
fn glob_matches(pattern: &str, text: &str) -> bool {
    super::ids::glob(pattern, text, '.')
}

/// Whether `s` can be a DNS label: letters, digits and `-`, or a symbol standing for them.
fn label_like(s: &str) -> bool {
    !s.is_empty() && outside_symbols(s).all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The characters of `s` that are not inside a symbol of a canonical form.
fn outside_symbols(s: &str) -> impl Iterator<Item = char> + '_ {
    let mut depth = 0u32;
    s.chars().filter(move |&c| match c {
        SYMBOL_OPEN => {
            depth += 1;
            false
        }
        SYMBOL_CLOSE => {
            depth = depth.saturating_sub(1);
            false
        }
        _ => depth == 0,
    })
}

/// The words of a setting's text that may be host names: runs of letters, digits, `.`
/// and `-`, a symbol counting as one piece of a word.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut depth) = (None, 0u32);
    for (i, c) in text.char_indices() {
        let word = depth > 0 || c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == SYMBOL_OPEN;
        match c {
            SYMBOL_OPEN => depth += 1,
            SYMBOL_CLOSE => depth = depth.saturating_sub(1),
            _ => {}
        }
        match (word || c == SYMBOL_CLOSE, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(&text[s..i]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

fn host_names(model: &Model, s: ResIdx) -> Vec<String> {
    let res = model.res(s);
    let mut out = Vec::new();
    if let Lookup::Found(n) = res.get("properties.defaultHostName", model)
        && let Some(h) = n.as_str()
    {
        out.push(h.to_ascii_lowercase());
    }
    for path in ["properties.hostNames", "properties.enabledHostNames"] {
        if let Lookup::Found(n) = res.get(path, model) {
            out.extend(
                n.value.as_array().unwrap_or_default().iter().filter_map(Node::as_str).map(str::to_ascii_lowercase),
            );
        }
    }
    let label = res.name_key.replace('/', "-");
    if label_like(&label) {
        out.push(format!("{label}.azurewebsites.net"));
        out.push(format!("{label}.scm.azurewebsites.net"));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::model::tests::raw;
    use crate::model::{Model, Unit};

    #[test]
    fn symbolic_hosts_match_as_globs() {
        let p = format!("{}p:f0:api{}.azurewebsites.net", crate::value::SYMBOL_OPEN, crate::value::SYMBOL_CLOSE);
        assert!(super::glob_matches(&p, "api-orders.azurewebsites.net"));
        assert!(!super::glob_matches(&p, "api.scm.azurewebsites.net"), "a name has no dot");
        assert!(!super::glob_matches(&p, ".azurewebsites.net"), "a name is not empty");
        let q =
            format!("{}p:f0:api{}-staging.azurewebsites.net", crate::value::SYMBOL_OPEN, crate::value::SYMBOL_CLOSE);
        assert!(super::glob_matches(&q, "api-orders-staging.azurewebsites.net"));
        assert!(!super::glob_matches(&q, "api-orders.azurewebsites.net"));
    }

    #[test]
    fn key_vault_references_and_storage_connection_strings_are_calls() {
        let kv = raw("Microsoft.KeyVault/vaults", "kv-shop", serde_json::json!({}));
        let st = raw("Microsoft.Storage/storageAccounts", "stshop", serde_json::json!({}));
        let site = raw(
            "Microsoft.Web/sites",
            "web",
            serde_json::json!({"siteConfig": {"appSettings": [
                {"name": "A", "value": "@Microsoft.KeyVault(VaultName=KV-SHOP;SecretName=s)"},
                {"name": "B", "value": "DefaultEndpointsProtocol=https;AccountName=stshop;EndpointSuffix=core.windows.net"}
            ]}}),
        );
        let m = Model::build(vec![Unit {
            raws: vec![kv, st, site],
            scope: "/subscriptions/s/resourceGroups/rg".into(),
            ..Default::default()
        }]);
        let calls = m.relations.callers(m.of_type("Microsoft.KeyVault/vaults")[0]);
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].via, "Key Vault reference in app setting `A`");
        let calls = m.relations.callers(m.of_type("Microsoft.Storage/storageAccounts")[0]);
        assert_eq!(calls[0].via, "app setting `B`");
    }
}
