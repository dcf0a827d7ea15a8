//! The profile file format. Every struct denies unknown fields so that a typo is an
//! error with a location, never a silently ignored setting.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    /// Defaults to the file stem.
    pub name: Option<String>,
    pub vendor: Vendor,
    pub environment: Environment,
    #[serde(default)]
    pub description: Option<String>,
    /// Present for emulated targets: the embedded emulator to serve this profile.
    #[serde(default)]
    pub emulator: Option<EmulatorSection>,
    /// Tenant id for tenant-scoped servers (CER-27); sent exactly as written.
    #[serde(default)]
    pub tenant: Option<String>,
    /// Origin of a live server. Emulated profiles get `http://127.0.0.1:PORT` at run time.
    #[serde(default)]
    pub base_url: Option<String>,
    pub endpoints: Endpoints,
    /// Take endpoints the profile does not set from a discovery document:
    /// `smart` reads `{fhir_base}/.well-known/smart-configuration`, `openid` reads
    /// `{issuer or base_url}/.well-known/openid-configuration`, `oauth` reads RFC 8414's
    /// `/.well-known/oauth-authorization-server` inserted before the issuer's path.
    #[serde(default)]
    pub discovery: Option<Discovery>,
    /// Expected `iss` of ID tokens; a path is joined to the base URL; default: the base URL.
    #[serde(default)]
    pub issuer: Option<String>,
    pub redirect_uri: String,
    #[serde(default)]
    pub post_logout_redirect_uri: Option<String>,
    /// `aud` for patient apps (a FHIR base URL, or ATH-03's practice JSON).
    #[serde(default)]
    pub aud: Option<String>,
    pub scopes: Scopes,
    pub clients: BTreeMap<ClientRole, ClientConfig>,
    #[serde(default)]
    pub users: BTreeMap<String, UserConfig>,
    pub login: LoginConfig,
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    #[serde(default)]
    pub timeouts: Option<Timeouts>,
    #[serde(default)]
    pub limits: Option<Limits>,
    /// Origins besides those the profile names where discovered endpoints may live
    /// (credentials are sent only to named or listed origins).
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// What the server offers, where its metadata does not say it (or to hold it to
    /// more than it says).
    #[serde(default)]
    pub capabilities: CapabilitiesConfig,
    #[serde(default)]
    pub deviations: Vec<Deviation>,
    /// Extra authorization request parameters every flow sends (e.g. `prompt: consent`,
    /// which OpenID Connect requires before a server may honour `offline_access`).
    #[serde(default)]
    pub authorize_params: BTreeMap<String, String>,
    /// Folders under `features/` to run against this target (`oauth2`,
    /// `vendors/<vendor>`); unset: all that apply.
    #[serde(default)]
    pub features: Option<Vec<String>>,
}

/// The part a client plays in the features: which registration a step uses. A
/// profile's `clients` are keyed by role, so a misspelt role is refused where it is
/// written instead of leaving the scenarios that need it skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientRole {
    /// A public app: no secret, PKCE.
    Public,
    /// A confidential app with a client secret (`client_secret_post` by default).
    Confidential,
    /// A confidential app registered for `client_secret_basic`.
    ConfidentialBasic,
    /// A confidential app that authenticates with a signed JWT (`private_key_jwt`).
    Jwt,
    /// A provider (clinician) app signing in through the EHR (CER-06).
    Provider,
    /// A backend (system) client for the client credentials grant.
    System,
    /// A second app, for scenarios about codes and tokens bound to their client.
    Other,
}

impl ClientRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientRole::Public => "public",
            ClientRole::Confidential => "confidential",
            ClientRole::ConfidentialBasic => "confidential_basic",
            ClientRole::Jwt => "jwt",
            ClientRole::Provider => "provider",
            ClientRole::System => "system",
            ClientRole::Other => "other",
        }
    }
}

