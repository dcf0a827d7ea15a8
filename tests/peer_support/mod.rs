//! What the real-peer tests share: start a third-party server on a free loopback
//! port with the profile's clients and users registered (fresh random secrets), run
//! the grantcheck binary against it with its console output shown, check that no
//! generated secret reached a report, and stop the server however the test ends.
//! Each peer test (`harness = false`) supplies its install step and its command line.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::distr::{Alphanumeric, SampleString as _};

/// One real server and the profile that describes it.
pub struct Peer {
    /// The test target's name (`peer_oidc_provider`).
    pub name: &'static str,
    /// The profile in profiles/ (without `.yaml`).
    pub profile: &'static str,
    /// The profile's `base_url` variable: the server's origin, known once it listens.
    pub url_var: &'static str,
    /// The peer's folder under tests/peers/.
    pub dir: &'static str,
    /// Program and arguments, run in the peer's folder; the port argument (0) last.
    pub command: Vec<String>,
    /// The line the server prints when it listens, before its origin.
    pub ready_prefix: &'static str,
    /// A path that answers 200 once the server is ready.
    pub ready_path: &'static str,
    /// A log line containing this is an internal error of the server, shown.
    pub error_marker: &'static str,
    pub start_timeout: Duration,
    pub run_timeout: Duration,
}

pub type Timings = Vec<(&'static str, Duration)>;

/// Runs the peer test: `install` prepares the peer folder (and reports what it did).
pub fn main(
    peer: Peer,
    install: impl FnOnce(&Path, &mut Timings) -> Result<(), String>,
) -> ExitCode {
    let Some(args) = parse_args(peer.name) else {
        return ExitCode::SUCCESS;
    };
    match run(&peer, args, install) {
        Ok(()) => {
            println!("{}: pass", peer.name);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}: FAIL: {e}", peer.name);
            ExitCode::FAILURE
        }
    }
}

/// `tool --version`, or what to install.
pub fn tool_version(tool: &str, flag: &str, install: &str) -> Result<String, String> {
    let out = Command::new(tool)
        .arg(flag)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("`{tool}` is not runnable ({e}): {install}"))?;
    if !out.status.success() {
        return Err(format!(
            "`{tool} {flag}` failed ({}): {install}",
            out.status
        ));
    }
    let text = if out.stdout.is_empty() {
        out.stderr
    } else {
        out.stdout
    };
    Ok(String::from_utf8_lossy(&text).trim().to_string())
}

pub fn mtime(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

pub struct Args {
    accept: bool,
    tags: Option<String>,
}

/// Reads our options; returns `None` when libtest-style arguments ask for nothing to
/// run (`--list`, or a name filter that does not match this target).
fn parse_args(name: &str) -> Option<Args> {
    let mut args = Args {
        accept: false,
        tags: None,
    };
    let mut filters = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--accept" => args.accept = true,
            "--tags" => args.tags = it.next(),
            "--list" => {
                println!("{name}: test");
                return None;
            }
            s if s.starts_with('-') => {}
            s => filters.push(s.to_string()),
        }
    }
    if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
        println!("{name}: filtered out");
        return None;
    }
    Some(args)
}

