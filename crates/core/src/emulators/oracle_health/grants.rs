//! The user-facing grants at the token endpoint: authorization_code (provider SSO and
//! patient apps) and refresh_token, and their SMART v1 response with Cerner's extras.

use serde_json::json;

use super::faults::Fault;
use super::responses::TokenError;
use super::scopes;
use super::store::{CODE_LIFETIME, Grant, Persona, UserContext};
use super::token::Outcome;
use super::{OracleHealth, ids, param, urn};
use crate::emulators::ClientRegistration;
use crate::emulators::engine::{
    CodeFailure, CodeRules, PkceRules, Redemption, RedirectRule, RefreshRules, Requested,
    VerifierFormat, split_scopes,
};

const SMART_STYLE_URL: &str = "https://smart.cerner.com/styles/smart-v1.json";

/// A token request of a user-facing grant: the server's origin, the tenant, the
/// authenticated client and the form.
#[derive(Clone, Copy)]
pub(super) struct UserCall<'a> {
    pub origin: &'a str,
    pub tenant: &'a str,
    pub client: &'a ClientRegistration,
    pub form: &'a [(String, String)],
}

/// How the tokens being issued were asked for.
enum Issue {
    Code,
    /// The refresh token presented.
    Refresh(String),
}

impl OracleHealth {
    /// The first redemption attempt by an authenticated client consumes the code, whether
    /// or not it then succeeds, so a code can never be tried twice.
    pub(super) fn redeem_code(&mut self, call: UserCall) -> Outcome {
        let (origin, tenant, client) = (call.origin, call.tenant, call.client);
        let form = call.form;
        let id = client.client_id.as_str();
        let request = Redemption {
            code: param(form, "code").unwrap_or(""),
            client_id: id,
            redirect_uri: param(form, "redirect_uri"),
            verifier: param(form, "code_verifier"),
        };
        let now = self.now();
        let rules = self.code_rules();
        let code = self
            .store
            .tokens
            .redeem(request, now, rules)
            .map_err(|failure| {
                let urn = match failure {
                    CodeFailure::Unknown | CodeFailure::Expired | CodeFailure::Replayed => {
                        urn::CODE_INVALID_OR_EXPIRED
                    }
                    CodeFailure::OtherClient => urn::CODE_CLIENT_MISMATCH,
                    CodeFailure::RedirectMissing
                    | CodeFailure::RedirectUnexpected
                    | CodeFailure::RedirectDiffers => urn::TOKEN_INVALID_REDIRECT_URI,
                    CodeFailure::Pkce(_) => urn::CODE_VERIFIER_MISMATCH,
                };
                TokenError::new(400, "invalid_grant", urn, Some(id))
            })?;
        let grant = Grant {
            client_id: id.to_string(),
            ..code.grant
        };
        self.issue_user_tokens(origin, tenant, grant, Issue::Code)
    }

    /// Strict redirect URIs (identical strings; omitted at authorize means omitted
    /// here); PKCE only when the authorization request had a challenge (a verifier
    /// without one is ignored, as by a server without PKCE). Each bent by its fault.
    fn code_rules(&self) -> CodeRules {
        let any_verifier = self.on(Fault::AcceptAnyVerifier);
        let common = CodeRules::common(&self.base, CODE_LIFETIME);
        CodeRules {
            redirect: RedirectRule {
                omitted_stays_omitted: true,
                ignore_trailing_slash: self.on(Fault::TrailingSlashLenient),
                ..common.redirect
            },
            pkce: PkceRules {
                refuse_stray_verifier: false,
                verifier_optional: any_verifier,
                format: if any_verifier {
                    VerifierFormat::Unchecked
                } else {
                    VerifierFormat::Strict
                },
                ..common.pkce
            },
            ..common
        }
    }

