//! `GET|POST /oauth2/v1/userinfo` (OIDC Core §5.3): the claims of the access token's
//! user that its scopes release, the same ones its ID token carries.
//!
//! Okta's org authorization server serves it; athenahealth's guide says not to rely on
//! it (ATH-01), so the emulator keeps it to what the ID token already says: `sub`,
//! `preferred_username` with `profile`, `email` with `email`. The refusals follow
//! RFC 6750 §3 (assumed for Okta's wording: the catalog quotes none): no token, a bare
//! `Bearer` challenge; an unknown, expired or revoked token, 401 `invalid_token`; a
//! token without `openid`, 403 `insufficient_scope`.

use serde_json::{Map, json};

use super::{Athenahealth, ids};
use crate::emulators::{EmuRequest, EmuResponse};

fn challenge(status: u16, value: &str) -> EmuResponse {
    EmuResponse::new(status).with_header("www-authenticate", value)
}

impl Athenahealth {
    pub(super) fn userinfo(&self, req: &EmuRequest) -> EmuResponse {
        let Some(token) = req.bearer() else {
            return challenge(401, "Bearer");
        };
        let now = self.now();
        let Some(grant) = self
            .store
            .tokens
            .access_tokens
            .get(token)
            .filter(|t| t.active(now))
            .map(|t| &t.grant)
        else {
            return challenge(401, "Bearer error=\"invalid_token\"");
        };
        if !grant.has("openid") {
            return challenge(403, "Bearer error=\"insufficient_scope\", scope=\"openid\"");
        }
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(ids::user_id(&grant.username)));
        if grant.has("profile") {
            claims.insert("preferred_username".into(), json!(grant.username));
        }
        if grant.has("email") {
            claims.insert("email".into(), json!(grant.username));
        }
        EmuResponse::json(200, &claims.into()).with_header("cache-control", "no-store")
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::emulators::Emulator;

    const USERINFO: &str = "/oauth2/v1/userinfo";

    fn userinfo(emu: &mut Athenahealth, method: &str, token: Option<&str>) -> EmuResponse {
        let mut req = get(USERINFO, &[]);
        req.method = method.into();
        let req = match token {
            Some(token) => with_bearer(req, token),
            None => req,
        };
        emu.handle(ORIGIN, &req)
    }

    #[test]
    fn claims_follow_the_granted_scopes() {
        let mut emu = emulator(&[]);
        let all = authz(WEB).set("scope", "openid profile email launch/patient");
        let at = s(&tokens(&mut emu, &all)["access_token"]);
        for method in ["GET", "POST"] {
            let r = userinfo(&mut emu, method, Some(&at));
            assert_eq!(r.status, 200, "{method}: {}", text(&r));
            assert_eq!(r.header("cache-control"), Some("no-store"));
            let claims = json(&r);
            assert_eq!(claims["sub"], ids::user_id(USER));
            assert_eq!(claims["preferred_username"], USER);
            assert_eq!(claims["email"], USER);
        }

        let at = s(&tokens(&mut emu, &authz(WEB).set("scope", "openid"))["access_token"]);
        let claims = json(&userinfo(&mut emu, "GET", Some(&at)));
        assert_eq!(member_names(&claims), ["sub"]);
    }

    #[test]
    fn refusals_carry_a_bearer_challenge() {
        let mut emu = emulator(&[]);
        let r = userinfo(&mut emu, "GET", None);
        assert_eq!(
            (r.status, r.header("www-authenticate")),
            (401, Some("Bearer"))
        );

        let expired = s(&public_tokens(&mut emu)["access_token"]);
        assert!(emu.age_artifact(&expired, 300));
        let revoked = s(&public_tokens(&mut emu)["access_token"]);
        revoke(&mut emu, PUBLIC, &revoked);
        for (case, token) in [
            ("unknown", "bogus"),
            ("expired", &expired),
            ("revoked", &revoked),
        ] {
            let r = userinfo(&mut emu, "GET", Some(token));
            assert_eq!(r.status, 401, "{case}");
            assert_eq!(
                r.header("www-authenticate"),
                Some("Bearer error=\"invalid_token\""),
                "{case}"
            );
        }

        let no_openid = authz(WEB).set("scope", "launch/patient");
        let at = s(&tokens(&mut emu, &no_openid)["access_token"]);
        let r = userinfo(&mut emu, "GET", Some(&at));
        assert_eq!(r.status, 403);
        let challenge = r.header("www-authenticate").unwrap_or("");
        assert!(
            challenge.contains("error=\"insufficient_scope\""),
            "{challenge}"
        );
        assert_eq!(userinfo(&mut emu, "PUT", Some(&at)).status, 405);
    }
}
