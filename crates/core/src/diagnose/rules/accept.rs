//! ATH-16: a vendor's FHIR API may take only some media types in `Accept` on some of
//! its paths; the vendor whose host the request goes to says which.

use super::Ctx;
use crate::diagnose::finding::Finding;
use crate::diagnose::request::Request;
use crate::diagnose::vendor;

pub fn check(req: &Request, ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(url) = &req.url else { return };
    let Some(policy) = vendor::policy_of_host(url.host.as_str()) else {
        return;
    };
    for h in req.headers_named("accept") {
        let v = h.value.as_str().trim();
        if let Some(advice) = policy.unaccepted_media_type(url.path.as_str(), v) {
            out.push(Finding::advised(advice, v, ctx.loc(&h.value)));
        }
    }
}
