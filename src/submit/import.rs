//! The files HR offices really keep, read as declarations: CSV with any
//! delimiter in UTF-8 (with or without BOM), UTF-16 or Windows-1252 as Excel
//! writes it, and XLSX, told apart by their content. Their columns are mapped
//! to the contract's fields by the words offices use (EN/NL/FR), by the values
//! where a header says nothing, or as the user forces; their values are read
//! as people type them; each row becomes a declaration checked by the same
//! rules as the editor, or its problems. Pure: bytes and "today" in, rows out.

use time::Date;

use super::conflicts::{Noted, ReferenceBook};
use crate::fla::anomalies::{self, AnomalyKind};
use crate::fla::rules;
use crate::fla::wire::{self, Declaration, DurationUnit, TrainingType};
use crate::i18n::{format_count, tr, tr_args, Lang};
use crate::identifiers::{self, SsinError};

mod workbook;
pub use workbook::Refusal as XlsxRefusal;

/// A field of the contract, as a column of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Reference,
    Enterprise,
    Ssin,
    Name,
    Type,
    Start,
    End,
    Duration,
    Unit,
    Followed,
    CertificateObtained,
    ValidUntil,
    CountsForFla,
    Provider,
    JointCommittee,
}

impl Field {
    pub const ALL: [Field; 15] = [
        Field::Reference,
        Field::Enterprise,
        Field::Ssin,
        Field::Name,
        Field::Type,
        Field::Start,
        Field::End,
        Field::Duration,
        Field::Unit,
        Field::Followed,
        Field::CertificateObtained,
        Field::ValidUntil,
        Field::CountsForFla,
        Field::Provider,
        Field::JointCommittee,
    ];

    /// The column name the contract's template uses (`--mapping` takes it).
    pub fn name(self) -> &'static str {
        match self {
            Field::Reference => "externalReference",
            Field::Enterprise => "enterpriseNumber",
            Field::Ssin => "ssin",
            Field::Name => "trainingName",
            Field::Type => "trainingType",
            Field::Start => "startDate",
            Field::End => "endDate",
            Field::Duration => "durationValue",
            Field::Unit => "durationUnit",
            Field::Followed => "followed",
            Field::CertificateObtained => "certificateObtained",
            Field::ValidUntil => "certificateValidUntil",
            Field::CountsForFla => "countsForFla",
            Field::Provider => "providerEnterpriseNumber",
            Field::JointCommittee => "jointCommittee",
        }
    }

    /// Where the value goes in the contract's JSON.
    pub fn path(self) -> &'static str {
        match self {
            Field::Reference => "externalReference",
            Field::Enterprise => "employer.enterpriseNumber",
            Field::Ssin => "worker.ssin",
            Field::Name => "training.name",
            Field::Type => "training.type",
            Field::Start => "training.startDate",
            Field::End => "training.endDate",
            Field::Duration => "training.duration.value",
            Field::Unit => "training.duration.unit",
            Field::Followed => "training.followed",
            Field::CertificateObtained => "training.certificate.obtained",
            Field::ValidUntil => "training.certificate.validUntil",
            Field::CountsForFla => "training.countsForFla",
            Field::Provider => "training.providerEnterpriseNumber",
            Field::JointCommittee => "training.jointCommittee",
        }
    }

    /// The field a `--mapping` names: the template's column name or the JSON
    /// path, in any case.
    pub fn parse(text: &str) -> Option<Field> {
        let text = text.trim();
        Field::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(text) || f.path().eq_ignore_ascii_case(text))
    }

    /// Without this column no row can be a declaration. The reference is not
    /// one: the engine generates one, once, for a row without.
    pub fn required(self) -> bool {
        !matches!(
            self,
            Field::Reference
                | Field::CertificateObtained
                | Field::ValidUntil
                | Field::Provider
                | Field::JointCommittee
        )
    }

    /// The editor's label of the field (`form.*`).
    pub fn label_key(self) -> &'static str {
        match self {
            Field::Reference => "form.reference",
            Field::Enterprise => "form.enterprise",
            Field::Ssin => "form.ssin",
            Field::Name => "form.name",
            Field::Type => "form.type",
            Field::Start => "form.start",
            Field::End => "form.end",
            Field::Duration => "form.duration",
            Field::Unit => "form.unit",
            Field::Followed => "form.followed",
            Field::CertificateObtained => "form.certificate",
            Field::ValidUntil => "form.valid_until",
            Field::CountsForFla => "form.counts_for_fla",
            Field::Provider => "form.provider",
            Field::JointCommittee => "form.joint_committee",
        }
    }

    /// The words offices put in a header for this field, folded (lower case,
    /// no accents, words split). `=` before one: only as the whole header
    /// (`van`, `nr`), never as a word inside a longer one.
    fn words(self) -> &'static [&'static str] {
        match self {
            Field::Reference => &[
                "external reference",
                "reference",
                "externe referentie",
                "extern referentienummer",
                "referentie",
                "referentienummer",
                "eigen referentie",
                "reference externe",
                "votre reference",
                "ref",
                "=nr",
                "=no",
                "=n",
                "=num",
                "=nummer",
                "=numero",
                "=id",
                "=kenmerk",
            ],
            Field::Enterprise => &[
                "enterprise number",
                "enterprise",
                "company number",
                "employer",
                "ondernemingsnummer",
                "ondernemingsnr",
                "onderneming",
                "kbo",
                "kbo nummer",
                "kbonummer",
                "werkgever",
                "btw nummer",
                "numero d entreprise",
                "numero entreprise",
                "entreprise",
                "bce",
                "numero bce",
                "employeur",
                "numero de tva",
                "=btw",
                "=tva",
                "=vat",
            ],
            Field::Ssin => &[
                "ssin",
                "insz",
                "niss",
                "inss",
                "rijksregisternummer",
                "rijksregister",
                "rr nummer",
                "rrn",
                "numero national",
                "registre national",
                "numero de registre national",
                "national number",
                "social security number",
                "insz nummer",
                "numero niss",
            ],
            Field::Name => &[
                "training name",
                "training",
                "course",
                "opleiding",
                "naam opleiding",
                "naam van de opleiding",
                "opleidingsnaam",
                "cursus",
                "cursusnaam",
                "vorming",
                "titel",
                "omschrijving",
                "formation",
                "intitule",
                "intitule de la formation",
                "nom de la formation",
                "nom formation",
                "cours",
                "titre",
                "libelle",
                "=description",
                "=name",
            ],
            Field::Type => &[
                "training type",
                "type",
                "soort",
                "type opleiding",
                "soort opleiding",
                "aard",
                "formeel",
                "informeel",
                "formeel informeel",
                "type de formation",
                "formel",
                "formelle",
                "formel informel",
                "formal",
                "formal informal",
            ],
            Field::Start => &[
                "start date",
                "start",
                "from",
                "begindatum",
                "startdatum",
                "begin",
                "datum begin",
                "begin datum",
                "aanvang",
                "vanaf",
                "=van",
                "date de debut",
                "date debut",
                "debut",
                "=du",
                "=de",
            ],
            Field::End => &[
                "end date",
                "end",
                "einddatum",
                "einde",
                "datum einde",
                "eind datum",
                "tot en met",
                "=tot",
                "=t m",
                "=to",
                "=until",
                "date de fin",
                "date fin",
                "fin",
                "=au",
                "=a",
                "=jusqu au",
            ],
            Field::Duration => &[
                "duration",
                "duration value",
                "hours",
                "number of hours",
                "duur",
                "tijdsduur",
                "uren",
                "aantal uren",
                "aantal",
                "dagen",
                "aantal dagen",
                "duree",
                "heures",
                "nombre d heures",
                "nombre heures",
                "jours",
                "nombre de jours",
                "volume",
                "=h",
                "=u",
                "=days",
            ],
            Field::Unit => &[
                "unit",
                "duration unit",
                "eenheid",
                "eenheid duur",
                "unite",
                "unite de duree",
                "unite duree",
            ],
            Field::Followed => &[
                "followed", "attended", "gevolgd", "aanwezig", "afgerond", "suivi", "suivie",
                "present", "presente", "termine",
            ],
            Field::CertificateObtained => &[
                "certificate",
                "certificate obtained",
                "attest",
                "attest behaald",
                "attest verkregen",
                "getuigschrift",
                "certificaat",
                "diploma",
                "behaald",
                "attestation",
                "attestation obtenue",
                "certificat",
                "certificat obtenu",
                "diplome",
                "obtenu",
                "obtenue",
            ],
            Field::ValidUntil => &[
                "valid until",
                "certificate valid until",
                "expiry",
                "geldig tot",
                "attest geldig tot",
                "geldigheid",
                "vervaldatum",
                "vervalt",
                "valable jusqu au",
                "valable jusqu",
                "valable",
                "validite",
                "date d expiration",
                "expiration",
            ],
            Field::CountsForFla => &[
                "counts for fla",
                "counts",
                "telt mee",
                "telt mee voor fla",
                "fla",
                "leerrekening",
                "federale leerrekening",
                "compte",
                "compte pour le fla",
                "compte formation",
                "=mee",
            ],
            Field::Provider => &[
                "provider",
                "training provider",
                "provider enterprise number",
                "aanbieder",
                "opleidingsverstrekker",
                "verstrekker",
                "organisator",
                "ondernemingsnummer aanbieder",
                "kbo aanbieder",
                "opleider",
                "prestataire",
                "organisateur",
                "operateur de formation",
                "numero d entreprise du prestataire",
                "bce prestataire",
            ],
            Field::JointCommittee => &[
                "joint committee",
                "paritair comite",
                "paritair comite nummer",
                "=pc",
                "pc nr",
                "commission paritaire",
                "=cp",
                "=pc cp",
                "=cp pc",
            ],
        }
    }

    /// Words that, in a header, say it is about something else (a partial
    /// match does not count then): "Numéro d'entreprise du prestataire" is not
    /// the employer's, "Attest geldig tot" is not the end date.
    fn not_words(self) -> &'static [&'static str] {
        const PROVIDER: &[&str] = &[
            "provider",
            "aanbieder",
            "opleidingsverstrekker",
            "verstrekker",
            "organisator",
            "opleider",
            "prestataire",
            "organisateur",
            "operateur",
        ];
        const CERTIFICATE: &[&str] = &[
            "attest",
            "certificate",
            "getuigschrift",
            "certificaat",
            "attestation",
            "certificat",
            "geldig",
            "valable",
            "valid",
            "diploma",
        ];
        const NOT_A_NAME: &[&str] = &[
            "type",
            "soort",
            "datum",
            "date",
            "duur",
            "duree",
            "uren",
            "heures",
            "hours",
            "dagen",
            "jours",
            "eenheid",
            "unite",
            "gevolgd",
            "suivi",
            "suivie",
            "code",
            "nr",
            "nummer",
            "numero",
            "ref",
            "id",
            "aanbieder",
            "prestataire",
            "organisateur",
            "provider",
            "verstrekker",
            "begin",
            "einde",
            "debut",
            "fin",
            "attest",
            "attestation",
            "certificat",
        ];
        match self {
            Field::Enterprise => PROVIDER,
            Field::Start | Field::End | Field::Followed => CERTIFICATE,
            Field::Name => NOT_A_NAME,
            Field::CertificateObtained => &[
                "geldig",
                "valable",
                "valid",
                "tot",
                "until",
                "jusqu",
                "vervaldatum",
                "expiration",
            ],
            Field::Reference => &["naam", "nom", "name"],
            _ => &[],
        }
    }
}

