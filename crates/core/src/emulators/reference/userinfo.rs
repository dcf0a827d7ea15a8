//! `GET|POST /userinfo` (OIDC Core §5.3), a protected resource using Bearer tokens in
//! the Authorization header (RFC 6750 §2.1). A request without a token gets a bare
//! challenge; a bad token `invalid_token`; a token without openid `insufficient_scope`
//! (RFC 6750 §3, §3.1).

use serde_json::json;

use super::signing::grant_subject;
use super::{Fault, Reference};
use crate::emulators::{EmuRequest, EmuResponse};

const REALM: &str = "Bearer realm=\"reference\"";

impl Reference {
    pub(super) fn userinfo(&self, req: &EmuRequest) -> EmuResponse {
        let token = req.header("authorization").and_then(|h| {
            let h = h.trim();
            let (scheme, token) = h.split_once(' ').unwrap_or((h, ""));
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
        let Some(token) = token else {
            return self.bearer_error(401, REALM.to_string(), None);
        };
        let now = self.now();
        let grant = self
            .store
            .tokens
            .access_tokens
            .get(token)
            .filter(|t| t.active(now) && !self.on(Fault::UserinfoRefusesValidToken))
            .map(|t| &t.grant);
        let Some(grant) = grant else {
            let challenge = format!("{REALM}, error=\"invalid_token\"");
            return self.bearer_error(401, challenge, Some("invalid_token"));
        };
        if !grant.has("openid") || grant.username.is_none() {
            let challenge = format!("{REALM}, error=\"insufficient_scope\", scope=\"openid\"");
            return self.bearer_error(403, challenge, Some("insufficient_scope"));
        }
        let sub = match &grant.username {
            Some(user) if self.on(Fault::UserinfoWrongSubject) => format!("account-{user}"),
            _ => grant_subject(grant),
        };
        EmuResponse::json(200, &json!({ "sub": sub })).with_header("cache-control", "no-store")
    }

    fn bearer_error(&self, status: u16, challenge: String, error: Option<&str>) -> EmuResponse {
        let response = match error {
            Some(error) => EmuResponse::json(status, &json!({ "error": error })),
            None => EmuResponse::new(status),
        };
        if status == 401 && self.on(Fault::UserinfoWithoutChallenge) {
            return response;
        }
        response.with_header("www-authenticate", challenge)
    }
}
