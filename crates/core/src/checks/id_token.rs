//! ID token checks (OpenID Connect Core §3.1.3.7): signature via the JWKS `kid`,
//! issuer, audience, expiry, nonce; and the `pim` claim ATH-08 documents.

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
    // NumericDate may carry a fraction (RFC 7519 §2).
    let exp = claim(t, "exp").and_then(Value::as_f64);
    let iat = claim(t, "iat").and_then(Value::as_f64);
    let (now_f, leeway_f) = (now as f64, leeway as f64);
    ensure(
        exp.is_some_and(|e| e + leeway_f > now_f) && iat.is_some_and(|i| i <= now_f + leeway_f),
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

/// The patient identity mappings of ATH-08: an array of practice/brand/patient/access.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::assertion::{AssertionKey, UNREGISTERED_KEY};
    use crate::oauth::jws::sign_rs256;
    use serde_json::json;

    fn token(claims: Value) -> Decoded {
        Decoded {
            header: json!({ "alg": "RS256", "kid": "k1" }),
            claims,
        }
    }

    /// A JWKS publishing the test key under `kid`.
    fn jwks(kid: &str) -> Value {
        let key = AssertionKey::from_pem(kid, UNREGISTERED_KEY).expect("test key");
        json!({ "keys": [key.public_jwk().expect("jwk")] })
    }

    fn signed(claims: &Value) -> String {
        sign_rs256(claims, "k1", UNREGISTERED_KEY).expect("signs")
    }

    #[test]
    fn a_token_signed_by_a_published_key_passes() {
        let jwt = signed(&json!({ "sub": "u1" }));
        assert!(signature_verifies(&jwt, &jwks("k1")).is_ok());
    }

    #[test]
    fn a_token_with_altered_claims_fails() {
        let jwt = signed(&json!({ "sub": "u1" }));
        let other = signed(&json!({ "sub": "admin" }));
        let parts: Vec<&str> = jwt.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            other.split('.').nth(1).unwrap(),
            parts[2]
        );
        let f = signature_verifies(&forged, &jwks("k1")).unwrap_err();
        assert_eq!(
            (f.check, f.spec),
            ("id_token_signature_verifies", "OIDC-Core-3.1.3.7")
        );
    }

    /// OpenID Connect Core §10.1: `kid` is needed only to choose among several keys.
    #[test]
    fn without_kid_the_only_signing_key_is_used_and_several_keys_fail() {
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(UNREGISTERED_KEY).expect("key");
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        let jwt = jsonwebtoken::encode(&header, &json!({ "sub": "u1" }), &key).expect("signs");
        assert!(signature_verifies(&jwt, &jwks("k1")).is_ok());
        let mut two = jwks("k1");
        let second = two["keys"][0].clone();
        two["keys"].as_array_mut().unwrap().push(second);
        let f = signature_verifies(&jwt, &two).unwrap_err();
        assert!(f.received.contains("no `kid`"), "{}", f.received);
        // An encryption key does not count as a candidate.
        two["keys"][1]["use"] = json!("enc");
        assert!(signature_verifies(&jwt, &two).is_ok());
    }

    #[test]
    fn a_token_whose_kid_is_not_published_fails() {
        let jwt = signed(&json!({ "sub": "u1" }));
        let f = signature_verifies(&jwt, &jwks("k2")).unwrap_err();
        assert_eq!(f.check, "id_token_signature_verifies");
        assert!(f.received.contains("`k1`"), "{}", f.received);
    }

    #[test]
    fn the_exact_issuer_passes() {
        let t = token(json!({ "iss": "https://as.test" }));
        assert!(issuer_is(&t, "https://as.test").is_ok());
    }

    #[test]
    fn another_or_no_issuer_fails() {
        for claims in [json!({ "iss": "https://as.test/" }), json!({})] {
            let f = issuer_is(&token(claims), "https://as.test").unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("id_token_issuer_is", "OIDC-Core-3.1.3.7")
            );
        }
    }

    #[test]
    fn the_client_as_audience_passes_alone_or_in_an_array() {
        for aud in [json!("app"), json!(["api", "app"])] {
            assert!(audience_is(&token(json!({ "aud": aud })), "app").is_ok());
        }
    }

    #[test]
    fn an_audience_without_the_client_fails() {
        for claims in [
            json!({ "aud": "other" }),
            json!({ "aud": ["api", "other"] }),
            json!({}),
        ] {
            let f = audience_is(&token(claims), "app").unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("id_token_audience_is", "OIDC-Core-3.1.3.7")
            );
        }
    }

    #[test]
    fn a_token_within_its_lifetime_or_the_leeway_passes() {
        // now = 1000, leeway 120: expired 100 s ago, or issued 100 s ahead, still counts.
        for (iat, exp) in [(900, 2000), (800, 900), (1100, 2000)] {
            let t = token(json!({ "iat": iat, "exp": exp }));
            assert!(not_expired(&t, 1000, 120).is_ok(), "iat {iat} exp {exp}");
        }
        // RFC 7519 §2: a NumericDate may have a fraction.
        let t = token(json!({ "iat": 999.5, "exp": 1600.25 }));
        assert!(not_expired(&t, 1000, 120).is_ok());
    }

    #[test]
    fn an_expired_or_future_or_undated_token_fails() {
        for claims in [
            json!({ "iat": 700, "exp": 880 }),
            json!({ "iat": 1121, "exp": 2000 }),
            json!({ "iat": 900 }),
            json!({ "exp": 2000 }),
        ] {
            let f = not_expired(&token(claims.clone()), 1000, 120).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("id_token_is_current", "OIDC-Core-3.1.3.7"),
                "{claims}"
            );
        }
    }

    #[test]
    fn the_nonce_sent_passes() {
        assert!(nonce_is(&token(json!({ "nonce": "n-1" })), "n-1").is_ok());
    }

    #[test]
    fn a_different_or_missing_nonce_fails() {
        for (claims, received) in [
            (json!({ "nonce": "n-2" }), "a different nonce"),
            (json!({}), "no nonce claim"),
        ] {
            let f = nonce_is(&token(claims), "n-1").unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("id_token_nonce_is", "OIDC-Core-3.1.3.7")
            );
            assert_eq!(f.received, received);
        }
    }

    fn pim(entries: Value) -> Decoded {
        token(json!({ "pim": entries }))
    }

    #[test]
    fn pim_entries_with_numeric_or_digit_ids_and_a_known_access_pass() {
        let t = pim(json!([
            { "ctxt": 195900, "brnd": 1, "ptnt": "12", "access": "SELF" },
            { "ctxt": "195900", "brnd": "2", "ptnt": 34, "access": "FULL" },
            { "ctxt": 1, "brnd": 1, "ptnt": 1, "access": "BILLING" },
        ]));
        assert!(pim_well_formed(&t).is_ok());
    }

    #[test]
    fn a_missing_empty_or_malformed_pim_fails() {
        let entry = |ptnt: Value, access: &str| json!([{ "ctxt": 1, "brnd": 1, "ptnt": ptnt, "access": access }]);
        for t in [
            token(json!({})),
            pim(json!([])),
            pim(json!({ "ctxt": 1 })),
            pim(entry(json!("p-12"), "SELF")),
            pim(entry(json!(-3), "SELF")),
            pim(entry(json!(12), "ADMIN")),
            pim(json!([{ "ctxt": 1, "ptnt": 12, "access": "SELF" }])),
        ] {
            let f = pim_well_formed(&t).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("pim_claim_is_well_formed", "ATH-08"),
                "{}",
                t.claims
            );
        }
    }

    #[test]
    fn a_token_without_the_claim_passes() {
        assert!(lacks_claim(&token(json!({ "sub": "u1" })), "pim", "ATH-08").is_ok());
    }

    #[test]
    fn a_token_with_the_claim_fails_under_the_given_spec() {
        let t = token(json!({ "pim": [] }));
        let f = lacks_claim(&t, "pim", "ATH-08").unwrap_err();
        assert_eq!((f.check, f.spec), ("id_token_lacks_claim", "ATH-08"));
    }

    #[test]
    fn userinfo_about_the_same_subject_passes() {
        let t = token(json!({ "sub": "u1" }));
        assert!(userinfo_subject_matches(&t, &json!({ "sub": "u1", "name": "A" })).is_ok());
    }

    #[test]
    fn userinfo_about_another_or_no_subject_fails() {
        for (claims, userinfo) in [
            (json!({ "sub": "u1" }), json!({ "sub": "u2" })),
            (json!({ "sub": "u1" }), json!({ "name": "A" })),
            // Nothing to compare with: an ID token without `sub` proves nothing.
            (json!({}), json!({})),
        ] {
            let f = userinfo_subject_matches(&token(claims), &userinfo).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("userinfo_subject_is_id_token_subject", "OIDC-Core-5.3.2")
            );
        }
    }
}
