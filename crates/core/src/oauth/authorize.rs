//! Authorization request URLs. Some probes must send a parameter exactly as a
//! misconfigured app would (already encoded, `%3B`-separated), so a parameter can be
//! given raw and is then placed in the query without another round of encoding.

use url::Url;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    /// Encoded once, as a correct client does.
    Value(String),
    /// Placed in the query exactly as given.
    Raw(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizeRequest {
    params: Vec<(String, Param)>,
}

impl AuthorizeRequest {
    pub fn set(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        self.put(name, Param::Value(value.into()))
    }

    pub fn set_raw(&mut self, name: &str, raw: impl Into<String>) -> &mut Self {
        self.put(name, Param::Raw(raw.into()))
    }

    pub fn remove(&mut self, name: &str) -> &mut Self {
        self.params.retain(|(k, _)| k != name);
        self
    }

    pub fn get(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    fn put(&mut self, name: &str, value: Param) -> &mut Self {
        match self.params.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.params.push((name.to_string(), value)),
        }
        self
    }

    /// The full URL: `endpoint?param=…`, keeping any query the endpoint already has.
    pub fn url(&self, endpoint: &Url) -> Url {
        let mut query = endpoint.query().unwrap_or("").to_string();
        for (name, value) in &self.params {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&encode(name));
            query.push('=');
            match value {
                Param::Value(v) => query.push_str(&encode(v)),
                Param::Raw(v) => query.push_str(v),
            }
        }
        let mut url = endpoint.clone();
        url.set_query(Some(&query));
        url
    }
}

/// Query encoding: spaces as `%20` (not `+`, which some servers mishandle), everything
/// outside RFC 3986 unreserved characters percent-encoded.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Where an authorization response ended: the parameters of a redirect to the app.
#[derive(Debug, Clone, Default)]
pub struct RedirectParams {
    pub location: String,
    pub params: Vec<(String, String)>,
}

impl RedirectParams {
    /// Parses query and fragment parameters of a redirect `location`.
    pub fn parse(location: &str) -> Self {
        let mut params = Vec::new();
        let (before_fragment, fragment) = match location.split_once('#') {
            Some((a, f)) => (a, Some(f)),
            None => (location, None),
        };
        if let Some((_, query)) = before_fragment.split_once('?') {
            params.extend(url::form_urlencoded::parse(query.as_bytes()).into_owned());
        }
        if let Some(f) = fragment {
            params.extend(url::form_urlencoded::parse(f.as_bytes()).into_owned());
        }
        Self {
            location: location.to_string(),
            params,
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// True when `location` is a redirect to `redirect_uri` (same URL before the query).
pub fn is_redirect_to(location: &str, redirect_uri: &str) -> bool {
    let base = location.split(['?', '#']).next().unwrap_or(location);
    let target = redirect_uri
        .split(['?', '#'])
        .next()
        .unwrap_or(redirect_uri);
    base == target
}

/// One way to change a registered redirect URI that exact string matching
/// (RFC 9700 §2.1) must notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectAlteration {
    /// `/callback` → `/callback/extra`.
    AddedPathSegment,
    /// `?grantcheck=1` appended to the query.
    AddedQuery,
    /// The path in upper case.
    PathInUpperCase,
    /// Another port (8443, or 9443 when it already is 8443).
    AnotherPort,
}

/// The registered redirect URI changed in the given way.
pub fn alter_redirect_uri(registered: &str, how: RedirectAlteration) -> Result<String, String> {
    let mut url =
        Url::parse(registered).map_err(|e| format!("redirect URI `{registered}`: {e}"))?;
    match how {
        RedirectAlteration::AddedPathSegment => {
            let path = format!("{}/extra", url.path().trim_end_matches('/'));
            url.set_path(&path);
        }
        RedirectAlteration::AddedQuery => {
            let query = match url.query() {
                Some(q) => format!("{q}&grantcheck=1"),
                None => "grantcheck=1".into(),
            };
            url.set_query(Some(&query));
        }
        RedirectAlteration::PathInUpperCase => {
            let upper = url.path().to_ascii_uppercase();
            if upper == url.path() {
                return Err(format!(
                    "redirect URI `{registered}` has no lower-case letters in its path to change"
                ));
            }
            url.set_path(&upper);
        }
        RedirectAlteration::AnotherPort => {
            let port = url.port_or_known_default().unwrap_or(443);
            let other = if port == 8443 { 9443 } else { 8443 };
            url.set_port(Some(other))
                .map_err(|()| format!("redirect URI `{registered}` cannot take a port"))?;
        }
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_once_and_keeps_raw_values() {
        let mut req = AuthorizeRequest::default();
        req.set("scope", "openid patient/Patient.read")
            .set_raw("aud", "%257B");
        let url = req.url(&Url::parse("https://as.test/authorize").unwrap());
        assert_eq!(
            url.as_str(),
            "https://as.test/authorize?scope=openid%20patient%2FPatient.read&aud=%257B"
        );
    }

    #[test]
    fn alters_a_redirect_uri_in_one_way_each() {
        let r = "https://app.example.test/callback";
        use RedirectAlteration::*;
        let alter = |how| alter_redirect_uri(r, how).unwrap();
        assert_eq!(
            alter(AddedPathSegment),
            "https://app.example.test/callback/extra"
        );
        assert_eq!(
            alter(AddedQuery),
            "https://app.example.test/callback?grantcheck=1"
        );
        assert_eq!(alter(PathInUpperCase), "https://app.example.test/CALLBACK");
        assert_eq!(alter(AnotherPort), "https://app.example.test:8443/callback");
        assert_eq!(
            alter_redirect_uri("https://app.example.test:8443/cb", AnotherPort).unwrap(),
            "https://app.example.test:9443/cb"
        );
        assert!(alter_redirect_uri("https://app.example.test/CB", PathInUpperCase).is_err());
    }

    #[test]
    fn parses_query_and_fragment_redirects() {
        let r = RedirectParams::parse("https://app/cb?code=a&state=b#error=x");
        assert_eq!(r.get("code"), Some("a"));
        assert_eq!(r.get("error"), Some("x"));
        assert!(is_redirect_to("https://app/cb?code=a", "https://app/cb"));
        assert!(!is_redirect_to("https://app/cb2?code=a", "https://app/cb"));
    }
}
