//! A run: profiles → targets → features expanded per target → cucumber with the step
//! collection → writers (console, JUnit, cucumber JSON) → records → summary → exit code.

mod applicability;
mod console;
mod deviations;
pub mod record;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cucumber::gherkin;
use cucumber::tag::Ext as _;
use cucumber::{Parser, WriterExt as _, event, parser, writer};
use futures::FutureExt as _;

pub use record::{Outcome, ScenarioRecord, Totals};

use crate::http::Counters;
use crate::profile::{self, Profile};
use crate::steps::{self, World};
use crate::target::Target;

/// Tag added to scenarios that do not apply to a target; their only step matches no
/// definition, so cucumber reports them as skipped (and every other unmatched step
/// fails the run).
pub const SKIP_TAG: &str = "grantcheck-not-applicable";
/// Feature tag carrying the target name.
pub const TARGET_TAG: &str = "target-";

/// Where console output goes.
#[derive(Clone, Default)]
pub enum Console {
    #[default]
    Stdout,
    /// Captured (tests read it back).
    Buffer(Arc<Mutex<Vec<u8>>>),
    Quiet,
}

#[derive(Clone, Default)]
pub struct RunOptions {
    /// Holds `features/`, `profiles/`, `snapshots/`, `reports/`.
    pub root: PathBuf,
    /// Profile names or paths; empty: every emulated profile.
    pub profiles: Vec<String>,
    /// Cucumber tag expression.
    pub tags: Option<String>,
    pub report_dir: Option<PathBuf>,
    pub concurrency: Option<usize>,
    /// Extra fault switches for every emulated target.
    pub faults: Vec<String>,
    /// Baselines (default `<root>/snapshots`).
    pub snapshot_dir: Option<PathBuf>,
    pub accept: bool,
    pub console: Console,
    /// Variable source for profiles (default: the process environment).
    pub env: Option<HashMap<String, String>>,
}

#[derive(Debug)]
pub struct RunResult {
    pub records: Vec<ScenarioRecord>,
    pub requests: u64,
    pub wall: Duration,
    pub report_dir: PathBuf,
    pub targets: Vec<TargetInfo>,
    /// Declared deviations that did not happen (the server may have changed).
    pub stale_deviations: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TargetInfo {
    pub name: String,
    pub vendor: String,
    pub environment: String,
    pub base_url: String,
    pub faults: Vec<String>,
}

impl RunResult {
    pub fn totals(&self) -> Totals {
        record::totals(&self.records)
    }

