//! `${ENV_VAR}` references. Resolved after parsing, so a value never reaches a
//! deserializer error message; a missing variable is reported where it is referenced.

use std::path::Path;

use rand::Rng;

use super::{ProfileError, ProfileFile};

pub(super) fn is_reference(value: &str) -> bool {
    let v = value.trim();
    v.starts_with("${") && v.ends_with('}') && v.matches("${").count() == 1
}

/// 1-based line and column of the first occurrence of `needle` in `text` outside a
/// YAML comment (a profile's header comment often names the same values).
pub(super) fn position_of(text: &str, needle: &str) -> Option<(u64, u64)> {
    if needle.is_empty() {
        return None;
    }
    let offset = text.match_indices(needle).map(|(i, _)| i).find(|&i| {
        let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
        !text[line_start..i].contains('#')
    })?;
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64 + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    Some((line, col))
}

pub(super) struct Resolver<'a> {
    path: &'a Path,
    text: &'a str,
    emulated: bool,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    pub secrets: Vec<String>,
    pub generated: Vec<String>,
    /// Every variable name the profile references, in order of first use (a fleet
    /// file's columns must be among them).
    pub referenced: Vec<String>,
    /// The variables that hold secrets (a fleet file may only point at them).
    pub secret_vars: Vec<String>,
}

impl<'a> Resolver<'a> {
    pub fn new(
        path: &'a Path,
        text: &'a str,
        emulated: bool,
        lookup: &'a dyn Fn(&str) -> Option<String>,
    ) -> Self {
        Self {
            path,
            text,
            emulated,
            lookup,
            secrets: Vec::new(),
            generated: Vec::new(),
            referenced: Vec::new(),
            secret_vars: Vec::new(),
        }
    }

    pub fn resolve_profile(&mut self, spec: &mut ProfileFile) -> Result<(), ProfileError> {
        for value in [
            &mut spec.base_url,
            &mut spec.issuer,
            &mut spec.aud,
            &mut spec.tenant,
        ]
        .into_iter()
        .flatten()
        {
            *value = self.resolve(value, false)?;
        }
        let e = &mut spec.endpoints;
        for value in [
            &mut e.authorize,
            &mut e.token,
            &mut e.keys,
            &mut e.introspect,
            &mut e.revoke,
            &mut e.logout,
            &mut e.fhir_base,
            &mut e.userinfo,
        ]
        .into_iter()
        .flatten()
        {
            *value = self.resolve(value, false)?;
        }
        spec.redirect_uri = self.resolve(&spec.redirect_uri, false)?;
        if let Some(p) = &mut spec.post_logout_redirect_uri {
            *p = self.resolve(p, false)?;
        }
        for client in spec.clients.values_mut() {
            client.id = self.resolve(&client.id, false)?;
            if let Some(secret) = &mut client.secret {
                *secret = self.resolve(secret, true)?;
            }
        }
        for user in spec.users.values_mut() {
            user.username = self.resolve(&user.username, false)?;
            user.password = self.resolve(&user.password, true)?;
        }
        // An emulated fleet's gateways differ in practice and brand, so the emulated
        // user's portal access follows the same variables as `aud`.
        if let Some(emulator) = &mut spec.emulator {
            for access in emulator.portal_access.values_mut().flatten() {
                access.practice = self.resolve(&access.practice, false)?;
                access.brand = self.resolve(&access.brand, false)?;
                access.patient = self.resolve(&access.patient, false)?;
            }
        }
        Ok(())
    }

    /// Replaces every `${NAME}` in `value`.
    fn resolve(&mut self, value: &str, secret: bool) -> Result<String, ProfileError> {
        let mut out = String::new();
        let mut rest = value;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                return Err(self.error(value, "unterminated `${` reference".into()));
            };
            // `${NAME:-default}`: the default when NAME is unset or empty (a public
            // value such as a host, never a secret: it is written in the profile).
            let (name, default) = match after[..end].split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (&after[..end], None),
            };
            if secret && default.is_some() {
                return Err(self.error(
                    &format!("${{{}}}", &after[..end]),
                    "a secret cannot have a default (`:-`): it would be written in the profile"
                        .into(),
                ));
            }
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(self.error(
                    &format!("${{{name}}}"),
                    format!("`${{{name}}}` is not a valid environment variable name"),
                ));
            }
            if !self.referenced.iter().any(|r| r == name) {
                self.referenced.push(name.to_string());
            }
            if secret && !self.secret_vars.iter().any(|r| r == name) {
                self.secret_vars.push(name.to_string());
            }
            let resolved = match ((self.lookup)(name), default) {
                (Some(v), _) if !v.is_empty() => v,
                (_, Some(d)) => d.to_string(),
                _ if self.emulated => {
                    // An emulator accepts whatever the profile says, so an emulated
                    // profile needs no real secret: invent one for this run.
                    self.generated.push(name.to_string());
                    random_value()
                }
                _ => {
                    return Err(self.error(
                        &format!("${{{name}}}"),
                        format!("environment variable `{name}` is not set (referenced here)"),
                    ));
                }
            };
            out.push_str(&resolved);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        if secret && !out.is_empty() {
            self.secrets.push(out.clone());
        }
        Ok(out)
    }

    fn error(&self, needle: &str, message: String) -> ProfileError {
        ProfileError::at(self.path, position_of(self.text, needle), message)
    }
}

fn random_value() -> String {
    let mut rng = rand::rng();
    (0..32)
        .map(|_| {
            let n = rng.random_range(0..36u8);
            char::from(if n < 10 { b'0' + n } else { b'a' + n - 10 })
        })
        .collect()
}
