//! A fake Azure Resource Manager HTTP server for the live reader's tests and benchmarks.
//!
//! It serves Resource Graph queries, resource GETs, child collection GETs (paged with
//! absolute `nextLink`s on management.azure.com, as real Resource Manager sends them)
//! and the app-settings `list` POSTs from a set of ARM GET-shaped documents, with
//! optional latency, a bearer-token check and injected faults (error statuses,
//! throttling, hangs, malformed bodies). Thread per connection, HTTP/1.1 keep-alive,
//! std only. Use it from an integration test with `mod support;` (whose `mod.rs` holds
//! `pub mod fake_arm;`) or from an example with
//! `#[path = "../tests/support/fake_arm.rs"] mod fake_arm;`.

#[path = "fake_arm/http.rs"]
mod http;
#[path = "fake_arm/routes.rs"]
mod routes;
#[path = "fake_arm/store.rs"]
mod store;
#[path = "fake_arm/synthetic.rs"]
mod synthetic;

use std::collections::HashMap;
use std::io::BufReader;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::{Value, json};

use http::{ReadError, read_request, split_target, write_response};
use routes::{Answer, Paging};
use store::Store;

pub use routes::ARM_HOST;
pub use synthetic::SYNTHETIC_SUBSCRIPTION;

/// How long a kept-alive connection may sit idle before the server closes it.
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the fake server holds and how it misbehaves.
#[derive(Clone, Debug)]
pub struct FakeState {
    /// ARM GET-shaped resources, each with `id`, `type` and `name`.
    pub documents: Vec<Value>,
    /// When set, every request needs `Authorization: Bearer <token>`, else 401.
    pub token: Option<String>,
    /// Slept before answering every request.
    pub latency: Duration,
    /// Rows per Resource Graph page; the request's `$top` may lower it.
    pub graph_page_size: usize,
    /// Items per page of a collection GET.
    pub list_page_size: usize,
    /// Injected faults; the first one that applies to a request answers it.
    pub faults: Vec<Fault>,
    /// Seed of the generator that decides probabilistic faults.
    pub seed: u64,
}

impl FakeState {
    /// A state serving `documents`, with no token, latency or faults, Resource Graph
    /// pages of 1,000 rows and collection pages of 100 items.
    pub fn new(documents: Vec<Value>) -> FakeState {
        FakeState {
            documents,
            token: None,
            latency: Duration::ZERO,
            graph_page_size: 1000,
            list_page_size: 100,
            faults: Vec::new(),
            seed: 1,
        }
    }

    /// A state serving the documents of an ARM list export (`{ "value": [...] }`, or a bare
    /// array). Panics when the file cannot be read or parsed.
    pub fn from_export(path: &Path) -> FakeState {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let doc: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {} as JSON: {e}", path.display()));
        let documents = match doc {
            Value::Array(items) => items,
            Value::Object(mut o) => match o.remove("value") {
                Some(Value::Array(items)) => items,
                _ => panic!("{} has no `value` array", path.display()),
            },
            _ => panic!("{} is neither an ARM list export nor an array", path.display()),
        };
        FakeState::new(documents)
    }

    /// A generated subscription ([`SYNTHETIC_SUBSCRIPTION`]) with exactly `resources`
    /// top-level resources: app units of ten resources in resource groups of up to 50
    /// units, one private DNS zone per group, storage accounts filling the remainder.
    /// `seed` decides which units carry deliberate misconfigurations.
    pub fn synthetic(resources: usize, seed: u64) -> FakeState {
        let mut state = FakeState::new(synthetic::documents(resources, seed));
        state.seed = seed;
        state
    }

    /// This state with a required bearer token.
    pub fn with_token(mut self, token: &str) -> FakeState {
        self.token = Some(token.to_string());
        self
    }

    /// This state with a latency slept before every answer.
    pub fn with_latency(mut self, latency: Duration) -> FakeState {
        self.latency = latency;
        self
    }

    /// This state with one more fault, tried after those already present.
    pub fn with_fault(mut self, fault: Fault) -> FakeState {
        self.faults.push(fault);
        self
    }

    /// The documents as an ARM list export (`{"value": [...]}`), sorted by lower-cased id,
    /// in the shape GETs answer them (sites and slots with `siteConfig` blanked).
    pub fn to_export(&self) -> Value {
        let mut docs: Vec<(String, Value)> = self
            .documents
            .iter()
            .map(|d| (d.get("id").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase(), store::served(d.clone())))
            .collect();
        docs.sort_by(|a, b| a.0.cmp(&b.0));
        json!({ "value": docs.into_iter().map(|(_, d)| d).collect::<Vec<_>>() })
    }

