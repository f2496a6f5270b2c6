//! An XLSX workbook from a user, checked before it is believed and read as a
//! stream. calamine allocates from what a file claims (the shared strings'
//! `uniqueCount`, the bounding box of the cells), so a 2 KB file can ask for
//! terabytes. Before calamine sees a workbook, its ZIP is measured (declared
//! and actual unpacked sizes, the packing ratio) and its shared-strings count
//! is weighed against the part that holds them; then the first sheet with
//! something in it is read cell by cell on a thread of its own, and handed
//! over a few rows at a time, so memory follows the data, not the claims.

use std::io::{Cursor, Read};
use std::sync::mpsc;

use time::Date;

use super::{Cell, ImportError};

/// The most a workbook may unpack to, all its parts together. A sheet of
/// 200,000 rows of 13 cells unpacks to 86 MB (measured with
/// rust_xlsxwriter), so a full sheet of a million declarations fits; rows are
/// read as they come, so this bounds the time a file takes, not memory.
pub const MAX_UNPACKED: u64 = 512 * 1024 * 1024;

/// The most a part may be packed: its unpacked size over its packed size.
/// Spreadsheet programs' sheets pack 5 to 30 times (200,000 identical rows:
/// 13 times); Deflate at most about 1,030 times, which only a made-up file
/// reaches.
pub const MAX_RATIO: u64 = 250;

/// Parts smaller than this are not held to [`MAX_RATIO`] (a part of empty
/// rows packs well and harms nobody).
const RATIO_FROM: u64 = 1024 * 1024;

/// The fewest bytes a shared string takes in its part (`<si/>`).
const MIN_TEXT_BYTES: u64 = 5;

/// A workbook's rows and columns, as Excel holds them (1,048,576 × 16,384);
/// a cell beyond either is refused.
pub const MAX_ROWS: u32 = 1_048_576;
pub const MAX_COLUMNS: u32 = 16_384;

/// Rows are handed over in batches of at most this many cells.
const BATCH_CELLS: usize = 64 * 1024;
/// Batches waiting to be taken: the reader stays this far ahead at most.
const BATCHES_AHEAD: usize = 4;

/// Why a workbook is refused before (or while) it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A part does not unpack as the ZIP's directory says (it holds more
    /// than declared, or its checksum fails).
    Damaged { part: String },
    /// A part is packed more than [`MAX_RATIO`] times.
    Packed { part: String, ratio: u64 },
    /// The shared strings claim more texts than their part can hold.
    ClaimsTexts { claimed: u64, room: u64 },
    /// A cell beyond the rows and columns a workbook can hold.
    CellBeyond { row: u64, column: u64 },
    /// A row that comes after a later one (Excel repairs such a file).
    RowsOutOfOrder { row: u64, after: u64 },
}

fn unreadable(detail: impl ToString) -> ImportError {
    ImportError::Xlsx {
        detail: detail.to_string(),
    }
}

fn refused(refusal: Refusal) -> ImportError {
    ImportError::XlsxRefused { refusal }
}

/// Measures the workbook's ZIP: each part's declared size, then its actual
/// one (read through, nothing kept), the total against [`MAX_UNPACKED`], each
/// part's ratio against [`MAX_RATIO`], and the shared strings' count against
/// their part's size.
pub fn check(bytes: &[u8]) -> Result<(), ImportError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    let too_large = || ImportError::FileTooLarge {
        limit_mb: MAX_UNPACKED / (1024 * 1024),
    };
    // The directory's claims first: nothing is unpacked for a file that
    // says it is too big.
    let mut declared_total = 0u64;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(unreadable)?;
        declared_total = declared_total.saturating_add(part.size());
        if declared_total > MAX_UNPACKED {
            return Err(too_large());
        }
        let ratio = part.size() / part.compressed_size().max(1);
        if part.size() >= RATIO_FROM && ratio > MAX_RATIO {
            let part = part.name().map(|n| n.into_owned()).unwrap_or_default();
            return Err(refused(Refusal::Packed { part, ratio }));
        }
    }
    // Then what the parts really hold: never more than they declared.
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(unreadable)?;
        let declared = part.size();
        let name = part.name().map(|n| n.into_owned()).unwrap_or_default();
        let damaged = || refused(Refusal::Damaged { part: name.clone() });
        let actual = std::io::copy(&mut (&mut part).take(declared + 1), &mut std::io::sink())
            .map_err(|_| damaged())?;
        if actual > declared {
            return Err(damaged());
        }
        drop(part);
        if name.to_ascii_lowercase().ends_with("sharedstrings.xml") {
            let part = zip.by_index(i).map_err(unreadable)?;
            if let Some(claimed) = text_count(part)? {
                let room = actual / MIN_TEXT_BYTES;
                if claimed > room {
                    return Err(refused(Refusal::ClaimsTexts { claimed, room }));
                }
            }
        }
    }
    Ok(())
}

