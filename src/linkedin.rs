//! Reading a LinkedIn data export ("Settings > Data privacy > Get a copy of your data"):
//! the zip itself (read in place, never unpacked to disk), the unpacked folder, or one
//! of its `messages.csv` / `Invitations.csv`.
//!
//! What is classified:
//! - from `messages.csv`, the opening message of each conversation (its oldest message
//!   with text), when someone other than the export's owner sent it. The owner is the
//!   participant found in every message (by profile URL where the export has them, else
//!   by name), or the one named with [`Reader::open`]'s `owner`. Replies, drafts, empty messages,
//!   the conversations the owner started and those the owner is in none of the messages of
//!   (neither sender nor listed recipient: a name changed or misspelt) are counted in
//!   [`Stats`], not classified; a given owner who is in none of the messages of most
//!   conversations is an error.
//!   Sponsored InMails carry HTML bodies: [`html_to_text`] turns them into text, one
//!   paragraph a line.
//! - from `Invitations.csv`, the incoming invitations that carry a message.
//!
//! An empty date (`DATE`, `Sent At`) is missing data: the message is classified without
//! one and counted in [`Stats`]; a date that is not empty and in no form [`parse_date`]
//! knows is an error naming file, line and column.
//!
//! `messages.csv` is read twice, so memory stays bounded whatever its size: a first pass
//! keeps a little state per conversation (where its opening message is) and per
//! participant (in how many messages they appear), the second pass yields the opening
//! messages in file order.
//!
//! ```
//! use pitchsift::linkedin::html_to_text;
//! let html = r#"<p class="spinmail-quill-editor__spin-break">Hi %FIRSTNAME%,</p><p>Tom &amp; I<br>say hello</p>"#;
//! assert_eq!(html_to_text(html), "Hi %FIRSTNAME%,\nTom & I\nsay hello");
//! ```

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use crate::corpus::{column_name, CsvOptions, CsvSource, InvalidUtf8, RawRow};
use crate::error::{Error, Location, Result};

/// Which file of the export a message comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The opening message of a conversation in `messages.csv`.
    Message,
    /// An incoming invitation's message in `Invitations.csv`.
    Invitation,
}

impl Kind {
    /// `message` or `invitation`, as written in the output.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Message => "message",
            Kind::Invitation => "invitation",
        }
    }
}

/// One message to classify.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Item {
    /// Where it comes from (`None` only in a default value).
    pub kind: Option<Kind>,
    /// The conversation (empty for an invitation).
    pub conversation_id: String,
    /// The sender's name.
    pub from: String,
    /// The sender's profile URL, when the export has it.
    pub sender_url: String,
    /// When it was sent, ISO 8601 (`2025-11-30T14:02:11Z`; without `Z` when the export
    /// does not say the time is UTC); empty when the export's date field is empty.
    pub date: String,
    /// The subject (messages only).
    pub subject: String,
    /// The text classified (HTML bodies turned into text).
    pub text: String,
}

/// The output columns that describe an [`Item`], in order.
pub const COLUMNS: [&str; 7] = [
    "kind",
    "conversation_id",
    "from",
    "sender_url",
    "date",
    "subject",
    "text",
];

impl Item {
    /// The fields in [`COLUMNS`] order.
    pub fn fields(&self) -> [&str; 7] {
        [
            self.kind.map_or("", Kind::as_str),
            &self.conversation_id,
            &self.from,
            &self.sender_url,
            &self.date,
            &self.subject,
            &self.text,
        ]
    }
}

/// What was read, and why what was read was not classified.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Rows of `messages.csv`.
    pub messages: u64,
    /// Conversations in `messages.csv`.
    pub conversations: u64,
    /// Opening messages classified.
    pub messages_classified: u64,
    /// Conversations the owner started.
    pub own: u64,
    /// Messages after the opening one.
    pub replies: u64,
    /// Draft messages.
    pub drafts: u64,
    /// Opening messages without text.
    pub empty: u64,
    /// Opening messages classified whose DATE is empty (classified without a date).
    pub messages_undated: u64,
    /// Conversations the owner is in none of the messages of (neither a sender nor a
    /// recipient, where its messages list their recipients): not classified, since the
    /// reader cannot tell who the owner is there.
    pub without_owner: u64,
    /// Who is in those conversations: up to three names (the profile URL when no name
    /// was seen) with the number of them each is in, most first.
    pub without_owner_names: Vec<(String, u64)>,
    /// Rows of `Invitations.csv`.
    pub invitations: u64,
    /// Incoming invitations with a message, classified.
    pub invitations_classified: u64,
    /// Invitations the owner sent.
    pub outgoing: u64,
    /// Incoming invitations without a message.
    pub without_message: u64,
    /// Invitations classified whose `Sent At` is empty (classified without a date).
    pub invitations_undated: u64,
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `, N of them without a date` when N > 0.
fn undated(n: u64) -> String {
    match n {
        0 => String::new(),
        n => format!(", {n} of them without a date"),
    }
}

