//! Where the app keeps its files: the OS data dir (or `FLA_DATA_DIR`, which tests
//! and portable installs use), and the settings folder with the profiles and the
//! recent files (`store`).

use std::path::PathBuf;

/// The app's data folder (the sandbox's state and address live under it).
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("FLA_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("be", "fla-assistant", "fla-assistant")
        .map(|p| p.data_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join("fla-assistant"))
}

/// The running sandbox's address file, written by whoever starts it.
pub fn sandbox_endpoint_file() -> PathBuf {
    data_dir().join("sandbox-endpoint.json")
}

/// The sandbox's state folder.
pub fn sandbox_state_dir() -> PathBuf {
    data_dir().join("sandbox")
}

/// The app's settings folder (profiles, recent files): the OS config dir, or
/// `FLA_CONFIG_DIR` (tests, portable installs).
pub fn config_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("FLA_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("be", "fla-assistant", "fla-assistant")
        .map(|p| p.config_dir().to_path_buf())
        .unwrap_or_else(|| data_dir().join("config"))
}

#[cfg(feature = "gui")]
pub use secret::Keychain;
pub use secret::{pfx_account, MemorySecrets, SecretError, SecretStore};
pub use store::{
    export_profile, import_profile, ClientEnterprise, Loaded, MandateState, Profile, ProfileError,
    ProfileStore, RecentFiles, SetAside, PROFILE_VERSION, RECENT_FILES,
};

pub mod secret;
mod store;
