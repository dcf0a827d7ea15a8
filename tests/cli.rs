//! The command line as users meet it: exit codes, messages, summaries.

mod common;

use std::process::{Command, Output};

fn grantcheck(args: &[&str], dir: &std::path::Path) -> Output {
    let snaps = common::snapshot_copy();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grantcheck"));
    cmd.args(args)
        .env("GRANTCHECK_ROOT", common::root())
        .env_remove("INSTA_UPDATE")
        .current_dir(dir);
    if args.first() == Some(&"run") {
        cmd.arg("--report-dir").arg(dir.join("reports"));
        cmd.arg("--snapshot-dir").arg(snaps.path());
    }
    cmd.output().expect("run grantcheck")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_passing_run_exits_0_with_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let o = grantcheck(&["run", "--tags", "@OKT-03"], dir.path());
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(
        out.lines().any(|l| l == "1 passed, 0 failed, 0 skipped"),
        "{out}"
    );
    assert!(out.contains("HTTP requests: "), "{out}");
    assert!(out.contains("wall time"), "{out}");
    assert!(dir.path().join("reports/junit.xml").is_file());
    assert!(dir.path().join("reports/cucumber.json").is_file());
}

#[test]
fn a_conformance_failure_exits_1_and_names_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let o = grantcheck(
        &["run", "--tags", "@OKT-01", "--fault", "accept-any-verifier"],
        dir.path(),
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(out.contains("failed:"), "{out}");
    assert!(out.contains("token_error_is"), "{out}");
    assert!(
        out.contains("features/vendors/athenahealth/pkce.feature:"),
        "{out}"
    );
    // The step failure is reported once, by cucumber; no panic noise on stderr.
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn payload_drift_alone_exits_3_and_is_summarised() {
    // The old Okta wording is accepted by the checks, so only the payloads differ.
    let dir = tempfile::tempdir().unwrap();
    let o = grantcheck(
        &["run", "--tags", "@OKT-05", "--fault", "legacy-okta-wording"],
        dir.path(),
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}\n{err}");
    assert!(out.contains("payload drift"), "{out}");
    assert!(
        out.contains("snapshot `athena-pkce-public-needs-challenge`"),
        "{out}"
    );
    assert!(
        out.contains("drift only: every check held") && out.contains("(exit code 3)"),
        "{out}"
    );
    assert!(
        !out.contains("\nfailed:"),
        "drift is not listed as a failed check:\n{out}"
    );
    let html = std::fs::read_to_string(dir.path().join("reports/report.html")).unwrap();
    assert!(html.contains("id=\"drift\""));
    assert!(html.contains(
        "PKCE code challenge is required when the token endpoint authentication method is"
    ));
}

#[test]
fn coverage_lists_every_catalog_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let o = grantcheck(&["coverage"], dir.path());
    let (out, _) = text(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "an entry lacks a scenario, rule or reason:\n{out}"
    );
    for prefix in ["ATH", "CER", "OKT", "SMART", "RFC", "LINT"] {
        assert!(
            out.contains(&format!("  {prefix} ")),
            "{prefix} missing in:\n{out}"
        );
    }
}

#[test]
fn a_profile_typo_exits_2_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let original =
        std::fs::read_to_string(common::root().join("profiles/athenahealth-emulated.yaml"))
            .unwrap();
    let broken = original.replace("  token: /oauth2/v1/token", "  tokne: /oauth2/v1/token");
    let path = dir.path().join("broken.yaml");
    std::fs::write(&path, broken).unwrap();
    let line = original
        .lines()
        .position(|l| l == "  token: /oauth2/v1/token")
        .unwrap()
        + 1;
    let o = grantcheck(&["run", "--profile", path.to_str().unwrap()], dir.path());
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}\n{err}");
    let expected = format!("broken.yaml:{line}:3: unknown field `tokne`");
    assert!(err.contains(&expected), "expected {expected:?} in:\n{err}");
}

