//! Reading and checking metadata: the OpenID configuration, the SMART configuration
//! and the FHIR CapabilityStatement.

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
    (
        r"^the app reads the OpenID configuration$",
        step!(read_openid),
    ),
    (
        r"^the configuration names the issuer it was fetched from$",
        step!(issuer_matches),
    ),
    (
        r"^the configuration lists every required OpenID Provider member$",
        step!(openid_required),
    ),
    (
        r"^the configuration advertises the S256 PKCE method and not plain$",
        step!(s256_only),
    ),
    (
        r"^the configuration offers neither the implicit nor the password grant$",
        step!(no_implicit_or_password),
    ),
    (
        r"^the app reads the FHIR server's CapabilityStatement$",
        step!(read_capability_statement),
    ),
    (
        r"^the CapabilityStatement names the authorization and token endpoints$",
        step!(oauth_uris),
    ),
];

/// GETs a metadata document and records it as the scenario's last response (and as a
/// drift baseline: a capability appearing or vanishing is a change worth seeing).
async fn fetch_json(w: &mut World, url: String, accept: &str) {
    let url = match url::Url::parse(&url) {
        Ok(u) => u,
        Err(e) => w.fail_with(format!("{url}: {e}")),
    };
    let resp = w.send(Request::get(url).header("accept", accept)).await;
    w.flow.last = Some(resp.clone());
    w.must(crate::checks::response::status_is(&resp, 200));
    let doc = resp.json().unwrap_or(Value::Null);
    w.snapshot(Payload {
        status: resp.status,
        content_type: resp.content_type().map(str::to_owned),
        body: doc,
    });
}

/// The OpenID configuration under the configured issuer (not the one discovery
/// found: the check is that the two agree).
async fn read_openid(w: &mut World, _: Context) {
    let issuer = w.target().configured_issuer.clone();
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    fetch_json(w, url, "application/json").await;
    let resp = w.flow.last.clone();
    if let Some(r) = resp {
        w.must(crate::checks::response::json_content_type(&r));
    }
}

async fn issuer_matches(w: &mut World, _: Context) {
    let doc = doc(w);
    let expected = w.target().configured_issuer.clone();
    w.must(d::issuer_is(&doc, &expected));
}

async fn openid_required(w: &mut World, _: Context) {
    let doc = doc(w);
    w.must(d::openid_required_members(&doc));
}

async fn s256_only(w: &mut World, _: Context) {
    let doc = doc(w);
    w.must(d::pkce_s256_only(&doc));
}

async fn no_implicit_or_password(w: &mut World, _: Context) {
    let doc = doc(w);
    w.must(d::no_implicit_or_password(&doc));
}

async fn read_capability_statement(w: &mut World, _: Context) {
    let Some(base) = w.target().endpoints.fhir_base.clone() else {
        w.missing_endpoint("fhir_base")
    };
    let url = format!("{}/metadata", base.as_str().trim_end_matches('/'));
    fetch_json(w, url, "application/fhir+json").await;
}

async fn oauth_uris(w: &mut World, _: Context) {
    let doc = doc(w);
    w.must(d::capability_statement_oauth_uris(&doc));
}

async fn read(w: &mut World, _: Context) {
    let Some(base) = w.target().endpoints.fhir_base.clone() else {
        w.missing_endpoint("fhir_base")
    };
    let url = format!(
        "{}/.well-known/smart-configuration",
        base.as_str().trim_end_matches('/')
    );
    fetch_json(w, url, "application/json").await;
    if let Some(r) = w.flow.last.clone() {
        w.must(crate::checks::response::json_content_type(&r));
    }
}

fn doc(w: &World) -> Value {
    match w.flow.last.as_ref().and_then(|r| r.json()) {
        Some(d) => d,
        None => w.fail_with("no metadata document was read".into()),
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
