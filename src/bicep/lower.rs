//! Lowering a Bicep program onto the ARM expander: the program becomes the
//! `languageVersion` 2.0 template the Bicep compiler would emit (resources keyed by
//! their symbolic names), built as a [`Node`] tree whose every value carries the span
//! of the Bicep text it came from. The expander then evaluates it exactly as it
//! evaluates compiled JSON, so a finding on a property points at the Bicep line that
//! set it.
//!
//! What is lowered: parameters (types, `@secure()`, `@allowed`, defaults), variables,
//! resources (conditions, loops, `existing`, `parent`, nested child resources,
//! `scope` on a resource group or subscription), modules (local `.bicep` and `.json`
//! files as nested deployments with their own frames; registry and template-spec
//! modules as linked templates that are not followed), outputs, user-defined
//! functions, and every expression: operators, interpolation, ternaries, safe access
//! (`.?`, `[?]`), `!`, spreads, lambdas, for-expressions, resource and module
//! properties (`.id`, `.name`, `.properties.x` → `reference()`, `.outputs.x`),
//! resource functions (`stg.listKeys()`), `load*Content` of files inside the scanned
//! tree, `import`ed variables and functions (lowered under names of their own). Types
//! and assertions have no bearing on the resources and are left out; an import from a
//! registry or a JSON file is not read (a use of its values is an error naming it).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use super::ast::*;
use crate::problem::{Code, Problem};
use crate::value::{FileId, Node, Object, Span, UnknownCause, Value};

/// The API version azlint gives a module's deployment resource (any version reads the
/// same for the expander).
const DEPLOYMENT_API: &str = "2025-04-01";

/// A module's file: a Bicep program's text, or a JSON template already parsed.
pub enum ModuleFile {
    /// A program parsed once (by the load stage, or by the loader just now: `new`, and
    /// then nobody else reports its syntax errors).
    Bicep {
        file: FileId,
        program: Arc<Program>,
        new: bool,
    },
    Json {
        file: FileId,
        template: Node,
    },
}

/// How module and loaded files are read: only files inside the scanned tree.
pub trait Files {
    /// The `.bicep` or `.json` file `relative` names, seen from the file `from` (a file
    /// the scan reads, so that findings can point in it).
    fn module(&self, from: FileId, relative: &str) -> Result<ModuleFile, String>;
    /// The `.bicep` or `.json` file at an absolute path a registry alias resolved to
    /// (azlint.toml `[bicep] module-aliases`, trusted as the user's configuration).
    fn module_at(&self, path: &std::path::Path) -> Result<ModuleFile, String>;
    /// The bytes of a file `relative` names from `from` (`loadTextContent` and friends).
    fn bytes(&self, from: FileId, relative: &str) -> Result<Vec<u8>, String>;
    /// How messages name a file.
    fn name(&self, file: FileId) -> String;
}

/// A lowered program: the template and the problems met (unresolvable names,
/// modules that cannot be read, module cycles).
pub struct Lowered {
    pub template: Node,
    pub problems: Vec<Problem>,
    /// The local module files lowered into it (they are not entries of their own).
    pub modules: Vec<FileId>,
}

/// Registry module prefixes and the absolute folders they are read from.
pub type Aliases = [(String, std::path::PathBuf)];

/// The local file a registry module path names through an alias: the longest prefix
/// that matches, the rest of the path below its folder (a folder means its
/// `main.bicep`), the version tag (`:0.1.0`) left out.
pub fn resolve_alias(target: &str, aliases: &Aliases) -> Option<std::path::PathBuf> {
    let untagged = match target.rsplit_once(':') {
        Some((path, tag)) if !tag.contains('/') && path.contains('/') => path,
        _ => target,
    };
    let (prefix, folder) =
        aliases.iter().filter(|(p, _)| untagged.starts_with(p.as_str())).max_by_key(|(p, _)| p.len())?;
    let rest = untagged[prefix.len()..].trim_start_matches('/');
    let path = folder.join(rest);
    Some(if path.extension().is_some_and(|e| e == "bicep" || e == "json") { path } else { path.join("main.bicep") })
}

/// Lowers the program of `file` (already parsed) to an ARM template.
pub fn lower(program: &Program, file: FileId, files: &dyn Files, aliases: &Aliases) -> Lowered {
    let problems = RefCell::new(Vec::new());
    let mut stack = vec![file];
    let modules = RefCell::new(Vec::new());
    let shared = Shared { files, problems: &problems, modules: &modules, aliases };
    let template = lower_file(program, file, &shared, &mut stack);
    // Declarations are lowered once more than the template writes them: report each
    // problem once.
    let mut problems = problems.into_inner();
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert((p.code, p.span, p.message.clone())));
    // A module cycle back to this program does not make it its own module.
    let mut modules = modules.into_inner();
    modules.retain(|m| *m != file);
    modules.sort();
    modules.dedup();
    Lowered { template, problems, modules }
}

/// What every file of one lowering shares.
struct Shared<'a> {
    files: &'a dyn Files,
    problems: &'a RefCell<Vec<Problem>>,
    modules: &'a RefCell<Vec<FileId>>,
    aliases: &'a Aliases,
}

fn lower_file(program: &Program, file: FileId, shared: &Shared<'_>, stack: &mut Vec<FileId>) -> Node {
    let (files, problems) = (shared.files, shared.problems);
    let wide_scope = program.statements.iter().any(|s| match &s.kind {
        StmtKind::TargetScope { value } => match &value.kind {
            ExprKind::String(s) => s.as_literal().is_some_and(|v| v != "resourceGroup"),
            _ => false,
        },
        _ => false,
    });
    let mut cx = Cx {
        file,
        files,
        problems,
        modules: shared.modules,
        aliases: shared.aliases,
        prefix: String::new(),
        imported: Vec::new(),
        imported_funcs: Vec::new(),
        quiet: std::cell::Cell::new(false),
        symbols: HashMap::new(),
        runtime_vars: HashMap::new(),
        wide_scope,
        stack: std::mem::take(stack),
    };
    cx.declare(program);
    let node = cx.template(program);
    *stack = cx.stack;
    node
}

/// What a top-level name stands for.
#[derive(Clone)]
enum Sym {
    Param,
    /// A variable, by its name in the ARM template (an imported one is prefixed).
    Var(String),
    /// A user function, by its member name in the `__bicep` namespace.
    Func(String),
    /// `import * as ns from '…'`: the exported names of that file.
    Namespace(HashMap<String, Sym>),
    Resource(Box<Res>),
    Module(Box<Module>),
    /// Declared but not lowered (types, outputs, assertions).
    Other,
    /// Brought in by `import` from another file: not lowered yet.
    Imported,
}

/// A declared resource: what expressions about it need.
#[derive(Clone)]
struct Res {
    /// The ARM symbolic name (`stg`, `vnet::subnet` for a nested one).
    symbol: String,
    full_type: String,
    api: String,
    /// The resource's own `name` expression (ARM text) and the parent chain's, in order.
    segments: Vec<String>,
    /// What `.name` gives: the declared `name` (the full `vnet/subnet` of a resource
    /// declared with a full name, the child's own name with `parent:`).
    name: String,
    /// The ARM `name`: the declared name, or `parent/name` with a parent.
    full_name: String,
    /// The loop variable's and index's expressions inside the resource, when looped.
    each: Option<Each>,
    /// Extra leading `resourceId` arguments (`subscription, resourceGroup`) for an
    /// existing resource in another scope.
    scope_args: Vec<String>,
    /// An extension resource's scope (`scope: vm`, or its parent's): that resource's id
    /// as ARM text; its own id is then an `extensionResourceId()` on it.
    scope_id: Option<String>,
    /// Declared at `scope: tenant()` (or its parent was): its id is a `tenantResourceId()`.
    tenant: bool,
}

#[derive(Clone)]
struct Module {
    symbol: String,
    name: String,
    each: Option<Each>,
    /// The declaration's `if` condition as ARM text (not for a loop's copies).
    condition: Option<String>,
}

/// The decorators of the `sys` namespace (the language reference's list; `retryOn`,
/// `onlyIfNotExists` and `waitUntil` are the newer resource decorators).
const DECORATORS: &[&str] = &[
    "allowed",
    "batchSize",
    "description",
    "discriminator",
    "export",
    "maxLength",
    "maxValue",
    "metadata",
    "minLength",
    "minValue",
    "onlyIfNotExists",
    "retryOn",
    "sealed",
    "secure",
    "waitUntil",
];

/// Whether a type admits `null`: `T?`, and a union with a nullable member
/// (`'a' | 'b'?` reads as `('a' | 'b')?`, as the compiler writes it) or a `null` literal.
fn is_nullable(t: &TypeExpr) -> bool {
    match &t.kind {
        TypeKind::Nullable(_) => true,
        TypeKind::Union(members) => members.iter().any(is_nullable),
        TypeKind::Literal(e) => matches!(e.kind, ExprKind::Null),
        TypeKind::Paren(inner) => is_nullable(inner),
        _ => false,
    }
}

/// A template value with its expressions' variable and copy names replaced (`from` and
/// `to` are whole calls: `variables('x')`, `copyIndex('x')`).
fn renamed(node: &Node, renames: &[(String, String)]) -> Node {
    let value = match &node.value {
        Value::String(s) if s.starts_with('[') && !s.starts_with("[[") => {
            let mut text = s.to_string();
            for (from, to) in renames {
                if text.contains(from.as_str()) {
                    text = text.replace(from.as_str(), to);
                }
            }
            Value::str(text)
        }
        Value::Array(items) => Value::array(items.iter().map(|n| renamed(n, renames)).collect()),
        Value::Object(o) => {
            let mut out = Object::new();
            for m in o.iter() {
                out.insert(m.key.clone(), renamed(&m.value, renames));
            }
            Value::object(out)
        }
        other => other.clone(),
    };
    Node::new(value, node.span)
}

/// The name `nameof()` gives: the last identifier of a symbol or property chain.
fn last_name(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Var(id) => Some(id.name.clone()),
        ExprKind::Property { name, .. } | ExprKind::ResourceAccess { name, .. } => Some(name.name.clone()),
        ExprKind::Index { index, .. } => match &index.kind {
            ExprKind::String(s) => s.as_literal(),
            _ => None,
        },
        ExprKind::Paren(inner) => last_name(inner),
        _ => None,
    }
}

