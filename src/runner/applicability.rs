//! Which scenarios apply to which target. A scenario that does not apply is not
//! dropped: it is reported as skipped with the reason, so a reader sees what a target
//! was not tested for.

use crate::profile::{ClientRole, LoginMethod};
use crate::target::Target;

/// Tag prefix for vendor-specific features and scenarios (`@vendor-<id>`).
const VENDOR_TAG: &str = "vendor-";

/// Every `@needs-…` tag a scenario may carry: a tag outside this list is a mistake in
/// a feature file (it would silently never skip), so the run refuses it.
pub const NEEDS: &[&str] = &[
    "needs-clock",
    "needs-login",
    "needs-public-client",
    "needs-confidential-client",
    "needs-basic-client",
    "needs-jwt-client",
    "needs-provider-client",
    "needs-system-client",
    "needs-second-client",
    "needs-fhir",
    "needs-logout",
    "needs-introspection",
    "needs-revocation",
    "needs-userinfo",
    "needs-user-without-portal-access",
    "needs-not-permitted-scope",
    "needs-openid-metadata",
    "needs-metadata",
    "needs-openid",
    "needs-refresh",
    "needs-non-loopback-redirect",
    "needs-patient-mappings-scope",
    "needs-smart-v2",
];

/// `Some(reason)` when a scenario with these tags cannot run against `target`.
pub fn skip_reason(tags: &[String], target: &Target) -> Option<String> {
    for tag in tags {
        if let Some(reason) = target.capabilities.unmet(tag) {
            return Some(reason);
        }
        let reason = match tag.as_str() {
            "needs-clock" if !target.is_emulated() => {
                "needs a controllable clock; only emulated targets have one".to_string()
            }
            "needs-login"
                if target.profile.spec.login.method == LoginMethod::Manual
                    && !target.manual_login =>
            {
                "needs a person to sign in (`login.method: manual`): run with \
                 `--manual-login` to be asked for each sign-in"
                    .to_string()
            }
            "needs-public-client" if target.client(ClientRole::Public).is_none() => {
                "the profile registers no `public` client".to_string()
            }
            "needs-confidential-client" if target.client(ClientRole::Confidential).is_none() => {
                "the profile registers no `confidential` client".to_string()
            }
            "needs-basic-client" if target.client(ClientRole::ConfidentialBasic).is_none() => {
                "the profile registers no `confidential_basic` client".to_string()
            }
            "needs-jwt-client" if target.client(ClientRole::Jwt).is_none() => {
                "the profile registers no `jwt` (private_key_jwt) client".to_string()
            }
            "needs-provider-client" if target.client(ClientRole::Provider).is_none() => {
                "the profile registers no `provider` client".to_string()
            }
            "needs-system-client" if target.client(ClientRole::System).is_none() => {
                "the profile registers no `system` client".to_string()
            }
            "needs-second-client" if target.client(ClientRole::Other).is_none() => {
                "the profile registers no `other` client".to_string()
            }
            "needs-fhir" if target.endpoints.fhir_base.is_none() => {
                "the profile has no `endpoints.fhir_base`".to_string()
            }
            "needs-logout" if target.endpoints.logout.is_none() => {
                "no logout endpoint: the profile names none (`endpoints.logout`) and no metadata did".to_string()
            }
            "needs-introspection" if target.endpoints.introspect.is_none() => {
                "no introspect endpoint: the profile names none (`endpoints.introspect`) and no metadata did".to_string()
            }
            "needs-revocation" if target.endpoints.revoke.is_none() => {
                "no revoke endpoint: the profile names none (`endpoints.revoke`) and no metadata did".to_string()
            }
            "needs-userinfo" if target.endpoints.userinfo.is_none() => {
                "no userinfo endpoint: the profile names none (`endpoints.userinfo`) and no metadata did".to_string()
            }
            "needs-user-without-portal-access"
                if !target
                    .profile
                    .spec
                    .users
                    .contains_key("without_portal_access") =>
            {
                "the profile has no `without_portal_access` user".to_string()
            }
            "needs-not-permitted-scope" if target.profile.spec.scopes.not_permitted.is_none() => {
                "the profile names no `scopes.not_permitted`".to_string()
            }
            "needs-patient-mappings-scope" => {
                // The scope is the vendor's own (ATH-08), granted only to apps it approved.
                let scope = target
                    .profile
                    .spec
                    .vendor
                    .info()
                    .and_then(|v| v.patient_mappings_scope);
                match scope {
                    None => "the vendor documents no patient-mappings scope".to_string(),
                    Some(scope)
                        if !target
                            .profile
                            .spec
                            .clients
                            .get(&ClientRole::Confidential)
                            .is_some_and(|c| c.permitted_scopes.iter().any(|s| s == scope)) =>
                    {
                        format!(
                            "the profile's `confidential` client is not approved for \
                             `{scope}` (list it in its `permitted_scopes` once the vendor has \
                             approved the app for it)"
                        )
                    }
                    Some(_) => continue,
                }
            }
            "needs-non-loopback-redirect" if is_loopback_ip(&target.profile.spec.redirect_uri) => {
                "the redirect URI is a loopback IP address, whose port the server must let \
                 the app choose at request time (RFC 8252 §7.3)"
                    .to_string()
            }
            t if t
                .strip_prefix(VENDOR_TAG)
                // `@vendor-nonstandard` is a marker, not a vendor of the registry.
                .is_some_and(|v| crate::vendors::by_id(v).is_some() && v != target.vendor()) =>
            {
                format!("documents {} behaviour", &t[VENDOR_TAG.len()..])
            }
            _ => continue,
        };
        return Some(reason);
    }
    None
}

