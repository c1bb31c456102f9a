//! The committed default model is exactly what scripts/build-default-model.sh builds
//! with models/default.args (the real LinkedIn dev set in ../shared and the written
//! corpus), whatever the thread count; it keeps no term found in only one message.

mod common;

use std::process::Command;

use common::{assert_ok, ok, repo_file, PREDICT, TRAIN};
use pitchsift::model_file::{self, Load};

/// The arguments of models/default.args (paths relative to the repository root).
fn default_args() -> Vec<String> {
    std::fs::read_to_string(repo_file("models/default.args"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// Is the real dev set the default model learns from here? It lives in ../shared, beside
/// the repository, on the developers' machines and in CI (where its absence fails).
fn real_dev_set_present() -> bool {
    let present = repo_file("../shared/datasets/linkedin_real/dev.csv").exists();
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "../shared/datasets/linkedin_real/dev.csv is missing in CI"
        );
        eprintln!("skipped: ../shared/datasets/linkedin_real/dev.csv is not beside the repository");
    }
    present
}

#[test]
fn default_model_rebuilds_byte_identical() {
    if !real_dev_set_present() {
        return;
    }
    let args = default_args();
    let committed = std::fs::read(repo_file("models/default.model")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for jobs in ["1", "2"] {
        let out = dir.path().join(format!("rebuilt-{jobs}.model"));
        let o = Command::new(TRAIN)
            .current_dir(repo_file(""))
            .args(&args)
            .arg("-o")
            .arg(&out)
            .args(["-q", "--jobs", jobs])
            .output()
            .unwrap();
        assert_ok(&o);
        let rebuilt = std::fs::read(&out).unwrap();
        assert!(rebuilt == committed, "models/default.model differs from a rebuild with --jobs {jobs}: run scripts/build-default-model.sh");
    }
}

#[test]
fn default_model_keeps_no_term_of_a_single_message() {
    // The real dev set's terms of use: a model trained on it keeps only terms that occur
    // in more than one message. Every stored term, feature or count, has df >= 2.
    let clf = model_file::load(&repo_file("models/default.model"), Load::Full).unwrap();
    assert!(default_args().iter().any(|a| a == "--prune-counts"));
    assert_eq!(clf.params.fit().min_df, 2);
    let counts = clf.counts.as_ref().expect("full load keeps the counts");
    assert_eq!(counts.n_terms(), clf.n_features());
    for i in 0..counts.n_terms() {
        assert!(counts.df(i) >= 2, "term {i} has df {}", counts.df(i));
    }
    // The counts the file keeps are what the model was fitted on: refitting them gives
    // the same features.
    assert!((0..clf.n_features()).all(|i| clf.features()[i] == counts.terms[i]));
}

#[test]
fn default_model_answers_the_motivating_message() {
    // The message from issue 3: an MLM recruiter asking for the recipient's network.
    let o = Command::new(PREDICT)
        .arg("I know you know a lot of people keeping their options open to making extra money part time; I'd love to introduce myself and see if it's a good fit for anyone you know")
        .output()
        .unwrap();
    assert!(ok(&o).starts_with("opportunity\t"));
}
