//! Functions of values that cannot be known offline, when the answer can still be
//! told apart: a template checked in without the values a pipeline supplies names
//! its resources `[parameters('siteName')]` and refers to them with
//! `resourceId(…, parameters('siteName'))`, and the two must still meet.
//!
//! - Functions that only rearrange text (`toLower`, `toUpper`, the `resourceId`
//!   family, `string` of a partly known string) keep the known text and the unknown
//!   parts apart: each unknown part goes through the function as an opaque token and
//!   comes back as a part of a partly known string ([`crate::value::Part`]).
//! - Any other function of symbolic values (`uniqueString(parameters('x'))`,
//!   `last(split(parameters('id'), '/'))`) gives a symbolic value named after the call:
//!   the same call of the same symbols is the same value.
//! - Whatever the function, a secret taint on an argument is carried to the result.

use std::sync::Arc;

use super::context::DeploymentContext;
use super::functions::{self, FResult};
use crate::value::{Node, Part, Str, Unknown, Value};

/// Opens an unknown part's token while it goes through a text function.
const TOKEN_OPEN: char = '\u{E002}';
/// Closes it.
const TOKEN_CLOSE: char = '\u{E003}';

/// Functions that only move text around, through which unknown parts pass as tokens.
const REARRANGING: &[&str] = &[
    "tolower",
    "toupper",
    "resourceid",
    "subscriptionresourceid",
    "tenantresourceid",
    "managementgroupresourceid",
    "extensionresourceid",
];

/// Evaluates `name` over arguments of which at least one is unknown; `None` when
/// nothing can be said beyond "unknown" (the caller then returns the first unknown
/// argument, with the taint of all of them).
pub(crate) fn call(name: &str, args: &[Node], ctx: &DeploymentContext) -> Option<FResult> {
    // `replace(known, old, unknown)` where `old` does not occur: the text itself.
    if name == "replace"
        && let [Node { value: Value::String(s), .. }, Node { value: Value::String(old), .. }, _] = args
        && !old.is_empty()
        && !s.contains(&**old)
    {
        return Some(Ok(Value::String(s.clone())));
    }
    if REARRANGING.contains(&name)
        && let Some(r) = through_text(name, args, ctx)
    {
        return Some(r);
    }
    of_symbols(name, args)
}

/// The secret taint of the first tainted argument (looking inside arrays and objects).
pub(crate) fn taint(args: &[Node]) -> Option<Str> {
    fn find(v: &Value) -> Option<Str> {
        match v {
            Value::Unknown(u) => u.secret.clone(),
            Value::Array(a) => a.iter().find_map(|n| find(&n.value)),
            Value::Object(o) => o.iter().find_map(|m| find(&m.value.value)),
            _ => None,
        }
    }
    args.iter().find_map(|a| find(&a.value))
}

fn token(i: usize) -> String {
    format!("{TOKEN_OPEN}{i}{TOKEN_CLOSE}")
}

/// Unknown parts become tokens in text; `None` when a known string already holds a
/// token character (then nothing can be told apart).
fn encode(args: &[Node], holes: &mut Vec<Arc<Unknown>>) -> Option<Vec<Node>> {
    let mut out = Vec::with_capacity(args.len());
    for a in args {
        let v = match &a.value {
            Value::Unknown(u) => {
                let mut text = String::new();
                match &u.parts {
                    Some(parts) => {
                        for p in parts.iter() {
                            match p {
                                Part::Text(t) => text.push_str(t),
                                Part::Hole(h) => {
                                    holes.push(h.clone());
                                    text.push_str(&token(holes.len() - 1));
                                }
                            }
                        }
                    }
                    None => {
                        holes.push(u.clone());
                        text.push_str(&token(holes.len() - 1));
                    }
                }
                Value::str(text)
            }
            Value::String(s) if s.contains([TOKEN_OPEN, TOKEN_CLOSE]) => return None,
            other => other.clone(),
        };
        out.push(Node::new(v, a.span));
    }
    Some(out)
}

/// A result with tokens back as a partly known string (or a plain string).
fn decode(v: Value, holes: &[Arc<Unknown>]) -> Option<Value> {
    let Value::String(s) = &v else { return Some(v) };
    if !s.contains(TOKEN_OPEN) {
        return Some(v);
    }
    let mut parts = Vec::new();
    let mut rest = &**s;
    while let Some(open) = rest.find(TOKEN_OPEN) {
        parts.push(Part::Text(rest[..open].into()));
        let after = &rest[open + TOKEN_OPEN.len_utf8()..];
        let close = after.find(TOKEN_CLOSE)?;
        let i: usize = after[..close].parse().ok()?;
        parts.push(Part::Hole(holes.get(i)?.clone()));
        rest = &after[close + TOKEN_CLOSE.len_utf8()..];
    }
    parts.push(Part::Text(rest.into()));
    Some(Unknown::text(parts).map_or_else(|| Value::str(""), |u| Value::Unknown(Arc::new(u))))
}

