//! FHIR resource-server answers.

use super::response::describe;
use super::{Outcome, ensure};
use crate::http::Response;

/// Status and the exact `error` string of a FHIR error body.
pub fn error_is(resp: &Response, status: u16, error: &str) -> Outcome {
    let got = resp
        .json()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
    ensure(
        resp.status == status && got.as_deref() == Some(error),
        "fhir_error_is",
        "vendor-documentation",
        format!("HTTP {status} with error {error:?}"),
        || describe(resp),
    )
}

pub fn resource_returned(resp: &Response, resource_type: &str) -> Outcome {
    let rt = resp.json().and_then(|v| {
        v.get("resourceType")
            .and_then(|r| r.as_str())
            .map(str::to_owned)
    });
    ensure(
        resp.status == 200 && rt.as_deref() == Some(resource_type),
        "fhir_resource_returned",
        "FHIR-DSTU2-http",
        format!("HTTP 200 with a {resource_type} resource"),
        || describe(resp),
    )
}

/// RFC 6750 §3: a rejected token gets a Bearer challenge.
pub fn bearer_challenge(resp: &Response) -> Outcome {
    let h = resp.header("www-authenticate").unwrap_or("");
    ensure(
        resp.status == 401 && h.to_ascii_lowercase().starts_with("bearer"),
        "bearer_challenge",
        "RFC6750-3",
        "HTTP 401 with WWW-Authenticate: Bearer …",
        || format!("HTTP {} WWW-Authenticate: {h:?}", resp.status),
    )
}

/// A scope-less request is refused with 403 and the insufficient-scope cause
/// (RFC 6750 §3.1 `insufficient_scope`; Oracle Health's body names it in a URN, CER-22).
pub fn insufficient_scope(resp: &Response) -> Outcome {
    let body = resp.text();
    ensure(
        resp.status == 403 && body.contains("insufficient_scope"),
        "fhir_refuses_insufficient_scope",
        "RFC6750-3.1",
        "HTTP 403 naming insufficient_scope",
        || describe(resp),
    )
}
