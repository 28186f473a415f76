//! A conformance oracle: compares two expansions that must describe the same
//! deployment (`azlint expand` of a program's compiled JSON and of another form of it:
//! the `languageVersion` 2.0 compilation, or later the Bicep source itself) resource
//! by resource, and says how they differ.
//!
//! Both sides are what [`super::expand_file`] returns: `{"resources": [...],
//! "outputs": {...}}`, nested deployments' resources already in the flat list (the
//! deployment itself carries its `properties` without `template`), unknown values as
//! `{"$unknown": cause, "detail": ...}`.
//!
//! What is compared, and why:
//! - Resources are matched by (type, name), both ignoring ASCII case as Resource Manager
//!   does; an unknown name matches by its cause, the same unknown name first (the
//!   compiler writes modules after resources, so two forms may list them in another
//!   order); the same (type, name) met again (a module deployed to two scopes) matches
//!   in order of appearance. An unmatched pair with the same name is reported as a
//!   `type` difference rather than one missing and one extra resource.
//! - `type`, `name` and `id` compare ignoring ASCII case, as Resource Manager does.
//! - Every other top-level member of a resource is compared (`id`, `apiVersion`, `location`,
//!   `sku`, `kind`, `tags`, `identity`, `zones`, `scope`, `properties`, ...): they are the
//!   deployed state the rules read, and both forms of one program must give the same.
//! - Not compared: `dependsOn` (the classic form lists `resourceId()` strings, the 2.0
//!   form symbolic names, and Bicep may order them differently: deployment order, not
//!   deployed state), `symbolicName` (only the 2.0 form has it), and `metadata._generator`
//!   anywhere (the compiler's version and template hash).
//! - Object keys compare ignoring ASCII case (Resource Manager's keys do); strings
//!   compare exactly, except two resource ids (`/subscriptions/…`, `/providers/…`), which
//!   ignore ASCII case as Resource Manager does: the compiler spells a type the way its
//!   type index does (`Microsoft.Web/serverfarms`) where the Bicep source wrote
//!   `Microsoft.Web/serverFarms`, and `appService.id` carries that spelling; numbers by value (`1` equals `1.0`); arrays element by element.
//! - An unknown value compares by its cause only: the detail names the expression
//!   that made it, which differs between forms of the same program.
//! - Outputs compare by name (ignoring case) and value, as one class.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

/// What kind of difference, for counting and for the known-differences lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// A resource the left side has and the right side does not.
    MissingResource,
    /// A resource only the right side has.
    ExtraResource,
    /// The same name with a different type.
    Type,
    /// An undecided `condition` that differs (or is present on one side only).
    Condition,
    /// Two known values that differ.
    PropertyValue,
    /// A member the left side has and the right side does not.
    PropertyMissing,
    /// A member only the right side has.
    PropertyExtra,
    /// One side knows a value the other leaves unknown.
    UnknownVsKnown,
    /// Both sides leave a value unknown, for different causes.
    UnknownCause,
    /// An output that differs, is missing or is extra.
    Outputs,
    /// A side's expansion failed, or reported an error the other side did not.
    ExpandFailed,
}

impl Class {
    /// Every class, in order.
    pub const ALL: [Class; 11] = [
        Class::MissingResource,
        Class::ExtraResource,
        Class::Type,
        Class::Condition,
        Class::PropertyValue,
        Class::PropertyMissing,
        Class::PropertyExtra,
        Class::UnknownVsKnown,
        Class::UnknownCause,
        Class::Outputs,
        Class::ExpandFailed,
    ];

