//! Reads subscriptions into a live export document (docs/live-export.md): the
//! Resource Graph inventory of each subscription, then every follow-up read of
//! [`super::plan`] at once (bounded by the client), each failure recorded as a gap.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};
use tokio::task::JoinSet;

use super::client::{Client, Method, ReadError};
use super::plan::{self, Read, ReadKind};
use super::progress::Progress;
use crate::model::ids::{display_type, key};
use crate::model::network::VNET;
use crate::model::site::{SITE, SLOT};

/// What to read.
#[derive(Clone, Debug, Default)]
pub struct LiveOptions {
    pub subscriptions: Vec<String>,
    pub resource_groups: Vec<String>,
    /// Read app settings and connection strings (needs more than Reader).
    pub read_app_settings: bool,
}

/// Everything read, as the document a scan reads and `--save-export` writes.
#[derive(Debug)]
pub struct LiveRead {
    pub document: Value,
    pub resources: usize,
    pub gaps: usize,
}

/// The outcome of one read, applied to the collection on the reading task.
enum Outcome {
    Documents(Vec<Value>),
    Missing,
    Gap(Read, ReadError),
}

/// Reads every subscription of `opts`.
pub async fn read(client: Arc<Client>, opts: &LiveOptions, progress: &Progress) -> LiveRead {
    let mut docs: BTreeMap<String, Value> = BTreeMap::new();
    let mut gaps: Vec<Value> = Vec::new();
    let mut not_read: Vec<Value> = Vec::new();
    let mut pending: JoinSet<Outcome> = JoinSet::new();
    let spawn = |pending: &mut JoinSet<Outcome>, r: Read, progress: &Progress| {
        progress.planned(1);
        let client = client.clone();
        pending.spawn(async move { run(&client, r).await });
    };

    // Each inventory page's follow-up reads start as soon as the page arrives, while the
    // next page is read.
    for sub in &opts.subscriptions {
        let query = plan::inventory_query(&opts.resource_groups);
        let mut skip: Option<String> = None;
        let mut rows_read = 0;
        loop {
            let (rows, next) = match graph_page(&client, sub, &query, skip.as_deref()).await {
                Ok(page) => page,
                Err(err) => {
                    let request = format!("POST {}", plan::GRAPH_PATH);
                    gaps.push(gap(&format!("/subscriptions/{sub}"), "inventory", &request, &err));
                    break;
                }
            };
            rows_read += rows.len();
            progress.inventory(rows_read);
            for row in rows {
                let (Some(id), Some(ty)) =
                    (row.get("id").and_then(Value::as_str), row.get("type").and_then(Value::as_str))
                else {
                    continue;
                };
                let (id, ty) = (id.to_string(), ty.to_string());
                // A document a follow-up read returned wins over its inventory row.
                let std::collections::btree_map::Entry::Vacant(slot) = docs.entry(key(&id)) else { continue };
                for r in plan::reads_for(&id, &ty, &row, opts.read_app_settings) {
                    spawn(&mut pending, r, progress);
                }
                let site = ty.eq_ignore_ascii_case(SITE) || ty.eq_ignore_ascii_case(SLOT);
                if !opts.read_app_settings && site {
                    not_read.extend(skipped_app_settings(&id));
                }
                slot.insert(row);
            }
            match next {
                None => break,
                Some(t) if skip.as_deref() == Some(t.as_str()) => {
                    let err =
                        ReadError::Malformed { attempts: 1, why: "Resource Graph repeated a `$skipToken`".into() };
                    gaps.push(gap(
                        &format!("/subscriptions/{sub}"),
                        "inventory",
                        &format!("POST {}", plan::GRAPH_PATH),
                        &err,
                    ));
                    break;
                }
                Some(t) => skip = Some(t),
            }
        }
    }
    while let Some(joined) = pending.join_next().await {
        progress.done(&client.stats);
        let outcome = match joined {
            Ok(o) => o,
            // A panicking read is a bug; the read it was doing is lost, so fail closed.
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        match outcome {
            Outcome::Missing => {}
            Outcome::Gap(r, err) => {
                let method = if r.kind == ReadKind::Secrets { "POST" } else { "GET" };
                let request = format!("{method} {}", r.url());
                let reads = if r.path == plan::POLICIES { plan::POLICY_DOCUMENTS } else { &[r.path][..] };
                for read in reads {
                    gaps.push(gap(&r.owner, read, &request, &err));
                }
            }
            Outcome::Documents(items) => {
                for item in items {
                    insert(&mut docs, item);
                }
            }
        }
    }
    progress.finish(&client.stats);

    // Each subnet once: from the VNet's subnets list (or its gap), not the inline copy.
    for d in docs.values_mut() {
        if d.get("type").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case(VNET))
            && let Some(p) = d.get_mut("properties").and_then(Value::as_object_mut)
        {
            p.remove("subnets");
        }
    }
    let sort = |v: &mut Vec<Value>| {
        v.sort_by_cached_key(|g| {
            (
                g["resource"].as_str().unwrap_or_default().to_ascii_lowercase(),
                g["read"].as_str().unwrap_or_default().to_string(),
            )
        })
    };
    sort(&mut gaps);
    sort(&mut not_read);
    let (resources, gap_count) = (docs.len(), gaps.len());
    let document = json!({
        "azlintLiveExport": 1,
        "tool": concat!("azlint ", env!("CARGO_PKG_VERSION")),
        "endpoint": client.endpoint(),
        "scope": {"subscriptions": opts.subscriptions, "resourceGroups": opts.resource_groups},
        "resources": docs.into_values().collect::<Vec<_>>(),
        "gaps": gaps,
        "notRead": not_read,
    });
    LiveRead { document, resources, gaps: gap_count }
}

