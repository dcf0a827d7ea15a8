//! grantcheck: a conformance harness for OAuth 2.0 / OpenID Connect / SMART-on-FHIR
//! authorization servers, with offline emulators of EHR vendors.
//!
//! Walls (who may use whom):
//! - `emulators` use only `oauth` primitives; they are vendors, not testers.
//! - `checks` never know an emulator: a check holds against any server.
//! - `steps` reach a server only through the profile's target.
//! - `profile` (and later `diagnose`) do not depend on cucumber.

pub mod capabilities;
pub mod checks;
pub mod cli;
pub mod diagnose;
pub mod emulators;
pub mod http;
pub mod login;
pub mod oauth;
pub mod profile;
pub mod redact;
pub mod report;
pub mod runner;
pub mod scenario_id;
pub mod snapshot;
pub mod target;
pub mod verdict;

#[path = "../steps/mod.rs"]
pub mod steps;
