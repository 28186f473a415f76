//! Evaluates a [`Condition`] against one resource, three-valued: the condition holds
//! (a finding), does not hold, or cannot be decided offline. Absent properties take the
//! documented default from `rules/defaults.toml`; where none is documented the defaults
//! table says so and the result is undetermined.

use super::condition::{Condition, Op};
use super::defaults::{DefaultValue, Defaults};
use crate::model::{Lookup, Model, ResIdx, lookup};
use crate::value::{Node, Span, Value};

/// A three-valued outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum Tri {
    True,
    False,
    /// Undecidable, with the reason.
    Unknown(String),
}

/// The value that decided a leaf: what a finding's message shows and where it points.
#[derive(Debug, Clone)]
pub struct Witness {
    pub field: String,
    /// The value as shown in messages (`` `1.0` ``, `not set`).
    pub shown: String,
    pub span: Span,
    /// True when the value is the documented default of an absent property.
    pub defaulted: bool,
}

/// The result of evaluating a condition.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub tri: Tri,
    pub witness: Option<Witness>,
}

/// What a field path resolved to.
enum FieldValue<'a> {
    Found(&'a Node),
    Default(Value, Span),
    Absent(Span),
    Unknown(String),
}

/// Evaluation context: one resource, and the array element of an enclosing `count`.
pub struct EvalCx<'a> {
    pub model: &'a Model,
    pub defaults: &'a Defaults,
    pub res: ResIdx,
    element: Option<(&'a str, &'a Node)>,
}

