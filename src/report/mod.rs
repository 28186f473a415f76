//! Reports: one view of a scan's outcome ([`Report`]) rendered by one module per format,
//! and the exit code.

pub mod excerpt;
pub mod github;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod text;

use crate::engine::{Finding, Severity};
use crate::model::{Model, ResIdx};
use crate::scan::ScanOutput;
use crate::source::SourceMap;
use crate::value::Span;

/// Which findings fail the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Severity(Severity),
    None,
}

impl std::str::FromStr for FailOn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("none") { Ok(FailOn::None) } else { s.parse().map(FailOn::Severity) }
    }
}

/// An output format of `scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Junit,
    Github,
    Markdown,
}

impl Format {
    pub const ALL: [Format; 6] =
        [Format::Text, Format::Json, Format::Sarif, Format::Junit, Format::Github, Format::Markdown];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Markdown => "markdown",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL.into_iter().find(|f| f.as_str().eq_ignore_ascii_case(s)).ok_or_else(|| {
            let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
            format!("unknown format `{s}`; expected one of {}", names.join(", "))
        })
    }
}

/// Renders the report in one format; `fail_on` decides the verdict that the Markdown
/// summary states.
pub fn render(report: &Report, format: Format, text: text::TextOptions, fail_on: FailOn) -> String {
    match format {
        Format::Text => text::render(report, text),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Junit => junit::render(report),
        Format::Github => github::render(report),
        Format::Markdown => markdown::render(report, fail_on),
    }
}

/// A place in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub pointer: Option<String>,
    pub span: Span,
}

/// A resource as reports name it.
#[derive(Clone, Debug)]
pub struct ResourceRef {
    pub id: String,
    pub type_: String,
    pub name: String,
}

/// A finding ready to render.
#[derive(Clone, Debug)]
pub struct ReportFinding {
    pub code: String,
    pub name: String,
    /// The rule's one-line title: the label under the offending value in text output.
    pub title: String,
    pub severity: Severity,
    pub message: String,
    pub help: String,
    pub resource: ResourceRef,
    pub location: Option<Location>,
    pub related: Vec<ReportRelated>,
}

#[derive(Clone, Debug)]
pub struct ReportRelated {
    pub resource: Option<ResourceRef>,
    pub location: Option<Location>,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct ReportUndetermined {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub resource: ResourceRef,
    pub location: Option<Location>,
    pub reason: String,
}

#[derive(Clone, Debug)]
pub struct ReportError {
    pub code: String,
    /// What kind of problem the code names.
    pub class: crate::problem::Class,
    pub message: String,
    pub location: Option<Location>,
    pub file: Option<String>,
}

/// A coverage gap ready to render: a live read that failed, the resource whose rules
/// depend on it, why, and where the export records it.
#[derive(Clone, Debug)]
pub struct ReportGap {
    /// The resource whose rules depend on the read (a subscription id for `inventory`).
    pub resource: String,
    /// What was read, relative to `resource`.
    pub read: String,
    /// Why it failed, on one line.
    pub reason: String,
    /// The gap's entry in the export.
    pub location: Option<Location>,
    /// The export file.
    pub file: Option<String>,
}

impl ReportGap {
    /// One line for lists and annotations: "`<resource>`: reading `<read>` failed: <reason>".
    pub fn message(&self) -> String {
        format!("`{}`: reading `{}` failed: {}", self.resource, self.read, self.reason)
    }