    /// The stable kebab-case name the known-differences lists use.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::MissingResource => "missing-resource",
            Class::ExtraResource => "extra-resource",
            Class::Type => "type",
            Class::Condition => "condition",
            Class::PropertyValue => "property-value",
            Class::PropertyMissing => "property-missing",
            Class::PropertyExtra => "property-extra",
            Class::UnknownVsKnown => "unknown-vs-known",
            Class::UnknownCause => "unknown-cause",
            Class::Outputs => "outputs",
            Class::ExpandFailed => "expand-failed",
        }
    }

    /// The class a list names, `None` for a name that is none.
    pub fn parse(s: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One difference between the sides.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    pub class: Class,
    /// The resource as `type 'name'` (`outputs` for outputs, `expansion` when a side failed).
    pub resource: String,
    /// Where inside it (`properties.siteConfig.ftpsState`), empty for the whole resource.
    pub path: String,
    /// The left side's value, `None` when absent.
    pub left: Option<Value>,
    /// The right side's value, `None` when absent.
    pub right: Option<Value>,
}

/// How long a value may print in a one-line difference.
const SHOWN: usize = 80;

/// A value on one line, cut to [`SHOWN`] characters.
fn shown(v: Option<&Value>) -> String {
    let Some(v) = v else { return "(absent)".into() };
    let s = v.to_string();
    if s.chars().count() <= SHOWN {
        return s;
    }
    let cut: String = s.chars().take(SHOWN - 1).collect();
    format!("{cut}…")
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sep = if self.path.is_empty() { "" } else { " " };
        write!(
            f,
            "[{}] {}{sep}{}: {} != {}",
            self.class,
            self.resource,
            self.path,
            shown(self.left.as_ref()),
            shown(self.right.as_ref())
        )
    }
}

/// Everything two expansions differ in; empty when they agree.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    pub differences: Vec<Difference>,
}

impl Comparison {
    /// Whether the sides agree.
    pub fn agrees(&self) -> bool {
        self.differences.is_empty()
    }

    /// Differences counted by class.
    pub fn by_class(&self) -> BTreeMap<Class, usize> {
        let mut m = BTreeMap::new();
        for d in &self.differences {
            *m.entry(d.class).or_insert(0) += 1;
        }
        m
    }
}

/// What [`super::expand_file`] returns: the expansion, its diagnostics, whether any was an error.
pub type Outcome = Result<(Value, Vec<String>, bool), String>;

/// Compares two outcomes of `expand_file`. A side that returned `Err` makes the sides
/// incomparable (one `expand-failed` for it). A side that reported an error diagnostic
/// where the other did not gets an `expand-failed` too, and the expansions are still
/// compared so the effect of the error shows. Errors on both sides are not a difference
/// between the forms (the expander fails on both alike); their expansions are compared.
pub fn compare_outcomes(left: &Outcome, right: &Outcome) -> Comparison {
    let errored = |o: &Outcome| matches!(o, Ok((_, _, true)));
    let one_sided = errored(left) != errored(right);
    let mut differences: Vec<Difference> = [("left", left), ("right", right)]
        .into_iter()
        .filter(|(_, o)| o.is_err() || (one_sided && errored(o)))
        .filter_map(|(side, o)| failure(side, o))
        .collect();
    if let (Ok((l, _, _)), Ok((r, _, _))) = (left, right) {
        differences.extend(compare(l, r).differences);
    }
    Comparison { differences }
}

/// The `expand-failed` difference of one side (`left` or `right`), `None` when it expanded
/// without errors. The value is the error, or every diagnostic of a side that reported
/// one (`expand_file` does not say which of them was the error).
fn failure(side: &str, o: &Outcome) -> Option<Difference> {
    let v = match o {
        Err(e) => Value::String(e.clone()),
        Ok((_, diags, true)) => Value::Array(diags.iter().cloned().map(Value::String).collect()),
        Ok(_) => return None,
    };
    let (left, right) = if side == "left" { (Some(v), None) } else { (None, Some(v)) };
    Some(Difference { class: Class::ExpandFailed, resource: "expansion".into(), path: side.into(), left, right })
}

/// Compares two expansions (`{"resources": [...], "outputs": {...}}`): resources by
/// (type, name), then outputs.
pub fn compare(left: &Value, right: &Value) -> Comparison {
    let mut out = Vec::new();
    let empty = Vec::new();
    let resources = |v: &Value| v.get("resources").and_then(Value::as_array).unwrap_or(&empty).clone();
    compare_resources(&resources(left), &resources(right), &mut out);
    let outputs = |v: &Value| v.get("outputs").cloned().unwrap_or_else(|| Value::Object(Map::new()));
    let mut diffs = Vec::new();
    diff_value("outputs", "", &outputs(left), &outputs(right), &mut diffs);
    out.extend(diffs.into_iter().map(|d| Difference { class: Class::Outputs, ..d }));
    Comparison { differences: out }
}

