//! `POST /oauth2/v1/revoke` (RFC 7009): 200 with an empty body whatever the token, so
//! that nothing about other tokens leaks.

use super::faults::Fault;
use super::store::{Grant, IssuedIdToken};
use super::{Athenahealth, param, responses};
use crate::emulators::{EmuRequest, EmuResponse};

impl Athenahealth {
    pub(super) fn revoke(&mut self, req: &EmuRequest) -> EmuResponse {
        let form = req.form();
        let client = match self.authenticate_client(req, &form) {
            Ok(client) => client,
            Err(response) => return response,
        };
        let Some(token) = param(&form, "token").filter(|t| !t.is_empty()) else {
            return responses::oauth_error(
                400,
                "invalid_request",
                "The token parameter is required.",
            );
        };
        let known = self.store.tokens.access_tokens.contains_key(token)
            || self.store.tokens.refresh_tokens.contains_key(token);
        if !known && self.on(Fault::RevokeFailsForUnknownToken) {
            return responses::oauth_error(400, "invalid_request", "The token is invalid.");
        }
        self.revoke_token(token, &client.client_id);
        if self.on(Fault::RevokeAnswersJson) {
            return EmuResponse::json(200, &serde_json::json!({}));
        }
        EmuResponse::new(200)
    }

    /// Revokes an access or refresh token of `client_id`. Revoking a refresh token also
    /// revokes the access tokens minted with it; revoking an access token leaves the
    /// refresh token alone.
    fn revoke_token(&mut self, token: &str, client_id: &str) {
        let tokens = &mut self.store.tokens;
        if let Some(at) = tokens.access_tokens.get_mut(token) {
            if at.grant.client_id == client_id {
                at.revoked = true;
            }
        } else if tokens
            .refresh_tokens
            .get(token)
            .is_some_and(|rt| rt.grant.client_id == client_id)
        {
            tokens.revoke_refresh(token);
        }
    }

    /// Revokes every token of one user at one client (only under logout-revokes-tokens).
    /// Revokes the tokens of the sign-in an ID token came from (same client, user,
    /// nonce and auth_time); other sign-ins of the same user are left alone.
    pub(super) fn revoke_sign_in(&mut self, issued: &IssuedIdToken) {
        let mine = |g: &Grant| {
            g.client_id == issued.client_id
                && g.username == issued.username
                && g.nonce == issued.nonce
                && g.auth_time == issued.auth_time
        };
        for at in self.store.tokens.access_tokens.values_mut() {
            if mine(&at.grant) {
                at.revoked = true;
            }
        }
        for rt in self.store.tokens.refresh_tokens.values_mut() {
            if mine(&rt.grant) {
                rt.revoked = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::emulators::Emulator;

    fn revoke(emu: &mut Athenahealth, client: &str, token: &str) -> EmuResponse {
        emu.handle(
            ORIGIN,
            &post(
                "/oauth2/v1/revoke",
                &[("token", token), ("client_id", client)],
            ),
        )
    }

    fn active(emu: &mut Athenahealth, token: &str) -> bool {
        let r = emu.handle(
            ORIGIN,
            &post(
                "/oauth2/v1/introspect",
                &[("token", token), ("client_id", PUBLIC)],
            ),
        );
        json(&r)["active"] == true
    }

    #[test]
    fn empty_200_for_any_token() {
        let mut emu = emulator(&[]);
        let body = tokens(&mut emu, &authz(PUBLIC));
        let at = body["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let rt = body["refresh_token"]
            .as_str()
            .unwrap_or_default()
            .to_string();

        let r = revoke(&mut emu, MAPPING, &at);
        assert_eq!((r.status, r.body.len()), (200, 0));
        assert!(active(&mut emu, &at), "another client cannot revoke it");

        let r = revoke(&mut emu, PUBLIC, &at);
        assert_eq!((r.status, r.body.len()), (200, 0));
        assert!(r.header("content-type").is_none());
        assert!(!active(&mut emu, &at));
        assert!(
            active(&mut emu, &rt),
            "revoking the access token leaves the refresh token"
        );

        let r = revoke(&mut emu, PUBLIC, "never-issued");
        assert_eq!((r.status, r.body.len()), (200, 0));
        let r = revoke(&mut emu, PUBLIC, &at);
        assert_eq!((r.status, r.body.len()), (200, 0));
    }

    #[test]
    fn revoking_a_refresh_token_revokes_its_access_tokens() {
        let mut emu = emulator(&[]);
        let body = tokens(&mut emu, &authz(PUBLIC));
        let at = body["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let rt = body["refresh_token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert_eq!(revoke(&mut emu, PUBLIC, &rt).status, 200);
        assert!(!active(&mut emu, &rt) && !active(&mut emu, &at));
        let r = emu.handle(
            ORIGIN,
            &token_request(
                PUBLIC,
                &[("grant_type", "refresh_token"), ("refresh_token", &rt)],
            ),
        );
        assert_error(
            &r,
            400,
            "invalid_grant",
            "The refresh token is invalid or expired.",
        );
    }

    #[test]
    fn authentication_and_missing_token() {
        let mut emu = emulator(&[]);
        let r = emu.handle(
            ORIGIN,
            &post(
                "/oauth2/v1/revoke",
                &[("token", "x"), ("client_id", WEB), ("client_secret", "bad")],
            ),
        );
        assert_error(
            &r,
            401,
            "invalid_client",
            "The client secret supplied for a confidential client is invalid.",
        );
        let r = emu.handle(ORIGIN, &post("/oauth2/v1/revoke", &[("client_id", PUBLIC)]));
        assert_error(
            &r,
            400,
            "invalid_request",
            "The token parameter is required.",
        );
    }
}
