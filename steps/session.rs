//! After the code exchange: refresh, introspection, revocation and logout.

use cucumber::step::Context;
use grantcheck_core::profile::ClientRole;

use super::token::{authentication, post_token};
use super::{StepFn, World, arg, step};
use grantcheck_core::http::{Request, Response};
use grantcheck_core::oauth::authorize::{AuthorizeRequest, is_redirect_to};
use grantcheck_core::oauth::token::{ClientAuthentication, Grant};

pub(super) const STEPS: &[(&str, StepFn)] = &[
    (r"^the app refreshes the tokens$", step!(refresh)),
    (
        r#"^the app refreshes the tokens asking for the scopes "([^"]*)"$"#,
        step!(refresh_scoped),
    ),
    (
        r"^the app refreshes the tokens asking for a narrower scope$",
        step!(refresh_narrower),
    ),
    (
        r"^the app refreshes the tokens asking for a wider scope$",
        step!(refresh_wider),
    ),
    (
        r"^the app refreshes with a refresh token the server never issued$",
        step!(refresh_bogus),
    ),
    (
        r"^the app introspects the (access|refresh) token$",
        step!(introspect),
    ),
    (
        r"^the app revokes the (access|refresh) token$",
        step!(revoke),
    ),
    (
        r"^the app revokes a token the server never issued$",
        step!(revoke_bogus),
    ),
    (
        r"^another registered app refreshes with the app's refresh token$",
        step!(refresh_as_other_client),
    ),
    (
        r"^the app refreshes with the refresh token it has already used$",
        step!(refresh_replayed),
    ),
    (
        r"^a refresh with the newest refresh token should be refused$",
        step!(newest_refresh_refused),
    ),
    (
        r"^the app introspects the access token without authenticating$",
        step!(introspect_unauthenticated),
    ),
    (
        r"^the access token(?: from the first redemption)? should no longer be active$",
        step!(access_token_should_be_inactive),
    ),
    (r"^the app logs the user out$", step!(logout)),
    (
        r#"^the app logs the user out with the post-logout redirect URI "([^"]*)"$"#,
        step!(logout_to),
    ),
];

fn refresh_token(w: &World) -> String {
    match &w.flow.grant.refresh_token {
        Some(t) => t.clone(),
        None => w.fail_with(
            "no refresh token to use: the token response carried none (was offline_access granted?)"
                .into(),
        ),
    }
}

/// Presents a refresh token (remembering it as used) with the given client's
/// authentication.
async fn present_refresh(
    w: &mut World,
    token: String,
    scope: Option<String>,
    role: Option<ClientRole>,
) {
    w.flow.grant.used_refresh_tokens.push(token.clone());
    let client = match role {
        Some(r) => w.client_by_role(r),
        None => w.client(),
    };
    let grant = Grant::RefreshToken {
        refresh_token: token,
        scope,
    };
    post_token(w, grant, authentication(&client)).await;
}

async fn refresh(w: &mut World, _: Context) {
    let token = refresh_token(w);
    present_refresh(w, token, None, None).await;
}

async fn refresh_scoped(w: &mut World, ctx: Context) {
    let token = refresh_token(w);
    present_refresh(w, token, Some(arg(&ctx, 1).to_string()), None).await;
}

/// The profile's narrower scope (`scopes.narrower`, or the default without
/// `offline_access`); a profile whose default has no part to narrow to cannot run this.
pub(super) fn narrower_scope(w: &World) -> String {
    match w.target().profile.spec.scopes.narrower() {
        Some(s) => s,
        None => w.not_applicable(
            "the profile's default scopes have no part to narrow to: name one in \
             `scopes.narrower`"
                .into(),
        ),
    }
}

async fn refresh_narrower(w: &mut World, _: Context) {
    let token = refresh_token(w);
    let scope = narrower_scope(w);
    present_refresh(w, token, Some(scope), None).await;
}

