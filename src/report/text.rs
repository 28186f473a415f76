//! Human-readable output: each finding rendered by miette with the source snippet, the
//! offending value underlined, related resources as secondary labels and the fix as
//! help; then errors, coverage gaps (with the gap's entry in the live export), warnings,
//! undetermined results and a closing summary line. This is the only
//! module that knows miette.

use std::fmt::Write as _;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};

use super::excerpt::{self, Excerpt, Masks};
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
    source: Option<Source>,
    labels: Vec<LabeledSpan>,
}

/// The excerpt of one file that a diagnostic shows ([`excerpt`]), as miette reads it.
#[derive(Debug)]
struct Source {
    name: String,
    excerpt: Excerpt,
}

impl SourceCode for Source {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let w = self.excerpt.window(span.offset()..span.offset() + span.len()).ok_or(MietteError::OutOfBounds)?;
        if before == 0 && after == 0 {
            // The header's `file:line:column`, where the file has it.
            let (line, column) = w.position(span.offset());
            let at = span.offset() - w.base;
            let data = &w.text.as_bytes()[at..at + span.len()];
            return Ok(Box::new(MietteSpanContents::new_named(self.name.clone(), data, *span, line, column, 1)));
        }
        // Each window is shown whole: it already holds the context lines.
        Ok(Box::new(
            MietteSpanContents::new_named(
                self.name.clone(),
                w.text.as_bytes(),
                SourceSpan::new(w.base.into(), w.text.len()),
                w.first_line,
                0,
                w.lines,
            )
            .with_language("json"),
        ))
    }
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
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width)
        .with_links(false)
        .with_context_lines(excerpt::CONTEXT_LINES);
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
        // A file that does not parse was never read into the model, so none of its
        // secrets is known: every string value shown is masked.
        let broken = e.code == "invalid-json";
        let (source, labels) = match &e.location {
            Some(l) => snippet(report, l, &[(l.span, "here".to_string())], broken),
            None => (None, Vec::new()),
        };
        let message = match (&e.file, &e.location) {
            (Some(_), Some(l)) => format!("{}:{}:{}: {}", l.file, l.line, l.column, e.message),
            (Some(f), None) => format!("{f}: {}", e.message),
            _ => e.message.clone(),
        };
        emit(&Rendered {
            message,
            code: format!("{} ({})", e.code, e.class.describe()),
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
                Some(l) => snippet(report, l, &[(l.span, format!("reading `{}` failed", g.read))], false),
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
    let unusual: Vec<&(String, String)> =
        report.skipped.iter().filter(|(_, why)| why != crate::scan::NOT_AZURE).collect();
    if !opts.quiet && !unusual.is_empty() {
        let _ = writeln!(out, "Skipped (not scanned):");
        for (file, why) in unusual {
            let _ = writeln!(out, "  {file}: {why}");
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
    let mut shown = Vec::new();
    let mut notes = Vec::new();
    if let Some(l) = &f.location {
        shown.push((l.span, f.title.clone()));
    }
    for r in &f.related {
        match (&r.location, &f.location) {
            (Some(rl), Some(fl)) if rl.file == fl.file => shown.push((rl.span, r.message.clone())),
            (Some(rl), _) => notes.push(format!("{} ({}:{}:{})", r.message, rl.file, rl.line, rl.column)),
            (None, _) => notes.push(r.message.clone()),
        }
    }
    let (source, labels) = match &f.location {
        Some(l) => snippet(report, l, &shown, false),
        None => (None, Vec::new()),
    };
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

/// The excerpt of `l`'s file that shows `labels` (spans in that file with their
/// texts; the first is the primary one), with secrets masked and long lines cut.
fn snippet(
    report: &Report,
    l: &Location,
    labels: &[(crate::value::Span, String)],
    broken: bool,
) -> (Option<Source>, Vec<LabeledSpan>) {
    let Some(file) = report.sources.get(l.span.file).filter(|f| f.has_text()) else {
        return (None, Vec::new());
    };
    let known: Vec<std::ops::Range<usize>> =
        report.redact.iter().filter(|s| s.file == l.span.file).map(|s| s.start as usize..s.end as usize).collect();
    let ranges: Vec<std::ops::Range<usize>> = labels.iter().map(|(s, _)| s.start as usize..s.end as usize).collect();
    let excerpt = excerpt::build(file, &ranges, Masks { known: &known, every_value: broken });
    let spans = excerpt
        .labels
        .iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (r, (_, text)))| {
            let span = SourceSpan::new(r.start.into(), r.end - r.start);
            if i == 0 {
                LabeledSpan::new_primary_with_span(Some(text.clone()), span)
            } else {
                LabeledSpan::new_with_span(Some(text.clone()), span)
            }
        })
        .collect();
    (Some(Source { name: file.path.clone(), excerpt }), spans)
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
    if !s.errors_by_class.is_empty() {
        let classes: Vec<String> = s.errors_by_class.iter().map(|(c, n)| format!("{n} {}", c.describe())).collect();
        line.push_str(&format!("; errors: {}", classes.join(", ")));
    }
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