impl Stats {
    /// What was read from each file, what was classified and why the rest was not: one
    /// line per file of `export` (for the binary's summary and the report).
    pub fn lines(&self, export: &Export) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(name) = export.messages_name() {
            let mut why = Vec::new();
            for (n, one, many) in [
                (
                    self.own,
                    "conversation you started",
                    "conversations you started",
                ),
                (self.replies, "reply", "replies"),
                (
                    self.empty,
                    "empty opening message",
                    "empty opening messages",
                ),
                (self.drafts, "draft", "drafts"),
                (
                    self.without_owner,
                    "conversation without the owner",
                    "conversations without the owner",
                ),
            ] {
                if n > 0 {
                    why.push(plural(n, one, many));
                }
            }
            lines.push(format!(
                "{}: {} in {}; {} classified (opening messages sent to you){}{}",
                name.display(),
                plural(self.messages, "message", "messages"),
                plural(self.conversations, "conversation", "conversations"),
                self.messages_classified,
                undated(self.messages_undated),
                if why.is_empty() {
                    String::new()
                } else {
                    format!("; not classified: {}", why.join(", "))
                }
            ));
            if self.without_owner > 0 {
                lines.push(format!(
                    "{}: {} not classified: the owner is in none of {} messages (who is: {})",
                    name.display(),
                    plural(self.without_owner, "conversation", "conversations"),
                    if self.without_owner == 1 {
                        "its"
                    } else {
                        "their"
                    },
                    self.without_owner_names
                        .iter()
                        .map(|(who, n)| format!("{who} in {n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        if let Some(name) = export.invitations_name() {
            let mut why = Vec::new();
            if self.outgoing > 0 {
                why.push(format!("{} outgoing", self.outgoing));
            }
            if self.without_message > 0 {
                why.push(format!("{} without a message", self.without_message));
            }
            lines.push(format!(
                "{}: {}; {} classified (incoming, with a message){}{}",
                name.display(),
                plural(self.invitations, "invitation", "invitations"),
                self.invitations_classified,
                undated(self.invitations_undated),
                if why.is_empty() {
                    String::new()
                } else {
                    format!("; not classified: {}", why.join(", "))
                }
            ));
        }
        lines
    }
}

/// The export's owner, as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// The name seen in the data (or the one given).
    pub name: String,
    /// The profile URL, when the owner was found by URL.
    pub url: Option<String>,
    /// True when given by the user rather than found.
    pub given: bool,
}

/// A file of the export: on disk, or an entry of the zip.
#[derive(Debug, Clone)]
enum Entry {
    File(PathBuf),
    Zip {
        zip: PathBuf,
        index: usize,
        name: String,
        size: u64,
    },
}

impl Entry {
    /// The name used in messages: the file, or `the.zip/entry/name`.
    fn display(&self) -> PathBuf {
        match self {
            Entry::File(p) => p.clone(),
            Entry::Zip { zip, name, .. } => zip.join(name),
        }
    }

    fn size(&self) -> Option<u64> {
        match self {
            Entry::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Entry::Zip { size, .. } => Some(*size),
        }
    }

    /// A reader of the (decompressed) bytes.
    fn open(&self) -> Result<Box<dyn Read + Send>> {
        match self {
            Entry::File(p) => Ok(Box::new(File::open(p).map_err(|e| Error::io(p, e))?)),
            Entry::Zip { zip, index, .. } => Ok(Box::new(ZipEntryReader::spawn(zip, *index)?)),
        }
    }
}

/// An entry of a zip file, decompressed on its own thread (the archive owns the file
/// and an entry borrows the archive, so the thread owns both) and handed over in 256 KiB
/// chunks through a channel of four: memory stays bounded.
struct ZipEntryReader {
    rx: mpsc::Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    at: usize,
}

impl ZipEntryReader {
    fn spawn(zip: &Path, index: usize) -> Result<ZipEntryReader> {
        let mut archive = open_zip(zip)?;
        let (tx, rx) = mpsc::sync_channel(4);
        std::thread::spawn(move || {
            let mut entry = match archive.by_index(index) {
                Ok(e) => e,
                Err(e) => {
                    let _ = tx.send(Err(io::Error::new(io::ErrorKind::InvalidData, e)));
                    return;
                }
            };
            loop {
                let mut buf = vec![0u8; 256 << 10];
                let mut n = 0;
                // Fill the chunk (small reads would mean many channel messages).
                while n < buf.len() {
                    match entry.read(&mut buf[n..]) {
                        Ok(0) => break,
                        Ok(k) => n += k,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            return;
                        }
                    }
                }
                buf.truncate(n);
                let last = n == 0;
                if tx.send(Ok(buf)).is_err() || last {
                    return;
                }
            }
        });
        Ok(ZipEntryReader {
            rx,
            chunk: Vec::new(),
            at: 0,
        })
    }
}

impl Read for ZipEntryReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at == self.chunk.len() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.at = 0;
                }
                Ok(Err(e)) => return Err(e),
                // The thread ended after the last (empty) chunk.
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.chunk.len() - self.at);
        out[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn open_zip(zip: &Path) -> Result<zip::ZipArchive<io::BufReader<File>>> {
    let f = File::open(zip).map_err(|e| Error::io(zip, e))?;
    zip::ZipArchive::new(io::BufReader::new(f)).map_err(|e| Error::LinkedIn {
        location: Location::file(zip),
        message: format!("not a readable zip file ({e})"),
    })
}

/// The files of an export that pitchsift reads.
#[derive(Debug, Clone)]
pub struct Export {
    path: PathBuf,
    messages: Option<Entry>,
    invitations: Option<Entry>,
    /// How many folders down the messages and invitations files were found.
    depths: [Option<usize>; 2],
}

const MESSAGES: &str = "messages.csv";
const INVITATIONS: &str = "invitations.csv";

impl Export {
    /// Find `messages.csv` and `Invitations.csv` in a zip, a folder (or a folder one
    /// level down), or take the one file given. An export with neither is an error that
    /// lists what it holds.
    pub fn open(path: &Path) -> Result<Export> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let mut export = Export {
            path: path.to_path_buf(),
            messages: None,
            invitations: None,
            depths: [None; 2],
        };
        let mut seen: Vec<String> = Vec::new();
        if meta.is_dir() {
            let mut dirs = vec![path.to_path_buf()];
            // The folder itself first, then its subfolders (an export unpacked into one).
            let mut i = 0;
            while i < dirs.len() {
                let dir = dirs[i].clone();
                let mut names: Vec<_> = std::fs::read_dir(&dir)
                    .map_err(|e| Error::io(&dir, e))?
                    .filter_map(|e| e.ok())
                    .collect();
                names.sort_by_key(|e| e.file_name());
                for e in names {
                    let p = e.path();
                    let name = e.file_name().to_string_lossy().into_owned();
                    if p.is_dir() {
                        if i == 0 {
                            dirs.push(p);
                        }
                        continue;
                    }
                    seen.push(name.clone());
                    export.take(&name, usize::from(i > 0), || Entry::File(p.clone()))?;
                }
                i += 1;
            }
        } else if is_zip(path)? {
            let archive = open_zip(path)?;
            // Shortest path first: a top-level file wins over one in a subfolder.
            let mut entries: Vec<(usize, String, u64)> = Vec::new();
            let mut archive = archive;
            for i in 0..archive.len() {
                let e = archive.by_index_raw(i).map_err(|e| Error::LinkedIn {
                    location: Location::file(path),
                    message: format!("not a readable zip file ({e})"),
                })?;
                if !e.is_dir() {
                    entries.push((i, e.name().to_string(), e.size()));
                }
            }
            entries.sort_by_key(|(_, n, _)| (n.matches('/').count(), n.clone()));
            for (index, name, size) in entries {
                let base = name.rsplit('/').next().unwrap_or(&name).to_string();
                seen.push(name.clone());
                let depth = name.matches('/').count();
                export.take(&base, depth, || Entry::Zip {
                    zip: path.to_path_buf(),
                    index,
                    name: name.clone(),
                    size,
                })?;
            }
        } else {
            // One CSV: by its name, else by its header.
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            let entry = Entry::File(path.to_path_buf());
            let header = sniff_header(path)?;
            let has = |c: &str| header.iter().any(|h| h.eq_ignore_ascii_case(c));
            if name == MESSAGES || has("CONVERSATION ID") {
                export.messages = Some(entry);
            } else if name == INVITATIONS || (has("Direction") && has("Sent At")) {
                export.invitations = Some(entry);
            } else {
                return Err(Error::LinkedIn {
                    location: Location::file(path).line(1),
                    message: format!(
                        "not a LinkedIn export: give the export's .zip, its folder, its \
                         messages.csv or its Invitations.csv (this file's columns: {})",
                        header.join(",")
                    ),
                });
            }
            return Ok(export);
        }
        if export.messages.is_none() && export.invitations.is_none() {
            seen.truncate(12);
            return Err(Error::LinkedIn {
                location: Location::file(path),
                message: format!(
                    "no messages.csv or Invitations.csv in this LinkedIn export (it holds: {})",
                    if seen.is_empty() {
                        "nothing".to_string()
                    } else {
                        seen.join(", ")
                    }
                ),
            });
        }
        Ok(export)
    }

    /// Take `entry` (a file named `base`, `depth` folders down) if it is one of the files
    /// read and none was taken yet: a shallower one wins (the export's own file over one
    /// in a subfolder); two at the same depth (two exports unpacked side by side,
    /// `MESSAGES.CSV` beside `messages.csv`) are an error naming both, not a guess.
    fn take(&mut self, base: &str, depth: usize, entry: impl FnOnce() -> Entry) -> Result<()> {
        let lower = base.to_lowercase();
        let (slot, taken) = match lower.as_str() {
            MESSAGES => (&mut self.messages, &mut self.depths[0]),
            INVITATIONS => (&mut self.invitations, &mut self.depths[1]),
            _ => return Ok(()),
        };
        match (slot.as_ref(), *taken) {
            (None, _) => {
                *slot = Some(entry());
                *taken = Some(depth);
            }
            (Some(first), Some(d)) if d == depth => {
                return Err(Error::LinkedIn {
                    location: Location::file(&self.path),
                    message: format!(
                        "two {base} files, {} and {}: give the folder or zip of one export",
                        first.display().display(),
                        entry().display().display()
                    ),
                })
            }
            _ => {}
        }
        Ok(())
    }

    /// The path given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The name of `messages.csv` as used in messages, when the export has one.
    pub fn messages_name(&self) -> Option<PathBuf> {
        self.messages.as_ref().map(Entry::display)
    }

    /// The name of `Invitations.csv` as used in messages, when the export has one.
    pub fn invitations_name(&self) -> Option<PathBuf> {
        self.invitations.as_ref().map(Entry::display)
    }
}

