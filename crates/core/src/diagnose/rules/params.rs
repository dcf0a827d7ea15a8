//! Parameters as the server reads them: each name checked against what the endpoint
//! defines (LINT-R1) and each enumerated value against the values it accepts (LINT-R2),
//! with a did-you-mean. An authorization server ignores a parameter it does not
//! recognise (RFC 6749 §3.1, §3.2), so a misspelled name is not refused: the request
//! goes on without the parameter, and fails for its absence when it was required.
//! These ids are grantcheck's own; the catalog has no entry for them.

use super::Ctx;
use super::placeholders;
use crate::diagnose::finding::{Finding, Location, Severity};
use crate::diagnose::request::{Kind, Param, Request};

/// Every parameter name lint knows, with the text that defines it.
const NAMES: &[(&str, &str)] = &[
    ("response_type", "RFC 6749 §4.1.1"),
    ("client_id", "RFC 6749 §4.1.1, §2.3.1"),
    ("redirect_uri", "RFC 6749 §4.1.1, §4.1.3"),
    ("scope", "RFC 6749 §3.3"),
    ("state", "RFC 6749 §4.1.1"),
    ("code_challenge", "RFC 7636 §4.3"),
    ("code_challenge_method", "RFC 7636 §4.3"),
    ("nonce", "OpenID Connect Core §3.1.2.1"),
    ("prompt", "OpenID Connect Core §3.1.2.1"),
    ("max_age", "OpenID Connect Core §3.1.2.1"),
    ("login_hint", "OpenID Connect Core §3.1.2.1"),
    ("id_token_hint", "OpenID Connect Core §3.1.2.1"),
    ("ui_locales", "OpenID Connect Core §3.1.2.1"),
    ("claims_locales", "OpenID Connect Core §5.2"),
    ("display", "OpenID Connect Core §3.1.2.1"),
    ("claims", "OpenID Connect Core §5.5"),
    ("acr_values", "OpenID Connect Core §3.1.2.1"),
    (
        "response_mode",
        "OAuth 2.0 Multiple Response Type Encoding Practices §2.1",
    ),
    ("request", "RFC 9101 §5"),
    ("request_uri", "RFC 9126 §4, RFC 9101 §5"),
    ("resource", "RFC 8707 §2"),
    ("authorization_details", "RFC 9396 §2"),
    ("dpop_jkt", "RFC 9449 §10"),
    ("aud", "SMART App Launch"),
    ("launch", "SMART App Launch"),
    ("grant_type", "RFC 6749 §4.1.3"),
    ("code", "RFC 6749 §4.1.3"),
    ("code_verifier", "RFC 7636 §4.5"),
    ("client_secret", "RFC 6749 §2.3.1"),
    ("client_assertion", "RFC 7523 §2.2"),
    ("client_assertion_type", "RFC 7523 §2.2"),
    ("refresh_token", "RFC 6749 §6"),
    ("username", "RFC 6749 §4.3.2"),
    ("password", "RFC 6749 §4.3.2"),
    ("assertion", "RFC 7523 §2.1"),
    ("device_code", "RFC 8628 §3.4"),
    ("subject_token", "RFC 8693 §2.1"),
    ("subject_token_type", "RFC 8693 §2.1"),
    ("actor_token", "RFC 8693 §2.1"),
    ("actor_token_type", "RFC 8693 §2.1"),
    ("requested_token_type", "RFC 8693 §2.1"),
    ("audience", "RFC 8693 §2.1"),
    ("auth_req_id", "OpenID CIBA Core §10.1"),
    ("token", "RFC 7009 §2.1, RFC 7662 §2.1"),
    ("token_type_hint", "RFC 7009 §2.1, RFC 7662 §2.1"),
];

const AUTHORIZE: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "prompt",
    "max_age",
    "login_hint",
    "id_token_hint",
    "ui_locales",
    "claims_locales",
    "display",
    "claims",
    "acr_values",
    "response_mode",
    "request",
    "request_uri",
    "resource",
    "authorization_details",
    "dpop_jkt",
    "aud",
    "launch",
];
/// Required at the authorization endpoint: by RFC 6749 §4.1.1, and by SMART App Launch
/// (`redirect_uri`, `aud`), which every vendor here follows.
const AUTHORIZE_REQUIRED: &[&str] = &["response_type", "client_id", "redirect_uri", "aud"];

