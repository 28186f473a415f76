//! Functions over any collection — arrays, strings and objects alike (reference
//! §5.1, §5.9): `contains`, `empty`, `length`, `first`, `last`, `indexOf`,
//! `lastIndexOf`, `skip`, `take`, `tryGet`.

use super::{FResult, arm_type, count, count_range, eq3, int_arg, invalid, to_display};
use crate::value::{Node, Value};

pub(crate) const NAMES: &[&str] =
    &["contains", "empty", "length", "first", "last", "indexof", "lastindexof", "skip", "take", "tryget"];

pub(crate) fn call(name: &str, args: &[Node]) -> Option<FResult> {
    Some(match name {
        "contains" => contains(args),
        "empty" => empty(args),
        "length" => length(args),
        "first" | "last" => first_last(name, args),
        "indexof" | "lastindexof" => index_of(name, args),
        "skip" | "take" => skip_take(name, args),
        "tryget" => try_get(args),
        _ => return None,
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
            if undecided.is_some() { Ok(super::undecided(&args[1], &args[0])) } else { Ok(Value::Bool(false)) }
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
        Value::Array(a) => Ok(if first { a.first() } else { a.last() }.map(|n| n.value.clone()).unwrap_or(Value::Null)),
        Value::String(s) => {
            let c = if first { s.chars().next() } else { s.chars().next_back() };
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
    let found = if last { positions.rev().find(hit) } else { positions.into_iter().find(hit) };
    found.map(|i| i as i64).unwrap_or(-1)
}

fn index_of(name: &str, args: &[Node]) -> FResult {
    count(name, args, 2)?;
    let last = name == "lastindexof";
    match (&args[0].value, &args[1].value) {
        (Value::String(s), Value::String(sub)) => Ok(Value::Int(find_ci(s, sub, last))),
        (Value::Array(a), item) => {
            let iter: Box<dyn Iterator<Item = (usize, &Node)>> =
                if last { Box::new(a.iter().enumerate().rev()) } else { Box::new(a.iter().enumerate()) };
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

fn skip_take(name: &str, args: &[Node]) -> FResult {
    count(name, args, 2)?;
    let n = int_arg(name, args, 1)?.max(0) as usize;
    let skip = name == "skip";
    match &args[0].value {
        Value::Array(a) => {
            let k = n.min(a.len());
            Ok(Value::array(if skip { a[k..].to_vec() } else { a[..k].to_vec() }))
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
            (Value::Object(o), Value::String(k)) => o.get(k).map(|n| n.value.clone()).unwrap_or(Value::Null),
            (Value::Array(a), Value::Int(i)) => {
                if *i >= 0 {
                    a.get(*i as usize).map(|n| n.value.clone()).unwrap_or(Value::Null)
                } else {
                    Value::Null
                }
            }
            // `{"value": n, "fromEnd": true}`: the n-th element from the end, as the Bicep
            // compiler writes `a[^n]` after a `.?` (not in the function reference; the
            // compiler's output is the source).
            (Value::Array(a), Value::Object(k))
                if k.get("fromEnd").is_some_and(|f| matches!(f.value, Value::Bool(true))) =>
            {
                match k.get("value").map(|n| &n.value) {
                    Some(Value::Int(n)) if *n >= 1 && (*n as usize) <= a.len() => {
                        a[a.len() - *n as usize].value.clone()
                    }
                    Some(Value::Int(_)) => Value::Null,
                    Some(Value::Unknown(_)) => {
                        return Ok(k.get("value").map(|n| n.value.clone()).unwrap_or(Value::Null));
                    }
                    _ => {
                        return Err(invalid(
                            "The template language function 'tryGet' expects a 'value' integer in a from-end key",
                        ));
                    }
                }
            }
            (Value::Null, _) => Value::Null,
            // Unknown in, unknown out: the path into an unknown value is unknown too.
            (Value::Unknown(_), _) | (_, Value::Unknown(_)) => return Ok(cur),
            // A null key (an optional value that is absent) finds nothing.
            (Value::Object(_) | Value::Array(_), Value::Null) => Value::Null,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Span, UnknownCause};

    fn v(j: serde_json::Value) -> Node {
        Node::bare(Value::from_json(&j))
    }

    #[test]
    fn try_get_reads_an_index_from_the_end() {
        let a = v(serde_json::json!([1, 2, 3]));
        let key = |n: i64| v(serde_json::json!({ "value": n, "fromEnd": true }));
        assert!(matches!(try_get(&[a.clone(), key(1)]).unwrap(), Value::Int(3)));
        assert!(matches!(try_get(&[a.clone(), key(3)]).unwrap(), Value::Int(1)));
        assert!(matches!(try_get(&[a, key(4)]).unwrap(), Value::Null));
    }

    #[test]
    fn contains_and_length_see_through_unknown_elements() {
        let u = Node::bare(Value::unknown(UnknownCause::Reference, "reference('x')", Span::NONE));
        let arr = Node::bare(Value::array(vec![v(serde_json::json!("a")), u.clone()]));
        assert!(matches!(call("length", std::slice::from_ref(&arr)), Some(Ok(Value::Int(2)))));
        assert!(matches!(call("contains", &[arr.clone(), v(serde_json::json!("a"))]), Some(Ok(Value::Bool(true)))));
        assert!(matches!(call("contains", &[arr, v(serde_json::json!("b"))]), Some(Ok(Value::Unknown(_)))));
    }
}
