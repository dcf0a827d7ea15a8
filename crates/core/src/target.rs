//! A target: a profile with its endpoints resolved to URLs and, for emulated profiles,
//! the emulator started behind a loopback server for the whole run.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use url::Url;

use crate::emulators::{self, server::EmulatorControl, server::EmulatorServer};
use crate::http::Pacer;
use crate::profile::{AuthMethod, ClientRole, Profile};
use crate::redact::Redactor;

#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    pub authorize: Option<Url>,
    pub token: Option<Url>,
    pub keys: Option<Url>,
    pub introspect: Option<Url>,
    pub revoke: Option<Url>,
    pub logout: Option<Url>,
    pub fhir_base: Option<Url>,
    pub userinfo: Option<Url>,
}

#[derive(Debug, Clone)]
pub struct Client {
    pub role: ClientRole,
    pub id: String,
    pub secret: Option<String>,
    pub auth: AuthMethod,
    /// `private_key_jwt` clients: the signing key.
    pub assertion_key: Option<crate::oauth::assertion::AssertionKey>,
    /// Who the client's assertions are addressed to: the server's issuer.
    pub audience: String,
}

pub struct Target {
    pub profile: Profile,
    pub base_url: Url,
    pub endpoints: Endpoints,
    pub issuer: String,
    /// The issuer as configured (before discovery): the URL under which the metadata
    /// is fetched, which the metadata's own `issuer` must equal.
    pub configured_issuer: String,
    pub clients: BTreeMap<ClientRole, Client>,
    pub redactor: Redactor,
    /// The profile's pacing (`rate_limit`), per endpoint.
    pub pacer: Option<Arc<Pacer>>,
    /// A person is at the keyboard for `login.method: manual` (`--manual-login`).
    pub manual_login: bool,
    /// Emulated targets only: the server (kept alive for the run) and its control.
    /// The server is let go once the target's last scenario ends; it stops when no
    /// target holds it any more (a tenant-scoped fleet's tenants share one).
    pub emulator: Option<(
        std::sync::Mutex<Option<Arc<EmulatorServer>>>,
        EmulatorControl,
    )>,
    pub faults: Vec<String>,
    /// The discovery document, when the profile asked for one and it was read.
    pub discovery: Option<serde_json::Value>,
    /// Why discovery failed (what was received); steps needing a missing endpoint
    /// report it instead of a bare "no endpoint".
    pub discovery_error: Option<String>,
    /// What the target offers (stated by the profile or read from its metadata).
    pub capabilities: crate::capabilities::Capabilities,
    /// Set once a request found the target unreachable (connection refused, DNS, TLS,
    /// connect timeout): the scenarios after it are blocked without waiting again.
    unreachable: std::sync::Mutex<Option<String>>,
    /// The users' shared sign-ins (one per run where the server allows it).
    pub sign_ins: crate::login::reuse::SignIns,
    /// `login.method: refresh`: the refresh token standing for the user's sign-in.
    pub refresh: Option<crate::login::refresh::RefreshStore>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("name", &self.profile.name)
            .field("base_url", &self.base_url.as_str())
            .finish_non_exhaustive()
    }
}

impl Target {
    pub fn name(&self) -> &str {
        &self.profile.name
    }

