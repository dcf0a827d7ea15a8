//! LINT-A7: `state` on every authorize request. Okta (OKT-10), Oracle Health's
//! specification (CER-19) and SMART v2 (SMART-07) require it, so for those and for
//! any SMART-looking request a missing state is an error; for plain OAuth RFC 6749
//! only recommends it, so there it is a warning.

use super::Ctx;
use crate::diagnose::finding::Finding;
use crate::diagnose::request::{Kind, Request};
use crate::profile::Vendor;

pub fn check(req: &Request, ctx: &Ctx, out: &mut Vec<Finding>) {
    if req.kind() != Kind::Authorize {
        return;
    }
    let url_loc = req.url.as_ref().and_then(|u| ctx.loc(&u.text));
    let scope = req.param_value("scope").unwrap_or("");
    let smart = ctx.vendor != Vendor::Generic
        || req.param("aud").is_some()
        || req.param("launch").is_some()
        || scope.split_whitespace().any(|s| {
            s == "fhirUser"
                || s.starts_with("launch")
                || s.starts_with("patient/")
                || s.starts_with("user/")
        });
    match req.param("state") {
        None if smart => out.push(
            Finding::error("LINT-A7", "no state", url_loc)
                .why("The authorize request has no `state`: Okta requires it on every /authorize request, and SMART v2 and Oracle Health's specification require it against cross-site request forgery (OKT-10, SMART-07, CER-19, LINT-A7).")
                .fix("Send a fresh random `state` per request (letters, digits, `-._,`) and check that the redirect echoes it."),
        ),
        None => out.push(
            Finding::warning("LINT-A7", "no state", url_loc)
                .why("The authorize request has no `state`; RFC 6749 recommends it to bind the redirect to the browser session and stop cross-site request forgery (RFC 6749 §4.1.1, §10.12, LINT-A7).")
                .fix("Send a fresh random `state` per request and check that the redirect echoes it."),
        ),
        Some(s) if ctx.vendor == Vendor::Athenahealth => {
            let v = s.value.as_str();
            if v.starts_with('$') {
                return;
            }
            if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric() || ",._-".contains(c)) {
                out.push(
                    Finding::warning("OKT-10", v, ctx.loc(&s.value))
                        .why("Okta allows only letters, digits, comma, period, underscore and hyphen in `state`; other characters get \"The authentication request has an invalid 'state' parameter.\" (OKT-10).")
                        .fix("Use a random token of letters and digits."),
                );
            }
        }
        Some(_) => {}
    }
    if ctx.vendor == Vendor::Athenahealth
        && scope.split_whitespace().any(|s| s == "openid")
        && req.param("nonce").is_none()
    {
        out.push(
            Finding::warning("ATH-02", "no nonce", url_loc)
                .why("The request asks for `openid` without a `nonce`; athenahealth requires a nonce when the app wants an ID token, and the nonce is what ties the ID token to this request (ATH-02).")
                .fix("Send a fresh random `nonce` and compare it with the ID token's `nonce` claim."),
        );
    }
}
