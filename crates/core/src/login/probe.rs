//! `grantcheck lint --online`: before a run, look at the server the way the run will.
//! Reads the profile's discovery document (through [`Target`], so endpoints resolve as
//! in a run), sends one authorization request for the profile's signing-in client and
//! follows the server's redirects to the first page it shows, without signing in. The
//! page says which login driver can sign in there; the profile's `login.method` is
//! checked against it. Every URL and text shown goes through the profile's redactor.

use url::Url;

use super::html;
use crate::http::{Counters, Request, Session};
use crate::oauth::authorize::{AuthorizeRequest, RedirectParams, is_redirect_to};
use crate::oauth::pkce;
use crate::profile::{ClientRole, Discovery, LoginMethod, Profile};
use crate::target::Target;

/// Redirects followed before the probe gives up (the form driver allows 20 hops for a
/// whole sign-in; the way to the first page is much shorter).
const MAX_REDIRECTS: usize = 10;

/// Characters of a page's visible text or an error body shown.
const SNIPPET: usize = 200;

/// What reading the discovery document found.
#[derive(Debug, Clone)]
pub enum DiscoveryOutcome {
    /// The profile asks for none: its endpoints are typed in.
    NotConfigured,
    Found {
        kind: &'static str,
        url: String,
        /// `member → URL` of the endpoints the document named.
        endpoints: Vec<(String, String)>,
    },
    Failed {
        kind: &'static str,
        url: Option<String>,
        reason: String,
    },
    /// No connection could be made.
    Unreachable {
        kind: &'static str,
        url: Option<String>,
        reason: String,
    },
}

/// The first page the authorization request led to, as a login driver would meet it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// A plain HTML form with a password field: the `form` driver fills it.
    SignInForm { fields: Vec<String> },
    /// No form with a password field, but a script: the form is built in the browser.
    ScriptBuilt,
    /// A plain HTML form asking for the username alone; the password comes on a
    /// later page (identifier first): the `form` driver cannot go on from it.
    IdentifierFirst { fields: Vec<String> },
    /// A page with neither a sign-in form nor a script to build one.
    NoSignIn { status: u16, text: String },
    /// The server answered the request with an HTTP error.
    ErrorPage { status: u16, text: String },
    /// The server sent the browser back to the app with an error.
    ErrorRedirect {
        error: String,
        description: Option<String>,
    },
    /// Back at the app with a code and no page shown (a session the server remembered).
    RedirectedBack,
    /// The way to a page broke off (a redirect without `Location`, a loop, a bad URL).
    Broken { reason: String },
    /// No answer: no connection, or none within `timeouts.request_secs`.
    Unreachable { reason: String },
}

impl Page {
    /// The login driver that can sign in on this page, when one can.
    pub fn driver(&self) -> Option<LoginMethod> {
        match self {
            Page::SignInForm { .. } => Some(LoginMethod::Form),
            Page::ScriptBuilt | Page::IdentifierFirst { .. } => Some(LoginMethod::Browser),
            _ => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            Page::SignInForm { fields } => format!(
                "a plain HTML sign-in form (fields: {}): the `form` driver can sign in",
                fields.join(", ")
            ),
            Page::ScriptBuilt => "a sign-in page whose form a script builds (no form with a \
                                  password field in its HTML): it needs the `browser` driver"
                .into(),
            Page::IdentifierFirst { fields } => format!(
                "a sign-in form asking for the username first (fields: {}; the password comes \
                 on a later page): it needs the `browser` driver",
                fields.join(", ")
            ),
            Page::NoSignIn { status, text } => {
                format!("a page ({status}) with no sign-in form and no script: {text:?}")
            }
            Page::ErrorPage { status, text } => {
                format!("an error page: the server answered {status}: {text:?}")
            }
            Page::ErrorRedirect { error, description } => match description {
                Some(d) => format!("an error redirect to the app: error={error} ({d})"),
                None => format!("an error redirect to the app: error={error}"),
            },
            Page::RedirectedBack => {
                "no page: the server sent the browser straight back to the app with a code".into()
            }
            Page::Broken { reason } => format!("no page: {reason}"),
            Page::Unreachable { reason } => format!("unreachable: {reason}"),
        }
    }
}

