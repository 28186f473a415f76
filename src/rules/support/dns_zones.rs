//! Which private DNS zone a private endpoint's records belong in, by target type and
//! group id (facts sheet §3.6, the Private Link DNS table of 2026-05-07, public cloud).
//! Data, compared ignoring case. Where a row lists several zones, any one of them is
//! acceptable for a zone group entry. `{...}` in a zone stands for one DNS label
//! (a region name or code, a partition id, a DNS prefix).
//!
//! Changes over time (facts sheet §3.6 and §9.9), where azlint follows the current page:
//! Cognitive Services `account` listed only `privatelink.cognitiveservices.azure.com`
//! in 2021; `privatelink.openai.azure.com` and then `privatelink.services.ai.azure.com`
//! were added later, and which of them clients need depends on the endpoints they call
//! (uncertain), so any of the three is accepted. Site Recovery, Backup and File Sync
//! zones lost or renamed their region label; the current names are used. Redis
//! Enterprise's group id was `redisCache` in 2021 and is `redisEnterprise` now.
//!
//! `needs` reads, from a private endpoint's connections, the zones its records need
//! (PE003, PE004).

use crate::model::ids::parse_id;
use crate::model::{Lookup, Model, Reference, ResIdx, lookup};

/// One row: a target type, its group ids, and the zones their records go in.
pub struct ZoneRow {
    pub ty: &'static str,
    /// Group ids; a trailing `*` matches any suffix (`sites-<slot>`).
    pub group_ids: &'static [&'static str],
    pub zones: &'static [&'static str],
}

