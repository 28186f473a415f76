//! The rule engine: loads rules (embedded `rules/` plus `--rules DIR`), evaluates them in
//! parallel over the model, and returns findings and undetermined results in a
//! deterministic order whatever the thread count.

pub mod condition;
pub mod defaults;
pub mod eval;
pub mod meta;

use std::path::Path;

use rayon::prelude::*;

use crate::model::{Model, ResIdx};
use crate::problem::{Code, Problem};
use crate::value::Span;
use condition::Condition;
use defaults::Defaults;
use eval::{EvalCx, Tri, display_field};
pub use meta::{RuleKind, RuleMeta, Severity};

/// A cross-resource check written in Rust (`src/rules/`).
pub type NativeFn = fn(&mut RuleCx);

/// Option values the user set (azlint.toml `[rules]`, the command line), by option name.
/// Each rule declares the options it reads, with their defaults, in its rule file's
/// `[options]`; a value set here applies to every rule that declares that name.
#[derive(Clone, Debug, Default)]
pub struct RuleOptions {
    values: std::collections::BTreeMap<String, toml::Value>,
}

impl RuleOptions {
    /// Sets option `name` (kebab-case, as rule files declare it).
    pub fn set(&mut self, name: &str, value: impl Into<toml::Value>) {
        self.values.insert(name.to_string(), value.into());
    }

    /// The names set, for checking them against what rules declare.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }
}

/// Another place a finding involves.
#[derive(Clone, Debug)]
pub struct Related {
    pub resource: Option<ResIdx>,
    pub span: Span,
    pub message: String,
}

/// A rule's finding about one resource.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Index of the rule in [`Registry::rules`].
    pub rule: usize,
    pub severity: Severity,
    pub resource: ResIdx,
    pub message: String,
    /// The offending value, or the resource's `type` member when the property is missing.
    pub span: Span,
    pub related: Vec<Related>,
}

/// A rule that could not decide about a resource offline.
#[derive(Clone, Debug)]
pub struct Undetermined {
    pub rule: usize,
    pub resource: ResIdx,
    pub span: Span,
    pub reason: String,
}

/// Everything the rules produced.
#[derive(Debug, Default)]
pub struct Results {
    pub findings: Vec<Finding>,
    pub undetermined: Vec<Undetermined>,
}

/// What a native rule works with and reports into.
pub struct RuleCx<'a> {
    pub model: &'a Model,
    pub options: &'a RuleOptions,
    pub meta: &'a RuleMeta,
    rule: usize,
    out: Results,
}

impl<'a> RuleCx<'a> {
    /// Reports a finding at the rule's own severity.
    pub fn finding(&mut self, resource: ResIdx, span: Span, message: String, related: Vec<Related>) {
        let severity = self.meta.severity;
        self.finding_with_severity(resource, span, message, related, severity);
    }

    pub fn finding_with_severity(
        &mut self,
        resource: ResIdx,
        span: Span,
        message: String,
        related: Vec<Related>,
        severity: Severity,
    ) {
        let span = if span.is_none() { self.model.res(resource).type_span() } else { span };
        self.out.findings.push(Finding { rule: self.rule, severity, resource, message, span, related });
    }

    /// Option `name` of this rule: the user's value, else the default its rule file
    /// declares. `None` when the rule file does not declare it.
    pub fn option(&self, name: &str) -> Option<&toml::Value> {
        let declared = self.meta.options.get(name)?;
        Some(self.options.values.get(name).unwrap_or(declared))
    }

    /// An integer option (see [`RuleCx::option`]); 0 when not declared as an integer.
    pub fn option_int(&self, name: &str) -> i64 {
        self.option(name).and_then(toml::Value::as_integer).unwrap_or_default()
    }

