//! The one atomic output: standard output, a device or FIFO written in place, or a
//! regular file written to a temporary file in its directory, synced and renamed over
//! the target when complete (on error the target is untouched).
//!
//! Every temporary file not yet renamed or removed is listed in a process-wide registry,
//! so that a binary interrupted by a signal can remove them all ([`remove_pending`])
//! before it exits: an interrupted run leaves neither a half-written target nor a
//! temporary file beside it.
//!
//! A run that writes several outputs writes each completely ([`Output::ready`]) and then
//! renames them together ([`commit`]) under a process-wide commit lock, which
//! [`remove_pending`] takes first: a signal during the renames waits until the whole
//! group is renamed, a signal before them removes every temporary file. So an
//! interrupted run leaves either every target old or every target new, never a mix.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::error::{Error, Result};

/// Where output goes (see the module docs). Write through [`Write`], then call
/// [`Output::finish`]; dropping it unfinished leaves any target file untouched.
pub enum Output {
    /// Standard output.
    Stdout(BufWriter<io::Stdout>),
    /// A device or FIFO (`/dev/null`, `/dev/stdout`, ...), written in place.
    Special(BufWriter<std::fs::File>, PathBuf),
    /// A regular file: a temporary file renamed over `path` by [`Output::finish`].
    File(BufWriter<Pending>, PathBuf),
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
        let tmp = Pending::replacing(path).map_err(|e| Error::io(path, e))?;
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

    /// Flush; a file is synced and renamed over its target.
    pub fn finish(self) -> Result<()> {
        commit(vec![self.ready()?])
    }

    /// Flush; a file is synced (with its mode, see [`Pending::replacing`]), its temporary
    /// file left in place for
    /// [`commit`] to rename with the run's other outputs (dropped instead, the
    /// temporary file is removed and the target stays as it was).
    pub fn ready(self) -> Result<Ready> {
        match self {
            Output::Stdout(mut w) => w
                .flush()
                .map(|()| Ready(None))
                .map_err(|e| Error::io("standard output", e)),
            Output::Special(mut w, path) => w
                .flush()
                .map(|()| Ready(None))
                .map_err(|e| Error::io(path, e)),
            Output::File(w, path) => {
                let tmp = w
                    .into_inner()
                    .map_err(|e| Error::io(&path, e.into_error()))?;
                tmp.set_mode().map_err(|e| Error::io(&path, e))?;
                tmp.file().sync_all().map_err(|e| Error::io(&path, e))?;
                Ok(Ready(Some((tmp, path))))
            }
        }
    }
}

/// A complete output not yet in place: a file's temporary file, synced, waiting for
/// [`commit`] (standard output and devices are written in place: nothing to rename).
/// Dropped uncommitted, its temporary file is removed and the target stays as it was.
pub struct Ready(Option<(Pending, PathBuf)>);

impl Ready {
    /// The target: the path, or `None` for standard output and devices.
    pub fn target(&self) -> Option<&Path> {
        self.0.as_ref().map(|(_, p)| p.as_path())
    }
}

/// Held while a group of outputs is renamed ([`commit`]), and by [`remove_pending`]
/// before it touches the registry, so that a signal never lands between two renames of
/// one group. Always taken before the registry's lock, never after.
static COMMIT: Mutex<()> = Mutex::new(());

fn commit_lock() -> MutexGuard<'static, ()> {
    COMMIT.lock().unwrap_or_else(|e| e.into_inner())
}

/// Rename a run's outputs over their targets, all under the commit lock: a signal
/// arriving meanwhile ([`remove_pending`]) waits until the last is renamed; one that came
/// before removed every temporary file, so none is renamed and every target stays as it
/// was. A rename that fails (the folder gone, a directory made at the target since the
/// run began) fails the whole group: the targets already renamed get their old files
/// back (kept as hard links until the group is in place, [`Before`]), the outputs after
/// it are removed, and the error names the target that failed.
pub fn commit(group: Vec<Ready>) -> Result<()> {
    commit_each(group, &mut |_| {})
}

/// [`commit`], calling `after_each` with each target after its rename, with the commit
/// lock held (how a test shows that a signal waits for the whole group).
pub fn commit_each(group: Vec<Ready>, after_each: &mut dyn FnMut(&Path)) -> Result<()> {
    let _lock = commit_lock();
    let files: Vec<(Pending, PathBuf)> = group.into_iter().flat_map(|r| r.0).collect();
    let last = files.len().saturating_sub(1);
    let mut done: Vec<(PathBuf, Before)> = Vec::new();
    for (i, (tmp, path)) in files.into_iter().enumerate() {
        // The last rename has none after it to fail: its old file need not be kept.
        let before = if i < last {
            Before::keep(&path)
        } else {
            Before::Lost
        };
        if let Err(e) = tmp.persist(&path) {
            for (p, b) in done.into_iter().rev() {
                b.restore(&p);
            }
            return Err(Error::io(&path, e));
        }
        after_each(&path);
        done.push((path, before));
    }
    Ok(())
}

