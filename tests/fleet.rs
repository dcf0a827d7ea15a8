//! Fleets, shards and merges, run for real against the emulators: one profile run per
//! tenant with baselines per tenant; `--shard I/N` slices merged back into totals equal
//! to the unsharded run; the fleet's HTML leads with its matrix.

mod common;

use std::path::{Path, PathBuf};

use grantcheck::runner::{self, Console, RunOptions, RunResult, SignInCounts, merge, shard::Shard};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn options(report_dir: &Path, snapshots: &Path) -> RunOptions {
    RunOptions {
        root: common::root(),
        report_dir: Some(report_dir.to_path_buf()),
        snapshot_dir: Some(snapshots.to_path_buf()),
        console: Console::Quiet,
        concurrency: Some(16),
        ..RunOptions::default()
    }
}

fn run(opts: RunOptions) -> Result<RunResult, String> {
    runtime().block_on(runner::run(opts)).map_err(|e| e.0)
}

fn fleet_file(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("tenants.csv");
    std::fs::write(&path, text).unwrap();
    path
}

const THREE: &str = "name,ATHENA_PRACTICE_ID,ATHENA_BRAND_ID\n\
                     north,195900,1\n\
                     south,1959001,2\n\
                     east,80000,3\n";

#[test]
fn a_fleet_runs_every_tenant_with_baselines_of_its_own() {
    let work = tempfile::tempdir().unwrap();
    let snaps = tempfile::tempdir().unwrap();
    let fleet = fleet_file(work.path(), THREE);
    let opts = |dir: &str, accept: bool| RunOptions {
        profiles: vec!["athenahealth-emulated".into()],
        fleet: Some(fleet.clone()),
        accept,
        ..options(&work.path().join(dir), snaps.path())
    };

    // First run, accepting: every tenant's payloads become its own baselines.
    let first = run(opts("first", true)).expect("fleet run");
    let names: Vec<&str> = first.targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "athenahealth-emulated@north",
            "athenahealth-emulated@south",
            "athenahealth-emulated@east"
        ]
    );
    let t = first.totals();
    assert_eq!(
        (t.failed, t.blocked),
        (0, 0),
        "{:#?}",
        common::failed_or_blocked(&first)
    );
    let per_tenant: Vec<usize> = first
        .report()
        .targets
        .iter()
        .map(|t| t.totals.passed)
        .collect();
    assert!(
        per_tenant[0] > 40 && per_tenant.iter().all(|n| *n == per_tenant[0]),
        "{per_tenant:?}"
    );
    for tenant in ["north", "south", "east"] {
        let dir = snaps
            .path()
            .join("athenahealth-emulated/tenants")
            .join(tenant);
        let count = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .count();
        assert!(count > 10, "{tenant}: {count} baselines");
    }
    // The tenant's practice reached the emulator: its FHIR base carries it.
    let south = first
        .targets
        .iter()
        .find(|t| t.tenant.as_deref() == Some("south"))
        .unwrap();
    assert_eq!(south.profile, "athenahealth-emulated");

    // One tenant's baseline changes: only that tenant drifts.
    let east = snaps.path().join("athenahealth-emulated/tenants/east");
    let baseline = std::fs::read_dir(&east)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .contains("\"error\": \"invalid_grant\"")
        })
        .expect("an invalid_grant baseline");
    let text = std::fs::read_to_string(&baseline).unwrap();
    std::fs::write(&baseline, text.replace("invalid_grant", "invalid_request")).unwrap();
    let second = run(opts("second", false)).expect("second run");
    let report = second.report();
    for t in &report.targets {
        let expected = usize::from(t.info.tenant.as_deref() == Some("east"));
        assert_eq!(t.totals.drifted, expected, "{}", t.info.name);
        assert_eq!(t.totals.no_baseline, 0, "{}", t.info.name);
    }
    assert_eq!(second.exit_code(), 3);

    // --tenant narrows the fleet; an unknown one is refused.
    let only = run(RunOptions {
        tenants: vec!["north".into()],
        ..opts("only", false)
    })
    .unwrap();
    assert_eq!(only.targets.len(), 1);
    let err = run(RunOptions {
        tenants: vec!["west".into()],
        ..opts("west", false)
    })
    .unwrap_err();
    assert!(
        err.contains("--tenant west") && err.contains("no tenant"),
        "{err}"
    );
}