impl std::fmt::Display for ClientRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The vendors grantcheck knows are listed once, in the registry.
pub use crate::vendors::Vendor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Environment {
    Emulated,
    Preview,
    Sandbox,
    Production,
    Local,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Emulated => "emulated",
            Environment::Preview => "preview",
            Environment::Sandbox => "sandbox",
            Environment::Production => "production",
            Environment::Local => "local",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Discovery {
    Smart,
    Openid,
    /// RFC 8414 authorization server metadata.
    Oauth,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmulatorSection {
    /// Which emulator serves the profile (a vendor id, or `reference`).
    pub vendor: String,
    /// Fault switches to turn on (normally none; used to prove checks can fail).
    #[serde(default)]
    pub faults: Vec<String>,
    /// Per user role: the practices whose patient portal the emulated user may use.
    #[serde(default)]
    pub portal_access: BTreeMap<String, Vec<PortalAccessConfig>>,
    /// Parts of the standard the emulator leaves out, to stand in for a smaller
    /// server (reference emulator: `openid`, `metadata`, `introspection`).
    #[serde(default)]
    pub without: Vec<String>,
    /// How the emulator's sign-in page is built: `html` (a plain form, the default) or
    /// `script` (the form exists only once the page's script has run, as on the
    /// vendors' own pages; the EHR vendors' emulators only).
    #[serde(default)]
    pub sign_in: SignIn,
    /// Milliseconds added to every response (default 0; at most 10000), for measuring
    /// a run against a server far away.
    #[serde(default)]
    pub latency_ms: u64,
}

/// How an emulator's sign-in page is built (`emulator.sign_in`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignIn {
    #[default]
    Html,
    Script,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalAccessConfig {
    pub practice: String,
    pub brand: String,
    pub patient: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoints {
    #[serde(default)]
    pub authorize: Option<String>,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub keys: Option<String>,
    #[serde(default)]
    pub introspect: Option<String>,
    #[serde(default)]
    pub revoke: Option<String>,
    #[serde(default)]
    pub logout: Option<String>,
    #[serde(default)]
    pub fhir_base: Option<String>,
    #[serde(default)]
    pub userinfo: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scopes {
    /// What a standard sign-in requests.
    pub default: String,
    /// Scopes the server knows but this app may not request (policy denial probes).
    #[serde(default)]
    pub not_permitted: Option<String>,
    /// A part of `default` that a refresh may narrow to (default: `default` without
    /// `offline_access`, when that leaves a scope).
    #[serde(default)]
    pub narrower: Option<String>,
    /// A scope the server does not know (default: `grantcheck.unknown-scope`): asked
    /// for beside `default` to see what the server grants, and on a refresh to widen
    /// the grant.
    #[serde(default)]
    pub unknown: Option<String>,
}

/// What the features send when a profile does not name an unknown scope.
pub const UNKNOWN_SCOPE: &str = "grantcheck.unknown-scope";

impl Scopes {
    /// The scope a refresh narrows to, when the profile gives or implies one.
    pub fn narrower(&self) -> Option<String> {
        if let Some(n) = &self.narrower {
            return Some(n.clone());
        }
        let rest: Vec<&str> = self
            .default
            .split_whitespace()
            .filter(|s| *s != "offline_access")
            .collect();
        let all = self.default.split_whitespace().count();
        (!rest.is_empty() && rest.len() < all).then(|| rest.join(" "))
    }

    pub fn unknown(&self) -> &str {
        self.unknown.as_deref().unwrap_or(UNKNOWN_SCOPE)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    None,
    ClientSecretPost,
    ClientSecretBasic,
    PrivateKeyJwt,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::None => "none",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    pub id: String,
    /// `${ENV_VAR}` reference; required unless `auth: none`.
    #[serde(default)]
    pub secret: Option<String>,
    pub auth: AuthMethod,
    /// Scopes the vendor approved for this app beyond its default set.
    #[serde(default)]
    pub permitted_scopes: Vec<String>,
    /// Defaults to the profile's `redirect_uri`.
    #[serde(default)]
    pub redirect_uris: Option<Vec<String>>,
    /// Grants the client is registered for (`authorization_code`, `refresh_token`,
    /// `client_credentials`); unset: the server's default for the client's role.
    #[serde(default)]
    pub grant_types: Option<Vec<String>>,
    /// `private_key_jwt`: the RSA private key (PEM file, relative to the profile) the
    /// client signs its assertions with, and the `kid` the server registered it under.
    #[serde(default)]
    pub private_key_file: Option<String>,
    #[serde(default)]
    pub key_id: Option<String>,
    /// The loaded key (filled in when the profile is read).
    #[serde(skip)]
    pub assertion_key: Option<crate::oauth::assertion::AssertionKey>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    pub username: String,
    /// `${ENV_VAR}` reference.
    pub password: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginMethod {
    /// HTTP forms with a cookie jar: no browser needed.
    Form,
    /// A person signs in by hand when the run is given `--manual-login`; otherwise
    /// the scenarios that need a login are skipped.
    Manual,
    /// A real browser (headless chromium through chromedriver) follows `login.browser`'s
    /// steps: for sign-in pages a script builds.
    Browser,
    /// Nobody signs in: `login.refresh`'s refresh token stands for a user's sign-in,
    /// so the scenarios that only need tokens run unattended (see `login::refresh`).
    Refresh,
}

impl LoginMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            LoginMethod::Form => "form",
            LoginMethod::Manual => "manual",
            LoginMethod::Browser => "browser",
            LoginMethod::Refresh => "refresh",
        }
    }

    /// Whether grantcheck signs in by itself (the scenarios that need a login run).
    pub fn is_automated(self) -> bool {
        matches!(self, LoginMethod::Form | LoginMethod::Browser)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginConfig {
    pub method: LoginMethod,
    /// Role in `users` that signs in for ordinary scenarios.
    #[serde(default = "default_user_role")]
    pub user: String,
    #[serde(default = "default_username_field")]
    pub username_field: String,
    #[serde(default = "default_password_field")]
    pub password_field: String,
    /// Name/value of the consent form's approve and deny buttons (`consent=allow`).
    #[serde(default)]
    pub approve: Option<String>,
    #[serde(default)]
    pub deny: Option<String>,
    /// Name of the consent form's per-scope checkboxes.
    #[serde(default = "default_scope_field")]
    pub consent_scope_field: String,
    /// How long a person has for one manual sign-in (default 300 s; 10 to 3600).
    #[serde(default = "default_manual_timeout")]
    pub manual_timeout_secs: u64,
    /// `method: browser`: the sign-in steps and how long each may wait.
    #[serde(default)]
    pub browser: Option<BrowserConfig>,
    /// `form` and `browser`: the scenarios that only need a signed-in user sign in
    /// through `sessions` kept sessions per user (default true; see `login::reuse`).
    /// False: each scenario signs in on its own.
    #[serde(default = "yes")]
    pub share_session: bool,
    /// How many kept sessions per user sign in side by side (default 4; 1 to 64).
    #[serde(default = "default_sessions")]
    pub sessions: usize,
    /// `form`: how many authorizations a signed-in kept session takes at a time
    /// (default 1, which every server allows; 1 to 64). A kept chromium takes one.
    #[serde(default = "default_flows_per_session")]
    pub flows_per_session: usize,
    /// `method: refresh`: the refresh token, and the client it was issued to.
    #[serde(default)]
    pub refresh: Option<RefreshConfig>,
}

/// `login.refresh`: a refresh token obtained once by a person (any sign-in), given as a
/// `${VAR}` or in a file. A server that rotates refresh tokens gets the new one written
/// back to the file, so the next run still has a live one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshConfig {
    /// The client role the token was issued to (default `confidential`).
    #[serde(default = "default_refresh_client")]
    pub client: ClientRole,
    /// The token itself, as `${VAR}`.
    #[serde(default)]
    pub token: Option<String>,
    /// A file holding the token (relative to the profile); rotated tokens are written
    /// back to it.
    #[serde(default)]
    pub token_file: Option<String>,
}

fn default_refresh_client() -> ClientRole {
    ClientRole::Confidential
}

fn yes() -> bool {
    true
}

fn default_sessions() -> usize {
    crate::login::reuse::DEFAULT_SESSIONS
}

fn default_flows_per_session() -> usize {
    crate::login::reuse::DEFAULT_FLOWS_PER_SESSION
}

fn default_manual_timeout() -> u64 {
    300
}

/// `login.browser`: what the browser does on the server's pages, in order. Unset
/// steps: the default for a plain sign-in form and consent page (see
/// [`BrowserConfig::steps_or_default`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrowserConfig {
    #[serde(default)]
    pub steps: Option<Vec<BrowserStep>>,
    /// How long one step waits for its element or URL (default 20 s; 1 to 300).
    #[serde(default = "default_browser_timeout")]
    pub timeout_secs: u64,
}

impl Default for BrowserConfig {
    fn default() -> Self {
        Self {
            steps: None,
            timeout_secs: default_browser_timeout(),
        }
    }
}

fn default_browser_timeout() -> u64 {
    20
}

/// One thing the browser does. Every step first looks whether the browser is already
/// back at the redirect URI (then the sign-in is over).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum BrowserStep {
    /// Wait until an element is on the page or the URL contains a text.
    WaitFor(WaitTarget),
    /// Type a value into a field (cleared first). `${user.username}` and
    /// `${user.password}` stand for the signing-in user's; `${VAR}` for a variable.
    Fill(FillStep),
    /// Click an element.
    Click(Selector),
    /// Submit the form holding an element (its submit button, else the form itself).
    Submit(Selector),
    /// Answer the consent page: withhold scopes, approve or deny. Skipped when the
    /// browser comes back to the app (or the server shows an error) before the page.
    Consent(ConsentStep),
}

impl BrowserStep {
    pub fn kind(&self) -> &'static str {
        match self {
            BrowserStep::WaitFor(_) => "wait_for",
            BrowserStep::Fill(_) => "fill",
            BrowserStep::Click(_) => "click",
            BrowserStep::Submit(_) => "submit",
            BrowserStep::Consent(_) => "consent",
        }
    }
}

/// An element, by CSS selector or XPath (exactly one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    #[serde(default)]
    pub css: Option<String>,
    #[serde(default)]
    pub xpath: Option<String>,
}

