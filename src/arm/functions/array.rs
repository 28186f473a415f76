//! Array functions (reference §5.1) and the collection functions shared with strings
//! and objects: `contains`, `empty`, `length`, `first`, `last`, `skip`, `take`,
//! `indexOf`, `union`, `intersection`, `tryGet`.

use super::{FResult, arm_type, bare, count, count_range, eq3, int_arg, invalid, to_display};
use crate::value::{Node, Object, Span, Value};

pub(crate) const NAMES: &[&str] = &[
    "array",
    "concat",
    "contains",
    "createarray",
    "empty",
    "first",
    "last",
    "indexof",
    "lastindexof",
    "indexfromend",
    "tryindexfromend",
    "intersection",
    "union",
    "length",
    "max",
    "min",
    "range",
    "skip",
    "take",
    "tryget",
    "flatten",
];

pub(crate) fn call(name: &str, args: &[Node]) -> Option<FResult> {
    Some(match name {
        "array" => count(name, args, 1).map(|_| match &args[0].value {
            Value::Array(_) => args[0].value.clone(),
            _ => Value::array(vec![args[0].clone()]),
        }),
        "concat" => concat(args),
        "contains" => contains(args),
        "createarray" => Ok(Value::array(args.to_vec())),
        "empty" => empty(args),
        "first" | "last" => first_last(name, args),
        "indexof" | "lastindexof" => index_of(name, args),
        "indexfromend" | "tryindexfromend" => index_from_end(name, args),
        "intersection" => intersection(args),
        "union" => union(args),
        "length" => length(args),
        "max" | "min" => max_min(name, args),
        "range" => range(args),
        "skip" | "take" => skip_take(name, args),
        "tryget" => try_get(args),
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
    let mut out = String::new();
    let mut first_unknown = None;
    for a in args {
        match &a.value {
            Value::Unknown(u) => {
                if first_unknown.is_none() {
                    first_unknown = Some(u.cause);
                }
                out.push('{');
                out.push_str(&u.detail);
                out.push('}');
            }
            Value::Object(_) => {
                return Err(invalid(
                    "The provided parameters for language function 'concat' are invalid. Only strings, integers and arrays can be concatenated",
                ));
            }
            v => out.push_str(&to_display(v)),
        }
    }
    Ok(match first_unknown {
        // Keep the known parts in the detail, `pre-{?}-post`, for linting.
        Some(cause) => Value::unknown(cause, out, Span::NONE),
        None => Value::str(out),
    })
}

fn contains(args: &[Node]) -> FResult {
    count("contains", args, 2)?;
    let item = &args[1].value;
    match &args[0].value {
        Value::Array(a) => {
            let mut undecided = None;
            for x in a.iter() {
                match eq3(&x.value, item) {
                    Some(true) => return Ok(Value::Bool(true)),
                    None => undecided = undecided.or(Some(())),
                    Some(false) => {}
                }
            }
            if undecided.is_some() {
                Ok(super::undecided(&args[1], &args[0]))
            } else {
                Ok(Value::Bool(false))
            }
        }
        Value::Object(o) => match item {
            Value::String(k) => Ok(Value::Bool(o.contains_key(k))),
            Value::Unknown(_) if o.is_empty() => Ok(Value::Bool(false)),
            Value::Unknown(_) => Ok(item.clone()),
            other => Ok(Value::Bool(o.contains_key(&to_display(other)))),
        },
        Value::String(s) => match item {
            Value::Unknown(_) => Ok(item.clone()),
            Value::String(sub) => Ok(Value::Bool(s.contains(&**sub))),
            Value::Int(_) | Value::Bool(_) => Ok(Value::Bool(s.contains(&to_display(item)))),
            other => Err(invalid(format!(
                "The template language function 'contains' expects its second parameter to be a string when the first is a string. The provided value is of type '{}'",
                arm_type(other)
            ))),
        },
        Value::Unknown(_) => Ok(args[0].value.clone()),
        other => Err(invalid(format!(
            "The template language function 'contains' expects its first parameter to be an array, an object or a string. The provided value is of type '{}'",
            arm_type(other)
        ))),
    }
}

fn empty(args: &[Node]) -> FResult {
    count("empty", args, 1)?;
    match &args[0].value {
        Value::Null => Ok(Value::Bool(true)),
        Value::String(s) => Ok(Value::Bool(s.is_empty())),
        Value::Array(a) => Ok(Value::Bool(a.is_empty())),
        Value::Object(o) => Ok(Value::Bool(o.is_empty())),
        Value::Unknown(_) => Ok(args[0].value.clone()),
        other => Err(invalid(format!(
            "The template language function 'empty' expects its parameter to be an object, an array, or a string. The provided value is of type '{}'",
            arm_type(other)
        ))),
    }
}

fn length(args: &[Node]) -> FResult {
    count("length", args, 1)?;
    match &args[0].value {
        Value::String(s) => Ok(Value::Int(s.encode_utf16().count() as i64)),
        Value::Array(a) => Ok(Value::Int(a.len() as i64)),
        Value::Object(o) => Ok(Value::Int(o.len() as i64)),
        Value::Unknown(_) => Ok(args[0].value.clone()),
        other => Err(invalid(format!(
            "The template language function 'length' expects its parameter to be an array, an object, or a string. The provided value is of type '{}'",
            arm_type(other)
        ))),
    }
}

fn first_last(name: &str, args: &[Node]) -> FResult {
    count(name, args, 1)?;
    let first = name == "first";
    match &args[0].value {
        Value::Array(a) => Ok(if first { a.first() } else { a.last() }
            .map(|n| n.value.clone())
            .unwrap_or(Value::Null)),
        Value::String(s) => {
            let c = if first {
                s.chars().next()
            } else {
                s.chars().next_back()
            };
            Ok(Value::str(c.map(|c| c.to_string()).unwrap_or_default()))
        }
        Value::Null => Ok(Value::Null),
        other => Err(invalid(format!(
            "The template language function '{name}' expects its parameter be an array or a string. The provided value is of type '{}'",
            arm_type(other)
        ))),
    }
}

/// Case-insensitive search for `needle` in `hay`, counting UTF-16 units.
pub(crate) fn find_ci(hay: &str, needle: &str, last: bool) -> i64 {
    let h: Vec<u16> = hay.to_lowercase().encode_utf16().collect();
    let n: Vec<u16> = needle.to_lowercase().encode_utf16().collect();
    if n.is_empty() {
        return if last { (h.len() as i64 - 1).max(0) } else { 0 };
    }
    if n.len() > h.len() {
        return -1;
    }
    let positions = 0..=(h.len() - n.len());
    let hit = |&i: &usize| h[i..i + n.len()] == n[..];
    let found = if last {
        positions.rev().find(hit)
    } else {
        positions.into_iter().find(hit)
    };
    found.map(|i| i as i64).unwrap_or(-1)
}

fn index_of(name: &str, args: &[Node]) -> FResult {
    count(name, args, 2)?;
    let last = name == "lastindexof";
    match (&args[0].value, &args[1].value) {
        (Value::String(s), Value::String(sub)) => Ok(Value::Int(find_ci(s, sub, last))),
        (Value::Array(a), item) => {
            let iter: Box<dyn Iterator<Item = (usize, &Node)>> = if last {
                Box::new(a.iter().enumerate().rev())
            } else {
                Box::new(a.iter().enumerate())
            };
            for (i, x) in iter {
                match eq3(&x.value, item) {
                    Some(true) => return Ok(Value::Int(i as i64)),
                    None => return Ok(super::undecided(&args[0], &args[1])),
                    Some(false) => {}
                }
            }
            Ok(Value::Int(-1))
        }
        _ => Err(invalid(format!(
            "The template language function '{name}' expects its parameters to be of type string and string, or array and any. The provided values are of type '{}' and '{}'",
            arm_type(&args[0].value),
            arm_type(&args[1].value)
        ))),
    }
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
            if args[1..]
                .iter()
                .any(|o| !matches!(o.value, Value::Array(_)))
            {
                return Err(mixed("intersection"));
            }
            Ok(Value::array(out))
        }
        Value::Object(first) => {
            let mut out = Object::new();
            for m in first.iter() {
                let everywhere = args[1..].iter().all(|o| match &o.value {
                    Value::Object(b) => b
                        .get(&m.key)
                        .is_some_and(|v| v.value.deep_eq(&m.value.value)),
                    _ => false,
                });
                if everywhere {
                    out.insert(m.key.clone(), m.value.clone());
                }
            }
            if args[1..]
                .iter()
                .any(|o| !matches!(o.value, Value::Object(_)))
            {
                return Err(mixed("intersection"));
            }
            Ok(Value::object(out))
        }
        _ => Err(mixed("intersection")),
    }
}

