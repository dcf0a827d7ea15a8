//! Error payloads as servers send them: RFC 6749 JSON bodies, authorization redirects,
//! and the management-API shape (`errorCode`/`errorSummary`) some servers send for
//! unknown clients (OKT-11).

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OAuthError {
    pub error: String,
    pub description: Option<String>,
    pub uri: Option<String>,
}

impl OAuthError {
    /// From a JSON body: RFC 6749 §5.2 members, or the API error members of OKT-11.
    pub fn from_json(v: &Value) -> Option<Self> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        if let Some(error) = s("error") {
            return Some(Self {
                error,
                description: s("error_description"),
                uri: s("error_uri"),
            });
        }
        s("errorCode").map(|error| Self {
            error,
            description: s("errorSummary"),
            uri: None,
        })
    }

    /// From redirect parameters.
    pub fn from_params(params: &[(String, String)]) -> Option<Self> {
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        get("error").map(|error| Self {
            error,
            description: get("error_description"),
            uri: get("error_uri"),
        })
    }
}

/// RFC 6749 §5.2 error codes for the token endpoint.
pub const TOKEN_ERROR_CODES: &[&str] = &[
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
];

/// RFC 6749 §4.1.2.1 error codes for the authorization endpoint.
pub const AUTHORIZE_ERROR_CODES: &[&str] = &[
    "invalid_request",
    "unauthorized_client",
    "access_denied",
    "unsupported_response_type",
    "invalid_scope",
    "server_error",
    "temporarily_unavailable",
];
