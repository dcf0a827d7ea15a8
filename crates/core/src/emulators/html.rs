//! The page shell every emulator's HTML shares.

/// Escapes text for HTML. The apostrophe is left alone so that documented messages such
/// as `The 'redirect_uri' parameter …` appear verbatim in the page source (attributes
/// are always double-quoted).
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A complete, script-free HTML document.
pub(crate) fn document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n",
        escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_keeps_apostrophes() {
        assert_eq!(
            escape("<a href=\"x\">'y' & z</a>"),
            "&lt;a href=&quot;x&quot;&gt;'y' &amp; z&lt;/a&gt;"
        );
        assert!(document("T & U", "<p>b</p>").contains("<title>T &amp; U</title>"));
    }
}
