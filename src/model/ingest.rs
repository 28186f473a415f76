//! Turns documents into [`RawResource`]s: every exported-state shape (normalising
//! PascalCase keys, Resource Graph tables and child type names, nested `resources`
//! arrays, `az webapp config show`), azlint's live export with its coverage gaps
//! (docs/live-export.md), and expanded templates.

use std::collections::HashSet;
use std::sync::Arc;

use super::ids::{display_type, key, parse_id};
use crate::problem::{Code, Problem};
use crate::source::detect::{DocKind, LIVE_EXPORT_KEY};
use crate::value::{FileId, Node, Object, Span, Str, Unknown, UnknownCause, Value};

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
    pub id: Option<Str>,
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
    /// Stands for a document a live read did not return (a live export's `gaps` and
    /// `notRead`): everything but its id, type and name is unknown.
    pub placeholder: bool,
    /// For a template resource whose name is symbolic (`[parameters('site')]`): the
    /// canonical forms of its id and full name ([`crate::value::Unknown::canonical`]),
    /// which the model keys it by; `id` and `full_name` are then the display forms.
    pub symbolic: Option<(String, String)>,
    /// A `languageVersion` 2.0 template's symbolic name of the resource (`frontend`,
    /// `ips[1]`), which `reference('frontend')` in the same file names.
    pub symbol: Option<String>,
    /// Why the number of resources this one stands for is not known (a template copy
    /// loop whose count is not known offline).
    pub uncounted: Option<String>,
}

/// Reads the resources of an exported-state document of kind `kind`.
///
/// The document is taken by value: each resource is moved out of it as it is
/// normalised, so that an export of 100,000 resources is never held twice.
pub fn state_resources(kind: DocKind, mut doc: Node, file: FileId, issues: &mut Vec<Problem>) -> Vec<RawResource> {
    let mut out = Vec::new();
    let push = |node: Node, pointer: String, out: &mut Vec<RawResource>| {
        normalize_state(node, pointer, file, kind == DocKind::ResourceList, out);
    };
    match kind {
        DocKind::GraphCli => {
            if doc.get("skip_token").is_some_and(|t| !t.value.is_null()) {
                issues.push(Problem::error(Code::ExportTruncated, "the Resource Graph result is truncated (`skip_token` is set): resources after this page were not exported; page with `--skip-token` or `--first`", None, Some(doc.get("skip_token").map_or(doc.span, |n| n.span))));
            }
            for (i, item) in into_items(take(&mut doc, "data")).into_iter().enumerate() {
                push(item, format!("/data/{i}"), &mut out);
            }
        }
        DocKind::GraphRest => {
            let truncated = doc.get("$skipToken").is_some()
                || doc.get("resultTruncated").is_some_and(|t| {
                    t.value.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true")) || t.value.as_bool() == Some(true)
                });
            if truncated {
                issues.push(Problem::error(Code::ExportTruncated, "the Resource Graph response is partial (`$skipToken` or `resultTruncated`): later pages were not exported", None, Some(doc.span)));
            }
            match take(&mut doc, "data") {
                Some(data @ Node { value: Value::Array(_), .. }) => {
                    for (i, item) in into_items(Some(data)).into_iter().enumerate() {
                        push(item, format!("/data/{i}"), &mut out);
                    }
                }
                Some(data @ Node { value: Value::Object(_), .. }) => {
                    for (i, row) in table_rows(&data).into_iter().enumerate() {
                        push(row, format!("/data/rows/{i}"), &mut out);
                    }
                }
                _ => {}
            }
        }
        DocKind::ArmList => {
            if doc.get("nextLink").is_some_and(|t| !t.value.is_null()) {
                issues.push(Problem::error(
                    Code::ExportTruncated,
                    "the list response has a `nextLink`: later pages were not exported",
                    None,
                    Some(doc.get("nextLink").map_or(doc.span, |n| n.span)),
                ));
            }
            for (i, item) in into_items(take(&mut doc, "value")).into_iter().enumerate() {
                push(item, format!("/value/{i}"), &mut out);
            }
        }
        DocKind::PsRule | DocKind::PsRuleLegacy | DocKind::ResourceList | DocKind::ResourceArray => {
            for (i, item) in into_items(Some(doc)).into_iter().enumerate() {
                push(item, format!("/{i}"), &mut out);
            }
        }
        DocKind::WebappConfig => {
            let mut props = Object::new();
            let mut top = Object::new();
            for m in doc.value.as_object().into_iter().flat_map(|o| o.iter()) {
                let k = m.key.to_ascii_lowercase();
                if ["id", "name", "type", "location", "kind", "tags", "resourcegroup"].contains(&k.as_str()) {
                    top.push(m.key.clone(), m.value.clone());
                } else {
                    props.push(m.key.clone(), m.value.clone());
                }
            }
            top.insert("properties", Node::new(Value::object(props), doc.span));
            push(Node::new(Value::object(top), doc.span), String::new(), &mut out);
        }
        DocKind::Resource => push(doc, String::new(), &mut out),
        DocKind::LiveExport => out = live_export(&doc, file, issues).raws,
        DocKind::Template
        | DocKind::ExportTemplateResponse
        | DocKind::Parameters
        | DocKind::Bicep
        | DocKind::BicepParams => {}
    }
    out
}

