//! Profiles: one YAML file per target. Loading reports every problem as
//! `file:line:col: message` and resolves `${ENV_VAR}` references after parsing, so
//! that a secret's value never appears in a parse error.

mod env;
pub mod fleet;
pub mod schema;
mod spans;

use std::fmt;
use std::path::{Path, PathBuf};

pub use schema::*;

/// A loaded profile with every `${VAR}` resolved.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub path: PathBuf,
    pub spec: ProfileFile,
    /// Resolved secret values (client secrets, passwords), for redaction.
    pub secrets: Vec<String>,
    /// Variables that were unset and got a generated value (emulated profiles only).
    pub generated_vars: Vec<String>,
    /// Every `${VAR}` the profile references, and those of them that hold secrets.
    pub variables: Vec<String>,
    pub secret_variables: Vec<String>,
    /// Set when the profile was made from a row of a fleet file: the tenant's name.
    pub tenant: Option<String>,
    /// Where each setting is written, for errors found after loading.
    spans: spans::Spans,
}

impl Profile {
    pub fn is_emulated(&self) -> bool {
        self.spec.emulator.is_some()
    }

    /// `file:line:col` of the key naming the setting at `key_path` (a sequence entry
    /// by its 0-based index: `["deviations", "3", "id"]`), for an error about that
    /// setting found after loading; of its deepest written part when the path goes on
    /// beyond what is written, and the file alone when nothing of it is. Places come
    /// from the text this profile was loaded from, not from the file as it is now.
    pub fn place_of(&self, key_path: &[&str]) -> String {
        ProfileError::at(&self.path, self.spans.key(key_path), "")
            .to_string()
            .trim_end_matches(": ")
            .to_string()
    }

    /// The folder of this target's baselines, relative to the snapshot directory: the
    /// profile's own, or for a fleet's tenant its own folder under the profile's, so
    /// drift is judged per tenant.
    pub fn baseline_folder(&self) -> String {
        match &self.tenant {
            Some(tenant) => {
                let profile = self.name.split('@').next().unwrap_or(&self.name);
                format!("{profile}/tenants/{tenant}")
            }
            None => self.name.clone(),
        }
    }
}

/// A configuration error: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError {
    pub file: PathBuf,
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ProfileError {}

impl ProfileError {
    /// One error standing for several: the first, located, followed by each of the
    /// others on a line of its own, also located. `None` for none.
    fn all_of(errors: Vec<ProfileError>) -> Option<Self> {
        let mut errors = errors.into_iter();
        let mut first = errors.next()?;
        let rest: Vec<String> = errors.map(|e| e.to_string()).collect();
        if !rest.is_empty() {
            first.message = format!(
                "{} ({} problems; the others follow)\n{}",
                first.message,
                rest.len() + 1,
                rest.join("\n")
            );
        }
        Some(first)
    }

    fn at(file: &Path, pos: Option<(u64, u64)>, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            message: message.into(),
        }
    }
}