    /// A new access token for the original grant (or the requested part of it). The
    /// client keeps its refresh token: none comes back.
    pub(super) fn refresh(&mut self, call: UserCall) -> Outcome {
        let (origin, tenant, client) = (call.origin, call.tenant, call.client);
        let form = call.form;
        let id = client.client_id.as_str();
        let value = param(form, "refresh_token").unwrap_or("").to_string();
        let now = self.now();
        let rules = RefreshRules::KEPT;
        let used = self.store.tokens.use_refresh(&value, id, now, rules);
        let original = match used {
            Ok(token) => token.grant,
            Err(_) if self.on(Fault::AcceptInvalidRefreshToken) => {
                self.stand_in_grant(&value, client)
            }
            Err(_) => {
                return Err(TokenError::new(
                    400,
                    "invalid_grant",
                    urn::REFRESH_TOKEN_INVALID,
                    Some(id),
                ));
            }
        };
        let requested = Requested::of(
            &original.scopes,
            &split_scopes(param(form, "scope").unwrap_or("")),
        );
        let scopes = if requested.asked {
            let narrowed = scopes::Narrowed {
                dropped: requested.beyond.len(),
                granted: requested.granted,
            };
            self.granted_or_refused(narrowed, id)?
        } else {
            requested.granted
        };
        let grant = Grant {
            client_id: id.to_string(),
            scopes,
            ..original
        };
        self.issue_user_tokens(origin, tenant, grant, Issue::Refresh(value))
    }

    /// The grant behind a refresh token honoured only because of a fault: the stored one
    /// when the token exists (revoked, expired or another client's), else a made-up one.
    fn stand_in_grant(&self, value: &str, client: &ClientRegistration) -> Grant {
        if let Some(token) = self.store.tokens.refresh_tokens.get(value) {
            return token.grant.clone();
        }
        let user = self.base.tenant.users.first().map(|u| UserContext {
            username: u.username.clone(),
            user_id: ids::user_id(&u.username),
            persona: Persona::Provider,
            fhir_user: format!("Practitioner/{}", ids::user_id(&u.username)),
            patient_id: None,
            nonce: None,
        });
        Grant {
            client_id: client.client_id.clone(),
            scopes: vec!["online_access".to_string()],
            user,
        }
    }

