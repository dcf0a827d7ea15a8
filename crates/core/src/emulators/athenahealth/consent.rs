//! The consent page (`/consent/{txn}`): the user may uncheck scopes, which are then
//! silently left out of the grant, or deny the whole request. What the user allowed is
//! remembered per user and client, and not asked again (unless prompt=consent).

use super::faults::Fault;
use super::login::unknown_transaction;
use super::store::Transaction;
use super::{Athenahealth, pages, param, responses, scopes};
use crate::emulators::{EmuRequest, EmuResponse};

/// `error_description` of prompt=none when consent is still to be given. An assumption:
/// neither catalog quotes Okta's wording.
const CONSENT_REQUIRED: &str = "The user has not consented to the requested scopes.";

impl Athenahealth {
    /// The consent-requiring scopes of a signed-in transaction the user is to be asked
    /// about: those not granted to this client before, or all of them with
    /// prompt=consent. Okta skips the consent dialog for scopes already consented to and
    /// shows it again for prompt=consent (its consent guide and `prompt` reference).
    pub(super) fn consent_to_ask(&self, txn: &Transaction) -> Vec<String> {
        let remembered = txn.login.as_ref().and_then(|login| {
            self.store
                .consents
                .get(&(login.username.clone(), txn.client_id.clone()))
        });
        txn.scopes
            .iter()
            .filter(|s| scopes::needs_consent(s))
            .filter(|s| txn.extra.prompt.consent || !remembered.is_some_and(|r| r.contains(*s)))
            .cloned()
            .collect()
    }

    /// prompt=none with consent still to give (OIDC Core §3.1.2.6): an error redirect;
    /// the transaction ends.
    pub(super) fn consent_required(&mut self, txn_id: &str) -> EmuResponse {
        match self.store.transactions.remove(txn_id) {
            Some(txn) => responses::redirect_error(
                &txn.redirect_uri,
                "consent_required",
                CONSENT_REQUIRED,
                txn.state.as_deref(),
            ),
            None => unknown_transaction(),
        }
    }

    pub(super) fn consent_form(&self, txn_id: &str) -> EmuResponse {
        match self.store.transactions.get(txn_id) {
            Some(txn) if txn.login.is_some() => {
                pages::consent_page(txn_id, &txn.client_id, &self.consent_to_ask(txn))
            }
            _ => unknown_transaction(),
        }
    }

