//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use grantcheck::runner::{self, Console, RunOptions, RunResult};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the committed baselines, so a failing run cannot write `.snap.new` files
/// into the working tree.
pub fn snapshot_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&root().join("snapshots"), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read snapshots").flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else if p.extension().is_some_and(|x| x == "snap") {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy snapshot");
        }
    }
}

/// Runs the suite in-process against emulated profiles, quietly, with reports and
/// baselines in temp directories.
pub fn run(
    profiles: &[&str],
    faults: &[&str],
    tags: Option<&str>,
) -> (RunResult, tempfile::TempDir, tempfile::TempDir) {
    let reports = tempfile::tempdir().expect("temp dir");
    let (result, snaps) = run_into(profiles, faults, tags, reports.path(), None);
    (result, reports, snaps)
}

/// Like [`run`], writing reports to `report_dir`, with profile variables from `env`.
pub fn run_into(
    profiles: &[&str],
    faults: &[&str],
    tags: Option<&str>,
    report_dir: &Path,
    env: Option<std::collections::HashMap<String, String>>,
) -> (RunResult, tempfile::TempDir) {
    run_with(profiles, faults, tags, report_dir, env, false)
}

/// Like [`run_into`]; `no_rate_limit` ignores the profiles' pacing (stand-ins).
pub fn run_with(
    profiles: &[&str],
    faults: &[&str],
    tags: Option<&str>,
    report_dir: &Path,
    env: Option<std::collections::HashMap<String, String>>,
    no_rate_limit: bool,
) -> (RunResult, tempfile::TempDir) {
    let snaps = snapshot_copy();
    let opts = RunOptions {
        no_rate_limit,
        root: root(),
        profiles: profiles.iter().map(|s| s.to_string()).collect(),
        tags: tags.map(str::to_owned),
        report_dir: Some(report_dir.to_path_buf()),
        env,
        concurrency: Some(16),
        faults: faults.iter().map(|s| s.to_string()).collect(),
        snapshot_dir: Some(snaps.path().to_path_buf()),
        console: Console::Quiet,
        ..RunOptions::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let result = rt
        .block_on(runner::run(opts))
        .unwrap_or_else(|e| panic!("run failed: {e}"));
    (result, snaps)
}

/// Scenarios a fault was noticed by: a failed check, a payload that drifted from its
/// baseline (a fault that changes only wording is caught by drift), or a scenario the
/// fault left untestable (a broken discovery document blocks what needs its endpoints;
/// the discovery scenarios themselves fail).
pub fn failed_ids(result: &RunResult) -> Vec<String> {
    let mut v: Vec<String> = result
        .records
        .iter()
        .filter(|r| {
            r.is_failure()
                || r.has_drift()
                || matches!(r.outcome, grantcheck::runner::Outcome::Blocked { .. })
        })
        .map(|r| r.id.clone())
        .collect();
    v.sort();
    v
}

/// Scenarios that failed or were blocked, named with their outcome (for assertions
/// that a run left none).
#[allow(dead_code)]
pub fn failed_or_blocked(result: &RunResult) -> Vec<String> {
    result
        .records
        .iter()
        .filter(|r| {
            matches!(
                r.outcome,
                grantcheck::runner::Outcome::Failed { .. }
                    | grantcheck::runner::Outcome::Blocked { .. }
            )
        })
        .map(|r| format!("{}: {:?}", r.scenario, r.outcome))
        .collect()
}
