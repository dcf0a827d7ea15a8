//! Just enough HTML to drive login and consent pages: forms with their inputs and
//! buttons, and the visible text of a page. Tolerant of sloppy markup by design; it
//! is not a browser (pages that need JavaScript need the browser driver).

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    pub action: Option<String>,
    pub method: String,
    pub inputs: Vec<Input>,
    /// Submit controls (`<button>` or `<input type=submit>`).
    pub buttons: Vec<Button>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub name: String,
    pub kind: String,
    pub value: String,
    pub checked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub name: Option<String>,
    pub value: Option<String>,
    pub text: String,
}

/// A link (`<a href>`) with its visible text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub href: String,
    pub text: String,
}

impl Form {
    pub fn has_input(&self, name: &str) -> bool {
        self.inputs.iter().any(|i| i.name == name)
    }

    pub fn has_password(&self) -> bool {
        self.inputs.iter().any(|i| i.kind == "password")
    }
}

/// All forms in a page, in order.
pub fn forms(html: &str) -> Vec<Form> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(start) = lower[pos..].find("<form").map(|i| i + pos) {
        let tag_end = tag_end(html, start);
        let attrs = attributes(&html[start + 5..tag_end]);
        let body_end = lower[tag_end..]
            .find("</form")
            .map_or(html.len(), |i| i + tag_end);
        let body = &html[tag_end..body_end];
        let mut form = Form {
            action: attr(&attrs, "action"),
            method: attr(&attrs, "method")
                .unwrap_or_else(|| "get".into())
                .to_ascii_lowercase(),
            ..Form::default()
        };
        collect_controls(body, &mut form);
        out.push(form);
        pos = body_end.max(start + 5);
    }
    out
}

/// All links with an `href` in a page, in order (some pages offer "cancel" or "deny"
/// as a link rather than a form button).
pub fn links(html: &str) -> Vec<Link> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(start) = lower[pos..].find("<a").map(|i| i + pos) {
        let after = lower.as_bytes().get(start + 2).copied();
        let tag_end = tag_end(html, start);
        pos = tag_end.max(start + 2);
        if !matches!(after, Some(b) if b.is_ascii_whitespace()) {
            continue;
        }
        let attrs = attributes(&html[start + 2..tag_end]);
        let Some(href) = attr(&attrs, "href") else {
            continue;
        };
        let close = lower[tag_end..]
            .find("</a")
            .map_or(html.len(), |i| i + tag_end);
        out.push(Link {
            href,
            text: visible_text(&html[tag_end..close]),
        });
        pos = close.max(pos);
    }
    out
}

fn collect_controls(body: &str, form: &mut Form) {
    let lower = body.to_ascii_lowercase();
    let mut pos = 0;
    while let Some(lt) = lower[pos..].find('<').map(|i| i + pos) {
        let end = tag_end(body, lt);
        let tag = &lower[lt + 1..end.saturating_sub(1).max(lt + 1)];
        if tag.starts_with("input") {
            let attrs = attributes(&body[lt + 6..end]);
            let kind = attr(&attrs, "type")
                .unwrap_or_else(|| "text".into())
                .to_ascii_lowercase();
            let name = attr(&attrs, "name");
            let value = attr(&attrs, "value");
            if kind == "submit" || kind == "image" {
                form.buttons.push(Button {
                    name,
                    value: value.clone(),
                    text: value.unwrap_or_default(),
                });
            } else if let Some(name) = name {
                form.inputs.push(Input {
                    name,
                    checked: attrs.iter().any(|(k, _)| k == "checked"),
                    kind,
                    value: value.unwrap_or_default(),
                });
            }
        } else if tag.starts_with("button") {
            let attrs = attributes(&body[lt + 7..end]);
            let kind = attr(&attrs, "type").unwrap_or_else(|| "submit".into());
            let close = lower[end..].find("</button").map_or(end, |i| i + end);
            if kind.eq_ignore_ascii_case("submit") {
                form.buttons.push(Button {
                    name: attr(&attrs, "name"),
                    value: attr(&attrs, "value"),
                    text: visible_text(&body[end..close]),
                });
            }
        }
        pos = end.max(lt + 1);
    }
}

/// Index just past the `>` closing the tag that starts at `start` (quotes respected).
fn tag_end(html: &str, start: usize) -> usize {
    let bytes = html.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = start;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return i + 1,
            None => {}
        }
        i += 1;
    }
    html.len()
}

