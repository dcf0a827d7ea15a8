//! Calls to the FHIR API with the access token.

use cucumber::step::Context;

use super::{StepFn, World, arg, step};
use grantcheck_core::http::Request;

pub(super) const STEPS: &[(&str, StepFn)] = &[
    (r"^the app reads the patient's record$", step!(read_patient)),
    (
        r#"^the app reads the patient's record with the Accept header "([^"]*)"$"#,
        step!(read_patient_accept),
    ),
    (
        r"^the app searches the patient's (\w+) resources$",
        step!(search),
    ),
    (
        r"^the app tries to update the patient's record$",
        step!(update_patient),
    ),
    (
        r"^the app reads the patient's record without an access token$",
        step!(read_without_token),
    ),
    (
        r#"^the app reads "(\w+)" resources$"#,
        step!(read_resources),
    ),
    (
        r"^the FHIR API refuses the token for lack of scope$",
        step!(insufficient_scope),
    ),
];

fn patient_url(w: &World) -> url::Url {
    let Some(base) = w.target().endpoints.fhir_base.clone() else {
        w.missing_endpoint("fhir_base")
    };
    let Some(patient) = w.flow.grant.patient.clone() else {
        w.fail_with("no patient in context: the token response named none".into())
    };
    join(w, &base, &format!("Patient/{patient}"))
}

fn join(w: &World, base: &url::Url, rest: &str) -> url::Url {
    let mut s = base.as_str().trim_end_matches('/').to_string();
    s.push('/');
    s.push_str(rest);
    match url::Url::parse(&s) {
        Ok(u) => u,
        Err(e) => w.fail_with(format!("FHIR URL {s}: {e}")),
    }
}

fn bearer(w: &World) -> String {
    match &w.flow.grant.access_token {
        Some(t) => format!("Bearer {t}"),
        None => w.fail_with("no access token: the app never received one".into()),
    }
}

async fn fhir(w: &mut World, req: Request) {
    let resp = w.send(req).await;
    w.flow.last = Some(resp);
}

async fn read_patient(w: &mut World, _: Context) {
    let req = Request::get(patient_url(w))
        .header("accept", "application/json+fhir")
        .header("authorization", bearer(w));
    fhir(w, req).await;
}

async fn read_patient_accept(w: &mut World, ctx: Context) {
    let req = Request::get(patient_url(w))
        .header("accept", arg(&ctx, 1))
        .header("authorization", bearer(w));
    fhir(w, req).await;
}

async fn search(w: &mut World, ctx: Context) {
    let Some(base) = w.target().endpoints.fhir_base.clone() else {
        w.missing_endpoint("fhir_base")
    };
    let patient = w.flow.grant.patient.clone().unwrap_or_default();
    let url = join(w, &base, &format!("{}?patient={patient}", arg(&ctx, 1)));
    let req = Request::get(url)
        .header("accept", "application/json+fhir")
        .header("authorization", bearer(w));
    fhir(w, req).await;
}

async fn update_patient(w: &mut World, _: Context) {
    let url = patient_url(w);
    let mut req = Request::post_form(url, &[])
        .method(reqwest::Method::PUT)
        .header("accept", "application/json+fhir")
        .header("authorization", bearer(w));
    req.body = Some(grantcheck_core::http::Body {
        content_type: "application/json+fhir".into(),
        bytes: br#"{"resourceType":"Patient"}"#.to_vec(),
    });
    fhir(w, req).await;
}

async fn read_without_token(w: &mut World, _: Context) {
    let req = Request::get(patient_url(w)).header("accept", "application/json+fhir");
    fhir(w, req).await;
}

async fn read_resources(w: &mut World, ctx: Context) {
    let Some(base) = w.target().endpoints.fhir_base.clone() else {
        w.missing_endpoint("fhir_base")
    };
    let url = join(w, &base, &format!("{}?_count=1", arg(&ctx, 1)));
    let req = Request::get(url)
        .header("accept", "application/fhir+json")
        .header("authorization", bearer(w));
    fhir(w, req).await;
}

async fn insufficient_scope(w: &mut World, _: Context) {
    let Some(resp) = w.flow.last.clone() else {
        w.fail_with("no FHIR response to check".into())
    };
    w.must(grantcheck_core::checks::fhir::insufficient_scope(&resp));
    w.snapshot(grantcheck_core::snapshot::Payload {
        status: resp.status,
        content_type: resp.content_type().map(str::to_owned),
        body: resp
            .json()
            .unwrap_or_else(|| serde_json::Value::String(resp.text())),
    });
}
