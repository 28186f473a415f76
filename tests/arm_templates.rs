//! Runs the shared template vectors (`../shared/arm/template-vectors.json`) and the
//! hand-written fixtures under `fixtures/arm/` through the expander.

use std::path::Path;

use azlint::arm::{DeploymentContext, ExpandOptions, expand};
use azlint::source::json::parse;
use azlint::value::{FileId, Node, Value};

fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (a, b) {
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w))
        }
        (J::Number(x), J::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// True when every key of `want` matches in `got` (names compared case-insensitively).
fn matches_resource(r: &azlint::arm::ExpandedResource, want: &serde_json::Value) -> bool {
    let got = r.node.value.to_json();
    want.as_object().is_some_and(|w| {
        w.iter().all(|(k, v)| match k.as_str() {
            "symbolicName" => r.symbolic_name.as_deref() == v.as_str(),
            "type" | "name" => got
                .get(k)
                .and_then(|g| g.as_str())
                .zip(v.as_str())
                .is_some_and(|(g, v)| g.eq_ignore_ascii_case(v)),
            _ => got.get(k).is_some_and(|g| same(g, v)),
        })
    })
}

fn run_vector(v: &serde_json::Value) -> Result<(), String> {
    let text = serde_json::to_string(&v["template"]).map_err(|e| e.to_string())?;
    let template = parse(&text, FileId(0)).map_err(|e| e.message)?;
    let ctx = DeploymentContext::from_json(v.get("context").unwrap_or(&serde_json::Value::Null))?;
    let params_doc = v.get("parameters").map(|p| {
        let wrapped: serde_json::Map<String, serde_json::Value> = p
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, x)| (k.clone(), serde_json::json!({ "value": x })))
            .collect();
        Node::bare(Value::from_json(
            &serde_json::json!({ "parameters": wrapped }),
        ))
    });
    let opts = ExpandOptions {
        context: &ctx,
        parameters: params_doc.as_ref(),
        loader: None,
        file: FileId(0),
    };
    let exp = expand(&template, &opts);
    let errors: Vec<_> = exp
        .diagnostics
        .iter()
        .filter(|d| d.is_error)
        .map(|d| d.message.clone())
        .collect();
    if !errors.is_empty() {
        return Err(format!("diagnostics: {errors:?}"));
    }
    if let Some(want) = v.get("expectOutputs").and_then(|o| o.as_object()) {
        for (k, w) in want {
            let got = exp
                .outputs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, n)| n.value.to_json());
            if !got.as_ref().is_some_and(|g| same(g, w)) {
                return Err(format!("output {k}: expected {w}, got {got:?}"));
            }
        }
    }
    if let Some(want) = v.get("expectResources").and_then(|r| r.as_array()) {
        for w in want {
            if !exp
                .resources
                .iter()
                .any(|r| !r.existing && matches_resource(r, w))
            {
                let got: Vec<_> = exp
                    .resources
                    .iter()
                    .map(|r| r.node.value.to_json().to_string())
                    .collect();
                return Err(format!("no resource matches {w}\n    got {got:#?}"));
            }
        }
        let deployed = exp.resources.iter().filter(|r| !r.existing).count();
        if deployed != want.len() {
            return Err(format!("expected {} resources, got {deployed}", want.len()));
        }
    }
    Ok(())
}

#[test]
fn template_vectors_pass() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/arm");
    let Ok(text) = std::fs::read_to_string(dir.join("template-vectors.json")) else {
        eprintln!("skipping: {} is absent", dir.display());
        return;
    };
    let vectors: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap_or_default();
    let mut failures = Vec::new();
    for v in &vectors {
        if let Err(e) = run_vector(v) {
            failures.push(format!("{}: {e}", v["id"].as_str().unwrap_or("?")));
        }
    }
    println!(
        "template vectors: {} of {} pass",
        vectors.len() - failures.len(),
        vectors.len()
    );
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
