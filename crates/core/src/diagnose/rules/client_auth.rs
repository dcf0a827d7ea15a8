//! Client authentication on token requests: present at all (LINT-C3), one method only
//! (OKT-11), a well-formed Basic header (LINT-C11), a client assertion in the form
//! parameters rather than a Bearer header (CER-07, CER-08, SMART-10), and a client id
//! that is not the app's "Application ID" (LINT-C6).

use std::sync::LazyLock;

use regex::Regex;

use super::{Ctx, said};
use crate::diagnose::finding::Finding;
use crate::diagnose::request::{BasicProblem, Kind, Request, basic_credentials};
use crate::diagnose::text::masked;
use crate::vendors::lint::Remark;

/// A value labelled "Application ID" (or "App ID") in the pasted text.
static APP_ID_LABEL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:application|app)[ _-]?id\b[\s:=]*([A-Za-z0-9._-]{6,})").ok()
});

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub fn check(req: &Request, ctx: &Ctx, out: &mut Vec<Finding>) {
    if req.kind() != Kind::Token {
        return;
    }
    let mut basic_ok = false;
    for h in req.headers_named("authorization") {
        let value = h.value.as_str().trim();
        let scheme = value
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if scheme == "bearer" {
            out.push(
                Finding::error("CER-07", "Authorization: Bearer …", ctx.loc(&h.value))
                    .why("A token request authenticates the client, not a bearer: a JWT in `Authorization: Bearer` is refused with 401 invalid_client and the URN invalid-authorization-header (CER-07, SMART-10).")
                    .fix(format!("Send the signed JWT as form parameters: `client_assertion=<jwt>` and `client_assertion_type={JWT_BEARER}`, or use HTTP Basic for a client secret.")),
            );
            continue;
        }
        if scheme != "basic" {
            continue;
        }
        if value.contains("$(") || value.contains('`') {
            if value.contains("base64")
                && !(value.contains("-w0") || value.contains("-w 0") || value.contains("--wrap=0"))
            {
                out.push(
                    Finding::warning("LINT-C11", "$(… | base64)", ctx.loc(&h.value))
                        .why("GNU base64 wraps its output at 76 characters, so a realistic `id:secret` pair yields a Basic header with an embedded line break, which the server cannot decode (LINT-C11, CER-06).")
                        .fix("Use `base64 -w0`, or let curl build the header with `-u \"$CLIENT_ID:$CLIENT_SECRET\"`."),
                );
            }
            basic_ok = true;
            continue;
        }
        match basic_credentials(&h.value) {
            Some(Ok(_)) => basic_ok = true,
            Some(Err(problem)) => {
                let what = match problem {
                    BasicProblem::Wrapped => {
                        "contains whitespace or a line break inside the encoded credentials (GNU base64 wraps at 76 characters)"
                    }
                    BasicProblem::NotBase64 => "is not valid base64",
                    BasicProblem::NotUtf8 => "does not decode to text",
                    BasicProblem::NoColon => {
                        "decodes to a string without the `:` between client id and secret"
                    }
                };
                out.push(
                    Finding::error("LINT-C11", masked(value), ctx.loc(&h.value))
                        .why(format!("The Basic credentials {what}, so the server cannot identify the client: {} (LINT-C11, OKT-11, CER-04).", said(Remark::UnreadableBasic, ", ")))
                        .fix("Encode `client_id:client_secret` with `base64 -w0`, or let curl do it with `-u \"$CLIENT_ID:$CLIENT_SECRET\"`."),
                );
            }
            None => {}
        }
    }
    let creds = req.user.is_some() || basic_ok;
    let secret_in_body = req.param("client_secret");
    let assertion = req.param("client_assertion");
    let methods = usize::from(creds)
        + usize::from(secret_in_body.is_some())
        + usize::from(assertion.is_some());
    if methods > 1 {
        let at = secret_in_body.or(assertion).and_then(|p| ctx.loc(&p.value));
        out.push(
            Finding::error("OKT-11", "several client credentials", at)
                .why(format!("The request authenticates the client in more than one way (Basic/-u, client_secret in the body, client_assertion); {} and RFC 6749 §2.3 allows one method per request (OKT-11).", said(Remark::SeveralClientCredentials, ", ")))
                .fix("Keep exactly one: the method the client is registered with."),
        );
    }
    if let Some(a) = assertion {
        let t = req.param_value("client_assertion_type");
        if t != Some(JWT_BEARER) {
            let hint = t
                .and_then(|t| super::params::did_you_mean("client_assertion_type", t))
                .map(|d| format!(" For `{}`: {d}", t.unwrap_or_default()))
                .unwrap_or_default();
            out.push(
                Finding::error("SMART-10", t.unwrap_or("(missing client_assertion_type)"), ctx.loc(&a.value))
                    .why(format!("A client_assertion must travel with `client_assertion_type` set to the JWT-bearer URN, or the server cannot tell how to verify it (RFC 7523 §2.2, SMART-10).{hint}"))
                    .fix(format!("Add `client_assertion_type={JWT_BEARER}`.")),
            );
        }
    }
    if let Some(body) = &req.json_body {
        out.push(
            Finding::error("CER-08", "JSON body", ctx.loc(body))
                .why("Token requests are form-encoded (`application/x-www-form-urlencoded`); a JSON body leaves the server with no grant_type or credentials to read (RFC 6749 §4.1.3, CER-08).")
                .fix("Send the parameters with `-d`/`--data-urlencode` as form fields, not as a JSON object."),
        );
    }
    let client_id = req.param("client_id");
    if methods == 0 && !req.unread_files && req.json_body.is_none() {
        let at = req
            .param("grant_type")
            .and_then(|g| ctx.loc(&g.value))
            .or_else(|| req.url.as_ref().and_then(|u| ctx.loc(&u.text)));
        match req.grant_type() {
            Some("client_credentials") => out.push(
                Finding::error("LINT-C3", "no client authentication", at)
                    .why("A client_credentials request without client authentication (no `-u`, no Basic header, no client_assertion) cannot succeed, and as a reproduction it is not the request that failed (LINT-C3, CER-12, RFC 6749 §4.4.2).")
                    .fix("Add `-u \"$CLIENT_ID:$CLIENT_SECRET\"` (the system account's client id and secret) or a signed client_assertion."),
            ),
            Some(_) if client_id.is_none() => out.push(
                Finding::error("LINT-C3", "no client identification", at)
                    .why("The token request names no client: no credentials and no `client_id`; a public client must send client_id, a confidential one must authenticate (RFC 6749 §3.2.1, §4.1.3, LINT-C3).")
                    .fix("Add `client_id=...` (public client, with code_verifier) or `-u \"$CLIENT_ID:$CLIENT_SECRET\"` (confidential client)."),
            ),
            _ => {}
        }
    }
    let cred_id = req.credentials().map(|c| c.id);
    if let (Some(id), Some(cid)) = (&cred_id, client_id)
        && id.as_str() != cid.value.as_str()
        && !id.as_str().starts_with('$')
    {
        out.push(
            Finding::error("OKT-11", cid.value.as_str(), ctx.loc(&cid.value))
                .why(format!("The body's client_id `{}` differs from the client id in the credentials `{}`; the server authenticates one client and rejects the other (OKT-11, CER-04).", cid.value.as_str(), id.as_str()))
                .fix("Use one client id throughout, the one the secret belongs to."),
        );
    }
    if let Some(id) = cred_id.or_else(|| client_id.map(|c| c.value.clone())) {
        check_application_id(id.as_str(), ctx, &id, out);
    }
}

/// LINT-C6. Only checkable when the paste also carries the labelled Application ID (as
/// the seed posts do); a client id alone cannot be told from an application id.
fn check_application_id(
    id: &str,
    ctx: &Ctx,
    t: &crate::diagnose::text::Text,
    out: &mut Vec<Finding>,
) {
    let Some(re) = APP_ID_LABEL.as_ref() else {
        return;
    };
    let labelled = re
        .captures_iter(ctx.source)
        .filter_map(|c| c.get(1))
        .any(|m| m.as_str() == id);
    if labelled {
        out.push(
            Finding::error("LINT-C6", id, ctx.loc(t))
                .why("The client id sent is the value labelled Application ID; only the Client ID (the system account's id for confidential clients) authenticates, so the server answers invalid_client with client=unknown (LINT-C6, CER-06).")
                .fix("Use the Client ID from the app's registration, not its Application ID."),
        );
    }
}
