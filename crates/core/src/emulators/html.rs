//! The page shell every emulator's HTML shares.

/// Escapes text for HTML. The apostrophe is left alone so that documented messages such
/// as `The 'redirect_uri' parameter …` appear verbatim in the page source (attributes
/// are always double-quoted).
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A complete, script-free HTML document.
pub(crate) fn document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n",
        escape(title)
    )
}

/// A plain sign-in form posting `username` and `password` to `action`; `autocomplete`
/// adds the hints a password manager reads. Script-free, so the `form` login driver fills
/// it as a browser would.
pub(crate) fn sign_in_form(action: &str, button: &str, autocomplete: bool) -> String {
    let (user, password) = if autocomplete {
        (
            " autocomplete=\"username\"",
            " autocomplete=\"current-password\"",
        )
    } else {
        ("", "")
    };
    format!(
        "<form method=\"post\" action=\"{}\">\n\
         <label>Username <input type=\"text\" name=\"username\"{user}></label>\n\
         <label>Password <input type=\"password\" name=\"password\"{password}></label>\n\
         <button type=\"submit\">{}</button>\n</form>",
        escape(action),
        escape(button)
    )
}

/// A consent form posting to `action`: one checked box per scope (`name="scope"`) and
/// the allow and deny buttons (`name="consent"`).
pub(crate) fn consent_form(action: &str, scopes: &[String]) -> String {
    let boxes: String = scopes
        .iter()
        .map(|s| {
            let s = escape(s);
            format!(
                "<label><input type=\"checkbox\" name=\"scope\" value=\"{s}\" checked> {s}</label>\n"
            )
        })
        .collect();
    format!(
        "<form method=\"post\" action=\"{}\">\n{boxes}\
         <button type=\"submit\" name=\"consent\" value=\"allow\">Allow</button>\n\
         <button type=\"submit\" name=\"consent\" value=\"deny\">Deny</button>\n</form>",
        escape(action)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_keeps_apostrophes() {
        assert_eq!(
            escape("<a href=\"x\">'y' & z</a>"),
            "&lt;a href=&quot;x&quot;&gt;'y' &amp; z&lt;/a&gt;"
        );
        assert!(document("T & U", "<p>b</p>").contains("<title>T &amp; U</title>"));
    }

    #[test]
    fn forms_post_what_the_login_driver_fills() {
        let form = sign_in_form("/login/a<b", "Go", false);
        assert!(form.starts_with("<form method=\"post\" action=\"/login/a&lt;b\">"));
        assert!(form.contains("<input type=\"password\" name=\"password\">"));
        assert!(sign_in_form("/x", "Go", true).contains("autocomplete=\"current-password\""));
        let consent = consent_form("/consent/t", &["a&b".to_string()]);
        assert!(consent.contains("value=\"a&amp;b\" checked> a&amp;b</label>"));
        assert!(consent.contains("name=\"consent\" value=\"deny\""));
    }
}
