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

/// `grantcheck emulate` running for a test, killed when dropped.
pub struct Emulate {
    pub child: std::process::Child,
    /// `http://127.0.0.1:PORT` (or `https://…` with `--tls`).
    pub origin: String,
    /// The banner's lines, up to "press Ctrl-C".
    pub banner: Vec<String>,
}

impl Emulate {
    /// Starts `grantcheck emulate` with `args` (vendor first) and `env`, and reads its
    /// banner; the rest of its output is drained in the background.
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Emulate {
        use std::io::BufRead as _;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_grantcheck"))
            .arg("--root")
            .arg(root())
            .arg("emulate")
            .args(args)
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("grantcheck emulate starts");
        let stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut banner = Vec::new();
        let mut origin = None;
        loop {
            let line = rx
                .recv_timeout(std::time::Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("the banner ended early: {banner:#?}"));
            if origin.is_none()
                && let Some((_, o)) = line.split_once(" emulator listening on ")
            {
                origin = Some(o.trim().to_string());
            }
            let last = line.starts_with("press Ctrl-C");
            banner.push(line);
            if last {
                break;
            }
        }
        std::thread::spawn(move || while rx.recv().is_ok() {});
        Emulate {
            child,
            origin: origin.expect("the banner names the origin"),
            banner,
        }
    }

    /// Stops it as a CI job does (SIGTERM) and returns its exit code.
    pub fn stop(mut self) -> i32 {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().expect("it stops").code().unwrap_or(-1)
    }
}

impl Drop for Emulate {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a person does at a plain sign-in page: from the authorization URL `url`,
/// signs in as `username`/`password`, approves, and comes back to `redirect` with the
/// redirect's parameters; `client` is the HTTP client (one trusting a `--tls`
/// emulator's authority, say). The session is returned for the app's next requests.
pub async fn person_signs_in(
    client: reqwest::Client,
    url: url::Url,
    redirect: &str,
    username: &str,
    password: &str,
) -> (
    grantcheck_core::login::LoginOutcome,
    grantcheck_core::http::Session,
) {
    let mut session = grantcheck_core::http::Session::new(
        client,
        grantcheck_core::redact::Redactor::new(Vec::<String>::new()),
        std::sync::Arc::new(grantcheck_core::http::Counters::default()),
        None,
    );
    let opts = grantcheck_core::login::LoginOptions {
        username: username.into(),
        password: password.into(),
        username_field: "username".into(),
        password_field: "password".into(),
        approve: None,
        deny: None,
        consent_scope_field: "scope".into(),
        withhold: vec![],
        refuse: false,
    };
    let (outcome, _) = grantcheck_core::login::drive(&mut session, url, redirect, &opts)
        .await
        .expect("the sign-in runs");
    (outcome, session)
}

/// A form's pairs as `post_form` takes them.
pub fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
