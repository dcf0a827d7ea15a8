//! Scope rules: delimiters and encoding (RFC-01, LINT-C2), spelling and case against
//! the vendor's documented scopes (LINT-A1, LINT-A2), combinations a vendor refuses
//! (CER-12, CER-24), wildcards (CER-11, ATH-04) and request size (LINT-C4).

use super::{Ctx, said};
use crate::diagnose::finding::Finding;
use crate::diagnose::request::{Origin, Request};
use crate::diagnose::text::{Text, has_percent_escape};
use crate::profile::Vendor;
use crate::vendors::lint::{self, Remark};

/// More scopes than this risks a token-size refusal (CER-26).
const MANY_SCOPES: usize = 15;

/// How a scope request is used, for the rules that depend on it.
pub struct ScopeUse<'a> {
    pub grant: Option<&'a str>,
    /// Scopes the vendor approved for this app (profile `permitted_scopes`).
    pub permitted: &'a [String],
    /// A list of approvals rather than one request: skip count and combination rules.
    pub is_list: bool,
    /// How the value reached the server (for the encoding advice).
    pub origin: Option<Origin>,
}

pub fn check(req: &Request, ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(p) = req.param("scope") else { return };
    let usage = ScopeUse {
        grant: req.grant_type(),
        permitted: &[],
        is_list: false,
        origin: Some(p.origin),
    };
    check_value(&p.value, &usage, ctx, out);
}

/// Whitespace-separated tokens with their byte ranges in `v`.
fn tokens(v: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in v.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, v.len()));
    }
    out
}

pub fn check_value(v: &Text, usage: &ScopeUse, ctx: &Ctx, out: &mut Vec<Finding>) {
    let s = v.as_str();
    check_encoding(v, usage, ctx, out);
    if s.trim().is_empty() {
        out.push(
            Finding::error("RFC-01", s, ctx.loc(v))
                .why(format!("The scope is empty; a token request with an empty scope gets nothing, and {} (RFC-01, CER-09).", said(Remark::EmptyScope, ", ")))
                .fix("List the scopes the app needs, separated by single spaces."),
        );
        return;
    }
    let toks = tokens(s);
    check_separators(v, &toks, ctx, out);
    check_whitespace(v, &toks, ctx, out);
    for &(a, b) in &toks {
        let raw = &s[a..b];
        let tok = raw.trim_end_matches([',', ';']);
        if tok.is_empty()
            || tok.contains([',', ';'])
            || tok.to_ascii_lowercase().contains("%2c")
            || tok.to_ascii_lowercase().contains("%3b")
        {
            continue;
        }
        check_token(tok, v, (a, a + tok.len()), usage, ctx, out);
    }
    if !usage.is_list {
        check_combination(v, &toks, usage, ctx, out);
    }
}

fn check_encoding(v: &Text, usage: &ScopeUse, ctx: &Ctx, out: &mut Vec<Finding>) {
    let s = v.as_str();
    if !has_percent_escape(s) {
        return;
    }
    let at = s.find('%').unwrap_or(0);
    let advice = if usage.origin == Some(Origin::BodyEncodedByCurl) {
        "--data-urlencode encodes the value itself: write the scope in plain text, e.g. `scope=openid profile`."
    } else {
        "Encode the scope exactly once: spaces as `%20` or `+`, `/` as is or `%2F`, nothing encoded twice."
    };
    out.push(
        Finding::error("RFC-01", s, ctx.loc_of(v, at, (at + 3).min(s.len())))
            .why("After the server decodes the scope once it still holds `%XX` escapes, so the scope was encoded twice and no token matches a scope name (RFC-01, LINT-A10).")
            .fix(advice),
    );
}

