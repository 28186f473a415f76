//! The HTTP side of the live reader: every request goes through [`Client::send`],
//! which bounds concurrency, keeps a request budget per subscription, waits out
//! `Retry-After` on 429, retries 5xx, timeouts and broken bodies with exponential
//! backoff and jitter, slows down when Resource Manager says few reads remain, and
//! follows `nextLink` only on the configured endpoint.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Semaphore;

/// Produces a bearer token for each request (cached and refreshed by the caller).
pub type TokenSource = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<String, String>> + Send>> + Send + Sync>;

/// How the client talks to Resource Manager.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// `https://management.azure.com`, a sovereign cloud's endpoint, or a test server.
    pub endpoint: String,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Requests allowed per subscription (retries included); reads beyond it fail.
    pub budget: u64,
    /// Time allowed for one attempt.
    pub timeout: Duration,
    /// Retries of a 5xx, a timeout, a connection error or a malformed body.
    pub retries: u32,
    /// Times a request may be throttled (429) before it fails.
    pub throttle_retries: u32,
    /// Backoff before the first retry; doubles per retry, with full jitter.
    pub backoff: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            endpoint: PUBLIC_CLOUD.into(),
            concurrency: 16,
            budget: 50_000,
            timeout: Duration::from_secs(30),
            retries: 4,
            throttle_retries: 8,
            backoff: Duration::from_millis(500),
        }
    }
}

/// Resource Manager of the public cloud.
pub const PUBLIC_CLOUD: &str = "https://management.azure.com";

/// Longest `Retry-After` honoured; a longer one is waited for this long, then retried.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// Longest backoff between retries.
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// Below this many remaining subscription reads, requests pause until that many refilled.
/// Resource Manager's token bucket for subscription reads holds 250 and refills 25 per
/// second (learn.microsoft.com, "Request limits and throttling", 2024 token-bucket table).
const LOW_REMAINING_READS: u64 = 25;
const REFILL_INTERVAL: Duration = Duration::from_millis(40);
/// A list longer than this many pages is treated as a server loop.
const MAX_PAGES: usize = 10_000;

/// Why a read failed after its retries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// An HTTP error status with Resource Manager's error code and message.
    Http { status: u16, code: Option<String>, message: String },
    /// Every attempt timed out or could not connect.
    Transport { attempts: u32, last: String },
    /// Still throttled after the allowed waits.
    Throttled { attempts: u32 },
    /// The body was not the JSON expected.
    Malformed { attempts: u32, why: String },
    /// The subscription's request budget was used up.
    Budget { budget: u64 },
    /// No token could be obtained.
    Auth(String),
}

impl ReadError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ReadError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            ReadError::Http { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Http { status, code, message } => {
                write!(f, "HTTP {status}")?;
                if let Some(c) = code {
                    write!(f, " {c}")?;
                }
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            ReadError::Transport { attempts, last } => write!(f, "no answer after {attempts} attempts ({last})"),
            ReadError::Throttled { attempts } => write!(f, "still throttled (HTTP 429) after {attempts} attempts"),
            ReadError::Malformed { attempts, why } => {
                write!(f, "malformed response after {attempts} attempts: {why}")
            }
            ReadError::Budget { budget } => {
                write!(f, "the subscription's request budget ({budget} requests) is used up; raise --request-budget")
            }
            ReadError::Auth(why) => write!(f, "no access token: {why}"),
        }
    }
}

/// Counters of a read, for the progress bar and the closing summary.
#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub throttled: AtomicU64,
    /// Milliseconds spent waiting out `Retry-After` and low-budget pacing.
    pub waited_ms: AtomicU64,
}

/// A plain copy of [`Stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub requests: u64,
    pub retries: u64,
    pub throttled: u64,
    pub waited_ms: u64,
}

impl Stats {
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            waited_ms: self.waited_ms.load(Ordering::Relaxed),
        }
    }
}

