//! One template's names: parameters (supplied literally or from `defaultValue`),
//! variables (lazy, memoised, cycle-checked, with `copy`) and user functions. Outer-
//! scope nested deployments share their parent's [`Scope`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use super::Shared;
use super::frame::{ExpandHost, LoopFrame, cached_parse, copy_index_in, eval_copy_entry, eval_node};
use crate::arm::budget::Budget;
use crate::arm::context::DeploymentContext;
use crate::arm::error::ArmError;
use crate::arm::eval::{Host, UserFunction};
use crate::arm::parser::Template;
use crate::value::{Node, Object, Span, Str, UnknownCause, Value};

enum Slot {
    InProgress,
    Done(Node),
}

/// Parameters, variables and functions of one template.
pub(crate) struct Scope<'t> {
    pub ctx: DeploymentContext,
    /// Names this deployment frame in symbols (`f0`, `f0/resources/2#inner`): a
    /// parameter without a value is the same unknown value everywhere in its frame, and
    /// a different one in any other.
    pub frame: Str,
    pub language_v2: bool,
    shared: &'t Shared<'t>,
    param_decls: Option<&'t Object>,
    supplied: HashMap<String, Node>,
    params: RefCell<HashMap<String, Slot>>,
    var_decls: Option<&'t Object>,
    var_copies: Vec<&'t Node>,
    vars: RefCell<HashMap<String, Slot>>,
    functions: HashMap<String, UserFunction>,
    loops: RefCell<Vec<LoopFrame>>,
}

/// Reads a parameters file's `parameters` object: `value`s literally, Key Vault
/// `reference`s as unknown secrets.
pub(crate) fn supplied_from_file(params: &Node) -> HashMap<String, Node> {
    let mut out = HashMap::new();
    let Some(o) = params.value.as_object() else {
        return out;
    };
    for m in o.iter() {
        let v = if let Some(v) = m.value.get("value") {
            v.clone()
        } else if let Some(r) = m.value.get("reference") {
            key_vault_unknown(r, m.value.span)
        } else {
            continue;
        };
        out.insert(m.key.to_ascii_lowercase(), v);
    }
    out
}

/// The placeholder for a Key Vault parameter reference.
pub(crate) fn key_vault_unknown(r: &Node, span: Span) -> Node {
    let secret = r.get("secretName").and_then(|s| s.as_str()).unwrap_or("?");
    let vault = r.get("keyVault").and_then(|k| k.get("id")).and_then(|s| s.as_str()).unwrap_or("?");
    let what = format!("Key Vault secret '{secret}' in {vault}");
    let u = crate::value::Unknown::new(UnknownCause::KeyVault, what.clone(), span).with_secret(what);
    Node::new(Value::Unknown(Arc::new(u)), span)
}

fn section<'t>(template: &'t Node, key: &str) -> Option<&'t Object> {
    template.get(key).and_then(|n| n.value.as_object())
}

impl<'t> Scope<'t> {
    pub(crate) fn new(
        template: &'t Node,
        ctx: DeploymentContext,
        supplied: HashMap<String, Node>,
        shared: &'t Shared<'t>,
        frame: Str,
    ) -> Scope<'t> {
        let var_decls = section(template, "variables");
        let var_copies = var_decls
            .and_then(|v| v.get("copy"))
            .and_then(|c| c.value.as_array())
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let mut functions = HashMap::new();
        if let Some(Value::Array(nss)) = template.get("functions").map(|f| &f.value) {
            for ns in nss.iter() {
                let Some(nsname) = ns.get("namespace").and_then(|n| n.as_str()) else {
                    continue;
                };
                let Some(members) = ns.get("members").and_then(|m| m.value.as_object()) else {
                    continue;
                };
                for m in members.iter() {
                    let params = m
                        .value
                        .get("parameters")
                        .and_then(|p| p.value.as_array())
                        .map(|a| {
                            a.iter().map(|p| Str::from(p.get("name").and_then(|n| n.as_str()).unwrap_or(""))).collect()
                        })
                        .unwrap_or_default();
                    let body = m.value.get("output").and_then(|o| o.get("value")).cloned().unwrap_or_else(Node::null);
                    functions.insert(format!("{nsname}.{}", m.key).to_ascii_lowercase(), UserFunction { params, body });
                }
            }
        }
        let language_v2 = template
            .get("languageVersion")
            .and_then(|v| v.as_str())
            .is_some_and(|v| !v.starts_with("1.") && !v.is_empty());
        Scope {
            ctx,
            frame,
            language_v2,
            shared,
            param_decls: section(template, "parameters"),
            supplied,
            params: RefCell::new(HashMap::new()),
            var_decls,
            var_copies,
            vars: RefCell::new(HashMap::new()),
            functions,
            loops: RefCell::new(Vec::new()),
        }
    }

    fn too_deep(name: &str) -> ArmError {
        ArmError::limit(
            format!(
                "Evaluating '{name}' needs more than {} nested variables, parameters or references",
                super::MAX_LAZY_DEPTH
            ),
            0,
            0,
        )
    }

    fn cycle(kind: &str, name: &str) -> ArmError {
        ArmError::eval(format!("The template {kind} '{name}' depends on itself (a circular reference)"), 0, 0)
    }
}

