//! The CI examples in examples/ci/, checked as shipped. Both files must parse. The
//! shards must cover 1..=N once each and feed the merge. Exit codes 1 and 2 must fail
//! the pipeline, and 3 and 4 must only warn. Secrets must reach grantcheck under the
//! profiles' variable names. Every flag the examples pass must be listed by the built
//! binary's `--help`.
//!
//! The shell steps are run with bash. A shell function stands in for the binary: it
//! records its arguments and returns the exit code under test.
#![cfg(unix)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Map, Value};

const GITHUB: &str = "examples/ci/github/grantcheck-nightly.yml";
const GITLAB: &str = "examples/ci/gitlab/grantcheck-nightly.gitlab-ci.yml";
/// How GitHub writes the shard number into a step.
const MATRIX_SHARD: &str = "${{ matrix.shard }}";
/// The profile the simulated runs select: it has a fleet file in profiles/fleets/.
const PROFILE: &str = "athenahealth-emulated";

// ---- reading the files -----------------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: cannot read: {e}"))
}

fn load(rel: &str) -> Value {
    serde_saphyr::from_str::<Value>(&read(rel))
        .unwrap_or_else(|e| panic!("{rel}: not valid YAML: {e}"))
}

/// `v.k1.k2…`, or a panic that names the file and the missing key.
fn at<'a>(file: &str, v: &'a Value, path: &[&str]) -> &'a Value {
    let mut cur = v;
    for (i, key) in path.iter().enumerate() {
        cur = cur
            .get(*key)
            .unwrap_or_else(|| panic!("{file}: `{}` is missing", path[..=i].join(".")));
    }
    cur
}

/// A scalar as text. YAML may give `4` as a number or as a string.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn int(file: &str, v: &Value, what: &str) -> u64 {
    scalar(v)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{file}: {what} is not a whole number: {v}"))
}

/// A string or a list of them (`needs: a`, `needs: [a, b]`, GitLab's `{job: a}`).
fn strs(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a
            .iter()
            .map(|x| scalar(x.get("job").unwrap_or(x)))
            .collect(),
        Value::Null => Vec::new(),
        other => vec![scalar(other)],
    }
}

fn arg_after<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    let i = args.iter().position(|a| a == flag)?;
    args.get(i + 1).map(String::as_str)
}

/// The folders given to `grantcheck merge` (its arguments before the first flag).
fn merge_inputs(args: &[String]) -> Vec<&String> {
    args.iter()
        .skip(1)
        .take_while(|a| !a.starts_with("--"))
        .collect()
}

/// A glob with `*` only, as used for artifact names.
fn glob_match(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            name.starts_with(head)
                && (head.len()..=name.len()).any(|i| glob_match(tail, &name[i..]))
        }
    }
}

/// The `${VAR}` names a profile references outside comments, each with whether it has
/// a `:-` default.
fn profile_vars(name: &str) -> Vec<(String, bool)> {
    let text = read(&format!("profiles/{name}.yaml"));
    let mut vars = Vec::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
        let mut rest = line;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else { break };
            let inner = &after[..end];
            // `${user.username}` in a browser step is the signing-in user's, filled in
            // by the driver: not a variable.
            if grantcheck::profile::USER_PLACEHOLDERS.contains(&inner) {
                rest = &after[end + 1..];
                continue;
            }
            match inner.split_once(":-") {
                Some((var, _)) => vars.push((var.to_string(), true)),
                None => vars.push((inner.to_string(), false)),
            }
            rest = &after[end + 1..];
        }
    }
    vars
}

fn is_live(profile: &str) -> bool {
    !read(&format!("profiles/{profile}.yaml"))
        .lines()
        .any(|l| l.starts_with("emulator:"))
}

// ---- shell scripts -----------------------------------------------------------------

/// Each `grantcheck <subcommand> …` command in a shell script: the subcommand and the
/// words after it. Comments are dropped and `\` line continuations are joined.
fn invocations(script: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    for line in script.replace("\\\n", " ").lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        for command in line.split([';', '|', '&', '(', ')']) {
            let mut words = command.split_whitespace().skip_while(|w| {
                matches!(
                    *w,
                    "if" | "then" | "else" | "elif" | "do" | "!" | "exec" | "time"
                )
            });
            if !words
                .next()
                .is_some_and(|w| w == "grantcheck" || w.ends_with("/grantcheck"))
            {
                continue;
            }
            let sub = words.next().unwrap_or_default().to_string();
            let rest = words
                .take_while(|w| !w.starts_with('#'))
                .map(str::to_string)
                .collect();
            found.push((sub, rest));
        }
    }
    found
}

