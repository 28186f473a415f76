//! `azlint.toml`: found by walking up from the scanned path (or `--config FILE`), every
//! key documented in the README, unknown keys rejected with their position.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The file name looked for.
pub const FILE_NAME: &str = "azlint.toml";

/// The whole configuration file.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Only these rules (codes, names or prefixes).
    #[serde(default)]
    pub select: Vec<String>,
    /// Never these rules.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Paths (globs) not scanned.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Lowest severity that fails the run, or `none`.
    #[serde(default, deserialize_with = "fail_on")]
    pub fail_on: Option<String>,
    /// Per-rule severity overrides: `ACL007 = "medium"`.
    #[serde(default, deserialize_with = "severities")]
    pub severity: BTreeMap<String, String>,
    /// Rule options.
    #[serde(default)]
    pub rules: RuleOptionsConfig,
    /// Role globs by resource name.
    #[serde(default)]
    pub roles: RolesConfig,
    /// Accepted risks, each with a reason.
    #[serde(default)]
    pub suppress: Vec<SuppressConfig>,
    /// Settings for some paths only.
    #[serde(default)]
    pub overrides: Vec<OverrideConfig>,
    /// Templates that deploy together and so share one model (each other entry
    /// template is a unit of its own).
    #[serde(default)]
    pub units: Vec<UnitConfig>,
    /// Bicep: where registry modules are read from.
    #[serde(default)]
    pub bicep: BicepConfig,
}

/// `[bicep]`: `module-aliases` maps a registry module prefix to a local folder, as
/// `bicepconfig.json` `moduleAliases` names registries: `"br/public:avm" = "vendor/avm"`
/// reads `br/public:avm/res/web/site:0.1.0` from `vendor/avm/res/web/site/main.bicep`
/// (the version tag is ignored). Folders are relative to the configuration file.
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BicepConfig {
    #[serde(default)]
    pub module_aliases: BTreeMap<String, String>,
}

impl BicepConfig {
    /// The module aliases with their folders made absolute against `base` (the
    /// configuration file's folder).
    pub fn aliases(&self, base: &Path) -> Vec<(String, PathBuf)> {
        self.module_aliases
            .iter()
            .map(|(prefix, folder)| {
                let path = base.join(folder);
                (prefix.clone(), std::fs::canonicalize(&path).unwrap_or(path))
            })
            .collect()
    }
}

/// `[[units]]`: entry templates (path globs) that form one deployment unit.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UnitConfig {
    pub paths: Vec<String>,
}

/// `[rules]`: the network rules' options.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleOptionsConfig {
    pub integration_prefix: Option<u8>,
    pub headroom: Option<u32>,
    pub allow_all_tags: Option<Vec<String>>,
}

/// `[roles]`: resource-name globs that state a site's role.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RolesConfig {
    #[serde(default)]
    pub backends: Vec<String>,
    #[serde(default)]
    pub frontends: Vec<String>,
    /// Sites that validate tokens in code (AUTH001).
    #[serde(default)]
    pub app_auth_in_code: Vec<String>,
}

/// `[[suppress]]`: a rule accepted for resources matching a glob on the resource id.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SuppressConfig {
    pub rule: String,
    /// Glob on the resource id (case-insensitive); `*` for every resource.
    #[serde(default = "any")]
    pub resource: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// `YYYY-MM-DD`: the suppression stops applying after this day.
    #[serde(default)]
    pub until: Option<String>,
}

fn any() -> String {
    "*".into()
}

/// `[[overrides]]`: rule selection and severities for files matching `paths`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OverrideConfig {
    pub paths: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default, deserialize_with = "severities")]
    pub severity: BTreeMap<String, String>,
}

const SEVERITIES: &[&str] = &["critical", "high", "medium", "low", "info"];

/// `fail-on`: a severity or `none`, checked where it is written so the error has its
/// line and column.
fn fail_on<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = String::deserialize(d)?;
    if v.eq_ignore_ascii_case("none") || SEVERITIES.iter().any(|s| s.eq_ignore_ascii_case(&v)) {
        Ok(Some(v))
    } else {
        Err(serde::de::Error::custom(format!(
            "unknown `fail-on` value `{v}`; expected critical, high, medium, low, info or none"
        )))
    }
}

