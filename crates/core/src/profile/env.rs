//! `${ENV_VAR}` references. Resolved after parsing, so a value never reaches a
//! deserializer error message; a missing variable is reported where it is referenced.

use std::path::Path;

use rand::Rng;

use super::spans::Spans;
use super::{ProfileError, ProfileFile};

pub(super) fn is_reference(value: &str) -> bool {
    let v = value.trim();
    v.starts_with("${") && v.ends_with('}') && v.matches("${").count() == 1
}

pub(super) struct Resolver<'a> {
    path: &'a Path,
    text: &'a str,
    spans: &'a Spans,
    emulated: bool,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    pub secrets: Vec<String>,
    pub generated: Vec<String>,
    /// Every variable name the profile references, in order of first use (a fleet
    /// file's columns must be among them).
    pub referenced: Vec<String>,
    /// The variables that hold secrets (a fleet file may only point at them).
    pub secret_vars: Vec<String>,
    /// Every reference to an unset variable, each where it is written: all of them are
    /// reported at once, so one look at the error says what to export.
    pub missing: Vec<ProfileError>,
}

impl<'a> Resolver<'a> {
    pub fn new(
        path: &'a Path,
        text: &'a str,
        spans: &'a Spans,
        emulated: bool,
        lookup: &'a dyn Fn(&str) -> Option<String>,
    ) -> Self {
        Self {
            path,
            text,
            spans,
            emulated,
            lookup,
            secrets: Vec::new(),
            generated: Vec::new(),
            referenced: Vec::new(),
            secret_vars: Vec::new(),
            missing: Vec::new(),
        }
    }

    pub fn resolve_profile(&mut self, spec: &mut ProfileFile) -> Result<(), ProfileError> {
        for (key, value) in [
            ("base_url", &mut spec.base_url),
            ("issuer", &mut spec.issuer),
            ("aud", &mut spec.aud),
            ("tenant", &mut spec.tenant),
        ] {
            if let Some(v) = value {
                *v = self.resolve(v, false, &[key])?;
            }
        }
        let e = &mut spec.endpoints;
        for (key, value) in [
            ("authorize", &mut e.authorize),
            ("token", &mut e.token),
            ("keys", &mut e.keys),
            ("introspect", &mut e.introspect),
            ("revoke", &mut e.revoke),
            ("logout", &mut e.logout),
            ("fhir_base", &mut e.fhir_base),
            ("userinfo", &mut e.userinfo),
        ] {
            if let Some(v) = value {
                *v = self.resolve(v, false, &["endpoints", key])?;
            }
        }
        spec.redirect_uri = self.resolve(&spec.redirect_uri, false, &["redirect_uri"])?;
        if let Some(p) = &mut spec.post_logout_redirect_uri {
            *p = self.resolve(p, false, &["post_logout_redirect_uri"])?;
        }
        for (role, client) in spec.clients.iter_mut() {
            let role = role.as_str();
            client.id = self.resolve(&client.id, false, &["clients", role, "id"])?;
            if let Some(secret) = &mut client.secret {
                *secret = self.resolve(secret, true, &["clients", role, "secret"])?;
            }
        }
        for (role, user) in spec.users.iter_mut() {
            user.username = self.resolve(&user.username, false, &["users", role, "username"])?;
            user.password = self.resolve(&user.password, true, &["users", role, "password"])?;
        }
        if let Some(refresh) = &mut spec.login.refresh
            && let Some(token) = &mut refresh.token
        {
            *token = self.resolve(token, true, &["login", "refresh", "token"])?;
        }
        // A `fill` value may hold a `${VAR}` (a second factor, a tenant name): its value
        // is treated as a secret, since nothing says it is not. `${user.…}` is the
        // driver's, filled in at sign-in.
        if let Some(browser) = &mut spec.login.browser {
            for (i, step) in browser.steps.iter_mut().flatten().enumerate() {
                if let super::BrowserStep::Fill(fill) = step {
                    let i = i.to_string();
                    let at = ["login", "browser", "steps", &i, "fill", "value"];
                    let secret = references_variable(&fill.value);
                    fill.value = self.resolve(&fill.value, secret, &at)?;
                }
            }
        }
        // An emulated fleet's gateways differ in practice and brand, so the emulated
        // user's portal access follows the same variables as `aud`.
        if let Some(emulator) = &mut spec.emulator {
            for (role, list) in emulator.portal_access.iter_mut() {
                for (i, access) in list.iter_mut().enumerate() {
                    let i = i.to_string();
                    let at = |field| ["emulator", "portal_access", role, &i, field];
                    access.practice = self.resolve(&access.practice, false, &at("practice"))?;
                    access.brand = self.resolve(&access.brand, false, &at("brand"))?;
                    access.patient = self.resolve(&access.patient, false, &at("patient"))?;
                }
            }
        }
        Ok(())
    }

    /// Replaces every `${NAME}` in `value`, the setting at `path`; a problem is placed
    /// at its reference within the value.
    fn resolve(
        &mut self,
        value: &str,
        secret: bool,
        path: &[&str],
    ) -> Result<String, ProfileError> {
        let mut out = String::new();
        let mut rest = value;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let at = (path, value, value.len() - rest.len() + start);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                return Err(self.error(at, "unterminated `${` reference".into()));
            };
            // `${NAME:-default}`: the default when NAME is unset or empty (a public
            // value such as a host, never a secret: it is written in the profile).
            let (name, default) = match after[..end].split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (&after[..end], None),
            };
            if secret && default.is_some() {
                return Err(self.error(
                    at,
                    "a secret cannot have a default (`:-`): it would be written in the profile"
                        .into(),
                ));
            }
            if super::USER_PLACEHOLDERS.contains(&name) {
                out.push_str(&rest[start..start + 2 + end + 1]);
                rest = &after[end + 1..];
                continue;
            }
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(self.error(
                    at,
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
                    let e = self.error(
                        at,
                        format!("environment variable `{name}` is not set (referenced here)"),
                    );
                    self.missing.push(e);
                    String::new()
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

    /// An error about the part of `value` (the setting at `path`) from `offset` on.
    fn error(
        &self,
        (path, value, offset): (&[&str], &str, usize),
        message: String,
    ) -> ProfileError {
        let place = self.spans.within(self.text, path, value, offset);
        ProfileError::at(self.path, place, message)
    }
}

/// Whether `value` references an environment variable (not only the user's
/// placeholders).
fn references_variable(value: &str) -> bool {
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let name = after.split('}').next().unwrap_or(after);
        if !super::USER_PLACEHOLDERS.contains(&name) {
            return true;
        }
        rest = after;
    }
    false
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
