//! Every fault switch changes the one behaviour it names: each case observes that
//! behaviour once on a healthy emulator and once with the fault switched on.

use serde_json::Value;

use super::test_support::*;
use super::{Athenahealth, Fault};
use crate::emulators::{EmuRequest, EmuResponse, Emulator};

type Case = FaultCase<Fault, Athenahealth>;

fn send(emu: &mut Athenahealth, req: EmuRequest) -> EmuResponse {
    emu.handle(ORIGIN, &req)
}

fn authorize(emu: &mut Athenahealth, a: Authz) -> String {
    authorize_outcome(&send(emu, a.request()))
}

fn authorize_raw_scope(emu: &mut Athenahealth, raw_scope: &str) -> String {
    let raw = authz(PUBLIC)
        .without("scope")
        .request()
        .raw_query
        .unwrap_or_default();
    authorize_outcome(&send(
        emu,
        get_raw("/oauth2/v1/authorize", &format!("{raw}&scope={raw_scope}")),
    ))
}

fn redeem_with(
    emu: &mut Athenahealth,
    code: &str,
    client: &str,
    redirect_uri: &str,
    verifier: &str,
) -> EmuResponse {
    let params = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier),
    ];
    send(emu, token_request(client, &params))
}

fn refresh(emu: &mut Athenahealth, token: &str, scope: Option<&str>) -> EmuResponse {
    let mut params = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
    params.extend(scope.map(|s| ("scope", s)));
    send(emu, token_request(PUBLIC, &params))
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or("none").to_string()
}

fn id_claims(emu: &mut Athenahealth, a: Authz) -> Value {
    claims(&s(&tokens(emu, &a)["id_token"]))
}

fn introspect_active(emu: &mut Athenahealth, token: &str) -> String {
    let r = send(
        emu,
        post(
            "/oauth2/v1/introspect",
            &[("token", token), ("client_id", PUBLIC)],
        ),
    );
    json(&r)["active"].to_string()
}

const WRONG_VERIFIER: &str = "0000000000000000000000000000000000000000000";