fn run(
    peer: &Peer,
    args: Args,
    install: impl FnOnce(&Path, &mut Timings) -> Result<(), String>,
) -> Result<(), String> {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = std::env::var_os("GRANTCHECK_PEER_ROOT").map_or(crate_dir.clone(), PathBuf::from);
    let peer_dir = crate_dir.join("tests/peers").join(peer.dir);
    let mut timings: Timings = Vec::new();

    install(&peer_dir, &mut timings)?;

    // Resolve the profile once with a fresh random value for every variable it
    // references (its client secrets and the user's password); the origin is not
    // known yet and does not affect the registrations.
    let profile_path = root.join("profiles").join(format!("{}.yaml", peer.profile));
    let vars = RefCell::new(BTreeMap::<String, String>::new());
    let lookup = |name: &str| -> Option<String> {
        if name == peer.url_var {
            return Some("http://127.0.0.1:0".into());
        }
        let mut vars = vars.borrow_mut();
        let value = vars
            .entry(name.to_string())
            .or_insert_with(|| format!("gc-{}", Alphanumeric.sample_string(&mut rand::rng(), 32)));
        Some(value.clone())
    };
    let profile = grantcheck::profile::load_with_env(&profile_path, &lookup)
        .map_err(|e| format!("cannot load the profile: {e}"))?;
    let mut vars = vars.into_inner();
    let clients = client_registrations(&profile);
    let users = user_registrations(&profile);

    let t = Instant::now();
    let server = PeerServer::start(peer, &peer_dir, &clients, &users)?;
    timings.push(("server start", t.elapsed()));
    println!("{}", server.ready_line);
    vars.insert(peer.url_var.into(), server.origin.clone());

    let reports = tempfile::Builder::new()
        .prefix("grantcheck-peer-")
        .tempdir()
        .map_err(|e| format!("temp dir: {e}"))?;
    let snapshot_copy;
    let snapshot_dir = if args.accept {
        root.join("snapshots")
    } else {
        snapshot_copy = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
        copy_snapshots(&root.join("snapshots"), snapshot_copy.path())?;
        snapshot_copy.path().to_path_buf()
    };

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grantcheck"));
    cmd.current_dir(&root)
        .arg("--root")
        .arg(&root)
        .arg("run")
        .arg("--profile")
        .arg(&profile_path)
        .arg("--report-dir")
        .arg(reports.path())
        .arg("--snapshot-dir")
        .arg(&snapshot_dir)
        .envs(&vars);
    if args.accept {
        cmd.arg("--accept");
    }
    if let Some(tags) = &args.tags {
        cmd.arg("--tags").arg(tags);
    }
    println!(
        "{}: grantcheck run --profile {} against {}",
        peer.name, peer.profile, server.origin
    );
    let _ = std::io::stdout().flush();
    let t = Instant::now();
    let status = run_with_timeout(&mut cmd, peer.run_timeout)?;
    timings.push(("grantcheck run", t.elapsed()));

    let server_errors = server.log_lines_containing(peer.error_marker);
    let stopped = server.stop();
    if !server_errors.is_empty() {
        println!("{}: the server reported internal errors:", peer.name);
        for line in &server_errors {
            println!("  {line}");
        }
    }
    let leaked = find_secrets(reports.path(), &vars, peer.url_var);

    println!("{}: timings", peer.name);
    for (what, d) in &timings {
        println!("  {what:<30} {:>8.2} s", d.as_secs_f64());
    }
    if !stopped.is_empty() {
        println!("{}: {stopped}", peer.name);
    }
    let keep_reports = |why: &str| -> String {
        let dir = reports.keep();
        format!("{why}; the reports are kept in {}", dir.display())
    };
    if !leaked.is_empty() {
        return Err(keep_reports(&format!(
            "a generated secret appears in {}",
            leaked.join(", ")
        )));
    }
    match status {
        Some(0) => Ok(()),
        Some(code) => {
            let meaning = match code {
                1 => "a conformance check failed",
                2 => "usage or configuration error",
                3 => "payload drift only (review, then `-- --accept`)",
                4 => "blocked: the server could not be reached or signed in to",
                _ => "unexpected exit status",
            };
            Err(keep_reports(&format!(
                "grantcheck exited {code}: {meaning}"
            )))
        }
        None => Err(keep_reports("grantcheck was killed by a signal")),
    }
}

/// The profile's clients as RFC 7591 client metadata, for server.mjs.
pub fn client_registrations(profile: &grantcheck::profile::Profile) -> String {
    let spec = &profile.spec;
    let list: Vec<serde_json::Value> = spec
        .clients
        .values()
        .map(|c| {
            let mut m = serde_json::json!({
                "client_id": c.id,
                "token_endpoint_auth_method": c.auth.as_str(),
                "redirect_uris": c.redirect_uris.clone()
                    .unwrap_or_else(|| vec![spec.redirect_uri.clone()]),
            });
            if let Some(g) = &c.grant_types {
                m["grant_types"] = serde_json::json!(g);
            }
            if let Some(s) = &c.secret {
                m["client_secret"] = serde_json::json!(s);
            }
            if let Some(jwk) = c.assertion_key.as_ref().and_then(|k| k.public_jwk().ok()) {
                m["jwks"] = serde_json::json!({ "keys": [jwk] });
            }
            m
        })
        .collect();
    serde_json::Value::Array(list).to_string()
}

/// The profile's users, for the server to create (`[{"username", "password"}]`).
fn user_registrations(profile: &grantcheck::profile::Profile) -> String {
    let list: Vec<serde_json::Value> = profile
        .spec
        .users
        .values()
        .map(|u| serde_json::json!({"username": u.username, "password": u.password}))
        .collect();
    serde_json::Value::Array(list).to_string()
}

