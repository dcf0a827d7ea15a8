//! Checks on any HTTP response.

use super::{Outcome, ensure};
use crate::http::Response;
use crate::redact::Redactor;

/// `HTTP 400 application/json {"error":…}` with secret members masked, for messages.
pub fn describe(resp: &Response) -> String {
    let body = super::excerpt(
        &Redactor::default().body(resp.content_type(), &resp.body),
        600,
    );
    let mut s = format!("HTTP {}", resp.status);
    if let Some(ct) = resp.content_type() {
        s.push(' ');
        s.push_str(ct);
    }
    if let Some(loc) = resp.location() {
        s.push_str(" Location: ");
        s.push_str(&Redactor::default().url(loc));
    }
    if !body.is_empty() {
        s.push(' ');
        s.push_str(&body);
    }
    s
}

pub fn status_is(resp: &Response, expected: u16) -> Outcome {
    ensure(
        resp.status == expected,
        "status_is",
        "RFC9110-15",
        format!("HTTP {expected}"),
        || describe(resp),
    )
}

pub fn status_in(resp: &Response, range: std::ops::RangeInclusive<u16>) -> Outcome {
    ensure(
        range.contains(&resp.status),
        "status_in",
        "RFC9110-15",
        format!("HTTP {}–{}", range.start(), range.end()),
        || describe(resp),
    )
}

pub fn json_content_type(resp: &Response) -> Outcome {
    let ct = resp.content_type().unwrap_or("").to_ascii_lowercase();
    ensure(
        ct.starts_with("application/json") || ct.contains("+json"),
        "json_content_type",
        "RFC6749-5.1",
        "Content-Type: application/json",
        || format!("Content-Type: {}", resp.content_type().unwrap_or("(none)")),
    )
}

/// The comma-separated items of every field of a list header, in order (RFC 9110
/// §5.3: several fields of one name are one list).
pub fn list_items<'a>(resp: &'a Response, name: &'a str) -> impl Iterator<Item = &'a str> {
    resp.headers
        .iter()
        .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|i| !i.is_empty())
}

/// The authentication schemes a response challenges with, across every
/// `WWW-Authenticate` field (RFC 9110 §11.6.1 allows several challenges per field):
/// an item whose first word is a token without `=` starts a challenge; the others
/// are that challenge's parameters.
pub fn challenges(resp: &Response) -> impl Iterator<Item = &str> {
    let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    list_items(resp, "www-authenticate").filter_map(move |item| {
        let first = item.split_whitespace().next()?;
        (!first.contains('=') && first.chars().all(tchar)).then_some(first)
    })
}

pub fn cache_control_no_store(resp: &Response) -> Outcome {
    ensure(
        list_items(resp, "cache-control").any(|d| d.eq_ignore_ascii_case("no-store")),
        "cache_control_no_store",
        "RFC6749-5.1",
        "Cache-Control: no-store",
        || {
            format!(
                "Cache-Control: {}",
                resp.header("cache-control").unwrap_or("(absent)")
            )
        },
    )
}

pub fn pragma_no_cache(resp: &Response) -> Outcome {
    ensure(
        list_items(resp, "pragma").any(|d| d.eq_ignore_ascii_case("no-cache")),
        "pragma_no_cache",
        "RFC6749-5.1 (RFC9111-5.4 deprecates Pragma)",
        "Pragma: no-cache",
        || format!("Pragma: {}", resp.header("pragma").unwrap_or("(absent)")),
    )
}

