//! Bicep programs end to end: errors with their position while the rest of the scan
//! goes on (a syntax error, a module that is missing, outside the scanned folder, or in
//! a cycle), findings located on Bicep lines, and `main.json` beside `main.bicep` named
//! as its build output.

mod support;

use support::azlint;

use serde_json::Value;

fn json(args: &[&str]) -> (i32, Value) {
    let mut a = vec!["scan", "--format", "json"];
    a.extend(args);
    let (code, out, err) = azlint(&a);
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}")))
}

fn errors(v: &Value) -> Vec<(String, String, u64, u64)> {
    let mut e: Vec<_> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let file = e["file"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_string();
            (
                e["code"].as_str().unwrap().to_string(),
                file,
                e["line"].as_u64().unwrap_or(0),
                e["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    e.sort();
    e
}

#[test]
fn bad_programs_are_errors_at_their_position_and_the_scan_goes_on() {
    let (code, v) = json(&["fixtures/bicep/errors"]);
    assert_eq!(code, 2, "errors make the scan incomplete");
    let e = errors(&v);
    let expected: Vec<(String, String, u64, u64)> = [
        ("arm-linked-cycle", "cycle-b.bicep", 1, 10),
        ("arm-linked-template", "missing-module.bicep", 1, 13),
        ("arm-linked-template", "outside-the-tree.bicep", 2, 16),
        ("arm-template", "unknown-decorator.bicep", 1, 1),
        ("bicep-syntax", "bad-interpolation.bicep", 2, 25),
        ("bicep-syntax", "unterminated-string.bicep", 1, 21),
    ]
    .iter()
    .map(|(c, f, l, col)| (c.to_string(), f.to_string(), *l, *col))
    .collect();
    assert_eq!(e, expected, "{}", v["errors"]);
    let outside = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"].as_str().unwrap().ends_with("outside-the-tree.bicep"));
    assert!(outside.unwrap()["message"].as_str().unwrap().contains("outside the scanned folders"), "{outside:?}");
    let message = |file: &str| {
        v["errors"].as_array().unwrap().iter().find(|e| e["file"].as_str().unwrap().ends_with(file)).unwrap()["message"]
            .clone()
    };
    assert_eq!(message("unknown-decorator.bicep"), "`@descriptionn` is not a Bicep decorator");
    // One error for the unclosed `${`, not also the unterminated string it makes.
    assert!(message("bad-interpolation.bicep").as_str().unwrap().contains("to close the string interpolation"));
    // The statements after each error still count: both sites are found.
    let found: Vec<(String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["location"]["file"].as_str().unwrap().rsplit('/').next().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("bad-interpolation.bicep", 7),
        ("missing-module.bicep", 8),
        ("unknown-decorator.bicep", 7),
        ("unterminated-string.bicep", 6),
    ];
    assert_eq!(found, want.map(|(f, l)| (f.to_string(), l)));
}

#[test]
fn a_json_build_output_beside_its_bicep_is_skipped_unless_asked_for() {
    let dir = Dir(std::env::temp_dir().join(format!("azlint-bicep-twin-{}", std::process::id())));
    std::fs::create_dir_all(dir.path()).unwrap();
    let bicep = "resource site 'Microsoft.Web/sites@2023-12-01' = {\n  name: 'web'\n  location: 'westeurope'\n  properties: { httpsOnly: false }\n}\n";
    std::fs::write(dir.path().join("main.bicep"), bicep).unwrap();
    let compiled = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0",
      "resources": [{"type": "Microsoft.Web/sites", "apiVersion": "2023-12-01", "name": "web", "location": "westeurope", "properties": {"httpsOnly": false}}]}"#;
    std::fs::write(dir.path().join("main.json"), compiled).unwrap();
    let d = dir.path().to_str().unwrap();
    let (_, v) = json(&[d, "--fail-on", "none"]);
    let skipped = v["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0]["file"].as_str().unwrap().ends_with("main.json"));
    assert!(skipped[0]["reason"].as_str().unwrap().contains("build output"));
    let f = &v["findings"][0];
    assert_eq!(
        (f["rule"].as_str(), f["location"]["line"].as_u64(), f["location"]["column"].as_u64()),
        (Some("TLS001"), Some(4), Some(28))
    );
    assert!(f["location"]["file"].as_str().unwrap().ends_with("main.bicep"));
    // Asked for the JSON, the Bicep is the one skipped.
    let (_, v) = json(&[d, "--fail-on", "none", "--input-format", "template"]);
    assert!(v["skipped"][0]["file"].as_str().unwrap().ends_with("main.bicep"));
    assert!(v["findings"][0]["location"]["file"].as_str().unwrap().ends_with("main.json"));
}

/// A `.bicepparam` file is the parameters of the program its `using` names: its
/// literal values are used (httpsOnly false is found, located on the `.bicepparam` line
/// that gives the value: the line to edit), a value computed at deployment is unknown,
/// and the file is not skipped.
#[test]
fn a_bicepparam_file_gives_its_program_the_values() {
    let (_, v) = json(&["fixtures/bicep/bicepparam", "--fail-on", "none"]);
    assert_eq!(v["skipped"], serde_json::json!([]), "{}", v["skipped"]);
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "TLS001");
    assert_eq!(f["location"]["file"], "fixtures/bicep/bicepparam/main.bicepparam");
    assert_eq!((f["location"]["line"].as_u64(), f["location"]["column"].as_u64()), (Some(3), Some(19)));
    assert!(f["resource"]["name"].as_str().unwrap().contains("computed at deployment"), "{f}");
    // Without it, the program's default (true) passes.
    let (_, v) = json(&["fixtures/bicep/bicepparam/main.bicep", "--no-parameters", "--fail-on", "none"]);
    assert_eq!(v["findings"], serde_json::json!([]));
}

/// azlint.toml `[bicep] module-aliases` reads a registry module from a local folder
/// (here outside the scanned one: the configuration is trusted): its resources are
/// checked and the finding points into its file, and so are the local modules it calls
/// from its folder. Without the configuration the module
/// is not fetched, one warning says so, and nothing is found.
#[test]
fn a_registry_module_is_read_through_its_alias() {
    let (_, v) = json(&["fixtures/bicep/registry/app", "--fail-on", "none"]);
    assert_eq!(v["warnings"], serde_json::json!([]), "{}", v["warnings"]);
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "TLS001");
    assert_eq!(f["resource"]["name"], "web-from-registry");
    assert_eq!(f["location"]["file"], "fixtures/bicep/registry/vendor/avm/res/web/site/main.bicep");
    assert_eq!(f["location"]["line"], 7);
    // The aliased module's own local module is read from beside it.
    let f = &v["findings"][1];
    assert_eq!((f["rule"].as_str(), f["resource"]["name"].as_str()), (Some("PUB002"), Some("stgfromregistry")));
    assert_eq!(f["location"]["file"], "fixtures/bicep/registry/vendor/avm/res/web/site/storage/main.bicep");
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(2));
    let (_, v) = json(&["fixtures/bicep/registry/app", "--no-config", "--fail-on", "none"]);
    assert_eq!(v["findings"], serde_json::json!([]));
    let w = v["warnings"].as_array().unwrap();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0]["message"].as_str().unwrap().contains("module-aliases"));
}

