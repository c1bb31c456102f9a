//! The one error type of the library, with the place each error happened.

use std::fmt;
use std::path::PathBuf;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in an input a problem was found: the file and, when known, the 1-based line
/// and the column (by header name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The input file (`-` for standard input).
    pub path: PathBuf,
    /// 1-based line number of the record in the file, when known.
    pub line: Option<u64>,
    /// The column, by its header name, when known.
    pub column: Option<String>,
}

impl Location {
    /// A location naming only a file.
    pub fn file(path: impl Into<PathBuf>) -> Location {
        Location {
            path: path.into(),
            line: None,
            column: None,
        }
    }

    /// This location at a given 1-based line.
    pub fn line(mut self, line: u64) -> Location {
        self.line = Some(line);
        self
    }

    /// This location at a given column.
    pub fn column(mut self, column: impl Into<String>) -> Location {
        self.column = Some(column.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ": column `{column}`")?;
        }
        Ok(())
    }
}

/// What can go wrong in pitchsift.
///
/// Every variant that comes from input names where: the file, the line and the column.
/// What [`Error::InvalidUtf8`] adds for a message's text: most such files are Latin-1 or
/// Windows-1252 (spreadsheets, older mail tools), and the replacement policy reads them.
const TEXT_NOT_UTF8: &str = " (a file saved as Latin-1 or Windows-1252? convert it, e.g. \
     `iconv -f windows-1252 -t utf-8`, or read it with --invalid-utf8 replace)";

/// The command-line option that names a column (for [`Error::MissingColumn`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnOption {
    /// `--text-col`.
    Text,
    /// `--label-col`.
    Label,
    /// `--weight-col`.
    Weight,
}

impl fmt::Display for ColumnOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ColumnOption::Text => "--text-col",
            ColumnOption::Label => "--label-col",
            ColumnOption::Weight => "--weight-col",
        })
    }
}

/// [`Error::is_bad_data`] tells bad data (exit code 1 in the binaries) from bad usage (2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is out of range or inconsistent; found by `check()`.
    #[error("invalid parameter: {0}")]
    InvalidParam(String),
    /// A file could not be opened, read or written.
    #[error("{location}: {source}")]
    Io {
        /// Which file.
        location: Location,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The CSV could not be parsed (bad quoting, unequal record lengths, ...).
    #[error("{location}: malformed CSV: {message}")]
    Csv {
        /// Where.
        location: Location,
        /// The parser's description.
        message: String,
    },
    /// A named column is not in the header.
    #[error(
        "{location}: no column `{column}` in the header (columns: {available}){}",
        column_hint(*.hint, *.option)
    )]
    MissingColumn {
        /// The file, at line 1.
        location: Location,
        /// The column asked for.
        column: String,
        /// The header, comma separated.
        available: String,
        /// The delimiter the header seems to use instead (`;`, tab or `|`), when the
        /// column is there between those.
        hint: Option<u8>,
        /// The command-line option that names the column (`--text-col`, `--label-col`,
        /// `--weight-col`), when the column is the user's to choose: the message says so
        /// when no delimiter explains the miss.
        option: Option<ColumnOption>,
    },
    /// A named column is in the header more than once (which one is meant is unknown).
    #[error("{location}: column `{column}` is in the header twice (fields {first} and {second}); rename one")]
    DuplicateColumn {
        /// The file, at line 1.
        location: Location,
        /// The column asked for.
        column: String,
        /// Its first field, counted from 1.
        first: usize,
        /// Its second field, counted from 1.
        second: usize,
    },
    /// A field is not valid UTF-8.
    #[error(
        "{location}: invalid UTF-8 at byte {byte} of the field{}",
        if *.text { TEXT_NOT_UTF8 } else { "" }
    )]
    InvalidUtf8 {
        /// Where.
        location: Location,
        /// Offset of the first invalid byte inside the field.
        byte: usize,
        /// The field is a message's text, which `--invalid-utf8 replace` may repair (the
        /// error then says how); labels, weights, groups and headers must be UTF-8.
        text: bool,
    },
    /// A field is larger than the configured bound.
    #[error("{location}: field of {size} bytes exceeds the limit of {limit} bytes")]
    FieldTooLarge {
        /// Where.
        location: Location,
        /// Size seen (at least).
        size: usize,
        /// The bound.
        limit: usize,
    },
    /// A record grew past what its fields may take (field count x `--max-field-bytes`)
    /// before the parser finished it: refused while reading, before it is held whole.
    #[error(
        "{location}: record still unfinished after {read} bytes: a field exceeds the limit of \
         {limit} bytes"
    )]
    RecordTooLarge {
        /// The file and the line where the record starts.
        location: Location,
        /// Bytes buffered when it was refused.
        read: usize,
        /// The field size bound.
        limit: usize,
    },
    /// A label field is empty.
    #[error("{location}: empty label")]
    EmptyLabel {
        /// Where.
        location: Location,
    },
    /// A field's value is not what its column needs (a weight that is not a whole
    /// number, say).
    #[error("{location}: {message}")]
    BadField {
        /// Where.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// No document to train on.
    #[error("{inputs}: no documents to train on")]
    EmptyCorpus {
        /// The inputs, comma separated.
        inputs: String,
    },
    /// Documents, but no word in any of them (every text empty or blank).
    #[error("{inputs}: no word in any text; nothing to train on")]
    NoTerms {
        /// The inputs, comma separated.
        inputs: String,
    },
    /// No labelled row to evaluate a model on.
    #[error("{inputs}: no labelled rows to evaluate the model on")]
    EmptyTest {
        /// The test files, comma separated.
        inputs: String,
    },
    /// Training needs at least two labels.
    #[error(
        "{inputs}: every document has the label `{label}`; training needs at least two labels"
    )]
    SingleLabel {
        /// The inputs, comma separated.
        inputs: String,
        /// The only label.
        label: String,
    },
    /// A model file could not be loaded.
    #[error("{path}: {message}")]
    BadModel {
        /// The model file (or `<embedded>`).
        path: String,
        /// What is wrong, and what to do.
        message: String,
    },
    /// A LinkedIn export is not what pitchsift can read (no messages file, an unknown
    /// column layout, a corrupt zip).
    #[error("{location}: {message}")]
    LinkedIn {
        /// The export, or the file inside it (and the line).
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// Two models cannot be combined.
    #[error("{0}")]
    Incompatible(String),
    /// An error from linfa (dense fitting through linfa's traits).
    #[cfg(feature = "linfa")]
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
}

