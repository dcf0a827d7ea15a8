//! What a step found, as typed values: a failed check, a warning, or a step that could
//! not do what it says. Steps raise a [`StepFailure`] as their panic payload; the
//! runner downcasts it, so nothing about a failure is recovered by parsing text.

use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::checks::Severity;

/// One failed check (or one thing a step could not do), as the reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The named check; `None` when the step itself could not go on (no token was
    /// issued, the profile lacks a client, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    /// The section the server's response breaks, as given where the check is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<String>,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub expected: String,
    pub received: String,
    /// Index into the scenario's evidence of the exchange the check looked at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<usize>,
    /// The step that found it, as written in the feature (filled in by the runner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// What `grantcheck explain` makes of the error payload, when it recognises it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<String>,
    /// The profile's declared deviation that explains this failure, if one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deviation: Option<DeviationRef>,
}

/// A declared deviation matched to one failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviationRef {
    /// Position in the profile's `deviations` list.
    pub index: usize,
    pub reason: String,
    /// What the server does instead, as the profile words it.
    pub instead: String,
}

impl Finding {
    /// A failed check.
    pub fn check(f: crate::checks::Failure, severity: Severity) -> Self {
        Self {
            check: Some(f.check.to_string()),
            spec: Some(f.spec.to_string()),
            severity,
            expected: f.expected,
            received: f.received,
            evidence: None,
            step: None,
            diagnosis: None,
            deviation: None,
        }
    }

    /// A step that could not do what it says; `what` is the reason, in plain words.
    pub fn problem(what: impl Into<String>) -> Self {
        Self {
            check: None,
            spec: None,
            severity: Severity::Must,
            expected: String::new(),
            received: what.into(),
            evidence: None,
            step: None,
            diagnosis: None,
            deviation: None,
        }
    }

    /// One line: `check [spec]: expected …, received …` (or the problem).
    pub fn headline(&self) -> String {
        let first = |s: &str| s.lines().next().unwrap_or("").to_string();
        match &self.check {
            Some(c) => format!(
                "{c} [{}]: expected {}; received {}",
                self.spec.as_deref().unwrap_or("-"),
                first(&self.expected),
                first(&self.received)
            ),
            None => first(&self.received),
        }
    }

    /// Applies `f` to every text field (redaction, escaping).
    pub fn map_text(&mut self, f: impl Fn(&str) -> String) {
        self.expected = f(&self.expected);
        self.received = f(&self.received);
        if let Some(d) = &mut self.diagnosis {
            *d = f(d);
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.check {
            Some(c) => write!(
                f,
                "check `{c}` [{}] failed\n  expected: {}\n  received: {}",
                self.spec.as_deref().unwrap_or("-"),
                self.expected,
                self.received
            )?,
            None => f.write_str(&self.received)?,
        }
        if let Some(d) = &self.diagnosis {
            f.write_str("\n  diagnosis (grantcheck explain):")?;
            for line in d.lines() {
                write!(f, "\n    {line}")?;
            }
        }
        Ok(())
    }
}

/// Why a step stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopKind {
    /// A check the server's response breaks (or a step that could not go on).
    Failed,
    /// The target could not be tested: unreachable, or a sign-in the driver could
    /// not complete. Not a verdict on the server's conformance.
    Blocked,
    /// What the scenario checks turned out not to be there (no page to frame, no form
    /// posted, a refusal the specification allows): skipped with the reason.
    NotApplicable,
}

/// The panic payload of a step that stops: every finding of the step, typed.
#[derive(Debug, Clone)]
pub struct StepFailure {
    pub kind: StopKind,
    pub findings: Vec<Finding>,
}

impl fmt::Display for StepFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            StopKind::Blocked => f.write_str("blocked: ")?,
            StopKind::NotApplicable => f.write_str("not applicable: ")?,
            StopKind::Failed => {}
        }
        for (i, finding) in self.findings.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{finding}")?;
        }
        Ok(())
    }
}

impl StepFailure {
    /// Stops the step with this failure (cucumber catches the panic).
    pub fn raise(self) -> ! {
        std::panic::panic_any(self)
    }

    /// Why a blocked or not-applicable step stopped: its problems, in one line.
    pub fn reason(&self) -> String {
        self.findings
            .iter()
            .map(|x| x.received.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_finding_reads_as_grantcheck_words() {
        let f = Finding::check(
            crate::checks::Failure {
                check: "token_error_is",
                spec: "RFC6749-5.2",
                expected: "invalid_grant".into(),
                received: "HTTP 200".into(),
            },
            Severity::Must,
        );
        assert_eq!(
            f.to_string(),
            "check `token_error_is` [RFC6749-5.2] failed\n  expected: invalid_grant\n  received: HTTP 200"
        );
        assert_eq!(
            f.headline(),
            "token_error_is [RFC6749-5.2]: expected invalid_grant; received HTTP 200"
        );
        let p = Finding::problem("no access token");
        assert_eq!(p.to_string(), "no access token");
        let json = serde_json::to_string(&f).unwrap();
        let back: Finding = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f);
    }
}
