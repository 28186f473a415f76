//! The CI formats end to end: SARIF validated against the vendored 2.1.0 schema and its
//! fingerprints, exact JUnit, GitHub and Markdown output, and several formats in one run.

mod support;

use support::azlint;

use std::path::{Path, PathBuf};

use serde_json::Value;

fn sarif(args: &[&str]) -> Value {
    let mut a = vec!["scan", "--format", "sarif"];
    a.extend(args);
    let (_, out, err) = azlint(&a);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}"))
}

/// A finding with related locations (ACL001), a finding and an undetermined result
/// (template.json: TLS001, TLS003) and an error (invalid.json).
const ACL001: &str = "fixtures/rules/ACL001/fail-backend-called-by-frontend-without-restrictions.json";
const TEMPLATE: &str = "fixtures/formats/template.json";
const INVALID: &str = "fixtures/formats/invalid.json";

fn validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-2.1.0.json");
    let text = std::fs::read_to_string(path).unwrap();
    // The rtm.5 schema's `language` patterns (on `run` and `toolComponent`) have a stray
    // `]` that a validator checking formats rejects as a regex; azlint never writes
    // `language`, so the patterns are replaced by the intended one in memory and the
    // vendored file stays the official one.
    let typo = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert_eq!(text.matches(typo).count(), 2);
    let text = text.replace(typo, r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#);
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options().should_validate_formats(true).build(&schema).expect("the SARIF schema compiles")
}

fn schema_errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn sarif_validates_against_the_schema() {
    let log = sarif(&[ACL001, TEMPLATE, INVALID]);
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    // The fixture exercises every part of the log, so the validation below covers them.
    assert!(results.iter().any(|r| r["relatedLocations"].as_array().is_some_and(|a| !a.is_empty())));
    assert!(results.iter().any(|r| r["kind"] == "open" && r["properties"]["undetermined"] == true));
    assert!(results.iter().any(|r| r["kind"] == "fail" && r["level"] == "error"));
    let notes = run["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes[0]["level"], "error");
    assert_eq!(notes[0]["descriptor"]["id"], "invalid-json");
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);

    let v = validator();
    assert_eq!(schema_errors(&v, &log), Vec::<String>::new());
    // The validator does reject what the schema forbids.
    let mut bad = log.clone();
    bad["runs"][0]["results"][0]["level"] = "severe".into();
    assert!(!v.is_valid(&bad));
    let mut bad = log.clone();
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into();
    assert!(!v.is_valid(&bad));
}

#[test]
fn sarif_rules_results_and_regions() {
    let log = sarif(&[ACL001, TEMPLATE, "--select", "ACL001,TLS001,TLS003"]);
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ACL001", "TLS001", "TLS003"], "the rules that ran, in code order");
    let acl = &rules[0];
    assert_eq!(acl["name"], "backend-publicly-reachable");
    assert_eq!(acl["shortDescription"]["text"], "Back-end reachable from the internet");
    assert!(acl["fullDescription"]["text"].as_str().unwrap().starts_with("Flags a back-end site or slot"));
    assert!(acl["help"]["markdown"].as_str().unwrap().contains("## Why is this bad?"));
    assert_eq!(acl["helpUri"], "https://learn.microsoft.com/azure/app-service/overview-access-restrictions");
    assert_eq!(acl["defaultConfiguration"]["level"], "error");
    assert_eq!(acl["properties"]["security-severity"], "9.5");
    assert_eq!(rules[2]["defaultConfiguration"]["level"], "warning");
    assert_eq!(rules[2]["properties"]["security-severity"], "5.5");

    let results = run["results"].as_array().unwrap();
    let tls = results.iter().find(|r| r["ruleId"] == "TLS001").unwrap();
    assert_eq!(tls["ruleIndex"], 1);
    let loc = &tls["locations"][0];
    assert_eq!(
        loc["physicalLocation"]["artifactLocation"],
        serde_json::json!({"uri": TEMPLATE, "uriBaseId": "%SRCROOT%"})
    );
    assert_eq!(
        loc["physicalLocation"]["region"],
        serde_json::json!({"startLine": 8, "startColumn": 15, "endLine": 8, "endColumn": 36})
    );
    assert_eq!(loc["logicalLocations"][0]["name"], "web-frontend");
    assert_eq!(loc["logicalLocations"][0]["properties"]["resourceType"], "Microsoft.Web/sites");
    let acl = results.iter().find(|r| r["ruleId"] == "ACL001").unwrap();
    assert_eq!(acl["relatedLocations"][0]["id"], 1);
    assert_eq!(acl["relatedLocations"][0]["message"]["text"], "public network access of `api-backend` is enabled");
    let open = results.iter().find(|r| r["kind"] == "open").unwrap();
    assert_eq!((&open["ruleId"], &open["level"]), (&"TLS003".into(), &"none".into()));
}