/// The `--flags` among the words, including one inside `${x:+--flag "$x"}`.
fn flags(words: &[String]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for w in words {
        for (i, _) in w.match_indices("--") {
            let starts_word = w[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '-');
            let name: String = w[i + 2..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
                .collect();
            if starts_word && name.starts_with(|c: char| c.is_ascii_lowercase()) {
                found.insert(format!("--{name}"));
            }
        }
    }
    found
}

fn help(sub: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .args([sub, "--help"])
        .output()
        .expect("run grantcheck");
    assert!(
        out.status.success(),
        "`grantcheck {sub} --help` exited with {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn lists_flag(help: &str, flag: &str) -> bool {
    help.match_indices(flag).any(|(i, _)| {
        !help[i + flag.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// Checks that every flag given to `grantcheck <sub>` in the scripts appears in
/// `grantcheck <sub> --help`, and so does each literal `--format` value. Returns the
/// subcommands used.
fn assert_cli_accepts(file: &str, scripts: &[String]) -> BTreeSet<String> {
    let mut subs = BTreeSet::new();
    for (sub, words) in scripts.iter().flat_map(|s| invocations(s)) {
        let text = help(&sub);
        for flag in flags(&words) {
            assert!(
                lists_flag(&text, &flag),
                "{file}: `grantcheck {sub}` is given {flag}, which `grantcheck {sub} --help` does not list"
            );
        }
        if let Some(value) = arg_after(&words, "--format") {
            let value = value.trim_matches('"');
            assert!(
                text.contains(value),
                "{file}: `grantcheck {sub} --format {value}`: `grantcheck {sub} --help` does not list the value {value}"
            );
        }
        subs.insert(sub);
    }
    subs
}

/// What a CI shell step did when bash ran it with a stand-in for grantcheck.
struct Ran {
    code: i32,
    /// grantcheck's arguments, the subcommand first (empty if it was not called).
    args: Vec<String>,
    stdout: String,
}

/// Runs `script` the way GitHub's default shell does (`bash -eo pipefail`; GitLab's
/// runner does the same). `grantcheck` is a shell function that records its arguments
/// and returns `exit`.
fn bash(script: &str, cwd: &Path, env: &[(String, String)], exit: i32) -> Ran {
    let args_file = tempfile::NamedTempFile::new().expect("temp file");
    let fake = "grantcheck() { printf '%s\\n' \"$@\" > \"$FAKE_ARGS\"; return \"$FAKE_EXIT\"; }\n";
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
        .arg(format!("{fake}{script}"))
        .current_dir(cwd)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("FAKE_ARGS", args_file.path())
        .env("FAKE_EXIT", exit.to_string())
        .output()
        .expect("run bash");
    Ran {
        code: out.status.code().unwrap_or(-1),
        args: std::fs::read_to_string(args_file.path())
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

fn with_var(env: &[(String, String)], key: &str, value: &str) -> Vec<(String, String)> {
    let mut env = env.to_vec();
    env.push((key.to_string(), value.to_string()));
    env
}

// ---- GitHub Actions ----------------------------------------------------------------

fn github_jobs(doc: &Value) -> &Map<String, Value> {
    at(GITHUB, doc, &["jobs"])
        .as_object()
        .unwrap_or_else(|| panic!("{GITHUB}: `jobs` is not a mapping"))
}

fn steps<'a>(id: &str, job: &'a Value) -> &'a [Value] {
    at(GITHUB, job, &["steps"])
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_else(|| panic!("{GITHUB}: job `{id}` has no list of steps"))
}

fn run_of(step: &Value) -> &str {
    step.get("run").and_then(Value::as_str).unwrap_or("")
}

fn uses(step: &Value, action: &str) -> bool {
    step.get("uses")
        .and_then(Value::as_str)
        .is_some_and(|u| u.starts_with(&format!("{action}@")))
}

/// The step or job runs even after an earlier failure.
fn always(v: &Value) -> bool {
    let cond = v.get("if").map(scalar).unwrap_or_default();
    cond.contains("always()")
        || cond.contains("!cancelled()")
        || (cond.contains("success()") && cond.contains("failure()"))
}

/// The one job with a step whose script contains `needle`.
fn github_job<'a>(doc: &'a Value, needle: &str) -> (&'a str, &'a Value) {
    let found: Vec<_> = github_jobs(doc)
        .iter()
        .filter(|(id, job)| steps(id, job).iter().any(|s| run_of(s).contains(needle)))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{GITHUB}: expected one job running `{needle}`, found {:?}",
        found.iter().map(|(id, _)| id).collect::<Vec<_>>()
    );
    let (id, job) = found[0];
    (id.as_str(), job)
}

fn step_index(id: &str, job: &Value, needle: &str) -> usize {
    steps(id, job)
        .iter()
        .position(|s| run_of(s).contains(needle))
        .unwrap_or_else(|| panic!("{GITHUB}: job `{id}` has no step running `{needle}`"))
}

fn triggers(doc: &Value) -> &Value {
    // A YAML 1.1 reader takes the key `on` for the boolean true.
    doc.get("on")
        .or_else(|| doc.get("true"))
        .unwrap_or_else(|| panic!("{GITHUB}: no `on:` triggers"))
}

/// The environment a step of `job` sees: the workflow's and the job's `env`. In their
/// expressions the profile input becomes `profile` and the fleet input becomes "".
/// Anything else (secrets, variables) becomes "", as when it is unset.
fn github_env(doc: &Value, job: &Value, profile: &str) -> Vec<(String, String)> {
    let mut env = Vec::new();
    for scope in [doc.get("env"), job.get("env")].into_iter().flatten() {
        for (k, v) in scope.as_object().into_iter().flatten() {
            let v = scalar(v);
            let value = if !v.contains("${{") {
                v
            } else if v.contains("inputs.profile") {
                profile.to_string()
            } else {
                String::new()
            };
            env.push((k.clone(), value));
        }
    }
    env
}

fn shard_matrix(id: &str, job: &Value) -> Vec<u64> {
    at(GITHUB, job, &["strategy", "matrix", "shard"])
        .as_array()
        .unwrap_or_else(|| panic!("{GITHUB}: job `{id}`: strategy.matrix.shard is not a list"))
        .iter()
        .map(|v| int(GITHUB, v, "an entry of strategy.matrix.shard"))
        .collect()
}

/// The shard job's run step for one shard, with the shard number filled in.
fn shard_script(step: &Value, shard: u64) -> String {
    let script = run_of(step).replace(MATRIX_SHARD, &shard.to_string());
    assert!(
        !script.contains("${{"),
        "{GITHUB}: the shard step uses an expression other than {MATRIX_SHARD}; pass it through `env:` instead:\n{script}"
    );
    script
}

/// The upload step after the step at `after` in the same job.
fn upload_after<'a>(id: &str, job: &'a Value, after: usize) -> &'a Value {
    steps(id, job)[after + 1..]
        .iter()
        .find(|s| uses(s, "actions/upload-artifact"))
        .unwrap_or_else(|| {
            panic!("{GITHUB}: job `{id}` uploads no artifact after its grantcheck step")
        })
}

#[test]
fn github_runs_nightly_and_on_demand() {
    let doc = load(GITHUB);
    let on = triggers(&doc);
    let crons = at(GITHUB, on, &["schedule"])
        .as_array()
        .unwrap_or_else(|| panic!("{GITHUB}: on.schedule is not a list"));
    assert!(!crons.is_empty(), "{GITHUB}: on.schedule has no cron entry");
    for c in crons {
        let cron = scalar(at(GITHUB, c, &["cron"]));
        assert_eq!(
            cron.split_whitespace().count(),
            5,
            "{GITHUB}: `{cron}` is not a five-field cron expression"
        );
    }
    for input in ["profile", "fleet"] {
        at(GITHUB, on, &["workflow_dispatch", "inputs", input]);
    }
}

#[test]
fn github_build_caches_on_cargo_lock_and_ships_the_binary() {
    let doc = load(GITHUB);
    let (id, job) = github_job(&doc, "cargo build --release --locked");
    let cache = steps(id, job)
        .iter()
        .find(|s| uses(s, "actions/cache"))
        .unwrap_or_else(|| panic!("{GITHUB}: job `{id}` has no actions/cache step"));
    let key = scalar(at(GITHUB, cache, &["with", "key"]));
    assert!(
        key.contains("hashFiles(") && key.contains("Cargo.lock"),
        "{GITHUB}: the cache key `{key}` is not keyed on Cargo.lock"
    );
    let paths = scalar(at(GITHUB, cache, &["with", "path"]));
    assert!(
        paths.contains(".cargo") && paths.contains("target"),
        "{GITHUB}: the cache does not hold ~/.cargo and target/: {paths}"
    );
    let upload = steps(id, job)
        .iter()
        .find(|s| uses(s, "actions/upload-artifact"))
        .unwrap_or_else(|| panic!("{GITHUB}: job `{id}` does not upload the binary"));
    assert_eq!(
        scalar(at(GITHUB, upload, &["with", "path"])),
        "target/release/grantcheck",
        "{GITHUB}: job `{id}` uploads something other than the release binary"
    );
    let name = scalar(at(GITHUB, upload, &["with", "name"]));
    for needle in ["grantcheck run", "grantcheck merge"] {
        let (other, other_job) = github_job(&doc, needle);
        assert!(
            strs(at(GITHUB, other_job, &["needs"]))
                .iter()
                .any(|n| n == id),
            "{GITHUB}: job `{other}` does not need `{id}`, which builds the binary"
        );
        assert!(
            steps(other, other_job)
                .iter()
                .any(|s| uses(s, "actions/download-artifact")
                    && s["with"].get("name").map(scalar).as_deref() == Some(name.as_str())),
            "{GITHUB}: job `{other}` does not download the artifact `{name}` that `{id}` uploads"
        );
    }
}

#[test]
fn github_shards_cover_one_to_total_and_upload_what_they_write() {
    let doc = load(GITHUB);
    let (id, job) = github_job(&doc, "grantcheck run");
    let matrix = shard_matrix(id, job);
    assert_eq!(
        at(GITHUB, job, &["strategy", "fail-fast"]).as_bool(),
        Some(false),
        "{GITHUB}: job `{id}` must set fail-fast: false, or one failed shard cancels the others"
    );
    let run_at = step_index(id, job, "grantcheck run");
    let step = &steps(id, job)[run_at];
    assert!(
        step.get("shell").is_none(),
        "{GITHUB}: the shard step sets `shell:`; this test runs it as bash, GitHub's default"
    );
    let upload = upload_after(id, job, run_at);
    assert!(
        always(upload),
        "{GITHUB}: the shard's report upload must run when the shard step failed (if: always())"
    );
    let env = github_env(&doc, job, PROFILE);
    let mut totals = BTreeSet::new();
    for &shard in &matrix {
        let ran = bash(&shard_script(step, shard), &root(), &env, 0);
        assert_eq!(
            ran.code, 0,
            "{GITHUB}: shard {shard}'s step failed: {}",
            ran.stdout
        );
        let arg = arg_after(&ran.args, "--shard").unwrap_or_else(|| {
            panic!(
                "{GITHUB}: shard {shard} runs grantcheck without --shard: {:?}",
                ran.args
            )
        });
        let (index, total) = arg
            .split_once('/')
            .unwrap_or_else(|| panic!("{GITHUB}: shard {shard} passes --shard {arg}, not I/N"));
        assert_eq!(
            index,
            shard.to_string(),
            "{GITHUB}: matrix shard {shard} runs --shard {arg}"
        );
        totals.insert(
            total
                .parse::<u64>()
                .unwrap_or_else(|_| panic!("{GITHUB}: --shard {arg}: N is not a number")),
        );
        let fleet = arg_after(&ran.args, "--fleet").unwrap_or_else(|| {
            panic!(
                "{GITHUB}: profile {PROFILE} has a fleet file, but the shard runs without --fleet"
            )
        });
        assert!(
            root().join(fleet).is_file(),
            "{GITHUB}: the fleet {fleet} does not exist"
        );
        let written = arg_after(&ran.args, "--report-dir").unwrap_or_else(|| {
            panic!("{GITHUB}: shard {shard} runs grantcheck without --report-dir")
        });
        let uploaded =
            scalar(at(GITHUB, upload, &["with", "path"])).replace(MATRIX_SHARD, &shard.to_string());
        assert_eq!(
            uploaded.trim_end_matches('/'),
            written.trim_end_matches('/'),
            "{GITHUB}: shard {shard} writes its report to {written} but uploads {uploaded}"
        );
    }
    assert_eq!(
        totals.len(),
        1,
        "{GITHUB}: the shards disagree on N in --shard I/N: {totals:?}"
    );
    let total = totals.into_iter().next().unwrap();
    assert_eq!(
        matrix,
        (1..=total).collect::<Vec<_>>(),
        "{GITHUB}: the matrix lists shards {matrix:?}, but --shard divides the run into {total}"
    );
}

#[test]
fn github_shards_fail_only_on_errors_of_their_own() {
    let doc = load(GITHUB);
    let (id, job) = github_job(&doc, "grantcheck run");
    let step = &steps(id, job)[step_index(id, job, "grantcheck run")];
    let env = github_env(&doc, job, PROFILE);
    for (code, passes) in [
        (0, true),
        (1, true),
        (3, true),
        (4, true),
        (2, false),
        (130, false),
    ] {
        let ran = bash(&shard_script(step, 1), &root(), &env, code);
        assert_eq!(
            ran.code == 0,
            passes,
            "{GITHUB}: when grantcheck run exits {code}, the shard step must {}",
            if passes {
                "pass and leave the verdict to the merge"
            } else {
                "fail"
            }
        );
    }
}

#[test]
fn github_merge_combines_every_shard_publishes_and_judges() {
    let doc = load(GITHUB);
    let (shard_id, shard_job) = github_job(&doc, "grantcheck run");
    let (id, job) = github_job(&doc, "grantcheck merge");
    assert!(
        strs(at(GITHUB, job, &["needs"]))
            .iter()
            .any(|n| n == shard_id),
        "{GITHUB}: job `{id}` does not need the shard job `{shard_id}`"
    );
    assert!(
        always(job),
        "{GITHUB}: job `{id}` must run when a shard failed (if: always() or !cancelled())"
    );
    let job_steps = steps(id, job);
    let merge_at = step_index(id, job, "grantcheck merge");
    let merge = &job_steps[merge_at];
    let step_id = merge.get("id").map(scalar).unwrap_or_else(|| {
        panic!("{GITHUB}: the merge step has no `id`, so no later step can read its exit code")
    });

    // Lay the shard reports out as the download step does: <path>/<artifact name>/.
    let matrix = shard_matrix(shard_id, shard_job);
    let shard_upload = upload_after(
        shard_id,
        shard_job,
        step_index(shard_id, shard_job, "grantcheck run"),
    );
    let artifact = scalar(at(GITHUB, shard_upload, &["with", "name"]));
    let download = job_steps[..merge_at]
        .iter()
        .find(|s| uses(s, "actions/download-artifact") && s["with"].get("pattern").is_some())
        .unwrap_or_else(|| {
            panic!("{GITHUB}: job `{id}` downloads no shard artifacts (download-artifact with a pattern)")
        });
    let pattern = scalar(&download["with"]["pattern"]);
    let into = download["with"]
        .get("path")
        .map(scalar)
        .unwrap_or_else(|| ".".into());
    let work = tempfile::tempdir().expect("temp dir");
    for shard in &matrix {
        let name = artifact.replace(MATRIX_SHARD, &shard.to_string());
        assert!(
            glob_match(&pattern, &name),
            "{GITHUB}: the artifact {name} does not match the download pattern {pattern}"
        );
        std::fs::create_dir_all(work.path().join(&into).join(&name)).expect("mkdir");
    }

    let output = work.path().join("github-output");
    let env = with_var(
        &github_env(&doc, job, PROFILE),
        "GITHUB_OUTPUT",
        &output.to_string_lossy(),
    );
    let mut report_dir = String::new();
    for code in 0..=4 {
        std::fs::write(&output, "").expect("write");
        let ran = bash(run_of(merge), work.path(), &env, code);
        assert_eq!(
            ran.code, 0,
            "{GITHUB}: the merge step must record exit code {code}, not fail on it (later steps publish the reports)"
        );
        let recorded = std::fs::read_to_string(&output).expect("read GITHUB_OUTPUT");
        assert!(
            recorded.lines().any(|l| l == format!("code={code}")),
            "{GITHUB}: the merge step did not write code={code} to $GITHUB_OUTPUT: {recorded:?}"
        );
        assert_eq!(
            merge_inputs(&ran.args).len(),
            matrix.len(),
            "{GITHUB}: `grantcheck merge` received {:?}, not the {} shard folders",
            merge_inputs(&ran.args),
            matrix.len()
        );
        report_dir = arg_after(&ran.args, "--report-dir")
            .unwrap_or_else(|| panic!("{GITHUB}: `grantcheck merge` has no --report-dir"))
            .trim_end_matches('/')
            .to_string();
    }

    let later = &job_steps[merge_at + 1..];
    let junit = format!("{report_dir}/junit.xml");
    let publish = later
        .iter()
        .find(|s| {
            s.get("with")
                .and_then(Value::as_object)
                .is_some_and(|w| w.values().any(|v| scalar(v).contains(&junit)))
        })
        .unwrap_or_else(|| panic!("{GITHUB}: no step after the merge publishes {junit}"));
    assert!(
        always(publish),
        "{GITHUB}: publishing {junit} must run when the merge step failed"
    );
    let upload = later
        .iter()
        .find(|s| {
            uses(s, "actions/upload-artifact")
                && scalar(&s["with"]["path"]).trim_end_matches('/') == report_dir
        })
        .unwrap_or_else(|| panic!("{GITHUB}: no step after the merge uploads {report_dir}"));
    assert!(
        always(upload),
        "{GITHUB}: uploading {report_dir} must run when the merge step failed"
    );

    // The judge: a step that always runs and reads the recorded exit code.
    let code_ref = format!("steps.{step_id}.outputs.code");
    let reads_code = |s: &Value| {
        s.get("env")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .find(|(_, v)| scalar(v).contains(&code_ref))
            .map(|(k, _)| k.clone())
    };
    let judge = later
        .iter()
        .find(|&s| always(s) && reads_code(s).is_some() && !run_of(s).is_empty())
        .unwrap_or_else(|| {
            panic!("{GITHUB}: no step that always runs reads {code_ref} to judge the run")
        });
    let var = reads_code(judge).unwrap();
    assert!(
        !run_of(judge).contains("${{"),
        "{GITHUB}: the judging step must read the code through env"
    );
    for (code, passes) in [
        ("0", true),
        ("1", false),
        ("2", false),
        ("3", true),
        ("4", true),
        ("", false),
    ] {
        let ran = bash(
            run_of(judge),
            work.path(),
            &[(var.clone(), code.to_string())],
            0,
        );
        assert_eq!(
            ran.code == 0,
            passes,
            "{GITHUB}: merge exit code {code:?} must {} the job",
            if passes { "not fail" } else { "fail" }
        );
        if code == "3" || code == "4" {
            assert!(
                ran.stdout.contains("::warning"),
                "{GITHUB}: exit {code} must leave a ::warning:: annotation, got: {}",
                ran.stdout
            );
        }
    }

    // Drift and blocked notify someone instead of turning the build red.
    let notify = job_steps
        .iter()
        .find(|s| {
            let cond = s.get("if").map(scalar).unwrap_or_default();
            cond.contains(&code_ref) && cond.contains("'3'") && cond.contains("'4'")
        })
        .unwrap_or_else(|| panic!("{GITHUB}: no step runs on exit codes 3 and 4 to notify"));
    let cond = scalar(&notify["if"]);
    assert!(
        !cond.contains("'1'") && !cond.contains("'2'"),
        "{GITHUB}: the notification step also runs on 1 or 2: {cond}"
    );
    assert!(
        run_of(notify).contains("gh issue"),
        "{GITHUB}: the notification step opens no issue"
    );
    assert_eq!(
        scalar(at(GITHUB, job, &["permissions", "issues"])),
        "write",
        "{GITHUB}: job `{id}` opens issues without `issues: write`"
    );
    for (k, v) in at(GITHUB, &doc, &["permissions"])
        .as_object()
        .into_iter()
        .flatten()
    {
        assert_ne!(
            scalar(v),
            "write",
            "{GITHUB}: the workflow grants `{k}: write` to every job; grant it to the job that needs it"
        );
    }
}

/// The profiles the workflow can run: the dispatch input's options and default, and
/// the quoted fallbacks in the `env` expression that reads the input.
fn github_profiles(doc: &Value) -> BTreeSet<String> {
    let input = at(
        GITHUB,
        triggers(doc),
        &["workflow_dispatch", "inputs", "profile"],
    );
    let mut names: BTreeSet<String> = strs(input.get("options").unwrap_or(&Value::Null))
        .into_iter()
        .collect();
    names.extend(input.get("default").map(scalar));
    for v in doc
        .get("env")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let v = scalar(v.1);
        if v.contains("inputs.profile") {
            names.extend(v.split('\'').skip(1).step_by(2).map(str::to_string));
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

/// Calls `f(path, text)` for every string in the document.
fn strings(v: &Value, path: &mut Vec<String>, f: &mut dyn FnMut(&[String], &str)) {
    match v {
        Value::String(s) => f(path.as_slice(), s.as_str()),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(i.to_string());
                strings(x, path, f);
                path.pop();
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                path.push(k.clone());
                strings(x, path, f);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The names after each `prefix` in `text` (`secrets.` → `NAME`).
fn names_after(text: &str, prefix: &str) -> Vec<String> {
    text.match_indices(prefix)
        .map(|(i, _)| {
            text[i + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn github_secrets_reach_grantcheck_under_the_profiles_variable_names() {
    let doc = load(GITHUB);
    let profiles = github_profiles(&doc);
    assert!(!profiles.is_empty(), "{GITHUB}: names no profile");
    let mut known = BTreeSet::new();
    for p in &profiles {
        assert!(
            root().join(format!("profiles/{p}.yaml")).is_file(),
            "{GITHUB}: names the profile `{p}`, but profiles/{p}.yaml does not exist"
        );
        known.extend(profile_vars(p).into_iter().map(|(v, _)| v));
    }
    // A secret may appear only as the whole value of an `env:` entry named after a
    // profile variable. A repository variable is held to the same rule when it is
    // mapped that way; inside a larger expression it configures the workflow itself.
    let mut secrets = 0;
    strings(&doc, &mut Vec::new(), &mut |path, text| {
        for (prefix, is_secret) in [("secrets.", true), ("vars.", false)] {
            for name in names_after(text, prefix) {
                if name == "GITHUB_TOKEN" {
                    continue;
                }
                let mapped = text.trim() == format!("${{{{ {prefix}{name} }}}}")
                    && path.len() >= 2
                    && path[path.len() - 2] == "env";
                if !mapped && !is_secret {
                    continue;
                }
                assert!(
                    mapped,
                    "{GITHUB}: `{prefix}{name}` at {} is not the whole value of an `env:` entry",
                    path.join(".")
                );
                let var = path.last().unwrap();
                assert!(
                    known.contains(var),
                    "{GITHUB}: `{prefix}{name}` is put in ${var}, which none of {profiles:?} references"
                );
                secrets += usize::from(is_secret);
            }
        }
    });
    assert!(
        secrets > 0,
        "{GITHUB}: passes no secrets to the live profiles"
    );

    // Every variable a live profile needs (one without a default) is set for the shards.
    let (id, job) = github_job(&doc, "grantcheck run");
    let provided: BTreeSet<String> = [doc.get("env"), job.get("env")]
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|m| m.keys().cloned())
        .collect();
    for p in profiles.iter().filter(|p| is_live(p)) {
        for (var, has_default) in profile_vars(p) {
            assert!(
                has_default || provided.contains(&var),
                "{GITHUB}: profile {p} needs ${{{var}}}, which job `{id}` does not set"
            );
        }
    }
}

#[test]
fn github_invocations_use_flags_the_cli_lists() {
    let doc = load(GITHUB);
    let scripts: Vec<String> = github_jobs(&doc)
        .iter()
        .flat_map(|(id, job)| steps(id, job).iter().map(|s| run_of(s).to_string()))
        .collect();
    let subs = assert_cli_accepts(GITHUB, &scripts);
    for sub in ["run", "merge"] {
        assert!(
            subs.contains(sub),
            "{GITHUB}: no step runs `grantcheck {sub}`"
        );
    }
}

// ---- GitLab CI ---------------------------------------------------------------------

const GITLAB_KEYWORDS: [&str; 10] = [
    "stages",
    "variables",
    "default",
    "include",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
];

fn gitlab_jobs(doc: &Value) -> Vec<(&str, &Value)> {
    doc.as_object()
        .unwrap_or_else(|| panic!("{GITLAB}: the top level is not a mapping"))
        .iter()
        .filter(|(k, v)| {
            !k.starts_with('.') && !GITLAB_KEYWORDS.contains(&k.as_str()) && v.is_object()
        })
        .map(|(k, v)| (k.as_str(), v))
        .collect()
}

fn script(job: &Value) -> String {
    strs(job.get("script").unwrap_or(&Value::Null)).join("\n")
}

fn gitlab_job<'a>(doc: &'a Value, needle: &str) -> (&'a str, &'a Value) {
    let found: Vec<_> = gitlab_jobs(doc)
        .into_iter()
        .filter(|(_, job)| script(job).contains(needle))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{GITLAB}: expected one job running `{needle}`, found {:?}",
        found.iter().map(|(id, _)| id).collect::<Vec<_>>()
    );
    found[0]
}

/// The job's rules, or those of the template it extends.
fn gitlab_rules<'a>(doc: &'a Value, id: &str, job: &'a Value) -> &'a [Value] {
    let rules = job.get("rules").or_else(|| {
        strs(job.get("extends").unwrap_or(&Value::Null))
            .iter()
            .find_map(|t| doc.get(t.as_str()).and_then(|t| t.get("rules")))
    });
    rules
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_else(|| panic!("{GITLAB}: job `{id}` has no rules"))
}

/// The top-level variables with their default values.
fn gitlab_env(doc: &Value) -> Vec<(String, String)> {
    at(GITLAB, doc, &["variables"])
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), scalar(v.get("value").unwrap_or(v))))
        .collect()
}

fn shard_env(doc: &Value, index: u64, total: u64) -> Vec<(String, String)> {
    let env = with_var(&gitlab_env(doc), "GRANTCHECK_PROFILE", PROFILE);
    let env = with_var(&env, "CI_NODE_INDEX", &index.to_string());
    with_var(&env, "CI_NODE_TOTAL", &total.to_string())
}

#[test]
fn gitlab_runs_on_schedules_and_by_hand_with_known_profiles() {
    let doc = load(GITLAB);
    let stages = strs(at(GITLAB, &doc, &["stages"]));
    assert_eq!(
        stages,
        ["build", "test", "merge"],
        "{GITLAB}: unexpected stages"
    );
    for (id, job) in gitlab_jobs(&doc) {
        let conditions: Vec<String> = gitlab_rules(&doc, id, job)
            .iter()
            .map(|r| r.get("if").map(scalar).unwrap_or_default())
            .collect();
        for source in ["\"schedule\"", "\"web\""] {
            assert!(
                conditions
                    .iter()
                    .any(|c| c.contains("$CI_PIPELINE_SOURCE") && c.contains(source)),
                "{GITLAB}: job `{id}` has no rule for CI_PIPELINE_SOURCE == {source}"
            );
        }
    }
    let profile = at(GITLAB, &doc, &["variables", "GRANTCHECK_PROFILE"]);
    for p in strs(profile.get("options").unwrap_or(&Value::Null))
        .into_iter()
        .chain(profile.get("value").map(scalar))
    {
        assert!(
            root().join(format!("profiles/{p}.yaml")).is_file(),
            "{GITLAB}: offers the profile `{p}`, but profiles/{p}.yaml does not exist"
        );
    }
    let (id, build) = gitlab_job(&doc, "cargo build --release --locked");
    let key_files = strs(at(GITLAB, build, &["cache", "key", "files"]));
    assert!(
        key_files.iter().any(|f| f == "Cargo.lock"),
        "{GITLAB}: job `{id}`'s cache is not keyed on Cargo.lock"
    );
    assert!(
        strs(at(GITLAB, build, &["artifacts", "paths"]))
            .iter()
            .any(|p| p == "target/release/grantcheck"),
        "{GITLAB}: job `{id}` does not keep target/release/grantcheck as an artifact"
    );
}

#[test]
fn gitlab_shards_cover_one_to_parallel_and_fail_only_on_errors_of_their_own() {
    let doc = load(GITLAB);
    let (id, job) = gitlab_job(&doc, "grantcheck run");
    let parallel = int(GITLAB, at(GITLAB, job, &["parallel"]), "`parallel`");
    assert!(
        parallel >= 2,
        "{GITLAB}: job `{id}` runs {parallel} shard(s)"
    );
    if let Some((_, total)) = gitlab_env(&doc)
        .into_iter()
        .find(|(k, _)| k == "SHARD_TOTAL")
    {
        assert_eq!(
            total,
            parallel.to_string(),
            "{GITLAB}: SHARD_TOTAL is {total} but job `{id}` runs parallel: {parallel}"
        );
    }
    assert_eq!(
        scalar(at(GITLAB, job, &["artifacts", "when"])),
        "always",
        "{GITLAB}: job `{id}` must keep its report when it fails (artifacts: when: always)"
    );
    let kept = strs(at(GITLAB, job, &["artifacts", "paths"]));
    let text = script(job);
    for index in 1..=parallel {
        let ran = bash(&text, &root(), &shard_env(&doc, index, parallel), 0);
        assert_eq!(
            ran.code, 0,
            "{GITLAB}: shard {index}'s script failed: {}",
            ran.stdout
        );
        assert_eq!(
            arg_after(&ran.args, "--shard"),
            Some(format!("{index}/{parallel}").as_str()),
            "{GITLAB}: shard {index} of {parallel} runs {:?}",
            ran.args
        );
        let fleet = arg_after(&ran.args, "--fleet").unwrap_or_else(|| {
            panic!(
                "{GITLAB}: profile {PROFILE} has a fleet file, but the shard runs without --fleet"
            )
        });
        assert!(
            root().join(fleet).is_file(),
            "{GITLAB}: the fleet {fleet} does not exist"
        );
        let written = arg_after(&ran.args, "--report-dir").unwrap_or_else(|| {
            panic!("{GITLAB}: shard {index} runs grantcheck without --report-dir")
        });
        assert!(
            kept.iter()
                .any(|p| written.starts_with(p.trim_end_matches('/'))),
            "{GITLAB}: shard {index} writes {written}, which its artifacts ({kept:?}) do not keep"
        );
    }
    for (code, passes) in [
        (0, true),
        (1, true),
        (3, true),
        (4, true),
        (2, false),
        (130, false),
    ] {
        let ran = bash(&text, &root(), &shard_env(&doc, 1, parallel), code);
        assert_eq!(
            ran.code == 0,
            passes,
            "{GITLAB}: when grantcheck run exits {code}, the shard job must {}",
            if passes {
                "pass and leave the verdict to the merge"
            } else {
                "fail"
            }
        );
    }
}

#[test]
fn gitlab_merge_reports_junit_and_only_warns_on_drift_or_blocked() {
    let doc = load(GITLAB);
    let (shard_id, shard) = gitlab_job(&doc, "grantcheck run");
    let (id, job) = gitlab_job(&doc, "grantcheck merge");
    assert!(
        strs(at(GITLAB, job, &["needs"]))
            .iter()
            .any(|n| n == shard_id),
        "{GITLAB}: job `{id}` does not need the shard job `{shard_id}`"
    );
    for rule in gitlab_rules(&doc, id, job) {
        assert_eq!(
            rule.get("when").map(scalar).as_deref(),
            Some("always"),
            "{GITLAB}: job `{id}` must run after failed shards too (when: always in every rule)"
        );
    }
    let codes: Vec<u64> = at(GITLAB, job, &["allow_failure", "exit_codes"])
        .as_array()
        .unwrap_or_else(|| panic!("{GITLAB}: allow_failure.exit_codes is not a list"))
        .iter()
        .map(|c| int(GITLAB, c, "an allowed exit code"))
        .collect();
    for (code, allowed) in [(3, true), (4, true), (1, false), (2, false)] {
        assert_eq!(
            codes.contains(&code),
            allowed,
            "{GITLAB}: allow_failure.exit_codes is {codes:?}; exit {code} must {}",
            if allowed {
                "only warn"
            } else {
                "fail the pipeline"
            }
        );
    }
    assert_eq!(
        scalar(at(GITLAB, job, &["artifacts", "when"])),
        "always",
        "{GITLAB}: job `{id}` must keep the merged report when it fails (artifacts: when: always)"
    );

    // Lay the shard reports out as the shard jobs' artifacts arrive.
    let parallel = int(GITLAB, at(GITLAB, shard, &["parallel"]), "`parallel`");
    let work = tempfile::tempdir().expect("temp dir");
    for index in 1..=parallel {
        let ran = bash(
            &script(shard),
            &root(),
            &shard_env(&doc, index, parallel),
            0,
        );
        let written = arg_after(&ran.args, "--report-dir").unwrap_or_else(|| {
            panic!("{GITLAB}: shard {index} runs grantcheck without --report-dir")
        });
        std::fs::create_dir_all(work.path().join(written)).expect("mkdir");
    }
    let text = script(job);
    let mut report_dir = String::new();
    for code in 0..=4 {
        let ran = bash(&text, work.path(), &gitlab_env(&doc), code);
        assert_eq!(
            ran.code, code,
            "{GITLAB}: job `{id}` must end with grantcheck merge's exit code {code}; allow_failure reads it"
        );
        assert_eq!(
            merge_inputs(&ran.args).len() as u64,
            parallel,
            "{GITLAB}: `grantcheck merge` received {:?}, not the {parallel} shard folders",
            merge_inputs(&ran.args)
        );
        report_dir = arg_after(&ran.args, "--report-dir")
            .unwrap_or_else(|| panic!("{GITLAB}: `grantcheck merge` has no --report-dir"))
            .trim_end_matches('/')
            .to_string();
    }
    let junit = strs(at(GITLAB, job, &["artifacts", "reports", "junit"]));
    assert!(
        junit.contains(&format!("{report_dir}/junit.xml")),
        "{GITLAB}: job `{id}` reports junit {junit:?}, but the merge writes {report_dir}/junit.xml"
    );
}

#[test]
fn gitlab_invocations_use_flags_the_cli_lists() {
    let doc = load(GITLAB);
    let scripts: Vec<String> = gitlab_jobs(&doc)
        .into_iter()
        .map(|(_, job)| script(job))
        .collect();
    let subs = assert_cli_accepts(GITLAB, &scripts);
    for sub in ["run", "merge"] {
        assert!(
            subs.contains(sub),
            "{GITLAB}: no job runs `grantcheck {sub}`"
        );
    }
}