/// A resource's matching key: type and name ignoring ASCII case; an unknown name keys by
/// its cause, so two unknown names of one cause match.
fn key(r: &Value) -> (String, String) {
    let part = |k: &str| match r.get(k) {
        Some(Value::String(s)) => s.to_ascii_lowercase(),
        Some(v) => match unknown_cause(v) {
            Some(c) => format!("$unknown:{c}"),
            None => v.to_string().to_ascii_lowercase(),
        },
        None => String::new(),
    };
    (part("type"), part("name"))
}

/// How a resource is named in a difference: `type 'name'`.
fn label(r: &Value) -> String {
    let s = |k: &str| match r.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => "?".into(),
    };
    format!("{} '{}'", s("type"), s("name"))
}

/// Matches resources by key (the same name first, then in order among equal keys), then
/// compares each pair.
fn compare_resources(left: &[Value], right: &[Value], out: &mut Vec<Difference>) {
    let mut right_by_key: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, r) in right.iter().enumerate().rev() {
        right_by_key.entry(key(r)).or_default().push(i);
    }
    let mut unmatched_left = Vec::new();
    for l in left {
        // Among candidates of one key, the one with the very same name first (two unknown
        // names of one cause, in another order: the compiler writes modules after
        // resources), else the next in order.
        let pick = |c: &mut Vec<usize>| match c.iter().rposition(|&i| right[i].get("name") == l.get("name")) {
            Some(p) => Some(c.remove(p)),
            None => c.pop(),
        };
        match right_by_key.get_mut(&key(l)).and_then(pick) {
            Some(i) => compare_resource(l, &right[i], out),
            None => unmatched_left.push(l),
        }
    }
    let mut unmatched_right: Vec<&Value> = {
        let mut idx: Vec<usize> = right_by_key.into_values().flatten().collect();
        idx.sort_unstable();
        idx.into_iter().map(|i| &right[i]).collect()
    };
    for l in unmatched_left {
        let same_name = unmatched_right.iter().position(|r| key(r).1 == key(l).1);
        match same_name.map(|i| unmatched_right.remove(i)) {
            Some(r) => out.push(Difference {
                class: Class::Type,
                resource: label(l),
                path: "type".into(),
                left: l.get("type").cloned(),
                right: r.get("type").cloned(),
            }),
            None => out.push(whole(Class::MissingResource, l, Some(l), None)),
        }
    }
    for r in unmatched_right {
        out.push(whole(Class::ExtraResource, r, None, Some(r)));
    }
}

/// A difference about a whole resource, shown by its id (or label when it has none).
fn whole(class: Class, r: &Value, left: Option<&Value>, right: Option<&Value>) -> Difference {
    let id = |v: Option<&Value>| v.map(|v| v.get("id").cloned().unwrap_or_else(|| Value::String(label(v))));
    Difference { class, resource: label(r), path: String::new(), left: id(left), right: id(right) }
}

/// Members of a resource that are not compared (see the module documentation).
const IGNORED_MEMBERS: &[&str] = &["dependsOn", "symbolicName"];

/// Members that identify a resource and, like Resource Manager, ignore ASCII case:
/// `type` and `name` already matched that way; `id` is built from them and the scope.
const IDENTITY_MEMBERS: &[&str] = &["type", "name", "id"];

