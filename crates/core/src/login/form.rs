//! The `form` login driver: plain HTTP with the scenario's cookie jar. It follows the
//! authorization server's redirects, fills the sign-in form and the consent form it
//! finds, and stops at the redirect back to the app without following it. Nothing in
//! here knows a particular server; field names come from the profile.

use url::Url;

use super::html::{self, Form};
use crate::http::{Request, Response, Session};
use crate::oauth::authorize::{RedirectParams, is_redirect_to};

#[derive(Debug, Clone)]
pub struct LoginOptions {
    pub username: String,
    pub password: String,
    pub username_field: String,
    pub password_field: String,
    /// `name=value` of the consent approve control; default: the first submit button.
    pub approve: Option<String>,
    pub deny: Option<String>,
    pub consent_scope_field: String,
    /// Scopes whose consent checkbox is cleared before approving.
    pub withhold: Vec<String>,
    /// Press the deny control instead of approving.
    pub refuse: bool,
}

#[derive(Debug, Clone)]
pub enum LoginOutcome {
    /// The server sent the browser back to the app (with a code or an error).
    Redirected(RedirectParams),
    /// The server answered with a page the driver could not get past.
    Stopped { response: Response, reason: String },
}

/// What the driver had to do on the way.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoginTrace {
    pub credentials_entered: bool,
    pub consent_answered: bool,
}

/// Why the driver produced no outcome at all.
#[derive(Debug, Clone)]
pub enum LoginError {
    /// The server could not be reached: the target is down, not misbehaving.
    Unreachable(String),
    /// Anything else the driver could not do (a redirect loop, an unusable URL, ...).
    Failed(String),
    /// The driver could not do its part (the browser's sign-in got stuck on a page,
    /// no browser could start): the scenario is blocked, nothing is judged.
    Blocked(String),
}

impl From<String> for LoginError {
    fn from(s: String) -> Self {
        LoginError::Failed(s)
    }
}

impl std::fmt::Display for LoginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoginError::Unreachable(s) | LoginError::Failed(s) | LoginError::Blocked(s) => {
                f.write_str(s)
            }
        }
    }
}

/// Redirects and pages the driver follows before giving up.
const MAX_HOPS: usize = 20;

pub async fn drive(
    session: &mut Session,
    start: Url,
    redirect_uri: &str,
    opts: &LoginOptions,
) -> Result<(LoginOutcome, LoginTrace), LoginError> {
    let mut request = Request::get(start);
    let mut signed_in = false;
    let mut consented = false;
    let trace = |signed_in, consented| LoginTrace {
        credentials_entered: signed_in,
        consent_answered: consented,
    };
    for _ in 0..MAX_HOPS {
        let current = request.url.clone();
        let response = session.send(request).await.map_err(|e| {
            if e.unreachable {
                LoginError::Unreachable(e.to_string())
            } else {
                LoginError::Failed(e.to_string())
            }
        })?;
        if (300..400).contains(&response.status) {
            let Some(location) = response.location() else {
                return Ok((
                    stopped(response, "a redirect without a Location header"),
                    trace(signed_in, consented),
                ));
            };
            let next = current
                .join(location)
                .map_err(|e| format!("unusable redirect `{location}`: {e}"))?;
            if is_redirect_to(next.as_str(), redirect_uri) || is_redirect_to(location, redirect_uri)
            {
                return Ok((
                    LoginOutcome::Redirected(RedirectParams::parse(next.as_str())),
                    trace(signed_in, consented),
                ));
            }
            request = Request::get(next);
            continue;
        }
        let page = response.text();
        let forms = html::forms(&page);
        let sign_in = forms.iter().find(|f| f.has_password());
        let consent = forms
            .iter()
            .find(|f| !f.has_password() && !f.buttons.is_empty());
        request = match (sign_in, consent) {
            (Some(form), _) => {
                if signed_in {
                    return Ok((
                        stopped(response, "the sign-in form came back after signing in"),
                        trace(signed_in, consented),
                    ));
                }
                signed_in = true;
                submit(&current, form, |fields| {
                    set(fields, &opts.username_field, &opts.username);
                    set(fields, &opts.password_field, &opts.password);
                    Ok(None)
                })?
            }
            (None, Some(form)) if response.status == 200 => {
                if consented {
                    return Ok((
                        stopped(response, "the consent form came back after answering"),
                        trace(signed_in, consented),
                    ));
                }
                consented = true;
                // A consent page may offer refusal only as a link ("Cancel"), not as
                // a button of its form: follow it as a browser would.
                if opts.refuse
                    && opts.deny.is_none()
                    && choose_button(form, None, true).is_err()
                    && let Some(href) = deny_link(&page)
                {
                    request = Request::get(
                        current
                            .join(&href)
                            .map_err(|e| format!("unusable link `{href}`: {e}"))?,
                    );
                    continue;
                }
                submit(&current, form, |fields| {
                    fields.retain(|(k, v)| {
                        !(k == &opts.consent_scope_field && opts.withhold.contains(v))
                    });
                    let wanted = if opts.refuse {
                        &opts.deny
                    } else {
                        &opts.approve
                    };
                    choose_button(form, wanted.as_deref(), opts.refuse)
                })?
            }
            _ => {
                let reason = if response.status >= 400 {
                    format!("the server answered {}", response.status)
                } else {
                    "a page with no form to fill and no redirect".to_string()
                };
                return Ok((stopped(response, &reason), trace(signed_in, consented)));
            }
        };
    }
    Err(LoginError::Failed(format!(
        "gave up after {MAX_HOPS} redirects and pages (a redirect loop?); the last request \
         was to {}",
        session.redactor().url(request.url.as_str())
    )))
}

