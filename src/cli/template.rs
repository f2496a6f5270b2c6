//! `fla-assistant template OUT.csv|OUT.xlsx [--service fla|dimona]
//! [--headers en|nl|fr|contract]`: a file whose header row has the contract's
//! names (or an office's words in a language), for offices that start a
//! spreadsheet for the FLA, or for Dimona with `--service dimona`. The
//! library makes the bytes (`submit::import`, `dimona::import`); this writes
//! and reports.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::connection::parse_service;
use super::{exit, print_json, CliError};
use crate::channel::env::{ServiceDefinition, DIMONA};
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
    /// Which service the template is for: fla (the default) or dimona.
    #[arg(long, value_name = "SERVICE", default_value = "fla", value_parser = parse_service)]
    pub service: &'static ServiceDefinition,
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
    let dimona = args.service.id == DIMONA.id;
    let made = match (dimona, xlsx) {
        (false, true) => import::template_xlsx_in(args.headers),
        (true, true) => crate::dimona::import::template_xlsx_in(args.headers),
        (false, false) => Ok(import::template_csv_in(args.headers)),
        (true, false) => Ok(crate::dimona::import::template_csv_in(args.headers)),
    };
    let bytes = made.map_err(|e| CliError {
        code: "template_failed".into(),
        message: tr_args(
            lang,
            "import.template_failed",
            &[("path", path.clone()), ("detail", e.to_string())],
        ),
        exit: exit::BAD_INPUT,
    })?;
    crate::files::write_atomically(&args.out, &bytes).map_err(|e| CliError::from((e, lang)))?;
    let (columns, written) = if dimona {
        (
            crate::dimona::import::template_headers_in(args.headers),
            "dimona.import.template_written",
        )
    } else {
        (
            import::template_headers_in(args.headers),
            "import.template_written",
        )
    };
    if args.json {
        let mut out = json!({
            "path": path,
            "format": if xlsx { "xlsx" } else { "csv" },
            "columns": columns,
        });
        // The FLA's object stays as it was; another service says itself.
        if dimona {
            out["service"] = json!(args.service.id);
        }
        print_json(&out);
    } else {
        println!(
            "{}",
            tr_args(
                lang,
                written,
                &[("path", path), ("columns", columns.len().to_string())]
            )
        );
    }
    Ok(exit::DONE)
}
