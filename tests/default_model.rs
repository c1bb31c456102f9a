//! The committed default model is exactly what scripts/build-default-model.sh builds
//! from data/train.csv with models/default.args, whatever the thread count.

mod common;

use std::process::Command;

use common::{assert_ok, ok, repo_file, PREDICT, TRAIN};

#[test]
fn default_model_rebuilds_byte_identical() {
    let args: Vec<String> = std::fs::read_to_string(repo_file("models/default.args"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    let committed = std::fs::read(repo_file("models/default.model")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for jobs in ["1", "2"] {
        let out = dir.path().join(format!("rebuilt-{jobs}.model"));
        let o = Command::new(TRAIN)
            .arg(repo_file("data/train.csv"))
            .arg("-o")
            .arg(&out)
            .args(["-q", "--jobs", jobs])
            .args(&args)
            .output()
            .unwrap();
        assert_ok(&o);
        let rebuilt = std::fs::read(&out).unwrap();
        assert!(rebuilt == committed, "models/default.model differs from a rebuild with --jobs {jobs}: run scripts/build-default-model.sh");
    }
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
