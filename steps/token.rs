//! Redeeming the authorization code, with the variants the troubleshooting answers
//! describe (wrong verifier, wrong client, wrong redirect URI, bad client auth).

use cucumber::step::Context;
use grantcheck_core::profile::ClientRole;

use super::{StepFn, World, arg, step};
use grantcheck_core::checks;
use grantcheck_core::http::{Request, Response};
use grantcheck_core::oauth::pkce;
use grantcheck_core::oauth::token::{ClientAuthentication, Grant};
use grantcheck_core::profile::AuthMethod;
use grantcheck_core::target::Client;

pub(super) const STEPS: &[(&str, StepFn)] = &[
    (r"^the app redeems the code$", step!(redeem)),
    (
        r"^the app redeems the code a second time$",
        step!(redeem_again),
    ),
    (
        r"^the app redeems the code (\d+) seconds after it was issued$",
        step!(redeem_later),
    ),
    (
        r"^the app redeems the code with a different code verifier$",
        step!(redeem_wrong_verifier),
    ),
    (
        r"^the app redeems the code without a code verifier$",
        step!(redeem_no_verifier),
    ),
    (
        r"^the app redeems the code with a (\d+)-character code verifier$",
        step!(redeem_sized_verifier),
    ),
    (
        r"^the app redeems the code with a code verifier although it sent no challenge$",
        step!(redeem_unexpected_verifier),
    ),
    (
        r"^another registered app redeems the code$",
        step!(redeem_other_client),
    ),
    (
        r#"^the app redeems the code with the redirect URI "([^"]*)"$"#,
        step!(redeem_other_redirect),
    ),
    (
        r"^the app redeems the code with a wrong client secret$",
        step!(redeem_wrong_secret),
    ),
    (
        r"^the app redeems the code without its client secret$",
        step!(redeem_missing_secret),
    ),
    (
        r"^the app redeems the code with a malformed Basic authorization header$",
        step!(redeem_malformed_basic),
    ),
    (
        r"^the app redeems the code with its credentials in both the header and the body$",
        step!(redeem_both),
    ),
    (
        r"^an unregistered client redeems the code$",
        step!(redeem_unknown_client),
    ),
    (
        r"^the app redeems a code the server never issued$",
        step!(redeem_bogus_code),
    ),
    (
        r"^the app redeems the code with its secret in the body instead of the header$",
        step!(redeem_post_instead_of_basic),
    ),
    (
        r"^the app asks for tokens with the user's password$",
        step!(password_grant),
    ),
    (
        r"^the app redeems the code with an assertion (signed with a key it never registered|addressed to another server|that has expired)$",
        step!(redeem_bad_assertion),
    ),
];

/// How the client authenticates, from its registration.
pub(super) fn authentication(client: &Client) -> ClientAuthentication {
    let id = client.id.clone();
    let secret = client.secret.clone().unwrap_or_default();
    match client.auth {
        AuthMethod::None => ClientAuthentication::None { client_id: id },
        AuthMethod::ClientSecretPost => ClientAuthentication::Post {
            client_id: id,
            secret,
        },
        AuthMethod::ClientSecretBasic => ClientAuthentication::Basic {
            client_id: id,
            secret,
        },
        AuthMethod::PrivateKeyJwt => assertion_auth(client, Assertion::Valid),
    }
}

/// How a client assertion is made: correctly, or broken in one way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Assertion {
    Valid,
    /// Signed with a key the client never registered.
    UnregisteredKey,
    /// Addressed to another server.
    OtherAudience,
    /// Expired five minutes ago.
    Expired,
}

/// A `private_key_jwt` authentication with a fresh assertion (a new `jti` each time),
/// signed when the request is put together.
pub(super) fn assertion_auth(client: &Client, how: Assertion) -> ClientAuthentication {
    use grantcheck_core::oauth::assertion::{AssertionKey, AssertionPlan, UNREGISTERED_KEY};
    let jti = pkce::new_verifier();
    let registered = client.assertion_key.clone();
    let key = match how {
        Assertion::UnregisteredKey => {
            let kid = registered.as_ref().map_or("grantcheck", |k| k.kid.as_str());
            AssertionKey::from_pem(kid, UNREGISTERED_KEY).ok()
        }
        _ => registered,
    };
    let audience = match how {
        Assertion::OtherAudience => "https://another-server.example.test".to_string(),
        _ => client.audience.clone(),
    };
    let lifetime = if how == Assertion::Expired { -300 } else { 60 };
    ClientAuthentication::Assertion {
        client_id: client.id.clone(),
        plan: AssertionPlan {
            key,
            client_id: client.id.clone(),
            audience,
            lifetime,
            jti,
        },
    }
}