/// A cell as the file gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// An XLSX date cell.
    Date(Date),
}

impl Cell {
    fn text(text: &str) -> Cell {
        let text = text.trim();
        if text.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(text.to_owned())
        }
    }

    /// The cell as text: numbers as a person reads them (`14`, `7.5`).
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.clone(),
            Cell::Number(n) => number_text(*n),
            Cell::Bool(b) => b.to_string(),
            Cell::Date(d) => d.to_string(),
        }
    }

    fn is_empty(&self) -> bool {
        matches!(self, Cell::Empty)
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// What kind of file it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv {
        delimiter: u8,
        encoding: TextEncoding,
    },
    Xlsx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16,
    Windows1252,
}

impl TextEncoding {
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf8Bom => "utf-8 with BOM",
            TextEncoding::Utf16 => "utf-16",
            TextEncoding::Windows1252 => "windows-1252",
        }
    }
}

/// A file's rows, each with its number as a spreadsheet shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub format: FileFormat,
    pub rows: Vec<(usize, Vec<Cell>)>,
}

/// Why a file cannot be read as declarations at all (a row's own problems
/// are per row).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    #[error("the file is empty")]
    Empty,
    #[error("the spreadsheet cannot be read: {detail}")]
    Xlsx { detail: String },
    #[error("the CSV cannot be read at row {row}: {detail}")]
    Csv { row: usize, detail: String },
    #[error("the columns {missing:?} are not found among {headers:?}")]
    MissingColumns {
        missing: Vec<Field>,
        headers: Vec<String>,
    },
    #[error("the header row names {name} twice")]
    DuplicateColumn { name: String },
    #[error("--mapping {text}: not FIELD=HEADER")]
    BadMapping { text: String },
    #[error("--mapping gives the field {field} twice")]
    MappedTwice { field: String },
    #[error("the file is not text (a CSV) nor an Excel workbook")]
    NotText,
    #[error("--mapping names no field {field}")]
    UnknownField { field: String },
    #[error("--mapping names no column {header} (the file has {headers:?})")]
    UnknownHeader {
        header: String,
        headers: Vec<String>,
    },
    #[error("the workbook is refused: {refusal:?}")]
    XlsxRefused { refusal: XlsxRefusal },
    #[error("the workbook unpacks to more than {limit_mb} MB")]
    FileTooLarge { limit_mb: u64 },
    #[error("the file holds more than {limit} cells")]
    TooManyCells { limit: usize },
    #[error("row {row} of the CSV goes beyond a bound: {bound:?}")]
    CsvBound { row: usize, bound: CsvBound },
}

/// What a CSV row may not exceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvBound {
    /// A cell longer than a spreadsheet cell holds.
    Field,
    /// A row longer than [`CSV_MAX_ROW_BYTES`].
    Row,
    /// More columns than a spreadsheet holds.
    Columns(usize),
}

/// The most characters a cell holds (Excel's own limit): a longer CSV field
/// is refused, most often a quote that never closes.
pub const CSV_MAX_FIELD_CHARS: usize = 32_767;
/// The most bytes a CSV row may take.
pub const CSV_MAX_ROW_BYTES: usize = 1024 * 1024;
/// The most columns a row may have (Excel's own limit, A to XFD).
pub const MAX_COLUMNS: usize = workbook::MAX_COLUMNS as usize;
/// The most cells a whole file read at once ([`read_table`], the Bulk page)
/// may hold: about a gigabyte of cells. `submit` reads a file row by row and
/// has no such bound.
pub const TABLE_MAX_CELLS: usize = 30_000_000;

impl ImportError {
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Empty => "empty_file",
            ImportError::Xlsx { .. } => "bad_xlsx",
            ImportError::Csv { .. } => "bad_csv",
            ImportError::MissingColumns { .. } => "missing_columns",
            ImportError::DuplicateColumn { .. } => "duplicate_column",
            ImportError::BadMapping { .. } | ImportError::MappedTwice { .. } => "bad_mapping",
            ImportError::NotText => "bad_csv",
            ImportError::UnknownField { .. } => "unknown_field",
            ImportError::UnknownHeader { .. } => "unknown_column",
            ImportError::XlsxRefused { .. } => "bad_xlsx",
            ImportError::FileTooLarge { .. } | ImportError::TooManyCells { .. } => "file_too_large",
            ImportError::CsvBound { .. } => "bad_csv",
        }
    }

    /// What happened and what to do, in `lang`; `file` names the file. No
    /// control character of a file (a header's, its name's) is said raw: each
    /// is shown escaped (`\u{7}`), so that a terminal shows what is there.
    pub fn message(&self, lang: Lang, file: &str) -> String {
        let text = self.raw_message(lang, file);
        if !text.chars().any(char::is_control) {
            return text;
        }
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    }

    fn raw_message(&self, lang: Lang, file: &str) -> String {
        let file = ("file", file.to_owned());
        let fields = |list: &[Field]| list.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ");
        match self {
            ImportError::Empty => tr_args(lang, "import.error.empty_file", &[file]),
            ImportError::Xlsx { detail } => tr_args(
                lang,
                "import.error.bad_xlsx",
                &[file, ("detail", detail.clone())],
            ),
            ImportError::Csv { row, detail } => tr_args(
                lang,
                "import.error.bad_csv",
                &[file, ("row", row.to_string()), ("detail", detail.clone())],
            ),
            ImportError::MissingColumns { missing, headers } => tr_args(
                lang,
                "import.error.missing_columns",
                &[
                    file,
                    ("fields", fields(missing)),
                    ("headers", headers.join(" | ")),
                ],
            ),
            ImportError::DuplicateColumn { name } => tr_args(
                lang,
                "import.error.duplicate_column",
                &[file, ("column", name.clone())],
            ),
            ImportError::BadMapping { text } => {
                tr_args(lang, "import.error.bad_mapping", &[("text", text.clone())])
            }
            ImportError::MappedTwice { field } => tr_args(
                lang,
                "import.error.mapped_twice",
                &[("field", field.clone())],
            ),
            ImportError::NotText => tr_args(lang, "import.error.not_text", &[file]),
            ImportError::UnknownField { field } => tr_args(
                lang,
                "import.error.unknown_field",
                &[("field", field.clone()), ("fields", fields(&Field::ALL))],
            ),
            ImportError::UnknownHeader { header, headers } => tr_args(
                lang,
                "import.error.unknown_column",
                &[
                    file,
                    ("column", header.clone()),
                    ("headers", headers.join(" | ")),
                ],
            ),
            ImportError::XlsxRefused { refusal } => refusal_message(refusal, lang, file),
            ImportError::FileTooLarge { limit_mb } => tr_args(
                lang,
                "import.error.file_too_large",
                &[file, ("limit", format_count(lang, *limit_mb))],
            ),
            ImportError::TooManyCells { limit } => tr_args(
                lang,
                "import.error.too_many_cells",
                &[file, ("limit", format_count(lang, *limit as u64))],
            ),
            ImportError::CsvBound { row, bound } => {
                let row = ("row", format_count(lang, *row as u64));
                match bound {
                    CsvBound::Field => tr_args(
                        lang,
                        "import.error.csv_field_too_long",
                        &[
                            file,
                            row,
                            ("limit", format_count(lang, CSV_MAX_FIELD_CHARS as u64)),
                        ],
                    ),
                    CsvBound::Row => tr_args(
                        lang,
                        "import.error.csv_row_too_long",
                        &[
                            file,
                            row,
                            ("limit", format_count(lang, CSV_MAX_ROW_BYTES as u64)),
                        ],
                    ),
                    CsvBound::Columns(columns) => tr_args(
                        lang,
                        "import.error.csv_too_many_columns",
                        &[
                            file,
                            row,
                            ("columns", format_count(lang, *columns as u64)),
                            ("limit", format_count(lang, MAX_COLUMNS as u64)),
                        ],
                    ),
                }
            }
        }
    }
}

/// What a refused workbook's user reads.
fn refusal_message(refusal: &XlsxRefusal, lang: Lang, file: (&str, String)) -> String {
    let n = |n: u64| format_count(lang, n);
    match refusal {
        XlsxRefusal::Damaged { part } => tr_args(
            lang,
            "import.error.xlsx_damaged",
            &[file, ("part", part.clone())],
        ),
        XlsxRefusal::Packed { part, ratio } => tr_args(
            lang,
            "import.error.xlsx_packed",
            &[file, ("part", part.clone()), ("ratio", n(*ratio))],
        ),
        XlsxRefusal::ClaimsTexts { claimed, room } => tr_args(
            lang,
            "import.error.xlsx_claims_texts",
            &[file, ("claimed", n(*claimed)), ("room", n(*room))],
        ),
        XlsxRefusal::CellBeyond { row, column } => tr_args(
            lang,
            "import.error.xlsx_cell_beyond",
            &[file, ("row", n(*row)), ("column", n(*column))],
        ),
        XlsxRefusal::RowsOutOfOrder { row, after } => tr_args(
            lang,
            "import.error.xlsx_rows_out_of_order",
            &[file, ("row", n(*row)), ("after", n(*after))],
        ),
    }
}

// ---------------------------------------------------------------- reading

