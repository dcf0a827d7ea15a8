//! A target that cannot be reached is one "blocked" verdict per target (exit 4), in
//! bounded time, never a conformance failure per scenario.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use grantcheck::runner::Outcome;

fn closed_port() -> u16 {
    // Bound and released at once: nothing listens there afterwards.
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[test]
fn a_server_that_is_down_blocks_its_target_and_exits_4() {
    let port = closed_port();
    let env: HashMap<String, String> = [
        (
            "GRANTCHECK_OIDC_PROVIDER_URL",
            format!("http://127.0.0.1:{port}"),
        ),
        ("OIDC_PROVIDER_CONFIDENTIAL_SECRET", "s1".into()),
        ("OIDC_PROVIDER_BASIC_SECRET", "s2".into()),
        ("OIDC_PROVIDER_OTHER_SECRET", "s3".into()),
        ("OIDC_PROVIDER_SYSTEM_SECRET", "s4".into()),
        ("OIDC_PROVIDER_PATIENT_PASSWORD", "p".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let reports = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let (result, _snaps) =
        common::run_into(&["oidc-provider"], &[], None, reports.path(), Some(env));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "a down server must be recognised quickly: {:?}",
        started.elapsed()
    );
    let t = result.totals();
    assert_eq!(
        t.failed, 0,
        "no conformance verdict on a server that never answered"
    );
    assert!(t.blocked > 10, "{t:?}");
    assert_eq!(t.passed + t.known_deviations, 0, "{t:?}");
    assert_eq!(result.exit_code(), 4);
    for r in &result.records {
        match &r.outcome {
            Outcome::Blocked { reason } => {
                assert!(reason.contains(&format!("127.0.0.1:{port}")), "{reason}")
            }
            Outcome::Skipped { .. } => {}
            other => panic!("{}: {other:?}", r.scenario),
        }
    }
    // Named once per target in the summary, with what was seen.
    let report = result.report();
    assert_eq!(report.targets.len(), 1);
    assert!(report.targets[0].blocked.is_some());
    let mut out = Vec::new();
    grantcheck::runner::print_summary(&result, &mut out);
    let console = String::from_utf8(out).unwrap();
    assert_eq!(console.matches("BLOCKED:").count(), 1, "{console}");
    assert!(console.contains("(exit code 4)"), "{console}");
    let junit = std::fs::read_to_string(reports.path().join("junit.xml")).unwrap();
    assert!(junit.contains("failures=\"0\""), "{junit}");
    assert!(junit.contains("type=\"blocked\""), "{junit}");
}