/// Puts client authentication into a request to `url`: an assertion is signed after
/// the request's wait at the rate limit, not before it.
pub(super) async fn authenticate(
    w: &mut World,
    url: &url::Url,
    form: &mut Vec<(String, String)>,
    headers: &mut Vec<(String, String)>,
    auth: &ClientAuthentication,
) {
    if matches!(auth, ClientAuthentication::Assertion { .. }) {
        w.session_mut()
            .reserve(&Request::post_form(url.clone(), form))
            .await;
    }
    auth.apply(form, headers);
}

/// Posts a grant to the token endpoint; a success's tokens are remembered (and masked
/// everywhere from then on).
pub(super) async fn post_token(
    w: &mut World,
    grant: Grant,
    auth: ClientAuthentication,
) -> Response {
    let url = w.target().endpoints.token.clone();
    post_token_form(w, url, grant.form(), auth, Vec::new()).await
}

/// Posts a form to a token endpoint URL (the profile's, or a variant of it).
pub(super) async fn post_token_form(
    w: &mut World,
    url: Option<url::Url>,
    mut form: Vec<(String, String)>,
    auth: ClientAuthentication,
    mut headers: Vec<(String, String)>,
) -> Response {
    let Some(endpoint) = url else {
        w.missing_endpoint("token")
    };
    authenticate(w, &endpoint, &mut form, &mut headers, &auth).await;
    let mut req = Request::post_form(endpoint, &form).header("accept", "application/json");
    for (k, v) in headers {
        req = req.header(&k, v);
    }
    let resp = w.send(req).await;
    if resp.status == 200
        && let Some(body) = resp.json()
    {
        for name in ["access_token", "refresh_token", "id_token"] {
            if let Some(v) = body.get(name).and_then(|v| v.as_str()) {
                w.remember_secret(v);
            }
        }
        let get = |n: &str| body.get(n).and_then(|v| v.as_str()).map(str::to_owned);
        if let Some(at) = get("access_token") {
            w.flow.grant.access_token = Some(at);
        }
        if let Some(rt) = get("refresh_token") {
            w.flow.grant.refresh_token = Some(rt);
        }
        if let Some(it) = get("id_token") {
            w.flow.grant.id_token = Some(it);
        }
        if let Some(p) = get("patient") {
            w.flow.grant.patient = Some(p);
        }
        keep_rotation(w, &form, &body);
        let requested = requested_scope(w, &form);
        // What the grant now holds: a later refresh without `scope` asks for it.
        w.flow.grant.scope = get("scope").or_else(|| requested.clone());
        w.flow.grant.requested_scope = requested;
        w.flow.grant.response = Some(body);
    }
    w.flow.last = Some(resp.clone());
    resp
}

/// The scope a token request asked for (see `Flow::tokens_requested_scope`).
fn requested_scope(w: &World, form: &[(String, String)]) -> Option<String> {
    let value = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if let Some(s) = value("scope") {
        return Some(s.to_string());
    }
    match value("grant_type") {
        Some("authorization_code") => match w.flow.auth.request.get("scope") {
            Some(grantcheck_core::oauth::authorize::Param::Value(s)) => Some(s.clone()),
            Some(grantcheck_core::oauth::authorize::Param::Raw(raw)) => {
                Some(grantcheck_core::oauth::percent::decode(raw))
            }
            None => None,
        },
        Some("refresh_token") => w.flow.grant.scope.clone(),
        _ => None,
    }
}

/// `login.method: refresh`: the scenario's tokens come from the profile's refresh
/// token, held by this scenario until it ends (see `login::refresh`).
async fn redeem_through_refresh(w: &mut World) {
    let target = w.target().clone();
    let Some(store) = &target.refresh else {
        w.fail_with("`login.method: refresh` without a refresh token".into())
    };
    let lease = store.lease().await;
    let token = lease.token().to_string();
    w.remember_secret(&token);
    w.refresh_lease = Some(lease);
    let auth = authentication(&w.client());
    let grant = Grant::RefreshToken {
        refresh_token: token,
        scope: None,
    };
    let resp = post_token(w, grant, auth).await;
    if resp.status != 200 {
        // A refused token says nothing about the scenario: the profile's token is dead
        // (expired, revoked, or spent by a run that could not save its successor).
        w.block(format!(
            "the refresh token of `login.refresh` was refused (HTTP {}): sign in once more \
             and save the new refresh token{}",
            resp.status,
            store
                .file()
                .map(|f| format!(" to {}", f.display()))
                .unwrap_or_default()
        ));
    }
}