fn is_zip(path: &Path) -> Result<bool> {
    let mut magic = [0u8; 4];
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let n = f.read(&mut magic).map_err(|e| Error::io(path, e))?;
    Ok(&magic[..n] == b"PK\x03\x04"
        || &magic[..n] == b"PK\x05\x06"
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip")))
}

fn sniff_header(path: &Path) -> Result<Vec<String>> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(f.take(1 << 16));
    let mut rec = csv::ByteRecord::new();
    let ok = r.read_byte_record(&mut rec).unwrap_or(false);
    Ok(if ok {
        rec.iter()
            .map(|f| column_name(&String::from_utf8_lossy(f)).to_string())
            .collect()
    } else {
        Vec::new()
    })
}

/// The columns of `messages.csv` pitchsift uses (others are ignored).
#[derive(Debug, Clone)]
struct MessageCols {
    conversation: usize,
    from: usize,
    to: Option<usize>,
    date: usize,
    content: usize,
    subject: Option<usize>,
    sender_url: Option<usize>,
    recipient_urls: Option<usize>,
    draft: Option<usize>,
}

/// The columns of `Invitations.csv`.
#[derive(Debug, Clone)]
struct InvitationCols {
    from: usize,
    sent_at: usize,
    message: usize,
    direction: usize,
    inviter_url: Option<usize>,
}

/// Open an export CSV; `required` columns missing is an error naming them and the
/// layout the file has.
fn open_csv(entry: &Entry, text_col: &str, required: &[&str]) -> Result<CsvSource> {
    let name = entry.display();
    let options = CsvOptions {
        text_col: text_col.into(),
        label_col: None,
        delimiter: Some(b','),
        max_field_bytes: 64 << 20,
        invalid_utf8: InvalidUtf8::Replace,
        weight_col: None,
        weight_required: false,
        skip_empty_label: false,
        column_options: false,
    };
    match CsvSource::from_reader(&name, entry.open()?, &options) {
        Ok(src) => {
            let missing: Vec<&str> = required
                .iter()
                .copied()
                .filter(|c| matches!(src.column(c), Err(Error::MissingColumn { .. })))
                .collect();
            if missing.is_empty() {
                Ok(src)
            } else {
                Err(unknown_layout(&name, &missing, src.headers().iter()))
            }
        }
        Err(Error::MissingColumn { available, .. }) => {
            let missing: Vec<&str> = required
                .iter()
                .copied()
                .filter(|c| {
                    !available
                        .split(',')
                        .any(|h| column_name(h).eq_ignore_ascii_case(c))
                })
                .collect();
            Err(unknown_layout(&name, &missing, available.split(',')))
        }
        Err(e) => Err(e),
    }
}

fn unknown_layout<'a>(name: &Path, missing: &[&str], have: impl Iterator<Item = &'a str>) -> Error {
    Error::LinkedIn {
        location: Location::file(name).line(1),
        message: format!(
            "a column layout pitchsift does not know: no column {} (columns: {})",
            missing
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", "),
            have.collect::<Vec<_>>().join(",")
        ),
    }
}

fn optional(src: &CsvSource, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| src.column(n).ok())
}

impl MessageCols {
    const REQUIRED: [&'static str; 4] = ["CONVERSATION ID", "FROM", "DATE", "CONTENT"];

    fn find(src: &CsvSource) -> Result<MessageCols> {
        Ok(MessageCols {
            conversation: src.column("CONVERSATION ID")?,
            from: src.column("FROM")?,
            to: optional(src, &["TO"]),
            date: src.column("DATE")?,
            content: src.column("CONTENT")?,
            subject: optional(src, &["SUBJECT"]),
            sender_url: optional(src, &["SENDER PROFILE URL"]),
            recipient_urls: optional(src, &["RECIPIENT PROFILE URLS", "RECIPIENT PROFILE URL"]),
            draft: optional(src, &["IS MESSAGE DRAFT"]),
        })
    }
}

impl InvitationCols {
    const REQUIRED: [&'static str; 4] = ["From", "Sent At", "Message", "Direction"];

    fn find(src: &CsvSource) -> Result<InvitationCols> {
        Ok(InvitationCols {
            from: src.column("From")?,
            sent_at: src.column("Sent At")?,
            message: src.column("Message")?,
            direction: src.column("Direction")?,
            inviter_url: optional(src, &["inviterProfileUrl", "Inviter Profile Url"]),
        })
    }
}

/// A field as text (invalid UTF-8 replaced: an export is read, not judged), trimmed.
fn field<'r>(row: &'r RawRow, idx: usize) -> std::borrow::Cow<'r, str> {
    match String::from_utf8_lossy(row.record.get(idx).unwrap_or(b"")) {
        std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(s.trim()),
        std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s.trim().to_string()),
    }
}

fn opt_field<'r>(row: &'r RawRow, idx: Option<usize>) -> std::borrow::Cow<'r, str> {
    idx.map_or(std::borrow::Cow::Borrowed(""), |i| field(row, i))
}

/// A profile URL compared loosely: case, scheme, `www.` and a final `/` ignored.
fn url_key(url: &str) -> String {
    let u = url.trim().to_lowercase();
    let u = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .unwrap_or(&u);
    let u = u.strip_prefix("www.").unwrap_or(u);
    format!("url:{}", u.trim_end_matches('/'))
}

fn name_key(name: &str) -> String {
    format!("name:{}", name.trim().to_lowercase())
}

/// Is this a draft flag that says yes?
fn truthy(s: &str) -> bool {
    matches!(s.to_ascii_lowercase().as_str(), "yes" | "true" | "1" | "y")
}

/// Where a conversation's opening message is: its oldest message with text, or its
/// oldest message when none has text (an attachment or a deleted message first, then
/// text: the text opens the conversation).
#[derive(Debug, Clone, Copy)]
struct Opening {
    record: u64,
    /// [`DateTime::key`], or [`NO_DATE`].
    time: i64,
    text: bool,
}

/// The time of a message whose DATE is empty: later than every date, so that a message
/// without a date opens its conversation only when no message with text has one (it
/// cannot be shown to be the oldest); among messages without a date, as at equal times,
/// the later row (the oldest, as rows come newest first).
const NO_DATE: i64 = i64::MAX;

