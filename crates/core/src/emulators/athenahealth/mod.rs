//! athenahealth's patient login, an Okta org authorization server (`/oauth2/v1/...`),
//! with its FHIR DSTU2 API in front of it.
//!
//! Each endpoint lives in its own module as an `impl Athenahealth` block; this module
//! routes requests and owns the state. Error strings are the vendor's exact ones.

mod aud;
mod authn;
mod authorize;
mod client_auth;
mod consent;
mod discovery;
mod faults;
mod fhir;
mod ids;
mod introspect;
mod login;
mod logout;
mod pages;
use crate::oauth::percent;
mod responses;
mod revoke;
mod scopes;
mod signing;
mod store;
mod token;
mod userinfo;

#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod test_support;

pub use faults::{FAULTS, Fault};

use super::engine::{Base, cors, param};
use super::{EmuRequest, EmuResponse, Emulator};
use signing::Keys;
use store::Store;

/// The athenahealth emulator: one tenant, its fault switches, a virtual clock and the
/// in-flight state of every flow (kept per transaction, code, token and session, so that
/// concurrent scenarios sharing one server stay independent).
pub struct Athenahealth {
    base: Base<Fault>,
    store: Store,
    keys: Keys,
}

on_the_engine!(Athenahealth);

impl Athenahealth {
    /// The methods a browser app may call `path` with from another origin, for the
    /// endpoints that answer cross-origin requests.
    ///
    /// Documented: Okta answers CORS on its OAuth endpoints only for origins an admin
    /// registered as Trusted Origins (Okta's Trusted Origins API), and its API reference
    /// marks the metadata, `/token`, `/userinfo` and `/keys` as CORS endpoints; the
    /// sign-in, consent and `/authorize` pages are navigations, never CORS (OKT-09: "cannot
    /// be called through AJAX").
    /// Emulator choices: every origin is trusted (the profile registers none), and the
    /// FHIR API, whose CORS athenahealth does not document, answers like the OAuth
    /// endpoints so that a browser SMART app can run against the emulator.
    fn cors_methods(&self, path: &str) -> Option<&'static str> {
        match path {
            discovery::OPENID_CONFIGURATION | discovery::OAUTH_METADATA => Some("GET"),
            discovery::TOKEN => Some("POST"),
            discovery::USERINFO => Some("GET, POST"),
            discovery::KEYS => Some("GET"),
            _ if self.is_fhir_path(path) => Some("GET"),
            _ => None,
        }
    }

    fn route(&mut self, origin: &str, req: &EmuRequest) -> EmuResponse {
        match self.cors_methods(&req.path) {
            Some(methods) if cors::is_preflight(req) => cors::preflight(req, methods),
            Some(_) => {
                let response = self.route_same_origin(origin, req);
                cors::allow(req, response)
            }
            None => self.route_same_origin(origin, req),
        }
    }

    fn route_same_origin(&mut self, origin: &str, req: &EmuRequest) -> EmuResponse {
        let method = req.method.to_ascii_uppercase();
        let get = method == "GET";
        let post = method == "POST";
        let path = req.path.as_str();
        if let Some(txn) = path.strip_prefix("/login/") {
            return match method.as_str() {
                "GET" => self.login_form(txn),
                "POST" => self.login_submit(txn, req),
                _ => responses::method_not_allowed("GET, POST"),
            };
        }
        if let Some(txn) = path.strip_prefix("/consent/") {
            return match method.as_str() {
                "GET" => self.consent_form(txn),
                "POST" => self.consent_submit(txn, req),
                _ => responses::method_not_allowed("GET, POST"),
            };
        }
        if self.is_fhir_path(path) {
            return self.fhir(origin, req);
        }
        match path {
            discovery::OPENID_CONFIGURATION | discovery::OAUTH_METADATA if get => {
                self.server_metadata(origin)
            }
            discovery::OPENID_CONFIGURATION | discovery::OAUTH_METADATA => {
                responses::method_not_allowed("GET")
            }
            discovery::USERINFO if get || post => self.userinfo(req),
            discovery::USERINFO => responses::method_not_allowed("GET, POST"),
            "/oauth2/v1/authorize" if get => self.authorize(req),
            "/oauth2/v1/authorize" => responses::method_not_allowed("GET"),
            "/oauth2/v1/token" if post => self.token(origin, req),
            "/oauth2/v1/token" => responses::method_not_allowed("POST"),
            "/oauth2/v1/introspect" if post => self.introspect(origin, req),
            "/oauth2/v1/introspect" => responses::method_not_allowed("POST"),
            "/oauth2/v1/revoke" if post => self.revoke(req),
            "/oauth2/v1/revoke" => responses::method_not_allowed("POST"),
            "/oauth2/v1/keys" if get => self.keys_response(),
            "/oauth2/v1/keys" => responses::method_not_allowed("GET"),
            "/oauth2/v1/logout" if get => self.logout(req),
            "/oauth2/v1/logout" => responses::method_not_allowed("GET"),
            "/login" if get => pages::signed_out_page(),
            authn::AUTHN_PATH if self.base.tenant.sign_in == super::SignIn::Script => {
                if post {
                    self.authn(req)
                } else {
                    responses::method_not_allowed("POST")
                }
            }
            _ => responses::not_found(),
        }
    }
}

