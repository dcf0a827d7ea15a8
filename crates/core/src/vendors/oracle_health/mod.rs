//! What Oracle Health documents about its authorization server, held once for the
//! emulator that plays it, the `lint` rules that check requests against it and the
//! `explain` piece that reads its error responses.

pub mod checks;
pub mod error_uri;
pub(crate) mod explain;
#[cfg(test)]
mod explain_tests;
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

/// The response header whose value is the error_uri's instance id (CER-03).
pub const CORRELATION_HEADER: &str = "cerner-correlation-id";
