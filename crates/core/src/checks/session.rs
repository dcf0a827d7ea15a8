//! Introspection (RFC 7662), the JWKS, and logout redirects.

use serde_json::Value;

use super::response::describe;
use super::{Outcome, ensure, fail};
use crate::http::Response;
use crate::oauth::authorize::{RedirectParams, is_redirect_to};

/// A server that keeps a sign-in session (ATH-09): while it is active, a new
/// authorization does not show the sign-in form. `asked`: whether it was shown.
pub fn session_reused(asked: bool) -> Outcome {
    ensure(
        !asked,
        "session_is_reused",
        "ATH-09",
        "no sign-in form while the session is active",
        || "the sign-in form".into(),
    )
}

/// After logout the session is gone (ATH-09): the next authorization asks again.
pub fn session_ended(asked: bool) -> Outcome {
    ensure(
        asked,
        "session_ended",
        "ATH-09",
        "the sign-in form after logout",
        || "signed in without credentials".into(),
    )
}

/// RFC 7662 §2.2: 200 with `active` true or false.
pub fn introspection_active(resp: &Response, expected: bool) -> Outcome {
    let active = resp
        .json()
        .and_then(|v| v.get("active").and_then(Value::as_bool));
    ensure(
        resp.status == 200 && active == Some(expected),
        "introspection_reports_active",
        "RFC7662-2.2",
        format!("HTTP 200 with \"active\": {expected}"),
        || describe(resp),
    )
}

/// Every published key is an RSA signing key with a `kid` (RS256).
pub fn jwks_has_rs256_keys(resp: &Response) -> Outcome {
    let Some(keys) = resp
        .json()
        .and_then(|v| v.get("keys").and_then(Value::as_array).cloned())
        .filter(|k| !k.is_empty())
    else {
        return fail(
            "jwks_publishes_keys",
            "RFC7517-5",
            "HTTP 200 with a non-empty `keys` array",
            describe(resp),
        );
    };
    for k in &keys {
        let s = |n: &str| k.get(n).and_then(Value::as_str);
        let ok = s("kty") == Some("RSA")
            && s("kid").is_some_and(|v| !v.is_empty())
            && s("n").is_some()
            && s("e").is_some()
            && s("alg").is_none_or(|a| a == "RS256")
            && s("use").is_none_or(|u| u == "sig");
        // OKT-15 documents this shape for the keys endpoint; RFC 7517 leaves
        // every one of these members optional but `kty`, so the rule is the vendor's.
        if !ok {
            return fail(
                "jwks_keys_are_rs256_signing_keys",
                "OKT-15",
                "kty RSA, a kid, n and e, alg RS256, use sig",
                k.to_string(),
            );
        }
    }
    Ok(())
}

/// Keys rotate; clients cache them for as long as `Cache-Control` says.
pub fn jwks_cacheable(resp: &Response) -> Outcome {
    let cc = resp.header("cache-control").unwrap_or("");
    ensure(
        cc.contains("max-age"),
        "jwks_states_max_age",
        "OKT-15",
        "Cache-Control with max-age",
        || format!("Cache-Control: {cc:?}"),
    )
}

/// A redirect to `uri` carrying `state`.
pub fn redirects_to_with_state(resp: &Response, uri: &str, state: &str) -> Outcome {
    let location = resp.location().unwrap_or("");
    let params = RedirectParams::parse(location);
    ensure(
        (300..400).contains(&resp.status)
            && is_redirect_to(location, uri)
            && params.get("state") == Some(state),
        "logout_redirects_with_state",
        "OIDC-RP-Initiated-Logout-2",
        format!("a redirect to {uri} with the state the app sent"),
        || describe(resp),
    )
}

