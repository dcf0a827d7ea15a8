//! The `browser` login driver: Debian's chromium, headless, driven through
//! chromedriver over WebDriver (`fantoccini`), for sign-in pages a script builds.
//!
//! The profile lists the steps as data (`login.browser.steps`, see
//! [`crate::profile::BrowserStep`]); before each step and while a step waits, the
//! driver looks whether the browser is back at the app's redirect URI (the sign-in is
//! over) or the server answered the page with an HTTP error (the server stopped it).
//!
//! **The redirect is captured by polling the browser's current URL**, which WebDriver
//! reports as the URL the browser navigated to even when that navigation failed, with
//! its query and fragment. So that the browser never reaches the real app, chromium
//! resolves the redirect URI's host to a loopback catcher the driver runs
//! (`--host-resolver-rules=MAP <host> 127.0.0.1:<port>`): an `http` redirect loads
//! the catcher's tiny page, an `https` one fails its TLS handshake there; either way the
//! URL is read and nothing leaves the machine. A redirect URI on an IP address or
//! `localhost` cannot be mapped; the URL is still read, but the browser does load it.
//!
//! **Cost.** One chromedriver per run ([`BrowserPool`]), started on first use on a
//! free loopback port and stopped by [`BrowserPool::shutdown`] (or when the pool is
//! dropped). One fresh chromium session per scenario ([`BrowserSession`]), kept for
//! the scenario's life so that a second sign-in reuses its cookies, and at most
//! [`MAX_SESSIONS`] at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::sync::{Mutex, OnceCell, OwnedSemaphorePermit, Semaphore};
use url::Url;

use super::form::{LoginError, LoginOptions, LoginOutcome, LoginTrace};
use crate::http::{Exchange, Response, Session};
use crate::oauth::authorize::{RedirectParams, is_redirect_to};
use crate::profile::{BrowserStep, ConsentStep, Selector};

/// Browser sessions open at once. Each headless chromium is several processes and
/// 150-300 MB, and takes most of a core while it renders; grantcheck's reference
/// machine has 2 cores. Three keeps one session rendering while others wait on the
/// network or on the emulator, without the machine swapping or the sessions starving
/// each other's timeouts; more bought no speed there.
pub const MAX_SESSIONS: usize = 3;

/// Overrides for where chromium and chromedriver are.
pub const CHROMIUM_VAR: &str = "GRANTCHECK_CHROMIUM";
pub const CHROMEDRIVER_VAR: &str = "GRANTCHECK_CHROMEDRIVER";

const CHROMIUM_PATHS: &[&str] = &[
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
];
const CHROMEDRIVER_PATHS: &[&str] = &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"];

/// How often a waiting step looks again.
const POLL: Duration = Duration::from_millis(100);

/// chromium and chromedriver: the override variables' paths, else Debian's. The
/// error says what to install and which variables to set.
pub fn find_binaries() -> Result<(String, String), String> {
    let pick = |var: &str, paths: &[&str]| -> Result<String, String> {
        match std::env::var(var) {
            Ok(p) if !p.is_empty() => {
                if std::path::Path::new(&p).is_file() {
                    Ok(p)
                } else {
                    Err(format!("{var} names {p}, which is not a file"))
                }
            }
            _ => paths
                .iter()
                .find(|p| std::path::Path::new(p).is_file())
                .map(|p| p.to_string())
                .ok_or_else(|| format!("no {} found", paths[0])),
        }
    };
    let chromium = pick(CHROMIUM_VAR, CHROMIUM_PATHS);
    let driver = pick(CHROMEDRIVER_VAR, CHROMEDRIVER_PATHS);
    match (chromium, driver) {
        (Ok(c), Ok(d)) => Ok((c, d)),
        (c, d) => {
            let missing: Vec<String> = [c.err(), d.err()].into_iter().flatten().collect();
            Err(format!(
                "`login.method: browser` needs chromium and chromedriver ({}): install them \
                 with `apt-get install chromium chromium-driver`, or set {CHROMIUM_VAR} and \
                 {CHROMEDRIVER_VAR} to their paths",
                missing.join("; ")
            ))
        }
    }
}

