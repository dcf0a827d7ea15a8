//! SMART App Launch discovery (`.well-known/smart-configuration`, SMART-03).

use serde_json::Value;

use super::{Outcome, ensure, fail};

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

/// SMART v1's required members: the two endpoints and `capabilities`.
pub fn smart_required_members(doc: &Value) -> Outcome {
    let missing: Vec<&str> = ["authorization_endpoint", "token_endpoint", "capabilities"]
        .into_iter()
        .filter(|k| doc.get(*k).is_none_or(Value::is_null))
        .collect();
    ensure(
        missing.is_empty() && doc.get("capabilities").is_some_and(Value::is_array),
        "smart_configuration_has_required_members",
        "SMART-03",
        "authorization_endpoint, token_endpoint and a capabilities array",
        || format!("missing {missing:?}"),
    )
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

/// SMART v2 requires `code_challenge_methods_supported` with `S256`.
pub fn advertises_s256(doc: &Value) -> Outcome {
    match doc.get("code_challenge_methods_supported") {
        None => fail(
            "pkce_s256_advertised",
            "SMART-03",
            "code_challenge_methods_supported containing S256",
            "no code_challenge_methods_supported member",
        ),
        Some(_) => {
            let methods = strings(doc, "code_challenge_methods_supported");
            ensure(
                methods.iter().any(|m| m == "S256"),
                "pkce_s256_advertised",
                "SMART-03",
                "code_challenge_methods_supported containing S256",
                || format!("{methods:?}"),
            )
        }
    }
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

/// The members OpenID Connect Discovery §3 marks REQUIRED, with their JSON types.
pub fn openid_required_members(doc: &Value) -> Outcome {
    let urls = [
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
    ];
    let lists = [
        "response_types_supported",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
    ];
    let mut wrong: Vec<String> = urls
        .iter()
        .filter(|k| {
            !doc.get(**k)
                .and_then(Value::as_str)
                .is_some_and(|s| s.starts_with("http"))
        })
        .map(|k| format!("{k} (a URL)"))
        .collect();
    wrong.extend(
        lists
            .iter()
            .filter(|k| {
                !doc.get(**k)
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string))
            })
            .map(|k| format!("{k} (a non-empty list of strings)")),
    );
    let algs = strings(doc, "id_token_signing_alg_values_supported");
    if !algs.is_empty() && !algs.iter().any(|a| a == "RS256") {
        wrong.push("id_token_signing_alg_values_supported including RS256".into());
    }
    ensure(
        wrong.is_empty(),
        "openid_metadata_has_required_members",
        "OIDC-DISCOVERY-3",
        "every REQUIRED OpenID Provider metadata member",
        || format!("missing or mistyped: {}", wrong.join(", ")),
    )
}

/// S256 listed and `plain` absent from `code_challenge_methods_supported`
/// (RFC 8414 §2, RFC 9700 §2.1.1).
pub fn pkce_s256_only(doc: &Value) -> Outcome {
    let Some(listed) = doc.get("code_challenge_methods_supported") else {
        return fail(
            "metadata_pkce_methods_s256_not_plain",
            "RFC9700-2.1.1",
            "code_challenge_methods_supported with S256 and without plain",
            "no code_challenge_methods_supported member (PKCE support not advertised)",
        );
    };
    let methods = strings(doc, "code_challenge_methods_supported");
    ensure(
        methods.iter().any(|m| m == "S256") && !methods.iter().any(|m| m == "plain"),
        "metadata_pkce_methods_s256_not_plain",
        "RFC9700-2.1.1",
        "code_challenge_methods_supported with S256 and without plain",
        || format!("code_challenge_methods_supported {listed}"),
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
