//! The fake Resource Manager's routes: Resource Graph queries, GETs of one resource or of
//! a child collection (paged with absolute `nextLink`s), and the app-settings `list`
//! POSTs. Faults, latency and the token check happen before these, in the server.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::http::split_target;
use super::store::{Row, Store, is_secret_config, normalize};

/// The host real Resource Manager puts in every `nextLink`; clients must rewrite it.
pub const ARM_HOST: &str = "https://management.azure.com";

/// One answer: status, extra headers and JSON body bytes.
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// Headers besides `Content-Type` and `Content-Length`.
    pub headers: Vec<(&'static str, String)>,
    /// The body (JSON, except for the malformed-body fault).
    pub body: Vec<u8>,
}

impl Answer {
    /// A JSON answer without extra headers.
    pub fn json(status: u16, body: &Value) -> Answer {
        Answer { status, headers: Vec::new(), body: body.to_string().into_bytes() }
    }

    /// An ARM error answer: `{"error":{"code":...,"message":...}}`.
    pub fn error(status: u16, code: &str, message: &str) -> Answer {
        Answer::json(status, &json!({"error": {"code": code, "message": message}}))
    }

    /// A successful Resource Manager read, with its remaining-reads header.
    fn read(body: &Value) -> Answer {
        let mut a = Answer::json(200, body);
        a.headers.push(("x-ms-ratelimit-remaining-subscription-reads", "11999".into()));
        a
    }
}

/// Page sizes of the two paged routes.
pub struct Paging {
    /// Rows per Resource Graph page (the request's `$top` may lower it).
    pub graph: usize,
    /// Items per page of a collection GET.
    pub list: usize,
}

/// Answers one request that passed the token check and the faults.
pub fn route(store: &Store, paging: &Paging, method: &str, target: &str, body: &[u8]) -> Answer {
    let (path, query) = split_target(target);
    let key = normalize(&path);
    let param = |name: &str| query.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    if param("api-version").is_none_or(str::is_empty) {
        return Answer::error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        );
    }
    let skip = match param("$skipToken").map(decode_token) {
        None => 0,
        Some(Some(n)) => n,
        Some(None) => return Answer::error(400, "InvalidSkipToken", "The $skipToken is not one this server issued."),
    };
    match method {
        "POST" if key == "/providers/microsoft.resourcegraph/resources" => graph(store, paging.graph, body),
        "POST" => match key.strip_suffix("/list") {
            Some(setting) if is_secret_config(setting) => list_settings(store, setting, &path),
            _ => no_route(method, &path),
        },
        "GET" if is_secret_config(&key) => Answer::error(
            405,
            "MethodNotAllowed",
            "The requested resource does not support http method 'GET'; read it with POST .../list",
        ),
        "GET" if key == "/subscriptions" => {
            let value: Vec<Value> = store.subscriptions.iter().map(|s| subscription(s)).collect();
            Answer::read(&json!({ "value": value }))
        }
        "GET" => {
            let sub = key.strip_prefix("/subscriptions/").filter(|s| !s.contains('/'));
            if let Some(s) = sub.and_then(|sub| store.subscriptions.iter().find(|s| s.eq_ignore_ascii_case(sub))) {
                return Answer::read(&subscription(s));
            }
            if let Some(doc) = store.get(&key).or_else(|| site_default(store, &key, &path)) {
                return Answer::read(&doc);
            }
            match store.collection(&key) {
                Some(mut items) if key.ends_with("/basicpublishingcredentialspolicies") => {
                    for which in ["ftp", "scm"] {
                        let present = items.iter().any(|i| {
                            i.get("id")
                                .and_then(Value::as_str)
                                .is_some_and(|id| id.to_ascii_lowercase().ends_with(which))
                        });
                        if !present
                            && let Some(d) = site_default(store, &format!("{key}/{which}"), &format!("{path}/{which}"))
                        {
                            items.push(d);
                        }
                    }
                    collection_page(items, skip, paging.list, target)
                }
                Some(items) => collection_page(items, skip, paging.list, target),
                None => not_found(&path),
            }
        }
        _ => no_route(method, &path),
    }
}

