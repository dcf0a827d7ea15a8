//! The World: one per scenario. It holds the target, the scenario's HTTP session
//! (cookies, evidence) and the flow state; checks are applied through it so that a
//! failure message is always redacted and a SHOULD becomes a warning.

use grantcheck_core::profile::ClientRole;
use std::path::PathBuf;
use std::sync::Arc;

use grantcheck_core::checks::{Failure, Outcome, Severity};
use grantcheck_core::http::{Counters, Exchange, Request, Response, Session};
use grantcheck_core::login::LoginOutcome;
use grantcheck_core::oauth::authorize::AuthorizeRequest;
use grantcheck_core::oauth::error::OAuthError;
use grantcheck_core::redact::Redactor;
use grantcheck_core::snapshot::{self, Drift, Payload};
use grantcheck_core::target::{Client, Target};
use grantcheck_core::verdict::{Finding, StepFailure, StopKind};

/// Run-wide parts every World shares.
#[derive(Debug)]
pub struct Shared {
    pub client: reqwest::Client,
    pub counters: Arc<Counters>,
    pub snapshot_dir: PathBuf,
    /// The run's chromedriver and browser sessions (`login.method: browser`).
    pub browser: Arc<grantcheck_core::login::browser::BrowserPool>,
}

#[derive(Debug, Default)]
pub struct World {
    pub target: Option<Arc<Target>>,
    shared: Option<Arc<Shared>>,
    /// The target's secrets plus what this scenario was issued.
    redactor: Redactor,
    session: Option<Session>,
    /// The scenario's browser (`login.method: browser`), opened at its first sign-in
    /// and kept so that a second sign-in has its cookies.
    browser: Option<grantcheck_core::login::browser::BrowserSession>,
    pub scenario: String,
    /// The scenario's stable id (`@id:` tag); its baselines are named by it.
    pub scenario_id: String,
    pub flow: Flow,
    warnings: Vec<Finding>,
    drift: Vec<Drift>,
    snapshots_taken: usize,
    /// The step running now, as written (`Then the token request succeeds`).
    pub current_step: String,
    started: Option<std::time::Instant>,
    /// Tagged `@fresh-sign-in`: the scenario signs in with cookies of its own instead
    /// of the run's shared sign-in.
    pub fresh_sign_in: bool,
    /// `login.method: refresh`: the scenario's hold on the profile's refresh token
    /// chain, from its first use to the scenario's end.
    pub refresh_lease: Option<grantcheck_core::login::refresh::RefreshLease>,
}

/// Where the scenario's OAuth flow is: the client playing it, the authorization
/// leg, the grant it produced, and the last exchange the Then-steps judge.
#[derive(Debug, Default)]
pub struct Flow {
    /// Client role in the profile (`public`, `confidential`, ...).
    pub client_role: Option<ClientRole>,
    pub auth: Authorization,
    pub grant: Grant,
    /// The most recent response of the endpoint under test.
    pub last: Option<Response>,
    /// The error the last refusal step established, for description steps.
    pub last_error: Option<OAuthError>,
    /// The tenant the last request named in its path (tenant-scoped servers), as sent.
    pub tenant_sent: Option<String>,
}

/// The authorization leg: the request as the app builds it, what the user does at
/// the server's pages, and what came back.
#[derive(Debug, Default)]
pub struct Authorization {
    pub request: AuthorizeRequest,
    pub verifier: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub redirect_uri: String,
    /// User role signing in; default: the profile's `login.user`.
    pub user_role: Option<String>,
    /// Scopes the user unticks at consent.
    pub withhold: Vec<String>,
    pub refuse_consent: bool,
    /// The authorization request asked for the profile's unknown scope too.
    pub unknown_scope_asked: bool,
    pub outcome: Option<LoginOutcome>,
    pub trace: Option<grantcheck_core::login::LoginTrace>,
    pub code: Option<String>,
    /// The request as the app was chosen (`the confidential app`), before any step
    /// changed it: the `refresh` driver stands in only for that plain sign-in.
    pub chosen: Option<AuthorizeRequest>,
    /// `login.method: refresh` stood in for the sign-in: there is no authorization
    /// response; the code redemption is a refresh of the profile's token.
    pub via_refresh: bool,
}

