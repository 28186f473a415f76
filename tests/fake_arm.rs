//! Tests of the fake Resource Manager itself, over plain `TcpStream` HTTP/1.1.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::fake_arm::{FakeArm, FakeState, Fault, FaultKind};

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
