//! What `grantcheck lint` needs to know about a vendor beyond the OAuth and SMART
//! standards: its hosts and environments, the scopes it documents, the findings its
//! documented behaviour calls for, and the words lint uses for it. Each vendor
//! implements [`LintPolicy`] in its own folder; the trait's defaults are the behaviour
//! for a server lint knows nothing about ([`NO_VENDOR`]), so the rules branch on what
//! a policy says, never on which vendor it is.

use super::ALL;
use crate::diagnose::finding::Severity;
use crate::profile::Vendor;

/// The kind of environment a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvClass {
    Production,
    Test,
}

impl EnvClass {
    pub fn as_str(self) -> &'static str {
        match self {
            EnvClass::Production => "production",
            EnvClass::Test => "test/preview/sandbox",
        }
    }
}

/// A finding a policy calls for, before lint attaches the offending value and its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advice {
    pub rule: &'static str,
    pub severity: Severity,
    pub why: String,
    pub fix: String,
}

impl Advice {
    pub fn error(rule: &'static str, why: impl Into<String>, fix: impl Into<String>) -> Self {
        Advice {
            rule,
            severity: Severity::Error,
            why: why.into(),
            fix: fix.into(),
        }
    }

    pub fn warning(rule: &'static str, why: impl Into<String>, fix: impl Into<String>) -> Self {
        Advice {
            severity: Severity::Warning,
            ..Advice::error(rule, why, fix)
        }
    }
}

/// When an authorize request without a PKCE challenge is worth a warning (SMART-06).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkceExpectation {
    /// Always: the vendor's server refuses public clients without PKCE.
    Always,
    /// When the request looks like a SMART launch (it carries `aud` or `launch`).
    WhenSmart,
    /// Never: the vendor's own rules on PKCE are not lint's to judge.
    Never,
}

/// A place in a finding that every vendor's documented reaction fills in. The finding
/// is shown whichever vendor the request goes to, so it quotes each vendor that
/// documents a reaction, in registry order ([`remarks`]). Each variant shows the
/// sentence it completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remark {
    /// "…an empty scope gets nothing, and {…} (RFC-01, CER-09)."
    EmptyScope,
    /// "…which a client_credentials grant never carries: {…} (CER-12; …)."
    RefreshWithClientCredentials,
    /// "…the token can outgrow HTTP header limits, which {…} (CER-26, LINT-C4)…"
    TooManyScopes,
    /// "…so the server cannot identify the client: {…} (LINT-C11, OKT-11, CER-04)."
    UnreadableBasic,
    /// "…in more than one way (…); {…} and RFC 6749 §2.3 allows one method…"
    SeveralClientCredentials,
    /// "…the access token is in the URL…; {…} (RFC 6750 §2.3, RFC-04, …)."
    TokenInQuery,
    /// "…the token is sent twice…; {…} and RFC 6750 §2 allows one method…"
    TokenTwice,
    /// "…means `plain` (RFC 7636 §4.3), which {…} and SMART v2 forbids…"
    ImplicitPlainPkce,
    /// "code_challenge_method is case-sensitive: {…}, and the one SMART v2 requires…"
    OnlyPkceMethod,
    /// "`plain` sends the verifier itself as the challenge: {…} and SMART v2 forbids it…"
    PlainPkce,
    /// "`{value}` is not a PKCE method; {…} (OKT-06, LINT-A6)."
    UnknownPkceMethod,
    /// "…SMART v2 requires PKCE of every app, and {…} ({[`Remark::MissingPkceAnswer`]}, OKT-05, SMART-06)."
    MissingPkce,
    /// The error text quoted after [`Remark::MissingPkce`].
    MissingPkceAnswer,
    /// "The authorize request has no `state`: {…}, and SMART v2 and {[`Remark::StateSpecifiedBy`]} require it…"
    StateRequired,
    /// Whose specification requires `state`, after [`Remark::StateRequired`].
    StateSpecifiedBy,
    /// "The {name} is not an absolute URI; {…} and {[`Remark::RelativeRedirectRefusal`]} (…)."
    RelativeRedirectAnswer,
    /// How a login page treats a relative redirect URI, after [`Remark::RelativeRedirectAnswer`].
    RelativeRedirectRefusal,
    /// Whose form a JSON aud is: "…the JSON form is {…} (CER-19, ATH-03)."
    JsonAudForm,
    /// "The tenant in … looks like a UUID but is not one: …; {…} (CER-05, LINT-C1)."
    UnregisteredTenant,
    /// An aud of a test environment, as an example: "Use the aud of the same environment as the authorize endpoint ({…})."
    TestEnvironmentAud,
    /// The hosts of a test environment: "Make the environment label and the hosts agree ({…})."
    TestEnvironmentHosts,
}

/// OpenID Connect and SMART scopes any server may know.
const GENERIC_SPECIAL: &[&str] = &[
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "offline_access",
    "online_access",
    "fhirUser",
    "launch",
    "launch/patient",
    "launch/encounter",
];

