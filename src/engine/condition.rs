//! The declarative rule language: Azure Policy's condition vocabulary (`field`,
//! `equals`, `notEquals`, `in`, `notIn`, `exists`, `contains`, `notContains`, `like`,
//! `notLike`, `greater`, `greaterOrEquals`, `less`, `lessOrEquals`, `allOf`, `anyOf`,
//! `not`, `count` with `where`), parsed from JSON text and evaluated three-valued.

use std::cmp::Ordering;

use crate::source::json;
use crate::value::{FileId, Node, Value};

/// A parsed condition. True means the resource is in the bad state.
#[derive(Debug, Clone)]
pub enum Condition {
    AllOf(Vec<Condition>),
    AnyOf(Vec<Condition>),
    Not(Box<Condition>),
    Field {
        field: String,
        op: Op,
    },
    /// `count` of the elements of an array field (`x[*]`), optionally only those where
    /// `where` holds, compared with `op`.
    Count {
        field: String,
        filter: Option<Box<Condition>>,
        op: Op,
    },
}

/// A comparison.
#[derive(Debug, Clone)]
pub enum Op {
    Equals(Value),
    NotEquals(Value),
    In(Vec<Value>),
    NotIn(Vec<Value>),
    Exists(bool),
    Contains(Value),
    NotContains(Value),
    Like(String),
    NotLike(String),
    Greater(Value),
    GreaterOrEquals(Value),
    Less(Value),
    LessOrEquals(Value),
}

const OPS: &[&str] = &[
    "equals",
    "notEquals",
    "in",
    "notIn",
    "exists",
    "contains",
    "notContains",
    "like",
    "notLike",
    "greater",
    "greaterOrEquals",
    "less",
    "lessOrEquals",
];

impl Condition {
    /// Parses the JSON text of a `check`.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let node =
            json::parse(text, FileId::NONE).map_err(|e| format!("invalid JSON at byte {}: {}", e.offset, e.message))?;
        Condition::from_node(&node)
    }

    fn from_node(node: &Node) -> Result<Condition, String> {
        let obj = node.value.as_object().ok_or("a condition must be an object")?;
        if let Some(list) = obj.get("allOf") {
            return Ok(Condition::AllOf(Self::list(list, "allOf")?));
        }
        if let Some(list) = obj.get("anyOf") {
            return Ok(Condition::AnyOf(Self::list(list, "anyOf")?));
        }
        if let Some(inner) = obj.get("not") {
            return Ok(Condition::Not(Box::new(Condition::from_node(inner)?)));
        }
        let op = parse_op(obj)?;
        if let Some(count) = obj.get("count") {
            let field = count.get("field").and_then(Node::as_str).ok_or("`count` needs a `field`")?;
            check_field(field)?;
            if !field.contains("[*]") {
                return Err(format!("`count` field `{field}` must name an array with `[*]`"));
            }
            let filter = count.get("where").map(Condition::from_node).transpose()?.map(Box::new);
            return Ok(Condition::Count { field: field.to_string(), filter, op });
        }
        let field = obj
            .get("field")
            .and_then(Node::as_str)
            .ok_or("a condition needs `field`, `count`, `allOf`, `anyOf` or `not`")?;
        check_field(field)?;
        Ok(Condition::Field { field: field.to_string(), op })
    }

    fn list(node: &Node, what: &str) -> Result<Vec<Condition>, String> {
        node.value.as_array().ok_or(format!("`{what}` takes an array"))?.iter().map(Condition::from_node).collect()
    }

    /// Every field path the condition reads (for validation and docs).
    pub fn fields(&self, out: &mut Vec<String>) {
        match self {
            Condition::AllOf(cs) | Condition::AnyOf(cs) => cs.iter().for_each(|c| c.fields(out)),
            Condition::Not(c) => c.fields(out),
            Condition::Field { field, .. } => out.push(field.clone()),
            Condition::Count { field, filter, .. } => {
                out.push(field.clone());
                if let Some(f) = filter {
                    f.fields(out);
                }
            }
        }
    }
}

