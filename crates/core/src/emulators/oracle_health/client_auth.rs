//! Client authentication at the token and revocation endpoints. Confidential clients
//! (system accounts and provider apps) use HTTP Basic only; public apps name themselves
//! with `client_id`. Failures say `client=unknown`: the server cannot tell who is calling.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::faults::Fault;
use super::responses::TokenError;
use super::{OracleHealth, param, urn};
use crate::emulators::{ClientAuth, ClientRegistration, EmuRequest};

use crate::oauth::token::parse_basic;

/// The client a bearer JWT claims to be (`iss`, else `sub`), read without verifying.
/// Only the bearer-header-accepted-as-client-auth fault trusts it.
fn bearer_claimed_client(header: &str) -> Option<String> {
    let (scheme, token) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let payload = token.trim().split('.').nth(1)?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    claims
        .get("iss")
        .or_else(|| claims.get("sub"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

impl OracleHealth {
    /// The calling client, or the invalid_client error to answer with.
    pub(super) fn authenticate_client(
        &self,
        req: &EmuRequest,
        form: &[(String, String)],
    ) -> Result<ClientRegistration, TokenError> {
        let Some(header) = req.header("authorization") else {
            // Without a header only a public app may call, naming itself, or, on a
            // refresh, named by its refresh token (CER-17's request carries neither).
            let claimed = param(form, "client_id");
            if claimed.is_none()
                && let Some(client) = self.refresh_token_holder(form)
            {
                return Ok(client);
            }
            return match claimed.and_then(|id| self.base.client(id)) {
                Some(c) if c.auth == ClientAuth::None => Ok(c.clone()),
                _ => Err(self.bad_credentials(claimed)),
            };
        };
        let Some((id, secret)) = parse_basic(header) else {
            if self.on(Fault::BearerHeaderAcceptedAsClientAuth) {
                let claimed = bearer_claimed_client(header);
                return match claimed.as_deref().and_then(|id| self.base.client(id)) {
                    Some(c) => Ok(c.clone()),
                    None => Err(self.bad_credentials(claimed.as_deref())),
                };
            }
            return Err(self.bad_header());
        };
        let any_secret = self.on(Fault::AcceptWrongSecret);
        match self.base.client(&id) {
            Some(c) if any_secret => Ok(c.clone()),
            Some(c)
                if c.auth != ClientAuth::None && c.secret.as_deref() == Some(secret.as_str()) =>
            {
                Ok(c.clone())
            }
            _ => Err(self.bad_credentials(Some(&id))),
        }
    }

    /// The public app a refresh request's token was issued to. A confidential client's
    /// token never stands in for its credentials (RFC 6749 §6).
    fn refresh_token_holder(&self, form: &[(String, String)]) -> Option<ClientRegistration> {
        if param(form, "grant_type") != Some("refresh_token") {
            return None;
        }
        let token = self
            .store
            .tokens
            .refresh_tokens
            .get(param(form, "refresh_token")?)?;
        self.base
            .client(&token.grant.client_id)
            .filter(|c| c.auth == ClientAuth::None)
            .cloned()
    }

    fn invalid_client(&self, urn: &'static str, claimed: Option<&str>) -> TokenError {
        let status = if self.on(Fault::TokenAuthFailureStatus400) {
            400
        } else {
            401
        };
        let client = claimed.filter(|_| self.on(Fault::ClientIdInErrorUriOnAuthFailure));
        TokenError::new(status, "invalid_client", urn, client)
    }

    fn bad_credentials(&self, claimed: Option<&str>) -> TokenError {
        let urn = if self.on(Fault::LegacyUnderscoreUrns) {
            urn::LEGACY_INVALID_CLIENT_CREDENTIALS
        } else {
            urn::INVALID_CLIENT_CREDENTIALS
        };
        self.invalid_client(urn, claimed)
    }

    fn bad_header(&self) -> TokenError {
        let urn = if self.on(Fault::LegacyUnderscoreUrns) {
            urn::LEGACY_INVALID_AUTHORIZATION_HEADER
        } else {
            urn::INVALID_AUTHORIZATION_HEADER
        };
        self.invalid_client(urn, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_claims() {
        let payload = URL_SAFE_NO_PAD.encode(r#"{"iss":"sys","sub":"other"}"#);
        assert_eq!(
            bearer_claimed_client(&format!("Bearer h.{payload}.s")),
            Some("sys".into())
        );
        let payload = URL_SAFE_NO_PAD.encode(r#"{"sub":"other"}"#);
        assert_eq!(
            bearer_claimed_client(&format!("bearer h.{payload}.s")),
            Some("other".into())
        );
        assert_eq!(bearer_claimed_client("Bearer not-a-jwt"), None);
        assert_eq!(bearer_claimed_client("Basic x.y.z"), None);
    }
}
