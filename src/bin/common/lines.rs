//! Standard input as batches of lines for `pitchsift-predict -`, in bounded memory and
//! without waiting on a slow writer: a thread reads blocks as they come; a batch takes
//! the lines already read, up to its size, and is handed over as soon as no more input
//! has arrived, so a terminal or `tail -f` gets each answer when its line is complete.

use std::io::Read;
use std::sync::mpsc::{self, Receiver, TryRecvError};

use pitchsift::corpus::InvalidUtf8;

/// Bytes read per block; blocks queued between the reading thread and the batches.
const BLOCK: usize = 64 << 10;
const QUEUED: usize = 4;

/// Lines (`\n` or `\r\n` ends; a last line without one counts) read from a source.
pub struct Lines {
    blocks: Receiver<std::io::Result<Vec<u8>>>,
    /// Bytes read and not yet cut into lines, from `start`.
    buf: Vec<u8>,
    start: usize,
    /// `buf[start..searched]` holds no line end (a long line is searched once).
    searched: usize,
    eof: bool,
    /// Lines handed out so far (errors name the line by its number).
    line: u64,
    policy: InvalidUtf8,
    /// Longest line accepted, in bytes (`--max-field-bytes`): a longer one is an error
    /// as soon as that many bytes of it have arrived, so memory stays bounded.
    max_line: usize,
    /// The error of a bad line, held back while the lines before it are answered.
    pending: Option<anyhow::Error>,
}

impl Lines {
    /// Standard input.
    pub fn stdin(policy: InvalidUtf8, max_line: usize) -> Lines {
        Lines::new(std::io::stdin(), policy, max_line)
    }

    /// Lines of `src`, read on a thread of their own.
    pub fn new(mut src: impl Read + Send + 'static, policy: InvalidUtf8, max_line: usize) -> Lines {
        let (tx, rx) = mpsc::sync_channel(QUEUED);
        std::thread::spawn(move || loop {
            let mut block = vec![0; BLOCK];
            let r = match src.read(&mut block) {
                Ok(0) => break,
                Ok(n) => {
                    block.truncate(n);
                    Ok(block)
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => Err(e),
            };
            let failed = r.is_err();
            if tx.send(r).is_err() || failed {
                break;
            }
        });
        Lines {
            blocks: rx,
            buf: Vec::new(),
            start: 0,
            searched: 0,
            eof: false,
            line: 0,
            policy,
            max_line,
            pending: None,
        }
    }

    /// The next batch into `batch` (cleared first): at least one line unless the input
    /// has ended (then `false`), at most `max`, waiting only while the batch is empty.
    /// A line that is not UTF-8 (or too long) is an error naming it (or is repaired
    /// under `--invalid-utf8 replace`), returned once the lines before it have been
    /// handed out: every line before a bad one is answered, however the input arrived
    /// (in one block or line by line).
    pub fn next_batch(&mut self, max: usize, batch: &mut Vec<String>) -> anyhow::Result<bool> {
        batch.clear();
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        while batch.len() < max {
            match self.cut() {
                Some(Ok(line)) => {
                    batch.push(line);
                    continue;
                }
                Some(Err(e)) if batch.is_empty() => return Err(e),
                Some(Err(e)) => {
                    self.pending = Some(e);
                    break;
                }
                None => {}
            }
            if self.eof {
                break;
            }
            // No whole line left: take what has arrived; wait only with nothing to hand over.
            let block = if batch.is_empty() {
                self.blocks.recv().ok()
            } else {
                match self.blocks.try_recv() {
                    Ok(b) => Some(b),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => None,
                }
            };
            match block {
                Some(b) => {
                    let b = b.map_err(|e| anyhow::anyhow!("standard input: {e}"))?;
                    self.buf.drain(..self.start);
                    self.searched -= self.start;
                    self.start = 0;
                    self.buf.extend_from_slice(&b);
                }
                None => self.eof = true,
            }
        }
        Ok(!batch.is_empty())
    }

    /// The next whole line (at the end of input, the rest), decoded.
    fn cut(&mut self) -> Option<anyhow::Result<String>> {
        let end = self.buf[self.searched..].iter().position(|&b| b == b'\n');
        let rest = &self.buf[self.start..];
        let (mut line, next) = match end {
            Some(i) => (
                &self.buf[self.start..self.searched + i],
                self.searched + i + 1,
            ),
            None if self.eof && !rest.is_empty() => (rest, self.buf.len()),
            None if rest.len() > self.max_line => return Some(Err(self.too_long(None))),
            None => {
                self.searched = self.buf.len();
                return None;
            }
        };
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        if line.len() > self.max_line {
            return Some(Err(self.too_long(Some(line.len()))));
        }
        self.line += 1;
        let r = match self.policy.decode(line) {
            Ok(s) => Ok(s.into_owned()),
            Err(byte) => Err(anyhow::anyhow!(
                "standard input:{}: invalid UTF-8 at byte {byte} of the line \
                 (--invalid-utf8 replace reads it with U+FFFD)",
                self.line
            )),
        };
        self.start = next;
        self.searched = next;
        Some(r)
    }

    /// The error of a line longer than `max_line` (`len`: its length, when it is whole).
    fn too_long(&self, len: Option<usize>) -> anyhow::Error {
        let what = match len {
            Some(n) => format!("line of {n} bytes"),
            None => format!(
                "line still unfinished after {} bytes",
                self.buf.len() - self.start
            ),
        };
        anyhow::anyhow!(
            "standard input:{}: {what} exceeds the limit of {} bytes (--max-field-bytes)",
            self.line + 1,
            self.max_line
        )
    }
}
