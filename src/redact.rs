//! Keeps secrets out of everything grantcheck writes.
//!
//! Two layers: structural (parameters, JSON members and headers that always carry
//! secrets, whatever their value) and by value (every secret the run knows about:
//! profile secrets and passwords, plus codes and tokens as the flow receives them).

use std::sync::{Arc, RwLock};

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
];

/// Header names whose values are always secret.
pub const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "cookie",
    "set-cookie",
    "proxy-authorization",
];

pub const MASK: &str = "[redacted]";

/// Secret values known to a run (shared by all scenarios of a target).
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    values: Arc<RwLock<Vec<String>>>,
}

impl Redactor {
    pub fn new(initial: impl IntoIterator<Item = String>) -> Self {
        let r = Self::default();
        for v in initial {
            r.add(v);
        }
        r
    }

    /// A redactor for one scenario: it starts with this one's values, and what the
    /// scenario adds (the codes and tokens it is issued) stays with the scenario, so
    /// the list a capture scans stays short however long the run.
    pub fn scoped(&self) -> Self {
        let values = self.values.read().map(|v| v.clone()).unwrap_or_default();
        Self {
            values: Arc::new(RwLock::new(values)),
        }
    }

    /// Registers a value that must never be shown. Very short values are ignored:
    /// masking every `1` in a report would hide evidence without protecting anything.
    pub fn add(&self, value: impl Into<String>) {
        let value = value.into();
        if value.len() < 6 {
            return;
        }
        if let Ok(mut v) = self.values.write()
            && !v.contains(&value)
        {
            v.push(value);
            // Longest first, so a secret containing another is masked whole.
            v.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// Masks every known secret value in `text`, including its percent-encoded and
    /// base64 (HTTP Basic) forms.
    pub fn text(&self, text: &str) -> String {
        let Ok(values) = self.values.read() else {
            return MASK.to_string();
        };
        let mut out = text.to_string();
        for v in values.iter() {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), MASK);
            }
            let encoded: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
            if encoded != *v && out.contains(&encoded) {
                out = out.replace(&encoded, MASK);
            }
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
    fn ignores_values_too_short_to_matter() {
        let r = Redactor::new(["abc".to_string()]);
        assert_eq!(r.text("abc"), "abc");
    }
}
