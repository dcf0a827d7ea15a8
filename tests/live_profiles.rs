//! Every shipped live profile runs end to end: each is pointed at a loopback stand-in
//! (`grantcheck emulate <vendor> --profile <live profile>`, which registers the
//! profile's own clients and users) through the same environment variables a user
//! sets, and the vendor's own features (what the stand-in models) run against it
//! with nothing failed or blocked. The standards features are proven against the
//! reference emulator and the real peers instead: a vendor stand-in is not strict.

mod common;

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use grantcheck::runner::{Outcome, RunResult};

/// The emulator serving a live profile; killed when dropped.
struct StandIn(Child);

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts `grantcheck emulate VENDOR --profile PROFILE` (with `extra` arguments) on
/// `port` with `env`, and waits for its "listening" line.
fn stand_in(
    vendor: &str,
    profile: &str,
    port: u16,
    env: &HashMap<String, String>,
    extra: &[&str],
) -> StandIn {
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .arg("--root")
        .arg(common::root())
        .args(["emulate", vendor, "--profile", profile, "--port"])
        .arg(port.to_string())
        .args(extra)
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("grantcheck emulate starts");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if line.contains("listening on") {
                let _ = tx.send(line);
            }
        }
    });
    let started = Instant::now();
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("{vendor} stand-in did not start in 30 s"));
    assert!(line.contains(&format!("127.0.0.1:{port}")), "{line}");
    assert!(started.elapsed() < Duration::from_secs(30));
    StandIn(child)
}

/// Nothing failed or blocked; every skip has a reason.
fn assert_clean(profile: &str, result: &RunResult, min_passed: usize) {
    let bad = common::failed_or_blocked(result);
    assert!(bad.is_empty(), "{profile}: {bad:#?}");
    for r in &result.records {
        if let Outcome::Skipped { reason } = &r.outcome {
            assert!(
                !reason.trim().is_empty(),
                "{profile}: {} has no reason",
                r.scenario
            );
        }
    }
    let t = result.totals();
    assert!(t.passed >= min_passed, "{profile}: {t:?}");
}

/// A shipped live profile of a registry vendor: `(profile name, vendor id)`.
fn live_vendor_profiles() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(common::root().join("profiles")).expect("profiles/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("profile");
        let field = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
        };
        let (Some(vendor), Some(env)) = (field("vendor:"), field("environment:")) else {
            continue;
        };
        let live = matches!(env.as_str(), "preview" | "sandbox" | "production");
        if live && grantcheck_core::vendors::by_id(&vendor).is_some() {
            let name = path
                .file_stem()
                .expect("stem")
                .to_string_lossy()
                .into_owned();
            out.push((name, vendor));
        }
    }
    out.sort();
    out
}

/// The variables `tests/fixtures/stand-ins/PROFILE.env` gives, with `{origin}` and
/// `{secret}` filled in, and the number of scenarios that must pass.
fn stand_in_env(profile: &str, port: u16) -> (HashMap<String, String>, usize) {
    let path = common::root().join(format!("tests/fixtures/stand-ins/{profile}.env"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "live profile {profile} has no {}: every shipped live profile must run against a stand-in",
            path.display()
        )
    });
    let mut env = HashMap::new();
    let mut min_passed = 1;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = line.split_once('=').expect("KEY=value");
        if k == "min_passed" {
            min_passed = v.parse().expect("min_passed is a number");
            continue;
        }
        let v = v
            .replace("{origin}", &format!("http://127.0.0.1:{port}"))
            .replace("{secret}", &format!("standin-{i}-{}", free_port()));
        env.insert(k.to_string(), v);
    }
    (env, min_passed)
}

/// `profiles/<profile>.yaml` copied into `dir` under the same file name (so the same
/// baselines apply) with the login the stand-in's plain HTML sign-in page takes: the
/// shipped live profiles sign in with the browser driver on their vendor's own page,
/// whose markup a stand-in does not copy (the `form` driver posts the same
/// credentials; `tests/browser_login.rs` proves the two drivers agree).
fn with_form_login(dir: &std::path::Path, profile: &str) -> String {
    let text = std::fs::read_to_string(common::root().join(format!("profiles/{profile}.yaml")))
        .expect("profile");
    assert!(
        text.contains("\nlogin:\n  method: browser\n"),
        "{profile}: a shipped live profile signs in with the browser driver"
    );
    let mut out = Vec::new();
    let mut in_browser = false;
    for line in text.lines() {
        if line == "  browser:" {
            in_browser = true;
            continue;
        }
        // The block ends at the next key of `login` or of the profile.
        if in_browser && (line.starts_with("    ") || line.trim().is_empty()) {
            continue;
        }
        in_browser = false;
        out.push(if line == "  method: browser" {
            "  method: form"
        } else {
            line
        });
    }
    let path = dir.join(format!("{profile}.yaml"));
    std::fs::write(&path, out.join("\n") + "\n").expect("write profile");
    path.to_string_lossy().into_owned()
}

/// Each live profile of a registry vendor, against a stand-in of that vendor, runs the
/// vendor's own features with nothing failed or blocked.
#[test]
fn every_live_vendor_profile_runs_end_to_end_against_a_stand_in() {
    let profiles = live_vendor_profiles();
    assert!(
        profiles.len() >= grantcheck_core::vendors::ALL.len(),
        "a live profile per vendor: {profiles:?}"
    );
    // Side by side, as the vendors' stand-ins share nothing.
    std::thread::scope(|scope| {
        for (profile, vendor) in &profiles {
            scope.spawn(move || {
                let port = free_port();
                let (env, min_passed) = stand_in_env(profile, port);
                let _server = stand_in(vendor, profile, port, &env, &[]);
                let dir = tempfile::tempdir().unwrap();
                let copy = with_form_login(dir.path(), profile);
                let reports = tempfile::tempdir().unwrap();
                // A live profile paces requests for the live server's quota; a
                // stand-in has none.
                let (result, _snaps) = common::run_with(
                    &[copy.as_str()],
                    &[],
                    Some(&format!("@vendor-{vendor}")),
                    reports.path(),
                    Some(env),
                    true,
                );
                assert_clean(profile, &result, min_passed);
            });
        }
    });
}

/// Each shipped live profile's `login.method` fits its vendor's sign-in page: against a
/// stand-in serving the script-built page (`emulate --sign-in script`), `lint --online`
/// finds that the page needs the browser driver and that the profile uses it, and
/// prints none of the profile's secrets.
#[test]
fn every_live_vendor_profile_signs_in_where_a_script_builds_the_form() {
    for (profile, vendor) in live_vendor_profiles() {
        let port = free_port();
        let (env, _) = stand_in_env(&profile, port);
        let _server = stand_in(&vendor, &profile, port, &env, &["--sign-in", "script"]);
        let o = Command::new(env!("CARGO_BIN_EXE_grantcheck"))
            .arg("--root")
            .arg(common::root())
            .args(["lint", "--online", &profile])
            .envs(&env)
            .output()
            .expect("grantcheck lint --online");
        let out = String::from_utf8_lossy(&o.stdout);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{profile}: {out}\n{err}");
        assert!(
            out.contains("needs the `browser` driver"),
            "{profile}: {out}"
        );
        assert!(
            out.contains("login.method: browser: matches"),
            "{profile}: {out}"
        );
        for (name, value) in &env {
            if name.ends_with("_SECRET") || name.ends_with("_PASSWORD") {
                assert!(!out.contains(value.as_str()), "{profile}: {name} printed");
            }
        }
    }
}
