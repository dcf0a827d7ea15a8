//! Fixtures and a scripted browser for the reference server's unit tests. The tenant is
//! what `target::tenant_for` makes of profiles/reference-emulated.yaml, plus two
//! clients for redirect URI edge cases.

use base64::Engine;
use serde_json::Value;

use super::{Fault, Reference};
use crate::emulators::{
    ClientAuth, ClientRegistration, EmuRequest, EmuResponse, Emulator, PortalAccess, Tenant,
    UserRegistration,
};

pub use crate::emulators::test_kit::*;

pub const ORIGIN: &str = "http://127.0.0.1:9";
pub const CB: &str = "https://app.example.test/callback";
pub const FHIR: &str = "/fhir";
pub const AUD: &str = "http://127.0.0.1:9/fhir";
pub const USER: &str = "ref.patient@example.test";
pub const PASSWORD: &str = "correct horse";
pub const PATIENT: &str = "pat-1234";
pub const STATE: &str = "st4te";
pub const NONCE: &str = "n0nce";
/// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const WRONG_VERIFIER: &str = "0000000000000000000000000000000000000000000";
pub const SCOPE: &str = "openid offline_access launch/patient patient/Patient.rs";

pub const PUBLIC: &str = "ref-public";
pub const POST_CLIENT: &str = "ref-confidential-post";
pub const POST_SECRET: &str = "post-secret";
pub const BASIC_CLIENT: &str = "ref-confidential-basic";
pub const BASIC_SECRET: &str = "basic secret+1";
pub const JWT_CLIENT: &str = "ref-jwt";
pub const JWT_KID: &str = "test-client-1";
pub const OTHER: &str = "ref-other";
pub const OTHER_SECRET: &str = "other-secret";
pub const SYSTEM: &str = "ref-system";
pub const SYSTEM_SECRET: &str = "system-secret";
pub const SYSTEM_SCOPE: &str = "system/Patient.rs";
/// A public client with two redirect URIs (redirect_uri cannot be left out).
pub const MULTI: &str = "ref-multi";
/// A public native app on the loopback interface (RFC 8252 §7.3).
pub const NATIVE: &str = "ref-native";
pub const NATIVE_CB: &str = "http://127.0.0.1/callback";

fn client(
    id: &str,
    auth: ClientAuth,
    secret: Option<&str>,
    grants: &[&str],
    redirect_uris: &[&str],
) -> ClientRegistration {
    ClientRegistration {
        client_id: id.into(),
        secret: secret.map(str::to_string),
        auth,
        redirect_uris: redirect_uris.iter().map(|s| s.to_string()).collect(),
        post_logout_redirect_uris: vec![],
        permitted_scopes: vec![],
        grant_types: grants.iter().map(|s| s.to_string()).collect(),
        jwks: None,
    }
}

/// The key the `private_key_jwt` client registered (its public half is in `jwks`).
pub fn jwt_key() -> crate::oauth::assertion::AssertionKey {
    crate::oauth::assertion::AssertionKey::from_pem(
        JWT_KID,
        crate::oauth::assertion::UNREGISTERED_KEY,
    )
    .expect("test key")
}

/// A key the `private_key_jwt` client never registered, under the registered kid.
pub fn rogue_jwt_key() -> crate::oauth::assertion::AssertionKey {
    crate::oauth::assertion::AssertionKey::from_pem(
        JWT_KID,
        include_bytes!("../keys/athena-rogue.pem"),
    )
    .expect("rogue key")
}

fn jwt_client() -> ClientRegistration {
    let mut c = client(
        JWT_CLIENT,
        ClientAuth::PrivateKeyJwt,
        None,
        &["authorization_code", "refresh_token"],
        &[CB],
    );
    c.jwks = Some(serde_json::json!({ "keys": [jwt_key().public_jwk().expect("jwk")] }));
    c
}

/// A client assertion for the `private_key_jwt` client: `key`, audience, lifetime.
pub fn jwt_assertion(
    key: &crate::oauth::assertion::AssertionKey,
    audience: &str,
    lifetime: i64,
) -> String {
    let now = crate::emulators::clock::VirtualClock::new().now_unix() as i64;
    key.assertion(
        JWT_CLIENT,
        audience,
        now,
        lifetime,
        &format!("jti-{now}-{lifetime}"),
    )
    .expect("assertion")
}

