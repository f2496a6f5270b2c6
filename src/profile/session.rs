//! The profiles of a session of the app: which one is current, the others to
//! switch to, the recent files, and what is written to the settings folder
//! when (a change of the current profile, a switch, a new, a renamed or a
//! deleted one), one write at a time in order, on the runtime. Damaged files
//! found at start are set aside and said (`notices`). Knows nothing of egui:
//! the app gives it a runtime and a way to repaint (as `submit::host`); the
//! Settings page and the checklist only call it.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{pfx_account, Profile, ProfileError, ProfileStore, RecentFiles};
use crate::checklist::Step;
use crate::i18n::{Lang, Msg};

/// A write to the settings folder.
enum Write {
    Save(String, Box<Profile>),
    Delete(String),
    Recent(RecentFiles),
}

fn run_write(store: &ProfileStore, write: Write) -> Result<(), ProfileError> {
    match write {
        Write::Save(id, profile) => store.save(&id, &profile),
        Write::Delete(id) => store.delete(&id),
        Write::Recent(recent) => store.save_recent_files(&recent),
    }
}

/// The writer on the runtime: writes in the order given, one at a time.
struct Writer {
    tx: tokio::sync::mpsc::UnboundedSender<Write>,
    /// Writes given and not done.
    pending: Arc<AtomicUsize>,
    /// Writes that failed, to say.
    failed: Arc<Mutex<Vec<Msg>>>,
}

/// The current profile and the others, as this run of the app holds them.
pub struct ProfileSession {
    store: ProfileStore,
    /// The current profile's id (its file's name).
    pub id: String,
    pub profile: Profile,
    /// The current profile as last written (or read): a difference is a change to write.
    saved: Option<Profile>,
    /// The other profiles, by id.
    others: Vec<(String, Profile)>,
    /// The recent files (certificates and spreadsheets opened), newest first.
    pub recent: RecentFiles,
    /// Said once at the top of the page: files set aside, a write that failed.
    pub notices: Vec<Msg>,
    /// Writes waiting for the writer (before it starts).
    writes: VecDeque<Write>,
    writer: Option<Writer>,
}

impl ProfileSession {
    /// Reads the profiles in `config_dir` and takes `wanted` (the last one used),
    /// else the first, else a new one. Damaged files are set aside and said.
    pub fn load(config_dir: PathBuf, wanted: Option<&str>) -> ProfileSession {
        let store = ProfileStore::new(config_dir);
        let mut notices = Vec::new();
        let loaded = match store.load() {
            Ok(loaded) => loaded,
            Err(e) => {
                notices.push(Msg::from_fn(move |lang| e.message(lang)));
                Default::default()
            }
        };
        for aside in loaded.set_aside {
            notices.push(Msg::from_fn(move |lang| aside.message(lang)));
        }
        for left_alone in loaded.too_new.into_iter().chain(loaded.unreadable) {
            notices.push(Msg::from_fn(move |lang| left_alone.message(lang)));
        }
        let (recent, recent_aside) = store.recent_files();
        if let Some(aside) = recent_aside {
            notices.push(Msg::from_fn(move |lang| aside.message(lang)));
        }
        let mut others = loaded.profiles;
        let chosen = wanted
            .and_then(|w| others.iter().position(|(id, _)| id == w))
            .or(if others.is_empty() { None } else { Some(0) })
            .map(|i| others.remove(i));
        let (id, profile, saved) = match chosen {
            Some((id, profile)) => (id, profile.clone(), Some(profile)),
            None => (store.new_id("default"), Profile::default(), None),
        };
        ProfileSession {
            store,
            id,
            profile,
            saved,
            others,
            recent,
            notices,
            writes: VecDeque::new(),
            writer: None,
        }
    }

    /// Starts the writer (once) on `runtime`: the writes asked until now, then
    /// each as it is asked. `repaint` when one fails (its notice to show).
    pub fn start(
        &mut self,
        runtime: &tokio::runtime::Handle,
        repaint: Arc<dyn Fn() + Send + Sync>,
    ) {
        if self.writer.is_some() {
            return;
        }
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Write>();
        let pending = Arc::new(AtomicUsize::new(0));
        let failed = Arc::new(Mutex::new(Vec::new()));
        let store = self.store.clone();
        let (left, lost) = (pending.clone(), failed.clone());
        runtime.spawn(async move {
            while let Some(write) = rx.recv().await {
                let store = store.clone();
                let done = tokio::task::spawn_blocking(move || run_write(&store, write)).await;
                if let Ok(Err(e)) = done {
                    lost.lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(Msg::from_fn(move |lang| e.message(lang)));
                    repaint();
                }
                left.fetch_sub(1, Ordering::SeqCst);
            }
        });
        self.writer = Some(Writer {
            tx,
            pending,
            failed,
        });
        self.flush();
    }