/// Whether decoded bytes are text as a CSV is: no NUL, and hardly any other
/// control character (a tab, a line break and the odd stray one aside). Bytes
/// that are neither UTF-8 nor Windows-1252 text (an image, a PDF, a zip that is
/// not a workbook) decode to many.
fn looks_like_text(text: &str) -> bool {
    let mut chars = 0usize;
    let mut controls = 0usize;
    for c in text.chars() {
        if c == '\0' {
            return false;
        }
        chars += 1;
        if c.is_control() && !matches!(c, '\t' | '\r' | '\n') {
            controls += 1;
        }
    }
    controls * 20 <= chars
}

/// The text of a CSV: UTF-8 (a BOM dropped), UTF-16 with its BOM (Excel's
/// "Unicode text"), else Windows-1252 (Excel's "CSV" on a Western Windows).
pub fn decode(bytes: &[u8]) -> (std::borrow::Cow<'_, str>, TextEncoding) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        if let Ok(text) = std::str::from_utf8(rest) {
            return (text.into(), TextEncoding::Utf8Bom);
        }
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (text, _, _) = encoding_rs::UTF_16LE.decode(bytes);
        return (text, TextEncoding::Utf16);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.into(), TextEncoding::Utf8),
        Err(_) => (windows_1252(bytes).into(), TextEncoding::Windows1252),
    }
}

/// Windows-1252 bytes as text, in a string about as large as the text:
/// encoding_rs's own `decode` reserves three bytes per byte (300 MB for the
/// 100 MB file of a million rows).
fn windows_1252(bytes: &[u8]) -> String {
    let mut decoder = encoding_rs::WINDOWS_1252.new_decoder_without_bom_handling();
    // Most bytes of a Western file are ASCII, one byte each in UTF-8.
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 16 + 16);
    let mut rest = bytes;
    loop {
        let (result, read, _) = decoder.decode_to_string(rest, &mut text, true);
        rest = rest.get(read..).unwrap_or_default();
        match result {
            encoding_rs::CoderResult::InputEmpty => return text,
            encoding_rs::CoderResult::OutputFull => text.reserve(rest.len() / 2 + 16),
        }
    }
}

/// The delimiter of a CSV: of `;` `,` tab `|`, the one the first lines hold
/// most of (outside quotes), `;` first on a tie (Belgian Excel's).
pub fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text.lines().take(10).collect();
    let count = |line: &str, d: char| {
        let mut quoted = false;
        line.chars()
            .filter(|&c| {
                if c == '"' {
                    quoted = !quoted;
                }
                !quoted && c == d
            })
            .count()
    };
    [(';', b';'), ('\t', b'\t'), (',', b','), ('|', b'|')]
        .into_iter()
        .map(|(c, b)| {
            // The count most lines share: a title line or a stray comma in a
            // name does not decide.
            let mut counts: Vec<usize> = lines.iter().map(|l| count(l, c)).collect();
            counts.sort_unstable();
            let mut best = (0usize, 0usize);
            let mut i = 0;
            while i < counts.len() {
                let j = counts[i..].iter().take_while(|&&n| n == counts[i]).count();
                if counts[i] > 0 && (j, counts[i]) > best {
                    best = (j, counts[i]);
                }
                i += j;
            }
            (best, b)
        })
        .fold(
            ((0, 0), b','),
            |acc, cur| if cur.0 > acc.0 { cur } else { acc },
        )
        .1
}

/// The decoded text of a CSV, from its first row on (an Excel `sep=` line
/// left out), owned or borrowed from the file's bytes, for the csv reader.
struct CsvText<'a> {
    text: std::borrow::Cow<'a, str>,
    start: usize,
}

impl AsRef<[u8]> for CsvText<'_> {
    fn as_ref(&self) -> &[u8] {
        self.text.as_bytes().get(self.start..).unwrap_or_default()
    }
}

/// A CSV's rows one at a time, each with its number as a spreadsheet shows
/// it, blank rows left out: only the row being read is held (besides the
/// decoded text), so a file of a million rows is read in bounded memory.
pub struct CsvRows<'a> {
    reader: csv::Reader<std::io::Cursor<CsvText<'a>>>,
    record: csv::StringRecord,
    first_row: usize,
    line: usize,
    scanned: usize,
    inner_breaks: usize,
    done: bool,
}

impl<'a> CsvRows<'a> {
    /// The rows of decoded text, its delimiter sniffed (or given by Excel's
    /// own hint line, `sep=;`).
    fn new(text: std::borrow::Cow<'a, str>) -> (CsvRows<'a>, u8) {
        let hint = text
            .lines()
            .next()
            .map(str::trim)
            .filter(|line| line.len() == 5 && line.to_ascii_lowercase().starts_with("sep="))
            .map(|line| line.as_bytes()[4]);
        let (start, delimiter, first_row) = match hint {
            Some(delimiter) => {
                let start = text.find('\n').map_or(text.len(), |i| i + 1);
                (start, delimiter, 2)
            }
            None => (0, sniff_delimiter(&text), 1),
        };
        let reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(std::io::Cursor::new(CsvText { text, start }));
        (
            CsvRows {
                reader,
                record: csv::StringRecord::new(),
                first_row,
                line: 1,
                scanned: 0,
                inner_breaks: 0,
                done: false,
            },
            delimiter,
        )
    }

    /// The row, as a spreadsheet numbers it, of the record starting at
    /// `byte`: lines, blank ones included (the csv crate's own line count is
    /// off after CRLF and blank lines), less the line breaks inside quoted
    /// cells, which do not start a row.
    fn row_at(&mut self, byte: Option<u64>) -> usize {
        let bytes = self.reader.get_ref().get_ref().as_ref();
        let mut start = byte
            .map_or(self.scanned, |b| usize::try_from(b).unwrap_or(usize::MAX))
            .clamp(self.scanned, bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        self.line += bytes[self.scanned..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.scanned = start;
        self.line - self.inner_breaks + self.first_row - 1
    }
}

impl Iterator for CsvRows<'_> {
    type Item = Result<(usize, Vec<Cell>), ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.reader.read_record(&mut self.record) {
                Ok(false) => self.done = true,
                Ok(true) => {
                    let row = self.row_at(self.record.position().map(|p| p.byte()));
                    if let Some(bound) = csv_bound(&self.record) {
                        self.done = true;
                        return Some(Err(ImportError::CsvBound { row, bound }));
                    }
                    let cells: Vec<Cell> = self.record.iter().map(Cell::text).collect();
                    self.inner_breaks += self
                        .record
                        .iter()
                        .map(|c| c.matches('\n').count())
                        .sum::<usize>();
                    if cells.iter().any(|c| !c.is_empty()) {
                        return Some(Ok((row, cells)));
                    }
                }
                Err(e) => {
                    self.done = true;
                    let row = self.row_at(e.position().map(|p| p.byte()));
                    return Some(Err(ImportError::Csv {
                        row,
                        detail: e.to_string(),
                    }));
                }
            }
        }
        None
    }
}

/// The bound a CSV record goes beyond, if any.
fn csv_bound(record: &csv::StringRecord) -> Option<CsvBound> {
    if record.len() > MAX_COLUMNS {
        return Some(CsvBound::Columns(record.len()));
    }
    if record.as_slice().len() > CSV_MAX_ROW_BYTES {
        return Some(CsvBound::Row);
    }
    // Characters, as a spreadsheet counts them; bytes first, which is cheap.
    record
        .iter()
        .any(|f| f.len() > CSV_MAX_FIELD_CHARS && f.chars().count() > CSV_MAX_FIELD_CHARS)
        .then_some(CsvBound::Field)
}

/// A file's rows one at a time (blank rows left out): a CSV read as it goes,
/// an XLSX checked first, then read as it goes (see [`workbook`]).
pub enum Rows<'a> {
    Csv(CsvRows<'a>),
    Sheet(workbook::SheetRows),
}

impl Iterator for Rows<'_> {
    type Item = Result<(usize, Vec<Cell>), ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Rows::Csv(rows) => rows.next(),
            Rows::Sheet(rows) => rows.next(),
        }
    }
}

/// Opens a file's rows: XLSX where the bytes are a ZIP, CSV otherwise. The
/// rows may still be none (see [`read_table`]).
pub fn read_rows(bytes: &[u8]) -> Result<(FileFormat, Rows<'_>), ImportError> {
    if bytes.starts_with(b"PK\x03\x04") {
        let rows = workbook::open(bytes.to_vec())?;
        return Ok((FileFormat::Xlsx, Rows::Sheet(rows)));
    }
    let (text, encoding) = decode(bytes);
    csv_rows(text, encoding)
}

/// As [`read_rows`], the file's bytes given away: a Windows-1252 or UTF-16
/// file's bytes are dropped once decoded (UTF-8 becomes its text in place),
/// an XLSX's once its sheet is read, so a big file is not held twice.
pub fn read_rows_owned(bytes: Vec<u8>) -> Result<(FileFormat, Rows<'static>), ImportError> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok((FileFormat::Xlsx, Rows::Sheet(workbook::open(bytes)?)));
    }
    let (decoded, encoding) = match decode(&bytes) {
        (std::borrow::Cow::Owned(text), encoding) => (Some(text), encoding),
        (std::borrow::Cow::Borrowed(_), encoding) => (None, encoding),
    };
    let text = match decoded {
        Some(text) => text,
        // Borrowed: UTF-8, with or without its BOM.
        None => {
            let mut text = String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            if encoding == TextEncoding::Utf8Bom {
                text.drain(..text.len().min(3));
            }
            text
        }
    };
    csv_rows(text.into(), encoding)
}

fn csv_rows(
    text: std::borrow::Cow<'_, str>,
    encoding: TextEncoding,
) -> Result<(FileFormat, Rows<'_>), ImportError> {
    if text.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    if !looks_like_text(&text) {
        return Err(ImportError::NotText);
    }
    let (rows, delimiter) = CsvRows::new(text);
    Ok((
        FileFormat::Csv {
            delimiter,
            encoding,
        },
        Rows::Csv(rows),
    ))
}

/// Reads a file into its rows: XLSX where the bytes are a ZIP, CSV otherwise.
pub fn read_table(bytes: &[u8]) -> Result<Table, ImportError> {
    read_table_within(bytes, TABLE_MAX_CELLS)
}

