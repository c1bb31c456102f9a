//! The files one run reads and writes, checked before any work: inputs exist, standard
//! input is read once, no output replaces an input or another output, and every output's
//! folder exists and takes a new file. A run that would fail on them fails at once, with
//! nothing written.
//!
//! `-` as an output is standard output, except for the outputs that must be files (a
//! model, a label file): there it is a usage error.

use std::io::Write;
use std::path::{Path, PathBuf};

use pitchsift::io::output::{Output, Ready};

use super::Usage;

/// What a run reads (must exist), what it must not overwrite, and what it writes.
#[derive(Default)]
pub struct Files {
    read: Vec<PathBuf>,
    replaceable: Vec<PathBuf>,
    kept: Vec<PathBuf>,
    /// Output files, each with whether its folder must exist already.
    written: Vec<(&'static str, PathBuf, bool)>,
    /// Outputs that may not be standard output (`-`), each with why.
    files_only: Vec<(&'static str, PathBuf, &'static str)>,
    /// Sets of inputs that must be distinct files, each with why (see [`check_distinct`]).
    distinct: Vec<(Vec<PathBuf>, &'static str)>,
    /// Model files read, each with the option naming it (see [`Files::models`]).
    models: Vec<(&'static str, PathBuf)>,
}

impl Files {
    /// Files the run reads: each must exist (`-` is standard input, at most once), and
    /// none may be overwritten.
    pub fn read<'a>(mut self, paths: impl IntoIterator<Item = &'a PathBuf>) -> Self {
        self.read.extend(paths.into_iter().cloned());
        self
    }

    /// Files the run reads that must exist but that an output may replace (the model of
    /// `pitchsift-train --update M -o M`).
    pub fn replaceable<'a>(mut self, paths: impl IntoIterator<Item = &'a PathBuf>) -> Self {
        self.replaceable.extend(paths.into_iter().cloned());
        self
    }

    /// Files the run reads that it checks itself (a model, an export): never overwritten.
    pub fn kept<'a>(mut self, paths: impl IntoIterator<Item = &'a PathBuf>) -> Self {
        self.kept.extend(paths.into_iter().cloned());
        self
    }

