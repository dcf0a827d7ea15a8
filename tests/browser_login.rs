//! The `browser` login driver in real chromium (through chromedriver) against the
//! emulators: the scenarios that sign in pass exactly as with the `form` driver, on the
//! plain HTML sign-in page and on the script-built one (`emulator.sign_in: script`,
//! where the form driver is blocked), and a sign-in that gets stuck blocks its scenario
//! naming the step, with a screenshot and the page's text (redacted) in the evidence.
//!
//! Needs Debian's chromium and chromium-driver (`.ci/run` installs them); without them
//! these tests say so and pass only when GRANTCHECK_SKIP_BROWSER_TESTS is set.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use grantcheck::runner::Outcome;
use grantcheck::runner::RunResult;

/// The scenarios run in the browser, by id: every way a sign-in goes at each vendor
/// (code and PKCE, state, consent refused and a scope withheld, a user the practice
/// does not know, a remembered session, logout, redirect URI errors shown as a page or
/// sent by redirect, the standards' page checks). The whole `@needs-login` selection
/// (127 scenarios at athenahealth) passes too but takes about 100 s on two cores.
const ATHENAHEALTH: &[&str] = &[
    "athena-sign-in-confidential",
    "athena-sign-in-public-pkce",
    "athena-sign-in-state-returned",
    "athena-sign-in-no-portal-access",
    "athena-consent-denied",
    "athena-consent-scope-withheld",
    "athena-session-reused",
    "athena-logout-ends-session",
    "athena-redirect-uri-unregistered",
    "athena-redirect-uri-errors-by-redirect",
    "redirect-uri-other-port",
    "pages-no-framing",
    "sign-in-no-307",
];
const ORACLE_HEALTH: &[&str] = &[
    "oracle-provider-code-exchange",
    "oracle-provider-unknown-credentials",
    "oracle-redirect-uri-trailing-slash",
    "oracle-code-single-use",
    "oracle-provider-scopes-dropped",
    "oracle-aud-missing",
    "oracle-redirect-uri-unregistered",
    "oracle-provider-pkce-verifier",
    "redirect-uri-other-port",
    "pages-no-framing",
    "sign-in-no-307",
];

/// One browser run at a time: each starts its own chromedriver and three chromiums.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn tags(ids: &[&str]) -> String {
    ids.iter()
        .map(|id| format!("@id:{id}"))
        .collect::<Vec<_>>()
        .join(" or ")
}

const CANARY: &str = "canary-browser-password-5e1d7a93";

fn browsers_present() -> bool {
    match grantcheck::login::browser::find_binaries() {
        Ok(_) => true,
        Err(e) if std::env::var_os("GRANTCHECK_SKIP_BROWSER_TESTS").is_some() => {
            eprintln!("browser login tests skipped: {e}");
            false
        }
        Err(e) => panic!("{e}"),
    }
}

