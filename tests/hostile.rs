//! Hostile servers: a small loopback HTTP server of ours that misbehaves in one way per
//! mode, and grantcheck run against it as a user would (the release or debug binary,
//! a live profile with real-looking secrets). For each mode: the run ends in bounded
//! time and memory with the expected exit code, and no secret appears, in any
//! encoding, in the console or in any file the run wrote.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

const CLIENT_ID: &str = "hostile-client-7";
const SECRET: &str = "hostile-secret/4b9e+f21 a7";
const PASSWORD: &str = "hostile-password-3c8d0e";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Echo,
    Html500,
    Huge,
    Truncated,
    Hang,
    Drip,
    Reset,
    RedirectLoop,
    ForeignDiscovery,
    TooManyRequests,
    Ansi,
}

struct Request {
    line: String,
    headers: Vec<(String, String)>,
    body: String,
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len.min(1 << 20)];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        line: line.trim_end().to_string(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

fn json_error(stream: &mut TcpStream, status: &str, description: &str) {
    let body = serde_json::json!({"error": "invalid_grant", "error_description": description});
    respond(
        stream,
        status,
        &[("content-type", "application/json".into())],
        body.to_string().as_bytes(),
    );
}

fn handle(mut stream: TcpStream, mode: Mode, origin: String) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Some(req) = read_request(&mut stream) else {
        return;
    };
    let path = req.line.split(' ').nth(1).unwrap_or("/").to_string();
    if path.starts_with("/.well-known/openid-configuration") {
        let token = if mode == Mode::ForeignDiscovery {
            // Somewhere the profile never named: secrets must not follow it there.
            "http://127.0.0.2:9/token".to_string()
        } else {
            format!("{origin}/token")
        };
        let doc = serde_json::json!({
            "issuer": origin,
            "authorization_endpoint": format!("{origin}/authorize"),
            "token_endpoint": token,
            "jwks_uri": format!("{origin}/jwks"),
        });
        respond(
            &mut stream,
            "200 OK",
            &[("content-type", "application/json".into())],
            doc.to_string().as_bytes(),
        );
        return;
    }
    if path.starts_with("/authorize") {
        if mode == Mode::RedirectLoop {
            respond(&mut stream, "302 Found", &[("location", path.clone())], b"");
            return;
        }
        let query = path.split_once('?').map_or("", |(_, q)| q);
        let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let mut to = url::Url::parse(&get("redirect_uri").unwrap_or_default())
            .unwrap_or_else(|_| url::Url::parse("https://app.example.test/cb").unwrap());
        to.query_pairs_mut()
            .append_pair("code", "hostile-code-0123456789abcdef")
            .append_pair("state", &get("state").unwrap_or_default());
        respond(
            &mut stream,
            "302 Found",
            &[("location", to.to_string())],
            b"",
        );
        return;
    }
    // The token endpoint (and anything else): the mode's misbehaviour.
    let everything = format!(
        "{} {} {}",
        req.line,
        req.headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("; "),
        req.body
    );
    match mode {
        Mode::Echo => {
            let basic = req
                .headers
                .iter()
                .find(|(k, _)| k == "authorization")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let decoded_body: String = url::form_urlencoded::parse(req.body.as_bytes())
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ");
            let percent: String =
                url::form_urlencoded::byte_serialize(decoded_body.as_bytes()).collect();
            let description = format!(
                "raw [{everything}] basic [{basic}] decoded [{decoded_body}] percent [{}] lower [{}] double [{}] b64 [{}] b64url [{}]",
                percent.replace('+', "%20"),
                percent.to_ascii_lowercase(),
                percent.replace('%', "%25"),
                STANDARD.encode(&decoded_body),
                URL_SAFE_NO_PAD.encode(&decoded_body),
            );
            json_error(&mut stream, "400 Bad Request", &description);
        }
        Mode::Html500 => respond(
            &mut stream,
            "500 Internal Server Error",
            &[("content-type", "text/html".into())],
            format!("<html><body><h1>Oops</h1><pre>{everything}</pre></body></html>").as_bytes(),
        ),
        Mode::Huge => {
            let size: usize = 200 * 1024 * 1024;
            let head = format!(
                "HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {size}\r\n\r\n"
            );
            let _ = stream.write_all(head.as_bytes());
            let chunk = vec![b'x'; 1 << 20];
            for _ in 0..200 {
                if stream.write_all(&chunk).is_err() {
                    return;
                }
            }
        }
        Mode::Truncated => {
            let _ = stream.write_all(
                b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"error\":",
            );
        }
        Mode::Hang => std::thread::sleep(Duration::from_secs(30)),
        Mode::Drip => {
            let _ = stream.write_all(
                b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n",
            );
            for _ in 0..300 {
                if stream.write_all(b" ").is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Mode::Reset => {}
        Mode::TooManyRequests => respond(
            &mut stream,
            "429 Too Many Requests",
            &[
                ("retry-after", "1".into()),
                ("content-type", "application/json".into()),
            ],
            br#"{"error":"slow_down"}"#,
        ),
        Mode::Ansi => json_error(
            &mut stream,
            "400 Bad Request",
            "\u{1b}[2J\u{1b}]0;pwned\u{7}\r173 passed, 0 failed\u{1b}]8;;http://evil/\u{1b}\\link",
        ),
        Mode::RedirectLoop | Mode::ForeignDiscovery => {
            json_error(&mut stream, "400 Bad Request", "x")
        }
    }
}

fn serve(mode: Mode) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let o = origin.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let o = o.clone();
            std::thread::spawn(move || handle(stream, mode, o));
        }
    });
    origin
}