    /// 0: all pass; 1: a conformance check failed; 3: every check held but some
    /// payloads differ from their baselines (drift only — for nightly watchers).
    /// A declared deviation that no longer happens counts as drift: the server changed.
    pub fn exit_code(&self) -> i32 {
        let failed = self.records.iter().filter(|r| r.is_failure());
        let mut any = !self.stale_deviations.is_empty();
        for r in failed {
            if !r.is_drift_only() {
                return 1;
            }
            any = true;
        }
        if any { 3 } else { 0 }
    }
}

/// A usage or configuration problem (exit code 2).
#[derive(Debug, Clone)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Loads the selected profiles (every emulated one when none is named).
pub fn load_profiles(opts: &RunOptions) -> Result<Vec<Profile>, ConfigError> {
    let lookup = |name: &str| match &opts.env {
        Some(env) => env.get(name).cloned(),
        None => std::env::var(name).ok(),
    };
    let paths = if opts.profiles.is_empty() {
        profile::list(&opts.root).map_err(ConfigError)?
    } else {
        opts.profiles
            .iter()
            .map(|p| profile::locate(&opts.root, p))
            .collect::<Result<_, _>>()
            .map_err(ConfigError)?
    };
    let mut profiles = Vec::new();
    for path in paths {
        if opts.profiles.is_empty() && !declares_emulator(&path) {
            continue;
        }
        let p = profile::load_with_env(&path, &lookup).map_err(|e| ConfigError(e.to_string()))?;
        if profiles.iter().any(|q: &Profile| q.name == p.name) {
            return Err(ConfigError(format!(
                "{}: a profile named `{}` is already selected",
                path.display(),
                p.name
            )));
        }
        profiles.push(p);
    }
    if profiles.is_empty() {
        return Err(ConfigError(format!(
            "no emulated profiles in {}",
            opts.root.join("profiles").display()
        )));
    }
    Ok(profiles)
}

/// Cheap pre-check for the no-argument run: only emulated profiles are default targets,
/// and a live profile's missing variables must not stop it.
fn declares_emulator(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .map(|t| t.lines().any(|l| l.starts_with("emulator:")))
        .unwrap_or(false)
}

/// Runs the features against the selected targets.
pub async fn run(opts: RunOptions) -> Result<RunResult, ConfigError> {
    let started = Instant::now();
    let snapshot_dir = opts
        .snapshot_dir
        .clone()
        .unwrap_or_else(|| crate::snapshot::default_dir(&opts.root));
    crate::snapshot::init(&opts.root, opts.accept);
    let profiles = load_profiles(&opts)?;
    let tag_filter = opts
        .tags
        .as_deref()
        .map(|t| {
            t.parse::<gherkin::tagexpr::TagOperation>()
                .map_err(|e| ConfigError(format!("--tags `{t}`: {e}")))
        })
        .transpose()?;
    let features = read_features(&opts.root.join("features"))?;
    for p in &profiles {
        for folder in p.spec.features.iter().flatten() {
            if !opts.root.join("features").join(folder).is_dir() {
                return Err(ConfigError(format!(
                    "{}: `features` names `{folder}`, which is not a folder under {}",
                    p.path.display(),
                    opts.root.join("features").display()
                )));
            }
        }
    }

    let client = crate::http::build_client(Duration::from_secs(30)).map_err(ConfigError)?;
    let counters = Arc::new(Counters::default());
    for fault in &opts.faults {
        let known = profiles.iter().any(|p| {
            p.spec.emulator.as_ref().is_some_and(|e| {
                crate::emulators::faults(&e.vendor)
                    .iter()
                    .any(|f| f.name == fault.as_str())
            })
        });
        if !known {
            return Err(ConfigError(format!(
                "--fault {fault}: no selected emulated target has this fault switch \
                 (see `grantcheck faults`)"
            )));
        }
    }
    let mut targets: HashMap<String, Arc<Target>> = HashMap::new();
    let mut infos = Vec::new();
    for p in profiles {
        let t = Target::start(p, &opts.faults, &client)
            .await
            .map_err(ConfigError)?;
        infos.push(TargetInfo {
            name: t.name().to_string(),
            vendor: t.vendor().to_string(),
            environment: t.profile.spec.environment.as_str().to_string(),
            base_url: t.base_url.to_string(),
            faults: t.faults.clone(),
        });
        targets.insert(t.name().to_string(), Arc::new(t));
    }

    let expanded = expand(&features, &infos, &targets, tag_filter.as_ref());
    let report_dir = opts
        .report_dir
        .clone()
        .unwrap_or_else(|| opts.root.join("reports").join(timestamp()));
    std::fs::create_dir_all(&report_dir)
        .map_err(|e| ConfigError(format!("cannot create {}: {e}", report_dir.display())))?;
    let open = |name: &str| {
        std::fs::File::create(report_dir.join(name)).map_err(|e| {
            ConfigError(format!(
                "cannot write {}: {e}",
                report_dir.join(name).display()
            ))
        })
    };
    let json = open("cucumber.json")?;

    let records: Arc<Mutex<Vec<ScenarioRecord>>> = Arc::default();
    let shared = Arc::new(steps::Shared {
        client,
        counters: counters.clone(),
        snapshot_dir,
    });

    let before_targets = targets.clone();
    let before_shared = shared.clone();
    let after_records = records.clone();
    let after_targets = targets.clone();
    let runner = cucumber::runner::Basic::default()
        .max_concurrent_scenarios(opts.concurrency.unwrap_or(16).max(1))
        .steps(steps::collection())
        .before(move |feature, _rule, scenario, world: &mut World| {
            let target = target_of(feature).and_then(|n| before_targets.get(n).cloned());
            let shared = before_shared.clone();
            async move {
                if let Some(target) = target {
                    world.attach(target, shared, &scenario.name);
                }
            }
            .boxed_local()
        })
        .after(move |feature, _rule, scenario, finished, world| {
            let rec = make_record(feature, scenario, finished, world, &after_targets);
            let records = after_records.clone();
            async move {
                if let Ok(mut r) = records.lock() {
                    r.push(rec);
                }
            }
            .boxed_local()
        });

    let console_out: Box<dyn std::io::Write> = match &opts.console {
        Console::Stdout => Box::new(std::io::stdout()),
        Console::Buffer(buf) => Box::new(console::BufferWriter(buf.clone())),
        Console::Quiet => Box::new(std::io::sink()),
    };
    let coloring = match opts.console {
        Console::Stdout => writer::Coloring::Auto,
        _ => writer::Coloring::Never,
    };
    // No cucumber summary: it would count known deviations as failures; grantcheck
    // prints its own verdicts after the run.
    let writer = writer::Basic::raw(console_out, coloring, 0)
        .tee::<World, _>(writer::Json::for_tee(json))
        .normalized();
    let cucumber = cucumber::Cucumber::<World, _, (), _, _, cucumber::cli::Empty>::custom(
        FeatureList(expanded),
        runner,
        writer,
    )
    .with_default_cli()
    .fail_on_skipped_with(|_, _, s: &gherkin::Scenario| !s.tags.iter().any(|t| t == SKIP_TAG));

    cucumber.run(()).await;

    let mut records = std::mem::take(
        &mut *records
            .lock()
            .map_err(|_| ConfigError("records lock poisoned".into()))?,
    );
    records.sort_by(|a, b| {
        (&a.target, &a.feature_path, a.line).cmp(&(&b.target, &b.feature_path, b.line))
    });
    let whole_suite = opts.tags.is_none();
    let stale_deviations = targets
        .values()
        .flat_map(|t| {
            deviations::stale(t.name(), &t.profile.spec.deviations, &records, whole_suite)
        })
        .collect();
    let result = RunResult {
        stale_deviations,
        records,
        requests: counters.requests.load(std::sync::atomic::Ordering::Relaxed),
        wall: started.elapsed(),
        report_dir: report_dir.clone(),
        targets: infos,
    };
    write_records(&result, &opts.root)?;
    if opts.report_dir.is_none() {
        refresh_latest(&opts.root.join("reports"), &report_dir);
    }
    Ok(result)
}

fn target_of(feature: &gherkin::Feature) -> Option<&str> {
    feature.tags.iter().find_map(|t| t.strip_prefix(TARGET_TAG))
}

/// Parses every feature file. A file that does not parse is a configuration error.
pub fn read_features(dir: &Path) -> Result<Vec<gherkin::Feature>, ConfigError> {
    if !dir.is_dir() {
        return Err(ConfigError(format!(
            "no features directory at {}",
            dir.display()
        )));
    }
    let stream = parser::Basic::new().parse(dir, Default::default());
    let results: Vec<_> = futures::executor::block_on(futures::StreamExt::collect(stream));
    let mut out = Vec::new();
    for r in results {
        out.push(r.map_err(|e| ConfigError(format!("feature file error: {e}")))?);
    }
    Ok(out)
}

/// One copy of each applicable feature per target, with skip reasons applied and the
/// user's tag filter evaluated.
fn expand(
    features: &[gherkin::Feature],
    infos: &[TargetInfo],
    targets: &HashMap<String, Arc<Target>>,
    filter: Option<&gherkin::tagexpr::TagOperation>,
) -> Vec<gherkin::Feature> {
    let mut out = Vec::new();
    for info in infos {
        let Some(target) = targets.get(&info.name) else {
            continue;
        };
        for f in features {
            let path = f.path.clone().unwrap_or_default();
            if !applicability::feature_applies(&path, target) {
                continue;
            }
            let mut feature = f.clone();
            feature.name = format!("{} [{}]", f.name, info.name);
            feature.tags.push(format!("{TARGET_TAG}{}", info.name));
            let keep = |s: &gherkin::Scenario, rule_tags: &[String]| {
                filter.is_none_or(|op| {
                    op.eval(feature.tags.iter().chain(rule_tags).chain(s.tags.iter()))
                })
            };
            let adjust = |s: &mut gherkin::Scenario, rule_tags: &[String]| {
                let tags: Vec<String> = f
                    .tags
                    .iter()
                    .chain(rule_tags)
                    .chain(s.tags.iter())
                    .cloned()
                    .collect();
                if let Some(last) = s.steps.last().cloned() {
                    // Every scenario ends by comparing what it observed with the
                    // baselines, after all its checks have run.
                    let mut step = last;
                    step.keyword = "And ".into();
                    step.ty = gherkin::StepType::Then;
                    step.value = crate::steps::BASELINE_STEP.into();
                    step.docstring = None;
                    step.table = None;
                    s.steps.push(step);
                }
                if let Some(reason) = applicability::skip_reason(&tags, target)
                    && let Some(first) = s.steps.first().cloned()
                {
                    let mut step = first;
                    step.value = format!("not applicable to {}: {reason}", info.name);
                    step.docstring = None;
                    step.table = None;
                    s.steps = vec![step];
                    s.tags.push(SKIP_TAG.to_string());
                }
            };
            let scenarios = std::mem::take(&mut feature.scenarios);
            feature.scenarios = scenarios
                .into_iter()
                .filter(|s| keep(s, &[]))
                .map(|mut s| {
                    adjust(&mut s, &[]);
                    s
                })
                .collect();
            let rules = std::mem::take(&mut feature.rules);
            feature.rules = rules
                .into_iter()
                .map(|mut r| {
                    let rule_tags = r.tags.clone();
                    let sc = std::mem::take(&mut r.scenarios);
                    r.scenarios = sc
                        .into_iter()
                        .filter(|s| keep(s, &rule_tags))
                        .map(|mut s| {
                            adjust(&mut s, &rule_tags);
                            s
                        })
                        .collect();
                    r
                })
                .filter(|r| !r.scenarios.is_empty())
                .collect();
            if feature.background.is_some() && any_skipped(&feature) {
                // A background would run before the skip step; skipped scenarios must
                // not touch the server, so the background moves into each scenario.
                inline_background(&mut feature);
            }
            if !feature.scenarios.is_empty() || !feature.rules.is_empty() {
                out.push(feature);
            }
        }
    }
    out
}

fn any_skipped(f: &gherkin::Feature) -> bool {
    f.scenarios
        .iter()
        .chain(f.rules.iter().flat_map(|r| r.scenarios.iter()))
        .any(|s| s.tags.iter().any(|t| t == SKIP_TAG))
}

fn inline_background(f: &mut gherkin::Feature) {
    let Some(bg) = f.background.take() else {
        return;
    };
    let apply = |s: &mut gherkin::Scenario| {
        if !s.tags.iter().any(|t| t == SKIP_TAG) {
            let mut steps = bg.steps.clone();
            steps.append(&mut s.steps);
            s.steps = steps;
        }
    };
    f.scenarios.iter_mut().for_each(apply);
    for r in &mut f.rules {
        r.scenarios.iter_mut().for_each(apply);
    }
}

/// Feeds already parsed (and expanded) features to cucumber.
struct FeatureList(Vec<gherkin::Feature>);

impl Parser<()> for FeatureList {
    type Cli = cucumber::cli::Empty;
    type Output = futures::stream::Iter<std::vec::IntoIter<parser::Result<gherkin::Feature>>>;