impl Host for Scope<'_> {
    fn context(&self) -> &DeploymentContext {
        &self.ctx
    }

    fn parameter(&self, name: &str) -> Result<Node, ArmError> {
        let key = name.to_ascii_lowercase();
        match self.params.borrow().get(&key) {
            Some(Slot::Done(n)) => return Ok(n.clone()),
            Some(Slot::InProgress) => return Err(Self::cycle("parameter", name)),
            None => {}
        }
        let decl = self.param_decls.and_then(|p| p.get(name));
        let has_default = decl.is_some_and(|d| d.get("defaultValue").is_some());
        // A null supplied value means "not supplied" when there is a default (Bicep
        // passes null for omitted optional module parameters).
        let supplied = self.supplied.get(&key).filter(|v| !(v.value.is_null() && has_default));
        let ty = decl.and_then(|d| d.get("type")).and_then(|t| t.as_str()).unwrap_or_default();
        let secure_string = ty.eq_ignore_ascii_case("securestring");
        let secure = secure_string || ty.eq_ignore_ascii_case("secureobject");
        let unknown = |span: Span| {
            let symbol = format!("p:{}:{key}", self.frame);
            let mut u = crate::value::Unknown::new(UnknownCause::Parameter, format!("parameters('{name}')"), span)
                .with_symbol(symbol);
            if secure {
                u = u.with_secret(format!("parameters('{name}')"));
            }
            Node::new(Value::Unknown(Arc::new(u)), span)
        };
        let value = if let (true, Some(d)) = (secure_string, decl) {
            // A secure string is a secret whatever value it is given: it never enters the
            // model, and every value built from it carries the taint.
            match supplied {
                Some(Node { value: Value::Unknown(u), .. }) if u.secret.is_some() => {
                    supplied.cloned().unwrap_or_else(|| unknown(d.span))
                }
                _ => unknown(d.span),
            }
        } else if let Some(v) = supplied {
            v.clone()
        } else if let Some(decl) = decl {
            if let Some(default) = decl.get("defaultValue") {
                self.params.borrow_mut().insert(key.clone(), Slot::InProgress);
                if !self.shared.enter() {
                    self.params.borrow_mut().remove(&key);
                    return Err(Self::too_deep(name));
                }
                let v = eval_node(self, default, false);
                self.shared.leave();
                v
            } else if decl.get("nullable").and_then(|n| n.value.as_bool()) == Some(true) {
                Node::new(Value::Null, decl.span)
            } else {
                unknown(decl.span)
            }
        } else {
            return Err(ArmError::eval(format!("The template parameter '{name}' is not found"), 0, 0));
        };
        self.params.borrow_mut().insert(key, Slot::Done(value.clone()));
        Ok(value)
    }

    fn variable(&self, name: &str) -> Result<Node, ArmError> {
        let key = name.to_ascii_lowercase();
        match self.vars.borrow().get(&key) {
            Some(Slot::Done(n)) => return Ok(n.clone()),
            Some(Slot::InProgress) => return Err(Self::cycle("variable", name)),
            None => {}
        }
        let decl = self.var_decls.and_then(|v| if key == "copy" { None } else { v.get(name) });
        if !self.shared.enter() {
            return Err(Self::too_deep(name));
        }
        self.vars.borrow_mut().insert(key.clone(), Slot::InProgress);
        let value = if let Some(decl) = decl {
            Some(eval_node(self, decl, true))
        } else {
            let entry = self
                .var_copies
                .iter()
                .find(|e| e.get("name").and_then(|n| n.as_str()).is_some_and(|n| n.eq_ignore_ascii_case(name)));
            entry.and_then(|e| eval_copy_entry(self, e)).map(|(_, arr)| arr)
        };
        self.shared.leave();
        match value {
            Some(v) => {
                self.vars.borrow_mut().insert(key, Slot::Done(v.clone()));
                Ok(v)
            }
            None => {
                self.vars.borrow_mut().remove(&key);
                Err(ArmError::eval(format!("The template variable '{name}' is not found"), 0, 0))
            }
        }
    }

    fn copy_index(&self, name: Option<&str>) -> Option<i64> {
        copy_index_in(&self.loops, name)
    }

    fn user_function(&self, name: &str) -> Option<UserFunction> {
        self.functions.get(name).cloned()
    }

    fn parse(&self, text: &str) -> Result<Arc<Template>, ArmError> {
        cached_parse(self.shared, text)
    }

    fn budget(&self) -> Option<&Budget> {
        Some(&self.shared.budget)
    }
}

impl ExpandHost for Scope<'_> {
    fn loops(&self) -> &RefCell<Vec<LoopFrame>> {
        &self.loops
    }

    fn shared(&self) -> &Shared<'_> {
        self.shared
    }
}
