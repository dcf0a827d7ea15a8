//! Then-steps only Oracle Health's documentation calls for: its error_uri (the URN, and
//! who and what the server attributed the failure to) and the context members of its
//! token response.

use cucumber::step::Context;

use crate::outcomes::tokens;
use crate::{StepFn, World, arg, step};
use grantcheck_core::checks::token as tk;
use grantcheck_core::vendors::oracle_health::checks as eu;
use grantcheck_core::vendors::oracle_health::error_uri::ErrorUri;

pub(super) const STEPS: &[(&str, StepFn)] = &[
    (
        r"^the token response carries Oracle Health's user, tenant and style context$",
        step!(context_members),
    ),
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
            grantcheck_core::checks::schema::Shape::Vendor(&eu::ERROR_SHAPE),
        ));
    }
    w.must_all(all);
}

/// The user, tenant and style members Oracle Health adds to a token response (CER-16).
async fn context_members(w: &mut World, _: Context) {
    let t = tokens(w);
    for member in [
        "user",
        "username",
        "tenant",
        "need_patient_banner",
        "smart_style_url",
    ] {
        w.must(tk::has_member(&t, member, "CER-16"));
    }
    if let Some(tenant) = w.target().profile.spec.tenant.clone() {
        w.must(tk::member_is(&t, "tenant", &tenant, "CER-16"));
    }
}
