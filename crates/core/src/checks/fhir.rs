//! FHIR resource-server answers.

use super::response::describe;
use super::{Outcome, ensure};
use crate::http::Response;

/// Status and the exact `error` string of a FHIR error body.
pub fn error_is(resp: &Response, status: u16, error: &str) -> Outcome {
    let got = resp
        .json()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
    ensure(
        resp.status == status && got.as_deref() == Some(error),
        "fhir_error_is",
        "vendor-documentation",
        format!("HTTP {status} with error {error:?}"),
        || describe(resp),
    )
}

pub fn resource_returned(resp: &Response, resource_type: &str) -> Outcome {
    let rt = resp.json().and_then(|v| {
        v.get("resourceType")
            .and_then(|r| r.as_str())
            .map(str::to_owned)
    });
    ensure(
        resp.status == 200 && rt.as_deref() == Some(resource_type),
        "fhir_resource_returned",
        "FHIR-DSTU2-http",
        format!("HTTP 200 with a {resource_type} resource"),
        || describe(resp),
    )
}

/// RFC 6750 §3: a rejected token gets a Bearer challenge.
pub fn bearer_challenge(resp: &Response) -> Outcome {
    let h = resp.header("www-authenticate").unwrap_or("");
    ensure(
        resp.status == 401
            && super::response::challenges(resp).any(|c| c.eq_ignore_ascii_case("bearer")),
        "bearer_challenge",
        "RFC6750-3",
        "HTTP 401 with WWW-Authenticate: Bearer …",
        || format!("HTTP {} WWW-Authenticate: {h:?}", resp.status),
    )
}

/// A scope-less request is refused with 403 naming the insufficient-scope cause,
/// as CER-22 documents it: in its body, or where RFC 6750 §3 puts the
/// error code, the `WWW-Authenticate` challenge (RFC 6750 §3.1 itself says only that
/// 403 SHOULD be used, so this is the vendor's rule, not the RFC's).
pub fn insufficient_scope(resp: &Response) -> Outcome {
    let body = resp.text();
    let named = body.contains("insufficient_scope")
        || super::response::list_items(resp, "www-authenticate")
            .any(|i| i.replace(' ', "").contains("error=\"insufficient_scope\""));
    ensure(
        resp.status == 403 && named,
        "fhir_refuses_insufficient_scope",
        "CER-22",
        "HTTP 403 naming insufficient_scope (body or WWW-Authenticate)",
        || describe(resp),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{json_response, response};
    use serde_json::json;

    #[test]
    fn the_status_and_error_named_pass() {
        let r = json_response(401, json!({ "error": "invalid_token" }));
        assert!(error_is(&r, 401, "invalid_token").is_ok());
    }

    #[test]
    fn another_status_or_error_fails() {
        for r in [
            json_response(403, json!({ "error": "invalid_token" })),
            json_response(401, json!({ "error": "expired_token" })),
            response(401, &[], "invalid_token"),
        ] {
            let f = error_is(&r, 401, "invalid_token").unwrap_err();
            assert_eq!((f.check, f.spec), ("fhir_error_is", "vendor-documentation"));
        }
    }

    #[test]
    fn a_200_with_the_resource_passes() {
        let r = json_response(200, json!({ "resourceType": "Patient", "id": "p1" }));
        assert!(resource_returned(&r, "Patient").is_ok());
    }

    #[test]
    fn another_resource_or_status_fails() {
        for r in [
            json_response(200, json!({ "resourceType": "OperationOutcome" })),
            json_response(404, json!({ "resourceType": "Patient" })),
        ] {
            let f = resource_returned(&r, "Patient").unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("fhir_resource_returned", "FHIR-DSTU2-http")
            );
        }
    }

    #[test]
    fn a_401_with_a_bearer_challenge_passes_in_any_case() {
        for h in [
            r#"Bearer realm="fhir", error="invalid_token""#,
            "bearer",
            r#"Basic realm="fhir", Bearer realm="fhir""#,
        ] {
            let r = response(401, &[("www-authenticate", h)], "");
            assert!(bearer_challenge(&r).is_ok(), "{h}");
        }
    }

    #[test]
    fn a_missing_challenge_or_another_status_fails() {
        for r in [
            response(401, &[], ""),
            response(401, &[("www-authenticate", "Basic realm=\"fhir\"")], ""),
            response(403, &[("www-authenticate", "Bearer")], ""),
        ] {
            let f = bearer_challenge(&r).unwrap_err();
            assert_eq!((f.check, f.spec), ("bearer_challenge", "RFC6750-3"));
        }
    }

    #[test]
    fn a_403_naming_insufficient_scope_passes() {
        let r = json_response(403, json!({ "error": "insufficient_scope" }));
        assert!(insufficient_scope(&r).is_ok());
        // Where RFC 6750 §3 puts the error code: the challenge, with an empty body.
        let challenge =
            r#"Bearer realm="fhir", error="insufficient_scope", scope="patient/Patient.rs""#;
        let r = response(403, &[("www-authenticate", challenge)], "");
        assert!(insufficient_scope(&r).is_ok());
    }

    #[test]
    fn another_status_or_cause_fails_as_insufficient_scope() {
        for r in [
            json_response(401, json!({ "error": "insufficient_scope" })),
            json_response(403, json!({ "error": "access_denied" })),
        ] {
            let f = insufficient_scope(&r).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("fhir_refuses_insufficient_scope", "CER-22")
            );
        }
    }
}
