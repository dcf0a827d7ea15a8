//! `GET /authorize` (RFC 6749 §4.1.1, OIDC Core §3.1.2, SMART App Launch v2): checks
//! the request and opens a transaction that the login and consent pages complete.
//! Without a known client and a registered redirect URI there is nowhere safe to send
//! an error, so those get a page; every later error is redirected to the client.

use super::redirect_uri::Mode;
use super::responses::{Params, printable};
use super::scopes::{self, Kind};
use super::store::{Asked, Transaction};
use super::{Fault, Reference, pages};
use crate::emulators::engine::{Challenge, ChallengeFailure, opaque, read_challenge};
use crate::emulators::{ClientAuth, ClientRegistration, EmuRequest, EmuResponse};

const UNREGISTERED_REDIRECT_URI: &str = "The redirect_uri is not registered for this client.";

/// The challenge of an authorization request, or the error_description refusing it.
type Pkce = Result<Option<Challenge>, &'static str>;

impl Reference {
    pub(super) fn authorize(&mut self, origin: &str, req: &EmuRequest) -> EmuResponse {
        match self.validate_authorize(origin, req) {
            Ok(txn) => {
                let client_id = txn.client_id.clone();
                let id = opaque();
                self.store.transactions.insert(id.clone(), txn);
                self.page(200, pages::login_body(&id, &client_id, false))
            }
            Err(response) => response,
        }
    }

    fn validate_authorize(
        &self,
        origin: &str,
        req: &EmuRequest,
    ) -> Result<Transaction, EmuResponse> {
        let p = Params::new(req.query());
        let client = p
            .get("client_id")
            .filter(|_| !p.is_repeated("client_id"))
            .and_then(|id| self.base.client(id))
            .ok_or_else(|| {
                self.error_page(
                    400,
                    "invalid_request",
                    "The client_id is missing or unknown.",
                )
            })?;
        let (redirect_uri, redirect_uri_sent) = self.resolve_redirect_uri(origin, client, &p)?;

        let state = p.get("state");
        let response_type = p.get("response_type");
        // Response types that return tokens default to the fragment (OAuth 2.0 Multiple
        // Response Type Encoding Practices §5), so their errors go there too.
        let mode = if response_type.is_some_and(|t| t.contains("token")) {
            Mode::Fragment
        } else {
            Mode::Query
        };
        let fail = |error: &str, description: &str| {
            self.authorization_error(origin, &redirect_uri, mode, error, description, state)
        };

        if let Some(name) = p.repeated() {
            let description = format!(
                "The parameter {} is included more than once.",
                printable(name)
            );
            return Err(fail("invalid_request", &description));
        }
        let implicit = match response_type {
            None => {
                return Err(fail(
                    "invalid_request",
                    "The response_type parameter is missing.",
                ));
            }
            Some("code") => false,
            Some("token") if self.on(Fault::ImplicitGrantOffered) => true,
            Some(_) => {
                return Err(fail(
                    "unsupported_response_type",
                    "Only the code response type is supported.",
                ));
            }
        };
        if !implicit && !self.client_has_grant(client, "authorization_code") {
            return Err(fail(
                "unauthorized_client",
                "The client is not registered for the authorization code grant.",
            ));
        }
        if p.get("request").is_some() {
            return Err(fail(
                "request_not_supported",
                "Request objects are not supported.",
            ));
        }
        if p.get("request_uri").is_some() {
            return Err(fail(
                "request_uri_not_supported",
                "request_uri is not supported.",
            ));
        }
        if !implicit && p.get("response_mode").is_some_and(|m| m != "query") {
            return Err(fail(
                "invalid_request",
                "Only the query response mode is supported.",
            ));
        }
        // Nobody is signed in before this request, so it cannot complete silently.
        if p.get("prompt")
            .is_some_and(|v| v.split(' ').any(|x| x == "none"))
        {
            return Err(fail("login_required", "The user must sign in."));
        }
        let (requested, kept) = self
            .authorize_scopes(p.get("scope"))
            .map_err(|description| fail("invalid_scope", description))?;
        let fhir_base = format!("{origin}{}", self.base.tenant.fhir_base_path);
        if p.get("aud").is_some_and(|aud| aud != fhir_base) {
            return Err(fail(
                "invalid_request",
                "The aud parameter is not the FHIR base URL of this server.",
            ));
        }
        let challenge = if implicit {
            None
        } else {
            self.checked_challenge(client, &p)
                .map_err(|description| fail("invalid_request", description))?
        };

        Ok(Transaction {
            client_id: client.client_id.clone(),
            redirect_uri,
            redirect_uri_sent,
            state: state.map(str::to_string),
            nonce: p.get("nonce").map(str::to_string),
            scopes: kept,
            challenge,
            login: None,
            extra: Asked {
                requested,
                implicit,
            },
        })
    }

