//! `grantcheck lint --online`: the server's discovery document and sign-in page as a
//! run would meet them, the login driver the page needs, and exit codes (0 the
//! profile's login method fits, 1 it does not, 4 no answer).

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn lint_online(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .arg("--root")
        .arg(common::root())
        .args(["lint", "--online"])
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run grantcheck")
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The shipped emulated profile `name` in `dir`, with `emulator.sign_in` and
/// `login.method` set.
fn emulated_copy(dir: &Path, name: &str, vendor: &str, sign_in: &str, method: &str) -> String {
    let text = std::fs::read_to_string(common::root().join(format!("profiles/{name}.yaml")))
        .expect("shipped profile");
    let anchor = format!("emulator:\n  vendor: {vendor}\n");
    assert!(text.contains(&anchor), "{name}: no `{anchor}`");
    assert!(text.contains("\nlogin:\n  method: form\n"), "{name}");
    let text = text
        .replacen(&anchor, &format!("{anchor}  sign_in: {sign_in}\n"), 1)
        .replacen(
            "\nlogin:\n  method: form\n",
            &format!("\nlogin:\n  method: {method}\n"),
            1,
        );
    let path = dir.join(format!("{name}-{sign_in}-{method}.yaml"));
    std::fs::write(&path, text).expect("write profile");
    path.to_string_lossy().into_owned()
}

/// The vendors whose emulators can serve a script-built sign-in page.
const SCRIPTED: [(&str, &str); 2] = [
    ("athenahealth-emulated", "athenahealth"),
    ("oracle-health-emulated", "oracle-health"),
];

#[test]
fn an_html_sign_in_page_is_signed_in_by_the_form_driver() {
    for name in [
        "athenahealth-emulated",
        "oracle-health-emulated",
        "reference-emulated",
    ] {
        let o = lint_online(&[name], &[]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(0), "{name}: {out}");
        assert!(
            out.contains("a plain HTML sign-in form (fields: username, password): the `form` driver can sign in"),
            "{name}: {out}"
        );
        assert!(out.contains("login.method: form: matches"), "{name}: {out}");
        // The authorization request a run sends: code flow, PKCE S256.
        assert!(out.contains("response_type=code"), "{name}: {out}");
        assert!(out.contains("code_challenge_method=S256"), "{name}: {out}");
    }
    // Discovery is read as a run reads it, and what it named is shown.
    let o = lint_online(&["oracle-health-emulated"], &[]);
    let out = text(&o);
    assert!(
        out.contains("discovery: SMART configuration read from http://127.0.0.1:"),
        "{out}"
    );
    assert!(out.contains("authorization_endpoint http://"), "{out}");
}

#[test]
fn a_script_built_sign_in_page_needs_the_browser_driver() {
    let dir = tempfile::tempdir().unwrap();
    for (name, vendor) in SCRIPTED {
        // `login.method: form` cannot sign in there: exit 1, naming the fix and where.
        let profile = emulated_copy(dir.path(), name, vendor, "script", "form");
        let o = lint_online(&[&profile], &[]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(1), "{name}: {out}");
        assert!(
            out.contains("a script builds") && out.contains("it needs the `browser` driver"),
            "{name}: {out}"
        );
        assert!(
            out.contains(&format!("{profile}:"))
                && out.contains(
                    "the `form` driver cannot sign in on this page; use `login.method: browser`"
                ),
            "{name}: {out}"
        );

        // The same page with `login.method: browser`: it fits.
        let profile = emulated_copy(dir.path(), name, vendor, "script", "browser");
        let o = lint_online(&[&profile], &[]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(0), "{name}: {out}");
        assert!(
            out.contains("login.method: browser: matches"),
            "{name}: {out}"
        );
    }
    // The JSON form says the same.
    let profile = emulated_copy(
        dir.path(),
        "athenahealth-emulated",
        "athenahealth",
        "script",
        "form",
    );
    let o = lint_online(&[&profile, "--format", "json"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let online = &v[0]["online"];
    assert_eq!(online["page"]["kind"], "script-built", "{v}");
    assert_eq!(online["page"]["needs"], "browser", "{v}");
    assert_eq!(online["login_method"], "form", "{v}");
    assert_eq!(online["matches"], false, "{v}");
    assert_eq!(online["exit_code"], 1, "{v}");
}

/// A live profile at `base_url`, with a secret the output must never show.
fn live_profile(dir: &Path, base_url: &str) -> String {
    let path = dir.join(format!("live-{}.yaml", base_url.len()));
    std::fs::write(
        &path,
        format!(
            "vendor: generic\nenvironment: local\nbase_url: {base_url}\n\
             endpoints:\n  authorize: /authorize\n  token: /token\n\
             redirect_uri: https://app.example.test/callback\n\
             scopes:\n  default: openid\n\
             clients:\n  confidential:\n    id: probe-app\n    secret: ${{PROBE_SECRET}}\n    \
             auth: client_secret_post\n\
             users:\n  patient:\n    username: someone\n    password: ${{PROBE_SECRET}}\n\
             login:\n  method: form\n\
             timeouts:\n  request_secs: 1\n"
        ),
    )
    .expect("write profile");
    path.to_string_lossy().into_owned()
}

#[test]
fn a_server_that_does_not_answer_exits_4_in_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    const SECRET: &str = "probe-secret-4c1f9e27";
    // Refused: a port nothing listens on. Silent: a listener that accepts connections
    // (the kernel's backlog) and never answers; `timeouts.request_secs: 1` bounds it.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    for (base, why) in [
        (format!("http://127.0.0.1:{closed}"), "Connection refused"),
        (format!("http://127.0.0.1:{silent_port}"), "timed out"),
    ] {
        let profile = live_profile(dir.path(), &base);
        let started = Instant::now();
        let o = lint_online(&[&profile], &[("PROBE_SECRET", SECRET)]);
        let out = text(&o);
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{base}: took {:?}",
            started.elapsed()
        );
        assert_eq!(o.status.code(), Some(4), "{base}: {out}");
        assert!(
            out.contains(&format!("unreachable: no answer from {base}/authorize")),
            "{base}: {out}"
        );
        assert!(out.contains(why), "{base}: {out}");
        assert!(!out.contains(SECRET), "{base}: {out}");
    }
    drop(silent);
}

#[test]
fn online_needs_a_profile_and_bad_input_exits_2() {
    let o = lint_online(&["--url", "https://as.example/authorize?client_id=x"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("name at least one profile"),
        "{}",
        text(&o)
    );
    // A profile with an unset variable is refused before any server is contacted.
    let o = lint_online(&["athenahealth-preview"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("ATHENA_PREVIEW_CLIENT_SECRET"),
        "{}",
        text(&o)
    );
}
