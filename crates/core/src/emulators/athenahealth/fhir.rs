//! The FHIR DSTU2 API under the tenant's base path, with athenahealth's documented
//! (and partly non-standard) error answers.

use crate::emulators::engine::search_bundle;
use serde_json::json;

use super::faults::Fault;
use super::store::Grant;
use super::{Athenahealth, param, responses, scopes};
use crate::emulators::{EmuRequest, EmuResponse};

const FHIR_JSON: &str = "application/json+fhir; charset=utf-8";

fn incorrect_permissions() -> EmuResponse {
    EmuResponse::json(403, &json!({ "error": "Incorrect permissions" }))
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

    pub(super) fn fhir(&self, req: &EmuRequest) -> EmuResponse {
        let base = self.base.tenant.fhir_base_path.trim_end_matches('/');
        let rest = req.path.get(base.len() + 1..).unwrap_or("");
        let mut segments = rest.split('/').filter(|s| !s.is_empty());
        let resource = segments.next().unwrap_or("");
        let id = segments.next();

        let Some(grant) = self.bearer_grant(req) else {
            return invalid_token();
        };
        if !self.accept_is_supported(req.header("accept")) {
            return responses::literal_json(
                406,
                r#"{"error": "An unsupported Accept header was given."}"#,
            );
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

    fn call(
        emu: &mut Athenahealth,
        method: &str,
        path: &str,
        token: Option<&str>,
        accept: Option<&str>,
    ) -> EmuResponse {
        let mut req = get(&format!("{FHIR}/{path}"), &[]);
        if let Some((p, q)) = path.split_once('?') {
            req = get_raw(&format!("{FHIR}/{p}"), q);
        }
        req.method = method.to_string();
        if let Some(token) = token {
            req = with_header(req, "authorization", &format!("Bearer {token}"));
        }
        if let Some(accept) = accept {
            req = with_header(req, "accept", accept);
        }
        emu.handle(ORIGIN, &req)
    }

    #[test]
    fn documented_answers() {
        let mut emu = emulator(&[]);
        let body = tokens(&mut emu, &authz(PUBLIC));
        let at = body["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let at = Some(at.as_str());
        let json_accept = Some("application/json+fhir");

        let r = call(
            &mut emu,
            "GET",
            &format!("Patient/{PATIENT}"),
            at,
            json_accept,
        );
        assert_eq!(r.status, 200);
        assert_eq!(
            r.header("content-type"),
            Some("application/json+fhir; charset=utf-8")
        );
        assert_eq!(
            json(&r),
            serde_json::json!({"resourceType": "Patient", "id": PATIENT})
        );
        let r = call(
            &mut emu,
            "GET",
            &format!("Patient?_id={PATIENT}"),
            at,
            Some("application/json"),
        );
        assert_eq!(json(&r)["resourceType"], "Bundle");
        let r = call(&mut emu, "GET", "Patient/1", at, None);
        assert_eq!(
            (r.status, text(&r)),
            (403, r#"{"error":"Incorrect permissions"}"#.to_string())
        );

        for token in [None, Some("bogus")] {
            let r = call(&mut emu, "GET", "Patient/1", token, json_accept);
            assert_eq!(r.status, 401);
            assert_eq!(
                r.header("www-authenticate"),
                Some("Bearer error=\"invalid_token\"")
            );
            assert_eq!(json(&r), serde_json::json!({"error": "invalid_token"}));
        }
        for accept in ["application/fhir+json", "*/*", "text/html"] {
            let r = call(
                &mut emu,
                "GET",
                &format!("Patient/{PATIENT}"),
                at,
                Some(accept),
            );
            assert_eq!(r.status, 406, "{accept}");
            assert_eq!(
                text(&r),
                r#"{"error": "An unsupported Accept header was given."}"#
            );
        }
        let r = call(&mut emu, "POST", "Patient", at, json_accept);
        assert_eq!(
            (r.status, text(&r)),
            (403, r#"{"error":"Incorrect permissions"}"#.to_string())
        );
        let r = call(
            &mut emu,
            "GET",
            &format!("Observation?patient={PATIENT}"),
            at,
            json_accept,
        );
        assert_eq!(r.status, 500);
        assert_eq!(
            text(&r),
            r#"{"error": "Invalid permissions, incorrect scope passed."}"#
        );
    }

    #[test]
    fn expired_and_revoked_tokens_are_refused() {
        let mut emu = emulator(&[]);
        let body = tokens(&mut emu, &authz(PUBLIC));
        let at = body["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(emu.age_artifact(&at, 300));
        assert_eq!(
            call(
                &mut emu,
                "GET",
                &format!("Patient/{PATIENT}"),
                Some(&at),
                None
            )
            .status,
            401
        );

        let body = tokens(&mut emu, &authz(PUBLIC));
        let at = body["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        emu.handle(
            ORIGIN,
            &post(
                "/oauth2/v1/revoke",
                &[("token", &at), ("client_id", PUBLIC)],
            ),
        );
        assert_eq!(
            call(
                &mut emu,
                "GET",
                &format!("Patient/{PATIENT}"),
                Some(&at),
                None
            )
            .status,
            401
        );
    }
}
