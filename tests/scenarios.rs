//! Whole-architecture scenarios (fixtures/scenarios/<name>/): one correct architecture
//! written as a template and as two exported-state forms, and variants that each break
//! it in one way. A variant is a list of edits (`set` a property of a resource, or `add`
//! a resource written as in a template) applied to every form; every form of
//! every variant must give exactly the expected (rule, resource) findings.
//!
//! Two more forms come from the ARM list export: `live`, the export served by the fake
//! Resource Manager (`tests/support/fake_arm.rs`) and read with the live reader, and
//! `live-saved`, the document that read produced, scanned from a file.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use azlint::report::Report;
use azlint::scan::{ScanOptions, scan};

/// A variant: its name, its edits, and the (rule, resource name) findings it must give.
type Variant = (String, Vec<Value>, BTreeSet<(String, String)>);

const FORMS: &[&str] = &["template.json", "export-arm-list.json", "export-graph.json"];
const TEMPLATE_SCOPE: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg";

/// The rows of a form and how to name them.
fn rows(doc: &mut Value) -> &mut Vec<Value> {
    let key = ["resources", "value", "data"].into_iter().find(|k| doc.get(k).is_some()).expect("a resource list");
    doc[key].as_array_mut().expect("an array")
}

/// A row's full ARM name: the template's `name`, or the names in an exported id.
fn full_name(row: &Value) -> String {
    match row.get("id").and_then(Value::as_str) {
        Some(id) => {
            let after = id.rsplit_once("/providers/").map_or(id, |(_, a)| a);
            after.split('/').skip(2).step_by(2).collect::<Vec<_>>().join("/")
        }
        None => row["name"].as_str().unwrap_or_default().to_string(),
    }
}

fn set_path(target: &mut Value, path: &str, value: Value) {
    let mut cur = target;
    let segs: Vec<&str> = path.split('.').collect();
    for (i, seg) in segs.iter().enumerate() {
        let last = i == segs.len() - 1;
        cur = match seg.parse::<usize>() {
            Ok(ix) => {
                let arr = cur.as_array_mut().unwrap_or_else(|| panic!("`{path}`: `{seg}` indexes a non-array"));
                if ix == arr.len() {
                    arr.push(Value::Null);
                }
                &mut arr[ix]
            }
            Err(_) => {
                let obj = cur.as_object_mut().unwrap_or_else(|| panic!("`{path}`: `{seg}` on a non-object"));
                obj.entry(seg.to_string()).or_insert(if last { Value::Null } else { Value::Object(Default::default()) })
            }
        };
    }
    *cur = value;
}

/// A resource written as in a template, in the shape of this form: as is for a
/// template, with an id (and Resource Graph's lower-case type) for an export.
fn shaped(res: &Value, scope: &str, form: &str) -> Value {
    if form == "template.json" {
        return res.clone();
    }
    let ty = res["type"].as_str().unwrap();
    let name = res["name"].as_str().unwrap();
    let mut segs: Vec<&str> = ty.split('/').collect();
    let ns = segs.remove(0);
    let path: Vec<String> = segs.iter().zip(name.split('/')).map(|(t, n)| format!("{t}/{n}")).collect();
    let mut row = res.clone();
    row["id"] = Value::String(format!("{scope}/providers/{ns}/{}", path.join("/")));
    row["name"] = Value::String(name.rsplit('/').next().unwrap().to_string());
    if form == "export-graph.json" {
        row["type"] = Value::String(ty.to_ascii_lowercase());
    }
    row
}

fn apply(form: &mut Value, edits: &[Value], scope: &str, form_name: &str) {
    for e in edits {
        if let Some(res) = e.get("add") {
            let res: Value = serde_json::from_str(&res.to_string().replace("{scope}", scope)).expect("value");
            let row = shaped(&res, scope, form_name);
            rows(form).push(row);
            continue;
        }
        let name = e["resource"].as_str().expect("edit names a resource");
        let row =
            rows(form).iter_mut().find(|r| full_name(r) == name).unwrap_or_else(|| panic!("no resource `{name}`"));
        let value: Value = serde_json::from_str(&e["value"].to_string().replace("{scope}", scope)).expect("value");
        set_path(row, e["set"].as_str().expect("`set` path"), value);
    }
}

/// The (rule, resource name) findings of a scan, and its errors and coverage gaps.
type Outcome = (BTreeSet<(String, String)>, Vec<String>);

