//! Array functions (reference §5.1) and the collection functions shared with strings
//! and objects: `contains`, `empty`, `length`, `first`, `last`, `skip`, `take`,
//! `indexOf`, `union`, `intersection`, `tryGet`.

use super::{FResult, arm_type, bare, count, count_range, int_arg, invalid, to_display};
use std::sync::Arc;

use crate::value::{Node, Object, Part, Unknown, Value};

pub(crate) const NAMES: &[&str] = &[
    "array",
    "concat",
    "createarray",
    "indexfromend",
    "tryindexfromend",
    "intersection",
    "union",
    "max",
    "min",
    "range",
    "flatten",
];

pub(crate) fn call(name: &str, args: &[Node]) -> Option<FResult> {
    Some(match name {
        "array" => count(name, args, 1).map(|_| match &args[0].value {
            Value::Array(_) => args[0].value.clone(),
            _ => Value::array(vec![args[0].clone()]),
        }),
        "concat" => concat(args),
        "createarray" => Ok(Value::array(args.to_vec())),
        "indexfromend" | "tryindexfromend" => index_from_end(name, args),
        "intersection" => intersection(args),
        "union" => union(args),
        "max" | "min" => max_min(name, args),
        "range" => range(args),
        "flatten" => flatten(args),
        _ => return None,
    })
}

fn concat(args: &[Node]) -> FResult {
    if args.is_empty() {
        return Err(invalid(
            "Unable to evaluate template language function 'concat'. At least one parameter should be provided",
        ));
    }
    let any_array = args.iter().any(|a| matches!(a.value, Value::Array(_)));
    if any_array {
        let mut out = Vec::new();
        for a in args {
            match &a.value {
                Value::Array(items) => out.extend(items.iter().cloned()),
                Value::Null => {}
                Value::Unknown(_) => return Ok(a.value.clone()),
                _ => {
                    return Err(invalid(
                        "The provided parameters for language function 'concat' are invalid. Either all or none of the parameters must be an array",
                    ));
                }
            }
        }
        return Ok(Value::array(out));
    }
    let mut parts = Vec::with_capacity(args.len());
    let mut any_unknown = false;
    for a in args {
        match &a.value {
            Value::Unknown(u) => {
                any_unknown = true;
                parts.push(Part::Hole(u.clone()));
            }
            Value::Object(_) => {
                return Err(invalid(
                    "The provided parameters for language function 'concat' are invalid. Only strings, integers and arrays can be concatenated",
                ));
            }
            v => parts.push(Part::Text(to_display(v).into())),
        }
    }
    if any_unknown {
        // The known text stays with the unknown value: rules read it (a literal
        // `Password=` in a connection string whose server is a parameter).
        return Ok(Unknown::text(parts).map_or_else(|| Value::str(""), |u| Value::Unknown(Arc::new(u))));
    }
    Ok(Value::str(parts.iter().map(|p| if let Part::Text(t) = p { &**t } else { "" }).collect::<String>()))
}

fn index_from_end(name: &str, args: &[Node]) -> FResult {
    count(name, args, 2)?;
    let n = int_arg(name, args, 1)?;
    let Value::Array(a) = &args[0].value else {
        return Err(invalid(format!(
            "The template language function '{name}' expects its first parameter to be an array. The provided value is of type '{}'",
            arm_type(&args[0].value)
        )));
    };
    if n >= 1 && (n as usize) <= a.len() {
        return Ok(a[a.len() - n as usize].value.clone());
    }
    if name == "tryindexfromend" {
        Ok(Value::Null)
    } else {
        Err(invalid(format!(
            "The template language function 'indexFromEnd' index '{n}' is out of range for an array of {} element(s)",
            a.len()
        )))
    }
}

fn intersection(args: &[Node]) -> FResult {
    count_range("intersection", args, 2, usize::MAX)?;
    match &args[0].value {
        Value::Array(first) => {
            let mut out: Vec<Node> = Vec::new();
            for x in first.iter() {
                let everywhere = args[1..].iter().all(|o| match &o.value {
                    Value::Array(b) => b.iter().any(|y| x.value.deep_eq(&y.value)),
                    _ => false,
                });
                if everywhere && !out.iter().any(|y| y.value.deep_eq(&x.value)) {
                    out.push(x.clone());
                }
            }
            if args[1..].iter().any(|o| !matches!(o.value, Value::Array(_))) {
                return Err(mixed("intersection"));
            }
            Ok(Value::array(out))
        }
        Value::Object(first) => {
            let mut out = Object::new();
            for m in first.iter() {
                let everywhere = args[1..].iter().all(|o| match &o.value {
                    Value::Object(b) => b.get(&m.key).is_some_and(|v| v.value.deep_eq(&m.value.value)),
                    _ => false,
                });
                if everywhere {
                    out.insert(m.key.clone(), m.value.clone());
                }
            }
            if args[1..].iter().any(|o| !matches!(o.value, Value::Object(_))) {
                return Err(mixed("intersection"));
            }
            Ok(Value::object(out))
        }
        _ => Err(mixed("intersection")),
    }
}

fn mixed(name: &str) -> super::super::error::FnError {
    invalid(format!("The template language function '{name}' expects its parameters to be all arrays or all objects"))
}