pub fn body_is_empty(resp: &Response) -> Outcome {
    ensure(
        resp.body.iter().all(u8::is_ascii_whitespace),
        "body_is_empty",
        "OKT-14",
        "an empty body",
        || describe(resp),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::response;

    fn with_header(name: &str, value: &str) -> Response {
        response(200, &[(name, value)], "")
    }

    #[test]
    fn describe_names_status_type_and_location_and_masks_secrets() {
        let r = response(
            302,
            &[
                ("content-type", "application/json"),
                ("location", "https://app.test/cb?code=c0de-value-123"),
            ],
            r#"{"access_token":"secret-access-token-456"}"#,
        );
        let d = describe(&r);
        assert!(
            d.starts_with("HTTP 302 application/json Location: https://app.test/cb?"),
            "{d}"
        );
        assert!(!d.contains("c0de-value-123"), "{d}");
        assert!(!d.contains("secret-access-token-456"), "{d}");
    }

    #[test]
    fn the_expected_status_passes() {
        assert!(status_is(&response(200, &[], ""), 200).is_ok());
    }

    #[test]
    fn another_status_fails() {
        let f = status_is(&response(500, &[], "oops"), 200).unwrap_err();
        assert_eq!((f.check, f.spec), ("status_is", "RFC9110-15"));
        assert!(f.received.contains("HTTP 500"), "{}", f.received);
    }

    #[test]
    fn a_status_at_either_end_of_the_range_passes() {
        assert!(status_in(&response(400, &[], ""), 400..=499).is_ok());
        assert!(status_in(&response(499, &[], ""), 400..=499).is_ok());
    }

    #[test]
    fn a_status_outside_the_range_fails() {
        for status in [200, 500] {
            let f = status_in(&response(status, &[], ""), 400..=499).unwrap_err();
            assert_eq!((f.check, f.spec), ("status_in", "RFC9110-15"));
        }
    }

    #[test]
    fn json_media_types_pass_in_any_case_and_with_parameters() {
        for ct in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/problem+json",
        ] {
            assert!(
                json_content_type(&with_header("content-type", ct)).is_ok(),
                "{ct}"
            );
        }
    }

    #[test]
    fn a_non_json_or_missing_content_type_fails() {
        for r in [
            with_header("content-type", "text/html"),
            response(200, &[], "{}"),
        ] {
            let f = json_content_type(&r).unwrap_err();
            assert_eq!((f.check, f.spec), ("json_content_type", "RFC6749-5.1"));
        }
    }

    #[test]
    fn no_store_passes_among_other_directives_in_any_case() {
        for cc in ["no-store", "private, No-Store", "no-cache,no-store"] {
            assert!(
                cache_control_no_store(&with_header("cache-control", cc)).is_ok(),
                "{cc}"
            );
        }
    }

    #[test]
    fn cache_control_without_no_store_fails() {
        for r in [
            with_header("cache-control", "no-cache, max-age=0"),
            response(200, &[], ""),
        ] {
            let f = cache_control_no_store(&r).unwrap_err();
            assert_eq!((f.check, f.spec), ("cache_control_no_store", "RFC6749-5.1"));
        }
    }

    #[test]
    fn pragma_no_cache_passes_in_any_case() {
        assert!(pragma_no_cache(&with_header("pragma", "no-cache")).is_ok());
        assert!(pragma_no_cache(&with_header("pragma", "No-Cache")).is_ok());
        // A list, as RFC 9111 §5.4 gives Pragma.
        assert!(pragma_no_cache(&with_header("pragma", "x-ext, no-cache")).is_ok());
    }

    /// RFC 9110 §5.3: two fields of one list header are one list.
    #[test]
    fn a_directive_in_a_second_field_counts() {
        let r = response(
            200,
            &[("cache-control", "private"), ("cache-control", "no-store")],
            "",
        );
        assert!(cache_control_no_store(&r).is_ok());
        let r = response(
            401,
            &[
                ("www-authenticate", "Basic realm=\"a, b\""),
                ("www-authenticate", "Bearer"),
            ],
            "",
        );
        let schemes: Vec<&str> = challenges(&r).collect();
        assert_eq!(schemes, ["Basic", "Bearer"]);
    }

    #[test]
    fn a_missing_pragma_fails() {
        let f = pragma_no_cache(&response(200, &[], "")).unwrap_err();
        assert_eq!(f.check, "pragma_no_cache");
        assert_eq!(f.spec, "RFC6749-5.1 (RFC9111-5.4 deprecates Pragma)");
    }

    #[test]
    fn an_empty_or_blank_body_passes() {
        assert!(body_is_empty(&response(200, &[], "")).is_ok());
        assert!(body_is_empty(&response(200, &[], " \r\n")).is_ok());
    }

    #[test]
    fn a_body_with_content_fails() {
        let f = body_is_empty(&response(200, &[], "{}")).unwrap_err();
        assert_eq!((f.check, f.spec), ("body_is_empty", "OKT-14"));
    }
}
