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

    const TOKEN_REQUIRED: &str = "The token parameter is required.";

    fn active(emu: &mut Athenahealth, token: &str) -> bool {
        introspect_active(emu, token) == "true"
    }

    /// RFC 7009's answer: 200, no body, no content type.
    fn assert_empty_200(case: &str, r: &EmuResponse) {
        let got = (r.status, r.body.len(), r.header("content-type"));
        assert_eq!(got, (200, 0, None), "{case}: {}", text(r));
    }

    #[test]
    fn empty_200_for_any_token() {
        let mut emu = emulator(&[]);
        let body = public_tokens(&mut emu);
        let (at, rt) = (s(&body["access_token"]), s(&body["refresh_token"]));

        assert_empty_200("another client's token", &revoke(&mut emu, MAPPING, &at));
        assert!(active(&mut emu, &at), "another client cannot revoke it");

        assert_empty_200("the client's own token", &revoke(&mut emu, PUBLIC, &at));
        assert!(!active(&mut emu, &at));
        assert!(
            active(&mut emu, &rt),
            "revoking the access token leaves the refresh token"
        );

        for (case, token) in [
            ("never issued", "never-issued"),
            ("revoked already", at.as_str()),
        ] {
            assert_empty_200(case, &revoke(&mut emu, PUBLIC, token));
        }
    }

    #[test]
    fn revoking_a_refresh_token_revokes_its_access_tokens() {
        let mut emu = emulator(&[]);
        let body = public_tokens(&mut emu);
        let (at, rt) = (s(&body["access_token"]), s(&body["refresh_token"]));
        assert_eq!(revoke(&mut emu, PUBLIC, &rt).status, 200);
        assert!(!active(&mut emu, &rt) && !active(&mut emu, &at));
        let r = refresh(&mut emu, PUBLIC, &rt, None);
        assert_error(&r, 400, "invalid_grant", REFRESH_INVALID);
    }

    #[test]
    fn authentication_and_missing_token() {
        let mut emu = emulator(&[]);
        let wrong = Credentials::Post("bad");
        let req = client_post(REVOKE_PATH, WEB, wrong, &[("token", "x")]);
        let r = send(&mut emu, req);
        assert_error(&r, 401, "invalid_client", WRONG_SECRET);
        let r = send(&mut emu, client_request(REVOKE_PATH, PUBLIC, &[]));
        assert_error(&r, 400, "invalid_request", TOKEN_REQUIRED);
    }
}
