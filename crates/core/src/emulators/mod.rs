//! Offline models of vendors' authorization servers.
//!
//! An emulator is a plain state machine: an [`EmuRequest`] goes in, an [`EmuResponse`]
//! comes out. It knows nothing about HTTP servers, steps, checks or reports; the
//! [`server`] module puts it behind a wiremock server on 127.0.0.1. Time comes from a
//! virtual clock so that expiry behaviour takes milliseconds, and each emulator has
//! fault switches that break one documented behaviour each, so that every conformance
//! check can be shown to fail.

/// Declares an emulator's `Fault` enum, its kebab-case names (`Display`/`FromStr`) and
/// its `FAULTS` table from one list, so they can never drift apart.
macro_rules! fault_switches {
    ($vendor:literal: $($variant:ident => $name:literal, $breaks:literal;)*) => {
        /// A named way for this emulator to misbehave (see [`FAULTS`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Fault {
            $($variant,)*
        }

        /// Every fault switch with the documented behaviour it breaks.
        pub const FAULTS: &[$crate::emulators::FaultInfo] = &[
            $($crate::emulators::FaultInfo { name: $name, breaks: $breaks },)*
        ];

        impl Fault {
            /// Every fault, in the order of [`FAULTS`].
            pub const ALL: &[Fault] = &[$(Fault::$variant,)*];

            /// The kebab-case name used on the command line.
            pub fn name(self) -> &'static str {
                match self {
                    $(Fault::$variant => $name,)*
                }
            }
        }

        impl $crate::emulators::engine::Named for Fault {
            fn name(self) -> &'static str {
                Fault::name(self)
            }
        }

        impl std::fmt::Display for Fault {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl std::str::FromStr for Fault {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Fault::ALL.iter().copied().find(|f| f.name() == s).ok_or_else(|| {
                    let valid: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
                    format!("unknown {} fault `{s}` (valid: {})", $vendor, valid.join(", "))
                })
            }
        }
    };
}

/// The constructor and accessors of an emulator built on the engine: its state is an
/// [`engine::Base`] (tenant, faults, clock) in `base`, a `Store::default()` in `store`
/// and its signing `Keys` in `keys`.
macro_rules! on_the_engine {
    ($emulator:ident) => {
        impl $emulator {
            pub fn new(tenant: $crate::emulators::Tenant, faults: Vec<Fault>) -> Self {
                Self {
                    base: $crate::emulators::engine::Base::new(tenant, faults),
                    store: Store::default(),
                    keys: Keys::load(),
                }
            }

            /// Moves this emulator's clock forward for every artifact at once.
            pub fn advance_clock(&mut self, secs: u64) {
                self.base.clock.advance(secs);
            }

            fn on(&self, fault: Fault) -> bool {
                self.base.on(fault)
            }

            fn now(&self) -> u64 {
                self.base.now()
            }
        }
    };
}

pub mod athenahealth;
pub mod clock;
mod engine;
mod html;
pub mod oracle_health;
pub mod reference;
pub mod server;
pub mod tenants;
#[cfg(test)]
mod test_kit;
pub mod tls;

use std::fmt;

/// What an emulated tenant has registered: clients, users, and the practice the
/// patient users belong to. Built from an emulated profile by the target layer.
#[derive(Debug, Clone, Default)]
pub struct Tenant {
    /// The tenant id, for vendors whose servers are tenant-scoped (Oracle Health);
    /// empty otherwise.
    pub tenant_id: String,
    pub clients: Vec<ClientRegistration>,
    pub users: Vec<UserRegistration>,
    /// Path (on the emulator's own origin) of the FHIR base, e.g. `/v1/195900/1/1/fhir/dstu2`.
    pub fhir_base_path: String,
    /// Parts of the standard left out (reference emulator only: `openid`,
    /// `metadata`, `introspection`), to stand in for a smaller server.
    pub without: Vec<String>,
    /// How the sign-in page is built: a plain HTML form, or a form only a script builds
    /// (the athenahealth and Oracle Health emulators).
    pub sign_in: SignIn,
}

/// How an emulator's sign-in page asks for the credentials.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SignIn {
    /// A plain HTML form the `form` login driver fills.
    #[default]
    Html,
    /// No form in the HTML: an inline script builds it and sends the credentials the
    /// way the vendor's own page does, so only a browser can sign in.
    Script,
}

impl SignIn {
    pub const ALL: &[SignIn] = &[SignIn::Html, SignIn::Script];

