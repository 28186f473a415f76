//! One scan, end to end: walk the inputs, read and parse them in parallel, detect their
//! formats, pair templates with parameters files, expand templates, build the model and
//! run the rules. Every file ends up scanned, skipped (with the reason) or in error.

mod pairing;
pub mod templates;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::arm::{DeploymentContext, UnknownStats};
use crate::engine::{Registry, Results, RuleOptions};
use crate::model::ingest::{live_export, state_resources};
use crate::model::{Model, Unit};
use crate::source::detect::{DocKind, detect};
use crate::source::walk::{IssueKind, collect, exclude_set};
use crate::source::{SourceFile, SourceMap, json, read_text};
use crate::value::{FileId, Node, Span};

/// An input that is not a file on disk: the document a live read produced.
#[derive(Clone, Debug)]
pub struct Document {
    /// The name reports give it (the `--save-export` file, or `live:<subscriptions>`).
    pub name: String,
    pub text: String,
}

/// What to scan and how.
#[derive(Clone, Debug, Default)]
pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    /// Inputs read elsewhere (a live read), scanned after the files.
    pub documents: Vec<Document>,
    pub exclude: Vec<String>,
    /// Overrides format detection for every file.
    pub input_format: Option<DocKind>,
    /// A parameters file for the templates, instead of `X.parameters.json` pairing.
    pub parameters: Option<PathBuf>,
    pub no_parameters: bool,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub rule_dirs: Vec<PathBuf>,
    pub rule_options: RuleOptions,
    /// The deployment context templates are expanded in (`--context`, `--subscription-id`, ...).
    pub context: DeploymentContext,
    /// `azlint.toml`, already merged with the command line by the caller.
    pub config: crate::filter::config::Config,
    /// Where the config file was found, for messages.
    pub config_path: Option<String>,
    /// Report only findings that this baseline does not list.
    pub baseline: Option<PathBuf>,
    /// Write the current findings as a baseline instead of filtering by one.
    pub write_baseline: Option<PathBuf>,
    /// Coverage gaps (reads of a live export that failed) do not make the scan
    /// incomplete: the exit code follows the findings; the gaps are still reported.
    pub allow_partial: bool,
}

/// A problem that makes the scan incomplete: unreadable or invalid input, bad options.
#[derive(Clone, Debug)]
pub struct ScanError {
    pub code: &'static str,
    pub message: String,
    /// The file it concerns, as given; `None` for option errors.
    pub file: Option<String>,
    /// The position in the file, when there is one.
    pub span: Option<Span>,
}

/// Something the scan could not follow that does not make it incomplete: a linked
/// template by URI (never fetched), a symlink loop.
#[derive(Clone, Debug)]
pub struct ScanWarning {
    pub code: &'static str,
    pub message: String,
    pub file: Option<String>,
    pub span: Option<Span>,
}

/// A live read that failed after retries (403, 404 of a listed resource, timeout,
/// malformed body), as a live export's `gaps` records it: the rules that depend on it
/// report the resource as undetermined, and the scan is incomplete unless
/// `--allow-partial`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoverageGap {
    /// The resource whose rules depend on the read (a subscription id for `inventory`).
    pub resource: String,
    /// What was read, relative to `resource` (`config/web`, `subnets`, `inventory`).
    pub read: String,
    /// Why it failed, on one line: `HTTP 403 AuthorizationFailed: ...`, `timed out after 4 attempts`.
    pub reason: String,
    /// The export file that records the gap.
    pub file: Option<String>,
    /// The gap's entry in that file.
    pub span: Option<Span>,
}

/// Why a JSON file that parsed is skipped: none of the shapes azlint reads.
pub const NOT_AZURE: &str = "not an Azure configuration";

/// A file that was met but not scanned, with the reason.
#[derive(Clone, Debug)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

