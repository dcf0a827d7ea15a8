//! `GET …/smart-v1/personas/{persona}/authorize`: validates the request and opens a
//! transaction that the sign-in page completes. Errors go back to a trusted redirect URI
//! with an `error_uri`; an unknown client or redirect URI gets a page instead.

use url::Url;

use super::faults::Fault;
use super::responses::{self, AuthorizeError, RedirectTarget};
use super::scopes::{self, Flow};
use super::store::{Persona, Transaction};
use super::{OracleHealth, ids, param, urn};
use crate::emulators::engine::{Challenge, ChallengeFailure, read_challenge};
use crate::emulators::{ClientRegistration, EmuRequest, EmuResponse};

fn invalid_request(urn: &'static str) -> AuthorizeError {
    AuthorizeError {
        error: "invalid_request",
        urn,
    }
}

/// What a valid request asks for.
struct Accepted {
    scopes: Vec<String>,
    challenge: Option<Challenge>,
}

/// A registered URI matches itself; extra query parameters on the sent one are allowed,
/// but the rest must be identical (trailing slash included).
fn is_registered(client: &ClientRegistration, sent: &str) -> bool {
    let base = sent.split_once('?').map_or(sent, |(b, _)| b);
    client.registers_redirect(sent) || client.registers_redirect(base)
}

impl OracleHealth {
    pub(super) fn authorize(
        &mut self,
        origin: &str,
        tenant_segment: &str,
        persona: &str,
        req: &EmuRequest,
    ) -> EmuResponse {
        let Some(persona) = Persona::parse(persona) else {
            return responses::not_found();
        };
        let tenant = urn::decode(tenant_segment);
        let query = req.query();
        let client = param(&query, "client_id")
            .and_then(|id| self.base.client(id))
            .cloned();
        let Some(client) = client else {
            return self.untrusted_authorize_error(
                origin,
                persona.as_str(),
                None,
                &tenant,
                urn::UNKNOWN_CLIENT,
            );
        };
        let sent_redirect = param(&query, "redirect_uri");
        let target = match redirect_target(&client, sent_redirect) {
            Ok(target) => target,
            // Faulty: trusts whatever absolute URI was sent (CER-20 broken).
            Err(_)
                if self.on(Fault::RedirectErrorsToUnregisteredUri)
                    && sent_redirect.is_some_and(|u| Url::parse(u).is_ok()) =>
            {
                sent_redirect.unwrap_or_default().to_string()
            }
            Err(urn) => {
                return self.untrusted_authorize_error(
                    origin,
                    persona.as_str(),
                    Some(&client.client_id),
                    &tenant,
                    urn,
                );
            }
        };
        let state = param(&query, "state").filter(|s| !s.is_empty());
        let accepted = match self.validate_authorize(origin, &tenant, &client, &query) {
            Ok(accepted) => accepted,
            Err(e) => {
                let to = RedirectTarget {
                    redirect_uri: &target,
                    state,
                    persona: persona.as_str(),
                    client: &client.client_id,
                    tenant: &tenant,
                };
                return self.authorize_error(origin, &to, &e);
            }
        };
        let txn = ids::opaque();
        self.store.transactions.insert(
            txn.clone(),
            Transaction {
                client_id: client.client_id.clone(),
                redirect_uri: target,
                redirect_uri_sent: sent_redirect.is_some(),
                state: state.map(str::to_string),
                nonce: param(&query, "nonce").map(str::to_string),
                scopes: accepted.scopes,
                challenge: accepted.challenge,
                login: None,
                extra: persona,
            },
        );
        self.sign_in_page(&txn, false)
    }

    /// The checks whose failures are redirected, in order.
    fn validate_authorize(
        &self,
        origin: &str,
        tenant: &str,
        client: &ClientRegistration,
        query: &[(String, String)],
    ) -> Result<Accepted, AuthorizeError> {
        if tenant != self.base.tenant.tenant_id {
            return Err(invalid_request(urn::UNKNOWN_TENANT));
        }
        if param(query, "response_type") != Some("code") {
            return Err(AuthorizeError {
                error: "unsupported_response_type",
                urn: urn::UNSUPPORTED_RESPONSE_TYPE,
            });
        }
        let fhir_base = format!("{origin}{}", self.base.tenant.fhir_base_path);
        match param(query, "aud") {
            None if !self.on(Fault::AudNotRequired) => {
                return Err(invalid_request(urn::AUDIENCE_REQUIRED));
            }
            Some(aud) if aud != fhir_base => {
                return Err(invalid_request(urn::AUDIENCE_NOT_WHITE_LISTED));
            }
            _ => {}
        }
        let requested = scopes::split(param(query, "scope").unwrap_or(""));
        let has_launch = param(query, "launch").is_some_and(|l| !l.is_empty());
        if requested.iter().any(|s| s == "launch") && !has_launch {
            return Err(invalid_request(urn::LAUNCH_CODE_REQUIRED));
        }
        let challenge = challenge(query)?;
        let narrowed = scopes::narrow(
            &requested,
            &client.permitted_scopes,
            Flow::User,
            self.on(Fault::GrantWildcardScopes),
        );
        let partial_refused = narrowed.dropped > 0 && self.on(Fault::FailOnPartialScopes);
        if narrowed.granted.is_empty() || partial_refused {
            return Err(AuthorizeError {
                error: "access_denied",
                urn: urn::DENIED_BY_SERVER,
            });
        }
        Ok(Accepted {
            scopes: narrowed.granted,
            challenge,
        })
    }
}