impl Error {
    /// True when the error is caused by the data given (exit code 1), false when it is a
    /// usage problem such as an invalid parameter (exit code 2).
    pub fn is_bad_data(&self) -> bool {
        match self {
            Error::InvalidParam(_) => false,
            #[cfg(feature = "linfa")]
            Error::Linfa(_) => false,
            _ => true,
        }
    }

    /// Is this an I/O error whose kind is a broken pipe?
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            location: Location::file(path),
            source,
        }
    }

    pub(crate) fn bad_model(path: &str, message: impl Into<String>) -> Error {
        Error::BadModel {
            path: path.to_string(),
            message: message.into(),
        }
    }
}

/// What the message of [`Error::MissingColumn`] adds for a header that seems delimited by
/// `d` instead.
fn column_hint(d: Option<u8>, option: Option<ColumnOption>) -> String {
    match (d, option) {
        (None, Some(option)) => format!("; name the column to read with {option}"),
        _ => delimiter_hint(d),
    }
}

fn delimiter_hint(d: Option<u8>) -> String {
    match d {
        Some(b'\t') => "; the header looks tab-delimited (--delimiter 'tab')".into(),
        Some(d) => format!(
            "; the header looks `{0}`-delimited (--delimiter '{0}')",
            d as char
        ),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_names_file_line_and_column() {
        let loc = Location::file("data/x.csv").line(7).column("text");
        assert_eq!(loc.to_string(), "data/x.csv:7: column `text`");
        let err = Error::InvalidUtf8 {
            location: loc.clone(),
            byte: 3,
            text: false,
        };
        assert_eq!(
            err.to_string(),
            "data/x.csv:7: column `text`: invalid UTF-8 at byte 3 of the field"
        );
        let err = Error::InvalidUtf8 {
            location: loc,
            byte: 3,
            text: true,
        };
        assert_eq!(
            err.to_string(),
            format!(
                "data/x.csv:7: column `text`: invalid UTF-8 at byte 3 of the field{TEXT_NOT_UTF8}"
            )
        );
        assert!(err.is_bad_data());
        assert!(!Error::InvalidParam("alpha".into()).is_bad_data());
    }
}
