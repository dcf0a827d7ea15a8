//! The authorization_code grant (RFC 6749 §4.1.3) with PKCE verification (RFC 7636
//! §4.6). A code is consumed by the first redemption attempt of an authenticated client,
//! whatever its outcome; presenting it again revokes what its first use issued.

use serde_json::Value;

use super::responses::{OAuthError, Params};
use super::store::{ACCESS_TOKEN_LIFETIME, AuthCode, CODE_LIFETIME, Challenge, ChallengeMethod};
use super::token::Issue;
use super::{Fault, Reference};
use crate::emulators::ClientRegistration;
use crate::oauth::pkce;

const BAD_CODE: &str = "The authorization code is invalid, expired or already used.";

impl Reference {
    pub(super) fn redeem_code(
        &mut self,
        origin: &str,
        client: &ClientRegistration,
        form: &Params,
    ) -> Result<Value, OAuthError> {
        let value = form
            .get("code")
            .ok_or_else(|| OAuthError::invalid_request("The code parameter is missing."))?;
        let code = self.take_code(value)?;

        if code.grant.client_id != client.client_id && !self.on(Fault::IgnoreClientMismatch) {
            return Err(OAuthError::invalid_grant(
                "The authorization code was issued to another client.",
            ));
        }
        self.check_redirect_uri(&code, form.get("redirect_uri"))?;
        self.verify_pkce(code.challenge.as_ref(), form.get("code_verifier"))?;

        let family = self.store.new_family();
        if let Some(stored) = self.store.codes.get_mut(value) {
            stored.family = Some(family);
        }
        let mut grant = code.grant;
        grant.client_id = client.client_id.clone();
        let now = self.now();
        let refresh_token = (grant.has("offline_access")
            && self.client_has_grant(client, "refresh_token"))
        .then(|| self.store.new_refresh_token(grant.clone(), family, now));
        self.issue_tokens(
            origin,
            Issue {
                grant,
                family,
                lifetime: ACCESS_TOKEN_LIFETIME,
                refresh_token,
                id_token: Some(true),
                requested: &code.requested,
            },
        )
    }

    /// The code, marked used; or the error for an unknown, replayed or expired one. A
    /// replay revokes the tokens of the first redemption (RFC 6749 §4.1.2).
    fn take_code(&mut self, value: &str) -> Result<AuthCode, OAuthError> {
        let now = self.now();
        let unknown = if self.on(Fault::UnknownCodeInvalidRequest) {
            OAuthError::invalid_request(BAD_CODE)
        } else {
            OAuthError::invalid_grant(BAD_CODE)
        };
        let reusable = self.on(Fault::AllowCodeReuse);
        let expires = !self.on(Fault::CodesNeverExpire);
        let keep_tokens = self.on(Fault::ReplayKeepsTokens);
        let Some(code) = self.store.codes.get_mut(value) else {
            return Err(unknown);
        };
        if code.used && !reusable {
            let family = code.family;
            if let Some(family) = family.filter(|_| !keep_tokens) {
                self.store.revoke_family(family);
            }
            return Err(OAuthError::invalid_grant(BAD_CODE));
        }
        if expires && now.saturating_sub(code.issued_at) >= CODE_LIFETIME {
            return Err(OAuthError::invalid_grant(BAD_CODE));
        }
        code.used = true;
        Ok(code.clone())
    }

    /// RFC 6749 §4.1.3: the redirect_uri must be identical to the authorization
    /// request's; it may be left out only when that request left it out too.
    fn check_redirect_uri(&self, code: &AuthCode, sent: Option<&str>) -> Result<(), OAuthError> {
        if self.on(Fault::IgnoreRedirectMismatch) {
            return Ok(());
        }
        match sent {
            Some(uri) if uri == code.redirect_uri => Ok(()),
            None if !code.redirect_uri_sent => Ok(()),
            None => Err(OAuthError::invalid_grant(
                "The redirect_uri is required: the authorization request included one.",
            )),
            Some(_) => Err(OAuthError::invalid_grant(
                "The redirect_uri differs from the one of the authorization request.",
            )),
        }
    }

    /// RFC 7636 §4.6, RFC 9700 §4.8.2: a stored challenge needs a matching verifier, and
    /// a verifier without a stored challenge is a downgrade attempt.
    fn verify_pkce(
        &self,
        challenge: Option<&Challenge>,
        verifier: Option<&str>,
    ) -> Result<(), OAuthError> {
        let (challenge, verifier) = match (challenge, verifier) {
            (None, None) => return Ok(()),
            (None, Some(_)) if self.on(Fault::PkceDowngradeAccepted) => return Ok(()),
            (None, Some(_)) => {
                return Err(OAuthError::invalid_grant(
                    "A code_verifier was sent but the authorization request had no code_challenge.",
                ));
            }
            (Some(_), None) if self.on(Fault::PkceVerifierOptional) => return Ok(()),
            (Some(_), None) => {
                return Err(OAuthError::invalid_grant("The code_verifier is missing."));
            }
            (Some(challenge), Some(verifier)) => (challenge, verifier),
        };
        let well_formed = if self.on(Fault::PkceAcceptsShortVerifier) {
            !verifier.is_empty() && verifier.len() <= 128 && verifier.bytes().all(is_unreserved)
        } else {
            pkce::verifier_is_valid(verifier)
        };
        if !well_formed {
            return Err(OAuthError::invalid_grant(
                "The code_verifier must be 43 to 128 unreserved characters.",
            ));
        }
        let matches = match challenge.method {
            ChallengeMethod::S256 => pkce::s256_challenge(verifier) == challenge.value,
            ChallengeMethod::Plain => verifier == challenge.value,
        };
        if matches || self.on(Fault::AcceptAnyVerifier) {
            Ok(())
        } else {
            Err(OAuthError::invalid_grant(
                "The code_verifier does not match the code_challenge.",
            ))
        }
    }
}

/// RFC 7636 §4.1's verifier alphabet.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}