/// A ternary whose condition is a literal `true` or `false`, folded to its branch (as the
/// compiler folds it), recursively; any other expression as it is.
fn folded(e: &Expr) -> &Expr {
    match &e.kind {
        ExprKind::Ternary { cond, then, otherwise } => match &unparen(cond).kind {
            ExprKind::Bool(true) => folded(then),
            ExprKind::Bool(false) => folded(otherwise),
            _ => e,
        },
        ExprKind::Paren(inner) => folded(inner),
        _ => e,
    }
}

/// Whether ARM text reads deployed state: calls `reference()` or a `list*()` function.
fn reads_deployed_state(text: &str) -> bool {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < b.len() {
        if !word(b[i]) {
            i += 1;
            continue;
        }
        let end = i + b[i..].iter().take_while(|&&c| word(c)).count();
        let name = &text[i..end];
        if b.get(end) == Some(&b'(') && (name == "reference" || name.starts_with("list")) {
            return true;
        }
        i = end;
    }
    false
}

/// A declaration loop: `[for (item, index) in iterable: ...]` over ARM copies.
#[derive(Clone)]
struct Each {
    item: Option<String>,
    index: Option<String>,
    /// The iterable as ARM text.
    iterable: String,
}

struct Cx<'a> {
    file: FileId,
    files: &'a dyn Files,
    problems: &'a RefCell<Vec<Problem>>,
    modules: &'a RefCell<Vec<FileId>>,
    aliases: &'a Aliases,
    /// Prefix of this file's variable and function names in the template (an imported
    /// file's are `__i<file>_`, so that they cannot meet the importer's).
    prefix: String,
    /// Variables and functions of imported files, by their prefixed names.
    imported: Vec<(String, Node)>,
    imported_funcs: Vec<(String, Node)>,
    /// While declarations are resolved in passes (a name may be used before it is
    /// declared), problems wait for the last pass.
    quiet: std::cell::Cell<bool>,
    symbols: HashMap<String, Sym>,
    /// Variables whose value reads deployed state (`reference()`, `list*()`), by ARM name,
    /// with that value's ARM text: Resource Manager evaluates variables before any
    /// resource is deployed, so the compiler writes such a value where it is used.
    runtime_vars: HashMap<String, String>,
    /// The program's `targetScope` is not a resource group: its modules carry
    /// `location`, as the compiler writes them.
    wide_scope: bool,
    /// Files being lowered, outermost first (a module that is already here is a cycle).
    stack: Vec<FileId>,
}

/// Names bound inside an expression (loop items, lambda variables), innermost last,
/// each to the ARM text it stands for.
type Locals = Vec<(String, String)>;

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A JSON string that the expander reads as the literal `s` (a leading `[` is doubled).
fn literal(s: &str) -> Value {
    if s.starts_with('[') { Value::str(format!("[{s}")) } else { Value::str(s) }
}

/// A string literal's value: a multi-line string drops the line break right after its
/// opening `'''`, as the compiler does.
fn lit(s: &StringLit) -> Option<String> {
    let v = s.as_literal()?;
    if !s.multiline {
        return Some(v);
    }
    Some(v.strip_prefix("\r\n").or_else(|| v.strip_prefix('\n')).map(str::to_string).unwrap_or(v))
}

fn ident_like(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_ascii_alphabetic() || f == '_') && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

/// `base.name`, or `base['name']` when the name is not an identifier.
fn member(base: &str, name: &str) -> String {
    if ident_like(name) { format!("{base}.{name}") } else { format!("{base}[{}]", quote(name)) }
}

