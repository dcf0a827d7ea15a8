//! One run, every output: the console summary, results.json, JUnit and the HTML report
//! are rendered from the same typed records, so for any mix of outcomes and flags they
//! must report the same counts. Runs are generated from fixed seeds (reproducible).

use std::time::Duration;

use grantcheck::runner::{
    Outcome, RunReport, RunResult, ScenarioRecord, StaleDeviation, TargetInfo, Totals,
};
use grantcheck::snapshot::Drift;
use grantcheck::verdict::{DeviationRef, Finding};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use regex::Regex;

fn drift(name: &str, baseline: bool) -> Drift {
    Drift {
        snapshot: name.into(),
        file: format!("snapshots/t/{name}.snap"),
        baseline: baseline.then(|| "{\"a\": 1}".into()),
        received: "{\"a\": 2}".into(),
        diff: "-a\n+b\n".into(),
        accepted: false,
        path: Default::default(),
        description: String::new(),
    }
}

fn finding(rng: &mut StdRng, declared: bool) -> Finding {
    let mut f = Finding::problem(format!("received <{}> & more", rng.random::<u16>()));
    f.check = Some("token_error_is".into());
    f.spec = Some("RFC6749-5.2".into());
    f.step = Some("Then the token request is refused".into());
    if declared {
        f.deviation = Some(DeviationRef {
            index: 0,
            reason: "documented".into(),
            instead: "x".into(),
        });
    }
    f
}

fn random_run(seed: u64) -> RunResult {
    let mut rng = StdRng::seed_from_u64(seed);
    let targets: Vec<TargetInfo> = (0..rng.random_range(1..4))
        .map(|i| TargetInfo {
            name: format!("target-{i}"),
            vendor: "reference".into(),
            environment: "emulated".into(),
            base_url: "http://127.0.0.1:1/".into(),
            faults: vec![],
            capabilities: String::new(),
            profile: format!("target-{i}"),
            tenant: None,
            deviations: vec![],
            sign_ins: None,
        })
        .collect();
    let mut records = Vec::new();
    for t in &targets {
        for n in 0..rng.random_range(0..40) {
            let outcome = match rng.random_range(0..5) {
                0 => Outcome::Passed,
                1 => Outcome::Failed {
                    failures: (0..rng.random_range(1..3))
                        .map(|i| finding(&mut rng, i == 0 && n % 2 == 0))
                        .collect(),
                },
                2 => Outcome::KnownDeviation {
                    failures: vec![finding(&mut rng, true)],
                },
                3 => Outcome::Skipped {
                    reason: "not applicable: needs a clock".into(),
                },
                _ => Outcome::Blocked {
                    reason: "no response: connection refused".into(),
                },
            };
            let mut r = ScenarioRecord::sample(&format!("Scenario {n} of {}", t.name), outcome);
            r.target = t.name.clone();
            r.feature_path = format!("features/f{}.feature", n % 3);
            r.line = n + 1;
            for _ in 0..rng.random_range(0..3) {
                r.warnings.push(finding(&mut rng, false));
            }
            for k in 0..rng.random_range(0..3) {
                r.drift
                    .push(drift(&format!("s{n}-{k}"), rng.random_bool(0.6)));
            }
            let (d, nb): (Vec<_>, Vec<_>) = r.drift.drain(..).partition(|d| d.baseline.is_some());
            r.drift = d;
            r.no_baseline = nb;
            r.duration_ms = rng.random_range(0..500);
            records.push(r);
        }
    }
    let stale = if rng.random_bool(0.3) {
        vec![StaleDeviation {
            target: targets[0].name.clone(),
            label: "check `x`".into(),
            reason: "fixed?".into(),
        }]
    } else {
        vec![]
    };
    RunResult {
        records,
        requests: 7,
        wall: Duration::from_millis(12),
        report_dir: std::path::PathBuf::from("reports/x"),
        targets,
        stale_deviations: stale,
        accepting: false,
        interrupted: None,
        shard: None,
        whole_suite: true,
        fleet: None,
    }
}

fn num(re: &str, text: &str) -> usize {
    Regex::new(re)
        .unwrap()
        .captures(text)
        .and_then(|c| c.get(1))
        .map_or(0, |m| m.as_str().parse().unwrap())
}

