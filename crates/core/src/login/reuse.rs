//! One sign-in per run where the server allows it: the scenarios that only need "a
//! signed-in user" go through sign-in in one cookie jar per user, as one person's
//! browser would, so a run against a live tenant signs in a handful of times instead
//! of once per scenario.
//!
//! The sign-ins in that jar go one at a time, as they do in a person's browser: two
//! flows in flight in one jar overwrite each other's in-flight cookies, and a server
//! that renews its session at a sign-in ends the session another flow started under
//! (oidc-provider refuses the second as "interaction session and authentication
//! session mismatch"). Only the sign-in waits for its turn; the rest of the scenario
//! (its token, FHIR and introspection requests) runs alongside the others.
//!
//! A scenario tagged `@fresh-sign-in` (it looks at the sign-in itself: a second
//! sign-in, logout) signs in with cookies of its own, at any time. So does every
//! scenario of a profile with `login.share_session: false`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::cookie::Jar;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// The tag that gives a scenario a sign-in of its own.
pub const FRESH_SIGN_IN_TAG: &str = "fresh-sign-in";

/// A target's kept sign-ins, one per user role, and how many sign-ins the run made.
#[derive(Debug, Default)]
pub struct SignIns {
    users: Mutex<HashMap<String, Arc<AsyncMutex<Arc<Jar>>>>>,
    entered: AtomicUsize,
    reused: AtomicUsize,
}

/// A scenario's turn in a user's jar: the jar is the scenario's until this is dropped
/// (after its sign-in); it keeps using the jar afterwards, as its cookies.
#[derive(Debug)]
pub struct SharedSignIn {
    turn: OwnedMutexGuard<Arc<Jar>>,
}

impl SharedSignIn {
    pub fn jar(&self) -> Arc<Jar> {
        self.turn.clone()
    }
}

impl SignIns {
    /// Waits for `role`'s turn in its jar.
    pub async fn join(&self, role: &str) -> SharedSignIn {
        let user = {
            let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
            users.entry(role.to_string()).or_default().clone()
        };
        SharedSignIn {
            turn: user.lock_owned().await,
        }
    }

    /// Counts a sign-in: with credentials entered, or through a live session.
    pub fn count(&self, credentials_entered: bool) {
        let counter = if credentials_entered {
            &self.entered
        } else {
            &self.reused
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// `(sign-ins with credentials, authorizations that reused a session)`.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.entered.load(Ordering::Relaxed),
            self.reused.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_user_signs_in_one_scenario_at_a_time_in_one_jar() {
        let s = Arc::new(SignIns::default());
        let first = s.join("user").await;
        let s2 = s.clone();
        let second = tokio::spawn(async move { s2.join("user").await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !second.is_finished(),
            "the second waits for the first's turn"
        );
        let other = s.join("without_portal_access").await;
        assert!(
            !Arc::ptr_eq(&other.jar(), &first.jar()),
            "each user has a jar"
        );
        let jar = first.jar();
        drop(first);
        let second = second.await.unwrap();
        assert!(Arc::ptr_eq(&second.jar(), &jar), "one jar per user");
    }

    #[test]
    fn counts_sign_ins_and_reuses_apart() {
        let s = SignIns::default();
        s.count(true);
        s.count(false);
        s.count(false);
        assert_eq!(s.counts(), (1, 2));
    }
}