fn mixed(name: &str) -> super::super::error::FnError {
    invalid(format!(
        "The template language function '{name}' expects its parameters to be all arrays or all objects"
    ))
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
        return Err(invalid(format!(
            "The template language function '{name}' requires at least one value"
        )));
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
        return Err(invalid(
            "The template language function 'range' requires start + count to be at most 2147483647",
        ));
    }
    Ok(Value::array(
        (start..start + n).map(|i| bare(Value::Int(i))).collect(),
    ))
}

fn skip_take(name: &str, args: &[Node]) -> FResult {
    count(name, args, 2)?;
    let n = int_arg(name, args, 1)?.max(0) as usize;
    let skip = name == "skip";
    match &args[0].value {
        Value::Array(a) => {
            let k = n.min(a.len());
            Ok(Value::array(if skip {
                a[k..].to_vec()
            } else {
                a[..k].to_vec()
            }))
        }
        Value::String(s) => {
            let units: Vec<u16> = s.encode_utf16().collect();
            let k = n.min(units.len());
            let part = if skip { &units[k..] } else { &units[..k] };
            Ok(Value::str(String::from_utf16_lossy(part)))
        }
        Value::Null => Ok(Value::Null),
        other => Err(invalid(format!(
            "The template language function '{name}' expects its first parameter to be an array or a string. The provided value is of type '{}'",
            arm_type(other)
        ))),
    }
}

