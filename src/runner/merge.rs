//! `grantcheck merge`: the report folders of `run --shard I/N` jobs become one set of
//! reports, the same in totals as one unsharded run. Each shard's stream is copied
//! record by record (memory stays flat), declared deviations are judged again over
//! every shard's records, and the exit code is the whole run's.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::stream::{self, RecordStream};
use super::{ConsoleStyle, RunReport, SignInCounts, StaleDeviation, TargetInfo, deviations};

/// Merges `dirs` into `out`; the merged report (its records are the index).
pub fn merge(root: &Path, dirs: &[PathBuf], out: &Path) -> Result<RunReport<'static>, String> {
    let mut shards: Vec<(PathBuf, RunReport<'static>)> = Vec::new();
    for dir in dirs {
        let path = dir.join("results.json");
        let bytes = std::fs::read(&path)
            .map_err(|e| format!("{}: not a report folder: {e}", path.display()))?;
        let report: RunReport<'static> = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not a grantcheck results.json: {e}", path.display()))?;
        if !dir.join(stream::NDJSON).is_file() {
            return Err(format!(
                "{}: has no {}; it was written by an older grantcheck or is incomplete",
                dir.display(),
                stream::NDJSON
            ));
        }
        shards.push((dir.clone(), report));
    }
    check_shards(&shards)?;
    let (_, first) = &shards[0];
    let mut targets: Vec<TargetInfo> = first.targets.iter().map(|t| t.info.clone()).collect();
    // Each shard signed in through sessions of its own: the run's sign-ins are the sum.
    for target in &mut targets {
        target.sign_ins = sign_ins(&shards, &target.name);
    }

    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut sink = RecordStream::create(out).map_err(|e| e.0)?;
    let mut seen: HashMap<(String, String, usize), String> = HashMap::new();
    for (dir, report) in &shards {
        let label = report.shard.clone().unwrap_or_default();
        stream::read(&dir.join(stream::NDJSON), |line, record| {
            let key = (
                record.target.clone(),
                record.feature_path.clone(),
                record.line,
            );
            if let Some(other) = seen.insert(key, label.clone()) {
                return Err(format!(
                    "[{}] {} ({}:{}) is in shard {other} and in shard {label}: the shards \
                     were not cut from the same run",
                    record.target, record.scenario, record.feature_path, record.line
                ));
            }
            let at = sink.copy_line(line);
            sink.keep_at(record, at);
            Ok(())
        })?;
    }
    let mut records = sink.finish().map_err(|e| e.0)?;
    super::sort_records(&mut records);

    let whole_suite = shards.iter().all(|(_, r)| r.whole_suite);
    let stale: Vec<StaleDeviation> = targets
        .iter()
        .flat_map(|t| deviations::stale(&t.name, &t.deviations, &records, whole_suite))
        .collect();
    let requests = shards.iter().map(|(_, r)| r.requests).sum();
    // The shards ran side by side: the run took as long as the slowest.
    let wall = shards.iter().map(|(_, r)| r.wall_ms).max().unwrap_or(0);
    let interrupted: Vec<String> = shards
        .iter()
        .filter_map(|(_, r)| {
            r.interrupted
                .as_ref()
                .map(|why| format!("shard {}: {why}", r.shard.as_deref().unwrap_or("?")))
        })
        .collect();
    let mut report = RunReport::build(
        &targets,
        records,
        stale,
        requests,
        std::time::Duration::from_millis(wall),
    );
    report.whole_suite = whole_suite;
    report.fleet = first.fleet.clone();
    report.merged_from = shards
        .iter()
        .map(|(d, _)| d.display().to_string())
        .collect();
    if !interrupted.is_empty() {
        report.interrupted = Some(interrupted.join("; "));
        // As for one run: stopped early is at least blocked.
        if report.exit_code != 1 {
            report.exit_code = 4;
        }
    }
    merge_cucumber_json(&shards, out)?;
    super::write_reports(&report, out, root).map_err(|e| e.0)?;
    Ok(report)
}

/// `name`'s sign-ins over every shard, if any shard signed in there.
fn sign_ins(shards: &[(PathBuf, RunReport<'static>)], name: &str) -> Option<SignInCounts> {
    shards
        .iter()
        .flat_map(|(_, r)| &r.targets)
        .filter(|t| t.info.name == name)
        .filter_map(|t| t.info.sign_ins)
        .reduce(|a, b| SignInCounts {
            with_credentials: a.with_credentials + b.with_credentials,
            session_reused: a.session_reused + b.session_reused,
        })
}

/// The shards must be the N slices of one run: same N, each index once, same targets.
fn check_shards(shards: &[(PathBuf, RunReport<'static>)]) -> Result<(), String> {
    let mut count = None;
    let mut indices = BTreeSet::new();
    for (dir, r) in shards {
        let Some(label) = &r.shard else {
            return Err(format!(
                "{}: was not run with --shard; only shards of one run are merged",
                dir.display()
            ));
        };
        let shard: super::shard::Shard = label
            .parse()
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        if *count.get_or_insert(shard.count) != shard.count {
            return Err(format!(
                "{}: is shard {label}, but another folder is a shard of {} (not the same run)",
                dir.display(),
                count.unwrap_or_default()
            ));
        }
        if !indices.insert(shard.index) {
            return Err(format!("{}: shard {label} is given twice", dir.display()));
        }
    }
    let count = count.unwrap_or(0);
    let missing: Vec<String> = (1..=count)
        .filter(|i| !indices.contains(i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "shard(s) {} missing: a merge of part of a run would report less than was asked",
            missing.join(", ")
        ));
    }
    let names =
        |r: &RunReport| -> Vec<String> { r.targets.iter().map(|t| t.info.name.clone()).collect() };
    let first = names(&shards[0].1);
    for (dir, r) in &shards[1..] {
        if names(r) != first {
            return Err(format!(
                "{}: ran other targets than {} (not the same run)",
                dir.display(),
                shards[0].0.display()
            ));
        }
    }
    Ok(())
}

/// Cucumber's own JSON of each shard, one array (it is aligned with the records
/// afterwards, as a run's is).
fn merge_cucumber_json(shards: &[(PathBuf, RunReport<'static>)], out: &Path) -> Result<(), String> {
    let mut all: Vec<serde_json::Value> = Vec::new();
    for (dir, _) in shards {
        let Ok(bytes) = std::fs::read(dir.join("cucumber.json")) else {
            continue;
        };
        if let Ok(serde_json::Value::Array(features)) = serde_json::from_slice(&bytes) {
            all.extend(features);
        }
    }
    let path = out.join("cucumber.json");
    std::fs::write(&path, serde_json::to_vec(&all).unwrap_or_default())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The merged run's closing summary.
pub fn print(
    report: &RunReport<'_>,
    dir: &Path,
    out: &mut dyn std::io::Write,
    style: ConsoleStyle,
) {
    super::console::print_report(report, dir, false, out, style);
}
