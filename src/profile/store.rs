//! Profiles and recent files on disk: one JSON file per profile in the settings
//! folder, each with a format version, written through a temporary file and a
//! rename. A file that cannot be read is set aside under a new name and reported,
//! never silently replaced. No secret is ever part of a profile: the PFX password
//! lives in memory, or in the OS keychain when the user asks for it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::channel::env::EnvironmentKind;
use crate::checklist::{ClientEnterprise, Rehearsal, Role, Step};
use crate::i18n::{tr_args, Lang};

/// The format version this build writes. Older files are migrated on load.
pub const PROFILE_VERSION: u32 = 2;

/// How many recent files are kept.
pub const RECENT_FILES: usize = 10;

/// Everything one way of sending keeps: who sends, for whom, where, with what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Profile {
    pub version: u32,
    pub name: String,
    pub role: Option<Role>,
    /// The employer's own enterprise number (ten digits).
    pub enterprise: String,
    /// A representative's client enterprises.
    pub clients: Vec<ClientEnterprise>,
    pub environment: EnvironmentKind,
    /// The client ID for acceptance and production (Chaman's).
    pub client_id: String,
    /// The client ID the app's sandbox gave: kept apart, so that a rehearsal
    /// never takes the place of the real one.
    pub sandbox_client_id: String,
    pub certificate_path: String,
    pub alias: String,
    /// Steps of the real path, ticked by hand or by what the app saw against
    /// a real environment.
    pub ticked: BTreeSet<Step>,
    /// Steps of the rehearsal in the sandbox the app saw done.
    pub rehearsed: BTreeSet<Rehearsal>,
    /// The import mapping: field → column header.
    pub import_mapping: BTreeMap<String, String>,
    /// Whether the PFX password is kept in the OS keychain (never in this file).
    pub password_in_keychain: bool,
    /// The page last used, for the next start once the checklist is done.
    pub last_page: String,
    /// Whether Dimona is declared too, besides the FLA (the Checklist asks).
    pub dimona: bool,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            version: PROFILE_VERSION,
            name: String::new(),
            role: None,
            enterprise: String::new(),
            clients: Vec::new(),
            environment: EnvironmentKind::Sandbox,
            client_id: String::new(),
            sandbox_client_id: String::new(),
            certificate_path: String::new(),
            alias: String::new(),
            ticked: BTreeSet::new(),
            rehearsed: BTreeSet::new(),
            import_mapping: BTreeMap::new(),
            password_in_keychain: false,
            last_page: String::new(),
            dimona: false,
        }
    }
}

impl Profile {
    /// The client ID kept for `environment`: the sandbox's own, or the one
    /// for acceptance and production.
    pub fn client_id_for(&self, environment: EnvironmentKind) -> &str {
        if environment == EnvironmentKind::Sandbox {
            &self.sandbox_client_id
        } else {
            &self.client_id
        }
    }

    pub fn set_client_id_for(&mut self, environment: EnvironmentKind, id: String) {
        if environment == EnvironmentKind::Sandbox {
            self.sandbox_client_id = id;
        } else {
            self.client_id = id;
        }
    }

    /// A copy to hand to a colleague: what is personal to this machine (the
    /// certificate's path, the keychain choice, the last page) is left out.
    pub fn for_export(&self) -> Profile {
        Profile {
            certificate_path: String::new(),
            password_in_keychain: false,
            last_page: String::new(),
            ..self.clone()
        }
    }
}

/// What went wrong with the settings files.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("cannot write {path}: {detail}")]
    WriteFailed { path: String, detail: String },
    #[error("cannot read {path}: {detail}")]
    Unreadable { path: String, detail: String },
    #[error("{path} is not a profile: {detail}")]
    NotAProfile { path: String, detail: String },
    #[error("{path} was written by a newer version (format {found})")]
    TooNew { path: String, found: u64 },
}

impl ProfileError {
    pub fn code(&self) -> &'static str {
        match self {
            ProfileError::WriteFailed { .. } => "write_failed",
            ProfileError::Unreadable { .. } => "unreadable",
            ProfileError::NotAProfile { .. } => "not_a_profile",
            ProfileError::TooNew { .. } => "too_new",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            ProfileError::WriteFailed { path, detail } => tr_args(
                lang,
                "profile.error.write_failed",
                &[("path", path.clone()), ("detail", detail.clone())],
            ),
            ProfileError::Unreadable { path, detail } => tr_args(
                lang,
                "profile.error.unreadable",
                &[("path", path.clone()), ("detail", detail.clone())],
            ),
            ProfileError::NotAProfile { path, detail } => tr_args(
                lang,
                "profile.error.not_a_profile",
                &[("path", path.clone()), ("detail", detail.clone())],
            ),
            ProfileError::TooNew { path, found } => tr_args(
                lang,
                "profile.error.too_new",
                &[("path", path.clone()), ("found", found.to_string())],
            ),
        }
    }
}

