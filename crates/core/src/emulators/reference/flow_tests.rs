//! Behaviour tests: every endpoint's happy path and the spec rules it enforces.

use jsonwebtoken::decode_header;
use serde_json::{Value, json};

use super::responses::is_error_charset;
use super::test_support::*;
use super::{Reference, paths};
use crate::emulators::{EmuRequest, EmuResponse, Emulator};
use crate::oauth::token::basic_header;

/// Verifies an ID token against the JWKS the server publishes.
fn verify_id_token(emu: &mut Reference, id_token: &str, client_id: &str) -> Value {
    let jwks = json(&send(emu, get(paths::JWKS, &[])));
    verify_jwt(&jwks, id_token, client_id, ORIGIN)
}

fn assert_framing_forbidden(r: &EmuResponse) {
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    assert_eq!(
        r.header("content-security-policy"),
        Some("frame-ancestors 'none'")
    );
}

/// An error page: no redirect, the error named in the page.
fn assert_error_page(r: &EmuResponse, error: &str) {
    assert_eq!(r.status, 400, "{}", text(r));
    assert!(r.header("location").is_none());
    assert!(text(r).contains(&format!("<code id=\"error\">{error}</code>")));
    assert_framing_forbidden(r);
}

/// An error redirected to the callback with the state and issuer.
fn assert_redirected_error(r: &EmuResponse, error: &str) {
    assert_eq!(r.status, 302, "{}", text(r));
    let p = redirect_params(r);
    assert!(p.location.starts_with(CB), "{}", p.location);
    assert_eq!(p.get("error"), Some(error), "{}", p.location);
    assert_eq!(p.get("state"), Some(STATE));
    assert_eq!(p.get("iss"), Some(ORIGIN));
    assert!(p.get("error_description").is_some_and(is_error_charset));
}

/// A successful token response (200, JSON, not to be cached): its body.
fn assert_token_response(r: &EmuResponse) -> Value {
    assert_eq!(r.status, 200, "{}", text(r));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("pragma"), Some("no-cache"));
    json(r)
}

/// The token endpoint's refusal of a grant: 400 invalid_grant.
fn assert_invalid_grant(r: &EmuResponse) {
    assert_error(r, 400, "invalid_grant");
}

fn basic(client: &str, secret: &str) -> String {
    basic_header(client, secret)
}

/// A sign-in page that may not be framed, with its form: the form's transaction id.
fn assert_sign_in_page(r: &EmuResponse) -> String {
    assert_eq!(r.status, 200, "{}", text(r));
    assert_framing_forbidden(r);
    let html = text(r);
    assert!(html.contains("<form method=\"post\" action=\"/login/"));
    assert!(html.contains("<input type=\"text\" name=\"username\""));
    assert!(html.contains("<input type=\"password\" name=\"password\""));
    login_txn(r)
}

/// The endpoints discovery names, with their paths on [`ORIGIN`].
const ENDPOINTS: [(&str, &str); 6] = [
    ("authorization_endpoint", "/authorize"),
    ("token_endpoint", "/token"),
    ("userinfo_endpoint", "/userinfo"),
    ("jwks_uri", "/jwks"),
    ("introspection_endpoint", "/introspect"),
    ("revocation_endpoint", "/revoke"),
];

/// Each endpoint is named in a discovery document.
fn assert_endpoints(doc: &Value) {
    for (member, path) in ENDPOINTS {
        assert_eq!(doc[member], format!("{ORIGIN}{path}"), "{member}");
    }
}

#[test]
fn openid_configuration_and_rfc8414_metadata() {
    let mut emu = emulator(&[]);
    let r = send(&mut emu, get(paths::OPENID_CONFIGURATION, &[]));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let doc = json(&r);
    assert_eq!(doc["issuer"], ORIGIN);
    assert_endpoints(&doc);
    assert_eq!(doc["response_types_supported"], json!(["code"]));
    assert_eq!(doc["response_modes_supported"], json!(["query"]));
    assert_eq!(
        doc["grant_types_supported"],
        json!(["authorization_code", "refresh_token", "client_credentials"])
    );
    assert_eq!(doc["subject_types_supported"], json!(["public"]));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    let methods = json!([
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none"
    ]);
    assert_eq!(doc["token_endpoint_auth_methods_supported"], methods);
    assert_eq!(doc["revocation_endpoint_auth_methods_supported"], methods);
    // Assertions are verified with these (SMART: RS384 or ES384; OIDC: RS256).
    let algs = json!(["RS256", "RS384", "PS256", "ES256", "ES384"]);
    assert_eq!(
        doc["token_endpoint_auth_signing_alg_values_supported"],
        algs
    );
    assert_eq!(
        doc["revocation_endpoint_auth_signing_alg_values_supported"],
        algs
    );
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
    assert!(
        doc["scopes_supported"]
            .as_array()
            .is_some_and(|s| s.contains(&json!("openid")))
    );
    assert!(
        doc["claims_supported"]
            .as_array()
            .is_some_and(|s| s.contains(&json!("sub")))
    );
    assert!(doc["introspection_endpoint_auth_methods_supported"].is_array());
    assert!(doc["revocation_endpoint_auth_methods_supported"].is_array());

    let r8414 = send(&mut emu, get(paths::AUTHORIZATION_SERVER_METADATA, &[]));
    assert_eq!(json(&r8414), doc);
}

