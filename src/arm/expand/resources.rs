//! Resources of one template: instances of every declaration (copy loops, child
//! resources, 2.0 symbolic names and `parent`), evaluated lazily so `reference()` can
//! read another declared resource (or a nested deployment's outputs) first.

use crate::problem::Code;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;

use super::frame::{LoopFrame, eval_count_known, eval_node, report, try_eval_node};
use super::ids::{add_child_ids_of, is_deployment, join_names, unknown_like};
use super::scope::Scope;
use super::{ExpandedResource, MAX_COPY_COUNT, Shared, nested, pointer_token};
use crate::arm::context::DeploymentContext;
use crate::arm::eval::Host;
use crate::value::{FileId, Node, Object, Str, UnknownCause, Value};

/// What running a template yields to its caller.
pub(crate) struct RunResult {
    pub resources: Vec<ExpandedResource>,
    pub outputs: Vec<(String, Node)>,
}

pub(super) struct Done {
    pub node: Node,
    pub deployed: bool,
    /// For deployments: `{name: {type, value}}` of the nested template's outputs.
    pub outputs: Option<Node>,
    /// A deployment whose template was not read.
    pub opaque: bool,
    pub nested: Vec<ExpandedResource>,
}

impl Done {
    fn not_deployed() -> Done {
        Done { node: Node::null(), deployed: false, outputs: None, opaque: false, nested: Vec::new() }
    }
}

pub(super) enum State {
    Pending,
    InProgress,
    Done(Box<Done>),
}

pub(super) struct Instance<'a> {
    pub(super) decl: &'a Node,
    pub pointer: String,
    pub(super) symbolic: Option<String>,
    pub(super) loop_symbol: Option<String>,
    pub(super) copy_index: Option<i64>,
    pub(super) loops: Vec<LoopFrame>,
    pub(super) full_type: Node,
    pub(super) full_name: Node,
    pub(super) id: Node,
    pub(super) existing: bool,
    pub(super) state: State,
    /// `reference()` results already built (`[properties, 'Full']`).
    pub(super) refs: [Option<Node>; 2],
    /// Why the number of instances is not known (a copy count not known offline, here
    /// or in a parent's loop): one instance stands for all of them.
    pub(super) uncounted: Option<String>,
}

/// The host for one template's resources and outputs.
pub(crate) struct Frame<'a> {
    pub shared: &'a Shared<'a>,
    pub scope: &'a Scope<'a>,
    /// The context resource ids are built in (the target of a nested deployment).
    pub id_ctx: DeploymentContext,
    pub file: FileId,
    pub depth: u32,
    /// The files from the root template to this one through linked templates
    /// (`relativePath`), to refuse a link back into the chain.
    pub links: Vec<FileId>,
    /// The deploying template's frame: `reference()` falls back to it by id (any
    /// nested deployment) or by name too (outer scope, `parent_names`).
    pub(super) parent: Option<&'a dyn Host>,
    pub(super) parent_names: bool,
    pub(super) loops: RefCell<Vec<LoopFrame>>,
    pub(super) instances: RefCell<Vec<Instance<'a>>>,
    pub(super) open: RefCell<HashMap<usize, (Arc<Object>, String)>>,
    /// Set while evaluating the names of resources whose condition is false: ARM does
    /// not evaluate them, so their errors are not reported.
    pub(super) quiet: Cell<bool>,
}

impl<'a> Frame<'a> {
    fn new(
        shared: &'a Shared<'a>,
        scope: &'a Scope<'a>,
        id_ctx: DeploymentContext,
        file: FileId,
        depth: u32,
        links: Vec<FileId>,
    ) -> Self {
        Frame {
            shared,
            scope,
            id_ctx,
            file,
            depth,
            links,
            parent: None,
            parent_names: false,
            loops: RefCell::new(Vec::new()),
            instances: RefCell::new(Vec::new()),
            open: RefCell::new(HashMap::new()),
            quiet: Cell::new(false),
        }
    }

