//! Replays the fuzz seeds and every hostile and secret fixture through the fuzz targets'
//! checks (`azlint::fuzzing`), so that CI catches a regression in seconds without a
//! fuzzer. `fuzz/run.sh` fuzzes from the same inputs; an input a fuzz run finds is
//! added to `fuzz/seeds/<target>/`.

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The inputs of one target: its seeds, and for the template targets the fixtures
/// written to break azlint or to hide secrets, and the ARM and rule fixtures.
fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    files(&root.join("fuzz/seeds").join(target), &mut out);
    if target != "expr" {
        for dir in ["fixtures/hostile", "fixtures/secrets", "fixtures/arm", "fixtures/rules"] {
            files(&root.join(dir), &mut out);
        }
        out.retain(|p| p.extension().is_none_or(|e| e == "json"));
    }
    out
}

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let inputs = inputs(target);
    for p in &inputs {
        let data = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        if let Err(e) = std::panic::catch_unwind(|| check(&data)) {
            let why = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
            panic!("{target}: {} fails: {}", p.display(), why.unwrap_or_default());
        }
    }
    inputs.len()
}

#[test]
fn expression_seeds_replay() {
    assert!(replay("expr", azlint::fuzzing::expression) >= 8);
}

#[test]
fn expansion_seeds_replay() {
    assert!(replay("expand", azlint::fuzzing::expansion) > 200);
}

#[test]
fn whole_scan_seeds_replay() {
    assert!(replay("scan", azlint::fuzzing::whole_scan) > 200);
}
