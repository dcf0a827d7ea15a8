//! A plain OAuth 2.0 server (the reference emulator without OpenID Connect, metadata
//! or introspection) is never failed for what it never offered: every scenario that
//! needs one of those is skipped with the reason, in every report, and the rest pass.

mod common;

use grantcheck::runner::Outcome;

const PROFILE: &str = "tests/fixtures/profiles/plain-oauth.yaml";

#[test]
fn a_plain_oauth_server_gets_skips_with_reasons_and_no_failures() {
    let profile = common::root().join(PROFILE);
    let reports = tempfile::tempdir().expect("temp dir");
    let (result, _snaps) = common::run_into(
        &[profile.to_str().unwrap()],
        &[],
        None,
        reports.path(),
        None,
    );
    let t = result.totals();
    let failed = common::failed_or_blocked(&result);
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(t.passed >= 35, "{t:?}");
    let reason = |scenario: &str| -> String {
        let r = result
            .records
            .iter()
            .find(|r| r.scenario == scenario)
            .unwrap_or_else(|| panic!("no scenario {scenario:?}"));
        match &r.outcome {
            Outcome::Skipped { reason } => reason.clone(),
            other => panic!("{scenario}: expected skipped, got {other:?}"),
        }
    };
    // OpenID Connect: ID tokens and userinfo.
    for s in [
        "The ID token carries the nonce the app sent",
        "The userinfo endpoint asks for a Bearer token when none is sent",
    ] {
        assert!(reason(s).contains("not an OpenID provider"), "{s}");
    }
    // No metadata document at all.
    for s in [
        "The metadata names the issuer it was fetched from",
        "The metadata lists every member its specification requires",
    ] {
        assert!(reason(s).contains("publishes no metadata"), "{s}");
    }
    // No introspection: including the replayed-code scenario that relies on it.
    for s in [
        "A replayed code revokes the tokens issued for it",
        "An active access token is reported active",
        "The token response reports the scope the token really carries",
    ] {
        assert!(reason(s).contains("no introspect endpoint"), "{s}");
    }
    // The same skips, with their reasons, in results.json and JUnit.
    let json = std::fs::read_to_string(reports.path().join("results.json")).unwrap();
    assert!(json.contains("not an OpenID provider"));
    let junit = std::fs::read_to_string(reports.path().join("junit.xml")).unwrap();
    assert!(junit.contains("failures=\"0\""), "{junit}");
    assert!(junit.contains("publishes no metadata"));
    assert_eq!(result.exit_code(), 0);
}
