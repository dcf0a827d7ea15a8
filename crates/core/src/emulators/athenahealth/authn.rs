//! The script sign-in (`emulator.sign_in: script`): the page Okta's hosted sign-in
//! widget stands for, its authentication API and the session token it hands back.
//!
//! From the catalog: athenahealth's login is hosted by Okta (the OKT-* section's
//! introduction, citing SEED-002 and ATH-DOCS), a "widget" that refuses a user without a
//! practice record with ATH-12's page, and login sessions that idle out (ATH-09).
//!
//! Assumed, as the catalog says nothing about them: the widget builds its form with
//! JavaScript and posts the credentials as JSON to `POST /api/v1/authn`; the API answers
//! `{"status":"SUCCESS","sessionToken":…}` or 401 with Okta's API error shape (OKT-11 a.)
//! carrying `E0000004` / `Authentication failed` for any credentials it refuses (a body
//! that is not JSON included); the page then goes back to /authorize with
//! `sessionToken=…` added, which Okta exchanges once for a login session (the `sid`
//! cookie) within [`SESSION_TOKEN_LIFETIME`]. A token that is unknown, used or expired
//! is ignored: the sign-in page is shown again.

use serde_json::{Value, json};

use super::login::session_cookie;
use super::store::{SESSION_TOKEN_LIFETIME, SessionToken, Transaction};
use super::{Athenahealth, ids, pages, responses};
use crate::emulators::{EmuRequest, EmuResponse};

/// Okta's authentication API, which the sign-in widget posts the credentials to.
pub(super) const AUTHN_PATH: &str = "/api/v1/authn";
/// The query parameter that carries the session token back to /authorize.
pub(super) const SESSION_TOKEN_PARAM: &str = "sessionToken";
/// The authentication API's refusal of a username and password (assumed, see above).
pub(super) const AUTHN_FAILED_CODE: &str = "E0000004";
pub(super) const AUTHN_FAILED_SUMMARY: &str = "Authentication failed";

impl Athenahealth {
    /// `POST /api/v1/authn` with `{"username": …, "password": …}`.
    pub(super) fn authn(&mut self, req: &EmuRequest) -> EmuResponse {
        let body: Option<Value> = serde_json::from_slice(&req.body).ok();
        let field = |name: &str| body.as_ref()?.get(name)?.as_str();
        let user = match (field("username"), field("password")) {
            (Some(username), Some(password)) => self
                .base
                .user(username, true)
                .filter(|u| u.password == password)
                .map(|u| u.username.clone()),
            _ => None,
        };
        let Some(username) = user else {
            return responses::okta_api_error(401, AUTHN_FAILED_CODE, AUTHN_FAILED_SUMMARY);
        };
        let token = ids::opaque();
        let issued_at = self.now();
        self.store.session_tokens.insert(
            token.clone(),
            SessionToken {
                username,
                issued_at,
            },
        );
        EmuResponse::json(200, &json!({ "status": "SUCCESS", "sessionToken": token }))
            .with_header("cache-control", "no-store")
    }

    /// The user a session token was issued to, if it is still good; a token is used up
    /// by its first exchange, good or not.
    fn redeem_session_token(&mut self, token: &str) -> Option<String> {
        let issued = self.store.session_tokens.remove(token)?;
        let fresh = self.now().saturating_sub(issued.issued_at) < SESSION_TOKEN_LIFETIME;
        (fresh && self.base.user(&issued.username, false).is_some()).then_some(issued.username)
    }

    /// A valid authorize request under the script sign-in: a session token exchanged
    /// for a new login session, else a live session, else the scripted sign-in page.
    /// After sign-in it goes on as the HTML sign-in does (portal access, consent, code).
    pub(super) fn authorize_scripted(&mut self, req: &EmuRequest, txn: Transaction) -> EmuResponse {
        let exchanged = req
            .query_param(SESSION_TOKEN_PARAM)
            .and_then(|t| self.redeem_session_token(&t));
        if let Some(username) = exchanged {
            let now = self.now();
            let sid = self.open_session(&username, now);
            let id = ids::opaque();
            self.store.transactions.insert(id.clone(), txn);
            return self
                .complete_login(&id, &username, now)
                .with_header("set-cookie", session_cookie(&sid));
        }
        let prompt = txn.extra.prompt;
        let session = self.session_user(req).filter(|_| !prompt.login);
        if session.is_none() && !prompt.none {
            return pages::scripted_login_page(&retry_url(req));
        }
        let id = ids::opaque();
        self.store.transactions.insert(id.clone(), txn);
        match session {
            Some((username, auth_time)) => self.complete_login(&id, &username, auth_time),
            None => self.login_required(&id),
        }
    }
}

