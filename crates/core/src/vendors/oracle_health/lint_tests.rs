//! `lint` against Oracle Health's requests and profiles: one bad and one corrected
//! example per rule its policy calls for, run by the diagnose tests with the generic
//! ones, seed 001 (an Oracle Health request), and checks of the policy itself through
//! the diagnose API.

use crate::diagnose::rules::scope::{Verdict, classify};
use crate::diagnose::tests::{
    Case, RFC_VERIFIER, SEED_001, T, case, has, lint_shipped_profiles, placeholder,
};
use crate::diagnose::vendor::{env_of, is_vendor_server_host, of_host};
use crate::diagnose::{
    Finding, Severity, lint_curl, lint_profile, lint_url, lint_url_for, render_text,
};
use crate::profile::Vendor;

/// An Oracle Health client_credentials token request with `scope`.
fn cer_cc(scope: &str) -> String {
    format!(
        "curl -X POST 'https://authorization.cerner.com/tenants/{T}/protocols/oauth2/profiles/smart-v1/token' -u \"$ID:$SECRET\" -d grant_type=client_credentials --data-urlencode 'scope={scope}'"
    )
}

/// An Oracle Health provider authorize URL; `q` adds parameters.
fn cer_auth(q: &str) -> String {
    format!(
        "https://authorization.cerner.com/tenants/{T}/protocols/oauth2/profiles/smart-v1/personas/provider/authorize?response_type=code&client_id=abc&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s1&{q}"
    )
}

fn cer_aud(tenant: &str) -> String {
    format!("aud=https%3A%2F%2Ffhir-ehr-code.cerner.com%2Fr4%2F{tenant}")
}

/// An authorization-code token request to Oracle Health; `extra` adds arguments.
fn cer_code(extra: &str) -> String {
    format!(
        "curl 'https://authorization.cerner.com/tenants/{T}/protocols/oauth2/profiles/smart-v1/token' -u \"$ID:$SECRET\" -d grant_type=authorization_code -d code=$CODE {extra}"
    )
}

