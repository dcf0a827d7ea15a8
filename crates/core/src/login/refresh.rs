//! The `refresh` login driver: a refresh token a person obtained once stands for a
//! user's sign-in, so that the scenarios that only need tokens run unattended every
//! night.
//!
//! One refresh token is one chain: a server that rotates refresh tokens (RFC 9700
//! §4.14.2) invalidates the old one at each use, and may revoke the whole chain when
//! an old one comes back. So the token is leased to one scenario at a time, for the
//! scenario's whole life, and every rotation is written back to the profile's token
//! file at once (atomically: a crash never leaves half a token) before anything else
//! happens; the next run starts from the newest token.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::{Mutex, OwnedMutexGuard};

/// A target's refresh token: where it is kept, and the token now.
#[derive(Debug)]
pub struct RefreshStore {
    /// The file rotated tokens are written to; `None` when the token came from a
    /// variable (a rotation then cannot be kept, and the run says so).
    file: Option<PathBuf>,
    current: Arc<Mutex<String>>,
}

/// One scenario's hold on the token chain, until it is dropped.
#[derive(Debug)]
pub struct RefreshLease {
    file: Option<PathBuf>,
    token: OwnedMutexGuard<String>,
}

/// What became of a rotated token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept {
    /// Written to the token file.
    Saved(PathBuf),
    /// The token came from a variable: the new one lives only in this run.
    NotSaved,
}

impl RefreshStore {
    /// `token` is the profile's (already read from the file when `file` is given,
    /// relative paths resolved against the profile's folder).
    pub fn new(token: String, file: Option<PathBuf>) -> Self {
        Self {
            file,
            current: Arc::new(Mutex::new(token)),
        }
    }

    /// The token file, if the token came from one.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// Waits until no other scenario holds the chain, then holds it.
    pub async fn lease(&self) -> RefreshLease {
        RefreshLease {
            file: self.file.clone(),
            token: self.current.clone().lock_owned().await,
        }
    }
}

impl RefreshLease {
    /// The chain's current refresh token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Whether `token` is the chain's (a scenario may also hold refresh tokens of its
    /// own, or probe with bogus ones).
    pub fn is_chain(&self, token: &str) -> bool {
        *self.token == token
    }

    /// The server answered the chain's token with `new`: it is the chain's now, kept
    /// in the token file before this returns.
    pub fn rotate(&mut self, new: &str) -> Result<Kept, String> {
        if *self.token == new {
            return Ok(match &self.file {
                Some(f) => Kept::Saved(f.clone()),
                None => Kept::NotSaved,
            });
        }
        *self.token = new.to_string();
        match &self.file {
            Some(f) => write_atomically(f, new).map(|()| Kept::Saved(f.clone())),
            None => Ok(Kept::NotSaved),
        }
    }
}

/// Replaces `path`'s content with `token` and a newline: written to a temporary file
/// beside it (owner-only), flushed to disk, then renamed over it.
pub fn write_atomically(path: &Path, token: &str) -> Result<(), String> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    let fail = |what: &str, e: std::io::Error| {
        format!(
            "the server rotated the refresh token, but the new one could not be saved to \
             {} ({what}: {e}); the next run will need a new sign-in",
            path.display()
        )
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".grantcheck-refresh-")
        .tempfile_in(dir)
        .map_err(|e| fail("temporary file", e))?;
    tmp.write_all(format!("{token}\n").as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| fail("write", e))?;
    tmp.persist(path).map_err(|e| fail("rename", e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn one_scenario_holds_the_chain_at_a_time_and_rotations_reach_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("refresh.token");
        std::fs::write(&file, "rt-1\n").unwrap();
        let store = Arc::new(RefreshStore::new("rt-1".into(), Some(file.clone())));
        let mut first = store.lease().await;
        assert_eq!(first.token(), "rt-1");
        let s2 = store.clone();
        let second = tokio::spawn(async move { s2.lease().await.token().to_string() });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!second.is_finished(), "the chain is held");
        assert_eq!(first.rotate("rt-2"), Ok(Kept::Saved(file.clone())));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "rt-2\n");
        assert!(first.is_chain("rt-2") && !first.is_chain("rt-1"));
        drop(first);
        assert_eq!(
            second.await.unwrap(),
            "rt-2",
            "the next scenario gets the new one"
        );
        // Only the token file is left in the folder: no temporary file remains.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[tokio::test]
    async fn a_token_from_a_variable_rotates_in_memory_only() {
        let store = RefreshStore::new("rt-1".into(), None);
        let mut lease = store.lease().await;
        assert_eq!(lease.rotate("rt-2"), Ok(Kept::NotSaved));
        drop(lease);
        assert_eq!(store.lease().await.token(), "rt-2");
    }

    #[test]
    fn a_file_that_cannot_be_written_says_what_to_do() {
        let err = write_atomically(Path::new("/proc/no-such-dir/refresh.token"), "x").unwrap_err();
        assert!(err.contains("new sign-in"), "{err}");
    }
}
