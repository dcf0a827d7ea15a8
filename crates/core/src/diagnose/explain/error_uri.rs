//! An `error_uri` that names its cause: a URN, with the instance id of the failed
//! request and what the server attributed the failure to (CER-03, CER-04). The piece
//! whose vendor issues such URIs reads them (`ExplainPiece::read_error_uri`).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorUri {
    /// Decoded, e.g. `urn:<vendor>:error:authorization-server:oauth2:token:invalid-tenant`.
    pub urn: String,
    /// The URN without the prefix its issuer puts before every cause
    /// (`oauth2:token:invalid-tenant`).
    pub short: String,
    pub instance: Option<String>,
    pub client: Option<String>,
    pub tenant: Option<String>,
    pub persona: Option<String>,
}

/// Reads an `error_uri` with the first piece that knows its kind.
pub fn parse_error_uri(uri: &str) -> Option<ErrorUri> {
    super::pieces().find_map(|v| v.read_error_uri(uri))
}
