//! Step definitions: thin glue from a Gherkin phrase to the flow (`oauth`, `login`) and
//! to named `checks`. Steps reach a server only through the scenario's target.
//!
//! Steps are registered explicitly (not through cucumber's `inventory` macros), so the
//! binary and the test targets always run the same collection.

mod authorize;
mod discovery;
mod fhir;
mod outcomes;
mod session;
mod system;
mod token;
mod userinfo;
mod vendors;
mod world;

use cucumber::step::{Collection, Context};
use futures::future::LocalBoxFuture;
use regex::Regex;

pub use world::{Authorization, Flow, Grant, ScenarioResults, Shared, World, slug};

type StepFn = for<'a> fn(&'a mut World, Context) -> LocalBoxFuture<'a, ()>;

/// Every step definition, module by module.
fn all() -> impl Iterator<Item = &'static (&'static str, StepFn)> {
    [
        authorize::STEPS,
        token::STEPS,
        session::STEPS,
        fhir::STEPS,
        outcomes::authorization::STEPS,
        outcomes::token_response::STEPS,
        outcomes::refusals::STEPS,
        outcomes::id_token::STEPS,
        outcomes::session::STEPS,
        outcomes::fhir::STEPS,
        system::STEPS,
        discovery::STEPS,
        userinfo::STEPS,
    ]
    .into_iter()
    .chain(vendors::STEPS)
    .flatten()
}

/// Every step phrase, usable after Given, When, Then, And or But alike.
pub fn collection() -> Collection<World> {
    let mut c = Collection::new();
    for (pattern, f) in all() {
        let re = Regex::new(pattern).unwrap_or_else(|e| panic!("step pattern {pattern:?}: {e}"));
        c = c
            .given(None, re.clone(), *f)
            .when(None, re.clone(), *f)
            .then(None, re, *f);
    }
    c
}

/// All step patterns (for tests that look for unused or overlapping steps).
pub fn patterns() -> Vec<&'static str> {
    all().map(|(p, _)| *p).collect()
}

/// Wraps an `async fn(&mut World, Context)` as a step function pointer.
macro_rules! step {
    ($f:path) => {{
        fn wrapped(
            w: &mut $crate::World,
            ctx: cucumber::step::Context,
        ) -> futures::future::LocalBoxFuture<'_, ()> {
            // Findings name the step they were made in.
            w.current_step = format!("{} {}", ctx.step.keyword.trim(), ctx.step.value);
            Box::pin($f(w, ctx))
        }
        wrapped as $crate::StepFn
    }};
}
pub(crate) use step;

/// The `i`-th capture group of the step's pattern.
pub(crate) fn arg(ctx: &Context, i: usize) -> &str {
    ctx.matches.get(i).map_or("", |(_, v)| v.as_str())
}
