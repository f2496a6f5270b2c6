//! Import + validation of 100,000 rows, as `submit --dry-run` and the Bulk page
//! do it: a Dutch Excel CSV (Windows-1252, `;`, formatted INSZ and enterprise
//! numbers, decimal commas, dd/mm/yyyy) and an XLSX with date cells, both made
//! here. Prints the time of each run and fails above the budget for the CSV
//! (1 s, issue 11). Run: `cargo bench --no-default-features --bench import`.

use std::time::Instant;

use fla_assistant::submit::import;

mod common;

const ROWS: usize = 100_000;
const RUNS: usize = 5;

fn csv_bytes() -> Vec<u8> {
    let mut text = String::from(common::OFFICE_HEADER);
    for i in 0..ROWS {
        let enterprise = if i % 2 == 0 {
            "BE 0403.170.701"
        } else {
            "0202.239.951"
        };
        let day = 1 + i % 28;
        text.push_str(&format!(
            "BENCH-{i:06};{enterprise};{};Néerlandais B{};{};{day:02}/03/2025;{day:02}/03/2025;{};uren;ja;nee;;ja\r\n",
            common::ssin(i),
            i % 3,
            if i % 2 == 0 { "Formeel" } else { "Informeel" },
            if i % 2 == 0 { "3,5" } else { "7,25" },
        ));
    }
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    bytes.into_owned()
}

fn xlsx_bytes() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (c, h) in import::template_headers().iter().enumerate().take(13) {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..ROWS {
        let r = i as u32 + 1;
        let day = ExcelDateTime::from_ymd(2025, 3, 1 + (i % 28) as u8).unwrap();
        sheet.write_string(r, 0, format!("BENCH-{i:06}")).unwrap();
        sheet.write_string(r, 1, "0403170701").unwrap();
        sheet
            .write_string(r, 2, common::ssin(i).replace(['.', '-'], ""))
            .unwrap();
        sheet
            .write_string(r, 3, "Veiligheid op de werkvloer")
            .unwrap();
        sheet.write_string(r, 4, "FORMAL").unwrap();
        sheet.write_datetime_with_format(r, 5, &day, &date).unwrap();
        sheet.write_datetime_with_format(r, 6, day, &date).unwrap();
        sheet.write_number(r, 7, 7.5).unwrap();
        sheet.write_string(r, 8, "HOURS").unwrap();
        sheet.write_boolean(r, 9, true).unwrap();
        sheet.write_boolean(r, 10, false).unwrap();
        sheet.write_boolean(r, 12, true).unwrap();
    }
    book.save_to_buffer().unwrap()
}

/// Each run's seconds; checks every row came out valid.
fn time(bytes: &[u8]) -> Vec<f64> {
    let today = time::macros::date!(2025 - 11 - 01);
    (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let imported = import::import(bytes, &[], today).unwrap();
            let seconds = started.elapsed().as_secs_f64();
            assert_eq!(imported.rows.len(), ROWS);
            assert_eq!(
                imported.valid(),
                ROWS,
                "{:?}",
                imported.rows.iter().find(|r| !r.is_valid())
            );
            seconds
        })
        .collect()
}

fn summary(name: &str, bytes: usize, runs: &[f64]) -> f64 {
    let mut sorted = runs.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mean = runs.iter().sum::<f64>() / runs.len() as f64;
    println!(
        "{name}: {ROWS} rows, {:.1} MB, {} runs: min {:.3} s, median {:.3} s, mean {:.3} s, max {:.3} s ({:.0} rows/s at the median)",
        bytes as f64 / 1e6,
        runs.len(),
        sorted[0],
        sorted[sorted.len() / 2],
        mean,
        sorted[sorted.len() - 1],
        ROWS as f64 / sorted[sorted.len() / 2],
    );
    sorted[sorted.len() / 2]
}

fn main() {
    let csv = csv_bytes();
    let csv_median = summary("CSV (Windows-1252, ;)", csv.len(), &time(&csv));
    let xlsx = xlsx_bytes();
    summary("XLSX (date cells)", xlsx.len(), &time(&xlsx));
    assert!(
        csv_median <= 1.0,
        "over budget: 100,000 CSV rows took {csv_median:.3} s (budget 1 s)"
    );
}
