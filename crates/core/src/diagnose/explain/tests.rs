//! One fixture per documented payload: each is recognised and its most likely cause
//! is the catalog entry it documents.

use super::*;

/// (fixture, name, id of the first diagnosis)
const DOCUMENTED: &[(&str, &str, &str)] = &[
    (
        include_str!("../../../../../tests/fixtures/explain/ath-11-workflowhandler.txt"),
        "ath-11-workflowhandler.txt",
        "ATH-11",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/ath-12-not-configured-for-portal.txt"),
        "ath-12-not-configured-for-portal.txt",
        "ATH-12",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/ath-14-incorrect-permissions.txt"),
        "ath-14-incorrect-permissions.txt",
        "ATH-14",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/ath-15-incorrect-scope.txt"),
        "ath-15-incorrect-scope.txt",
        "ATH-15",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/ath-16-unsupported-accept.txt"),
        "ath-16-unsupported-accept.txt",
        "ATH-16",
    ),
    // The emulators' own error pages (pages_tests.rs keeps them current).
    (
        include_str!(
            "../../../../../tests/fixtures/explain/athenahealth-emulator-unknown-client.txt"
        ),
        "athenahealth-emulator-unknown-client.txt",
        "OKT-11",
    ),
    (
        include_str!(
            "../../../../../tests/fixtures/explain/oracle-health-emulator-unknown-client.txt"
        ),
        "oracle-health-emulator-unknown-client.txt",
        "CER-21",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/reference-emulator-redirect-uri.txt"),
        "reference-emulator-redirect-uri.txt",
        "RFC6749-5.2",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/cer-02-code-invalid-or-expired.json"),
        "cer-02-code-invalid-or-expired.json",
        "CER-02",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/cer-04-client-unknown-tenant-urn.json"),
        "cer-04-client-unknown-tenant-urn.json",
        "CER-04",
    ),
    (
        include_str!(
            "../../../../../tests/fixtures/explain/cer-07-invalid-authorization-header.txt"
        ),
        "cer-07-invalid-authorization-header.txt",
        "CER-07",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/cer-07-underscore-spelling.json"),
        "cer-07-underscore-spelling.json",
        "CER-07",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/cer-08-invalid-signature.json"),
        "cer-08-invalid-signature.json",
        "CER-08",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/cer-09-empty-scopes.txt"),
        "cer-09-empty-scopes.txt",
        "CER-09",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/cer-17-refresh-token-invalid.json"),
        "cer-17-refresh-token-invalid.json",
        "CER-17",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/cer-18-invalid-redirect-uri.json"),
        "cer-18-invalid-redirect-uri.json",
        "CER-18",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/cer-19-audience-required.txt"),
        "cer-19-audience-required.txt",
        "CER-19",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/cer-20-denied-by-server.txt"),
        "cer-20-denied-by-server.txt",
        "CER-20",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/cer-21-unlisted-urn.json"),
        "cer-21-unlisted-urn.json",
        "RFC6749-5.2",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/cer-22-insufficient-scope.txt"),
        "cer-22-insufficient-scope.txt",
        "CER-22",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/cer-22-invalid-token.txt"),
        "cer-22-invalid-token.txt",
        "RFC-04",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/oidc-provider-invalid-client.txt"),
        "oidc-provider-invalid-client.txt",
        "OIDC-PROVIDER",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/oidc-provider-invalid-grant.json"),
        "oidc-provider-invalid-grant.json",
        "OIDC-PROVIDER",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/oidc-provider-invalid-token.json"),
        "oidc-provider-invalid-token.json",
        "OIDC-PROVIDER",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/oidc-provider-redirect-mismatch.json"),
        "oidc-provider-redirect-mismatch.json",
        "OIDC-PROVIDER",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-01-pkce-verification-failed.txt"),
        "okt-01-pkce-verification-failed.txt",
        "OKT-01",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-02-code-invalid-or-expired.json"),
        "okt-02-code-invalid-or-expired.json",
        "OKT-02",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-03-faq-truncated.json"),
        "okt-03-faq-truncated.json",
        "OKT-03",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-03-grant-other-client.json"),
        "okt-03-grant-other-client.json",
        "OKT-03",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-04-redirect-uri-mismatch.json"),
        "okt-04-redirect-uri-mismatch.json",
        "OKT-04",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-05-challenge-required-2021.txt"),
        "okt-05-challenge-required-2021.txt",
        "OKT-05",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-05-challenge-required.json"),
        "okt-05-challenge-required.json",
        "OKT-05",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-05-verifier-required.json"),
        "okt-05-verifier-required.json",
        "OKT-05",
    ),
    (
        include_str!(
            "../../../../../tests/fixtures/explain/okt-06-challenge-missing-at-authorize.json"
        ),
        "okt-06-challenge-missing-at-authorize.json",
        "OKT-06",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-06-illegal-characters.json"),
        "okt-06-illegal-characters.json",
        "OKT-06",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-06-method-not-supported.json"),
        "okt-06-method-not-supported.json",
        "OKT-06",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-07-scope-not-configured.json"),
        "okt-07-scope-not-configured.json",
        "LINT-A1",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-08-all-scopes-rejected.json"),
        "okt-08-all-scopes-rejected.json",
        "OKT-08",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-08-policy-evaluation-failed.txt"),
        "okt-08-policy-evaluation-failed.txt",
        "ATH-10",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-08-scopes-denied.json"),
        "okt-08-scopes-denied.json",
        "OKT-08",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-08-user-not-assigned.json"),
        "okt-08-user-not-assigned.json",
        "OKT-08",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-09-invalid-scope-fragment.txt"),
        "okt-09-invalid-scope-fragment.txt",
        "LINT-A1",
    ),
    (
        include_str!(
            "../../../../../tests/fixtures/explain/okt-09-redirect-uri-not-registered.html"
        ),
        "okt-09-redirect-uri-not-registered.html",
        "OKT-09",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-10-invalid-state.json"),
        "okt-10-invalid-state.json",
        "OKT-10",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-10-nonce-required.json"),
        "okt-10-nonce-required.json",
        "OKT-10",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-11a-unknown-client.txt"),
        "okt-11a-unknown-client.txt",
        "OKT-11",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-11b-secret-invalid.txt"),
        "okt-11b-secret-invalid.txt",
        "OKT-11",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-11c-client-auth-failed.json"),
        "okt-11c-client-auth-failed.json",
        "OKT-11",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-11d-no-credentials.json"),
        "okt-11d-no-credentials.json",
        "OKT-11",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-11e-bad-basic-header.json"),
        "okt-11e-bad-basic-header.json",
        "LINT-C11",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-11f-multiple-credentials.json"),
        "okt-11f-multiple-credentials.json",
        "OKT-11",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-11g-browser-without-pkce.json"),
        "okt-11g-browser-without-pkce.json",
        "OKT-11",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-12-refresh-invalid.json"),
        "okt-12-refresh-invalid.json",
        "OKT-12",
    ),
    (
        include_str!(
            "../../../../../tests/fixtures/explain/okt-12-refresh-scopes-not-granted.json"
        ),
        "okt-12-refresh-scopes-not-granted.json",
        "OKT-12",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-16-post-logout-uri.json"),
        "okt-16-post-logout-uri.json",
        "OKT-16",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-18-token-in-query.json"),
        "okt-18-token-in-query.json",
        "OKT-18",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/okt-18-token-twice.json"),
        "okt-18-token-twice.json",
        "OKT-18",
    ),
    (
        include_str!("../../../../../tests/fixtures/explain/rfc6749-unsupported-grant-type.json"),
        "rfc6749-unsupported-grant-type.json",
        "RFC6749-5.2",
    ),
];