#[test]
fn smart_configuration_and_capability_statement() {
    let mut emu = emulator(&[]);
    let r = send(&mut emu, get("/fhir/.well-known/smart-configuration", &[]));
    assert_eq!(r.status, 200);
    let doc = json(&r);
    assert_eq!(doc["issuer"], ORIGIN);
    assert_endpoints(&doc);
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(doc["response_types_supported"], json!(["code"]));
    for member in [
        "grant_types_supported",
        "token_endpoint_auth_methods_supported",
        "scopes_supported",
    ] {
        assert!(doc[member].is_array(), "{member}");
    }
    // SMART v2 §2.1: what the reference server implements, among what it advertises.
    let capabilities = doc["capabilities"].as_array().cloned().unwrap_or_default();
    for c in [
        "context-standalone-patient",
        "permission-v2",
        "sso-openid-connect",
        "client-confidential-symmetric",
        "client-confidential-asymmetric",
    ] {
        assert!(capabilities.contains(&json!(c)), "{c}");
    }
    assert_eq!(capabilities.len(), 10);
    assert_eq!(
        doc["token_endpoint_auth_signing_alg_values_supported"],
        json!(["RS256", "RS384", "PS256", "ES256", "ES384"])
    );
    assert!(
        doc["token_endpoint_auth_methods_supported"]
            .as_array()
            .is_some_and(|m| m.contains(&json!("private_key_jwt")))
    );

    let r = send(&mut emu, get("/fhir/metadata", &[]));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/fhir+json"));
    let cs = json(&r);
    assert_eq!(cs["resourceType"], "CapabilityStatement");
    let ext = &cs["rest"][0]["security"]["extension"][0];
    assert_eq!(
        ext["url"],
        "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
    );
    let uris: Vec<(String, String)> = ext["extension"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| (s(&e["url"]), s(&e["valueUri"])))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        uris,
        [
            ("authorize".to_string(), format!("{ORIGIN}/authorize")),
            ("token".to_string(), format!("{ORIGIN}/token")),
            ("introspect".to_string(), format!("{ORIGIN}/introspect")),
            ("revoke".to_string(), format!("{ORIGIN}/revoke")),
        ]
    );
}

#[test]
fn public_pkce_client_happy_path() {
    let mut emu = emulator(&[]);
    let mut browser = Browser::new(&mut emu);
    let txn = assert_sign_in_page(&browser.authorize(&authz(PUBLIC)));
    assert_eq!(
        send(browser.emu, get(&format!("/login/{txn}"), &[])).status,
        200
    );
    let after_login = browser.login(&txn, USER, PASSWORD);
    assert_eq!(after_login.status, 303);
    assert_eq!(
        after_login.header("location"),
        Some(format!("{ORIGIN}/consent/{txn}").as_str())
    );
    let consent = send(browser.emu, get(&format!("/consent/{txn}"), &[]));
    assert_eq!(consent.status, 200);
    assert_framing_forbidden(&consent);
    let html = text(&consent);
    for scope in SCOPE.split(' ') {
        assert!(html.contains(&format!(
            "<input type=\"checkbox\" name=\"scope\" value=\"{scope}\" checked>"
        )));
    }
    assert!(html.contains("<button type=\"submit\" name=\"consent\" value=\"allow\">"));
    assert!(html.contains("<button type=\"submit\" name=\"consent\" value=\"deny\">"));

    let done = browser.consent(&after_login, "allow", None);
    assert_eq!(done.status, 302);
    let p = redirect_params(&done);
    assert!(p.location.starts_with(&format!("{CB}?code=")));
    assert_eq!(p.get("state"), Some(STATE));
    assert_eq!(p.get("iss"), Some(ORIGIN));
    let code = p.get("code").expect("code").to_string();

    let body = assert_token_response(&redeem(&mut emu, PUBLIC, &code));
    assert_eq!(
        member_names(&body),
        [
            "access_token",
            "token_type",
            "expires_in",
            "scope",
            "refresh_token",
            "id_token",
            "patient"
        ]
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], SCOPE);
    assert_eq!(body["patient"], PATIENT);

    let claims = verify_id_token(&mut emu, &s(&body["id_token"]), PUBLIC);
    assert_eq!(claims["nonce"], NONCE);
    assert!(claims["auth_time"].is_u64());
    assert_eq!(
        claims["exp"].as_u64(),
        claims["iat"].as_u64().map(|t| t + 300)
    );
    let header = decode_header(s(&body["id_token"])).expect("header");
    assert_eq!(header.kid.as_deref(), Some("reference-1"));

    let info = userinfo(&mut emu, Some(&s(&body["access_token"])));
    assert_eq!(info.status, 200);
    assert_eq!(json(&info), json!({ "sub": claims["sub"] }));
}

