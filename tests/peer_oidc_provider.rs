//! grantcheck against a real third-party server: panva's oidc-provider (npm), pinned in
//! tests/peers/oidc-provider/package.json and run in its stock configuration.
//!
//! `cargo test --test peer_oidc_provider` installs the package with `npm ci` when
//! needed, starts `node server.mjs` on a free loopback port with clients registered
//! from profiles/oidc-provider.yaml and fresh random secrets, waits for its discovery
//! document, and runs the grantcheck binary against it with the console output shown.
//! The server is stopped however this ends. Exit status: 0 when grantcheck exits 0.
//!
//! Options (after `--`): `--accept` records the observed payloads as the baseline in
//! snapshots/oidc-provider/ (otherwise a temporary copy of snapshots/ is used, so a
//! failing run leaves the working tree alone); `--tags EXPR` passes a tag expression on.
//! `GRANTCHECK_PEER_ROOT=DIR` runs the features, profiles and snapshots of another
//! project directory (for trying out features before they land).
//!
//! This target has `harness = false`, so nothing it prints is captured.

mod peer_support;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use peer_support::{Peer, Timings, mtime, tool_version};

const NAME: &str = "peer_oidc_provider";
/// Oldest Node.js major this is known to work with (oidc-provider 9 asks for 22 LTS
/// and later, and runs on 20 with a warning).
const MIN_NODE_MAJOR: u32 = 20;
const INSTALL: &str = "install Node.js 20 or later with npm (Debian/Ubuntu: \
                       `apt-get install nodejs npm`; or https://nodejs.org)";

fn main() -> ExitCode {
    let peer = Peer {
        name: NAME,
        profile: "oidc-provider",
        url_var: "GRANTCHECK_OIDC_PROVIDER_URL",
        dir: "oidc-provider",
        command: vec!["node".into(), "server.mjs".into(), "0".into()],
        ready_prefix: "grantcheck-peer oidc-provider ",
        ready_path: "/.well-known/openid-configuration",
        error_marker: "server_error",
        start_timeout: Duration::from_secs(20),
        run_timeout: Duration::from_secs(600),
    };
    peer_support::main(peer, install)
}

fn install(peer_dir: &Path, timings: &mut Timings) -> Result<(), String> {
    let node = tool_version("node", "--version", INSTALL)?;
    check_node_version(&node)?;
    let npm = tool_version("npm", "--version", INSTALL)?;
    println!("{NAME}: node {node}, npm {npm}");
    let t = Instant::now();
    let installed = npm_ci_if_needed(peer_dir)?;
    timings.push((
        if installed {
            "npm ci"
        } else {
            "npm ci (up to date, skipped)"
        },
        t.elapsed(),
    ));
    Ok(())
}

fn check_node_version(version: &str) -> Result<(), String> {
    let major = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(m) if m >= MIN_NODE_MAJOR => Ok(()),
        _ => Err(format!(
            "node {version} is too old: oidc-provider 9 needs Node.js {MIN_NODE_MAJOR} or later \
             (Debian/Ubuntu: `apt-get install nodejs npm`, or https://nodejs.org)"
        )),
    }
}

/// Runs `npm ci` when node_modules is missing or older than package-lock.json.
fn npm_ci_if_needed(peer_dir: &Path) -> Result<bool, String> {
    let lock = peer_dir.join("package-lock.json");
    let modules = peer_dir.join("node_modules");
    // npm ci writes node_modules/.package-lock.json last.
    let installed = mtime(&modules.join(".package-lock.json")).or_else(|| mtime(&modules));
    let lock_time = mtime(&lock).ok_or_else(|| format!("{} is missing", lock.display()))?;
    if installed.is_some_and(|i| i >= lock_time) {
        return Ok(false);
    }
    println!("{NAME}: npm ci in {}", peer_dir.display());
    let _ = std::io::stdout().flush();
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(peer_dir)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run npm: {e}"))?;
    if !status.success() {
        return Err(format!(
            "`npm ci` in {} failed ({status}); it needs the npm registry (or a warm cache)",
            peer_dir.display()
        ));
    }
    Ok(true)
}
