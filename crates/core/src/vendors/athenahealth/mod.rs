//! What athenahealth documents about its authorization server, held once for the
//! emulator that plays it, the `lint` rules that check requests against it and the
//! `explain` piece that reads its error responses.

pub mod checks;
pub(crate) mod explain;
#[cfg(test)]
mod explain_tests;
pub mod lint;
#[cfg(test)]
pub(crate) mod lint_tests;

/// FHIR DSTU2 resources with a `patient/{Resource}.read` scope (ATH-04).
pub const FHIR_RESOURCES: [&str; 11] = [
    "Patient",
    "AllergyIntolerance",
    "Assessment",
    "CarePlan",
    "CareTeam",
    "Condition",
    "Device",
    "Immunization",
    "MedicationStatement",
    "Observation",
    "Procedure",
];

/// Scopes every app may request without further approval, besides the resource scopes.
pub const DEFAULT_SCOPES: [&str; 5] = [
    "openid",
    "profile",
    "email",
    "offline_access",
    "launch/patient",
];

/// The scope that needs the app's approval (ATH-13).
pub const PATIENT_MAPPINGS: &str = "athena/user/Identity.PatientMappings.read";

/// The one wildcard scope the server defines.
pub const WILDCARD_READ: &str = "patient/*.read";

/// What the login widget shows when it cannot read `aud` (ATH-11).
pub const WORKFLOW_ERROR: &str = "error in workflowHandler";

// The server's exact wordings, written once for the emulator that sends them and the
// `lint` findings that quote them. Macros, so both can build them into other literals.

/// OKT-07: a scope the authorization server does not know.
macro_rules! scopes_not_configured {
    () => {
        "One or more scopes are not configured for the authorization server resource."
    };
}
/// OKT-08: a scope the app may not request.
macro_rules! policy_failed {
    () => {
        "Policy evaluation failed for this request, please check the policy configurations."
    };
}
/// OKT-11: an Authorization header that holds no Basic credentials.
macro_rules! not_client_credentials {
    () => {
        "Found Authentication header but was not valid client credentials."
    };
}
/// ATH-16: the DSTU2 FHIR API's refusal of an Accept header it does not serve.
macro_rules! unsupported_accept {
    () => {
        "An unsupported Accept header was given."
    };
}
pub(crate) use {not_client_credentials, policy_failed, scopes_not_configured, unsupported_accept};