    fn issue_user_tokens(
        &mut self,
        origin: &str,
        tenant: &str,
        grant: Grant,
        how: Issue,
    ) -> Outcome {
        let id_token = match (&how, &grant.user) {
            (Issue::Code, Some(user)) if grant.has("openid") => Some(
                self.sign_id_token(origin, &grant.client_id, &grant.scopes, user)
                    .map_err(|_| {
                        TokenError::new(
                            500,
                            "server_error",
                            urn::SERVER_ERROR,
                            Some(&grant.client_id),
                        )
                    })?,
            ),
            _ => None,
        };
        let offline = grant.has("offline_access");
        let refresh = match &how {
            Issue::Code if offline || grant.has("online_access") => {
                Some(self.mint_refresh(&grant, offline))
            }
            Issue::Refresh(_) if self.on(Fault::RefreshReturnsNewRefreshToken) => {
                Some(self.mint_refresh(&grant, offline))
            }
            _ => None,
        };
        // Revoking the refresh token a client holds must end the access tokens it minted.
        let link = match &how {
            Issue::Refresh(old) => Some(old.clone()),
            Issue::Code => refresh.clone(),
        };
        let access = self.mint_access(&grant, link);

        let mut body = self.base_body(&access, &grant);
        if let Some(id_token) = id_token {
            body.insert("id_token".into(), json!(id_token));
        }
        if let Some(refresh) = refresh {
            body.insert("refresh_token".into(), json!(refresh));
        }
        let user = grant.user.as_ref();
        if let Some(patient) = user.and_then(|u| u.patient_id.as_ref()) {
            body.insert("patient".into(), json!(patient));
        }
        // A patient app must show who the data is about; an EHR user sees the EHR's banner.
        let banner = user.is_some_and(|u| u.persona == Persona::Patient);
        body.insert("need_patient_banner".into(), json!(banner));
        body.insert("smart_style_url".into(), json!(SMART_STYLE_URL));
        if !self.on(Fault::OmitCernerExtras) {
            if let Some(user) = user {
                body.insert("user".into(), json!(user.user_id));
                body.insert("username".into(), json!(user.username));
            }
            let tenant = if self.on(Fault::TokenTenantUpperCased) {
                tenant.to_ascii_uppercase()
            } else {
                tenant.to_string()
            };
            body.insert("tenant".into(), json!(tenant));
        }
        Ok(self.token_success(body, true))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::emulators::Emulator;

    fn code_error(
        emu: &mut super::OracleHealth,
        client: &str,
        code: &str,
        redirect: Option<&str>,
        urn: &str,
    ) {
        let e = assert_token_error(
            &redeem(emu, client, code, redirect),
            400,
            "invalid_grant",
            urn,
        );
        assert_eq!(e.client.as_deref(), Some(client));
    }

    const INVALID: &str = "oauth2:token:code-invalid-or-expired";

    #[test]
    fn codes_are_single_use_and_bound_to_their_client() {
        let mut emu = emulator(&[]);
        let used = obtain_code(&mut emu, &authz(PROVIDER));
        assert_eq!(redeem(&mut emu, PROVIDER, &used, Some(CB)).status, 200);
        let other = obtain_code(&mut emu, &authz(PROVIDER));
        for (client, code, urn) in [
            (PROVIDER, used.as_str(), INVALID),
            (PROVIDER, "never-issued", INVALID),
            (OTHER, other.as_str(), "oauth2:token:code:client:mismatch"),
            // That attempt consumed the code.
            (PROVIDER, other.as_str(), INVALID),
        ] {
            code_error(&mut emu, client, code, Some(CB), urn);
        }
    }

    #[test]
    fn codes_expire_after_300_virtual_seconds() {
        let mut emu = emulator(&[]);
        let code = obtain_code(&mut emu, &authz(PROVIDER));
        assert!(emu.age_artifact(&code, 299));
        assert_eq!(redeem(&mut emu, PROVIDER, &code, Some(CB)).status, 200);
        let aged = obtain_code(&mut emu, &authz(PROVIDER));
        assert!(emu.age_artifact(&aged, 300));
        let late = obtain_code(&mut emu, &authz(PROVIDER));
        emu.advance_clock(301);
        for code in [aged, late] {
            code_error(&mut emu, PROVIDER, &code, Some(CB), INVALID);
        }
    }

    #[test]
    fn redirect_uri_must_match_exactly() {
        let mut emu = emulator(&[]);
        let slash = format!("{CB}/");
        for redirect in [Some(slash.as_str()), Some(OTHER_CB), None, Some("")] {
            let code = obtain_code(&mut emu, &authz(PROVIDER));
            code_error(
                &mut emu,
                PROVIDER,
                &code,
                redirect,
                "oauth2:token:invalid-redirect-uri",
            );
        }
        // Omitted at authorize (one registered URI): must be omitted at the token endpoint.
        let a = authz(PUBLIC).without("redirect_uri");
        let code = obtain_code(&mut emu, &a);
        let e = assert_token_error(
            &redeem(&mut emu, PUBLIC, &code, Some(CB)),
            400,
            "invalid_grant",
            "oauth2:token:invalid-redirect-uri",
        );
        assert_eq!(e.client.as_deref(), Some(PUBLIC));
        let code = obtain_code(&mut emu, &a);
        assert_eq!(redeem(&mut emu, PUBLIC, &code, None).status, 200);
    }

    #[test]
    fn pkce_is_verified_when_a_challenge_was_sent() {
        let mut emu = emulator(&[]);
        let a = authz(PROVIDER)
            .set("code_challenge", CHALLENGE)
            .set("code_challenge_method", "S256");
        let plain = authz(PROVIDER);
        for (authz, verifier, status) in [
            (&a, None, 400),
            (&a, Some("short"), 400),
            (&a, Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK"), 400),
            (&a, Some(VERIFIER), 200),
            // A verifier without a challenge is ignored.
            (&plain, Some(VERIFIER), 200),
        ] {
            let code = obtain_code(&mut emu, authz);
            let mut params = vec![
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", CB),
            ];
            params.extend(verifier.map(|v| ("code_verifier", v)));
            let r = emu.handle(ORIGIN, &token_request(PROVIDER, &params));
            assert_eq!(r.status, status, "verifier {verifier:?}");
            if status == 400 {
                assert_token_error(
                    &r,
                    400,
                    "invalid_grant",
                    "oauth2:token:code:verifier:mismatch",
                );
            }
        }
    }

    #[test]
    fn partial_grants_on_the_code_path() {
        let mut emu = emulator(&[]);
        let a = authz(PROVIDER).set(
            "scope",
            "openid fhirUser user/Patient.read user/Immunization.read user/*.read system/Patient.read",
        );
        let body = code_tokens(&mut emu, &a);
        assert_eq!(body["scope"], "openid fhirUser user/Patient.read");
        assert!(
            body.get("refresh_token").is_none(),
            "no online or offline access"
        );
        assert!(body.get("patient").is_none());
        let body = code_tokens(&mut emu, &authz(PROVIDER).set("scope", "user/Patient.read"));
        assert!(body.get("id_token").is_none());
    }

    const REFRESH_INVALID: &str = "oauth2:token:refresh-token:token-invalid";

    /// A refresh by `client`, narrowed to `scope` when one is given.
    fn refresh_as(
        emu: &mut super::OracleHealth,
        client: &str,
        rt: &str,
        scope: Option<&str>,
    ) -> crate::emulators::EmuResponse {
        let mut params = vec![("grant_type", "refresh_token"), ("refresh_token", rt)];
        params.extend(scope.map(|s| ("scope", s)));
        emu.handle(ORIGIN, &token_request(client, &params))
    }

    /// The refresh token of a code flow asking for `scope`.
    fn refresh_token_for(emu: &mut super::OracleHealth, scope: Option<&str>) -> String {
        let a = match scope {
            Some(scope) => authz(PROVIDER).set("scope", scope),
            None => authz(PROVIDER),
        };
        s(&code_tokens(emu, &a)["refresh_token"])
    }

    #[test]
    fn refresh_never_returns_a_new_refresh_token() {
        let mut emu = emulator(&[]);
        let scope = "openid fhirUser user/Patient.read offline_access";
        let first = code_tokens(&mut emu, &authz(PROVIDER).set("scope", scope));
        let rt = s(&first["refresh_token"]);
        let r = refresh(&mut emu, &rt);
        assert_eq!(r.status, 200, "{}", text(&r));
        assert_eq!(r.header("cache-control"), Some("no-store"));
        let body = json(&r);
        assert!(body.get("refresh_token").is_none());
        assert!(body.get("id_token").is_none());
        assert_eq!(body["scope"], first["scope"]);
        assert_eq!(body["expires_in"], 570);
        assert_eq!(body["tenant"], TENANT);
        assert_ne!(body["access_token"], first["access_token"]);
        // The original keeps working, and a subset may be asked for.
        let subset = Some("user/Patient.read user/Observation.read");
        let r = refresh_as(&mut emu, PROVIDER, &rt, subset);
        assert_eq!(json(&r)["scope"], "user/Patient.read");
        let r = refresh_as(&mut emu, PROVIDER, &rt, Some("user/Observation.read"));
        assert_token_error(&r, 400, "invalid_scope", "oauth2:token:empty-scopes");

        for (client, token) in [(PROVIDER, "never-issued"), (OTHER, rt.as_str())] {
            let r = refresh_as(&mut emu, client, token, None);
            let e = assert_token_error(&r, 400, "invalid_grant", REFRESH_INVALID);
            assert_eq!(e.client.as_deref(), Some(client));
        }
    }

    /// A refresh request as CER-17 shows it: no client_id, no Authorization header.
    fn bare_refresh(emu: &mut super::OracleHealth, rt: &str) -> crate::emulators::EmuResponse {
        let form = [("grant_type", "refresh_token"), ("refresh_token", rt)];
        emu.handle(ORIGIN, &post(&token_path(TENANT), &form))
    }

    #[test]
    fn a_public_app_refreshes_without_naming_itself() {
        let mut emu = emulator(&[]);
        let a = authz(PUBLIC).with_persona("patient").set(
            "scope",
            "openid launch/patient patient/Patient.read online_access",
        );
        let first = code_tokens(&mut emu, &a);
        let rt = s(&first["refresh_token"]);
        let r = bare_refresh(&mut emu, &rt);
        assert_eq!(r.status, 200, "{}", text(&r));
        let body = json(&r);
        assert_eq!(
            body["scope"],
            "openid launch/patient patient/Patient.read online_access"
        );
        assert_eq!(body["patient"], PATIENT);
        assert!(body.get("refresh_token").is_none());
        // Naming itself still works; an unknown token names nobody.
        let params = [
            ("grant_type", "refresh_token"),
            ("refresh_token", rt.as_str()),
        ];
        assert_eq!(
            emu.handle(ORIGIN, &token_request(PUBLIC, &params)).status,
            200
        );
        let e = assert_token_error(
            &bare_refresh(&mut emu, "never-issued"),
            401,
            "invalid_client",
            "oauth2:token:invalid-client-credentials",
        );
        assert_eq!(e.client.as_deref(), Some("unknown"));
    }

    #[test]
    fn a_confidential_apps_refresh_token_does_not_authenticate_it() {
        let mut emu = emulator(&[]);
        let rt = refresh_token_for(&mut emu, None);
        assert_token_error(
            &bare_refresh(&mut emu, &rt),
            401,
            "invalid_client",
            "oauth2:token:invalid-client-credentials",
        );
        // Naming the app without its secret is no better.
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", rt.as_str()),
            ("client_id", PROVIDER),
        ];
        let r = emu.handle(ORIGIN, &post(&token_path(TENANT), &form));
        assert_eq!(r.status, 401);
        assert_eq!(refresh(&mut emu, &rt).status, 200);
    }

    #[test]
    fn refresh_token_lifetimes() {
        let mut emu = emulator(&[]);
        let online = refresh_token_for(&mut emu, None);
        let offline = refresh_token_for(&mut emu, Some("openid offline_access"));
        let day = 24 * 3600;
        // (token, seconds it ages, whether the refresh after that still works)
        for (token, secs, works) in [
            (&online, 12 * 3600 - 10, true),
            (&online, 10, false),
            (&offline, 89 * day, true),
            // Use restarts the idle period.
            (&offline, 89 * day, true),
            (&offline, 90 * day, false),
        ] {
            assert!(emu.age_artifact(token, secs));
            let r = refresh(&mut emu, token);
            if works {
                assert_eq!(r.status, 200, "after {secs} s: {}", text(&r));
            } else {
                assert_token_error(&r, 400, "invalid_grant", REFRESH_INVALID);
            }
        }
    }

    #[test]
    fn access_tokens_from_the_code_reach_fhir() {
        let mut emu = emulator(&[]);
        let at = s(&code_tokens(&mut emu, &authz(PROVIDER))["access_token"]);
        for (path, status) in [("Patient/1", 200), ("Observation", 403)] {
            let req = with_bearer(get(&format!("{FHIR}/{path}"), &[]), &at);
            assert_eq!(emu.handle(ORIGIN, &req).status, status, "{path}");
        }
    }
}
