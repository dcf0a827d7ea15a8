//! Known deviations end to end: a profile that declares them, a server that shows them
//! (the reference emulator with a fault), and every report saying so.

mod common;

use grantcheck::runner::Outcome;

/// The reference profile plus two declared deviations, under the same file name so the
/// committed baselines apply.
fn profile_with_deviations(dir: &std::path::Path) -> String {
    let text = std::fs::read_to_string(common::root().join("profiles/reference-emulated.yaml"))
        .expect("reference profile");
    let text = format!(
        "{text}deviations:
  - id: code-single-use
    check: token_error_is
    expected: \"received: HTTP 200\"
    reason: codes are reusable on this server (test)
  - id: token-response-no-store
    expected: no-store
    reason: caching headers missing (test)
"
    );
    // The profile names its private_key_jwt key relative to itself.
    std::fs::create_dir_all(dir.join("keys")).expect("mkdir keys");
    std::fs::copy(
        common::root().join("profiles/keys/test-client.pem"),
        dir.join("keys/test-client.pem"),
    )
    .expect("copy key");
    let path = dir.join("reference-emulated.yaml");
    std::fs::write(&path, text).expect("write profile");
    path.to_string_lossy().into_owned()
}

#[test]
fn a_declared_deviation_is_reported_as_such_and_only_for_its_failure() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = profile_with_deviations(dir.path());
    let reports = tempfile::tempdir().expect("temp dir");
    let (result, _snaps) = common::run_into(
        &[&profile],
        &["allow-code-reuse"],
        None,
        reports.path(),
        None,
    );

    let outcome = |name: &str| {
        &result
            .records
            .iter()
            .find(|r| r.scenario == name)
            .unwrap_or_else(|| panic!("no scenario {name}"))
            .outcome
    };
    assert!(
        matches!(outcome("A code works only once"), Outcome::KnownDeviation { failures } if failures.iter().all(|f| f.deviation.as_ref().is_some_and(|d| d.reason.contains("codes are reusable")))),
        "{:?}",
        outcome("A code works only once")
    );
    // The same fault breaks a SHOULD elsewhere, which the profile does not excuse: it
    // stays a warning.
    let replay = result
        .records
        .iter()
        .find(|r| r.scenario == "A replayed code revokes the tokens issued for it")
        .expect("replay scenario");
    assert!(matches!(replay.outcome, Outcome::Passed) && !replay.warnings.is_empty());
    // No failure left, but a declared deviation did not happen: exit 3.
    assert_eq!(result.exit_code(), 3);
    assert_eq!(result.totals().known_deviations, 1);
    assert_eq!(
        result.stale_deviations.len(),
        1,
        "{:?}",
        result.stale_deviations
    );
    assert!(
        result.stale_deviations[0]
            .to_string()
            .contains("The token response may not be cached")
    );

    let junit = std::fs::read_to_string(reports.path().join("junit.xml")).expect("junit");
    assert!(
        junit.contains(
            "<skipped message=\"known deviation: codes are reusable on this server (test)"
        )
    );
    assert!(junit.contains("classname=\"stale deviation\""), "{junit}");
    let cucumber = std::fs::read_to_string(reports.path().join("cucumber.json")).expect("json");
    assert!(cucumber.contains("@known-deviation"));
    assert!(cucumber.contains("known deviation: codes are reusable"));
    let results = std::fs::read_to_string(reports.path().join("results.json")).expect("results");
    assert!(results.contains("\"status\": \"known_deviation\""));
    assert!(results.contains("\"stale_deviations\""));
}

#[test]
fn deviations_that_no_longer_happen_give_the_drift_exit_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = profile_with_deviations(dir.path());
    let reports = tempfile::tempdir().expect("temp dir");
    let (result, _snaps) = common::run_into(&[&profile], &[], None, reports.path(), None);
    assert_eq!(result.totals().failed, 0);
    assert_eq!(
        result.stale_deviations.len(),
        2,
        "{:?}",
        result.stale_deviations
    );
    assert_eq!(result.exit_code(), 3);
}

