//! The life of a declaration, once for one and for a million: its states
//! (`state`), how it is known (`reference`), the editor's form (`form`), the
//! journal (`journal`, one owner at a time: `owner`), the engine that sends
//! and follows it exactly once at the server's pace (`engine`, `pace`), the
//! engine's life in the app (`host`), files read as declarations (`import`,
//! `input`, `conflicts`) and a file run's outcomes and report (`run`). Draws
//! nothing and prints nothing: the fronts do.

pub mod conflicts;
pub mod engine;
pub mod form;
pub mod host;
pub mod import;
pub mod input;
pub mod journal;
pub mod owner;
pub mod state;
// The pace of requests, found from the server's answers.
pub mod pace;
pub mod reference;
pub mod run;
// What differs per service, as the engine asks it.
pub mod service;
