//! One fixture per documented payload: each is recognised and its most likely cause
//! is the catalog entry it documents.

use super::*;

const SEED_000_BODY: &str = include_str!("../../../../../tests/fixtures/seeds/000-error-body.txt");
const SEED_001_BODY: &str = include_str!("../../../../../tests/fixtures/seeds/001-error-body.txt");

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
fn seed_000_names_the_malformed_tenant_and_the_fix() {
    let e = explain(SEED_000_BODY, None).unwrap();
    assert!(e.recognised);
    assert_eq!(e.error.as_deref(), Some("invalid_grant"));
    let uri = e.error_uri.as_ref().unwrap();
    assert_eq!(uri.short, "oauth2:token:invalid-tenant");
    assert_eq!(
        uri.tenant.as_deref(),
        Some("5b22adf1-4884-4ac2-b6f3-04fa545ac9fcm")
    );
    assert_eq!(
        e.correlation_id.as_deref(),
        Some("65b0a9f4-782f-49a4-947f-e0a875ce5f67")
    );
    let first = &e.matched[0];
    assert_eq!(first.id, "LINT-C1");
    assert!(
        first.cause.contains("`m`") && first.cause.contains("13 characters"),
        "{}",
        first.cause
    );
    assert!(
        first.fix.contains("5b22adf1-4884-4ac2-b6f3-04fa545ac9fc`"),
        "{}",
        first.fix
    );
    assert!(e.matched.iter().any(|d| d.id == "CER-05"));
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("CER-03") && n.contains("equals"))
    );
}

#[test]
fn seed_001_names_unrecognised_client_credentials_and_the_fix() {
    let e = explain(SEED_001_BODY, None).unwrap();
    assert_eq!(e.error.as_deref(), Some("invalid_client"));
    let uri = e.error_uri.as_ref().unwrap();
    assert!(uri.client_unknown());
    let first = &e.matched[0];
    assert_eq!(first.id, "CER-06");
    assert!(first.cause.contains("client=unknown") && first.cause.contains("not recognised"));
    assert!(first.fix.contains("System Account"));
    // Never blamed on the tenant, code or grant.
    assert!(
        e.matched
            .iter()
            .all(|d| d.id != "CER-05" && d.id != "LINT-C1")
    );
    assert!(e.matched.iter().any(|d| d.id == "LINT-C6"));
    assert!(e.notes.iter().any(|n| n.contains("client=unknown")));
}

#[test]
fn client_unknown_overrides_a_tenant_urn() {
    let e = explain(
        include_str!("../../../../../tests/fixtures/explain/cer-04-client-unknown-tenant-urn.json"),
        None,
    )
    .unwrap();
    assert_eq!(e.matched.len(), 1);
    assert_eq!(e.matched[0].id, "CER-04");
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("invalid-tenant") && n.contains("client=unknown"))
    );
}

#[test]
fn unknown_urns_are_said_to_be_unknown_and_shown_decoded() {
    let e = explain(
        include_str!("../../../../../tests/fixtures/explain/cer-21-unlisted-urn.json"),
        None,
    )
    .unwrap();
    let urn = "urn:cerner:error:authorization-server:oauth2:token:some-future-check";
    assert_eq!(e.error_uri.as_ref().unwrap().urn, urn);
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("not in grantcheck's catalog") && n.contains(urn))
    );
    assert!(render_text(&e).contains(urn));
}

#[test]
fn underscore_and_hyphen_spellings_mean_the_same() {
    let e = explain(
        include_str!("../../../../../tests/fixtures/explain/cer-07-underscore-spelling.json"),
        None,
    )
    .unwrap();
    assert_eq!(e.matched[0].id, "CER-07");
    assert!(e.notes.iter().any(|n| n.contains("underscore")));
}

#[test]
fn pkce_failure_lists_both_causes() {
    let e = explain(
        include_str!("../../../../../tests/fixtures/explain/okt-01-pkce-verification-failed.txt"),
        None,
    )
    .unwrap();
    assert_eq!(e.status, Some(400));
    let ids: Vec<&str> = e.matched.iter().map(|d| d.id).collect();
    assert_eq!(ids, ["OKT-01", "LINT-A4"]);
    assert!(e.matched[1].cause.contains("300"));
}

#[test]
fn truncated_faq_text_is_accepted_and_noted() {
    let e = explain(
        include_str!("../../../../../tests/fixtures/explain/okt-03-faq-truncated.json"),
        None,
    )
    .unwrap();
    assert!(e.notes.iter().any(|n| n.contains("LINT-A13")));
    let full = explain(
        include_str!("../../../../../tests/fixtures/explain/okt-03-grant-other-client.json"),
        None,
    )
    .unwrap();
    assert!(full.notes.iter().all(|n| !n.contains("LINT-A13")));
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
    assert!(explain("{\"error\":\"invalid_grant\"}", Some("oracle-health")).is_ok());
}

#[test]
fn status_and_vendor_notes() {
    let e = explain(
        include_str!("../../../../../tests/fixtures/explain/okt-08-policy-evaluation-failed.txt"),
        None,
    )
    .unwrap();
    assert!(e.notes.iter().any(|n| n.contains("LINT-A12")));
    let e = explain("{\"error\":\"invalid_client\"}", Some("oracle-health")).unwrap();
    assert!(e.notes.iter().any(|n| n.contains("CER-02")));
    let e = explain(
        include_str!("../../../../../tests/fixtures/explain/ath-15-incorrect-scope.txt"),
        None,
    )
    .unwrap();
    assert!(e.notes.iter().any(|n| n.contains("LINT-A17")));
}

#[test]
fn redirect_urls_decode_the_double_encoded_error_uri() {
    let e = explain(
        include_str!("../../../../../tests/fixtures/explain/cer-20-denied-by-server.txt"),
        None,
    )
    .unwrap();
    assert_eq!(e.input_kind, "redirect-url");
    let u = e.error_uri.unwrap();
    assert_eq!(u.short, "oauth2:grant:denied-by-server");
    assert_eq!(u.persona.as_deref(), Some("provider"));
}
