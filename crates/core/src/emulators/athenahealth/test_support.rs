//! athenahealth's fixtures for the emulator's unit tests; the requests, the browser and
//! the flows come from the shared kit.

use serde_json::Value;

use super::{Athenahealth, Fault};
use crate::emulators::{ClientAuth, ClientRegistration, EmuRequest, EmuResponse, Tenant};

pub use crate::emulators::test_kit::*;

pub const CB: &str = "https://app.example/cb";
pub const OTHER_CB: &str = "https://app.example/other";
pub const BYE: &str = "https://app.example/bye";
pub const FHIR: &str = "/v1/195900/1/1/fhir/dstu2";
pub const AUD: &str = "http://127.0.0.1:9/v1/195900/1/1/fhir/dstu2";
pub const USER: &str = "pat@example.com";
pub const PATIENT: &str = "4242";
pub const NO_PORTAL_USER: &str = "dev@example.com";
pub const MAPPINGS: &str = "athena/user/Identity.PatientMappings.read";

pub const PUBLIC: &str = "public-app";
pub const WEB: &str = "web-app";
pub const WEB_SECRET: &str = "web-secret";
pub const BASIC: &str = "basic-app";
pub const BASIC_SECRET: &str = "basic-secret";
pub const MAPPING: &str = "mapping-app";

pub const RESPONSE_TYPE_UNSUPPORTED: &str = "The response type is not supported by the authorization server. Configured response types: [code].";
pub const STATE_INVALID: &str = "The authentication request has an invalid 'state' parameter.";
pub const SCOPE_NOT_CONFIGURED: &str =
    "One or more scopes are not configured for the authorization server resource.";
pub const POLICY_DENIED: &str =
    "Policy evaluation failed for this request, please check the policy configurations.";
pub const CODE_INVALID: &str = "The authorization code is invalid or has expired.";
pub const REFRESH_INVALID: &str = "The refresh token is invalid or expired.";
pub const WRONG_SECRET: &str = "The client secret supplied for a confidential client is invalid.";

pub const AUTHORIZE_PATH: &str = "/oauth2/v1/authorize";
pub const TOKEN_PATH: &str = "/oauth2/v1/token";
pub const REVOKE_PATH: &str = "/oauth2/v1/revoke";
pub const INTROSPECT_PATH: &str = "/oauth2/v1/introspect";
pub const KEYS_PATH: &str = "/oauth2/v1/keys";

/// Every client may use both callbacks and the one logout target.
fn client(id: &str, auth: ClientAuth, secret: Option<&str>, scopes: &str) -> ClientRegistration {
    ClientRegistration {
        post_logout_redirect_uris: vec![BYE.into()],
        ..registration(id, auth, secret, &[CB, OTHER_CB], scopes, &[])
    }
}

pub fn tenant() -> Tenant {
    let clients = vec![
        client(PUBLIC, ClientAuth::None, None, ""),
        client(WEB, ClientAuth::ClientSecretPost, Some(WEB_SECRET), ""),
        client(BASIC, ClientAuth::ClientSecretBasic, Some(BASIC_SECRET), ""),
        client(MAPPING, ClientAuth::None, None, MAPPINGS),
    ];
    let users = vec![
        portal_user(USER, &[("195900", "1", PATIENT), ("195900", "2", "5151")]),
        portal_user(NO_PORTAL_USER, &[]),
    ];
    tenant_of("", FHIR, clients, users)
}

pub fn emulator(faults: &[Fault]) -> Athenahealth {
    Athenahealth::new(tenant(), faults.to_vec())
}

/// Asserts a JSON error body.
pub fn assert_error(r: &EmuResponse, status: u16, error: &str, description: &str) {
    assert_json_error(r, status, error);
    assert_eq!(json(r)["error_description"], description, "{}", text(r));
}

/// Asserts a JSON error body; a failure names `case`.
pub fn assert_case_error(case: &str, r: &EmuResponse, status: u16, error: &str, description: &str) {
    let body = json(r);
    let got = (r.status, s(&body["error"]), s(&body["error_description"]));
    let want = (status, error.to_string(), description.to_string());
    assert_eq!(got, want, "{case}: {}", text(r));
}

