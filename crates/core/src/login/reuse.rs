//! One sign-in per run where the server allows it: the scenarios that only need "a
//! signed-in user" share that user's cookies, as the tabs of one browser do, so a run
//! against a live tenant signs in a handful of times instead of once per scenario.
//!
//! A scenario tagged `@fresh-sign-in` (it looks at the sign-in itself: the sign-in
//! page, a second sign-in, logout) keeps a cookie jar of its own.
//!
//! The first scenario of a user signs in alone while the others wait for it, so that
//! sixteen concurrent scenarios do not make sixteen sign-ins; the others then find the
//! session. A session that ends anyway (idle timeout, the server forgot it) costs one
//! more sign-in: the driver meets the sign-in page and fills it as usual.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::cookie::Jar;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// The tag that gives a scenario a sign-in of its own.
pub const FRESH_SIGN_IN_TAG: &str = "fresh-sign-in";

/// A target's shared sign-ins, one per user role, and how many sign-ins the run made.
#[derive(Debug, Default)]
pub struct SignIns {
    users: Mutex<HashMap<String, Arc<SharedUser>>>,
    entered: AtomicUsize,
    reused: AtomicUsize,
}

#[derive(Debug, Default)]
struct SharedUser {
    jar: Arc<Jar>,
    /// A sign-in in this jar got through to the app: later scenarios go ahead at once.
    established: AtomicBool,
    /// Until then, the scenarios signing in take turns: the first signs in, the
    /// others find its session.
    turn: Arc<AsyncMutex<()>>,
}

/// A scenario's use of a shared sign-in: the cookie jar, and its turn while it holds one.
#[derive(Debug)]
pub struct SharedSignIn {
    pub jar: Arc<Jar>,
    user: Arc<SharedUser>,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl SharedSignIn {
    /// The sign-in got back to the app: the session is there for the others.
    pub fn established(&self) {
        self.user.established.store(true, Ordering::Release);
    }
}

impl SignIns {
    /// `role`'s shared jar; while no sign-in of it has got through, waits for its turn
    /// (held until the returned value is dropped, after the scenario's sign-in).
    pub async fn join(&self, role: &str) -> SharedSignIn {
        let user = {
            let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
            users.entry(role.to_string()).or_default().clone()
        };
        let mut turn = None;
        if !user.established.load(Ordering::Acquire) {
            let guard = user.turn.clone().lock_owned().await;
            if !user.established.load(Ordering::Acquire) {
                turn = Some(guard);
            }
        }
        SharedSignIn {
            jar: user.jar.clone(),
            user,
            _turn: turn,
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
    async fn a_user_signs_in_one_scenario_at_a_time_and_shares_the_jar() {
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
            !Arc::ptr_eq(&other.jar, &first.jar),
            "each user has its own jar"
        );
        let jar = first.jar.clone();
        drop(first);
        let second = second.await.unwrap();
        assert!(
            Arc::ptr_eq(&second.jar, &jar),
            "the same user shares one jar"
        );
        // Once a sign-in got through, nobody waits: two at once.
        second.established();
        let _a = s.join("user").await;
        let _b = tokio::time::timeout(Duration::from_secs(1), s.join("user"))
            .await
            .expect("no turn once established");
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
