//! The emulators' one test kit: request builders, response readers, fixture builders,
//! a scripted browser, code and token helpers, and the fault-case harness. Each
//! vendor's `test_support` re-exports it, keeps its own fixtures, and tells the kit
//! what differs between vendors (test user, sign-in path, client authentication, the
//! clients its code rules are checked on) by implementing [`Vendor`].

use std::collections::HashMap;
use std::fmt::Display;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::Value;
use url::form_urlencoded;

use super::{
    ClientAuth, ClientRegistration, EmuRequest, EmuResponse, Emulator, PortalAccess, Tenant,
    UserRegistration,
};

pub const ORIGIN: &str = "http://127.0.0.1:9";
pub const PASSWORD: &str = "correct horse";
pub const STATE: &str = "st4te";
pub const NONCE: &str = "n0nce";
/// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
/// A well-formed verifier that is not the one of [`CHALLENGE`].
pub const WRONG_VERIFIER: &str = "0000000000000000000000000000000000000000000";

/// What the kit needs to know of one vendor's emulator to drive its flows.
pub trait Vendor: Emulator + Sized {
    /// The user with portal access who signs in when a flow runs.
    const USER: &'static str;

    /// The client whose codes [`code_rule_cases`] checks.
    const CODE_CLIENT: &'static str;

    /// A client whose code a second registered client tries to redeem.
    const CODE_OWNER_AND_THIEF: (&'static str, &'static str);

    /// A redirect URI that codes of [`Vendor::CODE_CLIENT`] were not issued for.
    const OTHER_REDIRECT_URI: &'static str;

    /// Where the sign-in form posts, up to the transaction id.
    fn login_action() -> String {
        "/login/".into()
    }

    /// A token-endpoint request authenticated the way `client_id` is registered.
    fn token_request(client_id: &str, params: &[(&str, &str)]) -> EmuRequest;

    /// The vendor's usual authorization request for `client_id`.
    fn authz(client_id: &str) -> Authz;
}

// ---- Requests --------------------------------------------------------------------

fn encode(params: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        s.append_pair(k, v);
    }
    s.finish()
}

pub fn get(path: &str, params: &[(&str, &str)]) -> EmuRequest {
    get_raw(path, &encode(params))
}

pub fn get_raw(path: &str, raw_query: &str) -> EmuRequest {
    EmuRequest {
        method: "GET".into(),
        path: path.into(),
        raw_query: (!raw_query.is_empty()).then(|| raw_query.to_string()),
        ..EmuRequest::default()
    }
}

