//! The signing key, the JWKS at /jwks, subjects and ID tokens (OIDC Core §2, §3.1.3.7).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::store::{Grant, ID_TOKEN_LIFETIME};
use super::{Fault, Reference};
use crate::emulators::EmuResponse;
use crate::emulators::engine::{IdToken, IdTokenBends};
use crate::oauth::jws::{self, SigningKey};

pub(super) const KID: &str = "reference-1";
/// Named in ID token headers under the id-token-unknown-kid fault; never published.
const UNKNOWN_KID: &str = "reference-unpublished";
/// The RSA exponent, 65537.
const EXPONENT: &str = "AQAB";

pub(super) struct Keys {
    pem: &'static [u8],
    n: &'static str,
}

impl Keys {
    pub fn load() -> Self {
        Self {
            pem: include_bytes!("keys/reference-1.pem"),
            n: include_str!("keys/reference-1.n"),
        }
    }

    fn signing_key(&self, kid: &str) -> SigningKey {
        SigningKey {
            kid: kid.to_string(),
            pem: self.pem.to_vec(),
        }
    }

    /// The key that signs ID tokens, under its published `kid`.
    pub fn signer(&self) -> SigningKey {
        self.signing_key(KID)
    }

    pub fn jwks(&self) -> Value {
        json!({ "keys": [jws::jwk_rsa(KID, self.n.trim(), EXPONENT)] })
    }
}

/// A user's stable, non-reassigned `sub` (OIDC Core §2): derived from the username.
pub(super) fn subject(username: &str) -> String {
    let digest = Sha256::digest(username.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("user-{hex}")
}

/// The subject of a grant: its user, or the client itself for client_credentials.
pub(super) fn grant_subject(grant: &Grant) -> String {
    grant
        .username
        .as_deref()
        .map_or_else(|| grant.client_id.clone(), subject)
}

impl Reference {
    pub(super) fn jwks_response(&self) -> EmuResponse {
        let mut jwks = self.keys.jwks();
        if self.on(Fault::JwksModulusLeadingZero)
            && let Some(n) = jwks["keys"][0]["n"].as_str()
            && let Ok(mut bytes) = URL_SAFE_NO_PAD.decode(n)
        {
            // A modulus written from a signed big integer (Java's BigInteger): the
            // sign octet stays in front.
            bytes.insert(0, 0);
            jwks["keys"][0]["n"] = json!(URL_SAFE_NO_PAD.encode(bytes));
        }
        EmuResponse::json(200, &jwks)
    }

    /// Signs an ID token for `grant`. `with_nonce` is false on refresh, where there is
    /// no authorization request to echo.
    pub(super) fn id_token(
        &self,
        origin: &str,
        grant: &Grant,
        with_nonce: bool,
    ) -> Result<String, String> {
        let token = IdToken {
            issuer: origin.to_string(),
            subject: grant_subject(grant),
            client_id: &grant.client_id,
            now: self.now(),
            lifetime: ID_TOKEN_LIFETIME,
            auth_time: Some(grant.auth_time),
            nonce: grant.nonce.as_deref().filter(|_| with_nonce),
        };
        let mut claims = token.claims(IdTokenBends {
            expired: self.on(Fault::IdTokenExpired),
            wrong_audience: self.on(Fault::IdTokenWrongAud),
            drop_nonce: self.on(Fault::IdTokenDropsNonce),
        });
        // SMART-05: openid fhirUser names the user's FHIR resource.
        if let Some(patient) = grant.patient.as_ref().filter(|_| grant.has("fhirUser")) {
            claims.insert(
                "fhirUser".into(),
                json!(format!(
                    "{origin}{}/Patient/{patient}",
                    self.base.tenant.fhir_base_path
                )),
            );
        }
        let kid = if self.on(Fault::IdTokenUnknownKid) {
            UNKNOWN_KID
        } else {
            KID
        };
        self.keys.signing_key(kid).sign(&Value::Object(claims))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_stable_and_distinct() {
        assert_eq!(subject("a@x"), subject("a@x"));
        assert_ne!(subject("a@x"), subject("b@x"));
        assert_eq!(subject("a@x").len(), 21);
    }

    #[test]
    fn jwks_publishes_one_rsa_key() {
        let jwks = Keys::load().jwks();
        let key = &jwks["keys"][0];
        assert_eq!(key["kid"], KID);
        assert_eq!(key["kty"], "RSA");
        assert_eq!(key["use"], "sig");
        assert_eq!(key["alg"], "RS256");
        assert_eq!(key["e"], EXPONENT);
        assert_eq!(key["n"].as_str().map(str::len), Some(342));
    }
}
