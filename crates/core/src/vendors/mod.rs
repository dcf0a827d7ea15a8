//! The one list of vendors grantcheck knows: each vendor's identity in one row, read
//! by the profile schema, the emulators, the applicability rules, `lint`/`explain`,
//! the command line and the reports. Adding a vendor starts here (see ARCHITECTURE.md).

pub mod athenahealth;
pub mod lint;
pub mod oracle_health;

use serde::Deserialize;

use crate::checks::schema::VendorShape;

/// The vendor a profile targets: one of the registry's, or `generic` for any standard
/// server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Vendor {
    Athenahealth,
    OracleHealth,
    Generic,
}

impl Vendor {
    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::Athenahealth => "athenahealth",
            Vendor::OracleHealth => "oracle-health",
            Vendor::Generic => "generic",
        }
    }

    /// Its registry row; `None` for `generic`.
    pub fn info(self) -> Option<&'static VendorInfo> {
        ALL.iter().find(|v| v.vendor == self)
    }
}

/// What the rest of grantcheck needs to know about a vendor.
#[derive(Debug, Clone, Copy)]
pub struct VendorInfo {
    /// The profile schema's value for it.
    pub vendor: Vendor,
    /// Its name on the command line, in profiles and in `@vendor-…` tags.
    pub id: &'static str,
    /// Its feature folder below `features/`.
    pub features: &'static str,
    /// Prefixes of its entries in the behaviour catalog (`ATH-02`, `OKT-11`).
    pub catalog_prefixes: &'static [&'static str],
    /// Whether its paths carry the tenant, so one server holds many tenants.
    pub tenant_scoped: bool,
    /// The error object it documents besides RFC 6749's.
    pub error_shape: &'static VendorShape,
    /// The scope that adds patient identity mappings to the ID token, granted only to
    /// apps the vendor approved (ATH-08).
    pub patient_mappings_scope: Option<&'static str>,
    /// What `lint` checks for it (its hosts, scopes, aud and the words findings use).
    pub lint: &'static dyn lint::LintPolicy,
}

/// Every EHR vendor, in the order listings show them.
pub const ALL: &[VendorInfo] = &[
    VendorInfo {
        vendor: Vendor::Athenahealth,
        id: "athenahealth",
        features: "vendors/athenahealth",
        catalog_prefixes: &["ATH", "OKT"],
        tenant_scoped: false,
        error_shape: &athenahealth::checks::ERROR_SHAPE,
        patient_mappings_scope: Some(athenahealth::PATIENT_MAPPINGS),
        lint: &athenahealth::lint::POLICY,
    },
    VendorInfo {
        vendor: Vendor::OracleHealth,
        id: "oracle-health",
        features: "vendors/oracle-health",
        catalog_prefixes: &["CER"],
        tenant_scoped: true,
        error_shape: &oracle_health::checks::ERROR_SHAPE,
        patient_mappings_scope: None,
        lint: &oracle_health::lint::POLICY,
    },
];

/// Catalog prefixes that belong to no vendor: the standards and lint rules.
pub const GENERIC_CATALOG_PREFIXES: &[&str] = &["SMART", "RFC", "LINT"];

/// Every vendor's own error shape.
pub fn error_shapes() -> impl Iterator<Item = &'static VendorShape> {
    ALL.iter().map(|v| v.error_shape)
}

/// The ids of every vendor (`athenahealth`, `oracle-health`).
pub fn ids() -> impl Iterator<Item = &'static str> {
    ALL.iter().map(|v| v.id)
}

/// The vendor with this id.
pub fn by_id(id: &str) -> Option<&'static VendorInfo> {
    ALL.iter().find(|v| v.id == id)
}

/// Whether `prefix` starts a catalog id (`OKT` in `OKT-11`).
pub fn is_catalog_prefix(prefix: &str) -> bool {
    ALL.iter()
        .flat_map(|v| v.catalog_prefixes)
        .chain(GENERIC_CATALOG_PREFIXES)
        .any(|p| *p == prefix)
}

/// What each vendor adds to `grantcheck explain` (its piece, in its own folder), in
/// `ALL`'s order: the order their phrase files are tried and `--vendor` lists them.
pub(crate) fn explain_pieces() -> &'static [&'static dyn crate::diagnose::explain::ExplainPiece] {
    static PIECES: [&'static dyn crate::diagnose::explain::ExplainPiece; 2] = [
        &athenahealth::explain::Piece,
        &oracle_health::explain::Piece,
    ];
    &PIECES
}

/// Each vendor's `lint` examples: one bad and one corrected request per rule its
/// policy calls for, run with the generic ones by the diagnose tests.
#[cfg(test)]
pub(crate) fn lint_examples() -> Vec<crate::diagnose::tests::Case> {
    let mut all = athenahealth::lint_tests::cases();
    all.extend(oracle_health::lint_tests::cases());
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The registry and the profile schema name the same vendors the same way.
    #[test]
    fn every_schema_vendor_but_generic_has_one_row_under_its_own_name() {
        for v in [Vendor::Athenahealth, Vendor::OracleHealth] {
            let rows: Vec<_> = ALL.iter().filter(|r| r.vendor == v).collect();
            assert_eq!(rows.len(), 1, "{v:?}");
            assert_eq!(rows[0].id, v.as_str());
            assert_eq!(by_id(v.as_str()).map(|r| r.vendor), Some(v));
        }
        assert!(by_id("generic").is_none());
    }

    #[test]
    fn catalog_prefixes_are_known_and_unshared() {
        for p in ["ATH", "OKT", "CER", "SMART", "RFC", "LINT"] {
            assert!(is_catalog_prefix(p), "{p}");
        }
        assert!(!is_catalog_prefix("rfc6749"));
        let mut all: Vec<&str> = ALL
            .iter()
            .flat_map(|v| v.catalog_prefixes.iter().copied())
            .chain(GENERIC_CATALOG_PREFIXES.iter().copied())
            .collect();
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n, "a prefix belongs to one vendor");
    }

    /// Each vendor's feature folder exists beside the catalog.
    #[test]
    fn every_vendor_has_its_feature_folder() {
        let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../features"));
        for v in ALL {
            assert!(root.join(v.features).is_dir(), "{}", v.features);
        }
    }
}
