//! The FHIR R4 server under the tenant's base: bearer checks with RFC 6750 challenges,
//! and the vendor's 403 body for a token without a scope for the resource.

use crate::emulators::engine::search_bundle;
use serde_json::{Value, json};

use super::faults::Fault;
use super::store::Grant;
use super::{OracleHealth, scopes};
use crate::emulators::{EmuRequest, EmuResponse};

const FHIR_JSON: &str = "application/fhir+json";

/// The documented 403 body, byte for byte.
const INSUFFICIENT_SCOPES: &str = r#"{"code":403,"message":"code=\"urn:cerner:error:oauth2:resource-access:insufficient-scopes\", error=\"insufficient_scope\", subcode=\"no_scope_for_resource_path\""}"#;
/// What the fhir-403-plain fault answers instead: no URN, no RFC 6750 error code.
const PLAIN_FORBIDDEN: &str = r#"{"code":403,"message":"Forbidden"}"#;

/// The documented 403 (or the fault's plain one).
fn insufficient_scopes(plain: bool) -> EmuResponse {
    let body = if plain {
        PLAIN_FORBIDDEN
    } else {
        INSUFFICIENT_SCOPES
    };
    EmuResponse::new(403)
        .with_header("content-type", "application/json")
        .with_body(body.as_bytes().to_vec())
}

fn fhir_json(status: u16, body: Vec<u8>) -> EmuResponse {
    EmuResponse::new(status)
        .with_header("content-type", FHIR_JSON)
        .with_body(body)
}

impl OracleHealth {
    /// The path under the FHIR base (`Patient/1`), if `path` is below it.
    pub(super) fn fhir_rest<'a>(&self, path: &'a str) -> Option<&'a str> {
        let base = self.base.tenant.fhir_base_path.trim_end_matches('/');
        if base.is_empty() {
            return None;
        }
        path.strip_prefix(base)?.strip_prefix('/')
    }

    pub(super) fn fhir(&self, origin: &str, rest: &str, req: &EmuRequest) -> EmuResponse {
        let mut segments = rest.split('/').filter(|s| !s.is_empty());
        let resource = segments.next().unwrap_or("");
        let id = segments.next();
        let get = req.method.eq_ignore_ascii_case("GET");
        if resource == "metadata" && get {
            let statement = self.capability_statement(origin);
            return fhir_json(200, statement.to_string().into_bytes());
        }
        let grant = match req.bearer() {
            None => return self.unauthorized(origin, "The access token is missing."),
            Some(token) => match self.live_access(token) {
                Some(at) => &at.grant,
                None => {
                    return self
                        .unauthorized(origin, "The access token is invalid or has expired.");
                }
            },
        };
        let permission = if get { "read" } else { "write" };
        if !scopes::allows(&grant.scopes, resource, permission) {
            return insufficient_scopes(self.on(Fault::Fhir403Plain));
        }
        // A patient-level grant reaches only the record of its patient in context.
        let patient = grant.user.as_ref().and_then(|u| u.patient_id.as_deref());
        let patient_only =
            !scopes::allows_at(&grant.scopes, &["system", "user"], resource, permission);
        if resource == "Patient"
            && patient_only
            && id.is_some_and(|id| Some(id) != patient)
            && !self.on(Fault::FhirReadsOtherPatients)
        {
            return insufficient_scopes(self.on(Fault::Fhir403Plain));
        }
        let body = match (id, patient) {
            (Some(id), Some(p)) if resource == "Patient" && id == p => {
                self.patient_record(id, grant)
            }
            (Some(id), _) => json!({ "resourceType": resource, "id": id }),
            (None, _) => search_bundle(resource, patient),
        };
        fhir_json(200, body.to_string().into_bytes())
    }

    /// The patient in context: its id, and for a patient signed in to the patient
    /// persona (whose `fhirUser` is this record) the username as the name's text.
    fn patient_record(&self, id: &str, grant: &Grant) -> Value {
        let mut patient = json!({ "resourceType": "Patient", "id": id, "active": true });
        if let Some(user) = grant
            .user
            .as_ref()
            .filter(|u| u.fhir_user == format!("Patient/{id}"))
        {
            patient["name"] = json!([{ "text": user.username }]);
        }
        patient
    }

    fn unauthorized(&self, origin: &str, description: &str) -> EmuResponse {
        let realm = format!("{origin}{}", self.base.tenant.fhir_base_path);
        let challenge = format!(
            "Bearer realm=\"{realm}\", error=\"invalid_token\", error_description=\"{description}\""
        );
        EmuResponse::new(401).with_header("www-authenticate", challenge)
    }
}

const OAUTH_URIS: &str = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

