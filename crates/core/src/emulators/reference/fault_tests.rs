//! Every fault switch changes the one behaviour it names: each case observes that
//! behaviour once on a healthy server and once with the fault switched on.

use serde_json::Value;

use super::responses::is_error_charset;
use super::test_support::*;
use super::{Fault, Reference, paths};
use crate::emulators::EmuResponse;
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

/// What a browser run of `a` ended in: `302 code`, `302 <error>`, or a page's status.
fn run(emu: &mut Reference, a: Authz) -> String {
    authorize_outcome(&Browser::new(emu).run(&a, USER))
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

fn id_claims(emu: &mut Reference) -> Value {
    claims(&s(&public_tokens(emu)["id_token"]))
}

/// A code-grant token request of the basic client, with `auth` instead of its header.
fn basic_client_redeem(emu: &mut Reference, auth: &[(&str, &str)], header: Option<&str>) -> String {
    redeem_authenticated_as(emu, BASIC_CLIENT, auth, header)
}

fn revoke(emu: &mut Reference, client: &str, token: &str) -> EmuResponse {
    send(emu, client_request("/revoke", client, &[("token", token)]))
}

fn client_credentials(emu: &mut Reference, client: &str) -> EmuResponse {
    send(
        emu,
        token_request(client, &[("grant_type", "client_credentials")]),
    )
}

/// The state of a successful flow's redirect, then of a redirected authorize error.
fn state_after_success_and_error(emu: &mut Reference) -> String {
    let ok = Browser::new(emu).run(&authz(PUBLIC), USER);
    let error = send(emu, authz(PUBLIC).set("aud", "x").request());
    format!(
        "{} {}",
        redirect_param(&ok, "state"),
        redirect_param(&error, "state")
    )
}

/// What a flow asking for SMART v2 scopes, then one asking for v1 scopes, ends in.
fn smart_v2_then_v1(emu: &mut Reference) -> String {
    let v2 = run(emu, authz(PUBLIC).set("scope", "openid patient/Patient.rs"));
    let v1 = run(
        emu,
        authz(PUBLIC).set("scope", "openid patient/Patient.read"),
    );
    format!("{v2}, {v1}")
}

/// `code_challenge_methods_supported` of the OpenID and the SMART configuration.
fn pkce_methods(emu: &mut Reference) -> String {
    let a = oidc(emu)["code_challenge_methods_supported"].to_string();
    let b = smart(emu)["code_challenge_methods_supported"].to_string();
    format!("{a} {b}")
}

fn expires_in(emu: &mut Reference) -> String {
    public_tokens(emu)["expires_in"].to_string()
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

/// Faults that each change one shared observation their own way.
fn shared_observation_cases() -> Vec<Case> {
    let state = [
        (Fault::DropState, "st4te st4te", "none st4te"),
        (Fault::AuthorizeErrorsDropState, "st4te st4te", "st4te none"),
    ];
    let scopes = [
        (
            Fault::SmartV2ScopesRefused,
            "302 code, 302 code",
            "302 invalid_scope, 302 code",
        ),
        (
            Fault::SmartV1ScopesRefused,
            "302 code, 302 code",
            "302 code, 302 invalid_scope",
        ),
    ];
    let s256 = r#"["S256"] ["S256"]"#;
    let pkce = [
        (
            Fault::DiscoveryAdvertisesPlainPkce,
            s256,
            r#"["S256","plain"] ["S256","plain"]"#,
        ),
        (Fault::DiscoveryOmitsPkceMethods, s256, r#"null ["S256"]"#),
        (Fault::DiscoveryListsNoPkceMethods, s256, r#"[] ["S256"]"#),
    ];
    let lifetimes = [
        (Fault::LongLivedAccessTokens, "3600", "86400"),
        (Fault::ExpiresInFractional, "3600", "3600.0"),
        (Fault::ExpiresInAsString, "3600", r#""3600""#),
    ];
    let basic_challenge = r#"401 invalid_client Basic realm="reference""#;
    let wrong_secret = [
        (
            Fault::InvalidClientBearerChallenge,
            basic_challenge,
            r#"401 invalid_client Bearer realm="reference""#,
        ),
        (
            Fault::InvalidClientWithoutChallenge,
            basic_challenge,
            "400 invalid_client none",
        ),
    ];
    [
        sharing(state_after_success_and_error, &state),
        sharing(smart_v2_then_v1, &scopes),
        sharing(pkce_methods, &pkce),
        sharing(expires_in, &lifetimes),
        sharing(wrong_basic_secret, &wrong_secret),
    ]
    .concat()
}

fn cases() -> Vec<Case> {
    let singles = vec![
        case(
            Fault::DiscoveryIssuerMismatch,
            ORIGIN,
            "http://127.0.0.1:9/",
            |emu| s(&oidc(emu)["issuer"]),
        ),
        case(
            Fault::DiscoveryMissingRequired,
            "[\"public\"]",
            "null",
            |emu| oidc(emu)["subject_types_supported"].to_string(),
        ),
        case(
            Fault::DiscoveryOffersImplicit,
            "[\"code\"] [\"authorization_code\",\"refresh_token\",\"client_credentials\"]",
            "[\"code\",\"token\"] [\"authorization_code\",\"refresh_token\",\"client_credentials\",\"implicit\",\"password\"]",
            |emu| {
                let d = oidc(emu);
                format!(
                    "{} {}",
                    d["response_types_supported"], d["grant_types_supported"]
                )
            },
        ),
        case(Fault::SmartConfigIncomplete, "true", "false", |emu| {
            smart(emu)["capabilities"].is_array().to_string()
        }),
        case(
            Fault::CapabilityStatementNoOauthUris,
            "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
            "none",
            |emu| s(&doc(emu, "/fhir/metadata")["rest"][0]["security"]["extension"][0]["url"]),
        ),
        case(Fault::AuthorizeOmitsIss, ORIGIN, "none", |emu| {
            redirect_param(&Browser::new(emu).run(&authz(PUBLIC), USER), "iss")
        }),
        case(
            Fault::ImplicitGrantOffered,
            "unsupported_response_type no token",
            "no error token",
            |emu| {
                let a = authz(PUBLIC).set("response_type", "token");
                let r = Browser::new(emu).run(&a, USER);
                let p = redirect_params(&r);
                let got = p.get("access_token").map_or("no token", |_| "token");
                format!("{} {}", p.get("error").unwrap_or("no error"), got)
            },
        ),
        case(Fault::RedirectUriPrefixMatch, "400 400", "200 200", |emu| {
            let path = authorize_status(
                emu,
                authz(PUBLIC).set("redirect_uri", &format!("{CB}/evil")),
            );
            let query =
                authorize_status(emu, authz(PUBLIC).set("redirect_uri", &format!("{CB}?x=1")));
            format!("{path} {query}")
        }),
        case(Fault::RedirectUriCaseInsensitive, "400", "200", |emu| {
            authorize_status(emu, authz(PUBLIC).set("redirect_uri", &CB.to_uppercase()))
        }),
        case(Fault::RedirectUriAnyPort, "400", "200", |emu| {
            authorize_status(
                emu,
                authz(PUBLIC).set("redirect_uri", "https://app.example.test:8443/callback"),
            )
        }),
        case(
            Fault::RedirectErrorsToUnregisteredUri,
            "400 none",
            "302 invalid_request https://attacker.example.test/callback",
            |emu| {
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
        ),
        case(
            Fault::FrameablePages,
            "DENY frame-ancestors 'none' DENY",
            "none none none",
            |emu| {
                let login = send(emu, authz(PUBLIC).request());
                let error = send(emu, authz("nobody").request());
                format!(
                    "{} {} {}",
                    header(&login, "x-frame-options"),
                    header(&login, "content-security-policy"),
                    header(&error, "x-frame-options")
                )
            },
        ),
        case(Fault::LoginAnswers307, "303", "307", |emu| {
            let r = Browser::new(emu).sign_in(&authz(PUBLIC), USER);
            r.status.to_string()
        }),
        case(
            Fault::JwtSignatureUnchecked,
            "401 invalid_client",
            "200",
            |emu| jwt_client_redeem(emu, &jwt_assertion(&rogue_jwt_key(), ORIGIN, 60)),
        ),
        case(
            Fault::JwtAudienceUnchecked,
            "401 invalid_client",
            "200",
            |emu| {
                jwt_client_redeem(
                    emu,
                    &jwt_assertion(&jwt_key(), "https://elsewhere.test", 60),
                )
            },
        ),
        case(
            Fault::JwtExpiryUnchecked,
            "401 invalid_client",
            "200",
            |emu| jwt_client_redeem(emu, &jwt_assertion(&jwt_key(), ORIGIN, -300)),
        ),
        case(
            Fault::JwtReplayAccepted,
            "200 401 invalid_client",
            "200 200",
            |emu| {
                let assertion = jwt_assertion(&jwt_key(), ORIGIN, 60);
                let first = jwt_client_redeem(emu, &assertion);
                format!("{first} {}", jwt_client_redeem(emu, &assertion))
            },
        ),
        case(
            Fault::JwtOnlyRs256,
            "200 200",
            "200 401 invalid_client",
            |emu| {
                let alg = jsonwebtoken::Algorithm::ES384;
                let es384 = signed_assertion(alg, JWT_ES384_KID, ES384_PEM, "es384");
                let rs256 = jwt_client_redeem(emu, &jwt_assertion(&jwt_key(), ORIGIN, 60));
                format!("{rs256} {}", jwt_client_redeem(emu, &es384))
            },
        ),
        case(
            Fault::DiscoveryOmitsJwtAuth,
            "true true",
            "false false",
            |emu| {
                let listed = |doc: Value| {
                    let methods = doc["token_endpoint_auth_methods_supported"].to_string();
                    let algs = doc["token_endpoint_auth_signing_alg_values_supported"].to_string();
                    methods.contains("private_key_jwt") && algs.contains("ES384")
                };
                format!("{} {}", listed(oidc(emu)), listed(smart(emu)))
            },
        ),
        case(
            Fault::PublicRefreshNeedsClientId,
            "200",
            "401 invalid_client",
            |emu| {
                let rt = s(&public_tokens(emu)["refresh_token"]);
                let form = [
                    ("grant_type", "refresh_token"),
                    ("refresh_token", rt.as_str()),
                ];
                outcome(&send(emu, post("/token", &form)))
            },
        ),
        case(Fault::FhirReadsOtherPatients, "403", "200", |emu| {
            let at = s(&public_tokens(emu)["access_token"]);
            let req = with_bearer(get("/fhir/Patient/pat-other", &[]), &at);
            send(emu, req).status.to_string()
        }),
        case(
            Fault::ReplayKeepsTokens,
            "400 invalid_grant false",
            "400 invalid_grant true",
            |emu| {
                let code = obtain_code(emu, &authz(PUBLIC));
                let first = json(&redeem(emu, PUBLIC, &code));
                let replay = outcome(&redeem(emu, PUBLIC, &code));
                let active = introspect_active(emu, &s(&first["access_token"]));
                format!("{replay} {active}")
            },
        ),
        case(
            Fault::UnknownCodeInvalidRequest,
            "400 invalid_grant",
            "400 invalid_request",
            |emu| outcome(&redeem(emu, PUBLIC, "never-issued")),
        ),
        case(
            Fault::PasswordGrantOffered,
            "400 unsupported_grant_type",
            "200",
            |emu| {
                let params = [
                    ("grant_type", "password"),
                    ("username", USER),
                    ("password", PASSWORD),
                    ("scope", "openid"),
                ];
                outcome(&send(emu, token_request(POST_CLIENT, &params)))
            },
        ),
        case(
            Fault::TokenErrorsNotJson,
            "application/json",
            "text/plain; charset=utf-8",
            |emu| header(&redeem(emu, PUBLIC, "never-issued"), "content-type"),
        ),
        case(Fault::ErrorDescriptionNonAscii, "true", "false", |emu| {
            let r = redeem(emu, PUBLIC, "never-issued");
            is_error_charset(&s(&json(&r)["error_description"])).to_string()
        }),
        case(
            Fault::PkceVerifierOptional,
            "400 invalid_grant",
            "200",
            |emu| redeem_outcome(emu, authz(PUBLIC), PUBLIC, &[("redirect_uri", CB)]),
        ),
        case(
            Fault::AllowPlainPkce,
            "302 invalid_request 302 invalid_request",
            "302 code 302 code",
            |emu| {
                let plain = authz(PUBLIC)
                    .set("code_challenge", VERIFIER)
                    .set("code_challenge_method", "plain");
                let default = plain.clone().without("code_challenge_method");
                format!("{} {}", run(emu, plain), run(emu, default))
            },
        ),
        case(
            Fault::PkceOptionalForPublicClients,
            "302 invalid_request",
            "302 code",
            |emu| {
                let a = authz(PUBLIC)
                    .without("code_challenge")
                    .without("code_challenge_method");
                run(emu, a)
            },
        ),
        case(
            Fault::PkceDowngradeAccepted,
            "400 invalid_grant",
            "200",
            |emu| {
                let extra = [("redirect_uri", CB), ("code_verifier", VERIFIER)];
                redeem_outcome(emu, authz(POST_CLIENT), POST_CLIENT, &extra)
            },
        ),
        case(
            Fault::PkceAcceptsShortVerifier,
            "400 invalid_grant, 400 invalid_grant",
            "200, 400 invalid_grant",
            |emu| {
                let short = "s".repeat(42);
                let right = outcome(&redeem_for_challenge_of(emu, &short, &short));
                let wrong = outcome(&redeem_for_challenge_of(emu, &short, &"t".repeat(42)));
                format!("{right}, {wrong}")
            },
        ),
        case(Fault::TokenTypeNotBearer, "Bearer", "mac", |emu| {
            s(&public_tokens(emu)["token_type"])
        }),
        case(
            Fault::OmitCacheControl,
            "no-store no-cache no-store",
            "none none none",
            |emu| {
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
        ),
        case(
            Fault::TokenResponseHidesScopeChange,
            "openid offline_access launch/patient patient/Patient.rs / openid",
            "openid offline_access launch/patient patient/Patient.rs / none",
            |emu| {
                let same = s(&public_tokens(emu)["scope"]);
                let a = authz(PUBLIC).set("scope", "openid grantcheck.unknown-scope");
                let changed = s(&tokens(emu, &a)["scope"]);
                format!("{same} / {changed}")
            },
        ),
        case(Fault::BasicAuthBroken, "200", "401 invalid_client", |emu| {
            basic_client_redeem(emu, &[], Some(&basic_header(BASIC_CLIENT, BASIC_SECRET)))
        }),
        case(Fault::PostAuthBroken, "200", "401 invalid_client", |emu| {
            let extra = [("redirect_uri", CB), ("code_verifier", VERIFIER)];
            redeem_outcome(emu, authz(POST_CLIENT).pkce(), POST_CLIENT, &extra)
        }),
        case(
            Fault::UnknownClientInvalidGrant,
            "401 invalid_client",
            "400 invalid_grant",
            |emu| {
                let extra = [("redirect_uri", CB), ("code_verifier", VERIFIER)];
                redeem_outcome(emu, authz(PUBLIC), "ref-unregistered", &extra)
            },
        ),
        case(
            Fault::AuthMethodNotEnforced,
            "401 invalid_client",
            "200",
            |emu| {
                let auth = [("client_id", BASIC_CLIENT), ("client_secret", BASIC_SECRET)];
                basic_client_redeem(emu, &auth, None)
            },
        ),
        case(
            Fault::TwoAuthMethodsAccepted,
            "400 invalid_request",
            "200",
            |emu| {
                let header = basic_header(BASIC_CLIENT, BASIC_SECRET);
                basic_client_redeem(emu, &[("client_secret", BASIC_SECRET)], Some(&header))
            },
        ),
        case(
            Fault::MissingSecretAccepted,
            "401 invalid_client",
            "200",
            |emu| basic_client_redeem(emu, &[("client_id", BASIC_CLIENT)], None),
        ),
        case(
            Fault::RefreshIgnoresScope,
            "openid",
            "openid offline_access launch/patient patient/Patient.rs",
            |emu| {
                let rt = s(&public_tokens(emu)["refresh_token"]);
                s(&json(&refresh(emu, PUBLIC, &rt, Some("openid")))["scope"])
            },
        ),
        case(
            Fault::RefreshWidensScope,
            "400 invalid_scope",
            "200",
            |emu| {
                let rt = s(&public_tokens(emu)["refresh_token"]);
                outcome(&refresh(emu, PUBLIC, &rt, Some("openid profile")))
            },
        ),
        case(
            Fault::RefreshNotBoundToClient,
            "400 invalid_grant",
            "200",
            |emu| {
                let rt = s(&tokens(emu, &authz(POST_CLIENT))["refresh_token"]);
                outcome(&refresh(emu, OTHER, &rt, None))
            },
        ),
        case(
            Fault::NoRefreshRotation,
            "new 400 invalid_grant",
            "same 200",
            |emu| {
                let rt = s(&public_tokens(emu)["refresh_token"]);
                let next = s(&json(&refresh(emu, PUBLIC, &rt, None))["refresh_token"]);
                let again = outcome(&refresh(emu, PUBLIC, &rt, None));
                format!("{} {again}", if next == rt { "same" } else { "new" })
            },
        ),
        case(
            Fault::RefreshReplayUndetected,
            "400 invalid_grant",
            "200",
            |emu| {
                let rt = s(&public_tokens(emu)["refresh_token"]);
                refresh(emu, PUBLIC, &rt, None);
                outcome(&refresh(emu, PUBLIC, &rt, None))
            },
        ),
        case(
            Fault::RefreshReplayKeepsFamily,
            "400 invalid_grant, 400 invalid_grant",
            "400 invalid_grant, 200",
            |emu| {
                let rt = s(&public_tokens(emu)["refresh_token"]);
                let current = s(&json(&refresh(emu, PUBLIC, &rt, None))["refresh_token"]);
                let replay = outcome(&refresh(emu, PUBLIC, &rt, None));
                format!(
                    "{replay}, {}",
                    outcome(&refresh(emu, PUBLIC, &current, None))
                )
            },
        ),
        case(Fault::IntrospectionAlwaysInactive, "true", "false", |emu| {
            let access = s(&public_tokens(emu)["access_token"]);
            introspect_active(emu, &access)
        }),
        case(
            Fault::IntrospectionOpen,
            "401 invalid_client",
            "200",
            |emu| {
                let access = s(&public_tokens(emu)["access_token"]);
                outcome(&send(emu, post("/introspect", &[("token", &access)])))
            },
        ),
        case(Fault::RevocationIgnored, "200 false", "200 true", |emu| {
            let access = s(&public_tokens(emu)["access_token"]);
            let status = revoke(emu, PUBLIC, &access).status;
            format!("{status} {}", introspect_active(emu, &access))
        }),
        case(
            Fault::RevokeUnknownToken400,
            "200",
            "400 invalid_request",
            |emu| outcome(&revoke(emu, PUBLIC, "never-issued")),
        ),
        case(
            Fault::RevokeRefreshKeepsAccess,
            "false false",
            "true false",
            |emu| {
                let body = public_tokens(emu);
                revoke(emu, PUBLIC, &s(&body["refresh_token"]));
                let access = introspect_active(emu, &s(&body["access_token"]));
                let rt = introspect_active(emu, &s(&body["refresh_token"]));
                format!("{access} {rt}")
            },
        ),
        case(
            Fault::ClientCredentialsRefreshToken,
            "false",
            "true",
            |emu| {
                json(&client_credentials(emu, SYSTEM))["refresh_token"]
                    .is_string()
                    .to_string()
            },
        ),
        case(
            Fault::ClientCredentialsAnyClient,
            "400 unauthorized_client",
            "200",
            |emu| outcome(&client_credentials(emu, POST_CLIENT)),
        ),
        case(
            Fault::IdTokenUnknownKid,
            "reference-1",
            "reference-unpublished",
            |emu| {
                let token = s(&public_tokens(emu)["id_token"]);
                jsonwebtoken::decode_header(&token)
                    .ok()
                    .and_then(|h| h.kid)
                    .unwrap_or_default()
            },
        ),
        case(Fault::IdTokenWrongAud, PUBLIC, "ref-public-other", |emu| {
            s(&id_claims(emu)["aud"])
        }),
        case(Fault::IdTokenExpired, "current", "expired", |emu| {
            let claims = id_claims(emu);
            let now = emu.now();
            let current = claims["exp"].as_u64().is_some_and(|exp| exp > now);
            if current { "current" } else { "expired" }.to_string()
        }),
        case(Fault::IdTokenDropsNonce, NONCE, "none", |emu| {
            s(&id_claims(emu)["nonce"])
        }),
        case(
            Fault::UserinfoWithoutChallenge,
            "401 Bearer realm=\"reference\" / Bearer realm=\"reference\", error=\"invalid_token\"",
            "401 none / none",
            |emu| {
                let none = userinfo(emu, None);
                let bad = userinfo(emu, Some("never-issued"));
                format!(
                    "{} {} / {}",
                    none.status,
                    header(&none, "www-authenticate"),
                    header(&bad, "www-authenticate")
                )
            },
        ),
        case(Fault::UserinfoRefusesValidToken, "200", "401", |emu| {
            let access = s(&public_tokens(emu)["access_token"]);
            userinfo(emu, Some(&access)).status.to_string()
        }),
        case(Fault::NoPatientContext, PATIENT, "none", |emu| {
            s(&public_tokens(emu)["patient"])
        }),
        case(
            Fault::SmartV2ScopesDropped,
            "openid patient/Patient.rs patient/Patient.read",
            "openid patient/Patient.read",
            |emu| {
                let a =
                    authz(PUBLIC).set("scope", "openid patient/Patient.rs patient/Patient.read");
                s(&tokens(emu, &a)["scope"])
            },
        ),
        case(
            Fault::OmitPragma,
            "no-store no-cache",
            "no-store none",
            |emu| {
                let code = obtain_code(emu, &authz(PUBLIC));
                let ok = redeem(emu, PUBLIC, &code);
                format!("{} {}", header(&ok, "cache-control"), header(&ok, "pragma"))
            },
        ),
        case(Fault::UserinfoWrongSubject, "true", "false", |emu| {
            let t = public_tokens(emu);
            let id_sub = s(&claims(&s(&t["id_token"]))["sub"]);
            let info = json(&userinfo(emu, Some(&s(&t["access_token"]))));
            (s(&info["sub"]) == id_sub).to_string()
        }),
        case(
            Fault::SmartConfigLacksPermissionV2,
            "true true",
            "false true",
            |emu| {
                let caps = smart(emu)["capabilities"].clone();
                let listed = |c: &str| caps.as_array().is_some_and(|a| a.iter().any(|v| v == c));
                format!("{} {}", listed("permission-v2"), listed("permission-v1"))
            },
        ),
        case(
            Fault::IntrospectionTimesAsStrings,
            "true true false",
            "true false true",
            |emu| {
                let access = s(&public_tokens(emu)["access_token"]);
                let body = json(&introspect(emu, &access));
                format!(
                    "{} {} {}",
                    body["active"],
                    body["exp"].is_u64(),
                    body["iat"].is_string()
                )
            },
        ),
        case(Fault::JwksModulusLeadingZero, "342 _U", "343 AP", |emu| {
            let n = s(&doc(emu, paths::JWKS)["keys"][0]["n"]);
            format!("{} {}", n.len(), &n[..2])
        }),
    ];
    [code_rule_cases(), shared_observation_cases(), singles].concat()
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