/// How the probe ends for one profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The login method can sign in on the page seen (or nothing needs signing in).
    Matches,
    /// The login method cannot sign in there, the page is an error, or discovery failed.
    Fails,
    /// The server did not answer.
    Unreachable,
}

#[derive(Debug, Clone)]
pub struct Probe {
    pub profile: String,
    pub discovery: DiscoveryOutcome,
    /// The client the request was sent for, and the request (redacted).
    pub client: Option<(ClientRole, String)>,
    /// Each answer on the way: status and the URL it came from (redacted).
    pub hops: Vec<(u16, String)>,
    /// `None` when no request was sent (no client signs in, no authorization endpoint).
    pub page: Option<Page>,
    /// Why no request was sent.
    pub skipped: Option<String>,
    pub login_method: LoginMethod,
    /// Whether the login method can sign in where the page is, in words.
    pub conclusion: String,
    pub verdict: Verdict,
}

impl Probe {
    /// The CLI's convention: 1 failed, 4 unreachable, 0 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self.verdict {
            Verdict::Matches => 0,
            Verdict::Fails => 1,
            Verdict::Unreachable => 4,
        }
    }
}

/// Resolves the profile as a run does (an emulated profile's emulator is started in
/// this process) and probes it. Each request is bounded by `timeouts.request_secs`
/// and bodies by `limits.max_body_bytes`.
pub async fn probe_profile(profile: Profile) -> Probe {
    let name = profile.path.display().to_string();
    let method = profile.spec.login.method;
    let secs = profile.spec.timeouts.unwrap_or_default().request_secs;
    let client = match crate::http::build_client(std::time::Duration::from_secs(secs)) {
        Ok(c) => c,
        Err(e) => return stopped(name, method, DiscoveryOutcome::NotConfigured, e),
    };
    let kind = profile.spec.discovery;
    let target = match Target::start(profile, &[], &client).await {
        Ok(t) => t,
        // Discovery named origins the profile does not, or an endpoint is unusable.
        Err(e) => {
            let d = DiscoveryOutcome::Failed {
                kind: kind.map_or("endpoints", kind_name),
                url: None,
                reason: e.clone(),
            };
            return stopped(name, method, d, e);
        }
    };
    let probe = probe(&target, client, name).await;
    target.stop_emulator();
    probe
}

fn stopped(
    profile: String,
    login_method: LoginMethod,
    discovery: DiscoveryOutcome,
    why: String,
) -> Probe {
    Probe {
        profile,
        discovery,
        client: None,
        hops: Vec::new(),
        page: None,
        skipped: Some(why.clone()),
        login_method,
        conclusion: why,
        verdict: Verdict::Fails,
    }
}

fn kind_name(kind: Discovery) -> &'static str {
    match kind {
        Discovery::Smart => "SMART configuration",
        Discovery::Openid => "OpenID Connect discovery",
        Discovery::Oauth => "RFC 8414 metadata",
    }
}

/// What the target's discovery came to, read from the target a run would use.
fn discovery_of(target: &Target) -> DiscoveryOutcome {
    let Some(kind) = target.profile.spec.discovery else {
        return DiscoveryOutcome::NotConfigured;
    };
    let url = crate::target::discovery_url(kind, &target.endpoints, &target.configured_issuer)
        .ok()
        .map(|u| target.redactor.url(&u));
    let name = kind_name(kind);
    match (&target.discovery, &target.discovery_error) {
        (Some(doc), _) => {
            const MEMBERS: [&str; 4] = [
                "issuer",
                "authorization_endpoint",
                "token_endpoint",
                "jwks_uri",
            ];
            let endpoints = MEMBERS
                .iter()
                .filter_map(|m| {
                    let v = doc.get(*m)?.as_str()?;
                    Some((m.to_string(), target.redactor.url(v)))
                })
                .collect();
            DiscoveryOutcome::Found {
                kind: name,
                url: url.unwrap_or_default(),
                endpoints,
            }
        }
        (None, Some(e)) => {
            let reason = short(&target.redactor.text(e));
            if target.unreachable().is_some() {
                DiscoveryOutcome::Unreachable {
                    kind: name,
                    url,
                    reason,
                }
            } else {
                DiscoveryOutcome::Failed {
                    kind: name,
                    url,
                    reason,
                }
            }
        }
        (None, None) => DiscoveryOutcome::Failed {
            kind: name,
            url,
            reason: "no document and no error".into(),
        },
    }
}