impl Opening {
    /// Does `self` open its conversation rather than `other`? Text first, then the
    /// older ([`NO_DATE`] last); at equal times the later row (rows come newest first).
    fn before(&self, other: &Opening) -> bool {
        (self.text, other.time) >= (other.text, self.time)
    }
}

/// No participant (an empty slot of [`Conversation::people`], the end of a list).
const NOBODY: u32 = u32::MAX;

/// What the first pass keeps of a conversation: its [`Opening`] (the fields inline, so
/// that the state stays 32 bytes) and who is in it, to tell the conversations the owner
/// is in none of.
#[derive(Debug, Clone, Copy)]
struct Conversation {
    record: u64,
    time: i64,
    /// Two of its participants (ids of [`Reader::scan`]'s people), [`NOBODY`] when
    /// fewer: most conversations have two.
    people: [u32; 2],
    /// The others: the head of a list in an arena of (id, next) ([`NOBODY`] when none).
    more: u32,
    text: bool,
    /// Some message of it lists its recipients (TO or recipient URLs): without that, only
    /// the senders are known, and a conversation the owner never wrote in cannot be told
    /// from one they are not in.
    told: bool,
}

impl Conversation {
    fn new(o: Opening) -> Conversation {
        Conversation {
            record: o.record,
            time: o.time,
            people: [NOBODY; 2],
            more: NOBODY,
            text: o.text,
            told: false,
        }
    }

    fn opening(&self) -> Opening {
        Opening {
            record: self.record,
            time: self.time,
            text: self.text,
        }
    }

    fn open_with(&mut self, o: Opening) {
        (self.record, self.time, self.text) = (o.record, o.time, o.text);
    }

    /// Add a participant (once).
    fn add(&mut self, id: u32, arena: &mut Vec<(u32, u32)>) {
        if self.people.contains(&id) {
            return;
        }
        if let Some(slot) = self.people.iter_mut().find(|p| **p == NOBODY) {
            *slot = id;
            return;
        }
        let mut at = self.more;
        while at != NOBODY {
            let (p, next) = arena[at as usize];
            if p == id {
                return;
            }
            at = next;
        }
        arena.push((id, self.more));
        self.more = u32::try_from(arena.len() - 1).expect("fewer than 2^32 participations");
    }

    /// Its participants.
    fn each(&self, arena: &[(u32, u32)], mut f: impl FnMut(u32)) {
        self.people
            .iter()
            .filter(|p| **p != NOBODY)
            .for_each(|p| f(*p));
        let mut at = self.more;
        while at != NOBODY {
            let (p, next) = arena[at as usize];
            f(p);
            at = next;
        }
    }
}

/// Does a message's CONTENT hold text once its HTML is read: is [`html_to_text`] of it
/// non-empty (the second pass's test)? Without a `<` it is no HTML and only trimmed, so
/// the answer needs no copy of the text.
fn has_text(content: &str) -> bool {
    match content.contains('<') {
        false => !content.trim().is_empty(),
        true => !html_to_text(content).is_empty(),
    }
}

/// What the first pass over `messages.csv` found.
#[derive(Debug, Default)]
struct Plan {
    /// Record numbers (0-based, data rows) of the opening messages, ascending.
    openings: Vec<u64>,
    owner: Option<OwnerMatch>,
}

#[derive(Debug, Clone)]
struct OwnerMatch {
    owner: Owner,
    /// `url:...` or `name:...`.
    key: String,
}

impl OwnerMatch {
    /// Is the participant with this key (`url:...` or `name:...`, as the first pass
    /// keys them) and a name seen with it the owner? As [`OwnerMatch::sent`] tells a
    /// sender: the key, the owner's name where no URL was given, any of the given name.
    fn is(&self, key: &str, name: &str) -> bool {
        let owner_name = name_key(&self.owner.name);
        key == self.key
            || (!self.owner.name.is_empty()
                && (key == owner_name || (self.owner.given && name_key(name) == owner_name)))
    }

    fn sent(&self, from: &str, url: &str) -> bool {
        if self.key.starts_with("url:") {
            (!url.is_empty() && url_key(url) == self.key)
                || ((url.is_empty() || self.owner.given)
                    && name_key(from) == name_key(&self.owner.name))
        } else {
            name_key(from) == self.key
        }
    }
}

enum Stage {
    Start,
    Messages(Box<CsvSource>, MessageCols),
    Invitations(Box<CsvSource>, InvitationCols),
    Done,
}

/// Reads an export: [`Reader::scan`] (the first pass over `messages.csv`), then
/// [`Reader::read_batch`] until it returns 0.
pub struct Reader {
    export: Export,
    owner_given: Option<String>,
    plan: Plan,
    scanned: bool,
    stage: Stage,
    stats: Stats,
    row: RawRow,
    record: u64,
    next_opening: usize,
    /// Bytes of the passes already finished.
    bytes_done: u64,
}

impl Reader {
    /// Open the export at `path` (see [`Export::open`]); `owner` (a name or a profile
    /// URL) overrides finding the owner from the data.
    pub fn open(path: &Path, owner: Option<&str>) -> Result<Reader> {
        Ok(Reader {
            export: Export::open(path)?,
            owner_given: owner.map(str::to_string),
            plan: Plan::default(),
            scanned: false,
            stage: Stage::Start,
            stats: Stats::default(),
            row: RawRow::default(),
            record: 0,
            next_opening: 0,
            bytes_done: 0,
        })
    }

    /// The export being read.
    pub fn export(&self) -> &Export {
        &self.export
    }

    /// Work in bytes: `messages.csv` twice (two passes) and `Invitations.csv` once, when
    /// the sizes are known.
    pub fn total_bytes(&self) -> Option<u64> {
        let m = match &self.export.messages {
            Some(e) => 2 * e.size()?,
            None => 0,
        };
        let i = match &self.export.invitations {
            Some(e) => e.size()?,
            None => 0,
        };
        Some(m + i)
    }

