//! Resources of one template: instances of every declaration (copy loops, child
//! resources, 2.0 symbolic names and `parent`), evaluated lazily so `reference()` can
//! read another declared resource (or a nested deployment's outputs) first.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;

use super::frame::{
    ExpandHost, LoopFrame, cached_parse, copy_index_in, eval_count, eval_node, report,
    try_eval_node,
};
use super::scope::Scope;
use super::{ExpandedResource, MAX_COPY_COUNT, Shared, nested, pointer_token};
use crate::arm::context::DeploymentContext;
use crate::arm::error::ArmError;
use crate::arm::eval::{Host, UserFunction};
use crate::arm::functions::resource::resource_id_for;
use crate::arm::parser::Template;
use crate::value::{FileId, Node, Object, Span, UnknownCause, Value};

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

enum State {
    Pending,
    InProgress,
    Done(Box<Done>),
}

pub(super) struct Instance<'a> {
    decl: &'a Node,
    pub pointer: String,
    symbolic: Option<String>,
    loop_symbol: Option<String>,
    copy_index: Option<i64>,
    loops: Vec<LoopFrame>,
    full_type: Node,
    full_name: Node,
    id: Node,
    existing: bool,
    state: State,
}

/// The host for one template's resources and outputs.
pub(crate) struct Frame<'a> {
    pub shared: &'a Shared<'a>,
    pub scope: &'a Scope<'a>,
    /// The context resource ids are built in (the target of a nested deployment).
    pub id_ctx: DeploymentContext,
    pub file: FileId,
    pub depth: u32,
    loops: RefCell<Vec<LoopFrame>>,
    instances: RefCell<Vec<Instance<'a>>>,
    open: RefCell<HashMap<usize, (Arc<Object>, String)>>,
    /// Set while evaluating the names of resources whose condition is false: ARM does
    /// not evaluate them, so their errors are not reported.
    quiet: Cell<bool>,
}

fn is_deployment(t: &Node) -> bool {
    t.as_str()
        .is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Resources/deployments"))
}

fn unknown_like(n: &Node, what: &str, span: Span) -> Node {
    let (cause, detail) = match n.value.find_unknown() {
        Some(u) => (u.cause, format!("{what} of a resource named {}", u.detail)),
        None => (
            UnknownCause::Expression,
            format!("{what} could not be built"),
        ),
    };
    Node::new(Value::unknown(cause, detail, span), span)
}

/// Turns a scope value (`/subscriptions/…`, `/`, or Bicep's relative
/// `Microsoft.Storage/storageAccounts/sa`) into an absolute id.
fn absolute_scope(ctx: &DeploymentContext, scope: &str) -> String {
    if scope.starts_with('/') {
        return scope.trim_end_matches('/').to_string();
    }
    let segs: Vec<&str> = scope.split('/').filter(|s| !s.is_empty()).collect();
    if segs.len() >= 3 && segs.len() % 2 == 1 {
        let mut ty = segs[0].to_string();
        let mut names = Vec::new();
        for pair in segs[1..].chunks(2) {
            ty.push('/');
            ty.push_str(pair[0]);
            names.push(pair[1]);
        }
        if let Some(id) = resource_id_for(ctx, &ty, &names.join("/")) {
            return id;
        }
    }
    scope.to_string()
}

