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