/// What one subscription has used and when it may send again.
#[derive(Debug, Default)]
struct Quota {
    used: u64,
    not_before: Option<Instant>,
}

/// A Resource Manager client shared by every read of a scan.
pub struct Client {
    http: reqwest::Client,
    opts: ClientOptions,
    token: TokenSource,
    permits: Semaphore,
    quotas: std::sync::Mutex<HashMap<String, Quota>>,
    pub stats: Stats,
}

/// The method and body of a request.
#[derive(Clone, Copy, Debug)]
pub enum Method<'a> {
    Get,
    Post(&'a Value),
}

impl Client {
    pub fn new(opts: ClientOptions, token: TokenSource) -> Result<Client, String> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("azlint/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(opts.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(opts.concurrency.max(1))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Client {
            http,
            permits: Semaphore::new(opts.concurrency.max(1)),
            opts,
            token,
            quotas: Default::default(),
            stats: Stats::default(),
        })
    }

    pub fn endpoint(&self) -> &str {
        self.opts.endpoint.trim_end_matches('/')
    }

    /// Sends one request (`path_and_query` relative to the endpoint), retrying as the
    /// module documents, and parses the JSON body. `subscription` keys the budget.
    pub async fn send(&self, method: Method<'_>, path_and_query: &str, subscription: &str) -> Result<Value, ReadError> {
        let url = format!("{}{}", self.endpoint(), path_and_query);
        let (mut failures, mut throttles) = (0u32, 0u32);
        let mut last_transport = String::new();
        let mut malformed: Option<String> = None;
        loop {
            self.take_budget(subscription)?;
            self.wait_for_pacing(subscription).await;
            let token = (self.token)().await.map_err(ReadError::Auth)?;
            let outcome = {
                let _permit = self.permits.acquire().await.expect("the semaphore is never closed");
                self.stats.requests.fetch_add(1, Ordering::Relaxed);
                let req = match method {
                    Method::Get => self.http.get(&url),
                    Method::Post(body) => self
                        .http
                        .post(&url)
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(serde_json::to_vec(body).unwrap_or_default()),
                };
                let sent = req.bearer_auth(token).timeout(self.opts.timeout).send().await;
                match sent {
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        let headers = resp.headers().clone();
                        match resp.bytes().await {
                            Ok(body) => Ok((status, headers, body)),
                            Err(e) => Err(describe_transport(&e)),
                        }
                    }
                    Err(e) => Err(describe_transport(&e)),
                }
            };
            let retry_in = match outcome {
                Err(why) => {
                    last_transport = why;
                    failures += 1;
                    if failures > self.opts.retries {
                        break;
                    }
                    self.backoff(failures)
                }
                Ok((status, headers, body)) => {
                    if (200..300).contains(&status) {
                        // A 429's own `remaining: 0` is answered by its Retry-After.
                        self.note_remaining(subscription, &headers);
                    }
                    match status {
                        200..=299 => match serde_json::from_slice::<Value>(&body) {
                            Ok(v) => return Ok(v),
                            Err(e) => {
                                malformed = Some(format!("the body is not JSON ({e})"));
                                failures += 1;
                                if failures > self.opts.retries {
                                    break;
                                }
                                self.backoff(failures)
                            }
                        },
                        429 => {
                            throttles += 1;
                            self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                            if throttles > self.opts.throttle_retries {
                                return Err(ReadError::Throttled { attempts: throttles });
                            }
                            let wait = retry_after(&headers).unwrap_or_else(|| self.backoff(throttles));
                            self.stats.waited_ms.fetch_add(wait.as_millis() as u64, Ordering::Relaxed);
                            wait
                        }
                        408 | 500..=599 => {
                            last_transport = http_error(status, &body).to_string();
                            failures += 1;
                            if failures > self.opts.retries {
                                return Err(http_error(status, &body));
                            }
                            self.backoff(failures)
                        }
                        _ => {
                            return Err(http_error(status, &body));
                        }
                    }
                }
            };
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(retry_in).await;
        }
        Err(match malformed {
            Some(why) => ReadError::Malformed { attempts: failures, why },
            None => ReadError::Transport { attempts: failures, last: last_transport },
        })
    }

    /// Reads every page of a list (`{value: [...], nextLink}`), following `nextLink`
    /// on the configured endpoint only: the host of a `nextLink` is replaced by the
    /// endpoint's, so the token never goes anywhere else, and a `nextLink` that is not
    /// an absolute URL fails the read instead of being called.
    pub async fn list(&self, path_and_query: &str, subscription: &str) -> Result<Vec<Value>, ReadError> {
        let mut out = Vec::new();
        let mut next = path_and_query.to_string();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..MAX_PAGES {
            let page = self.send(Method::Get, &next, subscription).await?;
            let Some(items) = page.get("value").and_then(Value::as_array) else {
                return Err(ReadError::Malformed {
                    attempts: 1,
                    why: "a list response without a `value` array".into(),
                });
            };
            out.extend(items.iter().cloned());
            match page.get("nextLink") {
                None | Some(Value::Null) => return Ok(out),
                Some(Value::String(link)) if link.is_empty() => return Ok(out),
                Some(Value::String(link)) => {
                    let Some(rel) = path_of(link) else {
                        return Err(ReadError::Malformed {
                            attempts: 1,
                            why: format!("`nextLink` is not an absolute URL: {link:?}"),
                        });
                    };
                    if !seen.insert(rel.to_string()) {
                        return Err(ReadError::Malformed { attempts: 1, why: "`nextLink` repeats a page".into() });
                    }
                    next = rel.to_string();
                }
                Some(_) => {
                    return Err(ReadError::Malformed { attempts: 1, why: "`nextLink` is not a string".into() });
                }
            }
        }
        Err(ReadError::Malformed { attempts: 1, why: format!("more than {MAX_PAGES} pages") })
    }

    fn take_budget(&self, subscription: &str) -> Result<(), ReadError> {
        let mut q = self.quotas.lock().expect("quota lock");
        let quota = q.entry(subscription.to_ascii_lowercase()).or_default();
        if quota.used >= self.opts.budget {
            return Err(ReadError::Budget { budget: self.opts.budget });
        }
        quota.used += 1;
        Ok(())
    }

    /// Waits while the subscription is paused for its read bucket to refill.
    async fn wait_for_pacing(&self, subscription: &str) {
        let until = {
            let q = self.quotas.lock().expect("quota lock");
            q.get(&subscription.to_ascii_lowercase()).and_then(|quota| quota.not_before).filter(|t| *t > Instant::now())
        };
        if let Some(t) = until {
            let wait = t.saturating_duration_since(Instant::now());
            self.stats.waited_ms.fetch_add(wait.as_millis() as u64, Ordering::Relaxed);
            tokio::time::sleep_until(t.into()).await;
        }
    }

    /// When a successful read says `x-ms-ratelimit-remaining-subscription-reads` is low,
    /// pauses the subscription's new requests until the bucket has refilled to
    /// [`LOW_REMAINING_READS`] (one pause, not a queue: a later read that reports plenty
    /// left does not extend it).
    fn note_remaining(&self, subscription: &str, headers: &reqwest::header::HeaderMap) {
        let remaining = headers
            .get("x-ms-ratelimit-remaining-subscription-reads")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(r) = remaining
            && r < LOW_REMAINING_READS
        {
            let pause = REFILL_INTERVAL * (LOW_REMAINING_READS - r) as u32;
            let until = Instant::now() + pause;
            let mut q = self.quotas.lock().expect("quota lock");
            let quota = q.entry(subscription.to_ascii_lowercase()).or_default();
            if quota.not_before.is_none_or(|t| t < until) {
                quota.not_before = Some(until);
            }
        }
    }

    /// Exponential backoff with full jitter: a random wait in `[0, base * 2^(n-1)]`.
    fn backoff(&self, attempt: u32) -> Duration {
        let cap = self.opts.backoff.saturating_mul(1 << attempt.saturating_sub(1).min(16)).min(MAX_BACKOFF);
        cap.mul_f64(jitter())
    }
}

