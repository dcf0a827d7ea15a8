//! A run: profiles → targets → features expanded per target → cucumber with the step
//! collection → writers (console, JUnit, cucumber JSON) → records → summary → exit code.

pub(crate) mod applicability;
mod console;
mod cucumber_json;
mod deviations;
pub mod merge;
pub mod record;
pub mod shard;
pub mod stream;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cucumber::gherkin;
use cucumber::tag::Ext as _;
use cucumber::{Parser, event, parser, writer};
use futures::FutureExt as _;

pub use console::{Style as ConsoleStyle, safe as safe_text};
pub use record::{Outcome, RunReport, ScenarioRecord, StaleDeviation, TargetSummary, Totals};

use crate::http::Counters;
use crate::profile::{self, Profile};
use crate::steps::{self, World};
use crate::target::Target;
use crate::verdict::{Finding, StepFailure, StopKind};

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

/// How often a run that is still going writes its status line.
pub const PROGRESS_EVERY: Duration = Duration::from_secs(15);

/// Scenarios run at once unless `--concurrency` says otherwise. A scenario sends one
/// request at a time, so against a server far away the run is as fast as its longest
/// scenario only when most scenarios run side by side: at 100 ms a response, 64 brings
/// the athenahealth and reference emulated runs to 1.05 and 1.2 times their longest
/// scenario (16: 2.3 and 2.5 times), and costs the offline run nothing. A paced
/// target's limits hold whatever the number (scripts/bench-pacing).
pub const DEFAULT_CONCURRENCY: usize = 64;

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
    /// Ignore the profiles' `rate_limit` (for a stand-in on this machine, which has
    /// no quota to protect; never for a live server).
    pub no_rate_limit: bool,
    /// A person signs in for profiles with `login.method: manual`.
    pub manual_login: bool,
    /// A fleet file: the one selected profile runs once per row (tenant).
    pub fleet: Option<PathBuf>,
    /// Only these tenants of the fleet.
    pub tenants: Vec<String>,
    /// Only this slice of the (target × scenario) set.
    pub shard: Option<shard::Shard>,
    /// Console: only failed and blocked scenarios, then the summary.
    pub quiet: bool,
}

#[derive(Debug)]
pub struct RunResult {
    pub records: Vec<ScenarioRecord>,
    pub requests: u64,
    pub wall: Duration,
    pub report_dir: PathBuf,
    pub targets: Vec<TargetInfo>,
    /// Declared deviations that did not happen (the server may have changed).
    pub stale_deviations: Vec<StaleDeviation>,
    /// `--accept` was given: drift of scenarios whose checks held was recorded.
    pub accepting: bool,
    /// Set when the run stopped before every scenario finished.
    pub interrupted: Option<Interruption>,
    /// The slice this run was, when sharded.
    pub shard: Option<shard::Shard>,
    /// No tag filter: every selected scenario ran (deviations naming only a check can
    /// then be judged stale).
    pub whole_suite: bool,
    pub fleet: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TargetInfo {
    pub name: String,
    pub vendor: String,
    pub environment: String,
    pub base_url: String,
    pub faults: Vec<String>,
    /// The resolved capabilities, in one line.
    #[serde(default)]
    pub capabilities: String,
    /// The profile the target was made from, and for a fleet's target its tenant.
    #[serde(default)]
    pub profile: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// The profile's declared deviations: a merge of shards judges them over every
    /// shard's records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deviations: Vec<profile::Deviation>,
    /// How the run's authorizations got past sign-in, when any did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_ins: Option<SignInCounts>,
}

/// A target's authorizations that got past sign-in: with credentials entered, and
/// through a live session (a kept one, or the scenario's own; see `login::reuse`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignInCounts {
    pub with_credentials: usize,
    pub session_reused: usize,
}

impl RunResult {
    pub fn totals(&self) -> Totals {
        Totals {
            stale_deviations: self.stale_deviations.len(),
            ..Totals::of(&self.records)
        }
    }

    /// See [`Totals::exit_code`]: 1 failed, 4 blocked, 3 drift only, 0 quiet; 130
    /// after Ctrl-C or SIGTERM, and a run stopped by its deadline is at least blocked.
    pub fn exit_code(&self) -> i32 {
        match (self.interrupted, self.totals().exit_code()) {
            (Some(Interruption::Signal(_)), _) => 130,
            (Some(Interruption::Deadline(_)), code) if code != 1 => 4,
            (_, code) => code,
        }
    }

