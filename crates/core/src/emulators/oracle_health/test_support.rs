//! Oracle Health's fixtures, paths and error envelope for the emulator's unit tests; the
//! requests, the browser and the flows come from the shared kit.

use serde_json::Value;

use super::{Fault, OracleHealth};
use crate::emulators::{ClientAuth, EmuRequest, EmuResponse, Tenant};

pub use crate::emulators::test_kit::*;

pub const TENANT: &str = "ec2458f2-1e24-41c8-b71b-0e701af7583d";
/// Seed 000's tenant: a thirteen-character last group, so not a registered tenant.
pub const SEED_TENANT: &str = "5b22adf1-4884-4ac2-b6f3-04fa545ac9fcm";
pub const FHIR: &str = "/r4/ec2458f2-1e24-41c8-b71b-0e701af7583d";
pub const AUD: &str = "http://127.0.0.1:9/r4/ec2458f2-1e24-41c8-b71b-0e701af7583d";
pub const CB: &str = "https://app.example.test/callback";
pub const OTHER_CB: &str = "https://app.example.test/other";
pub const USER: &str = "portercare.clinician";
pub const PATIENT: &str = "4342009";

pub const SYSTEM: &str = "3f0e6a0c-0b9e-4a47-9b5c-5a1d2e8f7c10";
pub const SYSTEM_SECRET: &str = "system-secret";
pub const PROVIDER: &str = "7c2d9b1e-3a55-4f0b-8e61-2b9f4c7a1d03";
pub const PROVIDER_SECRET: &str = "provider-secret";
pub const OTHER: &str = "0d6f2a8b-9c41-4e7e-a3b2-6e5d1c0f9a47";
pub const OTHER_SECRET: &str = "other-secret";
pub const PUBLIC: &str = "public-patient-app";

pub fn tenant() -> Tenant {
    let basic = ClientAuth::ClientSecretBasic;
    let clients = vec![
        registration(
            SYSTEM,
            basic.clone(),
            Some(SYSTEM_SECRET),
            &[],
            "system/Account.read system/Appointment.read system/Observation.read system/Patient.read",
            &[],
        ),
        registration(
            PROVIDER,
            basic.clone(),
            Some(PROVIDER_SECRET),
            &[CB, OTHER_CB],
            "openid fhirUser profile launch online_access offline_access user/Patient.read user/Observation.read",
            &[],
        ),
        registration(
            OTHER,
            basic,
            Some(OTHER_SECRET),
            &[CB, OTHER_CB],
            "openid user/Patient.read",
            &[],
        ),
        registration(
            PUBLIC,
            ClientAuth::None,
            None,
            &[CB],
            "patient/Patient.read patient/Observation.read",
            &[],
        ),
    ];
    let users = vec![portal_user(USER, &[("", "", PATIENT)])];
    tenant_of(TENANT, FHIR, clients, users)
}

pub fn emulator(faults: &[Fault]) -> OracleHealth {
    OracleHealth::new(tenant(), faults.to_vec())
}

pub fn token_path(tenant: &str) -> String {
    format!("/tenants/{tenant}/protocols/oauth2/profiles/smart-v1/token")
}

pub fn hosted_token_path(tenant: &str) -> String {
    format!("/tenants/{tenant}/hosts/fhir-ehr.cerner.com/protocols/oauth2/profiles/smart-v1/token")
}

pub fn revoke_path(tenant: &str) -> String {
    format!("/tenants/{tenant}/protocols/oauth2/profiles/smart-v1/token/revoke")
}

pub fn authorize_path(tenant: &str, persona: &str) -> String {
    format!("/tenants/{tenant}/protocols/oauth2/profiles/smart-v1/personas/{persona}/authorize")
}

pub use crate::vendors::oracle_health::error_uri::ErrorUri as ParsedErrorUri;

fn parse_error_uri(uri: &str) -> ParsedErrorUri {
    ParsedErrorUri::parse(uri).unwrap_or_else(|| panic!("not an error_uri: {uri:?}"))
}

/// The error_uri of a token error body.
pub fn error_uri_of(r: &EmuResponse) -> ParsedErrorUri {
    parse_error_uri(json(r)["error_uri"].as_str().unwrap_or(""))
}

/// The error_uri of an authorize error redirect.
pub fn redirect_error_uri(r: &EmuResponse) -> ParsedErrorUri {
    parse_error_uri(
        location_params(r)
            .get("error_uri")
            .map_or("", String::as_str),
    )
}