/// The examples aimed at Oracle Health's servers.
pub(crate) fn cases() -> Vec<Case> {
    use Severity::{Error as E, Warning as W};
    let sixteen: Vec<String> = (0..16).map(|i| format!("system/R{i}.read")).collect();
    vec![
        case("LINT-C1", E,
            cer_cc("system/Patient.read").replace(T, "ec2458f2-1e24-41c8-b71b-0e701af7583dm"),
            cer_cc("system/Patient.read")),
        case("LINT-C2", E, cer_cc("system/Patient.read, system/Observation.read"), cer_cc("system/Patient.read system/Observation.read")),
        case("RFC-01", E, cer_cc("system/Patient.read "), cer_cc("system/Patient.read")),
        case("RFC-01", W, cer_cc("system/Patient.read  system/Observation.read"), cer_cc("system/Patient.read system/Observation.read")),
        case("LINT-A1", E, cer_cc("system/Patient.dus"), cer_cc("system/Patient.read")),
        case("LINT-A2", E, cer_cc("system/Patient.Read"), cer_cc("system/Patient.read")),
        case("CER-12", E, cer_cc("system/Patient.read user/Patient.read"), cer_cc("system/Patient.read")),
        case("CER-12", E, cer_cc("system/Patient.read offline_access"), cer_cc("system/Patient.read")),
        case("SMART-09", W, cer_cc("user/Patient.read"), cer_cc("system/Patient.read")),
        case("CER-11", W, cer_auth(&format!("{}&scope=user%2F*.read", cer_aud(T))), cer_auth(&format!("{}&scope=user%2FPatient.read", cer_aud(T)))),
        case("CER-24", W, cer_cc("system/Patient.read system/Observation.rs"), cer_cc("system/Patient.read system/Observation.read")),
        case("LINT-C4", W, cer_cc(&sixteen.join(" ")), cer_cc(&sixteen[..15].join(" "))),
        case("RFC-03", E, cer_code("-d code_verifier=tooshort"), cer_code(&format!("-d code_verifier={RFC_VERIFIER}"))),
        case("CER-19", E, cer_auth("scope=openid"), cer_auth(&format!("{}&scope=openid", cer_aud(T)))),
        case("LINT-C8", E, cer_code("-d redirect_uri=https://fhir-ehr-code.cerner.com/callback"), cer_code("-d redirect_uri=https://app.example.com/callback")),
        case("LINT-C8", W, cer_code("-d redirect_uri=http://app.example.com/callback"), cer_code("-d redirect_uri=http://127.0.0.1:8080/callback")),
        case("LINT-C8", E, cer_code("-d redirect_uri=/callback"), cer_code("-d redirect_uri=com.example.app:/callback")),
        case("CER-18", E,
            format!("curl '{}'\n{}", cer_auth(&cer_aud(T)), cer_code("-d redirect_uri=https://app.example.com/cb/")),
            format!("curl '{}'\n{}", cer_auth(&cer_aud(T)), cer_code("-d redirect_uri=https://app.example.com/cb"))),
        case("LINT-C9", E, cer_code("").replace("code=$CODE", "code=AUTHORIZATION_CODE"), cer_code("")),
        case("LINT-C9", E, cer_code("").replace("\"$ID:$SECRET\"", "'YOUR_CLIENT_ID:$SECRET'"), cer_code("")),
        case("LINT-C9", W, cer_code("").replace("\"$ID:$SECRET\"", "'id:xxxxx'"), cer_code("")),
        case("LINT-C9", E,
            cer_cc("system/Patient.read").replace(T, "{tenant}"),
            cer_cc("system/Patient.read")),
        case("LINT-C3", E, cer_cc("system/Patient.read").replace("-u \"$ID:$SECRET\" ", ""), cer_cc("system/Patient.read")),
        case("LINT-C3", E, cer_code("").replace("-u \"$ID:$SECRET\" ", ""), cer_code("").replace("-u \"$ID:$SECRET\" ", "-d client_id=abc ")),
        case("LINT-C11", E,
            cer_cc("system/Patient.read").replace("-u \"$ID:$SECRET\"", "-H 'Authorization: Basic aWQ6c2Vj\ncmV0'"),
            cer_cc("system/Patient.read").replace("-u \"$ID:$SECRET\"", "-H 'Authorization: Basic aWQ6c2VjcmV0'")),
        case("LINT-C11", W,
            cer_cc("system/Patient.read").replace("-u \"$ID:$SECRET\"", "-H \"Authorization: Basic $(echo -n $ID:$SECRET | base64)\""),
            cer_cc("system/Patient.read").replace("-u \"$ID:$SECRET\"", "-H \"Authorization: Basic $(echo -n $ID:$SECRET | base64 -w0)\"")),
        case("CER-07", E,
            cer_cc("system/Patient.read").replace("-u \"$ID:$SECRET\"", "-H 'Authorization: Bearer eyJhbGciOiJSUzM4NCJ9.e30.c2ln'"),
            cer_cc("system/Patient.read").replace("-u \"$ID:$SECRET\"", "-d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer -d client_assertion=eyJhbGciOiJSUzM4NCJ9.e30.c2ln")),
        case("SMART-10", E,
            cer_cc("system/Patient.read").replace("-u \"$ID:$SECRET\"", "-d client_assertion=eyJhbGciOiJSUzM4NCJ9.e30.c2ln"),
            cer_cc("system/Patient.read").replace("-u \"$ID:$SECRET\"", "-d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer -d client_assertion=eyJhbGciOiJSUzM4NCJ9.e30.c2ln")),
        case("CER-08", E,
            format!("curl https://authorization.cerner.com/tenants/{T}/protocols/oauth2/profiles/smart-v1/token -H 'Content-Type: application/json' -d '{{\"grant_type\":\"client_credentials\",\"client_assertion\":\"x\"}}'"),
            cer_cc("system/Patient.read")),
        case("OKT-11", E, cer_cc("system/Patient.read").replace("-u \"$ID:$SECRET\"", "-u \"$ID:$SECRET\" -d client_secret=$SECRET"), cer_cc("system/Patient.read")),
        case("OKT-11", E,
            cer_code("-d client_id=other").replace("$ID:", "abc:"),
            cer_code("-d client_id=abc").replace("$ID:", "abc:")),
        case("LINT-C6", E,
            format!("Application ID 2ba71521-f3f7-4776-babd-e0bf99775566\n{}", cer_cc("system/Patient.read").replace("$ID", "2ba71521-f3f7-4776-babd-e0bf99775566")),
            format!("Application ID 2ba71521-f3f7-4776-babd-e0bf99775566\n{}", cer_cc("system/Patient.read").replace("$ID", "ec9e9fdd-d770-4108-8589-62fa060429fb"))),
        case("LINT-C10", E, cer_cc("system/Patient.read").replace(" -u", " \\ -u"), cer_cc("system/Patient.read").replace(" -u", " \\\n  -u")),
        case("LINT-C10", E, cer_cc("system/Patient.read").replace(" -u", "\n  -u"), cer_cc("system/Patient.read").replace(" -u", " \\\n  -u")),
        case("LINT-C10", E, cer_cc("system/Patient.read").replace(" -u", " \\   \n  -u"), cer_cc("system/Patient.read").replace(" -u", " \\\n  -u")),
        case("LINT-C10", W, cer_cc("system/Patient.read").replace(" -u", " \\\n\n  -u"), cer_cc("system/Patient.read").replace(" -u", " \\\n  -u")),
        case("LINT-C10", E,
            cer_cc("system/Patient.read").replace("'scope=system/Patient.read'", "\u{2018}scope=system/Patient.read\u{2019}"),
            cer_cc("system/Patient.read")),
        case("LINT-C10", E,
            format!("curl {}", cer_auth(&format!("{}&scope=openid", cer_aud(T)))),
            format!("curl '{}'", cer_auth(&format!("{}&scope=openid", cer_aud(T))))),
        case("LINT-E1", E, cer_cc("system/Patient.read").replace("https://", "http://"), cer_cc("system/Patient.read")),
        case("LINT-E1", E, cer_cc("system/Patient.read").replace("'https://", "'"), cer_cc("system/Patient.read")),
        case("LINT-E4", E, cer_cc("system/Patient.read").replace("curl -X POST", "curl -G"), cer_cc("system/Patient.read")),
        case("LINT-E2", W, cer_cc("system/Patient.read").replace(&format!("tenants/{T}/"), ""), cer_cc("system/Patient.read")),
        case("LINT-E3", E,
            cer_auth(&format!("{}&scope=openid", cer_aud("0b8a0111-e8e6-4c26-a91c-5069cbc6b1ca"))),
            cer_auth(&format!("{}&scope=openid", cer_aud(T)))),
    ]
}

