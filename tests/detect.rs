//! Format detection: one hand-written fixture per input format (fixtures/formats/), and
//! the shared export examples when `../shared` is present.

use std::path::{Path, PathBuf};

use azlint::report::Report;
use azlint::scan::{ScanOptions, scan};
use azlint::source::detect::{DocKind, detect};
use azlint::source::json::parse;
use azlint::value::FileId;

fn kind_of(path: &Path) -> Option<DocKind> {
    let text = std::fs::read_to_string(path).expect("fixture readable");
    detect(&parse(&text, FileId(0)).expect("fixture parses"))
}

fn formats() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats")
}

#[test]
fn each_format_is_detected_from_its_own_keys() {
    let cases = [
        ("template.json", Some(DocKind::Template)),
        ("template.parameters.json", Some(DocKind::Parameters)),
        ("export-template-response.json", Some(DocKind::ExportTemplateResponse)),
        ("graph-cli.json", Some(DocKind::GraphCli)),
        ("graph-rest-table.json", Some(DocKind::GraphRest)),
        ("arm-list.json", Some(DocKind::ArmList)),
        ("psrule.json", Some(DocKind::PsRule)),
        ("psrule-legacy.json", Some(DocKind::PsRuleLegacy)),
        ("resource-list.json", Some(DocKind::ResourceList)),
        ("resource-array.json", Some(DocKind::ResourceArray)),
        ("webapp-config.json", Some(DocKind::WebappConfig)),
        ("resource.json", Some(DocKind::Resource)),
        ("package.json", None),
    ];
    for (file, want) in cases {
        assert_eq!(kind_of(&formats().join(file)), want, "{file}");
    }
}

#[test]
fn live_exports_are_detected_by_their_version_key() {
    let live = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/live");
    let mut n = 0;
    for e in std::fs::read_dir(&live).expect("fixtures/live").flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let want = if name.ends_with(".arm-list.json") { DocKind::ArmList } else { DocKind::LiveExport };
        assert_eq!(kind_of(&e.path()), Some(want), "{name}");
        n += 1;
    }
    assert!(n >= 6, "the live fixtures are there");
    // The key wins over the other shapes the document resembles (a template's `resources`).
    let doc = r#"{"azlintLiveExport": 1, "contentVersion": "1.0.0.0", "parameters": {}, "resources": []}"#;
    assert_eq!(detect(&parse(doc, FileId(0)).unwrap()), Some(DocKind::LiveExport));
    assert_eq!(DocKind::LiveExport.as_str(), "live-export");
    assert!(DocKind::LiveExport.is_state());
}

#[test]
fn a_live_export_of_another_version_is_an_error_not_an_empty_scan() {
    let dir = std::env::temp_dir().join(format!("azlint-detect-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("v7.json");
    std::fs::write(&file, "{\"azlintLiveExport\": 7, \"resources\": [{\"id\": \"/subscriptions/s\"}]}").unwrap();
    let out = scan(&ScanOptions { paths: vec![file.clone()], ..Default::default() });
    std::fs::remove_dir_all(&dir).ok();
    let r = Report::new(&out, false);
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].code, "unsupported-version");
    assert!(r.errors[0].message.contains("version 7"), "{}", r.errors[0].message);
    let l = r.errors[0].location.as_ref().expect("the error points at the version");
    assert_eq!((l.line, l.column), (1, 22));
    assert!(r.errors[0].file.as_deref().is_some_and(|f| f.ends_with("v7.json")));
    assert_eq!(r.summary.resources, 0);
    assert_eq!(r.exit_code(azlint::report::FailOn::None), 2);
}

