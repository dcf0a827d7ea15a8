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

    fn introspect(emu: &mut Athenahealth, client: &str, token: &str) -> Value {
        let mut params = vec![("token", token), ("token_type_hint", "access_token")];
        match client {
            WEB => params.extend([("client_id", WEB), ("client_secret", WEB_SECRET)]),
            other => params.push(("client_id", other)),
        }
        let r = emu.handle(ORIGIN, &post("/oauth2/v1/introspect", &params));
        assert_eq!(r.status, 200, "{}", r.status);
        json(&r)
    }

    #[test]
    fn active_and_inactive_tokens() {
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

        let info = introspect(&mut emu, PUBLIC, &at);
        let keys: Vec<&str> = info
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(
            keys,
            [
                "active",
                "token_type",
                "scope",
                "client_id",
                "username",
                "exp",
                "iat",
                "sub",
                "aud",
                "iss",
                "jti",
                "uid"
            ]
        );
        assert_eq!(info["active"], true);
        assert_eq!(info["client_id"], PUBLIC);
        assert_eq!(info["username"], USER);
        assert!(info["jti"].as_str().unwrap_or("").starts_with("AT."));
        assert_eq!(info["exp"].as_u64(), info["iat"].as_u64().map(|t| t + 300));

        let info = introspect(&mut emu, PUBLIC, &rt);
        let keys: Vec<&str> = info
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(
            keys,
            [
                "active",
                "token_type",
                "scope",
                "client_id",
                "username",
                "exp",
                "iat",
                "sub",
                "iss",
                "jti"
            ]
        );

        let inactive = serde_json::json!({"active": false});
        assert_eq!(introspect(&mut emu, PUBLIC, "nope"), inactive);
        assert_eq!(
            introspect(&mut emu, WEB, &at),
            inactive,
            "another client's token"
        );
        assert_eq!(
            introspect(&mut emu, PUBLIC, body["id_token"].as_str().unwrap_or("")),
            inactive
        );
        assert!(emu.age_artifact(&at, 300));
        assert_eq!(introspect(&mut emu, PUBLIC, &at), inactive, "expired");
    }

    #[test]
    fn get_is_not_allowed_and_clients_must_authenticate() {
        let mut emu = emulator(&[]);
        assert_eq!(
            emu.handle(ORIGIN, &get("/oauth2/v1/introspect", &[("token", "x")]))
                .status,
            405
        );
        let r = emu.handle(
            ORIGIN,
            &post(
                "/oauth2/v1/introspect",
                &[("token", "x"), ("client_id", WEB)],
            ),
        );
        assert_error(&r, 401, "invalid_client", "No client credentials found.");
    }
}