    /// Hands the writes asked to the writer (kept here until it starts).
    fn flush(&mut self) {
        let Some(writer) = &self.writer else { return };
        while let Some(write) = self.writes.pop_front() {
            writer.pending.fetch_add(1, Ordering::SeqCst);
            if let Err(back) = writer.tx.send(write) {
                writer.pending.fetch_sub(1, Ordering::SeqCst);
                self.writes.push_front(back.0);
                return;
            }
        }
    }

    fn write(&mut self, write: Write) {
        self.writes.push_back(write);
        self.flush();
    }

    /// Writes the current profile when it changed, and says the writes that
    /// failed (every frame: cheap when nothing changed).
    pub fn save_if_changed(&mut self) {
        if self.saved.as_ref() != Some(&self.profile) {
            self.saved = Some(self.profile.clone());
            self.write(Write::Save(self.id.clone(), Box::new(self.profile.clone())));
        }
        if let Some(writer) = &self.writer {
            let mut failed = writer
                .failed
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            self.notices.append(&mut failed);
        }
    }

    /// True while a write is asked and not done.
    pub fn is_writing(&self) -> bool {
        !self.writes.is_empty()
            || self
                .writer
                .as_ref()
                .is_some_and(|w| w.pending.load(Ordering::SeqCst) > 0)
    }

