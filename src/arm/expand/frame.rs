//! Evaluating JSON trees inside a template: strings through the expression
//! evaluator with errors turned into diagnostics plus `Unknown(Error)` values,
//! property and variable `copy` loops, and copy counts.

use crate::problem::Code;
use std::cell::RefCell;
use std::sync::Arc;

use super::{MAX_COPY_COUNT, Shared};
use crate::arm::budget::MAX_VALUE_BYTES;
use crate::arm::error::ArmError;
use crate::arm::eval::{Evaluator, Host};
use crate::arm::parser::{Template, parse_template_string};
use crate::value::{Node, Object, Span, Str, UnknownCause, Value};

/// One active copy loop.
#[derive(Clone, Debug)]
pub(crate) struct LoopFrame {
    pub name: Option<Str>,
    pub index: i64,
    /// Resource and output loops answer `copyIndex()` without a name.
    pub anonymous: bool,
}

/// A host that the expander drives: it has a loop stack and shared state.
pub(crate) trait ExpandHost: Host {
    fn loops(&self) -> &RefCell<Vec<LoopFrame>>;
    fn shared(&self) -> &Shared<'_>;
    /// Whether evaluation errors are not Resource Manager's (the declared values of an
    /// `existing` resource, evaluated only when something uses them): they give unknown
    /// values without being reported.
    fn quiet(&self) -> bool {
        false
    }
}

/// `copyIndex([name])` against a loop stack (reference §6.5).
pub(crate) fn copy_index_in(loops: &RefCell<Vec<LoopFrame>>, name: Option<&str>) -> Option<i64> {
    let loops = loops.borrow();
    match name {
        None => loops.iter().rev().find(|l| l.anonymous).map(|l| l.index),
        Some(n) => {
            loops.iter().rev().find(|l| l.name.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(n))).map(|l| l.index)
        }
    }
}

/// Parses through the shared cache.
pub(crate) fn cached_parse(shared: &Shared<'_>, text: &str) -> Result<Arc<Template>, ArmError> {
    if let Some(t) = shared.cache.borrow().get(text) {
        return Ok(t.clone());
    }
    let t = Arc::new(parse_template_string(text)?);
    shared.cache.borrow_mut().insert(Str::from(text), t.clone());
    Ok(t)
}

/// Where inside the JSON string node an expression error sits (exact when the
/// string had no JSON escapes).
fn error_span(span: Span, text: &str, err: &ArmError) -> Span {
    if span.is_none() {
        return span;
    }
    let (s, e) = err.range();
    if (span.end - span.start) as usize == text.len() + 2 && e >= s && e as usize <= text.len() {
        Span { file: span.file, start: span.start + 1 + s, end: span.start + 1 + e.max(s) }
    } else {
        span
    }
}

/// Records an evaluation error and returns the `Unknown(Error)` that replaces the value.
pub(crate) fn report(h: &dyn ExpandHost, span: Span, text: &str, err: &ArmError) -> Node {
    if h.quiet() && !matches!(err, ArmError::Limit { .. }) {
        return Node::new(Value::unknown(UnknownCause::Error, err.message(), span), span);
    }
    h.shared().diag(error_span(span, text, err), err.code(text), err.message(), true);
    Node::new(Value::unknown(UnknownCause::Error, err.message(), span), span)
}

/// Gives a value produced by an expression the span of its string, unless it is a known
/// value written elsewhere that the expression passed on (a parameter's value or
/// default, a variable, a module parameter in the caller): that text is what produced
/// it, and what a user edits. An unknown value (a parameter without a value) is located
/// where it is used: that is where a fix (a Key Vault reference, a literal) goes.
fn locate(mut n: Node, span: Span) -> Node {
    if let Value::Unknown(u) = &n.value
        && u.span.is_none()
    {
        n.value = Value::Unknown(Arc::new(u.at(span)));
    }
    if n.span.is_none() {
        // A value the expression built (`createObject`, `union`, a ternary of two object
        // literals): its members have no text of their own, so they point at the
        // expression too rather than at nothing.
        fill_spans(&mut n.value, span);
    }
    if n.span.is_none() || matches!(n.value, Value::Unknown(_)) {
        n.span = span;
    }
    n
}

