//! Redeeming an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.6), in the order every
//! emulated server follows: look the code up; refuse a replayed or expired one; then,
//! the code being consumed whatever comes next, check the client, the redirect URI and
//! PKCE.

use std::hash::Hash;

use super::artifacts::{Artifacts, Code, Granted};
use super::base::{Base, Named};
use super::pkce::{self, PkceFailure, PkceRules};

/// What a token request presents for its code.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Redemption<'a> {
    pub code: &'a str,
    /// The authenticated client.
    pub client_id: &'a str,
    pub redirect_uri: Option<&'a str>,
    pub verifier: Option<&'a str>,
}

/// How a server checks the redirect_uri of a token request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RedirectRule {
    /// False only under a fault: any redirect_uri, or none, is accepted.
    pub check: bool,
    /// An authorization request that named no redirect_uri needs a token request that
    /// names none either; otherwise naming the registered URI is fine too.
    pub omitted_stays_omitted: bool,
    /// `…/cb/` is taken for `…/cb` (a fault).
    pub ignore_trailing_slash: bool,
}

impl RedirectRule {
    /// RFC 6749 §4.1.3: identical, and required when the authorization request had one.
    pub const EXACT: RedirectRule = RedirectRule {
        check: true,
        omitted_stays_omitted: false,
        ignore_trailing_slash: false,
    };
}

/// A server's policy for codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CodeRules {
    /// Seconds a code lives; `None` (a fault): forever.
    pub lifetime: Option<u64>,
    /// A used code is refused (false only under a fault).
    pub single_use: bool,
    /// A replayed code revokes the tokens its first redemption issued (RFC 6749 §4.1.2
    /// SHOULD).
    pub replay_revokes: bool,
    /// The code must be redeemed by the client it was issued to (false under a fault).
    pub bound_to_client: bool,
    pub redirect: RedirectRule,
    pub pkce: PkceRules,
}

impl CodeRules {
    /// RFC 6749 §4.1.2 and §4.1.3 and RFC 7636 §4.6 for codes that live `lifetime`
    /// seconds, each rule switched off by the fault every emulator names the same way
    /// ([`shared`]); a replay revokes nothing. Vendors adjust from here.
    pub fn common<F: Named + Eq + Hash>(base: &Base<F>, lifetime: u64) -> CodeRules {
        let on = |name| base.on_named(name);
        CodeRules {
            lifetime: (!on(shared::CODES_NEVER_EXPIRE)).then_some(lifetime),
            single_use: !on(shared::ALLOW_CODE_REUSE),
            replay_revokes: false,
            bound_to_client: !on(shared::IGNORE_CLIENT_MISMATCH),
            redirect: RedirectRule {
                check: !on(shared::IGNORE_REDIRECT_MISMATCH),
                ..RedirectRule::EXACT
            },
            pkce: PkceRules {
                must_match: !on(shared::ACCEPT_ANY_VERIFIER),
                ..PkceRules::STRICT
            },
        }
    }
}

/// The names of the fault switches every emulator has, for the same broken rule.
pub(crate) mod shared {
    pub const ALLOW_CODE_REUSE: &str = "allow-code-reuse";
    pub const CODES_NEVER_EXPIRE: &str = "codes-never-expire";
    pub const IGNORE_CLIENT_MISMATCH: &str = "ignore-client-mismatch";
    pub const IGNORE_REDIRECT_MISMATCH: &str = "ignore-redirect-mismatch";
    pub const ACCEPT_ANY_VERIFIER: &str = "accept-any-verifier";

    /// Every shared name.
    #[cfg(test)]
    pub const ALL: [&str; 5] = [
        ALLOW_CODE_REUSE,
        CODES_NEVER_EXPIRE,
        IGNORE_CLIENT_MISMATCH,
        IGNORE_REDIRECT_MISMATCH,
        ACCEPT_ANY_VERIFIER,
    ];
}

/// Why a code was not redeemed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeFailure {
    Unknown,
    Expired,
    /// Already used.
    Replayed,
    /// Issued to another client.
    OtherClient,
    /// The authorization request named a redirect_uri; the token request did not.
    RedirectMissing,
    /// The authorization request named none; the token request did.
    RedirectUnexpected,
    RedirectDiffers,
    Pkce(PkceFailure),
}

impl<G: Granted> Artifacts<G> {
    /// Redeems a code: the code (marked used), or why not.
    pub fn redeem(
        &mut self,
        request: Redemption,
        now: u64,
        rules: CodeRules,
    ) -> Result<Code<G>, CodeFailure> {
        let code = self
            .codes
            .get_mut(request.code)
            .ok_or(CodeFailure::Unknown)?;
        if code.used && rules.single_use {
            let family = code.family;
            if rules.replay_revokes {
                self.revoke_family(family);
            }
            return Err(CodeFailure::Replayed);
        }
        if rules
            .lifetime
            .is_some_and(|secs| now.saturating_sub(code.issued_at) >= secs)
        {
            return Err(CodeFailure::Expired);
        }
        code.used = true;
        let code = code.clone();
        if rules.bound_to_client && code.grant.client_id() != request.client_id {
            return Err(CodeFailure::OtherClient);
        }
        check_redirect(&code, request.redirect_uri, rules.redirect)?;
        pkce::verify(code.challenge.as_ref(), request.verifier, rules.pkce)
            .map_err(CodeFailure::Pkce)?;
        Ok(code)
    }
}

