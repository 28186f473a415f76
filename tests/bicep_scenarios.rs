//! Bicep twins of the whole-architecture scenarios (issue 12). Each
//! `fixtures/scenarios/<name>/bicep/main.bicep` writes the architecture of its
//! `template.json` the way a Bicep author would (symbolic references, child resources,
//! loops, local modules): it must deploy exactly the same resources and give the same
//! findings. Each `bicep/variants/<variant>.bicep` breaks it as `variants/<variant>.json`
//! does and must give that variant's expected findings, located in Bicep files.
//!
//! A local module is lowered as a nested deployment whose resources join the flat list,
//! so the Bicep expansion has one `Microsoft.Resources/deployments` resource per module
//! instance that the single ARM template has no counterpart for: the comparison leaves
//! those wrappers out (and counts them, so that the modules are known to be exercised).

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use azlint::arm::DeploymentContext;
use azlint::report::Report;
use azlint::scan::{ScanOptions, expand_file, oracle, scan};

/// How many scenarios have a Bicep twin: all of them.
const SCENARIOS: usize = 6;

/// Findings whose place was checked by hand: (scenario, variant, rule, resource, file
/// below the scenario's `bicep/` folder, line). Every Bicep variant has at least one.
const LOCATIONS: &[(&str, &str, &str, &str, &str, u64)] = &[
    // The gateway's subnet the caller passes to the module's subnet rule: the gateway no
    // longer calls from there (the value is located where it is written, in the caller).
    ("apim-backends", "gateway-not-in-vnet", "APIM001", "api-orders", "variants/gateway-not-in-vnet.bicep", 32),
    ("apim-backends", "gateway-not-in-vnet", "APIM001", "api-catalog", "variants/gateway-not-in-vnet.bicep", 32),
    // `publicNetworkAccess: 'Enabled'` on the server, and the firewall rule's addresses.
    (
        "data-services",
        "sql-allow-all-azure-firewall-rule",
        "PE001",
        "sql-orders",
        "variants/sql-allow-all-azure-firewall-rule.bicep",
        98,
    ),
    (
        "data-services",
        "sql-allow-all-azure-firewall-rule",
        "PUB003",
        "sql-orders/AllowAllWindowsAzureIps",
        "variants/sql-allow-all-azure-firewall-rule.bicep",
        105,
    ),
    // The subnet the caller passes to the module's subnet rule (`callerSubnetId:`).
    ("frontend-backend", "no-service-endpoint", "ACL002", "api-backend", "variants/no-service-endpoint.bicep", 69),
    // `source: 'Internet'` in the variable the rules' for-expression reads.
    (
        "nsg-backend-subnet",
        "inbound-from-internet",
        "NSG001",
        "nsg-backend/allow-https-vnet",
        "variants/inbound-from-internet.bicep",
        5,
    ),
    // The zone, declared in the module; the site's integration subnet in the variant.
    (
        "private-backends",
        "zone-not-linked-to-integration-vnet",
        "PE004",
        "privatelink.openai.azure.com",
        "private-endpoint.bicep",
        10,
    ),
    (
        "private-backends",
        "zone-not-linked-to-integration-vnet",
        "PE006",
        "api-orders",
        "variants/zone-not-linked-to-integration-vnet.bicep",
        66,
    ),
    // `platform: { enabled: false }` in svc-b's authsettingsV2.
    ("service-auth", "auth-off", "AUTH001", "svc-b", "variants/auth-off.bicep", 97),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The scenario folders (those with a `template.json`), sorted.
fn scenario_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/scenarios"))
        .expect("scenarios")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("template.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn name(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

/// `azlint expand` of a file, which must succeed without an error diagnostic.
fn expansion(path: &Path) -> Value {
    let (v, diagnostics, failed) = expand_file(path, None, true, &DeploymentContext::default(), &[])
        .unwrap_or_else(|e| panic!("{} does not expand: {e}", path.display()));
    assert!(!failed, "{} expands with errors:\n{}", path.display(), diagnostics.join("\n"));
    v
}

/// The expansion without the modules' deployment resources, and how many there were.
fn without_module_deployments(mut v: Value) -> (Value, usize) {
    let list = v["resources"].as_array_mut().expect("resources");
    let before = list.len();
    list.retain(|r| !r["type"].as_str().is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Resources/deployments")));
    let removed = before - list.len();
    (v, removed)
}

/// What a scan says: (rule, resource name) of findings and of undetermined results,
/// and its errors, warnings and coverage gaps.
struct Outcome {
    findings: BTreeSet<(String, String)>,
    undetermined: BTreeSet<(String, String)>,
    problems: Vec<String>,
}

fn scanned(path: &Path) -> Outcome {
    let out = scan(&ScanOptions { paths: vec![path.to_path_buf()], ..Default::default() });
    let r = Report::new(&out, false);
    let mut problems: Vec<String> = r.errors.iter().chain(&r.warnings).map(|e| e.message.clone()).collect();
    problems.extend(r.gaps.iter().map(|g| g.message()));
    Outcome {
        findings: r.findings.iter().map(|f| (f.code.clone(), f.resource.name.clone())).collect(),
        undetermined: r.undetermined.iter().map(|u| (u.code.clone(), u.resource.name.clone())).collect(),
        problems,
    }
}

#[test]
fn every_bicep_twin_deploys_what_its_template_deploys_and_gives_its_findings() {
    let mut failures = Vec::new();
    let (mut checked, mut with_modules) = (0, 0);
    for dir in scenario_dirs() {
        let bicep = dir.join("bicep/main.bicep");
        assert!(bicep.is_file(), "{} has no Bicep twin", name(&dir));
        checked += 1;
        let template = expansion(&dir.join("template.json"));
        let (twin, deployments) = without_module_deployments(expansion(&bicep));
        with_modules += usize::from(deployments > 0);
        let cmp = oracle::compare(&template, &twin);
        if !cmp.agrees() {
            let lines: Vec<String> = cmp.differences.iter().map(|d| format!("  {d}")).collect();
            failures.push(format!("{}: the expansions differ (left template.json):\n{}", name(&dir), lines.join("\n")));
        }
        let (want, got) = (scanned(&dir.join("template.json")), scanned(&bicep));
        assert!(want.problems.is_empty(), "{}/template.json: {:?}", name(&dir), want.problems);
        if got.findings != want.findings || got.undetermined != want.undetermined || !got.problems.is_empty() {
            failures.push(format!(
                "{}: template.json gives {:?} (undetermined {:?}), main.bicep {:?} (undetermined {:?}) {:?}",
                name(&dir),
                want.findings,
                want.undetermined,
                got.findings,
                got.undetermined,
                got.problems
            ));
        }
    }
    assert_eq!(checked, SCENARIOS, "a scenario is missing");
    assert!(with_modules >= 3, "only {with_modules} twins use a local module");
    assert!(failures.is_empty(), "{} twins differ:\n{}", failures.len(), failures.join("\n"));
}

/// The local modules a variant reuses from the scenario's `bicep/` folder
/// (`module x '../m.bicep'`), as paths from the repository root. A scan reads modules
/// only inside the scanned folders, so they are named on the command line beside it.
fn reused_modules(variant: &Path, scenario: &str) -> Vec<String> {
    let text = std::fs::read_to_string(variant).unwrap();
    let mut out: Vec<String> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("module "))
        .filter_map(|l| l.split('\'').nth(1))
        .filter_map(|p| p.strip_prefix("../"))
        .map(|m| {
            assert!(!m.contains("../"), "{}: module `../{m}` is outside the scenario", variant.display());
            format!("fixtures/scenarios/{scenario}/bicep/{m}")
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The (rule, resource name) pairs a JSON variant expects.
fn expected(json_variant: &Path) -> BTreeSet<(String, String)> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(json_variant).unwrap()).unwrap();
    v["expect"]
        .as_array()
        .expect("`expect`")
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn every_bicep_variant_gives_the_findings_of_its_json_twin_on_bicep_lines() {
    let mut failures = Vec::new();
    let mut scenarios = 0;
    let mut variants: BTreeSet<(String, String)> = BTreeSet::new();
    for dir in scenario_dirs() {
        let scenario = name(&dir);
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("bicep/variants"))
            .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "bicep")).collect())
            .unwrap_or_default();
        files.sort();
        assert!(!files.is_empty(), "{scenario} has no Bicep variant");
        scenarios += 1;
        for file in files {
            let variant = file.file_stem().unwrap().to_string_lossy().into_owned();
            let twin = dir.join("variants").join(format!("{variant}.json"));
            assert!(twin.is_file(), "{}: no JSON variant `{variant}` to be the twin of", file.display());
            variants.insert((scenario.clone(), variant.clone()));
            let rel = format!("fixtures/scenarios/{scenario}/bicep/variants/{variant}.bicep");
            let modules = reused_modules(&file, &scenario);
            let mut args = vec!["scan", "--format", "json", "--fail-on", "none", rel.as_str()];
            args.extend(modules.iter().map(String::as_str));
            let (code, out, err) = support::azlint(&args);
            let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}"));
            let label = format!("{scenario}/{variant}");
            for key in ["errors", "warnings", "undetermined", "gaps"] {
                if !v[key].as_array().is_some_and(Vec::is_empty) {
                    failures.push(format!("{label}: {key}: {}", v[key]));
                }
            }
            if code != 0 {
                failures.push(format!("{label}: exit code {code}"));
            }
            let findings = v["findings"].as_array().expect("findings");
            let got: BTreeSet<(String, String)> = findings
                .iter()
                .map(|f| (f["rule"].as_str().unwrap().to_string(), f["resource"]["name"].as_str().unwrap().to_string()))
                .collect();
            let want = expected(&twin);
            if got != want {
                failures.push(format!("{label}: expected {want:?}, got {got:?}"));
            }
            let at: Vec<(String, String, String, u64)> = findings
                .iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap().to_string(),
                        f["resource"]["name"].as_str().unwrap().to_string(),
                        f["location"]["file"].as_str().unwrap_or_default().to_string(),
                        f["location"]["line"].as_u64().unwrap_or(0),
                    )
                })
                .collect();
            for (rule, resource, file, _) in &at {
                if !file.ends_with(".bicep") {
                    failures.push(format!("{label}: {rule} on {resource} is located in `{file}`, not a Bicep file"));
                }
            }
            // The other resources a finding names are labelled in Bicep files too.
            for related in findings.iter().flat_map(|f| f["related"].as_array().into_iter().flatten()) {
                let file = related["location"]["file"].as_str().unwrap_or_default();
                if !file.ends_with(".bicep") {
                    failures.push(format!("{label}: a related label is located in `{file}`: {related}"));
                }
            }
            let checked: Vec<_> = LOCATIONS.iter().filter(|l| l.0 == scenario && l.1 == variant).collect();
            if checked.is_empty() {
                failures.push(format!("{label}: no finding's location was checked by hand"));
            }
            for (_, _, rule, resource, file, line) in checked {
                let place = (
                    rule.to_string(),
                    resource.to_string(),
                    format!("fixtures/scenarios/{scenario}/bicep/{file}"),
                    *line,
                );
                if !at.contains(&place) {
                    failures.push(format!("{label}: expected {rule} on {resource} at {}:{line}, got {at:?}", place.2));
                }
            }
        }
    }
    assert_eq!(scenarios, SCENARIOS, "a scenario is missing");
    let listed: BTreeSet<(String, String)> = LOCATIONS.iter().map(|l| (l.0.to_string(), l.1.to_string())).collect();
    assert_eq!(listed, variants, "a hand-checked location names a variant that is not there");
    assert!(failures.is_empty(), "{} Bicep variants differ:\n{}", failures.len(), failures.join("\n"));
}
