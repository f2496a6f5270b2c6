//! The files `submit` reads: a CSV whose header row uses the contract's own
//! names, or JSON Lines of declarations in the contract's shape. Pure: bytes in,
//! one JSON value per row out (in the contract's shape, ready for the rules'
//! shape check), each with its row number as a spreadsheet numbers it. `submit`
//! reads JSON Lines here; spreadsheets (HR offices' own headers, encodings and
//! value formats, the contract's names among them) through `import`.

use serde_json::{Map, Value};

/// The journal's source of a file row: `FILE#ROW`, the file as
/// [`crate::files::file_source`] names it and the row as a spreadsheet numbers it.
pub fn row_source(file: &str, row: usize) -> String {
    format!("{file}#{row}")
}

/// The row number of a [`row_source`].
pub fn source_row(source: &str) -> Option<usize> {
    source.rsplit_once('#')?.1.parse().ok()
}

/// The CSV columns, by the contract's names, and where each goes in the JSON.
pub const COLUMNS: [(&str, &str, Kind); 15] = [
    ("externalReference", "externalReference", Kind::Text),
    ("enterpriseNumber", "employer.enterpriseNumber", Kind::Text),
    ("ssin", "worker.ssin", Kind::Text),
    ("trainingName", "training.name", Kind::Text),
    ("trainingType", "training.type", Kind::Text),
    ("startDate", "training.startDate", Kind::Text),
    ("endDate", "training.endDate", Kind::Text),
    ("durationValue", "training.duration.value", Kind::Number),
    ("durationUnit", "training.duration.unit", Kind::Text),
    ("followed", "training.followed", Kind::Bool),
    (
        "certificateObtained",
        "training.certificate.obtained",
        Kind::Bool,
    ),
    (
        "certificateValidUntil",
        "training.certificate.validUntil",
        Kind::Text,
    ),
    ("countsForFla", "training.countsForFla", Kind::Bool),
    (
        "providerEnterpriseNumber",
        "training.providerEnterpriseNumber",
        Kind::Text,
    ),
    ("jointCommittee", "training.jointCommittee", Kind::Text),
];

/// Columns a file must have: without them no row can be a declaration.
pub const REQUIRED: [&str; 11] = [
    "enterpriseNumber",
    "ssin",
    "trainingName",
    "trainingType",
    "startDate",
    "endDate",
    "durationValue",
    "durationUnit",
    "followed",
    "countsForFla",
    // The reference may be empty in a row (one is generated once, before the
    // first send), but the column says the file is meant as declarations.
    "externalReference",
];

/// How a cell becomes JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A number where the cell reads as one; the text otherwise (so that the
    /// shape check names the cell and its value).
    Number,
    /// `true`/`false` where the cell says so; the text otherwise.
    Bool,
}

/// What kind of file it is, told by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv { delimiter: u8 },
    JsonLines,
}

/// Why a file cannot be read at all (a row's own problems are per row).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is not UTF-8 text (save it as 'CSV UTF-8' or JSON Lines)")]
    NotUtf8,
    #[error("the header row lacks the columns {missing:?}")]
    MissingColumns { missing: Vec<String> },
    #[error("the header row names column {name} twice")]
    DuplicateColumn { name: String },
    #[error("the CSV cannot be read at line {line}: {detail}")]
    Csv { line: u64, detail: String },
    #[error("line {line} is not a JSON object: {detail}")]
    NotJsonLine { line: usize, detail: String },
}

impl InputError {
    pub fn code(&self) -> &'static str {
        match self {
            InputError::Empty => "empty_file",
            InputError::NotUtf8 => "not_utf8",
            InputError::MissingColumns { .. } => "missing_columns",
            InputError::DuplicateColumn { .. } => "duplicate_column",
            InputError::Csv { .. } => "bad_csv",
            InputError::NotJsonLine { .. } => "not_json",
        }
    }
}

/// One row of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct InputRow {
    /// As a spreadsheet numbers it: the header is row 1 (for JSON Lines, the line).
    pub row: usize,
    /// The declaration in the contract's shape, or why the line is not JSON.
    pub value: Result<Value, InputError>,
}

/// What a file holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub format: Format,
    pub rows: Vec<InputRow>,
    /// Header cells that are not contract names (ignored).
    pub ignored_columns: Vec<String>,
}

