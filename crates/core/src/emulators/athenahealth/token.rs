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
        let browser = req.header("origin").is_some();
        let outcome = match param(&form, "grant_type") {
            Some("authorization_code") if browser && !self.code_has_challenge(&form) => {
                Err(responses::oauth_error(
                    401,
                    "invalid_client",
                    "Browser requests to the token endpoint must use Proof Key for Code Exchange.",
                ))
            }
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

    /// Whether the code of a redemption was asked for with a PKCE challenge. A browser
    /// (a request with `Origin`) must have used PKCE: OKT-11 g. Assumed: the refusal
    /// leaves the code unused, and an unknown code goes on to its own error.
    fn code_has_challenge(&self, form: &[(String, String)]) -> bool {
        let code = param(form, "code").unwrap_or("");
        self.store
            .tokens
            .codes
            .get(code)
            .is_none_or(|c| c.challenge.is_some())
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
        let rules = RefreshRules::KEPT;
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

    const OTHER_CLIENT: &str = "The grant was issued to another client. Please make sure the 'client_id' matches the one used at the authorize request.";
    const REDIRECT_DIFFERS: &str =
        "The 'redirect_uri' does not match the redirection URI used in the authorization request.";

    fn assert_code_invalid(case: &str, r: &EmuResponse) {
        assert_case_error(case, r, 400, "invalid_grant", CODE_INVALID);
    }

    #[test]
    fn code_errors() {
        let mut emu = emulator(&[]);
        let mismatches = [
            ("another client", WEB, CB, OTHER_CLIENT),
            ("another redirect_uri", PUBLIC, OTHER_CB, REDIRECT_DIFFERS),
        ];
        for (case, client, redirect_uri, description) in mismatches {
            let code = obtain_code(&mut emu, &authz(PUBLIC));
            let extra = [("redirect_uri", redirect_uri), ("code_verifier", VERIFIER)];
            let r = redeem_with(&mut emu, client, &code, &extra);
            assert_case_error(case, &r, 400, "invalid_grant", description);
            // That attempt consumed the code.
            let retry = format!("{case}, then the right request");
            assert_code_invalid(&retry, &redeem(&mut emu, PUBLIC, &code));
        }
        assert_code_invalid("an unknown code", &redeem(&mut emu, PUBLIC, "no-such-code"));
    }

    #[test]
    fn codes_are_single_use() {
        let mut emu = emulator(&[]);
        let code = obtain_code(&mut emu, &authz(PUBLIC));
        assert_eq!(redeem(&mut emu, PUBLIC, &code).status, 200);
        assert_code_invalid("a second redemption", &redeem(&mut emu, PUBLIC, &code));
    }

    #[test]
    fn codes_expire_after_300_virtual_seconds() {
        let mut emu = emulator(&[]);
        let code = aged_code(&mut emu, &authz(PUBLIC), 299);
        let r = redeem(&mut emu, PUBLIC, &code);
        assert_eq!(r.status, 200, "aged 299 seconds: {}", text(&r));
        let code = aged_code(&mut emu, &authz(PUBLIC), 300);
        assert_code_invalid("aged 300 seconds", &redeem(&mut emu, PUBLIC, &code));
        let code = obtain_code(&mut emu, &authz(PUBLIC));
        emu.advance_clock(301);
        assert_code_invalid("301 seconds later", &redeem(&mut emu, PUBLIC, &code));
    }

    #[test]
    fn pkce_errors() {
        const VERIFIER_REQUIRED: &str = "PKCE code verifier is required by the application.";
        const PKCE_FAILED: &str = "PKCE verification failed.";
        const STRAY_VERIFIER: &str = "PKCE code challenge should be specified in the authorize request for code verification.";
        let mut emu = emulator(&[]);
        let other = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK";
        let stray = format!("{VERIFIER}+");
        let cases = [
            (
                "no verifier",
                PUBLIC,
                None,
                "invalid_request",
                VERIFIER_REQUIRED,
            ),
            (
                "another verifier",
                PUBLIC,
                Some(other),
                "invalid_grant",
                PKCE_FAILED,
            ),
            (
                "a short verifier",
                PUBLIC,
                Some("short"),
                "invalid_grant",
                PKCE_FAILED,
            ),
            (
                "a stray character",
                PUBLIC,
                Some(stray.as_str()),
                "invalid_grant",
                PKCE_FAILED,
            ),
            (
                "no earlier challenge",
                WEB,
                Some(VERIFIER),
                "invalid_request",
                STRAY_VERIFIER,
            ),
        ];
        for (case, client, verifier, error, description) in cases {
            let code = obtain_code(&mut emu, &authz(client));
            let verifier = verifier.map(|v| ("code_verifier", v));
            let extra: Vec<_> = [("redirect_uri", CB)].into_iter().chain(verifier).collect();
            let r = redeem_with(&mut emu, client, &code, &extra);
            assert_case_error(case, &r, 400, error, description);
        }
        // A confidential client that used PKCE must still send the verifier.
        let code = obtain_code(&mut emu, &authz(WEB).pkce());
        let extra = [("redirect_uri", CB), ("code_verifier", VERIFIER)];
        let r = redeem_with(&mut emu, WEB, &code, &extra);
        assert_eq!(r.status, 200, "{}", text(&r));
    }

    #[test]
    fn browser_redemptions_need_pkce() {
        const NO_PKCE: &str =
            "Browser requests to the token endpoint must use Proof Key for Code Exchange.";
        let mut emu = emulator(&[]);
        let from_browser = |req: EmuRequest| with_header(req, "origin", "https://app.example");
        let code = obtain_code(&mut emu, &authz(WEB));
        let params = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CB),
        ];
        let r = send(&mut emu, from_browser(token_request(WEB, &params)));
        assert_error(&r, 401, "invalid_client", NO_PKCE);
        // The refusal left the code usable by the server-side request.
        assert_eq!(redeem(&mut emu, WEB, &code).status, 200);

        // With PKCE a browser may redeem.
        let code = obtain_code(&mut emu, &authz(PUBLIC));
        let params = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CB),
            ("code_verifier", VERIFIER),
        ];
        let r = send(&mut emu, from_browser(token_request(PUBLIC, &params)));
        assert_eq!(r.status, 200, "{}", text(&r));
    }

    #[test]
    fn unsupported_grant_types() {
        const UNSUPPORTED_GRANT: &str = "The authorization grant type is not supported by the authorization server. Configured grant types: [authorization_code, refresh_token].";
        let mut emu = emulator(&[]);
        for grant in [Some("client_credentials"), Some("password"), None] {
            let params: Vec<(&str, &str)> = grant.map(|g| ("grant_type", g)).into_iter().collect();
            let r = send(&mut emu, token_request(WEB, &params));
            let case = format!("grant_type {grant:?}");
            assert_case_error(&case, &r, 400, "unsupported_grant_type", UNSUPPORTED_GRANT);
        }
    }

    #[test]
    fn refresh_grant() {
        const DENIED_SCOPES: &str = "Some of the scopes requested for the refresh request were not granted in the original authorize request. Denied scopes: [email, profile]";
        let mut emu = emulator(&[]);
        let first = public_tokens(&mut emu);
        let rt = s(&first["refresh_token"]);

        let r = refresh(&mut emu, PUBLIC, &rt, None);
        assert_eq!(r.status, 200, "{}", text(&r));
        assert_eq!(r.header("cache-control"), Some("no-store"));
        let body = json(&r);
        assert_eq!(body["refresh_token"], rt.as_str());
        assert_eq!(body["scope"], first["scope"]);
        assert!(body["id_token"].is_string());
        assert_ne!(body["access_token"], first["access_token"]);

        let narrower = "launch/patient patient/Patient.read";
        let body = json(&refresh(&mut emu, PUBLIC, &rt, Some(narrower)));
        assert_eq!(body["scope"], narrower);
        assert!(body.get("id_token").is_none());
        assert_eq!(body["patient"], PATIENT);

        let r = refresh(&mut emu, PUBLIC, &rt, Some("openid email profile"));
        assert_error(&r, 400, "access_denied", DENIED_SCOPES);

        for (case, client, token) in [
            ("an unknown token", PUBLIC, "nope"),
            ("another client's token", MAPPING, rt.as_str()),
        ] {
            let r = refresh(&mut emu, client, token, None);
            assert_case_error(case, &r, 400, "invalid_grant", REFRESH_INVALID);
        }
    }

    #[test]
    fn refresh_lifetime_slides() {
        let mut emu = emulator(&[]);
        let rt = s(&public_tokens(&mut emu)["refresh_token"]);
        for round in 1..=2 {
            assert!(emu.age_artifact(&rt, REFRESH_TOKEN_LIFETIME - 10));
            let r = refresh(&mut emu, PUBLIC, &rt, None);
            assert_eq!(r.status, 200, "round {round}: {}", text(&r));
        }
        assert!(emu.age_artifact(&rt, REFRESH_TOKEN_LIFETIME));
        let r = refresh(&mut emu, PUBLIC, &rt, None);
        assert_error(&r, 400, "invalid_grant", REFRESH_INVALID);
    }
}
