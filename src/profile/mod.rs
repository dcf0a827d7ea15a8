//! Profiles: one YAML file per target. Loading reports every problem as
//! `file:line:col: message` and resolves `${ENV_VAR}` references after parsing, so
//! that a secret's value never appears in a parse error.

mod env;
pub mod schema;

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
}

impl Profile {
    pub fn is_emulated(&self) -> bool {
        self.spec.emulator.is_some()
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

/// Loads and resolves a profile, reading variables from the process environment.
pub fn load(path: &Path) -> Result<Profile, ProfileError> {
    load_with_env(path, &|name| std::env::var(name).ok())
}

/// Loads a profile with an explicit variable source (tests use this).
pub fn load_with_env(
    path: &Path,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Profile, ProfileError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ProfileError::at(path, None, format!("cannot read profile: {e}")))?;
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
    validate(path, text, &spec)?;
    load_assertion_keys(path, text, &mut spec)?;
    let mut resolver = env::Resolver::new(path, text, spec.emulator.is_some(), lookup);
    resolver.resolve_profile(&mut spec)?;
    Ok(Profile {
        name,
        path: path.to_path_buf(),
        spec,
        secrets: resolver.secrets,
        generated_vars: resolver.generated,
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
    match line.find(" at line ") {
        Some(i) => line[..i].to_string(),
        None => line.to_string(),
    }
}

/// Reads each `private_key_jwt` client's key file (relative to the profile), so a
/// missing or unreadable key is a profile error with its location, before any request.
fn load_assertion_keys(
    path: &Path,
    text: &str,
    spec: &mut ProfileFile,
) -> Result<(), ProfileError> {
    for (role, client) in spec.clients.iter_mut() {
        if client.auth != AuthMethod::PrivateKeyJwt {
            continue;
        }
        let at = |needle: &str| env::position_of(text, needle);
        let (Some(file), Some(kid)) = (&client.private_key_file, &client.key_id) else {
            return Err(ProfileError::at(
                path,
                at(&format!("{role}:")),
                format!(
                    "`clients.{role}`: auth `private_key_jwt` needs `private_key_file` and `key_id`"
                ),
            ));
        };
        let key_path = path.parent().unwrap_or(Path::new(".")).join(file);
        let pem = std::fs::read(&key_path).map_err(|e| {
            ProfileError::at(
                path,
                at(file),
                format!(
                    "`clients.{role}.private_key_file`: cannot read {}: {e}",
                    key_path.display()
                ),
            )
        })?;
        let key = crate::oauth::assertion::AssertionKey::from_pem(kid, &pem).map_err(|e| {
            ProfileError::at(
                path,
                at(file),
                format!("`clients.{role}.private_key_file`: {e}"),
            )
        })?;
        client.assertion_key = Some(key);
    }
    Ok(())
}

/// Semantic rules the schema cannot express.
fn validate(path: &Path, text: &str, spec: &ProfileFile) -> Result<(), ProfileError> {
    for (role, client) in &spec.clients {
        let field = format!("clients.{role}.secret");
        match (&client.secret, client.auth) {
            (None, AuthMethod::ClientSecretPost | AuthMethod::ClientSecretBasic) => {
                return Err(ProfileError::at(
                    path,
                    env::position_of(text, &format!("{role}:")),
                    format!("`{field}` is required for auth `{}`", client.auth.as_str()),
                ));
            }
            (Some(secret), _) if !env::is_reference(secret) => {
                return Err(ProfileError::at(
                    path,
                    env::position_of(text, secret),
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
                env::position_of(text, &user.password),
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
            Some(Discovery::Openid) => absolute(&spec.issuer),
            None => false,
        };
        let explicit = absolute(&spec.endpoints.authorize) && absolute(&spec.endpoints.token);
        if !(discoverable || explicit) {
            return Err(ProfileError::at(
                path,
                env::position_of(text, "endpoints:"),
                "a live profile needs `base_url`, absolute `endpoints.authorize` and \
                 `endpoints.token`, or `discovery` with an absolute `endpoints.fhir_base` \
                 (smart) or `issuer` (openid)",
            ));
        }
    }
    if spec.discovery == Some(Discovery::Smart) && spec.endpoints.fhir_base.is_none() {
        return Err(ProfileError::at(
            path,
            env::position_of(text, "discovery:"),
            "`discovery: smart` needs `endpoints.fhir_base`",
        ));
    }
    if let Some(emu) = &spec.emulator
        && !crate::emulators::VENDORS.contains(&emu.vendor.as_str())
    {
        return Err(ProfileError::at(
            path,
            env::position_of(text, &emu.vendor),
            format!(
                "`emulator.vendor`: no emulator named `{}` (available: {})",
                emu.vendor,
                crate::emulators::VENDORS.join(", ")
            ),
        ));
    }
    if !spec.users.contains_key(&spec.login.user) && spec.login.method == LoginMethod::Form {
        return Err(ProfileError::at(
            path,
            env::position_of(text, "login:"),
            format!(
                "`login.user` names user role `{}`, which is not under `users`",
                spec.login.user
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
