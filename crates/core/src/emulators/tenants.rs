//! Several tenants of a tenant-scoped vendor behind one server, as the vendor serves
//! them: such a vendor's paths carry the tenant (`/tenants/{id}/…`, `/r4/{id}/…`), so a
//! fleet of its tenants needs one emulator server, not one per tenant. Each tenant
//! keeps an emulator of its own; a request goes to the tenant its path names. A path
//! that names none goes to the tenant that registered the request's client (the
//! vendor's clients are known server-wide, so a tenant it does not know is refused as
//! such, not as an unknown client), else to the first.

use super::{EmuRequest, EmuResponse, Emulator};

pub struct Tenants {
    vendor: &'static str,
    tenants: Vec<(String, Box<dyn Emulator>)>,
}

impl Tenants {
    /// `tenants`: (tenant id, its emulator), all of one vendor, ids distinct.
    pub fn new(tenants: Vec<(String, Box<dyn Emulator>)>) -> Result<Self, String> {
        let Some(vendor) = tenants.first().map(|(_, e)| e.vendor()) else {
            return Err("no tenant to serve".into());
        };
        for (i, (id, e)) in tenants.iter().enumerate() {
            if e.vendor() != vendor {
                return Err(format!(
                    "tenant `{id}` is a {} emulator, not {vendor}",
                    e.vendor()
                ));
            }
            if id.is_empty() {
                return Err("a tenant-scoped emulator needs a tenant id".into());
            }
            if tenants[..i]
                .iter()
                .any(|(other, _)| other.eq_ignore_ascii_case(id))
            {
                return Err(format!("tenant `{id}` is given twice"));
            }
        }
        Ok(Self { vendor, tenants })
    }

    fn route(&self, req: &EmuRequest) -> usize {
        req.path
            .split('/')
            .find_map(|segment| {
                self.tenants
                    .iter()
                    .position(|(id, _)| segment.eq_ignore_ascii_case(id))
            })
            .or_else(|| {
                // Tenants may share a client id and hold different secrets: the
                // one whose secret matches first, then any that knows the id.
                let (id, secret) = client_of(req)?;
                self.tenants
                    .iter()
                    .position(|(_, e)| e.knows_client(&id, secret.as_deref()))
                    .or_else(|| {
                        self.tenants
                            .iter()
                            .position(|(_, e)| e.knows_client(&id, None))
                    })
            })
            .unwrap_or(0)
    }
}

impl Emulator for Tenants {
    fn vendor(&self) -> &'static str {
        self.vendor
    }

    fn handle(&mut self, origin: &str, req: &EmuRequest) -> EmuResponse {
        let i = self.route(req);
        self.tenants[i].1.handle(origin, req)
    }

    fn id_token_key(&self) -> Option<crate::oauth::jws::SigningKey> {
        self.tenants.first().and_then(|(_, e)| e.id_token_key())
    }

    fn age_artifact(&mut self, artifact: &str, secs: u64) -> bool {
        // Artifacts are random and issued by one tenant: the first that knows it.
        self.tenants
            .iter_mut()
            .any(|(_, e)| e.age_artifact(artifact, secs))
    }
}

