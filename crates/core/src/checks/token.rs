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

/// The scope a token response grants: its `scope` member, or, when the member is
/// absent, the scope the request asked for (RFC 6749 §5.1: `scope` may be left out
/// only when it is identical to the requested scope). `requested` is `None` when the
/// request named no scope; the grant is then unknown without the member.
pub fn granted_scope(body: &Value, requested: Option<&str>) -> Option<Vec<String>> {
    match (body.get("scope"), requested) {
        (Some(_), _) => Some(scope_of(body)),
        (None, Some(r)) => Some(r.split_whitespace().map(str::to_owned).collect()),
        (None, None) => None,
    }
}

/// What a failure says was granted, naming where it was read.
fn shown_grant(body: &Value, grant: &Option<Vec<String>>) -> String {
    match (body.get("scope"), grant) {
        (Some(_), Some(g)) => format!("scope {:?}", g.join(" ")),
        (None, Some(g)) => format!(
            "no `scope` member, so the requested scope {:?} (RFC 6749 §5.1)",
            g.join(" ")
        ),
        _ => "no `scope` member, and the request named no scope".into(),
    }
}

/// The granted scope (see [`granted_scope`]) is exactly this set (order-insensitive).
pub fn scope_is(body: &Value, requested: Option<&str>, expected: &str) -> Outcome {
    let grant = granted_scope(body, requested);
    let mut want: Vec<String> = expected.split_whitespace().map(str::to_owned).collect();
    want.sort();
    let got = grant.clone().map(|mut g| {
        g.sort();
        g
    });
    ensure(
        got.as_ref() == Some(&want),
        "granted_scope_is",
        "RFC6749-3.3",
        format!("scope {:?}", want.join(" ")),
        || shown_grant(body, &grant),
    )
}

pub fn scope_excludes(body: &Value, requested: Option<&str>, scope: &str) -> Outcome {
    let grant = granted_scope(body, requested);
    ensure(
        grant
            .as_ref()
            .is_some_and(|g| !g.iter().any(|s| s == scope)),
        "granted_scope_excludes",
        "RFC6749-3.3",
        format!("no {scope:?} in the granted scope"),
        || shown_grant(body, &grant),
    )
}

pub fn scope_includes(body: &Value, requested: Option<&str>, scope: &str) -> Outcome {
    let grant = granted_scope(body, requested);
    ensure(
        grant.as_ref().is_some_and(|g| g.iter().any(|s| s == scope)),
        "granted_scope_includes",
        "RFC6749-3.3",
        format!("{scope:?} in the granted scope"),
        || shown_grant(body, &grant),
    )
}

/// The response states the token's lifetime: RFC 6749 §5.1 RECOMMENDS `expires_in`
/// (so its absence is a SHOULD, a MUST only where a vendor documents it).
pub fn expires_in_present(body: &Value, spec: &'static str) -> Outcome {
    ensure(
        body.get("expires_in").is_some(),
        "expires_in_present",
        spec,
        "an expires_in member",
        || format!("members {:?}", members(body)),
    )
}

