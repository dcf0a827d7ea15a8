//! PKCE (RFC 7636) primitives shared by the harness and the emulators.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use sha2::{Digest, Sha256};

/// Characters RFC 7636 §4.1 allows in a code verifier (the "unreserved" set).
const VERIFIER_CHARSET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// `BASE64URL(SHA256(ASCII(verifier)))`, unpadded: always 43 characters.
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// 43 to 128 characters from `[A-Za-z0-9-._~]`.
pub fn verifier_is_valid(v: &str) -> bool {
    (43..=128).contains(&v.len()) && v.bytes().all(|b| VERIFIER_CHARSET.contains(&b))
}

/// A fresh random verifier: 64 characters from the allowed set.
pub fn new_verifier() -> String {
    let mut rng = rand::rng();
    (0..64)
        .map(|_| VERIFIER_CHARSET[rng.random_range(0..VERIFIER_CHARSET.len())] as char)
        .collect()
}

/// An S256 challenge is the unpadded base64url form of a 32-byte digest: 43 characters.
pub fn challenge_is_well_formed(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifier_rules() {
        assert!(verifier_is_valid(&"a".repeat(43)));
        assert!(verifier_is_valid(&"~._-".repeat(32)));
        assert!(!verifier_is_valid(&"a".repeat(42)));
        assert!(!verifier_is_valid(&"a".repeat(129)));
        assert!(!verifier_is_valid(&format!("{}+", "a".repeat(43))));
        assert!(!verifier_is_valid(&format!("{}é", "a".repeat(43))));
    }

    #[test]
    fn new_verifiers_are_valid_and_distinct() {
        let a = new_verifier();
        assert_eq!(a.len(), 64);
        assert!(verifier_is_valid(&a));
        assert_ne!(a, new_verifier());
    }

    #[test]
    fn challenge_shape() {
        assert!(challenge_is_well_formed(&s256_challenge(&new_verifier())));
        assert!(!challenge_is_well_formed(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c"
        ));
        assert!(!challenge_is_well_formed(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"
        ));
        assert!(!challenge_is_well_formed(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM="
        ));
    }
}
