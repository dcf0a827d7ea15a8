//! Authorization endpoint outcomes: the redirect back to the app, or the page the user
//! is left on.

use super::response::describe;
use super::{Failure, Outcome, ensure, fail};
use crate::login::LoginOutcome;
use crate::login::html::visible_text;
use crate::oauth::authorize::RedirectParams;
use crate::oauth::error::OAuthError;
use crate::redact::Redactor;

fn describe_outcome(outcome: &LoginOutcome) -> String {
    match outcome {
        LoginOutcome::Redirected(r) => {
            format!("a redirect to {}", Redactor::default().url(&r.location))
        }
        LoginOutcome::Stopped { response, reason } => {
            let text = visible_text(&response.text());
            let text = if text.is_empty() {
                describe(response)
            } else {
                super::excerpt(&text, 600)
            };
            format!("no redirect ({reason}); HTTP {}: {text}", response.status)
        }
    }
}

/// The redirect back to the app carries an authorization code.
pub fn redirected_with_code(outcome: &LoginOutcome) -> Result<&RedirectParams, Failure> {
    match outcome {
        LoginOutcome::Redirected(r) if r.get("code").is_some_and(|c| !c.is_empty()) => Ok(r),
        other => Err(Failure {
            check: "authorization_redirects_with_code",
            spec: "RFC6749-4.1.2",
            expected: "a redirect to the app with a `code`".into(),
            received: describe_outcome(other),
        }),
    }
}

/// The redirect back to the app carries `error` = `code`.
pub fn redirected_with_error(outcome: &LoginOutcome, code: &str) -> Result<OAuthError, Failure> {
    let mismatch = |received| Failure {
        check: "authorization_error_is",
        spec: "RFC6749-4.1.2.1",
        expected: format!("a redirect to the app with error {code:?}"),
        received,
    };
    match outcome {
        LoginOutcome::Redirected(r) => match OAuthError::from_params(&r.params) {
            Some(e) if e.error == code => Ok(e),
            Some(e) => Err(mismatch(format!(
                "error {:?} (error_description {})",
                e.error,
                super::shown(e.description.as_deref())
            ))),
            None => Err(mismatch(describe_outcome(outcome))),
        },
        other => Err(mismatch(describe_outcome(other))),
    }
}

/// Either of two named error codes (where the vendor documents are ambiguous).
pub fn redirected_with_either_error(
    outcome: &LoginOutcome,
    a: &str,
    b: &str,
) -> Result<OAuthError, Failure> {
    redirected_with_error(outcome, a).or_else(|_| {
        redirected_with_error(outcome, b).map_err(|mut f| {
            f.expected = format!("a redirect to the app with error {a:?} or {b:?}");
            f
        })
    })
}

pub fn state_is(params: &RedirectParams, expected: &str) -> Outcome {
    ensure(
        params.get("state") == Some(expected),
        "state_is_echoed",
        "RFC6749-4.1.2",
        "the `state` the app sent",
        || match params.get("state") {
            Some(_) => "a different `state`".into(),
            None => "no `state` parameter".into(),
        },
    )
}

/// The server did not send the browser to the app: it showed a page instead.
pub fn not_redirected(outcome: &LoginOutcome) -> Result<(u16, String), Failure> {
    match outcome {
        LoginOutcome::Stopped { response, .. } => {
            Ok((response.status, visible_text(&response.text())))
        }
        other => Err(Failure {
            check: "no_redirect_to_unregistered_uri",
            spec: "RFC6749-4.1.2.1",
            expected: "an error page, and no redirect".into(),
            received: describe_outcome(other),
        }),
    }
}

pub fn page_says(outcome: &LoginOutcome, needle: &str) -> Outcome {
    let (_, text) = not_redirected(outcome)?;
    ensure(
        text.contains(needle),
        "page_says",
        "vendor-documentation",
        format!("a page saying {needle:?}"),
        || text.clone(),
    )
}

pub fn page_status_is(outcome: &LoginOutcome, status: u16) -> Outcome {
    let (got, text) = not_redirected(outcome)?;
    if got == status {
        Ok(())
    } else {
        fail(
            "page_status_is",
            "vendor-documentation",
            format!("HTTP {status}"),
            format!("HTTP {got}: {text}"),
        )
    }
}

/// The authorization response names the server in `iss` (RFC 9207 §2), equal to the
/// issuer of its metadata.
pub fn iss_is(params: &RedirectParams, issuer: &str) -> Outcome {
    ensure(
        params.get("iss") == Some(issuer),
        "authorization_response_names_issuer",
        "RFC9207-2",
        format!("iss {issuer:?}"),
        || match params.get("iss") {
            Some(other) => format!("iss {other:?}"),
            None => "no `iss` parameter".into(),
        },
    )
}

/// A page no other site may frame: `X-Frame-Options` DENY/SAMEORIGIN or a CSP
/// `frame-ancestors` directive (RFC 9700 §4.16 clickjacking).
pub fn page_not_frameable(resp: &crate::http::Response) -> Outcome {
    let xfo = resp
        .header("x-frame-options")
        .unwrap_or("")
        .to_ascii_lowercase();
    let csp = resp
        .header("content-security-policy")
        .unwrap_or("")
        .to_ascii_lowercase();
    let xfo_ok = xfo.trim() == "deny" || xfo.trim() == "sameorigin";
    let csp_ok = csp
        .split(';')
        .map(str::trim)
        .any(|d| d.starts_with("frame-ancestors") && !d.contains('*'));
    ensure(
        xfo_ok || csp_ok,
        "page_forbids_framing",
        "RFC9700-4.16",
        "X-Frame-Options DENY or SAMEORIGIN, or a CSP frame-ancestors directive",
        || {
            format!(
                "HTTP {} X-Frame-Options {}, Content-Security-Policy {}",
                resp.status,
                super::shown(resp.header("x-frame-options")),
                super::shown(resp.header("content-security-policy"))
            )
        },
    )
}

/// No POST (the sign-in and consent forms) was answered with 307, which would make
/// the browser re-post the user's credentials to the next location (RFC 9700 §4.12).
pub fn no_307_after_post(exchanges: &[crate::http::Exchange]) -> Outcome {
    let bad: Vec<String> = exchanges
        .iter()
        .filter(|e| e.method == "POST" && e.status == Some(307))
        .map(|e| e.url.clone())
        .collect();
    ensure(
        bad.is_empty(),
        "no_307_after_form_post",
        "RFC9700-4.12",
        "no form POST answered with 307",
        || format!("307 answered the POST to {}", bad.join(", ")),
    )
}
