//! athenahealth's part of `grantcheck explain`. Its authorization server is Okta, so
//! its errors are known by their wording: Okta's messages (`explain/okta.yaml`), then
//! athenahealth's own from the login widget and the FHIR API
//! (`explain/athenahealth.yaml`).

use crate::diagnose::explain::catalog::{Entry, normalise};
use crate::diagnose::explain::parse::Parsed;
use crate::diagnose::explain::piece::{CatalogFile, ExplainPiece};

/// Tried in this order, each from the top.
static PHRASE_FILES: [CatalogFile; 2] = [
    (
        "explain/okta.yaml",
        include_str!("../../../../../explain/okta.yaml"),
    ),
    (
        "explain/athenahealth.yaml",
        include_str!("../../../../../explain/athenahealth.yaml"),
    ),
];

pub struct Piece;

impl ExplainPiece for Piece {
    fn name(&self) -> &'static str {
        "athenahealth"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["athena", "okta"]
    }

    fn phrase_files(&self) -> &'static [CatalogFile] {
        &PHRASE_FILES
    }

    /// Wordings that differ from Okta's current one, and the status athenahealth
    /// documents where Okta's differs.
    fn phrase_notes(&self, entry: &Entry, p: &Parsed, notes: &mut Vec<String>) {
        let first = entry.diagnoses.first().map_or("", |d| d.id.as_str());
        if first == "OKT-03"
            && let Some(d) = &p.description
            && !normalise(d).contains("at the authorize request")
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

    /// Said of any payload: a client error code with 500 is worth a word whoever sent
    /// it, and athenahealth is where such 500s are documented.
    fn status_note(&self, status: u16, error: &str) -> Option<String> {
        (status == 500 && error != "server_error").then(|| format!("`{error}` with status 500 is non-standard (a 4xx is expected); athenahealth documents some 500s this way (LINT-A17)."))
    }
}