/// Keeps a rotated refresh token when the scenario spent the chain's: written to the
/// token file before anything else happens.
fn keep_rotation(w: &mut World, form: &[(String, String)], body: &serde_json::Value) {
    let presented = form
        .iter()
        .find(|(k, _)| k == "refresh_token")
        .map(|(_, v)| v.as_str());
    let new = body.get("refresh_token").and_then(|v| v.as_str());
    let Some(lease) = w.refresh_lease.as_mut() else {
        return;
    };
    let (Some(presented), Some(new)) = (presented, new) else {
        return;
    };
    if !lease.is_chain(presented) || presented == new {
        return;
    }
    match lease.rotate(new) {
        Ok(grantcheck_core::login::refresh::Kept::Saved(_)) => {}
        Ok(grantcheck_core::login::refresh::Kept::NotSaved) => w.notice(
            "the server rotated the refresh token; `login.refresh.token` comes from a \
             variable, so the new one lives only in this run and the next run's token is \
             spent: use `login.refresh.token_file`"
                .into(),
        ),
        Err(e) => w.notice(e),
    }
}

fn code(w: &World) -> String {
    w.need_authorization_response();
    match (&w.flow.auth.code, &w.flow.auth.outcome) {
        (Some(c), _) => c.clone(),
        (None, Some(outcome)) => match checks::authorize::redirected_with_code(outcome) {
            Ok(r) => r.get("code").unwrap_or_default().to_string(),
            Err(_) if w.flow.auth.unknown_scope_asked && refused_scope(outcome) => w
                .not_applicable(
                    "the server refused the scope it does not know with invalid_scope, as \
                 RFC 6749 §3.3 and §4.1.2.1 allow; there is no token whose scope to compare"
                        .into(),
                ),
            Err(f) => w.fail(&f),
        },
        (None, None) => w.fail_with("no authorization code: the user never signed in".into()),
    }
}

/// An error redirect with `invalid_scope`.
fn refused_scope(outcome: &grantcheck_core::login::LoginOutcome) -> bool {
    matches!(outcome, grantcheck_core::login::LoginOutcome::Redirected(p) if p.get("error") == Some("invalid_scope"))
}

async fn exchange(
    w: &mut World,
    verifier: Option<String>,
    redirect_uri: Option<String>,
    auth: ClientAuthentication,
) {
    let grant = Grant::AuthorizationCode {
        code: code(w),
        redirect_uri: redirect_uri.or_else(|| Some(w.flow.auth.redirect_uri.clone())),
        code_verifier: verifier,
    };
    post_token(w, grant, auth).await;
}

async fn redeem(w: &mut World, _: Context) {
    if w.flow.auth.via_refresh {
        return redeem_through_refresh(w).await;
    }
    let auth = authentication(&w.client());
    let verifier = w.flow.auth.verifier.clone();
    exchange(w, verifier, None, auth).await;
}

/// A replayed code: a server may revoke what the code issued (RFC 6749 §4.1.2), the
/// grant of the user's session with it.
async fn redeem_again(w: &mut World, ctx: Context) {
    w.need_own_sign_in("replays a code, which may revoke the grant of the user's session");
    redeem(w, ctx).await;
}

async fn redeem_later(w: &mut World, ctx: Context) {
    let secs: u64 = arg(&ctx, 1).parse().unwrap_or(0);
    let code = code(w);
    if let Err(e) = w.target().age_artifact(&code, secs) {
        w.fail_with(format!("cannot let {secs} s pass for the code: {e}"));
    }
    redeem(w, ctx).await;
}

async fn redeem_wrong_verifier(w: &mut World, _: Context) {
    let auth = authentication(&w.client());
    exchange(w, Some(pkce::new_verifier()), None, auth).await;
}

async fn redeem_no_verifier(w: &mut World, _: Context) {
    let auth = authentication(&w.client());
    exchange(w, None, None, auth).await;
}

async fn redeem_sized_verifier(w: &mut World, ctx: Context) {
    let n: usize = arg(&ctx, 1).parse().unwrap_or(0);
    // Cut or pad the real verifier: the length is the only thing wrong with it.
    let mut v = w
        .flow
        .auth
        .verifier
        .clone()
        .unwrap_or_else(pkce::new_verifier);
    while v.len() < n {
        v.push('a');
    }
    v.truncate(n);
    let auth = authentication(&w.client());
    exchange(w, Some(v), None, auth).await;
}

/// A server that requires PKCE of every client refuses the challenge-less request at
/// the authorization endpoint: there is then no code to redeem, and the next step
/// judges that refusal.
async fn redeem_unexpected_verifier(w: &mut World, _: Context) {
    w.need_authorization_response();
    if w.flow.auth.code.is_none()
        && matches!(&w.flow.auth.outcome, Some(grantcheck_core::login::LoginOutcome::Redirected(p)) if p.get("error").is_some())
    {
        return;
    }
    let auth = authentication(&w.client());
    exchange(w, Some(pkce::new_verifier()), None, auth).await;
}

async fn redeem_other_client(w: &mut World, _: Context) {
    let other = w.client_by_role(ClientRole::Other);
    let verifier = w.flow.auth.verifier.clone();
    exchange(w, verifier, None, authentication(&other)).await;
}

