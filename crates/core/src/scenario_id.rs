//! A scenario's stable identity: its `@id:NAME` tag. Titles are prose and get
//! reworded; the id is what baselines, declared deviations, the fault map and the
//! reports key on, so a reworded title keeps its history. Every scenario has exactly
//! one id, unique across the features folder; the run refuses features that break
//! this rather than orphaning a baseline.

use std::collections::HashMap;

/// The tag's prefix: `@id:pkce-wrong-verifier` (gherkin drops the `@`).
pub const PREFIX: &str = "id:";

/// Longest id: it names a snapshot file and a report anchor.
const MAX_LEN: usize = 60;

/// The id among a scenario's tags, when it has exactly one tag of the form.
pub fn of(tags: &[String]) -> Option<&str> {
    let mut ids = tags.iter().filter_map(|t| t.strip_prefix(PREFIX));
    match (ids.next(), ids.next()) {
        (Some(id), None) => Some(id),
        _ => None,
    }
}

/// Ids are lowercase words joined by single hyphens: safe as a file name and an
/// anchor on every system, and readable in a tag expression.
pub fn is_valid(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// One scenario as the check sees it.
pub struct Tagged<'a> {
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub tags: &'a [String],
}

/// Every scenario has one valid id, and no two scenarios share one. The message
/// names every offending place (`file:line:col`), the first place of a duplicate too.
pub fn check<'a>(scenarios: impl IntoIterator<Item = Tagged<'a>>) -> Result<(), String> {
    let mut problems = Vec::new();
    let mut seen: HashMap<&str, String> = HashMap::new();
    for s in scenarios {
        let at = format!("{}:{}:{}", s.file, s.line, s.column);
        let ids: Vec<&str> = s
            .tags
            .iter()
            .filter_map(|t| t.strip_prefix(PREFIX))
            .collect();
        match ids.as_slice() {
            [] => problems.push(format!(
                "{at}: the scenario has no @{PREFIX} tag; give it a stable id such as \
                 @{PREFIX}pkce-wrong-verifier (baselines, deviations and reports key on it)"
            )),
            [id] if !is_valid(id) => problems.push(format!(
                "{at}: @{PREFIX}{id} is not a valid id: lowercase letters, digits and single \
                 hyphens, at most {MAX_LEN} characters"
            )),
            [id] => {
                if let Some(first) = seen.get(id) {
                    problems.push(format!("{at}: @{PREFIX}{id} is already the id of {first}"));
                } else {
                    seen.insert(id, at);
                }
            }
            many => problems.push(format!(
                "{at}: the scenario has {} ids ({}); it needs exactly one",
                many.len(),
                many.iter()
                    .map(|i| format!("@{PREFIX}{i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    fn at<'a>(line: usize, tags: &'a [String]) -> Tagged<'a> {
        Tagged {
            file: "features/x.feature",
            line,
            column: 3,
            tags,
        }
    }

    #[test]
    fn the_id_is_the_one_id_tag() {
        assert_eq!(
            of(&tags(&["rfc6749-5.2", "id:code-single-use"])),
            Some("code-single-use")
        );
        assert_eq!(of(&tags(&["rfc6749-5.2"])), None);
        assert_eq!(of(&tags(&["id:a", "id:b"])), None);
    }

    #[test]
    fn ids_are_kebab_case_words() {
        for ok in ["pkce-wrong-verifier", "code-expires-300s", "a"] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "",
            "Pkce",
            "pkce_wrong",
            "-pkce",
            "pkce-",
            "pkce--x",
            "pkce wrong",
            "é",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
        assert!(!is_valid(&"a".repeat(61)));
    }

    #[test]
    fn missing_duplicate_malformed_and_double_ids_are_named_at_their_place() {
        let (a, b, none, bad, two) = (
            tags(&["id:same"]),
            tags(&["id:same"]),
            tags(&["rfc6749-4.1"]),
            tags(&["id:Bad_Id"]),
            tags(&["id:x", "id:y"]),
        );
        let err = check([
            at(3, &a),
            at(9, &b),
            at(12, &none),
            at(15, &bad),
            at(18, &two),
        ])
        .unwrap_err();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 4, "{err}");
        assert!(
            lines[0].starts_with(
                "features/x.feature:9:3: @id:same is already the id of features/x.feature:3:3"
            ),
            "{err}"
        );
        assert!(
            lines[1].starts_with("features/x.feature:12:3: the scenario has no @id:"),
            "{err}"
        );
        assert!(lines[2].contains("@id:Bad_Id is not a valid id"), "{err}");
        assert!(lines[3].contains("has 2 ids (@id:x, @id:y)"), "{err}");
        assert!(check([at(3, &a), at(9, &tags(&["id:other"]))]).is_ok());
    }
}
