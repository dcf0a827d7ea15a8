//! Keeps secrets out of everything grantcheck writes.
//!
//! Two layers: structural (parameters, JSON members and headers that always carry
//! secrets, whatever their value) and by value (every secret the run knows about:
//! profile secrets and passwords, plus codes and tokens as the flow receives them).

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use base64::Engine as _;

/// Parameter / JSON member names whose values are always secret.
pub const SECRET_FIELDS: &[&str] = &[
    "client_secret",
    "password",
    "code",
    "code_verifier",
    "access_token",
    "refresh_token",
    "id_token",
    "id_token_hint",
    "token",
    "client_assertion",
    "device_secret",
    // A one-time session token from a sign-in widget's authentication API (`/api/v1/authn`),
    // exchanged at /authorize for a login session.
    "sessionToken",
];

/// Header names whose values are always secret.
pub const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "cookie",
    "set-cookie",
    "proxy-authorization",
];

pub const MASK: &str = "[redacted]";

/// Secret values known to a run, matched in every encoding a server might echo them in.
///
/// Each value is expanded once, when it is added, into the forms it can take on the
/// wire (raw, form- and percent-encoded in both hex cases, double-encoded,
/// JSON-escaped, base64 and base64url, and the base64 of the value at each of the three
/// byte alignments it can have inside a longer blob such as an HTTP Basic
/// `id:secret` pair). One Aho-Corasick automaton over all forms masks a text in a
/// single pass, so the cost of a capture depends on its length, not on how many
/// secrets there are.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// The target's values (its profile's secrets), shared by every scenario and
    /// matched by an automaton built once.
    base: Option<Arc<RwLock<Patterns>>>,
    /// This redactor's own values: for a scenario, what it was issued (a few codes
    /// and tokens), so the automaton rebuilt after each is small.
    own: Arc<RwLock<Patterns>>,
    /// Codes and tokens issued to any scenario of the target: a server that echoes
    /// another scenario's token is masked too, by a hash look-up per token-like word,
    /// whose cost does not grow with the run.
    issued: Arc<RwLock<HashSet<String>>>,
}

#[derive(Debug, Clone, Default)]
struct Patterns {
    values: Vec<String>,
    forms: Vec<String>,
    automaton: Option<AhoCorasick>,
}

/// The shortest token-like word looked up among the issued values.
const MIN_ISSUED: usize = 16;

impl Redactor {
    pub fn new(initial: impl IntoIterator<Item = String>) -> Self {
        let r = Self::default();
        for v in initial {
            r.add(v);
        }
        r
    }

    /// A redactor for one scenario: it starts with this one's values, and what the
    /// scenario adds (the codes and tokens it is issued) stays in its own automaton,
    /// so the patterns a capture scans stay few however long the run; the issued
    /// values are also shared through the run-wide look-up set.
    pub fn scoped(&self) -> Self {
        match &self.base {
            // A scope of a scope keeps the same base and copies the scope's values.
            Some(base) => Self {
                base: Some(base.clone()),
                own: Arc::new(RwLock::new(
                    self.own.read().map(|p| p.clone()).unwrap_or_default(),
                )),
                issued: self.issued.clone(),
            },
            None => Self {
                base: Some(self.own.clone()),
                own: Arc::default(),
                issued: self.issued.clone(),
            },
        }
    }

    /// Registers a value that must never be shown. Very short values are ignored:
    /// masking every `1` in a report would hide evidence without protecting anything.
    pub fn add(&self, value: impl Into<String>) {
        let value = value.into();
        if value.len() < 6 {
            return;
        }
        if value.len() >= MIN_ISSUED
            && let Ok(mut issued) = self.issued.write()
        {
            issued.insert(value.clone());
        }
        let known = self
            .base
            .as_ref()
            .and_then(|b| b.read().ok())
            .is_some_and(|b| b.values.contains(&value));
        if !known
            && let Ok(mut p) = self.own.write()
            && !p.values.contains(&value)
        {
            for form in forms(&value) {
                if !p.forms.contains(&form) {
                    p.forms.push(form);
                }
            }
            p.values.push(value);
            p.automaton = None;
        }
    }

