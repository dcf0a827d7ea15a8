//! Oracle Health's error payloads through `explain`: the URN in `error_uri` decides,
//! `client=unknown` overrides it, and the correlation id is compared with the URI.

use crate::diagnose::explain::{explain, render_text};
use crate::vendors::oracle_health::error_uri::is_unknown_client;

const SEED_000_BODY: &str = include_str!("../../../../../tests/fixtures/seeds/000-error-body.txt");
const SEED_001_BODY: &str = include_str!("../../../../../tests/fixtures/seeds/001-error-body.txt");

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
    assert!(is_unknown_client(uri.client.as_deref()));
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

/// Only the generic meaning is known without the URN, and the note says where the
/// specific cause would be.
#[test]
fn a_hinted_payload_without_error_uri_says_where_the_cause_would_be() {
    let e = explain("{\"error\":\"invalid_client\"}", Some("oracle-health")).unwrap();
    assert!(e.notes.iter().any(|n| n.contains("CER-02")));
}

#[test]
fn its_name_and_aliases_are_vendor_hints() {
    assert!(explain("{\"error\":\"invalid_grant\"}", Some("oracle-health")).is_ok());
    for alias in ["oracle", "Cerner "] {
        let e = explain("{\"error\":\"invalid_grant\"}", Some(alias)).unwrap();
        assert_eq!(e.vendor, Some("oracle-health"), "{alias}");
    }
}

/// The URN file: it parses, every entry has a key and a diagnosis, and every URN can
/// match exactly one entry.
#[test]
fn every_urn_entry_can_match_and_none_is_listed_twice() {
    use super::explain::{INVALID_TENANT, load};
    let f = load().unwrap_or_else(|e| panic!("{e}"));
    assert!(!f.entries.is_empty());
    let mut urns = std::collections::HashSet::new();
    for u in &f.entries {
        assert!(
            !u.urns.is_empty() && !u.diagnoses.is_empty(),
            "{:?}",
            u.urns
        );
    }
    // The first entry wins, so a URN listed twice would be dead the second time.
    for u in f.entries.iter().flat_map(|e| &e.urns) {
        // Looked up after `_` → `-` and with the `urn:cerner:error:...` prefix cut.
        assert!(
            !u.contains('_') && !u.starts_with("urn:") && !u.contains(char::is_whitespace),
            "URN `{u}` can never match: write the short, hyphenated form"
        );
        assert!(urns.insert(u), "URN listed twice: {u}");
    }
    assert!(
        !f.entries
            .iter()
            .any(|e| e.urns.iter().any(|u| u == INVALID_TENANT)),
        "oauth2:token:invalid-tenant is computed by invalid_tenant(), never looked up"
    );
}

/// The vendor's header and error URI, as `curl -i` and a redirect show them (CER-03).
#[test]
fn its_correlation_header_and_redirected_error_uri_are_read() {
    use crate::diagnose::explain::parse::parse;
    let h = parse("HTTP/1.1 100 Continue\n\nHTTP/2 401\nCerner-Correlation-ID: abc\ncontent-type: application/json\n\n{\"error\":\"invalid_client\"}").unwrap();
    assert_eq!(
        (h.kind, h.status, h.correlation_id.as_deref()),
        ("http-response", Some(401), Some("abc"))
    );
    let r = parse("https://app.example.com/cb?state=x&error=access_denied&error_uri=https%3A%2F%2Fauthorization.cerner.com%2Ferrors%2Furn%253Acerner%253Aerror%253Aauthorization-server%253Aoauth2%253Agrant%253Adenied-by-server%2Finstances%2F1%3Fpersona%3Dprovider").unwrap();
    assert_eq!(r.kind, "redirect-url");
    assert!(r.error_uri.unwrap().contains("urn%3Acerner"));
}
