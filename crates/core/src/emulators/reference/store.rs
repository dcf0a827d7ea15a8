//! The server's state: authorize transactions, codes and tokens. Tokens descending from
//! one code (or one client_credentials request) form a family, so that a replayed code
//! or refresh token can revoke everything issued from the same grant.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;

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

/// An unguessable opaque value (256 bits, base64url): codes, tokens, transaction ids.
pub(super) fn opaque() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    URL_SAFE_NO_PAD.encode(bytes)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ChallengeMethod {
    S256,
    /// Only reachable through the allow-plain-pkce fault.
    Plain,
}

#[derive(Debug, Clone)]
pub(super) struct Challenge {
    pub value: String,
    pub method: ChallengeMethod,
}

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
}

impl Grant {
    pub fn has(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// An authorize request waiting for sign-in and consent.
#[derive(Debug, Clone)]
pub(super) struct Transaction {
    pub client_id: String,
    pub redirect_uri: String,
    /// Whether the request named its redirect_uri (then the token request must too).
    pub redirect_uri_sent: bool,
    pub state: Option<String>,
    pub nonce: Option<String>,
    /// The scopes as requested, unknown ones included.
    pub requested: Vec<String>,
    /// The known scopes offered for consent.
    pub scopes: Vec<String>,
    pub challenge: Option<Challenge>,
    /// response_type=token, only reachable through the implicit-grant-offered fault.
    pub implicit: bool,
    /// Set once the user has signed in.
    pub login: Option<Login>,
}

#[derive(Debug, Clone)]
pub(super) struct Login {
    pub username: String,
    pub auth_time: u64,
}

#[derive(Debug, Clone)]
pub(super) struct AuthCode {
    pub grant: Grant,
    pub requested: Vec<String>,
    pub redirect_uri: String,
    pub redirect_uri_sent: bool,
    pub challenge: Option<Challenge>,
    pub issued_at: u64,
    pub used: bool,
    /// The family of the tokens its first redemption issued.
    pub family: Option<u64>,
}

#[derive(Debug, Clone)]
pub(super) struct AccessToken {
    /// The grant, with this token's (possibly narrowed) scopes.
    pub grant: Grant,
    pub family: u64,
    pub issued_at: u64,
    pub lifetime: u64,
    pub revoked: bool,
}

#[derive(Debug, Clone)]
pub(super) struct RefreshToken {
    /// The grant with its original scopes: a refresh may narrow, never widen them.
    pub grant: Grant,
    pub family: u64,
    pub issued_at: u64,
    /// Rotated out: presenting it again is a replay.
    pub used: bool,
    pub revoked: bool,
}

impl AccessToken {
    pub fn active(&self, now: u64) -> bool {
        !self.revoked && now.saturating_sub(self.issued_at) < self.lifetime
    }
}

impl RefreshToken {
    /// Usable for a refresh (a used one is handled as a replay, not as unknown).
    pub fn live(&self, now: u64) -> bool {
        !self.revoked && now.saturating_sub(self.issued_at) < REFRESH_TOKEN_LIFETIME
    }
}

#[derive(Debug, Default)]
pub(super) struct Store {
    pub transactions: HashMap<String, Transaction>,
    pub codes: HashMap<String, AuthCode>,
    pub access_tokens: HashMap<String, AccessToken>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    next_family: u64,
}

impl Store {
    pub fn new_family(&mut self) -> u64 {
        self.next_family += 1;
        self.next_family
    }

    pub fn new_access_token(
        &mut self,
        grant: Grant,
        family: u64,
        now: u64,
        lifetime: u64,
    ) -> String {
        let value = opaque();
        self.access_tokens.insert(
            value.clone(),
            AccessToken {
                grant,
                family,
                issued_at: now,
                lifetime,
                revoked: false,
            },
        );
        value
    }

    pub fn new_refresh_token(&mut self, grant: Grant, family: u64, now: u64) -> String {
        let value = opaque();
        self.refresh_tokens.insert(
            value.clone(),
            RefreshToken {
                grant,
                family,
                issued_at: now,
                used: false,
                revoked: false,
            },
        );
        value
    }

    /// Revokes every access and refresh token of a family.
    pub fn revoke_family(&mut self, family: u64) {
        for token in self.access_tokens.values_mut() {
            if token.family == family {
                token.revoked = true;
            }
        }
        for token in self.refresh_tokens.values_mut() {
            if token.family == family {
                token.revoked = true;
            }
        }
    }

    /// Back-dates one code or token by `secs`. False when no artifact has that value.
    pub fn age(&mut self, artifact: &str, secs: u64) -> bool {
        let back = |t: &mut u64| *t = t.saturating_sub(secs);
        if let Some(code) = self.codes.get_mut(artifact) {
            back(&mut code.issued_at);
        } else if let Some(token) = self.access_tokens.get_mut(artifact) {
            back(&mut token.issued_at);
        } else if let Some(token) = self.refresh_tokens.get_mut(artifact) {
            back(&mut token.issued_at);
        } else {
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> Grant {
        Grant {
            client_id: "c".into(),
            username: None,
            scopes: vec!["openid".into()],
            nonce: None,
            auth_time: 0,
            patient: None,
        }
    }

    #[test]
    fn families_revoke_together_and_only_themselves() {
        let mut store = Store::default();
        let (a, b) = (store.new_family(), store.new_family());
        assert_ne!(a, b);
        let at_a = store.new_access_token(grant(), a, 100, 3600);
        let rt_a = store.new_refresh_token(grant(), a, 100);
        let at_b = store.new_access_token(grant(), b, 100, 3600);
        store.revoke_family(a);
        assert!(!store.access_tokens[&at_a].active(100));
        assert!(!store.refresh_tokens[&rt_a].live(100));
        assert!(store.access_tokens[&at_b].active(100));
        assert!(!store.access_tokens[&at_b].active(3700));
    }

    #[test]
    fn ageing_moves_one_artifact() {
        let mut store = Store::default();
        let at = store.new_access_token(grant(), 1, 5000, 3600);
        assert!(store.age(&at, 4000));
        assert_eq!(store.access_tokens[&at].issued_at, 1000);
        assert!(store.age(&at, u64::MAX));
        assert_eq!(store.access_tokens[&at].issued_at, 0);
        assert!(!store.age("nothing", 1));
        assert_eq!(opaque().len(), 43);
        assert_ne!(opaque(), opaque());
    }
}
