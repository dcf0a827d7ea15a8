//! The `manual` login driver, driven as a person would: grantcheck prints the
//! authorization URL on standard error; this test plays the person, signs in at that
//! URL with its own HTTP session (the emulator's plain sign-in and consent forms), and
//! pastes the URL the browser was sent back to on grantcheck's standard input.

mod common;

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::time::Duration;

use grantcheck_core::http::build_client;
use grantcheck_core::login::LoginOutcome;

const PASSWORD: &str = "manual-test-password-4711";

/// The reference emulator's profile with `login.method: manual`, in `dir` with the
/// key file it names.
fn manual_profile(dir: &std::path::Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(common::root().join("profiles/reference-emulated.yaml"))
        .expect("reference profile");
    let text = text.replacen("login:\n  method: form", "login:\n  method: manual", 1);
    assert!(text.contains("method: manual"));
    let keys = dir.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::copy(
        common::root().join("profiles/keys/test-client.pem"),
        keys.join("test-client.pem"),
    )
    .unwrap();
    let path = dir.join("reference-manual.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Signs in at `url` as the profile's patient and returns the redirect URL.
fn sign_in_as_a_person(url: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let redirect = "https://app.example.test/callback";
        let client = build_client(Duration::from_secs(10)).unwrap();
        let (outcome, _) = common::person_signs_in(
            client,
            url.parse().unwrap(),
            redirect,
            "ref.patient@example.test",
            PASSWORD,
        )
        .await;
        match outcome {
            LoginOutcome::Redirected(p) => {
                let query: Vec<String> = p
                    .params
                    .iter()
                    .map(|(k, v)| format!("{k}={}", urlencode(v)))
                    .collect();
                format!("{redirect}?{}", query.join("&"))
            }
            LoginOutcome::Stopped { reason, .. } => panic!("the person got stuck: {reason}"),
        }
    })
}

fn urlencode(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// `grantcheck run` of the one sign-in scenario `@id:code-state-returned` against
/// `profile`, with `extra` arguments, reports and baselines in temp folders.
fn run_command(
    profile: &std::path::Path,
    extra: &[&str],
    reports: &std::path::Path,
    snaps: &std::path::Path,
) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grantcheck"));
    cmd.arg("--root")
        .arg(common::root())
        .args(["run", "--no-lint", "--tags", "@id:code-state-returned"])
        .args(extra)
        .arg("--profile")
        .arg(profile)
        .arg("--report-dir")
        .arg(reports.join("run"))
        .arg("--snapshot-dir")
        .arg(snaps);
    cmd
}

#[test]
fn a_person_pastes_the_redirect_and_the_scenario_runs() {
    let dir = tempfile::tempdir().unwrap();
    let profile = manual_profile(dir.path());
    let reports = tempfile::tempdir().unwrap();
    let snaps = common::snapshot_copy();
    let mut child = run_command(&profile, &["--manual-login"], reports.path(), snaps.path())
        .env("REF_EMU_PATIENT_PASSWORD", PASSWORD)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("grantcheck runs");
    let mut stdin = child.stdin.take().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let url = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no authorization URL was printed: {seen:#?}"));
        seen.push(line.clone());
        if let Some(u) = line.trim().strip_prefix("http://127.0.0.1:")
            && u.contains("response_type=code")
        {
            break format!("http://127.0.0.1:{u}");
        }
    };
    assert!(
        seen.iter().any(|l| l.contains("sign-in needed for")),
        "{seen:#?}"
    );
    // A person first pastes something else: it is refused, and the wait goes on.
    writeln!(stdin, "https://elsewhere.example/cb?code=x").unwrap();
    let redirect = sign_in_as_a_person(&url);
    writeln!(stdin, "{redirect}").unwrap();
    let out = child.wait_with_output().expect("grantcheck ends");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rest: Vec<String> = rx.try_iter().collect();
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", rest.join("\n"));
    assert!(stdout.contains("1 passed"), "{stdout}");
    assert!(
        rest.iter().any(|l| l.contains("is not a URL under")),
        "the wrong paste was refused: {rest:#?}"
    );
    // The code the person pasted is a secret: nowhere in the reports.
    let code = redirect
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("code="))
        .expect("a code");
    for entry in walk(reports.path()) {
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        assert!(!text.contains(code), "{} holds the code", entry.display());
    }
}

/// Without `--manual-login` nobody is asked: the sign-in scenarios are skipped saying how
/// to run them.
#[test]
fn without_a_person_the_sign_in_scenarios_are_skipped_with_the_way_to_run_them() {
    let dir = tempfile::tempdir().unwrap();
    let profile = manual_profile(dir.path());
    let reports = tempfile::tempdir().unwrap();
    let snaps = common::snapshot_copy();
    let out = run_command(&profile, &[], reports.path(), snaps.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("1 skipped"), "{stdout}");
    let results = std::fs::read_to_string(reports.path().join("run/results.json")).unwrap();
    assert!(results.contains("--manual-login"), "{results}");
}

/// With `--manual-login` but no answer (standard input closed), the scenario is blocked,
/// never failed.
#[test]
fn no_answer_blocks_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let profile = manual_profile(dir.path());
    let reports = tempfile::tempdir().unwrap();
    let snaps = common::snapshot_copy();
    let out = run_command(&profile, &["--manual-login"], reports.path(), snaps.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stdout}\n{stderr}");
    assert!(stdout.contains("1 blocked"), "{stdout}");
    assert!(
        stdout.contains("standard input was closed"),
        "{stdout}\n{stderr}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
