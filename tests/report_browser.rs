//! The HTML report in a real browser: Debian's chromium driven through chromedriver.
//! The report must render offline from a file:// URL without console errors, show a
//! failed scenario's evidence, and contain no secret. A screenshot is kept beside the
//! report (target/report-browser-test/report.png) for a person to look at.

mod common;

use std::collections::HashMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};

const CANARY_SECRET: &str = "canary-report-secret-4f9c2e71";
const CANARY_PASSWORD: &str = "canary-report-password-8a3d6b05";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn find(candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(|p| p.to_string())
}

/// Debian's chromium and chromium-driver, installed by the test itself when missing
/// (as the oidc-provider peer test runs `npm ci`), so `cargo test` passes on a fresh
/// machine. Installing needs root and apt-get; without them the test says what to do.
fn browser_binaries() -> (String, String) {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
    let driver = ["/usr/bin/chromedriver"];
    if let (Some(c), Some(d)) = (find(&chromium), find(&driver)) {
        return (c, d);
    }
    let how = "apt-get install chromium chromium-driver";
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("chromium is missing and apt-get cannot run ({e}): {how}"))
    };
    eprintln!("report browser test: installing chromium and chromium-driver with apt-get");
    assert!(
        apt(&["update", "-qq"]).success(),
        "apt-get update failed: {how} as root"
    );
    assert!(
        apt(&["install", "-y", "-qq", "chromium", "chromium-driver"]).success(),
        "installing chromium failed: {how} as root"
    );
    match (find(&chromium), find(&driver)) {
        (Some(c), Some(d)) => (c, d),
        _ => panic!("chromium or chromedriver still missing after apt-get: {how}"),
    }
}

#[test]
fn the_report_renders_in_chromium_with_evidence_and_no_secrets() {
    let (chromium, chromedriver) = browser_binaries();

    // A run with a failing check (a wrong secret accepted) and a payload drift.
    let dir = common::root().join("target/report-browser-test");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let env: HashMap<String, String> = [
        ("ATHENA_EMU_CONFIDENTIAL_SECRET", CANARY_SECRET),
        ("ATHENA_EMU_PATIENT_PASSWORD", CANARY_PASSWORD),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let (result, _snaps) = common::run_into(
        &["athenahealth-emulated"],
        &["accept-wrong-secret", "legacy-okta-wording"],
        None,
        &dir,
        Some(env),
    );
    assert_eq!(result.exit_code(), 1);
    let report = dir.join("report.html");
    let html = std::fs::read_to_string(&report).expect("report.html written");
    for canary in [CANARY_SECRET, CANARY_PASSWORD] {
        assert!(!html.contains(canary), "a secret leaked into report.html");
    }
    assert!(
        !html.contains("<script"),
        "the report must not need scripts"
    );
    assert!(
        !html.contains("src=\"http"),
        "the report must not load external assets"
    );

    let (_driver, webdriver) = start_driver(&chromedriver);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let profile_dir = tempfile::tempdir().unwrap();
        let client = open_report(&webdriver, &chromium, profile_dir.path(), &report).await;
        let title = client.title().await.unwrap();
        assert!(title.starts_with("grantcheck report"), "{title}");

        // The failed scenario is marked, and its evidence is open and visible.
        let failed = client
            .find(Locator::Css(".scenario.is-failed"))
            .await
            .expect("a failed scenario in the report");
        let text = failed.text().await.unwrap();
        assert!(text.contains("A wrong client secret is refused"), "{text}");
        assert!(text.contains("token_error_is"), "{text}");
        let blocks = failed
            .find_all(Locator::Css("details.evidence pre"))
            .await
            .expect("evidence under the failed scenario");
        assert!(blocks.len() >= 2, "expected request and response blocks");
        let mut exchanges = String::new();
        for b in &blocks {
            assert!(b.is_displayed().await.unwrap(), "evidence is not visible");
            exchanges.push_str(&b.text().await.unwrap());
            exchanges.push('\n');
        }
        assert!(exchanges.contains("POST http://127.0.0.1:"), "{exchanges}");
        assert!(
            exchanges.contains("client_secret=[redacted]"),
            "{exchanges}"
        );
        assert!(
            exchanges.contains("\"access_token\":\"[redacted]\""),
            "{exchanges}"
        );
        // Drift is summarised on its own.
        let drift = client
            .find(Locator::Id("drift"))
            .await
            .expect("drift section");
        assert!(drift.is_displayed().await.unwrap());
        client
            .find(Locator::Id("cat-OKT-01"))
            .await
            .expect("coverage row");
        // Navigation for an auditor: contents, scenarios by outcome (failed open),
        // and the step that failed marked in the failed scenario.
        client
            .find(Locator::Css("nav.toc a[href='#by-outcome']"))
            .await
            .expect("table of contents");
        let by_failed = client
            .find(Locator::Css("#outcome-failed ul"))
            .await
            .expect("failed scenarios index");
        assert!(by_failed.is_displayed().await.unwrap());
        let marked = failed
            .find(Locator::Css("li.failed-step"))
            .await
            .expect("the failing step is marked");
        assert!(marked.text().await.unwrap().contains("refused"));

        let png = client.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        std::fs::write(dir.join("report.png"), png).unwrap();

        assert_no_console_errors(&client, &webdriver).await;
        let page = client.source().await.unwrap();
        assert!(!page.contains(CANARY_SECRET) && !page.contains(CANARY_PASSWORD));
        client.close().await.unwrap();
    });
}

