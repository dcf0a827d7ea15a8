//! The `refresh` login driver over two nights: a person signs in once and saves the
//! refresh token; two runs in a row against one server that rotates refresh tokens
//! (the reference emulator, public client, served by `grantcheck emulate`) both pass
//! the scenarios the token can stand in for, each leaving the newest token in the file.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use grantcheck_core::http::{Request, build_client};
use grantcheck_core::login::LoginOutcome;
use grantcheck_core::oauth::pkce;

const PASSWORD: &str = "refresh-test-password-0815";
const SECRETS: &[(&str, &str)] = &[
    ("REF_EMU_PATIENT_PASSWORD", PASSWORD),
    (
        "REF_EMU_CONFIDENTIAL_SECRET",
        "refresh-test-confidential-secret",
    ),
    ("REF_EMU_BASIC_SECRET", "refresh-test-basic-secret"),
    ("REF_EMU_OTHER_SECRET", "refresh-test-other-secret"),
    ("REF_EMU_SYSTEM_SECRET", "refresh-test-system-secret"),
];
const REDIRECT: &str = "https://app.example.test/callback";

fn emulate() -> (common::Emulate, String) {
    let e = common::Emulate::start(&["reference"], SECRETS);
    let base = e.origin.trim_end_matches('/').to_string();
    (e, base)
}

/// What a person does once: signs in as the public app and keeps the refresh token.
fn first_refresh_token(base: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = build_client(Duration::from_secs(10)).unwrap();
        let meta: serde_json::Value = client
            .get(format!("{base}/.well-known/openid-configuration"))
            .send()
            .await
            .expect("discovery")
            .json()
            .await
            .expect("discovery JSON");
        let endpoint = |k: &str| meta[k].as_str().expect(k).to_string();
        let verifier = pkce::new_verifier();
        let mut authorize: url::Url = endpoint("authorization_endpoint").parse().unwrap();
        authorize
            .query_pairs_mut()
            .append_pair("client_id", "ref-public")
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", REDIRECT)
            .append_pair("scope", "openid offline_access")
            .append_pair("state", "person-state-1")
            .append_pair("code_challenge", &pkce::s256_challenge(&verifier))
            .append_pair("code_challenge_method", "S256");
        let (outcome, mut session) = common::person_signs_in(
            client,
            authorize,
            REDIRECT,
            "ref.patient@example.test",
            PASSWORD,
        )
        .await;
        let LoginOutcome::Redirected(params) = outcome else {
            panic!("the person got stuck: {outcome:?}")
        };
        let code = params.get("code").expect("a code").to_string();
        let form = common::form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("client_id", "ref-public"),
            ("code_verifier", verifier.as_str()),
        ]);
        let tokens = session
            .send(Request::post_form(
                endpoint("token_endpoint").parse().unwrap(),
                &form,
            ))
            .await
            .expect("token response")
            .json()
            .expect("token JSON");
        tokens["refresh_token"]
            .as_str()
            .expect("a refresh token")
            .to_string()
    })
}

/// A live-like profile of the emulator (no `emulator:` section) whose sign-in is the
/// refresh token in `refresh.token` beside it.
fn refresh_profile(dir: &Path, base: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(common::root().join("profiles/reference-emulated.yaml"))
        .expect("reference profile");
    let emulator = "emulator:\n  vendor: reference\n  portal_access:\n    patient:\n      - { practice: \"reference\", brand: \"1\", patient: \"pat-1234\" }\n";
    assert!(
        text.contains(emulator),
        "the reference profile changed shape"
    );
    let login_at = text.find("login:\n").expect("a login section");
    let text = format!(
        "{}login:\n  method: refresh\n  refresh:\n    client: public\n    token_file: refresh.token\n",
        &text[..login_at]
    )
    .replacen(emulator, &format!("base_url: {base}\n"), 1)
    .replacen("environment: emulated", "environment: local", 1);
    let keys = dir.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::copy(
        common::root().join("profiles/keys/test-client.pem"),
        keys.join("test-client.pem"),
    )
    .unwrap();
    let path = dir.join("reference-refresh.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// One night's run: its exit code, console and results.
fn run(profile: &Path, night: &str) -> (i32, String, serde_json::Value) {
    let reports = tempfile::tempdir().unwrap();
    let snaps = common::snapshot_copy();
    let out = Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .arg("--root")
        .arg(common::root())
        .args(["run", "--no-lint", "--tags", "@needs-refresh"])
        .arg("--profile")
        .arg(profile)
        .arg("--report-dir")
        .arg(reports.path().join(night))
        .arg("--snapshot-dir")
        .arg(snaps.path())
        .envs(SECRETS.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("grantcheck runs");
    let stdout =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let results = std::fs::read_to_string(reports.path().join(night).join("results.json"))
        .unwrap_or_else(|e| panic!("no results.json ({e}): {stdout}"));
    (
        out.status.code().unwrap_or(-1),
        stdout,
        serde_json::from_str(&results).unwrap(),
    )
}

fn outcome_of<'a>(results: &'a serde_json::Value, id: &str) -> &'a str {
    results["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .and_then(|s| s["status"].as_str())
        .unwrap_or_else(|| panic!("no scenario {id}: {results}"))
}

#[test]
fn two_nights_in_a_row_with_rotating_refresh_tokens() {
    let (_emulator, base) = emulate();
    let dir = tempfile::tempdir().unwrap();
    let profile = refresh_profile(dir.path(), &base);
    let token_file = dir.path().join("refresh.token");
    let first = first_refresh_token(&base);
    std::fs::write(&token_file, format!("{first}\n")).unwrap();

    let mut seen = vec![first];
    for night in ["night-1", "night-2"] {
        let (code, console, results) = run(&profile, night);
        assert_eq!(code, 0, "{night}: {console}");
        // The token's own scenarios ran on it; the rest say why they cannot.
        for id in ["refresh-narrow-scope", "refresh-rotated-public-client"] {
            assert_eq!(
                outcome_of(&results, id),
                "passed",
                "{night} {id}: {console}"
            );
        }
        for (id, why) in [
            ("refresh-bound-to-client", "issued to the public app"),
            ("refresh-replay-revokes", "needs a sign-in of its own"),
        ] {
            assert_eq!(outcome_of(&results, id), "skipped", "{night} {id}");
            assert!(results.to_string().contains(why), "{night}: {why}");
        }
        let now = std::fs::read_to_string(&token_file).unwrap();
        let now = now.trim().to_string();
        assert!(
            !seen.contains(&now),
            "{night}: the rotated token was written back"
        );
        // Tokens are secrets: none of the ones seen appears in the results.
        for t in &seen {
            assert!(
                !results.to_string().contains(t.as_str()),
                "{night} leaks a token"
            );
        }
        seen.push(now);
    }
}

/// A token the server no longer knows blocks the scenarios, saying to sign in again;
/// nothing fails.
#[test]
fn a_dead_refresh_token_blocks_with_what_to_do() {
    let (_emulator, base) = emulate();
    let dir = tempfile::tempdir().unwrap();
    let profile = refresh_profile(dir.path(), &base);
    std::fs::write(
        dir.path().join("refresh.token"),
        "never-issued-refresh-token\n",
    )
    .unwrap();
    let (code, console, results) = run(&profile, "dead");
    assert_eq!(code, 4, "{console}");
    assert_eq!(outcome_of(&results, "refresh-narrow-scope"), "blocked");
    assert!(
        results.to_string().contains("sign in once more"),
        "{results}"
    );
    assert_eq!(results["totals"]["failed"], 0, "{console}");
}
