//! End-to-end tests of pitchsift-train and pitchsift-predict: each test gets a fresh
//! directory (xsv's Workdir pattern) and runs the real binaries.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{ok, repo_file, run_in, s, stderr, EVAL, INSPECT, MERGE, PREDICT, TRAIN};

fn fixture() -> PathBuf {
    repo_file("data/fixtures/tiny.csv")
}

fn train(dir: &Path, extra: &[&str]) -> Output {
    let f = fixture();
    let mut args = vec![s(&f), "-o", "m.model", "-q"];
    args.extend_from_slice(extra);
    run_in(TRAIN, &args, dir)
}

#[test]
fn train_then_predict_messages_csv_and_jsonl() {
    let d = tempfile::tempdir().unwrap();
    let o = train(d.path(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run_in(
        PREDICT,
        &[
            "-m",
            "m.model",
            "Do you have 15 minutes on your calendar for a demo?",
        ],
        d.path(),
    );
    let out = ok(&o);
    assert!(out.starts_with("sales\t"), "{out}");

    std::fs::write(
        d.path().join("in.csv"),
        "id,text\n7,\"we are hiring a nurse, interested?\"\n8,\n",
    )
    .unwrap();
    let o = run_in(PREDICT, &["-m", "m.model", "--input", "in.csv"], d.path());
    let out = ok(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "id,text,predicted,confidence,p_networking,p_opportunity,p_recruiting,p_sales,p_scam"
    );
    assert!(
        lines[1].starts_with("7,\"we are hiring a nurse, interested?\",recruiting,"),
        "{}",
        lines[1]
    );
    // The empty message gets the prior: equal counts, so uniform, the tie going to the first label.
    assert_eq!(
        lines[2],
        "8,,networking,0.200000,0.200000,0.200000,0.200000,0.200000,0.200000"
    );

    let o = run_in(
        PREDICT,
        &["-m", "m.model", "--input", "in.csv", "--format", "jsonl"],
        d.path(),
    );
    let out = String::from_utf8(o.stdout).unwrap();
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["row"], 1);
    assert_eq!(first["predicted"], "recruiting");
    let probs = first["probabilities"].as_object().unwrap();
    assert_eq!(probs.len(), 5);
    let sum: f64 = probs.values().map(|v| v.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-9);
    assert_eq!(first["confidence"], first["probabilities"]["recruiting"]);
}

/// A predictions file classified again (another model, or --explain added) gets the new
/// prediction in place of the old one, not a second `predicted`/`p_*` set under the same
/// names; the columns before `predicted` are kept as they are.
#[test]
fn a_predictions_file_classified_again_replaces_its_prediction() {
    let d = tempfile::tempdir().unwrap();
    assert!(train(d.path(), &[]).status.success());
    std::fs::write(
        d.path().join("in.csv"),
        "id,text,note\n7,\"we are hiring a nurse, interested?\",a\n8,buy our crm now,b\n",
    )
    .unwrap();
    let first = ok(&run_in(
        PREDICT,
        &["-m", "m.model", "--input", "in.csv", "-o", "p1.csv"],
        d.path(),
    ));
    assert!(first.is_empty());
    let p1 = std::fs::read_to_string(d.path().join("p1.csv")).unwrap();
    // The same model again: the same file, byte for byte.
    ok(&run_in(
        PREDICT,
        &["-m", "m.model", "--input", "p1.csv", "-o", "p2.csv"],
        d.path(),
    ));
    assert_eq!(
        std::fs::read_to_string(d.path().join("p2.csv")).unwrap(),
        p1
    );
    // With reasons: one `explanation` column, each prediction column once.
    let out = ok(&run_in(
        PREDICT,
        &["-m", "m.model", "--input", "p1.csv", "--explain", "2"],
        d.path(),
    ));
    assert_eq!(
        out.lines().next().unwrap(),
        "id,text,note,predicted,confidence,p_networking,p_opportunity,p_recruiting,p_sales,\
         p_scam,explanation"
    );
    // And that file, without --explain, is the first prediction again.
    std::fs::write(d.path().join("p3.csv"), &out).unwrap();
    let again = ok(&run_in(
        PREDICT,
        &["-m", "m.model", "--input", "p3.csv"],
        d.path(),
    ));
    assert_eq!(again, p1);
}

#[test]
fn stdin_lines_and_output_file() {
    let d = tempfile::tempdir().unwrap();
    assert!(train(d.path(), &[]).status.success());
    let mut child = Command::new(PREDICT)
        .args(["-m", "m.model", "-", "--format", "csv", "-o", "out.csv"])
        .current_dir(d.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"verify your account at http://login.example.com\ngreat meeting you at the meetup, would love to stay in touch\n").unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    let out = std::fs::read_to_string(d.path().join("out.csv")).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(
        lines[1].starts_with("verify your account at http://login.example.com,scam,"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with(
            "\"great meeting you at the meetup, would love to stay in touch\",networking,"
        ),
        "{}",
        lines[2]
    );
}

#[test]
fn jobs_do_not_change_the_model_file() {
    let d = tempfile::tempdir().unwrap();
    let f = fixture();
    // Two input files (the same rows twice: a file given twice is refused, a copy is not).
    let copy = d.path().join("copy.csv");
    std::fs::copy(&f, &copy).unwrap();
    let (f, g) = (s(&f), s(&copy));
    let mut files = Vec::new();
    for (jobs, model) in [
        ("1", "complement"),
        ("2", "complement"),
        ("1", "multinomial"),
        ("2", "multinomial"),
    ] {
        let out = format!("m{jobs}{model}.model");
        let o = run_in(
            TRAIN,
            &[
                f, g, "-o", &out, "-q", "--jobs", jobs, "--model", model, "--tf", "log", "--norm",
                "l2", "--idf",
            ],
            d.path(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        files.push(std::fs::read(d.path().join(out)).unwrap());
    }
    assert_eq!(files[0], files[1]);
    assert_eq!(files[2], files[3]);
    assert_ne!(files[0], files[2]);
}

#[test]
fn save_then_load_gives_identical_predictions() {
    use pitchsift::model_file::{self, Load};
    let params = pitchsift::params::TrainParams::default().check().unwrap();
    let clf = common::train_csv(&[fixture()], &params);
    let bytes = model_file::to_bytes(&clf).unwrap();
    let back = model_file::from_bytes(&bytes, "mem", Load::Full).unwrap();
    assert_eq!(model_file::to_bytes(&back).unwrap(), bytes);
    let light = model_file::from_bytes(&bytes, "mem", Load::Predict).unwrap();
    for text in [
        "join my team, be your own boss",
        "",
        "verify your bank details",
        "hello",
    ] {
        assert_eq!(clf.predict(text), back.predict(text));
        assert_eq!(clf.predict(text), light.predict(text));
    }
}

#[test]
fn a_100000_token_message_has_finite_probabilities() {
    let d = tempfile::tempdir().unwrap();
    assert!(train(d.path(), &[]).status.success());
    let clf = pitchsift::model_file::load(
        &d.path().join("m.model"),
        pitchsift::model_file::Load::Predict,
    )
    .unwrap();
    let long = "extra income demo hiring verify ".repeat(20_000);
    let p = clf.predict(&long);
    assert!(p.probabilities.iter().all(|v| v.is_finite()));
    assert!((p.probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-9);
}

/// Each bad input: exit 1, a one-line message naming file, line and column, no model
/// written, and a model already at the output path left untouched.
#[test]
fn bad_inputs_name_the_place_and_leave_no_model() {
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "missing_column.csv",
            b"label,body\nsales,hi\n",
            // The binaries name the option that picks the text column.
            "missing_column.csv:1: no column `text` in the header (columns: label,body); name \
             the column to read with --text-col",
        ),
        (
            "missing_label.csv",
            b"text,category\nhi,sales\n",
            // And the option that picks the label column.
            "missing_label.csv:1: no column `label` in the header (columns: text,category); \
             name the column to read with --label-col",
        ),
        (
            "ragged.csv",
            b"label,text\nsales,hi\nnetworking\n",
            "ragged.csv:3: malformed CSV: record has 1 field, the header has 2",
        ),
        (
            "bad_quote.csv",
            b"label,text\nsales,\"unterminated\nnetworking,x\n",
            "bad_quote.csv:",
        ),
        (
            "utf8.csv",
            b"label,text\nsales,ok\nscam,caf\xe9\n",
            "utf8.csv:3: column `text`: invalid UTF-8 at byte 3 of the field",
        ),
        (
            "empty.csv",
            b"label,text\n",
            "empty.csv: no documents to train on",
        ),
        (
            "single.csv",
            b"label,text\nsales,a\nsales,b\n",
            "single.csv: every document has the label `sales`",
        ),
        (
            "empty_label.csv",
            b"label,text\nsales,a\n,b\n",
            "empty_label.csv:3: column `label`: empty label",
        ),
    ];
    for (name, data, want) in cases {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(name), data).unwrap();
        std::fs::write(d.path().join("m.model"), b"previous good model").unwrap();
        let o = run_in(TRAIN, &[name, "-o", "m.model", "-q"], d.path());
        let err = stderr(&o);
        if *name == "bad_quote.csv" {
            // An unterminated quote swallows the rest of the file: one record with one field.
            assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        } else {
            assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        }
        assert!(err.contains(want), "{name}: got {err:?}, want {want:?}");
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: one line: {err}");
        assert_eq!(
            std::fs::read(d.path().join("m.model")).unwrap(),
            b"previous good model",
            "{name}"
        );
        let leftovers: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 2, "{name}: stray files {leftovers:?}");
    }
}

/// A model file that is not there reads the same in all six binaries (before, predict,
/// inspect and eval said "No such file or directory (os error 2)", the others "no such
/// file"), and a model given as `-` is a usage error saying why, in each of them (before:
/// "-: No such file or directory").
#[test]
fn a_missing_model_and_a_model_from_standard_input_read_alike_everywhere() {
    const LABEL: &str = env!("CARGO_BIN_EXE_pitchsift-label");
    let d = tempfile::tempdir().unwrap();
    let f = fixture();
    let f = s(&f);
    // Each binary's way to name the model, `M` standing for it.
    let runs: [(&str, &str, Vec<&str>); 8] = [
        (
            "pitchsift-train",
            TRAIN,
            vec![f, "-o", "out.model", "--update", "M"],
        ),
        ("pitchsift-predict", PREDICT, vec!["-m", "M", "hi"]),
        ("pitchsift-predict", PREDICT, vec!["--model", "M", "-i", f]),
        ("pitchsift-eval", EVAL, vec!["--model", "M", "--test", f]),
        ("pitchsift-merge", MERGE, vec!["M", "-o", "out.model"]),
        ("pitchsift-inspect", INSPECT, vec!["M"]),
        (
            "pitchsift-label",
            LABEL,
            vec!["--model", "M", "--input", f, "--suggest", "2"],
        ),
        (
            "pitchsift-label",
            LABEL,
            vec!["--model", "M", "--input", f, "--labels", "l.csv"],
        ),
    ];
    fn with<'a>(args: &[&'a str], model: &'a str) -> Vec<&'a str> {
        args.iter()
            .map(|&a| if a == "M" { model } else { a })
            .collect()
    }
    for (name, bin, args) in &runs {
        let o = run_in(bin, &with(args, "gone.model"), d.path());
        assert_eq!(o.status.code(), Some(1), "{name} {args:?}: {}", stderr(&o));
        assert_eq!(
            stderr(&o),
            format!("{name}: error: gone.model: no such file\n"),
            "{args:?}"
        );
        let o = run_in(bin, &with(args, "-"), d.path());
        assert_eq!(o.status.code(), Some(2), "{name} {args:?}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(
            e.contains(" -: a model cannot be read from standard input; give a file name"),
            "{name} {args:?}: {e}"
        );
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(o.stdout.is_empty(), "{name} {args:?}");
    }
    // Nothing was written.
    let left: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn missing_file_and_bad_usage() {
    let d = tempfile::tempdir().unwrap();
    let o = run_in(TRAIN, &["nope.csv", "-o", "m.model"], d.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("nope.csv: no such file"),
        "{}",
        stderr(&o)
    );
    assert!(!d.path().join("m.model").exists());
    let f = fixture();
    let o = run_in(TRAIN, &[s(&f), "-o", "m.model", "--alpha", "0"], d.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("alpha must be a finite number > 0 (got 0)"),
        "{}",
        stderr(&o)
    );
    let o = run_in(
        TRAIN,
        &[s(&f), "-o", "m.model", "--ngrams", "3..1"],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let o = run_in(PREDICT, &[], d.path());
    assert_eq!(o.status.code(), Some(2));
    let o = run_in(PREDICT, &["--input", "nope.csv"], d.path());
    assert_eq!(o.status.code(), Some(1));
    std::fs::write(d.path().join("junk.model"), b"not a model at all").unwrap();
    let o = run_in(PREDICT, &["-m", "junk.model", "hi"], d.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("junk.model: not a pitchsift model file"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn predict_missing_text_column_and_bad_utf8_leave_no_output() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.csv"), b"id,body\n1,hi\n").unwrap();
    let o = run_in(PREDICT, &["--input", "a.csv", "-o", "out.csv"], d.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("a.csv:1: no column `text`"));
    std::fs::write(d.path().join("b.csv"), b"text\nfine\nbad \xff\n").unwrap();
    let o = run_in(PREDICT, &["--input", "b.csv", "-o", "out.csv"], d.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("b.csv:3: column `text`: invalid UTF-8"),
        "{}",
        stderr(&o)
    );
    let names: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("out") || n.ends_with(".tmp")),
        "{names:?}"
    );
}

#[test]
fn default_model_is_embedded() {
    let d = tempfile::tempdir().unwrap();
    let o = run_in(
        PREDICT,
        &["Please verify your account at http://secure.example.com or it will be suspended"],
        d.path(),
    );
    let out = ok(&o);
    assert!(out.starts_with("scam\t"), "{out}");
}

/// Run `cmd` (a shell command line) with its stderr on a pseudo-terminal, through
/// util-linux `script`; stdout goes to /dev/null. Returns what the terminal received.
fn on_terminal(cmd: &str, dir: &Path) -> String {
    let o = Command::new("script")
        .args(["-qfec", &format!("{cmd} >/dev/null"), "/dev/null"])
        .current_dir(dir)
        .env("PITCHSIFT_PROGRESS_AFTER_MS", "0")
        .stdin(Stdio::null())
        .output()
        .expect("util-linux script runs");
    assert!(o.status.success(), "{cmd}: {}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn progress_bars_on_a_terminal_only_and_not_with_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(train(d, &[]).status.success());
    let test = repo_file("data/test.csv");
    let (f, t) = (fixture(), test.display().to_string());
    let f = f.display().to_string();
    let cases = [
        (TRAIN, format!("{TRAIN} {f} -o m2.model")),
        (PREDICT, format!("{PREDICT} -m m.model -i {t}")),
        (EVAL, format!("{EVAL} --cv 3 {f}")),
    ];
    for (bin, cmd) in &cases {
        let name = Path::new(bin).file_name().unwrap().to_str().unwrap();
        let shown = on_terminal(cmd, d);
        // A bar: the program's name, then a bar with an ETA (its template).
        let bar = |s: &str| s.find(name).is_some_and(|i| s[i..].contains(" ETA "));
        assert!(bar(&shown), "{cmd}: no bar in {shown:?}");
        let quiet = on_terminal(&format!("{cmd} --quiet"), d);
        assert!(!bar(&quiet), "{cmd} --quiet: {quiet:?}");
        // Not a terminal (this test's pipes): nothing on stderr.
        let args: Vec<&str> = cmd.split(' ').skip(1).collect();
        let o = Command::new(bin)
            .args(&args)
            .current_dir(d)
            .env("PITCHSIFT_PROGRESS_AFTER_MS", "0")
            .output()
            .unwrap();
        assert!(o.status.success());
        assert!(!bar(&stderr(&o)), "{cmd}: {}", stderr(&o));
    }
}

/// pitchsift-predict refuses an option that cannot act (exit 2, naming it and saying
/// where it belongs, nothing written), as README says: --report with messages (tested
/// here for the first time), --explain-against without
/// --explain or --report, and the CSV reading options where no CSV is read (--linkedin
/// reads the export its own way; messages as arguments and `-` lines have no columns).
/// They used to be ignored with exit 0. Where they act they are accepted.
#[test]
fn predict_refuses_options_it_would_ignore() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.csv"), b"id;body\n1;quick demo this week\n").unwrap();
    let cases: [(&[&str], &str); 8] = [
        (
            &["--report", "r.html", "hi"],
            "--report needs --input or --linkedin",
        ),
        (
            &["--explain-against", "networking", "quick demo"],
            "--explain-against has no use without --explain K or --report",
        ),
        (
            &["--linkedin", "exp", "--text-col", "foo", "--delimiter", ";"],
            "--text-col has no use with --linkedin",
        ),
        (
            &["--linkedin", "exp", "--invalid-utf8", "error"],
            "--invalid-utf8 has no use with --linkedin",
        ),
        (
            &["--text-col", "foo", "msg"],
            "--text-col has no use with messages given as arguments; it is for --input",
        ),
        (
            &["--max-field-bytes=100", "msg"],
            "--max-field-bytes has no use with messages given as arguments",
        ),
        (
            &["--delimiter", ";", "-"],
            "--delimiter has no use with `-` (one message a line, no columns)",
        ),
        (
            &["--text-col=body", "hi", "-", "there"],
            "--text-col has no use with `-`",
        ),
    ];
    for (args, says) in cases {
        let args = [args, &["-o", "out.txt"]].concat();
        let o = run_in(PREDICT, &args, d.path());
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(says) && err.lines().count() == 1,
            "{args:?}: {err}"
        );
        assert!(!d.path().join("out.txt").exists(), "{args:?}");
        assert!(!d.path().join("r.html").exists(), "{args:?}");
    }
    // Where they act.
    let explained = ok(&run_in(
        PREDICT,
        &[
            "--explain",
            "2",
            "--explain-against",
            "networking",
            "quick demo",
        ],
        d.path(),
    ));
    assert_eq!(explained.lines().count(), 1, "{explained}");
    let csv = ok(&run_in(
        PREDICT,
        &["-i", "a.csv", "--text-col", "body", "--delimiter", ";"],
        d.path(),
    ));
    assert!(csv.contains("\n1,quick demo this week,"), "{csv}");
    let report = [
        "--report",
        "r.html",
        "--explain-against",
        "networking",
        "-q",
    ];
    let args = ["-i", "a.csv", "--delimiter", ";", "--text-col", "body"];
    ok(&run_in(PREDICT, &[&args[..], &report].concat(), d.path()));
    assert!(d.path().join("r.html").is_file());
    ok(&run_in(
        PREDICT,
        &[
            "--invalid-utf8",
            "replace",
            "--max-field-bytes",
            "1000",
            "-",
        ],
        d.path(),
    ));
}

/// `--max-field-bytes` is one option of every CSV-reading binary; its help used to say
/// "also the longest line of `pitchsift-predict -`" in train, eval and label too. Each
/// binary's help now speaks of that binary: only pitchsift-predict reads message lines.
#[test]
fn max_field_bytes_help_speaks_of_its_own_binary() {
    const LABEL: &str = env!("CARGO_BIN_EXE_pitchsift-label");
    let help = |bin: &str| {
        let o = run_in(bin, &["--help"], Path::new("."));
        let out = ok(&o);
        let i = out.find("--max-field-bytes").expect("option listed");
        out[i..].lines().take(3).collect::<Vec<_>>().join(" ")
    };
    for bin in [TRAIN, EVAL, LABEL] {
        let h = help(bin);
        assert!(h.contains("Largest field accepted, in bytes"), "{h}");
        assert!(
            !h.contains("pitchsift-predict") && !h.contains("line"),
            "{h}"
        );
    }
    let h = help(PREDICT);
    assert!(
        h.contains(
            "Largest field accepted, in bytes (also the longest line of messages read from `-`)"
        ),
        "{h}"
    );
}
