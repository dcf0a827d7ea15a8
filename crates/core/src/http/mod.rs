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
pub use rate_limit::{CodeTurn, Pacer, RateLimiter};
/// The HTTP client type, for callers that do not name reqwest themselves.
pub use reqwest::Client;

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

/// [`build_client`] trusting only the certificate authority `ca_pem` (an emulator
/// served with `--tls`).
pub fn build_client_trusting(timeout: Duration, ca_pem: &str) -> Result<reqwest::Client, String> {
    build_client(timeout)?;
    let ca = reqwest::Certificate::from_pem(ca_pem.as_bytes())
        .map_err(|e| format!("not a certificate authority: {e}"))?;
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("grantcheck/", env!("CARGO_PKG_VERSION")))
        .tls_certs_only([ca])
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

    /// A token request redeeming an authorization code: the code ages while it waits,
    /// and sending it twice may revoke what it issued (RFC 6749 §4.1.2).
    pub fn redeems_code(&self) -> bool {
        self.body.as_ref().is_some_and(|b| {
            b.content_type
                .starts_with("application/x-www-form-urlencoded")
                && url::form_urlencoded::parse(&b.bytes)
                    .any(|(k, v)| k == "grant_type" && v == "authorization_code")
        })
    }

    /// Whether the request may be sent again after a refusal for load: only the
    /// idempotent methods (RFC 9110 §9.2.2); never a POST, so never a code redemption.
    pub fn repeatable(&self) -> bool {
        use reqwest::Method;
        [
            Method::GET,
            Method::HEAD,
            Method::OPTIONS,
            Method::PUT,
            Method::DELETE,
        ]
        .contains(&self.method)
    }
}

/// How often a refusal for load (429, or 503 with `Retry-After`) is waited out
/// before the answer stands, and the longest wait grantcheck accepts for it.
pub const LOAD_RETRIES: u32 = 2;
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(60);

/// The wait a `Retry-After` header asks for (RFC 9110 §10.2.3): delay-seconds or an
/// HTTP-date. `None` when absent or unreadable.
pub fn retry_after(resp: &Response) -> Option<Duration> {
    let v = resp.header("retry-after")?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc2822).ok()?;
    let wait = at - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// An answer that says the server is refusing for load, not judging the request.
pub fn is_load_refusal(resp: &Response) -> bool {
    resp.status == 429 || (resp.status == 503 && resp.header("retry-after").is_some())
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
    pacer: Option<Arc<Pacer>>,
    /// This scenario's sequence number at its target's pacer: the requests of the
    /// scenario that started first go first.
    scenario: u64,
    /// The scenario's turn at the code gate, while a code it asked for awaits
    /// redemption ([`Session::start_code_flow`]).
    code_turn: Option<CodeTurn>,
    /// The turn is kept until the scenario ends ([`Session::keep_code_turn`]).
    keep_code_turn: bool,
    /// A pacer slot taken ahead for the next request to this URL ([`Session::reserve`]).
    reserved: Option<Url>,
    pub evidence: Vec<Exchange>,
}

impl Session {
    pub fn new(
        client: reqwest::Client,
        redactor: Redactor,
        counters: Arc<Counters>,
        pacer: Option<Arc<Pacer>>,
    ) -> Self {
        Self::with_limits(client, redactor, counters, pacer, Limits::default())
    }

    pub fn with_limits(
        client: reqwest::Client,
        redactor: Redactor,
        counters: Arc<Counters>,
        pacer: Option<Arc<Pacer>>,
        limits: Limits,
    ) -> Self {
        Self {
            limits,
            client,
            jar: Arc::new(reqwest::cookie::Jar::default()),
            redactor,
            counters,
            scenario: pacer.as_ref().map_or(0, |p| p.next_scenario()),
            pacer,
            code_turn: None,
            keep_code_turn: false,
            reserved: None,
            evidence: Vec::new(),
        }
    }

    /// Before an authorization request that may bring back a code: on a paced target,
    /// waits for the flow's turn at the code gate, held until the code is redeemed, so
    /// that a code never ages past its lifetime waiting for a slot. A scenario already
    /// holding a turn keeps it.
    pub async fn start_code_flow(&mut self) {
        if self.code_turn.is_none()
            && let Some(pacer) = &self.pacer
        {
            self.code_turn = Some(pacer.code_turn().await);
        }
    }

    /// The authorization leg ended without a code: the turn goes to the next flow.
    pub fn no_code_came(&mut self) {
        if !self.keep_code_turn {
            self.code_turn = None;
        }
    }