/// Adds `id` to inline child objects (`properties.subnets[*]`), as GET returns them.
fn add_child_ids(props: &Node, rid: &str) -> Node {
    let Value::Object(o) = &props.value else {
        return props.clone();
    };
    let mut changed = false;
    let mut out = Object::with_capacity(o.len());
    for m in o.iter() {
        let mut v = m.value.clone();
        if let Value::Array(items) = &m.value.value {
            let needs = items.iter().any(|x| {
                x.get("name").and_then(|n| n.as_str()).is_some()
                    && x.get("id").is_none()
                    && x.get("properties").is_some()
            });
            if needs {
                let new_items = items
                    .iter()
                    .map(
                        |x| match (&x.value, x.get("name").and_then(|n| n.as_str())) {
                            (Value::Object(xo), Some(name))
                                if x.get("id").is_none() && x.get("properties").is_some() =>
                            {
                                let mut xo = (**xo).clone();
                                xo.insert(
                                    "id",
                                    Node::bare(Value::str(format!("{rid}/{}/{name}", m.key))),
                                );
                                Node::new(Value::object(xo), x.span)
                            }
                            _ => x.clone(),
                        },
                    )
                    .collect();
                v = Node::new(Value::array(new_items), m.value.span);
                changed = true;
            }
        }
        out.push(m.key.clone(), m.key_span, v);
    }
    if changed {
        Node::new(Value::object(out), props.span)
    } else {
        props.clone()
    }
}

impl<'a> Frame<'a> {
    fn new(
        shared: &'a Shared<'a>,
        scope: &'a Scope<'a>,
        id_ctx: DeploymentContext,
        file: FileId,
        depth: u32,
    ) -> Self {
        Frame {
            shared,
            scope,
            id_ctx,
            file,
            depth,
            loops: RefCell::new(Vec::new()),
            instances: RefCell::new(Vec::new()),
            open: RefCell::new(HashMap::new()),
            quiet: Cell::new(false),
        }
    }