/// Gives every member or element without a span (and theirs) `span`.
fn fill_spans(v: &mut Value, span: Span) {
    match v {
        Value::Object(o) if o.iter().any(|m| m.value.span.is_none()) => {
            for m in Arc::make_mut(o).iter_mut().filter(|m| m.value.span.is_none()) {
                m.value.span = span;
                fill_spans(&mut m.value.value, span);
            }
        }
        Value::Array(a) if a.iter().any(|x| x.span.is_none()) => {
            for x in Arc::make_mut(a).iter_mut().filter(|x| x.span.is_none()) {
                x.span = span;
                fill_spans(&mut x.value, span);
            }
        }
        _ => {}
    }
}

/// Evaluates one JSON string value; errors become diagnostics and `Unknown(Error)`.
pub(crate) fn eval_str(h: &dyn ExpandHost, s: &Str, span: Span) -> Node {
    if !s.starts_with('[') {
        return Node::new(Value::String(s.clone()), span);
    }
    let mut ev = Evaluator::new(h as &dyn Host);
    match ev.eval_string(s) {
        Ok(n) => locate(n, span),
        Err(e) => report(h, span, s, &e),
    }
}

/// Like [`eval_str`] but hands the error back (for values that decide structure).
pub(crate) fn try_eval_node(h: &dyn ExpandHost, n: &Node) -> Result<Node, ArmError> {
    match &n.value {
        Value::String(s) if s.starts_with('[') => {
            let mut ev = Evaluator::new(h as &dyn Host);
            ev.eval_string(s).map(|r| locate(r, n.span))
        }
        _ => Ok(eval_node(h, n, false)),
    }
}

/// True for a `copy` member in the property/variable form: an array of
/// `{name, count, input}` objects (reference §6.2, §6.3).
fn is_copy_array(n: &Node) -> bool {
    match &n.value {
        Value::Array(a) => {
            !a.is_empty()
                && a.iter().all(|e| e.get("name").is_some() && e.get("input").is_some() && e.get("count").is_some())
        }
        _ => false,
    }
}

/// Evaluates every string in a tree. With `copy_ok`, objects holding a `copy` array
/// get the generated properties instead.
pub(crate) fn eval_node(h: &dyn ExpandHost, n: &Node, copy_ok: bool) -> Node {
    match &n.value {
        Value::String(s) => eval_str(h, s, n.span),
        Value::Array(a) => Node::new(Value::array(a.iter().map(|x| eval_node(h, x, copy_ok)).collect()), n.span),
        Value::Object(o) => {
            let mut out = Object::with_capacity(o.len());
            for m in o.iter() {
                if copy_ok && m.key.eq_ignore_ascii_case("copy") && is_copy_array(&m.value) {
                    if let Value::Array(entries) = &m.value.value {
                        for entry in entries.iter() {
                            if let Some((name, arr)) = eval_copy_entry(h, entry) {
                                out.insert(name, arr);
                            }
                        }
                    }
                    continue;
                }
                out.push(eval_key(h, &m.key, m.value.span), eval_node(h, &m.value, copy_ok));
            }
            Node::new(Value::object(out), n.span)
        }
        _ => n.clone(),
    }
}

/// A property name: Resource Manager evaluates an expression there too (the classic
/// `"[concat('hidden-link:', resourceId(…))]": "Resource"` tag). A name whose value is
/// not a known string keeps its text.
fn eval_key(h: &dyn ExpandHost, key: &Str, span: Span) -> Str {
    if !key.starts_with('[') || key.starts_with("[[") || !key.ends_with(']') {
        return key.clone();
    }
    match eval_str(h, key, span).value {
        Value::String(s) => s,
        _ => key.clone(),
    }
}