/// Client authentication (RFC 6749 §2.3.1, RFC 7523 §2.2) and the parameters every grant
/// may carry.
const CLIENT: &[&str] = &[
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
];
const TOKEN_COMMON: &[&str] = &["grant_type", "scope", "resource", "authorization_details"];

pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

/// Each grant's own parameters, then those it cannot do without.
const GRANTS: &[(&str, &[&str], &[&str])] = &[
    (
        "authorization_code",
        &["code", "redirect_uri", "code_verifier"],
        // The verifier is required once the authorization request carried a challenge,
        // the redirect URI once it carried one: a paste that spells them means to.
        &["grant_type", "code", "redirect_uri", "code_verifier"],
    ),
    (
        "refresh_token",
        &["refresh_token"],
        &["grant_type", "refresh_token"],
    ),
    ("client_credentials", &[], &["grant_type"]),
    (
        "password",
        &["username", "password"],
        &["grant_type", "username", "password"],
    ),
    (
        JWT_BEARER_GRANT,
        &["assertion"],
        &["grant_type", "assertion"],
    ),
    (
        "urn:ietf:params:oauth:grant-type:saml2-bearer",
        &["assertion"],
        &["grant_type", "assertion"],
    ),
    (
        DEVICE_GRANT,
        &["device_code"],
        &["grant_type", "device_code"],
    ),
    (
        EXCHANGE_GRANT,
        &[
            "subject_token",
            "subject_token_type",
            "actor_token",
            "actor_token_type",
            "requested_token_type",
            "audience",
        ],
        &["grant_type", "subject_token", "subject_token_type"],
    ),
    (
        "urn:openid:params:grant-type:ciba",
        &["auth_req_id"],
        &["grant_type", "auth_req_id"],
    ),
];

/// Revocation (RFC 7009 §2.1) and introspection (RFC 7662 §2.1) read the same names.
const TOKEN_ABOUT: &[&str] = &["token", "token_type_hint"];

/// The values each enumerated parameter accepts, where they are defined, what a server
/// answers to any other, and how bad that is.
struct Enumerated {
    name: &'static str,
    values: &'static [&'static str],
    /// Space-separated lists of values (`response_type=code id_token`).
    list: bool,
    cite: &'static str,
    refusal: &'static str,
    severity: Severity,
}

const ENUMERATED: &[Enumerated] = &[
    Enumerated {
        name: "grant_type",
        values: &[
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "password",
            JWT_BEARER_GRANT,
            "urn:ietf:params:oauth:grant-type:saml2-bearer",
            DEVICE_GRANT,
            EXCHANGE_GRANT,
            "urn:openid:params:grant-type:ciba",
        ],
        list: false,
        cite: "RFC 6749 §4.1.3, §4.4.2, §6; RFC 7523 §2.1; RFC 8628 §3.4; RFC 8693 §2.1",
        refusal: "the server answers `unsupported_grant_type` (RFC 6749 §5.2)",
        severity: Severity::Error,
    },
    Enumerated {
        name: "response_type",
        values: &["code", "token", "id_token", "none"],
        list: true,
        cite: "RFC 6749 §3.1.1, OpenID Connect Core §3",
        refusal: "the server answers `unsupported_response_type` (RFC 6749 §4.1.2.1), or shows an error page",
        severity: Severity::Error,
    },
    Enumerated {
        name: "prompt",
        values: &["none", "login", "consent", "select_account", "create"],
        list: true,
        cite: "OpenID Connect Core §3.1.2.1",
        refusal: "the server refuses it (`invalid_request`) or ignores it, and the user does not see the prompt the app asked for",
        severity: Severity::Error,
    },
    Enumerated {
        name: "response_mode",
        values: &[
            "query",
            "fragment",
            "form_post",
            "jwt",
            "query.jwt",
            "fragment.jwt",
            "form_post.jwt",
        ],
        list: false,
        cite: "OAuth 2.0 Multiple Response Type Encoding Practices §2.1, Form Post Response Mode §2",
        refusal: "the server refuses the request (`invalid_request`)",
        severity: Severity::Error,
    },
    Enumerated {
        name: "client_assertion_type",
        values: &[
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
        ],
        list: false,
        cite: "RFC 7523 §2.2",
        refusal: "the server cannot tell how to verify the assertion and answers `invalid_client`",
        severity: Severity::Error,
    },
    Enumerated {
        name: "display",
        values: &["page", "popup", "touch", "wap"],
        list: false,
        cite: "OpenID Connect Core §3.1.2.1",
        refusal: "the server ignores it and shows its usual page",
        severity: Severity::Warning,
    },
    Enumerated {
        name: "token_type_hint",
        // The last two are Okta's (athenahealth's revoke and introspect endpoints take them).
        values: &["access_token", "refresh_token", "id_token", "device_secret"],
        list: false,
        cite: "RFC 7009 §2.1, RFC 7662 §2.1",
        refusal: "the server may ignore the hint and search every kind of token, or answer `unsupported_token_type`",
        severity: Severity::Warning,
    },
];