/// The only version of the live export this build reads.
pub const LIVE_EXPORT_VERSION: i64 = 1;

/// A read of a live export that did not happen: a failed read (`gaps`) or one skipped
/// on purpose (`notRead`).
#[derive(Clone, Debug)]
pub struct UnreadRead {
    /// The resource whose rules depend on the read (a subscription id for `inventory`).
    pub resource: String,
    /// The read's path relative to `resource` (`config/web`, `subnets`, `inventory`).
    pub read: String,
    /// Why, on one line: `HTTP 403 AuthorizationFailed: ...`, `timed out after 4 attempts`.
    pub reason: String,
    /// The entry in the export.
    pub span: Span,
    /// A failed read (a coverage gap), not a read skipped on purpose.
    pub failed: bool,
}

/// What a live export holds: its resources (with a placeholder for every document a
/// read did not return), the reads that failed, and the scopes whose inventory failed.
#[derive(Clone, Debug, Default)]
pub struct LiveExport {
    /// The resources read, then one placeholder per read that did not happen.
    pub raws: Vec<RawResource>,
    /// Every entry of `gaps`, in file order: the coverage gaps of the scan.
    pub gaps: Vec<UnreadRead>,
    /// Lower-cased scopes (`/subscriptions/<id>`) whose inventory failed, with why:
    /// whatever they hold is unknown, not absent.
    pub unread_scopes: Vec<(String, Unknown)>,
}

