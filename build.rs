//! Embeds every file under `rules/` in the binary, so that rule metadata, docs and
//! declarative checks ship with it and `rules/` stays the single source of truth.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=rules");
    let mut files = Vec::new();
    collect(Path::new("rules"), &mut files);
    files.sort();
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let mut out = String::from(
        "/// Every rule file under `rules/`: (path relative to the crate, contents).\npub static EMBEDDED_RULES: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        let rel = f.to_string_lossy().replace('\\', "/");
        out.push_str(&format!("    ({rel:?}, include_str!(concat!({manifest:?}, \"/\", {rel:?}))),\n"));
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_rules.rs");
    std::fs::write(dest, out).expect("write embedded_rules.rs");
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        println!("cargo:rerun-if-changed={}", p.display());
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
}