impl Selector {
    pub fn css(css: impl Into<String>) -> Self {
        Self {
            css: Some(css.into()),
            xpath: None,
        }
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.css, &self.xpath) {
            (Some(c), _) => write!(f, "css `{c}`"),
            (None, Some(x)) => write!(f, "xpath `{x}`"),
            (None, None) => f.write_str("no element"),
        }
    }
}

/// What `wait_for` waits for: an element (`css` or `xpath`) or `url_contains`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitTarget {
    #[serde(default)]
    pub css: Option<String>,
    #[serde(default)]
    pub xpath: Option<String>,
    #[serde(default)]
    pub url_contains: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FillStep {
    #[serde(default)]
    pub css: Option<String>,
    #[serde(default)]
    pub xpath: Option<String>,
    pub value: String,
}

impl FillStep {
    pub fn selector(&self) -> Selector {
        Selector {
            css: self.css.clone(),
            xpath: self.xpath.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentStep {
    /// The approve control; default: `login.approve`'s `name=value`, else a button
    /// labelled allow/approve/accept/continue/authorize/yes, else the first button of
    /// a form without a password field.
    #[serde(default)]
    pub approve: Option<Selector>,
    /// The deny control; default: `login.deny`'s `name=value`, else a button or link
    /// labelled deny/cancel/abort/reject.
    #[serde(default)]
    pub deny: Option<Selector>,
    /// Name of the per-scope checkboxes; default: `login.consent_scope_field`.
    #[serde(default)]
    pub scope_field: Option<String>,
}

/// The placeholders a `fill` value may use for the signing-in user.
pub const USER_PLACEHOLDERS: &[&str] = &["user.username", "user.password"];

impl LoginConfig {
    /// The browser steps: the profile's, or those for a plain sign-in form (the
    /// profile's `username_field` and `password_field`) and a consent page.
    pub fn browser_steps(&self) -> Vec<BrowserStep> {
        if let Some(steps) = self.browser.as_ref().and_then(|b| b.steps.clone()) {
            return steps;
        }
        let field = |name: &str| format!("input[name=\"{}\"]", css_escape(name));
        let user = field(&self.username_field);
        let pass = field(&self.password_field);
        vec![
            BrowserStep::WaitFor(WaitTarget {
                css: Some(user.clone()),
                ..WaitTarget::default()
            }),
            BrowserStep::Fill(FillStep {
                css: Some(user),
                xpath: None,
                value: "${user.username}".into(),
            }),
            BrowserStep::Fill(FillStep {
                css: Some(pass.clone()),
                xpath: None,
                value: "${user.password}".into(),
            }),
            BrowserStep::Submit(Selector::css(pass)),
            BrowserStep::Consent(ConsentStep::default()),
        ]
    }

    pub fn browser_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(
            self.browser
                .as_ref()
                .map_or(default_browser_timeout(), |b| b.timeout_secs),
        )
    }
}

/// A value inside a double-quoted CSS attribute selector.
pub fn css_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn default_user_role() -> String {
    "patient".into()
}
fn default_username_field() -> String {
    "username".into()
}
fn default_password_field() -> String {
    "password".into()
}
fn default_scope_field() -> String {
    "scope".into()
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Every request to the target.
    #[serde(default)]
    pub per_minute: Option<u32>,
    /// Requests to the token endpoint alone, for a vendor that limits only it (ATH-17).
    #[serde(default)]
    pub token_per_minute: Option<u32>,
    /// Seconds the server's authorization codes live (default 60; 10 to 600): paced
    /// flows are admitted so that each code is redeemed well within it.
    #[serde(default = "default_code_lifetime")]
    pub code_lifetime_secs: u64,
}

/// Conservative: RFC 6749 §4.1.2 recommends at most 10 minutes, and some servers
/// give a minute.
fn default_code_lifetime() -> u64 {
    60
}

/// How long grantcheck waits: for one HTTP exchange, and for the whole run.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timeouts {
    /// One request, connect to last byte (default 30 s; 1 to 600).
    #[serde(default = "default_request_secs")]
    pub request_secs: u64,
    /// The whole run against this target (default 1800 s); scenarios still running
    /// then are stopped and reported as blocked.
    #[serde(default = "default_run_secs")]
    pub run_secs: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            request_secs: default_request_secs(),
            run_secs: default_run_secs(),
        }
    }
}