    /// The typed document behind `results.json` and every other report.
    pub fn report(&self) -> RunReport<'_> {
        let mut report = RunReport::build(
            &self.targets,
            self.records.as_slice(),
            self.stale_deviations.clone(),
            self.requests,
            self.wall,
        );
        report.interrupted = self.interrupted.map(|i| i.to_string());
        report.exit_code = self.exit_code();
        report.shard = self.shard.map(|s| s.to_string());
        report.whole_suite = self.whole_suite;
        report.fleet = self.fleet.clone();
        report
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
    if let Some(fleet) = &opts.fleet {
        let [path] = paths.as_slice() else {
            return Err(ConfigError(
                "--fleet runs one profile for every tenant: name exactly one --profile".into(),
            ));
        };
        let fleet = profile::fleet::read(fleet).map_err(ConfigError)?;
        return profile::fleet::profiles(&fleet, path, &lookup, &opts.tenants).map_err(ConfigError);
    }
    if !opts.tenants.is_empty() {
        return Err(ConfigError(
            "--tenant selects rows of a --fleet file".into(),
        ));
    }
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
    let mut opts = opts;
    // Absolute paths: insta resolves snapshot paths against its workspace root, and a
    // relative one would point it elsewhere.
    opts.root = std::fs::canonicalize(&opts.root)
        .map_err(|e| ConfigError(format!("project folder {}: {e}", opts.root.display())))?;
    if let Some(dir) = opts.snapshot_dir.take() {
        let absolute = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::canonicalize(&dir))
            .map_err(|e| ConfigError(format!("--snapshot-dir {}: {e}", dir.display())))?;
        opts.snapshot_dir = Some(absolute);
    }
    if opts.accept && !opts.faults.is_empty() {
        return Err(ConfigError(
            "--accept cannot be combined with --fault: a broken emulator's payloads must \
             never become baselines"
                .into(),
        ));
    }
    let snapshot_dir = opts
        .snapshot_dir
        .clone()
        .unwrap_or_else(|| crate::snapshot::default_dir(&opts.root));
    crate::snapshot::init(&opts.root, opts.accept);
    let profiles = load_profiles(&opts)?;
    for p in &profiles {
        if p.spec.login.method == profile::LoginMethod::Browser {
            crate::login::browser::find_binaries()
                .map_err(|e| ConfigError(format!("{}: {e}", p.place_of(&["login", "method"]))))?;
        }
    }
    let tag_filter = opts
        .tags
        .as_deref()
        .map(|t| {
            t.parse::<gherkin::tagexpr::TagOperation>()
                .map_err(|e| ConfigError(format!("--tags `{t}`: {e}")))
        })
        .transpose()?;
    let features = read_features(&opts.root.join("features"))?;
    check_need_tags(&features)?;
    check_ids(&features)?;
    check_deviation_ids(&profiles, &features)?;
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
    let shared = shared_emulator(&profiles, &opts.faults).await?;
    for p in profiles {
        let served = shared
            .as_ref()
            .map(|(server, faults)| (server.clone(), faults.clone()));
        let mut t = Target::start_with_or_own(p, &opts.faults, &client, served)
            .await
            .map_err(ConfigError)?;
        if opts.no_rate_limit {
            t.pacer = None;
        }
        t.manual_login = opts.manual_login;
        infos.push(TargetInfo {
            profile: t.name().split('@').next().unwrap_or_default().to_string(),
            tenant: t.profile.tenant.clone(),
            deviations: t.profile.spec.deviations.clone(),
            name: t.name().to_string(),
            vendor: t.vendor().to_string(),
            environment: t.profile.spec.environment.as_str().to_string(),
            base_url: t.base_url.to_string(),
            faults: t.faults.clone(),
            capabilities: t.capabilities.summary(),
            sign_ins: None,
        });
        targets.insert(t.name().to_string(), Arc::new(t));
    }
    // The targets hold the shared server now: it stops after the last of them.
    drop(shared);

    let mut expanded = expand(&features, &infos, &targets, tag_filter.as_ref());
    if let Some(shard) = opts.shard {
        take_shard(&mut expanded, &infos, shard);
    }
    if count_scenarios(&expanded) == 0 && opts.shard.is_none() {
        return Err(ConfigError(match &opts.tags {
            Some(t) => format!(
                "--tags `{t}` selects no scenario of the selected profiles; check the tag's spelling"
            ),
            None => "the selected profiles select no scenario".into(),
        }));
    }
    let report_dir = match &opts.report_dir {
        Some(d) => {
            std::fs::create_dir_all(d)
                .map_err(|e| ConfigError(format!("cannot create {}: {e}", d.display())))?;
            d.clone()
        }
        None => new_run_dir(&opts.root.join("reports"))?,
    };
    let open = |name: &str| {
        std::fs::File::create(report_dir.join(name)).map_err(|e| {
            ConfigError(format!(
                "cannot write {}: {e}",
                report_dir.join(name).display()
            ))
        })
    };
    let json = open("cucumber.json")?;
    let total: usize = expanded
        .iter()
        .map(|f| count_scenarios(std::slice::from_ref(f)))
        .sum();
    let progress = Arc::new(console::Progress::new(&opts.console, opts.quiet).with_total(total));
    progress.targets(&infos);
    // A long run (a paced live server) says every so often how far it is, about how
    // long is left and what waits for a rate limit.
    let ticker = {
        let progress = progress.clone();
        let paced: Vec<(String, Arc<crate::http::Pacer>)> = targets
            .values()
            .filter_map(|t| t.pacer.clone().map(|p| (t.name().to_string(), p)))
            .collect();
        async move {
            let mut every = tokio::time::interval(PROGRESS_EVERY);
            every.tick().await;
            loop {
                every.tick().await;
                let waiting: Vec<(String, usize, String)> = paced
                    .iter()
                    .map(|(name, p)| (name.clone(), p.waiting(), p.limits().to_string()))
                    .collect();
                progress.tick(&waiting);
            }
        }
    };
    let after_progress = progress.clone();

    let records = Arc::new(Mutex::new(stream::RecordStream::create(&report_dir)?));
    let shared = Arc::new(steps::Shared {
        client,
        counters: counters.clone(),
        snapshot_dir,
        browser: Arc::new(crate::login::browser::BrowserPool::new()),
    });
    let browser_pool = shared.browser.clone();

    // Scenarios left per target: an emulated target's server stops after its last.
    let remaining: Arc<HashMap<String, std::sync::atomic::AtomicUsize>> = Arc::new(
        infos
            .iter()
            .map(|i| {
                let n = expanded
                    .iter()
                    .filter(|f| target_of(f) == Some(i.name.as_str()))
                    .map(|f| count_scenarios(std::slice::from_ref(f)))
                    .sum();
                (i.name.clone(), std::sync::atomic::AtomicUsize::new(n))
            })
            .collect(),
    );
    let before_targets = targets.clone();
    let before_shared = shared.clone();
    let after_records = records.clone();
    let after_targets = targets.clone();
    let accept = opts.accept;
    let runner = cucumber::runner::Basic::default()
        .max_concurrent_scenarios(opts.concurrency.unwrap_or(DEFAULT_CONCURRENCY).max(1))
        .steps(steps::collection())
        .before(move |feature, rule, scenario, world: &mut World| {
            let target = target_of(feature).and_then(|n| before_targets.get(n).cloned());
            let shared = before_shared.clone();
            let fresh = feature
                .tags
                .iter()
                .chain(rule.iter().flat_map(|r| r.tags.iter()))
                .chain(scenario.tags.iter())
                .any(|t| t == grantcheck_core::login::reuse::FRESH_SIGN_IN_TAG);
            async move {
                if let Some(target) = target {
                    let id = crate::scenario_id::of(&scenario.tags).unwrap_or_default();
                    world.attach(target, shared, &scenario.name, id);
                    world.fresh_sign_in = fresh;
                }
            }
            .boxed_local()
        })
        .after(move |feature, _rule, scenario, finished, mut world| {
            // The scenario's browser closes as the scenario ends (its slot frees).
            let browser = world.as_mut().and_then(|w| w.take_browser());
            let mut rec = make_record(feature, scenario, finished, world, &after_targets);
            if accept {
                accept_baselines(&mut rec);
            }
            after_progress.scenario(&rec);
            let last = remaining
                .get(&rec.target)
                .is_some_and(|n| n.fetch_sub(1, std::sync::atomic::Ordering::Relaxed) == 1);
            if last && let Some(t) = after_targets.get(&rec.target) {
                t.stop_emulator();
            }
            if let Ok(mut r) = after_records.lock() {
                r.push(rec);
            }
            async move {
                if let Some(b) = browser {
                    b.close().await;
                }
            }
            .boxed_local()
        });

    // Cucumber writes only its JSON; the console shows grantcheck's own verdict per
    // scenario (from the after-hook), in grantcheck's words.
    let writer = writer::Json::new(json);
    let cucumber = cucumber::Cucumber::<World, _, (), _, _, cucumber::cli::Empty>::custom(
        FeatureList(expanded),
        runner,
        writer,
    )
    .with_default_cli()
    .fail_on_skipped_with(|_, _, s: &gherkin::Scenario| !s.tags.iter().any(|t| t == SKIP_TAG));

    let deadline = Duration::from_secs(
        targets
            .values()
            .map(|t| t.profile.spec.timeouts.unwrap_or_default().run_secs)
            .max()
            .unwrap_or(1800),
    );
    // Ctrl-C, SIGTERM or the run's deadline stop the run between steps; what finished
    // is kept and reported as partial.
    let interrupted = tokio::select! {
        _ = cucumber.run(()) => None,
        _ = ticker => None,
        signal = stop_signal() => Some(Interruption::Signal(signal)),
        _ = tokio::time::sleep(deadline) => Some(Interruption::Deadline(deadline)),
    };

    browser_pool.shutdown().await;
    // The cucumber future (and the hooks' clones) is gone: the stream has one owner.
    let records = Arc::try_unwrap(records)
        .map_err(|_| ConfigError("the results stream is still in use".into()))?
        .into_inner()
        .map_err(|_| ConfigError("records lock poisoned".into()))?;
    let mut records = records.finish()?;
    sort_records(&mut records);
    let whole_suite = opts.tags.is_none() && opts.shard.is_none();
    let mut stale_deviations: Vec<StaleDeviation> = Vec::new();
    for info in &infos {
        if let Some(t) = targets.get(&info.name) {
            stale_deviations.extend(deviations::stale(
                t.name(),
                &t.profile.spec.deviations,
                &records,
                whole_suite,
            ));
        }
    }
    if interrupted.is_some() {
        // Cucumber's JSON writer never finished: leave a valid, empty document rather
        // than half of one; results.json holds what did finish.
        let _ = std::fs::write(report_dir.join("cucumber.json"), "[]\n");
    }
    for info in &mut infos {
        if let Some(t) = targets.get(&info.name) {
            let (with_credentials, session_reused) = t.sign_ins.counts();
            info.sign_ins = (with_credentials + session_reused > 0).then_some(SignInCounts {
                with_credentials,
                session_reused,
            });
        }
    }
    let result = RunResult {
        shard: opts.shard,
        whole_suite,
        fleet: opts.fleet.as_ref().map(|f| f.display().to_string()),
        interrupted,
        accepting: opts.accept,
        stale_deviations,
        records,
        requests: counters.requests.load(std::sync::atomic::Ordering::Relaxed),
        wall: started.elapsed(),
        report_dir: report_dir.clone(),
        targets: infos,
    };
    write_records(&result, &opts.root)?;
    if opts.report_dir.is_none() && result.interrupted.is_none() {
        point_latest_at(&opts.root.join("reports"), &report_dir);
    }
    Ok(result)
}

