//! What a target offers, resolved once when it starts: stated by the profile
//! (`capabilities:`), else read from the metadata the server publishes. Scenarios
//! declare what they need (`@needs-openid-metadata`, `@needs-smart-v2`); a target that
//! never claimed a feature has those scenarios skipped with the reason, not failed.

use serde::Serialize;

use crate::profile::{Discovery, ProfileFile, SmartVersion};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// OpenID Connect Discovery metadata under the issuer.
    pub openid_metadata: Resolved<bool>,
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

impl Capabilities {
    /// Resolves the profile's statements and, where it is silent, the metadata that
    /// discovery read (a SMART configuration, or none).
    pub fn resolve(spec: &ProfileFile, metadata: Option<&serde_json::Value>) -> Self {
        let stated = &spec.capabilities;
        let openid_metadata = match stated.openid_metadata {
            Some(v) => Resolved {
                value: v,
                source: "profile",
            },
            None => Resolved {
                value: spec.discovery == Some(Discovery::Openid) || spec.issuer.is_some(),
                source: "default",
            },
        };
        let smart = match stated.smart {
            Some(v) => Resolved {
                value: Some(v),
                source: "profile",
            },
            None => match (spec.discovery, metadata) {
                (Some(Discovery::Smart), Some(doc)) => {
                    let v2 = doc
                        .get("capabilities")
                        .and_then(|c| c.as_array())
                        .is_some_and(|c| c.iter().any(|x| x == "permission-v2"));
                    Resolved {
                        value: Some(if v2 {
                            SmartVersion::V2
                        } else {
                            SmartVersion::V1
                        }),
                        source: "metadata",
                    }
                }
                _ => Resolved {
                    value: None,
                    source: "default",
                },
            },
        };
        Self {
            openid_metadata,
            smart,
        }
    }

    /// One line for the console and the report.
    pub fn summary(&self) -> String {
        let smart = match self.smart.value {
            Some(SmartVersion::V1) => "SMART v1",
            Some(SmartVersion::V2) => "SMART v2",
            None => "no SMART",
        };
        format!(
            "{} ({}), {smart} ({})",
            if self.openid_metadata.value {
                "OpenID metadata"
            } else {
                "no OpenID metadata"
            },
            self.openid_metadata.source,
            self.smart.source
        )
    }

    /// Why a scenario with this need cannot run here, if it cannot.
    pub fn unmet(&self, need: &str) -> Option<String> {
        match need {
            "needs-openid-metadata" if !self.openid_metadata.value => Some(
                "the profile names no OpenID issuer (`discovery: openid` or `issuer`), so the \
                 target never claimed OpenID Connect Discovery metadata"
                    .into(),
            ),
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
        let c = Capabilities::resolve(&s, Some(&v1));
        assert_eq!(c.smart.value, Some(SmartVersion::V1));
        assert!(
            c.unmet("needs-smart-v2")
                .unwrap()
                .contains("lists no permission-v2")
        );
        let stated = spec(
            "discovery: smart\nendpoints:\n  fhir_base: https://fhir.example/r4\ncapabilities:\n  smart: v2\n",
        );
        let c = Capabilities::resolve(&stated, Some(&v1));
        assert_eq!(
            c.unmet("needs-smart-v2"),
            None,
            "stated v2: the v2 checks run and can fail"
        );
    }

    #[test]
    fn openid_metadata_is_claimed_by_an_issuer_or_openid_discovery() {
        assert!(
            Capabilities::resolve(&spec(""), None)
                .unmet("needs-openid-metadata")
                .is_some()
        );
        let c = Capabilities::resolve(&spec("discovery: openid\n"), None);
        assert_eq!(c.unmet("needs-openid-metadata"), None);
        let c = Capabilities::resolve(
            &spec("capabilities:\n  openid_metadata: false\ndiscovery: openid\n"),
            None,
        );
        assert!(c.unmet("needs-openid-metadata").is_some());
    }
}
