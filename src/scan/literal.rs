//! Reads a template's resources without evaluating the template language: literal
//! values are used and every `[expression]` becomes an Unknown value (never a guess).
//! The expander in `crate::arm` replaces this for templates it can evaluate.

use std::sync::Arc;

use crate::model::{OriginKind, RawResource};
use crate::value::{FileId, Node, Object, UnknownCause, Value};

/// Whether a string is an ARM expression (`[...]`, but not the `[[` escape).
pub fn is_expression(s: &str) -> bool {
    s.starts_with('[') && s.ends_with(']') && !s.starts_with("[[")
}

/// Replaces expressions with Unknown values and unescapes `[[`, recursively.
pub fn literal(node: &Node) -> Node {
    let value = match &node.value {
        Value::String(s) if is_expression(s) => {
            Value::unknown(UnknownCause::Expression, format!("the expression `{s}` is not evaluated"), node.span)
        }
        Value::String(s) if s.starts_with("[[") => Value::str(&s[1..]),
        Value::Array(a) => Value::array(a.iter().map(literal).collect()),
        Value::Object(o) => {
            let mut out = Object::with_capacity(o.len());
            for m in o.iter() {
                out.push(m.key.clone(), m.key_span, literal(&m.value));
            }
            Value::object(out)
        }
        other => other.clone(),
    };
    Node::new(value, node.span)
}

/// The resources a template declares, children flattened with composed types and names.
pub fn template_resources(doc: &Node, file: FileId) -> Vec<RawResource> {
    let mut out = Vec::new();
    match doc.get("resources").map(|r| &r.value) {
        Some(Value::Array(items)) => {
            for (i, r) in items.iter().enumerate() {
                walk(r, None, format!("/resources/{i}"), file, &mut out);
            }
        }
        Some(Value::Object(o)) => {
            for m in o.iter() {
                walk(&m.value, None, format!("/resources/{}", m.key), file, &mut out);
            }
        }
        _ => {}
    }
    out
}

fn text(n: Option<&Node>) -> String {
    n.and_then(Node::as_str).unwrap_or_default().to_string()
}

fn walk(r: &Node, parent: Option<(&str, &str)>, pointer: String, file: FileId, out: &mut Vec<RawResource>) {
    let Some(obj) = r.value.as_object() else {
        return;
    };
    let (ty, name) = (text(obj.get("type")), text(obj.get("name")));
    let (full_type, full_name) = match parent {
        Some((pt, pn)) if !ty.contains('/') => (format!("{pt}/{ty}"), format!("{pn}/{name}")),
        _ => (ty, name),
    };
    let mut node = literal(r);
    if let Value::Object(o) = &mut node.value {
        let o = Arc::make_mut(o);
        o.remove("resources");
        let type_span = obj.get("type").map_or(r.span, |n| n.span);
        let name_span = obj.get("name").map_or(r.span, |n| n.span);
        o.insert("type", Node::new(Value::str(full_type.as_str()), type_span));
        o.insert("name", Node::new(Value::str(full_name.as_str()), name_span));
    }
    let existing = obj.get("existing").and_then(|n| n.value.as_bool()) == Some(true);
    out.push(RawResource {
        node,
        id: None,
        full_type: full_type.clone(),
        full_name: full_name.clone(),
        file,
        pointer: pointer.clone(),
        kind: OriginKind::Template,
        inventory_only: false,
        existing,
    });
    if let Some(children) = obj.get("resources").and_then(|c| c.value.as_array()) {
        for (i, c) in children.iter().enumerate() {
            walk(c, Some((&full_type, &full_name)), format!("{pointer}/resources/{i}"), file, out);
        }
    }
}
