//! `private_key_jwt` (RFC 7523 §3, OpenID Connect Core §9, SMART App Launch
//! client-confidential-asymmetric): the client proves who it is with a JWT it signed
//! with a key it registered. The JWT names the client as `iss` and `sub`, the server as
//! `aud`, expires, and carries a `jti` the server has not seen from that client before
//! the JWT's expiry (SMART: the server SHALL check that no earlier JWT of the same `iss`
//! had it within the JWT's allowed lifetime).

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::Value;

use super::responses::OAuthError;
use super::{Fault, Reference};
use crate::emulators::{ClientAuth, ClientRegistration, EmuRequest};
use crate::oauth::assertion::JWT_BEARER;

/// The signature algorithms verified, as advertised in
/// `token_endpoint_auth_signing_alg_values_supported`: SMART's RS384 and ES384 (a server
/// SHALL validate at least one), OpenID's RS256 (servers SHOULD support it), and ES256
/// and PS256, which the same keys make free. Never `none`, never a MAC.
pub(super) const SIGNING_ALGS: &[&str] = &["RS256", "RS384", "PS256", "ES256", "ES384"];

fn accepted(alg: Algorithm) -> bool {
    matches!(
        alg,
        Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::PS256
            | Algorithm::ES256
            | Algorithm::ES384
    )
}

/// Whether a JWK's key type (and curve) is the one `alg` signs with (SMART: the `kty`
/// must be consistent with the header's algorithm), and its own `alg`, if any, agrees.
fn key_fits(jwk: &Jwk, alg: Algorithm) -> bool {
    let kind = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => {
            matches!(alg, Algorithm::RS256 | Algorithm::RS384 | Algorithm::PS256)
        }
        AlgorithmParameters::EllipticCurve(ec) => matches!(
            (&ec.curve, alg),
            (EllipticCurve::P256, Algorithm::ES256) | (EllipticCurve::P384, Algorithm::ES384)
        ),
        _ => false,
    };
    let declared = jwk
        .common
        .key_algorithm
        .is_none_or(|k| k.to_string() == format!("{alg:?}"));
    kind && declared
}

