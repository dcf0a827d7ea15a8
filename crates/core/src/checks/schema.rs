//! Response shapes, checked against the JSON Schemas in `schemas/` (draft 2020-12),
//! which encode only what their sections make a MUST. Each violation is reported by
//! the JSON pointer of the member it concerns, never by value, so a token in a token
//! response cannot reach a report through a schema message.

use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::Value;

use super::{Outcome, ensure};

/// A schema in `schemas/`: the standards' shapes, or one a vendor documents for its
/// own error objects (held in that vendor's folder, listed by the registry).
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    TokenResponse,
    OAuthError,
    OpenidDiscovery,
    OauthMetadata,
    SmartV1,
    SmartV2,
    Introspection,
    Jwks,
    Vendor(&'static VendorShape),
}

/// A vendor's own error object: its schema file, the member that tells it apart from
/// RFC 6749's, and the check that judges it.
#[derive(Debug)]
pub struct VendorShape {
    /// The file's name in `schemas/` (without `.json`).
    pub file: &'static str,
    pub text: &'static str,
    /// A member only this shape has (`errorCode`), so any error body can be matched to
    /// it; `None` for a shape only the vendor's own steps ask for.
    pub marker: Option<&'static str>,
    pub check: &'static str,
    pub spec: &'static str,
    pub compiled: OnceLock<Validator>,
}

impl PartialEq for Shape {
    fn eq(&self, other: &Self) -> bool {
        self.file() == other.file()
    }
}

impl Eq for Shape {}

impl Shape {
    const STANDARD: [Shape; 8] = [
        Shape::TokenResponse,
        Shape::OAuthError,
        Shape::OpenidDiscovery,
        Shape::OauthMetadata,
        Shape::SmartV1,
        Shape::SmartV2,
        Shape::Introspection,
        Shape::Jwks,
    ];

    /// Every shape: the standards' and each vendor's.
    pub fn all() -> Vec<Shape> {
        Shape::STANDARD
            .into_iter()
            .chain(crate::vendors::error_shapes().map(Shape::Vendor))
            .collect()
    }

    /// The vendor shape whose marker member `body` carries, if any.
    pub fn vendor_error_of(body: &Value) -> Option<Shape> {
        crate::vendors::error_shapes()
            .find(|s| s.marker.is_some_and(|m| body.get(m).is_some()))
            .map(Shape::Vendor)
    }

    /// The file's name in `schemas/` (without `.json`).
    pub fn file(self) -> &'static str {
        match self {
            Shape::TokenResponse => "token-response",
            Shape::OAuthError => "oauth-error",
            Shape::OpenidDiscovery => "openid-discovery",
            Shape::OauthMetadata => "oauth-authorization-server",
            Shape::SmartV1 => "smart-configuration-v1",
            Shape::SmartV2 => "smart-configuration-v2",
            Shape::Introspection => "introspection-response",
            Shape::Jwks => "jwks",
            Shape::Vendor(v) => v.file,
        }
    }

    fn text(self) -> &'static str {
        match self {
            Shape::TokenResponse => include_str!("../../../../schemas/token-response.json"),
            Shape::OAuthError => include_str!("../../../../schemas/oauth-error.json"),
            Shape::OpenidDiscovery => include_str!("../../../../schemas/openid-discovery.json"),
            Shape::OauthMetadata => {
                include_str!("../../../../schemas/oauth-authorization-server.json")
            }
            Shape::SmartV1 => include_str!("../../../../schemas/smart-configuration-v1.json"),
            Shape::SmartV2 => include_str!("../../../../schemas/smart-configuration-v2.json"),
            Shape::Introspection => include_str!("../../../../schemas/introspection-response.json"),
            Shape::Jwks => include_str!("../../../../schemas/jwks.json"),
            Shape::Vendor(v) => v.text,
        }
    }

    /// The check's name in reports, and the sections the schema encodes.
    fn check(self) -> (&'static str, &'static str) {
        match self {
            Shape::TokenResponse => ("token_response_shape", "RFC6749-5.1"),
            Shape::OAuthError => ("oauth_error_shape", "RFC6749-5.2"),
            Shape::OpenidDiscovery => ("openid_metadata_shape", "OIDC-Discovery-3"),
            Shape::OauthMetadata => ("oauth_metadata_shape", "RFC8414-2"),
            Shape::SmartV1 => ("smart_configuration_shape", "SMART-v1-conformance"),
            Shape::SmartV2 => ("smart_configuration_shape", "SMART-v2-2.1"),
            Shape::Introspection => ("introspection_response_shape", "RFC7662-2.2"),
            Shape::Jwks => ("jwks_shape", "RFC7517-5"),
            Shape::Vendor(v) => (v.check, v.spec),
        }
    }

    /// The compiled schema; built once per process. The schemas are part of the
    /// binary and a test compiles every one, so failing here is a build defect.
    fn validator(self) -> &'static Validator {
        static COMPILED: [OnceLock<Validator>; 8] = [const { OnceLock::new() }; 8];
        let cell = match self {
            Shape::Vendor(v) => &v.compiled,
            _ => {
                let i = Shape::STANDARD.iter().position(|s| *s == self);
                &COMPILED[i.unwrap_or(0)]
            }
        };
        cell.get_or_init(|| {
            let schema: Value = serde_json::from_str(self.text())
                .unwrap_or_else(|e| panic!("schemas/{}.json is not JSON: {e}", self.file()));
            jsonschema::validator_for(&schema)
                .unwrap_or_else(|e| panic!("schemas/{}.json does not compile: {e}", self.file()))
        })
    }

    /// Every violation as `pointer: what is wrong` (values masked).
    pub fn violations(self, doc: &Value) -> Vec<String> {
        self.validator()
            .iter_errors(doc)
            .map(|e| {
                let at = e.instance_path().as_str();
                let at = if at.is_empty() { "/" } else { at };
                format!("{at}: {}", e.masked())
            })
            .collect()
    }
}

