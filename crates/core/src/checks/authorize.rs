//! Authorization endpoint outcomes: the redirect back to the app, or the page the user
//! is left on.

use super::response::describe;
use super::{Failure, Outcome, ensure, fail};
use crate::login::LoginOutcome;
use crate::login::html::visible_text;
use crate::oauth::authorize::RedirectParams;
use crate::oauth::error::OAuthError;
use crate::redact::Redactor;

fn describe_outcome(outcome: &LoginOutcome) -> String {
    match outcome {
        LoginOutcome::Redirected(r) => {
            format!("a redirect to {}", Redactor::default().url(&r.location))
        }
        LoginOutcome::Stopped { response, reason } => {
            let text = visible_text(&response.text());
            let text = if text.is_empty() {
                describe(response)
            } else {
                super::excerpt(&text, 600)
            };
            format!("no redirect ({reason}); HTTP {}: {text}", response.status)
        }
    }
}

/// The redirect back to the app carries an authorization code.
pub fn redirected_with_code(outcome: &LoginOutcome) -> Result<&RedirectParams, Failure> {
    match outcome {
        LoginOutcome::Redirected(r) if r.get("code").is_some_and(|c| !c.is_empty()) => Ok(r),
        other => Err(Failure {
            check: "authorization_redirects_with_code",
            spec: "RFC6749-4.1.2",
            expected: "a redirect to the app with a `code`".into(),
            received: describe_outcome(other),
        }),
    }
}

/// The redirect back to the app carries `error` = `code`.
pub fn redirected_with_error(outcome: &LoginOutcome, code: &str) -> Result<OAuthError, Failure> {
    let mismatch = |received| Failure {
        check: "authorization_error_is",
        spec: "RFC6749-4.1.2.1",
        expected: format!("a redirect to the app with error {code:?}"),
        received,
    };
    match outcome {
        LoginOutcome::Redirected(r) => match OAuthError::from_params(&r.params) {
            Some(e) if e.error == code => Ok(e),
            Some(e) => Err(mismatch(format!(
                "error {:?} (error_description {})",
                e.error,
                super::shown(e.description.as_deref())
            ))),
            None => Err(mismatch(describe_outcome(outcome))),
        },
        other => Err(mismatch(describe_outcome(other))),
    }
}

/// Either of two named error codes (where the vendor documents are ambiguous).
pub fn redirected_with_either_error(
    outcome: &LoginOutcome,
    a: &str,
    b: &str,
) -> Result<OAuthError, Failure> {
    redirected_with_error(outcome, a).or_else(|_| {
        redirected_with_error(outcome, b).map_err(|mut f| {
            f.expected = format!("a redirect to the app with error {a:?} or {b:?}");
            f
        })
    })
}

pub fn state_is(params: &RedirectParams, expected: &str) -> Outcome {
    ensure(
        params.get("state") == Some(expected),
        "state_is_echoed",
        "RFC6749-4.1.2",
        "the `state` the app sent",
        || match params.get("state") {
            Some(_) => "a different `state`".into(),
            None => "no `state` parameter".into(),
        },
    )
}

/// The server did not send the browser to the app: it showed a page instead.
pub fn not_redirected(outcome: &LoginOutcome) -> Result<(u16, String), Failure> {
    match outcome {
        LoginOutcome::Stopped { response, .. } => {
            Ok((response.status, visible_text(&response.text())))
        }
        other => Err(Failure {
            check: "no_redirect_to_unregistered_uri",
            spec: "RFC6749-4.1.2.1",
            expected: "an error page, and no redirect".into(),
            received: describe_outcome(other),
        }),
    }
}

pub fn page_says(outcome: &LoginOutcome, needle: &str) -> Outcome {
    let (_, text) = not_redirected(outcome)?;
    ensure(
        text.contains(needle),
        "page_says",
        "vendor-documentation",
        format!("a page saying {needle:?}"),
        || text.clone(),
    )
}

