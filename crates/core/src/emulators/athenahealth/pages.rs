//! The HTML the browser sees: Okta's error page, the sign-in widget and the consent page.

use crate::emulators::EmuResponse;
use crate::emulators::html::{consent_form, document, escape, sign_in_form};
use crate::vendors::athenahealth::WORKFLOW_ERROR;

/// Okta's error page for requests it will not redirect (unknown client, bad redirect_uri).
pub(super) fn error_page(status: u16, code: &str, description: &str) -> EmuResponse {
    let body = format!(
        "<div id=\"okta-error\">\n<h1>Error</h1>\n\
         <p>Identity Provider: Unknown</p>\n\
         <p>Error Code: {}</p>\n\
         <p>Description: {}</p>\n</div>",
        escape(code),
        escape(description)
    );
    EmuResponse::html(status, document("Error", &body)).with_header("x-frame-options", "DENY")
}

/// The widget's failure on an `aud` it cannot interpret.
/// `status_200`: the workflow-error-200 fault, which serves the page as a success.
pub(super) fn workflow_error(status_200: bool) -> EmuResponse {
    EmuResponse::html(
        if status_200 { 200 } else { 500 },
        document(
            "Error",
            &format!("<h1>Internal Server Error</h1>\n<p>{WORKFLOW_ERROR}</p>"),
        ),
    )
}

pub(super) fn login_page(txn: &str, failed: bool) -> EmuResponse {
    let alert = if failed {
        "<div class=\"o-form-error-container\" role=\"alert\"><p>Unable to sign in</p></div>\n"
    } else {
        ""
    };
    let form = sign_in_form(&format!("/login/{txn}"), "Sign In", false);
    let body = format!("<h1>Sign In</h1>\n{alert}{form}");
    EmuResponse::html(200, document("athenahealth - Sign In", &body))
        .with_header("x-frame-options", "DENY")
}

/// Shown instead of a redirect when the user has no record in the practice and brand.
pub(super) fn not_configured_page() -> EmuResponse {
    EmuResponse::html(
        200,
        document(
            "athenahealth - Sign In",
            "<div role=\"alert\"><p>You are not configured to access this Patient Portal.</p></div>",
        ),
    )
    .with_header("x-frame-options", "DENY")
}

pub(super) fn consent_page(txn: &str, client_id: &str, scopes: &[String]) -> EmuResponse {
    let body = format!(
        "<h1>{} would like to access your data</h1>\n{}",
        escape(client_id),
        consent_form(&format!("/consent/{txn}"), scopes)
    );
    EmuResponse::html(200, document("athenahealth - Consent", &body))
        .with_header("x-frame-options", "DENY")
}

/// Where logout lands when no post_logout_redirect_uri was given.
pub(super) fn signed_out_page() -> EmuResponse {
    EmuResponse::html(
        200,
        document(
            "athenahealth - Sign In",
            "<h1>Sign In</h1>\n<p>You have been signed out.</p>",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(r: &EmuResponse) -> String {
        String::from_utf8_lossy(&r.body).into_owned()
    }

    #[test]
    fn error_page_keeps_apostrophes_and_escapes_markup() {
        let r = error_page(400, "invalid_request", "The 'x' <b>");
        assert!(text(&r).contains("Description: The 'x' &lt;b&gt;"));
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
    }

    #[test]
    fn consent_lists_checked_boxes() {
        let r = consent_page("t1", "app", &["offline_access".to_string()]);
        let html = text(&r);
        assert!(
            html.contains(
                "<input type=\"checkbox\" name=\"scope\" value=\"offline_access\" checked>"
            )
        );
        assert!(html.contains("action=\"/consent/t1\""));
    }
}
