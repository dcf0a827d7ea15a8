//! The userinfo endpoint: the protected resource every OpenID provider has, used to
//! check Bearer token usage (RFC 6750).

use cucumber::step::Context;

use super::{StepFn, World, step};
use grantcheck_core::checks::{fhir as resource, id_token as idt};
use grantcheck_core::http::Request;
use grantcheck_core::oauth::id_token::decode_unverified;

pub(super) const STEPS: &[(&str, StepFn)] = &[
    (
        r"^the app asks the userinfo endpoint about the user$",
        step!(with_token),
    ),
    (
        r"^the app asks the userinfo endpoint without an access token$",
        step!(without_token),
    ),
    (
        r"^the userinfo response names the subject of the ID token$",
        step!(same_subject),
    ),
    (
        r"^the response is a 401 that asks for a Bearer token$",
        step!(bearer_challenge),
    ),
];

fn endpoint(w: &World) -> url::Url {
    match w.target().endpoints.userinfo.clone() {
        Some(u) => u,
        None => w.missing_endpoint("userinfo"),
    }
}

async fn with_token(w: &mut World, _: Context) {
    let url = endpoint(w);
    let Some(token) = w.flow.grant.access_token.clone() else {
        w.fail_with("no access token: the app never received one".into())
    };
    let req = Request::get(url)
        .header("accept", "application/json")
        .header("authorization", format!("Bearer {token}"));
    let resp = w.send(req).await;
    w.flow.last = Some(resp);
}

async fn without_token(w: &mut World, _: Context) {
    let url = endpoint(w);
    let resp = w
        .send(Request::get(url).header("accept", "application/json"))
        .await;
    w.flow.last = Some(resp);
}

async fn same_subject(w: &mut World, _: Context) {
    let Some(resp) = w.flow.last.clone() else {
        w.fail_with("the userinfo endpoint was never asked".into())
    };
    w.must(grantcheck_core::checks::response::status_is(&resp, 200));
    let Some(jwt) = w.flow.grant.id_token.clone() else {
        w.fail_with("no ID token to compare the subject with".into())
    };
    let decoded = match decode_unverified(&jwt) {
        Ok(d) => d,
        Err(e) => w.fail_with(format!("the ID token cannot be decoded: {e}")),
    };
    let body = resp.json().unwrap_or_default();
    w.must(idt::userinfo_subject_matches(&decoded, &body));
}

async fn bearer_challenge(w: &mut World, _: Context) {
    let Some(resp) = w.flow.last.clone() else {
        w.fail_with("no request was sent".into())
    };
    w.must(resource::bearer_challenge(&resp));
}