/// The client an ordinary sign-in uses: the default app, else another that signs
/// users in (never the system client, which has no user).
fn signing_in_client(target: &Target) -> Option<&crate::target::Client> {
    [
        ClientRole::Confidential,
        ClientRole::Public,
        ClientRole::Provider,
        ClientRole::ConfidentialBasic,
        ClientRole::Jwt,
        ClientRole::Other,
    ]
    .into_iter()
    .find_map(|role| target.client(role))
}

/// The authorization request a run's ordinary sign-in sends: response_type=code, the
/// redirect URI, the default scopes, `aud` and the extra parameters when the profile
/// has them, a fresh `state` and an S256 PKCE challenge.
fn authorization_url(target: &Target, endpoint: &Url, client_id: &str) -> Url {
    let spec = &target.profile.spec;
    let mut req = AuthorizeRequest::default();
    req.set("client_id", client_id)
        .set("response_type", "code")
        .set("redirect_uri", spec.redirect_uri.clone())
        .set("scope", spec.scopes.default.clone())
        .set("state", crate::oauth::random_value(24))
        .set("nonce", crate::oauth::random_value(24));
    if let Some(aud) = &spec.aud {
        // `{fhir_base}` stands for the resolved FHIR base URL, as in a run.
        let aud = match (&target.endpoints.fhir_base, aud.contains("{fhir_base}")) {
            (Some(base), true) => aud.replace("{fhir_base}", base.as_str().trim_end_matches('/')),
            _ => aud.clone(),
        };
        req.set("aud", aud);
    }
    for (name, value) in &spec.authorize_params {
        req.set(name, value.clone());
    }
    let verifier = pkce::new_verifier();
    req.set("code_challenge", pkce::s256_challenge(&verifier))
        .set("code_challenge_method", "S256");
    req.url(endpoint)
}

/// Probes a started target.
pub async fn probe(target: &Target, client: reqwest::Client, profile: String) -> Probe {
    let method = target.profile.spec.login.method;
    let discovery = discovery_of(target);
    let mut out = Probe {
        profile,
        discovery,
        client: None,
        hops: Vec::new(),
        page: None,
        skipped: None,
        login_method: method,
        conclusion: String::new(),
        verdict: Verdict::Matches,
    };
    let discovery_verdict = match &out.discovery {
        DiscoveryOutcome::Failed { .. } => Some(Verdict::Fails),
        DiscoveryOutcome::Unreachable { .. } => Some(Verdict::Unreachable),
        _ => None,
    };
    let Some(c) = signing_in_client(target) else {
        out.skipped = Some(
            "no client of the profile signs users in (only a system client): no sign-in page \
             to look at"
                .into(),
        );
        out.conclusion = "nothing to sign in".into();
        out.verdict = discovery_verdict.unwrap_or(Verdict::Matches);
        return out;
    };
    let Some(endpoint) = target.endpoints.authorize.clone() else {
        out.skipped = Some(target.missing_endpoint("authorize"));
        out.conclusion = "no authorization endpoint to send the request to".into();
        out.verdict = discovery_verdict.unwrap_or(Verdict::Fails);
        return out;
    };
    let start = authorization_url(target, &endpoint, &c.id);
    out.client = Some((c.role, target.redactor.url(start.as_str())));
    let mut session = Session::with_limits(
        client,
        target.redactor.scoped(),
        std::sync::Arc::new(Counters::default()),
        target.pacer.clone(),
        target.limits(),
    );
    let page = first_page(
        &mut session,
        start,
        &target.profile.spec.redirect_uri,
        &mut out.hops,
    )
    .await;
    let page = redact_page(page, target);
    let (verdict, conclusion) = judge(&page, &target.profile);
    out.page = Some(page);
    out.conclusion = conclusion;
    // A failed discovery fails the probe even where the typed-in endpoints worked.
    out.verdict = match (discovery_verdict, verdict) {
        (_, Verdict::Fails) | (Some(Verdict::Fails), _) => Verdict::Fails,
        (_, Verdict::Unreachable) | (Some(Verdict::Unreachable), _) => Verdict::Unreachable,
        _ => Verdict::Matches,
    };
    out
}

