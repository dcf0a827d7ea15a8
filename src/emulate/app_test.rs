//! `grantcheck emulate … --app-test MODE`: the emulator misbehaves in one way a
//! correct app must refuse, once (the first flow it can spoil), and watches whether
//! the app goes on to use what it should have refused: it redeems the code of a
//! spoiled authorization response, or calls userinfo or FHIR (or refreshes) with the
//! tokens of a spoiled token response. `features/apps/` states each mode as Gherkin.

use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::emulators::{EmuRequest, EmuResponse};
use crate::oauth::jws::SigningKey;

/// One way of misbehaving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    WrongState,
    IssMixUp,
    IdTokenWrongAud,
    IdTokenWrongNonce,
    IdTokenBadSignature,
    IdTokenUnknownKid,
    TokenTypeNotBearer,
    CodeReplayed,
}

impl Mode {
    pub const ALL: &[Mode] = &[
        Mode::WrongState,
        Mode::IssMixUp,
        Mode::IdTokenWrongAud,
        Mode::IdTokenWrongNonce,
        Mode::IdTokenBadSignature,
        Mode::IdTokenUnknownKid,
        Mode::TokenTypeNotBearer,
        Mode::CodeReplayed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mode::WrongState => "wrong-state",
            Mode::IssMixUp => "iss-mix-up",
            Mode::IdTokenWrongAud => "id-token-wrong-aud",
            Mode::IdTokenWrongNonce => "id-token-wrong-nonce",
            Mode::IdTokenBadSignature => "id-token-bad-signature",
            Mode::IdTokenUnknownKid => "id-token-unknown-kid",
            Mode::TokenTypeNotBearer => "token-type-not-bearer",
            Mode::CodeReplayed => "code-replayed",
        }
    }

    /// Whether an app may skip what this mode spoils: OpenID Connect Core §3.1.3.7
    /// (6) lets a client rely on the TLS server check instead of the ID token's
    /// signature when the token came straight from the token endpoint, as it does in
    /// the code flow. An app that uses the tokens anyway gets a warning, not a failure.
    pub fn check_is_optional(self) -> bool {
        matches!(self, Mode::IdTokenBadSignature | Mode::IdTokenUnknownKid)
    }

    pub fn parse(name: &str) -> Option<Mode> {
        Mode::ALL.iter().copied().find(|m| m.name() == name)
    }

    /// What the emulator does, what a correct app does, and the section that says so.
    pub fn describe(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Mode::WrongState => (
                "sends the browser back with a `state` the app never sent",
                "refuses the response and never redeems its code",
                "RFC 6749 §10.12, RFC 9700 §4.7.1",
            ),
            Mode::IssMixUp => (
                "sends the browser back with an `iss` naming another server",
                "refuses the response and never redeems its code",
                "RFC 9207 §2.4",
            ),
            Mode::IdTokenWrongAud => (
                "issues an ID token whose `aud` names another client",
                "refuses the token response and never uses its tokens",
                "OpenID Connect Core 1.0 §3.1.3.7 (3)",
            ),
            Mode::IdTokenWrongNonce => (
                "issues an ID token whose `nonce` is not the one the app sent",
                "refuses the token response and never uses its tokens",
                "OpenID Connect Core 1.0 §3.1.3.7 (11)",
            ),
            Mode::IdTokenBadSignature => (
                "issues an ID token whose signature does not verify",
                "that checks the signature refuses the token response and never uses its tokens",
                "OpenID Connect Core 1.0 §3.1.3.7 (6)",
            ),
            Mode::IdTokenUnknownKid => (
                "issues an ID token signed with a key the server does not publish",
                "that checks the signature refuses the token response and never uses its tokens",
                "OpenID Connect Core 1.0 §3.1.3.7 (6), §10.1.1",
            ),
            Mode::TokenTypeNotBearer => (
                "answers the code redemption with a `token_type` other than Bearer",
                "does not use an access token of a type it does not know",
                "RFC 6749 §7.1",
            ),
            Mode::CodeReplayed => (
                "has an attacker redeem the app's code first, so the app's redemption is \
                 refused with invalid_grant",
                "stops the sign-in: it neither sends the code again nor goes on as if signed in",
                "RFC 6749 §4.1.2, §5.2",
            ),
        }
    }
}