    /// Masks every known secret value in `text`, in any of its encodings.
    pub fn text(&self, text: &str) -> String {
        let masked = match &self.base {
            Some(base) => mask_forms(base, text),
            None => text.to_string(),
        };
        let masked = mask_forms(&self.own, &masked);
        self.mask_issued(masked)
    }

    fn mask_issued(&self, text: String) -> String {
        let Ok(issued) = self.issued.read() else {
            return MASK.to_string();
        };
        if issued.is_empty() {
            return text;
        }
        let is_token_char = |c: char| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/' | '=')
        };
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while !rest.is_empty() {
            let start = rest.find(is_token_char).unwrap_or(rest.len());
            out.push_str(&rest[..start]);
            rest = &rest[start..];
            let end = rest.find(|c: char| !is_token_char(c)).unwrap_or(rest.len());
            let word = &rest[..end];
            if word.len() >= MIN_ISSUED && issued.contains(word) {
                out.push_str(MASK);
            } else {
                out.push_str(word);
            }
            rest = &rest[end..];
        }
        out
    }

    /// A header value, masked structurally or by value.
    pub fn header(&self, name: &str, value: &str) -> String {
        let lower = name.to_ascii_lowercase();
        if SECRET_HEADERS.contains(&lower.as_str()) {
            // Keep the scheme and cookie names: they are evidence, the values are not.
            return match lower.as_str() {
                "authorization" | "proxy-authorization" => match value.split_once(' ') {
                    Some((scheme, _)) => format!("{scheme} {MASK}"),
                    None => MASK.to_string(),
                },
                _ => mask_cookie(value),
            };
        }
        self.text(value)
    }

    /// A query string or form body: secret parameters masked by name, the rest by value.
    pub fn form(&self, encoded: &str) -> String {
        let masked = encoded
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if is_secret_field(&decode(k)) => format!("{k}={MASK}"),
                _ => pair.to_string(),
            })
            .collect::<Vec<_>>()
            .join("&");
        self.text(&masked)
    }

    /// A URL: its query is treated as a form.
    pub fn url(&self, url: &str) -> String {
        match url.split_once('?') {
            Some((base, query)) => {
                let (query, fragment) = match query.split_once('#') {
                    Some((q, f)) => (q, Some(f)),
                    None => (query, None),
                };
                let mut out = format!("{}?{}", self.text(base), self.form(query));
                if let Some(f) = fragment {
                    out.push('#');
                    out.push_str(&self.form(f));
                }
                out
            }
            None => self.text(url),
        }
    }

    /// A JSON value: secret members masked by name, strings masked by value.
    pub fn json(&self, value: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        // Secrets are strings; `"code": 403` is a status, not a code.
                        let v = if is_secret_field(k) && v.is_string() {
                            Value::String(MASK.into())
                        } else {
                            self.json(v)
                        };
                        (k.clone(), v)
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.json(v)).collect()),
            Value::String(s) => Value::String(self.text(s)),
            other => other.clone(),
        }
    }

    /// A response or request body, by content type.
    pub fn body(&self, content_type: Option<&str>, body: &[u8]) -> String {
        let text = String::from_utf8_lossy(body);
        let ct = content_type.unwrap_or("").to_ascii_lowercase();
        if ct.contains("json")
            && let Ok(v) = serde_json::from_slice::<serde_json::Value>(body)
        {
            return self.json(&v).to_string();
        }
        if ct.contains("x-www-form-urlencoded") {
            return self.form(&text);
        }
        self.text(&text)
    }
}