/// Checks a field path when the rule loads: keys separated by `.` (a key is any text
/// without `.`, `[`, `]` or control characters; numeric keys index arrays), each
/// optionally followed by `[*]` (every element of an array). A path that cannot be
/// read is an error, never a condition that silently matches nothing.
pub fn check_field(field: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("invalid field path `{field}`: {why}"));
    if field.trim().is_empty() {
        return bad("it is empty");
    }
    for seg in field.split('.') {
        let key = seg.strip_suffix("[*]").unwrap_or(seg);
        if key.is_empty() {
            return bad("a key is empty (two dots, a leading or trailing dot, or `[*]` alone)");
        }
        if key.contains(['[', ']']) {
            return bad("brackets may only appear as `[*]` at the end of a key");
        }
        if key.chars().any(char::is_control) {
            return bad("a key contains a control character");
        }
    }
    Ok(())
}

fn parse_op(obj: &crate::value::Object) -> Result<Op, String> {
    let found: Vec<&str> = OPS.iter().copied().filter(|k| obj.contains_key(k)).collect();
    let [name] = found.as_slice() else {
        return Err(format!("a condition needs exactly one operator of: {}", OPS.join(", ")));
    };
    let v = obj.get(name).map(|n| n.value.clone()).unwrap_or(Value::Null);
    let list = |v: &Value| -> Result<Vec<Value>, String> {
        v.as_array().map(|a| a.iter().map(|n| n.value.clone()).collect()).ok_or(format!("`{name}` takes an array"))
    };
    let text = |v: &Value| v.as_str().map(str::to_string).ok_or(format!("`{name}` takes a string"));
    Ok(match *name {
        "equals" => Op::Equals(v),
        "notEquals" => Op::NotEquals(v),
        "in" => Op::In(list(&v)?),
        "notIn" => Op::NotIn(list(&v)?),
        "exists" => Op::Exists(
            v.as_bool()
                .or_else(|| v.as_str().map(|s| s.eq_ignore_ascii_case("true")))
                .ok_or("`exists` takes true or false")?,
        ),
        "contains" => Op::Contains(v),
        "notContains" => Op::NotContains(v),
        "like" => Op::Like(text(&v)?),
        "notLike" => Op::NotLike(text(&v)?),
        "greater" => Op::Greater(v),
        "greaterOrEquals" => Op::GreaterOrEquals(v),
        "less" => Op::Less(v),
        _ => Op::LessOrEquals(v),
    })
}

impl Op {
    /// Applies the operator to a value; `None` means the field is not set, which
    /// compares as Azure Policy does (only negative operators hold).
    pub fn test(&self, v: Option<&Value>) -> bool {
        let Some(v) = v else {
            return matches!(
                self,
                Op::NotEquals(_) | Op::NotIn(_) | Op::Exists(false) | Op::NotContains(_) | Op::NotLike(_)
            );
        };
        match self {
            Op::Equals(x) => policy_eq(v, x),
            Op::NotEquals(x) => !policy_eq(v, x),
            Op::In(xs) => xs.iter().any(|x| policy_eq(v, x)),
            Op::NotIn(xs) => !xs.iter().any(|x| policy_eq(v, x)),
            Op::Exists(e) => *e,
            Op::Contains(x) => contains(v, x),
            Op::NotContains(x) => !contains(v, x),
            Op::Like(p) => v.as_str().is_some_and(|s| like(s, p)),
            Op::NotLike(p) => !v.as_str().is_some_and(|s| like(s, p)),
            Op::Greater(x) => compare(v, x) == Some(Ordering::Greater),
            Op::GreaterOrEquals(x) => {
                matches!(compare(v, x), Some(Ordering::Greater | Ordering::Equal))
            }
            Op::Less(x) => compare(v, x) == Some(Ordering::Less),
            Op::LessOrEquals(x) => matches!(compare(v, x), Some(Ordering::Less | Ordering::Equal)),
        }
    }
}

/// Azure Policy equality: strings ignore case; `true` equals `"true"`.
fn policy_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.eq_ignore_ascii_case(y),
        (Value::Bool(x), Value::String(y)) | (Value::String(y), Value::Bool(x)) => {
            y.eq_ignore_ascii_case(if *x { "true" } else { "false" })
        }
        _ => a.deep_eq(b),
    }
}