    /// A declaration's own member (`type`, `name`, ...) evaluated, located at the
    /// declaration even when its value was written elsewhere (a parameter's value).
    pub(super) fn eval_str_node(&self, n: Option<&Node>) -> Node {
        match n {
            Some(n) => match try_eval_node(self, n) {
                Ok(mut v) => {
                    v.span = n.span;
                    v
                }
                Err(e) if self.quiet.get() => {
                    Node::new(Value::unknown(UnknownCause::Error, e.message(), n.span), n.span)
                }
                Err(e) => report(self, n.span, n.as_str().unwrap_or_default(), &e),
            },
            None => Node::null(),
        }
    }

    /// Phase one: every instance with its full type, name and id.
    #[allow(clippy::too_many_arguments)]
    fn collect(
        &self,
        out: &mut Vec<Instance<'a>>,
        decl: &'a Node,
        pointer: String,
        symbolic: Option<&str>,
        parent: Option<(&Node, &Node)>,
        parent_loops: &[LoopFrame],
        parent_uncounted: &Option<String>,
    ) {
        if decl.value.as_object().is_none() {
            self.shared.diag(decl.span, Code::ArmTemplate, "A resource declaration must be an object", true);
            return;
        }
        let copy = decl.get("copy").filter(|c| c.value.as_object().is_some());
        let mut uncounted = parent_uncounted.clone();
        let (loop_name, count) = match copy {
            Some(c) => {
                *self.loops.borrow_mut() = parent_loops.to_vec();
                let name = self.eval_str_node(c.get("name")).as_str().map(Str::from);
                match eval_count_known(self, c.get("count"), c.span) {
                    Some((n, why)) => {
                        uncounted = uncounted.or(why);
                        (name, Some(n))
                    }
                    None => return,
                }
            }
            None => (None, None),
        };
        for i in 0..count.unwrap_or(1) {
            let mut loops = parent_loops.to_vec();
            if count.is_some() {
                loops.push(LoopFrame { name: loop_name.clone(), index: i, anonymous: true });
            }
            *self.loops.borrow_mut() = loops.clone();
            let skipped =
                decl.get("condition").is_some_and(|c| matches!(self.eval_str_node(Some(c)).value, Value::Bool(false)));
            // An `existing` resource is only read when something references it (Bicep
            // guards such declarations with nullable parameters): its name and scope
            // are not evaluated by Resource Manager at declaration, so neither are their errors.
            let existing = decl.get("existing").is_some_and(|e| e.value.as_bool() == Some(true));
            self.quiet.set(skipped || existing);
            let ty = self.eval_str_node(decl.get("type"));
            let name = self.eval_str_node(decl.get("name"));
            let (full_type, full_name) = match (parent, ty.as_str()) {
                (Some((pt, pn)), Some(t)) if !t.contains('/') => (
                    match pt.as_str() {
                        Some(pt) => Node::new(Value::str(format!("{pt}/{t}")), ty.span),
                        None => unknown_like(pt, "type", ty.span),
                    },
                    join_names(pn, &name),
                ),
                _ => (ty, name),
            };
            let id = self.compute_id(decl, &full_type, &full_name);
            self.quiet.set(false);
            let symbolic_i = symbolic.map(|s| if count.is_some() { format!("{s}[{i}]") } else { s.to_string() });
            out.push(Instance {
                decl,
                pointer: pointer.clone(),
                symbolic: symbolic_i,
                loop_symbol: symbolic.filter(|_| count.is_some()).map(str::to_string),
                copy_index: count.map(|_| i),
                loops: loops.clone(),
                full_type: full_type.clone(),
                full_name: full_name.clone(),
                id,
                existing: decl.get("existing").and_then(|e| e.value.as_bool()) == Some(true),
                state: State::Pending,
                refs: [None, None],
                uncounted: uncounted.clone(),
            });
            if let Some(Value::Array(children)) = decl.get("resources").map(|r| &r.value) {
                for (j, child) in children.iter().enumerate() {
                    self.collect(
                        out,
                        child,
                        format!("{pointer}/resources/{j}"),
                        None,
                        Some((&full_type, &full_name)),
                        &loops,
                        &uncounted,
                    );
                }
            }
        }
        self.loops.borrow_mut().clear();
    }