#[test]
fn seed_001_reports_continuations_vendor_redirect_and_placeholder_code() {
    let f = lint_curl(SEED_001).unwrap();
    let c10: Vec<&Finding> = f.iter().filter(|f| f.rule == "LINT-C10").collect();
    assert_eq!(c10.len(), 1, "one finding for the flattened line");
    assert!(c10[0].is_error() && c10[0].why.contains("5 times"));
    let c8 = f.iter().find(|f| f.rule == "LINT-C8").expect("LINT-C8");
    assert!(c8.is_error() && c8.value == "https://fhir-ehr-code.cerner.com/callback");
    let c9: Vec<&Finding> = f.iter().filter(|f| f.rule == "LINT-C9").collect();
    assert!(
        c9.iter()
            .any(|f| f.is_error() && f.value == "AUTHORIZATION_CODE")
    );
    // The masked secret is fine to share: a warning, not an error.
    assert!(
        c9.iter()
            .any(|f| f.severity == Severity::Warning && f.value == "xxxxx")
    );
    assert!(
        !f.iter().any(|f| f.rule == "LINT-C3"),
        "it does authenticate"
    );
}

#[test]
fn clean_requests_are_clean() {
    let f = lint_url(&cer_auth(&format!(
        "{}&scope=openid%20fhirUser%20profile%20user%2FPatient.read%20online_access",
        cer_aud(T)
    )))
    .unwrap();
    assert!(f.is_empty(), "{}", render_text(&f, ""));
}

