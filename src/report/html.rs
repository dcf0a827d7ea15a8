//! The self-contained HTML report: the features as a readable specification with each
//! scenario's result per target, its evidence, the drift summary and the coverage
//! matrix. One file, inline CSS, no scripts and no external assets, so it opens
//! offline from a file:// URL. Built from `results.json`, so `grantcheck report` can
//! rebuild it later.

use std::collections::BTreeMap;

use minijinja::{Environment, context};
use serde::Serialize;
use serde_json::Value;

use super::coverage::Coverage;
use crate::runner::{Outcome, ScenarioRecord, Totals};

const TEMPLATE: &str = include_str!("report.html.j2");

/// What `results.json` holds (the run's own record of itself).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Results {
    #[serde(default)]
    pub grantcheck: String,
    #[serde(default)]
    pub generated_at: String,
    #[serde(default)]
    pub targets: Vec<Value>,
    #[serde(default)]
    pub totals: Totals,
    #[serde(default)]
    pub requests: u64,
    #[serde(default)]
    pub wall_ms: u64,
    #[serde(default)]
    pub stale_deviations: Vec<String>,
    pub scenarios: Vec<ScenarioRecord>,
}

#[derive(Serialize)]
struct TagLink {
    tag: String,
    href: String,
    external: bool,
}

/// Where a tag points: a catalog entry (in this report), an RFC section, a spec.
fn link(tag: &str) -> TagLink {
    let external = |href: String| TagLink {
        tag: tag.to_string(),
        href,
        external: true,
    };
    let prefix = tag.split('-').next().unwrap_or("");
    if ["CER", "OKT", "ATH", "SMART", "RFC", "LINT"].contains(&prefix) {
        return TagLink {
            tag: tag.to_string(),
            href: format!("#cat-{tag}"),
            external: false,
        };
    }
    if let Some(rest) = tag.strip_prefix("rfc") {
        let (num, section) = rest.split_once('-').unwrap_or((rest, ""));
        if num.chars().all(|c| c.is_ascii_digit()) && !num.is_empty() {
            let mut href = format!("https://www.rfc-editor.org/rfc/rfc{num}");
            if !section.is_empty() {
                href.push_str(&format!("#section-{section}"));
            }
            return external(href);
        }
    }
    if tag.starts_with("oidc-core") {
        return external("https://openid.net/specs/openid-connect-core-1_0.html".into());
    }
    if tag.starts_with("smart") {
        return external("https://hl7.org/fhir/smart-app-launch/".into());
    }
    TagLink {
        tag: tag.to_string(),
        href: "#specification".into(),
        external: false,
    }
}

fn anchor(s: &str) -> String {
    crate::steps::slug(s)
}

#[derive(Serialize)]
struct ResultView {
    target: String,
    label: String,
    class: String,
    reason: Option<String>,
    message: Option<String>,
    warnings: Vec<String>,
    stale_deviation: Option<String>,
    evidence: Vec<crate::http::Exchange>,
    open: bool,
}

fn result_view(r: &ScenarioRecord) -> ResultView {
    let (label, class, reason, message) = match &r.outcome {
        Outcome::Passed if !r.warnings.is_empty() => ("passed with warnings", "passed", None, None),
        Outcome::Passed => ("passed", "passed", None, None),
        Outcome::Failed { message } if r.is_drift_only() => {
            ("payload drift", "drift", None, Some(message.clone()))
        }
        Outcome::Failed { message } => ("failed", "failed", None, Some(message.clone())),
        Outcome::Skipped { reason } => ("skipped", "skipped", Some(reason.clone()), None),
        Outcome::KnownDeviation {
            message, reason, ..
        } => (
            "known deviation",
            "known_deviation",
            Some(reason.clone()),
            Some(message.clone()),
        ),
    };
    ResultView {
        target: r.target.clone(),
        label: label.into(),
        class: class.into(),
        reason,
        message,
        warnings: r.warnings.clone(),
        stale_deviation: r.stale_deviation.clone(),
        evidence: r.evidence.clone(),
        open: r.is_failure(),
    }
}

/// A feature's name, description, and its scenarios' records by line.
type FeatureGroup<'a> = (
    String,
    Option<String>,
    BTreeMap<usize, Vec<&'a ScenarioRecord>>,
);