    pub fn vendor(&self) -> &'static str {
        self.profile.spec.vendor.as_str()
    }

    pub fn is_emulated(&self) -> bool {
        self.emulator.is_some()
    }

    /// Starts the emulator when the profile is emulated, then resolves endpoints.
    /// `extra_faults` come from the command line or the fault-switch tests.
    pub async fn start(
        profile: Profile,
        extra_faults: &[String],
        client: &reqwest::Client,
    ) -> Result<Self, String> {
        let served = match &profile.spec.emulator {
            Some(section) => {
                let (emu, faults) = emulator_for(&profile, extra_faults)?;
                let latency = std::time::Duration::from_millis(section.latency_ms);
                let server = EmulatorServer::start_with_latency(emu, latency).await;
                Some((Arc::new(server), faults))
            }
            None => None,
        };
        Self::start_with(profile, extra_faults, client, served).await
    }

    /// [`Target::start_with`] when `served` is given, else [`Target::start`].
    pub async fn start_with_or_own(
        profile: Profile,
        extra_faults: &[String],
        client: &reqwest::Client,
        served: Option<(Arc<EmulatorServer>, Vec<String>)>,
    ) -> Result<Self, String> {
        match served {
            Some(served) => Self::start_with(profile, extra_faults, client, Some(served)).await,
            None => Self::start(profile, extra_faults, client).await,
        }
    }

    /// [`Target::start`] on an emulator already served (with the faults it has on):
    /// the tenants of a tenant-scoped fleet share one server.
    pub async fn start_with(
        profile: Profile,
        extra_faults: &[String],
        client: &reqwest::Client,
        served: Option<(Arc<EmulatorServer>, Vec<String>)>,
    ) -> Result<Self, String> {
        let spec = &profile.spec;
        if spec.emulator.is_some() && served.is_none() {
            return Err(format!(
                "profile `{}` is emulated but no emulator was started",
                profile.name
            ));
        }
        let mut faults = Vec::new();
        let (base, emulator) = match served {
            Some((server, on)) => {
                faults = on;
                let control = server.control();
                let base =
                    Url::parse(&server.uri()).map_err(|e| format!("emulator address: {e}"))?;
                (base, Some((std::sync::Mutex::new(Some(server)), control)))
            }
            None => {
                if !extra_faults.is_empty() {
                    return Err(format!(
                        "profile `{}` is live: fault switches apply only to emulated profiles",
                        profile.name
                    ));
                }
                let base = spec
                    .base_url
                    .clone()
                    .or_else(|| spec.endpoints.token.clone())
                    // A discovery-based profile may name only where discovery starts.
                    .or_else(|| spec.endpoints.fhir_base.clone())
                    .or_else(|| spec.issuer.clone())
                    .unwrap_or_default();
                let base = Url::parse(&base).map_err(|e| {
                    format!(
                        "{}: `base_url` `{base}` is not a URL: {e}",
                        profile.path.display()
                    )
                })?;
                (base, None)
            }
        };
        let join = |e: &Option<String>| -> Result<Option<Url>, String> {
            e.as_deref()
                .map(|p| {
                    base.join(p).map_err(|err| {
                        format!(
                            "{}: endpoint `{p}` is not a URL: {err}",
                            profile.path.display()
                        )
                    })
                })
                .transpose()
        };
        let e = &spec.endpoints;
        let mut endpoints = Endpoints {
            authorize: join(&e.authorize)?,
            token: join(&e.token)?,
            keys: join(&e.keys)?,
            introspect: join(&e.introspect)?,
            revoke: join(&e.revoke)?,
            logout: join(&e.logout)?,
            fhir_base: join(&e.fhir_base)?,
            userinfo: join(&e.userinfo)?,
        };
        let mut issuer = match &spec.issuer {
            Some(i) if i.starts_with("http") => i.clone(),
            Some(path) => base
                .join(path)
                .map(|u| u.to_string())
                .unwrap_or_else(|_| path.clone()),
            None => base.as_str().trim_end_matches('/').to_string(),
        };
        let configured_issuer = issuer.clone();
        let mut unreachable = None;
        let (discovery, discovery_error) = match spec.discovery {
            Some(kind) => match discover(client, kind, &endpoints, &issuer).await {
                Ok(doc) => {
                    let allowed =
                        allowed_origins(&base, &endpoints, &issuer, &spec.allowed_origins);
                    let foreign = foreign_endpoints(&doc, &allowed);
                    if !foreign.is_empty() {
                        // Before any credential is sent anywhere.
                        return Err(format!(
                            "{}: the {} metadata sends clients to origins the profile does not \
                             name ({}); credentials go only to the profile's own origins: if \
                             these are the server's, list them under `allowed_origins`",
                            profile.path.display(),
                            match kind {
                                crate::profile::Discovery::Smart => "SMART configuration",
                                crate::profile::Discovery::Openid => "OpenID Connect",
                                crate::profile::Discovery::Oauth => "RFC 8414",
                            },
                            foreign.join(", ")
                        ));
                    }
                    apply_discovery(&doc, &mut endpoints, &mut issuer, spec.issuer.is_some());
                    (Some(doc), None)
                }
                Err(e) => match e.strip_prefix(UNREACHABLE) {
                    Some(why) => {
                        unreachable = Some(why.to_string());
                        (None, Some(why.to_string()))
                    }
                    None => (None, Some(e)),
                },
            },
            None => (None, None),
        };
        let clients = spec
            .clients
            .iter()
            .map(|(role, c)| {
                (
                    *role,
                    Client {
                        role: *role,
                        id: c.id.clone(),
                        secret: c.secret.clone(),
                        auth: c.auth,
                        assertion_key: c.assertion_key.clone(),
                        audience: issuer.clone(),
                    },
                )
            })
            .collect();
        let redactor = Redactor::new(profile.secrets.iter().cloned());
        // A kept chromium drives one page: one authorization at a time in it.
        let flows = match spec.login.method {
            crate::profile::LoginMethod::Browser => 1,
            _ => spec.login.flows_per_session,
        };
        let sign_ins = crate::login::reuse::SignIns::new(spec.login.sessions, flows);
        let refresh = spec.login.refresh.as_ref().and_then(|r| {
            let file = r
                .token_file
                .as_ref()
                .map(|f| profile.path.parent().unwrap_or(Path::new(".")).join(f));
            let token = r.token.clone()?;
            Some(crate::login::refresh::RefreshStore::new(token, file))
        });
        let pacer = spec.rate_limit.and_then(|r| {
            let token = r
                .token_per_minute
                .and_then(|n| endpoints.token.clone().map(|url| (url, n)));
            let code_lifetime = std::time::Duration::from_secs(r.code_lifetime_secs);
            Pacer::new(r.per_minute, token, code_lifetime).map(Arc::new)
        });
        let capabilities = crate::capabilities::Capabilities::resolve(
            spec,
            discovery.as_ref(),
            crate::capabilities::KnownEndpoints {
                introspection: endpoints.introspect.is_some(),
                revocation: endpoints.revoke.is_some(),
                userinfo: endpoints.userinfo.is_some(),
            },
        );
        Ok(Self {
            profile,
            base_url: base,
            endpoints,
            issuer,
            configured_issuer,
            clients,
            redactor,
            pacer,
            manual_login: false,
            emulator,
            faults,
            capabilities,
            discovery,
            unreachable: std::sync::Mutex::new(unreachable),
            sign_ins,
            refresh,
            discovery_error,
        })
    }

    /// The profile's per-request timeout and body limit (documented defaults).
    pub fn limits(&self) -> crate::http::Limits {
        let spec = &self.profile.spec;
        crate::http::Limits {
            timeout: std::time::Duration::from_secs(spec.timeouts.unwrap_or_default().request_secs),
            max_body: spec.limits.unwrap_or_default().max_body_bytes,
        }
    }

    /// Why the target cannot be reached, once a request has found out.
    pub fn unreachable(&self) -> Option<String> {
        self.unreachable.lock().ok().and_then(|u| u.clone())
    }

    pub fn mark_unreachable(&self, why: &str) {
        if let Ok(mut u) = self.unreachable.lock()
            && u.is_none()
        {
            *u = Some(why.to_string());
        }
    }

    /// "no `endpoints.X`", explained by a failed discovery when there was one.
    pub fn missing_endpoint(&self, name: &str) -> String {
        match &self.discovery_error {
            Some(e) => format!("no {name} endpoint: discovery failed: {e}"),
            None => format!("the profile has no `endpoints.{name}` and discovery named none"),
        }
    }

    pub fn client(&self, role: ClientRole) -> Option<&Client> {
        self.clients.get(&role)
    }

    /// Stops an emulated target's server: a fleet's run is done with a tenant long
    /// before the run ends, and a server holds every connection it served until it
    /// stops.
    pub fn stop_emulator(&self) {
        if let Some((server, _)) = &self.emulator
            && let Ok(mut server) = server.lock()
            && let Some(server) = server.take()
        {
            // Shutting a server down waits for its thread: never on the executor.
            std::thread::spawn(move || drop(server));
        }
    }

    /// Ages an artifact on an emulated target (virtual time). Live targets have no
    /// controllable clock; scenarios needing one are skipped there.
    pub fn age_artifact(&self, artifact: &str, secs: u64) -> Result<(), String> {
        match &self.emulator {
            Some((_, control)) => {
                if control.age_artifact(artifact, secs) {
                    Ok(())
                } else {
                    Err("the emulator does not know this artifact".into())
                }
            }
            None => Err("this target has no controllable clock".into()),
        }
    }
}

