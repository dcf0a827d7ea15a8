//! One sign-in per run where the server allows it: the scenarios that only need "a
//! signed-in user" go through sign-in in a few kept sessions per user, as a person's
//! browser would, so a run against a live tenant signs in a handful of times instead
//! of once per scenario.
//!
//! A kept session (a cookie jar for `form`, a chromium kept for the run for
//! `browser`) takes one sign-in at a time, as a person does: two authorizations in
//! flight in one login session are not something every server allows (oidc-provider
//! refuses the second as "interaction session and authentication session mismatch",
//! even from separate cookie jars holding copies of the session). `login.sessions`
//! (default 4) kept sessions per user sign in side by side, so that many scenarios
//! still get through sign-in at once: the number of sign-ins with credentials is about
//! that many, however many scenarios run. Only the sign-in waits for a free session;
//! the rest of a scenario runs alongside the others.
//!
//! A scenario that looks at the sign-in itself or may end the session's grant (a
//! second sign-in, logout, a revocation, a replay) is tagged `@fresh-sign-in` and
//! signs in with cookies of its own: in a kept session it would end the session or
//! grant the others use. So does every scenario of a profile with
//! `login.share_session: false`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::cookie::Jar;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

/// The tag that gives a scenario a sign-in of its own.
pub const FRESH_SIGN_IN_TAG: &str = "fresh-sign-in";

/// A target's kept sessions, per user role, and how many sign-ins the run made.
#[derive(Debug)]
pub struct SignIns {
    per_user: usize,
    users: Mutex<HashMap<String, Arc<SharedUser>>>,
    entered: AtomicUsize,
    reused: AtomicUsize,
}

impl Default for SignIns {
    fn default() -> Self {
        Self::new(DEFAULT_SESSIONS)
    }
}

/// Kept sessions per user unless the profile says otherwise (`login.sessions`).
pub const DEFAULT_SESSIONS: usize = 4;

#[derive(Debug)]
struct SharedUser {
    /// One permit per session not signing in now.
    free: Arc<Semaphore>,
    sessions: Vec<Arc<AsyncMutex<Arc<Jar>>>>,
}

/// A scenario's turn in one of a user's kept sessions, until it is dropped (after its
/// sign-in); the scenario keeps the jar as its cookies afterwards.
#[derive(Debug)]
pub struct SharedSignIn {
    /// Which of the user's sessions (0-based): a kept browser is named by it.
    pub index: usize,
    session: OwnedMutexGuard<Arc<Jar>>,
    _free: Option<OwnedSemaphorePermit>,
}

impl SharedSignIn {
    pub fn jar(&self) -> Arc<Jar> {
        self.session.clone()
    }
}

impl SignIns {
    /// `per_user` kept sessions per user (at least 1).
    pub fn new(per_user: usize) -> Self {
        Self {
            per_user: per_user.max(1),
            users: Mutex::default(),
            entered: AtomicUsize::new(0),
            reused: AtomicUsize::new(0),
        }
    }

    /// Waits for one of `role`'s sessions to be free, and takes it.
    pub async fn join(&self, role: &str) -> SharedSignIn {
        let user = {
            let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
            users
                .entry(role.to_string())
                .or_insert_with(|| {
                    Arc::new(SharedUser {
                        free: Arc::new(Semaphore::new(self.per_user)),
                        sessions: (0..self.per_user).map(|_| Arc::default()).collect(),
                    })
                })
                .clone()
        };
        // The semaphore is never closed: the wait ends with a permit.
        let free = user.free.clone().acquire_owned().await.ok();
        // A permit means one session's lock is free: every holder of a lock holds a
        // permit too.
        for (index, session) in user.sessions.iter().enumerate() {
            if let Ok(session) = session.clone().try_lock_owned() {
                return SharedSignIn {
                    index,
                    session,
                    _free: free,
                };
            }
        }
        // Not expected (a permit and no free session): wait for the first one.
        SharedSignIn {
            index: 0,
            session: user.sessions[0].clone().lock_owned().await,
            _free: free,
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
    async fn a_users_sessions_take_one_sign_in_at_a_time() {
        let s = Arc::new(SignIns::new(2));
        let a = s.join("user").await;
        let b = s.join("user").await;
        assert_ne!(a.index, b.index, "two sessions side by side");
        assert!(!Arc::ptr_eq(&a.jar(), &b.jar()));
        let s2 = s.clone();
        let third = tokio::spawn(async move { s2.join("user").await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !third.is_finished(),
            "both sessions are signing in: the third waits"
        );
        let other = s.join("without_portal_access").await;
        assert_eq!(other.index, 0, "each user has sessions of its own");
        let (index, jar) = (b.index, b.jar());
        drop(b);
        let third = third.await.unwrap();
        assert_eq!(third.index, index, "the freed session is taken");
        assert!(Arc::ptr_eq(&third.jar(), &jar), "with its cookies");
        drop(a);
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