/// `[severity]` tables: every value a severity (a typo must not leave a rule at its
/// default severity unnoticed).
fn severities<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let m = BTreeMap::<String, String>::deserialize(d)?;
    if let Some((k, v)) = m.iter().find(|(_, v)| !SEVERITIES.iter().any(|s| s.eq_ignore_ascii_case(v))) {
        return Err(serde::de::Error::custom(format!(
            "unknown severity `{v}` for `{k}`; expected critical, high, medium, low or info"
        )));
    }
    Ok(m)
}

/// A configuration that could not be read, with the position of the problem.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

impl Config {
    /// Parses a configuration file's text.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|s| {
                    let before = &text[..s.start.min(text.len())];
                    let line = before.matches('\n').count() as u32 + 1;
                    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
                    (Some(line), Some(column))
                })
                .unwrap_or((None, None));
            ConfigError { file: file.to_string(), line, column, message: e.message().to_string() }
        })
    }

    /// Reads `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: display.clone(),
            line: None,
            column: None,
            message: e.to_string(),
        })?;
        Config::parse(&text, &display)
    }
}

/// The `azlint.toml` of the first scanned path: in its folder or the nearest folder above.
pub fn discover(paths: &[PathBuf]) -> Option<PathBuf> {
    let start = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let start = std::fs::canonicalize(&start).ok()?;
    let mut dir = if start.is_file() { start.parent()?.to_path_buf() } else { start };
    loop {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = dir.parent()?.to_path_buf();
    }
}

/// Every key the file accepts, dotted (`rules.headroom`); the README must document each.
pub const KEYS: &[&str] = &[
    "select",
    "ignore",
    "exclude",
    "fail-on",
    "severity",
    "rules.integration-prefix",
    "rules.headroom",
    "rules.allow-all-tags",
    "roles.backends",
    "roles.frontends",
    "roles.app-auth-in-code",
    "suppress.rule",
    "suppress.resource",
    "suppress.reason",
    "suppress.until",
    "overrides.paths",
    "overrides.ignore",
    "overrides.severity",
    "units.paths",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors_with_their_position() {
        let e = Config::parse("select = [\"NET\"]\n[rules]\nheadrom = 3\n", "azlint.toml").unwrap_err();
        assert_eq!((e.line, e.column), (Some(3), Some(1)));
        assert!(e.message.contains("unknown field `headrom`"), "{}", e.message);
    }

    #[test]
    fn bad_levels_are_errors_with_their_position() {
        let e = Config::parse("select = []\nfail-on = \"extreme\"\n", "azlint.toml").unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(11)), "{}", e.message);
        assert!(e.message.contains("critical, high, medium, low, info or none"), "{}", e.message);
        assert_eq!(Config::parse("fail-on = \"NONE\"", "a").map(|c| c.fail_on).ok(), Some(Some("NONE".into())));
        let e = Config::parse("[severity]\nACL007 = \"informational\"\n", "azlint.toml").unwrap_err();
        assert!(e.line.is_some(), "{}", e.message);
        assert!(e.message.contains("unknown severity `informational` for `ACL007`"), "{}", e.message);
    }

    #[test]
    fn parses_every_section() {
        let c = Config::parse(
            r#"
            select = ["NET", "ACL"]
            fail-on = "medium"
            [severity]
            ACL007 = "medium"
            [rules]
            integration-prefix = 27
            [roles]
            backends = ["api-*"]
            [[suppress]]
            rule = "ACL005"
            resource = "*/sites/legacy-*"
            reason = "Kudu is needed until the migration"
            until = "2027-01-31"
            [[overrides]]
            paths = ["legacy/**"]
            ignore = ["TLS"]
            "#,
            "azlint.toml",
        )
        .unwrap();
        assert_eq!(c.select, ["NET", "ACL"]);
        assert_eq!(c.rules.integration_prefix, Some(27));
        assert_eq!(c.suppress[0].until.as_deref(), Some("2027-01-31"));
        assert_eq!(c.overrides[0].ignore, ["TLS"]);
    }
}
