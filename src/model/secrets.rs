//! Literal secrets in a site's app settings and connection strings (AUTH006), and the
//! spans of every literal secret of a scan, which the text report masks so that no
//! source snippet ever shows one. Only the *kind* of secret and the setting's name
//! leave this module; values never do.

use super::site::{SITE, SLOT};
use super::{Lookup, Model, ResIdx, SiteView};
use crate::value::{Node, Span, UnknownCause, Value};

/// Where a setting lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingKind {
    AppSetting,
    ConnectionString,
}

impl SettingKind {
    pub fn label(self) -> &'static str {
        match self {
            SettingKind::AppSetting => "app setting",
            SettingKind::ConnectionString => "connection string",
        }
    }
}

/// What a setting's value is, as far as secrets go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A literal secret; the text says what kind ("a password"), never the value.
    Secret(&'static str),
    /// A secret-looking setting whose value cannot be known offline; the reason names
    /// the cause, never the expression (it may embed part of the secret).
    Unknown(String),
    Clean,
}

/// Keys of `;`-separated connection strings that carry a secret (SQL, Storage, Service
/// Bus / Event Hubs, Cosmos DB, Redis, App Configuration).
const SECRET_KEYS: &[(&str, &str)] = &[
    ("password", "a password"),
    ("pwd", "a password"),
    ("accountkey", "an account key"),
    ("sharedaccesskey", "a shared access key"),
    ("sharedaccesssignature", "a SAS signature"),
    ("secret", "a secret"),
    ("clientsecret", "a client secret"),
    ("key", "an access key"),
];

/// Suffixes of identity-based connection settings (`AzureWebJobsStorage__accountName`,
/// `ServiceBus__credential`): the platform authenticates with a managed identity.
const IDENTITY_SUFFIXES: &[&str] = &[
    "__credential",
    "__clientid",
    "__tenantid",
    "__accountname",
    "__serviceuri",
    "__blobserviceuri",
    "__queueserviceuri",
    "__tableserviceuri",
    "__fullyqualifiednamespace",
    "__accountendpoint",
    "__endpoint",
    "__managedidentityresourceid",
];

/// Whether a setting name says it holds a secret (`*PASSWORD*`, `*SECRET*`, `*KEY*`),
/// leaving out names that only mention a Key Vault or the Application Insights
/// instrumentation key, which Microsoft documents as not secret.
pub fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    if IDENTITY_SUFFIXES.iter().any(|s| n.ends_with(&s.to_ascii_uppercase())) {
        return false;
    }
    let n = n.replace("KEYVAULT", "").replace("KEY_VAULT", "").replace("INSTRUMENTATIONKEY", "");
    ["PASSWORD", "PASSWD", "PWD", "SECRET", "KEY", "TOKEN"].iter().any(|w| n.contains(w))
}

/// Classifies one setting's value.
pub fn classify(kind: SettingKind, name: &str, value: &Node) -> Verdict {
    let secretish = secret_name(name) || kind == SettingKind::ConnectionString;
    let text = match &value.value {
        Value::String(s) => s.trim(),
        Value::Unknown(u) if u.cause == UnknownCause::List => {
            return Verdict::Secret("a key or secret fetched with a `list*()` function at deployment");
        }
        Value::Unknown(u) if secretish => {
            return Verdict::Unknown(format!(
                "the value of {} `{name}` cannot be known offline ({})",
                kind.label(),
                u.cause.as_str()
            ));
        }
        _ => return Verdict::Clean,
    };
    if text.is_empty() || text.to_ascii_lowercase().starts_with("@microsoft.keyvault(") {
        return Verdict::Clean;
    }
    if let Some(what) = in_connection_string(text) {
        return Verdict::Secret(what);
    }
    if sas_signature(text) {
        return Verdict::Secret("a SAS signature");
    }
    if secret_name(name) && !harmless(text) {
        return Verdict::Secret(
            if name.to_ascii_uppercase().contains("PASS") || name.to_ascii_uppercase().contains("PWD") {
                "a password"
            } else if name.to_ascii_uppercase().contains("SECRET") {
                "a secret"
            } else {
                "a key"
            },
        );
    }
    Verdict::Clean
}

/// The secret a `key=value;` connection string carries, unless it authenticates with
/// Entra ID (`Authentication=Active Directory Managed Identity`) and has no password.
fn in_connection_string(text: &str) -> Option<&'static str> {
    if !text.contains('=') || !text.contains(';') && !text.to_ascii_lowercase().starts_with("password") {
        return None;
    }
    text.split(';').find_map(|part| {
        let (k, v) = part.split_once('=')?;
        let k = k.trim().to_ascii_lowercase().replace(' ', "");
        if v.trim().is_empty() {
            return None;
        }
        SECRET_KEYS.iter().find(|(key, _)| *key == k).map(|(_, what)| *what)
    })
}

/// A SAS token: a `sig=` query parameter with a value.
fn sas_signature(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.match_indices("sig=").any(|(i, _)| {
        let before_ok = i == 0 || matches!(lower.as_bytes()[i - 1], b'?' | b'&' | b';');
        let after = &lower[i + 4..];
        before_ok && !after.is_empty() && !after.starts_with('&')
    })
}

/// Values of secret-named settings that are not secrets: booleans, numbers, plain
/// URLs without credentials, identity names.
fn harmless(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    if matches!(lower.as_str(), "true" | "false" | "systemassigned" | "userassigned" | "managedidentity")
        || text.parse::<f64>().is_ok()
    {
        return true;
    }
    if let Some(rest) = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")) {
        let authority = rest.split('/').next().unwrap_or_default();
        return !authority.contains('@') && !sas_signature(text);
    }
    false
}

