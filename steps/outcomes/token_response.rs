//! Then-steps about a successful token response: its members, scope, lifetime and caching.

use super::*;

pub(crate) const STEPS: &[(&str, StepFn)] = &[
    (r"^the token request succeeds$", step!(token_succeeds)),
    (
        r"^the token response reports the scope its access token carries$",
        step!(scope_reported_truthfully),
    ),
    (
        r"^the response carries a new refresh token$",
        step!(refresh_rotated),
    ),
    (
        r"^the token response carries no refresh token$",
        step!(no_refresh_token_generic),
    ),
    (r"^the response forbids caching$", step!(no_caching)),
    (
        r"^the token response carries (an ID token|a refresh token|the patient in context)$",
        step!(carries),
    ),
    (r"^no refresh token is issued$", step!(no_refresh_token)),
    (r"^the access token lives (\d+) seconds$", step!(lives)),
    (r#"^the granted scope is "([^"]*)"$"#, step!(scope_is)),
    (
        r"^the granted scope is the narrower scope$",
        step!(scope_is_narrower),
    ),
    (
        r#"^the token request is refused with (\d+) "(\w+)" or the extra scope is left out$"#,
        step!(wider_refused_or_ignored),
    ),
    (
        r#"^the granted scope includes "([^"]*)"$"#,
        step!(scope_includes),
    ),
    (
        r#"^the granted scope does not include "([^"]*)"$"#,
        step!(scope_excludes),
    ),
    (
        r"^the access token lifetime is given in expires_in$",
        step!(expires_in),
    ),
];

/// RFC 6749 §5.1: the schema of a token response; SMART App Launch fixes the
/// spelling `Bearer` for a server held to SMART (RFC 6749 §7.1 takes any case).
async fn token_succeeds(w: &mut World, _: Context) {
    let r = last(w);
    let mut all = vec![tk::success(&r), checks::response::json_content_type(&r)];
    if let Some(body) = r.json().filter(|_| r.status == 200) {
        all.push(conforms(&body, Shape::TokenResponse));
    }
    // SMART App Launch v2 fixes `Bearer` for its token responses; backend services
    // (the system account) are outside that text.
    if w.target().capabilities.smart.value == Some(grantcheck_core::profile::SmartVersion::V2)
        && w.flow.client_role != Some(ClientRole::System)
    {
        all.push(tk::token_type_spelled_bearer(&r));
    }
    w.must_all(all);
}

async fn no_caching(w: &mut World, _: Context) {
    let r = last(w);
    w.must(checks::response::cache_control_no_store(&r));
    // RFC 6749 §5.1 says MUST for Pragma too, but HTTP caching (RFC 9111 §5.4) has
    // since deprecated the header: a missing one is a warning, as ARCHITECTURE.md
    // explains.
    w.should(checks::response::pragma_no_cache(&r));
}

async fn carries(w: &mut World, ctx: Context) {
    let t = tokens(w);
    let (member, spec) = match arg(&ctx, 1) {
        "an ID token" => ("id_token", "OIDC-Core-3.1.3.3"),
        "a refresh token" => ("refresh_token", "RFC6749-5.1"),
        _ => ("patient", "SMART-02"),
    };
    w.must(tk::has_member(&t, member, spec));
}

async fn no_refresh_token(w: &mut World, _: Context) {
    let t = tokens(w);
    w.must(tk::lacks_member(&t, "refresh_token", "ATH-06"));
}

/// The step names a documented lifetime (CER-15), so its absence is a failure here.
async fn lives(w: &mut World, ctx: Context) {
    let t = tokens(w);
    let secs: u64 = arg(&ctx, 1).parse().unwrap_or(0);
    w.must(tk::expires_in_present(&t, "CER-15"));
    w.must(tk::expires_in_well_formed(&t));
    w.must(tk::expires_in_is(&t, secs));
}

async fn scope_is(w: &mut World, ctx: Context) {
    let t = tokens(w);
    let requested = w.flow.grant.requested_scope.clone();
    w.must(tk::scope_is(&t, requested.as_deref(), arg(&ctx, 1)));
}

/// RFC 6749 §5.1: a response without `scope` granted exactly what was asked for.
async fn scope_is_narrower(w: &mut World, _: Context) {
    let t = tokens(w);
    if t.get("scope").is_none() {
        return;
    }
    let narrower = crate::session::narrower_scope(w);
    let requested = w.flow.grant.requested_scope.clone();
    w.must(tk::scope_is(&t, requested.as_deref(), &narrower));
}

/// RFC 6749 §6 forbids granting more than the original scope; §3.3 lets the server
/// ignore what it will not grant. So: `invalid_scope`, or a success whose `scope`
/// says the extra scope was left out (without `scope` it claims to grant all asked).
async fn wider_refused_or_ignored(w: &mut World, ctx: Context) {
    let r = last(w);
    if r.status != 200 {
        return super::refusals::token_refused(w, ctx).await;
    }
    let extra = w.target().profile.spec.scopes.unknown().to_string();
    w.snapshot(payload_of(&r));
    w.must(tk::refresh_not_widened(&r, &extra));
}

async fn scope_includes(w: &mut World, ctx: Context) {
    let t = tokens(w);
    let requested = w.flow.grant.requested_scope.clone();
    w.must(tk::scope_includes(&t, requested.as_deref(), arg(&ctx, 1)));
}

async fn scope_excludes(w: &mut World, ctx: Context) {
    let t = tokens(w);
    let requested = w.flow.grant.requested_scope.clone();
    w.must(tk::scope_excludes(&t, requested.as_deref(), arg(&ctx, 1)));
}

/// RFC 6749 §5.1 RECOMMENDS `expires_in`; when present it must be well formed.
async fn expires_in(w: &mut World, _: Context) {
    let t = tokens(w);
    w.should(tk::expires_in_present(&t, "RFC6749-5.1"));
    w.must(tk::expires_in_well_formed(&t));
    // SMART's advice on lifetimes binds only a server held to SMART.
    if w.target().capabilities.smart.value.is_some() {
        w.should(tk::expires_in_at_most(&t, 3600));
    }
}

/// Compares the scope the response reports with the server's introspection of the
/// access token.
async fn scope_reported_truthfully(w: &mut World, _: Context) {
    let body = tokens(w);
    let requested = w.flow.grant.requested_scope.clone().unwrap_or_default();
    let Some(token) = w.flow.grant.access_token.clone() else {
        w.fail_with("no access token: the app never received one".into())
    };
    let url = w.target().endpoints.introspect.clone();
    let auth = crate::token::authentication(&w.client());
    let resp =
        crate::session::post_token_param(w, url, "introspect", token, "access_token", auth).await;
    w.must(ss::introspection_active(&resp, true));
    let introspected = resp.json().unwrap_or_default();
    if introspected.get("scope").is_none() {
        w.not_applicable(
            "the introspection response leaves out `scope` (optional in RFC 7662 §2.2), so \
             the token's real scope cannot be compared with the reported one"
                .into(),
        );
    }
    w.must(tk::reported_scope_is_real(&body, &requested, &introspected));
}

async fn refresh_rotated(w: &mut World, _: Context) {
    let r = last(w);
    w.must(tk::success(&r));
    let body = r.json().unwrap_or_default();
    let Some(presented) = w.flow.grant.used_refresh_tokens.last().cloned() else {
        w.fail_with("no refresh token was presented".into())
    };
    w.must(tk::refresh_token_rotated(&body, &presented));
}

async fn no_refresh_token_generic(w: &mut World, _: Context) {
    let t = tokens(w);
    w.must(tk::lacks_member(&t, "refresh_token", "RFC6749-4.4.3"));
}
