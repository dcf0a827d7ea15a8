//! `grantcheck emulate`'s request log: every request an app sends is one line on the
//! console (method, path, what the emulator decided) with the findings `lint` and
//! `explain` make of it, and with `--record DIR` one line of `requests.ndjson`; when
//! the emulator stops, JUnit (one case per kind of finding) and an HTML page.
//!
//! A finding says what a vendor's server would make of the request: a refusal with
//! its catalog id and fix, and also a request the emulator accepted that the vendor's
//! documents flag (comma-separated scopes, a secret in the wrong place, a PKCE
//! verifier of the wrong length), so an app's CI can fail on it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

use crate::diagnose;
use crate::emulators::{EmuRequest, EmuResponse};
use crate::vendors::Vendor;

/// Parameters whose values are never written: the app's secrets and what it was issued.
const SECRET_PARAMS: &[&str] = &[
    "client_secret",
    "code",
    "code_verifier",
    "refresh_token",
    "access_token",
    "token",
    "password",
    "client_assertion",
    "assertion",
    "id_token_hint",
    "sessionToken",
];

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub n: u64,
    pub at: String,
    pub method: String,
    pub path: String,
    /// Query and form parameters, secrets masked.
    pub params: Vec<(String, String)>,
    pub status: u16,
    pub decision: String,
    pub findings: Vec<LogFinding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogFinding {
    /// Catalog id (`OKT-01`, `ATH-03`) or lint rule id.
    pub id: String,
    pub severity: &'static str,
    pub why: String,
    pub fix: String,
}

/// The log of one emulator session.
pub struct AppLog {
    /// Off while the banner reads the emulator's own documents: only the app's
    /// requests are logged.
    listening: std::sync::atomic::AtomicBool,
    origin: String,
    vendor: Option<Vendor>,
    record: Option<PathBuf>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    entries: Vec<Entry>,
    ndjson: Option<std::fs::File>,
    /// The scope each authorization request asked for, by its `state`, then by the
    /// code the response carried: what the token response is compared with.
    scope_by_state: std::collections::HashMap<String, String>,
    scope_by_code: std::collections::HashMap<String, String>,
}