    /// The name profiles and the command line use.
    pub fn name(self) -> &'static str {
        match self {
            SignIn::Html => "html",
            SignIn::Script => "script",
        }
    }

    pub fn parse(name: &str) -> Option<SignIn> {
        Self::ALL.iter().copied().find(|s| s.name() == name)
    }
}

/// Whether a vendor's emulator can build its sign-in page with a script: every EHR
/// vendor's does, as their own pages do; the reference server's page stays a form.
pub fn offers_script_sign_in(vendor: &str) -> bool {
    crate::vendors::by_id(vendor).is_some()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAuth {
    /// Public client: no secret, PKCE required.
    None,
    ClientSecretPost,
    ClientSecretBasic,
    /// A signed JWT assertion verified with the client's registered `jwks`.
    PrivateKeyJwt,
}

#[derive(Debug, Clone)]
pub struct ClientRegistration {
    pub client_id: String,
    pub secret: Option<String>,
    pub auth: ClientAuth,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Scopes this app was approved for beyond the vendor's default set.
    pub permitted_scopes: Vec<String>,
    /// Grants the client is registered for; empty: the emulator's default for it.
    pub grant_types: Vec<String>,
    /// `private_key_jwt` clients: the public JWK set their assertions verify with.
    pub jwks: Option<serde_json::Value>,
}

impl ClientRegistration {
    /// Whether `sent` is one of the client's redirect URIs: the same string, except
    /// that a loopback IP redirect URI (`http://127.0.0.1:…`, `http://[::1]:…`) matches
    /// on any port, as RFC 8252 §7.3 has servers allow for native apps (the vendors'
    /// documents say nothing of it; `grantcheck emulate --redirect-uri` relies on it).
    pub fn registers_redirect(&self, sent: &str) -> bool {
        self.redirect_uris
            .iter()
            .any(|r| r == sent || loopback_port_varies(r, sent))
    }
}

/// A key no emulator publishes, under a `kid` none publishes: what an ID token signed
/// by someone else looks like to an app.
pub fn unpublished_key() -> crate::oauth::jws::SigningKey {
    crate::oauth::jws::SigningKey {
        kid: "grantcheck-unpublished".into(),
        pem: include_bytes!("keys/rogue.pem").to_vec(),
    }
}

/// Two loopback IP URIs that differ at most in their port.
pub fn loopback_port_varies(registered: &str, sent: &str) -> bool {
    fn rest(uri: &str) -> Option<(String, String)> {
        let after = uri
            .strip_prefix("http://127.0.0.1")
            .or_else(|| uri.strip_prefix("http://[::1]"))?;
        let host = &uri[..uri.len() - after.len()];
        let after = match after.strip_prefix(':') {
            Some(p) => p.trim_start_matches(|c: char| c.is_ascii_digit()),
            None => after,
        };
        (after.is_empty() || after.starts_with(['/', '?']))
            .then(|| (host.to_string(), after.to_string()))
    }
    matches!((rest(registered), rest(sent)), (Some(a), Some(b)) if a == b)
}

#[derive(Debug, Clone)]
pub struct UserRegistration {
    pub username: String,
    pub password: String,
    /// Practice/brand pairs whose patient portal this user may use. Empty: the user has
    /// an account but no access to any practice (athenahealth's ATH-12 case).
    pub portal_access: Vec<PortalAccess>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalAccess {
    pub practice_id: String,
    pub brand_id: String,
    pub patient_id: String,
}

/// The first value of a header (names are stored lower-cased).
fn header_in<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let name = name.to_ascii_lowercase();
    headers
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.as_str())
}

/// One HTTP request as the emulator sees it.
#[derive(Debug, Clone, Default)]
pub struct EmuRequest {
    pub method: String,
    /// Path without query, percent-encoding preserved.
    pub path: String,
    /// The raw query string (without `?`), percent-encoding preserved, so that an
    /// emulator can tell a double-encoded parameter from a single-encoded one.
    pub raw_query: Option<String>,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl EmuRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        header_in(&self.headers, name)
    }

    /// Query parameters decoded once (application/x-www-form-urlencoded rules).
    pub fn query(&self) -> Vec<(String, String)> {
        self.raw_query
            .as_deref()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn query_param(&self, name: &str) -> Option<String> {
        engine::param(&self.query(), name).map(str::to_string)
    }

    /// The raw (still percent-encoded) value of a query parameter.
    pub fn raw_query_param(&self, name: &str) -> Option<&str> {
        self.raw_query.as_deref()?.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then_some(v)
        })
    }

    /// Form body parameters decoded once.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }

    pub fn form_param(&self, name: &str) -> Option<String> {
        engine::param(&self.form(), name).map(str::to_string)
    }

    /// The token of an `Authorization: Bearer` header (RFC 6750 §2.1).
    pub fn bearer(&self) -> Option<&str> {
        let (scheme, token) = self.header("authorization")?.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    }

    /// Cookie value by name from the `Cookie` header.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.header("cookie")?.split(';').find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }
}

