//! The HTML the browser sees: Okta's error page, the sign-in widget and the consent page.

use super::authn::AUTHN_PATH;
use crate::emulators::EmuResponse;
use crate::emulators::html::{
    consent_form, document, escape, js_string, scripted_sign_in, sign_in_form,
};
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

/// The widget's message for refused credentials.
const SIGN_IN_FAILED: &str = "Unable to sign in";

pub(super) fn login_page(txn: &str, failed: bool) -> EmuResponse {
    let alert = if failed {
        format!(
            "<div class=\"o-form-error-container\" role=\"alert\"><p>{SIGN_IN_FAILED}</p></div>\n"
        )
    } else {
        String::new()
    };
    let form = sign_in_form(&format!("/login/{txn}"), "Sign In", false);
    let body = format!("<h1>Sign In</h1>\n{alert}{form}");
    EmuResponse::html(200, document("athenahealth - Sign In", &body))
        .with_header("x-frame-options", "DENY")
}

/// The sign-in widget as a script builds it (`emulator.sign_in: script`): no form in
/// the HTML. On submit the script posts the credentials as JSON to the authentication
/// API and, given a session token, goes back to `authorize` (this request, without any
/// earlier token) with `sessionToken` added; a refusal shows the HTML mode's alert text.
pub(super) fn scripted_login_page(authorize: &str) -> EmuResponse {
    let on_submit = format!(
        "    event.preventDefault();\n\
         \x20   var authorize = {authorize};\n\
         \x20   fetch({api}, {{\n\
         \x20     method: \"POST\",\n\
         \x20     credentials: \"same-origin\",\n\
         \x20     headers: {{ \"Accept\": \"application/json\", \"Content-Type\": \"application/json\" }},\n\
         \x20     body: JSON.stringify({{ username: username.value, password: password.value }})\n\
         \x20   }}).then(function (response) {{\n\
         \x20     return response.json().then(function (body) {{ return {{ ok: response.ok, body: body }}; }});\n\
         \x20   }}).then(function (answer) {{\n\
         \x20     if (answer.ok && answer.body.status === \"SUCCESS\" && answer.body.sessionToken) {{\n\
         \x20       var join = authorize.indexOf(\"?\") < 0 ? \"?\" : \"&\";\n\
         \x20       window.location.assign(authorize + join + \"sessionToken=\" + encodeURIComponent(answer.body.sessionToken));\n\
         \x20     }} else {{\n\
         \x20       fail({failed});\n\
         \x20     }}\n\
         \x20   }}).catch(function () {{ fail({failed}); }});",
        authorize = js_string(authorize),
        api = js_string(AUTHN_PATH),
        failed = js_string(SIGN_IN_FAILED),
    );
    let form = scripted_sign_in(AUTHN_PATH, "Sign In", None, Some(&on_submit));
    let body = format!("<h1>Sign In</h1>\n{form}");
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
