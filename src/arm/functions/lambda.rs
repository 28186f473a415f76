//! Lambda functions (reference §5.10): `filter`, `map`, `reduce`, `sort`, `toObject`,
//! `groupBy`, `mapValues`. A lambda is `lambda('a', ['b', …] body)`; its body is
//! evaluated with the variables bound (inner names shadow outer ones).

use super::arm_type;
use crate::arm::error::ArmError;
use crate::arm::eval::Evaluator;
use crate::arm::parser::{Expr, ExprNode};
use crate::value::{Node, Object, Str, Value};

struct Lambda<'e> {
    vars: Vec<Str>,
    body: &'e ExprNode,
}

fn err(name: &str, e: &ExprNode, message: String) -> ArmError {
    ArmError::Function { function: name.to_string(), message, start: e.start, end: e.end }
}

fn lambda_arg<'e>(name: &str, arg: &'e ExprNode, min: usize, max: usize) -> Result<Lambda<'e>, ArmError> {
    let Expr::Call { name: fname, args } = &arg.expr else {
        return Err(err(
            name,
            arg,
            format!("The template language function '{name}' expects a lambda expression argument"),
        ));
    };
    if &**fname != "lambda" || args.is_empty() {
        return Err(err(
            name,
            arg,
            format!("The template language function '{name}' expects a lambda expression argument"),
        ));
    }
    let (body, params) = args.split_last().ok_or_else(|| err(name, arg, "empty lambda".into()))?;
    let mut vars = Vec::with_capacity(params.len());
    for p in params {
        match &p.expr {
            Expr::Str(s) => vars.push(s.clone()),
            _ => {
                return Err(err(name, p, "The lambda variable names must be string literals".into()));
            }
        }
    }
    if vars.len() < min || vars.len() > max {
        return Err(err(
            name,
            arg,
            format!(
                "The lambda passed to '{name}' must declare between {min} and {max} variable(s); it declares {}",
                vars.len()
            ),
        ));
    }
    Ok(Lambda { vars, body })
}

impl Lambda<'_> {
    fn apply(&self, ev: &mut Evaluator<'_>, values: &[Node]) -> Result<Node, ArmError> {
        let bindings: Vec<(Str, Node)> = self.vars.iter().cloned().zip(values.iter().cloned()).collect();
        ev.with_lambda(bindings, |ev| ev.eval(self.body))
    }
}

fn count(name: &str, args: &[ExprNode], e: &ExprNode, min: usize, max: usize) -> Result<(), ArmError> {
    if args.len() < min || args.len() > max {
        let need = if min == max { format!("{min}") } else { format!("between {min} and {max}") };
        return Err(err(
            name,
            e,
            format!(
                "Unable to evaluate template language function '{name}': function requires {need} argument(s) while {} were provided",
                args.len()
            ),
        ));
    }
    Ok(())
}

fn array_of<'a>(name: &str, v: &'a Node, e: &ExprNode) -> Result<Option<&'a [Node]>, ArmError> {
    match &v.value {
        Value::Array(a) => Ok(Some(a)),
        Value::Unknown(_) => Ok(None),
        other => Err(err(
            name,
            e,
            format!(
                "The template language function '{name}' expects its first parameter to be an array. The provided value is of type '{}'",
                arm_type(other)
            ),
        )),
    }
}

fn idx(i: usize) -> Node {
    Node::bare(Value::Int(i as i64))
}

