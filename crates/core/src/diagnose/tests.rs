//! Lint against the seed fixtures (the done-when checks), one bad and one corrected
//! example per rule, profile lint, and garbage input for every public function.

use super::explain::{explain, parse_error_uri};
use super::*;

const SEED_000: &str = include_str!("../../../../tests/fixtures/seeds/000-request.txt");
const SEED_000_FRAGMENT: &str =
    include_str!("../../../../tests/fixtures/seeds/000-request-fragment.txt");
const SEED_000_FIXED: &str =
    include_str!("../../../../tests/fixtures/seeds/000-request-corrected.txt");
const SEED_001: &str = include_str!("../../../../tests/fixtures/seeds/001-request.txt");
const SEED_001_FIXED: &str =
    include_str!("../../../../tests/fixtures/seeds/001-request-corrected.txt");
const SEED_000_BODY: &str = include_str!("../../../../tests/fixtures/seeds/000-error-body.txt");
const SEED_001_BODY: &str = include_str!("../../../../tests/fixtures/seeds/001-error-body.txt");

fn errors(f: &[Finding]) -> Vec<&'static str> {
    f.iter().filter(|f| f.is_error()).map(|f| f.rule).collect()
}

fn has(f: &[Finding], rule: &str, sev: Severity) -> bool {
    f.iter().any(|f| f.rule == rule && f.severity == sev)
}

// ---- done-when: the seeds ----

#[test]
fn seed_000_reports_malformed_tenant_and_comma_separated_scopes() {
    let f = lint_curl(SEED_000).unwrap();
    let c1 = f.iter().find(|f| f.rule == "LINT-C1").expect("LINT-C1");
    assert!(c1.is_error());
    assert_eq!(c1.value, "5b22adf1-4884-4ac2-b6f3-04fa545ac9fcm");
    assert_eq!(
        c1.location,
        Some(Location {
            line: 1,
            column: 42,
            len: 37
        })
    );
    let c2 = f.iter().find(|f| f.rule == "LINT-C2").expect("LINT-C2");
    assert!(c2.is_error());
    assert_eq!(c2.value, "system/Account.read,");
    assert_eq!(c2.location.map(|l| (l.line, l.column)), Some((5, 25)));
    // The fragment has no client authentication either (LINT-C3), and 22 scopes (LINT-C4).
    assert!(has(&f, "LINT-C3", Severity::Error));
    assert!(has(&f, "LINT-C4", Severity::Warning));
    let text = render_text(&f, SEED_000);
    assert!(
        text.contains("^^^^") && text.contains("error[LINT-C1]"),
        "{text}"
    );
}

