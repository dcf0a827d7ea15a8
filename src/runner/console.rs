//! The closing summary on the console, and a writer that captures console output.

use std::io::Write;
use std::sync::{Arc, Mutex};

use super::{Outcome, RunReport, RunResult, ScenarioRecord, Totals};

/// Console output into a shared buffer (tests read it back).
pub struct BufferWriter(pub Arc<Mutex<Vec<u8>>>);

impl Write for BufferWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Peak resident memory of this process, from /proc (Linux); `None` elsewhere.
pub fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Text from a server, safe for a terminal: control characters (escape sequences,
/// carriage returns that overwrite a line) are shown escaped, never interpreted.
pub fn safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// One line per finished scenario, written from the after-hook with the scenario's
/// final verdict (deviations already matched).
pub struct Progress {
    out: Mutex<Box<dyn Write + Send>>,
    /// Only failed and blocked scenarios.
    quiet: bool,
    /// Scenarios in the run, and how many have finished, for the status line.
    total: usize,
    done: std::sync::atomic::AtomicUsize,
    started: std::time::Instant,
}

impl Progress {
    pub fn new(console: &super::Console, quiet: bool) -> Self {
        let out: Box<dyn Write + Send> = match console {
            super::Console::Stdout => Box::new(std::io::stdout()),
            super::Console::Buffer(buf) => Box::new(BufferWriter(buf.clone())),
            super::Console::Quiet => Box::new(std::io::sink()),
        };
        Self {
            out: Mutex::new(out),
            quiet,
            total: 0,
            done: std::sync::atomic::AtomicUsize::new(0),
            started: std::time::Instant::now(),
        }
    }

    /// The number of scenarios the run will report, for the status line's estimate.
    pub fn with_total(mut self, total: usize) -> Self {
        self.total = total;
        self
    }

    /// A status line for a run that takes a while (written every
    /// [`super::PROGRESS_EVERY`]): how far it is, about how long is left, and what
    /// waits for a rate limit. `waiting`: per paced target, its name, the requests
    /// queued and its limits.
    pub fn tick(&self, waiting: &[(String, usize, String)]) {
        let done = self.done.load(std::sync::atomic::Ordering::Relaxed);
        if self.quiet || done >= self.total {
            return;
        }
        let text = status_line(done, self.total, self.started.elapsed(), waiting);
        if let Ok(mut out) = self.out.lock() {
            let _ = out.write_all(safe(&text).as_bytes());
        }
    }

    /// The header: each target and what it offers, before any scenario runs.
    pub fn targets(&self, targets: &[super::TargetInfo]) {
        if self.quiet {
            return;
        }
        let mut text = String::new();
        for t in targets {
            text.push_str(&format!(
                "target {} ({} {}, {}): {}\n",
                t.name,
                t.vendor,
                t.environment,
                t.base_url.trim_end_matches('/'),
                t.capabilities
            ));
        }
        if let Ok(mut out) = self.out.lock() {
            let _ = out.write_all(safe(&text).as_bytes());
        }
    }

    pub fn scenario(&self, r: &ScenarioRecord) {
        self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if self.quiet && !matches!(r.outcome, Outcome::Failed { .. } | Outcome::Blocked { .. }) {
            return;
        }
        let mut text = format!(
            "{:<16} [{}] {} — {}\n",
            match &r.outcome {
                Outcome::Failed { .. } => "FAILED",
                o => o.label(),
            },
            r.target,
            r.feature,
            r.scenario
        );
        match &r.outcome {
            Outcome::Failed { failures } | Outcome::KnownDeviation { failures } => {
                for f in failures {
                    let mark = if f.deviation.is_some() {
                        "declared"
                    } else {
                        "✗"
                    };
                    text.push_str(&format!("    {mark} {}\n", f.headline()));
                }
            }
            Outcome::Skipped { reason } | Outcome::Blocked { reason } => {
                text.push_str(&format!("    {reason}\n"));
            }
            Outcome::Passed => {}
        }
        for w in &r.warnings {
            text.push_str(&format!("    warning (SHOULD) {}\n", w.headline()));
        }
        for d in r.open_drift() {
            text.push_str(&format!("    payload drift: {}\n", d.file));
        }
        if let Ok(mut out) = self.out.lock() {
            // A closed pipe (`| head`) must not stop the run.
            let _ = out.write_all(safe(&text).as_bytes());
        }
    }
}

/// `… 12/139 scenarios done after 1m05s, about 6m10s left; waiting for the rate limit:
/// athenahealth-preview 3 requests (token endpoint 5 a minute)`. The estimate assumes
/// the scenarios left take as long as those done; none before the first is done.
fn status_line(
    done: usize,
    total: usize,
    elapsed: std::time::Duration,
    waiting: &[(String, usize, String)],
) -> String {
    let secs = |d: u64| {
        if d >= 60 {
            format!("{}m{:02}s", d / 60, d % 60)
        } else {
            format!("{d}s")
        }
    };
    let mut line = format!(
        "… {done}/{total} scenarios done after {}",
        secs(elapsed.as_secs())
    );
    if done > 0 {
        let left = elapsed.as_secs_f64() / done as f64 * (total - done) as f64;
        line.push_str(&format!(", about {} left", secs(left.round() as u64)));
    }
    let queued: Vec<String> = waiting
        .iter()
        .filter(|(_, n, _)| *n > 0)
        .map(|(name, n, limits)| {
            format!(
                "{name} {n} request{} ({limits})",
                if *n == 1 { "" } else { "s" }
            )
        })
        .collect();
    if !queued.is_empty() {
        line.push_str("; waiting for the rate limit: ");
        line.push_str(&queued.join(", "));
    }
    line.push('\n');
    line
}

/// How the closing summary is printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    /// Only what needs attention: targets that are not clean, failures, drift.
    pub quiet: bool,
    /// GitHub Actions workflow commands after the summary: `::error` at each failed
    /// scenario's line, `::warning` for drift, blocked targets and stale deviations.
    pub github: bool,
}

