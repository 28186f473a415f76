//! Logical and comparison functions (reference §5.2, §5.5). `if`, `and`, `or` and
//! `coalesce` are lazy and live in the evaluator.

use std::cmp::Ordering;

use super::{FResult, arm_type, count, eq3, invalid, string_arg};
use crate::value::{Node, Value};

pub(crate) const NAMES: &[&str] =
    &["not", "true", "false", "bool", "equals", "less", "lessorequals", "greater", "greaterorequals", "fail"];

pub(crate) fn call(name: &str, args: &[Node]) -> Option<FResult> {
    Some(match name {
        "not" => count("not", args, 1).and_then(|_| match args[0].value {
            Value::Bool(b) => Ok(Value::Bool(!b)),
            ref other => Err(invalid(format!(
                "The template language function 'not' expects its parameter to be of type 'Boolean'. The provided value is of type '{}'",
                arm_type(other)
            ))),
        }),
        "true" => count("true", args, 0).map(|_| Value::Bool(true)),
        "false" => count("false", args, 0).map(|_| Value::Bool(false)),
        "bool" => count("bool", args, 1).and_then(|_| to_bool(&args[0].value)),
        "equals" => count("equals", args, 2).map(|_| match eq3(&args[0].value, &args[1].value) {
            Some(b) => Value::Bool(b),
            None => super::undecided(&args[0], &args[1]),
        }),
        "less" | "lessorequals" | "greater" | "greaterorequals" => compare(name, args),
        "fail" => count("fail", args, 1)
            .and_then(|_| string_arg("fail", args, 0))
            .and_then(|m| Err(super::super::error::FnError::Fail(m.to_string()))),
        _ => return None,
    })
}

fn to_bool(v: &Value) -> FResult {
    match v {
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::Int(i) => Ok(Value::Bool(*i != 0)),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
        other => Err(invalid(format!(
            "The template language function 'bool' expects 'true', 'false', a boolean or an integer. The provided value is of type '{}'",
            arm_type(other)
        ))),
    }
}

/// Invariant-culture string order (reference §5.2): case-insensitive first, then
/// lower case before upper case at the first difference.
pub(crate) fn culture_cmp(a: &str, b: &str) -> Ordering {
    let fold = |s: &str| s.chars().flat_map(char::to_lowercase).collect::<Vec<char>>();
    match fold(a).cmp(&fold(b)) {
        Ordering::Equal => {}
        o => return o,
    }
    for (x, y) in a.chars().zip(b.chars()) {
        if x != y {
            return match (x.is_lowercase(), y.is_lowercase()) {
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                _ => x.cmp(&y),
            };
        }
    }
    a.len().cmp(&b.len())
}

fn compare(name: &str, args: &[Node]) -> FResult {
    count(name, args, 2)?;
    let ord = match (&args[0].value, &args[1].value) {
        (Value::Int(a), Value::Int(b)) => a.cmp(b),
        (Value::Float(_) | Value::Int(_), Value::Float(_) | Value::Int(_)) => {
            let f = |v: &Value| match v {
                Value::Int(i) => *i as f64,
                Value::Float(f) => *f,
                _ => 0.0,
            };
            f(&args[0].value).partial_cmp(&f(&args[1].value)).unwrap_or(Ordering::Equal)
        }
        (Value::String(a), Value::String(b)) => culture_cmp(a, b),
        (a, b) => {
            return Err(invalid(format!(
                "The template language function '{name}' expects two integers or two strings. The provided values are of type '{}' and '{}'",
                arm_type(a),
                arm_type(b)
            )));
        }
    };
    Ok(Value::Bool(match name {
        "less" => ord == Ordering::Less,
        "lessorequals" => ord != Ordering::Greater,
        "greater" => ord == Ordering::Greater,
        _ => ord != Ordering::Less,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_case_sorts_first() {
        assert_eq!(culture_cmp("A", "a"), Ordering::Greater);
        assert_eq!(culture_cmp("abc", "ABD"), Ordering::Less);
        assert_eq!(culture_cmp("b", "A"), Ordering::Greater);
    }
}
