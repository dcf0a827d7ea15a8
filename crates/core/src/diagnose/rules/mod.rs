//! Lint rules, one file per family. Each rule looks at a parsed request (or at a
//! profile value) and appends findings carrying the catalog id it enforces.

pub mod accept;
pub mod aud;
pub mod bearer;
pub mod client_auth;
pub mod curl_syntax;
pub mod endpoint;
pub mod params;
pub mod pkce;
pub mod placeholders;
pub mod profile;
pub mod redirect;
pub mod scope;
pub mod state;
pub mod tenant;

use super::finding::{Finding, Location};
use super::request::{Kind, Request};
use super::text::Text;
use crate::profile::Vendor;
use crate::vendors::lint::{self, LintPolicy, Remark};

/// What every rule needs besides the request: the input (to turn origins into
/// line/column) and the vendor the request is aimed at.
pub struct Ctx<'a> {
    pub source: &'a str,
    pub vendor: Vendor,
}

impl Ctx<'_> {
    pub fn loc(&self, t: &Text) -> Option<Location> {
        t.location(self.source)
    }

    pub fn loc_of(&self, t: &Text, start: usize, end: usize) -> Option<Location> {
        t.location_of(self.source, start, end)
    }

    /// What lint knows about the vendor the request is aimed at.
    pub fn policy(&self) -> &'static dyn LintPolicy {
        lint::policy(self.vendor)
    }

    pub fn vendor_name(&self) -> &'static str {
        self.policy().name()
    }
}

/// Every vendor's words for `remark`, joined by `sep`, for findings that quote each
/// vendor whichever one the request goes to.
pub fn said(remark: Remark, sep: &str) -> String {
    lint::remarks(remark).join(sep)
}

/// Every single-request rule.
pub fn check_request(req: &Request, ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    endpoint::check(req, ctx, &mut out);
    tenant::check(req, ctx, &mut out);
    scope::check(req, ctx, &mut out);
    pkce::check(req, ctx, &mut out);
    redirect::check(req, ctx, &mut out);
    client_auth::check(req, ctx, &mut out);
    aud::check(req, ctx, &mut out);
    placeholders::check(req, ctx, &mut out);
    bearer::check(req, ctx, &mut out);
    accept::check(req, ctx, &mut out);
    state::check(req, ctx, &mut out);
    params::check(req, ctx, &mut out);
    out
}

/// Rules across the requests of one paste: an authorize request and the token request
/// that redeems its code must agree on the PKCE pair and the redirect URI.
pub fn check_across(reqs: &[Request], ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    let authorizes: Vec<&Request> = reqs
        .iter()
        .filter(|r| r.kind() == Kind::Authorize)
        .collect();
    let tokens: Vec<&Request> = reqs
        .iter()
        .filter(|r| r.kind() == Kind::Token && r.grant_type() == Some("authorization_code"))
        .collect();
    for a in &authorizes {
        for t in &tokens {
            if let (Some(challenge), Some(verifier)) =
                (a.param("code_challenge"), t.param("code_verifier"))
            {
                pkce::check_pair(
                    challenge,
                    a.param_value("code_challenge_method"),
                    verifier,
                    ctx,
                    &mut out,
                );
            }
            if let (Some(ra), Some(rt)) = (a.param("redirect_uri"), t.param("redirect_uri")) {
                redirect::check_pair(ra, rt, ctx, &mut out);
            }
        }
    }
    out
}
