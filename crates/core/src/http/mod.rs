//! The HTTP layer every step goes through: one shared client per run, a cookie jar and
//! an evidence log per scenario, redaction at capture time, an optional rate limit.

mod evidence;
mod rate_limit;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use reqwest::cookie::CookieStore;
use url::Url;

pub use evidence::Exchange;
pub use rate_limit::RateLimiter;

use crate::redact::Redactor;

/// Builds the run's one client. Building one costs milliseconds of TLS set-up, so a run
/// builds it once and scenarios share it; per-scenario state (cookies) lives in
/// [`Session`]. Redirects are never followed: the flow needs to see them.
pub fn build_client(timeout: Duration) -> Result<reqwest::Client, String> {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        // ring: pure build (no C toolchain needed for aws-lc).
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("grantcheck/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(64)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// A request as steps build it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: reqwest::Method,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
}

#[derive(Debug, Clone)]
pub struct Body {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Request {
    pub fn get(url: Url) -> Self {
        Self {
            method: reqwest::Method::GET,
            url,
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn post_form(url: Url, params: &[(String, String)]) -> Self {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        Self {
            method: reqwest::Method::POST,
            url,
            headers: Vec::new(),
            body: Some(Body {
                content_type: "application/x-www-form-urlencoded".into(),
                bytes: body.into_bytes(),
            }),
        }
    }

    pub fn method(mut self, method: reqwest::Method) -> Self {
        self.method = method;
        self
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// A fully read response.
#[derive(Debug, Clone)]
pub struct Response {
    pub url: String,
    pub status: u16,
    /// Lower-cased names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Bytes the server sent beyond the body limit, counted and dropped (`None`: the
    /// whole body was kept).
    pub truncated: Option<u64>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }
}

/// Why a request produced no response.
#[derive(Debug, Clone)]
pub struct HttpError {
    pub url: String,
    pub message: String,
    /// No connection could be made (refused, DNS, TLS, connect timeout): the target
    /// is down for this run, not misbehaving.
    pub unreachable: bool,
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.message.starts_with("HTTP ") {
            write!(f, "{}: {}", self.url, self.message)
        } else {
            write!(f, "no response from {}: {}", self.url, self.message)
        }
    }
}

/// Run-wide counters shown in the summary.
#[derive(Debug, Default)]
pub struct Counters {
    pub requests: AtomicU64,
}

/// What one exchange may cost: how long it may take, how much of its body is kept.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub timeout: Duration,
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            max_body: 1024 * 1024,
        }
    }
}

/// How far past the limit a body is still counted before the connection is dropped.
const COUNT_FACTOR: u64 = 64;

/// One scenario's view of the network.
#[derive(Debug)]
pub struct Session {
    limits: Limits,
    client: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
    redactor: Redactor,
    counters: Arc<Counters>,
    limiter: Option<Arc<RateLimiter>>,
    pub evidence: Vec<Exchange>,
}

impl Session {
    pub fn new(
        client: reqwest::Client,
        redactor: Redactor,
        counters: Arc<Counters>,
        limiter: Option<Arc<RateLimiter>>,
    ) -> Self {
        Self::with_limits(client, redactor, counters, limiter, Limits::default())
    }

    pub fn with_limits(
        client: reqwest::Client,
        redactor: Redactor,
        counters: Arc<Counters>,
        limiter: Option<Arc<RateLimiter>>,
        limits: Limits,
    ) -> Self {
        Self {
            limits,
            client,
            jar: Arc::new(reqwest::cookie::Jar::default()),
            redactor,
            counters,
            limiter,
            evidence: Vec::new(),
        }
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Sends a request with this scenario's cookies, records the exchange (redacted)
    /// and returns the response.
    pub async fn send(&mut self, req: Request) -> Result<Response, HttpError> {
        if let Some(limiter) = &self.limiter {
            limiter.acquire().await;
        }
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let mut builder = self
            .client
            .request(req.method.clone(), req.url.clone())
            .timeout(self.limits.timeout);
        let max_body = self.limits.max_body;
        let mut sent_headers = req.headers.clone();
        if let Some(cookies) = self.jar.cookies(&req.url)
            && let Ok(value) = cookies.to_str()
        {
            sent_headers.push(("cookie".into(), value.to_string()));
            builder = builder.header(reqwest::header::COOKIE, cookies.clone());
        }
        for (name, value) in &req.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(body) = &req.body {
            sent_headers.push(("content-type".into(), body.content_type.clone()));
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, body.content_type.as_str())
                .body(body.bytes.clone());
        }
        let mut arrived: Option<u16> = None;
        let result = async {
            let resp = builder.send().await?;
            let status = resp.status().as_u16();
            arrived = Some(status);
            let headers: Vec<(String, String)> = resp
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_ascii_lowercase(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let mut set_cookies = resp
                .headers()
                .get_all(reqwest::header::SET_COOKIE)
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .into_iter();
            let (body, truncated) = read_limited(resp, max_body).await?;
            Ok::<_, reqwest::Error>((
                status,
                headers,
                body,
                set_cookies.by_ref().collect::<Vec<_>>(),
                truncated,
            ))
        }
        .await;
        let elapsed = started.elapsed();
        match result {
            Ok((status, headers, body, set_cookies, truncated)) => {
                self.jar.set_cookies(&mut set_cookies.iter(), &req.url);
                let response = Response {
                    url: req.url.to_string(),
                    status,
                    headers,
                    body,
                    truncated,
                };
                self.evidence.push(Exchange::capture(
                    &self.redactor,
                    &req,
                    &sent_headers,
                    Ok(&response),
                    elapsed,
                ));
                Ok(response)
            }
            Err(e) => {
                let message = match arrived {
                    // The status line came; the body did not, or not all of it.
                    Some(status) => format!(
                        "HTTP {status} arrived, but reading the body failed: {}",
                        describe(&e)
                    ),
                    None => describe(&e),
                };
                let err = HttpError {
                    url: self.redactor.url(req.url.as_str()),
                    message,
                    unreachable: e.is_connect(),
                };
                self.evidence.push(Exchange::capture(
                    &self.redactor,
                    &req,
                    &sent_headers,
                    Err(&err.message),
                    elapsed,
                ));
                Err(err)
            }
        }
    }

    /// Forgets this scenario's cookies (a fresh browser).
    pub fn clear_cookies(&mut self) {
        self.jar = Arc::new(reqwest::cookie::Jar::default());
    }
}

/// Reads a body keeping at most `max` bytes and counting the rest, up to a bound past
/// which the connection is dropped: a hostile body costs bounded memory and, with the
/// request timeout, bounded time. Returns the kept bytes and how many were dropped.
pub async fn read_limited(
    mut resp: reqwest::Response,
    max: usize,
) -> Result<(Vec<u8>, Option<u64>), reqwest::Error> {
    let mut body = Vec::new();
    let mut dropped: u64 = 0;
    while let Some(chunk) = resp.chunk().await? {
        let room = max.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..room.min(chunk.len())]);
        dropped += chunk.len().saturating_sub(room) as u64;
        if dropped > COUNT_FACTOR * max as u64 {
            break;
        }
    }
    Ok((body, (dropped > 0).then_some(dropped)))
}

/// An error with its whole chain of causes (certificate, timeout, refused, ...).
pub fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    if e.is_timeout() {
        msg.push_str(" (timed out)");
    }
    msg
}
