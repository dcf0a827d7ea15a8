//! Command line: `run` and `emulate` (more commands join as the issues land).
//! Exit codes: 0 all pass, 1 a conformance failure, 2 usage or configuration error.

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::runner::{self, Console, RunOptions};

/// `println!` that ignores a closed standard output (`grantcheck coverage | head`)
/// instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `print!` that ignores a closed standard output.
macro_rules! out {
    ($($arg:tt)*) => {{
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

#[derive(Debug, Parser)]
#[command(
    name = "grantcheck",
    version,
    about = "Conformance harness for OAuth 2.0 / OpenID Connect / SMART-on-FHIR authorization servers"
)]
pub struct Cli {
    /// Project directory holding features/, profiles/, snapshots/ and reports/
    /// (default: the current directory, if it has features/).
    #[arg(long, global = true, env = "GRANTCHECK_ROOT")]
    pub root: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the features against targets (default: every emulated profile).
    Run(RunArgs),
    /// Serve a vendor emulator on 127.0.0.1 for manual debugging with curl.
    Emulate(EmulateArgs),
    /// Lint profiles and raw requests (a curl command, an authorize URL) against the
    /// vendors' documented rules, before anything is sent. Exit 1 on any error finding.
    Lint(LintArgs),
    /// Explain an error response (JSON body, `curl -i` output, or an error redirect URL)
    /// with the vendor's documented causes and fixes.
    Explain(ExplainArgs),
    /// Catalog coverage: each tracked entry → its scenarios, or the reason it has none.
    /// Exits 1 if an entry has neither.
    Coverage {
        /// Output format.
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Combine the report folders of `run --shard` jobs into one set of reports, as if
    /// one run had made them; the exit code is the whole run's.
    Merge(MergeArgs),
    /// Rebuild the HTML report from a saved results.json (or a report directory).
    Report {
        /// results.json, or a directory holding one.
        input: PathBuf,
        /// Where to write the HTML (default: report.html beside the input).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Manage the run folders under reports/.
    #[command(subcommand)]
    Reports(ReportsCommand),
    /// List an emulator's fault switches.
    Faults {
        /// Vendor (default: all emulators).
        vendor: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportsCommand {
    /// Delete all but the newest run folders (reports/latest is kept).
    Prune {
        /// How many of the newest run folders to keep.
        #[arg(long, value_name = "N")]
        keep: usize,
        /// Only list what would be deleted.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Profile name (in profiles/) or path; repeatable.
    #[arg(long = "profile", short = 'p', value_name = "NAME|PATH")]
    pub profiles: Vec<String>,
    /// Cucumber tag expression, e.g. `@OKT-01 or @rfc7636`.
    #[arg(long, short = 't', value_name = "EXPR")]
    pub tags: Option<String>,
    /// Where to write reports (default: reports/<timestamp>/, mirrored to reports/latest/).
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Scenarios run at the same time.
    #[arg(long, value_name = "N", default_value_t = runner::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// Record the observed payloads of scenarios whose checks held as their new
    /// baselines (never with --fault; never a failed scenario's payloads).
    #[arg(long)]
    pub accept: bool,
    /// Turn on an emulator fault switch (emulated targets only); repeatable.
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// Do not lint the selected profiles before running.
    #[arg(long)]
    pub no_lint: bool,
    /// Baseline directory (default: snapshots/ in the project directory).
    #[arg(long, value_name = "DIR")]
    pub snapshot_dir: Option<PathBuf>,
    /// Ignore the profiles' `rate_limit`: for a live profile pointed at a stand-in on
    /// this machine (`grantcheck emulate`), never for a live server's quota.
    #[arg(long)]
    pub no_rate_limit: bool,
    /// A person is at the keyboard: for profiles with `login.method: manual`, print each
    /// authorization URL and wait for the redirect (pasted on standard input, or
    /// received on a loopback redirect URI) instead of skipping the sign-in scenarios.
    #[arg(long)]
    pub manual_login: bool,
    /// Run the one --profile once per tenant of this CSV file (header row; `name`
    /// plus one column per `${VAR}` the profile references).
    #[arg(long, value_name = "FILE")]
    pub fleet: Option<PathBuf>,
    /// Only this tenant of the --fleet (repeatable), e.g. to --accept its baselines.
    #[arg(long = "tenant", value_name = "NAME", requires = "fleet")]
    pub tenants: Vec<String>,
    /// Run only slice I of N (1-based) of the (target × scenario) set, for parallel
    /// CI jobs; combine their report folders with `grantcheck merge`.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<runner::shard::Shard>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// How a run or a merge prints to the console.
#[derive(Debug, clap::Args)]
pub struct OutputArgs {
    /// Print only failed and blocked scenarios and the summary.
    #[arg(long)]
    pub quiet: bool,
    /// `github`: add GitHub Actions annotations (errors at failing scenarios' lines,
    /// warnings for drift and blocked targets).
    #[arg(long, default_value = "text", value_parser = ["text", "github"])]
    pub format: String,
}

impl OutputArgs {
    fn style(&self) -> runner::ConsoleStyle {
        runner::ConsoleStyle {
            quiet: self.quiet,
            github: self.format == "github",
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Report folders written by `grantcheck run --shard I/N --report-dir DIR`.
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where to write the merged reports.
    #[arg(long, value_name = "DIR")]
    pub report_dir: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_shard(s: &str) -> Result<runner::shard::Shard, String> {
    s.parse()
}

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Profiles (names or paths) to lint: every request each would make.
    #[arg(value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// A curl command as pasted (file, or - for standard input).
    #[arg(long, value_name = "FILE|-")]
    pub curl: Option<String>,
    /// An authorize (or other request) URL.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Vendor rules to apply when the host does not tell.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(lint_vendors()))]
    pub vendor: Option<String>,
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
    /// Also contact each profile's server: read its discovery document, send one
    /// authorization request and say which login driver its sign-in page needs
    /// (emulated profiles: their emulator, started here). Exit 1 when the profile's
    /// `login.method` cannot sign in there or discovery fails, 4 when it does not answer.
    #[arg(long)]
    pub online: bool,
}

/// `lint --vendor` choices: every vendor of the registry, and `generic`.
fn lint_vendors() -> Vec<&'static str> {
    crate::vendors::ids().chain(["generic"]).collect()
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// File holding the response (default: standard input; - also reads it).
    #[arg(value_name = "FILE|-")]
    pub input: Option<String>,
    /// A vendor id, oidc-provider or generic (default: from the payload).
    #[arg(long)]
    pub vendor: Option<String>,
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
}

#[derive(Debug, clap::Args)]
pub struct EmulateArgs {
    /// Vendor emulator to serve: a vendor id, or `reference`.
    pub vendor: String,
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Emulated profile whose clients and users to register
    /// (default: <vendor>-emulated).
    #[arg(long, value_name = "NAME|PATH")]
    pub profile: Option<String>,
    /// Turn on a fault switch; repeatable.
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// How the sign-in page is built: `html` (a plain form) or `script` (a script builds
    /// it, as on the vendor's own page; the EHR vendors' emulators only). Default:
    /// the profile's `emulator.sign_in`, else html.
    #[arg(long = "sign-in", value_name = "MODE", value_parser = ["html", "script"])]
    pub sign_in: Option<String>,
    /// Serve HTTPS with a certificate made at start; its authority's PEM file is
    /// printed (strict client libraries refuse plain HTTP).
    #[arg(long)]
    pub tls: bool,
    /// Another redirect URI every client may use (repeatable); a loopback IP one
    /// (`http://127.0.0.1/cb`) matches on any port (RFC 8252 §7.3).
    #[arg(long = "redirect-uri", value_name = "URI")]
    pub redirect_uris: Vec<String>,
    /// Write every request (`requests.ndjson`), and when stopped `junit.xml` and
    /// `report.html`, into DIR; with --tls, the authority's `ca.pem` too.
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// Misbehave once in one way a correct app must refuse, and say at stop whether
    /// the app refused it (exit 0), used what it should have refused (1) or never got
    /// that far (4). Modes: wrong-state, iss-mix-up, id-token-wrong-aud,
    /// id-token-wrong-nonce, id-token-bad-signature, id-token-unknown-kid,
    /// token-type-not-bearer, code-replayed.
    #[arg(long = "app-test", value_name = "MODE")]
    pub app_test: Option<String>,
}

/// Finds the project directory (the one holding `features/`): `--root` (or
/// `GRANTCHECK_ROOT`), else the current directory or the nearest parent that has one.
/// Never the checkout the binary was built from: reports would land there unseen.
pub fn project_root(explicit: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(r) = explicit {
        return if r.join("features").is_dir() {
            Ok(r)
        } else {
            Err(format!(
                "--root (or GRANTCHECK_ROOT) {}: no features/ folder there; name a grantcheck \
                 project directory",
                r.display()
            ))
        };
    }
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    match cwd.ancestors().find(|d| d.join("features").is_dir()) {
        Some(d) => Ok(d.to_path_buf()),
        None => Err(format!(
            "not inside a grantcheck project: looked for features/ in {} and each of its \
             parents; run from the project directory, or pass --root DIR (or set \
             GRANTCHECK_ROOT)",
            cwd.display()
        )),
    }
}

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    quiet_step_panics();
    // `explain`, `faults` and `lint --curl/--url` need no project; the rest do.
    let needs_project = match &cli.command {
        Command::Explain(_) | Command::Faults { .. } => false,
        Command::Lint(a) => !a.profiles.is_empty(),
        _ => true,
    };
    let root = match project_root(cli.root) {
        Ok(r) => std::fs::canonicalize(&r).unwrap_or(r),
        Err(e) if needs_project => {
            eprintln!("error: {e}");
            return 2;
        }
        Err(_) => PathBuf::from("."),
    };
    if let Command::Run(args) = &cli.command {
        // Before any thread exists: insta reads its environment once.
        crate::snapshot::init(&root, args.accept);
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 2;
        }
    };
    match cli.command {
        Command::Run(args) => rt.block_on(run(root, args)),
        Command::Emulate(args) => rt.block_on(crate::emulate::run(root, args)),
        Command::Faults { vendor } => faults(vendor.as_deref()),
        Command::Coverage { format } => coverage(&root, &format),
        Command::Lint(args) => lint(&root, args, &rt),
        Command::Explain(args) => explain(args),
        Command::Report { input, out } => report(&root, &input, out),
        Command::Merge(args) => merge(&root, args),
        Command::Reports(ReportsCommand::Prune { keep, dry_run }) => {
            prune_reports(&root, keep, dry_run)
        }
    }
}

/// `grantcheck merge DIR... --report-dir OUT`.
fn merge(root: &std::path::Path, args: MergeArgs) -> i32 {
    match runner::merge::merge(root, &args.dirs, &args.report_dir) {
        Ok(report) => {
            let mut out = std::io::stdout().lock();
            runner::merge::print(&report, &args.report_dir, &mut out, args.output.style());
            let _ = out.flush();
            report.exit_code
        }
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

/// `grantcheck reports prune --keep N`: deletes all but the newest N run folders under
/// `reports/` (by their timestamped names); `latest` and anything not made by a run
/// are left alone.
fn prune_reports(root: &std::path::Path, keep: usize, dry_run: bool) -> i32 {
    let dir = root.join("reports");
    let mut runs: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.is_dir()
                    && p.file_name()
                        .is_some_and(|n| runner::is_run_dir_name(&n.to_string_lossy()))
            })
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", dir.display());
            return 2;
        }
    };
    // The run `latest` names is never deleted, however old.
    let latest = std::fs::read_link(dir.join("latest"))
        .ok()
        .map(|l| dir.join(l));
    runs.retain(|r| Some(r) != latest.as_ref());
    runs.sort();
    let doomed = runs.len().saturating_sub(keep);
    let mut out = std::io::stdout().lock();
    for path in &runs[..doomed] {
        if dry_run {
            let _ = writeln!(out, "would delete {}", path.display());
        } else if let Err(e) = std::fs::remove_dir_all(path) {
            eprintln!("error: cannot delete {}: {e}", path.display());
            return 2;
        } else {
            let _ = writeln!(out, "deleted {}", path.display());
        }
    }
    let _ = writeln!(
        out,
        "{} run folder(s) kept, {} {}",
        runs.len() - doomed,
        doomed,
        if dry_run {
            "would be deleted"
        } else {
            "deleted"
        }
    );
    0
}

/// A failing check stops its step with a typed [`StepFailure`] panic that cucumber
/// catches and the runner records; the default hook would print each one on stderr
/// too. insta's assertion panics as well, and is caught and recorded as drift. Those
/// two are not printed; any other panic (a defect) still is.
///
/// [`StepFailure`]: crate::verdict::StepFailure
fn quiet_step_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let typed = info
            .payload()
            .downcast_ref::<crate::verdict::StepFailure>()
            .is_some();
        let from_insta = info
            .location()
            .is_some_and(|l| l.file().contains("/insta-"));
        if !typed && !from_insta {
            previous(info);
        }
    }));
}

