//! Metadata: the OpenID configuration (OIDC Discovery §3, served unchanged as RFC 8414
//! authorization server metadata), the SMART configuration (SMART App Launch v2 §2.1)
//! and the FHIR CapabilityStatement with its oauth-uris extension (SMART-12).

use serde_json::{Value, json};

use super::client_assertion::SIGNING_ALGS;
use super::scopes::SPECIAL;
use super::{Fault, Part, Reference, paths};
use crate::emulators::EmuResponse;

const OAUTH_URIS: &str = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

/// The special scopes this server knows, then the resource scope examples.
fn scopes_supported() -> Vec<&'static str> {
    SPECIAL.iter().chain(RESOURCE_EXAMPLES).copied().collect()
}

const CAPABILITIES: &[&str] = &[
    "launch-standalone",
    "client-public",
    "client-confidential-symmetric",
    "client-confidential-asymmetric",
    "context-standalone-patient",
    "permission-patient",
    "permission-offline",
    "permission-v1",
    "permission-v2",
    "sso-openid-connect",
];

/// Resource scopes advertised as examples of what is granted (after the special
/// scopes); any valid SMART scope is.
const RESOURCE_EXAMPLES: &[&str] = &[
    "patient/*.cruds",
    "patient/*.rs",
    "patient/*.read",
    "patient/*.write",
    "user/*.cruds",
    "user/*.read",
    "system/*.cruds",
    "system/*.read",
];

const AUTH_METHODS: &[&str] = &[
    "client_secret_basic",
    "client_secret_post",
    "private_key_jwt",
    "none",
];

impl Reference {
    /// The client authentication methods of the token and revocation endpoints, and
    /// the assertion algorithms: `private_key_jwt` with
    /// `token_endpoint_auth_signing_alg_values_supported` (RFC 8414 §2, SMART
    /// client-confidential-asymmetric), unless the fault hides them.
    fn advertise_auth_methods(&self, doc: &mut Value) {
        let Some(members) = doc.as_object_mut() else {
            return;
        };
        let methods: Vec<&str> = AUTH_METHODS
            .iter()
            .copied()
            .filter(|m| *m != "private_key_jwt" || !self.on(Fault::DiscoveryOmitsJwtAuth))
            .collect();
        for key in [
            "token_endpoint_auth_methods_supported",
            "revocation_endpoint_auth_methods_supported",
        ] {
            if members.contains_key(key) {
                members.insert(key.into(), json!(methods));
            }
        }
        if self.on(Fault::DiscoveryOmitsJwtAuth) {
            if let Some(Value::Array(caps)) = members.get_mut("capabilities") {
                caps.retain(|c| c != "client-confidential-asymmetric");
            }
        } else {
            for key in [
                "token_endpoint_auth_signing_alg_values_supported",
                "revocation_endpoint_auth_signing_alg_values_supported",
            ] {
                let endpoint = key.replace("_signing_alg_values_supported", "_methods_supported");
                if members.contains_key(&endpoint) {
                    members.insert(key.into(), json!(SIGNING_ALGS));
                }
            }
        }
    }