/// The scope granted at sign-in (as the token response said, else as requested) and
/// the profile's unknown scope.
async fn refresh_wider(w: &mut World, _: Context) {
    let token = refresh_token(w);
    let granted = w
        .flow
        .grant
        .response
        .as_ref()
        .and_then(|t| t.get("scope"))
        .and_then(|s| s.as_str())
        .map(str::to_owned)
        .or_else(|| match w.flow.auth.request.get("scope") {
            Some(grantcheck_core::oauth::authorize::Param::Value(v)) => Some(v.clone()),
            _ => None,
        })
        .unwrap_or_else(|| w.target().profile.spec.scopes.default.clone());
    let scope = format!("{granted} {}", w.target().profile.spec.scopes.unknown());
    present_refresh(w, token, Some(scope), None).await;
}

async fn refresh_as_other_client(w: &mut World, _: Context) {
    w.spare_refresh_chain("presents the refresh token as another client");
    let token = refresh_token(w);
    present_refresh(w, token, None, Some(ClientRole::Other)).await;
}

async fn refresh_replayed(w: &mut World, _: Context) {
    w.spare_refresh_chain("replays a spent refresh token");
    w.need_own_sign_in("replays a refresh token, which may revoke the grant of the user's session");
    let Some(first) = w.flow.grant.used_refresh_tokens.first().cloned() else {
        w.fail_with("no refresh token has been used yet".into())
    };
    present_refresh(w, first, None, None).await;
}

/// After a detected replay the whole grant is revoked: the newest refresh token fails.
async fn newest_refresh_refused(w: &mut World, _: Context) {
    let token = refresh_token(w);
    present_refresh(w, token, None, None).await;
    let Some(r) = w.flow.last.clone() else {
        w.fail_with("no response to check".into())
    };
    // RFC 9700 §4.14.2 describes revoking the active token on a replay as what makes
    // rotation catch a theft, without a MUST: a warning when the server does not.
    w.should(
        grantcheck_core::checks::token::error_is(&r, "invalid_grant").map_err(|f| {
            grantcheck_core::checks::Failure {
                spec: "RFC9700-4.14.2",
                ..f
            }
        }),
    );
}

async fn refresh_bogus(w: &mut World, _: Context) {
    let grant = Grant::RefreshToken {
        refresh_token: "grantcheck-never-issued-refresh-token".into(),
        scope: None,
    };
    let auth = authentication(&w.client());
    post_token(w, grant, auth).await;
}

fn token_of(w: &World, kind: &str) -> String {
    let t = match kind {
        "refresh" => w.flow.grant.refresh_token.clone(),
        _ => w.flow.grant.access_token.clone(),
    };
    match t {
        Some(t) => t,
        None => w.fail_with(format!("no {kind} token: the app never received one")),
    }
}

/// Posts `token` (with its type hint) to an introspection or revocation endpoint,
/// authenticated as `auth`; the response is returned and becomes the scenario's last.
pub(super) async fn post_token_param(
    w: &mut World,
    url: Option<url::Url>,
    what: &str,
    token: String,
    hint: &str,
    auth: ClientAuthentication,
) -> Response {
    let Some(url) = url else {
        w.missing_endpoint(what)
    };
    let mut form = vec![
        ("token".to_string(), token),
        ("token_type_hint".to_string(), hint.to_string()),
    ];
    let mut headers = Vec::new();
    super::token::authenticate(w, &url, &mut form, &mut headers, &auth).await;
    let mut req = Request::post_form(url, &form).header("accept", "application/json");
    for (k, v) in headers {
        req = req.header(&k, v);
    }
    let resp = w.send(req).await;
    w.flow.last = Some(resp.clone());
    resp
}

/// The same, authenticated as the scenario's app.
async fn token_endpoint_call(
    w: &mut World,
    url: Option<url::Url>,
    what: &str,
    token: String,
    hint: &str,
) {
    let auth = authentication(&w.client());
    post_token_param(w, url, what, token, hint, auth).await;
}