fn through_text(name: &str, args: &[Node], ctx: &DeploymentContext) -> Option<FResult> {
    let mut holes = Vec::new();
    let encoded = encode(args, &mut holes)?;
    if name == "tolower" || name == "toupper" {
        // The case of an unknown part changes too: equal to the original where case
        // is ignored (ids and names), not where it counts.
        let shown = if name == "tolower" { "toLower" } else { "toUpper" };
        for h in &mut holes {
            let mut folded = (**h).clone();
            folded.detail = format!("{shown}({})", h.detail);
            folded.symbol = h.symbol.as_ref().map(|s| Str::from(format!("~{}", s.trim_start_matches('~'))));
            *h = Arc::new(folded);
        }
    }
    let result = functions::call(name, &encoded, ctx)?;
    Some(match result {
        Ok(v) => decode(v, &holes).map(Ok)?,
        // An error caused by a token (a name with the wrong number of segments) is not
        // Resource Manager's error: the value is just unknown.
        Err(_) => return None,
    })
}

/// Runs `f` over the text of `values`, unknown parts passing through as tokens, and
/// gives its result back with them (a partly known string, or a plain one): how the
/// expander builds a resource's full name and id from names that may be symbolic.
pub(crate) fn with_tokens(values: &[&Node], f: impl FnOnce(&[&str]) -> Option<String>) -> Option<Value> {
    let mut holes = Vec::new();
    let owned: Vec<Node> = values.iter().map(|n| (*n).clone()).collect();
    let encoded = encode(&owned, &mut holes)?;
    let texts: Vec<&str> = encoded.iter().map(|n| n.as_str()).collect::<Option<_>>()?;
    decode(Value::str(f(&texts)?), &holes)
}

/// A deterministic function of symbolic arguments: a symbolic value named by the call.
fn of_symbols(name: &str, args: &[Node]) -> Option<FResult> {
    let mut symbol = format!("{name}(");
    let mut detail = format!("{}(", display_name(name));
    let mut first = None;
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            symbol.push(',');
            detail.push_str(", ");
        }
        match &a.value {
            Value::Unknown(u) => {
                symbol.push_str(&u.canonical()?);
                detail.push_str(&u.detail);
                first.get_or_insert_with(|| u.clone());
            }
            known => {
                symbol.push_str(&canonical_value(known)?);
                detail.push_str(&shown(known));
                if let Some(inner) = first_unknown(known) {
                    first.get_or_insert(inner);
                }
            }
        }
    }
    symbol.push(')');
    detail.push(')');
    let first = first?;
    let mut u = Unknown::new(first.cause, detail, first.span).with_symbol(symbol);
    u.secret = taint(args);
    Some(Ok(Value::Unknown(Arc::new(u))))
}

/// The canonical form of any value: JSON with each unknown as its canonical form;
/// `None` when an unknown inside has none.
pub(crate) fn canonical_value(v: &Value) -> Option<String> {
    Some(match v {
        Value::Unknown(u) => u.canonical()?,
        Value::Array(a) => {
            let items: Option<Vec<String>> = a.iter().map(|n| canonical_value(&n.value)).collect();
            format!("[{}]", items?.join(","))
        }
        Value::Object(o) => {
            let mut members: Vec<String> = Vec::with_capacity(o.len());
            for m in o.iter() {
                members.push(format!(
                    "{}:{}",
                    serde_json::Value::from(m.key.to_ascii_lowercase()),
                    canonical_value(&m.value.value)?
                ));
            }
            members.sort();
            format!("{{{}}}", members.join(","))
        }
        known => known.to_json().to_string(),
    })
}

/// The first unknown inside an array or object.
fn first_unknown(v: &Value) -> Option<Arc<Unknown>> {
    match v {
        Value::Unknown(u) => Some(u.clone()),
        Value::Array(a) => a.iter().find_map(|n| first_unknown(&n.value)),
        Value::Object(o) => o.iter().find_map(|m| first_unknown(&m.value.value)),
        _ => None,
    }
}

/// How a value is shown inside an unknown's detail: text quoted and masked, unknowns
/// by their detail.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{}'", crate::redact::for_message(s)),
        Value::Unknown(u) => u.detail.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(|n| shown(&n.value)).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter().map(|m| format!("{}: {}", m.key, shown(&m.value.value))).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_json().to_string(),
    }
}

