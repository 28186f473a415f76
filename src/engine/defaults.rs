//! Azure's documented defaults for absent properties (`rules/defaults.toml`), by type,
//! field and API version. An entry may instead say the default is undocumented, which
//! makes a rule that reads the field undetermined rather than guess.

use std::collections::HashMap;

use serde::Deserialize;

use crate::model::{OriginKind, Resource};
use crate::value::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultsFile {
    #[serde(rename = "default")]
    defaults: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Entry {
    types: Vec<String>,
    field: String,
    #[serde(default)]
    value: Option<toml::Value>,
    /// Why no default can be assumed.
    #[serde(default)]
    unknown: Option<String>,
    /// Applies from this API version on (inclusive).
    #[serde(default)]
    min_api_version: Option<String>,
    /// Applies below this API version (exclusive).
    #[serde(default)]
    below_api_version: Option<String>,
    /// The fact-sheet tag or URL the default comes from.
    #[allow(dead_code)]
    source: String,
}

/// The value an absent property takes.
#[derive(Debug, Clone)]
pub enum DefaultValue {
    Value(Value),
    Unknown(String),
}

#[derive(Debug)]
struct Candidate {
    value: DefaultValue,
    min_api: Option<String>,
    below_api: Option<String>,
}

/// The defaults table.
#[derive(Debug, Default)]
pub struct Defaults {
    by_key: HashMap<(String, String), Vec<Candidate>>,
}

impl Defaults {
    pub fn parse(text: &str) -> Result<Defaults, String> {
        let file: DefaultsFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut by_key: HashMap<(String, String), Vec<Candidate>> = HashMap::new();
        for e in file.defaults {
            let value = match (e.value, e.unknown) {
                (Some(v), None) => DefaultValue::Value(from_toml(&v)),
                (None, Some(why)) => DefaultValue::Unknown(why),
                _ => {
                    return Err(format!("default for `{}` needs exactly one of `value` and `unknown`", e.field));
                }
            };
            for t in &e.types {
                by_key.entry((t.to_ascii_lowercase(), e.field.to_ascii_lowercase())).or_default().push(Candidate {
                    value: value.clone(),
                    min_api: e.min_api_version.clone(),
                    below_api: e.below_api_version.clone(),
                });
            }
        }
        Ok(Defaults { by_key })
    }

    /// The default of `field` for `res`, chosen by its `apiVersion`. Deployed state has
    /// no API version of its own: it shows what the current API returns, so the entry
    /// without an upper bound applies.
    pub fn get(&self, res: &Resource, field: &str) -> Option<&DefaultValue> {
        let cands = self.by_key.get(&(res.type_key.to_string(), field.to_ascii_lowercase()))?;
        let api = res.node.get("apiVersion").and_then(|n| n.as_str());
        let fits = |c: &&Candidate| match (res.kind, api) {
            (OriginKind::Template, Some(api)) => {
                c.min_api.as_deref().is_none_or(|m| api_cmp(api, m) >= 0)
                    && c.below_api.as_deref().is_none_or(|b| api_cmp(api, b) < 0)
            }
            _ => c.below_api.is_none(),
        };
        cands.iter().find(fits).map(|c| &c.value)
    }
}

/// Compares API versions (`2019-04-01`, `2021-06-01-preview`) by their date part.
fn api_cmp(a: &str, b: &str) -> i32 {
    let date = |s: &str| s.get(..10).unwrap_or(s).to_string();
    match date(a).cmp(&date(b)) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    }
}

fn from_toml(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::str(s.as_str()),
        toml::Value::Integer(i) => Value::Int(*i),
        toml::Value::Float(f) => Value::Float(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        other => Value::str(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_version_ranges_choose_the_default() {
        let d = Defaults::parse(
            r#"
            [[default]]
            types = ["Microsoft.Storage/storageAccounts"]
            field = "properties.supportsHttpsTrafficOnly"
            value = true
            min-api-version = "2019-04-01"
            source = "test"
            [[default]]
            types = ["Microsoft.Storage/storageAccounts"]
            field = "properties.supportsHttpsTrafficOnly"
            value = false
            below-api-version = "2019-04-01"
            source = "test"
        "#,
        )
        .unwrap();
        assert_eq!(api_cmp("2018-02-01", "2019-04-01"), -1);
        assert_eq!(api_cmp("2021-06-01-preview", "2021-06-01"), 0);
        assert_eq!(d.by_key.len(), 1);
    }
}