/// What the token endpoint granted, as of its latest successful response.
#[derive(Debug, Default)]
pub struct Grant {
    /// The latest successful token response body.
    pub response: Option<serde_json::Value>,
    /// The scope the request behind `response` asked for (its `scope`; the
    /// authorization request's for a code; the grant's for a refresh without one),
    /// `None` when it named none: an absent `scope` member means this was granted
    /// (RFC 6749 §5.1).
    pub requested_scope: Option<String>,
    /// The scope the grant holds after its latest token response (its `scope`, or
    /// what was asked for when the member was left out).
    pub scope: Option<String>,
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    /// Refresh tokens already presented, oldest first (for replay probes).
    pub used_refresh_tokens: Vec<String>,
    pub id_token: Option<String>,
    pub patient: Option<String>,
}

impl cucumber::World for World {
    type Error = std::convert::Infallible;

    async fn new() -> Result<Self, Self::Error> {
        Ok(Self::default())
    }
}

impl World {
    /// Called by the runner's before-hook: binds the scenario to its target.
    pub fn attach(&mut self, target: Arc<Target>, shared: Arc<Shared>, scenario: &str, id: &str) {
        self.redactor = target.redactor.scoped();
        self.session = Some(Session::with_limits(
            shared.client.clone(),
            self.redactor.clone(),
            shared.counters.clone(),
            target.pacer.clone(),
            target.limits(),
        ));
        self.flow.auth.redirect_uri = target.profile.spec.redirect_uri.clone();
        self.scenario = scenario.to_string();
        self.scenario_id = id.to_string();
        self.started = Some(std::time::Instant::now());
        self.target = Some(target);
        self.shared = Some(shared);
    }

    /// Evidence, warnings, drift, the redactor and the time taken, for the
    /// scenario's record.
    pub fn take_results(&mut self) -> ScenarioResults {
        let evidence = self
            .session
            .as_mut()
            .map(|s| std::mem::take(&mut s.evidence))
            .unwrap_or_default();
        ScenarioResults {
            evidence,
            warnings: std::mem::take(&mut self.warnings),
            drift: std::mem::take(&mut self.drift),
            redactor: self.target.as_ref().map(|_| self.redactor.clone()),
            elapsed: self.started.map(|s| s.elapsed()).unwrap_or_default(),
        }
    }

    pub fn target(&self) -> &Arc<Target> {
        match &self.target {
            Some(t) => t,
            None => panic!("the scenario is not bound to a target (feature without a target tag)"),
        }
    }

    pub fn redactor(&self) -> Redactor {
        self.redactor.clone()
    }

    pub fn client(&self) -> Client {
        let role = self.flow.client_role.unwrap_or(ClientRole::Confidential);
        self.client_by_role(role)
    }

    pub fn client_by_role(&self, role: ClientRole) -> Client {
        match self.target().client(role) {
            Some(c) => c.clone(),
            None => self.fail_with(format!(
                "the profile `{}` has no `{role}` client under `clients`",
                self.target().name()
            )),
        }
    }