    /// Model files the run reads (`what` names their option in errors), never
    /// overwritten: each must exist, and `-` is a usage error (a model is read from a
    /// file, not standard input). Every binary's missing model gets the same message.
    pub fn models<'a>(
        self,
        what: &'static str,
        paths: impl IntoIterator<Item = &'a PathBuf>,
    ) -> Self {
        let paths: Vec<&PathBuf> = paths.into_iter().collect();
        self.replaceable_models(what, paths.iter().copied())
            .kept(paths)
    }

    /// Model files the run reads that an output may replace (`pitchsift-train --update
    /// M -o M`), checked as [`Files::models`].
    pub fn replaceable_models<'a>(
        mut self,
        what: &'static str,
        paths: impl IntoIterator<Item = &'a PathBuf>,
    ) -> Self {
        self.models
            .extend(paths.into_iter().map(|p| (what, p.clone())));
        self
    }

    /// Inputs no two of which may be the same file (`why` ends the error).
    pub fn distinct<'a>(
        mut self,
        paths: impl IntoIterator<Item = &'a PathBuf>,
        why: &'static str,
    ) -> Self {
        self.distinct
            .push((paths.into_iter().cloned().collect(), why));
        self
    }

    /// An output file, when given (`what` names its option in errors); `-` is standard
    /// output ([`file_or_stdout`]).
    pub fn writes(mut self, what: &'static str, path: Option<&PathBuf>) -> Self {
        self.written.extend(path.map(|p| (what, p.clone(), true)));
        self
    }

    /// An output that is standard output when not given (or given as `-`).
    pub fn prints(mut self, what: &'static str, path: Option<&PathBuf>) -> Self {
        let path = path.cloned().unwrap_or_else(|| PathBuf::from("-"));
        self.written.push((what, path, true));
        self
    }

    /// A model file the run writes: an output that cannot be standard output.
    pub fn writes_model(mut self, what: &'static str, path: Option<&PathBuf>) -> Self {
        let why = "a model cannot be written to standard output; give a file name";
        self.files_only.extend(path.map(|p| (what, p.clone(), why)));
        self.writes(what, path)
    }

    /// A file the run reads back if it exists and rewrites with every change it appends
    /// (pitchsift-label's answers): an output, so never one of the inputs nor standard
    /// output, whose folder must exist and take a new file before any work (a change
    /// lost to an unwritable folder would be an answer lost).
    pub fn appends(mut self, what: &'static str, path: Option<&PathBuf>) -> Self {
        let why = "it is read back and rewritten with every answer, so it must be a file";
        self.files_only.extend(path.map(|p| (what, p.clone(), why)));
        self.writes(what, path)
    }

    /// `files` in an output folder that the run creates (not standard output).
    pub fn writes_in(mut self, what: &'static str, dir: Option<&PathBuf>, files: &[&str]) -> Self {
        if let Some(d) = dir {
            let why = "it writes files into a folder; give the folder's name";
            self.files_only.push((what, d.clone(), why));
            self.written
                .extend(files.iter().map(|f| (what, d.join(f), false)));
        }
        self
    }

    /// Check them all: a missing input or output folder is bad data (exit 1), the rest
    /// usage errors (exit 2).
    pub fn check(self) -> anyhow::Result<()> {
        for (what, p) in &self.models {
            if is_stdin(p) {
                return Err(Usage(format!(
                    "{what} -: a model cannot be read from standard input; give a file name"
                ))
                .into());
            }
        }
        for p in self
            .models
            .iter()
            .map(|(_, p)| p)
            .chain(&self.read)
            .chain(&self.replaceable)
            .filter(|p| !is_stdin(p))
        {
            if !p.exists() {
                return Err(io_error(p, "no such file".into()));
            }
        }
        if self.read.iter().filter(|p| is_stdin(p)).count() > 1 {
            return Err(Usage(
                "`-` (standard input) is given more than once; it can be read once".into(),
            )
            .into());
        }
        if let Some((what, _, why)) = self.files_only.iter().find(|(_, p, _)| is_stdin(p)) {
            return Err(Usage(format!("{what} -: {why}")).into());
        }
        for (paths, why) in &self.distinct {
            check_distinct(paths, why)?;
        }
        for (i, (what, out, _)) in self.written.iter().enumerate() {
            if let Some((other, ..)) = self.written[..i]
                .iter()
                .find(|(_, o, _)| same_target(o, out))
            {
                if is_stdin(out) {
                    return Err(Usage(format!(
                        "{other} and {what} would both be written to standard output (-)"
                    ))
                    .into());
                }
                return Err(Usage(format!(
                    "{other} and {what} are the same file ({}): one would replace the other",
                    out.display()
                ))
                .into());
            }
            let inputs = self.read.iter().chain(&self.kept);
            if let Some(input) = inputs.into_iter().find(|i| same_file(i, out)) {
                return Err(Usage(format!(
                    "{what} {} is the input {}: it would be overwritten; write to another file",
                    out.display(),
                    input.display()
                ))
                .into());
            }
        }
        // An output folder the run creates (eval's --plot) may exist, but as a folder.
        for (what, p, _) in self.written.iter().filter(|w| !w.2) {
            let dir = folder_of(p);
            if dir.exists() && !dir.is_dir() {
                return Err(io_error(
                    dir,
                    format!("{what} needs a directory, and this is a file"),
                ));
            }
        }
        // Standard output and devices (`/dev/null`) are written in place.
        let files = || {
            self.written
                .iter()
                .filter(|(_, p, _)| !is_stdin(p) && !pitchsift::io::output::is_special(p))
        };
        for (what, p, _) in files().filter(|w| w.2) {
            if p.is_dir() {
                return Err(io_error(
                    p,
                    format!("{what} is a directory; give a file name"),
                ));
            }
            let dir = folder_of(p);
            match std::fs::metadata(dir) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => return Err(io_error(p, format!("{} is not a directory", dir.display()))),
                Err(_) => {
                    return Err(io_error(
                        p,
                        format!("the directory {} does not exist", dir.display()),
                    ))
                }
            }
        }
        // Every folder must take a new file now, not after the work (a read-only file
        // system, no permission). A folder the run creates is probed in its nearest
        // existing ancestor, where it will be created.
        for (_, p, _) in files() {
            let mut dir = folder_of(p);
            while !dir.exists() && folder_of(dir) != dir {
                dir = folder_of(dir);
            }
            // Registered, so that an interrupt in this instant removes it too.
            if let Err(e) = pitchsift::io::output::Pending::new(dir) {
                return Err(io_error(
                    p,
                    format!("cannot write in {}: {e}", dir.display()),
                ));
            }
        }
        Ok(())
    }
}

