//! Lint against the seed fixtures (the done-when checks), one bad and one corrected
//! example per rule, profile lint, and garbage input for every public function. The
//! examples aimed at a vendor's servers live in that vendor's folder
//! (`vendors/*/lint_tests.rs`) and use the helpers here.

use super::explain::{explain, parse_error_uri};
use super::*;
use crate::vendors;

const SEED_000: &str = include_str!("../../../../tests/fixtures/seeds/000-request.txt");
const SEED_000_FRAGMENT: &str =
    include_str!("../../../../tests/fixtures/seeds/000-request-fragment.txt");
const SEED_000_FIXED: &str =
    include_str!("../../../../tests/fixtures/seeds/000-request-corrected.txt");
pub(crate) const SEED_001: &str = include_str!("../../../../tests/fixtures/seeds/001-request.txt");
const SEED_001_FIXED: &str =
    include_str!("../../../../tests/fixtures/seeds/001-request-corrected.txt");
const SEED_000_BODY: &str = include_str!("../../../../tests/fixtures/seeds/000-error-body.txt");
const SEED_001_BODY: &str = include_str!("../../../../tests/fixtures/seeds/001-error-body.txt");

pub(crate) fn errors(f: &[Finding]) -> Vec<&'static str> {
    f.iter().filter(|f| f.is_error()).map(|f| f.rule).collect()
}

