//! LINT-C8: a redirect URI must be the app's own absolute callback: not a vendor's
//! host, no fragment, https unless loopback (RFC 6749 §3.1.2, CER-18).

use super::{Ctx, said};
use crate::diagnose::finding::Finding;
use crate::diagnose::request::{Param, Request, Url};
use crate::diagnose::text::{Text, has_percent_escape};
use crate::diagnose::vendor;
use crate::vendors::lint::Remark;

pub fn check(req: &Request, ctx: &Ctx, out: &mut Vec<Finding>) {
    for name in ["redirect_uri", "post_logout_redirect_uri"] {
        if let Some(p) = req.param(name) {
            check_uri(&p.value, name, ctx, out);
        }
    }
}

pub fn check_uri(v: &Text, name: &str, ctx: &Ctx, out: &mut Vec<Finding>) {
    let s = v.as_str().trim();
    if s.is_empty() || s.starts_with('$') {
        return;
    }
    let lower = s.to_ascii_lowercase();
    if has_percent_escape(s)
        && (lower.contains("%3a") || lower.contains("%2f") || lower.contains("%25"))
    {
        out.push(
            Finding::error("LINT-A10", s, ctx.loc(v))
                .why(format!("After one decoding the {name} is still percent-encoded, so the server compares an encoded string with the registered URI and rejects it (RFC 6749 §3.1.2, LINT-A10)."))
                .fix(format!("Encode the {name} exactly once (with curl --data-urlencode, write it in plain text).")),
        );
        return;
    }
    let Some(url) = Url::parse(v) else {
        // A private-use scheme such as `com.example.app:/callback` is absolute.
        let scheme_like = s.split_once(':').is_some_and(|(sch, _)| {
            !sch.is_empty()
                && sch
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        if !scheme_like {
            out.push(
                Finding::error("LINT-C8", s, ctx.loc(v))
                    .why(format!(
                        "The {name} is not an absolute URI; {} and {} (RFC 6749 §3.1.2, CER-18, OKT-09).",
                        said(Remark::RelativeRedirectAnswer, ", "),
                        said(Remark::RelativeRedirectRefusal, ", ")
                    ))
                    .fix("Use the full registered callback URL, e.g. `https://app.example.com/callback`."),
            );
        }
        return;
    };
    let host = url.host_lower();
    if vendor::is_vendor_server_host(&host) {
        out.push(
            Finding::error("LINT-C8", s, ctx.loc(&url.host).or(ctx.loc(v)))
                .why(format!(
                    "The {name} points at `{host}`, a vendor's own authorization or FHIR host, so it cannot be the app's registered callback; {} (CER-18, LINT-C8).",
                    if name.starts_with("post_logout") {
                        "the logout request is refused as unregistered (OKT-16)"
                    } else {
                        "the code exchange fails with an invalid-redirect-uri error once client authentication passes"
                    }
                ))
                .fix("Send the callback URL registered for the app on the app's own domain, identical to the one sent to /authorize (e.g. `https://app.example.com/callback`)."),
        );
    } else if !url.is_https()
        && url.scheme.as_str().eq_ignore_ascii_case("http")
        && !vendor::is_loopback(&host)
    {
        out.push(
            Finding::warning("LINT-C8", s, ctx.loc(v))
                .why(format!("The {name} uses plain http on a non-loopback host, so the authorization code travels unencrypted; vendors register https callbacks only (RFC 6749 §3.1.2.1, RFC 8252 §7.3)."))
                .fix("Use an https callback, or http://127.0.0.1:PORT/ for a native app."),
        );
    }
    if let Some(frag) = &url.fragment {
        out.push(
            Finding::error("LINT-C8", format!("#{}", frag.as_str()), ctx.loc(frag))
                .why(format!(
                    "A {name} must not contain a fragment (RFC 6749 §3.1.2)."
                ))
                .fix("Drop the `#...` part."),
        );
    }
}

/// The token request must send the very redirect URI the authorize request sent.
pub fn check_pair(at_authorize: &Param, at_token: &Param, ctx: &Ctx, out: &mut Vec<Finding>) {
    let (a, t) = (at_authorize.value.as_str(), at_token.value.as_str());
    if a == t {
        return;
    }
    let (rule, answer) = ctx.policy().redirect_mismatch();
    out.push(
        Finding::error(rule, t, ctx.loc(&at_token.value))
            .why(format!("The token request sends redirect_uri `{t}` but the authorize request sent `{a}`; they must be identical, trailing slash included, or the server answers {answer} (RFC 6749 §4.1.3, {rule})."))
            .fix(format!("Send `{a}` in both requests.")),
    );
}
