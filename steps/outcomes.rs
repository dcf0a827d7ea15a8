//! Then-steps: each applies named checks to what the server sent, and every refusal
//! is compared with its snapshot.

use cucumber::step::Context;
use grantcheck_core::profile::ClientRole;
use serde_json::{Value, json};

use super::{StepFn, World, arg, step};
use grantcheck_core::checks::schema::{Shape, conforms};
use grantcheck_core::checks::{self, authorize as az, id_token as idt, session as ss, token as tk};
use grantcheck_core::http::{Request, Response};
use grantcheck_core::login::LoginOutcome;
use grantcheck_core::login::html::visible_text;
use grantcheck_core::oauth::error::OAuthError;
use grantcheck_core::oauth::id_token::{Decoded, decode_unverified};
use grantcheck_core::snapshot::Payload;

pub(super) const STEPS: &[(&str, StepFn)] = &[
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
        r"^the user is not asked to sign in again$",
        step!(not_asked_again),
    ),
    (r"^the user is asked to sign in again$", step!(asked_again)),
    (r"^the token request succeeds$", step!(token_succeeds)),
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
        r"^the introspection is refused$",
        step!(introspection_refused),
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
        r"^the error is a registered OAuth error with a printable description$",
        step!(error_well_formed),
    ),
    (
        r"^the refusal asks the app to authenticate with HTTP Basic$",
        step!(basic_challenge),
    ),
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
    (r"^the revocation is accepted$", step!(revocation_accepted)),
    (r"^the response forbids caching$", step!(no_caching)),
    (
        r"^the token response carries (an ID token|a refresh token|the patient in context)$",
        step!(carries),
    ),
    (r"^no refresh token is issued$", step!(no_refresh_token)),
    (r"^the token request is refused$", step!(token_refused_any)),
    (r"^the access token lives (\d+) seconds$", step!(lives)),
    (
        r"^the token response carries Oracle Health's user, tenant and style context$",
        step!(cerner_context),
    ),
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
    (
        r"^the access token lifetime is given in expires_in, as athenahealth documents$",
        step!(expires_in_documented),
    ),
    (
        r"^the ID token is signed by a key the server publishes$",
        step!(id_signed),
    ),
    (
        r"^the ID token was issued by the server to the app$",
        step!(id_issued_to_app),
    ),
    (r"^the ID token is current$", step!(id_current)),
    (
        r"^the ID token carries the nonce the app sent$",
        step!(id_nonce),
    ),
    (
        r"^the ID token carries a pim claim listing the user's patient records$",
        step!(id_pim),
    ),
    (r"^the ID token carries no pim claim$", step!(id_no_pim)),
    (
        r"^the server publishes RS256 signing keys$",
        step!(keys_published),
    ),
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
    (
        r"^the FHIR API returns the patient's record$",
        step!(fhir_record),
    ),
    (
        r#"^the FHIR API answers (\d+) with the error "(.*)"$"#,
        step!(fhir_error),
    ),
    (
        r"^the FHIR API asks for a valid bearer token$",
        step!(fhir_challenge),
    ),
];

fn outcome(w: &World) -> LoginOutcome {
    match &w.flow.outcome {
        Some(o) => o.clone(),
        None => w.fail_with("the user never went to the authorization endpoint".into()),
    }
}

fn last(w: &World) -> Response {
    match &w.flow.last {
        Some(r) => r.clone(),
        None => w.fail_with("no response to check: no request was made".into()),
    }
}

fn payload_of(resp: &Response) -> Payload {
    let body = match resp.json() {
        Some(v) => v,
        None if resp.content_type().is_some_and(|c| c.contains("html")) => {
            Value::String(visible_text(&resp.text()))
        }
        None => Value::String(resp.text()),
    };
    Payload {
        status: resp.status,
        content_type: resp.content_type().map(str::to_owned),
        body,
    }
}

