//! Pacing for live servers, per endpoint: a vendor may limit its token endpoint alone
//! (ATH-17: 5 requests a minute in preview) or the whole server. Async: waiting never
//! blocks the executor.
//!
//! Three rules keep flows intact under a limit:
//! - A code redemption is urgent: the code ages while the request waits, so it goes
//!   ahead of every request still queued (it never takes a slot already granted).
//! - Otherwise the scenario that started first goes first: a scenario in progress
//!   finishes instead of every scenario's next request joining the back of one line
//!   (a 10-request scenario would wait for the whole queue 10 times).
//! - A flow that will produce a code takes a turn at the code gate before its
//!   authorization request, and gives it back when the code is redeemed: with few codes
//!   outstanding, a redemption waits for few others, so the code is redeemed well within
//!   its lifetime whatever the limit ([`Pacer::code_turns`]).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use url::Url;

use super::Request;

/// One limit: at most one request per `interval`, queued urgent first, then by
/// scenario, then in order of arrival.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    state: Mutex<State>,
    changed: Notify,
}

/// A waiting request's place: `(not urgent, scenario, arrival)`, so urgent ones sort
/// first, then the earliest scenario's, each in its order.
type Key = (bool, u64, u64);

#[derive(Debug, Default)]
struct State {
    /// When the next request may go.
    next: Option<Instant>,
    queue: BTreeSet<Key>,
    arrivals: u64,
}

impl RateLimiter {
    pub fn per_minute(n: u32) -> Self {
        Self {
            interval: Duration::from_secs(60) / n.max(1),
            state: Mutex::new(State::default()),
            changed: Notify::new(),
        }
    }

    /// The time between two requests.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock leaves the state consistent (plain fields).
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Requests waiting for a slot now.
    pub fn waiting(&self) -> usize {
        self.state().queue.len()
    }

    /// Waits for the slot of a request of `scenario` (its sequence number at this
    /// target: lower started earlier).
    pub async fn acquire(&self, urgent: bool, scenario: u64) {
        let key = {
            let mut s = self.state();
            s.arrivals += 1;
            let key = (!urgent, scenario, s.arrivals);
            s.queue.insert(key);
            key
        };
        // Whoever was first may no longer be.
        self.changed.notify_waiters();
        let mut ticket = Ticket {
            limiter: self,
            key,
            done: false,
        };
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let wake = {
                let mut s = self.state();
                let now = Instant::now();
                if s.queue.first() == Some(&key) {
                    let slot = s.next.map_or(now, |n| n.max(now));
                    if slot <= now {
                        s.next = Some(now + self.interval);
                        s.queue.remove(&key);
                        ticket.done = true;
                        drop(s);
                        self.changed.notify_waiters();
                        return;
                    }
                    Some(slot)
                } else {
                    None
                }
            };
            match wake {
                Some(at) => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(at) => {}
                        _ = &mut notified => {}
                    }
                }
                None => notified.await,
            }
        }
    }
}

/// A place in the queue, given up if the waiting request is dropped (its scenario
/// timed out), so it never holds up the others.
struct Ticket<'a> {
    limiter: &'a RateLimiter,
    key: Key,
    done: bool,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.limiter.state().queue.remove(&self.key);
            self.limiter.changed.notify_waiters();
        }
    }
}

/// A target's limits: one for every request, one for its token endpoint, or both; and
/// the code gate they call for.
#[derive(Debug)]
pub struct Pacer {
    all: Option<RateLimiter>,
    token: Option<(Url, RateLimiter)>,
    /// The limits as the profile gives them, for the console.
    limits: String,
    /// Scenarios bound to this target so far: the next one's sequence number.
    scenarios: AtomicU64,
    /// Turns for flows that will hold a code, [`Pacer::code_turns`] of them.
    codes: Arc<Semaphore>,
    code_turns: usize,
    /// Flows waiting for a turn (their authorization request not sent yet).
    waiting_for_turn: Arc<AtomicUsize>,
}

/// A flow's turn at its target's code gate: taken before the authorization request,
/// given back (dropped) when the code is redeemed or the scenario ends.
#[derive(Debug)]
pub struct CodeTurn {
    _permit: Option<OwnedSemaphorePermit>,
}