    /// Bytes of work done so far (see [`Reader::total_bytes`]).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_done
            + match &self.stage {
                Stage::Messages(src, _) => src.bytes_read(),
                Stage::Invitations(src, _) => src.bytes_read(),
                _ => 0,
            }
    }

    /// The counts so far (complete once [`Reader::read_batch`] has returned 0).
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The owner, once [`Reader::scan`] has run (`None` without messages).
    pub fn owner(&self) -> Option<&Owner> {
        self.plan.owner.as_ref().map(|o| &o.owner)
    }

    /// The first pass over `messages.csv`: finds each conversation's opening message and
    /// the owner. `progress` is called now and then with [`Reader::bytes_read`].
    pub fn scan(&mut self, progress: &mut dyn FnMut(u64)) -> Result<()> {
        self.scanned = true;
        let Some(entry) = self.export.messages.clone() else {
            return Ok(());
        };
        let name = entry.display();
        let mut src = open_csv(&entry, "CONTENT", &MessageCols::REQUIRED)?;
        let cols = MessageCols::find(&src)?;
        let mut conversations: HashMap<Box<str>, Conversation> = HashMap::new();
        // The third and later participants of conversations: (id, next).
        let mut arena: Vec<(u32, u32)> = Vec::new();
        // Participant key -> (messages they are in, a name seen, id).
        let mut people: HashMap<String, (u64, String, u32)> = HashMap::new();
        let mut row_ids: Vec<u32> = Vec::new();
        let mut row = RawRow::default();
        let mut record = 0u64;
        let mut counted = 0u64;
        let mut in_row: Vec<String> = Vec::new();
        while src.read(&mut row)? {
            self.stats.messages += 1;
            let draft = truthy(&opt_field(&row, cols.draft));
            let time = read_date(&src, &row, cols.date)?.map_or(NO_DATE, |d| d.key());
            // Everyone in this message: the sender and the recipients, by URL when known.
            in_row.clear();
            let from = field(&row, cols.from);
            let from_url = opt_field(&row, cols.sender_url);
            if !from.is_empty() || !from_url.is_empty() {
                in_row.push(if from_url.is_empty() {
                    name_key(&from)
                } else {
                    url_key(&from_url)
                });
            }
            let urls = opt_field(&row, cols.recipient_urls);
            let names = opt_field(&row, cols.to);
            let urls: Vec<&str> = urls
                .split(',')
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .collect();
            let names: Vec<&str> = names
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .collect();
            if !urls.is_empty() {
                in_row.extend(urls.iter().map(|u| url_key(u)));
            } else {
                in_row.extend(names.iter().map(|n| name_key(n)));
            }
            let told = !urls.is_empty() || !names.is_empty();
            in_row.sort();
            in_row.dedup();
            if !in_row.is_empty() {
                counted += 1;
            }
            row_ids.clear();
            for key in &in_row {
                let name = if *key == url_key(&from_url) || *key == name_key(&from) {
                    from.to_string()
                } else if urls.len() == names.len() {
                    urls.iter()
                        .position(|u| url_key(u) == *key)
                        .map_or(String::new(), |i| names[i].to_string())
                } else {
                    names
                        .iter()
                        .find(|n| name_key(n) == *key)
                        .map_or(String::new(), |n| n.to_string())
                };
                match people.get_mut(key.as_str()) {
                    Some(p) => {
                        p.0 += 1;
                        if p.1.is_empty() {
                            p.1 = name;
                        }
                        row_ids.push(p.2);
                    }
                    None => {
                        let id = u32::try_from(people.len()).expect("fewer than 2^32 people");
                        people.insert(key.clone(), (1, name, id));
                        row_ids.push(id);
                    }
                }
            }
            if draft {
                self.stats.drafts += 1;
            } else {
                let id = field(&row, cols.conversation);
                let text = has_text(&field(&row, cols.content));
                let this = Opening { record, time, text };
                if !conversations.contains_key(id.as_ref()) {
                    conversations.insert(Box::from(id.as_ref()), Conversation::new(this));
                }
                let c = conversations.get_mut(id.as_ref()).expect("inserted above");
                if this.before(&c.opening()) {
                    c.open_with(this);
                }
                c.told |= told;
                for &p in &row_ids {
                    c.add(p, &mut arena);
                }
            }
            record += 1;
            if record.is_multiple_of(4096) {
                progress(src.bytes_read());
            }
        }
        self.stats.conversations = conversations.len() as u64;
        self.stats.replies = self.stats.messages - self.stats.drafts - conversations.len() as u64;
        let owner = match &self.owner_given {
            Some(given) => {
                let m = given_owner(given, &people);
                let seen = people.contains_key(&m.key)
                    || (!m.owner.name.is_empty()
                        && people
                            .values()
                            .any(|p| name_key(&p.1) == name_key(&m.owner.name)));
                if counted > 0 && !seen {
                    // A typo would otherwise count every message as sent to you.
                    return Err(not_in_export(&name, given, &people, counted));
                }
                Some(m)
            }
            None if counted == 0 => None,
            None => Some(find_owner(&name, &people, counted)?),
        };
        // The conversations the owner is in none of the messages of: who the owner is
        // there is not known, so their opening messages are not taken as sent to them.
        let mut is_owner = vec![false; people.len()];
        let mut names = vec![""; people.len()];
        for (key, p) in &people {
            is_owner[p.2 as usize] = owner.as_ref().is_some_and(|o| o.is(key, &p.1));
            names[p.2 as usize] = if p.1.is_empty() { key.as_str() } else { &p.1 };
        }
        let mut openings = Vec::with_capacity(conversations.len());
        let mut in_skipped: HashMap<u32, u64> = HashMap::new();
        for c in conversations.into_values() {
            let mut has_owner = owner.is_none() || !c.told;
            c.each(&arena, |p| has_owner |= is_owner[p as usize]);
            if has_owner {
                openings.push(c.record);
            } else {
                self.stats.without_owner += 1;
                c.each(&arena, |p| *in_skipped.entry(p).or_default() += 1);
            }
        }
        let mut who: Vec<(&str, u64)> = in_skipped
            .into_iter()
            .map(|(p, n)| (names[p as usize], n))
            .collect();
        who.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        self.stats.without_owner_names = who
            .iter()
            .take(3)
            .map(|(w, n)| (w.to_string(), *n))
            .collect();
        if let (Some(given), Some(_)) = (&self.owner_given, &owner) {
            if self.stats.without_owner * 2 > self.stats.conversations {
                // Most of the export without them: the name is wrong, not the export.
                return Err(not_in_most(&name, given, &self.stats, &people, counted));
            }
        }
        openings.sort_unstable();
        self.plan.openings = openings;
        self.plan.owner = owner;
        self.bytes_done = src.bytes_read();
        progress(self.bytes_done);
        Ok(())
    }

    /// Read up to `n` messages to classify into `items` (reusing its allocations);
    /// returns how many, 0 at the end of the export.
    pub fn read_batch(&mut self, items: &mut Vec<Item>, n: usize) -> Result<usize> {
        if !self.scanned {
            self.scan(&mut |_| {})?;
        }
        let mut k = 0;
        while k < n {
            if k == items.len() {
                items.push(Item::default());
            }
            if !self.next(&mut items[k])? {
                break;
            }
            k += 1;
        }
        Ok(k)
    }

    /// The next message to classify; false at the end.
    fn next(&mut self, item: &mut Item) -> Result<bool> {
        loop {
            match &mut self.stage {
                Stage::Start => {
                    self.stage = match &self.export.messages {
                        Some(e) if !self.plan.openings.is_empty() => {
                            let src = open_csv(e, "CONTENT", &MessageCols::REQUIRED)?;
                            let cols = MessageCols::find(&src)?;
                            Stage::Messages(Box::new(src), cols)
                        }
                        Some(e) => {
                            // Nothing to classify: the second pass is not needed.
                            self.bytes_done += e.size().unwrap_or(0);
                            self.open_invitations()?
                        }
                        None => self.open_invitations()?,
                    };
                }
                Stage::Messages(src, cols) => {
                    if self.next_opening == self.plan.openings.len() || !src.read(&mut self.row)? {
                        self.bytes_done += self
                            .export
                            .messages
                            .as_ref()
                            .and_then(Entry::size)
                            .unwrap_or(0);
                        self.stage = self.open_invitations()?;
                        continue;
                    }
                    let record = self.record;
                    self.record += 1;
                    if self.plan.openings[self.next_opening] != record {
                        continue;
                    }
                    self.next_opening += 1;
                    let row = &self.row;
                    let from = field(row, cols.from);
                    let url = opt_field(row, cols.sender_url);
                    if self
                        .plan
                        .owner
                        .as_ref()
                        .is_some_and(|o| o.sent(&from, &url))
                    {
                        self.stats.own += 1;
                        continue;
                    }
                    let text = html_to_text(&field(row, cols.content));
                    if text.is_empty() {
                        self.stats.empty += 1;
                        continue;
                    }
                    let date = read_date(src, row, cols.date)?;
                    self.stats.messages_classified += 1;
                    self.stats.messages_undated += u64::from(date.is_none());
                    fill(
                        item,
                        Kind::Message,
                        &field(row, cols.conversation),
                        &from,
                        &url,
                    );
                    set_date(item, date);
                    item.subject.clear();
                    item.subject.push_str(&opt_field(row, cols.subject));
                    item.text = text;
                    return Ok(true);
                }
                Stage::Invitations(src, cols) => {
                    if !src.read(&mut self.row)? {
                        self.bytes_done += src.bytes_read();
                        self.stage = Stage::Done;
                        continue;
                    }
                    self.stats.invitations += 1;
                    let row = &self.row;
                    if !field(row, cols.direction).eq_ignore_ascii_case("incoming") {
                        self.stats.outgoing += 1;
                        continue;
                    }
                    let text = html_to_text(&field(row, cols.message));
                    if text.is_empty() {
                        self.stats.without_message += 1;
                        continue;
                    }
                    let date = read_date(src, row, cols.sent_at)?;
                    self.stats.invitations_classified += 1;
                    self.stats.invitations_undated += u64::from(date.is_none());
                    fill(
                        item,
                        Kind::Invitation,
                        "",
                        &field(row, cols.from),
                        &opt_field(row, cols.inviter_url),
                    );
                    set_date(item, date);
                    item.subject.clear();
                    item.text = text;
                    return Ok(true);
                }
                Stage::Done => return Ok(false),
            }
        }
    }

    fn open_invitations(&mut self) -> Result<Stage> {
        Ok(match &self.export.invitations {
            Some(e) => {
                let src = open_csv(e, "Message", &InvitationCols::REQUIRED)?;
                let cols = InvitationCols::find(&src)?;
                Stage::Invitations(Box::new(src), cols)
            }
            None => Stage::Done,
        })
    }
}