/// Everything a report needs.
pub struct ScanOutput {
    pub sources: SourceMap,
    pub registry: Registry,
    /// Indexes of the rules that ran.
    pub enabled: Vec<usize>,
    pub model: Model,
    pub results: Results,
    pub errors: Vec<ScanError>,
    pub warnings: Vec<ScanWarning>,
    /// Reads of live exports that failed, sorted by resource (ignoring case), read and file.
    pub gaps: Vec<CoverageGap>,
    /// Whether gaps leave the exit code to the findings (`--allow-partial`).
    pub allow_partial: bool,
    pub skipped: Vec<Skipped>,
    /// Property values of expanded templates that stayed unknown, by cause.
    pub unknown_stats: UnknownStats,
    /// Findings a suppression accepted, with the reason.
    pub suppressed: Vec<crate::filter::Suppressed>,
    /// Findings the baseline accepted.
    pub baselined: usize,
    /// Baseline entries that no longer occur.
    pub baseline_gone: Vec<crate::filter::baseline::Entry>,
    /// Files read (scanned, skipped or in error).
    pub files: usize,
}

/// What one document contributes: its file, resources, errors, warnings, unknowns and
/// coverage gaps.
type LoadedUnit = (FileId, Unit, Vec<ScanError>, Vec<ScanWarning>, UnknownStats, Vec<CoverageGap>, Vec<FileId>);

struct Loaded {
    file: FileId,
    doc: Option<Node>,
    kind: Option<DocKind>,
}