/// Reads azlint's live export (docs/live-export.md): `resources` are ARM GET bodies
/// (Resource Graph inventory rows may have a lower-case `type`); every entry of `gaps`
/// and `notRead` becomes a placeholder whose properties are unknown (cause `read-failed`
/// or `not-read`): the document itself for a read that names one document
/// (`config/web`), a child named `?unread` for a collection (`subnets`). A version
/// other than [`LIVE_EXPORT_VERSION`] is refused: nothing of the file is read.
pub fn live_export(doc: &Node, file: FileId, issues: &mut Vec<Problem>) -> LiveExport {
    let mut out = LiveExport::default();
    let Some(version) = doc.get(LIVE_EXPORT_KEY) else {
        issues.push(Problem::error(
            Code::InvalidLiveExport,
            format!("the document has no `{LIVE_EXPORT_KEY}` version key: it is not a live export"),
            None,
            Some(doc.span),
        ));
        return out;
    };
    match version.value.as_i64() {
        Some(LIVE_EXPORT_VERSION) => {}
        Some(v) => {
            issues.push(Problem::error(
                Code::UnsupportedVersion,
                format!(
                    "live export version {v} is not supported: this azlint reads \
                     `\"{LIVE_EXPORT_KEY}\": {LIVE_EXPORT_VERSION}`; scan it with the azlint that wrote it, \
                     or save the export again with this one"
                ),
                None,
                Some(version.span),
            ));
            return out;
        }
        None => {
            issues.push(Problem::error(
                Code::UnsupportedVersion,
                format!(
                    "`{LIVE_EXPORT_KEY}` must be the format version number {LIVE_EXPORT_VERSION}, found `{}`",
                    version.value
                ),
                None,
                Some(version.span),
            ));
            return out;
        }
    }
    match doc.get("resources").map(|r| &r.value) {
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                normalize_state(item.clone(), format!("/resources/{i}"), file, false, &mut out.raws);
            }
        }
        other => issues.push(Problem::error(
            Code::InvalidLiveExport,
            match other {
                None => "the live export has no `resources` array: nothing was read from it".to_string(),
                Some(_) => "`resources` of the live export must be an array: nothing was read from it".into(),
            },
            None,
            Some(doc.get("resources").map_or(doc.span, |n| n.span)),
        )),
    }
    let mut known: HashSet<String> = out.raws.iter().filter_map(|r| r.id.as_deref()).map(key).collect();
    for (list, failed) in [("gaps", true), ("notRead", false)] {
        let Some(entries) = doc.get(list) else { continue };
        let Some(entries) = entries.value.as_array() else {
            issues.push(Problem::error(
                Code::InvalidLiveExport,
                format!("`{list}` of the live export must be an array"),
                None,
                Some(entries.span),
            ));
            continue;
        };
        for (i, entry) in entries.iter().enumerate() {
            let Some(unread) = unread_entry(entry, failed, list, issues) else { continue };
            let pointer = format!("/{list}/{i}");
            if unread.read.eq_ignore_ascii_case("inventory") {
                let detail = format!("the inventory of `{}` was not read: {}", unread.resource, unread.reason);
                let cause = if failed { UnknownCause::ReadFailed } else { UnknownCause::NotRead };
                out.unread_scopes.push((key(&unread.resource), Unknown::new(cause, detail, unread.span)));
            } else if let Some(raw) = placeholder(&unread, entry, file, pointer)
                && known.insert(key(raw.id.as_deref().unwrap_or_default()))
            {
                out.raws.push(raw);
            }
            if failed {
                out.gaps.push(unread);
            }
        }
    }
    out
}

/// Reads one entry of `gaps` or `notRead`; `None` (with an issue) when it lacks the
/// resource or the read.
fn unread_entry(entry: &Node, failed: bool, list: &str, issues: &mut Vec<Problem>) -> Option<UnreadRead> {
    let text = |k: &str| entry.get(k).and_then(Node::as_str).map(str::trim).filter(|s| !s.is_empty());
    let (Some(resource), Some(read)) = (text("resource"), entry.get("read").and_then(Node::as_str)) else {
        issues.push(Problem::error(
            Code::InvalidLiveExport,
            format!(
                "an entry of `{list}` needs `resource` and `read`: \
                 without them azlint cannot tell which rules the read affects"
            ),
            None,
            Some(entry.span),
        ));
        return None;
    };
    let why = text("reason").map(one_line);
    let reason = if failed {
        let status = entry.get("status").and_then(|s| s.value.as_i64());
        let code = text("code").map(one_line);
        let head = match (status, code) {
            (Some(s), Some(c)) => Some(format!("HTTP {s} {c}")),
            (Some(s), None) => Some(format!("HTTP {s}")),
            (None, c) => c,
        };
        match (head, why) {
            (Some(h), Some(w)) => format!("{h}: {w}"),
            (Some(h), None) => h,
            (None, Some(w)) => w,
            (None, None) => "the read failed (no reason recorded)".into(),
        }
    } else {
        why.unwrap_or_else(|| "skipped on purpose (no reason recorded)".into())
    };
    let span = entry.get("read").map_or(entry.span, |n| n.span);
    Some(UnreadRead { resource: resource.to_string(), read: read.trim_matches('/').to_string(), reason, span, failed })
}

