//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per
//! finding, undetermined result, error, coverage gap and warning, which the runner turns into
//! annotations on the pull request; then the summary line as plain text.

use std::fmt::Write as _;

use super::{Location, Report, ReportError};
use crate::engine::Severity;

/// The annotation level of a severity.
pub fn command(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

/// Renders the report as workflow commands.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let title = format!("{} {}", f.code, f.name);
        let message = format!("{}\n\n{}", f.message, f.help);
        line(&mut out, command(f.severity), f.location.as_ref(), None, &title, &message);
    }
    for u in &report.undetermined {
        let title = format!("{} {} (undetermined)", u.code, u.name);
        let message = format!("Undetermined for `{}`: {}", u.resource.name, u.reason);
        line(&mut out, "notice", u.location.as_ref(), None, &title, &message);
    }
    for e in &report.errors {
        diagnostic(&mut out, "error", e);
    }
    for g in &report.gaps {
        line(&mut out, "error", g.location.as_ref(), g.file.as_deref(), "azlint coverage-gap", &g.message_with_help());
    }
    for w in &report.warnings {
        diagnostic(&mut out, "warning", w);
    }
    out.push_str(&super::text::summary_line(report));
    out.push('\n');
    out
}

fn diagnostic(out: &mut String, level: &str, e: &ReportError) {
    let title = format!("azlint {}", e.code);
    line(out, level, e.location.as_ref(), e.file.as_deref(), &title, &e.message);
}

fn line(out: &mut String, level: &str, l: Option<&Location>, file: Option<&str>, title: &str, message: &str) {
    let mut props = Vec::new();
    match (l, file) {
        (Some(l), _) => {
            props.push(format!("file={}", property(&l.file.replace('\\', "/"))));
            props.push(format!("line={}", l.line));
            // GitHub accepts columns only on a single-line annotation.
            if l.line == l.end_line {
                props.push(format!("col={}", l.column));
            }
            props.push(format!("endLine={}", l.end_line));
            if l.line == l.end_line {
                props.push(format!("endColumn={}", l.end_column));
            }
        }
        (None, Some(f)) => props.push(format!("file={}", property(&f.replace('\\', "/")))),
        (None, None) => {}
    }
    props.push(format!("title={}", property(title)));
    let _ = writeln!(out, "::{level} {}::{}", props.join(","), data(message));
}

/// Escapes a command's message: `%`, CR and LF.
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value: as data, plus the `:` and `,` that delimit properties.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(data("100%\r\nok: a,b"), "100%25%0D%0Aok: a,b");
        assert_eq!(property("C:\\a,b%\n"), "C%3A\\a%2Cb%25%0A");
    }
}
