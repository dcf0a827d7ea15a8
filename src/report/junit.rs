//! `junit.xml`, written from the run's typed report rather than by cucumber, so CI
//! sees what grantcheck decided:
//! - one `conformance [target]` suite per target: a case fails only on a failed check;
//!   a known deviation and a skipped scenario are skipped cases that say why; a
//!   blocked scenario is an error case (the target could not be tested);
//! - one `payload drift [target]` suite per target with drift or stale deviations:
//!   one skipped case per drifted payload (the diff in its output) and per declared
//!   deviation that did not happen, so a CI shows a vendor change without turning the
//!   conformance suite red.

use std::fmt::Write as _;

use crate::runner::{Outcome, RunReport, ScenarioRecord};

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 allows no other control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

fn secs(ms: u64) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
}

pub fn render(report: &RunReport<'_>) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"grantcheck\">\n",
    );
    for target in &report.targets {
        let name = &target.info.name;
        let cases: Vec<&ScenarioRecord> = report.of_target(name).collect();
        let t = &target.totals;
        let time: u64 = cases.iter().map(|r| r.duration_ms).sum();
        let _ = writeln!(
            xml,
            "  <testsuite name=\"conformance [{}]\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
            escape(name),
            cases.len(),
            t.failed,
            t.blocked,
            t.skipped + t.known_deviations,
            secs(time)
        );
        for r in &cases {
            conformance_case(&mut xml, r);
        }
        xml.push_str("  </testsuite>\n");
        drift_suite(&mut xml, report, name, &cases);
    }
    xml.push_str("</testsuites>\n");
    xml
}

