//! One sign-in per run where the server allows it: the scenarios that only need "a
//! signed-in user" go through sign-in in a few kept sessions per user, as a person's
//! browser would, so a run against a live tenant signs in a handful of times instead
//! of once per scenario.
//!
//! A kept session (a cookie jar for `form`, a chromium kept for the run for
//! `browser`) that has not signed in yet is taken whole: its first sign-in enters the
//! credentials once. Once signed in, it takes `login.flows_per_session` authorizations
//! at a time (default 1). One is what every server allows: oidc-provider refuses a
//! second authorization in flight in one login session as "interaction session and
//! authentication session mismatch", even from separate cookie jars holding copies of
//! the session. Servers that key each authorization by a transaction of its own (the
//! emulators do) take many, and then a run waits for sign-in hardly more than without
//! kept sessions. A kept chromium shows one page at a time, so it always takes one.
//! `login.sessions` (default 4) kept sessions per user sign in side by side, so that
//! many scenarios still get through sign-in at once: the number of sign-ins with
//! credentials is about that many, however many scenarios run. Only the sign-in waits
//! for a turn; the rest of a scenario runs alongside the others.
//!
//! A scenario that looks at the sign-in itself or may end the session's grant (a
//! second sign-in, logout, a revocation, a replay) is tagged `@fresh-sign-in` and
//! signs in with cookies of its own: in a kept session it would end the session or
//! grant the others use. So does every scenario of a profile with
//! `login.share_session: false`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::cookie::Jar;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

/// The tag that gives a scenario a sign-in of its own.
pub const FRESH_SIGN_IN_TAG: &str = "fresh-sign-in";

/// A target's kept sessions, per user role, and how many sign-ins the run made.
#[derive(Debug)]
pub struct SignIns {
    per_user: usize,
    flows: u32,
    users: Mutex<HashMap<String, Arc<SharedUser>>>,
    entered: AtomicUsize,
    reused: AtomicUsize,
}

impl Default for SignIns {
    fn default() -> Self {
        Self::new(DEFAULT_SESSIONS, DEFAULT_FLOWS_PER_SESSION)
    }
}

/// Kept sessions per user unless the profile says otherwise (`login.sessions`).
pub const DEFAULT_SESSIONS: usize = 4;

/// Authorizations at a time in a signed-in kept session unless the profile says
/// otherwise (`login.flows_per_session`): one, which every server allows.
pub const DEFAULT_FLOWS_PER_SESSION: usize = 1;

#[derive(Debug)]
struct SharedUser {
    sessions: Vec<Arc<KeptSession>>,
    /// Woken whenever a turn in one of the sessions ends.
    turn_ended: Notify,
}

#[derive(Debug)]
struct KeptSession {
    jar: Arc<Jar>,
    /// One permit per authorization the session may take at once: a session not yet
    /// signed in is taken with all of them.
    turns: Arc<Semaphore>,
    /// An authorization through it came back to the app: the session holds a login.
    signed_in: AtomicBool,
}

/// A scenario's turn in one of a user's kept sessions, until it is dropped (after its
/// sign-in); the scenario keeps the jar as its cookies afterwards.
#[derive(Debug)]
pub struct SharedSignIn {
    /// Which of the user's sessions (0-based): a kept browser is named by it.
    pub index: usize,
    session: Arc<KeptSession>,
    user: Arc<SharedUser>,
    turn: Option<OwnedSemaphorePermit>,
}

impl SharedSignIn {
    pub fn jar(&self) -> Arc<Jar> {
        self.session.jar.clone()
    }

    /// The authorization came back to the app: the session is signed in, and later
    /// ones may share it.
    pub fn signed_in(&self) {
        self.session.signed_in.store(true, Ordering::Relaxed);
    }
}

impl Drop for SharedSignIn {
    fn drop(&mut self) {
        drop(self.turn.take());
        self.user.turn_ended.notify_waiters();
    }
}

impl SignIns {
    /// `per_user` kept sessions per user, each taking `flows` authorizations at a time
    /// once signed in (both at least 1).
    pub fn new(per_user: usize, flows: usize) -> Self {
        Self {
            per_user: per_user.max(1),
            flows: u32::try_from(flows.max(1)).unwrap_or(u32::MAX),
            users: Mutex::default(),
            entered: AtomicUsize::new(0),
            reused: AtomicUsize::new(0),
        }
    }

    /// Waits for a turn in one of `role`'s sessions, and takes it.
    pub async fn join(&self, role: &str) -> SharedSignIn {
        let user = {
            let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
            users
                .entry(role.to_string())
                .or_insert_with(|| {
                    let flows = self.flows as usize;
                    Arc::new(SharedUser {
                        sessions: (0..self.per_user)
                            .map(|_| {
                                Arc::new(KeptSession {
                                    jar: Arc::default(),
                                    turns: Arc::new(Semaphore::new(flows)),
                                    signed_in: AtomicBool::new(false),
                                })
                            })
                            .collect(),
                        turn_ended: Notify::new(),
                    })
                })
                .clone()
        };
        loop {
            // Listening before looking: a turn that ends in between still wakes us.
            let ended = user.turn_ended.notified();
            tokio::pin!(ended);
            ended.as_mut().enable();
            if let Some(turn) = self.try_take(&user) {
                return turn;
            }
            ended.await;
        }
    }

    /// A turn in a signed-in session first (no credentials to enter), else a whole
    /// session nobody is in.
    fn try_take(&self, user: &Arc<SharedUser>) -> Option<SharedSignIn> {
        let turn = |index: usize, permit| SharedSignIn {
            index,
            session: user.sessions[index].clone(),
            user: user.clone(),
            turn: Some(permit),
        };
        for (index, s) in user.sessions.iter().enumerate() {
            if s.signed_in.load(Ordering::Relaxed)
                && let Ok(permit) = s.turns.clone().try_acquire_owned()
            {
                return Some(turn(index, permit));
            }
        }
        for (index, s) in user.sessions.iter().enumerate() {
            if let Ok(permit) = s.turns.clone().try_acquire_many_owned(self.flows) {
                return Some(turn(index, permit));
            }
        }
        None
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
        let s = Arc::new(SignIns::new(2, 1));
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

    #[tokio::test]
    async fn a_signed_in_session_takes_flows_per_session_at_a_time() {
        let s = Arc::new(SignIns::new(2, 3));
        let first = s.join("user").await;
        let second = s.join("user").await;
        assert_ne!(first.index, second.index, "not signed in yet: taken whole");
        first.signed_in();
        let signed = first.index;
        drop(first);
        let mut turns = Vec::new();
        for _ in 0..3 {
            let t = s.join("user").await;
            assert_eq!(t.index, signed, "the signed-in session is shared");
            turns.push(t);
        }
        let s2 = s.clone();
        let fourth = tokio::spawn(async move { s2.join("user").await.index });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !fourth.is_finished(),
            "three flows in the signed-in session, the other taken whole: the fourth waits"
        );
        turns.pop();
        assert_eq!(
            fourth.await.unwrap(),
            signed,
            "a turn that ends wakes a waiter"
        );
        drop(second);
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
