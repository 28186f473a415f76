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
                "| {} | {} {} | {} | {} | {} |",
                f.severity,
                cell(&code(&f.code)),
                cell(&prose(&f.name)),
                cell(&code(&f.resource.name)),
                place(f.location.as_ref()),
                cell(&prose(&f.message))
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
                "- {} {}, {} ({}): {}",
                code(&u.code),
                prose(&u.name),
                code(&u.resource.name),
                place(u.location.as_ref()),
                prose(&u.reason)
            );
        }
        out.push_str("\n</details>\n\n");
    }

    if !report.errors.is_empty() {
        out.push_str("### Errors\n\n");
        for e in &report.errors {
            let at = e.location.as_ref().map_or_else(
                || e.file.as_ref().map(|f| format!(" {}", code(f))).unwrap_or_default(),
                |l| format!(" {}", code(&format!("{}:{}:{}", l.file, l.line, l.column))),
            );
            let _ = writeln!(out, "- {}{at}: {}", code(&e.code), prose(&e.message));
        }
        out.push('\n');
    }

    if !report.gaps.is_empty() {
        out.push_str("### Coverage gaps\n\n");
        out.push_str("Reads that failed; the rules that depend on them report these resources as undetermined.\n\n");
        for g in &report.gaps {
            let at = g.location.as_ref().map_or_else(
                || g.file.as_ref().map(|f| format!(" ({})", code(f))).unwrap_or_default(),
                |l| format!(" ({})", code(&format!("{}:{}:{}", l.file, l.line, l.column))),
            );
            let _ = writeln!(out, "- {} {}{at}: {}", code(&g.resource), code(&g.read), prose(&g.reason));
        }
        out.push('\n');
    }
    out
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

fn place(l: Option<&Location>) -> String {
    l.map_or_else(|| "-".to_string(), |l| cell(&code(&format!("{}:{}", l.file, l.line))))
}

/// A table cell: `|` would end the cell (inside code spans too) and a line break the row.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace("\r\n", "<br>").replace(['\n', '\r'], "<br>")
}

/// A value as a code span, whatever it holds: the fence is longer than any run of
/// backticks inside, so the value cannot close it, and nothing inside is read as
/// Markdown or HTML.
fn code(s: &str) -> String {
    let s = s.replace("\r\n", " ").replace(['\n', '\r'], " ");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.is_empty() { " " } else { "" };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// azlint's prose (a message: sentences with values in backticks) as Markdown: the
/// code spans stay code spans, and everything outside them is escaped, so that a value
/// with backticks of its own can break a span's pairing but never make raw HTML, a
/// link or an image out of the text (emphasis is left alone: it can only restyle).
fn prose(s: &str) -> String {
    let s = s.replace("\r\n", " ").replace(['\n', '\r'], " ");
    let mut out = String::with_capacity(s.len());
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(&code(part));
            continue;
        }
        for c in part.chars() {
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '\\' | '[' | ']' | '|' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_and_line_breaks() {
        assert_eq!(cell("a|b\nc\r\nd"), "a\\|b<br>c<br>d");
    }

    #[test]
    fn values_stay_inside_their_code_spans() {
        assert_eq!(code("api"), "`api`");
        assert_eq!(code("x`<img src=y>`z"), "``x`<img src=y>`z``");
        assert_eq!(code("`a"), "`` `a ``");
        assert_eq!(code("a\nb"), "`a b`");
    }

    #[test]
    fn prose_outside_code_spans_is_inert() {
        assert_eq!(prose("Site `api` is open"), "Site `api` is open");
        let hostile = prose("Site `x`<img src=https://evil.example/x>`y` accepts ![a](b) *c*");
        assert!(!hostile.contains("<img"), "{hostile}");
        assert!(hostile.contains("&lt;img") && hostile.contains("!\\[a\\](b)"), "{hostile}");
    }
}