    /// The message and [`GAP_HELP`] as two sentences.
    pub fn message_with_help(&self) -> String {
        let (first, rest) = GAP_HELP.split_at(1);
        format!("{}. {}{rest}", self.message().trim_end_matches('.'), first.to_ascii_uppercase())
    }
}

/// What every format says a coverage gap means for the rules.
pub const GAP_HELP: &str = "the rules that depend on this read report the resource as undetermined; \
    grant the read (or fix the cause) and scan again, or pass --allow-partial to accept the gap";

/// A rule that ran, with the metadata the machine-readable formats publish.
#[derive(Clone, Debug)]
pub struct ReportRule {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub title: String,
    pub help: String,
    /// The long-form Markdown documentation (`azlint explain`).
    pub docs: String,
    pub references: Vec<String>,
    /// The letters of the code (`NET`, `TLS`).
    pub area: String,
    /// The deployed resources of the rule's types: what a JUnit test case is per rule
    /// ([`Report::resource`] gives each one's reference; only JUnit needs them, and
    /// building them for every rule and resource of a tenant export costs more than
    /// the rest of the report).
    pub checked: Vec<ResIdx>,
}

/// Counts for the closing summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub skipped: usize,
    pub resources: usize,
    pub findings: usize,
    pub undetermined: usize,
    pub errors: usize,
    /// Errors counted by class, in [`Class::ALL`](crate::problem::Class::ALL) order;
    /// classes without errors are left out.
    pub errors_by_class: Vec<(crate::problem::Class, usize)>,
    pub warnings: usize,
    /// Coverage gaps: live reads that failed.
    pub gaps: usize,
    /// Findings accepted by a suppression.
    pub suppressed: usize,
    /// Findings accepted by the baseline.
    pub baselined: usize,
    pub by_severity: [usize; 5],
}

/// The outcome of a scan, as every format renders it.
pub struct Report<'a> {
    pub sources: &'a SourceMap,
    model: &'a Model,
    /// The rules that ran (after `--select`/`--ignore`), in code order.
    pub rules: Vec<ReportRule>,
    pub summary: Summary,
    pub findings: Vec<ReportFinding>,
    pub undetermined: Vec<ReportUndetermined>,
    pub errors: Vec<ReportError>,
    /// What the scan could not follow without being incomplete (linked templates by URI).
    pub warnings: Vec<ReportError>,
    /// Live reads that failed: the scan is incomplete unless `allow_partial`.
    pub gaps: Vec<ReportGap>,
    /// `--allow-partial`: gaps are reported but leave the exit code to the findings.
    pub allow_partial: bool,
    /// Suppressed findings with their justification, for text and JSON output
    /// (`--show-suppressed`), else empty.
    pub suppressed: Vec<(ReportFinding, String)>,
    /// Every suppressed finding with its justification, whatever `--show-suppressed`
    /// says: SARIF always carries them as suppressed results.
    pub suppressed_all: Vec<(ReportFinding, String)>,
    /// Baseline entries that no longer occur: (rule, resource id, file).
    pub baseline_gone: Vec<(String, String, String)>,
    /// Spans of literal secrets: formats that show source text mask them.
    pub redact: Vec<Span>,
    /// Files read or met but not scanned: (file, reason), sorted by file.
    pub skipped: Vec<(String, String)>,
}

impl<'a> Report<'a> {
    /// The reference of a model resource, as every format shows it.
    pub fn resource(&self, r: ResIdx) -> ResourceRef {
        resource_ref(self.model, r)
    }