/// A subscription as `GET /subscriptions/{id}` answers it.
fn subscription(id: &str) -> Value {
    json!({
        "id": format!("/subscriptions/{id}"), "authorizationSource": "RoleBased", "subscriptionId": id,
        "tenantId": "72f988bf-0000-4000-8000-00000000beef", "displayName": format!("fake subscription {id}"),
        "state": "Enabled",
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off"}
    })
}

/// What Resource Manager answers for a site's auth settings or publishing policy that
/// was never set: the defaults (authentication off; basic publishing allowed), not 404.
fn site_default(store: &Store, key: &str, path: &str) -> Option<Value> {
    let (site, child) =
        key.rsplit_once("/config/").or_else(|| key.rsplit_once("/basicpublishingcredentialspolicies/"))?;
    store.get(site)?;
    let is_slot = site.contains("/slots/");
    let (ty, props) = match child {
        "authsettingsv2" => ("config", json!({"platform": {"enabled": false}})),
        "ftp" | "scm" => ("basicPublishingCredentialsPolicies", json!({"allow": true})),
        _ => return None,
    };
    let ty = format!("Microsoft.Web/sites/{}{ty}", if is_slot { "slots/" } else { "" });
    let name = path.rsplit('/').next().unwrap_or(child);
    Some(json!({"id": path, "name": name, "type": ty, "properties": props}))
}

fn not_found(path: &str) -> Answer {
    Answer::error(
        404,
        "ResourceNotFound",
        &format!(
            "The Resource '{path}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
        ),
    )
}

fn no_route(method: &str, path: &str) -> Answer {
    Answer::error(404, "NotFound", &format!("The fake Resource Manager has no route for {method} {path}."))
}

/// One page of a collection; `nextLink` is absolute on management.azure.com, as real
/// Resource Manager sends it, and repeats the request's path and query.
fn collection_page(items: Vec<Value>, skip: usize, page: usize, target: &str) -> Answer {
    let page = page.max(1);
    let total = items.len();
    let value: Vec<Value> = items.into_iter().skip(skip).take(page).collect();
    let mut body = json!({ "value": value });
    if skip + page < total {
        let (raw_path, raw_query) = target.split_once('?').unwrap_or((target, ""));
        let mut query: Vec<&str> = raw_query
            .split('&')
            .filter(|p| {
                let k = p.split('=').next().unwrap_or("").to_ascii_lowercase();
                !p.is_empty() && k != "$skiptoken" && k != "%24skiptoken"
            })
            .collect();
        let token = format!("$skipToken={}", encode_token(skip + page));
        query.push(&token);
        body["nextLink"] = Value::String(format!("{ARM_HOST}{raw_path}?{}", query.join("&")));
    }
    Answer::read(&body)
}

/// `POST <site>/config/appsettings/list` (or `connectionstrings`): the stored document, or
/// an empty one when the site has none.
fn list_settings(store: &Store, setting_key: &str, path: &str) -> Answer {
    let site = setting_key.rsplitn(3, '/').nth(2).unwrap_or("");
    if !store.exists(site) {
        return not_found(path);
    }
    if let Some(doc) = store.get(setting_key) {
        return Answer::read(&doc);
    }
    let id = path.trim_end_matches('/').rsplit_once('/').map_or("", |(id, _)| id);
    let name = setting_key.rsplit('/').next().unwrap_or("");
    Answer::read(&json!({"id": id, "name": name, "type": "Microsoft.Web/sites/config", "properties": {}}))
}

