//! The fake Resource Manager's documents, indexed once at start: by lower-cased id, by
//! the collection each one belongs to, and the top-level resources Resource Graph lists.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

/// Child collections that Resource Manager also returns inline in the parent's
/// `properties`: a subnet is both `<vnet>/subnets/<name>` and an entry of the VNet's
/// `properties.subnets`.
const INLINE_COLLECTIONS: &[&str] = &["subnets", "securityrules", "virtualnetworkpeerings"];

/// `siteConfig` keys that a site GET from Resource Manager carries, every one `null`:
/// the values live only in the `config/web` child.
const SITE_CONFIG_KEYS: &[&str] = &[
    "numberOfWorkers",
    "defaultDocuments",
    "netFrameworkVersion",
    "phpVersion",
    "pythonVersion",
    "nodeVersion",
    "powerShellVersion",
    "linuxFxVersion",
    "windowsFxVersion",
    "requestTracingEnabled",
    "remoteDebuggingEnabled",
    "remoteDebuggingVersion",
    "httpLoggingEnabled",
    "acrUseManagedIdentityCreds",
    "logsDirectorySizeLimit",
    "detailedErrorLoggingEnabled",
    "publishingUsername",
    "appSettings",
    "connectionStrings",
    "handlerMappings",
    "scmType",
    "use32BitWorkerProcess",
    "webSocketsEnabled",
    "alwaysOn",
    "javaVersion",
    "appCommandLine",
    "managedPipelineMode",
    "virtualApplications",
    "loadBalancing",
    "autoHealEnabled",
    "vnetName",
    "vnetRouteAllEnabled",
    "vnetPrivatePortsCount",
    "cors",
    "localMySqlEnabled",
    "keyVaultReferenceIdentity",
    "ipSecurityRestrictions",
    "ipSecurityRestrictionsDefaultAction",
    "scmIpSecurityRestrictions",
    "scmIpSecurityRestrictionsDefaultAction",
    "scmIpSecurityRestrictionsUseMain",
    "http20Enabled",
    "minTlsVersion",
    "minTlsCipherSuite",
    "scmMinTlsVersion",
    "ftpsState",
    "preWarmedInstanceCount",
    "functionAppScaleLimit",
    "healthCheckPath",
    "functionsRuntimeScaleMonitoringEnabled",
    "minimumElasticInstanceCount",
    "azureStorageAccounts",
    "publicNetworkAccess",
];

/// The documents and their indexes.
pub struct Store {
    /// Documents as a GET answers them (sites and slots with `siteConfig` blanked).
    pub docs: Vec<Value>,
    /// The lower-cased id of each document.
    pub keys: Vec<String>,
    by_id: HashMap<String, usize>,
    /// Lower-cased collection path (`<parent-id>/<childType>`) to its documents, sorted by id.
    children: HashMap<String, Vec<usize>>,
    /// Resource Graph rows, sorted by lower-cased id.
    pub rows: Vec<Row>,
    /// The subscription ids that documents live in, as spelled in the first id seen.
    pub subscriptions: Vec<String>,
}

/// A top-level resource as Resource Graph lists it.
pub struct Row {
    /// The lower-cased subscription id.
    pub subscription: String,
    /// The lower-cased resource group, empty outside one.
    pub group: String,
    /// The lower-cased type.
    pub ty: String,
    /// The index of the document.
    pub doc: usize,
    /// The row's JSON text, made on first use.
    pub json: OnceLock<String>,
}

impl Store {
    /// Indexes `documents`. Panics on a document without a string `id` or on a repeated
    /// id: both are mistakes in the test that built the state.
    pub fn new(documents: Vec<Value>) -> Store {
        let mut docs = Vec::with_capacity(documents.len());
        let mut keys = Vec::with_capacity(documents.len());
        let mut by_id = HashMap::with_capacity(documents.len());
        let mut children: HashMap<String, Vec<usize>> = HashMap::new();
        let mut rows = Vec::new();
        let mut subscriptions: Vec<String> = Vec::new();
        for doc in documents {
            let Some(id) = doc.get("id").and_then(Value::as_str) else {
                panic!("fake ARM document without a string `id`: {doc}");
            };
            let key = normalize(id);
            if let Some(sub) = id.split('/').nth(2).filter(|_| key.starts_with("/subscriptions/"))
                && !subscriptions.iter().any(|s| s.eq_ignore_ascii_case(sub))
            {
                subscriptions.push(sub.to_string());
            }
            let i = docs.len();
            if by_id.insert(key.clone(), i).is_some() {
                panic!("fake ARM documents repeat the id `{id}`");
            }
            if let Some((collection, _)) = key.rsplit_once('/') {
                children.entry(collection.to_string()).or_default().push(i);
            }
            if in_graph(&key) {
                let segs: Vec<&str> = key.split('/').collect();
                let group =
                    if segs.get(3) == Some(&"resourcegroups") { segs.get(4).copied().unwrap_or("") } else { "" };
                let ty = doc.get("type").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
                let (subscription, group) = (segs[2].to_string(), group.to_string());
                rows.push(Row { subscription, group, ty, doc: i, json: OnceLock::new() });
            }
            docs.push(served(doc));
            keys.push(key);
        }
        for list in children.values_mut() {
            list.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
        }
        rows.sort_by(|a, b| keys[a.doc].cmp(&keys[b.doc]));
        Store { docs, keys, by_id, children, rows, subscriptions }
    }