/// Renders the report.
pub fn render(results: &Results, coverage: &Coverage) -> Result<String, String> {
    // Features in file order, scenarios in line order, one result per target.
    let mut features: BTreeMap<String, FeatureGroup> = BTreeMap::new();
    for r in &results.scenarios {
        let f = features.entry(r.feature_path.clone()).or_insert_with(|| {
            (
                r.feature.clone(),
                r.feature_description.clone(),
                BTreeMap::new(),
            )
        });
        f.2.entry(r.line).or_default().push(r);
    }
    let features: Vec<Value> = features
        .into_iter()
        .map(|(path, (name, description, scenarios))| {
            let scenarios: Vec<Value> = scenarios
                .into_values()
                .map(|recs| {
                    let first = recs[0];
                    // A skipped scenario's steps were replaced; show the written ones.
                    let steps = recs
                        .iter()
                        .find(|r| !matches!(r.outcome, Outcome::Skipped { .. }))
                        .map_or(first.steps.clone(), |r| r.steps.clone());
                    serde_json::json!({
                        "name": first.scenario,
                        "line": first.line,
                        "anchor": anchor(&format!("{}-{}", path, first.scenario)),
                        "description": first.description,
                        "tags": first.tags.iter().filter(|t| !t.starts_with("target-")).map(|t| link(t)).collect::<Vec<_>>(),
                        "steps": steps,
                        "any_failed": recs.iter().any(|r| r.is_failure() && !r.is_drift_only()),
                        "any_drift": recs.iter().any(|r| r.is_drift_only()),
                        "results": recs.iter().map(|r| result_view(r)).collect::<Vec<_>>(),
                    })
                })
                .collect();
            serde_json::json!({
                "name": name,
                "path": path,
                "anchor": anchor(&path),
                "description": description,
                "scenarios": scenarios,
            })
        })
        .collect();

    let drifts: Vec<Value> = results
        .scenarios
        .iter()
        .flat_map(|r| {
            r.drift.iter().map(move |d| {
                let text = if d.diff.is_empty() { &d.received } else { &d.diff };
                let lines: Vec<Value> = text
                    .lines()
                    .map(|l| {
                        let class = if l.starts_with('-') {
                            "diff-del"
                        } else if l.starts_with('+') {
                            "diff-add"
                        } else {
                            ""
                        };
                        serde_json::json!({"text": l, "class": class})
                    })
                    .collect();
                serde_json::json!({"target": r.target, "scenario": r.scenario, "snapshot": d.snapshot, "file": d.file, "lines": lines})
            })
        })
        .collect();
    let failures: Vec<Value> = results
        .scenarios
        .iter()
        .filter(|r| r.is_failure() && !r.is_drift_only())
        .map(|r| {
            let first_line = match &r.outcome {
                Outcome::Failed { message } => message.lines().next().unwrap_or("").to_string(),
                _ => String::new(),
            };
            serde_json::json!({"target": r.target, "scenario": r.scenario, "first_line": first_line,
                "anchor": anchor(&format!("{}-{}", r.feature_path, r.scenario))})
        })
        .collect();
    let skips: Vec<Value> = results
        .scenarios
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Skipped { reason } => Some(
                serde_json::json!({"target": r.target, "scenario": r.scenario, "reason": reason}),
            ),
            _ => None,
        })
        .collect();
    let coverage_entries: Vec<Value> = coverage
        .entries
        .iter()
        .map(|e| {
            serde_json::json!({
                "id": e.id, "title": e.title, "status": e.status, "not_tested": e.not_tested,
                "lint_rules": e.lint_rules,
                "scenarios": e.scenarios.iter().map(|s| serde_json::json!({
                    "scenario": s.scenario,
                    "anchor": anchor(&format!("{}-{}", s.feature_path, s.scenario)),
                    "results": s.results,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let prefixes: Vec<Value> = coverage
        .by_prefix
        .iter()
        .map(|(p, t)| serde_json::json!({"prefix": p, "covered": t.covered, "not_tested": t.not_tested, "missing": t.missing}))
        .collect();
    let drift_only = results
        .scenarios
        .iter()
        .filter(|r| r.is_drift_only())
        .count();

    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| format!("report template: {e}"))?;
    let tmpl = env
        .get_template("report.html")
        .map_err(|e| format!("report template: {e}"))?;
    tmpl.render(context! {
        generated_at => results.generated_at,
        version => results.grantcheck,
        requests => results.requests,
        wall_ms => results.wall_ms,
        totals => results.totals,
        failed_checks => results.totals.failed - drift_only,
        drift_only => drift_only,
        targets => results.targets,
        drifts => drifts,
        stale_deviations => results.stale_deviations,
        failures => failures,
        skips => skips,
        features => features,
        coverage => coverage_entries,
        coverage_prefixes => prefixes,
    })
    .map_err(|e| format!("report template: {e}"))
}
