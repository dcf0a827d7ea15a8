//! The emulator's state: pending authorize transactions, codes and tokens.

use std::collections::HashMap;

use crate::emulators::engine::{self, Artifacts, Lifetime, granted};

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

granted!(Grant);

/// An authorize request between the login form and the code; `extra` is the persona
/// whose endpoint it came to.
pub(super) type Transaction = engine::Transaction<Persona>;

#[derive(Debug, Default)]
pub(super) struct Store {
    pub transactions: HashMap<String, Transaction>,
    pub tokens: Artifacts<Grant>,
}

/// How long a refresh token lives: an `online_access` one as long as the session, an
/// `offline_access` one until it has gone unused too long.
pub(super) fn refresh_lifetime(offline: bool) -> Lifetime {
    if offline {
        Lifetime::SinceLastUse(OFFLINE_REFRESH_IDLE)
    } else {
        Lifetime::SinceIssue(ONLINE_REFRESH_LIFETIME)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_lifetimes() {
        assert_eq!(
            refresh_lifetime(false),
            Lifetime::SinceIssue(12 * 3600),
            "online: the session"
        );
        assert_eq!(
            refresh_lifetime(true),
            Lifetime::SinceLastUse(90 * 24 * 3600),
            "offline: idle time"
        );
        assert_eq!(Persona::parse("patient"), Some(Persona::Patient));
        assert_eq!(Persona::parse("system"), None);
        assert_eq!(Persona::Provider.as_str(), "provider");
    }
}
