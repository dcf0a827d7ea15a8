//! Cross-origin requests (the Fetch standard's CORS protocol) for the endpoints a
//! browser app calls directly: a preflight (`OPTIONS` with `Origin` and
//! `Access-Control-Request-Method`) is answered before routing, and an ordinary
//! response to a request carrying `Origin` is marked as readable by that origin.
//!
//! Which endpoints take part, and which origins are trusted, is each vendor's policy;
//! this module only speaks the protocol. The origin is echoed (never `*`) with
//! `Vary: Origin`, so that a response with credentials could be allowed too.

use crate::emulators::{EmuRequest, EmuResponse};

/// Request headers a browser app may send on a cross-origin call.
const ALLOWED_HEADERS: &str = "Accept, Authorization, Content-Type, X-Requested-With";
/// Response headers a browser app may read besides the CORS-safelisted ones: the
/// Bearer challenge tells it why a token was refused.
const EXPOSED_HEADERS: &str = "WWW-Authenticate";
/// Seconds a browser may keep a preflight answer.
const MAX_AGE: &str = "600";

/// The `Origin` of a cross-origin request (absent for same-origin and non-browser
/// clients; the literal `null` of an opaque origin counts as absent).
fn origin(req: &EmuRequest) -> Option<&str> {
    req.header("origin")
        .map(str::trim)
        .filter(|o| !o.is_empty() && *o != "null")
}

/// Whether `req` is a CORS preflight: `OPTIONS` with an `Origin` and the method the
/// browser wants to use.
pub(crate) fn is_preflight(req: &EmuRequest) -> bool {
    req.method.eq_ignore_ascii_case("OPTIONS")
        && origin(req).is_some()
        && req.header("access-control-request-method").is_some()
}

/// The answer to a preflight for an endpoint that allows `methods` (e.g. `"GET, POST"`):
/// 204 allowing the origin, the methods and the usual request headers when the
/// requested method is among `methods`; 204 without any `Access-Control-Allow-*`
/// (which the browser treats as a refusal) when it is not.
pub(crate) fn preflight(req: &EmuRequest, methods: &str) -> EmuResponse {
    let wanted = req
        .header("access-control-request-method")
        .unwrap_or("")
        .trim();
    let allowed = methods
        .split(',')
        .map(str::trim)
        .any(|m| m.eq_ignore_ascii_case(wanted));
    let response = EmuResponse::new(204).with_header("vary", "Origin");
    match origin(req) {
        Some(origin) if allowed => response
            .with_header("access-control-allow-origin", origin)
            .with_header("access-control-allow-methods", methods)
            .with_header("access-control-allow-headers", ALLOWED_HEADERS)
            .with_header("access-control-max-age", MAX_AGE),
        _ => response,
    }
}

/// `response` readable by the origin of `req`, if it came from one. A response that
/// already names who may read it (a vendor's documented `Access-Control-Allow-Origin:
/// *`) keeps that answer: a second header would make the browser refuse both.
pub(crate) fn allow(req: &EmuRequest, response: EmuResponse) -> EmuResponse {
    if response.header("access-control-allow-origin").is_some() {
        return match origin(req) {
            Some(_) => response.with_header("access-control-expose-headers", EXPOSED_HEADERS),
            None => response,
        };
    }
    match origin(req) {
        Some(origin) => response
            .with_header("access-control-allow-origin", origin)
            .with_header("access-control-expose-headers", EXPOSED_HEADERS)
            .with_header("vary", "Origin"),
        None => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, headers: &[(&str, &str)]) -> EmuRequest {
        EmuRequest {
            method: method.into(),
            path: "/token".into(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..EmuRequest::default()
        }
    }

    const APP: &str = "https://app.example";

    #[test]
    fn a_preflight_needs_options_an_origin_and_a_method() {
        let full = [("origin", APP), ("access-control-request-method", "POST")];
        assert!(is_preflight(&request("OPTIONS", &full)));
        assert!(is_preflight(&request("options", &full)));
        assert!(!is_preflight(&request("POST", &full)));
        assert!(!is_preflight(&request("OPTIONS", &full[..1])));
        assert!(!is_preflight(&request("OPTIONS", &full[1..])));
        let opaque = [("origin", "null"), ("access-control-request-method", "GET")];
        assert!(!is_preflight(&request("OPTIONS", &opaque)));
    }

    #[test]
    fn preflights_allow_only_the_endpoints_methods() {
        let post = [("origin", APP), ("access-control-request-method", "POST")];
        let r = preflight(&request("OPTIONS", &post), "POST");
        assert_eq!(r.status, 204);
        assert_eq!(r.header("access-control-allow-origin"), Some(APP));
        assert_eq!(r.header("access-control-allow-methods"), Some("POST"));
        assert!(
            r.header("access-control-allow-headers")
                .is_some_and(|h| h.contains("Authorization"))
        );
        assert_eq!(r.header("vary"), Some("Origin"));

        let delete = [("origin", APP), ("access-control-request-method", "DELETE")];
        let r = preflight(&request("OPTIONS", &delete), "GET, POST");
        assert_eq!(r.status, 204);
        assert_eq!(r.header("access-control-allow-origin"), None);
    }

    #[test]
    fn responses_name_the_requesting_origin_only() {
        let r = allow(&request("GET", &[("origin", APP)]), EmuResponse::new(200));
        assert_eq!(r.header("access-control-allow-origin"), Some(APP));
        assert_eq!(
            r.header("access-control-expose-headers"),
            Some("WWW-Authenticate")
        );
        let r = allow(&request("GET", &[]), EmuResponse::new(200));
        assert_eq!(r.header("access-control-allow-origin"), None);
        assert_eq!(r.header("vary"), None);
    }

    #[test]
    fn a_vendors_own_allow_origin_is_kept() {
        let any = || EmuResponse::new(200).with_header("access-control-allow-origin", "*");
        let r = allow(&request("POST", &[("origin", APP)]), any());
        let allowed: Vec<_> = r
            .headers
            .iter()
            .filter(|(k, _)| k == "access-control-allow-origin")
            .collect();
        assert_eq!(allowed.len(), 1);
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
        assert_eq!(
            r.header("access-control-expose-headers"),
            Some("WWW-Authenticate")
        );
    }
}