/// Tells CSV from JSON Lines, and the CSV's delimiter from its header line.
pub fn detect(text: &str) -> Format {
    if text.trim_start().starts_with('{') {
        return Format::JsonLines;
    }
    let header = text.lines().next().unwrap_or_default();
    let count = |c: char| header.matches(c).count();
    let delimiter = [(';', b';'), ('\t', b'\t'), (',', b',')]
        .into_iter()
        .max_by_key(|(c, _)| count(*c))
        .filter(|(c, _)| count(*c) > 0)
        .map(|(_, b)| b)
        .unwrap_or(b',');
    Format::Csv { delimiter }
}

/// Reads a `submit` input file.
pub fn read(bytes: &[u8]) -> Result<Input, InputError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| InputError::NotUtf8)?;
    if text.trim().is_empty() {
        return Err(InputError::Empty);
    }
    match detect(text) {
        Format::JsonLines => Ok(read_json_lines(text)),
        Format::Csv { delimiter } => read_csv(text, delimiter),
    }
}

fn read_json_lines(text: &str) -> Input {
    let rows = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| InputRow {
            row: i + 1,
            value: serde_json::from_str::<Value>(line).map_err(|e| InputError::NotJsonLine {
                line: i + 1,
                detail: e.to_string(),
            }),
        })
        .collect();
    Input {
        format: Format::JsonLines,
        rows,
        ignored_columns: vec![],
    }
}

fn read_csv(text: &str, delimiter: u8) -> Result<Input, InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let csv_error = |e: csv::Error| InputError::Csv {
        line: e.position().map(|p| p.line()).unwrap_or(1),
        detail: e.to_string(),
    };
    let header: Vec<String> = reader
        .headers()
        .map_err(csv_error)?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    // For each contract column, the index of its cell.
    let mut at: Vec<Option<usize>> = vec![None; COLUMNS.len()];
    let mut ignored_columns = Vec::new();
    for (i, name) in header.iter().enumerate() {
        match COLUMNS.iter().position(|(c, _, _)| c == name) {
            Some(k) if at[k].is_some() => {
                return Err(InputError::DuplicateColumn { name: name.clone() })
            }
            Some(k) => at[k] = Some(i),
            None if name.is_empty() => {}
            None => ignored_columns.push(name.clone()),
        }
    }
    let missing: Vec<String> = REQUIRED
        .iter()
        .filter(|r| {
            COLUMNS
                .iter()
                .position(|(c, _, _)| c == *r)
                .is_some_and(|k| at[k].is_none())
        })
        .map(|r| (*r).to_owned())
        .collect();
    if !missing.is_empty() {
        return Err(InputError::MissingColumns { missing });
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let row = record
            .position()
            .map(|p| p.line() as usize)
            .unwrap_or(rows.len() + 2);
        let mut value = Value::Object(Map::new());
        for (k, (_, path, kind)) in COLUMNS.iter().enumerate() {
            let cell = at[k]
                .and_then(|i| record.get(i))
                .map(str::trim)
                .unwrap_or_default();
            if cell.is_empty() {
                continue;
            }
            set(&mut value, path, cell_value(cell, *kind));
        }
        rows.push(InputRow {
            row,
            value: Ok(value),
        });
    }
    Ok(Input {
        format: Format::Csv { delimiter },
        rows,
        ignored_columns,
    })
}

fn cell_value(cell: &str, kind: Kind) -> Value {
    match kind {
        Kind::Text => Value::String(cell.to_owned()),
        Kind::Number => cell
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .and_then(|n| {
                // Whole numbers stay integers, as a person wrote them.
                if n.fract() == 0.0 && n.abs() < 1e15 {
                    Some(Value::from(n as i64))
                } else {
                    serde_json::Number::from_f64(n).map(Value::Number)
                }
            })
            .unwrap_or_else(|| Value::String(cell.to_owned())),
        Kind::Bool => match cell.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(cell.to_owned()),
        },
    }
}

