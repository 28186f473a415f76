//! Reading a live export (docs/live-export.md) end to end: coverage gaps fail closed in
//! every format and in the exit code (2 unless `--allow-partial`), the rules that depend
//! on a read that failed or was skipped report the resource as undetermined, never as
//! passing, a complete export gives the findings of the same state as an ARM list, and
//! saved (redacted) app settings give the same findings as the values they replace.

mod support;

use support::azlint;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use azlint::model::secrets::{SettingKind, redact_setting};
use serde_json::{Value, json};

/// The JSON report of `scan FILE ARGS...` and the exit code.
fn json_scan(file: &str, args: &[&str]) -> (i32, Value) {
    let mut a = vec!["scan", file, "--format", "json"];
    a.extend(args);
    let (code, out, err) = azlint(&a);
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}")))
}

/// (rule, resource name) of every undetermined result.
fn undetermined(v: &Value) -> BTreeSet<(String, String)> {
    v["undetermined"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["rule"].as_str().unwrap().to_string(), u["resource"]["name"].as_str().unwrap().to_string()))
        .collect()
}

/// (rule, resource name, message) of every finding: what must not depend on the file.
fn findings(v: &Value) -> Vec<(String, String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["resource"]["name"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn reason<'a>(v: &'a Value, rule: &str, resource: &str) -> &'a str {
    v["undetermined"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["rule"] == rule && u["resource"]["name"] == resource)
        .and_then(|u| u["reason"].as_str())
        .unwrap_or_else(|| panic!("{rule} is not undetermined for `{resource}`: {:#}", v["undetermined"]))
}

