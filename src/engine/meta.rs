//! Rule metadata as written in `rules/<area>/<CODE>-<name>.toml`, and severities.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

use super::condition::Condition;

/// How bad a finding is (rule catalog: critical, high, medium, low, info).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|x| x.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown severity `{s}`; expected critical, high, medium, low or info"))
    }
}

/// A rule file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleFile {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub title: String,
    pub resource_types: Vec<String>,
    /// The finding's message; `{resource}`, `{type}`, `{field}` and `{value}` are filled in.
    /// Native rules build their own messages and leave it out.
    #[serde(default)]
    pub message: Option<String>,
    pub help: String,
    pub docs: String,
    #[serde(default)]
    pub references: Vec<String>,
    /// An Azure Policy-style condition (JSON text) that is true for a bad resource.
    #[serde(default)]
    pub check: Option<String>,
    /// The name of a cross-resource check in `src/rules/`.
    #[serde(default)]
    pub native: Option<String>,
    /// The options the rule reads, with their defaults (`[options]`, kebab-case names).
    /// azlint.toml `[rules]` and the command line set them by name.
    #[serde(default)]
    pub options: toml::Table,
}

/// A loaded rule.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub title: String,
    pub resource_types: Vec<String>,
    pub message: Option<String>,
    pub help: String,
    pub docs: String,
    pub references: Vec<String>,
    pub kind: RuleKind,
    /// The options the rule reads, with their defaults (its file's `[options]`).
    pub options: toml::Table,
    /// Where the rule was loaded from (`rules/tls/TLS001-https-only-disabled.toml`).
    pub source: String,
}

/// How a rule decides.
#[derive(Debug)]
pub enum RuleKind {
    Declarative(Condition),
    Native(super::NativeFn),
}

impl RuleMeta {
    /// The rule's area: the letters of its code (`NET`, `TLS`).
    pub fn area(&self) -> &str {
        self.code.trim_end_matches(|c: char| c.is_ascii_digit())
    }

    /// Whether `sel` (a code, a name, or a code prefix such as `NET`) names this rule.
    pub fn matches_selector(&self, sel: &str) -> bool {
        self.code.eq_ignore_ascii_case(sel)
            || self.name.eq_ignore_ascii_case(sel)
            || (!sel.is_empty() && self.code.len() > sel.len() && self.code[..sel.len()].eq_ignore_ascii_case(sel))
    }
}
