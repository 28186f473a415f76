//! Literal secrets in a site's app settings and connection strings (AUTH006), and the
//! spans of every literal secret of a scan, which the text report masks so that no
//! source snippet ever shows one. Only the *kind* of secret and the setting's name
//! leave this module; values never do.

use super::site::{SITE, SLOT};
use super::{Lookup, Model, ResIdx, SiteView};
use crate::value::{Node, Part, Span, UnknownCause, Value};

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
    /// A value derived from a secret source (a `securestring` parameter, a Key Vault
    /// parameter reference, `list*()`), named by that source (`parameters('sqlPassword')`):
    /// the setting holds the secret itself once deployed.
    Tainted(String),
    /// A secret-looking setting whose value cannot be known offline; the reason names
    /// the cause, never the expression (it may embed part of the secret).
    Unknown(String),
    Clean,
}

fn key_vault_reference(text: &str) -> bool {
    text.trim_start().to_ascii_lowercase().starts_with("@microsoft.keyvault(")
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

/// Classifies one setting's value. A redacted value (`{"$redacted": kind}`, see
/// [`redact_setting`]) is what the classifier made of it when it was saved.
pub fn classify(kind: SettingKind, name: &str, value: &Node) -> Verdict {
    let secretish = secret_name(name) || kind == SettingKind::ConnectionString;
    if let Some(saved) = redacted_kind(value) {
        return match saved.strip_prefix(SECRET_PREFIX) {
            Some(what) => Verdict::Secret(known_what(what)),
            None => Verdict::Clean,
        };
    }
    let text = match &value.value {
        Value::String(s) => s.trim(),
        Value::Unknown(u) if u.parts.is_some() => return classify_parts(kind, name, u),
        Value::Unknown(u) if u.cause == UnknownCause::List => {
            return Verdict::Secret("a key or secret fetched with a `list*()` function at deployment");
        }
        Value::Unknown(u) if u.secret.is_some() => {
            return Verdict::Tainted(u.secret.as_deref().unwrap_or_default().to_string());
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

/// Stands for an unknown part when a partly known value is read as text.
const HOLE: char = '\u{1}';

/// A partly known value (`concat('Server=x;Password=p4ss;User=', parameters('u'))`):
/// a secret when a secret key's value has literal text, or comes from `list*()`;
/// undetermined when it comes from an unknown value; otherwise as for unknown values.
fn classify_parts(kind: SettingKind, name: &str, u: &crate::value::Unknown) -> Verdict {
    let parts = u.parts.as_deref().unwrap_or_default();
    let holes: Vec<&crate::value::Unknown> = parts
        .iter()
        .filter_map(|p| match p {
            Part::Hole(h) => Some(&**h),
            Part::Text(_) => None,
        })
        .collect();
    let sketch: String = parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => t.replace(HOLE, ""),
            Part::Hole(_) => HOLE.to_string(),
        })
        .collect();
    // A Key Vault reference whatever the vault or secret is called.
    if sketch.trim_start().to_ascii_lowercase().starts_with("@microsoft.keyvault(") {
        return Verdict::Clean;
    }
    let mut from_unknown = false;
    for r in crate::redact::secret_ranges(&sketch) {
        let value = &sketch[r];
        if value.chars().any(|c| c != HOLE) {
            return Verdict::Secret(secret_kind(&sketch, value));
        }
        // The whole value is unknown parts: which ones?
        let start = sketch[..sketch.find(value).unwrap_or(0)].matches(HOLE).count();
        let n = value.matches(HOLE).count();
        if holes.iter().skip(start).take(n).any(|h| h.cause == UnknownCause::List) {
            return Verdict::Secret("a key or secret fetched with a `list*()` function at deployment");
        }
        from_unknown = true;
    }
    if let Some(source) = holes.iter().filter(|h| h.cause != UnknownCause::List).find_map(|h| h.secret.clone()) {
        return Verdict::Tainted(source.to_string());
    }
    if from_unknown {
        return Verdict::Unknown(format!(
            "the secret in {} `{name}` comes from a value that cannot be known offline ({})",
            kind.label(),
            u.cause.as_str()
        ));
    }
    if holes.iter().any(|h| h.cause == UnknownCause::List) {
        return Verdict::Secret("a key or secret fetched with a `list*()` function at deployment");
    }
    if secret_name(name) || kind == SettingKind::ConnectionString {
        return Verdict::Unknown(format!(
            "the value of {} `{name}` cannot be known offline ({})",
            kind.label(),
            u.cause.as_str()
        ));
    }
    Verdict::Clean
}

/// What the secret of a `key=value` in `text` is, by its key.
fn secret_kind(text: &str, value: &str) -> &'static str {
    let at = text.find(value).unwrap_or(0);
    let key = text[..at].trim_end_matches(['=', ':', ' ']).rsplit([';', '&', '?', ' ', '-']).next().unwrap_or("");
    let key = key.to_ascii_lowercase().replace(' ', "");
    if key == "sig" {
        return "a SAS signature";
    }
    SECRET_KEYS.iter().find(|(k, _)| *k == key).map_or("a secret", |(_, what)| *what)
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

/// The member of the marker that replaces a setting's value in a saved live export.
pub const REDACTED_KEY: &str = "$redacted";
/// The member beside it that keeps the secret-free text the call index reads.
pub const KEPT_KEY: &str = "kept";
/// How a marker records a literal secret: `literal-secret:<what>`.
const SECRET_PREFIX: &str = "literal-secret:";

/// What [`classify`] can say a secret is, so that a marker read back names it the same way.
const WHATS: &[&str] = &[
    "a password",
    "an account key",
    "a shared access key",
    "a SAS signature",
    "a secret",
    "a client secret",
    "an access key",
    "a key",
    "a key or secret fetched with a `list*()` function at deployment",
];

fn known_what(what: &str) -> &'static str {
    WHATS.iter().find(|w| w.eq_ignore_ascii_case(what)).copied().unwrap_or("a secret")
}

/// Connection-string keys that address a service rather than authenticate to it (and
/// every `...Endpoint` key): kept in a redacted value so that calls are still found.
const ADDRESS_KEYS: &[&str] = &[
    "server",
    "datasource",
    "address",
    "addr",
    "networkaddress",
    "host",
    "hostname",
    "accountname",
    "fullyqualifiednamespace",
    "endpointsuffix",
    "defaultendpointsprotocol",
];

/// Replaces an app setting's or connection string's value for a saved live export
/// (docs/live-export.md, "App settings"): `{"$redacted": "<kind>"}`, where the kind is
/// what [`classify`] makes of the value (`literal-secret:<what>`, `key-vault-reference`,
/// `plain`), with `"kept"`: the secret-free text the call index and NET006 read, if
/// any. URLs keep only their scheme and host (`https://api.example.net`), a Key Vault
/// reference only its vault, a connection string only the keys that address a service
/// (`Server`, `AccountName`, `Endpoint`, ...), a flag (`true`, `1`) its value, and a
/// plain value of a setting whose name does not say secret its host names. A secret
/// never survives: reading the file back gives the same AUTH006 and PE006 findings.
pub fn redact_setting(kind: SettingKind, name: &str, value: &str) -> serde_json::Value {
    let text = value.trim();
    let key_vault = text.to_ascii_lowercase().starts_with("@microsoft.keyvault(");
    let verdict = classify(kind, name, &Node::bare(Value::str(text)));
    let secret = matches!(verdict, Verdict::Secret(_));
    let label = match verdict {
        Verdict::Secret(what) => format!("{SECRET_PREFIX}{what}"),
        _ if key_vault => "key-vault-reference".into(),
        _ => "plain".into(),
    };
    let kept = if key_vault { kept_key_vault(text) } else { kept_text(text, secret || secret_name(name)) };
    let mut m = serde_json::Map::new();
    m.insert(REDACTED_KEY.into(), label.into());
    if !kept.is_empty() {
        m.insert(KEPT_KEY.into(), kept.into());
    }
    serde_json::Value::Object(m)
}

/// The kind a redacted value's marker records, when the value is one.
pub fn redacted_kind(n: &Node) -> Option<&str> {
    n.value.as_object()?.get(REDACTED_KEY)?.as_str()
}

/// A setting value's text: the string, or the text a redacted value kept.
pub fn setting_text(n: &Node) -> Option<&str> {
    match &n.value {
        Value::String(s) => Some(s),
        Value::Object(o) if o.contains_key(REDACTED_KEY) => Some(o.get(KEPT_KEY).and_then(Node::as_str).unwrap_or("")),
        _ => None,
    }
}

/// [`setting_text`], or for a value built from symbols its canonical form
/// ([`crate::value::Unknown::canonical`]), whose names are those of the resources named
/// by the same symbols.
pub fn setting_names(n: &Node) -> Option<std::borrow::Cow<'_, str>> {
    match (setting_text(n), &n.value) {
        (Some(t), _) => Some(std::borrow::Cow::Borrowed(t)),
        (None, Value::Unknown(u)) => u.canonical().map(std::borrow::Cow::Owned),
        _ => None,
    }
}