#[test]
fn every_documented_payload_names_its_cause() {
    for (text, name, first) in DOCUMENTED {
        let e = explain(text, None).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert!(e.recognised, "{name} not recognised:\n{}", render_text(&e));
        assert_eq!(e.matched[0].id, *first, "{name}:\n{}", render_text(&e));
        for d in &e.matched {
            assert!(
                !d.cause.is_empty()
                    && !d.check.is_empty()
                    && !d.fix.is_empty()
                    && !d.refs.is_empty(),
                "{name}"
            );
        }
        // Both renderings work on every payload.
        assert!(render_text(&e).contains(first));
        assert_eq!(render_json(&e)["matched"][0]["id"], *first);
    }
}

#[test]
fn oidc_provider_says_where_the_cause_is() {
    let e = explain(
        include_str!("../../../../../tests/fixtures/explain/oidc-provider-invalid-grant.json"),
        None,
    )
    .unwrap();
    assert_eq!(e.vendor, Some("oidc-provider"));
    assert!(e.matched[0].check.contains("DEBUG=oidc-provider"));
}

#[test]
fn unrecognised_payloads_say_so_and_show_what_was_read() {
    let e = explain(
        include_str!("../../../../../tests/fixtures/explain/unrecognised.json"),
        None,
    )
    .unwrap();
    assert!(!e.recognised);
    let text = render_text(&e);
    assert!(text.starts_with("Not recognised"), "{text}");
    assert!(text.contains("totally_custom_error") && text.contains("Something else went wrong."));
    assert_eq!(render_json(&e)["recognised"], false);
}

#[test]
fn unreadable_input_and_unknown_vendors_are_input_errors() {
    assert!(explain("", None).is_err());
    assert!(explain("just some words", None).is_err());
    assert!(explain("{\"error\":\"invalid_grant\"}", Some("nonsense")).is_err());
    for v in pieces() {
        for name in std::iter::once(v.name()).chain(v.aliases().iter().copied()) {
            assert!(
                explain("{\"error\":\"invalid_grant\"}", Some(name)).is_ok(),
                "{name}"
            );
        }
    }
}

/// Every vendor of the registry brings a piece, under its own id and in the registry's
/// order, and no name or alias points at two pieces.
#[test]
fn the_pieces_follow_the_registry() {
    let names: Vec<&str> = crate::vendors::explain_pieces()
        .iter()
        .map(|v| v.name())
        .collect();
    assert_eq!(names, crate::vendors::ids().collect::<Vec<_>>());
    let mut seen = std::collections::HashSet::new();
    for v in pieces() {
        for name in std::iter::once(v.name()).chain(v.aliases().iter().copied()) {
            assert_eq!(name, name.to_ascii_lowercase(), "{name}");
            assert!(seen.insert(name), "`{name}` names two pieces");
        }
    }
    assert!(!seen.contains("generic"));
}