const fn row(ty: &'static str, group_ids: &'static [&'static str], zones: &'static [&'static str]) -> ZoneRow {
    ZoneRow { ty, group_ids, zones }
}

/// The table (facts sheet §3.6).
pub const ZONES: &[ZoneRow] = &[
    row("Microsoft.KeyVault/vaults", &["vault"], &["privatelink.vaultcore.azure.net"]),
    row("Microsoft.KeyVault/managedHSMs", &["managedhsm"], &["privatelink.managedhsm.azure.net"]),
    row(
        "Microsoft.CognitiveServices/accounts",
        &["account"],
        &[
            "privatelink.cognitiveservices.azure.com",
            "privatelink.openai.azure.com",
            "privatelink.services.ai.azure.com",
        ],
    ),
    row("Microsoft.Storage/storageAccounts", &["blob", "blob_secondary"], &["privatelink.blob.core.windows.net"]),
    row("Microsoft.Storage/storageAccounts", &["file"], &["privatelink.file.core.windows.net"]),
    row("Microsoft.Storage/storageAccounts", &["queue", "queue_secondary"], &["privatelink.queue.core.windows.net"]),
    row("Microsoft.Storage/storageAccounts", &["table", "table_secondary"], &["privatelink.table.core.windows.net"]),
    row("Microsoft.Storage/storageAccounts", &["dfs", "dfs_secondary"], &["privatelink.dfs.core.windows.net"]),
    row("Microsoft.Storage/storageAccounts", &["web", "web_secondary"], &["privatelink.web.core.windows.net"]),
    row("Microsoft.Sql/servers", &["sqlServer"], &["privatelink.database.windows.net"]),
    row("Microsoft.Sql/managedInstances", &["managedInstance"], &["privatelink.{}.database.windows.net"]),
    row("Microsoft.DocumentDB/databaseAccounts", &["Sql"], &["privatelink.documents.azure.com"]),
    row("Microsoft.DocumentDB/databaseAccounts", &["MongoDB"], &["privatelink.mongo.cosmos.azure.com"]),
    row("Microsoft.DocumentDB/databaseAccounts", &["Cassandra"], &["privatelink.cassandra.cosmos.azure.com"]),
    row("Microsoft.DocumentDB/databaseAccounts", &["Gremlin"], &["privatelink.gremlin.cosmos.azure.com"]),
    row("Microsoft.DocumentDB/databaseAccounts", &["Table"], &["privatelink.table.cosmos.azure.com"]),
    row("Microsoft.DocumentDB/databaseAccounts", &["Analytical"], &["privatelink.analytics.cosmos.azure.com"]),
    row("Microsoft.DocumentDB/mongoClusters", &["MongoCluster"], &["privatelink.mongocluster.cosmos.azure.com"]),
    row("Microsoft.DBforPostgreSQL/serverGroupsv2", &["coordinator"], &["privatelink.postgres.cosmos.azure.com"]),
    row(
        "Microsoft.DBforPostgreSQL/flexibleServers",
        &["postgresqlServer"],
        &["privatelink.postgres.database.azure.com"],
    ),
    row("Microsoft.DBforPostgreSQL/servers", &["postgresqlServer"], &["privatelink.postgres.database.azure.com"]),
    row("Microsoft.DBforMySQL/flexibleServers", &["mysqlServer"], &["privatelink.mysql.database.azure.com"]),
    row("Microsoft.DBforMySQL/servers", &["mysqlServer"], &["privatelink.mysql.database.azure.com"]),
    row("Microsoft.DBforMariaDB/servers", &["mariadbServer"], &["privatelink.mariadb.database.azure.com"]),
    // The scm record lives in the same zone; a separate `scm.privatelink...` zone is wrong.
    row("Microsoft.Web/sites", &["sites", "sites-*"], &["privatelink.azurewebsites.net"]),
    row(
        "Microsoft.Web/staticSites",
        &["staticSites"],
        &["privatelink.azurestaticapps.net", "privatelink.{}.azurestaticapps.net"],
    ),
    row("Microsoft.ServiceBus/namespaces", &["namespace"], &["privatelink.servicebus.windows.net"]),
    row("Microsoft.EventHub/namespaces", &["namespace"], &["privatelink.servicebus.windows.net"]),
    row("Microsoft.Relay/namespaces", &["namespace"], &["privatelink.servicebus.windows.net"]),
    row("Microsoft.EventGrid/topics", &["topic"], &["privatelink.eventgrid.azure.net"]),
    row("Microsoft.EventGrid/domains", &["domain"], &["privatelink.eventgrid.azure.net"]),
    row("Microsoft.EventGrid/namespaces", &["topic"], &["privatelink.eventgrid.azure.net"]),
    row("Microsoft.EventGrid/namespaces", &["topicSpace"], &["privatelink.ts.eventgrid.azure.net"]),
    row("Microsoft.EventGrid/partnerNamespaces", &["partnernamespace"], &["privatelink.eventgrid.azure.net"]),
    // Data endpoints `{region}.data.privatelink.azurecr.io` go in the same zone.
    row("Microsoft.ContainerRegistry/registries", &["registry"], &["privatelink.azurecr.io"]),
    row("Microsoft.ApiManagement/service", &["Gateway"], &["privatelink.azure-api.net"]),
    row(
        "Microsoft.Insights/privateLinkScopes",
        &["azuremonitor"],
        &[
            "privatelink.monitor.azure.com",
            "privatelink.oms.opinsights.azure.com",
            "privatelink.ods.opinsights.azure.com",
            "privatelink.agentsvc.azure-automation.net",
            "privatelink.blob.core.windows.net",
        ],
    ),
    row("Microsoft.Monitor/accounts", &["prometheusMetrics"], &["privatelink.{}.prometheus.monitor.azure.com"]),
    row("Microsoft.Search/searchServices", &["searchService"], &["privatelink.search.windows.net"]),
    row("Microsoft.Cache/Redis", &["redisCache"], &["privatelink.redis.cache.windows.net"]),
    // Redis Enterprise and Azure Managed Redis share the type and group id.
    row(
        "Microsoft.Cache/redisEnterprise",
        &["redisEnterprise"],
        &["privatelink.redisenterprise.cache.azure.net", "privatelink.redis.azure.net"],
    ),
    row("Microsoft.Synapse/workspaces", &["Sql", "SqlOnDemand"], &["privatelink.sql.azuresynapse.net"]),
    row("Microsoft.Synapse/workspaces", &["Dev"], &["privatelink.dev.azuresynapse.net"]),
    row("Microsoft.Synapse/privateLinkHubs", &["Web"], &["privatelink.azuresynapse.net"]),
    row("Microsoft.DataFactory/factories", &["dataFactory"], &["privatelink.datafactory.azure.net"]),
    row("Microsoft.DataFactory/factories", &["portal"], &["privatelink.adf.azure.com"]),
    row("Microsoft.SignalRService/SignalR", &["signalr"], &["privatelink.service.signalr.net"]),
    row("Microsoft.SignalRService/webPubSub", &["webpubsub"], &["privatelink.webpubsub.azure.com"]),
    row("Microsoft.AppConfiguration/configurationStores", &["configurationStores"], &["privatelink.azconfig.io"]),
    row(
        "Microsoft.MachineLearningServices/workspaces",
        &["amlworkspace"],
        &["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"],
    ),
    row("Microsoft.BotService/botServices", &["Bot"], &["privatelink.directline.botframework.com"]),
    row("Microsoft.BotService/botServices", &["Token"], &["privatelink.token.botframework.com"]),
    row(
        "Microsoft.ContainerService/managedClusters",
        &["management"],
        &["privatelink.{}.azmk8s.io", "{}.privatelink.{}.azmk8s.io"],
    ),
    row("Microsoft.App/managedEnvironments", &["managedEnvironments"], &["privatelink.{}.azurecontainerapps.io"]),
    row(
        "Microsoft.Devices/IotHubs",
        &["iotHub"],
        &["privatelink.azure-devices.net", "privatelink.servicebus.windows.net"],
    ),
    row(
        "Microsoft.Databricks/workspaces",
        &["databricks_ui_api", "browser_authentication"],
        &["privatelink.azuredatabricks.net"],
    ),
    row("Microsoft.StorageSync/storageSyncServices", &["afs"], &["privatelink.afs.azure.net"]),
    row("Microsoft.Batch/batchAccounts", &["batchAccount", "nodeManagement"], &["privatelink.batch.azure.com"]),
    row(
        "Microsoft.RecoveryServices/vaults",
        &["AzureBackup"],
        &[
            "privatelink.{}.backup.windowsazure.com",
            "privatelink.blob.core.windows.net",
            "privatelink.queue.core.windows.net",
        ],
    ),
    row("Microsoft.RecoveryServices/vaults", &["AzureSiteRecovery"], &["privatelink.siterecovery.windowsazure.com"]),
    row("Microsoft.Dashboard/grafana", &["grafana"], &["privatelink.grafana.azure.com"]),
    row("Microsoft.Purview/accounts", &["account"], &["privatelink.purview.azure.com"]),
    row("Microsoft.Purview/accounts", &["portal"], &["privatelink.purviewstudio.azure.com"]),
    row("Microsoft.Purview/accounts", &["platform"], &["privatelink.purview-service.microsoft.com"]),
];

/// The zones acceptable for a target type and group id, or `None` when the table has
/// no row for them.
pub fn zones_for(ty: &str, group_id: &str) -> Option<&'static [&'static str]> {
    ZONES
        .iter()
        .find(|r| r.ty.eq_ignore_ascii_case(ty) && r.group_ids.iter().any(|g| group_matches(g, group_id)))
        .map(|r| r.zones)
}

fn group_matches(pattern: &str, group_id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => group_id.len() > prefix.len() && group_id[..prefix.len()].eq_ignore_ascii_case(prefix),
        None => pattern.eq_ignore_ascii_case(group_id),
    }
}

