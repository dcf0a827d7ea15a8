//! Fixtures for the reference server's unit tests. The tenant is what
//! `target::tenant_for` makes of profiles/reference-emulated.yaml, plus two clients for
//! redirect URI edge cases. The requests, the browser and the flows come from the
//! shared kit.

use serde_json::Value;

use super::{Fault, Reference};
use crate::emulators::{ClientAuth, ClientRegistration, EmuRequest, EmuResponse, Tenant};
use crate::oauth::pkce;
use crate::oauth::token::basic_header;

pub use crate::emulators::test_kit::*;

pub const CB: &str = "https://app.example.test/callback";
/// A callback no client registered.
pub const UNREGISTERED_CB: &str = "https://app.example.test/other-callback";
pub const FHIR: &str = "/fhir";
pub const AUD: &str = "http://127.0.0.1:9/fhir";
pub const USER: &str = "ref.patient@example.test";
pub const PATIENT: &str = "pat-1234";
/// Another user, whose record a patient-level token of [`USER`] must not read.
pub const OTHER_USER: &str = "ref.other@example.test";
pub const OTHER_PATIENT: &str = "pat-other";
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
pub const MULTI_CB: &str = "https://app.example.test/second";
/// A public native app on the loopback interface (RFC 8252 §7.3).
pub const NATIVE: &str = "ref-native";
pub const NATIVE_CB: &str = "http://127.0.0.1/callback";

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
    crate::oauth::assertion::AssertionKey::from_pem(JWT_KID, include_bytes!("../keys/rogue.pem"))
        .expect("rogue key")
}

/// Kids of the other keys the `private_key_jwt` client registered: its RSA key again
/// without an `alg` (so any RSA algorithm), and a P-256 and a P-384 key.
pub const JWT_RSA_ANY_KID: &str = "test-client-rsa-any";
pub const JWT_ES256_KID: &str = "test-client-es256";
pub const JWT_ES384_KID: &str = "test-client-es384";
pub const ES256_PEM: &[u8] = include_bytes!("keys/client-es256.pem");
pub const ES384_PEM: &[u8] = include_bytes!("keys/client-es384.pem");

/// The JWK Set the `private_key_jwt` client registered.
pub fn jwt_client_jwks() -> Value {
    let rs256 = jwt_key().public_jwk().expect("jwk");
    let mut rsa_any = rs256.clone();
    rsa_any["kid"] = serde_json::json!(JWT_RSA_ANY_KID);
    if let Some(members) = rsa_any.as_object_mut() {
        members.remove("alg");
    }
    let ec = |kid: &str, jwk: &str| {
        let mut jwk: Value = serde_json::from_str(jwk).expect("jwk file");
        jwk["kid"] = serde_json::json!(kid);
        jwk
    };
    serde_json::json!({ "keys": [
        rs256,
        rsa_any,
        ec(JWT_ES256_KID, include_str!("keys/client-es256.jwk")),
        ec(JWT_ES384_KID, include_str!("keys/client-es384.jwk")),
    ] })
}

/// The `private_key_jwt` client's assertion for this server signed with `alg` by the
/// key `pem` under `kid`, with the given `jti`, valid for a minute.
pub fn signed_assertion(alg: jsonwebtoken::Algorithm, kid: &str, pem: &[u8], jti: &str) -> String {
    use jsonwebtoken::{EncodingKey, Header, encode};
    let key = match alg {
        jsonwebtoken::Algorithm::ES256 | jsonwebtoken::Algorithm::ES384 => {
            EncodingKey::from_ec_pem(pem)
        }
        _ => EncodingKey::from_rsa_pem(pem),
    }
    .expect("test key");
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_string());
    let now = crate::emulators::clock::VirtualClock::new().now_unix();
    let claims = serde_json::json!({
        "iss": JWT_CLIENT, "sub": JWT_CLIENT, "aud": format!("{ORIGIN}/token"),
        "jti": jti, "iat": now, "exp": now + 60,
    });
    encode(&header, &claims, &key).expect("signs")
}