/// Refuses an endpoint the bearer token must not be sent to: anything but `https://`,
/// except plain `http://` to exactly 127.0.0.1, `localhost` or `[::1]` (a test
/// server), and any URL with user information (`http://127.0.0.1:80@example.invalid`
/// goes to `example.invalid`). The URL is parsed as reqwest parses it.
pub fn check_endpoint(endpoint: &str) -> Result<(), String> {
    let url = url::Url::parse(endpoint).map_err(|e| format!("--arm-endpoint `{endpoint}` is not a URL: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("--arm-endpoint must not carry user information (`user@` or `user:password@` before the host): \
             the token would go to the host after `@`"
            .to_string());
    }
    let shown = url.as_str();
    match (url.scheme(), url.host()) {
        ("https", Some(_)) => Ok(()),
        ("https", None) => Err(format!("--arm-endpoint `{shown}` names no host")),
        ("http", Some(url::Host::Ipv4(ip))) if ip == std::net::Ipv4Addr::LOCALHOST => Ok(()),
        ("http", Some(url::Host::Ipv6(ip))) if ip == std::net::Ipv6Addr::LOCALHOST => Ok(()),
        ("http", Some(url::Host::Domain(d))) if d.eq_ignore_ascii_case("localhost") => Ok(()),
        _ => Err(format!(
            "--arm-endpoint `{shown}` is not an https:// URL: the access token is only sent over TLS \
             (plain http:// only to 127.0.0.1, localhost or [::1])"
        )),
    }
}

