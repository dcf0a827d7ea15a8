//! Endpoints: TLS (LINT-E1, RFC 6749 §3.1, §3.2) and the vendor's URL shapes
//! (LINT-E2: CER-01 tenant-scoped paths, ATH-01 hosts). These ids are grantcheck's
//! own; the catalog states the shapes, not a rule id for them.

use super::Ctx;
use crate::diagnose::finding::Finding;
use crate::diagnose::request::{Kind, Request, Url};
use crate::diagnose::vendor;
use crate::profile::Vendor;

pub fn check(req: &Request, ctx: &Ctx, out: &mut Vec<Finding>) {
    check_method(req, ctx, out);
    let role = match req.kind() {
        Kind::Token => "token endpoint",
        Kind::Authorize => "authorize endpoint",
        _ => return,
    };
    if let Some(u) = &req.url {
        check_url(u, role, ctx, out);
    }
}

pub fn check_url(u: &Url, role: &str, ctx: &Ctx, out: &mut Vec<Finding>) {
    let host = u.host_lower();
    if host.starts_with('$') || host.starts_with('{') {
        return;
    }
    if !u.is_https() && !vendor::is_loopback(&host) {
        out.push(
            Finding::error("LINT-E1", u.text.as_str(), ctx.loc(&u.scheme).or(ctx.loc(&u.text)))
                .why(format!("The {role} is not https: credentials, codes and tokens would cross the network in clear text, and RFC 6749 §3.1 and §3.2 require TLS (LINT-E1)."))
                .fix("Use the https URL (for curl, write the scheme: without one curl uses http)."),
        );
    }
    let host_vendor = vendor::of_host(&host);
    if let Some(hv) = host_vendor
        && ctx.vendor != Vendor::Generic
        && hv != ctx.vendor
    {
        out.push(
            Finding::error("LINT-E2", &host, ctx.loc(&u.host))
                .why(format!(
                    "The {role} is on a {} host, but the target is {}.",
                    hv.as_str(),
                    ctx.vendor.as_str()
                ))
                .fix("Use the endpoints of the vendor the profile names."),
        );
        return;
    }
    if matches!(role, "authorize endpoint" | "token endpoint")
        && u.segment_after("tenants").is_none()
        && let Some(advice) = ctx.policy().untenanted_endpoint(&host, role)
    {
        out.push(Finding::advised(advice, u.text.as_str(), ctx.loc(&u.text)));
    }
}

/// Token, introspection and revocation requests are POSTs (RFC 6749 §3.2, RFC 7662
/// §2.1, RFC 7009 §2.1), even where a vendor's docs label introspect GET
/// (LINT-A16, OKT-13).
fn check_method(req: &Request, ctx: &Ctx, out: &mut Vec<Finding>) {
    let path = req.path();
    let endpoint = ["token", "introspect", "revoke"]
        .into_iter()
        .find(|e| path.ends_with(&format!("/{e}")));
    let Some(endpoint) = endpoint else { return };
    if req.method() != "GET" || req.url.is_none() {
        return;
    }
    let rule = if endpoint == "token" {
        "LINT-E4"
    } else {
        "LINT-A16"
    };
    let at = req
        .method
        .as_ref()
        .and_then(|m| ctx.loc(m))
        .or_else(|| req.url.as_ref().and_then(|u| ctx.loc(&u.text)));
    out.push(
        Finding::error(rule, "GET", at)
            .why(format!("The {endpoint} endpoint takes POST with a form-encoded body; a GET (no `-d`, or `-G`) puts credentials in the URL and is refused (RFC 6749 §3.2, RFC 7662 §2.1, OKT-13, {rule})."))
            .fix("Send the parameters with `-d`/`--data-urlencode` (curl then uses POST), without `-G`."),
    );
}
