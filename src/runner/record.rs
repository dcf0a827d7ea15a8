//! The typed outcome of a run: one record per scenario and target, the totals every
//! output prints, and the exit code. Console, `results.json`, JUnit, cucumber.json and
//! the HTML report are all rendered from these types, so their numbers agree.

use std::borrow::Cow;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::http::Exchange;
use crate::snapshot::Drift;
use crate::verdict::Finding;

/// How one scenario ended on one target: exactly one of these.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    /// At least one failure that no declared deviation explains; every failure is
    /// listed, the explained ones marked with their deviation.
    Failed {
        failures: Vec<Finding>,
    },
    /// Every failure is explained by a declared deviation (one deviation each).
    KnownDeviation {
        failures: Vec<Finding>,
    },
    /// Not run, with the reason (not applicable to this target, needs a clock, ...).
    Skipped {
        reason: String,
    },
    /// Could not be tested: the target was unreachable or the sign-in could not be
    /// completed. Says nothing about conformance.
    Blocked {
        reason: String,
    },
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed { .. } => "failed",
            Outcome::KnownDeviation { .. } => "known deviation",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Blocked { .. } => "blocked",
        }
    }

    /// The failures behind a failed or deviating scenario.
    pub fn failures(&self) -> &[Finding] {
        match self {
            Outcome::Failed { failures } | Outcome::KnownDeviation { failures } => failures,
            _ => &[],
        }
    }
}

/// A declared deviation that did not happen where it could have: the server may
/// have been fixed, and the profile should say so.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StaleDeviation {
    pub target: String,
    /// Which scenario and/or check it names.
    pub label: String,
    pub reason: String,
}

impl std::fmt::Display for StaleDeviation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{}] declared deviation did not happen: {} — {} (the server may have changed; remove it from the profile)",
            self.target, self.label, self.reason
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioRecord {
    pub target: String,
    /// The scenario's stable id (its `@id:` tag): what baselines, deviations and
    /// reports key on.
    #[serde(default)]
    pub id: String,
    pub feature: String,
    pub feature_path: String,
    pub scenario: String,
    pub line: usize,
    pub tags: Vec<String>,
    /// The feature's and the scenario's prose (the specification's explanations).
    #[serde(default)]
    pub feature_description: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Steps as written, background first (`Given the public app`).
    #[serde(default)]
    pub steps: Vec<String>,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// SHOULD-level checks that did not hold.
    #[serde(default)]
    pub warnings: Vec<Finding>,
    /// Payloads that differ from their baselines.
    #[serde(default)]
    pub drift: Vec<Drift>,
    /// Payloads seen for the first time: no baseline to compare with yet.
    #[serde(default)]
    pub no_baseline: Vec<Drift>,
    /// Time the scenario took, in milliseconds.
    #[serde(default)]
    pub duration_ms: u64,
    /// The exchanges, where the reports show them (see `stream::shows_evidence`);
    /// every record's are in `results.ndjson`.
    #[serde(default)]
    pub evidence: Vec<Exchange>,
    /// The line of `results.ndjson` that holds this record whole, evidence included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_line: Option<usize>,
}

impl ScenarioRecord {
    /// A record with only a name and an outcome, for unit tests of what reads records.
    pub fn sample(scenario: &str, outcome: Outcome) -> Self {
        Self {
            target: "t".into(),
            id: scenario.into(),
            feature: "F".into(),
            feature_path: "features/f.feature".into(),
            scenario: scenario.into(),
            line: 1,
            tags: vec![],
            feature_description: None,
            description: None,
            steps: vec![],
            outcome,
            warnings: vec![],
            drift: vec![],
            no_baseline: vec![],
            duration_ms: 0,
            evidence: vec![],
            evidence_line: None,
        }
    }

    /// Gives back spare capacity: index entries live for the whole run.
    pub fn shrink(&mut self) {
        self.evidence.shrink_to_fit();
        self.steps.shrink_to_fit();
        self.tags.shrink_to_fit();
        self.warnings.shrink_to_fit();
        self.drift.shrink_to_fit();
        self.no_baseline.shrink_to_fit();
    }

    pub fn is_failure(&self) -> bool {
        matches!(self.outcome, Outcome::Failed { .. })
    }

    /// Drift that `--accept` has not just recorded.
    pub fn open_drift(&self) -> impl Iterator<Item = &Drift> {
        self.drift.iter().filter(|d| !d.accepted)
    }

    pub fn has_drift(&self) -> bool {
        self.open_drift().next().is_some()
    }

    pub fn duration(&self) -> Duration {
        Duration::from_millis(self.duration_ms)
    }
}

/// Counts of one target or of the whole run. Outcomes add up to `scenarios`; the
/// flags (drifted, no baseline, warnings) count scenarios or items beside them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Totals {
    pub scenarios: usize,
    pub passed: usize,
    pub failed: usize,
    pub known_deviations: usize,
    pub skipped: usize,
    pub blocked: usize,
    /// Scenarios with at least one payload that differs from its baseline.
    pub drifted: usize,
    /// Payloads that differ from their baselines.
    #[serde(default)]
    pub drifted_payloads: usize,
    /// Payloads with no baseline yet.
    pub no_baseline: usize,
    /// SHOULD-level warnings.
    pub warnings: usize,
    /// Declared deviations that did not happen.
    #[serde(default)]
    pub stale_deviations: usize,
}

