//! Then-steps about the ID token and the keys it is signed with.

use super::*;

pub(crate) const STEPS: &[(&str, StepFn)] = &[
    (
        r"^the ID token is signed by a key the server publishes$",
        step!(id_signed),
    ),
    (
        r"^the ID token was issued by the server to the app$",
        step!(id_issued_to_app),
    ),
    (r"^the ID token is current$", step!(id_current)),
    (
        r"^the ID token carries the nonce the app sent$",
        step!(id_nonce),
    ),
    (
        r"^the ID token carries a pim claim listing the user's patient records$",
        step!(id_pim),
    ),
    (r"^the ID token carries no pim claim$", step!(id_no_pim)),
    (
        r"^the server publishes RS256 signing keys$",
        step!(keys_published),
    ),
];

async fn id_signed(w: &mut World, _: Context) {
    let (jwt, _) = id_token(w);
    let keys = fetch_keys(w).await;
    let jwks = keys.json().unwrap_or(Value::Null);
    w.must_all([
        conforms(&jwks, Shape::Jwks),
        idt::signature_verifies(&jwt, &jwks),
    ]);
}

async fn id_issued_to_app(w: &mut World, _: Context) {
    let (_, d) = id_token(w);
    let issuer = w.target().issuer.clone();
    let client = w.client().id;
    w.must(idt::issuer_is(&d, &issuer));
    w.must(idt::audience_is(&d, &client));
}

async fn id_current(w: &mut World, _: Context) {
    let (_, d) = id_token(w);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    w.must(idt::not_expired(&d, now, 120));
}

async fn id_nonce(w: &mut World, _: Context) {
    let (_, d) = id_token(w);
    let Some(nonce) = w.flow.auth.nonce.clone() else {
        w.fail_with("the app sent no nonce".into())
    };
    w.must(idt::nonce_is(&d, &nonce));
}

async fn id_pim(w: &mut World, _: Context) {
    let (_, d) = id_token(w);
    w.must(idt::pim_well_formed(&d));
}

async fn id_no_pim(w: &mut World, _: Context) {
    let (_, d) = id_token(w);
    w.must(idt::lacks_claim(&d, "pim", "ATH-08"));
}

async fn keys_published(w: &mut World, _: Context) {
    let r = fetch_keys(w).await;
    w.must(ss::jwks_has_rs256_keys(&r));
    w.should(ss::jwks_cacheable(&r));
    w.flow.last = Some(r);
}
