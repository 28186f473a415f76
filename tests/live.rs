//! `azlint scan --subscription` end to end against the fake Resource Manager of
//! `tests/support/fake_arm.rs` (a server on 127.0.0.1:0; nothing here talks to the
//! internet): the scan of a live read equals the scan of its saved export; throttling,
//! server errors and timeouts are waited out or retried; a read that keeps failing is a
//! coverage gap that makes the run exit 2 unless `--allow-partial`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::fake_arm::{FakeArm, FakeState, Fault, FaultKind};

const TOKEN: &str = "test-token-8c1f";
const SUB: &str = "6b7a0c2e-1d2f-4a3b-9c8d-112233445566";
const BACKEND: &str = "/subscriptions/6b7a0c2e-1d2f-4a3b-9c8d-112233445566/resourceGroups/rg-shop/providers/Microsoft.Web/sites/api-backend";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn export() -> PathBuf {
    root().join("fixtures/scenarios/frontend-backend/export-arm-list.json")
}

/// The front-end/back-end scenario as a live subscription that wants `TOKEN`, with one
/// gap so that there are findings to compare: the front end accepts plain HTTP (TLS001,
/// a property of the site itself, which the inventory carries).
fn state() -> FakeState {
    let mut s = FakeState::new(insecure_export()["value"].as_array().unwrap().clone());
    s.token = Some(TOKEN.into());
    s
}

fn insecure_export() -> Value {
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(export()).unwrap()).unwrap();
    let front = doc["value"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["id"].as_str().unwrap().ends_with("/sites/web-frontend"));
    front.expect("the scenario has web-frontend")["properties"]["httpsOnly"] = Value::Bool(false);
    doc
}

/// The same state written as an ARM list export file.
fn insecure_export_file() -> PathBuf {
    let path = tmp("insecure-arm-list.json");
    std::fs::write(&path, serde_json::to_string_pretty(&insecure_export()).unwrap()).unwrap();
    path
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("azlint-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn fault(path: &str, kind: FaultKind, times: Option<usize>) -> Fault {
    Fault { path_contains: path.into(), method: None, kind, times, probability: 1.0 }
}

/// Runs `azlint scan --subscription SUB` against `server` with `extra` arguments.
fn live(server: &FakeArm, extra: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_azlint"));
    cmd.args(["scan", "--subscription", SUB, "--arm-endpoint", &server.endpoint(), "--auth", "token-env"])
        .args(["--format", "json", "--no-config", "--request-timeout", "2"])
        .args(extra)
        .env("AZLINT_ARM_TOKEN", TOKEN)
        .env("NO_COLOR", "1");
    cmd.output().expect("azlint runs")
}

fn scan_file(path: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_azlint"))
        .args(["scan", "--format", "json", "--no-config"])
        .arg(path)
        .args(extra)
        .output()
        .expect("azlint runs")
}

fn report(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    })
}

/// (rule, resource name) of the report's `list` (`findings` or `undetermined`), sorted.
fn results(r: &Value, list: &str) -> Vec<(String, String)> {
    let mut v: Vec<_> = r[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["resource"]["name"].as_str().unwrap().to_string()))
        .collect();
    v.sort();
    v
}

fn findings(r: &Value) -> Vec<(String, String)> {
    results(r, "findings")
}

fn undetermined(r: &Value) -> Vec<(String, String)> {
    results(r, "undetermined")
}