    /// The document with this lower-cased id, or an inline child entry standing for it.
    pub fn get(&self, key: &str) -> Option<Value> {
        if let Some(&i) = self.by_id.get(key) {
            return Some(self.docs[i].clone());
        }
        let (collection, _) = key.rsplit_once('/')?;
        self.inline_entries(collection)
            .into_iter()
            .find(|e| e.get("id").and_then(Value::as_str).map(normalize).as_deref() == Some(key))
    }

    /// Whether a document (or inline child entry) has this lower-cased id.
    pub fn exists(&self, key: &str) -> bool {
        self.by_id.contains_key(key) || self.get(key).is_some()
    }

    /// Every member of the collection `<parent-id>/<childType>` (lower-cased), sorted by
    /// lower-cased id, or `None` when the parent does not exist.
    pub fn collection(&self, key: &str) -> Option<Vec<Value>> {
        let (parent, child_type) = key.rsplit_once('/')?;
        if parent.is_empty() || !self.exists(parent) {
            return None;
        }
        let mut items: Vec<(String, Value)> = self
            .children
            .get(key)
            .into_iter()
            .flatten()
            .filter(|&&i| !(child_type == "config" && is_secret_config(&self.keys[i])))
            .map(|&i| (self.keys[i].clone(), self.docs[i].clone()))
            .collect();
        for entry in self.inline_entries(key) {
            let id = entry.get("id").and_then(Value::as_str).map(normalize).unwrap_or_default();
            items.push((id, entry));
        }
        items.sort_by(|a, b| a.0.cmp(&b.0));
        Some(items.into_iter().map(|(_, v)| v).collect())
    }

    /// Entries of the parent's inline `properties.<childType>` array that have an id one
    /// pair of segments below the parent and are not documents of their own, each with
    /// a `type` when it had none.
    fn inline_entries(&self, collection: &str) -> Vec<Value> {
        let Some((parent, child_type)) = collection.rsplit_once('/') else { return Vec::new() };
        if !INLINE_COLLECTIONS.contains(&child_type) {
            return Vec::new();
        }
        let Some(&p) = self.by_id.get(parent) else { return Vec::new() };
        let doc = &self.docs[p];
        let Some(props) = doc.get("properties").and_then(Value::as_object) else { return Vec::new() };
        let Some((prop, Value::Array(entries))) = props.iter().find(|(k, _)| k.to_ascii_lowercase() == child_type)
        else {
            return Vec::new();
        };
        let parent_type = doc.get("type").and_then(Value::as_str).unwrap_or("");
        let prefix = format!("{collection}/");
        entries
            .iter()
            .filter(|e| {
                e.get("id").and_then(Value::as_str).map(normalize).is_some_and(|id| {
                    id.strip_prefix(&prefix).is_some_and(|name| !name.is_empty() && !name.contains('/'))
                        && !self.by_id.contains_key(&id)
                })
            })
            .map(|e| {
                let mut e = e.clone();
                if let Some(o) = e.as_object_mut()
                    && !o.contains_key("type")
                {
                    o.insert("type".into(), Value::String(format!("{parent_type}/{prop}")));
                }
                e
            })
            .collect()
    }
}

/// A path or id lower-cased, without a trailing `/`.
pub fn normalize(path: &str) -> String {
    let p = path.trim_end_matches('/');
    if p.is_empty() { "/".to_string() } else { p.to_ascii_lowercase() }
}

/// Whether a lower-cased id names a top-level resource: exactly one type segment (and
/// its name) after `/providers/<Namespace>/`, under `/subscriptions/<id>/`.
pub fn is_top_level(key: &str) -> bool {
    let segs: Vec<&str> = key.split('/').collect();
    if segs.len() < 3 || segs[1] != "subscriptions" {
        return false;
    }
    match segs.iter().rposition(|s| *s == "providers") {
        Some(p) => segs.len() == p + 4 && segs[p + 1..].iter().all(|s| !s.is_empty()),
        None => false,
    }
}

/// Whether Resource Graph's `Resources` table lists the resource: top-level resources
/// and a site's deployment slots (`microsoft.web/sites/slots`).
pub fn in_graph(key: &str) -> bool {
    if is_top_level(key) {
        return true;
    }
    let segs: Vec<&str> = key.split('/').collect();
    segs.iter().rposition(|s| *s == "providers").is_some_and(|p| {
        segs.len() == p + 6 && segs[p + 1] == "microsoft.web" && segs[p + 2] == "sites" && segs[p + 4] == "slots"
    })
}

/// `config/appsettings` and `config/connectionstrings`: read only with a POST `list`.
pub fn is_secret_config(key: &str) -> bool {
    key.ends_with("/config/appsettings") || key.ends_with("/config/connectionstrings")
}

/// A document as Resource Manager serves it: for sites and slots, `properties.siteConfig`
/// becomes an object whose fields are all `null`.
pub fn served(mut doc: Value) -> Value {
    let ty = doc.get("type").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
    if ty != "microsoft.web/sites" && ty != "microsoft.web/sites/slots" {
        return doc;
    }
    let Some(props) = doc.get_mut("properties").and_then(Value::as_object_mut) else { return doc };
    let mut blank: Map<String, Value> = SITE_CONFIG_KEYS.iter().map(|k| (k.to_string(), Value::Null)).collect();
    if let Some(Value::Object(own)) = props.get("siteConfig") {
        for k in own.keys() {
            blank.insert(k.clone(), Value::Null);
        }
    }
    props.insert("siteConfig".into(), Value::Object(blank));
    doc
}