fn try_get(args: &[Node]) -> FResult {
    count_range("tryGet", args, 2, usize::MAX)?;
    let mut cur = args[0].value.clone();
    for key in &args[1..] {
        cur = match (&cur, &key.value) {
            (Value::Object(o), Value::String(k)) => {
                o.get(k).map(|n| n.value.clone()).unwrap_or(Value::Null)
            }
            (Value::Array(a), Value::Int(i)) => {
                if *i >= 0 {
                    a.get(*i as usize)
                        .map(|n| n.value.clone())
                        .unwrap_or(Value::Null)
                } else {
                    Value::Null
                }
            }
            (Value::Null, _) => Value::Null,
            (Value::Object(_) | Value::Array(_), other) => {
                return Err(invalid(format!(
                    "The template language function 'tryGet' can't use a key of type '{}'",
                    arm_type(other)
                )));
            }
            (other, _) => {
                return Err(invalid(format!(
                    "The template language function 'tryGet' expects an object or an array. The provided value is of type '{}'",
                    arm_type(other)
                )));
            }
        };
    }
    Ok(cur)
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
    use crate::value::UnknownCause;

    fn v(j: serde_json::Value) -> Node {
        Node::bare(Value::from_json(&j))
    }

    #[test]
    fn contains_and_length_see_through_unknown_elements() {
        let u = Node::bare(Value::unknown(
            UnknownCause::Reference,
            "reference('x')",
            Span::NONE,
        ));
        let arr = Node::bare(Value::array(vec![v(serde_json::json!("a")), u.clone()]));
        assert!(matches!(
            call("length", std::slice::from_ref(&arr)),
            Some(Ok(Value::Int(2)))
        ));
        assert!(matches!(
            call("contains", &[arr.clone(), v(serde_json::json!("a"))]),
            Some(Ok(Value::Bool(true)))
        ));
        assert!(matches!(
            call("contains", &[arr, v(serde_json::json!("b"))]),
            Some(Ok(Value::Unknown(_)))
        ));
    }

    #[test]
    fn concat_keeps_known_parts_of_strings() {
        let u = Node::bare(Value::unknown(
            UnknownCause::Reference,
            "reference('x').name",
            Span::NONE,
        ));
        let r = call(
            "concat",
            &[
                v(serde_json::json!("pre-")),
                u,
                v(serde_json::json!("-post")),
            ],
        );
        let Some(Ok(Value::Unknown(u))) = r else {
            panic!()
        };
        assert_eq!(u.detail, "pre-{reference('x').name}-post");
    }
}