    fn eval_str_node(&self, n: Option<&Node>) -> Node {
        match n {
            Some(n) => match try_eval_node(self, n) {
                Ok(v) => v,
                Err(e) if self.quiet.get() => Node::new(
                    Value::unknown(UnknownCause::Error, e.message(), n.span),
                    n.span,
                ),
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
    ) {
        if decl.value.as_object().is_none() {
            self.shared.diag(
                decl.span,
                "arm-template",
                "A resource declaration must be an object",
                true,
            );
            return;
        }
        let copy = decl.get("copy").filter(|c| c.value.as_object().is_some());
        let (loop_name, count) = match copy {
            Some(c) => {
                *self.loops.borrow_mut() = parent_loops.to_vec();
                let name = self
                    .eval_str_node(c.get("name"))
                    .as_str()
                    .map(Arc::<str>::from);
                match eval_count(self, c.get("count"), c.span) {
                    Some(n) => (name, Some(n)),
                    None => return,
                }
            }
            None => (None, None),
        };
        for i in 0..count.unwrap_or(1) {
            let mut loops = parent_loops.to_vec();
            if count.is_some() {
                loops.push(LoopFrame {
                    name: loop_name.clone(),
                    index: i,
                    anonymous: true,
                });
            }
            *self.loops.borrow_mut() = loops.clone();
            let skipped = decl
                .get("condition")
                .is_some_and(|c| matches!(self.eval_str_node(Some(c)).value, Value::Bool(false)));
            self.quiet.set(skipped);
            let ty = self.eval_str_node(decl.get("type"));
            let name = self.eval_str_node(decl.get("name"));
            let (full_type, full_name) = match (parent, ty.as_str(), name.as_str()) {
                (Some((pt, pn)), Some(t), Some(n)) if !t.contains('/') => (
                    match pt.as_str() {
                        Some(pt) => Node::new(Value::str(format!("{pt}/{t}")), ty.span),
                        None => unknown_like(pt, "type", ty.span),
                    },
                    match pn.as_str() {
                        Some(pn) => Node::new(Value::str(format!("{pn}/{n}")), name.span),
                        None => unknown_like(pn, "name", name.span),
                    },
                ),
                _ => (ty, name),
            };
            let id = self.compute_id(decl, &full_type, &full_name);
            self.quiet.set(false);
            let symbolic_i = symbolic.map(|s| {
                if count.is_some() {
                    format!("{s}[{i}]")
                } else {
                    s.to_string()
                }
            });
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
                    );
                }
            }
        }
        self.loops.borrow_mut().clear();
    }

    fn compute_id(&self, decl: &Node, ty: &Node, name: &Node) -> Node {
        let span = decl.get("name").map(|n| n.span).unwrap_or(decl.span);
        let (Some(t), Some(n)) = (ty.as_str(), name.as_str()) else {
            return unknown_like(if ty.as_str().is_none() { ty } else { name }, "id", span);
        };
        let tn = match crate::arm::functions::resource::type_and_names("resourceId", t, &[n]) {
            Ok(tn) => tn,
            Err(_) => {
                return Node::new(
                    Value::unknown(
                        UnknownCause::Expression,
                        format!("id of `{t}` `{n}`: name and type segments differ"),
                        span,
                    ),
                    span,
                );
            }
        };
        if let Some(scope) = decl.get("scope") {
            let s = self.eval_str_node(Some(scope));
            return match s.as_str() {
                Some(s) => {
                    let base = absolute_scope(&self.id_ctx, s);
                    Node::new(
                        Value::str(format!("{}/providers/{tn}", base.trim_end_matches('/'))),
                        span,
                    )
                }
                None => unknown_like(&s, "id", span),
            };
        }
        let mut ctx_owned = None;
        if is_deployment(ty)
            || decl.get("resourceGroup").is_some()
            || decl.get("subscriptionId").is_some()
        {
            let rg = decl
                .get("resourceGroup")
                .map(|r| self.eval_str_node(Some(r)));
            let sub = decl
                .get("subscriptionId")
                .map(|r| self.eval_str_node(Some(r)));
            if rg.is_some() || sub.is_some() {
                ctx_owned = Some(self.id_ctx.retarget(
                    sub.as_ref().and_then(|s| s.as_str()),
                    rg.as_ref().and_then(|s| s.as_str()),
                ));
            }
        }
        let ctx = ctx_owned.as_ref().unwrap_or(&self.id_ctx);
        match resource_id_for(ctx, t, n) {
            Some(id) => Node::new(Value::str(id), span),
            None => unknown_like(name, "id", span),
        }
    }

    /// 2.0 `parent`: compose type and name from the parent's when they are short.
    fn apply_parents(&self, list: &mut [Instance<'a>]) {
        for i in 0..list.len() {
            let Some(p) = list[i].decl.get("parent").and_then(|p| p.as_str()) else {
                continue;
            };
            let Some(j) = list.iter().position(|x| {
                x.symbolic.as_deref() == Some(p) || x.loop_symbol.as_deref() == Some(p)
            }) else {
                continue;
            };
            let (pt, pn) = (list[j].full_type.clone(), list[j].full_name.clone());
            let inst = &mut list[i];
            if let (Some(t), Some(ptv)) = (inst.full_type.as_str(), pt.as_str())
                && !t.contains('/')
            {
                inst.full_type = Node::new(Value::str(format!("{ptv}/{t}")), inst.full_type.span);
            }
            if let (Some(t), Some(n), Some(pnv)) = (
                inst.full_type.as_str(),
                inst.full_name.as_str(),
                pn.as_str(),
            ) {
                let want = t
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .count()
                    .saturating_sub(1);
                if n.split('/').count() < want {
                    inst.full_name =
                        Node::new(Value::str(format!("{pnv}/{n}")), inst.full_name.span);
                }
            }
            let (decl, ft, fname) = (inst.decl, inst.full_type.clone(), inst.full_name.clone());
            list[i].id = self.compute_id(decl, &ft, &fname);
        }
    }

    /// Phase two for one instance (re-entrant through `reference()`).
    fn evaluate(&self, i: usize) {
        let (decl, loops, ty, name, id) = {
            let mut list = self.instances.borrow_mut();
            let Some(inst) = list.get_mut(i) else { return };
            if !matches!(inst.state, State::Pending) {
                return;
            }
            inst.state = State::InProgress;
            (
                inst.decl,
                inst.loops.clone(),
                inst.full_type.clone(),
                inst.full_name.clone(),
                inst.id.clone(),
            )
        };
        let saved = self.loops.replace(loops);
        let pointer = self.instances.borrow()[i].pointer.clone();
        let done = self.build(decl, &pointer, ty, name, id);
        self.loops.replace(saved);
        self.instances.borrow_mut()[i].state = State::Done(Box::new(done));
    }

    fn build(&self, decl: &'a Node, pointer: &str, ty: Node, name: Node, id: Node) -> Done {
        let not_deployed = || Done {
            node: Node::null(),
            deployed: false,
            outputs: None,
            opaque: false,
            nested: Vec::new(),
        };
        if let Some(c) = decl.get("condition") {
            let v = self.eval_str_node(Some(c));
            match v.value {
                Value::Bool(false) => return not_deployed(),
                Value::Bool(true) | Value::Unknown(_) => {}
                ref other => self.shared.diag(
                    c.span,
                    "arm-eval",
                    format!(
                        "The resource condition must be a boolean, got {}",
                        other.to_json()
                    ),
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
        const SKIP: &[&str] = &[
            "type",
            "name",
            "condition",
            "copy",
            "resources",
            "comments",
            "existing",
            "parent",
        ];
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
            let v = if props {
                id.as_str().map(|rid| add_child_ids(&v, rid)).unwrap_or(v)
            } else {
                v
            };
            out.push(m.key.clone(), m.key_span, v);
        }
        let node = Node::new(Value::object(out), decl.span);
        let (outputs, opaque, nested) = if deployment {
            nested::deploy(self, decl, &node, pointer)
        } else {
            (None, false, Vec::new())
        };
        Done {
            node,
            deployed: true,
            outputs,
            opaque,
            nested,
        }
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
            out.push(m.key.clone(), m.key_span, eval_node(self, &m.value, true));
        }
        Node::new(Value::object(out), props.span)
    }

    fn resolve(&self, target: &str) -> Option<usize> {
        let list = self.instances.borrow();
        if self.scope.language_v2 {
            if let Some(i) = list
                .iter()
                .position(|x| x.symbolic.as_deref() == Some(target))
            {
                return Some(i);
            }
            if let Some(i) = list
                .iter()
                .position(|x| x.loop_symbol.as_deref() == Some(target))
            {
                return Some(i);
            }
        }
        if target.starts_with('/') {
            return list.iter().position(|x| {
                x.id.as_str()
                    .is_some_and(|id| id.eq_ignore_ascii_case(target))
            });
        }
        list.iter().position(|x| {
            x.full_name
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(target))
        })
    }

    fn register_open(&self, v: &Value, detail: &str) {
        match v {
            Value::Object(o) => {
                self.open
                    .borrow_mut()
                    .insert(Arc::as_ptr(o) as usize, (o.clone(), detail.to_string()));
                for m in o.iter() {
                    self.register_open(&m.value.value, &format!("{detail}.{}", m.key));
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    self.register_open(&x.value, &format!("{detail}[{i}]"));
                }
            }
            _ => {}
        }
    }

    fn reference_of(&self, i: usize, target: &str, full: bool) -> Option<Node> {
        self.evaluate(i);
        let list = self.instances.borrow();
        let State::Done(d) = &list.get(i)?.state else {
            return None;
        };
        if !d.deployed && !list[i].existing {
            return None;
        }
        let detail = format!(
            "reference('{target}'{})",
            if full { ", 'Full'" } else { "" }
        );
        if d.opaque {
            return Some(Node::bare(Value::unknown(
                UnknownCause::LinkedTemplate,
                detail,
                Span::NONE,
            )));
        }
        let result = if full {
            d.node.clone()
        } else {
            let props = d
                .node
                .get("properties")
                .cloned()
                .unwrap_or_else(|| Node::bare(Value::object(Object::new())));
            match (&d.outputs, &props.value) {
                (Some(outs), Value::Object(p)) => {
                    let mut p = (**p).clone();
                    p.insert("outputs", outs.clone());
                    Node::new(Value::object(p), props.span)
                }
                _ => props,
            }
        };
        drop(list);
        self.register_open(&result.value, &detail);
        Some(result)
    }
}