pub fn post(path: &str, params: &[(&str, &str)]) -> EmuRequest {
    EmuRequest {
        method: "POST".into(),
        path: path.into(),
        headers: vec![(
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body: encode(params).into_bytes(),
        ..EmuRequest::default()
    }
}

pub fn with_header(mut req: EmuRequest, name: &str, value: &str) -> EmuRequest {
    req.headers
        .push((name.to_ascii_lowercase(), value.to_string()));
    req
}

/// `req` with `Authorization: Bearer <token>`.
pub fn with_bearer(req: EmuRequest, token: &str) -> EmuRequest {
    with_header(req, "authorization", &format!("Bearer {token}"))
}

/// An HTTP Basic header value, the id and secret taken as they are (not form-encoded).
pub fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

/// How a test client proves who it is on a form POST.
pub enum Credentials<'a> {
    /// `client_id` in the body, nothing else.
    Public,
    /// `client_id` and this `client_secret` in the body.
    Post(&'a str),
    /// This `Authorization` header value; the body does not name the client.
    Header(String),
}

/// A form POST to `path` by `client_id`, authenticated with `credentials`.
pub fn client_post(
    path: &str,
    client_id: &str,
    credentials: Credentials,
    params: &[(&str, &str)],
) -> EmuRequest {
    match credentials {
        Credentials::Header(value) => with_header(post(path, params), "authorization", &value),
        Credentials::Public => post(path, &[params, &[("client_id", client_id)]].concat()),
        Credentials::Post(secret) => {
            let client = [("client_id", client_id), ("client_secret", secret)];
            post(path, &[params, &client].concat())
        }
    }
}

/// Sends `req` to `emu` at [`ORIGIN`].
pub fn send<E: Emulator>(emu: &mut E, req: EmuRequest) -> EmuResponse {
    emu.handle(ORIGIN, &req)
}

// ---- CORS --------------------------------------------------------------------------

/// The origin of the browser app in the CORS tests.
pub const APP_ORIGIN: &str = "https://smart-app.example";

/// A CORS preflight from [`APP_ORIGIN`] asking to send `method` to `path`.
pub fn preflight(path: &str, method: &str) -> EmuRequest {
    let req = with_header(get(path, &[]), "origin", APP_ORIGIN);
    let mut req = with_header(req, "access-control-request-method", method);
    req.method = "OPTIONS".into();
    req
}

/// Each `(path, method)` is open to [`APP_ORIGIN`]: its preflight allows the method
/// and the Authorization header.
pub fn assert_preflights_allowed<E: Emulator>(emu: &mut E, endpoints: &[(&str, &str)]) {
    for &(path, method) in endpoints {
        let r = send(emu, preflight(path, method));
        assert_eq!(r.status, 204, "{path}");
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some(APP_ORIGIN),
            "{path}"
        );
        let methods = r.header("access-control-allow-methods").unwrap_or("");
        assert!(methods.contains(method), "{path}: {methods}");
        let headers = r.header("access-control-allow-headers").unwrap_or("");
        assert!(headers.contains("Authorization"), "{path}: {headers}");
    }
}

/// A preflight for a method `path` does not take is answered without allowing it.
pub fn assert_preflight_refused<E: Emulator>(emu: &mut E, path: &str, method: &str) {
    let r = send(emu, preflight(path, method));
    assert_eq!(
        (r.status, r.header("access-control-allow-origin")),
        (204, None),
        "{method} {path}"
    );
}

// ---- Responses -------------------------------------------------------------------

pub fn text(r: &EmuResponse) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

pub fn json(r: &EmuResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

/// The member names of a JSON object, in order.
pub fn member_names(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// A header's value, or "none".
pub fn header(r: &EmuResponse, name: &str) -> String {
    r.header(name).unwrap_or("none").to_string()
}

/// A string member of a JSON body, or "none".
pub fn s(v: &Value) -> String {
    v.as_str().unwrap_or("none").to_string()
}

/// The query parameters of a redirect's Location, decoded once.
pub fn location_params(r: &EmuResponse) -> HashMap<String, String> {
    let location = r.header("location").unwrap_or("");
    let query = location.split_once('?').map_or("", |(_, q)| q);
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// `status error` of a JSON answer, or just the status.
pub fn outcome(r: &EmuResponse) -> String {
    match json(r)["error"].as_str() {
        Some(error) => format!("{} {error}", r.status),
        None => r.status.to_string(),
    }
}

/// What an authorize request led to: a redirected error, a code, or a page's status.
pub fn authorize_outcome(r: &EmuResponse) -> String {
    let p = location_params(r);
    match (r.status, p.get("error"), p.get("code")) {
        (302, Some(error), _) => format!("302 {error}"),
        (302, None, Some(_)) => "302 code".into(),
        (status, _, _) => status.to_string(),
    }
}

/// Asserts a JSON error answer's status and `error` member; the body is in the message.
pub fn assert_json_error(r: &EmuResponse, status: u16, error: &str) {
    assert_eq!(r.status, status, "{}", text(r));
    assert_eq!(json(r)["error"], error, "{}", text(r));
}

/// Claims of a JWT, unverified.
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap_or("");
    URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null)
}

/// Claims of an RS256 JWT that verifies against the key of `jwks` its `kid` names, for
/// `audience` from `issuer`; panics otherwise.
pub fn verify_jwt(jwks: &Value, jwt: &str, audience: &str, issuer: &str) -> Value {
    let kid = decode_header(jwt).expect("header").kid.expect("kid");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[issuer]);
    decode::<Value>(jwt, &published_key(jwks, &kid), &validation)
        .expect("JWT verifies")
        .claims
}

/// The RSA key `kid` names in a JWKS; panics when it is not published.
pub fn published_key(jwks: &Value, kid: &str) -> DecodingKey {
    let keys = jwks["keys"].as_array().map_or(&[][..], Vec::as_slice);
    let jwk = keys
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap_or_else(|| panic!("kid {kid} is not published in {jwks}"));
    let component = |name: &str| {
        jwk[name]
            .as_str()
            .unwrap_or_else(|| panic!("{name} of {jwk}"))
    };
    DecodingKey::from_rsa_components(component("n"), component("e")).expect("jwk")
}

// ---- Fixtures --------------------------------------------------------------------

/// A client registration; `scopes` is space-separated ("" permits any).
pub fn registration(
    client_id: &str,
    auth: ClientAuth,
    secret: Option<&str>,
    redirect_uris: &[&str],
    scopes: &str,
    grant_types: &[&str],
) -> ClientRegistration {
    ClientRegistration {
        client_id: client_id.into(),
        secret: secret.map(str::to_string),
        auth,
        redirect_uris: redirect_uris.iter().map(|s| s.to_string()).collect(),
        post_logout_redirect_uris: vec![],
        permitted_scopes: scopes.split_whitespace().map(str::to_string).collect(),
        grant_types: grant_types.iter().map(|s| s.to_string()).collect(),
        jwks: None,
    }
}

/// A user with [`PASSWORD`] and portal access given as `(practice, brand, patient)`.
pub fn portal_user(username: &str, access: &[(&str, &str, &str)]) -> UserRegistration {
    UserRegistration {
        username: username.into(),
        password: PASSWORD.into(),
        portal_access: access
            .iter()
            .map(|(practice, brand, patient)| PortalAccess {
                practice_id: practice.to_string(),
                brand_id: brand.to_string(),
                patient_id: patient.to_string(),
            })
            .collect(),
    }
}

/// A tenant with these clients and users, nothing left out.
pub fn tenant_of(
    tenant_id: &str,
    fhir_base_path: &str,
    clients: Vec<ClientRegistration>,
    users: Vec<UserRegistration>,
) -> Tenant {
    Tenant {
        tenant_id: tenant_id.into(),
        clients,
        users,
        fhir_base_path: fhir_base_path.into(),
        without: vec![],
        sign_in: Default::default(),
    }
}

// ---- Robustness ----------------------------------------------------------------

/// Requests made of garbage: every path × method × body × header set, each with
/// `raw_query`.
pub struct Garbage<'a> {
    pub paths: &'a [&'a str],
    pub methods: &'a [&'a str],
    pub bodies: &'a [&'a [u8]],
    pub header_sets: &'a [&'a [(&'a str, &'a str)]],
    pub raw_query: &'a str,
}

