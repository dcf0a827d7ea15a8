//! Client authentication at /token, /introspect and /revoke, with Okta's error variants.

use super::faults::Fault;
use super::{Athenahealth, param, responses};
use crate::emulators::{ClientAuth, ClientRegistration, EmuRequest, EmuResponse};
use crate::vendors::athenahealth;

use crate::oauth::token::parse_basic;

fn is_basic(header: &str) -> bool {
    header
        .trim()
        .get(..6)
        .is_some_and(|s| s.eq_ignore_ascii_case("basic "))
}

/// OKT-11 c., Okta's generic `invalid_client` wording.
const AUTHENTICATION_FAILED: &str =
    "Client authentication failed. Either the client or the client credentials are invalid.";

/// Whether a secret sent in the Authorization header (`in_header`) or in the body is
/// the transport the client registered (RFC 6749 §2.3.1; Okta's
/// `token_endpoint_auth_method`). A secret from a public client fails later, as any
/// secret it sends does. Answering a mismatch with OKT-11 c.'s generic wording is an
/// assumption: the catalog quotes no string for it.
fn method_matches(registered: &ClientAuth, in_header: bool) -> bool {
    match registered {
        ClientAuth::ClientSecretBasic => in_header,
        ClientAuth::ClientSecretPost => !in_header,
        ClientAuth::None | ClientAuth::PrivateKeyJwt => true,
    }
}

fn invalid_client(description: &str) -> EmuResponse {
    responses::oauth_error(401, "invalid_client", description)
}

impl Athenahealth {
    /// The calling client, or the 401 to answer with.
    pub(super) fn authenticate_client(
        &self,
        req: &EmuRequest,
        form: &[(String, String)],
    ) -> Result<ClientRegistration, EmuResponse> {
        let form_secret = param(form, "client_secret");
        let in_header = req.header("authorization").is_some();
        let (client_id, secret) = match req.header("authorization") {
            Some(header) if is_basic(header) && form_secret.is_some() => {
                return Err(responses::oauth_error(
                    401,
                    "invalid_request",
                    "Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body.",
                ));
            }
            Some(header) => {
                let (id, secret) = parse_basic(header)
                    .ok_or_else(|| invalid_client(athenahealth::not_client_credentials!()))?;
                (Some(id), Some(secret))
            }
            None => (
                param(form, "client_id").map(str::to_string),
                form_secret.map(str::to_string),
            ),
        };
        let client = client_id
            .as_deref()
            .and_then(|id| self.base.client(id))
            .ok_or_else(|| {
                responses::okta_api_error(
                    401,
                    "invalid_client",
                    "Invalid value for 'client_id' parameter.",
                )
            })?;
        let secret = secret.filter(|s| !s.is_empty());
        if secret.is_some() && !method_matches(&client.auth, in_header) {
            return Err(invalid_client(AUTHENTICATION_FAILED));
        }
        self.check_secret(client, secret.as_deref())?;
        Ok(client.clone())
    }