impl Cx<'_> {
    fn error(&self, span: Span, code: Code, message: impl Into<String>) {
        if self.quiet.get() {
            return;
        }
        let file = Some(self.files.name(span.file));
        self.problems.borrow_mut().push(Problem::error(code, message, file, Some(span)));
    }

    /// Records a construct azlint does not lower yet and returns an expression whose
    /// value is unknown (a `reference()` that names no resource), never a guess.
    fn unsupported(&self, span: Span, what: &str) -> String {
        self.error(
            span,
            Code::BicepUnsupported,
            format!("{what} is not evaluated by azlint yet; its value is unknown"),
        );
        self.unknown(what)
    }

    /// An expression whose value is unknown, saying why.
    fn unknown(&self, why: &str) -> String {
        format!("reference({})", quote(&format!("bicep: {why}")))
    }

    fn warning(&self, span: Span, code: Code, message: impl Into<String>) {
        if self.quiet.get() {
            return;
        }
        let file = Some(self.files.name(span.file));
        self.problems.borrow_mut().push(Problem::warning(code, message, file, Some(span)));
    }

    // ---- declarations -------------------------------------------------------------

    /// Records every top-level name first: Bicep declarations may be used before they
    /// are written.
    fn declare(&mut self, program: &Program) {
        // Resources are declared again until their parents are known: a child may be
        // written before its parent, and parents chain.
        self.import_all(program);
        self.quiet.set(true);
        self.declare_pass(program);
        for _ in 0..4 {
            let before = self.resource_shapes();
            self.declare_pass(program);
            if self.resource_shapes() == before {
                break;
            }
        }
        // The last pass reports what is still wrong.
        self.quiet.set(false);
        self.declare_pass(program);
        self.find_runtime_vars(program);
    }

    /// Fills [`Cx::runtime_vars`]: passes until no variable changes, since a variable
    /// that uses one that reads deployed state reads it too.
    fn find_runtime_vars(&mut self, program: &Program) {
        self.quiet.set(true);
        for _ in 0..8 {
            let mut changed = false;
            for st in &program.statements {
                let StmtKind::Var { name, value, .. } = &st.kind else { continue };
                if matches!(value.kind, ExprKind::For(_)) {
                    continue;
                }
                let text = self.expr(value, &Vec::new());
                let key = format!("{}{}", self.prefix, name.name);
                if reads_deployed_state(&text) && self.runtime_vars.get(&key) != Some(&text) {
                    self.runtime_vars.insert(key, text);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        self.quiet.set(false);
    }

    /// A variable as used in an expression: `variables('x')`, or its value when it reads
    /// deployed state.
    fn var_ref(&self, arm: &str) -> String {
        match self.runtime_vars.get(arm) {
            Some(text) => text.clone(),
            None => format!("variables({})", quote(arm)),
        }
    }

    /// `import {a, b as c} from './x.bicep'` and `import * as ns from …`: the imported
    /// file's variables and functions are lowered into this template under names of
    /// their own (`__i<file>_a`), so that an imported value is evaluated as in its file.
    /// Types have no bearing on the resources. A registry import is not read.
    fn import_all(&mut self, program: &Program) {
        let mut seen: HashMap<FileId, HashMap<String, Sym>> = HashMap::new();
        for st in &program.statements {
            let StmtKind::Import { symbols, from } = &st.kind else { continue };
            let exported = from.as_literal().and_then(|path| self.import_file(&path, from.span, &mut seen));
            let names: Vec<(String, Option<String>)> = match symbols {
                ImportSymbols::Named(items) => items
                    .iter()
                    .filter_map(|i| {
                        let name = i.name.as_literal()?;
                        Some((i.alias.as_ref().map_or_else(|| name.clone(), |a| a.name.clone()), Some(name)))
                    })
                    .collect(),
                ImportSymbols::Wildcard { alias } => vec![(alias.name.clone(), None)],
            };
            for (local, name) in names {
                let sym = match (&exported, name) {
                    (None, _) => Sym::Imported,
                    (Some(e), None) => Sym::Namespace(e.clone()),
                    // Not a variable or function: a type, which lowers to nothing.
                    (Some(e), Some(n)) => e.get(&n).cloned().unwrap_or(Sym::Other),
                };
                self.symbols.insert(local, sym);
            }
        }
    }

    /// Lowers an imported file's variables and functions into this template and gives
    /// the names it exports; `None` when it cannot be read or is not a local Bicep file.
    fn import_file(
        &mut self,
        path: &str,
        span: Span,
        seen: &mut HashMap<FileId, HashMap<String, Sym>>,
    ) -> Option<HashMap<String, Sym>> {
        if path.contains(':') {
            return None;
        }
        let (file, program) = match self.files.module(self.file, path) {
            Ok(ModuleFile::Bicep { file, program, .. }) => (file, program),
            Ok(ModuleFile::Json { file, template }) => {
                if let Some(e) = seen.get(&file) {
                    return Some(e.clone());
                }
                let exported = self.import_json(file, &template);
                seen.insert(file, exported.clone());
                return Some(exported);
            }
            // Most imports bring types only, which lower to nothing: a file that cannot
            // be read matters only where a variable or function from it is used, and
            // that use is reported there.
            Err(_) => return None,
        };
        if let Some(e) = seen.get(&file) {
            return Some(e.clone());
        }
        if self.stack.contains(&file) {
            self.error(span, Code::ArmLinkedCycle, format!("`{path}` imports back into a file that imports it"));
            return None;
        }
        let mut stack = self.stack.clone();
        stack.push(file);
        let mut child = Cx {
            file,
            files: self.files,
            problems: self.problems,
            modules: self.modules,
            aliases: self.aliases,
            prefix: format!("__i{}_", file.0),
            imported: Vec::new(),
            imported_funcs: Vec::new(),
            quiet: std::cell::Cell::new(false),
            symbols: HashMap::new(),
            runtime_vars: HashMap::new(),
            wide_scope: false,
            stack,
        };
        child.declare(&program);
        for st in &program.statements {
            match &st.kind {
                StmtKind::Var { name, value, .. } => {
                    let v = child.value(value, &Vec::new());
                    child.imported.push((format!("{}{}", child.prefix, name.name), v));
                }
                StmtKind::Func { name, params, return_type, body } => {
                    let f = child.func(params, return_type, body, st.span);
                    child.imported_funcs.push((format!("{}{}", child.prefix, name.name), f));
                }
                _ => {}
            }
        }
        self.imported.append(&mut child.imported);
        self.imported_funcs.append(&mut child.imported_funcs);
        let exported: HashMap<String, Sym> =
            child.symbols.into_iter().filter(|(_, s)| matches!(s, Sym::Var(_) | Sym::Func(_))).collect();
        seen.insert(file, exported.clone());
        Some(exported)
    }

    /// The variables of an ARM template imported from (`import {x} from './t.json'`, a
    /// template the compiler built with exported variables): every variable, copy loops
    /// too, goes into this template under a name of its own (`__i<file>_x`), its
    /// expressions renamed to match, so that an imported value is evaluated as in its
    /// template. Functions of a JSON template are not imported.
    fn import_json(&mut self, file: FileId, template: &Node) -> HashMap<String, Sym> {
        let prefix = format!("__i{}_", file.0);
        let Some(vars) = template.get("variables").and_then(|v| v.value.as_object()) else { return HashMap::new() };
        let copies: Vec<&Node> = vars.get("copy").and_then(|c| c.value.as_array()).into_iter().flatten().collect();
        let mut names: Vec<String> =
            vars.keys().filter(|k| !k.eq_ignore_ascii_case("copy")).map(str::to_string).collect();
        names.extend(copies.iter().filter_map(|c| c.get("name")?.as_str().map(str::to_string)));
        let renames: Vec<(String, String)> = names
            .iter()
            .flat_map(|n| {
                let q = |f: &str, name: &str| format!("{f}({})", quote(name));
                let to = format!("{prefix}{n}");
                [(q("variables", n), q("variables", &to)), (q("copyIndex", n), q("copyIndex", &to))]
            })
            .collect();
        for m in vars.iter() {
            if m.key.eq_ignore_ascii_case("copy") {
                continue;
            }
            self.imported.push((format!("{prefix}{}", m.key), renamed(&m.value, &renames)));
        }
        for c in copies {
            let mut copy = renamed(c, &renames);
            if let Value::Object(o) = &mut copy.value
                && let Some(name) = c.get("name").and_then(Node::as_str)
            {
                std::sync::Arc::make_mut(o).insert("name", Node::new(Value::str(format!("{prefix}{name}")), c.span));
            }
            self.imported.push(("copy".into(), copy));
        }
        names.into_iter().map(|n| (n.clone(), Sym::Var(format!("{prefix}{n}")))).collect()
    }

    /// Every resource's symbol and id segments, to tell when declaring is done.
    fn resource_shapes(&self) -> Vec<(String, Vec<String>)> {
        let mut v: Vec<(String, Vec<String>)> = self
            .symbols
            .iter()
            .filter_map(|(k, s)| match s {
                Sym::Resource(r) => Some((k.clone(), r.segments.clone())),
                _ => None,
            })
            .collect();
        v.sort();
        v
    }

    fn declare_pass(&mut self, program: &Program) {
        for st in &program.statements {
            match &st.kind {
                StmtKind::Param { name, .. } => {
                    self.symbols.insert(name.name.clone(), Sym::Param);
                }
                StmtKind::Var { name, .. } => {
                    self.symbols.insert(name.name.clone(), Sym::Var(format!("{}{}", self.prefix, name.name)));
                }
                StmtKind::Func { name, .. } => {
                    self.symbols.insert(name.name.clone(), Sym::Func(format!("{}{}", self.prefix, name.name)));
                }
                StmtKind::Resource(r) => self.declare_resource(r, None),
                StmtKind::Module { name, body, .. } => {
                    let (obj, cond, each) = self.decl_parts(body, &Vec::new());
                    let name_expr = obj
                        .and_then(|o| prop(o, "name"))
                        .map(|e| self.expr(e, &each_locals(&each)))
                        .unwrap_or_else(|| quote(&name.name));
                    let condition = cond.filter(|_| each.is_none()).map(|c| self.expr(c, &Vec::new()));
                    let m = Module { symbol: name.name.clone(), name: name_expr, each, condition };
                    self.symbols.insert(name.name.clone(), Sym::Module(Box::new(m)));
                }
                StmtKind::Type { name, .. } | StmtKind::Output { name, .. } | StmtKind::Assert { name, .. } => {
                    self.symbols.entry(name.name.clone()).or_insert(Sym::Other);
                }
                StmtKind::Import { .. } => {}
                _ => {}
            }
        }
    }

    /// Records a resource and its nested children. A child declared in its parent's
    /// body (`enclosing`) is `parent::child`, also reachable by its bare name when no
    /// top-level declaration has it; a top-level resource with `parent:` keeps its name.
    fn declare_resource(&mut self, r: &Resource, enclosing: Option<&Res>) {
        let (ty, api) = split_type(&r.type_str);
        let full_type = match enclosing {
            Some(p) if !ty.contains('/') => format!("{}/{ty}", p.full_type),
            _ => ty.clone(),
        };
        let api = api.or_else(|| enclosing.map(|p| p.api.clone())).unwrap_or_default();
        let (obj, _, own_each) = self.decl_parts(&r.body, &Vec::new());
        let each = own_each.or_else(|| enclosing.and_then(|p| p.each.clone()));
        let locals = each_locals(&each);
        // `parent: vnets[i]` names one copy of a looped parent: its segments with the
        // parent's loop bound to that index.
        let parent_res =
            obj.and_then(|o| prop(o, "parent")).and_then(|e| self.resource_of_in(e, &locals)).map(|(p, idx)| {
                let segments = p.segments.iter().map(|s| self.bound(&p.each, idx.as_deref(), s)).collect();
                Res { segments, ..p }
            });
        let parent = enclosing.cloned().or(parent_res);
        let own_name = obj.and_then(|o| prop(o, "name"));
        let mut segments = match &parent {
            Some(p) => p.segments.clone(),
            None => Vec::new(),
        };
        let name = own_name.map_or_else(|| "''".into(), |e| self.expr(e, &locals));
        let wanted = full_type.matches('/').count();
        match own_name {
            // A legacy full name `'${vnet.name}/subnet'` names every segment itself.
            Some(e) if parent.is_none() && wanted > 1 => {
                let segs = self.name_segments(e, &locals);
                if segs.len() == wanted {
                    segments.extend(segs);
                } else {
                    // A name whose `/`s come from a value: split it as the compiler does.
                    segments.extend((0..wanted).map(|k| format!("split({name}, '/')[{k}]")));
                }
            }
            Some(_) => segments.push(name.clone()),
            None => segments.push("''".into()),
        }
        // A child (nested or with `parent:`) is in its parent's scope.
        let scope_args = match &parent {
            Some(p) => p.scope_args.clone(),
            None => obj.and_then(|o| prop(o, "scope")).map(|s| self.scope_args(s, &locals)).unwrap_or_default(),
        };
        let tenant = match &parent {
            Some(p) => p.tenant,
            None => obj.and_then(|o| prop(o, "scope")).is_some_and(
                |s| matches!(&s.kind, ExprKind::Call { name, args, .. } if name.name == "tenant" && args.is_empty()),
            ),
        };
        let scope_id = match &parent {
            Some(p) => p.scope_id.clone(),
            None => obj
                .and_then(|o| prop(o, "scope"))
                .and_then(|s| self.resource_of_in(s, &locals))
                .filter(|(r, _)| !r.full_type.eq_ignore_ascii_case("Microsoft.Resources/resourceGroups"))
                .map(|(r, idx)| self.resource_id(&r, idx.as_deref(), &locals)),
        };
        let symbol = match enclosing {
            Some(p) => format!("{}::{}", p.symbol, r.name.name),
            None => r.name.name.clone(),
        };
        let full_name = match &parent {
            Some(p) => format!("format('{{0}}/{{1}}', {}, {name})", p.full_name),
            None => name.clone(),
        };
        let res = Res {
            symbol: symbol.clone(),
            full_type,
            api,
            segments,
            name,
            full_name,
            each,
            scope_args,
            scope_id,
            tenant,
        };
        for child in obj.into_iter().flat_map(nested) {
            if let StmtKind::Resource(c) = &child.kind {
                self.declare_resource(c, Some(&res));
                if let Some(s) = self.symbols.get(&format!("{symbol}::{}", c.name.name)).cloned() {
                    self.symbols.entry(c.name.name.clone()).or_insert(s);
                }
            }
        }
        self.symbols.insert(symbol, Sym::Resource(Box::new(res)));
    }

    /// The body object, condition and loop of a resource or module declaration.
    fn decl_parts<'e>(
        &self,
        body: &'e DeclBody,
        locals: &Locals,
    ) -> (Option<&'e Expr>, Option<&'e Expr>, Option<Each>) {
        match body {
            DeclBody::Object(o) => (Some(o), None, None),
            DeclBody::If(i) => (Some(&i.body), Some(&i.cond), None),
            DeclBody::For(f) => match &f.kind {
                ExprKind::For(fe) => {
                    let each = Each {
                        item: Some(fe.item.name.clone()),
                        index: fe.index.as_ref().map(|i| i.name.clone()),
                        iterable: self.expr(&fe.iterable, locals),
                    };
                    match &fe.body {
                        ForBody::Expr(e) => (Some(e), None, Some(each)),
                        ForBody::If(i) => (Some(&i.body), Some(&i.cond), Some(each)),
                    }
                }
                _ => (None, None, None),
            },
        }
    }

    // ---- the template -------------------------------------------------------------

    fn template(&mut self, program: &Program) -> Node {
        program.statements.iter().for_each(|st| self.check_decorators(st));
        let at = program.span;
        let mut t = Object::new();
        let scope = program.statements.iter().find_map(|s| match &s.kind {
            StmtKind::TargetScope { value } => match &value.kind {
                ExprKind::String(s) => s.as_literal(),
                _ => None,
            },
            _ => None,
        });
        let schema = match scope.as_deref() {
            Some("subscription") => {
                "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
            }
            Some("managementGroup") => {
                "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#"
            }
            Some("tenant") => "https://schema.management.azure.com/schemas/2019-08-01/tenantDeploymentTemplate.json#",
            _ => "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        };
        t.insert("$schema", Node::new(Value::str(schema), at));
        t.insert("languageVersion", Node::new(Value::str("2.0"), at));
        t.insert("contentVersion", Node::new(Value::str("1.0.0.0"), at));
        let mut params = Object::new();
        let mut vars = Object::new();
        let mut resources = Object::new();
        let mut outputs = Object::new();
        let mut funcs = Object::new();
        let mut var_copies = Vec::new();
        for st in &program.statements {
            match &st.kind {
                StmtKind::Param { name, ty, default } => {
                    params.insert(name.name.as_str(), self.param(st, ty.as_ref(), default.as_ref()));
                }
                StmtKind::Var { name, value, .. } => {
                    let key = format!("{}{}", self.prefix, name.name);
                    if self.runtime_vars.contains_key(&key) {
                        continue;
                    }
                    // A variable that is a loop is a variable copy loop, as the compiler
                    // writes it: its count unknown offline, the expander assumes one
                    // element rather than losing the whole array.
                    if let ExprKind::For(f) = &value.kind
                        && let Some(copy) = self.property_copy(&key, f, &Vec::new(), st.span)
                    {
                        var_copies.push(copy);
                        continue;
                    }
                    vars.insert(key, self.value(value, &Vec::new()));
                }
                StmtKind::Resource(r) => self.resource(r, st, None, &mut resources),
                StmtKind::Module { name, path, body } => {
                    if let Some(m) = self.module(name, path, body, st) {
                        resources.insert(name.name.as_str(), m);
                    }
                }
                StmtKind::Output { name, ty, value } => {
                    let mut o = Object::new();
                    o.insert("type", Node::new(Value::str(self.type_name(ty, false)), ty.span));
                    match &value.kind {
                        ExprKind::For(f) if let Some(copy) = self.loop_copy(None, f, &Vec::new(), value.span) => {
                            o.insert("copy", copy);
                        }
                        _ => o.insert("value", self.value(value, &Vec::new())),
                    }
                    outputs.insert(name.name.as_str(), Node::new(Value::object(o), st.span));
                }
                StmtKind::Func { name, params: ps, return_type, body } => {
                    funcs.insert(format!("{}{}", self.prefix, name.name), self.func(ps, return_type, body, st.span));
                }
                _ => {}
            }
        }
        t.insert("parameters", Node::new(Value::object(params), at));
        for (name, f) in std::mem::take(&mut self.imported_funcs) {
            funcs.insert(name, f);
        }
        for (name, v) in std::mem::take(&mut self.imported) {
            // A copy loop of an imported JSON template joins this template's loops.
            if name == "copy" {
                var_copies.push(v);
            } else {
                vars.insert(name, v);
            }
        }
        if !funcs.is_empty() {
            let mut ns = Object::new();
            ns.insert("namespace", Node::new(Value::str("__bicep"), at));
            ns.insert("members", Node::new(Value::object(funcs), at));
            t.insert("functions", Node::new(Value::array(vec![Node::new(Value::object(ns), at)]), at));
        }
        if !var_copies.is_empty() {
            vars.insert("copy", Node::new(Value::array(var_copies), at));
        }
        t.insert("variables", Node::new(Value::object(vars), at));
        t.insert("resources", Node::new(Value::object(resources), at));
        t.insert("outputs", Node::new(Value::object(outputs), at));
        Node::new(Value::object(t), at)
    }

    fn param(&self, st: &Statement, ty: Option<&TypeExpr>, default: Option<&Expr>) -> Node {
        let mut o = Object::new();
        let secure = st.decorators.iter().any(|d| d.name() == "secure");
        let ty_name = match ty {
            Some(t) => self.type_name(t, secure),
            None => "object".into(),
        };
        let nullable = ty.is_some_and(is_nullable);
        o.insert("type", Node::new(Value::str(ty_name), ty.map_or(st.span, |t| t.span)));
        if nullable {
            o.insert("nullable", Node::new(Value::Bool(true), st.span));
        }
        for d in &st.decorators {
            let key = match d.name() {
                "allowed" => "allowedValues",
                "minValue" => "minValue",
                "maxValue" => "maxValue",
                "minLength" => "minLength",
                "maxLength" => "maxLength",
                _ => continue,
            };
            if let Some(a) = d.args().first() {
                o.insert(key, self.value(a, &Vec::new()));
            }
        }
        if let Some(e) = default {
            o.insert("defaultValue", self.value(e, &Vec::new()));
        }
        Node::new(Value::object(o), st.span)
    }

    fn func(&self, ps: &[TypedParam], ret: &TypeExpr, body: &Expr, span: Span) -> Node {
        let mut params = Vec::new();
        let mut locals = Vec::new();
        for p in ps {
            let mut o = Object::new();
            o.insert("name", Node::new(Value::str(p.name.name.as_str()), p.name.span));
            o.insert("type", Node::new(Value::str(self.type_name(&p.ty, false)), p.ty.span));
            params.push(Node::new(Value::object(o), p.span));
            locals.push((p.name.name.clone(), format!("parameters({})", quote(&p.name.name))));
        }
        let mut out = Object::new();
        out.insert("type", Node::new(Value::str(self.type_name(ret, false)), ret.span));
        out.insert("value", Node::new(Value::str(format!("[{}]", self.expr(body, &locals))), body.span));
        let mut f = Object::new();
        f.insert("parameters", Node::new(Value::array(params), span));
        f.insert("output", Node::new(Value::object(out), span));
        Node::new(Value::object(f), span)
    }

    /// The ARM type of a Bicep type expression: the base kind, user types resolved
    /// through their declarations (by name only; types from imports default by use).
    fn type_name(&self, t: &TypeExpr, secure: bool) -> String {
        let base = match &t.kind {
            TypeKind::Name(n) => match n.name.as_str() {
                "string" | "int" | "bool" | "object" | "array" => n.name.clone(),
                "any" => "object".into(),
                _ => "object".into(),
            },
            TypeKind::Literal(e) => match &e.kind {
                ExprKind::String(_) => "string".into(),
                ExprKind::Int(_) | ExprKind::Unary { .. } => "int".into(),
                ExprKind::Bool(_) => "bool".into(),
                _ => "object".into(),
            },
            TypeKind::Union(items) => items.first().map_or_else(|| "object".into(), |i| self.type_name(i, false)),
            TypeKind::Nullable(i) | TypeKind::Paren(i) => return self.type_name(i, secure),
            TypeKind::Array(_) | TypeKind::Tuple(_) => "array".into(),
            TypeKind::Resource(_) => "string".into(),
            _ => "object".into(),
        };
        match (base.as_str(), secure) {
            ("string", true) => "securestring".into(),
            ("object", true) => "secureObject".into(),
            _ => base,
        }
    }

    // ---- resources ------------------------------------------------------------------

    fn resource(&mut self, r: &Resource, st: &Statement, parent: Option<&str>, out: &mut Object) {
        let symbol = match parent {
            Some(p) => format!("{p}::{}", r.name.name),
            None => r.name.name.clone(),
        };
        let Some(Sym::Resource(info)) = self.symbols.get(&symbol).cloned() else {
            return;
        };
        let (obj, cond, _) = self.decl_parts(&r.body, &Vec::new());
        let locals = each_locals(&info.each);
        let mut o = Object::new();
        o.insert("type", Node::new(Value::str(info.full_type.as_str()), r.type_str.span));
        o.insert("apiVersion", Node::new(Value::str(info.api.as_str()), r.type_str.span));
        if r.existing {
            o.insert("existing", Node::new(Value::Bool(true), st.span));
        }
        if let Some(c) = cond {
            o.insert("condition", self.value(unparen(c), &locals));
        }
        if let Some(each) = &info.each {
            let mut copy = Object::new();
            copy.insert("name", Node::new(Value::str(info.symbol.as_str()), st.span));
            copy.insert("count", Node::new(Value::str(format!("[length({})]", each.iterable)), st.span));
            o.insert("copy", Node::new(Value::object(copy), st.span));
        }
        self.description(st, &mut o);
        let full_name = &info.full_name;
        let name_span = obj.and_then(|o| prop(o, "name")).map_or(st.span, |e| e.span);
        o.insert("name", Node::new(Value::str(format!("[{full_name}]")), name_span));
        if let Some(body) = obj {
            self.body_members(body, &locals, &mut o, true);
            if let Some(scope) = prop(body, "scope") {
                self.scope_fields(scope, &locals, &mut o);
            } else if let Some(scope) = &info.scope_id {
                // A child of an extension resource is on the same scope.
                o.insert("scope", Node::new(Value::str(format!("[{scope}]")), st.span));
            }
        }
        out.insert(info.symbol.as_str(), Node::new(Value::object(o), st.span));
        if let Some(body) = obj {
            for child in nested(body) {
                if let StmtKind::Resource(c) = &child.kind {
                    self.resource(c, child, Some(&info.symbol), out);
                }
            }
        }
    }

    /// Reports a decorator Bicep does not have (a typo such as `@descriptionn`), on a
    /// declaration and its nested resources: the compiler rejects the program.
    fn check_decorators(&self, st: &Statement) {
        for d in &st.decorators {
            let namespaced = d.namespace().is_some_and(|n| n.name != "sys");
            if !namespaced && !DECORATORS.contains(&d.name()) {
                self.error(d.span, Code::ArmTemplate, format!("`@{}` is not a Bicep decorator", d.name()));
            }
        }
        if let StmtKind::Resource(r) = &st.kind
            && let (Some(body), _, _) = self.decl_parts(&r.body, &Vec::new())
        {
            nested(body).for_each(|child| self.check_decorators(child));
        }
    }

    /// `@description('…')` on a resource or module: its `metadata.description`, as the
    /// compiler writes it.
    fn description(&self, st: &Statement, o: &mut Object) {
        let Some(text) = st.decorators.iter().find(|d| d.name() == "description").and_then(|d| d.args().first()) else {
            return;
        };
        let mut m = Object::new();
        m.insert("description", self.value(text, &Vec::new()));
        o.insert("metadata", Node::new(Value::object(m), text.span));
    }

    /// The members of a resource or module body, lowered, but for those the
    /// declaration itself handles (`name`, `parent`, `scope`, `dependsOn`, nested
    /// resources).
    fn body_members(&self, body: &Expr, locals: &Locals, o: &mut Object, resource: bool) {
        let ExprKind::Object(items) = &body.kind else { return };
        for item in items {
            let ObjectItem::Property { key, value, .. } = item else { continue };
            let Some(k) = key.as_literal() else { continue };
            if matches!(k.as_str(), "name" | "parent" | "scope" | "dependsOn") || (!resource && k == "params") {
                continue;
            }
            o.insert(k.as_str(), self.value(value, locals));
        }
    }

    /// `scope: resourceGroup('x')` → the deployment's or resource's `resourceGroup` and
    /// `subscriptionId`.
    fn scope_fields(&self, scope: &Expr, locals: &Locals, o: &mut Object) {
        let text = |t: String| Node::new(Value::str(format!("[{t}]")), scope.span);
        if let Some((r, idx)) = self.resource_of_in(scope, locals) {
            if r.full_type.eq_ignore_ascii_case("Microsoft.Resources/resourceGroups") {
                // `scope: rg` of a subscription template: that resource group.
                let name = r.segments.last().map_or_else(|| "''".into(), |s| self.bound(&r.each, idx.as_deref(), s));
                o.insert("resourceGroup", text(name));
            } else {
                // An extension resource on another resource.
                o.insert("scope", text(self.resource_id(&r, idx.as_deref(), locals)));
            }
            return;
        }
        let ExprKind::Call { name, args, .. } = &scope.kind else { return };
        let arm = |e: &Expr| Node::new(Value::str(format!("[{}]", self.expr(e, locals))), e.span);
        match (name.name.as_str(), args.as_slice()) {
            ("managementGroup", [mg]) => {
                let id = format!("format('Microsoft.Management/managementGroups/{{0}}', {})", self.expr(mg, locals));
                o.insert("scope", text(id));
                return;
            }
            ("tenant", []) => {
                o.insert("scope", Node::new(Value::str("/"), scope.span));
                return;
            }
            _ => {}
        }
        match (name.name.as_str(), args.as_slice()) {
            ("resourceGroup", [rg]) => {
                o.insert("resourceGroup", arm(rg));
            }
            ("resourceGroup", [sub, rg]) => {
                o.insert("subscriptionId", arm(sub));
                o.insert("resourceGroup", arm(rg));
            }
            ("subscription", [sub]) => {
                o.insert("subscriptionId", arm(sub));
            }
            // The subscription of a resource-group template's own resource group.
            ("subscription", []) if !self.wide_scope => {
                o.insert("subscriptionId", text("subscription().subscriptionId".into()));
            }
            _ => {}
        }
    }

    /// Whether a `scope:` names a resource group (`resourceGroup(…)` or a resource group
    /// declared in a subscription template).
    fn is_resource_group(&self, scope: &Expr, locals: &Locals) -> bool {
        match &scope.kind {
            ExprKind::Call { name, .. } => name.name == "resourceGroup",
            _ => self
                .resource_of_in(scope, locals)
                .is_some_and(|(r, _)| r.full_type.eq_ignore_ascii_case("Microsoft.Resources/resourceGroups")),
        }
    }

    /// Leading `resourceId` arguments for a resource in another scope.
    fn scope_args(&self, scope: &Expr, locals: &Locals) -> Vec<String> {
        match &scope.kind {
            ExprKind::Call { name, args, .. } if name.name == "resourceGroup" => match args.as_slice() {
                [rg] => vec![self.expr(rg, locals)],
                [sub, rg] => vec![self.expr(sub, locals), self.expr(rg, locals)],
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// The segments of a legacy full name: an interpolated string split at its literal
    /// `/`s (`'${vnet.name}/subnet'` → `vnet.name`, `'subnet'`).
    fn name_segments(&self, e: &Expr, locals: &Locals) -> Vec<String> {
        let ExprKind::String(s) = &e.kind else { return vec![self.expr(e, locals)] };
        // Each segment as a format string and its arguments, as interpolation lowers.
        let mut segs: Vec<(String, Vec<String>)> = vec![(String::new(), Vec::new())];
        for part in &s.parts {
            match part {
                StringPart::Text { value, .. } => {
                    let mut pieces = value.split('/');
                    if let (Some(first), Some(last)) = (pieces.next(), segs.last_mut()) {
                        last.0.push_str(&first.replace('{', "{{").replace('}', "}}"));
                    }
                    for p in pieces {
                        segs.push((p.replace('{', "{{").replace('}', "}}"), Vec::new()));
                    }
                }
                StringPart::Expr(x) => {
                    let t = self.expr(x, locals);
                    if let Some(last) = segs.last_mut() {
                        last.0.push_str(&format!("{{{}}}", last.1.len()));
                        last.1.push(t);
                    }
                }
            }
        }
        segs.into_iter()
            .map(|(fmt, args)| match args.len() {
                0 => quote(&fmt),
                1 if fmt == "{0}" => args.into_iter().next().unwrap_or_default(),
                _ => format!("format({}, {})", quote(&fmt), args.join(", ")),
            })
            .collect()
    }

    // ---- modules --------------------------------------------------------------------

    fn module(&mut self, name: &Ident, path: &StringLit, body: &DeclBody, st: &Statement) -> Option<Node> {
        let span = st.span;
        let Some(Sym::Module(info)) = self.symbols.get(&name.name).cloned() else { return None };
        let (obj, cond, _) = self.decl_parts(body, &Vec::new());
        let locals = each_locals(&info.each);
        let mut o = Object::new();
        o.insert("type", Node::new(Value::str("Microsoft.Resources/deployments"), path.span));
        o.insert("apiVersion", Node::new(Value::str(DEPLOYMENT_API), path.span));
        o.insert(
            "name",
            Node::new(
                Value::str(format!("[{}]", info.name)),
                obj.and_then(|b| prop(b, "name")).map_or(name.span, |e| e.span),
            ),
        );
        // A deployment to a subscription, management group or tenant carries a location:
        // the parent deployment's, or its resource group's, as the compiler writes it.
        let rg_scope = match obj.and_then(|b| prop(b, "scope")) {
            Some(s) => self.is_resource_group(s, &locals),
            None => !self.wide_scope,
        };
        if !rg_scope {
            let location = if self.wide_scope { "[deployment().location]" } else { "[resourceGroup().location]" };
            o.insert("location", Node::new(Value::str(location), name.span));
        }
        self.description(st, &mut o);
        if let Some(c) = cond {
            o.insert("condition", self.value(unparen(c), &locals));
        }
        if let Some(each) = &info.each {
            let mut copy = Object::new();
            copy.insert("name", Node::new(Value::str(name.name.as_str()), span));
            copy.insert("count", Node::new(Value::str(format!("[length({})]", each.iterable)), span));
            o.insert("copy", Node::new(Value::object(copy), span));
        }
        if let Some(scope) = obj.and_then(|b| prop(b, "scope")) {
            self.scope_fields(scope, &locals, &mut o);
        }
        let mut props = Object::new();
        let mut opts = Object::new();
        opts.insert("scope", Node::new(Value::str("inner"), path.span));
        props.insert("expressionEvaluationOptions", Node::new(Value::object(opts), path.span));
        props.insert("mode", Node::new(Value::str("Incremental"), path.span));
        if let Some(given) = obj.and_then(|b| prop(b, "params")) {
            let mut params = Object::new();
            if let ExprKind::Object(items) = &given.kind {
                for item in items {
                    if let ObjectItem::Property { key, value, span } = item
                        && let Some(k) = key.as_literal()
                    {
                        params.insert(k.as_str(), self.module_param(value, &locals, *span));
                    }
                }
            }
            props.insert("parameters", Node::new(Value::object(params), given.span));
        }
        let target = path.as_literal().unwrap_or_default();
        if let Some(template) = self.module_template(&target, path.span) {
            props.insert("template", template);
        } else {
            let mut link = Object::new();
            let key = if target.starts_with("ts") { "id" } else { "uri" };
            link.insert(key, Node::new(Value::str(target.as_str()), path.span));
            props.insert("templateLink", Node::new(Value::object(link), path.span));
        }
        o.insert("properties", Node::new(Value::object(props), span));
        Some(Node::new(Value::object(o), span))
    }

    /// A module parameter: `{"value": …}`, or a Key Vault reference for `kv.getSecret('s')`.
    fn module_param(&self, value: &Expr, locals: &Locals, span: Span) -> Node {
        let value = folded(value);
        let mut o = Object::new();
        if let ExprKind::Call { base: Some(b), name, args } = &value.kind
            && name.name == "getSecret"
            && let Some((kv, idx)) = self.resource_of_in(b, locals)
        {
            let mut vault = Object::new();
            let id = self.resource_id(&kv, idx.as_deref(), locals);
            vault.insert("id", Node::new(Value::str(format!("[{id}]")), b.span));
            let mut r = Object::new();
            r.insert("keyVault", Node::new(Value::object(vault), b.span));
            if let Some(s) = args.first() {
                r.insert("secretName", self.value(s, locals));
            }
            if let Some(v) = args.get(1) {
                r.insert("secretVersion", self.value(v, locals));
            }
            o.insert("reference", Node::new(Value::object(r), value.span));
        } else if let ExprKind::For(f) = &value.kind
            && let Some(copy) = self.property_copy("value", f, locals, value.span)
        {
            // A loop is a `value` property loop, as the compiler writes it.
            o.insert("copy", Node::new(Value::array(vec![copy]), value.span));
        } else {
            o.insert("value", self.value(value, locals));
        }
        Node::new(Value::object(o), span)
    }

    /// The lowered template of a local module; `None` for registry and template-spec
    /// modules (a warning says they are not followed) and for modules that cannot be
    /// read (an error says why).
    fn module_template(&mut self, target: &str, span: Span) -> Option<Node> {
        let registry = target.starts_with("br:")
            || target.starts_with("br/")
            || target.starts_with("ts:")
            || target.starts_with("ts/");
        let aliased = if registry { resolve_alias(target, self.aliases) } else { None };
        if registry && aliased.is_none() {
            self.warning(
                span,
                Code::ArmLinkedUri,
                format!(
                    "the module `{target}` is in a registry; it is not fetched, so its resources are unknown (azlint.toml `[bicep] module-aliases` can map it to a local folder)"
                ),
            );
            return None;
        }
        let read = match &aliased {
            Some(path) => self.files.module_at(path),
            None => self.files.module(self.file, target),
        };
        let module = match read {
            Ok(x) => x,
            Err(e) => {
                self.error(span, Code::ArmLinkedTemplate, format!("the module `{target}` cannot be read: {e}"));
                return None;
            }
        };
        let (id, program, new) = match module {
            ModuleFile::Json { file, template } => {
                self.modules.borrow_mut().push(file);
                return Some(template);
            }
            ModuleFile::Bicep { file, program, new } => (file, program, new),
        };
        self.modules.borrow_mut().push(id);
        if let Some(at) = self.stack.iter().position(|f| *f == id) {
            let mut names: Vec<String> = self.stack[at..].iter().map(|f| self.files.name(*f)).collect();
            names.push(self.files.name(id));
            self.error(span, Code::ArmLinkedCycle, format!("modules form a cycle: {}", names.join(" → ")));
            return None;
        }
        if self.stack.len() as u32 >= crate::arm::expand::MAX_DEPLOYMENT_DEPTH {
            self.error(span, Code::ArmLimit, "modules nest deeper than Resource Manager allows");
            return None;
        }
        if new {
            for e in &program.errors {
                self.error(e.span, Code::BicepSyntax, e.message.clone());
            }
        }
        self.stack.push(id);
        let shared =
            Shared { files: self.files, problems: self.problems, modules: self.modules, aliases: self.aliases };
        let node = lower_file(&program, id, &shared, &mut self.stack);
        self.stack.pop();
        Some(node)
    }

    // ---- values and expressions -------------------------------------------------------

    /// A value in a JSON position: literal objects and arrays stay JSON (each member
    /// keeps its own span); anything else is one expression string.
    fn value(&self, e: &Expr, locals: &Locals) -> Node {
        match &e.kind {
            ExprKind::Int(n) => match i64::try_from(*n) {
                Ok(i) => Node::new(Value::Int(i), e.span),
                Err(_) => Node::new(Value::str(format!("[{}]", self.expr(e, locals))), e.span),
            },
            ExprKind::Bool(b) => Node::new(Value::Bool(*b), e.span),
            ExprKind::Null => Node::new(Value::Null, e.span),
            ExprKind::String(s) if s.as_literal().is_some() => Node::new(literal(&lit(s).unwrap_or_default()), e.span),
            ExprKind::Paren(inner) => self.value(inner, locals),
            ExprKind::Unary { op: UnaryOp::Neg, expr } if matches!(expr.kind, ExprKind::Int(_)) => match &expr.kind {
                ExprKind::Int(n) => Node::new(Value::Int(-(*n as i64)), e.span),
                _ => Node::new(Value::Null, e.span),
            },
            ExprKind::Object(items) if items.iter().all(|i| matches!(i, ObjectItem::Property { .. })) => {
                let mut o = Object::new();
                let mut copies = Vec::new();
                for item in items {
                    if let ObjectItem::Property { key, value, span } = item {
                        if let (ExprKind::For(f), Some(k)) = (&value.kind, key.as_literal())
                            && let Some(copy) = self.property_copy(&k, f, locals, *span)
                        {
                            copies.push(copy);
                            continue;
                        }
                        // An interpolated key is an expression key, as the compiler writes it.
                        let k = match (key.as_literal(), key) {
                            // A literal name that starts with `[` is escaped, as in values.
                            (Some(k), _) if k.starts_with('[') => format!("[{k}"),
                            (Some(k), _) => k,
                            (None, PropertyKey::String(s)) => format!("[{}]", self.string(s, locals)),
                            (None, PropertyKey::Ident(i)) => i.name.clone(),
                        };
                        o.insert(k.as_str(), self.value(value, locals));
                    }
                }
                if !copies.is_empty() {
                    o.insert("copy", Node::new(Value::array(copies), e.span));
                }
                Node::new(Value::object(o), e.span)
            }
            ExprKind::Array(items) if items.iter().all(|i| matches!(i, ArrayItem::Value(_))) => {
                let v = items
                    .iter()
                    .filter_map(|i| match i {
                        ArrayItem::Value(x) => Some(self.value(x, locals)),
                        ArrayItem::Spread { .. } => None,
                    })
                    .collect();
                Node::new(Value::array(v), e.span)
            }
            _ => Node::new(Value::str(format!("[{}]", self.expr(e, locals))), e.span),
        }
    }

    /// An expression as ARM expression text (without the brackets).
    fn expr(&self, e: &Expr, locals: &Locals) -> String {
        match &e.kind {
            ExprKind::Int(n) => n.to_string(),
            ExprKind::Bool(b) => format!("{b}()"),
            ExprKind::Null => "null()".into(),
            ExprKind::String(s) => self.string(s, locals),
            ExprKind::Array(items) => self.array(items, locals),
            ExprKind::Object(items) => self.object(items, locals),
            ExprKind::Var(id) => self.var(id, locals),
            ExprKind::Paren(inner) => self.expr(inner, locals),
            ExprKind::Unary { op, expr } => match (op, &expr.kind) {
                (UnaryOp::Neg, ExprKind::Int(n)) => format!("-{n}"),
                (UnaryOp::Neg, _) => format!("sub(0, {})", self.expr(expr, locals)),
                (UnaryOp::Not, _) => format!("not({})", self.expr(expr, locals)),
                (UnaryOp::Plus, _) => self.expr(expr, locals),
            },
            ExprKind::Binary { op, lhs, rhs } => {
                let (a, b) = (self.expr(lhs, locals), self.expr(rhs, locals));
                match op {
                    BinaryOp::Coalesce => format!("coalesce({a}, {b})"),
                    BinaryOp::Or => format!("or({a}, {b})"),
                    BinaryOp::And => format!("and({a}, {b})"),
                    BinaryOp::Eq => format!("equals({a}, {b})"),
                    BinaryOp::NotEq => format!("not(equals({a}, {b}))"),
                    BinaryOp::EqI => format!("equals(toLower({a}), toLower({b}))"),
                    BinaryOp::NotEqI => format!("not(equals(toLower({a}), toLower({b})))"),
                    BinaryOp::Lt => format!("less({a}, {b})"),
                    BinaryOp::Le => format!("lessOrEquals({a}, {b})"),
                    BinaryOp::Gt => format!("greater({a}, {b})"),
                    BinaryOp::Ge => format!("greaterOrEquals({a}, {b})"),
                    BinaryOp::Add => format!("add({a}, {b})"),
                    BinaryOp::Sub => format!("sub({a}, {b})"),
                    BinaryOp::Mul => format!("mul({a}, {b})"),
                    BinaryOp::Div => format!("div({a}, {b})"),
                    BinaryOp::Mod => format!("mod({a}, {b})"),
                }
            }
            ExprKind::Ternary { cond, then, otherwise } => {
                format!(
                    "if({}, {}, {})",
                    self.expr(cond, locals),
                    self.expr(then, locals),
                    self.expr(otherwise, locals)
                )
            }
            ExprKind::Property { .. } | ExprKind::Index { .. } | ExprKind::ResourceAccess { .. } => {
                self.access(e, locals)
            }
            ExprKind::NonNull(inner) => self.expr(inner, locals),
            ExprKind::Call { base, name, args } => self.call(e, base.as_deref(), name, args, locals),
            ExprKind::Lambda { params, body } => {
                let mut inner = locals.clone();
                for p in params {
                    inner.push((p.name.clone(), format!("lambdaVariables({})", quote(&p.name))));
                }
                let names: Vec<String> = params.iter().map(|p| quote(&p.name)).collect();
                let body = self.expr(body, &inner);
                if names.is_empty() {
                    format!("lambda({body})")
                } else {
                    format!("lambda({}, {body})", names.join(", "))
                }
            }
            ExprKind::For(f) => self.for_expr(f, locals),
        }
    }

    fn string(&self, s: &StringLit, locals: &Locals) -> String {
        if let Some(text) = lit(s) {
            return quote(&text);
        }
        let mut fmt = String::new();
        let mut args = Vec::new();
        for p in &s.parts {
            match p {
                StringPart::Text { value, .. } => fmt.push_str(&value.replace('{', "{{").replace('}', "}}")),
                StringPart::Expr(x) => {
                    fmt.push_str(&format!("{{{}}}", args.len()));
                    args.push(self.expr(x, locals));
                }
            }
        }
        format!("format({}, {})", quote(&fmt), args.join(", "))
    }

    fn array(&self, items: &[ArrayItem], locals: &Locals) -> String {
        let mut groups: Vec<String> = Vec::new();
        let mut run: Vec<String> = Vec::new();
        for i in items {
            match i {
                ArrayItem::Value(x) => run.push(self.expr(x, locals)),
                ArrayItem::Spread { expr, .. } => {
                    if !run.is_empty() {
                        groups.push(format!("createArray({})", run.join(", ")));
                        run.clear();
                    }
                    groups.push(self.expr(expr, locals));
                }
            }
        }
        if groups.is_empty() {
            return format!("createArray({})", run.join(", "));
        }
        if !run.is_empty() {
            groups.push(format!("createArray({})", run.join(", ")));
        }
        format!("concat({})", groups.join(", "))
    }

    fn object(&self, items: &[ObjectItem], locals: &Locals) -> String {
        let mut groups: Vec<String> = Vec::new();
        let mut run: Vec<String> = Vec::new();
        for i in items {
            match i {
                ObjectItem::Property { key, value, .. } => {
                    let k = match key {
                        PropertyKey::Ident(id) => quote(&id.name),
                        PropertyKey::String(s) => self.string(s, locals),
                    };
                    run.push(format!("{k}, {}", self.expr(value, locals)));
                }
                ObjectItem::Spread { expr, .. } => {
                    if !run.is_empty() {
                        groups.push(format!("createObject({})", run.join(", ")));
                        run.clear();
                    }
                    groups.push(self.expr(expr, locals));
                }
                ObjectItem::Resource(_) => {}
            }
        }
        if groups.is_empty() {
            return format!("createObject({})", run.join(", "));
        }
        if !run.is_empty() {
            groups.push(format!("createObject({})", run.join(", ")));
        }
        format!("shallowMerge(createArray({}))", groups.join(", "))
    }

    fn var(&self, id: &Ident, locals: &Locals) -> String {
        if let Some((_, t)) = locals.iter().rev().find(|(n, _)| *n == id.name) {
            return t.clone();
        }
        match self.symbols.get(&id.name) {
            Some(Sym::Param) => format!("parameters({})", quote(&id.name)),
            Some(Sym::Var(arm)) => self.var_ref(arm),
            Some(Sym::Resource(r)) => format!("reference({}, {}, 'full')", quote(&r.symbol), quote(&r.api)),
            Some(Sym::Module(m)) => format!("reference({})", quote(&m.symbol)),
            Some(Sym::Imported) => self.unsupported(id.span, &format!("`{}`, imported from another file,", id.name)),
            Some(Sym::Func(_)) | Some(Sym::Other) | Some(Sym::Namespace(_)) => {
                self.unsupported(id.span, &format!("`{}` cannot be used as a value", id.name))
            }
            None => {
                self.error(id.span, Code::ArmTemplate, format!("`{}` is not declared", id.name));
                self.unknown(&format!("`{}` is not declared", id.name))
            }
        }
    }

    /// A loop as a property's value, as the compiler writes it: a property `copy` entry
    /// (`{name, count, input}`), so that an iterable whose length is not known offline
    /// gives one instance as in compiled JSON. A filter that reads the index stays a
    /// `map` expression (`None`).
    fn property_copy(&self, key: &str, f: &ForExpr, locals: &Locals, span: Span) -> Option<Node> {
        self.loop_copy(Some(key), f, locals, span)
    }

    /// A `copy` loop `{name, count, input}` (property, variable and module parameter
    /// loops), or `{count, input}` with `copyIndex()` for an output (`name` is `None`).
    fn loop_copy(&self, name: Option<&str>, f: &ForExpr, locals: &Locals, span: Span) -> Option<Node> {
        let mut iterable = self.expr(&f.iterable, locals);
        let body = match &f.body {
            ForBody::Expr(b) => b,
            ForBody::If(i) => {
                if f.index.is_some() {
                    return None;
                }
                let mut inner = locals.clone();
                inner.push((f.item.name.clone(), format!("lambdaVariables({})", quote(&f.item.name))));
                let cond = self.expr(unparen(&i.cond), &inner);
                iterable = format!("filter({iterable}, lambda({}, {cond}))", quote(&f.item.name));
                &i.body
            }
        };
        let at = name.map_or_else(|| "copyIndex()".to_string(), |key| format!("copyIndex({})", quote(key)));
        let mut inner = locals.clone();
        inner.push((f.item.name.clone(), format!("{iterable}[{at}]")));
        if let Some(ix) = &f.index {
            inner.push((ix.name.clone(), at.clone()));
        }
        let mut o = Object::new();
        if let Some(key) = name {
            o.insert("name", Node::new(Value::str(key), span));
        }
        o.insert("count", Node::new(Value::str(format!("[length({iterable})]")), f.iterable.span));
        o.insert("input", self.value(body, &inner));
        Some(Node::new(Value::object(o), span))
    }

    /// `[for x in xs: body]` in a value: `map` over the items (or over the indexes,
    /// with an index or a filter).
    fn for_expr(&self, f: &ForExpr, locals: &Locals) -> String {
        let iterable = self.expr(&f.iterable, locals);
        let (cond, body) = match &f.body {
            ForBody::Expr(b) => (None, b),
            ForBody::If(i) => (Some(unparen(&i.cond)), &i.body),
        };
        if f.index.is_none() && cond.is_none() {
            let mut inner = locals.clone();
            inner.push((f.item.name.clone(), format!("lambdaVariables({})", quote(&f.item.name))));
            return format!("map({iterable}, lambda({}, {}))", quote(&f.item.name), self.expr(body, &inner));
        }
        let i = format!("__{}_i", f.item.name);
        let iv = format!("lambdaVariables({})", quote(&i));
        let mut inner = locals.clone();
        inner.push((f.item.name.clone(), format!("{iterable}[{iv}]")));
        if let Some(ix) = &f.index {
            inner.push((ix.name.clone(), iv.clone()));
        }
        let range = format!("range(0, length({iterable}))");
        let source = match cond {
            Some(c) => format!("filter({range}, lambda({}, {}))", quote(&i), self.expr(c, &inner)),
            None => range,
        };
        format!("map({source}, lambda({}, {}))", quote(&i), self.expr(body, &inner))
    }

    // ---- resources and modules in expressions ------------------------------------------

    /// The resource an expression names (`stg`, `stgs[i]`, `vnet::subnet`), with the
    /// index ARM text when it is one of a loop's copies.
    fn resource_of_in(&self, e: &Expr, locals: &Locals) -> Option<(Res, Option<String>)> {
        match &e.kind {
            ExprKind::Var(id) if !locals.iter().any(|(n, _)| *n == id.name) => match self.symbols.get(&id.name) {
                Some(Sym::Resource(r)) => Some(((**r).clone(), None)),
                _ => None,
            },
            ExprKind::ResourceAccess { base, name } => {
                let (p, idx) = self.resource_of_in(base, locals)?;
                match self.symbols.get(&format!("{}::{}", p.symbol, name.name)) {
                    Some(Sym::Resource(r)) => Some(((**r).clone(), idx)),
                    _ => None,
                }
            }
            ExprKind::Index { base, index, .. } => {
                let (r, _) = self.resource_of_in(base, locals)?;
                Some((r, Some(self.expr(index, locals))))
            }
            ExprKind::Paren(inner) | ExprKind::NonNull(inner) => self.resource_of_in(inner, locals),
            _ => None,
        }
    }

    fn module_of(&self, e: &Expr, locals: &Locals) -> Option<(Module, Option<String>)> {
        match &e.kind {
            ExprKind::Var(id) if !locals.iter().any(|(n, _)| *n == id.name) => match self.symbols.get(&id.name) {
                Some(Sym::Module(m)) => Some(((**m).clone(), None)),
                _ => None,
            },
            ExprKind::Index { base, index, .. } => {
                let (m, _) = self.module_of(base, locals)?;
                Some((m, Some(self.expr(index, locals))))
            }
            _ => None,
        }
    }

    /// A resource's name segments with its loop bound to `idx` (or to its own copy
    /// index inside its declaration).
    fn bound(&self, each: &Option<Each>, idx: Option<&str>, text: &str) -> String {
        let (Some(each), Some(idx)) = (each, idx) else { return text.to_string() };
        // The declaration's loop variable was lowered as `iterable[copyIndex()]`.
        text.replace(&format!("{}[copyIndex()]", each.iterable), &format!("{}[{idx}]", each.iterable))
            .replace("copyIndex()", idx)
    }

    fn resource_id(&self, r: &Res, idx: Option<&str>, _locals: &Locals) -> String {
        let mut args: Vec<String> = match &r.scope_id {
            Some(scope) => vec![self.bound(&r.each, idx, scope)],
            None => r.scope_args.clone(),
        };
        args.push(quote(&r.full_type));
        args.extend(r.segments.iter().map(|s| self.bound(&r.each, idx, s)));
        let function = match (&r.scope_id, r.tenant) {
            (Some(_), _) => "extensionResourceId",
            (None, true) => "tenantResourceId",
            (None, false) => "resourceId",
        };
        format!("{function}({})", args.join(", "))
    }

    fn symbol_ref(&self, symbol: &str, idx: Option<&str>) -> String {
        match idx {
            Some(i) => format!("format('{}[{{0}}]', {i})", symbol.replace('\'', "''")),
            None => quote(symbol),
        }
    }

    /// Property and index chains: on a resource (`.id`, `.name`, `.properties.x`,
    /// `.location`), a module (`.outputs.x`, `.name`), or any other value.
    fn access(&self, e: &Expr, locals: &Locals) -> String {
        // Unwind the chain to its root.
        let mut chain: Vec<&Expr> = Vec::new();
        let mut cur = e;
        loop {
            if self.resource_of_in(cur, locals).is_some() || self.module_of(cur, locals).is_some() {
                break;
            }
            match &cur.kind {
                ExprKind::Property { base, .. } | ExprKind::Index { base, .. } => {
                    chain.push(cur);
                    cur = base;
                }
                _ => break,
            }
        }
        chain.reverse();
        // `ns.x` of `import * as ns`: the imported variable, then the rest of the chain.
        if let (ExprKind::Var(id), Some(first)) = (&cur.kind, chain.first())
            && let Some(Sym::Namespace(names)) = self.symbols.get(&id.name)
            && let ExprKind::Property { name, .. } = &first.kind
            && !locals.iter().any(|(n, _)| *n == id.name)
        {
            let out = match names.get(&name.name) {
                Some(Sym::Var(arm)) => format!("variables({})", quote(arm)),
                _ => self.unsupported(name.span, &format!("`{}.{}`", id.name, name.name)),
            };
            return self.steps(out, &chain[1..], locals);
        }
        if let Some((r, idx)) = self.resource_of_in(cur, locals) {
            return self.resource_access(&r, idx.as_deref(), &chain, locals);
        }
        if let Some((m, idx)) = self.module_of(cur, locals) {
            return self.module_access(&m, idx.as_deref(), &chain, locals);
        }
        let out = self.expr(cur, locals);
        self.steps(out, &chain, locals)
    }

    /// `base` followed by property and index steps. A safe step (`.?`, `[?]`)
    /// short-circuits the rest of the chain, as Bicep does: `a.?b[0].c` is null when `b`
    /// is absent, so every later step is a safe one too (the compiler emits
    /// `tryGet(tryGet(a, 'b'), 0, 'c')`).
    fn steps(&self, out: String, steps: &[&Expr], locals: &Locals) -> String {
        self.steps_from(out, steps, false, locals)
    }

    /// [`Self::steps`] after a chain that is already short-circuiting when `short`.
    fn steps_from(&self, mut out: String, steps: &[&Expr], mut short: bool, locals: &Locals) -> String {
        for step in steps {
            short |= matches!(step.kind, ExprKind::Property { safe: true, .. } | ExprKind::Index { safe: true, .. });
            out = self.step(out, step, short, locals);
        }
        out
    }

    fn step(&self, base: String, step: &Expr, safe: bool, locals: &Locals) -> String {
        match &step.kind {
            ExprKind::Property { name, .. } if safe => format!("tryGet({base}, {})", quote(&name.name)),
            ExprKind::Property { name, .. } => member(&base, &name.name),
            ExprKind::Index { index, from_end, .. } => {
                let i = self.expr(index, locals);
                match (safe, from_end) {
                    (true, true) => format!("tryIndexFromEnd({base}, {i})"),
                    (false, true) => format!("indexFromEnd({base}, {i})"),
                    (true, false) => format!("tryGet({base}, {i})"),
                    (false, false) => format!("{base}[{i}]"),
                }
            }
            _ => base,
        }
    }

    fn resource_access(&self, r: &Res, idx: Option<&str>, chain: &[&Expr], locals: &Locals) -> String {
        let first = chain.first().and_then(|s| match &s.kind {
            ExprKind::Property { name, .. } => Some(name.name.as_str()),
            _ => None,
        });
        let sym = self.symbol_ref(&r.symbol, idx);
        let (out, rest) = match first {
            Some("id") => (self.resource_id(r, idx, locals), &chain[1..]),
            Some("name") => (self.bound(&r.each, idx, &r.name), &chain[1..]),
            Some("type") => (quote(&r.full_type), &chain[1..]),
            Some("apiVersion") => (quote(&r.api), &chain[1..]),
            Some("properties") => (format!("reference({sym})"), &chain[1..]),
            _ => (format!("reference({sym}, {}, 'full')", quote(&r.api)), chain),
        };
        self.steps(out, rest, locals)
    }

    fn module_access(&self, m: &Module, idx: Option<&str>, chain: &[&Expr], locals: &Locals) -> String {
        let sym = self.symbol_ref(&m.symbol, idx);
        let name = |i: usize| {
            chain.get(i).and_then(|s| match &s.kind {
                ExprKind::Property { name, .. } => Some(name.name.clone()),
                ExprKind::Index { index, .. } => match &index.kind {
                    ExprKind::String(s) => s.as_literal(),
                    _ => None,
                },
                _ => None,
            })
        };
        let safe_root = matches!(chain.first().map(|s| &s.kind), Some(ExprKind::Property { safe: true, .. }));
        match name(0).as_deref() {
            // `mod.?outputs.x` of a conditional module: null when it is not deployed, as
            // the compiler writes it.
            Some("outputs") if safe_root => {
                let base = match (&m.condition, idx) {
                    (Some(c), None) => format!("if({c}, reference({sym}), null())"),
                    _ => format!("reference({sym})"),
                };
                match name(1) {
                    Some(o) => {
                        let out = format!("tryGet(tryGet(tryGet({base}, 'outputs'), {}), 'value')", quote(&o));
                        self.steps_from(out, &chain[2..], true, locals)
                    }
                    None => format!("tryGet({base}, 'outputs')"),
                }
            }
            Some("outputs") => match name(1) {
                Some(o) => {
                    let out = format!("{}.value", member(&format!("reference({sym}).outputs"), &o));
                    self.steps(out, &chain[2..], locals)
                }
                None => format!("reference({sym}).outputs"),
            },
            Some("name") => self.bound(&m.each, idx, &m.name),
            _ => {
                let out = format!("reference({sym}, {}, 'full')", quote(DEPLOYMENT_API));
                self.steps(out, chain, locals)
            }
        }
    }

    // ---- calls ------------------------------------------------------------------------

    fn call(&self, e: &Expr, base: Option<&Expr>, name: &Ident, args: &[Expr], locals: &Locals) -> String {
        let args_text = |skip: usize| -> Vec<String> { args.iter().skip(skip).map(|a| self.expr(a, locals)).collect() };
        if let Some(b) = base {
            if let Some((r, idx)) = self.resource_of_in(b, locals) {
                // `stg.listKeys()`: the resource's id and API version come first.
                let mut a = vec![self.resource_id(&r, idx.as_deref(), locals), quote(&r.api)];
                a.extend(args_text(0));
                return format!("{}({})", name.name, a.join(", "));
            }
            let namespace = match &b.kind {
                ExprKind::Var(id) => id.name.as_str(),
                _ => "",
            };
            if let Some(Sym::Namespace(names)) = self.symbols.get(namespace)
                && let Some(Sym::Func(arm)) = names.get(&name.name)
            {
                return format!("__bicep.{arm}({})", args_text(0).join(", "));
            }
            if !matches!(namespace, "sys" | "az") {
                return self.unsupported(e.span, &format!("`{namespace}.{}()`", name.name));
            }
        }
        match self.symbols.get(&name.name) {
            Some(Sym::Func(arm)) => return format!("__bicep.{arm}({})", args_text(0).join(", ")),
            Some(Sym::Imported) => {
                return self.unsupported(e.span, &format!("`{}()`, imported from another file,", name.name));
            }
            _ => {}
        }
        match name.name.as_str() {
            "any" => args.first().map_or_else(|| "null()".into(), |a| self.expr(a, locals)),
            // `nameof(x.y)`: the last name written, known when the program is compiled.
            "nameof" => match args.first().and_then(last_name) {
                Some(n) => quote(&n),
                None => self.unsupported(e.span, "`nameof()` of that expression"),
            },
            "loadTextContent" | "loadJsonContent" | "loadYamlContent" | "loadFileAsBase64" => {
                self.load(e, &name.name, args)
            }
            _ => format!("{}({})", name.name, args_text(0).join(", ")),
        }
    }

    /// `load*Content('path')`: the file's content as a literal (read only inside the
    /// scanned tree); a file that cannot be read is an error and the value unknown.
    fn load(&self, e: &Expr, function: &str, args: &[Expr]) -> String {
        let path = match args.first().map(|a| &a.kind) {
            Some(ExprKind::String(s)) => s.as_literal(),
            _ => None,
        };
        let Some(path) = path else {
            return self.unsupported(e.span, &format!("`{function}` of a path built from values"));
        };
        let bytes = match self.files.bytes(self.file, &path) {
            Ok(b) => b,
            Err(why) => {
                self.error(e.span, Code::ArmLinkedTemplate, format!("`{function}('{path}')`: {why}"));
                return self.unknown(&format!("{function}('{path}') was not read"));
            }
        };
        match function {
            "loadFileAsBase64" => quote(&base64(&bytes)),
            "loadJsonContent" | "loadYamlContent" => {
                let text = String::from_utf8_lossy(&bytes);
                let json_path = match args.get(1).map(|a| &a.kind) {
                    None => None,
                    Some(ExprKind::String(s)) if s.as_literal().is_some() => s.as_literal(),
                    Some(_) => {
                        return self.unsupported(e.span, &format!("`{function}` with a JSON path built from values"));
                    }
                };
                let read = if function == "loadJsonContent" {
                    super::content::json(&text, json_path.as_deref())
                } else {
                    super::content::yaml(&text, json_path.as_deref())
                };
                match read {
                    Ok(v) => format!("json({})", quote(&v.to_string())),
                    // JSON the strict reader refuses (comments, as the compiler's reader
                    // allows) is left to the template function `json()`.
                    Err(_) if function == "loadJsonContent" && json_path.is_none() => {
                        format!("json({})", quote(text.trim_start_matches('\u{feff}')))
                    }
                    Err(why) => {
                        self.error(e.span, Code::ArmLinkedTemplate, format!("`{function}('{path}')`: {why}"));
                        self.unknown(&format!("{function}('{path}') was not read"))
                    }
                }
            }
            _ => quote(&String::from_utf8_lossy(&bytes)),
        }
    }
}

/// Every nested resource statement of a resource body.
fn nested(body: &Expr) -> impl Iterator<Item = &Statement> {
    let items: &[ObjectItem] = match &body.kind {
        ExprKind::Object(items) => items,
        _ => &[],
    };
    items.iter().filter_map(|i| match i {
        ObjectItem::Resource(s) => Some(s.as_ref()),
        _ => None,
    })
}

/// The value of the property `key` of an object literal.
fn prop<'e>(body: &'e Expr, key: &str) -> Option<&'e Expr> {
    let ExprKind::Object(items) = &body.kind else { return None };
    items.iter().find_map(|i| match i {
        ObjectItem::Property { key: k, value, .. } if k.as_literal().as_deref() == Some(key) => Some(value),
        _ => None,
    })
}

fn unparen(e: &Expr) -> &Expr {
    match &e.kind {
        ExprKind::Paren(inner) => unparen(inner),
        _ => e,
    }
}

/// `'Microsoft.Storage/storageAccounts@2023-01-01'` → type and API version.
fn split_type(s: &StringLit) -> (String, Option<String>) {
    let text = s.as_literal().unwrap_or_default();
    match text.split_once('@') {
        Some((t, v)) => (t.to_string(), Some(v.to_string())),
        None => (text, None),
    }
}

/// The loop variables of a declaration, bound to its copy index.
fn each_locals(each: &Option<Each>) -> Locals {
    let mut out = Vec::new();
    if let Some(e) = each {
        if let Some(item) = &e.item {
            out.push((item.clone(), format!("{}[copyIndex()]", e.iterable)));
        }
        if let Some(index) = &e.index {
            out.push((index.clone(), "copyIndex()".into()));
        }
    }
    out
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= c.len() {
                out.push(T[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A `.bicepparam` file as a deployment parameters document
/// (`{"parameters": {"x": {"value": …}}}`) for the program its `using` names. A value
/// that is a literal is that value; one computed by an expression (`readEnvironmentVariable()`,
/// `az.getSecret()`, interpolation) is known only at deployment: unknown, with why.
pub fn parameters(program: &Program, file: FileId, files: &dyn Files) -> Lowered {
    let problems = RefCell::new(Vec::new());
    let modules = RefCell::new(Vec::new());
    let cx = Cx {
        file,
        files,
        problems: &problems,
        modules: &modules,
        aliases: &[],
        prefix: String::new(),
        imported: Vec::new(),
        imported_funcs: Vec::new(),
        quiet: std::cell::Cell::new(true),
        symbols: HashMap::new(),
        runtime_vars: HashMap::new(),
        wide_scope: false,
        stack: Vec::new(),
    };
    let mut params = Object::new();
    for st in &program.statements {
        let StmtKind::Param { name, default: Some(value), .. } = &st.kind else { continue };
        let lowered = cx.value(value, &Vec::new());
        let v = if has_expression(&lowered) {
            let detail = format!("the value of `{}` in the .bicepparam file is computed at deployment", name.name);
            let cause = if mentions(value, "getSecret") { UnknownCause::KeyVault } else { UnknownCause::Expression };
            Node::new(Value::unknown(cause, detail, value.span), value.span)
        } else {
            lowered
        };
        let mut o = Object::new();
        o.insert("value", v);
        params.insert(name.name.as_str(), Node::new(Value::object(o), st.span));
    }
    let mut doc = Object::new();
    doc.insert("parameters", Node::new(Value::object(params), program.span));
    Lowered { template: Node::new(Value::object(doc), program.span), problems: Vec::new(), modules: Vec::new() }
}

/// The program a `.bicepparam` file is for (`using './main.bicep'`).
pub fn using_path(program: &Program) -> Option<String> {
    program.statements.iter().find_map(|s| match &s.kind {
        StmtKind::Using { path: Some(p), .. } => p.as_literal(),
        _ => None,
    })
}

/// Whether a lowered value holds an expression string anywhere.
fn has_expression(n: &Node) -> bool {
    match &n.value {
        Value::String(s) => s.starts_with('[') && !s.starts_with("[["),
        Value::Array(a) => a.iter().any(has_expression),
        Value::Object(o) => o.iter().any(|m| has_expression(&m.value)),
        _ => false,
    }
}

/// Whether an expression calls `function` anywhere (on any namespace or resource).
fn mentions(e: &Expr, function: &str) -> bool {
    let any = |xs: &mut dyn Iterator<Item = &Expr>| {
        for x in xs {
            if mentions(x, function) {
                return true;
            }
        }
        false
    };
    match &e.kind {
        ExprKind::Call { base, name, args } => {
            name.name == function || base.as_deref().is_some_and(|b| mentions(b, function)) || any(&mut args.iter())
        }
        ExprKind::String(s) => any(&mut s.parts.iter().filter_map(|p| match p {
            StringPart::Expr(x) => Some(x),
            StringPart::Text { .. } => None,
        })),
        ExprKind::Array(items) => any(&mut items.iter().map(|i| match i {
            ArrayItem::Value(x) | ArrayItem::Spread { expr: x, .. } => x,
        })),
        ExprKind::Object(items) => any(&mut items.iter().filter_map(|i| match i {
            ObjectItem::Property { value: x, .. } | ObjectItem::Spread { expr: x, .. } => Some(x),
            ObjectItem::Resource(_) => None,
        })),
        ExprKind::Paren(x) | ExprKind::NonNull(x) | ExprKind::Unary { expr: x, .. } => mentions(x, function),
        ExprKind::Property { base, .. } | ExprKind::ResourceAccess { base, .. } => mentions(base, function),
        ExprKind::Index { base, index, .. } => mentions(base, function) || mentions(index, function),
        ExprKind::Binary { lhs, rhs, .. } => mentions(lhs, function) || mentions(rhs, function),
        ExprKind::Ternary { cond, then, otherwise } => any(&mut [&**cond, &**then, &**otherwise].into_iter()),
        ExprKind::Lambda { body, .. } => mentions(body, function),
        _ => false,
    }
}
