//! Access tokens travel in `Authorization: Bearer`, never in the query string
//! (RFC 6750 §2.3, RFC-04, OKT-18, LINT-A15).

use super::{Ctx, said};
use crate::diagnose::finding::Finding;
use crate::diagnose::request::{Origin, Request};
use crate::diagnose::text::masked;
use crate::vendors::lint::Remark;

pub fn check(req: &Request, ctx: &Ctx, out: &mut Vec<Finding>) {
    let rule = ctx.policy().token_in_query_rule();
    for p in req.params.iter().filter(|p| p.name == "access_token") {
        let in_url = matches!(p.origin, Origin::Query | Origin::Fragment);
        if in_url {
            out.push(
                Finding::error(rule, format!("access_token={}", masked(p.value.as_str())), ctx.loc(&p.value))
                    .why(format!("The access token is in the URL, where logs, proxies and browser history keep it; {} (RFC 6750 §2.3, RFC-04, OKT-18, LINT-A15).", said(Remark::TokenInQuery, ", ")))
                    .fix("Drop `access_token` from the URL and send `-H \"Authorization: Bearer $ACCESS_TOKEN\"`."),
            );
        }
        let has_header = req.headers_named("authorization").any(|h| {
            h.value
                .as_str()
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("bearer")
        });
        if has_header {
            out.push(
                Finding::error(rule, "access_token and Authorization: Bearer", ctx.loc(&p.value))
                    .why(format!("The token is sent twice, in the Authorization header and as a parameter; {} and RFC 6750 §2 allows one method per request (OKT-18).", said(Remark::TokenTwice, ", ")))
                    .fix("Send the token only in the Authorization header."),
            );
        }
    }
}
