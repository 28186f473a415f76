//! A Markdown summary for pull-request comments and `$GITHUB_STEP_SUMMARY`: a verdict,
//! counts by severity, the findings worst first, undetermined results folded away, the
//! errors that made the scan incomplete, and the coverage gaps (live reads that failed).

use std::fmt::Write as _;

use super::{FailOn, Location, Report, ReportFinding};
use crate::engine::Severity;

/// Renders the report as GitHub-flavoured Markdown; `fail_on` decides the verdict.
pub fn render(report: &Report, fail_on: FailOn) -> String {
    let s = &report.summary;
    let mut out = String::from("## azlint\n\n");
    let scope = format!(
        "{} {} ({} skipped), {} {}",
        s.files,
        plural(s.files, "file", "files"),
        s.skipped,
        s.resources,
        plural(s.resources, "resource", "resources")
    );
    let verdict = match report.exit_code(fail_on) {
        2 => {
            let mut why = Vec::new();
            if s.errors > 0 {
                why.push(format!(
                    "{} {} stopped the scan of some input",
                    s.errors,
                    plural(s.errors, "error", "errors")
                ));
            }
            if s.gaps > 0 && !report.allow_partial {
                why.push(format!(
                    "{} {} left resources unread",
                    s.gaps,
                    plural(s.gaps, "coverage gap", "coverage gaps")
                ));
            }
            format!(
                "**Incomplete**: {}; {} {} in {scope}",
                why.join(" and "),
                s.findings,
                plural(s.findings, "finding", "findings")
            )
        }
        1 => {
            let min = match fail_on {
                FailOn::Severity(min) => min,
                FailOn::None => Severity::Info,
            };
            let failing = report.findings.iter().filter(|f| f.severity >= min).count();
            format!("**Failed**: {failing} {} at or above `{min}` in {scope}", plural(failing, "finding", "findings"))
        }
        _ if s.findings == 0 => format!("**Passed**: no findings in {scope}"),
        _ => format!(
            "**Passed**: {} {} below the failing severity in {scope}",
            s.findings,
            plural(s.findings, "finding", "findings")
        ),
    };
    let accepted = if s.gaps > 0 && report.allow_partial {
        format!("; {} {} accepted with `--allow-partial`", s.gaps, plural(s.gaps, "coverage gap", "coverage gaps"))
    } else {
        String::new()
    };
    let _ = writeln!(out, "{verdict}; {} undetermined{accepted}.\n", s.undetermined);

    out.push_str("| severity | findings |\n|---|---:|\n");
    for sev in Severity::ALL {
        let _ = writeln!(out, "| {sev} | {} |", s.by_severity[sev as usize]);
    }
    out.push('\n');

    if !report.findings.is_empty() {
        let mut findings: Vec<&ReportFinding> = report.findings.iter().collect();
        findings.sort_by(|a, b| {
            let pos =
                |f: &ReportFinding| f.location.as_ref().map(|l| (l.file.clone(), l.line, l.column)).unwrap_or_default();
            b.severity.cmp(&a.severity).then_with(|| pos(a).cmp(&pos(b))).then_with(|| a.code.cmp(&b.code))
        });
        out.push_str("### Findings\n\n| severity | rule | resource | location | message |\n|---|---|---|---|---|\n");
        for f in findings {
            let _ = writeln!(
                out,
                "| {} | `{}` {} | `{}` | {} | {} |",
                f.severity,
                f.code,
                cell(&f.name),
                cell(&f.resource.name),
                place(f.location.as_ref()),
                cell(&f.message)
            );
        }
        out.push('\n');
    }

    if !report.undetermined.is_empty() {
        let n = report.undetermined.len();
        let _ = writeln!(
            out,
            "<details><summary>{n} undetermined {} (no finding, not known to pass)</summary>\n",
            plural(n, "result", "results")
        );
        for u in &report.undetermined {
            let _ = writeln!(
                out,
                "- `{}` {}, `{}` ({}): {}",
                u.code,
                u.name,
                line(&u.resource.name),
                place(u.location.as_ref()),
                line(&u.reason)
            );
        }
        out.push_str("\n</details>\n\n");
    }

    if !report.errors.is_empty() {
        out.push_str("### Errors\n\n");
        for e in &report.errors {
            let at = e.location.as_ref().map_or_else(
                || e.file.as_ref().map(|f| format!(" `{}`", line(f))).unwrap_or_default(),
                |l| format!(" `{}:{}:{}`", line(&l.file), l.line, l.column),
            );
            let _ = writeln!(out, "- `{}`{at}: {}", e.code, line(&e.message));
        }
        out.push('\n');
    }

    if !report.gaps.is_empty() {
        out.push_str("### Coverage gaps\n\n");
        out.push_str("Reads that failed; the rules that depend on them report these resources as undetermined.\n\n");
        for g in &report.gaps {
            let at = g.location.as_ref().map_or_else(
                || g.file.as_ref().map(|f| format!(" (`{}`)", line(f))).unwrap_or_default(),
                |l| format!(" (`{}:{}:{}`)", line(&l.file), l.line, l.column),
            );
            let _ = writeln!(out, "- `{}` `{}`{at}: {}", line(&g.resource), line(&g.read), line(&g.reason));
        }
        out.push('\n');
    }
    out
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

fn place(l: Option<&Location>) -> String {
    l.map_or_else(|| "-".to_string(), |l| format!("`{}:{}`", cell(&l.file), l.line))
}

/// A table cell: `|` would end the cell and a line break the row.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace("\r\n", "<br>").replace(['\n', '\r'], "<br>")
}

/// A list item: a line break would end the item.
fn line(s: &str) -> String {
    s.replace("\r\n", " ").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_and_line_breaks() {
        assert_eq!(cell("a|b\nc\r\nd"), "a\\|b<br>c<br>d");
        assert_eq!(line("a\nb"), "a b");
    }
}
