//! Known deviations: a profile's documented exceptions, matched against failures.
//!
//! A deviation names a scenario, a check, or both, and the text the failure must
//! contain (what the server does instead). A failure is a known deviation only when
//! it matches every given field, so the same scenario failing for another reason is
//! still a failure. A declared deviation that no longer happens is reported as stale:
//! the server may have been fixed, and the profile should say so.

use crate::profile::schema::Deviation;

use super::record::{Outcome, ScenarioRecord};

fn matches(d: &Deviation, scenario: &str, message: &str) -> bool {
    d.explains(scenario, message)
}

/// A deviation's one-line label for reports.
pub fn label(d: &Deviation) -> String {
    match (&d.scenario, &d.check) {
        (Some(s), Some(c)) => format!("{s} / check `{c}`"),
        (Some(s), None) => s.clone(),
        (None, Some(c)) => format!("check `{c}`"),
        (None, None) => "any scenario".into(),
    }
}

/// Turns a failure into a known deviation when one of `deviations` explains it; also
/// says when a scenario-specific deviation did not happen because the scenario passed.
pub fn classify(
    outcome: Outcome,
    scenario: &str,
    deviations: &[Deviation],
) -> (Outcome, Option<String>) {
    match outcome {
        Outcome::Failed { message } if !message.starts_with(crate::steps::BASELINE_FAILURE) => {
            match deviations
                .iter()
                .position(|d| matches(d, scenario, &message))
            {
                Some(i) => {
                    let d = &deviations[i];
                    (
                        Outcome::KnownDeviation {
                            message,
                            reason: format!("{} (instead: {})", d.reason, d.expected),
                            deviation: Some(i),
                        },
                        None,
                    )
                }
                None => (Outcome::Failed { message }, None),
            }
        }
        Outcome::Passed => {
            let stale = deviations
                .iter()
                .find(|d| d.scenario.as_deref() == Some(scenario) && d.check.is_none());
            (
                Outcome::Passed,
                stale.map(|d| {
                    format!(
                        "declared deviation did not happen: {} — the server may have changed",
                        d.reason
                    )
                }),
            )
        }
        other => (other, None),
    }
}

/// Deviations of `target` that explained no failure although they could have: the
/// scenario they name ran, or (naming only a check) the whole suite ran.
pub fn stale(
    target: &str,
    deviations: &[Deviation],
    records: &[ScenarioRecord],
    whole_suite: bool,
) -> Vec<String> {
    let ran = |name: &str| {
        records.iter().any(|r| {
            r.target == target
                && r.scenario == name
                && !matches!(r.outcome, Outcome::Skipped { .. })
        })
    };
    deviations
        .iter()
        .enumerate()
        .filter(|(i, d)| {
            let used = records.iter().any(|r| {
                r.target == target
                    && matches!(r.outcome, Outcome::KnownDeviation { deviation: Some(j), .. } if j == *i)
            });
            let could_happen = match &d.scenario {
                Some(s) => ran(s),
                None => whole_suite,
            };
            !used && could_happen
        })
        .map(|(_, d)| {
            format!(
                "[{target}] declared deviation did not happen: {} — {} (the server may have changed; remove it from the profile)",
                label(d),
                d.reason
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(scenario: Option<&str>, check: Option<&str>, expected: &str) -> Deviation {
        Deviation {
            scenario: scenario.map(str::to_owned),
            check: check.map(str::to_owned),
            expected: expected.into(),
            reason: "documented".into(),
        }
    }

    fn failed(message: &str) -> Outcome {
        Outcome::Failed {
            message: message.into(),
        }
    }

    #[test]
    fn a_failure_matching_every_field_is_a_known_deviation() {
        let d = [dev(Some("S"), Some("token_error_is"), "HTTP 200")];
        let msg = "check `token_error_is` [RFC6749-5.2] failed\n  received: HTTP 200 {}";
        let (o, _) = classify(failed(msg), "S", &d);
        assert!(matches!(
            o,
            Outcome::KnownDeviation {
                deviation: Some(0),
                ..
            }
        ));
    }

    #[test]
    fn another_failure_of_the_same_scenario_still_fails() {
        let d = [dev(Some("S"), Some("token_error_is"), "HTTP 200")];
        let other = "check `token_error_status_is` [RFC6749-5.2] failed\n  received: HTTP 500";
        assert!(matches!(
            classify(failed(other), "S", &d).0,
            Outcome::Failed { .. }
        ));
        let wrong_text = "check `token_error_is` [RFC6749-5.2] failed\n  received: HTTP 400";
        assert!(matches!(
            classify(failed(wrong_text), "S", &d).0,
            Outcome::Failed { .. }
        ));
        let msg = "check `token_error_is` [X] failed\n  received: HTTP 200";
        assert!(matches!(
            classify(failed(msg), "T", &d).0,
            Outcome::Failed { .. }
        ));
    }

    #[test]
    fn drift_is_never_a_deviation() {
        let d = [dev(None, None, "")];
        let msg = format!("{}snapshot changed", crate::steps::BASELINE_FAILURE);
        assert!(matches!(
            classify(failed(&msg), "S", &d).0,
            Outcome::Failed { .. }
        ));
    }

    #[test]
    fn a_passing_scenario_with_a_declared_deviation_is_stale() {
        let d = [dev(Some("S"), None, "x")];
        let (o, stale) = classify(Outcome::Passed, "S", &d);
        assert!(matches!(o, Outcome::Passed));
        assert!(stale.unwrap().contains("did not happen"));
    }

    #[test]
    fn unused_deviations_are_stale_only_where_they_could_have_happened() {
        let d = [dev(Some("S"), None, "x"), dev(None, Some("c"), "y")];
        let rec = |outcome| ScenarioRecord::sample("S", outcome);
        let ran = [rec(Outcome::Passed)];
        assert_eq!(stale("t", &d, &ran, false).len(), 1);
        assert_eq!(stale("t", &d, &ran, true).len(), 2);
        let skipped = [rec(Outcome::Skipped { reason: "r".into() })];
        assert!(stale("t", &d, &skipped, false).is_empty());
        let used = [rec(Outcome::KnownDeviation {
            message: "m".into(),
            reason: "r".into(),
            deviation: Some(0),
        })];
        assert!(stale("t", &d[..1], &used, false).is_empty());
    }
}
