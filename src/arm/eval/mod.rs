//! The expression evaluator: walks a parsed [`ExprNode`] against a [`Host`] that
//! supplies parameters, variables, copy indexes, user functions and same-deployment
//! resources. Lazy forms (`if`, `and`, `or`, lambdas) live here; eager built-ins are
//! in [`super::functions`].

mod special;

use std::sync::Arc;

use super::budget::{self, Budget, Exceeded, MAX_VALUE_BYTES};
use super::context::DeploymentContext;
use super::error::ArmError;
use super::functions;
use super::parser::{Expr, ExprNode, Template, parse_template_string};
use crate::value::{Node, Object, Span, Str, UnknownCause, Value};

/// Deepest chain of user-function calls (they may call each other, reference §1.5).
pub const MAX_CALL_DEPTH: u32 = 32;

/// A declared user-defined function.
#[derive(Clone, Debug)]
pub struct UserFunction {
    /// Parameter names, in order.
    pub params: Vec<Str>,
    /// `output.value`: usually an expression string, may be any JSON.
    pub body: Node,
}

/// What the evaluator asks of its surroundings.
pub trait Host {
    /// The deployment context (scope functions, resource ids).
    fn context(&self) -> &DeploymentContext;
    /// `parameters(name)`; `Err` carries the service's message.
    fn parameter(&self, name: &str) -> Result<Node, ArmError>;
    /// `variables(name)`.
    fn variable(&self, name: &str) -> Result<Node, ArmError>;
    /// `copyIndex()` (`None` name: the innermost resource/output loop).
    fn copy_index(&self, name: Option<&str>) -> Option<i64>;
    /// A user function by lower-cased `namespace.member`.
    fn user_function(&self, _name: &str) -> Option<UserFunction> {
        None
    }
    /// `reference(target, …, full)` of a resource the host knows; `None` means unknown.
    fn reference(&self, _target: &str, _full: bool) -> Option<Node> {
        None
    }
    /// Why `reference(target)` names nothing that can exist: a copy (`apim[2]`) past the
    /// end of a loop whose count is known. `None` when it may exist (the value is then
    /// unknown).
    fn missing_copy(&self, _target: &str) -> Option<String> {
        None
    }
    /// `references(loopSymbol, full)`; `None` means unknown.
    fn references(&self, _target: &str, _full: bool) -> Option<Node> {
        None
    }
    /// For objects returned by `reference()`: the detail path of this object, so a
    /// missing property yields an unknown value instead of an error.
    fn open_object(&self, _object: &Arc<Object>) -> Option<String> {
        None
    }
    /// Parses a template string; hosts may cache.
    fn parse(&self, text: &str) -> Result<Arc<Template>, ArmError> {
        parse_template_string(text).map(Arc::new)
    }
    /// The budget of the whole expansion this evaluation belongs to; `None` gives each
    /// evaluator a budget of its own.
    fn budget(&self) -> Option<&Budget> {
        None
    }
}

/// Arguments bound inside a user-defined function body.
type FnParams = Arc<Vec<(Str, Node)>>;

/// Evaluates expressions against one host.
pub struct Evaluator<'h> {
    host: &'h dyn Host,
    lambdas: Vec<(Str, Node)>,
    fn_params: Option<FnParams>,
    calls: u32,
    /// Work done so far (calls plus the nodes of built values), against [`MAX_WORK`].
    work: u64,
    /// The budget when the host has none.
    own_budget: Budget,
}

/// Most work one evaluation may do: lambdas over `range()` and doubling strings
/// could otherwise exhaust memory or time on hostile input.
pub const MAX_WORK: u64 = 5_000_000;

fn unknown_node(cause: UnknownCause, detail: String) -> Node {
    Node::bare(Value::unknown(cause, detail, Span::NONE))
}

/// Renders an argument for an unknown value's detail: `'vnet'`, `3`, ….
pub(crate) fn render_arg(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{s}'"),
        Value::Unknown(u) => u.detail.clone(),
        Value::Array(_) | Value::Object(_) => v.to_json().to_string(),
        other => other.to_json().to_string(),
    }
}

/// Appends an accessor to an unknown value's detail; a member of a symbolic value is
/// symbolic (`parameters('o').name` is the same value wherever it is read), and a member
/// of a secret is secret.
fn extend_unknown(v: &Value, suffix: &str) -> Node {
    match v {
        Value::Unknown(u) => {
            let mut out = crate::value::Unknown::new(u.cause, format!("{}{suffix}", u.detail), Span::NONE);
            out.symbol = u.canonical().map(|c| Str::from(format!("{c}{suffix}")));
            out.secret = u.secret.clone();
            Node::bare(Value::Unknown(Arc::new(out)))
        }
        _ => Node::bare(v.clone()),
    }
}

