//! Where a remembered PFX password lives: only the OS keychain (the `keyring`
//! crate: macOS Keychain, Windows Credential Manager, the Secret Service on
//! Linux), and only when the user asks. Behind a small trait so that tests use
//! an in-memory stand-in. Every call may block: the app makes them on its
//! runtime, never in a frame.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::i18n::{tr_args, Lang};

/// The keychain's service name for this app's entries.
pub const SERVICE: &str = "fla-assistant";

/// What went wrong with the keychain.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SecretError {
    /// No keychain to use (no Secret Service on this Linux session, a locked store).
    #[error("the system keychain cannot be used: {0}")]
    Unavailable(String),
    #[error("the system keychain refused: {0}")]
    Failed(String),
}

impl SecretError {
    pub fn code(&self) -> &'static str {
        match self {
            SecretError::Unavailable(_) => "keychain_unavailable",
            SecretError::Failed(_) => "keychain_failed",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            SecretError::Unavailable(detail) => tr_args(
                lang,
                "secret.error.unavailable",
                &[("detail", detail.clone())],
            ),
            SecretError::Failed(detail) => {
                tr_args(lang, "secret.error.failed", &[("detail", detail.clone())])
            }
        }
    }
}

/// A place for secrets, by account name (the app uses the certificate's path).
pub trait SecretStore: Send + Sync {
    /// The secret kept for `account`, `None` when there is none.
    fn get(&self, account: &str) -> Result<Option<String>, SecretError>;
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError>;
    /// Forgets the secret (no error when there was none).
    fn delete(&self, account: &str) -> Result<(), SecretError>;
}

/// The account name under which the password of the file at `path` is kept.
pub fn pfx_account(path: &str) -> String {
    format!("pfx-password:{}", path.trim())
}

/// The OS keychain.
#[cfg(feature = "gui")]
#[derive(Debug, Default, Clone, Copy)]
pub struct Keychain;

#[cfg(feature = "gui")]
impl Keychain {
    fn entry(account: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(SERVICE, account).map_err(from_keyring)
    }
}

#[cfg(feature = "gui")]
fn from_keyring(e: keyring::Error) -> SecretError {
    match e {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            SecretError::Unavailable(e.to_string())
        }
        other => SecretError::Failed(other.to_string()),
    }
}

#[cfg(feature = "gui")]
impl SecretStore for Keychain {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        match Self::entry(account)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(from_keyring(e)),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        Self::entry(account)?
            .set_password(secret)
            .map_err(from_keyring)
    }

    fn delete(&self, account: &str) -> Result<(), SecretError> {
        match Self::entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(from_keyring(e)),
        }
    }
}

/// A keychain in memory (tests; nothing reaches the disk). `unavailable`
/// makes it answer as a system without a keychain does.
#[derive(Debug, Default)]
pub struct MemorySecrets {
    secrets: Mutex<HashMap<String, String>>,
    pub unavailable: bool,
}

impl MemorySecrets {
    /// A stand-in that answers as a system without a keychain.
    pub fn unavailable() -> MemorySecrets {
        MemorySecrets {
            unavailable: true,
            ..MemorySecrets::default()
        }
    }

    /// How many secrets it holds.
    pub fn len(&self) -> usize {
        self.secrets.lock().map(|s| s.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn check(&self) -> Result<(), SecretError> {
        if self.unavailable {
            Err(SecretError::Unavailable("no keychain (stand-in)".into()))
        } else {
            Ok(())
        }
    }
}

impl SecretStore for MemorySecrets {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        self.check()?;
        let secrets = self
            .secrets
            .lock()
            .map_err(|e| SecretError::Failed(e.to_string()))?;
        Ok(secrets.get(account).cloned())
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        self.check()?;
        self.secrets
            .lock()
            .map_err(|e| SecretError::Failed(e.to_string()))?
            .insert(account.to_owned(), secret.to_owned());
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<(), SecretError> {
        self.check()?;
        self.secrets
            .lock()
            .map_err(|e| SecretError::Failed(e.to_string()))?
            .remove(account);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stand_in_keeps_sets_and_forgets() {
        let store = MemorySecrets::default();
        assert_eq!(store.get("a").unwrap(), None);
        store.set("a", "s3cret").unwrap();
        assert_eq!(store.get("a").unwrap().as_deref(), Some("s3cret"));
        store.delete("a").unwrap();
        store.delete("a").unwrap();
        assert!(store.is_empty());
        let none = MemorySecrets {
            unavailable: true,
            ..MemorySecrets::default()
        };
        assert_eq!(
            none.set("a", "b").unwrap_err().code(),
            "keychain_unavailable"
        );
    }
}
