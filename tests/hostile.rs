//! Hostile input (issue 15): inputs written to exhaust time or memory end with a clear
//! error for that template and the scan goes on. Each scan runs under a watchdog, so a
//! regression shows as a failed test, not as a CI job that never ends.

mod support;

use std::path::Path;
use std::time::Duration;

use support::azlint_within;

fn scan_json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut a = vec!["scan", "--no-config", "--format", "json"];
    a.extend(args);
    let (code, out, err) = azlint_within(&a, Duration::from_secs(30));
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}")))
}

fn errors(v: &serde_json::Value) -> Vec<(String, String)> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (e["code"].as_str().unwrap_or("").to_string(), e["message"].as_str().unwrap_or("").to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Each doubling or amplifying template gets an `arm-limit` error that says which
/// budget it ran into; its resources are still in the model (with the oversized value
/// unknown), and the other file of the scan is scanned as usual.
#[test]
fn runaway_values_hit_the_budget_and_the_scan_goes_on() {
    let cases = [
        ("doubling-object.json", "larger than 8 MB once expanded", 1),
        ("doubling-string.json", "larger than 8 MB once expanded", 1),
        ("doubling-reduce.json", "larger than 8 MB once expanded", 1),
        ("deep-reduce.json", "nested more than 256 levels deep", 1),
        ("copy-amplify.json", "larger than 8 MB once expanded", 50),
        ("nested-amplify.json", "already expands to 4000 resources", 4001),
    ];
    for (file, expected, min_resources) in cases {
        let path = format!("fixtures/hostile/{file}");
        let (code, v) = scan_json(&[&path, "fixtures/formats/template.json"]);
        assert_eq!(code, 2, "{file}: an incomplete scan exits 2");
        let errs = errors(&v);
        assert!(
            errs.iter().any(|(c, m)| c == "arm-limit" && m.contains(expected)),
            "{file}: expected an arm-limit error saying `{expected}`, got {errs:?}"
        );
        assert!(errs.iter().all(|(c, _)| c == "arm-limit"), "{file}: {errs:?}");
        let resources = v["summary"]["resources"].as_u64().unwrap_or(0);
        assert!(resources > min_resources, "{file}: {resources} resources");
        // The other template of the scan still gets its finding.
        let tls = v["findings"].as_array().map_or(0, |f| {
            f.iter()
                .filter(|f| f["rule"] == "TLS001" && f["location"]["file"] == "fixtures/formats/template.json")
                .count()
        });
        assert_eq!(tls, 1, "{file}: the neighbouring template lost its finding");
    }
}

#[test]
fn fixtures_state_what_they_show() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hostile");
    for e in std::fs::read_dir(dir).expect("fixtures/hostile").flatten() {
        if e.path().extension().is_some_and(|x| x == "json") {
            let text = std::fs::read_to_string(e.path()).expect("readable");
            assert!(text.contains("\"metadata\""), "{} has no metadata note", e.path().display());
        }
    }
}