/// Merges `b` into `a`: later keys win, nested objects merge, arrays are replaced.
fn merge_objects(a: &mut Object, b: &Object) {
    for m in b.iter() {
        let merged = match (a.get(&m.key).map(|n| &n.value), &m.value.value) {
            (Some(Value::Object(x)), Value::Object(y)) => {
                let mut x = (**x).clone();
                merge_objects(&mut x, y);
                Some(Node::new(Value::object(x), m.value.span))
            }
            _ => None,
        };
        a.insert(m.key.clone(), merged.unwrap_or_else(|| m.value.clone()));
    }
}

fn union(args: &[Node]) -> FResult {
    count_range("union", args, 1, usize::MAX)?;
    if let Some(u) = args.iter().find(|a| a.value.is_unknown()) {
        return Ok(u.value.clone());
    }
    let kind = args.iter().find(|a| !a.value.is_null()).map(|a| &a.value);
    match kind {
        Some(Value::Array(_)) => {
            let mut out: Vec<Node> = Vec::new();
            for a in args {
                match &a.value {
                    Value::Array(items) => {
                        for x in items.iter() {
                            if !out.iter().any(|y| y.value.deep_eq(&x.value)) {
                                out.push(x.clone());
                            }
                        }
                    }
                    Value::Null => {}
                    _ => return Err(mixed("union")),
                }
            }
            Ok(Value::array(out))
        }
        Some(Value::Object(_)) => {
            let mut out = Object::new();
            for a in args {
                match &a.value {
                    Value::Object(o) => merge_objects(&mut out, o),
                    Value::Null => {}
                    _ => return Err(mixed("union")),
                }
            }
            Ok(Value::object(out))
        }
        None => Ok(Value::Null),
        Some(_) => Err(mixed("union")),
    }
}

fn max_min(name: &str, args: &[Node]) -> FResult {
    count_range(name, args, 1, usize::MAX)?;
    let items: Vec<&Value> = match (&args[0].value, args.len()) {
        (Value::Array(a), 1) => a.iter().map(|n| &n.value).collect(),
        _ => args.iter().map(|n| &n.value).collect(),
    };
    if items.is_empty() {
        return Err(invalid(format!("The template language function '{name}' requires at least one value")));
    }
    let mut best: Option<i64> = None;
    for v in items {
        match v {
            Value::Int(i) => {
                best = Some(match best {
                    None => *i,
                    Some(b) if name == "max" => b.max(*i),
                    Some(b) => b.min(*i),
                })
            }
            Value::Unknown(_) => return Ok(v.clone()),
            other => {
                return Err(invalid(format!(
                    "The template language function '{name}' expects integers or an array of integers. The provided value is of type '{}'",
                    arm_type(other)
                )));
            }
        }
    }
    Ok(Value::Int(best.unwrap_or(0)))
}

fn range(args: &[Node]) -> FResult {
    count("range", args, 2)?;
    let start = int_arg("range", args, 0)?;
    let n = int_arg("range", args, 1)?;
    if !(0..=10_000).contains(&n) {
        return Err(invalid(format!(
            "The template language function 'range' expects its count parameter to be between 0 and 10000. The provided value is '{n}'"
        )));
    }
    if start.checked_add(n).is_none_or(|e| e > 2_147_483_647) || start < i32::MIN as i64 {
        return Err(invalid("The template language function 'range' requires start + count to be at most 2147483647"));
    }
    Ok(Value::array((start..start + n).map(|i| bare(Value::Int(i))).collect()))
}

fn flatten(args: &[Node]) -> FResult {
    count("flatten", args, 1)?;
    let Value::Array(a) = &args[0].value else {
        return Err(invalid(format!(
            "The template language function 'flatten' expects an array of arrays. The provided value is of type '{}'",
            arm_type(&args[0].value)
        )));
    };
    let mut out = Vec::new();
    for x in a.iter() {
        match &x.value {
            Value::Array(inner) => out.extend(inner.iter().cloned()),
            Value::Null => {}
            Value::Unknown(_) => return Ok(x.value.clone()),
            other => {
                return Err(invalid(format!(
                    "The template language function 'flatten' expects every element to be an array. Found a value of type '{}'",
                    arm_type(other)
                )));
            }
        }
    }
    Ok(Value::array(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Span, UnknownCause};

    fn v(j: serde_json::Value) -> Node {
        Node::bare(Value::from_json(&j))
    }

    #[test]
    fn concat_keeps_known_parts_of_strings() {
        let u = Node::bare(Value::unknown(UnknownCause::Reference, "reference('x').name", Span::NONE));
        let r = call("concat", &[v(serde_json::json!("pre-")), u, v(serde_json::json!("-post"))]);
        let Some(Ok(Value::Unknown(u))) = r else { panic!() };
        assert_eq!(u.detail, "pre-{reference('x').name}-post");
        assert_eq!(u.parts.as_ref().map(|p| p.len()), Some(3));
        let secret = v(serde_json::json!("Server=x;Password=hunter2;User="));
        let p = Node::bare(Value::unknown(UnknownCause::Parameter, "parameters('u')", Span::NONE));
        let Some(Ok(Value::Unknown(u))) = call("concat", &[secret, p]) else { panic!() };
        assert_eq!(u.detail, "Server=x;Password=***;User={parameters('u')}", "no secret in the detail");
    }
}
