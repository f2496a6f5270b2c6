//! The FLA service: its wire format and anomaly catalogue (the [modelled] part of
//! the contract lives in `wire` and `anomalies` and nowhere else), the rules, and
//! the API client (`client`), its errors (`error`) and when it tries again
//! (`retry`).

pub mod anomalies;
pub mod client;
pub mod error;
pub mod retry;
pub mod rules;
pub mod wire;
