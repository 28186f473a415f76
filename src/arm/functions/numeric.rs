//! Numeric functions (reference §5.6). Division truncates toward zero and the
//! remainder takes the dividend's sign, as in .NET; overflow is an error.

use super::{FResult, arm_type, count, int_arg, invalid};
use crate::value::{Node, Value};

pub(crate) const NAMES: &[&str] = &["add", "sub", "mul", "div", "mod", "int", "float"];

pub(crate) fn call(name: &str, args: &[Node]) -> Option<FResult> {
    Some(match name {
        "add" | "sub" | "mul" | "div" | "mod" => arith(name, args),
        "int" => count("int", args, 1).and_then(|_| match &args[0].value {
            Value::Int(i) => Ok(Value::Int(*i)),
            Value::Float(f) => Ok(Value::Int(f.trunc() as i64)),
            Value::String(s) => s.trim().parse::<i64>().map(Value::Int).map_err(|_| {
                invalid(format!(
                    "The template language function 'int' can't convert '{}' to an integer",
                    crate::redact::for_message(s)
                ))
            }),
            other => Err(invalid(format!(
                "The template language function 'int' expects an integer or a string. The provided value is of type '{}'",
                arm_type(other)
            ))),
        }),
        "float" => count("float", args, 1).and_then(|_| match &args[0].value {
            Value::Int(i) => Ok(Value::Float(*i as f64)),
            Value::Float(f) => Ok(Value::Float(*f)),
            Value::String(s) => s.trim().parse::<f64>().map(Value::Float).map_err(|_| {
                invalid(format!(
                    "The template language function 'float' can't convert '{}' to a number",
                    crate::redact::for_message(s)
                ))
            }),
            other => Err(invalid(format!(
                "The template language function 'float' expects a number or a string. The provided value is of type '{}'",
                arm_type(other)
            ))),
        }),
        _ => return None,
    })
}

fn arith(name: &str, args: &[Node]) -> FResult {
    count(name, args, 2)?;
    let a = int_arg(name, args, 0)?;
    let b = int_arg(name, args, 1)?;
    let r = match name {
        "add" => a.checked_add(b),
        "sub" => a.checked_sub(b),
        "mul" => a.checked_mul(b),
        "div" | "mod" if b == 0 => {
            return Err(invalid(format!(
                "The template language function '{name}' expects its second parameter to be a non-zero integer: attempted to divide by zero"
            )));
        }
        "div" => a.checked_div(b),
        _ => a.checked_rem(b),
    };
    r.map(Value::Int).ok_or_else(|| invalid(format!("The template language function '{name}' overflowed")))
}
