//! `POST /oauth2/v1/token`: the authorization_code and refresh_token grants.

use serde_json::{Map, Value, json};

use super::faults::Fault;
use super::store::{ACCESS_TOKEN_LIFETIME, CODE_LIFETIME, Grant, REFRESH_TOKEN_LIFETIME};
use super::{Athenahealth, ids, param, responses};
use crate::emulators::engine::{
    CodeFailure, CodeRules, Lifetime, PkceFailure, PkceRules, Redemption, RefreshRules, Requested,
    VerifierFormat, opaque, split_scopes,
};
use crate::emulators::{ClientRegistration, EmuRequest, EmuResponse};

type Outcome = Result<EmuResponse, EmuResponse>;

fn invalid_grant(description: &str) -> EmuResponse {
    responses::oauth_error(400, "invalid_grant", description)
}

fn invalid_request(description: &str) -> EmuResponse {
    responses::oauth_error(400, "invalid_request", description)
}

fn invalid_code() -> EmuResponse {
    invalid_grant("The authorization code is invalid or has expired.")
}

fn server_error(reason: String) -> EmuResponse {
    responses::oauth_error(500, "server_error", &reason)
}

impl Athenahealth {
    pub(super) fn token(&mut self, origin: &str, req: &EmuRequest) -> EmuResponse {
        let form = req.form();
        let client = match self.authenticate_client(req, &form) {
            Ok(client) => client,
            Err(response) => return response,
        };
        let outcome = match param(&form, "grant_type") {
            Some("authorization_code") => self.redeem_code(origin, &client, &form),
            Some("refresh_token") => self.refresh(origin, &client, &form),
            _ => Err(responses::oauth_error(
                400,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server. Configured grant types: [authorization_code, refresh_token].",
            )),
        };
        match outcome {
            Ok(response) => response,
            Err(mut response) => {
                if response.status == 400 && self.on(Fault::WrongErrorStatus) {
                    response.status = 401;
                }
                response
            }
        }
    }

    /// The first redemption attempt by an authenticated client consumes the code, whether
    /// or not it then succeeds, so a code can never be tried twice.
    fn redeem_code(
        &mut self,
        origin: &str,
        client: &ClientRegistration,
        form: &[(String, String)],
    ) -> Outcome {
        let request = Redemption {
            code: param(form, "code").unwrap_or(""),
            client_id: &client.client_id,
            redirect_uri: param(form, "redirect_uri"),
            verifier: param(form, "code_verifier"),
        };
        let code = self
            .store
            .tokens
            .redeem(request, self.now(), self.code_rules())
            .map_err(|f| self.code_error(f))?;
        let mut grant = code.grant;
        grant.client_id = client.client_id.clone();
        self.issue_tokens(origin, grant, None)
    }

    /// Okta's rules for codes, each bent by the fault that breaks it.
    fn code_rules(&self) -> CodeRules {
        let any_verifier = self.on(Fault::AcceptAnyVerifier);
        let lifetime = if self.on(Fault::CodeLifetime60s) {
            60
        } else {
            CODE_LIFETIME
        };
        let common = CodeRules::common(&self.base, lifetime);
        CodeRules {
            pkce: PkceRules {
                format: if any_verifier {
                    VerifierFormat::Unchecked
                } else {
                    VerifierFormat::Strict
                },
                empty_is_missing: true,
                ..common.pkce
            },
            ..common
        }
    }

    /// Okta's words for each reason a code was refused.
    fn code_error(&self, failure: CodeFailure) -> EmuResponse {
        match failure {
            CodeFailure::Unknown | CodeFailure::Expired | CodeFailure::Replayed => invalid_code(),
            CodeFailure::OtherClient => invalid_grant(
                "The grant was issued to another client. Please make sure the 'client_id' matches the one used at the authorize request.",
            ),
            CodeFailure::RedirectMissing
            | CodeFailure::RedirectUnexpected
            | CodeFailure::RedirectDiffers => invalid_grant(
                "The 'redirect_uri' does not match the redirection URI used in the authorization request.",
            ),
            CodeFailure::Pkce(PkceFailure::VerifierMissing) => {
                invalid_request(if self.on(Fault::LegacyOktaWording) {
                    "PKCE code verifier is required when the token endpoint authentication method is 'NONE'."
                } else {
                    "PKCE code verifier is required by the application."
                })
            }
            CodeFailure::Pkce(PkceFailure::StrayVerifier) => invalid_request(
                "PKCE code challenge should be specified in the authorize request for code verification.",
            ),
            CodeFailure::Pkce(PkceFailure::VerifierMalformed | PkceFailure::Mismatch)
                if self.on(Fault::PkceErrorWithReason) =>
            {
                invalid_grant(
                    "PKCE verification failed: code_verifier does not match code_challenge.",
                )
            }
            CodeFailure::Pkce(PkceFailure::VerifierMalformed | PkceFailure::Mismatch) => {
                invalid_grant("PKCE verification failed.")
            }
        }
    }