/// The `private_key_jwt` client redeems a code with the given assertion.
pub fn jwt_client_redeem(emu: &mut Reference, assertion: &str) -> String {
    let code = obtain_code(emu, &authz(JWT_CLIENT).pkce());
    let params = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CB),
        ("code_verifier", VERIFIER),
        ("client_id", JWT_CLIENT),
        ("client_assertion_type", crate::oauth::assertion::JWT_BEARER),
        ("client_assertion", assertion),
    ];
    outcome(&send(emu, post("/token", &params)))
}

pub fn tenant() -> Tenant {
    let code = ["authorization_code", "refresh_token"];
    let mut system = client(
        SYSTEM,
        ClientAuth::ClientSecretBasic,
        Some(SYSTEM_SECRET),
        &["client_credentials"],
        &[CB],
    );
    system.permitted_scopes = vec![SYSTEM_SCOPE.into()];
    Tenant {
        tenant_id: String::new(),
        clients: vec![
            client(
                POST_CLIENT,
                ClientAuth::ClientSecretPost,
                Some(POST_SECRET),
                &code,
                &[CB],
            ),
            client(
                BASIC_CLIENT,
                ClientAuth::ClientSecretBasic,
                Some(BASIC_SECRET),
                &code,
                &[CB],
            ),
            client(PUBLIC, ClientAuth::None, None, &code, &[CB]),
            client(
                OTHER,
                ClientAuth::ClientSecretBasic,
                Some(OTHER_SECRET),
                &code,
                &[CB],
            ),
            system,
            jwt_client(),
            client(
                MULTI,
                ClientAuth::None,
                None,
                &[],
                &[CB, "https://app.example.test/second"],
            ),
            client(NATIVE, ClientAuth::None, None, &[], &[NATIVE_CB]),
        ],
        users: vec![UserRegistration {
            username: USER.into(),
            password: PASSWORD.into(),
            portal_access: vec![PortalAccess {
                practice_id: "reference".into(),
                brand_id: "1".into(),
                patient_id: PATIENT.into(),
            }],
        }],
        fhir_base_path: FHIR.into(),
        without: vec![],
    }
}

pub fn emulator(faults: &[Fault]) -> Reference {
    Reference::new(tenant(), faults.to_vec())
}

pub fn send(emu: &mut Reference, req: EmuRequest) -> EmuResponse {
    emu.handle(ORIGIN, &req)
}

/// Asserts a JSON OAuth error.
pub fn assert_error(r: &EmuResponse, status: u16, error: &str) {
    assert_eq!(r.status, status, "{}", text(r));
    assert_eq!(json(r)["error"], error, "{}", text(r));
    assert_eq!(r.header("content-type"), Some("application/json"));
}

/// Query or fragment parameters of a redirect, decoded once.
pub fn redirect_params(r: &EmuResponse) -> crate::oauth::authorize::RedirectParams {
    crate::oauth::authorize::RedirectParams::parse(r.header("location").unwrap_or(""))
}

/// An authorize request, by default a public client's with PKCE.
pub fn authz(client_id: &str) -> Authz {
    let mut params = vec![
        ("client_id", client_id),
        ("response_type", "code"),
        ("redirect_uri", CB),
        ("scope", SCOPE),
        ("state", STATE),
        ("nonce", NONCE),
        ("aud", AUD),
    ];
    if client_id == PUBLIC {
        params.push(("code_challenge", CHALLENGE));
        params.push(("code_challenge_method", "S256"));
    }
    Authz::new("/authorize", &params)
}

/// `authz(..).pkce()`: with PKCE S256 (for confidential clients, which may leave it out).
pub trait WithPkce {
    fn pkce(self) -> Self;
}

impl WithPkce for Authz {
    fn pkce(self) -> Self {
        self.set("code_challenge", CHALLENGE)
            .set("code_challenge_method", "S256")
    }
}

/// The value of the first `attr="…"` after `marker` in a page.
fn attribute_after(html: &str, marker: &str) -> String {
    html.split_once(marker)
        .and_then(|(_, rest)| rest.split('"').next())
        .unwrap_or_default()
        .to_string()
}

/// The transaction id of a login page's form action.
pub fn login_txn(r: &EmuResponse) -> String {
    attribute_after(&text(r), "action=\"/login/")
}

/// Drives the server like a browser: authorize, sign in, consent.
pub struct Browser<'a> {
    pub emu: &'a mut Reference,
}

impl<'a> Browser<'a> {
    pub fn new(emu: &'a mut Reference) -> Self {
        Self { emu }
    }

    pub fn authorize(&mut self, a: &Authz) -> EmuResponse {
        send(self.emu, a.request())
    }