impl Emulator for Athenahealth {
    fn id_token_key(&self) -> Option<crate::oauth::jws::SigningKey> {
        Some(self.keys.signer())
    }

    fn vendor(&self) -> &'static str {
        "athenahealth"
    }

    fn handle(&mut self, origin: &str, req: &EmuRequest) -> EmuResponse {
        self.route(origin.trim_end_matches('/'), req)
    }

    fn age_artifact(&mut self, artifact: &str, secs: u64) -> bool {
        self.store.age(artifact, secs)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::test_support::*;
    use super::*;

    /// Verifies the ID token of a token response against the JWKS the emulator publishes.
    fn verify_id_token(emu: &mut Athenahealth, body: &Value, client_id: &str) -> Value {
        let id_token = body["id_token"].as_str().expect("id_token");
        let jwks = json(&send(emu, get(KEYS_PATH, &[("client_id", client_id)])));
        verify_jwt(&jwks, id_token, client_id, ORIGIN)
    }

    #[test]
    fn public_pkce_client_happy_path() {
        let mut emu = emulator(&[]);
        let mut browser = Browser::new(&mut emu);
        let page = browser.authorize(&authz(PUBLIC));
        assert_eq!(page.status, 200);
        let html = text(&page);
        assert!(html.contains("<form method=\"post\" action=\"/login/"));
        assert!(html.contains("<input type=\"text\" name=\"username\">"));
        assert!(html.contains("<input type=\"password\" name=\"password\">"));

        let txn = login_txn(&page);
        let after_login = browser.login(&txn, USER, PASSWORD);
        assert_eq!(after_login.status, 302);
        assert_eq!(
            after_login.header("location"),
            Some(format!("/consent/{txn}").as_str())
        );
        let cookie = after_login.header("set-cookie").expect("session cookie");
        assert!(cookie.starts_with("sid=") && cookie.ends_with("; Path=/; HttpOnly"));

        let done = browser.consent(&after_login, "allow", None);
        assert_eq!(done.status, 302);
        let params = location_params(&done);
        assert!(
            done.header("location")
                .unwrap_or("")
                .starts_with(&format!("{CB}?code="))
        );
        assert_eq!(params.get("state").map(String::as_str), Some(STATE));
        let code = params.get("code").cloned().expect("code");

        let r = redeem(&mut emu, PUBLIC, &code);
        assert_eq!(r.status, 200, "{}", text(&r));
        assert_eq!(r.header("cache-control"), Some("no-store"));
        assert_eq!(r.header("pragma"), Some("no-cache"));
        assert_eq!(r.header("content-type"), Some("application/json"));
        let body = json(&r);
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 300);
        assert_eq!(
            body["scope"],
            "openid launch/patient patient/Patient.read offline_access"
        );
        assert_eq!(body["patient"], PATIENT);
        assert!(body["access_token"].is_string() && body["refresh_token"].is_string());
        let members = [
            "token_type",
            "expires_in",
            "access_token",
            "scope",
            "id_token",
            "refresh_token",
            "patient",
        ];
        assert_eq!(member_names(&body), members);

        let claims = verify_id_token(&mut emu, &body, PUBLIC);
        assert_eq!(claims["nonce"], NONCE);
        assert_eq!(claims["sub"], ids::user_id(USER));
        assert!(claims["auth_time"].is_u64());
        assert_eq!(
            claims["exp"].as_u64(),
            claims["iat"].as_u64().map(|t| t + 3600)
        );
        assert!(claims.get("pim").is_none() && claims.get("email").is_none());
    }

    #[test]
    fn confidential_post_client_happy_path() {
        let mut emu = emulator(&[]);
        let a = authz(WEB).set("scope", "openid email profile launch/patient");
        // No consent-requiring scope: the code comes straight after sign-in.
        let page = Browser::new(&mut emu).authorize(&a);
        let txn = login_txn(&page);
        let done = Browser::new(&mut emu).login(&txn, USER, PASSWORD);
        let code = location_params(&done).get("code").cloned().expect("code");
        let r = redeem(&mut emu, WEB, &code);
        assert_eq!(r.status, 200, "{}", text(&r));
        let body = json(&r);
        assert!(
            body.get("refresh_token").is_none(),
            "no offline_access, no refresh token"
        );
        assert_eq!(body["patient"], PATIENT);
        let claims = verify_id_token(&mut emu, &body, WEB);
        assert_eq!(claims["email"], USER);
        assert_eq!(claims["iss"], ORIGIN);
    }

    #[test]
    fn basic_client_and_patient_mappings() {
        let mut emu = emulator(&[]);
        let body = tokens(&mut emu, &authz(BASIC).set("scope", "openid"));
        assert_eq!(body["scope"], "openid");
        assert!(body.get("patient").is_none());

        let a = authz(MAPPING).set("scope", &format!("openid {MAPPINGS}"));
        let body = tokens(&mut emu, &a);
        let claims = verify_id_token(&mut emu, &body, MAPPING);
        assert_eq!(
            claims["pim"],
            serde_json::json!([
                {"ctxt": 195900, "brnd": 1, "ptnt": 4242, "access": "SELF"},
                {"ctxt": 195900, "brnd": 2, "ptnt": 5151, "access": "SELF"},
            ])
        );
    }

    #[test]
    fn keys_are_published_with_caching() {
        let mut emu = emulator(&[]);
        for req in [
            get("/oauth2/v1/keys", &[]),
            get("/oauth2/v1/keys", &[("client_id", PUBLIC)]),
        ] {
            let r = emu.handle(ORIGIN, &req);
            assert_eq!(r.status, 200);
            assert_eq!(r.header("cache-control"), Some("max-age=3600"));
            let keys = json(&r)["keys"].as_array().cloned().unwrap_or_default();
            assert_eq!(keys.len(), 2);
            assert!(
                keys.iter()
                    .all(|k| k["kty"] == "RSA" && k["alg"] == "RS256" && k["e"] == "AQAB")
            );
        }
    }

    #[test]
    fn routing_edges() {
        let mut emu = emulator(&[]);
        let r = emu.handle(ORIGIN, &get("/nowhere", &[]));
        assert_eq!(
            (r.status, json(&r)),
            (404, serde_json::json!({"error": "not_found"}))
        );
        let r = emu.handle(ORIGIN, &get("/oauth2/v1/token", &[]));
        assert_eq!(r.status, 405);
        assert_eq!(json(&r)["errorCode"], "E0000022");
        let r = emu.handle(ORIGIN, &post("/oauth2/v1/keys", &[]));
        assert_eq!(r.status, 405);
        assert!(!emu.age_artifact("nothing", 10));
        assert_eq!(emu.vendor(), "athenahealth");
    }

    #[test]
    fn browser_apps_may_call_the_api_endpoints_from_their_origin() {
        const APP: &str = APP_ORIGIN;
        let mut emu = emulator(&[]);
        let smart = format!("{FHIR}/.well-known/smart-configuration");
        let resource = format!("{FHIR}/Patient/{PATIENT}");
        assert_preflights_allowed(
            &mut emu,
            &[
                ("/.well-known/openid-configuration", "GET"),
                ("/.well-known/oauth-authorization-server", "GET"),
                (TOKEN_PATH, "POST"),
                ("/oauth2/v1/userinfo", "GET"),
                (KEYS_PATH, "GET"),
                (smart.as_str(), "GET"),
                (resource.as_str(), "GET"),
            ],
        );
        // A method the endpoint does not take is not allowed.
        assert_preflight_refused(&mut emu, TOKEN_PATH, "GET");
        // Pages a browser navigates to take no part in CORS.
        for path in [AUTHORIZE_PATH, "/consent/x", "/login/x"] {
            let r = emu.handle(ORIGIN, &preflight(path, "GET"));
            assert!(r.status >= 400, "{path}: {}", r.status);
            assert_eq!(r.header("access-control-allow-origin"), None, "{path}");
        }

        // Answers, errors included, are readable by the calling origin.
        let at = s(&public_tokens(&mut emu)["access_token"]);
        let from_app = |req: EmuRequest| with_header(req, "origin", APP);
        let fhir = with_header(
            with_bearer(get(&resource, &[]), &at),
            "accept",
            "application/json",
        );
        for (case, req) in [
            ("keys", from_app(get(KEYS_PATH, &[("client_id", PUBLIC)]))),
            ("a FHIR read", from_app(fhir)),
            ("a FHIR 401", from_app(get(&resource, &[]))),
            (
                "a token error",
                from_app(post(TOKEN_PATH, &[("client_id", PUBLIC)])),
            ),
        ] {
            let r = emu.handle(ORIGIN, &req);
            assert_eq!(r.header("access-control-allow-origin"), Some(APP), "{case}");
            assert_eq!(r.header("vary"), Some("Origin"), "{case}");
        }
        let r = emu.handle(ORIGIN, &get(KEYS_PATH, &[]));
        assert_eq!(r.header("access-control-allow-origin"), None);
    }

    #[test]
    fn garbage_never_panics() {
        Garbage {
            paths: &[
                AUTHORIZE_PATH,
                TOKEN_PATH,
                INTROSPECT_PATH,
                REVOKE_PATH,
                "/oauth2/v1/logout",
                "/login/x",
                "/consent/x",
                "/v1/195900/1/1/fhir/dstu2/Patient/1",
                "/v1/195900/1/1/fhir/dstu2/",
                "/v1/195900/1/1/fhir/dstu2/metadata",
                "/v1/195900/1/1/fhir/dstu2/.well-known/smart-configuration",
                "/.well-known/openid-configuration",
                "/oauth2/v1/userinfo",
            ],
            methods: &["GET", "POST", "DELETE", "OPTIONS", "get"],
            bodies: &[b"\xff\xfe\x00", b"%%%&&==", b"code=%ZZ&grant_type", b""],
            header_sets: &[
                &[
                    ("authorization", "Basic \u{1F600}"),
                    ("cookie", "sid"),
                    ("accept", ""),
                ],
                &[
                    ("origin", "\u{1F600}"),
                    ("access-control-request-method", ""),
                    ("authorization", "Bearer"),
                ],
            ],
            raw_query: "%ZZ=%&scope=%FF&aud=%7B&client_id",
        }
        .assert_answered(&mut emulator(&[]));
    }

    #[tokio::test]
    async fn serves_over_http_with_the_aud_as_sent() {
        use crate::emulators::server::EmulatorServer;
        use crate::emulators::server::tests::raw_http;
        use crate::emulators::{ClientAuth, ClientRegistration, Tenant};

        let tenant = Tenant {
            tenant_id: String::new(),
            clients: vec![ClientRegistration {
                client_id: "app".into(),
                secret: None,
                auth: ClientAuth::None,
                redirect_uris: vec!["https://app.example/cb".into()],
                post_logout_redirect_uris: vec![],
                permitted_scopes: vec![],
                grant_types: vec![],
                jwks: None,
            }],
            users: vec![],
            fhir_base_path: "/v1/1/1/1/fhir/dstu2".into(),
            without: vec![],
            sign_in: Default::default(),
        };
        let server = EmulatorServer::start(Box::new(Athenahealth::new(tenant, vec![]))).await;
        let uri = server.uri();
        let keys = raw_http(
            &uri,
            "GET /oauth2/v1/keys?client_id=app HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(keys.starts_with("HTTP/1.1 200"), "{keys}");
        assert!(keys.contains("content-type: application/json"), "{keys}");
        assert!(keys.contains("cache-control: max-age=3600"), "{keys}");
        assert!(keys.contains("\"kty\":\"RSA\""), "{keys}");

        // The double-encoded aud reaches the emulator still double-encoded.
        let query = "client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&response_type=code&state=s&scope=openid\
                     &aud=%257B%2522PRACTICEID%2522%253A%25221%2522%257D";
        let request = format!(
            "GET /oauth2/v1/authorize?{query} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        );
        let response = raw_http(&uri, &request).await;
        assert!(response.starts_with("HTTP/1.1 500"), "{response}");
        assert!(response.contains("error in workflowHandler"), "{response}");
    }
}