/// Every unset variable is named at once, each where the profile references it, by
/// `run` and by `lint` (the preflight).
#[test]
fn a_missing_variable_exits_2_naming_every_one() {
    let dir = tempfile::tempdir().unwrap();
    let profile =
        std::fs::read_to_string(common::root().join("profiles/athenahealth-preview.yaml")).unwrap();
    let referenced: std::collections::BTreeSet<&str> = profile
        .split("${")
        .skip(1)
        .filter_map(|s| s.split('}').next())
        // A reference with a default (`:-`) is never missing.
        .filter(|n| n.starts_with("ATHENA_PREVIEW_") && !n.contains(":-"))
        .collect();
    assert!(referenced.len() >= 5, "{referenced:?}");
    for command in ["run", "lint"] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_grantcheck"));
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("ATHENA_PREVIEW_")) {
            cmd.env_remove(k);
        }
        let args: &[&str] = if command == "run" {
            &["run", "--profile", "athenahealth-preview"]
        } else {
            &["lint", "athenahealth-preview"]
        };
        let o = cmd
            .args(args)
            .env("GRANTCHECK_ROOT", common::root())
            .current_dir(dir.path())
            .output()
            .unwrap();
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{command}: {out}\n{err}");
        for name in &referenced {
            assert!(
                err.lines().any(|l| l.contains("athenahealth-preview.yaml:")
                    && l.contains(&format!("environment variable `{name}` is not set"))),
                "{command}: {name} not named with its place:\n{err}"
            );
        }
    }
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["run", "--profile", "no-such-profile"],
        vec!["run", "--tags", "@a and ("],
        vec!["run", "--fault", "no-such-fault"],
        vec!["run", "--no-such-flag"],
        vec!["emulate", "epic"],
        vec!["emulate", "athenahealth", "--sign-in", "javascript"],
        vec!["emulate", "reference", "--sign-in", "script"],
    ] {
        let o = grantcheck(&args, dir.path());
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}\n{out}\n{err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.trim().is_empty(), "{args:?}: no message");
    }
}

#[test]
fn the_fault_switches_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let o = grantcheck(&["faults", "athenahealth"], dir.path());
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(0));
    assert!(out.contains("accept-any-verifier"), "{out}");
    assert!(out.contains("(OKT-01)"), "{out}");
}