/// The RSA private key of the `private_key_jwt` client (PEM).
pub const JWT_RSA_PEM: &[u8] = crate::oauth::assertion::UNREGISTERED_KEY;

fn jwt_client() -> ClientRegistration {
    let grants = ["authorization_code", "refresh_token"];
    ClientRegistration {
        jwks: Some(jwt_client_jwks()),
        ..registration(
            JWT_CLIENT,
            ClientAuth::PrivateKeyJwt,
            None,
            &[CB],
            "",
            &grants,
        )
    }
}

/// A client assertion for the `private_key_jwt` client: `key`, audience, lifetime.
pub fn jwt_assertion(
    key: &crate::oauth::assertion::AssertionKey,
    audience: &str,
    lifetime: i64,
) -> String {
    let now = crate::emulators::clock::VirtualClock::new().now_unix() as i64;
    let jti = crate::emulators::engine::opaque();
    key.assertion(JWT_CLIENT, audience, now, lifetime, &jti)
        .expect("assertion")
}

/// A code of `client_id` (with PKCE) redeemed with `auth` in the body and `header` as
/// the Authorization, instead of the way the client is registered: the outcome.
pub fn redeem_authenticated_as(
    emu: &mut Reference,
    client_id: &str,
    auth: &[(&str, &str)],
    header: Option<&str>,
) -> String {
    let code = obtain_code(emu, &authz(client_id).pkce());
    let grant = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CB),
        ("code_verifier", VERIFIER),
    ];
    let req = post("/token", &[&grant[..], auth].concat());
    let req = match header {
        Some(h) => with_header(req, "authorization", h),
        None => req,
    };
    outcome(&send(emu, req))
}

/// The `private_key_jwt` client redeems a code with the given assertion.
pub fn jwt_client_redeem(emu: &mut Reference, assertion: &str) -> String {
    let auth = [
        ("client_id", JWT_CLIENT),
        ("client_assertion_type", crate::oauth::assertion::JWT_BEARER),
        ("client_assertion", assertion),
    ];
    redeem_authenticated_as(emu, JWT_CLIENT, &auth, None)
}

pub fn tenant() -> Tenant {
    let code = ["authorization_code", "refresh_token"];
    let basic = ClientAuth::ClientSecretBasic;
    let clients = vec![
        registration(
            POST_CLIENT,
            ClientAuth::ClientSecretPost,
            Some(POST_SECRET),
            &[CB],
            "",
            &code,
        ),
        registration(
            BASIC_CLIENT,
            basic.clone(),
            Some(BASIC_SECRET),
            &[CB],
            "",
            &code,
        ),
        registration(PUBLIC, ClientAuth::None, None, &[CB], "", &code),
        registration(OTHER, basic.clone(), Some(OTHER_SECRET), &[CB], "", &code),
        registration(
            SYSTEM,
            basic,
            Some(SYSTEM_SECRET),
            &[CB],
            SYSTEM_SCOPE,
            &["client_credentials"],
        ),
        jwt_client(),
        registration(MULTI, ClientAuth::None, None, &[CB, MULTI_CB], "", &[]),
        registration(NATIVE, ClientAuth::None, None, &[NATIVE_CB], "", &[]),
    ];
    let users = vec![
        portal_user(USER, &[("reference", "1", PATIENT)]),
        portal_user(OTHER_USER, &[("reference", "1", OTHER_PATIENT)]),
    ];
    tenant_of("", FHIR, clients, users)
}

pub fn emulator(faults: &[Fault]) -> Reference {
    Reference::new(tenant(), faults.to_vec())
}

/// Asserts a JSON OAuth error.
pub fn assert_error(r: &EmuResponse, status: u16, error: &str) {
    assert_json_error(r, status, error);
    assert_eq!(r.header("content-type"), Some("application/json"));
}

