//! The whole feature suite against the emulated profiles.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use grantcheck::runner::Outcome;

#[test]
fn every_emulated_scenario_passes_and_reports_are_written() {
    let (result, reports, _snaps) = common::run(&[], &[], None);
    let failures: Vec<String> = result
        .records
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Failed { failures } => Some(format!(
                "{}: {}",
                r.scenario,
                failures
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )),
            _ => None,
        })
        .collect();
    assert!(
        failures.is_empty(),
        "failed scenarios:\n{}",
        failures.join("\n\n")
    );
    assert_eq!(result.exit_code(), 0);
    // Every registry vendor's emulated scenarios pass; the standards ones its profile
    // does not select are listed as skipped, saying so, and nothing else is skipped.
    let mut passed = 0;
    for vendor in grantcheck_core::vendors::ALL {
        let profile = format!("{}-emulated", vendor.id);
        let records: Vec<_> = result
            .records
            .iter()
            .filter(|r| r.target == profile)
            .collect();
        assert!(
            records.len() >= 30,
            "only {} {profile} scenarios",
            records.len()
        );
        let unexpected: Vec<_> = records
            .iter()
            .filter(|r| match &r.outcome {
                Outcome::Passed => false,
                // Only standards scenarios the profile leaves out may be skipped.
                Outcome::Skipped { reason } => {
                    !reason.starts_with("not selected:") || r.feature_path.contains("vendors/")
                }
                _ => true,
            })
            .map(|r| format!("{}: {:?}", r.scenario, r.outcome))
            .collect();
        assert!(
            unexpected.is_empty(),
            "{profile} scenarios that did not pass: {unexpected:#?}"
        );
        passed += records
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Passed))
            .count();
    }
    assert!(result.requests >= passed as u64);

    let junit = std::fs::read_to_string(reports.path().join("junit.xml")).expect("junit.xml");
    assert!(junit.contains("<testsuite"), "{junit}");
    assert_eq!(junit.matches("<testcase").count(), result.records.len());
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(reports.path().join("cucumber.json")).expect("cucumber.json"),
    )
    .expect("cucumber.json is JSON");
    let scenarios: usize = json
        .as_array()
        .expect("array of features")
        .iter()
        .flat_map(|f| f["elements"].as_array().cloned().unwrap_or_default())
        // A feature's Background is written as an element of its own per scenario.
        .filter(|e| e["type"] != "background")
        .count();
    assert_eq!(scenarios, result.records.len());
    let results: serde_json::Value = serde_json::from_slice(
        &std::fs::read(reports.path().join("results.json")).expect("results.json"),
    )
    .expect("results.json is JSON");
    let ran = result
        .records
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Skipped { .. }))
        .count();
    assert_eq!(results["totals"]["passed"].as_u64(), Some(ran as u64));
}

/// Vendor scenarios cite the catalog entry they encode; standards scenarios cite the
/// specification section (`@rfc7636-4.6`, `@oidc-core-3.1.3.7`, `@SMART-03`).
#[test]
fn every_scenario_is_tagged_with_what_it_verifies() {
    let (result, _r, _s) = common::run(&[], &[], None);
    let catalog = ["ATH-", "OKT-", "CER-", "SMART-", "RFC-", "LINT-"];
    let spec = ["rfc", "oidc-", "smart-", "SMART-", "RFC-"];
    for r in &result.records {
        let prefixes: &[&str] = if r.feature_path.contains("/vendors/") {
            &catalog
        } else {
            &spec
        };
        assert!(
            r.tags
                .iter()
                .any(|t| prefixes.iter().any(|p| t.starts_with(p))),
            "{} ({}) cites none of {prefixes:?}: {:?}",
            r.scenario,
            r.feature_path,
            r.tags
        );
    }
}

#[test]
fn a_tag_expression_selects_scenarios() {
    let (result, _r, _s) = common::run(
        &["reference-emulated"],
        &[],
        Some("@rfc7636-4.6 and not @SMART-06"),
    );
    let names: BTreeSet<_> = result.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        names,
        BTreeSet::from(["pkce-short-verifier", "pkce-verifier-without-challenge"])
    );
}

/// Every record carries its scenario's id, and ids name one scenario per target.
#[test]
fn every_record_carries_its_scenarios_id() {
    let (result, _r, _s) = common::run(&[], &[], None);
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for r in &result.records {
        assert!(
            grantcheck::scenario_id::is_valid(&r.id),
            "{}: {:?}",
            r.scenario,
            r.id
        );
        assert!(!r.tags.iter().any(|t| t.starts_with("id:")), "{:?}", r.tags);
        *seen.entry((r.target.clone(), r.id.clone())).or_default() += 1;
    }
    let dups: Vec<_> = seen.into_iter().filter(|(_, n)| *n > 1).collect();
    assert!(dups.is_empty(), "duplicate scenario ids: {dups:?}");
}

/// A step definition no feature uses is dead code; a feature step matching no
/// definition fails its scenario (tested by the suite above).
#[test]
fn every_step_definition_is_used() {
    let root = common::root().join("features");
    let mut steps = Vec::new();
    collect_steps(&root, &mut steps);
    for pattern in grantcheck::steps::patterns() {
        let re = regex::Regex::new(pattern).unwrap();
        assert!(
            steps.iter().any(|s| re.is_match(s)),
            "step definition {pattern:?} is not used by any feature"
        );
    }
}

fn collect_steps(dir: &std::path::Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_steps(&p, out);
        } else if p.extension().is_some_and(|x| x == "feature") {
            for line in std::fs::read_to_string(&p).unwrap().lines() {
                let l = line.trim();
                for kw in ["Given ", "When ", "Then ", "And ", "But "] {
                    if let Some(rest) = l.strip_prefix(kw) {
                        out.push(rest.to_string());
                    }
                }
            }
        }
    }
}
