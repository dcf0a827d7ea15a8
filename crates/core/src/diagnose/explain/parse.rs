//! Reads an error response in the forms people have it: a JSON body; `curl -i` output
//! (status line, headers, blank line, body); a redirect URL carrying `error`,
//! `error_description`, `error_uri`; a bare `error_uri`; or a forum post's loose
//! rendering (a correlation-id header written as `<name> <uuid>`, then a JSON body with
//! blank lines between members, CER-03). Which header names and bare words count is the
//! pieces' to say; nothing here decides what the error means.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::html;
use crate::diagnose::finding::InputError;
use crate::diagnose::text::percent_decode;

#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// `json`, `http-response`, `redirect-url`, `error-uri`, `html` or `text`.
    pub kind: &'static str,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub description: Option<String>,
    pub error_uri: Option<String>,
    pub correlation_id: Option<String>,
    /// Other members or parameters, for display (secret-looking ones masked).
    pub fields: Vec<(String, String)>,
    /// The whole input, for phrase search in non-JSON bodies (HTML pages, plain text).
    pub text: String,
}

impl Parsed {
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.error.is_none()
            && self.description.is_none()
            && self.error_uri.is_none()
    }
}

static STATUS_LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^HTTP/[0-9.]+\s+(\d{3})\b").ok());
/// Any piece's correlation-id header, anywhere in the text, then a UUID.
static CORRELATION: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let names: Vec<String> = super::pieces()
        .filter_map(|v| v.correlation_header())
        .map(regex::escape)
        .collect();
    if names.is_empty() {
        return None;
    }
    Regex::new(&format!(
        r"(?i)(?:{})\s*:?\s*([0-9a-f]{{8}}-[0-9a-f-]{{27,}})",
        names.join("|")
    ))
    .ok()
});
static LOOSE_STATUS: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\b(?:HTTP|status(?:\s*code)?)\s*[:=]?\s*([1-5]\d\d)\b").ok());
static WWW_PAIR: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"(\w+)="((?:[^"\\]|\\.)*)""#).ok());
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "code",
    "password",
];

fn keep(key: &str, value: String) -> (String, String) {
    if SECRET_KEYS.contains(&key) {
        (key.to_string(), crate::diagnose::text::masked(&value))
    } else {
        (key.to_string(), value)
    }
}

pub fn parse(input: &str) -> Result<Parsed, InputError> {
    let text = input.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err(InputError::new(
            "nothing to explain: the input is empty",
            None,
        ));
    }
    let mut p = Parsed {
        text: text.to_string(),
        ..Parsed::default()
    };
    if let Some(re) = CORRELATION.as_ref()
        && let Some(c) = re.captures(text)
    {
        p.correlation_id = c.get(1).map(|m| m.as_str().to_string());
    }
    // `curl -v` prefixes response headers with `< ` and adds request lines (`> `) and
    // notes (`* `): keep the response only.
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !(l.starts_with("> ") || l.starts_with("* ") || *l == ">"))
        .map(|l| {
            l.strip_prefix("< ")
                .unwrap_or(if l == "<" { "" } else { l })
        })
        .collect();
    // `curl -i -L` prints one block per response: the last one is the answer.
    let status_at = lines
        .iter()
        .rposition(|l| STATUS_LINE.as_ref().is_some_and(|re| re.is_match(l.trim())));
    let body: String = match status_at {
        Some(i) => {
            p.kind = "http-response";
            p.status = STATUS_LINE
                .as_ref()
                .and_then(|re| re.captures(lines[i].trim()))
                .and_then(|c| c.get(1)?.as_str().parse().ok());
            let mut j = i + 1;
            while j < lines.len() && !lines[j].trim().is_empty() {
                header(&mut p, lines[j]);
                j += 1;
            }
            lines.get(j..).map(|l| l.join("\n")).unwrap_or_default()
        }
        None => text.to_string(),
    };
    body_into(&mut p, &body);
    if p.status.is_none() && p.kind != "http-response" {
        p.status = LOOSE_STATUS
            .as_ref()
            .and_then(|re| re.captures(text))
            .and_then(|c| c.get(1)?.as_str().parse().ok());
    }
    if p.kind.is_empty() {
        p.kind = "text";
    }
    Ok(p)
}

fn header(p: &mut Parsed, line: &str) {
    let Some((name, value)) = line.split_once(':') else {
        return;
    };
    let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
    match name.as_str() {
        n if super::pieces().any(|v| v.correlation_header() == Some(n)) => {
            p.correlation_id = Some(value.to_string());
        }
        "www-authenticate" => {
            // `Bearer realm="...", error="invalid_token", error_description="..."`
            if let Some(re) = WWW_PAIR.as_ref() {
                for c in re.captures_iter(value) {
                    let (k, v) = (&c[1], c[2].replace("\\\"", "\""));
                    match k {
                        "error" => {
                            p.error.get_or_insert(v);
                        }
                        "error_description" => {
                            p.description.get_or_insert(v);
                        }
                        "error_uri" => {
                            p.error_uri.get_or_insert(v);
                        }
                        _ => {}
                    }
                }
            }
        }
        "location" => {
            let before = p.error.is_some();
            url_params(p, value);
            if !before && p.error.is_some() {
                p.fields.push(("location".into(), value.to_string()));
            }
        }
        _ => {}
    }
}

