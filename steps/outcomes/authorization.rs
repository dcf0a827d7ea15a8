//! Then-steps about the authorization response: codes, `state` and `iss`, errors by redirect
//! or on a page, and the sign-in pages themselves.

use super::*;

pub(crate) const STEPS: &[(&str, StepFn)] = &[
    (
        r"^the app receives an authorization code$",
        step!(receives_code),
    ),
    (
        r"^the redirect carries the state the app sent$",
        step!(state_echoed),
    ),
    (
        r#"^the authorization is refused with "(\w+)"$"#,
        step!(authorization_refused),
    ),
    (
        r#"^the authorization is refused with "(\w+)" or "(\w+)"$"#,
        step!(authorization_refused_either),
    ),
    (
        r#"^the error description is "(.*)"$"#,
        step!(description_is),
    ),
    (
        r#"^the error description starts with "(.*)"$"#,
        step!(description_starts),
    ),
    (
        r"^the error description is one of:$",
        step!(description_one_of),
    ),
    (
        r"^the server shows an error page instead of redirecting$",
        step!(error_page),
    ),
    (r#"^the page says "(.*)"$"#, step!(page_says)),
    (
        r#"^the authorization endpoint fails with (\d+) saying "(.*)"$"#,
        step!(authorize_fails),
    ),
    (
        r#"^the sign-in stops on a page saying "(.*)"$"#,
        step!(sign_in_stops),
    ),
    (
        r"^the error is a registered OAuth error with a printable description$",
        step!(error_well_formed),
    ),
    (
        r"^the redirect carries the server's issuer \(a MUST once the server advertises it\)$",
        step!(iss_in_redirect),
    ),
    (
        r"^the page forbids framing by other sites$",
        step!(not_frameable),
    ),
    (
        r"^no form post was answered with a 307 redirect$",
        step!(no_307),
    ),
    (r"^the PKCE downgrade is refused$", step!(downgrade_refused)),
    (
        r#"^the authorization is refused with "(\w+)" \(a MUST under SMART v2, a SHOULD elsewhere\)$"#,
        step!(refused_under_smart_v2),
    ),
];

async fn receives_code(w: &mut World, _: Context) {
    let o = redirect_expected(w);
    if let Err(f) = az::redirected_with_code(&o) {
        w.fail(&f);
    }
}

/// Any redirect back to the app (with a code or an error) echoes `state`.
async fn state_echoed(w: &mut World, _: Context) {
    let o = redirect_expected(w);
    let params = match &o {
        LoginOutcome::Redirected(p) => p.clone(),
        LoginOutcome::Stopped { .. } => match az::redirected_with_code(&o) {
            Ok(p) => p.clone(),
            Err(f) => w.fail(&f),
        },
    };
    let state = w.flow.auth.state.clone().unwrap_or_default();
    w.must(az::state_is(&params, &state));
}

async fn authorization_refused(w: &mut World, ctx: Context) {
    let o = redirect_expected(w);
    w.snapshot(redirect_payload(&o));
    let error = az::redirected_with_error(&o, arg(&ctx, 1));
    // An error redirect still echoes state (RFC 6749 §4.1.2.1).
    let state = match (&o, &w.flow.auth.state) {
        (LoginOutcome::Redirected(r), Some(state)) => az::state_is(r, state),
        _ => Ok(()),
    };
    w.must_all([error.clone().map(|_| ()), state]);
    w.flow.last_error = error.ok();
}

async fn authorization_refused_either(w: &mut World, ctx: Context) {
    let o = redirect_expected(w);
    w.snapshot(redirect_payload(&o));
    match az::redirected_with_either_error(&o, arg(&ctx, 1), arg(&ctx, 2)) {
        Ok(e) => w.flow.last_error = Some(e),
        Err(f) => w.fail(&f),
    }
}

async fn description_is(w: &mut World, ctx: Context) {
    let e = last_error(w);
    w.must(tk::description_is(&e, arg(&ctx, 1)));
}

async fn description_starts(w: &mut World, ctx: Context) {
    let e = last_error(w);
    w.must(tk::description_starts_with(&e, arg(&ctx, 1)));
}

async fn description_one_of(w: &mut World, ctx: Context) {
    let e = last_error(w);
    let options: Vec<String> = ctx
        .step
        .table
        .as_ref()
        .map(|t| t.rows.iter().filter_map(|r| r.first().cloned()).collect())
        .unwrap_or_default();
    if options.is_empty() {
        w.fail_with("the step needs a table of accepted descriptions".into());
    }
    w.must(tk::description_is_one_of(&e, &options));
}

async fn error_page(w: &mut World, _: Context) {
    let o = outcome(w);
    w.snapshot(redirect_payload(&o));
    w.must(az::not_redirected(&o).map(|_| ()));
}

async fn page_says(w: &mut World, ctx: Context) {
    let o = outcome(w);
    w.must(az::page_says(&o, arg(&ctx, 1)));
}

async fn authorize_fails(w: &mut World, ctx: Context) {
    let o = outcome(w);
    let status: u16 = arg(&ctx, 1).parse().unwrap_or(0);
    w.snapshot(redirect_payload(&o));
    w.must_all([
        az::page_status_is(&o, status),
        az::page_says(&o, arg(&ctx, 2)),
    ]);
}

async fn sign_in_stops(w: &mut World, ctx: Context) {
    let o = outcome(w);
    w.snapshot(redirect_payload(&o));
    w.must(az::page_says(&o, arg(&ctx, 1)));
}

async fn error_well_formed(w: &mut World, _: Context) {
    let e = last_error(w);
    w.must(tk::error_is_well_formed(&e));
}

/// A SHOULD (RFC 9207): a server without `iss` in its redirects gets a warning.
/// RFC 9207: a server that advertises `authorization_response_iss_parameter_supported`
/// (or whose profile states it) MUST send `iss`; elsewhere a missing `iss` is a
/// warning (RFC 9700 §4.4.2 recommends it). An `iss` that is sent must be the issuer.
async fn iss_in_redirect(w: &mut World, _: Context) {
    let o = outcome(w);
    let params = match az::redirected_with_code(&o) {
        Ok(p) => p.clone(),
        Err(f) => w.fail(&f),
    };
    let issuer = w.target().issuer.clone();
    let advertised = w.target().capabilities.iss_parameter.value;
    if advertised || params.get("iss").is_some() {
        w.must(az::iss_is(&params, &issuer));
    } else {
        w.should(az::iss_is(&params, &issuer));
    }
}

/// The page the user was shown. A server that redirects straight back without a page
/// (a session, no consent) shows nothing to frame: not applicable.
async fn not_frameable(w: &mut World, _: Context) {
    let page = match (&w.flow.auth.outcome, &w.flow.last) {
        (Some(LoginOutcome::Stopped { response, .. }), _) => response.clone(),
        (_, Some(r)) => r.clone(),
        _ => w.fail_with("no page was shown".into()),
    };
    if (300..400).contains(&page.status) {
        w.not_applicable(format!(
            "the server showed no page: it answered with HTTP {} (a redirect), so there is \
             nothing another site could frame",
            page.status
        ));
    }
    w.must(az::page_not_frameable(&page));
}

/// Only a sign-in that posted a form can be answered with a 307.
async fn no_307(w: &mut World, _: Context) {
    let _ = outcome(w);
    let evidence = w.session_mut().evidence.clone();
    if !evidence.iter().any(|e| e.method == "POST") {
        w.not_applicable(
            "no form was posted: the server let the user through without a sign-in or \
             consent form, so no form post could be answered with a 307"
                .into(),
        );
    }
    w.must(az::no_307_after_post(&evidence));
}

/// What SMART App Launch v2 requires of every server (PKCE for every client, no
/// `plain`) but RFC 7636 and RFC 9700 leave to the server's policy: a server that goes
/// on anyway fails under SMART v2 and gets a warning elsewhere. A refusal must use the
/// code RFC 7636 §4.4.1 gives (`invalid_request`) either way.
async fn refused_under_smart_v2(w: &mut World, ctx: Context) {
    let o = redirect_expected(w);
    w.snapshot(redirect_payload(&o));
    let refused = matches!(&o, LoginOutcome::Redirected(r) if r.get("error").is_some())
        || matches!(&o, LoginOutcome::Stopped { .. });
    let check = az::redirected_with_error(&o, arg(&ctx, 1));
    let caps = &w.target().capabilities;
    let v2 = caps.smart.value == Some(grantcheck_core::profile::SmartVersion::V2);
    let plain = matches!(
        w.flow.auth.request.get("code_challenge_method"),
        Some(grantcheck_core::oauth::authorize::Param::Value(m)) if m == "plain"
    );
    // A server that requires PKCE (stated) must refuse a missing challenge too.
    let bound = v2 || (!plain && caps.pkce_required.value);
    match check {
        Ok(e) => w.flow.last_error = Some(e),
        Err(f) if refused => w.fail(&grantcheck_core::checks::Failure {
            spec: "RFC7636-4.4.1",
            ..f
        }),
        Err(f) if bound => w.fail(&grantcheck_core::checks::Failure {
            spec: if v2 { "SMART-06" } else { "RFC7636-4.4.1" },
            ..f
        }),
        Err(f) => w.should(Err(grantcheck_core::checks::Failure {
            spec: "RFC9700-2.1.1",
            ..f
        })),
    }
}

/// Refused either at the authorization endpoint (PKCE required of every client) or
/// at the token endpoint.
async fn downgrade_refused(w: &mut World, _: Context) {
    let o = outcome(w);
    if let LoginOutcome::Redirected(r) = &o
        && r.get("error").is_some()
    {
        w.snapshot(redirect_payload(&o));
        match az::redirected_with_error(&o, "invalid_request") {
            Ok(e) => w.flow.last_error = Some(e),
            Err(f) => w.fail(&f),
        }
        return;
    }
    // RFC 9700 §4.8.2 fixes no error code; invalid_grant (the code does not match
    // the request) and invalid_request (a parameter that does not belong) both fit.
    let r = last(w);
    w.snapshot(payload_of(&r));
    w.must_all(refusal_checks(
        &r,
        tk::refused_as_one_of(&r, &[(400, "invalid_grant"), (400, "invalid_request")]),
        [checks::response::json_content_type(&r)],
    ));
}
