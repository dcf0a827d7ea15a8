//! Then-steps about what the FHIR API answers with the token.

use super::*;

pub(crate) const STEPS: &[(&str, StepFn)] = &[
    (
        r"^the FHIR API returns the patient's record$",
        step!(fhir_record),
    ),
    (
        r#"^the FHIR API answers (\d+) with the error "(.*)"$"#,
        step!(fhir_error),
    ),
    (
        r"^the FHIR API asks for a valid bearer token$",
        step!(fhir_challenge),
    ),
];

async fn fhir_record(w: &mut World, _: Context) {
    let r = last(w);
    w.must(checks::fhir::resource_returned(&r, "Patient"));
}

async fn fhir_error(w: &mut World, ctx: Context) {
    let r = last(w);
    let status: u16 = arg(&ctx, 1).parse().unwrap_or(0);
    w.must(checks::fhir::error_is(&r, status, arg(&ctx, 2)));
    w.snapshot(payload_of(&r));
}

async fn fhir_challenge(w: &mut World, _: Context) {
    let r = last(w);
    w.must(checks::fhir::bearer_challenge(&r));
    w.snapshot(payload_of(&r));
}