/// One server for every tenant of an emulated fleet whose vendor's paths carry the
/// tenant (see [`crate::emulators::tenant_scoped`]), with the faults it has on.
async fn shared_emulator(
    profiles: &[Profile],
    faults: &[String],
) -> Result<Option<(Arc<crate::emulators::server::EmulatorServer>, Vec<String>)>, ConfigError> {
    let vendor = |p: &Profile| p.spec.emulator.as_ref().map(|e| e.vendor.clone());
    let Some(first) = profiles.first().and_then(vendor) else {
        return Ok(None);
    };
    let fleet = profiles.len() > 1 && profiles.iter().all(|p| p.tenant.is_some());
    if !fleet
        || !crate::emulators::tenant_scoped(&first)
        || profiles
            .iter()
            .any(|p| vendor(p).as_deref() != Some(first.as_str()))
    {
        return Ok(None);
    }
    let mut tenants = Vec::new();
    let mut on = Vec::new();
    for p in profiles {
        let (emulator, faults) = crate::target::emulator_for(p, faults).map_err(ConfigError)?;
        let id = p.spec.tenant.clone().unwrap_or_default();
        tenants.push((id, emulator));
        on = faults;
    }
    let tenants = crate::emulators::tenants::Tenants::new(tenants)
        .map_err(|e| ConfigError(format!("fleet of {first} tenants: {e}")))?;
    let server = crate::emulators::server::EmulatorServer::start(Box::new(tenants)).await;
    Ok(Some((Arc::new(server), on)))
}

