//! Codes, access tokens and refresh tokens on a virtual clock. Every artifact carries
//! the vendor's grant (`G`: who authorized what for which client) and belongs to a
//! family (the tokens descending from one code or one client_credentials request), so
//! that a replayed code or refresh token can revoke everything its grant issued.

use std::collections::HashMap;

use super::opaque;
use super::pkce::Challenge;

/// A vendor's grant, as far as the engine needs to know it.
pub(crate) trait Granted: Clone {
    /// The client the grant was issued to.
    fn client_id(&self) -> &str;
}

/// Makes a vendor's grant struct (with `client_id` and `scopes` fields) [`Granted`],
/// and gives it `has(scope)`.
macro_rules! granted {
    ($grant:ident) => {
        impl $crate::emulators::engine::Granted for $grant {
            fn client_id(&self) -> &str {
                &self.client_id
            }
        }

        impl $grant {
            pub fn has(&self, scope: &str) -> bool {
                self.scopes.iter().any(|s| s == scope)
            }
        }
    };
}
pub(crate) use granted;

#[derive(Debug, Clone)]
pub(crate) struct Code<G> {
    pub grant: G,
    /// Where the code was sent: the authorization request's redirect_uri, or the
    /// registered one when it named none.
    pub redirect_uri: String,
    /// Whether the authorization request named its redirect_uri.
    pub redirect_uri_sent: bool,
    pub challenge: Option<Challenge>,
    pub issued_at: u64,
    pub used: bool,
    pub family: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Access<G> {
    pub grant: G,
    pub family: u64,
    pub issued_at: u64,
    pub lifetime: u64,
    pub revoked: bool,
    /// The refresh token it was minted with or from: revoking that one ends it too.
    pub refresh_token: Option<String>,
    /// The token's `jti`, for vendors that report one; empty otherwise.
    pub jti: String,
}

impl<G> Access<G> {
    pub fn active(&self, now: u64) -> bool {
        !self.revoked && now.saturating_sub(self.issued_at) < self.lifetime
    }

    pub fn expires_at(&self) -> u64 {
        self.issued_at + self.lifetime
    }
}

/// How long a refresh token lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lifetime {
    /// So many seconds from its issue.
    SinceIssue(u64),
    /// So many seconds from its last use (the lifetime slides).
    SinceLastUse(u64),
}

#[derive(Debug, Clone)]
pub(crate) struct Refresh<G> {
    /// The grant as approved: a refresh may narrow it, never widen it.
    pub grant: G,
    pub family: u64,
    pub issued_at: u64,
    pub last_used: u64,
    pub lifetime: Lifetime,
    /// Rotated out: presenting it again is a replay.
    pub used: bool,
    pub revoked: bool,
    /// `offline_access` rather than `online_access`, for vendors that tell them apart.
    pub offline: bool,
    pub jti: String,
}

impl<G> Refresh<G> {
    /// When it stops working, if nothing else happens to it.
    pub fn expires_at(&self) -> u64 {
        match self.lifetime {
            Lifetime::SinceIssue(secs) => self.issued_at + secs,
            Lifetime::SinceLastUse(secs) => self.last_used + secs,
        }
    }

    pub fn expired(&self, now: u64) -> bool {
        now >= self.expires_at()
    }

    /// Neither revoked nor expired (a rotated-out one is live: its use is a replay).
    pub fn live(&self, now: u64) -> bool {
        !self.revoked && !self.expired(now)
    }
}

#[derive(Debug)]
pub(crate) struct Artifacts<G> {
    pub codes: HashMap<String, Code<G>>,
    pub access_tokens: HashMap<String, Access<G>>,
    pub refresh_tokens: HashMap<String, Refresh<G>>,
    next_family: u64,
}

impl<G> Default for Artifacts<G> {
    fn default() -> Self {
        Self {
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            next_family: 0,
        }
    }
}

impl<G: Granted> Artifacts<G> {
    pub fn new_family(&mut self) -> u64 {
        self.next_family += 1;
        self.next_family
    }

    /// Issues a code, the first of a new family.
    pub fn mint_code(
        &mut self,
        grant: G,
        redirect_uri: String,
        redirect_uri_sent: bool,
        challenge: Option<Challenge>,
        now: u64,
    ) -> String {
        let value = opaque();
        let family = self.new_family();
        self.codes.insert(
            value.clone(),
            Code {
                grant,
                redirect_uri,
                redirect_uri_sent,
                challenge,
                issued_at: now,
                used: false,
                family,
            },
        );
        value
    }

    /// Issues an access token under `value`; `refresh_token` links it to the refresh
    /// token it came with or from.
    pub fn insert_access(
        &mut self,
        value: String,
        grant: G,
        family: u64,
        now: u64,
        lifetime: u64,
        refresh_token: Option<String>,
    ) -> &mut Access<G> {
        self.access_tokens
            .entry(value)
            .insert_entry(Access {
                grant,
                family,
                issued_at: now,
                lifetime,
                revoked: false,
                refresh_token,
                jti: String::new(),
            })
            .into_mut()
    }