/// One HTTP response produced by an emulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmuResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl EmuResponse {
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Self::new(status)
            .with_header("content-type", "application/json")
            .with_body(value.to_string().into_bytes())
    }

    pub fn html(status: u16, html: impl Into<String>) -> Self {
        Self::new(status)
            .with_header("content-type", "text/html; charset=utf-8")
            .with_body(html.into().into_bytes())
    }

    pub fn redirect(location: impl Into<String>) -> Self {
        Self::new(302).with_header("location", location)
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    pub fn with_body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        header_in(&self.headers, name)
    }
}

/// The interface every vendor emulator implements.
pub trait Emulator: Send {
    /// Vendor name as used on the command line (`athenahealth`).
    fn vendor(&self) -> &'static str;

    /// Handles one request. `origin` is the emulator's own base URL
    /// (`http://127.0.0.1:PORT`), needed for issuers and absolute links.
    fn handle(&mut self, origin: &str, req: &EmuRequest) -> EmuResponse;

    /// Moves one artifact (authorization code, access or refresh token) `secs` seconds
    /// into the past, as if that much time had passed for it alone. Per-artifact ageing
    /// keeps concurrently running scenarios independent of each other. Returns false
    /// when the artifact is unknown.
    fn age_artifact(&mut self, artifact: &str, secs: u64) -> bool;

    /// Whether this emulator registered the client (with this secret, when one is
    /// given), so a server holding several tenants can send a request that names no
    /// tenant to the one that knows its client.
    fn knows_client(&self, _client_id: &str, _secret: Option<&str>) -> bool {
        false
    }

    /// The key that signs this emulator's ID tokens, with its published `kid`: an
    /// app test (`grantcheck emulate --app-test`) re-signs a tampered ID token with
    /// it, so that only the tampered claim is wrong.
    fn id_token_key(&self) -> Option<crate::oauth::jws::SigningKey> {
        None
    }
}

/// A fault switch: a named way for an emulator to break one documented behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultInfo {
    pub name: &'static str,
    pub breaks: &'static str,
}

impl fmt::Display for FaultInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.breaks)
    }
}

