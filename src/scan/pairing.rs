//! The one pairing rule between a template and its parameters file: `X.parameters.json`
//! beside `X.json`, `X.bicepparam` beside `X.bicep`. Suffixes compare ignoring ASCII case (`X.Parameters.JSON` is a
//! parameters file); the stem is kept as written.

use std::path::{Path, PathBuf};

const PARAMETERS: &str = ".parameters.json";
const JSON: &str = ".json";
const BICEP: &str = ".bicep";
const BICEPPARAM: &str = ".bicepparam";

/// The stem of `name` without `suffix`, when `name` ends with it ignoring ASCII case.
fn strip<'a>(name: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = name.len().checked_sub(suffix.len())?;
    (name.is_char_boundary(cut) && name[cut..].eq_ignore_ascii_case(suffix) && cut > 0).then(|| &name[..cut])
}

/// The template a parameters file `X.parameters.json` belongs to: `X.json` beside it
/// (`X.bicep` for `X.bicepparam`).
pub fn template_of(parameters: &Path) -> Option<PathBuf> {
    let name = parameters.file_name()?.to_str()?;
    if let Some(stem) = strip(name, BICEPPARAM) {
        return Some(parameters.with_file_name(format!("{stem}{BICEP}")));
    }
    let stem = strip(name, PARAMETERS)?;
    Some(parameters.with_file_name(format!("{stem}{JSON}")))
}

/// The parameters file of a template `X.json`: `X.parameters.json` beside it; `None`
/// for a parameters file itself or a file that is not `.json`.
pub fn parameters_of(template: &Path) -> Option<PathBuf> {
    let name = template.file_name()?.to_str()?;
    if let Some(stem) = strip(name, BICEP) {
        return Some(template.with_file_name(format!("{stem}{BICEPPARAM}")));
    }
    if strip(name, PARAMETERS).is_some() {
        return None;
    }
    Some(template.with_file_name(format!("{}{PARAMETERS}", strip(name, JSON)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_both_ways_ignoring_the_suffix_case() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(parameters_of(&p("d/main.json")), Some(p("d/main.parameters.json")));
        assert_eq!(parameters_of(&p("d/Main.JSON")), Some(p("d/Main.parameters.json")));
        assert_eq!(parameters_of(&p("d/main.parameters.json")), None);
        assert_eq!(parameters_of(&p("d/main.bicep")), Some(p("d/main.bicepparam")));
        assert_eq!(template_of(&p("d/main.bicepparam")), Some(p("d/main.bicep")));
        assert_eq!(parameters_of(&p("d/.json")), None);
        assert_eq!(template_of(&p("d/main.parameters.json")), Some(p("d/main.json")));
        assert_eq!(template_of(&p("d/Main.Parameters.JSON")), Some(p("d/Main.json")));
        assert_eq!(template_of(&p("d/main.json")), None);
    }
}
