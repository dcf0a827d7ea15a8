//! What a run remembers about each scenario, for the summary and the reports.

use serde::Serialize;

use crate::http::Exchange;
use crate::snapshot::Drift;

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed {
        message: String,
    },
    Skipped {
        reason: String,
    },
    /// Failed as the profile says it does; not counted as a failure.
    KnownDeviation {
        message: String,
        reason: String,
        /// Index of the profile's deviation that explains it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deviation: Option<usize>,
    },
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ScenarioRecord {
    pub target: String,
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
    pub warnings: Vec<String>,
    pub drift: Vec<Drift>,
    /// A declared deviation that did not happen: the server may have been fixed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale_deviation: Option<String>,
    pub evidence: Vec<Exchange>,
}

impl ScenarioRecord {
    /// A record with only a name and an outcome, for unit tests of what reads records.
    #[cfg(test)]
    pub fn sample(scenario: &str, outcome: Outcome) -> Self {
        Self {
            target: "t".into(),
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
            stale_deviation: None,
            evidence: vec![],
        }
    }

    pub fn is_failure(&self) -> bool {
        matches!(self.outcome, Outcome::Failed { .. })
    }

    /// Failed only because a payload differs from its baseline: the checks held.
    pub fn is_drift_only(&self) -> bool {
        match &self.outcome {
            Outcome::Failed { message } => {
                message.starts_with(crate::steps::BASELINE_FAILURE) && !self.drift.is_empty()
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub known_deviations: usize,
    pub warnings: usize,
    pub drifted: usize,
}

pub fn totals(records: &[ScenarioRecord]) -> Totals {
    let mut t = Totals::default();
    for r in records {
        match r.outcome {
            Outcome::Passed => t.passed += 1,
            Outcome::Failed { .. } => t.failed += 1,
            Outcome::Skipped { .. } => t.skipped += 1,
            Outcome::KnownDeviation { .. } => t.known_deviations += 1,
        }
        t.warnings += r.warnings.len();
        if !r.drift.is_empty() {
            t.drifted += 1;
        }
    }
    t
}
