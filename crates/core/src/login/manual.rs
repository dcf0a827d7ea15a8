//! The `manual` login driver: a person signs in. grantcheck prints the authorization
//! URL and waits, with a deadline and a countdown, for the URL the browser was sent back
//! to: pasted on standard input, or, when the redirect URI is on loopback
//! (`http://127.0.0.1:PORT/…`, RFC 8252 §7.3), received on that port directly. One
//! sign-in is asked for at a time; the other scenarios wait their turn.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::sync::{Mutex, mpsc};
use url::Url;

use super::{LoginError, LoginOutcome, LoginTrace};
use crate::oauth::authorize::{RedirectParams, is_redirect_to};

/// The person's console: the request is shown on standard error and the answer read
/// from standard input, one sign-in at a time for the whole process.
pub struct Console {
    /// Lines of standard input, read by a thread of their own (a blocking read must
    /// not hold an executor thread), started at the first sign-in.
    lines: Mutex<Option<mpsc::Receiver<String>>>,
    turn: Mutex<()>,
}

/// The process's one console.
pub fn console() -> &'static Console {
    static CONSOLE: std::sync::LazyLock<Console> = std::sync::LazyLock::new(|| Console {
        lines: Mutex::new(None),
        turn: Mutex::new(()),
    });
    &CONSOLE
}

impl Console {
    /// The next line typed or pasted; `None` once standard input is closed.
    async fn next_line(&self) -> Option<String> {
        let mut lines = self.lines.lock().await;
        let rx = lines.get_or_insert_with(|| {
            let (tx, rx) = mpsc::channel(16);
            std::thread::spawn(move || {
                for line in std::io::stdin().lines() {
                    let Ok(line) = line else { break };
                    if tx.blocking_send(line).is_err() {
                        break;
                    }
                }
            });
            rx
        });
        rx.recv().await
    }
}

/// Shown on standard error at once (short writes; never waits on a reader).
fn say(text: &str) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// Asks a person to sign in at `start` for `scenario`, and waits up to `timeout` for
/// the redirect to `redirect_uri`.
pub async fn drive(
    console: &Console,
    scenario: &str,
    start: &Url,
    redirect_uri: &str,
    timeout: Duration,
) -> Result<(LoginOutcome, LoginTrace), LoginError> {
    let _turn = console.turn.lock().await;
    let listener = loopback_listener(redirect_uri).await;
    let how = if listener.is_some() {
        "sign in there; this run receives the redirect itself (or paste the URL the \
         browser was sent to, then Enter)"
    } else {
        "sign in there, then paste the URL the browser was sent to (it starts with the \
         redirect URI) and press Enter"
    };
    let prompt = format!(
        "\n== sign-in needed for \"{scenario}\"\nOpen:\n  {start}\n{how}; waiting {} s.\n",
        timeout.as_secs()
    );
    say(&prompt);

    let deadline = tokio::time::Instant::now() + timeout;
    let mut ticks = tokio::time::interval(Duration::from_secs(30));
    ticks.tick().await;
    loop {
        let answer = tokio::select! {
            line = console.next_line() => match line {
                Some(l) => Answer::Pasted(l),
                None => Answer::Closed,
            },
            got = accept_redirect(listener.as_ref()) => Answer::Pasted(got),
            _ = tokio::time::sleep_until(deadline) => Answer::TimedOut,
            _ = ticks.tick() => {
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                say(&format!("   … {} s left for \"{scenario}\"\n", left.as_secs()));
                continue;
            }
        };
        match answer {
            Answer::Pasted(line) => {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                if is_redirect_to(line, redirect_uri) {
                    say("   received, thank you\n");
                    return Ok((
                        LoginOutcome::Redirected(RedirectParams::parse(line)),
                        LoginTrace {
                            credentials_entered: true,
                            consent_answered: true,
                        },
                    ));
                }
                say(&format!(
                    "   that is not a URL under {redirect_uri}; paste the address the \
                     browser was sent to\n"
                ));
            }
            Answer::Closed => {
                return Err(LoginError::Blocked(
                    "nobody signed in: standard input was closed before a redirect URL came".into(),
                ));
            }
            Answer::TimedOut => {
                return Err(LoginError::Blocked(format!(
                    "nobody signed in within {} s (`login.manual_timeout_secs`)",
                    timeout.as_secs()
                )));
            }
        }
    }
}

enum Answer {
    Pasted(String),
    Closed,
    TimedOut,
}

/// A listener on the redirect URI's port when it is a loopback IP over http, so the
/// browser's redirect arrives here; `None` otherwise or when the port is taken.
async fn loopback_listener(redirect_uri: &str) -> Option<(tokio::net::TcpListener, Url)> {
    let url = Url::parse(redirect_uri).ok()?;
    let host = url.host_str()?;
    if url.scheme() != "http" || !(host.starts_with("127.") || host == "[::1]") {
        return None;
    }
    let listener = tokio::net::TcpListener::bind((host.trim_matches(['[', ']']), url.port()?))
        .await
        .ok()?;
    Some((listener, url))
}

/// The redirect's full URL, from the first request on the listener that reads as one;
/// never resolves without a listener.
async fn accept_redirect(listener: Option<&(tokio::net::TcpListener, Url)>) -> String {
    use tokio::io::AsyncReadExt;
    let Some((listener, base)) = listener else {
        return std::future::pending().await;
    };
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let mut buf = vec![0u8; 8192];
        let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await
        else {
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..n]).into_owned();
        let target = head
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("GET "))
            .and_then(|l| l.split(' ').next())
            .and_then(|path| base.join(path).ok());
        let page = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n\
                    grantcheck received the sign-in; this window can be closed.\n";
        let _ = stream.write_all(page.as_bytes()).await;
        if let Some(url) = target {
            return url.to_string();
        }
    }
}
