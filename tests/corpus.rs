//! Robustness over the real templates in `../shared/corpus` (skipped with a message when
//! absent): every file is accounted for as scanned, skipped or in error, nothing panics,
//! and the run's JSON summary is printed.

use std::collections::HashSet;
use std::path::Path;

use azlint::report::Report;
use azlint::scan::{ScanOptions, scan};

#[test]
fn corpus_every_file_is_accounted_for() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !dir.is_dir() {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    }
    let started = std::time::Instant::now();
    let out = scan(&ScanOptions { paths: vec![dir.clone()], ..Default::default() });
    let report = Report::new(&out, false);
    let read = |ext: &str| {
        walkdir::WalkDir::new(&dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x.eq_ignore_ascii_case(ext)))
            .count()
    };
    let (json_files, bicep_files) = (read("json"), read("bicep") + read("bicepparam"));
    // A `main.json` built from the `main.bicep` beside it is named as skipped, not read.
    let build_outputs = out.skipped.iter().filter(|s| s.reason.starts_with("the build output")).count();
    assert_eq!(out.files + build_outputs, json_files + bicep_files, "every JSON and Bicep file is read");
    let errored: HashSet<&str> = report.errors.iter().filter_map(|e| e.file.as_deref()).collect();
    let skipped: HashSet<&str> = out.skipped.iter().map(|s| s.file.as_str()).collect();
    assert!(errored.is_disjoint(&skipped));
    let scanned = (out.files + build_outputs).saturating_sub(errored.len() + skipped.len());
    let summary = azlint::report::json::to_value(&report)["summary"].clone();
    println!("corpus summary: {summary}");
    println!("scanned {scanned}, skipped {}, in error {} ({:.1?})", skipped.len(), errored.len(), started.elapsed());
    for e in &report.errors {
        println!("error: {}: {}", e.file.as_deref().unwrap_or("-"), e.message);
    }
    // Reading: every error is a file that is not JSON even by ARM's lenient reading.
    // Expansion: evaluation errors Resource Manager would raise too (a nested template
    // evaluated alone with its defaults, a wrong `resourceId` name count) are reported
    // and printed above; an unsupported function never is.
    let is_bicep = |e: &&azlint::report::ReportError| e.file.as_deref().is_some_and(|f| f.ends_with(".bicep"));
    for e in report.errors.iter().filter(|e| !is_bicep(e)) {
        assert!(
            matches!(
                e.code.as_str(),
                "invalid-json" | "io-error" | "arm-eval" | "arm-values" | "arm-limit" | "arm-linked-template"
            ),
            "unexpected error {}: {}",
            e.code,
            e.message
        );
    }
    // Bicep: every file parses (the compiler builds all of them), and what is left is
    // counted by class so that a change that adds errors shows: files the corpus does
    // not carry (`loadTextContent` of scripts, modules of shared test folders), imports
    // azlint does not lower yet, and values the lowering still gets wrong.
    let bicep_errors: Vec<_> = report.errors.iter().filter(is_bicep).collect();
    assert!(bicep_errors.iter().all(|e| e.code != "bicep-syntax"), "a corpus Bicep file does not parse");
    let mut by_class = std::collections::BTreeMap::new();
    for e in &bicep_errors {
        *by_class.entry(e.class.as_str()).or_insert(0) += 1;
    }
    println!("Bicep errors by class: {by_class:?}");
    let bicep_error_files: HashSet<&str> = bicep_errors.iter().filter_map(|e| e.file.as_deref()).collect();
    assert!(bicep_error_files.len() <= 310, "Bicep errors in {} files", bicep_error_files.len());
    // Azure Verified Modules are valid templates: `existing` resources evaluated only
    // when used and `reference()` members declared null are never errors. The one
    // exception is a module that reads a nullable parameter without `?`, which Resource
    // Manager rejects when the parameter is left out, as azlint leaves it.
    for e in report.errors.iter().filter(|e| !is_bicep(e) && e.file.as_deref().is_some_and(|f| f.contains("/avm/"))) {
        assert_eq!(e.class, azlint::problem::Class::InvalidForValues, "{:?}: {}", e.file, e.message);
        assert!(e.file.as_deref().is_some_and(|f| f.contains("disk-encryption-set")), "{:?}", e.file);
    }
    let arm_files: HashSet<&str> = report
        .errors
        .iter()
        .filter(|e| !is_bicep(e) && e.code.starts_with("arm-"))
        .filter_map(|e| e.file.as_deref())
        .collect();
    println!("templates with evaluation errors: {} of {}", arm_files.len(), out.files);
    assert!(arm_files.len() < 50, "evaluation errors in {} templates", arm_files.len());
    let stats: Vec<String> = out.unknown_stats.by_cause.iter().map(|(c, n)| format!("{}={n}", c.as_str())).collect();
    println!("unknown property values by cause: {}", stats.join(", "));
    assert!(report.summary.resources > 10_000, "the corpus declares more than 10,000 resources");
}