fn check_separators(v: &Text, toks: &[(usize, usize)], ctx: &Ctx, out: &mut Vec<Finding>) {
    let s = v.as_str();
    let lower = s.to_ascii_lowercase();
    let hits: Vec<(usize, usize)> = toks
        .iter()
        .copied()
        .filter(|&(a, b)| {
            let t = &lower[a..b];
            t.contains([',', ';']) || t.contains("%2c") || t.contains("%3b")
        })
        .collect();
    let Some(&(a, b)) = hits.first() else {
        return;
    };
    let (consequence, cite) = ctx.policy().unknown_scope_consequence();
    let sep = if lower[a..b].contains(',') || lower[a..b].contains("%2c") {
        "a comma"
    } else {
        "a semicolon"
    };
    out.push(
        Finding::error("LINT-C2", &s[a..b], ctx.loc_of(v, a, b))
            .why(format!(
                "Scopes are separated by single spaces, never by {sep}: the server sees {} \
                 unknown scope token(s) such as `{}`, and {consequence} (RFC 6749 §3.3, RFC-01, \
                 LINT-C2, {cite}).",
                hits.len(),
                &s[a..b]
            ))
            .fix("Separate scopes with single spaces only (`%20` or `+` once encoded): `system/Account.read system/Appointment.read`."),
    );
}

fn check_whitespace(v: &Text, toks: &[(usize, usize)], ctx: &Ctx, out: &mut Vec<Finding>) {
    let s = v.as_str();
    let (Some(first), Some(last)) = (toks.first(), toks.last()) else {
        return;
    };
    if first.0 > 0 || last.1 < s.len() {
        let (a, b) = if first.0 > 0 {
            (0, first.0)
        } else {
            (last.1, s.len())
        };
        out.push(
            Finding::error("RFC-01", s, ctx.loc_of(v, a, b))
                .why("The scope starts or ends with whitespace, which the scope grammar does not allow; a server that splits on spaces sees an empty scope token (RFC 6749 §3.3, RFC-01).")
                .fix("Remove the leading and trailing spaces (and trailing `+` or `%20`)."),
        );
    }
    if let Some(w) = toks.windows(2).find(|w| &s[w[0].1..w[1].0] != " ") {
        out.push(
            Finding::warning("RFC-01", &s[w[0].1..w[1].0], ctx.loc_of(v, w[0].1, w[1].0))
                .why("Scopes are separated by exactly one space (RFC 6749 §3.3, RFC-01); runs of spaces, tabs or line breaks are accepted by some servers and read as empty scopes by others.")
                .fix("Separate scopes with single spaces."),
        );
    }
}

/// `(context, resource, permission)` of a `context/Resource.permission` scope.
fn resource_parts(tok: &str) -> Option<(&str, &str, &str)> {
    let (ctx, rest) = tok.split_once('/')?;
    if !["patient", "user", "system"].contains(&ctx.to_ascii_lowercase().as_str()) {
        return None;
    }
    let (res, perm) = rest.rsplit_once('.')?;
    Some((ctx, res, perm.split('?').next().unwrap_or(perm)))
}

fn is_v2_permission(p: &str) -> bool {
    // An ordered, non-empty subset of `cruds`.
    let mut last = None;
    !p.is_empty()
        && p.chars().all(|c| {
            let pos = "cruds".find(c);
            let ok = pos.is_some() && pos > last;
            last = pos;
            ok
        })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

pub(crate) enum Verdict {
    Ok,
    Case(String),
    Typo(String),
    Unknown,
    Wildcard,
    BadPermission,
}

fn closest(tok: &str, known: &[String]) -> Option<Verdict> {
    if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(tok)) {
        return Some(Verdict::Case(k.clone()));
    }
    if let Some(k) = known.iter().find(|k| squash(k) == squash(tok)) {
        return Some(Verdict::Typo(k.clone()));
    }
    if tok.len() >= 5 {
        let best = known
            .iter()
            .map(|k| {
                (
                    edit_distance(&tok.to_ascii_lowercase(), &k.to_ascii_lowercase()),
                    k,
                )
            })
            .min_by_key(|(d, _)| *d);
        if let Some((d, k)) = best
            && d <= 2
        {
            return Some(Verdict::Typo(k.clone()));
        }
    }
    None
}