/// What a target of a group held before its rename, kept until the whole group is in
/// place so that a later failure can put it back. Dropped, a kept file's extra name is
/// removed (the target's data is then only the new file's).
enum Before {
    /// No file: undoing removes the new one.
    Nothing,
    /// The old file, under a second name (a hard link `.pitchsift-*.old` beside it).
    Kept(tempfile::TempPath),
    /// Not kept (not a regular file, the file system has no hard links, or the group's
    /// last target, which no later rename can fail after): undoing leaves the new file.
    Lost,
}

impl Before {
    fn keep(path: &Path) -> Before {
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Before::Nothing,
            Ok(m) if m.is_file() => tempfile::Builder::new()
                .prefix(".pitchsift-")
                .suffix(".old")
                .make_in(folder_of(path), |p| std::fs::hard_link(path, p))
                .map_or(Before::Lost, |f| Before::Kept(f.into_temp_path())),
            _ => Before::Lost,
        }
    }

    /// Put the old file (or its absence) back at `path`, as far as it can.
    fn restore(self, path: &Path) {
        match self {
            Before::Nothing => {
                let _ = std::fs::remove_file(path);
            }
            Before::Kept(old) => {
                let _ = old.persist(path);
            }
            Before::Lost => {}
        }
    }
}

/// The folder a target is renamed in.
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// [`write_atomic`] without the rename: the complete output of `fill`, ready for
/// [`commit`] with the run's other outputs.
pub fn prepare_with(
    path: &Path,
    fill: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
) -> Result<Ready> {
    let mut out = Output::create(path)?;
    fill(&mut out).map_err(|e| Error::io(path, e))?;
    out.ready()
}

/// [`prepare_with`] of `bytes`.
pub fn prepare(path: &Path, bytes: &[u8]) -> Result<Ready> {
    prepare_with(path, &mut |w| w.write_all(bytes))
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
    commit(vec![prepare_with(path, fill)?])
}

/// True when `path` exists and is neither a regular file nor a directory (a device,
/// a FIFO, a socket): such a target is written in place, never renamed over.
pub fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// The temporary files of unfinished outputs.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The registry, locked (a panic elsewhere while it was held does not lose it).
fn registry() -> MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// A temporary file of an unfinished output, listed in the registry from its creation
/// until it is renamed over its target ([`Pending::persist`]) or removed (drop). Each
/// of these steps holds the registry's lock, so [`remove_pending`] sees every temporary
/// file that exists and never one already renamed.
pub struct Pending {
    tmp: Option<tempfile::NamedTempFile>,
    /// The mode of the file it replaces, set once complete ([`Pending::set_mode`]).
    mode: Option<u32>,
}

impl Pending {
    /// A new temporary file `.pitchsift-*.tmp` in `dir`, private (0600), registered
    /// (removed when dropped, or by [`remove_pending`]); also how a binary probes that it
    /// may create files in `dir`.
    pub fn new(dir: &Path) -> io::Result<Pending> {
        Pending::create(dir, None)
    }

