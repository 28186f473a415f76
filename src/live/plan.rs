//! What the live reader reads for each resource type: the Resource Graph inventory
//! gives every resource's own properties; these are the reads the rules need that the
//! inventory lacks, with the provider api-version of each.
//!
//! | type | reads | api-version |
//! |---|---|---|
//! | `Microsoft.Web/sites`, `sites/slots` | `config/web`, `config/authsettingsV2`, `basicPublishingCredentialsPolicies` (the list holds `ftp` and `scm`), `networkConfig/virtualNetwork` only when the site has no `virtualNetworkSubnetId` (404: not integrated); with `--read-app-settings` `config/appsettings/list` and `config/connectionstrings/list` | 2024-04-01 |
//! | `Microsoft.Network/virtualNetworks` | `subnets` | 2024-05-01 |
//! | `Microsoft.Network/privateEndpoints` | `privateDnsZoneGroups` | 2024-05-01 |
//! | `Microsoft.Network/privateDnsZones` | `virtualNetworkLinks` | 2024-06-01 |
//! | `Microsoft.ApiManagement/service` | `backends`, `apis` | 2024-05-01 |
//! | `Microsoft.Sql/servers` | `firewallRules` | 2021-11-01 |
//! | `Microsoft.DBforPostgreSQL/flexibleServers` | `firewallRules` | 2022-12-01 |
//! | `Microsoft.DBforMySQL/flexibleServers` | `firewallRules` | 2021-05-01 |
//! | `Microsoft.ServiceBus/namespaces`, `Microsoft.EventHub/namespaces` | `networkRuleSets/default` | 2021-11-01 |
//!
//! Deployment slots come with the inventory: Resource Graph's `Resources` table lists
//! `microsoft.web/sites/slots` (public queries, the App Service portal extension's among
//! them, select slots there by that type), so no per-site `slots` list is read.
//!
//! The Web, Network, private DNS, API Management and SQL versions are those of the
//! recorded responses in `shared/fixtures/arm-rest/`. The PostgreSQL, MySQL, Service Bus
//! and Event Hubs versions are stable versions of those providers' REST specs chosen
//! without a recorded response here; a version a provider rejects shows up as a
//! coverage gap (HTTP 400), never as a silent pass.

use serde_json::Value;

/// Resource Graph's query endpoint and version.
pub const GRAPH_PATH: &str = "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01";
/// Rows per Resource Graph page (the service's maximum `$top`).
pub const GRAPH_PAGE: u64 = 1000;

const WEB: &str = "2024-04-01";
const NETWORK: &str = "2024-05-01";
const PRIVATE_DNS: &str = "2024-06-01";
const APIM: &str = "2024-05-01";
const SQL: &str = "2021-11-01";
const POSTGRES: &str = "2022-12-01";
const MYSQL: &str = "2021-05-01";
const MESSAGING: &str = "2021-11-01";

/// One follow-up read of a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    /// The resource whose rules depend on the read.
    pub owner: String,
    /// The path of the read relative to `owner` (`config/web`, `subnets`).
    pub path: &'static str,
    pub api_version: &'static str,
    pub kind: ReadKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadKind {
    /// GET of one document.
    Document,
    /// GET of one document that may not exist: 404 means "none", not a gap.
    Optional,
    /// GET of a paged collection.
    Collection,
    /// POST of a `list` action that returns secrets (app settings).
    Secrets,
}

impl Read {
    fn new(owner: &str, path: &'static str, api_version: &'static str, kind: ReadKind) -> Read {
        Read { owner: owner.to_string(), path, api_version, kind }
    }

    /// The request's path and query.
    pub fn url(&self) -> String {
        format!("{}/{}?api-version={}", self.owner, self.path, self.api_version)
    }

    /// The id of the document a single-document read returns (a `list` action's
    /// document is the config it lists: `config/appsettings`).
    pub fn document_id(&self) -> String {
        format!("{}/{}", self.owner, self.path.strip_suffix("/list").unwrap_or(self.path))
    }
}

/// The follow-up reads of one inventory row `doc` of (any-case) type `ty`.
pub fn reads_for(id: &str, ty: &str, doc: &Value, read_app_settings: bool) -> Vec<Read> {
    use ReadKind::*;
    match ty.to_ascii_lowercase().as_str() {
        "microsoft.web/sites" | "microsoft.web/sites/slots" => site_reads(id, doc, read_app_settings),
        "microsoft.network/virtualnetworks" => vec![Read::new(id, "subnets", NETWORK, Collection)],
        "microsoft.network/privateendpoints" => vec![Read::new(id, "privateDnsZoneGroups", NETWORK, Collection)],
        "microsoft.network/privatednszones" => vec![Read::new(id, "virtualNetworkLinks", PRIVATE_DNS, Collection)],
        "microsoft.apimanagement/service" => {
            vec![Read::new(id, "backends", APIM, Collection), Read::new(id, "apis", APIM, Collection)]
        }
        "microsoft.sql/servers" => vec![Read::new(id, "firewallRules", SQL, Collection)],
        "microsoft.dbforpostgresql/flexibleservers" => vec![Read::new(id, "firewallRules", POSTGRES, Collection)],
        "microsoft.dbformysql/flexibleservers" => vec![Read::new(id, "firewallRules", MYSQL, Collection)],
        "microsoft.servicebus/namespaces" | "microsoft.eventhub/namespaces" => {
            vec![Read::new(id, "networkRuleSets/default", MESSAGING, Document)]
        }
        _ => Vec::new(),
    }
}