fn attributes(s: &str) -> Vec<(String, String)> {
    let s = s.trim_end_matches('>').trim_end_matches('/');
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        let name_start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'=' {
            i += 1;
        }
        if name_start == i {
            i += 1;
            continue;
        }
        let name = s[name_start..i].to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                let q = bytes[i];
                let vstart = i + 1;
                i = vstart;
                while i < bytes.len() && bytes[i] != q {
                    i += 1;
                }
                value = s[vstart..i.min(s.len())].to_string();
                i += 1;
            } else {
                let vstart = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                value = s[vstart..i].to_string();
            }
        }
        out.push((name, decode_entities(&value)));
    }
    out
}

fn attr(attrs: &[(String, String)], name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

fn decode_entities(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#x2F;", "/")
        .replace("&#47;", "/")
        .replace("&amp;", "&")
}

/// The text a person would read: tags, scripts and styles removed, whitespace collapsed.
pub fn visible_text(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let mut out = String::new();
    let mut pos = 0;
    while pos < html.len() {
        match lower[pos..].find('<').map(|i| i + pos) {
            Some(lt) => {
                out.push_str(&html[pos..lt]);
                out.push(' ');
                let skip_block = ["script", "style"]
                    .into_iter()
                    .find(|t| lower[lt + 1..].starts_with(t));
                pos = match skip_block {
                    Some(t) => lower[lt..]
                        .find(&format!("</{t}"))
                        .map_or(html.len(), |i| tag_end(html, lt + i)),
                    None => tag_end(html, lt),
                };
            }
            None => {
                out.push_str(&html[pos..]);
                break;
            }
        }
    }
    decode_entities(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A page that builds its sign-in form with script: it runs a script and holds no
/// form with a password field that a plain HTTP driver could fill.
pub fn needs_script(page: &str) -> bool {
    page.to_ascii_lowercase().contains("<script") && !forms(page).iter().any(Form::has_password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_login_and_consent_forms() {
        let html = r#"<html><body><form method="POST" action="/login/abc?x=1&amp;y=2">
            <input type=hidden name=csrf value='t0k'>
            <input name="username"><input type="password" name="password"/>
            <button type="submit">Sign in</button></form>
            <form action="/consent/abc" method="post">
            <input type="checkbox" name="scope" value="openid" checked>
            <input type="checkbox" name="scope" value="patient/Patient.read">
            <button type="submit" name="consent" value="allow">Allow</button>
            <button name="consent" value="deny">Deny</button></form>"#;
        let f = forms(html);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].action.as_deref(), Some("/login/abc?x=1&y=2"));
        assert_eq!(f[0].method, "post");
        assert!(f[0].has_password());
        assert_eq!(f[0].inputs[0].value, "t0k");
        assert_eq!(f[0].buttons[0].text, "Sign in");
        assert_eq!(f[1].inputs.iter().filter(|i| i.checked).count(), 1);
        assert_eq!(f[1].buttons.len(), 2);
        assert_eq!(f[1].buttons[1].value.as_deref(), Some("deny"));
    }

    #[test]
    fn reads_links_with_their_text() {
        let html = r#"<p><abbr>x</abbr><a class="c" href="/interaction/u1/abort?x=1&amp;y=2">[ Cancel ]</a>
            <a name="top">no href</a><A HREF='/tos'><b>Terms</b></A><area href="/not-a-link">"#;
        let l = links(html);
        assert_eq!(
            l,
            vec![
                Link {
                    href: "/interaction/u1/abort?x=1&y=2".into(),
                    text: "[ Cancel ]".into()
                },
                Link {
                    href: "/tos".into(),
                    text: "Terms".into()
                },
            ]
        );
    }

    #[test]
    fn visible_text_drops_markup_scripts_and_entities() {
        let t = visible_text("<p>You are <b>not</b> configured</p><script>x<y</script>&amp; ok");
        assert_eq!(t, "You are not configured & ok");
    }

    #[test]
    fn survives_garbage() {
        for html in [
            "<form",
            "<form action='x",
            "<input name=",
            "<<<>>>",
            "<button>",
            "<a href='x",
            "<a href=x>unclosed",
            "<a",
        ] {
            let _ = forms(html);
            let _ = links(html);
            let _ = visible_text(html);
        }
    }
}