fn fixture(name: &str) -> String {
    common::root()
        .join("tests/fixtures/seeds")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn lint_names_the_seed_requests_defects_and_passes_the_corrections() {
    let dir = tempfile::tempdir().unwrap();
    let o = grantcheck(&["lint", "--curl", &fixture("000-request.txt")], dir.path());
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(
        out.contains("error[LINT-C1]: 5b22adf1-4884-4ac2-b6f3-04fa545ac9fcm"),
        "{out}"
    );
    assert!(out.contains("error[LINT-C2]"), "{out}");

    let o = grantcheck(&["lint", "--curl", &fixture("001-request.txt")], dir.path());
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    for rule in [
        "error[LINT-C10]",
        "error[LINT-C8]",
        "error[LINT-C9]: AUTHORIZATION_CODE",
    ] {
        assert!(out.contains(rule), "{rule} missing:\n{out}");
    }

    for fixed in ["000-request-corrected.txt", "001-request-corrected.txt"] {
        let o = grantcheck(
            &["lint", "--curl", &fixture(fixed), "--format", "json"],
            dir.path(),
        );
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(0), "{fixed}:\n{out}\n{err}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("json output");
        assert_eq!(v[0]["result"]["errors"], 0, "{out}");
    }
}

#[test]
fn explain_names_the_seed_errors_causes() {
    let dir = tempfile::tempdir().unwrap();
    let o = grantcheck(&["explain", &fixture("000-error-body.txt")], dir.path());
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(out.contains("oauth2:token:invalid-tenant"), "{out}");
    assert!(out.contains("LINT-C1"), "{out}");
    assert!(
        out.contains("5b22adf1-4884-4ac2-b6f3-04fa545ac9fc"),
        "{out}"
    );

    let o = grantcheck(
        &[
            "explain",
            &fixture("001-error-body.txt"),
            "--format",
            "json",
        ],
        dir.path(),
    );
    let (out, _) = text(&o);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json output");
    let first = &v["matched"][0];
    assert_eq!(first["id"], "CER-06", "{out}");

    let o = grantcheck(
        &["explain", dir.path().join("missing.txt").to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_profile_that_lints_with_errors_is_not_run_without_no_lint() {
    let dir = tempfile::tempdir().unwrap();
    let original =
        std::fs::read_to_string(common::root().join("profiles/athenahealth-emulated.yaml"))
            .unwrap();
    let broken = original.replace(
        "  default: openid offline_access launch/patient patient/Patient.read",
        "  default: openid,offline_access launch/patient patient/Patient.read",
    );
    assert_ne!(broken, original);
    let path = dir.path().join("comma.yaml");
    std::fs::write(&path, broken).unwrap();
    let o = grantcheck(
        &[
            "run",
            "--profile",
            path.to_str().unwrap(),
            "--tags",
            "@OKT-03",
        ],
        dir.path(),
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}\n{err}");
    assert!(err.contains("LINT-C2"), "{err}");
    assert!(err.contains("--no-lint"), "{err}");
    let o = grantcheck(
        &[
            "run",
            "--profile",
            path.to_str().unwrap(),
            "--tags",
            "@OKT-03",
            "--no-lint",
        ],
        dir.path(),
    );
    assert_ne!(o.status.code(), Some(2), "--no-lint runs it");
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_tree(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// Ctrl-C mid-run: exit 130, what finished is written and marked interrupted, the
/// reports are valid documents, and `reports/latest` still names the previous run.
#[test]
fn an_interrupted_run_keeps_what_finished_and_the_previous_latest() {
    let project = tempfile::tempdir().unwrap();
    let root = project.path();
    copy_tree(&common::root().join("features"), &root.join("features"));
    copy_tree(
        &common::root().join("profiles/keys"),
        &root.join("profiles/keys"),
    );
    let profile =
        std::fs::read_to_string(common::root().join("profiles/reference-emulated.yaml")).unwrap();
    // Paced to one request a second, so the run is still going when the signal comes.
    std::fs::write(
        root.join("profiles/reference-emulated.yaml"),
        format!("{profile}rate_limit:\n  per_minute: 60\n"),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("reports/previous")).unwrap();
    std::os::unix::fs::symlink("previous", root.join("reports/latest")).unwrap();
    let snaps = common::snapshot_copy();
    let child = Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .args(["run", "--profile", "reference-emulated", "--snapshot-dir"])
        .arg(snaps.path())
        .env_remove("GRANTCHECK_ROOT")
        .current_dir(root)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(4));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let o = child.wait_with_output().unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(130), "{out}\n{err}");
    assert!(out.contains("interrupted (Ctrl-C)"), "{out}");
    assert_eq!(
        std::fs::read_link(root.join("reports/latest")).unwrap(),
        std::path::PathBuf::from("previous")
    );
    let run_dir = std::fs::read_dir(root.join("reports"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.join("results.json").is_file())
        .expect("the interrupted run's folder");
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["interrupted"], "interrupted (Ctrl-C)");
    assert_eq!(results["exit_code"], 130);
    let finished = results["scenarios"].as_array().unwrap().len();
    assert!(finished < 67, "the run stopped early: {finished}");
    let cucumber: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("cucumber.json")).unwrap())
            .expect("cucumber.json is a valid document");
    assert!(cucumber.is_array());
    assert!(run_dir.join("junit.xml").is_file() && run_dir.join("report.html").is_file());
}

/// Two runs started together never share a report folder.
#[test]
fn concurrent_runs_get_their_own_report_folders() {
    let project = tempfile::tempdir().unwrap();
    let root = project.path();
    copy_tree(&common::root().join("features"), &root.join("features"));
    copy_tree(&common::root().join("profiles"), &root.join("profiles"));
    let snaps = common::snapshot_copy();
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_grantcheck"))
            .args(["run", "--tags", "@OKT-03", "--snapshot-dir"])
            .arg(snaps.path())
            .env_remove("GRANTCHECK_ROOT")
            .current_dir(root)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let children: Vec<_> = (0..4).map(|_| spawn()).collect();
    for mut c in children {
        assert_eq!(c.wait().unwrap().code(), Some(0));
    }
    let runs: Vec<_> = std::fs::read_dir(root.join("reports"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("results.json").is_file() && e.file_name() != "latest")
        .collect();
    assert_eq!(runs.len(), 4, "each run wrote its own folder");
    for r in &runs {
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(r.path().join("cucumber.json")).unwrap())
                .expect("valid cucumber.json");
        assert!(doc.is_array());
    }
    assert!(root.join("reports/latest/results.json").is_file());
}

/// Relative `--root` and `--snapshot-dir` find the same baselines as absolute ones: no
/// false drift, and no `.snap.new` written anywhere else.
#[test]
fn relative_root_and_snapshot_dir_find_the_baselines() {
    let project = tempfile::tempdir().unwrap();
    let root = project.path().join("proj");
    copy_tree(&common::root().join("features"), &root.join("features"));
    copy_tree(&common::root().join("profiles"), &root.join("profiles"));
    copy_tree(&common::root().join("snapshots"), &root.join("snaps"));
    let o = Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .args([
            "--root",
            "proj",
            "run",
            "--snapshot-dir",
            "proj/snaps",
            "--report-dir",
            "out",
        ])
        .env_remove("GRANTCHECK_ROOT")
        .env_remove("INSTA_UPDATE")
        .current_dir(project.path())
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(
        !out.contains("drifted") && !out.contains("without baseline"),
        "{out}"
    );
    let mut stray = Vec::new();
    let mut stack = vec![project.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".snap.new") {
                stray.push(p);
            }
        }
    }
    assert!(stray.is_empty(), "{stray:?}");
}

