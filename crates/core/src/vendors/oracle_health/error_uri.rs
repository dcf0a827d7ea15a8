//! Oracle Health's `error_uri`: the machine-readable cause of a token or authorization
//! error is a URN inside the URI, with the instance id (equal to the
//! `Cerner-Correlation-Id` header) and the client and tenant the server attributed the
//! failure to. Live servers use URNs outside the historical documented list, and spell
//! some with underscores or hyphens, so any URN parses and comparisons ignore `_`/`-`.
//! The checks read it as `ErrorUri`; `explain` reads it with `for_explain`, which also
//! takes a bare URN and adds the short form it reports.

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
/// The vendor's URNs for errors outside the authorization server (the FHIR API's).
const ANY_ERROR: &str = "urn:cerner:error:";

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
        let norm = |s: &str| hyphenated(s.strip_prefix(PREFIX).unwrap_or(s));
        norm(&self.urn) == norm(urn)
    }

    /// `client=unknown`: the server could not authenticate or identify the client.
    pub fn client_unknown(&self) -> bool {
        is_unknown_client(self.client.as_deref())
    }
}

/// A URN with `_` spelled `-`: the historical docs used underscores for some URNs that
/// live servers spell with hyphens (CER-07).
pub fn hyphenated(urn: &str) -> String {
    urn.replace('_', "-")
}

/// Whether the `client` the error_uri names is `unknown`: the server could not
/// identify the client (CER-04).
pub fn is_unknown_client(client: Option<&str>) -> bool {
    client == Some("unknown")
}

fn decode(s: &str) -> String {
    crate::oauth::percent::decode(s)
}

/// The URN after `authorization-server:` (`oauth2:token:invalid-tenant`); for the
/// vendor's other URNs, after `urn:cerner:error:`.
fn short_of(urn: &str) -> String {
    urn.strip_prefix(PREFIX)
        .or_else(|| urn.strip_prefix(ANY_ERROR))
        .unwrap_or(urn)
        .to_string()
}

/// Reads an `error_uri` into explain's form, whether its URN is encoded once (`%3A`)
/// or twice (`%253A`), or a bare URN. Any URN parses: live servers use many outside
/// the historical list.
pub(crate) fn for_explain(uri: &str) -> Option<crate::diagnose::explain::ErrorUri> {
    use crate::diagnose::explain::ErrorUri as Explained;
    use crate::diagnose::text::percent_decode;

    let t = uri.trim().trim_matches(['"', '\'', '<', '>']);
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("urn:") || lower.starts_with("urn%3a") || lower.starts_with("urn%253a") {
        let mut urn = t.to_string();
        for _ in 0..2 {
            if urn.contains('%') {
                urn = percent_decode(&urn, false);
            }
        }
        return Some(Explained {
            short: short_of(&urn),
            urn,
            instance: None,
            client: None,
            tenant: None,
            persona: None,
        });
    }
    let e = ErrorUri::parse(t)?;
    // A URN still holding an escape was encoded once more than the URI around it.
    let urn = if e.urn.contains("%3A") || e.urn.contains("%3a") {
        percent_decode(&e.urn, false)
    } else {
        e.urn
    };
    Some(Explained {
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
    fn explain_form_of_seed_000() {
        let e = for_explain("https://authorization.cerner.com/errors/urn%3Acerner%3Aerror%3Aauthorization-server%3Aoauth2%3Atoken%3Ainvalid-tenant/instances/65b0a9f4-782f-49a4-947f-e0a875ce5f67?client=ec9e9fdd-d770-4108-8589-62fa060429fb&tenant=5b22adf1-4884-4ac2-b6f3-04fa545ac9fcm").unwrap();
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
        assert!(!is_unknown_client(e.client.as_deref()));
    }

    #[test]
    fn explain_form_of_double_encodings_spellings_and_bare_urns() {
        let e = for_explain("https://authorization.cerner.com/errors/urn%253Acerner%253Aerror%253Aauthorization-server%253Aoauth2%253Agrant%253Adenied-by-server/instances/abc?persona=provider&client=app&tenant=t").unwrap();
        assert_eq!(e.short, "oauth2:grant:denied-by-server");
        assert_eq!(e.persona.as_deref(), Some("provider"));
        let u = for_explain(
            "urn:cerner:error:authorization-server:oauth2:token:invalid_client_credentials",
        )
        .unwrap();
        assert_eq!(
            hyphenated(&u.short),
            "oauth2:token:invalid-client-credentials"
        );
        let x = for_explain("https://x.example/errors/urn%3Anew%3Athing/instances/1").unwrap();
        assert_eq!(x.short, "urn:new:thing");
        for bad in ["", "%", "https://x/errors/", "no", "https://x/other"] {
            assert!(for_explain(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn unknown_urns_parse_and_garbage_does_not() {
        assert!(ErrorUri::parse("https://x/errors/urn%3Anew%3Athing/instances/1").is_some());
        for bad in ["", "%", "https://x/errors/", "https://x/other", "%%%25"] {
            assert!(ErrorUri::parse(bad).is_none(), "{bad}");
        }
    }
}
