//! Resource ids and full names: the `id` of every instance (deployment scope,
//! retargeted deployments, extension `scope`), 2.0 `parent` composition, and the
//! ids GET adds to inline children (`subnets[*].id`).

use super::resources::{Frame, Instance};
use crate::arm::context::{DeploymentContext, DeploymentScope};
use crate::arm::functions::resource::resource_id_for;
use crate::value::{Node, Object, Span, UnknownCause, Value};

pub(super) fn is_deployment(t: &Node) -> bool {
    t.as_str().is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Resources/deployments"))
}

pub(super) fn unknown_like(n: &Node, what: &str, span: Span) -> Node {
    let (cause, detail) = match n.value.find_unknown() {
        Some(u) => (u.cause, format!("{what} of the resource named {}", u.detail)),
        None => (UnknownCause::Expression, format!("{what} could not be built")),
    };
    Node::new(Value::unknown(cause, detail, span), span)
}

/// `parent/child` from a parent's full name and a child's name, either of which may be
/// partly known: a child of `[parameters('nsgName')]` is `[parameters('nsgName')]/ssh`,
/// the same resource a top-level `concat(parameters('nsgName'), '/ssh')` names.
pub(super) fn join_names(parent: &Node, child: &Node) -> Node {
    if let (Some(p), Some(c)) = (parent.as_str(), child.as_str()) {
        return Node::new(Value::str(format!("{p}/{c}")), child.span);
    }
    match crate::arm::symbolic::with_tokens(&[parent, child], |t| Some(format!("{}/{}", t[0], t[1]))) {
        Some(v) => Node::new(v, child.span),
        None => unknown_like(if parent.as_str().is_none() { parent } else { child }, "name", child.span),
    }
}

/// Turns a scope value (`/subscriptions/…`, `/`, or Bicep's relative
/// `Microsoft.Storage/storageAccounts/sa`) into an absolute id.
fn absolute_scope(ctx: &DeploymentContext, scope: &str) -> String {
    if scope.starts_with('/') {
        return scope.trim_end_matches('/').to_string();
    }
    if let Some((ty, names)) = crate::model::ids::split_type_names(scope)
        && let Some(id) = resource_id_for(ctx, &ty, &names)
    {
        return id;
    }
    scope.to_string()
}

/// Adds `id` to inline child objects (`properties.subnets[*]`), as GET returns them;
/// a parent with a symbolic id gives its children symbolic ids.
pub(super) fn add_child_ids_of(props: &Node, id: &Node) -> Node {
    match &id.value {
        Value::String(rid) => add_child_ids(props, rid),
        Value::Unknown(u) if u.canonical().is_some() => {
            // Build each child's id with the parent's symbols passing through as tokens.
            let Value::Object(o) = &props.value else { return props.clone() };
            let mut out = Object::with_capacity(o.len());
            let mut changed = false;
            for m in o.iter() {
                let mut v = m.value.clone();
                if let Value::Array(items) = &m.value.value {
                    let new_items: Vec<Node> = items
                        .iter()
                        .map(|x| match (&x.value, x.get("name").and_then(|n| n.as_str())) {
                            (Value::Object(xo), Some(name))
                                if x.get("id").is_none() && x.get("properties").is_some() =>
                            {
                                let child = crate::arm::symbolic::with_tokens(&[id], |t| {
                                    Some(format!("{}/{}/{name}", t[0], m.key))
                                });
                                match child {
                                    Some(cid) => {
                                        let mut xo = (**xo).clone();
                                        xo.insert("id", Node::bare(cid));
                                        changed = true;
                                        Node::new(Value::object(xo), x.span)
                                    }
                                    None => x.clone(),
                                }
                            }
                            _ => x.clone(),
                        })
                        .collect();
                    v = Node::new(Value::array(new_items), m.value.span);
                }
                out.push(m.key.clone(), v);
            }
            if changed { Node::new(Value::object(out), props.span) } else { props.clone() }
        }
        _ => props.clone(),
    }
}

/// Adds `id` to inline child objects (`properties.subnets[*]`), as GET returns them.
pub(super) fn add_child_ids(props: &Node, rid: &str) -> Node {
    let Value::Object(o) = &props.value else {
        return props.clone();
    };
    let mut changed = false;
    let mut out = Object::with_capacity(o.len());
    for m in o.iter() {
        let mut v = m.value.clone();
        if let Value::Array(items) = &m.value.value {
            let needs = items.iter().any(|x| {
                x.get("name").and_then(|n| n.as_str()).is_some()
                    && x.get("id").is_none()
                    && x.get("properties").is_some()
            });
            if needs {
                let new_items = items
                    .iter()
                    .map(|x| match (&x.value, x.get("name").and_then(|n| n.as_str())) {
                        (Value::Object(xo), Some(name)) if x.get("id").is_none() && x.get("properties").is_some() => {
                            let mut xo = (**xo).clone();
                            xo.insert("id", Node::bare(Value::str(format!("{rid}/{}/{name}", m.key))));
                            Node::new(Value::object(xo), x.span)
                        }
                        _ => x.clone(),
                    })
                    .collect();
                v = Node::new(Value::array(new_items), m.value.span);
                changed = true;
            }
        }
        out.push(m.key.clone(), v);
    }
    if changed { Node::new(Value::object(out), props.span) } else { props.clone() }
}