/// chromedriver on a free port, stopped when the guard drops; its URL.
fn start_driver(chromedriver: &str) -> (Driver, String) {
    let port = free_port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    (Driver(child), format!("http://127.0.0.1:{port}"))
}

/// A headless chromium session, with its browser log kept, showing `report`.
async fn open_report(
    webdriver: &str,
    chromium: &str,
    profile_dir: &std::path::Path,
    report: &std::path::Path,
) -> fantoccini::Client {
    let started = Instant::now();
    while reqwest::get(format!("{webdriver}/status")).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     "--window-size=1280,2000",
                     format!("--user-data-dir={}", profile_dir.display())],
        }),
    );
    caps.insert(
        "goog:loggingPrefs".into(),
        serde_json::json!({"browser": "ALL"}),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(webdriver)
        .await
        .expect("a chromium session");
    client
        .goto(&format!("file://{}", report.display()))
        .await
        .expect("the report opens");
    client
}

/// Console errors, through chromedriver's log endpoint.
async fn assert_no_console_errors(client: &fantoccini::Client, webdriver: &str) {
    let session = client.session_id().await.unwrap().expect("session id");
    let logs: serde_json::Value = reqwest::Client::new()
        .post(format!("{webdriver}/session/{session}/se/log"))
        .json(&serde_json::json!({"type": "browser"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let severe: Vec<&serde_json::Value> = logs["value"]
        .as_array()
        .map(|a| a.iter().filter(|e| e["level"] == "SEVERE").collect())
        .unwrap_or_default();
    assert!(logs["value"].is_array(), "no browser log: {logs}");
    assert!(severe.is_empty(), "console errors: {severe:?}");
}

/// A fleet's report in chromium: the scenario × tenant matrix is there and readable,
/// a failed cell's row leads to the failed scenario with its evidence, and passed
/// results are summarised rather than repeated per tenant.
#[test]
fn a_fleet_report_opens_in_chromium_with_its_matrix() {
    let (chromium, chromedriver) = browser_binaries();
    let dir = common::root().join("target/report-browser-test/fleet");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fleet = dir.join("tenants.csv");
    std::fs::write(
        &fleet,
        "name,ATHENA_PRACTICE_ID,ATHENA_BRAND_ID\nnorth,195900,1\nsouth,195901,2\neast,195902,3\n",
    )
    .unwrap();
    let snaps = tempfile::tempdir().unwrap();
    let opts = grantcheck::runner::RunOptions {
        root: common::root(),
        profiles: vec!["athenahealth-emulated".into()],
        fleet: Some(fleet),
        faults: vec!["accept-wrong-secret".into()],
        report_dir: Some(dir.join("run")),
        snapshot_dir: Some(snaps.path().to_path_buf()),
        console: grantcheck::runner::Console::Quiet,
        ..Default::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let result = rt
        .block_on(grantcheck::runner::run(opts))
        .expect("fleet run");
    assert_eq!(result.exit_code(), 1);
    let report = dir.join("run/report.html");

    let (_driver, webdriver) = start_driver(&chromedriver);
    rt.block_on(async {
        let profile_dir = tempfile::tempdir().unwrap();
        let client = open_report(&webdriver, &chromium, profile_dir.path(), &report).await;
        let matrix = client
            .find(Locator::Css("#matrix + p + div.matrix table"))
            .await
            .expect("the matrix");
        assert!(matrix.is_displayed().await.unwrap());
        let heads = matrix.find_all(Locator::Css("th.t")).await.unwrap();
        let mut names = Vec::new();
        for h in &heads {
            names.push(h.text().await.unwrap());
        }
        assert_eq!(names.len(), 3, "{names:?}");
        assert!(
            names.iter().all(|n| n.contains("(1)")),
            "every tenant failed: {names:?}"
        );
        let failed = matrix.find_all(Locator::Css("td.c.failed")).await.unwrap();
        assert_eq!(failed.len() % 3, 0);
        assert!(!failed.is_empty());
        // The failed cell's row links to the scenario, with each tenant's failure and
        // its evidence; the passed results are one summary line, not three blocks.
        let row = matrix
            .find(Locator::XPath("//tr[td[contains(@class,'failed')]]/th/a"))
            .await
            .expect("the failed row's link");
        let href = row.attr("href").await.unwrap().unwrap();
        row.click().await.unwrap();
        let url = client.current_url().await.unwrap();
        assert!(url.as_str().ends_with(&href), "{url} vs {href}");
        let scenario = client
            .find(Locator::Id(href.trim_start_matches('#')))
            .await
            .expect("the scenario");
        let text = scenario.text().await.unwrap();
        for tenant in ["north", "south", "east"] {
            assert!(
                text.contains(&format!("athenahealth-emulated@{tenant}")),
                "{text}"
            );
        }
        let evidence = scenario
            .find_all(Locator::Css("details.evidence"))
            .await
            .unwrap();
        assert_eq!(evidence.len(), 3, "one evidence block per failing tenant");
        let passed = client
            .find(Locator::XPath(
                "//div[contains(@class,'is-passed')][.//div[contains(text(),'passed on 3 ')]]",
            ))
            .await
            .expect("a scenario passed on every tenant, summarised in one line");
        assert!(passed.find(Locator::Css("details.evidence")).await.is_err());
        std::fs::write(dir.join("fleet.png"), client.screenshot().await.unwrap()).unwrap();
        assert_no_console_errors(&client, &webdriver).await;
        client.close().await.unwrap();
    });
}