impl Pacer {
    /// `None` when there is nothing to pace. `code_lifetime`: how long the server's
    /// authorization codes live (the profile's `rate_limit.code_lifetime_secs`).
    pub fn new(
        per_minute: Option<u32>,
        token: Option<(Url, u32)>,
        code_lifetime: Duration,
    ) -> Option<Self> {
        let limits = [
            per_minute.map(|n| format!("{n} a minute")),
            token
                .as_ref()
                .map(|(_, n)| format!("token endpoint {n} a minute")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        let all = per_minute.map(RateLimiter::per_minute);
        let token = token.map(|(url, n)| (url, RateLimiter::per_minute(n)));
        // A redemption passes the token endpoint's limit, then the server's.
        let interval = all.as_ref().map_or(Duration::ZERO, RateLimiter::interval)
            + token.as_ref().map_or(Duration::ZERO, |(_, l)| l.interval());
        let code_turns = code_turns(code_lifetime, interval);
        let pacer = Self {
            all,
            token,
            limits,
            scenarios: AtomicU64::new(0),
            codes: Arc::new(Semaphore::new(code_turns)),
            code_turns,
            waiting_for_turn: Arc::new(AtomicUsize::new(0)),
        };
        (pacer.all.is_some() || pacer.token.is_some()).then_some(pacer)
    }

    /// The sequence number of a scenario starting now at this target.
    pub fn next_scenario(&self) -> u64 {
        self.scenarios.fetch_add(1, Ordering::Relaxed)
    }

    /// Requests waiting for a slot under any of the limits, and authorization requests
    /// waiting for a turn at the code gate.
    pub fn waiting(&self) -> usize {
        self.all.as_ref().map_or(0, RateLimiter::waiting)
            + self.token.as_ref().map_or(0, |(_, l)| l.waiting())
            + self.waiting_for_turn.load(Ordering::Relaxed)
    }

    /// The limits, as the console says them (`token endpoint 5 a minute`).
    pub fn limits(&self) -> &str {
        &self.limits
    }

    /// How many flows may hold a code not yet redeemed at once.
    pub fn code_turns(&self) -> usize {
        self.code_turns
    }

    /// Waits for a turn to start a flow that will produce a code.
    pub async fn code_turn(&self) -> CodeTurn {
        self.waiting_for_turn.fetch_add(1, Ordering::Relaxed);
        // Counted down however the wait ends (the scenario may be dropped meanwhile).
        let _waiting = Waiting(&self.waiting_for_turn);
        // The gate is never closed, so the permit always comes.
        let permit = self.codes.clone().acquire_owned().await.ok();
        CodeTurn { _permit: permit }
    }

    /// Waits until `req`, sent by the scenario with sequence number `scenario`
    /// ([`Pacer::next_scenario`]), may be sent under every limit that applies to it.
    pub async fn acquire(&self, req: &Request, scenario: u64) {
        let urgent = req.redeems_code();
        if let Some((url, limiter)) = &self.token
            && same_endpoint(url, &req.url)
        {
            limiter.acquire(urgent, scenario).await;
        }
        if let Some(limiter) = &self.all {
            limiter.acquire(urgent, scenario).await;
        }
    }
}

/// How many flows may hold a code at once. A redemption is urgent, so it waits only
/// for the slot already granted and for the redemptions of the other holders: about
/// one `interval` each. With `lifetime / interval / 2` turns the worst wait is half
/// the code's lifetime, the rest being margin for the way there and back.
fn code_turns(lifetime: Duration, interval: Duration) -> usize {
    // More turns than any run has scenarios change nothing.
    const MANY: usize = 4096;
    if interval.is_zero() {
        return MANY;
    }
    let n = lifetime.as_secs_f64() / interval.as_secs_f64() / 2.0;
    (n.floor() as usize).clamp(1, MANY)
}

struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Same origin and path: the query and fragment do not make another endpoint.
fn same_endpoint(a: &Url, b: &Url) -> bool {
    a.origin() == b.origin() && a.path() == b.path()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn at(start: Instant) -> u64 {
        (Instant::now() - start).as_secs()
    }

    #[tokio::test(start_paused = true)]
    async fn requests_are_spaced_by_the_limit() {
        let l = RateLimiter::per_minute(6);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..3 {
            l.acquire(false, 0).await;
            times.push(at(start));
        }
        assert_eq!(times, [0, 10, 20]);
    }

    /// A code redemption waiting behind queued requests takes the next free slot.
    #[tokio::test(start_paused = true)]
    async fn an_urgent_request_goes_ahead_of_the_queue_but_not_of_a_granted_slot() {
        let l = Arc::new(RateLimiter::per_minute(6));
        let start = Instant::now();
        l.acquire(false, 0).await; // t=0; the next slot is t=10
        assert_eq!(l.waiting(), 0);
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for name in ["a", "b", "c"] {
            let (l, order) = (l.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                l.acquire(false, 0).await;
                order.lock().unwrap().push((name, at(start)));
            }));
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(l.waiting(), 3, "a, b and c wait");
        let (l2, order2) = (l.clone(), order.clone());
        tasks.push(tokio::spawn(async move {
            l2.acquire(true, 0).await;
            order2.lock().unwrap().push(("code", at(start)));
        }));
        for t in tasks {
            t.await.unwrap();
        }
        let order = order.lock().unwrap().clone();
        assert_eq!(
            order,
            [("code", 10), ("a", 20), ("b", 30), ("c", 40)],
            "urgent first, then the queue in arrival order"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_waiter_does_not_hold_up_the_queue() {
        let l = Arc::new(RateLimiter::per_minute(60));
        l.acquire(false, 0).await;
        let l1 = l.clone();
        let gone = tokio::spawn(async move { l1.acquire(false, 0).await });
        tokio::task::yield_now().await;
        gone.abort();
        let start = Instant::now();
        l.acquire(false, 0).await;
        assert!(Instant::now() - start <= Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn the_token_limit_paces_only_the_token_endpoint() {
        let token = Url::parse("https://idp.example/oauth2/v1/token").unwrap();
        let pacer = Pacer::new(None, Some((token.clone(), 1)), MINUTE).expect("a limit");
        let start = Instant::now();
        let other = Request::get(Url::parse("https://idp.example/oauth2/v1/keys").unwrap());
        for _ in 0..5 {
            pacer.acquire(&other, 0).await;
        }
        assert_eq!(at(start), 0, "the keys endpoint is not paced");
        let mut with_query = token.clone();
        with_query.set_query(Some("x=1"));
        pacer.acquire(&Request::get(token), 0).await;
        pacer.acquire(&Request::get(with_query), 0).await;
        assert_eq!(at(start), 60, "the token endpoint is, whatever its query");
        assert!(Pacer::new(None, None, MINUTE).is_none());
        assert_eq!(pacer.limits(), "token endpoint 1 a minute");
        assert_eq!(pacer.waiting(), 0);
    }

    /// A scenario in progress finishes before a later one's requests get slots: with
    /// one line in order of arrival, the two would alternate and both finish late.
    #[tokio::test(start_paused = true)]
    async fn the_scenario_that_started_first_goes_first() {
        let l = Arc::new(RateLimiter::per_minute(6));
        let start = Instant::now();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for scenario in [0, 1] {
            let (l, order) = (l.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                for _ in 0..3 {
                    l.acquire(false, scenario).await;
                    order.lock().unwrap().push((scenario, at(start)));
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let order = order.lock().unwrap().clone();
        assert_eq!(
            order,
            [(0, 0), (0, 10), (0, 20), (1, 30), (1, 40), (1, 50)],
            "scenario 0 is done at 20 s instead of 40 s"
        );
    }

    /// Sixteen flows at once against a token endpoint allowing 5 requests a minute,
    /// with codes living 60 s, and scenarios asking for other tokens meanwhile: every
    /// code is redeemed within its lifetime. Without the code gate the sixteen codes
    /// would be issued at once and the last redeemed three minutes later.
    #[tokio::test(start_paused = true)]
    async fn sixteen_flows_at_five_a_minute_redeem_every_code_in_time() {
        let token = Url::parse("https://idp.example/oauth2/v1/token").unwrap();
        let authorize = Url::parse("https://idp.example/oauth2/v1/authorize").unwrap();
        let pacer = Arc::new(Pacer::new(None, Some((token.clone(), 5)), MINUTE).expect("a limit"));
        assert_eq!(pacer.code_turns(), 2, "12 s a redemption, 60 s codes");
        let form =
            |grant: &str| Request::post_form(token.clone(), &[("grant_type".into(), grant.into())]);
        let (redeem, other) = (form("authorization_code"), form("client_credentials"));
        assert!(redeem.redeems_code() && !other.redeems_code());
        let mut flows = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let (pacer, redeem) = (pacer.clone(), redeem.clone());
            let authorize = Request::get(authorize.clone());
            flows.spawn(async move {
                let scenario = pacer.next_scenario();
                let turn = pacer.code_turn().await;
                pacer.acquire(&authorize, scenario).await;
                let issued = Instant::now();
                pacer.acquire(&redeem, scenario).await;
                // As `Session` does: the slot is granted, the turn goes on.
                drop(turn);
                Some(Instant::now() - issued)
            });
        }
        for _ in 0..4 {
            let (pacer, other) = (pacer.clone(), other.clone());
            flows.spawn(async move {
                let scenario = pacer.next_scenario();
                for _ in 0..3 {
                    pacer.acquire(&other, scenario).await;
                }
                None
            });
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(
            pacer.waiting() >= 14,
            "flows wait for their turn: {}",
            pacer.waiting()
        );
        let mut waits = Vec::new();
        while let Some(wait) = flows.join_next().await {
            waits.extend(wait.unwrap());
        }
        assert_eq!(waits.len(), 16);
        let longest = waits.iter().max().copied().unwrap_or_default();
        assert!(
            longest <= Duration::from_secs(30),
            "a code waited {longest:?} for its redemption (lifetime 60 s)"
        );
        assert_eq!(pacer.waiting(), 0);
    }

    #[test]
    fn the_gate_keeps_the_worst_wait_to_half_a_lifetime() {
        let s = Duration::from_secs;
        assert_eq!(code_turns(s(60), s(12)), 2);
        assert_eq!(code_turns(s(300), s(12)), 12);
        assert_eq!(code_turns(s(60), s(60)), 1, "always one");
        assert_eq!(code_turns(s(600), Duration::ZERO), 4096);
        let both = Pacer::new(
            Some(60),
            Some((Url::parse("https://x/t").unwrap(), 5)),
            s(60),
        );
        assert_eq!(
            both.unwrap().code_turns(),
            2,
            "13 s a redemption: 12 s + 1 s"
        );
    }
}
