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
