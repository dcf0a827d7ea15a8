//! `grantcheck lint` and `grantcheck explain`, without a test suite: lint reads a
//! request as people write it down (a curl command, an authorize URL, a profile) and
//! names each defect the vendor catalog (shared/reference/vendor-behaviours.md)
//! documents, with the fix; explain reads an error response and names its likely
//! causes. Neither depends on cucumber, the HTTP client or the emulators.

pub(crate) mod curl;
pub mod explain;
pub mod finding;
mod render;
pub(crate) mod request;
pub(crate) mod rules;
pub(crate) mod text;
pub(crate) mod vendor;

#[cfg(test)]
pub(crate) mod tests;

pub use finding::{Finding, InputError, Location, Severity};
pub use render::{render_json, render_text};

use crate::profile::{Profile, Vendor};
use rules::Ctx;
use text::Text;

/// Every rule id lint can report. Coverage counts a catalog entry with a rule here as
/// covered; a test keeps this list and the rules' table of bad examples in step.
pub const RULES: &[&str] = &[
    "ATH-02", "ATH-03", "ATH-04", "ATH-16", "CER-07", "CER-08", "CER-11", "CER-12", "CER-18",
    "CER-19", "CER-24", "LINT-A1", "LINT-A2", "LINT-A6", "LINT-A7", "LINT-A8", "LINT-A9",
    "LINT-A10", "LINT-A16", "LINT-C1", "LINT-C2", "LINT-C3", "LINT-C4", "LINT-C6", "LINT-C8",
    "LINT-C9", "LINT-C10", "LINT-C11", "LINT-E1", "LINT-E2", "LINT-E3", "LINT-E4", "LINT-R1",
    "LINT-R2", "OKT-04", "OKT-10", "OKT-11", "OKT-18", "RFC-01", "RFC-03", "RFC-04", "SMART-06",
    "SMART-09", "SMART-10",
];

/// Lints a pasted curl command (or several, or a fragment of options); the vendor is
/// inferred from each request's host.
pub fn lint_curl(text: &str) -> Result<Vec<Finding>, InputError> {
    lint_curl_for(text, None)
}

/// As [`lint_curl`], with the vendor given instead of inferred.
pub fn lint_curl_for(text: &str, vendor: Option<Vendor>) -> Result<Vec<Finding>, InputError> {
    let parsed = curl::parse(text)?;
    let mut out = Vec::new();
    rules::curl_syntax::check(&parsed, text, &mut out);
    let mut first_vendor = None;
    for req in &parsed.requests {
        let v = vendor
            .or_else(|| req.inferred_vendor())
            .unwrap_or(Vendor::Generic);
        first_vendor.get_or_insert(v);
        out.extend(rules::check_request(
            req,
            &Ctx {
                source: text,
                vendor: v,
            },
        ));
    }
    let across = Ctx {
        source: text,
        vendor: first_vendor.unwrap_or(Vendor::Generic),
    };
    out.extend(rules::check_across(&parsed.requests, &across));
    Ok(finish(out))
}

/// Lints an authorize URL (or any request URL) pasted on its own.
pub fn lint_url(url: &str) -> Result<Vec<Finding>, InputError> {
    lint_url_for(url, None)
}

pub fn lint_url_for(url: &str, vendor: Option<Vendor>) -> Result<Vec<Finding>, InputError> {
    let trimmed = url.trim();
    if trimmed.is_empty() {
        return Err(InputError::new("no URL given: the input is empty", None));
    }
    let offset = url.len() - url.trim_start().len();
    let req = request::from_url(&Text::at(trimmed, offset));
    if req.url.is_none() {
        return Err(InputError::new(
            format!(
                "not a URL: expected `https://host/path?query`, got `{}`",
                trimmed.chars().take(60).collect::<String>()
            ),
            Some(1),
        ));
    }
    let v = vendor
        .or_else(|| req.inferred_vendor())
        .unwrap_or(Vendor::Generic);
    Ok(finish(rules::check_request(
        &req,
        &Ctx {
            source: url,
            vendor: v,
        },
    )))
}

/// Lints pasted text that is either a URL or a curl command.
pub fn lint_text(text: &str, vendor: Option<Vendor>) -> Result<Vec<Finding>, InputError> {
    let t = text.trim();
    let single_url =
        (t.starts_with("https://") || t.starts_with("http://")) && !t.contains(char::is_whitespace);
    if single_url {
        lint_url_for(text, vendor)
    } else {
        lint_curl_for(text, vendor)
    }
}

/// Lints every request a loaded profile would make. `raw_text` is the profile's YAML,
/// used to point findings at lines.
pub fn lint_profile(p: &Profile, raw_text: &str) -> Vec<Finding> {
    finish(rules::profile::check(p, raw_text))
}

/// True when any finding is an error (the CLI's exit status).
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(Finding::is_error)
}

/// Source order, then errors before warnings; identical findings once.
fn finish(mut v: Vec<Finding>) -> Vec<Finding> {
    v.sort_by_key(|f| {
        (
            f.location
                .map_or((usize::MAX, usize::MAX), |l| (l.line, l.column)),
            f.severity,
            f.rule,
        )
    });
    v.dedup_by(|a, b| a.rule == b.rule && a.value == b.value && a.location == b.location);
    v
}
