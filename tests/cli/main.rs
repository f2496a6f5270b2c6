//! The command line as support staff script it: each command, its flags, exit codes and JSON, run as a process (the binary Cargo built) against `sim` or a sandbox on loopback.
//! One test binary for all of them (see tests/support/lib.rs).

mod cert;
mod declare;
mod dimona;
mod exactly_once;
mod hostile_files;
mod hostile_servers;
mod http_client;
mod import;
mod import_stream;
mod journal_per_environment;
mod lang;
mod readme_codes;
mod readme_commands;
mod submit;
mod token;
mod usage;