/// As [`read_table`], refusing a file of more than `max_cells` cells
/// ([`ImportError::TooManyCells`]).
pub fn read_table_within(bytes: &[u8], max_cells: usize) -> Result<Table, ImportError> {
    let (format, rest) = read_rows(bytes)?;
    let mut rows = Vec::new();
    let mut cells = 0usize;
    for row in rest {
        let row = row?;
        cells += row.1.len();
        if cells > max_cells {
            return Err(ImportError::TooManyCells { limit: max_cells });
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(Table { format, rows })
}

// ---------------------------------------------------------------- mapping

/// How a column was chosen for a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappedBy {
    /// `--mapping` (or the Bulk page).
    Forced,
    /// The contract's own column name.
    Name,
    /// The words of the header.
    Header,
    /// The header said nothing usable; the column's values did.
    Values,
}

impl MappedBy {
    pub fn code(self) -> &'static str {
        match self {
            MappedBy::Forced => "forced",
            MappedBy::Name => "name",
            MappedBy::Header => "header",
            MappedBy::Values => "values",
        }
    }
}

/// One field's column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    pub field: Field,
    pub column: usize,
    pub header: String,
    pub by: MappedBy,
}

/// The columns of a file: where each field is, and what is left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// The header's row, as a spreadsheet numbers it.
    pub header_row: usize,
    pub headers: Vec<String>,
    /// In the order of [`Field::ALL`].
    pub fields: Vec<Mapped>,
    /// Headers of the columns no field takes (ignored).
    pub ignored: Vec<String>,
    /// The unit a duration header gives ("Duur (uren)", "Heures") where no
    /// column says it.
    pub implied_unit: Option<DurationUnit>,
}

impl Mapping {
    pub fn column(&self, field: Field) -> Option<usize> {
        self.fields
            .iter()
            .find(|m| m.field == field)
            .map(|m| m.column)
    }
}