    /// Phase two for one instance (re-entrant through `reference()`).
    pub(super) fn evaluate(&self, i: usize) {
        let (decl, loops, ty, name, id) = {
            let mut list = self.instances.borrow_mut();
            let Some(inst) = list.get_mut(i) else { return };
            if self.shared.budget.exhausted() && matches!(inst.state, State::Pending) {
                // The one `arm-limit` error already says the rest is not expanded.
                inst.state = State::Done(Box::new(Done::not_deployed()));
                return;
            }
            if !matches!(inst.state, State::Pending) || !self.shared.enter() {
                return;
            }
            inst.state = State::InProgress;
            (inst.decl, inst.loops.clone(), inst.full_type.clone(), inst.full_name.clone(), inst.id.clone())
        };
        let saved = self.loops.replace(loops);
        let pointer = self.instances.borrow()[i].pointer.clone();
        let done = self.build(decl, &pointer, ty, name, id);
        self.shared.leave();
        self.loops.replace(saved);
        self.instances.borrow_mut()[i].state = State::Done(Box::new(done));
    }

    fn build(&self, decl: &'a Node, pointer: &str, ty: Node, name: Node, id: Node) -> Done {
        // An `existing` resource's declared values are only read through references;
        // their evaluation errors are not Resource Manager's errors at declaration.
        let existing = decl.get("existing").is_some_and(|e| e.value.as_bool() == Some(true));
        let was_quiet = self.quiet.replace(self.quiet.get() || existing);
        let done = self.build_inner(decl, pointer, ty, name, id);
        self.quiet.set(was_quiet);
        done
    }

    fn build_inner(&self, decl: &'a Node, pointer: &str, ty: Node, name: Node, id: Node) -> Done {
        let not_deployed = Done::not_deployed;
        let mut unknown_condition = None;
        if let Some(c) = decl.get("condition") {
            let v = self.eval_str_node(Some(c));
            match v.value {
                Value::Bool(false) => return not_deployed(),
                Value::Bool(true) => {}
                Value::Unknown(_) => unknown_condition = Some(v),
                ref other => self.shared.diag(
                    c.span,
                    Code::ArmEval,
                    format!("The resource condition must be a boolean, got {}", other.to_json()),
                    true,
                ),
            }
        }
        let Some(o) = decl.value.as_object() else {
            return not_deployed();
        };
        let deployment = is_deployment(&ty);
        let mut out = Object::with_capacity(o.len() + 1);
        out.insert("id", id.clone());
        out.insert("type", ty);
        out.insert("name", name);
        // A condition that cannot be decided offline stays visible: the resource is
        // reported as possibly deployed.
        if let Some(c) = unknown_condition {
            out.insert("condition", c);
        }
        const SKIP: &[&str] = &["type", "name", "condition", "copy", "resources", "comments", "existing", "parent"];
        for m in o.iter() {
            if SKIP.iter().any(|k| m.key.eq_ignore_ascii_case(k)) {
                continue;
            }
            let props = m.key.eq_ignore_ascii_case("properties");
            let v = if props && deployment {
                self.deployment_properties(&m.value)
            } else {
                eval_node(self, &m.value, props)
            };
            let v = if props { add_child_ids_of(&v, &id) } else { v };
            out.push(m.key.clone(), v);
        }
        let mut node = Node::new(Value::object(out), decl.span);
        if let Err(x) = self.shared.budget.add_resource(&node.value) {
            // The resource keeps its identity; what it would hold is unknown.
            let message = x.message("This resource");
            self.shared.diag(decl.span, Code::ArmLimit, message.clone(), true);
            if let Value::Object(o) = &mut node.value {
                let o = Arc::make_mut(o);
                o.retain(|k| ["id", "type", "name", "condition"].iter().any(|x| k.eq_ignore_ascii_case(x)));
                o.insert("properties", Node::new(Value::unknown(UnknownCause::Error, message, decl.span), decl.span));
            }
        }
        let (outputs, opaque, nested) =
            if deployment { nested::deploy(self, decl, &node, pointer) } else { (None, false, Vec::new()) };
        Done { node, deployed: true, outputs, opaque, nested }
    }

