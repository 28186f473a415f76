//! No output ever contains a secret (issue 5, AUTH006): scans `fixtures/secrets/` (a
//! template with a parameters file, and an exported ARM list, both full of literal
//! secrets next to settings other rules flag) in every format `azlint scan --help`
//! lists, plain and `--strict`, to stdout and with `-o FILE`, and asserts that none of
//! the secret strings appears anywhere. New formats are covered as soon as the help
//! lists them. The fixtures include the hostile cases of issue 15 (secrets inside failing
//! expressions, on lines that do not parse, in comments), and a symlink to the process
//! environment is scanned with a secret in that environment.

use std::path::Path;
use std::process::Command;

/// Distinctive parts of every secret in the fixtures.
const SECRETS: &[&str] = &[
    "Fixture-Pa55word!",
    "Rml4dHVyZVNhc1NpZw",
    "Rml4dHVyZUFjY291bnRLZXk",
    "ParamFile-S3cret-Key!",
    "fixture~client~secret~0123456789",
    "Sq1-Adm1n-Pa55!",
    "RXhwb3J0S2V5Rml4dHVyZQ",
    "Export-SB-S3cret-Value",
    "Export-Pwd-Fixture",
    // Hostile input (issue 15): secrets in expressions that fail, on lines that do not
    // parse, in comments and command lines, in partly known connection strings.
    "Hostile-Expr-Pa55",
    "Hostile-Int-Pa55",
    "hunter2hostile",
    "Hostile-Cmd-Token",
    "Hostile-Syntax-Pa55",
    "Hostile-Unterminated-Pa55",
    "Hostile-Escape",
    "Hostile-Comment-Pa55",
    "Hostile-Block-Key",
    "Hostile-Cmd-Pa55",
    "Hostile-Partial-Pa55",
];

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_azlint"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("azlint runs");
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Every output format azlint has: a new format is covered without touching this test.
fn formats() -> Vec<String> {
    azlint::report::Format::ALL.iter().map(|f| f.as_str().to_string()).collect()
}

#[test]
fn fixtures_hold_the_secrets_they_claim() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/secrets");
    let mut all = String::new();
    for e in std::fs::read_dir(dir).expect("fixtures/secrets").flatten() {
        all.push_str(&std::fs::read_to_string(e.path()).expect("readable"));
    }
    for s in SECRETS {
        assert!(all.contains(s), "fixture lacks `{s}`: the test would prove nothing");
    }
}

#[test]
fn no_output_format_contains_a_secret() {
    let formats = formats();
    assert!(formats.len() >= 2, "expected at least text and json, got {formats:?}");
    let tmp = std::env::temp_dir().join(format!("azlint-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let mut leaks = Vec::new();
    for format in &formats {
        for strict in [false, true] {
            let file = tmp.join(format!("report-{format}-{strict}"));
            let file_arg = file.to_string_lossy().to_string();
            let mut base = vec!["scan", "fixtures/secrets", "--fail-on", "none", "--format", format.as_str()];
            if strict {
                base.push("--strict");
            }
            let stdout = run(&base);
            assert!(stdout.contains("AUTH006"), "{format}: the scan should report AUTH006:\n{stdout}");
            let mut with_file = base.clone();
            with_file.extend(["-o", file_arg.as_str()]);
            let console = run(&with_file);
            let written = std::fs::read_to_string(&file).unwrap_or_default();
            for (what, text) in [("stdout", &stdout), ("console with -o", &console), ("-o file", &written)] {
                for s in SECRETS {
                    if text.contains(s) {
                        leaks.push(format!("--format {format} (strict {strict}) {what} contains `{s}`"));
                    }
                }
            }
        }
    }
    std::fs::remove_dir_all(&tmp).ok();
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}

/// A symlink to `/proc/self/environ` inside the scanned folder is never read (its
/// target is outside the folder and a kernel interface), so the environment of a CI
/// job, which holds its credentials, reaches no report.
#[test]
fn a_symlink_to_the_process_environment_is_not_read() {
    const ENV_SECRET: &str = "Env-Secret-From-CI-0123456789";
    let tmp = std::env::temp_dir().join(format!("azlint-environ-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    std::os::unix::fs::symlink("/proc/self/environ", tmp.join("env.json")).expect("symlink");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats/template.json"), tmp.join("t.json"))
        .expect("copy");
    let mut leaks = Vec::new();
    for format in formats() {
        let out = Command::new(env!("CARGO_BIN_EXE_azlint"))
            .args(["scan", "--no-config", "--fail-on", "none", "--format", format.as_str()])
            .arg(&tmp)
            .env("AZURE_CLIENT_SECRET", ENV_SECRET)
            .env("NO_COLOR", "1")
            .output()
            .expect("azlint runs");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if text.contains(ENV_SECRET) {
            leaks.push(format);
        } else if format == "json" {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
            let skipped = v["skipped"].as_array().cloned().unwrap_or_default();
            assert!(
                skipped.iter().any(|s| s["file"].as_str().is_some_and(|f| f.ends_with("env.json"))
                    && s["reason"].as_str().is_some_and(|r| r.contains("outside the scanned folders"))),
                "the symlink is named as skipped: {skipped:?}"
            );
            assert_eq!(v["summary"]["resources"], 1, "the template beside it is scanned");
        }
    }
    std::fs::remove_dir_all(&tmp).ok();
    assert!(leaks.is_empty(), "the environment leaked in: {leaks:?}");
}