impl AppLog {
    /// `record`: the folder for `requests.ndjson` and the reports (created).
    pub fn new(
        origin: &str,
        vendor: Option<Vendor>,
        record: Option<&Path>,
    ) -> Result<Self, String> {
        let mut state = State::default();
        if let Some(dir) = record {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("--record {}: cannot create it: {e}", dir.display()))?;
            let path = dir.join("requests.ndjson");
            state.ndjson = Some(
                std::fs::File::create(&path)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
            );
        }
        Ok(Self {
            listening: std::sync::atomic::AtomicBool::new(false),
            origin: origin.trim_end_matches('/').to_string(),
            vendor,
            record: record.map(Path::to_path_buf),
            state: Mutex::new(state),
        })
    }

    /// From now on, every exchange is the app's.
    pub fn listen(&self) {
        self.listening
            .store(true, std::sync::atomic::Ordering::Release);
    }

    /// Logs one exchange: the console line, and the record's line at once (a stopped
    /// emulator loses nothing).
    pub fn observe(&self, req: &EmuRequest, resp: &EmuResponse) {
        if !self.listening.load(std::sync::atomic::Ordering::Acquire) {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut findings = self.findings(req, resp);
        findings.extend(self.dropped_scopes(&mut state, req, resp));
        let entry = Entry {
            n: state.entries.len() as u64 + 1,
            at: now(),
            method: req.method.clone(),
            path: req.path.clone(),
            params: params(req),
            status: resp.status,
            decision: decision(resp),
            findings,
        };
        println!("{}", line(&entry));
        if let Some(f) = state.ndjson.as_mut()
            && let Ok(json) = serde_json::to_string(&entry)
        {
            let _ = writeln!(f, "{json}");
            let _ = f.flush();
        }
        state.entries.push(entry);
    }

    fn findings(&self, req: &EmuRequest, resp: &EmuResponse) -> Vec<LogFinding> {
        let mut out = Vec::new();
        let url = format!("{}{}", self.origin, req.path);
        let linted = if req.method == "GET"
            && req.query_param("response_type").is_some()
            && let Some(q) = &req.raw_query
        {
            diagnose::lint_url_for(&format!("{url}?{q}"), self.vendor).ok()
        } else if req.method == "GET" && resp.status == 404 {
            // A URL the server does not have: what lint sees in it (a tenant id that
            // is no UUID, a path of another vendor) says why.
            let full = match &req.raw_query {
                Some(q) => format!("{url}?{q}"),
                None => url.clone(),
            };
            diagnose::lint_url_for(&full, self.vendor).ok()
        } else if req.method == "POST" && !req.form().is_empty() {
            diagnose::lint_curl_for(&as_curl(&url, req), self.vendor).ok()
        } else {
            None
        };
        for f in linted.into_iter().flatten() {
            out.push(LogFinding {
                id: f.rule.to_string(),
                severity: f.severity.as_str(),
                why: f.why,
                fix: f.fix,
            });
        }
        if let Some(text) = refusal(resp) {
            let hint = self.vendor.map(Vendor::as_str);
            if let Ok(e) = diagnose::explain::explain(&text, hint)
                && let Some(d) = e.matched.first()
                && !out.iter().any(|f| f.id == d.id)
            {
                out.push(LogFinding {
                    id: d.id.to_string(),
                    severity: "error",
                    why: d.cause.clone(),
                    fix: d.fix.clone(),
                });
            }
        }
        out
    }

    /// A token response that grants less than the authorization request asked for:
    /// the server may (RFC 6749 §3.3), silently at 200 (athenahealth drops what the
    /// user did not consent to, ATH-04; Oracle Health what the app may not have,
    /// CER-10), so the app must read the granted `scope` rather than assume it.
    fn dropped_scopes(
        &self,
        state: &mut State,
        req: &EmuRequest,
        resp: &EmuResponse,
    ) -> Option<LogFinding> {
        if req.method == "GET"
            && let (Some(s), Some(scope)) = (req.query_param("state"), req.query_param("scope"))
        {
            state.scope_by_state.insert(s, scope);
            return None;
        }
        if let Some(loc) = resp
            .headers
            .iter()
            .find(|(k, _)| k == "location")
            .and_then(|(_, v)| url::Url::parse(v).ok())
        {
            let q: Vec<(String, String)> = loc.query_pairs().into_owned().collect();
            let get = |n: &str| q.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
            if let (Some(code), Some(s)) = (get("code"), get("state"))
                && let Some(scope) = state.scope_by_state.get(&s).cloned()
            {
                state.scope_by_code.insert(code, scope);
            }
            return None;
        }
        let code = req
            .form()
            .into_iter()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v)?;
        let asked = state.scope_by_code.get(&code)?.clone();
        let body: serde_json::Value = serde_json::from_slice(&resp.body).ok()?;
        let granted = body.get("scope")?.as_str()?;
        let dropped: Vec<&str> = asked
            .split(' ')
            .filter(|s| !s.is_empty() && !granted.split(' ').any(|g| g == *s))
            .collect();
        if resp.status != 200 || dropped.is_empty() {
            return None;
        }
        let id = match self.vendor {
            Some(Vendor::Athenahealth) => "ATH-04",
            Some(Vendor::OracleHealth) => "CER-10",
            _ => "RFC6749-3.3",
        };
        Some(LogFinding {
            id: id.to_string(),
            severity: "warning",
            why: format!(
                "the token response grants less than the app asked for: {} left out \
                 (the server may do so, saying it in `scope`: RFC 6749 §3.3, §5.1)",
                dropped.join(", ")
            ),
            fix: "Read `scope` from the token response and do not call what needs a scope \
                  that was left out (a FHIR read would be refused with 403)."
                .into(),
        })
    }

    /// Writes JUnit and the HTML page into the record folder; the exit code: 1 when a
    /// finding is an error, else 0.
    pub fn finish(&self) -> i32 {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let errors = state
            .entries
            .iter()
            .flat_map(|e| &e.findings)
            .filter(|f| f.severity == "error")
            .count();
        if let Some(dir) = &self.record {
            let write = |name: &str, text: String| {
                if let Err(e) = std::fs::write(dir.join(name), text) {
                    eprintln!("error: cannot write {}: {e}", dir.join(name).display());
                }
            };
            write("junit.xml", junit(&state.entries));
            write("report.html", html(&state.entries));
        }
        println!(
            "{} request(s), {} finding(s), {errors} error(s)",
            state.entries.len(),
            state
                .entries
                .iter()
                .map(|e| e.findings.len())
                .sum::<usize>()
        );
        i32::from(errors > 0)
    }
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn masked(k: &str, v: &str) -> String {
    if SECRET_PARAMS.contains(&k) {
        "[redacted]".into()
    } else {
        v.to_string()
    }
}

fn params(req: &EmuRequest) -> Vec<(String, String)> {
    req.query()
        .into_iter()
        .chain(req.form())
        .map(|(k, v)| {
            let v = masked(&k, &v);
            (k, v)
        })
        .collect()
}

