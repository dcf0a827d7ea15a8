//! PKCE (RFC 7636): reading the challenge at the authorization endpoint and verifying
//! the verifier at the token endpoint. Which departures a server allows is its policy;
//! what went wrong comes back typed, for the vendor to word.

use crate::oauth::pkce;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChallengeMethod {
    S256,
    /// Only where a server's policy (or a fault) allows it: RFC 9700 §2.1.1 wants S256.
    Plain,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    pub value: String,
    pub method: ChallengeMethod,
}

impl Challenge {
    /// Whether `verifier` transforms into this challenge (RFC 7636 §4.6).
    pub fn is_met_by(&self, verifier: &str) -> bool {
        match self.method {
            ChallengeMethod::S256 => pkce::s256_challenge(verifier) == self.value,
            ChallengeMethod::Plain => verifier == self.value,
        }
    }
}

/// Why an authorization request's PKCE parameters were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChallengeFailure {
    /// `code_challenge_method` came without a `code_challenge`; `supported` says whether
    /// the method itself would have been accepted.
    MethodWithoutChallenge { supported: bool },
    /// A challenge without a method, which means plain (RFC 7636 §4.3), where plain is
    /// not allowed.
    MethodMissing,
    /// A method other than S256 (and plain, where allowed).
    MethodUnsupported,
    /// Not 43 base64url characters (S256), or not a valid verifier (plain).
    Malformed,
}

/// The challenge of an authorization request: `Ok(None)` when it sent neither parameter.
pub(crate) fn read_challenge(
    challenge: Option<&str>,
    method: Option<&str>,
    plain_allowed: bool,
) -> Result<Option<Challenge>, ChallengeFailure> {
    let supported = |m: &str| m == "S256" || (plain_allowed && m == "plain");
    let (value, method) = match (challenge, method) {
        (None, None) => return Ok(None),
        (None, Some(m)) => {
            return Err(ChallengeFailure::MethodWithoutChallenge {
                supported: supported(m),
            });
        }
        (Some(c), Some("S256")) => (c, ChallengeMethod::S256),
        (Some(c), Some("plain") | None) if plain_allowed => (c, ChallengeMethod::Plain),
        (Some(_), None) => return Err(ChallengeFailure::MethodMissing),
        (Some(_), Some(_)) => return Err(ChallengeFailure::MethodUnsupported),
    };
    let well_formed = match method {
        ChallengeMethod::S256 => pkce::challenge_is_well_formed(value),
        ChallengeMethod::Plain => pkce::verifier_is_valid(value),
    };
    if !well_formed {
        return Err(ChallengeFailure::Malformed);
    }
    Ok(Some(Challenge {
        value: value.to_string(),
        method,
    }))
}

/// How a verifier's form is judged before it is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VerifierFormat {
    /// RFC 7636 §4.1: 43 to 128 unreserved characters.
    Strict,
    /// 1 to 128 unreserved characters: a short verifier passes (a fault).
    AnyLength,
    /// Not looked at.
    Unchecked,
}

/// A server's PKCE policy at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PkceRules {
    /// A verifier for a code that had no challenge is refused (RFC 9700 §4.8.2: a
    /// downgrade attempt) rather than ignored.
    pub refuse_stray_verifier: bool,
    /// A code with a challenge may be redeemed without a verifier (a fault).
    pub verifier_optional: bool,
    pub format: VerifierFormat,
    /// The verifier must transform into the challenge (false only under a fault).
    pub must_match: bool,
    /// An empty `code_verifier` counts as none sent.
    pub empty_is_missing: bool,
}

impl PkceRules {
    /// RFC 7636 and RFC 9700 to the letter.
    pub const STRICT: PkceRules = PkceRules {
        refuse_stray_verifier: true,
        verifier_optional: false,
        format: VerifierFormat::Strict,
        must_match: true,
        empty_is_missing: false,
    };
}

/// Why a code's PKCE verification failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PkceFailure {
    /// The code had a challenge; the request sent no verifier.
    VerifierMissing,
    /// The request sent a verifier; the code had no challenge.
    StrayVerifier,
    /// The verifier is not of RFC 7636's form.
    VerifierMalformed,
    /// The verifier does not transform into the challenge.
    Mismatch,
}

