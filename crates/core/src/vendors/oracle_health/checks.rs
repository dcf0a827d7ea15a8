//! The checks only Oracle Health's error payloads need (CER-02/03/04/05): the cause is
//! the URN inside `error_uri`, with the client and tenant the server attributed it to;
//! and the error object's schema.

use std::sync::OnceLock;

use super::error_uri::ErrorUri;
use crate::checks::response::describe;
use crate::checks::schema::VendorShape;
use crate::checks::{Failure, Outcome, ensure};
use crate::http::Response;
use crate::oauth::error::OAuthError;

/// The error object with `error_uri` that Oracle Health documents.
pub static ERROR_SHAPE: VendorShape = VendorShape {
    file: "oracle-health-error",
    text: include_str!("../../../../../schemas/oracle-health-error.json"),
    marker: None,
    check: "oracle_health_error_shape",
    spec: "CER-error-uri",
    compiled: OnceLock::new(),
};

/// The parsed `error_uri` of an error, or why there is none.
pub fn of(err: &OAuthError) -> Result<ErrorUri, Failure> {
    let Some(uri) = &err.uri else {
        return Err(Failure {
            check: "error_uri_present",
            spec: "CER-02",
            expected: "an error_uri carrying the error URN".into(),
            received: format!("error {:?} without error_uri", err.error),
        });
    };
    ErrorUri::parse(uri).ok_or_else(|| Failure {
        check: "error_uri_parses",
        spec: "CER-02",
        expected: ".../errors/<urn>/instances/<id>?client=…&tenant=…".into(),
        received: uri.clone(),
    })
}

pub fn urn_is(e: &ErrorUri, urn: &str) -> Outcome {
    ensure(
        e.is(urn),
        "error_urn_is",
        "CER-21",
        format!("URN {urn}"),
        || format!("URN {}", e.short()),
    )
}

/// `client=unknown`: client authentication failed (CER-04).
pub fn attributed_to_client_authentication(e: &ErrorUri) -> Outcome {
    ensure(
        e.client_unknown(),
        "error_attributed_to_client_authentication",
        "CER-04",
        "client=unknown",
        || format!("client={}", crate::checks::shown(e.client.as_deref())),
    )
}

pub fn names_client(e: &ErrorUri, client_id: &str) -> Outcome {
    ensure(
        e.client.as_deref() == Some(client_id),
        "error_names_client",
        "CER-04",
        format!("client={client_id}"),
        || format!("client={}", crate::checks::shown(e.client.as_deref())),
    )
}

/// The tenant is echoed exactly as the request sent it (CER-05, CER-27).
pub fn tenant_echoed(e: &ErrorUri, tenant: &str) -> Outcome {
    ensure(
        e.tenant.as_deref() == Some(tenant),
        "error_echoes_tenant",
        "CER-05",
        format!("tenant={tenant} (as sent)"),
        || format!("tenant={}", crate::checks::shown(e.tenant.as_deref())),
    )
}

/// The instance id equals the `Cerner-Correlation-Id` header (CER-03).
pub fn instance_is_correlation_id(e: &ErrorUri, resp: &Response) -> Outcome {
    let header = resp.header("cerner-correlation-id");
    ensure(
        header.is_some() && header == e.instance.as_deref(),
        "error_instance_is_correlation_id",
        "CER-03",
        "instance id == Cerner-Correlation-Id header",
        || {
            format!(
                "instance {}, header {}",
                crate::checks::shown(e.instance.as_deref()),
                crate::checks::shown(header)
            )
        },
    )
}