/// Creates an emulator for a vendor with the given faults switched on.
pub fn create(
    vendor: &str,
    tenant: Tenant,
    faults: &[String],
) -> Result<Box<dyn Emulator>, String> {
    if vendor != "reference" && !tenant.without.is_empty() {
        return Err(format!(
            "`emulator.without` is offered by the reference emulator only, not `{vendor}`"
        ));
    }
    if tenant.sign_in == SignIn::Script && !offers_script_sign_in(vendor) {
        return Err(format!(
            "a script-built sign-in page (`emulator.sign_in: script`, `--sign-in script`) is \
             offered by the athenahealth and oracle-health emulators only, not `{vendor}`"
        ));
    }
    match vendor {
        "athenahealth" => {
            let faults = parse_faults::<athenahealth::Fault>(faults)?;
            Ok(Box::new(athenahealth::Athenahealth::new(tenant, faults)))
        }
        "oracle-health" => {
            let faults = parse_faults::<oracle_health::Fault>(faults)?;
            Ok(Box::new(oracle_health::OracleHealth::new(tenant, faults)))
        }
        "reference" => {
            let faults = parse_faults::<reference::Fault>(faults)?;
            if let Some(w) = tenant
                .without
                .iter()
                .find(|w| !reference::Part::ALL.iter().any(|p| p.name() == w.as_str()))
            {
                return Err(format!(
                    "`emulator.without: {w}` is not a part the reference emulator can leave \
                     out (it can leave out: {})",
                    reference::Part::ALL
                        .iter()
                        .map(|p| p.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            Ok(Box::new(reference::Reference::new(tenant, faults)))
        }
        other => Err(format!(
            "no emulator for vendor `{other}` (available: {})",
            names().join(", ")
        )),
    }
}

/// Fault names parsed into a vendor's switches; the first unknown one is the error.
fn parse_faults<F: std::str::FromStr<Err = String>>(names: &[String]) -> Result<Vec<F>, String> {
    names.iter().map(|f| f.parse()).collect()
}

/// Names of the emulators: one per vendor in the registry, and `reference`.
pub fn names() -> Vec<&'static str> {
    crate::vendors::ids().chain(["reference"]).collect()
}

/// Vendors whose paths carry the tenant, so one server serves a fleet of tenants
/// ([`tenants::Tenants`]); the others get one server per tenant (an athenahealth
/// gateway is its own Okta server).
pub fn tenant_scoped(vendor: &str) -> bool {
    crate::vendors::by_id(vendor).is_some_and(|v| v.tenant_scoped)
}

/// The fault switches of a vendor's emulator, for `--help` style listings and tests.
pub fn faults(vendor: &str) -> &'static [FaultInfo] {
    match vendor {
        "athenahealth" => athenahealth::FAULTS,
        "oracle-health" => oracle_health::FAULTS,
        "reference" => reference::FAULTS,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The engine reads these switches by name; each emulator must have them all.
    #[test]
    fn every_emulator_has_the_shared_fault_switches() {
        for vendor in names() {
            for name in engine::shared::ALL {
                assert!(
                    faults(vendor).iter().any(|f| f.name == name),
                    "{vendor} lacks `{name}`"
                );
            }
        }
    }

    #[test]
    fn only_the_vendor_emulators_build_a_scripted_sign_in() {
        let scripted = || Tenant {
            sign_in: SignIn::Script,
            ..Tenant::default()
        };
        for vendor in names() {
            let made = create(vendor, scripted(), &[]);
            assert_eq!(made.is_ok(), vendor != "reference", "{vendor}");
            assert!(create(vendor, Tenant::default(), &[]).is_ok(), "{vendor}");
        }
        let refused = create("reference", scripted(), &[])
            .err()
            .unwrap_or_default();
        assert!(refused.contains("not `reference`"), "{refused}");
        assert_eq!(
            SignIn::ALL
                .iter()
                .map(|s| SignIn::parse(s.name()))
                .collect::<Vec<_>>(),
            [Some(SignIn::Html), Some(SignIn::Script)]
        );
        assert_eq!(SignIn::parse("js"), None);
    }

    #[test]
    fn every_vendor_names_its_faults_and_rejects_unknown_ones() {
        for vendor in names() {
            let faults = faults(vendor);
            assert!(!faults.is_empty(), "{vendor} has no fault switches");
            for f in faults {
                assert!(
                    f.breaks.contains('('),
                    "{vendor} {} names no catalog id",
                    f.name
                );
                let one = [f.name.to_string()];
                assert!(
                    create(vendor, Tenant::default(), &one).is_ok(),
                    "{vendor} {}",
                    f.name
                );
            }
            let err = create(vendor, Tenant::default(), &["no-such-fault".into()])
                .err()
                .expect("an unknown fault is refused");
            assert!(
                err.contains("no-such-fault") && err.contains(faults[0].name),
                "{err}"
            );
        }
    }
}

#[cfg(test)]
mod redirect_tests {
    use super::loopback_port_varies as varies;

    #[test]
    fn a_loopback_ip_redirect_uri_matches_on_any_port_only() {
        assert!(varies("http://127.0.0.1/cb", "http://127.0.0.1:53123/cb"));
        assert!(varies("http://127.0.0.1:8080/cb", "http://127.0.0.1:9/cb"));
        assert!(varies("http://[::1]:1/cb?x=1", "http://[::1]:2/cb?x=1"));
        assert!(!varies("http://127.0.0.1/cb", "http://127.0.0.1:1/other"));
        assert!(!varies("http://127.0.0.1/cb", "http://[::1]:1/cb"));
        assert!(
            !varies("http://localhost/cb", "http://localhost:1/cb"),
            "names are not IPs"
        );
        assert!(!varies(
            "https://app.example/cb",
            "https://app.example:1/cb"
        ));
        assert!(!varies("http://127.0.0.1/cb", "http://127.0.0.10:1/cb"));
        assert!(!varies("http://127.0.0.1:80x/cb", "http://127.0.0.1:80/cb"));
    }
}