/// The order of every report: target, feature file, line.
pub fn sort_records(records: &mut [ScenarioRecord]) {
    records.sort_by(|a, b| {
        (&a.target, &a.feature_path, a.line).cmp(&(&b.target, &b.feature_path, b.line))
    });
}

/// Keeps the scenarios of `shard` (see [`shard::Shard::select`]).
fn take_shard(features: &mut Vec<gherkin::Feature>, infos: &[TargetInfo], shard: shard::Shard) {
    let index_of = |f: &gherkin::Feature| {
        target_of(f)
            .and_then(|n| infos.iter().position(|i| i.name == n))
            .unwrap_or(0)
    };
    let runnable = |s: &gherkin::Scenario| !s.tags.iter().any(|t| t == SKIP_TAG);
    let mut items = Vec::new();
    for f in features.iter() {
        let target = index_of(f);
        for s in f
            .scenarios
            .iter()
            .chain(f.rules.iter().flat_map(|r| r.scenarios.iter()))
        {
            items.push(shard::Item {
                target,
                runnable: runnable(s),
            });
        }
    }
    let keep = shard.select(infos.len(), &items);
    let mut k = 0;
    let mut next = || {
        let mine = keep.get(k).copied().unwrap_or(false);
        k += 1;
        mine
    };
    for f in features.iter_mut() {
        f.scenarios.retain(|_| next());
        for r in &mut f.rules {
            r.scenarios.retain(|_| next());
        }
        f.rules.retain(|r| !r.scenarios.is_empty());
    }
    features.retain(|f| !f.scenarios.is_empty() || !f.rules.is_empty());
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
            let not_selected = match applicability::feature_selection(&path, target) {
                applicability::Selection::Run => None,
                applicability::Selection::OtherVendor => continue,
                applicability::Selection::NotSelected(why) => Some(why),
            };
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
                if let Some(reason) = not_selected
                    .clone()
                    .or_else(|| applicability::skip_reason(&tags, target))
                    && let Some(first) = s.steps.first().cloned()
                {
                    let mut step = first;
                    step.value = match &not_selected {
                        Some(_) => reason,
                        None => format!("not applicable to {}: {reason}", info.name),
                    };
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

/// Refuses a `@needs-…` tag that is not in the closed list, naming where it is.
fn check_need_tags(features: &[gherkin::Feature]) -> Result<(), ConfigError> {
    for f in features {
        let path = f.path.as_ref().map_or(String::new(), |p| relative(p));
        let scenarios = f
            .scenarios
            .iter()
            .chain(f.rules.iter().flat_map(|r| r.scenarios.iter()));
        let tagged = std::iter::once((f.position.line, &f.tags))
            .chain(f.rules.iter().map(|r| (r.position.line, &r.tags)))
            .chain(scenarios.map(|s| (s.position.line, &s.tags)));
        for (line, tags) in tagged {
            if let Some(t) = tags
                .iter()
                .find(|t| t.starts_with("needs-") && !applicability::NEEDS.contains(&t.as_str()))
            {
                return Err(ConfigError(format!(
                    "{path}:{line}: unknown tag @{t}; a scenario's needs are one of {}",
                    applicability::NEEDS
                        .iter()
                        .map(|n| format!("@{n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
    }
    Ok(())
}

/// Every scenario has one stable id, unique across the features folder.
pub fn check_ids(features: &[gherkin::Feature]) -> Result<(), ConfigError> {
    let paths: Vec<String> = features
        .iter()
        .map(|f| f.path.as_ref().map_or(String::new(), |p| relative(p)))
        .collect();
    let scenarios = features.iter().zip(&paths).flat_map(|(f, path)| {
        f.scenarios
            .iter()
            .chain(f.rules.iter().flat_map(|r| r.scenarios.iter()))
            .map(move |s| crate::scenario_id::Tagged {
                file: path,
                line: s.position.line,
                column: s.position.col,
                tags: &s.tags,
            })
    });
    crate::scenario_id::check(scenarios).map_err(ConfigError)
}

/// A deviation names a scenario by id: an id no scenario has (a typo, a scenario
/// removed) would never match and silently stop explaining anything.
fn check_deviation_ids(
    profiles: &[Profile],
    features: &[gherkin::Feature],
) -> Result<(), ConfigError> {
    let known: std::collections::HashSet<&str> = features
        .iter()
        .flat_map(|f| {
            f.scenarios
                .iter()
                .chain(f.rules.iter().flat_map(|r| r.scenarios.iter()))
        })
        .filter_map(|s| crate::scenario_id::of(&s.tags))
        .collect();
    for p in profiles {
        for (i, d) in p.spec.deviations.iter().enumerate() {
            if let Some(id) = d.id.as_deref().filter(|id| !known.contains(id)) {
                return Err(ConfigError(format!(
                    "{}: deviation names @id:{id}, which no scenario has (ids are the \
                     scenarios' @id: tags in features/)",
                    p.place_of(&["deviations", &i.to_string(), "id"])
                )));
            }
        }
    }
    Ok(())
}

fn count_scenarios(features: &[gherkin::Feature]) -> usize {
    features
        .iter()
        .map(|f| f.scenarios.len() + f.rules.iter().map(|r| r.scenarios.len()).sum::<usize>())
        .sum()
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
    let results = match world {
        Some(w) => w.take_results(),
        None => Default::default(),
    };
    let redact = |text: &str| match &results.redactor {
        Some(r) => r.text(text),
        None => text.to_string(),
    };
    let problem = |text: String| Outcome::Failed {
        failures: vec![Finding::problem(redact(&text))],
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
        event::ScenarioFinished::StepSkipped => problem("a step matches no step definition".into()),
        event::ScenarioFinished::BeforeHookFailed(info) => {
            problem(format!("set-up failed: {}", panic_text(info)))
        }
        event::ScenarioFinished::StepFailed(_, _, err) => match err {
            event::StepError::Panic(info) => match info.downcast_ref::<StepFailure>() {
                Some(f) if f.kind == StopKind::Blocked => Outcome::Blocked { reason: f.reason() },
                Some(f) if f.kind == StopKind::NotApplicable => {
                    Outcome::Skipped { reason: f.reason() }
                }
                Some(f) => Outcome::Failed {
                    failures: f.findings.clone(),
                },
                // Not a check: a defect of grantcheck itself, said so.
                None => problem(format!("grantcheck error: {}", panic_text(info))),
            },
            other => problem(other.to_string()),
        },
    };
    let declared = targets
        .get(&target_name)
        .map(|t| t.profile.spec.deviations.as_slice())
        .unwrap_or_default();
    let id = crate::scenario_id::of(&scenario.tags)
        .unwrap_or_default()
        .to_string();
    let outcome = deviations::classify(outcome, &id, declared);
    let (drift, no_baseline) = results
        .drift
        .into_iter()
        .partition(|d| d.baseline.is_some());
    ScenarioRecord {
        target: target_name,
        id,
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
            .filter(|t| *t != SKIP_TAG && !t.starts_with(crate::scenario_id::PREFIX))
            .cloned()
            .collect(),
        outcome,
        warnings: results.warnings,
        drift,
        no_baseline,
        duration_ms: results.elapsed.as_millis() as u64,
        evidence: results.evidence,
        evidence_line: None,
    }
}

/// `--accept`: records the payloads of a scenario whose checks held (passed, or failed
/// only as declared) as its new baselines. A failed or blocked scenario's payloads are
/// never recorded: they may be what the fault looks like.
fn accept_baselines(rec: &mut ScenarioRecord) {
    if !matches!(
        rec.outcome,
        Outcome::Passed | Outcome::KnownDeviation { .. }
    ) {
        return;
    }
    for d in rec.drift.iter_mut().chain(rec.no_baseline.iter_mut()) {
        d.accepted = crate::snapshot::accept(d).is_ok();
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
    write_reports(&result.report(), &result.report_dir, root)
}

/// Every report of a run (or a merge) beside its `results.ndjson`: JUnit, the aligned
/// cucumber.json, `results.json` (the index: every record, exchanges only where the
/// reports show them), coverage and HTML.
pub(crate) fn write_reports(
    report: &RunReport<'_>,
    dir: &Path,
    root: &Path,
) -> Result<(), ConfigError> {
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| ConfigError(format!("cannot write {}: {e}", path.display())))
    };
    write("junit.xml", crate::report::junit::render(report).as_bytes())?;
    cucumber_json::align(&dir.join("cucumber.json"), &report.scenarios);
    // Written as it is serialised: a fleet's index is megabytes.
    let path = dir.join("results.json");
    std::fs::File::create(&path)
        .map(std::io::BufWriter::new)
        .map_err(|e| e.to_string())
        .and_then(|mut out| {
            serde_json::to_writer_pretty(&mut out, report).map_err(|e| e.to_string())?;
            std::io::Write::flush(&mut out).map_err(|e| e.to_string())
        })
        .map_err(|e| ConfigError(format!("cannot write {}: {e}", path.display())))?;
    crate::report::write(root, dir, report).map_err(ConfigError)
}

/// `reports/latest` names the newest complete run: a symbolic link replaced in one
/// rename, so a reader (or an interruption) never sees it half-updated, and the
/// previous `latest` stays until the new one is in place.
fn point_latest_at(reports: &Path, run_dir: &Path) {
    let latest = reports.join("latest");
    let Some(name) = run_dir.file_name() else {
        return;
    };
    let tmp = reports.join(format!(".latest-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    if std::os::unix::fs::symlink(name, &tmp).is_err() {
        return;
    }
    if std::fs::rename(&tmp, &latest).is_err() {
        // An older grantcheck made `latest` a directory: replace it once.
        let _ = std::fs::remove_dir_all(&latest);
        if std::fs::rename(&tmp, &latest).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

/// A new, unique run folder under `reports`: timestamped, and made with `create_dir`
/// so two runs started in the same millisecond never share one.
fn new_run_dir(reports: &Path) -> Result<PathBuf, ConfigError> {
    std::fs::create_dir_all(reports)
        .map_err(|e| ConfigError(format!("cannot create {}: {e}", reports.display())))?;
    let base = format!("{}-{}", timestamp(), std::process::id());
    for n in 0..1000 {
        let dir = if n == 0 {
            reports.join(&base)
        } else {
            reports.join(format!("{base}-{n}"))
        };
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(ConfigError(format!("cannot create {}: {e}", dir.display())));
            }
        }
    }
    Err(ConfigError(format!(
        "cannot create a new run folder under {}",
        reports.display()
    )))
}

/// Why a run stopped before every scenario finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interruption {
    /// SIGINT (Ctrl-C) or SIGTERM.
    Signal(i32),
    /// The longest `timeouts.run_secs` of the selected profiles passed.
    Deadline(Duration),
}

impl std::fmt::Display for Interruption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Interruption::Signal(2) => f.write_str("interrupted (Ctrl-C)"),
            Interruption::Signal(n) => write!(f, "interrupted (signal {n})"),
            Interruption::Deadline(d) => {
                write!(
                    f,
                    "stopped: the run exceeded timeouts.run_secs ({} s)",
                    d.as_secs()
                )
            }
        }
    }
}

/// Resolves on SIGINT or SIGTERM with the signal's number.
async fn stop_signal() -> i32 {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => 2,
        _ = term.recv() => 15,
    }
}

/// True for the names [`timestamp`] gives run folders.
pub fn is_run_dir_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() >= 20
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'T'
        && b[9..15].iter().all(u8::is_ascii_digit)
        && b[15] == b'Z'
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
    console::summary(result, out, console::Style::default());
}

/// [`print_summary`], quiet and/or with GitHub annotations.
pub fn print_summary_styled(
    result: &RunResult,
    out: &mut dyn std::io::Write,
    style: console::Style,
) {
    console::summary(result, out, style);
}