impl Garbage<'_> {
    /// Every garbage request gets an answer with a status, not a panic.
    pub fn assert_answered<E: Emulator>(&self, emu: &mut E) {
        for path in self.paths {
            for method in self.methods {
                for body in self.bodies {
                    for headers in self.header_sets {
                        let req = EmuRequest {
                            method: method.to_string(),
                            path: path.to_string(),
                            raw_query: Some(self.raw_query.into()),
                            headers: headers
                                .iter()
                                .map(|(k, v)| (k.to_string(), v.to_string()))
                                .collect(),
                            body: body.to_vec(),
                        };
                        let status = send(emu, req).status;
                        assert!((200..600).contains(&status), "{method} {path}: {status}");
                    }
                }
            }
        }
    }
}

// ---- The fault-case harness ------------------------------------------------------

/// One fault switch, what to observe, and what a healthy and a faulty emulator show.
pub struct FaultCase<F, E> {
    pub fault: F,
    pub observe: fn(&mut E) -> String,
    pub healthy: &'static str,
    pub faulty: &'static str,
}

impl<F: Clone, E> Clone for FaultCase<F, E> {
    fn clone(&self) -> Self {
        case(self.fault.clone(), self.healthy, self.faulty, self.observe)
    }
}

/// A case: `fault` turns what `observe` returns from `healthy` into `faulty`.
pub fn case<F, E>(
    fault: F,
    healthy: &'static str,
    faulty: &'static str,
    observe: fn(&mut E) -> String,
) -> FaultCase<F, E> {
    FaultCase {
        fault,
        observe,
        healthy,
        faulty,
    }
}

/// Cases of faults that each change one shared observation: `(fault, healthy, faulty)`.
pub fn sharing<F: Copy, E>(
    observe: fn(&mut E) -> String,
    rows: &[(F, &'static str, &'static str)],
) -> Vec<FaultCase<F, E>> {
    rows.iter()
        .map(|&(fault, healthy, faulty)| case(fault, healthy, faulty, observe))
        .collect()
}

