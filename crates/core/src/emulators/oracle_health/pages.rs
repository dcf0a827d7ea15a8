//! The HTML the browser sees: the sign-in page, authorize error pages and the page an
//! `error_uri` points at.

use super::urn;
use crate::emulators::EmuResponse;
use crate::emulators::html::{document, escape, scripted_sign_in, sign_in_form};

/// Shown instead of redirecting when the client or its redirect URI cannot be trusted.
pub(super) fn authorize_error_page(error: &str, short_urn: &str, error_uri: &str) -> EmuResponse {
    let body = format!(
        "<h1>Authorization Error</h1>\n<p>Error: {}</p>\n<p>Code: {}{}</p>\n<p>{}</p>\n\
         <p><a href=\"{}\">Details</a></p>",
        escape(error),
        urn::PREFIX,
        escape(short_urn),
        escape(urn::describe(short_urn)),
        escape(error_uri)
    );
    EmuResponse::html(400, document("Authorization Error", &body))
}

/// The message for refused credentials.
const SIGN_IN_FAILED: &str = "The username or password is incorrect.";

pub(super) fn login_page(tenant_segment: &str, txn: &str, failed: bool) -> EmuResponse {
    let alert = if failed {
        format!("<div class=\"error\" role=\"alert\"><p>{SIGN_IN_FAILED}</p></div>\n")
    } else {
        String::new()
    };
    let form = sign_in_form(&login_action(tenant_segment, txn), "Log In", false);
    let body = format!("<h1>Millennium Sign In</h1>\n{alert}{form}");
    EmuResponse::html(200, document("Millennium Sign In", &body))
        .with_header("x-frame-options", "DENY")
}

/// The provider sign-in as a script builds it (`emulator.sign_in: script`), standing
/// for Millennium's script-driven page: no form in the HTML; the script builds one that
/// posts `username` and `password` to the same transaction URL as the HTML form, and
/// the browser follows the answer (the code redirect, or this page again with the
/// refusal's message). The catalog describes no sign-in page (CER-01 has only the
/// authorize URL): its look and the script are the emulator's own.
pub(super) fn scripted_login_page(tenant_segment: &str, txn: &str, failed: bool) -> EmuResponse {
    let form = scripted_sign_in(
        &login_action(tenant_segment, txn),
        "Log In",
        failed.then_some(SIGN_IN_FAILED),
        None,
    );
    let body = format!("<h1>Millennium Sign In</h1>\n{form}");
    EmuResponse::html(200, document("Millennium Sign In", &body))
        .with_header("x-frame-options", "DENY")
}

/// Where a transaction's credentials are posted.
fn login_action(tenant_segment: &str, txn: &str) -> String {
    format!("/tenants/{tenant_segment}/login/{txn}")
}

/// A login transaction that does not exist (or is finished).
pub(super) fn unknown_transaction() -> EmuResponse {
    let body = "<h1>Authorization Error</h1>\n<p>The sign-in session is unknown or has ended.</p>";
    EmuResponse::html(400, document("Authorization Error", body))
}

/// The page behind an `error_uri`: names the URN and explains it.
pub(super) fn error_instance_page(full_urn: &str, instance: &str) -> EmuResponse {
    let short = full_urn.strip_prefix(urn::PREFIX).unwrap_or(full_urn);
    let text = urn::describe(short);
    // The explanation leads (title and heading), as the vendor's pages do.
    let body = format!(
        "<h1>{}</h1>\n<p>Error code: {}</p>\n<p>Instance: {}</p>",
        escape(text),
        escape(full_urn),
        escape(instance)
    );
    EmuResponse::html(200, document(text, &body))
}

/// The tenant's management endpoint: where a user would review apps they authorized.
pub(super) fn management_page() -> EmuResponse {
    EmuResponse::html(
        200,
        document(
            "My Authorizations",
            "<h1>My Authorizations</h1>\n<p>No applications are authorized.</p>",
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
    fn login_form_posts_to_the_tenant_transaction() {
        let html = text(&login_page("t1", "x<y", false));
        assert!(html.contains("<form method=\"post\" action=\"/tenants/t1/login/x&lt;y\">"));
        assert!(html.contains("name=\"username\"") && html.contains("name=\"password\""));
        assert!(!html.contains("role=\"alert\""));
        assert!(text(&login_page("t1", "x", true)).contains("role=\"alert\""));
    }

    #[test]
    fn the_scripted_sign_in_builds_the_same_post_in_the_browser() {
        let r = scripted_login_page("t1", "x", false);
        let html = text(&r);
        assert!(crate::login::html::forms(&html).is_empty(), "{html}");
        assert!(crate::login::html::needs_script(&html));
        assert!(
            html.contains("form.action = \"/tenants/t1/login/x\";"),
            "{html}"
        );
        assert!(html.contains("var initial = null;"));
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        let failed = text(&scripted_login_page("t1", "x", true));
        assert!(failed.contains("var initial = \"The username or password is incorrect.\";"));
        assert!(crate::login::html::needs_script(&failed));
    }

    #[test]
    fn error_pages_name_the_urn() {
        let r = error_instance_page(
            "urn:cerner:error:authorization-server:oauth2:token:empty-scopes",
            "abc",
        );
        assert_eq!(r.status, 200);
        let html = text(&r);
        assert!(html.contains("<h1>The resulting token contains no scopes"));
        assert!(html.contains("urn:cerner:error:authorization-server:oauth2:token:empty-scopes"));
        let r = authorize_error_page("invalid_request", urn::UNKNOWN_CLIENT, "http://o/e?a=1&b=2");
        assert_eq!(r.status, 400);
        let html = text(&r);
        assert!(html.contains("oauth2:grant:unknown-client") && html.contains("a=1&amp;b=2"));
        assert!(!html.contains("<form"));
    }
}