/// A header as words: lower case, accents off, `camelCase` and punctuation split.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev_lower = false;
    for c in text.chars() {
        if c.is_uppercase() && prev_lower {
            out.push(' ');
        }
        prev_lower = c.is_lowercase();
        for l in c.to_lowercase() {
            let l = match l {
                'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
                'ç' => 'c',
                'è' | 'é' | 'ê' | 'ë' => 'e',
                'ì' | 'í' | 'î' | 'ï' => 'i',
                'ñ' => 'n',
                'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
                'ù' | 'ú' | 'û' | 'ü' => 'u',
                'ÿ' => 'y',
                l if l.is_alphanumeric() => l,
                _ => ' ',
            };
            if l == ' ' && (out.is_empty() || out.ends_with(' ')) {
                continue;
            }
            out.push(l);
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// How well `header` names `field`: 0 not at all.
fn header_score(field: Field, header: &str, folded: &str) -> u32 {
    if header.trim().eq_ignore_ascii_case(field.name())
        || header.trim().eq_ignore_ascii_case(field.path())
    {
        return 1000;
    }
    if folded.is_empty() {
        return 0;
    }
    let words: Vec<&str> = folded.split(' ').collect();
    let excluded = field.not_words().iter().any(|n| words.contains(n));
    let mut best = 0;
    for synonym in field.words() {
        let (exact_only, synonym) = match synonym.strip_prefix('=') {
            Some(s) => (true, s),
            None => (false, *synonym),
        };
        if folded == synonym {
            return 500;
        }
        if exact_only || excluded {
            continue;
        }
        let want: Vec<&str> = synonym.split(' ').collect();
        if words.windows(want.len()).any(|w| w == want.as_slice()) {
            best = best.max(100 + 10 * want.len() as u32);
        }
    }
    best
}

/// Whether a cell could be a field's value.
type ValueTest<'a> = &'a dyn Fn(&Cell) -> bool;

/// Maps a header row's columns to fields, `forced` first (`FIELD=HEADER`;
/// `FIELD=` leaves the field out), then by header, then by the values of
/// `sample` (rows under the header).
pub fn map_columns(
    header_row: usize,
    headers: &[String],
    sample: &[&[Cell]],
    forced: &[(Field, Option<String>)],
) -> Result<Mapping, ImportError> {
    let (mapping, missing) = map_columns_partial(header_row, headers, sample, forced)?;
    match missing {
        Some(missing) => Err(missing),
        None => Ok(mapping),
    }
}

/// As [`map_columns`], but a required field no column could be taken for is
/// left out of the mapping instead of refusing it: the mapping so far and the
/// `missing_columns` error that says which (for the Bulk page, where the user
/// then chooses the column).
pub fn map_columns_partial(
    header_row: usize,
    headers: &[String],
    sample: &[&[Cell]],
    forced: &[(Field, Option<String>)],
) -> Result<(Mapping, Option<ImportError>), ImportError> {
    let mut taken_col = vec![false; headers.len()];
    let mut fields: Vec<Mapped> = Vec::new();
    let mut skip: Vec<Field> = Vec::new();
    for (i, (field, header)) in forced.iter().enumerate() {
        // The same field twice: which column is meant cannot be told.
        if forced[..i].iter().any(|(f, _)| f == field) {
            return Err(ImportError::MappedTwice {
                field: field.name().to_owned(),
            });
        }
        let Some(header) = header else {
            skip.push(*field);
            continue;
        };
        let want = header.trim();
        if headers.iter().filter(|h| h.trim() == want).count() > 1 {
            return Err(ImportError::DuplicateColumn {
                name: want.to_owned(),
            });
        }
        let column = headers
            .iter()
            .position(|h| h.trim() == want)
            .or_else(|| {
                headers
                    .iter()
                    .position(|h| h.trim().eq_ignore_ascii_case(want))
            })
            .or_else(|| column_letter(want).filter(|&c| c < headers.len()))
            .or_else(|| {
                let folded = fold(want);
                headers.iter().position(|h| fold(h) == folded)
            })
            .ok_or_else(|| ImportError::UnknownHeader {
                header: want.to_owned(),
                headers: headers.to_vec(),
            })?;
        fields.retain(|m| m.field != *field);
        taken_col[column] = true;
        fields.push(Mapped {
            field: *field,
            column,
            header: headers[column].clone(),
            by: MappedBy::Forced,
        });
    }
    let free = |f: Field, fields: &[Mapped], skip: &[Field]| {
        !skip.contains(&f) && !fields.iter().any(|m| m.field == f)
    };
    let folded: Vec<String> = headers.iter().map(|h| fold(h)).collect();
    // Two columns with the same header that a field would take (the
    // contract's name or an office's word): which one is meant cannot be told.
    for (c, h) in headers.iter().enumerate() {
        if taken_col[c] || (folded[c].is_empty() && h.trim().is_empty()) {
            continue;
        }
        let twin = (c + 1..headers.len()).any(|d| {
            !taken_col[d]
                && (headers[d].trim().eq_ignore_ascii_case(h.trim())
                    || (!folded[c].is_empty() && folded[d] == folded[c]))
        });
        if twin
            && Field::ALL
                .into_iter()
                .any(|f| free(f, &fields, &skip) && header_score(f, h, &folded[c]) > 0)
        {
            return Err(ImportError::DuplicateColumn {
                name: h.trim().to_owned(),
            });
        }
    }
    // By header: the best (column, field) pairs first, so that an exact
    // header wins over a partial one ("Tot" over "Attest geldig tot").
    let mut pairs: Vec<(u32, usize, Field)> = Vec::new();
    for (c, h) in headers.iter().enumerate() {
        for f in Field::ALL {
            let s = header_score(f, h, &folded[c]);
            if s > 0 {
                pairs.push((s, c, f));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    for (score, c, f) in pairs {
        if taken_col[c] || !free(f, &fields, &skip) {
            continue;
        }
        taken_col[c] = true;
        fields.push(Mapped {
            field: f,
            column: c,
            header: headers[c].clone(),
            by: if score == 1000 {
                MappedBy::Name
            } else {
                MappedBy::Header
            },
        });
    }
    // By values, for the columns whose header said nothing.
    let column_values = |c: usize| -> Vec<&Cell> {
        sample
            .iter()
            .filter_map(|r| r.get(c))
            .filter(|v| !v.is_empty())
            .collect()
    };
    let mostly = |c: usize, test: &dyn Fn(&Cell) -> bool| {
        let values = column_values(c);
        !values.is_empty() && values.iter().filter(|v| test(v)).count() * 5 >= values.len() * 4
    };
    let tests: [(Field, ValueTest); 7] = [
        (Field::Ssin, &|v| {
            identifiers::parse_ssin(&ssin_text(v)).is_ok()
        }),
        (Field::Enterprise, &|v| {
            identifiers::parse_enterprise_number(&v.display()).is_some()
        }),
        (Field::Provider, &|v| {
            identifiers::parse_enterprise_number(&v.display()).is_some()
        }),
        (Field::Type, &|v| parse_type(v).is_some()),
        (
            Field::Unit,
            &|v| matches!(v, Cell::Text(t) if parse_unit(t).is_some()),
        ),
        (Field::Start, &|v| parse_date(v).is_some()),
        (Field::End, &|v| parse_date(v).is_some()),
        // Never a yes/no field (followed, countsForFla, certificateObtained):
        // their columns cannot be told apart by their values, and a swap would
        // declare wrongly without a word. The user says which (`--mapping`,
        // the Bulk page).
    ];
    for (f, test) in tests {
        if !free(f, &fields, &skip) {
            continue;
        }
        if let Some(c) = (0..headers.len()).find(|&c| !taken_col[c] && mostly(c, test)) {
            taken_col[c] = true;
            fields.push(Mapped {
                field: f,
                column: c,
                header: headers[c].clone(),
                by: MappedBy::Values,
            });
        }
    }
    // A small number beside the unit's column is the duration.
    if free(Field::Duration, &fields, &skip) {
        if let Some(unit) = fields
            .iter()
            .find(|m| m.field == Field::Unit)
            .map(|m| m.column)
        {
            let small =
                |v: &Cell| parse_number(v).is_some_and(|(n, _)| (0.0..=1000.0).contains(&n));
            let beside = [unit.checked_sub(1), Some(unit + 1)];
            if let Some(c) = beside
                .into_iter()
                .flatten()
                .find(|&c| c < headers.len() && !taken_col[c] && mostly(c, &small))
            {
                taken_col[c] = true;
                fields.push(Mapped {
                    field: Field::Duration,
                    column: c,
                    header: headers[c].clone(),
                    by: MappedBy::Values,
                });
            }
        }
    }
    fields.sort_by_key(|m| m.field);
    let implied_unit = if fields.iter().any(|m| m.field == Field::Unit) {
        None
    } else {
        fields
            .iter()
            .find(|m| m.field == Field::Duration)
            .and_then(|m| {
                fold(&m.header)
                    .split(' ')
                    .rev()
                    .find_map(|w| parse_unit(w).filter(|_| w.len() > 1))
            })
    };
    let missing: Vec<Field> = Field::ALL
        .into_iter()
        .filter(|f| f.required() && !fields.iter().any(|m| m.field == *f))
        .filter(|f| !(*f == Field::Unit && implied_unit.is_some()))
        .collect();
    let missing = (!missing.is_empty()).then(|| ImportError::MissingColumns {
        missing,
        headers: headers.to_vec(),
    });
    let ignored = headers
        .iter()
        .enumerate()
        .filter(|(c, h)| !taken_col[*c] && !h.trim().is_empty())
        .map(|(_, h)| h.clone())
        .collect();
    Ok((
        Mapping {
            header_row,
            headers: headers.to_vec(),
            fields,
            ignored,
            implied_unit,
        },
        missing,
    ))
}

/// `A` → 0, `AB` → 27: a column named by its letter in `--mapping`.
fn column_letter(text: &str) -> Option<usize> {
    if text.is_empty() || text.len() > 2 || !text.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    Some(
        text.to_ascii_uppercase()
            .bytes()
            .fold(0usize, |acc, b| acc * 26 + usize::from(b - b'A') + 1)
            - 1,
    )
}

/// Parses `FIELD=HEADER` (`FIELD=` leaves a field out).
pub fn parse_forced(text: &str) -> Result<(Field, Option<String>), ImportError> {
    let Some((field, header)) = text.split_once('=') else {
        return Err(ImportError::BadMapping {
            text: text.to_owned(),
        });
    };
    let field = Field::parse(field).ok_or_else(|| ImportError::UnknownField {
        field: field.trim().to_owned(),
    })?;
    let header = header.trim();
    Ok((field, (!header.is_empty()).then(|| header.to_owned())))
}

// ---------------------------------------------------------------- values

fn ssin_text(cell: &Cell) -> String {
    match cell {
        // A number cell lost the leading zero of a birth in 200x.
        Cell::Number(n) if n.fract() == 0.0 && *n >= 0.0 && *n < 1e11 => {
            format!("{:011}", *n as u64)
        }
        other => other.display(),
    }
}

/// `FORMAL`, `Formeel`, `Formelle`, `informal`, `Informeel`…
fn parse_type(cell: &Cell) -> Option<TrainingType> {
    let Cell::Text(t) = cell else { return None };
    match fold(t).as_str() {
        "formal" | "formeel" | "formele" | "formel" | "formelle" | "f" => {
            Some(TrainingType::Formal)
        }
        "informal" | "informeel" | "informele" | "informel" | "informelle" | "i" => {
            Some(TrainingType::Informal)
        }
        _ => None,
    }
}

/// `uren/uur/u/h/heures/hours`, `dagen/dag/d/jours/j/days`.
fn parse_unit(text: &str) -> Option<DurationUnit> {
    match fold(text).as_str() {
        "hours" | "hour" | "hrs" | "hr" | "h" | "uren" | "uur" | "u" | "heures" | "heure" => {
            Some(DurationUnit::Hours)
        }
        "days" | "day" | "d" | "dagen" | "dag" | "jours" | "jour" | "j" => Some(DurationUnit::Days),
        _ => None,
    }
}

/// A cell read by `parse`: an empty cell is the problem `required` names where
/// the field is required; a value `parse` cannot read is the problem `bad`.
fn read_cell<T>(
    c: &Cell,
    field: Field,
    required: Option<&'static str>,
    bad: &'static str,
    parse: fn(&Cell) -> Option<T>,
    whole: &mut bool,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    if matches!(c, Cell::Empty) {
        if let Some(code) = required {
            *whole = false;
            problems.push(Problem::value(field, code, None));
        }
        return None;
    }
    let value = parse(c);
    if value.is_none() {
        *whole = false;
        problems.push(Problem::value(field, bad, Some(c.display())));
    }
    value
}

/// `ja/nee`, `oui/non`, `yes/no`, `true/false`, `x`, 1/0, a boolean cell.
fn parse_bool(cell: &Cell) -> Option<bool> {
    match cell {
        Cell::Bool(b) => Some(*b),
        Cell::Number(n) if *n == 1.0 => Some(true),
        Cell::Number(n) if *n == 0.0 => Some(false),
        Cell::Text(t) => match fold(t).as_str() {
            "true" | "yes" | "y" | "ja" | "j" | "oui" | "o" | "waar" | "vrai" | "x" | "1"
            | "wahr" => Some(true),
            "false" | "no" | "n" | "nee" | "neen" | "non" | "onwaar" | "faux" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A number as typed (`3,5`, `7.5`, `14 uren`, `2 j`) and the unit it may carry.
fn parse_number(cell: &Cell) -> Option<(f64, Option<DurationUnit>)> {
    match cell {
        Cell::Number(n) if n.is_finite() => Some((*n, None)),
        Cell::Text(t) => {
            let t = t.trim();
            let end = t
                .find(|c: char| !(c.is_ascii_digit() || matches!(c, ',' | '.' | '-' | '+' | ' ')))
                .unwrap_or(t.len());
            let (number, unit) = t.split_at(end);
            let number: String = number.chars().filter(|c| *c != ' ').collect();
            let value = number.replace(',', ".").parse::<f64>().ok()?;
            if !value.is_finite() {
                return None;
            }
            let unit = unit.trim();
            if unit.is_empty() {
                return Some((value, None));
            }
            Some((value, Some(parse_unit(unit)?)))
        }
        _ => None,
    }
}

/// The 1900 system's day 0 (Excel counts 1900 as a leap year: from March
/// 1900 on, the serial days are the days since this date).
const EXCEL_EPOCH: Date = time::macros::date!(1899 - 12 - 30);

/// A date cell, an Excel serial day, or text as people type dates
/// (`2025-03-03`, `03/03/2025`, `3-3-2025`, `2025-03-03T00:00:00`).
fn parse_date(cell: &Cell) -> Option<Date> {
    match cell {
        Cell::Date(d) => Some(*d),
        Cell::Number(n) => serial_date(*n),
        Cell::Text(t) => {
            let t = t.trim();
            let date_part = t.split(['T', ' ']).next().unwrap_or(t);
            crate::i18n::parse_user_date(date_part).or_else(|| {
                // A date column Excel exported as its numbers.
                (t.len() == 5 && t.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| t.parse::<f64>().ok())
                    .flatten()
                    .and_then(serial_date)
            })
        }
        _ => None,
    }
}

fn serial_date(n: f64) -> Option<Date> {
    // From March 1900 to the year 9999.
    if !(61.0..2_958_466.0).contains(&n) {
        return None;
    }
    EXCEL_EPOCH.checked_add(time::Duration::days(n.floor() as i64))
}

// ---------------------------------------------------------------- rows

/// Where a problem comes from, for its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A value that cannot be read (`import.problem.*`).
    Value,
    Ssin(SsinError),
    /// A rule of the FLA, the editor's own check.
    Rule(&'static AnomalyKind),
    /// The reference is already taken, in the same file, by the row
    /// `first_row` with other content (see `conflicts`).
    Conflict {
        first_row: usize,
    },
    /// The same content as the row `first_row`, repeated (a warning).
    Duplicate {
        first_row: usize,
        row: usize,
    },
}

/// One problem of a row: what the user fixes in the spreadsheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field's path in the contract (`worker.ssin`).
    pub field: &'static str,
    /// A stable snake_case code (`ssin_checksum`, `end_before_start`).
    pub code: &'static str,
    /// The cell as the file gives it, where it is the cause.
    pub value: Option<String>,
    source: Source,
}

impl Problem {
    fn value(field: Field, code: &'static str, value: Option<String>) -> Problem {
        Problem {
            field: field.path(),
            code,
            value,
            source: Source::Value,
        }
    }

    /// The reference of this row is already taken in the file by the row
    /// `first_row`, for other content: the row is not declared.
    pub fn reference_conflict(reference: &str, first_row: usize) -> Problem {
        Problem {
            field: Field::Reference.path(),
            code: "reference_conflict",
            value: Some(reference.to_owned()),
            source: Source::Conflict { first_row },
        }
    }

    /// The row `row` repeats the row `first_row` (reference and content): a
    /// warning, the declaration is made once.
    pub fn duplicate_row(first_row: usize, row: usize) -> Problem {
        Problem {
            field: Field::Reference.path(),
            code: "duplicate_row",
            value: None,
            source: Source::Duplicate { first_row, row },
        }
    }

    /// The anomaly code of the FLA rule, where the problem is one.
    pub fn anomaly(&self) -> Option<&'static str> {
        match self.source {
            Source::Rule(kind) => Some(kind.code),
            Source::Ssin(_) => Some(anomalies::SSIN.code),
            Source::Value if self.code.starts_with("enterprise_") => {
                Some(if self.field == Field::Provider.path() {
                    anomalies::PROVIDER_ENTERPRISE.code
                } else {
                    anomalies::ENTERPRISE.code
                })
            }
            Source::Value | Source::Conflict { .. } | Source::Duplicate { .. } => None,
        }
    }

    /// What is wrong and what to do, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match self.source {
            Source::Ssin(e) => e.message(lang),
            Source::Rule(kind) => kind.text(lang).to_owned(),
            Source::Conflict { first_row } => tr_args(
                lang,
                "import.problem.reference_conflict",
                &[
                    ("reference", self.value.clone().unwrap_or_default()),
                    ("first", first_row.to_string()),
                ],
            ),
            Source::Duplicate { first_row, row } => tr_args(
                lang,
                "import.warning.duplicate_row",
                &[("first", first_row.to_string()), ("row", row.to_string())],
            ),
            Source::Value => {
                let field = Field::ALL
                    .into_iter()
                    .find(|f| f.path() == self.field)
                    .map(|f| tr(lang, f.label_key()))
                    .unwrap_or_else(|| self.field.to_owned());
                let key = if self.code.starts_with("missing_") {
                    "import.problem.missing"
                } else {
                    match self.code {
                        "enterprise_format" => "import.problem.enterprise_format",
                        "enterprise_checksum" => "import.problem.enterprise_checksum",
                        "not_a_date" => "import.problem.not_a_date",
                        "not_a_number" => "import.problem.not_a_number",
                        "not_a_type" => "import.problem.not_a_type",
                        "not_a_unit" => "import.problem.not_a_unit",
                        _ => "import.problem.not_yes_no",
                    }
                };
                tr_args(
                    lang,
                    key,
                    &[
                        ("field", field),
                        ("value", self.value.clone().unwrap_or_default()),
                    ],
                )
            }
        }
    }
}

/// One row of the file: a valid declaration, or its problems.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedRow {
    /// As a spreadsheet numbers it (the header is row 1).
    pub row: usize,
    /// The reference as the file gives it (empty: one is generated once).
    pub reference: String,
    /// The declaration the values make, where they all could be read (its
    /// identifiers or rules may still be wrong: see `problems`).
    pub declaration: Option<Declaration>,
    pub problems: Vec<Problem>,
    /// The FLA's non-blocking anomalies (a late declaration): the row is sent
    /// all the same, the editor and the preview say them.
    pub warnings: Vec<Problem>,
}

impl ImportedRow {
    pub fn is_valid(&self) -> bool {
        self.declaration.is_some() && self.problems.is_empty()
    }
}

/// A file read as declarations.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub format: FileFormat,
    pub mapping: Mapping,
    pub rows: Vec<ImportedRow>,
}

impl Import {
    pub fn valid(&self) -> usize {
        self.rows.iter().filter(|r| r.is_valid()).count()
    }
}

/// Reads, maps and checks a file. `forced`: the user's own mapping; `today`:
/// the date in Brussels, for the rules.
pub fn import(
    bytes: &[u8],
    forced: &[(Field, Option<String>)],
    today: Date,
) -> Result<Import, ImportError> {
    let table = read_table(bytes)?;
    let mapping = map_table(&table, forced)?;
    let rows = convert(&table, &mapping, today);
    Ok(Import {
        format: table.format,
        mapping,
        rows,
    })
}

/// Rows read before the columns are mapped: the header is among the first
/// ten, the values that decide a column without a header among the hundred
/// under it, so the mapping of a file read as it goes is the mapping of the
/// whole file.
pub const SAMPLE_ROWS: usize = 1000;

/// A file read, mapped and checked one row at a time (`submit --dry-run` of a
/// million rows): only the first [`SAMPLE_ROWS`] rows are held, to map the
/// columns, and then the row being converted. The same rows, in the same
/// order, as [`import`] gives.
pub struct StreamedImport<'a> {
    pub format: FileFormat,
    pub mapping: Mapping,
    sample: std::vec::IntoIter<(usize, Vec<Cell>)>,
    rest: Rows<'a>,
    at: [Option<usize>; 15],
    today: Date,
}

/// Opens a file as [`StreamedImport`]: reads its first rows and maps its
/// columns (`forced` first); a file that cannot be read or mapped is refused
/// here, a CSV broken further down when its rows get there.
pub fn import_stream<'a>(
    bytes: &'a [u8],
    forced: &[(Field, Option<String>)],
    today: Date,
) -> Result<StreamedImport<'a>, ImportError> {
    let (format, rest) = read_rows(bytes)?;
    stream_rows(format, rest, forced, today)
}

