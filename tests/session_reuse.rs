//! Kept sessions change how often the user signs in, never a verdict. The athenahealth
//! emulated profile (login sessions and remembered consent, as Okta keeps them) runs
//! three ways: with a sign-in of its own per scenario (`share_session: false`), with one
//! authorization at a time per kept session (`flows_per_session: 1`, the default for a
//! live server) and as shipped (16 at a time). Every scenario ends the same way in all
//! three, every authorization is counted once, and the kept sessions enter the
//! credentials a few times where the sign-in per scenario enters them every time.

mod common;

use std::collections::BTreeMap;

use grantcheck::runner::{RunResult, SignInCounts};

const SHIPPED: &str = "profiles/athenahealth-emulated.yaml";

fn outcomes(result: &RunResult) -> BTreeMap<String, &'static str> {
    result
        .records
        .iter()
        .map(|r| {
            (
                format!("{}: {}", r.feature_path, r.scenario),
                r.outcome.label(),
            )
        })
        .collect()
}

fn run(profile: &std::path::Path) -> (BTreeMap<String, &'static str>, SignInCounts) {
    let reports = tempfile::tempdir().expect("temp dir");
    let (result, _snaps) = common::run_into(
        &[profile.to_str().expect("UTF-8 path")],
        &[],
        None,
        reports.path(),
        None,
    );
    assert_eq!(result.targets.len(), 1);
    let counts = result.targets[0]
        .sign_ins
        .unwrap_or_else(|| panic!("{}: no sign-in counted", profile.display()));
    (outcomes(&result), counts)
}

#[test]
fn kept_sessions_sign_in_a_few_times_and_change_no_verdict() {
    let text = std::fs::read_to_string(common::root().join(SHIPPED)).expect("profile");
    assert!(
        text.contains("\nlogin:\n") && text.contains("\n  flows_per_session: 16\n"),
        "{SHIPPED} no longer has the settings this test varies"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write profile");
        path
    };
    let alone = write(
        "athenahealth-emulated.yaml",
        text.replace("\nlogin:\n", "\nlogin:\n  share_session: false\n"),
    );
    let (alone, per_scenario) = run(&alone);
    let one = write(
        "athenahealth-emulated.yaml",
        text.replace("flows_per_session: 16", "flows_per_session: 1"),
    );
    let (one, one_at_a_time) = run(&one);
    let (shipped, many) = run(&common::root().join(SHIPPED));

    assert!(
        alone.values().filter(|k| **k == "passed").count() >= 40,
        "{alone:#?}"
    );
    assert!(
        !alone.values().any(|k| *k == "failed" || *k == "blocked"),
        "{alone:#?}"
    );
    assert_eq!(one, alone, "one flow per kept session changed a verdict");
    assert_eq!(
        shipped, alone,
        "16 flows per kept session changed a verdict"
    );

    // A sign-in per scenario enters the credentials in every scenario's first
    // authorization (a scenario's second one, or a `prompt=none`, finds its own
    // session or none).
    let authorizations = per_scenario.with_credentials + per_scenario.session_reused;
    assert!(
        per_scenario.with_credentials * 2 > authorizations,
        "{per_scenario:?}"
    );
    for (what, counts) in [("one at a time", one_at_a_time), ("16 at a time", many)] {
        assert_eq!(
            counts.with_credentials + counts.session_reused,
            authorizations,
            "{what}: every authorization is counted once ({counts:?})"
        );
        // The fresh-sign-in scenarios, plus a few per user and kept session.
        assert!(
            counts.with_credentials * 3 <= per_scenario.with_credentials,
            "{what}: {counts:?} against {per_scenario:?}"
        );
    }
}
