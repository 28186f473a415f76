//! Nested deployments (reference §7.3) and linked templates (§8): inline templates
//! in `inner` or `outer` expression scope, `templateLink.relativePath` through the
//! caller's loader, and opaque `uri` / template-spec links.

use crate::problem::Code;
use std::collections::HashMap;

use super::resources::{Frame, Placement, run};
use super::scope::{Scope, key_vault_unknown};
use super::{ExpandedResource, MAX_DEPLOYMENT_DEPTH, scope_of};
use crate::arm::context::{DeploymentContext, DeploymentScope};
use crate::arm::eval::Host;
use crate::value::{FileId, Node, Object, Value};

fn str_of<'n>(n: &'n Node, key: &str) -> Option<&'n str> {
    n.get(key).and_then(|v| v.as_str())
}

/// The context a deployment resource targets (`subscriptionId`, `resourceGroup`,
/// management-group `scope`).
fn target_context(parent: &DeploymentContext, node: &Node) -> DeploymentContext {
    let sub = str_of(node, "subscriptionId");
    let rg = str_of(node, "resourceGroup");
    let mut ctx = parent.retarget(sub, rg);
    if rg.is_none()
        && sub.is_some()
        && matches!(parent.scope, DeploymentScope::ManagementGroup | DeploymentScope::Tenant)
    {
        ctx.scope = DeploymentScope::Subscription;
    }
    if let Some(scope) = str_of(node, "scope") {
        let lower = scope.to_ascii_lowercase();
        if let Some(i) = lower.find("microsoft.management/managementgroups/") {
            let name = scope[i + "microsoft.management/managementgroups/".len()..].trim_end_matches('/');
            let mut mg = Object::new();
            mg.insert("id", Node::bare(Value::str(format!("/providers/Microsoft.Management/managementGroups/{name}"))));
            mg.insert("name", Node::bare(Value::str(name)));
            mg.insert("type", Node::bare(Value::str("Microsoft.Management/managementGroups")));
            ctx.management_group = Value::object(mg);
            ctx.scope = DeploymentScope::ManagementGroup;
        }
    }
    ctx
}

/// Evaluated `properties.parameters` → supplied values for the nested template.
fn supplied_parameters(props: &Node) -> HashMap<String, Node> {
    let mut out = HashMap::new();
    let Some(o) = props.get("parameters").and_then(|p| p.value.as_object()) else {
        return out;
    };
    for m in o.iter() {
        if let Some(v) = m.value.get("value") {
            out.insert(m.key.to_ascii_lowercase(), v.clone());
        } else if let Some(r) = m.value.get("reference") {
            out.insert(m.key.to_ascii_lowercase(), key_vault_unknown(r, m.value.span));
        }
    }
    out
}

fn outputs_object(outputs: Vec<(String, Node)>) -> Node {
    let mut o = Object::with_capacity(outputs.len());
    for (k, v) in outputs {
        let mut entry = Object::with_capacity(2);
        entry.insert("type", Node::bare(Value::str(type_name(&v.value))));
        entry.insert("value", v);
        o.insert(k, Node::bare(Value::object(entry)));
    }
    Node::bare(Value::object(o))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "Bool",
        Value::Int(_) | Value::Float(_) => "Int",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
        _ => "String",
    }
}