#[test]
fn confidential_clients_with_and_without_pkce() {
    let mut emu = emulator(&[]);
    // No PKCE: allowed for confidential clients; no challenge is stored.
    let a = authz(POST_CLIENT).set("scope", "openid fhirUser");
    let code = obtain_code(&mut emu, &a);
    let r = redeem_with(&mut emu, POST_CLIENT, &code, &[("redirect_uri", CB)]);
    assert_eq!(r.status, 200, "{}", text(&r));
    let body = json(&r);
    assert!(body.get("refresh_token").is_none() && body.get("patient").is_none());
    let claims = verify_id_token(&mut emu, &s(&body["id_token"]), POST_CLIENT);
    assert!(claims.get("nonce").is_some());
    assert_eq!(
        claims["fhirUser"],
        format!("{ORIGIN}/fhir/Patient/{PATIENT}")
    );

    let body = tokens(&mut emu, &authz(BASIC_CLIENT));
    assert_eq!(body["scope"], SCOPE);
    assert!(body["refresh_token"].is_string());
}

#[test]
fn authorize_errors_that_cannot_be_redirected_get_a_page() {
    let mut emu = emulator(&[]);
    let cases = [
        authz("nobody"),
        authz(PUBLIC).without("client_id"),
        authz(PUBLIC).set("redirect_uri", "https://attacker.example.test/callback"),
        authz(PUBLIC).set("redirect_uri", &format!("{CB}/more")),
        authz(PUBLIC).set("redirect_uri", &format!("{CB}?x=1")),
        authz(PUBLIC).set("redirect_uri", "https://app.example.test/CALLBACK"),
        authz(PUBLIC).set("redirect_uri", "HTTPS://APP.EXAMPLE.TEST/callback"),
        authz(PUBLIC).set("redirect_uri", "https://app.example.test:8443/callback"),
        authz(PUBLIC).set("redirect_uri", "https://app.example.test/callback/"),
        authz(MULTI).without("redirect_uri"),
    ];
    for a in cases {
        let r = send(&mut emu, a.request());
        assert_error_page(&r, "invalid_request");
    }
    let r = send(
        &mut emu,
        get_raw(
            "/authorize",
            &format!("client_id={PUBLIC}&client_id={PUBLIC}&response_type=code"),
        ),
    );
    assert_error_page(&r, "invalid_request");
}

#[test]
fn redirect_uri_may_be_omitted_once_and_loopback_ports_vary() {
    let mut emu = emulator(&[]);
    // The only registered URI is used; the token request then need not name it.
    let code = obtain_code(&mut emu, &authz(PUBLIC).without("redirect_uri"));
    let r = redeem_with(&mut emu, PUBLIC, &code, &[("code_verifier", VERIFIER)]);
    assert_eq!(r.status, 200, "{}", text(&r));

    let native = authz(NATIVE)
        .pkce()
        .set("redirect_uri", "http://127.0.0.1:51004/callback");
    let r = Browser::new(&mut emu).run(&native, USER);
    assert!(
        redirect_params(&r)
            .location
            .starts_with("http://127.0.0.1:51004/callback?code=")
    );
    let r = send(
        &mut emu,
        native
            .set("redirect_uri", "http://127.0.0.1:51004/other")
            .request(),
    );
    assert_error_page(&r, "invalid_request");
}

#[test]
fn authorize_errors_are_redirected_with_state_and_iss() {
    let mut emu = emulator(&[]);
    let cases = [
        (authz(PUBLIC).without("response_type"), "invalid_request"),
        (
            authz(PUBLIC).set("response_type", "code id_token"),
            "unsupported_response_type",
        ),
        (
            authz(PUBLIC).set("response_type", "device_code"),
            "unsupported_response_type",
        ),
        (
            authz(PUBLIC)
                .without("code_challenge")
                .without("code_challenge_method"),
            "invalid_request",
        ),
        (
            authz(PUBLIC)
                .set("code_challenge_method", "plain")
                .set("code_challenge", VERIFIER),
            "invalid_request",
        ),
        (
            authz(PUBLIC).without("code_challenge_method"),
            "invalid_request",
        ),
        (authz(PUBLIC).without("code_challenge"), "invalid_request"),
        (
            authz(PUBLIC).set("code_challenge", "short"),
            "invalid_request",
        ),
        (
            authz(PUBLIC).set("code_challenge", &format!("{}+", &CHALLENGE[..42])),
            "invalid_request",
        ),
        (
            authz(PUBLIC).set("code_challenge_method", "s256"),
            "invalid_request",
        ),
        (
            authz(PUBLIC).set("aud", "https://other.example.test/fhir"),
            "invalid_request",
        ),
        (
            authz(PUBLIC).set("aud", &format!("{AUD}/")),
            "invalid_request",
        ),
        (authz(PUBLIC).without("scope"), "invalid_scope"),
        (
            authz(PUBLIC).set("scope", "launch grantcheck.unknown-scope"),
            "invalid_scope",
        ),
        (authz(SYSTEM), "unauthorized_client"),
        (authz(PUBLIC).set("prompt", "none"), "login_required"),
        (
            authz(PUBLIC).set("response_mode", "fragment"),
            "invalid_request",
        ),
        (
            authz(PUBLIC).set("request", "eyJ.x.y"),
            "request_not_supported",
        ),
        (
            authz(PUBLIC).set("request_uri", "urn:x"),
            "request_uri_not_supported",
        ),
    ];
    for (a, error) in cases {
        let r = send(&mut emu, a.request());
        assert_redirected_error(&r, error);
    }
    let raw = authz(PUBLIC).request().raw_query.unwrap_or_default();
    let r = send(
        &mut emu,
        get_raw("/authorize", &format!("{raw}&scope=openid")),
    );
    assert_redirected_error(&r, "invalid_request");

    // A token response type gets its error in the fragment.
    let r = send(
        &mut emu,
        authz(PUBLIC).set("response_type", "token").request(),
    );
    let location = r.header("location").unwrap_or("");
    assert!(
        location.starts_with(&format!("{CB}#error=unsupported_response_type")),
        "{location}"
    );
    assert_redirected_error(&r, "unsupported_response_type");
}