impl<'a> Frame<'a> {
    pub(super) fn compute_id(&self, decl: &Node, ty: &Node, name: &Node) -> Node {
        let span = decl.get("name").map(|n| n.span).unwrap_or(decl.span);
        let Some(t) = ty.as_str() else {
            return unknown_like(ty, "id", span);
        };
        if name.as_str().is_none() {
            // A symbolic name makes a symbolic id: the same expression names the same
            // resource (`resourceId(…, parameters('site'))` meets `[parameters('site')]`).
            let built = crate::arm::symbolic::with_tokens(&[name], |n| {
                let id = self.compute_id(decl, ty, &Node::new(Value::str(n[0]), name.span));
                id.as_str().map(str::to_string)
            });
            return match built {
                Some(v) => Node::new(v, span),
                None => unknown_like(name, "id", span),
            };
        }
        let Some(n) = name.as_str() else { unreachable!("checked above") };
        let tn = match crate::arm::functions::resource::type_and_names("resourceId", t, &[n]) {
            Ok(tn) => tn,
            Err(_) => {
                return Node::new(
                    Value::unknown(
                        UnknownCause::Expression,
                        format!("id of `{t}` `{n}`: name and type segments differ"),
                        span,
                    ),
                    span,
                );
            }
        };
        if let Some(scope) = decl.get("scope") {
            let s = self.eval_str_node(Some(scope));
            return match s.as_str() {
                Some(s) => {
                    let base = absolute_scope(&self.id_ctx, s);
                    Node::new(Value::str(format!("{}/providers/{tn}", base.trim_end_matches('/'))), span)
                }
                None => unknown_like(&s, "id", span),
            };
        }
        let mut ctx_owned = None;
        if is_deployment(ty) || decl.get("resourceGroup").is_some() || decl.get("subscriptionId").is_some() {
            let rg = decl.get("resourceGroup").map(|r| self.eval_str_node(Some(r)));
            let sub = decl.get("subscriptionId").map(|r| self.eval_str_node(Some(r)));
            // A target not known offline makes the id unknown, not the parent's scope's.
            for target in [&rg, &sub].into_iter().flatten() {
                if target.as_str().is_none() {
                    return unknown_like(target, "id", span);
                }
            }
            if rg.is_some() || sub.is_some() {
                let mut c =
                    self.id_ctx.retarget(sub.as_ref().and_then(|s| s.as_str()), rg.as_ref().and_then(|s| s.as_str()));
                // A deployment to a subscription from a tenant or management group
                // template lives in that subscription (as nested.rs targets it).
                if rg.is_none()
                    && sub.is_some()
                    && matches!(c.scope, DeploymentScope::Tenant | DeploymentScope::ManagementGroup)
                {
                    c.scope = DeploymentScope::Subscription;
                }
                ctx_owned = Some(c);
            }
        }
        let ctx = ctx_owned.as_ref().unwrap_or(&self.id_ctx);
        match resource_id_for(ctx, t, n) {
            Some(id) => Node::new(Value::str(id), span),
            None => unknown_like(name, "id", span),
        }
    }

    /// 2.0 `parent`: compose type and name from the parent's when they are short.
    pub(super) fn apply_parents(&self, list: &mut [Instance<'a>]) {
        for i in 0..list.len() {
            let Some(p) = list[i].decl.get("parent").and_then(|p| p.as_str()) else {
                continue;
            };
            let Some(j) =
                list.iter().position(|x| x.symbolic.as_deref() == Some(p) || x.loop_symbol.as_deref() == Some(p))
            else {
                continue;
            };
            let (pt, pn) = (list[j].full_type.clone(), list[j].full_name.clone());
            let inst = &mut list[i];
            if let (Some(t), Some(ptv)) = (inst.full_type.as_str(), pt.as_str())
                && !t.contains('/')
            {
                inst.full_type = Node::new(Value::str(format!("{ptv}/{t}")), inst.full_type.span);
            }
            if let Some(t) = inst.full_type.as_str() {
                let want = t.split('/').filter(|s| !s.is_empty()).count().saturating_sub(1);
                // A short name gets its parent's in front (a symbolic name counts as one
                // segment: Bicep writes `parent` with the child's own name).
                let have = inst.full_name.as_str().map_or(1, |n| n.split('/').count());
                if have < want {
                    inst.full_name = join_names(&pn, &inst.full_name);
                }
            }
            let (decl, ft, fname) = (inst.decl, inst.full_type.clone(), inst.full_name.clone());
            list[i].id = self.compute_id(decl, &ft, &fname);
        }
    }
}
