//! The committed default model is exactly what scripts/build-default-model.sh builds
//! from data/train.csv with models/default.args, whatever the thread count.

use std::path::Path;
use std::process::Command;

#[test]
fn default_model_rebuilds_byte_identical() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let args: Vec<String> = std::fs::read_to_string(root.join("models/default.args"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    let committed = std::fs::read(root.join("models/default.model")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for jobs in ["1", "2"] {
        let out = dir.path().join(format!("rebuilt-{jobs}.model"));
        let o = Command::new(env!("CARGO_BIN_EXE_pitchsift-train"))
            .arg(root.join("data/train.csv"))
            .arg("-o")
            .arg(&out)
            .args(["-q", "--jobs", jobs])
            .args(&args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let rebuilt = std::fs::read(&out).unwrap();
        assert!(rebuilt == committed, "models/default.model differs from a rebuild with --jobs {jobs}: run scripts/build-default-model.sh");
    }
}

#[test]
fn default_model_answers_the_motivating_message() {
    // The message from issue 3: an MLM recruiter asking for the recipient's network.
    let o = Command::new(env!("CARGO_BIN_EXE_pitchsift-predict"))
        .arg("I know you know a lot of people keeping their options open to making extra money part time; I'd love to introduce myself and see if it's a good fit for anyone you know")
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(String::from_utf8(o.stdout)
        .unwrap()
        .starts_with("opportunity\t"));
}
