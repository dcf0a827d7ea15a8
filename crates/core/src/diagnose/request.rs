//! A parsed request, whichever way it was written down (a curl command, an authorize
//! URL): method, URL, headers, parameters, client credentials, each value remembering
//! where in the input it came from.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::text::Text;
use super::vendor;
use crate::profile::Vendor;

/// A URL split into the parts the rules look at. Parts keep their origins.
#[derive(Debug, Clone, Default)]
pub struct Url {
    pub text: Text,
    pub scheme: Text,
    pub host: Text,
    pub path: Text,
    pub query: Option<Text>,
    pub fragment: Option<Text>,
}

impl Url {
    /// Splits `scheme://host[:port]/path?query#fragment`. `None` without `://`.
    pub fn parse(text: &Text) -> Option<Url> {
        let s = text.as_str();
        let sep = s.find("://")?;
        let scheme = text.slice(0, sep);
        if scheme.is_empty()
            || !scheme
                .as_str()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return None;
        }
        let rest_start = sep + 3;
        let rest = &s[rest_start..];
        let auth_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = text.slice(rest_start, rest_start + auth_len);
        // Drop userinfo and port.
        let host_start = authority.as_str().rfind('@').map_or(0, |i| i + 1);
        let host_part = authority.slice(host_start, authority.as_str().len());
        let host = if host_part.as_str().starts_with('[') {
            let end = host_part
                .as_str()
                .find(']')
                .map_or(host_part.as_str().len(), |i| i + 1);
            host_part.slice(0, end)
        } else {
            match host_part.as_str().find(':') {
                Some(i) => host_part.slice(0, i),
                None => host_part,
            }
        };
        let after = rest_start + auth_len;
        let frag_at = s[after..].find('#').map(|i| after + i);
        let before_frag = frag_at.unwrap_or(s.len());
        let query_at = s[after..before_frag].find('?').map(|i| after + i);
        let path_end = query_at.unwrap_or(before_frag);
        Some(Url {
            text: text.clone(),
            scheme,
            host,
            path: text.slice(after, path_end),
            query: query_at.map(|q| text.slice(q + 1, before_frag)),
            fragment: frag_at.map(|f| text.slice(f + 1, s.len())),
        })
    }

    pub fn host_lower(&self) -> String {
        self.host.as_str().to_ascii_lowercase()
    }

    pub fn is_https(&self) -> bool {
        self.scheme.as_str().eq_ignore_ascii_case("https")
    }

    /// Path segments with their origins.
    pub fn segments(&self) -> Vec<Text> {
        self.path
            .split('/')
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// The segment after `marker` in the path (`tenants` → the tenant id).
    pub fn segment_after(&self, marker: &str) -> Option<Text> {
        let segs = self.segments();
        let i = segs.iter().position(|s| s.as_str() == marker)?;
        segs.get(i + 1).cloned()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Query,
    Fragment,
    /// A `-d`/`--data-raw` body piece: the server form-decodes what was written.
    Body,
    /// A `--data-urlencode` piece: curl encodes it, so the server sees it as written.
    BodyEncodedByCurl,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    /// The value the server sees after decoding.
    pub value: Text,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct Header {
    pub name: Text,
    pub value: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialSource {
    /// curl `-u id:secret`.
    UserOption,
    /// An `Authorization: Basic` header.
    BasicHeader,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub id: Text,
    pub secret: Option<Text>,
    pub source: CredentialSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Token,
    Authorize,
    Fhir,
    Other,
}

#[derive(Debug, Clone, Default)]
pub struct Request {
    /// An explicit method (`-X`); otherwise it follows from the body.
    pub method: Option<Text>,
    pub url: Option<Url>,
    /// The URL argument as written, even when it did not parse.
    pub url_text: Option<Text>,
    pub headers: Vec<Header>,
    pub user: Option<Credentials>,
    pub params: Vec<Param>,
    /// A JSON body (`-d '{...}'`), kept whole.
    pub json_body: Option<Text>,
    /// `-G`: data goes into the query string.
    pub get: bool,
    /// Body pieces read from files (`-d @file`): their content is unknown.
    pub unread_files: bool,
}

impl Request {
    pub fn method(&self) -> String {
        match &self.method {
            Some(m) => m.as_str().to_ascii_uppercase(),
            None if !self.get && self.has_body() => "POST".into(),
            None => "GET".into(),
        }
    }

    pub fn has_body(&self) -> bool {
        self.json_body.is_some()
            || self.unread_files
            || self
                .params
                .iter()
                .any(|p| matches!(p.origin, Origin::Body | Origin::BodyEncodedByCurl))
    }

    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    pub fn param_value(&self, name: &str) -> Option<&str> {
        self.param(name).map(|p| p.value.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&Header> {
        self.headers
            .iter()
            .find(|h| h.name.as_str().trim().eq_ignore_ascii_case(name))
    }

    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Header> + 'a {
        self.headers
            .iter()
            .filter(move |h| h.name.as_str().trim().eq_ignore_ascii_case(name))
    }

    pub fn path(&self) -> String {
        self.url
            .as_ref()
            .map(|u| u.path.as_str().trim_end_matches('/').to_string())
            .unwrap_or_default()
    }

    pub fn kind(&self) -> Kind {
        let path = self.path();
        if self.param("grant_type").is_some() || path.ends_with("/token") {
            Kind::Token
        } else if self.param("response_type").is_some() || path.ends_with("/authorize") {
            Kind::Authorize
        } else if path.contains("/fhir") || path.contains("/r4/") || path.contains("/dstu2") {
            Kind::Fhir
        } else {
            Kind::Other
        }
    }

    pub fn grant_type(&self) -> Option<&str> {
        self.param_value("grant_type")
    }

    /// The vendor the request is aimed at, judged by its host, then by its `aud`.
    pub fn inferred_vendor(&self) -> Option<Vendor> {
        if let Some(v) = self
            .url
            .as_ref()
            .and_then(|u| vendor::of_host(u.host.as_str()))
        {
            return Some(v);
        }
        let aud = self.param("aud")?;
        Url::parse(&aud.value).and_then(|u| vendor::of_host(u.host.as_str()))
    }

    /// The client credentials carried by the request: `-u`, then a Basic header.
    pub fn credentials(&self) -> Option<Credentials> {
        if let Some(u) = &self.user {
            return Some(u.clone());
        }
        let header = self.header("authorization")?;
        let basic = basic_credentials(&header.value)?;
        basic.ok()
    }
}

/// What is wrong with a Basic header value, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BasicProblem {
    NotBase64,
    NotUtf8,
    NoColon,
    /// Whitespace or a line break inside the encoded credentials.
    Wrapped,
}

/// Decodes `Basic <base64(id:secret)>`. `None` when the header is not Basic at all.
pub fn basic_credentials(value: &Text) -> Option<Result<Credentials, BasicProblem>> {
    let v = value.trim();
    let s = v.as_str();
    let scheme_end = s.find(char::is_whitespace).unwrap_or(s.len());
    if !s[..scheme_end].eq_ignore_ascii_case("basic") {
        return None;
    }
    let encoded = s[scheme_end..].trim();
    if encoded.chars().any(char::is_whitespace) || encoded.contains("\\n") {
        return Some(Err(BasicProblem::Wrapped));
    }
    let span = v.span();
    Some(match STANDARD.decode(encoded) {
        Err(_) => Err(BasicProblem::NotBase64),
        Ok(bytes) => match String::from_utf8(bytes) {
            Err(_) => Err(BasicProblem::NotUtf8),
            Ok(decoded) => match decoded.split_once(':') {
                None => Err(BasicProblem::NoColon),
                Some((id, secret)) => Ok(Credentials {
                    id: Text::spanning(id, span),
                    secret: Some(Text::spanning(secret, span)),
                    source: CredentialSource::BasicHeader,
                }),
            },
        },
    })
}

/// Splits a form-encoded string (`a=1&b=2`) into decoded parameters.
pub fn form_params(raw: &Text, origin: Origin) -> Vec<Param> {
    raw.split('&')
        .into_iter()
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or_else(|| {
                (
                    piece.clone(),
                    piece.slice(piece.as_str().len(), piece.as_str().len()),
                )
            });
            Param {
                name: name.percent_decoded(true).as_str().to_string(),
                value: value.percent_decoded(true),
                origin,
            }
        })
        .collect()
}

/// A request made of one URL (an authorize URL pasted on its own, say).
pub fn from_url(text: &Text) -> Request {
    let mut req = Request {
        url_text: Some(text.clone()),
        ..Request::default()
    };
    if let Some(url) = Url::parse(text) {
        if let Some(q) = &url.query {
            req.params.extend(form_params(q, Origin::Query));
        }
        if let Some(f) = &url.fragment
            && f.as_str().contains('=')
        {
            req.params.extend(form_params(f, Origin::Fragment));
        }
        req.url = Some(url);
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parts() {
        // The host is as long as a real one's, so the span below is unchanged.
        let src = "https://authorization.example.io:443/tenants/abc/protocols/oauth2/profiles/smart-v1/token?x=1#frag";
        let u = Url::parse(&Text::at(src, 0)).unwrap();
        assert_eq!(u.host.as_str(), "authorization.example.io");
        assert_eq!(u.segment_after("tenants").unwrap().as_str(), "abc");
        assert_eq!(u.segment_after("tenants").unwrap().span(), Some((45, 48)));
        assert_eq!(u.query.unwrap().as_str(), "x=1");
        assert_eq!(u.fragment.unwrap().as_str(), "frag");
        assert!(Url::parse(&Text::synthetic("not a url")).is_none());
        assert!(Url::parse(&Text::synthetic("://x")).is_none());
    }

    #[test]
    fn basic_header() {
        let ok = basic_credentials(&Text::synthetic("Basic aWQ6c2VjcmV0"))
            .unwrap()
            .unwrap();
        assert_eq!(ok.id.as_str(), "id");
        assert_eq!(
            basic_credentials(&Text::synthetic("Basic aWQ6c2Vj\ncmV0")),
            Some(Err(BasicProblem::Wrapped))
        );
        assert_eq!(
            basic_credentials(&Text::synthetic("Basic !!!")),
            Some(Err(BasicProblem::NotBase64))
        );
        assert_eq!(
            basic_credentials(&Text::synthetic("Basic aWRzZWNyZXQ=")),
            Some(Err(BasicProblem::NoColon))
        );
        assert!(basic_credentials(&Text::synthetic("Bearer x")).is_none());
    }
}
