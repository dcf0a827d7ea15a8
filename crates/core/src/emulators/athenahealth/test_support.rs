//! Fixtures and a scripted browser for the emulator's unit tests.

use base64::Engine;
use serde_json::Value;

use super::{Athenahealth, Fault};
use crate::emulators::{
    ClientAuth, ClientRegistration, EmuRequest, EmuResponse, Emulator, PortalAccess, Tenant,
    UserRegistration,
};

pub const ORIGIN: &str = "http://127.0.0.1:9";
pub const CB: &str = "https://app.example/cb";
pub const BYE: &str = "https://app.example/bye";
pub const FHIR: &str = "/v1/195900/1/1/fhir/dstu2";
pub const AUD: &str = "http://127.0.0.1:9/v1/195900/1/1/fhir/dstu2";
pub const USER: &str = "pat@example.com";
pub const PASSWORD: &str = "correct horse";
pub const PATIENT: &str = "4242";
pub const NO_PORTAL_USER: &str = "dev@example.com";
pub const STATE: &str = "st4te";
pub const NONCE: &str = "n0nce";
/// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const MAPPINGS: &str = "athena/user/Identity.PatientMappings.read";

pub const PUBLIC: &str = "public-app";
pub const WEB: &str = "web-app";
pub const WEB_SECRET: &str = "web-secret";
pub const BASIC: &str = "basic-app";
pub const BASIC_SECRET: &str = "basic-secret";
pub const MAPPING: &str = "mapping-app";

fn client(
    id: &str,
    auth: ClientAuth,
    secret: Option<&str>,
    permitted: &[&str],
) -> ClientRegistration {
    ClientRegistration {
        client_id: id.into(),
        secret: secret.map(str::to_string),
        auth,
        redirect_uris: vec![CB.into(), "https://app.example/other".into()],
        post_logout_redirect_uris: vec![BYE.into()],
        permitted_scopes: permitted.iter().map(|s| s.to_string()).collect(),
        grant_types: vec![],
        jwks: None,
    }
}

pub fn tenant() -> Tenant {
    Tenant {
        tenant_id: String::new(),
        clients: vec![
            client(PUBLIC, ClientAuth::None, None, &[]),
            client(WEB, ClientAuth::ClientSecretPost, Some(WEB_SECRET), &[]),
            client(
                BASIC,
                ClientAuth::ClientSecretBasic,
                Some(BASIC_SECRET),
                &[],
            ),
            client(MAPPING, ClientAuth::None, None, &[MAPPINGS]),
        ],
        users: vec![
            UserRegistration {
                username: USER.into(),
                password: PASSWORD.into(),
                portal_access: vec![
                    PortalAccess {
                        practice_id: "195900".into(),
                        brand_id: "1".into(),
                        patient_id: PATIENT.into(),
                    },
                    PortalAccess {
                        practice_id: "195900".into(),
                        brand_id: "2".into(),
                        patient_id: "5151".into(),
                    },
                ],
            },
            UserRegistration {
                username: NO_PORTAL_USER.into(),
                password: PASSWORD.into(),
                portal_access: vec![],
            },
        ],
        fhir_base_path: FHIR.into(),
        without: vec![],
    }
}

pub fn emulator(faults: &[Fault]) -> Athenahealth {
    Athenahealth::new(tenant(), faults.to_vec())
}

pub use crate::emulators::test_kit::*;

/// Asserts a JSON error body.
pub fn assert_error(r: &EmuResponse, status: u16, error: &str, description: &str) {
    assert_eq!(r.status, status, "{}", text(r));
    assert_eq!(json(r)["error"], error, "{}", text(r));
    assert_eq!(json(r)["error_description"], description, "{}", text(r));
}

/// Asserts an error delivered by redirect to the callback.
pub fn assert_redirect_error(r: &EmuResponse, error: &str, description: &str) {
    assert_eq!(r.status, 302, "{}", text(r));
    let p = location_params(r);
    assert!(
        r.header("location").unwrap_or("").starts_with(CB),
        "{:?}",
        r.header("location")
    );
    assert_eq!(p.get("error").map(String::as_str), Some(error));
    assert_eq!(
        p.get("error_description").map(String::as_str),
        Some(description)
    );
}

/// An authorize request, with sensible defaults for a public client.
pub fn authz(client_id: &str) -> Authz {
    let mut params = vec![
        ("client_id", client_id),
        ("response_type", "code"),
        ("redirect_uri", CB),
        (
            "scope",
            "openid launch/patient patient/Patient.read offline_access",
        ),
        ("state", STATE),
        ("nonce", NONCE),
        ("aud", AUD),
    ];
    if client_id == PUBLIC || client_id == MAPPING {
        params.push(("code_challenge", CHALLENGE));
        params.push(("code_challenge_method", "S256"));
    }
    Authz::new("/oauth2/v1/authorize", &params)
}

