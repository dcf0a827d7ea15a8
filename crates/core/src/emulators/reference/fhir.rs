//! FHIR reads under the tenant's base: `GET Patient/{id}`, the record of the patient in
//! context, which is also the resource the ID token's `fhirUser` names (this server's
//! users are patients). A protected resource in the manner of RFC 6750: no token is a
//! bare 401 challenge, a bad one `invalid_token`, a token without a scope that reads
//! Patient records `insufficient_scope` (403). A patient- or user-level token reads its
//! own patient only (SMART App Launch, scopes and launch context); a system-level one
//! any patient the server knows. An id nobody holds is 404.

use serde_json::{Value, json};

use super::store::Grant;
use super::{Fault, Reference, scopes};
use crate::emulators::{EmuRequest, EmuResponse};

const FHIR_JSON: &str = "application/fhir+json";

/// The scope a server names in its `insufficient_scope` challenge (RFC 6750 §3).
const READ_SCOPE: &str = "patient/Patient.rs";

/// An OperationOutcome with one issue.
fn outcome(status: u16, code: &str, text: &str) -> EmuResponse {
    let body = json!({
        "resourceType": "OperationOutcome",
        "issue": [{ "severity": "error", "code": code, "diagnostics": text }],
    });
    EmuResponse::new(status)
        .with_header("content-type", FHIR_JSON)
        .with_body(body.to_string().into_bytes())
}

/// Whether `scope` lets its holder read `resource` records, and at which level
/// (`patient`, `user` or `system`): SMART v1 `.read` or `.*`, or v2 permissions
/// including `r`, for the resource or `*`. A v2 scope with a query constraint is not
/// evaluated here, so it reads nothing.
fn reads<'a>(scope: &'a str, resource: &str) -> Option<&'a str> {
    if !matches!(
        scopes::kind(scope),
        scopes::Kind::SmartV1 | scopes::Kind::SmartV2
    ) {
        return None;
    }
    let (level, rest) = scope.split_once('/')?;
    let (target, permissions) = rest.split_once('.')?;
    let readable = match permissions {
        "read" | "*" => true,
        "write" => false,
        letters => !letters.contains('?') && letters.contains('r'),
    };
    (readable && (target == "*" || target == resource)).then_some(level)
}

impl Reference {
    /// `{fhir}/{rest}` other than the metadata documents.
    pub(super) fn fhir(&self, origin: &str, rest: &str, req: &EmuRequest) -> EmuResponse {
        let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let ["Patient", id] = segments[..] else {
            return outcome(404, "not-found", "This server serves Patient reads only.");
        };
        if !req.method.eq_ignore_ascii_case("GET") {
            return outcome(405, "not-supported", "Patient records are read-only here.")
                .with_header("allow", "GET");
        }
        let realm = format!(
            "Bearer realm=\"{origin}{}\"",
            self.base.tenant.fhir_base_path.trim_end_matches('/')
        );
        let Some(token) = req.bearer() else {
            return outcome(401, "login", "An access token is required.")
                .with_header("www-authenticate", realm);
        };
        let now = self.now();
        let Some(grant) = self
            .store
            .tokens
            .access_tokens
            .get(token)
            .filter(|t| t.active(now))
            .map(|t| &t.grant)
        else {
            return outcome(401, "login", "The access token is invalid or expired.").with_header(
                "www-authenticate",
                format!("{realm}, error=\"invalid_token\""),
            );
        };
        let levels: Vec<&str> = grant
            .scopes
            .iter()
            .filter_map(|s| reads(s, "Patient"))
            .collect();
        let insufficient = || {
            outcome(
                403,
                "forbidden",
                "The token's scopes do not cover this record.",
            )
            .with_header(
                "www-authenticate",
                format!("{realm}, error=\"insufficient_scope\", scope=\"{READ_SCOPE}\""),
            )
        };
        if levels.is_empty() {
            return insufficient();
        }
        if !self.patient_exists(id) {
            return outcome(404, "not-found", "No such patient.");
        }
        if !self.may_read_patient(grant, &levels, id) {
            return insufficient();
        }
        EmuResponse::new(200)
            .with_header("content-type", FHIR_JSON)
            .with_body(self.patient(id).to_string().into_bytes())
    }

    /// Whether a registered user has `id` as their patient record.
    fn patient_exists(&self, id: &str) -> bool {
        self.base
            .tenant
            .users
            .iter()
            .any(|u| u.portal_access.iter().any(|a| a.patient_id == id))
    }

    /// A system-level scope reads any patient; patient- and user-level scopes read the
    /// grant's own patient only.
    fn may_read_patient(&self, grant: &Grant, levels: &[&str], id: &str) -> bool {
        levels.contains(&"system")
            || grant.patient.as_deref() == Some(id)
            || self.on(Fault::FhirReadsOtherPatients)
    }

