//! grantcheck's strict reference authorization server: RFC 6749/6750/7009/7636/7662,
//! OpenID Connect Core and Discovery, RFC 8414, RFC 9207, RFC 9700 and SMART App Launch
//! v2, each followed exactly, MUSTs and SHOULDs alike. The vendor-neutral features run
//! against it, and its fault switches break one rule each.
//!
//! Each endpoint lives in its own module as an `impl Reference` block; this module
//! routes requests and owns the state. The issuer is the origin the server is served
//! on; every path below hangs off it.

mod authorize;
mod client_assertion;
mod client_auth;
mod client_credentials;
mod code_grant;
mod consent;
mod discovery;
mod faults;
mod fhir;
mod introspect;
mod login;
mod pages;
mod redirect_uri;
mod refresh;
mod responses;
mod revoke;
mod scopes;
mod signing;
mod store;
mod token;
mod userinfo;

#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod flow_tests;
#[cfg(test)]
mod test_support;

pub use faults::{FAULTS, Fault};

/// Parts of the standard the server can be run without (`emulator.without`), so it
/// stands in for a plain OAuth 2.0 server: no OpenID Connect, no metadata, no
/// introspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// ID tokens, userinfo and the OpenID configuration; `openid` is then a scope the
    /// server ignores (RFC 6749 §3.3 lets it).
    Openid,
    /// Both well-known metadata documents.
    Metadata,
    Introspection,
}

impl Part {
    pub const ALL: &[Part] = &[Part::Openid, Part::Metadata, Part::Introspection];

    pub fn name(self) -> &'static str {
        match self {
            Part::Openid => "openid",
            Part::Metadata => "metadata",
            Part::Introspection => "introspection",
        }
    }
}

use super::engine::Base;
use super::{ClientRegistration, EmuRequest, EmuResponse, Emulator};
use signing::Keys;
use store::Store;

/// The endpoint paths, all advertised in the metadata.
pub mod paths {
    pub const OPENID_CONFIGURATION: &str = "/.well-known/openid-configuration";
    pub const AUTHORIZATION_SERVER_METADATA: &str = "/.well-known/oauth-authorization-server";
    pub const AUTHORIZE: &str = "/authorize";
    pub const TOKEN: &str = "/token";
    pub const INTROSPECT: &str = "/introspect";
    pub const REVOKE: &str = "/revoke";
    pub const USERINFO: &str = "/userinfo";
    pub const JWKS: &str = "/jwks";
    /// `/login/{transaction}`: the sign-in form.
    pub const LOGIN_PREFIX: &str = "/login/";
    /// `/consent/{transaction}`: the consent form.
    pub const CONSENT_PREFIX: &str = "/consent/";
    /// Under the tenant's FHIR base path.
    pub const SMART_CONFIGURATION: &str = "/.well-known/smart-configuration";
    /// Under the tenant's FHIR base path: the CapabilityStatement.
    pub const METADATA: &str = "/metadata";
}

/// The reference server: one tenant, its fault switches, a virtual clock and the state
/// of every flow (kept per transaction, code and token, so that concurrent scenarios
/// sharing one server stay independent).
pub struct Reference {
    base: Base<Fault>,
    store: Store,
    keys: Keys,
}

on_the_engine!(Reference);

impl Reference {
    /// Whether this server offers a part of the standard it can be run without.
    fn offers(&self, part: Part) -> bool {
        !self.base.tenant.without.iter().any(|w| w == part.name())
    }

    /// Whether the client is registered for a grant type; an empty registration means
    /// authorization_code and refresh_token.
    fn client_has_grant(&self, client: &ClientRegistration, grant_type: &str) -> bool {
        if client.grant_types.is_empty() {
            matches!(grant_type, "authorization_code" | "refresh_token")
        } else {
            client.grant_types.iter().any(|g| g == grant_type)
        }
    }

    fn route(&mut self, origin: &str, req: &EmuRequest) -> EmuResponse {
        let method = req.method.to_ascii_uppercase();
        let (get, post) = (method == "GET", method == "POST");
        let path = req.path.as_str();
        if let Some(txn) = path.strip_prefix(paths::LOGIN_PREFIX) {
            return match method.as_str() {
                "GET" => self.login_form(txn),
                "POST" => self.login_submit(origin, txn, req),
                _ => responses::method_not_allowed("GET, POST"),
            };
        }
        if let Some(txn) = path.strip_prefix(paths::CONSENT_PREFIX) {
            return match method.as_str() {
                "GET" => self.consent_form(txn),
                "POST" => self.consent_submit(origin, txn, req),
                _ => responses::method_not_allowed("GET, POST"),
            };
        }
        let fhir = self.base.tenant.fhir_base_path.trim_end_matches('/');
        if let Some(rest) = path.strip_prefix(fhir).filter(|_| !fhir.is_empty()) {
            return match rest {
                paths::SMART_CONFIGURATION if get => self.smart_configuration(origin),
                paths::METADATA if get => self.capability_statement(origin),
                paths::SMART_CONFIGURATION | paths::METADATA => {
                    responses::method_not_allowed("GET")
                }
                _ if rest.starts_with('/') => self.fhir(origin, rest, req),
                _ => responses::not_found(),
            };
        }
        let hidden = match path {
            paths::OPENID_CONFIGURATION => {
                !self.offers(Part::Metadata) || !self.offers(Part::Openid)
            }
            paths::AUTHORIZATION_SERVER_METADATA => !self.offers(Part::Metadata),
            paths::USERINFO | paths::JWKS => !self.offers(Part::Openid),
            paths::INTROSPECT => !self.offers(Part::Introspection),
            _ => false,
        };
        if hidden {
            return responses::not_found();
        }
        match path {
            paths::OPENID_CONFIGURATION | paths::AUTHORIZATION_SERVER_METADATA if get => {
                self.openid_configuration(origin)
            }
            paths::AUTHORIZE if get => self.authorize(origin, req),
            paths::TOKEN if post => self.token(origin, req),
            paths::INTROSPECT if post => self.introspect(origin, req),
            paths::REVOKE if post => self.revoke(origin, req),
            paths::USERINFO if get || post => self.userinfo(req),
            paths::JWKS if get => self.jwks_response(),
            paths::OPENID_CONFIGURATION
            | paths::AUTHORIZATION_SERVER_METADATA
            | paths::AUTHORIZE
            | paths::JWKS => responses::method_not_allowed("GET"),
            paths::TOKEN | paths::INTROSPECT | paths::REVOKE => {
                responses::method_not_allowed("POST")
            }
            paths::USERINFO => responses::method_not_allowed("GET, POST"),
            _ => responses::not_found(),
        }
    }
}

impl Emulator for Reference {
    fn id_token_key(&self) -> Option<crate::oauth::jws::SigningKey> {
        Some(self.keys.signer())
    }

    fn vendor(&self) -> &'static str {
        "reference"
    }

    fn handle(&mut self, origin: &str, req: &EmuRequest) -> EmuResponse {
        self.route(origin.trim_end_matches('/'), req)
    }

    fn age_artifact(&mut self, artifact: &str, secs: u64) -> bool {
        self.store.tokens.age(artifact, secs)
    }
}