/// Sets `path` (`a.b.c`) in a JSON object, making the objects on the way.
fn set(root: &mut Value, path: &str, value: Value) {
    let mut cur = root;
    let mut keys = path.split('.').peekable();
    while let Some(key) = keys.next() {
        let Value::Object(map) = cur else { return };
        if keys.peek().is_none() {
            map.insert(key.to_owned(), value);
            return;
        }
        cur = map
            .entry(key.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_row_source_names_its_file_and_row_and_gives_the_row_back() {
        let source = row_source("/data/export #2.csv", 17);
        assert_eq!(source, "/data/export #2.csv#17");
        assert_eq!(source_row(&source), Some(17));
        assert_eq!(source_row("/data/export.csv"), None);
    }

    use super::*;
    use crate::fla::rules;
    use serde_json::json;

    const HEADER: &str = "externalReference,enterpriseNumber,ssin,trainingName,trainingType,startDate,endDate,durationValue,durationUnit,followed,certificateObtained,certificateValidUntil,countsForFla,providerEnterpriseNumber,jointCommittee";

    #[test]
    fn a_full_row_becomes_the_contract_example() {
        let text = format!(
            "{HEADER}\nHR-2025-000123,0403170701,85073003328,Excel voor gevorderden,FORMAL,2025-03-03,2025-03-04,14,HOURS,true,true,2028-03-03,true,0202239951,200\n"
        );
        let input = read(text.as_bytes()).unwrap();
        assert_eq!(input.format, Format::Csv { delimiter: b',' });
        assert_eq!(input.rows.len(), 1);
        assert_eq!(input.rows[0].row, 2);
        let value = input.rows[0].value.clone().unwrap();
        assert_eq!(
            value,
            json!({
                "externalReference": "HR-2025-000123",
                "employer": { "enterpriseNumber": "0403170701" },
                "worker": { "ssin": "85073003328" },
                "training": {
                    "name": "Excel voor gevorderden",
                    "type": "FORMAL",
                    "startDate": "2025-03-03",
                    "endDate": "2025-03-04",
                    "duration": { "value": 14, "unit": "HOURS" },
                    "followed": true,
                    "certificate": { "obtained": true, "validUntil": "2028-03-03" },
                    "countsForFla": true,
                    "providerEnterpriseNumber": "0202239951",
                    "jointCommittee": "200"
                }
            })
        );
        assert!(rules::parse_declaration(&value).is_ok());
    }

    #[test]
    fn optional_columns_may_be_missing_and_empty_cells_are_not_given() {
        let text = "\u{FEFF}externalReference;enterpriseNumber;ssin;trainingName;trainingType;startDate;endDate;durationValue;durationUnit;followed;countsForFla;remarks\n\
                    ;0403170701;85073003328;Coaching;INFORMAL;2025-03-03;2025-03-03;1.5;HOURS;true;false;note\n\
                    ;;;;;;;;;;;\n\
                    R2;0403170701;85073003328;Coaching;INFORMAL;2025-03-03;2025-03-03;abc;HOURS;yes;false;\n";
        let input = read(text.as_bytes()).unwrap();
        assert_eq!(input.format, Format::Csv { delimiter: b';' });
        assert_eq!(input.ignored_columns, vec!["remarks"]);
        // The blank line is skipped; rows keep the spreadsheet's numbers.
        assert_eq!(
            input.rows.iter().map(|r| r.row).collect::<Vec<_>>(),
            vec![2, 4]
        );
        let first = input.rows[0].value.clone().unwrap();
        assert!(first.get("externalReference").is_none());
        assert!(first["training"].get("certificate").is_none());
        assert_eq!(first["training"]["duration"]["value"], json!(1.5));
        // A cell that is not what its column wants stays as typed, so the shape
        // check names it.
        let second = input.rows[1].value.clone().unwrap();
        let issues = rules::shape_issues(&second);
        let named: Vec<(&str, Option<&str>)> = issues
            .iter()
            .map(|i| (i.name.as_str(), i.value.as_deref()))
            .collect();
        assert_eq!(
            named,
            vec![
                ("training.duration.value", Some("abc")),
                ("training.followed", Some("yes"))
            ]
        );
    }

    #[test]
    fn json_lines_are_read_line_by_line() {
        let text = "{\"externalReference\":\"A\"}\n\n{not json}\n";
        let input = read(text.as_bytes()).unwrap();
        assert_eq!(input.format, Format::JsonLines);
        assert_eq!(input.rows.len(), 2);
        assert_eq!(input.rows[0].row, 1);
        assert_eq!(input.rows[0].value, Ok(json!({"externalReference": "A"})));
        assert_eq!(input.rows[1].row, 3);
        assert!(matches!(
            input.rows[1].value,
            Err(InputError::NotJsonLine { line: 3, .. })
        ));
    }

    #[test]
    fn files_that_cannot_be_declarations_say_why() {
        assert_eq!(read(b"  \n"), Err(InputError::Empty));
        assert_eq!(read(b"\xFF\xFEa,b"), Err(InputError::NotUtf8));
        match read(b"externalReference,ssin\nA,85073003328\n") {
            Err(InputError::MissingColumns { missing }) => {
                assert!(missing.contains(&"enterpriseNumber".to_owned()));
                assert!(!missing.contains(&"ssin".to_owned()));
            }
            other => panic!("{other:?}"),
        }
        let twice = format!("{HEADER},ssin\n");
        assert_eq!(
            read(twice.as_bytes()),
            Err(InputError::DuplicateColumn {
                name: "ssin".into()
            })
        );
    }
}
