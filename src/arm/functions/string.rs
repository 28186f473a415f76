//! String functions (reference §5.9) other than encodings, formatting and hashes.

use super::{FResult, arm_type, bare, count, count_range, int_arg, invalid, string_arg, to_display};
use std::sync::Arc;

use crate::value::{Node, Part, Unknown, Value};

/// Longest string a function may build (guards against exponential growth).
pub(crate) const MAX_STRING: usize = 32 * 1024 * 1024;

pub(crate) const NAMES: &[&str] = &[
    "endswith",
    "startswith",
    "join",
    "padleft",
    "replace",
    "split",
    "substring",
    "tolower",
    "toupper",
    "trim",
    "string",
];

pub(crate) fn call(name: &str, args: &[Node]) -> Option<FResult> {
    Some(match name {
        "endswith" | "startswith" => starts_ends(name, args),
        "join" => join(args),
        "padleft" => pad_left(args),
        "replace" => replace(args),
        "split" => split(args),
        "substring" => substring(args),
        "tolower" => {
            count(name, args, 1).and_then(|_| string_arg("toLower", args, 0)).map(|s| Value::str(s.to_lowercase()))
        }
        "toupper" => {
            count(name, args, 1).and_then(|_| string_arg("toUpper", args, 0)).map(|s| Value::str(s.to_uppercase()))
        }
        "trim" => count(name, args, 1).and_then(|_| string_arg("trim", args, 0)).map(|s| Value::str(s.trim())),
        "string" => count(name, args, 1).map(|_| Value::str(to_display(&args[0].value))),
        _ => return None,
    })
}

fn starts_ends(name: &str, args: &[Node]) -> FResult {
    count(name, args, 2)?;
    let (Value::String(s), Value::String(p)) = (&args[0].value, &args[1].value) else {
        return Err(invalid(format!(
            "The template language function '{name}' expects its parameters to be of type string and string. The provided value is of type '{}' and '{}'",
            arm_type(&args[0].value),
            arm_type(&args[1].value)
        )));
    };
    let (s, p) = (s.to_lowercase(), p.to_lowercase());
    Ok(Value::Bool(if name == "startswith" { s.starts_with(&p) } else { s.ends_with(&p) }))
}

fn join(args: &[Node]) -> FResult {
    count("join", args, 2)?;
    let delim = string_arg("join", args, 1)?;
    let Value::Array(a) = &args[0].value else {
        return Err(invalid(format!(
            "The template language function 'join' expects its first parameter to be an array. The provided value is of type '{}'",
            arm_type(&args[0].value)
        )));
    };
    // Unknown items stay holes between the known text: a partly known string.
    let mut parts = Vec::with_capacity(a.len() * 2);
    let mut any_unknown = false;
    for (i, x) in a.iter().enumerate() {
        if i > 0 && !delim.is_empty() {
            parts.push(Part::Text(delim.into()));
        }
        match &x.value {
            Value::Unknown(u) => {
                any_unknown = true;
                parts.push(Part::Hole(u.clone()));
            }
            Value::Array(_) | Value::Object(_) => {
                return Err(invalid(
                    "The template language function 'join' expects an array of strings, integers or booleans",
                ));
            }
            v => parts.push(Part::Text(to_display(v).into())),
        }
    }
    if any_unknown {
        return Ok(Unknown::text(parts).map_or_else(|| Value::str(""), |u| Value::Unknown(Arc::new(u))));
    }
    Ok(Value::str(parts.iter().map(|p| if let Part::Text(t) = p { &**t } else { "" }).collect::<String>()))
}

fn pad_left(args: &[Node]) -> FResult {
    count_range("padLeft", args, 2, 3)?;
    let s = match &args[0].value {
        Value::String(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        other => {
            return Err(invalid(format!(
                "The template language function 'padLeft' expects its first parameter to be a string or an integer. The provided value is of type '{}'",
                arm_type(other)
            )));
        }
    };
    let total = int_arg("padLeft", args, 1)?;
    if total > 16_384 {
        return Err(invalid("The template language function 'padLeft' total length can't exceed 16384"));
    }
    let pad = if args.len() == 3 {
        let p = string_arg("padLeft", args, 2)?;
        let mut chars = p.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => c,
            _ => {
                return Err(invalid("The template language function 'padLeft' expects a single padding character"));
            }
        }
    } else {
        ' '
    };
    let len = s.encode_utf16().count() as i64;
    if len >= total {
        return Ok(Value::str(s));
    }
    let mut out: String = std::iter::repeat_n(pad, (total - len) as usize).collect();
    out.push_str(&s);
    Ok(Value::str(out))
}

