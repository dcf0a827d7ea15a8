//! Every check can fail: for each emulator fault switch, the suite runs with that
//! fault on and exactly the scenarios listed in `tests/fault-map.txt` must fail; and
//! every scenario must be failed by at least one fault.

mod common;

use std::collections::{BTreeMap, BTreeSet};

/// fault → (listed scenarios, whether the list is "all but").
fn expected() -> BTreeMap<String, (BTreeSet<String>, bool)> {
    let text =
        std::fs::read_to_string(common::root().join("tests/fault-map.txt")).expect("fault map");
    let mut map: BTreeMap<String, (BTreeSet<String>, bool)> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            current = Some(line.trim().to_string());
            map.entry(line.trim().to_string()).or_default();
            continue;
        }
        let Some(fault) = &current else {
            panic!("scenario before any fault: {line}")
        };
        let entry = map.get_mut(fault).expect("entry");
        let item = line.trim();
        if item == "* all but:" {
            entry.1 = true;
        } else {
            entry.0.insert(item.trim_start_matches("- ").to_string());
        }
    }
    map
}

#[test]
fn each_fault_fails_exactly_its_scenarios_and_every_scenario_can_fail() {
    let expected = expected();
    let faults: Vec<&str> = grantcheck::emulators::faults("athenahealth")
        .iter()
        .map(|f| f.name)
        .collect();
    let listed: BTreeSet<&str> = expected.keys().map(String::as_str).collect();
    let known: BTreeSet<&str> = faults.iter().copied().collect();
    assert_eq!(
        listed, known,
        "tests/fault-map.txt must list every fault switch, and only those"
    );

    let (healthy, _r, _s) = common::run(&["athenahealth-emulated"], &[], None);
    let all: BTreeSet<String> = healthy.records.iter().map(|r| r.scenario.clone()).collect();
    let mut failed_by: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut mismatches = Vec::new();
    let mut printed = String::new();
    for fault in &faults {
        let (result, _r, _s) = common::run(&["athenahealth-emulated"], &[fault], None);
        let failed: BTreeSet<String> = common::failed_names(&result).into_iter().collect();
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
        printed.push_str(&format!("{fault:<38} fails {:>2}: ", failed.len()));
        printed.push_str(
            &failed
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join("; "),
        );
        printed.push_str(if failed.len() > 3 { "; …\n" } else { "\n" });
        for s in failed {
            failed_by.entry(s).or_default().push(fault);
        }
    }
    println!("fault switch → failing scenarios\n{printed}");
    let never: Vec<&String> = all.iter().filter(|s| !failed_by.contains_key(*s)).collect();
    assert!(
        mismatches.is_empty(),
        "fault map mismatch:\n{}",
        mismatches.join("\n")
    );
    assert!(never.is_empty(), "scenarios no fault can fail: {never:?}");
    assert!(all.len() >= 30);
}
