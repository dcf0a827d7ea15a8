//! `POST /introspect` (RFC 7662). Only authenticated confidential clients may ask, or
//! the endpoint would let anyone probe for valid tokens (RFC 7662 §4). An active access
//! or refresh token is described; anything else is just `{"active": false}`.

use serde_json::{Value, json};

use super::responses::{OAuthError, form_params};
use super::signing::grant_subject;
use super::store::{Grant, REFRESH_TOKEN_LIFETIME};
use super::{Fault, Reference};
use crate::emulators::{ClientAuth, EmuRequest, EmuResponse};

fn active(grant: &Grant, iat: u64, exp: u64) -> Value {
    json!({
        "active": true,
        "scope": grant.scopes.join(" "),
        "client_id": grant.client_id,
        "token_type": "Bearer",
        "exp": exp,
        "iat": iat,
        "sub": grant_subject(grant),
    })
}

impl Reference {
    pub(super) fn introspect(&self, origin: &str, req: &EmuRequest) -> EmuResponse {
        match self.introspection(origin, req) {
            Ok(body) => EmuResponse::json(200, &body).with_header("cache-control", "no-store"),
            Err(error) => error.json(),
        }
    }

    fn introspection(&self, origin: &str, req: &EmuRequest) -> Result<Value, OAuthError> {
        let form = form_params(req)?;
        if !self.on(Fault::IntrospectionOpen) {
            let client = self.authenticate_client(origin, req, &form)?;
            if client.auth == ClientAuth::None {
                return Err(self
                    .invalid_client("Introspection needs an authenticated confidential client."));
            }
        }
        let token = form
            .get("token")
            .ok_or_else(|| OAuthError::invalid_request("The token parameter is missing."))?;
        let inactive = json!({ "active": false });
        if self.on(Fault::IntrospectionAlwaysInactive) {
            return Ok(inactive);
        }
        let now = self.now();
        if let Some(t) = self
            .store
            .access_tokens
            .get(token)
            .filter(|t| t.active(now))
        {
            return Ok(active(&t.grant, t.issued_at, t.issued_at + t.lifetime));
        }
        let refresh = self.store.refresh_tokens.get(token);
        if let Some(t) = refresh.filter(|t| t.live(now) && !t.used) {
            return Ok(active(
                &t.grant,
                t.issued_at,
                t.issued_at + REFRESH_TOKEN_LIFETIME,
            ));
        }
        Ok(inactive)
    }
}