    /// Sends a request through the scenario's session; no response fails the step with
    /// what happened.
    pub async fn send(&mut self, req: Request) -> Response {
        if let Some(reason) = self.target().unreachable() {
            self.block(format!("not sent: {reason}"));
        }
        let session = match self.session.as_mut() {
            Some(s) => s,
            None => panic!("no HTTP session: the scenario is not bound to a target"),
        };
        match session.send(req).await {
            // A refusal for load judges nothing about the request: the scenario is
            // blocked with what arrived, never failed against a section.
            Ok(r) if grantcheck_core::http::is_load_refusal(&r) => self.block(format!(
                "the server refused the request for load (HTTP {}{}){}: no conformance \
                 result; lower the profile's `rate_limit` or run later",
                r.status,
                r.header("retry-after")
                    .map(|v| format!(", Retry-After: {v}"))
                    .unwrap_or_default(),
                if r.url.is_empty() {
                    String::new()
                } else {
                    format!(" at {}", self.redactor.url(&r.url))
                },
            )),
            Ok(r) => r,
            Err(e) if e.unreachable => {
                // One unreachable answer stands for the whole target: the scenarios
                // after it are blocked at once instead of each waiting for a timeout.
                self.target().mark_unreachable(&e.to_string());
                self.block(e.to_string())
            }
            Err(e) => self.fail_with(e.to_string()),
        }
    }