/// The client a request names, with its secret when it carries one: Basic
/// credentials, else `client_id` (and `client_secret`) in the body, else the query.
fn client_of(req: &EmuRequest) -> Option<(String, Option<String>)> {
    if let Some((id, secret)) = req
        .header("authorization")
        .and_then(crate::oauth::token::parse_basic)
    {
        return Some((id, Some(secret)));
    }
    if let Some(id) = req.form_param("client_id") {
        return Some((id, req.form_param("client_secret")));
    }
    req.query_param("client_id").map(|id| (id, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers with its own name, to see where a request went; its client is
    /// `client-` and its name.
    struct Named(&'static str, &'static str);

    impl Emulator for Named {
        fn vendor(&self) -> &'static str {
            self.1
        }
        fn handle(&mut self, _: &str, _: &EmuRequest) -> EmuResponse {
            EmuResponse::json(200, &serde_json::json!({ "tenant": self.0 }))
        }
        fn age_artifact(&mut self, artifact: &str, _: u64) -> bool {
            artifact == self.0
        }
        fn knows_client(&self, client_id: &str, secret: Option<&str>) -> bool {
            // Every tenant knows `shared`; only its own secret is its name.
            (client_id == "shared" && secret.is_none_or(|s| s == self.0))
                || client_id == format!("client-{}", self.0)
        }
    }

    fn get(path: &str) -> EmuRequest {
        EmuRequest {
            method: "GET".into(),
            path: path.into(),
            raw_query: None,
            headers: vec![],
            body: vec![],
        }
    }

    fn tenants() -> Tenants {
        Tenants::new(vec![
            ("aaaa-1".into(), Box::new(Named("a", "v"))),
            ("bbbb-2".into(), Box::new(Named("b", "v"))),
        ])
        .unwrap()
    }

    #[test]
    fn a_request_goes_to_the_tenant_its_path_names() {
        let mut t = tenants();
        for (path, expected) in [
            (
                "/tenants/bbbb-2/protocols/oauth2/profiles/smart-v1/token",
                "b",
            ),
            ("/r4/BBBB-2/Patient/1", "b"),
            ("/r4/aaaa-1/metadata", "a"),
            ("/tenants/unknown/login/x", "a"),
            ("/", "a"),
        ] {
            let body = t.handle("http://x", &get(path)).body;
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(v["tenant"], expected, "{path}");
        }
        assert!(t.age_artifact("b", 10));
        assert!(!t.age_artifact("c", 10));
    }

    #[test]
    fn a_path_naming_no_tenant_goes_to_the_tenant_of_its_client() {
        let mut t = tenants();
        let tenant_of = |t: &mut Tenants, req: &EmuRequest| -> String {
            let body = t.handle("http://x", req).body;
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            v["tenant"].as_str().unwrap().to_string()
        };
        let mut basic = get("/tenants/unknown/protocols/oauth2/profiles/smart-v1/token");
        basic.headers.push((
            "authorization".into(),
            crate::oauth::token::basic_header("client-b", "s"),
        ));
        assert_eq!(tenant_of(&mut t, &basic), "b");
        let mut form = get("/tenants/unknown/protocols/oauth2/profiles/smart-v1/token");
        form.body = b"grant_type=authorization_code&client_id=client-b".to_vec();
        assert_eq!(tenant_of(&mut t, &form), "b");
        let mut query = get("/tenants/unknown/personas/patient/authorization");
        query.raw_query = Some("client_id=client-b".into());
        assert_eq!(tenant_of(&mut t, &query), "b");
        // A client nobody registered: the first tenant answers for the server.
        query.raw_query = Some("client_id=client-z".into());
        assert_eq!(tenant_of(&mut t, &query), "a");
        // A client id both tenants know: the secret tells them apart.
        let mut shared = get("/tenants/unknown/protocols/oauth2/profiles/smart-v1/token");
        shared.headers.push((
            "authorization".into(),
            crate::oauth::token::basic_header("shared", "b"),
        ));
        assert_eq!(tenant_of(&mut t, &shared), "b");
        shared.headers[0].1 = crate::oauth::token::basic_header("shared", "wrong");
        assert_eq!(tenant_of(&mut t, &shared), "a");
        // The path wins over the client.
        let mut named = get("/r4/aaaa-1/metadata");
        named.raw_query = Some("client_id=client-b".into());
        assert_eq!(tenant_of(&mut t, &named), "a");
    }

    #[test]
    fn mixed_vendors_and_duplicate_tenants_are_refused() {
        // (second tenant's id, its vendor, what the refusal says)
        for (id, vendor, says) in [("b", "w", "not v"), ("A", "v", "twice")] {
            let err = Tenants::new(vec![
                ("a".into(), Box::new(Named("a", "v"))),
                (id.into(), Box::new(Named("b", vendor))),
            ])
            .err()
            .unwrap_or_default();
            assert!(err.contains(says), "{err}");
        }
        assert!(Tenants::new(vec![]).is_err());
    }
}
