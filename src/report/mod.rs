//! Reports beyond cucumber's JSON writer: JUnit from grantcheck's own verdicts,
//! requirement coverage and the self-contained HTML report (specification, results,
//! evidence, drift).

pub mod coverage;
pub mod html;
pub mod junit;

use std::path::Path;

/// Lint rules that implement catalog entries.
pub fn lint_rule_ids() -> Vec<&'static str> {
    crate::diagnose::RULES.to_vec()
}

/// Writes `coverage.json` and `report.html` beside a run's `results.json`.
pub fn write(root: &Path, dir: &Path, results: &html::Results) -> Result<(), String> {
    let coverage = coverage::build(root, &results.scenarios, &lint_rule_ids())?;
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(dir.join(name), bytes)
            .map_err(|e| format!("cannot write {}: {e}", dir.join(name).display()))
    };
    write(
        "coverage.json",
        &serde_json::to_vec_pretty(&coverage).unwrap_or_default(),
    )?;
    write("report.html", html::render(results, &coverage)?.as_bytes())
}

/// `grantcheck report`: rebuilds the HTML report from a saved `results.json`.
pub fn rebuild(root: &Path, results_path: &Path, out: &Path) -> Result<(), String> {
    let bytes = std::fs::read(results_path)
        .map_err(|e| format!("cannot read {}: {e}", results_path.display()))?;
    let results: html::Results<'static> = serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "{}: not a grantcheck results.json: {e}",
            results_path.display()
        )
    })?;
    let coverage = coverage::build(root, &results.scenarios, &lint_rule_ids())?;
    std::fs::write(out, html::render(&results, &coverage)?)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))
}
