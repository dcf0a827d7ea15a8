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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pkce(methods: &[&str]) -> Value {
        json!({ "code_challenge_methods_supported": methods })
    }

    #[test]
    fn a_listed_capability_passes() {
        let doc = json!({ "capabilities": ["launch-standalone", "client-public"] });
        assert!(capability_listed(&doc, "client-public").is_ok());
    }

    #[test]
    fn an_unlisted_capability_fails() {
        for doc in [json!({ "capabilities": ["launch-ehr"] }), json!({})] {
            let f = capability_listed(&doc, "client-public").unwrap_err();
            assert_eq!((f.check, f.spec), ("smart_capability_listed", "SMART-03"));
        }
    }

    #[test]
    fn pkce_methods_without_plain_pass() {
        assert!(no_plain_pkce(&pkce(&["S256"])).is_ok());
        assert!(no_plain_pkce(&json!({})).is_ok());
    }

    #[test]
    fn plain_among_pkce_methods_fails() {
        let f = no_plain_pkce(&pkce(&["S256", "plain"])).unwrap_err();
        assert_eq!((f.check, f.spec), ("pkce_plain_not_offered", "SMART-06"));
    }

    #[test]
    fn every_expected_auth_method_listed_in_any_order_passes() {
        let doc = json!({ "token_endpoint_auth_methods_supported":
            ["private_key_jwt", "client_secret_basic", "client_secret_post"] });
        assert!(auth_methods_listed(&doc, &["client_secret_basic", "private_key_jwt"]).is_ok());
    }

    #[test]
    fn a_missing_auth_method_fails() {
        let doc = json!({ "token_endpoint_auth_methods_supported": ["client_secret_basic"] });
        let f = auth_methods_listed(&doc, &["client_secret_basic", "private_key_jwt"]).unwrap_err();
        assert_eq!(
            (f.check, f.spec),
            ("token_endpoint_auth_methods_listed", "SMART-03")
        );
    }

    #[test]
    fn the_exact_issuer_passes() {
        let doc = json!({ "issuer": "https://as.test/oauth2/default" });
        assert!(issuer_is(&doc, "https://as.test/oauth2/default").is_ok());
    }

    #[test]
    fn an_issuer_with_a_slash_added_or_missing_fails() {
        for doc in [
            json!({ "issuer": "https://as.test/oauth2/default/" }),
            json!({}),
        ] {
            let f = issuer_is(&doc, "https://as.test/oauth2/default").unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("metadata_issuer_matches_url", "OIDC-DISCOVERY-4.3")
            );
        }
    }

    #[test]
    fn s256_listed_or_no_list_passes() {
        assert!(s256_listed(&pkce(&["plain", "S256"])).is_ok());
        // An absent list is pkce_methods_published's matter.
        assert!(s256_listed(&json!({})).is_ok());
    }

    #[test]
    fn a_list_without_s256_fails() {
        for doc in [pkce(&["plain"]), pkce(&[]), pkce(&["s256"])] {
            let f = s256_listed(&doc).unwrap_err();
            assert_eq!((f.check, f.spec), ("pkce_s256_listed", "RFC7636-4.2"));
        }
    }

    #[test]
    fn published_pkce_methods_pass() {
        assert!(pkce_methods_published(&pkce(&["S256"])).is_ok());
    }

    #[test]
    fn unpublished_pkce_methods_fail() {
        let f = pkce_methods_published(&json!({ "issuer": "https://as.test" })).unwrap_err();
        assert_eq!(
            (f.check, f.spec),
            ("pkce_methods_published", "RFC9700-2.1.1")
        );
    }

    #[test]
    fn code_and_id_token_only_response_types_pass_even_with_the_implicit_grant_type() {
        let doc = json!({
            "response_types_supported": ["code", "id_token", "code id_token"],
            "grant_types_supported": ["authorization_code", "implicit", "refresh_token"],
        });
        assert!(no_implicit_or_password(&doc).is_ok());
    }

    #[test]
    fn a_token_response_type_or_the_password_grant_fails() {
        for doc in [
            json!({ "response_types_supported": ["code", "token"] }),
            json!({ "response_types_supported": ["code id_token token"] }),
            json!({ "grant_types_supported": ["authorization_code", "password"] }),
        ] {
            let f = no_implicit_or_password(&doc).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                (
                    "metadata_offers_no_implicit_or_password_grant",
                    "RFC9700-2.1.2"
                )
            );
        }
    }

    /// A CapabilityStatement whose oauth-uris extension holds `uris` (name, valueUri).
    fn statement(uris: &[(&str, &str)]) -> Value {
        let inner: Vec<Value> = uris
            .iter()
            .map(|(name, uri)| json!({ "url": name, "valueUri": uri }))
            .collect();
        json!({
            "resourceType": "CapabilityStatement",
            "rest": [{ "mode": "server", "security": { "extension": [{
                "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                "extension": inner,
            }]}}],
        })
    }

    #[test]
    fn absolute_authorize_and_token_uris_pass() {
        let doc = statement(&[
            ("authorize", "https://as.test/authorize"),
            ("token", "https://as.test/token"),
        ]);
        assert!(capability_statement_oauth_uris(&doc).is_ok());
    }

    #[test]
    fn a_missing_or_relative_oauth_uri_fails() {
        for doc in [
            statement(&[("authorize", "https://as.test/authorize")]),
            statement(&[
                ("authorize", "/authorize"),
                ("token", "https://as.test/token"),
            ]),
            json!({ "resourceType": "CapabilityStatement", "rest": [{ "mode": "server" }] }),
        ] {
            let f = capability_statement_oauth_uris(&doc).unwrap_err();
            assert_eq!(
                (f.check, f.spec),
                ("capability_statement_names_oauth_uris", "SMART-12")
            );
        }
    }
}