/// The run's chromedriver, the loopback catcher for redirects, and the limit on
/// sessions. Nothing starts until the first [`BrowserPool::open`].
#[derive(Debug)]
pub struct BrowserPool {
    sessions: Arc<Semaphore>,
    started: OnceCell<Result<Started, String>>,
    driver: Mutex<Option<tokio::process::Child>>,
    /// One browser per user and target kept for the whole run: the scenarios that only
    /// need a signed-in user take turns in it, so its session spares them the sign-in.
    shared: std::sync::Mutex<std::collections::HashMap<String, SharedBrowser>>,
}

/// A browser the scenarios of one user share, one sign-in at a time; opened on first
/// use.
pub type SharedBrowser = Arc<Mutex<Option<BrowserSession>>>;

#[derive(Debug, Clone)]
struct Started {
    chromium: String,
    webdriver: String,
    catcher_port: u16,
}

impl Default for BrowserPool {
    fn default() -> Self {
        Self::new()
    }
}

impl BrowserPool {
    pub fn new() -> Self {
        Self {
            sessions: Arc::new(Semaphore::new(MAX_SESSIONS)),
            started: OnceCell::new(),
            driver: Mutex::new(None),
            shared: Default::default(),
        }
    }

    /// The shared browser of `key` (a target and user), empty until first opened with
    /// [`BrowserPool::open_shared`].
    pub fn shared(&self, key: &str) -> SharedBrowser {
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        shared.entry(key.to_string()).or_default().clone()
    }

    /// A chromium session for a shared browser: outside the per-scenario limit, since
    /// it lives for the run (there is one per user, and a profile has few).
    pub async fn open_shared(&self, redirect_uri: &str) -> Result<BrowserSession, LoginError> {
        self.open_with(redirect_uri, None).await
    }

    /// A fresh chromium session for one scenario; waits for a free slot.
    pub async fn open(&self, redirect_uri: &str) -> Result<BrowserSession, LoginError> {
        let permit = self
            .sessions
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| LoginError::Blocked("the run's browser pool is shut down".into()))?;
        self.open_with(redirect_uri, Some(permit)).await
    }

    async fn open_with(
        &self,
        redirect_uri: &str,
        permit: Option<OwnedSemaphorePermit>,
    ) -> Result<BrowserSession, LoginError> {
        let started = self
            .started
            .get_or_init(|| self.start())
            .await
            .clone()
            .map_err(LoginError::Blocked)?;
        let mut args = vec![
            "--headless=new".to_string(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--no-first-run".into(),
            "--no-default-browser-check".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-extensions".into(),
            "--window-size=1280,1000".into(),
        ];
        if running_as_root() {
            // chromium refuses to start its sandbox as root (CI containers).
            args.push("--no-sandbox".into());
        }
        if let Some(host) = mappable_host(redirect_uri) {
            args.push(format!(
                "--host-resolver-rules=MAP {host} 127.0.0.1:{}",
                started.catcher_port
            ));
        }
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"binary": started.chromium, "args": args}),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&started.webdriver)
            .await
            .map_err(|e| {
                LoginError::Blocked(format!("chromium did not start a browser session: {e}"))
            })?;
        Ok(BrowserSession {
            client: Some(client),
            _permit: permit,
        })
    }

    async fn start(&self) -> Result<Started, String> {
        let (chromium, chromedriver) = find_binaries()?;
        let catcher = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot open the redirect catcher: {e}"))?;
        let catcher_port = catcher
            .local_addr()
            .map_err(|e| format!("cannot open the redirect catcher: {e}"))?
            .port();
        tokio::spawn(catch_redirects(catcher));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| format!("no free loopback port for chromedriver: {e}"))?;
        let mut child = tokio::process::Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {chromedriver}: {e}"))?;
        let webdriver = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .map_err(|e| e.to_string())?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = http.get(format!("{webdriver}/status")).send().await
                && r.status().is_success()
            {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("{chromedriver} exited at start ({status})"));
            }
            if Instant::now() > deadline {
                let _ = child.kill().await;
                return Err(format!("{chromedriver} did not answer within 20 s"));
            }
            tokio::time::sleep(POLL).await;
        }
        *self.driver.lock().await = Some(child);
        Ok(Started {
            chromium,
            webdriver,
            catcher_port,
        })
    }

    /// Waits (a few seconds at most) for open sessions to close, then stops
    /// chromedriver.
    pub async fn shutdown(&self) {
        let shared: Vec<SharedBrowser> = {
            let mut map = self.shared.lock().unwrap_or_else(|e| e.into_inner());
            map.drain().map(|(_, b)| b).collect()
        };
        for browser in shared {
            if let Some(b) = browser.lock().await.take() {
                b.close().await;
            }
        }
        let all = self.sessions.acquire_many(MAX_SESSIONS as u32);
        let _ = tokio::time::timeout(Duration::from_secs(10), all).await;
        self.sessions.close();
        if let Some(mut child) = self.driver.lock().await.take() {
            let _ = child.kill().await;
        }
    }
}