/// One page of a subscription's Resource Graph inventory: its rows as GET bodies, and
/// the `$skipToken` of the next page, if any.
async fn graph_page(
    client: &Client,
    sub: &str,
    query: &str,
    skip: Option<&str>,
) -> Result<(Vec<Value>, Option<String>), ReadError> {
    let mut options = json!({"$top": plan::GRAPH_PAGE, "resultFormat": "objectArray"});
    if let Some(t) = skip {
        options["$skipToken"] = Value::String(t.to_string());
    }
    let body = json!({"subscriptions": [sub], "query": query, "options": options});
    let page = client.send(Method::Post(&body), plan::GRAPH_PATH, sub).await?;
    let Some(data) = page.get("data").and_then(Value::as_array) else {
        let why = "a Resource Graph response without a `data` array of objects".to_string();
        return Err(ReadError::Malformed { attempts: 1, why });
    };
    let rows = data.iter().filter(|r| r.is_object()).cloned().map(normalize_row).collect();
    match page.get("$skipToken").and_then(Value::as_str) {
        Some(t) if !t.is_empty() => Ok((rows, Some(t.to_string()))),
        _ => {
            let truncated = match page.get("resultTruncated") {
                Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
                Some(Value::Bool(b)) => *b,
                _ => false,
            };
            if truncated {
                let why = "Resource Graph truncated the inventory without a `$skipToken`".to_string();
                return Err(ReadError::Malformed { attempts: 1, why });
            }
            Ok((rows, None))
        }
    }
}

/// A Resource Graph row as a Resource Manager GET body: the canonical spelling of its
/// lower-case type, and none of Graph's own columns.
fn normalize_row(mut row: Value) -> Value {
    if let Some(o) = row.as_object_mut() {
        if let Some(Value::String(t)) = o.get("type") {
            let canonical = display_type(t);
            o.insert("type".into(), Value::String(canonical));
        }
        for graph_only in ["subscriptionId", "resourceGroup", "tenantId"] {
            o.remove(graph_only);
        }
        o.retain(|_, v| !v.is_null());
    }
    row
}

