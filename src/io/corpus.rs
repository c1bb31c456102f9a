//! Reading labelled and unlabelled CSV: columns chosen by header name, records read in
//! batches with their line numbers, every problem reported with file, line and column.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use csv::{ByteRecord, StringRecord};

use crate::error::{ColumnOption, Error, Location, Result};

/// How invalid UTF-8 in a text field is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InvalidUtf8 {
    /// Fail, naming the line and column.
    #[default]
    Error,
    /// Replace invalid sequences with U+FFFD.
    Replace,
}

impl InvalidUtf8 {
    /// `bytes` as text under this policy; `Err(byte)` (the offset of the first invalid
    /// byte) when they are not UTF-8 and the policy is [`InvalidUtf8::Error`].
    pub fn decode(self, bytes: &[u8]) -> std::result::Result<std::borrow::Cow<'_, str>, usize> {
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.into()),
            Err(_) if self == InvalidUtf8::Replace => Ok(String::from_utf8_lossy(bytes)),
            Err(e) => Err(e.valid_up_to()),
        }
    }
}

/// How to read a CSV input.
#[derive(Debug, Clone)]
pub struct CsvOptions {
    /// Name of the text column (matched ignoring case and surrounding spaces).
    pub text_col: String,
    /// Name of the label column, when labels are wanted.
    pub label_col: Option<String>,
    /// Field delimiter; `None` means `,`, or tab for a `.tsv` file.
    pub delimiter: Option<u8>,
    /// Largest field accepted, in bytes.
    pub max_field_bytes: usize,
    /// What to do with invalid UTF-8 in the text column.
    pub invalid_utf8: InvalidUtf8,
    /// Name of the per-row weight column (training counts a row of weight `w` as `w`
    /// copies of it; empty means 1). Used when the header has it; see `weight_required`.
    pub weight_col: Option<String>,
    /// Is a missing weight column an error (the user named it) or no weights (the
    /// default name)?
    pub weight_required: bool,
    /// Is a row with an empty label left out (and counted) instead of an error? Set by
    /// `pitchsift-train --update`, whose label files (`pitchsift-label --suggest`) hold
    /// rows the user has not labelled yet.
    pub skip_empty_label: bool,
    /// Are the text and label columns named by the command line's `--text-col` and
    /// `--label-col` (the binaries' own inputs)? A missing column's error then names the
    /// option; not where the column is not the user's to choose (a LinkedIn export, a
    /// label file).
    pub column_options: bool,
}

/// The default name of the weight column: a file such as `pitchsift-label --suggest`
/// writes carries its rows' weights in it.
pub const WEIGHT_COL: &str = "weight";

/// The largest row weight accepted.
pub const MAX_WEIGHT: u32 = 1000;

/// Records read per batch by the readers of whole corpora (training, evaluation,
/// cross-validation).
pub const BATCH: usize = 8192;

/// The size of the batch after one of `size` records (0: the first batch) when batches
/// hold up to `n`: the first holds [`FIRST_BATCH`], each next one twice the one before.
/// A reader that handles each batch while it reads the next would otherwise read a whole
/// first batch (all of a corpus of up to `n` records) before any handling starts: with
/// small first batches the first handling starts after a few hundred records and every
/// later read overlaps the handling of the batch before it.
pub fn ramp(size: usize, n: usize) -> usize {
    if size == 0 {
        n.min(FIRST_BATCH)
    } else {
        size.saturating_mul(2).min(n)
    }
}

/// Records in the first batch of [`ramp`].
const FIRST_BATCH: usize = 256;

/// A comma-separated list of the inputs, for messages.
pub fn describe(inputs: &[PathBuf]) -> String {
    inputs
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            text_col: "text".into(),
            label_col: Some("label".into()),
            delimiter: None,
            max_field_bytes: 64 << 20,
            invalid_utf8: InvalidUtf8::Error,
            weight_col: Some(WEIGHT_COL.into()),
            weight_required: false,
            skip_empty_label: false,
            column_options: false,
        }
    }
}

/// One record read from a CSV input, with its 1-based starting line.
#[derive(Debug, Clone, Default)]
pub struct RawRow {
    /// 1-based line on which the record starts.
    pub line: u64,
    /// The raw fields.
    pub record: ByteRecord,
}

/// Line numbers, counted from the raw bytes.
///
/// csv reports a record's line as the number of `\n` it has consumed when the record
/// starts; it consumes the `\n` of a CRLF line end, and blank lines, only when the next
/// record begins, so after either its line numbers are short (every record of a CRLF file
/// is reported one line early). The input is passed through [`Tracked`], which keeps the
/// bytes not yet attributed to a record; each record's line is then counted here. A line
/// break is a `\n`, or a `\r` not followed by `\n`.
///
/// The same pass bounds what a record may take before the parser has finished it:
/// `limit` bytes buffered past the end of the last record is an error, so a huge field is
/// refused after reading about `limit` bytes, not after holding all of it.
#[derive(Debug)]
struct LineIndex {
    /// Bytes from offset `base` up to what the parser has read.
    pending: VecDeque<u8>,
    /// Offset of `pending[0]` in the input.
    base: u64,
    /// Line breaks before `base`.
    breaks: u64,
    /// Most bytes to buffer past the last record's end.
    limit: usize,
    /// The field size bound the limit derives from, for messages.
    max_field_bytes: usize,
    /// The field delimiter (for [`Quotes`]).
    delimiter: u8,
    /// Where the bytes before `base` leave the parser: inside a quoted field or not.
    quotes: Quotes,
    /// The line of the last record read, or of its last field's opening quote when the
    /// input ends inside it, and its field count (to name an unclosed quote).
    last: Option<(u64, usize)>,
}

/// Whether the bytes read so far end inside a quoted field, followed as csv-core reads
/// them: a quote opens a quoted field only at a field's start (after a delimiter, a line
/// end, or at the start of the input; elsewhere it is a literal character), and inside one
/// a quote closes it unless another quote follows (`""`, an escaped quote). The csv crate
/// ends the last record at the end of the input even inside quotes, so a stray opening
/// quote would silently take in the rest of the file as one field; this is how it is seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quotes {
    /// Outside quotes; `at_start`: the next byte starts a field.
    Outside { at_start: bool },
    /// Inside a quoted field.
    Inside,
    /// Inside a quoted field, just after a quote: it closes the field unless the next
    /// byte is a quote too.
    Closing,
}

