//! Command line: `run` and `emulate` (more commands join as the issues land).
//! Exit codes: 0 all pass, 1 a conformance failure, 2 usage or configuration error.

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::runner::{self, Console, RunOptions};

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
    /// Catalog coverage: each tracked entry → its scenarios, or the reason it has none.
    /// Exits 1 if an entry has neither.
    Coverage {
        /// Output format.
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Rebuild the HTML report from a saved results.json (or a report directory).
    Report {
        /// results.json, or a directory holding one.
        input: PathBuf,
        /// Where to write the HTML (default: report.html beside the input).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List an emulator's fault switches.
    Faults {
        /// Vendor (default: all emulators).
        vendor: Option<String>,
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
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub concurrency: usize,
    /// Record observed payloads as the new baseline (INSTA_UPDATE=always).
    #[arg(long)]
    pub accept: bool,
    /// Turn on an emulator fault switch (emulated targets only); repeatable.
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// Baseline directory (default: snapshots/ in the project directory).
    #[arg(long, value_name = "DIR")]
    pub snapshot_dir: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct EmulateArgs {
    /// Vendor emulator to serve (athenahealth).
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
}

/// Finds the project directory: `--root`, else the current directory, else the source
/// checkout this binary was built from.
pub fn project_root(explicit: Option<PathBuf>) -> PathBuf {
    if let Some(r) = explicit {
        return r;
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    if cwd.join("features").is_dir() {
        return cwd;
    }
    let built_from = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if built_from.join("features").is_dir() {
        return built_from;
    }
    cwd
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
    let root = project_root(cli.root);
    quiet_step_panics();
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
        Command::Emulate(args) => rt.block_on(emulate(root, args)),
        Command::Faults { vendor } => faults(vendor.as_deref()),
        Command::Coverage { format } => coverage(&root, &format),
        Command::Report { input, out } => report(&root, &input, out),
    }
}

/// A failing check fails its step by panicking; cucumber catches the panic and reports
/// its message. The default hook would print every one a second time on stderr, so
/// panics raised by step failures (and by insta's assertion, which is caught and
/// reported as drift) are not printed; any other panic still is.
fn quiet_step_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let file = info.location().map(|l| l.file()).unwrap_or("");
        let is_step_failure = file.ends_with("steps/world.rs") || file.contains("/insta-");
        if !is_step_failure {
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
        console: Console::Stdout,
        ..RunOptions::default()
    };
    match runner::run(opts).await {
        Ok(result) => {
            let mut out = std::io::stdout().lock();
            runner::print_summary(&result, &mut out);
            let _ = out.flush();
            result.exit_code()
        }
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

async fn emulate(root: PathBuf, args: EmulateArgs) -> i32 {
    use crate::emulators::{self, server::EmulatorServer};
    if !emulators::VENDORS.contains(&args.vendor.as_str()) {
        eprintln!(
            "error: no emulator for `{}` (available: {})",
            args.vendor,
            emulators::VENDORS.join(", ")
        );
        return 2;
    }
    let name = args
        .profile
        .unwrap_or_else(|| format!("{}-emulated", args.vendor));
    let profile = match crate::profile::locate(&root, &name)
        .map_err(|e| e.to_string())
        .and_then(|p| crate::profile::load(&p).map_err(|e| e.to_string()))
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let listener = match std::net::TcpListener::bind(("127.0.0.1", args.port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return 2;
        }
    };
    let tenant = crate::target::tenant_for(&profile);
    let emu = match emulators::create(&args.vendor, tenant, &args.faults) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let server = EmulatorServer::start_on(emu, listener).await;
    let base = server.uri();
    println!("{} emulator listening on {base}", args.vendor);
    println!("profile: {} ({})", profile.name, profile.path.display());
    let e = &profile.spec.endpoints;
    for (what, path) in [
        ("authorize", &e.authorize),
        ("token", &e.token),
        ("keys", &e.keys),
        ("introspect", &e.introspect),
        ("revoke", &e.revoke),
        ("logout", &e.logout),
        ("fhir base", &e.fhir_base),
    ] {
        if let Some(p) = path {
            println!("  {what:<10} {base}{p}");
        }
    }
    println!("registered clients:");
    for (role, c) in &profile.spec.clients {
        println!("  {role:<20} id {} ({})", c.id, c.auth.as_str());
    }
    if !profile.generated_vars.is_empty() {
        println!(
            "secrets for {} were generated for this session; set those variables to choose them",
            profile.generated_vars.join(", ")
        );
    }
    if !args.faults.is_empty() {
        println!("faults on: {}", args.faults.join(", "));
    }
    println!("press Ctrl-C to stop");
    let _ = tokio::signal::ctrl_c().await;
    0
}

fn coverage(root: &std::path::Path, format: &str) -> i32 {
    match crate::report::coverage::build(root, &[], &crate::report::lint_rule_ids()) {
        Ok(c) => {
            if format == "json" {
                println!("{}", serde_json::to_string_pretty(&c).unwrap_or_default());
            } else {
                print!("{}", crate::report::coverage::render_text(&c));
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
            println!("wrote {}", out.display());
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
        Some(v) if crate::emulators::VENDORS.contains(&v) => vec![v],
        Some(v) => {
            eprintln!("error: no emulator for `{v}`");
            return 2;
        }
        None => crate::emulators::VENDORS.to_vec(),
    };
    for v in vendors {
        println!("{v}:");
        for f in crate::emulators::faults(v) {
            println!("  {:<36} {}", f.name, f.breaks);
        }
    }
    0
}
