//! What Oracle Health documents about its authorization server, held once for the
//! emulator that plays it and the `lint` rules that check requests against it.

pub mod error_uri;
pub mod lint;
#[cfg(test)]
pub(crate) mod lint_tests;

/// `scopes_supported` beyond the resource scopes (CER-13).
pub const SPECIAL_SCOPES: [&str; 6] = [
    "launch",
    "profile",
    "fhirUser",
    "openid",
    "online_access",
    "offline_access",
];