impl Quotes {
    /// The state after `bytes`.
    fn advance(mut self, bytes: &[u8], delimiter: u8) -> Quotes {
        let starts_field = |b: u8| b == delimiter || b == b'\n' || b == b'\r';
        let mut i = 0;
        while i < bytes.len() {
            match self {
                Quotes::Inside => match memchr::memchr(b'"', &bytes[i..]) {
                    Some(j) => {
                        i += j + 1;
                        self = Quotes::Closing;
                    }
                    None => return Quotes::Inside,
                },
                Quotes::Closing if bytes[i] == b'"' => {
                    i += 1;
                    self = Quotes::Inside;
                }
                // The field is closed; byte `i` is read outside quotes.
                Quotes::Closing => self = Quotes::Outside { at_start: false },
                Quotes::Outside { at_start } => match memchr::memchr(b'"', &bytes[i..]) {
                    Some(j) => {
                        let opens = if j == 0 {
                            at_start
                        } else {
                            starts_field(bytes[i + j - 1])
                        };
                        i += j + 1;
                        self = if opens {
                            Quotes::Inside
                        } else {
                            Quotes::Outside { at_start: false }
                        };
                    }
                    None => {
                        return Quotes::Outside {
                            at_start: starts_field(bytes[bytes.len() - 1]),
                        }
                    }
                },
            }
        }
        self
    }
}

/// Marks the I/O error that [`Tracked`] returns when a record outgrows the limit.
#[derive(Debug)]
struct RecordTooLarge;

impl std::fmt::Display for RecordTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("record too large")
    }
}

impl std::error::Error for RecordTooLarge {}

impl LineIndex {
    /// Is the pending byte `i` a line break? (`\n`, or `\r` not followed by `\n`.)
    fn is_break(&self, i: usize) -> bool {
        match self.pending[i] {
            b'\n' => true,
            b'\r' => self.pending.get(i + 1) != Some(&b'\n'),
            _ => false,
        }
    }

    /// The line breaks among the first `k` pending bytes (a `\r` among them must not be
    /// the last pending byte). Only the `\n` and `\r` bytes, found by `memchr`, are
    /// looked at: this runs over every byte of the input.
    fn breaks_in(&self, k: usize) -> u64 {
        let (a, b) = self.pending.as_slices();
        let (a, b) = (&a[..k.min(a.len())], &b[..k.saturating_sub(a.len())]);
        let mut n = 0;
        for (part, offset) in [(a, 0), (b, a.len())] {
            for j in memchr::memchr2_iter(b'\n', b'\r', part) {
                n += u64::from(self.is_break(offset + j));
            }
        }
        n
    }

    /// Count and drop the first `k` pending bytes. A `\r` whose next byte is not read
    /// yet is kept back: it may be the first half of a CRLF.
    fn consume(&mut self, k: usize) {
        let mut k = k.min(self.pending.len());
        if k > 0 && k == self.pending.len() && self.pending[k - 1] == b'\r' {
            k -= 1;
        }
        self.breaks += self.breaks_in(k);
        let (a, b) = self.pending.as_slices();
        let (a, b) = if k <= a.len() {
            (&a[..k], &b[..0])
        } else {
            (a, &b[..k - a.len()])
        };
        self.quotes = self
            .quotes
            .advance(a, self.delimiter)
            .advance(b, self.delimiter);
        self.pending.drain(..k);
        self.base += k as u64;
    }

    /// Count and drop a last pending `\r` that [`LineIndex::consume`] kept back (the input
    /// has ended: it is no half of a CRLF).
    fn consume_kept_back(&mut self) {
        if self.pending.len() == 1 {
            self.breaks += 1;
            self.quotes = self.quotes.advance(b"\r", self.delimiter);
            self.pending.clear();
            self.base += 1;
        }
    }

    /// How many pending bytes are line ends before the next record's first byte.
    fn leading_line_ends(&self) -> usize {
        self.pending
            .iter()
            .take_while(|&&c| c == b'\r' || c == b'\n')
            .count()
    }

    /// Line of the record csv reports at byte `start`: skip the line ends and blank
    /// lines csv had not consumed yet, and count the breaks before the first real byte.
    fn record_line(&mut self, start: u64) -> u64 {
        self.consume(start.saturating_sub(self.base) as usize);
        let skip = self.leading_line_ends();
        self.consume(skip);
        self.breaks + 1
    }

    /// The pending bytes up to offset `end` (a record that begins at `base`, after
    /// [`LineIndex::record_line`]) read as the parser reads them: when they end inside a
    /// quoted field, the line and field index of its opening quote.
    fn unclosed_quote(&self, end: u64) -> Option<(u64, usize)> {
        let n = (end.saturating_sub(self.base) as usize).min(self.pending.len());
        let (mut quotes, mut breaks, mut field) = (self.quotes, self.breaks, 0);
        let mut opened = None;
        for i in 0..n {
            let b = self.pending[i];
            let before = quotes;
            quotes = quotes.advance(&[b], self.delimiter);
            match (before, quotes) {
                (Quotes::Outside { .. }, Quotes::Inside) => opened = Some((breaks + 1, field)),
                (Quotes::Outside { .. } | Quotes::Closing, Quotes::Outside { .. })
                    if b == self.delimiter =>
                {
                    field += 1
                }
                _ => {}
            }
            if self.is_break(i) {
                breaks += 1;
            }
        }
        opened.filter(|_| quotes == Quotes::Inside)
    }

    /// The line on which the first record of the pending bytes starts (for an error
    /// raised while that record is being read).
    fn pending_line(&self) -> u64 {
        let n = self.leading_line_ends();
        self.breaks + self.breaks_in(n) + 1
    }
}

/// The input as the CSV parser sees it, its bytes copied into a [`LineIndex`].
struct Tracked {
    inner: Box<dyn Read + Send>,
    index: Arc<Mutex<LineIndex>>,
}

impl Read for Tracked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut ix = lock(&self.index);
        ix.pending.extend(&buf[..n]);
        if ix.pending.len() > ix.limit {
            return Err(io::Error::new(io::ErrorKind::InvalidData, RecordTooLarge));
        }
        Ok(n)
    }
}