impl<'a> EvalCx<'a> {
    pub fn new(model: &'a Model, defaults: &'a Defaults, res: ResIdx) -> EvalCx<'a> {
        EvalCx { model, defaults, res, element: None }
    }

    pub fn eval(&self, c: &'a Condition) -> Outcome {
        match c {
            Condition::AllOf(cs) => {
                let mut unknown = None;
                let mut last = None;
                for c in cs {
                    let o = self.eval(c);
                    match o.tri {
                        Tri::False => return o,
                        Tri::Unknown(_) if unknown.is_none() => unknown = Some(o),
                        Tri::Unknown(_) => {}
                        Tri::True => {
                            if o.witness.as_ref().is_some_and(|w| !is_selector(&w.field)) || last.is_none() {
                                last = Some(o);
                            }
                        }
                    }
                }
                unknown.or(last).unwrap_or(Outcome { tri: Tri::True, witness: None })
            }
            Condition::AnyOf(cs) => {
                let mut unknown = None;
                let mut last = None;
                for c in cs {
                    let o = self.eval(c);
                    match o.tri {
                        Tri::True => return o,
                        Tri::Unknown(_) if unknown.is_none() => unknown = Some(o),
                        _ => last = Some(o),
                    }
                }
                unknown.or(last).unwrap_or(Outcome { tri: Tri::False, witness: None })
            }
            Condition::Not(inner) => {
                let o = self.eval(inner);
                let tri = match o.tri {
                    Tri::True => Tri::False,
                    Tri::False => Tri::True,
                    u => u,
                };
                Outcome { tri, witness: o.witness }
            }
            Condition::Field { field, op } => self.leaf(field, op),
            Condition::Count { field, filter, op } => self.count(field, filter.as_deref(), op),
        }
    }

    fn leaf(&self, field: &str, op: &Op) -> Outcome {
        if let Some((prefix, rest)) = field.split_once("[*]")
            && self.element.is_none_or(|(p, _)| p != prefix)
        {
            return self.all_elements(prefix, rest, field, op);
        }
        match self.resolve(field) {
            FieldValue::Found(n) => match n.value.find_unknown() {
                Some(u) if !matches!(op, Op::Exists(_)) => unknown(field, &u.detail),
                _ => decided(op.test(Some(&n.value)), field, show(&n.value), n.span, false),
            },
            FieldValue::Default(v, span) => decided(op.test(Some(&v)), field, show(&v), span, true),
            FieldValue::Absent(span) => decided(op.test(None), field, "not set".into(), span, false),
            FieldValue::Unknown(reason) => unknown(field, &reason),
        }
    }

    /// A leaf on `x[*].y` outside `count`: true when every element satisfies it.
    fn all_elements(&self, prefix: &str, rest: &str, field: &str, op: &Op) -> Outcome {
        let arr = match self.resolve(prefix) {
            FieldValue::Found(n) => n,
            FieldValue::Unknown(r) => return unknown(field, &r),
            FieldValue::Absent(span) | FieldValue::Default(_, span) => {
                return decided(op.test(None), field, "not set".into(), span, false);
            }
        };
        let Some(items) = arr.value.as_array() else {
            return decided(false, field, show(&arr.value), arr.span, false);
        };
        let mut last = None;
        for item in items {
            let cx = EvalCx { element: Some((prefix, item)), ..*self };
            let _ = rest;
            let o = cx.leaf(field, op);
            if o.tri != Tri::True {
                return o;
            }
            last = Some(o);
        }
        last.unwrap_or_else(|| decided(true, field, "[]".into(), arr.span, false))
    }

    fn count(&self, field: &str, filter: Option<&'a Condition>, op: &Op) -> Outcome {
        let prefix = field.split("[*]").next().unwrap_or_default();
        let (items, span): (&[Node], Span) = match self.resolve(prefix) {
            FieldValue::Found(n) => match n.value.as_array() {
                Some(a) => (a, n.span),
                None => (&[], n.span),
            },
            FieldValue::Unknown(r) => return unknown(field, &r),
            FieldValue::Absent(span) | FieldValue::Default(_, span) => (&[], span),
        };
        let mut n = 0i64;
        let mut first_match = None;
        let mut undecided = None;
        for item in items {
            let matched = match filter {
                None => Tri::True,
                Some(f) => {
                    let cx = EvalCx { element: Some((prefix, item)), ..*self };
                    cx.eval(f).tri
                }
            };
            match matched {
                Tri::True => {
                    n += 1;
                    first_match.get_or_insert(item);
                }
                Tri::Unknown(r) => {
                    undecided.get_or_insert(r);
                }
                Tri::False => {}
            }
        }
        let holds = op.test(Some(&Value::Int(n)));
        if let Some(r) = undecided {
            // Unknown elements could change the count; decide only if they cannot.
            let with_all = op.test(Some(&Value::Int(n + items.len() as i64)));
            if holds != with_all || !holds {
                return Outcome { tri: Tri::Unknown(r), witness: None };
            }
        }
        let (shown, wspan) = match first_match {
            Some(m) => (show(&m.value), m.span),
            None => (format!("{n} matching"), span),
        };
        decided(holds, field, shown, wspan, false)
    }

    fn resolve(&self, field: &str) -> FieldValue<'a> {
        let model = self.model;
        let res = model.res(self.res);
        if let Some((prefix, el)) = self.element
            && let Some(rest) = field.strip_prefix(prefix).and_then(|r| r.strip_prefix("[*]"))
        {
            return match lookup(el, rest.trim_start_matches('.')) {
                Lookup::Found(n) => FieldValue::Found(n),
                Lookup::Absent => FieldValue::Absent(el.span),
                Lookup::Unknown(u) => FieldValue::Unknown(u.detail.clone()),
            };
        }
        let found = match field.to_ascii_lowercase().as_str() {
            "type" => return FieldValue::Default(Value::str(res.type_.as_str()), res.type_span()),
            "name" => {
                return FieldValue::Default(
                    Value::str(res.name.as_str()),
                    res.node.get("name").map_or(res.type_span(), |n| n.span),
                );
            }
            "apiversion" => res.get("apiVersion", model),
            "site.role" => {
                return match model.role(self.res) {
                    Some(r) => FieldValue::Default(
                        Value::str(match r.role {
                            crate::model::roles::Role::Backend => "backend",
                            crate::model::roles::Role::Frontend => "frontend",
                        }),
                        res.type_span(),
                    ),
                    None => match model.role_unknown(self.res) {
                        Some(why) => FieldValue::Unknown(why.to_string()),
                        None => FieldValue::Absent(res.type_span()),
                    },
                };
            }
            _ => match field.strip_prefix("site.") {
                Some(setting) => match model.site(self.res) {
                    Some(view) => view.setting(setting),
                    None => Lookup::Absent,
                },
                None => res.get(field, model),
            },
        };
        match found {
            Lookup::Found(n) => FieldValue::Found(n),
            Lookup::Unknown(u) => FieldValue::Unknown(u.detail.clone()),
            Lookup::Absent => match self.defaults.get(res, field) {
                Some(DefaultValue::Value(v)) => FieldValue::Default(v.clone(), res.type_span()),
                Some(DefaultValue::Unknown(why)) => FieldValue::Unknown(why.clone()),
                None => FieldValue::Absent(res.type_span()),
            },
        }
    }
}

fn is_selector(field: &str) -> bool {
    ["type", "kind", "name"].iter().any(|f| f.eq_ignore_ascii_case(field))
}

fn decided(holds: bool, field: &str, shown: String, span: Span, defaulted: bool) -> Outcome {
    Outcome {
        tri: if holds { Tri::True } else { Tri::False },
        witness: Some(Witness { field: field.to_string(), shown, span, defaulted }),
    }
}

fn unknown(field: &str, reason: &str) -> Outcome {
    Outcome { tri: Tri::Unknown(format!("`{}` cannot be determined: {reason}", display_field(field))), witness: None }
}

/// A field as users know it: `site.minTlsVersion` → `minTlsVersion`.
pub fn display_field(field: &str) -> String {
    let f = field.strip_prefix("site.").unwrap_or(field);
    match f.strip_prefix("publishing.").and_then(|r| r.split_once('.')) {
        Some((which, prop)) => format!("basicPublishingCredentialsPolicies/{which}` `{prop}"),
        None => f.to_string(),
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        Value::Null => "not set".into(),
        other => format!("`{other}`"),
    }
}
