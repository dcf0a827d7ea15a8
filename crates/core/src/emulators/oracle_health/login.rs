//! The sign-in page of an authorize transaction (`/tenants/{tenant}/login/{txn}`) and
//! issuing the code. There is no consent page: approval is part of the app's
//! registration in this model.

use super::scopes;
use super::store::{Grant, Persona, UserContext};
use super::{OracleHealth, ids, pages, param, responses};
use crate::emulators::{EmuRequest, EmuResponse, SignIn, UserRegistration};

/// The patient a user without a registered patient record is shown, for patient-scoped
/// grants (a sandbox patient id).
pub(super) const DEFAULT_PATIENT: &str = "12724066";

fn own_patient(user: &UserRegistration) -> String {
    user.portal_access
        .first()
        .map_or_else(|| DEFAULT_PATIENT.to_string(), |a| a.patient_id.clone())
}

impl OracleHealth {
    pub(super) fn login_form(&self, txn: &str) -> EmuResponse {
        if self.store.transactions.contains_key(txn) {
            self.sign_in_page(txn, false)
        } else {
            pages::unknown_transaction()
        }
    }

    /// The sign-in page of a transaction: the HTML form, or the page whose script builds
    /// it (`emulator.sign_in: script`); `failed` shows the refusal's message.
    pub(super) fn sign_in_page(&self, txn: &str, failed: bool) -> EmuResponse {
        let tenant = &self.base.tenant.tenant_id;
        match self.base.tenant.sign_in {
            SignIn::Html => pages::login_page(tenant, txn, failed),
            SignIn::Script => pages::scripted_login_page(tenant, txn, failed),
        }
    }

    pub(super) fn login_submit(&mut self, txn: &str, req: &EmuRequest) -> EmuResponse {
        if !self.store.transactions.contains_key(txn) {
            return pages::unknown_transaction();
        }
        let form = req.form();
        let username = param(&form, "username").unwrap_or("");
        let password = param(&form, "password").unwrap_or("");
        let user = self
            .base
            .tenant
            .users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(username) && u.password == password)
            .cloned();
        match user {
            Some(user) => self.issue_code(txn, &user),
            None => self.sign_in_page(txn, true),
        }
    }

    /// Ends the transaction with a code: 302 to `redirect_uri?code=…&state=…`.
    fn issue_code(&mut self, txn_id: &str, user: &UserRegistration) -> EmuResponse {
        let Some(txn) = self.store.transactions.remove(txn_id) else {
            return pages::unknown_transaction();
        };
        let user_id = ids::user_id(&user.username);
        let fhir_user = match txn.extra {
            Persona::Provider => format!("Practitioner/{user_id}"),
            Persona::Patient => format!("Patient/{}", own_patient(user)),
        };
        let context = UserContext {
            username: user.username.clone(),
            user_id,
            persona: txn.extra,
            fhir_user,
            patient_id: scopes::wants_patient(&txn.scopes).then(|| own_patient(user)),
            nonce: txn.nonce.clone(),
        };
        let grant = Grant {
            client_id: txn.client_id.clone(),
            scopes: txn.scopes.clone(),
            user: Some(context),
        };
        let now = self.now();
        let code = self.store.tokens.code_for(&txn, grant, now);
        let mut params = vec![("code", code.as_str())];
        if let Some(state) = &txn.state {
            params.push(("state", state.as_str()));
        }
        EmuResponse::redirect(responses::with_query(&txn.redirect_uri, &params))
    }
}

#[cfg(test)]
mod tests {
    use super::super::OracleHealth;
    use super::super::test_support::*;
    use crate::emulators::{EmuResponse, Emulator, SignIn};
    use crate::login::html::{forms, needs_script};

