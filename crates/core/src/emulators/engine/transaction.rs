//! An authorization request between its arrival and its code: what every emulator keeps
//! while the user signs in (and consents), plus what only one vendor needs.

use super::artifacts::{Artifacts, Granted};
use super::pkce::Challenge;

/// An authorization request waiting for sign-in and consent.
#[derive(Debug, Clone)]
pub(crate) struct Transaction<X> {
    pub client_id: String,
    /// Where the code goes: the request's redirect_uri, or the registered one when it
    /// named none.
    pub redirect_uri: String,
    /// Whether the request named its redirect_uri.
    pub redirect_uri_sent: bool,
    pub state: Option<String>,
    pub nonce: Option<String>,
    /// The scopes offered for the grant.
    pub scopes: Vec<String>,
    pub challenge: Option<Challenge>,
    /// Set once the user has signed in.
    pub login: Option<Login>,
    /// What only this vendor keeps (an `aud` as sent, a persona…).
    pub extra: X,
}

/// Who signed in for a transaction, and when.
#[derive(Debug, Clone)]
pub(crate) struct Login {
    pub username: String,
    pub auth_time: u64,
    /// The patient the sign-in chose, for servers that pick one then.
    pub patient_id: Option<String>,
}

impl<G: Granted> Artifacts<G> {
    /// Ends a transaction with a code for `grant`, bound to its redirect URI and
    /// challenge.
    pub fn code_for<X>(&mut self, txn: &Transaction<X>, grant: G, now: u64) -> String {
        self.mint_code(
            grant,
            txn.redirect_uri.clone(),
            txn.redirect_uri_sent,
            txn.challenge.clone(),
            now,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::artifacts::G;
    use super::*;

    #[test]
    fn a_code_carries_the_transactions_redirect_and_challenge() {
        let txn = Transaction {
            client_id: "app".into(),
            redirect_uri: "https://app/cb".into(),
            redirect_uri_sent: false,
            state: None,
            nonce: None,
            scopes: vec![],
            challenge: None,
            login: None,
            extra: (),
        };
        let mut store = Artifacts::default();
        let code = store.code_for(&txn, G("app"), 7);
        let stored = &store.codes[&code];
        assert_eq!(stored.redirect_uri, "https://app/cb");
        assert!(!stored.redirect_uri_sent && stored.challenge.is_none());
        assert_eq!(stored.issued_at, 7);
    }
}
