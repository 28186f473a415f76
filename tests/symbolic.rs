//! Symbolic values (issue 11), as a user's template meets them: a parameter without a
//! value is one value wherever it is read in its frame, may equal any other value, and
//! names resources that references by id, parent names and nested deployments find.

use std::path::PathBuf;

use azlint::arm::{DeploymentContext, ExpandOptions, Expansion, expand};
use azlint::model::{Model, Reference, ResIdx};
use azlint::scan::{ScanOptions, ScanOutput, scan};
use azlint::source::json::parse;
use azlint::value::{FileId, Value};
use serde_json::json;

const SCHEMA: &str = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

fn template(parameters: serde_json::Value, variables: serde_json::Value, resources: serde_json::Value) -> String {
    json!({
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": parameters,
        "variables": variables,
        "resources": resources,
    })
    .to_string()
}

fn expanded(text: &str) -> Expansion {
    let doc = parse(text, FileId(0)).expect("template parses");
    let ctx = DeploymentContext::default();
    expand(&doc, &ExpandOptions { context: &ctx, parameters: None, loader: None, file: FileId(0) })
}

/// The evaluated `properties.<name>` of the first resource.
fn prop(exp: &Expansion, name: &str) -> Value {
    exp.resources[0].node.path(&format!("properties.{name}")).unwrap_or_else(|| panic!("no {name}")).value.clone()
}

fn canonical(v: &Value) -> String {
    v.as_unknown().and_then(|u| u.canonical()).unwrap_or_else(|| panic!("not symbolic: {v:?}"))
}