/// As [`import_stream`], the file's bytes given away (see [`read_rows_owned`]).
pub fn import_stream_owned(
    bytes: Vec<u8>,
    forced: &[(Field, Option<String>)],
    today: Date,
) -> Result<StreamedImport<'static>, ImportError> {
    let (format, rest) = read_rows_owned(bytes)?;
    stream_rows(format, rest, forced, today)
}

fn stream_rows<'a>(
    format: FileFormat,
    mut rest: Rows<'a>,
    forced: &[(Field, Option<String>)],
    today: Date,
) -> Result<StreamedImport<'a>, ImportError> {
    let mut rows = Vec::new();
    for row in rest.by_ref() {
        rows.push(row?);
        if rows.len() >= SAMPLE_ROWS {
            break;
        }
    }
    if rows.is_empty() {
        return Err(ImportError::Empty);
    }
    let sample = Table { format, rows };
    let mapping = map_table(&sample, forced)?;
    Ok(StreamedImport {
        format,
        at: columns_at(&mapping),
        mapping,
        sample: sample.rows.into_iter(),
        rest,
        today,
    })
}

impl StreamedImport<'_> {
    /// Reads the rest of the file through without converting its rows: how
    /// many data rows it has, or where it breaks (a run that must refuse a
    /// broken file before anything starts reads it this way first).
    pub fn count_rows(self) -> Result<usize, ImportError> {
        let header = self.mapping.header_row;
        let mut rows = self.sample.filter(|(row, _)| *row > header).count();
        for row in self.rest {
            if row?.0 > header {
                rows += 1;
            }
        }
        Ok(rows)
    }
}

impl Iterator for StreamedImport<'_> {
    type Item = Result<ImportedRow, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (row, cells) = match self.sample.next() {
                Some(row) => row,
                None => match self.rest.next()? {
                    Ok(row) => row,
                    Err(e) => return Some(Err(e)),
                },
            };
            if row > self.mapping.header_row {
                return Some(Ok(convert_row(
                    row,
                    &cells,
                    &self.at,
                    self.mapping.implied_unit,
                    self.today,
                )));
            }
        }
    }
}

/// The header row (the first of the first ten that names three fields, a
/// title row above it being left out; else the first row) and its mapping.
pub fn map_table(
    table: &Table,
    forced: &[(Field, Option<String>)],
) -> Result<Mapping, ImportError> {
    let (mapping, missing) = map_table_partial(table, forced)?;
    match missing {
        Some(missing) => Err(missing),
        None => Ok(mapping),
    }
}

/// As [`map_table`], with the required fields no column could be taken for
/// left out and said apart (see [`map_columns_partial`]).
pub fn map_table_partial(
    table: &Table,
    forced: &[(Field, Option<String>)],
) -> Result<(Mapping, Option<ImportError>), ImportError> {
    let at = header_at(table);
    let Some((header_row, cells)) = table.rows.get(at) else {
        return Err(ImportError::Empty);
    };
    let headers: Vec<String> = cells.iter().map(Cell::display).collect();
    let sample: Vec<&[Cell]> = table
        .rows
        .iter()
        .skip(at + 1)
        .take(100)
        .map(|(_, c)| c.as_slice())
        .collect();
    map_columns_partial(*header_row, &headers, &sample, forced)
}

/// Where the header row is among the first rows: the first that names three
/// fields (else the first row).
fn header_at(table: &Table) -> usize {
    table
        .rows
        .iter()
        .take(10)
        .position(|(_, cells)| {
            let headers: Vec<String> = cells.iter().map(Cell::display).collect();
            let named = Field::ALL
                .into_iter()
                .filter(|f| headers.iter().any(|h| header_score(*f, h, &fold(h)) > 0))
                .count();
            named >= 3
        })
        .unwrap_or(0)
}

/// The column choices remembered from an earlier file (field name → header)
/// that this file can take: a known field, a header the file has (as
/// `--mapping` takes it). To give `map_table` before its own choices.
pub fn remembered_choices(
    table: &Table,
    remembered: &std::collections::BTreeMap<String, String>,
) -> Vec<(Field, Option<String>)> {
    let Some((_, cells)) = table.rows.get(header_at(table)) else {
        return Vec::new();
    };
    let headers: Vec<String> = cells
        .iter()
        .map(|c| c.display().trim().to_owned())
        .collect();
    remembered
        .iter()
        .filter_map(|(field, header)| {
            let field = Field::parse(field)?;
            let header = header.trim();
            (!header.is_empty() && headers.iter().any(|h| h == header))
                .then(|| (field, Some(header.to_owned())))
        })
        .collect()
}

/// Each row under the header, read and checked.
pub fn convert(table: &Table, mapping: &Mapping, today: Date) -> Vec<ImportedRow> {
    let at = columns_at(mapping);
    // One reference, one declaration: a row whose reference an earlier row
    // holds with other content is held back, naming that row (the Bulk
    // page's preview, `submit`); the same row again is said.
    let mut book = ReferenceBook::new();
    table
        .rows
        .iter()
        .filter(|(row, _)| *row > mapping.header_row)
        .map(|(row, cells)| {
            let mut r = convert_row(*row, cells, &at, mapping.implied_unit, today);
            if let Some(d) = &r.declaration {
                check_row(&mut book, r.row, d, &mut r.problems, &mut r.warnings);
            }
            r
        })
        .collect()
}

/// Each field's column, by the field's index.
fn columns_at(mapping: &Mapping) -> [Option<usize>; 15] {
    let mut at = [None; 15];
    for m in &mapping.fields {
        at[m.field as usize] = Some(m.column);
    }
    at
}

const EMPTY: Cell = Cell::Empty;