pub fn page_status_is(outcome: &LoginOutcome, status: u16) -> Outcome {
    let (got, text) = not_redirected(outcome)?;
    if got == status {
        Ok(())
    } else {
        fail(
            "page_status_is",
            "vendor-documentation",
            format!("HTTP {status}"),
            format!("HTTP {got}: {text}"),
        )
    }
}

/// The authorization response names the server in `iss` (RFC 9207 §2), equal to the
/// issuer of its metadata.
pub fn iss_is(params: &RedirectParams, issuer: &str) -> Outcome {
    ensure(
        params.get("iss") == Some(issuer),
        "authorization_response_names_issuer",
        "RFC9207-2",
        format!("iss {issuer:?}"),
        || match params.get("iss") {
            Some(other) => format!("iss {other:?}"),
            None => "no `iss` parameter".into(),
        },
    )
}

/// A page no other site may frame: `X-Frame-Options` DENY/SAMEORIGIN or a CSP
/// `frame-ancestors` directive (RFC 9700 §4.16 clickjacking).
pub fn page_not_frameable(resp: &crate::http::Response) -> Outcome {
    let xfo = resp
        .header("x-frame-options")
        .unwrap_or("")
        .to_ascii_lowercase();
    let xfo_ok = xfo.trim() == "deny" || xfo.trim() == "sameorigin";
    // Every CSP field is enforced, so one restrictive frame-ancestors is enough. A
    // source list restricts unless it admits any site: `*` or a bare scheme
    // (`https:`); a host wildcard such as `https://*.example.com` still restricts.
    let restrictive = |sources: &str| {
        !sources
            .split_whitespace()
            .any(|src| src == "*" || (src.ends_with(':') && !src.contains("//")))
    };
    let csp_ok = resp
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("content-security-policy"))
        .flat_map(|(_, v)| v.split(';'))
        .filter_map(|d| {
            let d = d.trim().to_ascii_lowercase();
            d.strip_prefix("frame-ancestors")
                .filter(|rest| rest.is_empty() || rest.starts_with(' '))
                .map(str::to_owned)
        })
        .any(|sources| restrictive(&sources));
    ensure(
        xfo_ok || csp_ok,
        "page_forbids_framing",
        "RFC9700-4.16",
        "X-Frame-Options DENY or SAMEORIGIN, or a CSP frame-ancestors directive",
        || {
            format!(
                "HTTP {} X-Frame-Options {}, Content-Security-Policy {}",
                resp.status,
                super::shown(resp.header("x-frame-options")),
                super::shown(resp.header("content-security-policy"))
            )
        },
    )
}