/// Asserts an error delivered by redirect to the callback.
pub fn assert_redirect_error(r: &EmuResponse, error: &str, description: &str) {
    assert_case_redirect_error("redirect", r, error, description);
}

/// Asserts an error delivered by redirect to the callback; a failure names `case`.
pub fn assert_case_redirect_error(case: &str, r: &EmuResponse, error: &str, description: &str) {
    let location = header(r, "location");
    let to_callback = r.status == 302 && location.starts_with(CB);
    assert!(to_callback, "{case}: {} {location} {}", r.status, text(r));
    let p = location_params(r);
    let got = (p.get("error"), p.get("error_description"));
    let want = (Some(&error.to_string()), Some(&description.to_string()));
    assert_eq!(got, want, "{case}");
}

/// Public clients must use PKCE.
fn is_public(client_id: &str) -> bool {
    client_id == PUBLIC || client_id == MAPPING
}

/// An authorize request, with sensible defaults for a public client.
pub fn authz(client_id: &str) -> Authz {
    let scope = "openid launch/patient patient/Patient.read offline_access";
    let a = Authz::code_flow(AUTHORIZE_PATH, client_id, CB, scope, AUD);
    if is_public(client_id) { a.pkce() } else { a }
}

/// The transaction id from a login page's form action.
pub fn login_txn(r: &EmuResponse) -> String {
    login_txn_of::<Athenahealth>(r)
}

/// A POST to `path` authenticated the way `client_id` is registered.
pub fn client_request(path: &str, client_id: &str, params: &[(&str, &str)]) -> EmuRequest {
    let credentials = match client_id {
        WEB => Credentials::Post(WEB_SECRET),
        BASIC => Credentials::Header(basic(BASIC, BASIC_SECRET)),
        _ => Credentials::Public,
    };
    client_post(path, client_id, credentials, params)
}

/// A token request authenticated the way `client_id` is registered.
pub fn token_request(client_id: &str, params: &[(&str, &str)]) -> EmuRequest {
    client_request(TOKEN_PATH, client_id, params)
}

impl Vendor for Athenahealth {
    const USER: &'static str = USER;
    const CODE_CLIENT: &'static str = PUBLIC;
    const CODE_OWNER_AND_THIEF: (&'static str, &'static str) = (PUBLIC, MAPPING);
    const OTHER_REDIRECT_URI: &'static str = OTHER_CB;

    fn token_request(client_id: &str, params: &[(&str, &str)]) -> EmuRequest {
        token_request(client_id, params)
    }

    fn authz(client_id: &str) -> Authz {
        authz(client_id)
    }
}

/// The token response of the public client's usual flow.
pub fn public_tokens(emu: &mut Athenahealth) -> Value {
    tokens(emu, &authz(PUBLIC))
}

/// Revokes `token` as `client_id`, authenticated the way it is registered.
pub fn revoke(emu: &mut Athenahealth, client_id: &str, token: &str) -> EmuResponse {
    send(
        emu,
        client_request(REVOKE_PATH, client_id, &[("token", token)]),
    )
}

/// Whether introspection by the public client finds `token` active: "true" or "false".
pub fn introspect_active(emu: &mut Athenahealth, token: &str) -> String {
    let r = send(
        emu,
        client_request(INTROSPECT_PATH, PUBLIC, &[("token", token)]),
    );
    json(&r)["active"].to_string()
}

/// Redeems `code` as `client_id` with the default redirect_uri and verifier.
pub fn redeem(emu: &mut Athenahealth, client_id: &str, code: &str) -> EmuResponse {
    let verifier = is_public(client_id).then_some(("code_verifier", VERIFIER));
    let extra: Vec<(&str, &str)> = [("redirect_uri", CB)].into_iter().chain(verifier).collect();
    redeem_with(emu, client_id, code, &extra)
}