fn check_redirect<G>(
    code: &Code<G>,
    sent: Option<&str>,
    rule: RedirectRule,
) -> Result<(), CodeFailure> {
    if !rule.check {
        return Ok(());
    }
    let same = |uri: &str| {
        uri == code.redirect_uri
            || (rule.ignore_trailing_slash
                && uri.trim_end_matches('/') == code.redirect_uri.trim_end_matches('/'))
    };
    match sent {
        None if code.redirect_uri_sent => Err(CodeFailure::RedirectMissing),
        None => Ok(()),
        Some(_) if !code.redirect_uri_sent && rule.omitted_stays_omitted => {
            Err(CodeFailure::RedirectUnexpected)
        }
        Some(uri) if same(uri) => Ok(()),
        Some(_) => Err(CodeFailure::RedirectDiffers),
    }
}

#[cfg(test)]
mod tests {
    use super::super::artifacts::G;
    use super::super::pkce::{Challenge, ChallengeMethod};
    use super::*;

    const CB: &str = "https://app.example/cb";
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    const RULES: CodeRules = CodeRules {
        lifetime: Some(60),
        single_use: true,
        replay_revokes: true,
        bound_to_client: true,
        redirect: RedirectRule::EXACT,
        pkce: PkceRules::STRICT,
    };

    fn request<'a>(code: &'a str, redirect_uri: Option<&'a str>) -> Redemption<'a> {
        Redemption {
            code,
            client_id: "app",
            redirect_uri,
            verifier: Some(VERIFIER),
        }
    }

    fn store_with_code(sent: bool) -> (Artifacts<G>, String) {
        let mut store = Artifacts::default();
        let challenge = Some(Challenge {
            value: CHALLENGE.into(),
            method: ChallengeMethod::S256,
        });
        let code = store.mint_code(G("app"), CB.into(), sent, challenge, 1000);
        (store, code)
    }

    #[test]
    fn a_code_is_redeemed_once_within_its_lifetime() {
        let (mut store, code) = store_with_code(true);
        assert!(store.redeem(request(&code, Some(CB)), 1059, RULES).is_ok());
        let family = store.codes[&code].family;
        let at = store.issue_access(G("app"), family, 1059, 60, None);
        assert_eq!(
            store.redeem(request(&code, Some(CB)), 1059, RULES).err(),
            Some(CodeFailure::Replayed)
        );
        assert!(
            !store.access_tokens[&at].active(1059),
            "the replay revoked it"
        );
        assert_eq!(
            store.redeem(request("nope", Some(CB)), 1059, RULES).err(),
            Some(CodeFailure::Unknown)
        );
        let (mut store, code) = store_with_code(true);
        assert_eq!(
            store.redeem(request(&code, Some(CB)), 1060, RULES).err(),
            Some(CodeFailure::Expired)
        );
        let forever = CodeRules {
            lifetime: None,
            single_use: false,
            ..RULES
        };
        assert!(
            store
                .redeem(request(&code, Some(CB)), u64::MAX, forever)
                .is_ok()
        );
        assert!(
            store
                .redeem(request(&code, Some(CB)), u64::MAX, forever)
                .is_ok()
        );
    }

    #[test]
    fn the_client_redirect_and_verifier_are_checked_after_the_code_is_consumed() {
        let (mut store, code) = store_with_code(true);
        let other = Redemption {
            client_id: "other",
            ..request(&code, Some(CB))
        };
        assert_eq!(
            store.redeem(other, 1000, RULES).err(),
            Some(CodeFailure::OtherClient)
        );
        assert_eq!(
            store.redeem(request(&code, Some(CB)), 1000, RULES).err(),
            Some(CodeFailure::Replayed)
        );
        let (mut store, code) = store_with_code(true);
        let wrong = Redemption {
            verifier: Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK"),
            ..request(&code, Some(CB))
        };
        assert_eq!(
            store.redeem(wrong, 1000, RULES).err(),
            Some(CodeFailure::Pkce(PkceFailure::Mismatch))
        );
    }

    /// The code rules with another redirect rule.
    fn redirect(rule: RedirectRule) -> CodeRules {
        CodeRules {
            redirect: rule,
            ..RULES
        }
    }

    #[test]
    fn redirect_uris_follow_the_rule() {
        let exact = RedirectRule::EXACT;
        let strict = RedirectRule {
            omitted_stays_omitted: true,
            ..exact
        };
        let lenient = RedirectRule {
            ignore_trailing_slash: true,
            ..exact
        };
        let unchecked = RedirectRule {
            check: false,
            ..exact
        };
        let slash = Some("https://app.example/cb/");
        // (named at authorize, sent at the token endpoint, rule, what comes of it)
        for (named, sent, rule, expected) in [
            (true, Some(CB), exact, None),
            (true, None, exact, Some(CodeFailure::RedirectMissing)),
            (true, slash, exact, Some(CodeFailure::RedirectDiffers)),
            (true, slash, lenient, None),
            (true, Some("x"), unchecked, None),
            (
                false,
                Some(CB),
                strict,
                Some(CodeFailure::RedirectUnexpected),
            ),
            (false, None, strict, None),
            (false, None, exact, None),
            (false, Some(CB), exact, None),
        ] {
            let (mut store, code) = store_with_code(named);
            let outcome = store.redeem(request(&code, sent), 1000, redirect(rule));
            assert_eq!(outcome.err(), expected, "{named} {sent:?} {rule:?}");
        }
    }
}