/// The closing summary: per target, then the sections, then one line of totals. Every
/// number comes from the same [`RunReport`] the files are written from.
pub fn summary(result: &RunResult, out: &mut dyn Write, style: Style) {
    let report = result.report();
    print_report(&report, &result.report_dir, result.accepting, out, style);
}

/// [`summary`] of a report (a merge has no run of its own).
pub fn print_report(
    report: &RunReport<'_>,
    report_dir: &std::path::Path,
    accepting: bool,
    out: &mut dyn Write,
    style: Style,
) {
    let mut text = String::new();
    render_summary(report, report_dir, accepting, style.quiet, &mut text);
    if style.github {
        annotations(report, &mut text);
    }
    let _ = out.write_all(safe(&text).as_bytes());
}

/// GitHub Actions annotations: a failed scenario points at its line in the feature
/// file; drift, blocked targets and stale deviations are warnings (a vendor change or
/// an unreachable sandbox is not a broken build).
pub fn annotations(report: &RunReport<'_>, out: &mut String) {
    use std::fmt::Write as _;
    // Workflow-command escaping: data and properties differ (`:` and `,` end a
    // property).
    let data = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let prop = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    for r in report.scenarios.iter() {
        let at = format!(
            "file={},line={},title={}",
            prop(&r.feature_path),
            r.line,
            prop(&format!("[{}] {}", r.target, r.scenario))
        );
        match &r.outcome {
            Outcome::Failed { failures } => {
                let text = failures
                    .iter()
                    .filter(|f| f.deviation.is_none())
                    .map(|f| f.headline())
                    .collect::<Vec<_>>()
                    .join("\n");
                let _ = writeln!(out, "::error {at}::{}", data(&text));
            }
            Outcome::Blocked { reason } => {
                let _ = writeln!(out, "::warning {at}::blocked: {}", data(reason));
            }
            _ => {}
        }
        for d in r.open_drift() {
            let _ = writeln!(
                out,
                "::warning {at}::{}",
                data(&format!(
                    "the server changed what it says: snapshot `{}` differs from {}",
                    d.snapshot, d.file
                ))
            );
        }
    }
    for s in &report.stale_deviations {
        let _ = writeln!(
            out,
            "::warning title=stale deviation::{}",
            data(&s.to_string())
        );
    }
}

