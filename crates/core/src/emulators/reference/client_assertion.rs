//! `private_key_jwt` (RFC 7523 §3, OpenID Connect Core §9): the client proves who it is
//! with a JWT it signed with the key it registered. The JWT names the client as `iss`
//! and `sub`, the server as `aud`, and expires.

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header, jwk::JwkSet};
use serde_json::Value;

use super::responses::OAuthError;
use super::{Fault, Reference};
use crate::emulators::{ClientAuth, ClientRegistration, EmuRequest};
use crate::oauth::assertion::JWT_BEARER;

impl Reference {
    /// The client a JWT assertion authenticates, or `invalid_client`.
    pub(super) fn authenticate_assertion(
        &self,
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
        Ok(client.clone())
    }

    fn verify_signature(&self, client: &ClientRegistration, jwt: &str) -> Result<(), OAuthError> {
        let bad = || {
            self.invalid_client(
                "The assertion's signature does not verify with the client's registered keys.",
            )
        };
        let header = decode_header(jwt).map_err(|_| bad())?;
        if header.alg != Algorithm::RS256 {
            return Err(bad());
        }
        let set: JwkSet = client
            .jwks
            .clone()
            .and_then(|v| serde_json::from_value(v).ok())
            .ok_or_else(bad)?;
        let jwk = match header.kid.as_deref() {
            Some(kid) => set.find(kid),
            None => set.keys.first(),
        }
        .ok_or_else(bad)?;
        let key = DecodingKey::from_jwk(jwk).map_err(|_| bad())?;
        let mut validation = Validation::new(Algorithm::RS256);
        // Audience and expiry are checked (and reported) separately.
        validation.validate_aud = false;
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        decode::<Value>(jwt, &key, &validation)
            .map(|_| ())
            .map_err(|_| bad())
    }
}
