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

fn findings(v: &serde_json::Value) -> Vec<(String, String)> {
    v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap_or("").to_string(),
                        f["resource"]["name"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn tls001(v: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = findings(v).into_iter().filter(|(r, _)| r == "TLS001").map(|(_, n)| n).collect();
    names.sort();
    names
}

/// Row 10: linked templates that form a cycle lose no resource, count none twice, and
/// the cycle is one error naming it, with or without an entry template and `--strict`.
#[test]
fn cycles_between_linked_templates_are_one_error_and_lose_nothing() {
    for (dir, sites) in [
        ("fixtures/hostile/linked-cycle", vec!["site-a", "site-b"]),
        ("fixtures/hostile/linked-cycle-with-entry", vec!["site-a", "site-b"]),
        ("fixtures/hostile/linked-self", vec!["site-self"]),
    ] {
        for strict in [false, true] {
            let mut args = vec![dir];
            if strict {
                args.push("--strict");
            }
            let (code, v) = scan_json(&args);
            assert_eq!(code, 2, "{dir}: the cycle makes the scan incomplete");
            assert_eq!(tls001(&v), sites, "{dir} strict={strict}: every site once");
            let errs = errors(&v);
            assert_eq!(errs.len(), 1, "{dir}: {errs:?}");
            assert_eq!(errs[0].0, "arm-linked-cycle");
            assert!(errs[0].1.contains(" -> ") && errs[0].1.contains("form a cycle"), "{}", errs[0].1);
        }
    }
}

/// Row 1: a minified template with a line of 70,000 characters, and a syntax error
/// past column 65,535: the text report shows a cut line around the label instead of
/// panicking, and every report file asked for is written.
#[test]
fn long_lines_render_in_every_format() {
    let tmp = std::env::temp_dir().join(format!("azlint-long-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let pad = "a".repeat(70_000);
    let tpl = format!(
        r#"{{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": [{{"type": "Microsoft.Web/sites", "apiVersion": "2023-12-01", "name": "long", "location": "westeurope", "properties": {{"siteConfig": {{"appCommandLine": "{pad}"}}, "httpsOnly": false}}}}]}}"#
    );
    std::fs::write(tmp.join("long-line.json"), &tpl).expect("write");
    std::fs::write(tmp.join("syntax-error-far.json"), format!("{tpl} @")).expect("write");
    let dir = tmp.to_string_lossy().to_string();
    let files: Vec<String> = azlint::report::Format::ALL
        .iter()
        .map(|f| format!("{}={}", f.as_str(), tmp.join(format!("report.{}", f.as_str())).display()))
        .collect();
    let mut args = vec!["scan", "--no-config", dir.as_str()];
    for f in &files {
        args.extend(["--format", f.as_str()]);
    }
    let (code, out, err) = azlint_within(&args, Duration::from_secs(30));
    assert_eq!(code, 2, "{out}{err}");
    for f in azlint::report::Format::ALL {
        let written = std::fs::read_to_string(tmp.join(format!("report.{}", f.as_str()))).unwrap_or_default();
        assert!(written.contains("long"), "the {} report was not written", f.as_str());
    }
    let text = std::fs::read_to_string(tmp.join("report.text")).expect("text report");
    let longest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(longest < 400, "a line of {longest} characters");
    assert!(text.contains("syntax-error-far.json:1:"), "{text}");
    assert!(text.contains("\"httpsOnly\": false"), "the label's line is shown around it:\n{text}");
    std::fs::remove_dir_all(&tmp).ok();
}

/// Rows 4 and 11: a symlink to `/` is not followed; a FIFO met in a folder is named as
/// skipped; a FIFO, a device or `/proc` given by name is an error; `-` reads standard
/// input.
#[test]
fn paths_stay_inside_the_scan_and_only_files_are_read() {
    let tmp = std::env::temp_dir().join(format!("azlint-paths-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    std::os::unix::fs::symlink("/", tmp.join("root")).expect("symlink");
    let fifo = tmp.join("t.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().map(|s| s.success()).unwrap_or(false);
    assert!(made, "mkfifo");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats/template.json"), tmp.join("ok.json"))
        .expect("copy");
    let dir = tmp.to_string_lossy().to_string();
    let (code, v) = scan_json(&[&dir]);
    assert_eq!(code, 1, "the folder scans: one finding, nothing incomplete");
    let skipped: Vec<String> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{}: {}", s["file"].as_str().unwrap(), s["reason"].as_str().unwrap()))
        .collect();
    assert!(
        skipped.iter().any(|s| s.ends_with("/root: symlink not followed: `/` is outside the scanned folders")),
        "{skipped:?}"
    );
    assert!(skipped.iter().any(|s| s.ends_with("/t.json: not read: it is a FIFO (named pipe)")), "{skipped:?}");
    let fifo_arg = fifo.to_string_lossy().to_string();
    for (path, why) in [
        (fifo_arg.as_str(), "it is a FIFO"),
        ("/dev/null", "it is a device"),
        ("/proc/self/environ", "kernel or device interface"),
    ] {
        let (code, v) = scan_json(&[path]);
        assert_eq!(code, 2, "{path}");
        let errs = errors(&v);
        assert!(errs.iter().any(|(c, m)| c == "io-error" && m.contains(why)), "{path}: {errs:?}");
    }
    std::fs::remove_dir_all(&tmp).ok();
    let template = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats/template.json")).unwrap();
    for stdin in ["-", "/dev/stdin"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_azlint"))
            .args(["scan", "--no-config", "--format", "json", stdin])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("azlint starts");
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), &template).unwrap();
        let out = child.wait_with_output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(1), "{stdin}");
        assert_eq!(v["findings"][0]["location"]["file"], "<stdin>", "{stdin}");
    }
}

/// Row 9: an endpoint with user information sends the token to the host after `@`.
#[test]
fn an_endpoint_with_user_information_is_refused() {
    let (code, out, err) = azlint_within(
        &[
            "scan",
            "--subscription",
            "00000000-0000-0000-0000-000000000001",
            "--auth",
            "token-env",
            "--arm-endpoint",
            "http://127.0.0.1:80@example.invalid",
        ],
        Duration::from_secs(30),
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("must not carry user information"), "{err}");
}

/// Row 12: a resource name with backticks, HTML and a line break stays inert in every
/// format: no raw HTML in Markdown, no new line in text or GitHub output that could be
/// read as a workflow command.
#[test]
fn hostile_names_stay_inert_in_every_format() {
    for f in azlint::report::Format::ALL {
        let (_, out, _) = azlint_within(
            &["scan", "--no-config", "fixtures/hostile/backtick-name.json", "--format", f.as_str()],
            Duration::from_secs(30),
        );
        let markup = match f {
            azlint::report::Format::Markdown => out.lines().map(outside_code_spans).collect::<Vec<_>>().join("\n"),
            azlint::report::Format::Junit => out.clone(),
            _ => String::new(),
        };
        assert!(!markup.contains("<img"), "{}: raw HTML:\n{out}", f.as_str());
        assert!(
            !out.lines().any(|l| l.trim_start().starts_with("::error::injected")),
            "{}: a line starts with the injected command:\n{out}",
            f.as_str()
        );
    }
}

/// A Markdown line without its code spans (CommonMark: a run of N backticks closes at
/// the next run of exactly N), which is where Markdown and HTML are read.
fn outside_code_spans(line: &str) -> String {
    let b = line.as_bytes();
    let (mut out, mut i) = (String::new(), 0);
    while i < b.len() {
        if b[i] != b'`' {
            out.push(b[i] as char);
            i += 1;
            continue;
        }
        let n = b[i..].iter().take_while(|&&c| c == b'`').count();
        let mut j = i + n;
        let mut closed = None;
        while j < b.len() {
            let m = b[j..].iter().take_while(|&&c| c == b'`').count();
            if m == n {
                closed = Some(j + m);
                break;
            }
            j += m.max(1);
        }
        match closed {
            Some(end) => i = end,
            None => {
                out.push_str(&line[i..i + n]);
                i += n;
            }
        }
    }
    out
}

/// Row 14: a report file that would overwrite a scanned file is refused; the other
/// reports are still written.
#[test]
fn a_report_never_overwrites_an_input() {
    let tmp = std::env::temp_dir().join(format!("azlint-overwrite-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let input = tmp.join("t.json");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats/template.json"), &input).expect("copy");
    let before = std::fs::read(&input).unwrap();
    let json_over_input = format!("json={}", input.display());
    let sarif = format!("sarif={}", tmp.join("r.sarif").display());
    let i = input.to_string_lossy().to_string();
    let (code, _, err) = azlint_within(
        &["scan", "--no-config", &i, "--format", &json_over_input, "--format", &sarif],
        Duration::from_secs(30),
    );
    assert_eq!(code, 2);
    assert!(err.contains("refusing to write the json report"), "{err}");
    assert_eq!(std::fs::read(&input).unwrap(), before, "the input is untouched");
    assert!(tmp.join("r.sarif").is_file(), "the other report is written");
    std::fs::remove_dir_all(&tmp).ok();
}
