//! The check only athenahealth's server needs: the shape of the Okta management-API
//! error object it sends for an unknown client (OKT-11).

use std::sync::OnceLock;

use crate::checks::schema::VendorShape;

/// `errorCode`/`errorSummary`, as Okta documents its API errors.
pub static ERROR_SHAPE: VendorShape = VendorShape {
    file: "okta-error",
    text: include_str!("../../../../../schemas/okta-error.json"),
    marker: Some("errorCode"),
    check: "okta_error_shape",
    spec: "Okta-error-object",
    compiled: OnceLock::new(),
};
