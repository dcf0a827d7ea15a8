//! `aud` at /authorize: present where the vendor requires it (CER-19), of the shape
//! the vendor documents (a FHIR base URL, or the practice/brand JSON of ATH-03),
//! never double-encoded (ATH-11, LINT-A9, LINT-A10); and on the same kind of
//! environment as the request (LINT-A8).

use super::{Ctx, said, tenant};
use crate::diagnose::finding::Finding;
use crate::diagnose::request::{Kind, Request, Url};
use crate::diagnose::text::{Text, has_percent_escape};
use crate::diagnose::vendor;
use crate::vendors::lint::Remark;

pub fn check(req: &Request, ctx: &Ctx, out: &mut Vec<Finding>) {
    let aud = req.param("aud");
    if req.kind() == Kind::Authorize
        && aud.is_none()
        && let Some(advice) = ctx.policy().missing_aud()
    {
        let at = req.url.as_ref().and_then(|u| ctx.loc(&u.text));
        out.push(Finding::advised(advice, "no aud", at));
    }
    let Some(aud) = aud else { return };
    check_value(&aud.value, ctx, out);
    // LINT-A8: the aud's environment and the authorization server's should agree.
    if let (Some(u), Some(a)) = (&req.url, Url::parse(&aud.value))
        && let (Some(e1), Some(e2)) = (
            vendor::env_of(u.host.as_str(), u.path.as_str()),
            vendor::env_of(a.host.as_str(), a.path.as_str()),
        )
        && e1 != e2
    {
        out.push(
            Finding::warning("LINT-A8", aud.value.as_str(), ctx.loc(&aud.value))
                .why(format!("The request goes to a {} server but its aud is a {} FHIR base; a token from one environment is not valid in the other (LINT-A8, ATH-03).", e1.as_str(), e2.as_str()))
                .fix(format!("Use the aud of the same environment as the authorize endpoint ({}).", said(Remark::TestEnvironmentAud, "; "))),
        );
    }
}

pub fn check_value(v: &Text, ctx: &Ctx, out: &mut Vec<Finding>) {
    let s = v.as_str().trim();
    if s.is_empty() || s.starts_with('$') {
        return;
    }
    // What the vendor answers, and the catalog entry that says so.
    let (consequence, cites) = ctx.policy().aud_rejection();
    if has_percent_escape(s) {
        out.push(
            Finding::error("LINT-A10", s, ctx.loc(v))
                .why(format!("After one decoding the aud still holds `%XX` escapes: it was encoded twice, and {consequence} ({cites}, LINT-A10)."))
                .fix("Encode the aud exactly once (with curl --data-urlencode, write it in plain text, e.g. `aud={\"PRACTICEID\":\"195900\",\"COMMUNICATORBRANDID\":\"1\"}`)."),
        );
        return;
    }
    if s.starts_with('{') {
        check_json(v, s, &consequence, cites, ctx, out);
        return;
    }
    let Some(url) = Url::parse(v) else {
        let (rule, fix) = ctx.policy().unparsable_aud();
        out.push(
            Finding::error(rule, s, ctx.loc(v))
                .why(format!("The aud is neither a FHIR base URL nor a practice JSON, so {consequence} ({cites}, ATH-03, SMART-07)."))
                .fix(fix),
        );
        return;
    };
    if !url.is_https() && !vendor::is_loopback(&url.host_lower()) {
        out.push(
            Finding::warning("CER-19", s, ctx.loc(v))
                .why("The aud is a plain-http URL; FHIR base URLs of the vendors are https, and aud must match the base exactly (CER-19, SMART-07).")
                .fix("Use the https FHIR base URL."),
        );
    }
    let segments = url.segments();
    let segs: Vec<&str> = segments.iter().map(Text::as_str).collect();
    let names_tenant = tenant::tenant_of(&url).is_some();
    if let Some(advice) = ctx.policy().aud_url(&segs, names_tenant) {
        out.push(Finding::advised(advice, s, ctx.loc(v)));
    }
}

fn check_json(
    v: &Text,
    s: &str,
    consequence: &str,
    cites: &str,
    ctx: &Ctx,
    out: &mut Vec<Finding>,
) {
    if let Some(advice) = ctx.policy().json_aud() {
        out.push(Finding::advised(advice, s, ctx.loc(v)));
        return;
    }
    let problem = match serde_json::from_str::<serde_json::Value>(s) {
        Err(e) => Some(format!("it is not valid JSON ({e})")),
        Ok(serde_json::Value::Object(m)) => {
            let missing: Vec<&str> = ["PRACTICEID", "COMMUNICATORBRANDID"]
                .into_iter()
                .filter(|k| !m.contains_key(*k))
                .collect();
            let non_string: Vec<&str> = ["PRACTICEID", "COMMUNICATORBRANDID"]
                .into_iter()
                .filter(|k| m.get(*k).is_some_and(|x| !x.is_string()))
                .collect();
            if !missing.is_empty() {
                Some(format!("it lacks {}", missing.join(" and ")))
            } else if !non_string.is_empty() {
                Some(format!(
                    "{} must be a string, not a number",
                    non_string.join(" and ")
                ))
            } else {
                None
            }
        }
        Ok(_) => Some("it is not a JSON object".to_string()),
    };
    if let Some(problem) = problem {
        out.push(
            Finding::error("LINT-A9", s, ctx.loc(v))
                .why(format!("The practice/brand aud is malformed: {problem}; {consequence} ({cites}, LINT-A9, ATH-03)."))
                .fix("Send exactly `{\"PRACTICEID\":\"<practice>\",\"COMMUNICATORBRANDID\":\"<brand>\"}` with string values, encoded once."),
        );
    }
}