/// Query or fragment parameters of a redirect, decoded once.
pub fn redirect_params(r: &EmuResponse) -> crate::oauth::authorize::RedirectParams {
    crate::oauth::authorize::RedirectParams::parse(r.header("location").unwrap_or(""))
}

/// An authorize request, by default a public client's with PKCE.
pub fn authz(client_id: &str) -> Authz {
    let a = Authz::code_flow("/authorize", client_id, CB, SCOPE, AUD);
    if client_id == PUBLIC { a.pkce() } else { a }
}

/// The transaction id of a login page's form action.
pub fn login_txn(r: &EmuResponse) -> String {
    login_txn_of::<Reference>(r)
}

/// A POST to `path` authenticated the way `client_id` is registered (Basic
/// credentials form-encoded, as RFC 6749 §2.3.1 asks).
pub fn client_request(path: &str, client_id: &str, params: &[(&str, &str)]) -> EmuRequest {
    let credentials = match client_id {
        BASIC_CLIENT => Credentials::Header(basic_header(client_id, BASIC_SECRET)),
        OTHER => Credentials::Header(basic_header(client_id, OTHER_SECRET)),
        SYSTEM => Credentials::Header(basic_header(client_id, SYSTEM_SECRET)),
        POST_CLIENT => Credentials::Post(POST_SECRET),
        _ => Credentials::Public,
    };
    client_post(path, client_id, credentials, params)
}

/// A token request authenticated the way `client_id` is registered.
pub fn token_request(client_id: &str, params: &[(&str, &str)]) -> EmuRequest {
    client_request("/token", client_id, params)
}

impl Vendor for Reference {
    const USER: &'static str = USER;
    const CODE_CLIENT: &'static str = PUBLIC;
    const CODE_OWNER_AND_THIEF: (&'static str, &'static str) = (POST_CLIENT, OTHER);
    const OTHER_REDIRECT_URI: &'static str = UNREGISTERED_CB;

    fn token_request(client_id: &str, params: &[(&str, &str)]) -> EmuRequest {
        token_request(client_id, params)
    }

    fn authz(client_id: &str) -> Authz {
        authz(client_id)
    }
}

/// Redeems `code` as `client_id` with the default redirect_uri and verifier.
pub fn redeem(emu: &mut Reference, client_id: &str, code: &str) -> EmuResponse {
    let extra = [("redirect_uri", CB), ("code_verifier", VERIFIER)];
    redeem_with(emu, client_id, code, &extra)
}

/// A public client's code for the S256 challenge of `verifier`, redeemed with
/// `presented` as the code_verifier.
pub fn redeem_for_challenge_of(
    emu: &mut Reference,
    verifier: &str,
    presented: &str,
) -> EmuResponse {
    let a = authz(PUBLIC).set("code_challenge", &pkce::s256_challenge(verifier));
    let code = obtain_code(emu, &a);
    let extra = [("redirect_uri", CB), ("code_verifier", presented)];
    redeem_with(emu, PUBLIC, &code, &extra)
}

/// A full successful flow: the token response body. Confidential clients use PKCE too.
pub fn tokens(emu: &mut Reference, a: &Authz) -> Value {
    let a = if a.param("code_challenge").is_none() {
        a.clone().pkce()
    } else {
        a.clone()
    };
    crate::emulators::test_kit::tokens(emu, &a)
}

/// `POST /introspect` of `token`, as the other confidential client.
pub fn introspect(emu: &mut Reference, token: &str) -> EmuResponse {
    send(
        emu,
        client_request("/introspect", OTHER, &[("token", token)]),
    )
}

/// `POST /introspect` as the other confidential client: the `active` member.
pub fn introspect_active(emu: &mut Reference, token: &str) -> String {
    json(&introspect(emu, token))["active"].to_string()
}

/// `GET /userinfo`, with `token` as the Bearer token when given.
pub fn userinfo(emu: &mut Reference, token: Option<&str>) -> EmuResponse {
    let req = get("/userinfo", &[]);
    let req = match token {
        Some(t) => with_bearer(req, t),
        None => req,
    };
    send(emu, req)
}
