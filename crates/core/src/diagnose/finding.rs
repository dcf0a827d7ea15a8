//! What lint reports: one finding per defect, with the catalog id it comes from, where
//! the offending value sits in the input, why it is wrong and how to fix it.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    /// Worth knowing, but the request works as written (a parameter the server ignores).
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A position in the linted input: 1-based line and column (in characters), and how
/// many characters of that line the offending value covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Location {
    pub line: usize,
    pub column: usize,
    pub len: usize,
}

impl Location {
    /// The location of the byte range `start..end` of `source`; `None` when the range
    /// does not fall on the source's character boundaries.
    pub fn of(source: &str, start: usize, end: usize) -> Option<Location> {
        let before = source.get(..start)?;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.matches('\n').count() + 1;
        let column = source.get(line_start..start)?.chars().count() + 1;
        let covered = source.get(start..end.max(start))?;
        let first_line = covered.split('\n').next().unwrap_or("");
        Some(Location {
            line,
            column,
            len: first_line.chars().count().max(1),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Catalog id (`LINT-C1`, `RFC-01`, `CER-12`, ...) or one of grantcheck's own
    /// profile rules (`LINT-P1`...).
    pub rule: &'static str,
    pub severity: Severity,
    /// The offending value; secrets are shown masked.
    pub value: String,
    pub location: Option<Location>,
    /// One sentence, citing the catalog id or RFC section.
    pub why: String,
    pub fix: String,
}

impl Finding {
    pub(crate) fn new(
        rule: &'static str,
        severity: Severity,
        value: impl Into<String>,
        location: Option<Location>,
    ) -> Self {
        Finding {
            rule,
            severity,
            value: value.into(),
            location,
            why: String::new(),
            fix: String::new(),
        }
    }

    pub(crate) fn error(
        rule: &'static str,
        value: impl Into<String>,
        at: Option<Location>,
    ) -> Self {
        Self::new(rule, Severity::Error, value, at)
    }

    pub(crate) fn warning(
        rule: &'static str,
        value: impl Into<String>,
        at: Option<Location>,
    ) -> Self {
        Self::new(rule, Severity::Warning, value, at)
    }

    /// The finding a vendor's lint policy calls for, at the offending value.
    pub(crate) fn advised(
        advice: crate::vendors::lint::Advice,
        value: impl Into<String>,
        at: Option<Location>,
    ) -> Self {
        Self::new(advice.rule, advice.severity, value, at)
            .why(advice.why)
            .fix(advice.fix)
    }

    pub(crate) fn why(mut self, why: impl Into<String>) -> Self {
        self.why = why.into();
        self
    }

    pub(crate) fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = fix.into();
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Input that cannot be read at all (the CLI exits 2 on it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    pub message: String,
    /// 1-based line of the input where reading failed, when known.
    pub line: Option<usize>,
}

impl InputError {
    pub(crate) fn new(message: impl Into<String>, line: Option<usize>) -> Self {
        InputError {
            message: message.into(),
            line,
        }
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for InputError {}
