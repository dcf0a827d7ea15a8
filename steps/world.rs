//! The World: one per scenario. It holds the target, the scenario's HTTP session
//! (cookies, evidence) and the flow state; checks are applied through it so that a
//! failure message is always redacted and a SHOULD becomes a warning.

use std::path::PathBuf;
use std::sync::Arc;

use crate::checks::{Failure, Outcome};
use crate::http::{Counters, Exchange, Request, Response, Session};
use crate::login::LoginOutcome;
use crate::oauth::authorize::AuthorizeRequest;
use crate::oauth::error::OAuthError;
use crate::redact::Redactor;
use crate::snapshot::{self, Drift, Payload};
use crate::target::{Client, Target};

/// Run-wide parts every World shares.
#[derive(Debug)]
pub struct Shared {
    pub client: reqwest::Client,
    pub counters: Arc<Counters>,
    pub snapshot_dir: PathBuf,
}

#[derive(Debug, Default)]
pub struct World {
    pub target: Option<Arc<Target>>,
    shared: Option<Arc<Shared>>,
    /// The target's secrets plus what this scenario was issued.
    redactor: Redactor,
    session: Option<Session>,
    pub scenario: String,
    pub flow: Flow,
    warnings: Vec<String>,
    drift: Vec<Drift>,
    snapshots_taken: usize,
}

/// Where the scenario's OAuth flow is.
#[derive(Debug, Default)]
pub struct Flow {
    /// Client role in the profile (`public`, `confidential`, ...).
    pub client_role: Option<String>,
    pub authorize: AuthorizeRequest,
    pub verifier: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub redirect_uri: String,
    /// User role signing in; default: the profile's `login.user`.
    pub user_role: Option<String>,
    pub withhold: Vec<String>,
    pub refuse_consent: bool,
    pub outcome: Option<LoginOutcome>,
    pub trace: Option<crate::login::LoginTrace>,
    pub code: Option<String>,
    /// The most recent response of the endpoint under test.
    pub last: Option<Response>,
    /// The most recent successful token response body.
    pub tokens: Option<serde_json::Value>,
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    /// Refresh tokens already presented, oldest first (for replay probes).
    pub used_refresh_tokens: Vec<String>,
    pub id_token: Option<String>,
    /// The error the last refusal step established, for description steps.
    pub last_error: Option<OAuthError>,
    pub patient: Option<String>,
    /// The tenant the last request named in its path (Oracle Health), as sent.
    pub tenant_sent: Option<String>,
}

impl cucumber::World for World {
    type Error = std::convert::Infallible;

    async fn new() -> Result<Self, Self::Error> {
        Ok(Self::default())
    }
}

impl World {
    /// Called by the runner's before-hook: binds the scenario to its target.
    pub fn attach(&mut self, target: Arc<Target>, shared: Arc<Shared>, scenario: &str) {
        self.redactor = target.redactor.scoped();
        self.session = Some(Session::new(
            shared.client.clone(),
            self.redactor.clone(),
            shared.counters.clone(),
            target.limiter.clone(),
        ));
        self.flow.redirect_uri = target.profile.spec.redirect_uri.clone();
        self.scenario = scenario.to_string();
        self.target = Some(target);
        self.shared = Some(shared);
    }

    /// Evidence, warnings, drift and the redactor, for the scenario's record.
    pub fn take_results(&mut self) -> (Vec<Exchange>, Vec<String>, Vec<Drift>, Option<Redactor>) {
        let evidence = self
            .session
            .as_mut()
            .map(|s| std::mem::take(&mut s.evidence))
            .unwrap_or_default();
        let redactor = self.target.as_ref().map(|_| self.redactor.clone());
        (
            evidence,
            std::mem::take(&mut self.warnings),
            std::mem::take(&mut self.drift),
            redactor,
        )
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
        let role = self
            .flow
            .client_role
            .clone()
            .unwrap_or_else(|| "confidential".into());
        self.client_by_role(&role)
    }