impl Reference {
    /// The client a JWT assertion authenticates, or `invalid_client`.
    pub(super) fn authenticate_assertion(
        &mut self,
        origin: &str,
        req: &EmuRequest,
        assertion_type: Option<&str>,
        assertion: Option<&str>,
        body_id: Option<&str>,
    ) -> Result<ClientRegistration, OAuthError> {
        if assertion_type != Some(JWT_BEARER) {
            return Err(self.invalid_client("The client_assertion_type is not jwt-bearer."));
        }
        let Some(jwt) = assertion.filter(|a| !a.is_empty()) else {
            return Err(self.invalid_client("The client_assertion is missing."));
        };
        // Who it claims to be, before its signature is checked against that client's key.
        let claims = crate::oauth::id_token::decode_unverified(jwt)
            .map_err(|_| self.invalid_client("The client_assertion is not a JWT."))?
            .claims;
        let claim = |k: &str| claims.get(k).and_then(Value::as_str);
        let Some(client_id) = claim("iss").filter(|iss| claim("sub") == Some(*iss)) else {
            return Err(
                self.invalid_client("The assertion's iss and sub must both name the client.")
            );
        };
        if body_id.is_some_and(|b| b != client_id) {
            return Err(self.invalid_client("The client_id differs from the assertion's issuer."));
        }
        let Some(client) = self.base.client(client_id) else {
            return Err(self.invalid_client("The client is unknown."));
        };
        if client.auth != ClientAuth::PrivateKeyJwt && !self.on(Fault::AuthMethodNotEnforced) {
            return Err(
                self.invalid_client("The client did not use its registered authentication method.")
            );
        }
        if !self.on(Fault::JwtSignatureUnchecked) {
            self.verify_signature(client, jwt)?;
        }
        let audiences: Vec<&str> = match claims.get("aud") {
            Some(Value::String(a)) => vec![a.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let endpoint = format!("{origin}{}", req.path);
        let token_endpoint = format!("{origin}{}", super::paths::TOKEN);
        let for_us = audiences
            .iter()
            .any(|a| *a == origin || *a == endpoint || *a == token_endpoint);
        if !for_us && !self.on(Fault::JwtAudienceUnchecked) {
            return Err(self.invalid_client("The assertion is not addressed to this server."));
        }
        let exp = claims.get("exp").and_then(Value::as_u64);
        let expired = exp.is_none_or(|e| e <= self.now());
        if expired && !self.on(Fault::JwtExpiryUnchecked) {
            return Err(self.invalid_client("The assertion has expired or has no exp."));
        }
        let Some(jti) = claim("jti").filter(|j| !j.is_empty()) else {
            return Err(self.invalid_client("The assertion has no jti."));
        };
        let client = client.clone();
        self.remember_jti(&client.client_id, jti, exp.unwrap_or(0))?;
        Ok(client)
    }

    /// Records a `jti` until its assertion expires; a second assertion of the same
    /// client with a `jti` still on record is a replay (RFC 7523 §3 item 7 lets the
    /// server refuse it; SMART requires it).
    fn remember_jti(&mut self, client_id: &str, jti: &str, exp: u64) -> Result<(), OAuthError> {
        let now = self.now();
        let seen = &mut self.store.assertion_ids;
        seen.retain(|_, until| *until > now);
        let key = (client_id.to_string(), jti.to_string());
        if seen.contains_key(&key) && !self.on(Fault::JwtReplayAccepted) {
            return Err(self.invalid_client("The assertion's jti was already used."));
        }
        self.store.assertion_ids.insert(key, exp.max(now));
        Ok(())
    }

    fn verify_signature(&self, client: &ClientRegistration, jwt: &str) -> Result<(), OAuthError> {
        let bad = || {
            self.invalid_client(
                "The assertion's signature does not verify with the client's registered keys.",
            )
        };
        let header = decode_header(jwt).map_err(|_| bad())?;
        let alg = header.alg;
        let only_rs256 = self.on(Fault::JwtOnlyRs256);
        if !accepted(alg) || (only_rs256 && alg != Algorithm::RS256) {
            return Err(bad());
        }
        let set: JwkSet = client
            .jwks
            .clone()
            .and_then(|v| serde_json::from_value(v).ok())
            .ok_or_else(bad)?;
        // The one registered key with the header's kid (any, when it names none) whose
        // type fits the algorithm; none or several is a failure (SMART).
        let candidates: Vec<&Jwk> = set
            .keys
            .iter()
            .filter(|k| header.kid.is_none() || k.common.key_id == header.kid)
            .filter(|k| key_fits(k, alg))
            .collect();
        let [jwk] = candidates[..] else {
            return Err(bad());
        };
        let key = DecodingKey::from_jwk(jwk).map_err(|_| bad())?;
        let mut validation = Validation::new(alg);
        // Audience and expiry are checked (and reported) separately.
        validation.validate_aud = false;
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        decode::<Value>(jwt, &key, &validation)
            .map(|_| ())
            .map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::Algorithm;

    use super::super::test_support::*;
    use super::SIGNING_ALGS;

    #[test]
    fn assertions_verify_with_each_advertised_algorithm() {
        let mut emu = emulator(&[]);
        for (alg, kid, pem) in [
            (Algorithm::RS256, JWT_KID, JWT_RSA_PEM),
            (Algorithm::RS384, JWT_RSA_ANY_KID, JWT_RSA_PEM),
            (Algorithm::PS256, JWT_RSA_ANY_KID, JWT_RSA_PEM),
            (Algorithm::ES256, JWT_ES256_KID, ES256_PEM),
            (Algorithm::ES384, JWT_ES384_KID, ES384_PEM),
        ] {
            assert!(SIGNING_ALGS.contains(&format!("{alg:?}").as_str()));
            let assertion = signed_assertion(alg, kid, pem, &format!("jti-{alg:?}"));
            assert_eq!(jwt_client_redeem(&mut emu, &assertion), "200", "{alg:?}");
        }
    }

    #[test]
    fn the_key_must_fit_the_algorithm() {
        let mut emu = emulator(&[]);
        for (case, alg, kid, pem) in [
            // The registered JWK says RS256 (RFC 7517 §4.4).
            ("alg of the JWK", Algorithm::RS384, JWT_KID, JWT_RSA_PEM),
            (
                "RSA kid, EC alg",
                Algorithm::ES384,
                JWT_RSA_ANY_KID,
                ES384_PEM,
            ),
            (
                "P-256 key, ES384",
                Algorithm::ES384,
                JWT_ES256_KID,
                ES384_PEM,
            ),
            ("unknown kid", Algorithm::ES384, "nobody", ES384_PEM),
            (
                "not advertised",
                Algorithm::RS512,
                JWT_RSA_ANY_KID,
                JWT_RSA_PEM,
            ),
        ] {
            let assertion = signed_assertion(alg, kid, pem, case);
            assert_eq!(
                jwt_client_redeem(&mut emu, &assertion),
                "401 invalid_client",
                "{case}"
            );
        }
    }

    #[test]
    fn a_jti_is_good_once_until_its_assertion_expires() {
        let mut emu = emulator(&[]);
        let assertion = signed_assertion(Algorithm::ES384, JWT_ES384_KID, ES384_PEM, "once");
        assert_eq!(jwt_client_redeem(&mut emu, &assertion), "200");
        let r = jwt_client_redeem(&mut emu, &assertion);
        assert_eq!(r, "401 invalid_client");
        // A new assertion with the same jti is a replay too; another jti is not.
        let same_jti = signed_assertion(Algorithm::RS256, JWT_KID, JWT_RSA_PEM, "once");
        assert_eq!(jwt_client_redeem(&mut emu, &same_jti), "401 invalid_client");
        let fresh = signed_assertion(Algorithm::RS256, JWT_KID, JWT_RSA_PEM, "twice");
        assert_eq!(jwt_client_redeem(&mut emu, &fresh), "200");
        // A refused assertion uses up nothing.
        let mut emu = emulator(&[]);
        let rogue = jwt_assertion(&rogue_jwt_key(), ORIGIN, 60);
        assert_eq!(jwt_client_redeem(&mut emu, &rogue), "401 invalid_client");
        // An assertion without a jti is refused (SMART: jti is required).
        let key = jwt_key();
        let now = crate::emulators::clock::VirtualClock::new().now_unix() as i64;
        let no_jti = key
            .assertion(JWT_CLIENT, ORIGIN, now, 60, "")
            .expect("signs");
        assert_eq!(jwt_client_redeem(&mut emu, &no_jti), "401 invalid_client");
    }

    #[test]
    fn a_used_jti_is_forgotten_once_its_assertion_has_expired() {
        let mut emu = emulator(&[]);
        let first = signed_assertion(Algorithm::RS256, JWT_KID, JWT_RSA_PEM, "later");
        assert_eq!(jwt_client_redeem(&mut emu, &first), "200");
        emu.advance_clock(61);
        let again = {
            use jsonwebtoken::{EncodingKey, Header, encode};
            let now = crate::emulators::clock::VirtualClock::new().now_unix() + 61;
            let claims = serde_json::json!({
                "iss": JWT_CLIENT, "sub": JWT_CLIENT, "aud": ORIGIN,
                "jti": "later", "iat": now, "exp": now + 60,
            });
            let mut header = Header::new(Algorithm::RS256);
            header.kid = Some(JWT_KID.into());
            let key = EncodingKey::from_rsa_pem(JWT_RSA_PEM).expect("key");
            encode(&header, &claims, &key).expect("signs")
        };
        assert_eq!(jwt_client_redeem(&mut emu, &again), "200");
    }
}
