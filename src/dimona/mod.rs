//! Dimona, the immediate employment declaration, as a second service on the
//! channel: its wire format (the [modelled] part lives in `wire` and nowhere
//! else), its local rules, and its API client. It knows nothing of the FLA;
//! the channel (certificate, token, diagnosis) knows nothing of it.

pub mod client;
pub mod import;
pub mod rules;
pub mod send;
// Dimona as the submission engine asks it.
pub mod service;
pub mod wire;