fn convert_row(
    row: usize,
    cells: &[Cell],
    at: &[Option<usize>; 15],
    implied_unit: Option<DurationUnit>,
    today: Date,
) -> ImportedRow {
    let cell = |f: Field| -> &Cell { at[f as usize].and_then(|c| cells.get(c)).unwrap_or(&EMPTY) };
    let mut problems: Vec<Problem> = Vec::new();
    // Whether the values make a declaration at all.
    let mut whole = true;
    let mut missing = |f: Field, code: &'static str, problems: &mut Vec<Problem>| {
        whole = false;
        problems.push(Problem::value(f, code, None));
    };

    let reference = cell(Field::Reference).display();

    let enterprise = enterprise_digits(cell(Field::Enterprise), Field::Enterprise, &mut problems);
    if enterprise.is_empty() {
        missing(
            Field::Enterprise,
            "missing_enterprise_number",
            &mut problems,
        );
    }

    let ssin_cell = cell(Field::Ssin);
    let ssin = if ssin_cell.is_empty() {
        missing(Field::Ssin, "missing_ssin", &mut problems);
        String::new()
    } else {
        let typed = ssin_text(ssin_cell);
        let parsed = identifiers::parse_ssin_on(&typed, today).or_else(|e| {
            // A text that lost its leading zero on its way through Excel.
            let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
            match e {
                SsinError::Length if digits.len() == 10 => {
                    identifiers::parse_ssin_on(&format!("0{digits}"), today).map_err(|_| e)
                }
                _ => Err(e),
            }
        });
        match parsed {
            Ok(s) => s.digits,
            Err(e) => {
                problems.push(Problem {
                    field: Field::Ssin.path(),
                    code: e.code(),
                    value: Some(ssin_cell.display()),
                    source: Source::Ssin(e),
                });
                typed
                    .chars()
                    .filter(|c| !matches!(c, ' ' | '.' | '-'))
                    .collect()
            }
        }
    };

    let name = cell(Field::Name).display();
    if name.is_empty() {
        missing(Field::Name, "missing_name", &mut problems);
    }

    let kind = match cell(Field::Type) {
        Cell::Empty => {
            missing(Field::Type, "missing_type", &mut problems);
            None
        }
        c => {
            let kind = parse_type(c);
            if kind.is_none() {
                whole = false;
                problems.push(Problem::value(Field::Type, "not_a_type", Some(c.display())));
            }
            kind
        }
    };

    let mut date = |f: Field, required: Option<&'static str>, problems: &mut Vec<Problem>| {
        read_cell(
            cell(f),
            f,
            required,
            "not_a_date",
            parse_date,
            &mut whole,
            problems,
        )
    };
    let start = date(Field::Start, Some("missing_start_date"), &mut problems);
    let end = date(Field::End, Some("missing_end_date"), &mut problems);
    let valid_until = date(Field::ValidUntil, None, &mut problems);

    let mut number_unit = None;
    let duration = match cell(Field::Duration) {
        Cell::Empty => {
            whole = false;
            problems.push(Problem::value(Field::Duration, "missing_duration", None));
            None
        }
        c => match parse_number(c) {
            Some((value, unit)) => {
                number_unit = unit;
                Some(value)
            }
            None => {
                whole = false;
                problems.push(Problem::value(
                    Field::Duration,
                    "not_a_number",
                    Some(c.display()),
                ));
                None
            }
        },
    };
    let unit = match cell(Field::Unit) {
        Cell::Text(t) => {
            let unit = parse_unit(t);
            if unit.is_none() {
                whole = false;
                problems.push(Problem::value(Field::Unit, "not_a_unit", Some(t.clone())));
            }
            unit
        }
        Cell::Empty => number_unit.or(implied_unit).or_else(|| {
            whole = false;
            problems.push(Problem::value(Field::Unit, "missing_unit", None));
            None
        }),
        other => {
            whole = false;
            problems.push(Problem::value(
                Field::Unit,
                "not_a_unit",
                Some(other.display()),
            ));
            None
        }
    };

    let mut yes_no = |f: Field, required: Option<&'static str>, problems: &mut Vec<Problem>| {
        read_cell(
            cell(f),
            f,
            required,
            "not_yes_no",
            parse_bool,
            &mut whole,
            problems,
        )
    };
    let followed = yes_no(Field::Followed, Some("missing_followed"), &mut problems);
    let obtained = yes_no(Field::CertificateObtained, None, &mut problems);
    let counts = yes_no(
        Field::CountsForFla,
        Some("missing_counts_for_fla"),
        &mut problems,
    );

    let provider = enterprise_digits(cell(Field::Provider), Field::Provider, &mut problems);
    let joint_committee = joint_committee(cell(Field::JointCommittee));

    let (
        true,
        Some(kind),
        Some(start),
        Some(end),
        Some(value),
        Some(unit),
        Some(followed),
        Some(counts),
    ) = (whole, kind, start, end, duration, unit, followed, counts)
    else {
        return ImportedRow {
            row,
            reference,
            declaration: None,
            problems,
            warnings: Vec::new(),
        };
    };
    let certificate = match (obtained, valid_until) {
        (Some(obtained), valid_until) => Some(wire::TrainingCertificate {
            obtained,
            valid_until: valid_until.map(|d| d.to_string()),
        }),
        // A validity date says the certificate was obtained.
        (None, Some(d)) => Some(wire::TrainingCertificate {
            obtained: true,
            valid_until: Some(d.to_string()),
        }),
        (None, None) => None,
    };
    let declaration = Declaration {
        external_reference: reference.clone(),
        employer: wire::Employer {
            enterprise_number: enterprise,
        },
        worker: wire::Worker { ssin },
        training: wire::Training {
            name,
            kind,
            start_date: start.to_string(),
            end_date: end.to_string(),
            duration: wire::Duration { value, unit },
            followed,
            certificate,
            counts_for_fla: counts,
            provider_enterprise_number: (!provider.is_empty()).then_some(provider),
            joint_committee,
        },
    };
    let warnings = rule_problems(&declaration, today, &mut problems);
    ImportedRow {
        row,
        reference,
        declaration: Some(declaration),
        problems,
        warnings,
    }
}

/// The blocking rules of the FLA (the editor's check) on a declaration, after
/// the problems already found (a field said already is not said again);
/// returns the non-blocking ones (warnings).
fn rule_problems(
    declaration: &Declaration,
    today: Date,
    problems: &mut Vec<Problem>,
) -> Vec<Problem> {
    let mut warnings = Vec::new();
    for kind in rules::check(declaration, today) {
        if !kind.blocking {
            warnings.push(Problem {
                field: kind.field,
                code: rule_code(kind, declaration),
                value: None,
                source: Source::Rule(kind),
            });
            continue;
        }
        // Said already, more precisely, by the identifier's own check.
        if problems.iter().any(|p| p.field == kind.field)
            // An empty reference is generated once, before the first send.
            || (kind.code == anomalies::REFERENCE.code
                && declaration.external_reference.trim().is_empty())
        {
            continue;
        }
        problems.push(Problem {
            field: kind.field,
            code: rule_code(kind, declaration),
            value: None,
            source: Source::Rule(kind),
        });
    }
    warnings
}

/// Notes a row's declaration in the file's `book` and adds what it found: a
/// `reference_conflict` problem (the reference is an earlier row's, for other
/// content), or a `duplicate_row` warning (the same declaration again).
pub fn check_row(
    book: &mut ReferenceBook,
    row: usize,
    declaration: &Declaration,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> Noted {
    let (noted, reference) = book.note_declaration(row, declaration);
    match noted {
        Noted::First => {}
        Noted::SameContent { first_row } => {
            warnings.push(Problem::duplicate_row(first_row, row));
        }
        Noted::Conflict { first_row } => {
            problems.push(Problem::reference_conflict(&reference, first_row));
        }
    }
    noted
}

/// The problems of a declaration given whole (JSON Lines): its identifiers,
/// with the precise codes of a file's cells, then the FLA's rules.
pub fn check_declaration(declaration: &Declaration, today: Date) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Err(e) = identifiers::parse_ssin_on(&declaration.worker.ssin, today) {
        problems.push(Problem {
            field: Field::Ssin.path(),
            code: e.code(),
            value: Some(declaration.worker.ssin.clone()),
            source: Source::Ssin(e),
        });
    }
    let text = |s: &str| Cell::text(s);
    enterprise_digits(
        &text(&declaration.employer.enterprise_number),
        Field::Enterprise,
        &mut problems,
    );
    if let Some(provider) = &declaration.training.provider_enterprise_number {
        enterprise_digits(&text(provider), Field::Provider, &mut problems);
    }
    rule_problems(declaration, today, &mut problems);
    problems
}

/// The FLA's non-blocking anomalies of a declaration given whole (a late
/// declaration): it is sent all the same.
pub fn declaration_warnings(declaration: &Declaration, today: Date) -> Vec<Problem> {
    rule_problems(declaration, today, &mut Vec::new())
}

/// An enterprise number's digits (`BE 0403.170.701` → `0403170701`); where
/// they are wrong, a problem and the text as typed (without separators).
fn enterprise_digits(cell: &Cell, field: Field, problems: &mut Vec<Problem>) -> String {
    let text = match cell {
        Cell::Empty => return String::new(),
        Cell::Number(n) if n.fract() == 0.0 && *n >= 0.0 => format!("{:010}", *n as u64),
        other => other.display(),
    };
    if let Some(digits) = identifiers::parse_enterprise_number(&text) {
        return digits;
    }
    let cleaned: String = text
        .trim()
        .trim_start_matches(['B', 'E', 'b', 'e'])
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    let code = if cleaned.bytes().all(|b| b.is_ascii_digit()) && matches!(cleaned.len(), 9 | 10) {
        "enterprise_checksum"
    } else {
        "enterprise_format"
    };
    problems.push(Problem::value(field, code, Some(cell.display())));
    text.trim().to_owned()
}

/// `200`, `PC 200`, `CP 200.03`, a number cell `200`.
fn joint_committee(cell: &Cell) -> Option<String> {
    let text = match cell {
        Cell::Empty => return None,
        other => other.display(),
    };
    let folded = text.trim();
    let rest = ["PC", "CP", "pc", "cp", "PSC", "SPC", "psc", "spc"]
        .iter()
        .find_map(|p| folded.strip_prefix(p))
        .unwrap_or(folded);
    let rest: String = rest.chars().filter(|c| !c.is_whitespace()).collect();
    (!rest.is_empty()).then_some(rest)
}

/// The snake_case code of a rule's anomaly.
fn rule_code(kind: &AnomalyKind, d: &Declaration) -> &'static str {
    match kind.code {
        "FLA-REFERENCE" => "reference_length",
        "FLA-ENTERPRISE" => "enterprise_checksum",
        "FLA-PROVIDER-ENTERPRISE" => "provider_enterprise_checksum",
        "FLA-SSIN" => "ssin_invalid",
        "FLA-NAME" if d.training.name.trim().is_empty() => "missing_name",
        "FLA-NAME" => "name_too_long",
        "FLA-END-BEFORE-START" => "end_before_start",
        "FLA-TOO-EARLY" => "start_before_2024",
        "FLA-FUTURE" => "end_in_future",
        "FLA-DURATION-ZERO" => "duration_not_positive",
        "FLA-DURATION-TOO-LONG" => "duration_too_long",
        "FLA-DURATION-STEP" => "duration_not_quarter_hours",
        "FLA-CERTIFICATE-VALIDITY" => "certificate_expires_before_end",
        "FLA-CERTIFICATE-NOT-OBTAINED" => "certificate_not_obtained",
        "FLA-JOINT-COMMITTEE" => "joint_committee_format",
        "FLA-LATE" => "late",
        _ => "rule",
    }
}

/// A declaration in the contract's JSON shape, a whole duration written as an
/// integer (`14`, not `14.0`), as people and the contract's examples write it.
pub fn declaration_json(d: &Declaration) -> serde_json::Value {
    let mut value = serde_json::to_value(d).unwrap_or(serde_json::Value::Null);
    let n = d.training.duration.value;
    if n.fract() == 0.0 && n.abs() < 1e15 {
        if let Some(v) = value.pointer_mut("/training/duration/value") {
            *v = serde_json::Value::from(n as i64);
        }
    }
    value
}