fn redact_page(page: Page, target: &Target) -> Page {
    let r = &target.redactor;
    match page {
        Page::NoSignIn { status, text } => Page::NoSignIn {
            status,
            text: r.text(&text),
        },
        Page::ErrorPage { status, text } => Page::ErrorPage {
            status,
            text: r.text(&text),
        },
        Page::ErrorRedirect { error, description } => Page::ErrorRedirect {
            error: r.text(&error),
            description: description.map(|d| r.text(&d)),
        },
        Page::Broken { reason } => Page::Broken {
            reason: r.text(&reason),
        },
        Page::Unreachable { reason } => Page::Unreachable {
            reason: r.text(&reason),
        },
        other => other,
    }
}

/// Follows the server's redirects from `start` to the first page, never into the
/// app's redirect URI, and classifies it.
async fn first_page(
    session: &mut Session,
    start: Url,
    redirect_uri: &str,
    hops: &mut Vec<(u16, String)>,
) -> Page {
    let mut url = start;
    for _ in 0..=MAX_REDIRECTS {
        let response = match session.send(Request::get(url.clone())).await {
            Ok(r) => r,
            Err(e) => {
                return Page::Unreachable {
                    reason: no_answer(&url, &e.message),
                };
            }
        };
        hops.push((response.status, session.redactor().url(url.as_str())));
        if (300..400).contains(&response.status) {
            let Some(location) = response.location() else {
                return Page::Broken {
                    reason: format!("a {} redirect without a Location header", response.status),
                };
            };
            let next = match url.join(location) {
                Ok(n) => n,
                Err(e) => {
                    return Page::Broken {
                        reason: format!("an unusable redirect `{location}`: {e}"),
                    };
                }
            };
            if is_redirect_to(next.as_str(), redirect_uri) {
                let back = RedirectParams::parse(next.as_str());
                return match back.get("error") {
                    Some(error) => Page::ErrorRedirect {
                        error: error.to_string(),
                        description: back.get("error_description").map(str::to_owned),
                    },
                    None => Page::RedirectedBack,
                };
            }
            url = next;
            continue;
        }
        return classify(response.status, &response.text());
    }
    Page::Broken {
        reason: format!("more than {MAX_REDIRECTS} redirects (a loop?)"),
    }
}

/// "no answer from <URL without its query>: <the innermost causes>": the HTTP
/// client's message repeats the whole request URL at each level.
fn no_answer(url: &Url, message: &str) -> String {
    let mut bare = url.clone();
    bare.set_query(None);
    let causes: Vec<&str> = message
        .split(": ")
        .filter(|c| !c.contains("for url ("))
        .collect();
    let tail = causes[causes.len().saturating_sub(2)..].join(": ");
    format!("no answer from {bare}: {tail}")
}

