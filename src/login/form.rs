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

/// Redirects and pages the driver follows before giving up.
const MAX_HOPS: usize = 20;

pub async fn drive(
    session: &mut Session,
    start: Url,
    redirect_uri: &str,
    opts: &LoginOptions,
) -> Result<(LoginOutcome, LoginTrace), String> {
    let mut request = Request::get(start);
    let mut signed_in = false;
    let mut consented = false;
    let trace = |signed_in, consented| LoginTrace {
        credentials_entered: signed_in,
        consent_answered: consented,
    };
    for _ in 0..MAX_HOPS {
        let current = request.url.clone();
        let response = session.send(request).await.map_err(|e| e.to_string())?;
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
    Err(format!("gave up after {MAX_HOPS} redirects and pages"))
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
    let words: &[&str] = if refuse {
        &["deny", "cancel", "abort", "reject"]
    } else {
        &["allow", "approve", "accept", "continue", "authorize", "yes"]
    };
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
