//! Helpers shared by the integration tests: the binaries under test, running them, and
//! reading what they print. Each test file includes this with `mod common;` and uses
//! only some of it, hence `dead_code` is allowed here.
//!
//! tests/common/fuzz_checks.rs is separate: the cargo-fuzz targets include it too.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The header of a LinkedIn export's messages.csv in its newer layout (URL columns,
/// attachments, draft and archive flags), for the tests that write an export.
pub const LINKEDIN_MESSAGES_HEADER: &[&str] = &[
    "CONVERSATION ID",
    "CONVERSATION TITLE",
    "FROM",
    "SENDER PROFILE URL",
    "TO",
    "RECIPIENT PROFILE URLS",
    "DATE",
    "SUBJECT",
    "CONTENT",
    "FOLDER",
    "ATTACHMENTS",
    "IS MESSAGE DRAFT",
    "IS CONVERSATION ARCHIVED",
];

// What src/test_util.rs reaches through `super::`.
use pitchsift::nb::{self, classifier};
use pitchsift::params;

/// The unit tests' helpers: `count` and `fit` on `(text, label)` pairs.
#[path = "../../src/test_util.rs"]
pub mod test_util;

pub const TRAIN: &str = env!("CARGO_BIN_EXE_pitchsift-train");
pub const PREDICT: &str = env!("CARGO_BIN_EXE_pitchsift-predict");
pub const EVAL: &str = env!("CARGO_BIN_EXE_pitchsift-eval");
pub const MERGE: &str = env!("CARGO_BIN_EXE_pitchsift-merge");
pub const INSPECT: &str = env!("CARGO_BIN_EXE_pitchsift-inspect");

/// A model trained by the library's [`pitchsift::pipeline::train::Trainer`] on CSV
/// files read with the default options.
pub fn train_csv(inputs: &[PathBuf], params: &params::ValidTrainParams) -> classifier::Classifier {
    let corpora = pitchsift::pipeline::train::Corpora::new(inputs);
    pitchsift::pipeline::train::Trainer::new(params.clone())
        .train(&corpora, &mut |_| {})
        .unwrap()
        .classifier
}

/// A model of the default settings counted by the library from `(label, text)` pairs,
/// saved at `path`: it takes any label, also one a CSV corpus is refused for (a control
/// character), as a model made by other means or by an earlier version may have.
#[allow(dead_code)] // not every test file uses it
pub fn save_model_of(docs: &[(&str, &str)], path: &Path) {
    use pitchsift::nb::counts::{CountBuilder, Doc};
    let params = params::TrainParams::default().check().unwrap();
    let mut b = CountBuilder::new(params.analyzer(), params.fit()).unwrap();
    let classes: Vec<u32> = docs.iter().map(|(l, _)| b.class_id(l)).collect();
    let batch: Vec<Doc> = docs
        .iter()
        .zip(&classes)
        .map(|(&(_, text), &class)| Doc {
            text,
            class,
            weight: 1,
        })
        .collect();
    b.add(&batch);
    let clf = classifier::Classifier::fit(b.finish(), &params, "library").unwrap();
    pitchsift::model_file::save(&clf, path).unwrap();
}

/// A file of the repository, by its path from the repository root.
pub fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Runs `bin` with `args` in the test's own working directory, stdin inherited.
pub fn run(bin: &str, args: &[&str]) -> Output {
    Command::new(bin).args(args).output().expect("binary runs")
}

/// Runs `bin` with `args` in `dir`, with an empty stdin.
pub fn run_in(bin: &str, args: &[&str], dir: &Path) -> Output {
    Command::new(bin)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("binary runs")
}

/// What the program wrote to stderr (invalid UTF-8 replaced).
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that the program succeeded; on failure shows its exit code, stdout and stderr.
pub fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Asserts that the program succeeded ([`assert_ok`]) and returns its stdout, which
/// must be UTF-8.
pub fn ok(o: &Output) -> String {
    assert_ok(o);
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

/// A path as `&str`, for argument lists.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Writes `content` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}
