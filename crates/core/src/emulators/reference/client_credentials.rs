//! The client_credentials grant (RFC 6749 §4.4, SMART-09): only for confidential clients
//! registered for it, only within the scopes they were approved for, and never with a
//! refresh token (RFC 6749 §4.4.3).

use serde_json::Value;

use super::responses::OAuthError;
use super::scopes;
use super::store::{Grant, SYSTEM_TOKEN_LIFETIME};
use super::token::{Issue, TokenCall, unauthorized_client};
use super::{Fault, Reference};
use crate::emulators::ClientAuth;

impl Reference {
    pub(super) fn client_credentials(&mut self, call: TokenCall) -> Result<Value, OAuthError> {
        let (origin, client, form) = (call.origin, call.client, call.form);
        if client.auth == ClientAuth::None {
            return Err(unauthorized_client("client_credentials"));
        }
        let registered = self.client_has_grant(client, "client_credentials");
        if !registered && !self.on(Fault::ClientCredentialsAnyClient) {
            return Err(unauthorized_client("client_credentials"));
        }
        let requested = form
            .get("scope")
            .map(scopes::split)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| client.permitted_scopes.clone());
        // Only a registered client has approved scopes to stay within.
        if registered {
            if requested.is_empty() {
                return Err(OAuthError::new(
                    "invalid_scope",
                    "The client has no scopes to request.",
                ));
            }
            if requested
                .iter()
                .any(|s| !client.permitted_scopes.contains(s))
            {
                return Err(OAuthError::new(
                    "invalid_scope",
                    "The requested scope exceeds the scopes the client is approved for.",
                ));
            }
        }
        let grant = Grant {
            client_id: client.client_id.clone(),
            username: None,
            scopes: requested.clone(),
            nonce: None,
            auth_time: self.now(),
            patient: None,
            requested,
        };
        let family = self.store.tokens.new_family();
        let refresh_token = self.on(Fault::ClientCredentialsRefreshToken).then(|| {
            let now = self.now();
            self.store.new_refresh_token(grant.clone(), family, now)
        });
        self.issue_tokens(
            origin,
            Issue {
                grant,
                family,
                lifetime: SYSTEM_TOKEN_LIFETIME,
                refresh_token,
                id_token: None,
            },
        )
    }
}
