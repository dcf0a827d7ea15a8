//! Virtual time for emulators.
//!
//! The clock follows real time plus an offset, so issued JWTs carry realistic `iat`/`exp`
//! values that a verifier on the same machine accepts, while tests can move time forward
//! instantly. Expiry of a single artifact is simulated by back-dating its issue time
//! (see `Emulator::age_artifact`), never by sleeping.

use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Default)]
pub struct VirtualClock {
    offset_secs: u64,
}

impl VirtualClock {
    pub fn new() -> Self {
        Self::default()
    }

    /// Seconds since the Unix epoch: real time plus everything `advance`d so far.
    pub fn now_unix(&self) -> u64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        real.saturating_add(self.offset_secs)
    }

    /// Moves the whole clock forward.
    pub fn advance(&mut self, secs: u64) {
        self.offset_secs = self.offset_secs.saturating_add(secs);
    }

    /// Seconds elapsed since `issued_at`, never negative.
    pub fn age_of(&self, issued_at: u64) -> u64 {
        self.now_unix().saturating_sub(issued_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_real_time_and_advances() {
        let mut clock = VirtualClock::new();
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let t0 = clock.now_unix();
        assert!(t0 >= real && t0 <= real + 2);
        clock.advance(3600);
        assert!(clock.now_unix() >= t0 + 3600);
        assert!(clock.age_of(t0) >= 3600);
        assert_eq!(clock.age_of(u64::MAX), 0);
    }
}