/// `N passed, N failed, N skipped[, N known deviations, ...]` from a console line.
fn console_counts(line: &str) -> [usize; 6] {
    let n = |what: &str| num(&format!(r"(\d+) {what}\b"), line);
    [
        n("passed"),
        n("failed"),
        n("skipped"),
        n("known deviations"),
        n("blocked"),
        n("drifted"),
    ]
}

fn as_array(t: &Totals) -> [usize; 6] {
    [
        t.passed,
        t.failed,
        t.skipped,
        t.known_deviations,
        t.blocked,
        t.drifted,
    ]
}

#[test]
fn every_output_reports_the_same_counts() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let suite = Regex::new(
        r#"<testsuite name="conformance \[([^\]]+)\]" tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)""#,
    )
    .unwrap();
    for seed in 0..40 {
        let run = random_run(seed);
        let report: RunReport<'_> = run.report();
        let t = report.totals.clone();
        assert_eq!(
            t.scenarios,
            t.passed + t.failed + t.known_deviations + t.skipped + t.blocked,
            "seed {seed}: outcomes add up"
        );
        assert_eq!(report.exit_code, run.exit_code());

        // results.json: written and read by the same types.
        let json = serde_json::to_vec(&report).unwrap();
        let back: RunReport<'static> = serde_json::from_slice(&json).unwrap();
        assert_eq!(back.totals, t, "seed {seed}: results.json");
        assert_eq!(back.scenarios.len(), report.scenarios.len());

        // Console: the closing line and one line per target.
        let mut out = Vec::new();
        grantcheck::runner::print_summary(&run, &mut out);
        let console = String::from_utf8(out).unwrap();
        let closing = console.lines().last().unwrap();
        assert_eq!(
            console_counts(closing),
            as_array(&t),
            "seed {seed}:\n{console}"
        );
        for target in &report.targets {
            let line = console
                .lines()
                .find(|l| l.starts_with(&format!("  {} (", target.info.name)))
                .unwrap_or_else(|| panic!("seed {seed}: no console line for {}", target.info.name));
            assert_eq!(
                console_counts(line),
                as_array(&target.totals),
                "seed {seed}: {line}"
            );
        }
        if t.failed == 0 {
            assert!(!console.contains("\nfailed:"), "seed {seed}: {console}");
        }

        // JUnit: conformance suites fail only on failed checks; drift has its own suites.
        let xml = grantcheck::report::junit::render(&report);
        let mut sums = [0usize; 4];
        for c in suite.captures_iter(&xml) {
            for (i, s) in sums.iter_mut().enumerate() {
                *s += c[i + 2].parse::<usize>().unwrap();
            }
        }
        assert_eq!(
            sums,
            [
                t.scenarios,
                t.failed,
                t.blocked,
                t.skipped + t.known_deviations
            ],
            "seed {seed}: junit conformance suites"
        );
        assert_eq!(xml.matches("<failure ").count(), t.failed, "seed {seed}");
        assert_eq!(
            xml.matches("classname=\"payload drift\"").count(),
            t.drifted_payloads,
            "seed {seed}: one drift case per drifted payload"
        );
        assert_eq!(
            xml.matches("classname=\"stale deviation\"").count(),
            t.stale_deviations
        );

        // HTML: the totals table.
        let coverage = grantcheck::report::coverage::build(&root, &report.scenarios, &[]).unwrap();
        let html = grantcheck::report::html::render(&report, &coverage).unwrap();
        let cell = |what: &str| {
            num(
                &format!(r#"data-count="{what}">(?:<span[^>]*>)?(\d+)"#),
                &html,
            )
        };
        assert_eq!(
            [
                cell("passed"),
                cell("failed"),
                cell("skipped"),
                cell("known_deviations"),
                cell("blocked"),
                cell("drifted")
            ],
            as_array(&t),
            "seed {seed}: HTML totals"
        );
        assert_eq!(cell("no_baseline"), t.no_baseline);
        assert_eq!(cell("warnings"), t.warnings);
        assert_eq!(cell("exit_code") as i32, report.exit_code);
    }
}
