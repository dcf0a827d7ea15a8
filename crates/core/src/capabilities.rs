//! What a target offers, resolved once when it starts: stated by the profile
//! (`capabilities:`), else read from the metadata the server publishes, else a
//! documented default. Scenarios declare what they need (`@needs-openid`,
//! `@needs-refresh`, ...); a target that never claimed a feature has those scenarios
//! skipped with the reason, not failed. Checks whose force depends on what the server
//! advertised (RFC 9207 `iss`, SMART v2's ban on `plain`) read it here.

use serde::Serialize;

use crate::profile::{Discovery, ProfileFile, SmartVersion};

/// Where the server's metadata lives, if it publishes any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metadata {
    /// OpenID Connect Discovery 1.0: `{issuer}/.well-known/openid-configuration`.
    Openid,
    /// RFC 8414: `/.well-known/oauth-authorization-server{issuer path}`.
    Oauth,
    /// SMART App Launch: `{fhir_base}/.well-known/smart-configuration`.
    Smart,
    None,
}

impl Metadata {
    pub fn describe(self) -> &'static str {
        match self {
            Metadata::Openid => "OpenID Connect Discovery metadata",
            Metadata::Oauth => "RFC 8414 authorization server metadata",
            Metadata::Smart => "a SMART configuration",
            Metadata::None => "no metadata",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// The metadata document the profile reads (or that the issuer implies).
    pub metadata: Resolved<Metadata>,
    /// OpenID Connect: ID tokens, the `openid` scope.
    pub openid: Resolved<bool>,
    /// The server issues refresh tokens to the profile's clients.
    pub refresh_tokens: Resolved<bool>,
    /// RFC 9207: the server said it puts `iss` in authorization responses, which
    /// makes sending it a MUST.
    pub iss_parameter: Resolved<bool>,
    /// PKCE is required of every client (stated by the profile; no metadata member
    /// says it).
    pub pkce_required: Resolved<bool>,
    /// `code_challenge_methods_supported`, when the metadata lists it.
    pub pkce_methods: Resolved<Option<Vec<String>>>,
    /// `token_endpoint_auth_methods_supported`, when the metadata lists it.
    pub auth_methods: Resolved<Option<Vec<String>>>,
    /// Endpoints known (from the profile or the metadata).
    pub introspection: bool,
    pub revocation: bool,
    pub userinfo: bool,
    /// The SMART App Launch version the target is held to.
    pub smart: Resolved<Option<SmartVersion>>,
}

/// A capability's value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolved<T> {
    pub value: T,
    /// `profile` (stated), `metadata` (read from the server) or `default`.
    pub source: &'static str,
}

fn stated<T>(value: T) -> Resolved<T> {
    Resolved {
        value,
        source: "profile",
    }
}
fn read<T>(value: T) -> Resolved<T> {
    Resolved {
        value,
        source: "metadata",
    }
}
fn assumed<T>(value: T) -> Resolved<T> {
    Resolved {
        value,
        source: "default",
    }
}

/// Which endpoints the target knows, after discovery.
#[derive(Debug, Clone, Copy, Default)]
pub struct KnownEndpoints {
    pub introspection: bool,
    pub revocation: bool,
    pub userinfo: bool,
}