fn replace(args: &[Node]) -> FResult {
    count("replace", args, 3)?;
    let s = string_arg("replace", args, 0)?;
    let old = string_arg("replace", args, 1)?;
    let new = string_arg("replace", args, 2)?;
    if old.is_empty() {
        return Err(invalid("The template language function 'replace' expects a non-empty string to replace"));
    }
    let grows = new.len().saturating_sub(old.len());
    if grows > 0 && s.matches(old).count().saturating_mul(grows) > MAX_STRING {
        return Err(invalid(format!(
            "The template language function 'replace' would produce a string longer than {MAX_STRING} bytes"
        )));
    }
    Ok(Value::str(s.replace(old, new)))
}

fn split(args: &[Node]) -> FResult {
    count("split", args, 2)?;
    let s = string_arg("split", args, 0)?;
    let delims: Vec<String> = match &args[1].value {
        Value::String(d) => vec![d.to_string()],
        Value::Array(a) => {
            let mut v = Vec::new();
            for x in a.iter() {
                match &x.value {
                    Value::String(d) => v.push(d.to_string()),
                    other => {
                        return Err(invalid(format!(
                            "The template language function 'split' expects its delimiters to be strings. The provided value is of type '{}'",
                            arm_type(other)
                        )));
                    }
                }
            }
            v
        }
        other => {
            return Err(invalid(format!(
                "The template language function 'split' expects its second parameter to be a string or an array of strings. The provided value is of type '{}'",
                arm_type(other)
            )));
        }
    };
    let delims: Vec<&str> = delims.iter().map(String::as_str).filter(|d| !d.is_empty()).collect();
    let mut out = Vec::new();
    let rest = s;
    let mut seg_start = 0usize;
    let mut i = 0usize;
    // .NET String.Split(string[]): at each position the first matching delimiter wins.
    while i < rest.len() {
        if let Some(d) = delims.iter().find(|d| rest[i..].starts_with(**d)) {
            out.push(bare(Value::str(&rest[seg_start..i])));
            i += d.len();
            seg_start = i;
        } else {
            i += rest[i..].chars().next().map(char::len_utf8).unwrap_or(1);
        }
    }
    out.push(bare(Value::str(&rest[seg_start..])));
    Ok(Value::array(out))
}

fn substring(args: &[Node]) -> FResult {
    count_range("substring", args, 1, 3)?;
    let s = string_arg("substring", args, 0)?;
    let units: Vec<u16> = s.encode_utf16().collect();
    let start = if args.len() > 1 { int_arg("substring", args, 1)? } else { 0 };
    let len = if args.len() > 2 { int_arg("substring", args, 2)? } else { units.len() as i64 - start };
    if start < 0 || len < 0 || start.checked_add(len).is_none_or(|end| end > units.len() as i64) {
        return Err(invalid(format!(
            "The index and length parameters must refer to a location within the string. The index parameter: '{start}', the length parameter: '{len}', the length of the string parameter: '{}'",
            units.len()
        )));
    }
    Ok(Value::str(String::from_utf16_lossy(&units[start as usize..(start + len) as usize])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Node {
        bare(Value::str(x))
    }

    #[test]
    fn split_keeps_empty_entries() {
        let Some(Ok(Value::Array(a))) = call("split", &[s("/a//b"), s("/")]) else { panic!() };
        let parts: Vec<_> = a.iter().map(|n| n.as_str().unwrap_or("?").to_string()).collect();
        assert_eq!(parts, ["", "a", "", "b"]);
    }

    #[test]
    fn substring_out_of_range_is_an_error() {
        assert!(matches!(call("substring", &[s("abc"), bare(Value::Int(1)), bare(Value::Int(5))]), Some(Err(_))));
        assert!(
            matches!(call("substring", &[s("abc"), bare(Value::Int(1))]), Some(Ok(Value::String(x))) if &*x == "bc")
        );
    }
}
