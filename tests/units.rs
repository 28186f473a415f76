//! Deployment units (issue 11): each entry template, with its nested and linked
//! templates, is a model of its own, so templates scanned together never influence each
//! other's findings; `[[units]]` in azlint.toml joins templates that deploy together.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use azlint::report::Report;
use azlint::scan::{ScanOptions, scan};
use support::azlint;

/// file -> sorted (rule, resource, message) of its findings and undetermined results.
fn by_file(paths: Vec<PathBuf>) -> BTreeMap<String, Vec<String>> {
    let out = scan(&ScanOptions { paths, ..Default::default() });
    let r = Report::new(&out, false);
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in &r.findings {
        let file = f.location.as_ref().map(|l| l.file.clone()).unwrap_or_default();
        m.entry(file).or_default().push(format!("{} {} {}", f.code, f.resource.name, f.message));
    }
    for u in &r.undetermined {
        let file = u.location.as_ref().map(|l| l.file.clone()).unwrap_or_default();
        m.entry(file).or_default().push(format!("{} {} undetermined: {}", u.code, u.resource.name, u.reason));
    }
    m.values_mut().for_each(|v| v.sort());
    m
}

fn templates(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read").flatten() {
        let p = e.path();
        if p.is_dir() {
            templates(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") && !p.to_string_lossy().ends_with(".parameters.json") {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            if text.contains("deploymentTemplate.json") {
                out.push(p);
            }
        }
    }
}

/// Every rule fixture template gives the same findings scanned with all the others as
/// scanned alone: the fixtures reuse names (`api-backend`, `web-frontend`) that, in one
/// model, would call each other across files.
#[test]
fn unrelated_templates_never_influence_each_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    templates(&root.join("fixtures/rules"), &mut files);
    files.sort();
    assert!(files.len() > 150, "{} templates", files.len());
    // Scanned from the repository root, as a user would, so paths read the same.
    std::env::set_current_dir(root).expect("cd");
    let rel: Vec<PathBuf> = files.iter().map(|f| f.strip_prefix(root).unwrap().to_path_buf()).collect();
    let together = by_file(vec![PathBuf::from("fixtures/rules")]);
    let mut differ = Vec::new();
    for f in &rel {
        let alone = by_file(vec![f.clone()]);
        let name = f.to_string_lossy().to_string();
        let a = alone.get(&name).cloned().unwrap_or_default();
        let t = together.get(&name).cloned().unwrap_or_default();
        if a != t {
            differ.push(format!("{name}:\n  alone:    {a:?}\n  together: {t:?}"));
        }
    }
    assert!(differ.is_empty(), "{} templates changed when scanned together:\n{}", differ.len(), differ.join("\n"));
}

/// Two templates that deploy together: apart, the app's subnet is not in its model
/// (NET007); grouped by azlint.toml, the subnet is found and lacks its delegation (NET001).
#[test]
fn units_in_the_config_share_one_model() {
    let codes = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["scan", "fixtures/units", "--format", "json", "--select", "NET", "--fail-on", "none"];
        a.extend(args);
        let (_, out, err) = azlint(&a);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
        v["findings"].as_array().unwrap().iter().map(|f| format!("{} {}", f["rule"], f["resource"]["name"])).collect()
    };
    assert_eq!(codes(&[]), ["\"NET001\" \"vnet-app/snet-integration\""]);
    assert_eq!(codes(&["--no-config"]), ["\"NET007\" \"web-frontend\""]);
}
