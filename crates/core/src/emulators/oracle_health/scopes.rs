//! Which requested scopes are granted. Ungrantable scopes are dropped without an error;
//! only a grant left empty is refused (by the callers).

/// Scopes any registered app may receive on the user-facing flows, beyond the resource
/// scopes it was approved for. offline_access is not here: it needs approval.
pub(super) const DEFAULT_USER_SCOPES: &[&str] = &[
    "openid",
    "profile",
    "fhirUser",
    "launch",
    "launch/patient",
    "launch/encounter",
    "online_access",
];

/// More requested scopes than this would make the token outgrow HTTP header limits; the
/// vendor states no number, this is the emulator's.
pub(super) const MAX_SCOPES: usize = 60;

pub(super) use crate::emulators::engine::split_scopes as split;

/// `patient/*.read`, `system/Patient.*` and the like.
pub(super) fn is_wildcard(scope: &str) -> bool {
    let Some((_, rest)) = scope.split_once('/') else {
        return false;
    };
    let (resource, permission) = rest.rsplit_once('.').unwrap_or((rest, ""));
    resource == "*" || permission == "*"
}

fn is_user_resource_scope(scope: &str) -> bool {
    scope.starts_with("user/") || scope.starts_with("patient/")
}

/// The flow the scopes are requested on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    /// client_credentials: system/ scopes only.
    System,
    /// authorization_code: user/ and patient/ scopes plus the identity and context ones.
    User,
}

/// The outcome of narrowing a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Narrowed {
    pub granted: Vec<String>,
    /// How many requested scopes were dropped.
    pub dropped: usize,
}

/// Keeps the requested scopes that `permitted` (the app's approval) allows on `flow`.
/// Wildcards are never granted unless `wildcards` (a fault) says otherwise.
pub(super) fn narrow(
    requested: &[String],
    permitted: &[String],
    flow: Flow,
    wildcards: bool,
) -> Narrowed {
    let approved = |s: &str| permitted.iter().any(|p| p == s);
    let grantable = |s: &str| match flow {
        Flow::System if s.starts_with("system/") => {
            if is_wildcard(s) {
                wildcards
            } else {
                approved(s)
            }
        }
        Flow::System => false,
        Flow::User if s.starts_with("system/") => false,
        Flow::User if is_wildcard(s) => wildcards && is_user_resource_scope(s),
        Flow::User => DEFAULT_USER_SCOPES.contains(&s) || approved(s),
    };
    let granted: Vec<String> = requested.iter().filter(|s| grantable(s)).cloned().collect();
    Narrowed {
        dropped: requested.len() - granted.len(),
        granted,
    }
}

/// Whether a grant puts a patient in context.
pub(super) fn wants_patient(scopes: &[String]) -> bool {
    scopes
        .iter()
        .any(|s| s == "launch/patient" || s.starts_with("patient/"))
}

/// Whether `scopes` allow `permission` (`read` or `write`) on `resource`.
pub(super) fn allows(scopes: &[String], resource: &str, permission: &str) -> bool {
    allows_at(scopes, &["system", "user", "patient"], resource, permission)
}

/// Whether one of `scopes` at one of the `levels` (`system`, `user`, `patient`) grants
/// `permission` on `resource`.
pub(super) fn allows_at(
    scopes: &[String],
    levels: &[&str],
    resource: &str,
    permission: &str,
) -> bool {
    levels.iter().any(|ctx| {
        scopes
            .iter()
            .any(|s| *s == format!("{ctx}/{resource}.{permission}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        split(s)
    }

    #[test]
    fn splitting_keeps_commas_in_tokens() {
        assert_eq!(
            split("system/Account.read,  system/Patient.read system/Patient.read"),
            ["system/Account.read,", "system/Patient.read"]
        );
        assert_eq!(
            split("a,b"),
            ["a,b"],
            "comma-joined scopes are one unknown token"
        );
        assert!(split("").is_empty());
    }

    #[test]
    fn wildcards() {
        for s in ["system/*.read", "patient/*.*", "user/Patient.*", "user/*"] {
            assert!(is_wildcard(s), "{s}");
        }
        for s in ["system/Patient.read", "launch/patient", "openid", "a*b"] {
            assert!(!is_wildcard(s), "{s}");
        }
    }

    #[test]
    fn system_flow_grants_approved_system_scopes_only() {
        let permitted =
            v("system/Patient.read system/Observation.read offline_access user/Patient.read");
        let n = narrow(
            &v(
                "system/*.read system/Patient.read user/Patient.read offline_access system/Encounter.read system/Observation.read",
            ),
            &permitted,
            Flow::System,
            false,
        );
        assert_eq!(
            n.granted,
            ["system/Patient.read", "system/Observation.read"]
        );
        assert_eq!(n.dropped, 4);
        let n = narrow(&v("system/*.read"), &permitted, Flow::System, true);
        assert_eq!(n.granted, ["system/*.read"]);
    }

    #[test]
    fn user_flow_grants_defaults_and_approved_resources() {
        let permitted = v("user/Patient.read offline_access system/Patient.read patient/*.read");
        let n = narrow(
            &v(
                "openid fhirUser launch/patient user/Patient.read user/Observation.read offline_access system/Patient.read patient/*.read",
            ),
            &permitted,
            Flow::User,
            false,
        );
        assert_eq!(
            n.granted,
            [
                "openid",
                "fhirUser",
                "launch/patient",
                "user/Patient.read",
                "offline_access"
            ]
        );
        let n = narrow(&v("offline_access"), &[], Flow::User, false);
        assert!(n.granted.is_empty());
        let n = narrow(&v("patient/*.read system/*.read"), &[], Flow::User, true);
        assert_eq!(n.granted, ["patient/*.read"]);
    }

    #[test]
    fn context_and_access() {
        assert!(wants_patient(&v("openid patient/Observation.read")));
        assert!(wants_patient(&v("launch/patient")));
        assert!(!wants_patient(&v("user/Patient.read launch")));
        let s = v("user/Patient.read system/Observation.write");
        assert!(allows(&s, "Patient", "read"));
        assert!(allows(&s, "Observation", "write"));
        assert!(!allows(&s, "Observation", "read"));
    }
}
