//! `grantcheck explain`: reads an error response as people have it and names its
//! likely causes, most likely first, with what to check, the fix and the catalog
//! references. When nothing in the catalog matches it says so and shows what it read.

pub(crate) mod catalog;
pub mod error_uri;
pub(crate) mod parse;
mod render;
#[cfg(test)]
mod tests;

use serde::Serialize;

pub use error_uri::{ErrorUri, parse_error_uri};
pub use render::{render_json, render_text};

use crate::diagnose::finding::InputError;
use crate::diagnose::rules::tenant::near_uuid_problem;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// Catalog id (`CER-06`, `OKT-01`, `LINT-C1`), or the RFC section for generic codes.
    pub id: &'static str,
    pub cause: String,
    pub check: String,
    pub fix: String,
    pub refs: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// Something in the catalog (or at least a standard error code) matched.
    pub recognised: bool,
    /// How the input was read: `json`, `http-response`, `redirect-url`, `error-uri`, `text`.
    pub input_kind: &'static str,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub description: Option<String>,
    pub error_uri: Option<ErrorUri>,
    /// `error_uri` as given, when it did not parse as an Oracle Health error URI.
    pub error_uri_raw: Option<String>,
    pub correlation_id: Option<String>,
    /// `athenahealth`, `oracle-health`, `oidc-provider`, or `None` when unknown.
    pub vendor: Option<&'static str>,
    /// Likely causes, most likely first.
    pub matched: Vec<Diagnosis>,
    /// Observations about the payload itself (consistency, status codes, unknown URNs).
    pub notes: Vec<String>,
    /// Other members or parameters that were read.
    pub fields: Vec<(String, String)>,
}

fn vendor_hint(hint: Option<&str>) -> Result<Option<&'static str>, InputError> {
    let Some(h) = hint else { return Ok(None) };
    Ok(Some(match h.trim().to_ascii_lowercase().as_str() {
        "athenahealth" | "athena" | "okta" => "athenahealth",
        "oracle-health" | "oracle" | "cerner" => "oracle-health",
        "oidc-provider" => "oidc-provider",
        "generic" => "generic",
        other => {
            return Err(InputError::new(
                format!(
                    "unknown vendor `{other}` (known: athenahealth, oracle-health, oidc-provider, generic)"
                ),
                None,
            ));
        }
    }))
}

/// Explains an error response. `vendor_hint` (`athenahealth`, `oracle-health`, ...)
/// is used when the payload itself does not say whose it is.
pub fn explain(input: &str, vendor_hint_name: Option<&str>) -> Result<Explanation, InputError> {
    let hint = vendor_hint(vendor_hint_name)?;
    let p = parse::parse(input)?;
    let e = classify(&p, hint);
    if p.is_empty() && e.matched.is_empty() {
        return Err(InputError::new(
            "no error response found: expected a JSON error body, `curl -i` output, a redirect URL with `error=`, or an Oracle Health error_uri",
            None,
        ));
    }
    Ok(e)
}

fn classify(p: &parse::Parsed, hint: Option<&'static str>) -> Explanation {
    let error_uri = p.error_uri.as_deref().and_then(parse_error_uri);
    let mut matched: Vec<crate::diagnose::explain::Diagnosis> = Vec::new();
    let mut notes = Vec::new();
    let mut vendor = hint.filter(|h| *h != "generic");
    let mut found_phrase = None;

    if let Some(eu) = &error_uri {
        if eu.urn.starts_with("urn:cerner:") {
            vendor = Some("oracle-health");
        }
        explain_urn(eu, p, &mut matched, &mut notes);
    }

    if matched.is_empty() {
        let messages = [p.description.as_deref(), p.error.as_deref()];
        let entry = catalog::phrases()
            .iter()
            .find(|e| messages.iter().flatten().any(|m| e.matches(m)))
            .or_else(|| {
                // Error pages and plain text: look for a known phrase anywhere.
                let text = catalog::normalise(&p.text);
                catalog::phrases().iter().find(|e| {
                    e.mode != catalog::Mode::Exact
                        && e.phrases
                            .iter()
                            .any(|ph| text.contains(&catalog::normalise(ph)))
                })
            });
        if let Some(entry) = entry {
            if p.error.is_none() && p.description.is_none() {
                // Found in a page or plain text: show which phrase.
                found_phrase = entry.phrases.first().map(|s| s.to_string());
            }
            matched.extend(entry.diagnoses.iter().map(catalog::D::to_diagnosis));
            if vendor.is_none() {
                vendor = Some(match entry.source.as_str() {
                    "oidc-provider" => "oidc-provider",
                    _ => "athenahealth",
                });
            }
            phrase_notes(entry, p, &mut notes);
        }
    }

    if matched.is_empty()
        && let Some(g) = p.error.as_deref().and_then(catalog::generic)
    {
        matched.push(g);
        if vendor == Some("oracle-health") && error_uri.is_none() {
            notes.push("Oracle Health puts the specific cause in `error_uri` (a URN); this payload has none, so only the generic meaning of the code is known (CER-02).".to_string());
        }
    }

    if let (Some(c), Some(i)) = (
        &p.correlation_id,
        error_uri.as_ref().and_then(|e| e.instance.as_ref()),
    ) {
        if c.eq_ignore_ascii_case(i) {
            notes.push(format!("The Cerner-Correlation-Id {c} equals the error_uri's instance id, as expected (CER-03): quote it to Oracle Health support."));
        } else {
            notes.push(format!("The Cerner-Correlation-Id {c} differs from the error_uri's instance id {i}: they normally match (CER-03), so the header and the body are probably from different requests."));
        }
    }
    if let Some(s) = p.status
        && let Some(e) = p.error.as_deref()
        && let Some(note) = status_note(s, e)
    {
        notes.push(note);
    }

    let error_uri_raw = match (&error_uri, &p.error_uri) {
        (None, Some(raw)) => Some(raw.clone()),
        _ => None,
    };
    Explanation {
        recognised: !matched.is_empty(),
        input_kind: p.kind,
        status: p.status,
        error: p.error.clone(),
        description: p.description.clone().or(found_phrase),
        error_uri,
        error_uri_raw,
        correlation_id: p.correlation_id.clone(),
        vendor,
        matched,
        notes,
        fields: p.fields.clone(),
    }
}

