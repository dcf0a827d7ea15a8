//! The sign-in widget (`/login/{txn}`), login sessions and issuing the code.

use super::aud::Aud;
use super::faults::Fault;
use super::store::{Grant, SESSION_IDLE_TIMEOUT, Session};
use super::{Athenahealth, ids, pages, responses};
use crate::emulators::engine::Login;
use crate::emulators::{EmuRequest, EmuResponse};

/// The user has no patient record in the practice and brand of the request.
struct NotConfigured;

pub(super) fn unknown_transaction() -> EmuResponse {
    pages::error_page(
        400,
        "invalid_request",
        "The login transaction is unknown or has expired.",
    )
}

/// The `Set-Cookie` value of a login session.
pub(super) fn session_cookie(sid: &str) -> String {
    format!("sid={sid}; Path=/; HttpOnly")
}

impl Athenahealth {
    pub(super) fn login_form(&self, txn: &str) -> EmuResponse {
        if self.store.transactions.contains_key(txn) {
            pages::login_page(txn, false)
        } else {
            unknown_transaction()
        }
    }

    pub(super) fn login_submit(&mut self, txn: &str, req: &EmuRequest) -> EmuResponse {
        if !self.store.transactions.contains_key(txn) {
            return unknown_transaction();
        }
        let form = req.form();
        let username = super::param(&form, "username").unwrap_or("");
        let password = super::param(&form, "password").unwrap_or("");
        let Some(user) = self
            .base
            .user(username, true)
            .filter(|u| u.password == password)
        else {
            return pages::login_page(txn, true);
        };
        let username = user.username.clone();
        let now = self.now();
        let sid = self.open_session(&username, now);
        self.complete_login(txn, &username, now)
            .with_header("set-cookie", session_cookie(&sid))
    }

    /// A new login session for `username`, signed in at `now`: its id.
    pub(super) fn open_session(&mut self, username: &str, now: u64) -> String {
        let sid = ids::opaque();
        self.store.sessions.insert(
            sid.clone(),
            Session {
                username: username.to_string(),
                auth_time: now,
                last_seen: now,
            },
        );
        sid
    }

    /// The user of the request's live session, if any; touching it restarts the idle timer.
    pub(super) fn session_user(&mut self, req: &EmuRequest) -> Option<(String, u64)> {
        if self.on(Fault::SessionIgnored) {
            return None;
        }
        let sid = req.cookie("sid")?;
        let now = self.now();
        let session = self.store.sessions.get_mut(&sid)?;
        if now.saturating_sub(session.last_seen) >= SESSION_IDLE_TIMEOUT {
            self.store.sessions.remove(&sid);
            return None;
        }
        session.last_seen = now;
        Some((session.username.clone(), session.auth_time))
    }

    /// After sign-in (or with a live session): check the patient portal access, then ask
    /// for the consent not yet given (or, with prompt=none, refuse with
    /// `consent_required`), or issue the code.
    pub(super) fn complete_login(
        &mut self,
        txn_id: &str,
        username: &str,
        auth_time: u64,
    ) -> EmuResponse {
        let Some(aud) = self
            .store
            .transactions
            .get(txn_id)
            .map(|t| t.extra.aud.clone())
        else {
            return unknown_transaction();
        };
        let patient_id = match self.portal_patient(username, aud.as_ref()) {
            Ok(patient_id) => patient_id,
            Err(NotConfigured) => {
                self.store.transactions.remove(txn_id);
                return pages::not_configured_page();
            }
        };
        let Some(txn) = self.store.transactions.get_mut(txn_id) else {
            return unknown_transaction();
        };
        txn.login = Some(Login {
            username: username.to_string(),
            auth_time,
            patient_id,
        });
        let prompt_none = txn.extra.prompt.none;
        let to_ask = self
            .store
            .transactions
            .get(txn_id)
            .map(|t| self.consent_to_ask(t));
        match to_ask {
            Some(asked) if asked.is_empty() => self.issue_code(txn_id, None),
            Some(_) if prompt_none => self.consent_required(txn_id),
            Some(_) => EmuResponse::redirect(format!("/consent/{txn_id}")),
            None => unknown_transaction(),
        }
    }

    /// The user's patient id in the practice/brand of `aud` (any record without `aud`).
    fn portal_patient(
        &self,
        username: &str,
        aud: Option<&Aud>,
    ) -> Result<Option<String>, NotConfigured> {
        let records = self
            .base
            .user(username, true)
            .map(|u| u.portal_access.as_slice())
            .unwrap_or_default();
        let matching = records.iter().find(|a| {
            aud.is_none_or(|aud| a.practice_id == aud.practice_id && a.brand_id == aud.brand_id)
        });
        match matching {
            Some(record) => Ok(Some(record.patient_id.clone())),
            None if self.on(Fault::IgnorePortalAccess) => {
                Ok(records.first().map(|r| r.patient_id.clone()))
            }
            None => Err(NotConfigured),
        }
    }

