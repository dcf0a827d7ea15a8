//! Cucumber writes `cucumber.json` from its own events, which know nothing of
//! profiles: a known deviation or a blocked target is a failed step there, and a
//! failure's text is cucumber's rendering of a panic payload. This rewrites each
//! scenario (and its background) from grantcheck's record, so the file agrees with
//! every other output: failed only where grantcheck says failed.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Value, json};

use super::record::{Outcome, ScenarioRecord};
use super::{TARGET_TAG, relative};

/// Rewrites statuses and messages in `path` to match `records`, one feature at a time
/// (a fleet's file is tens of megabytes; it is never held whole).
pub fn align(path: &Path, records: &[ScenarioRecord]) {
    let Ok(input) = std::fs::File::open(path) else {
        return;
    };
    // One look-up per element, however many scenarios the run had.
    let by_place: HashMap<(&str, &str, usize), &ScenarioRecord> = records
        .iter()
        .map(|r| ((r.target.as_str(), r.feature_path.as_str(), r.line), r))
        .collect();
    let tmp = path.with_extension("json.partial");
    let Ok(output) = std::fs::File::create(&tmp) else {
        return;
    };
    let mut out = std::io::BufWriter::new(output);
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(input));
    let visitor = Features {
        by_place: &by_place,
        out: &mut out,
    };
    let done = serde::Deserializer::deserialize_seq(&mut de, visitor).is_ok()
        && std::io::Write::flush(&mut out).is_ok();
    drop(out);
    if done {
        let _ = std::fs::rename(&tmp, path);
    } else {
        let _ = std::fs::remove_file(&tmp);
    }
}

type Places<'a> = HashMap<(&'a str, &'a str, usize), &'a ScenarioRecord>;

/// Reads the top-level array feature by feature and writes each aligned one out.
struct Features<'a, 'r, W> {
    by_place: &'a Places<'r>,
    out: &'a mut W,
}

impl<'de, W: std::io::Write> serde::de::Visitor<'de> for Features<'_, '_, W> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("cucumber's array of features")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        use serde::de::Error as _;
        let io = |e: std::io::Error| A::Error::custom(e.to_string());
        self.out.write_all(b"[").map_err(io)?;
        let mut first = true;
        while let Some(mut feature) = seq.next_element::<Value>()? {
            align_feature(&mut feature, self.by_place);
            if !first {
                self.out.write_all(b",\n").map_err(io)?;
            }
            first = false;
            serde_json::to_writer(&mut *self.out, &feature).map_err(A::Error::custom)?;
        }
        self.out.write_all(b"]\n").map_err(io)
    }
}

fn align_feature(feature: &mut Value, by_place: &Places<'_>) {
    let target = feature
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("name").and_then(Value::as_str))
        .find_map(|n| n.trim_start_matches('@').strip_prefix(TARGET_TAG))
        .map(str::to_owned);
    let uri = feature
        .get("uri")
        .and_then(Value::as_str)
        .map(|u| relative(Path::new(u)));
    let Some(elements) = feature.get_mut("elements").and_then(Value::as_array_mut) else {
        return;
    };
    // A background element precedes the scenario it ran for.
    let mut owners: Vec<Option<&ScenarioRecord>> = Vec::with_capacity(elements.len());
    for el in elements.iter() {
        let name = el.get("name").and_then(Value::as_str).unwrap_or("");
        let line = el.get("line").and_then(Value::as_u64).unwrap_or(0) as usize;
        let key = (
            target.as_deref().unwrap_or(""),
            uri.as_deref().unwrap_or(""),
            line,
        );
        owners.push(by_place.get(&key).copied().filter(|r| r.scenario == name));
    }
    for i in 0..elements.len() {
        let is_background = elements[i].get("type").and_then(Value::as_str) == Some("background");
        let owner = if is_background {
            owners.get(i + 1).copied().flatten()
        } else {
            owners[i]
        };
        if let Some(r) = owner {
            align_element(&mut elements[i], r, !is_background);
        }
    }
}

fn align_element(el: &mut Value, r: &ScenarioRecord, tag_it: bool) {
    let line = r.line;
    let (status, message, tag) = match &r.outcome {
        Outcome::Failed { failures } => (
            "failed",
            failures
                .iter()
                .map(|f| match &f.deviation {
                    Some(d) => format!("{f}\n  (declared deviation: {})", d.reason),
                    None => f.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
            None,
        ),
        Outcome::KnownDeviation { failures } => (
            "skipped",
            failures
                .iter()
                .map(|f| {
                    let reason = f.deviation.as_ref().map_or("", |d| d.reason.as_str());
                    format!("known deviation: {reason}\n{f}")
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Some("@known-deviation"),
        ),
        Outcome::Blocked { reason } => ("skipped", format!("blocked: {reason}"), Some("@blocked")),
        // Skipped while running (what it checks was not there): its stopping step.
        Outcome::Skipped { reason } => ("skipped", format!("not applicable: {reason}"), None),
        Outcome::Passed => return,
    };
    if tag_it
        && let Some(tag) = tag
        && let Some(tags) = el.get_mut("tags").and_then(Value::as_array_mut)
    {
        tags.push(json!({"name": tag, "line": line}));
    }
    for step in el
        .get_mut("steps")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if let Some(result) = step.get_mut("result").and_then(Value::as_object_mut)
            && result.get("status").and_then(Value::as_str) == Some("failed")
        {
            result.insert("status".into(), status.into());
            result.insert("error_message".into(), message.clone().into());
        }
    }
}
