//! `POST /oauth2/v1/introspect` (RFC 7662 as Okta answers it).

use serde_json::{Value, json};

use super::faults::Fault;
use super::{Athenahealth, ids, param};
use crate::emulators::{ClientRegistration, EmuRequest, EmuResponse};

impl Athenahealth {
    /// `token_type_hint` is only a hint: both token kinds are looked up either way.
    pub(super) fn introspect(&mut self, origin: &str, req: &EmuRequest) -> EmuResponse {
        let form = req.form();
        let client = match self.authenticate_client(req, &form) {
            Ok(client) => client,
            Err(response) => return response,
        };
        let token = param(&form, "token").unwrap_or("");
        let body = self
            .introspect_access(origin, &client, token)
            .or_else(|| self.introspect_refresh(origin, &client, token))
            .unwrap_or_else(|| json!({ "active": false }));
        EmuResponse::json(200, &body)
    }

    /// Whether a token of this client, expiring at `expires_at`, still counts as active.
    fn is_active(
        &self,
        client: &ClientRegistration,
        owner: &str,
        revoked: bool,
        expires_at: u64,
    ) -> bool {
        owner == client.client_id
            && (!revoked || self.on(Fault::IntrospectRevokedAsActive))
            && self.now() < expires_at
    }

    fn introspect_access(
        &self,
        origin: &str,
        client: &ClientRegistration,
        token: &str,
    ) -> Option<Value> {
        let at = self.store.tokens.access_tokens.get(token)?;
        if !self.is_active(client, &at.grant.client_id, at.revoked, at.expires_at()) {
            return None;
        }
        Some(json!({
            "active": true,
            "token_type": "Bearer",
            "scope": at.grant.scopes.join(" "),
            "client_id": at.grant.client_id,
            "username": at.grant.username,
            "exp": at.expires_at(),
            "iat": at.issued_at,
            "sub": at.grant.username,
            "aud": origin,
            "iss": origin,
            "jti": at.jti,
            "uid": ids::user_id(&at.grant.username),
        }))
    }

    fn introspect_refresh(
        &self,
        origin: &str,
        client: &ClientRegistration,
        token: &str,
    ) -> Option<Value> {
        let rt = self.store.tokens.refresh_tokens.get(token)?;
        if !self.is_active(client, &rt.grant.client_id, rt.revoked, rt.expires_at()) {
            return None;
        }
        Some(json!({
            "active": true,
            "token_type": "Bearer",
            "scope": rt.grant.scopes.join(" "),
            "client_id": rt.grant.client_id,
            "username": rt.grant.username,
            "exp": rt.expires_at(),
            "iat": rt.last_used,
            "sub": rt.grant.username,
            "iss": origin,
            "jti": rt.jti,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::emulators::Emulator;

    /// The members every active token's answer starts with, in Okta's order.
    const COMMON_MEMBERS: &[&str] = &[
        "active",
        "token_type",
        "scope",
        "client_id",
        "username",
        "exp",
        "iat",
        "sub",
    ];

    fn introspect(emu: &mut Athenahealth, client: &str, token: &str) -> Value {
        let params = [("token", token), ("token_type_hint", "access_token")];
        let r = send(emu, client_request(INTROSPECT_PATH, client, &params));
        assert_eq!(r.status, 200, "{}", text(&r));
        json(&r)
    }

    #[test]
    fn active_and_inactive_tokens() {
        let mut emu = emulator(&[]);
        let body = public_tokens(&mut emu);
        let (at, rt) = (s(&body["access_token"]), s(&body["refresh_token"]));
        // A refresh token's answer has no `aud` and no `uid`.
        for (kind, token, rest) in [
            ("access", &at, &["aud", "iss", "jti", "uid"][..]),
            ("refresh", &rt, &["iss", "jti"]),
        ] {
            let info = introspect(&mut emu, PUBLIC, token);
            assert_eq!(
                member_names(&info),
                [COMMON_MEMBERS, rest].concat(),
                "{kind} token"
            );
        }

        let info = introspect(&mut emu, PUBLIC, &at);
        assert_eq!(info["active"], true);
        assert_eq!(info["client_id"], PUBLIC);
        assert_eq!(info["username"], USER);
        assert!(info["jti"].as_str().unwrap_or("").starts_with("AT."));
        assert_eq!(info["exp"].as_u64(), info["iat"].as_u64().map(|t| t + 300));

        let inactive = json!({"active": false});
        let id_token = s(&body["id_token"]);
        for (case, client, token) in [
            ("an unknown token", PUBLIC, "nope"),
            ("another client's token", WEB, at.as_str()),
            ("an ID token", PUBLIC, id_token.as_str()),
        ] {
            assert_eq!(introspect(&mut emu, client, token), inactive, "{case}");
        }
        assert!(emu.age_artifact(&at, 300));
        assert_eq!(introspect(&mut emu, PUBLIC, &at), inactive, "expired");
    }

    #[test]
    fn get_is_not_allowed_and_clients_must_authenticate() {
        let mut emu = emulator(&[]);
        let r = send(&mut emu, get(INTROSPECT_PATH, &[("token", "x")]));
        assert_eq!(r.status, 405);
        let req = post(INTROSPECT_PATH, &[("token", "x"), ("client_id", WEB)]);
        let r = send(&mut emu, req);
        assert_error(&r, 401, "invalid_client", "No client credentials found.");
    }
}
