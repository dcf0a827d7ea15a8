//! `POST /token` (RFC 6749 §3.2, §5): client authentication, the grant dispatch, and
//! the token response every grant ends in. Every answer, success or error, is marked
//! uncacheable (RFC 6749 §5.1, SMART-01).

use serde_json::{Map, Value, json};

use super::responses::{OAuthError, Params, form_params, printable};
use super::scopes::{self, Kind};
use super::store::{ACCESS_TOKEN_LIFETIME, Grant};
use super::{Fault, Reference};
use crate::emulators::{ClientAuth, ClientRegistration, EmuRequest, EmuResponse};

/// What to put in a token response besides the access token.
pub(super) struct Issue {
    /// The grant as this access token carries it (scopes possibly narrowed).
    pub grant: Grant,
    pub family: u64,
    pub lifetime: u64,
    pub refresh_token: Option<String>,
    /// None: no ID token; Some(with_nonce).
    pub id_token: Option<bool>,
}

/// A token request as every grant sees it: the server's origin, the authenticated
/// client and the form.
#[derive(Clone, Copy)]
pub(super) struct TokenCall<'a> {
    pub origin: &'a str,
    pub client: &'a ClientRegistration,
    pub form: &'a Params,
}

/// The access token lifetime under the long-lived-access-tokens fault: a day.
const LONG_LIFETIME: u64 = 86_400;

impl Reference {
    pub(super) fn token(&mut self, origin: &str, req: &EmuRequest) -> EmuResponse {
        let response = match self.token_grant(origin, req) {
            Ok(body) => EmuResponse::json(200, &body),
            Err(error) => self.token_error(error),
        };
        if self.on(Fault::OmitCacheControl) {
            return response;
        }
        let response = response.with_header("cache-control", "no-store");
        if self.on(Fault::OmitPragma) {
            return response;
        }
        response.with_header("pragma", "no-cache")
    }

    fn token_error(&self, mut error: OAuthError) -> EmuResponse {
        if self.on(Fault::ErrorDescriptionNonAscii) {
            error.description = format!(
                "\u{201c}{}\u{201d} (requ\u{ea}te refus\u{e9}e)",
                error.description
            );
        }
        if !self.on(Fault::TokenErrorsNotJson) {
            return error.json();
        }
        let mut response = EmuResponse::new(error.status)
            .with_header("content-type", "text/plain; charset=utf-8")
            .with_body(
                format!(
                    "error={}\nerror_description={}\n",
                    error.error, error.description
                )
                .into_bytes(),
            );
        if let Some(challenge) = error.challenge {
            response = response.with_header("www-authenticate", challenge);
        }
        response
    }

    fn token_grant(&mut self, origin: &str, req: &EmuRequest) -> Result<Value, OAuthError> {
        let form = form_params(req)?;
        let client = match self.refreshing_public_client(req, &form) {
            Some(client) => client,
            None => self.authenticate_client(origin, req, &form)?,
        };
        let grant_type = form
            .get("grant_type")
            .ok_or_else(|| OAuthError::invalid_request("The grant_type parameter is missing."))?;
        let call = TokenCall {
            origin,
            client: &client,
            form: &form,
        };
        match grant_type {
            "authorization_code" => {
                self.require_grant(&client, grant_type)?;
                self.redeem_code(call)
            }
            "refresh_token" => {
                self.require_grant(&client, grant_type)?;
                self.refresh(call)
            }
            "client_credentials" => self.client_credentials(call),
            "password" if self.on(Fault::PasswordGrantOffered) => self.password_grant(call),
            _ => Err(OAuthError::new(
                "unsupported_grant_type",
                "The grant type is not supported by this server.",
            )),
        }
    }

    /// The public client a refresh token was issued to, when a refresh request carries
    /// no client identification at all: RFC 6749 §6 asks a client to authenticate only
    /// if it is confidential (or was given credentials), and lists no `client_id` among
    /// the refresh parameters, so the token itself names its public client. A
    /// confidential client's token never stands in for its authentication.
    fn refreshing_public_client(
        &self,
        req: &EmuRequest,
        form: &Params,
    ) -> Option<ClientRegistration> {
        let anonymous = req
            .header("authorization")
            .is_none_or(|h| h.trim().is_empty())
            && [
                "client_id",
                "client_secret",
                "client_assertion",
                "client_assertion_type",
            ]
            .iter()
            .all(|p| form.get(p).is_none());
        if !anonymous
            || form.get("grant_type") != Some("refresh_token")
            || self.on(Fault::PublicRefreshNeedsClientId)
        {
            return None;
        }
        let token = self
            .store
            .tokens
            .refresh_tokens
            .get(form.get("refresh_token")?)?;
        self.base
            .client(&token.grant.client_id)
            .filter(|c| c.auth == ClientAuth::None)
            .cloned()
    }