/// What lint knows about one vendor. Every default is the behaviour for a server lint
/// knows nothing about.
pub trait LintPolicy: std::fmt::Debug + Sync {
    /// How findings name the vendor.
    fn name(&self) -> &'static str {
        "the server"
    }

    // ---- hosts and environments ----

    /// Domains whose hosts, subdomains included, are the vendor's.
    fn domains(&self) -> &'static [&'static str] {
        &[]
    }

    /// Its hosts that serve a test, preview or sandbox environment.
    fn test_hosts(&self) -> &'static [&'static str] {
        &[]
    }

    /// Its hosts that serve production.
    fn production_hosts(&self) -> &'static [&'static str] {
        &[]
    }

    /// The environment of a URL on a host that serves both, told by its path.
    fn env_of_path(&self, _host: &str, _path: &str) -> Option<EnvClass> {
        None
    }

    /// Path segments after which a URL on `host` (lower-case) carries the tenant,
    /// besides the `/tenants/{tenant}` any server may use.
    fn tenant_markers(&self, _host: &str) -> &'static [&'static str] {
        &[]
    }

    /// Its words for a [`Remark`], if it documents a reaction there.
    fn remark(&self, _remark: Remark) -> Option<&'static str> {
        None
    }

    // ---- scopes ----

    /// What the vendor does with a scope it does not know, and the catalog entry
    /// saying so.
    fn unknown_scope_consequence(&self) -> (&'static str, &'static str) {
        (
            "the server rejects unknown scopes as invalid_scope or drops them",
            "RFC 6749 §5.2",
        )
    }

    /// The scopes it documents besides the `context/Resource.permission` ones, in the
    /// order a misspelling is matched against them.
    fn special_scopes(&self) -> Vec<&'static str> {
        GENERIC_SPECIAL.to_vec()
    }

    /// Whether a well-formed resource scope is one it lets apps request; `context` is
    /// lower-case.
    fn lists_resource_scope(&self, _context: &str, _resource: &str, _permission: &str) -> bool {
        true
    }

    /// The finding for a wildcard resource scope; `None` when wildcards are fine.
    fn wildcard_scope(&self) -> Option<Advice> {
        None
    }

    /// The finding for a scope it does not document; `None` when unknown scopes are
    /// not flagged.
    fn unknown_scope(&self, _scope: &str) -> Option<Advice> {
        None
    }

    /// The finding for a request that mixes SMART v1 and v2 scopes.
    fn mixed_scope_syntax(&self) -> Option<Advice> {
        None
    }

    // ---- aud ----

    /// The finding for an authorize request without `aud`; `None` when aud is optional.
    fn missing_aud(&self) -> Option<Advice> {
        None
    }

    /// What the vendor answers to an aud it cannot use, and the catalog entry saying so.
    fn aud_rejection(&self) -> (String, &'static str) {
        (
            "the server cannot match it to a resource server".to_string(),
            "SMART-07",
        )
    }

    /// An example FHIR base URL, for fixes that show one.
    fn example_fhir_base(&self) -> Option<&'static str> {
        None
    }

    /// The rule and fix for an aud that is neither a URL nor JSON.
    fn unparsable_aud(&self) -> (&'static str, String) {
        let example = self
            .example_fhir_base()
            .or_else(|| ALL.iter().find_map(|v| v.lint.example_fhir_base()))
            .unwrap_or("https://fhir.example.org/r4");
        (
            "CER-19",
            format!("Use the FHIR base URL, e.g. `{example}`."),
        )
    }

    /// The finding for an aud in JSON form; `None` when the practice/brand JSON form
    /// is accepted (and checked).
    fn json_aud(&self) -> Option<Advice> {
        None
    }

    /// The finding for a URL aud of the wrong shape, given its path segments and
    /// whether it names a tenant.
    fn aud_url(&self, _segments: &[&str], _names_tenant: bool) -> Option<Advice> {
        None
    }

    // ---- endpoints and tenants ----

    /// The finding for an authorize or token endpoint on `host` (lower-case) whose path
    /// names no tenant; `role` names the endpoint.
    fn untenanted_endpoint(&self, _host: &str, _role: &str) -> Option<Advice> {
        None
    }

    /// Why a request's tenant and its aud's tenant must agree; `None` when lint does not
    /// compare them.
    fn one_tenant_per_grant(&self) -> Option<&'static str> {
        None
    }

    // ---- other request parts ----

    /// The finding for an `Accept` header its FHIR API refuses at `path`.
    fn unaccepted_media_type(&self, _path: &str, _accept: &str) -> Option<Advice> {
        None
    }

    /// The rule an access token in the URL or sent twice breaks.
    fn token_in_query_rule(&self) -> &'static str {
        "RFC-04"
    }

    /// When a missing PKCE challenge is worth a warning.
    fn missing_pkce(&self) -> PkceExpectation {
        PkceExpectation::WhenSmart
    }

    /// The finding for a `state` value its server refuses.
    fn state_value(&self, _state: &str) -> Option<Advice> {
        None
    }

    /// The finding for an `openid` request without a `nonce`.
    fn openid_without_nonce(&self) -> Option<Advice> {
        None
    }

    /// The rule, and what the server answers, when the token request's redirect URI
    /// differs from the authorize request's.
    fn redirect_mismatch(&self) -> (&'static str, &'static str) {
        ("CER-18", "invalid_grant with an invalid-redirect-uri URN")
    }
}

/// The policy for a server lint knows nothing about: every default.
#[derive(Debug)]
pub struct NoVendor;

impl LintPolicy for NoVendor {}

pub static NO_VENDOR: NoVendor = NoVendor;

/// The policy for `vendor`; [`NO_VENDOR`] for a generic server.
pub fn policy(vendor: Vendor) -> &'static dyn LintPolicy {
    ALL.iter()
        .find(|v| v.vendor == vendor)
        .map_or(&NO_VENDOR as &dyn LintPolicy, |v| v.lint)
}

/// Every vendor's words for `remark`, in registry order.
pub fn remarks(remark: Remark) -> Vec<&'static str> {
    ALL.iter().filter_map(|v| v.lint.remark(remark)).collect()
}
