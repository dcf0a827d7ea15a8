//! Fixtures and request builders for the emulator's unit tests.

use serde_json::Value;

use super::{Fault, OracleHealth};
use crate::emulators::{
    ClientAuth, ClientRegistration, EmuRequest, EmuResponse, Emulator, PortalAccess, Tenant,
    UserRegistration,
};

pub const ORIGIN: &str = "http://127.0.0.1:9";
pub const TENANT: &str = "ec2458f2-1e24-41c8-b71b-0e701af7583d";
/// Seed 000's tenant: a thirteen-character last group, so not a registered tenant.
pub const SEED_TENANT: &str = "5b22adf1-4884-4ac2-b6f3-04fa545ac9fcm";
pub const FHIR: &str = "/r4/ec2458f2-1e24-41c8-b71b-0e701af7583d";
pub const AUD: &str = "http://127.0.0.1:9/r4/ec2458f2-1e24-41c8-b71b-0e701af7583d";
pub const CB: &str = "https://app.example.test/callback";
pub const OTHER_CB: &str = "https://app.example.test/other";
pub const USER: &str = "portercare.clinician";
pub const PASSWORD: &str = "correct horse";
pub const PATIENT: &str = "4342009";
pub const STATE: &str = "st4te";
pub const NONCE: &str = "n0nce";
/// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub const SYSTEM: &str = "3f0e6a0c-0b9e-4a47-9b5c-5a1d2e8f7c10";
pub const SYSTEM_SECRET: &str = "system-secret";
pub const PROVIDER: &str = "7c2d9b1e-3a55-4f0b-8e61-2b9f4c7a1d03";
pub const PROVIDER_SECRET: &str = "provider-secret";
pub const OTHER: &str = "0d6f2a8b-9c41-4e7e-a3b2-6e5d1c0f9a47";
pub const OTHER_SECRET: &str = "other-secret";
pub const PUBLIC: &str = "public-patient-app";

fn client(
    id: &str,
    auth: ClientAuth,
    secret: Option<&str>,
    redirect_uris: &[&str],
    permitted: &str,
) -> ClientRegistration {
    ClientRegistration {
        client_id: id.into(),
        secret: secret.map(str::to_string),
        auth,
        redirect_uris: redirect_uris.iter().map(|s| s.to_string()).collect(),
        post_logout_redirect_uris: vec![],
        permitted_scopes: permitted.split(' ').map(str::to_string).collect(),
        grant_types: vec![],
        jwks: None,
    }
}