    fn parse(self, _: (), _: Self::Cli) -> Self::Output {
        futures::stream::iter(self.0.into_iter().map(Ok).collect::<Vec<_>>())
    }
}

fn make_record(
    feature: &gherkin::Feature,
    scenario: &gherkin::Scenario,
    finished: &event::ScenarioFinished,
    world: Option<&mut World>,
    targets: &HashMap<String, Arc<Target>>,
) -> ScenarioRecord {
    let target_name = target_of(feature).unwrap_or("").to_string();
    let skipped_as_inapplicable = scenario.tags.iter().any(|t| t == SKIP_TAG);
    let (evidence, warnings, drift, redactor) = match world {
        Some(w) => w.take_results(),
        None => Default::default(),
    };
    let outcome = match finished {
        event::ScenarioFinished::StepPassed => Outcome::Passed,
        event::ScenarioFinished::StepSkipped if skipped_as_inapplicable => Outcome::Skipped {
            reason: scenario
                .steps
                .first()
                .map(|s| s.value.clone())
                .unwrap_or_default(),
        },
        event::ScenarioFinished::StepSkipped => Outcome::Failed {
            message: "a step matches no step definition".into(),
        },
        event::ScenarioFinished::BeforeHookFailed(info) => Outcome::Failed {
            message: format!("set-up failed: {}", panic_text(info)),
        },
        event::ScenarioFinished::StepFailed(_, _, err) => Outcome::Failed {
            message: match err {
                event::StepError::Panic(info) => panic_text(info),
                other => other.to_string(),
            },
        },
    };
    let outcome = match outcome {
        Outcome::Failed { message } => Outcome::Failed {
            message: redactor.map_or(message.clone(), |r| r.text(&message)),
        },
        o => o,
    };
    let declared = targets
        .get(&target_name)
        .map(|t| t.profile.spec.deviations.as_slice())
        .unwrap_or_default();
    let (outcome, stale_deviation) = deviations::classify(outcome, &scenario.name, declared);
    ScenarioRecord {
        target: target_name,
        feature: feature
            .name
            .rsplit_once(" [")
            .map_or(feature.name.clone(), |(n, _)| n.to_string()),
        feature_path: feature
            .path
            .as_ref()
            .map(|p| relative(p))
            .unwrap_or_default(),
        scenario: scenario.name.clone(),
        line: scenario.position.line,
        feature_description: feature.description.clone().filter(|d| !d.trim().is_empty()),
        description: scenario
            .description
            .clone()
            .filter(|d| !d.trim().is_empty()),
        steps: feature
            .background
            .iter()
            .filter(|_| !skipped_as_inapplicable)
            .flat_map(|b| b.steps.iter())
            .chain(scenario.steps.iter())
            .map(|s| format!("{} {}", s.keyword.trim(), s.value))
            .collect(),
        tags: scenario
            .tags
            .iter()
            .filter(|t| *t != SKIP_TAG)
            .cloned()
            .collect(),
        outcome,
        warnings,
        drift,
        stale_deviation,
        evidence,
    }
}

fn relative(p: &Path) -> String {
    let s = p.to_string_lossy();
    match s.find("features/") {
        Some(i) => s[i..].to_string(),
        None => s.into_owned(),
    }
}

fn panic_text(info: &event::Info) -> String {
    if let Some(s) = info.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = info.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        "the step panicked".into()
    }
}