/// Which endpoint a request is aimed at, and so which names it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Authorize,
    /// The grant, when the request names one lint knows (or one close to it).
    Token(Option<&'static str>),
    Revoke,
    Introspect,
}

impl Endpoint {
    fn of(req: &Request) -> Option<Endpoint> {
        let path = req.path();
        match req.kind() {
            Kind::Token => Some(Endpoint::Token(
                req.grant_type().and_then(|g| known_value("grant_type", g)),
            )),
            Kind::Authorize => Some(Endpoint::Authorize),
            Kind::Fhir => None,
            Kind::Other if path.ends_with("/revoke") => Some(Endpoint::Revoke),
            Kind::Other if path.ends_with("/introspect") => Some(Endpoint::Introspect),
            // A misspelled response_type or grant_type still says what the request is.
            Kind::Other => req.params.iter().find_map(|p| {
                match closest(&p.name, &["response_type", "grant_type"]) {
                    Some("response_type") => Some(Endpoint::Authorize),
                    Some(_) => Some(Endpoint::Token(None)),
                    None => None,
                }
            }),
        }
    }

    fn what(self) -> String {
        match self {
            Endpoint::Authorize => "the authorization endpoint".into(),
            Endpoint::Token(Some(g)) => format!("the token endpoint (`grant_type={g}`)"),
            Endpoint::Token(None) => "the token endpoint".into(),
            Endpoint::Revoke => "the revocation endpoint".into(),
            Endpoint::Introspect => "the introspection endpoint".into(),
        }
    }

    fn names(self) -> Vec<&'static str> {
        match self {
            Endpoint::Authorize => AUTHORIZE.to_vec(),
            Endpoint::Token(grant) => {
                let own = GRANTS
                    .iter()
                    .filter(|(g, _, _)| grant.is_none_or(|x| x == *g))
                    .flat_map(|(_, names, _)| names.iter().copied());
                TOKEN_COMMON
                    .iter()
                    .chain(CLIENT)
                    .copied()
                    .chain(own)
                    .collect()
            }
            Endpoint::Revoke | Endpoint::Introspect => {
                TOKEN_ABOUT.iter().chain(CLIENT).copied().collect()
            }
        }
    }

    /// Whether the request fails when `name` is missing from it.
    fn requires(self, name: &str, req: &Request) -> bool {
        let authenticated = req.credentials().is_some()
            || req.param("client_secret").is_some()
            || req.param("client_assertion").is_some();
        match self {
            Endpoint::Authorize => AUTHORIZE_REQUIRED.contains(&name),
            Endpoint::Token(grant) => {
                let by_grant = GRANTS
                    .iter()
                    .find(|(g, _, _)| Some(*g) == grant)
                    .is_some_and(|(_, _, required)| required.contains(&name));
                // Client credentials in the body are required when the request has no
                // others (RFC 6749 §2.3.1, §3.2.1).
                by_grant || name == "grant_type" || (CLIENT.contains(&name) && !authenticated)
            }
            Endpoint::Revoke | Endpoint::Introspect => {
                name == "token" || (CLIENT.contains(&name) && !authenticated)
            }
        }
    }
}