/// Runs one lambda function; `name` is lower case.
pub(crate) fn call(ev: &mut Evaluator<'_>, name: &str, args: &[ExprNode], e: &ExprNode) -> Result<Node, ArmError> {
    let display = match name {
        "toobject" => "toObject",
        "groupby" => "groupBy",
        "mapvalues" => "mapValues",
        other => other,
    };
    match name {
        "filter" | "map" => {
            count(display, args, e, 2, 2)?;
            let input = ev.eval(&args[0])?;
            let l = lambda_arg(display, &args[1], 1, 2)?;
            let Some(items) = array_of(display, &input, e)? else {
                return Ok(input);
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, x) in items.iter().enumerate() {
                let r = l.apply(ev, &[x.clone(), idx(i)])?;
                if name == "map" {
                    out.push(r);
                    continue;
                }
                match r.value {
                    Value::Bool(true) => out.push(x.clone()),
                    Value::Bool(false) => {}
                    Value::Unknown(_) => return Ok(Node::bare(r.value)),
                    other => {
                        return Err(err(
                            display,
                            e,
                            format!("The filter lambda must return a boolean, not '{}'", arm_type(&other)),
                        ));
                    }
                }
            }
            Ok(Node::bare(Value::array(out)))
        }
        "reduce" => {
            count(display, args, e, 3, 3)?;
            let input = ev.eval(&args[0])?;
            let mut acc = ev.eval(&args[1])?;
            let l = lambda_arg(display, &args[2], 2, 3)?;
            let Some(items) = array_of(display, &input, e)? else {
                return Ok(input);
            };
            for (i, x) in items.iter().enumerate() {
                acc = l.apply(ev, &[acc, x.clone(), idx(i)])?;
            }
            Ok(acc)
        }
        "sort" => {
            count(display, args, e, 2, 2)?;
            let input = ev.eval(&args[0])?;
            let l = lambda_arg(display, &args[1], 2, 2)?;
            let Some(items) = array_of(display, &input, e)? else {
                return Ok(input);
            };
            // "a before b" when the lambda says so; stable merge sort, O(n log n) calls.
            let mut before = |ev: &mut Evaluator<'_>, a: &Node, b: &Node| -> Result<Option<bool>, ArmError> {
                let r = l.apply(ev, &[a.clone(), b.clone()])?;
                match r.value {
                    Value::Bool(x) => Ok(Some(x)),
                    Value::Unknown(_) => Ok(None),
                    other => Err(err(
                        display,
                        e,
                        format!("The sort lambda must return a boolean, not '{}'", arm_type(&other)),
                    )),
                }
            };
            let Some(v) = merge_sort(ev, items, &mut before)? else {
                return Ok(Node::bare(Value::unknown(
                    crate::value::UnknownCause::Expression,
                    "sort() with a comparison that is unknown offline",
                    crate::value::Span::NONE,
                )));
            };
            Ok(Node::bare(Value::array(v)))
        }
        "toobject" | "groupby" => {
            count(display, args, e, 2, 3)?;
            let input = ev.eval(&args[0])?;
            let key_l = lambda_arg(display, &args[1], 1, 1)?;
            let val_l = match args.get(2) {
                Some(a) => Some(lambda_arg(display, a, 1, 1)?),
                None => None,
            };
            let Some(items) = array_of(display, &input, e)? else {
                return Ok(input);
            };
            let mut o = Object::new();
            for x in items {
                let k = key_l.apply(ev, std::slice::from_ref(x))?;
                let key = match &k.value {
                    Value::String(s) => s.clone(),
                    Value::Unknown(_) => return Ok(Node::bare(k.value)),
                    other => {
                        return Err(err(
                            display,
                            e,
                            format!("The key lambda of '{display}' must return a string, not '{}'", arm_type(other)),
                        ));
                    }
                };
                let v = match &val_l {
                    Some(l) => l.apply(ev, std::slice::from_ref(x))?,
                    None => x.clone(),
                };
                if name == "toobject" {
                    o.insert(key, v);
                } else {
                    let mut list = match o.get(&key) {
                        Some(Node { value: Value::Array(a), .. }) => (**a).clone(),
                        _ => Vec::new(),
                    };
                    list.push(v);
                    o.insert(key, Node::bare(Value::array(list)));
                }
            }
            Ok(Node::bare(Value::object(o)))
        }
        "mapvalues" => {
            count(display, args, e, 2, 2)?;
            let input = ev.eval(&args[0])?;
            let l = lambda_arg(display, &args[1], 1, 1)?;
            let o = match &input.value {
                Value::Object(o) => o.clone(),
                Value::Unknown(_) => return Ok(input),
                other => {
                    return Err(err(
                        display,
                        e,
                        format!(
                            "The template language function 'mapValues' expects an object, not '{}'",
                            arm_type(other)
                        ),
                    ));
                }
            };
            let mut out = Object::with_capacity(o.len());
            for m in o.iter() {
                out.push(m.key.clone(), l.apply(ev, std::slice::from_ref(&m.value))?);
            }
            Ok(Node::bare(Value::object(out)))
        }
        _ => Err(ArmError::UnknownFunction { function: name.to_string(), start: e.start, end: e.end }),
    }
}

type Before<'f> = dyn FnMut(&mut Evaluator<'_>, &Node, &Node) -> Result<Option<bool>, ArmError> + 'f;

/// Stable merge sort with a fallible, possibly undecidable comparator; `None` when
/// some comparison is unknown.
fn merge_sort(ev: &mut Evaluator<'_>, items: &[Node], before: &mut Before<'_>) -> Result<Option<Vec<Node>>, ArmError> {
    if items.len() <= 1 {
        return Ok(Some(items.to_vec()));
    }
    let (l, r) = items.split_at(items.len() / 2);
    let (Some(l), Some(r)) = (merge_sort(ev, l, before)?, merge_sort(ev, r, before)?) else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(items.len());
    let (mut i, mut j) = (0, 0);
    while i < l.len() && j < r.len() {
        match before(ev, &r[j], &l[i])? {
            Some(true) => {
                out.push(r[j].clone());
                j += 1;
            }
            Some(false) => {
                out.push(l[i].clone());
                i += 1;
            }
            None => return Ok(None),
        }
    }
    out.extend_from_slice(&l[i..]);
    out.extend_from_slice(&r[j..]);
    Ok(Some(out))
}
