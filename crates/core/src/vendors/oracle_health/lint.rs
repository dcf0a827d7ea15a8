//! What `grantcheck lint` checks for Oracle Health: its hosts, tenant-scoped paths,
//! `scopes_supported`, the aud it requires, and what its servers answer.

use super::SPECIAL_SCOPES;
use crate::vendors::lint::{Advice, LintPolicy, PkceExpectation, Remark, remarks};

#[derive(Debug)]
pub struct OracleHealth;

pub static POLICY: OracleHealth = OracleHealth;

/// The code-console sandbox's FHIR base, shown in fixes.
const EXAMPLE_FHIR_BASE: &str = "https://fhir-ehr-code.cerner.com/r4/<tenant>";

/// The shared authorization hosts, whose endpoints live below `/tenants/{tenant}/`.
const AUTHORIZATION_HOSTS: [&str; 2] = [
    "authorization.cerner.com",
    "authorization.sandboxcerner.com",
];

impl LintPolicy for OracleHealth {
    fn name(&self) -> &'static str {
        "Oracle Health"
    }

    fn domains(&self) -> &'static [&'static str] {
        &["cerner.com", "sandboxcerner.com", "cernermillennium.com"]
    }

    /// The shared authorization host serves every environment, so it is in neither list.
    fn test_hosts(&self) -> &'static [&'static str] {
        &[
            "fhir-ehr-code.cerner.com",
            "fhir-open.cerner.com",
            "authorization.sandboxcerner.com",
            "fhir-open.sandboxcerner.com",
        ]
    }

    fn production_hosts(&self) -> &'static [&'static str] {
        &["fhir-ehr.cerner.com", "fhir-myrecord.cerner.com"]
    }

    /// FHIR bases are `/r4/{tenant}` or `/dstu2/{tenant}`.
    fn tenant_markers(&self, host: &str) -> &'static [&'static str] {
        if host.ends_with("cerner.com") || host.ends_with("cernermillennium.com") {
            &["r4", "dstu2"]
        } else {
            &[]
        }
    }

    fn remark(&self, remark: Remark) -> Option<&'static str> {
        Some(match remark {
            Remark::EmptyScope => "Oracle Health answers empty-scopes",
            Remark::RefreshWithClientCredentials => "Oracle Health forbids it there",
            Remark::TooManyScopes => "Oracle Health refuses with a too-many-scopes error",
            Remark::UnreadableBasic => "Oracle Health invalid_client with client=unknown",
            Remark::StateSpecifiedBy => "Oracle Health's specification",
            Remark::RelativeRedirectAnswer => "Oracle Health answers redirect-uri-not-absolute",
            Remark::UnregisteredTenant => {
                "Oracle Health echoes an unregistered tenant back with invalid_grant and the URN oauth2:token:invalid-tenant"
            }
            _ => return None,
        })
    }

    fn unknown_scope_consequence(&self) -> (&'static str, &'static str) {
        (
            "Oracle Health drops unknown scopes from the grant, or answers empty-scopes when none is left",
            "CER-10, CER-09",
        )
    }

    /// `scopes_supported` beyond resource scopes (CER-13), plus SMART's
    /// standalone-launch context scopes.
    fn special_scopes(&self) -> Vec<&'static str> {
        SPECIAL_SCOPES
            .into_iter()
            .chain(["launch/patient", "launch/encounter"])
            .collect()
    }

    fn wildcard_scope(&self) -> Option<Advice> {
        Some(Advice::warning(
            "CER-11",
            "Oracle Health does not support wildcard scopes: it drops them from the grant silently, or answers empty-scopes if nothing else remains (CER-11, CER-10).",
            "Request each resource scope by name, e.g. `user/Patient.read user/Observation.read`.",
        ))
    }

    fn unknown_scope(&self, scope: &str) -> Option<Advice> {
        Some(Advice::warning(
            "LINT-A1",
            format!(
                "`{scope}` is not of the shape Oracle Health advertises in scopes_supported (`system|user|patient/Resource.read|write`, `launch`, `profile`, `fhirUser`, `openid`, `online_access`, `offline_access`), so it is likely dropped (CER-13, CER-10)."
            ),
            "Check the spelling against the tenant's `.well-known/smart-configuration` scopes_supported.",
        ))
    }

    fn mixed_scope_syntax(&self) -> Option<Advice> {
        Some(Advice::warning(
            "CER-24",
            "The request mixes SMART v1 (`.read`/`.write`) and v2 (`.rs`, `.cruds`) scopes; Oracle Health grants the syntax the app is registered for and may drop the rest or answer empty-scopes (CER-24, CER-09).",
            "Use one syntax throughout: the one the app's registration (SMART v1 or v2) expects.",
        ))
    }

    fn missing_aud(&self) -> Option<Advice> {
        Some(Advice::error(
            "CER-19",
            "Oracle Health rejects an authorize request without `aud` (audience-required): it must be the FHIR base URL the token will be used with (CER-19, SMART-07).",
            format!("Add `aud=<FHIR base URL>`, e.g. `{EXAMPLE_FHIR_BASE}`."),
        ))
    }

    fn aud_rejection(&self) -> (String, &'static str) {
        (
            "Oracle Health answers audience-not-white-listed or unknown-resource-server"
                .to_string(),
            "CER-19",
        )
    }

    fn example_fhir_base(&self) -> Option<&'static str> {
        Some(EXAMPLE_FHIR_BASE)
    }

    /// The aud is the FHIR base URL, never another vendor's practice JSON.
    fn json_aud(&self) -> Option<Advice> {
        Some(Advice::error(
            "CER-19",
            format!(
                "Oracle Health's aud is the FHIR base URL; the JSON form is {} (CER-19, ATH-03).",
                remarks(Remark::JsonAudForm).join(" or ")
            ),
            "Use the tenant's FHIR base URL.",
        ))
    }

    fn aud_url(&self, segments: &[&str], names_tenant: bool) -> Option<Advice> {
        // On a host that is not Oracle Health's (the emulator's, a proxy's) the FHIR
        // base still names its tenant after the FHIR version.
        let after_version = segments
            .windows(2)
            .any(|w| matches!(w[0], "r4" | "dstu2") && !w[1].is_empty());
        (!names_tenant && !after_version).then(|| {
            Advice::warning(
                "CER-19",
                "Oracle Health's aud is the tenant's FHIR base URL (`https://fhir-ehr.cerner.com/r4/<tenant>`); this one names no tenant, so it is unlikely to be white-listed (CER-19).",
                "Use the FHIR base URL from the tenant's discovery document.",
            )
        })
    }

    fn untenanted_endpoint(&self, host: &str, role: &str) -> Option<Advice> {
        AUTHORIZATION_HOSTS.contains(&host).then(|| {
            Advice::warning(
                "LINT-E2",
                format!("Oracle Health's {role} is tenant-scoped (`/tenants/{{tenant}}/protocols/oauth2/profiles/smart-v1/...`); this URL names no tenant (CER-01)."),
                "Take the endpoint from the tenant's `.well-known/smart-configuration` instead of building it by hand (CER-13).",
            )
        })
    }

    fn one_tenant_per_grant(&self) -> Option<&'static str> {
        Some("Oracle Health scopes the grant and the FHIR base to one tenant")
    }

    /// Lint leaves PKCE on Oracle Health's authorize requests to the vendor's own
    /// checks: a missing challenge is no finding here.
    fn missing_pkce(&self) -> PkceExpectation {
        PkceExpectation::Never
    }
}