/// `doc` has the shape its schema describes.
pub fn conforms(doc: &Value, shape: Shape) -> Outcome {
    let violations = shape.violations(doc);
    let (check, spec) = shape.check();
    ensure(
        violations.is_empty(),
        check,
        spec,
        format!("the members schemas/{}.json requires", shape.file()),
        || violations.join("; "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Every schema compiles, and every example in `schemas/examples/` is judged as
    /// its name says (`NAME.valid.json`, `NAME.invalid-WHY.json`).
    #[test]
    fn every_schema_judges_its_examples_as_named() {
        let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("schemas/examples");
        let mut seen = std::collections::BTreeMap::<&str, (usize, usize)>::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let shape = Shape::all()
                .into_iter()
                .find(|s| name.starts_with(&format!("{}.", s.file())))
                .unwrap_or_else(|| panic!("{name}: names no schema"));
            let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let v = shape.violations(&doc);
            let counts = seen.entry(shape.file()).or_default();
            if name.contains(".valid.") {
                assert!(v.is_empty(), "{name} should pass: {v:?}");
                counts.0 += 1;
            } else {
                assert!(!v.is_empty(), "{name} should fail");
                counts.1 += 1;
            }
        }
        for s in Shape::all() {
            let (valid, invalid) = seen.get(s.file()).copied().unwrap_or_default();
            assert!(
                valid >= 1 && invalid >= 1,
                "{}: needs a valid and an invalid example",
                s.file()
            );
        }
    }

    #[test]
    fn a_violation_names_the_member_and_never_its_value() {
        let doc = serde_json::json!({
            "access_token": "secret-token-value-123",
            "token_type": "Bearer",
            "expires_in": "3600"
        });
        let f = conforms(&doc, Shape::TokenResponse).unwrap_err();
        assert!(f.received.contains("/expires_in"), "{}", f.received);
        assert!(!f.received.contains("secret-token-value-123"));
        assert!(!f.received.contains("3600"), "{}", f.received);
        assert_eq!(f.spec, "RFC6749-5.1");
    }

    #[test]
    fn a_minimal_token_response_conforms_in_any_token_type_case() {
        // expires_in, scope and refresh_token are optional in RFC 6749 §5.1.
        for tt in ["Bearer", "bearer"] {
            let doc = serde_json::json!({ "access_token": "at", "token_type": tt });
            assert!(conforms(&doc, Shape::TokenResponse).is_ok(), "{tt}");
        }
    }

    #[test]
    fn a_token_response_without_a_token_type_fails_as_its_shape() {
        let doc = serde_json::json!({ "access_token": "at", "expires_in": 3600 });
        let f = conforms(&doc, Shape::TokenResponse).unwrap_err();
        assert_eq!((f.check, f.spec), ("token_response_shape", "RFC6749-5.1"));
    }

    #[test]
    fn an_error_object_without_error_fails_as_its_shape() {
        assert!(
            conforms(
                &serde_json::json!({ "error": "invalid_grant" }),
                Shape::OAuthError
            )
            .is_ok()
        );
        let doc = serde_json::json!({ "error_description": "no" });
        let f = conforms(&doc, Shape::OAuthError).unwrap_err();
        assert_eq!((f.check, f.spec), ("oauth_error_shape", "RFC6749-5.2"));
    }
}
