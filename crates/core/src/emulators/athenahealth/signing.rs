//! Signing keys, the JWKS at `/keys`, and ID tokens.

use serde_json::{Value, json};

use super::faults::Fault;
use super::store::{Grant, ID_TOKEN_LIFETIME, IssuedIdToken};
use super::{Athenahealth, ids, scopes};
use crate::emulators::EmuResponse;
use crate::emulators::engine::{IdToken, IdTokenBends};
use crate::oauth::jws::{self, SigningKey};

/// The RSA exponent of every key (65537).
const EXPONENT: &str = "AQAB";

struct PublishedKey {
    key: SigningKey,
    n: String,
}

/// Two published keys (Okta publishes several; the first signs) and one that is never
/// published, for the sign-with-unpublished-key fault.
pub(super) struct Keys {
    published: [PublishedKey; 2],
    unpublished: SigningKey,
}

fn key(kid: &str, pem: &[u8]) -> SigningKey {
    SigningKey {
        kid: kid.to_string(),
        pem: pem.to_vec(),
    }
}

impl Keys {
    pub fn load() -> Self {
        Self {
            published: [
                PublishedKey {
                    key: key("athena-emu-1", include_bytes!("keys/athena-1.pem")),
                    n: include_str!("keys/athena-1.n").trim().to_string(),
                },
                PublishedKey {
                    key: key("athena-emu-2", include_bytes!("keys/athena-2.pem")),
                    n: include_str!("keys/athena-2.n").trim().to_string(),
                },
            ],
            unpublished: key("athena-emu-rogue", include_bytes!("../keys/rogue.pem")),
        }
    }

    /// The key that signs ID tokens (the first published).
    pub fn signer(&self) -> SigningKey {
        self.published[0].key.clone()
    }

    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .published
            .iter()
            .map(|p| jws::jwk_rsa(&p.key.kid, &p.n, EXPONENT))
            .collect();
        json!({ "keys": keys })
    }
}

impl Athenahealth {
    pub(super) fn keys_response(&self) -> EmuResponse {
        let mut jwks = self.keys.jwks();
        if self.on(Fault::KeysWithoutKid)
            && let Some(keys) = jwks.get_mut("keys").and_then(Value::as_array_mut)
        {
            for k in keys {
                if let Some(o) = k.as_object_mut() {
                    o.remove("kid");
                }
            }
        }
        if self.on(Fault::KeysEmpty) {
            jwks = json!({ "keys": [] });
        }
        let response = EmuResponse::json(200, &jwks);
        if self.on(Fault::KeysWithoutMaxAge) {
            return response;
        }
        response.with_header("cache-control", "max-age=3600")
    }

    /// Signs an ID token for `grant` and remembers it for logout's `id_token_hint`.
    pub(super) fn issue_id_token(&mut self, origin: &str, grant: &Grant) -> Result<String, String> {
        let claims = self.id_token_claims(origin, grant);
        let key = if self.on(Fault::SignWithUnpublishedKey) {
            &self.keys.unpublished
        } else {
            &self.keys.published[0].key
        };
        let token = key.sign(&claims)?;
        self.store.id_tokens.insert(
            token.clone(),
            IssuedIdToken {
                client_id: grant.client_id.clone(),
                username: grant.username.clone(),
                nonce: grant.nonce.clone(),
                auth_time: grant.auth_time,
            },
        );
        Ok(token)
    }

    fn id_token_claims(&self, origin: &str, grant: &Grant) -> Value {
        let iss = if self.on(Fault::IdTokenWrongIssuer) {
            format!("{origin}/oauth2/default")
        } else {
            origin.to_string()
        };
        let token = IdToken {
            issuer: iss,
            subject: ids::user_id(&grant.username),
            client_id: &grant.client_id,
            now: self.now(),
            lifetime: ID_TOKEN_LIFETIME,
            auth_time: Some(grant.auth_time),
            nonce: grant.nonce.as_deref(),
        };
        let mut claims = token.claims(IdTokenBends {
            expired: self.on(Fault::IdTokenExpired),
            wrong_audience: self.on(Fault::IdTokenWrongAudience),
            drop_nonce: self.on(Fault::IdTokenDropsNonce),
        });
        if grant.has("profile") {
            claims.insert("preferred_username".into(), json!(grant.username));
        }
        if grant.has("email") {
            claims.insert("email".into(), json!(grant.username));
        }
        let mapped =
            grant.has(scopes::PATIENT_MAPPINGS) || self.on(Fault::PimWithoutPatientMappings);
        if mapped && !self.on(Fault::OmitPim) {
            claims.insert("pim".into(), self.pim(&grant.username));
        }
        Value::Object(claims)
    }

    /// One `{ctxt, brnd, ptnt, access}` entry per portal record of the user.
    fn pim(&self, username: &str) -> Value {
        let records = self
            .base
            .user(username, true)
            .map(|u| u.portal_access.as_slice())
            .unwrap_or_default();
        Value::Array(
            records
                .iter()
                .map(|a| {
                    json!({
                        "ctxt": number_or_string(&a.practice_id),
                        "brnd": number_or_string(&a.brand_id),
                        "ptnt": number_or_string(&a.patient_id),
                        "access": "SELF",
                    })
                })
                .collect(),
        )
    }
}

/// athenaNet ids are numbers in `pim`; a non-numeric id (a test fixture) stays a string.
fn number_or_string(id: &str) -> Value {
    id.parse::<u64>().map_or_else(|_| json!(id), |n| json!(n))
}
