//! Expands the paths a user gives into the files to read: folders are walked for JSON
//! files (symlinks followed, loops not), `--exclude` globs apply, order is sorted and
//! every file appears once.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

/// A file to read, with the path as the user should see it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Input {
    pub display: String,
    pub path: PathBuf,
    /// Named on the command line (read whatever its extension).
    pub explicit: bool,
}

/// A path that could not be walked.
#[derive(Clone, Debug)]
pub struct WalkIssue {
    pub path: String,
    pub message: String,
    /// A symlink loop is noted, not an error: its target is read through another path.
    pub is_error: bool,
}

/// Builds the `--exclude` matcher.
pub fn exclude_set(globs: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(Glob::new(g).map_err(|e| format!("invalid --exclude glob `{g}`: {e}"))?);
        // `dir` or `dir/` also excludes everything below it.
        let trimmed = g.trim_end_matches('/');
        if !trimmed.contains('*') {
            b.add(Glob::new(&format!("{trimmed}/**")).map_err(|e| e.to_string())?);
            b.add(Glob::new(&format!("**/{trimmed}")).map_err(|e| e.to_string())?);
            b.add(Glob::new(&format!("**/{trimmed}/**")).map_err(|e| e.to_string())?);
        }
    }
    b.build().map_err(|e| e.to_string())
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("jsonc"))
}

fn excluded(set: &GlobSet, display: &str) -> bool {
    let normalized = display.trim_start_matches("./");
    set.is_match(normalized) || set.is_match(display)
}

/// Collects the files below `paths`.
pub fn collect(paths: &[PathBuf], exclude: &GlobSet) -> (Vec<Input>, Vec<WalkIssue>) {
    let mut inputs = Vec::new();
    let mut issues = Vec::new();
    let mut seen = HashSet::new();
    for root in paths {
        let display_root = root.to_string_lossy().to_string();
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                issues.push(WalkIssue { path: display_root, message: format!("cannot read: {e}"), is_error: true });
                continue;
            }
        };
        if meta.is_file() {
            let canon = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
            if seen.insert(canon) {
                inputs.push(Input { display: display_root, path: root.clone(), explicit: true });
            }
            continue;
        }
        let walker = walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name().into_iter().filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0 || !(e.file_type().is_dir() && (name == ".git" || name == "node_modules"))
        });
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() && is_json(e.path()) => {
                    let display = e.path().to_string_lossy().to_string();
                    if excluded(exclude, &display) {
                        continue;
                    }
                    let canon = std::fs::canonicalize(e.path()).unwrap_or_else(|_| e.path().to_path_buf());
                    if seen.insert(canon) {
                        inputs.push(Input { display, path: e.into_path(), explicit: false });
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    let path = e.path().map_or_else(|| display_root.clone(), |p| p.to_string_lossy().to_string());
                    let is_loop = e.loop_ancestor().is_some();
                    let message =
                        if is_loop { "symlink loop not followed".to_string() } else { format!("cannot read: {e}") };
                    issues.push(WalkIssue { path, message, is_error: !is_loop });
                }
            }
        }
    }
    inputs.sort();
    (inputs, issues)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excludes_folders_and_globs() {
        let set = exclude_set(&["vendor".into(), "*.generated.json".into()]).unwrap();
        assert!(excluded(&set, "infra/vendor/x.json"));
        assert!(excluded(&set, "./vendor/x.json"));
        assert!(excluded(&set, "a.generated.json"));
        assert!(!excluded(&set, "infra/main.json"));
    }
}
