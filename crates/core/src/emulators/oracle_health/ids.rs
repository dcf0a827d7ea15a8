//! Random and derived identifiers: correlation ids, codes, tokens, user ids.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::Rng;
use serde_json::json;
use sha2::{Digest, Sha256};

pub(super) use crate::emulators::engine::opaque;

/// A random lowercase version-4 UUID, the shape of Cerner's correlation and instance ids.
pub(super) fn uuid() -> String {
    let mut b: [u8; 16] = rand::rng().random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// A stable numeric Millennium-style personnel id derived from the username, so the same
/// user keeps the same `sub` and `user` across runs.
pub(super) fn user_id(username: &str) -> String {
    let digest = Sha256::digest(username.to_ascii_lowercase().as_bytes());
    let n = digest
        .iter()
        .take(4)
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    format!("{}", 10_000_000 + n % 90_000_000)
}

/// A refresh token in the observed shape: base64 of a small JSON document naming its
/// type and persona, with a random id and secret so it cannot be guessed.
pub(super) fn refresh_token(offline: bool, persona: &str) -> String {
    let doc = json!({
        "id": uuid(),
        "secret": uuid(),
        "ver": "1.1",
        "type": if offline { "offline_access" } else { "online_access" },
        "profile": "smart-v1",
        "persona": persona,
    });
    STANDARD.encode(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let id = uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        assert!(matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
        assert!(id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert_eq!(id, id.to_ascii_lowercase());
        assert_eq!(user_id("Doc"), user_id("doc"));
        assert_eq!(user_id("doc").len(), 8);
        let rt = refresh_token(true, "provider");
        let doc: serde_json::Value =
            serde_json::from_slice(&STANDARD.decode(&rt).expect("base64")).expect("json");
        assert_eq!(doc["type"], "offline_access");
        assert_eq!(doc["persona"], "provider");
        assert_ne!(rt, refresh_token(true, "provider"));
    }
}
