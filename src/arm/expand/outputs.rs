//! Template outputs (reference §1.8, §6.4): `value`, `copy` loops and `condition`.

use super::frame::{LoopFrame, eval_count, eval_node};
use super::resources::Frame;
use crate::value::{Node, Value};

pub(super) fn outputs(frame: &Frame<'_>, template: &Node) -> Vec<(String, Node)> {
    let mut out = Vec::new();
    let Some(o) = template.get("outputs").and_then(|o| o.value.as_object()) else {
        return out;
    };
    for m in o.iter() {
        let decl = &m.value;
        if let Some(c) = decl.get("condition")
            && matches!(frame.eval_str_node(Some(c)).value, Value::Bool(false))
        {
            continue;
        }
        let value = if let Some(copy) = decl.get("copy") {
            let Some(count) = eval_count(frame, copy.get("count"), copy.span) else {
                continue;
            };
            let input = copy.get("input").cloned().unwrap_or_else(Node::null);
            let mut items = Vec::with_capacity(count as usize);
            for i in 0..count {
                frame.loops.borrow_mut().push(LoopFrame { name: None, index: i, anonymous: true });
                items.push(eval_node(frame, &input, true));
                frame.loops.borrow_mut().pop();
            }
            Node::new(Value::array(items), copy.span)
        } else {
            match decl.get("value") {
                Some(v) => eval_node(frame, v, false),
                None => Node::null(),
            }
        };
        out.push((m.key.to_string(), value));
    }
    out
}