/// Stands for a part of a setting that is not known offline and has no symbol (a
/// runtime value: `reference(…).vaultUri`, `listKeys(…)`): it may be any name.
pub const OPAQUE: &str = "\u{E000}?\u{E001}";

/// [`setting_names`], and for a partly known value whose unknown parts are not all
/// symbolic, its text with each such part as [`OPAQUE`]: the known text still names
/// what it names (`AccountName=st1;AccountKey=` + `listKeys(…)`).
pub fn setting_names_or_opaque(n: &Node) -> Option<std::borrow::Cow<'_, str>> {
    if let Some(t) = setting_names(n) {
        return Some(t);
    }
    let Value::Unknown(u) = &n.value else { return None };
    let parts = u.parts.as_deref()?;
    let mut out = String::new();
    for p in parts {
        match p {
            Part::Text(t) => out.push_str(t),
            Part::Hole(h) => match h.canonical() {
                Some(c) => out.push_str(&c),
                None => out.push_str(OPAQUE),
            },
        }
    }
    Some(std::borrow::Cow::Owned(out))
}

/// `scheme://host` of a URL (no user information, port, path or query).
fn scheme_and_host(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme: String = scheme.chars().rev().take_while(|c| c.is_ascii_alphanumeric() || "+.-".contains(*c)).collect();
    let scheme: String = scheme.chars().rev().collect();
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    (!scheme.is_empty() && !host.is_empty()).then(|| format!("{scheme}://{host}"))
}

