//! The work and size budget of one expansion. Values are shared behind `Arc`, so an
//! expression can build a value whose tree is exponentially larger than the work it
//! took (`createObject('l', v, 'r', v)` forty times over): every later stage walks
//! values as trees, so the budget measures what is built *as a tree*, as it is built,
//! and stops the template with an `arm-limit` error before anything downstream sees it.
//!
//! Resource Manager limits a template to 4 MB and each resource definition to 1 MB
//! "after it has been expanded for iterative resource definitions, and values for
//! variables and parameters" (learn.microsoft.com, "Resolve errors for job size
//! exceeded"); docs.azure.cn says the limits apply after compression, so the service
//! may accept more uncompressed text than that. azlint's limits are therefore set
//! several times above ARM's: no template Resource Manager accepts should hit them,
//! and no input can make a scan take seconds or gigabytes.

use std::cell::Cell;

use crate::value::Value;

/// Largest single value (an expression's result, a copy loop, a variable), in bytes of
/// compact JSON.
pub const MAX_VALUE_BYTES: u64 = 8 << 20;
/// Largest expanded output of one template with its nested and linked deployments.
pub const MAX_EXPANSION_BYTES: u64 = 16 << 20;
/// Deepest value: Resource Manager's JSON reader and every later stage recurse.
pub const MAX_VALUE_DEPTH: u32 = 256;
/// Most resources one template with its nested and linked deployments expands to
/// (Resource Manager allows 800 per deployment, each nested deployment its own; the
/// largest template of `../shared/corpus` expands to 246).
pub const MAX_EXPANDED_RESOURCES: u64 = 4_000;
/// Most work (function calls, plus every node of every value measured) in one
/// template with its nested and linked deployments.
pub const MAX_EXPANSION_WORK: u64 = 40_000_000;

/// What a value measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    /// Approximate length of its compact JSON text.
    pub bytes: u64,
    /// Nesting depth (a scalar is 0).
    pub depth: u32,
}

/// Why a value is over the budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exceeded {
    /// Larger than the byte limit given.
    Bytes(u64),
    /// Deeper than [`MAX_VALUE_DEPTH`].
    Depth,
    /// The expansion has done [`MAX_EXPANSION_WORK`].
    Work,
    /// The expansion has produced [`MAX_EXPANDED_RESOURCES`] resources.
    Resources,
}

impl Exceeded {
    /// One sentence for the `arm-limit` diagnostic.
    pub fn message(self, what: &str) -> String {
        match self {
            Exceeded::Bytes(limit) => format!(
                "{what} would be larger than {} MB once expanded (Resource Manager accepts at most 4 MB per template and 1 MB per resource after expansion)",
                limit >> 20
            ),
            Exceeded::Depth => format!("{what} would be nested more than {MAX_VALUE_DEPTH} levels deep"),
            Exceeded::Resources => format!(
                "{what} is not expanded: the template with its nested deployments already expands to {MAX_EXPANDED_RESOURCES} resources"
            ),
            Exceeded::Work => format!(
                "{what} needs too much work to evaluate: the template has used its budget of {MAX_EXPANSION_WORK} steps (a runaway loop or a value that doubles?)"
            ),
        }
    }
}

/// The budget of one expansion: work done so far and bytes of expanded output.
#[derive(Debug, Default)]
pub struct Budget {
    work: Cell<u64>,
    output: Cell<u64>,
    resources: Cell<u64>,
    exhausted: Cell<bool>,
}

impl Budget {
    /// A fresh budget.
    pub fn new() -> Budget {
        Budget::default()
    }

    /// Work done so far.
    pub fn work(&self) -> u64 {
        self.work.get()
    }

    /// Whether the expansion has used a whole-template budget (work, output bytes or
    /// resources): what is not expanded yet is left out, and one error says so.
    pub fn exhausted(&self) -> bool {
        self.exhausted.get()
    }

    /// Charges `units` of work.
    pub fn charge(&self, units: u64) -> Result<(), Exceeded> {
        let w = self.work.get().saturating_add(units);
        self.work.set(w);
        if w > MAX_EXPANSION_WORK {
            self.exhausted.set(true);
            Err(Exceeded::Work)
        } else {
            Ok(())
        }
    }

    /// [`measure`]s `v` and charges the nodes it visited.
    pub fn measure(&self, v: &Value, limit: u64) -> Result<Size, Exceeded> {
        let (size, nodes) = measure(v, limit);
        self.charge(nodes)?;
        size
    }

    /// Adds a resource to the expansion's output, against [`MAX_VALUE_BYTES`] for the
    /// resource, and [`MAX_EXPANSION_BYTES`] and [`MAX_EXPANDED_RESOURCES`] for the
    /// whole expansion (which is then exhausted).
    pub fn add_resource(&self, v: &Value) -> Result<Size, Exceeded> {
        let n = self.resources.get() + 1;
        self.resources.set(n);
        if n > MAX_EXPANDED_RESOURCES {
            self.exhausted.set(true);
            return Err(Exceeded::Resources);
        }
        let left = MAX_EXPANSION_BYTES.saturating_sub(self.output.get());
        let size = self.measure(v, left.min(MAX_VALUE_BYTES)).map_err(|e| match e {
            Exceeded::Bytes(_) if left < MAX_VALUE_BYTES => {
                self.exhausted.set(true);
                Exceeded::Bytes(MAX_EXPANSION_BYTES)
            }
            other => other,
        })?;
        self.output.set(self.output.get() + size.bytes);
        Ok(size)
    }
}

