//! The lazy and scope-aware call forms of the evaluator: `if`, `and`, `or`,
//! `copyIndex`, `reference`/`references`, user-defined functions, and the
//! single-string lookups (`parameters`, `variables`, `lambdaVariables`).

use std::sync::Arc;

use super::{Evaluator, MAX_CALL_DEPTH, type_word, unknown_node};
use crate::arm::budget::Budget;
use crate::arm::error::ArmError;
use crate::arm::parser::ExprNode;
use crate::value::{Node, Span, Str, UnknownCause, Value};

impl Evaluator<'_> {
    pub(super) fn one_string(
        &mut self,
        name: &str,
        args: &[ExprNode],
        e: &ExprNode,
    ) -> Result<Result<Str, Node>, ArmError> {
        if args.len() != 1 {
            return Err(Self::fn_err(
                name,
                e,
                format!(
                    "Unable to evaluate template language function '{name}': function requires 1 argument(s) while {} were provided",
                    args.len()
                ),
            ));
        }
        let v = self.eval(&args[0])?;
        match v.value {
            Value::String(s) => Ok(Ok(s)),
            Value::Unknown(_) => Ok(Err(v)),
            other => Err(Self::fn_err(
                name,
                e,
                format!(
                    "The template language function '{name}' expects its parameter to be a string. The provided value is of type '{}'",
                    type_word(&other)
                ),
            )),
        }
    }

    pub(super) fn call_if(&mut self, args: &[ExprNode], e: &ExprNode) -> Result<Node, ArmError> {
        if args.len() != 3 {
            return Err(Self::fn_err(
                "if",
                e,
                format!(
                    "Unable to evaluate template language function 'if': function requires 3 argument(s) while {} were provided",
                    args.len()
                ),
            ));
        }
        let c = self.eval(&args[0])?;
        match c.value {
            Value::Bool(true) => self.eval(&args[1]),
            Value::Bool(false) => self.eval(&args[2]),
            Value::Unknown(u) => {
                // Either branch may be taken: both are evaluated, and an error in one is
                // Resource Manager's only if it is taken, so the value is just unknown.
                match (self.eval(&args[1]), self.eval(&args[2])) {
                    (Ok(a), Ok(b)) => Ok(crate::arm::symbolic::choice(&u, &a, &b)),
                    _ => Ok(unknown_node(u.cause, u.detail.clone())),
                }
            }
            other => Err(Self::fn_err(
                "if",
                e,
                format!(
                    "The template language function 'if' expects its first parameter to be of type 'Boolean'. The provided value is of type '{}'",
                    type_word(&other)
                ),
            )),
        }
    }

    pub(super) fn call_and_or(&mut self, name: &str, args: &[ExprNode], e: &ExprNode) -> Result<Node, ArmError> {
        if args.len() < 2 {
            return Err(Self::fn_err(
                name,
                e,
                format!(
                    "Unable to evaluate template language function '{name}': function requires at least 2 argument(s) while {} were provided",
                    args.len()
                ),
            ));
        }
        let is_and = name == "and";
        let mut unknown: Option<Node> = None;
        for a in args {
            let v = self.eval(a)?;
            match v.value {
                Value::Bool(b) => {
                    if b != is_and {
                        return Ok(Node::bare(Value::Bool(b)));
                    }
                }
                Value::Unknown(_) => {
                    if unknown.is_none() {
                        unknown = Some(v);
                    }
                }
                other => {
                    return Err(Self::fn_err(
                        name,
                        e,
                        format!(
                            "The template language function '{name}' expects its parameters to be of type 'Boolean'. The provided value is of type '{}'",
                            type_word(&other)
                        ),
                    ));
                }
            }
        }
        Ok(unknown.map(|u| Node::bare(u.value)).unwrap_or(Node::bare(Value::Bool(is_and))))
    }

    pub(super) fn call_copy_index(&mut self, args: &[ExprNode], e: &ExprNode) -> Result<Node, ArmError> {
        let vals = self.args(args)?;
        if let Some(u) = vals.iter().find(|v| v.value.is_unknown()) {
            return Ok(u.clone());
        }
        let (loop_name, offset) = match vals.as_slice() {
            [] => (None, 0),
            [Node { value: Value::Int(o), .. }] => (None, *o),
            [Node { value: Value::String(n), .. }] => (Some(n.clone()), 0),
            [Node { value: Value::String(n), .. }, Node { value: Value::Int(o), .. }] => (Some(n.clone()), *o),
            _ => {
                return Err(Self::fn_err(
                    "copyIndex",
                    e,
                    "The template language function 'copyIndex' expects an optional loop name (string) and an optional offset (integer)".into(),
                ));
            }
        };
        match self.host.copy_index(loop_name.as_deref()) {
            Some(i) => Ok(Node::bare(Value::Int(i.saturating_add(offset)))),
            None => Err(ArmError::eval(
                match loop_name {
                    Some(n) => format!("The template function 'copyIndex' is not expected at this location: no copy loop named '{n}' encloses it"),
                    None => "The template function 'copyIndex' is not expected at this location: it is only valid inside a copy loop".to_string(),
                },
                e.start,
                e.end,
            )),
        }
    }

    pub(super) fn call_reference(&mut self, name: &str, args: &[ExprNode], e: &ExprNode) -> Result<Node, ArmError> {
        let vals = self.args(args)?;
        if vals.is_empty() || vals.len() > 3 {
            return Err(Self::fn_err(
                name,
                e,
                format!(
                    "Unable to evaluate template language function '{name}': function requires between 1 and 3 argument(s) while {} were provided",
                    vals.len()
                ),
            ));
        }
        let target = match &vals[0].value {
            Value::String(s) => s.clone(),
            // A target built from symbols may name a resource of this deployment.
            Value::Unknown(u) => match u.canonical() {
                Some(c) => {
                    let full =
                        vals[1..].iter().any(|v| v.value.as_str().is_some_and(|s| s.eq_ignore_ascii_case("full")));
                    let found = if name == "reference" { self.host.reference(&c, full) } else { None };
                    return Ok(
                        found.unwrap_or_else(|| unknown_node(UnknownCause::Reference, format!("{name}({})", u.detail)))
                    );
                }
                None => return Ok(unknown_node(UnknownCause::Reference, format!("{name}({})", u.detail))),
            },
            other => {
                return Err(Self::fn_err(
                    name,
                    e,
                    format!(
                        "The template language function '{name}' expects its first parameter to be a string. The provided value is of type '{}'",
                        type_word(other)
                    ),
                ));
            }
        };
        let full = vals[1..].iter().any(|v| v.value.as_str().is_some_and(|s| s.eq_ignore_ascii_case("full")));
        let found =
            if name == "reference" { self.host.reference(&target, full) } else { self.host.references(&target, full) };
        if found.is_none()
            && name == "reference"
            && let Some(why) = self.host.missing_copy(&target)
        {
            return Err(Self::fn_err(name, e, why));
        }
        Ok(found.unwrap_or_else(|| {
            let suffix = if full { ", 'Full'" } else { "" };
            unknown_node(UnknownCause::Reference, format!("{name}('{target}'{suffix})"))
        }))
    }

    pub(super) fn call_user(&mut self, name: &str, args: &[ExprNode], e: &ExprNode) -> Result<Node, ArmError> {
        let Some(f) = self.host.user_function(name) else {
            return Err(ArmError::UnknownFunction { function: name.to_string(), start: e.start, end: e.end });
        };
        if f.params.len() != args.len() {
            return Err(Self::fn_err(
                name,
                e,
                format!(
                    "Unable to evaluate template language function '{name}': function requires {} argument(s) while {} were provided",
                    f.params.len(),
                    args.len()
                ),
            ));
        }
        if self.calls >= MAX_CALL_DEPTH {
            return Err(ArmError::limit(
                format!(
                    "User-defined function calls are nested more than {MAX_CALL_DEPTH} deep (a recursive function?)"
                ),
                e.start,
                e.end,
            ));
        }
        let vals = self.args(args)?;
        let bound: Vec<(Str, Node)> = f.params.iter().cloned().zip(vals).collect();
        let mut inner = Evaluator {
            host: self.host,
            lambdas: Vec::new(),
            fn_params: Some(Arc::new(bound)),
            calls: self.calls + 1,
            work: self.work,
            own_budget: Budget::new(),
        };
        // Errors inside the body point at the call site: the body lives elsewhere.
        let result = inner.eval_tree(&f.body);
        self.work = inner.work;
        result
            .map(|mut n| {
                n.span = Span::NONE;
                n
            })
            .map_err(|err| match err {
                ArmError::Limit { message, .. } => ArmError::limit(message, e.start, e.end),
                ArmError::Fail { message, .. } => ArmError::Fail { message, start: e.start, end: e.end },
                other => ArmError::eval(
                    format!("The user-defined function '{name}' failed: {}", other.message()),
                    e.start,
                    e.end,
                ),
            })
    }
}

/// The canonical spelling of a `list*` function for details (`listkeys` → `listKeys`).
pub(super) fn original_name(lower: &str) -> String {
    match lower {
        "listkeys" => "listKeys".into(),
        "listsecrets" => "listSecrets".into(),
        "listaccountsas" => "listAccountSas".into(),
        "listservicesas" => "listServiceSas".into(),
        "listcallbackurl" => "listCallbackUrl".into(),
        "listcredentials" => "listCredentials".into(),
        "listoutputswithsecurevalues" => "listOutputsWithSecureValues".into(),
        other => other.to_string(),
    }
}
