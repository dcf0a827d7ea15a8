//! What a host name says about the vendor and the environment behind it.

use crate::profile::Vendor;

/// The vendor whose servers live on `host`, if any.
pub fn of_host(host: &str) -> Option<Vendor> {
    let h = host.to_ascii_lowercase();
    let under = |domain: &str| h == domain || h.ends_with(&format!(".{domain}"));
    if under("athenahealth.com") {
        Some(Vendor::Athenahealth)
    } else if under("cerner.com") || under("sandboxcerner.com") || under("cernermillennium.com") {
        Some(Vendor::OracleHealth)
    } else {
        None
    }
}

/// A host that belongs to a vendor's authorization or FHIR servers: never the app's
/// own callback (LINT-C8).
pub fn is_vendor_server_host(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    of_host(&h).is_some()
        || h.starts_with("authorization.")
        || h.starts_with("fhir-")
        || (h.starts_with("myidentity") && h.ends_with(".athenahealth.com"))
}

/// Loopback hosts, where plain http is acceptable for a redirect URI (RFC 8252 §7.3).
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.starts_with("127.") || h == "::1"
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvClass {
    Production,
    Test,
}

impl EnvClass {
    pub fn as_str(self) -> &'static str {
        match self {
            EnvClass::Production => "production",
            EnvClass::Test => "test/preview/sandbox",
        }
    }
}

/// Which kind of environment a vendor URL points at, when the host (and for
/// athenahealth's API host, the path) says so. `None` when it cannot be told, e.g.
/// Oracle Health's shared authorization host.
pub fn env_of(host: &str, path: &str) -> Option<EnvClass> {
    let h = host.to_ascii_lowercase();
    match h.as_str() {
        "myidentity-support.platform.athenahealth.com"
        | "api.preview.platform.athenahealth.com"
        | "apitest.athenahealth.com"
        | "fhir-ehr-code.cerner.com"
        | "fhir-open.cerner.com"
        | "authorization.sandboxcerner.com"
        | "fhir-open.sandboxcerner.com" => Some(EnvClass::Test),
        "myidentity.platform.athenahealth.com"
        | "api.platform.athenahealth.com"
        | "fhir-ehr.cerner.com"
        | "fhir-myrecord.cerner.com" => Some(EnvClass::Production),
        // athenahealth's API host serves preview under /preview1 and production under /v1.
        "api.athenahealth.com" if path.starts_with("/preview") => Some(EnvClass::Test),
        "api.athenahealth.com" if path.starts_with("/v1/") => Some(EnvClass::Production),
        _ if h.contains("sandbox") || h.contains("preview") || h.contains("apitest") => {
            Some(EnvClass::Test)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            of_host("myidentity.platform.athenahealth.com"),
            Some(Vendor::Athenahealth)
        );
        assert_eq!(
            of_host("authorization.cerner.com"),
            Some(Vendor::OracleHealth)
        );
        assert_eq!(of_host("notcerner.com"), None);
        assert!(is_vendor_server_host("fhir-ehr-code.cerner.com"));
        assert!(is_vendor_server_host("authorization.example.org"));
        assert!(!is_vendor_server_host("app.example.com"));
        assert!(is_loopback("127.0.0.1") && is_loopback("[::1]") && is_loopback("localhost"));
        assert_eq!(
            env_of("apitest.athenahealth.com", "/v1/1/2/3/fhir/dstu2"),
            Some(EnvClass::Test)
        );
        assert_eq!(
            env_of("api.athenahealth.com", "/v1/1/2/3/fhir/dstu2"),
            Some(EnvClass::Production)
        );
        assert_eq!(env_of("authorization.cerner.com", "/tenants/x"), None);
    }
}