#[test]
fn unknown_scopes_are_dropped_and_reported() {
    let mut emu = emulator(&[]);
    let a = authz(PUBLIC).set("scope", "openid offline_access grantcheck.unknown-scope patient/Observation.rs?category=laboratory user/*.read");
    let body = tokens(&mut emu, &a);
    assert_eq!(
        body["scope"],
        "openid offline_access patient/Observation.rs?category=laboratory user/*.read"
    );
    let access = s(&body["access_token"]);
    assert_eq!(json(&introspect(&mut emu, &access))["scope"], body["scope"]);
}

#[test]
fn login_and_consent_edges() {
    let mut emu = emulator(&[]);
    let mut browser = Browser::new(&mut emu);
    let txn = assert_sign_in_page(&browser.authorize(&authz(PUBLIC)));
    // The consent page needs a signed-in user.
    assert_error_page(
        &send(browser.emu, get(&format!("/consent/{txn}"), &[])),
        "invalid_request",
    );
    let r = browser.login(&txn, USER, "wrong");
    assert_eq!(assert_sign_in_page(&r), txn);
    assert!(text(&r).contains("role=\"alert\""));
    let r = browser.login(&txn, &USER.to_uppercase(), PASSWORD);
    assert!(text(&r).contains("role=\"alert\""));
    let r = browser.login(&txn, USER, PASSWORD);
    assert_eq!(r.status, 303);
    // Signed in once; the form is gone.
    assert_error_page(&browser.login(&txn, USER, PASSWORD), "invalid_request");
    // Neither button: the page again, nothing decided.
    let r = send(
        browser.emu,
        post(&format!("/consent/{txn}"), &[("scope", "openid")]),
    );
    assert_eq!(r.status, 400);
    assert!(text(&r).contains("name=\"consent\""));
    // Unchecked scopes are left out of the grant.
    let done = browser.consent(
        &r_with_location(&txn),
        "allow",
        Some(&["openid", "launch/patient"]),
    );
    let code = location_params(&done).get("code").cloned().expect("code");
    let body = json(&redeem(&mut emu, PUBLIC, &code));
    assert_eq!(body["scope"], "openid launch/patient");
    assert!(body.get("refresh_token").is_none());
    assert_eq!(body["patient"], PATIENT);

    for (decision, checked) in [("deny", None), ("allow", Some(&[][..]))] {
        let mut browser = Browser::new(&mut emu);
        let r = browser.sign_in(&authz(PUBLIC), USER);
        let denied = browser.consent(&r, decision, checked);
        assert_redirected_error(&denied, "access_denied");
        // The transaction is finished.
        let again = browser.follow(&r);
        assert_error_page(&again, "invalid_request");
    }
    for req in [
        get("/login/nope", &[]),
        post("/login/nope", &[("username", USER), ("password", PASSWORD)]),
        get("/consent/nope", &[]),
        post("/consent/nope", &[("consent", "allow")]),
    ] {
        assert_error_page(&send(&mut emu, req), "invalid_request");
    }
}

/// A stand-in for the login response that points at a transaction's consent page.
fn r_with_location(txn: &str) -> EmuResponse {
    EmuResponse::redirect(format!("{ORIGIN}/consent/{txn}"))
}

#[test]
fn codes_are_single_use_and_a_replay_revokes_their_tokens() {
    let mut emu = emulator(&[]);
    let code = obtain_code(&mut emu, &authz(PUBLIC));
    let first = json(&redeem(&mut emu, PUBLIC, &code));
    let access = s(&first["access_token"]);
    let refresh_token = s(&first["refresh_token"]);
    assert_eq!(introspect_active(&mut emu, &access), "true");
    let r = redeem(&mut emu, PUBLIC, &code);
    assert_invalid_grant(&r);
    assert_eq!(introspect_active(&mut emu, &access), "false");
    assert_invalid_grant(&refresh(&mut emu, PUBLIC, &refresh_token, None));
}

#[test]
fn codes_live_sixty_virtual_seconds() {
    let mut emu = emulator(&[]);
    let code = aged_code(&mut emu, &authz(PUBLIC), 50);
    assert_eq!(redeem(&mut emu, PUBLIC, &code).status, 200);
    let code = aged_code(&mut emu, &authz(PUBLIC), 60);
    assert_invalid_grant(&redeem(&mut emu, PUBLIC, &code));
    let code = obtain_code(&mut emu, &authz(PUBLIC));
    emu.advance_clock(601);
    assert_invalid_grant(&redeem(&mut emu, PUBLIC, &code));
}