/// Reads the discovery document. Any failure is described with what was received.
/// Marks a discovery error as "the target did not answer at all" inside this module.
const UNREACHABLE: &str = "\u{0}unreachable\u{0}";

/// Where the discovery document of `kind` is read: from the FHIR base (SMART) or the
/// issuer as configured (OpenID Connect, RFC 8414).
pub fn discovery_url(
    kind: crate::profile::Discovery,
    endpoints: &Endpoints,
    issuer: &str,
) -> Result<String, String> {
    use crate::profile::Discovery;
    Ok(match kind {
        Discovery::Smart => {
            let base = endpoints
                .fhir_base
                .as_ref()
                .ok_or("no `endpoints.fhir_base` to discover from")?;
            format!(
                "{}/.well-known/smart-configuration",
                base.as_str().trim_end_matches('/')
            )
        }
        Discovery::Openid => format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        ),
        Discovery::Oauth => oauth_metadata_url(issuer)?,
    })
}

async fn discover(
    client: &reqwest::Client,
    kind: crate::profile::Discovery,
    endpoints: &Endpoints,
    issuer: &str,
) -> Result<serde_json::Value, String> {
    let url = discovery_url(kind, endpoints, issuer)?;
    let resp = client
        .get(&url)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| {
            let what = format!("GET {url}: {}", crate::http::describe(&e));
            if e.is_connect() {
                format!("{UNREACHABLE}{what}")
            } else {
                what
            }
        })?;
    let status = resp.status().as_u16();
    let (body, truncated) = crate::http::read_limited(resp, 1024 * 1024)
        .await
        .map_err(|e| format!("GET {url}: {}", crate::http::describe(&e)))?;
    if let Some(n) = truncated {
        return Err(format!(
            "GET {url}: the metadata document is larger than 1 MiB ({n} bytes more)"
        ));
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    if status != 200 {
        let snippet: String = body.chars().take(300).collect();
        return Err(format!("GET {url} answered {status}: {snippet}"));
    }
    serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .filter(serde_json::Value::is_object)
        .ok_or_else(|| {
            let snippet: String = body.chars().take(300).collect();
            format!("GET {url}: not a JSON object: {snippet}")
        })
}