fn scalar_bytes(v: &Value) -> u64 {
    match v {
        Value::Null => 4,
        Value::Bool(b) => 4 + u64::from(!b),
        Value::Int(i) => u64::from(i.unsigned_abs().checked_ilog10().unwrap_or(0)) + 1 + u64::from(*i < 0),
        Value::Float(_) => 8,
        Value::String(s) => s.len() as u64 + 2,
        Value::Unknown(u) => u.detail.len() as u64 + 32,
        Value::Array(_) | Value::Object(_) => 2,
    }
}

/// Measures `v` as a tree (shared parts count every time they occur, as every later
/// stage will walk them) and stops as soon as it is larger than `limit` bytes or deeper
/// than [`MAX_VALUE_DEPTH`]: the cost of measuring is bounded by the limit, not by the
/// tree. Returns the size and the number of nodes visited.
pub fn measure(v: &Value, limit: u64) -> (Result<Size, Exceeded>, u64) {
    let mut nodes = 0u64;
    let r = measure_in(v, limit, 0, &mut nodes).map_err(|e| match e {
        Exceeded::Bytes(_) => Exceeded::Bytes(limit),
        other => other,
    });
    (r, nodes)
}

fn measure_in(v: &Value, limit: u64, depth: u32, nodes: &mut u64) -> Result<Size, Exceeded> {
    *nodes += 1;
    if depth > MAX_VALUE_DEPTH {
        return Err(Exceeded::Depth);
    }
    let mut size = Size { bytes: scalar_bytes(v), depth: 0 };
    let add = |size: &mut Size, child: Size, extra: u64| -> Result<(), Exceeded> {
        size.bytes = size.bytes.saturating_add(child.bytes + extra);
        size.depth = size.depth.max(child.depth + 1);
        if size.bytes > limit { Err(Exceeded::Bytes(limit)) } else { Ok(()) }
    };
    match v {
        Value::Array(a) => {
            for n in a.iter() {
                let child = measure_in(&n.value, limit.saturating_sub(size.bytes), depth + 1, nodes)?;
                add(&mut size, child, 1)?;
            }
        }
        Value::Object(o) => {
            for m in o.iter() {
                let child = measure_in(&m.value.value, limit.saturating_sub(size.bytes), depth + 1, nodes)?;
                add(&mut size, child, m.key.len() as u64 + 4)?;
            }
        }
        _ if size.bytes > limit => return Err(Exceeded::Bytes(limit)),
        _ => {}
    }
    // One separator fewer than members.
    if matches!(v, Value::Array(a) if !a.is_empty()) || matches!(v, Value::Object(o) if !o.is_empty()) {
        size.bytes -= 1;
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Node, Object};
    use std::sync::Arc;

    #[test]
    fn measures_compact_json_length() {
        let v = Value::from_json(&serde_json::json!({"a": [1, -20, "xy", null, true], "bb": {}}));
        let text = v.to_json().to_string();
        let size = Budget::new().measure(&v, MAX_VALUE_BYTES).expect("small");
        assert_eq!(size.bytes, text.len() as u64, "{text}");
        assert_eq!(size.depth, 2);
    }

    #[test]
    fn shared_values_count_as_trees_and_measuring_stops_at_the_limit() {
        let mut v = Value::str("x");
        for _ in 0..60 {
            let mut o = Object::new();
            o.insert("l", Node::bare(v.clone()));
            o.insert("r", Node::bare(v.clone()));
            v = Value::Object(Arc::new(o));
        }
        let b = Budget::new();
        assert_eq!(b.measure(&v, 1 << 20), Err(Exceeded::Bytes(1 << 20)));
        assert!(b.work() < 200_000, "measuring a 2^60-node tree visited {} nodes", b.work());
    }

    #[test]
    fn deep_values_are_refused() {
        let mut v = Value::Null;
        for _ in 0..(MAX_VALUE_DEPTH + 5) {
            v = Value::array(vec![Node::bare(v)]);
        }
        assert_eq!(Budget::new().measure(&v, MAX_VALUE_BYTES), Err(Exceeded::Depth));
    }

    #[test]
    fn output_and_work_accumulate() {
        let b = Budget::new();
        let big = Value::str("x".repeat(6 << 20));
        assert!(b.add_resource(&big).is_ok());
        assert!(b.add_resource(&big).is_ok());
        assert!(!b.exhausted());
        assert_eq!(b.add_resource(&big), Err(Exceeded::Bytes(MAX_EXPANSION_BYTES)));
        assert!(b.exhausted());
        assert_eq!(Budget::new().charge(MAX_EXPANSION_WORK + 1), Err(Exceeded::Work));
        let b = Budget::new();
        for _ in 0..MAX_EXPANDED_RESOURCES {
            assert!(b.add_resource(&Value::Null).is_ok());
        }
        assert_eq!(b.add_resource(&Value::Null), Err(Exceeded::Resources));
    }
}
