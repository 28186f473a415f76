//! JUnit XML for CI test dashboards: one `<testsuite>` per rule that ran, one
//! `<testcase>` per (rule, resource) — a failure for a finding, skipped for an
//! undetermined result, passed otherwise — the scan's errors as an `azlint.errors`
//! suite, and its coverage gaps (live reads that failed) as failing test cases of an
//! `azlint.coverage` suite.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Location, Report, ReportFinding, ReportUndetermined, ResourceRef};

/// What one (rule, resource) test case holds.
#[derive(Default)]
struct Case<'r> {
    resource: Option<&'r ResourceRef>,
    findings: Vec<&'r ReportFinding>,
    undetermined: Vec<&'r ReportUndetermined>,
}

/// Renders the report as JUnit XML.
pub fn render(report: &Report) -> String {
    // Per rule, the cases keyed by (type, name, lower-cased id) so that output order is
    // fixed and the same resource met twice is one case.
    type Key = (String, String, String);
    let key = |r: &ResourceRef| (r.type_.clone(), r.name.clone(), r.id.to_lowercase());
    let checked: Vec<Vec<ResourceRef>> =
        report.rules.iter().map(|rule| rule.checked.iter().map(|&r| report.resource(r)).collect()).collect();
    let mut suites: BTreeMap<&str, BTreeMap<Key, Case>> = BTreeMap::new();
    for (rule, refs) in report.rules.iter().zip(&checked) {
        let cases = suites.entry(rule.code.as_str()).or_default();
        for r in refs {
            cases.entry(key(r)).or_default().resource = Some(r);
        }
    }
    for f in &report.findings {
        let case = suites.entry(f.code.as_str()).or_default().entry(key(&f.resource)).or_default();
        case.resource = Some(&f.resource);
        case.findings.push(f);
    }
    for u in &report.undetermined {
        let case = suites.entry(u.code.as_str()).or_default().entry(key(&u.resource)).or_default();
        case.resource = Some(&u.resource);
        case.undetermined.push(u);
    }
    let mut names: BTreeMap<&str, &str> = BTreeMap::new();
    let all = report.rules.iter().map(|r| (&r.code, &r.name));
    let all = all.chain(report.findings.iter().map(|f| (&f.code, &f.name)));
    for (code, name) in all.chain(report.undetermined.iter().map(|u| (&u.code, &u.name))) {
        names.entry(code).or_insert(name);
    }

    let mut body = String::new();
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    for (code, cases) in &suites {
        let name = names.get(code).copied().unwrap_or_default();
        let f = cases.values().filter(|c| !c.findings.is_empty()).count();
        let s = cases.values().filter(|c| c.findings.is_empty() && !c.undetermined.is_empty()).count();
        tests += cases.len();
        failures += f;
        skipped += s;
        let _ = writeln!(
            body,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" errors=\"0\" skipped=\"{s}\">",
            attr(&format!("{code} {name}")),
            cases.len()
        );
        for case in cases.values() {
            write_case(&mut body, case);
        }
        body.push_str("  </testsuite>\n");
    }
    if !report.errors.is_empty() {
        let n = report.errors.len();
        tests += n;
        let _ = writeln!(
            body,
            "  <testsuite name=\"azlint.errors\" tests=\"{n}\" failures=\"0\" errors=\"{n}\" skipped=\"0\">"
        );
        for e in &report.errors {
            let place = e.location.as_ref().map(at).or_else(|| e.file.clone());
            let name = match &place {
                Some(p) => format!("{} {p}", e.code),
                None => e.code.clone(),
            };
            let _ = writeln!(body, "    <testcase classname=\"azlint.errors\" name=\"{}\">", attr(&name));
            let _ = writeln!(
                body,
                "      <error message=\"{}\" type=\"{}\">{}</error>",
                attr(&e.message),
                attr(&e.code),
                text(place.as_deref().unwrap_or(""))
            );
            body.push_str("    </testcase>\n");
        }
        body.push_str("  </testsuite>\n");
    }
    if !report.gaps.is_empty() {
        let n = report.gaps.len();
        tests += n;
        failures += n;
        let _ = writeln!(
            body,
            "  <testsuite name=\"azlint.coverage\" tests=\"{n}\" failures=\"{n}\" errors=\"0\" skipped=\"0\">"
        );
        for g in &report.gaps {
            let place = g.location.as_ref().map(at).or_else(|| g.file.clone());
            let _ = writeln!(
                body,
                "    <testcase classname=\"azlint.coverage\" name=\"{}\">",
                attr(&format!("{} {}", g.resource, g.read))
            );
            let details = match &place {
                Some(p) => format!("{p}: {}", g.message_with_help()),
                None => g.message_with_help(),
            };
            let _ = writeln!(
                body,
                "      <failure message=\"{}\" type=\"coverage-gap\">{}</failure>",
                attr(&g.message()),
                text(&details)
            );
            body.push_str("    </testcase>\n");
        }
        body.push_str("  </testsuite>\n");
    }
    let errors = report.errors.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"azlint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">"
    );
    out.push_str(&body);
    out.push_str("</testsuites>\n");
    out
}

fn write_case(out: &mut String, case: &Case) {
    let Some(r) = case.resource else { return };
    let open = format!("    <testcase classname=\"{}\" name=\"{}\"", attr(&r.type_), attr(&r.name));
    if let Some(first) = case.findings.first() {
        let message = match case.findings.len() {
            1 => first.message.clone(),
            n => format!("{} (and {} more)", first.message, n - 1),
        };
        let mut details = Vec::new();
        for f in &case.findings {
            let place = f.location.as_ref().map_or_else(|| "(no location)".to_string(), at);
            let mut d = format!("{place}: {}\n{}", f.message, f.help);
            for rel in &f.related {
                let rp = rel.location.as_ref().map_or_else(String::new, |l| format!(" ({})", at(l)));
                d.push_str(&format!("\nrelated: {}{rp}", rel.message));
            }
            details.push(d);
        }
        let _ = writeln!(out, "{open}>");
        let _ = writeln!(
            out,
            "      <failure message=\"{}\" type=\"{}\">{}</failure>",
            attr(&message),
            first.severity,
            text(&details.join("\n\n"))
        );
        out.push_str("    </testcase>\n");
    } else if !case.undetermined.is_empty() {
        let reasons: Vec<&str> = case.undetermined.iter().map(|u| u.reason.as_str()).collect();
        let _ = writeln!(out, "{open}>");
        let _ =
            writeln!(out, "      <skipped message=\"{}\"/>", attr(&format!("Undetermined: {}", reasons.join("; "))));
        out.push_str("    </testcase>\n");
    } else {
        let _ = writeln!(out, "{open}/>");
    }
}

fn at(l: &Location) -> String {
    format!("{}:{}:{}", l.file, l.line, l.column)
}

/// Escapes element text; characters XML 1.0 cannot hold become U+FFFD.
fn text(s: &str) -> String {
    escape(s, false)
}

/// Escapes an attribute value; line breaks and tabs are kept as character references
/// because a parser would otherwise normalise them to spaces.
fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_control_characters() {
        assert_eq!(attr("a<b & \"c\" 'd'\n"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&#10;");
        assert_eq!(text("x > y\n\u{1}z"), "x &gt; y\n\u{FFFD}z");
    }
}
