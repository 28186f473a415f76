//! Expands every ARM template under `../shared/corpus` (skipped when absent): no
//! panic, no unknown function, and a per-folder summary of resources and unknown
//! values. `AZLINT_CORPUS_DETAIL=<text>` prints every diagnostic containing `<text>`
//! with its file and offset, for chasing false errors.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use azlint::arm::{DeploymentContext, ExpandOptions, TemplateLoader, UnknownStats, expand};
use azlint::source::json::parse;
use azlint::value::{FileId, Node};
use rayon::prelude::*;

/// Loads relative links from disk, registering each file it reads.
struct DiskLoader {
    files: Mutex<Vec<PathBuf>>,
}

impl TemplateLoader for DiskLoader {
    fn load_relative(&self, from: FileId, relative_path: &str) -> Result<(FileId, Node), String> {
        let mut files = self.files.lock().map_err(|e| e.to_string())?;
        let base = files.get(from.0 as usize).cloned().ok_or("unknown file")?;
        let path = base.parent().unwrap_or(Path::new(".")).join(relative_path);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let id = FileId(files.len() as u32);
        files.push(path);
        drop(files);
        parse(&text, id).map(|n| (id, n)).map_err(|e| e.message)
    }

    fn name(&self, file: FileId) -> String {
        let files = self.files.lock().map(|f| f.clone()).unwrap_or_default();
        files.get(file.0 as usize).map_or_else(|| format!("file {}", file.0), |p| p.display().to_string())
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("json")) {
            out.push(p);
        }
    }
}

#[derive(Default)]
struct Tally {
    templates: usize,
    resources: usize,
    unknown: UnknownStats,
    errors: usize,
    panics: Vec<String>,
    unsupported: Vec<String>,
    messages: BTreeMap<String, usize>,
}

#[test]
fn corpus_expands_without_panics() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !root.is_dir() {
        eprintln!("skipping: {} is absent", root.display());
        return;
    }
    let started = Instant::now();
    let mut report = Vec::new();
    let mut all_panics = Vec::new();
    let mut all_unsupported = Vec::new();
    let mut folders: Vec<PathBuf> =
        std::fs::read_dir(&root).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    folders.sort();
    for folder in folders {
        let t0 = Instant::now();
        let mut files = Vec::new();
        walk(&folder, &mut files);
        files.sort();
        let ctx = DeploymentContext::default();
        let tally = Mutex::new(Tally::default());
        files.par_iter().for_each(|path| {
            let Ok(text) = std::fs::read_to_string(path) else {
                return;
            };
            let head = &text[..text.len().min(2000)];
            if !head.to_ascii_lowercase().contains("deploymenttemplate.json") {
                return;
            }
            let loader = DiskLoader { files: Mutex::new(vec![path.clone()]) };
            let result = catch_unwind(AssertUnwindSafe(|| {
                let node = parse(&text, FileId(0)).ok()?;
                let schema = node.get("$schema").and_then(|s| s.as_str())?.to_ascii_lowercase();
                if !schema.contains("deploymenttemplate.json") {
                    return None;
                }
                let opts = ExpandOptions { context: &ctx, parameters: None, loader: Some(&loader), file: FileId(0) };
                Some(expand(&node, &opts))
            }));
            let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
            match result {
                Err(_) => t.panics.push(path.display().to_string()),
                Ok(None) => {}
                Ok(Some(exp)) => {
                    t.templates += 1;
                    t.resources += exp.resources.len();
                    t.unknown.merge(&exp.unknown_stats);
                    for d in &exp.diagnostics {
                        if d.code == "arm-unknown-function" {
                            t.unsupported.push(format!("{}: {}", path.display(), d.message));
                        }
                        if let Ok(want) = std::env::var("AZLINT_CORPUS_DETAIL")
                            && d.message.contains(&want)
                        {
                            eprintln!("{} @{}: {}", path.display(), d.span.map_or(0, |s| s.start), d.message);
                        }
                        if d.is_error() {
                            t.errors += 1;
                            let key = format!("{} {}", d.code, d.message.chars().take(90).collect::<String>());
                            *t.messages.entry(key).or_default() += 1;
                        }
                    }
                }
            }
        });
        let t = tally.into_inner().unwrap_or_else(|e| e.into_inner());
        let name = folder.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let causes: Vec<String> = t.unknown.by_cause.iter().map(|(c, n)| format!("{}={n}", c.as_str())).collect();
        report.push(format!(
            "{name}: {} templates, {} resources, unknown values: {} [{}], error diagnostics: {}, {:.2?}",
            t.templates,
            t.resources,
            t.unknown.total(),
            causes.join(", "),
            t.errors,
            t0.elapsed()
        ));
        let mut top: Vec<_> = t.messages.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1));
        for (m, n) in top.iter().take(25) {
            report.push(format!("    {n:5} {m}"));
        }
        all_panics.extend(t.panics);
        all_unsupported.extend(t.unsupported);
    }
    println!("{}", report.join("\n"));
    println!("total time {:.2?}", started.elapsed());
    assert!(all_panics.is_empty(), "panics in:\n{}", all_panics.join("\n"));
    assert!(all_unsupported.is_empty(), "unsupported functions:\n{}", all_unsupported.join("\n"));
}