/// The rules every vendor's authorization codes follow, as cases of the vendor's
/// switches that break them; every vendor has these five, under these names.
pub fn code_rule_cases<F, E>() -> Vec<FaultCase<F, E>>
where
    F: std::str::FromStr<Err = String>,
    E: Vendor,
{
    let fault = |name: &str| name.parse::<F>().unwrap_or_else(|e| panic!("{e}"));
    let refused = "400 invalid_grant";
    vec![
        case(fault("allow-code-reuse"), refused, "200", |emu| {
            code_reused(emu, &E::authz(E::CODE_CLIENT))
        }),
        case(fault("codes-never-expire"), refused, "200", |emu| {
            code_aged(emu, &E::authz(E::CODE_CLIENT), 3600)
        }),
        case(fault("ignore-client-mismatch"), refused, "200", |emu| {
            let (owner, thief) = E::CODE_OWNER_AND_THIEF;
            redeemed_with_verifier(emu, E::authz(owner), thief, None, VERIFIER)
        }),
        case(fault("ignore-redirect-mismatch"), refused, "200", |emu| {
            let redirect = Some(E::OTHER_REDIRECT_URI);
            redeemed_with_verifier(
                emu,
                E::authz(E::CODE_CLIENT),
                E::CODE_CLIENT,
                redirect,
                VERIFIER,
            )
        }),
        case(fault("accept-any-verifier"), refused, "200", |emu| {
            let a = E::authz(E::CODE_CLIENT);
            redeemed_with_verifier(emu, a, E::CODE_CLIENT, None, WRONG_VERIFIER)
        }),
    ]
}

/// A code of `a` with PKCE, redeemed by `client_id` with `redirect_uri` (by default
/// the request's) and `verifier`: the outcome.
fn redeemed_with_verifier<E: Vendor>(
    emu: &mut E,
    a: Authz,
    client_id: &str,
    redirect_uri: Option<&str>,
    verifier: &str,
) -> String {
    let a = a.pkce();
    let redirect_uri = redirect_uri
        .or(a.param("redirect_uri"))
        .unwrap_or_default()
        .to_string();
    let extra = [
        ("redirect_uri", redirect_uri.as_str()),
        ("code_verifier", verifier),
    ];
    redeem_outcome(emu, a, client_id, &extra)
}

/// Every case shows its healthy value without faults and its faulty value with its
/// fault alone; and every fault in `all` has a case.
pub fn check_fault_cases<F, E>(cases: &[FaultCase<F, E>], all: &[F], emulator: impl Fn(&[F]) -> E)
where
    F: Copy + PartialEq + Display,
{
    let missing: Vec<String> = all
        .iter()
        .filter(|f| !cases.iter().any(|c| c.fault == **f))
        .map(ToString::to_string)
        .collect();
    assert!(missing.is_empty(), "faults without a case: {missing:?}");
    for case in cases {
        let name = case.fault;
        let healthy = (case.observe)(&mut emulator(&[]));
        assert_eq!(healthy, case.healthy, "{name}: healthy emulator");
        let faulty = (case.observe)(&mut emulator(&[case.fault]));
        assert_eq!(faulty, case.faulty, "{name}: with the fault");
    }
}

/// With each of `faults` alone, every response `flow` returns is a 200.
pub fn check_happy_path<F, E>(
    faults: impl IntoIterator<Item = F>,
    emulator: impl Fn(&[F]) -> E,
    flow: impl Fn(&mut E) -> Vec<EmuResponse>,
) where
    F: Copy + Display,
{
    for fault in faults {
        let mut emu = emulator(&[fault]);
        for (step, r) in flow(&mut emu).iter().enumerate() {
            assert_eq!(r.status, 200, "{fault}: step {step}: {}", text(r));
        }
    }
}

// ---- Authorization requests ------------------------------------------------------

/// An authorization request under construction: parameters replaced or removed one at
/// a time, then sent as a GET to the emulator's authorize path.
#[derive(Debug, Clone)]
pub struct Authz {
    pub path: String,
    pub params: Vec<(String, String)>,
}

