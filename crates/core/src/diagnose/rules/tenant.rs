//! LINT-C1: a tenant id that looks like a UUID but is not one (seed 000 carried a
//! stray `m`). Tenants in general need not be UUIDs (CER-27: patient-tier tenants are
//! opaque strings), so only near-UUIDs are flagged.

use super::{Ctx, said};
use crate::diagnose::finding::Finding;
use crate::diagnose::request::{Request, Url};
use crate::diagnose::text::Text;
use crate::vendors;
use crate::vendors::lint::Remark;

const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `Some(what is wrong)` when `t` looks like a UUID (five dash-separated groups, most
/// of them hexadecimal) but is not an 8-4-4-4-12 hexadecimal UUID.
pub fn near_uuid_problem(t: &str) -> Option<String> {
    let groups: Vec<&str> = t.split('-').collect();
    let hex_prefix = groups.len() >= 5
        && groups[..4]
            .iter()
            .zip(GROUPS)
            .all(|(g, n)| g.len() == n && is_hex(g));
    let shaped = groups.len() == 5
        && groups.iter().filter(|g| is_hex(g)).count() >= 4
        && groups
            .iter()
            .zip(GROUPS)
            .all(|(g, n)| g.len().abs_diff(n) <= 2);
    if !(hex_prefix || shaped) {
        return None;
    }
    if groups.len() == 5
        && groups
            .iter()
            .zip(GROUPS)
            .all(|(g, n)| g.len() == n && is_hex(g))
    {
        return None;
    }
    let mut problems = Vec::new();
    if groups.len() != 5 {
        problems.push(format!(
            "it has {} dash-separated groups where a UUID has 5",
            groups.len()
        ));
    }
    let names = ["first", "second", "third", "fourth", "last"];
    for (i, (g, n)) in groups.iter().zip(GROUPS).enumerate() {
        if g.len() != n {
            problems.push(format!(
                "its {} group has {} characters where a UUID has {n}",
                names[i],
                g.chars().count()
            ));
        }
        let bad: String = g.chars().filter(|c| !c.is_ascii_hexdigit()).collect();
        if !bad.is_empty() {
            problems.push(format!(
                "`{bad}` in its {} group is not a hexadecimal digit",
                names[i]
            ));
        }
    }
    Some(problems.join(", and "))
}

/// A repaired tenant when removing one stray character makes it a UUID.
pub fn suggested_uuid(t: &str) -> Option<String> {
    let fits = |s: &str| {
        let g: Vec<&str> = s.split('-').collect();
        g.len() == 5 && g.iter().zip(GROUPS).all(|(g, n)| g.len() == n && is_hex(g))
    };
    t.char_indices().find_map(|(i, c)| {
        let mut s = t.to_string();
        s.replace_range(i..i + c.len_utf8(), "");
        fits(&s).then_some(s)
    })
}

/// Reports `t` if it is a near-UUID.
pub fn check_text(t: &Text, where_: &str, ctx: &Ctx, out: &mut Vec<Finding>) {
    let value = t.as_str();
    let Some(problem) = near_uuid_problem(value) else {
        return;
    };
    let repair = suggested_uuid(value)
        .map(|s| format!(" (probably `{s}`)"))
        .unwrap_or_default();
    out.push(
        Finding::error("LINT-C1", value, ctx.loc(t))
            .why(format!(
                "The tenant in {where_} looks like a UUID but is not one: {problem}; {} (CER-05, \
                 LINT-C1).",
                said(Remark::UnregisteredTenant, ", ")
            ))
            .fix(format!(
                "Copy the tenant id again from the tenant's registration: 8-4-4-4-12 \
                 hexadecimal digits{repair}."
            )),
    );
}

/// The tenant a URL carries: `/tenants/{t}/` on an authorization host, or the segment
/// after a marker the host's vendor names (a FHIR base's `/r4/{t}`, CER-01).
pub fn tenant_of(url: &Url) -> Option<Text> {
    if let Some(t) = url.segment_after("tenants") {
        return Some(t);
    }
    let host = url.host_lower();
    vendors::ALL
        .iter()
        .flat_map(|v| v.lint.tenant_markers(&host))
        .find_map(|marker| url.segment_after(marker))
}

pub fn check(req: &Request, ctx: &Ctx, out: &mut Vec<Finding>) {
    let path_tenant = req.url.as_ref().and_then(tenant_of);
    if let Some(t) = &path_tenant {
        check_text(t, "the URL path", ctx, out);
    }
    let aud_tenant = req
        .param("aud")
        .and_then(|a| Url::parse(&a.value))
        .and_then(|u| tenant_of(&u));
    if let Some(t) = &aud_tenant {
        check_text(t, "the `aud` URL", ctx, out);
    }
    if let Some(why_one) = ctx.policy().one_tenant_per_grant()
        && let (Some(p), Some(a)) = (&path_tenant, &aud_tenant)
        && p.as_str() != a.as_str()
    {
        out.push(
            Finding::error("LINT-E3", a.as_str(), ctx.loc(a))
                .why(format!(
                    "The `aud` names tenant `{}` but the request goes to tenant `{}`; {why_one} \
                     (CER-01, CER-19).",
                    a.as_str(),
                    p.as_str()
                ))
                .fix("Use the authorize URL and the FHIR base URL of the same tenant, both taken from that tenant's discovery document."),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_uuids() {
        let seed = "5b22adf1-4884-4ac2-b6f3-04fa545ac9fcm";
        let p = near_uuid_problem(seed).unwrap();
        assert!(p.contains("13 characters") && p.contains("`m`"), "{p}");
        assert_eq!(
            suggested_uuid(seed).as_deref(),
            Some("5b22adf1-4884-4ac2-b6f3-04fa545ac9fc")
        );
        assert!(near_uuid_problem("ec2458f2-1e24-41c8-b71b-0e701af7583d").is_none());
        assert!(near_uuid_problem("EC2458F2-1E24-41C8-B71B-0E701AF7583D").is_none());
        // Opaque patient-tier tenants are fine (CER-27).
        assert!(near_uuid_problem("Y62ncCuwN85GGa7s0iz44XRnQoc9qr60").is_none());
        assert!(near_uuid_problem("my-tenant").is_none());
        assert!(near_uuid_problem("ec2458f2-1e24-41c8-b71b-0e701af7583").is_some());
        assert!(near_uuid_problem("ec2458f2-1e24-41c8-b71b-0e701af7583d-x").is_some());
        assert!(near_uuid_problem("").is_none());
    }
}