fn cite(name: &str) -> &'static str {
    NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("RFC 6749 §3.1, §3.2", |(_, c)| c)
}

/// Spelling differences that are not typos: case, `-` or camelCase for `_`, British
/// spelling.
fn normalise(s: &str) -> String {
    s.to_ascii_lowercase()
        .replace("authoris", "authoriz")
        .replace(['_', '-', ' '], "")
}

/// Optimal string alignment distance: insertions, deletions, substitutions and
/// transpositions of adjacent characters.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate `word` most likely means: the same but for case, separators or
/// British spelling; else within two edits (one for names of five characters or fewer,
/// where two edits reach too many words); else, for the long URN values, the one it
/// abbreviates (`jwt-bearer`).
fn closest(word: &str, candidates: &[&'static str]) -> Option<&'static str> {
    let w = word.trim();
    if w.is_empty() {
        return None;
    }
    let nw = normalise(w);
    if let Some(c) = candidates.iter().find(|c| normalise(c) == nw) {
        return Some(c);
    }
    let lw = w.to_ascii_lowercase();
    let best = candidates
        .iter()
        .map(|c| (distance(&lw, c).min(distance(&nw, &normalise(c))), *c))
        .filter(|(d, c)| *d <= if c.chars().count() <= 5 { 1 } else { 2 })
        .min_by_key(|(d, _)| *d);
    if let Some((_, c)) = best {
        return Some(c);
    }
    candidates
        .iter()
        .find(|c| c.starts_with("urn:") && nw.len() >= 6 && normalise(c).ends_with(&nw))
        .copied()
}

/// The accepted value of enumerated parameter `name` that `value` is or most likely
/// means.
fn known_value(name: &str, value: &str) -> Option<&'static str> {
    let e = ENUMERATED.iter().find(|e| e.name == name)?;
    e.values
        .iter()
        .find(|v| **v == value)
        .copied()
        .or_else(|| closest(value, e.values))
}

/// "did you mean `x`?" for a value of `name`, when one is close (for other rules'
/// findings about the same value).
pub fn did_you_mean(name: &str, value: &str) -> Option<String> {
    let e = ENUMERATED.iter().find(|e| e.name == name)?;
    if e.values.contains(&value) {
        return None;
    }
    closest(value, e.values).map(|v| format!("did you mean `{v}`?"))
}

/// Values that stand for something filled in later: not checked.
fn is_stand_in(v: &str) -> bool {
    v.starts_with('$') || placeholders::shape(v).is_some()
}

/// Where the parameter's name is written: just before `=value` in the source, when the
/// value's position is known; else at the value.
fn name_location(p: &Param, ctx: &Ctx) -> Option<Location> {
    if let Some((start, _)) = p.value.span()
        && let Some(before) = ctx.source.get(..start)
        && let Some(head) = before.strip_suffix('=')
        && head.ends_with(p.name.as_str())
    {
        let from = head.len() - p.name.len();
        return Location::of(ctx.source, from, head.len());
    }
    ctx.loc(&p.value)
}

pub fn check(req: &Request, ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(endpoint) = Endpoint::of(req) else {
        return;
    };
    let here = endpoint.names();
    let everywhere: Vec<&'static str> = NAMES.iter().map(|(n, _)| *n).collect();
    let mut seen: Vec<&str> = Vec::new();
    for p in &req.params {
        let name = p.name.as_str();
        if here.contains(&name) {
            if seen.contains(&name) && name != "resource" {
                out.push(
                    Finding::error("LINT-R1", name, name_location(p, ctx))
                        .why(format!("`{name}` is sent more than once; a request parameter must not be repeated (RFC 6749 §3.1, §3.2), and the server answers `invalid_request`."))
                        .fix(format!("Send `{name}` once.")),
                );
            }
            seen.push(name);
            check_value(p, req, ctx, out);
            continue;
        }
        if name.is_empty() || name.starts_with('$') {
            continue;
        }
        let ignored = format!(
            "{} does not read a parameter named `{name}`, and a server ignores parameters it does not recognise (RFC 6749 §3.1, §3.2)",
            capitalised(&endpoint.what())
        );
        if everywhere.contains(&name) {
            out.push(
                Finding::new("LINT-R1", Severity::Note, name, name_location(p, ctx))
                    .why(format!("{ignored}: `{name}` belongs to another request ({}), so here it has no effect.", cite(name)))
                    .fix(format!("Remove `{name}` from this request, or send it where it belongs.")),
            );
            continue;
        }
        if let Some(meant) = closest(name, &here) {
            misspelled(p, meant, endpoint, req, &ignored, ctx, out);
            continue;
        }
        if let Some(meant) = closest(name, &everywhere) {
            out.push(
                Finding::new("LINT-R1", Severity::Note, name, name_location(p, ctx))
                    .why(format!("{ignored}: did you mean `{meant}`? That one belongs to another request ({}), so either way it has no effect here.", cite(meant)))
                    .fix(format!("Remove `{name}`, or send `{meant}` where it belongs.")),
            );
            continue;
        }
        out.push(
            Finding::new("LINT-R1", Severity::Note, name, name_location(p, ctx))
                .why(format!(
                    "{ignored}, so it has no effect unless {} documents it as its own.",
                    ctx.vendor_name()
                ))
                .fix(format!(
                    "Remove `{name}`, or check that the vendor documents it for this endpoint."
                )),
        );
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn misspelled(
    p: &Param,
    meant: &'static str,
    endpoint: Endpoint,
    req: &Request,
    ignored: &str,
    ctx: &Ctx,
    out: &mut Vec<Finding>,
) {
    let name = p.name.as_str();
    let at = name_location(p, ctx);
    let how = if name.eq_ignore_ascii_case(meant) {
        " (parameter names are case-sensitive)"
    } else {
        ""
    };
    let fix = format!("Rename `{name}` to `{meant}`.");
    let finding = if req.param(meant).is_some() {
        Finding::warning("LINT-R1", name, at)
            .why(format!("{ignored}: did you mean `{meant}`{how}? The request sends `{meant}` as well, so this one is dropped."))
            .fix(format!("Remove `{name}`, or rename it to `{meant}` if its value is the one meant."))
    } else if endpoint.requires(meant, req) {
        Finding::error("LINT-R1", name, at)
            .why(format!("{ignored}: did you mean `{meant}`{how}? The server sees no `{meant}`, which {} requires ({}), so the request fails as if it had never been sent: {}.", endpoint.what(), cite(meant), missing_answer(meant)))
            .fix(fix)
    } else {
        Finding::warning("LINT-R1", name, at)
            .why(format!("{ignored}: did you mean `{meant}`{how}? The server goes on as if no `{meant}` had been sent ({}), so whatever it was meant to do silently does not happen.", cite(meant)))
            .fix(fix)
    };
    out.push(finding);
    // The value is read as the server would read the parameter meant.
    let renamed = Param {
        name: meant.to_string(),
        ..p.clone()
    };
    check_value(&renamed, req, ctx, out);
}

fn check_value(p: &Param, req: &Request, ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(e) = ENUMERATED.iter().find(|e| e.name == p.name) else {
        return;
    };
    // The client_assertion rule (SMART-10) reports a wrong type beside its assertion.
    if e.name == "client_assertion_type" && req.param("client_assertion").is_some() {
        return;
    }
    let value = p.value.as_str();
    if is_stand_in(value) {
        return;
    }
    let words: Vec<(usize, &str)> = if e.list {
        value
            .split(' ')
            .scan(0, |at, w| {
                let start = *at;
                *at += w.len() + 1;
                Some((start, w))
            })
            .filter(|(_, w)| !w.is_empty())
            .collect()
    } else {
        vec![(0, value)]
    };
    if words.is_empty() {
        out.push(
            Finding::new(
                "LINT-R2",
                e.severity,
                format!("{}=", e.name),
                ctx.loc(&p.value).or_else(|| name_location(p, ctx)),
            )
            .why(format!(
                "`{}` is empty, which the server reads as not sent; {} ({}).",
                e.name, e.refusal, e.cite
            ))
            .fix(format!("Send one of: {}.", listed(e.values))),
        );
        return;
    }
    for (start, w) in words {
        if e.values.contains(&w) {
            continue;
        }
        let at = ctx
            .loc_of(&p.value, start, start + w.len())
            .or_else(|| ctx.loc(&p.value));
        let meant = closest(w, e.values).or_else(|| crossed(e.name, w));
        let hint = match meant {
            Some(m) if m.eq_ignore_ascii_case(w) => {
                format!(" Did you mean `{m}`? Values are case-sensitive.")
            }
            Some(m) => format!(" Did you mean `{m}`?"),
            None => String::new(),
        };
        out.push(
            Finding::new("LINT-R2", e.severity, w, at)
                .why(format!(
                    "`{w}` is not a {} value ({}), so {}.{hint}",
                    e.name, e.cite, e.refusal
                ))
                .fix(match meant {
                    Some(m) => format!("Send `{}={m}`.", e.name),
                    None => format!("Send one of: {}.", listed(e.values)),
                }),
        );
    }
    if e.name == "prompt" && value.split(' ').any(|w| w == "none") && value.contains(' ') {
        out.push(
            Finding::new("LINT-R2", Severity::Error, value, ctx.loc(&p.value))
                .why("`prompt=none` asks for no page at all, so it cannot be combined with another prompt value; the server answers `invalid_request` (OpenID Connect Core §3.1.2.1).")
                .fix("Send `prompt=none` alone, or drop `none`."),
        );
    }
}

/// What a server answers a request without `name`.
fn missing_answer(name: &str) -> &'static str {
    match name {
        "client_id" | "client_secret" | "client_assertion" | "client_assertion_type" => {
            "the client is not authenticated, and the server answers `invalid_client` (RFC 6749 §5.2)"
        }
        "code_verifier" => {
            "a code issued for a PKCE challenge is refused with `invalid_grant` or `invalid_request` (RFC 7636 §4.6)"
        }
        "redirect_uri" => {
            "the server refuses it with `invalid_request`, or (at the token endpoint) `invalid_grant`, unless a single redirect URI is registered"
        }
        "aud" => {
            "a SMART server refuses the authorization request (`invalid_request`), often on an error page"
        }
        _ => {
            "the server answers `invalid_request`, naming the missing parameter (RFC 6749 §4.1.2.1, §5.2)"
        }
    }
}

/// The value of one parameter written in another (`grant_type=code`,
/// `response_type=authorization_code`).
fn crossed(name: &str, value: &str) -> Option<&'static str> {
    match (name, value) {
        ("grant_type", "code") => Some("authorization_code"),
        ("response_type", "authorization_code") => Some("code"),
        _ => None,
    }
}

fn listed(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closeness() {
        let names: Vec<&'static str> = NAMES.iter().map(|(n, _)| *n).collect();
        assert_eq!(closest("code_verfier", &names), Some("code_verifier"));
        assert_eq!(closest("respone_type", &names), Some("response_type"));
        assert_eq!(closest("redirectUri", &names), Some("redirect_uri"));
        assert_eq!(closest("Grant-Type", &names), Some("grant_type"));
        assert_eq!(closest("sate", &names), Some("state"));
        assert_eq!(closest("adu", &names), Some("aud"));
        // Two edits reach too many short words.
        assert_eq!(closest("abc", &names), None);
        assert_eq!(closest("foo", &names), None);
        assert_eq!(closest("sessionToken", &names), None);
        assert_eq!(
            known_value("grant_type", "authorisation_code"),
            Some("authorization_code")
        );
        assert_eq!(
            known_value("grant_type", "jwt-bearer"),
            Some(JWT_BEARER_GRANT)
        );
        assert_eq!(
            known_value("grant_type", "client-credentials"),
            Some("client_credentials")
        );
        assert_eq!(known_value("grant_type", "banana"), None);
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("", "abc"), 3);
    }
}