    /// The redirect URI to use and whether the request named it; otherwise the error
    /// page (or, under a fault, an error redirect to the unregistered URI).
    fn resolve_redirect_uri(
        &self,
        origin: &str,
        client: &ClientRegistration,
        p: &Params,
    ) -> Result<(String, bool), EmuResponse> {
        if p.is_repeated("redirect_uri") {
            return Err(self.error_page(
                400,
                "invalid_request",
                "The redirect_uri is included more than once.",
            ));
        }
        match p.get("redirect_uri") {
            Some(uri) if self.redirect_uri_matches(client, uri) => Ok((uri.to_string(), true)),
            Some(uri) if self.on(Fault::RedirectErrorsToUnregisteredUri) => Err(self
                .authorization_error(
                    origin,
                    uri,
                    Mode::Query,
                    "invalid_request",
                    UNREGISTERED_REDIRECT_URI,
                    p.get("state"),
                )),
            Some(_) => Err(self.error_page(400, "invalid_request", UNREGISTERED_REDIRECT_URI)),
            // RFC 6749 §3.1.2.3: it may be left out only when exactly one is registered.
            None => match client.redirect_uris.as_slice() {
                [only] => Ok((only.clone(), false)),
                _ => Err(self.error_page(
                    400,
                    "invalid_request",
                    "The redirect_uri is required: the client has several registered.",
                )),
            },
        }
    }

    /// The requested scopes and the known ones among them. Unknown scopes are dropped
    /// (RFC 6749 §3.3 lets the server ignore them; the token response then says what
    /// was granted); nothing known left is `invalid_scope`.
    fn authorize_scopes(
        &self,
        value: Option<&str>,
    ) -> Result<(Vec<String>, Vec<String>), &'static str> {
        let requested = scopes::split(value.unwrap_or(""));
        if requested.is_empty() {
            return Err("The scope parameter is missing.");
        }
        for scope in &requested {
            match scopes::kind(scope) {
                Kind::SmartV2 if self.on(Fault::SmartV2ScopesRefused) => {
                    return Err("SMART v2 scopes are not supported.");
                }
                Kind::SmartV1 if self.on(Fault::SmartV1ScopesRefused) => {
                    return Err("SMART v1 scopes are not supported.");
                }
                _ => {}
            }
        }
        let kept: Vec<String> = requested
            .iter()
            .filter(|s| match scopes::kind(s) {
                Kind::Unknown => false,
                Kind::SmartV2 => !self.on(Fault::SmartV2ScopesDropped),
                _ => true,
            })
            .cloned()
            .collect();
        if kept.is_empty() {
            return Err("None of the requested scopes is known to this server.");
        }
        Ok((requested, kept))
    }

    /// PKCE (RFC 7636 §4.3, RFC 9700 §2.1.1, SMART-06): S256 only; required of public
    /// clients, optional for confidential ones. `Err` is the error_description.
    fn checked_challenge(&self, client: &ClientRegistration, p: &Params) -> Pkce {
        let plain_allowed = self.on(Fault::AllowPlainPkce);
        let method = p.get("code_challenge_method");
        match read_challenge(p.get("code_challenge"), method, plain_allowed) {
            Ok(None)
                if client.auth == ClientAuth::None
                    && !self.on(Fault::PkceOptionalForPublicClients) =>
            {
                Err("A public client must send a PKCE code_challenge.")
            }
            Ok(challenge) => Ok(challenge),
            Err(ChallengeFailure::MethodWithoutChallenge { .. }) => {
                Err("code_challenge_method was sent without a code_challenge.")
            }
            Err(ChallengeFailure::MethodMissing) => Err(
                "The code_challenge_method is missing and the default plain method is not supported; use S256.",
            ),
            Err(ChallengeFailure::MethodUnsupported) => {
                Err("Only the S256 code_challenge_method is supported.")
            }
            Err(ChallengeFailure::Malformed) => {
                Err("The code_challenge is not 43 base64url characters.")
            }
        }
    }
}
