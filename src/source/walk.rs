//! Expands the paths a user gives into the files to read: folders are walked for JSON
//! files (symlinks followed only inside the scanned folders, loops not), `--exclude`
//! globs apply, order is sorted and every file appears once; what is left out is named
//! with the reason.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::problem::{Code, Problem, Skipped};

/// A file to read, with the path as the user should see it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Input {
    pub display: String,
    /// The file, or [`STDIN`] for standard input.
    pub path: PathBuf,
    /// Named on the command line (read whatever its extension).
    pub explicit: bool,
}

/// The path of an [`Input`] that is standard input (`-` or `/dev/stdin` on the command line).
pub const STDIN: &str = "-";
/// How reports name standard input.
pub const STDIN_NAME: &str = "<stdin>";

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

/// The files a folder walk reads: JSON (templates, exports) and Bicep.
fn is_json(path: &Path) -> bool {
    crate::source::detect::is_bicep(path)
        || crate::source::detect::is_bicepparam(path)
        || path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("jsonc"))
}

fn excluded(set: &GlobSet, display: &str) -> bool {
    let normalized = display.trim_start_matches("./");
    set.is_match(normalized) || set.is_match(display)
}

/// Kernel and device interfaces: never configuration, and reading them can hang or
/// leak the process's environment (`/proc/self/environ`).
const PSEUDO: &[&str] = &["/proc", "/sys", "/dev"];

fn pseudo(canonical: &Path) -> bool {
    PSEUDO.iter().any(|p| canonical.starts_with(p))
}

/// What a file that is not a regular file is, for messages.
pub fn file_kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else if t.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Collects the files below `paths`. Folders are walked with symlinks followed only
/// where they lead to a file or folder inside one of `paths` (a symlink to `/` or to
/// `/proc/self/environ` is left out and named); FIFOs, sockets and devices are never
/// read; `-` and `/dev/stdin` stand for standard input.
pub fn collect(paths: &[PathBuf], exclude: &GlobSet) -> (Vec<Input>, Vec<Problem>, Vec<Skipped>) {
    let mut inputs = Vec::new();
    let mut issues = Vec::new();
    let mut skipped = Vec::new();
    let mut seen = HashSet::new();
    let roots: Vec<PathBuf> = paths.iter().filter_map(|p| std::fs::canonicalize(p).ok()).collect();
    let inside = |p: &Path| roots.iter().any(|r| p.starts_with(r)) && !pseudo(p);
    for root in paths {
        let display_root = root.to_string_lossy().to_string();
        if display_root == STDIN || root == Path::new("/dev/stdin") {
            if seen.insert(PathBuf::from(STDIN)) {
                inputs.push(Input { display: STDIN_NAME.into(), path: PathBuf::from(STDIN), explicit: true });
            }
            continue;
        }
        let error = |message: String| Problem::error(Code::IoError, message, Some(display_root.clone()), None);
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                issues.push(error(format!("cannot read: {e}")));
                continue;
            }
        };
        if !meta.is_file() && !meta.is_dir() {
            issues.push(error(format!(
                "not read: it is {} (to scan standard input, pass `-`)",
                file_kind(&meta.file_type())
            )));
            continue;
        }
        let canon = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        if pseudo(&canon) {
            issues.push(error(format!(
                "not read: `{}` is a kernel or device interface, not a configuration file",
                canon.display()
            )));
            continue;
        }
        if meta.is_file() {
            if seen.insert(canon) {
                inputs.push(Input { display: display_root, path: root.clone(), explicit: true });
            }
            continue;
        }
        let mut left_out = Vec::new();
        let walker = walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name().into_iter().filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            if e.file_type().is_dir() && (name == ".git" || name == "node_modules") {
                return false;
            }
            if e.path_is_symlink() {
                let target = std::fs::canonicalize(e.path()).unwrap_or_default();
                if !inside(&target) {
                    left_out.push((e.path().to_path_buf(), target));
                    return false;
                }
            }
            true
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
                Ok(e) if !e.file_type().is_file() && !e.file_type().is_dir() && is_json(e.path()) => {
                    let display = e.path().to_string_lossy().to_string();
                    if !excluded(exclude, &display) {
                        let message = format!("not read: it is {}", file_kind(&e.file_type()));
                        skipped.push(Skipped { file: display, reason: message });
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    let path = e.path().map_or_else(|| display_root.clone(), |p| p.to_string_lossy().to_string());
                    let is_loop = e.loop_ancestor().is_some();
                    issues.push(if is_loop {
                        Problem::warning(Code::SymlinkLoop, "symlink loop not followed", Some(path), None)
                    } else {
                        Problem::error(Code::IoError, format!("cannot read: {e}"), Some(path), None)
                    });
                }
            }
        }
        for (link, target) in left_out {
            let display = link.to_string_lossy().to_string();
            if excluded(exclude, &display) {
                continue;
            }
            let message = if target.as_os_str().is_empty() {
                "symlink not followed: its target cannot be read".to_string()
            } else {
                format!("symlink not followed: `{}` is outside the scanned folders", target.display())
            };
            skipped.push(Skipped { file: display, reason: message });
        }
    }
    inputs.sort();
    issues.sort_by(|a, b| a.file.cmp(&b.file));
    skipped.sort_by(|a, b| a.file.cmp(&b.file));
    (inputs, issues, skipped)
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
