//! `GET /oauth2/v1/authorize`: validates the request in Okta's order and opens a
//! transaction that the login (and consent) pages complete.

use super::aud::{self, AudParse, AudRules};
use super::faults::Fault;
use super::scopes::{self, ScopeError};
use super::store::Transaction;
use super::{Athenahealth, pages, param, responses};
use crate::emulators::engine::{Challenge, ChallengeFailure, opaque, read_challenge};
use crate::emulators::{ClientAuth, ClientRegistration, EmuRequest, EmuResponse};

const REDIRECT_URI_NOT_REGISTERED: &str =
    "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings.";
const PKCE_METHOD_UNSUPPORTED: &str =
    "PKCE code challenge method is not supported. Valid values: [S256]";
const PKCE_ILLEGAL_CHALLENGE: &str = "PKCE code challenge contains illegal characters.";
const PKCE_CHALLENGE_REQUIRED: &str = "PKCE code challenge is required by the application.";
const PKCE_CHALLENGE_REQUIRED_LEGACY: &str =
    "PKCE code challenge is required when the token endpoint authentication method is 'NONE'.";

/// Okta allows only these characters in `state`.
fn state_is_valid(state: &str) -> bool {
    !state.is_empty()
        && state
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ',' | '.' | '_' | '-'))
}

impl Athenahealth {
    pub(super) fn authorize(&mut self, req: &EmuRequest) -> EmuResponse {
        let txn = match self.validate_authorize(req) {
            Ok(txn) => txn,
            Err(response) => return response,
        };
        let id = opaque();
        self.store.transactions.insert(id.clone(), txn);
        // A live login session skips the sign-in widget.
        match self.session_user(req) {
            Some((username, auth_time)) => self.complete_login(&id, &username, auth_time),
            None => pages::login_page(&id, false),
        }
    }

    fn validate_authorize(&self, req: &EmuRequest) -> Result<Transaction, EmuResponse> {
        let query = req.query();
        let get = |name: &str| param(&query, name);

        // Without a known client and a registered redirect_uri there is nowhere safe to
        // send an error, so Okta shows a page instead.
        let client = get("client_id")
            .and_then(|id| self.base.client(id))
            .ok_or_else(|| {
                pages::error_page(
                    400,
                    "invalid_client",
                    "Invalid value for 'client_id' parameter.",
                )
            })?;
        let redirect_uri = self.registered_redirect_uri(client, get("redirect_uri"))?;

        let rules = AudRules {
            lenient: self.on(Fault::LenientAud),
            reject_json: self.on(Fault::RejectJsonAud),
            reject_url: self.on(Fault::RejectFhirUrlAud),
        };
        let aud = match aud::parse(get("aud"), rules) {
            AudParse::Absent => None,
            AudParse::Valid(aud) => Some(aud),
            AudParse::Malformed => {
                return Err(pages::workflow_error(self.on(Fault::WorkflowError200)));
            }
        };

        let sent_state = get("state");
        let fail = |error: &str, description: &str| {
            responses::redirect_error(redirect_uri, error, description, sent_state)
        };
        if get("response_type") != Some("code") {
            return Err(fail(
                "unsupported_response_type",
                "The response type is not supported by the authorization server. Configured response types: [code].",
            ));
        }
        let state = sent_state.filter(|s| state_is_valid(s)).ok_or_else(|| {
            fail(
                "invalid_request",
                "The authentication request has an invalid 'state' parameter.",
            )
        })?;
        let scopes = scopes::validate(get("scope"), client, |f| self.on(f)).map_err(|e| match e {
            ScopeError::NotConfigured => fail(
                "invalid_scope",
                "One or more scopes are not configured for the authorization server resource.",
            ),
            ScopeError::PolicyDenied => fail(
                "access_denied",
                "Policy evaluation failed for this request, please check the policy configurations.",
            ),
        })?;
        let challenge = self
            .checked_challenge(client, get("code_challenge"), get("code_challenge_method"))
            .map_err(|description| fail("invalid_request", description))?;

        Ok(Transaction {
            client_id: client.client_id.clone(),
            redirect_uri: redirect_uri.to_string(),
            redirect_uri_sent: true,
            state: Some(state.to_string()),
            nonce: get("nonce").map(str::to_string),
            scopes,
            challenge,
            login: None,
            extra: aud,
        })
    }