#[test]
fn a_bad_fleet_is_refused_at_its_line_before_anything_runs() {
    let work = tempfile::tempdir().unwrap();
    let snaps = tempfile::tempdir().unwrap();
    let attempt = |text: &str| {
        let fleet = fleet_file(work.path(), text);
        run(RunOptions {
            profiles: vec!["athenahealth-emulated".into()],
            fleet: Some(fleet),
            ..options(&work.path().join("r"), snaps.path())
        })
        .unwrap_err()
    };
    let err = attempt("name,ATHENA_PRACTICE_ID\nnorth,1\nnorth,2\n");
    assert!(
        err.ends_with("tenants.csv:3: tenant `north` is named twice (first on line 2)"),
        "{err}"
    );
    let err = attempt("name,ATHENA_PRACTICE_ID,PRACTISE\nnorth,1,2\n");
    assert!(
        err.contains("column `PRACTISE` is not referenced by")
            && err.contains("${ATHENA_PRACTICE_ID}"),
        "{err}"
    );
    // A secret's value never lives in a fleet file; a reference to one may.
    let err = attempt("name,ATHENA_EMU_BASIC_SECRET\nnorth,hunter2\n");
    assert!(
        err.contains("tenants.csv:2: column `ATHENA_EMU_BASIC_SECRET` holds a secret"),
        "{err}"
    );
    assert!(!err.contains("hunter2"));
    // A fleet runs one profile.
    let err = run(RunOptions {
        profiles: vec!["athenahealth-emulated".into(), "reference-emulated".into()],
        fleet: Some(fleet_file(work.path(), THREE)),
        ..options(&work.path().join("r"), snaps.path())
    })
    .unwrap_err();
    assert!(err.contains("exactly one --profile"), "{err}");
}