/// Answers anything with a tiny page: the browser arrives here instead of at the app.
async fn catch_redirects(listener: tokio::net::TcpListener) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    while let Ok((mut stream, _)) = listener.accept().await {
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            let _ = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buf)).await;
            let body = "<!DOCTYPE html><title>grantcheck</title><p>Back at the app.</p>";
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes()).await;
            let _ = stream.shutdown().await;
        });
    }
}

/// The redirect URI's host when chromium can map it (a name other than localhost).
fn mappable_host(redirect_uri: &str) -> Option<String> {
    let url = Url::parse(redirect_uri).ok()?;
    match url.host()? {
        url::Host::Domain(d) if d != "localhost" && !d.ends_with(".localhost") => {
            Some(d.to_string())
        }
        _ => None,
    }
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(1))
            == Some("0")
    })
}

/// One scenario's browser: its cookies live as long as the scenario. Close it with
/// [`BrowserSession::close`]; dropped unclosed, fantoccini ends the WebDriver session
/// in the background.
#[derive(Debug)]
pub struct BrowserSession {
    client: Option<Client>,
    _permit: Option<OwnedSemaphorePermit>,
}

impl BrowserSession {
    pub async fn close(mut self) {
        if let Some(c) = self.client.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), c.close()).await;
        }
    }

    /// Sends the browser to `url` (RP-initiated logout, which ends the browser's own
    /// session at the server); where it ends up is not judged.
    pub async fn visit(&self, url: &str) {
        if let Some(c) = &self.client {
            let _ = c.goto(url).await;
        }
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("an open browser session")
    }
}

/// What the driver needs beyond the form driver's options.
#[derive(Debug, Clone)]
pub struct BrowserLogin {
    pub steps: Vec<BrowserStep>,
    /// How long one step waits.
    pub timeout: Duration,
}

/// Where the browser is.
enum State {
    Redirected(String),
    /// The server answered the page with an HTTP error.
    ErrorPage(u16),
    /// A page; `bare`: loaded, with nothing on it to fill or press.
    Page {
        bare: bool,
    },
}

/// How long a loaded page with nothing to fill or press must stay so before it counts
/// as the server's answer (the form driver's "a page with no form to fill and no
/// redirect"), rather than a page whose script has not yet built its form.
const SETTLE: Duration = Duration::from_secs(2);

/// Watches for the server's answer while a step waits: the redirect back to the app,
/// an HTTP error page, or a bare page that stays bare for [`SETTLE`].
#[derive(Default)]
struct Watch {
    bare_since: Option<Instant>,
}

