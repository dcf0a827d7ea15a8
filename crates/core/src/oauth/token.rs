//! Token endpoint requests: grant parameters plus client authentication, including the
//! malformed variants the vendors' troubleshooting answers talk about.

use base64::Engine as _;

/// How the client authenticates this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAuthentication {
    /// Public client: `client_id` in the body.
    None {
        client_id: String,
    },
    Post {
        client_id: String,
        secret: String,
    },
    Basic {
        client_id: String,
        secret: String,
    },
    /// Credentials in both the header and the body.
    Both {
        client_id: String,
        secret: String,
    },
    /// An Authorization header that is not valid Basic.
    MalformedBasic {
        client_id: String,
    },
    /// A confidential client that left out its secret.
    MissingSecret {
        client_id: String,
    },
    /// A signed JWT client assertion (`private_key_jwt`, RFC 7523 §2.2), signed when
    /// it is applied to the request.
    Assertion {
        client_id: String,
        plan: super::assertion::AssertionPlan,
    },
    /// No client authentication at all (the caller sends something else, or nothing).
    Omitted,
}

impl ClientAuthentication {
    pub fn client_id(&self) -> &str {
        match self {
            Self::None { client_id }
            | Self::Post { client_id, .. }
            | Self::Basic { client_id, .. }
            | Self::Both { client_id, .. }
            | Self::MalformedBasic { client_id }
            | Self::MissingSecret { client_id }
            | Self::Assertion { client_id, .. } => client_id,
            Self::Omitted => "",
        }
    }

    /// Form parameters and headers this authentication adds to a request.
    pub fn apply(&self, form: &mut Vec<(String, String)>, headers: &mut Vec<(String, String)>) {
        let id = self.client_id().to_string();
        match self {
            Self::Omitted => {}
            Self::None { .. } | Self::MissingSecret { .. } => {
                form.push(("client_id".into(), id));
            }
            Self::Post { secret, .. } => {
                form.push(("client_id".into(), id));
                form.push(("client_secret".into(), secret.clone()));
            }
            Self::Basic { secret, .. } => {
                headers.push(("authorization".into(), basic_header(&id, secret)));
            }
            Self::Both { secret, .. } => {
                headers.push(("authorization".into(), basic_header(&id, secret)));
                form.push(("client_id".into(), id));
                form.push(("client_secret".into(), secret.clone()));
            }
            Self::Assertion { plan, .. } => {
                form.push(("client_id".into(), id));
                form.push((
                    "client_assertion_type".into(),
                    super::assertion::JWT_BEARER.into(),
                ));
                form.push(("client_assertion".into(), plan.sign_now()));
            }
            Self::MalformedBasic { .. } => {
                // Not base64 and no colon: what a hand-built header with a stray
                // character or line break looks like to the server.
                headers.push(("authorization".into(), "Basic not*base64!".into()));
                form.push(("client_id".into(), id));
            }
        }
    }
}

/// RFC 6749 §2.3.1: id and secret are form-encoded before being joined and encoded.
pub fn basic_header(client_id: &str, secret: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let raw = format!("{}:{}", enc(client_id), enc(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// The inverse of [`basic_header`]: `(client_id, secret)` from an `Authorization`
/// value, `%XX` escapes decoded. `None` when it is not readable Basic credentials.
pub fn parse_basic(header: &str) -> Option<(String, String)> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let encoded = encoded.trim();
    let raw = STANDARD
        .decode(encoded)
        .or_else(|_| STANDARD_NO_PAD.decode(encoded))
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((super::percent::decode(id), super::percent::decode(secret)))
}

/// The grant part of a token request.
#[derive(Debug, Clone)]
pub enum Grant {
    AuthorizationCode {
        code: String,
        redirect_uri: Option<String>,
        code_verifier: Option<String>,
    },
    RefreshToken {
        refresh_token: String,
        scope: Option<String>,
    },
}

impl Grant {
    pub fn form(&self) -> Vec<(String, String)> {
        let mut f = Vec::new();
        match self {
            Grant::AuthorizationCode {
                code,
                redirect_uri,
                code_verifier,
            } => {
                f.push(("grant_type".into(), "authorization_code".into()));
                f.push(("code".into(), code.clone()));
                if let Some(r) = redirect_uri {
                    f.push(("redirect_uri".into(), r.clone()));
                }
                if let Some(v) = code_verifier {
                    f.push(("code_verifier".into(), v.clone()));
                }
            }
            Grant::RefreshToken {
                refresh_token,
                scope,
            } => {
                f.push(("grant_type".into(), "refresh_token".into()));
                f.push(("refresh_token".into(), refresh_token.clone()));
                if let Some(s) = scope {
                    f.push(("scope".into(), s.clone()));
                }
            }
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_header_form_encodes_before_base64() {
        // "a b:c:d" → id "a+b", secret "c%3Ad"
        assert_eq!(basic_header("a b", "c:d"), "Basic YStiOmMlM0Fk");
        assert_eq!(
            parse_basic(&basic_header("a b", "c:d")),
            Some(("a+b".into(), "c:d".into()))
        );
        assert_eq!(parse_basic("Basic !!!"), None);
        assert_eq!(parse_basic("Bearer abc"), None);
    }
}
