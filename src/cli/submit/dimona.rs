//! `submit FILE --service dimona`: a payroll office's file of Dimona
//! declarations (CSV or XLSX with its own headers in EN/NL/FR, read by
//! `dimona::import`; or JSON Lines of declarations in Dimona's shape) as
//! rows for the engine, and `--dry-run`'s report of it. What is sent, and
//! how, is the engine's, as for the FLA.

use super::*;
use crate::dimona::import::{self as dimona_import, DimonaImport, DimonaIssue};
use crate::dimona::service::identity;
use crate::dimona::wire::Declaration as DimonaDeclaration;

/// Whether `submit` sends Dimona declarations.
pub(super) fn is_dimona(args: &SubmitArgs) -> bool {
    args.connection.service.id == crate::channel::env::DIMONA.id
}

/// One row read, before the local rules: its declaration, or its problems
/// (field, code, message, value).
type ReadRow = (usize, Result<DimonaDeclaration, Vec<Problem>>);

/// A row's problem as the command line says it.
struct Problem {
    field: String,
    code: String,
    message: String,
    value: Option<String>,
}

impl Problem {
    fn of_issue(i: &DimonaIssue, lang: Lang) -> Problem {
        Problem {
            field: i.column.name().to_owned(),
            code: i.code.to_owned(),
            message: i.message(lang),
            value: i.value.clone(),
        }
    }
}

/// The file read: its format and mapping (a spreadsheet's), and its rows.
struct Read {
    format: &'static str,
    mapping: Option<dimona_import::DimonaMapping>,
    rows: Vec<ReadRow>,
}

fn read(args: &SubmitArgs, lang: Lang) -> Result<Read, CliError> {
    let bytes = crate::files::read_input(&args.file).map_err(|e| CliError::from((e, lang)))?;
    if is_json_lines(&bytes) {
        let parsed = input::read(&bytes).map_err(|e| input_error(&e, &args.file, lang))?;
        let rows = parsed
            .rows
            .iter()
            .map(|r| {
                let declaration = match &r.value {
                    Err(e) => Err(e.to_string()),
                    Ok(value) => serde_json::from_value::<DimonaDeclaration>(value.clone())
                        .map_err(|e| e.to_string()),
                };
                let declaration = declaration.map_err(|detail| {
                    vec![Problem {
                        field: String::new(),
                        code: "not_a_declaration".into(),
                        message: tr_args(lang, "dimona.not_a_declaration", &[("detail", detail)]),
                        value: None,
                    }]
                });
                (r.row, declaration)
            })
            .collect();
        return Ok(Read {
            format: "jsonl",
            mapping: None,
            rows,
        });
    }
    let file = args.file.display().to_string();
    let DimonaImport {
        format,
        mapping,
        rows,
    } = dimona_import::import_owned(bytes)
        .map_err(|e| CliError::usage(e.code(), e.message(lang, &file)))?;
    let rows = rows
        .into_iter()
        .map(|r| {
            let declaration = r
                .declaration
                .map_err(|issues| issues.iter().map(|i| Problem::of_issue(i, lang)).collect());
            (r.row, declaration)
        })
        .collect();
    Ok(Read {
        format: match format {
            import::FileFormat::Xlsx => "xlsx",
            _ => "csv",
        },
        mapping: Some(mapping),
        rows,
    })
}

/// The mapping as lines for a person: each column's header, then the
/// columns left out.
fn mapping_lines(mapping: &dimona_import::DimonaMapping, lang: Lang) -> Vec<String> {
    let mut lines: Vec<String> = mapping
        .columns
        .iter()
        .map(|(column, index)| {
            tr_args(
                lang,
                "import.mapping_line",
                &[
                    ("field", column.name().to_owned()),
                    (
                        "header",
                        mapping.headers.get(*index).cloned().unwrap_or_default(),
                    ),
                    ("by", tr(lang, "import.by.header")),
                ],
            )
        })
        .collect();
    lines.extend(ignored_line(&mapping.ignored, lang));
    lines
}

/// The rows of FILE for the engine (a row that makes no declaration is
/// held back with its problems; one that breaks a rule goes to the engine,
/// which holds it as invalid with its anomalies, in the journal).
pub(super) fn file_rows(args: &SubmitArgs, lang: Lang) -> Result<FileInput, CliError> {
    let read = read(args, lang)?;
    if let (Some(mapping), false) = (&read.mapping, args.json) {
        mapping_lines(mapping, lang)
            .iter()
            .for_each(|line| eprintln!("{line}"));
    }
    Ok(FileInput::Rows(
        read.rows
            .into_iter()
            .map(|(row, declaration)| match declaration {
                Ok(d) => FileRow {
                    row,
                    reference: identity(&d).1,
                    content: Ok(crate::dimona::service::content(d)),
                },
                Err(problems) => FileRow {
                    row,
                    reference: String::new(),
                    content: Err(problems
                        .iter()
                        .map(|p| format!("{} ({})", p.message, p.field))
                        .collect::<Vec<_>>()
                        .join("; ")),
                },
            })
            .collect(),
    ))
}