/// Where the test is.
#[derive(Debug, Default)]
struct State {
    /// The code of the spoiled authorization response, or the tokens of the spoiled
    /// token response: what a correct app never uses.
    tainted: Vec<String>,
    spoiled_at: Option<u64>,
    /// The request that used a tainted value, in words.
    used: Option<String>,
    requests: u64,
    /// `code-replayed`: redemptions after the refused one.
    redeemed_again: u32,
}

pub struct AppTest {
    pub mode: Mode,
    signer: Option<SigningKey>,
    state: Mutex<State>,
}

/// The test's outcome, for the console and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Passed(String),
    Failed(String),
    /// The app went on where the specification lets it (see
    /// [`Mode::check_is_optional`]).
    Warned(String),
    /// The app never got as far as the spoiled step.
    NotReached,
}

impl AppTest {
    /// `signer`: the emulator's ID token key, so a tampered ID token is signed as the
    /// server's own and only the tampered claim is wrong.
    pub fn new(mode: Mode, signer: Option<SigningKey>) -> Self {
        Self {
            mode,
            signer,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Spoils the first answer this mode is about; the rest go out as they are.
    pub fn rewrite(&self, req: &EmuRequest, resp: EmuResponse) -> EmuResponse {
        let mut state = self.state();
        state.requests += 1;
        if state.spoiled_at.is_some() {
            return resp;
        }
        let n = state.requests;
        let spoiled = match self.mode {
            Mode::WrongState | Mode::IssMixUp => spoil_redirect(self.mode, &resp),
            _ if !redeems_code(req) || resp.status != 200 => None,
            Mode::CodeReplayed => Some((
                EmuResponse::json(
                    400,
                    &serde_json::json!({
                        "error": "invalid_grant",
                        "error_description": "The authorization code was already redeemed."
                    }),
                ),
                token_values(&resp),
            )),
            _ => self.spoil_tokens(&resp),
        };
        match spoiled {
            Some((resp, tainted)) => {
                state.spoiled_at = Some(n);
                state.tainted = tainted;
                resp
            }
            None => resp,
        }
    }

    /// Watches the app's requests after the spoiled answer.
    pub fn observe(&self, req: &EmuRequest) {
        let mut state = self.state();
        let Some(at) = state.spoiled_at else {
            return;
        };
        if state.requests <= at || state.used.is_some() {
            return;
        }
        if self.mode == Mode::CodeReplayed && redeems_code(req) {
            state.redeemed_again += 1;
        }
        let presented = presented_values(req);
        if let Some(v) = presented.iter().find(|v| state.tainted.contains(v)) {
            let what = if req.form().iter().any(|(k, x)| k == "code" && x == v) {
                "redeemed the code"
            } else {
                "used a token"
            };
            state.used = Some(format!(
                "request #{} ({} {}) {what} the app should have refused",
                state.requests, req.method, req.path
            ));
        }
    }

    pub fn verdict(&self) -> Verdict {
        let state = self.state();
        let (did, must, spec) = self.mode.describe();
        match (&state.spoiled_at, &state.used) {
            (None, _) => Verdict::NotReached,
            (Some(_), Some(used)) if self.mode.check_is_optional() => Verdict::Warned(format!(
                "the server {did}; an app {must} ({spec}); this app did not check: {used}. \
                 The same section lets a client rely on TLS instead of the signature for an \
                 ID token from the token endpoint, so this is no failure; checking it \
                 protects the app if its TLS trust is ever wrong"
            )),
            (Some(_), Some(used)) => Verdict::Failed(format!(
                "the server {did}; a correct app {must} ({spec}); this app did not: {used}"
            )),
            (Some(_), None) if self.mode == Mode::CodeReplayed && state.redeemed_again > 0 => {
                Verdict::Failed(format!(
                    "the server {did}; a correct app {must} ({spec}); this app redeemed a \
                     code {} more time(s)",
                    state.redeemed_again
                ))
            }
            (Some(_), None) => {
                Verdict::Passed(format!("the server {did}; the app {must} ({spec})"))
            }
        }
    }

    /// A token response with its ID token or token type spoiled; the tokens it holds
    /// are tainted.
    fn spoil_tokens(&self, resp: &EmuResponse) -> Option<(EmuResponse, Vec<String>)> {
        let mut body: Value = serde_json::from_slice(&resp.body).ok()?;
        let tainted = token_values(resp);
        match self.mode {
            Mode::TokenTypeNotBearer => {
                body["token_type"] = Value::String("grantcheck-unknown".into());
            }
            mode => {
                let id_token = body.get("id_token")?.as_str()?.to_string();
                body["id_token"] = Value::String(self.spoil_id_token(mode, &id_token)?);
            }
        }
        let mut out = EmuResponse::new(resp.status);
        out.headers = resp
            .headers
            .iter()
            .filter(|(k, _)| k != "content-length")
            .cloned()
            .collect();
        out.body = body.to_string().into_bytes();
        Some((out, tainted))
    }

    fn spoil_id_token(&self, mode: Mode, token: &str) -> Option<String> {
        let mut parts = token.split('.');
        let (_, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
        let mut claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        match mode {
            Mode::IdTokenWrongAud => {
                claims["aud"] = Value::String("grantcheck-another-client".into());
                self.signer.as_ref()?.sign(&claims).ok()
            }
            Mode::IdTokenWrongNonce => {
                claims["nonce"] = Value::String("grantcheck-not-your-nonce".into());
                self.signer.as_ref()?.sign(&claims).ok()
            }
            Mode::IdTokenUnknownKid => crate::emulators::unpublished_key().sign(&claims).ok(),
            Mode::IdTokenBadSignature => {
                // The same header and claims; the signature's bytes changed.
                let mut sig = URL_SAFE_NO_PAD.decode(signature).ok()?;
                let last = sig.last_mut()?;
                *last ^= 0x5a;
                let head = &token[..token.len() - signature.len()];
                Some(format!("{head}{}", URL_SAFE_NO_PAD.encode(sig)))
            }
            _ => None,
        }
    }
}

/// An authorization response redirect with its `state` or `iss` spoiled; its code is
/// tainted.
fn spoil_redirect(mode: Mode, resp: &EmuResponse) -> Option<(EmuResponse, Vec<String>)> {
    let location = resp
        .headers
        .iter()
        .find(|(k, _)| k == "location")
        .map(|(_, v)| v.clone())?;
    let mut url = url::Url::parse(&location).ok()?;
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let code = pairs.iter().find(|(k, _)| k == "code")?.1.clone();
    let (name, value) = match mode {
        Mode::WrongState => ("state", "grantcheck-not-your-state"),
        _ => ("iss", "https://attacker.example"),
    };
    let mut replaced = false;
    let mut query = url.query_pairs_mut();
    query.clear();
    for (k, v) in &pairs {
        if k == name {
            query.append_pair(k, value);
            replaced = true;
        } else {
            query.append_pair(k, v);
        }
    }
    if !replaced {
        query.append_pair(name, value);
    }
    drop(query);
    let mut out = EmuResponse::new(resp.status);
    out.headers = resp
        .headers
        .iter()
        .map(|(k, v)| {
            if k == "location" {
                (k.clone(), url.to_string())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect();
    out.body = resp.body.clone();
    Some((out, vec![code]))
}

fn redeems_code(req: &EmuRequest) -> bool {
    req.method == "POST"
        && req
            .form()
            .iter()
            .any(|(k, v)| k == "grant_type" && v == "authorization_code")
}

/// The access and refresh tokens of a token response.
fn token_values(resp: &EmuResponse) -> Vec<String> {
    let body: Value = serde_json::from_slice(&resp.body).unwrap_or_default();
    ["access_token", "refresh_token"]
        .iter()
        .filter_map(|k| body.get(k).and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// Every value a request presents that could be a code or a token: the bearer token,
/// and the form and query values.
fn presented_values(req: &EmuRequest) -> Vec<String> {
    let mut out: Vec<String> = req
        .form()
        .into_iter()
        .chain(req.query())
        .map(|(_, v)| v)
        .collect();
    if let Some(auth) = req.header("authorization")
        && let Some((scheme, token)) = auth.split_once(' ')
        && !scheme.eq_ignore_ascii_case("basic")
    {
        out.push(token.trim().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, path: &str, body: &str, auth: Option<&str>) -> EmuRequest {
        let mut headers = vec![(
            "content-type".to_string(),
            "application/x-www-form-urlencoded".to_string(),
        )];
        if let Some(a) = auth {
            headers.push(("authorization".into(), a.into()));
        }
        EmuRequest {
            method: method.into(),
            path: path.into(),
            raw_query: None,
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    fn redirect() -> EmuResponse {
        EmuResponse::redirect("https://app.example/cb?code=c0de&state=s1&iss=https%3A%2F%2Fidp")
    }

    fn tokens(id_token: &str) -> EmuResponse {
        EmuResponse::json(
            200,
            &serde_json::json!({"access_token": "at-1", "refresh_token": "rt-1",
                "token_type": "Bearer", "id_token": id_token}),
        )
    }

    const REDEEM: &str = "grant_type=authorization_code&code=c0de";

    #[test]
    fn a_spoiled_state_fails_the_app_that_redeems_its_code() {
        let t = AppTest::new(Mode::WrongState, None);
        let r = t.rewrite(&req("GET", "/authorize", "", None), redirect());
        let loc = &r.headers.iter().find(|(k, _)| k == "location").unwrap().1;
        assert!(loc.contains("state=grantcheck-not-your-state"), "{loc}");
        assert!(loc.contains("code=c0de"));
        // Only once: the next flow is left alone.
        let again = t.rewrite(&req("GET", "/authorize", "", None), redirect());
        assert!(again.headers[0].1.contains("state=s1"));
        assert_eq!(t.verdict(), Verdict::Passed(t.verdict_text_passed()));
        let token = req("POST", "/token", REDEEM, None);
        t.rewrite(&token, tokens("x.y.z"));
        t.observe(&token);
        assert!(matches!(t.verdict(), Verdict::Failed(m) if m.contains("redeemed the code")));
    }

    #[test]
    fn tokens_of_a_spoiled_id_token_must_not_be_used() {
        // The server's own key (its PEM is the test's; its kid is published).
        let key = SigningKey {
            kid: "emu-1".into(),
            ..crate::emulators::unpublished_key()
        };
        let id = key
            .sign(&serde_json::json!({"aud": "app", "nonce": "n", "iss": "i", "sub": "s"}))
            .unwrap();
        for mode in [
            Mode::IdTokenWrongAud,
            Mode::IdTokenWrongNonce,
            Mode::IdTokenBadSignature,
            Mode::IdTokenUnknownKid,
            Mode::TokenTypeNotBearer,
        ] {
            let t = AppTest::new(mode, Some(key.clone()));
            assert_eq!(t.verdict(), Verdict::NotReached);
            let r = t.rewrite(&req("POST", "/token", REDEEM, None), tokens(&id));
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            let spoiled = body["id_token"].as_str().unwrap();
            match mode {
                Mode::TokenTypeNotBearer => assert_ne!(body["token_type"], "Bearer"),
                _ => assert_ne!(spoiled, id, "{mode:?}"),
            }
            assert!(matches!(t.verdict(), Verdict::Passed(_)), "{mode:?}");
            let userinfo = req("GET", "/userinfo", "", Some("Bearer at-1"));
            t.rewrite(&userinfo, EmuResponse::new(200));
            t.observe(&userinfo);
            if mode.check_is_optional() {
                assert!(matches!(t.verdict(), Verdict::Warned(_)), "{mode:?}");
            } else {
                assert!(matches!(t.verdict(), Verdict::Failed(_)), "{mode:?}");
            }
        }
    }

    #[test]
    fn a_replayed_code_fails_the_app_that_sends_it_again() {
        let t = AppTest::new(Mode::CodeReplayed, None);
        let token = req("POST", "/token", REDEEM, None);
        let r = t.rewrite(&token, tokens("x.y.z"));
        assert_eq!(r.status, 400);
        assert!(matches!(t.verdict(), Verdict::Passed(_)));
        t.rewrite(&token, tokens("x.y.z"));
        t.observe(&token);
        assert!(matches!(t.verdict(), Verdict::Failed(m) if m.contains("1 more time")));
    }

    /// The Gherkin an auditor reads and the modes the emulator plays are the same list.
    #[test]
    fn every_mode_has_its_scenario_in_features_apps_and_back() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("features/apps");
        let mut tagged = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("features/apps") {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for word in text.split_whitespace() {
                if let Some(name) = word.strip_prefix("@app-test:") {
                    tagged.push(name.to_string());
                }
            }
        }
        let mut modes: Vec<String> = Mode::ALL.iter().map(|m| m.name().to_string()).collect();
        tagged.sort();
        modes.sort();
        assert_eq!(tagged, modes);
    }

    impl AppTest {
        fn verdict_text_passed(&self) -> String {
            let (did, must, spec) = self.mode.describe();
            format!("the server {did}; the app {must} ({spec})")
        }
    }
}
