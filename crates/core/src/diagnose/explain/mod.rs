//! `grantcheck explain`: reads an error response as people have it and names its
//! likely causes, most likely first, with what to check, the fix and the catalog
//! references. When nothing in the catalog matches it says so and shows what it read.

pub(crate) mod catalog;
pub mod error_uri;
mod html;
mod oidc_provider;
#[cfg(test)]
mod pages_tests;
pub(crate) mod parse;
pub(crate) mod piece;
mod render;
#[cfg(test)]
mod tests;

use serde::Serialize;

pub use error_uri::{ErrorUri, parse_error_uri};
pub(crate) use piece::ExplainPiece;
pub use render::{render_json, render_text};

use crate::diagnose::finding::InputError;

/// Every piece, in the order their phrase files are tried and `--vendor` lists them:
/// the registry's vendors, then the standards peer.
pub(crate) fn pieces() -> impl Iterator<Item = &'static dyn ExplainPiece> {
    crate::vendors::explain_pieces()
        .iter()
        .copied()
        .chain([&oidc_provider::Piece as &'static dyn ExplainPiece])
}

fn piece_named(name: &str) -> Option<&'static dyn ExplainPiece> {
    pieces().find(|v| v.name() == name)
}

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
    /// How the input was read: `json`, `http-response`, `redirect-url`, `error-uri`, `html`,
    /// `text`.
    pub input_kind: &'static str,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub description: Option<String>,
    pub error_uri: Option<ErrorUri>,
    /// `error_uri` as given, when no piece could read it.
    pub error_uri_raw: Option<String>,
    pub correlation_id: Option<String>,
    /// The name of the piece the payload is known to come from, or `None` when unknown.
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
    let h = h.trim().to_ascii_lowercase();
    if h == "generic" {
        return Ok(Some("generic"));
    }
    if let Some(v) = pieces().find(|v| v.name() == h || v.aliases().contains(&h.as_str())) {
        return Ok(Some(v.name()));
    }
    let known: Vec<&str> = pieces().map(|v| v.name()).chain(["generic"]).collect();
    Err(InputError::new(
        format!("unknown vendor `{h}` (known: {})", known.join(", ")),
        None,
    ))
}

/// `a, b, or c`.
fn either(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{}, or {last}", rest.join(", ")),
    }
}

/// Explains an error response. `vendor_hint` (a piece's name or alias) is used when
/// the payload itself does not say whose it is.
pub fn explain(input: &str, vendor_hint_name: Option<&str>) -> Result<Explanation, InputError> {
    let hint = vendor_hint(vendor_hint_name)?;
    let p = parse::parse(input)?;
    let e = classify(&p, hint);
    if p.is_empty() && e.matched.is_empty() {
        let forms: Vec<String> = [
            "a JSON error body",
            "`curl -i` output",
            "a redirect URL with `error=`",
        ]
        .into_iter()
        .map(String::from)
        .chain(
            pieces()
                .filter_map(|v| v.error_uri_issuer())
                .map(|who| format!("an {who} error_uri")),
        )
        .collect();
        return Err(InputError::new(
            format!("no error response found: expected {}", either(&forms)),
            None,
        ));
    }
    Ok(e)
}

fn classify(p: &parse::Parsed, hint: Option<&'static str>) -> Explanation {
    // The error URI, with the piece that read it.
    let read = p
        .error_uri
        .as_deref()
        .and_then(|raw| pieces().find_map(|v| Some((v, v.read_error_uri(raw)?))));
    let mut matched: Vec<Diagnosis> = Vec::new();
    let mut notes = Vec::new();
    let mut vendor = hint.filter(|h| *h != "generic");
    let mut found_phrase = None;

    if let Some((reader, eu)) = &read {
        if reader.owns(eu) {
            vendor = Some(reader.name());
        }
        reader.explain_error_uri(eu, p, &mut matched, &mut notes);
    }
    let error_uri = read.as_ref().map(|(_, eu)| eu);

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
                vendor = Some(entry.owner);
            }
            if let Some(owner) = piece_named(entry.owner) {
                owner.phrase_notes(entry, p, &mut notes);
            }
        }
    }

    if matched.is_empty()
        && let Some(g) = p.error.as_deref().and_then(catalog::generic)
    {
        matched.push(g);
        // e.g. CER-02: the vendor keeps the specific cause where this payload has none.
        if let Some(note) = vendor
            .and_then(piece_named)
            .and_then(|v| v.generic_only_note(error_uri))
        {
            notes.push(note);
        }
    }

    if let (Some(c), Some((reader, eu))) = (&p.correlation_id, &read)
        && let Some(note) = reader.correlation_note(c, eu)
    {
        notes.push(note);
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
        error_uri: error_uri.cloned(),
        error_uri_raw,
        correlation_id: p.correlation_id.clone(),
        vendor,
        matched,
        notes,
        fields: p.fields.clone(),
    }
}

/// The standard's note on a status, else the first piece's (LINT-A17).
fn status_note(status: u16, error: &str) -> Option<String> {
    match (error, status) {
        ("invalid_client", 400) => Some("invalid_client with 400: RFC 6749 §5.2 expects 401 when the client authenticated through the Authorization header (RFC-02).".to_string()),
        _ => pieces().find_map(|v| v.status_note(status, error)),
    }
}