/// Compares two matched resources member by member; `condition` differences get their own class.
fn compare_resource(left: &Value, right: &Value, out: &mut Vec<Difference>) {
    let resource = label(left);
    let mut diffs = Vec::new();
    for m in IDENTITY_MEMBERS {
        let (l, r) = (member(left, m), member(right, m));
        let same_text = matches!((l, r), (Some(Value::String(a)), Some(Value::String(b))) if a.eq_ignore_ascii_case(b));
        match (l, r) {
            _ if same_text => {}
            (Some(l), Some(r)) => diff_value(&resource, m, l, r, &mut diffs),
            (None, None) => {}
            (l, r) => diffs.push(Difference {
                class: if l.is_some() { Class::PropertyMissing } else { Class::PropertyExtra },
                resource: resource.clone(),
                path: (*m).into(),
                left: l.cloned(),
                right: r.cloned(),
            }),
        }
    }
    diff_value(&resource, "", &compared(left), &compared(right), &mut diffs);
    for mut d in diffs {
        if d.path == "condition" || d.path.starts_with("condition.") || d.path.starts_with("condition[") {
            d.class = Class::Condition;
        }
        out.push(d);
    }
}

/// A resource member by name, ignoring ASCII case.
fn member<'a>(r: &'a Value, name: &str) -> Option<&'a Value> {
    r.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

/// A resource without the members compared on their own or not at all.
fn compared(r: &Value) -> Value {
    let skip = |k: &str| is_ignored_member(k) || IDENTITY_MEMBERS.iter().any(|m| m.eq_ignore_ascii_case(k));
    match r {
        Value::Object(o) => {
            Value::Object(o.iter().filter(|(k, _)| !skip(k)).map(|(k, v)| (k.clone(), v.clone())).collect())
        }
        other => other.clone(),
    }
}

fn is_ignored_member(k: &str) -> bool {
    IGNORED_MEMBERS.iter().any(|m| m.eq_ignore_ascii_case(k))
}

/// The cause of an unknown value (`{"$unknown": cause, ...}`), `None` for a known value.
fn unknown_cause(v: &Value) -> Option<&str> {
    v.as_object()?.get("$unknown")?.as_str()
}

/// `path` extended by an object key.
fn join(path: &str, k: &str) -> String {
    if path.is_empty() { k.to_string() } else { format!("{path}.{k}") }
}

/// Compares two values at `path`, pushing one difference per differing leaf, missing
/// or extra member.
fn diff_value(resource: &str, path: &str, left: &Value, right: &Value, out: &mut Vec<Difference>) {
    let diff = |class| Difference {
        class,
        resource: resource.to_string(),
        path: path.to_string(),
        left: Some(left.clone()),
        right: Some(right.clone()),
    };
    match (unknown_cause(left), unknown_cause(right)) {
        (Some(a), Some(b)) if a == b => {}
        (Some(_), Some(_)) => out.push(diff(Class::UnknownCause)),
        (Some(_), None) | (None, Some(_)) => out.push(diff(Class::UnknownVsKnown)),
        (None, None) => match (left, right) {
            (Value::Object(a), Value::Object(b)) => diff_objects(resource, path, a, b, out),
            (Value::Array(a), Value::Array(b)) => diff_arrays(resource, path, a, b, out),
            (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
            (Value::String(a), Value::String(b)) if is_resource_id(a) && a.eq_ignore_ascii_case(b) => {}
            (a, b) if a == b => {}
            _ => out.push(diff(Class::PropertyValue)),
        },
    }
}

/// Whether a string is a fully qualified resource id, which Resource Manager reads
/// ignoring ASCII case.
fn is_resource_id(s: &str) -> bool {
    let prefix = |p: &str| s.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    prefix("/subscriptions/") || prefix("/providers/")
}

/// An object's members by lower-cased key, without `_generator` when the object is a
/// `metadata` member.
fn members<'a>(path: &str, o: &'a Map<String, Value>) -> BTreeMap<String, (&'a String, &'a Value)> {
    let in_metadata = path.rsplit('.').next().is_some_and(|last| last.eq_ignore_ascii_case("metadata"));
    o.iter()
        .filter(|(k, _)| !(in_metadata && k.eq_ignore_ascii_case("_generator")))
        .map(|(k, v)| (k.to_ascii_lowercase(), (k, v)))
        .collect()
}

