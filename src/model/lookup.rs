//! Three-valued property lookup: a value, provably absent, or unknown (with the reason).

use crate::value::{Node, Unknown, Value};

/// The result of reading a property path.
#[derive(Clone, Copy, Debug)]
pub enum Lookup<'a> {
    /// The property has a value (never JSON `null`).
    Found(&'a Node),
    /// The property is not set (missing or `null`).
    Absent,
    /// The value, or an object on the way to it, cannot be known offline.
    Unknown(&'a Unknown),
}

impl<'a> Lookup<'a> {
    pub fn found(self) -> Option<&'a Node> {
        match self {
            Lookup::Found(n) => Some(n),
            _ => None,
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Lookup::Absent)
    }

    /// The string value, when found and a string.
    pub fn as_str(self) -> Option<&'a str> {
        self.found().and_then(Node::as_str)
    }
}

/// Reads a `.`-separated path (keys case-insensitive, numeric segments index arrays).
pub fn lookup<'a>(node: &'a Node, path: &str) -> Lookup<'a> {
    let mut cur = node;
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        match &cur.value {
            Value::Unknown(u) => return Lookup::Unknown(u),
            Value::Object(o) => match o.get(seg) {
                Some(n) => cur = n,
                None => return Lookup::Absent,
            },
            Value::Array(a) => match seg.parse::<usize>().ok().and_then(|i| a.get(i)) {
                Some(n) => cur = n,
                None => return Lookup::Absent,
            },
            _ => return Lookup::Absent,
        }
    }
    match &cur.value {
        Value::Null => Lookup::Absent,
        Value::Unknown(u) => Lookup::Unknown(u),
        _ => Lookup::Found(cur),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Span, UnknownCause};

    #[test]
    fn three_valued_paths() {
        let n = Node::bare(Value::from_json(&serde_json::json!({"properties": {"a": [1, {"b": true}], "n": null}})));
        assert!(matches!(lookup(&n, "Properties.A.1.B"), Lookup::Found(x) if x.value.as_bool() == Some(true)));
        assert!(lookup(&n, "properties.n").is_absent());
        assert!(lookup(&n, "properties.missing.deeper").is_absent());
        let mut o = crate::value::Object::new();
        o.insert("p", Node::bare(Value::unknown(UnknownCause::Reference, "reference('x')", Span::NONE)));
        let u = Node::bare(Value::object(o));
        assert!(matches!(lookup(&u, "p.q.r"), Lookup::Unknown(x) if x.cause == UnknownCause::Reference));
    }
}
