//! Random and derived identifiers: codes, tokens, session ids, Okta-style ids.

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

pub(super) use crate::emulators::engine::opaque;

/// `len` random ASCII letters and digits.
pub(super) fn alnum(len: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Okta's API-error correlation id: `oae` and 22 letters/digits.
pub(super) fn error_id() -> String {
    format!("oae{}", alnum(22))
}

/// A token's `jti`, Okta style (`AT.…` for access, `RT.…` for refresh tokens).
pub(super) fn jti(prefix: &str) -> String {
    format!("{prefix}.{}", alnum(43))
}

/// A stable 20-character Okta user id (`00u…`) derived from the username, so the same
/// user keeps the same `sub` across runs.
pub(super) fn user_id(username: &str) -> String {
    let digest = Sha256::digest(username.to_ascii_lowercase().as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("00u{}", &hex[..17])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let id = error_id();
        assert_eq!(id.len(), 25);
        assert!(id.starts_with("oae") && id.chars().all(|c| c.is_ascii_alphanumeric()));
        assert!(jti("AT").starts_with("AT."));
        assert_eq!(user_id("A@x"), user_id("a@x"));
        assert_eq!(user_id("a@x").len(), 20);
    }
}