fn lock(index: &Mutex<LineIndex>) -> MutexGuard<'_, LineIndex> {
    index.lock().unwrap_or_else(|e| e.into_inner())
}

/// A CSV input being read: a file or standard input (`-`). What reads a record's fields
/// ([`Columns`]: text, label, weight, locations) is reachable through `Deref`, and stays
/// usable while [`CsvSource::for_each_batch`] reads the next batch.
pub struct CsvSource {
    cols: Columns,
    reader: csv::Reader<Tracked>,
    index: Arc<Mutex<LineIndex>>,
}

/// The columns of a CSV input and how its fields are read: the part of a [`CsvSource`]
/// that reading records does not change.
#[derive(Debug)]
pub struct Columns {
    path: PathBuf,
    headers: StringRecord,
    text_idx: usize,
    label_idx: Option<usize>,
    weight_idx: Option<usize>,
    options: CsvOptions,
}

impl std::fmt::Debug for CsvSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvSource")
            .field("path", &self.cols.path)
            .field("headers", &self.cols.headers)
            .finish()
    }
}

impl std::ops::Deref for CsvSource {
    type Target = Columns;
    fn deref(&self) -> &Columns {
        &self.cols
    }
}

/// A header field as a column name: a byte-order mark and surrounding spaces left out
/// (names are compared ignoring ASCII case).
pub fn column_name(field: &str) -> &str {
    field.trim_start_matches('\u{feff}').trim()
}

/// Is `name` (trimmed, lower case) a column that `pitchsift-predict` adds after
/// `predicted`?
pub fn is_prediction_column(name: &str) -> bool {
    name == "predicted" || name == "confidence" || name.starts_with("p_") || name == "explanation"
}

/// The output's names for the input columns `keep` of `headers` (never an earlier
/// prediction's, see [`earlier_prediction`]): a column the output of `pitchsift-predict`
/// adds (`confidence`, `p_<label>`, `explanation`; the text column `text` aside) is
/// written as `input_<name>`, so that no name is there twice for whoever reads the output
/// (a dict reader keeps the last of two) and nothing of the input is lost.
pub fn output_column_names(headers: &StringRecord, keep: &[usize], text: usize) -> Vec<String> {
    let taken: Vec<String> = keep
        .iter()
        .map(|&i| column_name(&headers[i]).to_ascii_lowercase())
        .collect();
    keep.iter()
        .zip(&taken)
        .map(|(&i, lower)| {
            let mut name = headers[i].to_string();
            if i != text && is_prediction_column(lower) {
                name = format!("input_{}", column_name(&name));
                while taken.contains(&name.to_ascii_lowercase()) {
                    name = format!("input_{name}");
                }
            }
            name
        })
        .collect()
}

/// The columns of an earlier `pitchsift-predict` output in `headers`: `predicted` and the
/// `confidence`, `p_<label>` and `explanation` columns after it, never the text column
/// (index `text`). A predictions file classified again gets fresh ones in their place
/// rather than a second set under the same names.
pub fn earlier_prediction(headers: &StringRecord, text: usize) -> Vec<usize> {
    let names: Vec<String> = headers
        .iter()
        .map(|h| column_name(h).to_ascii_lowercase())
        .collect();
    let Some(first) = names.iter().position(|h| h == "predicted") else {
        return Vec::new();
    };
    (first..names.len())
        .filter(|&i| i != text && is_prediction_column(&names[i]))
        .collect()
}

/// The index of column `name` in `headers` (a byte-order mark, case and surrounding
/// spaces ignored), or an error naming the file and the columns it has.
fn find_column(headers: &StringRecord, path: &Path, name: &str) -> Result<usize> {
    let want = name.trim();
    let mut found = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| column_name(h).eq_ignore_ascii_case(want));
    let first = found.next().map(|(i, _)| i);
    if let (Some(first), Some((second, _))) = (first, found.next()) {
        return Err(Error::DuplicateColumn {
            location: Location::file(path).line(1),
            column: name.to_string(),
            first: first + 1,
            second: second + 1,
        });
    }
    first.ok_or_else(|| Error::MissingColumn {
        location: Location::file(path).line(1),
        column: name.to_string(),
        available: headers.iter().collect::<Vec<_>>().join(","),
        hint: delimiter_hint(headers, want),
        option: None,
    })
}

/// When the header is one field that holds the wanted column between `;`, tab or `|`
/// separators, the file is most likely delimited by that character.
fn delimiter_hint(headers: &StringRecord, want: &str) -> Option<u8> {
    let [only] = headers.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let has = |h: &str| column_name(h).eq_ignore_ascii_case(want);
    [b';', b'\t', b'|']
        .into_iter()
        .find(|&d| only.split(d as char).count() > 1 && only.split(d as char).any(has))
}

impl CsvSource {
    /// Open `path` (`-` for standard input) and find the columns in its header.
    pub fn open(path: &Path, options: &CsvOptions) -> Result<CsvSource> {
        let input: Box<dyn Read + Send> = if path == Path::new("-") {
            Box::new(io::stdin())
        } else {
            Box::new(File::open(path).map_err(|e| Error::io(path, e))?)
        };
        Self::from_reader(path, input, options)
    }

