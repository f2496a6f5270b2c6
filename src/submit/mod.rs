//! Local declarations: the journal (SQLite in the data dir, versioned) that
//! keeps drafts as they are typed and every declaration's transitions, the
//! state machine, the input files of `submit`, and the engine that sends and
//! follows declarations exactly once (see `engine`) at the server's pace
//! (see `pace`).

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
