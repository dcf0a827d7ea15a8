use super::*;

#[test]
fn show() {
    for s in [include_str!("../../../tests/fixtures/seeds/000-error-body.txt"), include_str!("../../../tests/fixtures/seeds/001-error-body.txt")] {
        let e = explain(s, None).unwrap();
        println!("{}\n======", render_text(&e));
    }
}