#[test]
fn codes_are_bound_to_client_and_redirect_uri() {
    let mut emu = emulator(&[]);
    let code = obtain_code(&mut emu, &authz(POST_CLIENT).pkce());
    assert_invalid_grant(&redeem(&mut emu, OTHER, &code));
    // That attempt consumed the code.
    assert_invalid_grant(&redeem(&mut emu, POST_CLIENT, &code));

    for extra in [
        &[
            ("redirect_uri", UNREGISTERED_CB),
            ("code_verifier", VERIFIER),
        ][..],
        &[("code_verifier", VERIFIER)][..],
    ] {
        let code = obtain_code(&mut emu, &authz(PUBLIC));
        assert_invalid_grant(&redeem_with(&mut emu, PUBLIC, &code, extra));
    }
    for code in ["never-issued", ""] {
        let r = redeem(&mut emu, PUBLIC, code);
        let expected = if code.is_empty() {
            "invalid_request"
        } else {
            "invalid_grant"
        };
        assert_error(&r, 400, expected);
    }
}

#[test]
fn pkce_is_verified_at_the_token_endpoint() {
    let mut emu = emulator(&[]);
    let short = "a".repeat(42);
    let bad_chars = format!("{}+", "a".repeat(43));
    for extra in [
        vec![("redirect_uri", CB)],
        vec![("redirect_uri", CB), ("code_verifier", WRONG_VERIFIER)],
        vec![("redirect_uri", CB), ("code_verifier", short.as_str())],
        vec![("redirect_uri", CB), ("code_verifier", bad_chars.as_str())],
    ] {
        let code = obtain_code(&mut emu, &authz(PUBLIC));
        assert_invalid_grant(&redeem_with(&mut emu, PUBLIC, &code, &extra));
    }
    // A 42-character verifier is refused even when it matches its challenge.
    assert_invalid_grant(&redeem_for_challenge_of(&mut emu, &short, &short));
    // The downgrade: a verifier for a code issued without a challenge.
    let code = obtain_code(&mut emu, &authz(POST_CLIENT));
    assert_invalid_grant(&redeem(&mut emu, POST_CLIENT, &code));
    // A 128-character verifier is fine.
    let long = "~".repeat(128);
    let r = redeem_for_challenge_of(&mut emu, &long, &long);
    assert_eq!(r.status, 200, "{}", text(&r));
}

#[test]
fn client_authentication_rules() {
    let mut emu = emulator(&[]);
    let grant = [("grant_type", "client_credentials")];
    let form = |extra: &[(&str, &str)]| {
        let mut params = grant.to_vec();
        params.extend_from_slice(extra);
        post("/token", &params)
    };
    // Two methods at once; header and body naming different clients.
    for body in [("client_secret", BASIC_SECRET), ("client_id", OTHER)] {
        let req = with_header(
            form(&[body]),
            "authorization",
            &basic(BASIC_CLIENT, BASIC_SECRET),
        );
        assert_error(&send(&mut emu, req), 400, "invalid_request");
    }

    let failures = [
        with_header(form(&[]), "authorization", &basic(BASIC_CLIENT, "wrong")),
        with_header(form(&[]), "authorization", "Basic !!!"),
        with_header(form(&[]), "authorization", "Bearer abc"),
        with_header(form(&[]), "authorization", &basic("nobody", "x")),
        with_header(form(&[]), "authorization", &basic(POST_CLIENT, POST_SECRET)),
        with_header(form(&[]), "authorization", &basic(PUBLIC, "")),
        with_header(form(&[]), "authorization", &basic(BASIC_CLIENT, "")),
        // The Basic components are form-decoded: an unencoded `+` reads as a space.
        with_header(
            form(&[]),
            "authorization",
            &crate::emulators::test_kit::basic(BASIC_CLIENT, BASIC_SECRET),
        ),
        form(&[("client_id", BASIC_CLIENT), ("client_secret", BASIC_SECRET)]),
        form(&[("client_id", POST_CLIENT), ("client_secret", "wrong")]),
        form(&[("client_id", POST_CLIENT)]),
        form(&[("client_id", "nobody")]),
        form(&[]),
        form(&[("client_id", PUBLIC), ("client_secret", "x")]),
    ];
    for req in failures {
        let r = send(&mut emu, req);
        assert_error(&r, 401, "invalid_client");
        assert_eq!(
            r.header("www-authenticate"),
            Some("Basic realm=\"reference\"")
        );
        assert_eq!(r.header("cache-control"), Some("no-store"));
    }
    // Authentication passes for each registered method; the grant decides.
    for req in [
        with_header(
            form(&[]),
            "authorization",
            &basic(BASIC_CLIENT, BASIC_SECRET),
        ),
        form(&[("client_id", POST_CLIENT), ("client_secret", POST_SECRET)]),
        form(&[("client_id", PUBLIC)]),
    ] {
        assert_error(&send(&mut emu, req), 400, "unauthorized_client");
    }
}

