//! The consent page (`/consent/{txn}`): the user may uncheck scopes, which are then
//! silently left out of the grant, or deny the whole request.

use super::faults::Fault;
use super::login::unknown_transaction;
use super::{Athenahealth, pages, param, responses, scopes};
use crate::emulators::{EmuRequest, EmuResponse};

impl Athenahealth {
    pub(super) fn consent_form(&self, txn_id: &str) -> EmuResponse {
        match self.store.transactions.get(txn_id) {
            Some(txn) if txn.login.is_some() => {
                let asked: Vec<String> = txn
                    .scopes
                    .iter()
                    .filter(|s| scopes::needs_consent(s))
                    .cloned()
                    .collect();
                pages::consent_page(txn_id, &txn.client_id, &asked)
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
        let keep_all = self.on(Fault::ConsentIgnored);
        let granted: Vec<String> = txn
            .scopes
            .iter()
            .filter(|s| keep_all || !scopes::needs_consent(s) || checked.contains(&s.as_str()))
            .cloned()
            .collect();
        self.issue_code(txn_id, Some(granted))
    }
}