/// Runs `grantcheck run` in a copy of the project whose
/// `features/oauth2/token-response.feature` lines were edited by `edit`; returns the
/// output and the project (its `reports/` tells whether anything ran).
fn run_with_edited_feature(edit: impl FnOnce(&mut Vec<String>)) -> (Output, tempfile::TempDir) {
    let project = tempfile::tempdir().unwrap();
    let root = project.path();
    copy_tree(&common::root().join("features"), &root.join("features"));
    copy_tree(&common::root().join("profiles"), &root.join("profiles"));
    let f = root.join("features/oauth2/token-response.feature");
    let mut lines: Vec<String> = std::fs::read_to_string(&f)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    edit(&mut lines);
    std::fs::write(&f, lines.join("\n")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .args(["run"])
        .env_remove("GRANTCHECK_ROOT")
        .current_dir(root)
        .output()
        .unwrap();
    (o, project)
}

/// A need tag outside the closed list is a mistake that would never skip anything:
/// the run refuses it and says where it is.
#[test]
fn an_unknown_need_tag_is_refused_with_its_location() {
    let mut line = 0;
    let (o, project) = run_with_edited_feature(|lines| {
        line = lines
            .iter()
            .position(|l| l.trim_start().starts_with('@'))
            .unwrap();
        lines[line].push_str(" @needs-telepathy");
    });
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}\n{err}");
    assert!(
        err.contains(&format!(
            "features/oauth2/token-response.feature:{}: unknown tag @needs-telepathy",
            line + 2
        )),
        "{err}"
    );
    assert!(
        !project.path().join("reports").exists(),
        "nothing was run or written"
    );
}

/// Baselines, deviations and the fault map key on a scenario's `@id:`: a scenario
/// without one, or with another's, is refused at its place before anything runs.
#[test]
fn a_missing_or_duplicate_scenario_id_is_refused_with_its_location() {
    let mut tagged: Vec<usize> = Vec::new();
    let (o, project) = run_with_edited_feature(|lines| {
        tagged = (0..lines.len())
            .filter(|i| lines[*i].contains("@id:"))
            .collect();
        // The first scenario loses its id; the second takes the id of pkce.feature's
        // first.
        lines[tagged[0]] = lines[tagged[0]].replace("@id:token-response-bearer-lifetime ", "");
        lines[tagged[1]] =
            lines[tagged[1]].replace("@id:token-response-no-store", "@id:pkce-wrong-verifier");
    });
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}\n{err}");
    let at = |i: usize| format!("features/oauth2/token-response.feature:{}:3", i + 2);
    assert!(
        err.contains(&format!("{}: the scenario has no @id: tag", at(tagged[0]))),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{}: @id:pkce-wrong-verifier is already the id of features/pkce/pkce.feature:",
            at(tagged[1])
        )) || err.contains("features/pkce/pkce.feature:14:3: @id:pkce-wrong-verifier is already the id of features/oauth2/token-response.feature:"),
        "{err}"
    );
    assert!(
        !project.path().join("reports").exists(),
        "nothing was run or written"
    );
}

/// A token request read on standard input, with `grant_type` spelled the British way:
/// an error naming the value meant, and exit 1.
#[test]
fn lint_reads_a_misspelled_grant_type_from_standard_input() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .args(["lint", "--curl", "-"])
        .env("GRANTCHECK_ROOT", common::root())
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run grantcheck");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            b"curl -X POST https://login.example.org/oauth2/token \\\n  -d grant_type=authorisation_code \\\n  -d code=SplxlOBeZQQYbYS6WxSbIA \\\n  -d code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk \\\n  -d client_id=app \\\n  --data-urlencode redirect_uri=https://app.example.com/cb\n",
        )
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(out.contains("error[LINT-R2]: authorisation_code"), "{out}");
    assert!(out.contains("Did you mean `authorization_code`?"), "{out}");
    assert!(out.contains("--> line 2, column 17"), "{out}");
    assert!(out.contains("<stdin>: 1 error(s), 0 warning(s)"), "{out}");
}
