//! Then-steps about refused token requests: the error code and status each spec allows.

use super::*;

pub(crate) const STEPS: &[(&str, StepFn)] = &[
    (
        r#"^the (?:token )?request is refused with (\d+) "(\w+)"$"#,
        step!(token_refused),
    ),
    (
        r#"^the token request is refused with (\d+) "(\w+)" or (?:(\d+) )?"(\w+)"$"#,
        step!(token_refused_either),
    ),
    (
        r#"^the token request should be refused with (\d+) "(\w+)" or (?:(\d+) )?"(\w+)"$"#,
        step!(token_should_be_refused_either),
    ),
    (
        r"^the (?:token )?request is refused as invalid_client$",
        step!(invalid_client_refused),
    ),
    (
        r"^the token request should be refused as invalid_client$",
        step!(invalid_client_should_be_refused),
    ),
    (
        r"^the refusal asks the app to authenticate with HTTP Basic$",
        step!(basic_challenge),
    ),
    (r"^the token request is refused$", step!(token_refused_any)),
];

pub(super) async fn token_refused(w: &mut World, ctx: Context) {
    let r = last(w);
    let status: u16 = arg(&ctx, 1).parse().unwrap_or(0);
    w.snapshot(payload_of(&r));
    // Every check of the refusal runs, so one failure never hides another; an answer
    // that is no refusal at all fails once, not once per part of a refusal.
    w.must_all(refusal_checks(
        &r,
        tk::error_is(&r, arg(&ctx, 2)),
        [
            tk::status_is(&r, status),
            checks::response::json_content_type(&r),
        ],
    ));
    match tk::error_of(&r) {
        Ok(e) => w.flow.last_error = Some(e),
        Err(f) => w.fail(&f),
    }
}

/// A server policy (RFC 7591 §2 records the method; no MUST makes the server enforce
/// it): a 2xx is a warning, a refusal is held to RFC 6749 §5.2.
async fn invalid_client_should_be_refused(w: &mut World, ctx: Context) {
    let r = last(w);
    if (200..300).contains(&r.status) {
        w.snapshot(payload_of(&r));
        w.should(
            tk::error_is(&r, "invalid_client").map_err(|f| checks::Failure {
                spec: "RFC7591-2",
                ..f
            }),
        );
        return;
    }
    invalid_client_refused(w, ctx).await;
}

/// RFC 6749 §5.2's `invalid_client`, with the status it allows: 401 when the app
/// used the Authorization header, else 400 or 401 (the one seen is in the evidence).
async fn invalid_client_refused(w: &mut World, _: Context) {
    let r = last(w);
    let used_header = w.last_request_had_header("authorization");
    w.snapshot(payload_of(&r));
    w.must_all(refusal_checks(
        &r,
        tk::error_is(&r, "invalid_client"),
        [
            tk::invalid_client_status(&r, used_header),
            checks::response::json_content_type(&r),
        ],
    ));
    match tk::error_of(&r) {
        Ok(e) => w.flow.last_error = Some(e),
        Err(f) => w.fail(&f),
    }
}

/// Refused with some client error, where the vendor documents no code or status.
async fn token_refused_any(w: &mut World, _: Context) {
    let r = last(w);
    w.snapshot(payload_of(&r));
    w.must(checks::response::status_in(&r, 400..=499));
    match tk::error_of(&r) {
        Ok(e) => w.flow.last_error = Some(e),
        Err(f) => w.fail(&f),
    }
}

async fn token_refused_either(w: &mut World, ctx: Context) {
    let r = last(w);
    let first: u16 = arg(&ctx, 1).parse().unwrap_or(0);
    let second: u16 = arg(&ctx, 3).parse().unwrap_or(first);
    w.snapshot(payload_of(&r));
    w.must_all(refusal_checks(
        &r,
        tk::refused_as_one_of(&r, &[(first, arg(&ctx, 2)), (second, arg(&ctx, 4))]),
        [checks::response::json_content_type(&r)],
    ));
    match tk::error_of(&r) {
        Ok(e) => w.flow.last_error = Some(e),
        Err(f) => w.fail(&f),
    }
}

/// Where only the client is bound (RFC 6749 §2.3: the client MUST NOT use two
/// methods), a server that goes on gets a warning; a refusal is held to §5.2.
async fn token_should_be_refused_either(w: &mut World, ctx: Context) {
    let r = last(w);
    if (200..300).contains(&r.status) {
        w.snapshot(payload_of(&r));
        let first: u16 = arg(&ctx, 1).parse().unwrap_or(0);
        let second: u16 = arg(&ctx, 3).parse().unwrap_or(first);
        w.should(
            tk::refused_as_one_of(&r, &[(first, arg(&ctx, 2)), (second, arg(&ctx, 4))]).map_err(
                |f| checks::Failure {
                    spec: "RFC6749-2.3",
                    ..f
                },
            ),
        );
        return;
    }
    token_refused_either(w, ctx).await;
}

async fn basic_challenge(w: &mut World, _: Context) {
    let r = last(w);
    w.must(tk::basic_challenge(&r));
}
