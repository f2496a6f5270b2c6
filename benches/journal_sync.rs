//! What `synchronous=FULL` costs the journal against `NORMAL`, for the way
//! the engine commits: every transition pending when the writer wakes goes in
//! one transaction, so a burst of results costs one commit, not one per row.
//! Runs the journal's own schema and update (through `Journal`), once per
//! mode and batch size, and prints the time per 10,000 transitions.
//!
//! `cargo test --bench journal_sync --no-run`, then run the binary it names
//! (SQLite is built optimised in every profile; the cost is the disk's).

use std::time::Instant;

use fla_assistant::submit::journal::{Changes, Journal, Record, Transition};
use fla_assistant::submit::state::State;

const ROWS: usize = 10_000;

fn run(batch: usize, full: bool) -> f64 {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("journal.sqlite");
    let mut journal = Journal::open(&path).expect("journal");
    if !full {
        journal.set_synchronous_for_measure(false).expect("pragma");
    }
    let rows: Vec<Record> = (0..ROWS)
        .map(|i| Record {
            form: Some(Box::default()),
            ..Record::new(State::Ready, format!("B-{i}"), "0403170701".into())
        })
        .collect();
    let ids = journal.insert(&rows).expect("insert");
    let started = Instant::now();
    for chunk in ids.chunks(batch) {
        let list: Vec<Transition> = chunk
            .iter()
            .map(|&id| Transition {
                id,
                from: State::Ready,
                to: State::Sending,
                changes: Changes::default(),
                detail: "sent".into(),
            })
            .collect();
        journal.transitions_batch(list.iter()).expect("commit");
    }
    started.elapsed().as_secs_f64()
}

fn main() {
    println!("batch  NORMAL (s)  FULL (s)  FULL/NORMAL   ({ROWS} transitions each)");
    for batch in [1, 8, 64, 1000] {
        let normal = run(batch, false);
        let full = run(batch, true);
        println!(
            "{batch:>5}  {normal:>10.3}  {full:>8.3}  {:>11.2}",
            full / normal
        );
    }
}
