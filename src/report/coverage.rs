//! Requirement coverage: every catalog entry the project tracks (features/CATALOG.md)
//! → the scenarios tagged with it → their result per target; or the NOT-TESTED.md
//! reason it has no scenario. An entry with neither is "missing" (a defect).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::runner::ScenarioRecord;

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub scenarios: Vec<ScenarioRef>,
    /// Why there is no scenario (from a NOT-TESTED.md), or what is left out of a
    /// partly covered entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_tested: Option<String>,
    /// Lint rules that implement the entry (LINT-* entries).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lint_rules: Vec<String>,
    pub status: Status,
    /// With a run's records: whether one of its scenarios ran (was not skipped or
    /// blocked) on some target of this run; `false` means covered elsewhere only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ran_here: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Scenarios verify the whole entry.
    Covered,
    /// Scenarios verify part of it; the NOT-TESTED.md reason names the gap.
    Partly,
    /// Only a `lint` rule implements it: requests are checked, no server is.
    LintOnly,
    /// No scenario, with the reason.
    NotTested,
    /// Neither scenario nor reason: a defect.
    Missing,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioRef {
    pub feature_path: String,
    /// The scenario's `@id:`.
    pub id: String,
    pub scenario: String,
    /// target → outcome status (`passed`, `failed`, …); empty without a run.
    pub results: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PrefixTotals {
    pub covered: usize,
    pub partly: usize,
    pub lint_only: usize,
    pub not_tested: usize,
    pub missing: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub entries: Vec<Entry>,
    pub by_prefix: BTreeMap<String, PrefixTotals>,
}

impl Coverage {
    pub fn missing(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.status == Status::Missing)
    }
}

/// The catalog ids and titles from `features/CATALOG.md` (`| ID | title |` rows).
pub fn catalog(root: &Path) -> Result<Vec<(String, String)>, String> {
    let path = root.join("features/CATALOG.md");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(table_rows(&text)
        .into_iter()
        .filter(|r| r.len() >= 2 && is_id(&r[0]))
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect())
}

fn is_id(s: &str) -> bool {
    let Some((prefix, num)) = s.split_once('-') else {
        return false;
    };
    crate::vendors::is_catalog_prefix(prefix)
        && !num.is_empty()
        && num
            .trim_start_matches(['A', 'C'])
            .chars()
            .all(|c| c.is_ascii_digit())
}

fn table_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| l.trim_start().starts_with('|'))
        .map(|l| {
            l.trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

/// Reasons from every NOT-TESTED.md under `features/`: id → (reason, partly covered).
pub fn not_tested(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut files = Vec::new();
    find(&root.join("features"), "NOT-TESTED.md", &mut files);
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        for row in table_rows(&text) {
            if row.len() >= 3 && is_id(&row[0]) {
                let reason = row.last().cloned().unwrap_or_default();
                out.insert(row[0].clone(), reason);
            }
        }
    }
    out
}

fn find(dir: &Path, name: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            find(&p, name, out);
        } else if p.file_name().is_some_and(|n| n == name) {
            out.push(p);
        }
    }
}

/// Scenario tags straight from the feature files (so coverage needs no run).
pub fn tagged_scenarios(root: &Path) -> Result<Vec<(String, String, Vec<String>)>, String> {
    let features = crate::runner::read_features(&root.join("features")).map_err(|e| e.0)?;
    let mut out = Vec::new();
    for f in features {
        let path = f
            .path
            .as_ref()
            .map(|p| {
                let s = p.to_string_lossy();
                s.find("features/")
                    .map_or(s.to_string(), |i| s[i..].to_string())
            })
            .unwrap_or_default();
        let scenarios = f.scenarios.iter().map(|s| (s, Vec::new())).chain(
            f.rules
                .iter()
                .flat_map(|r| r.scenarios.iter().map(|s| (s, r.tags.clone()))),
        );
        for (s, rule_tags) in scenarios {
            let tags = f
                .tags
                .iter()
                .chain(&rule_tags)
                .chain(&s.tags)
                .cloned()
                .collect();
            out.push((path.clone(), s.name.clone(), tags));
        }
    }
    Ok(out)
}

