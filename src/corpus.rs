//! Reading labelled and unlabelled CSV: columns chosen by header name, records read in
//! batches with their line numbers, every problem reported with file, line and column.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use csv::{ByteRecord, StringRecord};

use crate::error::{Error, Location, Result};

/// How invalid UTF-8 in a text field is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InvalidUtf8 {
    /// Fail, naming the line and column.
    #[default]
    Error,
    /// Replace invalid sequences with U+FFFD.
    Replace,
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
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            text_col: "text".into(),
            label_col: Some("label".into()),
            delimiter: None,
            max_field_bytes: 64 << 20,
            invalid_utf8: InvalidUtf8::Error,
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

/// Keeps the last bytes read, so that line numbers can be corrected: the csv crate
/// reports a record that follows a CRLF (or blank lines) at the position of the `\n`
/// before it, one line too early.
struct Tap {
    inner: Box<dyn Read + Send>,
    ring: std::collections::VecDeque<u8>,
    consumed: u64,
}

const TAP_BYTES: usize = 1 << 20;

impl Tap {
    fn byte_at(&self, offset: u64) -> Option<u8> {
        let first = self.consumed - self.ring.len() as u64;
        if offset < first || offset >= self.consumed {
            return None;
        }
        self.ring.get((offset - first) as usize).copied()
    }
}

impl Read for Tap {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.ring.extend(&buf[..n]);
        let excess = self.ring.len().saturating_sub(TAP_BYTES);
        self.ring.drain(..excess);
        self.consumed += n as u64;
        Ok(n)
    }
}

/// A CSV input being read: a file or standard input (`-`).
pub struct CsvSource {
    path: PathBuf,
    reader: csv::Reader<Tap>,
    headers: StringRecord,
    text_idx: usize,
    label_idx: Option<usize>,
    options: CsvOptions,
}

