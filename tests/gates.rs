//! Gates: the config file, suppressions with reasons (template metadata, tags, config),
//! per-path overrides, role globs and baselines, end to end through the CLI.

use std::path::{Path, PathBuf};
use std::process::Command;

fn azlint(dir: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_azlint"))
        .args(args)
        .args(["--format", "json"])
        .current_dir(dir)
        .env("AZLINT_TODAY", "2026-11-22")
        .output()
        .expect("azlint runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let v = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), v, String::from_utf8_lossy(&out.stderr).to_string())
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn names(v: &serde_json::Value, list: &str) -> Vec<String> {
    v[list].as_array().map_or_else(Vec::new, |a| {
        a.iter()
            .map(|f| format!("{} {}", f["rule"].as_str().unwrap_or(""), f["resource"]["name"].as_str().unwrap_or("")))
            .collect()
    })
}

fn codes(v: &serde_json::Value, list: &str) -> Vec<String> {
    v[list]
        .as_array()
        .map_or_else(Vec::new, |a| a.iter().map(|e| e["code"].as_str().unwrap_or("").to_string()).collect())
}

/// A scratch folder with the given files.
fn scratch(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("azlint-gates-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (f, text) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

const SITE_HTTP: &str = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0",
 "resources": [{"type": "Microsoft.Web/sites", "apiVersion": "2023-12-01", "name": "api-orders", "location": "westeurope",
   "properties": {"siteConfig": {"ftpsState": "Disabled", "cors": {"allowedOrigins": ["*"]}}}}]}"#;

#[test]
fn metadata_suppressions_need_reasons_and_expire() {
    let (code, v, _) = azlint(
        &root(),
        &["scan", "fixtures/gates/suppressed-in-metadata.json", "--select", "TLS001", "--show-suppressed"],
    );
    assert_eq!(code, 1);
    assert_eq!(names(&v, "findings"), ["TLS001 old-portal", "TLS001 web-frontend"]);
    assert_eq!(v["summary"]["suppressed"], 1);
    assert_eq!(v["suppressed"][0]["resource"]["name"], "legacy-portal");
    assert_eq!(v["suppressed"][0]["justification"], "Behind the partner VPN until the migration (template metadata)");
    assert_eq!(codes(&v, "warnings"), ["suppression-expired"]);
    let (_, hidden, _) = azlint(&root(), &["scan", "fixtures/gates/suppressed-in-metadata.json", "--select", "TLS001"]);
    assert!(hidden.get("suppressed").is_none(), "listed only with --show-suppressed");
    let (code, v, _) =
        azlint(&root(), &["scan", "fixtures/gates/suppression-without-reason.json", "--select", "TLS001"]);
    assert_eq!(code, 2, "a suppression without a reason is an error");
    assert_eq!(codes(&v, "errors"), ["suppression-invalid"]);
    assert_eq!(names(&v, "findings"), ["TLS001 legacy-portal"], "and it does not apply");
}

#[test]
fn tags_suppress_deployed_state_and_unused_ones_are_reported() {
    let (code, v, _) = azlint(&root(), &["scan", "fixtures/gates/suppressed-by-tag.json", "--select", "TLS001,TLS004"]);
    assert_eq!(code, 1);
    assert_eq!(names(&v, "findings"), ["TLS001 web-frontend"]);
    assert_eq!(v["summary"]["suppressed"], 1);
    let w = &v["warnings"][0];
    assert_eq!(w["code"], "suppression-unused");
    assert!(w["message"].as_str().unwrap().contains("TLS004"));
}

#[test]
fn config_file_is_found_above_the_scanned_path_and_applies() {
    let dir = scratch(
        "config",
        &[
            (
                "azlint.toml",
                "select = [\"TLS\"]\nfail-on = \"medium\"\n[severity]\nTLS005 = \"low\"\n[roles]\nbackends = [\"api-*\"]\n\
                 [[suppress]]\nrule = \"TLS001\"\nresource = \"*/sites/api-*\"\nreason = \"HTTP is closed at the gateway\"\n",
            ),
            ("infra/app.json", SITE_HTTP),
        ],
    );
    let (code, v, err) = azlint(&dir, &["scan", "infra"]);
    // TLS005 fires only because the `backends` glob makes api-orders a back-end, and is
    // low by the config; TLS001 is suppressed by the config; nothing reaches `medium`.
    assert_eq!(names(&v, "findings"), ["TLS005 api-orders"], "{err}");
    assert_eq!(v["findings"][0]["severity"], "low");
    assert!(
        v["findings"][0]["message"].as_str().unwrap().contains("matches the `backends` glob `api-*` in azlint.toml")
    );
    assert_eq!(v["summary"]["suppressed"], 1);
    assert_eq!(code, 0);
    let (code, v, _) = azlint(&dir, &["scan", "infra", "--no-config"]);
    assert_eq!(code, 1);
    assert!(names(&v, "findings").contains(&"TLS001 api-orders".to_string()));
    assert_eq!(v["findings"][0]["severity"], "high");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unknown_config_keys_are_errors_with_their_position() {
    let dir =
        scratch("badkey", &[("azlint.toml", "select = [\"TLS\"]\n\n[rules]\nheadrom = 3\n"), ("app.json", SITE_HTTP)]);
    let out = Command::new(env!("CARGO_BIN_EXE_azlint")).args(["scan", "."]).current_dir(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("azlint.toml:4:1: unknown field `headrom`"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn overrides_apply_to_their_paths_only() {
    let dir = scratch(
        "overrides",
        &[
            ("azlint.toml", "[[overrides]]\npaths = [\"legacy/**\"]\nignore = [\"TLS001\"]\n"),
            ("legacy/old.json", SITE_HTTP),
            ("new/app.json", SITE_HTTP),
        ],
    );
    let (_, v, _) = azlint(&dir, &["scan", ".", "--select", "TLS001"]);
    let files: Vec<&str> =
        v["findings"].as_array().unwrap().iter().map(|f| f["location"]["file"].as_str().unwrap()).collect();
    assert_eq!(files, ["./new/app.json"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn baseline_reports_only_new_findings_and_lists_the_gone_ones() {
    let dir = scratch("baseline", &[("a.json", SITE_HTTP)]);
    let (code, _, _) = azlint(&dir, &["scan", ".", "--select", "TLS001", "--write-baseline", "baseline.json"]);
    assert_eq!(code, 1, "writing a baseline still reports");
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("baseline.json")).unwrap()).unwrap();
    assert_eq!(b["findings"][0]["rule"], "TLS001");
    assert_eq!(b["findings"][0]["file"], "./a.json");
    // Lines moved: the baseline still matches (it is keyed by rule, resource and file).
    std::fs::write(dir.join("a.json"), format!("\n\n\n{SITE_HTTP}")).unwrap();
    let (code, v, _) = azlint(&dir, &["scan", ".", "--select", "TLS001", "--baseline", "baseline.json"]);
    assert_eq!((code, v["summary"]["findings"].as_u64(), v["summary"]["baselined"].as_u64()), (0, Some(0), Some(1)));
    // A new finding is reported; the fixed one is listed as gone.
    std::fs::write(dir.join("a.json"), SITE_HTTP.replace("api-orders", "api-payments")).unwrap();
    let (code, v, _) = azlint(&dir, &["scan", ".", "--select", "TLS001", "--baseline", "baseline.json"]);
    assert_eq!(code, 1);
    assert_eq!(names(&v, "findings"), ["TLS001 api-payments"]);
    assert!(v["baseline_gone"][0]["resource"].as_str().unwrap().ends_with("/sites/api-orders"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn readme_documents_every_config_key() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find("<!-- config:start -->").expect("README has a config section");
    let end = readme.find("<!-- config:end -->").expect("config section end");
    let section = &readme[start..end];
    let documented: Vec<&str> =
        section.lines().filter_map(|l| l.strip_prefix("| `")).filter_map(|l| l.split('`').next()).collect();
    let mut keys: Vec<&str> = azlint::filter::config::KEYS.to_vec();
    keys.sort();
    let mut doc = documented.clone();
    doc.sort();
    assert_eq!(doc, keys, "the README's config table and the accepted keys differ");
}