/// `t[i]` where the container or the index is not known offline: a symbolic value when
/// both have a canonical form (the same lookup twice is the same value; a large known
/// table is named by a hash of its canonical form), tainted when either is secret.
fn unknown_at(t: &Value, i: &Value) -> Value {
    use std::hash::{Hash, Hasher};
    let first = match (t, i) {
        (Value::Unknown(u), _) | (_, Value::Unknown(u)) => u,
        _ => unreachable!("one side is unknown"),
    };
    let container = match t {
        Value::Unknown(u) => u.detail.clone(),
        Value::Array(_) => "[…]".to_string(),
        Value::Object(_) => "{…}".to_string(),
        other => render_arg(other),
    };
    let mut out = crate::value::Unknown::new(first.cause, format!("{container}[{}]", render_arg(i)), Span::NONE);
    let canonical = |v: &Value| crate::arm::symbolic::canonical_value(v);
    if let (Some(ct), Some(ci)) = (canonical(t), canonical(i)) {
        let ct = match t {
            Value::Unknown(_) => ct,
            _ => {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                ct.hash(&mut h);
                format!("#{:016x}:{}", h.finish(), ct.len())
            }
        };
        out.symbol = Some(Str::from(format!("at({ct},{ci})")));
    }
    out.secret = crate::arm::symbolic::taint(&[Node::bare(t.clone()), Node::bare(i.clone())]);
    Value::Unknown(Arc::new(out))
}

/// Whether a call's result is a value it built, rather than one it fetched
/// (parameters, variables, lambda variables, references) or picked from its arguments:
/// only built values are measured, so reading a large variable many times costs nothing.
fn builds(name: &str) -> bool {
    !matches!(
        name,
        "parameters"
            | "variables"
            | "lambdavariables"
            | "if"
            | "coalesce"
            | "reference"
            | "references"
            | "tryget"
            | "first"
            | "last"
    ) && !name.contains('.')
}

fn type_word(v: &Value) -> &'static str {
    functions::arm_type(v)
}

impl<'h> Evaluator<'h> {
    /// A fresh evaluator for `host`.
    pub fn new(host: &'h dyn Host) -> Self {
        Evaluator { host, lambdas: Vec::new(), fn_params: None, calls: 0, work: 0, own_budget: Budget::new() }
    }