    /// `unauthorized_client` unless the client is registered for the grant (RFC 6749
    /// §5.2).
    fn require_grant(
        &self,
        client: &ClientRegistration,
        grant_type: &str,
    ) -> Result<(), OAuthError> {
        if self.client_has_grant(client, grant_type) {
            Ok(())
        } else {
            Err(unauthorized_client(grant_type))
        }
    }

    /// Stores the access token (and nothing else) and renders the token response.
    pub(super) fn issue_tokens(
        &mut self,
        origin: &str,
        mut issue: Issue,
    ) -> Result<Value, OAuthError> {
        if self.on(Fault::LongLivedAccessTokens) {
            issue.lifetime = LONG_LIFETIME;
        }
        let id_token = match issue.id_token {
            Some(with_nonce) if issue.grant.has("openid") && self.offers(super::Part::Openid) => {
                Some(
                    self.id_token(origin, &issue.grant, with_nonce)
                        .map_err(signing_failed)?,
                )
            }
            _ => None,
        };
        let scope = issue.grant.scopes.join(" ");
        let changed = !same_set(&issue.grant.scopes, &issue.grant.requested);
        let patient = issue
            .grant
            .patient
            .clone()
            .filter(|_| issue.grant.has("launch/patient") && !self.on(Fault::NoPatientContext));
        let now = self.now();
        let access =
            self.store
                .tokens
                .issue_access(issue.grant, issue.family, now, issue.lifetime, None);

        let mut body = Map::new();
        body.insert("access_token".into(), json!(access));
        let token_type = if self.on(Fault::TokenTypeNotBearer) {
            "mac"
        } else {
            "Bearer"
        };
        body.insert("token_type".into(), json!(token_type));
        let expires_in = if self.on(Fault::ExpiresInFractional) {
            json!(issue.lifetime as f64)
        } else if self.on(Fault::ExpiresInAsString) {
            json!(issue.lifetime.to_string())
        } else {
            json!(issue.lifetime)
        };
        body.insert("expires_in".into(), expires_in);
        if !(changed && self.on(Fault::TokenResponseHidesScopeChange)) {
            body.insert("scope".into(), json!(scope));
        }
        if let Some(refresh) = issue.refresh_token {
            body.insert("refresh_token".into(), json!(refresh));
        }
        if let Some(id_token) = id_token {
            body.insert("id_token".into(), json!(id_token));
        }
        if let Some(patient) = patient {
            body.insert("patient".into(), json!(patient));
        }
        Ok(Value::Object(body))
    }

    /// The resource owner password grant: offered only under its fault (RFC 9700 §2.4
    /// says it must not be).
    fn password_grant(&mut self, call: TokenCall) -> Result<Value, OAuthError> {
        let (origin, client, form) = (call.origin, call.client, call.form);
        let user = self
            .base
            .user(form.get("username").unwrap_or(""), false)
            .filter(|u| Some(u.password.as_str()) == form.get("password"))
            .ok_or_else(|| OAuthError::invalid_grant("The username or password is wrong."))?;
        let requested = scopes::split(form.get("scope").unwrap_or(""));
        let grant = Grant {
            client_id: client.client_id.clone(),
            username: Some(user.username.clone()),
            scopes: requested
                .iter()
                .filter(|s| scopes::kind(s) != Kind::Unknown)
                .cloned()
                .collect(),
            nonce: None,
            auth_time: self.now(),
            patient: user.portal_access.first().map(|a| a.patient_id.clone()),
            requested,
        };
        let family = self.store.tokens.new_family();
        self.issue_tokens(
            origin,
            Issue {
                grant,
                family,
                lifetime: ACCESS_TOKEN_LIFETIME,
                refresh_token: None,
                id_token: Some(false),
            },
        )
    }
}

/// Unreachable with the embedded key; RFC 6749 §5.2 has no code for a server fault, so
/// this is the 500 `server_error` of §4.1.2.1.
fn signing_failed(reason: String) -> OAuthError {
    OAuthError {
        status: 500,
        error: "server_error",
        description: format!("Signing the ID token failed: {}", printable(&reason)),
        challenge: None,
    }
}

pub(super) fn unauthorized_client(grant_type: &str) -> OAuthError {
    OAuthError::new(
        "unauthorized_client",
        format!("The client is not registered for the {grant_type} grant."),
    )
}

/// Whether two scope lists hold the same scopes, in any order.
fn same_set(a: &[String], b: &[String]) -> bool {
    a.iter().all(|s| b.contains(s)) && b.iter().all(|s| a.contains(s))
}