fn logout_after_login(
    emu: &mut Athenahealth,
    extra: &[(&str, &str)],
) -> (EmuResponse, String, Option<String>) {
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
    (r, s(&body["access_token"]), Some(after))
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            fault: Fault::AcceptAnyVerifier,
            observe: |emu| {
                let code = obtain_code(emu, &authz(PUBLIC));
                outcome(&redeem_with(emu, &code, PUBLIC, CB, WRONG_VERIFIER))
            },
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::AllowCodeReuse,
            observe: |emu| {
                let code = obtain_code(emu, &authz(PUBLIC));
                redeem(emu, PUBLIC, &code);
                outcome(&redeem(emu, PUBLIC, &code))
            },
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::CodesNeverExpire,
            observe: |emu| {
                let code = obtain_code(emu, &authz(PUBLIC));
                emu.age_artifact(&code, 3600);
                outcome(&redeem(emu, PUBLIC, &code))
            },
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::CodeLifetime60s,
            observe: |emu| {
                let code = obtain_code(emu, &authz(PUBLIC));
                emu.age_artifact(&code, 61);
                outcome(&redeem(emu, PUBLIC, &code))
            },
            healthy: "200",
            faulty: "400 invalid_grant",
        },
        Case {
            fault: Fault::IgnoreClientMismatch,
            observe: |emu| {
                let code = obtain_code(emu, &authz(PUBLIC));
                outcome(&redeem_with(emu, &code, MAPPING, CB, VERIFIER))
            },
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::IgnoreRedirectMismatch,
            observe: |emu| {
                let code = obtain_code(emu, &authz(PUBLIC));
                outcome(&redeem_with(
                    emu,
                    &code,
                    PUBLIC,
                    "https://app.example/other",
                    VERIFIER,
                ))
            },
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::RedirectErrorsToUnregisteredUri,
            observe: |emu| {
                let r = send(
                    emu,
                    authz(PUBLIC)
                        .set("redirect_uri", "https://evil.example/cb")
                        .request(),
                );
                let location = r
                    .header("location")
                    .unwrap_or("")
                    .split('?')
                    .next()
                    .unwrap_or("")
                    .to_string();
                format!("{} {location}", authorize_outcome(&r))
            },
            healthy: "400 ",
            faulty: "302 invalid_request https://evil.example/cb",
        },
        Case {
            fault: Fault::DropState,
            observe: |emu| {
                let r = Browser::new(emu).run(&authz(PUBLIC), USER);
                location_params(&r)
                    .get("state")
                    .cloned()
                    .unwrap_or_else(|| "none".into())
            },
            healthy: STATE,
            faulty: "none",
        },
        Case {
            fault: Fault::OmitCacheControl,
            observe: |emu| {
                let code = obtain_code(emu, &authz(PUBLIC));
                redeem(emu, PUBLIC, &code)
                    .header("cache-control")
                    .unwrap_or("none")
                    .to_string()
            },
            healthy: "no-store",
            faulty: "none",
        },
        Case {
            fault: Fault::AllowPlainPkce,
            observe: |emu| {
                let a = authz(PUBLIC)
                    .set("code_challenge", VERIFIER)
                    .set("code_challenge_method", "plain");
                let first = authorize(emu, a.clone());
                if first != "200" {
                    return first;
                }
                let code = obtain_code(emu, &a);
                outcome(&redeem_with(emu, &code, PUBLIC, CB, VERIFIER))
            },
            healthy: "302 invalid_request",
            faulty: "200",
        },
        Case {
            fault: Fault::PkceOptionalForPublicClients,
            observe: |emu| {
                authorize(
                    emu,
                    authz(PUBLIC)
                        .without("code_challenge")
                        .without("code_challenge_method"),
                )
            },
            healthy: "302 invalid_request",
            faulty: "200",
        },
        Case {
            fault: Fault::AcceptUnknownScopes,
            observe: |emu| authorize(emu, authz(PUBLIC).set("scope", "openid open_id")),
            healthy: "302 invalid_scope",
            faulty: "200",
        },
        Case {
            fault: Fault::LenientScopeDelimiters,
            observe: |emu| {
                let semicolon = authorize_raw_scope(
                    emu,
                    "openid%3Bathena%2Fuser%2FIdentity.PatientMappings.read%3Blaunch%2Fpatient",
                );
                let double = authorize_raw_scope(emu, "openid%2520launch%252Fpatient");
                format!("{semicolon} / {double}")
            },
            // The semicolon request names a scope the app may not have: once split it
            // is a policy question, no longer a syntax one.
            healthy: "302 invalid_scope / 302 invalid_scope",
            faulty: "302 access_denied / 200",
        },
        Case {
            fault: Fault::CaseInsensitiveScopes,
            observe: |emu| authorize(emu, authz(PUBLIC).set("scope", "OpenID Launch/Patient")),
            healthy: "302 invalid_scope",
            faulty: "200",
        },
        Case {
            fault: Fault::IgnoreScopePolicy,
            observe: |emu| {
                let wildcard = authorize(emu, authz(PUBLIC).set("scope", "openid patient/*.read"));
                let mappings = authorize(emu, authz(PUBLIC).set("scope", MAPPINGS));
                format!("{wildcard} / {mappings}")
            },
            healthy: "302 access_denied / 302 access_denied",
            faulty: "200 / 200",
        },
        Case {
            fault: Fault::LenientAud,
            observe: |emu| {
                let raw = authz(PUBLIC)
                    .without("aud")
                    .request()
                    .raw_query
                    .unwrap_or_default();
                let aud = "%257B%2522PRACTICEID%2522%253A%2522195900%2522%252C%2522COMMUNICATORBRANDID%2522%253A%25221%2522%257D";
                authorize_outcome(&send(
                    emu,
                    get_raw("/oauth2/v1/authorize", &format!("{raw}&aud={aud}")),
                ))
            },
            healthy: "500",
            faulty: "200",
        },
        Case {
            fault: Fault::RejectJsonAud,
            observe: |emu| {
                authorize(
                    emu,
                    authz(PUBLIC).set(
                        "aud",
                        r#"{"PRACTICEID":"195900","COMMUNICATORBRANDID":"1"}"#,
                    ),
                )
            },
            healthy: "200",
            faulty: "500",
        },
        Case {
            fault: Fault::RefreshWithoutOfflineAccess,
            observe: |emu| {
                let body = tokens(emu, &authz(PUBLIC).set("scope", "openid"));
                if body["refresh_token"].is_string() {
                    "refresh token"
                } else {
                    "none"
                }
                .into()
            },
            healthy: "none",
            faulty: "refresh token",
        },
        Case {
            fault: Fault::RefreshScopeEscalation,
            observe: |emu| {
                let rt = s(&tokens(emu, &authz(PUBLIC))["refresh_token"]);
                outcome(&refresh(emu, &rt, Some("openid email")))
            },
            healthy: "400 access_denied",
            faulty: "200",
        },
        Case {
            fault: Fault::RefreshIgnoresScopeSubset,
            observe: |emu| {
                let rt = s(&tokens(emu, &authz(PUBLIC))["refresh_token"]);
                s(&json(&refresh(emu, &rt, Some("openid")))["scope"])
            },
            healthy: "openid",
            faulty: "openid launch/patient patient/Patient.read offline_access",
        },
        Case {
            fault: Fault::AcceptInvalidRefreshToken,
            observe: |emu| {
                let unknown = outcome(&refresh(emu, "never-issued", None));
                let rt = s(&tokens(emu, &authz(PUBLIC))["refresh_token"]);
                send(
                    emu,
                    post(
                        "/oauth2/v1/revoke",
                        &[("token", &rt), ("client_id", PUBLIC)],
                    ),
                );
                format!("{unknown} / {}", outcome(&refresh(emu, &rt, None)))
            },
            healthy: "400 invalid_grant / 400 invalid_grant",
            faulty: "200 / 200",
        },
        Case {
            fault: Fault::SignWithUnpublishedKey,
            observe: |emu| {
                let id_token = s(&tokens(emu, &authz(PUBLIC))["id_token"]);
                let kid = jsonwebtoken::decode_header(&id_token)
                    .ok()
                    .and_then(|h| h.kid)
                    .unwrap_or_default();
                let jwks = json(&send(emu, get("/oauth2/v1/keys", &[])));
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
            healthy: "published",
            faulty: "unpublished",
        },
        Case {
            fault: Fault::IdTokenWrongAudience,
            observe: |emu| s(&id_claims(emu, authz(PUBLIC))["aud"]),
            healthy: PUBLIC,
            faulty: "public-app-other",
        },
        Case {
            fault: Fault::IdTokenDropsNonce,
            observe: |emu| s(&id_claims(emu, authz(PUBLIC))["nonce"]),
            healthy: NONCE,
            faulty: "none",
        },
        Case {
            fault: Fault::IdTokenWrongIssuer,
            observe: |emu| s(&id_claims(emu, authz(PUBLIC))["iss"]),
            healthy: ORIGIN,
            faulty: "http://127.0.0.1:9/oauth2/default",
        },
        Case {
            fault: Fault::IdTokenExpired,
            observe: |emu| {
                let exp = id_claims(emu, authz(PUBLIC))["exp"].as_u64().unwrap_or(0);
                if exp > emu.now() { "valid" } else { "expired" }.into()
            },
            healthy: "valid",
            faulty: "expired",
        },
        Case {
            fault: Fault::OmitPim,
            observe: |emu| {
                let pim = &id_claims(
                    emu,
                    authz(MAPPING).set("scope", &format!("openid {MAPPINGS}")),
                )["pim"];
                pim.as_array()
                    .map_or("none".into(), |a| format!("{} entries", a.len()))
            },
            healthy: "2 entries",
            faulty: "none",
        },
        Case {
            fault: Fault::OmitPatientContext,
            observe: |emu| s(&tokens(emu, &authz(PUBLIC))["patient"]),
            healthy: PATIENT,
            faulty: "none",
        },
        Case {
            fault: Fault::IntrospectRevokedAsActive,
            observe: |emu| {
                let at = s(&tokens(emu, &authz(PUBLIC))["access_token"]);
                send(
                    emu,
                    post(
                        "/oauth2/v1/revoke",
                        &[("token", &at), ("client_id", PUBLIC)],
                    ),
                );
                introspect_active(emu, &at)
            },
            healthy: "false",
            faulty: "true",
        },
        Case {
            fault: Fault::RevokeFailsForUnknownToken,
            observe: |emu| {
                outcome(&send(
                    emu,
                    post(
                        "/oauth2/v1/revoke",
                        &[("token", "never-issued"), ("client_id", PUBLIC)],
                    ),
                ))
            },
            healthy: "200",
            faulty: "400 invalid_request",
        },
        Case {
            fault: Fault::LogoutDropsState,
            observe: |emu| {
                let (r, _, _) =
                    logout_after_login(emu, &[("post_logout_redirect_uri", BYE), ("state", "s1")]);
                r.header("location").unwrap_or("").to_string()
            },
            healthy: "https://app.example/bye?state=s1",
            faulty: "https://app.example/bye",
        },
        Case {
            fault: Fault::LogoutAcceptsAnyRedirect,
            observe: |emu| {
                let (r, _, _) = logout_after_login(
                    emu,
                    &[("post_logout_redirect_uri", "https://evil.example/")],
                );
                r.status.to_string()
            },
            healthy: "400",
            faulty: "302",
        },
        Case {
            fault: Fault::LogoutRevokesTokens,
            observe: |emu| {
                let (_, at, _) = logout_after_login(emu, &[]);
                introspect_active(emu, &at)
            },
            healthy: "true",
            faulty: "false",
        },
        Case {
            fault: Fault::SessionSurvivesLogout,
            observe: |emu| logout_after_login(emu, &[]).2.unwrap_or_default(),
            healthy: "200",
            faulty: "302 code",
        },
        Case {
            fault: Fault::AcceptFhirJsonAcceptHeader,
            observe: |emu| {
                let at = s(&tokens(emu, &authz(PUBLIC))["access_token"]);
                let req = with_header(
                    get(&format!("{FHIR}/Patient/{PATIENT}"), &[]),
                    "authorization",
                    &format!("Bearer {at}"),
                );
                send(emu, with_header(req, "accept", "application/fhir+json"))
                    .status
                    .to_string()
            },
            healthy: "406",
            faulty: "200",
        },
        Case {
            fault: Fault::FhirScopeError403,
            observe: |emu| {
                let at = s(&tokens(emu, &authz(PUBLIC))["access_token"]);
                let req = with_header(
                    get(&format!("{FHIR}/Observation"), &[]),
                    "authorization",
                    &format!("Bearer {at}"),
                );
                let r = send(emu, req);
                format!("{} {}", r.status, text(&r))
            },
            healthy: r#"500 {"error": "Invalid permissions, incorrect scope passed."}"#,
            faulty: r#"403 {"error":"insufficient_scope"}"#,
        },
        Case {
            fault: Fault::AcceptWrongSecret,
            observe: |emu| {
                let req = post(
                    "/oauth2/v1/token",
                    &[
                        ("grant_type", "x"),
                        ("client_id", WEB),
                        ("client_secret", "wrong"),
                    ],
                );
                outcome(&send(emu, req))
            },
            healthy: "401 invalid_client",
            faulty: "400 unsupported_grant_type",
        },
        Case {
            fault: Fault::AcceptMissingSecret,
            observe: |emu| {
                outcome(&send(
                    emu,
                    post(
                        "/oauth2/v1/token",
                        &[("grant_type", "x"), ("client_id", WEB)],
                    ),
                ))
            },
            healthy: "401 invalid_client",
            faulty: "400 unsupported_grant_type",
        },
        Case {
            fault: Fault::LegacyOktaWording,
            observe: |emu| {
                let r = send(
                    emu,
                    authz(PUBLIC)
                        .without("code_challenge")
                        .without("code_challenge_method")
                        .request(),
                );
                let at_authorize = location_params(&r)
                    .get("error_description")
                    .cloned()
                    .unwrap_or_default();
                let code = obtain_code(emu, &authz(PUBLIC));
                let r = send(
                    emu,
                    token_request(
                        PUBLIC,
                        &[
                            ("grant_type", "authorization_code"),
                            ("code", &code),
                            ("redirect_uri", CB),
                        ],
                    ),
                );
                format!("{at_authorize} / {}", s(&json(&r)["error_description"]))
            },
            healthy: "PKCE code challenge is required by the application. / PKCE code verifier is required by the application.",
            faulty: "PKCE code challenge is required when the token endpoint authentication method is 'NONE'. / PKCE code verifier is required when the token endpoint authentication method is 'NONE'.",
        },
        Case {
            fault: Fault::PkceErrorWithReason,
            observe: |emu| {
                let code = obtain_code(emu, &authz(PUBLIC));
                s(&json(&redeem_with(emu, &code, PUBLIC, CB, WRONG_VERIFIER))["error_description"])
            },
            healthy: "PKCE verification failed.",
            faulty: "PKCE verification failed: code_verifier does not match code_challenge.",
        },
        Case {
            fault: Fault::ConsentIgnored,
            observe: |emu| {
                let mut browser = Browser::new(emu);
                let page = browser.authorize(&authz(PUBLIC));
                let r = browser.login(&login_txn(&page), USER, PASSWORD);
                let done = browser.consent(&r, "allow", Some(&["patient/Patient.read"]));
                let code = location_params(&done)
                    .get("code")
                    .cloned()
                    .unwrap_or_default();
                s(&json(&redeem(emu, PUBLIC, &code))["scope"])
            },
            healthy: "openid launch/patient patient/Patient.read",
            faulty: "openid launch/patient patient/Patient.read offline_access",
        },
        Case {
            fault: Fault::IgnorePortalAccess,
            observe: |emu| {
                authorize_outcome(&Browser::new(emu).run(&authz(PUBLIC), NO_PORTAL_USER))
            },
            healthy: "200",
            faulty: "302 code",
        },
        Case {
            fault: Fault::OmitExpiresIn,
            observe: |emu| tokens(emu, &authz(PUBLIC))["expires_in"].to_string(),
            healthy: "300",
            faulty: "null",
        },
        Case {
            fault: Fault::RejectFhirUrlAud,
            observe: |emu| {
                authorize(
                    emu,
                    authz(PUBLIC).set(
                        "aud",
                        "https://api.athenahealth.com/preview1/195900/1/24/fhir/dstu2",
                    ),
                )
            },
            healthy: "200",
            faulty: "500",
        },
        Case {
            fault: Fault::KeysWithoutKid,
            observe: |emu| {
                let r = send(emu, get_raw("/oauth2/v1/keys", ""));
                let v: Value = serde_json::from_slice(&r.body).unwrap_or_default();
                v["keys"][0]["kid"].is_string().to_string()
            },
            healthy: "true",
            faulty: "false",
        },
        Case {
            fault: Fault::WrongErrorStatus,
            observe: |emu| outcome(&redeem(emu, PUBLIC, "never-issued")),
            healthy: "400 invalid_grant",
            faulty: "401 invalid_grant",
        },
        Case {
            fault: Fault::RevokeAnswersJson,
            observe: |emu| {
                let at = s(&tokens(emu, &authz(PUBLIC))["access_token"]);
                let params = [("token", at.as_str()), ("client_id", PUBLIC)];
                let r = send(emu, post("/oauth2/v1/revoke", &params));
                format!("{} {:?}", r.status, text(&r))
            },
            healthy: "200 \"\"",
            faulty: "200 \"{}\"",
        },
        Case {
            fault: Fault::KeysWithoutMaxAge,
            observe: |emu| {
                let r = send(emu, get_raw("/oauth2/v1/keys", ""));
                r.header("cache-control").unwrap_or("none").to_string()
            },
            healthy: "max-age=3600",
            faulty: "none",
        },
        Case {
            fault: Fault::KeysEmpty,
            observe: |emu| {
                let r = send(emu, get_raw("/oauth2/v1/keys", ""));
                let v: Value = serde_json::from_slice(&r.body).unwrap_or_default();
                v["keys"].as_array().map_or(0, Vec::len).to_string()
            },
            healthy: "2",
            faulty: "0",
        },
        Case {
            fault: Fault::PimWithoutPatientMappings,
            observe: |emu| {
                let pim = &id_claims(emu, authz(MAPPING).set("scope", "openid"))["pim"];
                pim.as_array()
                    .map_or("none".into(), |a| format!("{} entries", a.len()))
            },
            healthy: "none",
            faulty: "2 entries",
        },
        Case {
            fault: Fault::SessionIgnored,
            observe: |emu| {
                let quiet = authz(PUBLIC).set("scope", "openid");
                let mut browser = Browser::new(emu);
                browser.run(&quiet, USER);
                authorize_outcome(&browser.authorize(&quiet))
            },
            healthy: "302 code",
            faulty: "200",
        },
        Case {
            fault: Fault::WorkflowError200,
            observe: |emu| authorize(emu, authz(PUBLIC).set("aud", "%7B%22PRACTICEID%22")),
            healthy: "500",
            faulty: "200",
        },
        Case {
            fault: Fault::FhirReadReturnsBundle,
            observe: |emu| {
                let at = s(&tokens(emu, &authz(PUBLIC))["access_token"]);
                let req = with_header(
                    get(&format!("{FHIR}/Patient/{PATIENT}"), &[]),
                    "authorization",
                    &format!("Bearer {at}"),
                );
                let r = send(emu, req);
                let v: Value = serde_json::from_slice(&r.body).unwrap_or_default();
                format!("{} {}", r.status, s(&v["resourceType"]))
            },
            healthy: "200 Patient",
            faulty: "200 Bundle",
        },
    ]
}

#[test]
fn every_fault_breaks_exactly_its_behaviour() {
    check_fault_cases(&cases(), Fault::ALL, emulator);
}

#[test]
fn faults_do_not_disturb_the_happy_path() {
    // Faults that only touch error handling leave a normal flow intact. Refusing one of
    // the two documented aud forms breaks every flow that uses that form, by design.
    for fault in Fault::ALL
        .iter()
        .filter(|f| !matches!(f, Fault::RejectFhirUrlAud | Fault::RejectJsonAud))
    {
        let mut emu = emulator(&[*fault]);
        let code = obtain_code(&mut emu, &authz(PUBLIC));
        let r = redeem(&mut emu, PUBLIC, &code);
        assert_eq!(r.status, 200, "{}: {}", fault.name(), text(&r));
    }
}
