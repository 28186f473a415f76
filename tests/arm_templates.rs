//! Runs the shared template vectors (`../shared/arm/template-vectors.json`) and the
//! hand-written fixtures under `fixtures/arm/` through the expander.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use azlint::arm::{DeploymentContext, ExpandOptions, ExpandedResource, Expansion, TemplateLoader, expand};
use azlint::source::json::parse;
use azlint::value::{FileId, Node, UnknownCause, Value};

fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (a, b) {
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (J::Array(x), J::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w)),
        (J::Number(x), J::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// True when every key of `want` matches in `got` (names compared case-insensitively).
fn matches_resource(r: &ExpandedResource, want: &serde_json::Value) -> bool {
    let got = r.node.value.to_json();
    want.as_object().is_some_and(|w| {
        w.iter().all(|(k, v)| match k.as_str() {
            "symbolicName" => r.symbolic_name.as_deref() == v.as_str(),
            "type" | "name" => {
                got.get(k).and_then(|g| g.as_str()).zip(v.as_str()).is_some_and(|(g, v)| g.eq_ignore_ascii_case(v))
            }
            _ => got.get(k).is_some_and(|g| same(g, v)),
        })
    })
}

fn run_vector(v: &serde_json::Value) -> Result<(), String> {
    let text = serde_json::to_string(&v["template"]).map_err(|e| e.to_string())?;
    let template = parse(&text, FileId(0)).map_err(|e| e.message)?;
    let ctx = DeploymentContext::from_json(v.get("context").unwrap_or(&serde_json::Value::Null))?;
    let params_doc = v.get("parameters").map(|p| {
        let wrapped: serde_json::Map<String, serde_json::Value> =
            p.as_object().into_iter().flatten().map(|(k, x)| (k.clone(), serde_json::json!({ "value": x }))).collect();
        Node::bare(Value::from_json(&serde_json::json!({ "parameters": wrapped })))
    });
    let opts = ExpandOptions { context: &ctx, parameters: params_doc.as_ref(), loader: None, file: FileId(0) };
    let exp = expand(&template, &opts);
    let errors: Vec<_> = exp.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.message.clone()).collect();
    if !errors.is_empty() {
        return Err(format!("diagnostics: {errors:?}"));
    }
    if let Some(want) = v.get("expectOutputs").and_then(|o| o.as_object()) {
        for (k, w) in want {
            let got = exp.outputs.iter().find(|(n, _)| n == k).map(|(_, n)| n.value.to_json());
            if !got.as_ref().is_some_and(|g| same(g, w)) {
                return Err(format!("output {k}: expected {w}, got {got:?}"));
            }
        }
    }
    if let Some(want) = v.get("expectResources").and_then(|r| r.as_array()) {
        for w in want {
            if !exp.resources.iter().any(|r| !r.existing && matches_resource(r, w)) {
                let got: Vec<_> = exp.resources.iter().map(|r| r.node.value.to_json().to_string()).collect();
                return Err(format!("no resource matches {w}\n    got {got:#?}"));
            }
        }
        let deployed = exp.resources.iter().filter(|r| !r.existing).count();
        if deployed != want.len() {
            return Err(format!("expected {} resources, got {deployed}", want.len()));
        }
    }
    Ok(())
}

#[test]
fn template_vectors_pass() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/arm");
    let Ok(text) = std::fs::read_to_string(dir.join("template-vectors.json")) else {
        eprintln!("skipping: {} is absent", dir.display());
        return;
    };
    let vectors: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap_or_default();
    let mut failures = Vec::new();
    for v in &vectors {
        if let Err(e) = run_vector(v) {
            failures.push(format!("{}: {e}", v["id"].as_str().unwrap_or("?")));
        }
    }
    println!("template vectors: {} of {} pass", vectors.len() - failures.len(), vectors.len());
    assert!(failures.is_empty(), "{} failing:\n{}", failures.len(), failures.join("\n"));
}

/// Reads linked fixtures from disk; file ids are indexes into `files`.
struct FixtureLoader {
    files: Mutex<Vec<PathBuf>>,
}

