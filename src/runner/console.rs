//! The closing summary on the console, and a writer that captures console output.

use std::io::Write;
use std::sync::{Arc, Mutex};

use super::{Outcome, RunResult};

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

pub fn summary(result: &RunResult, out: &mut dyn Write) {
    let t = result.totals();
    let _ = writeln!(out);
    let _ = writeln!(out, "grantcheck {} summary", env!("CARGO_PKG_VERSION"));
    for target in &result.targets {
        let of = |f: fn(&Outcome) -> bool| {
            result
                .records
                .iter()
                .filter(|r| r.target == target.name && f(&r.outcome))
                .count()
        };
        let faults = if target.faults.is_empty() {
            String::new()
        } else {
            format!(" faults: {}", target.faults.join(", "))
        };
        let _ = writeln!(
            out,
            "  {} ({} {}, {}){faults}: {} passed, {} failed, {} skipped, {} known deviations",
            target.name,
            target.vendor,
            target.environment,
            target.base_url.trim_end_matches('/'),
            of(|o| matches!(o, Outcome::Passed)),
            of(|o| matches!(o, Outcome::Failed { .. })),
            of(|o| matches!(o, Outcome::Skipped { .. })),
            of(|o| matches!(o, Outcome::KnownDeviation { .. })),
        );
    }
    let section = |out: &mut dyn Write, title: &str, lines: Vec<String>| {
        if !lines.is_empty() {
            let _ = writeln!(out, "{title}:");
            for l in lines {
                let _ = writeln!(out, "  {l}");
            }
        }
    };
    let name = |r: &super::ScenarioRecord| format!("[{}] {} — {}", r.target, r.feature, r.scenario);
    section(
        out,
        "skipped",
        result
            .records
            .iter()
            .filter_map(|r| match &r.outcome {
                Outcome::Skipped { reason } => Some(format!("{}: {reason}", name(r))),
                _ => None,
            })
            .collect(),
    );
    section(
        out,
        "known deviations",
        result
            .records
            .iter()
            .filter_map(|r| match &r.outcome {
                Outcome::KnownDeviation { reason, .. } => Some(format!("{}: {reason}", name(r))),
                _ => None,
            })
            .collect(),
    );
    section(
        out,
        "declared deviations that did not happen (the server may have changed)",
        result.stale_deviations.clone(),
    );
    section(
        out,
        "warnings (SHOULD-level checks)",
        result
            .records
            .iter()
            .flat_map(|r| r.warnings.iter().map(move |w| format!("{}: {w}", name(r))))
            .collect(),
    );
    section(
        out,
        "payload drift (the checks held; the payload differs from its baseline)",
        result
            .records
            .iter()
            .flat_map(|r| {
                r.drift
                    .iter()
                    .map(move |d| format!("{}: snapshot `{}` ({})", name(r), d.snapshot, d.file))
            })
            .collect(),
    );
    section(
        out,
        "failed",
        result
            .records
            .iter()
            .filter(|r| !r.is_drift_only())
            .filter_map(|r| match &r.outcome {
                Outcome::Failed { message } => Some(format!(
                    "{} ({}:{})\n    {}",
                    name(r),
                    r.feature_path,
                    r.line,
                    message.lines().next().unwrap_or("")
                )),
                _ => None,
            })
            .collect(),
    );
    let memory = peak_memory_kib()
        .map(|k| format!(" · peak memory {:.1} MB", k as f64 / 1024.0))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "HTTP requests: {} · wall time {:.2} s{memory}",
        result.requests,
        result.wall.as_secs_f64()
    );
    let _ = writeln!(out, "reports: {}", result.report_dir.display());
    if result.exit_code() == 3 {
        let _ = writeln!(out, "drift only: every check held (exit code 3)");
    }
    let mut closing = format!(
        "{} passed, {} failed, {} skipped",
        t.passed, t.failed, t.skipped
    );
    if t.known_deviations > 0 {
        closing = format!("{closing}, {} known deviations", t.known_deviations);
    }
    let _ = writeln!(out, "{closing}");
}