impl Host for Frame<'_> {
    fn context(&self) -> &DeploymentContext {
        &self.scope.ctx
    }

    fn parameter(&self, name: &str) -> Result<Node, ArmError> {
        self.scope.parameter(name)
    }

    fn variable(&self, name: &str) -> Result<Node, ArmError> {
        self.scope.variable(name)
    }

    fn copy_index(&self, name: Option<&str>) -> Option<i64> {
        copy_index_in(&self.loops, name)
    }

    fn user_function(&self, name: &str) -> Option<UserFunction> {
        self.scope.user_function(name)
    }

    fn reference(&self, target: &str, full: bool) -> Option<Node> {
        let i = self.resolve(target)?;
        self.reference_of(i, target, full)
    }

    fn references(&self, target: &str, full: bool) -> Option<Node> {
        let idx: Vec<usize> = {
            let list = self.instances.borrow();
            (0..list.len())
                .filter(|&i| list[i].loop_symbol.as_deref() == Some(target))
                .collect()
        };
        if idx.is_empty() {
            return None;
        }
        let mut out = Vec::new();
        for i in idx {
            let sym = self.instances.borrow()[i]
                .symbolic
                .clone()
                .unwrap_or_default();
            match self.reference_of(i, &sym, full) {
                Some(n) => out.push(n),
                None => {
                    let deployed =
                        matches!(&self.instances.borrow()[i].state, State::Done(d) if d.deployed);
                    if deployed {
                        return None;
                    }
                }
            }
        }
        Some(Node::bare(Value::array(out)))
    }

    fn open_object(&self, object: &Arc<Object>) -> Option<String> {
        self.open
            .borrow()
            .get(&(Arc::as_ptr(object) as usize))
            .map(|(_, d)| d.clone())
    }

    fn parse(&self, text: &str) -> Result<Arc<Template>, ArmError> {
        cached_parse(self.shared, text)
    }
}

