//! The FHIR DSTU2 API under the tenant's base path, with athenahealth's documented
//! (and partly non-standard) error answers.

use crate::emulators::engine::search_bundle;
use serde_json::json;

use super::faults::Fault;
use super::store::Grant;
use super::{Athenahealth, discovery, param, responses, scopes};
use crate::emulators::{EmuRequest, EmuResponse};
use crate::vendors::athenahealth;

const FHIR_JSON: &str = "application/json+fhir; charset=utf-8";

fn incorrect_permissions() -> EmuResponse {
    EmuResponse::json(403, &json!({ "error": "Incorrect permissions" }))
}

fn unsupported_accept() -> EmuResponse {
    responses::literal_json(
        406,
        concat!(
            r#"{"error": ""#,
            athenahealth::unsupported_accept!(),
            r#""}"#
        ),
    )
}

fn invalid_token() -> EmuResponse {
    EmuResponse::json(401, &json!({ "error": "invalid_token" }))
        .with_header("www-authenticate", "Bearer error=\"invalid_token\"")
}

impl Athenahealth {
    pub(super) fn is_fhir_path(&self, path: &str) -> bool {
        let base = self.base.tenant.fhir_base_path.trim_end_matches('/');
        !base.is_empty()
            && path
                .strip_prefix(base)
                .is_some_and(|rest| rest.starts_with('/'))
    }

    pub(super) fn fhir(&self, origin: &str, req: &EmuRequest) -> EmuResponse {
        let base = self.base.tenant.fhir_base_path.trim_end_matches('/');
        let rest = req.path.get(base.len()..).unwrap_or("");
        // What a SMART app reads before it has a token: public (SMART App Launch v2
        // §2.0.x; a FHIR server's conformance statement is open to all).
        if rest == discovery::SMART_CONFIGURATION || rest == discovery::METADATA {
            return self.fhir_public(origin, req, rest);
        }
        let rest = rest.get(1..).unwrap_or("");
        let mut segments = rest.split('/').filter(|s| !s.is_empty());
        let resource = segments.next().unwrap_or("");
        let id = segments.next();

        let Some(grant) = self.bearer_grant(req) else {
            return invalid_token();
        };
        if !self.accept_is_supported(req.header("accept")) {
            return unsupported_accept();
        }
        if !req.method.eq_ignore_ascii_case("GET") {
            return incorrect_permissions();
        }
        if !scopes::grants_read(&grant.scopes, resource) {
            return if self.on(Fault::FhirScopeError403) {
                EmuResponse::json(403, &json!({ "error": "insufficient_scope" }))
            } else {
                responses::literal_json(
                    500,
                    r#"{"error": "Invalid permissions, incorrect scope passed."}"#,
                )
            };
        }
        let patient = grant.patient_id.as_deref();
        let query = req.query();
        let named_patient = if resource == "Patient" {
            id.or(param(&query, "_id"))
        } else {
            param(&query, "patient")
        };
        if named_patient.is_some_and(|p| Some(p) != patient)
            || (resource == "Patient" && patient.is_none())
        {
            return incorrect_permissions();
        }
        let body = match id {
            Some(_) if self.on(Fault::FhirReadReturnsBundle) => search_bundle(resource, patient),
            Some(id) => json!({ "resourceType": resource, "id": id }),
            None => search_bundle(resource, patient),
        };
        EmuResponse::new(200)
            .with_header("content-type", FHIR_JSON)
            .with_body(body.to_string().into_bytes())
    }

    /// The SMART configuration (JSON, any Accept) and the Conformance statement (a FHIR
    /// resource, so under the API's Accept rule), to GET only.
    fn fhir_public(&self, origin: &str, req: &EmuRequest, rest: &str) -> EmuResponse {
        if !req.method.eq_ignore_ascii_case("GET") {
            return responses::method_not_allowed("GET");
        }
        if rest == discovery::SMART_CONFIGURATION {
            return self.smart_configuration(origin);
        }
        if !self.accept_is_supported(req.header("accept")) {
            return unsupported_accept();
        }
        EmuResponse::new(200)
            .with_header("content-type", FHIR_JSON)
            .with_body(self.conformance(origin).to_string().into_bytes())
    }

    /// The grant of a live access token in the `Authorization: Bearer` header.
    fn bearer_grant(&self, req: &EmuRequest) -> Option<&Grant> {
        let token = self.store.tokens.access_tokens.get(req.bearer()?)?;
        token.active(self.now()).then_some(&token.grant)
    }