    /// The host.
    pub fn host(&self) -> &'h dyn Host {
        self.host
    }

    /// Evaluates a JSON string value: literal, `[[` escape, or expression. The result
    /// node has no span; callers give it the string's.
    pub fn eval_string(&mut self, s: &Str) -> Result<Node, ArmError> {
        if !s.starts_with('[') {
            return Ok(Node::bare(Value::String(s.clone())));
        }
        match &*self.host.parse(s)? {
            Template::Literal => Ok(Node::bare(Value::String(s.clone()))),
            Template::Escaped(t) => Ok(Node::bare(Value::String(t.clone()))),
            Template::Expr(e) => self.eval(e),
        }
    }

    /// Evaluates every string inside a JSON tree (no `copy` handling); the
    /// user-function body path.
    pub fn eval_tree(&mut self, n: &Node) -> Result<Node, ArmError> {
        match &n.value {
            Value::String(s) => {
                let mut r = self.eval_string(s)?;
                r.span = n.span;
                Ok(r)
            }
            Value::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for x in a.iter() {
                    out.push(self.eval_tree(x)?);
                }
                Ok(Node::new(Value::array(out), n.span))
            }
            Value::Object(o) => {
                let mut out = Object::with_capacity(o.len());
                for m in o.iter() {
                    out.push(m.key.clone(), self.eval_tree(&m.value)?);
                }
                Ok(Node::new(Value::object(out), n.span))
            }
            _ => Ok(n.clone()),
        }
    }

    /// Evaluates one parsed expression.
    pub fn eval(&mut self, e: &ExprNode) -> Result<Node, ArmError> {
        match &e.expr {
            Expr::Str(s) => Ok(Node::bare(Value::String(s.clone()))),
            Expr::Int(i) => Ok(Node::bare(Value::Int(*i))),
            Expr::Member { target, name } => {
                let t = self.eval(target)?;
                self.member(t, name, e)
            }
            Expr::Index { target, index } => {
                let t = self.eval(target)?;
                let i = self.eval(index)?;
                self.index(t, &i.value, e)
            }
            Expr::Call { name, args } => {
                self.charge(1, e)?;
                let r = self.call(name, args, e)?;
                if builds(name) {
                    let (size, nodes) = budget::measure(&r.value, MAX_VALUE_BYTES);
                    self.charge(nodes, e)?;
                    if let Err(x) = size {
                        return Err(ArmError::limit(x.message("The result of this expression"), e.start, e.end));
                    }
                }
                Ok(r)
            }
        }
    }

    /// Counts work against this evaluation's limit and the expansion's budget, and
    /// stops runaway evaluations.
    pub(crate) fn charge(&mut self, units: u64, e: &ExprNode) -> Result<(), ArmError> {
        self.work = self.work.saturating_add(units);
        if self.work > MAX_WORK {
            return Err(ArmError::limit(
                "The template language expression needs too much work to evaluate (a runaway loop or string?)",
                e.start,
                e.end,
            ));
        }
        let budget = self.host.budget().unwrap_or(&self.own_budget);
        budget
            .charge(units)
            .map_err(|x: Exceeded| ArmError::limit(x.message("The template language expression"), e.start, e.end))
    }

    fn member(&self, t: Node, name: &str, e: &ExprNode) -> Result<Node, ArmError> {
        match &t.value {
            Value::Object(o) => match o.get(name) {
                // `reference()` reads runtime state: a member declared `null` is whatever
                // the service fills in (an empty list, a default), not known offline.
                Some(n) if n.value.is_null() && self.host.open_object(o).is_some() => {
                    let detail = self.host.open_object(o).unwrap_or_default();
                    Ok(unknown_node(UnknownCause::Reference, format!("{detail}.{name}")))
                }
                Some(n) => Ok(n.clone()),
                None if self.host.open_object(o).is_some() => {
                    let detail = self.host.open_object(o).unwrap_or_default();
                    Ok(unknown_node(UnknownCause::Reference, format!("{detail}.{name}")))
                }
                None => {
                    let available: Vec<&str> = o.keys().collect();
                    Err(ArmError::eval(
                        format!(
                            "The language expression property '{name}' doesn't exist, available properties are '{}'",
                            available.join(", ")
                        ),
                        e.start,
                        e.end,
                    ))
                }
            },
            Value::Unknown(_) => Ok(extend_unknown(&t.value, &format!(".{name}"))),
            other => Err(ArmError::eval(
                format!(
                    "The language expression property '{name}' can't be evaluated, property name must be accessed on an object; the value is of type '{}'",
                    type_word(other)
                ),
                e.start,
                e.end,
            )),
        }
    }

    fn index(&self, t: Node, i: &Value, e: &ExprNode) -> Result<Node, ArmError> {
        match (&t.value, i) {
            (Value::Unknown(_), Value::String(s)) => Ok(extend_unknown(&t.value, &format!("['{s}']"))),
            (Value::Unknown(_), Value::Int(n)) => Ok(extend_unknown(&t.value, &format!("[{n}]"))),
            (Value::Unknown(_), _) | (_, Value::Unknown(_)) => Ok(Node::bare(unknown_at(&t.value, i))),
            (Value::Object(_), Value::String(s)) => self.member(t.clone(), s, e),
            (Value::Array(a), Value::Int(n)) => {
                if *n >= 0 && (*n as usize) < a.len() {
                    Ok(a[*n as usize].clone())
                } else {
                    Err(ArmError::eval(
                        format!(
                            "The language expression property array index '{n}' is out of bounds; the array has {} element(s)",
                            a.len()
                        ),
                        e.start,
                        e.end,
                    ))
                }
            }
            (tv, iv) => Err(ArmError::eval(
                format!(
                    "The language expression property can't be accessed: a value of type '{}' can't be indexed by a value of type '{}'",
                    type_word(tv),
                    type_word(iv)
                ),
                e.start,
                e.end,
            )),
        }
    }

    pub(crate) fn args(&mut self, args: &[ExprNode]) -> Result<Vec<Node>, ArmError> {
        let mut out = Vec::with_capacity(args.len());
        for a in args {
            out.push(self.eval(a)?);
        }
        Ok(out)
    }

    fn fn_err(name: &str, e: &ExprNode, message: String) -> ArmError {
        ArmError::Function { function: name.to_string(), message, start: e.start, end: e.end }
    }

    fn call(&mut self, name: &str, args: &[ExprNode], e: &ExprNode) -> Result<Node, ArmError> {
        match name {
            "if" => self.call_if(args, e),
            "and" | "or" => self.call_and_or(name, args, e),
            "coalesce" => {
                for a in args {
                    let v = self.eval(a)?;
                    match &v.value {
                        Value::Null => continue,
                        _ => return Ok(v),
                    }
                }
                Ok(Node::null())
            }
            "parameters" => {
                let name_v = match self.one_string("parameters", args, e)? {
            Ok(s) => s,
            Err(unknown) => return Ok(unknown),
        };
                if let Some(fp) = &self.fn_params {
                    return fp
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(&name_v))
                        .map(|(_, v)| v.clone())
                        .ok_or_else(|| {
                            ArmError::eval(
                                format!("The template function parameter '{name_v}' is not found"),
                                e.start,
                                e.end,
                            )
                        });
                }
                self.host.parameter(&name_v).map_err(|err| err.with_range(e.start, e.end))
            }
            "variables" => {
                let name_v = match self.one_string("variables", args, e)? {
            Ok(s) => s,
            Err(unknown) => return Ok(unknown),
        };
                if self.fn_params.is_some() {
                    return Err(ArmError::eval(
                        "The template function 'variables' is not expected at this location: user-defined functions can't use variables",
                        e.start,
                        e.end,
                    ));
                }
                self.host.variable(&name_v).map_err(|err| err.with_range(e.start, e.end))
            }
            "copyindex" => self.call_copy_index(args, e),
            "lambda" => Err(Self::fn_err(
                "lambda",
                e,
                "The template function 'lambda' is only valid as an argument of filter, map, reduce, sort, toObject, groupBy or mapValues".into(),
            )),
            "lambdavariables" => {
                let n = match self.one_string("lambdaVariables", args, e)? {
            Ok(s) => s,
            Err(unknown) => return Ok(unknown),
        };
                self.lambdas.iter().rev().find(|(k, _)| **k == *n).map(|(_, v)| v.clone()).ok_or_else(|| {
                    ArmError::eval(format!("The lambda variable '{n}' is not defined"), e.start, e.end)
                })
            }
            "filter" | "map" | "reduce" | "sort" | "toobject" | "groupby" | "mapvalues" => {
                functions::lambda::call(self, name, args, e)
            }
            "reference" | "references" => self.call_reference(name, args, e),
            "tryget" => {
                let vals = self.args(args)?;
                // A key missing from a reference() result is unknown, not null.
                let mut cur = vals.first().cloned();
                for k in vals.iter().skip(1) {
                    let Some(Node { value: Value::Object(o), .. }) = &cur else { break };
                    let Value::String(key) = &k.value else { break };
                    match o.get(key) {
                        Some(n) => cur = Some(n.clone()),
                        None => {
                            if let Some(d) = self.host.open_object(o) {
                                return Ok(unknown_node(UnknownCause::Reference, format!("{d}.{key}")));
                            }
                            break;
                        }
                    }
                }
                match functions::call(name, &vals, self.host.context()) {
                    Some(Ok(v)) => Ok(Node::bare(v)),
                    Some(Err(err)) => Err(err.into_arm(name, e.start, e.end)),
                    None => Err(ArmError::UnknownFunction { function: name.to_string(), start: e.start, end: e.end }),
                }
            }
            _ if name.contains('.') => self.call_user(name, args, e),
            _ if name.starts_with("list") => {
                // Always cause `List`, even of an unknown target: the result is a secret.
                let vals = self.args(args)?;
                let target = vals.first().map(|v| render_arg(&v.value)).unwrap_or_default();
                let detail = format!("{}({target})", special::original_name(name));
                let u = crate::value::Unknown::new(UnknownCause::List, detail.clone(), Span::NONE).with_secret(detail);
                Ok(Node::bare(Value::Unknown(Arc::new(u))))
            }
            _ => {
                let vals = self.args(args)?;
                match functions::call(name, &vals, self.host.context()) {
                    Some(Ok(v)) => Ok(Node::bare(v)),
                    Some(Err(err)) => Err(err.into_arm(name, e.start, e.end)),
                    None => Err(ArmError::UnknownFunction { function: name.to_string(), start: e.start, end: e.end }),
                }
            }
        }
    }

    /// Binds lambda variables, evaluates `body`, unbinds.
    pub(crate) fn with_lambda<T>(
        &mut self,
        bindings: impl IntoIterator<Item = (Str, Node)>,
        f: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let mark = self.lambdas.len();
        self.lambdas.extend(bindings);
        let r = f(self);
        self.lambdas.truncate(mark);
        r
    }
}
