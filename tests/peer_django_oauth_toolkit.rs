//! grantcheck against a second real third-party server: django-oauth-toolkit (PyPI),
//! pinned with hashes in tests/peers/django-oauth-toolkit/requirements.txt, inside a
//! small Django project of ours (OpenID Connect, PKCE required, refresh rotation,
//! introspection, revocation and RFC 8414 metadata on).
//!
//! `cargo test --test peer_django_oauth_toolkit` installs the packages into a virtual
//! environment with `setup.sh` when needed, starts `serve.py` on a free loopback port
//! with the clients and the user of profiles/django-oauth-toolkit.yaml registered
//! (fresh random secrets), signs in through its own login page with the `form` driver,
//! and runs the grantcheck binary against it. Options as for peer_oidc_provider
//! (`-- --accept`, `-- --tags EXPR`).

mod peer_support;

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use peer_support::{Peer, Timings, tool_version};

const NAME: &str = "peer_django_oauth_toolkit";
const INSTALL: &str = "install Python 3.10 or later with venv (Debian/Ubuntu: \
                       `apt-get install python3 python3-venv`)";

fn main() -> ExitCode {
    let peer = Peer {
        name: NAME,
        profile: "django-oauth-toolkit",
        url_var: "GRANTCHECK_DOT_URL",
        dir: "django-oauth-toolkit",
        command: vec![".venv/bin/python".into(), "serve.py".into(), "0".into()],
        ready_prefix: "grantcheck-peer django-oauth-toolkit ",
        ready_path: "/.well-known/oauth-authorization-server/o",
        // Django logs an unexpected failure (a 500) with its traceback.
        error_marker: "Traceback",
        // Migrations and password hashing take 5-8 s on two busy cores.
        start_timeout: Duration::from_secs(60),
        run_timeout: Duration::from_secs(900),
    };
    peer_support::main(peer, install)
}

/// `sh setup.sh`: a virtual environment from the hash-pinned requirements, made once
/// and reused while requirements.txt is unchanged.
fn install(peer_dir: &Path, timings: &mut Timings) -> Result<(), String> {
    let python = tool_version("python3", "--version", INSTALL)?;
    println!("{NAME}: {python}");
    let t = Instant::now();
    let status = Command::new("sh")
        .arg("setup.sh")
        .current_dir(peer_dir)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run sh setup.sh: {e}"))?;
    if !status.success() {
        return Err(format!(
            "`sh setup.sh` in {} failed ({status}): it needs python3 with venv ({INSTALL}) \
             and PyPI or a warm pip cache",
            peer_dir.display()
        ));
    }
    timings.push(("setup.sh (venv, pip)", t.elapsed()));
    Ok(())
}