    /// A deployment's `properties` with `template` left out (it is expanded on its own).
    fn deployment_properties(&self, props: &Node) -> Node {
        let Value::Object(o) = &props.value else {
            return eval_node(self, props, false);
        };
        let mut out = Object::with_capacity(o.len());
        for m in o.iter() {
            if m.key.eq_ignore_ascii_case("template") {
                continue;
            }
            out.push(m.key.clone(), eval_node(self, &m.value, true));
        }
        Node::new(Value::object(out), props.span)
    }
}

/// Where a template sits: its file, the JSON pointer of its root in that file, how
/// deeply it is nested, and the frame deploying it (with whether names resolve there).
pub(crate) struct Placement<'a> {
    pub file: FileId,
    pub prefix: String,
    pub depth: u32,
    pub parent: Option<(&'a dyn Host, bool)>,
    /// The linked files from the root to this template, this one's file last.
    pub links: Vec<FileId>,
}

/// Expands the resources and outputs of `template` with names from `scope`.
pub(crate) fn run<'a>(
    shared: &'a Shared<'a>,
    scope: &'a Scope<'a>,
    template: &'a Node,
    id_ctx: DeploymentContext,
    at: Placement<'a>,
) -> RunResult {
    let Placement { file, prefix, depth, parent, links } = at;
    let mut frame = Frame::new(shared, scope, id_ctx, file, depth, links);
    if let Some((p, names)) = parent {
        frame.parent = Some(p);
        frame.parent_names = names;
    }
    let mut list = Vec::new();
    match template.get("resources").map(|r| &r.value) {
        Some(Value::Array(a)) => {
            for (i, decl) in a.iter().enumerate() {
                frame.collect(&mut list, decl, format!("{prefix}/resources/{i}"), None, None, &[], &None);
            }
        }
        Some(Value::Object(o)) => {
            for m in o.iter() {
                let ptr = format!("{prefix}/resources/{}", pointer_token(&m.key));
                frame.collect(&mut list, &m.value, ptr, Some(&m.key), None, &[], &None);
            }
        }
        _ => {}
    }
    frame.apply_parents(&mut list);
    let n = list.len();
    *frame.instances.borrow_mut() = list;
    for i in 0..n {
        frame.evaluate(i);
    }
    let outputs = super::outputs::outputs(&frame, template);
    let mut resources = Vec::new();
    for inst in frame.instances.into_inner() {
        let State::Done(d) = inst.state else { continue };
        let d = *d;
        if d.deployed {
            resources.push(ExpandedResource {
                node: d.node,
                pointer: inst.pointer,
                file,
                span: inst.decl.span,
                existing: inst.existing,
                symbolic_name: inst.symbolic,
                copy_index: inst.copy_index,
                uncounted: inst.uncounted,
            });
        }
        resources.extend(d.nested);
    }
    let deployed = resources.iter().filter(|r| !r.existing).count();
    if deployed as i64 > MAX_COPY_COUNT && depth == 0 {
        shared.diag(
            template.span,
            Code::ArmLimit,
            format!("The template deploys {deployed} resources; Resource Manager allows {MAX_COPY_COUNT}"),
            false,
        );
    }
    RunResult { resources, outputs }
}
