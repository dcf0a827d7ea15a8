//! Human and JSON output for an explanation.

use serde_json::{Value, json};

use super::Explanation;

pub fn render_text(e: &Explanation) -> String {
    let mut out = String::new();
    if e.recognised {
        out.push_str("Recognised");
        if let Some(v) = e.vendor {
            out.push_str(&format!(" ({v})"));
        }
        out.push_str(".\n");
    } else {
        out.push_str("Not recognised: nothing in grantcheck's catalog matches this payload. What was read:\n");
    }
    out.push_str(&format!("  input:       {}\n", e.input_kind));
    if let Some(s) = e.status {
        out.push_str(&format!("  status:      {s}\n"));
    }
    if let Some(x) = &e.error {
        out.push_str(&format!("  error:       {x}\n"));
    }
    if let Some(x) = &e.description {
        out.push_str(&format!("  description: {x}\n"));
    }
    if let Some(u) = &e.error_uri {
        out.push_str(&format!("  error_uri:   {}\n", u.urn));
        for (k, v) in [
            ("instance", &u.instance),
            ("client", &u.client),
            ("tenant", &u.tenant),
            ("persona", &u.persona),
        ] {
            if let Some(v) = v {
                out.push_str(&format!("    {k:<9} {v}\n"));
            }
        }
    }
    if let Some(raw) = &e.error_uri_raw {
        let issuers: Vec<&str> = super::pieces()
            .filter_map(|v| v.error_uri_issuer())
            .collect();
        out.push_str(&format!(
            "  error_uri:   {raw} (not an {} error URI)\n",
            issuers.join(" or ")
        ));
    }
    if let Some(c) = &e.correlation_id {
        out.push_str(&format!("  correlation: {c}\n"));
    }
    for (k, v) in &e.fields {
        out.push_str(&format!("  {k}: {v}\n"));
    }
    if !e.matched.is_empty() {
        out.push_str("\nLikely causes, most likely first:\n");
        for (i, d) in e.matched.iter().enumerate() {
            out.push_str(&format!("{:>2}. [{}] {}\n", i + 1, d.id, d.cause));
            out.push_str(&format!("    check: {}\n", d.check));
            out.push_str(&format!("    fix:   {}\n", d.fix));
            out.push_str(&format!("    refs:  {}\n", d.refs.join(", ")));
        }
    }
    if !e.notes.is_empty() {
        out.push_str("\nNotes:\n");
        for n in &e.notes {
            out.push_str(&format!("  - {n}\n"));
        }
    }
    out
}

pub fn render_json(e: &Explanation) -> Value {
    json!({
        "recognised": e.recognised,
        "input_kind": e.input_kind,
        "status": e.status,
        "error": e.error,
        "description": e.description,
        "error_uri": e.error_uri,
        "error_uri_raw": e.error_uri_raw,
        "correlation_id": e.correlation_id,
        "vendor": e.vendor,
        "matched": e.matched,
        "notes": e.notes,
        "fields": e.fields.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
    })
}