async fn run(client: &Client, r: Read) -> Outcome {
    let sub = subscription_of(&r.owner);
    match r.kind {
        ReadKind::Collection => match client.list(&r.url(), &sub).await {
            Ok(items) => Outcome::Documents(items),
            Err(e) => Outcome::Gap(r, e),
        },
        ReadKind::Document | ReadKind::Optional => match client.send(Method::Get, &r.url(), &sub).await {
            Ok(doc) => {
                let doc = with_id(doc, &r.document_id());
                Outcome::Documents(vec![doc])
            }
            Err(e) if r.kind == ReadKind::Optional && e.status() == Some(404) => Outcome::Missing,
            Err(e) => Outcome::Gap(r, e),
        },
        ReadKind::Secrets => match client.send(Method::Post(&Value::Object(Map::new())), &r.url(), &sub).await {
            Ok(doc) => {
                let doc = with_id(redact_settings(doc, r.path), &r.document_id());
                Outcome::Documents(vec![doc])
            }
            Err(e) => Outcome::Gap(r, e),
        },
    }
}

/// Sets `id` where a response lacks it or names the parent (a `config/web` response's
/// `name` is the site's name; its `id` is right).
fn with_id(mut doc: Value, id: &str) -> Value {
    if let Some(o) = doc.as_object_mut()
        && !o.get("id").and_then(Value::as_str).is_some_and(|i| i.eq_ignore_ascii_case(id))
    {
        o.insert("id".into(), Value::String(id.to_string()));
    }
    doc
}

/// Replaces every app setting or connection string value with what the secret
/// classifier made of it, so no secret leaves memory.
fn redact_settings(mut doc: Value, path: &str) -> Value {
    use crate::model::secrets::{SettingKind, redact_setting};
    let kind = if path.starts_with("config/connectionstrings") {
        SettingKind::ConnectionString
    } else {
        SettingKind::AppSetting
    };
    if let Some(props) = doc.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, value) in props.iter_mut() {
            // Connection strings are `{value, type}` objects; app settings are strings.
            let slot = if kind == SettingKind::ConnectionString { value.get_mut("value") } else { Some(value) };
            if let Some(v) = slot {
                let text = v.as_str().map(str::to_string).unwrap_or_default();
                *v = redact_setting(kind, name, &text);
            }
        }
    }
    doc
}

fn insert(docs: &mut BTreeMap<String, Value>, doc: Value) {
    let Some(id) = doc.get("id").and_then(Value::as_str) else { return };
    docs.insert(key(id), doc);
}

fn skipped_app_settings(owner: &str) -> impl Iterator<Item = Value> + '_ {
    plan::SKIPPED_WITHOUT_APP_SETTINGS.iter().map(move |p| {
        json!({
            "resource": owner,
            "read": p,
            "reason": "app settings are read only with --read-app-settings \
                       (needs Microsoft.Web/sites/config/list/action, which Reader lacks)",
        })
    })
}

fn gap(resource: &str, read: &str, request: &str, err: &ReadError) -> Value {
    json!({
        "resource": resource,
        "read": read,
        "request": request,
        "status": err.status(),
        "code": err.code(),
        "reason": err.to_string(),
    })
}

/// `/subscriptions/{s}/...` → `s`: the budget a read counts against.
fn subscription_of(id: &str) -> String {
    let mut segs = id.split('/').filter(|s| !s.is_empty());
    match (segs.next(), segs.next()) {
        (Some(s), Some(sub)) if s.eq_ignore_ascii_case("subscriptions") => sub.to_ascii_lowercase(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_rows_become_get_bodies() {
        let row = json!({"id": "/subscriptions/s/x", "type": "microsoft.web/sites", "resourceGroup": "rg",
            "subscriptionId": "s", "tenantId": "t", "kind": null, "properties": {"a": 1}});
        assert_eq!(
            normalize_row(row),
            json!({"id": "/subscriptions/s/x", "type": "Microsoft.Web/sites", "properties": {"a": 1}})
        );
    }

    #[test]
    fn budgets_are_per_subscription() {
        assert_eq!(subscription_of("/subscriptions/ABC/resourceGroups/rg"), "abc");
        assert_eq!(subscription_of("/providers/x"), "");
    }

    #[test]
    fn responses_get_the_id_of_what_was_read() {
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app/config/web";
        assert_eq!(with_id(json!({"name": "app"}), id)["id"], id);
        assert_eq!(with_id(json!({"id": id.to_uppercase()}), id)["id"], id.to_uppercase());
        assert_eq!(with_id(json!({"id": id}), id)["id"], id);
    }
}
