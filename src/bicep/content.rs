//! The contents `loadJsonContent` and `loadYamlContent` read, as JSON values: a JSON or
//! YAML document, and the part of it a JSONPath selects (`loadJsonContent(f, '.a[0]')`).
//!
//! The compiler evaluates these when it compiles: a path that selects one value gives
//! that value, one that selects several gives them as an array, in document order.

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

/// `text` as JSON, narrowed by `path` when given.
pub fn json(text: &str, path: Option<&str>) -> Result<Value, String> {
    let doc: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| e.to_string())?;
    select(doc, path)
}

/// `text` as YAML (its first document), narrowed by `path` when given.
pub fn yaml(text: &str, path: Option<&str>) -> Result<Value, String> {
    let docs = YamlLoader::load_from_str(text.trim_start_matches('\u{feff}')).map_err(|e| e.to_string())?;
    let doc = docs.into_iter().next().map_or(Ok(Value::Null), to_json)?;
    select(doc, path)
}

/// The values `path` selects in `doc`. Bicep writes paths without the root (`.a.b`,
/// `[0]`); the JSONPath standard (RFC 9535) wants `$` first.
fn select(doc: Value, path: Option<&str>) -> Result<Value, String> {
    let Some(path) = path else { return Ok(doc) };
    let query = if path.starts_with('$') { path.to_string() } else { format!("${path}") };
    let query = serde_json_path::JsonPath::parse(&query).map_err(|e| format!("the JSON path `{path}`: {e}"))?;
    let mut found: Vec<Value> = query.query(&doc).all().into_iter().cloned().collect();
    match found.len() {
        0 => Err(format!("the JSON path `{path}` selects nothing")),
        1 => Ok(found.remove(0)),
        _ => Ok(Value::Array(found)),
    }
}

fn to_json(y: Yaml) -> Result<Value, String> {
    Ok(match y {
        Yaml::Null | Yaml::BadValue => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::from(i),
        Yaml::Real(r) => {
            r.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or(Value::String(r), Value::Number)
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Array(a) => Value::Array(a.into_iter().map(to_json).collect::<Result<_, _>>()?),
        Yaml::Hash(h) => {
            let mut o = serde_json::Map::new();
            for (k, v) in h {
                let key = match k {
                    Yaml::String(s) => s,
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    Yaml::Real(r) => r,
                    other => return Err(format!("a YAML key that is not a scalar: {other:?}")),
                };
                o.insert(key, to_json(v)?);
            }
            Value::Object(o)
        }
        Yaml::Alias(_) => return Err("a YAML alias that does not resolve".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json as j;

    #[test]
    fn a_path_selects_one_value_or_an_array_of_several() {
        let doc = r#"{"a": {"b": [1, 2]}, "products": [{"name": "pizza", "price": 5}, {"name": "bread", "price": 2}]}"#;
        assert_eq!(json(doc, Some(".a.b[1]")).unwrap(), j!(2));
        assert_eq!(json(doc, Some(".products[?(@.price > 3)].name")).unwrap(), j!("pizza"));
        assert_eq!(json(doc, Some(".products[*].name")).unwrap(), j!(["pizza", "bread"]));
        assert!(json(doc, Some(".missing")).is_err());
    }

    #[test]
    fn yaml_reads_as_json() {
        let doc = "string: someVal \nint: 123\nbool: true\narray:\n- 1\n- two\nobject:\n  nested : x\n";
        assert_eq!(
            yaml(doc, None).unwrap(),
            j!({"string": "someVal", "int": 123, "bool": true, "array": [1, "two"], "object": {"nested": "x"}})
        );
        assert_eq!(yaml(doc, Some(".object.nested")).unwrap(), j!("x"));
    }
}
