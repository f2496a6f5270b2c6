//! The library against the sandbox over loopback, and the certificate and import fixtures: the engine, the client, the sandbox's own strictness.
//! One test binary for all of them (see tests/support/lib.rs).

mod cert_fixtures;
mod declarations_sandbox;
mod dimona_engine;
mod dimona_sandbox;
mod import;
mod pace;
mod sandbox_guard;
mod sandbox_modes;
mod submit_engine;
mod token_sandbox;
mod update_feed;
