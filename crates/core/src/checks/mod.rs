//! Named assertions, each with the spec reference it verifies. A check looks only at
//! what a server sent; it never knows whether the server is live or emulated. Severity
//! is chosen where a check is used (a SHOULD that fails is a warning), as in the
//! OpenID Foundation suite's conditions.

pub mod authorize;
pub mod discovery;
pub mod fhir;
pub mod id_token;
pub mod response;
pub mod schema;
pub mod session;
pub mod token;

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Must,
    Should,
}

/// Why a check failed: what it expected and what it received.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub check: &'static str,
    pub spec: &'static str,
    pub expected: String,
    pub received: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "check `{}` [{}] failed\n  expected: {}\n  received: {}",
            self.check, self.spec, self.expected, self.received
        )
    }
}

pub type Outcome = Result<(), Failure>;

/// At most `max` bytes of `text` (cut at a character boundary), marked `…` when cut:
/// a failure quotes what the server sent, never all of a huge page.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &text[..cut])
}

/// An optional value as a failure shows it: quoted, or `(absent)`; never Rust's
/// `Some(..)`/`None`.
pub(crate) fn shown<T: fmt::Display>(value: Option<T>) -> String {
    match value {
        Some(v) => format!("\"{v}\""),
        None => "(absent)".into(),
    }
}

pub(crate) fn fail(
    check: &'static str,
    spec: &'static str,
    expected: impl Into<String>,
    received: impl Into<String>,
) -> Outcome {
    Err(Failure {
        check,
        spec,
        expected: expected.into(),
        received: received.into(),
    })
}

pub(crate) fn ensure(
    ok: bool,
    check: &'static str,
    spec: &'static str,
    expected: impl Into<String>,
    received: impl FnOnce() -> String,
) -> Outcome {
    if ok {
        Ok(())
    } else {
        fail(check, spec, expected, received())
    }
}

/// Inputs shared by the checks' unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::http::Response;

    /// A fully read response, as the HTTP layer hands one to a check.
    pub(crate) fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            url: "https://as.example.test/endpoint".into(),
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), (*v).to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
            truncated: None,
        }
    }

    /// A JSON response with `status` and `body`.
    pub(crate) fn json_response(status: u16, body: serde_json::Value) -> Response {
        response(
            status,
            &[("content-type", "application/json")],
            &body.to_string(),
        )
    }
}
