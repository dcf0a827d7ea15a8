//! Human and JSON output for lint findings. The echoed source line has secret values
//! masked (same length, so the `^^^` still lines up): a pasted command may carry a
//! real client secret or token, and lint output ends up in CI logs.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Value, json};

use super::finding::{Finding, Severity};
use super::rules::placeholders;

/// Width of source shown around a finding on a long (flattened) line.
const CONTEXT: usize = 40;
/// Longest highlight drawn; a longer value is marked by its start.
const MAX_CARETS: usize = 60;

static SECRET_PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"(?i)\b(?:client_secret|access_token|refresh_token|client_assertion|code_verifier|id_token_hint|password|code)=([^&\s'\x22]+)",
        r"(?i)authorization:\s*(?:basic|bearer)\s+([^\s'\x22]+)",
        r"(?:^|\s)(?:-u|--user)\s*['\x22]?[^:\s'\x22]*:([^\s'\x22]+)",
        r"(?i)--oauth2-bearer\s+['\x22]?([^\s'\x22]+)",
    ]
    .iter()
    .filter_map(|p| Regex::new(p).ok())
    .collect()
});

/// `line` with secret values replaced by `*`, character for character.
pub fn mask_secrets(line: &str) -> String {
    let mut ranges = Vec::new();
    for re in SECRET_PATTERNS.iter() {
        for caps in re.captures_iter(line) {
            if let Some(m) = caps.get(1) {
                let v = m.as_str();
                if !v.starts_with('$') && placeholders::shape(v).is_none() {
                    ranges.push(m.range());
                }
            }
        }
    }
    let mut out = String::with_capacity(line.len());
    for (i, c) in line.char_indices() {
        if ranges.iter().any(|r| r.contains(&i)) {
            out.push('*');
        } else {
            out.push(c);
        }
    }
    out
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let head: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{head}…")
    }
}

pub fn render_text(findings: &[Finding], source: &str) -> String {
    let mut out = String::new();
    let lines: Vec<&str> = source.lines().collect();
    for f in findings {
        out.push_str(&format!(
            "{}[{}]: {}\n",
            f.severity.as_str(),
            f.rule,
            shorten(&f.value, 80)
        ));
        if let Some(loc) = f.location {
            out.push_str(&format!("  --> line {}, column {}\n", loc.line, loc.column));
            if let Some(line) = lines.get(loc.line.saturating_sub(1)) {
                let masked: Vec<char> = mask_secrets(line).chars().collect();
                let col = loc.column.saturating_sub(1).min(masked.len());
                let len = loc.len.clamp(1, MAX_CARETS);
                // Short lines are shown whole; long (flattened) ones around the value.
                let (from, to) = if masked.len() <= 2 * CONTEXT + MAX_CARETS {
                    (0, masked.len())
                } else {
                    (
                        col.saturating_sub(CONTEXT),
                        (col + len + CONTEXT).min(masked.len()),
                    )
                };
                let mut shown: String = masked[from..to].iter().collect();
                let mut pad = col - from;
                if from > 0 {
                    shown.insert(0, '…');
                    pad += 1;
                }
                if to < masked.len() {
                    shown.push('…');
                }
                let gutter = loc.line.to_string();
                let blank = " ".repeat(gutter.len());
                out.push_str(&format!(" {blank} |\n"));
                out.push_str(&format!(" {gutter} | {shown}\n"));
                let carets = len.min(masked.len().saturating_sub(col).max(1));
                let more = if loc.len > MAX_CARETS { "…" } else { "" };
                out.push_str(&format!(
                    " {blank} | {}{}{more}\n",
                    " ".repeat(pad),
                    "^".repeat(carets)
                ));
            }
        }
        out.push_str(&format!("  = why: {}\n", f.why));
        out.push_str(&format!("  = fix: {}\n\n", f.fix));
    }
    let (errors, warnings, notes) = counts(findings);
    if findings.is_empty() {
        out.push_str("no findings\n");
    } else {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        out.push_str(&format!(
            "{errors} error{}, {warnings} warning{}",
            plural(errors),
            plural(warnings)
        ));
        // Notes are counted only when there are some, so output without them reads as before.
        if notes > 0 {
            out.push_str(&format!(", {notes} note{}", plural(notes)));
        }
        out.push('\n');
    }
    out
}

/// Errors, warnings and notes.
fn counts(findings: &[Finding]) -> (usize, usize, usize) {
    let n = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    (n(Severity::Error), n(Severity::Warning), n(Severity::Note))
}

pub fn render_json(findings: &[Finding]) -> Value {
    let (errors, warnings, notes) = counts(findings);
    let list: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "rule": f.rule,
                "severity": f.severity.as_str(),
                "value": f.value,
                "location": f.location.map(|l| json!({"line": l.line, "column": l.column, "len": l.len})),
                "why": f.why,
                "fix": f.fix,
            })
        })
        .collect();
    json!({
        "findings": list,
        "errors": errors,
        "warnings": warnings,
        "notes": notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_alignment() {
        let line = "curl -u 'id:s3cr3t' -H 'Authorization: Bearer abc.def' -d 'code=AUTHORIZATION_CODE&client_secret=hunter2'";
        let m = mask_secrets(line);
        assert_eq!(m.chars().count(), line.chars().count());
        assert!(
            !m.contains("s3cr3t") && !m.contains("abc.def") && !m.contains("hunter2"),
            "{m}"
        );
        assert!(
            m.contains("AUTHORIZATION_CODE"),
            "placeholders stay visible: {m}"
        );
        assert!(mask_secrets("-u 'id:xxxxx'").contains("xxxxx"));
    }
}
