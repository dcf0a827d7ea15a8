//! Then-steps only athenahealth's documentation calls for.

use cucumber::step::Context;

use crate::outcomes::tokens;
use crate::{StepFn, World, step};
use grantcheck_core::checks::token as tk;

pub(super) const STEPS: &[(&str, StepFn)] = &[(
    r"^the access token lifetime is given in expires_in, as athenahealth documents$",
    step!(expires_in_documented),
)];

/// athenahealth documents the lifetimes (ATH-06), so a missing one fails here, where
/// RFC 6749 §5.1 alone would only recommend it.
async fn expires_in_documented(w: &mut World, _: Context) {
    let t = tokens(w);
    w.must(tk::expires_in_present(&t, "ATH-06"));
    w.must(tk::expires_in_well_formed(&t));
}