/// The path and query of an absolute URL (`https://host/path?q` → `/path?q`).
fn path_of(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let slash = rest.find('/')?;
    (slash > 0).then(|| &rest[slash..])
}

/// How long a 429 asks to wait: `Retry-After` in seconds (the form Resource Manager
/// sends), or Resource Graph's `x-ms-user-quota-resets-after: hh:mm:ss`; capped.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let secs = match header("retry-after") {
        Some(v) => v.parse::<f64>().ok()?,
        None => {
            let v = header("x-ms-user-quota-resets-after")?;
            let parts: Vec<f64> = v.split(':').map(|p| p.parse::<f64>().ok()).collect::<Option<_>>()?;
            parts.iter().fold(0.0, |acc, p| acc * 60.0 + p)
        }
    };
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs).min(MAX_RETRY_AFTER))
}

/// An HTTP error from a status and Resource Manager's `{"error": {code, message}}` body.
fn http_error(status: u16, body: &[u8]) -> ReadError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let err = parsed.as_ref().and_then(|v| v.get("error"));
    let code = err.and_then(|e| e.get("code")).and_then(Value::as_str).map(str::to_string);
    let message = err.and_then(|e| e.get("message")).and_then(Value::as_str).unwrap_or_default();
    // One line, bounded: the message is shown in every report format.
    let mut message: String = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if message.len() > 300 {
        let cut = (0..=300).rev().find(|&i| message.is_char_boundary(i)).unwrap_or(0);
        message.truncate(cut);
        message.push('…');
    }
    ReadError::Http { status, code, message }
}

fn describe_transport(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else if e.is_body() || e.is_decode() {
        "the connection broke while reading the body".into()
    } else {
        "request failed".into()
    }
}

