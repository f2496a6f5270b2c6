//! The sandbox as this computer hosts it: where a data folder keeps its state
//! and its address, starting it there with its address written (readable by
//! the user only) for the command line to find, and resetting it. The app's
//! Connection page, the Support page's reset and `sim` all go through here;
//! nobody else names these files.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::{start_with, Sandbox, SandboxError, SandboxOptions};
use crate::channel::token::Clock;

/// The running sandbox's address, in the data folder: one JSON line with
/// `token_url`, `api_base` and `admin_url` (as `sim` prints it).
pub const ENDPOINT_FILE: &str = "sandbox-endpoint.json";

/// The sandbox's state folder, in the data folder.
pub const STATE_DIR: &str = "sandbox";

/// Where a data folder's sandbox keeps its state and writes its address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    pub state_dir: PathBuf,
    pub endpoint_file: PathBuf,
}

impl Home {
    /// The sandbox of the data folder `data_dir`.
    pub fn in_data_dir(data_dir: &Path) -> Home {
        Home {
            state_dir: data_dir.join(STATE_DIR),
            endpoint_file: data_dir.join(ENDPOINT_FILE),
        }
    }
}

/// On this computer only, on a port the system chooses.
pub fn any_loopback_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// Starts a sandbox on `addr` with its state in `home` and writes its address
/// there. Failing to write the address is not fatal: the sandbox serves, and
/// the command line just does not find it.
pub async fn start(
    addr: SocketAddr,
    home: &Home,
    clock: Clock,
    options: SandboxOptions,
) -> Result<Sandbox, SandboxError> {
    let sandbox = start_with(addr, &home.state_dir, clock, options).await?;
    let endpoint = sandbox.endpoint_json().to_string();
    let file = home.endpoint_file.clone();
    let _ = tokio::task::spawn_blocking(move || {
        if let Some(parent) = file.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        crate::files::write_private(&file, endpoint.as_bytes())
    })
    .await;
    Ok(sandbox)
}

/// Stops `running` (when there is one), forgets its accounts, tokens and
/// declarations (its state folder deleted) and starts it afresh.
pub async fn reset(
    running: Option<Sandbox>,
    addr: SocketAddr,
    home: &Home,
    clock: Clock,
) -> Result<Sandbox, SandboxError> {
    if let Some(sandbox) = running {
        sandbox.stop().await;
    }
    let dir = home.state_dir.clone();
    let _ = tokio::task::spawn_blocking(move || std::fs::remove_dir_all(dir)).await;
    start(addr, home, clock, SandboxOptions::default()).await
}