/// Imported variables and functions (named and `* as ns`) are evaluated as in their
/// file: the site's name comes from an imported function, its `httpsOnly` from an
/// imported variable, and the finding is located on the imported variable's value (the
/// text that produced it); a variable imported from a compiled JSON template is
/// evaluated as there.
#[test]
fn imported_variables_and_functions_are_evaluated() {
    let (_, v) = json(&["fixtures/bicep/imports", "--fail-on", "none"]);
    assert_eq!(v["errors"], serde_json::json!([]), "{}", v["errors"]);
    let by_rule = |rule: &str| v["findings"].as_array().unwrap().iter().find(|f| f["rule"] == rule).cloned().unwrap();
    let at =
        |f: &Value| (f["location"]["file"].clone(), f["location"]["line"].as_u64(), f["location"]["column"].as_u64());
    let f = by_rule("TLS001");
    assert_eq!(f["resource"]["name"], "web-imports");
    assert_eq!(at(&f), ("fixtures/bicep/imports/shared.bicep".into(), Some(3), Some(13)));
    // A variable exported by a compiled JSON template, read through its copy loop.
    let f = by_rule("TLS002");
    assert_eq!(f["resource"]["name"], "web-legacy");
    assert_eq!(at(&f), ("fixtures/bicep/imports/compiled.json".into(), Some(13), Some(16)));
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(2));
}

/// A module with a syntax error is one error at its position: the load stage reports
/// it, and lowering the program that uses the module does not report it again.
#[test]
fn a_module_syntax_error_is_reported_once() {
    let (code, v) = json(&["fixtures/bicep/module-syntax"]);
    assert_eq!(code, 2);
    assert_eq!(errors(&v), [("bicep-syntax".to_string(), "broken.bicep".to_string(), 1, 21)], "{}", v["errors"]);
}

/// A scratch folder removed when the test ends.
struct Dir(std::path::PathBuf);

impl Dir {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Constructs the compiler writes in a form of its own, evaluated as their compiled
/// JSON is (each found by the conformance oracle): a `.?` chain short-circuits, a
/// conditional module's `.?outputs` is null when it is not deployed, a nullable union
/// parameter is null, a variable loop of unknown length gives one element, and a
/// variable that reads deployed state is evaluated where it is used.
#[test]
fn lowering_follows_the_compiler() {
    let (code, out, err) = azlint(&["expand", "--no-config", "fixtures/bicep/lowering/main.bicep"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["outputs"], serde_json::json!({ "safeChain": "none", "fromModule": null, "tier": "Hot" }));
    let props = &v["resources"][0]["properties"];
    assert_eq!(props["licenseType"], Value::Null);
    assert_eq!(
        props["containers"],
        serde_json::json!([{ "$unknown": "parameter", "detail": "c-{parameters('names')[0]}" }])
    );
    assert!(err.contains("main.bicep:21:32: The copy count is unknown offline"), "{err}");
}

/// `azlint expand X.bicep` reads `X.bicepparam` beside it, as the scan does; with
/// `--no-parameters` the program's defaults are used.
#[test]
fn expand_reads_the_bicepparam_beside_the_program() {
    let https = |args: &[&str]| {
        let (code, out, err) = azlint(args);
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        v["resources"][0]["properties"]["httpsOnly"].clone()
    };
    assert_eq!(https(&["expand", "fixtures/bicep/bicepparam/main.bicep"]), Value::Bool(false));
    assert_eq!(https(&["expand", "--no-parameters", "fixtures/bicep/bicepparam/main.bicep"]), Value::Bool(true));
}
