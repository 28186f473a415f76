//! `format()`: .NET composite formatting under the invariant culture (reference §5.9),
//! with the numeric format strings templates use (`N0`, `D3`, `X`, `F2`, `000`).

use std::sync::Arc;

use super::{FResult, count_range, invalid, string_arg, to_display};
use crate::value::{Node, Part, Unknown, Value};

/// Widest alignment or precision accepted in a format item.
const MAX_FORMAT_WIDTH: usize = 100_000;

pub(crate) const NAMES: &[&str] = &["format"];

pub(crate) fn call(name: &str, args: &[Node]) -> Option<FResult> {
    Some(match name {
        "format" => format(args),
        _ => return None,
    })
}

/// Renders a float as .NET's default `ToString()` roughly does.
pub(crate) fn float_to_string(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", f as i64) } else { format!("{f}") }
}

fn format(args: &[Node]) -> FResult {
    count_range("format", args, 1, usize::MAX)?;
    if let Value::Unknown(_) = &args[0].value {
        return Ok(args[0].value.clone());
    }
    let fmt = string_arg("format", args, 0)?;
    // Unknown values placed as they are become holes of a partly known string.
    let mut parts: Vec<Part> = Vec::new();
    let values = &args[1..];
    let bad = || invalid("The template language function 'format' failed: input string was not in a correct format");
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut chars = fmt.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        match c {
            '{' => {
                if chars.peek().map(|x| x.1) == Some('{') {
                    chars.next();
                    out.push('{');
                    continue;
                }
                let mut spec = String::new();
                let mut closed = false;
                for (_, d) in chars.by_ref() {
                    if d == '}' {
                        closed = true;
                        break;
                    }
                    spec.push(d);
                }
                if !closed {
                    return Err(bad());
                }
                let (head, item_fmt) = match spec.split_once(':') {
                    Some((h, f)) => (h, Some(f)),
                    None => (spec.as_str(), None),
                };
                let (index, align) = match head.split_once(',') {
                    Some((i, a)) => (i.trim(), Some(a.trim().parse::<i64>().map_err(|_| bad())?)),
                    None => (head.trim(), None),
                };
                let index: usize = index.parse().map_err(|_| bad())?;
                let Some(v) = values.get(index) else {
                    return Err(invalid(
                        "The template language function 'format' failed: index (zero based) must be greater than or equal to zero and less than the size of the argument list",
                    ));
                };
                if let Value::Unknown(u) = &v.value {
                    if align.is_some() || item_fmt.is_some() {
                        return Ok(v.value.clone());
                    }
                    parts.push(Part::Text(std::mem::take(&mut out).into()));
                    parts.push(Part::Hole(u.clone()));
                    continue;
                }
                let text = format_value(&v.value, item_fmt).ok_or_else(bad)?;
                let width = align.unwrap_or(0);
                if width.unsigned_abs() > MAX_FORMAT_WIDTH as u64 {
                    return Err(bad());
                }
                let len = text.chars().count() as i64;
                if width > len {
                    out.extend(std::iter::repeat_n(' ', (width - len) as usize));
                    out.push_str(&text);
                } else if -width > len {
                    out.push_str(&text);
                    out.extend(std::iter::repeat_n(' ', (-width - len) as usize));
                } else {
                    out.push_str(&text);
                }
            }
            '}' => {
                if chars.peek().map(|x| x.1) == Some('}') {
                    chars.next();
                    out.push('}');
                } else {
                    return Err(bad());
                }
            }
            c => out.push(c),
        }
    }
    if parts.is_empty() {
        return Ok(Value::str(out));
    }
    parts.push(Part::Text(out.into()));
    Ok(Unknown::text(parts).map_or_else(|| Value::str(""), |u| Value::Unknown(Arc::new(u))))
}

fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn fixed(v: f64, decimals: usize, grouped: bool) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int_part, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (s.clone(), None),
    };
    let int_part = if grouped { group_thousands(&int_part) } else { int_part };
    let sign = if v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{int_part}.{f}"),
        None => format!("{sign}{int_part}"),
    }
}

/// Formats one argument; `None` when the format string is not understood.
fn format_value(v: &Value, fmt: Option<&str>) -> Option<String> {
    let fmt = match fmt {
        None | Some("") => return Some(to_display(v)),
        Some(f) => f,
    };
    let num = match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        // Strings and other values ignore the format string, as in .NET.
        other => return Some(to_display(other)),
    };
    let mut cs = fmt.chars();
    let letter = cs.next()?;
    let rest: String = cs.collect();
    let precision = if rest.is_empty() { None } else { rest.parse::<usize>().ok() };
    if precision.is_some_and(|p| p > MAX_FORMAT_WIDTH) {
        return None;
    }
    let standard = rest.is_empty() || precision.is_some();
    if standard && letter.is_ascii_alphabetic() {
        return Some(match letter.to_ascii_uppercase() {
            'N' => fixed(num, precision.unwrap_or(2), true),
            'F' => fixed(num, precision.unwrap_or(2), false),
            'D' => {
                let Value::Int(i) = v else { return None };
                let digits = format!("{:0width$}", i.unsigned_abs(), width = precision.unwrap_or(0));
                if *i < 0 { format!("-{digits}") } else { digits }
            }
            'X' => {
                let Value::Int(i) = v else { return None };
                let h = format!("{:0width$x}", i, width = precision.unwrap_or(0));
                if letter == 'X' { h.to_uppercase() } else { h }
            }
            'P' => format!("{} %", fixed(num * 100.0, precision.unwrap_or(2), true)),
            'G' => to_display(v),
            _ => return None,
        });
    }
    // Custom numeric format: zero placeholders pad, `#` is optional.
    if fmt.chars().all(|c| c == '0' || c == '#') {
        let zeros = fmt.chars().filter(|c| *c == '0').count();
        let Value::Int(i) = v else {
            return Some(to_display(v));
        };
        let digits = format!("{:0width$}", i.unsigned_abs(), width = zeros);
        return Some(if *i < 0 { format!("-{digits}") } else { digits });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(fmt: &str, args: Vec<Value>) -> String {
        let mut a = vec![Node::bare(Value::str(fmt))];
        a.extend(args.into_iter().map(Node::bare));
        match format(&a) {
            Ok(Value::String(s)) => s.to_string(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn composite_formats() {
        assert_eq!(f("{0:N0}", vec![Value::Int(8175133)]), "8,175,133");
        assert_eq!(f("{{{0}}}", vec![Value::str("x")]), "{x}");
        assert_eq!(f("{0:D3}-{1,4}|{2,-3}|", vec![Value::Int(7), Value::str("a"), Value::Int(1)]), "007-   a|1  |");
        assert_eq!(f("{0:000}", vec![Value::Int(5)]), "005");
        assert_eq!(f("{0}", vec![Value::Bool(true)]), "True");
        assert!(format(&[Node::bare(Value::str("{1}")), Node::bare(Value::Int(1))]).is_err());
    }
}