/// RFC 7662 §2.1: an introspection request without authorization is refused: any
/// 4xx, and never a 200 that says anything about the token.
pub fn introspection_refused(resp: &crate::http::Response) -> Outcome {
    super::ensure(
        (400..500).contains(&resp.status),
        "introspection_requires_authorization",
        "RFC7662-2.1",
        "a 4xx refusal",
        || super::response::describe(resp),
    )
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_session_is_reused_without_the_form_and_ended_with_it() {
        assert!(session_reused(false).is_ok());
        assert_eq!(session_reused(true).unwrap_err().check, "session_is_reused");
        assert!(session_ended(true).is_ok());
        let f = session_ended(false).unwrap_err();
        assert_eq!((f.check, f.spec), ("session_ended", "ATH-09"));
    }

    use super::*;
    use crate::checks::test_support::{json_response, response};
    use serde_json::json;

    #[test]
    fn a_200_reporting_the_expected_state_passes() {
        let active = json_response(200, json!({ "active": true, "scope": "openid" }));
        assert!(introspection_active(&active, true).is_ok());
        let inactive = json_response(200, json!({ "active": false }));
        assert!(introspection_active(&inactive, false).is_ok());
    }

    #[test]
    fn the_other_state_or_a_refusal_fails() {
        for (r, expected) in [
            (json_response(200, json!({ "active": false })), true),
            (json_response(200, json!({ "active": "true" })), true),
            (json_response(401, json!({ "active": false })), false),
        ] {
            let f = introspection_active(&r, expected).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("introspection_reports_active", "RFC7662-2.2")
            );
        }
    }

    fn rsa_key(extra: Value) -> Value {
        let mut k = json!({ "kty": "RSA", "kid": "k1", "n": "AQAB", "e": "AQAB" });
        k.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        k
    }

    fn keys(keys: Vec<Value>) -> Response {
        json_response(200, json!({ "keys": keys }))
    }

    #[test]
    fn rsa_signing_keys_with_kids_pass_with_or_without_alg_and_use() {
        let r = keys(vec![
            rsa_key(json!({})),
            rsa_key(json!({ "kid": "k2", "alg": "RS256", "use": "sig" })),
        ]);
        assert!(jwks_has_rs256_keys(&r).is_ok());
    }

    #[test]
    fn no_keys_fails_as_unpublished() {
        for r in [keys(vec![]), response(200, &[], "not json")] {
            let f = jwks_has_rs256_keys(&r).unwrap_err();
            assert_eq!((f.check, f.spec), ("jwks_publishes_keys", "RFC7517-5"));
        }
    }

    #[test]
    fn a_key_other_than_an_rs256_signing_key_fails() {
        let mut no_modulus = rsa_key(json!({}));
        no_modulus.as_object_mut().unwrap().remove("n");
        for bad in [
            no_modulus,
            json!({ "kty": "EC", "kid": "e1", "crv": "P-256", "x": "x", "y": "y" }),
            rsa_key(json!({ "alg": "HS256" })),
        ] {
            let r = keys(vec![rsa_key(json!({})), bad.clone()]);
            let f = jwks_has_rs256_keys(&r).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("jwks_keys_are_rs256_signing_keys", "OKT-15"),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_max_age_passes() {
        let r = response(200, &[("cache-control", "public, max-age=3600")], "");
        assert!(jwks_cacheable(&r).is_ok());
    }

    #[test]
    fn no_max_age_fails() {
        for r in [
            response(200, &[("cache-control", "no-cache")], ""),
            response(200, &[], ""),
        ] {
            let f = jwks_cacheable(&r).unwrap_err();
            assert_eq!((f.check, f.spec), ("jwks_states_max_age", "OKT-15"));
        }
    }

    const LOGGED_OUT: &str = "https://app.example.test/logged-out";

    fn redirect(status: u16, location: &str) -> Response {
        response(status, &[("location", location)], "")
    }

    #[test]
    fn a_redirect_to_the_uri_with_the_state_passes() {
        for status in [302, 303] {
            let r = redirect(status, &format!("{LOGGED_OUT}?state=s1"));
            assert!(redirects_to_with_state(&r, LOGGED_OUT, "s1").is_ok());
        }
    }

    #[test]
    fn a_page_another_uri_or_a_lost_state_fails() {
        for r in [
            response(200, &[], "<p>Signed out</p>"),
            redirect(302, "https://app.example.test/other?state=s1"),
            redirect(302, LOGGED_OUT),
            redirect(302, &format!("{LOGGED_OUT}?state=s2")),
        ] {
            let f = redirects_to_with_state(&r, LOGGED_OUT, "s1").unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("logout_redirects_with_state", "OIDC-RP-Initiated-Logout-2")
            );
        }
    }

    #[test]
    fn any_4xx_refusal_passes() {
        for status in [400, 401, 403] {
            let r = json_response(status, json!({ "error": "invalid_client" }));
            assert!(introspection_refused(&r).is_ok());
        }
    }

    #[test]
    fn an_answer_about_the_token_or_a_server_error_fails() {
        for r in [
            json_response(200, json!({ "active": false })),
            response(500, &[], ""),
        ] {
            let f = introspection_refused(&r).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("introspection_requires_authorization", "RFC7662-2.1")
            );
        }
    }
}
