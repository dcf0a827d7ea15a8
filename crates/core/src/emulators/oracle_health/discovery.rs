//! The tenant's `.well-known/smart-configuration` (the 2024 document's shape: no
//! `issuer`, no PKCE methods) and the OpenID configuration of its issuer.

use serde_json::{Value, json};

use super::OracleHealth;
use super::faults::Fault;
use crate::emulators::EmuResponse;
use crate::vendors::oracle_health::SPECIAL_SCOPES;

const CAPABILITIES: &[&str] = &[
    "launch-ehr",
    "launch-standalone",
    "client-public",
    "client-confidential-symmetric",
    "sso-openid-connect",
    "context-banner",
    "context-style",
    "context-ehr-patient",
    "context-ehr-encounter",
    "permission-patient",
    "permission-user",
    "permission-offline",
    "permission-online",
    "permission-v1",
    "health-cards",
];

/// The resources whose v1 scopes the document lists.
const RESOURCES: &[&str] = &[
    "AllergyIntolerance",
    "Appointment",
    "Condition",
    "DocumentReference",
    "Encounter",
    "Observation",
    "Patient",
    "Practitioner",
];

fn scopes_supported() -> Vec<String> {
    let mut scopes = Vec::new();
    for context in ["system", "user", "patient"] {
        for resource in RESOURCES {
            for permission in ["read", "write"] {
                scopes.push(format!("{context}/{resource}.{permission}"));
            }
        }
    }
    scopes.extend(SPECIAL_SCOPES.iter().map(|s| s.to_string()));
    scopes
}

/// The OAuth endpoints a FHIR client discovers, as the SMART configuration and the
/// CapabilityStatement's oauth-uris extension both name them.
pub(super) struct Endpoints {
    pub authorize: String,
    pub token: String,
    pub revoke: String,
    pub introspect: String,
    pub manage: String,
}

impl OracleHealth {
    pub(super) fn endpoints(&self, origin: &str) -> Endpoints {
        let t = &self.base.tenant.tenant_id;
        let smart = format!("{origin}/tenants/{t}/protocols/oauth2/profiles/smart-v1");
        Endpoints {
            authorize: format!("{smart}/personas/provider/authorize"),
            token: format!(
                "{origin}/tenants/{t}/hosts/fhir-ehr.cerner.com/protocols/oauth2/profiles/smart-v1/token"
            ),
            revoke: format!("{smart}/token/revoke"),
            introspect: format!("{origin}/tokeninfo"),
            manage: format!("{origin}/tenants/{t}/personas/provider/my-authorizations"),
        }
    }

    pub(super) fn smart_configuration(&self, origin: &str) -> EmuResponse {
        let e = self.endpoints(origin);
        let mut doc = json!({
            "authorization_endpoint": e.authorize,
            "token_endpoint": e.token,
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
            "jwks_uri": format!("{origin}/jwk"),
            "grant_types_supported": ["authorization_code", "client_credentials"],
            "scopes_supported": scopes_supported(),
            "response_types_supported": ["code"],
            "capabilities": CAPABILITIES,
            "revocation_endpoint": e.revoke,
            "introspection_endpoint": e.introspect,
            "management_endpoint": e.manage,
        });
        if self.on(Fault::SmartConfigOmitsPrivateKeyJwt) {
            doc["token_endpoint_auth_methods_supported"] = json!(["client_secret_basic"]);
        }
        if self.on(Fault::DiscoveryAdvertisesPlainPkce)
            && let Some(o) = doc.as_object_mut()
        {
            o.insert(
                "code_challenge_methods_supported".into(),
                json!(["S256", "plain"]),
            );
        }
        EmuResponse::json(200, &doc)
    }

