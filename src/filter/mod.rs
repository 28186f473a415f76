//! The filter stage (design.md): what the rules found, after the user's decisions —
//! per-rule and per-path severities and ignores from `azlint.toml`, suppressions with
//! reasons (template `metadata`, the `azlint-suppress` tag, the config file), and a
//! baseline of accepted findings.

pub mod baseline;
pub mod config;

use globset::{Glob, GlobMatcher};

use crate::engine::{Finding, Registry, Severity};
use crate::model::{Lookup, Model, OriginKind, ResIdx};
use crate::problem::{Code, Problem};
use crate::source::SourceMap;
use crate::value::{Node, Span};
use config::{Config, SuppressConfig};

/// The tag that suppresses rules on deployed resources: `"ACL005: reason"`, several
/// separated by `|`.
pub const SUPPRESS_TAG: &str = "azlint-suppress";

/// One accepted risk.
#[derive(Debug, Clone)]
pub struct Suppression {
    pub rule: String,
    /// The resource it is written on, or a glob on resource ids (config file).
    pub target: Target,
    pub reason: String,
    pub until: Option<String>,
    /// Where it is written: the metadata entry, the tag, or the config file.
    pub span: Option<Span>,
    pub source: String,
}

#[derive(Debug, Clone)]
pub enum Target {
    Resource(ResIdx),
    Glob(GlobMatcher, String),
}

/// A finding that a suppression accepted, with the justification.
#[derive(Debug, Clone)]
pub struct Suppressed {
    pub finding: Finding,
    pub reason: String,
    pub source: String,
}