fn render_summary(
    report: &RunReport<'_>,
    report_dir: &std::path::Path,
    accepting: bool,
    quiet: bool,
    out: &mut String,
) {
    use std::fmt::Write as _;
    let t = &report.totals;
    let _ = writeln!(out);
    let _ = writeln!(out, "grantcheck {} summary", report.grantcheck);
    let clean = |target: &super::TargetSummary| target.totals.exit_code() == 0;
    let quiet_clean = report.targets.iter().filter(|t| quiet && clean(t)).count();
    if quiet_clean > 0 {
        let _ = writeln!(out, "  {quiet_clean} target(s) clean");
    }
    for target in report.targets.iter().filter(|t| !(quiet && clean(t))) {
        let i = &target.info;
        let faults = if i.faults.is_empty() {
            String::new()
        } else {
            format!(" faults: {}", i.faults.join(", "))
        };
        let _ = writeln!(
            out,
            "  {} ({} {}, {}){faults}: {}",
            i.name,
            i.vendor,
            i.environment,
            i.base_url.trim_end_matches('/'),
            counts(&target.totals)
        );
        if let Some(reason) = &target.blocked {
            let _ = writeln!(
                out,
                "    BLOCKED: {} scenario(s) could not be tested: {reason}",
                target.totals.blocked
            );
        }
    }
    let name = |r: &ScenarioRecord| format!("[{}] {} — {}", r.target, r.feature, r.scenario);
    let section = |out: &mut String, title: &str, lines: Vec<String>| {
        if !lines.is_empty() {
            let _ = writeln!(out, "{title}:");
            for l in lines {
                let _ = writeln!(out, "  {l}");
            }
        }
    };
    let records = &report.scenarios;
    // Scenarios left out by a profile's `features:` share one reason: one line per
    // target says how many (each is still listed in the progress and the reports).
    let mut not_selected: Vec<(String, String, usize)> = Vec::new();
    let mut skipped = Vec::new();
    for r in records.iter() {
        let Outcome::Skipped { reason } = &r.outcome else {
            continue;
        };
        if reason.starts_with("not selected:") {
            match not_selected
                .iter_mut()
                .find(|(t, why, _)| *t == r.target && why == reason)
            {
                Some(entry) => entry.2 += 1,
                None => not_selected.push((r.target.clone(), reason.clone(), 1)),
            }
        } else {
            skipped.push(format!("{}: {reason}", name(r)));
        }
    }
    skipped.extend(
        not_selected
            .into_iter()
            .map(|(target, why, n)| format!("[{target}] {n} scenario(s) {why}")),
    );
    if !quiet {
        section(out, "skipped", skipped);
    }
    section(
        out,
        "known deviations (declared in the profile)",
        records
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::KnownDeviation { .. }))
            .flat_map(|r| {
                r.outcome.failures().iter().map(move |f| {
                    let reason = f.deviation.as_ref().map_or("", |d| d.reason.as_str());
                    format!("{}: {reason}", name(r))
                })
            })
            .collect(),
    );
    section(
        out,
        "declared deviations that did not happen (the server may have changed)",
        report
            .stale_deviations
            .iter()
            .map(ToString::to_string)
            .collect(),
    );
    if !quiet {
        section(
            out,
            "warnings (SHOULD-level checks)",
            records
                .iter()
                .flat_map(|r| {
                    r.warnings
                        .iter()
                        .map(move |w| format!("{}: {}", name(r), w.headline()))
                })
                .collect(),
        );
    }
    section(
        out,
        "payload drift (differs from its baseline; review it in the report)",
        records
            .iter()
            .flat_map(|r| {
                r.open_drift().map(move |d| {
                    format!(
                        "{} [{}]: snapshot `{}` ({})",
                        name(r),
                        r.outcome.label(),
                        d.snapshot,
                        d.file
                    )
                })
            })
            .collect(),
    );
    if accepting {
        let recorded = records
            .iter()
            .flat_map(|r| r.drift.iter().chain(&r.no_baseline))
            .filter(|d| d.accepted)
            .count();
        let refused: Vec<String> = records
            .iter()
            .filter(|r| r.drift.iter().chain(&r.no_baseline).any(|d| !d.accepted))
            .map(|r| format!("{} ({})", name(r), r.outcome.label()))
            .collect();
        let _ = writeln!(out, "--accept: {recorded} payload(s) recorded as baselines");
        section(
            out,
            "not recorded (the scenario's checks did not hold)",
            refused,
        );
    }
    section(
        out,
        "failed",
        records
            .iter()
            .filter_map(|r| match &r.outcome {
                Outcome::Failed { failures } => Some(format!(
                    "{} ({}:{})\n{}",
                    name(r),
                    r.feature_path,
                    r.line,
                    failures
                        .iter()
                        .map(|f| format!(
                            "    {} {}",
                            if f.deviation.is_some() {
                                "declared"
                            } else {
                                "✗"
                            },
                            f.headline()
                        ))
                        .collect::<Vec<_>>()
                        .join("\n")
                )),
                _ => None,
            })
            .collect(),
    );
    if t.no_baseline > 0 && !accepting {
        let _ = writeln!(
            out,
            "notice: {} payload(s) have no baseline yet (a first run?): review them in the \
             report, then record them with `grantcheck run --accept`",
            t.no_baseline
        );
    }
    let memory = peak_memory_kib()
        .map(|k| format!(" · peak memory {:.1} MB", k as f64 / 1024.0))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "HTTP requests: {} · wall time {:.2} s{memory}",
        report.requests,
        report.wall_ms as f64 / 1000.0
    );
    for t in &report.targets {
        if let Some(s) = t.info.sign_ins {
            let _ = writeln!(
                out,
                "sign-ins at {}: {} with credentials, {} through a live session",
                t.info.name, s.with_credentials, s.session_reused
            );
        }
    }
    let _ = writeln!(out, "reports: {}", report_dir.display());
    if let Some(why) = &report.interrupted {
        let _ = writeln!(
            out,
            "{why}: the {} scenario(s) that finished are reported; reports/latest was \
             left as it was",
            t.scenarios
        );
    }
    let verdict = match report.exit_code {
        0 => "every check held",
        1 => "a conformance check failed",
        4 => "blocked: no check failed, but a target could not be tested",
        130 => "interrupted",
        _ => "drift only: every check held, but the server changed what it says",
    };
    let _ = writeln!(out, "{verdict} (exit code {})", report.exit_code);
    let _ = writeln!(out, "{}", counts(t));
}