fn default_request_secs() -> u64 {
    30
}
fn default_run_secs() -> u64 {
    1800
}

/// Capabilities a profile states; unset ones are read from the server's metadata.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapabilitiesConfig {
    /// The server is an OpenID provider that publishes OpenID Connect Discovery
    /// metadata under its issuer (default: when `discovery: openid` or `issuer` is set).
    #[serde(default)]
    pub openid_metadata: Option<bool>,
    /// The SMART App Launch version the server is held to (default: v2 when its
    /// configuration lists `permission-v2`, v1 when it has one without, else none).
    #[serde(default)]
    pub smart: Option<SmartVersion>,
    /// The server is an OpenID provider (ID tokens). Default: its metadata is OpenID
    /// metadata or lists the `openid` scope, else the default scopes include `openid`.
    #[serde(default)]
    pub openid: Option<bool>,
    /// The server issues refresh tokens. Default: a client is registered for
    /// `refresh_token`, else the metadata's `grant_types_supported` lists it.
    #[serde(default)]
    pub refresh_tokens: Option<bool>,
    /// The server sends RFC 9207 `iss` in authorization responses, which makes it a
    /// MUST. Default: the metadata's `authorization_response_iss_parameter_supported`.
    #[serde(default)]
    pub iss_parameter: Option<bool>,
    /// The server requires PKCE of every client, confidential ones too (default: no);
    /// the confidential app then sends an S256 challenge like the public one.
    #[serde(default)]
    pub pkce_required: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmartVersion {
    V1,
    V2,
}

