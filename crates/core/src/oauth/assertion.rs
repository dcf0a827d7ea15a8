//! JWT client assertions (RFC 7523 §2.2, OpenID Connect Core §9 `private_key_jwt`):
//! the client signs a short-lived JWT naming itself and the server, instead of sending
//! a shared secret.

use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};

use super::jws::{jwk_rsa, sign_rs256};

/// `client_assertion_type` for a JWT assertion (RFC 7523 §2.2).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A key no server has registered for any client: assertions signed with it must be
/// refused. Throw-away, public on purpose.
pub const UNREGISTERED_KEY: &[u8] = include_bytes!("keys/unregistered.pem");

/// A client assertion yet to be signed: it is signed when the request is put together
/// ([`AssertionPlan::sign_now`]), after any wait for a rate limit, so that it arrives
/// as fresh as its lifetime says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionPlan {
    /// `None`: the request goes with an empty assertion (a key is checked when the
    /// profile is read, so only a broken key file gets here).
    pub key: Option<AssertionKey>,
    pub client_id: String,
    pub audience: String,
    /// Seconds; negative: already expired by that much.
    pub lifetime: i64,
    pub jti: String,
}

impl AssertionPlan {
    pub fn sign_now(&self) -> String {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        self.key
            .as_ref()
            .and_then(|k| {
                k.assertion(
                    &self.client_id,
                    &self.audience,
                    now,
                    self.lifetime,
                    &self.jti,
                )
                .ok()
            })
            .unwrap_or_default()
    }
}

/// A client's private signing key and the `kid` the server knows it by.
#[derive(Clone, PartialEq, Eq)]
pub struct AssertionKey {
    pub kid: String,
    pem: Vec<u8>,
}

impl std::fmt::Debug for AssertionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private key never reaches a log.
        f.debug_struct("AssertionKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl AssertionKey {
    /// From an RSA private key in PKCS#1 or PKCS#8 PEM.
    pub fn from_pem(kid: &str, pem: &[u8]) -> Result<Self, String> {
        parse(pem)?;
        Ok(Self {
            kid: kid.to_string(),
            pem: pem.to_vec(),
        })
    }

    /// The public JWK a server registers for this key.
    pub fn public_jwk(&self) -> Result<Value, String> {
        use base64::Engine;
        let key = parse(&self.pem)?;
        let b64 = |b: Vec<u8>| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        Ok(jwk_rsa(
            &self.kid,
            &b64(key.n().to_bytes_be()),
            &b64(key.e().to_bytes_be()),
        ))
    }

    /// A signed assertion for `client_id` addressed to `audience`, issued at `now` and
    /// valid for `lifetime` seconds (negative: already expired).
    pub fn assertion(
        &self,
        client_id: &str,
        audience: &str,
        now: i64,
        lifetime: i64,
        jti: &str,
    ) -> Result<String, String> {
        let (iat, exp) = if lifetime >= 0 {
            (now, now + lifetime)
        } else {
            (now + 2 * lifetime, now + lifetime)
        };
        let claims = json!({
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "jti": jti,
            "iat": iat,
            "exp": exp,
        });
        sign_rs256(&claims, &self.kid, &self.pem)
    }
}

fn parse(pem: &[u8]) -> Result<rsa::RsaPrivateKey, String> {
    let text = std::str::from_utf8(pem).map_err(|_| "the key file is not PEM text".to_string())?;
    rsa::RsaPrivateKey::from_pkcs1_pem(text)
        .or_else(|_| rsa::RsaPrivateKey::from_pkcs8_pem(text))
        .map_err(|_| "not an RSA private key in PKCS#1 or PKCS#8 PEM".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};

    #[test]
    fn an_assertion_verifies_with_the_public_jwk_and_names_client_and_server() {
        let key = AssertionKey::from_pem("k1", UNREGISTERED_KEY).expect("key");
        let jwk = key.public_jwk().expect("jwk");
        assert_eq!(jwk["kid"], "k1");
        let jwt = key
            .assertion("app", "https://as.test", 1_000, 60, "j1")
            .expect("signs");
        let dk = DecodingKey::from_rsa_components(
            jwk["n"].as_str().expect("n"),
            jwk["e"].as_str().expect("e"),
        )
        .expect("decoding key");
        let mut v = Validation::new(Algorithm::RS256);
        v.validate_exp = false;
        v.set_audience(&["https://as.test"]);
        let claims = decode::<Value>(&jwt, &dk, &v).expect("verifies").claims;
        assert_eq!(claims["iss"], "app");
        assert_eq!(claims["sub"], "app");
        assert_eq!(claims["exp"], 1_060);
        let expired = key.assertion("app", "a", 1_000, -300, "j2").expect("signs");
        let claims = crate::oauth::id_token::decode_unverified(&expired)
            .expect("decodes")
            .claims;
        assert!(claims["exp"].as_i64() < Some(1_000));
    }

    #[test]
    fn a_planned_assertion_is_issued_when_it_is_applied() {
        use crate::oauth::token::ClientAuthentication;
        let auth = ClientAuthentication::Assertion {
            client_id: "app".into(),
            plan: AssertionPlan {
                key: Some(AssertionKey::from_pem("k1", UNREGISTERED_KEY).expect("key")),
                client_id: "app".into(),
                audience: "https://as.test".into(),
                lifetime: 60,
                jti: "j1".into(),
            },
        };
        let planned = time::OffsetDateTime::now_utc().unix_timestamp();
        // As if the request waited at a rate limit between its making and its sending.
        std::thread::sleep(std::time::Duration::from_millis(2100));
        let (mut form, mut headers) = (Vec::new(), Vec::new());
        auth.apply(&mut form, &mut headers);
        let jwt = &form
            .iter()
            .find(|(k, _)| k == "client_assertion")
            .expect("sent")
            .1;
        let claims = crate::oauth::id_token::decode_unverified(jwt)
            .expect("decodes")
            .claims;
        let iat = claims["iat"].as_i64().expect("iat");
        assert!(iat >= planned + 2, "issued {iat}, planned {planned}");
        assert_eq!(claims["exp"].as_i64(), Some(iat + 60));
    }

    #[test]
    fn a_file_that_is_not_an_rsa_key_is_refused_without_echoing_it() {
        let e = AssertionKey::from_pem("k", b"-----BEGIN NONSENSE-----").unwrap_err();
        assert!(!e.contains("NONSENSE"), "{e}");
    }
}
