//! Snapshots of observed payloads, through insta, under `snapshots/<profile>/`.
//!
//! A changed payload fails its scenario with a diff (drift). Volatile values (an API
//! error's `errorId`, the app's own `state`, the emulator's port) are redacted before
//! comparison so that only the server's behaviour can change a snapshot.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Once;

use serde::Serialize;
use serde_json::{Value, json};

/// One observed payload, as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Payload {
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// JSON body, or the visible text of an HTML page, or redirect parameters.
    pub body: Value,
}

/// A payload that differs from its baseline, or that has no baseline yet.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Drift {
    pub snapshot: String,
    pub file: String,
    /// `None` when there was no baseline yet.
    pub baseline: Option<String>,
    pub received: String,
    pub diff: String,
    /// Recorded as the new baseline by `--accept`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub accepted: bool,
    /// Where the baseline lives and its description, for `--accept`.
    #[serde(skip)]
    pub path: PathBuf,
    #[serde(skip)]
    pub description: String,
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.baseline {
            Some(_) => write!(
                f,
                "payload drift in snapshot `{}` ({}):\n{}\nIf the new payload is right, \
                 record it with `grantcheck run --accept`.",
                self.snapshot, self.file, self.diff
            ),
            None => write!(
                f,
                "no baseline for snapshot `{}` yet ({}). Received:\n{}\nReview it, then \
                 record it with `grantcheck run --accept`.",
                self.snapshot, self.file, self.received
            ),
        }
    }
}

/// Process-wide insta configuration, set once before the first assertion. insta reads
/// its environment once and caches it, so this must run before anything else snapshots.
/// With `accept`, insta writes nothing: the runner records the new baselines itself
/// once it knows which scenarios' checks held ([`accept`]).
pub fn init(root: &Path, accept: bool) {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // SAFETY: called once at start-up, before the runner spawns anything that reads
        // the environment; std serialises its own env access.
        unsafe {
            // Without this, insta shells out to `cargo metadata` to find the workspace.
            std::env::set_var("INSTA_WORKSPACE_ROOT", root);
            // Our failure message carries the diff; insta's own print would repeat it.
            if std::env::var_os("INSTA_OUTPUT").is_none() {
                std::env::set_var("INSTA_OUTPUT", "none");
            }
            if accept {
                std::env::set_var("INSTA_UPDATE", "no");
            }
        }
    });
}

/// Compares `payload` with `snapshots/<profile>/<name>.snap`; the drift when it differs
/// or has no baseline.
pub fn assert_payload(
    dir: &Path,
    profile: &str,
    name: &str,
    description: &str,
    payload: &Payload,
) -> Option<Drift> {
    let profile_dir = dir.join(profile);
    let file = profile_dir.join(format!("{name}.snap"));
    let value = serde_json::to_value(payload).unwrap_or(Value::Null);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(&profile_dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(description);
    settings.set_sort_maps(false);
    let result = catch_unwind(AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_json_snapshot!(name, &value));
    }));
    if result.is_ok() {
        return None;
    }
    let received = serde_json::to_string_pretty(&value).unwrap_or_default();
    let baseline = read_snapshot(&file);
    let diff = match &baseline {
        Some(old) => unified_diff(old, &received),
        None => String::new(),
    };
    Some(Drift {
        snapshot: name.to_string(),
        file: display_path(&file),
        baseline,
        received,
        diff,
        accepted: false,
        path: file,
        description: description.to_string(),
    })
}

/// Records `drift`'s received payload as its baseline, in insta's format, replacing
/// the file in one rename so an interrupted write never leaves half a baseline.
pub fn accept(drift: &Drift) -> std::io::Result<()> {
    let dir = drift.path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    // Plain as insta writes it; quoted (a JSON string is a YAML scalar) when YAML
    // would read the plain text otherwise.
    let plain = drift
        .description
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " -,.'()/".contains(c))
        && drift
            .description
            .starts_with(|c: char| c.is_ascii_alphanumeric());
    let description = if plain {
        drift.description.clone()
    } else {
        serde_json::to_string(&drift.description).unwrap_or_default()
    };
    let text = format!(
        "---\nsource: src/snapshot.rs\ndescription: {description}\n---\n{}\n",
        drift.received
    );
    let tmp = drift.path.with_extension("snap.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, &drift.path)?;
    let pending = drift.path.with_extension("snap.new");
    if pending.exists() {
        std::fs::remove_file(pending)?;
    }
    Ok(())
}

fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    match s.find("snapshots/") {
        Some(i) => s[i..].to_string(),
        None => s.into_owned(),
    }
}

/// The content part of an insta `.snap` file (after the metadata header).
pub fn read_snapshot(file: &Path) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let rest = text.strip_prefix("---\n")?;
    let end = rest.find("\n---\n")?;
    Some(rest[end + 5..].trim_end().to_string())
}

fn unified_diff(old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => "-",
            similar::ChangeTag::Insert => "+",
            similar::ChangeTag::Equal => " ",
        };
        out.push_str(sign);
        out.push_str(change.value());
        if !change.value().ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// Replaces values that change from run to run. `origin` is the target's base URL
/// (an emulator's port differs every run).
pub fn normalize(value: &Value, origin: &str) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match k.as_str() {
                        "errorId" => json!("[error-id]"),
                        "state" => json!("[state]"),
                        "nonce" => json!("[nonce]"),
                        _ => normalize(v, origin),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| normalize(v, origin)).collect()),
        Value::String(s) => Value::String(normalize_text(s, origin)),
        other => other.clone(),
    }
}

/// Replaces each of the scenario's own random values (its `state`, its `nonce`)
/// wherever a server repeats it inside text, such as an error page that prints the
/// request's parameters: `(value, placeholder)` pairs.
pub fn mask_values(value: &Value, masks: &[(String, &str)]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), mask_values(v, masks)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| mask_values(v, masks)).collect()),
        Value::String(s) => {
            let mut out = s.clone();
            for (secret, placeholder) in masks {
                if !secret.is_empty() && out.contains(secret.as_str()) {
                    out = out.replace(secret.as_str(), placeholder);
                }
            }
            Value::String(out)
        }
        other => other.clone(),
    }
}

/// Volatile parts inside strings: the emulator's origin, and an `error_uri`'s error
/// instance id (CER-03: a fresh UUID per error; the URN, client and tenant around it
/// are the signal and stay).
fn normalize_text(s: &str, origin: &str) -> String {
    let mut out = if !origin.is_empty() && s.contains(origin) {
        s.replace(origin, "[origin]")
    } else {
        s.to_string()
    };
    if let Some(i) = out.find("/instances/") {
        let start = i + "/instances/".len();
        let end = out[start..]
            .find(['?', '/', '&', '"', ' '])
            .map_or(out.len(), |e| start + e);
        out.replace_range(start..end, "[instance]");
    }
    out
}

/// Default location of the baselines.
pub fn default_dir(root: &Path) -> PathBuf {
    root.join("snapshots")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_masks_volatile_members_only() {
        let masked = mask_values(
            &json!({"page": "state : AbC123 and more", "n": ["AbC123"]}),
            &[("AbC123".to_string(), "[state]")],
        );
        assert_eq!(
            masked,
            json!({"page": "state : [state] and more", "n": ["[state]"]})
        );
        let v = json!({"errorId": "oae123", "state": "s", "error": "x", "page": "see http://127.0.0.1:9/a"});
        assert_eq!(
            normalize(&v, "http://127.0.0.1:9"),
            json!({"errorId": "[error-id]", "state": "[state]", "error": "x", "page": "see [origin]/a"})
        );
    }

    #[test]
    fn normalize_keeps_the_urn_client_and_tenant_but_not_the_instance() {
        let v = json!({"error_uri": "https://a/errors/urn%3Ax/instances/65b0a9f4-782f?client=c1&tenant=t1"});
        assert_eq!(
            normalize(&v, ""),
            json!({"error_uri": "https://a/errors/urn%3Ax/instances/[instance]?client=c1&tenant=t1"})
        );
    }

    #[test]
    fn reads_the_content_of_a_snap_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x.snap");
        std::fs::write(&f, "---\nsource: a\n---\n{\n  \"a\": 1\n}\n").unwrap();
        assert_eq!(read_snapshot(&f).as_deref(), Some("{\n  \"a\": 1\n}"));
    }
}