    pub fn client_by_role(&self, role: &str) -> Client {
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
        let session = match self.session.as_mut() {
            Some(s) => s,
            None => panic!("no HTTP session: the scenario is not bound to a target"),
        };
        match session.send(req).await {
            Ok(r) => r,
            Err(e) => self.fail_with(e.to_string()),
        }
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
        if let Err(f) = outcome {
            self.fail(&f);
        }
    }

    /// A SHOULD: failing it is a warning on the scenario.
    pub fn should(&mut self, outcome: Outcome) {
        if let Err(f) = outcome {
            let text = self.redactor().text(&format!(
                "{} [{}]: expected {}, received {}",
                f.check, f.spec, f.expected, f.received
            ));
            self.warnings.push(text);
        }
    }

    pub fn fail(&self, f: &Failure) -> ! {
        let mut message = f.to_string();
        if let Some(diagnosis) = self.diagnosis() {
            message.push_str("\n  diagnosis (grantcheck explain):\n");
            for line in diagnosis.lines() {
                message.push_str("    ");
                message.push_str(line);
                message.push('\n');
            }
        }
        self.fail_with(message)
    }

    /// What `explain` makes of the error payload the scenario last received, if any:
    /// the vendor's documented causes and fixes, next to the failed check.
    fn diagnosis(&self) -> Option<String> {
        let vendor = self.target.as_ref().map(|t| t.vendor());
        let input = match (&self.flow.outcome, &self.flow.last) {
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
        let e = crate::diagnose::explain::explain(&input, vendor).ok()?;
        e.recognised
            .then(|| crate::diagnose::explain::render_text(&e))
    }

    /// Fails the step with a redacted message (cucumber reports the panic payload).
    /// A failure the profile declares as a known deviation says so where it happens, so
    /// the progress output agrees with the summary.
    pub fn fail_with(&self, message: String) -> ! {
        // Drift is never a deviation (and keeps its prefix for the runner).
        let declared = self
            .target
            .as_ref()
            .filter(|_| !message.starts_with(BASELINE_FAILURE))
            .and_then(|t| {
                t.profile
                    .spec
                    .deviations
                    .iter()
                    .find(|d| d.explains(&self.scenario, &message))
            });
        let message = match declared {
            Some(d) => format!(
                "known deviation (declared in the profile): {}\n{message}",
                d.reason
            ),
            None => message,
        };
        let text = self.redactor.text(&message);
        std::panic::panic_any(text)
    }

    /// Asserts an observed payload against the profile's baseline; drift fails the step.
    pub fn snapshot(&mut self, payload: Payload) {
        let Some(shared) = self.shared.clone() else {
            return;
        };
        let target = self.target().clone();
        self.snapshots_taken += 1;
        let mut name = slug(&self.scenario);
        if self.snapshots_taken > 1 {
            name = format!("{name}-{}", self.snapshots_taken);
        }
        let origin = target.base_url.as_str().trim_end_matches('/').to_string();
        let masks: Vec<(String, &str)> = [
            (self.flow.state.clone(), "[state]"),
            (self.flow.nonce.clone(), "[nonce]"),
        ]
        .into_iter()
        .filter_map(|(v, p)| v.map(|v| (v, p)))
        .collect();
        let body = snapshot::mask_values(&snapshot::normalize(&payload.body, &origin), &masks);
        let payload = Payload {
            body: target.redactor.json(&body),
            ..payload
        };
        // Drift does not stop the scenario: its other checks still run, and the
        // final baseline step reports every drifted payload.
        if let Err(drift) = snapshot::assert_payload(
            &shared.snapshot_dir,
            target.name(),
            &name,
            &self.scenario,
            &payload,
        ) {
            self.drift.push(drift);
        }
    }

    /// Fails when any payload of the scenario differed from its baseline.
    pub fn check_baselines(&self) {
        if !self.drift.is_empty() {
            let all: Vec<String> = self.drift.iter().map(ToString::to_string).collect();
            self.fail_with(format!("{BASELINE_FAILURE}{}", all.join("\n")));
        }
    }
}

/// How a failure of the final baseline step begins (drift, not a failed check).
pub const BASELINE_FAILURE: &str = "baseline: ";

/// The step the runner appends to every scenario.
pub const BASELINE_STEP: &str = "the observed payloads match their baselines";

/// Snapshot names: the scenario name in kebab case.
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
