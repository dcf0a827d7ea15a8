//! `GET /oauth2/v1/authorize`: validates the request in Okta's order and opens a
//! transaction that the login (and consent) pages complete.

use super::aud::{self, AudParse, AudRules};
use super::faults::Fault;
use super::scopes::{self, ScopeError};
use super::store::{Asked, Prompt, Transaction};
use super::{Athenahealth, pages, param, responses};
use crate::emulators::engine::{Challenge, ChallengeFailure, opaque, read_challenge};
use crate::emulators::{ClientAuth, ClientRegistration, EmuRequest, EmuResponse, SignIn};
use crate::vendors::athenahealth;

const REDIRECT_URI_NOT_REGISTERED: &str =
    "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings.";
/// Okta's `error_description` for prompt=none without a session, as quoted by clients
/// that met it (Okta's error catalog, not the vendor catalog, words it).
const LOGIN_REQUIRED: &str = "The client specified not to prompt, but the user is not logged in.";
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

/// The challenge of an authorization request, or the error_description refusing it.
type Pkce = Result<Option<Challenge>, &'static str>;

impl Athenahealth {
    pub(super) fn authorize(&mut self, req: &EmuRequest) -> EmuResponse {
        let txn = match self.validate_authorize(req) {
            Ok(txn) => txn,
            Err(response) => return response,
        };
        if self.base.tenant.sign_in == SignIn::Script {
            return self.authorize_scripted(req, txn);
        }
        let prompt = txn.extra.prompt;
        let id = opaque();
        self.store.transactions.insert(id.clone(), txn);
        // A live login session skips the sign-in widget, unless prompt=login asks for it.
        match self.session_user(req).filter(|_| !prompt.login) {
            Some((username, auth_time)) => self.complete_login(&id, &username, auth_time),
            None if prompt.none => self.login_required(&id),
            None => pages::login_page(&id, false),
        }
    }

