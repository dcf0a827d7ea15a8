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
use crate::runner::{Outcome, ScenarioRecord};

const TEMPLATE: &str = include_str!("report.html.j2");

/// What `results.json` holds: the run's typed report.
pub type Results<'a> = crate::runner::RunReport<'a>;

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
    if crate::vendors::is_catalog_prefix(prefix) {
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

/// A scenario's anchor, from its stable id: a link to `report.html#id-…` keeps
/// pointing at the scenario when its title is reworded.
fn scenario_anchor(id: &str) -> String {
    format!("id-{id}")
}

#[derive(Serialize)]
struct FailureView {
    text: String,
    step: Option<String>,
    deviation: Option<String>,
}

#[derive(Serialize)]
struct ResultView {
    target: String,
    label: String,
    class: String,
    reason: Option<String>,
    failures: Vec<FailureView>,
    /// The step that failed, as written: marked in the step list.
    failed_steps: Vec<String>,
    warnings: Vec<String>,
    drift: Vec<String>,
    evidence: Vec<crate::http::Exchange>,
    /// Where the exchanges are when the report does not embed them.
    evidence_line: Option<usize>,
    open: bool,
}

/// The CSS class and anchor of an outcome (`known_deviation`).
fn class_of(o: &Outcome) -> &'static str {
    match o {
        Outcome::Passed => "passed",
        Outcome::Failed { .. } => "failed",
        Outcome::KnownDeviation { .. } => "known_deviation",
        Outcome::Skipped { .. } => "skipped",
        Outcome::Blocked { .. } => "blocked",
    }
}

fn result_view(r: &ScenarioRecord) -> ResultView {
    let label = match &r.outcome {
        Outcome::Passed if !r.warnings.is_empty() => "passed with warnings".to_string(),
        o => o.label().to_string(),
    };
    let reason = match &r.outcome {
        Outcome::Skipped { reason } | Outcome::Blocked { reason } => Some(reason.clone()),
        _ => None,
    };
    let failures: Vec<FailureView> = r
        .outcome
        .failures()
        .iter()
        .map(|f| FailureView {
            text: f.to_string(),
            step: f.step.clone(),
            deviation: f.deviation.as_ref().map(|d| d.reason.clone()),
        })
        .collect();
    ResultView {
        target: r.target.clone(),
        label,
        class: class_of(&r.outcome).into(),
        reason,
        failed_steps: failures.iter().filter_map(|f| f.step.clone()).collect(),
        failures,
        warnings: r.warnings.iter().map(ToString::to_string).collect(),
        drift: r.open_drift().map(|d| d.file.clone()).collect(),
        evidence: r.evidence.clone(),
        evidence_line: r.evidence_line.filter(|_| r.evidence.is_empty()),
        open: matches!(
            r.outcome,
            Outcome::Failed { .. } | Outcome::KnownDeviation { .. }
        ) || r.has_drift(),
    }
}

/// A feature's name, description, and its scenarios' records by line.
type FeatureGroup<'a> = (
    String,
    Option<String>,
    BTreeMap<usize, Vec<&'a ScenarioRecord>>,
);

/// True for a result a fleet's report details: one that needs a reader's attention.
fn needs_attention(r: &ScenarioRecord) -> bool {
    !matches!(r.outcome, Outcome::Passed | Outcome::Skipped { .. })
        || r.has_drift()
        || !r.warnings.is_empty()
}

/// A fleet's matrix cell: the outcome's class and a one-letter mark (drift beside the
/// outcome, as everywhere).
fn cell(r: &ScenarioRecord) -> Value {
    let (mark, class) = match &r.outcome {
        Outcome::Passed if r.has_drift() => ("Δ", "drift"),
        Outcome::Passed => ("✓", "passed"),
        Outcome::Failed { .. } => ("✗", "failed"),
        Outcome::KnownDeviation { .. } => ("D", "known_deviation"),
        Outcome::Skipped { .. } => ("–", "skipped"),
        Outcome::Blocked { .. } => ("B", "blocked"),
    };
    serde_json::json!({"mark": mark, "class": class, "title": format!("{}: {}", r.target, r.outcome.label())})
}

