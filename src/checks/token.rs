//! Token endpoint responses: success shape, error code and description, scopes.

use serde_json::Value;

use super::response::describe;
use super::{Outcome, ensure, fail};
use crate::http::Response;
use crate::oauth::error::OAuthError;

fn json_of(resp: &Response) -> Result<Value, super::Failure> {
    resp.json().ok_or_else(|| super::Failure {
        check: "body_is_json",
        spec: "RFC6749-5.1",
        expected: "a JSON body".into(),
        received: describe(resp),
    })
}

/// 200 with `access_token` and a Bearer `token_type` (case-insensitive, RFC 6749 §7.1).
pub fn success(resp: &Response) -> Outcome {
    let body = json_of(resp)?;
    let at = body.get("access_token").and_then(Value::as_str);
    let tt = body.get("token_type").and_then(Value::as_str).unwrap_or("");
    ensure(
        resp.status == 200 && at.is_some_and(|t| !t.is_empty()),
        "token_response_is_successful",
        "RFC6749-5.1",
        "HTTP 200 with an access_token",
        || describe(resp),
    )?;
    ensure(
        tt.eq_ignore_ascii_case("bearer"),
        "token_type_is_bearer",
        "RFC6749-7.1",
        "token_type Bearer (any case)",
        || format!("token_type {tt:?}"),
    )
}

/// The exact `token_type` spelling `Bearer` (SMART's fixed value; a SHOULD in practice).
pub fn token_type_spelled_bearer(resp: &Response) -> Outcome {
    let body = json_of(resp)?;
    let tt = body.get("token_type").and_then(Value::as_str).unwrap_or("");
    ensure(
        tt == "Bearer",
        "token_type_spelled_bearer",
        "SMART-01",
        "token_type \"Bearer\"",
        || format!("token_type {tt:?}"),
    )
}

/// The error payload of a response, from its JSON body.
pub fn error_of(resp: &Response) -> Result<OAuthError, super::Failure> {
    let body = json_of(resp)?;
    OAuthError::from_json(&body).ok_or_else(|| super::Failure {
        check: "error_payload_present",
        spec: "RFC6749-5.2",
        expected: "a JSON body with an `error` member".into(),
        received: describe(resp),
    })
}

pub fn error_is(resp: &Response, code: &str) -> Outcome {
    let got = resp.json().and_then(|v| OAuthError::from_json(&v));
    ensure(
        got.is_some_and(|e| e.error == code),
        "token_error_is",
        "RFC6749-5.2",
        format!("error {code:?}"),
        || describe(resp),
    )
}

pub fn status_is(resp: &Response, status: u16) -> Outcome {
    ensure(
        resp.status == status,
        "token_error_status_is",
        "RFC6749-5.2",
        format!("HTTP {status}"),
        || describe(resp),
    )
}

/// The status of an `invalid_client` refusal, as RFC 6749 §5.2 words it: 401 is a MUST
/// only when the client authenticated with the Authorization header; otherwise 400
/// and 401 are both allowed.
pub fn invalid_client_status(resp: &Response, used_authorization_header: bool) -> Outcome {
    let ok = if used_authorization_header {
        resp.status == 401
    } else {
        matches!(resp.status, 400 | 401)
    };
    ensure(
        ok,
        "token_error_status_is",
        "RFC6749-5.2",
        if used_authorization_header {
            "HTTP 401 (the client used the Authorization header)"
        } else {
            "HTTP 400 or 401"
        },
        || describe(resp),
    )
}

pub fn description_is(err: &OAuthError, expected: &str) -> Outcome {
    ensure(
        err.description.as_deref() == Some(expected),
        "error_description_is",
        "RFC6749-5.2",
        format!("error_description {expected:?}"),
        || format!("error_description {:?}", err.description),
    )
}

pub fn description_is_one_of(err: &OAuthError, options: &[String]) -> Outcome {
    let got = err.description.as_deref().unwrap_or("");
    ensure(
        options.iter().any(|o| o == got),
        "error_description_is_one_of",
        "RFC6749-5.2",
        format!("one of {options:?}"),
        || format!("error_description {:?}", err.description),
    )
}

pub fn description_starts_with(err: &OAuthError, prefix: &str) -> Outcome {
    ensure(
        err.description
            .as_deref()
            .is_some_and(|d| d.starts_with(prefix)),
        "error_description_starts_with",
        "RFC6749-5.2",
        format!("error_description starting {prefix:?}"),
        || format!("error_description {:?}", err.description),
    )
}

