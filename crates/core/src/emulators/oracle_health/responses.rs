//! Response shapes shared by the endpoints: the token error envelope, authorize error
//! redirects and plain answers.

use serde_json::{Map, Value, json};

use super::faults::Fault;
use super::urn::{self, Attribution};
use super::{OracleHealth, ids, pages};
use crate::emulators::EmuResponse;

pub(super) const CORRELATION_HEADER: &str = "cerner-correlation-id";

/// A token-endpoint failure before it is rendered: the URN carries the cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TokenError {
    pub status: u16,
    pub error: &'static str,
    pub urn: &'static str,
    /// The authenticated client; `None` renders as `client=unknown`.
    pub client: Option<String>,
}

impl TokenError {
    pub fn new(status: u16, error: &'static str, urn: &'static str, client: Option<&str>) -> Self {
        Self {
            status,
            error,
            urn,
            client: client.map(str::to_string),
        }
    }
}

/// An authorize failure reported to a trusted redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AuthorizeError {
    pub error: &'static str,
    pub urn: &'static str,
}

/// Where a trusted authorize error goes and what it echoes.
pub(super) struct RedirectTarget<'a> {
    pub redirect_uri: &'a str,
    pub state: Option<&'a str>,
    pub persona: &'a str,
    pub client: &'a str,
    pub tenant: &'a str,
}

impl OracleHealth {
    /// The tenant as the error_uri shows it: exactly as sent, unless a fault normalises it.
    fn echoed_tenant(&self, tenant: &str) -> String {
        if self.on(Fault::TenantNotEchoed) {
            tenant.trim().to_ascii_lowercase()
        } else {
            tenant.to_string()
        }
    }

    /// The instance id and the correlation header that should equal it.
    fn instance_and_header(&self) -> (String, String) {
        let instance = ids::uuid();
        let header = if self.on(Fault::CorrelationIdMismatch) {
            ids::uuid()
        } else {
            instance.clone()
        };
        (instance, header)
    }

    /// `{"error", "error_uri"}` with the correlation id of the instance.
    pub(super) fn token_error(&self, origin: &str, tenant: &str, e: &TokenError) -> EmuResponse {
        let (instance, header) = self.instance_and_header();
        let tenant = self.echoed_tenant(tenant);
        let client = match e.client.as_deref() {
            Some(_) if self.on(Fault::GrantErrorsNameUnknownClient) => "unknown",
            Some(client) => client,
            None => "unknown",
        };
        let at = Attribution {
            persona: None,
            client,
            tenant: &tenant,
        };
        let error_uri = if self.on(Fault::ErrorUriGenericPage) {
            format!("{origin}/errors/")
        } else if self.on(Fault::ErrorUriUrnUnencoded) {
            urn::error_uri_unencoded(origin, e.urn, &instance, &at)
        } else {
            urn::error_uri(origin, e.urn, &instance, &at)
        };
        if self.on(Fault::TokenErrorsNotJson) {
            return EmuResponse::new(e.status)
                .with_header("content-type", "text/plain; charset=utf-8")
                .with_body(format!("error={}\nerror_uri={error_uri}\n", e.error).into_bytes())
                .with_header(CORRELATION_HEADER, header);
        }
        let mut body = Map::new();
        body.insert("error".into(), json!(e.error));
        if !self.on(Fault::OmitErrorUri) {
            body.insert("error_uri".into(), json!(error_uri));
        }
        if self.on(Fault::AddErrorDescription) {
            body.insert("error_description".into(), json!(urn::describe(e.urn)));
        }
        EmuResponse::json(e.status, &Value::Object(body)).with_header(CORRELATION_HEADER, header)
    }

    /// 302 to `redirect_uri?error=…&error_uri=…&state=…`, the error_uri encoded inside the
    /// query; a page instead under the authorize-errors-not-redirected fault.
    pub(super) fn authorize_error(
        &self,
        origin: &str,
        to: &RedirectTarget,
        e: &AuthorizeError,
    ) -> EmuResponse {
        let (instance, header) = self.instance_and_header();
        let tenant = self.echoed_tenant(to.tenant);
        let at = Attribution {
            persona: Some(to.persona),
            client: to.client,
            tenant: &tenant,
        };
        let error_uri = urn::error_uri(origin, e.urn, &instance, &at);
        if self.on(Fault::AuthorizeErrorsNotRedirected) {
            return pages::authorize_error_page(e.error, e.urn, &error_uri)
                .with_header(CORRELATION_HEADER, header);
        }
        let mut params = vec![("error", e.error), ("error_uri", error_uri.as_str())];
        if let Some(state) = to.state {
            params.push(("state", state));
        }
        EmuResponse::redirect(with_query(to.redirect_uri, &params))
            .with_header(CORRELATION_HEADER, header)
    }

    /// The page for an authorize error that must not be redirected (untrusted client or
    /// redirect URI).
    pub(super) fn untrusted_authorize_error(
        &self,
        origin: &str,
        persona: &str,
        client: Option<&str>,
        tenant: &str,
        urn: &'static str,
    ) -> EmuResponse {
        let (instance, header) = self.instance_and_header();
        let tenant = self.echoed_tenant(tenant);
        let at = Attribution {
            persona: Some(persona),
            client: client.unwrap_or("unknown"),
            tenant: &tenant,
        };
        let error_uri = urn::error_uri(origin, urn, &instance, &at);
        pages::authorize_error_page("invalid_request", urn, &error_uri)
            .with_header(CORRELATION_HEADER, header)
    }
}

pub(super) use crate::emulators::engine::{not_found, with_query};

pub(super) fn method_not_allowed(allow: &str) -> EmuResponse {
    EmuResponse::new(405).with_header("allow", allow)
}

/// What the host root answered when probed for a SMART configuration.
pub(super) fn bad_gateway() -> EmuResponse {
    EmuResponse::html(
        502,
        "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n",
    )
}