/// Whitespace (line breaks included) collapsed to single spaces.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The id of the document a read stands for, and whether it is a collection's
/// `?unread` child: a read with an even number of segments names one document, an odd
/// one a collection; a trailing `list` action (`config/appsettings/list`) reads the
/// document before it; an empty read is the resource itself.
pub fn unread_target(resource: &str, read: &str) -> (String, bool) {
    let mut segs: Vec<&str> = read.split('/').filter(|s| !s.is_empty()).collect();
    if !segs.len().is_multiple_of(2) && segs.last().is_some_and(|s| s.eq_ignore_ascii_case("list")) {
        segs.pop();
    }
    let base = resource.trim_end_matches('/');
    if segs.is_empty() {
        return (base.to_string(), false);
    }
    let path = segs.join("/");
    if segs.len().is_multiple_of(2) {
        (format!("{base}/{path}"), false)
    } else {
        (format!("{base}/{path}/?unread"), true)
    }
}

/// The placeholder resource of an unread read: id, type and name from the id, and
/// `properties` unknown with the reason. Every span points at the entry's `read`.
fn placeholder(unread: &UnreadRead, entry: &Node, file: FileId, pointer: String) -> Option<RawResource> {
    let (id, _) = unread_target(&unread.resource, &unread.read);
    let parsed = parse_id(&id)?;
    let full_type = display_type(&parsed.full_type);
    let (cause, detail) = if unread.failed {
        (UnknownCause::ReadFailed, format!("reading `{}` failed: {}", unread.read, unread.reason))
    } else {
        (UnknownCause::NotRead, format!("`{}` was not read: {}", unread.read, unread.reason))
    };
    let at = unread.span;
    let mut o = Object::new();
    o.insert("id", Node::new(Value::str(id.as_str()), at));
    o.insert("type", Node::new(Value::str(full_type.as_str()), at));
    o.insert("name", Node::new(Value::str(parsed.full_name.as_str()), at));
    o.insert("properties", Node::new(Value::unknown(cause, detail, at), at));
    Some(RawResource {
        node: Node::new(Value::object(o), entry.span),
        id: Some(id.into()),
        full_type,
        full_name: parsed.full_name,
        file,
        pointer,
        kind: OriginKind::State,
        inventory_only: false,
        existing: false,
        placeholder: true,
        symbolic: None,
        symbol: None,
        uncounted: None,
    })
}

