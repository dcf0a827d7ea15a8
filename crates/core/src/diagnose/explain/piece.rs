//! What one vendor (or server) adds to `explain`: the names it goes by, its catalog
//! files, how its payloads are told apart and the notes only it can give. Each vendor
//! keeps its piece in its own folder and the registry lists them
//! (`vendors::explain_pieces`), so the code here names none of them.

use super::catalog::Entry;
use super::parse::Parsed;
use super::{Diagnosis, ErrorUri};

/// A catalog file: its path (for error messages) and its compiled-in text.
pub type CatalogFile = (&'static str, &'static str);

/// Every method but `name` has a default that contributes nothing, so a piece spells
/// out only what its vendor does differently.
pub trait ExplainPiece: Sync {
    /// Reported as the payload's `vendor`, and accepted by `--vendor`.
    fn name(&self) -> &'static str;

    /// Other names `--vendor` accepts for it, lower case.
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }

    /// Its phrase files, tried in this order after the previous piece's.
    fn phrase_files(&self) -> &'static [CatalogFile] {
        &[]
    }

    /// The diagnoses it holds outside phrase files, so the catalog's tests check them too.
    #[cfg(test)]
    fn other_diagnoses(&self) -> Vec<&'static super::catalog::D> {
        Vec::new()
    }

    /// The response header (lower case) that carries its request's correlation id.
    fn correlation_header(&self) -> Option<&'static str> {
        None
    }

    /// Whether a bare word of the input is one of its error URIs.
    fn is_error_uri(&self, _word: &str) -> bool {
        false
    }

    /// An `error_uri` read into explain's form, or `None` when it is not of the kind
    /// this piece reads.
    fn read_error_uri(&self, _raw: &str) -> Option<ErrorUri> {
        None
    }

    /// Who issues the error URIs it reads, as prose names them after "an".
    fn error_uri_issuer(&self) -> Option<&'static str> {
        None
    }

    /// Whether an error URI it read names this vendor, not just its shape.
    fn owns(&self, _e: &ErrorUri) -> bool {
        false
    }

    /// The likely causes an error URI it read gives, with notes on it.
    fn explain_error_uri(
        &self,
        _e: &ErrorUri,
        _p: &Parsed,
        _matched: &mut Vec<Diagnosis>,
        _notes: &mut Vec<String>,
    ) {
    }

    /// Notes on a payload one of its phrase entries matched.
    fn phrase_notes(&self, _entry: &Entry, _p: &Parsed, _notes: &mut Vec<String>) {}

    /// A note for a payload of this vendor of which only the error code's generic
    /// meaning is known.
    fn generic_only_note(&self, _error_uri: Option<&ErrorUri>) -> Option<String> {
        None
    }

    /// A note comparing the correlation id read from the input with an error URI this
    /// piece read.
    fn correlation_note(&self, _correlation_id: &str, _e: &ErrorUri) -> Option<String> {
        None
    }

    /// A note on an `error` code arriving with this HTTP status, whoever sent it.
    fn status_note(&self, _status: u16, _error: &str) -> Option<String> {
        None
    }
}