    fn check_secret(
        &self,
        client: &ClientRegistration,
        secret: Option<&str>,
    ) -> Result<(), EmuResponse> {
        if client.auth == ClientAuth::None {
            // A public client has no secret to present; presenting one is a mistake.
            return match secret {
                None => Ok(()),
                Some(_) => Err(invalid_client(AUTHENTICATION_FAILED)),
            };
        }
        match secret {
            None if self.on(Fault::AcceptMissingSecret) => Ok(()),
            None => Err(invalid_client("No client credentials found.")),
            Some(s) if client.secret.as_deref() == Some(s) => Ok(()),
            Some(_) if self.on(Fault::AcceptWrongSecret) => Ok(()),
            Some(_) => Err(invalid_client(
                "The client secret supplied for a confidential client is invalid.",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_scheme_is_case_insensitive() {
        assert!(is_basic("basic xyz") && !is_basic("Bearer xyz") && !is_basic("Basi"));
    }
}

#[cfg(test)]
mod auth_tests {
    use super::super::test_support::*;
    use super::*;
    use crate::emulators::Emulator;

    fn token(req: EmuRequest) -> EmuResponse {
        emulator(&[]).handle(ORIGIN, &req)
    }

    fn form(params: &[(&str, &str)]) -> EmuRequest {
        let mut all = vec![("grant_type", "client_credentials")];
        all.extend_from_slice(params);
        post("/oauth2/v1/token", &all)
    }

    #[test]
    fn invalid_client_variants() {
        let both = with_header(
            form(&[("client_secret", WEB_SECRET)]),
            "authorization",
            &basic(WEB, WEB_SECRET),
        );
        assert_error(
            &token(both),
            401,
            "invalid_request",
            "Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body.",
        );

        let not_credentials = "Found Authentication header but was not valid client credentials.";
        for header in ["Basic !!!", "Bearer abc", "Basic", "Basic bm9jb2xvbg=="] {
            let r = token(with_header(form(&[]), "authorization", header));
            assert_case_error(header, &r, 401, "invalid_client", not_credentials);
        }

        for (case, req) in [
            ("an unknown client_id", form(&[("client_id", "nobody")])),
            ("no client at all", form(&[])),
            (
                "an unknown Basic client",
                with_header(form(&[]), "authorization", &basic("nobody", "x")),
            ),
        ] {
            let r = token(req);
            assert_eq!(r.status, 401, "{case}");
            let body = json(&r);
            let summary = "Invalid value for 'client_id' parameter.";
            assert_eq!(body["errorCode"], "invalid_client", "{case}");
            assert_eq!(body["errorSummary"], summary, "{case}");
            assert_eq!(body["errorLink"], "invalid_client", "{case}");
            assert_eq!(body["errorCauses"], serde_json::json!([]), "{case}");
            let id = body["errorId"].as_str().unwrap_or("");
            assert!(id.starts_with("oae") && id.len() == 25, "{case}: {id}");
        }

        let r = token(form(&[("client_id", WEB)]));
        assert_error(&r, 401, "invalid_client", "No client credentials found.");
        let r = token(form(&[("client_id", WEB), ("client_secret", "nope")]));
        assert_error(&r, 401, "invalid_client", WRONG_SECRET);
        let wrong_basic = basic(BASIC, "nope");
        let r = token(with_header(form(&[]), "authorization", &wrong_basic));
        assert_error(&r, 401, "invalid_client", WRONG_SECRET);
        let public_with_secret = [("client_id", PUBLIC), ("client_secret", "anything")];
        let r = token(form(&public_with_secret));
        assert_error(
            &r,
            401,
            "invalid_client",
            "Client authentication failed. Either the client or the client credentials are invalid.",
        );
    }

    #[test]
    fn each_client_uses_the_transport_it_registered() {
        // Authentication passes, so the grant type is what fails.
        for req in [
            form(&[("client_id", WEB), ("client_secret", WEB_SECRET)]),
            with_header(form(&[]), "authorization", &basic(BASIC, BASIC_SECRET)),
            form(&[("client_id", PUBLIC)]),
        ] {
            assert_eq!(json(&token(req))["error"], "unsupported_grant_type");
        }
        // The right secret by the other transport is refused, at every endpoint that
        // authenticates clients.
        for path in [TOKEN_PATH, INTROSPECT_PATH, REVOKE_PATH] {
            for (case, req) in [
                (
                    "a Basic client's secret in the body",
                    post(
                        path,
                        &[("client_id", BASIC), ("client_secret", BASIC_SECRET)],
                    ),
                ),
                (
                    "a post client's secret in a Basic header",
                    with_header(post(path, &[]), "authorization", &basic(WEB, WEB_SECRET)),
                ),
            ] {
                let case = format!("{path}: {case}");
                let r = token(req);
                assert_case_error(&case, &r, 401, "invalid_client", AUTHENTICATION_FAILED);
            }
        }
    }
}