impl Authz {
    pub fn new(path: &str, params: &[(&str, &str)]) -> Self {
        Self {
            path: path.to_string(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// A code-flow request to `path` with [`STATE`] and [`NONCE`], without PKCE.
    pub fn code_flow(
        path: &str,
        client_id: &str,
        redirect_uri: &str,
        scope: &str,
        aud: &str,
    ) -> Self {
        Self::new(
            path,
            &[
                ("client_id", client_id),
                ("response_type", "code"),
                ("redirect_uri", redirect_uri),
                ("scope", scope),
                ("state", STATE),
                ("nonce", NONCE),
                ("aud", aud),
            ],
        )
    }

    /// With PKCE: [`CHALLENGE`], method S256.
    pub fn pkce(self) -> Self {
        self.set("code_challenge", CHALLENGE)
            .set("code_challenge_method", "S256")
    }

    pub fn set(mut self, name: &str, value: &str) -> Self {
        self = self.without(name);
        self.params.push((name.into(), value.into()));
        self
    }

    pub fn without(mut self, name: &str) -> Self {
        self.params.retain(|(k, _)| k != name);
        self
    }

    pub fn request(&self) -> EmuRequest {
        let pairs: Vec<(&str, &str)> = self
            .params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        get(&self.path, &pairs)
    }

    /// The request's query without `name`, to append a raw (pre-encoded) value to.
    pub fn raw_query_without(&self, name: &str) -> String {
        self.clone()
            .without(name)
            .request()
            .raw_query
            .unwrap_or_default()
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

// ---- A scripted browser ----------------------------------------------------------

/// The sign-in form's POST for transaction `txn`.
pub fn login_form<E: Vendor>(txn: &str, user: &str, password: &str) -> EmuRequest {
    post(
        &format!("{}{txn}", E::login_action()),
        &[("username", user), ("password", password)],
    )
}

/// The transaction id in a sign-in page's form action, or "".
pub fn login_txn_of<E: Vendor>(r: &EmuResponse) -> String {
    let marker = format!("action=\"{}", E::login_action());
    text(r)
        .split_once(&marker)
        .and_then(|(_, rest)| rest.split('"').next())
        .unwrap_or_default()
        .to_string()
}

/// Drives one emulator like a browser: authorize, sign in, consent. It keeps the
/// session cookie (`sid`) the emulator sets, and sends it back.
pub struct Browser<'a, E> {
    pub emu: &'a mut E,
    pub cookie: Option<String>,
}

impl<'a, E: Vendor> Browser<'a, E> {
    pub fn new(emu: &'a mut E) -> Self {
        Self { emu, cookie: None }
    }

    pub fn send(&mut self, req: EmuRequest) -> EmuResponse {
        let req = match &self.cookie {
            Some(c) => with_header(req, "cookie", &format!("sid={c}")),
            None => req,
        };
        let r = send(self.emu, req);
        if let Some(set) = r.header("set-cookie") {
            let value = set
                .split(';')
                .next()
                .unwrap_or("")
                .trim_start_matches("sid=");
            self.cookie = (!value.is_empty()).then(|| value.to_string());
        }
        r
    }

    pub fn authorize(&mut self, a: &Authz) -> EmuResponse {
        self.send(a.request())
    }

    pub fn login(&mut self, txn: &str, user: &str, password: &str) -> EmuResponse {
        self.send(login_form::<E>(txn, user, password))
    }

    /// Authorizes with `a` and signs in on the form as `user`: the sign-in's answer.
    pub fn sign_in(&mut self, a: &Authz, user: &str) -> EmuResponse {
        let page = self.authorize(a);
        self.login(&login_txn_of::<E>(&page), user, PASSWORD)
    }

    /// GETs the page a redirect on this origin points at.
    pub fn follow(&mut self, r: &EmuResponse) -> EmuResponse {
        self.send(get(&local_path(r), &[]))
    }

    /// Follows a redirect to the consent page and answers it with `checked` scopes
    /// (every offered one when None).
    pub fn consent(
        &mut self,
        r: &EmuResponse,
        decision: &str,
        checked: Option<&[&str]>,
    ) -> EmuResponse {
        let page = self.follow(r);
        assert_eq!(page.status, 200, "{}", text(&page));
        let html = text(&page);
        let offered: Vec<String> = html
            .split("name=\"scope\" value=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next().map(|v| v.replace("&amp;", "&")))
            .collect();
        let mut form: Vec<(&str, &str)> = vec![("consent", decision)];
        match checked {
            Some(list) => form.extend(list.iter().map(|s| ("scope", *s))),
            None => form.extend(offered.iter().map(|s| ("scope", s.as_str()))),
        }
        self.send(post(&local_path(r), &form))
    }

    /// Authorize → sign in as `user` (unless a session skips the form) → allow every
    /// scope (when asked): the final response, normally the redirect with the code.
    pub fn run(&mut self, a: &Authz, user: &str) -> EmuResponse {
        let page = self.authorize(a);
        let login_page = format!("action=\"{}", E::login_action());
        let r = if page.status == 200 && text(&page).contains(&login_page) {
            let txn = login_txn_of::<E>(&page);
            self.login(&txn, user, PASSWORD)
        } else {
            page
        };
        let to_consent = r.header("location").unwrap_or("").contains("/consent/");
        if matches!(r.status, 302 | 303 | 307) && to_consent {
            self.consent(&r, "allow", None)
        } else {
            r
        }
    }
}

/// A redirect's Location without [`ORIGIN`].
fn local_path(r: &EmuResponse) -> String {
    let location = r.header("location").unwrap_or("");
    location.trim_start_matches(ORIGIN).to_string()
}

// ---- Codes and tokens ------------------------------------------------------------

/// The code a redirect carries; panics with the response when there is none.
pub fn code_of(r: &EmuResponse) -> String {
    let code = location_params(r).get("code").cloned();
    code.unwrap_or_else(|| {
        panic!(
            "no code: {} {:?} {}",
            r.status,
            r.header("location"),
            text(r)
        )
    })
}

/// The code of a successful authorize flow of the vendor's test user.
pub fn obtain_code<E: Vendor>(emu: &mut E, a: &Authz) -> String {
    code_of(&Browser::new(emu).run(a, E::USER))
}

/// Redeems `code` as `client_id` with `extra` parameters after the grant type and code.
pub fn redeem_with<E: Vendor>(
    emu: &mut E,
    client_id: &str,
    code: &str,
    extra: &[(&str, &str)],
) -> EmuResponse {
    let mut params = vec![("grant_type", "authorization_code"), ("code", code)];
    params.extend_from_slice(extra);
    send(emu, E::token_request(client_id, &params))
}

/// Obtains a code with `a` and redeems it as `client_id` with `extra`: the outcome.
pub fn redeem_outcome<E: Vendor>(
    emu: &mut E,
    a: Authz,
    client_id: &str,
    extra: &[(&str, &str)],
) -> String {
    let code = obtain_code(emu, &a);
    outcome(&redeem_with(emu, client_id, &code, extra))
}

/// Redeems `code` the way `a` asked for it: as its client, with its redirect_uri, and
/// with [`VERIFIER`] when it sent a challenge.
pub fn redeem_as_asked<E: Vendor>(emu: &mut E, a: &Authz, code: &str) -> EmuResponse {
    let client_id = a.param("client_id").unwrap_or_default();
    let mut extra: Vec<(&str, &str)> = a
        .param("redirect_uri")
        .map(|uri| ("redirect_uri", uri))
        .into_iter()
        .collect();
    if a.param("code_challenge").is_some() {
        extra.push(("code_verifier", VERIFIER));
    }
    redeem_with(emu, client_id, code, &extra)
}

/// A full successful flow of `a`, redeemed the way it asked: the token response body.
pub fn tokens<E: Vendor>(emu: &mut E, a: &Authz) -> Value {
    let code = obtain_code(emu, a);
    let r = redeem_as_asked(emu, a, &code);
    assert_eq!(r.status, 200, "{}", text(&r));
    json(&r)
}

/// A code of `a` redeemed twice: the second outcome.
pub fn code_reused<E: Vendor>(emu: &mut E, a: &Authz) -> String {
    let code = obtain_code(emu, a);
    redeem_as_asked(emu, a, &code);
    outcome(&redeem_as_asked(emu, a, &code))
}

/// A code of `a`, made `secs` virtual seconds old.
pub fn aged_code<E: Vendor>(emu: &mut E, a: &Authz, secs: u64) -> String {
    let code = obtain_code(emu, a);
    assert!(emu.age_artifact(&code, secs), "{code} is not stored");
    code
}

/// A code of `a` redeemed once it is `secs` virtual seconds old: the outcome.
pub fn code_aged<E: Vendor>(emu: &mut E, a: &Authz, secs: u64) -> String {
    let code = aged_code(emu, a, secs);
    outcome(&redeem_as_asked(emu, a, &code))
}

/// A refresh request by `client_id`, narrowed to `scope` when given.
pub fn refresh<E: Vendor>(
    emu: &mut E,
    client_id: &str,
    token: &str,
    scope: Option<&str>,
) -> EmuResponse {
    let grant = [("grant_type", "refresh_token"), ("refresh_token", token)];
    let params: Vec<_> = grant
        .into_iter()
        .chain(scope.map(|s| ("scope", s)))
        .collect();
    send(emu, E::token_request(client_id, &params))
}