#[test]
fn secrets_are_masked_in_output() {
    let cmd = format!(
        "curl https://authorization.cerner.com/tenants/{T}/protocols/oauth2/profiles/smart-v1/token -u 'id:hunter2-real-secret' -d grant_type=authorization_code -d code=AUTHORIZATION_CODE"
    );
    let f = lint_curl(&cmd).unwrap();
    let text = render_text(&f, &cmd);
    assert!(
        text.contains("AUTHORIZATION_CODE") && !text.contains("hunter2"),
        "{text}"
    );
    let bad_basic = format!(
        "curl https://authorization.cerner.com/tenants/{T}/protocols/oauth2/profiles/smart-v1/token -H 'Authorization: Basic c2VjcmV0LXdpdGhvdXQtY29sb24=' -d grant_type=client_credentials"
    );
    let f = lint_curl(&bad_basic).unwrap();
    let c11 = f.iter().find(|f| f.rule == "LINT-C11").unwrap();
    assert!(!c11.value.contains("c2VjcmV0"), "{}", c11.value);
    assert!(!render_text(&f, &bad_basic).contains("c2VjcmV0"));
}

#[test]
fn scope_classification() {
    let none: &[String] = &[];
    assert!(
        matches!(classify("system/Patient.Read", Vendor::OracleHealth, none), Verdict::Case(s) if s == "system/Patient.read")
    );
    assert!(
        matches!(classify("system/patient.read", Vendor::OracleHealth, none), Verdict::Case(s) if s == "system/Patient.read")
    );
    assert!(
        matches!(classify("fhiruser", Vendor::OracleHealth, none), Verdict::Case(s) if s == "fhirUser")
    );
    assert!(matches!(
        classify("system/Patient.rs", Vendor::OracleHealth, none),
        Verdict::Ok
    ));
    assert!(matches!(
        classify("system/Patient.dus", Vendor::OracleHealth, none),
        Verdict::BadPermission
    ));
}

#[test]
fn hosts() {
    assert_eq!(
        of_host("authorization.cerner.com"),
        Some(Vendor::OracleHealth)
    );
    assert_eq!(of_host("notcerner.com"), None);
    assert!(is_vendor_server_host("fhir-ehr-code.cerner.com"));
    assert_eq!(env_of("authorization.cerner.com", "/tenants/x"), None);
}

// ---- profiles ----

const PROFILE: &str = r#"vendor: oracle-health
environment: sandbox
tenant: TENANT
base_url: https://authorization.cerner.com
endpoints:
  authorize: /tenants/ec2458f2-1e24-41c8-b71b-0e701af7583d/protocols/oauth2/profiles/smart-v1/personas/provider/authorize
  token: /tenants/ec2458f2-1e24-41c8-b71b-0e701af7583d/protocols/oauth2/profiles/smart-v1/token
  fhir_base: https://fhir-ehr-code.cerner.com/r4/ec2458f2-1e24-41c8-b71b-0e701af7583d
redirect_uri: REDIRECT
aud: "{fhir_base}"
scopes:
  default: SCOPES
clients:
  system:
    id: CLIENT
    secret: ${SECRET}
    auth: client_secret_basic
login:
  method: manual
"#;

fn profile_findings(replacements: &[(&str, &str)]) -> Vec<Finding> {
    let mut text = PROFILE
        .replace("TENANT", T)
        .replace("REDIRECT", "https://app.example.com/callback")
        .replace("SCOPES", "openid fhirUser user/Patient.read")
        .replace("CLIENT", "3f0e6a0c-0b9e-4a47-9b5c-5a1d2e8f7c10");
    for (from, to) in replacements {
        text = text.replace(from, to);
    }
    let p = crate::profile::parse(std::path::Path::new("t.yaml"), &text, &|_| {
        Some("s3cret".into())
    })
    .unwrap_or_else(|e| panic!("{e}\n{text}"));
    lint_profile(&p, &text)
}

/// (replacements in the clean profile, rule expected, severity)
type ProfileCase<'a> = (&'a [(&'a str, &'a str)], &'static str, Severity);

