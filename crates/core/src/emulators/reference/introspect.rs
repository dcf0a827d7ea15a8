//! `POST /introspect` (RFC 7662). Only authenticated confidential clients may ask, or
//! the endpoint would let anyone probe for valid tokens (RFC 7662 §4). An active access
//! or refresh token is described; anything else is just `{"active": false}`.

use serde_json::{Value, json};

use super::responses::{OAuthError, form_params};
use super::signing::grant_subject;
use super::store::Grant;
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

/// A NumericDate written as an RFC 3339 date (the introspection-times-as-strings fault).
fn http_date(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| secs.to_string())
}

impl Reference {
    pub(super) fn introspect(&mut self, origin: &str, req: &EmuRequest) -> EmuResponse {
        match self.introspection(origin, req) {
            Ok(mut body) => {
                if self.on(Fault::IntrospectionTimesAsStrings) {
                    for claim in ["exp", "iat"] {
                        if let Some(t) = body.get(claim).and_then(Value::as_u64) {
                            body[claim] = json!(http_date(t));
                        }
                    }
                }
                EmuResponse::json(200, &body).with_header("cache-control", "no-store")
            }
            Err(error) => error.json(),
        }
    }

    fn introspection(&mut self, origin: &str, req: &EmuRequest) -> Result<Value, OAuthError> {
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
            .tokens
            .access_tokens
            .get(token)
            .filter(|t| t.active(now))
        {
            return Ok(active(&t.grant, t.issued_at, t.expires_at()));
        }
        let refresh = self.store.tokens.refresh_tokens.get(token);
        if let Some(t) = refresh.filter(|t| t.live(now) && !t.used) {
            return Ok(active(&t.grant, t.issued_at, t.expires_at()));
        }
        Ok(inactive)
    }
}