async fn run(root: PathBuf, args: RunArgs) -> i32 {
    let opts = RunOptions {
        root,
        profiles: args.profiles,
        tags: args.tags,
        report_dir: args.report_dir,
        concurrency: Some(args.concurrency),
        faults: args.faults,
        snapshot_dir: args.snapshot_dir,
        accept: args.accept,
        no_rate_limit: args.no_rate_limit,
        manual_login: args.manual_login,
        console: Console::Stdout,
        fleet: args.fleet,
        tenants: args.tenants,
        shard: args.shard,
        quiet: args.output.quiet,
        ..RunOptions::default()
    };
    let style = args.output.style();
    if !args.no_lint {
        // A request that is wrong before it is sent is a configuration error.
        match runner::load_profiles(&opts) {
            Ok(profiles) => {
                let mut blocked = false;
                for p in &profiles {
                    let text = std::fs::read_to_string(&p.path).unwrap_or_default();
                    let findings = crate::diagnose::lint_profile(p, &text);
                    if crate::diagnose::has_errors(&findings) {
                        blocked = true;
                        eprintln!("{}:", p.path.display());
                        eprint!("{}", crate::diagnose::render_text(&findings, &text));
                    }
                }
                if blocked {
                    eprintln!(
                        "error: the profile lint found errors; fix them or run with --no-lint"
                    );
                    return 2;
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    }
    match runner::run(opts).await {
        Ok(result) => {
            let mut out = std::io::stdout().lock();
            runner::print_summary_styled(&result, &mut out, style);
            let _ = out.flush();
            result.exit_code()
        }
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

/// Reads FILE, or standard input for `-` / no file.
fn read_input(input: Option<&str>) -> Result<String, String> {
    use std::io::Read as _;
    match input {
        None | Some("-") => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            Ok(s)
        }
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}")),
    }
}

fn lint(root: &std::path::Path, args: LintArgs, rt: &tokio::runtime::Runtime) -> i32 {
    use crate::diagnose;
    use crate::login::probe;
    use crate::profile::Vendor;
    if args.online && args.profiles.is_empty() {
        eprintln!("error: --online probes profiles' servers: name at least one profile");
        return 2;
    }
    let vendor = args
        .vendor
        .as_deref()
        .map(|v| crate::vendors::by_id(v).map_or(Vendor::Generic, |info| info.vendor));
    let mut sections: Vec<(String, String, Vec<diagnose::Finding>)> = Vec::new();
    let mut loaded_profiles = Vec::new();
    for name in &args.profiles {
        let loaded = crate::profile::locate(root, name)
            .map_err(|e| e.to_string())
            .and_then(|path| crate::profile::load(&path).map_err(|e| e.to_string()));
        match loaded {
            Ok(p) => {
                let text = std::fs::read_to_string(&p.path).unwrap_or_default();
                let f = diagnose::lint_profile(&p, &text);
                sections.push((p.path.display().to_string(), text, f));
                loaded_profiles.push(p);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    }
    // Every profile loaded before any server is contacted: bad input stops with 2 first.
    let probes: Vec<probe::Probe> = if args.online {
        loaded_profiles
            .into_iter()
            .map(|p| rt.block_on(probe::probe_profile(p)))
            .collect()
    } else {
        Vec::new()
    };
    if let Some(src) = &args.curl {
        let text = match read_input(Some(src)) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        };
        match diagnose::lint_curl_for(&text, vendor) {
            Ok(f) => sections.push((
                if src == "-" {
                    "<stdin>".into()
                } else {
                    src.clone()
                },
                text,
                f,
            )),
            Err(e) => {
                eprintln!("error: unreadable curl command: {e}");
                return 2;
            }
        }
    }
    if let Some(url) = &args.url {
        match diagnose::lint_url_for(url, vendor) {
            Ok(f) => sections.push(("<url>".into(), url.clone(), f)),
            Err(e) => {
                eprintln!("error: unreadable URL: {e}");
                return 2;
            }
        }
    }
    if sections.is_empty() {
        eprintln!("error: nothing to lint: name profiles, or give --curl FILE|- or --url URL");
        return 2;
    }
    let any_error = sections.iter().any(|(_, _, f)| diagnose::has_errors(f));
    // Profiles come first in `sections`, in the order probed.
    let probe_of = |i: usize| probes.get(i);
    if args.format == "json" {
        let out: Vec<serde_json::Value> = sections
            .iter()
            .enumerate()
            .map(|(i, (name, _, f))| {
                let mut v = serde_json::json!({"input": name, "result": diagnose::render_json(f)});
                if let Some(p) = probe_of(i) {
                    v["online"] = probe::render_json(p);
                }
                v
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        for (i, (name, text, f)) in sections.iter().enumerate() {
            outln!(
                "{name}: {} error(s), {} warning(s)",
                f.iter()
                    .filter(|x| x.severity == diagnose::Severity::Error)
                    .count(),
                f.iter()
                    .filter(|x| x.severity == diagnose::Severity::Warning)
                    .count()
            );
            out!("{}", diagnose::render_text(f, text));
            if let Some(p) = probe_of(i) {
                outln!("{name}: online");
                out!("{}", probe::render_text(p));
            }
        }
    }
    // The CLI's order: 1 (an error finding, or a login method that cannot sign in)
    // before 4 (a server that did not answer).
    let online: Vec<i32> = probes.iter().map(probe::Probe::exit_code).collect();
    if any_error || online.contains(&1) {
        1
    } else if online.contains(&4) {
        4
    } else {
        0
    }
}

fn explain(args: ExplainArgs) -> i32 {
    use crate::diagnose::explain;
    let text = match read_input(args.input.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    match explain::explain(&text, args.vendor.as_deref()) {
        Ok(e) => {
            if args.format == "json" {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&explain::render_json(&e)).unwrap_or_default()
                );
            } else {
                out!("{}", explain::render_text(&e));
            }
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

fn coverage(root: &std::path::Path, format: &str) -> i32 {
    match crate::report::coverage::build(root, &[], &crate::report::lint_rule_ids()) {
        Ok(c) => {
            if format == "json" {
                outln!("{}", serde_json::to_string_pretty(&c).unwrap_or_default());
            } else {
                out!("{}", crate::report::coverage::render_text(&c));
            }
            if c.missing().next().is_some() { 1 } else { 0 }
        }
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

fn report(root: &std::path::Path, input: &std::path::Path, out: Option<PathBuf>) -> i32 {
    let results = if input.is_dir() {
        input.join("results.json")
    } else {
        input.to_path_buf()
    };
    let out = out.unwrap_or_else(|| results.with_file_name("report.html"));
    match crate::report::rebuild(root, &results, &out) {
        Ok(()) => {
            outln!("wrote {}", out.display());
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

fn faults(vendor: Option<&str>) -> i32 {
    let vendors: Vec<&str> = match vendor {
        Some(v) if crate::emulators::names().contains(&v) => vec![v],
        Some(v) => {
            eprintln!("error: no emulator for `{v}`");
            return 2;
        }
        None => crate::emulators::names(),
    };
    for v in vendors {
        outln!("{v}:");
        for f in crate::emulators::faults(v) {
            outln!("  {:<36} {}", f.name, f.breaks);
        }
    }
    0
}