fn redirect_payload(outcome: &LoginOutcome) -> Payload {
    match outcome {
        LoginOutcome::Redirected(r) => Payload {
            status: 302,
            content_type: None,
            body: Value::Object(
                r.params
                    .iter()
                    .filter(|(k, _)| k != "code")
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect(),
            ),
        },
        LoginOutcome::Stopped { response, .. } => payload_of(response),
    }
}

/// The outcome of a step that expects the browser to come back to the app. A sign-in
/// page the form driver cannot fill (a script builds it) blocks the scenario: it says
/// nothing about the server's conformance.
fn redirect_expected(w: &World) -> LoginOutcome {
    let o = outcome(w);
    let signed_in = w.flow.trace.is_some_and(|t| t.credentials_entered);
    if let LoginOutcome::Stopped { response, .. } = &o
        && !signed_in
        && response.status == 200
        && grantcheck_core::login::html::needs_script(&response.text())
    {
        w.block(format!(
            "the sign-in page at {} builds its form with JavaScript; the `form` login \
             driver cannot sign in there (a browser-driven login is needed)",
            response.url
        ));
    }
    o
}

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
    let state = w.flow.state.clone().unwrap_or_default();
    w.must(az::state_is(&params, &state));
}

async fn authorization_refused(w: &mut World, ctx: Context) {
    let o = redirect_expected(w);
    w.snapshot(redirect_payload(&o));
    let error = az::redirected_with_error(&o, arg(&ctx, 1));
    // An error redirect still echoes state (RFC 6749 §4.1.2.1).
    let state = match (&o, &w.flow.state) {
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

fn last_error(w: &World) -> OAuthError {
    match &w.flow.last_error {
        Some(e) => e.clone(),
        None => w.fail_with("no error to describe: no refusal was checked before".into()),
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

async fn not_asked_again(w: &mut World, _: Context) {
    let asked = w.flow.trace.is_some_and(|t| t.credentials_entered);
    w.must(checks::session::session_reused(asked));
}

async fn asked_again(w: &mut World, _: Context) {
    let asked = w.flow.trace.is_some_and(|t| t.credentials_entered);
    w.must(checks::session::session_ended(asked));
}

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

async fn token_refused(w: &mut World, ctx: Context) {
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

async fn no_caching(w: &mut World, _: Context) {
    let r = last(w);
    w.must(checks::response::cache_control_no_store(&r));
    // RFC 6749 §5.1 says MUST for Pragma too, but HTTP caching (RFC 9111 §5.4) has
    // since deprecated the header: a missing one is a warning, as ARCHITECTURE.md
    // explains.
    w.should(checks::response::pragma_no_cache(&r));
}

/// The checks of a refusal: the error code, then the parts of an error response
/// (status, content type), which apply only when the server did refuse.
fn refusal_checks<const N: usize>(
    r: &Response,
    code: checks::Outcome,
    parts: [checks::Outcome; N],
) -> Vec<checks::Outcome> {
    let mut all = vec![code];
    if !(200..300).contains(&r.status) {
        all.extend(parts);
        // The error object's shape (RFC 6749 §5.2: `error` required, the charsets of
        // its members), when there is one to judge.
        match r.json() {
            Some(body) if body.get("error").is_some() => {
                all.push(conforms(&body, Shape::OAuthError));
            }
            // Okta's management-API error object, which athenahealth's Okta sends
            // for an unknown client (OKT-11).
            Some(body) if body.get("errorCode").is_some() => {
                all.push(conforms(&body, Shape::OktaError));
            }
            _ => {}
        }
    }
    all
}

fn tokens(w: &World) -> Value {
    match &w.flow.tokens {
        Some(t) => t.clone(),
        None => {
            let r = last(w);
            if let Err(f) = tk::success(&r) {
                w.fail(&f);
            }
            r.json().unwrap_or(Value::Null)
        }
    }
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

/// Oracle Health documents the lifetime (CER-15), so its absence is a failure here.
async fn lives(w: &mut World, ctx: Context) {
    let t = tokens(w);
    let secs: u64 = arg(&ctx, 1).parse().unwrap_or(0);
    w.must(tk::expires_in_present(&t, "CER-15"));
    w.must(tk::expires_in_well_formed(&t));
    w.must(tk::expires_in_is(&t, secs));
}

async fn cerner_context(w: &mut World, _: Context) {
    let t = tokens(w);
    for member in [
        "user",
        "username",
        "tenant",
        "need_patient_banner",
        "smart_style_url",
    ] {
        w.must(tk::has_member(&t, member, "CER-16"));
    }
    if let Some(tenant) = w.target().profile.spec.tenant.clone() {
        w.must(tk::member_is(&t, "tenant", &tenant, "CER-16"));
    }
}

async fn scope_is(w: &mut World, ctx: Context) {
    let t = tokens(w);
    let requested = w.flow.tokens_requested_scope.clone();
    w.must(tk::scope_is(&t, requested.as_deref(), arg(&ctx, 1)));
}

/// RFC 6749 §5.1: a response without `scope` granted exactly what was asked for.
async fn scope_is_narrower(w: &mut World, _: Context) {
    let t = tokens(w);
    if t.get("scope").is_none() {
        return;
    }
    let narrower = super::session::narrower_scope(w);
    let requested = w.flow.tokens_requested_scope.clone();
    w.must(tk::scope_is(&t, requested.as_deref(), &narrower));
}

/// RFC 6749 §6 forbids granting more than the original scope; §3.3 lets the server
/// ignore what it will not grant. So: `invalid_scope`, or a success whose `scope`
/// says the extra scope was left out (without `scope` it claims to grant all asked).
async fn wider_refused_or_ignored(w: &mut World, ctx: Context) {
    let r = last(w);
    if r.status != 200 {
        return token_refused(w, ctx).await;
    }
    let extra = w.target().profile.spec.scopes.unknown().to_string();
    w.snapshot(payload_of(&r));
    w.must(tk::refresh_not_widened(&r, &extra));
}

async fn scope_includes(w: &mut World, ctx: Context) {
    let t = tokens(w);
    let requested = w.flow.tokens_requested_scope.clone();
    w.must(tk::scope_includes(&t, requested.as_deref(), arg(&ctx, 1)));
}

async fn scope_excludes(w: &mut World, ctx: Context) {
    let t = tokens(w);
    let requested = w.flow.tokens_requested_scope.clone();
    w.must(tk::scope_excludes(&t, requested.as_deref(), arg(&ctx, 1)));
}

/// athenahealth documents the lifetimes (ATH-06), so a missing one fails there.
async fn expires_in_documented(w: &mut World, _: Context) {
    let t = tokens(w);
    w.must(tk::expires_in_present(&t, "ATH-06"));
    w.must(tk::expires_in_well_formed(&t));
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

fn id_token(w: &World) -> (String, Decoded) {
    let Some(jwt) = w.flow.id_token.clone() else {
        w.fail_with("no ID token: the token response carried none".into())
    };
    match decode_unverified(&jwt) {
        Ok(d) => (jwt, d),
        Err(e) => w.fail_with(format!("the ID token cannot be decoded: {e}")),
    }
}

async fn fetch_keys(w: &mut World) -> Response {
    let Some(mut url) = w.target().endpoints.keys.clone() else {
        w.missing_endpoint("keys")
    };
    // athenahealth documents `client_id` as required on /keys.
    let id = w.client().id;
    url.query_pairs_mut().append_pair("client_id", &id);
    w.send(Request::get(url).header("accept", "application/json"))
        .await
}

async fn id_signed(w: &mut World, _: Context) {
    let (jwt, _) = id_token(w);
    let keys = fetch_keys(w).await;
    let jwks = keys.json().unwrap_or(Value::Null);
    w.must_all([
        conforms(&jwks, Shape::Jwks),
        idt::signature_verifies(&jwt, &jwks),
    ]);
}

async fn id_issued_to_app(w: &mut World, _: Context) {
    let (_, d) = id_token(w);
    let issuer = w.target().issuer.clone();
    let client = w.client().id;
    w.must(idt::issuer_is(&d, &issuer));
    w.must(idt::audience_is(&d, &client));
}

async fn id_current(w: &mut World, _: Context) {
    let (_, d) = id_token(w);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    w.must(idt::not_expired(&d, now, 120));
}

async fn id_nonce(w: &mut World, _: Context) {
    let (_, d) = id_token(w);
    let Some(nonce) = w.flow.nonce.clone() else {
        w.fail_with("the app sent no nonce".into())
    };
    w.must(idt::nonce_is(&d, &nonce));
}

async fn id_pim(w: &mut World, _: Context) {
    let (_, d) = id_token(w);
    w.must(idt::pim_well_formed(&d));
}

async fn id_no_pim(w: &mut World, _: Context) {
    let (_, d) = id_token(w);
    w.must(idt::lacks_claim(&d, "pim", "ATH-08"));
}

async fn keys_published(w: &mut World, _: Context) {
    let r = fetch_keys(w).await;
    w.must(ss::jwks_has_rs256_keys(&r));
    w.should(ss::jwks_cacheable(&r));
    w.flow.last = Some(r);
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
    let state = w.flow.state.clone().unwrap_or_default();
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
    let Some(token) = w.flow.access_token.clone() else {
        w.fail_with("no access token".into())
    };
    let url = w.target().endpoints.introspect.clone();
    let auth = super::token::authentication(&w.client());
    let r =
        super::session::post_token_param(w, url, "introspect", token, "access_token", auth).await;
    w.must(ss::introspection_active(&r, true));
}

async fn fhir_record(w: &mut World, _: Context) {
    let r = last(w);
    w.must(checks::fhir::resource_returned(&r, "Patient"));
}

async fn fhir_error(w: &mut World, ctx: Context) {
    let r = last(w);
    let status: u16 = arg(&ctx, 1).parse().unwrap_or(0);
    w.must(checks::fhir::error_is(&r, status, arg(&ctx, 2)));
    w.snapshot(payload_of(&r));
}

async fn fhir_challenge(w: &mut World, _: Context) {
    let r = last(w);
    w.must(checks::fhir::bearer_challenge(&r));
    w.snapshot(payload_of(&r));
}

impl World {
    /// Error responses are snapshotted wherever a scenario meets them.
    fn snapshot_if_error(&mut self, r: &Response) {
        if r.status >= 400 {
            self.snapshot(payload_of(r));
        }
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

async fn error_well_formed(w: &mut World, _: Context) {
    let e = last_error(w);
    w.must(tk::error_is_well_formed(&e));
}

async fn basic_challenge(w: &mut World, _: Context) {
    let r = last(w);
    w.must(tk::basic_challenge(&r));
}

/// Compares the scope the response reports with the server's introspection of the
/// access token.
async fn scope_reported_truthfully(w: &mut World, _: Context) {
    let body = tokens(w);
    let requested = w.flow.tokens_requested_scope.clone().unwrap_or_default();
    let Some(token) = w.flow.access_token.clone() else {
        w.fail_with("no access token: the app never received one".into())
    };
    let url = w.target().endpoints.introspect.clone();
    let auth = super::token::authentication(&w.client());
    let resp =
        super::session::post_token_param(w, url, "introspect", token, "access_token", auth).await;
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
    let Some(presented) = w.flow.used_refresh_tokens.last().cloned() else {
        w.fail_with("no refresh token was presented".into())
    };
    w.must(tk::refresh_token_rotated(&body, &presented));
}

async fn no_refresh_token_generic(w: &mut World, _: Context) {
    let t = tokens(w);
    w.must(tk::lacks_member(&t, "refresh_token", "RFC6749-4.4.3"));
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
    let page = match (&w.flow.outcome, &w.flow.last) {
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
        w.flow.authorize.get("code_challenge_method"),
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

async fn revocation_accepted(w: &mut World, _: Context) {
    let r = last(w);
    w.must(checks::response::status_is(&r, 200));
}
