//! Pacing for live servers, per endpoint: a vendor may limit its token endpoint alone
//! (ATH-17: 5 requests a minute in preview) or the whole server. Async: waiting never
//! blocks the executor.
//!
//! A code redemption is urgent: the code ages while the request waits, so it goes
//! ahead of every request still queued (it never takes a slot already granted).

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use url::Url;

use super::Request;

/// One limit: at most one request per `interval`, queued in order, urgent first.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Debug, Default)]
struct State {
    /// When the next request may go.
    next: Option<Instant>,
    /// Waiting requests: `(not urgent, arrival)`, so urgent ones sort first and each
    /// class keeps its order.
    queue: BTreeSet<(bool, u64)>,
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

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock leaves the state consistent (plain fields).
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Requests waiting for a slot now.
    pub fn waiting(&self) -> usize {
        self.state().queue.len()
    }

    /// Waits for this request's slot.
    pub async fn acquire(&self, urgent: bool) {
        let key = {
            let mut s = self.state();
            s.arrivals += 1;
            let key = (!urgent, s.arrivals);
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
    key: (bool, u64),
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

/// A target's limits: one for every request, one for its token endpoint, or both.
#[derive(Debug)]
pub struct Pacer {
    all: Option<RateLimiter>,
    token: Option<(Url, RateLimiter)>,
    /// The limits as the profile gives them, for the console.
    limits: String,
}

impl Pacer {
    /// `None` when there is nothing to pace.
    pub fn new(per_minute: Option<u32>, token: Option<(Url, u32)>) -> Option<Self> {
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
        let pacer = Self {
            all: per_minute.map(RateLimiter::per_minute),
            token: token.map(|(url, n)| (url, RateLimiter::per_minute(n))),
            limits,
        };
        (pacer.all.is_some() || pacer.token.is_some()).then_some(pacer)
    }

    /// Requests waiting for a slot under any of the limits.
    pub fn waiting(&self) -> usize {
        self.all.as_ref().map_or(0, RateLimiter::waiting)
            + self.token.as_ref().map_or(0, |(_, l)| l.waiting())
    }

    /// The limits, as the console says them (`token endpoint 5 a minute`).
    pub fn limits(&self) -> &str {
        &self.limits
    }

    /// Waits until `req` may be sent under every limit that applies to it.
    pub async fn acquire(&self, req: &Request) {
        let urgent = req.redeems_code();
        if let Some((url, limiter)) = &self.token
            && same_endpoint(url, &req.url)
        {
            limiter.acquire(urgent).await;
        }
        if let Some(limiter) = &self.all {
            limiter.acquire(urgent).await;
        }
    }
}

/// Same origin and path: the query and fragment do not make another endpoint.
fn same_endpoint(a: &Url, b: &Url) -> bool {
    a.origin() == b.origin() && a.path() == b.path()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn at(start: Instant) -> u64 {
        (Instant::now() - start).as_secs()
    }

    #[tokio::test(start_paused = true)]
    async fn requests_are_spaced_by_the_limit() {
        let l = RateLimiter::per_minute(6);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..3 {
            l.acquire(false).await;
            times.push(at(start));
        }
        assert_eq!(times, [0, 10, 20]);
    }

    /// A code redemption waiting behind queued requests takes the next free slot.
    #[tokio::test(start_paused = true)]
    async fn an_urgent_request_goes_ahead_of_the_queue_but_not_of_a_granted_slot() {
        let l = Arc::new(RateLimiter::per_minute(6));
        let start = Instant::now();
        l.acquire(false).await; // t=0; the next slot is t=10
        assert_eq!(l.waiting(), 0);
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for name in ["a", "b", "c"] {
            let (l, order) = (l.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                l.acquire(false).await;
                order.lock().unwrap().push((name, at(start)));
            }));
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(l.waiting(), 3, "a, b and c wait");
        let (l2, order2) = (l.clone(), order.clone());
        tasks.push(tokio::spawn(async move {
            l2.acquire(true).await;
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
        l.acquire(false).await;
        let l1 = l.clone();
        let gone = tokio::spawn(async move { l1.acquire(false).await });
        tokio::task::yield_now().await;
        gone.abort();
        let start = Instant::now();
        l.acquire(false).await;
        assert!(Instant::now() - start <= Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn the_token_limit_paces_only_the_token_endpoint() {
        let token = Url::parse("https://idp.example/oauth2/v1/token").unwrap();
        let pacer = Pacer::new(None, Some((token.clone(), 1))).expect("a limit");
        let start = Instant::now();
        let other = Request::get(Url::parse("https://idp.example/oauth2/v1/keys").unwrap());
        for _ in 0..5 {
            pacer.acquire(&other).await;
        }
        assert_eq!(at(start), 0, "the keys endpoint is not paced");
        let mut with_query = token.clone();
        with_query.set_query(Some("x=1"));
        pacer.acquire(&Request::get(token)).await;
        pacer.acquire(&Request::get(with_query)).await;
        assert_eq!(at(start), 60, "the token endpoint is, whatever its query");
        assert!(Pacer::new(None, None).is_none());
        assert_eq!(pacer.limits(), "token endpoint 1 a minute");
        assert_eq!(pacer.waiting(), 0);
    }
}