fn conformance_case(xml: &mut String, r: &ScenarioRecord) {
    let _ = write!(
        xml,
        "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\" time=\"{}\">",
        escape(&r.feature),
        escape(&r.scenario),
        escape(&r.feature_path),
        r.line,
        secs(r.duration_ms)
    );
    let listed = |r: &ScenarioRecord| {
        r.outcome
            .failures()
            .iter()
            .map(|f| match &f.deviation {
                Some(d) => format!("{f}\n  (declared deviation: {})", d.reason),
                None => f.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    // The stable id, for tools that track a test's history across renamed titles.
    let mut body = format!(
        "\n      <properties><property name=\"id\" value=\"{}\"/></properties>",
        escape(&r.id)
    );
    match &r.outcome {
        Outcome::Passed => {}
        Outcome::Failed { failures } => {
            let first = failures
                .iter()
                .find(|f| f.deviation.is_none())
                .map(|f| f.headline())
                .unwrap_or_default();
            let _ = write!(
                body,
                "\n      <failure message=\"{}\" type=\"conformance\">{}</failure>",
                escape(&first),
                escape(&listed(r))
            );
        }
        Outcome::KnownDeviation { failures } => {
            let reasons: Vec<&str> = failures
                .iter()
                .filter_map(|f| f.deviation.as_ref().map(|d| d.reason.as_str()))
                .collect();
            let _ = write!(
                body,
                "\n      <skipped message=\"known deviation: {}\"/>\n      <system-out>{}</system-out>",
                escape(&reasons.join("; ")),
                escape(&listed(r))
            );
        }
        Outcome::Skipped { reason } => {
            let _ = write!(body, "\n      <skipped message=\"{}\"/>", escape(reason));
        }
        Outcome::Blocked { reason } => {
            let _ = write!(
                body,
                "\n      <error message=\"blocked: {}\" type=\"blocked\"/>",
                escape(reason)
            );
        }
    }
    if !r.warnings.is_empty() {
        let notes: Vec<String> = r
            .warnings
            .iter()
            .map(|w| format!("warning (SHOULD): {}", w.headline()))
            .collect();
        let _ = write!(
            body,
            "\n      <system-err>{}</system-err>",
            escape(&notes.join("\n"))
        );
    }
    xml.push_str(&body);
    xml.push_str("\n    </testcase>\n");
}

fn drift_suite(xml: &mut String, report: &RunReport<'_>, target: &str, cases: &[&ScenarioRecord]) {
    let drifted: Vec<(&ScenarioRecord, &crate::snapshot::Drift)> = cases
        .iter()
        .flat_map(|r| r.open_drift().map(move |d| (*r, d)))
        .collect();
    let stale: Vec<_> = report
        .stale_deviations
        .iter()
        .filter(|s| s.target == target)
        .collect();
    if drifted.is_empty() && stale.is_empty() {
        return;
    }
    let _ = writeln!(
        xml,
        "  <testsuite name=\"payload drift [{}]\" tests=\"{}\" failures=\"0\" errors=\"0\" skipped=\"{}\" time=\"0.000\">",
        escape(target),
        drifted.len() + stale.len(),
        drifted.len() + stale.len()
    );
    for (r, d) in drifted {
        let _ = writeln!(
            xml,
            "    <testcase classname=\"payload drift\" name=\"{} — {}\" file=\"{}\" line=\"{}\" time=\"0.000\">\n      <skipped message=\"payload drift: {} differs from its baseline (scenario {})\"/>\n      <system-out>{}</system-out>\n    </testcase>",
            escape(&r.scenario),
            escape(&d.snapshot),
            escape(&r.feature_path),
            r.line,
            escape(&d.file),
            r.outcome.label(),
            escape(&d.diff)
        );
    }
    for s in stale {
        let _ = writeln!(
            xml,
            "    <testcase classname=\"stale deviation\" name=\"{}\" time=\"0.000\">\n      <skipped message=\"{}\"/>\n    </testcase>",
            escape(&s.label),
            escape(&s.to_string())
        );
    }
    xml.push_str("  </testsuite>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::{StaleDeviation, TargetInfo};
    use crate::verdict::{DeviationRef, Finding};

    fn rec(scenario: &str, outcome: Outcome) -> ScenarioRecord {
        ScenarioRecord {
            feature: "F & G".into(),
            line: 3,
            ..ScenarioRecord::sample(scenario, outcome)
        }
    }

    fn info() -> TargetInfo {
        TargetInfo {
            name: "t".into(),
            vendor: "v".into(),
            environment: "emulated".into(),
            base_url: "http://127.0.0.1:1/".into(),
            faults: vec![],
            capabilities: String::new(),
            profile: "t".into(),
            tenant: None,
            deviations: vec![],
            sign_ins: None,
        }
    }

    #[test]
    fn known_deviations_are_skipped_cases_that_say_so_and_drift_has_its_own_suite() {
        let mut warned = rec("W", Outcome::Passed);
        warned.warnings.push(Finding::problem("iss missing"));
        let mut declared = Finding::problem("HTTP 200");
        declared.deviation = Some(DeviationRef {
            index: 0,
            reason: "generic description".into(),
            instead: "HTTP 200".into(),
        });
        let mut drifted = rec("Dr", Outcome::Passed);
        drifted.drift.push(crate::snapshot::Drift {
            snapshot: "dr".into(),
            file: "snapshots/t/dr.snap".into(),
            baseline: Some("a".into()),
            received: "b".into(),
            diff: "-a\n+b\n".into(),
            accepted: false,
            path: Default::default(),
            description: String::new(),
        });
        let records = vec![
            rec("P", Outcome::Passed),
            rec(
                "F <x>",
                Outcome::Failed {
                    failures: vec![Finding::problem("check failed")],
                },
            ),
            rec(
                "D",
                Outcome::KnownDeviation {
                    failures: vec![declared],
                },
            ),
            rec(
                "S",
                Outcome::Skipped {
                    reason: "no clock".into(),
                },
            ),
            rec(
                "B",
                Outcome::Blocked {
                    reason: "connection refused".into(),
                },
            ),
            warned,
            drifted,
        ];
        let stale = vec![StaleDeviation {
            target: "t".into(),
            label: "x".into(),
            reason: "r".into(),
        }];
        let report = RunReport::build(&[info()], records, stale, 0, Default::default());
        let xml = render(&report);
        assert!(
            xml.contains(
                "name=\"conformance [t]\" tests=\"7\" failures=\"1\" errors=\"1\" skipped=\"2\""
            ),
            "{xml}"
        );
        assert!(xml.contains("<skipped message=\"known deviation: generic description\"/>"));
        assert!(xml.contains("name=\"F &lt;x&gt;\""));
        assert!(xml.contains("<failure message=\"check failed\" type=\"conformance\">"));
        assert!(xml.contains("warning (SHOULD): iss missing"));
        assert!(xml.contains("classname=\"F &amp; G\""));
        assert!(
            xml.contains(
                "name=\"payload drift [t]\" tests=\"2\" failures=\"0\" errors=\"0\" skipped=\"2\""
            ),
            "{xml}"
        );
        assert!(xml.contains("classname=\"stale deviation\""));
    }
}