fn gaps(r: &Value) -> Vec<(String, String)> {
    r["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["resource"].as_str().unwrap().to_string(), g["read"].as_str().unwrap().to_string()))
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_live_scan_equals_the_scan_of_its_saved_export_and_of_the_export_file() {
    let server = FakeArm::start(state());
    let saved = tmp("saved.json");
    let out = live(&server, &["--read-app-settings", "--save-export", saved.to_str().unwrap()]);
    let r = report(&out);
    assert_eq!(gaps(&r), Vec::<(String, String)>::new(), "{}", stderr(&out));
    let again = scan_file(&saved, &[]);
    assert_eq!(out.status.code(), again.status.code());
    // The live report names the saved file, so the two reports are the same bytes.
    assert_eq!(String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&again.stdout));
    // And the same findings as the ARM list export of the same state.
    let direct = report(&scan_file(&insecure_export_file(), &[]));
    assert_eq!(findings(&r), findings(&direct));
    assert_eq!(findings(&r), vec![("TLS001".to_string(), "web-frontend".to_string())]);
    assert_eq!(out.status.code(), Some(1));
    // The token is never printed or saved.
    let text = std::fs::read_to_string(&saved).unwrap();
    for s in [&text, &String::from_utf8_lossy(&out.stdout).into_owned(), &stderr(&out)] {
        assert!(!s.contains(TOKEN));
    }
}

#[test]
fn sites_are_read_with_their_config_and_app_settings_only_when_asked() {
    let server = FakeArm::start(state());
    let out = live(&server, &[]);
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.to_ascii_lowercase()).collect();
    assert!(paths.iter().any(|p| p.contains("/sites/api-backend/config/web?api-version=2024-04-01")), "{paths:?}");
    assert!(paths.iter().any(|p| p.starts_with("/providers/microsoft.resourcegraph/resources")));
    assert!(!paths.iter().any(|p| p.contains("appsettings/list")), "app settings read without the flag");
    // Without them, the rules that need app settings are undetermined, not passing.
    let r = report(&out);
    assert!(undetermined(&r).iter().any(|(rule, name)| rule == "AUTH006" && name == "web-frontend"), "{r:#}");

    let server = FakeArm::start(state());
    live(&server, &["--read-app-settings"]);
    assert!(server.requests().iter().any(|r| r.method == "POST" && r.path.contains("/config/appsettings/list")));
}

#[test]
fn next_links_are_followed_on_the_configured_endpoint() {
    let mut s = state();
    s.list_page_size = 1;
    s.graph_page_size = 2;
    let server = FakeArm::start(s);
    let r = report(&live(&server, &[]));
    assert_eq!(gaps(&r), Vec::<(String, String)>::new());
    let reqs = server.requests();
    assert!(reqs.iter().any(|q| q.path.contains("$skipToken=")), "no second page of a list was read");
    let graph_pages = reqs.iter().filter(|q| q.path.to_ascii_lowercase().contains("resourcegraph")).count();
    assert!(graph_pages >= 2, "Resource Graph pages: {graph_pages}");
    assert_eq!(findings(&r), vec![("TLS001".to_string(), "web-frontend".to_string())]);
}

#[test]
fn throttled_reads_wait_for_retry_after_and_complete() {
    let clean = report(&live(&FakeArm::start(state()), &[]));
    let mut s = state();
    s.faults.push(fault("/config/web", FaultKind::Throttle { retry_after_secs: 1 }, Some(3)));
    let server = FakeArm::start(s);
    let started = Instant::now();
    let out = live(&server, &[]);
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After was not waited for");
    let r = report(&out);
    assert_eq!(gaps(&r), Vec::<(String, String)>::new(), "{}", stderr(&out));
    assert_eq!(findings(&r), findings(&clean));
    assert_eq!(server.requests().iter().filter(|q| q.status == 429).count(), 3);
    assert!(stderr(&out).contains("3 throttled"), "{}", stderr(&out));
}

