//! The relationship index (design.md): built once, in time linear in the model, so that
//! no rule scans all resources in a nested loop. Site -> integration subnets (and back),
//! private endpoint -> target and subnet (and back), host name -> site, and caller ->
//! callee found by host names in app settings, connection strings, API Management
//! backend `url`s and API `serviceUrl`s.

use std::collections::HashMap;

use super::site::{SITE, SLOT};
use super::{Lookup, Model, Reference, ResIdx, lookup};
use crate::value::{Node, Span, Value};

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
    callers: HashMap<ResIdx, Vec<Call>>,
    endpoints_by_target: HashMap<ResIdx, Vec<ResIdx>>,
    endpoints_by_subnet: HashMap<ResIdx, Vec<ResIdx>>,
    integrations_by_subnet: HashMap<ResIdx, Vec<Integration>>,
    compute_by_subnet: HashMap<ResIdx, Vec<ResIdx>>,
    nics_by_subnet: HashMap<ResIdx, Vec<ResIdx>>,
    outbound_ips: HashMap<String, Vec<ResIdx>>,
}

/// Resources that send traffic from a subnet they are placed in, and where they name it.
const COMPUTE_SUBNETS: &[(&str, &str, &str)] = &[
    ("Microsoft.Network/networkInterfaces", "properties.ipConfigurations", "properties.subnet"),
    ("Microsoft.Network/applicationGateways", "properties.gatewayIPConfigurations", "properties.subnet"),
    ("Microsoft.ApiManagement/service", "", "properties.virtualNetworkConfiguration.subnetResourceId"),
    ("Microsoft.ContainerInstance/containerGroups", "properties.subnetIds", ""),
];

impl Relations {
    pub(super) fn build(model: &Model) -> Relations {
        let mut rel = Relations::default();
        let sites: Vec<ResIdx> = model.of_type(SITE).iter().chain(model.of_type(SLOT)).copied().collect();
        for &s in &sites {
            for host in host_names(model, s) {
                rel.host_to_site.entry(host).or_insert(s);
            }
        }
        for &s in &sites {
            if let Some(view) = model.site(s) {
                for r in view.integration_subnets() {
                    if let Reference::Found(subnet, via) = r {
                        rel.integrations_by_subnet
                            .entry(subnet)
                            .or_default()
                            .push(Integration { site: s, span: via.span });
                    }
                }
            }
            rel.index_settings(model, s);
        }
        for &b in model.of_type(APIM_BACKEND) {
            if let Lookup::Found(n) = model.res(b).get("properties.url", model) {
                rel.index_string(n, b, "backend `url`");
            }
        }
        for &a in model.of_type(APIM_API) {
            if let Lookup::Found(n) = model.res(a).get("properties.serviceUrl", model) {
                rel.index_string(n, a, "API `serviceUrl`");
            }
        }
        for &pe in model.of_type(PRIVATE_ENDPOINT) {
            if let Reference::Found(subnet, _) = model.follow(pe, "properties.subnet") {
                rel.endpoints_by_subnet.entry(subnet).or_default().push(pe);
            }
            for conn in ["properties.privateLinkServiceConnections", "properties.manualPrivateLinkServiceConnections"] {
                let Lookup::Found(list) = model.res(pe).get(conn, model) else { continue };
                for c in list.value.as_array().unwrap_or_default() {
                    if let Lookup::Found(id) = lookup(c, "properties.privateLinkServiceId")
                        && let Reference::Found(target, _) = model.follow_node(pe, id)
                    {
                        let list = rel.endpoints_by_target.entry(target).or_default();
                        if !list.contains(&pe) {
                            list.push(pe);
                        }
                    }
                }
            }
        }
        for (ty, list, path) in COMPUTE_SUBNETS {
            for &r in model.of_type(ty) {
                let mut subnets = Vec::new();
                if list.is_empty() {
                    if let Reference::Found(sn, _) = model.follow(r, path) {
                        subnets.push(sn);
                    }
                } else if let Lookup::Found(items) = model.res(r).get(list, model) {
                    for item in items.value.as_array().unwrap_or_default() {
                        let target = if path.is_empty() { Lookup::Found(item) } else { lookup(item, path) };
                        if let Lookup::Found(n) = target
                            && let Reference::Found(sn, _) = model.follow_node(r, n)
                        {
                            subnets.push(sn);
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
                    if let Lookup::Found(n) = lookup(ipc, "properties.subnet")
                        && let Reference::Found(sn, _) = model.follow_node(vmss, n)
                    {
                        rel.compute_by_subnet.entry(sn).or_default().push(vmss);
                    }
                }
            }
        }
        for &aks in model.of_type("Microsoft.ContainerService/managedClusters") {
            let pools = model.res(aks).node.path("properties.agentPoolProfiles");
            for pool in pools.and_then(|n| n.value.as_array()).unwrap_or_default() {
                if let Lookup::Found(n) = lookup(pool, "vnetSubnetID")
                    && let Reference::Found(sn, _) = model.follow_node(aks, n)
                {
                    rel.compute_by_subnet.entry(sn).or_default().push(aks);
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
                }
            }
        }
    }

    /// Records `caller` as calling every site whose host name appears in `n`.
    fn index_string(&mut self, n: &Node, caller: ResIdx, via: &str) {
        let Value::String(text) = &n.value else { return };
        for token in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-')) {
            if !token.contains('.') {
                continue;
            }
            let host = token.trim_matches('.').to_ascii_lowercase();
            if let Some(&callee) = self.host_to_site.get(&host)
                && callee != caller
            {
                self.callers.entry(callee).or_default().push(Call { caller, via: via.to_string(), span: n.span });
            }
        }
    }

    /// Who calls this site, with the evidence.
    pub fn callers(&self, site: ResIdx) -> &[Call] {
        self.callers.get(&site).map_or(&[], Vec::as_slice)
    }

    /// Private endpoints whose connection targets this resource.
    pub fn endpoints_of(&self, target: ResIdx) -> &[ResIdx] {
        self.endpoints_by_target.get(&target).map_or(&[], Vec::as_slice)
    }

    /// Private endpoints placed in this subnet.
    pub fn endpoints_in(&self, subnet: ResIdx) -> &[ResIdx] {
        self.endpoints_by_subnet.get(&subnet).map_or(&[], Vec::as_slice)
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
    pub fn site_by_host(&self, host: &str) -> Option<ResIdx> {
        self.host_to_site.get(&host.to_ascii_lowercase()).copied()
    }
}

/// The host names a site answers on: what exports state (`defaultHostName`,
/// `hostNames`, `enabledHostNames`) and, for sites whose name is known, the default
/// `{name}.azurewebsites.net` (`{site}-{slot}` for slots) with its `.scm.` twin.
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
    let label = res.name.replace('/', "-").to_ascii_lowercase();
    if !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        out.push(format!("{label}.azurewebsites.net"));
        out.push(format!("{label}.scm.azurewebsites.net"));
    }
    out
}
