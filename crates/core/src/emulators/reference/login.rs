//! The sign-in form (`/login/{txn}`). A successful sign-in is answered with 303, which
//! makes the browser GET the consent page: a 307 would re-post the password to wherever
//! it points (RFC 9700 §4.12).

use super::responses::Params;
use super::{Fault, Reference, pages, paths};
use crate::emulators::engine::Login;
use crate::emulators::{EmuRequest, EmuResponse};

impl Reference {
    pub(super) fn unknown_transaction(&self) -> EmuResponse {
        self.error_page(
            400,
            "invalid_request",
            "The sign-in transaction is unknown or already finished.",
        )
    }

    pub(super) fn login_form(&self, txn: &str) -> EmuResponse {
        match self.store.transactions.get(txn) {
            Some(t) if t.login.is_none() => {
                self.page(200, pages::login_body(txn, &t.client_id, false))
            }
            _ => self.unknown_transaction(),
        }
    }

    pub(super) fn login_submit(
        &mut self,
        origin: &str,
        txn: &str,
        req: &EmuRequest,
    ) -> EmuResponse {
        let Some(client_id) = self
            .store
            .transactions
            .get(txn)
            .filter(|t| t.login.is_none())
            .map(|t| t.client_id.clone())
        else {
            return self.unknown_transaction();
        };
        let form = Params::new(req.form());
        let username = form.get("username").unwrap_or("");
        let password = form.get("password").unwrap_or("");
        let Some(user) = self
            .base
            .user(username, false)
            .filter(|u| u.password == password)
        else {
            return self.page(200, pages::login_body(txn, &client_id, true));
        };
        let login = Login {
            username: user.username.clone(),
            auth_time: self.now(),
            patient_id: None,
        };
        if let Some(t) = self.store.transactions.get_mut(txn) {
            t.login = Some(login);
        }
        let status = if self.on(Fault::LoginAnswers307) {
            307
        } else {
            303
        };
        EmuResponse::new(status)
            .with_header(
                "location",
                format!("{origin}{}{txn}", paths::CONSENT_PREFIX),
            )
            .with_header("cache-control", "no-store")
    }
}