/// Why training files must be distinct: one given twice would count its rows twice (and a
/// cross-validation would test rows that its training folds also hold).
pub const COUNTED_TWICE: &str = "its rows would be counted twice (and cross-validation would \
     test rows its training folds hold); to weigh a file's rows more, give them a weight column";

/// The same file given twice (another spelling or a hard link is the same file), for
/// inputs that must be distinct (the disjoint parts of a merge). A usage error naming both.
fn check_distinct(inputs: &[PathBuf], why: &str) -> anyhow::Result<()> {
    for (i, p) in inputs.iter().enumerate() {
        if let Some(first) = inputs[..i].iter().find(|q| same_file(q, p)) {
            return Err(Usage(format!(
                "{} and {} are the same file; {why}",
                first.display(),
                p.display()
            ))
            .into());
        }
    }
    Ok(())
}

/// The files of a LinkedIn export that reading it opens: the export itself when it is a
/// file (a zip, a messages.csv), else the messages.csv and Invitations.csv (any case) of
/// the folder and of the folders in it.
pub fn export_files(export: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().to_lowercase();
            if p.is_dir() && depth > 0 {
                walk(&p, depth - 1, out);
            } else if name == "messages.csv" || name == "invitations.csv" {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    if export.is_dir() {
        walk(export, 1, &mut out);
    } else {
        out.push(export.to_path_buf());
    }
    out
}

fn is_stdin(p: &Path) -> bool {
    p.as_os_str() == "-"
}

/// An output's file, `None` for standard output (not given, or `-`).
pub fn file_or_stdout(p: Option<&Path>) -> Option<&Path> {
    p.filter(|p| !is_stdin(p))
}

/// Is any of these outputs standard output (`-`)?
pub fn any_stdout<const N: usize>(outputs: [&Option<PathBuf>; N]) -> bool {
    outputs.iter().any(|p| p.as_deref().is_some_and(is_stdin))
}

/// [`pitchsift::io::output::prepare`], or `bytes` written to standard output for `-`.
pub fn prepare(path: &Path, bytes: &[u8]) -> pitchsift::Result<Ready> {
    let mut out = Output::open(file_or_stdout(Some(path)))?;
    out.write_all(bytes).map_err(|e| out.error(e))?;
    out.ready()
}

fn folder_of(p: &Path) -> &Path {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

fn io_error(p: &Path, problem: String) -> anyhow::Error {
    pitchsift::Error::Io {
        location: pitchsift::error::Location::file(p),
        source: std::io::Error::new(std::io::ErrorKind::NotFound, problem),
    }
    .into()
}

/// Two existing regular files that are one (by device and inode: another spelling or a
/// hard link is the same file). `-` and devices (`/dev/null`) are never the same file.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let id = |p: &Path| {
            (!is_stdin(p))
                .then(|| std::fs::metadata(p).ok())
                .flatten()
                .filter(|m| m.is_file())
                .map(|m| (m.dev(), m.ino()))
        };
        matches!((id(a), id(b)), (Some(x), Some(y)) if x == y)
    }
    #[cfg(not(unix))]
    {
        same_target(a, b) && a.is_file()
    }
}

/// Two outputs that would be one file, whether or not it exists yet: the same path once
/// their folders are resolved. Devices (`/dev/null`) take any number of outputs.
fn same_target(a: &Path, b: &Path) -> bool {
    if pitchsift::io::output::is_special(a) {
        return false;
    }
    let resolve = |p: &Path| {
        Some(
            std::fs::canonicalize(folder_of(p))
                .ok()?
                .join(p.file_name()?),
        )
    };
    a == b || matches!((resolve(a), resolve(b)), (Some(x), Some(y)) if x == y)
}
