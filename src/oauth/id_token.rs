//! ID token inspection: header and claims without verification (to report what was
//! received), and RS256 signature verification against a JWKS.

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

/// Verifies the signature with the JWKS key named by the header's `kid`. Claims are
/// checked separately by named checks, so only the signature is validated here.
pub fn verify_signature(jwt: &str, jwks: &Value) -> Result<(), String> {
    let header = jsonwebtoken::decode_header(jwt).map_err(|e| format!("bad JWS header: {e}"))?;
    let kid = header
        .kid
        .ok_or_else(|| "the ID token header has no `kid`".to_string())?;
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| "the JWKS has no `keys` array".to_string())?;
    let jwk = keys
        .iter()
        .find(|k| k.get("kid").and_then(Value::as_str) == Some(kid.as_str()))
        .ok_or_else(|| {
            let published: Vec<&str> = keys
                .iter()
                .filter_map(|k| k.get("kid").and_then(Value::as_str))
                .collect();
            format!("kid `{kid}` is not among the published keys {published:?}")
        })?;
    let (n, e) = match (
        jwk.get("n").and_then(Value::as_str),
        jwk.get("e").and_then(Value::as_str),
    ) {
        (Some(n), Some(e)) => (n, e),
        _ => return Err(format!("JWK `{kid}` is not an RSA key with `n` and `e`")),
    };
    let alg = match header.alg {
        Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 => header.alg,
        other => {
            return Err(format!(
                "unexpected signing algorithm {other:?} for an RSA key"
            ));
        }
    };
    let key = DecodingKey::from_rsa_components(n, e).map_err(|e| format!("bad JWK: {e}"))?;
    let mut validation = Validation::new(alg);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .map(|_| ())
        .map_err(|e| format!("signature does not verify with key `{kid}`: {e}"))
}
