//! The `aud` parameter of a patient app's authorize request: a FHIR DSTU2 base URL
//! naming practice and brand, or a JSON object with `PRACTICEID` and `COMMUNICATORBRANDID`.

use serde_json::{Map, Value};

use super::percent;

/// The practice and Patient Portal brand an authorize request targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Aud {
    pub practice_id: String,
    pub brand_id: String,
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum AudParse {
    Absent,
    Valid(Aud),
    /// The login widget cannot interpret it: a 500 "error in workflowHandler".
    Malformed,
}

/// Rules for reading `aud` (fault switches bend them).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct AudRules {
    pub lenient: bool,
    pub reject_json: bool,
    pub reject_url: bool,
}

/// Parses the once-decoded `aud` value.
pub(super) fn parse(decoded: Option<&str>, rules: AudRules) -> AudParse {
    let Some(value) = decoded else {
        return AudParse::Absent;
    };
    match parse_strict(value, rules) {
        Some(aud) => AudParse::Valid(aud),
        // A lenient server decodes as often as needed and ignores what it cannot read.
        None if rules.lenient => parse_strict(&percent::decode_fully(value), rules)
            .map_or(AudParse::Absent, AudParse::Valid),
        None => AudParse::Malformed,
    }
}

fn parse_strict(value: &str, rules: AudRules) -> Option<Aud> {
    if percent::has_escape(value) {
        return None;
    }
    if value.starts_with('{') {
        return if rules.reject_json {
            None
        } else {
            from_json(value)
        };
    }
    if rules.reject_url {
        return None;
    }
    from_fhir_base(value)
}

fn from_json(value: &str) -> Option<Aud> {
    let object: Map<String, Value> = serde_json::from_str(value).ok()?;
    let member = |name: &str| {
        object
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Some(Aud {
        practice_id: member("PRACTICEID")?,
        brand_id: member("COMMUNICATORBRANDID")?,
    })
}

/// `http(s)://host/…/{practice}/{brand}/{chartgroup}/fhir/{version}`.
fn from_fhir_base(value: &str) -> Option<Aud> {
    let url = url::Url::parse(value).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let [.., practice, brand, chart_group, fhir, _version] = segments.as_slice() else {
        return None;
    };
    let nonempty = [practice, brand, chart_group].iter().all(|s| !s.is_empty());
    (nonempty && fhir.eq_ignore_ascii_case("fhir")).then(|| Aud {
        practice_id: practice.to_string(),
        brand_id: brand.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aud(p: &str, b: &str) -> AudParse {
        AudParse::Valid(Aud {
            practice_id: p.into(),
            brand_id: b.into(),
        })
    }

    const STRICT: AudRules = AudRules {
        lenient: false,
        reject_json: false,
        reject_url: false,
    };

    #[test]
    fn both_forms() {
        assert_eq!(
            parse(
                Some("https://api.athenahealth.com/preview1/98765/2/24/fhir/dstu2"),
                STRICT
            ),
            aud("98765", "2")
        );
        assert_eq!(
            parse(
                Some(r#"{"PRACTICEID":"12345","COMMUNICATORBRANDID":"1"}"#),
                STRICT
            ),
            aud("12345", "1")
        );
        assert_eq!(parse(None, STRICT), AudParse::Absent);
    }

    #[test]
    fn malformed() {
        for bad in [
            "%7B%22PRACTICEID%22:%22195900%22,%22COMMUNICATORBRANDID%22:%221%22%7D",
            r#"{"PRACTICEID":12345,"COMMUNICATORBRANDID":"1"}"#,
            r#"{"PRACTICEID":"1""#,
            "https%3A%2F%2Fapi.example%2Fv1%2F1%2F2%2F3%2Ffhir%2Fdstu2",
            "https://api.example/fhir",
            "195900",
            "",
        ] {
            assert_eq!(parse(Some(bad), STRICT), AudParse::Malformed, "{bad}");
        }
    }

    #[test]
    fn fault_rules() {
        let lenient = AudRules {
            lenient: true,
            reject_json: false,
            reject_url: false,
        };
        assert_eq!(
            parse(
                Some("%7B%22PRACTICEID%22:%221%22,%22COMMUNICATORBRANDID%22:%222%22%7D"),
                lenient
            ),
            aud("1", "2")
        );
        assert_eq!(parse(Some("nonsense"), lenient), AudParse::Absent);
        let reject = AudRules {
            lenient: false,
            reject_json: true,
            reject_url: false,
        };
        assert_eq!(
            parse(
                Some(r#"{"PRACTICEID":"1","COMMUNICATORBRANDID":"2"}"#),
                reject
            ),
            AudParse::Malformed
        );
    }
}
