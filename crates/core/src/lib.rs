//! grantcheck's core: everything a conformance run needs that is not cucumber —
//! profiles, the vendor emulators, the HTTP client and its redactor, OAuth
//! primitives, the named checks, `lint`/`explain` (`diagnose`) and baselines.
//!
//! Walls (who may use whom; the crate boundary enforces that nothing here reaches the
//! steps, the runner or the reports):
//! - `emulators` use only `oauth` primitives; they are vendors, not testers.
//! - `checks` never know an emulator: a check holds against any server.
//! - `profile` and `diagnose` do not depend on cucumber (nothing in this crate does).

pub mod capabilities;
pub mod checks;
pub mod diagnose;
pub mod emulators;
pub mod http;
pub mod login;
pub mod oauth;
pub mod profile;
pub mod redact;
pub mod scenario_id;
pub mod snapshot;
pub mod target;
pub mod vendors;
pub mod verdict;
