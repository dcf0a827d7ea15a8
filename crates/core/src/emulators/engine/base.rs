//! What every emulator owns besides its flows: the tenant it plays, its fault switches
//! and its virtual clock.

use std::collections::HashSet;
use std::hash::Hash;

use crate::emulators::clock::VirtualClock;
use crate::emulators::{ClientRegistration, Tenant, UserRegistration};

/// A fault switch known by its command-line name, so the engine can read the switches
/// every emulator shares under one name (see [`super::shared`]).
pub(crate) trait Named: Copy {
    fn name(self) -> &'static str;
}

#[derive(Debug)]
pub(crate) struct Base<F> {
    pub tenant: Tenant,
    faults: HashSet<F>,
    pub clock: VirtualClock,
}

impl<F: Eq + Hash> Base<F> {
    pub fn new(tenant: Tenant, faults: impl IntoIterator<Item = F>) -> Self {
        Self {
            tenant,
            faults: faults.into_iter().collect(),
            clock: VirtualClock::new(),
        }
    }

    /// Whether a fault switch is on.
    pub fn on(&self, fault: F) -> bool {
        self.faults.contains(&fault)
    }

    /// Whether the fault of this name is on: for the switches every emulator shares.
    pub fn on_named(&self, name: &str) -> bool
    where
        F: Named,
    {
        self.faults.iter().any(|f| f.name() == name)
    }

    pub fn now(&self) -> u64 {
        self.clock.now_unix()
    }

    pub fn client(&self, client_id: &str) -> Option<&ClientRegistration> {
        self.tenant
            .clients
            .iter()
            .find(|c| c.client_id == client_id)
    }

    /// A registered user; `ignore_case` for servers whose usernames are email
    /// addresses compared case-insensitively.
    pub fn user(&self, username: &str, ignore_case: bool) -> Option<&UserRegistration> {
        self.tenant.users.iter().find(|u| {
            if ignore_case {
                u.username.eq_ignore_ascii_case(username)
            } else {
                u.username == username
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Named for u8 {
        fn name(self) -> &'static str {
            if self == 1 { "one" } else { "other" }
        }
    }

    #[test]
    fn faults_clients_and_users() {
        let tenant = Tenant {
            clients: vec![ClientRegistration {
                client_id: "app".into(),
                secret: None,
                auth: crate::emulators::ClientAuth::None,
                redirect_uris: vec![],
                post_logout_redirect_uris: vec![],
                permitted_scopes: vec![],
                grant_types: vec![],
                jwks: None,
            }],
            users: vec![UserRegistration {
                username: "Ann@x".into(),
                password: "p".into(),
                portal_access: vec![],
            }],
            ..Tenant::default()
        };
        let base = Base::new(tenant, [1u8]);
        assert!(base.on(1) && !base.on(2));
        assert!(base.on_named("one") && !base.on_named("two"));
        assert!(base.client("app").is_some() && base.client("APP").is_none());
        assert!(base.user("ann@x", true).is_some());
        assert!(base.user("ann@x", false).is_none());
        assert!(base.now() > 1_700_000_000);
    }
}