/// `submit --service dimona --dry-run`: the file read and checked with the
/// local rules at today's date, nothing sent. The same keys as the FLA's
/// dry run, a row's identity in place of its reference.
pub(super) fn dry_run_report(args: &SubmitArgs, lang: Lang) -> Result<u8, CliError> {
    let clock = args.connection.clock(lang)?;
    let today = crate::today::brussels_date(clock());
    let read = read(args, lang)?;
    let mut invalid: Vec<(usize, String, Problem)> = Vec::new();
    let mut warnings: Vec<(usize, String, Problem)> = Vec::new();
    let mut declarations: Vec<Value> = Vec::new();
    let mut valid = 0u64;
    let mut invalid_rows = 0u64;
    // The same declaration twice in one file is one declaration: the second
    // row is the first's (the engine sends it once).
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let total = read.rows.len() as u64;
    for (row, declaration) in read.rows {
        let d = match declaration {
            Ok(d) => d,
            Err(problems) => {
                invalid_rows += 1;
                invalid.extend(problems.into_iter().map(|p| (row, String::new(), p)));
                continue;
            }
        };
        let id = identity(&d);
        let findings = crate::dimona::rules::check(&d, today);
        let mut blocked = false;
        for f in &findings {
            let problem = Problem {
                field: f.field.to_owned(),
                code: f.code.to_owned(),
                message: f.text(lang),
                value: None,
            };
            if f.blocking {
                blocked = true;
                invalid.push((row, id.1.clone(), problem));
            } else {
                warnings.push((row, id.1.clone(), problem));
            }
        }
        if blocked {
            invalid_rows += 1;
            continue;
        }
        valid += 1;
        if seen.insert(id, row).is_none() {
            declarations.push(serde_json::to_value(&d).unwrap_or(Value::Null));
        }
    }
    if let Some(path) = &args.declarations_out {
        let mut lines = String::new();
        for d in &declarations {
            lines.push_str(&d.to_string());
            lines.push('\n');
        }
        crate::files::write_atomically(path, lines.as_bytes())
            .map_err(|e| CliError::from((e, lang)))?;
    }
    let omitted = !args.include_declarations && valid > DECLARATIONS_INLINE_MAX;
    if omitted {
        declarations.clear();
    }
    let problem_json = |(row, identity, p): &(usize, String, Problem)| {
        json!({
            "row": row,
            "identity": identity,
            "field": p.field,
            "code": p.code,
            "message": p.message,
            "value": p.value,
        })
    };
    if args.json {
        let mut out = json!({
            "service": crate::channel::env::DIMONA.id,
            "format": read.format,
            "total": total,
            "valid": valid,
            "invalidRows": invalid_rows,
            "invalid": invalid.iter().map(problem_json).collect::<Vec<_>>(),
            "warnings": warnings.iter().map(problem_json).collect::<Vec<_>>(),
            "declarations": declarations,
        });
        if omitted {
            out["declarationsOmitted"] = json!(true);
        }
        if let Some(m) = &read.mapping {
            out["headerRow"] = json!(m.header_row);
            out["mapping"] = m
                .columns
                .iter()
                .map(|(c, i)| {
                    (
                        c.name().to_owned(),
                        json!(m.headers.get(*i).cloned().unwrap_or_default()),
                    )
                })
                .collect::<serde_json::Map<_, _>>()
                .into();
            out["ignoredColumns"] = json!(m.ignored);
        } else {
            out["mapping"] = json!({});
        }
        print_json(&out);
    } else {
        if let Some(m) = &read.mapping {
            for line in mapping_lines(m, lang) {
                println!("{line}");
            }
        }
        let line = |key: &str, (row, identity, p): &(usize, String, Problem)| {
            tr_args(
                lang,
                key,
                &[
                    ("row", row.to_string()),
                    ("reference", identity.clone()),
                    ("message", p.message.clone()),
                    ("code", p.code.clone()),
                ],
            )
        };
        for w in &warnings {
            println!("{}", line("import.warning_line", w));
        }
        for p in &invalid {
            println!("{}", line("import.problem_line", p));
        }
        summary_lines(lang, total, valid, invalid_rows);
    }
    Ok(dry_run_exit(invalid_rows))
}