    pub(super) fn consent_submit(&mut self, txn_id: &str, req: &EmuRequest) -> EmuResponse {
        let Some(txn) = self
            .store
            .transactions
            .get(txn_id)
            .filter(|t| t.login.is_some())
        else {
            return unknown_transaction();
        };
        let form = req.form();
        // Any answer but an explicit deny counts as allow (a form submitted without the
        // button's name/value pair still means the user went ahead).
        if param(&form, "consent") == Some("deny") {
            let response = responses::redirect_error(
                &txn.redirect_uri,
                "access_denied",
                "The resource owner or authorization server denied the request.",
                txn.state.as_deref(),
            );
            self.store.transactions.remove(txn_id);
            return response;
        }
        let checked: Vec<&str> = form
            .iter()
            .filter(|(k, _)| k == "scope")
            .map(|(_, v)| v.as_str())
            .collect();
        // Scopes the page did not ask about were consented to before.
        let asked = self.consent_to_ask(txn);
        let keep_all = self.on(Fault::ConsentIgnored);
        let granted: Vec<String> = txn
            .scopes
            .iter()
            .filter(|s| keep_all || !asked.contains(s) || checked.contains(&s.as_str()))
            .cloned()
            .collect();
        if let Some(login) = &txn.login {
            let key = (login.username.clone(), txn.client_id.clone());
            let consented = asked.iter().filter(|s| checked.contains(&s.as_str()));
            let remembered = self.store.consents.entry(key).or_default();
            remembered.extend(consented.cloned());
        }
        self.issue_code(txn_id, Some(granted))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::emulators::{Emulator, SignIn};

    /// The scopes a consent page offers.
    fn offered(page: &EmuResponse) -> Vec<String> {
        text(page)
            .split("name=\"scope\" value=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next().map(str::to_string))
            .collect()
    }

    fn to_consent(r: &EmuResponse) -> bool {
        r.status == 302 && r.header("location").unwrap_or("").starts_with("/consent/")
    }

    #[test]
    fn consent_is_remembered_per_user_and_client() {
        let mut emu = emulator(&[]);
        let first = Browser::new(&mut emu).sign_in(&authz(PUBLIC), USER);
        assert!(to_consent(&first));
        code_of(&Browser::new(&mut emu).consent(&first, "allow", None));

        // A new sign-in of the same user for the same app and scopes: straight to a code.
        let again = Browser::new(&mut emu).sign_in(&authz(PUBLIC), USER);
        let code = code_of(&again);
        let body = json(&redeem(&mut emu, PUBLIC, &code));
        assert_eq!(
            body["scope"],
            "openid launch/patient patient/Patient.read offline_access"
        );

        // A new scope is asked about alone; the ones consented to before are granted.
        let more = authz(PUBLIC).set(
            "scope",
            "openid launch/patient patient/Patient.read patient/Observation.read offline_access",
        );
        let mut browser = Browser::new(&mut emu);
        let r = browser.sign_in(&more, USER);
        assert!(to_consent(&r), "{:?}", r.header("location"));
        assert_eq!(offered(&browser.follow(&r)), ["patient/Observation.read"]);
        let code = code_of(&browser.consent(&r, "allow", None));
        let body = json(&redeem(&mut emu, PUBLIC, &code));
        assert!(s(&body["scope"]).contains("patient/Observation.read"));
        assert!(s(&body["scope"]).contains("offline_access"));

        // Another app asks for its own consent.
        let other = Browser::new(&mut emu).sign_in(&authz(MAPPING), USER);
        assert!(to_consent(&other));
    }

    #[test]
    fn prompt_consent_asks_again_and_a_withheld_scope_is_not_remembered() {
        let mut emu = emulator(&[]);
        obtain_code(&mut emu, &authz(PUBLIC));
        let asking = authz(PUBLIC).set("prompt", "consent");
        let mut browser = Browser::new(&mut emu);
        let r = browser.sign_in(&asking, USER);
        assert!(to_consent(&r));
        let page = browser.follow(&r);
        assert_eq!(offered(&page), ["patient/Patient.read", "offline_access"]);
        // Withholding under prompt=consent leaves the scope out of this grant only:
        // the earlier consent stays.
        let code = code_of(&browser.consent(&r, "allow", Some(&["patient/Patient.read"])));
        let body = json(&redeem(&mut emu, PUBLIC, &code));
        assert_eq!(body["scope"], "openid launch/patient patient/Patient.read");
        let again = Browser::new(&mut emu).sign_in(&authz(PUBLIC), USER);
        assert!(location_params(&again).contains_key("code"));

        // A scope withheld the first time it was asked is asked about again.
        let mut emu = emulator(&[]);
        let mut browser = Browser::new(&mut emu);
        let r = browser.sign_in(&authz(PUBLIC), USER);
        code_of(&browser.consent(&r, "allow", Some(&["patient/Patient.read"])));
        let mut browser = Browser::new(&mut emu);
        let r = browser.sign_in(&authz(PUBLIC), USER);
        assert!(to_consent(&r));
        assert_eq!(offered(&browser.follow(&r)), ["offline_access"]);
        // Denying changes nothing remembered.
        let denied = browser.consent(&r, "deny", None);
        assert_redirect_error(
            &denied,
            "access_denied",
            "The resource owner or authorization server denied the request.",
        );
        let r = Browser::new(&mut emu).sign_in(&authz(PUBLIC), USER);
        assert!(to_consent(&r));
    }

    #[test]
    fn prompt_none_never_shows_a_page() {
        let mut emu = emulator(&[]);
        let silent = || authz(PUBLIC).set("prompt", "none");
        // No session: login_required, with the state.
        let r = Browser::new(&mut emu).authorize(&silent());
        assert_redirect_error(
            &r,
            "login_required",
            "The client specified not to prompt, but the user is not logged in.",
        );
        assert_eq!(
            location_params(&r).get("state").map(String::as_str),
            Some(STATE)
        );

        // A session, but consent still to give: consent_required.
        let mut browser = Browser::new(&mut emu);
        let quiet = authz(PUBLIC).set("scope", "openid");
        code_of(&browser.run(&quiet, USER));
        let r = browser.authorize(&silent());
        assert_redirect_error(&r, "consent_required", CONSENT_REQUIRED);

        // A session and consent given: the code, without a page.
        let r = browser.run(&authz(PUBLIC), USER);
        code_of(&r);
        let r = browser.authorize(&silent());
        let code = code_of(&r);
        assert_eq!(redeem(browser.emu, PUBLIC, &code).status, 200);

        // prompt=none with prompt=consent cannot be satisfied without a page.
        let r = browser.authorize(&authz(PUBLIC).set("prompt", "none consent"));
        assert_redirect_error(&r, "consent_required", CONSENT_REQUIRED);
    }

    #[test]
    fn prompt_login_signs_in_again_despite_a_session() {
        let mut emu = emulator(&[]);
        let quiet = authz(WEB).set("scope", "openid");
        let mut browser = Browser::new(&mut emu);
        code_of(&browser.run(&quiet, USER));
        let r = browser.authorize(&quiet.set("prompt", "login"));
        assert_eq!(r.status, 200);
        assert!(text(&r).contains("name=\"password\""));
    }

    #[test]
    fn prompt_none_under_the_scripted_sign_in() {
        let mut tenant = tenant();
        tenant.sign_in = SignIn::Script;
        let mut emu = Athenahealth::new(tenant, vec![]);
        let r = emu.handle(ORIGIN, &authz(PUBLIC).set("prompt", "none").request());
        assert_redirect_error(
            &r,
            "login_required",
            "The client specified not to prompt, but the user is not logged in.",
        );
        // The transaction did not outlive the refusal, nor the page's.
        let r = emu.handle(ORIGIN, &authz(PUBLIC).request());
        assert_eq!(r.status, 200);
        assert!(emu.store.transactions.is_empty());
    }
}