async fn redeem_other_redirect(w: &mut World, ctx: Context) {
    let auth = authentication(&w.client());
    let verifier = w.flow.auth.verifier.clone();
    exchange(w, verifier, Some(arg(&ctx, 1).to_string()), auth).await;
}

fn confidential(w: &World) -> Client {
    let c = w.client();
    if c.auth == AuthMethod::None {
        w.fail_with(
            "this step needs a confidential app, but the scenario uses the public one".into(),
        );
    }
    c
}

async fn redeem_wrong_secret(w: &mut World, _: Context) {
    let c = confidential(w);
    let auth = match authentication(&c) {
        ClientAuthentication::Basic { client_id, .. } => ClientAuthentication::Basic {
            client_id,
            secret: "not-the-registered-secret".into(),
        },
        _ => ClientAuthentication::Post {
            client_id: c.id.clone(),
            secret: "not-the-registered-secret".into(),
        },
    };
    let verifier = w.flow.auth.verifier.clone();
    exchange(w, verifier, None, auth).await;
}

async fn redeem_missing_secret(w: &mut World, _: Context) {
    let c = confidential(w);
    let verifier = w.flow.auth.verifier.clone();
    exchange(
        w,
        verifier,
        None,
        ClientAuthentication::MissingSecret { client_id: c.id },
    )
    .await;
}

async fn redeem_malformed_basic(w: &mut World, _: Context) {
    let c = confidential(w);
    let verifier = w.flow.auth.verifier.clone();
    exchange(
        w,
        verifier,
        None,
        ClientAuthentication::MalformedBasic { client_id: c.id },
    )
    .await;
}

async fn redeem_both(w: &mut World, _: Context) {
    let c = confidential(w);
    let auth = ClientAuthentication::Both {
        client_id: c.id.clone(),
        secret: c.secret.clone().unwrap_or_default(),
    };
    let verifier = w.flow.auth.verifier.clone();
    exchange(w, verifier, None, auth).await;
}

async fn redeem_unknown_client(w: &mut World, _: Context) {
    let auth = ClientAuthentication::Post {
        client_id: "grantcheck-unregistered-client".into(),
        secret: "grantcheck-unregistered-secret".into(),
    };
    let verifier = w.flow.auth.verifier.clone();
    exchange(w, verifier, None, auth).await;
}

async fn redeem_bogus_code(w: &mut World, _: Context) {
    w.flow.auth.code = Some("grantcheck-never-issued-code".into());
    let auth = authentication(&w.client());
    let verifier = w.flow.auth.verifier.clone();
    exchange(w, verifier, None, auth).await;
}

/// A client registered for `client_secret_basic` sends its secret in the form body.
async fn redeem_post_instead_of_basic(w: &mut World, _: Context) {
    let c = confidential(w);
    if c.auth != AuthMethod::ClientSecretBasic {
        w.fail_with(format!(
            "this step needs a client registered for client_secret_basic; `{}` uses {}",
            c.role,
            c.auth.as_str()
        ));
    }
    let auth = ClientAuthentication::Post {
        client_id: c.id.clone(),
        secret: c.secret.clone().unwrap_or_default(),
    };
    let verifier = w.flow.auth.verifier.clone();
    exchange(w, verifier, None, auth).await;
}

/// The resource owner password credentials grant (RFC 6749 §4.3), with the profile's
/// user: a server that still offers it hands out tokens for the user's password.
async fn password_grant(w: &mut World, _: Context) {
    let target = w.target().clone();
    let role = target.profile.spec.login.user.clone();
    let Some(user) = target.profile.spec.users.get(&role) else {
        w.fail_with(format!("the profile has no `{role}` user under `users`"))
    };
    let form = vec![
        ("grant_type".to_string(), "password".to_string()),
        ("username".to_string(), user.username.clone()),
        ("password".to_string(), user.password.clone()),
        (
            "scope".to_string(),
            target.profile.spec.scopes.default.clone(),
        ),
    ];
    let auth = authentication(&w.client());
    let url = target.endpoints.token.clone();
    post_token_form(w, url, form, auth, Vec::new()).await;
}

async fn redeem_bad_assertion(w: &mut World, ctx: Context) {
    let c = w.client();
    if c.auth != AuthMethod::PrivateKeyJwt {
        w.fail_with(format!(
            "this step needs a private_key_jwt client; `{}` uses {}",
            c.role,
            c.auth.as_str()
        ));
    }
    let how = match arg(&ctx, 1) {
        "signed with a key it never registered" => Assertion::UnregisteredKey,
        "addressed to another server" => Assertion::OtherAudience,
        _ => Assertion::Expired,
    };
    let auth = assertion_auth(&c, how);
    let verifier = w.flow.auth.verifier.clone();
    exchange(w, verifier, None, auth).await;
}
