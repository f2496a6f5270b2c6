//! The engine of another service in the app (Dimona's): opened on the
//! runtime for the connection of the moment, on the app's journal of the
//! environment (its own rows and owner there: `submit::service`), kept while
//! the connection stays the same, let go when it changes. Pages read the
//! engine it gives; a frame never waits for it to open.
//! Knows nothing of egui: the app gives it a runtime and a way to repaint.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::Repaint;
use crate::i18n::Msg;
use crate::submit::engine::{unknown_wait_for, Engine, EngineConfig};
use crate::submit::owner::Holder;
use crate::submit::service::ServiceApi;

/// A service's engine, once open.
#[derive(Default, Clone)]
pub struct ServiceHost {
    slot: Arc<Mutex<Slot>>,
}

#[derive(Default)]
struct Slot {
    /// The connection the engine is (or is being) opened for.
    key: String,
    engine: Option<Engine>,
    opening: bool,
    error: Option<Msg>,
}

impl ServiceHost {
    fn slot(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The engine for the connection `key` (the environment, the server and
    /// the client ID, as the caller says them), on `journal`; opened on
    /// `runtime` with the service `make` gives when it is not open for that
    /// connection yet (`None` meanwhile, or after a failure: see
    /// [`ServiceHost::error`]). An engine of another connection is let go.
    pub fn engine(
        &self,
        runtime: &tokio::runtime::Handle,
        repaint: Repaint,
        journal: PathBuf,
        key: &str,
        make: impl FnOnce() -> Result<Arc<dyn ServiceApi>, Msg>,
    ) -> Option<Engine> {
        let mut slot = self.slot();
        if slot.key == key {
            if slot.engine.is_some() || slot.opening || slot.error.is_some() {
                return slot.engine.clone();
            }
        } else {
            // Another connection: its engine goes (its journal owner with it).
            slot.key = key.to_owned();
            slot.engine = None;
            slot.error = None;
        }
        let service = match make() {
            Ok(service) => service,
            Err(e) => {
                slot.error = Some(e);
                return None;
            }
        };
        slot.opening = true;
        let config = EngineConfig {
            reconcile_after: unknown_wait_for(&service.channel().server),
            ..EngineConfig::default()
        };
        let host = self.clone();
        let key = key.to_owned();
        runtime.spawn(async move {
            let opened = Engine::open_service(&journal, service, config, Holder::App).await;
            {
                let mut slot = host.slot();
                // A connection changed meanwhile: this engine is no one's.
                if slot.key == key {
                    slot.opening = false;
                    match opened {
                        Ok(engine) => slot.engine = Some(engine),
                        Err(e) => {
                            slot.error = Some(Msg::from_fn(move |lang| e.message(lang)));
                        }
                    }
                }
            }
            repaint();
        });
        None
    }

    /// The engine open now, if any (whatever the connection).
    pub fn current(&self) -> Option<Engine> {
        self.slot().engine.clone()
    }

    /// Why the engine could not be opened (asked again by [`ServiceHost::retry`]).
    pub fn error(&self) -> Option<Msg> {
        self.slot().error.clone()
    }

    /// Whether it is being opened.
    pub fn is_opening(&self) -> bool {
        self.slot().opening
    }

    /// Forgets a failure: the next [`ServiceHost::engine`] opens again.
    pub fn retry(&self) {
        let mut slot = self.slot();
        slot.error = None;
        slot.key.clear();
    }
}