/// `POST /providers/Microsoft.ResourceGraph/resources`: the top-level resources of the
/// requested subscriptions (and resource groups or types named with `in~ (...)` in the
/// query), sorted by lower-cased id, one page of `min($top, graph page size)` rows.
fn graph(store: &Store, page_size: usize, body: &[u8]) -> Answer {
    let bad = |message: &str| {
        Answer::json(
            400,
            &json!({"error": {"code": "BadRequest", "message": "Please provide below info when asking for support",
                "details": [{"code": "InvalidQuery", "message": message}]}}),
        )
    };
    let Ok(request) = serde_json::from_slice::<Value>(body) else { return bad("The request body is not JSON.") };
    let Some(query) = request.get("query").and_then(Value::as_str) else { return bad("The body has no `query`.") };
    let subscriptions: Vec<String> = request
        .get("subscriptions")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_ascii_lowercase).collect())
        .unwrap_or_default();
    let groups = in_list(query, "resourcegroup");
    let types = in_list(query, "type");
    let options = request.get("options").cloned().unwrap_or(Value::Null);
    let top = options.get("$top").and_then(Value::as_u64).map_or(page_size, |t| t as usize);
    let page = top.min(page_size).max(1);
    let skip = match options.get("$skipToken").and_then(Value::as_str) {
        Some(t) => match decode_token(t) {
            Some(n) => n,
            None => return bad("The $skipToken is not one this server issued."),
        },
        None => options.get("$skip").and_then(Value::as_u64).unwrap_or(0) as usize,
    };
    let rows: Vec<&Row> = store
        .rows
        .iter()
        .filter(|r| {
            (subscriptions.is_empty() || subscriptions.contains(&r.subscription))
                && groups.as_ref().is_none_or(|g| g.contains(&r.group))
                && types.as_ref().is_none_or(|t| t.contains(&r.ty))
        })
        .collect();
    let data: Vec<&str> =
        rows.iter().skip(skip).take(page).map(|r| r.json.get_or_init(|| graph_row(store, r)).as_str()).collect();
    let mut out = format!(
        r#"{{"totalRecords":{},"count":{},"data":[{}],"facets":[],"resultTruncated":"false""#,
        rows.len(),
        data.len(),
        data.join(",")
    );
    if skip + page < rows.len() {
        out.push_str(&format!(r#","$skipToken":"{}""#, encode_token(skip + page)));
    }
    out.push('}');
    let headers =
        vec![("x-ms-user-quota-remaining", "14".to_string()), ("x-ms-user-quota-resets-after", "00:00:05".to_string())];
    Answer { status: 200, headers, body: out.into_bytes() }
}

/// A Resource Graph row's JSON: the document with a lower-case `type` and the
/// `subscriptionId` and (lower-case) `resourceGroup` columns.
fn graph_row(store: &Store, r: &Row) -> String {
    let mut row = store.docs[r.doc].clone();
    let subscription = store.docs[r.doc].get("id").and_then(Value::as_str).and_then(|id| id.split('/').nth(2));
    let subscription = subscription.unwrap_or("").to_string();
    if let Some(o) = row.as_object_mut() {
        o.insert("type".into(), Value::String(r.ty.clone()));
        o.insert("subscriptionId".into(), Value::String(subscription));
        o.insert("resourceGroup".into(), Value::String(r.group.clone()));
    }
    row.to_string()
}

/// The lower-cased quoted names of the first `<column> in~ ( ... )` (or `in`) in a
/// Kusto query, or `None` when the query has no such filter.
fn in_list(query: &str, column: &str) -> Option<Vec<String>> {
    let q = query.to_ascii_lowercase();
    for (at, _) in q.match_indices(column) {
        let before = q[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let rest = q[at + column.len()..].trim_start();
        let Some(rest) = rest.strip_prefix("in~").or_else(|| rest.strip_prefix("in")) else { continue };
        let Some(rest) = rest.trim_start().strip_prefix('(') else { continue };
        let inner = &rest[..rest.find(')').unwrap_or(rest.len())];
        let names = inner
            .split(',')
            .map(|n| n.trim().trim_matches(|c| c == '\'' || c == '"').to_string())
            .filter(|n| !n.is_empty())
            .collect();
        return Some(names);
    }
    None
}

/// An opaque skip token for an offset.
pub fn encode_token(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("fake-arm offset {offset}"))
}

fn decode_token(token: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).ok()?;
    String::from_utf8(bytes).ok()?.strip_prefix("fake-arm offset ")?.parse().ok()
}
