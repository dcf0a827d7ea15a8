//! Error URNs (the short form after the common prefix), what each one means, and the
//! percent-encoding rules of the `error_uri` that carries them.

/// The prefix every authorization-server URN shares.
pub(super) const PREFIX: &str = "urn:cerner:error:authorization-server:";

// Token endpoint: spellings observed on live servers.
pub(super) const INVALID_TENANT: &str = "oauth2:token:invalid-tenant";
pub(super) const INVALID_CLIENT_CREDENTIALS: &str = "oauth2:token:invalid-client-credentials";
pub(super) const INVALID_AUTHORIZATION_HEADER: &str = "oauth2:token:invalid-authorization-header";
pub(super) const CODE_INVALID_OR_EXPIRED: &str = "oauth2:token:code-invalid-or-expired";
// The historical documented spellings, used only by the legacy-underscore-urns fault.
pub(super) const LEGACY_INVALID_CLIENT_CREDENTIALS: &str =
    "oauth2:token:invalid_client_credentials";
pub(super) const LEGACY_INVALID_AUTHORIZATION_HEADER: &str =
    "oauth2:token:invalid_authorization_header";
// Token endpoint: from the historical documented list.
pub(super) const UNSUPPORTED_GRANT_TYPE: &str = "oauth2:token:unsupported-grant-type";
pub(super) const EMPTY_SCOPES: &str = "oauth2:token:empty-scopes";
pub(super) const CODE_CLIENT_MISMATCH: &str = "oauth2:token:code:client:mismatch";
pub(super) const TOKEN_INVALID_REDIRECT_URI: &str = "oauth2:token:invalid-redirect-uri";
pub(super) const REFRESH_TOKEN_INVALID: &str = "oauth2:token:refresh-token:token-invalid";
// Token endpoint: the emulator's own, for behaviours whose URN was never published.
pub(super) const TOO_MANY_SCOPES: &str = "oauth2:token:too-many-scopes";
pub(super) const CODE_VERIFIER_MISMATCH: &str = "oauth2:token:code:verifier:mismatch";
/// Only reachable through the fail-on-partial-scopes fault.
pub(super) const SCOPES_NOT_GRANTED: &str = "oauth2:token:scopes-not-granted";

/// Anything the server cannot do for reasons of its own (historical documented list).
pub(super) const SERVER_ERROR: &str = "server-error";

// Authorize endpoint (historical documented list).
pub(super) const UNKNOWN_TENANT: &str = "oauth2:grant:unknown-tenant";
pub(super) const UNKNOWN_CLIENT: &str = "oauth2:grant:unknown-client";
pub(super) const GRANT_INVALID_REQUEST: &str = "oauth2:grant:invalid-request";
pub(super) const GRANT_INVALID_REDIRECT_URI: &str = "oauth2:grant:invalid-redirect-uri";
pub(super) const REDIRECT_URI_NOT_ABSOLUTE: &str = "oauth2:grant:redirect-uri-not-absolute";
pub(super) const REDIRECT_URI_NOT_REGISTERED: &str = "oauth2:grant:redirect-uri-not-registered";
pub(super) const UNSUPPORTED_RESPONSE_TYPE: &str = "oauth2:grant:unsupported-response-type";
pub(super) const DENIED_BY_SERVER: &str = "oauth2:grant:denied-by-server";
pub(super) const AUDIENCE_REQUIRED: &str = "smart-v1:grant:launch:audience-required";
pub(super) const AUDIENCE_NOT_WHITE_LISTED: &str =
    "smart-v1:grant:launch:audience-not-white-listed";
pub(super) const LAUNCH_CODE_REQUIRED: &str = "smart-v1:grant:launch:launch-code-required";

