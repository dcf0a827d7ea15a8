//! Percent-decoding without `+` → space (paths, raw query values), and telling a
//! single- from a double-encoded value. Shared by emulators, checks and diagnostics.

/// True when `s` still holds a `%XX` escape, i.e. it was encoded more than once.
pub fn has_escape(s: &str) -> bool {
    s.as_bytes()
        .windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}

/// Decodes `%XX` escapes (not `+`). Invalid escapes are kept as they are; bytes that do
/// not form UTF-8 are replaced, so any input gives a string.
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match escape {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes until no escape is left (bounded), as a lenient server would.
pub fn decode_fully(s: &str) -> String {
    let mut value = s.to_string();
    for _ in 0..4 {
        if !has_escape(&value) {
            break;
        }
        value = decode(&value);
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_and_decodes() {
        assert!(has_escape("%7B"));
        assert!(!has_escape("100% sure"));
        assert_eq!(decode("a%2Fb%zz%"), "a/b%zz%");
        assert_eq!(decode("%+1"), "%+1");
        assert_eq!(decode("%FF"), "\u{FFFD}");
        assert_eq!(decode_fully("%257B"), "{");
    }
}
