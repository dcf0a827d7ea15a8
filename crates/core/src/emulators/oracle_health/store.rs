//! The emulator's state: pending authorize transactions, codes and tokens.

use std::collections::HashMap;

/// Seconds an authorization code lives. The vendor publishes no number; this is the
/// emulator's choice.
pub(super) const CODE_LIFETIME: u64 = 300;
/// Seconds an access token lives (the documented and observed `expires_in`).
pub(super) const ACCESS_TOKEN_LIFETIME: u64 = 570;
/// Seconds an ID token lives (emulator's choice).
pub(super) const ID_TOKEN_LIFETIME: u64 = 3600;
/// An `online_access` refresh token lives as long as the user's session; the emulator
/// models that session as 12 hours from sign-in.
pub(super) const ONLINE_REFRESH_LIFETIME: u64 = 12 * 3600;
/// An `offline_access` refresh token is revoked after about three months unused.
pub(super) const OFFLINE_REFRESH_IDLE: u64 = 90 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Persona {
    Provider,
    Patient,
}

impl Persona {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "provider" => Some(Self::Provider),
            "patient" => Some(Self::Patient),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provider => "provider",
            Self::Patient => "patient",
        }
    }
}

/// The signed-in user behind a user-facing grant.
#[derive(Debug, Clone)]
pub(super) struct UserContext {
    pub username: String,
    /// Stable numeric id: `sub`, `user`, and the Practitioner in `fhirUser`.
    pub user_id: String,
    pub persona: Persona,
    /// The user's own FHIR resource, relative to the FHIR base (`Practitioner/…`).
    pub fhir_user: String,
    /// The patient in context, when a patient scope was granted.
    pub patient_id: Option<String>,
    pub nonce: Option<String>,
}

/// What was granted to a client: carried from the code to the tokens.
#[derive(Debug, Clone)]
pub(super) struct Grant {
    pub client_id: String,
    pub scopes: Vec<String>,
    /// None for client_credentials (a system account acts for itself).
    pub user: Option<UserContext>,
}

impl Grant {
    pub fn has(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// An authorize request between the login form and the code.
#[derive(Debug, Clone)]
pub(super) struct Transaction {
    pub client_id: String,
    /// As sent at authorize; None when omitted (then the token request must omit it too).
    pub redirect_uri: Option<String>,
    /// Where the code goes: the sent URI, or the single registered one.
    pub target: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub scopes: Vec<String>,
    pub challenge: Option<String>,
    pub persona: Persona,
}

#[derive(Debug, Clone)]
pub(super) struct AuthCode {
    pub grant: Grant,
    pub redirect_uri: Option<String>,
    /// An S256 challenge, when the authorize request sent one.
    pub challenge: Option<String>,
    pub issued_at: u64,
    pub used: bool,
}

#[derive(Debug, Clone)]
pub(super) struct AccessToken {
    pub grant: Grant,
    pub issued_at: u64,
    pub revoked: bool,
    /// The refresh token it was minted with or alongside, so revoking that one revokes it.
    pub refresh_token: Option<String>,
}

#[derive(Debug, Clone)]
pub(super) struct RefreshToken {
    pub grant: Grant,
    pub offline: bool,
    pub issued_at: u64,
    /// Reset on every use: offline tokens expire after a stretch unused.
    pub last_used: u64,
    pub revoked: bool,
}

#[derive(Debug, Default)]
pub(super) struct Store {
    pub transactions: HashMap<String, Transaction>,
    pub codes: HashMap<String, AuthCode>,
    pub access_tokens: HashMap<String, AccessToken>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
}

impl Store {
    /// Back-dates one artifact by `secs`. False when no artifact has that value.
    pub fn age(&mut self, artifact: &str, secs: u64) -> bool {
        let back = |t: &mut u64| *t = t.saturating_sub(secs);
        if let Some(code) = self.codes.get_mut(artifact) {
            back(&mut code.issued_at);
        } else if let Some(token) = self.access_tokens.get_mut(artifact) {
            back(&mut token.issued_at);
        } else if let Some(token) = self.refresh_tokens.get_mut(artifact) {
            back(&mut token.issued_at);
            back(&mut token.last_used);
        } else {
            return false;
        }
        true
    }

    /// Revokes a refresh token and every access token minted from it.
    pub fn revoke_refresh(&mut self, value: &str) {
        if let Some(token) = self.refresh_tokens.get_mut(value) {
            token.revoked = true;
        }
        for at in self.access_tokens.values_mut() {
            if at.refresh_token.as_deref() == Some(value) {
                at.revoked = true;
            }
        }
    }
}

impl RefreshToken {
    /// Live at `now`: not revoked, within the session (online) or not idle too long
    /// (offline).
    pub fn is_live(&self, now: u64) -> bool {
        let fresh = if self.offline {
            now.saturating_sub(self.last_used) < OFFLINE_REFRESH_IDLE
        } else {
            now.saturating_sub(self.issued_at) < ONLINE_REFRESH_LIFETIME
        };
        !self.revoked && fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refresh(offline: bool) -> RefreshToken {
        RefreshToken {
            grant: Grant {
                client_id: "c".into(),
                scopes: vec![],
                user: None,
            },
            offline,
            issued_at: 1_000,
            last_used: 1_000,
            revoked: false,
        }
    }

    #[test]
    fn refresh_lifetimes() {
        let online = refresh(false);
        assert!(online.is_live(1_000 + ONLINE_REFRESH_LIFETIME - 1));
        assert!(!online.is_live(1_000 + ONLINE_REFRESH_LIFETIME));
        let mut offline = refresh(true);
        assert!(offline.is_live(1_000 + OFFLINE_REFRESH_IDLE - 1));
        offline.last_used = 1_000 + OFFLINE_REFRESH_IDLE;
        assert!(offline.is_live(1_000 + OFFLINE_REFRESH_IDLE + 10));
        offline.revoked = true;
        assert!(!offline.is_live(1_000));
        assert_eq!(Persona::parse("patient"), Some(Persona::Patient));
        assert_eq!(Persona::parse("system"), None);
        assert_eq!(Persona::Provider.as_str(), "provider");
    }

    #[test]
    fn ageing_unknown_artifacts_fails() {
        let mut store = Store::default();
        assert!(!store.age("nothing", 5));
        store.refresh_tokens.insert("r".into(), refresh(true));
        assert!(store.age("r", 5));
        assert_eq!(store.refresh_tokens["r"].last_used, 995);
    }
}
