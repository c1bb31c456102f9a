//! A labelling session: the non-interactive core of `pitchsift-label --labels FILE`.
//!
//! Every answer (a label, or a skip) is saved at once to the label file, by rewriting
//! the whole file to a temporary file and renaming it over the old one
//! ([`crate::io::output::write_atomic`]): whenever the process dies, the file on disk is a
//! complete CSV holding every answer given before the last save returned, never half a
//! row; and undo (dropping the last row) is the same operation. A label file holds a
//! few hundred rows, so the rewrite costs little.
//!
//! The file is the input's columns, then `label` (empty for a skip) and `weight`, one
//! row per answer in the order given: `pitchsift-train --update MODEL FILE` folds it in
//! (skips are left out with a count). Reopening a session reads it back and never asks
//! an answered message again; each of its rows must be a message of the input. A
//! message with a label in the input itself ([`Pool::labels`]) is never asked either;
//! its label is neither written to the label file nor folded into the model here (the
//! model may have learnt it already).
//!
//! [`Session::refresh`] folds the labels given so far into the model exactly
//! ([`crate::active::update`], from the base model's counts each time) and re-ranks the
//! queue. The same work can run away from the session, on another thread, while answers
//! go on from the current queue: [`Session::refresh_job`] takes what it needs,
//! [`Refresh::run`] does it, [`Session::apply`] puts the result in (a message answered
//! meanwhile is still never asked again; a result an undo made stale is refused).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use csv::ByteRecord;

use crate::active::{self, Pool, Strategy};
use crate::corpus::{CsvOptions, CsvSource, RawRow};
use crate::error::{Error, Location, Result};
use crate::nb::classifier::Classifier;

/// How many messages are ranked ahead at a time.
pub const QUEUE: usize = 50;

/// One answer: a message of the pool and its label (`None`: skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Index of the message in the pool.
    pub row: usize,
    /// The label given, or `None` for a skip.
    pub label: Option<String>,
    /// The training weight written with it.
    pub weight: u32,
}

/// A labelling session (see the module documentation).
#[derive(Debug)]
pub struct Session {
    base: Arc<Classifier>,
    model: Arc<Classifier>,
    pool: Arc<Pool>,
    path: PathBuf,
    strategy: Strategy,
    weight: u32,
    answers: Vec<Answer>,
    answered: Vec<bool>,
    base_pred: Arc<Vec<usize>>,
    changed: usize,
    queue: Vec<usize>,
    /// Labels folded into `model` (answers with a label at the last refresh).
    folded: usize,
    /// Undos so far: a refresh started before an undo may hold the label taken back.
    undos: u64,
    /// The label file's lock, held for the session.
    _lock: Lock,
}

/// A lock on a label file for one session, `.NAME.lock` beside it (the file itself is
/// replaced by each save, so a lock on it would not last): a second session on the same
/// file would overwrite the first one's answers with its own. The operating system
/// releases it when the process ends, however it ends; the file is removed on drop.
#[derive(Debug)]
struct Lock {
    path: PathBuf,
    _file: std::fs::File,
}