pub(crate) fn classify(tok: &str, vendor: Vendor, permitted: &[String]) -> Verdict {
    let policy = lint::policy(vendor);
    if permitted.iter().any(|p| p == tok) {
        return Verdict::Ok;
    }
    if let Some((ctx, res, perm)) = resource_parts(tok) {
        let lower_ctx = ctx.to_ascii_lowercase();
        let wildcard = res == "*" || perm == "*";
        let perm_ok = matches!(perm, "read" | "write" | "*") || is_v2_permission(perm);
        let perm_case_ok = perm_ok
            || !(matches!(perm.to_ascii_lowercase().as_str(), "read" | "write")
                || is_v2_permission(&perm.to_ascii_lowercase()));
        let res_ok = res == "*" || res.starts_with(|c: char| c.is_ascii_uppercase());
        let fixed = || {
            let mut r = res.to_string();
            if let Some(f) = r.get(..1) {
                let up = f.to_ascii_uppercase();
                r.replace_range(..1, &up);
            }
            let p = if perm_ok {
                perm.to_string()
            } else {
                perm.to_ascii_lowercase()
            };
            format!("{lower_ctx}/{r}.{p}")
        };
        if ctx != lower_ctx || !res_ok || !perm_case_ok {
            return Verdict::Case(fixed());
        }
        if !perm_ok {
            return Verdict::BadPermission;
        }
        if wildcard {
            return match policy.wildcard_scope() {
                Some(_) => Verdict::Wildcard,
                None => Verdict::Ok,
            };
        }
        if !policy.lists_resource_scope(&lower_ctx, res, perm) {
            return Verdict::Unknown;
        }
        return Verdict::Ok;
    }
    let special = policy.special_scopes();
    if special.contains(&tok) {
        return Verdict::Ok;
    }
    let known: Vec<String> = special
        .iter()
        .map(|s| s.to_string())
        .chain(permitted.iter().cloned())
        .collect();
    if let Some(v) = closest(tok, &known) {
        return v;
    }
    // Only a vendor with advice for unknown scopes knows its list well enough to flag one.
    match policy.unknown_scope(tok) {
        Some(_) => Verdict::Unknown,
        None => Verdict::Ok,
    }
}

fn check_token(
    tok: &str,
    v: &Text,
    (a, b): (usize, usize),
    usage: &ScopeUse,
    ctx: &Ctx,
    out: &mut Vec<Finding>,
) {
    let at = ctx.loc_of(v, a, b);
    let vendor = ctx.vendor_name();
    let policy = ctx.policy();
    let (consequence, cite) = policy.unknown_scope_consequence();
    match classify(tok, ctx.vendor, usage.permitted) {
        Verdict::Ok => {}
        Verdict::Case(fixed) => out.push(
            Finding::error("LINT-A2", tok, at)
                .why(format!(
                    "Scopes are case-sensitive (RFC 6749 §3.3, RFC-01): `{tok}` is not `{fixed}`, \
                     so {consequence} ({cite}, LINT-A2)."
                ))
                .fix(format!("Write `{fixed}`; context prefixes are lower-case `patient/`, `user/`, `system/` and resource types are PascalCase.")),
        ),
        Verdict::Typo(fixed) => out.push(
            Finding::error("LINT-A1", tok, at)
                .why(format!("`{tok}` is not a scope {vendor} defines; {consequence} ({cite}, LINT-A1)."))
                .fix(format!("Did you mean `{fixed}`?")),
        ),
        Verdict::BadPermission => out.push(
            Finding::error("LINT-A1", tok, at)
                .why(format!(
                    "`{tok}` has a permission suffix that is neither SMART v1 (`read`, `write`) nor \
                     an ordered subset of v2's `cruds`; servers may ignore or reject it (SMART-04)."
                ))
                .fix("Use `.read`/`.write` (v1) or e.g. `.rs`/`.cud` (v2), as the app is registered."),
        ),
        Verdict::Wildcard => {
            if let Some(advice) = policy.wildcard_scope() {
                out.push(Finding::advised(advice, tok, at));
            }
        }
        Verdict::Unknown => {
            if let Some(advice) = policy.unknown_scope(tok) {
                out.push(Finding::advised(advice, tok, at));
            }
        }
    }
}

