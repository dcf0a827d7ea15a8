//! Steps for what only one vendor documents, a file per vendor; everything else in
//! `steps/` holds for any server.

mod athenahealth;
mod oracle_health;

use crate::StepFn;

/// Every vendor's own steps.
pub(crate) const STEPS: [&[(&str, StepFn)]; 2] = [athenahealth::STEPS, oracle_health::STEPS];
