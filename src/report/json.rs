//! The JSON report, version 1 (documented in the README): stable field names and order.

use serde_json::{Map, Value, json};

use super::{Location, Report, ResourceRef};
use crate::engine::Severity;

/// Renders the report as pretty-printed JSON, exactly as `to_value` would print.
///
/// Findings and undetermined results are written one at a time into the text: the
/// value tree of a tenant's 20,000 findings costs more memory than the scan's model.
pub fn render(report: &Report) -> String {
    let skeleton = serde_json::to_string_pretty(&skeleton(report)).unwrap_or_default();
    let mut out = String::with_capacity(skeleton.len() + 1024 * (report.findings.len() + report.undetermined.len()));
    let mut rest = skeleton.as_str();
    for (key, items) in [
        ("findings", &mut report.findings.iter().map(finding) as &mut dyn Iterator<Item = Value>),
        ("undetermined", &mut report.undetermined.iter().map(undetermined)),
    ] {
        let empty = format!("\n  \"{key}\": []");
        let Some(at) = rest.find(&empty) else { continue };
        out.push_str(&rest[..at + empty.len() - 1]);
        rest = &rest[at + empty.len() - 1..];
        let mut first = true;
        for item in items {
            out.push_str(if first { "\n" } else { ",\n" });
            first = false;
            for (i, line) in serde_json::to_string_pretty(&item).unwrap_or_default().lines().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                out.push_str("    ");
                out.push_str(line);
            }
        }
        if !first {
            out.push_str("\n  ");
        }
    }
    out.push_str(rest);
    out.push('\n');
    out
}

/// The report as a JSON value.
pub fn to_value(report: &Report) -> Value {
    let mut value = skeleton(report);
    value["findings"] = report.findings.iter().map(finding).collect();
    value["undetermined"] = report.undetermined.iter().map(undetermined).collect();
    value
}

fn finding(f: &super::ReportFinding) -> Value {
    json!({
        "rule": f.code, "name": f.name, "severity": f.severity.as_str(),
        "message": f.message, "help": f.help,
        "resource": resource(&f.resource),
        "location": location(f.location.as_ref()),
        "related": f.related.iter().map(|r| json!({
            "resource": r.resource.as_ref().map(resource),
            "location": location(r.location.as_ref()),
            "message": r.message,
        })).collect::<Vec<_>>(),
    })
}

fn undetermined(u: &super::ReportUndetermined) -> Value {
    json!({
        "rule": u.code, "name": u.name, "severity": u.severity.as_str(),
        "resource": resource(&u.resource),
        "location": location(u.location.as_ref()),
        "reason": u.reason,
    })
}

/// The report with empty `findings` and `undetermined` arrays.
fn skeleton(report: &Report) -> Value {
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
        "findings": [],
        "undetermined": [],
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
