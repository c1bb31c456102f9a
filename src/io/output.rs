//! The one atomic output: standard output, a device or FIFO written in place, or a
//! regular file written to a temporary file in its directory, synced and renamed over
//! the target when complete (on error the target is untouched).

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Where output goes (see the module docs). Write through [`Write`], then call
/// [`Output::finish`]; dropping it unfinished leaves any target file untouched.
pub enum Output {
    /// Standard output.
    Stdout(BufWriter<io::Stdout>),
    /// A device or FIFO (`/dev/null`, `/dev/stdout`, ...), written in place.
    Special(BufWriter<std::fs::File>, PathBuf),
    /// A regular file: a temporary file renamed over `path` by [`Output::finish`].
    File(BufWriter<tempfile::NamedTempFile>, PathBuf),
}

impl Output {
    /// Standard output when `path` is `None`, else [`Output::create`].
    pub fn open(path: Option<&Path>) -> Result<Output> {
        match path {
            None => Ok(Output::Stdout(BufWriter::with_capacity(
                1 << 16,
                io::stdout(),
            ))),
            Some(p) => Output::create(p),
        }
    }

    /// An output to `path`: written in place when it is a device or FIFO, else through a
    /// temporary file in the same directory.
    pub fn create(path: &Path) -> Result<Output> {
        if is_special(path) {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| Error::io(path, e))?;
            return Ok(Output::Special(
                BufWriter::with_capacity(1 << 16, f),
                path.to_path_buf(),
            ));
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".pitchsift-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| Error::io(path, e))?;
        Ok(Output::File(
            BufWriter::with_capacity(1 << 16, tmp),
            path.to_path_buf(),
        ))
    }

    /// What errors name: the path, or `standard output`.
    pub fn name(&self) -> PathBuf {
        match self {
            Output::Stdout(_) => PathBuf::from("standard output"),
            Output::Special(_, p) | Output::File(_, p) => p.clone(),
        }
    }

    /// An I/O error of this output, naming it.
    pub fn error(&self, e: io::Error) -> Error {
        Error::io(self.name(), e)
    }

    /// Flush; a file is synced, made readable and renamed over its target.
    pub fn finish(self) -> Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush().map_err(|e| Error::io("standard output", e)),
            Output::Special(mut w, path) => w.flush().map_err(|e| Error::io(path, e)),
            Output::File(w, path) => {
                let tmp = w
                    .into_inner()
                    .map_err(|e| Error::io(&path, e.into_error()))?;
                tmp.as_file().sync_all().map_err(|e| Error::io(&path, e))?;
                set_readable(tmp.as_file()).map_err(|e| Error::io(&path, e))?;
                tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
                Ok(())
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::Special(w, _) => w.write(buf),
            Output::File(w, _) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(buf),
            Output::Special(w, _) => w.write_all(buf),
            Output::File(w, _) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::Special(w, _) => w.flush(),
            Output::File(w, _) => w.flush(),
        }
    }
}

/// Write `bytes` to `path` atomically (see [`Output::create`]).
///
/// A `path` that exists and is not a regular file (a device such as `/dev/null` or
/// `/dev/full`, a FIFO, `/dev/stdout`) is written directly instead: renaming over it
/// would replace the device with a regular file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, &mut |w| w.write_all(bytes))
}

/// [`write_atomic`] of what `fill` writes.
pub fn write_atomic_with(
    path: &Path,
    fill: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
) -> Result<()> {
    let mut out = Output::create(path)?;
    fill(&mut out).map_err(|e| Error::io(path, e))?;
    out.finish()
}

/// True when `path` exists and is neither a regular file nor a directory (a device,
/// a FIFO, a socket): such a target is written in place, never renamed over.
pub fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Temporary files are created private (0600); a finished output is an ordinary file.
pub fn set_readable(f: &std::fs::File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    #[cfg(not(unix))]
    let _ = f;
    Ok(())
}
