//! `lint` against athenahealth's requests: one bad and one corrected example per rule
//! its policy calls for, run by the diagnose tests with the generic ones, and checks
//! of the policy itself through the diagnose API.

use crate::diagnose::rules::scope::{Verdict, classify};
use crate::diagnose::tests::{
    Case, RFC_CHALLENGE, RFC_VERIFIER, case, lint_shipped_profiles, placeholder,
};
use crate::diagnose::vendor::{EnvClass, env_of, of_host};
use crate::diagnose::{Severity, lint_url, render_text};
use crate::profile::Vendor;

/// An athenahealth authorize URL; `q` adds or overrides parameters.
fn ath(q: &str) -> String {
    format!(
        "https://myidentity.platform.athenahealth.com/oauth2/v1/authorize?response_type=code&client_id=0oa1&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&{q}"
    )
}
const ATH_OK: &str = "state=abc123&nonce=n1&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";

fn ath_ok(extra: &str) -> String {
    ath(&format!("{ATH_OK}&{extra}"))
}

/// The examples aimed at athenahealth's servers.
pub(crate) fn cases() -> Vec<Case> {
    use Severity::{Error as E, Warning as W};
    vec![
        case(
            "LINT-C2",
            E,
            ath_ok("scope=openid%3Bathena%2Fuser%2FIdentity.PatientMappings.read"),
            ath_ok("scope=openid%20athena%2Fuser%2FIdentity.PatientMappings.read"),
        ),
        case(
            "RFC-01",
            E,
            ath_ok("scope=openid%2520offline_access"),
            ath_ok("scope=openid%20offline_access"),
        ),
        case(
            "LINT-A1",
            E,
            ath_ok("scope=open_id"),
            ath_ok("scope=openid"),
        ),
        case(
            "LINT-A1",
            W,
            ath_ok("scope=openid+patient%2FEncounter.read"),
            ath_ok("scope=openid+patient%2FObservation.read"),
        ),
        case(
            "LINT-A2",
            E,
            ath_ok("scope=openid+Patient%2FAllergyIntolerance.read"),
            ath_ok("scope=openid+patient%2FAllergyIntolerance.read"),
        ),
        case(
            "ATH-04",
            E,
            ath_ok("scope=openid+patient%2F*.read"),
            ath_ok("scope=openid+patient%2FPatient.read"),
        ),
        case(
            "LINT-A6",
            E,
            ath(
                "state=abc123&nonce=n1&code_challenge=abcdefghijabcdefghijabcdefghijabcdefghij123&code_challenge_method=plain",
            ),
            ath_ok("scope=openid"),
        ),
        case(
            "LINT-A6",
            E,
            ath(&format!(
                "state=abc123&nonce=n1&code_challenge={RFC_CHALLENGE}"
            )),
            ath_ok("scope=openid"),
        ),
        case(
            "RFC-03",
            E,
            ath(&format!(
                "state=abc123&nonce=n1&code_challenge={RFC_CHALLENGE}=&code_challenge_method=S256"
            )),
            ath_ok("scope=openid"),
        ),
        case(
            "RFC-03",
            E,
            format!(
                "curl '{}'\ncurl https://myidentity.platform.athenahealth.com/oauth2/v1/token -d grant_type=authorization_code -d client_id=0oa1 -d code=$CODE -d code_verifier={}",
                ath_ok("scope=openid"),
                "x".repeat(43).replace('x', "a")
            ),
            format!(
                "curl '{}'\ncurl https://myidentity.platform.athenahealth.com/oauth2/v1/token -d grant_type=authorization_code -d client_id=0oa1 -d code=$CODE -d code_verifier={RFC_VERIFIER} -d redirect_uri=https://app.example.com/cb",
                ath_ok("scope=openid")
            ),
        ),
        case(
            "SMART-06",
            W,
            ath("state=abc123&nonce=n1&scope=openid"),
            ath_ok("scope=openid"),
        ),
        case(
            "LINT-A7",
            E,
            ath(
                "nonce=n1&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
            ),
            ath_ok("scope=openid"),
        ),
        case(
            "OKT-10",
            W,
            ath(
                "state=a%20b&nonce=n1&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
            ),
            ath_ok(""),
        ),
        case(
            "ATH-02",
            W,
            ath(
                "state=abc123&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&scope=openid",
            ),
            ath_ok("scope=openid"),
        ),
        case(
            "LINT-A10",
            E,
            ath_ok(
                "aud=%257B%2522PRACTICEID%2522%253A%2522195900%2522%252C%2522COMMUNICATORBRANDID%2522%253A%25221%2522%257D",
            ),
            ath_ok(
                "aud=%7B%22PRACTICEID%22%3A%22195900%22%2C%22COMMUNICATORBRANDID%22%3A%221%22%7D",
            ),
        ),
        case(
            "LINT-A9",
            E,
            ath_ok("aud=%7B%22PRACTICEID%22:%22195900%22,%22COMMUNICATORBRANDID%22:%221%22%26%27D"),
            ath_ok("aud=%7B%22PRACTICEID%22:%22195900%22,%22COMMUNICATORBRANDID%22:%221%22%7D"),
        ),
        case(
            "LINT-A9",
            E,
            ath_ok("aud=%7B%22PRACTICEID%22%3A195900%2C%22COMMUNICATORBRANDID%22%3A%221%22%7D"),
            ath_ok(
                "aud=%7B%22PRACTICEID%22%3A%22195900%22%2C%22COMMUNICATORBRANDID%22%3A%221%22%7D",
            ),
        ),
        case(
            "ATH-03",
            W,
            ath_ok("aud=https%3A%2F%2Fapi.athenahealth.com%2Fv1%2F98765%2F2%2Ffhir%2Fdstu2"),
            ath_ok("aud=https%3A%2F%2Fapi.athenahealth.com%2Fv1%2F98765%2F2%2F24%2Ffhir%2Fdstu2"),
        ),
        case(
            "LINT-A8",
            W,
            ath_ok(
                "aud=https%3A%2F%2Fapi.athenahealth.com%2Fpreview1%2F98765%2F2%2F24%2Ffhir%2Fdstu2",
            ),
            ath_ok("aud=https%3A%2F%2Fapi.athenahealth.com%2Fv1%2F98765%2F2%2F24%2Ffhir%2Fdstu2"),
        ),
        case(
            "OKT-04",
            E,
            format!(
                "curl '{}'\ncurl https://myidentity.platform.athenahealth.com/oauth2/v1/token -u \"$ID:$S\" -d grant_type=authorization_code -d code=$C -d code_verifier={RFC_VERIFIER} -d redirect_uri=https://app.example.com/other",
                ath_ok("scope=openid")
            ),
            format!(
                "curl '{}'\ncurl https://myidentity.platform.athenahealth.com/oauth2/v1/token -u \"$ID:$S\" -d grant_type=authorization_code -d code=$C -d code_verifier={RFC_VERIFIER} -d redirect_uri=https://app.example.com/cb",
                ath_ok("scope=openid")
            ),
        ),
        case(
            "OKT-18",
            E,
            "curl 'https://api.athenahealth.com/preview1/1/2/3/fhir/dstu2/Patient/9?access_token=abc.def'",
            "curl 'https://api.athenahealth.com/preview1/1/2/3/fhir/dstu2/Patient/9' -H \"Authorization: Bearer $TOKEN\"",
        ),
        case(
            "ATH-16",
            W,
            "curl 'https://api.athenahealth.com/preview1/1/2/3/fhir/dstu2/Patient/9' -H 'Accept: application/fhir+json'",
            "curl 'https://api.athenahealth.com/preview1/1/2/3/fhir/dstu2/Patient/9' -H 'Accept: application/json+fhir'",
        ),
        case(
            "LINT-A16",
            E,
            "curl -G https://myidentity.platform.athenahealth.com/oauth2/v1/introspect -u \"$ID:$S\" --data-urlencode \"token=$T\"",
            "curl https://myidentity.platform.athenahealth.com/oauth2/v1/introspect -u \"$ID:$S\" --data-urlencode \"token=$T\"",
        ),
    ]
}

