//! Every fault switch changes the one behaviour it names: each case observes that
//! behaviour once on a healthy emulator and once with the fault switched on.

use serde_json::Value;

use super::test_support::*;
use super::{Athenahealth, Fault};
use crate::emulators::EmuResponse;

type Case = FaultCase<Fault, Athenahealth>;

fn authorize(emu: &mut Athenahealth, a: Authz) -> String {
    authorize_outcome(&send(emu, a.request()))
}

/// An authorize request whose `name` parameter is sent as `raw`, already encoded.
fn authorize_raw(emu: &mut Athenahealth, name: &str, raw: &str) -> String {
    let query = authz(PUBLIC).raw_query_without(name);
    let req = get_raw(AUTHORIZE_PATH, &format!("{query}&{name}={raw}"));
    authorize_outcome(&send(emu, req))
}

fn id_claims(emu: &mut Athenahealth, a: Authz) -> Value {
    claims(&s(&tokens(emu, &a)["id_token"]))
}

/// How many `pim` entries the ID token of `a` carries.
fn pim_entries(emu: &mut Athenahealth, a: Authz) -> String {
    let pim = &id_claims(emu, a)["pim"];
    pim.as_array()
        .map_or("none".into(), |a| format!("{} entries", a.len()))
}

fn keys(emu: &mut Athenahealth) -> EmuResponse {
    send(emu, get_raw(KEYS_PATH, ""))
}

/// `GET {FHIR}/{path}` with a public client's fresh access token, and `extra` headers.
fn fhir_get(emu: &mut Athenahealth, path: &str, extra: &[(&str, &str)]) -> EmuResponse {
    let at = s(&public_tokens(emu)["access_token"]);
    let req = with_bearer(get(&format!("{FHIR}/{path}"), &[]), &at);
    let req = extra
        .iter()
        .fold(req, |req, (name, value)| with_header(req, name, value));
    send(emu, req)
}

fn refresh_public(emu: &mut Athenahealth, token: &str, scope: Option<&str>) -> EmuResponse {
    refresh(emu, PUBLIC, token, scope)
}

/// The quiet flow (scope openid) signs in, then logs out with `extra`: the logout
/// response, the flow's access token, and what authorizing again leads to.
fn logout_after_login(
    emu: &mut Athenahealth,
    extra: &[(&str, &str)],
) -> (EmuResponse, String, String) {
    let quiet = authz(PUBLIC).set("scope", "openid");
    let mut browser = Browser::new(emu);
    let code = location_params(&browser.run(&quiet, USER))
        .get("code")
        .cloned()
        .unwrap_or_default();
    let body = json(&redeem(browser.emu, PUBLIC, &code));
    let hint = s(&body["id_token"]);
    let mut params = vec![("id_token_hint", hint.as_str())];
    params.extend_from_slice(extra);
    let r = browser.send(get("/oauth2/v1/logout", &params));
    let after = authorize_outcome(&browser.authorize(&quiet));
    (r, s(&body["access_token"]), after)
}

