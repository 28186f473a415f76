//! Human-readable output: each finding rendered by miette with the source snippet, the
//! offending value underlined, related resources as secondary labels and the fix as
//! help; then errors, coverage gaps (with the gap's entry in the live export), warnings,
//! undetermined results and a closing summary line. This is the only
//! module that knows miette.

use std::fmt::Write as _;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use super::{Location, Report, ReportFinding};
use crate::engine::Severity;

/// How to render.
#[derive(Clone, Copy, Debug)]
pub struct TextOptions {
    pub color: bool,
    /// Terminal width for wrapping.
    pub width: usize,
    /// Only the summary line and errors.
    pub quiet: bool,
}

#[derive(Debug)]
struct Rendered {
    message: String,
    code: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
}

impl std::fmt::Display for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() { None } else { Some(Box::new(self.labels.iter().cloned())) }
    }
}

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Critical | Severity::High => miette::Severity::Error,
        Severity::Medium => miette::Severity::Warning,
        Severity::Low | Severity::Info => miette::Severity::Advice,
    }
}

/// Renders the whole report.
pub fn render(report: &Report, opts: TextOptions) -> String {
    let theme = if opts.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(opts.width).with_links(false);
    let mut out = String::new();
    let mut emit = |d: &Rendered| {
        let _ = handler.render_report(&mut out, d);
        out.push('\n');
    };
    if !opts.quiet {
        for f in &report.findings {
            emit(&finding(report, f));
        }
    }
    for e in &report.errors {
        let (source, labels) = match &e.location {
            Some(l) => snippet(report, l, "here"),
            None => (None, Vec::new()),
        };
        let message = match (&e.file, &e.location) {
            (Some(_), Some(l)) => format!("{}:{}:{}: {}", l.file, l.line, l.column, e.message),
            (Some(f), None) => format!("{f}: {}", e.message),
            _ => e.message.clone(),
        };
        emit(&Rendered {
            message,
            code: e.code.clone(),
            severity: miette::Severity::Error,
            help: None,
            source,
            labels,
        });
    }
    if !report.gaps.is_empty() {
        let _ = writeln!(
            out,
            "Coverage gaps (live reads that failed; the rules that depend on them are undetermined{}):\n",
            if report.allow_partial { ", accepted with --allow-partial" } else { "" }
        );
        for g in &report.gaps {
            let (source, labels) = match &g.location {
                Some(l) => snippet(report, l, &format!("reading `{}` failed", g.read)),
                None => (None, Vec::new()),
            };
            let message = match (&g.file, &g.location) {
                (_, Some(l)) => format!("{}:{}:{}: {}", l.file, l.line, l.column, g.message()),
                (Some(f), None) => format!("{f}: {}", g.message()),
                (None, None) => g.message(),
            };
            let d = Rendered {
                message,
                code: "coverage-gap".into(),
                severity: if report.allow_partial { miette::Severity::Warning } else { miette::Severity::Error },
                help: Some(super::GAP_HELP.into()),
                source,
                labels,
            };
            let _ = handler.render_report(&mut out, &d);
            out.push('\n');
        }
    }
    if !opts.quiet && !report.warnings.is_empty() {
        let _ = writeln!(out, "Warnings (the scan is complete; these were not checked or need attention):");
        for w in &report.warnings {
            let at = w.location.as_ref().map_or_else(
                || w.file.clone().map(|f| format!("{f}: ")).unwrap_or_default(),
                |l| format!("{}:{}:{}: ", l.file, l.line, l.column),
            );
            let _ = writeln!(out, "  {at}{} [{}]", w.message, w.code);
        }
        out.push('\n');
    }
    if !opts.quiet && !report.undetermined.is_empty() {
        let _ = writeln!(out, "Undetermined (no finding, not known to pass; `--strict` counts them as findings):");
        for u in &report.undetermined {
            let at = u.location.as_ref().map_or_else(String::new, |l| format!("{}:{}:{}: ", l.file, l.line, l.column));
            let _ = writeln!(out, "  {at}{} `{}`: {}", u.code, u.resource.name, u.reason);
        }
        out.push('\n');
    }
    if !opts.quiet && !report.suppressed.is_empty() {
        let _ = writeln!(out, "Suppressed (accepted risks, not counted against --fail-on):");
        for (f, why) in &report.suppressed {
            let at = f.location.as_ref().map_or_else(String::new, |l| format!("{}:{}:{}: ", l.file, l.line, l.column));
            let _ = writeln!(out, "  {at}{} `{}`: {} — {why}", f.code, f.resource.name, f.message);
        }
        out.push('\n');
    }
    if !report.baseline_gone.is_empty() {
        let _ = writeln!(out, "Baseline entries that no longer occur (remove them from the baseline):");
        for (rule, id, file) in &report.baseline_gone {
            let _ = writeln!(out, "  {file}: {rule} {id}");
        }
        out.push('\n');
    }
    out.push_str(&summary_line(report));
    out.push('\n');
    out
}