pub fn tenant() -> Tenant {
    let basic = ClientAuth::ClientSecretBasic;
    Tenant {
        tenant_id: TENANT.into(),
        clients: vec![
            client(
                SYSTEM,
                basic.clone(),
                Some(SYSTEM_SECRET),
                &[],
                "system/Account.read system/Appointment.read system/Observation.read system/Patient.read",
            ),
            client(
                PROVIDER,
                basic.clone(),
                Some(PROVIDER_SECRET),
                &[CB, OTHER_CB],
                "openid fhirUser profile launch online_access offline_access user/Patient.read user/Observation.read",
            ),
            client(
                OTHER,
                basic,
                Some(OTHER_SECRET),
                &[CB, OTHER_CB],
                "openid user/Patient.read",
            ),
            client(
                PUBLIC,
                ClientAuth::None,
                None,
                &[CB],
                "patient/Patient.read patient/Observation.read",
            ),
        ],
        users: vec![UserRegistration {
            username: USER.into(),
            password: PASSWORD.into(),
            portal_access: vec![PortalAccess {
                practice_id: String::new(),
                brand_id: String::new(),
                patient_id: PATIENT.into(),
            }],
        }],
        fhir_base_path: FHIR.into(),
        without: vec![],
    }
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

pub use crate::emulators::test_kit::*;

/// The member names of a JSON object, in order.
pub fn member_names(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

pub use crate::oauth::error_uri::ErrorUri as ParsedErrorUri;

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

/// An authorize request with sensible defaults for a provider app.
#[derive(Clone)]
pub struct Authz {
    pub params: Vec<(String, String)>,
    pub persona: String,
}

pub fn authz(client_id: &str) -> Authz {
    let params = [
        ("client_id", client_id),
        ("response_type", "code"),
        ("redirect_uri", CB),
        ("scope", "openid fhirUser user/Patient.read online_access"),
        ("state", STATE),
        ("nonce", NONCE),
        ("aud", AUD),
    ];
    let persona = if client_id == PUBLIC {
        "patient"
    } else {
        "provider"
    };
    Authz {
        params: params
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        persona: persona.into(),
    }
}

impl Authz {
    pub fn set(mut self, name: &str, value: &str) -> Self {
        self = self.without(name);
        self.params.push((name.into(), value.into()));
        self
    }

    pub fn without(mut self, name: &str) -> Self {
        self.params.retain(|(k, _)| k != name);
        self
    }

    pub fn with_persona(mut self, persona: &str) -> Self {
        self.persona = persona.into();
        self
    }

    pub fn request(&self) -> EmuRequest {
        let pairs: Vec<(&str, &str)> = self
            .params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        get(&authorize_path(TENANT, &self.persona), &pairs)
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The transaction id from a login page's form action.
pub fn login_txn(r: &EmuResponse) -> String {
    let html = text(r);
    let marker = format!("action=\"/tenants/{TENANT}/login/");
    let start = html.find(&marker).map(|i| i + marker.len());
    start
        .and_then(|s| html[s..].find('"').map(|e| html[s..s + e].to_string()))
        .unwrap_or_default()
}

pub fn login(txn: &str, user: &str, password: &str) -> EmuRequest {
    post(
        &format!("/tenants/{TENANT}/login/{txn}"),
        &[("username", user), ("password", password)],
    )
}

/// The code from authorize → sign in.
pub fn obtain_code(emu: &mut OracleHealth, a: &Authz) -> String {
    let page = emu.handle(ORIGIN, &a.request());
    let r = emu.handle(ORIGIN, &login(&login_txn(&page), USER, PASSWORD));
    let code = location_params(&r).get("code").cloned();
    code.unwrap_or_else(|| {
        panic!(
            "no code: {} {:?} {} / {}",
            r.status,
            r.header("location"),
            text(&r),
            text(&page)
        )
    })
}

/// A POST authenticated with HTTP Basic.
pub fn provider_post(path: &str, id: &str, secret: &str, params: &[(&str, &str)]) -> EmuRequest {
    with_header(post(path, params), "authorization", &basic(id, secret))
}

/// A token request authenticated the way `client_id` is registered.
pub fn token_request(client_id: &str, params: &[(&str, &str)]) -> EmuRequest {
    let path = token_path(TENANT);
    match client_id {
        PROVIDER => provider_post(&path, PROVIDER, PROVIDER_SECRET, params),
        OTHER => provider_post(&path, OTHER, OTHER_SECRET, params),
        SYSTEM => provider_post(&path, SYSTEM, SYSTEM_SECRET, params),
        other => {
            let mut form = params.to_vec();
            form.push(("client_id", other));
            post(&path, &form)
        }
    }
}

/// Redeems `code` as `client_id`, with the given redirect_uri.
pub fn redeem(
    emu: &mut OracleHealth,
    client_id: &str,
    code: &str,
    redirect_uri: Option<&str>,
) -> EmuResponse {
    let mut params = vec![("grant_type", "authorization_code"), ("code", code)];
    params.extend(redirect_uri.map(|r| ("redirect_uri", r)));
    emu.handle(ORIGIN, &token_request(client_id, &params))
}

/// A full successful authorization-code flow: the token response body.
pub fn code_tokens(emu: &mut OracleHealth, a: &Authz) -> Value {
    let client_id = a.param("client_id").unwrap_or(PROVIDER).to_string();
    let code = obtain_code(emu, a);
    let r = redeem(emu, &client_id, &code, a.param("redirect_uri"));
    assert_eq!(r.status, 200, "{}", text(&r));
    json(&r)
}

/// A refresh request by the provider app.
pub fn refresh(emu: &mut OracleHealth, refresh_token: &str) -> EmuResponse {
    emu.handle(
        ORIGIN,
        &token_request(
            PROVIDER,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
        ),
    )
}

/// A client_credentials request by the system account at `tenant`.
pub fn system_request(tenant: &str, params: &[(&str, &str)]) -> EmuRequest {
    provider_post(&token_path(tenant), SYSTEM, SYSTEM_SECRET, params)
}

pub fn system_token(emu: &mut OracleHealth, tenant: &str, scope: &str) -> EmuResponse {
    emu.handle(
        ORIGIN,
        &system_request(
            tenant,
            &[("grant_type", "client_credentials"), ("scope", scope)],
        ),
    )
}

pub fn system_access_token(emu: &mut OracleHealth, scope: &str) -> String {
    let r = system_token(emu, TENANT, scope);
    assert_eq!(r.status, 200, "{}", text(&r));
    json(&r)["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}