impl TemplateLoader for FixtureLoader {
    fn load_relative(&self, from: FileId, relative_path: &str) -> Result<(FileId, Node), String> {
        let mut files = self.files.lock().map_err(|e| e.to_string())?;
        let base = files.get(from.0 as usize).cloned().ok_or("unknown file")?;
        let path = base.parent().unwrap_or(Path::new(".")).join(relative_path);
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let id = FileId(files.len() as u32);
        files.push(path);
        parse(&text, id).map(|n| (id, n)).map_err(|e| e.message)
    }

    fn name(&self, file: FileId) -> String {
        let files = self.files.lock().map(|f| f.clone()).unwrap_or_default();
        files.get(file.0 as usize).map_or_else(|| format!("file {}", file.0), |p| p.display().to_string())
    }
}

fn fixture(name: &str, params: Option<&str>) -> Expansion {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/arm");
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let template = parse(&text, FileId(0)).unwrap_or_else(|e| panic!("{name}: {}", e.message));
    let params = params.map(|p| {
        let t = std::fs::read_to_string(dir.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
        parse(&t, FileId(100)).unwrap_or_else(|e| panic!("{p}: {}", e.message))
    });
    let loader = FixtureLoader { files: Mutex::new(vec![path]) };
    let ctx = DeploymentContext::default();
    let opts = ExpandOptions { context: &ctx, parameters: params.as_ref(), loader: Some(&loader), file: FileId(0) };
    expand(&template, &opts)
}

fn res<'e>(exp: &'e Expansion, name: &str) -> &'e ExpandedResource {
    exp.resources
        .iter()
        .find(|r| r.node.get("name").and_then(|n| n.as_str()) == Some(name))
        .unwrap_or_else(|| panic!("no resource {name}"))
}

fn at<'n>(r: &'n ExpandedResource, path: &str) -> &'n Value {
    &r.node.path(path).unwrap_or_else(|| panic!("no {path}")).value
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v:?}"))
}

fn cause(v: &Value) -> UnknownCause {
    v.as_unknown().map(|u| u.cause).unwrap_or_else(|| panic!("not unknown: {v:?}"))
}

const RG: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers";

#[test]
fn loops_expand_resources_children_properties_and_outputs() {
    let exp = fixture("loops.json", None);
    let names: Vec<_> = exp.resources.iter().filter_map(|r| r.node.get("name")?.as_str()).collect();
    assert_eq!(names, ["vnet1", "vnet1/extra0", "vnet2", "vnet2/extra1"]);
    let v2 = res(&exp, "vnet2");
    assert_eq!(v2.copy_index, Some(1));
    assert_eq!(v2.pointer, "/resources/0");
    assert_eq!(s(at(v2, "properties.addressSpace.addressPrefixes.0")), "10.1.0.0/16");
    assert_eq!(s(at(v2, "properties.subnets.1.properties.addressPrefix")), "10.1.1.0/24");
    assert_eq!(
        s(at(v2, "properties.subnets.1.id")),
        format!("{RG}/Microsoft.Network/virtualNetworks/vnet2/subnets/sn1")
    );
    let child = res(&exp, "vnet2/extra1");
    assert_eq!(s(at(child, "type")), "Microsoft.Network/virtualNetworks/subnets");
    assert_eq!(child.pointer, "/resources/0/resources/0");
    assert_eq!(s(at(child, "dependsOn.0")), format!("{RG}/Microsoft.Network/virtualNetworks/vnet2"));
    let out = &exp.outputs.iter().find(|(n, _)| n == "subnetIds").map(|(_, v)| v.value.to_json());
    assert_eq!(
        out.as_ref().and_then(|o| o.get(1)).and_then(|x| x.as_str()),
        Some(format!("{RG}/Microsoft.Network/virtualNetworks/vnet2/subnets/sn1").as_str())
    );
    assert!(exp.diagnostics.is_empty(), "{:?}", exp.diagnostics);
}

