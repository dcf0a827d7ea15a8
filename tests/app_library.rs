//! `grantcheck emulate` against relying-party code nobody here wrote: oauth4webapi
//! (npm, pinned in tests/apps/node-rp/package.json), driven by our small script
//! tests/apps/node-rp/app.mjs, completes discovery, authorization code with PKCE,
//! ID token validation (nonce included), userinfo, refresh and revocation against each
//! emulator over `--tls`. Node trusts the run's certificate authority through
//! NODE_EXTRA_CA_CERTS alone; nothing turns a check off. The same script with one
//! deliberate mistake fails as the library reports it, and the request log holds the
//! finding that names the mistake (and the emulator exits 1). Against each
//! `--app-test` mode the library refuses and the emulator reports the app passed,
//! while the script with `--careless` (the checks skipped) is reported failing.
//!
//! Needs Node.js 20 or later and npm; without them each test prints why and passes
//! (CI installs both). `npm ci` runs once per test run, when node_modules is missing
//! or older than package-lock.json.

mod common;

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

const PASSWORD: &str = "app-library-test-password";
const SECRET: &str = "app-library-test-secret";
const ORACLE_TENANT: &str = "ec2458f2-1e24-41c8-b71b-0e701af7583d";
/// The app's redirect URI: registered as `http://127.0.0.1/cb`, used on a port of the
/// app's choosing (RFC 8252 §7.3). Nothing listens there: the script reads the
/// redirect instead of following it.
const REDIRECT: &str = "http://127.0.0.1:49152/cb";
const EVERY_STEP: &[&str] = &[
    "discovery",
    "authorize",
    "callback",
    "code_grant",
    "id_token",
    "userinfo",
    "refresh",
    "revocation",
];

fn app_dir() -> PathBuf {
    common::root().join("tests/apps/node-rp")
}

fn mtime(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Node and npm present and the package installed: `Ok(())`; `Err(reason)` when node
/// or npm is missing (the tests skip). A failing `npm ci` fails the tests.
fn node_ready() -> Result<(), String> {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    READY
        .get_or_init(|| {
            for tool in ["node", "npm"] {
                let found = Command::new(tool)
                    .arg("--version")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success());
                if !found {
                    return Err(format!(
                        "`{tool}` is not installed: install Node.js 20 or later with npm \
                         to run this test (CI does)"
                    ));
                }
            }
            let version = Command::new("node")
                .arg("--version")
                .output()
                .expect("node");
            let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
            let major = version
                .trim_start_matches('v')
                .split('.')
                .next()
                .and_then(|m| m.parse::<u32>().ok());
            assert!(
                major.is_some_and(|m| m >= 20),
                "node {version} is too old: oauth4webapi 3 needs Node.js 20 or later"
            );
            let dir = app_dir();
            let lock = mtime(&dir.join("package-lock.json")).expect("package-lock.json");
            // npm ci writes node_modules/.package-lock.json last.
            let installed = mtime(&dir.join("node_modules/.package-lock.json"));
            if installed.is_none_or(|i| i < lock) {
                let status = Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund"])
                    .current_dir(&dir)
                    .stdin(Stdio::null())
                    .status()
                    .expect("npm runs");
                assert!(
                    status.success(),
                    "`npm ci` in {} failed ({status}); it needs the npm registry or a warm cache",
                    dir.display()
                );
            }
            Ok(())
        })
        .clone()
}

/// Fails the test, saying what to install, when node or npm is missing: like the
/// peer tests, it never skips (CI installs both; see `.ci/run`).
macro_rules! need_node {
    () => {
        if let Err(reason) = node_ready() {
            panic!("{reason}");
        }
    };
}

