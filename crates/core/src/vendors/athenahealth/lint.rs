//! What `grantcheck lint` checks for athenahealth, whose authorization server is an
//! Okta server: its hosts, its scope list, its aud forms, and what Okta answers.

use super::{DEFAULT_SCOPES, FHIR_RESOURCES, PATIENT_MAPPINGS, WORKFLOW_ERROR};
use crate::vendors::lint::{Advice, EnvClass, LintPolicy, PkceExpectation, Remark};

#[derive(Debug)]
pub struct Athenahealth;

pub static POLICY: Athenahealth = Athenahealth;

/// The API gateway host, which serves preview and production under different paths.
const API_HOST: &str = "api.athenahealth.com";

impl LintPolicy for Athenahealth {
    fn name(&self) -> &'static str {
        "athenahealth"
    }

    fn domains(&self) -> &'static [&'static str] {
        &["athenahealth.com"]
    }

    fn test_hosts(&self) -> &'static [&'static str] {
        &[
            "myidentity-support.platform.athenahealth.com",
            "api.preview.platform.athenahealth.com",
            "apitest.athenahealth.com",
        ]
    }

    fn production_hosts(&self) -> &'static [&'static str] {
        &[
            "myidentity.platform.athenahealth.com",
            "api.platform.athenahealth.com",
        ]
    }

    /// The gateway serves preview under `/preview1` and production under `/v1`.
    fn env_of_path(&self, host: &str, path: &str) -> Option<EnvClass> {
        if host != API_HOST {
            None
        } else if path.starts_with("/preview") {
            Some(EnvClass::Test)
        } else if path.starts_with("/v1/") {
            Some(EnvClass::Production)
        } else {
            None
        }
    }

    fn remark(&self, remark: Remark) -> Option<&'static str> {
        Some(match remark {
            Remark::UnreadableBasic => {
                concat!("Okta answers \"", super::not_client_credentials!(), "\"")
            }
            Remark::SeveralClientCredentials => {
                "Okta refuses with \"Cannot supply multiple client credentials…\""
            }
            Remark::TokenInQuery => {
                "Okta refuses it with \"The access token cannot be presented in a query string.\""
            }
            Remark::TokenTwice => {
                "Okta refuses it (\"The access token cannot be specified in both the Authorization header and the request-body.\")"
            }
            Remark::ImplicitPlainPkce => "Okta refuses",
            Remark::OnlyPkceMethod => "the only method Okta accepts",
            Remark::PlainPkce => {
                "Okta answers \"PKCE code challenge method is not supported. Valid values: [S256]\""
            }
            Remark::UnknownPkceMethod => "Okta accepts only `S256`",
            Remark::MissingPkce => "Okta refuses a public client without it",
            Remark::MissingPkceAnswer => "\"PKCE code challenge is required…\"",
            Remark::StateRequired => "Okta requires it on every /authorize request",
            Remark::RelativeRedirectRefusal => "Okta refuses to redirect",
            Remark::JsonAudForm => "athenahealth's",
            Remark::TestEnvironmentAud => {
                "athenahealth preview: `api.athenahealth.com/preview1/...`"
            }
            Remark::TestEnvironmentHosts => {
                "athenahealth preview: `myidentity-support.platform.athenahealth.com`, `api.athenahealth.com/preview1/...`"
            }
            _ => return None,
        })
    }

    fn unknown_scope_consequence(&self) -> (&'static str, &'static str) {
        (
            concat!(
                "athenahealth's Okta server answers invalid_scope \"",
                super::scopes_not_configured!(),
                "\""
            ),
            "OKT-07",
        )
    }

    /// The documented scopes (ATH-04 and the guide's other useful scopes).
    fn special_scopes(&self) -> Vec<&'static str> {
        DEFAULT_SCOPES
            .into_iter()
            .chain([PATIENT_MAPPINGS])
            .collect()
    }

    /// Only `patient/{Resource}.read` of the listed DSTU2 resources (ATH-04).
    fn lists_resource_scope(&self, context: &str, resource: &str, permission: &str) -> bool {
        context == "patient" && permission == "read" && FHIR_RESOURCES.contains(&resource)
    }

    fn wildcard_scope(&self) -> Option<Advice> {
        Some(Advice::error(
            "ATH-04",
            "athenahealth lets apps request individual resource scopes only, never a wildcard; a scope the app may not request fails the whole authorization (ATH-04, OKT-08).",
            "List each resource scope the app needs, e.g. `patient/Patient.read patient/Observation.read`.",
        ))
    }

    fn unknown_scope(&self, scope: &str) -> Option<Advice> {
        Some(Advice::warning(
            "LINT-A1",
            format!(
                "`{scope}` is not in athenahealth's documented scope list; unless athena approved it for this app the authorization fails with invalid_scope or \"Policy evaluation failed\" (ATH-04, OKT-07, OKT-08)."
            ),
            "Check the spelling against the documented list, or have athena permit the scope for this client (profile: `clients.<role>.permitted_scopes`).",
        ))
    }

    fn aud_rejection(&self) -> (String, &'static str) {
        (
            format!("athenahealth's login answers 500 \"{WORKFLOW_ERROR}\""),
            "ATH-11",
        )
    }

    fn unparsable_aud(&self) -> (&'static str, String) {
        (
            "LINT-A9",
            "Use the FHIR DSTU2 base URL (`https://api.athenahealth.com/preview1/{practice}/{brand}/{chartgroup}/fhir/dstu2`) or `{\"PRACTICEID\":\"...\",\"COMMUNICATORBRANDID\":\"...\"}`.".to_string(),
        )
    }

    /// A URL aud is the gateway's DSTU2 base:
    /// `/{v1|preview1}/{practice}/{brand}/{chartgroup}/fhir/dstu2` (ATH-03).
    fn aud_url(&self, segs: &[&str], _names_tenant: bool) -> Option<Advice> {
        let shaped = segs.len() == 6
            && (segs[0] == "v1" || segs[0].starts_with("preview"))
            && segs[1..4]
                .iter()
                .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            && segs[4] == "fhir"
            && segs[5].eq_ignore_ascii_case("dstu2");
        (!shaped).then(|| {
            Advice::warning(
                "ATH-03",
                "athenahealth expects a URL aud of the shape `.../{v1|preview1}/{practice}/{brand}/{chartgroup}/fhir/dstu2` (ATH-03).",
                "Use the gateway's DSTU2 base URL, or the practice JSON form.",
            )
        })
    }

    /// The DSTU2 FHIR API takes only `application/json` or `application/json+fhir`
    /// (with optional parameters); R4's `application/fhir+json` gets 406 (ATH-16).
    fn unaccepted_media_type(&self, path: &str, accept: &str) -> Option<Advice> {
        let dstu2 = path.to_ascii_lowercase().contains("/fhir/dstu2");
        if !dstu2 || accept.to_ascii_lowercase().starts_with("application/json") {
            return None;
        }
        Some(Advice::warning(
            "ATH-16",
            concat!(
                "athenahealth's DSTU2 FHIR API accepts only an Accept header starting with `application/json` or `application/json+fhir`; anything else, including R4's `application/fhir+json`, gets 406 \"",
                super::unsupported_accept!(),
                "\" (ATH-16)."
            ),
            "Send `Accept: application/json+fhir` (or `application/json`).",
        ))
    }

    fn token_in_query_rule(&self) -> &'static str {
        "OKT-18"
    }

    /// Okta refuses public clients without PKCE (OKT-05), so every request needs it.
    fn missing_pkce(&self) -> PkceExpectation {
        PkceExpectation::Always
    }

    /// Okta's `state` alphabet (OKT-10).
    fn state_value(&self, state: &str) -> Option<Advice> {
        let ok = !state.is_empty()
            && state
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ",._-".contains(c));
        (!ok).then(|| {
            Advice::warning(
                "OKT-10",
                "Okta allows only letters, digits, comma, period, underscore and hyphen in `state`; other characters get \"The authentication request has an invalid 'state' parameter.\" (OKT-10).",
                "Use a random token of letters and digits.",
            )
        })
    }

    fn openid_without_nonce(&self) -> Option<Advice> {
        Some(Advice::warning(
            "ATH-02",
            "The request asks for `openid` without a `nonce`; athenahealth requires a nonce when the app wants an ID token, and the nonce is what ties the ID token to this request (ATH-02).",
            "Send a fresh random `nonce` and compare it with the ID token's `nonce` claim.",
        ))
    }

    fn redirect_mismatch(&self) -> (&'static str, &'static str) {
        (
            "OKT-04",
            "invalid_grant \"The 'redirect_uri' does not match the redirection URI used in the authorization request.\"",
        )
    }
}