/// Finds a profile by name (`profiles/NAME.yaml`) or path.
pub fn locate(root: &Path, name_or_path: &str) -> Result<PathBuf, String> {
    let as_path = Path::new(name_or_path);
    let looks_like_path = name_or_path.contains('/')
        || name_or_path.ends_with(".yaml")
        || name_or_path.ends_with(".yml");
    if looks_like_path {
        return if as_path.is_file() {
            Ok(as_path.to_path_buf())
        } else {
            Err(format!("profile file `{name_or_path}` does not exist"))
        };
    }
    for ext in ["yaml", "yml"] {
        let candidate = root.join("profiles").join(format!("{name_or_path}.{ext}"));
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    let known = list(root)
        .map(|v| {
            v.iter()
                .filter_map(|p| p.file_stem()?.to_str().map(str::to_owned))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    Err(format!(
        "no profile named `{name_or_path}` in {} (known: {known})",
        root.join("profiles").display()
    ))
}

/// Every profile file in `profiles/`, sorted.
pub fn list(root: &Path) -> Result<Vec<PathBuf>, String> {
    let dir = root.join("profiles");
    let entries =
        std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    out.sort();
    Ok(out)
}

/// The largest profile file read (a real one is a few KB).
const MAX_PROFILE: u64 = 1024 * 1024;

/// Loads and resolves a profile, reading variables from the process environment.
pub fn load(path: &Path) -> Result<Profile, ProfileError> {
    load_with_env(path, &|name| std::env::var(name).ok())
}

/// Loads a profile with an explicit variable source (tests use this).
pub fn load_with_env(
    path: &Path,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Profile, ProfileError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| ProfileError::at(path, None, format!("cannot read profile: {e}")))?;
    if meta.is_dir() {
        return Err(ProfileError::at(
            path,
            None,
            "is a directory, not a profile file",
        ));
    }
    if !meta.is_file() {
        return Err(ProfileError::at(
            path,
            None,
            "is not a regular file (a FIFO or device cannot be a profile)",
        ));
    }
    if meta.len() > MAX_PROFILE {
        return Err(ProfileError::at(
            path,
            None,
            format!(
                "is {} bytes; a profile is at most {MAX_PROFILE}",
                meta.len()
            ),
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| ProfileError::at(path, None, format!("cannot read profile: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let col = valid.iter().rev().take_while(|&&b| b != b'\n').count() as u64 + 1;
        ProfileError::at(path, Some((line, col)), "not valid UTF-8 text")
    })?;
    parse(path, &text, lookup)
}

/// Parses profile text (`path` is used for messages and the default name).
pub fn parse(
    path: &Path,
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Profile, ProfileError> {
    let mut spec: ProfileFile = serde_saphyr::from_str(text).map_err(|e| {
        let pos = e.location().map(|l| (l.line(), l.column()));
        ProfileError::at(path, pos, first_line(&e.to_string()))
    })?;
    let name = spec.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("profile")
            .to_string()
    });
    let spans = spans::Spans::parse(text);
    validate(path, &spans, &spec)?;
    load_assertion_keys(path, &spans, &mut spec)?;
    let mut resolver = env::Resolver::new(path, text, &spans, spec.emulator.is_some(), lookup);
    resolver.resolve_profile(&mut spec)?;
    if let Some(e) = ProfileError::all_of(std::mem::take(&mut resolver.missing)) {
        return Err(e);
    }
    let mut secrets = resolver.secrets;
    if let Some(token) = read_refresh_token_file(path, &spans, &mut spec)? {
        secrets.push(token);
    }
    Ok(Profile {
        name,
        path: path.to_path_buf(),
        spec,
        secrets,
        generated_vars: resolver.generated,
        variables: resolver.referenced,
        secret_variables: resolver.secret_vars,
        tenant: None,
        spans,
    })
}

/// serde-saphyr renders a multi-line snippet; the first line carries the message and
/// our own prefix carries the location.
fn first_line(rendered: &str) -> String {
    let mut line = rendered.lines().next().unwrap_or(rendered).trim();
    line = line.strip_prefix("error: ").unwrap_or(line);
    // Drop the renderer's own "line X column Y: " / " at line X column Y"; we print
    // the location in front of the message.
    if line.starts_with("line ")
        && let Some(i) = line.find(": ")
    {
        line = &line[i + 2..];
    }
    let line = match line.find(" at line ") {
        Some(i) => &line[..i],
        None => line,
    };
    plain_parser_message(line)
}

/// The YAML parser's words for a few limits name its own options; say what they mean
/// for a profile instead.
fn plain_parser_message(line: &str) -> String {
    let lower = line.to_ascii_lowercase();
    if lower.contains("duplicate") {
        "a key appears twice in the same mapping".into()
    } else if lower.contains("budget") || lower.contains("nodes {") {
        "the document is too large or too deeply nested for a profile".into()
    } else if lower.contains("recursion") || lower.contains("depth") {
        "the document is nested too deeply for a profile".into()
    } else if lower.contains("alias") && lower.contains("limit") {
        "the document expands too many aliases for a profile".into()
    } else {
        line.to_string()
    }
}

/// The largest key file read; an RSA-4096 PEM is about 3.3 KB.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// Reads each `private_key_jwt` client's key file (relative to the profile), so a
/// missing or unreadable key is a profile error with its location, before any request.
fn load_assertion_keys(
    path: &Path,
    spans: &spans::Spans,
    spec: &mut ProfileFile,
) -> Result<(), ProfileError> {
    for (role, client) in spec.clients.iter_mut() {
        if client.auth != AuthMethod::PrivateKeyJwt {
            continue;
        }
        let at_file = spans.value(&["clients", role.as_str(), "private_key_file"]);
        let (Some(file), Some(kid)) = (&client.private_key_file, &client.key_id) else {
            return Err(ProfileError::at(
                path,
                spans.key(&["clients", role.as_str()]),
                format!(
                    "`clients.{role}`: auth `private_key_jwt` needs `private_key_file` and `key_id`"
                ),
            ));
        };
        let key_path = path.parent().unwrap_or(Path::new(".")).join(file);
        let unreadable = |e: std::io::Error| {
            ProfileError::at(
                path,
                at_file,
                format!(
                    "`clients.{role}.private_key_file`: cannot read {}: {e}",
                    key_path.display()
                ),
            )
        };
        // A FIFO would hang the read and /dev/zero would never end: look first.
        let meta = std::fs::metadata(&key_path).map_err(unreadable)?;
        if !meta.is_file() || meta.len() > MAX_KEY_FILE {
            return Err(ProfileError::at(
                path,
                at_file,
                format!(
                    "`clients.{role}.private_key_file`: {} is not a PEM key file (a regular \
                     file of at most {MAX_KEY_FILE} bytes)",
                    key_path.display()
                ),
            ));
        }
        let pem = std::fs::read(&key_path).map_err(unreadable)?;
        let key = crate::oauth::assertion::AssertionKey::from_pem(kid, &pem).map_err(|e| {
            ProfileError::at(
                path,
                at_file,
                format!("`clients.{role}.private_key_file`: {e}"),
            )
        })?;
        client.assertion_key = Some(key);
    }
    Ok(())
}

/// Semantic rules the schema cannot express. A value wrong in itself is placed at the
/// value; a setting wrong in relation to another (it needs one, or names something that
/// is not there) at its key (see `spans`).
fn validate(path: &Path, spans: &spans::Spans, spec: &ProfileFile) -> Result<(), ProfileError> {
    if let Some(name) = &spec.name
        && !is_safe_name(name)
    {
        return Err(ProfileError::at(
            path,
            spans.value(&["name"]),
            format!(
                "`name` {name:?} names folders under snapshots/ and reports: use letters, \
                 digits, `.`, `-` and `_` only, not starting with `.`"
            ),
        ));
    }
    if let Some(r) = &spec.rate_limit {
        for (key, n) in [
            ("per_minute", r.per_minute),
            ("token_per_minute", r.token_per_minute),
        ] {
            if n == Some(0) {
                return Err(ProfileError::at(
                    path,
                    spans.value(&["rate_limit", key]),
                    format!("`rate_limit.{key}` must be at least 1 (leave it out for no pacing)"),
                ));
            }
        }
        if r.per_minute.is_none() && r.token_per_minute.is_none() {
            return Err(ProfileError::at(
                path,
                spans.key(&["rate_limit"]),
                "`rate_limit` names no limit: give `per_minute`, `token_per_minute` or both \
                 (leave `rate_limit` out for no pacing)",
            ));
        }
        if !(10..=600).contains(&r.code_lifetime_secs) {
            return Err(ProfileError::at(
                path,
                spans.value(&["rate_limit", "code_lifetime_secs"]),
                "`rate_limit.code_lifetime_secs` must be between 10 and 600 (RFC 6749 \
                 §4.1.2 recommends codes live at most 10 minutes)",
            ));
        }
    }
    if let Some(e) = &spec.emulator
        && e.latency_ms > 10_000
    {
        return Err(ProfileError::at(
            path,
            spans.value(&["emulator", "latency_ms"]),
            "`emulator.latency_ms` must be at most 10000",
        ));
    }
    if !(1..=64).contains(&spec.login.sessions) {
        return Err(ProfileError::at(
            path,
            spans.value(&["login", "sessions"]),
            "`login.sessions` must be between 1 and 64",
        ));
    }
    if !(1..=64).contains(&spec.login.flows_per_session) {
        return Err(ProfileError::at(
            path,
            spans.value(&["login", "flows_per_session"]),
            "`login.flows_per_session` must be between 1 and 64",
        ));
    }
    if !(10..=3600).contains(&spec.login.manual_timeout_secs) {
        return Err(ProfileError::at(
            path,
            spans.value(&["login", "manual_timeout_secs"]),
            "`login.manual_timeout_secs` must be between 10 and 3600",
        ));
    }
    if let Some(t) = &spec.timeouts {
        if !(1..=600).contains(&t.request_secs) {
            return Err(ProfileError::at(
                path,
                spans.value(&["timeouts", "request_secs"]),
                "`timeouts.request_secs` must be between 1 and 600",
            ));
        }
        if !(1..=86_400).contains(&t.run_secs) {
            return Err(ProfileError::at(
                path,
                spans.value(&["timeouts", "run_secs"]),
                "`timeouts.run_secs` must be between 1 and 86400",
            ));
        }
    }
    if let Some(l) = &spec.limits
        && !(1024..=256 * 1024 * 1024).contains(&l.max_body_bytes)
    {
        return Err(ProfileError::at(
            path,
            spans.value(&["limits", "max_body_bytes"]),
            "`limits.max_body_bytes` must be between 1024 and 268435456",
        ));
    }
    for (i, folder) in spec.features.iter().flatten().enumerate() {
        let p = Path::new(folder);
        if p.is_absolute()
            || p.components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(ProfileError::at(
                path,
                spans.value(&["features", &i.to_string()]),
                format!(
                    "`features` entry {folder:?} must be a folder under features/ \
                     (relative, without `..`)"
                ),
            ));
        }
    }
    for (role, client) in &spec.clients {
        let field = format!("clients.{role}.secret");
        match (&client.secret, client.auth) {
            (None, AuthMethod::ClientSecretPost | AuthMethod::ClientSecretBasic) => {
                return Err(ProfileError::at(
                    path,
                    spans.key(&["clients", role.as_str()]),
                    format!("`{field}` is required for auth `{}`", client.auth.as_str()),
                ));
            }
            (Some(secret), _) if !env::is_reference(secret) => {
                return Err(ProfileError::at(
                    path,
                    spans.value(&["clients", role.as_str(), "secret"]),
                    format!(
                        "`{field}` must be an environment reference like `${{MY_SECRET}}`, \
                         never a literal secret"
                    ),
                ));
            }
            _ => {}
        }
    }
    for (role, user) in &spec.users {
        if !env::is_reference(&user.password) {
            return Err(ProfileError::at(
                path,
                spans.value(&["users", role, "password"]),
                format!(
                    "`users.{role}.password` must be an environment reference like \
                     `${{TEST_USER_PASSWORD}}`, never a literal"
                ),
            ));
        }
    }
    // Before resolution a `${VAR}` may hold an absolute URL; it is checked when used.
    let absolute = |e: &Option<String>| {
        e.as_deref()
            .is_some_and(|u| u.starts_with("http") || u.starts_with("${"))
    };
    if spec.emulator.is_none() && spec.base_url.is_none() {
        let discoverable = match spec.discovery {
            Some(Discovery::Smart) => absolute(&spec.endpoints.fhir_base),
            Some(Discovery::Openid | Discovery::Oauth) => absolute(&spec.issuer),
            None => false,
        };
        let explicit = absolute(&spec.endpoints.authorize) && absolute(&spec.endpoints.token);
        if !(discoverable || explicit) {
            return Err(ProfileError::at(
                path,
                spans.key(&["endpoints"]),
                "a live profile needs `base_url`, absolute `endpoints.authorize` and \
                 `endpoints.token`, or `discovery` with an absolute `endpoints.fhir_base` \
                 (smart) or `issuer` (openid, oauth)",
            ));
        }
    }
    if spec.discovery == Some(Discovery::Smart) && spec.endpoints.fhir_base.is_none() {
        return Err(ProfileError::at(
            path,
            spans.key(&["discovery"]),
            "`discovery: smart` needs `endpoints.fhir_base`",
        ));
    }
    if let Some(emu) = &spec.emulator
        && !crate::emulators::names().contains(&emu.vendor.as_str())
    {
        return Err(ProfileError::at(
            path,
            spans.key(&["emulator", "vendor"]),
            format!(
                "`emulator.vendor`: no emulator named `{}` (available: {})",
                emu.vendor,
                crate::emulators::names().join(", ")
            ),
        ));
    }
    // What `run` would refuse when it creates the emulator, `lint` refuses here.
    if let Some(emu) = &spec.emulator {
        let parts = crate::emulators::reference::Part::ALL;
        for (i, w) in emu.without.iter().enumerate() {
            let known = parts.iter().any(|p| p.name() == w.as_str());
            if emu.vendor != "reference" || !known {
                return Err(ProfileError::at(
                    path,
                    spans.key(&["emulator", "without", &i.to_string()]),
                    format!(
                        "`emulator.without: {w}`: only the reference emulator can leave parts \
                         out, and only these: {}",
                        parts
                            .iter()
                            .map(|p| p.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
    }
    if let Some(emu) = &spec.emulator
        && emu.sign_in == SignIn::Script
        && !crate::emulators::offers_script_sign_in(&emu.vendor)
    {
        return Err(ProfileError::at(
            path,
            spans.value(&["emulator", "sign_in"]),
            format!(
                "`emulator.sign_in: script`: only the EHR vendors' emulators ({}) build their \
                 sign-in page with a script, not `{}`",
                crate::vendors::ids().collect::<Vec<_>>().join(", "),
                emu.vendor
            ),
        ));
    }
    validate_browser(path, spans, &spec.login)?;
    validate_refresh(path, spans, spec)?;
    if !spec.users.contains_key(&spec.login.user) && spec.login.method.is_automated() {
        return Err(ProfileError::at(
            path,
            spans.key(&["login", "user"]),
            format!(
                "`login.user` names user role `{}`, which is not under `users`",
                spec.login.user
            ),
        ));
    }
    Ok(())
}

/// The largest refresh token file read (tokens are a few hundred bytes).
const MAX_TOKEN_FILE: u64 = 16 * 1024;

/// `login.refresh.token_file`: read at load (relative to the profile), so a missing or
/// empty file stops the run before any request; the token goes into `token`.
fn read_refresh_token_file(
    path: &Path,
    spans: &spans::Spans,
    spec: &mut ProfileFile,
) -> Result<Option<String>, ProfileError> {
    let Some(refresh) = &mut spec.login.refresh else {
        return Ok(None);
    };
    let Some(file) = &refresh.token_file else {
        return Ok(None);
    };
    let at = spans.value(&["login", "refresh", "token_file"]);
    let file_path = path.parent().unwrap_or(Path::new(".")).join(file);
    let bad = |why: String| {
        ProfileError::at(
            path,
            at,
            format!("`login.refresh.token_file`: {}: {why}", file_path.display()),
        )
    };
    // A FIFO would hang the read: look first.
    let meta = std::fs::metadata(&file_path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    if !meta.is_file() || meta.len() > MAX_TOKEN_FILE {
        return Err(bad(format!(
            "not a token file (a regular file of at most {MAX_TOKEN_FILE} bytes)"
        )));
    }
    let text =
        std::fs::read_to_string(&file_path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let token = text.trim();
    if token.is_empty() || token.contains(char::is_whitespace) {
        return Err(bad(
            "it must hold one refresh token on one line (sign in once and save the token \
             the server issued)"
                .into(),
        ));
    }
    refresh.token = Some(token.to_string());
    Ok(Some(token.to_string()))
}

/// `login.refresh`: needed by `method: refresh` and read by it alone; one token source
/// (a `${VAR}`, never a literal, or a file) for a client the profile registers.
fn validate_refresh(
    path: &Path,
    spans: &spans::Spans,
    spec: &ProfileFile,
) -> Result<(), ProfileError> {
    let login = &spec.login;
    let refresh = match (&login.refresh, login.method) {
        (None, LoginMethod::Refresh) => {
            return Err(ProfileError::at(
                path,
                spans.value(&["login", "method"]),
                "`method: refresh` needs `login.refresh` with the refresh token (`token: \
                 ${VAR}` or `token_file`) and the client it was issued to",
            ));
        }
        (None, _) => return Ok(()),
        (Some(_), m) if m != LoginMethod::Refresh => {
            return Err(ProfileError::at(
                path,
                spans.key(&["login", "refresh"]),
                format!(
                    "`login.refresh` is read only with `method: refresh` (this profile's method \
                     is `{}`)",
                    m.as_str()
                ),
            ));
        }
        (Some(r), _) => r,
    };
    match (&refresh.token, &refresh.token_file) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(ProfileError::at(
                path,
                spans.key(&["login", "refresh"]),
                "`login.refresh` takes exactly one of `token` (a `${VAR}`) and `token_file`",
            ));
        }
        (Some(t), None) if !env::is_reference(t) => {
            return Err(ProfileError::at(
                path,
                spans.value(&["login", "refresh", "token"]),
                "`login.refresh.token` must be an environment reference like \
                 `${REFRESH_TOKEN}`, never a literal",
            ));
        }
        _ => {}
    }
    if !spec.clients.contains_key(&refresh.client) {
        return Err(ProfileError::at(
            path,
            spans.value(&["login", "refresh", "client"]),
            format!(
                "`login.refresh.client` names client role `{}`, which is not under `clients`",
                refresh.client
            ),
        ));
    }
    Ok(())
}

/// `login.browser`: read only by the browser driver; each step names its element in
/// exactly one way; `fill` values use only the placeholders there are.
fn validate_browser(
    path: &Path,
    spans: &spans::Spans,
    login: &LoginConfig,
) -> Result<(), ProfileError> {
    let Some(browser) = &login.browser else {
        return Ok(());
    };
    if login.method != LoginMethod::Browser {
        return Err(ProfileError::at(
            path,
            spans.key(&["login", "browser"]),
            format!(
                "`login.browser` is read only with `method: browser` (this profile's method \
                 is `{}`)",
                login.method.as_str()
            ),
        ));
    }
    if !(1..=300).contains(&browser.timeout_secs) {
        return Err(ProfileError::at(
            path,
            spans.value(&["login", "browser", "timeout_secs"]),
            "`login.browser.timeout_secs` must be between 1 and 300",
        ));
    }
    let Some(steps) = &browser.steps else {
        return Ok(());
    };
    if steps.is_empty() {
        return Err(ProfileError::at(
            path,
            spans.value(&["login", "browser", "steps"]),
            "`login.browser.steps` is empty: leave it out for the default steps",
        ));
    }
    for (i, step) in steps.iter().enumerate() {
        let index = i.to_string();
        let kind = step.kind();
        let at = spans.key(&["login", "browser", "steps", &index, kind]);
        let err = |message: String| {
            Err(ProfileError::at(
                path,
                at,
                format!("`login.browser.steps[{i}].{kind}`: {message}"),
            ))
        };
        let ways = |options: &[(&str, &Option<String>)]| -> Result<(), String> {
            let given: Vec<&str> = options
                .iter()
                .filter(|(_, v)| v.is_some())
                .map(|(k, _)| *k)
                .collect();
            let names = options
                .iter()
                .map(|(k, _)| format!("`{k}`"))
                .collect::<Vec<_>>();
            match given.as_slice() {
                [one]
                    if options.iter().any(|(k, v)| {
                        k == one && v.as_deref().is_some_and(|v| !v.trim().is_empty())
                    }) =>
                {
                    Ok(())
                }
                [one] => Err(format!("`{one}` is empty")),
                [] => Err(format!("give one of {}", names.join(", "))),
                _ => Err(format!("give only one of {}", names.join(", "))),
            }
        };
        let checked = match step {
            BrowserStep::WaitFor(w) => ways(&[
                ("css", &w.css),
                ("xpath", &w.xpath),
                ("url_contains", &w.url_contains),
            ]),
            BrowserStep::Fill(f) => ways(&[("css", &f.css), ("xpath", &f.xpath)]).and_then(|()| {
                let mut rest = f.value.as_str();
                while let Some(start) = rest.find("${") {
                    let after = &rest[start + 2..];
                    let name = after.split('}').next().unwrap_or(after);
                    if let Some(field) = name.strip_prefix("user.")
                        && !USER_PLACEHOLDERS.contains(&name)
                    {
                        return Err(format!(
                            "`${{user.{field}}}` is not a placeholder: use `${{user.username}}` \
                             or `${{user.password}}`"
                        ));
                    }
                    rest = after;
                }
                Ok(())
            }),
            BrowserStep::Click(s) | BrowserStep::Submit(s) => {
                ways(&[("css", &s.css), ("xpath", &s.xpath)])
            }
            BrowserStep::Consent(c) => [&c.approve, &c.deny]
                .into_iter()
                .flatten()
                .try_for_each(|s| ways(&[("css", &s.css), ("xpath", &s.xpath)])),
        };
        if let Err(m) = checked {
            return err(m);
        }
    }
    Ok(())
}

/// A profile name usable as a folder name anywhere: no separators, no `..`.
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

#[cfg(test)]
mod tests;