/// Expands the deployment `decl` (already evaluated into `node`). Returns its
/// outputs, whether it stayed opaque, and the resources it deploys.
pub(super) fn deploy(
    frame: &Frame<'_>,
    decl: &Node,
    node: &Node,
    pointer: &str,
) -> (Option<Node>, bool, Vec<ExpandedResource>) {
    let Some(props) = node.get("properties") else {
        return (None, true, Vec::new());
    };
    let raw_template = decl.get("properties").and_then(|p| p.get("template"));
    if frame.depth + 1 > MAX_DEPLOYMENT_DEPTH {
        frame.shared.diag(
            decl.span,
            Code::ArmLimit,
            format!("Nested deployments go deeper than {MAX_DEPLOYMENT_DEPTH} levels; this one is not expanded"),
            true,
        );
        return (None, true, Vec::new());
    }
    let name = str_of(node, "name").unwrap_or("deployment").to_string();
    let target = target_context(&frame.id_ctx, node);
    if let Some(template) = raw_template {
        let inner = props
            .get("expressionEvaluationOptions")
            .and_then(|o| o.get("scope"))
            .and_then(|s| s.as_str())
            .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        let prefix = format!("{pointer}/properties/template");
        if inner {
            return run_inner(frame, template, props, &target, &name, frame.file, &prefix);
        }
        // Outer scope: the parent's parameters, variables, functions and context;
        // only resource ids move to the target.
        let r = run(
            frame.shared,
            frame.scope,
            template,
            target,
            Placement {
                file: frame.file,
                prefix,
                depth: frame.depth + 1,
                parent: Some((frame as &dyn Host, true)),
                links: frame.links.clone(),
            },
        );
        return (Some(outputs_object(r.outputs)), false, r.resources);
    }
    let Some(link) = props.get("templateLink") else {
        return (None, true, Vec::new());
    };
    if let Some(rel) = str_of(link, "relativePath") {
        if rel.trim().is_empty() {
            frame.shared.diag(
                link.span,
                Code::ArmLinkedTemplate,
                format!("Deployment `{name}` links a template with an empty `relativePath`; it is not expanded"),
                true,
            );
            return (None, true, Vec::new());
        }
        let Some(loader) = frame.shared.loader else {
            frame.shared.diag(
                link.span,
                Code::ArmLinkedTemplate,
                format!("The linked template `{rel}` is not read: no loader was supplied"),
                false,
            );
            return (None, true, Vec::new());
        };
        return match loader.load_relative(frame.file, rel) {
            Ok((file, _)) if frame.links.contains(&file) => {
                let chain: Vec<String> = frame.links.iter().chain([&file]).map(|f| loader.name(*f)).collect();
                frame.shared.diag(
                    link.span,
                    Code::ArmLinkedCycle,
                    format!(
                        "The linked templates form a cycle ({}); deployment `{name}` is not expanded again",
                        chain.join(" -> ")
                    ),
                    true,
                );
                (None, true, Vec::new())
            }
            Ok((file, template)) => {
                frame.shared.note_linked(file);
                run_inner(frame, &template, props, &target, &name, file, "")
            }
            Err(e) => {
                frame.shared.diag(
                    link.span,
                    Code::ArmLinkedTemplate,
                    format!("The linked template `{rel}` could not be read: {e}"),
                    true,
                );
                (None, true, Vec::new())
            }
        };
    }
    let what = match (link.get("uri"), link.get("id")) {
        (Some(u), _) => match &u.value {
            Value::String(s) => format!("The linked template `{s}` is not fetched"),
            Value::Unknown(u) => format!("The linked template `{}` (not known offline) is not fetched", u.detail),
            other => format!("The linked template {} is not fetched", other.to_json()),
        },
        (None, Some(id)) => format!("The template spec `{}` is not fetched", id.as_str().unwrap_or("?")),
        _ => "The template link has no `uri`, `id` or `relativePath`".to_string(),
    };
    frame.shared.diag(link.span, Code::ArmLinkedUri, format!("{what}; deployment `{name}` is not expanded"), false);
    (None, true, Vec::new())
}

fn run_inner(
    frame: &Frame<'_>,
    template: &Node,
    props: &Node,
    target: &DeploymentContext,
    name: &str,
    file: FileId,
    prefix: &str,
) -> (Option<Node>, bool, Vec<ExpandedResource>) {
    let mut ctx = target.with_deployment_name(name);
    ctx.scope = scope_of(template, &ctx);
    // Deployment names are unique in their scope: copies of a deployment differ by name.
    let symbols = format!("{}/{name}@{}", frame.scope.frame, file.0);
    let scope = Scope::new(template, ctx.clone(), supplied_parameters(props), frame.shared, symbols.into());
    let r = run(
        frame.shared,
        &scope,
        template,
        ctx,
        Placement {
            file,
            prefix: prefix.to_string(),
            depth: frame.depth + 1,
            parent: Some((frame as &dyn Host, false)),
            links: if frame.links.last() == Some(&file) {
                frame.links.clone()
            } else {
                frame.links.iter().copied().chain([file]).collect()
            },
        },
    );
    (Some(outputs_object(r.outputs)), false, r.resources)
}