/// The `uniqueCount` of a shared-strings part's `<sst>` element, read with
/// the same XML reader calamine uses (a comment or a declaration before it
/// is skipped as calamine skips it).
fn text_count(part: impl Read) -> Result<Option<u64>, ImportError> {
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(part));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e))
                if e.local_name().as_ref() == "sst" =>
            {
                let count = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == "uniqueCount")
                    .and_then(|a| a.value.trim().parse::<u64>().ok());
                return Ok(count);
            }
            Ok(quick_xml::events::Event::Eof) => return Ok(None),
            Ok(_) => {}
            Err(e) => return Err(unreadable(e)),
        }
    }
}

type Batch = Result<Vec<(usize, Vec<Cell>)>, ImportError>;

/// The rows of a workbook's first sheet with something in it, each with its
/// number as a spreadsheet shows it, blank rows left out, read on a thread
/// of their own a few rows ahead of the taker.
pub struct SheetRows {
    taken: mpsc::Receiver<Batch>,
    batch: std::vec::IntoIter<(usize, Vec<Cell>)>,
    reader: Option<std::thread::JoinHandle<()>>,
    done: bool,
}

/// Checks the workbook (see [`check`]) and starts reading its rows.
pub fn open(bytes: Vec<u8>) -> Result<SheetRows, ImportError> {
    use calamine::Reader;
    check(&bytes)?;
    let book: calamine::Xlsx<_> = calamine::Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let (give, taken) = mpsc::sync_channel(BATCHES_AHEAD);
    let reader = std::thread::Builder::new()
        .name("xlsx-rows".into())
        .spawn(move || read_sheets(book, &give))
        .map_err(unreadable)?;
    Ok(SheetRows {
        taken,
        batch: Vec::new().into_iter(),
        reader: Some(reader),
        done: false,
    })
}

impl Iterator for SheetRows {
    type Item = Result<(usize, Vec<Cell>), ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(row) = self.batch.next() {
                return Some(Ok(row));
            }
            if self.done {
                return None;
            }
            match self.taken.recv() {
                Ok(Ok(rows)) => self.batch = rows.into_iter(),
                Ok(Err(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                // The reader ended: all given, or it broke.
                Err(mpsc::RecvError) => {
                    self.done = true;
                    let broke = self.reader.take().map(|r| r.join().is_err());
                    if broke == Some(true) {
                        return Some(Err(unreadable("the reader stopped")));
                    }
                    return None;
                }
            }
        }
    }
}

/// Gives the rows of the first sheet with something in it, in batches; ends
/// early when nobody takes them any more.
fn read_sheets(mut book: calamine::Xlsx<Cursor<Vec<u8>>>, give: &mpsc::SyncSender<Batch>) {
    use calamine::Reader;
    let names = book.sheet_names();
    for name in names {
        match read_sheet(&mut book, &name, give) {
            // Something given: that is the sheet.
            Ok(true) => return,
            Ok(false) => {}
            Err(calamine::XlsxError::NotAWorksheet(_)) => {}
            Err(e) => {
                let _ = give.send(Err(unreadable(e)));
                return;
            }
        }
    }
}