fn write_records(result: &RunResult, root: &Path) -> Result<(), ConfigError> {
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let summary = serde_json::json!({
        "grantcheck": env!("CARGO_PKG_VERSION"),
        "generated_at": now,
        "targets": result.targets,
        "totals": result.totals(),
        "stale_deviations": result.stale_deviations,
        "requests": result.requests,
        "wall_ms": result.wall.as_millis() as u64,
        "scenarios": result.records,
    });
    let names: Vec<String> = result.targets.iter().map(|t| t.name.clone()).collect();
    let junit = crate::report::junit::render(&names, &result.records, &result.stale_deviations);
    let path = result.report_dir.join("junit.xml");
    std::fs::write(&path, junit)
        .map_err(|e| ConfigError(format!("cannot write {}: {e}", path.display())))?;
    mark_deviations_in_cucumber_json(&result.report_dir.join("cucumber.json"), &result.records);
    let path = result.report_dir.join("results.json");
    let bytes = serde_json::to_vec_pretty(&summary).unwrap_or_default();
    std::fs::write(&path, &bytes)
        .map_err(|e| ConfigError(format!("cannot write {}: {e}", path.display())))?;
    crate::report::write(root, &result.report_dir, &bytes).map_err(ConfigError)
}

/// Cucumber's JSON knows nothing of profiles: a known deviation is a failed step there.
/// Tag such scenarios `@known-deviation` and mark the step skipped with the reason, so
/// tools reading cucumber.json agree with the console and JUnit.
fn mark_deviations_in_cucumber_json(path: &Path, records: &[ScenarioRecord]) {
    let known: Vec<&ScenarioRecord> = records
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::KnownDeviation { .. }))
        .collect();
    if known.is_empty() {
        return;
    }
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let Ok(mut doc) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return;
    };
    for feature in doc.as_array_mut().into_iter().flatten() {
        let target = feature
            .get("tags")
            .and_then(|t| t.as_array())
            .into_iter()
            .flatten()
            .filter_map(|t| t.get("name").and_then(|n| n.as_str()))
            .find_map(|n| n.trim_start_matches('@').strip_prefix(TARGET_TAG))
            .map(str::to_owned);
        let uri = feature
            .get("uri")
            .and_then(|u| u.as_str())
            .map(relative_str);
        for el in feature
            .get_mut("elements")
            .and_then(|e| e.as_array_mut())
            .into_iter()
            .flatten()
        {
            let name = el.get("name").and_then(|n| n.as_str()).unwrap_or("");
            let line = el.get("line").and_then(|l| l.as_u64()).unwrap_or(0) as usize;
            let Some(r) = known.iter().find(|r| {
                r.scenario == name
                    && r.line == line
                    && target.as_deref().is_none_or(|t| t == r.target)
                    && uri.as_deref().is_none_or(|u| u == r.feature_path)
            }) else {
                continue;
            };
            let Outcome::KnownDeviation { reason, .. } = &r.outcome else {
                continue;
            };
            if let Some(tags) = el.get_mut("tags").and_then(|t| t.as_array_mut()) {
                tags.push(serde_json::json!({"name": "@known-deviation", "line": line}));
            }
            for step in el
                .get_mut("steps")
                .and_then(|s| s.as_array_mut())
                .into_iter()
                .flatten()
            {
                if let Some(result) = step.get_mut("result").and_then(|r| r.as_object_mut())
                    && result.get("status").and_then(|s| s.as_str()) == Some("failed")
                {
                    let message = result
                        .get("error_message")
                        .and_then(|m| m.as_str())
                        .unwrap_or("")
                        .to_string();
                    result.insert("status".into(), "skipped".into());
                    result.insert(
                        "error_message".into(),
                        format!("known deviation: {reason}\n{message}").into(),
                    );
                }
            }
        }
    }
    if let Ok(bytes) = serde_json::to_vec_pretty(&doc) {
        let _ = std::fs::write(path, bytes);
    }
}

fn relative_str(p: &str) -> String {
    relative(Path::new(p))
}

/// `reports/latest` mirrors the newest run's report directory.
fn refresh_latest(reports: &Path, run_dir: &Path) {
    let latest = reports.join("latest");
    let _ = std::fs::remove_dir_all(&latest);
    if std::fs::create_dir_all(&latest).is_err() {
        return;
    }
    if let Ok(entries) = std::fs::read_dir(run_dir) {
        for e in entries.flatten() {
            let _ = std::fs::copy(e.path(), latest.join(e.file_name()));
        }
    }
}

fn timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    let fmt = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let base = now.format(&fmt).unwrap_or_else(|_| "run".into());
    // Two runs in one second (tests) must not share a directory.
    format!("{base}-{:03}", now.millisecond())
}

/// Prints the closing summary.
pub fn print_summary(result: &RunResult, out: &mut dyn std::io::Write) {
    console::summary(result, out);
}