/// Scans a template written to its own folder; the model keeps the resources.
fn scanned(name: &str, text: &str) -> ScanOutput {
    let dir = std::env::temp_dir().join(format!("azlint-symbolic-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path: PathBuf = dir.join("main.json");
    std::fs::write(&path, text).expect("write");
    let out = scan(&ScanOptions { paths: vec![path], no_parameters: true, ..Default::default() });
    std::fs::remove_dir_all(&dir).ok();
    out
}

fn all(m: &Model) -> impl Iterator<Item = ResIdx> + '_ {
    (0..m.len() as u32).map(ResIdx)
}

fn of_type(m: &Model, ty: &str) -> Vec<ResIdx> {
    all(m).filter(|r| m.res(*r).type_.eq_ignore_ascii_case(ty)).collect()
}

#[test]
fn the_same_parameter_in_one_frame_is_one_value() {
    let t = template(
        json!({ "name": { "type": "string" } }),
        json!({ "alias": "[parameters('name')]" }),
        json!([{
            "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01",
            "name": "[parameters('name')]", "location": "x",
            "properties": {
                "same": "[equals(parameters('name'), variables('alias'))]",
                "id": "[resourceId('Microsoft.Storage/storageAccounts', variables('alias'))]",
            }
        }]),
    );
    let exp = expanded(&t);
    assert!(matches!(prop(&exp, "same"), Value::Bool(true)));
    let own_id = &exp.resources[0].node.get("id").expect("id").value;
    assert_eq!(canonical(&prop(&exp, "id")), canonical(own_id));
}

#[test]
fn two_parameters_may_be_equal_never_different() {
    let t = template(
        json!({ "a": { "type": "string" }, "b": { "type": "string" } }),
        json!({}),
        json!([{
            "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "st", "location": "x",
            "properties": {
                "ab": "[equals(parameters('a'), parameters('b'))]",
                "notAb": "[not(equals(parameters('a'), parameters('b')))]",
                "aLiteral": "[equals(parameters('a'), 'prod')]",
            }
        }]),
    );
    let exp = expanded(&t);
    for p in ["ab", "notAb", "aLiteral"] {
        assert!(prop(&exp, p).is_unknown(), "{p} must be undecided, got {:?}", prop(&exp, p));
    }
}

#[test]
fn to_lower_is_folded_where_case_is_ignored_only() {
    let t = template(
        json!({ "site": { "type": "string" } }),
        json!({}),
        json!([
            { "type": "Microsoft.Web/sites", "apiVersion": "2022-09-01", "name": "[parameters('site')]", "location": "x",
              "properties": {
                  "sameCase": "[equals(toLower(parameters('site')), toLower(parameters('site')))]",
                  "folded": "[equals(toLower(parameters('site')), parameters('site'))]",
              } },
            { "type": "Microsoft.Web/sites/config", "apiVersion": "2022-09-01",
              "name": "[concat(toLower(parameters('site')), '/web')]", "properties": { "minTlsVersion": "1.0" } },
        ]),
    );
    let exp = expanded(&t);
    assert!(matches!(prop(&exp, "sameCase"), Value::Bool(true)));
    assert!(prop(&exp, "folded").is_unknown(), "toLower(x) may differ from x where case counts");
    let out = scanned("tolower", &t);
    let m = &out.model;
    let (site, config) = (of_type(m, "Microsoft.Web/sites"), of_type(m, "Microsoft.Web/sites/config"));
    assert_eq!(site.len(), 1, "the config child implies no second site");
    assert_eq!(m.parent(config[0]), Some(site[0]), "ids ignore case: toLower(name) names the same site");
}

#[test]
fn an_inner_parameter_bound_to_an_outer_symbol_is_that_symbol() {
    let inner = |param_value: serde_json::Value| {
        json!({
            "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
            "properties": {
                "mode": "Incremental",
                "expressionEvaluationOptions": { "scope": "inner" },
                "parameters": param_value,
                "template": {
                    "$schema": SCHEMA, "contentVersion": "1.0.0.0",
                    "parameters": { "siteName": { "type": "string" } },
                    "resources": [{ "type": "Microsoft.Web/sites", "apiVersion": "2022-09-01",
                                    "name": "[parameters('siteName')]", "location": "x", "properties": {} }]
                }
            }
        })
    };
    let t = template(
        json!({ "app": { "type": "string" } }),
        json!({}),
        json!([
            inner(json!({ "siteName": { "value": "[parameters('app')]" } })),
            { "type": "Microsoft.Web/sites/config", "apiVersion": "2022-09-01",
              "name": "[concat(parameters('app'), '/web')]", "properties": { "minTlsVersion": "1.2" } },
        ]),
    );
    let out = scanned("inner", &t);
    let m = &out.model;
    let sites = of_type(m, "Microsoft.Web/sites");
    let config = of_type(m, "Microsoft.Web/sites/config");
    assert_eq!(sites.len(), 1, "{:?}", sites.iter().map(|s| &m.res(*s).key).collect::<Vec<_>>());
    assert_eq!(m.parent(config[0]), Some(sites[0]), "the inner `siteName` is the outer `app`");
}

#[test]
fn parameters_of_two_frames_without_values_are_two_symbols() {
    let nested = |name: &str| {
        json!({
            "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": name,
            "properties": {
                "mode": "Incremental",
                "expressionEvaluationOptions": { "scope": "inner" },
                "template": {
                    "$schema": SCHEMA, "contentVersion": "1.0.0.0",
                    "parameters": { "siteName": { "type": "string" } },
                    "resources": [{ "type": "Microsoft.Web/sites", "apiVersion": "2022-09-01",
                                    "name": "[parameters('siteName')]", "location": "x", "properties": {} }]
                }
            }
        })
    };
    let t = template(json!({}), json!({}), json!([nested("one"), nested("two")]));
    let out = scanned("frames", &t);
    let m = &out.model;
    let sites = of_type(m, "Microsoft.Web/sites");
    assert_eq!(sites.len(), 2);
    assert_ne!(m.res(sites[0]).key, m.res(sites[1]).key, "each deployment's `siteName` is its own");
}

#[test]
fn copy_loop_names_with_copy_index_stay_distinct() {
    let t = template(
        json!({ "prefix": { "type": "string" } }),
        json!({}),
        json!([
            { "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01",
              "name": "[concat(parameters('prefix'), '-', copyIndex())]", "location": "x",
              "copy": { "name": "nsgs", "count": 3 }, "properties": {} },
            { "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "vnet", "location": "x",
              "properties": {
                  "addressSpace": { "addressPrefixes": ["10.0.0.0/16"] },
                  "subnets": [{ "name": "a", "properties": {
                      "addressPrefix": "10.0.0.0/24",
                      "networkSecurityGroup": { "id": "[resourceId('Microsoft.Network/networkSecurityGroups', concat(parameters('prefix'), '-1'))]" }
                  } }]
              } },
        ]),
    );
    let out = scanned("copy", &t);
    let m = &out.model;
    let nsgs = of_type(m, "Microsoft.Network/networkSecurityGroups");
    assert_eq!(nsgs.len(), 3);
    let keys: std::collections::BTreeSet<&str> = nsgs.iter().map(|n| m.res(*n).key.as_str()).collect();
    assert_eq!(keys.len(), 3, "three distinct names");
    let subnet = of_type(m, "Microsoft.Network/virtualNetworks/subnets")[0];
    match m.follow(subnet, "properties.networkSecurityGroup") {
        Reference::Found(nsg, _) => assert_eq!(nsg, nsgs[1], "`-1` is the second instance"),
        other => panic!("the subnet's NSG must be found: {other:?}"),
    }
}

#[test]
fn an_unknown_choice_keeps_what_both_branches_agree_on() {
    let t = template(
        json!({ "env": { "type": "string" }, "app": { "type": "string" } }),
        json!({
            "settings": "[if(equals(parameters('env'), 'prod'), createObject('tls', '1.2', 'tier', 'P1v3'), createObject('tls', '1.2', 'tier', 'B1'))]",
            "name": "[if(equals(parameters('env'), 'prod'), parameters('app'), concat(parameters('app'), '-dev'))]",
        }),
        json!([
            { "type": "Microsoft.Web/sites", "apiVersion": "2022-09-01", "name": "[variables('name')]", "location": "x",
              "properties": {
                  "tls": "[variables('settings').tls]",
                  "tier": "[variables('settings').tier]",
                  "either": "[if(equals(parameters('env'), 'prod'), parameters('app'), parameters('app'))]",
              } },
            { "type": "Microsoft.Web/sites/config", "apiVersion": "2022-09-01",
              "name": "[format('{0}/web', variables('name'))]", "properties": { "minTlsVersion": "1.0" } },
        ]),
    );
    let exp = expanded(&t);
    assert_eq!(prop(&exp, "tls").as_str(), Some("1.2"), "both branches say 1.2");
    let tier = prop(&exp, "tier");
    assert!(tier.is_unknown());
    assert!(canonical(&tier).starts_with("\u{E000}if("), "{tier:?}");
    let either = prop(&exp, "either");
    assert!(canonical(&either).contains("p:"), "the same value either way is that value: {either:?}");
    let out = scanned("choice", &t);
    let m = &out.model;
    let (site, config) = (of_type(m, "Microsoft.Web/sites"), of_type(m, "Microsoft.Web/sites/config"));
    assert_eq!(site.len(), 1);
    assert_eq!(m.parent(config[0]), Some(site[0]), "the same choice names the same site");
}

#[test]
fn lookups_joins_and_text_of_unknown_values_are_symbols_not_text() {
    let t = template(
        json!({ "loc": { "type": "string" }, "other": { "type": "string" }, "pwd": { "type": "securestring" } }),
        json!({ "abbrev": { "westus": "wus", "eastus": "eus" } }),
        json!([{
            "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "st", "location": "x",
            "properties": {
                "a1": "[variables('abbrev')[parameters('loc')]]",
                "a2": "[variables('abbrev')[parameters('loc')]]",
                "b": "[variables('abbrev')[parameters('other')]]",
                "whole": "[parameters('loc')[parameters('other')]]",
                "joined": "[join(createArray(parameters('loc'), 'x'), '-')]",
                "text": "[string(createArray(parameters('loc')))]",
                "secret": "[join(createArray('Password=', parameters('pwd')), '')]",
                "chosenSecret": "[if(equals(parameters('loc'), 'westus'), parameters('pwd'), 'none')]",
            }
        }]),
    );
    let exp = expanded(&t);
    assert_eq!(canonical(&prop(&exp, "a1")), canonical(&prop(&exp, "a2")));
    assert_ne!(canonical(&prop(&exp, "a1")), canonical(&prop(&exp, "b")));
    assert_ne!(canonical(&prop(&exp, "whole")), "\u{E000}p:f0:loc\u{E001}", "`loc[other]` is not `loc`");
    let joined = prop(&exp, "joined");
    assert!(canonical(&joined).ends_with("-x"), "{joined:?}");
    assert!(prop(&exp, "text").is_unknown(), "the JSON text of an unknown element is not known");
    for p in ["secret", "chosenSecret"] {
        let v = prop(&exp, p);
        assert!(v.as_unknown().and_then(|u| u.secret.as_deref()).is_some(), "{p} carries the taint: {v:?}");
    }
}

#[test]
fn a_config_child_of_a_site_unknown_offline_is_still_checked() {
    let t = template(
        json!({}),
        json!({}),
        json!([{ "type": "Microsoft.Web/sites/config", "apiVersion": "2022-09-01",
                  "name": "[format('{0}/web', reference('/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/sites/x', '2022-09-01').name)]",
                  "properties": { "minTlsVersion": "1.0" } }]),
    );
    let out = scanned("unidentified", &t);
    let report = azlint::report::Report::new(&out, false);
    let tls: Vec<_> = report.findings.iter().filter(|f| f.code == "TLS002").collect();
    assert_eq!(tls.len(), 1, "{:?}", report.findings.iter().map(|f| &f.code).collect::<Vec<_>>());
    assert!(report.undetermined.iter().any(|u| u.code == "TLS001" && u.reason.contains("cannot be identified")));
}

/// Every format names symbolic resources by their expressions, and no canonical form
/// (private-use marks, `p:f0:name` symbols) reaches any output.
#[test]
fn every_format_shows_symbolic_names_as_expressions() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in std::fs::read_dir(root.join("fixtures/rules")).expect("fixtures").flatten() {
        for f in std::fs::read_dir(dir.path()).expect("rule dir").flatten() {
            let p = f.path();
            if p.extension().is_some_and(|e| e == "json") && p.to_string_lossy().contains("symbolic") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() > 60, "the symbolic fixtures are there: {}", files.len());
    for format in ["text", "json", "sarif", "junit", "github", "markdown"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_azlint"))
            .args(["scan", "--format", format, "--color", "never"])
            .args(&files)
            .output()
            .expect("run azlint");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("[parameters('siteName')]"), "{format}: symbolic names are shown as expressions");
        let leak =
            text.lines().find(|l| l.chars().any(|c| ('\u{E000}'..='\u{E005}').contains(&c)) || l.contains("p:f0:"));
        assert!(leak.is_none(), "{format}: a canonical form leaked: {}", leak.unwrap_or_default());
    }
}