struct Emulator {
    child: Child,
    origin: String,
    issuer: String,
    record: tempfile::TempDir,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `grantcheck emulate VENDOR --tls --redirect-uri http://127.0.0.1/cb`, with the
/// tests' passwords and secrets, and `extra` arguments.
fn emulate_command(vendor: &str, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grantcheck"));
    cmd.arg("--root")
        .arg(common::root())
        .args([
            "emulate",
            vendor,
            "--tls",
            "--redirect-uri",
            "http://127.0.0.1/cb",
        ])
        .args(extra)
        .env("ATHENA_EMU_PATIENT_PASSWORD", PASSWORD)
        .env("ATHENA_PRACTICE_ID", "195900")
        .env("ATHENA_BRAND_ID", "1")
        .env("REF_EMU_PATIENT_PASSWORD", PASSWORD)
        .env("ORACLE_EMU_CLINICIAN_PASSWORD", PASSWORD)
        .env("ORACLE_EMU_PROVIDER_SECRET", SECRET)
        .env("ORACLE_TENANT_ID", ORACLE_TENANT);
    cmd
}

fn emulate(vendor: &str) -> Emulator {
    emulate_with(vendor, &[])
}

fn emulate_with(vendor: &str, extra: &[&str]) -> Emulator {
    let record = tempfile::tempdir().unwrap();
    let mut child = emulate_command(vendor, extra)
        .arg("--record")
        .arg(record.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("grantcheck emulate starts");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let (mut origin, mut issuer) = (None, None);
    let mut banner = Vec::new();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("the banner ended early: {banner:#?}"));
        banner.push(line.clone());
        if let Some(o) = line.strip_prefix(&format!("{vendor} emulator listening on ")) {
            origin = Some(o.to_string());
        }
        if let Some(i) = line.strip_prefix("issuer ") {
            issuer = Some(i.trim().to_string());
        }
        if line.starts_with("press Ctrl-C") {
            break;
        }
    }
    std::thread::spawn(move || while rx.recv().is_ok() {});
    Emulator {
        child,
        origin: origin.unwrap_or_else(|| panic!("an origin: {banner:#?}")),
        issuer: issuer.unwrap_or_else(|| panic!("an issuer: {banner:#?}")),
        record,
    }
}

/// Stops the emulator as a CI job does (SIGTERM); its exit code.
fn terminate(e: &mut Emulator) -> i32 {
    let _ = Command::new("kill")
        .args(["-TERM", &e.child.id().to_string()])
        .status();
    let status = e.child.wait().expect("the emulator stops");
    status.code().unwrap_or(-1)
}

/// Stops the emulator as a CI job does (SIGTERM); its exit code and request log.
fn stop(mut e: Emulator) -> (i32, Vec<Value>) {
    let code = terminate(&mut e);
    let log = std::fs::read_to_string(e.record.path().join("requests.ndjson")).unwrap();
    let entries = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    (code, entries)
}

