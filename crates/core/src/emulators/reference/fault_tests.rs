//! Every fault switch changes the one behaviour it names: each case observes that
//! behaviour once on a healthy server and once with the fault switched on.

use serde_json::Value;

use super::responses::is_error_charset;
use super::test_support::*;
use super::{Fault, Reference, paths};
use crate::emulators::{EmuResponse, Emulator};
use crate::oauth::pkce;
use crate::oauth::token::basic_header;

type Case = FaultCase<Fault, Reference>;

fn doc(emu: &mut Reference, path: &str) -> Value {
    json(&send(emu, get(path, &[])))
}

fn oidc(emu: &mut Reference) -> Value {
    doc(emu, paths::OPENID_CONFIGURATION)
}

fn smart(emu: &mut Reference) -> Value {
    doc(emu, "/fhir/.well-known/smart-configuration")
}

fn header(r: &EmuResponse, name: &str) -> String {
    r.header(name).unwrap_or("none").to_string()
}

/// What a browser run of `a` ended in: `302 code`, `302 <error>`, or a page's status.
fn run(emu: &mut Reference, a: Authz) -> String {
    authorize_outcome(&Browser::new(emu).run(&a))
}

fn authorize_status(emu: &mut Reference, a: Authz) -> String {
    send(emu, a.request()).status.to_string()
}

fn redirect_param(r: &EmuResponse, name: &str) -> String {
    redirect_params(r).get(name).unwrap_or("none").to_string()
}

/// The token response of a full public-client flow.
fn public_tokens(emu: &mut Reference) -> Value {
    tokens(emu, &authz(PUBLIC))
}

fn redeem_outcome(emu: &mut Reference, a: Authz, client: &str, extra: &[(&str, &str)]) -> String {
    let code = obtain_code(emu, &a);
    outcome(&redeem_with(emu, client, &code, extra))
}

fn id_claims(emu: &mut Reference) -> Value {
    claims(&s(&public_tokens(emu)["id_token"]))
}

/// A code-grant token request of the basic client, with `auth` instead of its header.
fn basic_client_redeem(emu: &mut Reference, auth: &[(&str, &str)], header: Option<&str>) -> String {
    let code = obtain_code(emu, &authz(BASIC_CLIENT).pkce());
    let mut params = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CB),
        ("code_verifier", VERIFIER),
    ];
    params.extend_from_slice(auth);
    let req = post("/token", &params);
    let req = match header {
        Some(h) => with_header(req, "authorization", h),
        None => req,
    };
    outcome(&send(emu, req))
}

fn revoke(emu: &mut Reference, client: &str, token: &str) -> EmuResponse {
    let mut req = token_request(client, &[("token", token)]);
    req.path = "/revoke".into();
    send(emu, req)
}

fn client_credentials(emu: &mut Reference, client: &str) -> EmuResponse {
    send(
        emu,
        token_request(client, &[("grant_type", "client_credentials")]),
    )
}

