//! Known error payloads → likely causes, what to check, the fix, and the catalog
//! references. Three sources of meaning, tried in order: Oracle Health's `error_uri`
//! URN; the `error_description` (or athenahealth's FHIR `error` message) matched
//! against Okta's, athenahealth's and oidc-provider's exact strings; and the generic
//! meaning of the OAuth `error` code.
//!
//! The prose lives in the project's `explain/*.yaml` (see `explain/README.md`),
//! compiled in and parsed once, on first use; `tests` below parses every file and
//! checks its ids and keys.
//! Only the invalid-tenant diagnosis, which quotes the echoed tenant, is written here.

use std::sync::LazyLock;

use serde::Deserialize;

use super::Diagnosis;
use super::error_uri::ErrorUri;
use crate::diagnose::rules::tenant::{near_uuid_problem, suggested_uuid};

/// Each catalog file as (its path, for error messages; its compiled-in text).
const ORACLE_HEALTH: (&str, &str) = (
    "explain/oracle-health.yaml",
    include_str!("../../../../../explain/oracle-health.yaml"),
);
/// Phrase files: entries are tried file by file in this order, each from the top.
const PHRASE_FILES: [(&str, &str); 3] = [
    (
        "explain/okta.yaml",
        include_str!("../../../../../explain/okta.yaml"),
    ),
    (
        "explain/athenahealth.yaml",
        include_str!("../../../../../explain/athenahealth.yaml"),
    ),
    (
        "explain/oidc-provider.yaml",
        include_str!("../../../../../explain/oidc-provider.yaml"),
    ),
];
const OAUTH: (&str, &str) = (
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
    /// Where the string comes from: `okta`, `athenahealth`, `oidc-provider` (the
    /// `source` of its file).
    #[serde(skip)]
    pub source: String,
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

/// Oracle Health URNs (short form, hyphens) and what they mean.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrnEntry {
    pub urns: Vec<String>,
    /// Whether the failure is about client authentication (so `client=unknown` fits).
    pub client_auth: bool,
    pub diagnoses: Vec<D>,
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
struct OracleHealthFile {
    client_unknown: D,
    entries: Vec<UrnEntry>,
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

/// The whole catalog, as read from `explain/`.
#[derive(Debug)]
pub struct Catalog {
    /// `client=unknown` with a URN that is not about client authentication (CER-04).
    pub client_unknown: D,
    pub urns: Vec<UrnEntry>,
    /// Every phrase file's entries, in the order they are tried.
    pub phrases: Vec<Entry>,
    pub generic: Vec<Generic>,
}

fn parse<T: serde::de::DeserializeOwned>((path, text): (&str, &str)) -> Result<T, String> {
    serde_saphyr::from_str(text).map_err(|e| format!("{path}: {e}"))
}

fn load() -> Result<Catalog, String> {
    let oracle: OracleHealthFile = parse(ORACLE_HEALTH)?;
    let mut phrases = Vec::new();
    for file in PHRASE_FILES {
        let f: PhraseFile = parse(file)?;
        phrases.extend(f.entries.into_iter().map(|e| Entry {
            source: f.source.clone(),
            ..e
        }));
    }
    let oauth: OauthFile = parse(OAUTH)?;
    Ok(Catalog {
        client_unknown: oracle.client_unknown,
        urns: oracle.entries,
        phrases,
        generic: oauth.entries,
    })
}

/// Parsed on first use. The files are compiled in, and `tests::every_file_parses`
/// parses the same text, so a broken file fails `cargo test` rather than a user's run.
static CATALOG: LazyLock<Catalog> =
    LazyLock::new(|| load().unwrap_or_else(|e| panic!("explain catalog: {e}")));

/// Oracle Health's URNs, in the order they are looked up.
pub fn urns() -> &'static [UrnEntry] {
    &CATALOG.urns
}

/// The phrase entries of every source, in the order they are tried.
pub fn phrases() -> &'static [Entry] {
    &CATALOG.phrases
}

/// `client=unknown` with a URN that is not about client authentication (CER-04).
pub fn client_unknown() -> &'static D {
    &CATALOG.client_unknown
}

/// The generic meaning of an OAuth error code, for when nothing more specific matches.
pub fn generic(code: &str) -> Option<Diagnosis> {
    CATALOG
        .generic
        .iter()
        .find(|g| g.codes.iter().any(|c| c == code))
        .map(|g| g.diagnosis.to_diagnosis())
}