fn explain_urn(
    eu: &ErrorUri,
    p: &parse::Parsed,
    matched: &mut Vec<Diagnosis>,
    notes: &mut Vec<String>,
) {
    let short = eu.normalized();
    let entry = catalog::urns().iter().find(|u| u.urns.contains(&short));
    let client_auth = entry.is_some_and(|u| u.client_auth);
    if eu.client_unknown() && !client_auth {
        // CER-04: never blame the grant or tenant when the client was not identified.
        matched.push(catalog::client_unknown().to_diagnosis());
        notes.push(format!("The URN names `{short}`, but client=unknown means the server never identified the client; fix client authentication first (CER-04, LINT-C7)."));
        return;
    }
    if short == "oauth2:token:invalid-tenant" {
        matched.extend(catalog::invalid_tenant(eu));
        notes.push("`oauth2:token:invalid-tenant` is observed live but absent from the historical URN list; it is not a malformed response (CER-05, LINT-C5).".to_string());
        return;
    }
    if eu.client_unknown() {
        notes.push("client=unknown: the server never identified the client, so the code, grant and tenant of this request are not in question yet (CER-04, LINT-C7).".to_string());
    }
    match entry {
        Some(u) => {
            matched.extend(u.diagnoses.iter().map(catalog::D::to_diagnosis));
            if short != eu.short.as_str() {
                notes.push(format!("`{}` is the historical underscore spelling of `{short}`; both mean the same (CER-07).", eu.short));
            }
            if let Some(t) = &eu.tenant
                && let Some(problem) = near_uuid_problem(t)
            {
                notes.push(format!("The tenant echoed in the error_uri, `{t}`, is also malformed: it looks like a UUID but {problem} (LINT-C1)."));
            }
        }
        None => {
            notes.push(format!(
                "The URN `{}` is not in grantcheck's catalog (neither the historical list nor the URNs observed live, CER-21); Oracle Health uses URNs outside any published list (LINT-C5), so below is only the generic meaning of `error`.",
                eu.urn
            ));
            if let Some(g) = p.error.as_deref().and_then(catalog::generic) {
                matched.push(g);
            }
        }
    }
}

fn phrase_notes(entry: &catalog::Entry, p: &parse::Parsed, notes: &mut Vec<String>) {
    let first = entry.diagnoses.first().map_or("", |d| d.id.as_str());
    if first == "OKT-03"
        && let Some(d) = &p.description
        && !catalog::normalise(d).contains("at the authorize request")
    {
        notes.push("This is the shortened wording athenahealth's FAQ quotes; Okta's own message ends \"...matches the one used at the authorize request.\" Both mean the same (LINT-A13).".to_string());
    }
    if first == "OKT-05"
        && p.description
            .as_deref()
            .is_some_and(|d| d.contains("'NONE'"))
    {
        notes.push("This is Okta's wording up to 2022.06; later releases say \"...is required by the application.\" (LINT-A14).".to_string());
    }
    if first == "ATH-10" && p.status == Some(403) {
        notes.push("athenahealth documents this error as a 403 JSON body; Okta's catalog gives 400 or 401, and with a valid redirect_uri it arrives as a redirect (LINT-A12).".to_string());
    }
}

fn status_note(status: u16, error: &str) -> Option<String> {
    match (error, status) {
        ("invalid_client", 400) => Some("invalid_client with 400: RFC 6749 §5.2 expects 401 when the client authenticated through the Authorization header (RFC-02).".to_string()),
        (_, 500) if error != "server_error" => Some(format!("`{error}` with status 500 is non-standard (a 4xx is expected); athenahealth documents some 500s this way (LINT-A17).")),
        _ => None,
    }
}
