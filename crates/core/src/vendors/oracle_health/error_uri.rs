//! Oracle Health's `error_uri`: the machine-readable cause of a token or authorization
//! error is a URN inside the URI, with the instance id (equal to the
//! `Cerner-Correlation-Id` header) and the client and tenant the server attributed the
//! failure to. Live servers use URNs outside the historical documented list, and spell
//! some with underscores or hyphens, so any URN parses and comparisons ignore `_`/`-`.

/// `https://…/errors/<urn>/instances/<uuid>?client=<id|unknown>&tenant=<as sent>`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorUri {
    /// Decoded, e.g. `urn:cerner:error:authorization-server:oauth2:token:invalid-tenant`.
    pub urn: String,
    pub instance: Option<String>,
    pub client: Option<String>,
    pub tenant: Option<String>,
    pub persona: Option<String>,
}

const PREFIX: &str = "urn:cerner:error:authorization-server:";

impl ErrorUri {
    /// Parses an error_uri, whether its URN is encoded once (`%3A`) or twice (`%253A`,
    /// as when the URI itself travels inside a redirect's query).
    pub fn parse(uri: &str) -> Option<Self> {
        let mut text = uri.to_string();
        // Undo an outer layer of encoding (a URI that was itself a query value).
        if text.contains("%253A") || (text.contains("%2F") && !text.contains("://")) {
            text = decode(&text);
        }
        let after = text.split_once("/errors/")?.1;
        let (path, query) = after.split_once('?').unwrap_or((after, ""));
        let (urn_part, instance) = match path.split_once("/instances/") {
            Some((u, i)) => (u, Some(i.trim_end_matches('/').to_string())),
            None => (path.trim_end_matches('/'), None),
        };
        let urn = decode(urn_part);
        if !urn.starts_with("urn:") {
            return None;
        }
        let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        Some(Self {
            urn,
            instance,
            client: get("client"),
            tenant: get("tenant"),
            persona: get("persona"),
        })
    }

    /// The URN after `urn:cerner:error:authorization-server:` (`oauth2:token:invalid-tenant`).
    pub fn short(&self) -> &str {
        self.urn.strip_prefix(PREFIX).unwrap_or(&self.urn)
    }

    /// Compares with a short or full URN, treating `_` and `-` alike.
    pub fn is(&self, urn: &str) -> bool {
        let norm = |s: &str| s.strip_prefix(PREFIX).unwrap_or(s).replace('_', "-");
        norm(&self.urn) == norm(urn)
    }

    /// `client=unknown`: the server could not authenticate or identify the client.
    pub fn client_unknown(&self) -> bool {
        self.client.as_deref() == Some("unknown")
    }
}

fn decode(s: &str) -> String {
    crate::oauth::percent::decode(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_seed_000() {
        let e = ErrorUri::parse("https://authorization.cerner.com/errors/urn%3Acerner%3Aerror%3Aauthorization-server%3Aoauth2%3Atoken%3Ainvalid-tenant/instances/65b0a9f4-782f-49a4-947f-e0a875ce5f67?client=ec9e9fdd-d770-4108-8589-62fa060429fb&tenant=5b22adf1-4884-4ac2-b6f3-04fa545ac9fcm").unwrap();
        assert_eq!(e.short(), "oauth2:token:invalid-tenant");
        assert_eq!(
            e.instance.as_deref(),
            Some("65b0a9f4-782f-49a4-947f-e0a875ce5f67")
        );
        assert_eq!(
            e.client.as_deref(),
            Some("ec9e9fdd-d770-4108-8589-62fa060429fb")
        );
        assert_eq!(
            e.tenant.as_deref(),
            Some("5b22adf1-4884-4ac2-b6f3-04fa545ac9fcm")
        );
        assert!(!e.client_unknown());
    }

    #[test]
    fn parses_seed_001_and_both_spellings() {
        let e = ErrorUri::parse("https://authorization.cerner.com/errors/urn%3Acerner%3Aerror%3Aauthorization-server%3Aoauth2%3Atoken%3Ainvalid-client-credentials/instances/14c93355-be14-47c0-9f4a-132ef6124fe5?client=unknown&tenant=ec2458f2-1e24-41c8-b71b-0e701af7583d").unwrap();
        assert!(e.client_unknown());
        assert!(e.is("oauth2:token:invalid_client_credentials"));
        assert!(
            e.is("urn:cerner:error:authorization-server:oauth2:token:invalid-client-credentials")
        );
    }

    #[test]
    fn parses_a_double_encoded_redirect_value() {
        let e = ErrorUri::parse("https%3A%2F%2Fauthorization.cerner.com%2Ferrors%2Furn%253Acerner%253Aerror%253Aauthorization-server%253Aoauth2%253Agrant%253Adenied-by-server%2Finstances%2Fabc%3Fpersona%3Dprovider%26client%3Dapp%26tenant%3Dt1").unwrap();
        assert_eq!(e.short(), "oauth2:grant:denied-by-server");
        assert_eq!(e.persona.as_deref(), Some("provider"));
        assert_eq!(e.tenant.as_deref(), Some("t1"));
    }

    #[test]
    fn unknown_urns_parse_and_garbage_does_not() {
        assert!(ErrorUri::parse("https://x/errors/urn%3Anew%3Athing/instances/1").is_some());
        for bad in ["", "%", "https://x/errors/", "https://x/other", "%%%25"] {
            assert!(ErrorUri::parse(bad).is_none(), "{bad}");
        }
    }
}
