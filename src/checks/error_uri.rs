//! Oracle Health error payloads (CER-02/03/04/05): the cause is the URN inside
//! `error_uri`, with the client and tenant the server attributed it to.

use super::response::describe;
use super::{Failure, Outcome, ensure};
use crate::http::Response;
use crate::oauth::error::OAuthError;
use crate::oauth::error_uri::ErrorUri;

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
        || format!("client={}", super::shown(e.client.as_deref())),
    )
}

pub fn names_client(e: &ErrorUri, client_id: &str) -> Outcome {
    ensure(
        e.client.as_deref() == Some(client_id),
        "error_names_client",
        "CER-04",
        format!("client={client_id}"),
        || format!("client={}", super::shown(e.client.as_deref())),
    )
}

/// The tenant is echoed exactly as the request sent it (CER-05, CER-27).
pub fn tenant_echoed(e: &ErrorUri, tenant: &str) -> Outcome {
    ensure(
        e.tenant.as_deref() == Some(tenant),
        "error_echoes_tenant",
        "CER-05",
        format!("tenant={tenant} (as sent)"),
        || format!("tenant={}", super::shown(e.tenant.as_deref())),
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
                super::shown(e.instance.as_deref()),
                super::shown(header)
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