    /// The number of documents that Resource Graph lists (top-level resources).
    pub fn top_level_count(&self) -> usize {
        self.documents
            .iter()
            .filter_map(|d| d.get("id").and_then(Value::as_str))
            .filter(|id| store::is_top_level(&store::normalize(id)))
            .count()
    }
}

/// A misbehaviour injected into the answers of matching requests.
#[derive(Clone, Debug)]
pub struct Fault {
    /// Case-insensitive substring of the request path (without query); `""` matches all.
    pub path_contains: String,
    /// The method the fault applies to; `None` for any.
    pub method: Option<&'static str>,
    /// What the server does instead of answering normally.
    pub kind: FaultKind,
    /// Apply to the first N matching requests only; `None` for every matching request.
    pub times: Option<usize>,
    /// The share of matching requests the fault applies to (1.0 = all), drawn from the
    /// state's seed.
    pub probability: f64,
}

impl Fault {
    /// A fault applying to every request, of any method, whose path contains `path_contains`.
    pub fn new(path_contains: &str, kind: FaultKind) -> Fault {
        Fault { path_contains: path_contains.to_string(), method: None, kind, times: None, probability: 1.0 }
    }

    /// This fault restricted to one method (`"GET"`, `"POST"`).
    pub fn for_method(mut self, method: &'static str) -> Fault {
        self.method = Some(method);
        self
    }

    /// This fault restricted to the first `n` matching requests.
    pub fn first(mut self, n: usize) -> Fault {
        self.times = Some(n);
        self
    }

    /// This fault applied to a share `p` of the matching requests.
    pub fn with_probability(mut self, p: f64) -> Fault {
        self.probability = p;
        self
    }
}

/// What a fault does.
#[derive(Clone, Debug)]
pub enum FaultKind {
    /// Answer this status and JSON body (403 `AuthorizationFailed`, 404, 500 ...).
    Status(u16, Value),
    /// Answer 429 with `Retry-After` and a `TooManyRequests` error body.
    Throttle {
        /// The `Retry-After` header's value, in seconds.
        retry_after_secs: u64,
    },
    /// Sleep this long, then answer normally (to trigger client timeouts).
    Hang(Duration),
    /// Answer 200 with a body that is not JSON (a truncated `{"value": [`).
    Malformed,
}

/// One request the server received and how it answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The method, upper-cased.
    pub method: String,
    /// The path with its query, as sent.
    pub path: String,
    /// The status answered.
    pub status: u16,
}

/// A running fake Resource Manager on `127.0.0.1`; it stops when dropped.
pub struct FakeArm {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

struct Shared {
    store: Store,
    paging: Paging,
    token: Option<String>,
    latency: Duration,
    faults: Vec<Fault>,
    /// Matching requests seen so far, per fault (for `times`).
    fault_hits: Mutex<Vec<usize>>,
    rng: Mutex<u64>,
    log: Mutex<Vec<Request>>,
    stop: AtomicBool,
    /// Open connections, shut down when the server stops.
    connections: Mutex<HashMap<u64, TcpStream>>,
    next_connection: AtomicU64,
}

impl FakeArm {
    /// Binds `127.0.0.1:0` and serves `state` from a background accept thread, one
    /// thread per connection.
    pub fn start(state: FakeState) -> FakeArm {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the fake ARM server to 127.0.0.1:0");
        let addr = listener.local_addr().expect("the fake ARM server's address");
        let shared = Arc::new(Shared {
            store: Store::new(state.documents),
            paging: Paging { graph: state.graph_page_size, list: state.list_page_size },
            token: state.token,
            latency: state.latency,
            fault_hits: Mutex::new(vec![0; state.faults.len()]),
            faults: state.faults,
            rng: Mutex::new(splitmix64(state.seed).max(1)),
            log: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            connections: Mutex::new(HashMap::new()),
            next_connection: AtomicU64::new(0),
        });
        let accept_shared = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("fake-arm-accept".into())
            .spawn(move || accept_loop(listener, accept_shared))
            .expect("spawning the fake ARM accept thread");
        FakeArm { addr, shared, accept: Some(accept) }
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request answered so far, in the order the answers were written.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.log).clone()
    }

    /// The number of requests answered so far.
    pub fn request_count(&self) -> usize {
        lock(&self.shared.log).len()
    }
}

