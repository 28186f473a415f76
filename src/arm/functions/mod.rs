//! The built-in function library (reference §5), one module per family. Each module's
//! `call` answers for the names it owns and returns `None` for the rest; lazy forms
//! (`if`, `and`, `or`, `coalesce`, lambdas, `parameters`, `copyIndex`, `reference`)
//! are in the evaluator because they need it.

pub(crate) mod array;
pub(crate) mod cidr;
pub(crate) mod collection;
pub(crate) mod date;
pub(crate) mod date_format;
pub(crate) mod deployment;
pub(crate) mod encoding;
pub(crate) mod format;
pub(crate) mod hash;
pub(crate) mod lambda;
pub(crate) mod logical;
pub(crate) mod numeric;
pub(crate) mod object;
pub(crate) mod resource;
pub(crate) mod string;

use super::context::DeploymentContext;
use super::error::FnError;
use crate::value::{Node, Value};

pub(crate) type FResult = Result<Value, FnError>;

/// Functions that take unknown arguments as they are (into a partly known string, or
/// as elements), instead of being unknown themselves (reference §10, "propagation").
/// Others see through unknown *elements* (`length`, `contains`) but not an argument that
/// is unknown as a whole.
const TAKE_UNKNOWNS: &[&str] = &["createarray", "createobject", "concat", "format"];

/// Functions that write an array or object argument out as JSON text.
const SERIALIZING: &[&str] = &["string", "format"];

/// Calls built-in `name` (lower case) on evaluated arguments; `None` when no such
/// function exists.
pub(crate) fn call(name: &str, args: &[Node], ctx: &DeploymentContext) -> Option<FResult> {
    if !TAKE_UNKNOWNS.contains(&name)
        && let Some(Node { value: Value::Unknown(u), .. }) = args.iter().find(|a| a.value.is_unknown())
    {
        // Still reject a wrong name, so unknown arguments never hide a typo.
        if !exists(name) {
            return None;
        }
        // The same symbolic value is equal to itself, whatever it is.
        if name == "equals"
            && let [a, b] = args
            && let Some(same) = eq3(&a.value, &b.value)
        {
            return Some(Ok(Value::Bool(same)));
        }
        if let Some(r) = super::symbolic::call(name, args, ctx) {
            return Some(r);
        }
        // Unknown, for the first unknown argument's reason; not that argument's symbol or
        // parts (`f(p)` is not `p`), but the taint of every argument.
        let mut out = crate::value::Unknown::new(u.cause, u.detail.clone(), u.span);
        out.secret = super::symbolic::taint(args);
        return Some(Ok(Value::Unknown(std::sync::Arc::new(out))));
    }
    if SERIALIZING.contains(&name)
        && let Some(u) = args.iter().find_map(|a| match &a.value {
            Value::Array(_) | Value::Object(_) => a.value.find_unknown(),
            _ => None,
        })
    {
        // The JSON text of an array or object holding an unknown value is not known.
        if let Some(r) = super::symbolic::call(name, args, ctx) {
            return Some(r);
        }
        let mut out = crate::value::Unknown::new(u.cause, u.detail.clone(), u.span);
        out.secret = super::symbolic::taint(args);
        return Some(Ok(Value::Unknown(std::sync::Arc::new(out))));
    }
    array::call(name, args)
        .or_else(|| collection::call(name, args))
        .or_else(|| string::call(name, args))
        .or_else(|| encoding::call(name, args))
        .or_else(|| format::call(name, args))
        .or_else(|| hash::call(name, args))
        .or_else(|| object::call(name, args))
        .or_else(|| logical::call(name, args))
        .or_else(|| numeric::call(name, args))
        .or_else(|| date::call(name, args, ctx))
        .or_else(|| deployment::call(name, args, ctx))
        .or_else(|| resource::call(name, args, ctx))
        .or_else(|| cidr::call(name, args))
}

fn exists(name: &str) -> bool {
    array::NAMES.contains(&name)
        || collection::NAMES.contains(&name)
        || string::NAMES.contains(&name)
        || encoding::NAMES.contains(&name)
        || format::NAMES.contains(&name)
        || hash::NAMES.contains(&name)
        || object::NAMES.contains(&name)
        || logical::NAMES.contains(&name)
        || numeric::NAMES.contains(&name)
        || date::NAMES.contains(&name)
        || deployment::NAMES.contains(&name)
        || resource::NAMES.contains(&name)
        || cidr::NAMES.contains(&name)
}

/// The type name Resource Manager uses in messages.
pub(crate) fn arm_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Int(_) => "Integer",
        Value::Float(_) => "Float",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
        Value::Unknown(_) => "Unknown",
    }
}

