//! What a host name says about the vendor and the environment behind it. Each vendor
//! lists its own hosts in its lint policy (`vendors::*::lint`); this asks all of them.

use crate::profile::Vendor;
use crate::vendors::{self, lint::LintPolicy};

pub use crate::vendors::lint::EnvClass;

/// The vendor whose servers live on `host`, if any.
pub fn of_host(host: &str) -> Option<Vendor> {
    let h = host.to_ascii_lowercase();
    let under = |domain: &&str| h == *domain || h.ends_with(&format!(".{domain}"));
    vendors::ALL
        .iter()
        .find(|v| v.lint.domains().iter().any(under))
        .map(|v| v.vendor)
}

/// The lint policy of the vendor whose servers live on `host`, if any.
pub fn policy_of_host(host: &str) -> Option<&'static dyn LintPolicy> {
    of_host(host).map(vendors::lint::policy)
}

/// A host that belongs to a vendor's authorization or FHIR servers: never the app's
/// own callback (LINT-C8). Besides the vendors' own domains, hosts named the way
/// vendors name such servers count too.
pub fn is_vendor_server_host(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    of_host(&h).is_some() || h.starts_with("authorization.") || h.starts_with("fhir-")
}

/// Loopback hosts, where plain http is acceptable for a redirect URI (RFC 8252 §7.3).
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.starts_with("127.") || h == "::1"
}

/// Which kind of environment a vendor URL points at, when the host (and for a host
/// serving both, the path) says so: first the vendors' own host lists, then words in
/// the host. `None` when it cannot be told, e.g. for a shared authorization host.
pub fn env_of(host: &str, path: &str) -> Option<EnvClass> {
    let h = host.to_ascii_lowercase();
    let listed = |hosts: &[&str]| hosts.contains(&h.as_str());
    let policies = || vendors::ALL.iter().map(|v| v.lint);
    if policies().any(|p| listed(p.test_hosts())) {
        return Some(EnvClass::Test);
    }
    if policies().any(|p| listed(p.production_hosts())) {
        return Some(EnvClass::Production);
    }
    if let Some(env) = policies().find_map(|p| p.env_of_path(&h, path)) {
        return Some(env);
    }
    (h.contains("sandbox") || h.contains("preview") || h.contains("apitest"))
        .then_some(EnvClass::Test)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert!(is_vendor_server_host("authorization.example.org"));
        assert!(!is_vendor_server_host("app.example.com"));
        assert!(is_loopback("127.0.0.1") && is_loopback("[::1]") && is_loopback("localhost"));
        assert_eq!(of_host("app.example.com"), None);
        assert_eq!(
            env_of("fhir.sandbox.example.org", "/r4"),
            Some(EnvClass::Test)
        );
        assert_eq!(env_of("fhir.example.org", "/r4"), None);
    }
}