impl Lock {
    fn take(labels: &Path) -> Result<Lock> {
        let name = labels
            .file_name()
            .map_or_else(|| "labels".into(), |n| n.to_string_lossy().into_owned());
        let path = labels.with_file_name(format!(".{name}.lock"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(Lock { path, _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::Io {
                location: Location::file(labels),
                source: std::io::Error::other(
                    "another pitchsift-label session is saving its answers to this file (two \
                     would overwrite each other's); finish that one first",
                ),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// What a refresh needs, taken from a [`Session`] ([`Session::refresh_job`]); `Send`,
/// so that it can run on another thread.
#[derive(Debug)]
pub struct Refresh {
    base: Arc<Classifier>,
    pool: Arc<Pool>,
    base_pred: Arc<Vec<usize>>,
    strategy: Strategy,
    /// (row, label, weight) of every answer with a label, in the order given.
    labelled: Vec<(usize, String, u32)>,
    answered: Vec<bool>,
    undos: u64,
}

/// A refresh's result, for [`Session::apply`].
#[derive(Debug)]
pub struct Refreshed {
    model: Arc<Classifier>,
    queue: Vec<usize>,
    changed: usize,
    folded: usize,
    undos: u64,
}

impl Refresh {
    /// Fold the labels into the base model and rank the messages not answered then.
    ///
    /// Errors: as [`active::update`].
    pub fn run(self) -> Result<Refreshed> {
        let model = if self.labelled.is_empty() {
            Arc::clone(&self.base)
        } else {
            let texts: Vec<(String, String, u32)> = self
                .labelled
                .iter()
                .map(|(row, l, w)| (self.pool.texts[*row].clone(), l.clone(), *w))
                .collect();
            Arc::new(active::update(&self.base, &texts)?)
        };
        // One pass over the messages gives both the predictions and the ranking.
        let scored = active::score(&model, &self.pool.texts, self.strategy);
        let changed = scored
            .iter()
            .zip(self.base_pred.iter())
            .filter(|(p, &b)| model.labels[p.prediction.class] != self.base.labels[b])
            .count();
        let answered = &self.answered;
        let queue = active::select_scored(&scored, self.strategy, QUEUE, |i| answered[i]);
        Ok(Refreshed {
            model,
            queue,
            changed,
            folded: self.labelled.len(),
            undos: self.undos,
        })
    }
}

impl Session {
    /// Start a session on `pool` with the model `base` (loaded with its counts), saving
    /// answers to `path`; when `path` exists its answers are read back (resume).
    ///
    /// Errors: the label file's problems with file, line and column: not a CSV, a header
    /// that is not the input's columns plus `label` and `weight`, a row that is no
    /// message of the input (or one answered twice), a bad weight.
    pub fn open(
        base: Classifier,
        pool: Pool,
        path: &Path,
        strategy: Strategy,
        weight: u32,
    ) -> Result<Session> {
        let lock = Lock::take(path)?;
        // One pass over the messages: the base model's predictions and, until a label is
        // given, its ranking.
        let scored = active::score(&base, &pool.texts, strategy);
        let base_pred = scored.iter().map(|s| s.prediction.class).collect();
        // A message labelled in the input is answered already, and a blank one has
        // nothing to label: neither is asked.
        let answered = (0..pool.len()).map(|i| pool.settled(i)).collect();
        let base = Arc::new(base);
        let mut s = Session {
            model: Arc::clone(&base),
            base,
            pool: Arc::new(pool),
            path: path.to_path_buf(),
            strategy,
            weight,
            answers: Vec::new(),
            answered,
            base_pred: Arc::new(base_pred),
            changed: 0,
            queue: Vec::new(),
            folded: 0,
            undos: 0,
            _lock: lock,
        };
        // A missing or empty file (`: > labels.csv`) holds no answer yet.
        if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
            s.read_answers()?;
        }
        if s.labelled() > 0 {
            s.refresh()?;
        } else {
            let answered = &s.answered;
            s.queue = active::select_scored(&scored, strategy, QUEUE, |i| answered[i]);
        }
        Ok(s)
    }

    fn read_answers(&mut self) -> Result<()> {
        let opts = CsvOptions {
            // Any column will do to open it: the header is checked below.
            text_col: active::ADDED_COLUMNS[0].into(),
            label_col: None,
            ..CsvOptions::default()
        };
        let mut src = CsvSource::open(&self.path, &opts)?;
        let want: Vec<String> = self
            .pool
            .headers
            .iter()
            .map(str::to_string)
            .chain(active::ADDED_COLUMNS.iter().map(|s| s.to_string()))
            .collect();
        let have: Vec<&str> = src.headers().iter().collect();
        if have != want {
            return Err(Error::BadField {
                location: Location::file(&self.path).line(1),
                message: format!(
                    "the header is `{}`, not the input's columns then label,weight (`{}`): \
                     is this the label file of another input?",
                    have.join(","),
                    want.join(",")
                ),
            });
        }
        let width = self.pool.headers.len();
        // Each input record's index, by its fields (duplicates: first unanswered first).
        let mut by_fields: std::collections::HashMap<Vec<u8>, Vec<usize>> = Default::default();
        for (i, r) in self.pool.records.iter().enumerate().rev() {
            by_fields.entry(key(r.iter())).or_default().push(i);
        }
        let mut row = RawRow::default();
        while src.read(&mut row)? {
            let k = key(row.record.iter().take(width));
            let Some(i) = by_fields.get_mut(&k).and_then(|v| v.pop()) else {
                return Err(Error::BadField {
                    location: Location::file(&self.path).line(row.line),
                    message: "this row is no message of the input (or is answered twice); if the \
                              input changed since (a newer export), fold the label file in as it \
                              is and start a new one for this input"
                        .into(),
                });
            };
            let label = src.field(&row, width)?;
            let w = src.field(&row, width + 1)?;
            let weight = match w.parse::<u32>() {
                Ok(w) if w <= crate::corpus::MAX_WEIGHT => w,
                _ => {
                    return Err(Error::BadField {
                        location: src.location(row.line, width + 1),
                        message: format!(
                            "weight `{w}` is not a whole number from 0 to {}",
                            crate::corpus::MAX_WEIGHT
                        ),
                    })
                }
            };
            self.answered[i] = true;
            self.answers.push(Answer {
                row: i,
                label: (!label.is_empty()).then(|| label.to_string()),
                weight,
            });
        }
        Ok(())
    }

    /// Record an answer for message `row` (a label, or `None` to skip it) and save the
    /// label file. A label the model does not know becomes a new label at the next
    /// [`Session::refresh`]; callers confirm that first ([`Session::knows`]).
    pub fn answer(&mut self, row: usize, label: Option<&str>) -> Result<()> {
        assert!(!self.answered[row], "message {row} is already answered");
        self.answers.push(Answer {
            row,
            label: label.map(str::to_string),
            weight: self.weight,
        });
        self.answered[row] = true;
        if let Err(e) = self.save() {
            self.answers.pop();
            self.answered[row] = false;
            return Err(e);
        }
        Ok(())
    }

    /// Take back the last answer (saving the file); returns it. A label already folded
    /// into the model is taken out of it too (the model is refreshed).
    pub fn undo(&mut self) -> Result<Option<Answer>> {
        let Some(last) = self.answers.pop() else {
            return Ok(None);
        };
        if let Err(e) = self.save() {
            self.answers.push(last);
            return Err(e);
        }
        self.undos += 1;
        self.answered[last.row] = self.pool.settled(last.row);
        if self.labelled() < self.folded {
            self.refresh()?;
        }
        self.queue.retain(|&i| i != last.row);
        self.queue.insert(0, last.row);
        Ok(Some(last))
    }

    fn save(&self) -> Result<()> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = self.pool.headers.as_byte_record().clone();
        for c in active::ADDED_COLUMNS {
            header.push_field(c.as_bytes());
        }
        let io = |e: csv::Error| Error::io(&self.path, std::io::Error::other(e));
        w.write_byte_record(&header).map_err(io)?;
        for a in &self.answers {
            let mut rec: ByteRecord = self.pool.records[a.row].clone();
            rec.push_field(a.label.as_deref().unwrap_or("").as_bytes());
            rec.push_field(a.weight.to_string().as_bytes());
            w.write_byte_record(&rec).map_err(io)?;
        }
        let bytes = w.into_inner().map_err(|e| io(e.into_error().into()))?;
        crate::io::output::write_atomic(&self.path, &bytes)
    }

    /// Fold every label given so far into the base model (exactly, from its counts) and
    /// re-rank the queue; counts the inbox's predictions that changed.
    pub fn refresh(&mut self) -> Result<()> {
        let done = self.refresh_job().run()?;
        let applied = self.apply(done);
        debug_assert!(applied, "nothing happened between the job and its result");
        Ok(())
    }

    /// What [`Session::refresh`] does, to run elsewhere ([`Refresh::run`]) while the
    /// session goes on; its result goes in with [`Session::apply`].
    pub fn refresh_job(&self) -> Refresh {
        Refresh {
            base: Arc::clone(&self.base),
            pool: Arc::clone(&self.pool),
            base_pred: Arc::clone(&self.base_pred),
            strategy: self.strategy,
            labelled: self
                .answers
                .iter()
                .filter_map(|a| a.label.as_ref().map(|l| (a.row, l.clone(), a.weight)))
                .collect(),
            answered: self.answered.clone(),
            undos: self.undos,
        }
    }

    /// Put a refresh's result in: the new model and queue (a message answered since the
    /// job was taken is left out of it, so never asked again). Returns false, changing
    /// nothing, when an undo came after the job was taken (the result may hold the label
    /// taken back): take a new job.
    pub fn apply(&mut self, done: Refreshed) -> bool {
        if done.undos != self.undos {
            return false;
        }
        self.model = done.model;
        self.changed = done.changed;
        self.folded = done.folded;
        let answered = &self.answered;
        self.queue = done.queue.into_iter().filter(|&i| !answered[i]).collect();
        true
    }

    /// The next message to ask, if any is left.
    pub fn next_message(&mut self) -> Option<usize> {
        self.queue.retain(|&i| !self.answered[i]);
        if self.queue.is_empty() && self.answered.iter().any(|a| !a) {
            let answered = &self.answered;
            self.queue = active::select(&self.model, &self.pool.texts, self.strategy, QUEUE, |i| {
                answered[i]
            });
        }
        self.queue.first().copied()
    }

    /// Labels given since the model was last refreshed.
    pub fn pending(&self) -> usize {
        self.labelled().saturating_sub(self.folded)
    }

    /// Answers with a label.
    pub fn labelled(&self) -> usize {
        self.answers.iter().filter(|a| a.label.is_some()).count()
    }

    /// All answers, in the order given.
    pub fn answers(&self) -> &[Answer] {
        &self.answers
    }

    /// Messages whose predicted label differs from the base model's (at the last refresh).
    pub fn changed(&self) -> usize {
        self.changed
    }

    /// The current model.
    pub fn model(&self) -> &Classifier {
        &self.model
    }

    /// The messages.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Messages not answered yet.
    pub fn left(&self) -> usize {
        self.answered.iter().filter(|a| !**a).count()
    }

    /// The labels to choose from: the model's, then new ones given in this session.
    pub fn labels(&self) -> Vec<String> {
        let mut out = self.model.labels.clone();
        for a in &self.answers {
            if let Some(l) = &a.label {
                if !out.contains(l) {
                    out.push(l.clone());
                }
            }
        }
        out
    }

    /// Is `label` one of [`Session::labels`]?
    pub fn knows(&self, label: &str) -> bool {
        self.labels().iter().any(|l| l == label)
    }

    /// A label of the session that `label` (not one of them) differs from only by case or
    /// spaces: most likely what was meant (`Sales` for `sales`).
    pub fn twin(&self, label: &str) -> Option<String> {
        twin(label, &self.labels()).cloned()
    }
}

/// The label of `among` that `label` differs from only by case or spaces (not `label`
/// itself): most likely what was meant (`Sales` for `sales`; they are still two labels).
pub fn twin<'a>(label: &str, among: impl IntoIterator<Item = &'a String>) -> Option<&'a String> {
    among
        .into_iter()
        .find(|l| *l != label && folded(l) == folded(label))
}

/// A label as compared for a likely typo: lower case, runs of white space as one space,
/// none at the ends.
fn folded(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Keys the labelling screen keeps for itself: skip, undo, quit, type a new label.
pub const RESERVED_KEYS: [char; 4] = ['s', 'u', 'q', '+'];

/// The one key that gives each of `labels` (in their order), as the labelling screen
/// shows it: `1`-`9` for the first nine, then for each further label the first letter of
/// its name that is free, else the first free letter `a`-`z`, then `A`-`Z`; `None` once
/// every key is taken (such a label is given by typing its name). A letter is free when it
/// is not reserved ([`RESERVED_KEYS`]), not an earlier label's key, and not the first
/// character of an earlier label (which the screen also takes for that label when no
/// other starts with it: `a` stays alt.atheism's). A label's key depends only on the labels before
/// it, so a label added during a session leaves the others' keys as they were. Before,
/// the tenth label was shown as `10`, a key that gave the first label, and the
/// eleventh-and-on were reachable only by a first letter they shared with others.
pub fn label_keys(labels: &[String]) -> Vec<Option<char>> {
    let mut taken: Vec<char> = RESERVED_KEYS.to_vec();
    let spare = ('a'..='z').chain('A'..='Z');
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let key = if i < 9 {
                char::from_digit(i as u32 + 1, 10)
            } else {
                let own = l.chars().map(|c| c.to_ascii_lowercase());
                own.filter(char::is_ascii_lowercase)
                    .chain(spare.clone())
                    .find(|c| !taken.contains(c))
            };
            taken.extend(key);
            taken.extend(l.chars().next());
            key
        })
        .collect()
}

fn key<'a>(fields: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut k = Vec::new();
    for f in fields {
        k.extend_from_slice(&(f.len() as u64).to_le_bytes());
        k.extend_from_slice(f);
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::TrainParams;
    use crate::test_util::{fit, TRAIN};

    fn pool(dir: &Path) -> Pool {
        let p = dir.join("inbox.csv");
        std::fs::write(
            &p,
            "id,text\n1,book a demo\n2,great talk at the conference demo\n3,\"we are hiring, join us\"\n4,loved the meetup\n",
        )
        .unwrap();
        Pool::read(&p, &CsvOptions::default()).unwrap()
    }

    fn open(dir: &Path) -> Result<Session> {
        let base = fit(&TRAIN, &TrainParams::default().check().unwrap());
        Session::open(
            base,
            pool(dir),
            &dir.join("labels.csv"),
            Strategy::Margin,
            5,
        )
    }

    /// Two sessions on one label file would overwrite each other's answers: the second
    /// is refused while the first is open, and welcome once it has ended.
    #[test]
    fn one_session_at_a_time_per_label_file() {
        let dir = tempfile::tempdir().unwrap();
        let first = open(dir.path()).unwrap();
        let err = open(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("labels.csv: another pitchsift-label session"),
            "{err}"
        );
        drop(first);
        assert!(!dir.path().join(".labels.csv.lock").exists());
        let again = open(dir.path()).unwrap();
        assert!(dir.path().join(".labels.csv.lock").exists());
        drop(again);
        // An empty file (`: > labels.csv`) is a file without answers, as a missing one.
        std::fs::write(dir.path().join("labels.csv"), b"").unwrap();
        assert_eq!(open(dir.path()).unwrap().answers().len(), 0);
    }

    #[test]
    fn answers_are_saved_at_once_undone_and_resumed() {
        let dir = tempfile::tempdir().unwrap();
        let labels = dir.path().join("labels.csv");
        let mut s = open(dir.path()).unwrap();
        let first = s.next_message().unwrap();
        s.answer(first, Some("sales")).unwrap();
        let second = s.next_message().unwrap();
        assert_ne!(first, second);
        s.answer(second, None).unwrap();
        let text = std::fs::read_to_string(&labels).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.starts_with("id,text,label,weight\n"));
        assert!(
            text.lines().nth(2).unwrap().ends_with(",,5"),
            "a skip: {text}"
        );
        // Undo takes the skip back, in the file too, and asks that message again.
        assert_eq!(s.undo().unwrap().unwrap().row, second);
        assert_eq!(std::fs::read_to_string(&labels).unwrap().lines().count(), 2);
        assert_eq!(s.next_message(), Some(second));
        s.answer(second, Some("recruiting")).unwrap();
        drop(s);
        // A new session resumes: the two answers are back and never asked again.
        let mut s = open(dir.path()).unwrap();
        assert_eq!(s.answers().len(), 2);
        assert_eq!(s.labelled(), 2);
        assert!(
            s.knows("recruiting"),
            "a new label given in a session is known"
        );
        let mut asked = Vec::new();
        while let Some(i) = s.next_message() {
            asked.push(i);
            s.answer(i, None).unwrap();
        }
        asked.sort();
        let mut rest: Vec<usize> = (0..4).filter(|&i| i != first && i != second).collect();
        rest.sort();
        assert_eq!(asked, rest);
    }

    #[test]
    fn refresh_folds_labels_in_exactly_and_counts_changes() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = open(dir.path()).unwrap();
        assert_eq!(s.changed(), 0);
        // Message 3 (row index 2) is about hiring: no label of the model fits it.
        s.answer(2, Some("recruiting")).unwrap();
        assert_eq!(s.pending(), 1);
        s.refresh().unwrap();
        assert_eq!(s.pending(), 0);
        assert_eq!(s.model().labels, ["networking", "recruiting", "sales"]);
        // Exact: the same as training on the base data plus 5 copies of the answer.
        let mut all = TRAIN.to_vec();
        all.extend([("we are hiring, join us", "recruiting"); 5]);
        let whole = fit(&all, &TrainParams::default().check().unwrap());
        assert_eq!(s.model().model, whole.model);
        assert!(s.changed() >= 1);
    }

