//! The authorization_code grant (RFC 6749 §4.1.3) with PKCE verification (RFC 7636
//! §4.6), to the letter: the engine redeems the code under the strict rules, which this
//! server's faults bend one at a time, and this module words the reasons.

use serde_json::Value;

use super::responses::OAuthError;
use super::store::{ACCESS_TOKEN_LIFETIME, CODE_LIFETIME};
use super::token::{Issue, TokenCall};
use super::{Fault, Reference};
use crate::emulators::engine::{
    CodeFailure, CodeRules, PkceFailure, PkceRules, Redemption, VerifierFormat,
};

const BAD_CODE: &str = "The authorization code is invalid, expired or already used.";

impl Reference {
    pub(super) fn redeem_code(&mut self, call: TokenCall) -> Result<Value, OAuthError> {
        let (origin, client, form) = (call.origin, call.client, call.form);
        let value = form
            .get("code")
            .ok_or_else(|| OAuthError::invalid_request("The code parameter is missing."))?;
        let request = Redemption {
            code: value,
            client_id: &client.client_id,
            redirect_uri: form.get("redirect_uri"),
            verifier: form.get("code_verifier"),
        };
        let code = self
            .store
            .tokens
            .redeem(request, self.now(), self.code_rules())
            .map_err(|f| self.code_error(f))?;
        let now = self.now();
        let mut grant = code.grant;
        grant.client_id = client.client_id.clone();
        let refresh_token = (grant.has("offline_access")
            && self.client_has_grant(client, "refresh_token"))
        .then(|| {
            self.store
                .new_refresh_token(grant.clone(), code.family, now)
        });
        self.issue_tokens(
            origin,
            Issue {
                grant,
                family: code.family,
                lifetime: ACCESS_TOKEN_LIFETIME,
                refresh_token,
                id_token: Some(true),
            },
        )
    }

    /// RFC 6749 §4.1.2 and §4.1.3, RFC 7636 §4.6 and RFC 9700 §4.8.2, each bent by the
    /// fault that breaks it.
    fn code_rules(&self) -> CodeRules {
        let format = if self.on(Fault::PkceAcceptsShortVerifier) {
            VerifierFormat::AnyLength
        } else {
            VerifierFormat::Strict
        };
        let common = CodeRules::common(&self.base, CODE_LIFETIME);
        CodeRules {
            replay_revokes: !self.on(Fault::ReplayKeepsTokens),
            pkce: PkceRules {
                refuse_stray_verifier: !self.on(Fault::PkceDowngradeAccepted),
                verifier_optional: self.on(Fault::PkceVerifierOptional),
                format,
                ..common.pkce
            },
            ..common
        }
    }

    fn code_error(&self, failure: CodeFailure) -> OAuthError {
        let description = match failure {
            CodeFailure::Unknown if self.on(Fault::UnknownCodeInvalidRequest) => {
                return OAuthError::invalid_request(BAD_CODE);
            }
            CodeFailure::Unknown | CodeFailure::Expired | CodeFailure::Replayed => BAD_CODE,
            CodeFailure::OtherClient => "The authorization code was issued to another client.",
            CodeFailure::RedirectMissing => {
                "The redirect_uri is required: the authorization request included one."
            }
            CodeFailure::RedirectUnexpected | CodeFailure::RedirectDiffers => {
                "The redirect_uri differs from the one of the authorization request."
            }
            CodeFailure::Pkce(PkceFailure::StrayVerifier) => {
                "A code_verifier was sent but the authorization request had no code_challenge."
            }
            CodeFailure::Pkce(PkceFailure::VerifierMissing) => "The code_verifier is missing.",
            CodeFailure::Pkce(PkceFailure::VerifierMalformed) => {
                "The code_verifier must be 43 to 128 unreserved characters."
            }
            CodeFailure::Pkce(PkceFailure::Mismatch) => {
                "The code_verifier does not match the code_challenge."
            }
        };
        OAuthError::invalid_grant(description)
    }
}