    /// Issues an access token with a fresh opaque value, returned.
    pub fn issue_access(
        &mut self,
        grant: G,
        family: u64,
        now: u64,
        lifetime: u64,
        refresh_token: Option<String>,
    ) -> String {
        let value = opaque();
        self.insert_access(value.clone(), grant, family, now, lifetime, refresh_token);
        value
    }

    /// Issues a refresh token under `value` (vendors differ in what one looks like).
    pub fn insert_refresh(
        &mut self,
        value: String,
        grant: G,
        family: u64,
        now: u64,
        lifetime: Lifetime,
    ) -> &mut Refresh<G> {
        self.refresh_tokens
            .entry(value)
            .insert_entry(Refresh {
                grant,
                family,
                issued_at: now,
                last_used: now,
                lifetime,
                used: false,
                revoked: false,
                offline: false,
                jti: String::new(),
            })
            .into_mut()
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

    /// Revokes a refresh token and every access token minted with or from it.
    pub fn revoke_refresh(&mut self, value: &str) {
        if let Some(token) = self.refresh_tokens.get_mut(value) {
            token.revoked = true;
        }
        for token in self.access_tokens.values_mut() {
            if token.refresh_token.as_deref() == Some(value) {
                token.revoked = true;
            }
        }
    }

    /// Back-dates one code or token by `secs`, as if that much time had passed for it
    /// alone. False when no artifact has that value.
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
}

/// The smallest grant: just its client, for the engine's own tests.
#[cfg(test)]
#[derive(Debug, Clone)]
pub(super) struct G(pub &'static str);

#[cfg(test)]
impl Granted for G {
    fn client_id(&self) -> &str {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_revoke_together_and_only_themselves() {
        let mut store = Artifacts::default();
        let (a, b) = (store.new_family(), store.new_family());
        assert_ne!(a, b);
        let at_a = store.issue_access(G("c"), a, 100, 3600, None);
        store.insert_refresh("rt".into(), G("c"), a, 100, Lifetime::SinceIssue(50));
        let at_b = store.issue_access(G("c"), b, 100, 3600, None);
        store.revoke_family(a);
        assert!(!store.access_tokens[&at_a].active(100));
        assert!(!store.refresh_tokens["rt"].live(100));
        assert!(store.access_tokens[&at_b].active(100));
        assert!(!store.access_tokens[&at_b].active(3700));
    }

    #[test]
    fn revoking_a_refresh_token_ends_its_access_tokens() {
        let mut store = Artifacts::default();
        store.insert_refresh("rt".into(), G("c"), 1, 0, Lifetime::SinceIssue(50));
        let linked = store.issue_access(G("c"), 1, 0, 60, Some("rt".into()));
        let other = store.issue_access(G("c"), 1, 0, 60, None);
        store.revoke_refresh("rt");
        assert!(!store.access_tokens[&linked].active(0));
        assert!(store.access_tokens[&other].active(0));
        assert_eq!(
            store
                .insert_access("v".into(), G("c"), 1, 0, 5, None)
                .expires_at(),
            5
        );
    }

    #[test]
    fn lifetimes_count_from_issue_or_last_use() {
        let mut store = Artifacts::default();
        let fixed = store.insert_refresh("f".into(), G("c"), 1, 1000, Lifetime::SinceIssue(10));
        fixed.last_used = 1_005;
        assert!(fixed.live(1009) && !fixed.live(1010));
        let sliding = store.insert_refresh("s".into(), G("c"), 1, 1000, Lifetime::SinceLastUse(10));
        sliding.last_used = 1_005;
        assert!(sliding.live(1014) && !sliding.live(1015));
        assert_eq!(sliding.expires_at(), 1015);
    }

    #[test]
    fn ageing_moves_one_artifact() {
        let mut store = Artifacts::default();
        let code = store.mint_code(G("c"), "cb".into(), true, None, 500);
        let at = store.issue_access(G("c"), 1, 5000, 3600, None);
        store.insert_refresh("rt".into(), G("c"), 1, 5000, Lifetime::SinceLastUse(9));
        assert!(store.age(&at, 4000));
        assert_eq!(store.access_tokens[&at].issued_at, 1000);
        assert!(store.age(&at, u64::MAX));
        assert_eq!(store.access_tokens[&at].issued_at, 0);
        assert!(store.age(&code, 100));
        assert_eq!(store.codes[&code].issued_at, 400);
        assert!(store.age("rt", 5));
        assert_eq!(store.refresh_tokens["rt"].last_used, 4995);
        assert!(!store.age("nothing", 1));
        assert_eq!(store.codes[&code].grant.client_id(), "c");
    }
}
