//! `reference()` / `references()` of resources declared in the same deployment:
//! resolution by symbolic name, id or name, lazy evaluation of the target, and
//! "open" result objects whose missing properties are unknown rather than errors.
//! Also the [`Host`] implementation of a template's [`Frame`].

use std::cell::RefCell;
use std::sync::Arc;

use super::Shared;
use super::frame::{ExpandHost, LoopFrame, cached_parse, copy_index_in};
use super::resources::{Frame, State};
use crate::arm::budget::Budget;
use crate::arm::context::DeploymentContext;
use crate::arm::error::ArmError;
use crate::arm::eval::{Host, UserFunction};
use crate::arm::parser::Template;
use crate::model::ids::key;
use crate::value::{Node, Object, Span, UnknownCause, Value};

impl Frame<'_> {
    fn resolve(&self, target: &str) -> Option<usize> {
        let list = self.instances.borrow();
        if self.scope.language_v2 {
            if let Some(i) = list.iter().position(|x| x.symbolic.as_deref() == Some(target)) {
                return Some(i);
            }
            if let Some(i) = list.iter().position(|x| x.loop_symbol.as_deref() == Some(target)) {
                return Some(i);
            }
        }
        // `subscriptionResourceId('Microsoft.Resources/resourceGroups', g)` writes a
        // resource group's id with `/providers/Microsoft.Resources`; the group's own id has
        // none. Both name the group (the compiler's classic form references it so).
        let normalized = resource_group_id(target);
        let target = normalized.as_deref().unwrap_or(target);
        // A target built from symbols (`reference(resourceId(…, parameters('x')))`) names the
        // resource built from the same symbols.
        let same = |n: &Node| match &n.value {
            Value::String(s) => s.eq_ignore_ascii_case(target),
            Value::Unknown(u) => u.canonical().is_some_and(|c| key(&c) == key(target)),
            _ => false,
        };
        if target.starts_with('/') {
            return list.iter().position(|x| same(&x.id));
        }
        list.iter().position(|x| same(&x.full_name))
    }

    fn register_open(&self, v: &Value, detail: &str) {
        match v {
            Value::Object(o) => {
                self.open.borrow_mut().insert(Arc::as_ptr(o) as usize, (o.clone(), detail.to_string()));
                for m in o.iter() {
                    self.register_open(&m.value.value, &format!("{detail}.{}", m.key));
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    self.register_open(&x.value, &format!("{detail}[{i}]"));
                }
            }
            _ => {}
        }
    }

    fn reference_of(&self, i: usize, target: &str, full: bool) -> Option<Node> {
        self.evaluate(i);
        let list = self.instances.borrow();
        if let Some(cached) = &list.get(i)?.refs[usize::from(full)] {
            return Some(cached.clone());
        }
        let State::Done(d) = &list.get(i)?.state else {
            return None;
        };
        if !d.deployed && !list[i].existing {
            return None;
        }
        // A target built from symbols is shown as the name or id it matched.
        let shown = if target.contains(crate::value::SYMBOL_OPEN) {
            let n = if target.starts_with('/') { &list[i].id } else { &list[i].full_name };
            n.value.as_unknown().map_or_else(|| format!("'{target}'"), |u| u.display())
        } else {
            format!("'{target}'")
        };
        let detail = format!("reference({shown}{})", if full { ", 'Full'" } else { "" });
        if d.opaque {
            return Some(Node::bare(Value::unknown(UnknownCause::LinkedTemplate, detail, Span::NONE)));
        }
        let result = if full {
            // The deployed resource as Resource Manager returns it: not the template's
            // deployment instructions (`dependsOn`, `copy`, `condition`).
            match &d.node.value {
                Value::Object(o) if ["dependsOn", "copy", "condition"].iter().any(|k| o.contains_key(k)) => {
                    let mut o = (**o).clone();
                    for k in ["dependsOn", "copy", "condition"] {
                        o.remove(k);
                    }
                    Node::new(Value::object(o), d.node.span)
                }
                _ => d.node.clone(),
            }
        } else {
            let props = d.node.get("properties").cloned().unwrap_or_else(|| Node::bare(Value::object(Object::new())));
            match (&d.outputs, &props.value) {
                (Some(outs), Value::Object(p)) => {
                    let mut p = (**p).clone();
                    p.insert("outputs", outs.clone());
                    Node::new(Value::object(p), props.span)
                }
                _ => props,
            }
        };
        drop(list);
        // Registering walks the whole value: do it once per resource and form.
        self.register_open(&result.value, &detail);
        if let Some(inst) = self.instances.borrow_mut().get_mut(i) {
            inst.refs[usize::from(full)] = Some(result.clone());
        }
        Some(result)
    }
}

