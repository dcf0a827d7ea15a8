//! `grantcheck emulate`: one vendor emulator served for an app under development, on
//! plain HTTP or TLS, with everything the app's configuration needs printed at start
//! and every request it sends logged with what a vendor's server would make of it.

pub mod app_log;
pub mod app_test;

use std::path::PathBuf;
use std::sync::Arc;

use crate::cli::EmulateArgs;
use crate::emulators::{self, server::EmulatorServer, server::ServeOptions, tls::RunCertificate};
use crate::profile::Profile;
use crate::target::Target;

/// Runs the command until Ctrl-C or SIGTERM; the exit code follows the request log's
/// findings (1 for an error among them), 2 for bad input.
pub async fn run(root: PathBuf, args: EmulateArgs) -> i32 {
    if !emulators::names().contains(&args.vendor.as_str()) {
        eprintln!(
            "error: no emulator for `{}` (available: {})",
            args.vendor,
            emulators::names().join(", ")
        );
        return 2;
    }
    for uri in &args.redirect_uris {
        if let Err(e) = check_redirect_uri(uri) {
            eprintln!("error: --redirect-uri {uri}: {e}");
            return 2;
        }
    }
    let name = args
        .profile
        .clone()
        .unwrap_or_else(|| format!("{}-emulated", args.vendor));
    let mut profile = match crate::profile::locate(&root, &name)
        .map_err(|e| e.to_string())
        .and_then(|p| crate::profile::load(&p).map_err(|e| e.to_string()))
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    // Every client may send the browser back to the app's own redirect URIs too.
    for c in profile.spec.clients.values_mut() {
        let mut uris = c
            .redirect_uris
            .clone()
            .unwrap_or_else(|| vec![profile.spec.redirect_uri.clone()]);
        uris.extend(args.redirect_uris.iter().cloned());
        c.redirect_uris = Some(uris);
    }
    let bind = |port: u16| std::net::TcpListener::bind(("127.0.0.1", port));
    let (listener, front) = match (args.tls, bind(args.port)) {
        (_, Err(e)) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return 2;
        }
        (false, Ok(l)) => (l, None),
        // The TLS front takes the asked-for port; the emulator listens behind it.
        (true, Ok(front)) => match bind(0) {
            Ok(l) => (l, Some(front)),
            Err(e) => {
                eprintln!("error: cannot listen on 127.0.0.1: {e}");
                return 2;
            }
        },
    };
    let port_of = |l: &std::net::TcpListener| l.local_addr().map(|a| a.port()).unwrap_or(0);
    let origin = match &front {
        Some(f) => format!("https://127.0.0.1:{}", port_of(f)),
        None => format!("http://127.0.0.1:{}", port_of(&listener)),
    };
    let mut tenant = crate::target::tenant_for(&profile);
    if let Some(mode) = args.sign_in.as_deref().and_then(emulators::SignIn::parse) {
        tenant.sign_in = mode;
    }
    let sign_in = tenant.sign_in;
    let emu = match emulators::create(&args.vendor, tenant, &args.faults) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let log = match app_log::AppLog::new(&origin, Some(profile.spec.vendor), args.record.as_deref())
    {
        Ok(l) => Arc::new(l),
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let ca = match front {
        Some(front) => match start_tls(front, &listener, args.record.as_deref()) {
            Ok(ca) => Some(ca),
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        },
        None => None,
    };
    let app_test = match args.app_test.as_deref() {
        None => None,
        Some(name) => match app_test::Mode::parse(name) {
            Some(mode) => Some(Arc::new(app_test::AppTest::new(mode, emu.id_token_key()))),
            None => {
                eprintln!(
                    "error: --app-test {name}: no such mode (modes: {})",
                    app_test::Mode::ALL
                        .iter()
                        .map(|m| m.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                return 2;
            }
        },
    };
    let observer_log = log.clone();
    let observer_test = app_test.clone();
    let rewrite_test = app_test.clone();
    let options = ServeOptions {
        origin: Some(origin.clone()),
        rewrite: rewrite_test.map(|t| {
            Arc::new(move |req: &emulators::EmuRequest, resp| t.rewrite(req, resp))
                as emulators::server::Rewriter
        }),
        observer: Some(Arc::new(move |req, resp| {
            if let Some(t) = &observer_test {
                t.observe(req);
            }
            observer_log.observe(req, resp);
        })),
    };
    let server = Arc::new(EmulatorServer::start_for_app(emu, listener, options).await);
    println!("{} emulator listening on {origin}", args.vendor);
    if let Some((path, _)) = &ca {
        println!(
            "TLS: a certificate made for this run; trust its authority {} (for example \
             NODE_EXTRA_CA_CERTS, SSL_CERT_FILE or REQUESTS_CA_BUNDLE)",
            path.display()
        );
    }
    if sign_in == emulators::SignIn::Script {
        println!(
            "sign-in: script (the sign-in page builds its form with JavaScript: sign in with a browser)"
        );
    }
    let ca_pem = ca.as_ref().map(|(_, pem)| pem.as_str());
    banner(&profile, server.clone(), &args, ca_pem).await;
    if !args.faults.is_empty() {
        println!("faults on: {}", args.faults.join(", "));
    }
    if let Some(t) = &app_test {
        let (did, must, spec) = t.mode.describe();
        println!(
            "app test {}: the emulator {did}, once; a correct app {must} ({spec})",
            t.mode.name()
        );
    }
    if let Some(dir) = &args.record {
        println!(
            "recording requests to {}",
            dir.join("requests.ndjson").display()
        );
    }
    let stop = Stop::listen();
    println!("press Ctrl-C to stop; each request the app sends is shown below");
    log.listen();
    stop.wait().await;
    drop(server);
    let logged = log.finish();
    match &app_test {
        None => logged,
        Some(t) => report_app_test(t, args.record.as_deref()),
    }
}

/// Says how the app did, writes it beside the request log, and gives the exit code:
/// 0 passed (or warned: it skipped a check the specification lets it skip), 1 failed,
/// 4 when the app never got as far as the spoiled step.
fn report_app_test(t: &app_test::AppTest, record: Option<&std::path::Path>) -> i32 {
    use app_test::Verdict;
    let (status, text, code) = match t.verdict() {
        Verdict::Passed(m) => ("passed", m, 0),
        Verdict::Failed(m) => ("failed", m, 1),
        Verdict::Warned(m) => ("warning", m, 0),
        Verdict::NotReached => (
            "not reached",
            "the app never got as far as the step this test spoils: sign in with it while \
             the emulator runs"
                .to_string(),
            4,
        ),
    };
    println!("app test {}: {status}: {text}", t.mode.name());
    if let Some(dir) = record {
        let json = serde_json::json!({"mode": t.mode.name(), "status": status, "detail": text});
        let path = dir.join("app-test.json");
        if let Err(e) = std::fs::write(&path, format!("{json}\n")) {
            eprintln!("error: cannot write {}: {e}", path.display());
        }
    }
    code
}

/// Ctrl-C and SIGTERM (a CI job stopping the emulator), listened for from before the
/// banner says to press Ctrl-C: a stop that comes right after it is not lost.
struct Stop {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Stop {
    fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let signals = signal(SignalKind::interrupt())
                .and_then(|i| signal(SignalKind::terminate()).map(|t| (i, t)))
                .ok();
            Stop { signals }
        }
        #[cfg(not(unix))]
        Stop {}
    }

    async fn wait(self) {
        #[cfg(unix)]
        if let Some((mut interrupt, mut terminate)) = self.signals {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// An absolute `http(s)` URI without a fragment (RFC 6749 §3.1.2).
fn check_redirect_uri(uri: &str) -> Result<(), String> {
    let u = url::Url::parse(uri).map_err(|e| format!("not an absolute URI ({e})"))?;
    if u.fragment().is_some() {
        return Err("a redirect URI has no fragment (RFC 6749 §3.1.2)".into());
    }
    if !u.has_host() {
        return Err("it names no host".into());
    }
    Ok(())
}

/// Makes the run's certificate, writes its authority's PEM (into the record folder,
/// else a folder of its own under the system's temporary folder) and starts the TLS
/// front on `front`, passing connections to `backend`.
fn start_tls(
    front: std::net::TcpListener,
    backend: &std::net::TcpListener,
    record: Option<&std::path::Path>,
) -> Result<(PathBuf, String), String> {
    let cert = RunCertificate::generate()?;
    let pem = cert.ca_pem.clone();
    let port = front.local_addr().map(|a| a.port()).unwrap_or(0);
    let dir = match record {
        Some(d) => d.to_path_buf(),
        None => std::env::temp_dir().join(format!("grantcheck-emulate-{port}")),
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &cert.ca_pem).map_err(|e| format!("cannot write {}: {e}", ca.display()))?;
    let backend = backend
        .local_addr()
        .map_err(|e| format!("the emulator's listener: {e}"))?;
    tokio::spawn(cert.front(front, backend));
    Ok((ca, pem))
}

/// What an app's configuration needs: the issuer and discovery documents, the
/// endpoints, the redirect URIs, scopes and `aud`, the clients with their secrets and
/// the users with their passwords (the emulator's own, made for this session).
async fn banner(
    profile: &Profile,
    server: Arc<EmulatorServer>,
    args: &EmulateArgs,
    ca_pem: Option<&str>,
) {
    println!("profile: {} ({})", profile.name, profile.path.display());
    // The target a run would make of this server (through the TLS front, trusting the
    // run's authority): its resolved endpoints and issuer, as the app will see them.
    let client = match banner_client(ca_pem) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("warning: {e}");
            return;
        }
    };
    let served = Some((server, args.faults.clone()));
    let target = Target::start_with_or_own(profile.clone(), &args.faults, &client, served).await;
    let spec = &profile.spec;
    match &target {
        Ok(t) => {
            println!("issuer      {}", t.issuer);
            // The metadata documents the emulator serves: what a library configures
            // itself from.
            use crate::profile::Discovery;
            for kind in [Discovery::Openid, Discovery::Oauth, Discovery::Smart] {
                let Ok(url) = crate::target::discovery_url(kind, &t.endpoints, &t.issuer) else {
                    continue;
                };
                let served = match url::Url::parse(&url) {
                    Ok(u) => client
                        .get(u)
                        .header("accept", "application/json")
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success()),
                    Err(_) => false,
                };
                if served {
                    println!("discovery   {url}");
                }
            }
            let e = &t.endpoints;
            for (what, url) in [
                ("authorize", &e.authorize),
                ("token", &e.token),
                ("keys", &e.keys),
                ("userinfo", &e.userinfo),
                ("introspect", &e.introspect),
                ("revoke", &e.revoke),
                ("logout", &e.logout),
                ("fhir base", &e.fhir_base),
            ] {
                if let Some(u) = url {
                    println!("  {what:<10} {u}");
                }
            }
        }
        Err(e) => println!("endpoints: could not be read ({e})"),
    }
    println!("scopes      {}", spec.scopes.default);
    if let Some(aud) = &spec.aud {
        let fhir = target
            .as_ref()
            .ok()
            .and_then(|t| t.endpoints.fhir_base.clone())
            .map(|u| u.as_str().trim_end_matches('/').to_string())
            .unwrap_or_default();
        println!("aud         {}", aud.replace("{fhir_base}", &fhir));
    }
    println!("clients (each may redirect to the URIs listed with it):");
    for (role, c) in &spec.clients {
        let secret = c
            .secret
            .as_deref()
            .map(|s| format!("  secret {s}"))
            .unwrap_or_default();
        println!(
            "  {:<20} id {} ({}){secret}",
            role.as_str(),
            c.id,
            c.auth.as_str()
        );
        let uris = c.redirect_uris.clone().unwrap_or_default();
        println!("  {:<20} redirect URIs {}", "", uris.join(", "));
    }
    if !spec.users.is_empty() {
        println!("users:");
        for (role, u) in &spec.users {
            println!(
                "  {role:<20} username {}  password {}",
                u.username, u.password
            );
        }
    }
    if !profile.generated_vars.is_empty() {
        println!(
            "the secrets of {} were made for this session; set those variables to choose them",
            profile.generated_vars.join(", ")
        );
    }
}

fn banner_client(ca_pem: Option<&str>) -> Result<crate::http::Client, String> {
    let timeout = std::time::Duration::from_secs(10);
    match ca_pem {
        Some(pem) => crate::http::build_client_trusting(timeout, pem),
        None => crate::http::build_client(timeout),
    }
}
