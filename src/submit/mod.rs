//! Local declarations: the journal (SQLite in the data dir) that keeps drafts as
//! they are typed and follows each declaration's status. Import and the bulk
//! engine come with the Bulk page.

pub mod input;
pub mod journal;
pub mod state;