impl ExpandHost for Frame<'_> {
    fn loops(&self) -> &RefCell<Vec<LoopFrame>> {
        &self.loops
    }

    fn shared(&self) -> &Shared<'_> {
        self.shared
    }
}

/// Expands the resources and outputs of `template` with names from `scope`.
pub(crate) fn run<'a>(
    shared: &'a Shared<'a>,
    scope: &'a Scope<'a>,
    template: &'a Node,
    id_ctx: DeploymentContext,
    file: FileId,
    prefix: &str,
    depth: u32,
) -> RunResult {
    let frame = Frame::new(shared, scope, id_ctx, file, depth);
    let mut list = Vec::new();
    match template.get("resources").map(|r| &r.value) {
        Some(Value::Array(a)) => {
            for (i, decl) in a.iter().enumerate() {
                frame.collect(
                    &mut list,
                    decl,
                    format!("{prefix}/resources/{i}"),
                    None,
                    None,
                    &[],
                );
            }
        }
        Some(Value::Object(o)) => {
            for m in o.iter() {
                let ptr = format!("{prefix}/resources/{}", pointer_token(&m.key));
                frame.collect(&mut list, &m.value, ptr, Some(&m.key), None, &[]);
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
    let outputs = outputs(&frame, template);
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
            });
        }
        resources.extend(d.nested);
    }
    let deployed = resources.iter().filter(|r| !r.existing).count();
    if deployed as i64 > MAX_COPY_COUNT && depth == 0 {
        shared.diag(
            template.span,
            "arm-limit",
            format!("The template deploys {deployed} resources; Resource Manager allows {MAX_COPY_COUNT}"),
            false,
        );
    }
    RunResult { resources, outputs }
}

fn outputs(frame: &Frame<'_>, template: &Node) -> Vec<(String, Node)> {
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
                frame.loops.borrow_mut().push(LoopFrame {
                    name: None,
                    index: i,
                    anonymous: true,
                });
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