#[test]
fn clean_requests_are_clean() {
    let f = lint_url(&ath_ok("scope=openid%20offline_access%20launch%2Fpatient%20patient%2FPatient.read&aud=%7B%22PRACTICEID%22%3A%22195900%22%2C%22COMMUNICATORBRANDID%22%3A%221%22%7D")).unwrap();
    assert!(f.is_empty(), "{}", render_text(&f, ""));
}

#[test]
fn scope_classification() {
    let none: &[String] = &[];
    assert!(
        matches!(classify("open_id", Vendor::Athenahealth, none), Verdict::Typo(s) if s == "openid")
    );
    assert!(
        matches!(classify("Patient/AllergyIntolerance.read", Vendor::Athenahealth, none), Verdict::Case(s) if s == "patient/AllergyIntolerance.read")
    );
    assert!(matches!(
        classify("patient/*.read", Vendor::Athenahealth, none),
        Verdict::Wildcard
    ));
    assert!(matches!(
        classify("patient/Encounter.read", Vendor::Athenahealth, none),
        Verdict::Unknown
    ));
    let permitted = vec!["patient/Encounter.read".to_string()];
    assert!(matches!(
        classify("patient/Encounter.read", Vendor::Athenahealth, &permitted),
        Verdict::Ok
    ));
}

#[test]
fn hosts() {
    assert_eq!(
        of_host("myidentity.platform.athenahealth.com"),
        Some(Vendor::Athenahealth)
    );
    assert_eq!(
        env_of("apitest.athenahealth.com", "/v1/1/2/3/fhir/dstu2"),
        Some(EnvClass::Test)
    );
    assert_eq!(
        env_of("api.athenahealth.com", "/v1/1/2/3/fhir/dstu2"),
        Some(EnvClass::Production)
    );
}

#[test]
fn shipped_profiles_lint_without_errors() {
    lint_shipped_profiles(Vendor::Athenahealth, &|name| {
        // Variables with a default in the profile (athenahealth-preview's hosts) are
        // left unset, as a user would, so the defaults are what gets linted.
        if name.starts_with("ATHENA_PREVIEW_")
            && (name.ends_with("BASE_URL") || name.ends_with("FHIR_BASE"))
        {
            return None;
        }
        placeholder(name)
    });
}