impl Host for Frame<'_> {
    fn context(&self) -> &DeploymentContext {
        &self.scope.ctx
    }

    fn parameter(&self, name: &str) -> Result<Node, ArmError> {
        self.scope.parameter(name)
    }

    fn variable(&self, name: &str) -> Result<Node, ArmError> {
        self.scope.variable(name)
    }

    fn copy_index(&self, name: Option<&str>) -> Option<i64> {
        copy_index_in(&self.loops, name)
    }

    fn user_function(&self, name: &str) -> Option<UserFunction> {
        self.scope.user_function(name)
    }

    fn reference(&self, target: &str, full: bool) -> Option<Node> {
        match self.resolve(target) {
            Some(i) => self.reference_of(i, target, full),
            None => match self.parent {
                Some(p) if self.parent_names || target.starts_with('/') => p.reference(target, full),
                _ => None,
            },
        }
    }

    fn missing_copy(&self, target: &str) -> Option<String> {
        if !self.scope.language_v2 {
            return None;
        }
        let (symbol, index) = target.strip_suffix(']')?.rsplit_once('[')?;
        let index: usize = index.parse().ok()?;
        let list = self.instances.borrow();
        let copies: Vec<_> = list.iter().filter(|x| x.loop_symbol.as_deref() == Some(symbol)).collect();
        // Resource Manager fails a deployment that references a copy its loop does not
        // make; with a count not known offline, the copy may exist.
        if copies.is_empty() || copies.iter().any(|x| x.uncounted.is_some()) || index < copies.len() {
            return None;
        }
        Some(format!(
            "The resource '{target}' is not defined: the copy loop '{symbol}' has {} instance(s)",
            copies.len()
        ))
    }

    fn references(&self, target: &str, full: bool) -> Option<Node> {
        let idx: Vec<usize> = {
            let list = self.instances.borrow();
            (0..list.len()).filter(|&i| list[i].loop_symbol.as_deref() == Some(target)).collect()
        };
        if idx.is_empty() {
            return None;
        }
        let mut out = Vec::new();
        for i in idx {
            let sym = self.instances.borrow()[i].symbolic.clone().unwrap_or_default();
            match self.reference_of(i, &sym, full) {
                Some(n) => out.push(n),
                None => {
                    let deployed = matches!(&self.instances.borrow()[i].state, State::Done(d) if d.deployed);
                    if deployed {
                        return None;
                    }
                }
            }
        }
        Some(Node::bare(Value::array(out)))
    }

    fn open_object(&self, object: &Arc<Object>) -> Option<String> {
        let local = self.open.borrow().get(&(Arc::as_ptr(object) as usize)).map(|(_, d)| d.clone());
        local.or_else(|| self.parent.and_then(|p| p.open_object(object)))
    }

    fn parse(&self, text: &str) -> Result<Arc<Template>, ArmError> {
        cached_parse(self.shared, text)
    }

    fn budget(&self) -> Option<&Budget> {
        Some(&self.shared.budget)
    }
}

impl ExpandHost for Frame<'_> {
    fn loops(&self) -> &RefCell<Vec<LoopFrame>> {
        &self.loops
    }

    fn shared(&self) -> &Shared<'_> {
        self.shared
    }

    fn quiet(&self) -> bool {
        self.quiet.get()
    }
}

/// `/subscriptions/{s}/providers/Microsoft.Resources/resourceGroups/{g}` as the group's
/// own id `/subscriptions/{s}/resourceGroups/{g}`; `None` for any other id.
fn resource_group_id(id: &str) -> Option<String> {
    let rest = id.strip_prefix("/subscriptions/")?;
    let (sub, tail) = rest.split_once('/')?;
    let marker = "providers/microsoft.resources/resourcegroups/";
    let name = tail.get(..marker.len()).filter(|p| p.eq_ignore_ascii_case(marker)).map(|_| &tail[marker.len()..])?;
    (!name.is_empty() && !name.contains('/')).then(|| format!("/subscriptions/{sub}/resourceGroups/{name}"))
}