    /// A list-of-strings option (see [`RuleCx::option`]).
    pub fn option_strings(&self, name: &str) -> Vec<String> {
        self.option(name)
            .and_then(toml::Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    pub fn undetermined(&mut self, resource: ResIdx, span: Span, reason: String) {
        let span = if span.is_none() { self.model.res(resource).type_span() } else { span };
        self.out.undetermined.push(Undetermined { rule: self.rule, resource, span, reason });
    }

    /// The deployed resources of the rule's types (never `existing` references).
    pub fn targets(&self) -> impl Iterator<Item = ResIdx> + 'a {
        let model = self.model;
        self.meta
            .resource_types
            .iter()
            .flat_map(move |t| model.of_type(t).iter().copied())
            .filter(move |r| !model.res(*r).existing)
    }
}

/// The loaded rules and the defaults table.
#[derive(Debug)]
pub struct Registry {
    pub rules: Vec<RuleMeta>,
    pub defaults: Defaults,
    /// The checks written in Rust that rule files name with `native = "..."`, handed in
    /// by whoever builds the registry (`crate::rules::registry`): the engine does not
    /// know the rules.
    natives: &'static [(&'static str, NativeFn)],
}

/// A rule file that could not be loaded: a `rule-invalid` problem naming the file.
fn rule_invalid(path: &str, message: String) -> Problem {
    Problem::error(Code::RuleInvalid, message, Some(path.to_string()), None)
}

