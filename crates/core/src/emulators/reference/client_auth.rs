//! Client authentication at /token, /introspect and /revoke (RFC 6749 §2.3): HTTP Basic
//! or the form body, exactly one of them, and the one the client registered for.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::responses::{BASIC_CHALLENGE, BEARER_CHALLENGE, OAuthError, Params};
use super::{Fault, Reference};
use crate::emulators::{ClientAuth, ClientRegistration, EmuRequest};

/// How the request presented its client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presented {
    Basic,
    Post,
    /// Only a client_id in the body: a public client, or a confidential one without its
    /// secret.
    IdOnly,
}

/// `application/x-www-form-urlencoded` decoding of one Basic credential component
/// (RFC 6749 §2.3.1): `+` is a space, `%XX` a byte; None for a broken escape or bytes
/// that are not UTF-8.
fn form_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// `(client_id, secret)` of a Basic Authorization value; None when it is not Basic or
/// not readable.
pub(super) fn parse_basic(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

impl Reference {
    /// `invalid_client`: 401 with a Basic challenge (RFC 6749 §5.2, RFC-02).
    pub(super) fn invalid_client(&self, description: &str) -> OAuthError {
        let mut error = OAuthError::new("invalid_client", description);
        if !self.on(Fault::InvalidClientWithoutChallenge) {
            error.status = 401;
            error.challenge = Some(if self.on(Fault::InvalidClientBearerChallenge) {
                BEARER_CHALLENGE.to_string()
            } else {
                BASIC_CHALLENGE.to_string()
            });
        }
        error
    }

    /// The authenticated client of a token, introspection or revocation request.
    pub(super) fn authenticate_client(
        &mut self,
        origin: &str,
        req: &EmuRequest,
        form: &Params,
    ) -> Result<ClientRegistration, OAuthError> {
        let body_id = form.get("client_id");
        let body_secret = form.get("client_secret");
        let header = req.header("authorization").filter(|h| !h.trim().is_empty());
        let assertion = form.get("client_assertion");
        let assertion_type = form.get("client_assertion_type");
        if assertion.is_some() || assertion_type.is_some() {
            if (header.is_some() || body_secret.is_some())
                && !self.on(Fault::TwoAuthMethodsAccepted)
            {
                return Err(OAuthError::invalid_request(
                    "The client used more than one authentication method.",
                ));
            }
            return self.authenticate_assertion(origin, req, assertion_type, assertion, body_id);
        }

        let (client_id, secret, presented) = match header {
            Some(_) if body_secret.is_some() && !self.on(Fault::TwoAuthMethodsAccepted) => {
                return Err(OAuthError::invalid_request(
                    "The client used more than one authentication method.",
                ));
            }
            Some(header) => {
                let (id, secret) = parse_basic(header).ok_or_else(|| {
                    self.invalid_client(
                        "The Authorization header is not valid HTTP Basic credentials.",
                    )
                })?;
                if body_id.is_some_and(|b| b != id) {
                    return Err(OAuthError::invalid_request(
                        "The client_id in the body differs from the Authorization header.",
                    ));
                }
                (id, Some(secret), Presented::Basic)
            }
            None => {
                let id = body_id
                    .ok_or_else(|| self.invalid_client("No client authentication was included."))?;
                match body_secret {
                    Some(secret) => (id.to_string(), Some(secret.to_string()), Presented::Post),
                    None => (id.to_string(), None, Presented::IdOnly),
                }
            }
        };

        let Some(client) = self.base.client(&client_id) else {
            return Err(if self.on(Fault::UnknownClientInvalidGrant) {
                OAuthError::invalid_grant("The client is unknown.")
            } else {
                self.invalid_client("The client is unknown.")
            });
        };
        self.check_method(client, presented)?;
        self.check_secret(
            client,
            secret.as_deref().filter(|s| !s.is_empty()),
            presented,
        )?;
        Ok(client.clone())
    }

    /// The client must use the method it registered (OIDC Core §9, RFC 7591 §2).
    fn check_method(
        &self,
        client: &ClientRegistration,
        presented: Presented,
    ) -> Result<(), OAuthError> {
        let allowed = match client.auth {
            ClientAuth::None => presented == Presented::IdOnly,
            // A confidential client with only its client_id is refused in check_secret.
            ClientAuth::ClientSecretBasic => {
                presented != Presented::Post || self.on(Fault::AuthMethodNotEnforced)
            }
            ClientAuth::ClientSecretPost => {
                presented != Presented::Basic || self.on(Fault::AuthMethodNotEnforced)
            }
            // Only an assertion authenticates it (see client_assertion.rs).
            ClientAuth::PrivateKeyJwt => self.on(Fault::AuthMethodNotEnforced),
        };
        if allowed {
            Ok(())
        } else {
            Err(self.invalid_client("The client did not use its registered authentication method."))
        }
    }

    fn check_secret(
        &self,
        client: &ClientRegistration,
        secret: Option<&str>,
        presented: Presented,
    ) -> Result<(), OAuthError> {
        if client.auth == ClientAuth::None {
            return Ok(());
        }
        let broken = match presented {
            Presented::Basic => self.on(Fault::BasicAuthBroken),
            Presented::Post => self.on(Fault::PostAuthBroken),
            Presented::IdOnly => false,
        };
        match secret {
            None if self.on(Fault::MissingSecretAccepted) => Ok(()),
            None => Err(self.invalid_client("The confidential client did not send its secret.")),
            Some(s) if client.secret.as_deref() == Some(s) && !broken => Ok(()),
            Some(_) => Err(self.invalid_client("The client secret is wrong.")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_components_are_form_decoded() {
        let header = format!("Basic {}", STANDARD.encode("my+app:p%40ss%2Bword"));
        assert_eq!(
            parse_basic(&header),
            Some(("my app".into(), "p@ss+word".into()))
        );
        assert_eq!(
            parse_basic(&format!("basic  {}", STANDARD.encode("a:"))),
            Some(("a".into(), String::new()))
        );
        for bad in [
            "Basic !!!".to_string(),
            "Bearer abc".into(),
            "Basic".into(),
            format!("Basic {}", STANDARD.encode("nocolon")),
            format!("Basic {}", STANDARD.encode("a:%G1")),
            format!("Basic {}", STANDARD.encode("a:%4")),
            format!("Basic {}", STANDARD.encode("a:%+1")),
            format!("Basic {}", STANDARD.encode("a:%FF")),
            format!("Basic {}", STANDARD.encode(b"a:\xff")),
            "Basic \u{1F600}".into(),
        ] {
            assert_eq!(parse_basic(&bad), None, "{bad}");
        }
    }
}
