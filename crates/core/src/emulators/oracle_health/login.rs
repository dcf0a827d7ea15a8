//! The sign-in page of an authorize transaction (`/tenants/{tenant}/login/{txn}`) and
//! issuing the code. There is no consent page: approval is part of the app's
//! registration in this model.

use super::scopes;
use super::store::{Grant, Persona, UserContext};
use super::{OracleHealth, ids, pages, param, responses};
use crate::emulators::{EmuRequest, EmuResponse, UserRegistration};

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
            pages::login_page(&self.base.tenant.tenant_id, txn, false)
        } else {
            pages::unknown_transaction()
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
            None => pages::login_page(&self.base.tenant.tenant_id, txn, true),
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
    use super::super::test_support::*;
    use crate::emulators::Emulator;

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