/// A DNS name with at least two labels and an alphabetic top-level label.
fn host_like(token: &str) -> bool {
    let labels: Vec<&str> = token.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels.last().is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()))
}

fn kept_key_vault(text: &str) -> String {
    let inner = text.split_once('(').map_or("", |(_, r)| r).trim_end().trim_end_matches(')');
    for part in inner.split(';') {
        let Some((k, v)) = part.split_once('=') else { continue };
        let k = k.trim();
        if k.eq_ignore_ascii_case("VaultName") {
            return format!("@Microsoft.KeyVault(VaultName={})", v.trim());
        }
        if k.eq_ignore_ascii_case("SecretUri")
            && let Some(host) = scheme_and_host(v.trim())
        {
            return format!("@Microsoft.KeyVault(SecretUri={host})");
        }
    }
    "@Microsoft.KeyVault()".into()
}

/// The secret-free parts of a value; `sensitive` when the value or the setting's name
/// says secret, which keeps only what addresses a service.
fn kept_text(text: &str, sensitive: bool) -> String {
    let lower = text.to_ascii_lowercase();
    if !sensitive && matches!(lower.as_str(), "true" | "false" | "0" | "1") {
        return text.to_string();
    }
    let mut parts: Vec<String> = Vec::new();
    let push = |p: String, parts: &mut Vec<String>| {
        if !p.is_empty() && !parts.contains(&p) {
            parts.push(p);
        }
    };
    if text.contains('=') {
        for part in text.split(';') {
            let Some((k, v)) = part.split_once('=') else { continue };
            let key = k.trim().to_ascii_lowercase().replace(' ', "");
            if ADDRESS_KEYS.contains(&key.as_str()) || key.ends_with("endpoint") {
                let v = v.trim();
                let v = scheme_and_host(v).unwrap_or_else(|| v.to_string());
                push(format!("{}={v}", k.trim()), &mut parts);
            }
        }
    }
    for token in text.split(|c: char| c.is_whitespace() || ";,\"'<>()".contains(c)) {
        if token.contains("://")
            && let Some(url) = scheme_and_host(token)
            && !parts.iter().any(|p| p.contains(&url))
        {
            push(url, &mut parts);
        }
    }
    if !sensitive && parts.is_empty() {
        for token in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-')) {
            let token = token.trim_matches('.');
            if host_like(token) {
                push(token.to_string(), &mut parts);
            }
        }
    }
    parts.join(";")
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
                // A setting whose name says secret is masked whatever azlint made of its
                // value: an expression that failed may still hold the literal.
                let named = secret_name(name) && setting_text(v).is_none_or(|t| !key_vault_reference(t));
                // A tainted value's text is an expression that names its secret's
                // source; the secret itself is elsewhere (a parameters file, Key Vault).
                let secret = matches!(classify(kind, name, v), Verdict::Secret(_));
                if (named || secret) && !v.span.is_none() {
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
        // Partly known strings: the literal part decides, else the unknown part.
        let partly = |text: &str, hole: &Node| {
            let Value::Unknown(u) = &hole.value else { unreachable!() };
            let u = crate::value::Unknown::text([Part::Text(text.into()), Part::Hole(u.clone())]).unwrap();
            Node::bare(Value::Unknown(std::sync::Arc::new(u)))
        };
        assert_eq!(
            classify(AppSetting, "PARTIAL_CONN", &partly("Server=tcp:x;Password=p4ss;User=", &param)),
            Verdict::Secret("a password")
        );
        assert!(matches!(classify(AppSetting, "CONN", &partly("Server=tcp:x;Password=", &param)), Verdict::Unknown(_)));
        assert_eq!(classify(AppSetting, "CONN", &partly("https://x/", &param)), Verdict::Clean);
        assert_eq!(
            classify(AppSetting, "STORAGE", &partly("AccountName=a;AccountKey=", &listed)),
            Verdict::Secret("a key or secret fetched with a `list*()` function at deployment")
        );
        // A secure parameter is a secret wherever it flows, named by its source.
        let secure = crate::value::Unknown::new(UnknownCause::Parameter, "parameters('sqlPassword')", Span::NONE)
            .with_secret("parameters('sqlPassword')");
        let secure = Node::bare(Value::Unknown(std::sync::Arc::new(secure)));
        assert_eq!(
            classify(ConnectionString, "Db", &partly("Server=tcp:x;User=a;Password=", &secure)),
            Verdict::Tainted("parameters('sqlPassword')".into())
        );
        assert_eq!(classify(AppSetting, "ANY_NAME", &secure), Verdict::Tainted("parameters('sqlPassword')".into()));
    }

    #[test]
    fn redacted_values_keep_the_verdict_and_the_addresses_only() {
        use SettingKind::*;
        use serde_json::json;
        let r = |k, n, v| redact_setting(k, n, v);
        assert_eq!(
            r(AppSetting, "API_URL", "https://api.example.net/v1?x=1"),
            json!({"$redacted": "plain", "kept": "https://api.example.net"})
        );
        assert_eq!(r(AppSetting, "DB_PASSWORD", "p4ss~w0rd.value"), json!({"$redacted": "literal-secret:a password"}));
        assert_eq!(
            r(AppSetting, "BLOB", "https://user:pw@st.blob.core.windows.net:443/c?sig=abc"),
            json!({"$redacted": "literal-secret:a SAS signature", "kept": "https://st.blob.core.windows.net"})
        );
        assert_eq!(
            r(
                ConnectionString,
                "Bus",
                "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=x;SharedAccessKey=abc="
            ),
            json!({
                "$redacted": "literal-secret:a shared access key",
                "kept": "Endpoint=sb://ns.servicebus.windows.net"
            })
        );
        assert_eq!(
            r(AppSetting, "KV", "@Microsoft.KeyVault(VaultName=kv-shop;SecretName=db)"),
            json!({"$redacted": "key-vault-reference", "kept": "@Microsoft.KeyVault(VaultName=kv-shop)"})
        );
        assert_eq!(r(AppSetting, "WEBSITE_VNET_ROUTE_ALL", "1"), json!({"$redacted": "plain", "kept": "1"}));
        assert_eq!(
            r(AppSetting, "API_KEY_ENABLED", "true"),
            json!({"$redacted": "plain"}),
            "a secret-named flag keeps nothing"
        );
        assert_eq!(
            r(AppSetting, "API_HOST", "api.example.net"),
            json!({"$redacted": "plain", "kept": "api.example.net"})
        );
        assert_eq!(r(AppSetting, "GREETING", "hello world"), json!({"$redacted": "plain"}));
        // Read back, the marker classifies as it was saved and gives its kept text.
        for (name, value) in [("DB_PASSWORD", "p4ss~w0rd.value"), ("API_URL", "https://api.example.net/v1")] {
            let saved = Node::bare(Value::from_json(&r(AppSetting, name, value)));
            assert_eq!(classify(AppSetting, name, &saved), classify(AppSetting, name, &s(value)));
        }
        let saved = Node::bare(Value::from_json(&r(AppSetting, "API_URL", "https://api.example.net/v1")));
        assert_eq!(setting_text(&saved), Some("https://api.example.net"));
        let odd = Node::bare(Value::from_json(&json!({"$redacted": "literal-secret:something new"})));
        assert_eq!(classify(AppSetting, "X", &odd), Verdict::Secret("a secret"));
    }
}
