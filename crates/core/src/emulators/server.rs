//! Serves an [`Emulator`] over HTTP on 127.0.0.1 with wiremock.
//!
//! One server per emulated profile serves a whole run: starting a `MockServer` per
//! scenario deadlocks under cucumber's concurrency. A single catch-all mock hands every
//! request to the emulator, so all routing and state live in the emulator itself.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wiremock::http::{HeaderName, HeaderValue};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::{EmuRequest, EmuResponse, Emulator};

type Shared = Arc<Mutex<Box<dyn Emulator>>>;

/// Sees every request an emulator answered, and the answer (`grantcheck emulate`'s
/// request log). Called on the server's thread: it must be quick.
pub type Observer = Arc<dyn Fn(&EmuRequest, &EmuResponse) + Send + Sync>;

/// Changes an emulator's answer before it is sent (`grantcheck emulate --app-test`:
/// a server misbehaving in one way a correct app must refuse).
pub type Rewriter = Arc<dyn Fn(&EmuRequest, EmuResponse) -> EmuResponse + Send + Sync>;

/// How `grantcheck emulate` serves an emulator for an app: on a given listener, under
/// the origin the app sees (a TLS front's `https://…`), with the answers possibly
/// rewritten and every exchange observed (as sent).
#[derive(Default)]
pub struct ServeOptions {
    pub origin: Option<String>,
    pub rewrite: Option<Rewriter>,
    pub observer: Option<Observer>,
}

/// A running emulator: its base URL and a handle for the fault-switch tests.
pub struct EmulatorServer {
    server: MockServer,
    control: EmulatorControl,
    /// The origin the app sees, when it is not the server's own (a TLS front).
    origin: Option<String>,
}

/// A cheap, clonable handle on a served emulator.
#[derive(Clone)]
pub struct EmulatorControl {
    emulator: Shared,
}

impl EmulatorControl {
    /// See [`Emulator::age_artifact`]. False when the artifact is unknown or the emulator
    /// is unusable.
    pub fn age_artifact(&self, artifact: &str, secs: u64) -> bool {
        match self.emulator.lock() {
            Ok(mut emulator) => emulator.age_artifact(artifact, secs),
            Err(_) => false,
        }
    }

    /// The key that signs the served emulator's ID tokens (see
    /// [`Emulator::id_token_key`]).
    pub fn id_token_key(&self) -> Option<crate::oauth::jws::SigningKey> {
        self.emulator.lock().ok().and_then(|e| e.id_token_key())
    }

    /// The vendor name of the served emulator.
    pub fn vendor(&self) -> Option<&'static str> {
        self.emulator.lock().ok().map(|e| e.vendor())
    }
}

impl EmulatorServer {
    /// Serves `emulator` on a random port of 127.0.0.1.
    pub async fn start(emulator: Box<dyn Emulator>) -> EmulatorServer {
        Self::start_with_latency(emulator, Duration::ZERO).await
    }

    /// Like [`EmulatorServer::start`], every response held back `latency` (a server
    /// far away, `emulator.latency_ms`). The wait is wiremock's async delay: it holds
    /// neither the emulator nor a thread, so concurrent requests wait side by side.
    pub async fn start_with_latency(
        emulator: Box<dyn Emulator>,
        latency: Duration,
    ) -> EmulatorServer {
        let server = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        Self::serve(server, emulator, latency, ServeOptions::default()).await
    }

    /// Serves `emulator` on an already bound listener (a fixed port).
    pub async fn start_on(
        emulator: Box<dyn Emulator>,
        listener: std::net::TcpListener,
    ) -> EmulatorServer {
        Self::start_for_app(emulator, listener, ServeOptions::default()).await
    }

    /// Serves `emulator` on `listener` for an app (see [`ServeOptions`]).
    pub async fn start_for_app(
        emulator: Box<dyn Emulator>,
        listener: std::net::TcpListener,
        options: ServeOptions,
    ) -> EmulatorServer {
        let server = MockServer::builder()
            .listener(listener)
            .disable_request_recording()
            .start()
            .await;
        Self::serve(server, emulator, Duration::ZERO, options).await
    }

    async fn serve(
        server: MockServer,
        emulator: Box<dyn Emulator>,
        latency: Duration,
        options: ServeOptions,
    ) -> EmulatorServer {
        let control = EmulatorControl {
            emulator: Arc::new(Mutex::new(emulator)),
        };
        let responder = EmulatorResponder {
            origin: options.origin.clone().unwrap_or_else(|| server.uri()),
            emulator: control.emulator.clone(),
            latency,
            rewrite: options.rewrite,
            observer: options.observer,
        };
        Mock::given(any())
            .respond_with(responder)
            .mount(&server)
            .await;
        EmulatorServer {
            server,
            control,
            origin: options.origin,
        }
    }

    /// The base URL apps use, e.g. `http://127.0.0.1:41234` (a TLS front's `https://…`
    /// when served behind one).
    pub fn uri(&self) -> String {
        self.origin.clone().unwrap_or_else(|| self.server.uri())
    }

    pub fn control(&self) -> EmulatorControl {
        self.control.clone()
    }
}

struct EmulatorResponder {
    origin: String,
    emulator: Shared,
    latency: Duration,
    rewrite: Option<Rewriter>,
    observer: Option<Observer>,
}

impl Respond for EmulatorResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let request = to_emu_request(request);
        let Ok(mut emulator) = self.emulator.lock() else {
            return plain_error("emulator state is unusable after an earlier internal error");
        };
        // A panic must not take the server down or poison the lock for later requests.
        let response = catch_unwind(AssertUnwindSafe(|| emulator.handle(&self.origin, &request)));
        drop(emulator);
        let template = match response {
            Ok(response) => {
                let response = match &self.rewrite {
                    Some(rewrite) => rewrite(&request, response),
                    None => response,
                };
                if let Some(observe) = &self.observer {
                    observe(&request, &response);
                }
                to_template(response)
            }
            Err(_) => plain_error("emulator failed while handling this request"),
        };
        if self.latency.is_zero() {
            template
        } else {
            template.set_delay(self.latency)
        }
    }
}