// ---------------------------------------------------------------- template

/// The template's header: the contract's own names.
pub fn template_headers() -> Vec<&'static str> {
    Field::ALL.iter().map(|f| f.name()).collect()
}

/// The template as CSV: UTF-8 with a BOM and `;`, as Excel in Belgium opens it.
pub fn template_csv() -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend_from_slice(template_headers().join(";").as_bytes());
    out.extend_from_slice(b"\r\n");
    out
}

/// The template as XLSX: the header row; identifiers as text (Excel keeps
/// their leading zeros), dates as dates.
pub fn template_xlsx() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("FLA")?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (i, f) in Field::ALL.iter().enumerate() {
        let col = i as u16;
        sheet.write_string_with_format(0, col, f.name(), &bold)?;
        sheet.set_column_width(col, (f.name().len() + 4) as f64)?;
        match f {
            Field::Reference
            | Field::Enterprise
            | Field::Ssin
            | Field::Provider
            | Field::JointCommittee => {
                sheet.set_column_format(col, &text)?;
            }
            Field::Start | Field::End | Field::ValidUntil => {
                sheet.set_column_format(col, &date)?;
            }
            _ => {}
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_fold_to_words() {
        assert_eq!(fold("Numéro d'entreprise"), "numero d entreprise");
        assert_eq!(fold("  Réf. "), "ref");
        assert_eq!(fold("startDate"), "start date");
        assert_eq!(fold("INSZ-nummer"), "insz nummer");
        assert_eq!(fold("Attest geldig tot"), "attest geldig tot");
    }

    #[test]
    fn an_exact_header_wins_over_a_partial_one() {
        let h = |s: &str| header_score(Field::End, s, &fold(s));
        assert_eq!(h("Tot"), 500);
        assert_eq!(h("Attest geldig tot"), 0);
        assert!(h("Einddatum opleiding") > 100);
        assert_eq!(h("endDate"), 1000);
        // "tot" only as a whole word.
        assert_eq!(h("Totaal"), 0);
        let provider = "Numéro d'entreprise du prestataire";
        assert_eq!(
            header_score(Field::Enterprise, provider, &fold(provider)),
            0
        );
        assert!(header_score(Field::Provider, provider, &fold(provider)) > 0);
    }

    #[test]
    fn values_are_read_as_typed() {
        let t = |s: &str| Cell::Text(s.into());
        assert_eq!(parse_number(&t("3,5")), Some((3.5, None)));
        assert_eq!(
            parse_number(&t("14 uren")),
            Some((14.0, Some(DurationUnit::Hours)))
        );
        assert_eq!(
            parse_number(&t("2 j")),
            Some((2.0, Some(DurationUnit::Days)))
        );
        assert_eq!(parse_number(&t("abc")), None);
        for (s, b) in [
            ("ja", true),
            ("Nee", false),
            ("oui", true),
            ("NON", false),
            ("x", true),
        ] {
            assert_eq!(parse_bool(&t(s)), Some(b), "{s}");
        }
        assert_eq!(parse_bool(&t("peut-être")), None);
        for s in ["uren", "uur", "u", "h", "heures", "HOURS"] {
            assert_eq!(parse_unit(s), Some(DurationUnit::Hours), "{s}");
        }
        for s in ["dagen", "d", "jours", "j", "DAYS"] {
            assert_eq!(parse_unit(s), Some(DurationUnit::Days), "{s}");
        }
        assert_eq!(parse_type(&t("Formelle")), Some(TrainingType::Formal));
        assert_eq!(parse_type(&t("Informeel")), Some(TrainingType::Informal));
        let d = time::macros::date!(2025 - 03 - 03);
        for s in [
            "2025-03-03",
            "03/03/2025",
            "3-3-2025",
            "2025-03-03T00:00:00",
            "45719",
        ] {
            assert_eq!(parse_date(&t(s)), Some(d), "{s}");
        }
        assert_eq!(parse_date(&Cell::Number(45719.0)), Some(d));
        assert_eq!(parse_date(&Cell::Date(d)), Some(d));
        assert_eq!(joint_committee(&t("PC 200")), Some("200".into()));
        assert_eq!(joint_committee(&Cell::Number(200.0)), Some("200".into()));
    }

    #[test]
    fn the_delimiter_is_the_one_most_lines_share() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2;3\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\tc\n1\t2,5\t3\n"), b'\t');
        assert_eq!(sniff_delimiter("a|b|c\n1|2|3\n"), b'|');
        assert_eq!(sniff_delimiter("a,b,c\n1,\"2;5\",3\n"), b',');
        assert_eq!(
            sniff_delimiter("a;b;c\n1;Leadership, coaching, teams;3\n1;x;3\n"),
            b';'
        );
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter("A"), Some(0));
        assert_eq!(column_letter("C"), Some(2));
        assert_eq!(column_letter("AA"), Some(26));
        assert_eq!(column_letter("a"), Some(0));
        assert_eq!(column_letter("ab"), Some(27));
        assert_eq!(column_letter("A1"), None);
    }

    #[test]
    fn windows_1252_is_decoded_as_encoding_rs_does() {
        let bytes: Vec<u8> = (0u8..=255).cycle().take(100_000).collect();
        let (expected, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
        assert_eq!(windows_1252(&bytes), expected);
        assert_eq!(decode(b"R\xe9f\xe9rence").0, "Référence");
    }

    /// The rows and mapping of [`import_stream`], collected.
    fn streamed(bytes: &[u8], today: Date) -> (FileFormat, Mapping, Vec<ImportedRow>) {
        let stream = import_stream(bytes, &[], today).unwrap();
        let (format, mapping) = (stream.format, stream.mapping.clone());
        let rows = stream.collect::<Result<Vec<_>, _>>().unwrap();
        (format, mapping, rows)
    }

    #[test]
    fn the_streamed_import_is_the_whole_import() {
        let today = time::macros::date!(2025 - 11 - 01);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
        for name in [
            "fr-utf8-bom.csv",
            "nl-excel-cp1252.csv",
            "template-names.xlsx",
        ] {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            let whole = import(&bytes, &[], today).unwrap();
            let (format, mapping, rows) = streamed(&bytes, today);
            assert_eq!(format, whole.format, "{name}");
            assert_eq!(mapping, whole.mapping, "{name}");
            assert_eq!(rows, whole.rows, "{name}");
            assert!(rows.len() > 10, "{name}");
            // The bytes given away: the same again.
            let owned = import_stream_owned(bytes.clone(), &[], today).unwrap();
            assert_eq!(owned.format, whole.format, "{name}");
            assert_eq!(owned.mapping, whole.mapping, "{name}");
            let rows = owned.collect::<Result<Vec<_>, _>>().unwrap();
            assert_eq!(rows, whole.rows, "{name}");
        }

        // Longer than the sample: a title row, Excel's `sep=` line, a blank
        // line, a cell over two lines (row numbers), headers that say nothing
        // for the SSIN and the dates (mapped by their values), a row with a
        // wrong SSIN far down.
        let mut text = String::from("sep=;\r\nOpleidingen 2025\r\n\r\n");
        text.push_str("Ref;KBO;Kolom3;Opleiding;Type;K6;K7;Uren;Gevolgd;Telt mee\r\n");
        for i in 0..(SAMPLE_ROWS + 500) {
            let ssin = if i == SAMPLE_ROWS + 100 {
                "85073003329"
            } else {
                "85073003328"
            };
            let name = if i == 3 {
                "\"Heftruck\ndeel 2\""
            } else {
                "Heftruck"
            };
            text.push_str(&format!(
                "R-{i};0403.170.701;{ssin};{name};Formeel;3-3-2025;04/03/2025;7,5;ja;ja\r\n"
            ));
        }
        let bytes = text.into_bytes();
        let whole = import(&bytes, &[], today).unwrap();
        let (format, mapping, rows) = streamed(&bytes, today);
        assert_eq!(format, whole.format);
        assert_eq!(mapping, whole.mapping);
        assert_eq!(rows, whole.rows);
        assert_eq!(mapping.header_row, 4);
        assert_eq!(mapping.column(Field::Ssin), Some(2));
        assert_eq!(rows.len(), SAMPLE_ROWS + 500);
        assert_eq!(rows[0].row, 5);
        // The cell over two lines is one row: the next is numbered on.
        assert_eq!(rows[4].row, 9);
        assert_eq!(rows[4].reference, "R-4");
        let bad: Vec<usize> = rows
            .iter()
            .filter(|r| !r.is_valid())
            .map(|r| r.row)
            .collect();
        assert_eq!(bad, vec![5 + SAMPLE_ROWS + 100]);
    }

    fn conflict_declaration(reference: &str, ssin: &str) -> Declaration {
        serde_json::from_value(serde_json::json!({
            "externalReference": reference,
            "employer": {"enterpriseNumber": "0403170701"},
            "worker": {"ssin": ssin},
            "training": {
                "name": "VCA", "type": "FORMAL",
                "startDate": "2025-03-03", "endDate": "2025-03-04",
                "duration": {"value": 14, "unit": "HOURS"},
                "followed": true, "countsForFla": true
            }
        }))
        .unwrap()
    }

    #[test]
    fn rows_become_problems_and_warnings() {
        let mut book = ReferenceBook::new();
        let (mut problems, mut warnings) = (Vec::new(), Vec::new());
        let first = conflict_declaration("VCA-2026", "85073003328");
        let other_worker = conflict_declaration("VCA-2026", "90010100123");
        check_row(&mut book, 2, &first, &mut problems, &mut warnings);
        assert!(problems.is_empty() && warnings.is_empty());
        let noted = check_row(&mut book, 3, &other_worker, &mut problems, &mut warnings);
        assert_eq!(noted, Noted::Conflict { first_row: 2 });
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, "reference_conflict");
        assert_eq!(problems[0].field, "externalReference");
        for lang in [Lang::En, Lang::Nl, Lang::Fr] {
            let message = problems[0].message(lang);
            assert!(
                message.contains(" 2") && message.contains("VCA-2026"),
                "{message}"
            );
        }
        check_row(&mut book, 4, &first, &mut problems, &mut warnings);
        assert_eq!(problems.len(), 1);
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].code, "duplicate_row");
        let message = warnings[0].message(Lang::En);
        assert!(message.contains('2') && message.contains('4'), "{message}");
    }
}