/// `if(cond, a, b)` whose condition is not known offline: what both branches agree on
/// stays known (members of two objects with the same keys, items of two arrays of one
/// length), the rest is a symbolic value named by the choice, so that the same choice
/// made twice (a name and the id built from it) is the same value. A secret in either
/// branch taints the result.
pub(crate) fn choice(cond: &Unknown, a: &Node, b: &Node) -> Node {
    fn go(cond: &Unknown, cond_key: Option<&str>, a: &Node, b: &Node, depth: usize) -> Node {
        let (ka, kb) = (canonical_value(&a.value), canonical_value(&b.value));
        if ka.is_some() && ka == kb {
            return a.clone();
        }
        if depth < 32 {
            match (&a.value, &b.value) {
                (Value::Object(x), Value::Object(y)) if x.len() == y.len() && x.keys().all(|k| y.get(k).is_some()) => {
                    let mut o = crate::value::Object::with_capacity(x.len());
                    for m in x.iter() {
                        let other = y.get(&m.key).expect("same keys");
                        o.insert(m.key.clone(), go(cond, cond_key, &m.value, other, depth + 1));
                    }
                    return Node::new(Value::object(o), a.span);
                }
                (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                    let items = x.iter().zip(y.iter()).map(|(p, q)| go(cond, cond_key, p, q, depth + 1)).collect();
                    return Node::new(Value::array(items), a.span);
                }
                _ => {}
            }
        }
        let mut u = Unknown::new(
            cond.cause,
            format!("if({}, {}, {})", cond.detail, shown(&a.value), shown(&b.value)),
            cond.span,
        );
        if let (Some(c), Some(x), Some(y)) = (cond_key, ka, kb) {
            u.symbol = Some(Str::from(format!("if({c},{x},{y})")));
        }
        u.secret = taint(std::slice::from_ref(a)).or_else(|| taint(std::slice::from_ref(b)));
        Node::new(Value::Unknown(Arc::new(u)), a.span)
    }
    let cond_key = cond.canonical();
    go(cond, cond_key.as_deref(), a, b, 0)
}

/// How messages spell a function (`uniqueString`, not `uniquestring`).
fn display_name(name: &str) -> &str {
    const NAMES: &[&str] = &[
        "uniqueString",
        "guid",
        "toLower",
        "toUpper",
        "split",
        "first",
        "last",
        "take",
        "skip",
        "substring",
        "replace",
        "trim",
        "string",
        "resourceId",
        "subscriptionResourceId",
        "tenantResourceId",
        "managementGroupResourceId",
        "extensionResourceId",
        "base64",
        "uri",
        "join",
    ];
    NAMES.iter().find(|n| n.eq_ignore_ascii_case(name)).copied().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Span, UnknownCause};

    fn param(name: &str) -> Node {
        let u = Unknown::new(UnknownCause::Parameter, format!("parameters('{name}')"), Span::NONE)
            .with_symbol(format!("p:f0:{name}"));
        Node::bare(Value::Unknown(Arc::new(u)))
    }

    fn s(v: &str) -> Node {
        Node::bare(Value::str(v))
    }

    fn canonical(r: Option<FResult>) -> String {
        match r {
            Some(Ok(Value::Unknown(u))) => u.canonical().unwrap_or_default(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ids_of_symbolic_names_meet() {
        let ctx = DeploymentContext::default();
        let a = canonical(call("resourceid", &[s("Microsoft.Web/sites"), param("site")], &ctx));
        let b = canonical(call("resourceid", &[s("Microsoft.Web/sites"), param("site")], &ctx));
        assert_eq!(a, b);
        assert!(a.starts_with(
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Web/sites/"
        ));
        let other = canonical(call("resourceid", &[s("Microsoft.Web/sites"), param("other")], &ctx));
        assert_ne!(a, other);
        let lower = canonical(call("tolower", &[param("site")], &ctx));
        assert_ne!(lower, canonical(Some(Ok(param("site").value))), "case counts for equals");
    }

    #[test]
    fn other_functions_of_symbols_are_symbols_named_by_the_call() {
        let ctx = DeploymentContext::default();
        let u1 = canonical(call("uniquestring", &[param("rg")], &ctx));
        let u2 = canonical(call("uniquestring", &[param("rg")], &ctx));
        assert_eq!(u1, u2);
        assert_ne!(u1, canonical(Some(Ok(param("rg").value))), "uniqueString(p) is not p");
        let Some(Ok(Value::Unknown(u))) = call("uniquestring", &[param("rg"), s("x")], &ctx) else { panic!() };
        assert_eq!(u.detail, "uniqueString(parameters('rg'), 'x')");
    }

    #[test]
    fn taint_follows_every_function() {
        let secret = Unknown::new(UnknownCause::Parameter, "parameters('pwd')", Span::NONE)
            .with_symbol("p:f0:pwd")
            .with_secret("parameters('pwd')");
        let secret = Node::bare(Value::Unknown(Arc::new(secret)));
        let ctx = DeploymentContext::default();
        let Some(Ok(Value::Unknown(u))) = call("base64", std::slice::from_ref(&secret), &ctx) else { panic!() };
        assert_eq!(u.secret.as_deref(), Some("parameters('pwd')"));
        let Some(Ok(Value::Unknown(u))) = call("tolower", &[secret], &ctx) else { panic!() };
        assert_eq!(u.secret.as_deref(), Some("parameters('pwd')"));
    }
}
