//! A value together with where each of its bytes came from in the linted input, so
//! that a finding about part of a value (one scope token, one path segment) can point
//! at exactly those characters, even after quotes were removed or percent-escapes
//! decoded.

use super::finding::Location;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text {
    value: String,
    /// For each byte of `value`, the byte range of the source it came from. Empty when
    /// the value was not read from the source (a synthesized default).
    origin: Vec<(usize, usize)>,
}

impl Text {
    /// A value that does not come from the source.
    pub fn synthetic(value: impl Into<String>) -> Self {
        Text {
            value: value.into(),
            origin: Vec::new(),
        }
    }

    /// `value` found verbatim at byte `start` of the source.
    pub fn at(value: &str, start: usize) -> Self {
        Text {
            value: value.to_string(),
            origin: (0..value.len())
                .map(|i| (start + i, start + i + 1))
                .collect(),
        }
    }

    /// A derived value (decoded from base64, say) attributed as a whole to `span`.
    pub fn spanning(value: impl Into<String>, span: Option<(usize, usize)>) -> Self {
        let value = value.into();
        let origin = match span {
            Some(s) => vec![s; value.len()],
            None => Vec::new(),
        };
        Text { value, origin }
    }

    pub(crate) fn push(&mut self, c: char, from: (usize, usize)) {
        let before = self.value.len();
        self.value.push(c);
        self.origin
            .extend(std::iter::repeat_n(from, self.value.len() - before));
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    fn has_origin(&self) -> bool {
        !self.origin.is_empty() && self.origin.len() == self.value.len()
    }

    /// Source byte range covered by the whole value.
    pub fn span(&self) -> Option<(usize, usize)> {
        self.span_of(0, self.value.len())
    }

    /// Source byte range covered by `value[start..end]`.
    pub fn span_of(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        if !self.has_origin() {
            return None;
        }
        let end = end.min(self.origin.len());
        if start >= end {
            // An empty piece: point at the character where it would be.
            let at = self
                .origin
                .get(start.min(self.origin.len().saturating_sub(1)))?;
            return Some(if start >= self.origin.len() {
                (at.1, at.1)
            } else {
                (at.0, at.0)
            });
        }
        let first = self.origin.get(start)?;
        let last = self.origin.get(end - 1)?;
        Some((first.0.min(last.0), first.1.max(last.1)))
    }

    pub fn location(&self, source: &str) -> Option<Location> {
        let (s, e) = self.span()?;
        Location::of(source, s, e)
    }

    pub fn location_of(&self, source: &str, start: usize, end: usize) -> Option<Location> {
        let (s, e) = self.span_of(start, end)?;
        Location::of(source, s, e)
    }

    /// `value[start..end]` with its origins; empty when the range is not on character
    /// boundaries.
    pub fn slice(&self, start: usize, end: usize) -> Text {
        let end = end.min(self.value.len());
        match self.value.get(start..end) {
            Some(v) => Text {
                value: v.to_string(),
                origin: if self.has_origin() {
                    self.origin[start..end].to_vec()
                } else {
                    Vec::new()
                },
            },
            None => Text::default(),
        }
    }

    pub fn split_once(&self, pat: char) -> Option<(Text, Text)> {
        let i = self.value.find(pat)?;
        Some((
            self.slice(0, i),
            self.slice(i + pat.len_utf8(), self.value.len()),
        ))
    }

    /// Pieces between occurrences of `pat` (empty pieces kept).
    pub fn split(&self, pat: char) -> Vec<Text> {
        let mut out = Vec::new();
        let mut start = 0;
        for (i, c) in self.value.char_indices() {
            if c == pat {
                out.push(self.slice(start, i));
                start = i + c.len_utf8();
            }
        }
        out.push(self.slice(start, self.value.len()));
        out
    }

    pub fn trim(&self) -> Text {
        let start = self.value.len() - self.value.trim_start().len();
        let end = self.value.trim_end().len();
        if start >= end {
            return self.slice(start, start);
        }
        self.slice(start, end)
    }

    /// Percent-decodes once (`+` becomes a space in form encoding). Bytes that do not
    /// form valid UTF-8 after decoding are replaced, and the value then loses its
    /// per-byte origins (it keeps the whole span).
    pub fn percent_decoded(&self, plus_is_space: bool) -> Text {
        let bytes = self.value.as_bytes();
        let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
        let mut origin: Vec<(usize, usize)> = Vec::with_capacity(bytes.len());
        let orig = |i: usize| self.origin.get(i).copied().unwrap_or((0, 0));
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'%'
                && let (Some(h), Some(l)) = (
                    bytes.get(i + 1).and_then(|c| hex(*c)),
                    bytes.get(i + 2).and_then(|c| hex(*c)),
                )
            {
                out.push(h * 16 + l);
                origin.push((orig(i).0, orig(i + 2).1));
                i += 3;
                continue;
            }
            out.push(if plus_is_space && b == b'+' { b' ' } else { b });
            origin.push(orig(i));
            i += 1;
        }
        match String::from_utf8(out) {
            Ok(value) => Text {
                value,
                origin: if self.has_origin() {
                    origin
                } else {
                    Vec::new()
                },
            },
            Err(e) => Text::spanning(String::from_utf8_lossy(e.as_bytes()), self.span()),
        }
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Plain percent-decoding of a string (no origins).
pub fn percent_decode(s: &str, plus_is_space: bool) -> String {
    Text::synthetic(s)
        .percent_decoded(plus_is_space)
        .as_str()
        .to_string()
}

/// True when `s` holds at least one valid `%XX` escape: in an already-decoded value
/// that means it was encoded twice.
pub fn has_percent_escape(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(3)
        .any(|w| w[0] == b'%' && hex(w[1]).is_some() && hex(w[2]).is_some())
}

/// Masks a secret for display: its length stays visible (useful for verifier and
/// Basic-header findings), its characters do not.
pub fn masked(secret: &str) -> String {
    format!("<redacted, {} chars>", secret.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_keeps_origins() {
        let src = "scope=openid%20profile";
        let t = Text::at(&src[6..], 6);
        let d = t.percent_decoded(true);
        assert_eq!(d.as_str(), "openid profile");
        // "profile" in the decoded value is "profile" at 15..22 in the source.
        assert_eq!(d.span_of(7, 14), Some((15, 22)));
        // The decoded space came from the three characters "%20".
        assert_eq!(d.span_of(6, 7), Some((12, 15)));
    }

    #[test]
    fn slicing_outside_boundaries_is_empty_not_a_panic() {
        let t = Text::at("héllo", 0);
        assert_eq!(t.slice(2, 3).as_str(), "");
        assert_eq!(t.slice(9, 20).as_str(), "");
        assert!(t.span_of(40, 50).is_some() || t.span_of(40, 50).is_none());
        let bad = Text::at("%ff%fe", 0).percent_decoded(false);
        assert!(!bad.as_str().is_empty());
    }

    #[test]
    fn escapes_detected() {
        assert!(has_percent_escape("openid%20profile"));
        assert!(!has_percent_escape("100% sure"));
        assert!(!has_percent_escape("%"));
    }
}
