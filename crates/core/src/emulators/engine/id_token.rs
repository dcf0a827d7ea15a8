//! The claims every ID token carries (OpenID Connect Core §2), and the ways a fault can
//! bend them. Vendors add their own claims and sign with their own keys.

use serde_json::{Map, Value, json};

/// Who an ID token is about and for, at what time.
#[derive(Debug, Clone)]
pub(crate) struct IdToken<'a> {
    pub issuer: String,
    pub subject: String,
    pub client_id: &'a str,
    /// Seconds since the epoch now.
    pub now: u64,
    /// Seconds the token lives.
    pub lifetime: u64,
    /// When the user signed in, for servers that report it.
    pub auth_time: Option<u64>,
    /// The authorization request's nonce, echoed (OIDC Core §3.1.3.7 step 11).
    pub nonce: Option<&'a str>,
}

/// Faults that break one required claim each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct IdTokenBends {
    /// Issued two lifetimes ago: signed correctly, expired on arrival.
    pub expired: bool,
    /// `aud` names another client.
    pub wrong_audience: bool,
    /// The nonce is left out.
    pub drop_nonce: bool,
}

impl IdToken<'_> {
    /// `iss`, `sub`, `aud`, `exp`, `iat`, then `auth_time` and `nonce` when there are.
    pub fn claims(&self, bends: IdTokenBends) -> Map<String, Value> {
        let iat = if bends.expired {
            self.now.saturating_sub(2 * self.lifetime)
        } else {
            self.now
        };
        let aud = if bends.wrong_audience {
            format!("{}-other", self.client_id)
        } else {
            self.client_id.to_string()
        };
        let mut claims = Map::new();
        claims.insert("iss".into(), json!(self.issuer));
        claims.insert("sub".into(), json!(self.subject));
        claims.insert("aud".into(), json!(aud));
        claims.insert("exp".into(), json!(iat + self.lifetime));
        claims.insert("iat".into(), json!(iat));
        if let Some(auth_time) = self.auth_time {
            claims.insert("auth_time".into(), json!(auth_time));
        }
        if let Some(nonce) = self.nonce.filter(|_| !bends.drop_nonce) {
            claims.insert("nonce".into(), json!(nonce));
        }
        claims
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> IdToken<'static> {
        IdToken {
            issuer: "https://as".into(),
            subject: "u1".into(),
            client_id: "app",
            now: 10_000,
            lifetime: 300,
            auth_time: Some(9_000),
            nonce: Some("n"),
        }
    }

    #[test]
    fn required_claims_and_their_bends() {
        let c = token().claims(IdTokenBends::default());
        let names: Vec<&str> = c.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce"]
        );
        assert_eq!(
            (c["aud"].clone(), c["exp"].clone()),
            (json!("app"), json!(10_300))
        );
        let bent = token().claims(IdTokenBends {
            expired: true,
            wrong_audience: true,
            drop_nonce: true,
        });
        assert_eq!(bent["exp"], 9_700);
        assert_eq!(bent["aud"], "app-other");
        assert!(bent.get("nonce").is_none());
        let bare = IdToken {
            auth_time: None,
            nonce: None,
            ..token()
        };
        assert_eq!(bare.claims(IdTokenBends::default()).len(), 5);
    }
}