/// A settings file that could not be read and was moved aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    pub file: PathBuf,
    pub moved_to: PathBuf,
    pub reason: String,
}

impl SetAside {
    pub fn message(&self, lang: Lang) -> String {
        tr_args(
            lang,
            "profile.set_aside",
            &[
                ("file", self.file.display().to_string()),
                ("moved_to", self.moved_to.display().to_string()),
                ("reason", self.reason.clone()),
            ],
        )
    }
}

/// The recent files, newest first, at most [`RECENT_FILES`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecentFiles {
    pub version: u32,
    pub paths: Vec<String>,
}

impl RecentFiles {
    /// Puts `path` first (once), dropping the oldest beyond the limit.
    pub fn push(&mut self, path: &str) {
        self.paths.retain(|p| p != path);
        self.paths.insert(0, path.to_owned());
        self.paths.truncate(RECENT_FILES);
    }

    pub fn clear(&mut self) {
        self.paths.clear();
    }
}

/// The profiles in a settings folder.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    dir: PathBuf,
}

/// What [`ProfileStore::load`] found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// By file stem (the profile's id), sorted by name.
    pub profiles: Vec<(String, Profile)>,
    /// Files that could not be read, moved aside.
    pub set_aside: Vec<SetAside>,
    /// Files left alone because a newer version wrote them.
    pub too_new: Vec<ProfileError>,
    /// Files that could not be read this time (no permission, locked by
    /// another program): left where they are, as they are, and said.
    pub unreadable: Vec<ProfileError>,
}

impl ProfileStore {
    pub fn new(dir: impl Into<PathBuf>) -> ProfileStore {
        ProfileStore { dir: dir.into() }
    }

    /// The store in the app's settings folder.
    pub fn default_location() -> ProfileStore {
        ProfileStore::new(super::config_dir())
    }

    fn profiles_dir(&self) -> PathBuf {
        self.dir.join("profiles")
    }

    fn path_of(&self, id: &str) -> PathBuf {
        self.profiles_dir().join(format!("{id}.json"))
    }

    /// Reads every profile; damaged files are set aside (and reported), files of
    /// a newer version are left alone (and reported).
    pub fn load(&self) -> Result<Loaded, ProfileError> {
        let mut loaded = Loaded::default();
        let dir = self.profiles_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(loaded),
            Err(e) => {
                return Err(ProfileError::Unreadable {
                    path: dir.display().to_string(),
                    detail: e.to_string(),
                })
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let Some(id) = path.file_stem().and_then(|s| s.to_str()).map(str::to_owned) else {
                continue;
            };
            match read_profile(&path) {
                Ok(profile) => loaded.profiles.push((id, profile)),
                Err(e @ ProfileError::TooNew { .. }) => loaded.too_new.push(e),
                // A read that failed says nothing of the file: never moved.
                Err(e @ ProfileError::Unreadable { .. }) => loaded.unreadable.push(e),
                Err(e) => loaded.set_aside.push(set_aside(&path, e.to_string())?),
            }
        }
        loaded
            .profiles
            .sort_by_key(|(_, profile)| profile.name.to_lowercase());
        Ok(loaded)
    }

    /// Writes a profile under `id` (atomically).
    pub fn save(&self, id: &str, profile: &Profile) -> Result<(), ProfileError> {
        let mut profile = profile.clone();
        profile.version = PROFILE_VERSION;
        write_json(&self.path_of(id), &profile)
    }

    /// A new id for a profile named `name`: its letters and digits, made unique.
    pub fn new_id(&self, name: &str) -> String {
        let base: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .split('-')
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let base = if base.is_empty() {
            "profile".to_owned()
        } else {
            base
        };
        let mut id = base.clone();
        let mut n = 2;
        while self.path_of(&id).exists() {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }

    pub fn delete(&self, id: &str) -> Result<(), ProfileError> {
        let path = self.path_of(id);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(ProfileError::WriteFailed {
                path: path.display().to_string(),
                detail: e.to_string(),
            }),
        }
    }