/// The practice and brand of a practice-JSON `aud` (ATH-03)
/// (`{"PRACTICEID":"195900","COMMUNICATORBRANDID":"1"}`).
fn practice_in_aud(aud: &str) -> Option<(String, String)> {
    let v: serde_json::Value = serde_json::from_str(aud).ok()?;
    let field = |k: &str| match v.get(k)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    Some((field("PRACTICEID")?, field("COMMUNICATORBRANDID")?))
}

/// RFC 8414 §3.1: the well-known suffix goes between the issuer's host and its path
/// (`https://as.example/tenant` → `https://as.example/.well-known/oauth-authorization-server/tenant`).
pub fn oauth_metadata_url(issuer: &str) -> Result<String, String> {
    let u = Url::parse(issuer).map_err(|e| format!("the issuer `{issuer}` is not a URL: {e}"))?;
    let path = u.path().trim_end_matches('/');
    let mut out = u.clone();
    out.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    out.set_query(None);
    Ok(out.to_string())
}

/// Fills endpoints the profile left out from a discovery document.
fn apply_discovery(
    doc: &serde_json::Value,
    e: &mut Endpoints,
    issuer: &mut String,
    issuer_set: bool,
) {
    let url = |k: &str| {
        doc.get(k)
            .and_then(|v| v.as_str())
            .and_then(|s| Url::parse(s).ok())
    };
    let fill = |slot: &mut Option<Url>, k: &str| {
        if slot.is_none() {
            *slot = url(k);
        }
    };
    fill(&mut e.authorize, "authorization_endpoint");
    fill(&mut e.token, "token_endpoint");
    fill(&mut e.keys, "jwks_uri");
    fill(&mut e.introspect, "introspection_endpoint");
    fill(&mut e.revoke, "revocation_endpoint");
    fill(&mut e.logout, "end_session_endpoint");
    fill(&mut e.userinfo, "userinfo_endpoint");
    if !issuer_set && let Some(i) = doc.get("issuer").and_then(|v| v.as_str()) {
        *issuer = i.to_string();
    }
}

/// The origins credentials may go to: those the profile names (base URL, issuer,
/// endpoints it gives, `allowed_origins`).
fn allowed_origins(
    base: &Url,
    endpoints: &Endpoints,
    issuer: &str,
    extra: &[String],
) -> Vec<url::Origin> {
    let mut out = vec![base.origin()];
    let named = [
        &endpoints.authorize,
        &endpoints.token,
        &endpoints.keys,
        &endpoints.introspect,
        &endpoints.revoke,
        &endpoints.logout,
        &endpoints.fhir_base,
        &endpoints.userinfo,
    ];
    out.extend(named.into_iter().flatten().map(Url::origin));
    out.extend(
        std::iter::once(issuer)
            .chain(extra.iter().map(String::as_str))
            .filter_map(|u| Url::parse(u).ok())
            .map(|u| u.origin()),
    );
    out
}

/// `member → URL` for every endpoint of a metadata document on an origin not allowed.
fn foreign_endpoints(doc: &serde_json::Value, allowed: &[url::Origin]) -> Vec<String> {
    const MEMBERS: [&str; 7] = [
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "introspection_endpoint",
        "revocation_endpoint",
        "end_session_endpoint",
        "userinfo_endpoint",
    ];
    MEMBERS
        .iter()
        .filter_map(|m| {
            let u = doc.get(*m)?.as_str()?;
            let parsed = Url::parse(u).ok()?;
            (!allowed.contains(&parsed.origin())).then(|| format!("{m} {u}"))
        })
        .collect()
}