#[test]
fn grant_types() {
    let mut emu = emulator(&[]);
    let r = send(&mut emu, token_request(POST_CLIENT, &[]));
    assert_error(&r, 400, "invalid_request");
    for grant in [
        "password",
        "implicit",
        "urn:ietf:params:oauth:grant-type:device_code",
        "x",
    ] {
        let r = send(
            &mut emu,
            token_request(
                POST_CLIENT,
                &[
                    ("grant_type", grant),
                    ("username", USER),
                    ("password", PASSWORD),
                ],
            ),
        );
        assert_error(&r, 400, "unsupported_grant_type");
    }
    for grant in ["authorization_code", "refresh_token"] {
        let r = send(
            &mut emu,
            token_request(
                SYSTEM,
                &[("grant_type", grant), ("code", "x"), ("refresh_token", "x")],
            ),
        );
        assert_error(&r, 400, "unauthorized_client");
    }
    // Not a form, or a repeated parameter.
    let mut req = token_request(POST_CLIENT, &[("grant_type", "client_credentials")]);
    req.headers.retain(|(k, _)| k != "content-type");
    assert_error(&send(&mut emu, req), 400, "invalid_request");
    let mut req = token_request(POST_CLIENT, &[("grant_type", "client_credentials")]);
    req.body
        .extend_from_slice(b"&grant_type=client_credentials");
    assert_error(&send(&mut emu, req), 400, "invalid_request");
}

#[test]
fn refresh_narrows_never_widens_and_stays_with_its_client() {
    let mut emu = emulator(&[]);
    let first = tokens(&mut emu, &authz(PUBLIC));
    let rt = s(&first["refresh_token"]);
    let body = assert_token_response(&refresh(&mut emu, PUBLIC, &rt, Some("openid")));
    assert_eq!(body["scope"], "openid");
    assert!(body.get("patient").is_none());
    let claims = verify_id_token(&mut emu, &s(&body["id_token"]), PUBLIC);
    assert!(claims.get("nonce").is_none(), "no nonce on refresh");
    let rt2 = s(&body["refresh_token"]);
    assert_ne!(rt2, rt);
    // The rotated token keeps the original grant.
    let body = json(&refresh(&mut emu, PUBLIC, &rt2, None));
    assert_eq!(body["scope"], SCOPE);
    let rt3 = s(&body["refresh_token"]);

    assert_error(
        &refresh(&mut emu, PUBLIC, &rt3, Some("openid profile")),
        400,
        "invalid_scope",
    );
    assert_invalid_grant(&refresh(&mut emu, MULTI, &rt3, None));
    assert_invalid_grant(&refresh(&mut emu, PUBLIC, "nope", None));
    assert_error(
        &send(
            &mut emu,
            token_request(PUBLIC, &[("grant_type", "refresh_token")]),
        ),
        400,
        "invalid_request",
    );
    assert_eq!(refresh(&mut emu, PUBLIC, &rt3, None).status, 200);
}

#[test]
fn a_replayed_refresh_token_revokes_its_family() {
    let mut emu = emulator(&[]);
    let first = tokens(&mut emu, &authz(PUBLIC));
    let rt = s(&first["refresh_token"]);
    let second = json(&refresh(&mut emu, PUBLIC, &rt, None));
    let rt2 = s(&second["refresh_token"]);
    assert_eq!(introspect_active(&mut emu, &rt), "false");
    assert_eq!(introspect_active(&mut emu, &rt2), "true");
    assert_invalid_grant(&refresh(&mut emu, PUBLIC, &rt, None));
    assert_invalid_grant(&refresh(&mut emu, PUBLIC, &rt2, None));
    for token in [&first["access_token"], &second["access_token"]] {
        assert_eq!(introspect_active(&mut emu, &s(token)), "false");
    }
}

#[test]
fn confidential_clients_keep_their_refresh_token() {
    let mut emu = emulator(&[]);
    let first = tokens(&mut emu, &authz(POST_CLIENT));
    let rt = s(&first["refresh_token"]);
    for _ in 0..2 {
        let r = refresh(&mut emu, POST_CLIENT, &rt, None);
        assert_eq!(r.status, 200, "{}", text(&r));
        assert!(json(&r).get("refresh_token").is_none());
    }
    assert_invalid_grant(&refresh(&mut emu, OTHER, &rt, None));
    assert!(emu.age_artifact(&rt, 30 * 24 * 3600));
    assert_invalid_grant(&refresh(&mut emu, POST_CLIENT, &rt, None));
}

#[test]
fn client_credentials() {
    let mut emu = emulator(&[]);
    let cc = |scope: Option<&str>| {
        let mut params = vec![("grant_type", "client_credentials")];
        params.extend(scope.map(|s| ("scope", s)));
        token_request(SYSTEM, &params)
    };
    for scope in [None, Some(SYSTEM_SCOPE)] {
        let r = send(&mut emu, cc(scope));
        assert_eq!(r.status, 200, "{}", text(&r));
        let body = json(&r);
        assert_eq!(body["scope"], SYSTEM_SCOPE);
        assert_eq!(body["expires_in"], 300);
        assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none());
        let access = s(&body["access_token"]);
        assert_eq!(json(&introspect(&mut emu, &access))["sub"], SYSTEM);
        assert_eq!(userinfo(&mut emu, Some(&access)).status, 403);
    }
    assert_error(
        &send(&mut emu, cc(Some("system/Observation.rs"))),
        400,
        "invalid_scope",
    );
    for client in [POST_CLIENT, PUBLIC] {
        let r = send(
            &mut emu,
            token_request(client, &[("grant_type", "client_credentials")]),
        );
        assert_error(&r, 400, "unauthorized_client");
    }
}