/// Exactly `error` and `error_uri`, no `error_description` (CER-02).
pub fn envelope_is_error_and_uri(resp: &Response) -> Outcome {
    let keys: Vec<String> = resp
        .json()
        .and_then(|v| v.as_object().map(|m| m.keys().cloned().collect()))
        .unwrap_or_default();
    let mut sorted = keys.clone();
    sorted.sort();
    ensure(
        sorted == ["error", "error_uri"],
        "error_envelope_is_error_and_error_uri",
        "CER-02",
        "members error and error_uri only",
        || format!("members {keys:?}: {}", describe(resp)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::response;

    const INVALID_TENANT: &str =
        "urn%3Acerner%3Aerror%3Aauthorization-server%3Aoauth2%3Atoken%3Ainvalid-tenant";

    /// An Oracle Health error_uri with this query (`client=…&tenant=…`).
    fn uri(query: &str) -> String {
        format!("https://authorization.cerner.com/errors/{INVALID_TENANT}/instances/i-1?{query}")
    }

    fn parsed(query: &str) -> ErrorUri {
        ErrorUri::parse(&uri(query)).expect("a well-formed error_uri")
    }

    fn error(uri: Option<String>) -> OAuthError {
        OAuthError {
            error: "invalid_request".into(),
            description: None,
            uri,
        }
    }

    #[test]
    fn a_well_formed_error_uri_parses() {
        let e = of(&error(Some(uri("client=app&tenant=t1")))).unwrap();
        assert_eq!(e.short(), "oauth2:token:invalid-tenant");
        assert_eq!(e.instance.as_deref(), Some("i-1"));
    }

    #[test]
    fn an_error_without_error_uri_fails() {
        let f = of(&error(None)).unwrap_err();
        assert_eq!((f.check, f.spec), ("error_uri_present", "CER-02"));
    }

    #[test]
    fn an_error_uri_without_a_urn_fails() {
        let f = of(&error(Some("https://docs.example.test/errors/help".into()))).unwrap_err();
        assert_eq!((f.check, f.spec), ("error_uri_parses", "CER-02"));
    }

    #[test]
    fn the_urn_passes_short_or_full_with_either_separator() {
        let e = parsed("client=app");
        assert!(urn_is(&e, "oauth2:token:invalid-tenant").is_ok());
        assert!(urn_is(&e, "oauth2:token:invalid_tenant").is_ok());
        assert!(
            urn_is(
                &e,
                "urn:cerner:error:authorization-server:oauth2:token:invalid-tenant"
            )
            .is_ok()
        );
    }

    #[test]
    fn another_urn_fails() {
        let f = urn_is(&parsed("client=app"), "oauth2:token:invalid-client").unwrap_err();
        assert_eq!((f.check, f.spec), ("error_urn_is", "CER-21"));
        assert_eq!(f.received, "URN oauth2:token:invalid-tenant");
    }

    #[test]
    fn client_unknown_passes_as_a_client_authentication_failure() {
        assert!(attributed_to_client_authentication(&parsed("client=unknown")).is_ok());
    }

    #[test]
    fn a_named_or_missing_client_fails_as_a_client_authentication_failure() {
        for query in ["client=app&tenant=t1", "tenant=t1"] {
            let f = attributed_to_client_authentication(&parsed(query)).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("error_attributed_to_client_authentication", "CER-04")
            );
        }
    }

    #[test]
    fn the_app_named_as_client_passes() {
        assert!(names_client(&parsed("client=app-1"), "app-1").is_ok());
    }

    #[test]
    fn another_or_unknown_client_fails() {
        for query in ["client=unknown", "client=app-2", "tenant=t1"] {
            let f = names_client(&parsed(query), "app-1").unwrap_err();
            assert_eq!((f.check, f.spec), ("error_names_client", "CER-04"));
        }
    }

    #[test]
    fn the_tenant_as_sent_passes() {
        assert!(tenant_echoed(&parsed("tenant=Ab-12"), "Ab-12").is_ok());
    }

    #[test]
    fn a_tenant_changed_or_missing_fails() {
        for query in ["tenant=ab-12", "client=app"] {
            let f = tenant_echoed(&parsed(query), "Ab-12").unwrap_err();
            assert_eq!((f.check, f.spec), ("error_echoes_tenant", "CER-05"));
        }
    }

    #[test]
    fn an_instance_equal_to_the_correlation_id_passes() {
        let r = response(400, &[("Cerner-Correlation-Id", "i-1")], "");
        assert!(instance_is_correlation_id(&parsed("client=app"), &r).is_ok());
    }

    #[test]
    fn a_different_or_missing_correlation_id_fails() {
        for r in [
            response(400, &[("cerner-correlation-id", "i-2")], ""),
            response(400, &[], ""),
        ] {
            let f = instance_is_correlation_id(&parsed("client=app"), &r).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("error_instance_is_correlation_id", "CER-03")
            );
        }
    }

    #[test]
    fn error_and_error_uri_alone_pass_in_either_order() {
        for body in [
            r#"{"error":"invalid_request","error_uri":"u"}"#,
            r#"{"error_uri":"u","error":"invalid_request"}"#,
        ] {
            assert!(
                envelope_is_error_and_uri(&response(400, &[], body)).is_ok(),
                "{body}"
            );
        }
    }

    #[test]
    fn an_envelope_with_a_description_or_without_json_fails() {
        for body in [
            r#"{"error":"invalid_request","error_uri":"u","error_description":"d"}"#,
            r#"{"error":"invalid_request"}"#,
            "<html>error</html>",
        ] {
            let f = envelope_is_error_and_uri(&response(400, &[], body)).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("error_envelope_is_error_and_error_uri", "CER-02")
            );
        }
    }
}