    /// Refresh: a new access token (and ID token) for the requested subset of the
    /// original grant; the same refresh token comes back with its lifetime restarted.
    fn refresh(
        &mut self,
        origin: &str,
        client: &ClientRegistration,
        form: &[(String, String)],
    ) -> Outcome {
        let value = param(form, "refresh_token").unwrap_or("").to_string();
        let now = self.now();
        // One wording for every reason, so a client learns nothing about others' tokens.
        let rules = RefreshRules {
            bound_to_client: true,
            detect_replay: false,
            replay_revokes: false,
        };
        let used = self
            .store
            .tokens
            .use_refresh(&value, &client.client_id, now, rules);
        let original = match (used, self.on(Fault::AcceptInvalidRefreshToken)) {
            (Ok(token), _) => token.grant,
            (Err(_), true) => self.stand_in_grant(&value, client, param(form, "scope")),
            (Err(_), false) => {
                return Err(invalid_grant("The refresh token is invalid or expired."));
            }
        };
        let scopes = self.refresh_scopes(&original, param(form, "scope"))?;
        let grant = Grant {
            client_id: client.client_id.clone(),
            scopes,
            ..original
        };
        self.issue_tokens(origin, grant, Some(value))
    }

    /// The grant behind a refresh token accepted only because of a fault: the stored one
    /// when the token exists (revoked, expired or another client's), else a made-up one.
    fn stand_in_grant(
        &self,
        value: &str,
        client: &ClientRegistration,
        scope: Option<&str>,
    ) -> Grant {
        if let Some(token) = self.store.tokens.refresh_tokens.get(value) {
            return token.grant.clone();
        }
        let user = self.base.tenant.users.first();
        let scopes = scope
            .map(split_scopes)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| vec!["openid".to_string(), "offline_access".to_string()]);
        Grant {
            client_id: client.client_id.clone(),
            username: user.map_or_else(|| "unknown".to_string(), |u| u.username.clone()),
            scopes,
            patient_id: user
                .and_then(|u| u.portal_access.first())
                .map(|a| a.patient_id.clone()),
            nonce: None,
            auth_time: self.now(),
        }
    }

    fn refresh_scopes(
        &self,
        original: &Grant,
        requested: Option<&str>,
    ) -> Result<Vec<String>, EmuResponse> {
        let asked = requested.map(split_scopes).unwrap_or_default();
        let requested = Requested::of(&original.scopes, &asked);
        if !requested.asked || self.on(Fault::RefreshIgnoresScopeSubset) {
            return Ok(original.scopes.clone());
        }
        if requested.beyond.is_empty() || self.on(Fault::RefreshScopeEscalation) {
            return Ok(asked);
        }
        Err(responses::oauth_error(
            400,
            "access_denied",
            &format!(
                "Some of the scopes requested for the refresh request were not granted in the original authorize request. Denied scopes: [{}]",
                requested.beyond.join(", ")
            ),
        ))
    }

    /// Mints the access token (plus ID and refresh tokens as the scopes allow) and builds
    /// the token response. `refresh` is the refresh token being used, if any.
    fn issue_tokens(&mut self, origin: &str, grant: Grant, refresh: Option<String>) -> Outcome {
        let id_token = if grant.has("openid") {
            Some(self.issue_id_token(origin, &grant).map_err(server_error)?)
        } else {
            None
        };
        let now = self.now();
        let refresh = refresh.or_else(|| {
            let wanted = grant.has("offline_access") || self.on(Fault::RefreshWithoutOfflineAccess);
            wanted.then(|| self.new_refresh_token(&grant, now))
        });
        let access = opaque();
        let family = self.store.tokens.new_family();
        self.store
            .tokens
            .insert_access(
                access.clone(),
                grant.clone(),
                family,
                now,
                ACCESS_TOKEN_LIFETIME,
                refresh.clone(),
            )
            .jti = ids::jti("AT");

        let mut body = Map::new();
        body.insert("token_type".into(), json!("Bearer"));
        if !self.on(Fault::OmitExpiresIn) {
            body.insert("expires_in".into(), json!(ACCESS_TOKEN_LIFETIME));
        }
        body.insert("access_token".into(), json!(access));
        body.insert("scope".into(), json!(grant.scopes.join(" ")));
        if let Some(id_token) = id_token {
            body.insert("id_token".into(), json!(id_token));
        }
        if let Some(refresh) = refresh {
            body.insert("refresh_token".into(), json!(refresh));
        }
        let patient = grant
            .patient_id
            .as_ref()
            .filter(|_| grant.has("launch/patient") && !self.on(Fault::OmitPatientContext));
        if let Some(patient) = patient {
            body.insert("patient".into(), json!(patient));
        }

        let mut response = EmuResponse::json(200, &Value::Object(body));
        if !self.on(Fault::OmitCacheControl) {
            response = response.with_header("cache-control", "no-store");
        }
        Ok(response.with_header("pragma", "no-cache"))
    }

    fn new_refresh_token(&mut self, grant: &Grant, now: u64) -> String {
        let value = opaque();
        let family = self.store.tokens.new_family();
        let lifetime = Lifetime::SinceLastUse(REFRESH_TOKEN_LIFETIME);
        self.store
            .tokens
            .insert_refresh(value.clone(), grant.clone(), family, now, lifetime)
            .jti = ids::jti("RT");
        value
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::emulators::Emulator;

    fn code_request(client: &str, code: &str, extra: &[(&str, &str)]) -> EmuRequest {
        let mut params = vec![("grant_type", "authorization_code"), ("code", code)];
        params.extend_from_slice(extra);
        token_request(client, &params)
    }

    #[test]
    fn code_errors() {
        let mut emu = emulator(&[]);
        let code = obtain_code(&mut emu, &authz(PUBLIC));
        let r = emu.handle(
            ORIGIN,
            &code_request(
                WEB,
                &code,
                &[("redirect_uri", CB), ("code_verifier", VERIFIER)],
            ),
        );
        assert_error(
            &r,
            400,
            "invalid_grant",
            "The grant was issued to another client. Please make sure the 'client_id' matches the one used at the authorize request.",
        );
        // That attempt consumed the code.
        let r = redeem(&mut emu, PUBLIC, &code);
        assert_error(
            &r,
            400,
            "invalid_grant",
            "The authorization code is invalid or has expired.",
        );

        let code = obtain_code(&mut emu, &authz(PUBLIC));
        let r = emu.handle(
            ORIGIN,
            &code_request(
                PUBLIC,
                &code,
                &[
                    ("redirect_uri", "https://app.example/other"),
                    ("code_verifier", VERIFIER),
                ],
            ),
        );
        assert_error(
            &r,
            400,
            "invalid_grant",
            "The 'redirect_uri' does not match the redirection URI used in the authorization request.",
        );

        let r = redeem(&mut emu, PUBLIC, "no-such-code");
        assert_error(
            &r,
            400,
            "invalid_grant",
            "The authorization code is invalid or has expired.",
        );
    }

    #[test]
    fn codes_are_single_use() {
        let mut emu = emulator(&[]);
        let code = obtain_code(&mut emu, &authz(PUBLIC));
        assert_eq!(redeem(&mut emu, PUBLIC, &code).status, 200);
        assert_error(
            &redeem(&mut emu, PUBLIC, &code),
            400,
            "invalid_grant",
            "The authorization code is invalid or has expired.",
        );
    }

    #[test]
    fn codes_expire_after_300_virtual_seconds() {
        let mut emu = emulator(&[]);
        let code = obtain_code(&mut emu, &authz(PUBLIC));
        assert!(emu.age_artifact(&code, 299));
        assert_eq!(redeem(&mut emu, PUBLIC, &code).status, 200);

        let code = obtain_code(&mut emu, &authz(PUBLIC));
        assert!(emu.age_artifact(&code, 300));
        assert_error(
            &redeem(&mut emu, PUBLIC, &code),
            400,
            "invalid_grant",
            "The authorization code is invalid or has expired.",
        );

        let code = obtain_code(&mut emu, &authz(PUBLIC));
        emu.advance_clock(301);
        assert_error(
            &redeem(&mut emu, PUBLIC, &code),
            400,
            "invalid_grant",
            "The authorization code is invalid or has expired.",
        );
    }

    #[test]
    fn pkce_errors() {
        let mut emu = emulator(&[]);
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
        let cases: [Case; 4] = [
            (
                &[],
                "invalid_request",
                "PKCE code verifier is required by the application.",
            ),
            (
                &[(
                    "code_verifier",
                    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK",
                )],
                "invalid_grant",
                "PKCE verification failed.",
            ),
            (
                &[("code_verifier", "short")],
                "invalid_grant",
                "PKCE verification failed.",
            ),
            (
                &[(
                    "code_verifier",
                    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk+",
                )],
                "invalid_grant",
                "PKCE verification failed.",
            ),
        ];
        for (extra, error, description) in cases {
            let code = obtain_code(&mut emu, &authz(PUBLIC));
            let mut params = vec![("redirect_uri", CB)];
            params.extend_from_slice(extra);
            let r = emu.handle(ORIGIN, &code_request(PUBLIC, &code, &params));
            assert_error(&r, 400, error, description);
        }
        // A verifier without an earlier challenge.
        let code = obtain_code(&mut emu, &authz(WEB));
        let r = emu.handle(
            ORIGIN,
            &code_request(
                WEB,
                &code,
                &[("redirect_uri", CB), ("code_verifier", VERIFIER)],
            ),
        );
        assert_error(
            &r,
            400,
            "invalid_request",
            "PKCE code challenge should be specified in the authorize request for code verification.",
        );
        // A confidential client that used PKCE must still send the verifier.
        let a = authz(WEB)
            .set("code_challenge", CHALLENGE)
            .set("code_challenge_method", "S256");
        let code = obtain_code(&mut emu, &a);
        let r = emu.handle(
            ORIGIN,
            &code_request(
                WEB,
                &code,
                &[("redirect_uri", CB), ("code_verifier", VERIFIER)],
            ),
        );
        assert_eq!(r.status, 200, "{}", text(&r));
    }

    #[test]
    fn unsupported_grant_types() {
        let mut emu = emulator(&[]);
        for grant in [Some("client_credentials"), Some("password"), None] {
            let params: Vec<(&str, &str)> = grant.map(|g| ("grant_type", g)).into_iter().collect();
            let r = emu.handle(ORIGIN, &token_request(WEB, &params));
            assert_error(
                &r,
                400,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server. Configured grant types: [authorization_code, refresh_token].",
            );
        }
    }

    fn refresh(
        emu: &mut Athenahealth,
        client: &str,
        token: &str,
        scope: Option<&str>,
    ) -> EmuResponse {
        let mut params = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
        if let Some(scope) = scope {
            params.push(("scope", scope));
        }
        emu.handle(ORIGIN, &token_request(client, &params))
    }

    #[test]
    fn refresh_grant() {
        let mut emu = emulator(&[]);
        let first = tokens(&mut emu, &authz(PUBLIC));
        let rt = first["refresh_token"]
            .as_str()
            .expect("refresh token")
            .to_string();

        let r = refresh(&mut emu, PUBLIC, &rt, None);
        assert_eq!(r.status, 200, "{}", text(&r));
        assert_eq!(r.header("cache-control"), Some("no-store"));
        let body = json(&r);
        assert_eq!(body["refresh_token"], rt.as_str());
        assert_eq!(body["scope"], first["scope"]);
        assert!(body["id_token"].is_string());
        assert_ne!(body["access_token"], first["access_token"]);

        let body = json(&refresh(
            &mut emu,
            PUBLIC,
            &rt,
            Some("launch/patient patient/Patient.read"),
        ));
        assert_eq!(body["scope"], "launch/patient patient/Patient.read");
        assert!(body.get("id_token").is_none());
        assert_eq!(body["patient"], PATIENT);

        let r = refresh(&mut emu, PUBLIC, &rt, Some("openid email profile"));
        assert_error(
            &r,
            400,
            "access_denied",
            "Some of the scopes requested for the refresh request were not granted in the original authorize request. Denied scopes: [email, profile]",
        );

        for (client, token) in [(PUBLIC, "nope"), (MAPPING, rt.as_str())] {
            assert_error(
                &refresh(&mut emu, client, token, None),
                400,
                "invalid_grant",
                "The refresh token is invalid or expired.",
            );
        }
    }

    #[test]
    fn refresh_lifetime_slides() {
        let mut emu = emulator(&[]);
        let rt = tokens(&mut emu, &authz(PUBLIC))["refresh_token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(emu.age_artifact(&rt, REFRESH_TOKEN_LIFETIME - 10));
        assert_eq!(refresh(&mut emu, PUBLIC, &rt, None).status, 200);
        assert!(emu.age_artifact(&rt, REFRESH_TOKEN_LIFETIME - 10));
        assert_eq!(refresh(&mut emu, PUBLIC, &rt, None).status, 200);
        assert!(emu.age_artifact(&rt, REFRESH_TOKEN_LIFETIME));
        assert_error(
            &refresh(&mut emu, PUBLIC, &rt, None),
            400,
            "invalid_grant",
            "The refresh token is invalid or expired.",
        );
    }
}