pub(crate) fn invalid(msg: impl Into<String>) -> FnError {
    FnError::Invalid(msg.into())
}

/// `function requires N argument(s) while M were provided`.
pub(crate) fn count(name: &str, args: &[Node], n: usize) -> Result<(), FnError> {
    if args.len() == n {
        Ok(())
    } else {
        Err(invalid(format!(
            "Unable to evaluate template language function '{name}': function requires {n} argument(s) while {} were provided. Please see https://aka.ms/arm-functions for usage details",
            args.len()
        )))
    }
}

/// An argument count between `min` and `max` (inclusive; `usize::MAX` = no limit).
pub(crate) fn count_range(name: &str, args: &[Node], min: usize, max: usize) -> Result<(), FnError> {
    if args.len() >= min && args.len() <= max {
        return Ok(());
    }
    let need = if max == usize::MAX {
        format!("at least {min}")
    } else if min == max {
        format!("{min}")
    } else {
        format!("between {min} and {max}")
    };
    Err(invalid(format!(
        "Unable to evaluate template language function '{name}': function requires {need} argument(s) while {} were provided. Please see https://aka.ms/arm-functions for usage details",
        args.len()
    )))
}

/// A string argument, or the generic "expects its parameter to be a string" error.
pub(crate) fn string_arg<'a>(name: &str, args: &'a [Node], i: usize) -> Result<&'a str, FnError> {
    match args.get(i).map(|n| &n.value) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(invalid(format!(
            "The template language function '{name}' expects its parameter to be a string. The provided value is of type '{}'",
            arm_type(other)
        ))),
        None => Err(invalid(format!("The template language function '{name}' is missing parameter {}", i + 1))),
    }
}

/// An integer argument.
pub(crate) fn int_arg(name: &str, args: &[Node], i: usize) -> Result<i64, FnError> {
    match args.get(i).map(|n| &n.value) {
        Some(Value::Int(v)) => Ok(*v),
        Some(Value::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(*f as i64),
        Some(other) => Err(invalid(format!(
            "The template language function '{name}' expects its parameter {} to be an integer. The provided value is of type '{}'",
            i + 1,
            arm_type(other)
        ))),
        None => Err(invalid(format!("The template language function '{name}' is missing parameter {}", i + 1))),
    }
}

/// Deep equality that knows about unknown values: `None` when it cannot be decided.
pub(crate) fn eq3(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        // The same symbolic value is equal to itself; anything else is undecided.
        (Value::Unknown(x), Value::Unknown(y)) => match (x.canonical(), y.canonical()) {
            (Some(p), Some(q)) if p == q => Some(true),
            _ => None,
        },
        (Value::Unknown(_), _) | (_, Value::Unknown(_)) => None,
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut undecided = false;
            for (p, q) in x.iter().zip(y.iter()) {
                match eq3(&p.value, &q.value) {
                    Some(false) => return Some(false),
                    None => undecided = true,
                    Some(true) => {}
                }
            }
            if undecided { None } else { Some(true) }
        }
        (Value::Object(x), Value::Object(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut undecided = false;
            for m in x.iter() {
                match y.get(&m.key) {
                    None => return Some(false),
                    Some(v) => match eq3(&m.value.value, &v.value) {
                        Some(false) => return Some(false),
                        None => undecided = true,
                        Some(true) => {}
                    },
                }
            }
            if undecided { None } else { Some(true) }
        }
        _ => Some(a.deep_eq(b)),
    }
}

/// The `string()` rendering: strings as is, `True`/`False` as .NET prints booleans
/// (reference §13 q4), compact JSON for arrays and objects.
pub(crate) fn to_display(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => String::new(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format::float_to_string(*f),
        Value::Unknown(u) => format!("{{{}}}", u.detail),
        Value::Array(_) | Value::Object(_) => v.to_json().to_string(),
    }
}

/// The first unknown inside either operand, for comparisons that cannot be decided.
pub(crate) fn undecided(a: &Node, b: &Node) -> Value {
    a.value
        .find_unknown()
        .or_else(|| b.value.find_unknown())
        .map(|u| Value::Unknown(std::sync::Arc::new(u.clone())))
        .unwrap_or_else(|| {
            Value::unknown(
                crate::value::UnknownCause::Expression,
                "comparison with an unknown value",
                crate::value::Span::NONE,
            )
        })
}

/// The value as a node with no span (function results).
pub(crate) fn bare(v: Value) -> Node {
    Node::bare(v)
}
