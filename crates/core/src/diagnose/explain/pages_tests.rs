//! Every emulator's own HTML error page, rendered by the emulator (an unknown client, a
//! redirect URI it will not redirect to), explained: the error, URN and description come
//! out as the page shows them, with no markup or escape left in them. The fixtures of
//! the same pages stay what the emulators render.

use super::*;
use crate::emulators::{self, ClientAuth, ClientRegistration, EmuRequest, EmuResponse, Tenant};

const TENANT: &str = "ec2458f2-1e24-41c8-b71b-0e701af7583d";
const CLIENT: &str = "app";
const CB: &str = "https://app.example.test/cb";
const UNKNOWN_CLIENT: &str = "response_type=code&client_id=nobody&redirect_uri=https%3A%2F%2Fapp.example.test%2Fcb&scope=openid&state=s";
const OTHER_REDIRECT: &str = "response_type=code&client_id=app&redirect_uri=https%3A%2F%2Fevil.example.test%2Fcb&scope=openid&state=s";

fn tenant() -> Tenant {
    Tenant {
        tenant_id: TENANT.into(),
        clients: vec![ClientRegistration {
            client_id: CLIENT.into(),
            secret: None,
            auth: ClientAuth::None,
            redirect_uris: vec![CB.into()],
            post_logout_redirect_uris: vec![],
            permitted_scopes: vec![],
            grant_types: vec![],
            jwks: None,
        }],
        ..Tenant::default()
    }
}

