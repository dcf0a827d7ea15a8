//! LINT-A7: `state` on every authorize request. The vendors (OKT-10, CER-19) and
//! SMART v2 (SMART-07) require it, so for those and for any SMART-looking request a
//! missing state is an error; for plain OAuth RFC 6749 only recommends it, so there
//! it is a warning. A vendor may also restrict its characters (OKT-10) or want a
//! nonce with `openid` (ATH-02).

use super::{Ctx, said};
use crate::diagnose::finding::Finding;
use crate::diagnose::request::{Kind, Request};
use crate::profile::Vendor;
use crate::vendors::lint::Remark;

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
                .why(format!(
                    "The authorize request has no `state`: {}, and SMART v2 and {} require it against cross-site request forgery (OKT-10, SMART-07, CER-19, LINT-A7).",
                    said(Remark::StateRequired, ", "),
                    said(Remark::StateSpecifiedBy, " and ")
                ))
                .fix("Send a fresh random `state` per request (letters, digits, `-._,`) and check that the redirect echoes it."),
        ),
        None => out.push(
            Finding::warning("LINT-A7", "no state", url_loc)
                .why("The authorize request has no `state`; RFC 6749 recommends it to bind the redirect to the browser session and stop cross-site request forgery (RFC 6749 §4.1.1, §10.12, LINT-A7).")
                .fix("Send a fresh random `state` per request and check that the redirect echoes it."),
        ),
        Some(s) => {
            let v = s.value.as_str();
            // A placeholder state leaves the rest to the real request.
            if v.starts_with('$') {
                return;
            }
            if let Some(advice) = ctx.policy().state_value(v) {
                out.push(Finding::advised(advice, v, ctx.loc(&s.value)));
            }
        }
    }
    if scope.split_whitespace().any(|s| s == "openid")
        && req.param("nonce").is_none()
        && let Some(advice) = ctx.policy().openid_without_nonce()
    {
        out.push(Finding::advised(advice, "no nonce", url_loc));
    }
}
