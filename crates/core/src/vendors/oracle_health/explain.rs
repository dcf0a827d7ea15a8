//! Oracle Health's part of `grantcheck explain`. The specific cause of its errors is
//! the URN in `error_uri` (CER-21), looked up in `explain/oracle-health.yaml`; the URI
//! also names the client and tenant the server blamed (CER-04, CER-05), and its
//! instance id is the `Cerner-Correlation-Id` header's value (CER-03).

use std::sync::LazyLock;

use serde::Deserialize;

use super::CORRELATION_HEADER;
use super::error_uri::{for_explain, hyphenated, is_unknown_client};
use crate::diagnose::explain::catalog::{self, D};
use crate::diagnose::explain::parse::Parsed;
use crate::diagnose::explain::piece::{CatalogFile, ExplainPiece};
use crate::diagnose::explain::{Diagnosis, ErrorUri};
use crate::diagnose::rules::tenant::{near_uuid_problem, suggested_uuid};

const FILE: CatalogFile = (
    "explain/oracle-health.yaml",
    include_str!("../../../../../explain/oracle-health.yaml"),
);

/// Computed here from the echoed tenant, so never listed in the file (CER-05).
pub(super) const INVALID_TENANT: &str = "oauth2:token:invalid-tenant";

/// URNs (short form, hyphens) and what they mean.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrnEntry {
    pub urns: Vec<String>,
    /// Whether the failure is about client authentication (so `client=unknown` fits).
    pub client_auth: bool,
    pub diagnoses: Vec<D>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UrnFile {
    /// `client=unknown` with a URN that is not about client authentication (CER-04).
    pub client_unknown: D,
    /// In the order they are looked up.
    pub entries: Vec<UrnEntry>,
}

pub(super) fn load() -> Result<UrnFile, String> {
    catalog::parse(FILE)
}

/// Parsed on first use; `explain_tests` parses the same text.
static URNS: LazyLock<UrnFile> =
    LazyLock::new(|| load().unwrap_or_else(|e| panic!("explain catalog: {e}")));

pub struct Piece;

impl ExplainPiece for Piece {
    fn name(&self) -> &'static str {
        "oracle-health"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["oracle", "cerner"]
    }

    #[cfg(test)]
    fn other_diagnoses(&self) -> Vec<&'static D> {
        std::iter::once(&URNS.client_unknown)
            .chain(URNS.entries.iter().flat_map(|u| &u.diagnoses))
            .collect()
    }

    fn correlation_header(&self) -> Option<&'static str> {
        Some(CORRELATION_HEADER)
    }

    fn is_error_uri(&self, word: &str) -> bool {
        word.contains("/errors/urn") || word.to_ascii_lowercase().starts_with("urn:cerner:error")
    }

    fn read_error_uri(&self, raw: &str) -> Option<ErrorUri> {
        for_explain(raw)
    }

    fn error_uri_issuer(&self) -> Option<&'static str> {
        Some("Oracle Health")
    }

    /// Any URN reads in this shape; only a `urn:cerner:` one is this vendor's.
    fn owns(&self, e: &ErrorUri) -> bool {
        e.urn.starts_with("urn:cerner:")
    }

    fn explain_error_uri(
        &self,
        eu: &ErrorUri,
        p: &Parsed,
        matched: &mut Vec<Diagnosis>,
        notes: &mut Vec<String>,
    ) {
        explain_urn(eu, p, matched, notes);
    }

    fn generic_only_note(&self, error_uri: Option<&ErrorUri>) -> Option<String> {
        error_uri.is_none().then(|| "Oracle Health puts the specific cause in `error_uri` (a URN); this payload has none, so only the generic meaning of the code is known (CER-02).".to_string())
    }

    fn correlation_note(&self, c: &str, e: &ErrorUri) -> Option<String> {
        let i = e.instance.as_ref()?;
        Some(if c.eq_ignore_ascii_case(i) {
            format!(
                "The Cerner-Correlation-Id {c} equals the error_uri's instance id, as expected (CER-03): quote it to Oracle Health support."
            )
        } else {
            format!(
                "The Cerner-Correlation-Id {c} differs from the error_uri's instance id {i}: they normally match (CER-03), so the header and the body are probably from different requests."
            )
        })
    }
}

fn explain_urn(eu: &ErrorUri, p: &Parsed, matched: &mut Vec<Diagnosis>, notes: &mut Vec<String>) {
    let short = hyphenated(&eu.short);
    let entry = URNS.entries.iter().find(|u| u.urns.contains(&short));
    let client_auth = entry.is_some_and(|u| u.client_auth);
    let client_unknown = is_unknown_client(eu.client.as_deref());
    if client_unknown && !client_auth {
        // CER-04: never blame the grant or tenant when the client was not identified.
        matched.push(URNS.client_unknown.to_diagnosis());
        notes.push(format!("The URN names `{short}`, but client=unknown means the server never identified the client; fix client authentication first (CER-04, LINT-C7)."));
        return;
    }
    if short == INVALID_TENANT {
        matched.extend(invalid_tenant(eu));
        notes.push("`oauth2:token:invalid-tenant` is observed live but absent from the historical URN list; it is not a malformed response (CER-05, LINT-C5).".to_string());
        return;
    }
    if client_unknown {
        notes.push("client=unknown: the server never identified the client, so the code, grant and tenant of this request are not in question yet (CER-04, LINT-C7).".to_string());
    }
    match entry {
        Some(u) => {
            matched.extend(u.diagnoses.iter().map(D::to_diagnosis));
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

/// The tenant diagnosis for `oauth2:token:invalid-tenant`, which depends on whether
/// the echoed tenant is a UUID (CER-05, LINT-C1).
fn invalid_tenant(e: &ErrorUri) -> Vec<Diagnosis> {
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
