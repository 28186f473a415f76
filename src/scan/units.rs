//! Stage 4: deployment units. Pairs templates with their parameters files, expands each
//! entry template (with its nested and linked templates) and ingests exported state,
//! giving the units the model is built from.

use crate::problem::Code;
use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;

use super::load::Loaded;
use super::{CoverageGap, NOT_AZURE, Problem, Problems, ScanOptions, Skipped, pairing, templates};
use crate::arm::UnknownStats;
use crate::model::Unit;
use crate::model::ingest::{live_export, state_resources};
use crate::source::SourceMap;
use crate::source::detect::DocKind;
use crate::value::{FileId, Node};

/// What one document contributes: its file, resources, errors, warnings, unknowns,
/// coverage gaps and the templates it links.
type LoadedUnit = (FileId, Unit, Vec<Problem>, Vec<Problem>, UnknownStats, Vec<CoverageGap>, Vec<FileId>);

/// The model's units, in file order, and the count of values left unknown by cause.
pub(super) fn units(
    mut loaded: Vec<Loaded>,
    sources: &SourceMap,
    opts: &ScanOptions,
    p: &mut Problems,
) -> (Vec<Unit>, UnknownStats) {
    // Exported state leaves `loaded`: ingestion moves each resource out of its document,
    // so that an export is never held twice.
    let state_docs: Vec<(FileId, DocKind, Node)> = loaded
        .iter_mut()
        .filter_map(|l| {
            let kind = l.kind.filter(|k| k.is_state() && *k != DocKind::LiveExport)?;
            Some((l.file, kind, l.doc.take()?))
        })
        .collect();
    let mut params = pair_parameters(&loaded, sources, opts);
    let explicit_params = opts
        .parameters
        .as_ref()
        .and_then(|p| sources.find_abs(&std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    let (bicep_problems, bicep_modules) = lower_bicep(&mut loaded, sources, opts);
    if !opts.no_parameters && opts.parameters.is_none() {
        params.extend(pair_bicepparams(&loaded, sources));
    }
    let used_params: std::collections::HashSet<FileId> = params.values().copied().chain(explicit_params).collect();
    let loader = templates::Loader {
        sources,
        docs: loaded
            .iter()
            .filter(|l| l.kind != Some(DocKind::Bicep))
            .filter_map(|l| Some((sources.get(l.file)?.abs_path.clone(), (l.file, l.doc.as_ref()?))))
            .collect(),
        programs: programs(&loaded),
        roots: super::load::trusted_roots(opts),
    };
    // A Bicep program lowered as another's module is not an entry of its own (as a
    // linked template is not): decided before expanding, so it is expanded once, in
    // its parent, not also alone with its defaults.
    let mut module_pairs: Vec<(FileId, &[FileId])> = bicep_modules.iter().map(|(f, m)| (*f, m.as_slice())).collect();
    module_pairs.sort_by_key(|(f, _)| *f);
    let bicep_covered = covered_files(module_pairs.iter().copied());
    // `loaded` is in file id order (load.rs), so a file's document is found by index.
    let doc_of = |f: FileId| loaded.get(f.0 as usize).filter(|l| l.file == f).and_then(|l| l.doc.as_ref());
    let mut units: Vec<LoadedUnit> = loaded
        .par_iter()
        .filter_map(|l| {
            let doc = l.doc.as_ref()?;
            let kind = l.kind?;
            if kind == DocKind::Bicep && bicep_covered.contains(&l.file) {
                return None;
            }
            let path = sources.get(l.file).map(|f| f.path.clone());
            let mut errs = Vec::new();
            let mut warns = Vec::new();
            let mut stats = UnknownStats::default();
            let mut gaps = Vec::new();
            let mut linked = Vec::new();
            let unit = match kind {
                DocKind::Template | DocKind::ExportTemplateResponse | DocKind::Bicep => {
                    if kind == DocKind::ExportTemplateResponse {
                        report_export_errors(doc, l.file, sources, &mut errs);
                    }
                    if let Some(problems) = bicep_problems.get(&l.file) {
                        for d in problems {
                            if d.is_error() { errs.push(d.clone()) } else { warns.push(d.clone()) }
                        }
                    }
                    let tpl = if kind == DocKind::ExportTemplateResponse { doc.get("template")? } else { doc };
                    let params = if opts.no_parameters {
                        None
                    } else {
                        explicit_params.or_else(|| params.get(&l.file).copied()).and_then(doc_of)
                    };
                    let x = templates::expand_template(tpl, l.file, params, &opts.context, &loader);
                    for d in x.diagnostics {
                        let span = Some(templates::diagnostic_span(&d, l.file));
                        let file =
                            d.span.and_then(|s| sources.get(s.file)).map(|f| f.path.clone()).or_else(|| path.clone());
                        let d = Problem { file, span, ..d };
                        // The lowering already said so (a registry module not fetched).
                        let said = |ps: &Vec<Problem>| ps.iter().any(|w| w.code == d.code && w.span == d.span);
                        if bicep_problems.get(&l.file).is_some_and(said) {
                            continue;
                        }
                        if d.is_error() { errs.push(d) } else { warns.push(d) }
                    }
                    stats = x.stats;
                    linked = x.linked;
                    linked.extend(bicep_modules.get(&l.file).into_iter().flatten().copied());
                    // Each entry template (with its nested and linked templates) is a
                    // deployment unit of its own, unless azlint.toml groups it with others.
                    let prefix = crate::model::unit_prefix(&unit_name(opts, sources, l.file));
                    Unit { raws: x.raws, scope: String::new(), prefix, ..Default::default() }
                }
                DocKind::Parameters | DocKind::BicepParams => return None,
                DocKind::LiveExport => {
                    let mut issues = Vec::new();
                    let live = live_export(doc, l.file, &mut issues);
                    errs.extend(issues.into_iter().map(|i| Problem { file: path.clone(), ..i }));
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
            let errs = issues.into_iter().map(|i| Problem { file: path.clone(), ..i }).collect();
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
            (Some(_), None) => p.skipped.push(Skipped { file: path, reason: NOT_AZURE.into() }),
            (Some(_), Some(DocKind::Parameters)) if !used_params.contains(&l.file) => {
                p.skipped.push(Skipped { file: path, reason: "parameters file without a template beside it".into() })
            }
            (_, Some(DocKind::BicepParams)) if !used_params.contains(&l.file) => p.skipped.push(Skipped {
                file: path,
                reason: "a Bicep parameters file whose program (`using`) is not among the scanned files".into(),
            }),
            _ => {}
        }
    }
    let mut model_units = Vec::with_capacity(units.len());
    let mut unknown_stats = UnknownStats::default();
    for (file, u, errs, warns, stats, unit_gaps, _) in units {
        if linked.contains(&file) {
            continue;
        }
        p.errors.extend(errs);
        p.warnings.extend(warns);
        p.gaps.extend(unit_gaps);
        for (cause, n) in stats.by_cause {
            *unknown_stats.by_cause.entry(cause).or_default() += n;
        }
        model_units.push(u);
    }
    (model_units, unknown_stats)
}

/// The templates that are expanded as linked templates of another one and so are not
/// entries of their own: a template that another one links to by `relativePath` is
/// expanded as part of its parent, with the parameters the parent passes (alone it
/// would be evaluated without them). Templates that link each other in a cycle with no
/// entry outside it keep one entry, the first in path order, so that their resources
/// are neither lost nor counted twice.
fn linked_templates(units: &[LoadedUnit]) -> std::collections::HashSet<FileId> {
    covered_files(units.iter().map(|(file, .., linked)| (*file, linked.as_slice())))
}

/// [`linked_templates`] over (file, files it includes) pairs in file order.
fn covered_files<'a>(units: impl Iterator<Item = (FileId, &'a [FileId])> + Clone) -> std::collections::HashSet<FileId> {
    use std::collections::HashSet;
    let mut included: HashSet<FileId> = HashSet::new();
    for (file, linked) in units.clone() {
        included.extend(linked.iter().filter(|f| **f != file));
    }
    let mut covered: HashSet<FileId> = HashSet::new();
    for (file, linked) in units.clone() {
        if !included.contains(&file) {
            covered.extend(linked.iter().copied());
        }
    }
    // Units follow the sorted input order, so the first of a cycle is the entry.
    for (file, linked) in units {
        if included.contains(&file) && !covered.contains(&file) && !linked.is_empty() {
            covered.extend(linked.iter().copied().filter(|f| *f != file));
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
fn report_export_errors(doc: &Node, file: FileId, sources: &SourceMap, errs: &mut Vec<Problem>) {
    let Some(details) = doc.path("error.details").and_then(|d| d.value.as_array()) else {
        return;
    };
    for d in details {
        let target = d.get("target").and_then(Node::as_str).unwrap_or("a resource");
        let why = d.get("message").and_then(Node::as_str).unwrap_or("no reason given");
        errs.push(Problem::error(
            Code::ExportGap,
            format!("`{target}` was not exported: {why}"),
            sources.get(file).map(|f| f.path.clone()),
            Some(d.span),
        ));
    }
}

/// Lowers every Bicep program to the template the compiler would emit, in place of
/// its document: the rest of the scan reads it as a JSON template. Returns each
/// program's problems (syntax errors are reported by the load stage) and the module
/// files lowered into it.
fn lower_bicep(
    loaded: &mut [Loaded],
    sources: &SourceMap,
    opts: &ScanOptions,
) -> (HashMap<FileId, Vec<Problem>>, HashMap<FileId, Vec<FileId>>) {
    let files = templates::Loader {
        sources,
        docs: loaded
            .iter()
            .filter_map(|l| Some((sources.get(l.file)?.abs_path.clone(), (l.file, l.doc.as_ref()?))))
            .collect(),
        programs: programs(loaded),
        roots: super::load::trusted_roots(opts),
    };
    let aliases = super::load::module_aliases(opts);
    let lowered: Vec<(usize, crate::bicep::lower::Lowered)> = loaded
        .par_iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let program = l.program.as_deref()?;
            match l.kind {
                Some(DocKind::Bicep) => Some((i, crate::bicep::lower::lower(program, l.file, &files, &aliases))),
                Some(DocKind::BicepParams) => Some((i, crate::bicep::lower::parameters(program, l.file, &files))),
                _ => None,
            }
        })
        .collect();
    drop(files);
    let mut problems = HashMap::new();
    let mut modules = HashMap::new();
    for (i, x) in lowered {
        let file = loaded[i].file;
        loaded[i].doc = Some(x.template);
        problems.insert(file, x.problems);
        modules.insert(file, x.modules);
    }
    (problems, modules)
}

/// `.bicepparam` files with the program their `using` names (when it is scanned).
fn pair_bicepparams(loaded: &[Loaded], sources: &SourceMap) -> HashMap<FileId, FileId> {
    let mut out = HashMap::new();
    for l in loaded.iter().filter(|l| l.kind == Some(DocKind::BicepParams)) {
        let (Some(program), Some(f)) = (l.program.as_deref(), sources.get(l.file)) else { continue };
        let Some(using) = crate::bicep::lower::using_path(program) else { continue };
        let Some(dir) = f.abs_path.parent() else { continue };
        let Ok(target) = std::fs::canonicalize(dir.join(using)) else { continue };
        if let Some(t) = sources.find_abs(&target) {
            out.insert(t, l.file);
        }
    }
    out
}

/// The parsed Bicep programs by file, for modules and imports (parsed once, in load).
fn programs(loaded: &[Loaded]) -> HashMap<FileId, std::sync::Arc<crate::bicep::Program>> {
    loaded.iter().filter_map(|l| Some((l.file, l.program.clone()?))).collect()
}