impl Capabilities {
    /// Resolves the profile's statements and, where it is silent, the metadata that
    /// discovery read (OpenID, RFC 8414 or SMART), then the defaults.
    pub fn resolve(
        spec: &ProfileFile,
        metadata: Option<&serde_json::Value>,
        endpoints: KnownEndpoints,
    ) -> Self {
        let said = &spec.capabilities;
        let metadata_kind = match (said.openid_metadata, spec.discovery) {
            (Some(true), _) => stated(Metadata::Openid),
            (Some(false), Some(Discovery::Openid)) | (Some(false), None) => stated(Metadata::None),
            (_, Some(Discovery::Openid)) => stated(Metadata::Openid),
            (_, Some(Discovery::Oauth)) => stated(Metadata::Oauth),
            (_, Some(Discovery::Smart)) => stated(Metadata::Smart),
            // An issuer is where OpenID metadata lives.
            (_, None) if spec.issuer.is_some() => assumed(Metadata::Openid),
            (_, None) => assumed(Metadata::None),
        };
        let doc = metadata;
        let member = |k: &str| doc.and_then(|d| d.get(k));
        let strings = |k: &str| {
            member(k).and_then(|v| v.as_array()).map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect::<Vec<_>>()
            })
        };
        let openid = match said.openid {
            Some(v) => stated(v),
            None if metadata_kind.value == Metadata::Openid => read(true),
            None if strings("scopes_supported")
                .is_some_and(|s| s.iter().any(|x| x == "openid")) =>
            {
                read(true)
            }
            None => assumed(
                spec.scopes
                    .default
                    .split_whitespace()
                    .any(|s| s == "openid"),
            ),
        };
        let registered_refresh = spec
            .clients
            .values()
            .filter_map(|c| c.grant_types.as_ref())
            .any(|g| g.iter().any(|x| x == "refresh_token"));
        let refresh_tokens = match said.refresh_tokens {
            Some(v) => stated(v),
            None if registered_refresh => stated(true),
            None => match strings("grant_types_supported") {
                Some(g) => read(g.iter().any(|x| x == "refresh_token")),
                None => assumed(false),
            },
        };
        let iss_parameter = match said.iss_parameter {
            Some(v) => stated(v),
            None => match member("authorization_response_iss_parameter_supported") {
                Some(v) => read(v.as_bool() == Some(true)),
                None => assumed(false),
            },
        };
        let pkce_required = match said.pkce_required {
            Some(v) => stated(v),
            None => assumed(false),
        };
        let pkce_methods = match strings("code_challenge_methods_supported") {
            Some(m) => read(Some(m)),
            None => assumed(None),
        };
        let auth_methods = match strings("token_endpoint_auth_methods_supported") {
            Some(m) => read(Some(m)),
            None => assumed(None),
        };
        let smart = match said.smart {
            Some(v) => stated(Some(v)),
            None => match (spec.discovery, doc) {
                (Some(Discovery::Smart), Some(doc)) => {
                    let v2 = doc
                        .get("capabilities")
                        .and_then(|c| c.as_array())
                        .is_some_and(|c| c.iter().any(|x| x == "permission-v2"));
                    read(Some(if v2 {
                        SmartVersion::V2
                    } else {
                        SmartVersion::V1
                    }))
                }
                _ => assumed(None),
            },
        };
        Self {
            metadata: metadata_kind,
            openid,
            refresh_tokens,
            iss_parameter,
            pkce_required,
            pkce_methods,
            auth_methods,
            introspection: endpoints.introspection,
            revocation: endpoints.revocation,
            userinfo: endpoints.userinfo,
            smart,
        }
    }

    /// One line for the console and the report: each capability and where it came from.
    pub fn summary(&self) -> String {
        let yes_no = |r: &Resolved<bool>, name: &str| {
            format!("{}{name} ({})", if r.value { "" } else { "no " }, r.source)
        };
        let smart = match self.smart.value {
            Some(SmartVersion::V1) => "SMART v1",
            Some(SmartVersion::V2) => "SMART v2",
            None => "no SMART",
        };
        let endpoints: Vec<&str> = [
            (self.introspection, "introspection"),
            (self.revocation, "revocation"),
            (self.userinfo, "userinfo"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        let mut pkce = match &self.pkce_methods.value {
            Some(m) => format!("PKCE {}", m.join("/")),
            None => "PKCE methods not advertised".into(),
        };
        if self.pkce_required.value {
            pkce.push_str(" (required of every client)");
        }
        format!(
            "{} ({}), {}, {}, {}, {pkce}, endpoints: {}, {smart} ({})",
            self.metadata.value.describe(),
            self.metadata.source,
            yes_no(&self.openid, "OpenID Connect"),
            yes_no(&self.refresh_tokens, "refresh tokens"),
            yes_no(&self.iss_parameter, "RFC 9207 iss"),
            if endpoints.is_empty() {
                "none optional".to_string()
            } else {
                endpoints.join(", ")
            },
            self.smart.source
        )
    }

    /// Why a scenario with this need cannot run here, if it cannot.
    pub fn unmet(&self, need: &str) -> Option<String> {
        let from = |source: &str| match source {
            "profile" => "as the profile states",
            "metadata" => "as its metadata says",
            _ => "nothing says otherwise",
        };
        match need {
            "needs-openid-metadata" if self.metadata.value != Metadata::Openid => Some(format!(
                "the target publishes {} ({}), not OpenID Connect Discovery metadata: \
                 `discovery: openid` or an `issuer` claims it",
                self.metadata.value.describe(),
                from(self.metadata.source)
            )),
            "needs-metadata"
                if !matches!(self.metadata.value, Metadata::Openid | Metadata::Oauth) =>
            {
                Some(format!(
                    "the target publishes {} ({}); authorization server metadata \
                     (`discovery: openid` or `discovery: oauth`) is optional in RFC 8414",
                    self.metadata.value.describe(),
                    from(self.metadata.source)
                ))
            }
            "needs-openid" if !self.openid.value => Some(format!(
                "the target is a plain OAuth 2.0 server, not an OpenID provider ({}); \
                 state `capabilities.openid: true` to hold it to OpenID Connect",
                from(self.openid.source)
            )),
            "needs-refresh" if !self.refresh_tokens.value => Some(format!(
                "the target issues no refresh tokens to these clients ({}); RFC 6749 §1.5 \
                 makes them optional (a client registered for `refresh_token`, or \
                 `capabilities.refresh_tokens: true`, claims them)",
                from(self.refresh_tokens.source)
            )),
            "needs-smart-v2" if self.smart.value != Some(SmartVersion::V2) => Some(format!(
                "the target is held to {} ({}); SMART v2 behaviour applies only to a v2 \
                 server (state `capabilities.smart: v2` to hold it to v2)",
                match self.smart.value {
                    Some(SmartVersion::V1) => "SMART v1",
                    _ => "no SMART version",
                },
                match self.smart.source {
                    "metadata" => "its SMART configuration lists no permission-v2",
                    "profile" => "as the profile states",
                    _ => "no SMART configuration was read",
                }
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(extra: &str) -> ProfileFile {
        let endpoints = if extra.contains("endpoints:") {
            ""
        } else {
            "endpoints: {}\n"
        };
        let text = format!(
            "vendor: generic\nenvironment: local\nbase_url: https://as.example\nredirect_uri: https://app/cb\nscopes:\n  default: openid\nclients: {{}}\nlogin:\n  method: manual\n{endpoints}{extra}"
        );
        serde_saphyr::from_str(&text).unwrap()
    }

    #[test]
    fn a_smart_v1_server_is_not_held_to_v2_unless_the_profile_says_so() {
        let v1 = json!({"capabilities": ["permission-v1", "launch-ehr"]});
        let s = spec("discovery: smart\nendpoints:\n  fhir_base: https://fhir.example/r4\n");
        let c = Capabilities::resolve(&s, Some(&v1), Default::default());
        assert_eq!(c.smart.value, Some(SmartVersion::V1));
        assert!(
            c.unmet("needs-smart-v2")
                .unwrap()
                .contains("lists no permission-v2")
        );
        let stated = spec(
            "discovery: smart\nendpoints:\n  fhir_base: https://fhir.example/r4\ncapabilities:\n  smart: v2\n",
        );
        let c = Capabilities::resolve(&stated, Some(&v1), Default::default());
        assert_eq!(
            c.unmet("needs-smart-v2"),
            None,
            "stated v2: the v2 checks run and can fail"
        );
    }

    #[test]
    fn openid_metadata_is_claimed_by_an_issuer_or_openid_discovery() {
        assert!(
            Capabilities::resolve(&spec(""), None, Default::default())
                .unmet("needs-openid-metadata")
                .is_some()
        );
        let c = Capabilities::resolve(&spec("discovery: openid\n"), None, Default::default());
        assert_eq!(c.unmet("needs-openid-metadata"), None);
        let c = Capabilities::resolve(
            &spec("capabilities:\n  openid_metadata: false\ndiscovery: openid\n"),
            None,
            Default::default(),
        );
        assert!(c.unmet("needs-openid-metadata").is_some());
    }
}