#[test]
fn introspection() {
    let mut emu = emulator(&[]);
    let body = tokens(&mut emu, &authz(POST_CLIENT));
    let access = s(&body["access_token"]);
    let ask = |token: &str, auth: Option<(&str, &str)>| {
        let req = post("/introspect", &[("token", token)]);
        match auth {
            Some((id, secret)) => with_header(req, "authorization", &basic(id, secret)),
            None => req,
        }
    };
    let r = send(&mut emu, ask(&access, Some((OTHER, OTHER_SECRET))));
    assert_eq!(r.status, 200);
    let info = json(&r);
    assert_eq!(info["active"], true);
    assert_eq!(info["scope"], SCOPE);
    assert_eq!(info["client_id"], POST_CLIENT);
    assert_eq!(info["token_type"], "Bearer");
    assert_eq!(info["exp"].as_u64(), info["iat"].as_u64().map(|t| t + 3600));
    assert_eq!(info["sub"], super::signing::subject(USER));
    let r = send(
        &mut emu,
        ask(&s(&body["refresh_token"]), Some((OTHER, OTHER_SECRET))),
    );
    assert_eq!(json(&r)["active"], true);

    for token in ["never-issued", access.as_str()] {
        if token == access {
            assert!(emu.age_artifact(&access, 3600));
        }
        let r = send(&mut emu, ask(token, Some((OTHER, OTHER_SECRET))));
        assert_eq!(json(&r), json!({ "active": false }));
    }
    for auth in [None, Some((OTHER, "wrong"))] {
        let r = send(&mut emu, ask(&access, auth));
        assert_error(&r, 401, "invalid_client");
        assert!(r.header("www-authenticate").is_some());
    }
    let r = send(
        &mut emu,
        post("/introspect", &[("token", &access), ("client_id", PUBLIC)]),
    );
    assert_error(&r, 401, "invalid_client");
    let r = send(&mut emu, client_request("/introspect", OTHER, &[]));
    assert_error(&r, 400, "invalid_request");
    assert_eq!(send(&mut emu, get("/introspect", &[])).status, 405);
}

#[test]
fn revocation() {
    let mut emu = emulator(&[]);
    let revoke =
        |token: &str, client: &str| token_request(client, &[("token", token)]).tap_path("/revoke");
    let body = tokens(&mut emu, &authz(POST_CLIENT));
    let (access, rt) = (s(&body["access_token"]), s(&body["refresh_token"]));

    let r = send(&mut emu, revoke("never-issued", POST_CLIENT));
    assert_eq!((r.status, r.body.len()), (200, 0));
    // Another client's token is refused and left alone.
    let r = send(&mut emu, revoke(&rt, OTHER));
    assert_error(&r, 400, "unauthorized_client");
    assert_eq!(introspect_active(&mut emu, &rt), "true");
    // Revoking the refresh token ends the grant's access tokens too.
    assert_eq!(send(&mut emu, revoke(&rt, POST_CLIENT)).status, 200);
    assert_eq!(introspect_active(&mut emu, &access), "false");
    assert_invalid_grant(&refresh(&mut emu, POST_CLIENT, &rt, None));

    // Revoking an access token ends only that token.
    let body = tokens(&mut emu, &authz(PUBLIC));
    let (access, rt) = (s(&body["access_token"]), s(&body["refresh_token"]));
    assert_eq!(send(&mut emu, revoke(&access, PUBLIC)).status, 200);
    assert_eq!(introspect_active(&mut emu, &access), "false");
    assert_eq!(introspect_active(&mut emu, &rt), "true");

    let r = send(&mut emu, post("/revoke", &[("token", &rt)]));
    assert_error(&r, 401, "invalid_client");
    let r = send(&mut emu, token_request(PUBLIC, &[]).tap_path("/revoke"));
    assert_error(&r, 400, "invalid_request");
}

trait TapPath {
    fn tap_path(self, path: &str) -> Self;
}

impl TapPath for EmuRequest {
    fn tap_path(mut self, path: &str) -> Self {
        self.path = path.to_string();
        self
    }
}

#[test]
fn userinfo_is_a_bearer_protected_resource() {
    let mut emu = emulator(&[]);
    let r = userinfo(&mut emu, None);
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some("Bearer realm=\"reference\"")
    );
    assert!(r.body.is_empty());
    for header in ["Bearer nope", "Bearer "] {
        let r = send(
            &mut emu,
            with_header(get("/userinfo", &[]), "authorization", header),
        );
        assert_eq!(r.status, 401, "{header}");
        assert_eq!(
            r.header("www-authenticate"),
            Some("Bearer realm=\"reference\", error=\"invalid_token\"")
        );
    }
    let body = tokens(
        &mut emu,
        &authz(PUBLIC).set("scope", "offline_access launch/patient"),
    );
    let r = userinfo(&mut emu, Some(&s(&body["access_token"])));
    assert_eq!(r.status, 403);
    assert!(
        r.header("www-authenticate")
            .is_some_and(|h| h.contains("insufficient_scope"))
    );

    let body = tokens(&mut emu, &authz(PUBLIC));
    let access = s(&body["access_token"]);
    let r = send(
        &mut emu,
        with_header(
            post("/userinfo", &[]),
            "authorization",
            &format!("bearer {access}"),
        ),
    );
    assert_eq!(r.status, 200);
    assert!(emu.age_artifact(&access, 3600));
    assert_eq!(userinfo(&mut emu, Some(&access)).status, 401);
}