/// The reads of a site or slot `doc`.
/// A site's own `virtualNetworkSubnetId` is the current form of regional VNet
/// integration (facts sheet §1.6); only a site without one may still be integrated
/// through the older `networkConfig/virtualNetwork` child, so only then is it read.
pub fn site_reads(id: &str, doc: &Value, read_app_settings: bool) -> Vec<Read> {
    use ReadKind::*;
    let mut r = vec![
        Read::new(id, "config/web", WEB, Document),
        Read::new(id, "config/authsettingsV2", WEB, Document),
        Read::new(id, POLICIES, WEB, Collection),
    ];
    let integrated =
        doc.pointer("/properties/virtualNetworkSubnetId").and_then(Value::as_str).is_some_and(|s| !s.trim().is_empty());
    if !integrated {
        r.push(Read::new(id, "networkConfig/virtualNetwork", WEB, Optional));
    }
    if read_app_settings {
        r.push(Read::new(id, "config/appsettings/list", WEB, Secrets));
        r.push(Read::new(id, "config/connectionstrings/list", WEB, Secrets));
    }
    r
}

/// A site's basic publishing credential policies: one list holding `ftp` and `scm`.
pub const POLICIES: &str = "basicPublishingCredentialsPolicies";
/// The documents of [`POLICIES`]: when the list fails, each is a gap of its own, so the
/// FTP and SCM parts of TLS003 are undetermined like any unread document.
pub const POLICY_DOCUMENTS: &[&str] =
    &["basicPublishingCredentialsPolicies/ftp", "basicPublishingCredentialsPolicies/scm"];

/// The reads skipped without `--read-app-settings`, recorded as `notRead`.
pub const SKIPPED_WITHOUT_APP_SETTINGS: &[&str] = &["config/appsettings/list", "config/connectionstrings/list"];

/// The Resource Graph query for a subscription's inventory, limited to resource groups
/// when any are given. Only the columns of a Resource Manager GET are projected.
pub fn inventory_query(resource_groups: &[String]) -> String {
    let mut q = String::from("Resources");
    if !resource_groups.is_empty() {
        let names: Vec<String> = resource_groups.iter().map(|g| format!("'{}'", g.replace('\'', "\\'"))).collect();
        q.push_str(&format!(" | where resourceGroup in~ ({})", names.join(", ")));
    }
    q.push_str(
        " | project id, name, type, kind, location, tags, sku, identity, properties, zones, plan, managedBy, \
         extendedLocation | order by id asc",
    );
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app";

    #[test]
    fn sites_read_their_config_and_slots_and_app_settings_only_when_asked() {
        let paths = |v: Vec<Read>| v.into_iter().map(|r| r.path).collect::<Vec<_>>();
        let site = serde_json::json!({"properties": {}});
        let plain = paths(reads_for(SITE, "microsoft.web/sites", &site, false));
        assert!(plain.contains(&"config/web") && plain.contains(&POLICIES));
        assert_eq!(paths(reads_for(SITE, "microsoft.web/sites/slots", &site, false)), plain);
        assert!(plain.contains(&"networkConfig/virtualNetwork"));
        assert!(!plain.iter().any(|p| p.contains("appsettings")));
        assert!(paths(reads_for(SITE, "Microsoft.Web/sites", &site, true)).contains(&"config/appsettings/list"));
        assert!(reads_for(SITE, "microsoft.compute/disks", &site, false).is_empty());
        let integrated = serde_json::json!({"properties": {"virtualNetworkSubnetId": "/subscriptions/s/x/subnets/a"}});
        assert!(!paths(site_reads(SITE, &integrated, false)).contains(&"networkConfig/virtualNetwork"));
    }

    #[test]
    fn urls_and_document_ids() {
        let r = Read::new(SITE, "config/appsettings/list", WEB, ReadKind::Secrets);
        assert_eq!(r.url(), format!("{SITE}/config/appsettings/list?api-version=2024-04-01"));
        assert_eq!(r.document_id(), format!("{SITE}/config/appsettings"));
    }

    #[test]
    fn inventory_query_filters_resource_groups() {
        assert!(!inventory_query(&[]).contains("where"));
        let q = inventory_query(&["rg-a".into(), "o'brien".into()]);
        assert!(q.contains("resourceGroup in~ ('rg-a', 'o\\'brien')"), "{q}");
    }
}
