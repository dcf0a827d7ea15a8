//! Reading and checking the SMART configuration document.

use cucumber::step::Context;
use serde_json::Value;

use super::{StepFn, World, arg, step};
use crate::checks::discovery as d;
use crate::http::Request;
use crate::snapshot::Payload;

pub(super) const STEPS: &[(&str, StepFn)] = &[
    (r"^the app reads the SMART configuration$", step!(read)),
    (
        r"^the SMART configuration names the authorization and token endpoints and capabilities$",
        step!(required),
    ),
    (
        r#"^the SMART configuration lists the capability "([^"]*)"$"#,
        step!(capability),
    ),
    (
        r"^the SMART configuration does not offer the plain PKCE method$",
        step!(no_plain),
    ),
    (
        r#"^the SMART configuration lists the client authentication methods "([^"]*)"$"#,
        step!(auth_methods),
    ),
];

async fn read(w: &mut World, _: Context) {
    let Some(base) = w.target().endpoints.fhir_base.clone() else {
        w.fail_with(w.target().missing_endpoint("fhir_base"))
    };
    let url = format!(
        "{}/.well-known/smart-configuration",
        base.as_str().trim_end_matches('/')
    );
    let url = match url::Url::parse(&url) {
        Ok(u) => u,
        Err(e) => w.fail_with(format!("{url}: {e}")),
    };
    let resp = w
        .send(Request::get(url).header("accept", "application/json"))
        .await;
    w.must(crate::checks::response::status_is(&resp, 200));
    w.must(crate::checks::response::json_content_type(&resp));
    let doc = resp.json().unwrap_or(Value::Null);
    w.flow.last = Some(resp.clone());
    // The document is a drift signal in itself (e.g. PKCE appearing in it).
    w.snapshot(Payload {
        status: resp.status,
        content_type: resp.content_type().map(str::to_owned),
        body: doc,
    });
}

fn doc(w: &World) -> Value {
    match w.flow.last.as_ref().and_then(|r| r.json()) {
        Some(d) => d,
        None => w.fail_with("no SMART configuration was read".into()),
    }
}

async fn required(w: &mut World, _: Context) {
    let doc = doc(w);
    w.must(d::smart_required_members(&doc));
}

async fn capability(w: &mut World, ctx: Context) {
    let doc = doc(w);
    w.must(d::capability_listed(&doc, arg(&ctx, 1)));
}

async fn no_plain(w: &mut World, _: Context) {
    let doc = doc(w);
    w.must(d::no_plain_pkce(&doc));
}

async fn auth_methods(w: &mut World, ctx: Context) {
    let doc = doc(w);
    let methods: Vec<&str> = arg(&ctx, 1).split_whitespace().collect();
    w.must(d::auth_methods_listed(&doc, &methods));
}
