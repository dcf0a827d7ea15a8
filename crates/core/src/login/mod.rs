//! Login drivers: how a scenario gets a user through the authorization server's
//! sign-in and consent pages to the redirect that carries the code.

pub mod browser;
pub mod form;
pub mod html;
pub mod manual;
pub mod probe;
pub mod refresh;
pub mod reuse;

pub use form::{LoginError, LoginOptions, LoginOutcome, LoginTrace, drive};