/// Masks every form in `patterns`, building its automaton on first use after a change.
fn mask_forms(patterns: &RwLock<Patterns>, text: &str) -> String {
    if let Ok(p) = patterns.read() {
        if p.forms.is_empty() {
            return text.to_string();
        }
        if let Some(a) = &p.automaton {
            return replace(a, text);
        }
    }
    let Ok(mut p) = patterns.write() else {
        return MASK.to_string();
    };
    // A contiguous NFA: built in microseconds and small, where a DFA would cost a
    // scenario more to build (it is rebuilt whenever the scenario is issued a new
    // token) than it saves in matching.
    let built = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .kind(Some(AhoCorasickKind::ContiguousNFA))
        .build(&p.forms);
    match built {
        Ok(a) => {
            let out = replace(&a, text);
            p.automaton = Some(a);
            out
        }
        // Cannot happen for plain strings; never show the text unmasked.
        Err(_) => MASK.to_string(),
    }
}

fn replace(a: &AhoCorasick, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    a.replace_all_with(text, &mut out, |_, _, dst| {
        dst.push_str(MASK);
        true
    });
    out
}

/// `%2F` → `%2f`: only the hex digits of escapes change case.
fn lower_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut chars = encoded.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            out.extend(chars.by_ref().take(2).map(|h| h.to_ascii_lowercase()));
        }
    }
    out
}

/// The forms a secret can take in what a server sends back.
fn forms(value: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let bytes = value.as_bytes();
    // Encoders differ on `~` (RFC 3986 leaves it, HTML forms escape it) and on space
    // (`%20` or `+`); a server may echo any mix, in either hex case, once or twice.
    let percent = |tilde: bool| {
        let mut out = String::with_capacity(value.len() * 3);
        for &b in bytes {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_') || (b == b'~' && !tilde)
            {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    };
    let mut all = vec![value.to_string()];
    for escaped in [percent(false), percent(true)] {
        for spaced in [escaped.clone(), escaped.replace("%20", "+")] {
            for once in [lower_hex(&spaced), spaced] {
                all.push(once.replace('%', "%25"));
                all.push(once);
            }
        }
    }
    all.extend([
        serde_json::to_string(value)
            .map(|q| q.trim_matches('"').to_string())
            .unwrap_or_default(),
        STANDARD.encode(bytes),
        URL_SAFE.encode(bytes),
    ]);
    // Inside a longer base64 blob the value starts at one of three byte alignments;
    // the characters that encode only its own bytes are the same in every blob.
    for skip in 0..3 {
        let tail = &bytes[skip.min(bytes.len())..];
        let whole = tail.len() / 3 * 3;
        if whole >= 6 {
            all.push(STANDARD_NO_PAD.encode(&tail[..whole]));
            all.push(URL_SAFE_NO_PAD.encode(&tail[..whole]));
        }
    }
    let mut seen = HashSet::new();
    all.retain(|f| f.len() >= 6 && seen.insert(f.clone()));
    all
}

fn is_secret_field(name: &str) -> bool {
    SECRET_FIELDS.contains(&name)
}

fn decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("{s}=").as_bytes())
        .next()
        .map(|(k, _)| k.into_owned())
        .unwrap_or_default()
}

