//! `POST …/smart-v1/token`: authentication and tenant checks shared by every grant, the
//! client_credentials grant of system accounts, and the success envelope.

use serde_json::{Map, Value, json};

use super::faults::Fault;
use super::grants::UserCall;
use super::responses::TokenError;
use super::scopes::{self, Flow, Narrowed};
use super::store::{self, ACCESS_TOKEN_LIFETIME, Grant};
use super::{OracleHealth, ids, param, urn};
use crate::emulators::{ClientAuth, ClientRegistration, EmuRequest, EmuResponse};

pub(super) type Outcome = Result<EmuResponse, TokenError>;

impl OracleHealth {
    /// Serves a request of the token family (token, revocation): the tenant decoded,
    /// the caller authenticated and the tenant checked, then `endpoint`; every error in
    /// the vendor's token-error shape.
    pub(super) fn token_endpoint(
        &mut self,
        origin: &str,
        tenant_segment: &str,
        req: &EmuRequest,
        endpoint: fn(&mut Self, UserCall) -> Outcome,
    ) -> EmuResponse {
        let tenant = urn::decode(tenant_segment);
        let form = req.form();
        let outcome = self.token_caller(&tenant, req, &form).and_then(|client| {
            let call = UserCall {
                origin,
                tenant: &tenant,
                client: &client,
                form: &form,
            };
            endpoint(self, call)
        });
        outcome.unwrap_or_else(|e| self.token_error(origin, &tenant, &e))
    }

    /// `POST …/token`: the grant the form names.
    pub(super) fn token(&mut self, call: UserCall) -> Outcome {
        match param(call.form, "grant_type") {
            Some("client_credentials") => self.client_credentials(call.client, call.form),
            Some("authorization_code") => self.redeem_code(call),
            Some("refresh_token") => self.refresh(call),
            _ => Err(TokenError::new(
                400,
                "unsupported_grant_type",
                urn::UNSUPPORTED_GRANT_TYPE,
                Some(&call.client.client_id),
            )),
        }
    }

    /// Authenticates the client, then checks the tenant: an authenticated client is named
    /// in a tenant error, an unauthenticated one gets the credentials error.
    pub(super) fn token_caller(
        &self,
        tenant: &str,
        req: &EmuRequest,
        form: &[(String, String)],
    ) -> Result<ClientRegistration, TokenError> {
        let client = self.authenticate_client(req, form)?;
        if tenant != self.base.tenant.tenant_id && !self.on(Fault::AcceptUnknownTenant) {
            let urn = if self.on(Fault::UnlistedUrnChange) {
                urn::UNKNOWN_TENANT
            } else {
                urn::INVALID_TENANT
            };
            return Err(TokenError::new(
                400,
                "invalid_grant",
                urn,
                Some(&client.client_id),
            ));
        }
        Ok(client)
    }

    /// A system account's token: approved system/ scopes only, never a refresh token.
    fn client_credentials(
        &mut self,
        client: &ClientRegistration,
        form: &[(String, String)],
    ) -> Outcome {
        let id = Some(client.client_id.as_str());
        if client.auth == ClientAuth::None {
            // A public app has no credentials to present for this grant.
            return Err(TokenError::new(
                401,
                "invalid_client",
                urn::INVALID_CLIENT_CREDENTIALS,
                None,
            ));
        }
        let requested = scopes::split(param(form, "scope").unwrap_or(""));
        if requested.len() > scopes::MAX_SCOPES {
            if self.on(Fault::TooManyScopesGatewayError) {
                return Ok(EmuResponse::json(
                    400,
                    &json!({ "message": "Request header fields too large" }),
                ));
            }
            return Err(TokenError::new(
                if self.on(Fault::TooManyScopes500) {
                    500
                } else {
                    400
                },
                "invalid_request",
                urn::TOO_MANY_SCOPES,
                id,
            ));
        }
        let narrowed = scopes::narrow(
            &requested,
            &client.permitted_scopes,
            Flow::System,
            self.on(Fault::GrantWildcardScopes),
        );
        let grant = Grant {
            client_id: client.client_id.clone(),
            scopes: self.granted_or_refused(narrowed, &client.client_id)?,
            user: None,
        };
        let refresh = self
            .on(Fault::IssueRefreshTokenForClientCredentials)
            .then(|| self.mint_refresh(&grant, false));
        let access = self.mint_access(&grant, refresh.clone());
        let mut body = self.base_body(&access, &grant);
        if let Some(refresh) = refresh {
            body.insert("refresh_token".into(), json!(refresh));
        }
        Ok(self.token_success(body, false))
    }

