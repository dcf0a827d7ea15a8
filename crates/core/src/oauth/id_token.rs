//! ID token inspection: header and claims without verification (to report what was
//! received), and signature verification against a JWKS.

use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Decoded {
    pub header: Value,
    pub claims: Value,
}

/// Splits and decodes a compact JWS without checking its signature.
pub fn decode_unverified(jwt: &str) -> Result<Decoded, String> {
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 {
        return Err(format!(
            "not a compact JWS: {} parts instead of 3",
            parts.len()
        ));
    }
    let part = |i: usize, what: &str| -> Result<Value, String> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[i].trim_end_matches('='))
            .map_err(|e| format!("{what} is not base64url: {e}"))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("{what} is not JSON: {e}"))
    };
    Ok(Decoded {
        header: part(0, "header")?,
        claims: part(1, "claims")?,
    })
}

/// Verifies the signature with the JWKS key the header names by `kid`, or, without a
/// `kid`, with the set's only signing key (OpenID Connect Core §10.1 requires `kid`
/// only when the set holds several). RSA, EC and Ed25519 keys are accepted with the
/// algorithms of their family; claims are checked separately by named checks.
pub fn verify_signature(jwt: &str, jwks: &Value) -> Result<(), String> {
    let header = jsonwebtoken::decode_header(jwt).map_err(|e| format!("bad JWS header: {e}"))?;
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| "the JWKS has no `keys` array".to_string())?;
    let signing: Vec<&Value> = keys
        .iter()
        .filter(|k| k.get("use").and_then(Value::as_str) != Some("enc"))
        .collect();
    let kid_of = |k: &Value| k.get("kid").and_then(Value::as_str).map(str::to_owned);
    let (jwk, name) = match &header.kid {
        Some(kid) => {
            let jwk = keys
                .iter()
                .find(|k| kid_of(k).as_deref() == Some(kid.as_str()))
                .ok_or_else(|| {
                    let published: Vec<String> = keys.iter().filter_map(kid_of).collect();
                    format!("kid `{kid}` is not among the published keys {published:?}")
                })?;
            (jwk, format!("key `{kid}`"))
        }
        None if signing.len() == 1 => (signing[0], "the only published key".to_string()),
        None => {
            return Err(format!(
                "the ID token header has no `kid` and the JWKS holds {} signing keys, so \
                 the key cannot be chosen",
                signing.len()
            ));
        }
    };
    let parsed: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.clone())
        .map_err(|e| format!("{name} is not a JWK grantcheck can read: {e}"))?;
    let family_fits = matches!(
        (&parsed.algorithm, header.alg),
        (
            jsonwebtoken::jwk::AlgorithmParameters::RSA(_),
            Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::PS384
                | Algorithm::PS512
        ) | (
            jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_),
            Algorithm::ES256 | Algorithm::ES384
        ) | (
            jsonwebtoken::jwk::AlgorithmParameters::OctetKeyPair(_),
            Algorithm::EdDSA
        )
    );
    if !family_fits {
        return Err(format!(
            "the header's algorithm {:?} does not fit {name} (a published key must be \
             an asymmetric key of the algorithm's family)",
            header.alg
        ));
    }
    let key = DecodingKey::from_jwk(&parsed).map_err(|e| format!("bad JWK ({name}): {e}"))?;
    let mut validation = Validation::new(header.alg);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .map(|_| ())
        .map_err(|e| format!("signature does not verify with {name}: {e}"))
}