impl std::fmt::Debug for CsvSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvSource")
            .field("path", &self.path)
            .field("headers", &self.headers)
            .finish()
    }
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
        let tap = Tap {
            inner: input,
            ring: Default::default(),
            consumed: 0,
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .from_reader(tap);
        let headers = match reader.byte_headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(csv_error(path, e, &|p| p.line())),
        };
        let headers = match StringRecord::from_byte_record(headers) {
            Ok(h) => h,
            Err(e) => {
                return Err(Error::InvalidUtf8 {
                    location: Location::file(path)
                        .line(1)
                        .column(format!("#{}", e.utf8_error().field() + 1)),
                    byte: e.utf8_error().valid_up_to(),
                })
            }
        };
        let find = |name: &str| -> Result<usize> {
            let want = name.trim();
            headers
                .iter()
                .position(|h| {
                    h.trim_start_matches('\u{feff}')
                        .trim()
                        .eq_ignore_ascii_case(want)
                })
                .ok_or_else(|| Error::MissingColumn {
                    location: Location::file(path).line(1),
                    column: name.to_string(),
                    available: headers.iter().collect::<Vec<_>>().join(","),
                })
        };
        let text_idx = find(&options.text_col)?;
        let label_idx = options.label_col.as_deref().map(find).transpose()?;
        Ok(CsvSource {
            path: path.to_path_buf(),
            reader,
            headers,
            text_idx,
            label_idx,
            options: options.clone(),
        })
    }

    /// The input's name.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The header record.
    pub fn headers(&self) -> &StringRecord {
        &self.headers
    }

    /// Read the next record into `row`; false at the end of the input.
    pub fn read(&mut self, row: &mut RawRow) -> Result<bool> {
        match self.reader.read_byte_record(&mut row.record) {
            Ok(false) => Ok(false),
            Ok(true) => {
                row.line = row.record.position().map_or(0, |p| self.line_of(p));
                if let Some((i, f)) = row
                    .record
                    .iter()
                    .enumerate()
                    .find(|(_, f)| f.len() > self.options.max_field_bytes)
                {
                    return Err(Error::FieldTooLarge {
                        location: self.location(row.line, i),
                        size: f.len(),
                        limit: self.options.max_field_bytes,
                    });
                }
                Ok(true)
            }
            Err(e) => Err(csv_error(&self.path, e, &|p| self.line_of(p))),
        }
    }

    /// The 1-based line on which the record at `pos` starts: csv's line, plus the line
    /// ends between csv's position and the record's first byte.
    fn line_of(&self, pos: &csv::Position) -> u64 {
        let tap = self.reader.get_ref();
        let (mut line, mut at) = (pos.line(), pos.byte());
        while let Some(b) = tap.byte_at(at) {
            match b {
                b'\n' => line += 1,
                b'\r' => {}
                _ => break,
            }
            at += 1;
        }
        line
    }

    /// Fill `rows` with up to `n` records (reusing its allocations); returns how many.
    pub fn read_batch(&mut self, rows: &mut Vec<RawRow>, n: usize) -> Result<usize> {
        let mut k = 0;
        while k < n {
            if k == rows.len() {
                rows.push(RawRow::default());
            }
            if !self.read(&mut rows[k])? {
                break;
            }
            k += 1;
        }
        Ok(k)
    }

    /// The text of a record, validated (or repaired) as UTF-8.
    pub fn text<'r>(&self, row: &'r RawRow) -> Result<std::borrow::Cow<'r, str>> {
        let field = row.record.get(self.text_idx).unwrap_or(b"");
        match std::str::from_utf8(field) {
            Ok(s) => Ok(s.into()),
            Err(e) => match self.options.invalid_utf8 {
                InvalidUtf8::Replace => Ok(String::from_utf8_lossy(field)),
                InvalidUtf8::Error => Err(Error::InvalidUtf8 {
                    location: self.location(row.line, self.text_idx),
                    byte: e.valid_up_to(),
                }),
            },
        }
    }

    /// The label of a record (trimmed); an error when empty or not UTF-8.
    pub fn label<'r>(&self, row: &'r RawRow) -> Result<&'r str> {
        let idx = self.label_idx.expect("label column requested");
        let field = row.record.get(idx).unwrap_or(b"");
        let label = std::str::from_utf8(field)
            .map_err(|e| Error::InvalidUtf8 {
                location: self.location(row.line, idx),
                byte: e.valid_up_to(),
            })?
            .trim();
        if label.is_empty() {
            return Err(Error::EmptyLabel {
                location: self.location(row.line, idx),
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

fn csv_error(path: &Path, e: csv::Error, line_of: &dyn Fn(&csv::Position) -> u64) -> Error {
    let line = e.position().map(line_of);
    match e.into_kind() {
        csv::ErrorKind::Io(source) => Error::Io {
            location: Location::file(path),
            source,
        },
        csv::ErrorKind::UnequalLengths {
            expected_len,
            len,
            pos,
        } => Error::Csv {
            location: Location {
                path: path.to_path_buf(),
                line: pos.as_ref().map(line_of).or(line),
                column: None,
            },
            message: format!("record has {len} fields, the header has {expected_len}"),
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
            "l.csv:8: malformed CSV: record has 1 fields, the header has 2"
        );
    }

    #[test]
    fn missing_column_names_file_and_columns() {
        let err = source("label,body\n", "in.csv", &CsvOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "in.csv:1: no column `text` in the header (columns: label,body)"
        );
    }

    #[test]
    fn ragged_row_names_the_line() {
        let mut s = source("label,text\na,b\nc\n", "r.csv", &CsvOptions::default()).unwrap();
        let mut row = RawRow::default();
        assert!(s.read(&mut row).unwrap());
        let err = s.read(&mut row).unwrap_err();
        assert_eq!(
            err.to_string(),
            "r.csv:3: malformed CSV: record has 1 fields, the header has 2"
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
        let err = s.text(&rows[1]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "u.csv:3: column `text`: invalid UTF-8 at byte 3 of the field"
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
}