/// Evaluates a copy `count`: an int 0…800; diagnostics otherwise.
pub(crate) fn eval_count(h: &dyn ExpandHost, count: Option<&Node>, span: Span) -> Option<i64> {
    eval_count_known(h, count, span).map(|(n, _)| n)
}

/// [`eval_count`], and for a count not known offline (one instance is assumed) why.
pub(crate) fn eval_count_known(h: &dyn ExpandHost, count: Option<&Node>, span: Span) -> Option<(i64, Option<String>)> {
    let Some(count) = count else {
        h.shared().diag(span, Code::ArmTemplate, "The copy loop has no `count`", true);
        return None;
    };
    let v = match try_eval_node(h, count) {
        Ok(v) => v,
        Err(e) => {
            let text = count.as_str().unwrap_or_default().to_string();
            report(h, count.span, &text, &e);
            return None;
        }
    };
    let assumed = match &v.value {
        Value::Unknown(u) => Some(format!("the copy count is not known offline ({})", u.detail)),
        _ => None,
    };
    count_value(h, count, v).map(|n| (n, assumed))
}

fn count_value(h: &dyn ExpandHost, count: &Node, v: Node) -> Option<i64> {
    match v.value {
        Value::Int(n) if (0..=MAX_COPY_COUNT).contains(&n) => Some(n),
        Value::Int(n) if n > MAX_COPY_COUNT => {
            h.shared().diag(
                count.span,
                Code::ArmLimit,
                format!("The copy count {n} exceeds the limit of {MAX_COPY_COUNT}"),
                true,
            );
            None
        }
        Value::Float(f) if f.fract() == 0.0 && (0.0..=MAX_COPY_COUNT as f64).contains(&f) => Some(f as i64),
        // JSON.NET converts numeric strings for integer fields.
        Value::String(ref s) if s.trim().parse::<i64>().is_ok_and(|n| (0..=MAX_COPY_COUNT).contains(&n)) => {
            s.trim().parse().ok()
        }
        Value::Unknown(u) => {
            h.shared().diag(
                count.span,
                Code::ArmCopyUnknown,
                format!("The copy count is unknown offline ({}); one instance is assumed", u.detail),
                false,
            );
            Some(1)
        }
        other => {
            h.shared().diag(
                count.span,
                Code::ArmValues,
                format!("The copy count must be a non-negative integer, got {}", other.to_json()),
                true,
            );
            None
        }
    }
}

/// Runs one `{name, count, input}` loop: the generated array and its name.
pub(crate) fn eval_copy_entry(h: &dyn ExpandHost, entry: &Node) -> Option<(Str, Node)> {
    let name: Str = match entry.get("name").map(|n| try_eval_node(h, n)) {
        Some(Ok(Node { value: Value::String(s), .. })) => s,
        _ => {
            h.shared().diag(entry.span, Code::ArmTemplate, "A copy loop needs a string `name`", true);
            return None;
        }
    };
    let count = eval_count(h, entry.get("count"), entry.span)?;
    let input = entry.get("input")?;
    let mut items = Vec::with_capacity(count as usize);
    for i in 0..count {
        h.loops().borrow_mut().push(LoopFrame { name: Some(name.clone()), index: i, anonymous: false });
        items.push(eval_node(h, input, true));
        h.loops().borrow_mut().pop();
    }
    let array = Value::array(items);
    if let Err(x) = h.shared().budget.measure(&array, MAX_VALUE_BYTES) {
        let message = x.message(&format!("The copy loop '{name}'"));
        h.shared().diag(entry.span, Code::ArmLimit, message.clone(), true);
        return Some((name, Node::new(Value::unknown(UnknownCause::Error, message, entry.span), entry.span)));
    }
    Some((name, Node::new(array, entry.span)))
}