    /// The recent files (a damaged file is set aside and an empty list returned).
    pub fn recent_files(&self) -> (RecentFiles, Option<SetAside>) {
        let path = self.dir.join("recent-files.json");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(_) => return (RecentFiles::default(), None),
        };
        match serde_json::from_str::<RecentFiles>(&text) {
            Ok(recent) => (recent, None),
            Err(e) => (RecentFiles::default(), set_aside(&path, e.to_string()).ok()),
        }
    }

    pub fn save_recent_files(&self, recent: &RecentFiles) -> Result<(), ProfileError> {
        let mut recent = recent.clone();
        recent.version = PROFILE_VERSION;
        write_json(&self.dir.join("recent-files.json"), &recent)
    }
}

/// Writes a profile to hand to a colleague (see [`Profile::for_export`]).
pub fn export_profile(profile: &Profile, path: &Path) -> Result<(), ProfileError> {
    write_json(path, &profile.for_export())
}

/// Reads a profile a colleague handed over.
pub fn import_profile(path: &Path) -> Result<Profile, ProfileError> {
    read_profile(path).map(|p| p.for_export())
}

fn read_profile(path: &Path) -> Result<Profile, ProfileError> {
    let not_a_profile = |detail: String| ProfileError::NotAProfile {
        path: path.display().to_string(),
        detail,
    };
    let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
        // Read whole but not text: the file itself is damaged.
        std::io::ErrorKind::InvalidData => not_a_profile(e.to_string()),
        _ => ProfileError::Unreadable {
            path: path.display().to_string(),
            detail: e.to_string(),
        },
    })?;
    let value: Value = serde_json::from_str(&text).map_err(|e| not_a_profile(e.to_string()))?;
    let Value::Object(map) = &value else {
        return Err(not_a_profile("not a JSON object".into()));
    };
    let version = map.get("version").and_then(Value::as_u64).unwrap_or(0);
    if version > u64::from(PROFILE_VERSION) {
        return Err(ProfileError::TooNew {
            path: path.display().to_string(),
            found: version,
        });
    }
    let value = migrate(value, version);
    serde_json::from_value(value).map_err(|e| not_a_profile(e.to_string()))
}

/// Brings an older profile to the current format. Version 0 (no version field)
/// and 1 have the same fields. Version 2 keeps the sandbox apart from the
/// real path: the first declaration in the sandbox moves from the real steps
/// to the rehearsal; a profile last used in the sandbox had its token test
/// and its account ticked there, by the sandbox's client ID, which moves too.
fn migrate(mut value: Value, from: u64) -> Value {
    if from < 2 {
        if let Value::Object(map) = &mut value {
            // A file without an environment was loaded as the sandbox.
            let in_sandbox = map
                .get("environment")
                .is_none_or(|e| e.as_str() == Some("sandbox"));
            let mut ticked: Vec<Value> = match map.remove("ticked") {
                Some(Value::Array(list)) => list,
                _ => Vec::new(),
            };
            let mut rehearsed = Vec::new();
            ticked.retain(|step| {
                let moved = match step.as_str() {
                    Some("sandbox_declaration") => Some("declaration"),
                    Some("token_test") if in_sandbox => Some("token_test"),
                    Some("account") if in_sandbox => Some("registered"),
                    _ => None,
                };
                if let Some(to) = moved {
                    rehearsed.push(Value::from(to));
                }
                moved.is_none()
            });
            map.insert("ticked".into(), Value::Array(ticked));
            map.insert("rehearsed".into(), Value::Array(rehearsed));
            if in_sandbox {
                let id = map.remove("clientId").unwrap_or(Value::from(""));
                map.insert("sandboxClientId".into(), id);
                map.insert("clientId".into(), Value::from(""));
            }
        }
    }
    value
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), ProfileError> {
    let fail = |detail: String| ProfileError::WriteFailed {
        path: path.display().to_string(),
        detail,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| fail(e.to_string()))?;
    }
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| fail(e.to_string()))?;
    crate::files::write_private(path, &bytes).map_err(|e| fail(e.to_string()))
}

