//! `junit.xml`, written from the run's records rather than by cucumber, so that CI
//! sees what grantcheck decided: a known deviation is a skipped test case that says
//! so (not a failure), SHOULD-level warnings are printed with their test case, and
//! declared deviations that no longer happen are reported per target.

use std::fmt::Write as _;

use crate::runner::{Outcome, ScenarioRecord};

fn escape(text: &str) -> String {
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

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// One `<testsuite>` per target, one `<testcase>` per scenario.
pub fn render(targets: &[String], records: &[ScenarioRecord], stale: &[String]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"grantcheck\">\n",
    );
    for target in targets {
        let cases: Vec<&ScenarioRecord> = records.iter().filter(|r| &r.target == target).collect();
        let count = |f: fn(&Outcome) -> bool| cases.iter().filter(|r| f(&r.outcome)).count();
        let failures = count(|o| matches!(o, Outcome::Failed { .. }));
        let skipped =
            count(|o| matches!(o, Outcome::Skipped { .. } | Outcome::KnownDeviation { .. }));
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">",
            escape(target),
            cases.len()
        );
        let own_stale: Vec<&String> = stale
            .iter()
            .filter(|s| s.starts_with(&format!("[{target}]")))
            .collect();
        if !own_stale.is_empty() {
            xml.push_str("    <properties>\n");
            for s in own_stale {
                let _ = writeln!(
                    xml,
                    "      <property name=\"stale-deviation\" value=\"{}\"/>",
                    escape(s)
                );
            }
            xml.push_str("    </properties>\n");
        }
        for r in cases {
            let _ = write!(
                xml,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\">",
                escape(&r.feature),
                escape(&r.scenario),
                escape(&r.feature_path),
                r.line
            );
            match &r.outcome {
                Outcome::Passed => {}
                Outcome::Failed { message } => {
                    let _ = write!(
                        xml,
                        "\n      <failure message=\"{}\">{}</failure>",
                        escape(first_line(message)),
                        escape(message)
                    );
                }
                Outcome::Skipped { reason } => {
                    let _ = write!(
                        xml,
                        "\n      <skipped message=\"not applicable: {}\"/>",
                        escape(reason)
                    );
                }
                Outcome::KnownDeviation {
                    message, reason, ..
                } => {
                    let _ = write!(
                        xml,
                        "\n      <skipped message=\"known deviation: {}\"/>\n      <system-out>known deviation: {}\n{}</system-out>",
                        escape(reason),
                        escape(reason),
                        escape(message)
                    );
                }
            }
            let mut notes: Vec<String> = r
                .warnings
                .iter()
                .map(|w| format!("warning (SHOULD): {w}"))
                .collect();
            notes.extend(r.stale_deviation.iter().cloned());
            if !notes.is_empty() {
                let _ = write!(
                    xml,
                    "\n      <system-err>{}</system-err>",
                    escape(&notes.join("\n"))
                );
            }
            if matches!(r.outcome, Outcome::Passed) && notes.is_empty() {
                xml.push_str("</testcase>\n");
            } else {
                xml.push_str("\n    </testcase>\n");
            }
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(scenario: &str, outcome: Outcome) -> ScenarioRecord {
        ScenarioRecord {
            feature: "F & G".into(),
            line: 3,
            ..ScenarioRecord::sample(scenario, outcome)
        }
    }

    #[test]
    fn known_deviations_are_skipped_cases_that_say_so() {
        let mut warned = rec("W", Outcome::Passed);
        warned.warnings.push("iss missing".into());
        let records = [
            rec("P", Outcome::Passed),
            rec(
                "F <x>",
                Outcome::Failed {
                    message: "check `c` failed\nmore".into(),
                },
            ),
            rec(
                "D",
                Outcome::KnownDeviation {
                    message: "check `c` failed".into(),
                    reason: "generic description".into(),
                    deviation: Some(0),
                },
            ),
            rec(
                "S",
                Outcome::Skipped {
                    reason: "no clock".into(),
                },
            ),
            warned,
        ];
        let xml = render(
            &["t".into()],
            &records,
            &["[t] declared deviation did not happen: x".into()],
        );
        assert!(
            xml.contains("tests=\"5\" failures=\"1\" errors=\"0\" skipped=\"2\""),
            "{xml}"
        );
        assert!(xml.contains("<skipped message=\"known deviation: generic description\"/>"));
        assert!(xml.contains("name=\"F &lt;x&gt;\""));
        assert!(xml.contains("<failure message=\"check `c` failed\">"));
        assert!(xml.contains("warning (SHOULD): iss missing"));
        assert!(xml.contains("name=\"stale-deviation\""));
        assert!(xml.contains("classname=\"F &amp; G\""));
    }
}
