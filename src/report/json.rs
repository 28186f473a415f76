//! The JSON report, version 1 (documented in the README): stable field names and order.

use serde_json::{Map, Value, json};

use super::{Location, Report, ResourceRef};
use crate::engine::Severity;

/// Renders the report as pretty-printed JSON.
pub fn render(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(&to_value(report)).unwrap_or_default();
    out.push('\n');
    out
}

/// The report as a JSON value.
pub fn to_value(report: &Report) -> Value {
    let s = &report.summary;
    let mut by_sev = Map::new();
    for sev in Severity::ALL {
        by_sev.insert(sev.as_str().into(), json!(s.by_severity[sev as usize]));
    }
    let mut value = json!({
        "version": 1,
        "tool": {"name": "azlint", "version": env!("CARGO_PKG_VERSION")},
        "summary": {
            "files": s.files, "skipped": s.skipped, "resources": s.resources,
            "findings": s.findings, "undetermined": s.undetermined, "errors": s.errors,
            "errors_by_class": s.errors_by_class.iter().map(|(c, n)| (c.as_str().to_string(), json!(n))).collect::<Map<_, _>>(),
            "warnings": s.warnings,
            "gaps": s.gaps, "suppressed": s.suppressed, "baselined": s.baselined,
            "by_severity": by_sev,
        },
        "findings": report.findings.iter().map(|f| json!({
            "rule": f.code, "name": f.name, "severity": f.severity.as_str(),
            "message": f.message, "help": f.help,
            "resource": resource(&f.resource),
            "location": location(f.location.as_ref()),
            "related": f.related.iter().map(|r| json!({
                "resource": r.resource.as_ref().map(resource),
                "location": location(r.location.as_ref()),
                "message": r.message,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "undetermined": report.undetermined.iter().map(|u| json!({
            "rule": u.code, "name": u.name, "severity": u.severity.as_str(),
            "resource": resource(&u.resource),
            "location": location(u.location.as_ref()),
            "reason": u.reason,
        })).collect::<Vec<_>>(),
        "errors": report.errors.iter().map(error).collect::<Vec<_>>(),
        "warnings": report.warnings.iter().map(error).collect::<Vec<_>>(),
        "skipped": report.skipped.iter().map(|(file, reason)| json!({"file": file, "reason": reason})).collect::<Vec<_>>(),
        "gaps": report.gaps.iter().map(|g| json!({
            "resource": g.resource, "read": g.read, "reason": g.reason,
            "location": gap_location(g),
        })).collect::<Vec<_>>(),
    });
    let obj = value.as_object_mut().expect("an object");
    if !report.suppressed.is_empty() {
        obj.insert(
            "suppressed".into(),
            report
                .suppressed
                .iter()
                .map(|(f, why)| {
                    json!({"rule": f.code, "name": f.name, "severity": f.severity.as_str(), "message": f.message,
                    "resource": resource(&f.resource), "location": location(f.location.as_ref()), "justification": why})
                })
                .collect(),
        );
    }
    if !report.baseline_gone.is_empty() {
        obj.insert(
            "baseline_gone".into(),
            report.baseline_gone.iter().map(|(r, id, f)| json!({"rule": r, "resource": id, "file": f})).collect(),
        );
    }
    value
}

fn error(e: &super::ReportError) -> Value {
    json!({
        "code": e.code, "class": e.class.as_str(), "message": e.message,
        "file": e.file,
        "line": e.location.as_ref().map(|l| l.line),
        "column": e.location.as_ref().map(|l| l.column),
    })
}

/// Where the export records a gap: its position, or just the file.
fn gap_location(g: &super::ReportGap) -> Value {
    match (&g.location, &g.file) {
        (Some(l), _) => location(Some(l)),
        (None, Some(f)) => json!({"file": f}),
        (None, None) => Value::Null,
    }
}

fn resource(r: &ResourceRef) -> Value {
    json!({"id": r.id, "type": r.type_, "name": r.name})
}

fn location(l: Option<&Location>) -> Value {
    match l {
        None => Value::Null,
        Some(l) => json!({
            "file": l.file, "line": l.line, "column": l.column,
            "end_line": l.end_line, "end_column": l.end_column, "pointer": l.pointer,
        }),
    }
}