impl Watch {
    async fn answer(&mut self, client: &Client, redirect_uri: &str) -> Option<LoginOutcome> {
        match state(client, redirect_uri).await {
            State::Redirected(url) => Some(LoginOutcome::Redirected(RedirectParams::parse(&url))),
            State::ErrorPage(status) => {
                let reason = format!("the server answered {status}");
                Some(stopped(client, status, &reason).await)
            }
            State::Page { bare: true } => {
                let since = *self.bare_since.get_or_insert_with(Instant::now);
                if since.elapsed() < SETTLE {
                    return None;
                }
                let status = page_status(client).await.unwrap_or(200);
                Some(
                    stopped(
                        client,
                        status,
                        "a page with no form to fill and no redirect",
                    )
                    .await,
                )
            }
            State::Page { bare: false } => {
                self.bare_since = None;
                None
            }
        }
    }
}

/// Why a step's attempt failed (WebDriver's answer).
enum StepError {
    Driver(String),
}

/// Signs in in `browser` following `login`; evidence of a stuck page goes into
/// `session` (redacted with its redactor).
pub async fn drive(
    browser: &BrowserSession,
    session: &mut Session,
    start: Url,
    redirect_uri: &str,
    opts: &LoginOptions,
    login: &BrowserLogin,
) -> Result<(LoginOutcome, LoginTrace), LoginError> {
    let client = browser.client();
    let mut trace = LoginTrace::default();
    if let Err(e) = client.goto(start.as_str()).await {
        // A redirect straight back to the app fails to load (by design); the URL
        // tells. Anything else at the first page means the server is not there.
        if !matches!(state(client, redirect_uri).await, State::Redirected(_)) {
            let message = session.redactor().text(&e.to_string());
            let unreachable = ["ERR_CONNECTION", "ERR_NAME_NOT_RESOLVED", "ERR_ADDRESS"]
                .iter()
                .any(|m| message.contains(m));
            let message = format!(
                "the browser could not open {}: {message}",
                session.redactor().url(start.as_str())
            );
            return Err(if unreachable {
                LoginError::Unreachable(message)
            } else {
                LoginError::Blocked(message)
            });
        }
    }
    let steps = &login.steps;
    let mut i = 0;
    while i < steps.len() {
        let step = &steps[i];
        let deadline = Instant::now() + login.timeout;
        // A step waiting for the sign-in form gives way to a consent step further on
        // when the consent page shows instead (the server remembered the user).
        let consent_ahead = steps[i + 1..]
            .iter()
            .position(|s| matches!(s, BrowserStep::Consent(_)))
            .map(|p| i + 1 + p);
        let mut last_error: Option<String> = None;
        let mut watch = Watch::default();
        // The step is tried first: on the way through a sign-in the page is there, and
        // each look costs a WebDriver round trip.
        let done = loop {
            match try_step(client, step, opts, &mut trace).await {
                Ok(true) => break Some(()),
                Ok(false) => {}
                // The page may have changed under the step (a stale element, a
                // navigation): try again until the step's time is up.
                Err(StepError::Driver(e)) => last_error = Some(e),
            }
            if let Some(outcome) = watch.answer(client, redirect_uri).await {
                return Ok((outcome, trace));
            }
            if let Some(c) = consent_ahead
                && let BrowserStep::Consent(consent) = &steps[c]
                && consent_control(client, consent, opts).await.is_some()
            {
                i = c;
                break None;
            }
            if Instant::now() > deadline {
                let what = match &last_error {
                    Some(e) => format!("{} (last error: {e})", describe_wait(step)),
                    None => describe_wait(step),
                };
                return Err(stuck(client, session, i, step, &what, login.timeout).await);
            }
            tokio::time::sleep(POLL).await;
        };
        if done.is_some() {
            i += 1;
        }
    }
    // Every step done: the server sends the browser back to the app.
    let deadline = Instant::now() + login.timeout;
    let mut watch = Watch::default();
    loop {
        if let Some(outcome) = watch.answer(client, redirect_uri).await {
            return Ok((outcome, trace));
        }
        if Instant::now() > deadline {
            let last = steps.len().saturating_sub(1);
            let what = "after the last step the browser did not come back to the redirect URI";
            return Err(match steps.get(last) {
                Some(step) => stuck(client, session, last, step, what, login.timeout).await,
                None => LoginError::Blocked(what.into()),
            });
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Where the browser is now.
async fn state(client: &Client, redirect_uri: &str) -> State {
    // One round trip: the document's URL, its HTTP status, whether it has loaded and
    // how many controls it has. A failed navigation (the redirect to an `https` app at
    // the catcher) shows chromium's error document; WebDriver's current URL is then
    // the URL the browser was sent to.
    let page = client
        .execute(
            "const n = performance.getEntriesByType('navigation')[0]; \
             return [location.href, n ? n.responseStatus : 0, \
             document.readyState === 'complete', \
             document.querySelectorAll('input:not([type=hidden]), button, select, \
             textarea, iframe').length];",
            vec![],
        )
        .await
        .unwrap_or(Value::Null);
    let href = page[0].as_str().unwrap_or_default();
    let url = if href.is_empty() || href.starts_with("chrome-error:") {
        match client.current_url().await {
            Ok(u) => u.to_string(),
            Err(_) => return State::Page { bare: false },
        }
    } else {
        href.to_string()
    };
    if is_redirect_to(&url, redirect_uri) {
        return State::Redirected(url);
    }
    let page = json!([page[1], page[2], page[3]]);
    let status = page[0].as_u64().and_then(|s| u16::try_from(s).ok());
    match status {
        Some(s) if s >= 400 => State::ErrorPage(s),
        _ => State::Page {
            bare: page[1] == json!(true) && page[2] == json!(0),
        },
    }
}

/// The HTTP status of the page shown (Navigation Timing's `responseStatus`).
async fn page_status(client: &Client) -> Option<u16> {
    let v = client
        .execute(
            "const n = performance.getEntriesByType('navigation')[0]; \
             return n ? n.responseStatus : null;",
            vec![],
        )
        .await
        .ok()?;
    v.as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| *s > 0)
}

/// The page the server stopped at, as a response (status, content type, the document).
async fn stopped(client: &Client, status: u16, reason: &str) -> LoginOutcome {
    let page = client
        .execute(
            "return [location.href, document.contentType, \
             document.contentType === 'text/html' ? document.documentElement.outerHTML \
             : (document.body ? document.body.innerText : '')];",
            vec![],
        )
        .await
        .unwrap_or(Value::Null);
    let part = |i: usize| page[i].as_str().unwrap_or_default().to_string();
    let url = match client.current_url().await {
        Ok(u) => u.to_string(),
        Err(_) => part(0),
    };
    LoginOutcome::Stopped {
        response: Response {
            url,
            status,
            headers: vec![("content-type".into(), part(1))],
            body: part(2).into_bytes(),
            truncated: None,
        },
        reason: reason.to_string(),
    }
}

fn locator(s: &Selector) -> Option<Locator<'_>> {
    match (&s.css, &s.xpath) {
        (Some(c), _) => Some(Locator::Css(c)),
        (None, Some(x)) => Some(Locator::XPath(x)),
        (None, None) => None,
    }
}

async fn find(client: &Client, s: &Selector) -> Option<fantoccini::elements::Element> {
    client.find(locator(s)?).await.ok()
}

fn driver_err(e: fantoccini::error::CmdError) -> StepError {
    StepError::Driver(e.to_string())
}

/// One attempt at `step`: `Ok(true)` done, `Ok(false)` not yet (its element or URL is
/// not there).
async fn try_step(
    client: &Client,
    step: &BrowserStep,
    opts: &LoginOptions,
    trace: &mut LoginTrace,
) -> Result<bool, StepError> {
    match step {
        BrowserStep::WaitFor(w) => {
            if let Some(part) = &w.url_contains {
                let url = client.current_url().await.map_err(driver_err)?;
                return Ok(url.as_str().contains(part.as_str()));
            }
            let s = Selector {
                css: w.css.clone(),
                xpath: w.xpath.clone(),
            };
            Ok(find(client, &s).await.is_some())
        }
        BrowserStep::Fill(f) => {
            let Some(el) = find(client, &f.selector()).await else {
                return Ok(false);
            };
            let value = f
                .value
                .replace("${user.username}", &opts.username)
                .replace("${user.password}", &opts.password);
            el.clear().await.map_err(driver_err)?;
            el.send_keys(&value).await.map_err(driver_err)?;
            trace.credentials_entered = true;
            Ok(true)
        }
        BrowserStep::Click(s) => {
            let Some(el) = find(client, s).await else {
                return Ok(false);
            };
            el.click().await.map_err(driver_err)?;
            Ok(true)
        }
        BrowserStep::Submit(s) => {
            let Some(el) = find(client, s).await else {
                return Ok(false);
            };
            let arg = serde_json::to_value(&el).map_err(|e| StepError::Driver(e.to_string()))?;
            client
                .execute(
                    "const e = arguments[0]; const f = e.form || e.closest('form'); \
                     if (!f) { e.click(); return; } \
                     const b = f.querySelector('[type=submit], button:not([type])'); \
                     if (b) { b.click(); } else if (f.requestSubmit) { f.requestSubmit(); } \
                     else { f.submit(); }",
                    vec![arg],
                )
                .await
                .map_err(driver_err)?;
            Ok(true)
        }
        BrowserStep::Consent(c) => {
            let Some(control) = consent_control(client, c, opts).await else {
                return Ok(false);
            };
            answer_consent(client, c, opts, control).await?;
            trace.consent_answered = true;
            Ok(true)
        }
    }
}

/// The consent control to press, once the consent page is shown.
enum Control {
    Element(fantoccini::elements::Element),
    /// No control found by the profile's selector: the page's own (found by script).
    Heuristic,
}

/// `name=value` of a button as a CSS selector.
fn pair_selector(pair: &str) -> Selector {
    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
    Selector::css(format!(
        "[name=\"{}\"][value=\"{}\"]",
        crate::profile::css_escape(name),
        crate::profile::css_escape(value)
    ))
}

/// Finds the consent page's control for what the user does (approve or refuse);
/// `None` while the consent page is not shown.
async fn consent_control(client: &Client, c: &ConsentStep, opts: &LoginOptions) -> Option<Control> {
    let wanted = if opts.refuse {
        c.deny
            .clone()
            .or_else(|| opts.deny.as_deref().map(pair_selector))
    } else {
        c.approve
            .clone()
            .or_else(|| opts.approve.as_deref().map(pair_selector))
    };
    if let Some(s) = &wanted {
        if let Some(el) = find(client, s).await {
            return Some(Control::Element(el));
        }
        // Refusing where the profile names no deny control of this page but the page
        // is a consent page: the page's own deny link or button.
        if !(opts.refuse && c.deny.is_none()) {
            return None;
        }
    }
    let found = client
        .execute(CONSENT_SCRIPT, vec![json!(opts.refuse), json!(false)])
        .await
        .ok()?;
    (found == json!(true)).then_some(Control::Heuristic)
}

/// arguments: [refuse, press]. A consent page is a form without a password or text
/// field that has a submit control. Returns whether the control was found (and, with
/// `press`, clicks it). Refusing looks for a control or link labelled as refusing.
const CONSENT_SCRIPT: &str = r#"
const refuse = arguments[0], press = arguments[1];
const deny = ['deny', 'cancel', 'abort', 'reject'];
const approve = ['allow', 'approve', 'accept', 'continue', 'authorize', 'yes'];
const label = b => ((b.value || '') + ' ' + (b.textContent || '')).toLowerCase();
const forms = [...document.forms].filter(f =>
  !f.querySelector('input[type=password], input[type=text], input[type=email], input:not([type])'));
const submits = f => [...f.querySelectorAll('[type=submit], button:not([type])')];
const consent = forms.find(f => submits(f).length > 0);
if (!consent) { return false; }
const words = refuse ? deny : approve;
let target = submits(consent).find(b => words.some(w => label(b).includes(w)));
if (!target && refuse) {
  target = [...document.querySelectorAll('a[href]')].find(a => deny.some(w => label(a).includes(w)));
}
if (!target && !refuse) { target = submits(consent)[0]; }
if (!target) { return false; }
if (press) { target.click(); }
return true;
"#;

async fn answer_consent(
    client: &Client,
    c: &ConsentStep,
    opts: &LoginOptions,
    control: Control,
) -> Result<(), StepError> {
    let field = c
        .scope_field
        .as_deref()
        .unwrap_or(&opts.consent_scope_field);
    if !opts.withhold.is_empty() {
        client
            .execute(
                "const [name, withheld] = arguments; \
                 for (const b of document.querySelectorAll('input[type=checkbox]')) { \
                   if (b.name === name && withheld.includes(b.value) && b.checked) { b.click(); } \
                 }",
                vec![json!(field), json!(opts.withhold)],
            )
            .await
            .map_err(driver_err)?;
    }
    match control {
        Control::Element(el) => el.click().await.map_err(driver_err),
        Control::Heuristic => {
            let pressed = client
                .execute(CONSENT_SCRIPT, vec![json!(opts.refuse), json!(true)])
                .await
                .map_err(driver_err)?;
            if pressed == json!(true) {
                Ok(())
            } else {
                Err(StepError::Driver(format!(
                    "the consent page has no {} control",
                    if opts.refuse { "deny" } else { "approve" }
                )))
            }
        }
    }
}

fn describe_wait(step: &BrowserStep) -> String {
    let what = match step {
        BrowserStep::WaitFor(w) => match &w.url_contains {
            Some(u) => format!("a URL containing `{u}`"),
            None => Selector {
                css: w.css.clone(),
                xpath: w.xpath.clone(),
            }
            .to_string(),
        },
        BrowserStep::Fill(f) => f.selector().to_string(),
        BrowserStep::Click(s) | BrowserStep::Submit(s) => s.to_string(),
        BrowserStep::Consent(_) => "the consent page's control".into(),
    };
    format!("{what} did not appear")
}

/// A stuck page: a screenshot (its fields' values masked) and the page's visible text,
/// redacted, go into the scenario's evidence; the error blocks the scenario naming the
/// step.
async fn stuck(
    client: &Client,
    session: &mut Session,
    index: usize,
    step: &BrowserStep,
    what: &str,
    timeout: Duration,
) -> LoginError {
    let redactor = session.redactor().clone();
    let url = client
        .current_url()
        .await
        .map(|u| redactor.url(u.as_str()))
        .unwrap_or_else(|_| "(unknown)".into());
    // What was typed is not evidence: mask every field before the screenshot.
    let _ = client
        .execute(
            "const s = document.createElement('style'); \
             s.textContent = 'input, textarea { -webkit-text-security: disc !important; }'; \
             (document.head || document.documentElement).appendChild(s);",
            vec![],
        )
        .await;
    let shot = client.screenshot().await.ok();
    let text = client
        .execute(
            "return document.body ? document.body.innerText : '';",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let status = page_status(client).await;
    let n = index + 1;
    let message = format!(
        "the browser sign-in is stuck at step {n} (`{}`): {what} within {} s, at {url}",
        step.kind(),
        timeout.as_secs()
    );
    let mut exchange = Exchange::sample("BROWSER", &url, status.unwrap_or(0));
    exchange.status = status;
    exchange.response_body = Some(redactor.text(&text));
    exchange.error = Some(message.clone());
    exchange.screenshot_png = shot.map(|png| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(png)
    });
    session.evidence.push(exchange);
    LoginError::Blocked(redactor.text(&message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_are_mapped_to_the_catcher() {
        assert_eq!(
            mappable_host("https://app.example.test/cb").as_deref(),
            Some("app.example.test")
        );
        assert_eq!(mappable_host("http://127.0.0.1:9/cb"), None);
        assert_eq!(mappable_host("http://localhost:9/cb"), None);
        assert_eq!(mappable_host("http://[::1]:9/cb"), None);
    }

    #[test]
    fn a_button_pair_becomes_an_attribute_selector() {
        assert_eq!(
            pair_selector("consent=allow").css.as_deref(),
            Some("[name=\"consent\"][value=\"allow\"]")
        );
    }
}