/// Runs a scan. Errors in individual inputs are collected, never fatal.
pub fn scan(opts: &ScanOptions) -> ScanOutput {
    let mut errors = Vec::new();
    let mut registry = match crate::rules::registry() {
        Ok(r) => r,
        Err(es) => {
            errors.extend(es.into_iter().map(|e| ScanError {
                code: "rule-invalid",
                message: e.to_string(),
                file: None,
                span: None,
            }));
            Registry::new(crate::rules::NATIVE)
        }
    };
    for dir in &opts.rule_dirs {
        for e in registry.load_dir(dir) {
            errors.push(ScanError { code: "rule-invalid", message: e.message, file: Some(e.path), span: None });
        }
    }
    let enabled = select_rules(&registry, opts, &mut errors);

    let exclude = exclude_set(&opts.exclude).unwrap_or_else(|e| {
        errors.push(ScanError { code: "bad-option", message: e, file: None, span: None });
        globset::GlobSet::empty()
    });
    let (mut inputs, issues) = collect(&opts.paths, &exclude);
    let mut warnings = Vec::new();
    let mut skipped = Vec::new();
    for i in issues {
        match i.kind {
            IssueKind::Error => {
                errors.push(ScanError { code: "io-error", message: i.message, file: Some(i.path), span: None })
            }
            IssueKind::Warning => {
                warnings.push(ScanWarning { code: "symlink-loop", message: i.message, file: Some(i.path), span: None })
            }
            IssueKind::Skipped => skipped.push(Skipped { file: i.path, reason: i.message }),
        }
    }
    // A template named on the command line brings its `X.parameters.json` along, and a
    // parameters file brings its template (a pre-commit hook passes only changed files).
    if !opts.no_parameters && opts.parameters.is_none() {
        let siblings: Vec<_> = inputs
            .iter()
            .filter(|i| i.explicit)
            .filter_map(|i| {
                let sib = pairing::template_of(&i.path).or_else(|| pairing::parameters_of(&i.path))?;
                sib.is_file().then(|| crate::source::walk::Input {
                    display: sib.to_string_lossy().to_string(),
                    path: sib,
                    explicit: false,
                })
            })
            .collect();
        for s in siblings {
            if !inputs.iter().any(|i| i.path == s.path) {
                inputs.push(s);
            }
        }
        inputs.sort();
    }
    if let Some(p) = &opts.parameters {
        let display = p.to_string_lossy().to_string();
        if !inputs.iter().any(|i| i.path == *p) {
            inputs.push(crate::source::walk::Input { display, path: p.clone(), explicit: true });
        }
    }

    // Read and parse in parallel; file ids follow the sorted input order.
    let read: Vec<_> = inputs
        .par_iter()
        .map(|input| {
            let abs = std::fs::canonicalize(&input.path).unwrap_or_else(|_| input.path.clone());
            (input.display.clone(), abs, read_text(&input.path))
        })
        .collect();
    let mut sources = SourceMap::new();
    let mut texts = Vec::new();
    for (display, abs, text) in read {
        match text {
            Ok(t) => {
                let text: Arc<str> = Arc::from(t);
                let id = sources.add(SourceFile::new(display, abs, text.clone()));
                texts.push((id, Some(text)));
            }
            Err(e) => {
                let id = sources.add(SourceFile::new(display.clone(), abs, Arc::from("")));
                errors.push(ScanError { code: "io-error", message: e.to_string(), file: Some(display), span: None });
                texts.push((id, None));
            }
        }
    }
    for d in &opts.documents {
        let text: Arc<str> = Arc::from(d.text.as_str());
        let id = sources.add(SourceFile::new(d.name.clone(), PathBuf::from(&d.name), text.clone()));
        texts.push((id, Some(text)));
    }
    let parsed: Vec<(Loaded, Option<ScanError>)> = texts
        .par_iter()
        .map(|(id, text)| {
            let Some(text) = text else {
                return (Loaded { file: *id, doc: None, kind: None }, None);
            };
            match json::parse(text, *id) {
                Ok(doc) => {
                    let kind = opts.input_format.or_else(|| detect(&doc));
                    (Loaded { file: *id, doc: Some(doc), kind }, None)
                }
                Err(e) => {
                    let path = sources.get(*id).map(|f| f.path.clone());
                    let span = Span::new(*id, e.offset, e.offset);
                    (
                        Loaded { file: *id, doc: None, kind: None },
                        Some(ScanError { code: "invalid-json", message: e.message, file: path, span: Some(span) }),
                    )
                }
            }
        })
        .collect();
    let mut loaded = Vec::with_capacity(parsed.len());
    for (l, e) in parsed {
        errors.extend(e);
        loaded.push(l);
    }

    // Exported state leaves `loaded`: ingestion moves each resource out of its document,
    // so that an export is never held twice.
    let state_docs: Vec<(FileId, DocKind, Node)> = loaded
        .iter_mut()
        .filter_map(|l| {
            let kind = l.kind.filter(|k| k.is_state() && *k != DocKind::LiveExport)?;
            Some((l.file, kind, l.doc.take()?))
        })
        .collect();
    let params = pair_parameters(&loaded, &sources, opts);
    let explicit_params = opts
        .parameters
        .as_ref()
        .and_then(|p| sources.find_abs(&std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    let used_params: std::collections::HashSet<FileId> = params.values().copied().chain(explicit_params).collect();

    let loader = templates::Loader {
        sources: &sources,
        docs: loaded
            .iter()
            .filter_map(|l| Some((sources.get(l.file)?.abs_path.clone(), (l.file, l.doc.as_ref()?))))
            .collect(),
        roots: templates::roots(&opts.paths),
    };
    let doc_of = |f: FileId| loaded.iter().find(|l| l.file == f).and_then(|l| l.doc.as_ref());
    let mut units: Vec<LoadedUnit> = loaded
        .par_iter()
        .filter_map(|l| {
            let doc = l.doc.as_ref()?;
            let kind = l.kind?;
            let path = sources.get(l.file).map(|f| f.path.clone());
            let mut errs = Vec::new();
            let mut warns = Vec::new();
            let mut stats = UnknownStats::default();
            let mut gaps = Vec::new();
            let mut linked = Vec::new();
            let unit = match kind {
                DocKind::Template | DocKind::ExportTemplateResponse => {
                    if kind == DocKind::ExportTemplateResponse {
                        report_export_errors(doc, l.file, &sources, &mut errs);
                    }
                    let tpl = if kind == DocKind::Template { doc } else { doc.get("template")? };
                    let params = if opts.no_parameters {
                        None
                    } else {
                        explicit_params.or_else(|| params.get(&l.file).copied()).and_then(doc_of)
                    };
                    let x = templates::expand_template(tpl, l.file, params, &opts.context, &loader);
                    for d in x.diagnostics {
                        let span = Some(templates::diagnostic_span(&d, l.file));
                        let file = sources.get(d.span.file).map(|f| f.path.clone()).or_else(|| path.clone());
                        if d.is_error {
                            errs.push(ScanError { code: d.code, message: d.message, file, span });
                        } else {
                            warns.push(ScanWarning { code: d.code, message: d.message, file, span });
                        }
                    }
                    stats = x.stats;
                    linked = x.linked;
                    // Each entry template (with its nested and linked templates) is a
                    // deployment unit of its own, unless azlint.toml groups it with others.
                    let prefix = crate::model::unit_prefix(&unit_name(opts, &sources, l.file));
                    Unit { raws: x.raws, scope: String::new(), prefix, ..Default::default() }
                }
                DocKind::Parameters => return None,
                DocKind::LiveExport => {
                    let mut issues = Vec::new();
                    let live = live_export(doc, l.file, &mut issues);
                    errs.extend(issues.into_iter().map(|i| ScanError {
                        code: i.code,
                        message: i.message,
                        file: path.clone(),
                        span: Some(i.span),
                    }));
                    gaps.extend(live.gaps.into_iter().map(|g| CoverageGap {
                        resource: g.resource,
                        read: g.read,
                        reason: g.reason,
                        file: path.clone(),
                        span: Some(g.span),
                    }));
                    Unit {
                        raws: live.raws,
                        scope: String::new(),
                        unread_scopes: live.unread_scopes,
                        prefix: String::new(),
                    }
                }
                // Taken out of `loaded` above.
                _ => return None,
            };
            Some((l.file, unit, errs, warns, stats, gaps, linked))
        })
        .collect();
    let state_units: Vec<LoadedUnit> = state_docs
        .into_par_iter()
        .map(|(file, kind, doc)| {
            let path = sources.get(file).map(|f| f.path.clone());
            let mut issues = Vec::new();
            let raws = state_resources(kind, doc, file, &mut issues);
            let errs = issues
                .into_iter()
                .map(|i| ScanError { code: i.code, message: i.message, file: path.clone(), span: Some(i.span) })
                .collect();
            let unit = Unit { raws, scope: String::new(), ..Default::default() };
            (file, unit, errs, Vec::new(), UnknownStats::default(), Vec::new(), Vec::new())
        })
        .collect();
    units.extend(state_units);
    units.sort_by_key(|u| u.0);
    let linked = linked_templates(&units);
    for l in &loaded {
        let path = sources.get(l.file).map(|f| f.path.clone()).unwrap_or_default();
        match (l.doc.as_ref(), l.kind) {
            (Some(_), None) => skipped.push(Skipped { file: path, reason: NOT_AZURE.into() }),
            (Some(_), Some(DocKind::Parameters)) if !used_params.contains(&l.file) => {
                skipped.push(Skipped { file: path, reason: "parameters file without a template beside it".into() })
            }
            _ => {}
        }
    }
    let mut model_units = Vec::with_capacity(units.len());
    let mut unknown_stats = UnknownStats::default();
    let mut gaps = Vec::new();
    for (file, u, errs, warns, stats, unit_gaps, _) in units {
        if linked.contains(&file) {
            continue;
        }
        errors.extend(errs);
        warnings.extend(warns);
        gaps.extend(unit_gaps);
        for (cause, n) in stats.by_cause {
            *unknown_stats.by_cause.entry(cause).or_default() += n;
        }
        model_units.push(u);
    }
    let mut model = Model::build(model_units);
    let roles = &opts.config.roles;
    model.apply_role_globs(&roles.backends, &roles.frontends, &roles.app_auth_in_code);
    let mut results = registry.run(&model, &opts.rule_options, &enabled);
    let (suppressions, invalid) = crate::filter::collect(&model, &sources, &opts.config, opts.config_path.as_deref());
    errors.extend(invalid);
    let filtered =
        crate::filter::apply(&mut results.findings, &model, &sources, &registry, &opts.config, &suppressions);
    errors.extend(filtered.errors);
    warnings.extend(filtered.warnings);
    let (baselined, baseline_gone) = apply_baseline(opts, &mut results, &model, &sources, &registry, &mut errors);
    errors.sort_by(|a, b| {
        (a.file.as_deref(), a.span.map(|s| s.start)).cmp(&(b.file.as_deref(), b.span.map(|s| s.start)))
    });
    warnings.sort_by(|a, b| {
        (a.file.as_deref(), a.span.map(|s| s.start)).cmp(&(b.file.as_deref(), b.span.map(|s| s.start)))
    });
    let gap_key = |g: &CoverageGap| {
        (g.resource.to_ascii_lowercase(), g.read.to_ascii_lowercase(), g.file.clone(), g.span.map(|s| s.start))
    };
    gaps.sort_by_key(gap_key);
    ScanOutput {
        files: sources.len(),
        sources,
        registry,
        enabled,
        model,
        results,
        errors,
        warnings,
        gaps,
        allow_partial: opts.allow_partial,
        skipped,
        unknown_stats,
        suppressed: filtered.suppressed,
        baselined,
        baseline_gone,
    }
}

/// The templates that are expanded as linked templates of another one and so are not
/// entries of their own: a template that another one links to by `relativePath` is
/// expanded as part of its parent, with the parameters the parent passes (alone it
/// would be evaluated without them). Templates that link each other in a cycle with no
/// entry outside it keep one entry, the first in path order, so that their resources
/// are neither lost nor counted twice.
fn linked_templates(units: &[LoadedUnit]) -> std::collections::HashSet<FileId> {
    use std::collections::HashSet;
    let mut included: HashSet<FileId> = HashSet::new();
    for (file, .., linked) in units {
        included.extend(linked.iter().filter(|f| *f != file));
    }
    let mut covered: HashSet<FileId> = HashSet::new();
    for (file, .., linked) in units {
        if !included.contains(file) {
            covered.extend(linked.iter().copied());
        }
    }
    // Units follow the sorted input order, so the first of a cycle is the entry.
    for (file, .., linked) in units {
        if included.contains(file) && !covered.contains(file) && !linked.is_empty() {
            covered.extend(linked.iter().copied().filter(|f| f != file));
        }
    }
    covered
}

/// The deployment unit of an entry template: the first `[[units]]` group of azlint.toml
/// whose `paths` globs match it (as the path was given or found), else the template itself.
fn unit_name(opts: &ScanOptions, sources: &SourceMap, file: FileId) -> String {
    let path = sources.get(file).map(|f| f.path.trim_start_matches("./").to_string()).unwrap_or_default();
    for (i, group) in opts.config.units.iter().enumerate() {
        let matches =
            group.paths.iter().filter_map(|g| globset::Glob::new(g).ok()).any(|g| g.compile_matcher().is_match(&path));
        if matches {
            return format!("g{i}");
        }
    }
    format!("t{}", file.0)
}

/// Applies `--select` and `--ignore` (codes, names or prefixes such as `NET`).
fn select_rules(reg: &Registry, opts: &ScanOptions, errors: &mut Vec<ScanError>) -> Vec<usize> {
    for sel in opts.select.iter().chain(&opts.ignore) {
        if !reg.rules.iter().any(|r| r.matches_selector(sel)) {
            errors.push(ScanError {
                code: "bad-option",
                message: format!("`{sel}` names no rule (use a code, a name or a prefix such as `NET`)"),
                file: None,
                span: None,
            });
        }
    }
    (0..reg.rules.len())
        .filter(|&i| {
            let r = &reg.rules[i];
            (opts.select.is_empty() || opts.select.iter().any(|s| r.matches_selector(s)))
                && !opts.ignore.iter().any(|s| r.matches_selector(s))
        })
        .collect()
}

/// Pairs each template with its parameters file: `X.parameters.json` beside `X.json`.
fn pair_parameters(loaded: &[Loaded], sources: &SourceMap, opts: &ScanOptions) -> HashMap<FileId, FileId> {
    let mut out = HashMap::new();
    if opts.no_parameters || opts.parameters.is_some() {
        return out;
    }
    let by_path: HashMap<&Path, FileId> =
        loaded.iter().filter_map(|l| Some((sources.get(l.file)?.abs_path.as_path(), l.file))).collect();
    for l in loaded.iter().filter(|l| l.kind == Some(DocKind::Parameters)) {
        let Some(f) = sources.get(l.file) else {
            continue;
        };
        let Some(template) = pairing::template_of(&f.abs_path) else {
            continue;
        };
        if let Some(&t) = by_path.get(template.as_path()) {
            out.insert(t, l.file);
        }
    }
    out
}

/// The REST `exportTemplate` response lists resources it could not export in `error`.
fn report_export_errors(doc: &Node, file: FileId, sources: &SourceMap, errs: &mut Vec<ScanError>) {
    let Some(details) = doc.path("error.details").and_then(|d| d.value.as_array()) else {
        return;
    };
    for d in details {
        let target = d.get("target").and_then(Node::as_str).unwrap_or("a resource");
        let why = d.get("message").and_then(Node::as_str).unwrap_or("no reason given");
        errs.push(ScanError {
            code: "export-gap",
            message: format!("`{target}` was not exported: {why}"),
            file: sources.get(file).map(|f| f.path.clone()),
            span: Some(d.span),
        });
    }
}

/// `azlint expand`: the template at `path` with its parameters (given, paired or none),
/// as `{"resources": [...], "outputs": {...}}` with unknown values as
/// `{"$unknown": cause, "detail": ...}`; also the diagnostics as `file:line:col: message`
/// lines and whether any was an error.
pub fn expand_file(
    path: &Path,
    parameters: Option<&Path>,
    no_parameters: bool,
    context: &DeploymentContext,
) -> Result<(serde_json::Value, Vec<String>, bool), String> {
    let read = |p: &Path, id: FileId| -> Result<(Arc<str>, Node), String> {
        let text: Arc<str> = read_text(p).map_err(|e| format!("{}: {e}", p.display()))?.into();
        let node = json::parse(&text, id).map_err(|e| format!("{}: byte {}: {}", p.display(), e.offset, e.message))?;
        Ok((text, node))
    };
    let abs = std::fs::canonicalize(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (ttext, tdoc) = read(path, FileId(0))?;
    let paired = pairing::parameters_of(path);
    let params_path =
        if no_parameters { None } else { parameters.map(Path::to_path_buf).or(paired.filter(|p| p.is_file())) };
    let params = params_path.as_deref().map(|p| read(p, FileId(1))).transpose()?;
    let loader = templates::DiskLoader {
        root: abs.parent().map(Path::to_path_buf).unwrap_or_default(),
        files: std::sync::Mutex::new(Vec::new()),
        first_id: 2,
        template: (FileId(0), abs.clone()),
    };
    let tpl = if detect(&tdoc) == Some(DocKind::ExportTemplateResponse) {
        tdoc.get("template").unwrap_or(&tdoc)
    } else {
        &tdoc
    };
    let opts = crate::arm::ExpandOptions {
        context,
        parameters: params.as_ref().map(|p| &p.1),
        loader: Some(&loader),
        file: FileId(0),
    };
    let exp = crate::arm::expand(tpl, &opts);
    let mut sources = SourceMap::new();
    sources.add(SourceFile::new(path.to_string_lossy().into(), abs.clone(), ttext));
    let (pp, ptext) = match (&params_path, params) {
        (Some(p), Some((t, _))) => (p.clone(), t),
        _ => (PathBuf::new(), Arc::from("")),
    };
    sources.add(SourceFile::new(pp.to_string_lossy().into(), pp.clone(), ptext));
    for (p, t) in loader.files.lock().map(|f| f.clone()).unwrap_or_default() {
        sources.add(SourceFile::new(p.to_string_lossy().into(), p, t));
    }
    let mut failed = false;
    let diagnostics = exp
        .diagnostics
        .iter()
        .map(|d| {
            failed |= d.is_error;
            let at =
                sources.locate(d.span).map_or_else(String::new, |(f, s, _)| format!("{f}:{}:{}: ", s.line, s.column));
            format!("{at}{} [{}]", d.message, d.code)
        })
        .collect();
    let resources: Vec<serde_json::Value> = exp
        .resources
        .iter()
        .filter(|r| !r.existing)
        .map(|r| {
            let mut json = r.node.value.to_json();
            // languageVersion 2.0: the resource's symbolic name (`myStorages[0]` in a loop).
            if let (Some(name), Some(o)) = (&r.symbolic_name, json.as_object_mut()) {
                o.insert("symbolicName".into(), serde_json::Value::from(name.as_str()));
            }
            json
        })
        .collect();
    let outputs: serde_json::Map<String, serde_json::Value> =
        exp.outputs.iter().map(|(k, v)| (k.clone(), v.value.to_json())).collect();
    Ok((serde_json::json!({"resources": resources, "outputs": outputs}), diagnostics, failed))
}

/// `--write-baseline` records the findings; `--baseline` removes the ones it lists and
/// returns how many, with the entries that no longer occur.
fn apply_baseline(
    opts: &ScanOptions,
    results: &mut Results,
    model: &Model,
    sources: &SourceMap,
    registry: &Registry,
    errors: &mut Vec<ScanError>,
) -> (usize, Vec<crate::filter::baseline::Entry>) {
    use crate::filter::baseline::{Baseline, Entry};
    let key = |f: &crate::engine::Finding| Entry {
        rule: registry.rules[f.rule].code.clone(),
        // The displayed id: stable across runs (a unit's key holds its place in the scan).
        resource: crate::model::ids::key(&model.res(f.resource).id),
        file: sources.get(f.span.file).map(|x| x.path.clone()).unwrap_or_default(),
    };
    if let Some(path) = &opts.write_baseline {
        let target = std::fs::canonicalize(path).ok();
        if let Some(input) = sources.iter().find(|(_, f)| Some(&f.abs_path) == target.as_ref()) {
            errors.push(ScanError {
                code: "bad-option",
                message: format!("refusing to write the baseline over the scanned file `{}`", input.1.path),
                file: Some(path.display().to_string()),
                span: None,
            });
            return (0, Vec::new());
        }
        let b = Baseline::new(results.findings.iter().map(key).collect());
        if let Err(e) = std::fs::write(path, b.to_json()) {
            errors.push(ScanError {
                code: "io-error",
                message: format!("cannot write the baseline: {e}"),
                file: Some(path.display().to_string()),
                span: None,
            });
        }
        return (0, Vec::new());
    }
    let Some(path) = &opts.baseline else { return (0, Vec::new()) };
    let b = match Baseline::read(path) {
        Ok(b) => b,
        Err(message) => {
            errors.push(ScanError { code: "bad-option", message, file: Some(path.display().to_string()), span: None });
            return (0, Vec::new());
        }
    };
    let keys: Vec<Entry> = results.findings.iter().map(key).collect();
    let (accepted, gone) = b.matches(&keys);
    let mut i = 0;
    results.findings.retain(|_| {
        i += 1;
        !accepted[i - 1]
    });
    (accepted.iter().filter(|a| **a).count(), gone)
}