fn pairs(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

const CONFIG_WEB: &str = "fixtures/live/gap-config-web-403.json";
const ZONE_GROUPS: &str = "fixtures/live/gap-zone-groups-timeout.json";
const INVENTORY: &str = "fixtures/live/gap-inventory.json";
const SLOTS_SUBNETS: &str = "fixtures/live/gap-slots-and-subnets-403.json";
const NOT_READ: &str = "fixtures/live/not-read-app-settings.json";
const COMPLETE: &str = "fixtures/live/complete.json";
const COMPLETE_ARM: &str = "fixtures/live/complete.arm-list.json";
const APP_SETTINGS: &str = "fixtures/live/app-settings-read.json";
const APP_SETTINGS_SAVED: &str = "fixtures/live/app-settings-saved.json";

const SUB: &str = "/subscriptions/7d1e2f30-0000-4000-8000-00000000a1e5/resourceGroups/rg-live/providers";

#[test]
fn gaps_exit_2_unless_allow_partial_which_exits_by_findings() {
    // TLS001 (httpsOnly is on the site, which was read) is a high finding.
    assert_eq!(azlint(&["scan", CONFIG_WEB]).0, 2);
    assert_eq!(azlint(&["scan", CONFIG_WEB, "--fail-on", "none"]).0, 2, "an incomplete scan never exits 0");
    assert_eq!(azlint(&["scan", CONFIG_WEB, "--allow-partial"]).0, 1);
    assert_eq!(azlint(&["scan", CONFIG_WEB, "--allow-partial", "--fail-on", "critical"]).0, 0);
    // Only a low finding: 0 once the gap is accepted.
    assert_eq!(azlint(&["scan", ZONE_GROUPS]).0, 2);
    assert_eq!(azlint(&["scan", ZONE_GROUPS, "--allow-partial"]).0, 0);
    // Strict mode turns undetermined results into findings; the gap still decides first.
    assert_eq!(azlint(&["scan", ZONE_GROUPS, "--strict"]).0, 2);
    assert_eq!(azlint(&["scan", ZONE_GROUPS, "--strict", "--allow-partial"]).0, 1);
    let (_, help, _) = azlint(&["scan", "--help"]);
    assert!(help.contains("--allow-partial"), "{help}");
}

#[test]
fn json_lists_the_gap_with_its_position_in_the_export() {
    let (code, v) = json_scan(CONFIG_WEB, &[]);
    assert_eq!(code, 2);
    assert_eq!(
        v["gaps"],
        json!([{
            "resource": format!("{SUB}/Microsoft.Web/sites/api-live"),
            "read": "config/web",
            "reason": format!(
                "HTTP 403 AuthorizationFailed: The client 'reviewer@contoso.example' does not have authorization \
                 to perform action 'Microsoft.Web/sites/config/read' over scope \
                 '{SUB}/Microsoft.Web/sites/api-live/config/web'."
            ),
            "location": {
                "file": CONFIG_WEB, "line": 57, "column": 15, "end_line": 57, "end_column": 27, "pointer": null,
            },
        }])
    );
    assert_eq!(v["summary"]["gaps"], 1);
    assert_eq!(v["errors"], json!([]), "a gap is not an input error");
    // With --allow-partial the gap is still listed.
    let (code, v) = json_scan(CONFIG_WEB, &["--allow-partial"]);
    assert_eq!(code, 1);
    assert_eq!(v["gaps"].as_array().unwrap().len(), 1);
    // A timeout has no status: the reason is the reader's own.
    let (_, v) = json_scan(ZONE_GROUPS, &[]);
    assert_eq!(v["gaps"][0]["read"], "privateDnsZoneGroups");
    assert_eq!(v["gaps"][0]["reason"], "timed out after 4 attempts");
    // Every report has the key, empty when nothing failed.
    let (_, v) = json_scan(COMPLETE, &[]);
    assert_eq!(v["gaps"], json!([]));
}

#[test]
fn a_config_web_gap_makes_every_site_setting_rule_undetermined() {
    let (_, v) = json_scan(CONFIG_WEB, &[]);
    // httpsOnly is read with the site: TLS001 is decided.
    assert_eq!(
        findings(&v).into_iter().map(|(r, n, _)| (r, n)).collect::<Vec<_>>(),
        [("TLS001".to_string(), "api-live".to_string())]
    );
    let want = pairs(&[
        ("ACL001", "api-live"),
        ("ACL002", "api-live"),
        ("ACL003", "api-live"),
        ("ACL004", "api-live"),
        ("ACL005", "api-live"),
        ("ACL006", "api-live"),
        // ACL007 asks about the subnets the site's callers share; it has none.
        ("ACL008", "api-live"),
        ("ACL009", "api-live"),
        ("TLS002", "api-live"),
        ("TLS003", "api-live"),
        ("TLS004", "api-live"),
        ("TLS005", "api-live"),
    ]);
    assert_eq!(undetermined(&v), want);
    for (rule, _) in &want {
        let why = reason(&v, rule, "api-live");
        assert!(why.contains("reading `config/web` failed: HTTP 403 AuthorizationFailed"), "{rule}: {why}");
    }
    // The FTP policies were read as `allow: false`: TLS003 is undetermined by `ftpsState` alone.
    assert!(reason(&v, "TLS003", "api-live").starts_with("`ftpsState` cannot be determined"));
}

#[test]
fn text_output_shows_the_gap_like_an_error() {
    let (code, out, _) = azlint(&["scan", CONFIG_WEB, "--color", "never"]);
    assert_eq!(code, 2);
    assert!(out.contains("Coverage gaps (live reads that failed"), "{out}");
    assert!(out.contains("coverage-gap"), "{out}");
    assert!(out.contains(&format!("{CONFIG_WEB}:57:15:")), "{out}");
    assert!(out.contains("reading `config/web` failed"), "{out}");
    assert!(out.contains("HTTP 403 AuthorizationFailed"), "{out}");
    assert!(out.contains("--allow-partial"), "{out}");
    assert!(out.trim_end().ends_with("12 undetermined, 1 coverage gap"), "{out}");
    let (_, quiet, _) = azlint(&["scan", CONFIG_WEB, "--quiet", "--color", "never"]);
    assert!(quiet.contains("reading `config/web` failed"), "quiet output keeps the gap: {quiet}");
    let (_, partial, _) = azlint(&["scan", CONFIG_WEB, "--allow-partial", "--color", "never"]);
    assert!(partial.contains("accepted with --allow-partial"), "{partial}");
    assert!(partial.trim_end().ends_with("1 coverage gap (allowed)"), "{partial}");
}

#[test]
fn every_format_lists_the_gap() {
    for format in azlint::report::Format::ALL {
        let (code, out, err) = azlint(&["scan", CONFIG_WEB, "--format", format.as_str(), "--color", "never"]);
        assert_eq!(code, 2, "{}: {err}", format.as_str());
        for needle in ["config/web", "AuthorizationFailed", "/Microsoft.Web/sites/api-live"] {
            assert!(out.contains(needle), "{} lacks `{needle}`:\n{out}", format.as_str());
        }
    }
    let (_, junit, _) = azlint(&["scan", CONFIG_WEB, "--format", "junit"]);
    assert!(junit.contains("<testsuite name=\"azlint.coverage\" tests=\"1\" failures=\"1\""), "{junit}");
    assert!(junit.contains("type=\"coverage-gap\""), "{junit}");
    let (_, github, _) = azlint(&["scan", CONFIG_WEB, "--format", "github"]);
    assert!(
        github.lines().any(|l| l.starts_with(&format!(
            "::error file={CONFIG_WEB},line=57,col=15,endLine=57,endColumn=27,title=azlint coverage-gap::"
        ))),
        "{github}"
    );
    let (_, md, _) = azlint(&["scan", CONFIG_WEB, "--format", "markdown"]);
    assert!(md.contains("**Incomplete**: 1 coverage gap left resources unread;"), "{md}");
    assert!(md.contains("### Coverage gaps"), "{md}");
    let (_, md, _) = azlint(&["scan", CONFIG_WEB, "--format", "markdown", "--allow-partial"]);
    assert!(md.contains("**Failed**"), "{md}");
    assert!(md.contains("1 coverage gap accepted with `--allow-partial`"), "{md}");
    assert!(md.contains("### Coverage gaps"), "{md}");
}

#[test]
fn a_zone_group_gap_leaves_the_dns_rules_undetermined_instead_of_firing() {
    let (_, v) = json_scan(ZONE_GROUPS, &[]);
    let got = undetermined(&v);
    assert_eq!(
        got,
        pairs(&[("PE002", "pe-kv"), ("PE003", "pe-kv/?unread"), ("PE004", "privatelink.vaultcore.azure.net")])
    );
    assert!(
        reason(&v, "PE002", "pe-kv").ends_with("reading `privateDnsZoneGroups` failed: timed out after 4 attempts")
    );
    assert!(
        reason(&v, "PE004", "privatelink.vaultcore.azure.net").contains("private endpoint `pe-kv` may use this zone")
    );
    assert!(findings(&v).iter().all(|(rule, _, _)| !rule.starts_with("PE")), "{:?}", findings(&v));
}

#[test]
fn an_inventory_gap_reads_nothing_and_fails() {
    let (code, v) = json_scan(INVENTORY, &[]);
    assert_eq!(code, 2);
    assert_eq!(v["summary"]["resources"], 0);
    assert_eq!(v["gaps"][0]["resource"], "/subscriptions/7d1e2f30-0000-4000-8000-00000000b0b0");
    assert_eq!(v["gaps"][0]["read"], "inventory");
    assert!(v["gaps"][0]["reason"].as_str().unwrap().starts_with("HTTP 403 AuthorizationFailed: "));
    assert_eq!(json_scan(INVENTORY, &["--allow-partial"]).0, 0);
}

#[test]
fn collection_gaps_become_unread_children_that_are_never_passed() {
    let (code, v) = json_scan(SLOTS_SUBNETS, &[]);
    assert_eq!(code, 2);
    assert_eq!(v["summary"]["gaps"], 2);
    assert_eq!(findings(&v), Vec::new(), "a subnet that was not listed is not a missing subnet");
    let why = reason(&v, "NET007", "api-live");
    assert!(why.contains("reading `subnets` failed"), "{why}");
    assert!(reason(&v, "NET001", "api-live").contains("reading `subnets` failed"));
    // The slots that could not be listed: every rule over slots says so, none passes.
    let slot_rules: BTreeSet<String> =
        undetermined(&v).into_iter().filter(|(_, r)| r == "api-live/?unread").map(|(c, _)| c).collect();
    for rule in ["TLS001", "TLS002", "TLS003", "ACL001", "AUTH001", "AUTH006", "PE006", "NET007"] {
        assert!(slot_rules.contains(rule), "{rule} passes over the unread slots: {slot_rules:?}");
    }
    assert!(reason(&v, "TLS001", "api-live/?unread").contains("reading `slots` failed"));
    let subnet_rules: BTreeSet<String> =
        undetermined(&v).into_iter().filter(|(_, r)| r == "vnet-live/?unread").map(|(c, _)| c).collect();
    assert!(subnet_rules.contains("NSG002") && subnet_rules.contains("NET002"), "{subnet_rules:?}");
    // JUnit never shows a placeholder as a passing test case.
    let (_, junit, _) = azlint(&["scan", SLOTS_SUBNETS, "--format", "junit"]);
    for line in
        junit.lines().filter(|l| l.contains("name=\"api-live/?unread\"") || l.contains("name=\"vnet-live/?unread\""))
    {
        assert!(!line.trim_end().ends_with("/>"), "a placeholder passed: {line}");
    }
}

#[test]
fn app_settings_that_were_not_read_are_undetermined_but_not_gaps() {
    let (code, v) = json_scan(NOT_READ, &[]);
    assert_eq!(code, 0, "`notRead` is on purpose: not a coverage gap");
    assert_eq!(v["gaps"], json!([]));
    assert_eq!(findings(&v), Vec::new());
    assert_eq!(
        undetermined(&v),
        pairs(&[
            ("ACL001", "api-live"),
            ("AUTH005", "api-live"),
            ("AUTH006", "api-live"),
            ("AUTH006", "web-live"),
            ("PE006", "api-live"),
            ("PE006", "web-live"),
        ])
    );
    let why = reason(&v, "AUTH006", "web-live");
    assert!(
        why.contains("`config/appsettings/list` was not read: app settings are read only with --read-app-settings")
    );
    let why = reason(&v, "PE006", "web-live");
    assert!(why.contains("key vault `kv-live`"), "{why}");
    // `api-live` is open to everyone and may be called by `web-live`: its role is unknown,
    // so ACL001 cannot pass it; `web-live` is tagged a front end and is not asked.
    let why = reason(&v, "ACL001", "api-live");
    assert!(
        why.starts_with("whether it is a back-end cannot be determined: what `web-live` calls is not known"),
        "{why}"
    );
}

#[test]
fn a_complete_export_gives_the_findings_of_the_same_state_as_an_arm_list() {
    let (code, live) = json_scan(COMPLETE, &[]);
    let (arm_code, arm) = json_scan(COMPLETE_ARM, &[]);
    assert_eq!(live["gaps"], json!([]));
    assert_eq!((code, findings(&live)), (arm_code, findings(&arm)));
    assert_eq!(undetermined(&live), undetermined(&arm));
    assert_eq!(code, 1);
    let rules: Vec<String> = findings(&live).into_iter().map(|(r, _, _)| r).collect();
    assert_eq!(rules, ["AUTH005", "TLS002", "ACL001"], "the back-end is known from a redacted app setting");
}

/// The export with every app setting and connection string value replaced as a saved
/// live export writes it.
fn redacted(export: &Value) -> Value {
    let mut out = export.clone();
    for r in out["resources"].as_array_mut().unwrap() {
        let id = r["id"].as_str().unwrap_or_default().to_ascii_lowercase();
        let props = r["properties"].as_object_mut();
        if id.ends_with("/config/appsettings") {
            for (name, value) in props.unwrap() {
                *value = redact_setting(SettingKind::AppSetting, name, value.as_str().unwrap());
            }
        } else if id.ends_with("/config/connectionstrings") {
            for (name, cs) in props.unwrap() {
                let text = cs["value"].as_str().unwrap().to_string();
                cs["value"] = redact_setting(SettingKind::ConnectionString, name, &text);
            }
        }
    }
    out
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("azlint-live-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn saved_app_settings_give_the_same_findings_without_the_secrets() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read: Value = serde_json::from_str(&std::fs::read_to_string(root.join(APP_SETTINGS)).unwrap()).unwrap();
    let saved = redacted(&read);
    let text = format!("{}\n", serde_json::to_string_pretty(&saved).unwrap());
    // The saved fixture shows the format; it is exactly what `redact_setting` writes.
    let golden = root.join(APP_SETTINGS_SAVED);
    if std::env::var_os("AZLINT_BLESS").is_some() {
        std::fs::write(&golden, &text).unwrap();
    }
    assert_eq!(std::fs::read_to_string(&golden).unwrap_or_default(), text, "run with AZLINT_BLESS=1 to update");
    for secret in [
        "Live-Fixture-Pa55word!",
        "TGl2ZUZpeHR1cmVBY2NvdW50S2V5",
        "TGl2ZVNhc1NpZw",
        "Live-Sql-Pa55!",
        "/secrets/db",
        "v1/orders",
    ] {
        assert!(
            std::fs::read_to_string(root.join(APP_SETTINGS)).unwrap().contains(secret),
            "the fixture lacks `{secret}`"
        );
        assert!(!text.contains(secret), "`{secret}` survived redaction");
    }

    let dir = temp("saved");
    let file = dir.join("saved.json");
    std::fs::write(&file, &text).unwrap();
    let (code, before) = json_scan(APP_SETTINGS, &[]);
    let (saved_code, after) = json_scan(file.to_str().unwrap(), &[]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(code, saved_code);
    assert_eq!(findings(&before), findings(&after));
    assert_eq!(undetermined(&before), undetermined(&after));
    let rules: BTreeSet<String> = findings(&before).into_iter().map(|(r, _, _)| r).collect();
    assert!(rules.contains("AUTH006") && rules.contains("PE006"), "the fixture shows both rules: {rules:?}");
    let auth006 = findings(&before).into_iter().filter(|(r, _, _)| r == "AUTH006").count();
    assert_eq!(auth006, 4, "a password, an account key, a SAS signature and a connection string password");
}

#[test]
fn no_format_shows_a_secret_of_the_app_settings_read() {
    for format in azlint::report::Format::ALL {
        for strict in [false, true] {
            let mut args = vec!["scan", APP_SETTINGS, "--format", format.as_str(), "--color", "never"];
            if strict {
                args.push("--strict");
            }
            let (_, out, err) = azlint(&args);
            for secret in ["Live-Fixture-Pa55word!", "TGl2ZUZpeHR1cmVBY2NvdW50S2V5", "TGl2ZVNhc1NpZw", "Live-Sql-Pa55!"]
            {
                assert!(!out.contains(secret) && !err.contains(secret), "{} shows `{secret}`", format.as_str());
            }
        }
    }
}

#[test]
fn an_unsupported_version_is_refused_with_its_position() {
    let dir = temp("version");
    let file = dir.join("future.json");
    std::fs::write(&file, "{\n  \"azlintLiveExport\": 2,\n  \"resources\": [],\n  \"gaps\": []\n}\n").unwrap();
    let (code, v) = json_scan(file.to_str().unwrap(), &[]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(code, 2);
    let e = &v["errors"][0];
    assert_eq!(e["code"], "unsupported-version");
    assert_eq!((e["line"].as_u64(), e["column"].as_u64()), (Some(2), Some(23)));
    assert!(e["file"].as_str().unwrap().ends_with("future.json"));
    assert!(e["message"].as_str().unwrap().starts_with("live export version 2 is not supported"), "{e}");
}