fn to_emu_request(request: &Request) -> EmuRequest {
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut cookies: Vec<String> = Vec::new();
    for (name, value) in request.headers.iter() {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        // HTTP/2 may split Cookie into several fields; the emulator reads one.
        if name.as_str() == "cookie" {
            cookies.push(value);
        } else {
            headers.push((name.as_str().to_ascii_lowercase(), value));
        }
    }
    if !cookies.is_empty() {
        headers.push(("cookie".to_string(), cookies.join("; ")));
    }
    EmuRequest {
        method: request.method.as_str().to_string(),
        path: request.url.path().to_string(),
        raw_query: request.url.query().map(str::to_string),
        headers,
        body: request.body.clone(),
    }
}

fn to_template(response: EmuResponse) -> ResponseTemplate {
    if !(100..=999).contains(&response.status) {
        return plain_error(&format!(
            "emulator produced invalid status {}",
            response.status
        ));
    }
    let mut template = ResponseTemplate::new(response.status);
    for (name, value) in &response.headers {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) else {
            return plain_error(&format!("emulator produced an invalid header `{name}`"));
        };
        template = template.append_header(name, value);
    }
    // set_body_bytes leaves content-type to the emulator's own headers.
    template.set_body_bytes(response.body)
}

fn plain_error(message: &str) -> ResponseTemplate {
    ResponseTemplate::new(500)
        .append_header(
            HeaderName::from_static("content-type"),
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )
        .set_body_bytes(message.as_bytes().to_vec())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Answers every request with what it saw, and can be made to panic.
    struct Echo;

    impl Emulator for Echo {
        fn vendor(&self) -> &'static str {
            "echo"
        }

        fn handle(&mut self, origin: &str, req: &EmuRequest) -> EmuResponse {
            match req.path.as_str() {
                "/panic" => panic!("boom"),
                "/bad-status" => return EmuResponse::new(42),
                "/bad-header" => return EmuResponse::new(200).with_header("x-bad", "a\nb"),
                _ => {}
            }
            let text = format!(
                "{origin} {} {} {:?} {:?} {}",
                req.method,
                req.path,
                req.raw_query,
                req.header("cookie"),
                String::from_utf8_lossy(&req.body)
            );
            EmuResponse::new(201)
                .with_header("content-type", "text/x-echo")
                .with_header("set-cookie", "a=1")
                .with_header("set-cookie", "b=2")
                .with_body(text.into_bytes())
        }

        fn age_artifact(&mut self, artifact: &str, _secs: u64) -> bool {
            artifact == "known"
        }
    }

    /// One request written as raw bytes to a served emulator, and the raw answer: what
    /// crosses the socket, below any HTTP client's normalising.
    pub(crate) async fn raw_http(uri: &str, request: &str) -> String {
        let addr = uri.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut out = Vec::new();
        stream.read_to_end(&mut out).await.expect("read");
        String::from_utf8_lossy(&out).into_owned()
    }

    #[tokio::test]
    async fn passes_requests_through_and_survives_panics() {
        let server = EmulatorServer::start(Box::new(Echo)).await;
        let uri = server.uri();
        let response = raw_http(
            &uri,
            "POST /x/%7B?a=%257B&b=c HTTP/1.1\r\nHost: h\r\nCookie: sid=1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nk=v",
        )
        .await;
        assert!(response.starts_with("HTTP/1.1 201"), "{response}");
        assert!(response.contains("content-type: text/x-echo"), "{response}");
        assert!(response.contains("set-cookie: a=1") && response.contains("set-cookie: b=2"));
        assert!(
            response.contains(&format!(
                "{uri} POST /x/%7B Some(\"a=%257B&b=c\") Some(\"sid=1\") k=v"
            )),
            "{response}"
        );

        let response = raw_http(
            &uri,
            "GET /panic HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(response.starts_with("HTTP/1.1 500"), "{response}");
        assert!(response.contains("text/plain"));
        let response = raw_http(
            &uri,
            "GET /ok HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(response.starts_with("HTTP/1.1 201"), "{response}");

        let control = server.control();
        assert!(control.age_artifact("known", 10));
        assert!(!control.clone().age_artifact("unknown", 10));
        assert_eq!(control.vendor(), Some("echo"));
    }

    /// The latency holds each response back without holding the others: four requests
    /// at once take about one latency, not four.
    #[tokio::test]
    async fn latency_delays_every_response_side_by_side() {
        let latency = Duration::from_millis(400);
        let server = EmulatorServer::start_with_latency(Box::new(Echo), latency).await;
        let uri = server.uri();
        let request = "GET /ok HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
        let started = std::time::Instant::now();
        let mut all = tokio::task::JoinSet::new();
        for _ in 0..4 {
            let uri = uri.clone();
            all.spawn(async move { raw_http(&uri, request).await });
        }
        while let Some(answer) = all.join_next().await {
            assert!(answer.expect("request").starts_with("HTTP/1.1 201"));
        }
        let took = started.elapsed();
        assert!(took >= latency, "{took:?}");
        assert!(took < latency * 3, "the delays overlap: {took:?}");
    }

    #[tokio::test]
    async fn serves_on_a_given_listener() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = EmulatorServer::start_on(Box::new(Echo), listener).await;
        assert_eq!(server.uri(), format!("http://127.0.0.1:{port}"));
    }
}