fn findings(path: &Path) -> Outcome {
    summarize(&scan(&ScanOptions { paths: vec![path.to_path_buf()], ..Default::default() }))
}

fn summarize(out: &azlint::scan::ScanOutput) -> Outcome {
    let r = Report::new(out, false);
    let errors = r.errors.iter().map(|e| e.message.clone()).collect();
    let mut errors: Vec<String> = errors;
    errors.extend(r.gaps.iter().map(|g| format!("coverage gap: {} {}: {}", g.resource, g.read, g.reason)));
    (r.findings.iter().map(|f| (f.code.clone(), f.resource.name.clone())).collect(), errors)
}

/// Serves `export` (an ARM list export, after the variant's edits) as a live subscription,
/// reads it with the live reader, and returns the findings of the live document and of
/// the same document saved to `saved`.
fn live_findings(export: &Value, saved: &Path) -> [Outcome; 2] {
    use azlint::live::{ClientOptions, LiveOptions};
    let docs = export["value"].as_array().unwrap().clone();
    let sub = docs[0]["id"].as_str().unwrap().split('/').nth(2).unwrap().to_string();
    let server = support::fake_arm::FakeArm::start(support::fake_arm::FakeState::new(docs));
    let client = ClientOptions { endpoint: server.endpoint(), ..ClientOptions::default() };
    let token: azlint::live::TokenSource = std::sync::Arc::new(|| Box::pin(async { Ok("t".to_string()) }));
    let opts = LiveOptions { subscriptions: vec![sub], read_app_settings: true, ..LiveOptions::default() };
    let (read, _) = azlint::live::read_blocking(client, token, &opts, false).expect("the live read runs");
    let text = serde_json::to_string_pretty(&read.document).unwrap();
    let document = azlint::scan::Document { name: saved.display().to_string(), text: text.clone() };
    let live = summarize(&scan(&ScanOptions { documents: vec![document], ..Default::default() }));
    std::fs::write(saved, text).unwrap();
    [live, findings(saved)]
}

fn scenario_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios");
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(root).expect("scenarios").flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    dirs
}

#[test]
fn every_form_of_every_variant_gives_the_expected_findings() {
    let tmp = std::env::temp_dir().join(format!("azlint-scenarios-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut failures = Vec::new();
    let (mut checked, mut expected) = (0, 0);
    for dir in scenario_dirs() {
        let mut variants: Vec<Variant> = vec![("base".into(), Vec::new(), BTreeSet::new())];
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("variants"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for f in files {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
            let expect = v["expect"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string()))
                .collect();
            variants.push((
                f.file_stem().unwrap().to_string_lossy().into(),
                v["edits"].as_array().unwrap().clone(),
                expect,
            ));
        }
        // Every variant in each form, plus the live and saved-live forms of the ARM list.
        expected += variants.len() * (FORMS.len() + 2);
        for (name, edits, expect) in &variants {
            for form in FORMS {
                let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(dir.join(form)).unwrap()).unwrap();
                let scope = if *form == "template.json" {
                    TEMPLATE_SCOPE.to_string()
                } else {
                    let id = rows(&mut doc)[0]["id"].as_str().unwrap().to_string();
                    id.split("/providers/").next().unwrap().to_string()
                };
                apply(&mut doc, edits, &scope, form);
                let path = tmp.join(format!("{}-{name}-{form}", dir.file_name().unwrap().to_string_lossy()));
                std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
                let mut results = vec![(form.to_string(), findings(&path))];
                if *form == "export-arm-list.json" {
                    let saved = path.with_extension("live.json");
                    let [live, from_file] = live_findings(&doc, &saved);
                    results.push(("live".into(), live));
                    results.push(("live-saved".into(), from_file));
                }
                for (form, (got, errors)) in results {
                    checked += 1;
                    if &got != expect || !errors.is_empty() {
                        failures.push(format!(
                            "{}/{name} as {form}: expected {expect:?}, got {got:?} {errors:?}",
                            dir.display()
                        ));
                    }
                }
            }
        }
    }
    std::fs::remove_dir_all(&tmp).ok();
    assert!(checked > 0);
    assert_eq!(checked, expected, "a form was skipped");
    assert!(failures.is_empty(), "{} of {checked} scenario forms differ:\n{}", failures.len(), failures.join("\n"));
}
