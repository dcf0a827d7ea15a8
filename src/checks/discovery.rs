//! SMART App Launch discovery (`.well-known/smart-configuration`, SMART-03).

use serde_json::Value;

use super::{Outcome, ensure};

fn strings(doc: &Value, key: &str) -> Vec<String> {
    doc.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub fn capability_listed(doc: &Value, capability: &str) -> Outcome {
    let caps = strings(doc, "capabilities");
    ensure(
        caps.iter().any(|c| c == capability),
        "smart_capability_listed",
        "SMART-03",
        format!("capability {capability:?}"),
        || format!("capabilities {caps:?}"),
    )
}

/// SMART v2: servers SHALL NOT support `plain` (SMART-06).
pub fn no_plain_pkce(doc: &Value) -> Outcome {
    let methods = strings(doc, "code_challenge_methods_supported");
    ensure(
        !methods.iter().any(|m| m == "plain"),
        "pkce_plain_not_offered",
        "SMART-06",
        "no `plain` in code_challenge_methods_supported",
        || format!("code_challenge_methods_supported {methods:?}"),
    )
}

pub fn auth_methods_listed(doc: &Value, expected: &[&str]) -> Outcome {
    let methods = strings(doc, "token_endpoint_auth_methods_supported");
    let missing: Vec<&&str> = expected
        .iter()
        .filter(|m| !methods.iter().any(|x| x == *m))
        .collect();
    ensure(
        missing.is_empty(),
        "token_endpoint_auth_methods_listed",
        "SMART-03",
        format!("token_endpoint_auth_methods_supported with {expected:?}"),
        || format!("{methods:?}"),
    )
}

/// The metadata's `issuer` is exactly the URL the document was fetched under
/// (OpenID Connect Discovery §4.3, RFC 8414 §3.3): no trailing slash added or dropped.
pub fn issuer_is(doc: &Value, expected: &str) -> Outcome {
    let issuer = doc.get("issuer").and_then(Value::as_str);
    ensure(
        issuer == Some(expected),
        "metadata_issuer_matches_url",
        "OIDC-DISCOVERY-4.3",
        format!("issuer {expected:?}"),
        || format!("issuer {issuer:?}"),
    )
}

/// S256 among the listed PKCE methods: RFC 7636 §4.2 makes S256 mandatory to
/// implement for servers, so a listed set without it is a server that cannot do what
/// every client should. An absent list is not this check's matter (see
/// `pkce_methods_published`).
pub fn s256_listed(doc: &Value) -> Outcome {
    let methods = strings(doc, "code_challenge_methods_supported");
    ensure(
        doc.get("code_challenge_methods_supported").is_none()
            || methods.iter().any(|m| m == "S256"),
        "pkce_s256_listed",
        "RFC7636-4.2",
        "S256 among code_challenge_methods_supported",
        || format!("code_challenge_methods_supported {methods:?}"),
    )
}

/// The metadata says which PKCE methods the server offers (RFC 9700 §2.1.1
/// recommends `code_challenge_methods_supported`; SMART v2 requires it).
pub fn pkce_methods_published(doc: &Value) -> Outcome {
    ensure(
        doc.get("code_challenge_methods_supported").is_some(),
        "pkce_methods_published",
        "RFC9700-2.1.1",
        "a code_challenge_methods_supported member",
        || "no code_challenge_methods_supported member (PKCE support not advertised)".into(),
    )
}

/// No response type that puts an access token in the authorization response (the
/// implicit grant's `token`, RFC 9700 §2.1.2) and no password grant (§2.4). The
/// `implicit` grant type alone is not counted: OpenID providers list it for ID-token-only
/// response types (`id_token`), which issue no access token in the browser.
pub fn no_implicit_or_password(doc: &Value) -> Outcome {
    let mut offered: Vec<String> = strings(doc, "response_types_supported")
        .into_iter()
        .filter(|t| t.split(' ').any(|p| p == "token"))
        .map(|t| format!("response type {t:?}"))
        .collect();
    offered.extend(
        strings(doc, "grant_types_supported")
            .into_iter()
            .filter(|g| g == "password")
            .map(|g| format!("grant type {g:?}")),
    );
    ensure(
        offered.is_empty(),
        "metadata_offers_no_implicit_or_password_grant",
        "RFC9700-2.1.2",
        "no response type with `token`, no password grant type",
        || format!("offered: {}", offered.join(", ")),
    )
}

/// The CapabilityStatement's SMART oauth-uris extension names the authorization and
/// token endpoints as absolute URLs (SMART App Launch 1.0 conformance).
pub fn capability_statement_oauth_uris(doc: &Value) -> Outcome {
    const OAUTH_URIS: &str =
        "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";
    let found = doc
        .get("rest")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.pointer("/security/extension").and_then(Value::as_array))
        .flatten()
        .find(|e| e.get("url").and_then(Value::as_str) == Some(OAUTH_URIS));
    let uri = |name: &str| {
        found
            .and_then(|e| e.get("extension"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|x| x.get("url").and_then(Value::as_str) == Some(name))
            .and_then(|x| x.get("valueUri").and_then(Value::as_str))
            .filter(|u| u.starts_with("http"))
            .map(str::to_owned)
    };
    let (authorize, token) = (uri("authorize"), uri("token"));
    ensure(
        authorize.is_some() && token.is_some(),
        "capability_statement_names_oauth_uris",
        "SMART-12",
        "rest.security extension oauth-uris with absolute `authorize` and `token` URIs",
        || match found {
            None => "no oauth-uris extension under rest[].security".into(),
            Some(e) => format!("oauth-uris extension {e}"),
        },
    )
}