    /// Read CSV from any reader; `path` is the name used in messages.
    pub fn from_reader(
        path: &Path,
        input: Box<dyn Read + Send>,
        options: &CsvOptions,
    ) -> Result<CsvSource> {
        let tsv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
        let delimiter = options.delimiter.unwrap_or(if tsv { b'\t' } else { b',' });
        // A quoted field takes at most 2 x its length + 2 raw bytes (quotes doubled), so a
        // record buffering more than `per_field` x its field count (plus the parser's
        // read-ahead) has a field over `max_field_bytes`. The header gets room for 4.
        let per_field = options.max_field_bytes.saturating_mul(2).saturating_add(3);
        let index = Arc::new(Mutex::new(LineIndex {
            pending: VecDeque::new(),
            base: 0,
            breaks: 0,
            limit: per_field.saturating_mul(4).saturating_add(1 << 16),
            max_field_bytes: options.max_field_bytes,
            delimiter,
            quotes: Quotes::Outside { at_start: true },
            last: None,
        }));
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .from_reader(Tracked {
                inner: input,
                index: Arc::clone(&index),
            });
        let headers = match reader.byte_headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(csv_error(path, &index, e)),
        };
        {
            // Past the header: count its lines, and bound what one record may buffer.
            let mut ix = lock(&index);
            let k = reader.position().byte().saturating_sub(ix.base) as usize;
            ix.consume(k);
            ix.limit = per_field
                .saturating_mul(headers.len().max(1))
                .saturating_add(1 << 16);
        }
        let headers = match StringRecord::from_byte_record(headers) {
            Ok(h) => h,
            Err(e) => {
                return Err(Error::InvalidUtf8 {
                    location: Location::file(path)
                        .line(1)
                        .column(format!("#{}", e.utf8_error().field() + 1)),
                    byte: e.utf8_error().valid_up_to(),
                    text: false,
                })
            }
        };
        if headers.is_empty() {
            return Err(Error::Csv {
                location: Location::file(path),
                message: "the input is empty: no header line".into(),
            });
        }
        let find = |name: &str| find_column(&headers, path, name);
        // A missing column: the option that names it, for the binaries' own inputs.
        let named_by = |flag: ColumnOption| {
            move |mut e: Error| {
                if let Error::MissingColumn { option, .. } = &mut e {
                    *option = options.column_options.then_some(flag);
                }
                e
            }
        };
        let text_idx = find(&options.text_col).map_err(named_by(ColumnOption::Text))?;
        let label_idx = options
            .label_col
            .as_deref()
            .map(|l| find(l).map_err(named_by(ColumnOption::Label)))
            .transpose()?;
        let weight_idx = match &options.weight_col {
            // Weights matter only with labels (training and evaluation).
            Some(name) if label_idx.is_some() => match find(name) {
                Ok(i) => Some(i),
                Err(e) if options.weight_required => return Err(named_by(ColumnOption::Weight)(e)),
                Err(_) => None,
            },
            _ => None,
        };
        let named = [
            ("text", Some(text_idx)),
            ("label", label_idx),
            ("weight", weight_idx),
        ];
        for (i, (a, x)) in named.iter().enumerate() {
            for (b, y) in &named[i + 1..] {
                if let (Some(x), Some(y)) = (x, y) {
                    if x == y {
                        return Err(Error::InvalidParam(format!(
                            "{}: the {a} column and the {b} column are the same column, `{}`",
                            path.display(),
                            column_name(&headers[*x])
                        )));
                    }
                }
            }
        }
        Ok(CsvSource {
            cols: Columns {
                path: path.to_path_buf(),
                headers,
                text_idx,
                label_idx,
                weight_idx,
                options: options.clone(),
            },
            reader,
            index,
        })
    }

    /// Bytes of input consumed so far.
    pub fn bytes_read(&self) -> u64 {
        self.reader.position().byte()
    }

    /// Read the next record into `row`; false at the end of the input.
    pub fn read(&mut self, row: &mut RawRow) -> Result<bool> {
        read_record(&mut self.reader, &self.index, &self.cols, row)
    }

    /// Fill `rows` with up to `n` records (reusing its allocations); returns how many.
    pub fn read_batch(&mut self, rows: &mut Vec<RawRow>, n: usize) -> Result<usize> {
        read_batch(&mut self.reader, &self.index, &self.cols, rows, n)
    }

    /// Read the rest of the input in batches of up to `n` records, the one batch loop of
    /// the crate: `f(columns, batch)` handles each batch while the next one is read (on
    /// another thread with the `parallel` feature), then `after(records, offset)` gets
    /// the batch's size and the byte offset in the input where it ends. An error of `f`
    /// comes before a read error of the next batch.
    pub fn for_each_batch(
        &mut self,
        n: usize,
        f: &mut (dyn FnMut(&Columns, &[RawRow]) -> Result<()> + Send),
        after: &mut dyn FnMut(usize, u64),
    ) -> Result<()> {
        // Two row buffers: the next batch is read while the current one is handled. The
        // batches grow from a small first one (see [`ramp`]) so that handling starts early.
        let (mut cur, mut next) = (Vec::new(), Vec::new());
        let mut size = ramp(0, n);
        let mut k = self.read_batch(&mut cur, size)?;
        while k > 0 {
            let end = cur[k - 1].record.position().map_or(0, |p| p.byte());
            let (reader, index, cols) = (&mut self.reader, &self.index, &self.cols);
            size = ramp(size, n);
            let (read, done) = crate::par::join(
                || read_batch(reader, index, cols, &mut next, size),
                || f(cols, &cur[..k]),
            );
            done?;
            after(k, end);
            std::mem::swap(&mut cur, &mut next);
            k = read?;
        }
        Ok(())
    }
}

/// Read the next record into `row` (see [`CsvSource::read`]).
fn read_record(
    reader: &mut csv::Reader<Tracked>,
    index: &Mutex<LineIndex>,
    cols: &Columns,
    row: &mut RawRow,
) -> Result<bool> {
    match reader.read_byte_record(&mut row.record) {
        Ok(false) => {
            // The end of the input: did it come inside a quoted field?
            let mut ix = lock(index);
            let k = ix.pending.len();
            ix.consume(k);
            if let Some(&b'\r') = ix.pending.front() {
                ix.consume_kept_back();
            }
            match (ix.quotes, ix.last) {
                (Quotes::Inside, Some((line, fields))) => {
                    Err(never_closed(cols.location(line, fields.saturating_sub(1))))
                }
                _ => Ok(false),
            }
        }
        Ok(true) => {
            {
                let mut ix = lock(index);
                let start = row.record.position().map_or(ix.base, |p| p.byte());
                row.line = ix.record_line(start);
                let k = reader.position().byte().saturating_sub(ix.base) as usize;
                ix.consume(k);
                let mut line = row.line;
                if ix.quotes == Quotes::Inside {
                    // The input ends inside this record's last field: name the line its
                    // quote opens on, after the line breaks of the fields before it.
                    let before = row.record.len().saturating_sub(1);
                    line += row.record.iter().take(before).map(line_breaks).sum::<u64>();
                }
                ix.last = Some((line, row.record.len()));
            }
            if let Some((i, f)) = row
                .record
                .iter()
                .enumerate()
                .find(|(_, f)| f.len() > cols.options.max_field_bytes)
            {
                return Err(Error::FieldTooLarge {
                    location: cols.location(row.line, i),
                    size: f.len(),
                    limit: cols.options.max_field_bytes,
                });
            }
            Ok(true)
        }
        Err(e) => {
            // A record with an open quote ends only at the end of the input, and with
            // fields taken in by the quote its field count is wrong: name the quote, not
            // the count.
            if let csv::ErrorKind::UnequalLengths { pos: Some(pos), .. } = e.kind() {
                let end = reader.position().byte();
                let mut ix = lock(index);
                ix.record_line(pos.byte());
                if let Some((line, field)) = ix.unclosed_quote(end) {
                    return Err(never_closed(cols.location(line, field)));
                }
            }
            Err(csv_error(&cols.path, index, e))
        }
    }
}