pub fn has_member(body: &Value, member: &str, spec: &'static str) -> Outcome {
    ensure(
        body.get(member).is_some_and(|v| !v.is_null()),
        "token_response_has_member",
        spec,
        format!("a `{member}` member"),
        || format!("members {:?}", members(body)),
    )
}

pub fn lacks_member(body: &Value, member: &str, spec: &'static str) -> Outcome {
    ensure(
        body.get(member).is_none(),
        "token_response_lacks_member",
        spec,
        format!("no `{member}` member"),
        || format!("members {:?}", members(body)),
    )
}

fn members(body: &Value) -> Vec<String> {
    body.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

pub fn scope_of(body: &Value) -> Vec<String> {
    body.get("scope")
        .and_then(Value::as_str)
        .unwrap_or("")
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The granted `scope` is exactly this set (order-insensitive).
pub fn scope_is(body: &Value, expected: &str) -> Outcome {
    let mut got = scope_of(body);
    let mut want: Vec<String> = expected.split_whitespace().map(str::to_owned).collect();
    got.sort();
    want.sort();
    ensure(
        got == want,
        "granted_scope_is",
        "RFC6749-3.3",
        format!("scope {:?}", want.join(" ")),
        || format!("scope {:?}", got.join(" ")),
    )
}

pub fn scope_excludes(body: &Value, scope: &str) -> Outcome {
    let got = scope_of(body);
    ensure(
        !got.iter().any(|s| s == scope),
        "granted_scope_excludes",
        "RFC6749-3.3",
        format!("no {scope:?} in the granted scope"),
        || format!("scope {:?}", got.join(" ")),
    )
}

pub fn scope_includes(body: &Value, scope: &str) -> Outcome {
    let got = scope_of(body);
    ensure(
        got.iter().any(|s| s == scope),
        "granted_scope_includes",
        "RFC6749-3.3",
        format!("{scope:?} in the granted scope"),
        || format!("scope {:?}", got.join(" ")),
    )
}

/// `expires_in` is a positive integer: lifetimes are read, never assumed.
pub fn expires_in_positive(body: &Value) -> Outcome {
    match body.get("expires_in") {
        Some(v) if v.as_u64().is_some_and(|n| n > 0) => Ok(()),
        Some(v) => fail(
            "expires_in_is_positive_integer",
            "RFC6749-5.1",
            "a positive integer expires_in",
            format!("expires_in {v}"),
        ),
        None => fail(
            "expires_in_is_positive_integer",
            "RFC6749-5.1",
            "an expires_in member",
            format!("members {:?}", members(body)),
        ),
    }
}

/// SMART v2 recommends access tokens of at most an hour.
pub fn expires_in_at_most(body: &Value, max: u64) -> Outcome {
    let n = body.get("expires_in").and_then(Value::as_u64).unwrap_or(0);
    ensure(
        n <= max,
        "access_token_lifetime_at_most",
        "SMART-01",
        format!("expires_in ≤ {max}"),
        || format!("expires_in {n}"),
    )
}

/// A documented fixed lifetime (Oracle Health: 570 s, CER-15).
pub fn expires_in_is(body: &Value, secs: u64) -> Outcome {
    let n = body.get("expires_in").and_then(Value::as_u64);
    ensure(
        n == Some(secs),
        "expires_in_is",
        "CER-15",
        format!("expires_in {secs}"),
        || format!("expires_in {n:?}"),
    )
}

pub fn member_is(body: &Value, member: &str, expected: &str, spec: &'static str) -> Outcome {
    let got = body.get(member).and_then(Value::as_str);
    ensure(
        got == Some(expected),
        "token_response_member_is",
        spec,
        format!("{member} {expected:?}"),
        || format!("{member} {got:?}"),
    )
}

/// Token endpoint error codes registered by RFC 6749's extensions (RFC 8628 device
/// flow, RFC 9449 DPoP, RFC 8707 resource indicators), beside RFC 6749 §5.2's own.
const EXTENSION_TOKEN_ERRORS: &[&str] = &[
    "authorization_pending",
    "slow_down",
    "access_denied",
    "expired_token",
    "invalid_dpop_proof",
    "use_dpop_nonce",
    "invalid_target",
];

/// `error` is a registered code and `error_description` / `error_uri` use only the
/// characters RFC 6749 §5.2 allows (printable ASCII without `"` and `\`).
pub fn error_is_well_formed(err: &OAuthError) -> Outcome {
    ensure(
        crate::oauth::error::TOKEN_ERROR_CODES
            .iter()
            .chain(EXTENSION_TOKEN_ERRORS)
            .any(|c| *c == err.error),
        "token_error_code_registered",
        "RFC6749-5.2",
        "an error code RFC 6749 §5.2 (or a registered extension) defines",
        || format!("error {:?}", err.error),
    )?;
    let allowed = |s: &str| {
        s.chars()
            .all(|c| matches!(c, '\x20'..='\x7e') && c != '"' && c != '\\')
    };
    let desc = err.description.as_deref().unwrap_or("");
    ensure(
        allowed(desc),
        "error_description_charset",
        "RFC6749-5.2",
        "error_description in %x20-21 / %x23-5B / %x5D-7E",
        || format!("error_description {desc:?}"),
    )?;
    let uri = err.uri.as_deref().unwrap_or("");
    ensure(
        allowed(uri) && !uri.contains(' '),
        "error_uri_charset",
        "RFC6749-5.2",
        "error_uri in %x21 / %x23-5B / %x5D-7E",
        || format!("error_uri {uri:?}"),
    )
}

/// A 401 for a client that used HTTP Basic tells it how to authenticate
/// (RFC 6749 §5.2: `WWW-Authenticate` matching the scheme used).
pub fn basic_challenge(resp: &Response) -> Outcome {
    let h = resp.header("www-authenticate").unwrap_or("");
    ensure(
        resp.status == 401 && h.trim_start().to_ascii_lowercase().starts_with("basic"),
        "invalid_client_challenges_basic",
        "RFC6749-5.2",
        "HTTP 401 with WWW-Authenticate: Basic …",
        || format!("HTTP {} WWW-Authenticate: {h:?}", resp.status),
    )
}

/// The scope a token response reports (its `scope`, or the requested scope when the
/// member is absent, RFC 6749 §5.1) is the scope the token carries according to the
/// server's own introspection.
pub fn reported_scope_is_real(body: &Value, requested: &str, introspected: &Value) -> Outcome {
    let set = |s: &str| {
        let mut v: Vec<String> = s.split_whitespace().map(str::to_owned).collect();
        v.sort();
        v.dedup();
        v
    };
    let reported = body
        .get("scope")
        .and_then(Value::as_str)
        .map_or_else(|| set(requested), set);
    let Some(actual) = introspected.get("scope").and_then(Value::as_str) else {
        return fail(
            "token_scope_reported_truthfully",
            "RFC6749-3.3",
            "an introspection response with the token's scope",
            format!("introspection {introspected}"),
        );
    };
    let actual = set(actual);
    ensure(
        reported == actual,
        "token_scope_reported_truthfully",
        "RFC6749-3.3",
        format!("the reported scope {reported:?} to be the token's scope"),
        || {
            let how = if body.get("scope").is_some() {
                "the response's `scope`"
            } else {
                "no `scope` member, so the requested scope"
            };
            format!("the token carries {actual:?} ({how} says {reported:?})")
        },
    )
}

/// A refresh answered with a refresh token other than the one presented
/// (RFC 9700 §4.14.2 rotation for public clients).
pub fn refresh_token_rotated(body: &Value, presented: &str) -> Outcome {
    let new = body.get("refresh_token").and_then(Value::as_str);
    ensure(
        new.is_some_and(|n| n != presented),
        "refresh_token_rotated",
        "RFC9700-4.14.2",
        "a new refresh_token in the refresh response",
        || match new {
            None => "no refresh_token in the refresh response".into(),
            Some(_) => "the same refresh_token as presented".into(),
        },
    )
}

/// The refusal is one of the named (status, error) pairs: the allowed alternatives are
/// named openly, as where the RFCs leave a server the choice.
pub fn refused_as_one_of(resp: &Response, allowed: &[(u16, &str)]) -> Outcome {
    let got = resp.json().and_then(|v| OAuthError::from_json(&v));
    let ok = got
        .as_ref()
        .is_some_and(|e| allowed.contains(&(resp.status, e.error.as_str())));
    let names: Vec<String> = allowed.iter().map(|(s, e)| format!("{s} {e:?}")).collect();
    ensure(
        ok,
        "token_error_is_one_of",
        "RFC6749-5.2",
        format!("one of {}", names.join(", ")),
        || describe(resp),
    )
}
