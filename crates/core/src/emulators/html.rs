//! The page shell every emulator's HTML shares, and the sign-in and consent forms:
//! plain HTML, or built by a script (`scripted_sign_in`).

/// Escapes text for HTML. The apostrophe is left alone so that documented messages such
/// as `The 'redirect_uri' parameter …` appear verbatim in the page source (attributes
/// are always double-quoted).
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A complete HTML document; script-free unless `body` brings a script
/// ([`scripted_sign_in`]).
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

/// A value as a JavaScript string literal that is safe inside an inline `<script>`:
/// JSON's escaping, plus `<`, `>` and `&` as `\u` escapes so that no `</script>` (or
/// `<!--`) can end the script early.
pub(crate) fn js_string(value: &str) -> String {
    serde_json::Value::String(value.to_string())
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// Element ids of a script-built sign-in form, for a browser driver: the form, the two
/// inputs (also named `username` and `password`, as the HTML form's are) and the submit
/// button; the message of a refused sign-in shows in the `role="alert"` element.
pub(crate) const SCRIPTED_FORM_ID: &str = "sign-in-form";
pub(crate) const SCRIPTED_USERNAME_ID: &str = "username";
pub(crate) const SCRIPTED_PASSWORD_ID: &str = "password";
pub(crate) const SCRIPTED_SUBMIT_ID: &str = "sign-in-submit";

/// A sign-in form that only exists once the page's script has run, as on the vendors'
/// script-driven pages: the HTML holds an empty `<div id="sign-in">`, a `<noscript>`
/// notice, and an inline script that builds the form in the DOM with `createElement`
/// (so no `<form>` or password input appears in the page source, and the `form` login
/// driver sees a page it cannot fill: `login::html::needs_script`).
///
/// The built form posts `username` and `password` to `action` as a plain form would.
/// `on_submit`, when given, is the body of the form's submit handler instead (it runs
/// with `event`, `form`, `username`, `password` and `fail(message)` in scope and should
/// call `event.preventDefault()`). `alert` is a message shown from the start (a refused
/// sign-in, rendered by the server).
pub(crate) fn scripted_sign_in(
    action: &str,
    button: &str,
    alert: Option<&str>,
    on_submit: Option<&str>,
) -> String {
    let handler = on_submit
        .map(|js| {
            format!("  form.addEventListener(\"submit\", function (event) {{\n{js}\n  }});\n")
        })
        .unwrap_or_default();
    format!(
        "<div id=\"sign-in\"></div>\n\
         <noscript><p>This sign-in page needs JavaScript: turn it on to sign in.</p></noscript>\n\
         <script>\n\
         (function () {{\n\
         \x20 var box = document.getElementById(\"sign-in\");\n\
         \x20 var form = document.createElement(\"form\");\n\
         \x20 form.id = {form_id};\n\
         \x20 form.method = \"post\";\n\
         \x20 form.action = {action};\n\
         \x20 var message = document.createElement(\"div\");\n\
         \x20 message.setAttribute(\"role\", \"alert\");\n\
         \x20 function fail(text) {{ message.textContent = text; message.hidden = false; }}\n\
         \x20 var initial = {alert};\n\
         \x20 if (initial) {{ fail(initial); }} else {{ message.hidden = true; }}\n\
         \x20 form.appendChild(message);\n\
         \x20 function field(label, type, name, id, hint) {{\n\
         \x20   var wrap = document.createElement(\"label\");\n\
         \x20   wrap.appendChild(document.createTextNode(label + \" \"));\n\
         \x20   var input = document.createElement(\"input\");\n\
         \x20   input.type = type; input.name = name; input.id = id;\n\
         \x20   input.setAttribute(\"autocomplete\", hint);\n\
         \x20   wrap.appendChild(input);\n\
         \x20   form.appendChild(wrap);\n\
         \x20   return input;\n\
         \x20 }}\n\
         \x20 var username = field(\"Username\", \"text\", \"username\", {user_id}, \"username\");\n\
         \x20 var password = field(\"Password\", \"password\", \"password\", {password_id}, \"current-password\");\n\
         \x20 var submit = document.createElement(\"button\");\n\
         \x20 submit.type = \"submit\";\n\
         \x20 submit.id = {submit_id};\n\
         \x20 submit.textContent = {button};\n\
         \x20 form.appendChild(submit);\n\
         {handler}\
         \x20 box.appendChild(form);\n\
         }})();\n\
         </script>",
        form_id = js_string(SCRIPTED_FORM_ID),
        action = js_string(action),
        alert = alert.map_or_else(|| "null".to_string(), js_string),
        user_id = js_string(SCRIPTED_USERNAME_ID),
        password_id = js_string(SCRIPTED_PASSWORD_ID),
        submit_id = js_string(SCRIPTED_SUBMIT_ID),
        button = js_string(button),
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

    #[test]
    fn js_strings_cannot_end_the_script() {
        assert_eq!(
            js_string("a\"</script><!--&b"),
            "\"a\\\"\\u003c/script\\u003e\\u003c!--\\u0026b\""
        );
    }

    /// The script-built form leaves nothing for the `form` driver's reader: no form,
    /// no password input in the page source, and `needs_script` says so.
    #[test]
    fn a_scripted_sign_in_has_no_form_in_its_source() {
        let plain = scripted_sign_in("/login/t</script>", "Go", None, None);
        let page = document("Sign in", &plain);
        assert!(crate::login::html::forms(&page).is_empty(), "{page}");
        assert!(
            !page.contains("<form") && !page.contains("<input"),
            "{page}"
        );
        assert!(crate::login::html::needs_script(&page));
        // The action is carried as an escaped string, never as markup.
        assert!(page.contains("form.action = \"/login/t\\u003c/script\\u003e\";"));
        assert_eq!(page.matches("</script>").count(), 1);
        assert!(!plain.contains("addEventListener"));
        assert!(plain.contains("var initial = null;"));
        // The ids a browser driver looks for, and the submit handler when given.
        for id in [
            "\"sign-in-form\"",
            "\"username\"",
            "\"password\"",
            "\"sign-in-submit\"",
        ] {
            assert!(plain.contains(id), "{id}");
        }
        let handled = scripted_sign_in("/x", "Go", Some("Wrong"), Some("event.preventDefault();"));
        assert!(
            handled.contains(
                "addEventListener(\"submit\", function (event) {\nevent.preventDefault();"
            )
        );
        assert!(handled.contains("var initial = \"Wrong\";"));
        // An HTML sign-in form is not mistaken for one.
        let html = document("Sign in", &sign_in_form("/login/t", "Go", false));
        assert!(!crate::login::html::needs_script(&html));
    }
}