/// Builds the matrix; `records` adds each scenario's result per target.
pub fn build(
    root: &Path,
    records: &[ScenarioRecord],
    lint_rules: &[&str],
) -> Result<Coverage, String> {
    let catalog = catalog(root)?;
    let reasons = not_tested(root);
    let scenarios = tagged_scenarios(root)?;
    let mut entries = Vec::new();
    let mut by_prefix: BTreeMap<String, PrefixTotals> = BTreeMap::new();
    for (id, title) in catalog {
        let refs: Vec<ScenarioRef> = scenarios
            .iter()
            .filter(|(_, _, tags)| tags.iter().any(|t| t == &id))
            .map(|(path, name, tags)| {
                let scenario_id = crate::scenario_id::of(tags).unwrap_or_default();
                ScenarioRef {
                    feature_path: path.clone(),
                    id: scenario_id.to_string(),
                    scenario: name.clone(),
                    results: records
                        .iter()
                        .filter(|r| r.id == scenario_id)
                        .map(|r| (r.target.clone(), status_of(r)))
                        .collect(),
                }
            })
            .collect();
        let rules: Vec<String> = lint_rules
            .iter()
            .filter(|r| **r == id)
            .map(|r| r.to_string())
            .collect();
        let status = match (
            !refs.is_empty(),
            !rules.is_empty(),
            reasons.contains_key(&id),
        ) {
            (true, _, false) => Status::Covered,
            (true, _, true) => Status::Partly,
            (false, true, _) => Status::LintOnly,
            (false, false, true) => Status::NotTested,
            (false, false, false) => Status::Missing,
        };
        let ran_here = (!records.is_empty() && !refs.is_empty()).then(|| {
            refs.iter().any(|s| {
                s.results
                    .values()
                    .any(|st| st != "skipped" && st != "blocked")
            })
        });
        let prefix = id.split('-').next().unwrap_or("").to_string();
        let t = by_prefix.entry(prefix).or_default();
        match status {
            Status::Covered => t.covered += 1,
            Status::Partly => t.partly += 1,
            Status::LintOnly => t.lint_only += 1,
            Status::NotTested => t.not_tested += 1,
            Status::Missing => t.missing += 1,
        }
        entries.push(Entry {
            not_tested: reasons.get(&id).cloned(),
            id,
            title,
            scenarios: refs,
            lint_rules: rules,
            status,
            ran_here,
        });
    }
    Ok(Coverage { entries, by_prefix })
}

fn status_of(r: &ScenarioRecord) -> String {
    use crate::runner::Outcome;
    match &r.outcome {
        Outcome::Passed if r.has_drift() => "passed, drifted".to_string(),
        o => o.label().to_string(),
    }
}