pub(crate) fn has(f: &[Finding], rule: &str, sev: Severity) -> bool {
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

/// A well-formed tenant id.
pub(crate) const T: &str = "ec2458f2-1e24-41c8-b71b-0e701af7583d";
pub(crate) const RFC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub(crate) const RFC_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub(crate) struct Case {
    pub(crate) rule: &'static str,
    pub(crate) severity: Severity,
    pub(crate) bad: String,
    pub(crate) good: String,
}

pub(crate) fn case(
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

/// The examples aimed at no vendor.
fn generic_cases() -> Vec<Case> {
    use Severity::{Error as E, Warning as W};
    vec![
        case(
            "LINT-A7",
            W,
            "https://login.example.org/authorize?response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope=read",
            "https://login.example.org/authorize?response_type=code&client_id=c&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope=read&state=s",
        ),
        case(
            "RFC-04",
            E,
            "https://fhir.example.org/r4/Patient/9?access_token=abc.def",
            "https://fhir.example.org/r4/Patient/9",
        ),
        case(
            "LINT-R1",
            E,
            token_request("code_verfier"),
            token_request("code_verifier"),
        ),
        case(
            "LINT-R1",
            E,
            authorize_url("respone_type=code&state=s"),
            authorize_url("response_type=code&state=s"),
        ),
        case(
            "LINT-R1",
            W,
            authorize_url("response_type=code&sate=s"),
            authorize_url("response_type=code&state=s"),
        ),
        case(
            "LINT-R2",
            E,
            token_request("code_verifier").replace("=authorization_code", "=authorisation_code"),
            token_request("code_verifier"),
        ),
        case(
            "LINT-R2",
            E,
            authorize_url("response_type=Code&state=s"),
            authorize_url("response_type=code&state=s"),
        ),
    ]
}

/// An authorization_code token request to a standard server, its verifier sent as
/// `verifier_name`.
pub(crate) fn token_request(verifier_name: &str) -> String {
    format!(
        "curl -X POST https://login.example.org/oauth2/token \\\n  -d grant_type=authorization_code \\\n  -d code=SplxlOBeZQQYbYS6WxSbIA \\\n  -d {verifier_name}={RFC_VERIFIER} \\\n  -d client_id=app \\\n  --data-urlencode redirect_uri=https://app.example.com/cb"
    )
}

/// An authorization URL to a standard server: `first` (response type and state), then
/// the usual parameters.
pub(crate) fn authorize_url(first: &str) -> String {
    format!(
        "https://login.example.org/oauth2/authorize?{first}&client_id=app&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&scope=openid&nonce=n&code_challenge={RFC_CHALLENGE}&code_challenge_method=S256"
    )
}

/// Every example: the generic ones and each vendor's.
fn cases() -> Vec<Case> {
    let mut all = generic_cases();
    all.extend(vendors::lint_examples());
    all
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

/// What the shipped-profile tests give a `${VAR}` without a default: a callback URL, a
/// tenant, or a placeholder value.
pub(crate) fn placeholder(name: &str) -> Option<String> {
    Some(if name.contains("URI") {
        "https://app.example.com/callback".to_string()
    } else if name.contains("TENANT") {
        T.to_string()
    } else {
        format!("value-{}", name.to_ascii_lowercase())
    })
}

/// Lints every shipped profile for `vendor`, with `lookup` filling in its variables,
/// and asserts none has an error.
pub(crate) fn lint_shipped_profiles(
    vendor: crate::profile::Vendor,
    lookup: &dyn Fn(&str) -> Option<String>,
) {
    // This crate lives in crates/core; the project's profiles/ is two levels up.
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let dir = root.join("profiles");
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the shipped profiles at {}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(p) = crate::profile::parse(&path, &text, lookup) else {
            continue;
        };
        if p.spec.vendor != vendor {
            continue;
        }
        let f = lint_profile(&p, &text);
        assert!(
            errors(&f).is_empty(),
            "{}:\n{}",
            path.display(),
            render_text(&f, &text)
        );
    }
}

/// The generic profiles; each vendor's folder lints its own.
#[test]
fn shipped_profiles_lint_without_errors() {
    lint_shipped_profiles(crate::profile::Vendor::Generic, &placeholder);
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
        // Requests to each vendor's authorization host.
        for v in vendors::ALL {
            let domain = v.lint.domains()[0];
            every_public_function(&format!(
                "curl https://authorization.{domain}/tenants/{g}/token -d {g}"
            ));
        }
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

// ---- parameters as the server reads them (LINT-R1, LINT-R2) ----

fn finding<'a>(f: &'a [Finding], rule: &str, value: &str) -> &'a Finding {
    f.iter()
        .find(|x| x.rule == rule && x.value == value)
        .unwrap_or_else(|| panic!("no {rule} on `{value}`: {f:#?}"))
}

#[test]
fn the_issues_misspellings_are_errors_with_a_did_you_mean() {
    let src = token_request("code_verifier").replace("=authorization_code", "=authorisation_code");
    let f = lint_curl(&src).unwrap();
    let g = finding(&f, "LINT-R2", "authorisation_code");
    assert!(g.is_error());
    assert!(
        g.why.contains("did you mean `authorization_code`?")
            || g.why.contains("Did you mean `authorization_code`?"),
        "{}",
        g.why
    );
    assert!(g.why.contains("unsupported_grant_type"), "{}", g.why);
    assert_eq!(g.fix, "Send `grant_type=authorization_code`.");
    assert_eq!(g.location.map(|l| (l.line, l.column)), Some((2, 17)));

    let src = token_request("code_verfier");
    let f = lint_curl(&src).unwrap();
    let v = finding(&f, "LINT-R1", "code_verfier");
    assert!(v.is_error());
    assert!(v.why.contains("did you mean `code_verifier`?"), "{}", v.why);
    // The server ignores it, so the request fails for the missing verifier: said so.
    assert!(
        v.why.contains("ignores parameters it does not recognise"),
        "{}",
        v.why
    );
    assert!(v.why.contains("sees no `code_verifier`"), "{}", v.why);
    assert_eq!(v.fix, "Rename `code_verfier` to `code_verifier`.");
    // It points at the name.
    assert_eq!(
        v.location,
        Some(Location {
            line: 4,
            column: 6,
            len: 12
        })
    );

    let src = authorize_url("respone_type=code&state=s");
    let f = lint_url(&src).unwrap();
    let r = finding(&f, "LINT-R1", "respone_type");
    assert!(r.is_error());
    assert!(r.why.contains("did you mean `response_type`?"), "{}", r.why);
    assert!(render_text(&f, &src).contains("error[LINT-R1]: respone_type"));
}

#[test]
fn a_five_character_verifier_is_an_error() {
    let src = token_request("code_verifier").replace(RFC_VERIFIER, "abcde");
    let f = lint_curl(&src).unwrap();
    let v = f
        .iter()
        .find(|x| x.rule == "RFC-03")
        .expect("the verifier's length");
    assert!(v.is_error());
    assert!(
        v.why.contains("RFC 7636 §4.1") && v.why.contains("5 characters"),
        "{}",
        v.why
    );
    // Also when curl encodes it, and when it holds characters outside the unreserved set.
    for (from, to) in [
        (
            format!("-d code_verifier={RFC_VERIFIER}"),
            "--data-urlencode code_verifier=abcde".to_string(),
        ),
        (
            RFC_VERIFIER.to_string(),
            format!("{}+/", &RFC_VERIFIER[..42]),
        ),
    ] {
        let src = token_request("code_verifier").replace(&from, &to);
        let f = lint_curl(&src).unwrap();
        assert!(
            has(&f, "RFC-03", Severity::Error),
            "{}",
            render_text(&f, &src)
        );
    }
    // An S256 challenge that is not 43 base64url characters.
    let src = authorize_url("response_type=code&state=s").replace(RFC_CHALLENGE, "abc");
    assert!(has(&lint_url(&src).unwrap(), "RFC-03", Severity::Error));
}

#[test]
fn a_correct_request_stays_clean() {
    let src = token_request("code_verifier");
    let f = lint_curl(&src).unwrap();
    assert!(f.is_empty(), "{}", render_text(&f, &src));
    let src = authorize_url("response_type=code&state=s");
    let f = lint_url(&src).unwrap();
    assert!(f.is_empty(), "{}", render_text(&f, &src));
    // Every OpenID Connect and SMART parameter, and the standard grants' own.
    let src = authorize_url(
        "response_type=code%20id_token&state=s&prompt=login%20consent&max_age=300&login_hint=a&ui_locales=en&display=page&acr_values=x&response_mode=form_post&resource=https%3A%2F%2Ffhir.example.org&launch=xyz&aud=https%3A%2F%2Ffhir.example.org%2Fr4",
    );
    let f = lint_url(&src).unwrap();
    assert!(
        !f.iter().any(|x| x.rule.starts_with("LINT-R")),
        "{}",
        render_text(&f, &src)
    );
    for body in [
        "grant_type=refresh_token&refresh_token=r1&scope=openid",
        "grant_type=client_credentials&scope=system%2FPatient.rs&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c",
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a.b.c",
        "grant_type=password&username=u&password=p&client_id=app",
    ] {
        let src = format!("curl https://login.example.org/oauth2/token -d '{body}'");
        let f = lint_curl(&src).unwrap();
        assert!(
            !f.iter().any(|x| x.rule.starts_with("LINT-R")),
            "{}",
            render_text(&f, &src)
        );
    }
}

#[test]
fn unknown_names_far_from_any_are_notes_and_misplaced_ones_too() {
    let src = format!("{}&foo=bar", authorize_url("response_type=code&state=s"));
    let f = lint_url(&src).unwrap();
    let n = finding(&f, "LINT-R1", "foo");
    assert_eq!(n.severity, Severity::Note);
    assert!(!has_errors(&f));
    assert!(render_text(&f, &src).ends_with("0 errors, 0 warnings, 1 note\n"));
    assert_eq!(render_json(&f)["notes"], 1);
    // The verifier belongs to the token request, the challenge to the authorization one.
    let src = format!(
        "{}&code_verifier={RFC_VERIFIER}",
        authorize_url("response_type=code&state=s")
    );
    assert_eq!(
        finding(&lint_url(&src).unwrap(), "LINT-R1", "code_verifier").severity,
        Severity::Note
    );
    // A misspelled optional parameter: the request goes on without it.
    let f = lint_url(&authorize_url("response_type=code&state=s&nonse=n")).unwrap();
    let w = finding(&f, "LINT-R1", "nonse");
    assert_eq!(w.severity, Severity::Warning);
    assert!(w.why.contains("did you mean `nonce`?"), "{}", w.why);
    // camelCase and case differences are misspellings too.
    let f = lint_url(&authorize_url("response_type=code&state=s").replace("client_id", "clientId"))
        .unwrap();
    assert!(finding(&f, "LINT-R1", "clientId").is_error());
    let f = lint_url(&authorize_url("Response_Type=code&state=s")).unwrap();
    assert!(
        finding(&f, "LINT-R1", "Response_Type")
            .why
            .contains("case-sensitive")
    );
}

#[test]
fn enumerated_values_are_checked() {
    let url = |q: &str| format!("{}&{q}", authorize_url("response_type=code&state=s"));
    for (q, value, meant) in [
        (
            "prompt=select-account",
            "select-account",
            Some("select_account"),
        ),
        ("response_mode=form-post", "form-post", Some("form_post")),
        ("prompt=banana", "banana", None),
    ] {
        let f = lint_url(&url(q)).unwrap();
        let e = finding(&f, "LINT-R2", value);
        assert!(e.is_error(), "{q}");
        if let Some(m) = meant {
            assert!(e.why.contains(&format!("Did you mean `{m}`?")), "{}", e.why);
        }
    }
    let f = lint_url(&url("prompt=none%20login")).unwrap();
    assert!(has(&f, "LINT-R2", Severity::Error));
    // The code flow's response type is `code`, its grant `authorization_code`.
    let f = lint_url(&authorize_url("response_type=authorization_code&state=s")).unwrap();
    assert!(
        finding(&f, "LINT-R2", "authorization_code")
            .why
            .contains("Did you mean `code`?")
    );
    let src = token_request("code_verifier").replace("=authorization_code", "=code");
    let f = lint_curl(&src).unwrap();
    assert!(
        finding(&f, "LINT-R2", "code")
            .why
            .contains("`authorization_code`")
    );
    // A misspelled client_assertion_type beside its assertion: the SMART-10 finding says
    // which one was meant.
    let src = "curl https://login.example.org/oauth2/token -d grant_type=client_credentials -d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt_bearer -d client_assertion=a.b.c";
    let f = lint_curl(src).unwrap();
    let s = f.iter().find(|x| x.rule == "SMART-10").expect("SMART-10");
    assert!(
        s.why
            .contains("did you mean `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`?"),
        "{}",
        s.why
    );
    assert!(!f.iter().any(|x| x.rule == "LINT-R2"), "reported once");
    // Stand-ins are not values.
    let src = token_request("code_verifier").replace("=authorization_code", "=$GRANT");
    assert!(!lint_curl(&src).unwrap().iter().any(|x| x.rule == "LINT-R2"));
}

#[test]
fn repeated_parameters_are_errors() {
    let src = format!("{}&state=t", authorize_url("response_type=code&state=s"));
    let f = lint_url(&src).unwrap();
    assert!(finding(&f, "LINT-R1", "state").is_error());
    // `resource` may be repeated (RFC 8707 §2).
    let src = format!(
        "{}&resource=https%3A%2F%2Fa.example&resource=https%3A%2F%2Fb.example",
        authorize_url("response_type=code&state=s")
    );
    assert!(!lint_url(&src).unwrap().iter().any(|x| x.rule == "LINT-R1"));
}

/// The vendors' requests use the standard names (`aud`, `launch` among them): none of
/// their corrected examples draws a parameter finding.
#[test]
fn vendor_requests_use_standard_names() {
    for c in vendors::lint_examples() {
        let f = lint_text(&c.good, None).unwrap();
        let params: Vec<_> = f.iter().filter(|x| x.rule.starts_with("LINT-R")).collect();
        assert!(
            params.is_empty(),
            "{}:\n{}",
            c.good,
            render_text(&f, &c.good)
        );
    }
}
