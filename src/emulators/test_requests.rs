//! Request builders and response readers shared by the emulators' unit tests.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use url::form_urlencoded;

use super::{EmuRequest, EmuResponse};

fn encode(params: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        s.append_pair(k, v);
    }
    s.finish()
}

pub fn get(path: &str, params: &[(&str, &str)]) -> EmuRequest {
    get_raw(path, &encode(params))
}

pub fn get_raw(path: &str, raw_query: &str) -> EmuRequest {
    EmuRequest {
        method: "GET".into(),
        path: path.into(),
        raw_query: (!raw_query.is_empty()).then(|| raw_query.to_string()),
        ..EmuRequest::default()
    }
}

pub fn post(path: &str, params: &[(&str, &str)]) -> EmuRequest {
    EmuRequest {
        method: "POST".into(),
        path: path.into(),
        headers: vec![(
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body: encode(params).into_bytes(),
        ..EmuRequest::default()
    }
}

pub fn with_header(mut req: EmuRequest, name: &str, value: &str) -> EmuRequest {
    req.headers
        .push((name.to_ascii_lowercase(), value.to_string()));
    req
}

pub fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

pub fn text(r: &EmuResponse) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

pub fn json(r: &EmuResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}
