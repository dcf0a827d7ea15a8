//! Using a refresh token (RFC 6749 §6): which token may be used by whom, and how a
//! requested scope relates to the grant's. Rotation and what comes back are the
//! vendor's policy.

use super::artifacts::{Artifacts, Granted, Refresh};

/// A server's policy for refresh tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RefreshRules {
    /// Only the client it was issued to may use it (false under a fault).
    pub bound_to_client: bool,
    /// A rotated-out token presented again is a replay (RFC 9700 §4.14.2), refused.
    pub detect_replay: bool,
    /// A replay revokes the token's whole family.
    pub replay_revokes: bool,
}

impl RefreshRules {
    /// For servers that never rotate refresh tokens: only their client may use one, and
    /// presenting it again is ordinary use, not a replay.
    pub const KEPT: RefreshRules = RefreshRules {
        bound_to_client: true,
        detect_replay: false,
        replay_revokes: false,
    };
}

/// Why a refresh token was not honoured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefreshFailure {
    Unknown,
    Revoked,
    Expired,
    OtherClient,
    /// Rotated out and presented again.
    Replayed,
}

impl<G: Granted> Artifacts<G> {
    /// The refresh token `value` presented by `client_id`, its last use set to `now`;
    /// or why it cannot be used.
    pub fn use_refresh(
        &mut self,
        value: &str,
        client_id: &str,
        now: u64,
        rules: RefreshRules,
    ) -> Result<Refresh<G>, RefreshFailure> {
        let token = self
            .refresh_tokens
            .get_mut(value)
            .ok_or(RefreshFailure::Unknown)?;
        if token.revoked {
            return Err(RefreshFailure::Revoked);
        }
        if token.expired(now) {
            return Err(RefreshFailure::Expired);
        }
        if rules.bound_to_client && token.grant.client_id() != client_id {
            return Err(RefreshFailure::OtherClient);
        }
        if token.used && rules.detect_replay {
            let family = token.family;
            if rules.replay_revokes {
                self.revoke_family(family);
            }
            return Err(RefreshFailure::Replayed);
        }
        token.last_used = now;
        Ok(token.clone())
    }
}

/// A scope asked for on refresh, against the grant's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Requested {
    /// What was asked for that the grant has, in request order; the whole grant when
    /// nothing was asked for.
    pub granted: Vec<String>,
    /// What was asked for that the grant lacks.
    pub beyond: Vec<String>,
    /// Whether a scope was asked for at all.
    pub asked: bool,
}

impl Requested {
    pub fn of(original: &[String], requested: &[String]) -> Self {
        if requested.is_empty() {
            return Self {
                granted: original.to_vec(),
                beyond: Vec::new(),
                asked: false,
            };
        }
        let (granted, beyond) = requested
            .iter()
            .cloned()
            .partition(|s| original.contains(s));
        Self {
            granted,
            beyond,
            asked: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::artifacts::{G, Lifetime};
    use super::*;

    const RULES: RefreshRules = RefreshRules {
        bound_to_client: true,
        detect_replay: true,
        replay_revokes: true,
    };

    fn store() -> Artifacts<G> {
        let mut store = Artifacts::default();
        store.insert_refresh("rt".into(), G("app"), 7, 100, Lifetime::SinceLastUse(50));
        store
    }

    #[test]
    fn a_refresh_token_works_for_its_client_while_live() {
        let mut s = store();
        let used = s.use_refresh("rt", "app", 140, RULES).map(|t| t.last_used);
        assert_eq!(used, Ok(140));
        assert!(
            s.use_refresh("rt", "app", 189, RULES).is_ok(),
            "the lifetime slid"
        );
        assert_eq!(
            s.use_refresh("rt", "other", 189, RULES).err(),
            Some(RefreshFailure::OtherClient)
        );
        let unbound = RefreshRules {
            bound_to_client: false,
            ..RULES
        };
        assert!(s.use_refresh("rt", "other", 189, unbound).is_ok());
        assert_eq!(
            s.use_refresh("rt", "app", 239, RULES).err(),
            Some(RefreshFailure::Expired)
        );
        assert_eq!(
            s.use_refresh("nope", "app", 0, RULES).err(),
            Some(RefreshFailure::Unknown)
        );
        s.revoke_refresh("rt");
        assert_eq!(
            s.use_refresh("rt", "app", 0, RULES).err(),
            Some(RefreshFailure::Revoked)
        );
    }

    #[test]
    fn a_rotated_out_token_presented_again_revokes_its_family() {
        let mut s = store();
        let at = s.issue_access(G("app"), 7, 100, 60, None);
        if let Some(t) = s.refresh_tokens.get_mut("rt") {
            t.used = true;
        }
        // (rules, the answer, whether the family's access token survives)
        let keep = RefreshRules {
            replay_revokes: false,
            ..RULES
        };
        let blind = RefreshRules {
            detect_replay: false,
            ..RULES
        };
        for (rules, failure, alive) in [
            (keep, RefreshFailure::Replayed, true),
            (RULES, RefreshFailure::Replayed, false),
            // The family is revoked by now: a blind server sees a revoked token.
            (blind, RefreshFailure::Revoked, false),
        ] {
            assert_eq!(s.use_refresh("rt", "app", 100, rules).err(), Some(failure));
            assert_eq!(s.access_tokens[&at].active(100), alive, "{rules:?}");
        }
    }

    #[test]
    fn requested_scopes_split_into_granted_and_beyond() {
        let original = ["a".to_string(), "b".to_string()];
        let all = Requested::of(&original, &[]);
        assert_eq!((all.granted.len(), all.asked), (2, false));
        let some = Requested::of(&original, &["b".into(), "c".into()]);
        assert_eq!(some.granted, ["b"]);
        assert_eq!(some.beyond, ["c"]);
        assert!(some.asked);
    }
}
