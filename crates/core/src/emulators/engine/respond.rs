//! Response shapes the emulated servers share.

use serde_json::{Value, json};
use url::form_urlencoded;

use crate::emulators::EmuResponse;

/// `uri` with `params` appended to its query (form-urlencoded), keeping any query the
/// registered redirect URI already has (RFC 6749 §3.1.2).
pub(crate) fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        query.append_pair(k, v);
    }
    let query = query.finish();
    if query.is_empty() {
        return uri.to_string();
    }
    let separator = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{separator}{query}")
}

/// A bare JSON 404 for a path the server does not serve.
pub(crate) fn not_found() -> EmuResponse {
    EmuResponse::json(404, &json!({ "error": "not_found" }))
}

/// A FHIR search answer: the token's patient for Patient searches, nothing otherwise.
pub(crate) fn search_bundle(resource: &str, patient: Option<&str>) -> Value {
    let entries: Vec<Value> = match (resource, patient) {
        ("Patient", Some(p)) => vec![json!({ "resource": { "resourceType": "Patient", "id": p } })],
        _ => Vec::new(),
    };
    json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": entries.len(),
        "entry": entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_appended() {
        assert_eq!(
            with_query("https://a/cb?x=1", &[("error", "a b"), ("state", "s")]),
            "https://a/cb?x=1&error=a+b&state=s"
        );
        assert_eq!(with_query("https://a/cb", &[]), "https://a/cb");
        assert_eq!(not_found().status, 404);
    }

    #[test]
    fn searches_find_only_the_patient_in_context() {
        let found = search_bundle("Patient", Some("7"));
        assert_eq!(found["total"], 1);
        assert_eq!(found["entry"][0]["resource"]["id"], "7");
        assert_eq!(search_bundle("Observation", Some("7"))["total"], 0);
        assert_eq!(search_bundle("Patient", None)["entry"], json!([]));
    }
}