    /// `{issuer}.well-known/openid-configuration`; the idsp must be the tenant's own.
    pub(super) fn openid_configuration(&self, origin: &str) -> EmuResponse {
        let t = &self.base.tenant.tenant_id;
        let doc: Value = json!({
            "issuer": self.issuer(origin),
            "authorization_endpoint": format!(
                "{origin}/tenants/{t}/protocols/oauth2/profiles/smart-v1/personas/provider/authorize"
            ),
            "token_endpoint": format!("{origin}/tenants/{t}/protocols/oauth2/profiles/smart-v1/token"),
            "jwks_uri": format!("{origin}/jwk"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "fhirUser"],
            "claims_supported": ["sub", "aud", "iss", "exp", "iat", "name", "fhirUser", "profile", "nonce"],
        });
        EmuResponse::json(200, &doc)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::{CAPABILITIES, SPECIAL_SCOPES};
    use crate::emulators::Emulator;

    #[test]
    fn the_tenant_document() {
        let mut emu = emulator(&[]);
        let r = emu.handle(
            ORIGIN,
            &get(&format!("{FHIR}/.well-known/smart-configuration"), &[]),
        );
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/json"));
        let doc = json(&r);
        let smart = format!("{ORIGIN}/tenants/{TENANT}/protocols/oauth2/profiles/smart-v1");
        assert_eq!(
            doc["authorization_endpoint"],
            format!("{smart}/personas/provider/authorize")
        );
        assert_eq!(
            doc["token_endpoint"],
            format!(
                "{ORIGIN}/tenants/{TENANT}/hosts/fhir-ehr.cerner.com/protocols/oauth2/profiles/smart-v1/token"
            )
        );
        assert_eq!(doc["revocation_endpoint"], format!("{smart}/token/revoke"));
        assert_eq!(doc["introspection_endpoint"], format!("{ORIGIN}/tokeninfo"));
        assert_eq!(doc["jwks_uri"], format!("{ORIGIN}/jwk"));
        assert_eq!(
            doc["management_endpoint"],
            format!("{ORIGIN}/tenants/{TENANT}/personas/provider/my-authorizations")
        );
        assert_eq!(
            doc["token_endpoint_auth_methods_supported"],
            serde_json::json!(["client_secret_basic", "private_key_jwt"])
        );
        assert_eq!(
            doc["token_endpoint_auth_signing_alg_values_supported"],
            serde_json::json!(["RS384", "ES384"])
        );
        assert_eq!(
            doc["grant_types_supported"],
            serde_json::json!(["authorization_code", "client_credentials"])
        );
        assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
        // The whole documented list is published, and with it what the flows here need.
        assert_eq!(doc["capabilities"], serde_json::json!(CAPABILITIES));
        assert_eq!(CAPABILITIES.len(), 15);
        for c in [
            "launch-ehr",
            "client-confidential-symmetric",
            "permission-v1",
            "health-cards",
        ] {
            assert!(CAPABILITIES.contains(&c), "{c}");
        }
        let scopes: Vec<&str> = doc["scopes_supported"]
            .as_array()
            .map(|a| a.iter().filter_map(|s| s.as_str()).collect())
            .unwrap_or_default();
        let resources = [
            "system/Patient.read",
            "user/Observation.write",
            "patient/Encounter.read",
        ];
        for s in resources.iter().chain(&SPECIAL_SCOPES) {
            assert!(scopes.contains(s), "{s}");
        }
        assert!(
            scopes
                .iter()
                .all(|s| !s.contains('*') && !s.ends_with(".rs"))
        );
        assert!(doc.get("issuer").is_none());
        assert!(doc.get("code_challenge_methods_supported").is_none());
    }

    #[test]
    fn other_tenants_and_the_host_root() {
        let mut emu = emulator(&[]);
        let r = emu.handle(
            ORIGIN,
            &get(
                &format!("/r4/{SEED_TENANT}/.well-known/smart-configuration"),
                &[],
            ),
        );
        assert_eq!(r.status, 404);
        let r = emu.handle(ORIGIN, &get("/.well-known/smart-configuration", &[]));
        assert_eq!(r.status, 502);
        let r = emu.handle(
            ORIGIN,
            &post(&format!("{FHIR}/.well-known/smart-configuration"), &[]),
        );
        assert_eq!(r.status, 405);
    }

    #[test]
    fn the_issuer_document() {
        let mut emu = emulator(&[]);
        let issuer = format!("{ORIGIN}/tenants/{TENANT}/oidc/idsps/{TENANT}/");
        let r = emu.handle(
            ORIGIN,
            &get(
                &format!("/tenants/{TENANT}/oidc/idsps/{TENANT}/.well-known/openid-configuration"),
                &[],
            ),
        );
        assert_eq!(r.status, 200);
        assert_eq!(json(&r)["issuer"], issuer);
        assert_eq!(
            json(&r)["id_token_signing_alg_values_supported"],
            serde_json::json!(["RS256"])
        );
        let r = emu.handle(
            ORIGIN,
            &get(
                &format!("/tenants/{TENANT}/oidc/idsps/other/.well-known/openid-configuration"),
                &[],
            ),
        );
        assert_eq!(r.status, 404);
    }
}
