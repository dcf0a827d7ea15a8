//! An HTML error page read as a browser shows it: markup dropped, entities decoded, one
//! line per block element, so a value read from it never carries a tag or an escape.
//! Kept apart are the links' targets (an `error_uri` often sits behind a "Details"
//! link) and the text of elements whose `id` names an OAuth member (`error`,
//! `error_description`, `error_uri`), as a server that follows RFC 6749 may mark them.

/// What a page holds, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// The visible text, one block element per line, whitespace collapsed.
    pub lines: Vec<String>,
    /// Every `<a href>`, decoded.
    pub links: Vec<String>,
    /// `(id, text)` of elements with an `id` attribute.
    pub by_id: Vec<(String, String)>,
}

impl Page {
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
}

/// Whether `body` is markup rather than plain text or JSON.
pub fn looks_like_html(body: &str) -> bool {
    let lower = body.trim_start().to_ascii_lowercase();
    lower.starts_with("<!doctype html")
        || ["<html", "<body", "<p>", "<div", "<h1", "<title"]
            .iter()
            .any(|t| lower.contains(t))
}

/// Elements that start a new line of text.
const BLOCK: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "html",
    "li",
    "main",
    "nav",
    "noscript",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "title",
    "tr",
    "ul",
];
/// Elements that never have a closing tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr",
];
/// Elements whose content is not shown.
const HIDDEN: &[&str] = &["head", "script", "style", "template"];

struct Tag {
    name: String,
    closing: bool,
    self_closing: bool,
    attrs: Vec<(String, String)>,
}

/// Reads the tag starting at `s[0] == '<'`; returns it and its length, or `None` when
/// this `<` does not open a tag (a stray `<` in text).
fn tag_at(s: &str) -> Option<(Option<Tag>, usize)> {
    if let Some(rest) = s.strip_prefix("<!--") {
        let end = rest.find("-->").map_or(s.len(), |i| 4 + i + 3);
        return Some((None, end));
    }
    if s.starts_with("<!") || s.starts_with("<?") {
        let end = s.find('>').map_or(s.len(), |i| i + 1);
        return Some((None, end));
    }
    let bytes = s.as_bytes();
    let mut i = 1;
    let closing = bytes.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    if !bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    // The end of the tag, skipping quoted attribute values.
    let mut quote = None;
    let mut end = None;
    for (j, c) in s.char_indices().skip(i) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => {
                end = Some(j);
                break;
            }
            _ => {}
        }
    }
    let end = end?;
    let inner = &s[i..end];
    let name_len = inner
        .find(|c: char| c.is_whitespace() || c == '/')
        .unwrap_or(inner.len());
    let name = inner[..name_len].to_ascii_lowercase();
    let rest = &inner[name_len..];
    Some((
        Some(Tag {
            name,
            closing,
            self_closing: rest.trim_end().ends_with('/'),
            attrs: attributes(rest),
        }),
        end + 1,
    ))
}

/// `name="value"`, `name='value'`, `name=value` and bare `name`, values decoded.
fn attributes(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
    while !rest.is_empty() {
        let name_len = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let name = rest[..name_len].to_ascii_lowercase();
        rest = rest[name_len..].trim_start();
        let mut value = String::new();
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (v, tail) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &after[1..];
                    let close = body.find(q).unwrap_or(body.len());
                    (&body[..close], body.get(close + 1..).unwrap_or(""))
                }
                _ => {
                    let close = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..close], &after[close..])
                }
            };
            value = decode_entities(v);
            rest = tail;
        }
        if !name.is_empty() {
            out.push((name, value));
        }
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
    }
    out
}