    /// Whether the scenario's last request carried header `name` (evidence keeps the
    /// names of redacted headers).
    pub fn last_request_had_header(&self, name: &str) -> bool {
        self.session
            .as_ref()
            .and_then(|s| s.evidence.last())
            .is_some_and(|e| {
                e.request_headers
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case(name))
            })
    }

    /// The scenario's browser, opened on first use, and its HTTP session (for the
    /// redactor and evidence).
    pub async fn browser(
        &mut self,
    ) -> Result<
        (
            &grantcheck_core::login::browser::BrowserSession,
            &mut Session,
        ),
        grantcheck_core::login::LoginError,
    > {
        if self.browser.is_none() {
            let pool = match &self.shared {
                Some(s) => s.browser.clone(),
                None => panic!("no run context: the scenario is not bound to a target"),
            };
            let redirect = self.flow.auth.redirect_uri.clone();
            self.browser = Some(pool.open(&redirect).await?);
        }
        match (self.browser.as_ref(), self.session.as_mut()) {
            (Some(b), Some(s)) => Ok((b, s)),
            _ => panic!("no HTTP session: the scenario is not bound to a target"),
        }
    }

    /// The run's browsers (the shared ones are kept there).
    pub fn browser_pool(&self) -> Arc<grantcheck_core::login::browser::BrowserPool> {
        match &self.shared {
            Some(s) => s.browser.clone(),
            None => panic!("no run context: the scenario is not bound to a target"),
        }
    }

    /// Sends the scenario's browser, if it has one, to `url`.
    pub async fn browser_visit(&self, url: &url::Url) {
        if let Some(b) = &self.browser {
            b.visit(url.as_str()).await;
        }
    }

    /// The scenario's browser, taken out to be closed when the scenario ends.
    pub fn take_browser(&mut self) -> Option<grantcheck_core::login::browser::BrowserSession> {
        self.browser.take()
    }

    /// A step that looks at the user's login session (or ends it) needs the scenario
    /// to have one of its own: in the run's shared sign-in, another scenario may sign
    /// in or out at any moment. Without the tag the scenario is blocked, as written
    /// wrongly, not judged.
    pub fn need_own_sign_in(&self, what: &str) {
        let login = &self.target().profile.spec.login;
        let shared = login.share_session
            && matches!(
                login.method,
                grantcheck_core::profile::LoginMethod::Form
                    | grantcheck_core::profile::LoginMethod::Browser
            );
        if shared && !self.fresh_sign_in {
            self.block(format!(
                "this scenario {what}, but is not tagged @{}: it would share the run's \
                 sign-in with the other scenarios; tag it so that it signs in on its own",
                grantcheck_core::login::reuse::FRESH_SIGN_IN_TAG
            ));
        }
    }

    /// A step that needs the authorization response (the code, the redirect, the
    /// pages): with `login.method: refresh` there is none, so the scenario does not
    /// apply rather than fail.
    pub fn need_authorization_response(&self) {
        if self.flow.auth.via_refresh {
            self.not_applicable(
                "this scenario looks at the authorization response itself; with \
                 `login.method: refresh` nobody signs in, so there is none: run it with \
                 `login.method: browser` or `manual`"
                    .into(),
            );
        }
    }

    /// A step that may end the grant the profile's refresh token belongs to (a
    /// revocation, a replay): with `login.method: refresh` that token has to live on
    /// for the next run, so the scenario does not apply.
    pub fn spare_refresh_chain(&self, what: &str) {
        if self.refresh_lease.is_some() {
            self.not_applicable(format!(
                "this scenario {what}, which may end the grant of the refresh token \
                 `login.refresh` keeps for the next runs: run it with a sign-in of its own \
                 (`login.method: browser` or `manual`)"
            ));
        }
    }

    /// A warning on the scenario that is not a check of the server (a rotated refresh
    /// token that could not be kept).
    pub fn notice(&mut self, message: String) {
        let r = self.redactor();
        self.warnings.push(Finding::problem(r.text(&message)));
    }

    pub fn session_mut(&mut self) -> &mut Session {
        match self.session.as_mut() {
            Some(s) => s,
            None => panic!("no HTTP session: the scenario is not bound to a target"),
        }
    }

    /// Registers a value the server issued (code, token) so it is masked wherever it
    /// appears later.
    pub fn remember_secret(&self, value: &str) {
        self.redactor.add(value);
    }

    /// A MUST: failing it fails the step.
    pub fn must(&self, outcome: Outcome) {
        self.must_all([outcome]);
    }

    /// Several MUSTs of one step: every one is evaluated, and the step fails with all
    /// that failed, so one failure never hides another.
    pub fn must_all(&self, outcomes: impl IntoIterator<Item = Outcome>) {
        let failed: Vec<Finding> = outcomes
            .into_iter()
            .filter_map(Result::err)
            .map(|f| Finding::check(f, Severity::Must))
            .collect();
        if !failed.is_empty() {
            self.raise(StopKind::Failed, failed);
        }
    }

    /// A SHOULD: failing it is a warning on the scenario.
    pub fn should(&mut self, outcome: Outcome) {
        if let Err(f) = outcome {
            let mut finding = self.locate(Finding::check(f, Severity::Should));
            let r = self.redactor();
            finding.map_text(|t| r.text(t));
            self.warnings.push(finding);
        }
    }

    /// A failed MUST check, with `explain`'s diagnosis of the last error payload.
    pub fn fail(&self, f: &Failure) -> ! {
        self.raise(
            StopKind::Failed,
            vec![Finding::check(f.clone(), Severity::Must)],
        )
    }

    /// What `explain` makes of the error payload the scenario last received, if any:
    /// the vendor's documented causes and fixes, next to the failed check.
    fn diagnosis(&self) -> Option<String> {
        let vendor = self.target.as_ref().map(|t| t.vendor());
        let input = match (&self.flow.auth.outcome, &self.flow.last) {
            (_, Some(r)) if r.status >= 400 => {
                let mut text = format!("HTTP/1.1 {}\n", r.status);
                for (k, v) in &r.headers {
                    text.push_str(&format!("{k}: {v}\n"));
                }
                text.push('\n');
                text.push_str(&r.text());
                text
            }
            (Some(LoginOutcome::Redirected(p)), _) if p.get("error").is_some() => {
                p.location.clone()
            }
            _ => return None,
        };
        let e = grantcheck_core::diagnose::explain::explain(&input, vendor).ok()?;
        e.recognised
            .then(|| grantcheck_core::diagnose::explain::render_text(&e))
    }

    /// The step could not do what it says (no token, nothing to check, ...).
    pub fn fail_with(&self, message: String) -> ! {
        self.raise(StopKind::Failed, vec![Finding::problem(message)])
    }

    /// An endpoint the step needs is unknown. When discovery failed, the scenario is
    /// blocked by that (the discovery scenarios report the failure itself, once);
    /// otherwise the profile lacks it and the step fails saying so.
    pub fn missing_endpoint(&self, name: &str) -> ! {
        let target = self.target();
        let why = target.missing_endpoint(name);
        if target.discovery_error.is_some() {
            self.block(why)
        }
        self.fail_with(why)
    }

    /// The target could not be tested here (unreachable, sign-in impossible): the
    /// scenario is blocked, not failed.
    pub fn block(&self, message: String) -> ! {
        self.raise(StopKind::Blocked, vec![Finding::problem(message)])
    }

    /// What the scenario checks is not there on this server (the specification lets
    /// it be absent): the scenario is skipped with the reason, never failed.
    pub fn not_applicable(&self, reason: String) -> ! {
        self.raise(StopKind::NotApplicable, vec![Finding::problem(reason)])
    }

    /// Where a finding was made: the step and the exchange it looked at.
    fn locate(&self, mut finding: Finding) -> Finding {
        if !self.current_step.is_empty() {
            finding.step = Some(self.current_step.clone());
        }
        finding.evidence = self
            .session
            .as_ref()
            .and_then(|s| s.evidence.len().checked_sub(1));
        finding
    }

    /// Stops the step with typed findings, redacted, each placed at its step.
    fn raise(&self, kind: StopKind, findings: Vec<Finding>) -> ! {
        // A step that cannot go on because the target is down (no endpoint from a
        // discovery that got no answer, ...) is blocked by that, not failed.
        let kind = match (&kind, &self.target) {
            (StopKind::Failed, Some(t))
                if t.unreachable().is_some() && findings.iter().all(|f| f.check.is_none()) =>
            {
                StopKind::Blocked
            }
            _ => kind,
        };
        let diagnosis = match kind {
            StopKind::Failed => self.diagnosis(),
            StopKind::Blocked | StopKind::NotApplicable => None,
        };
        let findings = findings
            .into_iter()
            .map(|f| {
                let mut f = self.locate(f);
                if f.check.is_some() {
                    f.diagnosis = diagnosis.clone();
                }
                f.map_text(|t| self.redactor.text(t));
                f
            })
            .collect();
        StepFailure { kind, findings }.raise()
    }

    /// Asserts an observed payload against the profile's baseline; drift fails the step.
    pub fn snapshot(&mut self, payload: Payload) {
        let Some(shared) = self.shared.clone() else {
            return;
        };
        let target = self.target().clone();
        self.snapshots_taken += 1;
        let mut name = self.scenario_id.clone();
        if self.snapshots_taken > 1 {
            name = format!("{name}-{}", self.snapshots_taken);
        }
        let origin = target.base_url.as_str().trim_end_matches('/').to_string();
        let masks: Vec<(String, &str)> = [
            (self.flow.auth.state.clone(), "[state]"),
            (self.flow.auth.nonce.clone(), "[nonce]"),
        ]
        .into_iter()
        .filter_map(|(v, p)| v.map(|v| (v, p)))
        .collect();
        let body = snapshot::mask_values(&snapshot::normalize(&payload.body, &origin), &masks);
        let payload = Payload {
            body: target.redactor.json(&body),
            ..payload
        };
        // Drift never stops or fails the scenario: it is recorded beside the verdict.
        if let Some(drift) = snapshot::assert_payload(
            &shared.snapshot_dir,
            &target.profile.baseline_folder(),
            &name,
            &self.scenario,
            &payload,
        ) {
            self.drift.push(drift);
        }
    }
}

/// What a finished scenario leaves for its record.
#[derive(Debug, Default)]
pub struct ScenarioResults {
    pub evidence: Vec<Exchange>,
    pub warnings: Vec<Finding>,
    pub drift: Vec<Drift>,
    pub redactor: Option<Redactor>,
    pub elapsed: std::time::Duration,
}

/// A name in kebab case (report anchors, sample ids in unit tests).
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out.truncate(90);
    out
}
