//! The vendor emulators' script-built sign-in (`emulator.sign_in: script`) against the
//! `form` login driver: every scenario that signs in is blocked, naming the browser
//! driver; nothing fails; the rest ends as it does with the HTML sign-in.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use grantcheck::runner::{Outcome, RunResult};

/// The shipped emulated profile with `emulator.sign_in: script`, under the same file
/// name (so the committed baselines apply) in `dir`.
fn scripted_profile(dir: &Path, name: &str, vendor: &str) -> String {
    let text = std::fs::read_to_string(common::root().join(format!("profiles/{name}.yaml")))
        .expect("shipped profile");
    let anchor = format!("emulator:\n  vendor: {vendor}\n");
    assert!(text.contains(&anchor), "{name}: no `{anchor}`");
    let text = text.replacen(&anchor, &format!("{anchor}  sign_in: script\n"), 1);
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, text).expect("write profile");
    path.to_string_lossy().into_owned()
}

/// A run's outcomes by scenario id, as a kind (`passed`, `blocked`, …).
fn kinds(result: &RunResult) -> BTreeMap<String, &'static str> {
    result
        .records
        .iter()
        .map(|r| (r.id.clone(), r.outcome.label()))
        .collect()
}

/// The scenarios that posted to one of `paths` in a run (from its stream, which holds
/// every exchange), and the stream's text.
fn posted_to(reports: &Path, paths: &[&str]) -> (BTreeSet<String>, String) {
    let stream = std::fs::read_to_string(reports.join("results.ndjson")).expect("stream");
    let mut ids = BTreeSet::new();
    for line in stream.lines() {
        let record: serde_json::Value = serde_json::from_str(line).expect("record");
        let posted = record["evidence"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| {
                e["method"] == "POST"
                    && e["url"]
                        .as_str()
                        .is_some_and(|u| paths.iter().any(|p| u.contains(p)))
            });
        if posted {
            ids.insert(record["id"].as_str().unwrap_or_default().to_string());
        }
    }
    (ids, stream)
}

#[test]
fn a_script_sign_in_blocks_every_login_and_fails_nothing() {
    for (name, vendor, login_path) in [
        ("athenahealth-emulated", "athenahealth", "/login/"),
        ("oracle-health-emulated", "oracle-health", "/login/"),
    ] {
        let html_reports = tempfile::tempdir().expect("temp dir");
        let (html, _snaps) = common::run_with(&[name], &[], None, html_reports.path(), None, false);
        // Signed in: with credentials, or through the run's kept session straight to
        // the consent page.
        let (logins, _) = posted_to(html_reports.path(), &[login_path, "/consent/"]);
        assert!(logins.len() > 5, "{name}: {logins:?}");

        let dir = tempfile::tempdir().expect("temp dir");
        let profile = scripted_profile(dir.path(), name, vendor);
        let reports = tempfile::tempdir().expect("temp dir");
        let (script, _snaps) =
            common::run_with(&[&profile], &[], None, reports.path(), None, false);

        let t = script.totals();
        assert_eq!(
            t.failed,
            0,
            "{name}: {:#?}",
            common::failed_or_blocked(&script)
        );
        assert_eq!(script.exit_code(), 4, "{name}: blocked, not failed");
        let mut blocked = BTreeSet::new();
        for r in &script.records {
            if let Outcome::Blocked { reason } = &r.outcome {
                assert!(
                    reason.contains("builds its form with JavaScript")
                        && reason.contains("use `login.method: browser`"),
                    "{name}: {}: {reason}",
                    r.id
                );
                blocked.insert(r.id.clone());
            }
        }
        // Blocked: exactly the scenarios that sign in with the HTML page.
        assert_eq!(blocked, logins, "{name}");
        // Everything else ends as with the HTML page.
        let (html_kinds, script_kinds) = (kinds(&html), kinds(&script));
        assert_eq!(html_kinds.len(), script_kinds.len(), "{name}");
        for (id, kind) in &script_kinds {
            if !blocked.contains(id) {
                assert_eq!(Some(kind), html_kinds.get(id), "{name}: {id}");
            }
        }

        // The stopped page is in the evidence; no credentials were ever sent.
        let (posted, stream) = posted_to(reports.path(), &[login_path]);
        assert!(posted.is_empty(), "{name}: {posted:?}");
        assert!(stream.contains("sign-in-submit"), "{name}");
        assert!(!stream.contains("sessionToken\":\""), "{name}");
    }
}

/// `grantcheck emulate athenahealth --sign-in script` serves the authentication API
/// the script page posts to; without the flag there is none.
#[test]
fn emulate_takes_the_sign_in_mode() {
    for (args, expected) in [
        (&["--sign-in", "script"][..], "HTTP/1.1 401"),
        (&[][..], "HTTP/1.1 404"),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_grantcheck"))
            .arg("--root")
            .arg(common::root())
            .args(["emulate", "athenahealth", "--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("grantcheck emulate starts");
        let mut out = child.stdout.take().expect("stdout");
        let mut seen = String::new();
        let mut buf = [0u8; 512];
        while !seen.contains("press Ctrl-C") {
            let n = out.read(&mut buf).expect("read stdout");
            if n == 0 {
                let mut err = String::new();
                let _ = child.stderr.take().map(|mut e| e.read_to_string(&mut err));
                panic!("emulate ended early: {seen}\n{err}");
            }
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        assert_eq!(seen.contains("sign-in: script"), !args.is_empty(), "{seen}");
        let origin = seen
            .split_once("listening on http://")
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .expect("listening address")
            .to_string();
        let body = r#"{"username":"nobody@example.test","password":"wrong"}"#;
        let mut stream = std::net::TcpStream::connect(&origin).expect("connect");
        write!(
            stream,
            "POST /api/v1/authn HTTP/1.1\r\nHost: {origin}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("answer");
        child.kill().expect("stop emulate");
        let _ = child.wait();
        assert!(answer.starts_with(expected), "{args:?}: {answer}");
        if !args.is_empty() {
            assert!(answer.contains(r#""errorCode":"E0000004""#), "{answer}");
            assert!(
                answer.contains(r#""errorSummary":"Authentication failed""#),
                "{answer}"
            );
        }
    }
}