#[test]
fn server_errors_and_timeouts_are_retried() {
    let clean = report(&live(&FakeArm::start(state()), &[]));
    let mut s = state();
    let error = json!({"error": {"code": "InternalServerError", "message": "try again"}});
    s.faults.push(fault("/config/authsettingsV2", FaultKind::Status(500, error), Some(2)));
    s.faults.push(fault("/subnets", FaultKind::Hang(Duration::from_secs(4)), Some(1)));
    let server = FakeArm::start(s);
    let out = live(&server, &[]);
    let r = report(&out);
    assert_eq!(gaps(&r), Vec::<(String, String)>::new(), "{}", stderr(&out));
    assert_eq!(findings(&r), findings(&clean));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_forbidden_config_read_is_a_gap_that_leaves_the_site_undetermined() {
    let mut s = state();
    let denied = json!({"error": {"code": "AuthorizationFailed", "message": "The client 'c1' with object id 'c1' \
        does not have authorization to perform action 'Microsoft.Web/sites/config/read' over scope '/subscriptions/x'."}});
    s.faults.push(fault("/sites/api-backend/config/web", FaultKind::Status(403, denied), None));
    let server = FakeArm::start(s);
    let saved = tmp("gap.json");
    let out = live(&server, &["--save-export", saved.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a scan with gaps is incomplete: {}{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
    let r = report(&out);
    assert_eq!(gaps(&r), vec![(BACKEND.to_string(), "config/web".to_string())]);
    let reason = r["gaps"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("403") && reason.contains("AuthorizationFailed"), "{reason}");
    // Rules that read the site's configuration are undetermined for it, never passing.
    let und = undetermined(&r);
    for rule in ["TLS002", "TLS004"] {
        assert!(und.contains(&(rule.to_string(), "api-backend".to_string())), "{rule} not undetermined: {und:?}");
    }
    // --allow-partial exits by the findings, and still reports the gap.
    let server = FakeArm::start({
        let mut s = state();
        s.faults.push(fault("/sites/api-backend/config/web", FaultKind::Status(403, json!({})), None));
        s
    });
    let partial = live(&server, &["--allow-partial"]);
    assert_eq!(partial.status.code(), Some(1));
    assert_eq!(gaps(&report(&partial)).len(), 1);
    // The saved export reproduces the gap.
    let again = scan_file(&saved, &[]);
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&again.stdout), String::from_utf8_lossy(&out.stdout));
}

#[test]
fn a_malformed_body_and_an_unreadable_inventory_are_gaps() {
    let mut s = state();
    s.faults.push(fault("/sites/web-frontend/basicPublishingCredentialsPolicies", FaultKind::Malformed, None));
    let out = live(&FakeArm::start(s), &[]);
    assert_eq!(out.status.code(), Some(2));
    let r = report(&out);
    let front = BACKEND.replace("api-backend", "web-frontend");
    let policies = ["basicPublishingCredentialsPolicies/ftp", "basicPublishingCredentialsPolicies/scm"];
    assert_eq!(gaps(&r), policies.map(|p| (front.clone(), p.to_string())).to_vec());
    assert!(r["gaps"].as_array().unwrap().iter().all(|g| g["reason"].as_str().unwrap().contains("malformed")));
    // The FTP check of TLS003 cannot pass for the front end.
    assert!(undetermined(&r).contains(&("TLS003".to_string(), "web-frontend".to_string())), "{r:#}");

    let mut s = state();
    s.token = Some("another-token".into());
    let out = live(&FakeArm::start(s), &[]);
    assert_eq!(out.status.code(), Some(2));
    let r = report(&out);
    assert_eq!(gaps(&r), vec![(format!("/subscriptions/{SUB}"), "inventory".to_string())]);
    assert!(r["gaps"][0]["reason"].as_str().unwrap().contains("401"));
}

#[test]
fn the_request_budget_bounds_the_read() {
    let server = FakeArm::start(state());
    let out = live(&server, &["--request-budget", "3", "--allow-partial"]);
    assert!(server.request_count() <= 3, "{} requests", server.request_count());
    let r = report(&out);
    assert!(!gaps(&r).is_empty());
    assert!(r["gaps"].as_array().unwrap().iter().any(|g| g["reason"].as_str().unwrap().contains("budget")));
}

#[test]
fn the_token_is_never_sent_over_plain_http_to_another_host() {
    let out = Command::new(env!("CARGO_BIN_EXE_azlint"))
        .args(["scan", "--subscription", SUB, "--arm-endpoint", "http://management.azure.com", "--auth", "token-env"])
        .env("AZLINT_ARM_TOKEN", TOKEN)
        .output()
        .expect("azlint runs");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("not an https:// URL"), "{err}");
    assert!(!err.contains(TOKEN));
}