fn fill(item: &mut Item, kind: Kind, conversation: &str, from: &str, url: &str) {
    item.kind = Some(kind);
    item.conversation_id.clear();
    item.conversation_id.push_str(conversation);
    item.from.clear();
    item.from.push_str(from);
    item.sender_url.clear();
    item.sender_url.push_str(url);
}

fn set_date(item: &mut Item, date: Option<DateTime>) {
    match date {
        Some(d) => item.date = d.iso(),
        None => item.date.clear(),
    }
}

/// The date in column `idx`: `None` when the field is empty (missing data: the message
/// is read without a date); a date in a form pitchsift does not know is an error naming
/// file, line and column (it may be a layout LinkedIn has started to use).
fn read_date(src: &CsvSource, row: &RawRow, idx: usize) -> Result<Option<DateTime>> {
    let value = field(row, idx);
    if value.is_empty() {
        return Ok(None);
    }
    parse_date(&value)
        .map(Some)
        .ok_or_else(|| bad_date(src, row, idx, &value))
}

fn bad_date(src: &CsvSource, row: &RawRow, idx: usize, value: &str) -> Error {
    Error::BadField {
        location: src.location(row.line, idx),
        message: format!(
            "date `{value}` is not in a form pitchsift knows (`2025-11-30 14:02:11 UTC`, \
             `1/29/26, 2:37 PM`)"
        ),
    }
}

/// The owner given is in none of the messages: the error names the people in most.
fn not_in_export(
    name: &Path,
    given: &str,
    people: &HashMap<String, (u64, String, u32)>,
    counted: u64,
) -> Error {
    Error::LinkedIn {
        location: Location::file(name),
        message: format!(
            "the owner given, `{}`, is in none of its {counted} messages (in most: {})",
            given.trim(),
            in_most(people)
        ),
    }
}

/// The owner given is in none of the messages of most conversations: a name misspelt
/// or changed; the error names the people in most messages.
fn not_in_most(
    name: &Path,
    given: &str,
    stats: &Stats,
    people: &HashMap<String, (u64, String, u32)>,
    counted: u64,
) -> Error {
    Error::LinkedIn {
        location: Location::file(name),
        message: format!(
            "the owner given, `{}`, is in none of the messages of {} of its {} conversations \
             (in most of its {counted} messages: {}); name the owner as the export does",
            given.trim(),
            stats.without_owner,
            stats.conversations,
            in_most(people)
        ),
    }
}

/// The three people in most messages: `Name in N, ...`.
fn in_most(people: &HashMap<String, (u64, String, u32)>) -> String {
    let mut top: Vec<(&u64, &str)> = people
        .iter()
        .map(|(k, p)| {
            (
                &p.0,
                if p.1.is_empty() {
                    k.as_str()
                } else {
                    p.1.as_str()
                },
            )
        })
        .collect();
    top.sort_by(|a, b| b.0.cmp(a.0).then(a.1.cmp(b.1)));
    top.iter()
        .take(3)
        .map(|(n, who)| format!("{who} in {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn given_owner(given: &str, people: &HashMap<String, (u64, String, u32)>) -> OwnerMatch {
    let g = given.trim();
    let is_url = g.contains("linkedin.com/") || g.starts_with("http");
    if is_url {
        let key = url_key(g);
        let name = people.get(&key).map_or(String::new(), |p| p.1.clone());
        return OwnerMatch {
            owner: Owner {
                name,
                url: Some(g.to_string()),
                given: true,
            },
            key,
        };
    }
    // A name: matched by name, and by the profile URL seen with it, if any.
    let key = people
        .iter()
        .filter(|(k, p)| k.starts_with("url:") && name_key(&p.1) == name_key(g))
        .max_by_key(|(k, p)| (p.0, std::cmp::Reverse(k.as_str())))
        .map_or_else(|| name_key(g), |(k, _)| k.clone());
    OwnerMatch {
        owner: Owner {
            name: g.to_string(),
            url: key.strip_prefix("url:").map(|u| format!("https://{u}")),
            given: true,
        },
        key,
    }
}

/// The participant in the most messages (in every one, in a whole export). A tie, as
/// in an export of a single conversation, is an error asking for the owner's name.
fn find_owner(
    name: &Path,
    people: &HashMap<String, (u64, String, u32)>,
    counted: u64,
) -> Result<OwnerMatch> {
    let top = people.values().map(|p| p.0).max().unwrap_or(0);
    let mut best: Vec<(String, String)> = people
        .iter()
        .filter(|(_, p)| p.0 == top && !p.1.eq_ignore_ascii_case("LinkedIn Member"))
        .map(|(k, p)| (k.clone(), p.1.clone()))
        .collect();
    best.sort();
    match best.len() {
        1 => {
            let (key, name) = best.pop().expect("one");
            Ok(OwnerMatch {
                owner: Owner {
                    url: key.strip_prefix("url:").map(|u| format!("https://{u}")),
                    name,
                    given: false,
                },
                key,
            })
        }
        _ => Err(Error::LinkedIn {
            location: Location::file(name),
            message: format!(
                "cannot tell whose export this is: {} {} in {top} of {counted} messages; name \
                 the owner with --linkedin-owner NAME",
                best.iter()
                    .map(|(k, n)| if n.is_empty() { k.clone() } else { n.clone() })
                    .collect::<Vec<_>>()
                    .join(", "),
                if best.len() == 1 { "is" } else { "are" }
            ),
        }),
    }
}

/// A date and time as found in an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    /// Year.
    pub year: i32,
    /// Month, 1..=12.
    pub month: u32,
    /// Day, 1..=31.
    pub day: u32,
    /// Hour, 0..=23.
    pub hour: u32,
    /// Minute.
    pub minute: u32,
    /// Second.
    pub second: u32,
    /// The export says UTC.
    pub utc: bool,
    /// The export gives a time of day (a date alone reads as midnight).
    pub time: bool,
}

impl DateTime {
    /// ISO 8601: `2025-11-30T14:02:11Z`, without `Z` when not known to be UTC.
    pub fn iso(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            if self.utc { "Z" } else { "" }
        )
    }

    /// [`DateTime::iso`] as the export wrote it: the date alone (`2025-11-30`) when it
    /// gave no time of day, rather than a midnight nobody wrote.
    pub fn iso_as_written(&self) -> String {
        if self.time {
            self.iso()
        } else {
            format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
        }
    }

    /// Seconds since 1970 (as if UTC), for ordering.
    pub fn key(&self) -> i64 {
        // Days from civil (Howard Hinnant's algorithm).
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86_400 + i64::from(self.hour * 3600 + self.minute * 60 + self.second)
    }
}

