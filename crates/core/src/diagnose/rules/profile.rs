//! Lint for a profile: every request the profile would have grantcheck make, checked
//! with the same rules as a pasted request: the tenant, the endpoints, the redirect
//! URIs, the default and permitted scopes, the aud, the client ids, and whether the
//! environment label agrees with the hosts (LINT-A8). Literal secrets never get here:
//! the profile loader already refuses them.

use super::{Ctx, aud, endpoint, placeholders, redirect, said, scope, tenant};
use crate::diagnose::finding::Finding;
use crate::diagnose::request::Url;
use crate::diagnose::text::Text;
use crate::diagnose::vendor::{self, EnvClass};
use crate::profile::{Environment, Profile};
use crate::vendors::lint::Remark;

/// `value` as a Text placed where it appears in the YAML, preferring a line that holds
/// `key:` (or a list item); a value that came from an environment variable is
/// attributed to its key.
fn locate(raw: &str, value: &str, key: &str) -> Text {
    if value.is_empty() {
        return Text::synthetic(value);
    }
    let mut fallback = None;
    for (i, _) in raw.match_indices(value) {
        let line_start = raw[..i].rfind('\n').map_or(0, |x| x + 1);
        let line_end = raw[i..].find('\n').map_or(raw.len(), |x| i + x);
        let line = raw[line_start..line_end].trim_start();
        if line.starts_with('#') {
            continue;
        }
        if line.contains(&format!("{key}:")) || line.starts_with('-') {
            return Text::at(value, i);
        }
        fallback.get_or_insert(i);
    }
    if let Some(i) = fallback {
        return Text::at(value, i);
    }
    let key_at = raw
        .match_indices(&format!("{key}:"))
        .find(|(i, _)| {
            let line_start = raw[..*i].rfind('\n').map_or(0, |x| x + 1);
            !raw[line_start..*i].trim_start().starts_with('#')
        })
        .map(|(i, _)| (i, i + key.len()));
    Text::spanning(value, key_at)
}

