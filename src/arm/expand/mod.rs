//! The template expander (reference §1–§9): parameters, variables, user functions,
//! copy loops, conditions, child resources, nested and linked deployments, turned
//! into a flat list of resources in ARM GET shape.
//!
//! Choices worth knowing:
//! - The `Microsoft.Resources/deployments` resource stays in the list with
//!   `properties.template` dropped; the resources it deploys follow it, flattened,
//!   with pointers into the nested template (or into the linked file).
//! - `reference()` of a resource declared in the same deployment returns its
//!   evaluated declaration (`properties`, or the whole resource with `'Full'`), with
//!   ids added to inline child arrays (`subnets[*].id`); any property the declaration
//!   lacks is unknown (cause `Reference`), never an error.
//! - A resource whose `condition` is false is dropped and its other properties are not
//!   evaluated.

mod frame;
mod ids;
mod nested;
mod outputs;
mod reference;
mod resources;
mod scope;

use crate::problem::{Code, Level, Problem};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::budget::Budget;
use super::context::{DeploymentContext, DeploymentScope};
use super::parser::Template;
use crate::value::{FileId, Node, Span, Str, UnknownCause, Value};

/// Resolves `templateLink.relativePath` from the file holding the link.
pub trait TemplateLoader: Sync {
    /// Loads `relative_path` relative to the file `from`.
    fn load_relative(&self, from: FileId, relative_path: &str) -> Result<(FileId, Node), String>;
    /// How messages name a file (its path as the user gave it).
    fn name(&self, file: FileId) -> String;
}

/// Inputs of one expansion.
pub struct ExpandOptions<'a> {
    /// Where the deployment goes and when.
    pub context: &'a DeploymentContext,
    /// The whole parsed parameters file (`{"parameters": {"x": {"value": …}}}`).
    pub parameters: Option<&'a Node>,
    /// Reads linked templates; `None` leaves them opaque.
    pub loader: Option<&'a dyn TemplateLoader>,
    /// The file of the template.
    pub file: FileId,
}

/// One deployed (or `existing`) resource after expansion.
#[derive(Clone, Debug)]
pub struct ExpandedResource {
    /// The evaluated resource in ARM GET shape: `id`, full `type`, full `name`,
    /// `apiVersion`, `location`, `properties`, … Unknowable values are `Value::Unknown`.
    pub node: Node,
    /// JSON pointer of the declaring resource in its file (`/resources/3`,
    /// `/resources/vnet`, `/resources/2/properties/template/resources/0`).
    pub pointer: String,
    /// The file that declared it.
    pub file: FileId,
    /// Span of the declaring resource object.
    pub span: Span,
    /// languageVersion 2.0 `existing: true`: read, not deployed.
    pub existing: bool,
    /// 2.0 symbolic name (`stg`, `stg[1]` inside a loop).
    pub symbolic_name: Option<String>,
    /// Index inside the resource's copy loop.
    pub copy_index: Option<i64>,
    /// Why the number of instances of this declaration is not known (its copy count,
    /// or a parent's, is not known offline): this one instance stands for all of them.
    pub uncounted: Option<String>,
}

/// How many property values inside the expanded resources are unknown, by cause.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UnknownStats {
    /// Unknown values per cause.
    pub by_cause: BTreeMap<UnknownCause, usize>,
}

impl UnknownStats {
    /// Counts every unknown leaf inside `v`.
    pub fn count(&mut self, v: &Value) {
        match v {
            Value::Unknown(u) => *self.by_cause.entry(u.cause).or_default() += 1,
            Value::Array(a) => a.iter().for_each(|n| self.count(&n.value)),
            Value::Object(o) => o.iter().for_each(|m| self.count(&m.value.value)),
            _ => {}
        }
    }

    /// Adds another set of counts.
    pub fn merge(&mut self, other: &UnknownStats) {
        for (k, v) in &other.by_cause {
            *self.by_cause.entry(*k).or_default() += v;
        }
    }

    /// Total unknown values.
    pub fn total(&self) -> usize {
        self.by_cause.values().sum()
    }
}

/// The result of [`expand`].
#[derive(Clone, Debug, Default)]
pub struct Expansion {
    /// Deployed and `existing` resources in declaration order, nested deployments'
    /// resources right after their deployment.
    pub resources: Vec<ExpandedResource>,
    /// Top-level outputs, evaluated.
    pub outputs: Vec<(String, Node)>,
    /// Problems found, each reported once: `arm-eval` (an expression Resource Manager
    /// rejects whatever the values), `arm-values` (one it rejects for the values it
    /// read), `arm-unknown-function`, `arm-limit` (lengths, depths, counts, cycles),
    /// `arm-linked-uri` (a linked template that is not read), `arm-linked-template` (a
    /// relative link that could not be loaded), `arm-template` (a malformed template
    /// structure). Each has a span (the failing part of an expression string when it
    /// can be located, otherwise the value or declaration concerned) and no file: the
    /// scan names it from the span. Errors make a value unknown or drop a resource;
    /// warnings only inform.
    pub diagnostics: Vec<Problem>,
    /// Unknown values inside `resources`, by cause (for the corpus report).
    pub unknown_stats: UnknownStats,
    /// Files loaded as linked templates (`relativePath`), in the order first loaded.
    pub linked: Vec<FileId>,
}