/// Parse the dates LinkedIn exports use: `2025-11-30 14:02:11 UTC` (messages),
/// `1/29/26, 2:37 PM` (invitations), and ISO 8601 (`2025-11-30T14:02:11Z`).
pub fn parse_date(s: &str) -> Option<DateTime> {
    let s = s.trim();
    let num = |t: &str| -> Option<u32> {
        (!t.is_empty() && t.len() <= 4 && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let (date, rest) = match s.find([' ', 'T', ',']) {
        Some(i) => (&s[..i], s[i + 1..].trim_start_matches([',', ' '])),
        None => (s, ""),
    };
    let (year, month, day) = if date.contains('-') {
        let mut p = date.split('-');
        let (y, m, d) = (num(p.next()?)?, num(p.next()?)?, num(p.next()?)?);
        if p.next().is_some() {
            return None;
        }
        (y as i32, m, d)
    } else {
        let mut p = date.split('/');
        let (m, d, y) = (num(p.next()?)?, num(p.next()?)?, p.next()?);
        if p.next().is_some() {
            return None;
        }
        let y = match y.len() {
            2 => 2000 + num(y)? as i32,
            4 => num(y)? as i32,
            _ => return None,
        };
        (y, m, d)
    };
    let mut rest = rest.trim();
    let mut utc = false;
    for suffix in [" UTC", "UTC", "Z", " GMT", "+00:00"] {
        if let Some(r) = rest.strip_suffix(suffix) {
            rest = r.trim();
            utc = true;
            break;
        }
    }
    let mut pm = None;
    for (suffix, is_pm) in [("AM", false), ("PM", true), ("am", false), ("pm", true)] {
        if let Some(r) = rest.strip_suffix(suffix) {
            rest = r.trim();
            pm = Some(is_pm);
            break;
        }
    }
    let time = !rest.is_empty();
    let (mut hour, minute, second) = if rest.is_empty() {
        (0, 0, 0)
    } else {
        let mut p = rest.split(':');
        let h = num(p.next()?)?;
        let m = num(p.next()?)?;
        let sec = match p.next() {
            Some(x) => num(x.split('.').next()?)?,
            None => 0,
        };
        if p.next().is_some() {
            return None;
        }
        (h, m, sec)
    };
    if let Some(is_pm) = pm {
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour = hour % 12 + if is_pm { 12 } else { 0 };
    }
    let valid = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 61
        && (1900..=2200).contains(&year);
    valid.then_some(DateTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
        utc,
        time,
    })
}

/// Days in `month` (1-12) of `year` (Gregorian: a leap year is divisible by 4, and by
/// 400 if by 100).
fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Does this message body look like HTML (a sponsored InMail) rather than plain text
/// that happens to hold a `<`?
pub fn looks_like_html(s: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"(?i)<(p|br|div|span|a|b|i|u|strong|em|ul|ol|li|h[1-6]|table|tr|td)(\s[^<>]*)?/?>|</(p|div|span|a|b|i|u|strong|em|ul|ol|li|h[1-6]|table|tr|td)\s*>",
        )
        .expect("valid regex")
    })
    .is_match(s)
}

/// The text of a message body: HTML bodies (sponsored InMails) lose their tags, their
/// entities are decoded and each paragraph or `<br>` becomes a line break (blank lines
/// dropped, spaces collapsed); plain text is only trimmed.
pub fn html_to_text(s: &str) -> String {
    if !looks_like_html(s) {
        return s.trim().to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['<', '&']) {
        push_collapsed(&mut out, &rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('<') {
            // As HTML reads it: `<` starts a tag only before a letter (`<p`, `</p`) or
            // `!` (a comment); `x < 5 and y > 3` is text, even in a body with tags.
            let after = rest[1..].strip_prefix('/').unwrap_or(&rest[1..]);
            if !(after.starts_with(|c: char| c.is_ascii_alphabetic()) || after.starts_with('!')) {
                push_collapsed(&mut out, "<");
                rest = &rest[1..];
                continue;
            }
            match rest.find('>') {
                Some(end) => {
                    let tag = rest[1..end].trim_start_matches('/').trim_start();
                    let name: String = tag
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric())
                        .collect::<String>()
                        .to_ascii_lowercase();
                    if matches!(
                        name.as_str(),
                        "br" | "p"
                            | "div"
                            | "li"
                            | "ul"
                            | "ol"
                            | "tr"
                            | "table"
                            | "h1"
                            | "h2"
                            | "h3"
                            | "h4"
                            | "h5"
                            | "h6"
                    ) {
                        out.push('\n');
                    }
                    rest = &rest[end + 1..];
                }
                None => {
                    push_collapsed(&mut out, rest);
                    rest = "";
                }
            }
        } else {
            let (decoded, used) = decode_entity(rest);
            match decoded {
                Some(c) => push_collapsed(&mut out, c.encode_utf8(&mut [0; 4])),
                None => push_collapsed(&mut out, &rest[..used]),
            }
            rest = &rest[used..];
        }
    }
    push_collapsed(&mut out, rest);
    let lines: Vec<&str> = out
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("\n")
}

