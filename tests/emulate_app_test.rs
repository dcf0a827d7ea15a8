//! `grantcheck emulate --app-test`: a careful app refuses what the emulator spoils and
//! the emulator reports it passed (exit 0); a careless app that goes on is reported as
//! failing (exit 1); an app that never gets that far leaves the test not reached (4).

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use grantcheck_core::http::{Counters, Request, Session, build_client};
use grantcheck_core::login::{LoginOptions, LoginOutcome, drive};
use grantcheck_core::oauth::pkce;
use grantcheck_core::redact::Redactor;

const PASSWORD: &str = "app-test-password";
const REDIRECT: &str = "http://127.0.0.1:49400/cb";

fn emulate(mode: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .arg("--root")
        .arg(common::root())
        .args([
            "emulate",
            "athenahealth",
            "--redirect-uri",
            "http://127.0.0.1/cb",
        ])
        .args(["--app-test", mode])
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
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the banner");
        if let Some(o) = line.strip_prefix("athenahealth emulator listening on ") {
            origin = Some(o.to_string());
        }
        if line.starts_with("press Ctrl-C") {
            break;
        }
    }
    std::thread::spawn(move || while rx.recv().is_ok() {});
    (child, origin.expect("an origin"))
}

fn stop(mut child: Child) -> i32 {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    child.wait().expect("stops").code().unwrap_or(-1)
}

/// An app: signs in, and checks the `state` and the ID token's `aud` only when
/// `careful`; a careless app goes on to call userinfo with the access token.
fn app(origin: &str, careful: bool) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut session = Session::new(
            build_client(Duration::from_secs(10)).unwrap(),
            Redactor::new(Vec::<String>::new()),
            std::sync::Arc::new(Counters::default()),
            None,
        );
        let verifier = pkce::new_verifier();
        let mut url: url::Url = format!("{origin}/oauth2/v1/authorize").parse().unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", "0oa-emulated-public")
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", REDIRECT)
            .append_pair("scope", "openid launch/patient patient/Patient.read")
            .append_pair("state", "my-state")
            .append_pair("nonce", "my-nonce")
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
        let (outcome, _) = drive(&mut session, url, REDIRECT, &opts).await.unwrap();
        let LoginOutcome::Redirected(p) = outcome else {
            panic!("no redirect: {outcome:?}")
        };
        if careful && p.get("state") != Some("my-state") {
            return;
        }
        let form: Vec<(String, String)> = [
            ("grant_type", "authorization_code"),
            ("code", p.get("code").unwrap()),
            ("redirect_uri", REDIRECT),
            ("client_id", "0oa-emulated-public"),
            ("code_verifier", verifier.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let token_url = format!("{origin}/oauth2/v1/token").parse().unwrap();
        let tokens = session
            .send(Request::post_form(token_url, &form))
            .await
            .unwrap()
            .json()
            .unwrap_or_default();
        let Some(access) = tokens["access_token"].as_str() else {
            return;
        };
        if careful {
            let id = tokens["id_token"].as_str().unwrap_or_default();
            let claims = grantcheck_core::oauth::id_token::decode_unverified(id)
                .map(|d| d.claims)
                .unwrap_or_default();
            if claims["aud"] != "0oa-emulated-public" {
                return;
            }
        }
        let userinfo = format!("{origin}/oauth2/v1/userinfo").parse().unwrap();
        let _ = session
            .send(Request::get(userinfo).header("authorization", format!("Bearer {access}")))
            .await;
    });
}

#[test]
fn a_careful_app_passes_and_a_careless_one_fails() {
    for mode in ["wrong-state", "id-token-wrong-aud"] {
        for (careful, expected) in [(true, 0), (false, 1)] {
            let (child, origin) = emulate(mode);
            app(&origin, careful);
            assert_eq!(stop(child), expected, "{mode}, careful: {careful}");
        }
    }
}

#[test]
fn an_app_that_never_signs_in_leaves_the_test_not_reached() {
    let (child, _) = emulate("iss-mix-up");
    assert_eq!(stop(child), 4);
}

#[test]
fn an_unknown_mode_is_bad_input() {
    let out = Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .arg("--root")
        .arg(common::root())
        .args(["emulate", "athenahealth", "--app-test", "telepathy"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong-state"));
}
