//! Oracle Health (Cerner Millennium): the tenant-scoped SMART v1 authorization server
//! (authorization.cerner.com) and the tenant's FHIR R4 server (fhir-ehr.cerner.com),
//! played on one origin.
//!
//! Each endpoint lives in its own module as an `impl OracleHealth` block; this module
//! routes requests and owns the state. Token errors carry no description: the cause is
//! the URN inside `error_uri` (see `urn`), and every response has a correlation id.

mod authorize;
mod client_auth;
mod discovery;
mod faults;
mod fhir;
mod grants;
mod ids;
mod introspect;
mod login;
mod pages;
mod paths;
mod responses;
mod revoke;
mod scopes;
mod signing;
mod store;
mod token;
mod urn;

#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod test_support;

pub use faults::{FAULTS, Fault};

use super::engine::{Base, cors, param};
use super::{EmuRequest, EmuResponse, Emulator};
use paths::TenantRoute;
use responses::CORRELATION_HEADER;
use signing::Keys;
use store::Store;

/// The Oracle Health emulator: one tenant, its fault switches, a virtual clock and the
/// in-flight state of every flow (kept per transaction, code and token, so that
/// concurrent scenarios sharing one server stay independent).
pub struct OracleHealth {
    base: Base<Fault>,
    store: Store,
    keys: Keys,
}

on_the_engine!(OracleHealth);

impl OracleHealth {
    /// The methods a browser app may call `path` with from another origin.
    ///
    /// Documented: token responses carry `Access-Control-Allow-Origin: *` (CER-16), which
    /// that answer keeps. Emulator choices: a browser SMART app also reads the SMART
    /// configuration, the issuer's OpenID configuration and `/jwk`, revokes its token and
    /// calls the FHIR API from its own origin, so those answer CORS for any origin too;
    /// the authorize and sign-in pages are navigations and take no part.
    fn cors_methods(&self, path: &str) -> Option<&'static str> {
        if let Some(route) = paths::tenant_route(path) {
            return match route {
                TenantRoute::Token { .. } | TenantRoute::Revoke { .. } => Some("POST"),
                TenantRoute::OpenidConfiguration { .. } => Some("GET"),
                _ => None,
            };
        }
        if path == "/jwk" || path.ends_with("/.well-known/smart-configuration") {
            return Some("GET");
        }
        self.fhir_rest(path)
            .map(|_| "GET, POST, PUT, PATCH, DELETE")
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
        if let Some(route) = paths::tenant_route(path) {
            return self.tenant_endpoint(origin, route, req, &method);
        }
        if let Some((encoded_urn, instance)) = paths::error_page_route(path) {
            let full = urn::decode(encoded_urn);
            return match (get, full.starts_with("urn:cerner:error:")) {
                (true, true) => pages::error_instance_page(&full, &urn::decode(instance)),
                (false, true) => responses::method_not_allowed("GET"),
                _ => responses::not_found(),
            };
        }
        if let Some(base) = path.strip_suffix("/.well-known/smart-configuration") {
            // Served per tenant under the FHIR base only; the bare host root fails upstream.
            return if base.is_empty() {
                responses::bad_gateway()
            } else if base != self.base.tenant.fhir_base_path {
                responses::not_found()
            } else if get {
                self.smart_configuration(origin)
            } else {
                responses::method_not_allowed("GET")
            };
        }
        if let Some(rest) = self.fhir_rest(path) {
            return self.fhir(origin, rest, req);
        }
        match path {
            "/tokeninfo" if get || post => self.tokeninfo(req),
            "/tokeninfo" => responses::method_not_allowed("GET, POST"),
            "/jwk" if get => self.jwk_response(),
            "/jwk" => responses::method_not_allowed("GET"),
            _ => responses::not_found(),
        }
    }

    fn tenant_endpoint(
        &mut self,
        origin: &str,
        route: TenantRoute,
        req: &EmuRequest,
        method: &str,
    ) -> EmuResponse {
        let (get, post) = (method == "GET", method == "POST");
        match route {
            TenantRoute::Token { tenant } if post => {
                self.token_endpoint(origin, tenant, req, Self::token)
            }
            TenantRoute::Revoke { tenant } if post => {
                self.token_endpoint(origin, tenant, req, Self::revoke)
            }
            TenantRoute::Token { .. } | TenantRoute::Revoke { .. } => {
                responses::method_not_allowed("POST")
            }
            TenantRoute::Authorize { tenant, persona } if get => {
                self.authorize(origin, tenant, persona, req)
            }
            TenantRoute::Login { txn } if get => self.login_form(txn),
            TenantRoute::Login { txn } if post => self.login_submit(txn, req),
            TenantRoute::Login { .. } => responses::method_not_allowed("GET, POST"),
            TenantRoute::Management if get => pages::management_page(),
            TenantRoute::OpenidConfiguration { tenant, idsp } if get => {
                let own = &self.base.tenant.tenant_id;
                if urn::decode(tenant) == *own && urn::decode(idsp) == *own {
                    self.openid_configuration(origin)
                } else {
                    responses::not_found()
                }
            }
            TenantRoute::Authorize { .. }
            | TenantRoute::Management
            | TenantRoute::OpenidConfiguration { .. } => responses::method_not_allowed("GET"),
        }
    }
}

