//! Where the app keeps its files: the OS data dir (or `FLA_DATA_DIR`, which tests
//! and portable installs use), and the settings folder with the profiles and the
//! recent files (`store`), and the profiles of a session of the app
//! (`session`: which is current, what is written when).

use std::path::PathBuf;

/// The app's data folder: the journal (SSINs), the log, the sandbox's state
/// and address. The OS's *local* data folder: on Windows `%LOCALAPPDATA%`,
/// which stays on this computer, not the roaming `%APPDATA%` that a domain
/// copies to a server at each logon (a SQLite journal must not be copied
/// while it is open, and SSINs have no business on a file server). Elsewhere
/// the two are the same folder.
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("FLA_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("be", "fla-assistant", "fla-assistant")
        .map(|p| local_data_dir(p.data_local_dir(), p.data_dir()))
        .unwrap_or_else(|| std::env::temp_dir().join("fla-assistant"))
}

/// The local data folder, where an earlier version's roaming one (Windows)
/// is moved the first time, so that no journal is left behind; if it cannot
/// be moved (another process holds it), the roaming one is used as it is.
pub fn local_data_dir(local: &std::path::Path, roaming: &std::path::Path) -> PathBuf {
    if local == roaming || local.exists() || !roaming.exists() {
        return local.to_path_buf();
    }
    let moved = local
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::rename(roaming, local));
    match moved {
        Ok(()) => local.to_path_buf(),
        Err(_) => roaming.to_path_buf(),
    }
}

/// The sandbox of the app's data folder (its state, and its address for the
/// command line).
pub fn sandbox_home() -> crate::sandbox::host::Home {
    crate::sandbox::host::Home::in_data_dir(&data_dir())
}

/// The running sandbox's address file, written by whoever starts it.
pub fn sandbox_endpoint_file() -> PathBuf {
    sandbox_home().endpoint_file
}

/// The sandbox's state folder.
pub fn sandbox_state_dir() -> PathBuf {
    sandbox_home().state_dir
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
    export_profile, import_profile, Loaded, Profile, ProfileError, ProfileStore, RecentFiles,
    SetAside, PROFILE_VERSION, RECENT_FILES,
};

pub mod secret;
pub mod session;
mod store;

// A representative's clients are the checklist's (its MAHIS step owns them);
// named here too, as part of a profile.
pub use crate::checklist::{ClientEnterprise, MandateState};

#[cfg(test)]
mod tests {
    use super::local_data_dir;

    #[test]
    fn a_roaming_data_folder_is_moved_to_the_local_one_once() {
        let home = tempfile::tempdir().unwrap();
        let roaming = home.path().join("Roaming/fla-assistant/data");
        let local = home.path().join("Local/fla-assistant/data");
        // A new install: the local folder, nothing made yet.
        assert_eq!(local_data_dir(&local, &roaming), local);
        assert!(!local.exists());
        // An earlier version's journal in the roaming folder moves along.
        std::fs::create_dir_all(&roaming).unwrap();
        std::fs::write(roaming.join("journal.sqlite"), b"rows").unwrap();
        assert_eq!(local_data_dir(&local, &roaming), local);
        assert_eq!(
            std::fs::read(local.join("journal.sqlite")).unwrap(),
            b"rows"
        );
        assert!(!roaming.exists());
        // Once local, a roaming folder made since is left alone.
        std::fs::create_dir_all(&roaming).unwrap();
        assert_eq!(local_data_dir(&local, &roaming), local);
        assert!(roaming.exists());
        // Where both are one folder (Linux, macOS), nothing moves.
        assert_eq!(local_data_dir(&local, &local), local);
    }
}
