//! SARIF 2.1.0 for code-scanning uploads: the rules that ran as `tool.driver.rules`,
//! findings as results with physical, logical and related locations and fingerprints that
//! survive line moves, undetermined results as `open` results, errors, coverage gaps
//! (descriptor `coverage-gap`) and warnings as tool execution notifications.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use sha1::{Digest, Sha1};

use super::{Location, Report, ReportError, ReportGap, ReportRule, ResourceRef};
use crate::engine::Severity;

/// Where the `$schema` of the output points (the OASIS 2.1.0 schema, as published).
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The base that relative artifact URIs resolve against: the folder azlint ran in.
const SRCROOT: &str = "%SRCROOT%";

/// Renders the report as a pretty-printed SARIF log.
pub fn render(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(&to_value(report)).unwrap_or_default();
    out.push('\n');
    out
}

/// The SARIF level of a severity: what code scanning shows as error, warning or note.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning's `security-severity` (a CVSS-like score: over 9 critical, 7 to
/// 8.9 high, 4 to 6.9 medium, under 4 low).
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// The SARIF log as a JSON value.
pub fn to_value(report: &Report) -> Value {
    let index: BTreeMap<&str, usize> = report.rules.iter().enumerate().map(|(i, r)| (r.code.as_str(), i)).collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut results = Vec::new();
    // Suppressed findings are carried as results with a `suppressions` entry holding the
    // justification (kind `inSource` for template metadata and tags, `external` for the
    // config file), so code scanning shows them as dismissed with the reason.
    let all =
        report.findings.iter().map(|f| (f, None)).chain(report.suppressed_all.iter().map(|(f, why)| (f, Some(why))));
    for (f, suppressed) in all {
        let mut r = Map::new();
        rule_ref(&mut r, &f.code, &index);
        r.insert("kind".into(), json!("fail"));
        r.insert("level".into(), json!(level(f.severity)));
        r.insert("message".into(), json!({"text": f.message}));
        r.insert("locations".into(), json!([location(f.location.as_ref(), &f.resource)]));
        if !f.related.is_empty() {
            let related: Vec<Value> = f
                .related
                .iter()
                .enumerate()
                .map(|(i, rel)| {
                    let mut l = location_value(rel.location.as_ref(), rel.resource.as_ref());
                    l.insert("id".into(), json!(i + 1));
                    l.insert("message".into(), json!({"text": rel.message}));
                    Value::Object(l)
                })
                .collect();
            r.insert("relatedLocations".into(), Value::Array(related));
        }
        r.insert("partialFingerprints".into(), fingerprints(&f.code, &f.resource, f.location.as_ref(), &mut seen));
        r.insert("properties".into(), json!({"severity": f.severity.as_str(), "help": f.help}));
        if let Some(why) = suppressed {
            let kind =
                if why.ends_with("(template metadata)") || why.contains("(tag `") { "inSource" } else { "external" };
            r.insert("suppressions".into(), json!([{"kind": kind, "status": "accepted", "justification": why}]));
        }
        results.push(Value::Object(r));
    }
    // Undetermined: SARIF's `open` kind is exactly "evaluated, but not enough information
    // to decide"; the specification (3.27.10) requires level `none` for any kind but `fail`.
    for u in &report.undetermined {
        let mut r = Map::new();
        rule_ref(&mut r, &u.code, &index);
        r.insert("kind".into(), json!("open"));
        r.insert("level".into(), json!("none"));
        r.insert("message".into(), json!({"text": format!("Undetermined for `{}`: {}", u.resource.name, u.reason)}));
        r.insert("locations".into(), json!([location(u.location.as_ref(), &u.resource)]));
        r.insert("partialFingerprints".into(), fingerprints(&u.code, &u.resource, u.location.as_ref(), &mut seen));
        r.insert("properties".into(), json!({"severity": u.severity.as_str(), "undetermined": true}));
        results.push(Value::Object(r));
    }
    let mut notifications: Vec<Value> = report.errors.iter().map(|e| notification(e, "error")).collect();
    notifications.extend(report.gaps.iter().map(gap_notification));
    notifications.extend(report.warnings.iter().map(|w| notification(w, "warning")));
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "azlint",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": report.rules.iter().map(rule).collect::<Vec<_>>(),
            }},
            "invocations": [{
                "executionSuccessful": !report.incomplete(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {"summary": {
                "files": report.summary.files,
                "skipped": report.summary.skipped,
                "resources": report.summary.resources,
                "findings": report.summary.findings,
                "undetermined": report.summary.undetermined,
                "errors": report.summary.errors,
                "warnings": report.summary.warnings,
                "gaps": report.summary.gaps,
            }},
        }],
    })
}

fn rule_ref(r: &mut Map<String, Value>, code: &str, index: &BTreeMap<&str, usize>) {
    r.insert("ruleId".into(), json!(code));
    if let Some(i) = index.get(code) {
        r.insert("ruleIndex".into(), json!(i));
    }
}

fn rule(r: &ReportRule) -> Value {
    let mut v = json!({
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": first_paragraph(&r.docs).unwrap_or_else(|| r.title.clone())},
        "help": {"text": format!("{}\n\n{}", r.help, r.docs.trim()), "markdown": help_markdown(r)},
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {
            "security-severity": security_severity(r.severity),
            "severity": r.severity.as_str(),
            "tags": ["security", "azure", r.area.to_ascii_lowercase()],
        },
    });
    if let Some(uri) = r.references.first() {
        v["helpUri"] = json!(uri);
    }
    v
}

