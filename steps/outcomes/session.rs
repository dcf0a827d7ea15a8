//! Then-steps about the sign-in session, introspection, revocation and logout.

use super::*;

pub(crate) const STEPS: &[(&str, StepFn)] = &[
    (
        r"^the user is not asked to sign in again$",
        step!(not_asked_again),
    ),
    (r"^the user is asked to sign in again$", step!(asked_again)),
    (
        r"^the introspection is refused$",
        step!(introspection_refused),
    ),
    (r"^the revocation is accepted$", step!(revocation_accepted)),
    (
        r"^the introspection reports the token (active|inactive)$",
        step!(introspection),
    ),
    (
        r"^the revocation succeeds with an empty body$",
        step!(revocation_ok),
    ),
    (
        r"^the user is sent to the post-logout redirect URI with the state$",
        step!(logout_redirect),
    ),
    (
        r#"^the logout is refused with a page saying "(.*)"$"#,
        step!(logout_refused),
    ),
    (r"^the access token still works$", step!(access_token_works)),
];

async fn not_asked_again(w: &mut World, _: Context) {
    w.need_own_sign_in("looks at whether the user was asked to sign in");
    w.need_authorization_response();
    let asked = w.flow.auth.trace.is_some_and(|t| t.credentials_entered);
    w.must(checks::session::session_reused(asked));
}

async fn asked_again(w: &mut World, _: Context) {
    w.need_own_sign_in("looks at whether the user was asked to sign in");
    w.need_authorization_response();
    let asked = w.flow.auth.trace.is_some_and(|t| t.credentials_entered);
    w.must(checks::session::session_ended(asked));
}

async fn introspection(w: &mut World, ctx: Context) {
    let r = last(w);
    let mut all = vec![ss::introspection_active(&r, arg(&ctx, 1) == "active")];
    if let Some(body) = r.json().filter(|_| r.status == 200) {
        all.push(conforms(&body, Shape::Introspection));
    }
    w.must_all(all);
    w.snapshot_if_error(&r);
}

async fn revocation_ok(w: &mut World, _: Context) {
    let r = last(w);
    w.must(checks::response::status_is(&r, 200));
    w.must(checks::response::body_is_empty(&r));
}

async fn logout_redirect(w: &mut World, _: Context) {
    let r = last(w);
    let Some(uri) = w.target().profile.spec.post_logout_redirect_uri.clone() else {
        w.fail_with("the profile has no `post_logout_redirect_uri`".into())
    };
    let state = w.flow.auth.state.clone().unwrap_or_default();
    w.must(ss::redirects_to_with_state(&r, &uri, &state));
}

async fn logout_refused(w: &mut World, ctx: Context) {
    let r = last(w);
    w.must(checks::response::status_is(&r, 400));
    let text = visible_text(&r.text());
    if !text.contains(arg(&ctx, 1)) {
        w.fail_with(format!(
            "check `page_says` [OKT-16] failed\n  expected: a page saying {:?}\n  received: {text}",
            arg(&ctx, 1)
        ));
    }
    w.snapshot(payload_of(&r));
}

async fn access_token_works(w: &mut World, _: Context) {
    let Some(token) = w.flow.grant.access_token.clone() else {
        w.fail_with("no access token".into())
    };
    let url = w.target().endpoints.introspect.clone();
    let auth = crate::token::authentication(&w.client());
    let r =
        crate::session::post_token_param(w, url, "introspect", token, "access_token", auth).await;
    w.must(ss::introspection_active(&r, true));
}

/// RFC 7662 §2.1: the endpoint MUST require authorization, so an unauthenticated
/// request gets no answer about the token. How it refuses is not fixed for a request
/// with no credentials at all (§2.3 covers invalid ones): RFC 6749 §5.2's JSON
/// `invalid_client` is what a client expects, so anything else is a warning.
async fn introspection_refused(w: &mut World, _: Context) {
    let r = last(w);
    w.snapshot(payload_of(&r));
    w.must(ss::introspection_refused(&r));
    w.should(tk::error_is(&r, "invalid_client"));
}

async fn revocation_accepted(w: &mut World, _: Context) {
    let r = last(w);
    w.must(checks::response::status_is(&r, 200));
}