/// The transaction id from a login page's form action.
pub fn login_txn(r: &EmuResponse) -> String {
    let html = text(r);
    let start = html
        .find("action=\"/login/")
        .map(|i| i + "action=\"/login/".len());
    start
        .and_then(|s| html[s..].find('"').map(|e| html[s..s + e].to_string()))
        .unwrap_or_default()
}

/// Drives one emulator like a browser: authorize, sign in, consent.
pub struct Browser<'a> {
    pub emu: &'a mut Athenahealth,
    pub cookie: Option<String>,
}

impl<'a> Browser<'a> {
    pub fn new(emu: &'a mut Athenahealth) -> Self {
        Self { emu, cookie: None }
    }

    pub fn send(&mut self, req: EmuRequest) -> EmuResponse {
        let req = match &self.cookie {
            Some(c) => with_header(req, "cookie", &format!("sid={c}")),
            None => req,
        };
        let r = self.emu.handle(ORIGIN, &req);
        if let Some(set) = r.header("set-cookie") {
            let value = set
                .split(';')
                .next()
                .unwrap_or("")
                .trim_start_matches("sid=");
            self.cookie = (!value.is_empty()).then(|| value.to_string());
        }
        r
    }

    pub fn authorize(&mut self, a: &Authz) -> EmuResponse {
        self.send(a.request())
    }

    pub fn login(&mut self, txn: &str, user: &str, password: &str) -> EmuResponse {
        self.send(post(
            &format!("/login/{txn}"),
            &[("username", user), ("password", password)],
        ))
    }

    /// Follows a redirect to the consent page and submits it with `checked` scopes
    /// (all offered ones when None).
    pub fn consent(
        &mut self,
        r: &EmuResponse,
        decision: &str,
        checked: Option<&[&str]>,
    ) -> EmuResponse {
        let location = r.header("location").unwrap_or("").to_string();
        let path = location.trim_start_matches(ORIGIN).to_string();
        let page = self.send(get(&path, &[]));
        assert_eq!(page.status, 200, "{}", text(&page));
        let html = text(&page);
        let offered: Vec<String> = html
            .split("name=\"scope\" value=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next().map(str::to_string))
            .collect();
        let mut form: Vec<(&str, &str)> = vec![("consent", decision)];
        match checked {
            Some(list) => form.extend(list.iter().map(|s| ("scope", *s))),
            None => form.extend(offered.iter().map(|s| ("scope", s.as_str()))),
        }
        self.send(post(&path, &form))
    }

    /// Authorize → sign in → allow everything; returns the final response (normally
    /// the redirect with the code).
    pub fn run(&mut self, a: &Authz, user: &str) -> EmuResponse {
        let page = self.authorize(a);
        let r = if page.status == 200 && text(&page).contains("action=\"/login/") {
            let txn = login_txn(&page);
            self.login(&txn, user, PASSWORD)
        } else {
            page
        };
        if r.status == 302 && r.header("location").unwrap_or("").contains("/consent/") {
            self.consent(&r, "allow", None)
        } else {
            r
        }
    }
}

/// The code from a successful authorize flow.
pub fn obtain_code(emu: &mut Athenahealth, a: &Authz) -> String {
    let r = Browser::new(emu).run(a, USER);
    let code = location_params(&r).get("code").cloned();
    code.unwrap_or_else(|| {
        panic!(
            "no code: {} {:?} {}",
            r.status,
            r.header("location"),
            text(&r)
        )
    })
}

/// A token request authenticated the way `client_id` is registered.
pub fn token_request(client_id: &str, params: &[(&str, &str)]) -> EmuRequest {
    let mut form: Vec<(&str, &str)> = params.to_vec();
    match client_id {
        WEB => form.extend([("client_id", WEB), ("client_secret", WEB_SECRET)]),
        BASIC => {
            return with_header(
                post("/oauth2/v1/token", &form),
                "authorization",
                &basic(BASIC, BASIC_SECRET),
            );
        }
        other => form.push(("client_id", other)),
    }
    post("/oauth2/v1/token", &form)
}

/// Redeems `code` as `client_id` with the default redirect_uri and verifier.
pub fn redeem(emu: &mut Athenahealth, client_id: &str, code: &str) -> EmuResponse {
    let mut params = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CB),
    ];
    if client_id == PUBLIC || client_id == MAPPING {
        params.push(("code_verifier", VERIFIER));
    }
    emu.handle(ORIGIN, &token_request(client_id, &params))
}

/// A full successful flow: the token response body.
pub fn tokens(emu: &mut Athenahealth, a: &Authz) -> Value {
    let client_id = a.param("client_id").unwrap_or(PUBLIC).to_string();
    let code = obtain_code(emu, a);
    let r = redeem(emu, &client_id, &code);
    assert_eq!(r.status, 200, "{}", text(&r));
    json(&r)
}

/// Claims of a JWT, unverified.
pub fn claims(jwt: &str) -> Value {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = jwt.split('.').nth(1).unwrap_or("");
    URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null)
}
