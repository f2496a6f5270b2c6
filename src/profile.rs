//! Where the app keeps its files: the OS data dir (or `FLA_DATA_DIR`, which tests
//! and portable installs use). Profiles and recent files come with later pages.

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