/// Moves a damaged file to `<name>.damaged-<n>` beside it.
fn set_aside(path: &Path, reason: String) -> Result<SetAside, ProfileError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut n = 1;
    let mut moved_to = path.with_file_name(format!("{name}.damaged-{n}"));
    while moved_to.exists() {
        n += 1;
        moved_to = path.with_file_name(format!("{name}.damaged-{n}"));
    }
    std::fs::rename(path, &moved_to).map_err(|e| ProfileError::WriteFailed {
        path: path.display().to_string(),
        detail: e.to_string(),
    })?;
    Ok(SetAside {
        file: path.to_path_buf(),
        moved_to,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::MandateState;

    fn sample() -> Profile {
        Profile {
            name: "Sociaal secretariaat Voorbeeld".into(),
            role: Some(Role::Representative),
            clients: vec![ClientEnterprise {
                enterprise: "0202239951".into(),
                name: "Klant NV".into(),
                mandate: MandateState::Active,
                checked_on: Some("2026-11-20".into()),
            }],
            client_id: "self_service_chaman_123_abcdefghij".into(),
            certificate_path: "/home/hr/cert.pfx".into(),
            alias: "1".into(),
            ticked: [Step::Identify, Step::Register].into_iter().collect(),
            import_mapping: [("ssin".to_owned(), "INSZ".to_owned())]
                .into_iter()
                .collect(),
            password_in_keychain: true,
            ..Profile::default()
        }
    }

    #[test]
    fn a_profile_comes_back_as_it_was_saved() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        let id = store.new_id("Sociaal secretariaat Voorbeeld");
        assert_eq!(id, "sociaal-secretariaat-voorbeeld");
        store.save(&id, &sample()).unwrap();
        assert_eq!(
            store.new_id("Sociaal secretariaat Voorbeeld"),
            format!("{id}-2")
        );
        let loaded = store.load().unwrap();
        assert_eq!(loaded.profiles, vec![(id.clone(), sample())]);
        assert!(loaded.set_aside.is_empty());
        // Only the profile file is left: no temporary file behind.
        let files: Vec<_> = std::fs::read_dir(dir.path().join("profiles"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        store.delete(&id).unwrap();
        assert!(store.load().unwrap().profiles.is_empty());
    }

    #[test]
    fn a_file_that_cannot_be_read_now_is_left_in_place_and_said() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        store.save("good", &sample()).unwrap();
        let profiles = dir.path().join("profiles");
        // A read that fails (here: a folder where a file was expected; on
        // Windows, a file another program holds locked) is not damage.
        std::fs::create_dir(profiles.join("locked.json")).unwrap();
        // Bytes that are not text are.
        std::fs::write(profiles.join("binary.json"), b"\xff\xfe\x00garbage").unwrap();
        let loaded = store.load().unwrap();
        assert_eq!(loaded.profiles.len(), 1);
        assert_eq!(loaded.unreadable.len(), 1, "{loaded:?}");
        assert_eq!(loaded.unreadable[0].code(), "unreadable");
        assert!(profiles.join("locked.json").exists(), "left where it was");
        assert!(!profiles.join("locked.json.damaged-1").exists());
        assert_eq!(loaded.set_aside.len(), 1, "{loaded:?}");
        assert!(loaded.set_aside[0]
            .moved_to
            .ends_with("binary.json.damaged-1"));
    }

    #[test]
    fn a_damaged_file_is_set_aside_and_reported_and_a_newer_one_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        store.save("good", &sample()).unwrap();
        let profiles = dir.path().join("profiles");
        std::fs::write(profiles.join("broken.json"), b"{\"name\": \"half").unwrap();
        std::fs::write(
            profiles.join("future.json"),
            b"{\"version\": 9, \"name\": \"x\"}",
        )
        .unwrap();
        let loaded = store.load().unwrap();
        assert_eq!(loaded.profiles.len(), 1);
        assert_eq!(loaded.set_aside.len(), 1);
        let aside = &loaded.set_aside[0];
        assert!(
            aside.moved_to.ends_with("broken.json.damaged-1"),
            "{aside:?}"
        );
        assert_eq!(
            std::fs::read(&aside.moved_to).unwrap(),
            b"{\"name\": \"half",
            "the damaged content is kept as it was"
        );
        assert!(aside.message(Lang::Nl).contains("broken.json.damaged-1"));
        assert_eq!(loaded.too_new.len(), 1);
        assert_eq!(loaded.too_new[0].code(), "too_new");
        assert!(
            profiles.join("future.json").exists(),
            "a newer file is not touched"
        );
    }

    #[test]
    fn an_old_file_without_version_loads_with_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        let profiles = dir.path().join("profiles");
        std::fs::create_dir_all(&profiles).unwrap();
        std::fs::write(
            profiles.join("old.json"),
            br#"{"name": "Old", "clientId": "abc"}"#,
        )
        .unwrap();
        let loaded = store.load().unwrap();
        // Used in the sandbox (the default then): its client ID is the sandbox's.
        assert_eq!(loaded.profiles[0].1.sandbox_client_id, "abc");
        assert_eq!(loaded.profiles[0].1.client_id, "");
        assert_eq!(loaded.profiles[0].1.environment, EnvironmentKind::Sandbox);
    }

    /// Writes `json` as profile `id` of a fresh store and loads it.
    fn load_one(json: &str) -> Profile {
        let dir = tempfile::tempdir().unwrap();
        let profiles = dir.path().join("profiles");
        std::fs::create_dir_all(&profiles).unwrap();
        std::fs::write(profiles.join("one.json"), json).unwrap();
        let mut loaded = ProfileStore::new(dir.path()).load().unwrap();
        assert!(loaded.set_aside.is_empty(), "{:?}", loaded.set_aside);
        loaded.profiles.remove(0).1
    }

    #[test]
    fn ticks_the_sandbox_made_move_from_the_real_steps_to_the_rehearsal() {
        // Last used in the sandbox: everything the app ticked came from it.
        let sandbox = load_one(
            r#"{"version": 1, "name": "Bakkerij", "environment": "sandbox",
                "clientId": "self_service_chaman_634233_z0ckyngr0d",
                "ticked": ["identify", "account", "token_test", "sandbox_declaration"]}"#,
        );
        assert_eq!(sandbox.ticked, [Step::Identify].into_iter().collect());
        assert_eq!(
            sandbox.rehearsed,
            [
                Rehearsal::Registered,
                Rehearsal::TokenTest,
                Rehearsal::Declaration
            ]
            .into_iter()
            .collect()
        );
        assert_eq!(sandbox.client_id, "");
        assert_eq!(
            sandbox.sandbox_client_id,
            "self_service_chaman_634233_z0ckyngr0d"
        );
        // Last used against acceptance: its token test and account were real;
        // a declaration in the sandbox was one all the same.
        let real = load_one(
            r#"{"version": 1, "name": "Bakkerij", "environment": "acceptance",
                "clientId": "self_service_chaman_634233_z0ckyngr0d",
                "ticked": ["account", "token_test", "sandbox_declaration", "real_declaration"]}"#,
        );
        assert_eq!(
            real.ticked,
            [Step::Account, Step::TokenTest, Step::RealDeclaration]
                .into_iter()
                .collect()
        );
        assert_eq!(
            real.rehearsed,
            [Rehearsal::Declaration].into_iter().collect()
        );
        assert_eq!(real.client_id, "self_service_chaman_634233_z0ckyngr0d");
        assert_eq!(real.sandbox_client_id, "");
        // A profile of this version is read as written.
        let now = load_one(
            r#"{"version": 2, "name": "B", "environment": "sandbox", "clientId": "x",
                "ticked": ["token_test"], "rehearsed": ["certificate"]}"#,
        );
        assert_eq!(now.client_id, "x");
        assert_eq!(now.ticked, [Step::TokenTest].into_iter().collect());
    }

    #[test]
    fn an_exported_profile_leaves_out_what_is_personal() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("handover.json");
        export_profile(&sample(), &file).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains("/home/hr/cert.pfx"), "{text}");
        let back = import_profile(&file).unwrap();
        assert_eq!(back.client_id, sample().client_id);
        assert_eq!(back.clients, sample().clients);
        assert!(!back.password_in_keychain);
    }

    #[test]
    fn recent_files_keep_ten_newest_first_and_clear() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        let mut recent = store.recent_files().0;
        for i in 0..12 {
            recent.push(&format!("/f{i}.pfx"));
        }
        recent.push("/f5.pfx");
        store.save_recent_files(&recent).unwrap();
        let back = store.recent_files().0;
        assert_eq!(back.paths.len(), RECENT_FILES);
        assert_eq!(back.paths[0], "/f5.pfx");
        assert_eq!(back.paths[1], "/f11.pfx");
        assert_eq!(back.paths.iter().filter(|p| *p == "/f5.pfx").count(), 1);
        let mut cleared = back;
        cleared.clear();
        store.save_recent_files(&cleared).unwrap();
        assert!(store.recent_files().0.paths.is_empty());
        std::fs::write(dir.path().join("recent-files.json"), b"[[[").unwrap();
        let (empty, aside) = store.recent_files();
        assert!(empty.paths.is_empty());
        assert!(aside.is_some());
    }
}
