//! LINT-C9: values that were never filled in (`AUTHORIZATION_CODE`, `YOUR_CLIENT_ID`,
//! `<tenant>`, `{{client_id}}`), and masked secrets (`xxxxx`), which are fine to share
//! but mean the request cannot be replayed as pasted.

use super::Ctx;
use crate::diagnose::finding::Finding;
use crate::diagnose::request::Request;
use crate::diagnose::text::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A template marker: `<x>`, `{x}`, `{{x}}`, `[x]`.
    Template,
    /// An ALL-CAPS name standing for a value: `AUTHORIZATION_CODE`, `YOUR_SECRET`.
    AllCaps,
    /// A masked value: `xxxxx`, `*****`, `[REDACTED]`.
    Masked,
}

const CAPS_WORDS: &[&str] = &[
    "CODE", "TOKEN", "SECRET", "PASSWORD", "CLIENTID", "CLIENT", "TENANT", "VERIFIER", "STATE",
    "NONCE",
];

/// What kind of stand-in `v` is, if any. Shell variables (`$X`, `${X}`) are real
/// values at run time and are not stand-ins.
pub fn shape(v: &str) -> Option<Shape> {
    let s = v.trim();
    if s.is_empty() || s.starts_with('$') {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    let mask_chars = |c: char| matches!(c, 'x' | 'X' | '*' | '•' | '#' | '…');
    if (s.chars().count() >= 3 && s.chars().all(mask_chars))
        || s.contains("***")
        || s.contains('…')
        || matches!(
            lower.trim_matches(['[', ']', '<', '>']),
            "redacted" | "masked" | "hidden"
        )
    {
        return Some(Shape::Masked);
    }
    let wrapped =
        |open: char, close: char| s.len() > 2 && s.starts_with(open) && s.ends_with(close);
    if (wrapped('<', '>') || wrapped('[', ']') || wrapped('{', '}'))
        && !s.contains('"')
        && !s.contains(':')
    {
        return Some(Shape::Template);
    }
    let caps = s.len() <= 48
        && s.starts_with(|c: char| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-');
    let has_word = s
        .split(['_', '-'])
        .any(|w| w.len() >= 3 && w.chars().all(|c| c.is_ascii_uppercase()));
    if caps && has_word && (s.contains('_') || CAPS_WORDS.contains(&s)) {
        return Some(Shape::AllCaps);
    }
    let prefixed = [
        "your_",
        "your-",
        "my_",
        "insert_",
        "enter_",
        "replace_",
        "placeholder",
    ]
    .iter()
    .any(|p| lower.starts_with(p));
    if prefixed {
        return Some(Shape::AllCaps);
    }
    None
}

/// Grant parameters, where a stand-in makes the request fail: an error.
const GRANT_PARAMS: &[&str] = &[
    "code",
    "refresh_token",
    "code_verifier",
    "client_id",
    "client_secret",
    "client_assertion",
    "redirect_uri",
    "code_challenge",
];
/// Other parameters, where a stand-in is suspicious: a warning.
const OTHER_PARAMS: &[&str] = &[
    "state",
    "nonce",
    "launch",
    "aud",
    "token",
    "id_token_hint",
    "login_hint",
];

pub fn check(req: &Request, ctx: &Ctx, out: &mut Vec<Finding>) {
    for p in &req.params {
        let grant = GRANT_PARAMS.contains(&p.name.as_str());
        if grant || OTHER_PARAMS.contains(&p.name.as_str()) {
            check_value(&p.value, &p.name, grant, ctx, out);
        }
    }
    if let Some(c) = req.credentials() {
        check_value(&c.id, "client id", true, ctx, out);
        if let Some(s) = &c.secret {
            check_value(s, "client secret", true, ctx, out);
        }
    }
    for h in req.headers_named("authorization") {
        let v = h.value.trim();
        if let Some((scheme, token)) = v.as_str().split_once(' ')
            && scheme.eq_ignore_ascii_case("bearer")
        {
            let start = v.as_str().len() - token.len();
            check_value(
                &v.slice(start, v.as_str().len()),
                "bearer token",
                true,
                ctx,
                out,
            );
        }
    }
    if let Some(u) = &req.url {
        check_value(&u.host, "URL host", true, ctx, out);
        for seg in u.segments() {
            check_value(&seg, "URL path", true, ctx, out);
        }
    }
}

pub fn check_value(v: &Text, what: &str, grant: bool, ctx: &Ctx, out: &mut Vec<Finding>) {
    let s = v.as_str().trim();
    match shape(s) {
        None => {}
        Some(Shape::Masked) => out.push(
            Finding::warning("LINT-C9", s, ctx.loc(v))
                .why(format!("The {what} is masked: right for sharing, but the request cannot be replayed as pasted, so it only shows the request's shape (LINT-C9)."))
                .fix("Keep it masked when posting; to reproduce, run it with the real value from an environment variable (`\"$CLIENT_SECRET\"`)."),
        ),
        Some(_) => {
            let f = if grant { Finding::error("LINT-C9", s, ctx.loc(v)) } else { Finding::warning("LINT-C9", s, ctx.loc(v)) };
            out.push(
                f.why(format!("The {what} `{s}` is a placeholder that was never filled in; the server treats it as a real value and fails the request (e.g. invalid_grant for a code) (LINT-C9)."))
                    .fix(format!("Substitute the real {what} (for a code: the one just returned to the redirect URI, used within its lifetime).")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(shape("AUTHORIZATION_CODE"), Some(Shape::AllCaps));
        assert_eq!(shape("YOUR_CLIENT_ID"), Some(Shape::AllCaps));
        assert_eq!(shape("your-client-id"), Some(Shape::AllCaps));
        assert_eq!(shape("CODE"), Some(Shape::AllCaps));
        assert_eq!(shape("<client_id>"), Some(Shape::Template));
        assert_eq!(shape("{{client_id}}"), Some(Shape::Template));
        assert_eq!(shape("xxxxx"), Some(Shape::Masked));
        assert_eq!(shape("ab***yz"), Some(Shape::Masked));
        assert_eq!(shape("[REDACTED]"), Some(Shape::Masked));
        for fine in [
            "$CLIENT_SECRET",
            "${CODE}",
            "ec2458f2-1e24-41c8-b71b-0e701af7583d",
            "authorization_code",
            "SplxlOBeZQQYbYS6WxSbIA",
            "ABCDEF0123456789",
            "{\"PRACTICEID\":\"1\"}",
            "0oa-emulated-public",
            "",
        ] {
            assert_eq!(shape(fine), None, "{fine}");
        }
    }
}
