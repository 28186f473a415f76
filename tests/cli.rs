//! The command line end to end: every option of `scan`, `rules` and `explain`, both
//! output formats, every exit code, and determinism across thread counts.

mod support;

use support::azlint;

use std::path::Path;

fn json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let (code, out, err) = azlint(&a);
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}")))
}

fn codes(v: &serde_json::Value) -> Vec<String> {
    v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
}

const HTTP_SITE: &str = "fixtures/formats/template.json";
const CLEAN: &str = "fixtures/cli/clean-site.json";
const MEDIUM: &str = "fixtures/cli/medium-only.json";

#[test]
fn rules_lists_every_rule_in_text_and_json() {
    let (code, out, _) = azlint(&["rules"]);
    assert_eq!(code, 0);
    for c in ["NET001", "PUB001", "PUB005", "TLS001", "TLS005"] {
        assert!(out.contains(c), "{c} missing from:\n{out}");
    }
    let (code, out, _) = azlint(&["rules", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules = v.as_array().unwrap();
    assert_eq!(rules[0]["code"], "ACL001", "sorted by code");
    let first = rules.iter().find(|r| r["code"] == "NET001").unwrap();
    assert_eq!(first["name"], "integration-subnet-not-delegated");
    assert_eq!(first["severity"], "critical");
}

#[test]
fn explain_by_code_or_name() {
    let (code, by_code, _) = azlint(&["explain", "NET001"]);
    assert_eq!(code, 0);
    assert!(by_code.starts_with("# NET001 integration-subnet-not-delegated:"));
    assert!(by_code.contains("az network vnet subnet update"));
    let (_, by_name, _) = azlint(&["explain", "integration-subnet-not-delegated"]);
    assert_eq!(by_code, by_name);
    let (code, _, err) = azlint(&["explain", "NOPE999"]);
    assert_eq!(code, 2);
    assert!(err.contains("no rule is called `NOPE999`"));
}

#[test]
fn exit_codes_follow_fail_on() {
    assert_eq!(azlint(&["scan", CLEAN]).0, 0);
    assert_eq!(azlint(&["scan", HTTP_SITE]).0, 1, "a high finding fails at the default --fail-on high");
    assert_eq!(azlint(&["scan", HTTP_SITE, "--fail-on", "critical"]).0, 0);
    assert_eq!(azlint(&["scan", HTTP_SITE, "--fail-on", "none"]).0, 0);
    assert_eq!(azlint(&["scan", MEDIUM]).0, 0, "medium is below the default");
    assert_eq!(azlint(&["scan", MEDIUM, "--fail-on", "medium"]).0, 1);
    assert_eq!(
        azlint(&["scan", "fixtures/formats/invalid.json", "--fail-on", "none"]).0,
        2,
        "an invalid file never exits 0"
    );
    assert_eq!(azlint(&["scan", "no/such/path.json"]).0, 2);
    assert_eq!(azlint(&["scan", CLEAN, "--fail-on", "bogus"]).0, 2);
    assert_eq!(azlint(&["scan", CLEAN, "--no-such-flag"]).0, 2);
    assert_eq!(azlint(&["--help"]).0, 0);
}

#[test]
fn json_report_is_exact() {
    let (code, out, _) = azlint(&["scan", HTTP_SITE, "--format", "json"]);
    assert_eq!(code, 1);
    let out = out.replace(env!("CARGO_PKG_VERSION"), "[version]");
    insta::assert_snapshot!("json_report", out);
}

#[test]
fn text_report_underlines_the_value() {
    let (code, out, _) = azlint(&[
        "scan",
        "fixtures/formats/graph-rest-table.json",
        "fixtures/formats/graph-cli.json",
        "--color",
        "never",
    ]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("text_report", out);
}

#[test]
fn select_and_ignore_take_codes_names_and_prefixes() {
    assert_eq!(codes(&json(&["scan", HTTP_SITE, "--select", "TLS002"]).1), Vec::<String>::new());
    assert_eq!(codes(&json(&["scan", HTTP_SITE, "--select", "https-only-disabled"]).1), ["TLS001"]);
    assert_eq!(codes(&json(&["scan", HTTP_SITE, "--select", "TLS"]).1), ["TLS001"]);
    assert_eq!(codes(&json(&["scan", HTTP_SITE, "--ignore", "TLS001"]).1), Vec::<String>::new());
    assert_eq!(codes(&json(&["scan", HTTP_SITE, "--ignore", "PUB,NET"]).1), ["TLS001"]);
    let (code, v) = json(&["scan", HTTP_SITE, "--select", "XYZ"]);
    assert_eq!(code, 2);
    assert_eq!(v["errors"][0]["code"], "bad-option");
}

#[test]
fn strict_counts_undetermined_as_findings() {
    let (code, v) = json(&["scan", "fixtures/formats/resource-list.json"]);
    assert_eq!(code, 0);
    assert_eq!(v["summary"]["findings"], 0);
    assert!(v["summary"]["undetermined"].as_u64().unwrap() > 0);
    let (code, v) = json(&["scan", "fixtures/formats/resource-list.json", "--strict"]);
    assert_eq!(code, 1);
    assert_eq!(v["summary"]["undetermined"], 0);
    assert!(codes(&v).contains(&"TLS001".to_string()));
}

#[test]
fn exclude_skips_paths() {
    let (code, v) = json(&["scan", "fixtures/formats"]);
    assert_eq!(code, 2);
    assert!(v["errors"].as_array().unwrap().iter().any(|e| e["code"] == "invalid-json"));
    let (_, v) =
        json(&["scan", "fixtures/formats", "--exclude", "invalid.json", "--exclude", "export-template-response.json"]);
    assert_eq!(v["errors"], serde_json::json!([]));
    assert_eq!(v["summary"]["files"], 13);
}

#[test]
fn input_format_overrides_detection() {
    // Forced to a single resource, the webapp config loses its flattening.
    let (_, v) = json(&["scan", "fixtures/formats/webapp-config.json", "--input-format", "resource"]);
    assert_eq!(v["findings"], serde_json::json!([]));
    let (_, v) = json(&["scan", "fixtures/formats/webapp-config.json"]);
    assert_eq!(codes(&v), ["TLS003"]);
    assert_eq!(azlint(&["scan", CLEAN, "--input-format", "yaml"]).0, 2);
}

#[test]
fn parameters_pairing_and_overrides() {
    let skipped = |v: &serde_json::Value| v["summary"]["skipped"].as_u64().unwrap();
    let (_, paired) = json(&["scan", "fixtures/formats", "--exclude", "invalid.json"]);
    assert_eq!(skipped(&paired), 2, "package.json and the orphan parameters file");
    let (_, none) = json(&["scan", "fixtures/formats", "--exclude", "invalid.json", "--no-parameters"]);
    assert_eq!(skipped(&none), 3, "template.parameters.json is no longer paired");
    let (_, explicit) = json(&[
        "scan",
        "fixtures/formats",
        "--exclude",
        "invalid.json",
        "--parameters",
        "fixtures/formats/orphan.parameters.json",
    ]);
    assert_eq!(skipped(&explicit), 2, "the explicit file is used; template.parameters.json is not paired");
}

#[test]
fn output_file_quiet_and_color() {
    let dir = std::env::temp_dir().join(format!("azlint-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.json");
    let (code, out, _) = azlint(&["scan", HTTP_SITE, "--format", "json", "-o", file.to_str().unwrap()]);
    assert_eq!((code, out.as_str()), (1, ""));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(v["summary"]["findings"], 1);
    let (_, quiet, _) = azlint(&["scan", HTTP_SITE, "--quiet"]);
    assert_eq!(quiet, "2 files (0 skipped, 0 errors), 1 resources: 1 findings (1 high), 1 undetermined\n");
    let (_, plain, _) = azlint(&["scan", HTTP_SITE, "--color", "never"]);
    assert!(!plain.contains('\u{1b}'));
    let (_, colored, _) = azlint(&["scan", HTTP_SITE, "--color", "always"]);
    assert!(colored.contains('\u{1b}'));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn extra_rules_load_from_a_folder() {
    let (code, v) = json(&["scan", CLEAN, "--rules", "fixtures/cli/custom-rules", "--fail-on", "low"]);
    assert_eq!(code, 1);
    assert_eq!(codes(&v), ["ORG001"]);
    assert_eq!(v["findings"][0]["message"], "Site `api-backend` has no `owner` tag");
    let (code, _, err) = azlint(&["rules", "--rules", "fixtures/formats"]);
    assert_eq!(code, 2, "{err}");
}

/// A field a resource does not set follows Azure Policy: positive comparisons
/// (`equals`) are false, negative ones (`notEquals`) are true (README, "Your own rules").
#[test]
fn custom_rules_on_absent_fields_follow_azure_policy() {
    let (_, v) = json(&[
        "scan",
        "fixtures/cli/legacy-stack-site.json",
        "--rules",
        "fixtures/cli/custom-rules-absent",
        "--select",
        "ORG",
        "--fail-on",
        "none",
    ]);
    let got: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["resource"]["name"].as_str().unwrap().to_string()))
        .collect();
    let want = [("ORG002", "legacy"), ("ORG003", "legacy"), ("ORG003", "unset")];
    assert_eq!(got, want.map(|(a, b)| (a.to_string(), b.to_string())));
    assert_eq!(v["undetermined"].as_array().map(Vec::len), Some(0));
}

#[test]
fn a_custom_rule_with_an_invalid_field_path_does_not_load() {
    let (code, out, err) = azlint(&["scan", CLEAN, "--rules", "fixtures/cli/custom-rules-invalid", "--format", "json"]);
    assert_eq!(code, 2, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let e = &v["errors"][0];
    assert_eq!(e["code"], "rule-invalid");
    let m = e["message"].as_str().unwrap();
    assert!(m.contains("invalid field path `properties.httpsOnly[[[`"), "{m}");
    assert!(e["file"].as_str().unwrap().ends_with("ORG004-broken-path.toml"), "{e}");
}

#[test]
fn output_is_identical_with_one_thread_or_many() {
    let dirs = ["fixtures", "../shared/fixtures/exports"];
    let dirs: Vec<&str> = dirs.into_iter().filter(|d| Path::new(env!("CARGO_MANIFEST_DIR")).join(d).is_dir()).collect();
    let mut one = vec!["scan", "--format", "json", "--jobs", "1"];
    one.extend(&dirs);
    let mut many = vec!["scan", "--format", "json", "--jobs", "8"];
    many.extend(&dirs);
    let (a, b) = (azlint(&one), azlint(&many));
    assert_eq!(a.0, b.0);
    assert!(a.1.len() > 1000);
    assert_eq!(a.1, b.1);
}

/// Each error names its class, so that a reviewer can tell a broken template from a
/// template checked without the values its deployment supplies, and from a tool limit.
#[test]
fn errors_name_their_class() {
    let dir = "fixtures/cli/error-classes";
    let (code, v) = json(&["scan", dir]);
    assert_eq!(code, 2);
    let errors: Vec<(String, String, String, u64)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let file = e["file"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
            (file, e["code"].as_str().unwrap().into(), e["class"].as_str().unwrap().into(), e["line"].as_u64().unwrap())
        })
        .collect();
    let expected = [
        ("nested-without-parent.json", "arm-values", "invalid-for-values", 14),
        ("nested-without-parent.json", "arm-values", "invalid-for-values", 21),
        ("undeclared-variable.json", "arm-eval", "invalid-template", 8),
    ];
    let expected: Vec<(String, String, String, u64)> =
        expected.iter().map(|(f, c, k, l)| (f.to_string(), c.to_string(), k.to_string(), *l)).collect();
    // The `existing` resource whose name fails with the default (null) value is never
    // used, and a `reference()` member declared null is runtime state: neither is an error.
    assert_eq!(errors, expected);
    assert_eq!(v["summary"]["errors_by_class"], serde_json::json!({"invalid-template": 1, "invalid-for-values": 2}));
    let (_, text, _) = azlint(&["scan", dir, "--quiet"]);
    assert!(text.ends_with("; errors: 1 invalid template, 2 invalid for the parameter values used\n"), "{text}");
    // With the values its deployment supplies, the same template is valid.
    let (code, v) = json(&["scan", "fixtures/cli/error-classes-with-values"]);
    assert_eq!((code, v["summary"]["errors"].as_u64()), (0, Some(0)), "{v}");
}

/// NET002's options, declared with the rule, set from the command line or azlint.toml:
/// the command line wins; what neither sets keeps the rule file's default.
#[test]
fn rule_options_from_flags_and_config() {
    let fixture = "fixtures/rules/NET002/fail-slash-27-with-p1v3-capacity-15.json";
    let message = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["scan", fixture, "--select", "NET002", "--no-config"];
        args.extend(extra);
        let (_, v) = json(&args);
        v["findings"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap().to_string()).collect()
    };
    let default = message(&[]);
    assert!(
        default[0].contains("smaller than the recommended /26") && default[0].contains("2x headroom"),
        "{default:?}"
    );
    let prefix = message(&["--integration-prefix", "27"]);
    assert!(!prefix[0].contains("recommended") && prefix[0].contains("2x headroom"), "{prefix:?}");
    assert!(message(&["--integration-prefix", "27", "--headroom", "1"]).is_empty());

    let dir = std::env::temp_dir().join(format!("azlint-options-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("azlint.toml");
    std::fs::write(&config, "[rules]\nintegration-prefix = 27\nheadroom = 1\n").unwrap();
    let c = config.to_str().unwrap();
    let (_, v) = json(&["scan", fixture, "--select", "NET002", "--config", c]);
    assert_eq!(v["findings"], serde_json::json!([]));
    let (_, v) = json(&["scan", fixture, "--select", "NET002", "--config", c, "--headroom", "2"]);
    let m = v["findings"][0]["message"].as_str().unwrap();
    assert!(!m.contains("recommended") && m.contains("2x headroom"), "{m}");
    std::fs::remove_dir_all(&dir).ok();
}