/// The tenant diagnosis for `oauth2:token:invalid-tenant`, which depends on whether
/// the echoed tenant is a UUID (CER-05, LINT-C1).
pub fn invalid_tenant(e: &ErrorUri) -> Vec<Diagnosis> {
    let tenant = e.tenant.clone().unwrap_or_default();
    let provisioning = Diagnosis {
        id: "CER-05",
        cause: format!("The tenant `{tenant}` is not registered, or not linked to this client: the client authenticated (client={}), but the authorization server has no such tenant for it.", e.client.as_deref().unwrap_or("?")),
        check: "The tenant id the health system gave you, and whether Oracle Health has enabled this app (this environment's client) for that tenant.".to_string(),
        fix: "Use the tenant's exact id; if it is right, ask Oracle Health to enable the app for that tenant.".to_string(),
        refs: vec!["CER-05", "CER-04", "CER-27"],
    };
    match near_uuid_problem(&tenant) {
        Some(problem) => {
            let repair = suggested_uuid(&tenant)
                .map(|s| format!(" Probably `{s}`."))
                .unwrap_or_default();
            vec![
                Diagnosis {
                    id: "LINT-C1",
                    cause: format!("The tenant sent, `{tenant}`, is malformed: it looks like a UUID but {problem}. The server echoes the tenant exactly as sent, so this is the value in your token URL."),
                    check: "The tenant segment of the token URL (`/tenants/{tenant}/...`) against the id the health system gave you.".to_string(),
                    fix: format!("Correct the tenant in the URL to an 8-4-4-4-12 hexadecimal UUID.{repair}"),
                    refs: vec!["LINT-C1", "CER-05", "CER-27"],
                },
                provisioning,
            ]
        }
        None => vec![provisioning],
    }
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

    fn all_diagnoses(c: &Catalog) -> Vec<&D> {
        std::iter::once(&c.client_unknown)
            .chain(c.urns.iter().flat_map(|u| &u.diagnoses))
            .chain(c.phrases.iter().flat_map(|e| &e.diagnoses))
            .chain(c.generic.iter().map(|g| &g.diagnosis))
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
        assert!(!c.urns.is_empty() && !c.phrases.is_empty() && !c.generic.is_empty());
        for (path, text) in PHRASE_FILES {
            let f: PhraseFile = parse((path, text)).unwrap();
            assert_eq!(
                format!("explain/{}.yaml", f.source),
                path,
                "a phrase file's `source` is its name"
            );
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
        for u in &c.urns {
            assert!(
                !u.urns.is_empty() && !u.diagnoses.is_empty(),
                "{:?}",
                u.urns
            );
        }
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
    fn no_phrase_urn_or_code_is_listed_twice() {
        let c = loaded();
        let (mut seen, mut urns, mut codes) = (HashSet::new(), HashSet::new(), HashSet::new());
        for p in c.phrases.iter().flat_map(|e| &e.phrases) {
            assert!(!normalise(p).is_empty(), "empty phrase");
            assert!(seen.insert(normalise(p)), "phrase listed twice: {p}");
        }
        for u in c.urns.iter().flat_map(|e| &e.urns) {
            // Looked up after `_` → `-` and with the `urn:cerner:error:...` prefix cut.
            assert!(
                !u.contains('_') && !u.starts_with("urn:") && !u.contains(char::is_whitespace),
                "URN `{u}` can never match: write the short, hyphenated form"
            );
            assert!(urns.insert(u), "URN listed twice: {u}");
        }
        assert!(
            !c.urns
                .iter()
                .any(|e| e.urns.iter().any(|u| u == "oauth2:token:invalid-tenant")),
            "oauth2:token:invalid-tenant is computed by invalid_tenant(), never looked up"
        );
        for code in c.generic.iter().flat_map(|g| &g.codes) {
            assert!(codes.insert(code), "code listed twice: {code}");
        }
    }

    /// Phrase files are tried one after the other; that order can only matter if an
    /// entry of one file also matches another file's phrase, which none does.
    #[test]
    fn no_phrase_file_shadows_another() {
        let c = loaded();
        for a in &c.phrases {
            for b in c.phrases.iter().filter(|b| b.source != a.source) {
                for p in &a.phrases {
                    assert!(
                        !b.matches(p),
                        "{} phrase `{p}` matches {} {:?}",
                        a.source,
                        b.source,
                        b.phrases
                    );
                    let text = normalise(p);
                    assert!(
                        b.mode == Mode::Exact
                            || !b.phrases.iter().any(|q| text.contains(&normalise(q))),
                        "{} phrase `{p}` contains one of {} {:?}",
                        a.source,
                        b.source,
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
            .find(|e| e.source == "oidc-provider" && e.phrases[0] == "client authentication failed")
            .unwrap();
        assert!(oidc.matches("client authentication failed"));
        assert!(!oidc.matches(
            "Client authentication failed. Either the client or the client credentials are invalid."
        ));
    }
}