    fn patient(&self, id: &str) -> Value {
        let user = self
            .base
            .tenant
            .users
            .iter()
            .find(|u| u.portal_access.iter().any(|a| a.patient_id == id));
        let mut patient = json!({ "resourceType": "Patient", "id": id, "active": true });
        if let Some(user) = user {
            patient["telecom"] = json!([{ "system": "email", "value": user.username }]);
        }
        patient
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::reads;
    use crate::emulators::EmuResponse;

    fn read(emu: &mut super::Reference, id: &str, token: Option<&str>) -> EmuResponse {
        let req = get(&format!("{FHIR}/Patient/{id}"), &[]);
        send(emu, token.map_or(req.clone(), |t| with_bearer(req, t)))
    }

    #[test]
    fn the_launch_patient_and_the_fhir_user_are_readable() {
        let mut emu = emulator(&[]);
        let body = tokens(
            &mut emu,
            &authz(PUBLIC).set("scope", &format!("{SCOPE} fhirUser")),
        );
        assert_eq!(body["patient"], PATIENT);
        let fhir_user = s(&claims(&s(&body["id_token"]))["fhirUser"]);
        assert_eq!(fhir_user, format!("{ORIGIN}{FHIR}/Patient/{PATIENT}"));
        let at = s(&body["access_token"]);
        let r = read(&mut emu, PATIENT, Some(&at));
        assert_eq!(r.status, 200, "{}", text(&r));
        assert_eq!(r.header("content-type"), Some("application/fhir+json"));
        let patient = json(&r);
        assert_eq!(patient["resourceType"], "Patient");
        assert_eq!(patient["id"], PATIENT);
        // The record the fhirUser URL names, fetched by that URL.
        let path = fhir_user.trim_start_matches(ORIGIN);
        assert_eq!(send(&mut emu, with_bearer(get(path, &[]), &at)).status, 200);
    }

    #[test]
    fn tokens_are_checked_like_any_bearer_protected_resource() {
        let mut emu = emulator(&[]);
        let realm = format!("Bearer realm=\"{ORIGIN}{FHIR}\"");
        let r = read(&mut emu, PATIENT, None);
        assert_eq!(
            (r.status, header(&r, "www-authenticate")),
            (401, realm.clone())
        );
        let r = read(&mut emu, PATIENT, Some("bogus"));
        assert_eq!(r.status, 401);
        assert_eq!(
            header(&r, "www-authenticate"),
            format!("{realm}, error=\"invalid_token\"")
        );
        let at = s(&tokens(&mut emu, &authz(PUBLIC))["access_token"]);
        emu.advance_clock(3600);
        assert_eq!(read(&mut emu, PATIENT, Some(&at)).status, 401);

        // No scope that reads Patient records.
        let a = authz(PUBLIC).set("scope", "openid launch/patient patient/Observation.rs");
        let at = s(&tokens(&mut emu, &a)["access_token"]);
        let r = read(&mut emu, PATIENT, Some(&at));
        assert_eq!(r.status, 403);
        assert_eq!(
            header(&r, "www-authenticate"),
            format!("{realm}, error=\"insufficient_scope\", scope=\"patient/Patient.rs\"")
        );
        assert_eq!(json(&r)["resourceType"], "OperationOutcome");
    }

    #[test]
    fn other_patients_are_out_of_reach_and_unknown_ones_absent() {
        let mut emu = emulator(&[]);
        for scope in [
            "launch/patient patient/Patient.read",
            "launch/patient user/*.rs",
        ] {
            let at = s(&tokens(&mut emu, &authz(PUBLIC).set("scope", scope))["access_token"]);
            assert_eq!(read(&mut emu, PATIENT, Some(&at)).status, 200, "{scope}");
            assert_eq!(
                read(&mut emu, OTHER_PATIENT, Some(&at)).status,
                403,
                "{scope}"
            );
            assert_eq!(read(&mut emu, "nobody", Some(&at)).status, 404, "{scope}");
        }
        // A system-level token reads any patient the server holds.
        let r = send(
            &mut emu,
            token_request(
                SYSTEM,
                &[
                    ("grant_type", "client_credentials"),
                    ("scope", SYSTEM_SCOPE),
                ],
            ),
        );
        let at = s(&json(&r)["access_token"]);
        assert_eq!(read(&mut emu, OTHER_PATIENT, Some(&at)).status, 200);
        // Reads only.
        let mut req = with_bearer(get(&format!("{FHIR}/Patient/{PATIENT}"), &[]), &at);
        req.method = "PUT".into();
        let r = send(&mut emu, req);
        assert_eq!((r.status, header(&r, "allow")), (405, "GET".to_string()));
        for path in ["Patient", "Patient/1/_history/1", "Observation/1"] {
            let req = with_bearer(get(&format!("{FHIR}/{path}"), &[]), &at);
            assert_eq!(send(&mut emu, req).status, 404, "{path}");
        }
    }

    #[test]
    fn read_scopes_by_level() {
        for (scope, level) in [
            ("patient/Patient.rs", Some("patient")),
            ("patient/Patient.read", Some("patient")),
            ("user/*.cruds", Some("user")),
            ("system/Patient.*", Some("system")),
            ("patient/*.r", Some("patient")),
            ("patient/Patient.cud", None),
            ("patient/Patient.write", None),
            ("patient/Observation.rs", None),
            ("patient/Patient.rs?identifier=x|1", None),
            ("launch/patient", None),
            ("openid", None),
        ] {
            assert_eq!(reads(scope, "Patient"), level, "{scope}");
        }
    }
}