fn diff_objects(resource: &str, path: &str, a: &Map<String, Value>, b: &Map<String, Value>, out: &mut Vec<Difference>) {
    let (ma, mb) = (members(path, a), members(path, b));
    let absent = |class, k: &str, l: Option<&Value>, r: Option<&Value>| Difference {
        class,
        resource: resource.to_string(),
        path: join(path, k),
        left: l.cloned(),
        right: r.cloned(),
    };
    for (lk, (k, va)) in &ma {
        match mb.get(lk) {
            Some((_, vb)) => diff_value(resource, &join(path, k), va, vb, out),
            None => out.push(absent(Class::PropertyMissing, k, Some(va), None)),
        }
    }
    for (lk, (k, vb)) in &mb {
        if !ma.contains_key(lk) {
            out.push(absent(Class::PropertyExtra, k, None, Some(vb)));
        }
    }
}

fn diff_arrays(resource: &str, path: &str, a: &[Value], b: &[Value], out: &mut Vec<Difference>) {
    for i in 0..a.len().max(b.len()) {
        let p = format!("{path}[{i}]");
        let d = |class, l: Option<&Value>, r: Option<&Value>| Difference {
            class,
            resource: resource.to_string(),
            path: p.clone(),
            left: l.cloned(),
            right: r.cloned(),
        };
        match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) => diff_value(resource, &p, x, y, out),
            (Some(x), None) => out.push(d(Class::PropertyMissing, Some(x), None)),
            (None, Some(y)) => out.push(d(Class::PropertyExtra, None, Some(y))),
            (None, None) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn storage(name: &str, props: Value) -> Value {
        json!({
            "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/{name}"),
            "type": "Microsoft.Storage/storageAccounts",
            "name": name,
            "apiVersion": "2023-01-01",
            "properties": props,
        })
    }

    fn expansion(resources: Vec<Value>) -> Value {
        json!({ "resources": resources, "outputs": {} })
    }

    /// The classes of the differences, in order.
    fn classes(l: &Value, r: &Value) -> Vec<Class> {
        compare(l, r).differences.iter().map(|d| d.class).collect()
    }

    fn unknown(cause: &str, detail: &str) -> Value {
        json!({ "$unknown": cause, "detail": detail })
    }

    #[test]
    fn identical_expansions_agree() {
        let a = expansion(vec![storage("a", json!({ "x": 1 }))]);
        assert!(compare(&a, &a).agrees());
    }

    #[test]
    fn one_differing_property_is_one_property_value() {
        let l = expansion(vec![storage("a", json!({ "tls": "TLS1_2", "https": true }))]);
        let r = expansion(vec![storage("a", json!({ "tls": "TLS1_0", "https": true }))]);
        let c = compare(&l, &r);
        assert_eq!(c.differences.len(), 1);
        assert_eq!(c.differences[0].class, Class::PropertyValue);
        assert_eq!(c.differences[0].path, "properties.tls");
    }

    #[test]
    fn a_missing_resource_is_missing_and_an_added_one_extra() {
        let l = expansion(vec![storage("a", json!({})), storage("b", json!({}))]);
        let r = expansion(vec![storage("a", json!({}))]);
        assert_eq!(classes(&l, &r), vec![Class::MissingResource]);
        assert_eq!(classes(&r, &l), vec![Class::ExtraResource]);
    }

    #[test]
    fn a_known_value_against_an_unknown_one_is_unknown_vs_known() {
        let l = expansion(vec![storage("a", json!({ "key": "abc" }))]);
        let r = expansion(vec![storage("a", json!({ "key": unknown("list", "listKeys(...)") }))]);
        assert_eq!(classes(&l, &r), vec![Class::UnknownVsKnown]);
    }

    #[test]
    fn unknowns_compare_by_cause_not_detail() {
        let l = expansion(vec![storage("a", json!({ "key": unknown("list", "listKeys(x)") }))]);
        let same_cause = expansion(vec![storage("a", json!({ "key": unknown("list", "listKeys(y)") }))]);
        let other_cause = expansion(vec![storage("a", json!({ "key": unknown("reference", "listKeys(x)") }))]);
        assert!(compare(&l, &same_cause).agrees());
        assert_eq!(classes(&l, &other_cause), vec![Class::UnknownCause]);
    }

    #[test]
    fn names_types_and_keys_match_ignoring_case() {
        let l = expansion(vec![storage("MyAccount", json!({ "minimumTlsVersion": "TLS1_2" }))]);
        let mut upper = storage("myaccount", json!({ "MINIMUMTLSVERSION": "TLS1_2" }));
        upper["type"] = json!("microsoft.storage/STORAGEACCOUNTS");
        upper["id"] = json!(l["resources"][0]["id"].as_str().map(str::to_ascii_uppercase));
        assert!(compare(&l, &expansion(vec![upper])).agrees());
    }

    #[test]
    fn an_id_in_another_scope_is_a_property_value() {
        let l = expansion(vec![storage("a", json!({}))]);
        let mut r = storage("a", json!({}));
        r["id"] = json!("/providers/Microsoft.Storage/storageAccounts/a");
        let c = compare(&l, &expansion(vec![r]));
        assert_eq!(
            c.differences.iter().map(|d| (d.class, d.path.as_str())).collect::<Vec<_>>(),
            vec![(Class::PropertyValue, "id")]
        );
    }

    #[test]
    fn string_values_compare_exactly() {
        let l = expansion(vec![storage("a", json!({ "tier": "Hot" }))]);
        let r = expansion(vec![storage("a", json!({ "tier": "hot" }))]);
        assert_eq!(classes(&l, &r), vec![Class::PropertyValue]);
    }

    #[test]
    fn unknown_names_match_their_twin_in_another_order() {
        let named = |detail: &str, tier: &str| {
            let mut r = storage("x", json!({ "tier": tier }));
            r["name"] = unknown("parameter", detail);
            r
        };
        let l = expansion(vec![named("a", "Hot"), named("b", "Cool")]);
        let r = expansion(vec![named("b", "Cool"), named("a", "Hot")]);
        assert!(compare(&l, &r).agrees());
        let swapped = expansion(vec![named("c", "Cool"), named("d", "Hot")]);
        assert_eq!(classes(&l, &swapped), vec![Class::PropertyValue, Class::PropertyValue]);
    }

    #[test]
    fn resource_ids_in_properties_compare_ignoring_case() {
        let id = |t: &str| json!({ "serverFarmId": format!("/subscriptions/0/resourceGroups/rg/providers/{t}/plan") });
        let l = expansion(vec![storage("a", id("Microsoft.Web/serverfarms"))]);
        let r = expansion(vec![storage("a", id("Microsoft.Web/serverFarms"))]);
        assert!(compare(&l, &r).agrees());
        let other = expansion(vec![storage("a", id("Microsoft.Web/sites"))]);
        assert_eq!(classes(&l, &other), vec![Class::PropertyValue]);
    }

    #[test]
    fn members_missing_or_extra_on_one_side_are_classed_by_side() {
        let l = expansion(vec![storage("a", json!({ "a": 1, "list": [1, 2] }))]);
        let r = expansion(vec![storage("a", json!({ "b": 1, "list": [1] }))]);
        let c = compare(&l, &r);
        let got: Vec<(Class, &str)> = c.differences.iter().map(|d| (d.class, d.path.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (Class::PropertyMissing, "properties.a"),
                (Class::PropertyMissing, "properties.list[1]"),
                (Class::PropertyExtra, "properties.b"),
            ]
        );
    }

    #[test]
    fn depends_on_symbolic_name_and_generator_metadata_are_ignored() {
        let mut l = storage("a", json!({ "template": { "metadata": { "_generator": { "version": "1" }, "x": 1 } } }));
        l["dependsOn"] = json!(["[resourceId('Microsoft.Network/virtualNetworks', 'v')]"]);
        let mut r = storage("a", json!({ "template": { "metadata": { "_generator": { "version": "2" }, "x": 1 } } }));
        r["dependsOn"] = json!(["vnet"]);
        r["symbolicName"] = json!("stg");
        assert!(compare(&expansion(vec![l.clone()]), &expansion(vec![r.clone()])).agrees());
        r["properties"]["template"]["metadata"]["x"] = json!(2);
        assert_eq!(classes(&expansion(vec![l]), &expansion(vec![r])), vec![Class::PropertyValue]);
    }

    #[test]
    fn numbers_compare_by_value() {
        let l = expansion(vec![storage("a", json!({ "n": 1 }))]);
        let r = expansion(vec![storage("a", json!({ "n": 1.0 }))]);
        assert!(compare(&l, &r).agrees());
    }

    #[test]
    fn a_differing_condition_has_its_own_class() {
        let mut l = storage("a", json!({}));
        l["condition"] = unknown("parameter", "p");
        let r = storage("a", json!({}));
        let got = classes(&expansion(vec![l.clone()]), &expansion(vec![r]));
        assert_eq!(got, vec![Class::Condition]);
    }

    #[test]
    fn the_same_name_with_another_type_is_a_type_difference() {
        let l = expansion(vec![storage("a", json!({}))]);
        let mut other = storage("a", json!({}));
        other["type"] = json!("Microsoft.Web/sites");
        assert_eq!(classes(&l, &expansion(vec![other])), vec![Class::Type]);
    }

    #[test]
    fn repeated_type_and_name_match_in_order() {
        let mut first = storage("a", json!({ "n": 1 }));
        first["id"] = json!("/subscriptions/s/resourceGroups/one/x");
        let mut second = storage("a", json!({ "n": 2 }));
        second["id"] = json!("/subscriptions/s/resourceGroups/two/x");
        let l = expansion(vec![first.clone(), second.clone()]);
        assert!(compare(&l, &l).agrees());
        let swapped = expansion(vec![second, first]);
        assert!(classes(&l, &swapped).iter().all(|c| *c == Class::PropertyValue));
    }

    #[test]
    fn outputs_differences_are_outputs() {
        let l = json!({ "resources": [], "outputs": { "url": "https://a" } });
        let r = json!({ "resources": [], "outputs": { "URL": "https://b", "more": 1 } });
        assert_eq!(classes(&l, &r), vec![Class::Outputs, Class::Outputs]);
    }

    #[test]
    fn a_side_that_failed_to_expand_is_expand_failed() {
        let ok: Outcome = Ok((expansion(vec![]), vec![], false));
        let err: Outcome = Err("main.bicep: byte 0: expected a value".into());
        let errored: Outcome = Ok((expansion(vec![]), vec!["main.json:1:1: bad [arm-eval]".into()], true));
        let got = |l: &Outcome, r: &Outcome| -> Vec<Class> {
            compare_outcomes(l, r).differences.iter().map(|d| d.class).collect()
        };
        assert!(compare_outcomes(&ok, &ok).agrees());
        assert_eq!(got(&ok, &err), vec![Class::ExpandFailed]);
        assert_eq!(got(&errored, &ok), vec![Class::ExpandFailed]);
        assert!(compare_outcomes(&errored, &errored).agrees(), "errors on both sides are not a difference");
        assert_eq!(compare_outcomes(&ok, &err).differences[0].path, "right");
    }

    #[test]
    fn a_difference_prints_on_one_short_line() {
        let long = "x".repeat(300);
        let l = expansion(vec![storage("a", json!({ "s": long }))]);
        let r = expansion(vec![storage("a", json!({ "s": "y" }))]);
        let line = compare(&l, &r).differences[0].to_string();
        assert!(!line.contains('\n'));
        assert!(
            line.starts_with("[property-value] Microsoft.Storage/storageAccounts 'a' properties.s: \"xxx"),
            "{line}"
        );
        assert!(line.ends_with("… != \"y\""), "{line}");
        assert!(line.chars().count() < 200, "{line}");
    }

    #[test]
    fn every_class_name_parses_back() {
        for c in Class::ALL {
            assert_eq!(Class::parse(c.as_str()), Some(c));
        }
        assert_eq!(Class::parse("nonsense"), None);
    }
}
