//! Stage 2: the inputs. Walks the paths (excludes, symlinks, special files), brings a
//! template's parameters file along and the reverse, and adds `--parameters`.

use super::{Problem, Problems, ScanOptions, Skipped, pairing};
use crate::problem::Code;
use crate::source::walk::{Input, collect, exclude_set};

/// The files to read, sorted, without duplicates.
pub(super) fn inputs(opts: &ScanOptions, p: &mut Problems) -> Vec<Input> {
    let exclude = exclude_set(&opts.exclude).unwrap_or_else(|e| {
        p.errors.push(Problem::error(Code::BadOption, e, None, None));
        globset::GlobSet::empty()
    });
    let (mut inputs, problems, skipped) = collect(&opts.paths, &exclude);
    for problem in problems {
        p.push(problem);
    }
    p.skipped.extend(skipped);
    one_of_bicep_and_json(&mut inputs, opts, p);
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
    inputs
}

/// `main.bicep` and the `main.json` built from it (every Azure Verified Module has
/// both) are one program: the Bicep is scanned and the JSON named as skipped, unless
/// `--input-format template` asks for the JSON (then the Bicep is skipped).
fn one_of_bicep_and_json(inputs: &mut Vec<Input>, opts: &ScanOptions, p: &mut Problems) {
    use crate::source::detect::is_bicep;
    let stem = |i: &Input| i.path.with_extension("");
    let bicep: std::collections::HashSet<_> = inputs.iter().filter(|i| is_bicep(&i.path)).map(stem).collect();
    let json_twin =
        |i: &Input| i.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) && bicep.contains(&stem(i));
    let twins: std::collections::HashSet<_> = inputs.iter().filter(|i| json_twin(i)).map(stem).collect();
    let want_json = opts.input_format == Some(crate::source::detect::DocKind::Template);
    inputs.retain(|i| {
        if !twins.contains(&stem(i)) {
            return true;
        }
        let (skip, reason) = if want_json {
            (is_bicep(&i.path), "the Bicep source of a JSON template scanned instead (`--input-format template`)")
        } else {
            (json_twin(i), "the build output of the Bicep program beside it, which is scanned instead")
        };
        if skip {
            p.skipped.push(Skipped { file: i.display.clone(), reason: reason.into() });
        }
        !skip
    });
}