/// The request as `curl`, for the token-request lint (secrets included: the lint
/// masks what it shows).
fn as_curl(url: &str, req: &EmuRequest) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut cmd = format!("curl -X POST {}", quote(url));
    for (k, v) in &req.headers {
        if matches!(k.as_str(), "authorization" | "content-type" | "accept") {
            cmd.push_str(&format!(" -H {}", quote(&format!("{k}: {v}"))));
        }
    }
    let body = String::from_utf8_lossy(&req.body);
    cmd.push_str(&format!(" --data-raw {}", quote(&body)));
    cmd
}

/// What the emulator did, in words.
fn decision(resp: &EmuResponse) -> String {
    let header = |n: &str| {
        resp.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    };
    if (300..400).contains(&resp.status)
        && let Some(loc) = header("location")
    {
        let query: Vec<(String, String)> = url::Url::parse(loc)
            .map(|u| u.query_pairs().into_owned().collect())
            .unwrap_or_default();
        let get = |n: &str| query.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        return match (get("code"), get("error")) {
            (Some(_), _) => "redirected to the app with a code".into(),
            (None, Some(e)) => format!("redirected to the app with error {e}"),
            _ => {
                let path = url::Url::parse(loc).map_or(loc.to_string(), |u| u.path().to_string());
                format!("redirected to {path}")
            }
        };
    }
    let json: Option<serde_json::Value> = serde_json::from_slice(&resp.body).ok();
    if let Some(e) = json
        .as_ref()
        .and_then(|j| j.get("error"))
        .and_then(|e| e.as_str())
    {
        return format!("refused: {e}");
    }
    if json
        .as_ref()
        .is_some_and(|j| j.get("access_token").is_some())
    {
        return "tokens issued".into();
    }
    let html = header("content-type").is_some_and(|c| c.contains("html"));
    match (resp.status, html) {
        (200, true) => "a page".into(),
        (s, true) if s >= 400 => format!("an error page (HTTP {s})"),
        (s, _) => format!("HTTP {s}"),
    }
}

/// The response as `explain` reads it, when it refuses something.
fn refusal(resp: &EmuResponse) -> Option<String> {
    let mut text = format!("HTTP/1.1 {}\n", resp.status);
    for (k, v) in &resp.headers {
        text.push_str(&format!("{k}: {v}\n"));
    }
    text.push('\n');
    text.push_str(&String::from_utf8_lossy(&resp.body));
    let redirected_error = (300..400).contains(&resp.status)
        && resp
            .headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("location") && v.contains("error="));
    (resp.status >= 400 || redirected_error).then_some(text)
}

/// One console line, and a line per finding.
pub fn line(e: &Entry) -> String {
    let mut s = format!(
        "{:>4} {:<6} {:<40} -> {}",
        e.n, e.method, e.path, e.decision
    );
    for f in &e.findings {
        let mark = if f.severity == "error" { "x" } else { "!" };
        s.push_str(&format!("\n       {mark} {} {}", f.id, f.why));
        if !f.fix.is_empty() {
            s.push_str(&format!("\n         fix: {}", f.fix));
        }
    }
    s
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One test case per kind of finding (its id), failed when any of them is an error.
fn junit(entries: &[Entry]) -> String {
    let mut kinds: std::collections::BTreeMap<&str, Vec<(&Entry, &LogFinding)>> =
        Default::default();
    for e in entries {
        for f in &e.findings {
            kinds.entry(f.id.as_str()).or_default().push((e, f));
        }
    }
    let failures = kinds
        .values()
        .filter(|v| v.iter().any(|(_, f)| f.severity == "error"))
        .count();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"grantcheck emulate: the app's requests\" tests=\"{}\" failures=\"{failures}\">\n",
        kinds.len().max(1)
    );
    if kinds.is_empty() {
        out.push_str(&format!(
            "<testcase classname=\"requests\" name=\"{} request(s), no findings\"/>\n",
            entries.len()
        ));
    }
    for (id, all) in &kinds {
        out.push_str(&format!(
            "<testcase classname=\"requests\" name=\"{}\">",
            xml(id)
        ));
        let detail: Vec<String> = all
            .iter()
            .map(|(e, f)| {
                format!(
                    "#{} {} {}: {} (fix: {})",
                    e.n, e.method, e.path, f.why, f.fix
                )
            })
            .collect();
        let tag = if all.iter().any(|(_, f)| f.severity == "error") {
            "failure"
        } else {
            "system-out"
        };
        out.push_str(&format!(
            "<{tag}{}>{}</{tag}>",
            if tag == "failure" {
                format!(" message=\"{}\"", xml(&all[0].1.why))
            } else {
                String::new()
            },
            xml(&detail.join("\n"))
        ));
        out.push_str("</testcase>\n");
    }
    out.push_str("</testsuite>\n</testsuites>\n");
    out
}