#[test]
fn token_errors_are_registered_codes_in_the_rfc_charset() {
    let mut emu = emulator(&[]);
    let code = obtain_code(&mut emu, &authz(PUBLIC));
    let requests = [
        token_request(
            PUBLIC,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "x\"\\é"),
            ],
        ),
        token_request(PUBLIC, &[("grant_type", "nope\"é")]),
        post(
            "/token",
            &[("grant_type", "authorization_code"), ("client_id", "é\"")],
        ),
        EmuRequest {
            body: b"a\xff=1&a\xff=2".to_vec(),
            ..post("/token", &[])
        },
        EmuRequest {
            body: b"%22x%5C=1&%22x%5C=2".to_vec(),
            ..post("/token", &[])
        },
    ];
    let registered = crate::oauth::error::TOKEN_ERROR_CODES;
    for req in requests {
        let r = send(&mut emu, req);
        let body = json(&r);
        assert!(registered.contains(&s(&body["error"]).as_str()), "{body}");
        assert!(is_error_charset(&s(&body["error_description"])), "{body}");
        assert_eq!(r.header("pragma"), Some("no-cache"));
    }
}

#[test]
fn routing_edges() {
    let mut emu = emulator(&[]);
    assert_eq!(emu.vendor(), "reference");
    assert!(!emu.age_artifact("nothing", 10));
    assert_eq!(send(&mut emu, get("/nowhere", &[])).status, 404);
    assert_eq!(send(&mut emu, get("/fhir/Observation/1", &[])).status, 404);
    assert_eq!(send(&mut emu, get("/fhirPatient/1", &[])).status, 404);
    for (method, path, allow) in [
        ("GET", "/token", "POST"),
        ("POST", "/authorize", "GET"),
        ("POST", "/jwks", "GET"),
        ("DELETE", "/userinfo", "GET, POST"),
        ("PUT", "/login/x", "GET, POST"),
        ("POST", "/fhir/metadata", "GET"),
        ("POST", "/.well-known/openid-configuration", "GET"),
    ] {
        let req = EmuRequest {
            method: method.into(),
            ..get(path, &[])
        };
        let r = send(&mut emu, req);
        assert_eq!(
            (r.status, r.header("allow")),
            (405, Some(allow)),
            "{method} {path}"
        );
    }
    // The origin's trailing slash does not change the issuer.
    let r = emu.handle(
        &format!("{ORIGIN}/"),
        &get(paths::OPENID_CONFIGURATION, &[]),
    );
    assert_eq!(json(&r)["issuer"], ORIGIN);
    let r = send(&mut emu, get("/jwks", &[]));
    assert_eq!(json(&r)["keys"].as_array().map(Vec::len), Some(1));
}

#[test]
fn garbage_never_panics() {
    let header_sets: [&[(&str, &str)]; 4] = [
        &[("authorization", "Basic \u{1F600}")],
        &[("authorization", "Bearer")],
        &[("authorization", "Basic Og==")],
        &[("content-type", "application/x-www-form-urlencoded")],
    ];
    Garbage {
        paths: &[
            "/authorize",
            "/token",
            "/introspect",
            "/revoke",
            "/userinfo",
            "/jwks",
            "/login/x",
            "/consent/x",
            "/fhir/metadata",
            "/fhir/.well-known/smart-configuration",
            "/.well-known/openid-configuration",
            "/\u{1F600}",
        ],
        methods: &["GET", "POST", "DELETE", "get", ""],
        bodies: &[
            b"\xff\xfe\x00",
            b"%%%&&==",
            b"code=%ZZ&grant_type",
            b"",
            b"token=%FF&scope=+",
        ],
        header_sets: &header_sets,
        raw_query: "%ZZ=%&scope=%FF&client_id=ref-public&redirect_uri",
    }
    .assert_answered(&mut emulator(&[]));
}

#[test]
fn private_key_jwt_clients_authenticate_with_their_assertion_only() {
    let emu = || Reference::new(tenant(), vec![]);
    let key = jwt_key();
    assert_eq!(
        jwt_client_redeem(&mut emu(), &jwt_assertion(&key, ORIGIN, 60)),
        "200"
    );
    // The token endpoint URL is an audience too (RFC 7523 §3).
    let token_url = format!("{ORIGIN}/token");
    assert_eq!(
        jwt_client_redeem(&mut emu(), &jwt_assertion(&key, &token_url, 60)),
        "200"
    );
    assert_eq!(
        jwt_client_redeem(&mut emu(), "not-a-jwt"),
        "401 invalid_client"
    );
    // A secret-based client cannot switch to an assertion it never registered.
    let assertion = key
        .assertion(BASIC_CLIENT, ORIGIN, 2_000_000_000, 60, "j")
        .expect("signs");
    let auth = [
        ("client_assertion_type", crate::oauth::assertion::JWT_BEARER),
        ("client_assertion", assertion.as_str()),
    ];
    assert_eq!(
        redeem_authenticated_as(&mut emu(), BASIC_CLIENT, &auth, None),
        "401 invalid_client"
    );
}
