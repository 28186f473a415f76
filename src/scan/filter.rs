//! Stage 6: filter. Suppressions and azlint.toml, then the baseline.

use super::{Problem, Problems, ScanOptions};
use crate::engine::{Registry, Results};
use crate::model::Model;
use crate::problem::Code;
use crate::source::SourceMap;

/// What the filters accepted: suppressed findings, how many the baseline accepted, and
/// the baseline entries that no longer occur.
pub(super) struct Filtered {
    pub(super) suppressed: Vec<crate::filter::Suppressed>,
    pub(super) baselined: usize,
    pub(super) baseline_gone: Vec<crate::filter::baseline::Entry>,
}

/// Removes suppressed and baselined findings from `results`.
pub(super) fn filter(
    results: &mut Results,
    model: &Model,
    sources: &SourceMap,
    registry: &Registry,
    opts: &ScanOptions,
    p: &mut Problems,
) -> Filtered {
    let (suppressions, invalid) = crate::filter::collect(model, sources, &opts.config, opts.config_path.as_deref());
    p.errors.extend(invalid);
    let filtered = crate::filter::apply(&mut results.findings, model, sources, registry, &opts.config, &suppressions);
    p.errors.extend(filtered.errors);
    p.warnings.extend(filtered.warnings);
    let (baselined, baseline_gone) = apply_baseline(opts, results, model, sources, registry, &mut p.errors);
    Filtered { suppressed: filtered.suppressed, baselined, baseline_gone }
}

/// `--write-baseline` records the findings; `--baseline` removes the ones it lists and
/// returns how many, with the entries that no longer occur.
fn apply_baseline(
    opts: &ScanOptions,
    results: &mut Results,
    model: &Model,
    sources: &SourceMap,
    registry: &Registry,
    errors: &mut Vec<Problem>,
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
            errors.push(Problem::error(
                Code::BadOption,
                format!("refusing to write the baseline over the scanned file `{}`", input.1.path),
                Some(path.display().to_string()),
                None,
            ));
            return (0, Vec::new());
        }
        let b = Baseline::new(results.findings.iter().map(key).collect());
        if let Err(e) = std::fs::write(path, b.to_json()) {
            errors.push(Problem::error(
                Code::IoError,
                format!("cannot write the baseline: {e}"),
                Some(path.display().to_string()),
                None,
            ));
        }
        return (0, Vec::new());
    }
    let Some(path) = &opts.baseline else { return (0, Vec::new()) };
    let b = match Baseline::read(path) {
        Ok(b) => b,
        Err(message) => {
            errors.push(Problem::error(Code::BadOption, message, Some(path.display().to_string()), None));
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