/// Line breaks in `bytes`: `\n`, and `\r` not followed by `\n` (as [`LineIndex`] counts).
fn line_breaks(bytes: &[u8]) -> u64 {
    let cr = bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
        .count();
    (memchr::memchr_iter(b'\n', bytes).count() + cr) as u64
}

/// The error of a quoted field that the end of the input finds open (`at`: where its
/// opening quote is).
fn never_closed(at: Location) -> Error {
    Error::Csv {
        location: at,
        message: "a quoted field is never closed: its opening quote takes in the rest of the \
                  file as one field (close it, or double a quote meant inside a quoted field: \
                  \"\")"
            .into(),
    }
}

/// Fill `rows` with up to `n` records (see [`CsvSource::read_batch`]).
fn read_batch(
    reader: &mut csv::Reader<Tracked>,
    index: &Mutex<LineIndex>,
    cols: &Columns,
    rows: &mut Vec<RawRow>,
    n: usize,
) -> Result<usize> {
    let mut k = 0;
    while k < n {
        if k == rows.len() {
            rows.push(RawRow::default());
        }
        if !read_record(reader, index, cols, &mut rows[k])? {
            break;
        }
        k += 1;
    }
    Ok(k)
}

impl Columns {
    /// The index of column `name` (case and surrounding spaces ignored), or an error
    /// naming the file and the columns it has.
    pub fn column(&self, name: &str) -> Result<usize> {
        find_column(&self.headers, &self.path, name)
    }

    /// Field `idx` of a record as UTF-8, trimmed.
    pub fn field<'r>(&self, row: &'r RawRow, idx: usize) -> Result<&'r str> {
        let field = row.record.get(idx).unwrap_or(b"");
        Ok(std::str::from_utf8(field)
            .map_err(|e| Error::InvalidUtf8 {
                location: self.location(row.line, idx),
                byte: e.valid_up_to(),
                text: false,
            })?
            .trim())
    }

    /// The weight of a record: 1 without a weight column or when the field is empty,
    /// else a whole number in `0..=MAX_WEIGHT` (0 leaves the row out of training).
    pub fn weight(&self, row: &RawRow) -> Result<u32> {
        let Some(idx) = self.weight_idx else {
            return Ok(1);
        };
        let field = self.field(row, idx)?;
        if field.is_empty() {
            return Ok(1);
        }
        match field.parse::<u32>() {
            Ok(w) if w <= MAX_WEIGHT => Ok(w),
            _ => Err(Error::BadField {
                location: self.location(row.line, idx),
                message: format!("weight `{field}` is not a whole number from 0 to {MAX_WEIGHT}"),
            }),
        }
    }

    /// The input's name.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The header record.
    pub fn headers(&self) -> &StringRecord {
        &self.headers
    }

    /// The text of a record, validated (or repaired) as UTF-8.
    pub fn text<'r>(&self, row: &'r RawRow) -> Result<std::borrow::Cow<'r, str>> {
        let field = row.record.get(self.text_idx).unwrap_or(b"");
        self.options
            .invalid_utf8
            .decode(field)
            .map_err(|byte| Error::InvalidUtf8 {
                location: self.location(row.line, self.text_idx),
                byte,
                text: true,
            })
    }

    /// The label of a record (trimmed), `None` when it is empty and
    /// [`CsvOptions::skip_empty_label`] is set; an error when it is empty otherwise, or
    /// not UTF-8.
    pub fn label_or_skip<'r>(&self, row: &'r RawRow) -> Result<Option<&'r str>> {
        match self.label(row) {
            Err(Error::EmptyLabel { .. }) if self.options.skip_empty_label => Ok(None),
            other => other.map(Some),
        }
    }

    /// The label of a record (trimmed); an error when empty, not UTF-8, or holding a
    /// control character (a line break or tab in a label would break every one-line
    /// output: text predictions, the labeller's keys, reports).
    pub fn label<'r>(&self, row: &'r RawRow) -> Result<&'r str> {
        let idx = self.label_idx.expect("label column requested");
        let label = self.field(row, idx)?;
        if label.is_empty() {
            return Err(Error::EmptyLabel {
                location: self.location(row.line, idx),
            });
        }
        if label.chars().any(char::is_control) {
            return Err(Error::BadField {
                location: self.location(row.line, idx),
                message: format!(
                    "label `{}` holds a line break, tab or other control character; a label \
                     is one line of text",
                    label.escape_debug()
                ),
            });
        }
        Ok(label)
    }

    /// The location of a field.
    pub fn location(&self, line: u64, field: usize) -> Location {
        let name = self
            .headers
            .get(field)
            .map_or_else(|| format!("#{}", field + 1), |h| h.to_string());
        Location::file(&self.path).line(line).column(name)
    }
}

