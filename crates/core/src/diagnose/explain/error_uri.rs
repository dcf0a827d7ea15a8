//! Oracle Health's `error_uri`, in the shape explain reports it. Parsing itself is
//! `vendors::oracle_health::error_uri` (shared with the checks); this adds the short
//! form and accepts a bare URN as well as the full URI.

use serde::Serialize;

use crate::diagnose::text::percent_decode;

const PREFIX: &str = "urn:cerner:error:authorization-server:";
const CERNER: &str = "urn:cerner:error:";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorUri {
    /// Decoded, e.g. `urn:cerner:error:authorization-server:oauth2:token:invalid-tenant`.
    pub urn: String,
    /// After `authorization-server:` (`oauth2:token:invalid-tenant`); for other Cerner
    /// URNs, after `urn:cerner:error:`.
    pub short: String,
    pub instance: Option<String>,
    pub client: Option<String>,
    pub tenant: Option<String>,
    pub persona: Option<String>,
}

impl ErrorUri {
    /// The short form with `_` spelled `-`: the historical docs used underscores for
    /// some URNs that live servers spell with hyphens (CER-07).
    pub fn normalized(&self) -> String {
        self.short.replace('_', "-")
    }

    /// `client=unknown`: the server could not identify the client (CER-04).
    pub fn client_unknown(&self) -> bool {
        self.client.as_deref() == Some("unknown")
    }
}

fn short_of(urn: &str) -> String {
    urn.strip_prefix(PREFIX)
        .or_else(|| urn.strip_prefix(CERNER))
        .unwrap_or(urn)
        .to_string()
}

/// Parses an `error_uri` (`.../errors/<urn>/instances/<id>?client=..&tenant=..`)
/// whether its URN is encoded once (`%3A`) or twice (`%253A`), or a bare URN. Any URN
/// parses: live servers use many outside the historical list.
pub fn parse_error_uri(uri: &str) -> Option<ErrorUri> {
    let t = uri.trim().trim_matches(['"', '\'', '<', '>']);
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("urn:") || lower.starts_with("urn%3a") || lower.starts_with("urn%253a") {
        let mut urn = t.to_string();
        for _ in 0..2 {
            if urn.contains('%') {
                urn = percent_decode(&urn, false);
            }
        }
        return Some(ErrorUri {
            short: short_of(&urn),
            urn,
            instance: None,
            client: None,
            tenant: None,
            persona: None,
        });
    }
    let e = crate::vendors::oracle_health::error_uri::ErrorUri::parse(t)?;
    // A URN still holding an escape was encoded once more than the URI around it.
    let urn = if e.urn.contains("%3A") || e.urn.contains("%3a") {
        percent_decode(&e.urn, false)
    } else {
        e.urn
    };
    Some(ErrorUri {
        short: short_of(&urn),
        urn,
        instance: e.instance.filter(|i| !i.is_empty()),
        client: e.client,
        tenant: e.tenant,
        persona: e.persona,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_000() {
        let e = parse_error_uri("https://authorization.cerner.com/errors/urn%3Acerner%3Aerror%3Aauthorization-server%3Aoauth2%3Atoken%3Ainvalid-tenant/instances/65b0a9f4-782f-49a4-947f-e0a875ce5f67?client=ec9e9fdd-d770-4108-8589-62fa060429fb&tenant=5b22adf1-4884-4ac2-b6f3-04fa545ac9fcm").unwrap();
        assert_eq!(
            e.urn,
            "urn:cerner:error:authorization-server:oauth2:token:invalid-tenant"
        );
        assert_eq!(e.short, "oauth2:token:invalid-tenant");
        assert_eq!(
            e.instance.as_deref(),
            Some("65b0a9f4-782f-49a4-947f-e0a875ce5f67")
        );
        assert_eq!(
            e.tenant.as_deref(),
            Some("5b22adf1-4884-4ac2-b6f3-04fa545ac9fcm")
        );
        assert!(!e.client_unknown());
    }

    #[test]
    fn double_encoding_spellings_and_bare_urns() {
        let e = parse_error_uri("https://authorization.cerner.com/errors/urn%253Acerner%253Aerror%253Aauthorization-server%253Aoauth2%253Agrant%253Adenied-by-server/instances/abc?persona=provider&client=app&tenant=t").unwrap();
        assert_eq!(e.short, "oauth2:grant:denied-by-server");
        assert_eq!(e.persona.as_deref(), Some("provider"));
        let u = parse_error_uri(
            "urn:cerner:error:authorization-server:oauth2:token:invalid_client_credentials",
        )
        .unwrap();
        assert_eq!(u.normalized(), "oauth2:token:invalid-client-credentials");
        let x = parse_error_uri("https://x.example/errors/urn%3Anew%3Athing/instances/1").unwrap();
        assert_eq!(x.short, "urn:new:thing");
        for bad in ["", "%", "https://x/errors/", "no", "https://x/other"] {
            assert!(parse_error_uri(bad).is_none(), "{bad}");
        }
    }
}
