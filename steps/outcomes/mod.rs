//! Then-steps: each applies named checks to what the server sent, and every refusal
//! is compared with its snapshot. One module per subject; the helpers they share
//! (reading the last response, the token response, the ID token) are here.

use cucumber::step::Context;
use grantcheck_core::profile::ClientRole;
use serde_json::{Value, json};

use super::{StepFn, World, arg, step};
use grantcheck_core::checks::schema::{Shape, conforms};
use grantcheck_core::checks::{self, authorize as az, id_token as idt, session as ss, token as tk};
use grantcheck_core::http::{Request, Response};
use grantcheck_core::login::LoginOutcome;
use grantcheck_core::login::html::visible_text;
use grantcheck_core::oauth::error::OAuthError;
use grantcheck_core::oauth::id_token::{Decoded, decode_unverified};
use grantcheck_core::snapshot::Payload;

pub(super) mod authorization;
pub(super) mod fhir;
pub(super) mod id_token;
pub(super) mod refusals;
pub(super) mod session;
pub(super) mod token_response;

fn outcome(w: &World) -> LoginOutcome {
    w.need_authorization_response();
    match &w.flow.auth.outcome {
        Some(o) => o.clone(),
        None => w.fail_with("the user never went to the authorization endpoint".into()),
    }
}

fn last(w: &World) -> Response {
    match &w.flow.last {
        Some(r) => r.clone(),
        None => w.fail_with("no response to check: no request was made".into()),
    }
}

fn payload_of(resp: &Response) -> Payload {
    let body = match resp.json() {
        Some(v) => v,
        None if resp.content_type().is_some_and(|c| c.contains("html")) => {
            Value::String(visible_text(&resp.text()))
        }
        None => Value::String(resp.text()),
    };
    Payload {
        status: resp.status,
        content_type: resp.content_type().map(str::to_owned),
        body,
    }
}

fn redirect_payload(outcome: &LoginOutcome) -> Payload {
    match outcome {
        LoginOutcome::Redirected(r) => Payload {
            status: 302,
            content_type: None,
            body: Value::Object(
                r.params
                    .iter()
                    .filter(|(k, _)| k != "code")
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect(),
            ),
        },
        LoginOutcome::Stopped { response, .. } => payload_of(response),
    }
}

/// The outcome of a step that expects the browser to come back to the app. A sign-in
/// page the form driver cannot fill (a script builds it) blocks the scenario: it says
/// nothing about the server's conformance (the sign-in step blocks already; this holds
/// for any outcome recorded without it).
fn redirect_expected(w: &World) -> LoginOutcome {
    let o = outcome(w);
    super::authorize::block_on_script_sign_in(w, &o);
    o
}

fn last_error(w: &World) -> OAuthError {
    match &w.flow.last_error {
        Some(e) => e.clone(),
        None => w.fail_with("no error to describe: no refusal was checked before".into()),
    }
}

/// The checks of a refusal: the error code, then the parts of an error response
/// (status, content type), which apply only when the server did refuse.
fn refusal_checks<const N: usize>(
    r: &Response,
    code: checks::Outcome,
    parts: [checks::Outcome; N],
) -> Vec<checks::Outcome> {
    let mut all = vec![code];
    if !(200..300).contains(&r.status) {
        all.extend(parts);
        // The error object's shape (RFC 6749 §5.2: `error` required, the charsets of
        // its members), when there is one to judge.
        match r.json() {
            Some(body) if body.get("error").is_some() => {
                all.push(conforms(&body, Shape::OAuthError));
            }
            // A vendor's own error object, told apart by a member RFC 6749's lacks
            // (OKT-11's `errorCode`).
            Some(body) => {
                if let Some(shape) = Shape::vendor_error_of(&body) {
                    all.push(conforms(&body, shape));
                }
            }
            _ => {}
        }
    }
    all
}

/// The token response of the flow, or of the last request when the flow kept none.
pub(crate) fn tokens(w: &World) -> Value {
    match &w.flow.grant.response {
        Some(t) => t.clone(),
        None => {
            let r = last(w);
            if let Err(f) = tk::success(&r) {
                w.fail(&f);
            }
            r.json().unwrap_or(Value::Null)
        }
    }
}

fn id_token(w: &World) -> (String, Decoded) {
    let Some(jwt) = w.flow.grant.id_token.clone() else {
        w.fail_with("no ID token: the token response carried none".into())
    };
    match decode_unverified(&jwt) {
        Ok(d) => (jwt, d),
        Err(e) => w.fail_with(format!("the ID token cannot be decoded: {e}")),
    }
}

async fn fetch_keys(w: &mut World) -> Response {
    let Some(mut url) = w.target().endpoints.keys.clone() else {
        w.missing_endpoint("keys")
    };
    // Some servers require `client_id` on the keys endpoint (OKT-15); others ignore it.
    let id = w.client().id;
    url.query_pairs_mut().append_pair("client_id", &id);
    w.send(Request::get(url).header("accept", "application/json"))
        .await
}

impl World {
    /// Error responses are snapshotted wherever a scenario meets them.
    fn snapshot_if_error(&mut self, r: &Response) {
        if r.status >= 400 {
            self.snapshot(payload_of(r));
        }
    }
}