/// Deepest chain of nested deployments followed.
pub const MAX_DEPLOYMENT_DEPTH: u32 = 10;
/// Most instances one copy loop may produce.
pub const MAX_COPY_COUNT: i64 = 800;

/// State shared by every template of one expansion (parse cache, diagnostics).
pub(crate) struct Shared<'o> {
    loader: Option<&'o dyn TemplateLoader>,
    cache: RefCell<HashMap<Str, Arc<Template>>>,
    diagnostics: RefCell<Vec<Problem>>,
    /// Lazy evaluations in progress (variables, defaults, referenced resources).
    active: std::cell::Cell<u32>,
    /// Work and output size of the whole expansion.
    pub(crate) budget: Budget,
    /// Files loaded as linked templates.
    linked: RefCell<Vec<FileId>>,
}

/// Deepest chain of lazy evaluations (a variable using a variable using …).
pub const MAX_LAZY_DEPTH: u32 = 64;

impl Shared<'_> {
    /// Enters one lazy evaluation; `false` when the chain is too deep.
    fn enter(&self) -> bool {
        let n = self.active.get();
        if n >= MAX_LAZY_DEPTH {
            return false;
        }
        self.active.set(n + 1);
        true
    }

    fn leave(&self) {
        self.active.set(self.active.get().saturating_sub(1));
    }

    /// Records a linked template's file once.
    fn note_linked(&self, file: FileId) {
        let mut l = self.linked.borrow_mut();
        if !l.contains(&file) {
            l.push(file);
        }
    }

    fn diag(&self, span: Span, code: Code, message: impl Into<String>, is_error: bool) {
        let level = if is_error { Level::Error } else { Level::Warning };
        self.diagnostics.borrow_mut().push(Problem {
            level,
            code,
            message: message.into(),
            file: None,
            span: Some(span),
        });
    }
}

/// The scope a template's `$schema` selects, else the context's.
fn scope_of(template: &Node, ctx: &DeploymentContext) -> DeploymentScope {
    template.get("$schema").and_then(|s| s.as_str()).and_then(DeploymentScope::from_schema).unwrap_or(ctx.scope)
}

/// Expands one template.
pub fn expand(template: &Node, opts: &ExpandOptions) -> Expansion {
    let shared = Shared {
        loader: opts.loader,
        cache: RefCell::new(HashMap::new()),
        diagnostics: RefCell::new(Vec::new()),
        active: std::cell::Cell::new(0),
        budget: Budget::new(),
        linked: RefCell::new(Vec::new()),
    };
    let mut ctx = opts.context.clone();
    ctx.scope = scope_of(template, &ctx);
    let supplied = opts.parameters.and_then(|p| p.get("parameters")).map(scope::supplied_from_file).unwrap_or_default();
    let mut out = Expansion::default();
    if !matches!(template.value, Value::Object(_)) {
        shared.diag(template.span, Code::ArmTemplate, "The template is not a JSON object", true);
    } else {
        let sc = scope::Scope::new(template, ctx.clone(), supplied, &shared, Str::from(format!("f{}", opts.file.0)));
        let result = resources::run(
            &shared,
            &sc,
            template,
            ctx,
            resources::Placement {
                file: opts.file,
                prefix: String::new(),
                depth: 0,
                parent: None,
                links: vec![opts.file],
            },
        );
        out.resources = result.resources;
        out.outputs = result.outputs;
    }
    for r in &out.resources {
        out.unknown_stats.count(&r.node.value);
    }
    out.linked = shared.linked.into_inner();
    let mut diags = shared.diagnostics.into_inner();
    // Loops evaluate the same string many times; report each problem once.
    let mut seen = std::collections::HashSet::new();
    diags.retain(|d| seen.insert((d.span, d.code, d.message.clone())));
    out.diagnostics = diags;
    out
}

/// Escapes a JSON pointer token (RFC 6901).
pub(crate) fn pointer_token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn results_cross_threads() {
        // The core expands files in parallel with rayon.
        assert_send_sync::<Expansion>();
        assert_send_sync::<ExpandOptions<'static>>();
    }

    #[test]
    fn unknown_stats_count_nested_leaves() {
        let v = Value::from_json(&serde_json::json!({"a": [1, {"b": null}]}));
        let mut stats = UnknownStats::default();
        stats.count(&v);
        assert_eq!(stats.total(), 0);
        let u = Node::bare(Value::unknown(UnknownCause::List, "listKeys('x')", Span::NONE));
        stats.count(&Value::array(vec![u.clone(), u]));
        assert_eq!(stats.by_cause.get(&UnknownCause::List), Some(&2));
    }

    #[test]
    fn pointers_escape_symbolic_names() {
        assert_eq!(pointer_token("a/b~c"), "a~1b~0c");
    }
}