/// The console summary of `grantcheck coverage`.
pub fn render_text(c: &Coverage) -> String {
    let mut out = String::from(
        "catalog coverage (covered by scenarios / partly, gap named / lint rule only / not \
         tested, reason given / missing a reason)\n",
    );
    for (prefix, t) in &c.by_prefix {
        out.push_str(&format!(
            "  {prefix:<6} {:>3} covered  {:>3} partly  {:>3} lint only  {:>3} not tested  {:>3} missing\n",
            t.covered, t.partly, t.lint_only, t.not_tested, t.missing
        ));
    }
    let missing: Vec<&Entry> = c.missing().collect();
    if !missing.is_empty() {
        out.push_str("missing (no scenario, lint rule or NOT-TESTED.md reason):\n");
        for e in missing {
            out.push_str(&format!("  {} {}\n", e.id, e.title));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::{Outcome, ScenarioRecord};

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    #[test]
    fn only_entries_scenarios_verify_whole_count_as_covered() {
        let c = build(&root(), &[], &crate::report::lint_rule_ids()).unwrap();
        for e in &c.entries {
            let ok = match e.status {
                Status::Covered => !e.scenarios.is_empty() && e.not_tested.is_none(),
                Status::Partly => !e.scenarios.is_empty() && e.not_tested.is_some(),
                Status::LintOnly => e.scenarios.is_empty() && !e.lint_rules.is_empty(),
                Status::NotTested => e.scenarios.is_empty() && e.not_tested.is_some(),
                Status::Missing => e.scenarios.is_empty() && e.not_tested.is_none(),
            };
            assert!(ok, "{} is {:?}", e.id, e.status);
            assert_eq!(e.ran_here, None, "no run, no claim about where it ran");
        }
        for status in [Status::Covered, Status::Partly, Status::LintOnly] {
            assert!(c.entries.iter().any(|e| e.status == status), "{status:?}");
        }
    }

    #[test]
    fn an_entry_whose_scenarios_were_all_skipped_did_not_run_here() {
        let entries = build(&root(), &[], &[]).unwrap().entries;
        let e = entries
            .iter()
            .find(|e| !e.scenarios.is_empty())
            .expect("a covered entry");
        let s = &e.scenarios[0];
        let mut rec = ScenarioRecord::sample(
            &s.scenario,
            Outcome::Skipped {
                reason: "not applicable".into(),
            },
        );
        rec.feature_path = s.feature_path.clone();
        rec.id = s.id.clone();
        let skipped = build(&root(), std::slice::from_ref(&rec), &[]).unwrap();
        let again = skipped.entries.iter().find(|x| x.id == e.id).unwrap();
        if e.scenarios.len() == 1 {
            assert_eq!(again.ran_here, Some(false));
        }
        rec.outcome = Outcome::Passed;
        let ran = build(&root(), &[rec], &[]).unwrap();
        let again = ran.entries.iter().find(|x| x.id == e.id).unwrap();
        assert_eq!(again.ran_here, Some(true));
    }

    /// A NOT-TESTED reason that names code must name code that exists: every `@needs-…`
    /// tag, `grantcheck <command>`, profile field (`name:`), feature folder (`oauth2/`)
    /// and file path it quotes in backticks is checked against the tree, so a reason
    /// cannot go on citing a tag, command or file after it is renamed or removed.
    #[test]
    fn every_not_tested_reason_names_code_that_exists() {
        use clap::CommandFactory as _;
        let root = root();
        let mut files = Vec::new();
        find(&root.join("features"), "NOT-TESTED.md", &mut files);
        assert!(files.len() >= 3, "{files:?}");
        let commands: Vec<String> = crate::cli::Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        let schema =
            std::fs::read_to_string(root.join("crates/core/src/profile/schema.rs")).unwrap();
        let exists = |rel: &str| {
            [root.clone(), root.join("features"), root.join("..")]
                .iter()
                .any(|base| match rel.split_once('*') {
                    // One wildcard in the file name: some file matches it.
                    Some((head, tail)) => {
                        let path = base.join(head);
                        let (dir, prefix) = match head.rsplit_once('/') {
                            Some((d, p)) => (base.join(d), p.to_string()),
                            None => (path.parent().unwrap().to_path_buf(), head.to_string()),
                        };
                        std::fs::read_dir(dir)
                            .into_iter()
                            .flatten()
                            .flatten()
                            .any(|e| {
                                let n = e.file_name().to_string_lossy().into_owned();
                                n.starts_with(&prefix) && n.ends_with(tail)
                            })
                    }
                    None => grantcheck_core::vendors::ids()
                        .any(|id| base.join(rel.replace("<vendor>", id)).exists()),
                })
        };
        let mut checked = 0;
        let mut wrong = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            for span in text.split('`').skip(1).step_by(2) {
                let ok = if let Some(tag) = span.strip_prefix('@') {
                    !tag.starts_with("needs-") || crate::runner::applicability::NEEDS.contains(&tag)
                } else if let Some(rest) = span.strip_prefix("grantcheck ") {
                    let cmd = rest.split_whitespace().next().unwrap_or("");
                    commands.iter().any(|c| c == cmd)
                } else if let Some(field) = span
                    .strip_suffix(':')
                    .filter(|f| f.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                {
                    schema.contains(&format!("pub {field}:"))
                } else if span.contains('/')
                    && (span.ends_with('/')
                        || [".md", ".feature", ".yaml", ".rs"]
                            .iter()
                            .any(|x| span.ends_with(x)))
                    && !span.starts_with('/')
                {
                    exists(span)
                } else {
                    continue;
                };
                checked += 1;
                if !ok {
                    wrong.push(format!("{}: `{span}`", file.display()));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "reasons naming what does not exist: {wrong:#?}"
        );
        assert!(checked >= 10, "only {checked} code references were checked");
    }
}