fn stopped(response: Response, reason: &str) -> LoginOutcome {
    LoginOutcome::Stopped {
        response,
        reason: reason.to_string(),
    }
}

type Fields = Vec<(String, String)>;

/// Builds the request a browser would send for `form`, after `fill` adjusts the fields
/// and picks the submit control.
fn submit(
    page: &Url,
    form: &Form,
    fill: impl FnOnce(&mut Fields) -> Result<Option<(String, String)>, String>,
) -> Result<Request, String> {
    let mut fields: Fields = form
        .inputs
        .iter()
        .filter(|i| !matches!(i.kind.as_str(), "checkbox" | "radio") || i.checked)
        .map(|i| (i.name.clone(), i.value.clone()))
        .collect();
    let button = fill(&mut fields)?;
    if let Some(b) = button {
        fields.push(b);
    } else if let Some(b) = form.buttons.first()
        && let (Some(n), Some(v)) = (&b.name, &b.value)
    {
        fields.push((n.clone(), v.clone()));
    }
    let action = form.action.as_deref().unwrap_or("");
    let url = page
        .join(action)
        .map_err(|e| format!("unusable form action `{action}`: {e}"))?;
    Ok(if form.method == "post" {
        Request::post_form(url, &fields)
    } else {
        let mut url = url;
        url.query_pairs_mut().clear().extend_pairs(&fields);
        Request::get(url)
    })
}

fn set(fields: &mut Fields, name: &str, value: &str) {
    match fields.iter_mut().find(|(k, _)| k == name) {
        Some(f) => f.1 = value.to_string(),
        None => fields.push((name.to_string(), value.to_string())),
    }
}

/// Labels that mark a consent control as refusing or approving.
const DENY_WORDS: &[&str] = &["deny", "cancel", "abort", "reject"];
const APPROVE_WORDS: &[&str] = &["allow", "approve", "accept", "continue", "authorize", "yes"];

/// The `href` of the page's first link labelled as refusing (deny, cancel, ...).
fn deny_link(page: &str) -> Option<String> {
    html::links(page)
        .into_iter()
        .find(|l| {
            let text = l.text.to_ascii_lowercase();
            DENY_WORDS.iter().any(|w| text.contains(w))
        })
        .map(|l| l.href)
}