/// Each emulator and its authorization endpoint.
fn authorize_paths() -> [(&'static str, String); 3] {
    [
        ("athenahealth", "/oauth2/v1/authorize".to_string()),
        (
            "oracle-health",
            format!(
                "/tenants/{TENANT}/protocols/oauth2/profiles/smart-v1/personas/provider/authorize"
            ),
        ),
        ("reference", "/authorize".to_string()),
    ]
}

fn get(vendor: &str, path: &str, query: &str) -> EmuResponse {
    let mut emu = emulators::create(vendor, tenant(), &[]).expect(vendor);
    emu.handle(
        "http://127.0.0.1:9",
        &EmuRequest {
            method: "GET".into(),
            path: path.into(),
            raw_query: Some(query.into()),
            ..EmuRequest::default()
        },
    )
}

/// The response as `curl -i` prints it.
fn curl_i(r: &EmuResponse) -> String {
    let mut out = format!("HTTP/1.1 {}\n", r.status);
    for (k, v) in &r.headers {
        out.push_str(&format!("{k}: {v}\n"));
    }
    out.push('\n');
    out.push_str(&String::from_utf8_lossy(&r.body));
    out
}

fn body(r: &EmuResponse) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// Nothing read from a page may hold markup or a character reference.
fn assert_no_markup(e: &Explanation, page: &str) {
    let mut read: Vec<&str> = [&e.error, &e.description, &e.error_uri_raw]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    if let Some(u) = &e.error_uri {
        read.extend([u.urn.as_str(), u.short.as_str()]);
        read.extend(
            [&u.instance, &u.client, &u.tenant, &u.persona]
                .into_iter()
                .flatten()
                .map(String::as_str),
        );
    }
    for v in read {
        assert!(
            !v.contains(['<', '>']) && !v.contains("&amp;") && !v.contains("&lt;"),
            "markup in `{v}` read from:\n{page}"
        );
    }
}

/// (error, description, Oracle Health URN) each page must give.
fn expected(vendor: &str, query: &str) -> (&'static str, &'static str, Option<&'static str>) {
    match (vendor, query == UNKNOWN_CLIENT) {
        ("athenahealth", true) => (
            "invalid_client",
            "Invalid value for 'client_id' parameter.",
            None,
        ),
        ("athenahealth", false) => (
            "invalid_request",
            "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings.",
            None,
        ),
        ("oracle-health", true) => (
            "invalid_request",
            "The client is not registered.",
            Some("urn:cerner:error:authorization-server:oauth2:grant:unknown-client"),
        ),
        ("oracle-health", false) => (
            "invalid_request",
            "The redirect URI is not registered for the client.",
            Some("urn:cerner:error:authorization-server:oauth2:grant:redirect-uri-not-registered"),
        ),
        ("reference", true) => (
            "invalid_request",
            "The client_id is missing or unknown.",
            None,
        ),
        _ => (
            "invalid_request",
            "The redirect_uri is not registered for this client.",
            None,
        ),
    }
}

#[test]
fn every_emulators_error_page_is_read_as_the_browser_shows_it() {
    for (vendor, path) in authorize_paths() {
        for query in [UNKNOWN_CLIENT, OTHER_REDIRECT] {
            let r = get(vendor, &path, query);
            assert_eq!(r.status, 400, "{vendor} {query}");
            assert!(
                r.header("content-type")
                    .is_some_and(|c| c.starts_with("text/html")),
                "{vendor} {query}: not a page"
            );
            let (error, description, urn) = expected(vendor, query);
            // Pasted as `curl -i` output, and as the page source alone.
            for (input, kind) in [(curl_i(&r), "http-response"), (body(&r), "html")] {
                let e = explain(&input, None).unwrap_or_else(|err| panic!("{vendor}: {err}"));
                let shown = render_text(&e);
                assert!(e.recognised, "{vendor}:\n{shown}");
                assert_eq!(e.input_kind, kind, "{vendor}");
                assert_eq!(e.error.as_deref(), Some(error), "{vendor}:\n{shown}");
                assert_eq!(
                    e.description.as_deref(),
                    Some(description),
                    "{vendor}:\n{shown}"
                );
                assert_no_markup(&e, &input);
                match urn {
                    Some(urn) => {
                        let u = e.error_uri.as_ref().expect("the URN");
                        assert_eq!(u.urn, urn, "{shown}");
                        assert_eq!(e.vendor, Some("oracle-health"));
                        // The Details link gives what the server attributed it to.
                        assert_eq!(u.tenant.as_deref(), Some(TENANT));
                        assert_eq!(u.persona.as_deref(), Some("provider"));
                        let client = if query == UNKNOWN_CLIENT {
                            "unknown"
                        } else {
                            CLIENT
                        };
                        assert_eq!(u.client.as_deref(), Some(client));
                        assert!(!shown.contains("</p"), "{shown}");
                    }
                    None => assert!(e.error_uri.is_none() && e.error_uri_raw.is_none()),
                }
            }
        }
    }
}

/// The catalog's causes for each page: the vendor's entries, the standard's meaning for
/// the reference server (which is no vendor of the catalog).
#[test]
fn the_pages_lead_to_their_catalog_entries() {
    let first = |vendor: &str, path: &str, query: &str| {
        let e = explain(&curl_i(&get(vendor, path, query)), None).unwrap();
        e.matched[0].id
    };
    let [(ath, ath_path), (cer, cer_path), (reference, ref_path)] = authorize_paths();
    assert_eq!(first(ath, &ath_path, UNKNOWN_CLIENT), "OKT-11");
    assert_eq!(first(ath, &ath_path, OTHER_REDIRECT), "OKT-09");
    assert_eq!(first(cer, &cer_path, UNKNOWN_CLIENT), "CER-21");
    assert_eq!(first(cer, &cer_path, OTHER_REDIRECT), "CER-18");
    assert_eq!(first(reference, &ref_path, UNKNOWN_CLIENT), "RFC6749-5.2");
    assert_eq!(first(reference, &ref_path, OTHER_REDIRECT), "RFC6749-5.2");
}

/// The page an Oracle Health `error_uri` points at names its URN as text.
#[test]
fn oracle_healths_error_uri_page_gives_the_urn() {
    let urn = "urn:cerner:error:authorization-server:oauth2:grant:redirect-uri-not-registered";
    let r = get(
        "oracle-health",
        &format!("/errors/{}/instances/abc", urn.replace(':', "%3A")),
        "",
    );
    assert_eq!(r.status, 200);
    let page = body(&r);
    let e = explain(&page, None).unwrap();
    assert_eq!(e.error_uri.as_ref().map(|u| u.urn.as_str()), Some(urn));
    assert_eq!(e.matched[0].id, "CER-18", "{}", render_text(&e));
    assert_no_markup(&e, &page);
}

/// UUIDs (the instance and correlation ids) as one placeholder.
fn without_ids(s: &str) -> String {
    regex::Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
        .unwrap()
        .replace_all(s, "<uuid>")
        .into_owned()
}

/// The fixtures are these pages as the emulators render them (instance and correlation
/// ids aside); regenerate one by pasting what this test prints.
#[test]
fn the_page_fixtures_are_what_the_emulators_render() {
    let fixtures = [
        (
            "athenahealth",
            UNKNOWN_CLIENT,
            include_str!(
                "../../../../../tests/fixtures/explain/athenahealth-emulator-unknown-client.txt"
            ),
        ),
        (
            "oracle-health",
            UNKNOWN_CLIENT,
            include_str!(
                "../../../../../tests/fixtures/explain/oracle-health-emulator-unknown-client.txt"
            ),
        ),
        (
            "reference",
            OTHER_REDIRECT,
            include_str!(
                "../../../../../tests/fixtures/explain/reference-emulator-redirect-uri.txt"
            ),
        ),
    ];
    for (vendor, query, fixture) in fixtures {
        let path = authorize_paths()
            .into_iter()
            .find(|(v, _)| *v == vendor)
            .map(|(_, p)| p)
            .unwrap();
        let rendered = curl_i(&get(vendor, &path, query));
        assert_eq!(
            without_ids(fixture.trim_end()),
            without_ids(rendered.trim_end()),
            "{vendor}: the fixture is stale; the emulator renders:\n{rendered}"
        );
    }
}
