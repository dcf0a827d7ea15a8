//! Every fault switch changes the one behaviour it names: each case observes that
//! behaviour once on a healthy emulator and once with the fault switched on.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::test_support::*;
use super::{Fault, OracleHealth};
use crate::emulators::EmuResponse;

type Case = FaultCase<Fault, OracleHealth>;

fn wrong_secret(emu: &mut OracleHealth) -> EmuResponse {
    let params = [
        ("grant_type", "client_credentials"),
        ("scope", "system/Patient.read"),
    ];
    send(
        emu,
        provider_post(&token_path(TENANT), SYSTEM, "wrong", &params),
    )
}

/// A client assertion put in an `Authorization: Bearer` header (CER-07's mistake).
fn bearer_assertion(emu: &mut OracleHealth) -> EmuResponse {
    let claims = format!(r#"{{"iss":"{SYSTEM}","sub":"{SYSTEM}","jti":"j1"}}"#);
    let jwt = format!(
        "{}.{}.c2ln",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS384","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let params = [
        ("grant_type", "client_credentials"),
        ("scope", "system/Patient.read"),
    ];
    send(emu, with_bearer(post(&token_path(TENANT), &params), &jwt))
}

/// Seed 000: a client_credentials request at a tenant that is not registered.
fn unknown_tenant(emu: &mut OracleHealth) -> EmuResponse {
    system_token(emu, SEED_TENANT, "system/Patient.read")
}

fn authorize(emu: &mut OracleHealth, a: Authz) -> String {
    authorize_outcome(&send(emu, a.request()))
}

fn smart_configuration(emu: &mut OracleHealth) -> Value {
    json(&send(
        emu,
        get(&format!("{FHIR}/.well-known/smart-configuration"), &[]),
    ))
}

/// The member names of the error for an unknown tenant.
fn error_members(emu: &mut OracleHealth) -> String {
    member_names(&json(&unknown_tenant(emu))).join(" ")
}

fn wrong_secret_outcome(emu: &mut OracleHealth) -> String {
    outcome(&wrong_secret(emu))
}

fn cases() -> Vec<Case> {
    let members = [
        (
            Fault::AddErrorDescription,
            "error error_uri",
            "error error_uri error_description",
        ),
        (Fault::OmitErrorUri, "error error_uri", "error"),
    ];
    let wrong_secrets = [
        (
            Fault::TokenAuthFailureStatus400,
            "401 invalid_client",
            "400 invalid_client",
        ),
        (Fault::AcceptWrongSecret, "401 invalid_client", "200"),
    ];
    let singles = vec![
        case(
            Fault::AcceptUnknownTenant,
            "400 invalid_grant",
            "200",
            |emu| outcome(&unknown_tenant(emu)),
        ),
        case(
            Fault::TenantNotEchoed,
            "EC2458F2-1E24-41C8-B71B-0E701AF7583D",
            "ec2458f2-1e24-41c8-b71b-0e701af7583d",
            |emu| {
                let r = system_token(
                    emu,
                    "EC2458F2-1E24-41C8-B71B-0E701AF7583D",
                    "system/Patient.read",
                );
                error_uri_of(&r).tenant.unwrap_or_default()
            },
        ),
        case(Fault::CorrelationIdMismatch, "true", "false", |emu| {
            let r = unknown_tenant(emu);
            (error_uri_of(&r).instance.as_deref() == r.header("cerner-correlation-id")).to_string()
        }),
        case(
            Fault::ClientIdInErrorUriOnAuthFailure,
            "unknown",
            SYSTEM,
            |emu| error_uri_of(&wrong_secret(emu)).client.unwrap_or_default(),
        ),
        case(
            Fault::BearerHeaderAcceptedAsClientAuth,
            "401 invalid_client",
            "200",
            |emu| outcome(&bearer_assertion(emu)),
        ),
        case(
            Fault::EmptyScopesGrantsAnyway,
            "400 invalid_scope",
            "200",
            |emu| outcome(&system_token(emu, TENANT, "system/Immunization.read")),
        ),
        case(
            Fault::FailOnPartialScopes,
            "200, 200",
            "400 invalid_scope, 302 access_denied",
            |emu| {
                let cc = outcome(&system_token(
                    emu,
                    TENANT,
                    "system/Patient.read system/Immunization.read",
                ));
                let a =
                    authz(PROVIDER).set("scope", "openid user/Patient.read user/Immunization.read");
                format!("{cc}, {}", authorize(emu, a))
            },
        ),
        case(
            Fault::GrantWildcardScopes,
            "system/Patient.read",
            "system/*.read system/Patient.read",
            |emu| {
                s(&json(&system_token(
                    emu,
                    TENANT,
                    "system/*.read system/Patient.read",
                ))["scope"])
            },
        ),
        case(
            Fault::IssueRefreshTokenForClientCredentials,
            "false",
            "true",
            |emu| {
                json(&system_token(emu, TENANT, "system/Patient.read"))["refresh_token"]
                    .is_string()
                    .to_string()
            },
        ),
        case(
            Fault::RefreshReturnsNewRefreshToken,
            "false",
            "true",
            |emu| {
                let rt = s(&code_tokens(emu, &authz(PROVIDER))["refresh_token"]);
                json(&refresh(emu, &rt))["refresh_token"]
                    .is_string()
                    .to_string()
            },
        ),
        case(Fault::WrongExpiresIn, "570 570", "3600 3600", |emu| {
            let cc =
                json(&system_token(emu, TENANT, "system/Patient.read"))["expires_in"].to_string();
            let code = code_tokens(emu, &authz(PROVIDER))["expires_in"].to_string();
            format!("{cc} {code}")
        }),
        case(Fault::OmitCernerExtras, "3", "0", |emu| {
            let body = code_tokens(emu, &authz(PROVIDER));
            ["user", "username", "tenant"]
                .iter()
                .filter(|m| body.get(**m).is_some())
                .count()
                .to_string()
        }),
        case(Fault::OmitCacheControl, "no-store", "none", |emu| {
            header(
                &system_token(emu, TENANT, "system/Patient.read"),
                "cache-control",
            )
        }),
        case(
            Fault::TrailingSlashLenient,
            "400 invalid_grant",
            "200",
            |emu| {
                let slashed = format!("{CB}/");
                let extra = [
                    ("redirect_uri", slashed.as_str()),
                    ("code_verifier", VERIFIER),
                ];
                redeem_outcome(emu, authz(PROVIDER).pkce(), PROVIDER, &extra)
            },
        ),
        case(
            Fault::AcceptInvalidRefreshToken,
            "400 invalid_grant",
            "200",
            |emu| outcome(&refresh(emu, "never-issued")),
        ),
        case(Fault::AudNotRequired, "302 invalid_request", "200", |emu| {
            authorize(emu, authz(PROVIDER).without("aud"))
        }),
        case(
            Fault::AuthorizeErrorsNotRedirected,
            "302 unsupported_response_type",
            "400",
            |emu| authorize(emu, authz(PROVIDER).set("response_type", "token")),
        ),
        case(Fault::Fhir403Plain, "403 true", "403 false", |emu| {
            let at = system_access_token(emu, "system/Patient.read");
            let r = send(
                emu,
                with_bearer(get(&format!("{FHIR}/Observation"), &[]), &at),
            );
            format!("{} {}", r.status, text(&r).contains("insufficient-scopes"))
        }),
        case(
            Fault::DiscoveryAdvertisesPlainPkce,
            "null",
            r#"["S256","plain"]"#,
            |emu| smart_configuration(emu)["code_challenge_methods_supported"].to_string(),
        ),
        case(
            Fault::LegacyUnderscoreUrns,
            "oauth2:token:invalid-authorization-header oauth2:token:invalid-client-credentials",
            "oauth2:token:invalid_authorization_header oauth2:token:invalid_client_credentials",
            |emu| {
                let header = error_uri_of(&bearer_assertion(emu)).short().to_string();
                let credentials = error_uri_of(&wrong_secret(emu)).short().to_string();
                format!("{header} {credentials}")
            },
        ),
        // The login form: the untrusted URI was accepted as the redirect target.
        case(
            Fault::RedirectErrorsToUnregisteredUri,
            "400",
            "200",
            |emu| {
                authorize(
                    emu,
                    authz(PROVIDER).set("redirect_uri", "https://attacker.example/cb"),
                )
            },
        ),
        case(
            Fault::IdTokenWrongAudience,
            PROVIDER,
            "7c2d9b1e-3a55-4f0b-8e61-2b9f4c7a1d03-other",
            |emu| {
                let a = authz(PROVIDER).set("scope", "openid user/Patient.read");
                s(&claims(&s(&code_tokens(emu, &a)["id_token"]))["aud"])
            },
        ),
        case(
            Fault::UnlistedUrnChange,
            "oauth2:token:invalid-tenant",
            "oauth2:grant:unknown-tenant",
            |emu| error_uri_of(&unknown_tenant(emu)).short().to_string(),
        ),
        case(
            Fault::TokenErrorsNotJson,
            "400 application/json",
            "400 text/plain; charset=utf-8",
            |emu| {
                let r = unknown_tenant(emu);
                format!(
                    "{} {}",
                    r.status,
                    r.header("content-type").unwrap_or("none")
                )
            },
        ),
        case(
            Fault::TooManyScopes500,
            "400 invalid_request",
            "500 invalid_request",
            |emu| outcome(&system_token(emu, TENANT, &too_many_scopes())),
        ),
        case(
            Fault::TooManyScopesGatewayError,
            "400 [\"error\", \"error_uri\"]",
            "400 [\"message\"]",
            |emu| {
                let r = system_token(emu, TENANT, &too_many_scopes());
                format!("{} {:?}", r.status, member_names(&json(&r)))
            },
        ),
        case(
            Fault::GrantErrorsNameUnknownClient,
            SYSTEM,
            "unknown",
            |emu| {
                let r = system_token(emu, TENANT, "system/Observation.read,system/Patient.read");
                error_uri_of(&r).client.unwrap_or_default()
            },
        ),
        case(
            Fault::ErrorUriGenericPage,
            "true true",
            "false false",
            |emu| {
                let r = unknown_tenant(emu);
                let uri = s(&json(&r)["error_uri"]);
                let parses = ParsedErrorUri::parse(&uri).is_some();
                format!(
                    "{} {parses}",
                    uri.replace(ORIGIN, "").len() > "/errors/".len()
                )
            },
        ),
        case(
            Fault::ErrorUriUrnUnencoded,
            "false oauth2:token:invalid-tenant",
            "true oauth2:token:invalid-tenant",
            |emu| {
                let r = unknown_tenant(emu);
                let uri = s(&json(&r)["error_uri"]);
                format!(
                    "{} {}",
                    uri.contains("/errors/urn:cerner:"),
                    error_uri_of(&r).short()
                )
            },
        ),
        case(
            Fault::TokenTenantUpperCased,
            TENANT,
            "EC2458F2-1E24-41C8-B71B-0E701AF7583D",
            |emu| s(&code_tokens(emu, &authz(PROVIDER))["tenant"]),
        ),
        case(
            Fault::SmartConfigOmitsPrivateKeyJwt,
            r#"["client_secret_basic","private_key_jwt"]"#,
            r#"["client_secret_basic"]"#,
            |emu| smart_configuration(emu)["token_endpoint_auth_methods_supported"].to_string(),
        ),
        case(
            Fault::CapabilityStatementNoOauthUris,
            "true",
            "false",
            |emu| {
                let r = send(emu, get(&format!("{FHIR}/metadata"), &[]));
                let security = &json(&r)["rest"][0]["security"];
                security["extension"][0]["url"]
                    .as_str()
                    .is_some_and(|u| u.ends_with("/oauth-uris"))
                    .to_string()
            },
        ),
        case(Fault::FhirReadsOtherPatients, "403", "200", |emu| {
            let a = authz(PUBLIC)
                .with_persona("patient")
                .set("scope", "launch/patient patient/Patient.read");
            let at = s(&code_tokens(emu, &a)["access_token"]);
            let req = with_bearer(get(&format!("{FHIR}/Patient/someone-else"), &[]), &at);
            send(emu, req).status.to_string()
        }),
    ];
    [
        code_rule_cases(),
        sharing(error_members, &members),
        sharing(wrong_secret_outcome, &wrong_secrets),
        singles,
    ]
    .concat()
}

/// More scopes than a token may carry (CER-26).
fn too_many_scopes() -> String {
    (0..61)
        .map(|i| format!("system/R{i}.read"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_fault_breaks_exactly_its_behaviour() {
    check_fault_cases(&cases(), Fault::ALL, emulator);
}

#[test]
fn faults_do_not_disturb_the_happy_paths() {
    check_happy_path(Fault::ALL.iter().copied(), emulator, |emu| {
        let scopes = "system/Observation.read system/Patient.read";
        let client_credentials = system_token(emu, TENANT, scopes);
        let code = obtain_code(emu, &authz(PROVIDER));
        let code_grant = redeem(emu, PROVIDER, &code, Some(CB));
        let discovery = send(
            emu,
            get(&format!("{FHIR}/.well-known/smart-configuration"), &[]),
        );
        vec![client_credentials, code_grant, discovery]
    });
}

#[test]
fn the_emulator_is_reachable_through_the_registry() {
    let emu =
        crate::emulators::create("oracle-health", tenant(), &["wrong-expires-in".to_string()]);
    assert_eq!(emu.map(|e| e.vendor()).ok(), Some("oracle-health"));
    let err = crate::emulators::create("oracle-health", tenant(), &["nope".to_string()]).err();
    assert!(err.is_some_and(|e| e.contains("valid: accept-unknown-tenant")));
    assert_eq!(
        crate::emulators::faults("oracle-health").len(),
        Fault::ALL.len()
    );
    assert!(crate::emulators::names().contains(&"oracle-health"));
}
