//! Known deviations: a profile's documented exceptions, matched against failures.
//!
//! A deviation names a scenario (by id), a check, or both, and the text the failure must
//! contain (what the server does instead). Each failure of a scenario is matched on
//! its own, and one deviation explains at most one failure per scenario, so a second
//! failure in the same step still fails. A declared deviation that no longer happens
//! is reported as stale: the server may have been fixed, and the profile should say so.

use crate::profile::schema::Deviation;
use crate::verdict::DeviationRef;

use super::record::{Outcome, ScenarioRecord, StaleDeviation};

/// A deviation's one-line label for reports; `title` is the named scenario's, when
/// a record of it is at hand.
pub fn label(d: &Deviation, title: Option<&str>) -> String {
    let scenario = |id: &str| match title {
        Some(t) => format!("{t} (@id:{id})"),
        None => format!("@id:{id}"),
    };
    match (&d.id, &d.check) {
        (Some(s), Some(c)) => format!("{} / check `{c}`", scenario(s)),
        (Some(s), None) => scenario(s),
        (None, Some(c)) => format!("check `{c}`"),
        (None, None) => "any scenario".into(),
    }
}

/// Marks each failure that a declared deviation explains; the scenario is a known
/// deviation only when every failure is explained.
pub fn classify(outcome: Outcome, scenario_id: &str, deviations: &[Deviation]) -> Outcome {
    let Outcome::Failed { mut failures } = outcome else {
        return outcome;
    };
    let mut used = vec![false; deviations.len()];
    for f in &mut failures {
        let found = deviations
            .iter()
            .enumerate()
            .find(|(i, d)| !used[*i] && d.explains(scenario_id, f));
        if let Some((i, d)) = found {
            used[i] = true;
            f.deviation = Some(DeviationRef {
                index: i,
                reason: d.reason.clone(),
                instead: d.expected.clone(),
            });
        }
    }
    if failures.iter().all(|f| f.deviation.is_some()) {
        Outcome::KnownDeviation { failures }
    } else {
        Outcome::Failed { failures }
    }
}

/// Deviations of `target` that explained no failure although they could have: the
/// scenario they name ran, or (naming only a check) the whole suite ran.
pub fn stale(
    target: &str,
    deviations: &[Deviation],
    records: &[ScenarioRecord],
    whole_suite: bool,
) -> Vec<StaleDeviation> {
    let ran = |id: &str| {
        records.iter().any(|r| {
            r.target == target
                && r.id == id
                && !matches!(r.outcome, Outcome::Skipped { .. } | Outcome::Blocked { .. })
        })
    };
    deviations
        .iter()
        .enumerate()
        .filter(|(i, d)| {
            let used = records.iter().any(|r| {
                r.target == target
                    && r.outcome
                        .failures()
                        .iter()
                        .any(|f| f.deviation.as_ref().is_some_and(|x| x.index == *i))
            });
            let could_happen = match &d.id {
                Some(s) => ran(s),
                None => whole_suite,
            };
            !used && could_happen
        })
        .map(|(_, d)| StaleDeviation {
            target: target.to_string(),
            label: label(
                d,
                d.id.as_deref().and_then(|id| {
                    records
                        .iter()
                        .find(|r| r.id == id)
                        .map(|r| r.scenario.as_str())
                }),
            ),
            reason: d.reason.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Finding;

    fn dev(scenario: Option<&str>, check: Option<&str>, expected: &str) -> Deviation {
        Deviation {
            id: scenario.map(str::to_owned),
            check: check.map(str::to_owned),
            expected: expected.into(),
            reason: "documented".into(),
        }
    }

    fn finding(check: &str, received: &str) -> Finding {
        Finding {
            check: Some(check.into()),
            spec: Some("RFC6749-5.2".into()),
            ..Finding::problem(received)
        }
    }

    fn failed(fs: Vec<Finding>) -> Outcome {
        Outcome::Failed { failures: fs }
    }

    #[test]
    fn a_failure_matching_every_field_is_a_known_deviation() {
        let d = [dev(Some("S"), Some("token_error_is"), "HTTP 200")];
        let o = classify(
            failed(vec![finding("token_error_is", "HTTP 200 {}")]),
            "S",
            &d,
        );
        assert!(
            matches!(&o, Outcome::KnownDeviation { failures } if failures[0].deviation.as_ref().unwrap().index == 0)
        );
    }

    #[test]
    fn another_failure_of_the_same_scenario_still_fails() {
        let d = [dev(Some("S"), Some("token_error_is"), "HTTP 200")];
        let other = finding("token_error_status_is", "HTTP 500");
        assert!(matches!(
            classify(failed(vec![other.clone()]), "S", &d),
            Outcome::Failed { .. }
        ));
        let wrong_text = finding("token_error_is", "HTTP 400");
        assert!(matches!(
            classify(failed(vec![wrong_text]), "S", &d),
            Outcome::Failed { .. }
        ));
        let right = finding("token_error_is", "HTTP 200");
        assert!(matches!(
            classify(failed(vec![right.clone()]), "T", &d),
            Outcome::Failed { .. }
        ));
        // The declared one and a second failure in the same step: the scenario fails,
        // both failures are listed, the declared one marked as such.
        let o = classify(failed(vec![right, other]), "S", &d);
        let Outcome::Failed { failures } = o else {
            panic!("must fail: {o:?}")
        };
        assert_eq!(failures.len(), 2);
        assert!(failures[0].deviation.is_some() && failures[1].deviation.is_none());
    }

    #[test]
    fn one_deviation_explains_one_failure() {
        let d = [dev(None, None, "HTTP 200")];
        let twice = vec![finding("a", "HTTP 200"), finding("b", "HTTP 200")];
        assert!(matches!(
            classify(failed(twice), "S", &d),
            Outcome::Failed { .. }
        ));
    }

    #[test]
    fn a_blocked_scenario_is_never_a_deviation() {
        let d = [dev(None, None, "")];
        let o = Outcome::Blocked {
            reason: "unreachable".into(),
        };
        assert_eq!(classify(o.clone(), "S", &d), o);
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
        let used = [rec(classify(failed(vec![finding("z", "x")]), "S", &d[..1]))];
        assert!(stale("t", &d[..1], &used, false).is_empty());
    }
}