impl OracleHealth {
    /// A minimal CapabilityStatement whose `rest[0].security` names the OAuth endpoints
    /// in SMART's oauth-uris extension (SMART-12: Cerner still publishes it), the same
    /// URLs as the SMART configuration.
    fn capability_statement(&self, origin: &str) -> Value {
        let e = self.endpoints(origin);
        let uri = |name: &str, url: &str| json!({ "url": name, "valueUri": url });
        let mut security = json!({
            "service": [{
                "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                    "code": "SMART-on-FHIR",
                }],
            }],
        });
        if !self.on(Fault::CapabilityStatementNoOauthUris) {
            security["extension"] = json!([{
                "url": OAUTH_URIS,
                "extension": [
                    uri("authorize", &e.authorize),
                    uri("token", &e.token),
                    uri("revoke", &e.revoke),
                    uri("introspect", &e.introspect),
                    uri("manage", &e.manage),
                ],
            }]);
        }
        json!({
            "resourceType": "CapabilityStatement",
            "status": "active",
            "kind": "instance",
            "fhirVersion": "4.0.1",
            "format": ["json"],
            "rest": [{ "mode": "server", "security": security }],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::emulators::Emulator;

    fn call(emu: &mut OracleHealth, method: &str, path: &str, token: Option<&str>) -> EmuResponse {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let mut req = get_raw(&format!("{FHIR}/{path}"), query);
        req.method = method.to_string();
        if let Some(token) = token {
            req = with_header(req, "authorization", &format!("Bearer {token}"));
        }
        emu.handle(ORIGIN, &req)
    }

    #[test]
    fn scope_checks_and_answers() {
        let mut emu = emulator(&[]);
        let at = system_access_token(&mut emu, "system/Patient.read");
        let r = call(&mut emu, "GET", "Patient/12724066", Some(&at));
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/fhir+json"));
        assert_eq!(
            json(&r),
            json!({"resourceType": "Patient", "id": "12724066"})
        );
        let r = call(&mut emu, "GET", "Patient?_id=1", Some(&at));
        assert_eq!(json(&r)["resourceType"], "Bundle");

        for (method, path) in [("GET", "Observation?patient=1"), ("POST", "Patient")] {
            let r = call(&mut emu, method, path, Some(&at));
            assert_eq!(r.status, 403);
            assert_eq!(
                text(&r),
                r#"{"code":403,"message":"code=\"urn:cerner:error:oauth2:resource-access:insufficient-scopes\", error=\"insufficient_scope\", subcode=\"no_scope_for_resource_path\""}"#
            );
        }
        let r = call(&mut emu, "GET", "metadata", None);
        assert_eq!(json(&r)["resourceType"], "CapabilityStatement");
    }

    #[test]
    fn missing_expired_and_unknown_tokens_get_a_challenge() {
        let mut emu = emulator(&[]);
        let at = system_access_token(&mut emu, "system/Patient.read");
        assert!(emu.age_artifact(&at, 569));
        assert_eq!(call(&mut emu, "GET", "Patient/1", Some(&at)).status, 200);
        assert!(emu.age_artifact(&at, 1));
        for token in [None, Some("bogus"), Some(at.as_str())] {
            let r = call(&mut emu, "GET", "Patient/1", token);
            assert_eq!(r.status, 401);
            let challenge = r.header("www-authenticate").unwrap_or_default();
            assert!(
                challenge.starts_with(&format!(
                    "Bearer realm=\"{AUD}\", error=\"invalid_token\", error_description=\""
                )),
                "{challenge}"
            );
        }
    }

    #[test]
    fn the_capability_statement_names_the_oauth_endpoints() {
        let mut emu = emulator(&[]);
        let statement = json(&call(&mut emu, "GET", "metadata", None));
        let security = &statement["rest"][0]["security"];
        assert_eq!(security["service"][0]["coding"][0]["code"], "SMART-on-FHIR");
        let oauth = &security["extension"][0];
        assert_eq!(
            oauth["url"],
            "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
        );
        let uris: std::collections::HashMap<String, String> = oauth["extension"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| (s(&e["url"]), s(&e["valueUri"])))
            .collect();
        // The same URLs as the SMART configuration.
        let smart = json(&emu.handle(
            ORIGIN,
            &get(&format!("{FHIR}/.well-known/smart-configuration"), &[]),
        ));
        for (name, member) in [
            ("authorize", "authorization_endpoint"),
            ("token", "token_endpoint"),
            ("revoke", "revocation_endpoint"),
            ("introspect", "introspection_endpoint"),
            ("manage", "management_endpoint"),
        ] {
            assert_eq!(
                uris.get(name).map(String::as_str),
                smart[member].as_str(),
                "{name}"
            );
        }
    }

    #[test]
    fn the_launch_patient_is_readable_and_no_other() {
        let mut emu = emulator(&[]);
        let a = authz(PUBLIC)
            .set(
                "scope",
                "openid fhirUser launch/patient patient/Patient.read",
            )
            .with_persona("patient");
        let body = code_tokens(&mut emu, &a);
        assert_eq!(body["patient"], PATIENT);
        let at = s(&body["access_token"]);
        let r = call(&mut emu, "GET", &format!("Patient/{PATIENT}"), Some(&at));
        assert_eq!(r.status, 200, "{}", text(&r));
        assert_eq!(r.header("content-type"), Some("application/fhir+json"));
        let patient = json(&r);
        assert_eq!(patient["resourceType"], "Patient");
        assert_eq!(patient["id"], PATIENT);
        // The patient persona's fhirUser is this record: the user's name is on it.
        assert_eq!(patient["name"][0]["text"], USER);
        let r = call(&mut emu, "GET", "Patient/12345678", Some(&at));
        assert_eq!(r.status, 403);
        assert!(text(&r).contains("insufficient-scopes"));
        // A user-level grant is not held to one patient.
        let at = s(&code_tokens(&mut emu, &authz(PROVIDER))["access_token"]);
        assert_eq!(
            call(&mut emu, "GET", "Patient/12345678", Some(&at)).status,
            200
        );
    }

    #[test]
    fn patient_context_reaches_searches() {
        let mut emu = emulator(&[]);
        let a = authz(PUBLIC)
            .set("scope", "openid launch/patient patient/Patient.read")
            .with_persona("patient");
        let body = code_tokens(&mut emu, &a);
        let at = s(&body["access_token"]);
        let r = call(&mut emu, "GET", "Patient", Some(&at));
        assert_eq!(json(&r)["entry"][0]["resource"]["id"], PATIENT);
    }
}
