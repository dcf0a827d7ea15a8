//! Minimal RS256 JWS signing and JWK rendering, shared by the emulators and tests.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

/// A private signing key and the `kid` it is published under.
#[derive(Debug, Clone)]
pub struct SigningKey {
    pub kid: String,
    /// PKCS#1 or PKCS#8 PEM.
    pub pem: Vec<u8>,
}

impl SigningKey {
    pub fn sign(&self, claims: &Value) -> Result<String, String> {
        sign_rs256(claims, &self.kid, &self.pem)
    }
}

/// Signs `claims` as a compact RS256 JWS with `typ: JWT` and the given `kid`.
pub fn sign_rs256(claims: &Value, kid: &str, private_pem: &[u8]) -> Result<String, String> {
    let key = EncodingKey::from_rsa_pem(private_pem).map_err(|e| format!("bad RSA key: {e}"))?;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_string());
    encode(&header, claims, &key).map_err(|e| format!("signing failed: {e}"))
}

/// The public JWK of an RSA signing key, as published in a JWKS.
pub fn jwk_rsa(kid: &str, n_b64url: &str, e_b64url: &str) -> Value {
    json!({
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "kid": kid,
        "n": n_b64url,
        "e": e_b64url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};

    const PEM: &[u8] = include_bytes!("../emulators/reference/keys/reference-1.pem");
    const N: &str = include_str!("../emulators/reference/keys/reference-1.n");

    #[test]
    fn signs_and_verifies_against_its_jwk() {
        let token =
            sign_rs256(&json!({"sub": "x", "exp": 4_000_000_000u64}), "k1", PEM).expect("signs");
        assert_eq!(
            decode_header(&token).expect("header").kid.as_deref(),
            Some("k1")
        );
        let jwk = jwk_rsa("k1", N.trim(), "AQAB");
        let key = DecodingKey::from_rsa_components(
            jwk["n"].as_str().expect("n"),
            jwk["e"].as_str().expect("e"),
        )
        .expect("key");
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_aud = false;
        let data = decode::<Value>(&token, &key, &validation).expect("verifies");
        assert_eq!(data.claims["sub"], "x");
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["use"], "sig");
    }

    #[test]
    fn rejects_garbage_pem() {
        assert!(sign_rs256(&json!({}), "k", b"not a key").is_err());
    }
}