    /// The granted scopes, or empty-scopes when nothing is left. Dropping some scopes is
    /// silent.
    pub(super) fn granted_or_refused(
        &self,
        narrowed: Narrowed,
        client_id: &str,
    ) -> Result<Vec<String>, TokenError> {
        if narrowed.granted.is_empty() && !self.on(Fault::EmptyScopesGrantsAnyway) {
            return Err(TokenError::new(
                400,
                "invalid_scope",
                urn::EMPTY_SCOPES,
                Some(client_id),
            ));
        }
        if narrowed.dropped > 0 && self.on(Fault::FailOnPartialScopes) {
            return Err(TokenError::new(
                400,
                "invalid_scope",
                urn::SCOPES_NOT_GRANTED,
                Some(client_id),
            ));
        }
        Ok(narrowed.granted)
    }

    pub(super) fn expires_in(&self) -> u64 {
        if self.on(Fault::WrongExpiresIn) {
            3600
        } else {
            ACCESS_TOKEN_LIFETIME
        }
    }

    /// `access_token`, `scope`, `token_type`, `expires_in`, in the vendor's order.
    pub(super) fn base_body(&self, access: &str, grant: &Grant) -> Map<String, Value> {
        let mut body = Map::new();
        body.insert("access_token".into(), json!(access));
        body.insert("scope".into(), json!(grant.scopes.join(" ")));
        body.insert("token_type".into(), json!("Bearer"));
        body.insert("expires_in".into(), json!(self.expires_in()));
        body
    }

    /// 200 with the no-caching headers; `cors` for the browser-facing (SMART) grants.
    pub(super) fn token_success(&self, body: Map<String, Value>, cors: bool) -> EmuResponse {
        let mut response = EmuResponse::json(200, &Value::Object(body));
        if !self.on(Fault::OmitCacheControl) {
            response = response.with_header("cache-control", "no-store");
        }
        response = response.with_header("pragma", "no-cache");
        if cors {
            response = response.with_header("access-control-allow-origin", "*");
        }
        response
    }

    pub(super) fn mint_access(&mut self, grant: &Grant, refresh_token: Option<String>) -> String {
        let now = self.now();
        let family = self.store.tokens.new_family();
        self.store.tokens.issue_access(
            grant.clone(),
            family,
            now,
            ACCESS_TOKEN_LIFETIME,
            refresh_token,
        )
    }