impl Registry {
    /// A registry without rules whose files may name these native checks.
    pub fn new(natives: &'static [(&'static str, NativeFn)]) -> Registry {
        Registry { rules: Vec::new(), defaults: Defaults::default(), natives }
    }

    /// The rules of these files ((path, contents); `defaults.toml` is the defaults
    /// table), whose `native` keys name checks of `natives`.
    pub fn load(
        natives: &'static [(&'static str, NativeFn)],
        files: &[(&str, &str)],
    ) -> Result<Registry, Vec<Problem>> {
        let mut reg = Registry::new(natives);
        let mut errors = Vec::new();
        for (path, text) in files {
            if path.ends_with("defaults.toml") {
                match Defaults::parse(text) {
                    Ok(d) => reg.defaults = d,
                    Err(e) => errors.push(rule_invalid(path, e)),
                }
                continue;
            }
            if let Err(e) = reg.add(path, text) {
                errors.push(e);
            }
        }
        if errors.is_empty() { Ok(reg) } else { Err(errors) }
    }

    /// Adds every `*.toml` rule file under `dir` (`--rules DIR`).
    pub fn load_dir(&mut self, dir: &Path) -> Vec<Problem> {
        let mut files: Vec<_> = walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "toml"))
            .map(|e| e.into_path())
            .collect();
        files.sort();
        if files.is_empty() {
            return vec![rule_invalid(&dir.display().to_string(), "no rule files (`*.toml`) found".into())];
        }
        let mut errors = Vec::new();
        for f in files {
            let path = f.display().to_string();
            match std::fs::read_to_string(&f) {
                Ok(text) => {
                    if let Err(e) = self.add(&path, &text) {
                        errors.push(e);
                    }
                }
                Err(e) => errors.push(rule_invalid(&path, e.to_string())),
            }
        }
        errors
    }

    /// Parses and adds one rule file.
    pub fn add(&mut self, path: &str, text: &str) -> Result<(), Problem> {
        let err = |message: String| rule_invalid(path, message);
        let file: meta::RuleFile = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let kind = match (&file.check, &file.native) {
            (Some(check), None) => {
                RuleKind::Declarative(Condition::parse(check).map_err(|e| err(format!("`check`: {e}")))?)
            }
            (None, Some(native)) => RuleKind::Native(
                self.natives
                    .iter()
                    .find(|(n, _)| n == native)
                    .map(|(_, f)| *f)
                    .ok_or_else(|| err(format!("`native = \"{native}\"` names no check in src/rules/")))?,
            ),
            _ => {
                return Err(err("a rule needs exactly one of `check` and `native`".into()));
            }
        };
        if matches!(kind, RuleKind::Declarative(_)) && file.message.is_none() {
            return Err(err("a declarative rule needs a `message`".into()));
        }
        if let Some(other) = self
            .rules
            .iter()
            .find(|r| r.code.eq_ignore_ascii_case(&file.code) || r.name.eq_ignore_ascii_case(&file.name))
        {
            return Err(err(format!("rule {} `{}` is already defined by {}", file.code, file.name, other.source)));
        }
        self.rules.push(RuleMeta {
            code: file.code,
            name: file.name,
            severity: file.severity,
            title: file.title,
            resource_types: file.resource_types,
            message: file.message,
            help: file.help,
            docs: file.docs,
            references: file.references,
            kind,
            options: file.options,
            source: path.to_string(),
        });
        self.rules.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(())
    }

    /// A rule by code or name, ignoring case.
    pub fn find(&self, code_or_name: &str) -> Option<&RuleMeta> {
        self.rules
            .iter()
            .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name.eq_ignore_ascii_case(code_or_name))
    }

    /// Runs the rules whose indexes are in `enabled`, in parallel; the result is sorted
    /// by resource position, then rule code, so it never depends on thread timing.
    pub fn run(&self, model: &Model, options: &RuleOptions, enabled: &[usize]) -> Results {
        let parts: Vec<Results> = enabled.par_iter().map(|&i| self.run_one(model, options, i)).collect();
        let mut out = Results::default();
        for p in parts {
            out.findings.extend(p.findings);
            out.undetermined.extend(p.undetermined);
        }
        let code = |i: usize| self.rules[i].code.as_str();
        out.findings.sort_by(|a, b| {
            (a.span.file, a.span.start, code(a.rule), a.resource, &a.message).cmp(&(
                b.span.file,
                b.span.start,
                code(b.rule),
                b.resource,
                &b.message,
            ))
        });
        // One undetermined result per rule and resource: the first reason is enough to act on.
        let mut seen = std::collections::HashSet::new();
        out.undetermined.retain(|u| seen.insert((u.rule, u.resource)));
        out.undetermined.sort_by(|a, b| {
            (a.span.file, a.span.start, code(a.rule), a.resource, &a.reason).cmp(&(
                b.span.file,
                b.span.start,
                code(b.rule),
                b.resource,
                &b.reason,
            ))
        });
        out
    }

    fn run_one(&self, model: &Model, options: &RuleOptions, rule: usize) -> Results {
        let meta = &self.rules[rule];
        let mut cx = RuleCx { model, options, meta, rule, out: Results::default() };
        match &meta.kind {
            RuleKind::Native(f) => f(&mut cx),
            RuleKind::Declarative(cond) => {
                let targets: Vec<ResIdx> = cx.targets().collect();
                for r in targets {
                    let o = EvalCx::new(model, &self.defaults, r).eval(cond);
                    match o.tri {
                        Tri::True => {
                            let w = o.witness;
                            let span = w.as_ref().map_or(Span::NONE, |w| w.span);
                            let message =
                                render_message(meta.message.as_deref().unwrap_or(&meta.title), model, r, w.as_ref());
                            cx.finding(r, span, message, Vec::new());
                        }
                        Tri::Unknown(reason) => cx.undetermined(r, Span::NONE, reason),
                        Tri::False => {}
                    }
                }
            }
        }
        // A placeholder of a read that did not happen is never passed over: a rule that
        // said nothing about it could not have known.
        let silent: Vec<ResIdx> = cx
            .targets()
            .filter(|r| model.res(*r).placeholder)
            .filter(|r| {
                !cx.out.findings.iter().any(|f| f.resource == *r)
                    && !cx.out.undetermined.iter().any(|u| u.resource == *r)
            })
            .collect();
        for r in silent {
            if let Some(u) = model.res(r).unread() {
                let reason = u.detail.clone();
                cx.undetermined(r, Span::NONE, reason);
            }
        }
        cx.out
    }
}

/// Fills `{resource}`, `{type}`, `{field}`, `{value}` and `{evidence}` in a declarative
/// rule's message.
fn render_message(template: &str, model: &Model, r: ResIdx, w: Option<&eval::Witness>) -> String {
    let res = model.res(r);
    let value = w
        .map_or_else(String::new, |w| if w.defaulted { format!("{} (the default)", w.shown) } else { w.shown.clone() });
    template
        .replace("{resource}", &res.name)
        .replace("{type}", &res.type_)
        .replace("{field}", &w.map_or_else(String::new, |w| display_field(&w.field)))
        .replace("{value}", &value)
        .replace("{evidence}", model.role(r).map_or("", |x| x.evidence.as_str()))
}
