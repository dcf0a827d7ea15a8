//! Response shapes shared by the endpoints: OAuth JSON errors, Okta API errors and
//! error redirects.

use serde_json::json;

use super::ids;
use crate::emulators::EmuResponse;

/// `{"error": …, "error_description": …}` with the given status.
pub(super) fn oauth_error(status: u16, error: &str, description: &str) -> EmuResponse {
    EmuResponse::json(
        status,
        &json!({ "error": error, "error_description": description }),
    )
}

/// Okta's management-API error shape, used for an unknown client and wrong methods.
pub(super) fn okta_api_error(status: u16, code: &str, summary: &str) -> EmuResponse {
    EmuResponse::json(
        status,
        &json!({
            "errorCode": code,
            "errorSummary": summary,
            "errorLink": code,
            "errorId": ids::error_id(),
            "errorCauses": [],
        }),
    )
}

pub(super) fn method_not_allowed(allow: &str) -> EmuResponse {
    okta_api_error(
        405,
        "E0000022",
        "The endpoint does not support the provided HTTP method",
    )
    .with_header("allow", allow)
}

/// A JSON body given as a literal, for bodies whose documented spacing matters.
pub(super) fn literal_json(status: u16, body: &str) -> EmuResponse {
    EmuResponse::new(status)
        .with_header("content-type", "application/json")
        .with_body(body.as_bytes().to_vec())
}

pub(super) use crate::emulators::engine::{not_found, with_query};

/// An authorization error delivered to the client's redirect_uri (response_mode=query).
pub(super) fn redirect_error(
    redirect_uri: &str,
    error: &str,
    description: &str,
    state: Option<&str>,
) -> EmuResponse {
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(state) = state.filter(|s| !s.is_empty()) {
        params.push(("state", state));
    }
    EmuResponse::redirect(with_query(redirect_uri, &params))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_errors_encode_and_keep_state() {
        let r = redirect_error("https://a/cb?x=1", "invalid_scope", "a b", Some("s1"));
        assert_eq!(
            r.header("location"),
            Some("https://a/cb?x=1&error=invalid_scope&error_description=a+b&state=s1")
        );
        let r = redirect_error("https://a/cb", "e", "d", None);
        assert_eq!(
            r.header("location"),
            Some("https://a/cb?error=e&error_description=d")
        );
    }
}