/// When present, `expires_in` has the syntax RFC 6749 Appendix A.14 gives it: a
/// non-negative integer (digits only; 0 is well formed, if short-lived).
pub fn expires_in_well_formed(body: &Value) -> Outcome {
    match body.get("expires_in") {
        None => Ok(()),
        Some(v) if v.as_u64().is_some() => Ok(()),
        Some(v) => fail(
            "expires_in_is_non_negative_integer",
            "RFC6749-A.14",
            "expires_in as a non-negative integer",
            format!("expires_in {v}"),
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

/// A documented fixed lifetime (570 s in CER-15).
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
        resp.status == 401
            && super::response::challenges(resp).any(|c| c.eq_ignore_ascii_case("basic")),
        "invalid_client_challenges_basic",
        "RFC6749-5.2",
        "HTTP 401 with WWW-Authenticate: Basic …",
        || format!("HTTP {} WWW-Authenticate: {h:?}", resp.status),
    )
}

/// The scope a token response reports (its `scope`, or the requested scope when the
/// member is absent, RFC 6749 §5.1) is the scope the token carries according to the
/// server's own introspection. Introspection's `scope` is optional (RFC 7662 §2.2):
/// without it there is nothing to compare, which the caller says (not a failure).
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

/// A refresh asking for more than the grant holds: RFC 6749 §6 forbids granting more
/// than the original scope, and §3.3 lets the server leave out what it will not grant.
/// So, answered with 200, the response must state a `scope` without `extra` (without
/// `scope` it claims to grant everything asked, `extra` included).
pub fn refresh_not_widened(resp: &Response, extra: &str) -> Outcome {
    let body = resp.json().unwrap_or(Value::Null);
    ensure(
        body.get("scope").is_some() && scope_excludes(&body, None, extra).is_ok(),
        "refresh_grants_no_wider_scope",
        "RFC6749-6",
        format!("invalid_scope, or a `scope` without {extra:?}"),
        || match body.get("scope") {
            Some(s) => format!("HTTP 200 with scope {s}"),
            None => "HTTP 200 without `scope`: the whole wider scope was granted".into(),
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

#[cfg(test)]
mod tests {

    #[test]
    fn a_wider_refresh_answered_with_200_must_leave_the_extra_scope_out() {
        let ok = json_response(200, json!({ "access_token": "at", "scope": "openid" }));
        assert!(refresh_not_widened(&ok, "extra").is_ok());
        for body in [
            json!({ "access_token": "at", "scope": "openid extra" }),
            json!({ "access_token": "at" }),
        ] {
            let f = refresh_not_widened(&json_response(200, body), "extra").unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("refresh_grants_no_wider_scope", "RFC6749-6")
            );
        }
    }

    use super::*;
    use crate::checks::test_support::{json_response, response};
    use serde_json::json;

    fn ok(body: Value) -> Response {
        json_response(200, body)
    }

    fn error(code: &str, description: Option<&str>, uri: Option<&str>) -> OAuthError {
        OAuthError {
            error: code.into(),
            description: description.map(str::to_owned),
            uri: uri.map(str::to_owned),
        }
    }

    fn described(description: &str) -> OAuthError {
        error("invalid_grant", Some(description), None)
    }

    #[test]
    fn a_bearer_token_passes_in_any_case_without_optional_members() {
        // expires_in and scope are RECOMMENDED / OPTIONAL (RFC 6749 §5.1).
        for tt in ["Bearer", "bearer", "BEARER"] {
            let r = ok(json!({ "access_token": "at", "token_type": tt }));
            assert!(success(&r).is_ok(), "{tt}");
        }
    }

    #[test]
    fn a_token_type_other_than_bearer_fails() {
        for body in [
            json!({ "access_token": "at", "token_type": "DPoP" }),
            json!({ "access_token": "at" }),
        ] {
            let f = success(&ok(body)).unwrap_err();
            assert_eq!((f.check, f.spec), ("token_type_is_bearer", "RFC6749-7.1"));
        }
    }

    #[test]
    fn a_response_without_an_access_token_or_200_fails() {
        for r in [
            ok(json!({ "token_type": "Bearer" })),
            ok(json!({ "access_token": "", "token_type": "Bearer" })),
            json_response(400, json!({ "error": "invalid_grant" })),
            json_response(201, json!({ "access_token": "at", "token_type": "Bearer" })),
        ] {
            let f = success(&r).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("token_response_is_successful", "RFC6749-5.1")
            );
        }
    }

    #[test]
    fn a_body_that_is_not_json_fails() {
        let f = success(&response(200, &[], "access_token=at")).unwrap_err();
        assert_eq!((f.check, f.spec), ("body_is_json", "RFC6749-5.1"));
    }

    #[test]
    fn bearer_spelled_exactly_passes_smart() {
        let r = ok(json!({ "access_token": "at", "token_type": "Bearer" }));
        assert!(token_type_spelled_bearer(&r).is_ok());
    }

    #[test]
    fn bearer_in_another_case_fails_smart() {
        let r = ok(json!({ "access_token": "at", "token_type": "bearer" }));
        let f = token_type_spelled_bearer(&r).unwrap_err();
        assert_eq!((f.check, f.spec), ("token_type_spelled_bearer", "SMART-01"));
    }

    #[test]
    fn an_rfc6749_or_api_error_body_yields_its_error() {
        let r = json_response(
            400,
            json!({ "error": "invalid_grant", "error_description": "d" }),
        );
        assert_eq!(
            error_of(&r).unwrap(),
            error("invalid_grant", Some("d"), None)
        );
        // The management-API error object of OKT-11.
        let api = json_response(401, json!({ "errorCode": "E0000011", "errorSummary": "s" }));
        assert_eq!(error_of(&api).unwrap().error, "E0000011");
    }

    #[test]
    fn a_body_without_an_error_member_fails() {
        let f = error_of(&json_response(400, json!({ "message": "no" }))).unwrap_err();
        assert_eq!((f.check, f.spec), ("error_payload_present", "RFC6749-5.2"));
        let f = error_of(&response(400, &[], "Bad Request")).unwrap_err();
        assert_eq!(f.check, "body_is_json");
    }

    #[test]
    fn the_named_error_code_passes() {
        let r = json_response(400, json!({ "error": "invalid_grant" }));
        assert!(error_is(&r, "invalid_grant").is_ok());
    }

    #[test]
    fn another_error_code_or_no_json_fails() {
        for r in [
            json_response(400, json!({ "error": "invalid_request" })),
            response(400, &[], "invalid_grant"),
        ] {
            let f = error_is(&r, "invalid_grant").unwrap_err();
            assert_eq!((f.check, f.spec), ("token_error_is", "RFC6749-5.2"));
        }
    }

    #[test]
    fn the_error_status_named_passes() {
        assert!(status_is(&response(400, &[], ""), 400).is_ok());
    }

    #[test]
    fn another_error_status_fails() {
        let f = status_is(&response(401, &[], ""), 400).unwrap_err();
        assert_eq!((f.check, f.spec), ("token_error_status_is", "RFC6749-5.2"));
    }

    #[test]
    fn invalid_client_may_be_400_or_401_without_the_authorization_header() {
        for status in [400, 401] {
            assert!(invalid_client_status(&response(status, &[], ""), false).is_ok());
        }
        assert!(invalid_client_status(&response(401, &[], ""), true).is_ok());
    }

    #[test]
    fn invalid_client_after_the_authorization_header_must_be_401() {
        for (status, header) in [(400, true), (403, false), (200, false)] {
            let f = invalid_client_status(&response(status, &[], ""), header).unwrap_err();
            assert_eq!((f.check, f.spec), ("token_error_status_is", "RFC6749-5.2"));
        }
    }

    #[test]
    fn the_exact_description_passes() {
        assert!(description_is(&described("Code expired"), "Code expired").is_ok());
    }

    #[test]
    fn another_or_no_description_fails() {
        for e in [
            described("code expired"),
            error("invalid_grant", None, None),
        ] {
            let f = description_is(&e, "Code expired").unwrap_err();
            assert_eq!((f.check, f.spec), ("error_description_is", "RFC6749-5.2"));
        }
    }

    #[test]
    fn a_description_among_the_options_passes() {
        let options = ["A".to_string(), "B".to_string()];
        assert!(description_is_one_of(&described("B"), &options).is_ok());
    }

    #[test]
    fn a_description_outside_the_options_fails() {
        let options = ["A".to_string(), "B".to_string()];
        for e in [described("C"), error("invalid_grant", None, None)] {
            let f = description_is_one_of(&e, &options).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("error_description_is_one_of", "RFC6749-5.2")
            );
        }
    }

    #[test]
    fn a_description_with_the_prefix_passes() {
        let e = described("Invalid redirect_uri: https://x");
        assert!(description_starts_with(&e, "Invalid redirect_uri").is_ok());
    }

    #[test]
    fn a_description_without_the_prefix_fails() {
        for e in [
            described("redirect_uri invalid"),
            error("invalid_grant", None, None),
        ] {
            let f = description_starts_with(&e, "Invalid redirect_uri").unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("error_description_starts_with", "RFC6749-5.2")
            );
        }
    }

    #[test]
    fn a_present_member_passes() {
        assert!(has_member(&json!({ "patient": "p1" }), "patient", "SMART-02").is_ok());
    }

    #[test]
    fn a_missing_or_null_member_fails_under_the_given_spec() {
        for body in [json!({}), json!({ "patient": null })] {
            let f = has_member(&body, "patient", "SMART-02").unwrap_err();
            assert_eq!((f.check, f.spec), ("token_response_has_member", "SMART-02"));
        }
    }

    #[test]
    fn an_absent_member_passes() {
        let body = json!({ "access_token": "at" });
        assert!(lacks_member(&body, "refresh_token", "ATH-06").is_ok());
    }

    #[test]
    fn a_present_member_fails_under_the_given_spec() {
        let body = json!({ "access_token": "at", "refresh_token": "rt" });
        let f = lacks_member(&body, "refresh_token", "ATH-06").unwrap_err();
        assert_eq!((f.check, f.spec), ("token_response_lacks_member", "ATH-06"));
    }

    #[test]
    fn scope_of_splits_on_spaces_and_treats_absence_as_empty() {
        assert_eq!(
            scope_of(&json!({ "scope": "openid  profile" })),
            ["openid", "profile"]
        );
        assert!(scope_of(&json!({})).is_empty());
    }

    #[test]
    fn the_same_scopes_in_another_order_pass() {
        let body = json!({ "scope": "patient/Patient.read openid" });
        assert!(scope_is(&body, Some("x"), "openid patient/Patient.read").is_ok());
    }

    #[test]
    fn a_narrower_or_wider_scope_fails() {
        for scope in ["openid", "openid patient/Patient.read offline_access"] {
            let f = scope_is(
                &json!({ "scope": scope }),
                None,
                "openid patient/Patient.read",
            )
            .unwrap_err();
            assert_eq!((f.check, f.spec), ("granted_scope_is", "RFC6749-3.3"));
        }
    }

    /// RFC 6749 §5.1: a response may leave `scope` out when it granted what was asked.
    #[test]
    fn without_a_scope_member_the_requested_scope_is_the_grant() {
        let body = json!({ "access_token": "at" });
        let asked = Some("openid patient/Patient.read");
        assert!(scope_is(&body, asked, "patient/Patient.read openid").is_ok());
        assert!(scope_includes(&body, asked, "openid").is_ok());
        let f = scope_excludes(&body, asked, "openid").unwrap_err();
        assert!(f.received.contains("so the requested scope"), "{f}");
        assert!(scope_excludes(&body, asked, "offline_access").is_ok());
        let f = scope_is(&body, asked, "openid").unwrap_err();
        assert_eq!(f.check, "granted_scope_is");
        // Nothing asked, nothing stated: no grant to judge, so nothing passes.
        assert!(scope_includes(&body, None, "openid").is_err());
        assert!(scope_excludes(&body, None, "openid").is_err());
        assert_eq!(granted_scope(&body, None), None);
    }

    #[test]
    fn a_scope_left_out_passes_exclusion() {
        let body = json!({ "scope": "patient/Patient.read" });
        let asked = Some("patient/Patient.read patient/Observation.read");
        assert!(scope_excludes(&body, asked, "patient/Observation.read").is_ok());
    }

    #[test]
    fn a_granted_scope_fails_exclusion() {
        let body = json!({ "scope": "patient/Patient.read patient/Observation.read" });
        let f = scope_excludes(&body, None, "patient/Observation.read").unwrap_err();
        assert_eq!((f.check, f.spec), ("granted_scope_excludes", "RFC6749-3.3"));
    }

    #[test]
    fn a_granted_scope_passes_inclusion() {
        let body = json!({ "scope": "openid patient/Patient.read" });
        assert!(scope_includes(&body, None, "patient/Patient.read").is_ok());
    }

    #[test]
    fn a_scope_not_granted_whole_fails_inclusion() {
        // Scope tokens compare whole: `.rs` is not `.read`.
        let body = json!({ "scope": "openid patient/Patient.rs" });
        let f = scope_includes(&body, None, "patient/Patient.read").unwrap_err();
        assert_eq!((f.check, f.spec), ("granted_scope_includes", "RFC6749-3.3"));
    }

    #[test]
    fn a_stated_lifetime_passes_and_a_missing_one_fails_under_the_given_spec() {
        assert!(expires_in_present(&json!({ "expires_in": 3600 }), "RFC6749-5.1").is_ok());
        let f = expires_in_present(&json!({ "access_token": "at" }), "CER-15").unwrap_err();
        assert_eq!((f.check, f.spec), ("expires_in_present", "CER-15"));
    }

    /// RFC 6749 Appendix A.14: `expires_in` is 1*DIGIT, so 0 is well formed too.
    #[test]
    fn a_non_negative_integer_lifetime_or_none_is_well_formed() {
        for body in [
            json!({ "expires_in": 3600 }),
            json!({ "expires_in": 0 }),
            json!({}),
        ] {
            assert!(expires_in_well_formed(&body).is_ok(), "{body}");
        }
    }

    #[test]
    fn a_negative_string_or_fractional_lifetime_is_malformed() {
        for v in [json!(-1), json!("3600"), json!(3600.5)] {
            let f = expires_in_well_formed(&json!({ "expires_in": v })).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("expires_in_is_non_negative_integer", "RFC6749-A.14")
            );
        }
    }

    #[test]
    fn a_lifetime_up_to_the_limit_or_none_passes() {
        assert!(expires_in_at_most(&json!({ "expires_in": 3600 }), 3600).is_ok());
        // No lifetime to judge: expires_in_present reports its absence.
        assert!(expires_in_at_most(&json!({}), 3600).is_ok());
    }

    #[test]
    fn a_lifetime_beyond_the_limit_fails() {
        let f = expires_in_at_most(&json!({ "expires_in": 3601 }), 3600).unwrap_err();
        assert_eq!(
            (f.check, f.spec),
            ("access_token_lifetime_at_most", "SMART-01")
        );
    }

    #[test]
    fn the_documented_lifetime_passes() {
        assert!(expires_in_is(&json!({ "expires_in": 570 }), 570).is_ok());
    }

    #[test]
    fn another_or_no_lifetime_fails() {
        for body in [json!({ "expires_in": 600 }), json!({})] {
            let f = expires_in_is(&body, 570).unwrap_err();
            assert_eq!((f.check, f.spec), ("expires_in_is", "CER-15"));
        }
    }

    #[test]
    fn the_member_value_passes() {
        assert!(member_is(&json!({ "tenant": "t1" }), "tenant", "t1", "CER-16").is_ok());
    }

    #[test]
    fn another_or_non_string_member_value_fails() {
        for body in [json!({ "tenant": "t2" }), json!({ "tenant": 1 }), json!({})] {
            let f = member_is(&body, "tenant", "t1", "CER-16").unwrap_err();
            assert_eq!((f.check, f.spec), ("token_response_member_is", "CER-16"));
        }
    }

    #[test]
    fn registered_codes_with_printable_members_pass() {
        for e in [
            error(
                "invalid_grant",
                Some("The code is unknown."),
                Some("https://as.test/e"),
            ),
            error("authorization_pending", None, None),
            error("invalid_target", Some(""), None),
        ] {
            assert!(error_is_well_formed(&e).is_ok(), "{e:?}");
        }
    }

    #[test]
    fn an_unregistered_code_fails() {
        let f = error_is_well_formed(&error("bad_code", None, None)).unwrap_err();
        assert_eq!(
            (f.check, f.spec),
            ("token_error_code_registered", "RFC6749-5.2")
        );
    }

    #[test]
    fn a_description_outside_the_allowed_characters_fails() {
        for d in ["say \"no\"", "back\\slash", "naïve", "two\nlines"] {
            let f = error_is_well_formed(&described(d)).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("error_description_charset", "RFC6749-5.2"),
                "{d}"
            );
        }
    }

    #[test]
    fn an_error_uri_with_a_space_fails() {
        let e = error("invalid_grant", None, Some("https://as.test/e rr"));
        let f = error_is_well_formed(&e).unwrap_err();
        assert_eq!((f.check, f.spec), ("error_uri_charset", "RFC6749-5.2"));
    }

    #[test]
    fn a_401_with_a_basic_challenge_passes_in_any_case() {
        // RFC 9110 §11.6.1: several challenges may share one field, in any order.
        for h in [
            r#"Basic realm="as""#,
            "basic",
            r#"Bearer realm="as", error="invalid_token", Basic realm="as""#,
        ] {
            assert!(basic_challenge(&response(401, &[("www-authenticate", h)], "")).is_ok());
        }
    }

    #[test]
    fn no_basic_challenge_or_another_status_fails() {
        for r in [
            response(401, &[], ""),
            response(401, &[("www-authenticate", "Bearer")], ""),
            response(400, &[("www-authenticate", "Basic")], ""),
        ] {
            let f = basic_challenge(&r).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("invalid_client_challenges_basic", "RFC6749-5.2")
            );
        }
    }

    #[test]
    fn a_reported_scope_the_token_carries_passes() {
        let introspected = json!({ "active": true, "scope": "b a" });
        assert!(reported_scope_is_real(&json!({ "scope": "a b" }), "a b c", &introspected).is_ok());
        // Without `scope` the response says the requested scope was granted (§5.1).
        assert!(reported_scope_is_real(&json!({}), "a b", &introspected).is_ok());
    }

    #[test]
    fn a_reported_scope_the_token_lacks_fails() {
        let introspected = json!({ "active": true, "scope": "a" });
        for body in [json!({ "scope": "a b" }), json!({})] {
            let f = reported_scope_is_real(&body, "a b", &introspected).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("token_scope_reported_truthfully", "RFC6749-3.3")
            );
        }
    }

    #[test]
    fn a_new_refresh_token_passes() {
        assert!(refresh_token_rotated(&json!({ "refresh_token": "rt2" }), "rt1").is_ok());
    }

    #[test]
    fn the_same_or_no_refresh_token_fails() {
        for body in [json!({ "refresh_token": "rt1" }), json!({})] {
            let f = refresh_token_rotated(&body, "rt1").unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("refresh_token_rotated", "RFC9700-4.14.2")
            );
        }
    }

    const ALLOWED: &[(u16, &str)] = &[(400, "invalid_grant"), (400, "invalid_request")];

    #[test]
    fn either_allowed_refusal_passes() {
        for code in ["invalid_grant", "invalid_request"] {
            let r = json_response(400, json!({ "error": code }));
            assert!(refused_as_one_of(&r, ALLOWED).is_ok(), "{code}");
        }
    }

    #[test]
    fn an_allowed_code_with_another_status_or_another_code_fails() {
        for r in [
            json_response(401, json!({ "error": "invalid_grant" })),
            json_response(400, json!({ "error": "invalid_client" })),
            response(400, &[], "invalid_grant"),
        ] {
            let f = refused_as_one_of(&r, ALLOWED).unwrap_err();
            assert_eq!((f.check, f.spec), ("token_error_is_one_of", "RFC6749-5.2"));
        }
    }
}