pub fn check(p: &Profile, raw: &str) -> Vec<Finding> {
    let spec = &p.spec;
    let ctx = Ctx {
        source: raw,
        vendor: spec.vendor,
    };
    let mut out = Vec::new();
    let live = spec.emulator.is_none()
        && !matches!(spec.environment, Environment::Emulated | Environment::Local);

    let profile_tenant = spec.tenant.as_ref().map(|t| locate(raw, t, "tenant"));
    if let Some(t) = &profile_tenant {
        tenant::check_text(t, "the profile's `tenant`", &ctx, &mut out);
    }

    // Endpoints, joined to base_url when relative.
    let e = &spec.endpoints;
    let endpoints = [
        ("authorize", &e.authorize, "authorize endpoint"),
        ("token", &e.token, "token endpoint"),
        ("keys", &e.keys, "keys endpoint"),
        ("introspect", &e.introspect, "introspect endpoint"),
        ("revoke", &e.revoke, "revoke endpoint"),
        ("logout", &e.logout, "logout endpoint"),
        ("fhir_base", &e.fhir_base, "FHIR base URL"),
    ];
    let mut urls: Vec<(Url, &str)> = Vec::new();
    if let Some(b) = &spec.base_url
        && let Some(u) = Url::parse(&locate(raw, b, "base_url"))
    {
        urls.push((u, "base URL"));
    }
    for (key, value, role) in endpoints {
        let Some(v) = value else { continue };
        let located = locate(raw, v, key);
        let full = if v.contains("://") {
            located
        } else {
            match &spec.base_url {
                Some(b) => {
                    Text::spanning(format!("{}{}", b.trim_end_matches('/'), v), located.span())
                }
                None => continue,
            }
        };
        if let Some(u) = Url::parse(&full) {
            urls.push((u, role));
        }
    }
    if let Some(iss) = spec.issuer.as_ref().filter(|i| i.contains("://"))
        && let Some(u) = Url::parse(&locate(raw, iss, "issuer"))
    {
        urls.push((u, "issuer"));
    }
    let fhir_base = e.fhir_base.clone();
    // `{fhir_base}` is filled in at run time; a relative base is only known then.
    let absolute_base = match (&fhir_base, &spec.base_url) {
        (Some(f), _) if f.contains("://") => Some(f.clone()),
        (Some(f), Some(b)) => Some(format!("{}{f}", b.trim_end_matches('/'))),
        _ => None,
    };
    let aud_value = spec.aud.as_ref().and_then(|a| {
        if !a.contains("{fhir_base}") {
            return Some(locate(raw, a, "aud"));
        }
        let base = absolute_base.as_ref()?;
        Some(Text::spanning(
            a.replace("{fhir_base}", base),
            locate(raw, a, "aud").span(),
        ))
    });

    if live {
        for (u, role) in &urls {
            let endpoint_role = matches!(*role, "authorize endpoint" | "token endpoint");
            if endpoint_role || *role == "base URL" || *role == "FHIR base URL" {
                endpoint::check_url(u, role, &ctx, &mut out);
            }
        }
        check_environment(spec.environment, &urls, aud_value.as_ref(), &ctx, &mut out);
    }
    for (u, role) in &urls {
        if let Some(t) = tenant::tenant_of(u) {
            tenant::check_text(&t, &format!("the {role}"), &ctx, &mut out);
            if let Some(pt) = &profile_tenant
                && pt.as_str() != t.as_str()
            {
                out.push(
                    Finding::error("LINT-E3", t.as_str(), ctx.loc(&t))
                        .why(format!("The {role} names tenant `{}` but the profile's `tenant` is `{}`; the requests would go to another tenant than the one configured (CER-01, CER-05).", t.as_str(), pt.as_str()))
                        .fix("Make every URL use the profile's tenant (better: take them from discovery)."),
                );
            }
        }
    }

    redirect::check_uri(
        &locate(raw, &spec.redirect_uri, "redirect_uri"),
        "redirect_uri",
        &ctx,
        &mut out,
    );
    if let Some(r) = &spec.post_logout_redirect_uri {
        redirect::check_uri(
            &locate(raw, r, "post_logout_redirect_uri"),
            "post_logout_redirect_uri",
            &ctx,
            &mut out,
        );
    }

    let permitted: Vec<String> = spec
        .clients
        .values()
        .flat_map(|c| c.permitted_scopes.iter().cloned())
        .collect();
    scope::check_value(
        &locate(raw, &spec.scopes.default, "default"),
        &scope::ScopeUse {
            grant: None,
            permitted: &permitted,
            is_list: false,
            origin: None,
        },
        &ctx,
        &mut out,
    );
    if let Some(np) = &spec.scopes.not_permitted {
        scope::check_value(
            &locate(raw, np, "not_permitted"),
            &scope::ScopeUse {
                grant: None,
                permitted: &[],
                is_list: true,
                origin: None,
            },
            &ctx,
            &mut out,
        );
    }
    if let Some(a) = &aud_value {
        aud::check_value(a, &ctx, &mut out);
    }

    for (role, client) in &spec.clients {
        placeholders::check_value(
            &locate(raw, &client.id, "id"),
            &format!("clients.{role}.id"),
            true,
            &ctx,
            &mut out,
        );
        for s in &client.permitted_scopes {
            scope::check_value(
                &locate(raw, s, "permitted_scopes"),
                &scope::ScopeUse {
                    grant: None,
                    permitted: &[],
                    is_list: true,
                    origin: None,
                },
                &ctx,
                &mut out,
            );
        }
        for r in client.redirect_uris.iter().flatten() {
            redirect::check_uri(
                &locate(raw, r, "redirect_uris"),
                &format!("clients.{role}.redirect_uris entry"),
                &ctx,
                &mut out,
            );
        }
    }
    // The same value listed in two places yields the same finding twice.
    let mut seen = Vec::new();
    out.retain(|f| {
        let key = (f.rule, f.value.clone(), f.location);
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    });
    out
}

/// LINT-A8: a `production` profile pointing at test hosts, or the reverse.
fn check_environment(
    env: Environment,
    urls: &[(Url, &str)],
    aud: Option<&Text>,
    ctx: &Ctx,
    out: &mut Vec<Finding>,
) {
    let expected = match env {
        Environment::Production => EnvClass::Production,
        Environment::Preview | Environment::Sandbox => EnvClass::Test,
        _ => return,
    };
    let aud_url = aud.and_then(Url::parse);
    let all = urls
        .iter()
        .map(|(u, r)| (u, *r))
        .chain(aud_url.iter().map(|u| (u, "aud")));
    // One finding for the whole profile: a swapped label shows on every URL.
    let wrong: Vec<(&Url, &str, EnvClass)> = all
        .filter_map(|(u, role)| {
            let found = vendor::env_of(u.host.as_str(), u.path.as_str())?;
            (found != expected).then_some((u, role, found))
        })
        .collect();
    let Some(&(first, _, found)) = wrong.first() else {
        return;
    };
    let roles: Vec<&str> = wrong.iter().map(|w| w.1).collect();
    out.push(
        Finding::warning("LINT-A8", first.text.as_str(), ctx.loc(&first.text))
            .why(format!(
                "The profile's environment is `{}` but its {} {} on {} hosts; a mislabelled or swapped environment sends test credentials to production or the reverse (LINT-A8).",
                env.as_str(),
                roles.join(", "),
                if roles.len() == 1 { "is" } else { "are" },
                found.as_str()
            ))
            .fix(format!("Make the environment label and the hosts agree ({}).", said(Remark::TestEnvironmentHosts, "; "))),
    );
}
