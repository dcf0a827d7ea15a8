//! `grantcheck emulate --app-test`: a careful app refuses what the emulator spoils and
//! the emulator reports it passed (exit 0); a careless app that goes on is reported as
//! failing (exit 1); an app that never gets that far leaves the test not reached (4).

mod common;

use std::process::Command;
use std::time::Duration;

use grantcheck_core::http::{Request, build_client};
use grantcheck_core::login::LoginOutcome;
use grantcheck_core::oauth::pkce;

const PASSWORD: &str = "app-test-password";
const REDIRECT: &str = "http://127.0.0.1:49400/cb";

fn emulate(mode: &str) -> common::Emulate {
    common::Emulate::start(
        &[
            "athenahealth",
            "--redirect-uri",
            "http://127.0.0.1/cb",
            "--app-test",
            mode,
        ],
        &[("ATHENA_EMU_PATIENT_PASSWORD", PASSWORD)],
    )
}

/// An app: signs in, and checks the `state` and the ID token's `aud` only when
/// `careful`; a careless app goes on to call userinfo with the access token.
fn app(origin: &str, careful: bool) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
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
        let client = build_client(Duration::from_secs(10)).unwrap();
        let (outcome, mut session) =
            common::person_signs_in(client, url, REDIRECT, "pat.example@example.test", PASSWORD)
                .await;
        let LoginOutcome::Redirected(p) = outcome else {
            panic!("no redirect: {outcome:?}")
        };
        if careful && p.get("state") != Some("my-state") {
            return;
        }
        let form = common::form(&[
            ("grant_type", "authorization_code"),
            ("code", p.get("code").unwrap()),
            ("redirect_uri", REDIRECT),
            ("client_id", "0oa-emulated-public"),
            ("code_verifier", verifier.as_str()),
        ]);
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
            let e = emulate(mode);
            app(&e.origin, careful);
            assert_eq!(e.stop(), expected, "{mode}, careful: {careful}");
        }
    }
}

#[test]
fn an_app_that_never_signs_in_leaves_the_test_not_reached() {
    assert_eq!(emulate("iss-mix-up").stop(), 4);
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
