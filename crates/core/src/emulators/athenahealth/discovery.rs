//! Discovery: the org authorization server's metadata (`/.well-known/openid-configuration`
//! and `/.well-known/oauth-authorization-server`), and, under the FHIR base, the SMART
//! configuration and the DSTU2 Conformance statement, both public.
//!
//! Okta documents both metadata documents for its org authorization server, with the
//! org's origin as the issuer (which the emulator's ID tokens carry). athenahealth's
//! guide (ATH-01) lists them among the endpoints that "are not guaranteed to contain
//! accurate or complete information": the emulator therefore publishes only what it
//! serves, not the whole of Okta's list (no implicit or hybrid response types, no
//! `request` objects, no device or CIBA endpoints).
//!
//! The SMART configuration and the Conformance statement are the emulator's: athenahealth
//! documents neither. Their members follow SMART App Launch v2 §2.0.x (SMART-03) and the
//! oauth-uris extension (SMART-12), and name only what the emulator does: standalone
//! patient launch, public and client-secret clients, v1 `.read` scopes, refresh tokens
//! with `offline_access`, and OpenID Connect sign-in.

use serde_json::{Value, json};

use super::{Athenahealth, scopes};
use crate::emulators::EmuResponse;
use crate::vendors::athenahealth::{DEFAULT_SCOPES, FHIR_RESOURCES};

pub(super) const OPENID_CONFIGURATION: &str = "/.well-known/openid-configuration";
pub(super) const OAUTH_METADATA: &str = "/.well-known/oauth-authorization-server";
/// Under the FHIR base.
pub(super) const SMART_CONFIGURATION: &str = "/.well-known/smart-configuration";
/// Under the FHIR base.
pub(super) const METADATA: &str = "/metadata";

pub(super) const AUTHORIZE: &str = "/oauth2/v1/authorize";
pub(super) const TOKEN: &str = "/oauth2/v1/token";
pub(super) const USERINFO: &str = "/oauth2/v1/userinfo";
pub(super) const KEYS: &str = "/oauth2/v1/keys";
pub(super) const INTROSPECT: &str = "/oauth2/v1/introspect";
pub(super) const REVOKE: &str = "/oauth2/v1/revoke";
pub(super) const LOGOUT: &str = "/oauth2/v1/logout";

const OAUTH_URIS: &str = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

/// The token endpoint's methods, as the client registrations know them.
const AUTH_METHODS: [&str; 3] = ["client_secret_basic", "client_secret_post", "none"];
/// `/introspect` and `/revoke` take the same client authentication as `/token`.
const GRANT_TYPES: [&str; 2] = ["authorization_code", "refresh_token"];

/// What the SMART configuration claims, each backed by a flow the emulator serves.
const CAPABILITIES: [&str; 8] = [
    "launch-standalone",
    "client-public",
    "client-confidential-symmetric",
    "context-standalone-patient",
    "permission-patient",
    "permission-offline",
    "permission-v1",
    "sso-openid-connect",
];

/// The scopes every app may request (ATH-04): not the whitelist-only PatientMappings
/// scope, nor the wildcard no app is permitted.
fn scopes_supported() -> Vec<String> {
    DEFAULT_SCOPES
        .iter()
        .map(|s| s.to_string())
        .chain(FHIR_RESOURCES.iter().map(|r| scopes::resource_scope(r)))
        .collect()
}

impl Athenahealth {
    /// The OpenID Provider metadata; served unchanged as RFC 8414 metadata too.
    pub(super) fn server_metadata(&self, origin: &str) -> EmuResponse {
        let at = |path: &str| format!("{origin}{path}");
        let doc = json!({
            "issuer": origin,
            "authorization_endpoint": at(AUTHORIZE),
            "token_endpoint": at(TOKEN),
            "userinfo_endpoint": at(USERINFO),
            "jwks_uri": at(KEYS),
            "introspection_endpoint": at(INTROSPECT),
            "revocation_endpoint": at(REVOKE),
            "end_session_endpoint": at(LOGOUT),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": GRANT_TYPES,
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": scopes_supported(),
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
            "claims_supported": [
                "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce",
                "preferred_username", "email", "pim",
            ],
            "code_challenge_methods_supported": ["S256"],
            // Okta's own document says true; the emulator reads no `request` object.
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
        });
        EmuResponse::json(200, &doc)
    }