/// Decodes character references: the named ones error pages use and every numeric one.
/// An unknown name stays as written.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map(|i| i + 1);
        let decoded = end
            .filter(|&e| rest.as_bytes().get(e) == Some(&b';'))
            .and_then(|e| {
                let name = &rest[1..e];
                let c = match name {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some(' '),
                    _ => name.strip_prefix('#').and_then(|n| {
                        let code = match n.strip_prefix(['x', 'X']) {
                            Some(hex) => u32::from_str_radix(hex, 16).ok(),
                            None => n.parse().ok(),
                        };
                        code.and_then(char::from_u32)
                    }),
                };
                c.map(|c| (c, e + 1))
            });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Reads a page. Never fails: whatever is not markup is text.
pub fn read(html: &str) -> Page {
    let mut page = Page::default();
    // Raw text, with '\n' where a block starts or ends; collapsed at the end.
    let mut text = String::new();
    // Open elements that carry an id: (element, id, where its text starts).
    let mut open: Vec<(String, String, usize)> = Vec::new();
    let mut hidden: Option<String> = None;
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if hidden.is_none() {
                text.push_str(&decode_entities(rest));
            }
            break;
        };
        if hidden.is_none() {
            text.push_str(&decode_entities(&rest[..lt]));
        }
        rest = &rest[lt..];
        let Some((tag, len)) = tag_at(rest) else {
            if hidden.is_none() {
                text.push('<');
            }
            rest = &rest[1..];
            continue;
        };
        rest = &rest[len..];
        let Some(tag) = tag else { continue };
        if let Some(h) = &hidden {
            if tag.closing && tag.name == *h {
                hidden = None;
            }
            continue;
        }
        if HIDDEN.contains(&tag.name.as_str()) && !tag.closing && !tag.self_closing {
            hidden = Some(tag.name);
            continue;
        }
        if BLOCK.contains(&tag.name.as_str()) {
            text.push('\n');
        }
        let attr = |n: &str| tag.attrs.iter().find(|(k, _)| k == n).map(|(_, v)| v);
        if tag.closing {
            if let Some(i) = open.iter().rposition(|(name, _, _)| *name == tag.name) {
                let (_, id, start) = open.remove(i);
                page.by_id.push((id, collapse(&text[start..])));
            }
            continue;
        }
        if tag.name == "a"
            && let Some(href) = attr("href")
            && !href.trim().is_empty()
        {
            page.links.push(href.trim().to_string());
        }
        if let Some(id) = attr("id")
            && !VOID.contains(&tag.name.as_str())
            && !tag.self_closing
        {
            open.push((tag.name.clone(), id.clone(), text.len()));
        }
    }
    page.lines = text
        .split('\n')
        .map(collapse)
        .filter(|l| !l.is_empty())
        .collect();
    page
}

/// Whitespace runs as one space, trimmed.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_links_and_ids() {
        let p = read(
            "<!DOCTYPE html>\n<html><head><title>T</title><style>p{x:1}</style></head>\
             <body><!-- c --><h1>Error</h1><p>Error: <code id=\"error\">bad&amp;worse</code></p>\
             <p id='error_description'>It&#39;s &lt;gone&gt;&#x2e;</p>\
             <p><a href=\"https://h/e?a=1&amp;b=2\">Details</a> 1 < 2</p><br/><script>var a='<p>';</script></body></html>",
        );
        assert_eq!(
            p.lines,
            ["Error", "Error: bad&worse", "It's <gone>.", "Details 1 < 2"]
        );
        assert_eq!(p.links, ["https://h/e?a=1&b=2"]);
        assert_eq!(
            p.by_id,
            [
                ("error".to_string(), "bad&worse".to_string()),
                ("error_description".to_string(), "It's <gone>.".to_string())
            ]
        );
        assert_eq!(
            decode_entities("&bogus; & &amp &#xZZ;"),
            "&bogus; & &amp &#xZZ;"
        );
        assert!(looks_like_html("<html><body>x</body></html>"));
        assert!(!looks_like_html("{\"error\":\"x\"}"));
        // Cut anywhere, it still reads.
        let src = "<p id=\"error\">a</p><a href=\"x";
        for i in 0..src.len() {
            let _ = read(&src[..i]);
        }
    }
}