/// An `http` redirect URI on a loopback IP literal (RFC 8252 §7.3): `127.0.0.0/8` or
/// `[::1]`. `localhost` is not one (RFC 8252 §8.3 advises against it).
fn is_loopback_ip(uri: &str) -> bool {
    let Ok(u) = url::Url::parse(uri) else {
        return false;
    };
    u.scheme() == "http"
        && match u.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            _ => false,
        }
}

/// Whether a feature file runs against a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    Run,
    /// Another vendor's folder: that vendor's documentation, not this target's.
    OtherVendor,
    /// Outside the profile's `features:` list: listed as skipped with this reason, so
    /// a narrowed run still shows what it did not test.
    NotSelected(String),
}

/// The folder of the app-side features (see `emulate::app_test`).
pub const APPS_FOLDER: &str = "apps";

/// Vendor folders (`features/vendors/<vendor>/…`) run only against that vendor.
/// A profile's `features:` list narrows the folders further.
pub fn feature_selection(path: &std::path::Path, target: &Target) -> Selection {
    let parts: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    // The path below `features/` (`oauth2/refresh.feature`, `vendors/<id>/…`).
    let below = match parts.iter().rposition(|p| p == "features") {
        Some(i) => &parts[i + 1..],
        None => &parts[..],
    };
    // `features/apps/` states what an app must refuse; `grantcheck emulate --app-test`
    // plays it against an app, never against a server.
    if below.first().is_some_and(|p| p == APPS_FOLDER) {
        return Selection::OtherVendor;
    }
    if let Some(i) = below.iter().position(|p| p == "vendors")
        && below.get(i + 1).is_some_and(|v| v != target.vendor())
    {
        return Selection::OtherVendor;
    }
    match &target.profile.spec.features {
        None => Selection::Run,
        Some(folders) => {
            let rel = below.join("/");
            let selected = folders.iter().any(|f| {
                let f = f.trim_end_matches('/');
                rel == f || rel.starts_with(&format!("{f}/"))
            });
            if selected {
                Selection::Run
            } else {
                Selection::NotSelected(format!(
                    "not selected: the profile's `features:` runs only {}",
                    folders.join(", ")
                ))
            }
        }
    }
}