/// A declared deviation explains one failure; a second failure in the same step (the
/// error now comes as text/plain) is still reported, and the scenario fails with both.
#[test]
fn a_declared_deviation_never_hides_a_second_failure_of_the_same_step() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = "A code the server never issued is refused as invalid_grant, in JSON";
    let text = std::fs::read_to_string(common::root().join("profiles/reference-emulated.yaml"))
        .expect("reference profile");
    let text = format!(
        "{text}deviations:
  - id: code-unknown-invalid-grant
    check: token_error_is
    expected: invalid_request
    reason: unknown codes are refused as invalid_request (test)
"
    );
    std::fs::create_dir_all(dir.path().join("keys")).expect("mkdir keys");
    std::fs::copy(
        common::root().join("profiles/keys/test-client.pem"),
        dir.path().join("keys/test-client.pem"),
    )
    .expect("copy key");
    let profile = dir.path().join("reference-emulated.yaml");
    std::fs::write(&profile, text).expect("write profile");
    let profile = profile.to_string_lossy().into_owned();
    let tags = Some("@rfc6749-5.2");
    let outcome = |faults: &[&str]| {
        let reports = tempfile::tempdir().expect("temp dir");
        let (result, _s) = common::run_into(&[&profile], faults, tags, reports.path(), None);
        result
            .records
            .into_iter()
            .find(|r| r.scenario == scenario)
            .expect("the scenario ran")
            .outcome
    };
    // The declared failure alone: a known deviation.
    let alone = outcome(&["unknown-code-invalid-request"]);
    assert!(matches!(alone, Outcome::KnownDeviation { .. }), "{alone:?}");
    // Plus a content type that is not JSON: failed, both failures listed.
    let both = outcome(&["unknown-code-invalid-request", "token-errors-not-json"]);
    let Outcome::Failed { failures } = &both else {
        panic!("a second failure must fail the scenario: {both:?}")
    };
    let checks: Vec<_> = failures.iter().map(|f| f.check.as_deref()).collect();
    assert!(checks.contains(&Some("token_error_is")), "{both:?}");
    assert!(checks.contains(&Some("json_content_type")), "{both:?}");
    assert!(
        failures
            .iter()
            .any(|f| f.check.as_deref() == Some("token_error_is") && f.deviation.is_some()),
        "the declared failure is marked as such: {both:?}"
    );
}

/// A deviation keyed on an id no scenario has would never explain anything: the run
/// refuses it before it starts, at the place in the profile.
#[test]
fn a_deviation_naming_an_unknown_id_is_refused_at_its_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(common::root().join("profiles/reference-emulated.yaml"))
        .expect("reference profile");
    let lines_before = text.lines().count();
    let text = format!(
        "{text}deviations:
  - id: code-works-only-once
    expected: \"received: HTTP 200\"
    reason: the old title's words, not its id (test)
"
    );
    std::fs::create_dir_all(dir.path().join("keys")).expect("mkdir keys");
    std::fs::copy(
        common::root().join("profiles/keys/test-client.pem"),
        dir.path().join("keys/test-client.pem"),
    )
    .expect("copy key");
    let path = dir.path().join("reference-emulated.yaml");
    std::fs::write(&path, text).expect("write profile");
    let opts = grantcheck::runner::RunOptions {
        root: common::root(),
        profiles: vec![path.to_string_lossy().into_owned()],
        report_dir: Some(dir.path().join("reports")),
        console: grantcheck::runner::Console::Quiet,
        ..Default::default()
    };
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let Err(err) = rt.block_on(grantcheck::runner::run(opts)) else {
        panic!("a deviation naming an unknown id must be refused")
    };
    assert!(
        err.0.contains(&format!(
            "reference-emulated.yaml:{}:5: deviation names @id:code-works-only-once, which no scenario has",
            lines_before + 2
        )),
        "{}",
        err.0
    );
    assert!(!dir.path().join("reports").exists(), "nothing ran");
}