/// What a login driver meets on a page the server answered with `status`.
pub fn classify(status: u16, page: &str) -> Page {
    let text = || short(&html::visible_text(page));
    if status >= 400 {
        return Page::ErrorPage {
            status,
            text: text(),
        };
    }
    let forms = html::forms(page);
    let names = |f: &html::Form| {
        f.inputs
            .iter()
            .filter(|i| i.kind != "hidden")
            .map(|i| i.name.clone())
            .collect::<Vec<_>>()
    };
    if let Some(f) = forms.iter().find(|f| f.has_password()) {
        return Page::SignInForm { fields: names(f) };
    }
    if html::needs_script(page) {
        return Page::ScriptBuilt;
    }
    if let Some(f) = forms.iter().find(|f| {
        f.inputs
            .iter()
            .any(|i| matches!(i.kind.as_str(), "text" | "email"))
    }) {
        return Page::IdentifierFirst { fields: names(f) };
    }
    Page::NoSignIn {
        status,
        text: text(),
    }
}

/// Whether the profile's login method can sign in on `page`, and why, in words.
fn judge(page: &Page, profile: &Profile) -> (Verdict, String) {
    let login = &profile.spec.login;
    let method = login.method;
    let at = profile.place_of(&["login", "method"]);
    match (page, page.driver()) {
        (Page::Unreachable { .. }, _) => (
            Verdict::Unreachable,
            "the server did not answer: nothing to judge".into(),
        ),
        (Page::RedirectedBack, _) => (Verdict::Matches, "matches: no sign-in was asked for".into()),
        (_, None) => (
            Verdict::Fails,
            "no login method can sign in on this page: fix the request or the server first".into(),
        ),
        (_, Some(needed)) => match method {
            LoginMethod::Refresh => (
                Verdict::Matches,
                format!(
                    "matches: nobody signs in (`refresh`); the scenarios that need a sign-in \
                     of their own would need the `{}` driver",
                    needed.as_str()
                ),
            ),
            LoginMethod::Manual => (
                Verdict::Matches,
                format!(
                    "matches: a person signs in (the `{}` driver could too)",
                    needed.as_str()
                ),
            ),
            LoginMethod::Browser => (
                Verdict::Matches,
                "matches (its steps' selectors are not checked here: only a browser can)".into(),
            ),
            LoginMethod::Form if needed == LoginMethod::Form => {
                let fields = match page {
                    Page::SignInForm { fields } => fields.as_slice(),
                    _ => &[],
                };
                let missing: Vec<String> = [
                    ("username_field", &login.username_field),
                    ("password_field", &login.password_field),
                ]
                .into_iter()
                .filter(|(_, name)| !fields.contains(name))
                .map(|(key, name)| format!("`login.{key}: {name}`"))
                .collect();
                if missing.is_empty() {
                    (Verdict::Matches, "matches".into())
                } else {
                    (
                        Verdict::Fails,
                        format!(
                            "{at}: the `form` driver can post this form, but it has no field \
                             named as {}: name the page's fields there",
                            missing.join(" or ")
                        ),
                    )
                }
            }
            LoginMethod::Form => (
                Verdict::Fails,
                format!(
                    "{at}: the `form` driver cannot sign in on this page; use `login.method: \
                     browser` (with `login.browser.steps` for this page; see profiles/README.md)"
                ),
            ),
        },
    }
}

fn short(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(SNIPPET) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The probe as text, one fact a line, indented under the profile's lint section.
pub fn render_text(p: &Probe) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str("  ");
        out.push_str(&s);
        out.push('\n');
    };
    line(match &p.discovery {
        DiscoveryOutcome::NotConfigured => {
            "discovery: not configured (the profile names its endpoints)".into()
        }
        DiscoveryOutcome::Found {
            kind,
            url,
            endpoints,
        } => {
            let named: Vec<String> = endpoints.iter().map(|(k, v)| format!("{k} {v}")).collect();
            format!("discovery: {kind} read from {url}: {}", named.join(", "))
        }
        DiscoveryOutcome::Failed { kind, url, reason }
        | DiscoveryOutcome::Unreachable { kind, url, reason } => match url {
            Some(u) => format!("discovery: {kind} from {u} failed: {reason}"),
            None => format!("discovery: {kind} failed: {reason}"),
        },
    });
    if let Some((role, url)) = &p.client {
        line(format!(
            "authorization request (client `{role}`): GET {url}"
        ));
    }
    // The first answer is the request's; each later one a redirect's target.
    for (i, (status, url)) in p.hops.iter().enumerate() {
        line(match i {
            0 => format!("  answered {status}"),
            _ => format!("  then GET {url}: {status}"),
        });
    }
    if let Some(why) = &p.skipped {
        line(format!("sign-in page: not looked at: {why}"));
    }
    if let Some(page) = &p.page {
        line(format!("sign-in page: {}", page.describe()));
    }
    line(format!(
        "login.method: {}: {}",
        p.login_method.as_str(),
        p.conclusion
    ));
    out
}

