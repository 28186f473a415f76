//! Object functions (reference §5.7): `createObject`, `items`, `objectKeys`, `json`,
//! `null`, `shallowMerge`.

use super::{FResult, arm_type, bare, count, invalid, string_arg};
use crate::value::{Node, Object, Str, Value};

pub(crate) const NAMES: &[&str] = &["createobject", "items", "objectkeys", "json", "null", "shallowmerge"];

pub(crate) fn call(name: &str, args: &[Node]) -> Option<FResult> {
    Some(match name {
        "createobject" => create_object(args),
        "items" => items(args),
        "objectkeys" => count("objectKeys", args, 1)
            .and_then(|_| object_arg("objectKeys", &args[0]))
            .map(|o| Value::array(o.keys().map(|k| bare(Value::str(k))).collect())),
        "json" => count("json", args, 1)
            .and_then(|_| string_arg("json", args, 0))
            .and_then(|s| super::encoding::parse_json(s, "json")),
        "null" => count("null", args, 0).map(|_| Value::Null),
        "shallowmerge" => shallow_merge(args),
        _ => return None,
    })
}

fn object_arg<'a>(name: &str, n: &'a Node) -> Result<&'a Object, super::super::error::FnError> {
    match &n.value {
        Value::Object(o) => Ok(o),
        other => Err(invalid(format!(
            "The template language function '{name}' expects its parameter to be an object. The provided value is of type '{}'",
            arm_type(other)
        ))),
    }
}

fn create_object(args: &[Node]) -> FResult {
    if !args.len().is_multiple_of(2) {
        return Err(invalid(
            "The template language function 'createObject' must have an even number of parameters (property name, value pairs)",
        ));
    }
    let mut o = Object::with_capacity(args.len() / 2);
    for pair in args.chunks(2) {
        match &pair[0].value {
            Value::String(k) => o.insert(k.clone(), pair[1].clone()),
            Value::Unknown(_) => return Ok(pair[0].value.clone()),
            other => {
                return Err(invalid(format!(
                    "The template language function 'createObject' expects its property names to be strings. The provided value is of type '{}'",
                    arm_type(other)
                )));
            }
        }
    }
    Ok(Value::object(o))
}

fn items(args: &[Node]) -> FResult {
    count("items", args, 1)?;
    let o = object_arg("items", &args[0])?;
    let mut members: Vec<_> = o.iter().collect();
    // Documented output is sorted by key, ordinal (reference §5.7).
    members.sort_by(|a, b| a.key.cmp(&b.key));
    let key: Str = Str::from("key");
    let value: Str = Str::from("value");
    Ok(Value::array(
        members
            .into_iter()
            .map(|m| {
                let mut e = Object::with_capacity(2);
                e.push(key.clone(), Node::new(Value::String(m.key.clone()), m.value.span));
                e.push(value.clone(), m.value.clone());
                bare(Value::object(e))
            })
            .collect(),
    ))
}

fn shallow_merge(args: &[Node]) -> FResult {
    count("shallowMerge", args, 1)?;
    let Value::Array(a) = &args[0].value else {
        return Err(invalid(format!(
            "The template language function 'shallowMerge' expects an array of objects. The provided value is of type '{}'",
            arm_type(&args[0].value)
        )));
    };
    let mut out = Object::new();
    for x in a.iter() {
        match &x.value {
            Value::Object(o) => {
                for m in o.iter() {
                    out.insert(m.key.clone(), m.value.clone());
                }
            }
            Value::Null => {}
            Value::Unknown(_) => return Ok(x.value.clone()),
            other => {
                return Err(invalid(format!(
                    "The template language function 'shallowMerge' expects an array of objects. Found an element of type '{}'",
                    arm_type(other)
                )));
            }
        }
    }
    Ok(Value::object(out))
}