fn body_into(p: &mut Parsed, body: &str) {
    let b = body.trim();
    if let (Some(start), Some(end)) = (b.find('{'), b.rfind('}'))
        && start < end
    {
        let json = &b[start..=end];
        match serde_json::from_str::<Value>(json) {
            Ok(Value::Object(m)) => {
                if p.kind.is_empty() {
                    p.kind = "json";
                }
                json_into(p, &m);
                return;
            }
            _ => {
                // Not strict JSON (a forum's curly quotes, a trailing comma): pull the
                // members out one by one.
                loose_members(p, json);
                if !p.is_empty() {
                    if p.kind.is_empty() {
                        p.kind = "json";
                    }
                    return;
                }
            }
        }
    }
    // An HTML page is read as its text: a value taken from the markup itself would
    // carry tags (`urn:…</p`) and escapes (`&amp;`).
    let page = html::looks_like_html(b).then(|| html::read(b));
    if let Some(page) = &page {
        // Phrase search then sees what the browser shows.
        p.text.push('\n');
        p.text.push_str(&page.text());
        if page_into(p, page) {
            if p.kind.is_empty() {
                p.kind = "html";
            }
            return;
        }
    }
    let shown = page.as_ref().map(html::Page::text);
    let b = shown.as_deref().unwrap_or(b);
    if let Some(tok) = b.split_whitespace().find(|t| t.contains("error=")) {
        if p.kind.is_empty() {
            p.kind = "redirect-url";
        }
        url_params(p, tok.trim_matches(['"', '\'', '<', '>']));
        return;
    }
    if let Some(tok) = b
        .split_whitespace()
        .find(|t| super::pieces().any(|v| v.is_error_uri(t)))
    {
        if p.kind.is_empty() {
            p.kind = "error-uri";
        }
        p.error_uri = Some(tok.trim_matches(['"', '\'', '<', '>']).to_string());
        return;
    }
    // Plain text copied from an error page: "Error Code: …", "Description: …" (OKT-09).
    labels_into(p, &b.lines().map(str::trim).collect::<Vec<_>>());
}

/// Reads an HTML page's error; true when it held one.
fn page_into(p: &mut Parsed, page: &html::Page) -> bool {
    // Elements named for the members of an error response (the reference server's page).
    for (id, text) in &page.by_id {
        let slot = match id.as_str() {
            "error" => &mut p.error,
            "error_description" => &mut p.description,
            "error_uri" => &mut p.error_uri,
            _ => continue,
        };
        if slot.is_none() && !text.is_empty() {
            *slot = Some(text.clone());
        }
    }
    let lines: Vec<&str> = page.lines.iter().map(String::as_str).collect();
    labels_into(p, &lines);
    // A link to the error's own page carries more than the bare URN beside it: the
    // instance, client and tenant (CER-03).
    if let Some(link) = page
        .links
        .iter()
        .find(|l| super::pieces().any(|v| v.is_error_uri(l)))
    {
        p.error_uri = Some(link.clone());
    }
    p.error.is_some() || p.error_uri.is_some()
}

/// What a label names, in the words error pages use.
enum Label {
    Error,
    Code,
    Description,
    ErrorUri,
}

fn label(name: &str) -> Option<Label> {
    let n = name.trim().to_ascii_lowercase().replace(['_', '-'], " ");
    Some(match n.as_str() {
        "error" | "error code" => Label::Error,
        "code" => Label::Code,
        "description" | "error description" => Label::Description,
        "error uri" => Label::ErrorUri,
        _ => return None,
    })
}

/// An error code as RFC 6749 §5.2 spells them: one word of printable characters.
fn is_code(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 64
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// `Label: value` lines. An unlabelled sentence right after the error's line is its
/// description when no line is labelled so (Oracle Health's page: the URN, then what it
/// means).
fn labels_into(p: &mut Parsed, lines: &[&str]) {
    let is_uri = |v: &str| super::pieces().any(|piece| piece.is_error_uri(v));
    let mut after_error: Option<usize> = None;
    let mut described = false;
    for (i, line) in lines.iter().enumerate() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let Some(l) = label(name) else { continue };
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match l {
            Label::ErrorUri => {
                p.error_uri.get_or_insert_with(|| value.to_string());
            }
            Label::Error | Label::Code if is_uri(value) => {
                p.error_uri.get_or_insert_with(|| value.to_string());
            }
            Label::Error | Label::Code if is_code(value) => {
                p.error.get_or_insert_with(|| value.to_string());
            }
            Label::Error | Label::Description => {
                described = true;
                p.description.get_or_insert_with(|| value.to_string());
            }
            Label::Code => continue,
        }
        after_error = Some(i);
    }
    if described || p.description.is_some() {
        return;
    }
    let sentence = after_error
        .and_then(|i| lines.get(i + 1))
        .filter(|l| l.split_once(':').is_none_or(|(n, _)| label(n).is_none()))
        .filter(|l| l.contains(' ') && l.ends_with(['.', '!']));
    if let Some(s) = sentence {
        p.description = Some(s.to_string());
    }
}

