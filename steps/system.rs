//! Backend (system account) token requests: client_credentials with HTTP Basic, as
//! CER-12's system accounts use it, including the requests the seed posts sent.

use cucumber::step::Context;
use grantcheck_core::profile::ClientRole;

use super::token::{authentication, post_token_form};
use super::{StepFn, World, arg, step};
use grantcheck_core::oauth::token::ClientAuthentication;

pub(super) const STEPS: &[(&str, StepFn)] = &[
    (r"^the system account$", step!(system_account)),
    (
        r#"^the system account requests a token for the scopes "([^"]*)"$"#,
        step!(request),
    ),
    (
        r#"^the system account requests a token for the scopes "([^"]*)" at the tenant "([^"]*)"$"#,
        step!(request_at_tenant),
    ),
    (
        r#"^the system account requests a token for the scopes "([^"]*)" with credentials the server does not recognise$"#,
        step!(request_unknown_credentials),
    ),
    (
        r#"^the system account requests a token for the scopes "([^"]*)" with its assertion in an Authorization Bearer header$"#,
        step!(request_bearer_header),
    ),
    (
        r"^the system account requests a token for its registered scopes$",
        step!(request_registered),
    ),
    (
        r"^the app asks for a token for itself with the client credentials grant$",
        step!(request_as_app),
    ),
];

async fn system_account(w: &mut World, _: Context) {
    w.client_by_role(ClientRole::System);
    w.flow.client_role = Some(ClientRole::System);
}

/// The token endpoint with another tenant in its path, exactly as given.
fn token_url_for_tenant(w: &World, tenant: &str) -> url::Url {
    let Some(url) = w.target().endpoints.token.clone() else {
        w.missing_endpoint("token")
    };
    let Some(own) = w.target().profile.spec.tenant.clone() else {
        w.fail_with("the profile has no `tenant` to replace".into())
    };
    let replaced = url.as_str().replacen(
        &format!("/tenants/{own}/"),
        &format!("/tenants/{tenant}/"),
        1,
    );
    match url::Url::parse(&replaced) {
        Ok(u) => u,
        Err(e) => w.fail_with(format!("token URL for tenant {tenant}: {e}")),
    }
}

fn scope_form(scopes: &str) -> Vec<(String, String)> {
    vec![
        ("grant_type".into(), "client_credentials".into()),
        ("scope".into(), scopes.to_string()),
    ]
}

/// The client credentials grant with the scopes the profile registered for the system
/// client (none: no `scope` parameter, the server's default), authenticated as the
/// client is registered.
async fn request_registered(w: &mut World, _: Context) {
    let client = w.client_by_role(ClientRole::System);
    let scopes = w
        .target()
        .profile
        .spec
        .clients
        .get(&ClientRole::System)
        .map(|c| c.permitted_scopes.join(" "))
        .unwrap_or_default();
    let mut form = vec![("grant_type".to_string(), "client_credentials".to_string())];
    if !scopes.is_empty() {
        form.push(("scope".into(), scopes));
    }
    let url = w.target().endpoints.token.clone();
    post_token_form(w, url, form, authentication(&client), Vec::new()).await;
}

/// The scenario's app (registered for the authorization code grant) asks for a token
/// for itself.
async fn request_as_app(w: &mut World, _: Context) {
    let client = w.client();
    let form = vec![("grant_type".to_string(), "client_credentials".to_string())];
    let url = w.target().endpoints.token.clone();
    post_token_form(w, url, form, authentication(&client), Vec::new()).await;
}

fn system_auth(w: &World) -> ClientAuthentication {
    let c = w.client_by_role(ClientRole::System);
    ClientAuthentication::Basic {
        client_id: c.id,
        secret: c.secret.unwrap_or_default(),
    }
}

async fn request(w: &mut World, ctx: Context) {
    let url = w.target().endpoints.token.clone();
    let tenant = w.target().profile.spec.tenant.clone();
    w.flow.tenant_sent = tenant;
    let auth = system_auth(w);
    post_token_form(w, url, scope_form(arg(&ctx, 1)), auth, Vec::new()).await;
}

async fn request_at_tenant(w: &mut World, ctx: Context) {
    let tenant = arg(&ctx, 2).to_string();
    let url = Some(token_url_for_tenant(w, &tenant));
    w.flow.tenant_sent = Some(tenant);
    let auth = system_auth(w);
    post_token_form(w, url, scope_form(arg(&ctx, 1)), auth, Vec::new()).await;
}

async fn request_unknown_credentials(w: &mut World, ctx: Context) {
    let url = w.target().endpoints.token.clone();
    w.flow.tenant_sent = w.target().profile.spec.tenant.clone();
    let auth = ClientAuthentication::Basic {
        client_id: w.client_by_role(ClientRole::System).id,
        secret: "grantcheck-not-the-registered-secret".into(),
    };
    post_token_form(w, url, scope_form(arg(&ctx, 1)), auth, Vec::new()).await;
}

async fn request_bearer_header(w: &mut World, ctx: Context) {
    let url = w.target().endpoints.token.clone();
    w.flow.tenant_sent = w.target().profile.spec.tenant.clone();
    // A client assertion in the wrong place: the Authorization header instead of the
    // client_assertion form parameter (the forum report behind CER-07).
    let jwt = "eyJhbGciOiJSUzM4NCIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl";
    let headers = vec![("authorization".to_string(), format!("Bearer {jwt}"))];
    post_token_form(
        w,
        url,
        scope_form(arg(&ctx, 1)),
        ClientAuthentication::Omitted,
        headers,
    )
    .await;
}