fn help_markdown(r: &ReportRule) -> String {
    let mut s = format!("{}\n\n**Fix:** {}", r.docs.trim(), r.help);
    if !r.references.is_empty() {
        s.push_str("\n\n**References:**\n");
        for u in &r.references {
            s.push_str(&format!("- {u}\n"));
        }
    }
    s
}

/// The first paragraph of the docs that is not a heading, joined into one line.
fn first_paragraph(docs: &str) -> Option<String> {
    let mut lines = Vec::new();
    for line in docs.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            if !lines.is_empty() {
                break;
            }
            continue;
        }
        lines.push(line);
    }
    (!lines.is_empty()).then(|| lines.join(" "))
}

/// A result location: physical when the finding has a place in a file, logical always.
fn location(l: Option<&Location>, res: &ResourceRef) -> Value {
    Value::Object(location_value(l, Some(res)))
}

fn location_value(l: Option<&Location>, res: Option<&ResourceRef>) -> Map<String, Value> {
    let mut v = Map::new();
    if let Some(l) = l {
        v.insert(
            "physicalLocation".into(),
            json!({
                "artifactLocation": artifact(&l.file),
                "region": {
                    "startLine": l.line, "startColumn": l.column,
                    "endLine": l.end_line, "endColumn": l.end_column,
                },
            }),
        );
    }
    if let Some(res) = res {
        v.insert(
            "logicalLocations".into(),
            json!([{
                "name": res.name,
                "fullyQualifiedName": res.id,
                "kind": "resource",
                "properties": {"resourceType": res.type_},
            }]),
        );
    }
    v
}

/// The file as given on the command line, with forward slashes; relative paths stay
/// relative to `%SRCROOT%`, absolute ones become `file://` URIs.
fn artifact(file: &str) -> Value {
    let path = file.replace('\\', "/");
    let drive = path.len() >= 2 && path.as_bytes()[1] == b':' && path.as_bytes()[0].is_ascii_alphabetic();
    if path.starts_with('/') {
        json!({"uri": format!("file://{}", encode(&path))})
    } else if drive {
        json!({"uri": format!("file:///{}", encode(&path))})
    } else {
        json!({"uri": encode(&path), "uriBaseId": SRCROOT})
    }
}

/// Percent-encodes what a URI reference cannot hold literally.
fn encode(path: &str) -> String {
    let mut s = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:@!$&'()*+,;=".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// `azlint/v1`: a hash of the rule, the resource id (ARM ids compare case-insensitively)
/// and the file, never the line, so a result keeps its identity when lines move; `:n`
/// numbers results that share all three, in report order.
fn fingerprints(code: &str, res: &ResourceRef, l: Option<&Location>, seen: &mut BTreeMap<String, usize>) -> Value {
    let mut h = Sha1::new();
    h.update(code.as_bytes());
    h.update([0]);
    h.update(res.id.to_lowercase().as_bytes());
    h.update([0]);
    h.update(l.map_or(String::new(), |l| l.file.replace('\\', "/")).as_bytes());
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let n = seen.entry(hex.clone()).or_insert(0);
    *n += 1;
    json!({"azlint/v1": format!("{hex}:{n}")})
}

fn notification(e: &ReportError, level: &str) -> Value {
    let mut v = json!({
        "level": level,
        "message": {"text": e.message},
        "descriptor": {"id": e.code},
        "properties": {"class": e.class.as_str()},
    });
    let loc = match (&e.location, &e.file) {
        (Some(l), _) => Some(location_value(Some(l), None)),
        (None, Some(f)) => {
            let mut m = Map::new();
            m.insert("physicalLocation".into(), json!({"artifactLocation": artifact(f)}));
            Some(m)
        }
        (None, None) => None,
    };
    if let Some(l) = loc {
        v["locations"] = json!([Value::Object(l)]);
    }
    v
}

/// A coverage gap as an `error` notification (descriptor `coverage-gap`): where the
/// export records it, and the resource as a logical location.
fn gap_notification(g: &ReportGap) -> Value {
    let mut l = match (&g.location, &g.file) {
        (Some(l), _) => location_value(Some(l), None),
        (None, Some(f)) => {
            let mut m = Map::new();
            m.insert("physicalLocation".into(), json!({"artifactLocation": artifact(f)}));
            m
        }
        (None, None) => Map::new(),
    };
    l.insert("logicalLocations".into(), json!([{"fullyQualifiedName": g.resource, "kind": "resource"}]));
    json!({
        "level": "error",
        "message": {"text": g.message_with_help()},
        "descriptor": {"id": "coverage-gap"},
        "locations": [Value::Object(l)],
        "properties": {"resource": g.resource, "read": g.read, "reason": g.reason},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_uris_keep_relative_paths_relative() {
        assert_eq!(artifact("fixtures\\a b.json"), json!({"uri": "fixtures/a%20b.json", "uriBaseId": "%SRCROOT%"}));
        assert_eq!(artifact("/tmp/x.json"), json!({"uri": "file:///tmp/x.json"}));
        assert_eq!(artifact("C:\\infra\\x.json"), json!({"uri": "file:///C:/infra/x.json"}));
    }

    #[test]
    fn first_paragraph_skips_headings_and_joins_lines() {
        let docs = "## What it does\nFlags a site\nthat is open.\n\n## Why\nBecause.";
        assert_eq!(first_paragraph(docs).as_deref(), Some("Flags a site that is open."));
        assert_eq!(first_paragraph("## Only a heading"), None);
    }
}