impl Totals {
    pub fn of<'a>(records: impl IntoIterator<Item = &'a ScenarioRecord>) -> Self {
        let mut t = Totals::default();
        for r in records {
            t.scenarios += 1;
            match r.outcome {
                Outcome::Passed => t.passed += 1,
                Outcome::Failed { .. } => t.failed += 1,
                Outcome::KnownDeviation { .. } => t.known_deviations += 1,
                Outcome::Skipped { .. } => t.skipped += 1,
                Outcome::Blocked { .. } => t.blocked += 1,
            }
            t.warnings += r.warnings.len();
            let open = r.open_drift().count();
            t.drifted_payloads += open;
            if open > 0 {
                t.drifted += 1;
            }
            t.no_baseline += r.no_baseline.iter().filter(|d| !d.accepted).count();
        }
        t
    }

    /// The exit code these totals call for. Precedence: a failed check (1) over a
    /// target that could not be tested (4) over a vendor change (3) over quiet (0).
    /// Payloads with no baseline are new, not changed: a notice, exit 0.
    pub fn exit_code(&self) -> i32 {
        if self.failed > 0 {
            1
        } else if self.blocked > 0 {
            4
        } else if self.drifted > 0 || self.stale_deviations > 0 {
            3
        } else {
            0
        }
    }
}

/// One target's line in every summary: what it is and how its scenarios ended.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetSummary {
    #[serde(flatten)]
    pub info: super::TargetInfo,
    pub totals: Totals,
    /// Why the target could not be tested, named once (the first blocked reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<String>,
}

/// `results.json`: the run's own record of itself, written and read by these types.
/// It borrows the run's records when rendered from a run (no copy of the evidence),
/// and owns them when read back from a file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunReport<'a> {
    pub grantcheck: String,
    pub generated_at: String,
    pub exit_code: i32,
    /// Why the run stopped early, when it did: the records are partial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
    pub totals: Totals,
    pub targets: Vec<TargetSummary>,
    pub stale_deviations: Vec<StaleDeviation>,
    pub requests: u64,
    pub wall_ms: u64,
    /// `I/N` when this run was one shard of a larger one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// Every selected scenario ran (no tag filter).
    #[serde(default = "yes")]
    pub whole_suite: bool,
    /// The fleet file the targets were made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet: Option<String>,
    /// Merged from these shard folders.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    pub scenarios: Cow<'a, [ScenarioRecord]>,
}

fn yes() -> bool {
    true
}

impl<'a> RunReport<'a> {
    pub fn build(
        targets: &[super::TargetInfo],
        scenarios: impl Into<Cow<'a, [ScenarioRecord]>>,
        stale_deviations: Vec<StaleDeviation>,
        requests: u64,
        wall: Duration,
    ) -> Self {
        let scenarios = scenarios.into();
        let targets = targets
            .iter()
            .map(|info| {
                let own = scenarios.iter().filter(|r| r.target == info.name);
                let blocked = own.clone().find_map(|r| match &r.outcome {
                    Outcome::Blocked { reason } => Some(reason.clone()),
                    _ => None,
                });
                TargetSummary {
                    info: info.clone(),
                    totals: Totals {
                        stale_deviations: stale_deviations
                            .iter()
                            .filter(|s| s.target == info.name)
                            .count(),
                        ..Totals::of(own)
                    },
                    blocked,
                }
            })
            .collect();
        let totals = Totals {
            stale_deviations: stale_deviations.len(),
            ..Totals::of(scenarios.iter())
        };
        Self {
            grantcheck: env!("CARGO_PKG_VERSION").to_string(),
            generated_at: time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            exit_code: totals.exit_code(),
            interrupted: None,
            totals,
            targets,
            stale_deviations,
            requests,
            wall_ms: wall.as_millis() as u64,
            shard: None,
            whole_suite: true,
            fleet: None,
            merged_from: Vec::new(),
            scenarios,
        }
    }

    /// Records of one target.
    pub fn of_target<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s ScenarioRecord> {
        self.scenarios.iter().filter(move |r| r.target == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drift(accepted: bool) -> Drift {
        Drift {
            snapshot: "s".into(),
            file: "f".into(),
            baseline: Some("a".into()),
            received: "b".into(),
            diff: "-a\n+b\n".into(),
            accepted,
            path: Default::default(),
            description: String::new(),
        }
    }

    #[test]
    fn exit_codes_follow_the_documented_precedence() {
        let mut t = Totals::default();
        assert_eq!(t.exit_code(), 0);
        t.no_baseline = 3;
        assert_eq!(t.exit_code(), 0, "new payloads are a notice, not a change");
        t.stale_deviations = 1;
        assert_eq!(t.exit_code(), 3);
        t.drifted = 1;
        assert_eq!(t.exit_code(), 3);
        t.blocked = 1;
        assert_eq!(t.exit_code(), 4);
        t.failed = 1;
        assert_eq!(t.exit_code(), 1);
    }

    #[test]
    fn drift_is_a_flag_beside_the_outcome_and_accepted_drift_is_not_counted() {
        let mut r = ScenarioRecord::sample("S", Outcome::Passed);
        r.drift = vec![drift(false), drift(true)];
        let t = Totals::of([&r]);
        assert_eq!(
            (t.passed, t.failed, t.drifted, t.drifted_payloads),
            (1, 0, 1, 1)
        );
        r.drift = vec![drift(true)];
        assert_eq!(Totals::of([&r]).drifted, 0);
    }
}