impl Drop for FakeArm {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the accept thread, which sees the flag and returns.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        for (_, conn) in lock(&self.shared.connections).drain() {
            let _ = conn.shutdown(Shutdown::Both);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else {
            // Out of descriptors or a reset before accept: wait instead of spinning.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        let id = shared.next_connection.fetch_add(1, Ordering::SeqCst);
        if let Ok(copy) = stream.try_clone() {
            lock(&shared.connections).insert(id, copy);
        }
        let conn_shared = Arc::clone(&shared);
        let spawned = thread::Builder::new().name("fake-arm-conn".into()).spawn(move || {
            serve_connection(&conn_shared, stream);
            lock(&conn_shared.connections).remove(&id);
        });
        if spawned.is_err() {
            lock(&shared.connections).remove(&id);
        }
    }
}

/// Answers requests on one connection until EOF, `Connection: close`, an idle timeout,
/// a malformed request or the server's stop.
fn serve_connection(shared: &Shared, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    while !shared.stop.load(Ordering::SeqCst) {
        let req = match read_request(&mut reader, &mut writer) {
            Ok(req) => req,
            Err(ReadError::Closed) => return,
            Err(ReadError::Malformed(why)) => {
                let a = Answer::error(400, "BadRequest", &format!("malformed HTTP request: {why}"));
                let _ = write_response(&mut writer, a.status, &a.headers, &a.body, true);
                return;
            }
        };
        let answer = shared.answer(&req.method, &req.target, req.header("authorization"), &req.body);
        let close = !req.keep_alive || shared.stop.load(Ordering::SeqCst);
        lock(&shared.log).push(Request { method: req.method, path: req.target, status: answer.status });
        if write_response(&mut writer, answer.status, &answer.headers, &answer.body, close).is_err() || close {
            return;
        }
    }
}

impl Shared {
    /// Latency, then the token check, then the faults, then the routes.
    fn answer(&self, method: &str, target: &str, authorization: Option<&str>, body: &[u8]) -> Answer {
        if !self.latency.is_zero() {
            thread::sleep(self.latency);
        }
        if let Some(token) = &self.token {
            let given = authorization.and_then(|a| {
                let (scheme, value) = a.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| value.trim())
            });
            if given != Some(token.as_str()) {
                let why = if authorization.is_none() {
                    "The 'Authorization' header is missing."
                } else {
                    "The access token is invalid."
                };
                let mut a = Answer::error(401, "InvalidAuthenticationToken", why);
                a.headers.push((
                    "WWW-Authenticate",
                    "Bearer authorization_uri=\"https://login.microsoftonline.com/common\", error=\"invalid_token\""
                        .into(),
                ));
                return a;
            }
        }
        if let Some(kind) = self.fault_for(method, target) {
            match kind {
                FaultKind::Status(status, body) => return Answer::json(status, &body),
                FaultKind::Throttle { retry_after_secs } => {
                    let mut a = Answer::error(
                        429,
                        "TooManyRequests",
                        &format!("Number of requests exceeded the limit. Retry after {retry_after_secs} seconds."),
                    );
                    a.headers.push(("Retry-After", retry_after_secs.to_string()));
                    a.headers.push(("x-ms-ratelimit-remaining-subscription-reads", "0".into()));
                    return a;
                }
                FaultKind::Hang(pause) => thread::sleep(pause),
                FaultKind::Malformed => {
                    return Answer { status: 200, headers: Vec::new(), body: br#"{"value": ["#.to_vec() };
                }
            }
        }
        routes::route(&self.store, &self.paging, method, target, body)
    }

    /// The first fault that applies to this request, counting `times` per fault.
    fn fault_for(&self, method: &str, target: &str) -> Option<FaultKind> {
        if self.faults.is_empty() {
            return None;
        }
        let path = split_target(target).0.to_ascii_lowercase();
        let mut hits = lock(&self.fault_hits);
        for (i, fault) in self.faults.iter().enumerate() {
            let matches = path.contains(&fault.path_contains.to_ascii_lowercase())
                && fault.method.is_none_or(|m| m.eq_ignore_ascii_case(method));
            if !matches {
                continue;
            }
            hits[i] += 1;
            if fault.times.is_some_and(|n| hits[i] > n) {
                continue;
            }
            if fault.probability >= 1.0 || self.draw() < fault.probability {
                return Some(fault.kind.clone());
            }
        }
        None
    }

    /// The next number in [0, 1) from the seeded xorshift generator.
    fn draw(&self) -> f64 {
        let mut x = lock(&self.rng);
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        (*x >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Spreads a seed over all 64 bits (so that seeds 0, 1, 2 ... start unrelated sequences).
pub fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
