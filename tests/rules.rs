//! Data-driven rule tests: every `fixtures/rules/<CODE>/*.json` and `*.bicep` is scanned
//! on its own and its findings and undetermined results for rule `<CODE>` are compared
//! with the golden file `<name>.expected` (`<name>.bicep.expected`) beside it; a Bicep
//! fixture `<name>-bicep.bicep` with a JSON twin `<name>.json` gives the same findings
//! (not `<name>.bicep`: beside it the JSON would be its build output, skipped). `fail-*` fixtures must produce a finding of the rule,
//! `pass-*` fixtures none. Run with `AZLINT_BLESS=1` to write missing or changed golden
//! files, then review the diff.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use azlint::report::{Location, Report};
use azlint::scan::{ScanOptions, scan};

/// `line:col-line:col`, with the file first (relative to the fixture's folder) when it
/// is not the fixture itself: a module, a parameters file.
fn loc_in(fixture: &Path, l: &Option<Location>) -> String {
    let Some(l) = l else { return "-".into() };
    let span = format!("{}:{}-{}:{}", l.line, l.column, l.end_line, l.end_column);
    let file = Path::new(&l.file);
    let same = |a: &Path, b: &Path| std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok();
    if l.file.is_empty() || same(file, fixture) {
        return span;
    }
    let dir = fixture.parent().and_then(|d| std::fs::canonicalize(d).ok());
    let shown = std::fs::canonicalize(file)
        .ok()
        .and_then(|f| Some(f.strip_prefix(dir.as_ref()?).ok()?.display().to_string()))
        .unwrap_or_else(|| l.file.clone());
    format!("{shown}:{span}")
}

/// The golden rendering: one block per finding, then undetermined results, for one rule.
fn render(path: &Path, code: &str) -> (String, usize, usize) {
    let out = scan(&ScanOptions { paths: vec![path.to_path_buf()], ..Default::default() });
    let report = Report::new(&out, false);
    let loc = |l: &Option<Location>| loc_in(path, l);
    let mut s = String::new();
    let mut n = 0;
    for e in &report.errors {
        let _ = writeln!(s, "error {} {}: {}", e.code, loc(&e.location), e.message);
    }
    for f in report.findings.iter().filter(|f| f.code == code) {
        n += 1;
        let _ =
            writeln!(s, "{} {} {} `{}` @ {}", f.code, f.severity, f.resource.type_, f.resource.name, loc(&f.location));
        let _ = writeln!(s, "  {}", f.message);
        for r in &f.related {
            let res = r.resource.as_ref().map_or_else(String::new, |r| format!("{} `{}` ", r.type_, r.name));
            let _ = writeln!(s, "  related: {res}@ {}: {}", loc(&r.location), r.message);
        }
    }
    for x in report.undetermined.iter().filter(|x| x.code == code) {
        let _ = writeln!(
            s,
            "undetermined {} {} `{}` @ {}: {}",
            x.code,
            x.resource.type_,
            x.resource.name,
            loc(&x.location),
            x.reason
        );
    }
    if s.is_empty() {
        s.push_str("no findings\n");
    }
    (s, n, report.errors.len())
}

fn fixtures() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).expect("fixtures/rules exists").flatten() {
        let code = dir.file_name().to_string_lossy().to_string();
        for f in std::fs::read_dir(dir.path()).expect("readable").flatten() {
            let p = f.path();
            let name = p.file_name().unwrap_or_default().to_string_lossy().to_string();
            if (name.ends_with(".json") && !name.ends_with(".parameters.json")) || name.ends_with(".bicep") {
                out.push((code.clone(), p));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn rule_fixtures_match_their_golden_files() {
    let bless = std::env::var_os("AZLINT_BLESS").is_some();
    let mut failures = Vec::new();
    let all = fixtures();
    assert!(!all.is_empty(), "no fixtures found");
    for (code, path) in &all {
        let name = path.file_name().unwrap_or_default().to_string_lossy().to_string();
        let (actual, findings, errors) = render(path, code);
        if errors > 0 {
            failures.push(format!("{}: the fixture does not scan cleanly:\n{actual}", path.display()));
        }
        if name.starts_with("fail-") && findings == 0 {
            failures.push(format!("{}: a fail- fixture produced no {code} finding", path.display()));
        }
        if name.starts_with("pass-") && findings > 0 {
            failures.push(format!("{}: a pass- fixture produced {code} findings:\n{actual}", path.display()));
        }
        if !name.starts_with("fail-") && !name.starts_with("pass-") {
            failures.push(format!("{}: fixture names start with fail- or pass-", path.display()));
        }
        let golden = path.with_extension(if name.ends_with(".bicep") { "bicep.expected" } else { "expected" });
        let expected = std::fs::read_to_string(&golden).unwrap_or_default();
        if expected != actual {
            if bless {
                std::fs::write(&golden, &actual).expect("write golden file");
            } else {
                failures.push(format!(
                    "{}: findings differ from {}\n--- expected\n{expected}--- actual\n{actual}",
                    path.display(),
                    golden.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} fixtures failed:\n\n{}", failures.len(), all.len(), failures.join("\n\n"));
}

#[test]
fn every_rule_has_failing_and_passing_fixtures() {
    let reg = azlint::rules::registry().expect("rules load");
    let all = fixtures();
    for r in &reg.rules {
        let names: Vec<String> = all
            .iter()
            .filter(|(c, _)| *c == r.code)
            .map(|(_, p)| p.file_name().unwrap_or_default().to_string_lossy().to_string())
            .collect();
        assert!(names.iter().any(|n| n.starts_with("fail-")), "{} has no fail- fixture", r.code);
        assert!(names.iter().any(|n| n.starts_with("pass-")), "{} has no pass- fixture", r.code);
    }
}

/// A Bicep fixture and its JSON twin (`X-bicep.bicep`, `X.json`) are one architecture: the same
/// findings and undetermined results (rule, resource) for every rule, located in
/// their own files.
#[test]
fn bicep_fixtures_find_what_their_json_twins_find() {
    let all = fixtures();
    let mut twins = 0;
    for (_, bicep) in all.iter().filter(|(_, p)| p.extension().is_some_and(|e| e == "bicep")) {
        let stem = bicep.file_stem().unwrap_or_default().to_string_lossy().to_string();
        let Some(twin) = stem.strip_suffix("-bicep") else { continue };
        let json = bicep.with_file_name(format!("{twin}.json"));
        if !json.is_file() {
            continue;
        }
        twins += 1;
        let seen = |p: &Path| {
            let out = scan(&ScanOptions { paths: vec![p.to_path_buf()], ..Default::default() });
            let report = Report::new(&out, false);
            let mut v: Vec<(String, String, bool)> = report
                .findings
                .iter()
                .map(|f| (f.code.clone(), f.resource.name.clone(), true))
                .chain(report.undetermined.iter().map(|u| (u.code.clone(), u.resource.name.clone(), false)))
                .collect();
            v.sort();
            let files: Vec<String> =
                report.findings.iter().filter_map(|f| f.location.as_ref().map(|l| l.file.clone())).collect();
            (v, files)
        };
        let ((from_bicep, bicep_files), (from_json, _)) = (seen(bicep), seen(&json));
        assert_eq!(from_bicep, from_json, "{} and its JSON twin", bicep.display());
        assert!(bicep_files.iter().all(|f| f.ends_with(".bicep")), "{}: {bicep_files:?}", bicep.display());
    }
    assert!(twins >= 3, "only {twins} Bicep fixtures have a JSON twin");
}
