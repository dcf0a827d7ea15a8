//! Setting up the authorization request, and sending the user through sign-in.

use cucumber::step::Context;

use super::{StepFn, World, arg, step};
use grantcheck_core::login::browser::{self, BrowserLogin};
use grantcheck_core::login::{LoginError, LoginOptions, LoginOutcome, drive, manual};
use grantcheck_core::oauth::pkce;
use grantcheck_core::profile::{AuthMethod, ClientRole, LoginMethod};

pub(super) const STEPS: &[(&str, StepFn)] = &[
    (r"^the public app$", step!(public_app)),
    (r"^the confidential app$", step!(confidential_app)),
    (
        r"^the confidential app that authenticates with HTTP Basic$",
        step!(basic_app),
    ),
    (r#"^the app requests the scopes "([^"]*)"$"#, step!(scopes)),
    (
        r"^the app requests its usual scopes and one the server does not know$",
        step!(usual_and_unknown_scopes),
    ),
    (
        r"^the app requests a scope it is not permitted to request$",
        step!(not_permitted_scope),
    ),
    (
        r#"^the app sends the scope parameter already encoded as "([^"]*)"$"#,
        step!(raw_scope),
    ),
    (
        r"^the app names the practice with its FHIR base URL as aud$",
        step!(aud_fhir_base),
    ),
    (
        r"^the app names the practice with the practice JSON as aud$",
        step!(aud_json),
    ),
    (
        r#"^the app sends the aud parameter encoded as "([^"]*)"$"#,
        step!(aud_raw),
    ),
    (r"^the app sends no state$", step!(no_state)),
    (r"^the app sends no aud$", step!(no_aud)),
    (r"^the provider app$", step!(provider_app)),
    (
        r"^the app uses PKCE with the (S256|plain) method$",
        step!(pkce_method),
    ),
    (r"^the app sends no code challenge$", step!(no_challenge)),
    (
        r"^the app sends a code challenge with illegal characters$",
        step!(bad_challenge),
    ),
    (
        r#"^the app uses the redirect URI "([^"]*)"$"#,
        step!(redirect_uri),
    ),
    (
        r"^a user without access to the practice$",
        step!(user_without_access),
    ),
    (r"^the user signs in and approves$", step!(sign_in)),
    (r"^the user starts signing in$", step!(sign_in)),
    (r"^the user signs in again$", step!(sign_in_again)),
    (
        r#"^the user signs in and approves everything except "([^"]*)"$"#,
        step!(sign_in_withholding),
    ),
    (
        r"^the user signs in and denies consent$",
        step!(sign_in_refusing),
    ),
    (
        r"^the app asks for an access token directly from the authorization endpoint$",
        step!(implicit),
    ),
    (
        r"^the app asks for a response type no server offers$",
        step!(unknown_response_type),
    ),
    (
        r"^the app uses the registered redirect URI (with an added path segment|with an added query|with its path in upper case|on another port)$",
        step!(altered_redirect_uri),
    ),
    (
        r"^the app opens the sign-in page$",
        step!(open_sign_in_page),
    ),
    (
        r"^the confidential app that authenticates with a signed JWT$",
        step!(jwt_app),
    ),
];

fn select(w: &mut World, role: ClientRole) {
    let client = w.client_by_role(role);
    w.flow.client_role = Some(role);
    let req = &mut w.flow.auth.request;
    req.set("client_id", client.id.clone())
        .set("response_type", "code")
        .set("redirect_uri", w.flow.auth.redirect_uri.clone());
    let scope = w.target().profile.spec.scopes.default.clone();
    w.flow.auth.request.set("scope", scope);
    let state = grantcheck_core::oauth::random_value(24);
    let nonce = grantcheck_core::oauth::random_value(24);
    w.flow
        .auth
        .request
        .set("state", state.clone())
        .set("nonce", nonce.clone());
    w.flow.auth.state = Some(state);
    w.flow.auth.nonce = Some(nonce);
    if let Some(aud) = w.target().profile.spec.aud.clone() {
        // `{fhir_base}` stands for the resolved FHIR base URL (an emulator's port is
        // only known at run time).
        let aud = match (&w.target().endpoints.fhir_base, aud.contains("{fhir_base}")) {
            (Some(base), true) => aud.replace("{fhir_base}", base.as_str().trim_end_matches('/')),
            _ => aud,
        };
        w.flow.auth.request.set("aud", aud);
    }
    for (name, value) in w.target().profile.spec.authorize_params.clone() {
        w.flow.auth.request.set(&name, value);
    }
    // Public clients must use PKCE (RFC 9700 §2.1.1); confidential ones too where
    // the server requires it of every client.
    if client.auth == AuthMethod::None || w.target().capabilities.pkce_required.value {
        use_pkce(w, "S256");
    }
    w.flow.auth.chosen = Some(w.flow.auth.request.clone());
}

fn use_pkce(w: &mut World, method: &str) {
    let verifier = pkce::new_verifier();
    let challenge = match method {
        "plain" => verifier.clone(),
        _ => pkce::s256_challenge(&verifier),
    };
    w.remember_secret(&verifier);
    w.flow.auth.verifier = Some(verifier);
    w.flow
        .auth
        .request
        .set("code_challenge", challenge)
        .set("code_challenge_method", method);
}

async fn public_app(w: &mut World, _: Context) {
    select(w, ClientRole::Public);
}

async fn confidential_app(w: &mut World, _: Context) {
    select(w, ClientRole::Confidential);
}

async fn basic_app(w: &mut World, _: Context) {
    select(w, ClientRole::ConfidentialBasic);
}

async fn jwt_app(w: &mut World, _: Context) {
    select(w, ClientRole::Jwt);
}

async fn scopes(w: &mut World, ctx: Context) {
    w.flow.auth.request.set("scope", arg(&ctx, 1));
}

async fn usual_and_unknown_scopes(w: &mut World, _: Context) {
    let scopes = &w.target().profile.spec.scopes;
    let scope = format!("{} {}", scopes.default, scopes.unknown());
    w.flow.auth.request.set("scope", scope);
    w.flow.auth.unknown_scope_asked = true;
}

async fn not_permitted_scope(w: &mut World, _: Context) {
    let scopes = &w.target().profile.spec.scopes;
    let Some(extra) = scopes.not_permitted.clone() else {
        w.fail_with("the profile names no `scopes.not_permitted`".into())
    };
    let scope = format!("{} {extra}", scopes.default);
    w.flow.auth.request.set("scope", scope);
}

async fn raw_scope(w: &mut World, ctx: Context) {
    w.flow.auth.request.set_raw("scope", arg(&ctx, 1));
}

async fn aud_fhir_base(w: &mut World, _: Context) {
    let Some(base) = w.target().endpoints.fhir_base.clone() else {
        w.missing_endpoint("fhir_base")
    };
    w.flow
        .auth
        .request
        .set("aud", base.as_str().trim_end_matches('/'));
}

async fn aud_json(w: &mut World, _: Context) {
    let Some(aud) = w.target().profile.spec.aud.clone() else {
        w.fail_with("the profile has no `aud`".into())
    };
    if !aud.trim_start().starts_with('{') {
        w.fail_with(format!(
            "the profile's `aud` is not the practice JSON form: {aud}"
        ));
    }
    w.flow.auth.request.set("aud", aud);
}

async fn aud_raw(w: &mut World, ctx: Context) {
    w.flow.auth.request.set_raw("aud", arg(&ctx, 1));
}

async fn no_aud(w: &mut World, _: Context) {
    w.flow.auth.request.remove("aud");
}

async fn provider_app(w: &mut World, _: Context) {
    select(w, ClientRole::Provider);
}

async fn no_state(w: &mut World, _: Context) {
    w.flow.auth.request.remove("state");
    w.flow.auth.state = None;
}

async fn pkce_method(w: &mut World, ctx: Context) {
    let method = arg(&ctx, 1).to_string();
    use_pkce(w, &method);
}

async fn no_challenge(w: &mut World, _: Context) {
    w.flow
        .auth
        .request
        .remove("code_challenge")
        .remove("code_challenge_method");
    w.flow.auth.verifier = None;
}

async fn bad_challenge(w: &mut World, _: Context) {
    // 43 characters, but `+`, `/` and `=` are not base64url.
    let bad = format!("{}+/=", "A".repeat(40));
    w.flow
        .auth
        .request
        .set("code_challenge", bad)
        .set("code_challenge_method", "S256");
}

async fn redirect_uri(w: &mut World, ctx: Context) {
    let uri = arg(&ctx, 1).to_string();
    w.flow.auth.request.set("redirect_uri", uri.clone());
    w.flow.auth.redirect_uri = uri;
}

async fn user_without_access(w: &mut World, _: Context) {
    w.flow.auth.user_role = Some("without_portal_access".into());
}

/// Sends the browser to the authorization endpoint and through sign-in and consent.
pub(super) async fn authorize(w: &mut World) {
    let target = w.target().clone();
    let Some(endpoint) = target.endpoints.authorize.clone() else {
        w.missing_endpoint("authorize")
    };
    let login = &target.profile.spec.login;
    if login.method == LoginMethod::Refresh {
        // No user signs in: the profile may register none.
        return stand_in_with_refresh(w);
    }
    let role = w
        .flow
        .auth
        .user_role
        .clone()
        .unwrap_or_else(|| login.user.clone());
    let Some(user) = target.profile.spec.users.get(&role) else {
        w.fail_with(format!("the profile has no `{role}` user under `users`"))
    };
    let opts = LoginOptions {
        username: user.username.clone(),
        password: user.password.clone(),
        username_field: login.username_field.clone(),
        password_field: login.password_field.clone(),
        approve: login.approve.clone(),
        deny: login.deny.clone(),
        consent_scope_field: login.consent_scope_field.clone(),
        withhold: w.flow.auth.withhold.clone(),
        refuse: w.flow.auth.refuse_consent,
    };
    let url = w.flow.auth.request.url(&endpoint);
    let redirect_uri = w.flow.auth.redirect_uri.clone();
    // A paced target: wait for a turn to hold a code, given back at its redemption. A
    // browser's scenario keeps it to its end (see `Session::keep_code_turn`).
    if matches!(login.method, LoginMethod::Browser) {
        w.session_mut().keep_code_turn();
    }
    w.session_mut().start_code_flow().await;
    let driven = match login.method {
        LoginMethod::Browser => {
            let steps = BrowserLogin {
                steps: login.browser_steps(),
                timeout: login.browser_timeout(),
            };
            // The run's browser for this user, unless the scenario needs its own or
            // sends the browser back somewhere else (the catcher maps one host).
            if !w.fresh_sign_in
                && login.share_session
                && redirect_uri == target.profile.spec.redirect_uri
            {
                // One of the user's kept browsers, free for this sign-in.
                let turn = target.sign_ins.join(&role).await;
                let pool = w.browser_pool();
                let shared = pool.shared(&format!("{}/{role}/{}", target.name(), turn.index));
                let mut slot = shared.lock().await;
                let opened = match slot.take() {
                    Some(b) => Ok(b),
                    None => pool.open_shared(&redirect_uri).await,
                };
                match opened {
                    Ok(b) => {
                        let session = w.session_mut();
                        let driven =
                            browser::drive(&b, session, url, &redirect_uri, &opts, &steps).await;
                        *slot = Some(b);
                        // Taken before chromiums with no login yet by the next turns.
                        if let Ok((LoginOutcome::Redirected(_), _)) = &driven {
                            turn.signed_in();
                        }
                        driven
                    }
                    Err(e) => Err(e),
                }
            } else {
                match w.browser().await {
                    Ok((browser, session)) => {
                        browser::drive(browser, session, url, &redirect_uri, &opts, &steps).await
                    }
                    Err(e) => Err(e),
                }
            }
        }
        LoginMethod::Refresh => return stand_in_with_refresh(w),
        LoginMethod::Manual => {
            let scenario = manual_instructions(&w.scenario, &opts);
            let timeout = std::time::Duration::from_secs(login.manual_timeout_secs);
            manual::drive(manual::console(), &scenario, &url, &redirect_uri, timeout).await
        }
        LoginMethod::Form => {
            // One of the user's kept sessions, unless the scenario needs its own: its
            // turn there ends with the sign-in (`shared` dropped below).
            let shared = if w.fresh_sign_in || !login.share_session {
                None
            } else {
                let s = target.sign_ins.join(&role).await;
                w.session_mut().use_jar(s.jar());
                Some(s)
            };
            let driven = drive(w.session_mut(), url, &redirect_uri, &opts).await;
            if let (Some(s), Ok((LoginOutcome::Redirected(_), _))) = (&shared, &driven) {
                s.signed_in();
            }
            drop(shared);
            driven
        }
    };
    if let Ok((outcome, trace)) = &driven
        && (trace.credentials_entered || matches!(outcome, LoginOutcome::Redirected(_)))
    {
        target.sign_ins.count(trace.credentials_entered);
    }
    let outcome = match driven {
        Ok((o, trace)) => {
            w.flow.auth.trace = Some(trace);
            o
        }
        Err(LoginError::Unreachable(e)) => {
            w.target().mark_unreachable(&e);
            w.block(e)
        }
        Err(LoginError::Blocked(e)) => w.block(e),
        Err(e) => w.fail_with(format!("sign-in failed: {e}")),
    };
    if let LoginOutcome::Redirected(r) = &outcome
        && let Some(code) = r.get("code")
    {
        w.remember_secret(code);
        w.flow.auth.code = Some(code.to_string());
    }
    if w.flow.auth.code.is_none() {
        w.session_mut().no_code_came();
    }
    if let LoginOutcome::Stopped { response, .. } = &outcome {
        w.flow.last = Some(response.clone());
    }
    block_on_script_sign_in(w, &outcome);
    w.flow.auth.outcome = Some(outcome);
}

/// `login.method: refresh`: the profile's refresh token stands in for the sign-in of
/// a scenario that only needs "a signed-in user": the app chosen as the token's
/// client, its request as chosen (the random state, nonce and PKCE challenge aside),
/// the usual user, consent given in full. Any other sign-in is what its scenario looks
/// at, and only a real one can show it.
fn stand_in_with_refresh(w: &mut World) {
    let target = w.target().clone();
    let Some(refresh) = &target.profile.spec.login.refresh else {
        w.fail_with("`login.method: refresh` without `login.refresh`".into())
    };
    let auth = &w.flow.auth;
    let without_random = |r: &grantcheck_core::oauth::authorize::AuthorizeRequest| {
        let mut r = r.clone();
        r.remove("state").remove("nonce").remove("code_challenge");
        r
    };
    let why = if w.fresh_sign_in {
        Some("needs a sign-in of its own (@fresh-sign-in)".to_string())
    } else if w.flow.client_role != Some(refresh.client) {
        Some(format!(
            "uses the {} app, and the refresh token of `login.refresh` was issued to the \
             {} app",
            w.flow.client_role.map_or("no", |r| r.as_str()),
            refresh.client
        ))
    } else if auth.user_role.is_some() || !auth.withhold.is_empty() || auth.refuse_consent {
        Some("signs in as another user or answers consent its own way".to_string())
    } else if auth.chosen.as_ref().map(without_random) != Some(without_random(&auth.request)) {
        Some("sends an authorization request of its own".to_string())
    } else {
        None
    };
    if let Some(why) = why {
        w.not_applicable(format!(
            "this scenario {why}; with `login.method: refresh` nobody signs in: run it \
             with `login.method: browser` or `manual`"
        ));
    }
    w.flow.auth.via_refresh = true;
}

/// What the person is asked to do: the scenario, and how to answer consent when the
/// scenario withholds a scope or refuses.
fn manual_instructions(scenario: &str, opts: &LoginOptions) -> String {
    let mut s = scenario.to_string();
    if opts.refuse {
        s.push_str("\"; at the consent page, REFUSE (deny) \"");
    } else if !opts.withhold.is_empty() {
        s.push_str(&format!(
            "\"; at the consent page, leave out {} and approve the rest \"",
            opts.withhold.join(", ")
        ));
    }
    s
}

/// A sign-in page the form driver cannot fill (a script builds its form) blocks the
/// scenario where the driver stopped: whatever the scenario goes on to check, it says
/// nothing about the server's conformance, only that a browser is needed.
pub(super) fn block_on_script_sign_in(w: &World, outcome: &LoginOutcome) {
    let signed_in = w.flow.auth.trace.is_some_and(|t| t.credentials_entered);
    if let LoginOutcome::Stopped { response, .. } = outcome
        && !signed_in
        && response.status == 200
        && grantcheck_core::login::html::needs_script(&response.text())
    {
        w.block(script_sign_in_advice(response.url.as_str()));
    }
}

/// What a scenario stopped by a script-built sign-in page says: which page, and which
/// driver can sign in there.
pub(super) fn script_sign_in_advice(page: &str) -> String {
    format!(
        "the sign-in page at {page} builds its form with JavaScript; the `form` login \
         driver cannot sign in there: a browser-driven login is needed (use \
         `login.method: browser`)"
    )
}

async fn sign_in(w: &mut World, _: Context) {
    authorize(w).await;
}

/// A second authorization in the same browser (its cookies kept).
async fn sign_in_again(w: &mut World, _: Context) {
    w.flow.auth.code = None;
    let state = grantcheck_core::oauth::random_value(24);
    w.flow.auth.request.set("state", state.clone());
    w.flow.auth.state = Some(state);
    if w.flow.auth.verifier.is_some() {
        let method = match w.flow.auth.request.get("code_challenge_method") {
            Some(grantcheck_core::oauth::authorize::Param::Value(m)) => m.clone(),
            _ => "S256".into(),
        };
        use_pkce(w, &method);
    }
    authorize(w).await;
}

async fn sign_in_withholding(w: &mut World, ctx: Context) {
    w.flow.auth.withhold = vec![arg(&ctx, 1).to_string()];
    authorize(w).await;
}

async fn sign_in_refusing(w: &mut World, _: Context) {
    w.flow.auth.refuse_consent = true;
    authorize(w).await;
}

/// The implicit grant's request (`response_type=token`), signed in as usual so that a
/// server that still offers it gets as far as issuing the token.
async fn implicit(w: &mut World, _: Context) {
    w.flow.auth.request.set("response_type", "token");
    authorize(w).await;
}

/// A `response_type` outside every registry: RFC 6749 §4.1.2.1 has the server answer
/// it with an error redirect (`unsupported_response_type`).
async fn unknown_response_type(w: &mut World, _: Context) {
    w.flow
        .auth
        .request
        .set("response_type", "grantcheck_unknown");
}

/// The registered redirect URI, changed in one way that exact matching must notice.
async fn altered_redirect_uri(w: &mut World, ctx: Context) {
    use grantcheck_core::oauth::authorize::{RedirectAlteration as A, alter_redirect_uri};
    // The phrase's alternatives are the step pattern's; the core sees only the enum.
    let how = match arg(&ctx, 1) {
        "with an added path segment" => A::AddedPathSegment,
        "with an added query" => A::AddedQuery,
        "with its path in upper case" => A::PathInUpperCase,
        _ => A::AnotherPort,
    };
    let registered = w.flow.auth.redirect_uri.clone();
    let altered = match alter_redirect_uri(&registered, how) {
        Ok(u) => u,
        Err(e) => w.fail_with(e),
    };
    w.flow.auth.request.set("redirect_uri", altered.clone());
    w.flow.auth.redirect_uri = altered;
}

/// Opens the authorization URL in a fresh browser and follows the server's own
/// redirects to the first page it shows (the sign-in page).
async fn open_sign_in_page(w: &mut World, _: Context) {
    let Some(endpoint) = w.target().endpoints.authorize.clone() else {
        w.missing_endpoint("authorize")
    };
    let mut url = w.flow.auth.request.url(&endpoint);
    w.session_mut().start_code_flow().await;
    for _ in 0..10 {
        let resp = w
            .send(grantcheck_core::http::Request::get(url.clone()))
            .await;
        let next = match (resp.status, resp.location()) {
            (300..=399, Some(loc)) => url.join(loc).ok(),
            _ => None,
        };
        match next {
            Some(n)
                if !grantcheck_core::oauth::authorize::is_redirect_to(
                    n.as_str(),
                    &w.flow.auth.redirect_uri,
                ) =>
            {
                url = n
            }
            _ => {
                // Back at the app at once (a signed-in session): a later step may
                // redeem the code, so the turn is kept for it.
                if resp.location().is_none_or(|l| !l.contains("code=")) {
                    w.session_mut().no_code_came();
                }
                w.flow.last = Some(resp);
                return;
            }
        }
    }
    w.fail_with("the authorization endpoint redirected more than 10 times".into());
}