    fn pkce_methods(&self) -> Vec<&'static str> {
        if self.on(Fault::DiscoveryAdvertisesPlainPkce) {
            vec!["S256", "plain"]
        } else {
            vec!["S256"]
        }
    }

    /// The OpenID Provider / authorization server metadata.
    pub(super) fn openid_configuration(&self, origin: &str) -> EmuResponse {
        let issuer = if self.on(Fault::DiscoveryIssuerMismatch) {
            format!("{origin}/")
        } else {
            origin.to_string()
        };
        let (response_types, grant_types) = if self.on(Fault::DiscoveryOffersImplicit) {
            (
                vec!["code", "token"],
                vec![
                    "authorization_code",
                    "refresh_token",
                    "client_credentials",
                    "implicit",
                    "password",
                ],
            )
        } else {
            (
                vec!["code"],
                vec!["authorization_code", "refresh_token", "client_credentials"],
            )
        };
        let mut doc = json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{origin}{}", paths::AUTHORIZE),
            "token_endpoint": format!("{origin}{}", paths::TOKEN),
            "userinfo_endpoint": format!("{origin}{}", paths::USERINFO),
            "jwks_uri": format!("{origin}{}", paths::JWKS),
            "introspection_endpoint": format!("{origin}{}", paths::INTROSPECT),
            "revocation_endpoint": format!("{origin}{}", paths::REVOKE),
            "scopes_supported": scopes_supported(),
            "response_types_supported": response_types,
            "response_modes_supported": ["query"],
            "grant_types_supported": grant_types,
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
            "code_challenge_methods_supported": self.pkce_methods(),
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "fhirUser"],
            "authorization_response_iss_parameter_supported": true,
        });
        if self.on(Fault::DiscoveryMissingRequired)
            && let Some(members) = doc.as_object_mut()
        {
            members.remove("subject_types_supported");
        }
        if let Some(members) = doc.as_object_mut() {
            if self.on(Fault::DiscoveryOmitsPkceMethods) {
                members.remove("code_challenge_methods_supported");
            } else if self.on(Fault::DiscoveryListsNoPkceMethods) {
                members.insert("code_challenge_methods_supported".into(), json!([]));
            }
        }
        self.advertise_auth_methods(&mut doc);
        self.leave_out_absent_parts(&mut doc);
        EmuResponse::json(200, &doc)
    }

    /// Without OpenID Connect or introspection, the metadata does not name them.
    fn leave_out_absent_parts(&self, doc: &mut Value) {
        let Some(members) = doc.as_object_mut() else {
            return;
        };
        if !self.offers(Part::Openid) {
            for k in [
                "userinfo_endpoint",
                "jwks_uri",
                "subject_types_supported",
                "id_token_signing_alg_values_supported",
                "claims_supported",
            ] {
                members.remove(k);
            }
            if let Some(Value::Array(scopes)) = members.get_mut("scopes_supported") {
                scopes.retain(|s| s != "openid" && s != "profile" && s != "fhirUser");
            }
        }
        if !self.offers(Part::Introspection) {
            members.remove("introspection_endpoint");
            members.remove("introspection_endpoint_auth_methods_supported");
        }
    }

    /// `{fhir}/.well-known/smart-configuration`.
    pub(super) fn smart_configuration(&self, origin: &str) -> EmuResponse {
        let mut doc = json!({
            "issuer": origin,
            "jwks_uri": format!("{origin}{}", paths::JWKS),
            "authorization_endpoint": format!("{origin}{}", paths::AUTHORIZE),
            "token_endpoint": format!("{origin}{}", paths::TOKEN),
            "userinfo_endpoint": format!("{origin}{}", paths::USERINFO),
            "introspection_endpoint": format!("{origin}{}", paths::INTROSPECT),
            "revocation_endpoint": format!("{origin}{}", paths::REVOKE),
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "scopes_supported": scopes_supported(),
            "response_types_supported": ["code"],
            "capabilities": CAPABILITIES,
            "code_challenge_methods_supported": self.pkce_methods(),
        });
        if self.on(Fault::SmartConfigIncomplete)
            && let Some(members) = doc.as_object_mut()
        {
            members.remove("capabilities");
        }
        if self.on(Fault::SmartConfigLacksPermissionV2)
            && let Some(Value::Array(caps)) = doc.get_mut("capabilities")
        {
            caps.retain(|c| c != "permission-v2");
        }
        self.advertise_auth_methods(&mut doc);
        self.leave_out_absent_parts(&mut doc);
        EmuResponse::json(200, &doc)
    }

    /// `{fhir}/metadata`: a FHIR R4 CapabilityStatement naming the OAuth endpoints.
    pub(super) fn capability_statement(&self, origin: &str) -> EmuResponse {
        let uri =
            |name: &str, path: &str| json!({ "url": name, "valueUri": format!("{origin}{path}") });
        let mut security = json!({
            "service": [{
                "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                    "code": "SMART-on-FHIR",
                }],
            }],
        });
        if !self.on(Fault::CapabilityStatementNoOauthUris)
            && let Some(members) = security.as_object_mut()
        {
            let extension = json!([{
                "url": OAUTH_URIS,
                "extension": [
                    uri("authorize", paths::AUTHORIZE),
                    uri("token", paths::TOKEN),
                    uri("introspect", paths::INTROSPECT),
                    uri("revoke", paths::REVOKE),
                ],
            }]);
            members.insert("extension".into(), extension);
        }
        let doc: Value = json!({
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": "2025-01-01",
            "kind": "instance",
            "software": { "name": "grantcheck reference server" },
            "implementation": {
                "description": "grantcheck reference FHIR endpoint",
                "url": format!("{origin}{}", self.base.tenant.fhir_base_path),
            },
            "fhirVersion": "4.0.1",
            "format": ["json"],
            "rest": [{
                "mode": "server",
                "security": security,
            }],
        });
        EmuResponse::new(200)
            .with_header("content-type", "application/fhir+json")
            .with_body(doc.to_string().into_bytes())
    }
}
