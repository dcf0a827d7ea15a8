//! The OAuth machinery every emulator shares: a tenant with fault switches on a virtual
//! clock, artifacts (codes, access and refresh tokens), PKCE, code redemption and
//! refresh-token use.
//!
//! The engine decides *whether* a request succeeds and, when it does not, returns a
//! typed reason ([`CodeFailure`], [`RefreshFailure`], [`PkceFailure`],
//! [`ChallengeFailure`]). A vendor is its policy (the rules it passes in: documented
//! lifetimes, which checks apply, which faults bend which rule) and its wording (how it
//! renders a typed reason in its exact strings and shapes). So a rule such as "a code
//! is used once" is written here once, and a vendor's wording of a refused PKCE
//! verifier lives only in that vendor's emulator.

mod artifacts;
mod base;
mod code;
pub(crate) mod cors;
mod id_token;
mod pkce;
mod refresh;
mod respond;
mod transaction;

pub(crate) use artifacts::{Access, Artifacts, Granted, Lifetime, granted};
pub(crate) use base::{Base, Named};
#[cfg(test)]
pub(crate) use code::shared;
pub(crate) use code::{CodeFailure, CodeRules, Redemption, RedirectRule};
pub(crate) use id_token::{IdToken, IdTokenBends};
pub(crate) use pkce::{
    Challenge, ChallengeFailure, PkceFailure, PkceRules, VerifierFormat, read_challenge,
};
pub(crate) use refresh::{RefreshFailure, RefreshRules, Requested};
pub(crate) use respond::{not_found, search_bundle, with_query};
pub(crate) use transaction::{Login, Transaction};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;

/// An unguessable opaque value (256 bits, base64url): codes, tokens, transaction and
/// session ids.
pub(crate) fn opaque() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The first value of a once-decoded query or form parameter.
pub(crate) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Space-delimited scope tokens without empties or duplicates, in request order. Only
/// the space separates (RFC 6749 §3.3): `a,b` stays one token, which is how
/// comma-separated lists lose scopes.
pub(crate) fn split_scopes(value: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for token in value.split(' ').filter(|t| !t.is_empty()) {
        if !out.iter().any(|s| s == token) {
            out.push(token.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opaque_values_are_long_and_fresh() {
        assert_eq!(opaque().len(), 43);
        assert_ne!(opaque(), opaque());
    }

    #[test]
    fn scopes_split_on_single_spaces_only() {
        assert_eq!(split_scopes(" a  b a c,d "), ["a", "b", "c,d"]);
        assert!(split_scopes("").is_empty());
        let form = vec![("a".to_string(), "1".to_string()), ("a".into(), "2".into())];
        assert_eq!(param(&form, "a"), Some("1"));
        assert_eq!(param(&form, "b"), None);
    }
}