/// `N passed, N failed, ...`: every outcome and flag, zeros included for the first
/// three so a reader (or a parser) always finds them.
fn counts(t: &Totals) -> String {
    let mut s = format!(
        "{} passed, {} failed, {} skipped",
        t.passed, t.failed, t.skipped
    );
    for (n, what) in [
        (t.known_deviations, "known deviations"),
        (t.blocked, "blocked"),
        (t.drifted, "drifted"),
        (t.no_baseline, "without baseline"),
        (t.warnings, "warnings"),
        (t.stale_deviations, "stale deviations"),
    ] {
        if n > 0 {
            s.push_str(&format!(", {n} {what}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_estimates_what_is_left_and_names_what_waits() {
        let d = std::time::Duration::from_secs;
        assert_eq!(
            status_line(0, 10, d(20), &[]),
            "… 0/10 scenarios done after 20s\n"
        );
        assert_eq!(
            status_line(
                4,
                10,
                d(80),
                &[
                    ("idle".into(), 0, "60 a minute".into()),
                    ("preview".into(), 3, "token endpoint 5 a minute".into())
                ]
            ),
            "… 4/10 scenarios done after 1m20s, about 2m00s left; waiting for the rate \
             limit: preview 3 requests (token endpoint 5 a minute)\n"
        );
    }

    #[test]
    fn server_text_cannot_drive_the_terminal() {
        let hostile = "ok\u{1b}[2J\u{1b}]0;title\u{7}\r173 passed, 0 failed";
        let shown = safe(hostile);
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\r'),
            "{shown}"
        );
        assert!(shown.contains("\\u{1b}[2J"));
    }
}