    #[test]
    fn a_refresh_run_elsewhere_never_asks_an_answer_given_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = open(dir.path()).unwrap();
        s.answer(2, Some("recruiting")).unwrap();
        let job = s.refresh_job();
        // While the job runs, every other message is answered from the current queue.
        let mut asked = Vec::new();
        while let Some(i) = s.next_message() {
            asked.push(i);
            s.answer(i, None).unwrap();
        }
        assert_eq!(asked.len(), 3, "{asked:?}");
        let done = std::thread::spawn(move || job.run())
            .join()
            .unwrap()
            .unwrap();
        assert!(s.apply(done));
        // The label is folded in, and nothing answered comes back.
        assert_eq!(s.pending(), 0);
        assert_eq!(s.model().labels, ["networking", "recruiting", "sales"]);
        assert_eq!(s.next_message(), None);
        // A result taken before an undo is refused (it may hold the label taken back).
        let job = s.refresh_job();
        s.undo().unwrap();
        assert!(!s.apply(job.run().unwrap()));
        let job = s.refresh_job();
        assert!(s.apply(job.run().unwrap()));
        assert_eq!(s.next_message(), Some(*asked.last().unwrap()));
    }

    #[test]
    fn a_foreign_label_file_is_refused_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let labels = dir.path().join("labels.csv");
        std::fs::write(
            &labels,
            "id,text,label,weight\n1,book a demo,sales,5\n9,not in the input,sales,5\n",
        )
        .unwrap();
        let err = open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("labels.csv:3:"), "{err}");
        assert!(err.contains("no message of the input"), "{err}");
        assert!(err.contains("start a new one for this input"), "{err}");
        std::fs::write(&labels, "text,label\n").unwrap();
        let err = open(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("labels.csv:1:") && err.contains("header"),
            "{err}"
        );
    }

    #[test]
    fn label_keys_are_digits_then_free_letters_and_never_reserved() {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let five = l(&["networking", "opportunity", "recruiting", "sales", "scam"]);
        assert_eq!(
            label_keys(&five),
            ['1', '2', '3', '4', '5'].map(Some).to_vec()
        );
        // 20 Newsgroups' labels: the tenth on get letters, no two the same, none of
        // s/u/q/+ nor a digit, nor an earlier label's first letter: rec.sport.baseball
        // gets `e` (`r` starts rec.autos), sci.crypt `i` (`s` skips, `c` starts comp.*).
        let news = l(&[
            "alt.atheism",
            "comp.graphics",
            "comp.os.ms-windows.misc",
            "comp.sys.ibm.pc.hardware",
            "comp.sys.mac.hardware",
            "comp.windows.x",
            "misc.forsale",
            "rec.autos",
            "rec.motorcycles",
            "rec.sport.baseball",
            "rec.sport.hockey",
            "sci.crypt",
            "sci.electronics",
            "sci.med",
            "sci.space",
            "soc.religion.christian",
            "talk.politics.guns",
            "talk.politics.mideast",
            "talk.politics.misc",
            "talk.religion.misc",
        ]);
        let keys: Vec<char> = label_keys(&news).into_iter().map(Option::unwrap).collect();
        assert_eq!(keys[9..12], ['e', 'p', 'i']);
        for (i, k) in keys.iter().enumerate().skip(9) {
            assert!(!news[..i].iter().any(|l| l.starts_with(*k)), "{k}");
        }
        let mut seen = keys.clone();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 20, "{keys:?}");
        for k in &keys[9..] {
            assert!(k.is_ascii_alphabetic() && !RESERVED_KEYS.contains(k), "{k}");
        }
        // Adding a label keeps the earlier keys.
        let mut more = news.clone();
        more.push("zzz".into());
        assert_eq!(label_keys(&more)[..20], label_keys(&news)[..]);
        // More labels than keys: the last have none (typed by name). 9 digits, the 26
        // lower-case letters but s, u, q and x (x0's first), the 26 capitals.
        let many: Vec<String> = (0..70).map(|i| format!("x{i}")).collect();
        let k = label_keys(&many);
        assert_eq!(k.iter().filter(|k| k.is_some()).count(), 9 + 22 + 26);
        assert_eq!(k[69], None);
    }
}