#[test]
fn nested_deployments_follow_inner_and_outer_scope() {
    let exp = fixture("nested.json", None);
    let inner = res(&exp, "innerparent");
    assert!(
        s(at(inner, "id")).contains("/resourceGroups/other-rg/providers/Microsoft.Storage/storageAccounts/innerparent")
    );
    assert_eq!(inner.pointer, "/resources/0/properties/template/resources/0");
    let deploy = res(&exp, "innerDeploy");
    assert!(deploy.node.path("properties.template").is_none());
    let outer = res(&exp, "outersa");
    assert!(matches!(at(outer, "properties.allowBlobPublicAccess"), Value::Bool(true)));
    let app = res(&exp, "app");
    assert!(s(at(app, "properties.storageId")).contains("/resourceGroups/other-rg/"));
    assert_eq!(s(at(app, "properties.who")), "child");
    assert_eq!(cause(at(app, "properties.notDeclared")), UnknownCause::Reference);
    assert!(exp.diagnostics.iter().all(|d| !d.is_error()), "{:?}", exp.diagnostics);
}

#[test]
fn relative_links_are_read_and_uri_links_stay_opaque() {
    let exp = fixture("linked/main.json", None);
    let kv = res(&exp, "kv-linked");
    assert_eq!(kv.file, FileId(1));
    assert_eq!(kv.pointer, "/resources/0");
    let app = res(&exp, "app");
    assert_eq!(s(at(app, "properties.vaultUri")), "https://kv-linked.vault.azure.net");
    assert_eq!(cause(at(app, "properties.remote")), UnknownCause::LinkedTemplate);
    assert!(
        exp.diagnostics
            .iter()
            .any(|d| { d.code == "arm-linked-uri" && d.message.contains("https://example.com/templates/remote.json") })
    );
}

#[test]
fn symbolic_names_parent_existing_and_references() {
    let exp = fixture("symbolic.json", None);
    let extra = res(&exp, "vnet1/extra");
    assert_eq!(s(at(extra, "type")), "Microsoft.Network/virtualNetworks/subnets");
    assert_eq!(extra.pointer, "/resources/extra");
    assert!(res(&exp, "shared-kv").existing);
    assert_eq!(res(&exp, "ip1").symbolic_name.as_deref(), Some("ips[1]"));
    let nic = res(&exp, "nic1");
    assert_eq!(s(at(nic, "properties.subnetId")), format!("{RG}/Microsoft.Network/virtualNetworks/vnet1/subnets/apps"));
    assert_eq!(cause(at(nic, "properties.vaultUri")), UnknownCause::Reference);
    assert!(matches!(at(nic, "properties.ipCount"), Value::Int(2)));
    assert_eq!(s(at(nic, "properties.firstIp")), "Static");
    assert_eq!(cause(at(nic, "properties.ipAddress")), UnknownCause::Reference);
    assert_eq!(s(at(nic, "properties.declaredViaTryGet")), "Static");
    assert!(exp.diagnostics.is_empty(), "{:?}", exp.diagnostics);
}

#[test]
fn user_functions_call_each_other_and_recursion_is_limited() {
    let exp = fixture("functions.json", None);
    let st = &exp.resources[0];
    assert!(s(at(st, "name")).starts_with("st-prod-"));
    assert_eq!(cause(at(st, "properties.recursive")), UnknownCause::Error);
    assert!(exp.diagnostics.iter().any(|d| d.code == "arm-limit"), "{:?}", exp.diagnostics);
}

#[test]
fn parameter_files_are_literal_and_key_vault_is_unknown() {
    let exp = fixture("params/main.json", Some("params/main.parameters.json"));
    let sql = &exp.resources[0];
    assert_eq!(s(at(sql, "name")), "[not-an-expression]");
    assert_eq!(sql.node.get("name").map(|n| n.span.file), Some(FileId(0)));
    assert_eq!(s(at(sql, "tags.tag")), "default-[not-an-expression]");
    assert_eq!(cause(at(sql, "properties.administratorLoginPassword")), UnknownCause::KeyVault);
    assert_eq!(cause(at(sql, "tags.other")), UnknownCause::Parameter);
}

