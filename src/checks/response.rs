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

pub fn cache_control_no_store(resp: &Response) -> Outcome {
    let cc = resp.header("cache-control").unwrap_or("");
    ensure(
        cc.split(',')
            .any(|d| d.trim().eq_ignore_ascii_case("no-store")),
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
    let p = resp.header("pragma").unwrap_or("");
    ensure(
        p.eq_ignore_ascii_case("no-cache"),
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