    /// The redirect_uri if it is exactly one the client registered; otherwise Okta's
    /// error page (or, under a fault, an error redirect to the unregistered URI).
    fn registered_redirect_uri<'a>(
        &self,
        client: &ClientRegistration,
        sent: Option<&'a str>,
    ) -> Result<&'a str, EmuResponse> {
        match sent {
            Some(uri) if client.redirect_uris.iter().any(|r| r == uri) => Ok(uri),
            Some(uri) if self.on(Fault::RedirectErrorsToUnregisteredUri) => {
                Err(responses::redirect_error(
                    uri,
                    "invalid_request",
                    REDIRECT_URI_NOT_REGISTERED,
                    None,
                ))
            }
            _ => Err(pages::error_page(
                400,
                "invalid_request",
                REDIRECT_URI_NOT_REGISTERED,
            )),
        }
    }

    /// Validates the PKCE parameters; `Err` is the `error_description`.
    fn checked_challenge(
        &self,
        client: &ClientRegistration,
        challenge: Option<&str>,
        method: Option<&str>,
    ) -> Result<Option<Challenge>, &'static str> {
        match read_challenge(challenge, method, self.on(Fault::AllowPlainPkce)) {
            Ok(None) | Err(ChallengeFailure::MethodWithoutChallenge { supported: true }) => {
                self.no_challenge(client)
            }
            Ok(challenge) => Ok(challenge),
            Err(ChallengeFailure::Malformed) => Err(PKCE_ILLEGAL_CHALLENGE),
            Err(_) => Err(PKCE_METHOD_UNSUPPORTED),
        }
    }

    /// A public client must use PKCE; a confidential one may do without.
    fn no_challenge(&self, client: &ClientRegistration) -> Result<Option<Challenge>, &'static str> {
        if client.auth != ClientAuth::None || self.on(Fault::PkceOptionalForPublicClients) {
            Ok(None)
        } else if self.on(Fault::LegacyOktaWording) {
            Err(PKCE_CHALLENGE_REQUIRED_LEGACY)
        } else {
            Err(PKCE_CHALLENGE_REQUIRED)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::emulators::Emulator;

    fn send(a: &Authz) -> EmuResponse {
        emulator(&[]).handle(ORIGIN, &a.request())
    }

    fn page_says(r: &EmuResponse, status: u16, code: &str, description: &str) {
        assert_eq!(r.status, status, "{}", text(r));
        assert!(r.header("location").is_none());
        let html = text(r);
        assert!(html.contains("Identity Provider: Unknown"), "{html}");
        assert!(html.contains(&format!("Error Code: {code}")), "{html}");
        assert!(
            html.contains(&format!("Description: {description}")),
            "{html}"
        );
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
    }

    #[test]
    fn unknown_client_gets_a_page() {
        page_says(
            &send(&authz("nobody")),
            400,
            "invalid_client",
            "Invalid value for 'client_id' parameter.",
        );
        page_says(
            &send(&authz(PUBLIC).without("client_id")),
            400,
            "invalid_client",
            "Invalid value for 'client_id' parameter.",
        );
    }

    #[test]
    fn unregistered_redirect_uri_gets_a_page() {
        for a in [
            authz(PUBLIC).set("redirect_uri", "https://evil.example/cb"),
            authz(PUBLIC).set("redirect_uri", "https://app.example/cb/"),
            authz(PUBLIC).without("redirect_uri"),
        ] {
            page_says(
                &send(&a),
                400,
                "invalid_request",
                REDIRECT_URI_NOT_REGISTERED,
            );
        }
    }

    #[test]
    fn malformed_aud_is_a_500() {
        let double = "%257B%2522PRACTICEID%2522%253A%2522195900%2522%252C%2522COMMUNICATORBRANDID%2522%253A%25221%2522%257D";
        let raw = authz(PUBLIC)
            .without("aud")
            .request()
            .raw_query
            .unwrap_or_default();
        let r = emulator(&[]).handle(
            ORIGIN,
            &get_raw("/oauth2/v1/authorize", &format!("{raw}&aud={double}")),
        );
        assert_eq!(r.status, 500);
        assert!(text(&r).contains("error in workflowHandler"));
        assert!(r.header("location").is_none());
        for bad in [
            r#"{"PRACTICEID":"195900"}"#,
            "195900",
            "https://x.example/fhir",
        ] {
            let r = send(&authz(PUBLIC).set("aud", bad));
            assert_eq!(r.status, 500, "{bad}");
        }
        // The JSON form, singly encoded, is fine.
        let r = send(&authz(PUBLIC).set(
            "aud",
            r#"{"PRACTICEID":"195900","COMMUNICATORBRANDID":"1"}"#,
        ));
        assert_eq!(r.status, 200, "{}", text(&r));
    }

    #[test]
    fn response_type_state_scope_and_pkce_errors_are_redirected() {
        let cases = [
            (
                authz(PUBLIC).set("response_type", "token"),
                "unsupported_response_type",
                "The response type is not supported by the authorization server. Configured response types: [code].",
            ),
            (
                authz(PUBLIC).without("state"),
                "invalid_request",
                "The authentication request has an invalid 'state' parameter.",
            ),
            (
                authz(PUBLIC).set("state", "a b"),
                "invalid_request",
                "The authentication request has an invalid 'state' parameter.",
            ),
            (
                authz(PUBLIC).set("scope", "open_id"),
                "invalid_scope",
                "One or more scopes are not configured for the authorization server resource.",
            ),
            (
                authz(PUBLIC).set("scope", "openid;launch/patient"),
                "invalid_scope",
                "One or more scopes are not configured for the authorization server resource.",
            ),
            (
                authz(PUBLIC).set("scope", "openid patient/*.read"),
                "access_denied",
                "Policy evaluation failed for this request, please check the policy configurations.",
            ),
            (
                authz(PUBLIC).set("scope", &format!("openid {MAPPINGS}")),
                "access_denied",
                "Policy evaluation failed for this request, please check the policy configurations.",
            ),
            (
                authz(PUBLIC).set("code_challenge_method", "plain"),
                "invalid_request",
                PKCE_METHOD_UNSUPPORTED,
            ),
            (
                authz(PUBLIC).without("code_challenge_method"),
                "invalid_request",
                PKCE_METHOD_UNSUPPORTED,
            ),
            (
                authz(PUBLIC).set("code_challenge", "short"),
                "invalid_request",
                PKCE_ILLEGAL_CHALLENGE,
            ),
            (
                authz(PUBLIC).set("code_challenge", &format!("{}+", &CHALLENGE[..42])),
                "invalid_request",
                PKCE_ILLEGAL_CHALLENGE,
            ),
            (
                authz(PUBLIC)
                    .without("code_challenge")
                    .without("code_challenge_method"),
                "invalid_request",
                PKCE_CHALLENGE_REQUIRED,
            ),
        ];
        for (a, error, description) in cases {
            let r = send(&a);
            assert_redirect_error(&r, error, description);
            let state = location_params(&r).get("state").cloned();
            assert_eq!(state.as_deref(), a.param("state"));
        }
    }

    #[test]
    fn semicolon_encoded_scopes_from_the_faq_are_refused() {
        let raw = authz(PUBLIC)
            .without("scope")
            .request()
            .raw_query
            .unwrap_or_default();
        let query = format!("{raw}&scope=openid%3Bathena%2Fuser%2FIdentity.PatientMappings.read");
        let r = emulator(&[]).handle(ORIGIN, &get_raw("/oauth2/v1/authorize", &query));
        assert_redirect_error(
            &r,
            "invalid_scope",
            "One or more scopes are not configured for the authorization server resource.",
        );
        let query = format!("{raw}&scope=openid%2520profile");
        let r = emulator(&[]).handle(ORIGIN, &get_raw("/oauth2/v1/authorize", &query));
        assert_redirect_error(
            &r,
            "invalid_scope",
            "One or more scopes are not configured for the authorization server resource.",
        );
    }

    #[test]
    fn confidential_clients_may_skip_pkce() {
        let r = send(&authz(WEB));
        assert_eq!(r.status, 200, "{}", text(&r));
        let r = send(
            &authz(WEB)
                .set("code_challenge", CHALLENGE)
                .set("code_challenge_method", "S256"),
        );
        assert_eq!(r.status, 200, "{}", text(&r));
    }

    #[test]
    fn state_charset() {
        assert!(state_is_valid("abc,DEF.123_-"));
        assert!(!state_is_valid(""));
        assert!(!state_is_valid("a b"));
        assert!(!state_is_valid("a/b"));
        assert!(!state_is_valid("é"));
    }
}
