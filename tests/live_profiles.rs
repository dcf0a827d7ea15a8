//! Every shipped live profile runs end to end: each is pointed at a loopback stand-in
//! (`grantcheck emulate <vendor> --profile <live profile>`, which registers the
//! profile's own clients and users) through the same environment variables a user
//! sets, and the vendor's own features (what the stand-in models) run against it
//! with nothing failed or blocked. The standards features are proven against the
//! reference emulator and the real peers instead: a vendor stand-in is not strict.

mod common;

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use grantcheck::runner::{Outcome, RunResult};

/// The emulator serving a live profile; killed when dropped.
struct StandIn(Child);

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts `grantcheck emulate VENDOR --profile PROFILE` on `port` with `env`, and
/// waits for its "listening" line.
fn stand_in(vendor: &str, profile: &str, port: u16, env: &HashMap<String, String>) -> StandIn {
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .arg("--root")
        .arg(common::root())
        .args(["emulate", vendor, "--profile", profile, "--port"])
        .arg(port.to_string())
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("grantcheck emulate starts");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if line.contains("listening on") {
                let _ = tx.send(line);
            }
        }
    });
    let started = Instant::now();
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("{vendor} stand-in did not start in 30 s"));
    assert!(line.contains(&format!("127.0.0.1:{port}")), "{line}");
    assert!(started.elapsed() < Duration::from_secs(30));
    StandIn(child)
}

/// Nothing failed or blocked; every skip has a reason.
fn assert_clean(profile: &str, result: &RunResult, min_passed: usize) {
    let bad = common::failed_or_blocked(result);
    assert!(bad.is_empty(), "{profile}: {bad:#?}");
    for r in &result.records {
        if let Outcome::Skipped { reason } = &r.outcome {
            assert!(
                !reason.trim().is_empty(),
                "{profile}: {} has no reason",
                r.scenario
            );
        }
    }
    let t = result.totals();
    assert!(t.passed >= min_passed, "{profile}: {t:?}");
}

fn secrets(names: &[&str]) -> HashMap<String, String> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), format!("standin-{i}-{}", free_port())))
        .collect()
}

#[test]
fn oracle_health_sandbox_runs_end_to_end_against_a_stand_in() {
    const TENANT: &str = "ec2458f2-1e24-41c8-b71b-0e701af7583d";
    let port = free_port();
    let mut env = secrets(&["ORACLE_SYSTEM_ACCOUNT_SECRET"]);
    env.insert("ORACLE_TENANT".into(), TENANT.into());
    env.insert(
        "ORACLE_SYSTEM_ACCOUNT_ID".into(),
        "5b1c9d2e-7f3a-4c6b-9e8d-1a2b3c4d5e6f".into(),
    );
    env.insert(
        "ORACLE_FHIR_BASE".into(),
        format!("http://127.0.0.1:{port}/r4/{TENANT}"),
    );
    let _server = stand_in("oracle-health", "oracle-health-sandbox", port, &env);
    let reports = tempfile::tempdir().unwrap();
    let (result, _snaps) = common::run_with(
        &["oracle-health-sandbox"],
        &[],
        Some("@vendor-oracle-health"),
        reports.path(),
        Some(env),
        true,
    );
    assert_clean("oracle-health-sandbox", &result, 15);
}

#[test]
fn athenahealth_preview_runs_end_to_end_against_a_stand_in() {
    let port = free_port();
    let mut env = secrets(&["ATHENA_PREVIEW_CLIENT_SECRET", "ATHENA_PREVIEW_PASSWORD"]);
    for (k, v) in [
        (
            "ATHENA_PREVIEW_BASE_URL",
            format!("http://127.0.0.1:{port}"),
        ),
        (
            "ATHENA_PREVIEW_FHIR_BASE",
            format!("http://127.0.0.1:{port}/preview1/195900/1/1/fhir/dstu2"),
        ),
        (
            "ATHENA_PREVIEW_CLIENT_ID",
            "0oa-standin-confidential".into(),
        ),
        (
            "ATHENA_PREVIEW_PUBLIC_CLIENT_ID",
            "0oa-standin-public".into(),
        ),
        (
            "ATHENA_PREVIEW_USERNAME",
            "standin.patient@example.test".into(),
        ),
        (
            "ATHENA_PREVIEW_REDIRECT_URI",
            "https://app.example.test/callback".into(),
        ),
        (
            "ATHENA_PREVIEW_POST_LOGOUT_URI",
            "https://app.example.test/signed-out".into(),
        ),
    ] {
        env.insert(k.into(), v);
    }
    let _server = stand_in("athenahealth", "athenahealth-preview", port, &env);
    let reports = tempfile::tempdir().unwrap();
    // The profile paces requests for the live preview's quota; a stand-in has none.
    let (result, _snaps) = common::run_with(
        &["athenahealth-preview"],
        &[],
        Some("@vendor-athenahealth"),
        reports.path(),
        Some(env),
        true,
    );
    assert_clean("athenahealth-preview", &result, 30);
}
