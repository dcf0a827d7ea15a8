//! Introspection (RFC 7662), the JWKS, and logout redirects.

use serde_json::Value;

use super::response::describe;
use super::{Outcome, ensure, fail};
use crate::http::Response;
use crate::oauth::authorize::{RedirectParams, is_redirect_to};

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
        if !ok {
            return fail(
                "jwks_keys_are_rs256_signing_keys",
                "RFC7517-4",
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
