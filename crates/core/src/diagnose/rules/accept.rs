//! ATH-16: athenahealth's DSTU2 FHIR API accepts only `application/json` or
//! `application/json+fhir` (with optional parameters); the R4-era
//! `application/fhir+json` gets 406.

use super::Ctx;
use crate::diagnose::finding::Finding;
use crate::diagnose::request::Request;
use crate::diagnose::vendor;
use crate::profile::Vendor;

pub fn check(req: &Request, ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(url) = &req.url else { return };
    let dstu2 = url
        .path
        .as_str()
        .to_ascii_lowercase()
        .contains("/fhir/dstu2");
    if !(dstu2 && vendor::of_host(url.host.as_str()) == Some(Vendor::Athenahealth)) {
        return;
    }
    for h in req.headers_named("accept") {
        let v = h.value.as_str().trim();
        if v.to_ascii_lowercase().starts_with("application/json") {
            continue;
        }
        out.push(
            Finding::warning("ATH-16", v, ctx.loc(&h.value))
                .why("athenahealth's DSTU2 FHIR API accepts only an Accept header starting with `application/json` or `application/json+fhir`; anything else, including R4's `application/fhir+json`, gets 406 \"An unsupported Accept header was given.\" (ATH-16).")
                .fix("Send `Accept: application/json+fhir` (or `application/json`)."),
        );
    }
}