/// No POST (the sign-in and consent forms) was answered with 307, which would make
/// the browser re-post the user's credentials to the next location (RFC 9700 §4.12).
pub fn no_307_after_post(exchanges: &[crate::http::Exchange]) -> Outcome {
    let bad: Vec<String> = exchanges
        .iter()
        .filter(|e| e.method == "POST" && e.status == Some(307))
        .map(|e| e.url.clone())
        .collect();
    ensure(
        bad.is_empty(),
        "no_307_after_form_post",
        "RFC9700-4.12",
        "no form POST answered with 307",
        || format!("307 answered the POST to {}", bad.join(", ")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::response;
    use crate::http::Exchange;

    const CALLBACK: &str = "https://app.example.test/callback";

    fn redirected(query: &str) -> LoginOutcome {
        LoginOutcome::Redirected(RedirectParams::parse(&format!("{CALLBACK}?{query}")))
    }

    fn stopped(status: u16, html: &str) -> LoginOutcome {
        LoginOutcome::Stopped {
            response: response(status, &[("content-type", "text/html")], html),
            reason: "no form to submit".into(),
        }
    }

    fn params(query: &str) -> RedirectParams {
        RedirectParams::parse(&format!("{CALLBACK}?{query}"))
    }

    #[test]
    fn a_redirect_with_a_code_passes() {
        let o = redirected("code=c1&state=s1");
        assert_eq!(redirected_with_code(&o).unwrap().get("code"), Some("c1"));
    }

    #[test]
    fn a_redirect_without_a_code_fails() {
        for o in [
            redirected("code=&state=s1"),
            redirected("error=access_denied"),
        ] {
            let f = redirected_with_code(&o).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("authorization_redirects_with_code", "RFC6749-4.1.2")
            );
        }
    }

    #[test]
    fn a_page_instead_of_a_code_redirect_fails_quoting_the_page() {
        let f = redirected_with_code(&stopped(400, "<h1>Bad request</h1>")).unwrap_err();
        assert_eq!(f.check, "authorization_redirects_with_code");
        assert!(
            f.received.contains("HTTP 400: Bad request"),
            "{}",
            f.received
        );
    }

    #[test]
    fn an_error_redirect_with_the_named_code_passes() {
        let o = redirected("error=invalid_scope&error_description=nope");
        let e = redirected_with_error(&o, "invalid_scope").unwrap();
        assert_eq!(e.description.as_deref(), Some("nope"));
    }

    #[test]
    fn an_error_redirect_with_another_code_fails_naming_it() {
        let o = redirected("error=access_denied");
        let f = redirected_with_error(&o, "invalid_scope").unwrap_err();
        assert_eq!(
            (f.check, f.spec),
            ("authorization_error_is", "RFC6749-4.1.2.1")
        );
        assert!(f.received.contains("access_denied"), "{}", f.received);
    }

    #[test]
    fn a_code_redirect_or_a_page_fails_where_an_error_is_expected() {
        for o in [redirected("code=c1"), stopped(200, "<p>Sign in</p>")] {
            let f = redirected_with_error(&o, "invalid_scope").unwrap_err();
            assert_eq!(f.check, "authorization_error_is");
        }
    }

    #[test]
    fn either_named_error_passes() {
        for code in ["invalid_request", "invalid_scope"] {
            let o = redirected(&format!("error={code}"));
            let e = redirected_with_either_error(&o, "invalid_request", "invalid_scope").unwrap();
            assert_eq!(e.error, code);
        }
    }

    #[test]
    fn a_third_error_fails_naming_both_alternatives() {
        let o = redirected("error=server_error");
        let f = redirected_with_either_error(&o, "invalid_request", "invalid_scope").unwrap_err();
        assert_eq!(f.check, "authorization_error_is");
        assert!(
            f.expected
                .contains("\"invalid_request\" or \"invalid_scope\""),
            "{}",
            f.expected
        );
    }

    #[test]
    fn the_state_sent_passes() {
        assert!(state_is(&params("code=c&state=s1"), "s1").is_ok());
    }

    #[test]
    fn a_different_or_missing_state_fails() {
        for (query, received) in [
            ("code=c&state=s2", "a different `state`"),
            ("code=c", "no `state` parameter"),
        ] {
            let f = state_is(&params(query), "s1").unwrap_err();
            assert_eq!((f.check, f.spec), ("state_is_echoed", "RFC6749-4.1.2"));
            assert_eq!(f.received, received);
        }
    }

    #[test]
    fn an_error_page_passes_with_its_status_and_text() {
        let o = stopped(400, "<p>Invalid <b>redirect_uri</b></p>");
        assert_eq!(
            not_redirected(&o).unwrap(),
            (400, "Invalid redirect_uri".to_string())
        );
    }

    #[test]
    fn any_redirect_fails_where_an_error_page_is_expected() {
        for o in [redirected("code=c1"), redirected("error=invalid_request")] {
            let f = not_redirected(&o).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("no_redirect_to_unregistered_uri", "RFC6749-4.1.2.1")
            );
        }
    }

    #[test]
    fn a_page_with_the_text_passes() {
        let o = stopped(
            400,
            "<div>The <em>redirect URI</em> is not registered.</div>",
        );
        assert!(page_says(&o, "redirect URI is not registered").is_ok());
    }

    #[test]
    fn a_page_without_the_text_fails() {
        let f = page_says(&stopped(400, "<p>Oops</p>"), "not registered").unwrap_err();
        assert_eq!((f.check, f.spec), ("page_says", "vendor-documentation"));
        assert_eq!(f.received, "Oops");
    }

    #[test]
    fn a_redirect_fails_where_a_page_should_say_something() {
        let f = page_says(&redirected("code=c1"), "anything").unwrap_err();
        assert_eq!(f.check, "no_redirect_to_unregistered_uri");
    }

    #[test]
    fn a_page_with_the_status_passes() {
        assert!(page_status_is(&stopped(400, "bad"), 400).is_ok());
    }

    #[test]
    fn a_page_with_another_status_fails() {
        let f = page_status_is(&stopped(500, "<p>crash</p>"), 400).unwrap_err();
        assert_eq!(
            (f.check, f.spec),
            ("page_status_is", "vendor-documentation")
        );
        assert_eq!(f.received, "HTTP 500: crash");
    }

    #[test]
    fn the_metadata_issuer_in_iss_passes() {
        let p = params("code=c&iss=https%3A%2F%2Fas.test%2Foauth2");
        assert!(iss_is(&p, "https://as.test/oauth2").is_ok());
    }

    #[test]
    fn another_or_no_iss_fails() {
        for query in ["code=c&iss=https%3A%2F%2Fas.test%2Foauth2%2F", "code=c"] {
            let f = iss_is(&params(query), "https://as.test/oauth2").unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("authorization_response_names_issuer", "RFC9207-2")
            );
        }
    }

    fn page(headers: &[(&str, &str)]) -> crate::http::Response {
        response(200, headers, "<form></form>")
    }

    #[test]
    fn x_frame_options_deny_or_sameorigin_passes_in_any_case() {
        for v in ["DENY", "sameorigin", " SameOrigin "] {
            assert!(
                page_not_frameable(&page(&[("x-frame-options", v)])).is_ok(),
                "{v}"
            );
        }
    }

    #[test]
    fn a_csp_frame_ancestors_directive_passes() {
        for csp in [
            "frame-ancestors 'none'",
            "default-src 'self'; frame-ancestors 'self' https://portal.example.test",
            // A host wildcard still names which sites may frame the page.
            "frame-ancestors https://*.example.test",
            "Frame-Ancestors 'self'",
        ] {
            let r = page(&[("content-security-policy", csp)]);
            assert!(page_not_frameable(&r).is_ok(), "{csp}");
        }
        // A second policy field is enforced too.
        let r = page(&[
            ("content-security-policy", "default-src 'self'"),
            ("content-security-policy", "frame-ancestors 'none'"),
        ]);
        assert!(page_not_frameable(&r).is_ok());
    }

    #[test]
    fn a_page_any_site_may_frame_fails() {
        for headers in [
            &[][..],
            &[("content-security-policy", "default-src 'self'")][..],
            &[("content-security-policy", "frame-ancestors *")][..],
            &[("content-security-policy", "frame-ancestors 'self' https:")][..],
            &[("content-security-policy", "frame-ancestors-x 'none'")][..],
            &[("x-frame-options", "ALLOW-FROM https://evil.test")][..],
        ] {
            let f = page_not_frameable(&page(headers)).unwrap_err();
            assert_eq!((f.check, f.spec), ("page_forbids_framing", "RFC9700-4.16"));
        }
    }

    #[test]
    fn posts_answered_with_302_or_303_pass() {
        let log = [
            Exchange::sample("GET", "https://as.test/authorize", 307),
            Exchange::sample("POST", "https://as.test/login", 302),
            Exchange::sample("POST", "https://as.test/consent", 303),
        ];
        assert!(no_307_after_post(&log).is_ok());
    }

    #[test]
    fn a_post_answered_with_307_fails_naming_it() {
        let log = [
            Exchange::sample("POST", "https://as.test/login", 302),
            Exchange::sample("POST", "https://as.test/consent", 307),
        ];
        let f = no_307_after_post(&log).unwrap_err();
        assert_eq!(
            (f.check, f.spec),
            ("no_307_after_form_post", "RFC9700-4.12")
        );
        assert_eq!(
            f.received,
            "307 answered the POST to https://as.test/consent"
        );
    }
}
