//! The signing key, the JWKS at `/jwk`, and ID tokens.

use serde_json::{Value, json};

use super::OracleHealth;
use super::faults::Fault;
use super::store::{ID_TOKEN_LIFETIME, UserContext};
use crate::emulators::EmuResponse;
use crate::emulators::engine::{IdToken, IdTokenBends};
use crate::oauth::jws::{self, SigningKey};

/// The RSA exponent (65537).
const EXPONENT: &str = "AQAB";
/// The vendor names keys by their creation time with a `.rsa` suffix.
pub(super) const KID: &str = "2026-01-01T00:00:00.000.rsa";

pub(super) struct Keys {
    key: SigningKey,
    n: String,
}

impl Keys {
    pub fn load() -> Self {
        Self {
            key: SigningKey {
                kid: KID.to_string(),
                pem: include_bytes!("keys/oracle-1.pem").to_vec(),
            },
            n: include_str!("keys/oracle-1.n").trim().to_string(),
        }
    }

    /// The key that signs ID tokens.
    pub fn signer(&self) -> SigningKey {
        self.key.clone()
    }

    pub fn jwks(&self) -> Value {
        json!({ "keys": [jws::jwk_rsa(&self.key.kid, &self.n, EXPONENT)] })
    }
}

impl OracleHealth {
    pub(super) fn jwk_response(&self) -> EmuResponse {
        EmuResponse::json(200, &self.keys.jwks())
    }

    /// `{origin}/tenants/{tenant}/oidc/idsps/{tenant}/`: the tenant is its own identity
    /// provider in this model.
    pub(super) fn issuer(&self, origin: &str) -> String {
        let t = &self.base.tenant.tenant_id;
        format!("{origin}/tenants/{t}/oidc/idsps/{t}/")
    }

    pub(super) fn sign_id_token(
        &self,
        origin: &str,
        client_id: &str,
        scopes: &[String],
        user: &UserContext,
    ) -> Result<String, String> {
        let has = |s: &str| scopes.iter().any(|g| g == s);
        let fhir_user = format!(
            "{origin}{}/{}",
            self.base.tenant.fhir_base_path.trim_end_matches('/'),
            user.fhir_user
        );
        let token = IdToken {
            issuer: self.issuer(origin),
            subject: user.user_id.clone(),
            client_id,
            now: self.now(),
            lifetime: ID_TOKEN_LIFETIME,
            auth_time: None,
            nonce: user.nonce.as_deref(),
        };
        let mut claims = token.claims(IdTokenBends {
            wrong_audience: self.on(Fault::IdTokenWrongAudience),
            ..IdTokenBends::default()
        });
        claims.insert("name".into(), json!(user.username));
        if has("fhirUser") {
            claims.insert("fhirUser".into(), json!(fhir_user));
        }
        if has("profile") {
            claims.insert("profile".into(), json!(fhir_user));
        }
        self.keys.key.sign(&Value::Object(claims))
    }
}