#[test]
fn profile_rules() {
    assert!(
        profile_findings(&[]).is_empty(),
        "{:#?}",
        profile_findings(&[])
    );
    // Another vendor's production authorization host, for LINT-E2.
    let other_host = crate::vendors::ALL
        .iter()
        .find(|v| v.vendor != Vendor::OracleHealth)
        .map(|v| format!("https://{}", v.lint.production_hosts()[0]))
        .expect("a second vendor");
    let cases: &[ProfileCase] = &[
        (
            &[(
                "tenant: ec2458f2-1e24-41c8-b71b-0e701af7583d",
                "tenant: ec2458f2-1e24-41c8-b71b-0e701af7583dm",
            )],
            "LINT-C1",
            Severity::Error,
        ),
        (
            &[(
                "tenant: ec2458f2-1e24-41c8-b71b-0e701af7583d",
                "tenant: 0b8a0111-e8e6-4c26-a91c-5069cbc6b1ca",
            )],
            "LINT-E3",
            Severity::Error,
        ),
        (
            &[("environment: sandbox", "environment: production")],
            "LINT-A8",
            Severity::Warning,
        ),
        (
            &[(
                "https://authorization.cerner.com",
                "http://authorization.cerner.com",
            )],
            "LINT-E1",
            Severity::Error,
        ),
        (
            &[("https://authorization.cerner.com", &other_host)],
            "LINT-E2",
            Severity::Error,
        ),
        (
            &[(
                "id: 3f0e6a0c-0b9e-4a47-9b5c-5a1d2e8f7c10",
                "id: YOUR_CLIENT_ID",
            )],
            "LINT-C9",
            Severity::Error,
        ),
        (
            &[("default: openid fhirUser", "default: open_id fhirUser")],
            "LINT-A1",
            Severity::Error,
        ),
        (
            &[(
                "default: openid fhirUser user/Patient.read",
                "default: openid fhirUser user/Patient.read system/Patient.read",
            )],
            "CER-12",
            Severity::Error,
        ),
        (
            &[(
                "redirect_uri: https://app.example.com/callback",
                "redirect_uri: https://fhir-ehr-code.cerner.com/callback",
            )],
            "LINT-C8",
            Severity::Error,
        ),
        (
            &[("aud: \"{fhir_base}\"", "aud: '{\"PRACTICEID\":\"1\"}'")],
            "CER-19",
            Severity::Error,
        ),
    ];
    for (repl, rule, sev) in cases {
        let f = profile_findings(repl);
        assert!(
            has(&f, rule, *sev),
            "{rule} did not fire for {repl:?}: {f:#?}"
        );
    }
    // Findings point at the profile's lines.
    let f = profile_findings(cases[0].0);
    let c1 = f.iter().find(|f| f.rule == "LINT-C1").unwrap();
    assert_eq!(c1.location.map(|l| l.line), Some(3));
}

#[test]
fn shipped_profiles_lint_without_errors() {
    lint_shipped_profiles(Vendor::OracleHealth, &|name| {
        if name.contains("FHIR_BASE") && !name.contains("URI") {
            return Some(format!("https://fhir-ehr-code.cerner.com/r4/{T}"));
        }
        placeholder(name)
    });
}

#[test]
fn a_fhir_base_naming_its_tenant_is_a_tenants_aud_on_any_host() {
    // The emulator's (or a proxy's) FHIR base: `/r4/<tenant>` on a host that is not
    // Oracle Health's.
    let at = |aud: &str| {
        format!(
            "http://127.0.0.1:8080/tenants/{T}/protocols/oauth2/profiles/smart-v1/personas/provider/authorize?response_type=code&client_id=abc&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s1&scope=openid&aud={aud}"
        )
    };
    let lint = |url: &str| lint_url_for(url, Some(Vendor::OracleHealth)).unwrap();
    let tenanted = lint(&at(&format!("http%3A%2F%2F127.0.0.1%3A8080%2Fr4%2F{T}")));
    assert!(
        !tenanted.iter().any(|f| f.rule == "CER-19"),
        "{}",
        render_text(&tenanted, "")
    );
    let untenanted = lint(&at("http%3A%2F%2F127.0.0.1%3A8080%2Ffhir"));
    assert!(
        untenanted.iter().any(|f| f.rule == "CER-19"),
        "{}",
        render_text(&untenanted, "")
    );
}
