//! ID token checks (OpenID Connect Core §3.1.3.7): signature via the JWKS `kid`,
//! issuer, audience, expiry, nonce; and athenahealth's `pim` claim.

use serde_json::Value;

use super::{Outcome, ensure, fail};
use crate::oauth::id_token::{Decoded, verify_signature};

pub fn signature_verifies(jwt: &str, jwks: &Value) -> Outcome {
    match verify_signature(jwt, jwks) {
        Ok(()) => Ok(()),
        Err(e) => fail(
            "id_token_signature_verifies",
            "OIDC-Core-3.1.3.7",
            "a signature that verifies with a key published at the keys endpoint",
            e,
        ),
    }
}

fn claim<'a>(t: &'a Decoded, name: &str) -> Option<&'a Value> {
    t.claims.get(name)
}

pub fn issuer_is(t: &Decoded, issuer: &str) -> Outcome {
    let got = claim(t, "iss").and_then(Value::as_str);
    ensure(
        got == Some(issuer),
        "id_token_issuer_is",
        "OIDC-Core-3.1.3.7",
        format!("iss {issuer:?}"),
        || format!("iss {}", super::shown(got)),
    )
}

pub fn audience_is(t: &Decoded, client_id: &str) -> Outcome {
    let ok = match claim(t, "aud") {
        Some(Value::String(s)) => s == client_id,
        Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(client_id)),
        _ => false,
    };
    ensure(
        ok,
        "id_token_audience_is",
        "OIDC-Core-3.1.3.7",
        format!("aud containing {client_id:?}"),
        || match claim(t, "aud") {
            Some(v) => format!("aud {v}"),
            None => "aud (absent)".into(),
        },
    )
}

pub fn not_expired(t: &Decoded, now: u64, leeway: u64) -> Outcome {
    let exp = claim(t, "exp").and_then(Value::as_u64);
    let iat = claim(t, "iat").and_then(Value::as_u64);
    ensure(
        exp.is_some_and(|e| e + leeway > now) && iat.is_some_and(|i| i <= now + leeway),
        "id_token_is_current",
        "OIDC-Core-3.1.3.7",
        format!("iat ≤ now ≤ exp (now = {now}, leeway {leeway} s)"),
        || format!("iat {iat:?}, exp {exp:?}"),
    )
}

pub fn nonce_is(t: &Decoded, nonce: &str) -> Outcome {
    let got = claim(t, "nonce").and_then(Value::as_str);
    ensure(
        got == Some(nonce),
        "id_token_nonce_is",
        "OIDC-Core-3.1.3.7",
        "the nonce the app sent",
        || match got {
            Some(_) => "a different nonce".into(),
            None => "no nonce claim".into(),
        },
    )
}

/// athenahealth's patient identity mappings: an array of practice/brand/patient/access.
pub fn pim_well_formed(t: &Decoded) -> Outcome {
    const CHECK: &str = "pim_claim_is_well_formed";
    const SPEC: &str = "ATH-08";
    let Some(pim) = claim(t, "pim") else {
        return fail(CHECK, SPEC, "a `pim` claim", "no `pim` claim");
    };
    let Some(entries) = pim.as_array().filter(|a| !a.is_empty()) else {
        return fail(CHECK, SPEC, "a non-empty array", pim.to_string());
    };
    let id_like = |v: Option<&Value>| match v {
        Some(Value::Number(n)) => n.is_u64(),
        Some(Value::String(s)) => !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()),
        _ => false,
    };
    for e in entries {
        let access_ok = matches!(
            e.get("access").and_then(Value::as_str),
            Some("SELF" | "FULL" | "BILLING")
        );
        if !(id_like(e.get("ctxt"))
            && id_like(e.get("brnd"))
            && id_like(e.get("ptnt"))
            && access_ok)
        {
            return fail(
                CHECK,
                SPEC,
                "entries {ctxt, brnd, ptnt: ids; access: SELF|FULL|BILLING}",
                e.to_string(),
            );
        }
    }
    Ok(())
}

pub fn lacks_claim(t: &Decoded, name: &str, spec: &'static str) -> Outcome {
    ensure(
        claim(t, name).is_none(),
        "id_token_lacks_claim",
        spec,
        format!("no `{name}` claim"),
        || format!("a `{name}` claim"),
    )
}

/// The userinfo response's `sub` is the ID token's `sub` (OpenID Connect Core §5.3.2:
/// the app must not trust a userinfo response about another user).
pub fn userinfo_subject_matches(t: &Decoded, userinfo: &Value) -> Outcome {
    let want = claim(t, "sub").and_then(Value::as_str);
    let got = userinfo.get("sub").and_then(Value::as_str);
    ensure(
        want.is_some() && got == want,
        "userinfo_subject_is_id_token_subject",
        "OIDC-Core-5.3.2",
        "the `sub` of the ID token",
        || match got {
            Some(_) => "a different `sub`".into(),
            None => format!("no `sub` in {userinfo}"),
        },
    )
}
