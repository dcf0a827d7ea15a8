//! Every check can fail: for each emulated profile and each of its emulator's fault
//! switches, the suite runs with that fault on and exactly the scenarios listed in
//! `tests/fault-map.txt` must fail; and every scenario must be failed by some fault.
//! A scenario whose broken check is a SHOULD counts as failed when the fault gives it
//! a warning the healthy run did not have.

mod common;

use std::collections::{BTreeMap, BTreeSet};

/// profile → fault → (listed scenarios, whether the list is "all but").
type Map = BTreeMap<String, BTreeMap<String, (BTreeSet<String>, bool)>>;

fn expected() -> Map {
    let text =
        std::fs::read_to_string(common::root().join("tests/fault-map.txt")).expect("fault map");
    let mut map = Map::new();
    let mut profile: Option<String> = None;
    let mut fault: Option<String> = None;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if let Some(p) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            profile = Some(p.to_string());
            map.entry(p.to_string()).or_default();
            fault = None;
            continue;
        }
        let Some(p) = &profile else {
            panic!("fault before any [profile]: {line}")
        };
        let faults = map.get_mut(p).expect("profile");
        if !line.starts_with(' ') {
            fault = Some(line.trim().to_string());
            faults.entry(line.trim().to_string()).or_default();
            continue;
        }
        let Some(f) = &fault else {
            panic!("scenario before any fault: {line}")
        };
        let entry = faults.get_mut(f).expect("entry");
        let item = line.trim();
        if item == "* all but:" {
            entry.1 = true;
        } else {
            entry.0.insert(item.trim_start_matches("- ").to_string());
        }
    }
    map
}

fn prove(profile: &str, vendor: &str) {
    let all_expected = expected();
    let expected = all_expected
        .get(profile)
        .unwrap_or_else(|| panic!("tests/fault-map.txt has no [{profile}] section"));
    let faults: Vec<&str> = grantcheck::emulators::faults(vendor)
        .iter()
        .map(|f| f.name)
        .collect();
    let listed: BTreeSet<&str> = expected.keys().map(String::as_str).collect();
    let known: BTreeSet<&str> = faults.iter().copied().collect();
    assert_eq!(
        listed, known,
        "[{profile}] must list every {vendor} fault switch, and only those"
    );

    let (healthy, _r, _s) = common::run(&[profile], &[], None);
    assert_eq!(healthy.exit_code(), 0, "{profile} must pass without faults");
    if vendor == "reference" {
        // The strict reference meets the SHOULDs too.
        let warned: Vec<_> = healthy
            .records
            .iter()
            .filter(|r| !r.warnings.is_empty())
            .map(|r| (&r.scenario, &r.warnings))
            .collect();
        assert!(warned.is_empty(), "reference warnings: {warned:?}");
    }
    // Scenarios the profile does not select (its `features:`) are listed as skipped
    // and never run, so no fault is expected to fail them.
    let all: BTreeSet<String> = healthy
        .records
        .iter()
        .filter(|r| !matches!(r.outcome, grantcheck::runner::Outcome::Skipped { .. }))
        .map(|r| r.id.clone())
        .collect();
    let healthy_warnings: BTreeMap<&str, usize> = healthy
        .records
        .iter()
        .map(|r| (r.id.as_str(), r.warnings.len()))
        .collect();
    let mut failed_by: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut mismatches = Vec::new();
    let mut printed = String::new();
    for fault in &faults {
        let (result, _r, _s) = common::run(&[profile], &[fault], None);
        let mut failed: BTreeSet<String> = common::failed_ids(&result).into_iter().collect();
        failed.extend(
            result
                .records
                .iter()
                .filter(|r| {
                    r.warnings.len() > healthy_warnings.get(r.id.as_str()).copied().unwrap_or(0)
                })
                .map(|r| r.id.clone()),
        );
        let (listed, all_but) = &expected[*fault];
        let want: BTreeSet<String> = if *all_but {
            all.difference(listed).cloned().collect()
        } else {
            listed.clone()
        };
        if failed != want {
            mismatches.push(format!(
                "{fault}:\n  unexpectedly failed: {:?}\n  expected to fail but passed: {:?}",
                failed.difference(&want).collect::<Vec<_>>(),
                want.difference(&failed).collect::<Vec<_>>()
            ));
        }
        printed.push_str(&format!("{fault:<44} fails {:>2}: ", failed.len()));
        printed.push_str(
            &failed
                .iter()
                .take(2)
                .cloned()
                .collect::<Vec<_>>()
                .join("; "),
        );
        printed.push_str(if failed.len() > 2 { "; …\n" } else { "\n" });
        for s in failed {
            failed_by.entry(s).or_default().push(fault);
        }
    }
    println!("[{profile}] fault switch → failing scenarios\n{printed}");
    let never: Vec<&String> = all.iter().filter(|s| !failed_by.contains_key(*s)).collect();
    assert!(
        mismatches.is_empty(),
        "[{profile}] fault map mismatch:\n{}",
        mismatches.join("\n")
    );
    assert!(
        never.is_empty(),
        "[{profile}] scenarios no fault can fail: {never:?}"
    );
}

#[test]
fn every_athenahealth_check_fails_under_its_faults() {
    prove("athenahealth-emulated", "athenahealth");
}

#[test]
fn every_oracle_health_check_fails_under_its_faults() {
    prove("oracle-health-emulated", "oracle-health");
}

#[test]
fn every_standards_check_fails_under_a_reference_fault() {
    prove("reference-emulated", "reference");
}

/// RFC 9207 is a MUST once the server advertises it: the reference server does, so
/// dropping `iss` fails the scenario; a server that never claimed it (the plain OAuth
/// stand-in, no metadata) only gets a warning for the same answer.
#[test]
fn dropping_iss_fails_where_advertised_and_warns_elsewhere() {
    const SCENARIO: &str = "The authorization response names the server as issuer";
    let find = |result: &grantcheck::runner::RunResult| {
        result
            .records
            .iter()
            .find(|r| r.scenario == SCENARIO)
            .cloned()
            .expect("the iss scenario ran")
    };
    let (advertised, _r, _s) = common::run(
        &["reference-emulated"],
        &["authorize-omits-iss"],
        Some("@rfc9207-2"),
    );
    match find(&advertised).outcome {
        grantcheck::runner::Outcome::Failed { failures } => {
            assert_eq!(
                failures[0].check.as_deref(),
                Some("authorization_response_names_issuer")
            );
            assert_eq!(failures[0].severity, grantcheck::verdict::Severity::Must);
        }
        other => panic!("advertised iss dropped: expected a failure, got {other:?}"),
    }
    let plain = common::root().join("tests/fixtures/profiles/plain-oauth.yaml");
    let (silent, _r, _s) = common::run(
        &[plain.to_str().unwrap()],
        &["authorize-omits-iss"],
        Some("@rfc9207-2"),
    );
    let r = find(&silent);
    assert!(
        matches!(r.outcome, grantcheck::runner::Outcome::Passed),
        "{:?}",
        r.outcome
    );
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
}
