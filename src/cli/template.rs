//! `fla-assistant template OUT.csv|OUT.xlsx [--headers en|nl|fr|contract]`: a
//! file whose header row has the contract's names (or an office's words in a
//! language), for offices that start a spreadsheet for the FLA. The
//! library makes the bytes (`submit::import`); this writes and reports.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::{exit, print_json, CliError};
use crate::i18n::{tr_args, Lang};
use crate::submit::import;

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// Where to write the template: .xlsx gives an Excel workbook, any other name a CSV.
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
    /// Whose words the header row has: the contract's names (the default, for
    /// scripts) or an office's in English, Dutch or French (read back all the same).
    #[arg(long, value_name = "LANG", default_value = "contract", value_parser = parse_headers)]
    pub headers: import::Headers,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

fn parse_headers(text: &str) -> Result<import::Headers, String> {
    import::Headers::parse(text).ok_or_else(|| "en, nl, fr or contract".to_owned())
}

pub fn run(args: TemplateArgs, lang: Lang) -> Result<u8, CliError> {
    let path = args.out.display().to_string();
    let xlsx = args
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let bytes = if xlsx {
        import::template_xlsx_in(args.headers).map_err(|e| CliError {
            code: "template_failed".into(),
            message: tr_args(
                lang,
                "import.template_failed",
                &[("path", path.clone()), ("detail", e.to_string())],
            ),
            exit: exit::BAD_INPUT,
        })?
    } else {
        import::template_csv_in(args.headers)
    };
    crate::files::write_atomically(&args.out, &bytes).map_err(|e| CliError::from((e, lang)))?;
    let columns = import::template_headers_in(args.headers);
    if args.json {
        print_json(&json!({
            "path": path,
            "format": if xlsx { "xlsx" } else { "csv" },
            "columns": columns,
        }));
    } else {
        println!(
            "{}",
            tr_args(
                lang,
                "import.template_written",
                &[("path", path), ("columns", columns.len().to_string())]
            )
        );
    }
    Ok(exit::DONE)
}