/// `profiles/<name>.yaml` copied into `dir` (same file name, so the same baselines)
/// with `login.method` replaced and `extra` appended under `login:`.
fn profile_copy(dir: &Path, name: &str, method: &str, extra: &str) -> PathBuf {
    let text = std::fs::read_to_string(common::root().join(format!("profiles/{name}.yaml")))
        .expect("profile");
    assert!(
        text.contains("  method: form\n"),
        "{name} signs in with the form driver"
    );
    let text = text.replace("  method: form\n", &format!("  method: {method}\n{extra}"));
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn run(
    profile: &Path,
    tags: &str,
    env: Option<HashMap<String, String>>,
) -> (RunResult, tempfile::TempDir) {
    let reports = tempfile::tempdir().unwrap();
    let profile = profile.display().to_string();
    let (result, _snaps) = common::run_with(
        &[profile.as_str()],
        &[],
        Some(tags),
        reports.path(),
        env,
        false,
    );
    (result, reports)
}

fn outcomes(result: &RunResult) -> BTreeMap<String, String> {
    result
        .records
        .iter()
        .map(|r| {
            let o = match &r.outcome {
                Outcome::Blocked { reason } => format!("blocked: {reason}"),
                Outcome::Failed { .. } => format!("failed: {:?}", r.outcome.failures()),
                o => o.label().to_string(),
            };
            (format!("{} ({})", r.id, r.scenario), o)
        })
        .collect()
}

fn same_as_form(vendor: &str, ids: &[&str]) {
    if !browsers_present() {
        return;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let selection = tags(ids);
    let dir = tempfile::tempdir().unwrap();
    let (form, _) = run(
        &profile_copy(dir.path(), vendor, "form", ""),
        &selection,
        None,
    );
    let started = std::time::Instant::now();
    let (browser, _) = run(
        &profile_copy(dir.path(), vendor, "browser", ""),
        &selection,
        None,
    );
    eprintln!(
        "{vendor}: {} scenarios in chromium in {:.1} s",
        browser.records.len(),
        started.elapsed().as_secs_f64()
    );
    let (form, browser) = (outcomes(&form), outcomes(&browser));
    let bad: Vec<_> = browser
        .iter()
        .filter(|(_, o)| o.starts_with("failed") || o.starts_with("blocked"))
        .collect();
    assert!(bad.is_empty(), "{vendor} in chromium: {bad:#?}");
    let passed = |m: &BTreeMap<String, String>| {
        m.iter()
            .filter(|(_, o)| o.starts_with("passed"))
            .map(|(k, _)| k.clone())
            .collect::<Vec<_>>()
    };
    assert!(passed(&browser).len() >= 8, "{browser:#?}");
    assert_eq!(passed(&browser), passed(&form), "browser vs form");

    // The vendor's script-built sign-in page (`emulator.sign_in: script`), which the
    // form driver cannot get past: chromium signs in there as on the HTML page.
    let scripted_profile = profile_copy(dir.path(), vendor, "browser", "");
    let text = std::fs::read_to_string(&scripted_profile).unwrap();
    assert!(text.contains("\nemulator:\n"), "{vendor} is emulated");
    std::fs::write(
        &scripted_profile,
        text.replacen("\nemulator:\n", "\nemulator:\n  sign_in: script\n", 1),
    )
    .unwrap();
    let (scripted, _) = run(&scripted_profile, &selection, None);
    let scripted = outcomes(&scripted);
    let bad: Vec<_> = scripted
        .iter()
        .filter(|(_, o)| o.starts_with("failed") || o.starts_with("blocked"))
        .collect();
    assert!(
        bad.is_empty(),
        "{vendor}, script page, in chromium: {bad:#?}"
    );
    assert_eq!(
        passed(&scripted),
        passed(&form),
        "browser on the script page vs form on the HTML page"
    );
}

#[test]
fn athenahealth_signs_in_with_chromium_as_with_forms() {
    same_as_form("athenahealth-emulated", ATHENAHEALTH);
}

#[test]
fn oracle_health_signs_in_with_chromium_as_with_forms() {
    same_as_form("oracle-health-emulated", ORACLE_HEALTH);
}

/// A step waiting for an element the page never has: the scenario is blocked (not
/// failed) naming the step; the evidence has the screenshot and the page's visible
/// text, and no secret.
#[test]
fn a_stuck_sign_in_blocks_the_scenario_with_a_screenshot() {
    if !browsers_present() {
        return;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let steps = "  browser:\n    timeout_secs: 2\n    steps:\n      \
                 - fill: { css: \"input[name=username]\", value: \"${user.username}\" }\n      \
                 - fill: { css: \"input[name=password]\", value: \"${user.password}\" }\n      \
                 - wait_for: { css: \"#second-factor\" }\n      \
                 - submit: { css: \"input[name=password]\" }\n";
    let profile = profile_copy(dir.path(), "athenahealth-emulated", "browser", steps);
    let env: HashMap<String, String> = [("ATHENA_EMU_PATIENT_PASSWORD", CANARY)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let (result, _reports) = run(&profile, "@id:athena-sign-in-confidential", Some(env));
    assert_eq!(result.records.len(), 1, "{:#?}", outcomes(&result));
    let record = &result.records[0];
    let Outcome::Blocked { reason } = &record.outcome else {
        panic!("not blocked: {:?}", record.outcome);
    };
    assert!(
        reason.contains("step 3 (`wait_for`)") && reason.contains("#second-factor"),
        "{reason}"
    );
    let shot = record
        .evidence
        .iter()
        .find(|e| e.screenshot_png.is_some())
        .expect("a screenshot in the evidence");
    use base64::Engine as _;
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot.screenshot_png.as_ref().unwrap())
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let text = shot.response_body.as_deref().unwrap_or_default();
    assert!(text.contains("Password"), "the page's visible text: {text}");
    let everything = serde_json::to_string(&record).unwrap();
    assert!(!everything.contains(CANARY), "the password leaked");
    let report =
        std::fs::read_to_string(result.report_dir.join("report.html")).expect("report.html");
    assert!(
        report.contains("data:image/png;base64,"),
        "the report shows it"
    );
    assert!(
        !report.contains(CANARY),
        "the password leaked into the report"
    );
}