/// A number in `[0, 1)` from a thread-local xorshift seeded by the clock: jitter needs
/// no cryptographic randomness.
fn jitter() -> f64 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new(
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0x9E37_79B9, |d| d.as_nanos() as u64)
                | 1,
        );
    }
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links_keep_only_path_and_query() {
        assert_eq!(
            path_of("https://management.azure.com/subscriptions/s/providers/x?api-version=1&$skipToken=a"),
            Some("/subscriptions/s/providers/x?api-version=1&$skipToken=a")
        );
        assert_eq!(path_of("http://127.0.0.1:8080/a"), Some("/a"));
        assert_eq!(path_of("..."), None);
        assert_eq!(path_of("/relative"), None);
        assert_eq!(path_of("https://host-only"), None);
    }

    #[test]
    fn the_token_goes_only_over_tls_or_to_this_machine() {
        for ok in [
            "https://management.azure.com",
            "https://management.usgovcloudapi.net/",
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
            "HTTP://LOCALHOST:8080/",
        ] {
            assert_eq!(check_endpoint(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://management.azure.com",
            "http://127.0.0.1.evil.example",
            "ftp://x",
            "management.azure.com",
            "https://",
            "http://localhost.example:80",
            "http://127.0.0.1:80@example.invalid",
            "http://user:pw@127.0.0.1:8080",
            "https://token@management.azure.com",
            "http://127.0.0.2",
            "http://0.0.0.0:80",
            "http://[::ffff:127.0.0.1]",
        ] {
            assert!(check_endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn arm_errors_are_one_bounded_line() {
        let body = br#"{"error":{"code":"AuthorizationFailed","message":"The client 'x'\nhas no access."}}"#;
        let e = http_error(403, body);
        assert_eq!(e.to_string(), "HTTP 403 AuthorizationFailed: The client 'x' has no access.");
        assert_eq!(e.code(), Some("AuthorizationFailed"));
        let long = format!(r#"{{"error":{{"code":"X","message":"{}"}}}}"#, "é".repeat(400));
        assert!(http_error(500, long.as_bytes()).to_string().chars().count() < 330);
        assert_eq!(http_error(502, b"<html>").to_string(), "HTTP 502");
    }

    #[test]
    fn retry_after_from_arm_and_resource_graph() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("x-ms-user-quota-resets-after", "00:01:05".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(65)));
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert("retry-after", "86400".parse().unwrap());
        assert_eq!(retry_after(&h), Some(MAX_RETRY_AFTER));
        h.insert("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn few_remaining_reads_pause_the_subscription_until_the_bucket_refills() {
        let c = Client::new(ClientOptions::default(), Arc::new(|| Box::pin(async { Ok(String::new()) }))).unwrap();
        let header = |n: &str| {
            let mut h = reqwest::header::HeaderMap::new();
            h.insert("x-ms-ratelimit-remaining-subscription-reads", n.parse().unwrap());
            h
        };
        let until = |c: &Client| c.quotas.lock().unwrap().get("s").and_then(|q| q.not_before);
        c.note_remaining("S", &header("11999"));
        assert_eq!(until(&c), None);
        let before = Instant::now();
        c.note_remaining("S", &header("5"));
        let t = until(&c).expect("paused");
        // 20 reads short of the threshold at 25 a second: 0.8 s.
        assert!(t >= before + Duration::from_millis(800) && t <= Instant::now() + Duration::from_millis(800));
        c.note_remaining("S", &header("11999"));
        assert_eq!(until(&c), Some(t), "plenty left does not extend or cancel the pause");
        assert!(c.quotas.lock().unwrap().get("other").is_none());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let c = Client::new(ClientOptions::default(), Arc::new(|| Box::pin(async { Ok(String::new()) }))).unwrap();
        for attempt in 1..40 {
            let d = c.backoff(attempt);
            let cap = Duration::from_millis(500).saturating_mul(1 << (attempt - 1).min(16)).min(MAX_BACKOFF);
            assert!(d <= cap, "attempt {attempt}: {d:?} > {cap:?}");
        }
        assert!((0..50).map(|_| jitter()).all(|j| (0.0..1.0).contains(&j)));
    }
}
