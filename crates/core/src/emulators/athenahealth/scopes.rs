//! The scopes athenahealth's authorization server knows, which an app may request by
//! default, and which need the user's consent.

use super::faults::Fault;
use super::percent;
use crate::emulators::ClientRegistration;

use crate::vendors::athenahealth::DEFAULT_SCOPES;
pub(super) use crate::vendors::athenahealth::{FHIR_RESOURCES, PATIENT_MAPPINGS, WILDCARD_READ};

pub(super) fn resource_scope(resource: &str) -> String {
    format!("patient/{resource}.read")
}

/// Scopes an app gets without being approved for more.
fn default_permitted() -> impl Iterator<Item = String> {
    DEFAULT_SCOPES
        .iter()
        .map(|s| s.to_string())
        .chain(FHIR_RESOURCES.iter().map(|r| resource_scope(r)))
}

/// Every scope defined on the server.
fn known() -> impl Iterator<Item = String> {
    default_permitted().chain([WILDCARD_READ.to_string(), PATIENT_MAPPINGS.to_string()])
}

/// Scopes whose grant the user is asked about on the consent page.
pub(super) fn needs_consent(scope: &str) -> bool {
    scope == "offline_access" || scope == PATIENT_MAPPINGS || scope.starts_with("patient/")
}

/// Why an authorize request's scope was refused.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ScopeError {
    /// Not defined on the server, or malformed (`invalid_scope`).
    NotConfigured,
    /// Defined but not permitted for this app (`access_denied`).
    PolicyDenied,
}

/// Validates the once-decoded `scope` parameter of an authorize request and returns the
/// requested scopes (canonical names, request order, no duplicates).
pub(super) fn validate(
    decoded: Option<&str>,
    client: &ClientRegistration,
    on: impl Fn(Fault) -> bool,
) -> Result<Vec<String>, ScopeError> {
    let tokens = split(decoded.unwrap_or(""), on(Fault::LenientScopeDelimiters))?;
    let mut scopes: Vec<String> = Vec::new();
    for token in tokens {
        let scope = canonical(&token, on(Fault::CaseInsensitiveScopes))
            .or_else(|| on(Fault::AcceptUnknownScopes).then_some(token))
            .ok_or(ScopeError::NotConfigured)?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if scopes.is_empty() {
        return Err(ScopeError::NotConfigured);
    }
    if !on(Fault::IgnoreScopePolicy) && !scopes.iter().all(|s| permitted(s, client, &on)) {
        return Err(ScopeError::PolicyDenied);
    }
    Ok(scopes)
}

/// Splits on spaces. A `;` delimiter or a token still holding a `%XX` escape (the
/// parameter was encoded twice) is malformed unless the lenient fault is on.
fn split(decoded: &str, lenient: bool) -> Result<Vec<String>, ScopeError> {
    if lenient {
        let value = percent::decode_fully(decoded);
        return Ok(value
            .split([' ', ';'])
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect());
    }
    if decoded.contains(';') || percent::has_escape(decoded) {
        return Err(ScopeError::NotConfigured);
    }
    Ok(decoded
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect())
}

fn canonical(token: &str, ignore_case: bool) -> Option<String> {
    known().find(|k| {
        if ignore_case {
            k.eq_ignore_ascii_case(token)
        } else {
            k == token
        }
    })
}

fn permitted(scope: &str, client: &ClientRegistration, on: &impl Fn(Fault) -> bool) -> bool {
    let is_known = known().any(|k| k == scope);
    // A scope the server does not define only gets here under accept-unknown-scopes.
    (!is_known && on(Fault::AcceptUnknownScopes))
        || default_permitted().any(|d| d == scope)
        || client.permitted_scopes.iter().any(|p| p == scope)
}

/// Does a token with these scopes allow reading `resource`?
pub(super) fn grants_read(scopes: &[String], resource: &str) -> bool {
    let wanted = resource_scope(resource);
    scopes.iter().any(|s| *s == wanted || s == WILDCARD_READ)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulators::ClientAuth;

    fn client(permitted: &[&str]) -> ClientRegistration {
        ClientRegistration {
            client_id: "c".into(),
            secret: None,
            auth: ClientAuth::None,
            redirect_uris: vec![],
            post_logout_redirect_uris: vec![],
            permitted_scopes: permitted.iter().map(|s| s.to_string()).collect(),
            grant_types: vec![],
            jwks: None,
        }
    }

    fn check(scope: &str, permitted: &[&str], faults: &[Fault]) -> Result<Vec<String>, ScopeError> {
        validate(Some(scope), &client(permitted), |f| faults.contains(&f))
    }

    #[test]
    fn defaults_pass_and_dedupe() {
        assert_eq!(
            check("openid  openid patient/Observation.read", &[], &[]),
            Ok(vec![
                "openid".to_string(),
                "patient/Observation.read".to_string()
            ])
        );
    }

    #[test]
    fn unknown_malformed_and_case() {
        use ScopeError::*;
        assert_eq!(check("open_id", &[], &[]), Err(NotConfigured));
        assert_eq!(check("openid;profile", &[], &[]), Err(NotConfigured));
        assert_eq!(check("openid athena%2Fuser", &[], &[]), Err(NotConfigured));
        assert_eq!(check("OpenID", &[], &[]), Err(NotConfigured));
        assert_eq!(check("", &[], &[]), Err(NotConfigured));
        assert!(check("OpenID", &[], &[Fault::CaseInsensitiveScopes]).is_ok());
        assert!(check("openid;profile", &[], &[Fault::LenientScopeDelimiters]).is_ok());
        assert!(check("open_id", &[], &[Fault::AcceptUnknownScopes]).is_ok());
    }

    #[test]
    fn policy() {
        assert_eq!(
            check("openid patient/*.read", &[], &[]),
            Err(ScopeError::PolicyDenied)
        );
        assert_eq!(
            check(PATIENT_MAPPINGS, &[], &[]),
            Err(ScopeError::PolicyDenied)
        );
        assert!(check(PATIENT_MAPPINGS, &[PATIENT_MAPPINGS], &[]).is_ok());
        assert!(check("patient/*.read", &[], &[Fault::IgnoreScopePolicy]).is_ok());
    }

    #[test]
    fn reading() {
        let s = vec!["patient/Observation.read".to_string()];
        assert!(grants_read(&s, "Observation"));
        assert!(!grants_read(&s, "Patient"));
        assert!(grants_read(&[WILDCARD_READ.to_string()], "Patient"));
        assert!(needs_consent("offline_access") && !needs_consent("openid"));
    }
}