    /// DSTU2 JSON only: the Accept value must start with `application/json` (which
    /// covers `application/json+fhir`). No Accept header at all is fine.
    fn accept_is_supported(&self, accept: Option<&str>) -> bool {
        let Some(accept) = accept else {
            return true;
        };
        let accept = accept.trim().to_ascii_lowercase();
        accept.starts_with("application/json")
            || (self.on(Fault::AcceptFhirJsonAcceptHeader)
                && accept.starts_with("application/fhir+json"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::emulators::Emulator;

    const INCORRECT_PERMISSIONS: &str = r#"{"error":"Incorrect permissions"}"#;
    const INVALID_TOKEN: &str = r#"{"error":"invalid_token"}"#;
    const UNSUPPORTED_ACCEPT: &str = r#"{"error": "An unsupported Accept header was given."}"#;
    const WRONG_SCOPE: &str = r#"{"error": "Invalid permissions, incorrect scope passed."}"#;

    fn call(
        emu: &mut Athenahealth,
        method: &str,
        path: &str,
        token: Option<&str>,
        accept: Option<&str>,
    ) -> EmuResponse {
        let mut req = match path.split_once('?') {
            Some((p, q)) => get_raw(&format!("{FHIR}/{p}"), q),
            None => get(&format!("{FHIR}/{path}"), &[]),
        };
        req.method = method.to_string();
        if let Some(token) = token {
            req = with_bearer(req, token);
        }
        if let Some(accept) = accept {
            req = with_header(req, "accept", accept);
        }
        send(emu, req)
    }

    #[test]
    fn documented_answers() {
        let mut emu = emulator(&[]);
        let at = s(&public_tokens(&mut emu)["access_token"]);
        let at = Some(at.as_str());
        let mine = format!("Patient/{PATIENT}");
        let json_accept = Some("application/json+fhir");

        let r = call(&mut emu, "GET", &mine, at, json_accept);
        assert_eq!(r.status, 200);
        let content_type = "application/json+fhir; charset=utf-8";
        assert_eq!(r.header("content-type"), Some(content_type));
        let resource = serde_json::json!({"resourceType": "Patient", "id": PATIENT});
        assert_eq!(json(&r), resource);
        let search = format!("Patient?_id={PATIENT}");
        let r = call(&mut emu, "GET", &search, at, Some("application/json"));
        assert_eq!(json(&r)["resourceType"], "Bundle");

        let observations = format!("Observation?patient={PATIENT}");
        type Refusal<'a> = (
            &'a str,
            &'a str,
            Option<&'a str>,
            Option<&'a str>,
            u16,
            &'a str,
        );
        let refusals: [Refusal; 8] = [
            ("GET", "Patient/1", at, None, 403, INCORRECT_PERMISSIONS),
            ("GET", "Patient/1", None, json_accept, 401, INVALID_TOKEN),
            (
                "GET",
                "Patient/1",
                Some("bogus"),
                json_accept,
                401,
                INVALID_TOKEN,
            ),
            (
                "GET",
                &mine,
                at,
                Some("application/fhir+json"),
                406,
                UNSUPPORTED_ACCEPT,
            ),
            ("GET", &mine, at, Some("*/*"), 406, UNSUPPORTED_ACCEPT),
            ("GET", &mine, at, Some("text/html"), 406, UNSUPPORTED_ACCEPT),
            (
                "POST",
                "Patient",
                at,
                json_accept,
                403,
                INCORRECT_PERMISSIONS,
            ),
            ("GET", &observations, at, json_accept, 500, WRONG_SCOPE),
        ];
        for (method, path, token, accept, status, body) in refusals {
            let case = format!("{method} {path}, token {token:?}, accept {accept:?}");
            let r = call(&mut emu, method, path, token, accept);
            assert_eq!((r.status, text(&r).as_str()), (status, body), "{case}");
            let challenge = (status == 401).then_some("Bearer error=\"invalid_token\"");
            assert_eq!(r.header("www-authenticate"), challenge, "{case}");
        }
    }

    #[test]
    fn expired_and_revoked_tokens_are_refused() {
        let mut emu = emulator(&[]);
        let expired = s(&public_tokens(&mut emu)["access_token"]);
        assert!(emu.age_artifact(&expired, 300));
        let revoked = s(&public_tokens(&mut emu)["access_token"]);
        revoke(&mut emu, PUBLIC, &revoked);
        let mine = format!("Patient/{PATIENT}");
        for (case, at) in [("expired", &expired), ("revoked", &revoked)] {
            let r = call(&mut emu, "GET", &mine, Some(at), None);
            assert_eq!(r.status, 401, "{case}: {}", text(&r));
        }
    }
}