fn html(entries: &[Entry]) -> String {
    let mut rows = String::new();
    for e in entries {
        let findings: Vec<String> = e
            .findings
            .iter()
            .map(|f| {
                format!(
                    "<b>{}</b> {} <i>{}</i>",
                    xml(&f.id),
                    xml(&f.why),
                    xml(&f.fix)
                )
            })
            .collect();
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            e.n,
            xml(&e.method),
            xml(&e.path),
            e.status,
            xml(&e.decision),
            findings.join("<br>")
        ));
    }
    format!(
        "<!DOCTYPE html><meta charset=\"utf-8\"><title>grantcheck emulate: requests</title>\n\
         <style>body{{font-family:sans-serif}}td{{border-top:1px solid #ccc;padding:4px;vertical-align:top}}</style>\n\
         <h1>The app's requests</h1><table><tr><th>#</th><th>method</th><th>path</th><th>status</th><th>decision</th><th>findings</th></tr>\n{rows}</table>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, path: &str, query: Option<&str>, body: &str) -> EmuRequest {
        EmuRequest {
            method: method.into(),
            path: path.into(),
            raw_query: query.map(str::to_string),
            headers: vec![(
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            )],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn decisions_and_masked_params() {
        let redirect =
            EmuResponse::new(302).with_header("location", "https://app/cb?code=abc&state=s");
        assert_eq!(decision(&redirect), "redirected to the app with a code");
        let refused = EmuResponse::new(400)
            .with_header("content-type", "application/json")
            .with_body(br#"{"error":"invalid_grant"}"#.to_vec());
        assert_eq!(decision(&refused), "refused: invalid_grant");
        let r = req(
            "POST",
            "/token",
            None,
            "grant_type=authorization_code&code=c0de&code_verifier=v",
        );
        let p = params(&r);
        assert!(p.contains(&("code".into(), "[redacted]".into())), "{p:?}");
        assert!(p.contains(&("grant_type".into(), "authorization_code".into())));
    }

    #[test]
    fn a_grant_narrower_than_the_request_is_a_warning() {
        let log = AppLog::new("http://127.0.0.1:1", Some(Vendor::Athenahealth), None).unwrap();
        log.listen();
        let mut authorize = req(
            "GET",
            "/authorize",
            Some("scope=openid%20patient%2FPatient.read&state=s1&response_type=code&client_id=c"),
            "",
        );
        authorize.headers.clear();
        log.observe(&authorize, &EmuResponse::html(200, "sign in"));
        log.observe(
            &req("POST", "/consent/t", None, "consent=allow"),
            &EmuResponse::redirect("https://app/cb?code=k1&state=s1"),
        );
        let tokens = EmuResponse::json(
            200,
            &serde_json::json!({"access_token": "a", "scope": "openid"}),
        );
        log.observe(
            &req(
                "POST",
                "/token",
                None,
                "grant_type=authorization_code&code=k1",
            ),
            &tokens,
        );
        let state = log.state.lock().unwrap();
        let last = state.entries.last().unwrap();
        let f = last
            .findings
            .iter()
            .find(|f| f.id == "ATH-04")
            .expect("ATH-04");
        assert!(
            f.why.contains("patient/Patient.read") && f.severity == "warning",
            "{f:?}"
        );
    }

    #[test]
    fn the_record_holds_every_request_and_the_exit_code_follows_the_errors() {
        let dir = tempfile::tempdir().unwrap();
        let log = AppLog::new("http://127.0.0.1:1", None, Some(dir.path())).unwrap();
        log.observe(&req("GET", "/before", None, ""), &EmuResponse::new(200));
        log.listen();
        let ok = EmuResponse::new(200).with_body(br#"{"access_token":"t"}"#.to_vec());
        log.observe(&req("GET", "/keys", None, ""), &ok);
        assert_eq!(log.finish(), 0);
        let refused = EmuResponse::new(401)
            .with_header("content-type", "application/json")
            .with_body(br#"{"error":"invalid_client","error_description":"Client authentication failed."}"#.to_vec());
        log.observe(
            &req(
                "POST",
                "/token",
                None,
                "grant_type=client_credentials&client_id=x&client_secret=s3cr3t",
            ),
            &refused,
        );
        assert_eq!(log.finish(), 1, "a refusal is an error finding");
        let ndjson = std::fs::read_to_string(dir.path().join("requests.ndjson")).unwrap();
        assert_eq!(ndjson.lines().count(), 2);
        assert!(!ndjson.contains("s3cr3t"), "{ndjson}");
        let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
        assert!(junit.contains("<failure"), "{junit}");
        assert!(dir.path().join("report.html").exists());
    }
}
