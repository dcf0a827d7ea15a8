//! Then-steps about Oracle Health's error_uri: its URN, and who and what the server
//! attributed the failure to.

use cucumber::step::Context;

use super::{StepFn, World, arg, step};
use grantcheck_core::checks::error_uri as eu;
use grantcheck_core::vendors::oracle_health::error_uri::ErrorUri;

pub(super) const STEPS: &[(&str, StepFn)] = &[
    (r#"^the error URN is "([^"]*)"$"#, step!(urn_is)),
    (
        r"^the failure is attributed to client authentication$",
        step!(client_unknown),
    ),
    (r"^the error names the client$", step!(names_client)),
    (
        r"^the error echoes the tenant as sent$",
        step!(tenant_echoed),
    ),
    (
        r"^the error instance equals the correlation header$",
        step!(instance),
    ),
    (
        r"^the error carries only error and error_uri$",
        step!(envelope),
    ),
];

fn error_uri(w: &World) -> ErrorUri {
    let Some(err) = w.flow.last_error.clone() else {
        w.fail_with("no error to inspect: no refusal was checked before".into())
    };
    match eu::of(&err) {
        Ok(e) => e,
        Err(f) => w.fail(&f),
    }
}

async fn urn_is(w: &mut World, ctx: Context) {
    let e = error_uri(w);
    w.must(eu::urn_is(&e, arg(&ctx, 1)));
}

async fn client_unknown(w: &mut World, _: Context) {
    let e = error_uri(w);
    w.must(eu::attributed_to_client_authentication(&e));
}

async fn names_client(w: &mut World, _: Context) {
    let e = error_uri(w);
    let id = w.client().id;
    w.must(eu::names_client(&e, &id));
}

async fn tenant_echoed(w: &mut World, _: Context) {
    let e = error_uri(w);
    let Some(tenant) = w
        .flow
        .tenant_sent
        .clone()
        .or_else(|| w.target().profile.spec.tenant.clone())
    else {
        w.fail_with("the profile has no `tenant`".into())
    };
    w.must(eu::tenant_echoed(&e, &tenant));
}

async fn instance(w: &mut World, _: Context) {
    let e = error_uri(w);
    let Some(resp) = w.flow.last.clone() else {
        w.fail_with("no response to compare with".into())
    };
    w.must(eu::instance_is_correlation_id(&e, &resp));
}

async fn envelope(w: &mut World, _: Context) {
    let Some(resp) = w.flow.last.clone() else {
        w.fail_with("no response to check".into())
    };
    let mut all = vec![eu::envelope_is_error_and_uri(&resp)];
    // The members' shape (the error_uri URN and instance form) as schemas/ writes it.
    if let Some(body) = resp.json() {
        all.push(grantcheck_core::checks::schema::conforms(
            &body,
            grantcheck_core::checks::schema::Shape::OracleHealthError,
        ));
    }
    w.must_all(all);
}
