//! Lint against the seed fixtures and the done-when checks.

use super::*;

const SEED_000: &str = include_str!("../../tests/fixtures/seeds/000-request.txt");
const SEED_000_FRAGMENT: &str = include_str!("../../tests/fixtures/seeds/000-request-fragment.txt");
const SEED_000_FIXED: &str = include_str!("../../tests/fixtures/seeds/000-request-corrected.txt");
const SEED_001: &str = include_str!("../../tests/fixtures/seeds/001-request.txt");
const SEED_001_FIXED: &str = include_str!("../../tests/fixtures/seeds/001-request-corrected.txt");

#[test]
fn show() {
    for s in [SEED_000, SEED_000_FRAGMENT, SEED_000_FIXED, SEED_001, SEED_001_FIXED] {
        let f = lint_curl(s).unwrap();
        println!("{}\n=========", render_text(&f, s));
    }
}