fn csv_error(path: &Path, index: &Mutex<LineIndex>, e: csv::Error) -> Error {
    let mut ix = lock(index);
    let line = e.position().map(|p| ix.record_line(p.byte()));
    match e.into_kind() {
        csv::ErrorKind::Io(source) => {
            if source
                .get_ref()
                .is_some_and(|e| e.downcast_ref::<RecordTooLarge>().is_some())
            {
                return Error::RecordTooLarge {
                    location: Location::file(path).line(ix.pending_line()),
                    read: ix.limit,
                    limit: ix.max_field_bytes,
                };
            }
            Error::Io {
                location: Location::file(path),
                source,
            }
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => Error::Csv {
            location: Location {
                path: path.to_path_buf(),
                line,
                column: None,
            },
            message: format!(
                "record has {len} field{}, the header has {expected_len}",
                if len == 1 { "" } else { "s" }
            ),
        },
        other => Error::Csv {
            location: Location {
                path: path.to_path_buf(),
                line,
                column: None,
            },
            message: format!("{other:?}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(data: &str, name: &str, opts: &CsvOptions) -> Result<CsvSource> {
        CsvSource::from_reader(
            Path::new(name),
            Box::new(io::Cursor::new(data.as_bytes().to_vec())),
            opts,
        )
    }

    #[test]
    fn columns_by_name_ignoring_case_space_and_bom() {
        let opts = CsvOptions::default();
        let mut s = source(
            "\u{feff}id, Text ,LABEL\r\n1,\"hi,\nthere\",sales\r\n",
            "x.csv",
            &opts,
        )
        .unwrap();
        let mut row = RawRow::default();
        assert!(s.read(&mut row).unwrap());
        assert_eq!(row.line, 2);
        assert_eq!(s.text(&row).unwrap(), "hi,\nthere");
        assert_eq!(s.label(&row).unwrap(), "sales");
        assert!(!s.read(&mut row).unwrap());
    }

    /// Batches grow from 256 records, doubling up to the size asked for, and together
    /// hand over every record once, in order, with its line; `after` gets each batch's
    /// size and an offset (hand-computed: an 11-byte header, then 1,000 records of 9
    /// bytes, one per line).
    #[test]
    fn batches_ramp_up_and_cover_the_input_in_order() {
        let mut data = String::from("label,text\n");
        for i in 0..1000 {
            data.push_str(&format!("a,t{i:05}\n"));
        }
        let mut s = source(&data, "x.csv", &CsvOptions::default()).unwrap();
        let (mut texts, mut lines, mut sizes, mut ends) = (vec![], vec![], vec![], vec![]);
        s.for_each_batch(
            600,
            &mut |cols, rows| {
                sizes.push(rows.len());
                for r in rows {
                    texts.push(cols.text(r)?.to_string());
                    lines.push(r.line);
                }
                Ok(())
            },
            &mut |_, end| ends.push(end),
        )
        .unwrap();
        assert_eq!(sizes, [256, 512, 232]);
        let want: Vec<String> = (0..1000).map(|i| format!("t{i:05}")).collect();
        assert_eq!(texts, want);
        assert_eq!(lines, (2..1002).collect::<Vec<u64>>());
        // The offset is where the batch's last record starts: records 255, 767 and 999.
        assert_eq!(ends, [11 + 255 * 9, 11 + 767 * 9, 11 + 999 * 9]);
        assert_eq!(
            (ramp(0, 100), ramp(0, 8192), ramp(4096, 8192)),
            (100, 256, 8192)
        );
    }

    #[test]
    fn line_numbers_with_crlf_blank_lines_and_multiline_fields() {
        let data = "label,text\r\n\r\na,\"two\r\nlines\"\r\nb,x\r\n\nc,y\nd\n";
        let mut s = source(data, "l.csv", &CsvOptions::default()).unwrap();
        let mut row = RawRow::default();
        let mut lines = Vec::new();
        for _ in 0..3 {
            assert!(s.read(&mut row).unwrap());
            lines.push(row.line);
        }
        assert_eq!(lines, [3, 5, 7]);
        assert_eq!(
            s.read(&mut row).unwrap_err().to_string(),
            "l.csv:8: malformed CSV: record has 1 field, the header has 2"
        );
    }

    #[test]
    fn missing_column_names_file_and_columns() {
        let err = source("label,body\n", "in.csv", &CsvOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "in.csv:1: no column `text` in the header (columns: label,body)"
        );
        // Read for a command line whose --text-col and --label-col name the columns: the
        // error names the option (not when a delimiter explains the miss).
        let cli = CsvOptions {
            column_options: true,
            ..CsvOptions::default()
        };
        let err = source(
            "label,body
",
            "in.csv",
            &cli,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "in.csv:1: no column `text` in the header (columns: label,body); name the column \
             to read with --text-col"
        );
        let err = source(
            "text,body
",
            "in.csv",
            &cli,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "in.csv:1: no column `label` in the header (columns: text,body); name the column \
             to read with --label-col"
        );
        let err = source(
            "label;body;text
",
            "in.csv",
            &cli,
        )
        .unwrap_err();
        assert!(err.to_string().ends_with("(--delimiter ';')"), "{err}");
    }

    #[test]
    fn missing_column_in_a_differently_delimited_header_says_so() {
        let opts = CsvOptions::default();
        let err = source("label;text\na;b\n", "semi.csv", &opts).unwrap_err();
        assert_eq!(
            err.to_string(),
            "semi.csv:1: no column `text` in the header (columns: label;text); the header looks \
             `;`-delimited (--delimiter ';')"
        );
        let err = source("label\ttext\na\tb\n", "tab.csv", &opts).unwrap_err();
        assert!(err
            .to_string()
            .ends_with("the header looks tab-delimited (--delimiter 'tab')"));
        // No hint when the column is not there under any delimiter.
        let err = source("label;body\n", "no.csv", &opts).unwrap_err();
        assert!(err.to_string().ends_with("(columns: label;body)"), "{err}");
    }

    #[test]
    fn a_column_named_twice_is_an_error_naming_both_fields() {
        let opts = CsvOptions::default();
        // `Text` and ` text` are the same column to find_column (case and spaces ignored).
        let err = source("label,Text,id, text\na,b,1,c\n", "dup.csv", &opts).unwrap_err();
        assert_eq!(
            err.to_string(),
            "dup.csv:1: column `text` is in the header twice (fields 2 and 4); rename one"
        );
        assert!(err.is_bad_data());
        // A repeated column that is not asked for is no concern.
        assert!(source("label,text,id,id\na,b,1,2\n", "ok.csv", &opts).is_ok());
    }

    #[test]
    fn ragged_row_names_the_line() {
        let mut s = source("label,text\na,b\nc\n", "r.csv", &CsvOptions::default()).unwrap();
        let mut row = RawRow::default();
        assert!(s.read(&mut row).unwrap());
        let err = s.read(&mut row).unwrap_err();
        assert_eq!(
            err.to_string(),
            "r.csv:3: malformed CSV: record has 1 field, the header has 2"
        );
    }

    fn lines(data: &[u8]) -> Vec<(String, u64)> {
        let mut s = CsvSource::from_reader(
            Path::new("l.csv"),
            Box::new(io::Cursor::new(data.to_vec())),
            &CsvOptions {
                label_col: None,
                ..CsvOptions::default()
            },
        )
        .unwrap();
        let mut row = RawRow::default();
        let mut out = Vec::new();
        while s.read(&mut row).unwrap() {
            out.push((s.text(&row).unwrap().into_owned(), row.line));
        }
        out
    }

    #[test]
    fn line_numbers_with_crlf_blank_lines_and_bare_cr() {
        let want = |v: &[(&str, u64)]| -> Vec<(String, u64)> {
            v.iter().map(|(t, l)| (t.to_string(), *l)).collect()
        };
        // csv's own count says 1, 2, 4, 4 for the first (CRLF consumed late).
        assert_eq!(
            lines(b"text\r\na\r\nb\nc\r\nd\r\n"),
            want(&[("a", 2), ("b", 3), ("c", 4), ("d", 5)])
        );
        assert_eq!(
            lines(b"text\na\n\n\nb\r\n\r\n\r\nc\nd"),
            want(&[("a", 2), ("b", 5), ("c", 8), ("d", 9)])
        );
        assert_eq!(
            lines(b"\xEF\xBB\xBFtext\r\n\"x\r\ny\"\r\nb\r\n\"\n\n\"\r\nz\r\n"),
            want(&[("x\r\ny", 2), ("b", 4), ("\n\n", 5), ("z", 8)])
        );
        assert_eq!(
            lines(b"text\ra\rb\r\rc\r"),
            want(&[("a", 2), ("b", 3), ("c", 5)])
        );
        assert_eq!(lines(b"\r\n\r\ntext\r\na"), want(&[("a", 4)]));
        // Ragged records are reported at their own line too.
        let mut s = source(
            "label,text\r\n1,x\r\n\r\n2\r\n",
            "r.csv",
            &CsvOptions::default(),
        )
        .unwrap();
        let mut row = RawRow::default();
        assert!(s.read(&mut row).unwrap());
        assert_eq!(row.line, 2);
        assert_eq!(
            s.read(&mut row).unwrap_err().to_string(),
            "r.csv:4: malformed CSV: record has 1 field, the header has 2"
        );
    }

    #[test]
    fn a_huge_field_is_refused_while_it_is_read() {
        // An endless quoted field: refused after about 2 x 3 x the bound + read-ahead,
        // at the line where its record starts.
        struct Endless(u64);
        impl Read for Endless {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let prefix = b"id,text,label\r\n1,ok,a\r\n2,\"";
                let n = buf.len().min(4096);
                for (i, b) in buf[..n].iter_mut().enumerate() {
                    let at = self.0 as usize + i;
                    *b = if at < prefix.len() { prefix[at] } else { b'x' };
                }
                self.0 += n as u64;
                Ok(n)
            }
        }
        let opts = CsvOptions {
            max_field_bytes: 1000,
            ..CsvOptions::default()
        };
        let mut s =
            CsvSource::from_reader(Path::new("e.csv"), Box::new(Endless(0)), &opts).unwrap();
        let mut row = RawRow::default();
        assert!(s.read(&mut row).unwrap());
        let err = s.read(&mut row).unwrap_err().to_string();
        assert_eq!(
            err,
            "e.csv:3: record still unfinished after 71545 bytes: a field exceeds the limit \
             of 1000 bytes"
        );
    }

    #[test]
    fn invalid_utf8_errors_or_is_replaced() {
        let data = b"label,text\nx,ok\ny,bad\xff\n".to_vec();
        let mut s = CsvSource::from_reader(
            Path::new("u.csv"),
            Box::new(io::Cursor::new(data.clone())),
            &CsvOptions::default(),
        )
        .unwrap();
        let mut rows = Vec::new();
        assert_eq!(s.read_batch(&mut rows, 10).unwrap(), 2);
        let err = s.text(&rows[1]).unwrap_err().to_string();
        assert!(
            err.starts_with("u.csv:3: column `text`: invalid UTF-8 at byte 3 of the field (")
                && err.ends_with("or read it with --invalid-utf8 replace)"),
            "{err}"
        );
        let opts = CsvOptions {
            invalid_utf8: InvalidUtf8::Replace,
            ..CsvOptions::default()
        };
        let mut s =
            CsvSource::from_reader(Path::new("u.csv"), Box::new(io::Cursor::new(data)), &opts)
                .unwrap();
        assert_eq!(s.read_batch(&mut rows, 10).unwrap(), 2);
        assert_eq!(s.text(&rows[1]).unwrap(), "bad\u{fffd}");
    }

    #[test]
    fn tsv_extension_and_delimiter_option() {
        let mut s = source("label\ttext\na\tb c\n", "x.tsv", &CsvOptions::default()).unwrap();
        let mut row = RawRow::default();
        assert!(s.read(&mut row).unwrap());
        assert_eq!(s.text(&row).unwrap(), "b c");
        let opts = CsvOptions {
            delimiter: Some(b';'),
            ..CsvOptions::default()
        };
        let mut s = source("label;text\na;b,c\n", "x.csv", &opts).unwrap();
        assert!(s.read(&mut row).unwrap());
        assert_eq!(s.text(&row).unwrap(), "b,c");
    }

    #[test]
    fn field_size_bound_and_empty_label() {
        let opts = CsvOptions {
            max_field_bytes: 5,
            ..CsvOptions::default()
        };
        let mut s = source("label,text\na,123456\n", "b.csv", &opts).unwrap();
        let mut row = RawRow::default();
        let err = s.read(&mut row).unwrap_err();
        assert_eq!(
            err.to_string(),
            "b.csv:2: column `text`: field of 6 bytes exceeds the limit of 5 bytes"
        );
        let mut s = source("label,text\n ,hello\n", "e.csv", &CsvOptions::default()).unwrap();
        assert!(s.read(&mut row).unwrap());
        assert_eq!(
            s.label(&row).unwrap_err().to_string(),
            "e.csv:2: column `label`: empty label"
        );
    }

    /// Every record of `input` read as the csv crate reads it (no header, any length).
    fn records(input: &[u8]) -> Vec<csv::ByteRecord> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input)
            .byte_records()
            .map(|r| r.unwrap())
            .collect()
    }

    proptest::proptest! {
        /// The oracle is the csv crate itself: the input ends inside a quoted field exactly
        /// when one more line end changes what it reads (inside quotes the line end joins
        /// the last field; outside it ends the record, or is a blank line). Split anywhere,
        /// the state carries over.
        #[test]
        fn quotes_end_inside_exactly_when_csv_reads_on(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b',', b'"', b'\n', b'\r', b' ']), 0..24),
            cut in 0usize..24,
        ) {
            let mut more = bytes.clone();
            more.push(b'\n');
            let inside = records(&bytes) != records(&more);
            let start = Quotes::Outside { at_start: true };
            let end = start.advance(&bytes, b',');
            proptest::prop_assert_eq!(end == Quotes::Inside, inside, "{:?}", String::from_utf8_lossy(&bytes));
            let cut = cut.min(bytes.len());
            let split = start.advance(&bytes[..cut], b',').advance(&bytes[cut..], b',');
            proptest::prop_assert_eq!(split, end);
        }
    }

    #[test]
    fn a_quote_never_closed_before_the_last_column_names_the_quote() {
        // The quote takes in the delimiters after it: the record is short of fields, and
        // the error is the quote's, at the line and column where it opens (past the
        // parser's first buffer too, with CRLF, and after a closed two-line field).
        let tail = "foo,bar\r\n".repeat(3000);
        for (data, want) in [
            (
                "text,label\nok,sales\n\"unterminated,sales\nfoo,bar\nbaz,qux\n".to_string(),
                "q.csv:3: column `text`",
            ),
            (
                format!("text,label\r\nok,sales\r\n\"open,sales\r\n{tail}"),
                "q.csv:3: column `text`",
            ),
            (
                "id,text,label\n1,ok,sales\n2,\"two\nlines\",\"open,x\n3,y,z\n".to_string(),
                "q.csv:4: column `label`",
            ),
        ] {
            let mut s = source(&data, "q.csv", &CsvOptions::default()).unwrap();
            let mut row = RawRow::default();
            let err = loop {
                match s.read(&mut row) {
                    Ok(true) => continue,
                    Ok(false) => panic!("{want}: no error"),
                    Err(e) => break e.to_string(),
                }
            };
            assert!(
                err.starts_with(&format!(
                    "{want}: malformed CSV: a quoted field is never closed"
                )),
                "{err}"
            );
        }
        // A short record whose quotes are closed keeps its field-count message.
        let mut s = source(
            "text,label\nok,sales\n\"closed\"\nfoo,bar\n",
            "q.csv",
            &CsvOptions::default(),
        )
        .unwrap();
        let mut row = RawRow::default();
        assert!(s.read(&mut row).unwrap());
        assert_eq!(
            s.read(&mut row).unwrap_err().to_string(),
            "q.csv:3: malformed CSV: record has 1 field, the header has 2"
        );
    }

    #[test]
    fn a_quote_never_closed_is_an_error_naming_its_record() {
        let opts = CsvOptions {
            label_col: Some("label".into()),
            ..CsvOptions::default()
        };
        // Line 3 opens a quote that nothing closes: the csv crate alone would read lines
        // 3 to 5 as one record and stop, two rows of four.
        let data = "label,text\nnetworking,hi\nsales,\"a stray quote\nnetworking,hello\nscam,pay\n";
        let mut s = source(data, "stray.csv", &opts).unwrap();
        let mut row = RawRow::default();
        assert!(s.read(&mut row).unwrap());
        assert!(s.read(&mut row).unwrap());
        assert_eq!(row.line, 3);
        let err = s.read(&mut row).unwrap_err();
        assert!(err.is_bad_data());
        assert!(
            err.to_string().starts_with(
                "stray.csv:3: column `text`: malformed CSV: a quoted field is never closed"
            ),
            "{err}"
        );
        // Without a final line end, in a later chunk, or with CRLF: the same.
        for data in [
            "label,text\r\nsales,\"open",
            "label,text\r\nsales,\"open\r\nstill open\r",
        ] {
            let mut s = source(data, "s.csv", &opts).unwrap();
            assert!(s.read(&mut row).unwrap());
            let err = s.read(&mut row).unwrap_err().to_string();
            assert!(err.starts_with("s.csv:2: column `text`"), "{err}");
        }
        // Closed quotes, escaped quotes, quotes inside unquoted fields: no error.
        let data = "label,text\nsales,\"a \"\"b\"\" c\nd\"\nscam,5\" screen\nscam,\"\"\n";
        let mut s = source(data, "ok.csv", &opts).unwrap();
        let mut n = 0;
        while s.read(&mut row).unwrap() {
            n += 1;
        }
        assert_eq!(n, 3);
    }

    #[test]
    fn an_empty_input_and_one_column_read_twice_are_refused() {
        let err = source("", "empty.csv", &CsvOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "empty.csv: malformed CSV: the input is empty: no header line"
        );
        assert!(err.is_bad_data());
        // A header-only input is no error (no rows).
        assert!(source("label,text\n", "h.csv", &CsvOptions::default()).is_ok());
        let same = CsvOptions {
            text_col: "Label".into(),
            label_col: Some("label".into()),
            ..CsvOptions::default()
        };
        let err = source("label,text\na,b\n", "x.csv", &same).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid parameter: x.csv: the text column and the label column are the same column, `label`"
        );
        assert!(!err.is_bad_data());
        let weight = CsvOptions {
            label_col: Some("label".into()),
            weight_col: Some("label".into()),
            ..CsvOptions::default()
        };
        let err = source("label,text\na,b\n", "x.csv", &weight).unwrap_err();
        assert!(err
            .to_string()
            .ends_with("the label column and the weight column are the same column, `label`"));
    }
}
