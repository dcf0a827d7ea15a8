//! `GET /oauth2/v1/logout` (RP-initiated logout): ends the browser's login session.
//! Tokens stay valid.

use super::faults::Fault;
use super::{Athenahealth, pages, responses};
use crate::emulators::{EmuRequest, EmuResponse};

impl Athenahealth {
    pub(super) fn logout(&mut self, req: &EmuRequest) -> EmuResponse {
        let query = req.query();
        let get = |name: &str| super::param(&query, name);
        // Any ID token this server issued is a valid hint, expired or not.
        let issued = match get("id_token_hint") {
            None | Some("") => {
                return pages::error_page(
                    400,
                    "invalid_request",
                    "The 'id_token_hint' parameter is required.",
                );
            }
            Some(hint) => match self.store.id_tokens.get(hint) {
                Some(issued) => issued.clone(),
                None => {
                    return pages::error_page(
                        400,
                        "invalid_request",
                        "The 'id_token_hint' parameter is invalid.",
                    );
                }
            },
        };
        let target = get("post_logout_redirect_uri");
        if let Some(uri) = target {
            let registered = self
                .base
                .client(&issued.client_id)
                .is_some_and(|c| c.post_logout_redirect_uris.iter().any(|r| r == uri));
            if !registered && !self.on(Fault::LogoutAcceptsAnyRedirect) {
                return pages::error_page(
                    400,
                    "invalid_request",
                    "The 'post_logout_redirect_uri' parameter must be a Logout redirect URI in the client app settings.",
                );
            }
        }

        if self.on(Fault::LogoutRevokesTokens) {
            self.revoke_sign_in(&issued);
        }
        let location = match target {
            Some(uri) => {
                let state =
                    get("state").filter(|s| !s.is_empty() && !self.on(Fault::LogoutDropsState));
                let params: Vec<(&str, &str)> = state.map(|s| ("state", s)).into_iter().collect();
                responses::with_query(uri, &params)
            }
            None => "/login".to_string(),
        };
        if self.on(Fault::SessionSurvivesLogout) {
            return EmuResponse::redirect(location);
        }
        // Only the browser's own session ends: other users' and other browsers' stay.
        if let Some(sid) = req.cookie("sid") {
            self.store.sessions.remove(&sid);
        }
        EmuResponse::redirect(location).with_header("set-cookie", "sid=; Max-Age=0; Path=/")
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::emulators::Emulator;

    #[test]
    fn ends_the_session_keeps_tokens_and_redirects() {
        let mut emu = emulator(&[]);
        let quiet = authz(PUBLIC).set("scope", "openid");
        let mut browser = Browser::new(&mut emu);
        let code = code_of(&browser.run(&quiet, USER));
        let body = json(&redeem(browser.emu, PUBLIC, &code));
        let (id_token, at) = (s(&body["id_token"]), s(&body["access_token"]));

        let r = browser.send(get(
            "/oauth2/v1/logout",
            &[
                ("id_token_hint", &id_token),
                ("post_logout_redirect_uri", BYE),
                ("state", "bye1"),
            ],
        ));
        assert_eq!(r.status, 302);
        assert_eq!(
            r.header("location"),
            Some("https://app.example/bye?state=bye1")
        );
        assert_eq!(r.header("set-cookie"), Some("sid=; Max-Age=0; Path=/"));
        assert!(browser.cookie.is_none());

        // The next authorize asks for credentials again; the access token still works.
        let page = browser.authorize(&quiet);
        assert_eq!(page.status, 200);
        assert!(text(&page).contains("name=\"password\""));
        assert_eq!(introspect_active(browser.emu, &at), "true");

        // Without post_logout_redirect_uri: to the sign-in page. An expired hint still works.
        emu.advance_clock(7200);
        let r = emu.handle(
            ORIGIN,
            &get("/oauth2/v1/logout", &[("id_token_hint", &id_token)]),
        );
        assert_eq!(r.header("location"), Some("/login"));
        let r = emu.handle(ORIGIN, &get("/login", &[]));
        assert_eq!(r.status, 200);
    }

    #[test]
    fn bad_hints_and_unregistered_targets_get_a_page() {
        let mut emu = emulator(&[]);
        let id_token = s(&tokens(&mut emu, &authz(PUBLIC).set("scope", "openid"))["id_token"]);
        for (params, description) in [
            (vec![], "The 'id_token_hint' parameter is required."),
            (
                vec![("id_token_hint", "eyJhbGciOiJub25lIn0.e30.")],
                "The 'id_token_hint' parameter is invalid.",
            ),
            (
                vec![
                    ("id_token_hint", id_token.as_str()),
                    ("post_logout_redirect_uri", "https://evil.example/"),
                ],
                "The 'post_logout_redirect_uri' parameter must be a Logout redirect URI in the client app settings.",
            ),
        ] {
            let r = emu.handle(ORIGIN, &get("/oauth2/v1/logout", &params));
            assert_eq!(r.status, 400, "{description}");
            assert!(r.header("location").is_none(), "{description}");
            let html = text(&r);
            let described = format!("Description: {description}");
            for wanted in ["Error Code: invalid_request", &described] {
                assert!(html.contains(wanted), "{description}: {html}");
            }
        }
    }
}
