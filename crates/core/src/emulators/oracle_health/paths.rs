//! The tenant-scoped URL shapes of the authorization server.

/// An authorization-server endpoint under `/tenants/{tenant}/…`. `tenant` is the raw
/// path segment, still percent-encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TenantRoute<'a> {
    /// `…/protocols/oauth2/profiles/smart-v1/token`, with or without `/hosts/{host}`.
    Token { tenant: &'a str },
    /// `…/protocols/oauth2/profiles/smart-v1/token/revoke`.
    Revoke { tenant: &'a str },
    /// `…/protocols/oauth2/profiles/smart-v1/personas/{persona}/authorize`.
    Authorize { tenant: &'a str, persona: &'a str },
    /// The sign-in form of one authorize transaction: `/tenants/{tenant}/login/{txn}`.
    Login { txn: &'a str },
    /// `/tenants/{tenant}/personas/provider/my-authorizations`.
    Management,
    /// `/tenants/{tenant}/oidc/idsps/{idsp}/.well-known/openid-configuration`.
    OpenidConfiguration { tenant: &'a str, idsp: &'a str },
}

const SMART_V1: &str = "protocols/oauth2/profiles/smart-v1/";

pub(super) fn tenant_route(path: &str) -> Option<TenantRoute<'_>> {
    let rest = path.strip_prefix("/tenants/")?;
    let (tenant, rest) = rest.split_once('/')?;
    // The FHIR host a token endpoint is advertised for does not change its behaviour.
    let rest = match rest.strip_prefix("hosts/") {
        Some(hosted) => match hosted.split_once('/') {
            Some((host, after)) if !host.is_empty() && after.starts_with(SMART_V1) => after,
            _ => return None,
        },
        None => rest,
    };
    if let Some(smart) = rest.strip_prefix(SMART_V1) {
        return match smart {
            "token" => Some(TenantRoute::Token { tenant }),
            "token/revoke" => Some(TenantRoute::Revoke { tenant }),
            _ => {
                let persona = smart
                    .strip_prefix("personas/")?
                    .strip_suffix("/authorize")?;
                (!persona.is_empty() && !persona.contains('/'))
                    .then_some(TenantRoute::Authorize { tenant, persona })
            }
        };
    }
    if let Some(txn) = rest.strip_prefix("login/") {
        return (!txn.is_empty() && !txn.contains('/')).then_some(TenantRoute::Login { txn });
    }
    if rest == "personas/provider/my-authorizations" {
        return Some(TenantRoute::Management);
    }
    let idsp = rest
        .strip_prefix("oidc/idsps/")?
        .strip_suffix("/.well-known/openid-configuration")?;
    (!idsp.contains('/')).then_some(TenantRoute::OpenidConfiguration { tenant, idsp })
}

/// `/errors/{urn}/instances/{instance}`: the raw (encoded) URN and the instance id.
pub(super) fn error_page_route(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/errors/")?;
    let (urn, instance) = rest.split_once("/instances/")?;
    (!urn.is_empty() && !instance.is_empty() && !instance.contains('/')).then_some((urn, instance))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_paths_with_and_without_host() {
        assert_eq!(
            tenant_route("/tenants/t1/protocols/oauth2/profiles/smart-v1/token"),
            Some(TenantRoute::Token { tenant: "t1" })
        );
        assert_eq!(
            tenant_route(
                "/tenants/t1/hosts/fhir-ehr.cerner.com/protocols/oauth2/profiles/smart-v1/token"
            ),
            Some(TenantRoute::Token { tenant: "t1" })
        );
        assert_eq!(
            tenant_route("/tenants//protocols/oauth2/profiles/smart-v1/token/revoke"),
            Some(TenantRoute::Revoke { tenant: "" })
        );
        assert_eq!(
            tenant_route("/tenants/t1/hosts//protocols/oauth2/profiles/smart-v1/token"),
            None
        );
        assert_eq!(
            tenant_route("/tenants/t1/protocols/oauth2/profiles/smart-v2/token"),
            None
        );
    }

    #[test]
    fn other_tenant_paths() {
        assert_eq!(
            tenant_route(
                "/tenants/t1/protocols/oauth2/profiles/smart-v1/personas/patient/authorize"
            ),
            Some(TenantRoute::Authorize {
                tenant: "t1",
                persona: "patient"
            })
        );
        assert_eq!(
            tenant_route("/tenants/t1/protocols/oauth2/profiles/smart-v1/personas//authorize"),
            None
        );
        assert_eq!(
            tenant_route("/tenants/t1/login/abc"),
            Some(TenantRoute::Login { txn: "abc" })
        );
        assert_eq!(tenant_route("/tenants/t1/login/"), None);
        assert_eq!(
            tenant_route("/tenants/t1/personas/provider/my-authorizations"),
            Some(TenantRoute::Management)
        );
        assert_eq!(
            tenant_route("/tenants/t1/oidc/idsps/t1/.well-known/openid-configuration"),
            Some(TenantRoute::OpenidConfiguration {
                tenant: "t1",
                idsp: "t1"
            })
        );
        assert_eq!(tenant_route("/tenants/t1"), None);
        assert_eq!(tenant_route("/elsewhere"), None);
        assert_eq!(
            error_page_route("/errors/urn%3Ax/instances/abc"),
            Some(("urn%3Ax", "abc"))
        );
        assert_eq!(error_page_route("/errors/urn/instances/"), None);
    }
}