    /// Keeps the code turn until the scenario ends. For a scenario holding one of the
    /// few browser sessions: were it to wait at the gate for a second sign-in while
    /// holders of turns wait for a browser, neither would go on.
    pub fn keep_code_turn(&mut self) {
        self.keep_code_turn = true;
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Sends a request with this scenario's cookies, records the exchange (redacted)
    /// and returns the response. A refusal for load with `Retry-After` is waited out
    /// and the request sent again, at most [`LOAD_RETRIES`] times, when the request is
    /// [`Request::repeatable`]; every attempt is in the evidence.
    pub async fn send(&mut self, req: Request) -> Result<Response, HttpError> {
        let mut retries = 0;
        loop {
            let resp = self.send_once(req.clone()).await?;
            let wait = retry_after(&resp).filter(|w| *w <= MAX_RETRY_WAIT);
            match wait {
                Some(wait)
                    if is_load_refusal(&resp) && req.repeatable() && retries < LOAD_RETRIES =>
                {
                    retries += 1;
                    tokio::time::sleep(wait).await;
                }
                _ => return Ok(resp),
            }
        }
    }

    /// Waits now for the pacer's slot for `req`, so that what goes into the request
    /// last is made after the wait: a client assertion lives 60 s, and signed before a
    /// long wait at a paced token endpoint it would arrive expired. The next request
    /// sent to the same URL takes the slot instead of waiting again.
    pub async fn reserve(&mut self, req: &Request) {
        if self.pacer.is_some() {
            self.wait_for_slot(req).await;
            self.reserved = Some(req.url.clone());
        }
    }

    async fn wait_for_slot(&mut self, req: &Request) {
        if let Some(pacer) = &self.pacer {
            pacer.acquire(req, self.scenario).await;
            // The slot is granted: the code no longer waits, the next flow may start.
            if req.redeems_code() && !self.keep_code_turn {
                self.code_turn = None;
            }
        }
    }

    async fn send_once(&mut self, req: Request) -> Result<Response, HttpError> {
        if self.reserved.take().as_ref() != Some(&req.url) {
            self.wait_for_slot(&req).await;
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

    /// Uses a user's jar kept for the run (see `login::reuse`).
    pub fn use_jar(&mut self, jar: Arc<reqwest::cookie::Jar>) {
        self.jar = jar;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A loopback server whose first answer is a 429 with `Retry-After: 1` and every
    /// later one a 200; counts what it received.
    async fn busy_once() -> (Url, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/token", listener.local_addr().unwrap())).unwrap();
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut buf = vec![0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let answer: &[u8] = if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                    b"HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                } else {
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}"
                };
                let _ = stream.write_all(answer).await;
            }
        });
        (url, seen)
    }

    fn session() -> Session {
        Session::new(
            build_client(Duration::from_secs(10)).unwrap(),
            Redactor::new(Vec::<String>::new()),
            Arc::new(Counters::default()),
            None,
        )
    }

    #[tokio::test]
    async fn a_429_with_retry_after_is_waited_out_for_a_repeatable_request() {
        let (url, seen) = busy_once().await;
        let mut s = session();
        let started = Instant::now();
        let r = s.send(Request::get(url)).await.unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(seen.load(Ordering::SeqCst), 2);
        assert!(started.elapsed() >= Duration::from_secs(1));
        assert_eq!(s.evidence.len(), 2, "both attempts are evidence");
    }

    #[tokio::test]
    async fn a_reserved_slot_is_taken_by_the_next_request_instead_of_a_second_wait() {
        let (url, seen) = busy_once().await;
        let pacer = Pacer::new(Some(30), None, Duration::from_secs(60)).map(Arc::new);
        let mut s = Session::new(
            build_client(Duration::from_secs(10)).unwrap(),
            Redactor::new(Vec::<String>::new()),
            Arc::new(Counters::default()),
            pacer,
        );
        // 30 a minute: a slot every 2 s, the first at once.
        let req = Request::get(url.clone());
        let started = Instant::now();
        s.reserve(&req).await;
        assert!(started.elapsed() < Duration::from_millis(500));
        assert_eq!(seen.load(Ordering::SeqCst), 0, "reserving sends nothing");
        // The 429's retry waits its second and for the next slot; the reserved one
        // was its first attempt's.
        let r = s.send(req.clone()).await.unwrap();
        assert_eq!(r.status, 200);
        let first = started.elapsed();
        assert!(
            first >= Duration::from_secs(2) && first < Duration::from_millis(3500),
            "one slot reserved, one waited for: {first:?}"
        );
        s.send(req).await.unwrap();
        assert!(
            started.elapsed() >= first + Duration::from_millis(1500),
            "no slot left reserved: {:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn a_code_redemption_is_never_sent_twice() {
        let (url, seen) = busy_once().await;
        let mut s = session();
        let params = [
            ("grant_type".to_string(), "authorization_code".to_string()),
            ("code".to_string(), "c".to_string()),
        ];
        let req = Request::post_form(url, &params);
        assert!(req.redeems_code() && !req.repeatable());
        let r = s.send(req).await.unwrap();
        assert_eq!(r.status, 429);
        assert!(is_load_refusal(&r));
        assert_eq!(seen.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let resp = |v: &str| Response {
            url: String::new(),
            status: 429,
            headers: vec![("retry-after".into(), v.into())],
            body: vec![],
            truncated: None,
        };
        assert_eq!(retry_after(&resp("7")), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after(&resp("Sun, 06 Nov 1994 08:49:37 GMT")),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        let soon = time::OffsetDateTime::now_utc() + time::Duration::seconds(30);
        let soon = soon
            .format(&time::format_description::well_known::Rfc2822)
            .unwrap();
        let wait = retry_after(&resp(&soon)).unwrap();
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert_eq!(retry_after(&resp("soon")), None);
        let mut no_header = resp("1");
        no_header.headers.clear();
        no_header.status = 503;
        assert!(
            !is_load_refusal(&no_header),
            "a 503 without Retry-After is an answer"
        );
    }
}