fn check_combination(
    v: &Text,
    toks: &[(usize, usize)],
    usage: &ScopeUse,
    ctx: &Ctx,
    out: &mut Vec<Finding>,
) {
    let s = v.as_str();
    let words: Vec<(usize, usize, &str)> = toks
        .iter()
        .map(|&(a, b)| (a, b, s[a..b].trim_end_matches([',', ';'])))
        .collect();
    let context = |w: &str| resource_parts(w).map(|(c, _, _)| c.to_ascii_lowercase());
    let system = words
        .iter()
        .find(|w| context(w.2).as_deref() == Some("system"));
    let person = words
        .iter()
        .find(|w| matches!(context(w.2).as_deref(), Some("user" | "patient")));
    if let (Some(sys), Some(p)) = (system, person) {
        out.push(
            Finding::error("CER-12", p.2, ctx.loc_of(v, p.0, p.1))
                .why(format!(
                    "`{}` is requested together with `{}`: system scopes must not be combined with \
                     user or patient scopes in one request (CER-12, SMART-09).",
                    sys.2, p.2
                ))
                .fix("Request system/ scopes with client_credentials, and user/ or patient/ scopes through an authorization-code launch, in separate requests."),
        );
    }
    if usage.grant == Some("client_credentials") {
        if let Some(w) = words
            .iter()
            .find(|w| matches!(w.2, "offline_access" | "online_access"))
        {
            out.push(
                Finding::error("CER-12", w.2, ctx.loc_of(v, w.0, w.1))
                    .why(format!(
                        "`{}` asks for a refresh token, which a client_credentials grant never \
                         carries: {} (CER-12; RFC 6749 §4.4.3).",
                        w.2,
                        said(Remark::RefreshWithClientCredentials, ", ")
                    ))
                    .fix("Drop offline_access/online_access; request a new token with client_credentials when the old one expires."),
            );
        }
        if system.is_none()
            && let Some(p) = person
        {
            out.push(
                Finding::warning("SMART-09", p.2, ctx.loc_of(v, p.0, p.1))
                    .why("A client_credentials (backend services) token has no user or patient in context, so it is granted system/ scopes (SMART-09, CER-12).")
                    .fix(format!("Request `system/...` scopes, e.g. `{}`.", p.2.replacen("user/", "system/", 1).replacen("patient/", "system/", 1))),
            );
        }
    }
    if let Some(advice) = ctx.policy().mixed_scope_syntax() {
        let v1 = words
            .iter()
            .find(|w| resource_parts(w.2).is_some_and(|(_, _, p)| matches!(p, "read" | "write")));
        let v2 = words
            .iter()
            .find(|w| resource_parts(w.2).is_some_and(|(_, _, p)| is_v2_permission(p)));
        if let (Some(_), Some(w2)) = (v1, v2) {
            out.push(Finding::advised(advice, w2.2, ctx.loc_of(v, w2.0, w2.1)));
        }
    }
    if words.len() > MANY_SCOPES {
        out.push(
            Finding::warning("LINT-C4", format!("{} scopes", words.len()), ctx.loc(v))
                .why(format!(
                    "{} scopes in one request: the token can outgrow HTTP header limits, which {} \
                     (CER-26, LINT-C4), and each write scope widens what a leaked token can do.",
                    words.len(),
                    said(Remark::TooManyScopes, ", ")
                ))
                .fix(format!("Request only the scopes this use case needs (at most about {MANY_SCOPES}); drop `.write` scopes that are not used.")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions() {
        assert!(is_v2_permission("rs") && is_v2_permission("cruds") && is_v2_permission("c"));
        assert!(!is_v2_permission("dus") && !is_v2_permission("") && !is_v2_permission("rr"));
        assert_eq!(edit_distance("opneid", "openid"), 2);
    }

    /// The generic server's side; each vendor's is in its folder (`lint_tests.rs`).
    #[test]
    fn classification() {
        let none: &[String] = &[];
        assert!(
            matches!(classify("open_id", Vendor::Generic, none), Verdict::Typo(s) if s == "openid")
        );
        assert!(matches!(
            classify("patient/*.read", Vendor::Generic, none),
            Verdict::Ok
        ));
        assert!(matches!(
            classify("custom:thing", Vendor::Generic, none),
            Verdict::Ok
        ));
    }
}