fn profile(dir: &std::path::Path) -> std::path::PathBuf {
    let text = "vendor: generic
environment: local
base_url: ${HOSTILE_URL}
discovery: openid
endpoints: {}
redirect_uri: https://app.example.test/callback
scopes:
  default: openid
clients:
  confidential:
    id: hostile-client-7
    secret: ${HOSTILE_SECRET}
    auth: client_secret_post
  confidential_basic:
    id: hostile-client-7
    secret: ${HOSTILE_SECRET}
    auth: client_secret_basic
  public:
    id: hostile-public-1
    auth: none
users:
  patient:
    username: patient
    password: ${HOSTILE_PASSWORD}
login:
  method: form
timeouts:
  request_secs: 2
  run_secs: 60
features: [oauth2]
";
    let path = dir.join("hostile.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Every form a secret could be written in.
fn leaks(text: &str) -> Vec<String> {
    let mut forms = Vec::new();
    for s in [SECRET, PASSWORD] {
        let form: String = url::form_urlencoded::byte_serialize(s.as_bytes()).collect();
        forms.extend([
            s.to_string(),
            form.clone(),
            form.replace('+', "%20"),
            form.to_ascii_lowercase(),
            form.replace('%', "%25"),
            STANDARD.encode(s),
            URL_SAFE_NO_PAD.encode(s),
        ]);
    }
    let basic = STANDARD.encode(format!("{CLIENT_ID}:{SECRET}"));
    forms.push(basic[8..basic.len() - 4].to_string());
    forms
        .into_iter()
        .filter(|f| text.contains(f.as_str()))
        .collect()
}

fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

struct Observed {
    code: Option<i32>,
    out: String,
    wall: Duration,
    peak_kib: u64,
    reports: tempfile::TempDir,
}

fn run(mode: Mode) -> Observed {
    let origin = serve(mode);
    let dir = tempfile::tempdir().unwrap();
    let profile = profile(dir.path());
    let reports = tempfile::tempdir().unwrap();
    let snaps = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_grantcheck"))
        .args(["run", "--no-lint", "--tags", "@rfc6749-5.2", "--profile"])
        .arg(&profile)
        .arg("--report-dir")
        .arg(reports.path().join("run"))
        .arg("--snapshot-dir")
        .arg(snaps.path())
        .env("GRANTCHECK_ROOT", common::root())
        .env("HOSTILE_URL", &origin)
        .env("HOSTILE_SECRET", SECRET)
        .env("HOSTILE_PASSWORD", PASSWORD)
        .env_remove("INSTA_UPDATE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Peak memory, sampled from /proc while it runs (VmHWM only grows).
    let pid = child.id();
    let mut peak_kib = 0;
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/status"))
            && let Some(v) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak_kib = peak_kib.max(v);
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "{mode:?}: the run did not end"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    out.push_str(&err);
    // No secret in the console, any report file or any snapshot written.
    let mut files = Vec::new();
    files_under(reports.path(), &mut files);
    files_under(snaps.path(), &mut files);
    let mut leaked = leaks(&out);
    for f in &files {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        leaked.extend(
            leaks(&text)
                .into_iter()
                .map(|l| format!("{}: {l}", f.display())),
        );
    }
    assert!(
        leaked.is_empty(),
        "{mode:?}: secrets leaked: {leaked:?}\n{out}"
    );
    Observed {
        code: status.code(),
        out,
        wall: started.elapsed(),
        peak_kib,
        reports,
    }
}

fn expect(mode: Mode, code: i32, max_wall: u64) -> Observed {
    let o = run(mode);
    eprintln!(
        "{mode:?}: exit {:?}, {:.2} s, peak {:.1} MiB",
        o.code,
        o.wall.as_secs_f64(),
        o.peak_kib as f64 / 1024.0
    );
    assert_eq!(o.code, Some(code), "{mode:?}:\n{}", o.out);
    assert!(
        o.wall < Duration::from_secs(max_wall),
        "{mode:?} took {:?}",
        o.wall
    );
    assert!(o.peak_kib < 150 * 1024, "{mode:?}: peak {} KiB", o.peak_kib);
    assert!(!o.out.contains("panicked"), "{mode:?}: {}", o.out);
    o
}

#[test]
fn a_server_echoing_every_request_back_leaks_no_secret() {
    let o = expect(Mode::Echo, 1, 30);
    assert!(o.out.contains("invalid_grant"), "{}", o.out);
}

#[test]
fn an_html_error_page_fails_with_what_was_received() {
    let o = expect(Mode::Html500, 1, 30);
    assert!(o.out.contains("HTTP 500"), "{}", o.out);
}

#[test]
fn a_200_mb_body_costs_bounded_time_and_memory() {
    let o = expect(Mode::Huge, 1, 60);
    let results = std::fs::read_to_string(o.reports.path().join("run/results.json")).unwrap();
    assert!(
        results.len() < 20 * 1024 * 1024,
        "results.json is {} bytes",
        results.len()
    );
    assert!(
        results.contains("more bytes than the body limit"),
        "truncation is reported"
    );
}

#[test]
fn a_truncated_body_fails_saying_so() {
    let o = expect(Mode::Truncated, 1, 30);
    assert!(
        o.out
            .contains("HTTP 400 arrived, but reading the body failed"),
        "{}",
        o.out
    );
}

#[test]
fn a_server_that_hangs_or_drips_is_cut_off_by_the_request_timeout() {
    expect(Mode::Hang, 1, 40);
    expect(Mode::Drip, 1, 40);
}

#[test]
fn a_connection_reset_fails_the_scenarios() {
    expect(Mode::Reset, 1, 30);
}

#[test]
fn a_redirect_loop_names_where_it_looped() {
    let o = expect(Mode::RedirectLoop, 1, 30);
    assert!(o.out.contains("redirect loop"), "{}", o.out);
    assert!(o.out.contains("/authorize"), "{}", o.out);
}

#[test]
fn a_discovery_document_pointing_elsewhere_gets_no_secret() {
    let o = run(Mode::ForeignDiscovery);
    assert_eq!(o.code, Some(2), "{}", o.out);
    assert!(o.out.contains("allowed_origins"), "{}", o.out);
    assert!(o.out.contains("127.0.0.2:9"), "{}", o.out);
}

/// A server that refuses everything for load has judged nothing: the token requests
/// (never sent twice) are blocked with what arrived, and the run says so with exit 4.
#[test]
fn a_429_blocks_with_what_was_received() {
    let o = expect(Mode::TooManyRequests, 4, 30);
    assert!(
        o.out
            .contains("refused the request for load (HTTP 429, Retry-After: 1)"),
        "{}",
        o.out
    );
}

#[test]
fn escape_sequences_from_a_server_never_reach_the_terminal_raw() {
    let o = expect(Mode::Ansi, 1, 30);
    assert!(
        !o.out.contains('\u{1b}') && !o.out.contains('\u{7}'),
        "{:?}",
        o.out
    );
    assert!(!o.out.contains('\r'), "{:?}", o.out);
    let html = std::fs::read_to_string(o.reports.path().join("run/report.html")).unwrap();
    assert!(!html.contains('\u{1b}'), "raw escape in report.html");
}