/// Verifies a token request's `code_verifier` against its code's challenge.
pub(crate) fn verify(
    challenge: Option<&Challenge>,
    verifier: Option<&str>,
    rules: PkceRules,
) -> Result<(), PkceFailure> {
    let verifier = verifier.filter(|v| !(rules.empty_is_missing && v.is_empty()));
    let (challenge, verifier) = match (challenge, verifier) {
        (None, None) => return Ok(()),
        (None, Some(_)) if rules.refuse_stray_verifier => {
            return Err(PkceFailure::StrayVerifier);
        }
        (None, Some(_)) => return Ok(()),
        (Some(_), None) if rules.verifier_optional => return Ok(()),
        (Some(_), None) => return Err(PkceFailure::VerifierMissing),
        (Some(c), Some(v)) => (c, v),
    };
    let well_formed = match rules.format {
        VerifierFormat::Strict => pkce::verifier_is_valid(verifier),
        VerifierFormat::AnyLength => {
            !verifier.is_empty() && verifier.len() <= 128 && verifier.bytes().all(is_unreserved)
        }
        VerifierFormat::Unchecked => true,
    };
    if !well_formed {
        return Err(PkceFailure::VerifierMalformed);
    }
    if rules.must_match && !challenge.is_met_by(verifier) {
        return Err(PkceFailure::Mismatch);
    }
    Ok(())
}

/// RFC 7636 §4.1's verifier alphabet.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn s256() -> Challenge {
        Challenge {
            value: CHALLENGE.into(),
            method: ChallengeMethod::S256,
        }
    }

    #[test]
    fn challenges_are_read_as_rfc_7636_says() {
        assert_eq!(read_challenge(None, None, false), Ok(None));
        assert_eq!(
            read_challenge(Some(CHALLENGE), Some("S256"), false),
            Ok(Some(s256()))
        );
        assert_eq!(
            read_challenge(None, Some("S256"), false),
            Err(ChallengeFailure::MethodWithoutChallenge { supported: true })
        );
        assert_eq!(
            read_challenge(None, Some("plain"), false),
            Err(ChallengeFailure::MethodWithoutChallenge { supported: false })
        );
        assert_eq!(
            read_challenge(Some(CHALLENGE), None, false),
            Err(ChallengeFailure::MethodMissing)
        );
        assert_eq!(
            read_challenge(Some(CHALLENGE), Some("plain"), false),
            Err(ChallengeFailure::MethodUnsupported)
        );
        assert_eq!(
            read_challenge(Some("short"), Some("S256"), false),
            Err(ChallengeFailure::Malformed)
        );
        let plain = read_challenge(Some(VERIFIER), None, true);
        assert_eq!(
            plain.map(|c| c.map(|c| c.method)),
            Ok(Some(ChallengeMethod::Plain))
        );
    }

    #[test]
    fn verification_follows_the_policy() {
        let strict = PkceRules::STRICT;
        let c = s256();
        assert_eq!(verify(Some(&c), Some(VERIFIER), strict), Ok(()));
        assert_eq!(verify(None, None, strict), Ok(()));
        assert_eq!(
            verify(None, Some(VERIFIER), strict),
            Err(PkceFailure::StrayVerifier)
        );
        assert_eq!(
            verify(Some(&c), None, strict),
            Err(PkceFailure::VerifierMissing)
        );
        assert_eq!(
            verify(Some(&c), Some("short"), strict),
            Err(PkceFailure::VerifierMalformed)
        );
        let wrong = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK";
        assert_eq!(
            verify(Some(&c), Some(wrong), strict),
            Err(PkceFailure::Mismatch)
        );
        assert_eq!(
            verify(Some(&c), Some(""), strict),
            Err(PkceFailure::VerifierMalformed)
        );

        let lax = PkceRules {
            refuse_stray_verifier: false,
            verifier_optional: true,
            format: VerifierFormat::AnyLength,
            must_match: false,
            empty_is_missing: true,
        };
        assert_eq!(verify(None, Some(VERIFIER), lax), Ok(()));
        assert_eq!(verify(Some(&c), Some(""), lax), Ok(()));
        assert_eq!(verify(Some(&c), Some("short"), lax), Ok(()));
        assert_eq!(
            verify(Some(&c), Some("has space"), lax),
            Err(PkceFailure::VerifierMalformed)
        );
        let unchecked = PkceRules {
            format: VerifierFormat::Unchecked,
            ..lax
        };
        assert_eq!(verify(Some(&c), Some("has space"), unchecked), Ok(()));
        let plain = Challenge {
            value: VERIFIER.into(),
            method: ChallengeMethod::Plain,
        };
        assert_eq!(verify(Some(&plain), Some(VERIFIER), strict), Ok(()));
    }
}
