//! The emulator's state: pending authorize transactions, codes, tokens and sessions.

use std::collections::{HashMap, HashSet};

use super::aud::Aud;
use crate::emulators::engine::{self, Artifacts, granted};

/// Seconds an authorization code lives (Okta since 2021.04.1).
pub(super) const CODE_LIFETIME: u64 = 300;
/// Seconds an access token lives (athenahealth's default).
pub(super) const ACCESS_TOKEN_LIFETIME: u64 = 300;
/// Seconds an ID token lives.
pub(super) const ID_TOKEN_LIFETIME: u64 = 3600;
/// Refresh tokens live 100 days, counted from their last use.
pub(super) const REFRESH_TOKEN_LIFETIME: u64 = 100 * 24 * 3600;
/// Login sessions idle out after 10 minutes.
pub(super) const SESSION_IDLE_TIMEOUT: u64 = 600;
/// Seconds a session token from the authentication API (script sign-in) can be
/// exchanged at /authorize. An assumption: the catalog says nothing about it; Okta
/// describes these tokens as one-time and short-lived.
pub(super) const SESSION_TOKEN_LIFETIME: u64 = 300;

/// What a user granted to a client: carried from the code to the tokens.
#[derive(Debug, Clone)]
pub(super) struct Grant {
    pub client_id: String,
    pub username: String,
    pub scopes: Vec<String>,
    /// The patient of the practice named by `aud` (or the user's first record).
    pub patient_id: Option<String>,
    pub nonce: Option<String>,
    pub auth_time: u64,
}

granted!(Grant);

/// The OpenID Connect `prompt` values of an authorize request (OIDC Core §3.1.2.1)
/// the emulator acts on; others are ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Prompt {
    /// No page at all: a live session and remembered consent, or an error redirect.
    pub none: bool,
    /// Sign in again even with a live session.
    pub login: bool,
    /// Ask for consent again even where it was given before.
    pub consent: bool,
}

impl Prompt {
    /// Reads the space-separated `prompt` parameter.
    pub fn parse(value: Option<&str>) -> Self {
        let values: Vec<&str> = value.unwrap_or("").split(' ').collect();
        Self {
            none: values.contains(&"none"),
            login: values.contains(&"login"),
            consent: values.contains(&"consent"),
        }
    }
}

/// What an authorize request carries besides the engine's transaction: its `aud` and
/// its `prompt`.
#[derive(Debug, Clone, Default)]
pub(super) struct Asked {
    pub aud: Option<Aud>,
    pub prompt: Prompt,
}

/// An authorize request between the login form and the code.
pub(super) type Transaction = engine::Transaction<Asked>;

/// A one-time session token the authentication API issued, waiting to be exchanged at
/// /authorize for a login session of its user.
#[derive(Debug, Clone)]
pub(super) struct SessionToken {
    pub username: String,
    pub issued_at: u64,
}

#[derive(Debug, Clone)]
pub(super) struct Session {
    pub username: String,
    pub auth_time: u64,
    pub last_seen: u64,
}

/// Who an issued ID token was for, so logout can recognise its `id_token_hint`.
#[derive(Debug, Clone)]
pub(super) struct IssuedIdToken {
    pub client_id: String,
    pub username: String,
    /// Identifies the sign-in the token came from (with auth_time), so that a fault
    /// revoking "the session's tokens" touches no other sign-in of the same user.
    pub nonce: Option<String>,
    pub auth_time: u64,
}

#[derive(Debug, Default)]
pub(super) struct Store {
    pub transactions: HashMap<String, Transaction>,
    pub tokens: Artifacts<Grant>,
    pub sessions: HashMap<String, Session>,
    pub session_tokens: HashMap<String, SessionToken>,
    pub id_tokens: HashMap<String, IssuedIdToken>,
    /// The consent-requiring scopes each user has granted each client, by
    /// `(username, client_id)`: asked for once, then remembered (seed 002: consent
    /// decisions "are recorded by athena's authorization server").
    pub consents: HashMap<(String, String), HashSet<String>>,
}

impl Store {
    /// Back-dates one artifact (a session, session token, code or token) by `secs`.
    /// False when no artifact has that value.
    pub fn age(&mut self, artifact: &str, secs: u64) -> bool {
        if let Some(token) = self.session_tokens.get_mut(artifact) {
            token.issued_at = token.issued_at.saturating_sub(secs);
            return true;
        }
        let Some(session) = self.sessions.get_mut(artifact) else {
            return self.tokens.age(artifact, secs);
        };
        session.last_seen = session.last_seen.saturating_sub(secs);
        session.auth_time = session.auth_time.saturating_sub(secs);
        true
    }
}
