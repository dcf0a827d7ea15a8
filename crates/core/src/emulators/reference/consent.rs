//! The consent page (`/consent/{txn}`): one checkbox per scope; unchecked scopes are left
//! out of the grant. Allow ends the transaction with a code, deny with access_denied.

use super::redirect_uri::Mode;
use super::responses::Params;
use super::store::{ACCESS_TOKEN_LIFETIME, Grant, Transaction};
use super::{Fault, Reference, pages};
use crate::emulators::{EmuRequest, EmuResponse};

impl Reference {
    /// A transaction whose user has signed in.
    fn signed_in(&self, txn: &str) -> Option<&Transaction> {
        self.store
            .transactions
            .get(txn)
            .filter(|t| t.login.is_some())
    }

    pub(super) fn consent_form(&self, txn: &str) -> EmuResponse {
        match self.signed_in(txn) {
            Some(t) => self.page(200, pages::consent_body(txn, &t.client_id, &t.scopes)),
            None => self.unknown_transaction(),
        }
    }

    pub(super) fn consent_submit(
        &mut self,
        origin: &str,
        txn_id: &str,
        req: &EmuRequest,
    ) -> EmuResponse {
        let Some(txn) = self.signed_in(txn_id) else {
            return self.unknown_transaction();
        };
        let form = Params::new(req.form());
        let mode = if txn.extra.implicit {
            Mode::Fragment
        } else {
            Mode::Query
        };
        let checked = form.all("scope");
        let granted: Vec<String> = txn
            .scopes
            .iter()
            .filter(|s| checked.contains(&s.as_str()))
            .cloned()
            .collect();
        let denied = match form.get("consent") {
            Some("allow") if granted.is_empty() => Some("The user approved none of the scopes."),
            Some("allow") => None,
            Some("deny") => Some("The user denied the request."),
            // Neither button: ask again rather than guess what the user meant.
            _ => {
                let html = pages::consent_body(txn_id, &txn.client_id, &txn.scopes);
                return self.page(400, html);
            }
        };
        let Some(txn) = self.store.transactions.remove(txn_id) else {
            return self.unknown_transaction();
        };
        if let Some(description) = denied {
            return self.authorization_error(
                origin,
                &txn.redirect_uri,
                mode,
                "access_denied",
                description,
                txn.state.as_deref(),
            );
        }
        let Some(login) = txn.login.clone() else {
            return self.unknown_transaction();
        };
        let patient = self
            .base
            .user(&login.username, false)
            .and_then(|u| u.portal_access.first())
            .map(|a| a.patient_id.clone());
        let grant = Grant {
            client_id: txn.client_id.clone(),
            username: Some(login.username),
            scopes: granted,
            nonce: txn.nonce.clone(),
            auth_time: login.auth_time,
            patient,
            requested: txn.extra.requested.clone(),
        };
        if txn.extra.implicit {
            self.implicit_response(origin, &txn, grant)
        } else {
            self.code_response(origin, txn, grant)
        }
    }

    /// Stores a code for `grant` and redirects with it (RFC 6749 §4.1.2).
    fn code_response(&mut self, origin: &str, txn: Transaction, grant: Grant) -> EmuResponse {
        let now = self.now();
        let code = self.store.tokens.code_for(&txn, grant, now);
        let state = txn.state.as_deref().filter(|_| !self.on(Fault::DropState));
        let params = vec![("code", code.as_str())];
        self.authorization_redirect(origin, &txn.redirect_uri, Mode::Query, params, state)
    }

    /// The implicit grant's access token in the fragment: only under its fault.
    fn implicit_response(&mut self, origin: &str, txn: &Transaction, grant: Grant) -> EmuResponse {
        let scope = grant.scopes.join(" ");
        let family = self.store.tokens.new_family();
        let now = self.now();
        let token = self
            .store
            .tokens
            .issue_access(grant, family, now, ACCESS_TOKEN_LIFETIME, None);
        let lifetime = ACCESS_TOKEN_LIFETIME.to_string();
        let params = vec![
            ("access_token", token.as_str()),
            ("token_type", "Bearer"),
            ("expires_in", lifetime.as_str()),
            ("scope", scope.as_str()),
        ];
        let state = txn.state.as_deref().filter(|_| !self.on(Fault::DropState));
        self.authorization_redirect(origin, &txn.redirect_uri, Mode::Fragment, params, state)
    }
}
