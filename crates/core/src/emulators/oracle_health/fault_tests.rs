//! Every fault switch changes the one behaviour it names: each case observes that
//! behaviour once on a healthy emulator and once with the fault switched on.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::test_support::*;
use super::{Fault, OracleHealth};
use crate::emulators::{EmuRequest, EmuResponse, Emulator};

type Case = FaultCase<Fault, OracleHealth>;

fn send(emu: &mut OracleHealth, req: EmuRequest) -> EmuResponse {
    emu.handle(ORIGIN, &req)
}

fn s(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

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
    let req = with_header(
        post(&token_path(TENANT), &params),
        "authorization",
        &format!("Bearer {jwt}"),
    );
    send(emu, req)
}

fn redeem_with(
    emu: &mut OracleHealth,
    client: &str,
    redirect: &str,
    extra: &[(&str, &str)],
) -> String {
    let a = authz(PROVIDER)
        .set("code_challenge", CHALLENGE)
        .set("code_challenge_method", "S256");
    let code = obtain_code(emu, &a);
    let mut params = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect),
    ];
    if extra.is_empty() {
        params.push(("code_verifier", VERIFIER));
    }
    params.extend_from_slice(extra);
    outcome(&send(emu, token_request(client, &params)))
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            fault: Fault::AcceptUnknownTenant,
            observe: |emu| outcome(&system_token(emu, SEED_TENANT, "system/Patient.read")),
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::TenantNotEchoed,
            observe: |emu| {
                let r = system_token(
                    emu,
                    "EC2458F2-1E24-41C8-B71B-0E701AF7583D",
                    "system/Patient.read",
                );
                error_uri_of(&r).tenant.unwrap_or_default()
            },
            healthy: "EC2458F2-1E24-41C8-B71B-0E701AF7583D",
            faulty: "ec2458f2-1e24-41c8-b71b-0e701af7583d",
        },
        Case {
            fault: Fault::CorrelationIdMismatch,
            observe: |emu| {
                let r = system_token(emu, SEED_TENANT, "system/Patient.read");
                (error_uri_of(&r).instance.as_deref() == r.header("cerner-correlation-id"))
                    .to_string()
            },
            healthy: "true",
            faulty: "false",
        },
        Case {
            fault: Fault::AddErrorDescription,
            observe: |emu| {
                member_names(&json(&system_token(
                    emu,
                    SEED_TENANT,
                    "system/Patient.read",
                )))
                .join(" ")
            },
            healthy: "error error_uri",
            faulty: "error error_uri error_description",
        },
        Case {
            fault: Fault::ClientIdInErrorUriOnAuthFailure,
            observe: |emu| error_uri_of(&wrong_secret(emu)).client.unwrap_or_default(),
            healthy: "unknown",
            faulty: SYSTEM,
        },
        Case {
            fault: Fault::TokenAuthFailureStatus400,
            observe: |emu| outcome(&wrong_secret(emu)),
            healthy: "401 invalid_client",
            faulty: "400 invalid_client",
        },
        Case {
            fault: Fault::AcceptWrongSecret,
            observe: |emu| outcome(&wrong_secret(emu)),
            healthy: "401 invalid_client",
            faulty: "200",
        },
        Case {
            fault: Fault::BearerHeaderAcceptedAsClientAuth,
            observe: |emu| outcome(&bearer_assertion(emu)),
            healthy: "401 invalid_client",
            faulty: "200",
        },
        Case {
            fault: Fault::EmptyScopesGrantsAnyway,
            observe: |emu| outcome(&system_token(emu, TENANT, "system/Immunization.read")),
            healthy: "400 invalid_scope",
            faulty: "200",
        },
        Case {
            fault: Fault::FailOnPartialScopes,
            observe: |emu| {
                let cc = outcome(&system_token(
                    emu,
                    TENANT,
                    "system/Patient.read system/Immunization.read",
                ));
                let a =
                    authz(PROVIDER).set("scope", "openid user/Patient.read user/Immunization.read");
                let authorize = authorize_outcome(&send(emu, a.request()));
                format!("{cc}, {authorize}")
            },
            healthy: "200, 200",
            faulty: "400 invalid_scope, 302 access_denied",
        },
        Case {
            fault: Fault::GrantWildcardScopes,
            observe: |emu| {
                s(&json(&system_token(
                    emu,
                    TENANT,
                    "system/*.read system/Patient.read",
                ))["scope"])
            },
            healthy: "system/Patient.read",
            faulty: "system/*.read system/Patient.read",
        },
        Case {
            fault: Fault::IssueRefreshTokenForClientCredentials,
            observe: |emu| {
                json(&system_token(emu, TENANT, "system/Patient.read"))["refresh_token"]
                    .is_string()
                    .to_string()
            },
            healthy: "false",
            faulty: "true",
        },
        Case {
            fault: Fault::RefreshReturnsNewRefreshToken,
            observe: |emu| {
                let rt = s(&code_tokens(emu, &authz(PROVIDER))["refresh_token"]);
                json(&refresh(emu, &rt))["refresh_token"]
                    .is_string()
                    .to_string()
            },
            healthy: "false",
            faulty: "true",
        },
        Case {
            fault: Fault::WrongExpiresIn,
            observe: |emu| {
                let cc = s(&json(&system_token(emu, TENANT, "system/Patient.read"))["expires_in"]);
                let code = s(&code_tokens(emu, &authz(PROVIDER))["expires_in"]);
                format!("{cc} {code}")
            },
            healthy: "570 570",
            faulty: "3600 3600",
        },
        Case {
            fault: Fault::OmitCernerExtras,
            observe: |emu| {
                let body = code_tokens(emu, &authz(PROVIDER));
                ["user", "username", "tenant"]
                    .iter()
                    .filter(|m| body.get(**m).is_some())
                    .count()
                    .to_string()
            },
            healthy: "3",
            faulty: "0",
        },
        Case {
            fault: Fault::OmitCacheControl,
            observe: |emu| {
                let r = system_token(emu, TENANT, "system/Patient.read");
                r.header("cache-control").unwrap_or("none").to_string()
            },
            healthy: "no-store",
            faulty: "none",
        },
        Case {
            fault: Fault::IgnoreRedirectMismatch,
            observe: |emu| redeem_with(emu, PROVIDER, OTHER_CB, &[]),
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::TrailingSlashLenient,
            observe: |emu| redeem_with(emu, PROVIDER, &format!("{CB}/"), &[]),
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::AllowCodeReuse,
            observe: |emu| {
                let code = obtain_code(emu, &authz(PROVIDER));
                redeem(emu, PROVIDER, &code, Some(CB));
                outcome(&redeem(emu, PROVIDER, &code, Some(CB)))
            },
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::CodesNeverExpire,
            observe: |emu| {
                let code = obtain_code(emu, &authz(PROVIDER));
                emu.age_artifact(&code, 3600);
                outcome(&redeem(emu, PROVIDER, &code, Some(CB)))
            },
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::IgnoreClientMismatch,
            observe: |emu| redeem_with(emu, OTHER, CB, &[]),
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::AcceptAnyVerifier,
            observe: |emu| redeem_with(emu, PROVIDER, CB, &[("code_verifier", &"0".repeat(43))]),
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::AcceptInvalidRefreshToken,
            observe: |emu| outcome(&refresh(emu, "never-issued")),
            healthy: "400 invalid_grant",
            faulty: "200",
        },
        Case {
            fault: Fault::AudNotRequired,
            observe: |emu| authorize_outcome(&send(emu, authz(PROVIDER).without("aud").request())),
            healthy: "302 invalid_request",
            faulty: "200",
        },
        Case {
            fault: Fault::RedirectErrorsToUnregisteredUri,
            observe: |emu| {
                let a = authz(PROVIDER).set("redirect_uri", "https://attacker.example/cb");
                authorize_outcome(&send(emu, a.request()))
            },
            // The login form: the untrusted URI was accepted as the redirect target.
            healthy: "400",
            faulty: "200",
        },
        Case {
            fault: Fault::IdTokenWrongAudience,
            observe: |emu| {
                let body = code_tokens(
                    emu,
                    &authz(PROVIDER).set("scope", "openid user/Patient.read"),
                );
                let jwt = body["id_token"].as_str().unwrap_or_default().to_string();
                let claims = jwt.split('.').nth(1).unwrap_or_default().to_string();
                let bytes = base64::Engine::decode(
                    &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                    claims,
                )
                .unwrap_or_default();
                let v: Value = serde_json::from_slice(&bytes).unwrap_or_default();
                s(&v["aud"])
            },
            healthy: PROVIDER,
            faulty: "7c2d9b1e-3a55-4f0b-8e61-2b9f4c7a1d03-other",
        },
        Case {
            fault: Fault::AuthorizeErrorsNotRedirected,
            observe: |emu| {
                let a = authz(PROVIDER).set("response_type", "token");
                authorize_outcome(&send(emu, a.request()))
            },
            healthy: "302 unsupported_response_type",
            faulty: "400",
        },
        Case {
            fault: Fault::Fhir403Plain,
            observe: |emu| {
                let at = system_access_token(emu, "system/Patient.read");
                let req = with_header(
                    get(&format!("{FHIR}/Observation"), &[]),
                    "authorization",
                    &format!("Bearer {at}"),
                );
                let r = send(emu, req);
                format!("{} {}", r.status, text(&r).contains("insufficient-scopes"))
            },
            healthy: "403 true",
            faulty: "403 false",
        },
        Case {
            fault: Fault::DiscoveryAdvertisesPlainPkce,
            observe: |emu| {
                let r = send(
                    emu,
                    get(&format!("{FHIR}/.well-known/smart-configuration"), &[]),
                );
                json(&r)["code_challenge_methods_supported"].to_string()
            },
            healthy: "null",
            faulty: r#"["S256","plain"]"#,
        },
        Case {
            fault: Fault::LegacyUnderscoreUrns,
            observe: |emu| {
                let header = error_uri_of(&bearer_assertion(emu)).short().to_string();
                let credentials = error_uri_of(&wrong_secret(emu)).short().to_string();
                format!("{header} {credentials}")
            },
            healthy: "oauth2:token:invalid-authorization-header oauth2:token:invalid-client-credentials",
            faulty: "oauth2:token:invalid_authorization_header oauth2:token:invalid_client_credentials",
        },
        Case {
            fault: Fault::UnlistedUrnChange,
            observe: |emu| {
                let r = system_token(emu, SEED_TENANT, "system/Patient.read");
                error_uri_of(&r).short().to_string()
            },
            healthy: "oauth2:token:invalid-tenant",
            faulty: "oauth2:grant:unknown-tenant",
        },
        Case {
            fault: Fault::TokenErrorsNotJson,
            observe: |emu| {
                let r = system_token(emu, SEED_TENANT, "system/Patient.read");
                format!(
                    "{} {}",
                    r.status,
                    r.header("content-type").unwrap_or("none")
                )
            },
            healthy: "400 application/json",
            faulty: "400 text/plain; charset=utf-8",
        },
        Case {
            fault: Fault::TooManyScopes500,
            observe: |emu| outcome(&system_token(emu, TENANT, &too_many_scopes())),
            healthy: "400 invalid_request",
            faulty: "500 invalid_request",
        },
        Case {
            fault: Fault::TooManyScopesGatewayError,
            observe: |emu| {
                let r = system_token(emu, TENANT, &too_many_scopes());
                format!("{} {:?}", r.status, member_names(&json(&r)))
            },
            healthy: "400 [\"error\", \"error_uri\"]",
            faulty: "400 [\"message\"]",
        },
        Case {
            fault: Fault::GrantErrorsNameUnknownClient,
            observe: |emu| {
                let r = system_token(emu, TENANT, "system/Observation.read,system/Patient.read");
                error_uri_of(&r).client.unwrap_or_default()
            },
            healthy: SYSTEM,
            faulty: "unknown",
        },
        Case {
            fault: Fault::OmitErrorUri,
            observe: |emu| {
                member_names(&json(&system_token(
                    emu,
                    SEED_TENANT,
                    "system/Patient.read",
                )))
                .join(" ")
            },
            healthy: "error error_uri",
            faulty: "error",
        },
        Case {
            fault: Fault::ErrorUriGenericPage,
            observe: |emu| {
                let r = system_token(emu, SEED_TENANT, "system/Patient.read");
                let uri = s(&json(&r)["error_uri"]);
                let parses = ParsedErrorUri::parse(&uri).is_some();
                format!(
                    "{} {parses}",
                    uri.replace(ORIGIN, "").len() > "/errors/".len()
                )
            },
            healthy: "true true",
            faulty: "false false",
        },
        Case {
            fault: Fault::ErrorUriUrnUnencoded,
            observe: |emu| {
                let r = system_token(emu, SEED_TENANT, "system/Patient.read");
                let uri = s(&json(&r)["error_uri"]);
                format!(
                    "{} {}",
                    uri.contains("/errors/urn:cerner:"),
                    error_uri_of(&r).short()
                )
            },
            healthy: "false oauth2:token:invalid-tenant",
            faulty: "true oauth2:token:invalid-tenant",
        },
        Case {
            fault: Fault::TokenTenantUpperCased,
            observe: |emu| s(&code_tokens(emu, &authz(PROVIDER))["tenant"]),
            healthy: TENANT,
            faulty: "EC2458F2-1E24-41C8-B71B-0E701AF7583D",
        },
        Case {
            fault: Fault::SmartConfigOmitsPrivateKeyJwt,
            observe: |emu| {
                let r = send(
                    emu,
                    get(&format!("{FHIR}/.well-known/smart-configuration"), &[]),
                );
                json(&r)["token_endpoint_auth_methods_supported"].to_string()
            },
            healthy: r#"["client_secret_basic","private_key_jwt"]"#,
            faulty: r#"["client_secret_basic"]"#,
        },
    ]
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
    for fault in Fault::ALL {
        let mut emu = emulator(&[*fault]);
        let r = system_token(
            &mut emu,
            TENANT,
            "system/Observation.read system/Patient.read",
        );
        assert_eq!(r.status, 200, "{}: {}", fault.name(), text(&r));
        let code = obtain_code(&mut emu, &authz(PROVIDER));
        let r = redeem(&mut emu, PROVIDER, &code, Some(CB));
        assert_eq!(r.status, 200, "{}: {}", fault.name(), text(&r));
        let r = send(
            &mut emu,
            get(&format!("{FHIR}/.well-known/smart-configuration"), &[]),
        );
        assert_eq!(r.status, 200, "{}", fault.name());
    }
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
