//! Reads a curl command the way people paste it: over several lines with `\`
//! continuations, flattened onto one line, with a shell prompt in front, or as a bare
//! fragment of options. Shell quoting is undone the way a POSIX shell would, but where
//! a shell would break the command (a `\ ` in the middle of a line, a missing `\`)
//! the break is recorded as a note and parsing goes on, so that every other rule still
//! sees the request the author meant.

use super::finding::{InputError, Location};
use super::request::{
    CredentialSource, Credentials, Header, Origin, Param, Request, Url, form_params,
};
use super::text::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    /// `\` followed by a space and more text on the same line: the shell reads `\ ` as
    /// a literal space, not as a line continuation.
    BackslashSpace,
    /// `\` followed by trailing spaces at the end of a line: no continuation either.
    SpaceAfterFinalBackslash,
    /// A continuation followed by an empty line: the shell ends the command there.
    BlankAfterContinuation,
    /// A line of options with no `\` at the end of the line before it.
    MissingBackslash,
    /// Word-processor quotes, which the shell does not treat as quotes.
    TypographicQuote,
    /// An unquoted `&` inside a word (typically a URL's query string).
    UnquotedAmpersand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Note {
    pub kind: NoteKind,
    pub span: (usize, usize),
}

#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub requests: Vec<Request>,
    pub notes: Vec<Note>,
    /// The input did not start with `curl`: a fragment of options.
    pub fragment: bool,
}

enum Tok {
    Word(Text),
    Newline(usize),
    Separator,
}

/// Parses pasted curl text into one request per curl command.
pub fn parse(src: &str) -> Result<Parsed, InputError> {
    let (toks, mut notes) = tokenize(src)?;
    let first = toks.iter().find_map(|t| match t {
        Tok::Word(w) if !is_prompt(w.as_str()) => Some(w.as_str()),
        _ => None,
    });
    let Some(first) = first else {
        return Err(InputError::new(
            "no curl command found: the input is empty",
            None,
        ));
    };
    let fragment = !is_curl(first);
    let commands = if fragment {
        vec![
            toks.into_iter()
                .filter_map(|t| match t {
                    Tok::Word(w) => Some(w),
                    _ => None,
                })
                .collect(),
        ]
    } else {
        split_commands(toks, &mut notes)
    };
    let requests = commands.iter().map(|words| parse_args(words)).collect();
    Ok(Parsed {
        requests,
        notes,
        fragment,
    })
}

fn is_curl(word: &str) -> bool {
    let base = word.rsplit(['/', '\\']).next().unwrap_or(word);
    base == "curl" || base == "curl.exe"
}

/// A shell prompt pasted along with the command (`$`, `>`, `user@host:~$`).
fn is_prompt(word: &str) -> bool {
    !is_curl(word) && (word.ends_with('$') || word.ends_with('>') || word.ends_with('%'))
}

fn line_of(src: &str, byte: usize) -> usize {
    Location::of(src, byte.min(src.len()), byte.min(src.len())).map_or(1, |l| l.line)
}