/// Bounds on what a server may make grantcheck hold.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Bytes of a response body kept (default 1 MiB); the rest is counted, up to 64
    /// times this, and reported as truncated.
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: default_max_body(),
        }
    }
}

fn default_max_body() -> usize {
    1024 * 1024
}

/// A documented exception: this target is known to differ from a scenario's expectation.
/// It names a scenario (by its `@id:` tag), a check, or both; a failure is a known
/// deviation only when it matches every given field, so an unrelated failure of the
/// same scenario still fails.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Deviation {
    /// The scenario's id (`code-single-use` for `@id:code-single-use`).
    #[serde(default)]
    pub id: Option<String>,
    /// Check name as failures report it (`error_description_is`).
    #[serde(default)]
    pub check: Option<String>,
    /// What the server does instead; the failure message must contain this text.
    pub expected: String,
    pub reason: String,
}

impl Deviation {
    /// True when this deviation explains one failure of `scenario`: every field it
    /// gives matches (the check by name, `expected` within what the failure says).
    pub fn explains(&self, scenario_id: &str, failure: &crate::verdict::Finding) -> bool {
        self.id.as_deref().is_none_or(|s| s == scenario_id)
            && self
                .check
                .as_deref()
                .is_none_or(|c| failure.check.as_deref() == Some(c))
            && failure.to_string().contains(&self.expected)
    }
}
