//! Parses every `.bicep` and `.bicepparam` file under the given directories with the
//! native Bicep parser and prints how long it took (read and parse, in parallel) and
//! how many files had errors: the measurement behind `benches/bicep_parse.sh`.
//!
//! `cargo run --release --example bicep_parse -- DIR... [--errors]`

use std::path::PathBuf;
use std::time::Instant;

use azlint::bicep::{Dialect, line_col, parse_dialect};
use azlint::value::FileId;
use rayon::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show_errors = args.iter().any(|a| a == "--errors");
    let started = Instant::now();
    let files: Vec<PathBuf> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .flat_map(|dir| walkdir::WalkDir::new(dir).into_iter().filter_map(Result::ok))
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("bicep" | "bicepparam")))
        .collect();
    let results: Vec<(PathBuf, usize, String, usize)> = files
        .par_iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let program = parse_dialect(&text, FileId(0), Dialect::from_path(path));
            let first = program
                .errors
                .first()
                .map(|e| {
                    let (l, c) = line_col(&text, e.span.start as usize);
                    format!("{}:{l}:{c} {}", path.display(), e.message)
                })
                .unwrap_or_default();
            (path.clone(), program.errors.len(), first, text.len())
        })
        .collect();
    let elapsed = started.elapsed();
    let bytes: usize = results.iter().map(|r| r.3).sum();
    let failed: Vec<_> = results.iter().filter(|r| r.1 > 0).collect();
    if show_errors {
        for r in &failed {
            println!("{}", r.2);
        }
    }
    println!(
        "{} files, {:.1} MB, {} with errors, {:.3} s wall",
        results.len(),
        bytes as f64 / 1e6,
        failed.len(),
        elapsed.as_secs_f64()
    );
}
