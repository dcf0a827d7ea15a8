//! Property-based fuzzing on stable Rust: the profile loader, the curl reader and the
//! request linter, the error-payload reader (`explain`) and the redactor. Each input
//! is a real seed document mutated at random, or random text. The parsers must answer
//! every input without a panic; the redactor must leave no generated secret, in any
//! encoding it knows, in what it renders.
//!
//! `cargo test` runs a bounded number of cases (256 per target);
//! `GRANTCHECK_FUZZ_CASES=1000000 cargo test --release --test fuzz` (scripts/fuzz) runs
//! the long campaign.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    let cases = std::env::var("GRANTCHECK_FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn seed(path: &str) -> String {
    std::fs::read_to_string(common::root().join(path)).expect("seed document")
}

/// One of the shipped profiles (every vendor's, the peers'), mutated.
fn any_shipped_profile_mutated() -> impl Strategy<Value = String> {
    let mut seeds: Vec<String> = std::fs::read_dir(common::root().join("profiles"))
        .expect("profiles/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| std::fs::read_to_string(p).expect("profile"))
        .collect();
    seeds.sort();
    proptest::sample::select(seeds).prop_flat_map(mutated)
}

/// Random edits of `base`: each replaces a span at a position with random text.
fn mutated(base: String) -> impl Strategy<Value = String> {
    let len = base.len().max(1);
    prop::collection::vec((0..len, 0..8usize, "\\PC{0,6}|[\\x00-\\x7f]{0,4}"), 0..6).prop_map(
        move |edits| {
            let mut s = base.clone();
            for (at, cut, insert) in edits {
                let mut at = at.min(s.len());
                while !s.is_char_boundary(at) {
                    at -= 1;
                }
                let mut end = (at + cut).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s.replace_range(at..end, &insert);
            }
            s
        },
    )
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof!["\\PC{0,200}", "[\\x00-\\x7f]{0,200}", any::<String>()]
}

/// `%2F` → `%2f`, leaving the rest as it is.
fn lower_hex(s: &str) -> String {
    let mut out = String::new();
    let mut left = 0;
    for c in s.chars() {
        if c == '%' {
            left = 2;
            out.push(c);
        } else if left > 0 {
            left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn no_env(_: &str) -> Option<String> {
    Some("value-from-env-123".into())
}

/// Every vendor `explain` knows by id, and `generic`.
fn vendor_hints() -> Vec<&'static str> {
    grantcheck_core::vendors::ids().chain(["generic"]).collect()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_profile_loader_answers_every_input(
        text in prop_oneof![any_shipped_profile_mutated(), any_text()]
    ) {
        let path = common::root().join("profiles/fuzzed.yaml");
        let _ = grantcheck::profile::parse(&path, &text, &no_env);
    }

    #[test]
    fn the_curl_reader_and_linter_answer_every_input(
        text in prop_oneof![mutated(seed("tests/fixtures/seeds/000-request.txt")),
                            mutated(seed("tests/fixtures/seeds/001-request.txt")), any_text()]
    ) {
        let _ = grantcheck::diagnose::lint_curl(&text);
        let _ = grantcheck::diagnose::lint_text(&text, None);
    }

    #[test]
    fn the_url_linter_answers_every_input(
        url in prop_oneof![
            mutated(seed("tests/fixtures/lint/authorize-url.txt").trim().to_string()),
            any_text()]
    ) {
        let _ = grantcheck::diagnose::lint_url(&url);
    }

    #[test]
    fn the_error_payload_reader_answers_every_input(
        text in prop_oneof![mutated(seed("tests/fixtures/seeds/000-error-body.txt")),
                            mutated(seed("tests/fixtures/seeds/001-error-body.txt")),
                            mutated(seed("tests/fixtures/explain/okt-09-redirect-uri-not-registered.html")),
                            any_text()],
        vendor in proptest::option::of(proptest::sample::select(vendor_hints()))
    ) {
        let _ = grantcheck::diagnose::explain::explain(&text, vendor);
    }

    #[test]
    fn no_secret_survives_a_render_in_any_encoding(
        secret in "[A-Za-z0-9 /+=%&?:;.~_-]{6,40}",
        before in "\\PC{0,30}",
        after in "\\PC{0,30}",
        prefix in prop::collection::vec(any::<u8>(), 0..3),
        which in 0..9usize,
    ) {
        prop_assume!(!secret.to_ascii_lowercase().contains("redact"));
        let r = grantcheck::redact::Redactor::new([secret.clone()]);
        let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let mut in_blob = prefix.clone();
        in_blob.extend_from_slice(secret.as_bytes());
        in_blob.extend_from_slice(b"tail");
        let encoded = [
            secret.clone(),
            form.clone(),
            form.replace('+', "%20"),
            lower_hex(&form),
            form.replace('%', "%25"),
            serde_json::to_string(&secret).unwrap(),
            STANDARD.encode(&secret),
            URL_SAFE_NO_PAD.encode(&secret),
            STANDARD.encode(&in_blob),
        ][which].clone();
        let shown = r.text(&format!("{before}{encoded}{after}"));
        // The secret's own bytes never survive, in this encoding or another.
        prop_assert!(!shown.contains(&secret), "{shown}");
        if which == 8 {
            // Inside a blob: the characters that encode only the secret's bytes.
            let skip = (3 - prefix.len() % 3) % 3;
            let tail = &secret.as_bytes()[skip.min(secret.len())..];
            let whole = tail.len() / 3 * 3;
            if whole >= 6 {
                let core = STANDARD.encode(&tail[..whole]);
                prop_assert!(!shown.contains(&core), "{shown} holds {core}");
            }
        } else if encoded.len() >= 6 && encoded != secret {
            prop_assert!(!shown.contains(&encoded), "{encoded} survived: {shown}");
        }
    }
}
