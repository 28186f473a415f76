//! Runs the shared function vectors (`../shared/arm/function-vectors.json`) and error
//! vectors through `eval_expression_in`. Skips with a message when the shared folder
//! is absent.

use std::path::{Path, PathBuf};

use azlint::arm::{DeploymentContext, EvalScope, eval_expression_in};

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/arm");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} is absent", dir.display());
        None
    }
}

fn load(dir: &Path, file: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// JSON equality ignoring key order (serde_json maps compare by content).
fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (a, b) {
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (J::Array(x), J::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w)),
        (J::Number(x), J::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn context_of(v: &serde_json::Value) -> (DeploymentContext, EvalScope) {
    let ctx = v.get("context").cloned().unwrap_or(serde_json::Value::Null);
    let dc = DeploymentContext::from_json(&ctx).unwrap_or_else(|e| panic!("{}: bad context: {e}", v["id"]));
    (dc, EvalScope::from_json(&ctx))
}

#[test]
fn function_vectors_pass() {
    let Some(dir) = shared() else { return };
    let vectors = load(&dir, "function-vectors.json");
    let mut failures = Vec::new();
    for v in &vectors {
        let id = v["id"].as_str().unwrap_or("?");
        let expr = v["expr"].as_str().unwrap_or_default();
        let (dc, scope) = context_of(v);
        match eval_expression_in(expr, &dc, &scope) {
            Ok(got) => {
                let got = got.to_json();
                if !same(&got, &v["expect"]) {
                    failures.push(format!("{id}: {expr}\n    expected {}\n    got      {got}", v["expect"]));
                }
            }
            Err(e) => failures.push(format!("{id}: {expr}\n    error: {e}")),
        }
    }
    println!("function vectors: {} of {} pass", vectors.len() - failures.len(), vectors.len());
    assert!(failures.is_empty(), "{} failing vectors:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn error_vectors_fail() {
    let Some(dir) = shared() else { return };
    let vectors = load(&dir, "function-error-vectors.json");
    let mut failures = Vec::new();
    for v in &vectors {
        let id = v["id"].as_str().unwrap_or("?");
        let expr = v["expr"].as_str().unwrap_or_default();
        let (dc, scope) = context_of(v);
        match eval_expression_in(expr, &dc, &scope) {
            Ok(got) => failures.push(format!("{id}: {expr}\n    expected an error, got {}", got.to_json())),
            Err(e) => {
                if let Some(want) = v.get("errorContains").and_then(|w| w.as_str())
                    && !e.to_string().contains(want)
                {
                    failures.push(format!("{id}: {expr}\n    expected message containing {want:?}\n    got {e}"));
                }
            }
        }
    }
    println!("error vectors: {} of {} pass", vectors.len() - failures.len(), vectors.len());
    assert!(failures.is_empty(), "{} failing vectors:\n{}", failures.len(), failures.join("\n"));
}

/// `azlint eval EXPR --context FILE` on every function and error vector: the command
/// line takes the same context shape as the library (`parameters`, `variables`,
/// `copyIndex` included), so the vectors pass through the binary too.
#[test]
fn vectors_pass_through_the_binary() {
    let Some(dir) = shared() else { return };
    let tmp = std::env::temp_dir().join(format!("azlint-vectors-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let mut failures = Vec::new();
    let run = |v: &serde_json::Value, i: usize| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_azlint"));
        cmd.args(["eval", v["expr"].as_str().unwrap_or_default()]);
        if let Some(ctx) = v.get("context") {
            let file = tmp.join(format!("{i}.json"));
            std::fs::write(&file, ctx.to_string()).expect("write context");
            cmd.arg("--context").arg(file);
        }
        let out = cmd.output().expect("run azlint");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let functions = load(&dir, "function-vectors.json");
    for (i, v) in functions.iter().enumerate() {
        let (code, stdout, stderr) = run(v, i);
        let got: Option<serde_json::Value> = serde_json::from_str(&stdout).ok();
        if code != Some(0) || !got.as_ref().is_some_and(|g| same(g, &v["expect"])) {
            failures.push(format!("{}: exit {code:?}, expected {}, got {stdout}{stderr}", v["id"], v["expect"]));
        }
    }
    let errors = load(&dir, "function-error-vectors.json");
    for (i, v) in errors.iter().enumerate() {
        let (code, stdout, stderr) = run(v, functions.len() + i);
        let want = v.get("errorContains").and_then(|w| w.as_str()).unwrap_or_default();
        if code != Some(2) || !stderr.contains(want) {
            failures.push(format!(
                "{}: exit {code:?}, expected an error containing {want:?}, got {stdout}{stderr}",
                v["id"]
            ));
        }
    }
    std::fs::remove_dir_all(&tmp).ok();
    println!(
        "through the binary: {} of {} vectors pass",
        functions.len() + errors.len() - failures.len(),
        functions.len() + errors.len()
    );
    assert!(failures.is_empty(), "{} failing vectors:\n{}", failures.len(), failures.join("\n"));
}
