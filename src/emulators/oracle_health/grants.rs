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
use crate::oauth::pkce;

const SMART_STYLE_URL: &str = "https://smart.cerner.com/styles/smart-v1.json";

/// How the tokens being issued were asked for.
enum Issue {
    Code,
    /// The refresh token presented.
    Refresh(String),
}

impl OracleHealth {
    /// The first redemption attempt by an authenticated client consumes the code, whether
    /// or not it then succeeds, so a code can never be tried twice.
    pub(super) fn redeem_code(
        &mut self,
        origin: &str,
        tenant: &str,
        client: &ClientRegistration,
        form: &[(String, String)],
    ) -> Outcome {
        let id = client.client_id.as_str();
        let grant_error = |urn| TokenError::new(400, "invalid_grant", urn, Some(id));
        let expires = !self.on(Fault::CodesNeverExpire);
        let reusable = self.on(Fault::AllowCodeReuse);
        let now = self.now();
        let code = self
            .store
            .codes
            .get_mut(param(form, "code").unwrap_or(""))
            .ok_or_else(|| grant_error(urn::CODE_INVALID_OR_EXPIRED))?;
        let expired = expires && now.saturating_sub(code.issued_at) >= CODE_LIFETIME;
        if expired || (code.used && !reusable) {
            return Err(grant_error(urn::CODE_INVALID_OR_EXPIRED));
        }
        code.used = true;
        let code = code.clone();

        if code.grant.client_id != id && !self.on(Fault::IgnoreClientMismatch) {
            return Err(grant_error(urn::CODE_CLIENT_MISMATCH));
        }
        if !self.redirect_matches(code.redirect_uri.as_deref(), param(form, "redirect_uri")) {
            return Err(grant_error(urn::TOKEN_INVALID_REDIRECT_URI));
        }
        // A verifier without an earlier challenge is ignored, as by a server without PKCE.
        if let Some(challenge) = &code.challenge
            && !self.on(Fault::AcceptAnyVerifier)
        {
            let verified = param(form, "code_verifier").is_some_and(|v| {
                pkce::verifier_is_valid(v) && pkce::s256_challenge(v) == *challenge
            });
            if !verified {
                return Err(grant_error(urn::CODE_VERIFIER_MISMATCH));
            }
        }
        let grant = Grant {
            client_id: id.to_string(),
            ..code.grant
        };
        self.issue_user_tokens(origin, tenant, grant, Issue::Code)
    }

    /// Strict: identical strings, and omitted at authorize means omitted here.
    fn redirect_matches(&self, at_authorize: Option<&str>, at_token: Option<&str>) -> bool {
        if self.on(Fault::IgnoreRedirectMismatch) {
            return true;
        }
        match (at_authorize, at_token) {
            (None, None) => true,
            (Some(a), Some(t)) => {
                a == t
                    || (self.on(Fault::TrailingSlashLenient)
                        && a.trim_end_matches('/') == t.trim_end_matches('/'))
            }
            _ => false,
        }
    }

    /// A new access token for the original grant (or the requested part of it). The
    /// client keeps its refresh token: none comes back.
    pub(super) fn refresh(
        &mut self,
        origin: &str,
        tenant: &str,
        client: &ClientRegistration,
        form: &[(String, String)],
    ) -> Outcome {
        let id = client.client_id.as_str();
        let value = param(form, "refresh_token").unwrap_or("").to_string();
        let now = self.now();
        let live = self
            .store
            .refresh_tokens
            .get(&value)
            .filter(|t| t.grant.client_id == id && t.is_live(now))
            .map(|t| t.grant.clone());
        let original = match live {
            Some(grant) => grant,
            None if self.on(Fault::AcceptInvalidRefreshToken) => {
                self.stand_in_grant(&value, client)
            }
            None => {
                return Err(TokenError::new(
                    400,
                    "invalid_grant",
                    urn::REFRESH_TOKEN_INVALID,
                    Some(id),
                ));
            }
        };
        let requested = scopes::split(param(form, "scope").unwrap_or(""));
        let scopes = if requested.is_empty() {
            original.scopes.clone()
        } else {
            let granted: Vec<String> = requested
                .iter()
                .filter(|s| original.has(s))
                .cloned()
                .collect();
            let narrowed = scopes::Narrowed {
                dropped: requested.len() - granted.len(),
                granted,
            };
            self.granted_or_refused(narrowed, id)?
        };
        if let Some(token) = self.store.refresh_tokens.get_mut(&value) {
            token.last_used = now;
        }
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
        if let Some(token) = self.store.refresh_tokens.get(value) {
            return token.grant.clone();
        }
        let user = self.tenant.users.first().map(|u| UserContext {
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
            body.insert("tenant".into(), json!(tenant));
        }
        Ok(self.token_success(body, true))
    }
}