    /// `{fhir}/.well-known/smart-configuration` (SMART App Launch v2 §2.0.x).
    pub(super) fn smart_configuration(&self, origin: &str) -> EmuResponse {
        let at = |path: &str| format!("{origin}{path}");
        let doc = json!({
            "issuer": origin,
            "jwks_uri": at(KEYS),
            "authorization_endpoint": at(AUTHORIZE),
            "token_endpoint": at(TOKEN),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "grant_types_supported": GRANT_TYPES,
            "scopes_supported": scopes_supported(),
            "response_types_supported": ["code"],
            "introspection_endpoint": at(INTROSPECT),
            "revocation_endpoint": at(REVOKE),
            "capabilities": CAPABILITIES,
            "code_challenge_methods_supported": ["S256"],
        });
        EmuResponse::json(200, &doc)
    }

    /// `{fhir}/metadata`: a DSTU2 `Conformance` (the resource STU3 renamed
    /// CapabilityStatement) whose security names the OAuth endpoints (SMART-12).
    pub(super) fn conformance(&self, origin: &str) -> Value {
        let uri =
            |name: &str, path: &str| json!({ "url": name, "valueUri": format!("{origin}{path}") });
        json!({
            "resourceType": "Conformance",
            "status": "active",
            "date": "2021-05-10",
            "kind": "instance",
            "software": { "name": "grantcheck athenahealth emulator" },
            "implementation": {
                "description": "athenahealth FHIR DSTU2 (emulated)",
                "url": format!("{origin}{}", self.base.tenant.fhir_base_path.trim_end_matches('/')),
            },
            "fhirVersion": "1.0.2",
            "acceptUnknown": "no",
            "format": ["json"],
            "rest": [{
                "mode": "server",
                "security": {
                    "service": [{
                        "coding": [{
                            "system": "http://hl7.org/fhir/restful-security-service",
                            "code": "SMART-on-FHIR",
                        }],
                    }],
                    "extension": [{
                        "url": OAUTH_URIS,
                        "extension": [
                            uri("authorize", AUTHORIZE),
                            uri("token", TOKEN),
                            uri("introspect", INTROSPECT),
                            uri("revoke", REVOKE),
                        ],
                    }],
                },
                "resource": FHIR_RESOURCES
                    .iter()
                    .map(|r| json!({ "type": r, "interaction": [{ "code": "read" }, { "code": "search-type" }] }))
                    .collect::<Vec<_>>(),
            }],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::emulators::Emulator;
    use crate::vendors::athenahealth::PATIENT_MAPPINGS;

    /// Every endpoint a metadata document names answers something other than 404.
    fn assert_served(emu: &mut Athenahealth, doc: &Value) {
        for (member, value) in doc.as_object().into_iter().flatten() {
            let Some(url) = value
                .as_str()
                .filter(|_| member.ends_with("_endpoint") || member == "jwks_uri")
            else {
                continue;
            };
            let path = url.strip_prefix(ORIGIN).expect("on the emulator's origin");
            let method = if [TOKEN, INTROSPECT, REVOKE].contains(&path) {
                "POST"
            } else {
                "GET"
            };
            let mut req = get(path, &[]);
            req.method = method.into();
            let r = emu.handle(ORIGIN, &req);
            assert_ne!(r.status, 404, "{member}: {path}");
        }
    }

    #[test]
    fn both_metadata_documents_describe_the_emulator() {
        let mut emu = emulator(&[]);
        let openid = send(&mut emu, get(OPENID_CONFIGURATION, &[]));
        let oauth = send(&mut emu, get(OAUTH_METADATA, &[("client_id", PUBLIC)]));
        assert_eq!((openid.status, oauth.status), (200, 200));
        assert_eq!(openid.header("content-type"), Some("application/json"));
        let doc = json(&openid);
        assert_eq!(doc, json(&oauth));
        assert_eq!(doc["issuer"], ORIGIN);
        assert_eq!(
            doc["authorization_endpoint"],
            format!("{ORIGIN}{AUTHORIZE}")
        );
        assert_eq!(doc["userinfo_endpoint"], format!("{ORIGIN}{USERINFO}"));
        assert_eq!(doc["end_session_endpoint"], format!("{ORIGIN}{LOGOUT}"));
        assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(
            doc["id_token_signing_alg_values_supported"],
            json!(["RS256"])
        );
        assert_eq!(doc["response_types_supported"], json!(["code"]));
        assert_eq!(
            doc["grant_types_supported"],
            json!(["authorization_code", "refresh_token"])
        );
        assert_eq!(doc["request_parameter_supported"], false);
        let scopes = doc["scopes_supported"].to_string();
        assert!(scopes.contains("\"openid\"") && scopes.contains("patient/Observation.read"));
        assert!(!scopes.contains(PATIENT_MAPPINGS) && !scopes.contains("patient/*.read"));
        assert_served(&mut emu, &doc);
        let r = send(&mut emu, post(OPENID_CONFIGURATION, &[]));
        assert_eq!(r.status, 405);
    }

    #[test]
    fn smart_configuration_and_conformance_need_no_token() {
        let mut emu = emulator(&[]);
        let r = send(&mut emu, get(&format!("{FHIR}{SMART_CONFIGURATION}"), &[]));
        assert_eq!(r.status, 200, "{}", text(&r));
        let doc = json(&r);
        for member in [
            "authorization_endpoint",
            "token_endpoint",
            "capabilities",
            "grant_types_supported",
        ] {
            assert!(!doc[member].is_null(), "{member}");
        }
        assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
        let caps = doc["capabilities"].to_string();
        for cap in [
            "launch-standalone",
            "client-public",
            "context-standalone-patient",
            "sso-openid-connect",
        ] {
            assert!(caps.contains(cap), "{cap}");
        }
        for absent in [
            "launch-ehr",
            "permission-v2",
            "client-confidential-asymmetric",
            "plain",
        ] {
            assert!(!caps.contains(absent), "{absent}");
        }
        assert_eq!(doc["issuer"], ORIGIN);
        assert_served(&mut emu, &doc);

        let r = send(&mut emu, get(&format!("{FHIR}{METADATA}"), &[]));
        assert_eq!(r.status, 200, "{}", text(&r));
        assert_eq!(
            r.header("content-type"),
            Some("application/json+fhir; charset=utf-8")
        );
        let conformance = json(&r);
        assert_eq!(conformance["resourceType"], "Conformance");
        assert_eq!(conformance["fhirVersion"], "1.0.2");
        let oauth = &conformance["rest"][0]["security"]["extension"][0];
        assert_eq!(oauth["url"], OAUTH_URIS);
        let uri_of = |name: &str| {
            oauth["extension"]
                .as_array()
                .and_then(|a| a.iter().find(|e| e["url"] == name))
                .map(|e| e["valueUri"].clone())
        };
        assert_eq!(
            uri_of("authorize"),
            Some(json!(format!("{ORIGIN}{AUTHORIZE}")))
        );
        assert_eq!(uri_of("token"), Some(json!(format!("{ORIGIN}{TOKEN}"))));

        // The FHIR API's own rules still hold for metadata: DSTU2 JSON only, GET only.
        let fhir_json = with_header(
            get(&format!("{FHIR}{METADATA}"), &[]),
            "accept",
            "application/fhir+json",
        );
        assert_eq!(send(&mut emu, fhir_json).status, 406);
        let r = send(&mut emu, post(&format!("{FHIR}{SMART_CONFIGURATION}"), &[]));
        assert_eq!(r.status, 405);
        // Resources still need a token.
        let r = send(&mut emu, get(&format!("{FHIR}/Patient/{PATIENT}"), &[]));
        assert_eq!(r.status, 401);
    }
}