fn mask_cookie(value: &str) -> String {
    value
        .split(';')
        .map(|part| {
            let part = part.trim();
            match part.split_once('=') {
                // Attributes (Path, Max-Age, ...) are not secret; the first pair is.
                Some((k, v)) if is_cookie_attribute(k) => format!("{k}={v}"),
                Some((k, _)) => format!("{k}={MASK}"),
                None => part.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn is_cookie_attribute(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "path" | "domain" | "max-age" | "expires" | "samesite"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_known_values_in_every_encoding() {
        let r = Redactor::new(["s3cret/value+x".to_string()]);
        assert_eq!(r.text("a s3cret/value+x b"), "a [redacted] b");
        assert_eq!(r.text("a=s3cret%2Fvalue%2Bx"), "a=[redacted]");
    }

    #[test]
    fn masks_secret_parameters_by_name() {
        let r = Redactor::default();
        assert_eq!(
            r.form("grant_type=authorization_code&code=abc&code_verifier=xyz"),
            "grant_type=authorization_code&code=[redacted]&code_verifier=[redacted]"
        );
        assert_eq!(
            r.url("https://app/cb?code=abc&state=s1"),
            "https://app/cb?code=[redacted]&state=s1"
        );
    }

    /// The script sign-in's session token signs a user in: masked in the JSON that
    /// carries it and in the authorize URL it is sent back in.
    #[test]
    fn masks_session_tokens_by_name() {
        let r = Redactor::default();
        let v = serde_json::json!({"status": "SUCCESS", "sessionToken": "20111abc"});
        assert_eq!(
            r.json(&v),
            serde_json::json!({"status": "SUCCESS", "sessionToken": MASK})
        );
        assert_eq!(
            r.url("http://h/oauth2/v1/authorize?state=s&sessionToken=20111abc"),
            "http://h/oauth2/v1/authorize?state=s&sessionToken=[redacted]"
        );
    }

    #[test]
    fn masks_headers_but_keeps_scheme_and_cookie_attributes() {
        let r = Redactor::default();
        assert_eq!(
            r.header("Authorization", "Basic Zm9vOmJhcg=="),
            "Basic [redacted]"
        );
        assert_eq!(
            r.header("set-cookie", "sid=abc; Path=/; HttpOnly"),
            "sid=[redacted]; Path=/; HttpOnly"
        );
    }

    #[test]
    fn masks_json_members() {
        let r = Redactor::default();
        let v = serde_json::json!({"access_token": "t", "scope": "openid", "nested": [{"refresh_token": "r"}]});
        assert_eq!(
            r.json(&v),
            serde_json::json!({"access_token": MASK, "scope": "openid", "nested": [{"refresh_token": MASK}]})
        );
    }

    #[test]
    fn masks_a_secret_in_every_encoding_a_server_may_echo() {
        use base64::Engine as _;
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        let secret = "s3cr et/v\"al+ue?x";
        let r = Redactor::new([secret.to_string()]);
        let basic = STANDARD.encode(format!("client-1:{secret}"));
        let echoes = [
            secret.to_string(),
            url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
            "s3cr%20et%2Fv%22al%2Bue%3Fx".to_string(),
            "s3cr%20et%2fv%22al%2bue%3fx".to_string(),
            "s3cr%2520et%252Fv%2522al%252Bue%253Fx".to_string(),
            serde_json::to_string(secret).unwrap(),
            STANDARD.encode(secret),
            URL_SAFE_NO_PAD.encode(secret),
            basic.clone(),
            STANDARD.encode(format!("ab{secret}cd")),
        ];
        for echo in echoes {
            let shown = r.text(&format!("server said <{echo}>"));
            assert!(shown.contains(MASK), "{echo} → {shown}");
            for form in forms(secret) {
                assert!(
                    !shown.contains(&form),
                    "{echo} → {shown} still holds {form}"
                );
            }
        }
        // The Basic pair: what remains is at most the client id's own encoding.
        let shown = r.text(&basic);
        assert!(!shown.contains(&basic[8..basic.len() - 4]), "{shown}");
    }

    #[test]
    fn a_token_issued_to_one_scenario_is_masked_in_another() {
        let run = Redactor::new(["profile-secret-1".to_string()]);
        let a = run.scoped();
        let b = run.scoped();
        a.add("eyJhbGciOi.token-issued-to-a.sig");
        assert_eq!(
            b.text("echo: eyJhbGciOi.token-issued-to-a.sig!"),
            "echo: [redacted]!"
        );
        assert_eq!(b.text("profile-secret-1"), MASK);
    }

    #[test]
    fn ignores_values_too_short_to_matter() {
        let r = Redactor::new(["abc".to_string()]);
        assert_eq!(r.text("abc"), "abc");
    }
}
