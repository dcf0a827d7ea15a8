//! Request builders, response readers and the fault-case harness shared by the
//! emulators' unit tests.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::collections::HashMap;

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

/// The query parameters of a redirect's Location, decoded once.
pub fn location_params(r: &EmuResponse) -> HashMap<String, String> {
    let location = r.header("location").unwrap_or("");
    let query = location.split_once('?').map_or("", |(_, q)| q);
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// `status error` of a JSON answer, or just the status.
pub fn outcome(r: &EmuResponse) -> String {
    match json(r)["error"].as_str() {
        Some(error) => format!("{} {error}", r.status),
        None => r.status.to_string(),
    }
}

/// What an authorize request led to: a redirected error, a code, or a page's status.
pub fn authorize_outcome(r: &EmuResponse) -> String {
    let p = location_params(r);
    match (r.status, p.get("error"), p.get("code")) {
        (302, Some(error), _) => format!("302 {error}"),
        (302, None, Some(_)) => "302 code".into(),
        (status, _, _) => status.to_string(),
    }
}

/// One fault switch, what to observe, and what a healthy and a faulty emulator show.
pub struct FaultCase<F, E> {
    pub fault: F,
    pub observe: fn(&mut E) -> String,
    pub healthy: &'static str,
    pub faulty: &'static str,
}

/// Every case shows its healthy value without faults and its faulty value with its
/// fault alone; and every fault in `all` has a case.
pub fn check_fault_cases<F, E>(cases: &[FaultCase<F, E>], all: &[F], emulator: impl Fn(&[F]) -> E)
where
    F: Copy + PartialEq + std::fmt::Display,
{
    let missing: Vec<String> = all
        .iter()
        .filter(|f| !cases.iter().any(|c| c.fault == **f))
        .map(ToString::to_string)
        .collect();
    assert!(missing.is_empty(), "faults without a case: {missing:?}");
    for case in cases {
        let name = case.fault;
        let healthy = (case.observe)(&mut emulator(&[]));
        assert_eq!(healthy, case.healthy, "{name}: healthy emulator");
        let faulty = (case.observe)(&mut emulator(&[case.fault]));
        assert_eq!(faulty, case.faulty, "{name}: with the fault");
    }
}

/// An authorization request under construction: parameters replaced or removed one at
/// a time, then sent as a GET to the emulator's authorize path.
#[derive(Debug, Clone)]
pub struct Authz {
    pub path: String,
    pub params: Vec<(String, String)>,
}

impl Authz {
    pub fn new(path: &str, params: &[(&str, &str)]) -> Self {
        Self {
            path: path.to_string(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    pub fn set(mut self, name: &str, value: &str) -> Self {
        self = self.without(name);
        self.params.push((name.into(), value.into()));
        self
    }

    pub fn without(mut self, name: &str) -> Self {
        self.params.retain(|(k, _)| k != name);
        self
    }

    pub fn request(&self) -> EmuRequest {
        let pairs: Vec<(&str, &str)> = self
            .params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        get(&self.path, &pairs)
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
