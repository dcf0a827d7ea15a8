//! Evidence: every HTTP exchange of a scenario, redacted when it is captured so that an
//! unredacted copy never exists outside the request itself.

use std::time::Duration;

use serde::Serialize;

use super::{Request, Response};
use crate::redact::Redactor;

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Exchange {
    pub method: String,
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub elapsed_ms: f64,
    /// A browser page where the `browser` login driver got stuck: its screenshot
    /// (PNG, base64), with the fields' values masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screenshot_png: Option<String>,
}

/// Bodies beyond this are cut in evidence: a login page is evidence, a megabyte is not.
const MAX_BODY: usize = 16 * 1024;

impl Exchange {
    /// A bare exchange, for unit tests of what reads evidence.
    pub fn sample(method: &str, url: &str, status: u16) -> Self {
        Self {
            method: method.into(),
            url: url.into(),
            request_headers: Vec::new(),
            request_body: None,
            status: Some(status),
            response_headers: Vec::new(),
            response_body: None,
            error: None,
            elapsed_ms: 0.0,
            screenshot_png: None,
        }
    }

    pub(super) fn capture(
        r: &Redactor,
        req: &Request,
        sent_headers: &[(String, String)],
        outcome: Result<&Response, &str>,
        elapsed: Duration,
    ) -> Self {
        let request_body = req
            .body
            .as_ref()
            .map(|b| truncate(r.body(Some(&b.content_type), &b.bytes)));
        let headers = |h: &[(String, String)]| {
            h.iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), r.header(k, v)))
                .collect::<Vec<_>>()
        };
        let (status, response_headers, response_body, error) = match outcome {
            Ok(resp) => (
                Some(resp.status),
                headers(&resp.headers)
                    .into_iter()
                    .map(|(k, v)| {
                        // Redirect targets carry codes and tokens in their query.
                        if k == "location" {
                            (k, r.url(&v))
                        } else {
                            (k, v)
                        }
                    })
                    .collect(),
                Some({
                    let mut body = truncate(r.body(resp.content_type(), &resp.body));
                    if let Some(n) = resp.truncated {
                        body.push_str(&format!(
                            "\n[the server sent {n} more bytes than the body limit; not kept]"
                        ));
                    }
                    body
                }),
                None,
            ),
            Err(e) => (None, Vec::new(), None, Some(r.text(e))),
        };
        Self {
            method: req.method.to_string(),
            url: r.url(req.url.as_str()),
            request_headers: headers(sent_headers),
            request_body,
            status,
            response_headers,
            response_body,
            error,
            elapsed_ms: elapsed.as_secs_f64() * 1000.0,
            screenshot_png: None,
        }
    }

    /// One line for failure messages: `POST https://… → 400`.
    pub fn summary(&self) -> String {
        match (self.status, &self.error) {
            (Some(s), _) => format!("{} {} → {s}", self.method, self.url),
            (None, Some(e)) => format!("{} {} → no response ({e})", self.method, self.url),
            (None, None) => format!("{} {}", self.method, self.url),
        }
    }
}

fn truncate(mut s: String) -> String {
    if s.len() > MAX_BODY {
        let mut cut = MAX_BODY;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("… [truncated]");
    }
    s
}
