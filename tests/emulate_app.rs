//! `grantcheck emulate` as an app developer uses it: over TLS with the run's own
//! certificate authority, a loopback redirect URI on any port, and the request log
//! recorded. A clean sign-in leaves no findings and exit code 0; the same app with
//! comma-separated scopes gets the lint finding in the log and exit code 1.

mod common;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use grantcheck_core::http::{Counters, Request, Session, build_client_trusting};
use grantcheck_core::login::{LoginOptions, LoginOutcome, drive};
use grantcheck_core::oauth::pkce;
use grantcheck_core::redact::Redactor;

const PASSWORD: &str = "emulate-app-test-password";

struct Emulator {
    child: Child,
    origin: String,
    ca_pem: String,
}

fn emulate(record: &Path) -> Emulator {
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .arg("--root")
        .arg(common::root())
        .args([
            "emulate",
            "athenahealth",
            "--tls",
            "--redirect-uri",
            "http://127.0.0.1/cb",
        ])
        .arg("--record")
        .arg(record)
        .env("ATHENA_EMU_PATIENT_PASSWORD", PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("grantcheck emulate starts");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut origin = None;
    let mut banner = Vec::new();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("the banner ended early: {banner:#?}"));
        banner.push(line.clone());
        if let Some(o) = line.strip_prefix("athenahealth emulator listening on ") {
            origin = Some(o.to_string());
        }
        if line.starts_with("press Ctrl-C") {
            break;
        }
    }
    let text = banner.join("\n");
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
    std::thread::spawn(move || while rx.recv().is_ok() {});
    let origin = origin.expect("an origin");
    assert!(origin.starts_with("https://127.0.0.1:"), "{origin}");
    let ca_pem = std::fs::read_to_string(record.join("ca.pem")).expect("the authority's PEM");
    Emulator {
        child,
        origin,
        ca_pem,
    }
}

/// Stops the emulator as a CI job does (SIGTERM) and returns its exit code.
fn stop(mut e: Emulator) -> i32 {
    let _ = Command::new("kill")
        .args(["-TERM", &e.child.id().to_string()])
        .status();
    let status = e.child.wait().expect("the emulator stops");
    status.code().unwrap_or(-1)
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
        let mut session = Session::new(
            client,
            Redactor::new(Vec::<String>::new()),
            std::sync::Arc::new(Counters::default()),
            None,
        );
        let redirect = "http://127.0.0.1:49321/cb";
        let verifier = pkce::new_verifier();
        let mut url: url::Url = format!("{}/oauth2/v1/authorize", e.origin).parse().unwrap();
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
        let opts = LoginOptions {
            username: "pat.example@example.test".into(),
            password: PASSWORD.into(),
            username_field: "username".into(),
            password_field: "password".into(),
            approve: None,
            deny: None,
            consent_scope_field: "scope".into(),
            withhold: vec![],
            refuse: false,
        };
        let (outcome, _) = drive(&mut session, url, redirect, &opts)
            .await
            .expect("the sign-in runs over TLS");
        let LoginOutcome::Redirected(p) = outcome else {
            panic!("no redirect back: {outcome:?}")
        };
        let code = p.get("code")?.to_string();
        let form: Vec<(String, String)> = [
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect),
            ("client_id", "0oa-emulated-public"),
            ("code_verifier", &verifier),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let token_url = format!("{}/oauth2/v1/token", e.origin).parse().unwrap();
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
    assert_eq!(stop(e), 0, "no findings: exit 0");
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
    assert_eq!(stop(e), 1, "an error finding: exit 1");
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
