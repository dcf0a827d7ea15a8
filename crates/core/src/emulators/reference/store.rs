//! The server's state: authorize transactions and the engine's artifacts (codes and
//! tokens, in families so that a replayed code or refresh token can revoke everything
//! issued from the same grant).

use std::collections::HashMap;

use crate::emulators::engine::{self, Artifacts, Lifetime, granted, opaque};

/// Seconds an authorization code lives (RFC 6749 §4.1.2: short; OAuth 2.1 suggests 60).
pub(super) const CODE_LIFETIME: u64 = 60;
/// Seconds an access token of a user grant lives (SMART: at most an hour).
pub(super) const ACCESS_TOKEN_LIFETIME: u64 = 3600;
/// Seconds a client_credentials access token lives (SMART-09: should not exceed 300).
pub(super) const SYSTEM_TOKEN_LIFETIME: u64 = 300;
/// Seconds a refresh token lives, counted from its issue.
pub(super) const REFRESH_TOKEN_LIFETIME: u64 = 30 * 24 * 3600;
/// Seconds an ID token lives.
pub(super) const ID_TOKEN_LIFETIME: u64 = 300;

/// What was authorized, to whom: carried from the code into every token of the grant.
#[derive(Debug, Clone)]
pub(super) struct Grant {
    pub client_id: String,
    /// The signed-in user; None for client_credentials.
    pub username: Option<String>,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub auth_time: u64,
    /// The user's patient, reported when launch/patient is granted.
    pub patient: Option<String>,
    /// The scopes the client asked for, to tell whether the grant differs.
    pub requested: Vec<String>,
}

granted!(Grant);

/// An authorize request waiting for sign-in and consent.
pub(super) type Transaction = engine::Transaction<Asked>;

/// What the reference server keeps of an authorization request beyond the engine's.
#[derive(Debug, Clone)]
pub(super) struct Asked {
    /// The scopes as requested, unknown ones included (`scopes` holds the known ones
    /// offered for consent).
    pub requested: Vec<String>,
    /// response_type=token, only reachable through the implicit-grant-offered fault.
    pub implicit: bool,
}

#[derive(Debug, Default)]
pub(super) struct Store {
    pub transactions: HashMap<String, Transaction>,
    pub tokens: Artifacts<Grant>,
    /// The `jti` of every accepted client assertion, by client, until the assertion
    /// expires (after which its `exp` alone refuses it).
    pub assertion_ids: HashMap<(String, String), u64>,
}

impl Store {
    /// Issues a refresh token of `family`, living [`REFRESH_TOKEN_LIFETIME`] from now.
    pub fn new_refresh_token(&mut self, grant: Grant, family: u64, now: u64) -> String {
        let value = opaque();
        let lifetime = Lifetime::SinceIssue(REFRESH_TOKEN_LIFETIME);
        self.tokens
            .insert_refresh(value.clone(), grant, family, now, lifetime);
        value
    }
}
