//! Secrets never reach console output, reports, evidence or snapshots: the suite runs
//! with unique canary values for every secret, including failing scenarios (whose
//! messages quote what the server sent), and nothing it writes may contain them.

mod common;

use std::process::Command;

/// A unique canary value for every variable every shipped emulated profile reads.
fn canaries() -> Vec<(String, String)> {
    let re = regex::Regex::new(r"\$\{([A-Z][A-Z0-9_]*_(?:SECRET|PASSWORD))\}").unwrap();
    let mut vars = std::collections::BTreeSet::new();
    for e in std::fs::read_dir(common::root().join("profiles"))
        .unwrap()
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with("-emulated.yaml") {
            let text = std::fs::read_to_string(e.path()).unwrap();
            vars.extend(re.captures_iter(&text).map(|c| c[1].to_string()));
        }
    }
    assert!(vars.len() >= 14, "{vars:?}");
    vars.into_iter()
        .enumerate()
        // A space and a slash, so encoded forms differ from the raw one.
        .map(|(i, v)| {
            (
                v,
                format!(
                    "canary/{i:02} x-{:08x}",
                    0x9e37_79b9u32.wrapping_mul(i as u32 + 1)
                ),
            )
        })
        .collect()
}

/// The forms a canary could leak in: raw, form- and percent-encoded, base64.
fn encodings(canary: &str) -> Vec<String> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let form: String = url::form_urlencoded::byte_serialize(canary.as_bytes()).collect();
    vec![
        canary.to_string(),
        form.clone(),
        form.replace('+', "%20"),
        form.replace('%', "%25"),
        STANDARD.encode(canary),
        URL_SAFE_NO_PAD.encode(canary),
    ]
}

fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn no_secret_appears_in_output_reports_or_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let snaps = common::snapshot_copy();
    let reports = dir.path().join("reports");
    // Faults that make scenarios fail, so failure messages and drift are written too.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grantcheck"));
    cmd.args([
        "run",
        "--fault",
        "token-errors-not-json",
        "--fault",
        "allow-code-reuse",
        "--fault",
        "accept-wrong-secret",
        "--fault",
        "legacy-okta-wording",
        "--fault",
        "pkce-error-with-reason",
        "--fault",
        "accept-wrong-secret",
        "--fault",
        "legacy-underscore-urns",
    ])
    .arg("--report-dir")
    .arg(&reports)
    .arg("--snapshot-dir")
    .arg(snaps.path())
    .env("GRANTCHECK_ROOT", common::root())
    .env_remove("INSTA_UPDATE");
    let canaries = canaries();
    for (k, v) in &canaries {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("run grantcheck");
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(1),
        "the faults must make the run fail:\n{stdout}\n{stderr}"
    );

    let mut written = Vec::new();
    files(&reports, &mut written);
    files(snaps.path(), &mut written);
    assert!(written.iter().any(|p| p.ends_with("results.json")));
    // Drift is recorded in the results either way; insta writes `.snap.new` files
    // too, except under CI=true.
    let results_text = std::fs::read_to_string(reports.join("results.json")).unwrap();
    assert!(
        results_text.contains("\"snapshot\":"),
        "the faults must have produced payload drift"
    );
    let mut haystacks = vec![
        ("stdout".to_string(), stdout.into_owned()),
        ("stderr".to_string(), stderr.into_owned()),
    ];
    for p in &written {
        haystacks.push((
            p.display().to_string(),
            std::fs::read_to_string(p).unwrap_or_default(),
        ));
    }
    for (name, text) in &haystacks {
        for (var, canary) in &canaries {
            for form in encodings(canary) {
                assert!(
                    !text.contains(&form),
                    "{var}'s value leaked into {name} as {form}"
                );
            }
        }
    }

    // Values the server issued are masked structurally wherever evidence shows them.
    // Every exchange of every scenario is in the stream (results.json embeds only
    // those the reports show).
    let stream = std::fs::read_to_string(reports.join("results.ndjson")).unwrap();
    let mut exchanges = 0;
    for line in stream.lines() {
        let s: serde_json::Value = serde_json::from_str(line).unwrap();
        for e in s["evidence"].as_array().unwrap() {
            exchanges += 1;
            for (name, value) in e["request_headers"]
                .as_array()
                .unwrap()
                .iter()
                .chain(e["response_headers"].as_array().unwrap())
                .map(|h| (h[0].as_str().unwrap(), h[1].as_str().unwrap()))
            {
                match name {
                    "authorization" => assert!(
                        value == "Basic [redacted]" || value == "Bearer [redacted]",
                        "{value}"
                    ),
                    "cookie" | "set-cookie" => assert!(
                        value.contains("=[redacted]")
                            || value.starts_with("sid=;")
                            || value.is_empty(),
                        "{name}: {value}"
                    ),
                    "location" => assert!(
                        !value.contains("code=") || value.contains("code=[redacted]"),
                        "{value}"
                    ),
                    _ => {}
                }
            }
            for field in ["request_body", "response_body"] {
                let body = e[field].as_str().unwrap_or("");
                for secret_field in [
                    "access_token",
                    "refresh_token",
                    "id_token",
                    "client_secret",
                    "code_verifier",
                    "password",
                ] {
                    for m in body.match_indices(secret_field) {
                        let rest = &body[m.0 + secret_field.len()..];
                        let rest = rest.trim_start_matches(['"', ':', '=']);
                        assert!(
                            rest.starts_with("[redacted]")
                                || rest.starts_with("%5Bredacted%5D")
                                || rest.starts_with('&')
                                || rest.is_empty()
                                || !rest.starts_with(|c: char| c.is_ascii_alphanumeric()),
                            "{secret_field} not masked in {field}: {}",
                            &body[m.0..(m.0 + 80).min(body.len())]
                        );
                    }
                }
            }
        }
    }
    assert!(exchanges > 100, "only {exchanges} exchanges recorded");
}