    pub(super) fn mint_refresh(&mut self, grant: &Grant, offline: bool) -> String {
        let persona = grant
            .user
            .as_ref()
            .map_or("provider", |u| u.persona.as_str());
        let value = ids::refresh_token(offline, persona);
        let now = self.now();
        let family = self.store.tokens.new_family();
        let lifetime = store::refresh_lifetime(offline);
        self.store
            .tokens
            .insert_refresh(value.clone(), grant.clone(), family, now, lifetime)
            .offline = offline;
        value
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::emulators::Emulator;

    #[test]
    fn seed_000_invalid_tenant_names_the_client_and_echoes_the_tenant() {
        let mut emu = emulator(&[]);
        let scope = "system/Account.read, system/Appointment.read, system/Appointment.write, system/Binary.read, system/Condition.read, system/Coverage.read, system/Coverage.write, system/DocumentReference.read, system/DocumentReference.write, system/Encounter.read, system/Encounter.write, system/InsurancePlan.read, system/Location.read, system/Organization.read, system/Patient.read, system/Patient.write, system/Practitioner.read, system/Procedure.read, system/Questionnaire.read, system/QuestionnaireResponse.read, system/ServiceRequest.read, system/Slot.read";
        let req = system_request(
            SEED_TENANT,
            &[("grant_type", "client_credentials"), ("scope", scope)],
        );
        let r = emu.handle(ORIGIN, &req);
        let e = assert_token_error(&r, 400, "invalid_grant", "oauth2:token:invalid-tenant");
        assert_eq!(e.client.as_deref(), Some(SYSTEM));
        assert_eq!(e.tenant.as_deref(), Some(SEED_TENANT));
        let uri = json(&r)["error_uri"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(uri.starts_with(&format!(
            "{ORIGIN}/errors/urn%3Acerner%3Aerror%3Aauthorization-server%3Aoauth2%3Atoken%3Ainvalid-tenant/instances/"
        )));
        assert!(uri.ends_with(&format!("?client={SYSTEM}&tenant={SEED_TENANT}")));
    }

    #[test]
    fn seed_001_unknown_basic_credentials_are_a_client_failure() {
        let mut emu = emulator(&[]);
        let req = with_header(
            post(
                &token_path(TENANT),
                &[
                    ("grant_type", "authorization_code"),
                    ("code", "AUTHORIZATION_CODE"),
                    ("redirect_uri", "https://fhir-ehr-code.cerner.com/callback"),
                ],
            ),
            "authorization",
            &basic("ee0a5ef6-3155-4228-b254-7666cffc6f52", "xxxxx"),
        );
        let r = emu.handle(ORIGIN, &req);
        let e = assert_token_error(
            &r,
            401,
            "invalid_client",
            "oauth2:token:invalid-client-credentials",
        );
        assert_eq!(e.client.as_deref(), Some("unknown"));
        assert_eq!(e.tenant.as_deref(), Some(TENANT));
    }

    #[test]
    fn unknown_credentials_and_unknown_tenant_report_the_credentials() {
        let mut emu = emulator(&[]);
        let req = with_header(
            post(
                &token_path(SEED_TENANT),
                &[("grant_type", "client_credentials")],
            ),
            "authorization",
            &basic(SYSTEM, "wrong"),
        );
        let e = assert_token_error(
            &emu.handle(ORIGIN, &req),
            401,
            "invalid_client",
            "oauth2:token:invalid-client-credentials",
        );
        assert_eq!(e.tenant.as_deref(), Some(SEED_TENANT));
    }

    #[test]
    fn client_authentication_variants() {
        let mut emu = emulator(&[]);
        let cc = [
            ("grant_type", "client_credentials"),
            ("scope", "system/Patient.read"),
        ];
        let cases = [
            (
                Some("Bearer eyJhbGciOiJSUzM4NCJ9.e30.sig"),
                "oauth2:token:invalid-authorization-header",
            ),
            (
                Some("Basic !!!"),
                "oauth2:token:invalid-authorization-header",
            ),
            (
                Some("Digest x"),
                "oauth2:token:invalid-authorization-header",
            ),
            (None, "oauth2:token:invalid-client-credentials"),
        ];
        for (header, urn) in cases {
            let mut req = post(&token_path(TENANT), &cc);
            if let Some(h) = header {
                req = with_header(req, "authorization", h);
            }
            let e = assert_token_error(&emu.handle(ORIGIN, &req), 401, "invalid_client", urn);
            assert_eq!(e.client.as_deref(), Some("unknown"), "{header:?}");
        }
        // A public app presented as Basic, or a confidential one naming itself in the form.
        for req in [
            with_header(
                post(&token_path(TENANT), &cc),
                "authorization",
                &basic(PUBLIC, ""),
            ),
            post(
                &token_path(TENANT),
                &[("grant_type", "client_credentials"), ("client_id", SYSTEM)],
            ),
            post(
                &token_path(TENANT),
                &[("grant_type", "client_credentials"), ("client_id", PUBLIC)],
            ),
        ] {
            assert_token_error(
                &emu.handle(ORIGIN, &req),
                401,
                "invalid_client",
                "oauth2:token:invalid-client-credentials",
            );
        }
    }

    #[test]
    fn client_credentials_happy_path() {
        let mut emu = emulator(&[]);
        for path in [token_path(TENANT), hosted_token_path(TENANT)] {
            let req = with_header(
                post(
                    &path,
                    &[
                        ("grant_type", "client_credentials"),
                        ("scope", "system/Observation.read system/Patient.read"),
                    ],
                ),
                "authorization",
                &basic(SYSTEM, SYSTEM_SECRET),
            );
            let r = emu.handle(ORIGIN, &req);
            assert_eq!(r.status, 200, "{}", text(&r));
            assert_eq!(r.header("content-type"), Some("application/json"));
            assert_eq!(r.header("cache-control"), Some("no-store"));
            assert_eq!(r.header("pragma"), Some("no-cache"));
            assert!(
                r.header("cerner-correlation-id")
                    .is_some_and(|c| c.len() == 36)
            );
            let body = json(&r);
            assert_eq!(
                member_names(&body),
                ["access_token", "scope", "token_type", "expires_in"]
            );
            assert_eq!(body["scope"], "system/Observation.read system/Patient.read");
            assert_eq!(body["token_type"], "Bearer");
            assert_eq!(body["expires_in"], 570);
        }
    }

    #[test]
    fn partial_and_empty_scope_grants() {
        let mut emu = emulator(&[]);
        let cases = [
            (
                "system/Observation.read, system/Patient.read",
                Some("system/Patient.read"),
            ),
            (
                "system/Observation.read system/Immunization.read",
                Some("system/Observation.read"),
            ),
            (
                "system/*.read system/Patient.read",
                Some("system/Patient.read"),
            ),
            (
                "system/Patient.read user/Patient.read",
                Some("system/Patient.read"),
            ),
            (
                "system/Patient.read offline_access online_access",
                Some("system/Patient.read"),
            ),
            ("system/Observation.read,system/Patient.read", None),
            ("system/Immunization.read", None),
            ("system/*.read", None),
            ("", None),
        ];
        for (scope, granted) in cases {
            let r = system_token(&mut emu, TENANT, scope);
            match granted {
                Some(g) => {
                    assert_eq!(r.status, 200, "{scope}: {}", text(&r));
                    assert_eq!(json(&r)["scope"], g, "{scope}");
                    assert!(json(&r).get("refresh_token").is_none());
                }
                None => {
                    let e =
                        assert_token_error(&r, 400, "invalid_scope", "oauth2:token:empty-scopes");
                    assert_eq!(e.client.as_deref(), Some(SYSTEM), "{scope}");
                }
            }
        }
        // No scope parameter at all.
        let req = with_header(
            post(&token_path(TENANT), &[("grant_type", "client_credentials")]),
            "authorization",
            &basic(SYSTEM, SYSTEM_SECRET),
        );
        assert_token_error(
            &emu.handle(ORIGIN, &req),
            400,
            "invalid_scope",
            "oauth2:token:empty-scopes",
        );
    }

    #[test]
    fn too_many_scopes_and_unsupported_grants() {
        let mut emu = emulator(&[]);
        let many: Vec<String> = (0..61).map(|i| format!("system/R{i}.read")).collect();
        let e = assert_token_error(
            &system_token(&mut emu, TENANT, &many.join(" ")),
            400,
            "invalid_request",
            "oauth2:token:too-many-scopes",
        );
        assert_eq!(e.client.as_deref(), Some(SYSTEM));
        let sixty = many[..60].join(" ") + " system/Patient.read";
        assert_token_error(
            &system_token(&mut emu, TENANT, &sixty),
            400,
            "invalid_request",
            "oauth2:token:too-many-scopes",
        );
        let exactly_sixty = many[..59].join(" ") + " system/Patient.read";
        assert_eq!(system_token(&mut emu, TENANT, &exactly_sixty).status, 200);

        for grant in [Some("password"), Some(""), None] {
            let mut params = vec![("scope", "system/Patient.read")];
            params.extend(grant.map(|g| ("grant_type", g)));
            let req = with_header(
                post(&token_path(TENANT), &params),
                "authorization",
                &basic(SYSTEM, SYSTEM_SECRET),
            );
            let e = assert_token_error(
                &emu.handle(ORIGIN, &req),
                400,
                "unsupported_grant_type",
                "oauth2:token:unsupported-grant-type",
            );
            assert_eq!(e.client.as_deref(), Some(SYSTEM));
        }
    }

    #[test]
    fn every_error_has_exactly_two_members_and_a_matching_correlation_id() {
        let mut emu = emulator(&[]);
        let r = system_token(&mut emu, "someone-else", "system/Patient.read");
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(member_names(&json(&r)), ["error", "error_uri"]);
        let e = error_uri_of(&r);
        assert_eq!(e.instance.as_deref(), r.header("cerner-correlation-id"));
    }
}
