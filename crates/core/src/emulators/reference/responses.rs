//! Shapes shared by the endpoints: OAuth errors (RFC 6749 §5.2), parameter reading, and
//! 404/405 answers.

use serde_json::json;

use crate::emulators::{EmuRequest, EmuResponse};

/// An OAuth error before it is rendered: the token endpoint renders it with its own
/// headers, introspection and revocation as plain JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct OAuthError {
    pub status: u16,
    /// Only codes of RFC 6749 §5.2 (and RFC 7009's unsupported_token_type).
    pub error: &'static str,
    /// Printable ASCII without `"` and `\` (RFC 6749 §5.2).
    pub description: String,
    /// The `WWW-Authenticate` value of a 401.
    pub challenge: Option<String>,
}

/// The challenge of every `invalid_client` 401 (RFC 6749 §5.2).
pub(super) const BASIC_CHALLENGE: &str = "Basic realm=\"reference\"";
/// The challenge a server copying its resource-server answer would send (a fault).
pub(super) const BEARER_CHALLENGE: &str = "Bearer realm=\"reference\"";

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status: 400,
            error,
            description: description.into(),
            challenge: None,
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new("invalid_request", description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new("invalid_grant", description)
    }

    pub fn json(&self) -> EmuResponse {
        let mut response = EmuResponse::json(
            self.status,
            &json!({ "error": self.error, "error_description": self.description }),
        );
        if let Some(challenge) = &self.challenge {
            response = response.with_header("www-authenticate", challenge.clone());
        }
        response
    }
}

/// A request's parameters (query or form), decoded once. RFC 6749 §3.1: a parameter
/// sent without a value is treated as omitted, and none may be sent twice.
pub(super) struct Params(Vec<(String, String)>);

impl Params {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The value of `name`, unless it is absent or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// The first parameter name that occurs more than once.
    pub fn repeated(&self) -> Option<&str> {
        self.0.iter().enumerate().find_map(|(i, (k, _))| {
            self.0[..i]
                .iter()
                .any(|(earlier, _)| earlier == k)
                .then_some(k.as_str())
        })
    }

    pub fn is_repeated(&self, name: &str) -> bool {
        self.0.iter().filter(|(k, _)| k == name).count() > 1
    }

    /// Every value sent for `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// The form body of a POST, or the error for a body that is not a form
/// (RFC 6749 §3.2: application/x-www-form-urlencoded) or repeats a parameter.
pub(super) fn form_params(req: &EmuRequest) -> Result<Params, OAuthError> {
    let media_type = req
        .header("content-type")
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if media_type.as_deref() != Some("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request(
            "The request body must be application/x-www-form-urlencoded.",
        ));
    }
    let params = Params::new(req.form());
    if let Some(name) = params.repeated() {
        return Err(OAuthError::invalid_request(format!(
            "The parameter {} is included more than once.",
            printable(name)
        )));
    }
    Ok(params)
}

/// Text safe for an error_description: printable ASCII except `"` and `\`, so that a
/// parameter name echoed back cannot break the RFC 6749 §5.2 charset.
pub(super) fn printable(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .filter(|c| (' '..='~').contains(c) && !matches!(c, '"' | '\\'))
        .take(64)
        .collect();
    if cleaned.is_empty() {
        "(unprintable)".to_string()
    } else {
        cleaned
    }
}

/// RFC 6749 §5.2's charset for error and error_description values.
#[cfg(test)]
pub(super) fn is_error_charset(text: &str) -> bool {
    text.chars()
        .all(|c| (' '..='~').contains(&c) && !matches!(c, '"' | '\\'))
}

pub(super) fn not_found() -> EmuResponse {
    EmuResponse::json(
        404,
        &json!({ "error": "not_found", "error_description": "No such endpoint." }),
    )
}

pub(super) fn method_not_allowed(allow: &str) -> EmuResponse {
    EmuResponse::json(
        405,
        &json!({
            "error": "invalid_request",
            "error_description": format!("This endpoint accepts {allow} only."),
        }),
    )
    .with_header("allow", allow)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::new(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn empty_values_are_absent_and_repeats_are_found() {
        let p = params(&[("a", ""), ("b", "1"), ("c", "2"), ("b", "3")]);
        assert_eq!(p.get("a"), None);
        assert_eq!(p.get("b"), Some("1"));
        assert_eq!(p.repeated(), Some("b"));
        assert!(p.is_repeated("b") && !p.is_repeated("c"));
        assert_eq!(p.all("b"), ["1", "3"]);
        assert_eq!(params(&[("a", "1")]).repeated(), None);
    }

    #[test]
    fn printable_keeps_the_error_charset() {
        assert_eq!(printable("a\"b\\c\u{e9}\n"), "abc");
        assert_eq!(printable("\u{201c}"), "(unprintable)");
        assert!(is_error_charset("The code is 'x' (y)."));
        assert!(!is_error_charset("a\"b") && !is_error_charset("\u{e9}"));
    }

    #[test]
    fn form_bodies_only() {
        let mut req = EmuRequest {
            method: "POST".into(),
            body: b"a=1&a=2".to_vec(),
            ..EmuRequest::default()
        };
        assert_eq!(
            form_params(&req).err().map(|e| e.error),
            Some("invalid_request")
        );
        req.headers.push((
            "content-type".into(),
            "application/x-www-form-urlencoded; charset=UTF-8".into(),
        ));
        let err = form_params(&req).err().expect("repeated");
        assert_eq!(
            err.description,
            "The parameter a is included more than once."
        );
        req.body = b"a=1".to_vec();
        assert!(form_params(&req).is_ok());
    }
}
