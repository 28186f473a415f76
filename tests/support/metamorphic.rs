//! The metamorphic transformation of issue 11: a template as it is checked in, without
//! the values a pipeline supplies. Every parameter that feeds a resource name (directly
//! or through variables) loses its value, the other parameters keep theirs (a parameters
//! file's values become defaults), and every literal top-level resource name becomes a
//! parameter without a value, with every literal mention of it (ids, child names, host
//! names) rewritten as an expression of that parameter. A tool that follows references
//! through symbolic names finds the same gaps in both.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// A template with its names made unknown.
pub struct Variant {
    /// The template text.
    pub text: String,
    /// The parameters left without a value.
    pub unset: Vec<String>,
}

/// Characters that may stand next to a name inside an id, a host name or a list.
fn delimiter(c: Option<char>) -> bool {
    c.is_none_or(|c| matches!(c, '/' | '.' | ' ' | ',' | ';' | ':' | '=' | '@' | '|' | '\'' | '"'))
}

/// The literal parts and parameter references of `s` with every delimited occurrence of
/// a name replaced, or `None` when none occurs.
fn split_names(s: &str, names: &BTreeMap<String, String>) -> Option<Vec<(bool, String)>> {
    let mut parts: Vec<(bool, String)> = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    let mut found = false;
    'outer: while i < s.len() {
        for (name, param) in names.iter().rev() {
            if s[i..].len() >= name.len()
                && s.is_char_boundary(i + name.len())
                && s[i..i + name.len()].eq_ignore_ascii_case(name)
                && delimiter(s[..i].chars().next_back())
                && delimiter(s[i + name.len()..].chars().next())
            {
                if !text.is_empty() {
                    parts.push((false, std::mem::take(&mut text)));
                }
                parts.push((true, param.clone()));
                i += name.len();
                found = true;
                continue 'outer;
            }
        }
        let c = s[i..].chars().next().unwrap_or(' ');
        text.push(c);
        i += c.len_utf8();
    }
    if !text.is_empty() {
        parts.push((false, text));
    }
    found.then_some(parts)
}

fn expression(parts: &[(bool, String)]) -> String {
    let args: Vec<String> = parts
        .iter()
        .map(|(param, v)| if *param { format!("parameters('{v}')") } else { format!("'{}'", v.replace('\'', "''")) })
        .collect();
    if args.len() == 1 { format!("[{}]", args[0]) } else { format!("[concat({})]", args.join(", ")) }
}

fn rewrite(v: &mut Value, names: &BTreeMap<String, String>) {
    match v {
        Value::String(s) if !s.starts_with('[') => {
            if let Some(parts) = split_names(s, names) {
                *s = expression(&parts);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rewrite(x, names)),
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                if k != "metadata" {
                    rewrite(x, names);
                }
            }
        }
        _ => {}
    }
}

fn strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// Names referenced as `parameters('x')` / `variables('x')` in `s` (ignoring case).
fn referenced(s: &str, function: &str) -> Vec<String> {
    let lower = s.to_ascii_lowercase();
    let needle = format!("{function}('");
    lower
        .match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &lower[i + needle.len()..];
            rest.find('\'').map(|end| rest[..end].to_string())
        })
        .collect()
}

/// The parameters a value's expressions read, through variables.
fn feeding(v: &Value, variables: &Map<String, Value>, out: &mut BTreeSet<String>, seen: &mut BTreeSet<String>) {
    let mut ss = Vec::new();
    strings(v, &mut ss);
    for s in ss.into_iter().filter(|s| s.starts_with('[')) {
        out.extend(referenced(s, "parameters"));
        for var in referenced(s, "variables") {
            if seen.insert(var.clone())
                && let Some((_, def)) = variables.iter().find(|(k, _)| k.eq_ignore_ascii_case(&var))
            {
                feeding(def, variables, out, seen);
            }
        }
    }
}

fn resources(t: &Value) -> Vec<&Value> {
    match &t["resources"] {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) => o.values().collect(),
        _ => Vec::new(),
    }
}

/// The variant of `template` (with `params`, a parameters file, when paired).
pub fn names_unknown(template: &Value, params: Option<&Value>) -> Variant {
    let mut t = template.clone();
    if !t["parameters"].is_object() {
        t["parameters"] = Value::Object(Map::new());
    }
    // Parameters-file values become defaults.
    if let Some(Value::Object(supplied)) = params.map(|p| &p["parameters"]) {
        let decls = t["parameters"].as_object_mut().expect("object");
        for (k, v) in supplied {
            if let (Some(value), Some(decl)) =
                (v.get("value"), decls.iter_mut().find(|(d, _)| d.eq_ignore_ascii_case(k)))
            {
                decl.1["defaultValue"] = value.clone();
            }
        }
    }
    // Literal top-level names (their first segment), unless an expression mentions them
    // (rewriting inside expressions is left out: the variant would break its own
    // references, not azlint's).
    let mut all = Vec::new();
    strings(&t, &mut all);
    let expressions: Vec<String> = all.iter().filter(|s| s.starts_with('[')).map(|s| s.to_ascii_lowercase()).collect();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for r in resources(&t) {
        let Some(name) = r["name"].as_str().filter(|n| !n.starts_with('[')) else { continue };
        let first = name.split('/').next().unwrap_or_default();
        if first.len() < 3 || expressions.iter().any(|e| e.contains(&first.to_ascii_lowercase())) {
            continue;
        }
        let n = names.len();
        names.entry(first.to_string()).or_insert_with(|| format!("azlintName{n}"));
    }
    for key in ["resources", "variables", "outputs"] {
        if let Some(v) = t.get_mut(key) {
            rewrite(v, &names);
        }
    }
    // Which parameters feed names, directly or through variables.
    let variables = t["variables"].as_object().cloned().unwrap_or_default();
    let mut unset: BTreeSet<String> = BTreeSet::new();
    for r in resources(&t) {
        feeding(&r["name"], &variables, &mut unset, &mut BTreeSet::new());
    }
    let decls = t["parameters"].as_object_mut().expect("object");
    for param in names.values() {
        decls.insert(param.clone(), serde_json::json!({"type": "string"}));
        unset.insert(param.to_ascii_lowercase());
    }
    let mut left = Vec::new();
    for (k, decl) in decls.iter_mut() {
        if unset.contains(&k.to_ascii_lowercase()) {
            if let Some(o) = decl.as_object_mut() {
                o.remove("defaultValue");
                o.remove("allowedValues");
            }
            left.push(k.clone());
        }
    }
    Variant { text: serde_json::to_string_pretty(&t).expect("JSON"), unset: left }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_ids_and_hosts_become_parameters() {
        let names: BTreeMap<String, String> = [("api-backend".to_string(), "azlintName0".to_string())].into();
        let parts = split_names("https://api-backend.azurewebsites.net", &names).unwrap();
        assert_eq!(expression(&parts), "[concat('https://', parameters('azlintName0'), '.azurewebsites.net')]");
        assert!(split_names("my-api-backend", &names).is_none());
    }
}