    /// The temporary file of an output to `path`, in its folder, created with the mode
    /// the finished file gets: the mode of the regular file it replaces (of a symbolic
    /// link's target), else 0666, both narrowed by the umask as the kernel creates it, as
    /// for any program's new file. A replaced file's mode is set again exactly once the
    /// output is complete ([`Pending::set_mode`]): its bits the umask removed come back
    /// then, never earlier (a file that holds messages is never readable by more users
    /// than the one it replaces, not even while written).
    pub fn replacing(path: &Path) -> io::Result<Pending> {
        #[cfg(unix)]
        let mode = {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(path)
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.permissions().mode() & 0o777)
        };
        #[cfg(not(unix))]
        let mode = None;
        Pending::create(folder_of(path), Some(mode))
    }

    /// `mode`: `None` private (0600); `Some(None)` 0666, `Some(Some(m))` `m` (both less
    /// the umask, applied by the kernel).
    fn create(dir: &Path, mode: Option<Option<u32>>) -> io::Result<Pending> {
        let mut reg = registry();
        let mut b = tempfile::Builder::new();
        b.prefix(".pitchsift-").suffix(".tmp");
        #[cfg(unix)]
        if let Some(m) = mode {
            use std::os::unix::fs::PermissionsExt;
            b.permissions(std::fs::Permissions::from_mode(m.unwrap_or(0o666)));
        }
        let tmp = b.tempfile_in(dir).map_err(bare)?;
        reg.push(tmp.path().to_path_buf());
        Ok(Pending {
            tmp: Some(tmp),
            mode: mode.flatten(),
        })
    }

    /// Give a complete output the mode of the file it replaces ([`Pending::replacing`]);
    /// a new file keeps the mode it was created with.
    fn set_mode(&self) -> io::Result<()> {
        #[cfg(unix)]
        if let Some(m) = self.mode {
            use std::os::unix::fs::PermissionsExt;
            self.file()
                .set_permissions(std::fs::Permissions::from_mode(m))?;
        }
        Ok(())
    }

    fn file(&self) -> &std::fs::File {
        self.tmp
            .as_ref()
            .expect("a pending file until persisted")
            .as_file()
    }

    fn file_mut(&mut self) -> &mut std::fs::File {
        self.tmp
            .as_mut()
            .expect("a pending file until persisted")
            .as_file_mut()
    }

    /// Rename the temporary file over `path` and unregister it. After
    /// [`remove_pending`] the file is gone and the rename fails: the target is untouched.
    fn persist(mut self, path: &Path) -> io::Result<()> {
        let tmp = self.tmp.take().expect("a pending file until persisted");
        let mut reg = registry();
        let name = tmp.path().to_path_buf();
        let r = tmp.persist(path).map(drop).map_err(|e| bare(e.error));
        // On failure the temporary file was removed just now, still under the lock.
        unregister(&mut reg, &name);
        r
    }
}

impl Drop for Pending {
    /// An unfinished output: its temporary file is removed and unregistered together.
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let mut reg = registry();
            let name = tmp.path().to_path_buf();
            drop(tmp);
            unregister(&mut reg, &name);
        }
    }
}

impl Write for Pending {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file_mut().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file_mut().flush()
    }
}

/// An error of the temporary file without its name (tempfile adds ` at path "..."`):
/// errors name the output the user gave, never a temporary file.
fn bare(e: io::Error) -> io::Error {
    if e.raw_os_error().is_some() {
        return e;
    }
    let msg = e.to_string();
    match msg.split_once(" at path ") {
        Some((m, _)) => io::Error::new(e.kind(), m.to_string()),
        None => e,
    }
}

fn unregister(reg: &mut Vec<PathBuf>, name: &Path) {
    if let Some(i) = reg.iter().position(|p| p == name) {
        reg.swap_remove(i);
    }
}

/// The registry and the commit lock held closed by [`remove_pending`]: while it lives no
/// output of this process creates, renames or removes a temporary file (they wait).
#[must_use = "hold it until the process exits, or outputs may start again"]
pub struct PendingRemoved {
    /// How many temporary files were removed.
    pub removed: usize,
    // Fields drop in order: the registry before the commit lock (taken in reverse).
    _lock: MutexGuard<'static, Vec<PathBuf>>,
    _commit: MutexGuard<'static, ()>,
}

/// Remove the temporary file of every unfinished output of this process, for a process
/// about to exit on a signal; their targets are left as they were. It first takes the
/// commit lock, so a group of outputs being renamed ([`commit`]) is renamed completely
/// before (every target new, nothing left to remove). The returned guard keeps every
/// other output waiting (none renamed, none started) until it is dropped: hold it until
/// the process exits. Any thread may call it, at any time.
pub fn remove_pending() -> PendingRemoved {
    let commit = commit_lock();
    let mut reg = registry();
    let removed = reg
        .drain(..)
        .filter(|p| std::fs::remove_file(p).is_ok())
        .count();
    PendingRemoved {
        removed,
        _lock: reg,
        _commit: commit,
    }
}

/// The temporary files of this process's unfinished outputs (see [`remove_pending`]).
pub fn pending() -> Vec<PathBuf> {
    registry().clone()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// A temporary file that cannot be created (procfs takes none, even from root): the
    /// error names the output, never the temporary file's name.
    #[test]
    fn an_output_that_cannot_be_created_is_named_not_its_temporary_file() {
        let e = Output::create(Path::new("/proc/out.csv"))
            .err()
            .expect("procfs takes no new file")
            .to_string();
        assert!(e.contains("/proc/out.csv"), "{e}");
        assert!(!e.contains(".pitchsift-"), "{e}");
    }
}