    #[test]
    fn wrong_password_shows_the_form_again_then_succeeds() {
        let mut emu = emulator(&[]);
        let page = emu.handle(ORIGIN, &authz(PROVIDER).request());
        let txn = login_txn(&page);
        let r = emu.handle(ORIGIN, &login(&txn, USER, "wrong"));
        assert_eq!(r.status, 200);
        assert!(text(&r).contains("The username or password is incorrect."));
        assert_eq!(login_txn(&r), txn);
        let r = emu.handle(ORIGIN, &get(&format!("/tenants/{TENANT}/login/{txn}"), &[]));
        assert_eq!(r.status, 200);
        assert!(!text(&r).contains("incorrect"));
        let r = emu.handle(ORIGIN, &login(&txn, &USER.to_uppercase(), PASSWORD));
        assert_eq!(r.status, 302);
        let location = r.header("location").unwrap_or_default();
        assert!(location.starts_with(&format!("{CB}?code=")), "{location}");
        assert!(location.ends_with(&format!("&state={STATE}")));
        // The transaction is finished.
        let r = emu.handle(ORIGIN, &login(&txn, USER, PASSWORD));
        assert_eq!(r.status, 400);
    }

    /// The transaction id in a scripted sign-in page's script-built form action.
    fn scripted_txn(r: &EmuResponse) -> String {
        let marker = format!("form.action = \"/tenants/{TENANT}/login/");
        text(r)
            .split_once(&marker)
            .and_then(|(_, rest)| rest.split('"').next())
            .unwrap_or_default()
            .to_string()
    }

    fn scripted() -> OracleHealth {
        let mut tenant = tenant();
        tenant.sign_in = SignIn::Script;
        OracleHealth::new(tenant, vec![])
    }

    /// Without a script there is nothing to fill; the form the script builds posts the
    /// credentials to the transaction as the HTML form does, and the browser follows.
    #[test]
    fn the_script_sign_in_needs_a_browser_and_then_signs_in_as_before() {
        let mut emu = scripted();
        let page = emu.handle(ORIGIN, &authz(PROVIDER).request());
        assert_eq!(page.status, 200);
        let html = text(&page);
        assert!(forms(&html).is_empty() && needs_script(&html), "{html}");
        assert!(!html.contains("name=\"password\""), "{html}");
        assert_eq!(login_txn(&page), "", "no HTML form action");
        let txn = scripted_txn(&page);
        assert_eq!(txn.len(), 43, "{html}");

        let again = emu.handle(ORIGIN, &get(&format!("/tenants/{TENANT}/login/{txn}"), &[]));
        assert!(needs_script(&text(&again)));
        let r = emu.handle(ORIGIN, &login(&txn, USER, "wrong"));
        assert_eq!(r.status, 200);
        assert!(needs_script(&text(&r)));
        assert!(text(&r).contains("var initial = \"The username or password is incorrect.\";"));
        assert_eq!(scripted_txn(&r), txn);

        let r = emu.handle(ORIGIN, &login(&txn, USER, PASSWORD));
        assert_eq!(r.status, 302);
        let location = r.header("location").unwrap_or_default();
        assert!(location.starts_with(&format!("{CB}?code=")), "{location}");
        // Used once: the transaction is finished.
        assert_eq!(emu.handle(ORIGIN, &login(&txn, USER, PASSWORD)).status, 400);
    }

    /// The HTML mode's page keeps its form.
    #[test]
    fn the_html_mode_keeps_its_form() {
        let mut emu = emulator(&[]);
        let page = emu.handle(ORIGIN, &authz(PROVIDER).request());
        assert!(!needs_script(&text(&page)));
        assert!(forms(&text(&page)).iter().any(|f| f.has_password()));
    }

    #[test]
    fn unknown_transactions_get_a_page() {
        let mut emu = emulator(&[]);
        for req in [
            login("nope", USER, PASSWORD),
            get(&format!("/tenants/{TENANT}/login/nope"), &[]),
        ] {
            let r = emu.handle(ORIGIN, &req);
            assert_eq!(r.status, 400);
            assert!(!text(&r).contains("<form"));
        }
    }
}
