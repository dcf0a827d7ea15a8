//! `POST …/smart-v1/token/revoke`: same client authentication and tenant checks as the
//! token endpoint; unknown tokens are not an error (RFC 7009 §2.2).

use super::grants::UserCall;
use super::token::Outcome;
use super::{OracleHealth, param};
use crate::emulators::EmuResponse;

impl OracleHealth {
    pub(super) fn revoke(&mut self, call: UserCall) -> Outcome {
        let UserCall { client, form, .. } = call;
        let token = param(form, "token").unwrap_or("");
        let owns_refresh = self
            .store
            .tokens
            .refresh_tokens
            .get(token)
            .is_some_and(|t| t.grant.client_id == client.client_id);
        if owns_refresh {
            self.store.tokens.revoke_refresh(token);
        } else if let Some(at) = self
            .store
            .tokens
            .access_tokens
            .get_mut(token)
            .filter(|t| t.grant.client_id == client.client_id)
        {
            at.revoked = true;
        }
        Ok(EmuResponse::new(200))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::emulators::Emulator;

    #[test]
    fn revoking_a_refresh_token_ends_its_access_tokens() {
        let mut emu = emulator(&[]);
        let body = code_tokens(
            &mut emu,
            &authz(PROVIDER).set("scope", "openid user/Patient.read offline_access"),
        );
        let rt = s(&body["refresh_token"]);
        let at = s(&body["access_token"]);
        // Another client cannot revoke it.
        let r = emu.handle(
            ORIGIN,
            &provider_post(&revoke_path(TENANT), OTHER, OTHER_SECRET, &[("token", &rt)]),
        );
        assert_eq!(r.status, 200);
        assert_eq!(refresh(&mut emu, &rt).status, 200);

        let r = emu.handle(
            ORIGIN,
            &provider_post(
                &revoke_path(TENANT),
                PROVIDER,
                PROVIDER_SECRET,
                &[("token", &rt)],
            ),
        );
        assert_eq!((r.status, r.body.len()), (200, 0));
        assert_token_error(
            &refresh(&mut emu, &rt),
            400,
            "invalid_grant",
            "oauth2:token:refresh-token:token-invalid",
        );
        let r = emu.handle(ORIGIN, &get("/tokeninfo", &[("token", &at)]));
        assert_eq!(json(&r)["active"], false);
    }

    #[test]
    fn revoking_an_access_token_and_auth_failures() {
        let mut emu = emulator(&[]);
        let at = system_access_token(&mut emu, "system/Patient.read");
        let r = emu.handle(
            ORIGIN,
            &provider_post(
                &revoke_path(TENANT),
                SYSTEM,
                SYSTEM_SECRET,
                &[("token", &at)],
            ),
        );
        assert_eq!(r.status, 200);
        assert_eq!(
            json(&emu.handle(ORIGIN, &get("/tokeninfo", &[("token", &at)])))["active"],
            false
        );
        let r = emu.handle(
            ORIGIN,
            &provider_post(&revoke_path(TENANT), SYSTEM, "wrong", &[("token", "x")]),
        );
        assert_token_error(
            &r,
            401,
            "invalid_client",
            "oauth2:token:invalid-client-credentials",
        );
        let r = emu.handle(
            ORIGIN,
            &provider_post(
                &revoke_path(SEED_TENANT),
                SYSTEM,
                SYSTEM_SECRET,
                &[("token", "x")],
            ),
        );
        assert_token_error(&r, 400, "invalid_grant", "oauth2:token:invalid-tenant");
    }
}
