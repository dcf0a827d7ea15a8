//! athenahealth's error payloads through `explain`: Okta's wordings, old and cut
//! short, and the statuses athenahealth documents.

use crate::diagnose::explain::explain;

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
fn status_notes() {
    let e = explain(
        include_str!("../../../../../tests/fixtures/explain/okt-08-policy-evaluation-failed.txt"),
        None,
    )
    .unwrap();
    assert!(e.notes.iter().any(|n| n.contains("LINT-A12")));
    let e = explain(
        include_str!("../../../../../tests/fixtures/explain/ath-15-incorrect-scope.txt"),
        None,
    )
    .unwrap();
    assert!(e.notes.iter().any(|n| n.contains("LINT-A17")));
}

#[test]
fn its_name_and_aliases_are_vendor_hints() {
    for alias in ["athenahealth", "athena", "OKTA"] {
        let e = explain("{\"error\":\"invalid_grant\"}", Some(alias)).unwrap();
        assert_eq!(e.vendor, Some("athenahealth"), "{alias}");
    }
}