#[test]
fn conditions_guards_and_local_errors() {
    let exp = fixture("conditions.json", None);
    assert_eq!(exp.resources.len(), 2);
    // An undecidable condition keeps the resource, with the condition visible.
    assert_eq!(cause(at(res(&exp, "maybe"), "condition")), UnknownCause::Parameter);
    let site = res(&exp, "site");
    assert_eq!(s(at(site, "properties.workspace")), "none");
    assert_eq!(s(at(site, "properties.fine")), "ok");
    assert_eq!(cause(at(site, "properties.broken")), UnknownCause::Error);
    assert_eq!(cause(at(site, "properties.cycle")), UnknownCause::Error);
    assert!(exp.diagnostics.iter().any(|d| d.code == "arm-eval" && d.message.contains("divide")));
    assert!(exp.diagnostics.iter().any(|d| d.code == "arm-eval" && d.message.contains("circular")));
    assert!(!exp.diagnostics.iter().any(|d| d.message.contains("split")), "{:?}", exp.diagnostics);
    // The error points into the expression: `div(1, 0)` inside the string.
    let broken = site.node.path("properties.broken").map(|n| n.span);
    let d = exp.diagnostics.iter().find(|d| d.message.contains("divide")).and_then(|d| d.span);
    assert!(matches!((broken, d), (Some(b), Some(d)) if d.start > b.start && d.end < b.end));
}

#[test]
fn long_variable_chains_are_limited_not_overflowing() {
    let mut vars = serde_json::Map::new();
    for i in 0..200 {
        vars.insert(format!("v{i}"), serde_json::json!(format!("[variables('v{}')]", i + 1)));
    }
    vars.insert("v200".into(), serde_json::json!("end"));
    let t = serde_json::json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "variables": vars,
        "resources": [{ "type": "Microsoft.Storage/storageAccounts", "name": "[variables('v0')]" }]
    });
    let node = parse(&t.to_string(), FileId(0)).unwrap_or_else(|e| panic!("{}", e.message));
    let ctx = DeploymentContext::default();
    let opts = ExpandOptions { context: &ctx, parameters: None, loader: None, file: FileId(0) };
    let exp = expand(&node, &opts);
    assert_eq!(exp.resources.len(), 1);
    assert!(exp.diagnostics.iter().any(|d| d.code == "arm-limit"), "{:?}", exp.diagnostics);
}

