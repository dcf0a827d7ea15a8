//! Redirect URIs: exact matching against the registration (RFC 9700 §2.1) and the
//! authorization responses sent to them (RFC 6749 §4.1.2, RFC 9207).

use url::form_urlencoded;

use super::{Fault, Reference};
use crate::emulators::{ClientRegistration, EmuResponse};

/// Where an authorization response goes: the query (response_mode=query) or, for
/// response types that would return tokens, the fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Query,
    Fragment,
}

/// `uri` with `params` added to its query (keeping a registered query, RFC 6749
/// §3.1.2) or put in its fragment.
pub(super) fn with_params(uri: &str, params: &[(&str, &str)], mode: Mode) -> String {
    let mut encoded = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        encoded.append_pair(k, v);
    }
    let encoded = encoded.finish();
    match mode {
        Mode::Fragment => format!("{uri}#{encoded}"),
        Mode::Query if uri.contains('?') => format!("{uri}&{encoded}"),
        Mode::Query => format!("{uri}?{encoded}"),
    }
}

/// The authority's port removed (`https://h:8443/p` → `https://h/p`); None when `uri`
/// has no `scheme://`.
fn without_port(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    // A colon after an IPv6 literal's closing bracket (or in a plain host) starts the port.
    let host_end = authority.rfind(']').map_or(0, |i| i + 1);
    let host = match authority[host_end..].rfind(':') {
        Some(i)
            if authority[host_end + i + 1..]
                .bytes()
                .all(|b| b.is_ascii_digit()) =>
        {
            &authority[..host_end + i]
        }
        _ => authority,
    };
    Some(format!("{scheme}://{host}{tail}"))
}

/// RFC 8252 §7.3 (and RFC 9700 §2.1): a loopback IP redirect URI of a native app may
/// come back on any port; everything else must be identical.
fn loopback_port_varies(registered: &str, sent: &str) -> bool {
    let loopback = |uri: &str| {
        uri.strip_prefix("http://127.0.0.1")
            .or_else(|| uri.strip_prefix("http://[::1]"))
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/', '?']))
    };
    loopback(registered) && loopback(sent) && without_port(registered) == without_port(sent)
}

impl Reference {
    /// Whether `sent` is one of the client's redirect URIs: the same string, except for
    /// a loopback URI's port.
    pub(super) fn redirect_uri_matches(&self, client: &ClientRegistration, sent: &str) -> bool {
        client.redirect_uris.iter().any(|registered| {
            registered == sent
                || loopback_port_varies(registered, sent)
                || (self.on(Fault::RedirectUriPrefixMatch) && sent.starts_with(registered.as_str()))
                || (self.on(Fault::RedirectUriCaseInsensitive)
                    && registered.eq_ignore_ascii_case(sent))
                || (self.on(Fault::RedirectUriAnyPort)
                    && without_port(registered).is_some()
                    && without_port(registered) == without_port(sent))
        })
    }

    /// A redirect carrying an authorization response; `iss` is added (RFC 9207) and
    /// `state` when the request had one.
    pub(super) fn authorization_redirect<'a>(
        &self,
        origin: &'a str,
        redirect_uri: &str,
        mode: Mode,
        mut params: Vec<(&'a str, &'a str)>,
        state: Option<&'a str>,
    ) -> EmuResponse {
        if let Some(state) = state {
            params.push(("state", state));
        }
        if !self.on(Fault::AuthorizeOmitsIss) {
            params.push(("iss", origin));
        }
        EmuResponse::redirect(with_params(redirect_uri, &params, mode))
    }

    /// An authorization error sent back to the client (RFC 6749 §4.1.2.1).
    pub(super) fn authorization_error(
        &self,
        origin: &str,
        redirect_uri: &str,
        mode: Mode,
        error: &str,
        description: &str,
        state: Option<&str>,
    ) -> EmuResponse {
        let state = state.filter(|_| !self.on(Fault::AuthorizeErrorsDropState));
        let params = vec![("error", error), ("error_description", description)];
        self.authorization_redirect(origin, redirect_uri, mode, params, state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_go_to_query_or_fragment() {
        assert_eq!(
            with_params("https://a/cb", &[("code", "x y")], Mode::Query),
            "https://a/cb?code=x+y"
        );
        assert_eq!(
            with_params("https://a/cb?k=1", &[("code", "x")], Mode::Query),
            "https://a/cb?k=1&code=x"
        );
        assert_eq!(
            with_params("https://a/cb", &[("error", "e")], Mode::Fragment),
            "https://a/cb#error=e"
        );
    }

    #[test]
    fn ports_are_found() {
        assert_eq!(
            without_port("https://h:8443/p?q").as_deref(),
            Some("https://h/p?q")
        );
        assert_eq!(without_port("https://h/p").as_deref(), Some("https://h/p"));
        assert_eq!(
            without_port("http://[::1]:80/cb").as_deref(),
            Some("http://[::1]/cb")
        );
        assert_eq!(
            without_port("http://[::1]").as_deref(),
            Some("http://[::1]")
        );
        assert_eq!(
            without_port("https://h/p:80").as_deref(),
            Some("https://h/p:80")
        );
        assert_eq!(without_port("no-scheme"), None);
    }

    #[test]
    fn only_loopback_ports_vary() {
        assert!(loopback_port_varies(
            "http://127.0.0.1/cb",
            "http://127.0.0.1:5000/cb"
        ));
        assert!(loopback_port_varies(
            "http://[::1]:1/cb",
            "http://[::1]:2/cb"
        ));
        assert!(!loopback_port_varies(
            "http://127.0.0.1/cb",
            "http://127.0.0.1:5000/CB"
        ));
        assert!(!loopback_port_varies(
            "http://127.0.0.1/cb",
            "http://127.0.0.10/cb"
        ));
        assert!(!loopback_port_varies(
            "http://127.0.0.1/cb",
            "http://[::1]/cb"
        ));
        assert!(!loopback_port_varies(
            "https://app.example.test/cb",
            "https://app.example.test:8443/cb"
        ));
        assert!(!loopback_port_varies(
            "http://localhost/cb",
            "http://localhost:1/cb"
        ));
    }
}