/// (rule, resource name) of every finding when `file` is scanned alone.
fn findings(file: &str) -> Vec<(String, String)> {
    let out = scan(&ScanOptions { paths: vec![formats().join(file)], ..Default::default() });
    let r = Report::new(&out, false);
    r.findings.iter().map(|f| (f.code.clone(), f.resource.name.clone())).collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn every_format_yields_the_same_kind_of_findings() {
    assert_eq!(findings("template.json"), pairs(&[("TLS001", "web-frontend")]));
    assert_eq!(findings("export-template-response.json"), pairs(&[("TLS001", "api-backend")]));
    assert_eq!(findings("graph-cli.json"), pairs(&[("TLS001", "api-backend")]));
    // The table format's row is a `config/web` child; its site is implied from the id.
    assert_eq!(findings("graph-rest-table.json"), pairs(&[("TLS002", "api-backend")]));
    assert_eq!(findings("arm-list.json"), pairs(&[("PUB001", "kv-shop")]));
    assert_eq!(findings("psrule.json"), pairs(&[("TLS004", "api-backend")]));
    assert_eq!(findings("psrule-legacy.json"), pairs(&[("PUB002", "stshop")]));
    assert_eq!(findings("resource-list.json"), pairs(&[]));
    assert_eq!(findings("resource-array.json"), pairs(&[("TLS002", "redis-shop")]));
    assert_eq!(findings("resource.json"), pairs(&[("PUB004", "ai-shop")]));
}

#[test]
fn config_rows_attach_to_their_site_across_files() {
    // The site from one export and its config/web row from another form one site.
    let out = scan(&ScanOptions {
        paths: vec![formats().join("graph-cli.json"), formats().join("graph-rest-table.json")],
        ..Default::default()
    });
    let r = Report::new(&out, false);
    let got: Vec<_> =
        r.findings.iter().map(|f| (f.code.as_str(), f.resource.name.as_str(), f.resource.type_.as_str())).collect();
    assert_eq!(
        got,
        [("TLS001", "api-backend", "Microsoft.Web/sites"), ("TLS002", "api-backend", "Microsoft.Web/sites")]
    );
}

#[test]
fn inventory_only_exports_are_undetermined_not_passing() {
    let out = scan(&ScanOptions { paths: vec![formats().join("resource-list.json")], ..Default::default() });
    let r = Report::new(&out, false);
    assert!(r.findings.is_empty());
    let tls001 = r.undetermined.iter().find(|u| u.code == "TLS001").expect("TLS001 undetermined");
    assert!(tls001.reason.contains("without its properties"), "{}", tls001.reason);
}

#[test]
fn export_errors_and_truncation_are_coverage_gaps() {
    let out = scan(&ScanOptions { paths: vec![formats().join("export-template-response.json")], ..Default::default() });
    let r = Report::new(&out, false);
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].code, "export-gap");
    assert!(r.errors[0].message.contains("extensions/MSDeploy"));
    assert_eq!(r.exit_code(azlint::report::FailOn::None), 2);
}

#[test]
fn folder_scan_accounts_for_every_file() {
    let out = scan(&ScanOptions { paths: vec![formats()], ..Default::default() });
    let r = Report::new(&out, false);
    let skipped: Vec<_> =
        out.skipped.iter().map(|s| Path::new(&s.file).file_name().unwrap().to_string_lossy().to_string()).collect();
    assert_eq!(skipped, ["orphan.parameters.json", "package.json"]);
    let errors: Vec<_> =
        r.errors.iter().map(|e| (e.code.as_str(), e.location.as_ref().map(|l| (l.line, l.column)))).collect();
    assert_eq!(errors, [("export-gap", Some((14, 7))), ("invalid-json", Some((3, 37)))]);
    assert_eq!(r.errors[1].message, "expected `,` or `}` after an object member, found `\"`");
    assert_eq!(out.files, 15);
}

#[test]
fn shared_export_examples_are_all_read() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/exports");
    if !dir.is_dir() {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    }
    let out = scan(&ScanOptions { paths: vec![dir], ..Default::default() });
    let r = Report::new(&out, false);
    // parameters.json of the portal export is named `parameters.json`, not `template.parameters.json`.
    assert_eq!(out.skipped.len(), 1, "{:?}", out.skipped);
    assert!(r.errors.iter().all(|e| e.code == "export-gap"), "{:?}", r.errors);
    assert!(r.findings.iter().any(|f| f.code == "TLS003" && f.resource.name == "shop-api-prod/staging"));
    assert!(r.summary.resources > 30);
}
