//! `POST /revoke` (RFC 7009). Unknown tokens are answered 200 like revoked ones (§2.2).
//! A token of another client is refused with 400 unauthorized_client and left alone
//! (§2.1: the server verifies the token was issued to the requesting client and refuses
//! the request otherwise). Revoking a refresh token ends its whole grant, access tokens
//! included; revoking an access token ends only that token.

use super::responses::{OAuthError, form_params};
use super::{Fault, Reference};
use crate::emulators::{EmuRequest, EmuResponse};

impl Reference {
    pub(super) fn revoke(&mut self, origin: &str, req: &EmuRequest) -> EmuResponse {
        match self.revocation(origin, req) {
            Ok(()) => EmuResponse::new(200).with_header("cache-control", "no-store"),
            Err(error) => error.json(),
        }
    }

    fn revocation(&mut self, origin: &str, req: &EmuRequest) -> Result<(), OAuthError> {
        let form = form_params(req)?;
        let client = self.authenticate_client(origin, req, &form)?;
        let token = form
            .get("token")
            .ok_or_else(|| OAuthError::invalid_request("The token parameter is missing."))?;
        // token_type_hint only speeds up a lookup (§2.1); both kinds are searched anyway.
        let owner = match (
            self.store.tokens.access_tokens.get(token),
            self.store.tokens.refresh_tokens.get(token),
        ) {
            (Some(t), _) => Some((t.grant.client_id.clone(), None)),
            (None, Some(t)) => Some((t.grant.client_id.clone(), Some(t.family))),
            (None, None) => None,
        };
        let Some((owner, refresh_family)) = owner else {
            if self.on(Fault::RevokeUnknownToken400) {
                return Err(OAuthError::invalid_request("The token is unknown."));
            }
            return Ok(());
        };
        if owner != client.client_id {
            return Err(OAuthError::new(
                "unauthorized_client",
                "The token was not issued to this client.",
            ));
        }
        if self.on(Fault::RevocationIgnored) {
            return Ok(());
        }
        match refresh_family {
            Some(family) if !self.on(Fault::RevokeRefreshKeepsAccess) => {
                self.store.tokens.revoke_family(family)
            }
            Some(_) => {
                if let Some(t) = self.store.tokens.refresh_tokens.get_mut(token) {
                    t.revoked = true;
                }
            }
            None => {
                if let Some(t) = self.store.tokens.access_tokens.get_mut(token) {
                    t.revoked = true;
                }
            }
        }
        Ok(())
    }
}
