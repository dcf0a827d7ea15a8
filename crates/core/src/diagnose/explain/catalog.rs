//! Known error payloads → likely causes, what to check, the fix, and the catalog
//! references. Three sources of meaning, tried in order: a vendor's `error_uri` URN
//! (its piece explains it, CER-21); the `error_description` (or the `error` text of a
//! FHIR API error, ATH-14) matched against the phrase files every piece brings, piece by
//! piece; and the generic meaning of the OAuth `error` code.
//!
//! The prose lives in the project's `explain/*.yaml` (see `explain/README.md`),
//! compiled in and parsed once, on first use; `tests` below parses every file and
//! checks its ids and keys.

use std::sync::LazyLock;

use serde::Deserialize;

use super::Diagnosis;
use super::piece::CatalogFile;

const OAUTH: CatalogFile = (
    "explain/oauth.yaml",
    include_str!("../../../../../explain/oauth.yaml"),
);

/// A diagnosis written out in the catalog.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct D {
    pub id: String,
    pub cause: String,
    pub check: String,
    pub fix: String,
    pub refs: Vec<String>,
}

impl D {
    pub fn to_diagnosis(&'static self) -> Diagnosis {
        Diagnosis {
            id: &self.id,
            cause: self.cause.clone(),
            check: self.check.clone(),
            fix: self.fix.clone(),
            refs: self.refs.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// The message starts with the phrase (variants append a reason or a list).
    Prefix,
    /// The message is exactly the phrase.
    Exact,
    /// As Prefix, and a message that stops early (a document quoting it cut short,
    /// LINT-A13) also matches.
    PrefixOrTruncated,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The piece whose file it is (`ExplainPiece::name`).
    #[serde(skip)]
    pub owner: &'static str,
    pub phrases: Vec<String>,
    pub mode: Mode,
    pub diagnoses: Vec<D>,
}

/// Lower-case, single spaces, no trailing period: documents and servers differ in
/// exactly those.
pub fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .trim_end_matches(['.', ' '])
        .to_string()
}

impl Entry {
    pub fn matches(&self, message: &str) -> bool {
        let m = normalise(message);
        if m.is_empty() {
            return false;
        }
        self.phrases.iter().any(|p| {
            let p = normalise(p);
            match self.mode {
                Mode::Exact => m == p,
                Mode::Prefix => m.starts_with(&p),
                Mode::PrefixOrTruncated => {
                    m.starts_with(&p) || (m.len() >= 40 && p.starts_with(&m))
                }
            }
        })
    }
}

/// The meaning of standard OAuth error codes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generic {
    pub codes: Vec<String>,
    pub diagnosis: D,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhraseFile {
    source: String,
    entries: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OauthFile {
    entries: Vec<Generic>,
}

/// The phrase files and the generic codes, as read from `explain/`.
#[derive(Debug)]
pub struct Catalog {
    /// Every phrase file's entries, in the order they are tried.
    pub phrases: Vec<Entry>,
    pub generic: Vec<Generic>,
}

/// Parses one catalog file; pieces read their own files with it too.
pub fn parse<T: serde::de::DeserializeOwned>((path, text): CatalogFile) -> Result<T, String> {
    serde_saphyr::from_str(text).map_err(|e| format!("{path}: {e}"))
}

fn load() -> Result<Catalog, String> {
    let mut phrases = Vec::new();
    for piece in super::pieces() {
        for &file in piece.phrase_files() {
            let f: PhraseFile = parse(file)?;
            // The README and the files' comments call a file by its `source`.
            if format!("explain/{}.yaml", f.source) != file.0 {
                return Err(format!(
                    "{}: `source: {}` is not its name",
                    file.0, f.source
                ));
            }
            phrases.extend(f.entries.into_iter().map(|e| Entry {
                owner: piece.name(),
                ..e
            }));
        }
    }
    let oauth: OauthFile = parse(OAUTH)?;
    Ok(Catalog {
        phrases,
        generic: oauth.entries,
    })
}

/// Parsed on first use. The files are compiled in, and `tests::every_file_parses`
/// parses the same text, so a broken file fails `cargo test` rather than a user's run.
static CATALOG: LazyLock<Catalog> =
    LazyLock::new(|| load().unwrap_or_else(|e| panic!("explain catalog: {e}")));

/// The phrase entries of every source, in the order they are tried.
pub fn phrases() -> &'static [Entry] {
    &CATALOG.phrases
}

/// The generic meaning of an OAuth error code, for when nothing more specific matches.
pub fn generic(code: &str) -> Option<Diagnosis> {
    CATALOG
        .generic
        .iter()
        .find(|g| g.codes.iter().any(|c| c == code))
        .map(|g| g.diagnosis.to_diagnosis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// `features/CATALOG.md`'s `| ID | entry |` rows.
    const CATALOG_MD: &str = include_str!("../../../../../features/CATALOG.md");

    fn loaded() -> Catalog {
        load().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Every diagnosis: the phrase files', the generic codes' and those the pieces
    /// hold elsewhere.
    fn all_diagnoses(c: &Catalog) -> Vec<&D> {
        c.phrases
            .iter()
            .flat_map(|e| &e.diagnoses)
            .chain(c.generic.iter().map(|g| &g.diagnosis))
            .chain(super::super::pieces().flat_map(|v| v.other_diagnoses()))
            .collect()
    }

    /// A catalog id (`CER-06`, `OKT-03`, `SMART-10`, `RFC-01`, `LINT-C7`) with a known
    /// prefix, or a section of RFC 6749 or OpenID Connect Core (`RFC6749-4.1.2.1`,
    /// `OIDC-3.1.2.6`).
    fn well_formed(id: &str) -> bool {
        let Some((prefix, rest)) = id.split_once('-') else {
            return false;
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        match prefix {
            "RFC6749" | "OIDC" => rest.split('.').all(digits),
            "LINT" => {
                rest.starts_with(['A', 'C']) && digits(&rest[1..]) && !rest[1..].starts_with('0')
            }
            p => crate::vendors::is_catalog_prefix(p) && rest.len() == 2 && digits(rest),
        }
    }

    #[test]
    fn every_file_parses() {
        let c = loaded();
        assert!(!c.phrases.is_empty() && !c.generic.is_empty());
        for piece in super::super::pieces() {
            for &(path, text) in piece.phrase_files() {
                let f: PhraseFile = parse((path, text)).unwrap();
                assert_eq!(
                    format!("explain/{}.yaml", f.source),
                    path,
                    "a phrase file's `source` is its name"
                );
            }
            // A piece's own files parse when it is asked for them.
            let _ = piece.other_diagnoses();
        }
    }

    #[test]
    fn ids_and_refs_are_well_formed_and_in_the_catalog() {
        let listed: Vec<&str> = CATALOG_MD
            .lines()
            .filter_map(|l| l.strip_prefix('|')?.split('|').next())
            .map(str::trim)
            .collect();
        let c = loaded();
        for d in all_diagnoses(&c) {
            assert!(
                well_formed(&d.id) || d.id == "OIDC-PROVIDER",
                "malformed id `{}`",
                d.id
            );
            assert!(!d.refs.is_empty(), "{}: no refs", d.id);
            for r in &d.refs {
                assert!(well_formed(r), "{}: malformed ref `{r}`", d.id);
                let section = r.starts_with("RFC6749-") || r.starts_with("OIDC-");
                assert!(
                    section || listed.contains(&r.as_str()),
                    "{}: ref `{r}` is not in features/CATALOG.md",
                    d.id
                );
            }
            for (field, text) in [("cause", &d.cause), ("check", &d.check), ("fix", &d.fix)] {
                assert!(!text.trim().is_empty(), "{}: empty {field}", d.id);
            }
        }
        for bad in [
            "CER-6", "OKT-003", "LINT-7", "LINT-C07", "XYZ-01", "RFC6749-", "cer-06",
        ] {
            assert!(!well_formed(bad), "{bad}");
        }
    }

    #[test]
    fn every_entry_has_a_key_and_a_diagnosis() {
        let c = loaded();
        for e in &c.phrases {
            assert!(
                !e.phrases.is_empty() && !e.diagnoses.is_empty(),
                "{:?}",
                e.phrases
            );
        }
        for g in &c.generic {
            assert!(!g.codes.is_empty(), "{}", g.diagnosis.id);
        }
    }

    /// The first entry wins, so a key listed twice would be dead the second time.
    #[test]
    fn no_phrase_or_code_is_listed_twice() {
        let c = loaded();
        let (mut seen, mut codes) = (HashSet::new(), HashSet::new());
        for p in c.phrases.iter().flat_map(|e| &e.phrases) {
            assert!(!normalise(p).is_empty(), "empty phrase");
            assert!(seen.insert(normalise(p)), "phrase listed twice: {p}");
        }
        for code in c.generic.iter().flat_map(|g| &g.codes) {
            assert!(codes.insert(code), "code listed twice: {code}");
        }
    }

    /// Every phrase file's entries, with its `source`.
    fn phrase_files() -> Vec<(String, Vec<Entry>)> {
        super::super::pieces()
            .flat_map(|v| v.phrase_files())
            .map(|&file| {
                let f: PhraseFile = parse(file).unwrap();
                (f.source, f.entries)
            })
            .collect()
    }

    /// Phrase files are tried one after the other; that order can only matter if an
    /// entry of one file also matches another file's phrase, which none does.
    #[test]
    fn no_phrase_file_shadows_another() {
        let files = phrase_files();
        let c: Vec<(&str, &Entry)> = files
            .iter()
            .flat_map(|(source, entries)| entries.iter().map(move |e| (source.as_str(), e)))
            .collect();
        for &(a_source, a) in &c {
            for &(b_source, b) in c.iter().filter(|(b_source, _)| *b_source != a_source) {
                for p in &a.phrases {
                    assert!(
                        !b.matches(p),
                        "{} phrase `{p}` matches {} {:?}",
                        a_source,
                        b_source,
                        b.phrases
                    );
                    let text = normalise(p);
                    assert!(
                        b.mode == Mode::Exact
                            || !b.phrases.iter().any(|q| text.contains(&normalise(q))),
                        "{} phrase `{p}` contains one of {} {:?}",
                        a_source,
                        b_source,
                        b.phrases
                    );
                }
            }
        }
    }

    #[test]
    fn phrase_modes() {
        let grant = phrases()
            .iter()
            .find(|e| e.diagnoses[0].id == "OKT-03")
            .unwrap();
        assert!(grant.matches("The grant was issued to another client. Please make sure the 'client_id' matches the one used at the authorize request."));
        assert!(grant.matches("The grant was issued to another client. Please make sure the 'client_id' matches the one used."));
        assert!(!grant.matches("The grant"));
        let oidc = phrases()
            .iter()
            .find(|e| e.owner == "oidc-provider" && e.phrases[0] == "client authentication failed")
            .unwrap();
        assert!(oidc.matches("client authentication failed"));
        assert!(!oidc.matches(
            "Client authentication failed. Either the client or the client credentials are invalid."
        ));
    }
}
