//! The refresh_token grant (RFC 6749 §6). A refresh may narrow the scope but never widen
//! it, works only for its own client, and a public client's refresh token is rotated on
//! every use; presenting a rotated-out one again revokes its whole grant (RFC 9700
//! §4.14.2). Confidential clients keep their refresh token.

use serde_json::Value;

use super::responses::OAuthError;
use super::scopes;
use super::store::{ACCESS_TOKEN_LIFETIME, Grant};
use super::token::{Issue, TokenCall};
use super::{Fault, Reference};
use crate::emulators::ClientAuth;
use crate::emulators::engine::{RefreshFailure, RefreshRules};

impl Reference {
    pub(super) fn refresh(&mut self, call: TokenCall) -> Result<Value, OAuthError> {
        let (origin, client, form) = (call.origin, call.client, call.form);
        let value = form
            .get("refresh_token")
            .ok_or_else(|| OAuthError::invalid_request("The refresh_token parameter is missing."))?
            .to_string();
        let now = self.now();
        let rules = RefreshRules {
            bound_to_client: !self.on(Fault::RefreshNotBoundToClient),
            detect_replay: !self.on(Fault::RefreshReplayUndetected),
            replay_revokes: !self.on(Fault::RefreshReplayKeepsFamily),
        };
        let token = self
            .store
            .tokens
            .use_refresh(&value, &client.client_id, now, rules)
            .map_err(|failure| {
                OAuthError::invalid_grant(match failure {
                    RefreshFailure::Unknown | RefreshFailure::Revoked | RefreshFailure::Expired => {
                        "The refresh token is invalid, expired or revoked."
                    }
                    RefreshFailure::OtherClient => {
                        "The refresh token was issued to another client."
                    }
                    RefreshFailure::Replayed => {
                        "The refresh token was already used; its grant is revoked."
                    }
                })
            })?;

        let original = &token.grant.scopes;
        let requested = form
            .get("scope")
            .map(scopes::split)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| original.clone());
        if requested.iter().any(|s| !original.contains(s)) && !self.on(Fault::RefreshWidensScope) {
            return Err(OAuthError::new(
                "invalid_scope",
                "The requested scope exceeds the scope of the original grant.",
            ));
        }
        let granted = if self.on(Fault::RefreshIgnoresScope) {
            original.clone()
        } else {
            requested.clone()
        };

        let refresh_token = if client.auth != ClientAuth::None {
            None
        } else if self.on(Fault::NoRefreshRotation) {
            Some(value)
        } else {
            if let Some(old) = self.store.tokens.refresh_tokens.get_mut(&value) {
                old.used = true;
            }
            // The new token carries the original grant: its scope stays what the user
            // approved (RFC 6749 §6), whatever this refresh narrowed.
            Some(
                self.store
                    .new_refresh_token(token.grant.clone(), token.family, now),
            )
        };
        let grant = Grant {
            client_id: client.client_id.clone(),
            scopes: granted,
            requested,
            ..token.grant
        };
        self.issue_tokens(
            origin,
            Issue {
                grant,
                family: token.family,
                lifetime: ACCESS_TOKEN_LIFETIME,
                refresh_token,
                id_token: Some(false),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    /// A refresh request with no client identification at all.
    fn anonymous_refresh(emu: &mut super::Reference, rt: &str) -> String {
        let form = [("grant_type", "refresh_token"), ("refresh_token", rt)];
        outcome(&send(emu, post("/token", &form)))
    }

    #[test]
    fn a_public_client_is_known_by_its_refresh_token() {
        let mut emu = emulator(&[]);
        let rt = s(&tokens(&mut emu, &authz(PUBLIC))["refresh_token"]);
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", rt.as_str()),
        ];
        let r = send(&mut emu, post("/token", &form));
        assert_eq!(r.status, 200, "{}", text(&r));
        let next = s(&json(&r)["refresh_token"]);
        assert_ne!(next, rt, "rotated as for any public client");
        // The rotated-out token is a replay, and still names its client.
        assert_eq!(anonymous_refresh(&mut emu, &rt), "400 invalid_grant");
    }

    #[test]
    fn confidential_clients_and_unknown_tokens_still_need_authentication() {
        let mut emu = emulator(&[]);
        let rt = s(&tokens(&mut emu, &authz(POST_CLIENT))["refresh_token"]);
        assert_eq!(anonymous_refresh(&mut emu, &rt), "401 invalid_client");
        assert_eq!(
            anonymous_refresh(&mut emu, "never-issued"),
            "401 invalid_client"
        );
        // Any client identification at all goes through client authentication.
        let public_rt = s(&tokens(&mut emu, &authz(PUBLIC))["refresh_token"]);
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", public_rt.as_str()),
            ("client_secret", "x"),
        ];
        assert_eq!(
            outcome(&send(&mut emu, post("/token", &form))),
            "401 invalid_client"
        );
    }
}