#[test]
fn seed_000_fragment_alone_still_reports_the_scopes() {
    let f = lint_curl(SEED_000_FRAGMENT).unwrap();
    assert!(has(&f, "LINT-C2", Severity::Error));
    assert!(
        f.iter()
            .any(|f| f.rule == "LINT-C3" && f.why.contains("no URL"))
    );
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
fn corrected_seeds_lint_clean() {
    for s in [SEED_000_FIXED, SEED_001_FIXED] {
        let f = lint_curl(s).unwrap();
        assert!(errors(&f).is_empty(), "{}", render_text(&f, s));
    }
    // What remains of seed 000 is the advice to request fewer scopes.
    let f = lint_curl(SEED_000_FIXED).unwrap();
    assert_eq!(f.iter().map(|f| f.rule).collect::<Vec<_>>(), ["LINT-C4"]);
    assert!(lint_curl(SEED_001_FIXED).unwrap().is_empty());
}

// ---- one bad and one corrected example per rule ----

const T: &str = "ec2458f2-1e24-41c8-b71b-0e701af7583d";
const RFC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const RFC_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

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

struct Case {
    rule: &'static str,
    severity: Severity,
    bad: String,
    good: String,
}

fn case(
    rule: &'static str,
    severity: Severity,
    bad: impl Into<String>,
    good: impl Into<String>,
) -> Case {
    Case {
        rule,
        severity,
        bad: bad.into(),
        good: good.into(),
    }
}

fn cases() -> Vec<Case> {
    use Severity::{Error as E, Warning as W};
    let sixteen: Vec<String> = (0..16).map(|i| format!("system/R{i}.read")).collect();
    vec![
        case("LINT-C1", E,
            cer_cc("system/Patient.read").replace(T, "ec2458f2-1e24-41c8-b71b-0e701af7583dm"),
            cer_cc("system/Patient.read")),
        case("LINT-C2", E, cer_cc("system/Patient.read, system/Observation.read"), cer_cc("system/Patient.read system/Observation.read")),
        case("LINT-C2", E,
            ath_ok("scope=openid%3Bathena%2Fuser%2FIdentity.PatientMappings.read"),
            ath_ok("scope=openid%20athena%2Fuser%2FIdentity.PatientMappings.read")),
        case("RFC-01", E, ath_ok("scope=openid%2520offline_access"), ath_ok("scope=openid%20offline_access")),
        case("RFC-01", E, cer_cc("system/Patient.read "), cer_cc("system/Patient.read")),
        case("RFC-01", W, cer_cc("system/Patient.read  system/Observation.read"), cer_cc("system/Patient.read system/Observation.read")),
        case("LINT-A1", E, ath_ok("scope=open_id"), ath_ok("scope=openid")),
        case("LINT-A1", W, ath_ok("scope=openid+patient%2FEncounter.read"), ath_ok("scope=openid+patient%2FObservation.read")),
        case("LINT-A1", E, cer_cc("system/Patient.dus"), cer_cc("system/Patient.read")),
        case("LINT-A2", E, ath_ok("scope=openid+Patient%2FAllergyIntolerance.read"), ath_ok("scope=openid+patient%2FAllergyIntolerance.read")),
        case("LINT-A2", E, cer_cc("system/Patient.Read"), cer_cc("system/Patient.read")),
        case("CER-12", E, cer_cc("system/Patient.read user/Patient.read"), cer_cc("system/Patient.read")),
        case("CER-12", E, cer_cc("system/Patient.read offline_access"), cer_cc("system/Patient.read")),
        case("SMART-09", W, cer_cc("user/Patient.read"), cer_cc("system/Patient.read")),
        case("CER-11", W, cer_auth(&format!("{}&scope=user%2F*.read", cer_aud(T))), cer_auth(&format!("{}&scope=user%2FPatient.read", cer_aud(T)))),
        case("ATH-04", E, ath_ok("scope=openid+patient%2F*.read"), ath_ok("scope=openid+patient%2FPatient.read")),
        case("CER-24", W, cer_cc("system/Patient.read system/Observation.rs"), cer_cc("system/Patient.read system/Observation.read")),
        case("LINT-C4", W, cer_cc(&sixteen.join(" ")), cer_cc(&sixteen[..15].join(" "))),
        case("LINT-A6", E,
            ath("state=abc123&nonce=n1&code_challenge=abcdefghijabcdefghijabcdefghijabcdefghij123&code_challenge_method=plain"),
            ath_ok("scope=openid")),
        case("LINT-A6", E,
            ath(&format!("state=abc123&nonce=n1&code_challenge={RFC_CHALLENGE}")),
            ath_ok("scope=openid")),
        case("RFC-03", E, cer_code("-d code_verifier=tooshort"), cer_code(&format!("-d code_verifier={RFC_VERIFIER}"))),
        case("RFC-03", E,
            ath(&format!("state=abc123&nonce=n1&code_challenge={RFC_CHALLENGE}=&code_challenge_method=S256")),
            ath_ok("scope=openid")),
        case("RFC-03", E,
            format!("curl '{}'\ncurl https://myidentity.platform.athenahealth.com/oauth2/v1/token -d grant_type=authorization_code -d client_id=0oa1 -d code=$CODE -d code_verifier={}", ath_ok("scope=openid"), "x".repeat(43).replace('x', "a")),
            format!("curl '{}'\ncurl https://myidentity.platform.athenahealth.com/oauth2/v1/token -d grant_type=authorization_code -d client_id=0oa1 -d code=$CODE -d code_verifier={RFC_VERIFIER} -d redirect_uri=https://app.example.com/cb", ath_ok("scope=openid"))),
        case("SMART-06", W, ath("state=abc123&nonce=n1&scope=openid"), ath_ok("scope=openid")),
        case("LINT-A7", E, ath("nonce=n1&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"), ath_ok("scope=openid")),
        case("LINT-A7", W,
            "https://login.example.org/authorize?response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope=read",
            "https://login.example.org/authorize?response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope=read&state=s"),
        case("OKT-10", W, ath("state=a%20b&nonce=n1&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"), ath_ok("")),
        case("ATH-02", W, ath("state=abc123&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&scope=openid"), ath_ok("scope=openid")),
        case("LINT-A10", E,
            ath_ok("aud=%257B%2522PRACTICEID%2522%253A%2522195900%2522%252C%2522COMMUNICATORBRANDID%2522%253A%25221%2522%257D"),
            ath_ok("aud=%7B%22PRACTICEID%22%3A%22195900%22%2C%22COMMUNICATORBRANDID%22%3A%221%22%7D")),
        case("LINT-A9", E,
            ath_ok("aud=%7B%22PRACTICEID%22:%22195900%22,%22COMMUNICATORBRANDID%22:%221%22%26%27D"),
            ath_ok("aud=%7B%22PRACTICEID%22:%22195900%22,%22COMMUNICATORBRANDID%22:%221%22%7D")),
        case("LINT-A9", E,
            ath_ok("aud=%7B%22PRACTICEID%22%3A195900%2C%22COMMUNICATORBRANDID%22%3A%221%22%7D"),
            ath_ok("aud=%7B%22PRACTICEID%22%3A%22195900%22%2C%22COMMUNICATORBRANDID%22%3A%221%22%7D")),
        case("ATH-03", W,
            ath_ok("aud=https%3A%2F%2Fapi.athenahealth.com%2Fv1%2F98765%2F2%2Ffhir%2Fdstu2"),
            ath_ok("aud=https%3A%2F%2Fapi.athenahealth.com%2Fv1%2F98765%2F2%2F24%2Ffhir%2Fdstu2")),
        case("CER-19", E, cer_auth("scope=openid"), cer_auth(&format!("{}&scope=openid", cer_aud(T)))),
        case("LINT-A8", W,
            ath_ok("aud=https%3A%2F%2Fapi.athenahealth.com%2Fpreview1%2F98765%2F2%2F24%2Ffhir%2Fdstu2"),
            ath_ok("aud=https%3A%2F%2Fapi.athenahealth.com%2Fv1%2F98765%2F2%2F24%2Ffhir%2Fdstu2")),
        case("LINT-C8", E, cer_code("-d redirect_uri=https://fhir-ehr-code.cerner.com/callback"), cer_code("-d redirect_uri=https://app.example.com/callback")),
        case("LINT-C8", W, cer_code("-d redirect_uri=http://app.example.com/callback"), cer_code("-d redirect_uri=http://127.0.0.1:8080/callback")),
        case("LINT-C8", E, cer_code("-d redirect_uri=/callback"), cer_code("-d redirect_uri=com.example.app:/callback")),
        case("CER-18", E,
            format!("curl '{}'\n{}", cer_auth(&cer_aud(T)), cer_code("-d redirect_uri=https://app.example.com/cb/")),
            format!("curl '{}'\n{}", cer_auth(&cer_aud(T)), cer_code("-d redirect_uri=https://app.example.com/cb"))),
        case("OKT-04", E,
            format!("curl '{}'\ncurl https://myidentity.platform.athenahealth.com/oauth2/v1/token -u \"$ID:$S\" -d grant_type=authorization_code -d code=$C -d code_verifier={RFC_VERIFIER} -d redirect_uri=https://app.example.com/other", ath_ok("scope=openid")),
            format!("curl '{}'\ncurl https://myidentity.platform.athenahealth.com/oauth2/v1/token -u \"$ID:$S\" -d grant_type=authorization_code -d code=$C -d code_verifier={RFC_VERIFIER} -d redirect_uri=https://app.example.com/cb", ath_ok("scope=openid"))),
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
        case("OKT-18", E,
            "curl 'https://api.athenahealth.com/preview1/1/2/3/fhir/dstu2/Patient/9?access_token=abc.def'",
            "curl 'https://api.athenahealth.com/preview1/1/2/3/fhir/dstu2/Patient/9' -H \"Authorization: Bearer $TOKEN\""),
        case("RFC-04", E,
            "https://fhir.example.org/r4/Patient/9?access_token=abc.def",
            "https://fhir.example.org/r4/Patient/9"),
        case("ATH-16", W,
            "curl 'https://api.athenahealth.com/preview1/1/2/3/fhir/dstu2/Patient/9' -H 'Accept: application/fhir+json'",
            "curl 'https://api.athenahealth.com/preview1/1/2/3/fhir/dstu2/Patient/9' -H 'Accept: application/json+fhir'"),
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
        case("LINT-A16", E,
            "curl -G https://myidentity.platform.athenahealth.com/oauth2/v1/introspect -u \"$ID:$S\" --data-urlencode \"token=$T\"",
            "curl https://myidentity.platform.athenahealth.com/oauth2/v1/introspect -u \"$ID:$S\" --data-urlencode \"token=$T\""),
        case("LINT-E2", W, cer_cc("system/Patient.read").replace(&format!("tenants/{T}/"), ""), cer_cc("system/Patient.read")),
        case("LINT-E3", E,
            cer_auth(&format!("{}&scope=openid", cer_aud("0b8a0111-e8e6-4c26-a91c-5069cbc6b1ca"))),
            cer_auth(&format!("{}&scope=openid", cer_aud(T)))),
    ]
}

#[test]
fn every_rule_fires_on_its_bad_example_and_not_on_the_corrected_one() {
    for c in cases() {
        let bad = lint_text(&c.bad, None).unwrap_or_else(|e| panic!("{}: {e}", c.rule));
        assert!(
            has(&bad, c.rule, c.severity),
            "{} ({:?}) did not fire on:\n{}\n{}",
            c.rule,
            c.severity,
            c.bad,
            render_text(&bad, &c.bad)
        );
        let good = lint_text(&c.good, None).unwrap_or_else(|e| panic!("{}: {e}", c.rule));
        assert!(
            !good.iter().any(|f| f.rule == c.rule),
            "{} fired on the corrected example:\n{}\n{}",
            c.rule,
            c.good,
            render_text(&good, &c.good)
        );
        for f in &bad {
            assert!(
                !f.why.is_empty() && !f.fix.is_empty(),
                "{} lacks why/fix",
                f.rule
            );
        }
    }
}

#[test]
fn clean_requests_are_clean() {
    let f = lint_url(&ath_ok("scope=openid%20offline_access%20launch%2Fpatient%20patient%2FPatient.read&aud=%7B%22PRACTICEID%22%3A%22195900%22%2C%22COMMUNICATORBRANDID%22%3A%221%22%7D")).unwrap();
    assert!(f.is_empty(), "{}", render_text(&f, ""));
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
fn json_rendering() {
    let f = lint_curl(SEED_001).unwrap();
    let j = render_json(&f);
    assert_eq!(j["errors"], 3);
    assert_eq!(j["warnings"], 1);
    assert_eq!(j["findings"][0]["rule"], "LINT-C10");
    assert_eq!(j["findings"][0]["location"]["line"], 1);
}

#[test]
fn unreadable_input_is_an_input_error() {
    let e = lint_curl("curl 'https://x/token\n-d a=1").unwrap_err();
    assert_eq!(e.line, Some(1));
    assert!(lint_curl("").is_err());
    assert!(lint_url("not a url").is_err());
    assert!(lint_url("   ").is_err());
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
type ProfileCase = (
    &'static [(&'static str, &'static str)],
    &'static str,
    Severity,
);

#[test]
fn profile_rules() {
    assert!(
        profile_findings(&[]).is_empty(),
        "{:#?}",
        profile_findings(&[])
    );
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
            &[(
                "https://authorization.cerner.com",
                "https://myidentity.platform.athenahealth.com",
            )],
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
    // This crate lives in crates/core; the project's profiles/ is two levels up.
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let dir = root.join("profiles");
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the shipped profiles at {}: {e}", dir.display()));
    let lookup = |name: &str| {
        // Variables with a default in the profile (athenahealth-preview's hosts) are
        // left unset, as a user would, so the defaults are what gets linted.
        if name.starts_with("ATHENA_PREVIEW_")
            && (name.ends_with("BASE_URL") || name.ends_with("FHIR_BASE"))
        {
            return None;
        }
        Some(if name.contains("URI") {
            "https://app.example.com/callback".to_string()
        } else if name.contains("FHIR_BASE") {
            format!("https://fhir-ehr-code.cerner.com/r4/{T}")
        } else if name.contains("TENANT") {
            T.to_string()
        } else {
            format!("value-{}", name.to_ascii_lowercase())
        })
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(p) = crate::profile::parse(&path, &text, &lookup) else {
            continue;
        };
        let f = lint_profile(&p, &text);
        assert!(
            errors(&f).is_empty(),
            "{}:\n{}",
            path.display(),
            render_text(&f, &text)
        );
    }
}

// ---- no panics on any input ----

fn garbage(seed: u64, n: usize) -> String {
    const ALPHABET: &[char] = &[
        'a', 'Z', '0', '9', '-', '_', '.', '~', '/', ':', '?', '#', '&', '=', '%', '+', ' ', '\n',
        '\\', '\'', '"', '{', '}', '[', ']', '<', '>', '$', '(', ')', ';', '|', '@', ',', 'é', '“',
        '’', '\u{feff}', '\t', '\r',
    ];
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ALPHABET[((x >> 33) as usize) % ALPHABET.len()]
        })
        .collect()
}

fn every_public_function(input: &str) {
    for f in [lint_curl(input), lint_url(input), lint_text(input, None)]
        .into_iter()
        .flatten()
    {
        let _ = render_text(&f, input);
        let _ = render_json(&f);
    }
    if let Ok(e) = explain(input, None) {
        let _ = explain::render_text(&e);
        let _ = explain::render_json(&e);
    }
    let _ = parse_error_uri(input);
}

#[test]
fn no_panics_on_truncated_or_garbage_input() {
    let samples: Vec<String> = vec![
        SEED_000,
        SEED_000_FRAGMENT,
        SEED_000_FIXED,
        SEED_001,
        SEED_001_FIXED,
        SEED_000_BODY,
        SEED_001_BODY,
    ]
    .into_iter()
    .map(String::from)
    .collect();
    for s in &samples {
        for (i, _) in s.char_indices() {
            every_public_function(&s[..i]);
            every_public_function(&s[i..]);
        }
    }
    // The rule examples, cut at a sample of places.
    for s in cases().into_iter().flat_map(|c| [c.bad, c.good]) {
        for (i, _) in s.char_indices().step_by(11) {
            every_public_function(&s[..i]);
            every_public_function(&s[i..]);
        }
    }
    for seed in 0..400 {
        let g = garbage(seed, (seed as usize % 97) + 1);
        every_public_function(&g);
        every_public_function(&format!(
            "curl https://authorization.cerner.com/tenants/{g}/token -d {g}"
        ));
        every_public_function(&format!(
            "https://x.example/authorize?scope={g}&aud={g}&redirect_uri={g}"
        ));
        every_public_function(&format!(
            "{{\"error\":\"{g}\",\"error_uri\":\"https://a/errors/{g}\"}}"
        ));
    }
}

#[test]
fn the_rule_registry_matches_the_rules_that_fire() {
    let fired: std::collections::BTreeSet<&str> = cases().iter().map(|c| c.rule).collect();
    let listed: std::collections::BTreeSet<&str> = super::RULES.iter().copied().collect();
    let unlisted: Vec<_> = fired.difference(&listed).collect();
    let untested: Vec<_> = listed.difference(&fired).collect();
    assert!(
        unlisted.is_empty(),
        "rules with bad examples but not in RULES: {unlisted:?}"
    );
    assert!(
        untested.is_empty(),
        "RULES without a bad example: {untested:?}"
    );
}