/// What the emulated tenant registers, from the profile's clients and users.
/// The emulator an emulated profile describes, with its fault switches on: the
/// profile's own, and those of `extra_faults` this vendor's emulator has.
pub fn emulator_for(
    profile: &Profile,
    extra_faults: &[String],
) -> Result<(Box<dyn emulators::Emulator>, Vec<String>), String> {
    let Some(section) = &profile.spec.emulator else {
        return Err(format!("profile `{}` is not emulated", profile.name));
    };
    let mut faults = section.faults.clone();
    // Command-line faults apply to the targets whose emulator has them.
    let known = emulators::faults(&section.vendor);
    faults.extend(
        extra_faults
            .iter()
            .filter(|f| known.iter().any(|k| k.name == f.as_str()))
            .cloned(),
    );
    let emu = emulators::create(&section.vendor, tenant_for(profile), &faults)
        .map_err(|e| format!("{}: {e}", profile.path.display()))?;
    Ok((emu, faults))
}

pub fn tenant_for(profile: &Profile) -> emulators::Tenant {
    let spec = &profile.spec;
    let empty = Default::default();
    let access = spec
        .emulator
        .as_ref()
        .map(|e| &e.portal_access)
        .unwrap_or(&empty);
    let clients = spec
        .clients
        .values()
        .map(|c| emulators::ClientRegistration {
            client_id: c.id.clone(),
            secret: c.secret.clone(),
            auth: match c.auth {
                AuthMethod::None => emulators::ClientAuth::None,
                AuthMethod::ClientSecretPost => emulators::ClientAuth::ClientSecretPost,
                AuthMethod::ClientSecretBasic => emulators::ClientAuth::ClientSecretBasic,
                AuthMethod::PrivateKeyJwt => emulators::ClientAuth::PrivateKeyJwt,
            },
            jwks: c
                .assertion_key
                .as_ref()
                .and_then(|k| k.public_jwk().ok())
                .map(|jwk| serde_json::json!({ "keys": [jwk] })),
            redirect_uris: c
                .redirect_uris
                .clone()
                .unwrap_or_else(|| vec![spec.redirect_uri.clone()]),
            post_logout_redirect_uris: spec.post_logout_redirect_uri.iter().cloned().collect(),
            permitted_scopes: c.permitted_scopes.clone(),
            grant_types: c.grant_types.clone().unwrap_or_default(),
        })
        .collect();
    // A live profile served by `grantcheck emulate` (a stand-in for its server) says
    // which practice its user is a patient of only through `aud`.
    let implied = spec
        .emulator
        .is_none()
        .then(|| practice_in_aud(spec.aud.as_deref()?))
        .flatten();
    let users = spec
        .users
        .iter()
        .map(|(role, u)| emulators::UserRegistration {
            username: u.username.clone(),
            password: u.password.clone(),
            portal_access: access
                .get(role)
                .map(|list| {
                    list.iter()
                        .map(|a| emulators::PortalAccess {
                            practice_id: a.practice.clone(),
                            brand_id: a.brand.clone(),
                            patient_id: a.patient.clone(),
                        })
                        .collect()
                })
                .or_else(|| {
                    implied.as_ref().map(|(practice, brand)| {
                        vec![emulators::PortalAccess {
                            practice_id: practice.clone(),
                            brand_id: brand.clone(),
                            patient_id: format!("{role}-1"),
                        }]
                    })
                })
                .unwrap_or_default(),
        })
        .collect();
    // A live profile pointed at an emulator names its FHIR base as an absolute URL.
    let fhir_base_path = spec
        .endpoints
        .fhir_base
        .as_deref()
        .and_then(|p| match Url::parse(p) {
            Ok(u) => Some(u.path().trim_end_matches('/').to_string()),
            Err(_) => p.starts_with('/').then(|| p.to_string()),
        })
        .unwrap_or_else(|| "/fhir".to_string());
    emulators::Tenant {
        tenant_id: spec.tenant.clone().unwrap_or_default(),
        clients,
        users,
        fhir_base_path,
        without: spec
            .emulator
            .as_ref()
            .map(|e| e.without.clone())
            .unwrap_or_default(),
        sign_in: match spec.emulator.as_ref().map(|e| e.sign_in) {
            Some(crate::profile::SignIn::Script) => emulators::SignIn::Script,
            Some(crate::profile::SignIn::Html) | None => emulators::SignIn::Html,
        },
    }
}