/// Zips a Resource Graph table (`{columns: [{name}], rows: [[...]]}`) into objects.
fn table_rows(data: &Node) -> Vec<Node> {
    let names: Vec<Str> = data
        .get("columns")
        .and_then(|c| c.value.as_array())
        .unwrap_or_default()
        .iter()
        .map(|c| c.get("name").and_then(Node::as_str).map_or_else(Str::default, Str::from))
        .collect();
    let rows = data.get("rows").and_then(|r| r.value.as_array()).unwrap_or_default();
    rows.iter()
        .map(|row| {
            let mut o = Object::new();
            for (name, cell) in names.iter().zip(row.value.as_array().unwrap_or_default()) {
                o.push(name.clone(), cell.clone());
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
fn normalize_state(node: Node, pointer: String, file: FileId, inventory_only: bool, out: &mut Vec<RawResource>) {
    let Value::Object(obj) = node.value else {
        return;
    };
    let members = Arc::unwrap_or_clone(obj).into_members();
    let mut o = Object::with_capacity(members.len());
    let mut children = None;
    for m in members {
        if m.key.eq_ignore_ascii_case("resources") && m.value.value.as_array().is_some() {
            children = Some(m.value);
            continue;
        }
        let k = canonical_key(&m.key);
        // Legacy exports carry both `Name` and `ResourceName`; keep the first spelling seen.
        if o.contains_key(k) && k != &*m.key {
            continue;
        }
        let key = if k == &*m.key { m.key } else { Str::from(k) };
        o.push(key, m.value);
    }
    let id = o.get("id").and_then(Node::as_shared_str).cloned();
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
            placeholder: false,
            symbolic: None,
            symbol: None,
            uncounted: None,
        });
    }
    if let Some(children) = children {
        for (i, c) in into_items(Some(children)).into_iter().enumerate() {
            normalize_state(c, format!("{pointer}/resources/{i}"), file, inventory_only, out);
        }
    }
}

/// Removes member `key` (ignoring case) from an object node.
fn take(doc: &mut Node, key: &str) -> Option<Node> {
    match &mut doc.value {
        Value::Object(o) => Arc::make_mut(o).remove(key),
        _ => None,
    }
}

/// The elements of an array node, moved out when nothing else holds the array.
fn into_items(node: Option<Node>) -> Vec<Node> {
    match node.map(|n| n.value) {
        Some(Value::Array(a)) => Arc::unwrap_or_clone(a),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::json::parse;

    fn raws(kind: DocKind, text: &str) -> Vec<RawResource> {
        let doc = parse(text, FileId(0)).unwrap();
        state_resources(kind, doc, FileId(0), &mut Vec::new())
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
    fn unread_reads_name_a_document_or_a_collection() {
        let site = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/api";
        assert_eq!(unread_target(site, "config/web"), (format!("{site}/config/web"), false));
        assert_eq!(unread_target(site, "config/appsettings/list"), (format!("{site}/config/appsettings"), false));
        assert_eq!(unread_target(site, "slots"), (format!("{site}/slots/?unread"), true));
        assert_eq!(unread_target(site, ""), (site.to_string(), false));
    }

    #[test]
    fn live_export_gaps_and_not_read_become_placeholders() {
        let site = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/api";
        let text = format!(
            r#"{{"azlintLiveExport": 1,
                "resources": [{{"id": "{site}", "type": "microsoft.web/sites", "name": "api", "properties": {{}}}}],
                "gaps": [
                  {{"resource": "{site}", "read": "config/web", "status": 403, "code": "AuthorizationFailed",
                   "reason": "no\n  access"}},
                  {{"resource": "{site}", "read": "slots", "status": null, "reason": "timed out after 4 attempts"}},
                  {{"resource": "/subscriptions/t", "read": "inventory", "status": 429, "reason": "throttled"}}
                ],
                "notRead": [{{"resource": "{site}", "read": "config/appsettings/list", "reason": "on purpose"}}]}}"#
        );
        let doc = parse(&text, FileId(0)).unwrap();
        let mut issues = Vec::new();
        let live = live_export(&doc, FileId(0), &mut issues);
        assert!(issues.is_empty(), "{issues:?}");
        let reasons: Vec<&str> = live.gaps.iter().map(|g| g.reason.as_str()).collect();
        assert_eq!(
            reasons,
            ["HTTP 403 AuthorizationFailed: no access", "timed out after 4 attempts", "HTTP 429: throttled"]
        );
        let got: Vec<(&str, &str, bool)> =
            live.raws.iter().map(|r| (r.full_type.as_str(), r.full_name.as_str(), r.placeholder)).collect();
        assert_eq!(
            got,
            [
                ("Microsoft.Web/sites", "api", false),
                ("Microsoft.Web/sites/config", "api/web", true),
                ("Microsoft.Web/sites/slots", "api/?unread", true),
                ("Microsoft.Web/sites/config", "api/appsettings", true),
            ]
        );
        let unknown =
            |i: usize| live.raws[i].node.get("properties").and_then(|p| p.value.as_unknown()).cloned().unwrap();
        assert_eq!(unknown(1).cause, UnknownCause::ReadFailed);
        assert_eq!(unknown(1).detail, "reading `config/web` failed: HTTP 403 AuthorizationFailed: no access");
        assert_eq!(unknown(3).cause, UnknownCause::NotRead);
        assert_eq!(unknown(3).detail, "`config/appsettings/list` was not read: on purpose");
        assert_eq!(live.unread_scopes.len(), 1);
        assert_eq!(live.unread_scopes[0].0, "/subscriptions/t");
    }

    #[test]
    fn live_export_of_another_version_is_refused() {
        for (text, want) in [
            (r#"{"azlintLiveExport": 2, "resources": []}"#, "live export version 2 is not supported"),
            (r#"{"azlintLiveExport": "1", "resources": []}"#, "must be the format version number 1"),
        ] {
            let mut issues = Vec::new();
            let live = live_export(&parse(text, FileId(0)).unwrap(), FileId(0), &mut issues);
            assert!(live.raws.is_empty());
            assert_eq!(issues.len(), 1);
            assert_eq!(issues[0].code, "unsupported-version");
            assert!(issues[0].message.contains(want), "{}", issues[0].message);
            assert_eq!(issues[0].span.map(|s| s.start), Some(21), "points at the version");
        }
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