/// The emulator's own explanation of a URN, shown on its error page (and, under the
/// add-error-description fault, as an `error_description`).
pub(super) fn describe(short: &str) -> &'static str {
    match short.replace('_', "-").as_str() {
        "oauth2:token:invalid-tenant" | "oauth2:grant:unknown-tenant" => {
            "The tenant is not known to the authorization server."
        }
        "oauth2:token:invalid-client-credentials" => {
            "The client credentials are not valid for a registered confidential client."
        }
        "oauth2:token:invalid-authorization-header" => {
            "The Authorization header does not carry HTTP Basic client credentials."
        }
        "oauth2:token:unsupported-grant-type" => "The grant type is not supported.",
        "oauth2:token:empty-scopes" => {
            "The resulting token contains no scopes, either due to unsatisfied scope requirements or scopes the client is not authorized for."
        }
        "oauth2:token:too-many-scopes" => {
            "Too many scopes were requested for the token to fit in an HTTP header."
        }
        "oauth2:token:code-invalid-or-expired" => {
            "The authorization code is unknown, already used or expired."
        }
        "oauth2:token:code:client:mismatch" => {
            "The authorization code was issued to another client."
        }
        "oauth2:token:invalid-redirect-uri" => {
            "The redirect URI differs from the one of the authorization request."
        }
        "oauth2:token:code:verifier:mismatch" => {
            "The code verifier does not match the code challenge."
        }
        "oauth2:token:refresh-token:token-invalid" => "The refresh token is not valid.",
        "oauth2:token:scopes-not-granted" => "Some requested scopes cannot be granted.",
        "server-error" => "The authorization server failed to process the request.",
        "oauth2:grant:unknown-client" => "The client is not registered.",
        "oauth2:grant:invalid-request" => "The authorization request is not valid.",
        "oauth2:grant:invalid-redirect-uri" => "The redirect URI is missing or not valid.",
        "oauth2:grant:redirect-uri-not-absolute" => "The redirect URI is not an absolute URI.",
        "oauth2:grant:redirect-uri-not-registered" => {
            "The redirect URI is not registered for the client."
        }
        "oauth2:grant:unsupported-response-type" => "The response type is not supported.",
        "oauth2:grant:denied-by-server" => "The authorization server denied the request.",
        "smart-v1:grant:launch:audience-required" => "The aud parameter is required.",
        "smart-v1:grant:launch:audience-not-white-listed" => {
            "The aud parameter does not name this tenant's FHIR server."
        }
        "smart-v1:grant:launch:launch-code-required" => {
            "The launch scope requires a launch parameter."
        }
        _ => "The request could not be processed.",
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so a URN's colons
/// become `%3A` and any client id or tenant is safe inside a query.
pub(super) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes once (path segments: `+` stays `+`).
pub(super) fn decode(s: &str) -> String {
    crate::oauth::percent::decode(s)
}

/// Where an error happened and who it is attributed to.
pub(super) struct Attribution<'a> {
    /// `provider` or `patient` for authorize errors; none at the token endpoint.
    pub persona: Option<&'a str>,
    /// The client id, or `unknown` when the client was not authenticated.
    pub client: &'a str,
    pub tenant: &'a str,
}

/// `{origin}/errors/{urn}/instances/{instance}?[persona=…&]client=…&tenant=…`
pub(super) fn error_uri(origin: &str, short: &str, instance: &str, at: &Attribution) -> String {
    let mut query = String::new();
    if let Some(persona) = at.persona {
        query.push_str(&format!("persona={}&", encode(persona)));
    }
    query.push_str(&format!(
        "client={}&tenant={}",
        encode(at.client),
        encode(at.tenant)
    ));
    format!(
        "{origin}/errors/{}/instances/{instance}?{query}",
        encode(&format!("{PREFIX}{short}"))
    )
}

/// [`error_uri`] with the URN left unencoded (the error-uri-urn-unencoded fault).
pub(super) fn error_uri_unencoded(
    origin: &str,
    short: &str,
    instance: &str,
    at: &Attribution,
) -> String {
    let encoded = encode(&format!("{PREFIX}{short}"));
    error_uri(origin, short, instance, at).replacen(&encoded, &format!("{PREFIX}{short}"), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_000_error_uri_shape() {
        let at = Attribution {
            persona: None,
            client: "ec9e9fdd-d770-4108-8589-62fa060429fb",
            tenant: "5b22adf1-4884-4ac2-b6f3-04fa545ac9fcm",
        };
        assert_eq!(
            error_uri(
                "https://authorization.cerner.com",
                INVALID_TENANT,
                "65b0a9f4-782f-49a4-947f-e0a875ce5f67",
                &at
            ),
            "https://authorization.cerner.com/errors/urn%3Acerner%3Aerror%3Aauthorization-server%3Aoauth2%3Atoken%3Ainvalid-tenant/instances/65b0a9f4-782f-49a4-947f-e0a875ce5f67?client=ec9e9fdd-d770-4108-8589-62fa060429fb&tenant=5b22adf1-4884-4ac2-b6f3-04fa545ac9fcm"
        );
    }

    #[test]
    fn persona_comes_first_and_odd_values_are_escaped() {
        let at = Attribution {
            persona: Some("provider"),
            client: "a b&c",
            tenant: "t/1",
        };
        assert_eq!(
            error_uri("http://o", DENIED_BY_SERVER, "i", &at),
            "http://o/errors/urn%3Acerner%3Aerror%3Aauthorization-server%3Aoauth2%3Agrant%3Adenied-by-server/instances/i?persona=provider&client=a%20b%26c&tenant=t%2F1"
        );
    }

    #[test]
    fn decoding_tolerates_garbage() {
        assert_eq!(decode("a%3Ab%zz%"), "a:b%zz%");
        assert_eq!(decode("%FF"), "\u{FFFD}");
        assert_eq!(decode("%+1"), "%+1");
        assert_eq!(decode(&encode("ü:x y")), "ü:x y");
    }

    #[test]
    fn empty_scopes_page_text() {
        assert!(describe(EMPTY_SCOPES).starts_with("The resulting token contains no scopes"));
        assert_eq!(
            describe(LEGACY_INVALID_CLIENT_CREDENTIALS),
            describe(INVALID_CLIENT_CREDENTIALS)
        );
        assert_eq!(describe("nope"), "The request could not be processed.");
    }
}