    pub fn login(&mut self, txn: &str, user: &str, password: &str) -> EmuResponse {
        send(
            self.emu,
            post(
                &format!("/login/{txn}"),
                &[("username", user), ("password", password)],
            ),
        )
    }

    /// Follows the redirect to the consent page and answers it with `checked` scopes
    /// (every offered one when None).
    pub fn consent(
        &mut self,
        r: &EmuResponse,
        decision: &str,
        checked: Option<&[&str]>,
    ) -> EmuResponse {
        let location = r.header("location").unwrap_or("").to_string();
        let path = location.trim_start_matches(ORIGIN).to_string();
        let page = send(self.emu, get(&path, &[]));
        assert_eq!(page.status, 200, "{}", text(&page));
        let html = text(&page);
        let offered: Vec<String> = html
            .split("name=\"scope\" value=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next().map(|v| v.replace("&amp;", "&")))
            .collect();
        let mut form: Vec<(&str, &str)> = vec![("consent", decision)];
        match checked {
            Some(list) => form.extend(list.iter().map(|s| ("scope", *s))),
            None => form.extend(offered.iter().map(|s| ("scope", s.as_str()))),
        }
        send(self.emu, post(&path, &form))
    }

    /// Authorize → sign in → allow everything: the final response (normally the
    /// redirect with the code), or the first one that is not a page to go on from.
    pub fn run(&mut self, a: &Authz) -> EmuResponse {
        let page = self.authorize(a);
        if page.status != 200 {
            return page;
        }
        let r = self.login(&login_txn(&page), USER, PASSWORD);
        if matches!(r.status, 303 | 307) {
            self.consent(&r, "allow", None)
        } else {
            r
        }
    }
}

/// The code of a successful authorize flow.
pub fn obtain_code(emu: &mut Reference, a: &Authz) -> String {
    let r = Browser::new(emu).run(a);
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
    let basic_secret = match client_id {
        BASIC_CLIENT => Some(BASIC_SECRET),
        OTHER => Some(OTHER_SECRET),
        SYSTEM => Some(SYSTEM_SECRET),
        _ => None,
    };
    if let Some(secret) = basic_secret {
        return with_header(
            post("/token", &form),
            "authorization",
            &crate::oauth::token::basic_header(client_id, secret),
        );
    }
    form.push(("client_id", client_id));
    if client_id == POST_CLIENT {
        form.push(("client_secret", POST_SECRET));
    }
    post("/token", &form)
}

/// Redeems `code` as `client_id` with the default redirect_uri and verifier.
pub fn redeem(emu: &mut Reference, client_id: &str, code: &str) -> EmuResponse {
    redeem_with(
        emu,
        client_id,
        code,
        &[("redirect_uri", CB), ("code_verifier", VERIFIER)],
    )
}

pub fn redeem_with(
    emu: &mut Reference,
    client_id: &str,
    code: &str,
    extra: &[(&str, &str)],
) -> EmuResponse {
    let mut params = vec![("grant_type", "authorization_code"), ("code", code)];
    params.extend_from_slice(extra);
    send(emu, token_request(client_id, &params))
}

/// A full successful flow: the token response body. Confidential clients use PKCE too.
pub fn tokens(emu: &mut Reference, a: &Authz) -> Value {
    let client_id = a.param("client_id").unwrap_or(PUBLIC).to_string();
    let a = if a.param("code_challenge").is_none() {
        a.clone().pkce()
    } else {
        a.clone()
    };
    let code = obtain_code(emu, &a);
    let r = redeem(emu, &client_id, &code);
    assert_eq!(r.status, 200, "{}", text(&r));
    json(&r)
}

pub fn refresh(
    emu: &mut Reference,
    client_id: &str,
    token: &str,
    scope: Option<&str>,
) -> EmuResponse {
    let mut params = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
    params.extend(scope.map(|s| ("scope", s)));
    send(emu, token_request(client_id, &params))
}

/// `POST /introspect` as the basic client: the `active` member.
pub fn introspect_active(emu: &mut Reference, token: &str) -> String {
    let req = with_header(
        post("/introspect", &[("token", token)]),
        "authorization",
        &crate::oauth::token::basic_header(OTHER, OTHER_SECRET),
    );
    json(&send(emu, req))["active"].to_string()
}

/// A string member of a JSON body, or "none".
pub fn s(v: &Value) -> String {
    v.as_str().unwrap_or("none").to_string()
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