async fn introspect(w: &mut World, ctx: Context) {
    let kind = arg(&ctx, 1).to_string();
    let token = token_of(w, &kind);
    let url = w.target().endpoints.introspect.clone();
    token_endpoint_call(w, url, "introspect", token, &format!("{kind}_token")).await;
}

async fn introspect_unauthenticated(w: &mut World, _: Context) {
    let token = token_of(w, "access");
    let url = w.target().endpoints.introspect.clone();
    let auth = ClientAuthentication::Omitted;
    post_token_param(w, url, "introspect", token, "access_token", auth).await;
}

/// A SHOULD: the access token is no longer active, by the server's introspection.
async fn access_token_should_be_inactive(w: &mut World, _: Context) {
    let token = token_of(w, "access");
    let url = w.target().endpoints.introspect.clone();
    token_endpoint_call(w, url, "introspect", token, "access_token").await;
    let Some(r) = w.flow.last.clone() else {
        w.fail_with("no response to check".into())
    };
    w.should(grantcheck_core::checks::session::introspection_active(
        &r, false,
    ));
}

async fn revoke(w: &mut World, ctx: Context) {
    // RFC 7009 §2.1: revoking an access token may revoke its refresh token too.
    w.spare_refresh_chain("revokes a token");
    w.need_own_sign_in("revokes a token, which may end the grant of the user's session");
    let kind = arg(&ctx, 1).to_string();
    let token = token_of(w, &kind);
    let url = w.target().endpoints.revoke.clone();
    token_endpoint_call(w, url, "revoke", token, &format!("{kind}_token")).await;
}

async fn revoke_bogus(w: &mut World, _: Context) {
    let url = w.target().endpoints.revoke.clone();
    token_endpoint_call(
        w,
        url,
        "revoke",
        "grantcheck-never-issued-token".into(),
        "access_token",
    )
    .await;
}

async fn send_logout(w: &mut World, hint: String, post_logout: Option<String>) {
    w.spare_refresh_chain("logs the user out");
    w.need_own_sign_in("ends the user's login session");
    let Some(endpoint) = w.target().endpoints.logout.clone() else {
        w.missing_endpoint("logout")
    };
    let mut req = AuthorizeRequest::default();
    req.set("id_token_hint", hint);
    if let Some(p) = &post_logout {
        req.set("post_logout_redirect_uri", p.clone());
    }
    let state = "logout-state-1".to_string();
    req.set("state", state.clone());
    w.flow.auth.state = Some(state);
    let url = req.url(&endpoint);
    let resp = w.send(Request::get(url.clone())).await;
    // Logout ends the browser's session at the server: the scenario's browser, when it
    // signed in with one (`login.method: browser`), goes there too. The exchange above
    // is the one judged.
    w.browser_visit(&url).await;
    // Follow the server's own redirects (not the one back to the app).
    let mut resp = resp;
    for _ in 0..5 {
        let next = match (resp.status, resp.location(), &post_logout) {
            (300..=399, Some(loc), Some(p)) if !is_redirect_to(loc, p) => loc.to_string(),
            _ => break,
        };
        let Ok(url) = url::Url::parse(&resp.url).and_then(|u| u.join(&next)) else {
            break;
        };
        resp = w.send(Request::get(url)).await;
    }
    w.flow.last = Some(resp);
}

async fn logout(w: &mut World, _: Context) {
    let hint = match &w.flow.grant.id_token {
        Some(t) => t.clone(),
        None => w.fail_with("no ID token to use as id_token_hint".into()),
    };
    let post = w.target().profile.spec.post_logout_redirect_uri.clone();
    send_logout(w, hint, post).await;
}

async fn logout_to(w: &mut World, ctx: Context) {
    let hint = match &w.flow.grant.id_token {
        Some(t) => t.clone(),
        None => w.fail_with("no ID token to use as id_token_hint".into()),
    };
    send_logout(w, hint, Some(arg(&ctx, 1).to_string())).await;
}