/// Append text as HTML shows it: runs of whitespace (and no-break spaces) are one space.
fn push_collapsed(out: &mut String, s: &str) {
    for c in s.chars() {
        if c.is_whitespace() {
            if !out.ends_with([' ', '\n']) && !out.is_empty() {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
}

/// Decode the entity at the start of `s` (which starts with `&`): the character and the
/// bytes it took, or `None` and 1 when it is not an entity.
fn decode_entity(s: &str) -> (Option<char>, usize) {
    let Some(end) = s[1..].find(';').map(|i| i + 1).filter(|&i| i <= 10) else {
        return (None, 1);
    };
    let name = &s[1..end];
    let c = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
    } else if let Some(dec) = name.strip_prefix('#') {
        dec.parse::<u32>().ok().and_then(char::from_u32)
    } else {
        Some(match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => ' ',
            "rsquo" => '\u{2019}',
            "lsquo" => '\u{2018}',
            "rdquo" => '\u{201d}',
            "ldquo" => '\u{201c}',
            "hellip" => '\u{2026}',
            "mdash" => '\u{2014}',
            "ndash" => '\u{2013}',
            "bull" => '\u{2022}',
            "middot" => '\u{b7}',
            "euro" => '\u{20ac}',
            "pound" => '\u{a3}',
            "copy" => '\u{a9}',
            "reg" => '\u{ae}',
            "trade" => '\u{2122}',
            _ => return (None, 1),
        })
    };
    match c {
        Some(c) => (Some(c), end + 1),
        None => (None, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_bodies_become_lines() {
        // A sponsored InMail body in the export's form (written for this test).
        let html = concat!(
            r#"<p class="spinmail-quill-editor__spin-break">Hi %FIRSTNAME%,</p>"#,
            r#"<p class="spinmail-quill-editor__spin-break">&nbsp;</p>"#,
            r#"<p class="spinmail-quill-editor__spin-break">Our platform &amp; team "#,
            "\n  can cut your costs by 30&#37;.<br>Book a demo &ndash; it&#39;s free.</p>"
        );
        assert_eq!(
            html_to_text(html),
            "Hi %FIRSTNAME%,\nOur platform & team can cut your costs by 30%.\nBook a demo \u{2013} it's free."
        );
        // Plain text with a `<` is not HTML.
        assert_eq!(html_to_text(" I <3 this & that \n"), "I <3 this & that");
        assert!(!looks_like_html("a < b and c > d"));
        assert!(looks_like_html("line<br/>line"));
        // Unknown entities and a stray `<` stay as they are.
        assert_eq!(html_to_text("<p>&bogus; x &amp</p> <"), "&bogus; x &amp\n<");
    }

    #[test]
    fn dates_of_both_files() {
        let d = parse_date("2025-11-30 14:02:11 UTC").unwrap();
        assert_eq!(d.iso(), "2025-11-30T14:02:11Z");
        assert_eq!(
            parse_date("1/29/26, 2:37 PM").unwrap().iso(),
            "2026-01-29T14:37:00"
        );
        assert_eq!(
            parse_date("12/1/2025, 12:05 AM").unwrap().iso(),
            "2025-12-01T00:05:00"
        );
        assert_eq!(
            parse_date("2025-11-30T14:02:11Z").unwrap().iso(),
            "2025-11-30T14:02:11Z"
        );
        assert_eq!(
            parse_date("2024-02-29").unwrap().iso(),
            "2024-02-29T00:00:00"
        );
        assert_eq!(
            parse_date("2000-02-29").unwrap().iso(),
            "2000-02-29T00:00:00"
        );
        assert_eq!(
            parse_date("12/31/25, 1:00 PM").unwrap().iso(),
            "2025-12-31T13:00:00"
        );
        // As written: a date alone stays a date; a written midnight stays a time.
        assert_eq!(
            parse_date("2024-02-29").unwrap().iso_as_written(),
            "2024-02-29"
        );
        assert_eq!(
            parse_date("2024-02-29 UTC").unwrap().iso_as_written(),
            "2024-02-29"
        );
        assert_eq!(
            parse_date("2024-02-29 00:00:00").unwrap().iso_as_written(),
            "2024-02-29T00:00:00"
        );
        assert_eq!(
            parse_date("1/29/26, 2:37 PM").unwrap().iso_as_written(),
            "2026-01-29T14:37:00"
        );
        for bad in [
            "",
            "yesterday",
            "2025-13-01 00:00:00",
            "1/29/26, 13:00 PM",
            // Days the month does not have (2025 is not a leap year, 1900 is not, 2000 is).
            "2025-02-30 10:00:00 UTC",
            "2/29/25, 2:37 PM",
            "2025-04-31",
            "1900-02-29",
            "2025-1-1-1",
        ] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
        // 1970-01-01 is 0 and a day is 86,400 s (the Unix epoch).
        assert_eq!(parse_date("1970-01-02 00:00:01").unwrap().key(), 86_401);
        assert!(
            parse_date("2025-01-01 00:00:00").unwrap().key()
                > parse_date("12/31/24, 11:59 PM").unwrap().key()
        );
    }

    #[test]
    fn url_keys_ignore_scheme_case_and_slash() {
        assert_eq!(
            url_key("https://www.linkedin.com/in/Ada-Example/"),
            url_key("linkedin.com/in/ada-example")
        );
    }

    #[test]
    fn has_text_is_html_to_text_not_empty() {
        for s in [
            "",
            "   ",
            "hi",
            " <p>&nbsp;</p> ",
            "<p>hello</p>",
            "&nbsp;",
            "x < 5",
            "<br/>",
            "<p> </p><p>a</p>",
        ] {
            assert_eq!(has_text(s), !html_to_text(s).is_empty(), "{s:?}");
        }
    }

    #[test]
    fn a_conversation_keeps_each_participant_once() {
        // Two inline, the rest in the arena (a group), each once however often added.
        let mut arena = Vec::new();
        let o = Opening {
            record: 0,
            time: 0,
            text: true,
        };
        let (mut a, mut b) = (Conversation::new(o), Conversation::new(o));
        for p in [7, 3, 7, 9, 3, 11, 9] {
            a.add(p, &mut arena);
        }
        b.add(5, &mut arena);
        b.add(9, &mut arena);
        b.add(12, &mut arena);
        let all = |c: &Conversation, arena: &[(u32, u32)]| {
            let mut v = Vec::new();
            c.each(arena, |p| v.push(p));
            v.sort_unstable();
            v
        };
        assert_eq!(all(&a, &arena), [3, 7, 9, 11]);
        assert_eq!(all(&b, &arena), [5, 9, 12]);
        assert_eq!(arena.len(), 3);
    }

    #[test]
    fn owner_is_in_every_message() {
        let mut people = HashMap::new();
        people.insert(
            url_key("https://x.example.com/in/owner"),
            (5, "Olivia Owner".into(), 0),
        );
        people.insert(
            url_key("https://x.example.com/in/bob"),
            (2, "Bob".into(), 1),
        );
        let o = find_owner(Path::new("m.csv"), &people, 5).unwrap();
        assert_eq!(o.owner.name, "Olivia Owner");
        assert!(o.sent("Olivia Owner", "https://x.example.com/in/owner/"));
        assert!(!o.sent("Olivia Owner", "https://x.example.com/in/bob"));
        // Two people in every message: the export does not say whose it is.
        people.insert(
            url_key("https://x.example.com/in/bob"),
            (5, "Bob".into(), 1),
        );
        let err = find_owner(Path::new("m.csv"), &people, 5).unwrap_err();
        assert!(err.to_string().contains("--linkedin-owner"), "{err}");
        // Named by the user: matched by the URL seen with that name.
        let g = given_owner("olivia owner", &people);
        assert_eq!(g.key, url_key("https://x.example.com/in/owner"));
        assert!(g.sent("Olivia Owner", ""));
    }
}