/// Where the code (or a trusted error) goes: the sent URI if registered, else the only
/// registered one when none was sent. Errs with the URN for the error page.
fn redirect_target(
    client: &ClientRegistration,
    sent: Option<&str>,
) -> Result<String, &'static str> {
    match sent {
        None => match client.redirect_uris.as_slice() {
            [only] => Ok(only.clone()),
            _ => Err(urn::GRANT_INVALID_REDIRECT_URI),
        },
        Some(uri) if Url::parse(uri).is_err() => Err(urn::REDIRECT_URI_NOT_ABSOLUTE),
        Some(uri) if is_registered(client, uri) => Ok(uri.to_string()),
        Some(_) => Err(urn::REDIRECT_URI_NOT_REGISTERED),
    }
}

/// An S256 challenge, if one was sent. Other methods (and the RFC's implied `plain`)
/// are refused.
fn challenge(query: &[(String, String)]) -> Result<Option<Challenge>, AuthorizeError> {
    let sent = param(query, "code_challenge");
    match read_challenge(sent, param(query, "code_challenge_method"), false) {
        Ok(challenge) => Ok(challenge),
        Err(ChallengeFailure::MethodWithoutChallenge { .. }) => Ok(None),
        Err(_) => Err(invalid_request(urn::GRANT_INVALID_REQUEST)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::emulators::Emulator;

    #[test]
    fn untrusted_clients_and_redirects_get_a_page() {
        let mut emu = emulator(&[]);
        let cases = [
            (
                authz(PROVIDER).set("client_id", "nobody"),
                "oauth2:grant:unknown-client",
                "unknown",
            ),
            (
                authz(PROVIDER).without("client_id"),
                "oauth2:grant:unknown-client",
                "unknown",
            ),
            (
                authz(PROVIDER).set("redirect_uri", "https://attacker.example/callback"),
                "oauth2:grant:redirect-uri-not-registered",
                PROVIDER,
            ),
            (
                authz(PROVIDER).set("redirect_uri", &format!("{CB}/")),
                "oauth2:grant:redirect-uri-not-registered",
                PROVIDER,
            ),
            (
                authz(PROVIDER).set("redirect_uri", "/callback"),
                "oauth2:grant:redirect-uri-not-absolute",
                PROVIDER,
            ),
            (
                authz(PROVIDER).without("redirect_uri"),
                "oauth2:grant:invalid-redirect-uri",
                PROVIDER,
            ),
        ];
        for (a, urn, client) in cases {
            let r = emu.handle(ORIGIN, &a.request());
            assert_eq!(r.status, 400, "{urn}");
            assert!(r.header("location").is_none());
            let html = text(&r);
            assert!(html.contains(urn), "{html}");
            assert!(html.contains(&format!("client={client}")), "{html}");
            assert!(!html.contains("<form"));
        }
    }

    #[test]
    fn trusted_errors_are_redirected_with_an_encoded_error_uri() {
        let mut emu = emulator(&[]);
        let r = emu.handle(ORIGIN, &authz(PROVIDER).without("aud").request());
        assert_eq!(r.status, 302);
        let location = r.header("location").unwrap_or_default().to_string();
        assert!(
            location.starts_with(&format!("{CB}?error=invalid_request&error_uri=")),
            "{location}"
        );
        assert!(location.ends_with(&format!("&state={STATE}")), "{location}");
        assert!(
            location.contains("urn%253Acerner%253Aerror%253Aauthorization-server%253Asmart-v1%253Agrant%253Alaunch%253Aaudience-required"),
            "{location}"
        );
        let e = redirect_error_uri(&r);
        assert_eq!(
            e.urn,
            "urn:cerner:error:authorization-server:smart-v1:grant:launch:audience-required"
        );
        assert_eq!(e.persona.as_deref(), Some("provider"));
        assert_eq!(e.client.as_deref(), Some(PROVIDER));
        assert_eq!(e.tenant.as_deref(), Some(TENANT));
        assert_eq!(e.instance.as_deref(), r.header("cerner-correlation-id"));
        let decoded = location_params(&r)
            .get("error_uri")
            .cloned()
            .unwrap_or_default();
        assert!(decoded.ends_with(&format!(
            "?persona=provider&client={PROVIDER}&tenant={TENANT}"
        )));
    }

    #[test]
    fn redirected_error_causes() {
        let mut emu = emulator(&[]);
        let other_tenant = authz(PROVIDER).request();
        let other_tenant = crate::emulators::EmuRequest {
            path: authorize_path(SEED_TENANT, "provider"),
            ..other_tenant
        };
        let cases = [
            (
                other_tenant,
                "invalid_request",
                "oauth2:grant:unknown-tenant",
            ),
            (
                authz(PROVIDER)
                    .set("aud", "https://fhir.example.test/r4/someone-else")
                    .request(),
                "invalid_request",
                "smart-v1:grant:launch:audience-not-white-listed",
            ),
            (
                authz(PROVIDER).set("aud", &format!("{AUD}/")).request(),
                "invalid_request",
                "smart-v1:grant:launch:audience-not-white-listed",
            ),
            (
                authz(PROVIDER).set("response_type", "token").request(),
                "unsupported_response_type",
                "oauth2:grant:unsupported-response-type",
            ),
            (
                authz(PROVIDER)
                    .set(
                        "scope",
                        "user/Immunization.read patient/*.read system/Patient.read",
                    )
                    .request(),
                "access_denied",
                "oauth2:grant:denied-by-server",
            ),
            (
                authz(PROVIDER).set("scope", "launch openid").request(),
                "invalid_request",
                "smart-v1:grant:launch:launch-code-required",
            ),
            (
                authz(PROVIDER)
                    .set("code_challenge", CHALLENGE)
                    .set("code_challenge_method", "plain")
                    .request(),
                "invalid_request",
                "oauth2:grant:invalid-request",
            ),
            (
                authz(PROVIDER)
                    .set("code_challenge", "short")
                    .set("code_challenge_method", "S256")
                    .request(),
                "invalid_request",
                "oauth2:grant:invalid-request",
            ),
        ];
        for (req, error, urn) in cases {
            let r = emu.handle(ORIGIN, &req);
            assert_eq!(r.status, 302, "{urn}: {}", text(&r));
            let params = location_params(&r);
            assert_eq!(
                params.get("error").map(String::as_str),
                Some(error),
                "{urn}"
            );
            assert_eq!(params.get("state").map(String::as_str), Some(STATE));
            assert!(!params.contains_key("error_description"));
            assert_eq!(redirect_error_uri(&r).short(), urn);
        }
        // An unknown tenant is echoed as sent.
        let req = crate::emulators::EmuRequest {
            path: authorize_path(SEED_TENANT, "provider"),
            ..authz(PROVIDER).request()
        };
        let e = redirect_error_uri(&emu.handle(ORIGIN, &req));
        assert_eq!(e.tenant.as_deref(), Some(SEED_TENANT));
        // No state, no state parameter.
        let r = emu.handle(
            ORIGIN,
            &authz(PROVIDER).without("state").without("aud").request(),
        );
        assert!(!location_params(&r).contains_key("state"));
    }

    #[test]
    fn valid_requests_get_the_sign_in_form() {
        let mut emu = emulator(&[]);
        let with_query = authz(PROVIDER).set("redirect_uri", &format!("{CB}?x=1"));
        let requests = [
            authz(PROVIDER),
            with_query,
            authz(PROVIDER)
                .set("scope", "launch openid")
                .set("launch", "abc"),
            authz(PUBLIC),
            authz(PUBLIC).without("redirect_uri"),
        ];
        for a in requests {
            let r = emu.handle(ORIGIN, &a.request());
            assert_eq!(r.status, 200, "{}", text(&r));
            let html = text(&r);
            assert!(html.contains(&format!(
                "<form method=\"post\" action=\"/tenants/{TENANT}/login/"
            )));
            assert!(html.contains("name=\"username\"") && html.contains("name=\"password\""));
        }
        let r = emu.handle(ORIGIN, &get(&authorize_path(TENANT, "system"), &[]));
        assert_eq!(r.status, 404);
    }
}