impl Emulator for OracleHealth {
    fn id_token_key(&self) -> Option<crate::oauth::jws::SigningKey> {
        Some(self.keys.signer())
    }

    fn vendor(&self) -> &'static str {
        "oracle-health"
    }

    /// Every answer carries a correlation id; errors set their own, equal to the
    /// instance id of their `error_uri`.
    fn handle(&mut self, origin: &str, req: &EmuRequest) -> EmuResponse {
        let response = self.route(origin.trim_end_matches('/'), req);
        if response.header(CORRELATION_HEADER).is_some() {
            response
        } else {
            response.with_header(CORRELATION_HEADER, ids::uuid())
        }
    }

    fn age_artifact(&mut self, artifact: &str, secs: u64) -> bool {
        self.store.tokens.age(artifact, secs)
    }

    fn knows_client(&self, client_id: &str, secret: Option<&str>) -> bool {
        self.base
            .client(client_id)
            .is_some_and(|c| secret.is_none() || c.secret.as_deref() == secret)
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
    use serde_json::Value;

    use super::test_support::*;
    use super::*;

    /// Verifies an ID token against the JWKS the emulator publishes.
    fn verify_id_token(emu: &mut OracleHealth, id_token: &str, client_id: &str) -> Value {
        let jwks = json(&emu.handle(ORIGIN, &get("/jwk", &[])));
        let kid = decode_header(id_token).expect("header").kid.expect("kid");
        assert!(kid.ends_with(".rsa"), "{kid}");
        let jwk = jwks["keys"]
            .as_array()
            .and_then(|keys| keys.iter().find(|k| k["kid"] == kid.as_str()))
            .expect("kid is published");
        let key = DecodingKey::from_rsa_components(
            jwk["n"].as_str().expect("n"),
            jwk["e"].as_str().expect("e"),
        )
        .expect("jwk");
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[client_id]);
        validation.set_issuer(&[format!("{ORIGIN}/tenants/{TENANT}/oidc/idsps/{TENANT}/")]);
        decode::<Value>(id_token, &key, &validation)
            .expect("id_token verifies")
            .claims
    }

    #[test]
    fn provider_sso_happy_path() {
        let mut emu = emulator(&[]);
        let a = authz(PROVIDER).set(
            "scope",
            "openid fhirUser profile user/Patient.read user/Observation.read online_access",
        );
        let code = obtain_code(&mut emu, &a);
        let r = redeem(&mut emu, PROVIDER, &code, Some(CB));
        assert_eq!(r.status, 200, "{}", text(&r));
        assert_eq!(r.header("cache-control"), Some("no-store"));
        assert_eq!(r.header("pragma"), Some("no-cache"));
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
        assert!(r.header("cerner-correlation-id").is_some());
        let body = json(&r);
        assert_eq!(
            member_names(&body),
            [
                "access_token",
                "scope",
                "token_type",
                "expires_in",
                "id_token",
                "refresh_token",
                "need_patient_banner",
                "smart_style_url",
                "user",
                "username",
                "tenant"
            ]
        );
        assert_eq!(
            body["scope"],
            "openid fhirUser profile user/Patient.read user/Observation.read online_access"
        );
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 570);
        assert_eq!(body["need_patient_banner"], false);
        assert_eq!(
            body["smart_style_url"],
            "https://smart.cerner.com/styles/smart-v1.json"
        );
        assert_eq!(body["username"], USER);
        assert_eq!(body["tenant"], TENANT);
        let claims = verify_id_token(&mut emu, body["id_token"].as_str().unwrap_or(""), PROVIDER);
        assert_eq!(claims["sub"], body["user"]);
        assert_eq!(claims["nonce"], NONCE);
        let fhir_user = format!("{AUD}/Practitioner/{}", body["user"].as_str().unwrap_or(""));
        assert_eq!(claims["fhirUser"], fhir_user);
        assert_eq!(claims["profile"], fhir_user);
    }

    #[test]
    fn public_patient_app_with_pkce() {
        let mut emu = emulator(&[]);
        let a = authz(PUBLIC)
            .with_persona("patient")
            .set(
                "scope",
                "openid fhirUser launch/patient patient/Patient.read offline_access",
            )
            .set("code_challenge", CHALLENGE)
            .set("code_challenge_method", "S256");
        let code = obtain_code(&mut emu, &a);
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CB),
            ("client_id", PUBLIC),
            ("code_verifier", VERIFIER),
        ];
        let r = emu.handle(ORIGIN, &post(&token_path(TENANT), &form));
        assert_eq!(r.status, 200, "{}", text(&r));
        let body = json(&r);
        assert_eq!(body["patient"], PATIENT);
        assert_eq!(body["need_patient_banner"], true);
        // offline_access is not approved for this app: dropped, so no refresh token.
        assert_eq!(
            body["scope"],
            "openid fhirUser launch/patient patient/Patient.read"
        );
        assert!(body.get("refresh_token").is_none());
        let claims = verify_id_token(&mut emu, body["id_token"].as_str().unwrap_or(""), PUBLIC);
        assert_eq!(claims["fhirUser"], format!("{AUD}/Patient/{PATIENT}"));
    }

    #[test]
    fn keys_and_routing_edges() {
        let mut emu = emulator(&[]);
        let r = emu.handle(ORIGIN, &get("/jwk", &[]));
        assert_eq!(r.status, 200);
        let keys = json(&r)["keys"].as_array().cloned().unwrap_or_default();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0]["kid"], "2026-01-01T00:00:00.000.rsa");
        assert_eq!(keys[0]["alg"], "RS256");
        assert_eq!(keys[0]["kty"], "RSA");
        assert_eq!(emu.handle(ORIGIN, &get("/nowhere", &[])).status, 404);
        assert_eq!(
            emu.handle(ORIGIN, &get(&token_path(TENANT), &[])).status,
            405
        );
        assert_eq!(emu.handle(ORIGIN, &post("/jwk", &[])).status, 405);
        let r = emu.handle(
            ORIGIN,
            &get(
                &format!("/tenants/{TENANT}/personas/provider/my-authorizations"),
                &[],
            ),
        );
        assert_eq!(r.status, 200);
        assert!(!emu.age_artifact("nothing", 10));
        assert_eq!(emu.vendor(), "oracle-health");
    }

    #[test]
    fn error_uri_pages_name_their_urn() {
        let mut emu = emulator(&[]);
        let r = system_token(&mut emu, TENANT, "system/Immunization.read");
        let uri = json(&r)["error_uri"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let path = uri.trim_start_matches(ORIGIN);
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let page = emu.handle(ORIGIN, &get_raw(path, query));
        assert_eq!(page.status, 200);
        let html = text(&page);
        assert!(html.contains("<title>The resulting token contains no scopes"));
        assert!(html.contains("urn:cerner:error:authorization-server:oauth2:token:empty-scopes"));
        let r = emu.handle(ORIGIN, &get("/errors/not-a-urn/instances/x", &[]));
        assert_eq!(r.status, 404);
    }

    #[test]
    fn every_response_has_a_fresh_correlation_id() {
        let mut emu = emulator(&[]);
        let a = emu.handle(ORIGIN, &get("/nowhere", &[]));
        let b = emu.handle(
            ORIGIN,
            &get(&format!("{FHIR}/.well-known/smart-configuration"), &[]),
        );
        let (a, b) = (
            a.header("cerner-correlation-id"),
            b.header("cerner-correlation-id"),
        );
        assert!(a.is_some() && b.is_some() && a != b);
    }

    #[test]
    fn browser_apps_may_call_discovery_token_and_fhir_from_their_origin() {
        const APP: &str = APP_ORIGIN;
        let mut emu = emulator(&[]);
        let smart = format!("{FHIR}/.well-known/smart-configuration");
        let patient = format!("{FHIR}/Patient/{PATIENT}");
        let openid =
            format!("/tenants/{TENANT}/oidc/idsps/{TENANT}/.well-known/openid-configuration");
        assert_preflights_allowed(
            &mut emu,
            &[
                (smart.as_str(), "GET"),
                (token_path(TENANT).as_str(), "POST"),
                (hosted_token_path(TENANT).as_str(), "POST"),
                (revoke_path(TENANT).as_str(), "POST"),
                (patient.as_str(), "GET"),
                (openid.as_str(), "GET"),
                ("/jwk", "GET"),
            ],
        );
        assert_preflight_refused(&mut emu, &token_path(TENANT), "GET");
        // The sign-in pages are navigations, never CORS.
        let r = emu.handle(
            ORIGIN,
            &preflight(&authorize_path(TENANT, "patient"), "GET"),
        );
        assert_eq!(r.header("access-control-allow-origin"), None);

        // A public app's whole browser round: token, refresh, FHIR, each readable.
        let a = authz(PUBLIC)
            .with_persona("patient")
            .set("scope", "launch/patient patient/Patient.read online_access");
        let code = obtain_code(&mut emu, &a);
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", CB),
            ("client_id", PUBLIC),
        ];
        let from_app = |req: EmuRequest| with_header(req, "origin", APP);
        let r = emu.handle(ORIGIN, &from_app(post(&token_path(TENANT), &form)));
        assert_eq!(r.status, 200, "{}", text(&r));
        // The documented wildcard stays the only Allow-Origin of a token success.
        let allowed = r
            .headers
            .iter()
            .filter(|(k, _)| k == "access-control-allow-origin");
        assert_eq!(allowed.count(), 1);
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
        let body = json(&r);
        let form = [
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                body["refresh_token"].as_str().unwrap_or(""),
            ),
        ];
        let r = emu.handle(ORIGIN, &from_app(post(&token_path(TENANT), &form)));
        assert_eq!(r.status, 200, "{}", text(&r));
        let at = body["access_token"].as_str().unwrap_or("").to_string();
        for (case, req) in [
            ("smart configuration", from_app(get(&smart, &[]))),
            (
                "a FHIR read",
                from_app(with_bearer(get(&patient, &[]), &at)),
            ),
            ("a FHIR 401", from_app(get(&patient, &[]))),
            (
                "a token error",
                from_app(post(&token_path(TENANT), &[("client_id", PUBLIC)])),
            ),
        ] {
            let r = emu.handle(ORIGIN, &req);
            assert_eq!(r.header("access-control-allow-origin"), Some(APP), "{case}");
            assert_eq!(r.header("vary"), Some("Origin"), "{case}");
            assert_eq!(
                r.header("access-control-expose-headers"),
                Some("WWW-Authenticate"),
                "{case}"
            );
        }
        let r = emu.handle(ORIGIN, &get(&smart, &[]));
        assert_eq!(r.header("access-control-allow-origin"), None);
    }

    #[test]
    fn garbage_never_panics() {
        let mut emu = emulator(&[]);
        let bodies: [&[u8]; 4] = [
            b"\xff\xfe\x00",
            b"%%%&&==",
            b"code=%ZZ&grant_type=authorization_code",
            b"",
        ];
        let paths = [
            token_path(TENANT),
            hosted_token_path("%ZZ"),
            revoke_path(TENANT),
            authorize_path(TENANT, "provider"),
            authorize_path("%FF", "patient"),
            format!("/tenants/{TENANT}/login/x"),
            format!("/tenants/{TENANT}/oidc/idsps/%/.well-known/openid-configuration"),
            "/tokeninfo".to_string(),
            "/errors/urn%3Acerner%3Aerror%3A%FF/instances/%ZZ".to_string(),
            format!("{FHIR}/Patient/1"),
            format!("{FHIR}/"),
            "/r4//.well-known/smart-configuration".to_string(),
            "/tenants/".to_string(),
        ];
        for path in &paths {
            for method in ["GET", "POST", "DELETE", "OPTIONS", "get"] {
                for body in bodies {
                    for auth in ["Basic \u{1F600}", "Bearer a.\u{1F600}.c", "Basic", ""] {
                        let req = EmuRequest {
                            method: method.into(),
                            path: path.clone(),
                            raw_query: Some(
                                "%ZZ=%&scope=%FF&aud=%7B&client_id&redirect_uri=%".into(),
                            ),
                            headers: vec![("authorization".into(), auth.into())],
                            body: body.to_vec(),
                        };
                        let r = emu.handle(ORIGIN, &req);
                        assert!((200..600).contains(&r.status));
                    }
                }
            }
        }
    }
}