/// Every app setting and connection string of a site or slot: (kind, name, value).
/// The `config/...` children win over `siteConfig` for a name set in both.
pub fn settings<'m>(view: &SiteView<'m>) -> Vec<(SettingKind, &'m str, &'m Node)> {
    let mut out: Vec<(SettingKind, &str, &Node)> =
        view.app_settings().into_iter().map(|(n, v)| (SettingKind::AppSetting, n, v)).collect();
    let model = view.model;
    let mut cs: Vec<(SettingKind, &str, &Node)> = Vec::new();
    if let Lookup::Found(list) = model.res(view.idx).get("properties.siteConfig.connectionStrings", model) {
        for item in list.value.as_array().unwrap_or_default() {
            if let (Some(name), Some(v)) = (item.get("name").and_then(Node::as_str), item.get("connectionString")) {
                cs.push((SettingKind::ConnectionString, name, v));
            }
        }
    }
    if let Some(c) = view.data.connectionstrings
        && let Lookup::Found(props) = model.res(c).get("properties", model)
    {
        for m in props.value.as_object().into_iter().flat_map(|o| o.iter()) {
            // `{"Db": {"value": "...", "type": "SQLAzure"}}`
            let v = m.value.get("value").unwrap_or(&m.value);
            cs.retain(|(_, n, _)| !n.eq_ignore_ascii_case(&m.key));
            cs.push((SettingKind::ConnectionString, &m.key, v));
        }
    }
    out.extend(cs);
    out
}

/// Spans of every literal secret the model holds: app settings and connection strings
/// of sites and slots, and any string property whose name says it is a password or a
/// secret (`administratorLoginPassword`, legacy `authsettings.clientSecret`). Reports
/// mask these before showing source text.
pub fn secret_spans(model: &Model) -> Vec<Span> {
    let mut out = Vec::new();
    for &s in model.of_type(SITE).iter().chain(model.of_type(SLOT)) {
        if let Some(view) = model.site(s) {
            for (kind, name, v) in settings(&view) {
                if matches!(classify(kind, name, v), Verdict::Secret(_)) && !v.span.is_none() {
                    out.push(v.span);
                }
            }
        }
    }
    for r in &model.resources {
        walk(&r.node, false, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

fn walk(n: &Node, secret_key: bool, out: &mut Vec<Span>) {
    match &n.value {
        Value::String(s)
            if secret_key
                && !s.is_empty()
                && !n.span.is_none()
                && !s.trim_start().to_ascii_lowercase().starts_with("@microsoft.keyvault(") =>
        {
            out.push(n.span);
        }
        Value::Object(o) => {
            for m in o.iter() {
                let k = m.key.to_ascii_lowercase();
                let secret = (k.contains("password") || k.contains("secret") || k == "accountkey")
                    && !k.ends_with("settingname")
                    && !k.contains("thumbprint");
                walk(&m.value, secret, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| walk(x, secret_key, out)),
        _ => {}
    }
}

/// The sites and slots (not `existing`) with their secret verdicts, for AUTH006.
pub fn site_verdicts(model: &Model, site: ResIdx) -> Vec<(SettingKind, &str, &Node, Verdict)> {
    let Some(view) = model.site(site) else { return Vec::new() };
    settings(&view).into_iter().map(|(k, n, v)| (k, n, v, classify(k, n, v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Node {
        Node::bare(Value::str(v))
    }

    #[test]
    fn classifies_settings() {
        use SettingKind::*;
        let secret = |k, n, v| matches!(classify(k, n, &s(v)), Verdict::Secret(_));
        assert!(secret(ConnectionString, "Db", "Server=tcp:x.database.windows.net;User ID=a;Password=p4ss;"));
        assert!(!secret(
            ConnectionString,
            "Db",
            "Server=tcp:x.database.windows.net;Authentication=Active Directory Managed Identity;Database=d"
        ));
        assert!(secret(AppSetting, "Storage", "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc=="));
        assert!(secret(AppSetting, "BLOB_URL", "https://a.blob.core.windows.net/c?sv=2022&sig=abc%3D"));
        assert!(secret(AppSetting, "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET", "s3cr3t~value"));
        assert!(!secret(
            AppSetting,
            "DB_PASSWORD",
            "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/db)"
        ));
        assert!(!secret(AppSetting, "DB_PASSWORD", ""));
        assert!(!secret(AppSetting, "KEY_VAULT_URI", "https://kv.vault.azure.net/"));
        assert!(!secret(AppSetting, "AzureWebJobsStorage__credential", "managedidentity"));
        assert!(!secret(AppSetting, "APPINSIGHTS_INSTRUMENTATIONKEY", "00000000-0000-0000-0000-000000000000"));
        assert!(!secret(AppSetting, "API_URL", "https://api-backend.azurewebsites.net"));
        let listed = Node::bare(Value::unknown(UnknownCause::List, "listKeys(...)", Span::NONE));
        assert!(matches!(classify(AppSetting, "X", &listed), Verdict::Secret(_)));
        let param = Node::bare(Value::unknown(UnknownCause::Parameter, "parameters('p')", Span::NONE));
        assert!(matches!(classify(AppSetting, "DB_PASSWORD", &param), Verdict::Unknown(_)));
        assert!(matches!(classify(AppSetting, "API_URL", &param), Verdict::Clean));
    }
}