    /// Builds the report; with `strict`, undetermined results count as findings.
    pub fn new(out: &'a ScanOutput, strict: bool) -> Report<'a> {
        let model = &out.model;
        let loc = |span: Span, r: Option<ResIdx>| locate(&out.sources, model, span, r);
        let mut findings: Vec<ReportFinding> = out.results.findings.iter().map(|f| finding(out, f, &loc)).collect();
        let mut undetermined = Vec::new();
        for u in &out.results.undetermined {
            let rule = &out.registry.rules[u.rule];
            let resource = resource_ref(model, u.resource);
            if strict {
                findings.push(ReportFinding {
                    code: rule.code.clone(),
                    name: rule.name.clone(),
                    title: format!("undetermined: {}", rule.title),
                    severity: rule.severity,
                    message: format!("Undetermined for `{}` (strict mode): {}", resource.name, plain(&u.reason)),
                    help: rule.help.clone(),
                    resource,
                    location: loc(u.span, Some(u.resource)),
                    related: Vec::new(),
                });
            } else {
                undetermined.push(ReportUndetermined {
                    code: rule.code.clone(),
                    name: rule.name.clone(),
                    severity: rule.severity,
                    resource,
                    location: loc(u.span, Some(u.resource)),
                    reason: plain(&u.reason),
                });
            }
        }
        if strict {
            findings.sort_by(|a, b| sort_key(&a.location, &a.code).cmp(&sort_key(&b.location, &b.code)));
        }
        let redact = crate::model::secrets::secret_spans(model);
        // A message about a value that is secret (an expression in `DB_PASSWORD` that
        // failed) quotes nothing of it.
        let in_secret = |span: Option<Span>| {
            span.is_some_and(|s| redact.iter().any(|r| r.file == s.file && r.start <= s.start && s.start <= r.end))
        };
        let diagnostic =
            |code: crate::problem::Code, message: &str, span: Option<Span>, file: &Option<String>| ReportError {
                code: code.to_string(),
                class: code.class(),
                message: plain(&if in_secret(span) {
                    crate::redact::mask_all_quoted(message)
                } else {
                    message.to_string()
                }),
                location: span.and_then(|s| loc(s, None)),
                file: file.as_deref().map(plain),
            };
        let errors: Vec<ReportError> =
            out.errors.iter().map(|e| diagnostic(e.code, &e.message, e.span, &e.file)).collect();
        let warnings: Vec<ReportError> =
            out.warnings.iter().map(|e| diagnostic(e.code, &e.message, e.span, &e.file)).collect();
        let gaps: Vec<ReportGap> = out
            .gaps
            .iter()
            .map(|g| ReportGap {
                resource: plain(&g.resource),
                read: plain(&g.read),
                reason: plain(&g.reason),
                location: g.span.and_then(|s| loc(s, None)),
                file: g.file.as_deref().map(plain),
            })
            .collect();
        let mut by_severity = [0usize; 5];
        for f in &findings {
            by_severity[f.severity as usize] += 1;
        }
        let summary = Summary {
            files: out.files,
            skipped: out.skipped.len(),
            resources: model.len(),
            findings: findings.len(),
            undetermined: undetermined.len(),
            errors: errors.len(),
            errors_by_class: crate::problem::Class::ALL
                .iter()
                .map(|&c| (c, errors.iter().filter(|e| e.class == c).count()))
                .filter(|(_, n)| *n > 0)
                .collect(),
            warnings: warnings.len(),
            gaps: gaps.len(),
            suppressed: out.suppressed.len(),
            baselined: out.baselined,
            by_severity,
        };
        let baseline_gone =
            out.baseline_gone.iter().map(|e| (plain(&e.rule), plain(&e.resource), plain(&e.file))).collect();
        let rules = out.enabled.iter().map(|&i| report_rule(out, i)).collect();
        let mut skipped: Vec<(String, String)> =
            out.skipped.iter().map(|s| (plain(&s.file), plain(&s.reason))).collect();
        skipped.sort();
        Report {
            sources: &out.sources,
            model: &out.model,
            rules,
            summary,
            findings,
            undetermined,
            errors,
            warnings,
            gaps,
            allow_partial: out.allow_partial,
            suppressed: Vec::new(),
            suppressed_all: Vec::new(),
            baseline_gone,
            redact,
            skipped,
        }
    }

    /// Adds the suppressed findings and their reasons (`--show-suppressed`).
    pub fn with_suppressed(mut self, out: &'a ScanOutput, show: bool) -> Report<'a> {
        let loc = |span: Span, r: Option<ResIdx>| locate(&out.sources, &out.model, span, r);
        self.suppressed_all = out
            .suppressed
            .iter()
            .map(|s| (finding(out, &s.finding, &loc), format!("{} ({})", s.reason, s.source)))
            .collect();
        if show {
            self.suppressed = self.suppressed_all.clone();
        }
        self
    }

    /// Whether the scan is incomplete: errors, or coverage gaps without `--allow-partial`.
    pub fn incomplete(&self) -> bool {
        !self.errors.is_empty() || (!self.gaps.is_empty() && !self.allow_partial)
    }

    /// 0: nothing at or above `fail_on`; 1: findings at or above it; 2: incomplete scan
    /// (errors, or coverage gaps unless `--allow-partial`).
    pub fn exit_code(&self, fail_on: FailOn) -> i32 {
        if self.incomplete() {
            return 2;
        }
        match fail_on {
            FailOn::None => 0,
            FailOn::Severity(min) => i32::from(self.findings.iter().any(|f| f.severity >= min)),
        }
    }
}

fn sort_key<'a>(l: &'a Option<Location>, code: &'a str) -> (Option<&'a str>, u32, u32, &'a str) {
    (l.as_ref().map(|l| l.file.as_str()), l.as_ref().map_or(0, |l| l.line), l.as_ref().map_or(0, |l| l.column), code)
}

fn finding(out: &ScanOutput, f: &Finding, loc: &dyn Fn(Span, Option<ResIdx>) -> Option<Location>) -> ReportFinding {
    let rule = &out.registry.rules[f.rule];
    ReportFinding {
        code: rule.code.clone(),
        name: rule.name.clone(),
        title: rule.title.clone(),
        severity: f.severity,
        message: plain(&f.message),
        help: rule.help.clone(),
        resource: resource_ref(&out.model, f.resource),
        location: loc(f.span, Some(f.resource)),
        related: f
            .related
            .iter()
            .map(|r| ReportRelated {
                resource: r.resource.map(|x| resource_ref(&out.model, x)),
                location: loc(r.span, r.resource),
                message: plain(&r.message),
            })
            .collect(),
    }
}

fn report_rule(out: &ScanOutput, i: usize) -> ReportRule {
    let rule = &out.registry.rules[i];
    let model = &out.model;
    let mut checked: Vec<ResIdx> = rule
        .resource_types
        .iter()
        .flat_map(|t| model.of_type(t).iter().copied())
        .filter(|r| !model.res(*r).existing)
        .collect();
    checked.sort_unstable();
    checked.dedup();
    ReportRule {
        code: rule.code.clone(),
        name: rule.name.clone(),
        severity: rule.severity,
        title: rule.title.clone(),
        help: rule.help.clone(),
        docs: rule.docs.clone(),
        references: rule.references.clone(),
        area: rule.area().to_string(),
        checked,
    }
}

fn resource_ref(model: &Model, r: ResIdx) -> ResourceRef {
    let res = model.res(r);
    ResourceRef { id: plain(&res.id), type_: plain(&res.type_), name: plain(&res.name) }
}

/// Text from the input as every format may embed it: control characters (line breaks,
/// terminal escapes) are written as escapes, so that a resource named
/// `"a\n::error::x"` cannot start a line of a CI log, where GitHub Actions would read
/// it as a workflow command, nor move a terminal's cursor.
/// Any secret-looking part (`Password=…` in a name) is masked as well.
pub fn plain(s: &str) -> String {
    let s = crate::redact::mask_ranges(s);
    if !s.chars().any(char::is_control) {
        return s;
    }
    s.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

fn locate(sources: &SourceMap, model: &Model, span: Span, r: Option<ResIdx>) -> Option<Location> {
    let (file, start, end) = sources.locate(span)?;
    let pointer = r.and_then(|r| pointer_of(model, r, span));
    Some(Location {
        file: plain(file),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        pointer,
        span,
    })
}

/// The JSON pointer of the declaration that holds `span`: the resource itself, or the
/// child (a `config/web` row, a policy) the value was read from.
fn pointer_of(model: &Model, r: ResIdx, span: Span) -> Option<String> {
    let holds = |x: &crate::model::Resource| {
        x.file == span.file && !x.node.span.is_none() && x.node.span.start <= span.start && span.end <= x.node.span.end
    };
    let res = model.res(r);
    if holds(res) {
        return Some(res.pointer.clone());
    }
    if let Some(c) = model.children(r).iter().map(|c| model.res(*c)).find(|c| holds(c)) {
        return Some(c.pointer.clone());
    }
    (res.file == span.file).then(|| res.pointer.clone())
}