/// The probe as JSON (`lint --online --format json`).
pub fn render_json(p: &Probe) -> serde_json::Value {
    use serde_json::json;
    let discovery = match &p.discovery {
        DiscoveryOutcome::NotConfigured => json!({"outcome": "not-configured"}),
        DiscoveryOutcome::Found {
            kind,
            url,
            endpoints,
        } => json!({
            "outcome": "found", "kind": kind, "url": url,
            "endpoints": endpoints
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect::<serde_json::Map<String, serde_json::Value>>(),
        }),
        DiscoveryOutcome::Failed { kind, url, reason } => {
            json!({"outcome": "failed", "kind": kind, "url": url, "reason": reason})
        }
        DiscoveryOutcome::Unreachable { kind, url, reason } => {
            json!({"outcome": "unreachable", "kind": kind, "url": url, "reason": reason})
        }
    };
    let page = p.page.as_ref().map(|page| {
        let kind = match page {
            Page::SignInForm { .. } => "sign-in-form",
            Page::ScriptBuilt => "script-built",
            Page::IdentifierFirst { .. } => "identifier-first",
            Page::NoSignIn { .. } => "no-sign-in",
            Page::ErrorPage { .. } => "error-page",
            Page::ErrorRedirect { .. } => "error-redirect",
            Page::RedirectedBack => "redirected-back",
            Page::Broken { .. } => "broken",
            Page::Unreachable { .. } => "unreachable",
        };
        json!({
            "kind": kind,
            "needs": page.driver().map(LoginMethod::as_str),
            "description": page.describe(),
        })
    });
    json!({
        "discovery": discovery,
        "client": p.client.as_ref().map(|(role, _)| role.as_str()),
        "request": p.client.as_ref().map(|(_, url)| url),
        "hops": p.hops.iter().map(|(s, u)| json!({"status": s, "url": u})).collect::<Vec<_>>(),
        "page": page,
        "skipped": p.skipped,
        "login_method": p.login_method.as_str(),
        "matches": p.verdict == Verdict::Matches,
        "conclusion": p.conclusion,
        "exit_code": p.exit_code(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_what_a_driver_meets() {
        let form = r#"<form method=post action="/login"><input type=hidden name=t value=1>
            <input name=username><input type=password name=password><button>Go</button></form>"#;
        assert_eq!(
            classify(200, form),
            Page::SignInForm {
                fields: vec!["username".into(), "password".into()]
            }
        );
        let script = "<div id=app></div><script>build()</script>";
        assert_eq!(classify(200, script), Page::ScriptBuilt);
        assert_eq!(classify(200, script).driver(), Some(LoginMethod::Browser));
        let first =
            r#"<form method=post><input type=email name=identifier><button>Next</button></form>"#;
        assert!(matches!(classify(200, first), Page::IdentifierFirst { .. }));
        assert!(matches!(
            classify(400, "<h1>Bad redirect_uri</h1>"),
            Page::ErrorPage { status: 400, ref text } if text == "Bad redirect_uri"
        ));
        assert!(matches!(
            classify(200, "<p>Nothing here</p>"),
            Page::NoSignIn { .. }
        ));
        assert_eq!(classify(200, "<p>x</p>").driver(), None);
    }

    #[test]
    fn snippets_are_short_on_a_char_boundary() {
        let long = "é".repeat(500);
        let s = short(&long);
        assert_eq!(s.chars().count(), SNIPPET + 1);
        assert!(s.ends_with('…'));
        assert_eq!(short("  ok "), "ok");
    }
}