    /// prompt=none without a live session (OIDC Core §3.1.2.6): an error redirect
    /// instead of the sign-in widget; the transaction ends.
    pub(super) fn login_required(&mut self, txn_id: &str) -> EmuResponse {
        match self.store.transactions.remove(txn_id) {
            Some(txn) => responses::redirect_error(
                &txn.redirect_uri,
                "login_required",
                LOGIN_REQUIRED,
                txn.state.as_deref(),
            ),
            None => super::login::unknown_transaction(),
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
        let scopes =
            scopes::validate(get("scope"), client, |f| self.on(f)).map_err(|e| match e {
                ScopeError::NotConfigured => {
                    fail("invalid_scope", athenahealth::scopes_not_configured!())
                }
                ScopeError::PolicyDenied => fail("access_denied", athenahealth::policy_failed!()),
            })?;
        let challenge = self
            .checked_challenge(client, &query)
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
            extra: Asked {
                aud,
                prompt: Prompt::parse(get("prompt")),
            },
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
            Some(uri) if client.registers_redirect(uri) => Ok(uri),
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
    fn checked_challenge(&self, client: &ClientRegistration, query: &[(String, String)]) -> Pkce {
        let sent = param(query, "code_challenge");
        let method = param(query, "code_challenge_method");
        match read_challenge(sent, method, self.on(Fault::AllowPlainPkce)) {
            Ok(None) | Err(ChallengeFailure::MethodWithoutChallenge { supported: true }) => {
                self.no_challenge(client)
            }
            Ok(challenge) => Ok(challenge),
            Err(ChallengeFailure::Malformed) => Err(PKCE_ILLEGAL_CHALLENGE),
            Err(_) => Err(PKCE_METHOD_UNSUPPORTED),
        }
    }

    /// A public client must use PKCE; a confidential one may do without.
    fn no_challenge(&self, client: &ClientRegistration) -> Pkce {
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

    /// Errors redirected to the callback: `error` and `error_description`.
    const UNSUPPORTED: (&str, &str) = ("unsupported_response_type", RESPONSE_TYPE_UNSUPPORTED);
    const BAD_STATE: (&str, &str) = ("invalid_request", STATE_INVALID);
    const UNKNOWN_SCOPE: (&str, &str) = ("invalid_scope", SCOPE_NOT_CONFIGURED);
    const POLICY: (&str, &str) = ("access_denied", POLICY_DENIED);
    const BAD_METHOD: (&str, &str) = ("invalid_request", PKCE_METHOD_UNSUPPORTED);
    const ILLEGAL: (&str, &str) = ("invalid_request", PKCE_ILLEGAL_CHALLENGE);
    const NO_CHALLENGE: (&str, &str) = ("invalid_request", PKCE_CHALLENGE_REQUIRED);

    fn send(a: &Authz) -> EmuResponse {
        emulator(&[]).handle(ORIGIN, &a.request())
    }

    /// An authorize request with the public client's usual parameters, `name` sent raw.
    fn send_raw(name: &str, raw: &str) -> EmuResponse {
        let query = authz(PUBLIC).raw_query_without(name);
        let req = get_raw(AUTHORIZE_PATH, &format!("{query}&{name}={raw}"));
        emulator(&[]).handle(ORIGIN, &req)
    }

    fn page_says(case: &str, r: &EmuResponse, status: u16, code: &str, description: &str) {
        assert_eq!(r.status, status, "{case}: {}", text(r));
        assert!(r.header("location").is_none(), "{case}");
        let html = text(r);
        assert!(
            html.contains("Identity Provider: Unknown"),
            "{case}: {html}"
        );
        assert!(
            html.contains(&format!("Error Code: {code}")),
            "{case}: {html}"
        );
        let described = html.contains(&format!("Description: {description}"));
        assert!(described, "{case}: {html}");
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{case}");
    }

    #[test]
    fn unknown_client_gets_a_page() {
        let description = "Invalid value for 'client_id' parameter.";
        for (case, a) in [
            ("unknown client", authz("nobody")),
            ("no client_id", authz(PUBLIC).without("client_id")),
        ] {
            page_says(case, &send(&a), 400, "invalid_client", description);
        }
    }

    #[test]
    fn unregistered_redirect_uri_gets_a_page() {
        for (case, a) in [
            (
                "another host",
                authz(PUBLIC).set("redirect_uri", "https://evil.example/cb"),
            ),
            (
                "a trailing slash",
                authz(PUBLIC).set("redirect_uri", &format!("{CB}/")),
            ),
            ("no redirect_uri", authz(PUBLIC).without("redirect_uri")),
        ] {
            let r = send(&a);
            page_says(
                case,
                &r,
                400,
                "invalid_request",
                REDIRECT_URI_NOT_REGISTERED,
            );
        }
    }

    #[test]
    fn malformed_aud_is_a_500() {
        let double = "%257B%2522PRACTICEID%2522%253A%2522195900%2522%252C%2522COMMUNICATORBRANDID%2522%253A%25221%2522%257D";
        let r = send_raw("aud", double);
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
        let json_aud = r#"{"PRACTICEID":"195900","COMMUNICATORBRANDID":"1"}"#;
        let r = send(&authz(PUBLIC).set("aud", json_aud));
        assert_eq!(r.status, 200, "{}", text(&r));
    }

    #[test]
    fn response_type_state_scope_and_pkce_errors_are_redirected() {
        let a = || authz(PUBLIC);
        let mappings = format!("openid {MAPPINGS}");
        let illegal = format!("{}+", &CHALLENGE[..42]);
        let no_pkce = a()
            .without("code_challenge")
            .without("code_challenge_method");
        let cases = [
            (a().set("response_type", "token"), UNSUPPORTED),
            (a().without("state"), BAD_STATE),
            (a().set("state", "a b"), BAD_STATE),
            (a().set("scope", "open_id"), UNKNOWN_SCOPE),
            (a().set("scope", "openid;launch/patient"), UNKNOWN_SCOPE),
            (a().set("scope", "openid patient/*.read"), POLICY),
            (a().set("scope", &mappings), POLICY),
            (a().set("code_challenge_method", "plain"), BAD_METHOD),
            (a().without("code_challenge_method"), BAD_METHOD),
            (a().set("code_challenge", "short"), ILLEGAL),
            (a().set("code_challenge", &illegal), ILLEGAL),
            (no_pkce, NO_CHALLENGE),
        ];
        for (a, (error, description)) in cases {
            let case = a.request().raw_query.unwrap_or_default();
            let r = send(&a);
            assert_case_redirect_error(&case, &r, error, description);
            let state = location_params(&r).get("state").cloned();
            assert_eq!(state.as_deref(), a.param("state"), "{case}");
        }
    }

    #[test]
    fn semicolon_encoded_scopes_from_the_faq_are_refused() {
        for scope in [
            "openid%3Bathena%2Fuser%2FIdentity.PatientMappings.read",
            "openid%2520profile",
        ] {
            let r = send_raw("scope", scope);
            let (error, description) = UNKNOWN_SCOPE;
            assert_case_redirect_error(scope, &r, error, description);
        }
    }

    #[test]
    fn confidential_clients_may_skip_pkce() {
        for (case, a) in [
            ("without PKCE", authz(WEB)),
            ("with PKCE", authz(WEB).pkce()),
        ] {
            let r = send(&a);
            assert_eq!(r.status, 200, "{case}: {}", text(&r));
        }
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
