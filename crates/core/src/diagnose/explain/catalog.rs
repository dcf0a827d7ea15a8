//! Known error payloads → likely causes, what to check, the fix, and the catalog
//! references. Three sources of meaning, tried in order: Oracle Health's `error_uri`
//! URN; the `error_description` (or athenahealth's FHIR `error` message) matched
//! against Okta's, athenahealth's and oidc-provider's exact strings; and the generic
//! meaning of the OAuth `error` code.
//!
//! The prose lives in the project's `explain/*.yaml` (see `explain/README.md`),
//! compiled in and parsed once, on first use; `tests` below parses every file.
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

    fn loaded() -> Catalog {
        load().unwrap_or_else(|e| panic!("{e}"))
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