/// Whether a zone name matches one of `zones`, ignoring case and a trailing dot.
pub fn zone_accepted(zones: &[&str], name: &str) -> bool {
    let name = name.trim_end_matches('.');
    zones.iter().any(|z| zone_matches(z, name))
}

/// A zone pattern against a name, label by label; `{}` matches any one label.
fn zone_matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<&str>, Vec<&str>) = (pattern.split('.').collect(), name.split('.').collect());
    p.len() == n.len() && p.iter().zip(&n).all(|(p, n)| (*p == "{}" && !n.is_empty()) || p.eq_ignore_ascii_case(n))
}

/// What one connection of the endpoint needs.
pub struct Need {
    pub target: String,
    pub target_idx: Option<ResIdx>,
    pub group_id: String,
    /// The zones that resolve it, when azlint's table knows them.
    pub zones: Option<&'static [&'static str]>,
    pub ty: String,
}

/// The target type and group ids of every connection of the endpoint, and the reason
/// when one cannot be known.
pub fn needs(model: &Model, pe: ResIdx) -> (Vec<Need>, Option<String>) {
    let mut out = Vec::new();
    let mut unknown = None;
    for path in ["properties.privateLinkServiceConnections", "properties.manualPrivateLinkServiceConnections"] {
        let list = match model.res(pe).get(path, model) {
            Lookup::Found(l) => l,
            Lookup::Unknown(u) => {
                unknown = Some(format!("the endpoint's connections cannot be determined: {}", u.detail));
                continue;
            }
            Lookup::Absent => continue,
        };
        for c in list.value.as_array().unwrap_or_default() {
            let (ty, target, target_idx) = match c.path("properties.privateLinkServiceId").map(|n| (n, &n.value)) {
                Some((_, crate::value::Value::Null)) | None => continue,
                Some((n, _)) => match model.follow_node(pe, n) {
                    Reference::Found(t, _) => (model.res(t).type_.to_string(), model.res(t).name.clone(), Some(t)),
                    Reference::Missing(id, _) => match parse_id(&id) {
                        Some(p) => (p.full_type, p.full_name, None),
                        None => continue,
                    },
                    // A target named from values not known offline still has a known type
                    // (`resourceId('Microsoft.KeyVault/vaults', parameters('kv'))`), and the
                    // zone depends on the type and the group id only.
                    Reference::Unknown(u) => match u.canonical().and_then(|c| parse_id(&c)) {
                        Some(p) if !p.full_type.contains(crate::value::SYMBOL_OPEN) => {
                            let shown = u.display();
                            let name = parse_id(&shown).map_or(shown, |q| q.full_name);
                            (p.full_type, name, None)
                        }
                        _ => {
                            unknown = Some(format!("the endpoint's target cannot be determined: {}", u.detail));
                            continue;
                        }
                    },
                    Reference::Absent => continue,
                },
            };
            let groups = match lookup(c, "properties.groupIds") {
                Lookup::Found(g) => g.value.as_array().unwrap_or_default(),
                Lookup::Unknown(u) => {
                    unknown = Some(format!("the endpoint's group ids cannot be determined: {}", u.detail));
                    continue;
                }
                Lookup::Absent => &[],
            };
            for gid in groups {
                match &gid.value {
                    crate::value::Value::String(s) => out.push(Need {
                        zones: zones_for(&ty, s),
                        target: target.clone(),
                        target_idx,
                        group_id: s.to_string(),
                        ty: ty.clone(),
                    }),
                    crate::value::Value::Unknown(u) => {
                        unknown = Some(format!("the endpoint's group ids cannot be determined: {}", u.detail));
                    }
                    _ => {}
                }
            }
        }
    }
    (out, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_ids_and_zones_compare_ignoring_case() {
        let z = zones_for("microsoft.keyvault/VAULTS", "Vault").unwrap();
        assert!(zone_accepted(z, "PrivateLink.VaultCore.Azure.Net"));
        assert!(!zone_accepted(z, "privatelink.blob.core.windows.net"));
    }

    #[test]
    fn any_zone_of_a_multi_zone_row_is_accepted() {
        let z = zones_for("Microsoft.CognitiveServices/accounts", "account").unwrap();
        for name in [
            "privatelink.openai.azure.com",
            "privatelink.cognitiveservices.azure.com",
            "privatelink.services.ai.azure.com",
        ] {
            assert!(zone_accepted(z, name), "{name}");
        }
        assert!(!zone_accepted(z, "privatelink.vaultcore.azure.net"));
    }

    #[test]
    fn slots_and_placeholders() {
        let z = zones_for("Microsoft.Web/sites", "sites-staging").unwrap();
        assert!(zone_accepted(z, "privatelink.azurewebsites.net"));
        assert!(zones_for("Microsoft.Web/sites", "sites-").is_none());
        let aks = zones_for("Microsoft.ContainerService/managedClusters", "management").unwrap();
        assert!(zone_accepted(aks, "privatelink.westeurope.azmk8s.io"));
        assert!(zone_accepted(aks, "team1.privatelink.westeurope.azmk8s.io"));
        assert!(!zone_accepted(aks, "privatelink.azmk8s.io"));
        assert!(zones_for("Microsoft.Contoso/widgets", "widget").is_none());
    }
}
