//! OAuth building blocks shared by steps, checks and emulators: PKCE, authorize URLs,
//! token requests, error payloads, JWTs. No I/O here.

pub mod assertion;
pub mod authorize;
pub mod error;
pub mod id_token;
pub mod jws;
pub mod percent;
pub mod pkce;
pub mod token;

/// `n` random letters and digits: a fresh `state` or `nonce` for an authorization
/// request.
pub fn random_value(n: usize) -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..n)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}
