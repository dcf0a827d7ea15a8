//! The HTML the browser sees: the error page, the sign-in form and the consent form.
//! Plain forms without scripts, so the `form` login driver fills them like a browser.

use super::{Fault, Reference};
use crate::emulators::EmuResponse;
use crate::emulators::html::{consent_form, document, escape, sign_in_form};

/// The sign-in form of a transaction, with an alert after a failed attempt.
pub(super) fn login_body(txn: &str, client_id: &str, failed: bool) -> String {
    let alert = if failed {
        "<p role=\"alert\" class=\"error\">Unknown username or wrong password.</p>\n"
    } else {
        ""
    };
    let body = format!(
        "<h1>Sign in to continue to {}</h1>\n{alert}{}",
        escape(client_id),
        sign_in_form(&format!("/login/{txn}"), "Sign in", true)
    );
    document("Reference server - Sign in", &body)
}

/// One checked box per scope (`name="scope"`) and the allow and deny buttons.
pub(super) fn consent_body(txn: &str, client_id: &str, scopes: &[String]) -> String {
    let body = format!(
        "<h1>{} asks for access</h1>\n{}",
        escape(client_id),
        consent_form(&format!("/consent/{txn}"), scopes)
    );
    document("Reference server - Consent", &body)
}

/// The page for an error that cannot go back to the client (RFC 6749 §4.1.2.1).
pub(super) fn error_body(error: &str, description: &str) -> String {
    let body = format!(
        "<h1>Authorization error</h1>\n<p>Error: <code id=\"error\">{}</code></p>\n\
         <p id=\"error_description\">{}</p>",
        escape(error),
        escape(description)
    );
    document("Reference server - Error", &body)
}

impl Reference {
    /// An HTML page that no other site may frame (RFC 9700 §4.16) or cache.
    pub(super) fn page(&self, status: u16, html: String) -> EmuResponse {
        let response = EmuResponse::html(status, html)
            .with_header("cache-control", "no-store")
            .with_header("referrer-policy", "no-referrer");
        if self.on(Fault::FrameablePages) {
            return response;
        }
        response
            .with_header("x-frame-options", "DENY")
            .with_header("content-security-policy", "frame-ancestors 'none'")
    }

    pub(super) fn error_page(&self, status: u16, error: &str, description: &str) -> EmuResponse {
        self.page(status, error_body(error, description))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        let html = error_body("invalid_request", "<b>'x'</b> & \"y\"");
        assert!(html.contains("&lt;b&gt;'x'&lt;/b&gt; &amp; &quot;y&quot;"));
        let html = consent_body("t1", "app", &["patient/Observation.rs?a=1&b=2".into()]);
        assert!(html.contains(
            "<input type=\"checkbox\" name=\"scope\" value=\"patient/Observation.rs?a=1&amp;b=2\" checked>"
        ));
        assert!(html.contains("action=\"/consent/t1\""));
        assert!(html.contains("name=\"consent\" value=\"deny\""));
    }

    #[test]
    fn login_form_fields() {
        let html = login_body("t2", "app", true);
        assert!(html.contains("<form method=\"post\" action=\"/login/t2\">"));
        assert!(
            html.contains("name=\"username\"")
                && html.contains("type=\"password\" name=\"password\"")
        );
        assert!(html.contains("role=\"alert\""));
        assert!(!login_body("t2", "app", false).contains("role=\"alert\""));
    }
}