/// `azlint expand` on every template vector (parameters as a parameters file, the context
/// with `--context`): the command prints what the library expands, `symbolicName`
/// included.
#[test]
fn template_vectors_pass_through_the_binary() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/arm");
    let Ok(text) = std::fs::read_to_string(dir.join("template-vectors.json")) else { return };
    let vectors: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap_or_default();
    let tmp = std::env::temp_dir().join(format!("azlint-template-vectors-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let mut failures = Vec::new();
    for (i, v) in vectors.iter().enumerate() {
        let id = v["id"].as_str().unwrap_or("?");
        let template = tmp.join(format!("{i}.json"));
        std::fs::write(&template, v["template"].to_string()).expect("write");
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_azlint"));
        cmd.arg("expand").arg(&template);
        match v.get("parameters").and_then(|p| p.as_object()) {
            Some(p) => {
                let wrapped: serde_json::Map<String, serde_json::Value> =
                    p.iter().map(|(k, x)| (k.clone(), serde_json::json!({ "value": x }))).collect();
                let file = tmp.join(format!("{i}.parameters.json"));
                std::fs::write(&file, serde_json::json!({ "parameters": wrapped }).to_string()).expect("write");
                cmd.arg("--parameters").arg(&file);
            }
            None => {
                cmd.arg("--no-parameters");
            }
        }
        if let Some(ctx) = v.get("context") {
            let file = tmp.join(format!("{i}.context.json"));
            std::fs::write(&file, ctx.to_string()).expect("write");
            cmd.arg("--context").arg(file);
        }
        let out = cmd.output().expect("run azlint");
        let got: serde_json::Value = match serde_json::from_slice(&out.stdout) {
            Ok(g) if out.status.success() => g,
            _ => {
                failures.push(format!("{id}: exit {:?}: {}", out.status.code(), String::from_utf8_lossy(&out.stderr)));
                continue;
            }
        };
        for (k, w) in v.get("expectOutputs").and_then(|o| o.as_object()).into_iter().flatten() {
            if !got["outputs"].get(k).is_some_and(|g| same(g, w)) {
                failures.push(format!("{id}: output {k}: expected {w}, got {}", got["outputs"][k]));
            }
        }
        if let Some(want) = v.get("expectResources").and_then(|r| r.as_array()) {
            let resources = got["resources"].as_array().cloned().unwrap_or_default();
            for w in want {
                let matches = |r: &serde_json::Value| {
                    w.as_object().is_some_and(|w| {
                        w.iter().all(|(k, x)| match k.as_str() {
                            "type" | "name" => {
                                r[k].as_str().zip(x.as_str()).is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
                            }
                            _ => same(&r[k], x),
                        })
                    })
                };
                if !resources.iter().any(matches) {
                    failures.push(format!("{id}: no resource matches {w}"));
                }
            }
            if resources.len() != want.len() {
                failures.push(format!("{id}: expected {} resources, got {}", want.len(), resources.len()));
            }
        }
    }
    std::fs::remove_dir_all(&tmp).ok();
    assert!(failures.is_empty(), "{} failing:\n{}", failures.len(), failures.join("\n"));
}

fn expand_json(t: serde_json::Value) -> Expansion {
    let node = parse(&t.to_string(), FileId(0)).unwrap_or_else(|e| panic!("{}", e.message));
    let ctx = DeploymentContext::default();
    let opts = ExpandOptions { context: &ctx, parameters: None, loader: None, file: FileId(0) };
    expand(&node, &opts)
}

fn output(exp: &Expansion, name: &str) -> serde_json::Value {
    exp.outputs.iter().find(|(n, _)| n == name).map(|(_, v)| v.value.to_json()).unwrap_or_default()
}

/// Found by comparing the compiler's classic and 2.0 forms of the same programs
/// (tests/bicep_oracle.rs): ids and references of deployments and resource groups.
#[test]
fn deployment_targets_and_resource_group_references() {
    const TENANT: &str = "https://schema.management.azure.com/schemas/2019-08-01/tenantDeploymentTemplate.json#";
    const SUB: &str = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#";
    let inner = serde_json::json!({"$schema": SUB, "contentVersion": "1.0.0.0", "resources": []});
    // A deployment to a subscription from a tenant template lives in that subscription.
    let exp = expand_json(serde_json::json!({"$schema": TENANT, "resources": [{
        "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "d",
        "subscriptionId": "11111111-1111-1111-1111-111111111111", "location": "westus",
        "properties": {"mode": "Incremental", "template": inner}}]}));
    assert_eq!(
        exp.resources[0].node.get("id").and_then(|n| n.as_str()),
        Some("/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.Resources/deployments/d")
    );
    // A deployment to a resource group not known offline has an id not known offline.
    let exp = expand_json(serde_json::json!({"$schema": SUB, "parameters": {"rg": {"type": "string"}},
        "resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "d",
        "resourceGroup": "[parameters('rg')]", "properties": {"mode": "Incremental", "template": inner}}]}));
    assert!(matches!(exp.resources[0].node.get("id").map(|n| &n.value), Some(Value::Unknown(_))));
    // `subscriptionResourceId` of a declared resource group references that group.
    let exp = expand_json(serde_json::json!({"$schema": SUB, "resources": [{
        "type": "Microsoft.Resources/resourceGroups", "apiVersion": "2020-06-01", "name": "g", "location": "westeurope"}],
        "outputs": {"loc": {"type": "string",
        "value": "[reference(subscriptionResourceId('Microsoft.Resources/resourceGroups', 'g'), '2020-06-01', 'full').location]"}}}));
    assert_eq!(output(&exp, "loc"), "westeurope");
    // A full reference is the deployed resource: no `dependsOn`.
    let exp = expand_json(
        serde_json::json!({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "resources": [
          {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "v", "location": "westus", "properties": {}},
          {"type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2023-04-01", "name": "v/s",
           "properties": {"addressPrefix": "10.0.0.0/24"}, "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', 'v')]"]}],
        "outputs": {"full": {"type": "object",
          "value": "[reference(resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's'), '2023-04-01', 'full')]"}}}),
    );
    let full = output(&exp, "full");
    assert_eq!(full["properties"]["addressPrefix"], "10.0.0.0/24");
    assert!(full.get("dependsOn").is_none(), "{full}");
}

#[test]
fn a_reference_past_a_counted_loop_is_an_error() {
    let exp = fixture("missing-copy.json", None);
    let nic = res(&exp, "nic");
    assert_eq!(s(at(nic, "properties.second")), "Static");
    assert_eq!(cause(at(nic, "properties.sixth")), UnknownCause::Reference);
    let errors: Vec<&str> = exp.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.message.as_str()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("'ips[2]' is not defined: the copy loop 'ips' has 2 instance(s)"), "{errors:?}");
}
