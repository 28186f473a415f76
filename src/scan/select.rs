//! Stage 1: the rules. The shipped rules and `--rules` folders, narrowed by `--select`
//! and `--ignore`.

use super::{Problem, Problems, ScanOptions};
use crate::engine::Registry;
use crate::problem::Code;

/// The registry and the indexes of the rules that run.
pub(super) fn rules(opts: &ScanOptions, p: &mut Problems) -> (Registry, Vec<usize>) {
    let mut registry = match crate::rules::registry() {
        Ok(r) => r,
        Err(es) => {
            // The shipped rules' files are not the user's: named in the message only.
            p.errors.extend(es.into_iter().map(|e| Problem { message: e.to_string(), file: None, ..e }));
            Registry::new(crate::rules::NATIVE)
        }
    };
    for dir in &opts.rule_dirs {
        for e in registry.load_dir(dir) {
            p.errors.push(e);
        }
    }
    for name in opts.rule_options.names() {
        if !registry.rules.iter().any(|r| r.options.contains_key(name)) {
            p.errors.push(Problem::error(
                Code::BadOption,
                format!("the rule option `{name}` is read by no rule"),
                None,
                None,
            ));
        }
    }
    let enabled = select_rules(&registry, opts, &mut p.errors);
    (registry, enabled)
}

/// Applies `--select` and `--ignore` (codes, names or prefixes such as `NET`).
fn select_rules(reg: &Registry, opts: &ScanOptions, errors: &mut Vec<Problem>) -> Vec<usize> {
    for sel in opts.select.iter().chain(&opts.ignore) {
        if !reg.rules.iter().any(|r| r.matches_selector(sel)) {
            errors.push(Problem::error(
                Code::BadOption,
                format!("`{sel}` names no rule (use a code, a name or a prefix such as `NET`)"),
                None,
                None,
            ));
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
