//! The Node.js `oidc-provider` server's part of `explain`. It is no EHR vendor of the
//! registry but the standards peer the suite runs against, so its piece lives here,
//! shaped like the vendors' own: only its phrase file, tried after theirs.

use super::piece::{CatalogFile, ExplainPiece};

pub struct Piece;

static PHRASE_FILES: [CatalogFile; 1] = [(
    "explain/oidc-provider.yaml",
    include_str!("../../../../../explain/oidc-provider.yaml"),
)];

impl ExplainPiece for Piece {
    fn name(&self) -> &'static str {
        "oidc-provider"
    }

    fn phrase_files(&self) -> &'static [CatalogFile] {
        &PHRASE_FILES
    }
}