/// Asserts a token error in the vendor's envelope and returns its error_uri.
pub fn assert_token_error(
    r: &EmuResponse,
    status: u16,
    error: &str,
    short_urn: &str,
) -> ParsedErrorUri {
    assert_eq!(r.status, status, "{}", text(r));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body = json(r);
    assert_eq!(member_names(&body), ["error", "error_uri"], "{body}");
    assert_eq!(body["error"], error, "{body}");
    let e = error_uri_of(r);
    assert_eq!(e.short(), short_urn, "{body}");
    assert!(e.instance.is_some());
    assert_eq!(e.instance.as_deref(), r.header("cerner-correlation-id"));
    e
}

/// An authorize request with sensible defaults for a provider app (the patient
/// persona for the public app).
pub fn authz(client_id: &str) -> Authz {
    let persona = if client_id == PUBLIC {
        "patient"
    } else {
        "provider"
    };
    let scope = "openid fhirUser user/Patient.read online_access";
    Authz::code_flow(&authorize_path(TENANT, persona), client_id, CB, scope, AUD)
}

/// `authz(..).with_persona(..)`: the same request at another persona's authorize path.
pub trait WithPersona {
    fn with_persona(self, persona: &str) -> Self;
}

impl WithPersona for Authz {
    fn with_persona(mut self, persona: &str) -> Self {
        self.path = authorize_path(TENANT, persona);
        self
    }
}

/// The transaction id from a login page's form action.
pub fn login_txn(r: &EmuResponse) -> String {
    login_txn_of::<OracleHealth>(r)
}

pub fn login(txn: &str, user: &str, password: &str) -> EmuRequest {
    login_form::<OracleHealth>(txn, user, password)
}

/// A POST authenticated with HTTP Basic.
pub fn provider_post(path: &str, id: &str, secret: &str, params: &[(&str, &str)]) -> EmuRequest {
    client_post(path, id, Credentials::Header(basic(id, secret)), params)
}

/// A token request authenticated the way `client_id` is registered.
pub fn token_request(client_id: &str, params: &[(&str, &str)]) -> EmuRequest {
    let secret = match client_id {
        PROVIDER => Some(PROVIDER_SECRET),
        OTHER => Some(OTHER_SECRET),
        SYSTEM => Some(SYSTEM_SECRET),
        _ => None,
    };
    let path = token_path(TENANT);
    match secret {
        Some(secret) => provider_post(&path, client_id, secret, params),
        None => client_post(&path, client_id, Credentials::Public, params),
    }
}

impl Vendor for OracleHealth {
    const USER: &'static str = USER;
    const CODE_CLIENT: &'static str = PROVIDER;
    const CODE_OWNER_AND_THIEF: (&'static str, &'static str) = (PROVIDER, OTHER);
    const OTHER_REDIRECT_URI: &'static str = OTHER_CB;

    fn login_action() -> String {
        format!("/tenants/{TENANT}/login/")
    }

    fn token_request(client_id: &str, params: &[(&str, &str)]) -> EmuRequest {
        token_request(client_id, params)
    }

    fn authz(client_id: &str) -> Authz {
        authz(client_id)
    }
}

/// Redeems `code` as `client_id`, with the given redirect_uri.
pub fn redeem(
    emu: &mut OracleHealth,
    client_id: &str,
    code: &str,
    redirect_uri: Option<&str>,
) -> EmuResponse {
    let extra: Vec<(&str, &str)> = redirect_uri
        .map(|r| ("redirect_uri", r))
        .into_iter()
        .collect();
    redeem_with(emu, client_id, code, &extra)
}

/// A full successful authorization-code flow: the token response body.
pub fn code_tokens(emu: &mut OracleHealth, a: &Authz) -> Value {
    tokens(emu, a)
}

/// A refresh request by the provider app.
pub fn refresh(emu: &mut OracleHealth, refresh_token: &str) -> EmuResponse {
    crate::emulators::test_kit::refresh(emu, PROVIDER, refresh_token, None)
}

/// A client_credentials request by the system account at `tenant`.
pub fn system_request(tenant: &str, params: &[(&str, &str)]) -> EmuRequest {
    provider_post(&token_path(tenant), SYSTEM, SYSTEM_SECRET, params)
}

pub fn system_token(emu: &mut OracleHealth, tenant: &str, scope: &str) -> EmuResponse {
    let params = [("grant_type", "client_credentials"), ("scope", scope)];
    send(emu, system_request(tenant, &params))
}

pub fn system_access_token(emu: &mut OracleHealth, scope: &str) -> String {
    let r = system_token(emu, TENANT, scope);
    assert_eq!(r.status, 200, "{}", text(&r));
    json(&r)["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}