/// The rows being gathered for the next batch.
struct Gathering<'g> {
    give: &'g mpsc::SyncSender<Batch>,
    rows: Vec<(usize, Vec<Cell>)>,
    cells: usize,
    given: bool,
    /// The taker left: stop reading.
    gone: bool,
}

impl Gathering<'_> {
    /// Adds a row (never blank: a row is begun by a value, see [`read_sheet`]).
    fn push(&mut self, row: (usize, Vec<Cell>)) {
        self.cells += row.1.len();
        self.rows.push(row);
        if self.cells >= BATCH_CELLS {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.rows.is_empty() {
            return;
        }
        self.given = true;
        self.cells = 0;
        let rows = std::mem::take(&mut self.rows);
        if self.give.send(Ok(rows)).is_err() {
            self.gone = true;
        }
    }

    fn fail(&mut self, e: ImportError) {
        self.flush();
        self.given = true;
        let _ = self.give.send(Err(e));
        self.gone = true;
    }
}

/// Reads one sheet cell by cell into rows; whether any row was given.
fn read_sheet(
    book: &mut calamine::Xlsx<Cursor<Vec<u8>>>,
    name: &str,
    give: &mpsc::SyncSender<Batch>,
) -> Result<bool, calamine::XlsxError> {
    let mut cells = book.worksheet_cells_reader(name)?;
    let mut out = Gathering {
        give,
        rows: Vec::new(),
        cells: 0,
        given: false,
        gone: false,
    };
    let mut current: Option<(u32, Vec<Cell>)> = None;
    while !out.gone {
        let Some(cell) = cells.next_cell()? else {
            break;
        };
        let (row, column) = cell.get_position();
        if row >= MAX_ROWS || column >= MAX_COLUMNS {
            out.fail(refused(Refusal::CellBeyond {
                row: u64::from(row) + 1,
                column: u64::from(column) + 1,
            }));
            break;
        }
        let value = cell_of(cell.get_value());
        if matches!(value, Cell::Empty) {
            continue;
        }
        match &mut current {
            Some((at, values)) if *at == row => place(values, column, value),
            Some((at, _)) if *at > row => {
                out.fail(refused(Refusal::RowsOutOfOrder {
                    row: u64::from(row) + 1,
                    after: u64::from(*at) + 1,
                }));
                break;
            }
            _ => {
                if let Some((at, values)) = current.take() {
                    out.push((at as usize + 1, values));
                }
                let mut values = Vec::new();
                place(&mut values, column, value);
                current = Some((row, values));
            }
        }
    }
    if !out.gone {
        if let Some((at, values)) = current.take() {
            out.push((at as usize + 1, values));
        }
        out.flush();
    }
    Ok(out.given)
}

/// Puts a value in its column, the columns left of it kept empty.
fn place(values: &mut Vec<Cell>, column: u32, value: Cell) {
    let column = column as usize;
    if values.len() <= column {
        values.resize(column + 1, Cell::Empty);
    }
    values[column] = value;
}

/// A calamine value as the importer's cell.
fn cell_of(data: &calamine::DataRef<'_>) -> Cell {
    use calamine::DataRef;
    match data {
        DataRef::Empty | DataRef::Error(_) => Cell::Empty,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::text(s),
        DataRef::SharedString(s) => Cell::text(s),
        DataRef::Int(n) => Cell::Number(*n as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Bool(*b),
        // A time of day alone (less than a day: `08:00` is 0.333) is no
        // date: its number, the fraction of a day, says the time.
        DataRef::DateTime(dt) if dt.is_datetime() && dt.as_f64() >= 1.0 => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            time::Month::try_from(m)
                .ok()
                .and_then(|m| Date::from_calendar_date(i32::from(y), m, d).ok())
                .map(Cell::Date)
                .unwrap_or(Cell::Number(dt.as_f64()))
        }
        DataRef::DateTime(dt) => Cell::Number(dt.as_f64()),
    }
}