fn userinfo(emu: &mut Reference, token: Option<&str>) -> EmuResponse {
    let req = get("/userinfo", &[]);
    let req = match token {
        Some(t) => with_header(req, "authorization", &format!("Bearer {t}")),
        None => req,
    };
    send(emu, req)
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            fault: Fault::DiscoveryIssuerMismatch,
            observe: |emu| s(&oidc(emu)["issuer"]),
            healthy: ORIGIN,
            faulty: "http://127.0.0.1:9/",
        },
        Case {
            fault: Fault::DiscoveryMissingRequired,
            observe: |emu| oidc(emu)["subject_types_supported"].to_string(),
            healthy: "[\"public\"]",
            faulty: "null",
        },
        Case {
            fault: Fault::DiscoveryAdvertisesPlainPkce,
            observe: |emu| {
                let a = oidc(emu)["code_challenge_methods_supported"].to_string();
                let b = smart(emu)["code_challenge_methods_supported"].to_string();
                format!("{a} {b}")
            },
            healthy: "[\"S256\"] [\"S256\"]",
            faulty: "[\"S256\",\"plain\"] [\"S256\",\"plain\"]",
        },
        Case {
            fault: Fault::DiscoveryOffersImplicit,
            observe: |emu| {
                let d = oidc(emu);
                format!(
                    "{} {}",
                    d["response_types_supported"], d["grant_types_supported"]
                )
            },
            healthy: "[\"code\"] [\"authorization_code\",\"refresh_token\",\"client_credentials\"]",
            faulty: "[\"code\",\"token\"] [\"authorization_code\",\"refresh_token\",\"client_credentials\",\"implicit\",\"password\"]",
        },
        Case {
            fault: Fault::SmartConfigIncomplete,
            observe: |emu| smart(emu)["capabilities"].is_array().to_string(),
            healthy: "true",
            faulty: "false",
        },
        Case {
            fault: Fault::CapabilityStatementNoOauthUris,
            observe: |emu| {
                s(&doc(emu, "/fhir/metadata")["rest"][0]["security"]["extension"][0]["url"])
            },
            healthy: "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
            faulty: "none",
        },
        Case {
            fault: Fault::DropState,
            observe: |emu| {
                let ok = Browser::new(emu).run(&authz(PUBLIC));
                let error = send(emu, authz(PUBLIC).set("aud", "x").request());
                format!(
                    "{} {}",
                    redirect_param(&ok, "state"),
                    redirect_param(&error, "state")
                )
            },
            healthy: "st4te st4te",
            faulty: "none st4te",
        },
        Case {
            fault: Fault::AuthorizeErrorsDropState,
            observe: |emu| {
                let ok = Browser::new(emu).run(&authz(PUBLIC));
                let error = send(emu, authz(PUBLIC).set("aud", "x").request());
                format!(
                    "{} {}",
                    redirect_param(&ok, "state"),
                    redirect_param(&error, "state")
                )
            },
            healthy: "st4te st4te",
            faulty: "st4te none",
        },
        Case {
            fault: Fault::AuthorizeOmitsIss,
            observe: |emu| redirect_param(&Browser::new(emu).run(&authz(PUBLIC)), "iss"),
            healthy: ORIGIN,
            faulty: "none",
        },
        Case {
            fault: Fault::ImplicitGrantOffered,
            observe: |emu| {
                let r = Browser::new(emu).run(&authz(PUBLIC).set("response_type", "token"));
                let p = redirect_params(&r);
                let got = p.get("access_token").map_or("no token", |_| "token");
                format!("{} {}", p.get("error").unwrap_or("no error"), got)
            },
            healthy: "unsupported_response_type no token",
            faulty: "no error token",
        },
        Case {
            fault: Fault::RedirectUriPrefixMatch,
            observe: |emu| {
                let path = authorize_status(
                    emu,
                    authz(PUBLIC).set("redirect_uri", &format!("{CB}/evil")),
                );
                let query =
                    authorize_status(emu, authz(PUBLIC).set("redirect_uri", &format!("{CB}?x=1")));
                format!("{path} {query}")
            },
            healthy: "400 400",
            faulty: "200 200",
        },
        Case {
            fault: Fault::RedirectUriCaseInsensitive,
            observe: |emu| {
                authorize_status(emu, authz(PUBLIC).set("redirect_uri", &CB.to_uppercase()))
            },
            healthy: "400",
            faulty: "200",
        },
        Case {
            fault: Fault::RedirectUriAnyPort,
            observe: |emu| {
                authorize_status(
                    emu,
                    authz(PUBLIC).set("redirect_uri", "https://app.example.test:8443/callback"),
                )
            },
            healthy: "400",
            faulty: "200",
        },
        Case {
            fault: Fault::RedirectErrorsToUnregisteredUri,
            observe: |emu| {
                let r = send(
                    emu,
                    authz(PUBLIC)
                        .set("redirect_uri", "https://attacker.example.test/callback")
                        .request(),
                );
                let location = header(&r, "location");
                let base = location.split('?').next().unwrap_or("").to_string();
                format!("{} {base}", authorize_outcome(&r))
            },
            healthy: "400 none",
            faulty: "302 invalid_request https://attacker.example.test/callback",
        },
        Case {
            fault: Fault::FrameablePages,
            observe: |emu| {
                let login = send(emu, authz(PUBLIC).request());
                let error = send(emu, authz("nobody").request());
                format!(
                    "{} {} {}",
                    header(&login, "x-frame-options"),
                    header(&login, "content-security-policy"),
                    header(&error, "x-frame-options")
                )
            },
            healthy: "DENY frame-ancestors 'none' DENY",
            faulty: "none none none",
        },
        Case {
            fault: Fault::LoginAnswers307,
            observe: |emu| {
                let page = send(emu, authz(PUBLIC).request());
                Browser::new(emu)
                    .login(&login_txn(&page), USER, PASSWORD)
                    .status
                    .to_string()
            },
            healthy: "303",
            faulty: "307",
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
            fault: Fault::ReplayKeepsTokens,
            observe: |emu| {
                let code = obtain_code(emu, &authz(PUBLIC));
                let first = json(&redeem(emu, PUBLIC, &code));
                let replay = outcome(&redeem(emu, PUBLIC, &code));
                let active = introspect_active(emu, &s(&first["access_token"]));
                format!("{replay} {active}")
            },
            healthy: "400 invalid_grant false",
            faulty: "400 invalid_grant true",
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
            fault: Fault::IgnoreClientMismatch,
            observe: |emu| {
                let extra = [("redirect_uri", CB), ("code_verifier", VERIFIER)];
                redeem_outcome(emu, authz(POST_CLIENT).pkce(), OTHER, &extra)
            },
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::IgnoreRedirectMismatch,
            observe: |emu| {
                let extra = [
                    ("redirect_uri", "https://app.example.test/other-callback"),
                    ("code_verifier", VERIFIER),
                ];
                redeem_outcome(emu, authz(PUBLIC), PUBLIC, &extra)
            },
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::UnknownCodeInvalidRequest,
            observe: |emu| outcome(&redeem(emu, PUBLIC, "never-issued")),
            healthy: "400 invalid_grant",
            faulty: "400 invalid_request",
        },
        Case {
            fault: Fault::PasswordGrantOffered,
            observe: |emu| {
                let params = [
                    ("grant_type", "password"),
                    ("username", USER),
                    ("password", PASSWORD),
                    ("scope", "openid"),
                ];
                outcome(&send(emu, token_request(POST_CLIENT, &params)))
            },
            healthy: "400 unsupported_grant_type",
            faulty: "200",
        },
        Case {
            fault: Fault::TokenErrorsNotJson,
            observe: |emu| header(&redeem(emu, PUBLIC, "never-issued"), "content-type"),
            healthy: "application/json",
            faulty: "text/plain; charset=utf-8",
        },
        Case {
            fault: Fault::ErrorDescriptionNonAscii,
            observe: |emu| {
                let r = redeem(emu, PUBLIC, "never-issued");
                is_error_charset(&s(&json(&r)["error_description"])).to_string()
            },
            healthy: "true",
            faulty: "false",
        },
        Case {
            fault: Fault::AcceptAnyVerifier,
            observe: |emu| {
                let extra = [("redirect_uri", CB), ("code_verifier", WRONG_VERIFIER)];
                redeem_outcome(emu, authz(PUBLIC), PUBLIC, &extra)
            },
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::PkceVerifierOptional,
            observe: |emu| redeem_outcome(emu, authz(PUBLIC), PUBLIC, &[("redirect_uri", CB)]),
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::AllowPlainPkce,
            observe: |emu| {
                let plain = authz(PUBLIC)
                    .set("code_challenge", VERIFIER)
                    .set("code_challenge_method", "plain");
                let default = plain.clone().without("code_challenge_method");
                format!("{} {}", run(emu, plain), run(emu, default))
            },
            healthy: "302 invalid_request 302 invalid_request",
            faulty: "302 code 302 code",
        },
        Case {
            fault: Fault::PkceOptionalForPublicClients,
            observe: |emu| {
                let a = authz(PUBLIC)
                    .without("code_challenge")
                    .without("code_challenge_method");
                run(emu, a)
            },
            healthy: "302 invalid_request",
            faulty: "302 code",
        },
        Case {
            fault: Fault::PkceDowngradeAccepted,
            observe: |emu| {
                let extra = [("redirect_uri", CB), ("code_verifier", VERIFIER)];
                redeem_outcome(emu, authz(POST_CLIENT), POST_CLIENT, &extra)
            },
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::PkceAcceptsShortVerifier,
            observe: |emu| {
                let short = "s".repeat(42);
                let a = authz(PUBLIC).set("code_challenge", &pkce::s256_challenge(&short));
                let right = redeem_outcome(
                    emu,
                    a.clone(),
                    PUBLIC,
                    &[("redirect_uri", CB), ("code_verifier", &short)],
                );
                let wrong = "t".repeat(42);
                let wrong = redeem_outcome(
                    emu,
                    a,
                    PUBLIC,
                    &[("redirect_uri", CB), ("code_verifier", &wrong)],
                );
                format!("{right}, {wrong}")
            },
            healthy: "400 invalid_grant, 400 invalid_grant",
            faulty: "200, 400 invalid_grant",
        },
        Case {
            fault: Fault::TokenTypeNotBearer,
            observe: |emu| s(&public_tokens(emu)["token_type"]),
            healthy: "Bearer",
            faulty: "mac",
        },
        Case {
            fault: Fault::OmitCacheControl,
            observe: |emu| {
                let code = obtain_code(emu, &authz(PUBLIC));
                let ok = redeem(emu, PUBLIC, &code);
                let error = redeem(emu, PUBLIC, &code);
                format!(
                    "{} {} {}",
                    header(&ok, "cache-control"),
                    header(&ok, "pragma"),
                    header(&error, "cache-control")
                )
            },
            healthy: "no-store no-cache no-store",
            faulty: "none none none",
        },
        Case {
            fault: Fault::TokenResponseHidesScopeChange,
            observe: |emu| {
                let same = s(&public_tokens(emu)["scope"]);
                let a = authz(PUBLIC).set("scope", "openid grantcheck.unknown-scope");
                let changed = s(&tokens(emu, &a)["scope"]);
                format!("{same} / {changed}")
            },
            healthy: "openid offline_access launch/patient patient/Patient.rs / openid",
            faulty: "openid offline_access launch/patient patient/Patient.rs / none",
        },
        Case {
            fault: Fault::BasicAuthBroken,
            observe: |emu| {
                basic_client_redeem(emu, &[], Some(&basic_header(BASIC_CLIENT, BASIC_SECRET)))
            },
            healthy: "200",
            faulty: "401 invalid_client",
        },
        Case {
            fault: Fault::PostAuthBroken,
            observe: |emu| {
                let extra = [("redirect_uri", CB), ("code_verifier", VERIFIER)];
                redeem_outcome(emu, authz(POST_CLIENT).pkce(), POST_CLIENT, &extra)
            },
            healthy: "200",
            faulty: "401 invalid_client",
        },
        Case {
            fault: Fault::InvalidClientWithoutChallenge,
            observe: wrong_basic_secret,
            healthy: "401 invalid_client Basic realm=\"reference\"",
            faulty: "400 invalid_client none",
        },
        Case {
            fault: Fault::UnknownClientInvalidGrant,
            observe: |emu| {
                let extra = [("redirect_uri", CB), ("code_verifier", VERIFIER)];
                redeem_outcome(emu, authz(PUBLIC), "ref-unregistered", &extra)
            },
            healthy: "401 invalid_client",
            faulty: "400 invalid_grant",
        },
        Case {
            fault: Fault::AuthMethodNotEnforced,
            observe: |emu| {
                let auth = [("client_id", BASIC_CLIENT), ("client_secret", BASIC_SECRET)];
                basic_client_redeem(emu, &auth, None)
            },
            healthy: "401 invalid_client",
            faulty: "200",
        },
        Case {
            fault: Fault::JwtSignatureUnchecked,
            observe: |emu| jwt_client_redeem(emu, &jwt_assertion(&rogue_jwt_key(), ORIGIN, 60)),
            healthy: "401 invalid_client",
            faulty: "200",
        },
        Case {
            fault: Fault::JwtAudienceUnchecked,
            observe: |emu| {
                jwt_client_redeem(
                    emu,
                    &jwt_assertion(&jwt_key(), "https://elsewhere.test", 60),
                )
            },
            healthy: "401 invalid_client",
            faulty: "200",
        },
        Case {
            fault: Fault::JwtExpiryUnchecked,
            observe: |emu| jwt_client_redeem(emu, &jwt_assertion(&jwt_key(), ORIGIN, -300)),
            healthy: "401 invalid_client",
            faulty: "200",
        },
        Case {
            fault: Fault::TwoAuthMethodsAccepted,
            observe: |emu| {
                let header = basic_header(BASIC_CLIENT, BASIC_SECRET);
                basic_client_redeem(emu, &[("client_secret", BASIC_SECRET)], Some(&header))
            },
            healthy: "400 invalid_request",
            faulty: "200",
        },
        Case {
            fault: Fault::MissingSecretAccepted,
            observe: |emu| basic_client_redeem(emu, &[("client_id", BASIC_CLIENT)], None),
            healthy: "401 invalid_client",
            faulty: "200",
        },
        Case {
            fault: Fault::RefreshIgnoresScope,
            observe: |emu| {
                let rt = s(&public_tokens(emu)["refresh_token"]);
                s(&json(&refresh(emu, PUBLIC, &rt, Some("openid")))["scope"])
            },
            healthy: "openid",
            faulty: "openid offline_access launch/patient patient/Patient.rs",
        },
        Case {
            fault: Fault::RefreshWidensScope,
            observe: |emu| {
                let rt = s(&public_tokens(emu)["refresh_token"]);
                outcome(&refresh(emu, PUBLIC, &rt, Some("openid profile")))
            },
            healthy: "400 invalid_scope",
            faulty: "200",
        },
        Case {
            fault: Fault::RefreshNotBoundToClient,
            observe: |emu| {
                let rt = s(&tokens(emu, &authz(POST_CLIENT))["refresh_token"]);
                outcome(&refresh(emu, OTHER, &rt, None))
            },
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::NoRefreshRotation,
            observe: |emu| {
                let rt = s(&public_tokens(emu)["refresh_token"]);
                let next = s(&json(&refresh(emu, PUBLIC, &rt, None))["refresh_token"]);
                let again = outcome(&refresh(emu, PUBLIC, &rt, None));
                format!("{} {again}", if next == rt { "same" } else { "new" })
            },
            healthy: "new 400 invalid_grant",
            faulty: "same 200",
        },
        Case {
            fault: Fault::RefreshReplayUndetected,
            observe: |emu| {
                let rt = s(&public_tokens(emu)["refresh_token"]);
                refresh(emu, PUBLIC, &rt, None);
                outcome(&refresh(emu, PUBLIC, &rt, None))
            },
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::RefreshReplayKeepsFamily,
            observe: |emu| {
                let rt = s(&public_tokens(emu)["refresh_token"]);
                let current = s(&json(&refresh(emu, PUBLIC, &rt, None))["refresh_token"]);
                let replay = outcome(&refresh(emu, PUBLIC, &rt, None));
                format!(
                    "{replay}, {}",
                    outcome(&refresh(emu, PUBLIC, &current, None))
                )
            },
            healthy: "400 invalid_grant, 400 invalid_grant",
            faulty: "400 invalid_grant, 200",
        },
        Case {
            fault: Fault::IntrospectionAlwaysInactive,
            observe: |emu| {
                let access = s(&public_tokens(emu)["access_token"]);
                introspect_active(emu, &access)
            },
            healthy: "true",
            faulty: "false",
        },
        Case {
            fault: Fault::IntrospectionOpen,
            observe: |emu| {
                let access = s(&public_tokens(emu)["access_token"]);
                outcome(&send(emu, post("/introspect", &[("token", &access)])))
            },
            healthy: "401 invalid_client",
            faulty: "200",
        },
        Case {
            fault: Fault::RevocationIgnored,
            observe: |emu| {
                let access = s(&public_tokens(emu)["access_token"]);
                let status = revoke(emu, PUBLIC, &access).status;
                format!("{status} {}", introspect_active(emu, &access))
            },
            healthy: "200 false",
            faulty: "200 true",
        },
        Case {
            fault: Fault::RevokeUnknownToken400,
            observe: |emu| outcome(&revoke(emu, PUBLIC, "never-issued")),
            healthy: "200",
            faulty: "400 invalid_request",
        },
        Case {
            fault: Fault::RevokeRefreshKeepsAccess,
            observe: |emu| {
                let body = public_tokens(emu);
                revoke(emu, PUBLIC, &s(&body["refresh_token"]));
                let access = introspect_active(emu, &s(&body["access_token"]));
                let rt = introspect_active(emu, &s(&body["refresh_token"]));
                format!("{access} {rt}")
            },
            healthy: "false false",
            faulty: "true false",
        },
        Case {
            fault: Fault::ClientCredentialsRefreshToken,
            observe: |emu| {
                json(&client_credentials(emu, SYSTEM))["refresh_token"]
                    .is_string()
                    .to_string()
            },
            healthy: "false",
            faulty: "true",
        },
        Case {
            fault: Fault::ClientCredentialsAnyClient,
            observe: |emu| outcome(&client_credentials(emu, POST_CLIENT)),
            healthy: "400 unauthorized_client",
            faulty: "200",
        },
        Case {
            fault: Fault::IdTokenUnknownKid,
            observe: |emu| {
                let token = s(&public_tokens(emu)["id_token"]);
                jsonwebtoken::decode_header(&token)
                    .ok()
                    .and_then(|h| h.kid)
                    .unwrap_or_default()
            },
            healthy: "reference-1",
            faulty: "reference-unpublished",
        },
        Case {
            fault: Fault::IdTokenWrongAud,
            observe: |emu| s(&id_claims(emu)["aud"]),
            healthy: PUBLIC,
            faulty: "ref-public-other",
        },
        Case {
            fault: Fault::IdTokenExpired,
            observe: |emu| {
                let claims = id_claims(emu);
                let now = emu.now();
                let current = claims["exp"].as_u64().is_some_and(|exp| exp > now);
                if current { "current" } else { "expired" }.to_string()
            },
            healthy: "current",
            faulty: "expired",
        },
        Case {
            fault: Fault::IdTokenDropsNonce,
            observe: |emu| s(&id_claims(emu)["nonce"]),
            healthy: NONCE,
            faulty: "none",
        },
        Case {
            fault: Fault::UserinfoWithoutChallenge,
            observe: |emu| {
                let none = userinfo(emu, None);
                let bad = userinfo(emu, Some("never-issued"));
                format!(
                    "{} {} / {}",
                    none.status,
                    header(&none, "www-authenticate"),
                    header(&bad, "www-authenticate")
                )
            },
            healthy: "401 Bearer realm=\"reference\" / Bearer realm=\"reference\", error=\"invalid_token\"",
            faulty: "401 none / none",
        },
        Case {
            fault: Fault::UserinfoRefusesValidToken,
            observe: |emu| {
                let access = s(&public_tokens(emu)["access_token"]);
                userinfo(emu, Some(&access)).status.to_string()
            },
            healthy: "200",
            faulty: "401",
        },
        Case {
            fault: Fault::SmartV2ScopesRefused,
            observe: |emu| {
                let v2 = run(emu, authz(PUBLIC).set("scope", "openid patient/Patient.rs"));
                let v1 = run(
                    emu,
                    authz(PUBLIC).set("scope", "openid patient/Patient.read"),
                );
                format!("{v2}, {v1}")
            },
            healthy: "302 code, 302 code",
            faulty: "302 invalid_scope, 302 code",
        },
        Case {
            fault: Fault::SmartV1ScopesRefused,
            observe: |emu| {
                let v2 = run(emu, authz(PUBLIC).set("scope", "openid patient/Patient.rs"));
                let v1 = run(
                    emu,
                    authz(PUBLIC).set("scope", "openid patient/Patient.read"),
                );
                format!("{v2}, {v1}")
            },
            healthy: "302 code, 302 code",
            faulty: "302 code, 302 invalid_scope",
        },
        Case {
            fault: Fault::NoPatientContext,
            observe: |emu| s(&public_tokens(emu)["patient"]),
            healthy: PATIENT,
            faulty: "none",
        },
        Case {
            fault: Fault::SmartV2ScopesDropped,
            observe: |emu| {
                let a =
                    authz(PUBLIC).set("scope", "openid patient/Patient.rs patient/Patient.read");
                s(&tokens(emu, &a)["scope"])
            },
            healthy: "openid patient/Patient.rs patient/Patient.read",
            faulty: "openid patient/Patient.read",
        },
        Case {
            fault: Fault::OmitPragma,
            observe: |emu| {
                let code = obtain_code(emu, &authz(PUBLIC));
                let ok = redeem(emu, PUBLIC, &code);
                format!("{} {}", header(&ok, "cache-control"), header(&ok, "pragma"))
            },
            healthy: "no-store no-cache",
            faulty: "no-store none",
        },
        Case {
            fault: Fault::LongLivedAccessTokens,
            observe: |emu| public_tokens(emu)["expires_in"].to_string(),
            healthy: "3600",
            faulty: "86400",
        },
        Case {
            fault: Fault::ExpiresInFractional,
            observe: |emu| public_tokens(emu)["expires_in"].to_string(),
            healthy: "3600",
            faulty: "3600.0",
        },
        Case {
            fault: Fault::ExpiresInAsString,
            observe: |emu| public_tokens(emu)["expires_in"].to_string(),
            healthy: "3600",
            faulty: "\"3600\"",
        },
        Case {
            fault: Fault::InvalidClientBearerChallenge,
            observe: wrong_basic_secret,
            healthy: "401 invalid_client Basic realm=\"reference\"",
            faulty: "401 invalid_client Bearer realm=\"reference\"",
        },
        Case {
            fault: Fault::UserinfoWrongSubject,
            observe: |emu| {
                let t = public_tokens(emu);
                let id_sub = s(&claims(&s(&t["id_token"]))["sub"]);
                let info = json(&userinfo(emu, Some(&s(&t["access_token"]))));
                (s(&info["sub"]) == id_sub).to_string()
            },
            healthy: "true",
            faulty: "false",
        },
        Case {
            fault: Fault::DiscoveryOmitsPkceMethods,
            observe: |emu| {
                let a = oidc(emu)["code_challenge_methods_supported"].to_string();
                let b = smart(emu)["code_challenge_methods_supported"].to_string();
                format!("{a} {b}")
            },
            healthy: "[\"S256\"] [\"S256\"]",
            faulty: "null [\"S256\"]",
        },
        Case {
            fault: Fault::DiscoveryListsNoPkceMethods,
            observe: |emu| {
                let a = oidc(emu)["code_challenge_methods_supported"].to_string();
                let b = smart(emu)["code_challenge_methods_supported"].to_string();
                format!("{a} {b}")
            },
            healthy: "[\"S256\"] [\"S256\"]",
            faulty: "[] [\"S256\"]",
        },
        Case {
            fault: Fault::SmartConfigLacksPermissionV2,
            observe: |emu| {
                let caps = smart(emu)["capabilities"].clone();
                let listed = |c: &str| caps.as_array().is_some_and(|a| a.iter().any(|v| v == c));
                format!("{} {}", listed("permission-v2"), listed("permission-v1"))
            },
            healthy: "true true",
            faulty: "false true",
        },
        Case {
            fault: Fault::IntrospectionTimesAsStrings,
            observe: |emu| {
                let access = s(&public_tokens(emu)["access_token"]);
                let req = with_header(
                    post("/introspect", &[("token", &access)]),
                    "authorization",
                    &basic_header(OTHER, OTHER_SECRET),
                );
                let body = json(&send(emu, req));
                format!(
                    "{} {} {}",
                    body["active"],
                    body["exp"].is_u64(),
                    body["iat"].is_string()
                )
            },
            healthy: "true true false",
            faulty: "true false true",
        },
        Case {
            fault: Fault::JwksModulusLeadingZero,
            observe: |emu| {
                let n = s(&doc(emu, paths::JWKS)["keys"][0]["n"]);
                format!("{} {}", n.len(), &n[..2])
            },
            healthy: "342 _U",
            faulty: "343 AP",
        },
    ]
}

#[test]
fn every_fault_changes_its_behaviour() {
    check_fault_cases(&cases(), Fault::ALL, emulator);
}

#[test]
fn fault_names_round_trip() {
    for fault in Fault::ALL {
        assert_eq!(fault.name().parse::<Fault>(), Ok(*fault));
    }
    assert_eq!(super::FAULTS.len(), Fault::ALL.len());
    let err = "nope".parse::<Fault>().err().unwrap_or_default();
    assert!(err.contains("unknown reference fault `nope`"), "{err}");
}

/// A client credentials request with a wrong Basic secret: the refusal and its
/// challenge.
fn wrong_basic_secret(emu: &mut Reference) -> String {
    let r = send(
        emu,
        with_header(
            post("/token", &[("grant_type", "client_credentials")]),
            "authorization",
            &basic_header(BASIC_CLIENT, "wrong"),
        ),
    );
    format!("{} {}", outcome(&r), header(&r, "www-authenticate"))
}
