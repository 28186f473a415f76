//! The generated subscription behind `FakeState::synthetic`: repeated app units (a
//! front-end calling a restricted back-end API over VNet integration, with storage behind
//! a private endpoint) in resource groups of up to 50 units, with deliberate
//! misconfigurations in some units so that a scan has findings.
//!
//! Counts: every resource group holds one private DNS zone and up to 50 units of ten
//! top-level resources; groups are added while at least one unit and its zone fit, and
//! storage accounts in `rg-filler` make up the rest, so the subscription has exactly the
//! number of top-level resources asked for.

use std::ops::Range;

use serde_json::{Value, json};

use super::splitmix64;

#[path = "synthetic_sites.rs"]
mod sites;

/// The subscription id of the synthetic state.
pub const SYNTHETIC_SUBSCRIPTION: &str = "00000000-0000-0000-0000-00000000beef";

const TENANT: &str = "72f988bf-0000-4000-8000-00000000beef";
const LOCATION: &str = "westeurope";
const UNIT_RESOURCES: usize = 10;
const UNITS_PER_GROUP: usize = 50;
const BLOB_ZONE: &str = "privatelink.blob.core.windows.net";

/// A deliberate misconfiguration: unit `k` has it when `(k + offset) % period == 0`,
/// where the offset comes from the seed and the salt.
#[derive(Clone, Copy)]
struct Flaw {
    period: u64,
    salt: u64,
}

/// Back-end `config/web` `minTlsVersion` `1.0`.
const BACKEND_TLS_1_0: Flaw = Flaw { period: 7, salt: 1 };
/// Front-end `httpsOnly: false`.
const FRONTEND_HTTP: Flaw = Flaw { period: 11, salt: 2 };
/// Back-end restrictions with default action `Allow`.
const BACKEND_DEFAULT_ALLOW: Flaw = Flaw { period: 13, salt: 3 };
/// Storage account open to public networks despite its private endpoint.
const STORAGE_PUBLIC: Flaw = Flaw { period: 17, salt: 4 };
/// Integration subnet not delegated to `Microsoft.Web/serverFarms`.
const SUBNET_UNDELEGATED: Flaw = Flaw { period: 19, salt: 5 };
/// Back-end FTP allowed (`ftpsState: AllAllowed`, FTP basic credentials allowed).
const BACKEND_FTP: Flaw = Flaw { period: 23, salt: 6 };
/// Key Vault open to public networks.
const KEYVAULT_PUBLIC: Flaw = Flaw { period: 29, salt: 7 };
/// NSG rule admitting RDP from the internet.
const NSG_INTERNET_RDP: Flaw = Flaw { period: 31, salt: 8 };
/// Back-end authentication that lets anonymous callers through.
const BACKEND_ANONYMOUS: Flaw = Flaw { period: 37, salt: 9 };
/// A literal password in the back-end's app settings.
const BACKEND_LITERAL_SECRET: Flaw = Flaw { period: 41, salt: 10 };
/// Remote debugging on the back-end's staging slot.
const SLOT_REMOTE_DEBUGGING: Flaw = Flaw { period: 43, salt: 11 };
/// Back-end CORS admitting any origin.
const BACKEND_CORS_ANY: Flaw = Flaw { period: 47, salt: 12 };

/// The documents of a subscription with exactly `resources` top-level resources.
pub fn documents(resources: usize, seed: u64) -> Vec<Value> {
    let mut docs = Vec::new();
    let (mut rows, mut unit, mut group) = (0, 0, 0);
    while resources - rows > UNIT_RESOURCES {
        let units = ((resources - rows - 1) / UNIT_RESOURCES).min(UNITS_PER_GROUP);
        let rg = format!("rg-app-{group:03}");
        zone(&mut docs, &rg, unit..unit + units);
        for k in unit..unit + units {
            app_unit(&mut docs, &rg, k, seed);
        }
        rows += 1 + units * UNIT_RESOURCES;
        unit += units;
        group += 1;
    }
    for i in 0..resources - rows {
        let name = format!("stfill{i:05}");
        docs.push(storage(&rid("rg-filler", "Microsoft.Storage/storageAccounts", &name), &name, false, None));
    }
    docs
}