/// The authorize request as the page will send it again, without a session token it
/// may already carry (the page adds the new one).
fn retry_url(req: &EmuRequest) -> String {
    let query: Vec<&str> = req
        .raw_query
        .as_deref()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| {
            let name = pair.split_once('=').map_or(*pair, |(k, _)| k);
            !pair.is_empty() && name != SESSION_TOKEN_PARAM
        })
        .collect();
    format!("{}?{}", req.path, query.join("&"))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::emulators::{Emulator, SignIn};
    use crate::login::html::{forms, needs_script};

    fn scripted() -> Athenahealth {
        let mut tenant = tenant();
        tenant.sign_in = SignIn::Script;
        Athenahealth::new(tenant, vec![])
    }

    fn authn(emu: &mut Athenahealth, body: &str) -> EmuResponse {
        let req = EmuRequest {
            method: "POST".into(),
            path: AUTHN_PATH.into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
            ..EmuRequest::default()
        };
        emu.handle(ORIGIN, &req)
    }

    fn credentials(user: &str, password: &str) -> String {
        json!({ "username": user, "password": password }).to_string()
    }

    /// A session token for `user` from the authentication API.
    fn session_token(emu: &mut Athenahealth, user: &str) -> String {
        let r = authn(emu, &credentials(user, PASSWORD));
        assert_eq!(r.status, 200, "{}", text(&r));
        s(&json(&r)["sessionToken"])
    }

    /// True when the answer is the sign-in page again, nobody signed in.
    fn shows_sign_in(r: &EmuResponse) -> bool {
        r.status == 200 && r.header("set-cookie").is_none() && needs_script(&text(r))
    }

    #[test]
    fn the_script_page_holds_no_form_and_needs_a_browser() {
        let mut emu = scripted();
        let a = authz(PUBLIC).set(SESSION_TOKEN_PARAM, "stale");
        let r = emu.handle(ORIGIN, &a.request());
        assert!(shows_sign_in(&r), "{}", text(&r));
        let html = text(&r);
        assert!(forms(&html).is_empty(), "{html}");
        assert!(!html.contains("name=\"password\""), "{html}");
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        // The script posts JSON to the authentication API and comes back to the same
        // authorize request with the new token only.
        assert!(html.contains(&format!(
            "fetch({}",
            crate::emulators::html::js_string(AUTHN_PATH)
        )));
        assert!(
            html.contains("JSON.stringify({ username: username.value, password: password.value })")
        );
        assert!(html.contains("\"sessionToken=\" + encodeURIComponent(answer.body.sessionToken)"));
        let retry = retry_url(&a.request());
        assert!(
            retry.starts_with("/oauth2/v1/authorize?client_id=public-app&"),
            "{retry}"
        );
        assert!(
            !retry.contains("sessionToken") && !retry.contains("stale"),
            "{retry}"
        );
        assert!(html.contains(&crate::emulators::html::js_string(&retry)));
        // No transaction waits behind the page: the credentials never go to /login.
        assert!(emu.store.transactions.is_empty());
        // Request errors come first, exactly as in the HTML mode.
        let r = emu.handle(ORIGIN, &authz(PUBLIC).set("state", "").request());
        assert_eq!(r.status, 302);
    }

    #[test]
    fn the_authentication_api_accepts_right_credentials_only() {
        let mut emu = scripted();
        let r = authn(&mut emu, &credentials(&USER.to_uppercase(), PASSWORD));
        assert_eq!(r.status, 200, "{}", text(&r));
        assert_eq!(r.header("content-type"), Some("application/json"));
        let body = json(&r);
        assert_eq!(body["status"], "SUCCESS");
        assert_eq!(s(&body["sessionToken"]).len(), 43);
        assert_eq!(member_names(&body), ["status", "sessionToken"]);
        for refused in [
            credentials(USER, "wrong"),
            credentials("nobody@example.com", PASSWORD),
            json!({ "username": USER }).to_string(),
            "username=a&password=b".to_string(),
        ] {
            let r = authn(&mut emu, &refused);
            assert_eq!(r.status, 401, "{refused}: {}", text(&r));
            let body = json(&r);
            assert_eq!(body["errorCode"], AUTHN_FAILED_CODE, "{refused}");
            assert_eq!(body["errorSummary"], AUTHN_FAILED_SUMMARY, "{refused}");
            assert!(body.get("sessionToken").is_none());
        }
        assert_eq!(emu.store.session_tokens.len(), 1);
        let r = emu.handle(ORIGIN, &get(AUTHN_PATH, &[]));
        assert_eq!(
            (r.status, s(&json(&r)["errorCode"])),
            (405, "E0000022".into())
        );
    }

    #[test]
    fn a_session_token_signs_its_user_in_once() {
        let mut emu = scripted();
        let token = session_token(&mut emu, USER);
        let a = authz(PUBLIC).set(SESSION_TOKEN_PARAM, &token);
        let mut browser = Browser::new(&mut emu);
        let r = browser.authorize(&a);
        // Signed in: on to consent, with a login session, as after the HTML form.
        assert_eq!(r.status, 302, "{}", text(&r));
        assert!(header(&r, "location").starts_with("/consent/"));
        assert!(header(&r, "set-cookie").starts_with("sid="));
        let code = code_of(&browser.consent(&r, "allow", None));
        let body = json(&redeem(&mut emu, PUBLIC, &code));
        assert_eq!(body["patient"], PATIENT);
        assert_eq!(
            claims(s(&body["id_token"]).as_str())["sub"],
            ids::user_id(USER)
        );

        // Replayed in a fresh browser: nobody is signed in.
        let r = emu.handle(ORIGIN, &a.request());
        assert!(shows_sign_in(&r), "{}", text(&r));

        // Expired before its first use: nobody is signed in, and it is used up.
        let token = session_token(&mut emu, USER);
        assert!(emu.age_artifact(&token, SESSION_TOKEN_LIFETIME));
        let late = authz(PUBLIC).set(SESSION_TOKEN_PARAM, &token);
        assert!(shows_sign_in(&emu.handle(ORIGIN, &late.request())));
        assert!(emu.store.session_tokens.is_empty());
        // One second younger it would have worked.
        let token = session_token(&mut emu, USER);
        assert!(emu.age_artifact(&token, SESSION_TOKEN_LIFETIME - 1));
        let r = emu.handle(
            ORIGIN,
            &authz(PUBLIC).set(SESSION_TOKEN_PARAM, &token).request(),
        );
        assert_eq!(r.status, 302, "{}", text(&r));
    }

    /// The token carries its user: a user without a record in the practice gets ATH-12's
    /// page, not the other user's patient.
    #[test]
    fn a_session_token_is_bound_to_its_user() {
        let mut emu = scripted();
        let token = session_token(&mut emu, NO_PORTAL_USER);
        let r = emu.handle(
            ORIGIN,
            &authz(PUBLIC).set(SESSION_TOKEN_PARAM, &token).request(),
        );
        assert_eq!(r.status, 200);
        assert!(text(&r).contains("You are not configured to access this Patient Portal."));
    }

    #[test]
    fn a_live_session_skips_the_script_page() {
        let mut emu = scripted();
        let token = session_token(&mut emu, USER);
        let quiet = authz(WEB).set("scope", "openid");
        let mut browser = Browser::new(&mut emu);
        let first = browser.authorize(&quiet.clone().set(SESSION_TOKEN_PARAM, &token));
        assert!(
            location_params(&first).contains_key("code"),
            "{}",
            text(&first)
        );
        let again = browser.authorize(&quiet);
        assert!(
            location_params(&again).contains_key("code"),
            "{}",
            text(&again)
        );
    }

    /// The HTML mode has neither the API nor the token: its page and routes are as before.
    #[test]
    fn the_html_mode_knows_no_session_tokens() {
        let mut emu = emulator(&[]);
        assert_eq!(authn(&mut emu, &credentials(USER, PASSWORD)).status, 404);
        let r = emu.handle(
            ORIGIN,
            &authz(PUBLIC).set(SESSION_TOKEN_PARAM, "x").request(),
        );
        assert_eq!(r.status, 200);
        assert!(!needs_script(&text(&r)));
        assert!(forms(&text(&r)).iter().any(|f| f.has_password()));
    }
}
