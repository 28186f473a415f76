//! Turns documents into [`RawResource`]s: every exported-state shape (normalising
//! PascalCase keys, Resource Graph tables and child type names, nested `resources`
//! arrays, `az webapp config show`), and expanded templates.

use std::sync::Arc;

use super::ids::{display_type, parse_id};
use crate::source::detect::DocKind;
use crate::value::{FileId, Node, Object, Span, Value};

/// Whether a resource was declared in a template or read from deployed state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OriginKind {
    Template,
    State,
}

/// One resource as read from a document, before the model indexes it.
#[derive(Clone, Debug)]
pub struct RawResource {
    /// The resource object in ARM GET shape (`type`, `name`, `properties`, ...).
    pub node: Node,
    /// The resource id when the source states or computes it.
    pub id: Option<String>,
    pub full_type: String,
    pub full_name: String,
    pub file: FileId,
    /// JSON pointer of the declaring object in `file`.
    pub pointer: String,
    pub kind: OriginKind,
    /// `az resource list`: the document lists the resource but none of its properties.
    pub inventory_only: bool,
    /// Declared `existing` in a template: referenced, not deployed.
    pub existing: bool,
}

/// A problem with an input document that is not a finding: a gap in what was exported.
#[derive(Clone, Debug)]
pub struct IngestIssue {
    pub span: Span,
    pub code: &'static str,
    pub message: String,
}

/// Reads the resources of an exported-state document of kind `kind`.
pub fn state_resources(kind: DocKind, doc: &Node, file: FileId, issues: &mut Vec<IngestIssue>) -> Vec<RawResource> {
    let mut out = Vec::new();
    let push = |node: &Node, pointer: String, out: &mut Vec<RawResource>| {
        normalize_state(node, pointer, file, kind == DocKind::ResourceList, out);
    };
    match kind {
        DocKind::GraphCli => {
            if doc.get("skip_token").is_some_and(|t| !t.value.is_null()) {
                issues.push(IngestIssue {
                    span: doc.get("skip_token").map_or(doc.span, |n| n.span),
                    code: "export-truncated",
                    message: "the Resource Graph result is truncated (`skip_token` is set): resources after this page were not exported; page with `--skip-token` or `--first`".into(),
                });
            }
            for (i, item) in doc.get("data").and_then(|d| d.value.as_array()).unwrap_or_default().iter().enumerate() {
                push(item, format!("/data/{i}"), &mut out);
            }
        }
        DocKind::GraphRest => {
            let truncated = doc.get("$skipToken").is_some()
                || doc.get("resultTruncated").is_some_and(|t| {
                    t.value.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true")) || t.value.as_bool() == Some(true)
                });
            if truncated {
                issues.push(IngestIssue {
                    span: doc.span,
                    code: "export-truncated",
                    message: "the Resource Graph response is partial (`$skipToken` or `resultTruncated`): later pages were not exported".into(),
                });
            }
            match doc.get("data").map(|d| &d.value) {
                Some(Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        push(item, format!("/data/{i}"), &mut out);
                    }
                }
                Some(Value::Object(_)) => {
                    let data = doc.get("data").expect("checked above");
                    for (i, row) in table_rows(data).into_iter().enumerate() {
                        push(&row, format!("/data/rows/{i}"), &mut out);
                    }
                }
                _ => {}
            }
        }
        DocKind::ArmList => {
            if doc.get("nextLink").is_some_and(|t| !t.value.is_null()) {
                issues.push(IngestIssue {
                    span: doc.get("nextLink").map_or(doc.span, |n| n.span),
                    code: "export-truncated",
                    message: "the list response has a `nextLink`: later pages were not exported".into(),
                });
            }
            for (i, item) in doc.get("value").and_then(|d| d.value.as_array()).unwrap_or_default().iter().enumerate() {
                push(item, format!("/value/{i}"), &mut out);
            }
        }
        DocKind::PsRule | DocKind::PsRuleLegacy | DocKind::ResourceList | DocKind::ResourceArray => {
            for (i, item) in doc.value.as_array().unwrap_or_default().iter().enumerate() {
                push(item, format!("/{i}"), &mut out);
            }
        }
        DocKind::WebappConfig => {
            let mut props = Object::new();
            let mut top = Object::new();
            for m in doc.value.as_object().into_iter().flat_map(|o| o.iter()) {
                let k = m.key.to_ascii_lowercase();
                if ["id", "name", "type", "location", "kind", "tags", "resourcegroup"].contains(&k.as_str()) {
                    top.push(m.key.clone(), m.key_span, m.value.clone());
                } else {
                    props.push(m.key.clone(), m.key_span, m.value.clone());
                }
            }
            top.insert("properties", Node::new(Value::object(props), doc.span));
            push(&Node::new(Value::object(top), doc.span), String::new(), &mut out);
        }
        DocKind::Resource => push(doc, String::new(), &mut out),
        DocKind::Template | DocKind::ExportTemplateResponse | DocKind::Parameters => {}
    }
    out
}

