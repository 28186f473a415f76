//! Tests of the fake Resource Manager itself, over plain `TcpStream` HTTP/1.1.

mod support;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::fake_arm::{ARM_HOST, FakeArm, FakeState, Fault, FaultKind, SYNTHETIC_SUBSCRIPTION};

const GRAPH: &str = "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01";

/// One kept-alive connection to the server.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    text: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

impl Client {
    fn connect(arm: &FakeArm) -> Client {
        let addr = arm.endpoint().trim_start_matches("http://").to_string();
        let stream = TcpStream::connect(addr).expect("connecting to the fake server");
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        Client { reader: BufReader::new(stream.try_clone().unwrap()), writer: stream }
    }

    fn send(&mut self, method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Response {
        let mut req = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n", body.len());
        for (n, v) in headers {
            req.push_str(&format!("{n}: {v}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(body);
        self.writer.write_all(req.as_bytes()).unwrap();
        self.read_response()
    }

    fn get(&mut self, target: &str) -> Response {
        self.send("GET", target, &[], "")
    }

    fn read_response(&mut self) -> Response {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status line");
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            self.reader.read_line(&mut h).unwrap();
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let (n, v) = h.split_once(':').unwrap();
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
        let len: usize =
            headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("content-length")).unwrap().1.parse().unwrap();
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body).unwrap();
        Response { status, headers, text: String::from_utf8(body).unwrap() }
    }
}

fn frontend_backend() -> FakeState {
    FakeState::from_export(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios/frontend-backend/export-arm-list.json"),
    )
}

const SHOP: &str = "/subscriptions/6b7a0c2e-1d2f-4a3b-9c8d-112233445566/resourceGroups/rg-shop/providers";

#[test]
fn graph_pages_with_skip_token_cover_every_resource_once() {
    let state = FakeState::synthetic(2500, 7);
    assert_eq!(state.top_level_count(), 2500);
    // Resource Graph also lists deployment slots (one per unit here).
    let slots = state.documents.iter().filter(|d| d["type"].as_str() == Some("Microsoft.Web/sites/slots")).count();
    assert!(slots > 0);
    let rows = 2500 + slots;
    let arm = FakeArm::start(state);
    let mut client = Client::connect(&arm);
    let mut ids = HashSet::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut options = json!({"$top": 1000, "resultFormat": "objectArray"});
        if let Some(t) = &token {
            options["$skipToken"] = json!(t);
        }
        let body = json!({"subscriptions": [SYNTHETIC_SUBSCRIPTION], "query": "Resources", "options": options});
        let r = client.send("POST", GRAPH, &[("Content-Type", "application/json")], &body.to_string());
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("x-ms-user-quota-remaining"), Some("14"));
        let page = r.json();
        assert_eq!(page["totalRecords"], rows);
        for row in page["data"].as_array().unwrap() {
            let ty = row["type"].as_str().unwrap();
            assert_eq!(ty, ty.to_ascii_lowercase());
            assert_eq!(row["subscriptionId"], SYNTHETIC_SUBSCRIPTION);
            assert!(row["resourceGroup"].is_string());
            assert!(ids.insert(row["id"].as_str().unwrap().to_ascii_lowercase()), "repeated row {}", row["id"]);
        }
        pages += 1;
        match page.get("$skipToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!(ids.len(), rows);
    assert_eq!(pages, rows.div_ceil(1000));
    assert_eq!(arm.request_count(), pages);

    let query = "Resources | where resourceGroup in~ ('RG-APP-001') | project id";
    let body = json!({"subscriptions": [SYNTHETIC_SUBSCRIPTION], "query": query, "options": {"$top": 5}});
    let page = client.send("POST", GRAPH, &[], &body.to_string()).json();
    assert_eq!(page["totalRecords"], 551, "one zone and 50 units of ten, and their 50 slots");
    assert_eq!(page["count"], 5);
}

#[test]
fn synthetic_states_have_exactly_the_resources_asked_for() {
    for n in [0, 7, 10, 11, 12, 521] {
        assert_eq!(FakeState::synthetic(n, 1).top_level_count(), n);
    }
    let a = FakeState::synthetic(120, 1).to_export();
    assert_eq!(a, FakeState::synthetic(120, 1).to_export(), "the same seed gives the same state");
    assert_ne!(a, FakeState::synthetic(120, 2).to_export(), "another seed misconfigures other units");
}

#[test]
fn collection_pages_with_a_next_link_on_management_azure_com() {
    let mut state = FakeState::synthetic(25, 3);
    state.list_page_size = 2;
    let arm = FakeArm::start(state);
    let mut client = Client::connect(&arm);
    let vnet = format!(
        "/subscriptions/{SYNTHETIC_SUBSCRIPTION}/resourceGroups/rg-app-000/providers/Microsoft.Network/\
         virtualNetworks/vnet-00001"
    );
    let first = client.get(&format!("{vnet}/subnets?api-version=2024-05-01"));
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.header("x-ms-ratelimit-remaining-subscription-reads"), Some("11999"));
    let first = first.json();
    assert_eq!(first["value"].as_array().unwrap().len(), 2);
    let next = first["nextLink"].as_str().expect("a nextLink");
    let rest = next.strip_prefix(ARM_HOST).expect("an absolute nextLink on management.azure.com");
    assert!(rest.contains("api-version=2024-05-01") && rest.contains("$skipToken="), "{next}");
    let second = client.get(rest).json();
    let value = second["value"].as_array().unwrap();
    assert_eq!(value.len(), 1);
    assert!(second.get("nextLink").is_none());
    let mut names: Vec<&str> =
        first["value"].as_array().unwrap().iter().chain(value).map(|s| s["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["snet-endpoints", "snet-integration", "snet-workload"]);
    assert_eq!(value[0]["type"], "Microsoft.Network/virtualNetworks/subnets");

    let missing = client.get(&format!("{vnet}0/subnets?api-version=2024-05-01"));
    assert_eq!(missing.status, 404);
    let links = client.get(&format!(
        "/subscriptions/{SYNTHETIC_SUBSCRIPTION}/resourceGroups/rg-app-000/providers/Microsoft.Network/\
         privateDnsZones/privatelink.blob.core.windows.net/virtualNetworkLinks?api-version=2024-06-01"
    ));
    assert_eq!(links.json()["value"].as_array().unwrap().len(), 2);
}

#[test]
fn site_get_blanks_site_config_and_config_web_keeps_it() {
    let arm = FakeArm::start(frontend_backend());
    let mut client = Client::connect(&arm);
    let site = client.get(&format!("{SHOP}/Microsoft.Web/sites/API-BACKEND?api-version=2024-04-01"));
    assert_eq!(site.status, 200);
    assert_eq!(site.header("content-type"), Some("application/json"));
    let site = site.json();
    assert_eq!(site["name"], "api-backend");
    let config = site["properties"]["siteConfig"].as_object().expect("siteConfig is an object");
    assert!(config.contains_key("minTlsVersion") && config.contains_key("ipSecurityRestrictions"));
    assert!(config.values().all(Value::is_null), "{config:?}");

    let web = client.get(&format!("{SHOP}/Microsoft.Web/sites/api-backend/config/web?api-version=2024-04-01")).json();
    assert_eq!(web["properties"]["minTlsVersion"], "1.2");
    assert_eq!(web["properties"]["ipSecurityRestrictionsDefaultAction"], "Deny");

    let no_version = client.get(&format!("{SHOP}/Microsoft.Web/sites/api-backend"));
    assert_eq!(
        (no_version.status, no_version.json()["error"]["code"].clone()),
        (400, json!("MissingApiVersionParameter"))
    );
    let vnet = client
        .get(&format!("{SHOP}/Microsoft.Web/sites/api-backend/networkConfig/virtualNetwork?api-version=2024-04-01"));
    assert_eq!((vnet.status, vnet.json()["error"]["code"].clone()), (404, json!("ResourceNotFound")));

    let list = |c: &mut Client, site: &str| {
        let path = format!("{SHOP}/Microsoft.Web/sites/{site}/config/appsettings/list?api-version=2024-04-01");
        c.send("POST", &path, &[], "").json()
    };
    assert_eq!(
        list(&mut client, "web-frontend")["properties"]["ORDERS_API"],
        "https://api-backend.azurewebsites.net/orders"
    );
    assert_eq!(list(&mut client, "api-backend")["properties"], json!({}));

    let sub = client.get("/subscriptions/6B7A0C2E-1D2F-4A3B-9C8D-112233445566?api-version=2022-12-01");
    assert_eq!(sub.json()["subscriptionId"], "6b7a0c2e-1d2f-4a3b-9c8d-112233445566");
}

#[test]
fn dropping_the_server_closes_its_connections_and_its_port() {
    let arm = FakeArm::start(frontend_backend());
    let mut client = Client::connect(&arm);
    assert_eq!(client.get("/subscriptions?api-version=2022-12-01").status, 200);
    let addr = arm.endpoint().trim_start_matches("http://").to_string();
    drop(arm);
    let mut rest = Vec::new();
    assert_eq!(client.reader.read_to_end(&mut rest).unwrap(), 0);
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn throttle_fault_answers_429_with_retry_after_then_recovers() {
    let state =
        frontend_backend().with_fault(Fault::new("/CONFIG/WEB", FaultKind::Throttle { retry_after_secs: 2 }).first(1));
    let arm = FakeArm::start(state);
    let mut client = Client::connect(&arm);
    let path = format!("{SHOP}/Microsoft.Web/sites/web-frontend/config/web?api-version=2024-04-01");
    let throttled = client.get(&path);
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.header("retry-after"), Some("2"));
    assert_eq!(throttled.json()["error"]["code"], "TooManyRequests");
    assert_eq!(client.get(&path).status, 200);
    let statuses: Vec<u16> = arm.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 200]);
    assert_eq!(arm.requests()[0].path, path);
}

#[test]
fn bearer_token_is_required_when_set() {
    let arm = FakeArm::start(frontend_backend().with_token("t0ken"));
    let mut client = Client::connect(&arm);
    let path = format!("{SHOP}/Microsoft.Web/serverfarms/plan-app?api-version=2024-04-01");
    let missing = client.get(&path);
    assert_eq!(missing.status, 401);
    assert_eq!(missing.json()["error"]["code"], "InvalidAuthenticationToken");
    assert_eq!(client.send("GET", &path, &[("Authorization", "Bearer wrong")], "").status, 401);
    assert_eq!(client.send("GET", &path, &[("Authorization", "Bearer t0ken")], "").status, 200);
}

#[test]
fn chunked_bodies_malformed_faults_and_connection_close() {
    let arm = FakeArm::start(frontend_backend().with_fault(Fault::new("serverfarms", FaultKind::Malformed)));
    let mut client = Client::connect(&arm);
    let body = json!({"query": "Resources", "options": {"$top": 2}}).to_string();
    let chunked = format!(
        "POST {GRAPH} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{}\r\n{:x}\r\n{}\r\n0\r\n\r\n",
        5,
        &body[..5],
        body.len() - 5,
        &body[5..]
    );
    client.writer.write_all(chunked.as_bytes()).unwrap();
    let page = client.read_response().json();
    assert_eq!((page["count"].clone(), page["totalRecords"].clone()), (json!(2), json!(4)));
    assert!(page["$skipToken"].is_string());

    let bad = client.get(&format!("{SHOP}/Microsoft.Web/serverfarms/plan-app?api-version=2024-04-01"));
    assert_eq!(bad.status, 200);
    assert!(serde_json::from_str::<Value>(&bad.text).is_err());

    let closing = client.send("GET", "/nowhere?api-version=1", &[("Connection", "close")], "");
    assert_eq!((closing.status, closing.header("connection")), (404, Some("close")));
    let mut rest = Vec::new();
    assert_eq!(client.reader.read_to_end(&mut rest).unwrap(), 0, "the server closed the connection");
}

#[test]
fn serves_64_connections_at_once() {
    let arm = FakeArm::start(frontend_backend().with_latency(Duration::from_millis(100)));
    let path = format!("{SHOP}/Microsoft.Network/virtualNetworks/vnet-app/subnets?api-version=2024-05-01");
    let start = Instant::now();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..64)
            .map(|_| {
                let arm = &arm;
                let path = &path;
                s.spawn(move || Client::connect(arm).get(path).status)
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), 200);
        }
    });
    assert!(start.elapsed() < Duration::from_millis(2000), "took {:?}", start.elapsed());
    assert_eq!(arm.request_count(), 64);
}