fn cases() -> Vec<Case> {
    let singles = vec![
        case(Fault::CodeLifetime60s, "200", "400 invalid_grant", |emu| {
            code_aged(emu, &authz(PUBLIC), 61)
        }),
        case(
            Fault::RedirectErrorsToUnregisteredUri,
            "400 ",
            "302 invalid_request https://evil.example/cb",
            |emu| {
                let a = authz(PUBLIC).set("redirect_uri", "https://evil.example/cb");
                let r = send(emu, a.request());
                let location = r.header("location").unwrap_or("");
                let base = location.split('?').next().unwrap_or("");
                format!("{} {base}", authorize_outcome(&r))
            },
        ),
        case(Fault::DropState, STATE, "none", |emu| {
            let r = Browser::new(emu).run(&authz(PUBLIC), USER);
            location_params(&r)
                .get("state")
                .cloned()
                .unwrap_or_else(|| "none".into())
        }),
        case(Fault::OmitCacheControl, "no-store", "none", |emu| {
            let code = obtain_code(emu, &authz(PUBLIC));
            header(&redeem(emu, PUBLIC, &code), "cache-control")
        }),
        case(Fault::AllowPlainPkce, "302 invalid_request", "200", |emu| {
            let a = authz(PUBLIC)
                .set("code_challenge", VERIFIER)
                .set("code_challenge_method", "plain");
            let first = authorize(emu, a.clone());
            if first != "200" {
                return first;
            }
            redeem_outcome(
                emu,
                a,
                PUBLIC,
                &[("redirect_uri", CB), ("code_verifier", VERIFIER)],
            )
        }),
        case(
            Fault::PkceOptionalForPublicClients,
            "302 invalid_request",
            "200",
            |emu| {
                let a = authz(PUBLIC)
                    .without("code_challenge")
                    .without("code_challenge_method");
                authorize(emu, a)
            },
        ),
        case(
            Fault::AcceptUnknownScopes,
            "302 invalid_scope",
            "200",
            |emu| authorize(emu, authz(PUBLIC).set("scope", "openid open_id")),
        ),
        // The semicolon request names a scope the app may not have: once split it
        // is a policy question, no longer a syntax one.
        case(
            Fault::LenientScopeDelimiters,
            "302 invalid_scope / 302 invalid_scope",
            "302 access_denied / 200",
            |emu| {
                let semicolon = authorize_raw(
                    emu,
                    "scope",
                    "openid%3Bathena%2Fuser%2FIdentity.PatientMappings.read%3Blaunch%2Fpatient",
                );
                let double = authorize_raw(emu, "scope", "openid%2520launch%252Fpatient");
                format!("{semicolon} / {double}")
            },
        ),
        case(
            Fault::CaseInsensitiveScopes,
            "302 invalid_scope",
            "200",
            |emu| authorize(emu, authz(PUBLIC).set("scope", "OpenID Launch/Patient")),
        ),
        case(
            Fault::IgnoreScopePolicy,
            "302 access_denied / 302 access_denied",
            "200 / 200",
            |emu| {
                let wildcard = authorize(emu, authz(PUBLIC).set("scope", "openid patient/*.read"));
                let mappings = authorize(emu, authz(PUBLIC).set("scope", MAPPINGS));
                format!("{wildcard} / {mappings}")
            },
        ),
        case(Fault::LenientAud, "500", "200", |emu| {
            let aud = "%257B%2522PRACTICEID%2522%253A%2522195900%2522%252C%2522COMMUNICATORBRANDID%2522%253A%25221%2522%257D";
            authorize_raw(emu, "aud", aud)
        }),
        case(Fault::RejectJsonAud, "200", "500", |emu| {
            let aud = r#"{"PRACTICEID":"195900","COMMUNICATORBRANDID":"1"}"#;
            authorize(emu, authz(PUBLIC).set("aud", aud))
        }),
        case(
            Fault::RefreshWithoutOfflineAccess,
            "none",
            "refresh token",
            |emu| {
                let body = tokens(emu, &authz(PUBLIC).set("scope", "openid"));
                let issued = body["refresh_token"].is_string();
                if issued { "refresh token" } else { "none" }.into()
            },
        ),
        case(
            Fault::RefreshScopeEscalation,
            "400 access_denied",
            "200",
            |emu| {
                let rt = s(&public_tokens(emu)["refresh_token"]);
                outcome(&refresh_public(emu, &rt, Some("openid email")))
            },
        ),
        case(
            Fault::RefreshIgnoresScopeSubset,
            "openid",
            "openid launch/patient patient/Patient.read offline_access",
            |emu| {
                let rt = s(&public_tokens(emu)["refresh_token"]);
                s(&json(&refresh_public(emu, &rt, Some("openid")))["scope"])
            },
        ),
        case(
            Fault::AcceptInvalidRefreshToken,
            "400 invalid_grant / 400 invalid_grant",
            "200 / 200",
            |emu| {
                let unknown = outcome(&refresh_public(emu, "never-issued", None));
                let rt = s(&public_tokens(emu)["refresh_token"]);
                revoke(emu, PUBLIC, &rt);
                format!("{unknown} / {}", outcome(&refresh_public(emu, &rt, None)))
            },
        ),
        case(
            Fault::SignWithUnpublishedKey,
            "published",
            "unpublished",
            |emu| {
                let id_token = s(&public_tokens(emu)["id_token"]);
                let kid = jsonwebtoken::decode_header(&id_token)
                    .ok()
                    .and_then(|h| h.kid)
                    .unwrap_or_default();
                let jwks = json(&send(emu, get(KEYS_PATH, &[])));
                let published = jwks["keys"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|k| k["kid"] == kid.as_str()));
                if published {
                    "published"
                } else {
                    "unpublished"
                }
                .into()
            },
        ),
        case(
            Fault::IdTokenWrongAudience,
            PUBLIC,
            "public-app-other",
            |emu| s(&id_claims(emu, authz(PUBLIC))["aud"]),
        ),
        case(Fault::IdTokenDropsNonce, NONCE, "none", |emu| {
            s(&id_claims(emu, authz(PUBLIC))["nonce"])
        }),
        case(
            Fault::IdTokenWrongIssuer,
            ORIGIN,
            "http://127.0.0.1:9/oauth2/default",
            |emu| s(&id_claims(emu, authz(PUBLIC))["iss"]),
        ),
        case(Fault::IdTokenExpired, "valid", "expired", |emu| {
            let exp = id_claims(emu, authz(PUBLIC))["exp"].as_u64().unwrap_or(0);
            if exp > emu.now() { "valid" } else { "expired" }.into()
        }),
        case(Fault::OmitPim, "2 entries", "none", |emu| {
            pim_entries(
                emu,
                authz(MAPPING).set("scope", &format!("openid {MAPPINGS}")),
            )
        }),
        case(Fault::OmitPatientContext, PATIENT, "none", |emu| {
            s(&public_tokens(emu)["patient"])
        }),
        case(Fault::IntrospectRevokedAsActive, "false", "true", |emu| {
            let at = s(&public_tokens(emu)["access_token"]);
            revoke(emu, PUBLIC, &at);
            introspect_active(emu, &at)
        }),
        case(
            Fault::RevokeFailsForUnknownToken,
            "200",
            "400 invalid_request",
            |emu| outcome(&revoke(emu, PUBLIC, "never-issued")),
        ),
        case(
            Fault::LogoutDropsState,
            "https://app.example/bye?state=s1",
            "https://app.example/bye",
            |emu| {
                let extra = [("post_logout_redirect_uri", BYE), ("state", "s1")];
                header(&logout_after_login(emu, &extra).0, "location")
            },
        ),
        case(Fault::LogoutAcceptsAnyRedirect, "400", "302", |emu| {
            let extra = [("post_logout_redirect_uri", "https://evil.example/")];
            logout_after_login(emu, &extra).0.status.to_string()
        }),
        case(Fault::LogoutRevokesTokens, "true", "false", |emu| {
            let (_, at, _) = logout_after_login(emu, &[]);
            introspect_active(emu, &at)
        }),
        case(Fault::SessionSurvivesLogout, "200", "302 code", |emu| {
            logout_after_login(emu, &[]).2
        }),
        case(Fault::AcceptFhirJsonAcceptHeader, "406", "200", |emu| {
            let accept = [("accept", "application/fhir+json")];
            fhir_get(emu, &format!("Patient/{PATIENT}"), &accept)
                .status
                .to_string()
        }),
        case(
            Fault::FhirScopeError403,
            r#"500 {"error": "Invalid permissions, incorrect scope passed."}"#,
            r#"403 {"error":"insufficient_scope"}"#,
            |emu| {
                let r = fhir_get(emu, "Observation", &[]);
                format!("{} {}", r.status, text(&r))
            },
        ),
        case(
            Fault::AcceptWrongSecret,
            "401 invalid_client",
            "400 unsupported_grant_type",
            |emu| {
                let params = [
                    ("grant_type", "x"),
                    ("client_id", WEB),
                    ("client_secret", "wrong"),
                ];
                outcome(&send(emu, post(TOKEN_PATH, &params)))
            },
        ),
        case(
            Fault::AcceptMissingSecret,
            "401 invalid_client",
            "400 unsupported_grant_type",
            |emu| {
                let params = [("grant_type", "x"), ("client_id", WEB)];
                outcome(&send(emu, post(TOKEN_PATH, &params)))
            },
        ),
        case(
            Fault::LegacyOktaWording,
            "PKCE code challenge is required by the application. / PKCE code verifier is required by the application.",
            "PKCE code challenge is required when the token endpoint authentication method is 'NONE'. / PKCE code verifier is required when the token endpoint authentication method is 'NONE'.",
            |emu| {
                let a = authz(PUBLIC)
                    .without("code_challenge")
                    .without("code_challenge_method");
                let r = send(emu, a.request());
                let at_authorize = location_params(&r)
                    .get("error_description")
                    .cloned()
                    .unwrap_or_default();
                let code = obtain_code(emu, &authz(PUBLIC));
                let r = redeem_with(emu, PUBLIC, &code, &[("redirect_uri", CB)]);
                format!("{at_authorize} / {}", s(&json(&r)["error_description"]))
            },
        ),
        case(
            Fault::PkceErrorWithReason,
            "PKCE verification failed.",
            "PKCE verification failed: code_verifier does not match code_challenge.",
            |emu| {
                let code = obtain_code(emu, &authz(PUBLIC));
                let extra = [("redirect_uri", CB), ("code_verifier", WRONG_VERIFIER)];
                s(&json(&redeem_with(emu, PUBLIC, &code, &extra))["error_description"])
            },
        ),
        case(
            Fault::ConsentIgnored,
            "openid launch/patient patient/Patient.read",
            "openid launch/patient patient/Patient.read offline_access",
            |emu| {
                let mut browser = Browser::new(emu);
                let r = browser.sign_in(&authz(PUBLIC), USER);
                let done = browser.consent(&r, "allow", Some(&["patient/Patient.read"]));
                let code = location_params(&done)
                    .get("code")
                    .cloned()
                    .unwrap_or_default();
                s(&json(&redeem(emu, PUBLIC, &code))["scope"])
            },
        ),
        case(Fault::IgnorePortalAccess, "200", "302 code", |emu| {
            authorize_outcome(&Browser::new(emu).run(&authz(PUBLIC), NO_PORTAL_USER))
        }),
        case(Fault::OmitExpiresIn, "300", "null", |emu| {
            public_tokens(emu)["expires_in"].to_string()
        }),
        case(Fault::RejectFhirUrlAud, "200", "500", |emu| {
            let aud = "https://api.athenahealth.com/preview1/195900/1/24/fhir/dstu2";
            authorize(emu, authz(PUBLIC).set("aud", aud))
        }),
        case(Fault::KeysWithoutKid, "true", "false", |emu| {
            json(&keys(emu))["keys"][0]["kid"].is_string().to_string()
        }),
        case(
            Fault::WrongErrorStatus,
            "400 invalid_grant",
            "401 invalid_grant",
            |emu| outcome(&redeem(emu, PUBLIC, "never-issued")),
        ),
        case(Fault::RevokeAnswersJson, "200 \"\"", "200 \"{}\"", |emu| {
            let at = s(&public_tokens(emu)["access_token"]);
            let r = revoke(emu, PUBLIC, &at);
            format!("{} {:?}", r.status, text(&r))
        }),
        case(Fault::KeysWithoutMaxAge, "max-age=3600", "none", |emu| {
            header(&keys(emu), "cache-control")
        }),
        case(Fault::KeysEmpty, "2", "0", |emu| {
            json(&keys(emu))["keys"]
                .as_array()
                .map_or(0, Vec::len)
                .to_string()
        }),
        case(
            Fault::PimWithoutPatientMappings,
            "none",
            "2 entries",
            |emu| {
                let without_mappings = authz(MAPPING).set("scope", "openid");
                pim_entries(emu, without_mappings)
            },
        ),
        case(Fault::SessionIgnored, "302 code", "200", |emu| {
            let quiet = authz(PUBLIC).set("scope", "openid");
            let mut browser = Browser::new(emu);
            browser.run(&quiet, USER);
            authorize_outcome(&browser.authorize(&quiet))
        }),
        case(Fault::WorkflowError200, "500", "200", |emu| {
            authorize(emu, authz(PUBLIC).set("aud", "%7B%22PRACTICEID%22"))
        }),
        case(
            Fault::FhirReadReturnsBundle,
            "200 Patient",
            "200 Bundle",
            |emu| {
                let r = fhir_get(emu, &format!("Patient/{PATIENT}"), &[]);
                format!("{} {}", r.status, s(&json(&r)["resourceType"]))
            },
        ),
    ];
    [code_rule_cases(), singles].concat()
}

#[test]
fn every_fault_breaks_exactly_its_behaviour() {
    check_fault_cases(&cases(), Fault::ALL, emulator);
}

#[test]
fn faults_do_not_disturb_the_happy_path() {
    // Faults that only touch error handling leave a normal flow intact. Refusing one of
    // the two documented aud forms breaks every flow that uses that form, by design.
    let faults = Fault::ALL
        .iter()
        .copied()
        .filter(|f| !matches!(f, Fault::RejectFhirUrlAud | Fault::RejectJsonAud));
    check_happy_path(faults, emulator, |emu| {
        let code = obtain_code(emu, &authz(PUBLIC));
        vec![redeem(emu, PUBLIC, &code)]
    });
}