fn contains(v: &Value, x: &Value) -> bool {
    match (v, x) {
        (Value::String(s), Value::String(n)) => s.to_ascii_lowercase().contains(&n.to_ascii_lowercase()),
        (Value::Array(a), _) => a.iter().any(|e| policy_eq(&e.value, x)),
        (Value::Object(o), Value::String(k)) => o.contains_key(k),
        _ => false,
    }
}

/// Compares numbers, or dotted versions (`1.0` < `1.2`), or else strings ignoring case.
fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    let num = |v: &Value| match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    };
    if let (Some(x), Some(y)) = (num(a), num(b)) {
        return x.partial_cmp(&y);
    }
    let (x, y) = (a.as_str()?, b.as_str()?);
    let version = |s: &str| s.split('.').map(|p| p.parse::<u64>().ok()).collect::<Option<Vec<_>>>();
    match (version(x), version(y)) {
        (Some(vx), Some(vy)) => Some(vx.cmp(&vy)),
        _ => Some(x.to_ascii_lowercase().cmp(&y.to_ascii_lowercase())),
    }
}

/// `like` with `*` wildcards, ignoring case.
pub fn like(s: &str, pattern: &str) -> bool {
    let s = s.to_ascii_lowercase();
    let p = pattern.to_ascii_lowercase();
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return s == p;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first) || !s[first.len()..].ends_with(last) || s.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_policy_conditions() {
        let c = Condition::parse(
            r#"{"anyOf": [{"field": "a", "less": "1.2"}, {"not": {"field": "b", "exists": true}},
            {"count": {"field": "c[*]", "where": {"field": "c[*]", "equals": "*"}}, "greater": 0}]}"#,
        )
        .unwrap();
        let mut f = Vec::new();
        c.fields(&mut f);
        assert_eq!(f, ["a", "b", "c[*]", "c[*]"]);
        assert!(Condition::parse(r#"{"field": "a"}"#).unwrap_err().contains("exactly one operator"));
        assert!(Condition::parse(r#"{"count": {"field": "a"}, "equals": 1}"#).unwrap_err().contains("[*]"));
    }

    #[test]
    fn field_paths_are_checked_when_the_rule_loads() {
        for ok in
            ["properties.httpsOnly", "properties.ipRules[*].value", "tags.cost center", "site.minTlsVersion", "a.0.b"]
        {
            assert_eq!(check_field(ok), Ok(()), "{ok}");
        }
        for bad in ["properties.httpsOnly[[[", "a..b", ".a", "a.", "a[0]", "[*]", "", "a]b"] {
            assert!(check_field(bad).is_err(), "{bad}");
        }
        let e = Condition::parse(r#"{"field": "properties.httpsOnly[[[", "equals": true}"#).unwrap_err();
        assert!(e.contains("invalid field path `properties.httpsOnly[[[`"), "{e}");
        let e = Condition::parse(
            r#"{"count": {"field": "a[*]", "where": {"field": "a[*].b..c", "equals": 1}}, "greater": 0}"#,
        );
        assert!(e.is_err());
    }

    #[test]
    fn operators_follow_azure_policy() {
        let s = |x: &str| Value::str(x);
        assert!(Op::Equals(s("Allow")).test(Some(&s("allow"))));
        assert!(Op::NotEquals(Value::Bool(true)).test(None));
        assert!(!Op::Equals(Value::Bool(false)).test(None));
        assert!(Op::Less(s("1.2")).test(Some(&s("1.0"))));
        assert!(!Op::Less(s("1.2")).test(Some(&s("1.3"))));
        assert!(Op::In(vec![s("TLS1_0"), s("TLS1_1")]).test(Some(&s("tls1_1"))));
        assert!(Op::Exists(false).test(None));
        assert!(like("Microsoft.Web/sites", "microsoft.web/*"));
        assert!(like("abc", "a*c") && !like("ab", "a*bc") && like("axbyc", "a*b*c"));
    }
}
