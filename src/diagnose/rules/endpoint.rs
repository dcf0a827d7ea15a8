//! Endpoints: TLS (LINT-E1, RFC 6749 §3.1, §3.2) and the vendor's URL shapes
//! (LINT-E2: CER-01 tenant-scoped paths, ATH-01 hosts). These ids are grantcheck's
//! own; the catalog states the shapes, not a rule id for them.

use super::Ctx;
use crate::diagnose::finding::Finding;
use crate::diagnose::request::{Kind, Request, Url};
use crate::diagnose::vendor;
use crate::profile::Vendor;

pub fn check(req: &Request, ctx: &Ctx, out: &mut Vec<Finding>) {
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
    if ctx.vendor == Vendor::OracleHealth
        && matches!(role, "authorize endpoint" | "token endpoint")
        && (host == "authorization.cerner.com" || host == "authorization.sandboxcerner.com")
        && u.segment_after("tenants").is_none()
    {
        out.push(
            Finding::warning("LINT-E2", u.text.as_str(), ctx.loc(&u.text))
                .why(format!("Oracle Health's {role} is tenant-scoped (`/tenants/{{tenant}}/protocols/oauth2/profiles/smart-v1/...`); this URL names no tenant (CER-01)."))
                .fix("Take the endpoint from the tenant's `.well-known/smart-configuration` instead of building it by hand (CER-13)."),
        );
    }
}