fn rid(rg: &str, ty: &str, name: &str) -> String {
    format!("/subscriptions/{SYNTHETIC_SUBSCRIPTION}/resourceGroups/{rg}/providers/{ty}/{name}")
}

/// A GUID-shaped string derived from `k` and `salt`.
fn guid(k: usize, salt: u64) -> String {
    let a = splitmix64(k as u64 ^ (salt << 32));
    let b = splitmix64(a);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

fn has(flaw: Flaw, k: usize, seed: u64) -> bool {
    let offset = splitmix64(seed ^ flaw.salt.wrapping_mul(0x100_0000_01b3)) % flaw.period;
    (k as u64 + offset).is_multiple_of(flaw.period)
}

/// The group's `privatelink.blob.core.windows.net` zone, linked to the VNet of every unit.
fn zone(docs: &mut Vec<Value>, rg: &str, units: Range<usize>) {
    let zone_id = rid(rg, "Microsoft.Network/privateDnsZones", BLOB_ZONE);
    docs.push(json!({
        "id": zone_id, "name": BLOB_ZONE, "type": "Microsoft.Network/privateDnsZones", "location": "global",
        "etag": guid(units.start, 90), "tags": {},
        "properties": {
            "maxNumberOfRecordSets": 25000, "numberOfRecordSets": units.len() + 1,
            "maxNumberOfVirtualNetworkLinks": 1000, "numberOfVirtualNetworkLinks": units.len(),
            "maxNumberOfVirtualNetworkLinksWithRegistration": 100,
            "numberOfVirtualNetworkLinksWithRegistration": 0, "provisioningState": "Succeeded"
        }
    }));
    for k in units {
        let link = format!("link-vnet-{k:05}");
        docs.push(json!({
            "id": format!("{zone_id}/virtualNetworkLinks/{link}"), "name": link,
            "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "location": "global",
            "etag": guid(k, 91),
            "properties": {
                "virtualNetwork": {"id": rid(rg, "Microsoft.Network/virtualNetworks", &format!("vnet-{k:05}"))},
                "registrationEnabled": false, "virtualNetworkLinkState": "Completed", "provisioningState": "Succeeded"
            }
        }));
    }
}

/// Ids shared by the documents of one unit.
struct Unit {
    k: usize,
    seed: u64,
    rg: String,
    vnet: String,
    nsg: String,
    plan: String,
    web: String,
    api: String,
    storage: String,
    endpoint: String,
}

impl Unit {
    fn has(&self, flaw: Flaw) -> bool {
        has(flaw, self.k, self.seed)
    }

    fn subnet(&self, name: &str) -> String {
        format!("{}/subnets/{name}", self.vnet)
    }

    fn name(id: &str) -> &str {
        id.rsplit('/').next().unwrap_or("")
    }
}

fn app_unit(docs: &mut Vec<Value>, rg: &str, k: usize, seed: u64) {
    let u = Unit {
        k,
        seed,
        rg: rg.to_string(),
        vnet: rid(rg, "Microsoft.Network/virtualNetworks", &format!("vnet-{k:05}")),
        nsg: rid(rg, "Microsoft.Network/networkSecurityGroups", &format!("nsg-{k:05}")),
        plan: rid(rg, "Microsoft.Web/serverfarms", &format!("plan-{k:05}")),
        web: rid(rg, "Microsoft.Web/sites", &format!("web-{k:05}")),
        api: rid(rg, "Microsoft.Web/sites", &format!("api-{k:05}")),
        storage: rid(rg, "Microsoft.Storage/storageAccounts", &format!("stbeef{k:05}")),
        endpoint: rid(rg, "Microsoft.Network/privateEndpoints", &format!("pe-stbeef{k:05}-blob")),
    };
    docs.push(vnet(&u));
    docs.push(nsg(&u));
    docs.push(json!({
        "id": u.plan, "name": Unit::name(&u.plan), "type": "Microsoft.Web/serverfarms", "kind": "linux",
        "location": LOCATION,
        "sku": {"name": "P1v3", "tier": "PremiumV3", "size": "P1v3", "family": "Pv3", "capacity": 2},
        "properties": {"status": "Ready", "reserved": true, "numberOfSites": 2, "zoneRedundant": false,
            "provisioningState": "Succeeded"}
    }));
    sites::push(docs, &u);
    docs.push(storage(&u.storage, Unit::name(&u.storage), u.has(STORAGE_PUBLIC), Some(&u.endpoint)));
    docs.extend(private_endpoint(&u));
    docs.push(key_vault(&u));
    let sql = rid(rg, "Microsoft.Sql/servers", &format!("sql-{k:05}"));
    docs.push(json!({
        "id": sql, "name": Unit::name(&sql), "type": "Microsoft.Sql/servers", "kind": "v12.0", "location": LOCATION,
        "properties": {"administratorLogin": "sqladmin", "version": "12.0", "state": "Ready",
            "fullyQualifiedDomainName": format!("sql-{k:05}.database.windows.net"), "privateEndpointConnections": [],
            "minimalTlsVersion": "1.2", "publicNetworkAccess": "Disabled", "restrictOutboundNetworkAccess": "Disabled",
            "administrators": {"administratorType": "ActiveDirectory", "azureADOnlyAuthentication": true,
                "login": "sql-admins", "principalType": "Group", "sid": guid(k, 20), "tenantId": TENANT}}
    }));
    let appi = rid(rg, "Microsoft.Insights/components", &format!("appi-{k:05}"));
    docs.push(json!({
        "id": appi, "name": Unit::name(&appi), "type": "Microsoft.Insights/components", "kind": "web",
        "location": LOCATION,
        "properties": {"ApplicationId": Unit::name(&appi), "AppId": guid(k, 21), "Application_Type": "web",
            "InstrumentationKey": guid(k, 22), "ConnectionString": app_insights(k),
            "IngestionMode": "ApplicationInsights",
            "publicNetworkAccessForIngestion": "Enabled", "publicNetworkAccessForQuery": "Enabled",
            "provisioningState": "Succeeded"}
    }));
}

/// The Application Insights connection string of unit `k`.
fn app_insights(k: usize) -> String {
    format!(
        "InstrumentationKey={};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/",
        guid(k, 22)
    )
}

fn vnet(u: &Unit) -> Value {
    let delegations = if u.has(SUBNET_UNDELEGATED) {
        json!([])
    } else {
        json!([{"name": "delegation", "id": format!("{}/delegations/delegation", u.subnet("snet-integration")),
            "type": "Microsoft.Network/virtualNetworks/subnets/delegations",
            "properties": {"serviceName": "Microsoft.Web/serverFarms",
                "actions": ["Microsoft.Network/virtualNetworks/subnets/action"], "provisioningState": "Succeeded"}}])
    };
    let subnet = |name: &str, prefix: &str, extra: Value| {
        let mut props = json!({"provisioningState": "Succeeded", "addressPrefix": prefix, "delegations": [],
            "privateEndpointNetworkPolicies": "Disabled", "privateLinkServiceNetworkPolicies": "Enabled"});
        for (key, value) in extra.as_object().into_iter().flatten() {
            props[key] = value.clone();
        }
        json!({"name": name, "id": u.subnet(name), "type": "Microsoft.Network/virtualNetworks/subnets",
            "properties": props})
    };
    json!({
        "id": u.vnet, "name": Unit::name(&u.vnet), "type": "Microsoft.Network/virtualNetworks", "location": LOCATION,
        "etag": format!("W/\"{}\"", guid(u.k, 30)),
        "properties": {
            "provisioningState": "Succeeded", "resourceGuid": guid(u.k, 31),
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [
                subnet("snet-integration", "10.0.1.0/26", json!({
                    "delegations": delegations,
                    "serviceEndpoints": [{"service": "Microsoft.Web", "locations": ["*"],
                        "provisioningState": "Succeeded"}]
                })),
                subnet("snet-endpoints", "10.0.2.0/27", json!({
                    "networkSecurityGroup": {"id": u.nsg}, "privateEndpointNetworkPolicies": "Enabled",
                    "privateEndpoints": [{"id": u.endpoint}]
                })),
                subnet("snet-workload", "10.0.3.0/24", json!({"networkSecurityGroup": {"id": u.nsg}})),
            ],
            "virtualNetworkPeerings": [], "enableDdosProtection": false
        }
    })
}

fn nsg(u: &Unit) -> Value {
    let rule = |name: &str, priority: u32, access: &str, source: &str, port: &str| {
        json!({"name": name, "id": format!("{}/securityRules/{name}", u.nsg),
            "type": "Microsoft.Network/networkSecurityGroups/securityRules",
            "properties": {"provisioningState": "Succeeded", "protocol": "Tcp", "sourcePortRange": "*",
                "destinationPortRange": port, "sourceAddressPrefix": source,
                "destinationAddressPrefix": "VirtualNetwork",
                "access": access, "priority": priority, "direction": "Inbound", "sourcePortRanges": [],
                "destinationPortRanges": [], "sourceAddressPrefixes": [], "destinationAddressPrefixes": []}})
    };
    let first = if u.has(NSG_INTERNET_RDP) {
        rule("AllowInternetRdpInbound", 100, "Allow", "Internet", "3389")
    } else {
        rule("AllowVnetHttpsInbound", 100, "Allow", "VirtualNetwork", "443")
    };
    let default_rule = |name: &str, priority: u32, direction: &str, access: &str, source: &str, dest: &str| {
        json!({"name": name, "id": format!("{}/defaultSecurityRules/{name}", u.nsg),
            "type": "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
            "properties": {"provisioningState": "Succeeded", "protocol": "*", "sourcePortRange": "*",
                "destinationPortRange": "*", "sourceAddressPrefix": source, "destinationAddressPrefix": dest,
                "access": access, "priority": priority, "direction": direction}})
    };
    json!({
        "id": u.nsg, "name": Unit::name(&u.nsg), "type": "Microsoft.Network/networkSecurityGroups",
        "location": LOCATION,
        "etag": format!("W/\"{}\"", guid(u.k, 32)),
        "properties": {
            "provisioningState": "Succeeded", "resourceGuid": guid(u.k, 33),
            "securityRules": [first, rule("DenyInternetInbound", 4000, "Deny", "Internet", "*")],
            "defaultSecurityRules": [
                default_rule("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
                default_rule("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"),
                default_rule("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
                default_rule("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
                default_rule("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"),
                default_rule("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
            ],
            "subnets": [{"id": u.subnet("snet-endpoints")}, {"id": u.subnet("snet-workload")}]
        }
    })
}

fn storage(id: &str, name: &str, public: bool, endpoint: Option<&str>) -> Value {
    let connections: Vec<Value> = endpoint
        .map(|pe| {
            let pe_name = Unit::name(pe);
            json!({"id": format!("{id}/privateEndpointConnections/{pe_name}"), "name": pe_name,
                "type": "Microsoft.Storage/storageAccounts/privateEndpointConnections",
                "properties": {"privateEndpoint": {"id": pe},
                    "privateLinkServiceConnectionState": {"status": "Approved", "description": "Auto-Approved",
                        "actionRequired": "None"},
                    "provisioningState": "Succeeded"}})
        })
        .into_iter()
        .collect();
    json!({
        "id": id, "name": name, "type": "Microsoft.Storage/storageAccounts", "kind": "StorageV2", "location": LOCATION,
        "sku": {"name": "Standard_LRS", "tier": "Standard"},
        "properties": {
            "provisioningState": "Succeeded", "minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": false,
            "allowSharedKeyAccess": false, "supportsHttpsTrafficOnly": true,
            "publicNetworkAccess": if public { "Enabled" } else { "Disabled" },
            "networkAcls": {"bypass": "AzureServices", "virtualNetworkRules": [], "ipRules": [],
                "defaultAction": if public { "Allow" } else { "Deny" }},
            "primaryEndpoints": {"blob": format!("https://{name}.blob.core.windows.net/"),
                "file": format!("https://{name}.file.core.windows.net/")},
            "privateEndpointConnections": connections
        }
    })
}

/// The storage account's blob private endpoint and its `privateDnsZoneGroups/default`.
fn private_endpoint(u: &Unit) -> [Value; 2] {
    let name = Unit::name(&u.endpoint);
    let account = Unit::name(&u.storage);
    let zone = rid(&u.rg, "Microsoft.Network/privateDnsZones", BLOB_ZONE);
    let nic = rid(&u.rg, "Microsoft.Network/networkInterfaces", &format!("{name}.nic.{}", &guid(u.k, 41)[..8]));
    let endpoint = json!({
        "id": u.endpoint, "name": name, "type": "Microsoft.Network/privateEndpoints", "location": LOCATION,
        "etag": format!("W/\"{}\"", guid(u.k, 40)),
        "properties": {
            "provisioningState": "Succeeded",
            "privateLinkServiceConnections": [{"name": name,
                "id": format!("{}/privateLinkServiceConnections/{name}", u.endpoint),
                "type": "Microsoft.Network/privateEndpoints/privateLinkServiceConnections",
                "properties": {"provisioningState": "Succeeded", "privateLinkServiceId": u.storage,
                    "groupIds": ["blob"],
                    "privateLinkServiceConnectionState": {"status": "Approved", "description": "Auto-Approved",
                        "actionsRequired": "None"}}}],
            "manualPrivateLinkServiceConnections": [],
            "subnet": {"id": u.subnet("snet-endpoints")},
            "networkInterfaces": [{"id": nic}],
            "customDnsConfigs": [], "ipConfigurations": [], "applicationSecurityGroups": []
        }
    });
    let group = json!({
        "id": format!("{}/privateDnsZoneGroups/default", u.endpoint), "name": "default",
        "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        "properties": {"provisioningState": "Succeeded", "privateDnsZoneConfigs": [{
            "name": "privatelink-blob-core-windows-net",
            "properties": {"privateDnsZoneId": zone, "recordSets": [{"recordType": "A", "recordSetName": account,
                "fqdn": format!("{account}.{BLOB_ZONE}"), "ttl": 10, "ipAddresses": ["10.0.2.4"],
                "provisioningState": "Succeeded"}]}}]}
    });
    [endpoint, group]
}

fn key_vault(u: &Unit) -> Value {
    let name = format!("kv-beef-{:05}", u.k);
    let public = u.has(KEYVAULT_PUBLIC);
    json!({
        "id": rid(&u.rg, "Microsoft.KeyVault/vaults", &name), "name": name, "type": "Microsoft.KeyVault/vaults",
        "location": LOCATION, "tags": {},
        "properties": {
            "sku": {"family": "A", "name": "standard"}, "tenantId": TENANT, "accessPolicies": [],
            "enableRbacAuthorization": true, "enableSoftDelete": true, "softDeleteRetentionInDays": 90,
            "enablePurgeProtection": true, "vaultUri": format!("https://{name}.vault.azure.net/"),
            "provisioningState": "Succeeded", "publicNetworkAccess": if public { "Enabled" } else { "Disabled" },
            "networkAcls": {"bypass": "AzureServices", "defaultAction": if public { "Allow" } else { "Deny" },
                "ipRules": [], "virtualNetworkRules": []}
        }
    })
}
