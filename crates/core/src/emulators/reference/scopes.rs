//! Scope syntax: the OpenID and SMART special scopes, and SMART resource scopes in their
//! v1 (`patient/Observation.read`) and v2 (`patient/Observation.rs?category=x`) forms
//! (SMART-04). Scopes are space-delimited and case-sensitive (RFC 6749 §3.3).

/// The non-resource scopes this server knows (SMART-05, OIDC Core §5.4).
pub(super) const SPECIAL: &[&str] = &[
    "openid",
    "profile",
    "fhirUser",
    "offline_access",
    "online_access",
    "launch/patient",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Special,
    SmartV1,
    SmartV2,
    Unknown,
}

pub(super) use crate::emulators::engine::split_scopes as split;

pub(super) fn kind(scope: &str) -> Kind {
    if SPECIAL.contains(&scope) {
        return Kind::Special;
    }
    let Some((context, rest)) = scope.split_once('/') else {
        return Kind::Unknown;
    };
    if !matches!(context, "patient" | "user" | "system") {
        return Kind::Unknown;
    }
    let Some((resource, permissions)) = rest.split_once('.') else {
        return Kind::Unknown;
    };
    if !(resource == "*" || is_resource_type(resource)) {
        return Kind::Unknown;
    }
    if matches!(permissions, "read" | "write" | "*") {
        return Kind::SmartV1;
    }
    let (letters, constraint) = match permissions.split_once('?') {
        Some((letters, query)) => (letters, Some(query)),
        None => (permissions, None),
    };
    if is_cruds_subset(letters) && constraint.is_none_or(is_constraint) {
        Kind::SmartV2
    } else {
        Kind::Unknown
    }
}

/// A FHIR resource type name: an upper-case letter, then letters.
fn is_resource_type(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase()) && chars.all(|c| c.is_ascii_alphabetic())
}

/// A non-empty subset of `cruds`, each letter at most once and in that order.
fn is_cruds_subset(letters: &str) -> bool {
    let mut rest = "cruds";
    for c in letters.chars() {
        match rest.find(c) {
            Some(i) => rest = &rest[i + 1..],
            None => return false,
        }
    }
    !letters.is_empty()
}

/// `param=value(&param=value)*` with non-empty names and values.
fn is_constraint(query: &str) -> bool {
    query.split('&').all(|pair| {
        pair.split_once('=').is_some_and(|(k, v)| {
            !k.is_empty()
                && !v.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
                && v.chars().all(|c| c.is_ascii_graphic())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_spaces_only() {
        assert_eq!(split("  openid  openid profile "), ["openid", "profile"]);
        assert_eq!(split("openid,profile"), ["openid,profile"]);
        assert!(split("").is_empty());
    }

    #[test]
    fn classifies() {
        for s in SPECIAL {
            assert_eq!(kind(s), Kind::Special);
        }
        let v1 = [
            "patient/Patient.read",
            "user/*.write",
            "system/Observation.*",
            "patient/*.*",
        ];
        let v2 = [
            "patient/Patient.rs",
            "user/*.cruds",
            "system/Observation.c",
            "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory",
            "patient/Observation.s?a=1&b=2",
        ];
        let unknown = [
            "OpenID",
            "launch",
            "grantcheck.unknown-scope",
            "patient/Patient.sr",
            "patient/Patient.rr",
            "patient/Patient.",
            "patient/patient.read",
            "practitioner/Patient.read",
            "patient/Patient",
            "patient/Patient.rs?",
            "patient/Patient.rs?a",
            "patient/Patient.rs?a=",
            "patient/Pat1ent.read",
            "patient/Observation.rs?a=1&",
        ];
        for (kind_of, scopes) in [
            (Kind::SmartV1, &v1[..]),
            (Kind::SmartV2, &v2[..]),
            (Kind::Unknown, &unknown[..]),
        ] {
            for s in scopes {
                assert_eq!(kind(s), kind_of, "{s}");
            }
        }
    }
}