/// What the filter kept and why it removed the rest.
#[derive(Debug, Default)]
pub struct Filtered {
    pub suppressed: Vec<Suppressed>,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

/// Today's date (`YYYY-MM-DD`, UTC), or `AZLINT_TODAY` for reproducible tests.
pub fn today() -> String {
    if let Ok(t) = std::env::var("AZLINT_TODAY") {
        return t;
    }
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (y, m, d) = crate::arm::functions::date::civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

fn glob(pattern: &str) -> Option<GlobMatcher> {
    globset::GlobBuilder::new(&pattern.to_ascii_lowercase())
        .literal_separator(false)
        .build()
        .ok()
        .map(|g: Glob| g.compile_matcher())
}

/// Collects the suppressions written in templates, tags and the config file. Entries
/// without a reason are errors and do not apply.
pub fn collect(
    model: &Model,
    sources: &SourceMap,
    config: &Config,
    config_path: Option<&str>,
) -> (Vec<Suppression>, Vec<Problem>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let file_of = |span: Span| sources.get(span.file).map(|f| f.path.clone());
    let invalid = |span: Option<Span>, file: Option<String>, message: String| {
        Problem::error(Code::SuppressionInvalid, message, file, span)
    };
    for (i, r) in model.resources.iter().enumerate() {
        let idx = ResIdx(i as u32);
        if let Some(list) = r.node.path("metadata.azlint.suppress").and_then(|n| n.value.as_array()) {
            for entry in list {
                let text = |k: &str| entry.get(k).and_then(Node::as_str).map(str::trim).filter(|s| !s.is_empty());
                let Some(rule) = text("rule") else {
                    errors.push(invalid(Some(entry.span), file_of(entry.span), "a suppression needs a `rule`".into()));
                    continue;
                };
                let Some(reason) = text("reason") else {
                    errors.push(invalid(
                        Some(entry.span),
                        file_of(entry.span),
                        format!(
                            "the suppression of {rule} on `{}` has no `reason`; every accepted risk needs one",
                            r.name
                        ),
                    ));
                    continue;
                };
                out.push(Suppression {
                    rule: rule.to_string(),
                    target: Target::Resource(idx),
                    reason: reason.to_string(),
                    until: text("until").map(str::to_string),
                    span: Some(entry.span),
                    source: "template metadata".into(),
                });
            }
        }
        if r.kind == OriginKind::State
            && let Lookup::Found(tags) = r.get("tags", model)
            && let Some(tag) = tags.value.as_object().and_then(|o| o.get(SUPPRESS_TAG))
            && let Some(text) = tag.as_str()
        {
            for item in text.split('|').map(str::trim).filter(|s| !s.is_empty()) {
                match item.split_once(':').map(|(a, b)| (a.trim(), b.trim())) {
                    Some((rule, reason)) if !rule.is_empty() && !reason.is_empty() => out.push(Suppression {
                        rule: rule.to_string(),
                        target: Target::Resource(idx),
                        reason: reason.to_string(),
                        until: None,
                        span: Some(tag.span),
                        source: format!("tag `{SUPPRESS_TAG}`"),
                    }),
                    _ => errors.push(invalid(
                        Some(tag.span),
                        file_of(tag.span),
                        format!(
                            "the `{SUPPRESS_TAG}` tag of `{}` must read `RULE: reason`; `{item}` has no reason",
                            r.name
                        ),
                    )),
                }
            }
        }
    }
    for s in &config.suppress {
        let SuppressConfig { rule, resource, reason, until } = s;
        let file = config_path.map(str::to_string);
        match reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            None => errors.push(invalid(
                None,
                file,
                format!("the `[[suppress]]` of {rule} for `{resource}` has no `reason`; every accepted risk needs one"),
            )),
            Some(reason) => match glob(resource) {
                Some(m) => out.push(Suppression {
                    rule: rule.clone(),
                    target: Target::Glob(m, resource.clone()),
                    reason: reason.to_string(),
                    until: until.clone(),
                    span: None,
                    source: config_path.unwrap_or("azlint.toml").to_string(),
                }),
                None => errors.push(invalid(None, file, format!("`{resource}` is not a valid glob"))),
            },
        }
    }
    (out, errors)
}

/// Applies severities, overrides and suppressions to the findings.
pub fn apply(
    findings: &mut Vec<Finding>,
    model: &Model,
    sources: &SourceMap,
    registry: &Registry,
    config: &Config,
    suppressions: &[Suppression],
) -> Filtered {
    let mut out = Filtered::default();
    let overrides: Vec<(Vec<GlobMatcher>, &config::OverrideConfig)> =
        config.overrides.iter().map(|o| (o.paths.iter().filter_map(|p| glob(p)).collect(), o)).collect();
    let sev = |s: &str| s.parse::<Severity>().ok();
    findings.retain_mut(|f| {
        let rule = &registry.rules[f.rule];
        if let Some(s) = config.severity.iter().find(|(k, _)| rule.matches_selector(k)).and_then(|(_, v)| sev(v)) {
            f.severity = s;
        }
        let file =
            sources.get(f.span.file).map(|x| x.path.trim_start_matches("./").to_ascii_lowercase()).unwrap_or_default();
        for (globs, o) in &overrides {
            if globs.iter().any(|g| g.is_match(&file)) {
                if o.ignore.iter().any(|i| rule.matches_selector(i)) {
                    return false;
                }
                if let Some(s) = o.severity.iter().find(|(k, _)| rule.matches_selector(k)).and_then(|(_, v)| sev(v)) {
                    f.severity = s;
                }
            }
        }
        true
    });
    let today = today();
    let mut used = vec![false; suppressions.len()];
    let mut expired_said = vec![false; suppressions.len()];
    findings.retain(|f| {
        let rule = &registry.rules[f.rule];
        let res = model.res(f.resource);
        let parent = model.parent(f.resource);
        for (i, s) in suppressions.iter().enumerate() {
            if !rule.code.eq_ignore_ascii_case(&s.rule) && !rule.name.eq_ignore_ascii_case(&s.rule) {
                continue;
            }
            let applies = match &s.target {
                Target::Resource(r) => *r == f.resource || Some(*r) == parent,
                Target::Glob(m, _) => m.is_match(res.id.to_ascii_lowercase()),
            };
            if !applies {
                continue;
            }
            if let Some(until) = &s.until
                && until.as_str() < today.as_str()
            {
                if !expired_said[i] {
                    expired_said[i] = true;
                    let message = format!(
                        "the suppression of {} on `{}` expired on {until} and no longer applies",
                        s.rule, res.name
                    );
                    out.warnings.push(warning(s, sources, Code::SuppressionExpired, message));
                }
                continue;
            }
            used[i] = true;
            out.suppressed.push(Suppressed { finding: f.clone(), reason: s.reason.clone(), source: s.source.clone() });
            return false;
        }
        true
    });
    for (i, s) in suppressions.iter().enumerate() {
        if !used[i] && !expired_said[i] {
            let what = match &s.target {
                Target::Resource(r) => format!("`{}`", model.res(*r).name),
                Target::Glob(_, g) => format!("resources matching `{g}`"),
            };
            let message = format!("the suppression of {} on {what} matches no finding; remove it", s.rule);
            out.warnings.push(warning(s, sources, Code::SuppressionUnused, message));
        }
    }
    out
}

/// A warning about a suppression, located where it is written.
fn warning(s: &Suppression, sources: &SourceMap, code: Code, message: String) -> Problem {
    let file = s.span.and_then(|sp| sources.get(sp.file)).map(|x| x.path.clone()).or_else(|| Some(s.source.clone()));
    Problem::warning(code, message, file, s.span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_a_date() {
        let t = today();
        assert_eq!(t.len(), 10);
        assert_eq!(&t[4..5], "-");
    }
}
