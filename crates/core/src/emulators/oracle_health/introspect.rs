//! `/tokeninfo`: whether an access token is live, and what it carries. The token comes
//! as a bearer header or a `token` parameter; no client authentication is asked for.

use serde_json::{Map, Value, json};

use super::store::Grant;
use crate::emulators::engine::Access;

type AccessToken = Access<Grant>;
use super::{OracleHealth, param};
use crate::emulators::{EmuRequest, EmuResponse};

impl OracleHealth {
    /// An access token that is neither revoked nor expired.
    pub(super) fn live_access(&self, token: &str) -> Option<&AccessToken> {
        let at = self.store.tokens.access_tokens.get(token)?;
        at.active(self.now()).then_some(at)
    }

    pub(super) fn tokeninfo(&self, req: &EmuRequest) -> EmuResponse {
        let token = match req.bearer() {
            Some(t) => Some(t.to_string()),
            None if req.method.eq_ignore_ascii_case("POST") => {
                param(&req.form(), "token").map(str::to_string)
            }
            None => req.query_param("token"),
        };
        let body = token
            .as_deref()
            .and_then(|t| self.live_access(t))
            .map_or_else(|| json!({ "active": false }), |at| self.describe_token(at));
        EmuResponse::json(200, &body).with_header("cache-control", "no-store")
    }

    fn describe_token(&self, at: &AccessToken) -> Value {
        let mut body = Map::new();
        body.insert("active".into(), json!(true));
        body.insert("scope".into(), json!(at.grant.scopes.join(" ")));
        body.insert("client_id".into(), json!(at.grant.client_id));
        body.insert("token_type".into(), json!("Bearer"));
        body.insert("iat".into(), json!(at.issued_at));
        body.insert("exp".into(), json!(at.expires_at()));
        if let Some(user) = &at.grant.user {
            body.insert("sub".into(), json!(user.user_id));
            body.insert("username".into(), json!(user.username));
        }
        body.insert("tenant".into(), json!(self.base.tenant.tenant_id));
        Value::Object(body)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::emulators::Emulator;

    #[test]
    fn live_expired_and_unknown_tokens() {
        let mut emu = emulator(&[]);
        let at = system_access_token(&mut emu, "system/Patient.read");
        let requests = [
            with_header(
                get("/tokeninfo", &[]),
                "authorization",
                &format!("Bearer {at}"),
            ),
            get("/tokeninfo", &[("token", &at)]),
            post("/tokeninfo", &[("token", &at)]),
        ];
        for req in requests {
            let r = emu.handle(ORIGIN, &req);
            assert_eq!(r.status, 200);
            let body = json(&r);
            assert_eq!(body["active"], true);
            assert_eq!(body["scope"], "system/Patient.read");
            assert_eq!(body["client_id"], SYSTEM);
            assert_eq!(body["tenant"], TENANT);
        }
        for req in [
            get("/tokeninfo", &[]),
            post("/tokeninfo", &[("token", "nope")]),
        ] {
            assert_eq!(json(&emu.handle(ORIGIN, &req))["active"], false);
        }
        assert!(emu.age_artifact(&at, 570));
        let r = emu.handle(ORIGIN, &get("/tokeninfo", &[("token", &at)]));
        assert_eq!(json(&r), serde_json::json!({"active": false}));
    }
}