/// Renders the report.
pub fn render(results: &Results, coverage: &Coverage) -> Result<String, String> {
    // A fleet's report leads with a scenario × tenant matrix and details only what
    // needs attention; every result stays in results.json and results.ndjson.
    let fleet = results.targets.iter().any(|t| t.info.tenant.is_some());
    // Features in file order, scenarios in line order, one result per target.
    let mut features: BTreeMap<String, FeatureGroup> = BTreeMap::new();
    for r in results.scenarios.iter() {
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
                    let views: Vec<ResultView> = recs
                        .iter()
                        .filter(|r| !fleet || needs_attention(r))
                        .map(|r| result_view(r))
                        .collect();
                    let quiet = recs.len() - views.len();
                    let summary = (fleet && quiet > 0).then(|| {
                        let passed = recs.iter().filter(|r| !needs_attention(r) && matches!(r.outcome, Outcome::Passed)).count();
                        format!("passed on {passed} and skipped on {} other target(s)", quiet - passed)
                    });
                    serde_json::json!({
                        "name": first.scenario,
                        "line": first.line,
                        "anchor": scenario_anchor(&first.id),
                        "id": first.id,
                        "description": first.description,
                        "tags": first.tags.iter().filter(|t| !t.starts_with("target-")).map(|t| link(t)).collect::<Vec<_>>(),
                        "steps": steps,
                        "any_failed": recs.iter().any(|r| r.is_failure()),
                        "any_drift": recs.iter().any(|r| r.has_drift()),
                        "all_passed": recs.iter().all(|r| matches!(r.outcome, Outcome::Passed | Outcome::Skipped { .. }) && !r.has_drift()),
                        "failed_steps": views.iter().flat_map(|v| v.failed_steps.iter().cloned()).collect::<Vec<_>>(),
                        "results": views,
                        "quiet_summary": summary,
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
            r.open_drift().map(move |d| {
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
                serde_json::json!({"target": r.target, "scenario": r.scenario, "snapshot": d.snapshot, "file": d.file, "lines": lines,
                    "outcome": r.outcome.label(), "anchor": scenario_anchor(&r.id)})
            })
        })
        .collect();
    // One index entry per scenario and target, grouped by outcome: the report's
    // filters, as plain anchors (no scripts).
    let index_entry = |r: &ScenarioRecord, detail: String| {
        serde_json::json!({"target": r.target, "scenario": r.scenario, "detail": detail,
            "anchor": scenario_anchor(&r.id)})
    };
    let by_outcome = |class: &str| -> Vec<Value> {
        results
            .scenarios
            .iter()
            .filter(|r| class_of(&r.outcome) == class)
            // A fleet lists what needs attention; the matrix shows the rest.
            .filter(|_| !fleet || !matches!(class, "passed" | "skipped"))
            .map(|r| {
                let detail = match &r.outcome {
                    Outcome::Skipped { reason } | Outcome::Blocked { reason } => reason.clone(),
                    o => o
                        .failures()
                        .iter()
                        .map(|f| f.headline())
                        .collect::<Vec<_>>()
                        .join("; "),
                };
                index_entry(r, detail)
            })
            .collect()
    };
    let outcome_groups: Vec<Value> = [
        ("failed", "Failed"),
        ("blocked", "Blocked (could not be tested)"),
        ("known_deviation", "Known deviations"),
        ("skipped", "Skipped"),
        ("passed", "Passed"),
    ]
    .into_iter()
    .map(|(class, title)| {
        let count = results.scenarios.iter().filter(|r| class_of(&r.outcome) == class).count();
        serde_json::json!({"class": class, "title": title, "count": count, "entries": by_outcome(class)})
    })
    .collect();
    let deviations: Vec<Value> = results
        .scenarios
        .iter()
        .flat_map(|r| {
            r.outcome.failures().iter().filter_map(move |f| {
                f.deviation.as_ref().map(|d| {
                    serde_json::json!({"target": r.target, "scenario": r.scenario, "check": f.check,
                        "reason": d.reason, "instead": d.instead, "outcome": r.outcome.label(),
                        "anchor": scenario_anchor(&r.id)})
                })
            })
        })
        .collect();
    let per_target: Vec<Value> = results
        .targets
        .iter()
        .map(|t| {
            if fleet {
                return serde_json::json!({"name": t.info.name, "anchor": anchor(&format!("target-{}", t.info.name)), "entries": []});
            }
            let entries: Vec<Value> = results
                .of_target(&t.info.name)
                .map(|r| {
                    let mut e = index_entry(r, String::new());
                    e["class"] = class_of(&r.outcome).into();
                    e["label"] = r.outcome.label().into();
                    e
                })
                .collect();
            serde_json::json!({"name": t.info.name, "anchor": anchor(&format!("target-{}", t.info.name)), "entries": entries})
        })
        .collect();
    let matrix = if fleet {
        fleet_matrix(results)
    } else {
        Value::Null
    };
    let coverage_entries: Vec<Value> = coverage
        .entries
        .iter()
        .map(|e| {
            serde_json::json!({
                "id": e.id, "title": e.title, "status": e.status, "not_tested": e.not_tested, "ran_here": e.ran_here,
                "lint_rules": e.lint_rules,
                "scenarios": e.scenarios.iter().map(|s| serde_json::json!({
                    "scenario": s.scenario,
                    "anchor": scenario_anchor(&s.id),
                    "results": if fleet { tally(&s.results) } else { serde_json::to_value(&s.results).unwrap_or_default() },
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let prefixes: Vec<Value> = coverage
        .by_prefix
        .iter()
        .map(|(p, t)| serde_json::json!({"prefix": p, "covered": t.covered, "partly": t.partly, "lint_only": t.lint_only, "not_tested": t.not_tested, "missing": t.missing}))
        .collect();

    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| format!("report template: {e}"))?;
    let tmpl = env
        .get_template("report.html")
        .map_err(|e| format!("report template: {e}"))?;
    let html = tmpl.render(context! {
        generated_at => results.generated_at,
        version => results.grantcheck,
        requests => results.requests,
        wall_ms => results.wall_ms,
        totals => results.totals,
        exit_code => results.exit_code,
        targets => results.targets,
        drifts => drifts,
        stale_deviations => results.stale_deviations.iter().map(ToString::to_string).collect::<Vec<_>>(),
        outcome_groups => outcome_groups,
        deviations => deviations,
        per_target => per_target,
        features => features,
        coverage => coverage_entries,
        coverage_prefixes => prefixes,
        fleet => fleet,
        matrix => matrix,
    })
    .map_err(|e| format!("report template: {e}"))?;
    // Text from servers may carry terminal control sequences: shown, never kept raw.
    Ok(crate::runner::safe_text(&html))
}

/// A fleet's coverage cell: how many targets ended each way, not one badge per target.
fn tally<V: AsRef<str>>(results: &BTreeMap<String, V>) -> Value {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for status in results.values() {
        *counts.entry(status.as_ref().to_string()).or_default() += 1;
    }
    serde_json::to_value(
        counts
            .into_iter()
            .map(|(status, n)| (format!("×{n}"), status))
            .collect::<BTreeMap<_, _>>(),
    )
    .unwrap_or_default()
}

/// Scenario × target: one row per scenario that ran somewhere (scenarios no target
/// selected are counted, not drawn), one column per target.
fn fleet_matrix(results: &Results) -> Value {
    let targets: Vec<&str> = results
        .targets
        .iter()
        .map(|t| t.info.name.as_str())
        .collect();
    let column: std::collections::HashMap<&str, usize> =
        targets.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    // (file, line) → ((title, id), one cell per target): rows in feature order.
    type Row = ((String, String), Vec<Value>);
    let mut rows: BTreeMap<(String, usize), Row> = BTreeMap::new();
    for r in results.scenarios.iter() {
        let row = rows
            .entry((r.feature_path.clone(), r.line))
            .or_insert_with(|| {
                (
                    (r.scenario.clone(), r.id.clone()),
                    vec![Value::Null; targets.len()],
                )
            });
        if let Some(&i) = column.get(r.target.as_str()) {
            row.1[i] = cell(r);
        }
    }
    let not_selected =
        |cells: &[Value]| cells.iter().all(|c| c.is_null() || c["class"] == "skipped");
    let hidden = rows.values().filter(|(_, c)| not_selected(c)).count();
    let rows: Vec<Value> = rows
        .into_iter()
        .filter(|(_, (_, c))| !not_selected(c))
        .map(|(_, ((name, id), cells))| {
            serde_json::json!({"scenario": name, "anchor": scenario_anchor(&id), "cells": cells})
        })
        .collect();
    let columns: Vec<Value> = results
        .targets
        .iter()
        .map(|t| {
            serde_json::json!({
                "name": t.info.tenant.clone().unwrap_or_else(|| t.info.name.clone()),
                "target": t.info.name,
                "exit_code": t.totals.exit_code(),
            })
        })
        .collect();
    serde_json::json!({"columns": columns, "rows": rows, "hidden": hidden})
}