/// Scenario identities with their outcome labels, sorted.
fn outcomes(
    records: &[grantcheck::runner::ScenarioRecord],
) -> Vec<(String, String, usize, String)> {
    let mut v: Vec<_> = records
        .iter()
        .map(|r| {
            (
                r.target.clone(),
                r.feature_path.clone(),
                r.line,
                r.outcome.label().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn shards_merge_into_the_totals_of_one_run() {
    let work = tempfile::tempdir().unwrap();
    let snaps = common::snapshot_copy();
    // A fault makes failures and drift, so the totals have every kind in them.
    let base = |dir: PathBuf, shard: Option<Shard>| RunOptions {
        shard,
        faults: vec!["accept-any-verifier".into()],
        ..options(&dir, snaps.path())
    };
    let whole = run(base(work.path().join("whole"), None)).expect("unsharded run");
    let whole_totals = whole.totals();
    assert!(whole_totals.failed > 0, "the fault must fail something");
    for count in [2, 3] {
        let mut dirs = Vec::new();
        for index in 1..=count {
            let dir = work.path().join(format!("{count}-{index}"));
            let part = run(base(dir.clone(), Some(Shard { index, count }))).expect("shard");
            assert!(part.totals().scenarios < whole_totals.scenarios);
            dirs.push(dir);
        }
        let out = work.path().join(format!("merged-{count}"));
        let merged = merge::merge(&common::root(), &dirs, &out).expect("merge");
        assert_eq!(merged.totals, whole_totals, "{count} shards");
        assert_eq!(merged.exit_code, whole.exit_code(), "{count} shards");
        assert_eq!(outcomes(&merged.scenarios), outcomes(&whole.records));
        // Each authorization is counted once, in whichever shard made it.
        for t in &whole.targets {
            let m = merged
                .targets
                .iter()
                .find(|m| m.info.name == t.name)
                .unwrap();
            let total = |c: Option<SignInCounts>| c.map(|c| c.with_credentials + c.session_reused);
            assert!(total(t.sign_ins).is_some(), "{}: no sign-in", t.name);
            assert_eq!(total(m.info.sign_ins), total(t.sign_ins), "{}", t.name);
        }
        // Every output of the merge agrees with its totals.
        let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
        assert_eq!(
            junit.matches("<failure ").count(),
            whole_totals.failed,
            "{count} shards: JUnit failures"
        );
        let lines = std::fs::read_to_string(out.join("results.ndjson"))
            .unwrap()
            .lines()
            .count();
        assert_eq!(lines, whole_totals.scenarios);
        let back: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
        assert_eq!(back["totals"]["failed"], whole_totals.failed);
        assert!(
            std::fs::read_to_string(out.join("report.html"))
                .unwrap()
                .contains("failed")
        );

        // Part of a run, or a shard twice, is refused.
        let err =
            merge::merge(&common::root(), &dirs[..count - 1], &work.path().join("x")).unwrap_err();
        assert!(err.contains(&format!("{count}/{count} missing")), "{err}");
        let twice = [dirs[0].clone(), dirs[0].clone()];
        let err = merge::merge(&common::root(), &twice, &work.path().join("y")).unwrap_err();
        assert!(
            err.contains("given twice") || err.contains("missing"),
            "{err}"
        );
    }
    let err = merge::merge(
        &common::root(),
        &[work.path().join("whole")],
        &work.path().join("z"),
    )
    .unwrap_err();
    assert!(err.contains("was not run with --shard"), "{err}");
}

#[test]
fn a_fleet_report_leads_with_its_matrix_and_embeds_only_what_needs_attention() {
    let work = tempfile::tempdir().unwrap();
    let snaps = tempfile::tempdir().unwrap();
    let fleet = fleet_file(work.path(), THREE);
    let result = run(RunOptions {
        profiles: vec!["athenahealth-emulated".into()],
        fleet: Some(fleet),
        faults: vec!["accept-any-verifier".into()],
        ..options(&work.path().join("r"), snaps.path())
    })
    .expect("fleet run");
    assert!(result.totals().failed > 0);
    let html = std::fs::read_to_string(work.path().join("r/report.html")).unwrap();
    assert!(html.contains("id=\"matrix\""), "no matrix");
    for tenant in ["north", "south", "east"] {
        assert!(html.contains(&format!(">{tenant}</a>")), "{tenant} column");
    }
    // Failed results carry their exchanges; passed ones are only in the stream.
    let failed = result.records.iter().find(|r| r.is_failure()).unwrap();
    let passed = result
        .records
        .iter()
        .find(|r| matches!(r.outcome, grantcheck::runner::Outcome::Passed))
        .unwrap();
    assert!(!failed.evidence.is_empty());
    assert!(passed.evidence.is_empty());
    let line = passed.evidence_line.expect("a line in results.ndjson");
    let stream = std::fs::read_to_string(work.path().join("r/results.ndjson")).unwrap();
    let whole: grantcheck::runner::ScenarioRecord =
        serde_json::from_str(stream.lines().nth(line - 1).unwrap()).unwrap();
    assert_eq!(
        (whole.target.as_str(), whole.line),
        (passed.target.as_str(), passed.line)
    );
    assert!(
        !whole.evidence.is_empty(),
        "the stream keeps every exchange"
    );
    assert!(
        !html.contains("id=\"by-target\""),
        "a fleet lists by matrix, not by target"
    );
}

#[test]
fn github_annotations_point_at_the_failing_line() {
    let work = tempfile::tempdir().unwrap();
    let snaps = common::snapshot_copy();
    let result = run(RunOptions {
        profiles: vec!["athenahealth-emulated".into()],
        faults: vec!["accept-any-verifier".into()],
        ..options(&work.path().join("r"), snaps.path())
    })
    .unwrap();
    let mut out = Vec::new();
    runner::print_summary_styled(
        &result,
        &mut out,
        runner::ConsoleStyle {
            quiet: true,
            github: true,
        },
    );
    let text = String::from_utf8(out).unwrap();
    let failed = result.records.iter().find(|r| r.is_failure()).unwrap();
    let expected = format!(
        "::error file={},line={},title=",
        failed.feature_path, failed.line
    );
    assert!(text.contains(&expected), "{expected} not in:\n{text}");
    // Quiet: no list of skipped scenarios, no per-scenario warnings section.
    assert!(!text.contains("\nskipped:\n"), "{text}");
}

/// A vendor whose paths carry the tenant serves a fleet of its tenants from one
/// emulator server, each request routed to the tenant its path names.
#[test]
fn tenant_scoped_vendors_serve_a_fleet_from_one_emulator_server() {
    let scoped: Vec<&str> = grantcheck_core::vendors::ALL
        .iter()
        .filter(|v| v.tenant_scoped)
        .map(|v| v.id)
        .collect();
    assert!(
        !scoped.is_empty(),
        "no tenant-scoped vendor to prove this on"
    );
    for id in scoped {
        one_server_for_the_fleet_of(id);
    }
}

fn one_server_for_the_fleet_of(vendor: &str) {
    let profile = format!("{vendor}-emulated");
    let work = tempfile::tempdir().unwrap();
    let snaps = tempfile::tempdir().unwrap();
    let rows: String =
        std::fs::read_to_string(common::root().join(format!("profiles/fleets/{profile}.csv")))
            .unwrap()
            .lines()
            .take(4)
            .map(|l| format!("{l}\n"))
            .collect();
    let fleet = fleet_file(work.path(), &rows);
    let result = run(RunOptions {
        profiles: vec![profile.clone()],
        fleet: Some(fleet),
        ..options(&work.path().join("r"), snaps.path())
    })
    .unwrap_or_else(|e| panic!("{profile} fleet run: {e}"));
    assert_eq!(result.targets.len(), 3);
    let bases: std::collections::BTreeSet<&str> =
        result.targets.iter().map(|t| t.base_url.as_str()).collect();
    assert_eq!(bases.len(), 1, "one server for every tenant: {bases:?}");
    let t = result.totals();
    assert_eq!(
        (t.failed, t.blocked),
        (0, 0),
        "{:#?}",
        common::failed_or_blocked(&result)
    );
    let report = result.report();
    let passed: Vec<usize> = report.targets.iter().map(|t| t.totals.passed).collect();
    assert!(
        passed[0] > 20 && passed.iter().all(|n| *n == passed[0]),
        "{passed:?}"
    );
}