/// Picks the consent button: the profile's `name=value`, else by a telling name or
/// label, else the first.
fn choose_button(
    form: &Form,
    wanted: Option<&str>,
    refuse: bool,
) -> Result<Option<(String, String)>, String> {
    let pair = |b: &html::Button| b.name.clone().zip(b.value.clone());
    if let Some(w) = wanted {
        let (name, value) = w.split_once('=').unwrap_or((w, ""));
        return form
            .buttons
            .iter()
            .find(|b| b.name.as_deref() == Some(name) && b.value.as_deref().unwrap_or("") == value)
            .map(pair)
            .ok_or_else(|| format!("the consent form has no `{w}` button"));
    }
    let words = if refuse { DENY_WORDS } else { APPROVE_WORDS };
    let telling = form.buttons.iter().find(|b| {
        let label = format!("{} {}", b.value.as_deref().unwrap_or(""), b.text).to_ascii_lowercase();
        words.iter().any(|w| label.contains(w))
    });
    match (telling, refuse) {
        (Some(b), _) => Ok(pair(b)),
        (None, true) => Err("the consent form has no deny button".into()),
        (None, false) => Ok(form.buttons.first().and_then(pair)),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::http::{Counters, build_client};
    use crate::redact::Redactor;

    const CALLBACK: &str = "https://app.example.test/callback";

    /// A consent page whose only button approves; refusing is a "Cancel" link.
    fn consent_with_cancel_link() -> String {
        r#"<html><body><h1>Authorize</h1><form action="/consent/u1" method="post">
            <input type="hidden" name="prompt" value="consent"/>
            <button type="submit">Continue</button></form>
            <div><a href="/help">Help</a> <a href="/consent/u1/abort">[ Cancel ]</a></div>
            </body></html>"#
            .into()
    }

    async fn server() -> MockServer {
        let s = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/authorize"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "text/html")
                    .set_body_string(consent_with_cancel_link()),
            )
            .mount(&s)
            .await;
        Mock::given(method("POST"))
            .and(path("/consent/u1"))
            .respond_with(
                ResponseTemplate::new(303)
                    .insert_header("location", format!("{CALLBACK}?code=c1").as_str()),
            )
            .mount(&s)
            .await;
        Mock::given(method("GET"))
            .and(path("/consent/u1/abort"))
            .respond_with(ResponseTemplate::new(303).insert_header(
                "location",
                format!("{CALLBACK}?error=access_denied").as_str(),
            ))
            .mount(&s)
            .await;
        s
    }

    fn options(refuse: bool, deny: Option<&str>) -> LoginOptions {
        LoginOptions {
            username: "u".into(),
            password: "p".into(),
            username_field: "username".into(),
            password_field: "password".into(),
            approve: None,
            deny: deny.map(str::to_owned),
            consent_scope_field: "scope".into(),
            withhold: Vec::new(),
            refuse,
        }
    }

    async fn drive_with(opts: &LoginOptions) -> Result<(LoginOutcome, LoginTrace), String> {
        let s = server().await;
        let client = build_client(Duration::from_secs(5)).unwrap();
        let mut session = Session::new(
            client,
            Redactor::new(Vec::<String>::new()),
            Arc::new(Counters::default()),
            None,
        );
        let start = Url::parse(&format!("{}/authorize", s.uri())).unwrap();
        drive(&mut session, start, CALLBACK, opts)
            .await
            .map_err(|e| e.to_string())
    }

    fn redirect_param(outcome: &LoginOutcome, name: &str) -> Option<String> {
        match outcome {
            LoginOutcome::Redirected(r) => r
                .params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone()),
            LoginOutcome::Stopped { reason, .. } => panic!("stopped: {reason}"),
        }
    }

    #[tokio::test]
    async fn refusing_follows_a_cancel_link_when_the_form_has_no_deny_button() {
        let (outcome, trace) = drive_with(&options(true, None)).await.unwrap();
        assert_eq!(
            redirect_param(&outcome, "error").as_deref(),
            Some("access_denied")
        );
        assert!(trace.consent_answered);
    }

    #[tokio::test]
    async fn approving_still_submits_the_form() {
        let (outcome, _) = drive_with(&options(false, None)).await.unwrap();
        assert_eq!(redirect_param(&outcome, "code").as_deref(), Some("c1"));
    }

    #[tokio::test]
    async fn a_deny_button_named_by_the_profile_is_never_replaced_by_a_link() {
        let err = drive_with(&options(true, Some("consent=deny")))
            .await
            .unwrap_err();
        assert!(err.contains("no `consent=deny` button"), "{err}");
    }

    #[test]
    fn deny_link_picks_the_refusing_link_only() {
        assert_eq!(
            deny_link(&consent_with_cancel_link()).as_deref(),
            Some("/consent/u1/abort")
        );
        assert_eq!(deny_link("<a href='/help'>Help</a>"), None);
    }
}