/// The running server; stopped (SIGTERM, then SIGKILL) when dropped, so a failure or a
/// panic anywhere above never leaves it behind.
struct PeerServer {
    child: Option<Child>,
    origin: String,
    ready_line: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl PeerServer {
    fn start(peer: &Peer, peer_dir: &Path, clients: &str, users: &str) -> Result<Self, String> {
        let program = peer_dir.join(&peer.command[0]);
        let program = if program.exists() {
            program
        } else {
            PathBuf::from(&peer.command[0])
        };
        let what = peer.command.join(" ");
        let ready_prefix = peer.ready_prefix;
        let mut child = Command::new(&program)
            .args(&peer.command[1..])
            .current_dir(peer_dir)
            .env("GRANTCHECK_PEER_CLIENTS", clients)
            .env("GRANTCHECK_PEER_USERS", users)
            .env_remove("PORT")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {what}: {e}"))?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = mpsc::channel::<String>();
        // Both pipes are drained for the server's whole life, so it never blocks on a
        // full pipe; the lines are kept for the failure message.
        if let Some(out) = child.stdout.take() {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    if line.starts_with(ready_prefix) {
                        let _ = ready_tx.send(line.clone());
                    }
                    log.lock().unwrap_or_else(|p| p.into_inner()).push(line);
                }
            });
        }
        if let Some(err) = child.stderr.take() {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in BufReader::new(err).lines().map_while(Result::ok) {
                    log.lock().unwrap_or_else(|p| p.into_inner()).push(line);
                }
            });
        }
        let mut server = Self {
            child: Some(child),
            origin: String::new(),
            ready_line: String::new(),
            log,
        };
        let deadline = Instant::now() + peer.start_timeout;
        loop {
            match ready_rx.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => {
                    server.origin = line
                        .rsplit(' ')
                        .next()
                        .filter(|u| u.starts_with("http://127.0.0.1:"))
                        .ok_or_else(|| format!("unexpected ready line `{line}`"))?
                        .to_string();
                    server.ready_line = line;
                    break;
                }
                Err(_) => {
                    if let Some(status) = server.exited() {
                        return Err(server.failure(&format!("{what} exited ({status})")));
                    }
                    if Instant::now() > deadline {
                        return Err(server.failure(&format!(
                            "{what} did not announce itself in {} s",
                            peer.start_timeout.as_secs()
                        )));
                    }
                }
            }
        }
        loop {
            match http_status(&server.origin, peer.ready_path) {
                Ok(200) => return Ok(server),
                other => {
                    if Instant::now() > deadline {
                        return Err(server.failure(&format!(
                            "{} did not answer 200 in {} s (last: {other:?})",
                            peer.ready_path,
                            peer.start_timeout.as_secs()
                        )));
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
    }

    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }

    /// `what`, with the server's output.
    fn failure(&self, what: &str) -> String {
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        let tail = log.len().saturating_sub(40);
        format!("{what}; server output:\n{}", log[tail..].join("\n"))
    }

    fn log_lines_containing(&self, needle: &str) -> Vec<String> {
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.iter().filter(|l| l.contains(needle)).cloned().collect()
    }

    /// Stops the server; returns a note when it did not exit cleanly on SIGTERM.
    fn stop(mut self) -> String {
        self.terminate()
    }

    fn terminate(&mut self) -> String {
        let Some(mut child) = self.child.take() else {
            return String::new();
        };
        if let Ok(Some(status)) = child.try_wait() {
            return format!("the server had already exited ({status})");
        }
        // std can only SIGKILL; ask politely first, by this child's own pid.
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return if status.success() {
                    String::new()
                } else {
                    format!("the server exited {status} on SIGTERM")
                };
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        "the server ignored SIGTERM for 5 s and was killed".into()
    }
}

impl Drop for PeerServer {
    fn drop(&mut self) {
        self.terminate();
    }
}

/// Status code of a plain `GET origin+path` (HTTP/1.1 over a loopback socket).
fn http_status(origin: &str, path: &str) -> Result<u16, String> {
    let host = origin.trim_start_matches("http://");
    let mut s = TcpStream::connect(host).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(2)))
        .map_err(|e| e.to_string())?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut head = [0u8; 64];
    let n = s.read(&mut head).map_err(|e| e.to_string())?;
    let line = String::from_utf8_lossy(&head[..n]);
    line.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("not an HTTP response: {line:?}"))
}

/// Runs `cmd` with inherited output; `None` if it was killed (signal or timeout).
fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> Result<Option<i32>, String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run grantcheck: {e}"))?;
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Ok(status.code());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "grantcheck did not finish in {} s and was killed",
                timeout.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn copy_snapshots(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("mkdir {}: {e}", to.display()))?;
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_snapshots(&p, &to.join(e.file_name()))?;
        } else if p.extension().is_some_and(|x| x == "snap") {
            std::fs::copy(&p, to.join(e.file_name()))
                .map_err(|err| format!("copy {}: {err}", p.display()))?;
        }
    }
    Ok(())
}

/// Files under `dir` that contain one of the generated secrets.
fn find_secrets(dir: &Path, vars: &BTreeMap<String, String>, url_var: &str) -> Vec<String> {
    let secrets: Vec<&str> = vars
        .iter()
        .filter(|(k, _)| k.as_str() != url_var)
        .map(|(_, v)| v.as_str())
        .collect();
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                let text = String::from_utf8_lossy(&bytes);
                if secrets.iter().any(|s| text.contains(s)) {
                    hits.push(p.display().to_string());
                }
            }
        }
    }
    hits
}