/// Zips a Resource Graph table (`{columns: [{name}], rows: [[...]]}`) into objects.
fn table_rows(data: &Node) -> Vec<Node> {
    let names: Vec<Arc<str>> = data
        .get("columns")
        .and_then(|c| c.value.as_array())
        .unwrap_or_default()
        .iter()
        .map(|c| c.get("name").and_then(Node::as_str).map_or_else(|| Arc::from(""), Arc::from))
        .collect();
    let rows = data.get("rows").and_then(|r| r.value.as_array()).unwrap_or_default();
    rows.iter()
        .map(|row| {
            let mut o = Object::new();
            for (name, cell) in names.iter().zip(row.value.as_array().unwrap_or_default()) {
                o.push(name.clone(), cell.span, cell.clone());
            }
            Node::new(Value::object(o), row.span)
        })
        .collect()
}

/// Maps the PascalCase keys of legacy exports to ARM's names.
fn canonical_key(key: &str) -> &str {
    match key {
        "ResourceId" => "id",
        "ResourceType" => "type",
        "ResourceName" => "name",
        _ => key,
    }
}

/// Normalises one exported resource (and, recursively, the children nested under its
/// `resources` array) into raw resources whose type and name are derived from the id.
fn normalize_state(node: &Node, pointer: String, file: FileId, inventory_only: bool, out: &mut Vec<RawResource>) {
    let Some(obj) = node.value.as_object() else {
        return;
    };
    let mut o = Object::with_capacity(obj.len());
    let mut children = None;
    for m in obj.iter() {
        if m.key.eq_ignore_ascii_case("resources") && m.value.value.as_array().is_some() {
            children = Some(&m.value);
            continue;
        }
        let k = canonical_key(&m.key);
        // Legacy exports carry both `Name` and `ResourceName`; keep the first spelling seen.
        if o.contains_key(k) && k != &*m.key {
            continue;
        }
        o.push(Arc::from(k), m.key_span, m.value.clone());
    }
    let id = o.get("id").and_then(Node::as_str).map(str::to_string);
    let declared_type = o.get("type").and_then(Node::as_str).unwrap_or_default().to_string();
    let parsed = id.as_deref().and_then(parse_id);
    let (full_type, full_name) = match &parsed {
        // The id is authoritative: Resource Graph writes `microsoft.web/sites/config/web`
        // as the type and the site's name as the name of a config child.
        Some(p) => {
            let ty = if declared_type.eq_ignore_ascii_case(&p.full_type) {
                declared_type.clone()
            } else {
                p.full_type.clone()
            };
            (display_type(&ty), p.full_name.clone())
        }
        None => (display_type(&declared_type), o.get("name").and_then(Node::as_str).unwrap_or_default().to_string()),
    };
    if !full_type.is_empty() {
        o.insert("type", Node::new(Value::str(full_type.as_str()), o.get("type").map_or(node.span, |n| n.span)));
        o.insert("name", Node::new(Value::str(full_name.as_str()), o.get("name").map_or(node.span, |n| n.span)));
        out.push(RawResource {
            node: Node::new(Value::object(o), node.span),
            id,
            full_type,
            full_name,
            file,
            pointer: pointer.clone(),
            kind: OriginKind::State,
            inventory_only,
            existing: false,
        });
    }
    if let Some(children) = children {
        for (i, c) in children.value.as_array().unwrap_or_default().iter().enumerate() {
            normalize_state(c, format!("{pointer}/resources/{i}"), file, inventory_only, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::json::parse;

    fn raws(kind: DocKind, text: &str) -> Vec<RawResource> {
        let doc = parse(text, FileId(0)).unwrap();
        state_resources(kind, &doc, FileId(0), &mut Vec::new())
    }

    #[test]
    fn graph_child_types_come_from_the_id() {
        let r = raws(
            DocKind::GraphCli,
            r#"{"data": [{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app/config/web", "name": "app", "type": "microsoft.web/sites/config/web", "properties": {}}], "skip_token": null, "total_records": 1}"#,
        );
        assert_eq!(r[0].full_type, "Microsoft.Web/sites/config");
        assert_eq!(r[0].full_name, "app/web");
    }

    #[test]
    fn table_format_is_zipped() {
        let r = raws(
            DocKind::GraphRest,
            r#"{"totalRecords": 1, "data": {"columns": [{"name": "id"}, {"name": "type"}, {"name": "properties"}], "rows": [["/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app", "microsoft.web/sites", {"httpsOnly": false}]]}}"#,
        );
        assert_eq!(r[0].full_type, "Microsoft.Web/sites");
        assert_eq!(r[0].node.path("properties.httpsOnly").and_then(|n| n.value.as_bool()), Some(false));
    }

    #[test]
    fn legacy_pascal_case_and_nested_children() {
        let r = raws(
            DocKind::PsRuleLegacy,
            r#"[{"ResourceId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app", "ResourceType": "Microsoft.Web/sites", "Name": "app", "Properties": {"httpsOnly": true},
                 "resources": [{"ResourceId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app/config/web", "ResourceType": "Microsoft.Web/sites/config", "Name": "web", "Properties": {}}]}]"#,
        );
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].full_name, "app/web");
        assert_eq!(r[1].pointer, "/0/resources/0");
        assert_eq!(r[0].node.path("properties.httpsOnly").and_then(|n| n.value.as_bool()), Some(true));
    }

    #[test]
    fn webapp_config_show_is_rebuilt() {
        let r = raws(
            DocKind::WebappConfig,
            r#"{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app/config/web", "name": "app", "type": "Microsoft.Web/sites/config", "ftpsState": "AllAllowed"}"#,
        );
        assert_eq!(r[0].full_name, "app/web");
        assert_eq!(r[0].node.path("properties.ftpsState").and_then(Node::as_str), Some("AllAllowed"));
    }
}