fn fingerprints(log: &Value) -> Vec<(String, String, u64)> {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["partialFingerprints"]["azlint/v1"].as_str().unwrap().to_string(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_survive_reruns_and_line_moves_and_tell_findings_apart() {
    let dir = std::env::temp_dir().join(format!("azlint-formats-fp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("site.json");
    let original = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(ACL001)).unwrap();
    let path = file.to_str().unwrap();
    std::fs::write(&file, &original).unwrap();
    let first = fingerprints(&sarif(&[path]));
    let again = fingerprints(&sarif(&[path]));
    assert_eq!(first, again);
    std::fs::write(&file, format!("\n\n\n{original}")).unwrap();
    let moved = fingerprints(&sarif(&[path]));
    std::fs::remove_dir_all(&dir).ok();

    assert!(first.len() >= 2, "{first:?}");
    for ((rule, fp, line), (rule2, fp2, line2)) in first.iter().zip(&moved) {
        assert_eq!((rule, fp), (rule2, fp2));
        assert_eq!(line + 3, *line2, "the lines did move");
    }
    let mut distinct: Vec<&String> = first.iter().map(|(_, fp, _)| fp).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), first.len(), "every result has its own fingerprint: {first:?}");
}

/// JUnit, GitHub and Markdown of the same small scan; the version is redacted.
fn snapshot_of(format: &str) -> String {
    let (code, out, err) =
        azlint(&["scan", ACL001, TEMPLATE, INVALID, "--select", "ACL001,TLS001,TLS003", "--format", format]);
    assert_eq!(code, 2, "{err}");
    out.replace(env!("CARGO_PKG_VERSION"), "[version]")
}

#[test]
fn junit_is_exact() {
    insta::assert_snapshot!("junit", snapshot_of("junit"));
}

#[test]
fn github_is_exact() {
    insta::assert_snapshot!("github", snapshot_of("github"));
}

#[test]
fn markdown_is_exact() {
    insta::assert_snapshot!("markdown", snapshot_of("markdown"));
}

#[test]
fn markdown_verdict_follows_fail_on() {
    let (code, out, _) = azlint(&["scan", TEMPLATE, "--format", "markdown"]);
    assert_eq!(code, 1);
    assert!(out.contains("**Failed**: 1 finding at or above `high` in 2 files (0 skipped), 1 resource;"), "{out}");
    let (code, out, _) = azlint(&["scan", TEMPLATE, "--format", "markdown", "--fail-on", "critical"]);
    assert_eq!(code, 0);
    assert!(out.contains("**Passed**: 1 finding below the failing severity"), "{out}");
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("azlint-formats-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn several_formats_in_one_run() {
    let dir = temp("multi");
    let sarif_file = dir.join("out.sarif");
    let md_file = dir.join("summary.md");
    let spec = format!("sarif={}", sarif_file.display());
    let md = format!("markdown={}", md_file.display());
    let (code, out, err) =
        azlint(&["scan", TEMPLATE, "--format", &spec, "--format", "text", "--format", &md, "--color", "never"]);
    assert_eq!(code, 1, "{err}");
    let (_, text_alone, _) = azlint(&["scan", TEMPLATE, "--color", "never"]);
    assert_eq!(out, text_alone, "the text report is unchanged by the other formats");
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif_file).unwrap()).unwrap();
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "TLS001");
    assert!(std::fs::read_to_string(&md_file).unwrap().starts_with("## azlint\n"));

    // The bare format goes to -o; the others to their own files.
    let json_file = dir.join("report.json");
    let (code, out, _) =
        azlint(&["scan", TEMPLATE, "--format", "json", "-o", json_file.to_str().unwrap(), "--format", &spec]);
    assert_eq!((code, out.as_str()), (1, ""));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json_file).unwrap()).unwrap();
    assert_eq!(v["version"], 1);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn conflicting_outputs_are_refused() {
    let (code, out, err) = azlint(&["scan", TEMPLATE, "--format", "sarif", "--format", "json"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("at most one --format may write to standard output"), "{err}");
    let (code, _, err) = azlint(&["scan", TEMPLATE, "--format", "sarif=x.sarif", "-o", "y.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("-o/--output names no format"), "{err}");
    let (code, _, err) = azlint(&["scan", TEMPLATE, "--format", "sarif=same", "--format", "json=same"]);
    assert_eq!(code, 2);
    assert!(err.contains("two formats would write to same"), "{err}");
    let (code, _, err) = azlint(&["scan", TEMPLATE, "--format", "yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown format `yaml`"), "{err}");
    assert!(!Path::new(env!("CARGO_MANIFEST_DIR")).join("x.sarif").exists(), "nothing written on a bad option");
}

#[test]
fn sarif_carries_suppressed_results_with_their_justification() {
    let log = sarif(&["scan", "fixtures/gates/suppressed-in-metadata.json", "--select", "TLS001"]);
    assert!(schema_errors(&validator(), &log).is_empty(), "{:?}", schema_errors(&validator(), &log));
    let results = log["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results.iter().filter(|r| r.get("suppressions").is_some()).collect();
    assert_eq!(suppressed.len(), 1, "one accepted risk");
    let s = &suppressed[0]["suppressions"][0];
    assert_eq!(s["kind"], "inSource");
    assert_eq!(s["justification"], "Behind the partner VPN until the migration (template metadata)");
    assert_eq!(suppressed[0]["locations"][0]["logicalLocations"][0]["name"], "legacy-portal");
    assert_eq!(
        results.iter().filter(|r| r.get("suppressions").is_none()).count(),
        2,
        "the other two are open findings"
    );
}

/// A live export whose `config/web` read failed: a coverage gap.
const GAP: &str = "fixtures/live/gap-config-web-403.json";

#[test]
fn sarif_with_coverage_gaps_validates_and_fails_the_run() {
    let v = validator();
    let log = sarif(&[GAP]);
    assert_eq!(schema_errors(&v, &log), Vec::<String>::new());
    let run = &log["runs"][0];
    assert_eq!(run["invocations"][0]["executionSuccessful"], false, "a gap makes the run incomplete");
    assert_eq!(run["properties"]["summary"]["gaps"], 1);
    let notes = run["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    let gap = notes.iter().find(|n| n["descriptor"]["id"] == "coverage-gap").expect("a coverage-gap notification");
    assert_eq!(gap["level"], "error");
    let text = gap["message"]["text"].as_str().unwrap();
    assert!(text.contains("reading `config/web` failed: HTTP 403 AuthorizationFailed"), "{text}");
    let loc = &gap["locations"][0];
    assert_eq!(loc["physicalLocation"]["artifactLocation"]["uri"], GAP);
    assert_eq!(loc["physicalLocation"]["region"]["startLine"], 57);
    assert!(
        loc["logicalLocations"][0]["fullyQualifiedName"].as_str().unwrap().ends_with("/Microsoft.Web/sites/api-live")
    );
    assert_eq!(gap["properties"]["read"], "config/web");
    // The settings the read would have returned are undetermined results, not passes.
    let results = run["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "TLS002" && r["kind"] == "open"));

    // Accepted with --allow-partial: the run succeeds, the gap is still there.
    let log = sarif(&[GAP, "--allow-partial"]);
    assert_eq!(schema_errors(&v, &log), Vec::<String>::new());
    let inv = &log["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], true);
    assert!(
        inv["toolExecutionNotifications"].as_array().unwrap().iter().any(|n| n["descriptor"]["id"] == "coverage-gap")
    );
}

/// A scan whose reports show no excerpts lets each file's text go after parsing
/// (`release_text`, what the command line sets without `text`): every line and column
/// of every format must be what the scan that keeps the text reports, on files with
/// and without characters beyond ASCII (whose columns count characters, not bytes),
/// and the text format of such a scan still renders, without excerpts.
#[test]
fn a_scan_without_texts_locates_exactly_as_one_with_them() {
    use azlint::report::{Format, Report, render, text::TextOptions};
    use azlint::scan::{ScanOptions, scan};
    let paths = vec![
        PathBuf::from("fixtures/rules"),
        PathBuf::from("fixtures/formats"),
        PathBuf::from("fixtures/cli/error-classes"),
        PathBuf::from("fixtures/locations/non-ascii-columns.json"),
    ];
    let kept = scan(&ScanOptions { paths: paths.clone(), ..Default::default() });
    let released = scan(&ScanOptions { paths, release_text: true, ..Default::default() });
    let (a, b) = (Report::new(&kept, false), Report::new(&released, false));
    let text = TextOptions { color: false, width: 100, quiet: false };
    let fail_on = azlint::report::FailOn::None;
    for format in [Format::Json, Format::Sarif, Format::Junit, Format::Github, Format::Markdown] {
        assert_eq!(render(&a, format, text, fail_on), render(&b, format, text, fail_on), "{}", format.as_str());
    }
    // The non-ASCII line: column 187 counts characters (the byte offset is 199).
    let json: Value = serde_json::from_str(&render(&b, Format::Json, text, fail_on)).unwrap();
    let at = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["location"]["file"] == "fixtures/locations/non-ascii-columns.json")
        .map(|f| (f["location"]["line"].clone(), f["location"]["column"].clone()));
    assert_eq!(at, Some((5.into(), 187.into())));
    let shown = render(&b, Format::Text, text, fail_on);
    assert!(shown.contains("fixtures/rules"), "{shown}");
}

/// The JSON report writes findings one at a time (a tenant's findings as one value
/// tree cost more memory than the model): the text must be exactly what the whole
/// value pretty-prints as, with findings, without, and with undetermined results.
#[test]
fn streamed_json_equals_the_whole_value() {
    use azlint::report::{Report, json};
    use azlint::scan::{ScanOptions, scan};
    for dir in ["fixtures/scenarios", "fixtures/cli/clean-site.json", "fixtures/cli/error-classes", "fixtures/rules"] {
        let out = scan(&ScanOptions { paths: vec![PathBuf::from(dir)], ..Default::default() });
        let report = Report::new(&out, false);
        let whole = serde_json::to_string_pretty(&json::to_value(&report)).unwrap() + "\n";
        assert_eq!(json::render(&report), whole, "{dir}");
    }
}
