//! PKCE: `S256` only (LINT-A6, OKT-06, SMART-06), verifier and challenge shapes
//! (RFC-03), and a challenge that must be the S256 transform of the verifier.

use super::{Ctx, said};
use crate::diagnose::finding::Finding;
use crate::diagnose::request::{Kind, Param, Request};
use crate::diagnose::text::masked;
use crate::oauth::pkce;
use crate::vendors::lint::{PkceExpectation, Remark};

pub fn check(req: &Request, ctx: &Ctx, out: &mut Vec<Finding>) {
    let method = req.param("code_challenge_method");
    let challenge = req.param("code_challenge");
    if let Some(m) = method {
        check_method(m, ctx, out);
    }
    if let Some(c) = challenge {
        if method.is_none() {
            out.push(
                Finding::error("LINT-A6", c.value.as_str(), ctx.loc(&c.value))
                    .why(format!("A code_challenge without code_challenge_method means `plain` (RFC 7636 §4.3), which {} and SMART v2 forbids (OKT-06, SMART-06, LINT-A6).", said(Remark::ImplicitPlainPkce, " and ")))
                    .fix("Add `code_challenge_method=S256` and send BASE64URL(SHA256(verifier)) as the challenge."),
            );
        } else if method.is_some_and(|m| m.value.as_str() == "S256")
            && !pkce::challenge_is_well_formed(c.value.as_str())
        {
            out.push(
                Finding::error("RFC-03", c.value.as_str(), ctx.loc(&c.value))
                    .why(format!(
                        "An S256 code_challenge is the unpadded base64url encoding of a 32-byte SHA-256 digest: exactly 43 characters of `A-Z a-z 0-9 - _`; this one has {} characters{} (RFC 7636 §4.2, RFC-03, LINT-A5).",
                        c.value.as_str().chars().count(),
                        if c.value.as_str().contains(['+', '/', '=']) { " and uses `+`, `/` or `=` padding from standard base64" } else { "" }
                    ))
                    .fix("Hash the verifier's ASCII bytes with SHA-256 and base64url-encode the raw 32-byte digest without padding (not a hex string, not standard base64)."),
            );
        }
    }
    if let Some(v) = req.param("code_verifier") {
        check_verifier(v, ctx, out);
        if let Some(c) = challenge {
            check_pair(c, method.map(|m| m.value.as_str()), v, ctx, out);
        }
    }
    if req.kind() == Kind::Authorize && challenge.is_none() {
        let expected = match ctx.policy().missing_pkce() {
            PkceExpectation::Always => true,
            PkceExpectation::WhenSmart => {
                req.param("aud").is_some() || req.param("launch").is_some()
            }
            PkceExpectation::Never => false,
        };
        if expected {
            let at = req.url.as_ref().and_then(|u| ctx.loc(&u.text));
            out.push(
                Finding::warning("SMART-06", "no code_challenge", at)
                    .why(format!(
                        "The authorize request carries no PKCE challenge: SMART v2 requires PKCE of every app, and {} ({}, OKT-05, SMART-06).",
                        said(Remark::MissingPkce, " and "),
                        said(Remark::MissingPkceAnswer, ", ")
                    ))
                    .fix("Generate a 43–128 character verifier per authorization, and send `code_challenge=BASE64URL(SHA256(verifier))&code_challenge_method=S256`."),
            );
        }
    }
}

fn check_method(m: &Param, ctx: &Ctx, out: &mut Vec<Finding>) {
    let value = m.value.as_str();
    if value == "S256" {
        return;
    }
    let why = if value.eq_ignore_ascii_case("s256") {
        format!(
            "code_challenge_method is case-sensitive: {}, and the one SMART v2 requires, is exactly `S256` (OKT-06, SMART-06, LINT-A6).",
            said(Remark::OnlyPkceMethod, ", ")
        )
    } else if value == "plain" {
        format!(
            "`plain` sends the verifier itself as the challenge: {} and SMART v2 forbids it (OKT-06, SMART-06, LINT-A6).",
            said(Remark::PlainPkce, ", ")
        )
    } else {
        format!(
            "`{value}` is not a PKCE method; {} (OKT-06, LINT-A6).",
            said(Remark::UnknownPkceMethod, ", ")
        )
    };
    out.push(
        Finding::error("LINT-A6", value, ctx.loc(&m.value))
            .why(why)
            .fix("Send `code_challenge_method=S256` with `code_challenge=BASE64URL(SHA256(verifier))`."),
    );
}

fn check_verifier(v: &Param, ctx: &Ctx, out: &mut Vec<Finding>) {
    let s = v.value.as_str();
    if pkce::verifier_is_valid(s) || s.starts_with('$') {
        return;
    }
    let len = s.chars().count();
    let what = if !(43..=128).contains(&len) {
        format!("it has {len} characters")
    } else {
        "it contains characters outside `A-Z a-z 0-9 - . _ ~`".to_string()
    };
    out.push(
        Finding::error("RFC-03", masked(s), ctx.loc(&v.value))
            .why(format!("A code_verifier is 43 to 128 characters from `A-Z a-z 0-9 - . _ ~`, but {what} (RFC 7636 §4.1, RFC-03)."))
            .fix("Generate 32 random bytes and base64url-encode them without padding (43 characters)."),
    );
}

/// The challenge must be the transform of the verifier (both visible in one paste).
pub fn check_pair(
    challenge: &Param,
    method: Option<&str>,
    verifier: &Param,
    ctx: &Ctx,
    out: &mut Vec<Finding>,
) {
    let v = verifier.value.as_str();
    let c = challenge.value.as_str();
    if v.starts_with('$') || c.starts_with('$') {
        return;
    }
    let expected = match method {
        Some("S256") => pkce::s256_challenge(v),
        Some("plain") => v.to_string(),
        _ => return,
    };
    if expected != c {
        out.push(
            Finding::error("RFC-03", c, ctx.loc(&challenge.value))
                .why("The code_challenge is not the S256 transform of the code_verifier sent at the token endpoint, so the server answers invalid_grant \"PKCE verification failed.\" (RFC 7636 §4.6, RFC-03, OKT-01).")
                .fix(format!("Send the verifier whose challenge went to /authorize (its S256 challenge would be `{expected}`); keep the verifier per authorization, not per process.")),
        );
    }
}