fn tokenize(src: &str) -> Result<(Vec<Tok>, Vec<Note>), InputError> {
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let n = chars.len();
    let byte = |k: usize| chars.get(k).map_or(src.len(), |c| c.0);
    let ch = |k: usize| chars.get(k).map(|c| c.1);
    let mut toks = Vec::new();
    let mut notes = Vec::new();
    let mut cur: Option<Text> = None;
    let flush = |cur: &mut Option<Text>, toks: &mut Vec<Tok>| {
        if let Some(w) = cur.take() {
            toks.push(Tok::Word(w));
        }
    };
    // After a continuation, empty lines are skipped (with a note): forums insert them
    // between the lines of a pasted command.
    let skip_blank_lines = |mut k: usize, notes: &mut Vec<Note>| {
        loop {
            let mut j = k;
            while matches!(ch(j), Some(' ' | '\t' | '\r')) {
                j += 1;
            }
            if ch(j) == Some('\n') {
                notes.push(Note {
                    kind: NoteKind::BlankAfterContinuation,
                    span: (byte(k), byte(j)),
                });
                k = j + 1;
            } else {
                return k;
            }
        }
    };
    let mut k = 0;
    while k < n {
        let (b, c) = chars[k];
        match c {
            ' ' | '\t' | '\r' => {
                flush(&mut cur, &mut toks);
                k += 1;
            }
            '\n' => {
                flush(&mut cur, &mut toks);
                toks.push(Tok::Newline(b));
                k += 1;
            }
            '\\' => match ch(k + 1) {
                None => k += 1,
                Some('\n') => {
                    flush(&mut cur, &mut toks);
                    k = skip_blank_lines(k + 2, &mut notes);
                }
                Some('\r') if ch(k + 2) == Some('\n') => {
                    flush(&mut cur, &mut toks);
                    k = skip_blank_lines(k + 3, &mut notes);
                }
                Some(' ' | '\t') => {
                    let mut j = k + 1;
                    while matches!(ch(j), Some(' ' | '\t' | '\r')) {
                        j += 1;
                    }
                    flush(&mut cur, &mut toks);
                    if j >= n || ch(j) == Some('\n') {
                        notes.push(Note {
                            kind: NoteKind::SpaceAfterFinalBackslash,
                            span: (b, byte(j)),
                        });
                        k = skip_blank_lines((j + 1).min(n), &mut notes);
                    } else {
                        notes.push(Note {
                            kind: NoteKind::BackslashSpace,
                            span: (b, b + 1),
                        });
                        k = j;
                    }
                }
                Some(e) => {
                    cur.get_or_insert_default().push(e, (b, byte(k + 2)));
                    k += 2;
                }
            },
            '\'' => {
                let w = cur.get_or_insert_default();
                let mut j = k + 1;
                loop {
                    match chars.get(j) {
                        None => {
                            return Err(InputError::new(
                                "unterminated single quote",
                                Some(line_of(src, b)),
                            ));
                        }
                        Some(&(_, '\'')) => break,
                        Some(&(bj, cj)) => w.push(cj, (bj, byte(j + 1))),
                    }
                    j += 1;
                }
                k = j + 1;
            }
            '"' => {
                let w = cur.get_or_insert_default();
                let mut j = k + 1;
                loop {
                    let Some(&(bj, cj)) = chars.get(j) else {
                        return Err(InputError::new(
                            "unterminated double quote",
                            Some(line_of(src, b)),
                        ));
                    };
                    if cj == '"' {
                        break;
                    }
                    if cj == '\\' {
                        match ch(j + 1) {
                            Some('\n') => {
                                j += 2;
                                continue;
                            }
                            Some(e @ ('"' | '\\' | '$' | '`')) => {
                                w.push(e, (bj, byte(j + 2)));
                                j += 2;
                                continue;
                            }
                            _ => {}
                        }
                    }
                    w.push(cj, (bj, byte(j + 1)));
                    j += 1;
                }
                k = j + 1;
            }
            '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}' => {
                // Read as the quotes they were meant to be, up to the closing mark or
                // the end of the line.
                notes.push(Note {
                    kind: NoteKind::TypographicQuote,
                    span: (b, byte(k + 1)),
                });
                let closing: &[char] = if matches!(c, '\u{2018}' | '\u{2019}') {
                    &['\u{2019}', '\u{2018}']
                } else {
                    &['\u{201D}', '\u{201C}']
                };
                let w = cur.get_or_insert_default();
                let mut j = k + 1;
                while let Some(&(bj, cj)) = chars.get(j) {
                    if closing.contains(&cj) || cj == '\n' {
                        break;
                    }
                    w.push(cj, (bj, byte(j + 1)));
                    j += 1;
                }
                k = if ch(j) == Some('\n') { j } else { j + 1 };
            }
            '$' if matches!(ch(k + 1), Some('(')) => {
                // Command substitution: kept literally, up to the matching parenthesis.
                let w = cur.get_or_insert_default();
                let mut depth = 0usize;
                let mut j = k;
                while let Some(&(bj, cj)) = chars.get(j) {
                    w.push(cj, (bj, byte(j + 1)));
                    j += 1;
                    match cj {
                        '(' => depth += 1,
                        ')' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                k = j;
            }
            '#' if cur.is_none() => {
                while k < n && chars[k].1 != '\n' {
                    k += 1;
                }
            }
            ';' | '|' => {
                flush(&mut cur, &mut toks);
                toks.push(Tok::Separator);
                k += 1;
            }
            '&' => {
                if cur.is_some() && ch(k + 1) != Some('&') {
                    // A shell would background the command here; the author meant
                    // a query-string separator.
                    if !notes.iter().any(|x| x.kind == NoteKind::UnquotedAmpersand) {
                        notes.push(Note {
                            kind: NoteKind::UnquotedAmpersand,
                            span: (b, b + 1),
                        });
                    }
                    if let Some(w) = cur.as_mut() {
                        w.push('&', (b, b + 1));
                    }
                    k += 1;
                } else {
                    flush(&mut cur, &mut toks);
                    toks.push(Tok::Separator);
                    k += if ch(k + 1) == Some('&') { 2 } else { 1 };
                }
            }
            _ => {
                cur.get_or_insert_default().push(c, (b, byte(k + 1)));
                k += 1;
            }
        }
    }
    flush(&mut cur, &mut toks);
    Ok((toks, notes))
}

/// Groups words into curl commands. A newline ends a command unless the next line
/// starts with an option, which is taken as a forgotten `\` (noted).
fn split_commands(toks: Vec<Tok>, notes: &mut Vec<Note>) -> Vec<Vec<Text>> {
    enum State {
        Idle,
        Curl(Vec<Text>),
        Skipping,
    }
    let mut out = Vec::new();
    let mut state = State::Idle;
    let mut pending_newline: Option<usize> = None;
    for tok in toks {
        match tok {
            Tok::Newline(at) => match state {
                State::Curl(_) => {
                    pending_newline.get_or_insert(at);
                }
                _ => state = State::Idle,
            },
            Tok::Separator => {
                if let State::Curl(words) = std::mem::replace(&mut state, State::Idle) {
                    out.push(words);
                }
                pending_newline = None;
            }
            Tok::Word(w) => {
                if let Some(at) = pending_newline.take() {
                    if w.as_str().starts_with('-') && matches!(state, State::Curl(_)) {
                        notes.push(Note {
                            kind: NoteKind::MissingBackslash,
                            span: (at, at + 1),
                        });
                    } else if let State::Curl(words) = std::mem::replace(&mut state, State::Idle) {
                        out.push(words);
                    }
                }
                match &mut state {
                    State::Curl(words) => words.push(w),
                    State::Skipping => {}
                    State::Idle => {
                        if is_curl(w.as_str()) {
                            state = State::Curl(Vec::new());
                        } else if !is_prompt(w.as_str()) {
                            state = State::Skipping;
                        }
                    }
                }
            }
        }
    }
    if let State::Curl(words) = state {
        out.push(words);
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Data {
    /// `-d`, `--data`, `--data-ascii`, `--data-binary`: `@file` reads a file.
    Plain,
    /// `--data-raw`: no `@` handling.
    Raw,
    /// `--data-urlencode`.
    UrlEncode,
    /// `--json`.
    Json,
}

/// Long options that take an argument we do not otherwise use.
const LONG_WITH_ARG: &[&str] = &[
    "output",
    "user-agent",
    "referer",
    "cookie",
    "cookie-jar",
    "connect-timeout",
    "max-time",
    "write-out",
    "cacert",
    "capath",
    "cert",
    "key",
    "cert-type",
    "key-type",
    "proxy",
    "proxy-user",
    "resolve",
    "retry",
    "retry-delay",
    "retry-max-time",
    "config",
    "range",
    "upload-file",
    "interface",
    "limit-rate",
    "max-redirs",
    "max-filesize",
    "dump-header",
    "trace",
    "trace-ascii",
    "stderr",
    "pass",
    "ciphers",
    "tls-max",
    "connect-to",
    "unix-socket",
    "aws-sigv4",
    "url-query",
    "variable",
    "proto",
    "proto-redir",
    "happy-eyeballs-timeout-ms",
    "expect100-timeout",
    "keepalive-time",
    "local-port",
    "noproxy",
    "output-dir",
    "request-target",
];

/// Short options that take an argument.
const SHORT_WITH_ARG: &str = "XHudFoAebcmwxTKrEUyYzCDPQt";

fn parse_args(words: &[Text]) -> Request {
    let mut req = Request::default();
    let mut data: Vec<(Text, Data)> = Vec::new();
    let mut i = 0;
    let mut only_urls = false;
    while i < words.len() {
        let w = &words[i];
        let s = w.as_str();
        i += 1;
        if only_urls || !s.starts_with('-') || s == "-" {
            add_url(&mut req, w);
            continue;
        }
        if s == "--" {
            only_urls = true;
            continue;
        }
        if let Some(name) = s.strip_prefix("--") {
            let mut arg = || {
                let a = words.get(i).cloned();
                if a.is_some() {
                    i += 1;
                }
                a
            };
            match name {
                "request" => req.method = arg(),
                "header" => add_header(&mut req, arg()),
                "user" => req.user = arg().map(|a| user_credentials(&a)),
                "data" | "data-ascii" | "data-binary" => {
                    data.extend(arg().map(|a| (a, Data::Plain)))
                }
                "data-raw" => data.extend(arg().map(|a| (a, Data::Raw))),
                "data-urlencode" => data.extend(arg().map(|a| (a, Data::UrlEncode))),
                "json" => data.extend(arg().map(|a| (a, Data::Json))),
                "form" | "form-string" => data.extend(arg().map(|a| (a, Data::Raw))),
                "url" => {
                    if let Some(a) = arg() {
                        add_url(&mut req, &a);
                    }
                }
                "get" => req.get = true,
                "oauth2-bearer" => {
                    if let Some(tok) = arg() {
                        req.headers.push(Header {
                            name: Text::synthetic("Authorization"),
                            value: Text::spanning(format!("Bearer {}", tok.as_str()), tok.span()),
                        });
                    }
                }
                _ if LONG_WITH_ARG.contains(&name) => {
                    arg();
                }
                _ => {}
            }
            continue;
        }
        // A cluster of short options: `-sSL`, `-XPOST`, `-iX POST`.
        let cluster = w.slice(1, s.len());
        for (pos, c) in cluster.as_str().char_indices() {
            if c == 'G' {
                req.get = true;
                continue;
            }
            if !SHORT_WITH_ARG.contains(c) {
                continue;
            }
            let rest = cluster.slice(pos + c.len_utf8(), cluster.as_str().len());
            let value = if rest.is_empty() {
                let a = words.get(i).cloned();
                if a.is_some() {
                    i += 1;
                }
                a
            } else {
                Some(rest)
            };
            match c {
                'X' => req.method = value,
                'H' => add_header(&mut req, value),
                'u' => req.user = value.map(|a| user_credentials(&a)),
                'd' => data.extend(value.map(|a| (a, Data::Plain))),
                'F' => data.extend(value.map(|a| (a, Data::Raw))),
                _ => {}
            }
            break;
        }
    }
    for (piece, kind) in data {
        add_data(&mut req, &piece, kind);
    }
    req
}

fn add_url(req: &mut Request, w: &Text) {
    if w.as_str().trim().is_empty() || req.url_text.is_some() {
        return;
    }
    req.url_text = Some(w.clone());
    // curl assumes http:// for a URL written without a scheme.
    let full = if w.as_str().contains("://") {
        w.clone()
    } else {
        let mut t = Text::default();
        let at = w.span().map_or((0, 0), |s| (s.0, s.0));
        for c in "http://".chars() {
            t.push(c, at);
        }
        for (i, c) in w.as_str().char_indices() {
            t.push(c, w.span_of(i, i + c.len_utf8()).unwrap_or(at));
        }
        if w.span().is_none() {
            Text::synthetic(t.as_str())
        } else {
            t
        }
    };
    if let Some(url) = Url::parse(&full) {
        if let Some(q) = &url.query {
            req.params.extend(form_params(q, Origin::Query));
        }
        req.url = Some(url);
    }
}

fn add_header(req: &mut Request, value: Option<Text>) {
    let Some(v) = value else { return };
    if let Some((name, val)) = v.split_once(':') {
        let val = val.trim();
        if !name.as_str().trim().is_empty() {
            req.headers.push(Header { name, value: val });
        }
    }
}

fn user_credentials(arg: &Text) -> Credentials {
    match arg.split_once(':') {
        Some((id, secret)) => Credentials {
            id,
            secret: Some(secret),
            source: CredentialSource::UserOption,
        },
        None => Credentials {
            id: arg.clone(),
            secret: None,
            source: CredentialSource::UserOption,
        },
    }
}

fn add_data(req: &mut Request, piece: &Text, kind: Data) {
    let s = piece.as_str();
    let origin = if req.get { Origin::Query } else { Origin::Body };
    match kind {
        Data::Json => req.json_body = Some(piece.clone()),
        Data::Plain if s.starts_with('@') => req.unread_files = true,
        Data::Plain | Data::Raw => {
            let t = s.trim_start();
            if t.starts_with('{') || t.starts_with('[') {
                req.json_body = Some(piece.clone());
            } else {
                req.params.extend(form_params(piece, origin));
            }
        }
        Data::UrlEncode => {
            // curl encodes what follows the first `=`; `name@file` reads a file.
            match s.find(['=', '@']) {
                Some(i) if s[i..].starts_with('@') => req.unread_files = true,
                Some(i) if i > 0 => {
                    let value = piece.slice(i + 1, s.len());
                    req.params.push(Param {
                        name: s[..i].to_string(),
                        value,
                        origin: if req.get {
                            Origin::Query
                        } else {
                            Origin::BodyEncodedByCurl
                        },
                    });
                }
                // `=content` and bare `content` send an encoded blob with no name.
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Request {
        let p = parse(src).unwrap();
        assert_eq!(p.requests.len(), 1, "{src}");
        p.requests.into_iter().next().unwrap()
    }

    #[test]
    fn multi_line_command() {
        let src = "curl -X POST 'https://h.example/token' \\\n  -H 'Accept: application/json' \\\n  -u 'id:se cret' \\\n  --data-urlencode 'scope=a b' \\\n  -d 'grant_type=client_credentials&x=%2F'";
        let p = parse(src).unwrap();
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        let r = &p.requests[0];
        assert_eq!(r.method(), "POST");
        assert_eq!(r.url.as_ref().unwrap().host.as_str(), "h.example");
        assert_eq!(
            r.header("accept").unwrap().value.as_str(),
            "application/json"
        );
        let u = r.user.as_ref().unwrap();
        assert_eq!(
            (u.id.as_str(), u.secret.as_ref().unwrap().as_str()),
            ("id", "se cret")
        );
        assert_eq!(r.param_value("scope"), Some("a b"));
        assert_eq!(r.param_value("grant_type"), Some("client_credentials"));
        assert_eq!(r.param_value("x"), Some("/"));
        // The scope value points back at the source.
        let scope = &r.param("scope").unwrap().value;
        let (s, e) = scope.span().unwrap();
        assert_eq!(&src[s..e], "a b");
    }

    #[test]
    fn flattened_continuations_are_noted_and_parsed() {
        let src = "curl -X POST 'https://h.example/token' \\ -H 'A: b' \\ -d 'code=c'";
        let p = parse(src).unwrap();
        assert_eq!(
            p.notes
                .iter()
                .filter(|n| n.kind == NoteKind::BackslashSpace)
                .count(),
            2
        );
        let r = &p.requests[0];
        assert_eq!(r.header("a").unwrap().value.as_str(), "b");
        assert_eq!(r.param_value("code"), Some("c"));
    }

    #[test]
    fn fragments_prompts_clusters_and_many_commands() {
        let p = parse("--data-urlencode 'grant_type=client_credentials' \\\n\n-d x=1").unwrap();
        assert!(p.fragment);
        assert_eq!(p.requests[0].param_value("x"), Some("1"));
        let r = one("$ curl -sSXPOST https://h/t -dgrant_type=refresh_token");
        assert_eq!(r.method(), "POST");
        assert_eq!(r.grant_type(), Some("refresh_token"));
        let p = parse("curl https://a/authorize?x=1\ncurl -d y=2 https://a/token | jq .").unwrap();
        assert_eq!(p.requests.len(), 2);
        let p = parse("curl https://a/token\n  -d y=2").unwrap();
        assert_eq!(p.requests.len(), 1);
        assert_eq!(p.notes[0].kind, NoteKind::MissingBackslash);
        let r = one("curl -G https://a/authorize --data-urlencode 'state=a b'");
        assert_eq!(r.param("state").unwrap().origin, Origin::Query);
        let r = one("curl authorization.example.org/tenants/t/token");
        assert_eq!(r.url.as_ref().unwrap().scheme.as_str(), "http");
    }

    #[test]
    fn quotes() {
        let r = one(r#"curl "https://h/x?a=1" -H "Authorization: Basic \"q\"" -d 'it'"'"'s=1'"#);
        assert_eq!(
            r.header("authorization").unwrap().value.as_str(),
            "Basic \"q\""
        );
        assert_eq!(r.params.last().unwrap().name, "it's");
        assert!(parse("curl 'unterminated").is_err());
        assert_eq!(parse("curl \"x\n\ny").unwrap_err().line, Some(1));
        assert!(parse("   \n ").is_err());
        let p = parse("curl https://h/a?x=1&y=2").unwrap();
        assert_eq!(p.notes[0].kind, NoteKind::UnquotedAmpersand);
        assert_eq!(p.requests[0].param_value("y"), Some("2"));
    }
}
