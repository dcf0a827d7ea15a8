//! Every check can fail: for each emulated profile and each of its emulator's fault
//! switches, the suite runs with that fault on and exactly the scenarios listed in
//! `tests/fault-map.txt` must fail; and every scenario must be failed by some fault.
//! A scenario whose broken check is a SHOULD counts as failed when the fault gives it
//! a warning the healthy run did not have. And every named check in `crates/core/src/checks/`
//! fails (or warns) under some fault of some emulator: a check no fault can trip is
//! either dead or untested.

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

/// Returns the checks that failed or warned under some fault.
fn prove(profile: &str, vendor: &str) -> BTreeSet<String> {
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
    let mut tripped: BTreeSet<String> = BTreeSet::new();
    let mut mismatches = Vec::new();
    let mut printed = String::new();
    for fault in &faults {
        let (result, _r, _s) = common::run(&[profile], &[fault], None);
        for r in &result.records {
            let findings = r.outcome.failures().iter().chain(&r.warnings);
            tripped.extend(findings.filter_map(|f| f.check.clone()));
        }
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
    // Printed as well as asserted: the proofs run on threads, and the run's panic hook
    // keeps a thread's panic message to itself.
    if !mismatches.is_empty() || !never.is_empty() {
        println!(
            "[{profile}] fault map mismatch:\n{}\nscenarios no fault can fail: {never:?}",
            mismatches.join("\n")
        );
    }
    assert!(
        mismatches.is_empty(),
        "[{profile}] fault map mismatch:\n{}",
        mismatches.join("\n")
    );
    assert!(
        never.is_empty(),
        "[{profile}] scenarios no fault can fail: {never:?}"
    );
    tripped
}

/// The three emulators' proofs run side by side; the union of what they tripped must
/// hold every check name.
#[test]
fn every_scenario_and_every_check_fails_under_some_fault() {
    // Every vendor of the registry, by its emulated profile, and the reference server.
    let proofs: Vec<(String, &str)> = grantcheck_core::vendors::ids()
        .chain(["reference"])
        .map(|id| (format!("{id}-emulated"), id))
        .collect();
    let tripped: BTreeSet<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = proofs
            .iter()
            .map(|(profile, vendor)| scope.spawn(move || prove(profile, vendor)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a proof failed (its message is above)"))
            .collect()
    });
    let named = check_names();
    assert!(
        named.len() > 50,
        "check names read from the checks' sources: {named:?}"
    );
    let known_gaps: BTreeSet<String> =
        std::fs::read_to_string(common::root().join("tests/checks-without-a-fault.txt"))
            .expect("tests/checks-without-a-fault.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect();
    let never: Vec<&String> = named
        .difference(&tripped)
        .filter(|c| !known_gaps.contains(*c))
        .collect();
    let closed: Vec<&String> = known_gaps.intersection(&tripped).collect();
    let unknown: Vec<&String> = known_gaps.difference(&named).collect();
    // Printed too: the run's panic hook keeps quiet about panics outside steps.
    println!(
        "checks no fault trips: {never:?}; listed gaps now tripped: {closed:?}; listed but no such check: {unknown:?}"
    );
    assert!(never.is_empty(), "checks no fault can trip: {never:?}");
    assert!(
        closed.is_empty() && unknown.is_empty(),
        "tests/checks-without-a-fault.txt is out of date: now tripped {closed:?}, no such check {unknown:?}"
    );
}

/// Every check name in `crates/core/src/checks/` and the vendors' `checks.rs` (outside their
/// unit tests): the string given as a
/// failure's `check`, which the source writes just before its spec reference
/// (`"token_error_is",` then `"RFC6749-5.2",` or a `spec` parameter), as
/// `check: "…"`, or as a `CHECK` constant.
fn check_names() -> BTreeSet<String> {
    let pair = regex::Regex::new(
        r#""([a-z][a-z0-9_]*)"\s*,\s*(?:spec:\s*)?(?:spec\b|"[A-Za-z][A-Za-z0-9.]*-[A-Za-z0-9][^"]*")"#,
    )
    .unwrap();
    let field = regex::Regex::new(r#"check:\s*"([a-z][a-z0-9_]*)""#).unwrap();
    let constant = regex::Regex::new(r#"const [A-Z_]+: &str = "([a-z][a-z0-9_]*)""#).unwrap();
    let mut names = BTreeSet::new();
    let src = common::root().join("crates/core/src");
    // The shared checks, and the checks only one vendor needs, in its own folder.
    let vendor_checks = std::fs::read_dir(src.join("vendors"))
        .unwrap()
        .map(|e| e.unwrap().path().join("checks.rs"))
        .filter(|p| p.is_file());
    let shared = std::fs::read_dir(src.join("checks"))
        .unwrap()
        .map(|e| e.unwrap().path());
    for path in shared.chain(vendor_checks) {
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for re in [&pair, &field, &constant] {
            names.extend(re.captures_iter(code).map(|c| c[1].to_string()));
        }
    }
    names
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
