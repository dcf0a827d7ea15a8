//! `grantcheck emulate` as an app developer uses it: over TLS with the run's own
//! certificate authority, a loopback redirect URI on any port, and the request log
//! recorded. A clean sign-in leaves no findings and exit code 0; the same app with
//! comma-separated scopes gets the lint finding in the log and exit code 1.

mod common;

use std::path::Path;
use std::time::Duration;

use grantcheck_core::http::{Request, build_client_trusting};
use grantcheck_core::login::LoginOutcome;
use grantcheck_core::oauth::pkce;

const PASSWORD: &str = "emulate-app-test-password";

struct Emulator {
    run: common::Emulate,
    ca_pem: String,
}

fn emulate(record: &Path) -> Emulator {
    let record_arg = record.to_string_lossy().into_owned();
    let run = common::Emulate::start(
        &[
            "athenahealth",
            "--tls",
            "--redirect-uri",
            "http://127.0.0.1/cb",
            "--record",
            &record_arg,
        ],
        &[("ATHENA_EMU_PATIENT_PASSWORD", PASSWORD)],
    );
    let text = run.banner.join("\n");
    for needed in [
        "issuer",
        "authorize",
        "token",
        "redirect URIs",
        "password",
        "scopes",
    ] {
        assert!(text.contains(needed), "the banner names {needed}: {text}");
    }
    assert!(
        text.contains(PASSWORD),
        "the user's password is the app's to use"
    );
    assert!(
        run.origin.starts_with("https://127.0.0.1:"),
        "{}",
        run.origin
    );
    let ca_pem = std::fs::read_to_string(record.join("ca.pem")).expect("the authority's PEM");
    Emulator { run, ca_pem }
}

/// The public app signs in over TLS (its redirect URI on a port of its choosing) and
/// redeems the code; `scope` as the app writes it.
fn sign_in(e: &Emulator, scope: &str) -> Option<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = build_client_trusting(Duration::from_secs(10), &e.ca_pem).expect("client");
        let redirect = "http://127.0.0.1:49321/cb";
        let verifier = pkce::new_verifier();
        let mut url: url::Url = format!("{}/oauth2/v1/authorize", e.run.origin)
            .parse()
            .unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", "0oa-emulated-public")
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", redirect)
            .append_pair("scope", scope)
            .append_pair("state", "app-state-1")
            .append_pair("nonce", "app-nonce-1")
            .append_pair(
                "aud",
                r#"{"PRACTICEID":"195900","COMMUNICATORBRANDID":"1"}"#,
            )
            .append_pair("code_challenge", &pkce::s256_challenge(&verifier))
            .append_pair("code_challenge_method", "S256");
        let (outcome, mut session) =
            common::person_signs_in(client, url, redirect, "pat.example@example.test", PASSWORD)
                .await;
        let LoginOutcome::Redirected(p) = outcome else {
            panic!("no redirect back: {outcome:?}")
        };
        let code = p.get("code")?.to_string();
        let form = common::form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect),
            ("client_id", "0oa-emulated-public"),
            ("code_verifier", &verifier),
        ]);
        let token_url = format!("{}/oauth2/v1/token", e.run.origin).parse().unwrap();
        let tokens = session
            .send(Request::post_form(token_url, &form))
            .await
            .expect("token response");
        assert_eq!(tokens.status, 200, "{}", tokens.text());
        Some(code)
    })
}

#[test]
fn a_clean_sign_in_over_tls_leaves_no_findings() {
    let record = tempfile::tempdir().unwrap();
    let e = emulate(record.path());
    let code = sign_in(
        &e,
        "openid offline_access launch/patient patient/Patient.read",
    )
    .expect("a code");
    assert_eq!(e.run.stop(), 0, "no findings: exit 0");
    let log = std::fs::read_to_string(record.path().join("requests.ndjson")).unwrap();
    let entries: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(entries.len() >= 3, "{log}");
    assert!(
        entries
            .iter()
            .all(|e| e["findings"].as_array().unwrap().is_empty()),
        "{log}"
    );
    assert!(log.contains("tokens issued"), "{log}");
    assert!(
        !log.contains(&code) && !log.contains(PASSWORD),
        "secrets stay out: {log}"
    );
}

#[test]
fn comma_separated_scopes_are_a_finding_and_fail_the_session() {
    let record = tempfile::tempdir().unwrap();
    let e = emulate(record.path());
    assert_eq!(sign_in(&e, "openid,patient/Patient.read"), None, "refused");
    assert_eq!(e.run.stop(), 1, "an error finding: exit 1");
    let log = std::fs::read_to_string(record.path().join("requests.ndjson")).unwrap();
    assert!(log.contains("LINT-C2"), "{log}");
    let junit = std::fs::read_to_string(record.path().join("junit.xml")).unwrap();
    assert!(
        junit.contains("name=\"LINT-C2\"") && junit.contains("<failure"),
        "{junit}"
    );
    let html = std::fs::read_to_string(record.path().join("report.html")).unwrap();
    assert!(html.contains("LINT-C2"));
}