    /// Ends the transaction with a code: 302 to `redirect_uri?code=…&state=…`.
    /// `granted` overrides the requested scopes (after consent).
    pub(super) fn issue_code(&mut self, txn_id: &str, granted: Option<Vec<String>>) -> EmuResponse {
        let Some(txn) = self.store.transactions.remove(txn_id) else {
            return unknown_transaction();
        };
        let Some(login) = txn.login.clone() else {
            return unknown_transaction();
        };
        let grant = Grant {
            client_id: txn.client_id.clone(),
            username: login.username,
            scopes: granted.unwrap_or_else(|| txn.scopes.clone()),
            patient_id: login.patient_id,
            nonce: txn.nonce.clone(),
            auth_time: login.auth_time,
        };
        let now = self.now();
        let code = self.store.tokens.code_for(&txn, grant, now);
        let mut params = vec![("code", code.as_str())];
        if !self.on(Fault::DropState) {
            params.extend(txn.state.as_deref().map(|s| ("state", s)));
        }
        EmuResponse::redirect(responses::with_query(&txn.redirect_uri, &params))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::emulators::Emulator;

    #[test]
    fn wrong_password_shows_the_form_again() {
        let mut emu = emulator(&[]);
        let mut browser = Browser::new(&mut emu);
        let page = browser.authorize(&authz(PUBLIC));
        let txn = login_txn(&page);
        let r = browser.login(&txn, USER, "wrong");
        assert_eq!(r.status, 200);
        assert!(text(&r).contains("Unable to sign in"));
        assert_eq!(login_txn(&r), txn);
        assert!(r.header("set-cookie").is_none());
        // The same transaction still completes.
        let r = browser.login(&txn, USER, PASSWORD);
        assert_eq!(r.status, 302);
    }

    #[test]
    fn user_without_portal_access_is_stopped() {
        let mut emu = emulator(&[]);
        let r = Browser::new(&mut emu).run(&authz(PUBLIC), NO_PORTAL_USER);
        assert_eq!(r.status, 200);
        let html = text(&r);
        assert!(html.contains("You are not configured to access this Patient Portal."));
        assert!(!html.contains("<form") && r.header("location").is_none());

        // A practice/brand where the user has no record is refused the same way.
        let other = authz(PUBLIC).set("aud", r#"{"PRACTICEID":"1","COMMUNICATORBRANDID":"1"}"#);
        let r = Browser::new(&mut emu).run(&other, USER);
        assert!(text(&r).contains("You are not configured to access this Patient Portal."));

        // Brand 2 of the same practice maps to the user's other record.
        let brand2 = authz(PUBLIC).set(
            "aud",
            r#"{"PRACTICEID":"195900","COMMUNICATORBRANDID":"2"}"#,
        );
        assert_eq!(tokens(&mut emu, &brand2)["patient"], "5151");
    }

    #[test]
    fn a_live_session_skips_the_form_until_it_idles_out() {
        let mut emu = emulator(&[]);
        let mut browser = Browser::new(&mut emu);
        let quiet = authz(WEB).set("scope", "openid");
        let first = browser.run(&quiet, USER);
        assert!(location_params(&first).contains_key("code"));
        let sid = browser.cookie.clone().expect("session");
        let again = browser.authorize(&quiet);
        assert_eq!(again.status, 302, "{}", text(&again));
        assert!(location_params(&again).contains_key("code"));

        assert!(browser.emu.age_artifact(&sid, SESSION_IDLE_TIMEOUT));
        let r = browser.authorize(&quiet);
        assert_eq!(r.status, 200);
        assert!(text(&r).contains("name=\"password\""));
    }

    #[test]
    fn unchecked_scopes_are_dropped_and_deny_is_an_error() {
        let mut emu = emulator(&[]);
        let mut browser = Browser::new(&mut emu);
        let r = browser.sign_in(&authz(PUBLIC), USER);
        let code = code_of(&browser.consent(&r, "allow", Some(&["patient/Patient.read"])));
        let body = json(&redeem(&mut emu, PUBLIC, &code));
        assert_eq!(body["scope"], "openid launch/patient patient/Patient.read");
        assert!(body.get("refresh_token").is_none());

        let mut browser = Browser::new(&mut emu);
        let r = browser.sign_in(&authz(PUBLIC), USER);
        let denied = browser.consent(&r, "deny", None);
        assert_redirect_error(
            &denied,
            "access_denied",
            "The resource owner or authorization server denied the request.",
        );
        assert_eq!(
            location_params(&denied).get("state").map(String::as_str),
            Some(STATE)
        );
    }

    #[test]
    fn unknown_transactions_get_a_page() {
        let mut emu = emulator(&[]);
        for req in [
            post("/login/nope", &[("username", USER), ("password", PASSWORD)]),
            get("/login/nope", &[]),
            get("/consent/nope", &[]),
            post("/consent/nope", &[("consent", "allow")]),
        ] {
            let r = emu.handle(ORIGIN, &req);
            assert_eq!(r.status, 400);
            assert!(text(&r).contains("Error Code: invalid_request"));
        }
    }
}