fn finding(report: &Report, f: &ReportFinding) -> Rendered {
    let (source, mut labels) = match &f.location {
        Some(l) => snippet(report, l, &f.title),
        None => (None, Vec::new()),
    };
    let mut notes = Vec::new();
    for r in &f.related {
        match (&r.location, &f.location) {
            (Some(rl), Some(fl)) if rl.file == fl.file => {
                labels.push(LabeledSpan::new(
                    Some(r.message.clone()),
                    rl.span.start as usize,
                    (rl.span.end - rl.span.start) as usize,
                ));
            }
            (Some(rl), _) => notes.push(format!("{} ({}:{}:{})", r.message, rl.file, rl.line, rl.column)),
            (None, _) => notes.push(r.message.clone()),
        }
    }
    let mut help = f.help.clone();
    for n in notes {
        help.push_str("\nrelated: ");
        help.push_str(&n);
    }
    let message = match &f.location {
        Some(l) => format!("{}:{}:{}: {}", l.file, l.line, l.column, f.message),
        None => f.message.clone(),
    };
    Rendered {
        message,
        code: format!("{}({})", f.code, f.name),
        severity: miette_severity(f.severity),
        help: Some(help),
        source,
        labels,
    }
}

fn snippet(report: &Report, l: &Location, label: &str) -> (Option<NamedSource<String>>, Vec<LabeledSpan>) {
    let Some(file) = report.sources.get(l.span.file) else {
        return (None, Vec::new());
    };
    let source = NamedSource::new(&file.path, masked(report, l.span.file, &file.text)).with_language("json");
    let span = SourceSpan::new((l.span.start as usize).into(), (l.span.end - l.span.start) as usize);
    (Some(source), vec![LabeledSpan::new_primary_with_span(Some(label.to_string()), span)])
}

/// The file's text with every literal secret replaced by `*`, byte for byte, so that
/// spans stay valid and no snippet (of this finding or a neighbouring line) shows one.
fn masked(report: &Report, file: crate::value::FileId, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for s in report.redact.iter().filter(|s| s.file == file) {
        let (a, b) = (s.start as usize, (s.end as usize).min(bytes.len()));
        for x in bytes.iter_mut().take(b).skip(a) {
            // Keep the quotes so the snippet still reads as JSON.
            if *x != b'"' {
                *x = b'*';
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// "12 files (3 skipped, 0 errors), 45 resources: 3 findings (1 critical, 2 high), 4 undetermined".
pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let sev: Vec<String> = Severity::ALL
        .iter()
        .filter(|x| s.by_severity[**x as usize] > 0)
        .map(|x| format!("{} {}", s.by_severity[*x as usize], x))
        .collect();
    let findings = if sev.is_empty() {
        format!("{} findings", s.findings)
    } else {
        format!("{} findings ({})", s.findings, sev.join(", "))
    };
    let mut line = format!(
        "{} files ({} skipped, {} errors), {} resources: {findings}, {} undetermined",
        s.files, s.skipped, s.errors, s.resources, s.undetermined
    );
    if s.gaps > 0 {
        let allowed = if report.allow_partial { " (allowed)" } else { "" };
        line.push_str(&format!(", {} coverage {}{allowed}", s.gaps, if s.gaps == 1 { "gap" } else { "gaps" }));
    }
    if s.suppressed > 0 {
        line.push_str(&format!(", {} suppressed", s.suppressed));
    }
    if s.baselined > 0 {
        line.push_str(&format!(", {} in the baseline", s.baselined));
    }
    line
}