fn json_into(p: &mut Parsed, m: &serde_json::Map<String, Value>) {
    let s = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    for (k, v) in m {
        match k.as_str() {
            "error" => p.error = Some(s(v)),
            "error_description" => p.description = Some(s(v)),
            "error_uri" => p.error_uri = Some(s(v)),
            // The management-API shape (OKT-11a).
            "errorCode" => {
                p.error.get_or_insert(s(v));
            }
            "errorSummary" => {
                p.description.get_or_insert(s(v));
            }
            // A FHIR 403 that holds the URN and error inside `message` (CER-22).
            "message" if m.contains_key("code") => {
                let msg = s(v);
                let grab = |key: &str| {
                    let pat = format!("{key}=\"");
                    let i = msg.find(&pat)? + pat.len();
                    Some(msg[i..].split('"').next()?.to_string())
                };
                if let Some(e) = grab("error") {
                    p.error.get_or_insert(e);
                }
                if let Some(u) = grab("code") {
                    p.error_uri.get_or_insert(u);
                }
                p.fields.push(keep(k, msg));
            }
            "code" if matches!(v, Value::Number(_)) => {
                p.status = p.status.or(v.as_u64().and_then(|n| u16::try_from(n).ok()));
            }
            _ => p.fields.push(keep(k, s(v))),
        }
    }
}

fn loose_members(p: &mut Parsed, json: &str) {
    let normalised = json.replace(['\u{201C}', '\u{201D}'], "\"");
    for key in ["error", "error_description", "error_uri"] {
        let pat = format!("\"{key}\"");
        let Some(i) = normalised.find(&pat) else {
            continue;
        };
        let rest = normalised[i + pat.len()..].trim_start();
        let Some(rest) = rest.strip_prefix(':') else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix('"') else {
            continue;
        };
        let value = rest.split('"').next().unwrap_or("").to_string();
        match key {
            "error" => p.error = Some(value),
            "error_description" => p.description = Some(value),
            _ => p.error_uri = Some(value),
        }
    }
}

/// `error`, `error_description`, `error_uri`, `state` from a URL's query and fragment.
fn url_params(p: &mut Parsed, url: &str) {
    let after_q = url.split_once('?').map(|x| x.1).unwrap_or(url);
    let (query, fragment) = match after_q.split_once('#') {
        Some((q, f)) => (q, f),
        None if !url.contains('?') => ("", url.split_once('#').map_or(url, |x| x.1)),
        None => (after_q, ""),
    };
    for part in query.split('&').chain(fragment.split('&')) {
        let Some((k, v)) = part.split_once('=') else {
            continue;
        };
        let v = percent_decode(v, true);
        match k {
            "error" => p.error = Some(v),
            "error_description" => p.description = Some(v),
            "error_uri" => p.error_uri = Some(v),
            _ => p.fields.push(keep(k, v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let j =
            parse(r#"{"error":"invalid_grant","error_description":"PKCE verification failed."}"#)
                .unwrap();
        assert_eq!(
            (j.kind, j.error.as_deref()),
            ("json", Some("invalid_grant"))
        );
        // A vendor's correlation header and error URI: its piece's tests (CER-03).
        let h = parse("HTTP/1.1 100 Continue\n\nHTTP/2 401\ncontent-type: application/json\n\n{\"error\":\"invalid_client\"}").unwrap();
        assert_eq!(
            (h.kind, h.status, h.correlation_id.as_deref()),
            ("http-response", Some(401), None)
        );
        let r = parse("https://app.example.com/cb?state=x&error=access_denied&error_uri=https%3A%2F%2Fexample.com%2Fdocs%3Fa%3D1").unwrap();
        assert_eq!(r.kind, "redirect-url");
        assert_eq!(r.error_uri.as_deref(), Some("https://example.com/docs?a=1"));
        let f = parse("https://app/cb#error=invalid_scope&error_description=The+requested+scope+is+invalid%2C+unknown%2C+or+malformed").unwrap();
        assert_eq!(
            f.description.as_deref(),
            Some("The requested scope is invalid, unknown, or malformed")
        );
        let w = parse("HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer realm=\"x\", error=\"invalid_token\", error_description=\"expired\"\n").unwrap();
        assert_eq!(w.error.as_deref(), Some("invalid_token"));
        let v = parse("* Connected\n> POST /token HTTP/2\n> \n< HTTP/2 400\n< content-type: application/json\n<\n{\"error\":\"invalid_scope\"}").unwrap();
        assert_eq!(
            (v.status, v.error.as_deref()),
            (Some(400), Some("invalid_scope"))
        );
        let loose = parse("{ “error”: “invalid_client”, }").unwrap();
        assert_eq!(loose.error.as_deref(), Some("invalid_client"));
        assert!(parse("  \n").is_err());
        let g = parse("hello world").unwrap();
        assert!(g.is_empty());
    }
}
