//! Reading and checking metadata: OpenID or RFC 8414 metadata, the SMART configuration
//! and the FHIR CapabilityStatement.

use cucumber::step::Context;
use serde_json::Value;

use super::{StepFn, World, arg, step};
use grantcheck_core::capabilities::Metadata;
use grantcheck_core::checks::Failure;
use grantcheck_core::checks::discovery as d;
use grantcheck_core::checks::schema::{Shape, conforms};
use grantcheck_core::http::Request;
use grantcheck_core::profile::SmartVersion;
use grantcheck_core::snapshot::Payload;

pub(super) const STEPS: &[(&str, StepFn)] = &[
    (r"^the app reads the SMART configuration$", step!(read)),
    (
        r"^the SMART configuration has every member its SMART version requires$",
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
        r"^the app reads the server's metadata$",
        step!(read_metadata),
    ),
    (
        r"^the metadata names the issuer it was fetched from$",
        step!(issuer_matches),
    ),
    (
        r"^the metadata has every member its specification requires$",
        step!(metadata_shape),
    ),
    (
        r"^the metadata advertises the S256 PKCE method$",
        step!(metadata_pkce),
    ),
    (
        r"^the metadata offers neither the implicit nor the password grant$",
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
    w.must(grantcheck_core::checks::response::status_is(&resp, 200));
    let doc = resp.json().unwrap_or(Value::Null);
    w.snapshot(Payload {
        status: resp.status,
        content_type: resp.content_type().map(str::to_owned),
        body: doc,
    });
}

/// The metadata the target publishes (OpenID or RFC 8414), under the configured
/// issuer (not the one discovery found: the check is that the two agree).
async fn read_metadata(w: &mut World, _: Context) {
    let issuer = w.target().configured_issuer.clone();
    let url = match w.target().capabilities.metadata.value {
        Metadata::Openid => format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        ),
        Metadata::Oauth => match grantcheck_core::target::oauth_metadata_url(&issuer) {
            Ok(u) => u,
            Err(e) => w.fail_with(e),
        },
        other => w.not_applicable(format!(
            "the target publishes {}, not authorization server metadata",
            other.describe()
        )),
    };
    fetch_json(w, url, "application/json").await;
    let resp = w.flow.last.clone();
    if let Some(r) = resp {
        w.must(grantcheck_core::checks::response::json_content_type(&r));
    }
}

async fn issuer_matches(w: &mut World, _: Context) {
    let doc = doc(w);
    let expected = w.target().configured_issuer.clone();
    let rfc8414 = w.target().capabilities.metadata.value == Metadata::Oauth;
    w.must(d::issuer_is(&doc, &expected).map_err(|f| Failure {
        spec: if rfc8414 { "RFC8414-3.3" } else { f.spec },
        ..f
    }));
}

/// The schema of the metadata's kind: OpenID Connect Discovery §3 or RFC 8414 §2.
async fn metadata_shape(w: &mut World, _: Context) {
    let doc = doc(w);
    let shape = match w.target().capabilities.metadata.value {
        Metadata::Oauth => Shape::OauthMetadata,
        _ => Shape::OpenidDiscovery,
    };
    w.must(conforms(&doc, shape));
}

/// S256 must be among listed methods (RFC 7636 §4.2); publishing the list is
/// RECOMMENDED (RFC 9700 §2.1.1) and `plain` is a warning, except where SMART v2
/// makes both a MUST.
async fn metadata_pkce(w: &mut World, _: Context) {
    let doc = doc(w);
    w.must(d::s256_listed(&doc));
    // SMART v2 requires the list in its own configuration, not here.
    w.should(d::pkce_methods_published(&doc));
    if smart_v2(w) {
        w.must(d::no_plain_pkce(&doc));
    } else {
        w.should(d::no_plain_pkce(&doc).map_err(|f| Failure {
            spec: "RFC7636-7.2",
            ..f
        }));
    }
}

fn smart_v2(w: &World) -> bool {
    w.target().capabilities.smart.value == Some(SmartVersion::V2)
}

/// RFC 9700 retires both grants, but its words bind their use, not what a server
/// lists: a server that still offers them gets a warning (the token endpoint
/// scenario fails one that issues a password-grant token).
async fn no_implicit_or_password(w: &mut World, _: Context) {
    let doc = doc(w);
    w.should(d::no_implicit_or_password(&doc));
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
        w.must(grantcheck_core::checks::response::json_content_type(&r));
    }
}

fn doc(w: &World) -> Value {
    match w.flow.last.as_ref().and_then(|r| r.json()) {
        Some(d) => d,
        None => w.fail_with("no metadata document was read".into()),
    }
}

/// The SMART configuration's schema for the version the target is held to.
async fn required(w: &mut World, _: Context) {
    let doc = doc(w);
    let shape = if smart_v2(w) {
        Shape::SmartV2
    } else {
        Shape::SmartV1
    };
    w.must(conforms(&doc, shape));
}

async fn capability(w: &mut World, ctx: Context) {
    let doc = doc(w);
    w.must(d::capability_listed(&doc, arg(&ctx, 1)));
}

/// SMART v2 forbids `plain` and requires the list with S256; a v1 server is only
/// advised against `plain` (a warning).
async fn no_plain(w: &mut World, _: Context) {
    let doc = doc(w);
    if smart_v2(w) {
        w.must_all([
            d::pkce_methods_published(&doc).map_err(|f| Failure {
                spec: "SMART-v2-2.1",
                ..f
            }),
            d::s256_listed(&doc),
            d::no_plain_pkce(&doc),
        ]);
    } else {
        w.must(d::s256_listed(&doc));
        w.should(d::no_plain_pkce(&doc).map_err(|f| Failure {
            spec: "RFC7636-7.2",
            ..f
        }));
    }
}

async fn auth_methods(w: &mut World, ctx: Context) {
    let doc = doc(w);
    let methods: Vec<&str> = arg(&ctx, 1).split_whitespace().collect();
    w.must(d::auth_methods_listed(&doc, &methods));
}