/// The app's configuration for each vendor, as the banner gives it.
fn app_args(vendor: &str, e: &Emulator) -> Vec<String> {
    let o = &e.origin;
    let args: Vec<String> = match vendor {
        // The public client, as in tests/emulate_app.rs.
        "athenahealth" => vec![
            "--client-id",
            "0oa-emulated-public",
            "--username",
            "pat.example@example.test",
            "--scope",
            "openid offline_access launch/patient patient/Patient.read",
            "--aud",
            r#"{"PRACTICEID":"195900","COMMUNICATORBRANDID":"1"}"#,
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        "reference" => vec![
            "--client-id".into(),
            "ref-public".into(),
            "--username".into(),
            "ref.patient@example.test".into(),
            "--scope".into(),
            "openid fhirUser offline_access launch/patient patient/Patient.rs".into(),
            "--aud".into(),
            format!("{o}/fhir"),
        ],
        // The provider persona's confidential client (HTTP Basic). Oracle Health's
        // discovery is split: the ID token issuer's OpenID configuration (which the
        // library reads) and the SMART configuration at the FHIR base (which names the
        // revocation endpoint the OpenID document leaves out, CER-13, CER-14).
        // Skipped: userinfo. Oracle Health publishes no userinfo endpoint (CER-14 lists
        // the ID token's claims only; neither document names one, and the emulator
        // serves none), so an app reads the user from the ID token's claims.
        "oracle-health" => vec![
            "--client-id".into(),
            "7c2d9b1e-3a55-4f0b-8e61-2b9f4c7a1d03".into(),
            "--client-secret".into(),
            SECRET.into(),
            "--auth".into(),
            "basic".into(),
            "--username".into(),
            "portercare.clinician".into(),
            "--scope".into(),
            "openid fhirUser profile user/Patient.read online_access".into(),
            "--smart-config".into(),
            format!("{o}/r4/{ORACLE_TENANT}/.well-known/smart-configuration"),
            "--aud".into(),
            format!("{o}/r4/{ORACLE_TENANT}"),
            "--tenant".into(),
            ORACLE_TENANT.into(),
            "--skip".into(),
            "userinfo".into(),
        ],
        other => panic!("no app configuration for {other}"),
    };
    let mut all: Vec<String> = vec![
        "--issuer".into(),
        e.issuer.clone(),
        "--redirect-uri".into(),
        REDIRECT.into(),
        "--password".into(),
        PASSWORD.into(),
    ];
    all.extend(args);
    all
}

/// Runs the script (at most 60 s): its exit success and its JSON line.
fn run_app(e: &Emulator, args: &[String], trust: bool) -> (bool, Value) {
    let mut cmd = Command::new("node");
    cmd.arg("app.mjs")
        .args(args)
        .current_dir(app_dir())
        .env_remove("NODE_TLS_REJECT_UNAUTHORIZED")
        .env_remove("NODE_EXTRA_CA_CERTS")
        .env_remove("NODE_OPTIONS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if trust {
        cmd.env("NODE_EXTRA_CA_CERTS", e.record.path().join("ca.pem"));
    }
    let mut child = cmd.spawn().expect("node runs");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("app.mjs took more than 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stdout.lines().last().unwrap_or_default();
    let report = serde_json::from_str(line)
        .unwrap_or_else(|_| panic!("app.mjs printed no JSON line: {stdout}\n{stderr}"));
    (out.status.success(), report)
}

fn findings(entries: &[Value]) -> Vec<(String, String, String)> {
    entries
        .iter()
        .flat_map(|e| {
            e["findings"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|f| {
                    (
                        f["id"].as_str().unwrap_or_default().to_string(),
                        f["severity"].as_str().unwrap_or_default().to_string(),
                        e["path"].as_str().unwrap_or_default().to_string(),
                    )
                })
        })
        .collect()
}

fn steps(report: &Value) -> Vec<&str> {
    report["steps"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// A clean run: every step the vendor offers done, exit code 0, no error finding.
fn clean_run(vendor: &str, expected: &[&str]) {
    let e = emulate(vendor);
    let args = app_args(vendor, &e);
    let (ok, report) = run_app(&e, &args, true);
    assert!(ok, "{vendor}: the app fails: {report:#}");
    assert_eq!(steps(&report), expected, "{vendor}: {report:#}");
    assert_eq!(report["ok"], true);
    let (code, entries) = stop(e);
    let found = findings(&entries);
    let errors: Vec<_> = found.iter().filter(|f| f.1 == "error").collect();
    assert!(errors.is_empty(), "{vendor}: error findings {errors:?}");
    for f in found.iter().filter(|f| f.1 != "error") {
        eprintln!("{vendor}: warning in the log: {} on {}", f.0, f.2);
    }
    assert_eq!(code, 0, "{vendor}: no error finding, exit 0");
    let log = serde_json::to_string(&entries).unwrap();
    assert!(!log.contains(PASSWORD) && !log.contains(SECRET), "{log}");
    assert!(log.contains("tokens issued"), "{log}");
}

/// The scopes comma-separated: the library reports the authorization error, the log
/// holds LINT-C2 on the authorize request, the emulator exits 1.
fn comma_scopes(vendor: &str, expected_error: &str) {
    let e = emulate(vendor);
    let mut args = app_args(vendor, &e);
    args.extend(["--mistake".into(), "comma-scopes".into()]);
    let (ok, report) = run_app(&e, &args, true);
    assert!(!ok, "{vendor}: the app should fail: {report:#}");
    assert_eq!(report["failed"], "callback", "{report:#}");
    assert_eq!(report["error"]["name"], "AuthorizationResponseError");
    assert_eq!(report["error"]["error"], expected_error, "{report:#}");
    let (code, entries) = stop(e);
    let found = findings(&entries);
    assert!(
        found.iter().any(|(id, sev, path)| id == "LINT-C2"
            && sev == "error"
            && path.ends_with("authorize")),
        "{vendor}: {found:?}"
    );
    assert_eq!(code, 1, "{vendor}: an error finding: exit 1");
}

#[test]
fn athenahealth_completes_every_step() {
    need_node!();
    // Without the run's authority Node refuses the certificate: the trust in the runs
    // below comes from NODE_EXTRA_CA_CERTS and nothing else.
    let e = emulate("athenahealth");
    let (ok, report) = run_app(&e, &app_args("athenahealth", &e), false);
    assert!(!ok, "{report:#}");
    assert_eq!(report["failed"], "discovery", "{report:#}");
    assert!(
        report["error"]["cause"]
            .as_str()
            .is_some_and(|c| c.contains("certificate")),
        "{report:#}"
    );
    drop(e);
    clean_run("athenahealth", EVERY_STEP);
}

#[test]
fn athenahealth_comma_separated_scopes() {
    need_node!();
    comma_scopes("athenahealth", "invalid_scope");
}

#[test]
fn reference_completes_every_step() {
    need_node!();
    clean_run("reference", EVERY_STEP);
}

#[test]
fn reference_comma_separated_scopes() {
    need_node!();
    comma_scopes("reference", "invalid_scope");
}

#[test]
fn oracle_health_completes_every_step_it_offers() {
    need_node!();
    let offered: Vec<&str> = EVERY_STEP
        .iter()
        .copied()
        .filter(|s| *s != "userinfo")
        .collect();
    clean_run("oracle-health", &offered);
}

#[test]
fn oracle_health_comma_separated_scopes() {
    need_node!();
    // The single unknown scope leaves nothing grantable: access_denied with the URN
    // oauth2:grant:denied-by-server.
    comma_scopes("oracle-health", "access_denied");
}

#[test]
fn oracle_health_tenant_typo() {
    need_node!();
    let e = emulate("oracle-health");
    let base = app_args("oracle-health", &e);
    // The typo in every URL the app is configured with: the issuer's OpenID
    // configuration is not found, and the library stops at discovery.
    let mut args = base.clone();
    args.extend(["--mistake".into(), "tenant-typo-issuer".into()]);
    let (ok, report) = run_app(&e, &args, true);
    assert!(!ok, "{report:#}");
    assert_eq!(report["failed"], "discovery", "{report:#}");
    assert_eq!(report["error"]["code"], "OAUTH_RESPONSE_IS_NOT_CONFORM");
    // The typo in the authorize and token URLs the app builds by hand (discovery
    // right): the authorize request comes back with invalid_request and the URN
    // oauth2:grant:unknown-tenant.
    let mut args = base;
    args.extend(["--mistake".into(), "tenant-typo".into()]);
    let (ok, report) = run_app(&e, &args, true);
    assert!(!ok, "{report:#}");
    assert_eq!(report["failed"], "callback", "{report:#}");
    assert_eq!(report["error"]["error"], "invalid_request", "{report:#}");
    let error_uri = report["error"]["cause"]["error_uri"].as_str().unwrap_or("");
    assert!(error_uri.contains("unknown-tenant"), "{report:#}");
    let (code, entries) = stop(e);
    let typo = format!("{ORACLE_TENANT}m");
    let discovery_404 = entries.iter().find(|x| {
        x["status"] == 404
            && x["path"]
                .as_str()
                .is_some_and(|p| p.contains(&typo) && p.ends_with("openid-configuration"))
    });
    let discovery_404 = discovery_404.expect("the mistyped issuer's discovery request is logged");
    // A known gap (see the report of the branch that added this test): a 404 at a
    // tenant-scoped discovery URL gets no finding, though the tenant in its path is
    // not a UUID.
    eprintln!(
        "oracle-health: findings on the mistyped discovery request: {}",
        discovery_404["findings"]
    );
    let found = findings(&entries);
    let on_authorize = |id: &str| {
        found.iter().any(|(i, sev, p)| {
            i == id && sev == "error" && p.contains(&typo) && p.ends_with("authorize")
        })
    };
    // lint: the tenant looks like a UUID but is not one (LINT-C1); explain: the
    // redirect's URN is the catalog's unknown tenant (CER-21).
    assert!(on_authorize("LINT-C1"), "{found:?}");
    assert!(on_authorize("CER-21"), "{found:?}");
    assert_eq!(code, 1, "an error finding: exit 1");
}

// ---- `--app-test MODE`: the library refuses, a careless script does not.

/// Where oauth4webapi refuses what an app-test mode spoils: the step the script stops
/// at and the library's error (its `code` and message, from
/// node_modules/oauth4webapi/build/index.js).
struct Refusal {
    mode: &'static str,
    /// The script's option the refusal needs; `None`: the library's default.
    needs: Option<&'static str>,
    step: &'static str,
    code: &'static str,
    message: &'static str,
}

/// Every mode `grantcheck emulate --app-test` has, in its order.
const REFUSALS: &[Refusal] = &[
    Refusal {
        mode: "wrong-state",
        needs: None,
        step: "callback",
        code: "OAUTH_INVALID_RESPONSE",
        message: r#"unexpected "state" response parameter value"#,
    },
    // validateAuthResponse compares `iss` with the issuer whenever the redirect has
    // one (and wants one when the metadata says authorization_response_iss_parameter_supported).
    Refusal {
        mode: "iss-mix-up",
        needs: None,
        step: "callback",
        code: "OAUTH_INVALID_RESPONSE",
        message: r#"unexpected "iss" (issuer) response parameter value"#,
    },
    Refusal {
        mode: "id-token-wrong-aud",
        needs: None,
        step: "code_grant",
        code: "OAUTH_JWT_CLAIM_COMPARISON_FAILED",
        message: r#"unexpected JWT "aud" (audience) claim value"#,
    },
    Refusal {
        mode: "id-token-wrong-nonce",
        needs: None,
        step: "code_grant",
        code: "OAUTH_JWT_CLAIM_COMPARISON_FAILED",
        message: r#"unexpected ID Token "nonce" claim value"#,
    },
    // processAuthorizationCodeResponse does not verify the ID token's signature (an ID
    // token straight from the token endpoint over TLS, OpenID Connect Core §3.1.3.7
    // (6)); validateApplicationLevelSignature, which the script calls with
    // --verify-signature, does.
    Refusal {
        mode: "id-token-bad-signature",
        needs: Some("--verify-signature"),
        step: "id_token_signature",
        code: "OAUTH_INVALID_RESPONSE",
        message: "JWT signature verification failed",
    },
    Refusal {
        mode: "id-token-unknown-kid",
        needs: Some("--verify-signature"),
        step: "id_token_signature",
        code: "OAUTH_KEY_SELECTION_FAILED",
        message: "error when selecting a JWT verification key, no applicable keys found",
    },
    // A token_type other than bearer or dpop (and none the app registered with
    // recognizedTokenTypes) is an UnsupportedOperationError.
    Refusal {
        mode: "token-type-not-bearer",
        needs: None,
        step: "code_grant",
        code: "OAUTH_UNSUPPORTED_OPERATION",
        message: "unsupported `token_type` value",
    },
    Refusal {
        mode: "code-replayed",
        needs: None,
        step: "code_grant",
        code: "OAUTH_RESPONSE_BODY_ERROR",
        message: "server responded with an error in the response body",
    },
];

/// The modes `grantcheck emulate --app-test` names when given one it does not have.
fn modes_listed(vendor: &str) -> Vec<String> {
    let out = emulate_command(vendor, &["--app-test", "no-such-mode"])
        .stdin(Stdio::null())
        .output()
        .expect("grantcheck emulate runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let list = stderr
        .split_once("(modes: ")
        .and_then(|(_, rest)| rest.split_once(')'))
        .unwrap_or_else(|| panic!("no list of modes: {stderr}"))
        .0;
    list.split(", ").map(String::from).collect()
}

/// One app test: the script (with `options`) signs in once against
/// `emulate VENDOR --app-test MODE`; its exit success and JSON line, the emulator's
/// exit code and app-test.json.
fn app_test_run(vendor: &str, mode: &str, options: &[&str]) -> (bool, Value, i32, Value) {
    let mut e = emulate_with(vendor, &["--app-test", mode]);
    let mut args = app_args(vendor, &e);
    args.extend(options.iter().map(|o| o.to_string()));
    let (ok, report) = run_app(&e, &args, true);
    let code = terminate(&mut e);
    let path = e.record.path().join("app-test.json");
    let verdict: Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| panic!("{vendor} {mode}: no {}", path.display()));
    assert_eq!(verdict["mode"], mode);
    (ok, report, code, verdict)
}

/// Every app-test mode against `vendor`: the script using the library stops at the
/// library's error and the emulator says it passed (exit 0); the script with
/// `--careless` goes on and the emulator says it failed (exit 1). Where the library
/// refuses only when asked (`needs`), its default is checked too: it is not refused,
/// and the emulator says so.
fn library_refuses_every_app_test(vendor: &str) {
    let names: Vec<&str> = REFUSALS.iter().map(|r| r.mode).collect();
    assert_eq!(modes_listed(vendor), names, "REFUSALS lists every mode");
    assert_eq!(names.len(), 8);
    for r in REFUSALS {
        let what = format!("{vendor} {}", r.mode);
        // The library, used as its documentation says (with `needs` when given).
        let options: Vec<&str> = r.needs.into_iter().collect();
        let (ok, report, code, verdict) = app_test_run(vendor, r.mode, &options);
        assert!(!ok, "{what}: the library should refuse: {report:#}");
        assert_eq!(report["failed"], r.step, "{what}: {report:#}");
        assert_eq!(report["error"]["code"], r.code, "{what}: {report:#}");
        assert_eq!(report["error"]["message"], r.message, "{what}: {report:#}");
        if r.mode == "code-replayed" {
            assert_eq!(
                report["error"]["error"], "invalid_grant",
                "{what}: {report:#}"
            );
        }
        assert_eq!(verdict["status"], "passed", "{what}: {verdict:#}");
        assert_eq!(code, 0, "{what}: {verdict:#}");

        // The library's default where it needs an option: it goes on, and since the
        // check it skips is one OpenID Connect Core §3.1.3.7 (6) lets a client skip
        // (an ID token straight from the token endpoint over TLS), the emulator warns
        // and does not fail it.
        let skipped_is_allowed = r.needs.is_some();
        if skipped_is_allowed {
            let (ok, report, code, verdict) = app_test_run(vendor, r.mode, &[]);
            assert!(ok, "{what}: without {:?}: {report:#}", r.needs);
            assert_eq!(verdict["status"], "warning", "{what}: {verdict:#}");
            assert_eq!(code, 0, "{what}: {verdict:#}");
        }

        // The careless script: it goes past the library's error (listed as ignored).
        let (_, report, code, verdict) = app_test_run(vendor, r.mode, &["--careless"]);
        let (status, exit) = if skipped_is_allowed {
            ("warning", 0)
        } else {
            ("failed", 1)
        };
        assert_eq!(verdict["status"], status, "{what} careless: {verdict:#}");
        assert_eq!(code, exit, "{what} careless: {verdict:#}");
        let detail = verdict["detail"].as_str().unwrap_or_default();
        let used = match r.mode {
            "wrong-state" | "iss-mix-up" => "redeemed the code",
            "code-replayed" => "redeemed a code 1 more time(s)",
            _ => "used a token",
        };
        assert!(detail.contains(used), "{what} careless: {detail}");
        if r.needs.is_none() {
            let ignored = report["ignored"].as_array().cloned().unwrap_or_default();
            assert!(
                ignored
                    .iter()
                    .any(|i| i["step"] == r.step && i["code"] == r.code),
                "{what} careless: the library's error is what it ignored: {report:#}"
            );
        }
    }
}

#[test]
fn athenahealth_app_tests_library_refuses_careless_script_fails() {
    need_node!();
    library_refuses_every_app_test("athenahealth");
}

#[test]
fn reference_app_tests_library_refuses_careless_script_fails() {
    need_node!();
    library_refuses_every_app_test("reference");
}
