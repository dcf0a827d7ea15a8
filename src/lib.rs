//! grantcheck: a conformance harness for OAuth 2.0 / OpenID Connect / SMART-on-FHIR
//! authorization servers, with offline emulators of EHR vendors.
//!
//! This crate is the harness: the runner (cucumber, targets, records), the reports
//! and the command line. What it drives lives in two crates of their own, re-exported
//! here under their old paths: `grantcheck-core` (profiles, emulators, HTTP, OAuth,
//! checks, diagnose, baselines) and `grantcheck-steps` (the step phrases, `steps/`).
//! The crate graph is the wall: core knows neither steps nor runner; steps know core
//! only; the runner knows both.

pub use grantcheck_core::{
    capabilities, checks, diagnose, emulators, http, login, oauth, profile, redact, scenario_id,
    snapshot, target, vendors, verdict,
};
pub use grantcheck_steps as steps;

pub mod cli;
pub mod emulate;
pub mod report;
pub mod runner;