    /// Writes what is left (the app is closing): waits (at most 5 s) for the
    /// writer, then writes here what it did not take.
    pub fn settle(&mut self) {
        if self.saved.as_ref() != Some(&self.profile) {
            self.saved = Some(self.profile.clone());
            self.write(Write::Save(self.id.clone(), Box::new(self.profile.clone())));
        }
        let start = Instant::now();
        while let Some(writer) = &self.writer {
            if writer.pending.load(Ordering::SeqCst) == 0
                || start.elapsed() > Duration::from_secs(5)
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        while let Some(write) = self.writes.pop_front() {
            let _ = run_write(&self.store, write);
        }
    }

    /// Makes a new profile named `name` the current one.
    pub fn new_profile(&mut self, name: &str) {
        let name = name.trim().to_owned();
        let id = self.unique_id(&name);
        self.take_up(
            id,
            Profile {
                name,
                ..Profile::default()
            },
        );
    }

    pub fn rename(&mut self, name: &str) {
        self.profile.name = name.trim().to_owned();
    }

    /// Deletes the current profile; the first other one (or a new one) is
    /// current then. The keychain's account of its certificate's password when
    /// it remembered one no other profile shares (to be forgotten too), with
    /// the profile deleted.
    pub fn delete(&mut self) -> Option<(String, Profile)> {
        self.write(Write::Delete(self.id.clone()));
        let path = self.profile.certificate_path.trim().to_owned();
        let shared = self.other_remembers(&path);
        let forget = (self.profile.password_in_keychain && !path.is_empty() && !shared)
            .then(|| (pfx_account(&path), self.profile.clone()));
        let (id, profile) = if self.others.is_empty() {
            (self.unique_id("default"), Profile::default())
        } else {
            self.others.remove(0)
        };
        self.saved = Some(profile.clone());
        self.id = id;
        self.profile = profile;
        forget
    }

    /// Makes an imported profile the current one (under an id made from its
    /// name); its name.
    pub fn take_imported(&mut self, profile: Profile) -> String {
        let base = if profile.name.trim().is_empty() {
            "imported".to_owned()
        } else {
            profile.name.clone()
        };
        let id = self.unique_id(&base);
        let name = profile.name.clone();
        self.take_up(id, profile);
        name
    }

    /// Makes `profile` (new, imported) the current one under `id`; the one
    /// before is kept among the others (written first when it changed).
    fn take_up(&mut self, id: String, profile: Profile) {
        if self.saved.as_ref() != Some(&self.profile) {
            self.write(Write::Save(self.id.clone(), Box::new(self.profile.clone())));
        }
        let old_id = std::mem::replace(&mut self.id, id);
        let old = std::mem::replace(&mut self.profile, profile);
        self.others.push((old_id, old));
        // A new profile is written by `save_if_changed`.
        self.saved = None;
    }

    /// Makes the profile `id` the current one: false when there is none.
    pub fn switch(&mut self, id: &str) -> bool {
        let Some(i) = self.others.iter().position(|(other, _)| other == id) else {
            return false;
        };
        let (id, profile) = self.others.remove(i);
        self.take_up(id, profile);
        // As it was read: nothing to write.
        self.saved = Some(self.profile.clone());
        true
    }

    /// An id for a new profile named `name`, unique on disk and in memory.
    fn unique_id(&self, name: &str) -> String {
        let base = self.store.new_id(name);
        let taken = |id: &str| id == self.id || self.others.iter().any(|(o, _)| o == id);
        let mut id = base.clone();
        let mut n = 2;
        while taken(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }

    /// Whether another profile remembers its password in the keychain for
    /// the certificate at `path`.
    fn other_remembers(&self, path: &str) -> bool {
        self.others
            .iter()
            .any(|(_, p)| p.password_in_keychain && p.certificate_path.trim() == path)
    }

    /// Ticks a step of the rehearsal the app saw done.
    pub fn rehearse(&mut self, step: crate::checklist::Rehearsal) {
        self.profile.rehearsed.insert(step);
    }

    /// Ticks or unticks a step of the current profile.
    pub fn tick(&mut self, step: Step, on: bool) {
        if on {
            self.profile.ticked.insert(step);
        } else {
            self.profile.ticked.remove(&step);
        }
    }

    /// The Bulk page's column choices in the current profile: field → header.
    pub fn import_mapping(&self) -> &BTreeMap<String, String> {
        &self.profile.import_mapping
    }

    /// Remembers the column the user took a field from (`None`: forgets the
    /// field's choice). Written with the profile by `save_if_changed`.
    pub fn remember_column(&mut self, field: &str, header: Option<&str>) {
        match header {
            Some(header) => {
                self.profile
                    .import_mapping
                    .insert(field.to_owned(), header.to_owned());
            }
            None => {
                self.profile.import_mapping.remove(field);
            }
        }
    }

    /// Forgets every column choice of the current profile.
    pub fn forget_columns(&mut self) {
        self.profile.import_mapping.clear();
    }

    /// A file opened (a certificate, a spreadsheet on the Bulk page) goes into
    /// the recent files.
    pub fn file_opened(&mut self, path: &std::path::Path) {
        self.recent.push(&path.display().to_string());
        self.write(Write::Recent(self.recent.clone()));
    }

    /// Forgets the recent files.
    pub fn clear_recent(&mut self) {
        self.recent.clear();
        self.write(Write::Recent(self.recent.clone()));
    }

    /// The profiles to choose from: (id, name), the current one among them.
    pub fn profiles(&self, lang: Lang) -> Vec<(String, String)> {
        let mut list: Vec<(String, String)> = std::iter::once((&self.id, &self.profile))
            .chain(self.others.iter().map(|(id, p)| (id, p)))
            .map(|(id, p)| (id.clone(), display_name(p, lang)))
            .collect();
        list.sort_by_key(|(_, name)| name.to_lowercase());
        list
    }
}

/// The name a profile is shown by (a profile without a name: "my profile").
pub fn display_name(profile: &Profile, lang: Lang) -> String {
    if profile.name.trim().is_empty() {
        crate::i18n::tr(lang, "profile.default_name")
    } else {
        profile.name.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> Profile {
        Profile {
            name: name.into(),
            ..Profile::default()
        }
    }

    #[test]
    fn what_changes_is_written_in_order_on_the_runtime_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        store.save("alpha", &named("Alpha")).unwrap();
        store.save("beta", &named("Beta")).unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let mut session = ProfileSession::load(dir.path().into(), Some("beta"));
        assert_eq!(
            (session.id.as_str(), session.profile.name.as_str()),
            ("beta", "Beta")
        );
        session.start(runtime.handle(), Arc::new(|| {}));
        session.profile.enterprise = "0403170701".into();
        session.save_if_changed();
        assert!(session.switch("alpha"));
        session.new_profile("  Gamma ");
        session.tick(Step::TokenTest, true);
        session.save_if_changed();
        session.settle();
        assert!(!session.is_writing());
        assert!(session.notices.is_empty());
        let again = ProfileSession::load(dir.path().into(), Some("beta"));
        assert_eq!(again.profile.enterprise, "0403170701");
        let names: Vec<String> = again
            .profiles(Lang::En)
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(names, ["Alpha", "Beta", "Gamma"]);
        let gamma = ProfileSession::load(dir.path().into(), Some(&session.id));
        assert!(gamma.profile.ticked.contains(&Step::TokenTest));
    }

    #[test]
    fn a_deleted_profile_s_password_is_forgotten_unless_another_profile_shares_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path());
        let remembering = |name: &str, path: &str| Profile {
            certificate_path: path.into(),
            password_in_keychain: true,
            ..named(name)
        };
        store
            .save("a", &remembering("A", "/certs/one.pfx"))
            .unwrap();
        store
            .save("b", &remembering("B", "/certs/one.pfx"))
            .unwrap();
        store
            .save("c", &remembering("C", "/certs/two.pfx"))
            .unwrap();
        let mut session = ProfileSession::load(dir.path().into(), Some("a"));
        assert_eq!(session.delete(), None, "B remembers the same file's");
        assert!(session.switch("c"));
        let (account, profile) = session.delete().unwrap();
        assert_eq!(account, pfx_account("/certs/two.pfx"));
        assert_eq!(profile.name, "C");
        session.settle();
        let left: Vec<String> = ProfileSession::load(dir.path().into(), None)
            .profiles(Lang::En)
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(left, ["B"]);
    }
}
