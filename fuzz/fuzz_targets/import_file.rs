//! Feeds arbitrary bytes to the importer the way the Bulk page and `submit`
//! read an HR office's file: the whole table (with its mapping, the rows
//! converted and checked), and the same file read as a stream; every error's
//! code and message in the three languages. Any panic, overflow, abort, hang
//! or allocation over libFuzzer's bound is a bug; errors are expected.
#![no_main]

use fla_assistant::i18n::Lang;
use fla_assistant::submit::import;
use libfuzzer_sys::fuzz_target;
use time::macros::date;

fn said(e: &import::ImportError) {
    let _ = e.code();
    for lang in [Lang::En, Lang::Nl, Lang::Fr] {
        let _ = e.message(lang, "fuzz.xlsx");
    }
}

fuzz_target!(|data: &[u8]| {
    // A fixed day, so that a run is reproducible.
    let today = date!(2025 - 11 - 01);

    // The Bulk page: the whole table, mapped as far as it goes, converted.
    match import::read_table(data) {
        Ok(table) => match import::map_table_partial(&table, &[]) {
            Ok((mapping, missing)) => {
                if let Some(missing) = missing {
                    said(&missing);
                }
                for row in import::convert(&table, &mapping, today) {
                    for problem in &row.problems {
                        let _ = problem.message(Lang::Nl);
                    }
                }
            }
            Err(e) => said(&e),
        },
        Err(e) => said(&e),
    }

    // `submit`: the same bytes read as they go, counted, then converted.
    match import::import_stream(data, &[], today) {
        Ok(rows) => {
            for row in rows {
                match row {
                    Ok(row) => {
                        let _ = row.is_valid();
                    }
                    Err(e) => said(&e),
                }
            }
        }
        Err(e) => said(&e),
    }
});
