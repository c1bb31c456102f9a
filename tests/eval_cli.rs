//! pitchsift-eval end to end: the real binary on small fixtures in a temporary directory.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{ok, run, s, stderr, write, EVAL, TRAIN};
use serde_json::Value;

/// A labelled corpus: 3 labels with 12, 9 and 6 rows (27 rows).
fn corpus(dir: &Path) -> PathBuf {
    let mut s = String::from("label,text\n");
    for i in 0..12 {
        s += &format!("sales,\"book a demo of our crm platform, offer {i}\"\n");
    }
    for i in 0..9 {
        s += &format!("networking,great meeting you at the conference number {i}\n");
    }
    for i in 0..6 {
        s += &format!("scam,send a gift card now to claim your prize {i}\n");
    }
    write(dir, "corpus.csv", s)
}

/// [`corpus`] and `m.model`, trained on it with the default options.
fn corpus_and_model(dir: &Path) -> (PathBuf, PathBuf) {
    let c = corpus(dir);
    let model = dir.join("m.model");
    ok(&run(TRAIN, &[s(&c), "-o", s(&model), "-q"]));
    (c, model)
}

/// Runs pitchsift-eval with `args`.
fn eval(args: &[&str]) -> Output {
    run(EVAL, args)
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn cv_validates_every_row_once_and_reports_every_key() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    let j = dir.path().join("cv.json");
    let out = eval(&[
        "--cv",
        "3",
        s(&c),
        "--seed",
        "4",
        "--json",
        s(&j),
        "--alpha",
        "0.5",
    ]);
    let stdout = ok(&out);
    assert!(stdout.contains("macro F1"), "{stdout}");
    let v = json(&j);
    for key in [
        "accuracy",
        "macro_f1",
        "per_label",
        "confusion",
        "log_loss",
        "brier",
        "ece",
        "mcc",
        "weighted_f1",
        "micro_f1",
        "macro_precision",
        "reliability",
    ] {
        assert!(v.get(key).is_some(), "missing key {key}");
    }
    // Every row validated exactly once: the confusion matrix holds all 27 rows and each
    // label's support is its row count.
    let total: u64 = v["confusion"]["matrix"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|x| x.as_u64().unwrap()))
        .sum();
    assert_eq!(total, 27);
    assert_eq!(v["n"], 27);
    assert_eq!(v["per_label"]["sales"]["support"], 12);
    assert_eq!(v["per_label"]["networking"]["support"], 9);
    assert_eq!(v["per_label"]["scam"]["support"], 6);
    assert_eq!(v["params"]["fit"]["alpha"], 0.5);
    assert_eq!(v["k"], 3);
}

#[test]
fn same_seed_same_result_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    for (jobs, out) in [("1", &a), ("3", &b)] {
        ok(&eval(&[
            "--cv",
            "4",
            s(&c),
            "--seed",
            "9",
            "-j",
            jobs,
            "--json",
            s(out),
        ]));
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn model_mode_counts_unknown_test_labels() {
    let dir = tempfile::tempdir().unwrap();
    let (_, model) = corpus_and_model(dir.path());
    let test = write(
        dir.path(),
        "test.csv",
        "label,text\nsales,book a demo of the crm\nscam,claim your gift card prize\n\
         recruiting,we are hiring a rust engineer\nnetworking,great meeting you\n",
    );
    let j = dir.path().join("t.json");
    let md = dir.path().join("t.md");
    let plots = dir.path().join("plots");
    let stdout = ok(&eval(&[
        "--model",
        s(&model),
        "--test",
        s(&test),
        "--json",
        s(&j),
        "--markdown",
        s(&md),
        "--plot",
        s(&plots),
    ]));
    assert!(stdout.contains("recruiting (1)"), "{stdout}");
    let v = json(&j);
    assert_eq!(v["n"], 4);
    assert_eq!(v["n_unknown"], 1);
    assert_eq!(v["unknown_labels"]["recruiting"], 1);
    // The unknown label is never predicted: its precision is undefined (null), its
    // recall 0.
    assert!(v["per_label"]["recruiting"]["precision"].is_null());
    assert_eq!(v["per_label"]["recruiting"]["recall"], 0.0);
    assert_eq!(v["confusion"]["labels"].as_array().unwrap().len(), 4);
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.contains("| accuracy |"), "{md}");
    for f in ["confusion.svg", "reliability.svg"] {
        let svg = std::fs::read_to_string(plots.join(f)).unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    }
}

#[test]
fn grid_ranks_configurations_and_writes_the_best_model() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    let j = dir.path().join("g.json");
    let model = dir.path().join("best.model");
    let stdout = ok(&eval(&[
        "--grid",
        s(&c),
        "--cv",
        "3",
        "--grid-model",
        "multinomial,complement",
        "--grid-alpha",
        "0.1,1",
        "--grid-ngrams",
        "1..1",
        "--grid-transform",
        "raw,log+idf+l2",
        "--grid-min-df",
        "1",
        "-o",
        s(&model),
        "--json",
        s(&j),
    ]));
    assert!(stdout.contains("rank"), "{stdout}");
    let v = json(&j);
    let grid = v["grid"].as_array().unwrap();
    assert_eq!(grid.len(), 2 * 2 * 2);
    // Sorted by macro-F1, best first; the report is the best configuration's.
    let f1: Vec<f64> = grid
        .iter()
        .map(|r| r["macro_f1"].as_f64().unwrap())
        .collect();
    assert!(f1.windows(2).all(|w| w[0] >= w[1]));
    assert_eq!(v["macro_f1"], grid[0]["macro_f1"]);
    assert_eq!(v["train_args"], grid[0]["train_args"]);
    // The written model loads and evaluates.
    let t = dir.path().join("t.json");
    ok(&eval(&[
        "--model",
        s(&model),
        "--test",
        s(&c),
        "--json",
        s(&t),
    ]));
    assert_eq!(json(&t)["params"], v["params"]);
}

#[test]
fn errors_name_the_problem_and_use_the_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    // No mode: usage (2).
    let out = eval(&[s(&c)]);
    assert_eq!(out.status.code(), Some(2));
    // Too few folds: usage (2).
    let out = eval(&["--cv", "1", s(&c)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("at least 2 folds"));
    // A corpus without the label column: bad data (1), naming the file.
    let bad = write(dir.path(), "bad.csv", "text\nhello\n");
    let out = eval(&["--cv", "2", s(&bad)]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("bad.csv:1") && err.contains("label"), "{err}");
    // A test file without rows: bad data (1), not a report of no rows with exit code 0.
    let model = dir.path().join("m.model");
    ok(&run(TRAIN, &[s(&c), "-o", s(&model), "-q"]));
    let empty = write(dir.path(), "empty.csv", "label,text\n");
    let out = eval(&["--model", s(&model), "--test", s(&empty)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("empty.csv: no labelled rows to evaluate"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
    // A corpus of a header and no row: bad data (1) naming it, as pitchsift-train says
    // it (it used to be a usage error, "cannot make 3 folds from 0 rows").
    for mode in [&["--cv", "3"][..], &["--grid"]] {
        let out = eval(&[mode, &[s(&empty)]].concat());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{mode:?}: {err}");
        assert!(err.contains("empty.csv: no documents to train on"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // A failed run leaves no report behind.
    let j = dir.path().join("none.json");
    let out = eval(&["--cv", "2", s(&bad), "--json", s(&j)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!j.exists());
}

/// `--model M --test T` with an option of --cv/--grid (`-o`, `--calibration`, ...): a
/// usage error naming the option, never a run that silently ignores it (no `-o` file).
#[test]
fn model_mode_refuses_cross_validation_options() {
    let dir = tempfile::tempdir().unwrap();
    let (c, model) = corpus_and_model(dir.path());
    let out_model = dir.path().join("best.model");
    // Where each belongs: -o is the best model of --grid only (it used to say "--cv or
    // --grid").
    let (grid, both) = ("(it belongs to --grid)", "(it belongs to --cv or --grid)");
    let cases: [(&[&str], &str, &str); 5] = [
        (&["-o", s(&out_model)], "-o/--output", grid),
        (&["--calibration", "isotonic"], "--calibration", both),
        (&["--group-col", "label"], "--group-col", both),
        (&["--always-train", s(&c)], "--always-train", both),
        (&["--cv-repeat", "3"], "--cv-repeat", both),
    ];
    for (extra, name, belongs) in cases {
        let mut args = vec!["--model", s(&model), "--test", s(&c)];
        args.extend_from_slice(extra);
        let out = eval(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(
            err.contains(name) && err.contains(belongs),
            "{extra:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{extra:?}: no report");
    }
    assert!(!out_model.exists());
    // The same model and test file without them: a report.
    ok(&eval(&["--model", s(&model), "--test", s(&c)]));
}

/// `pitchsift-eval --model M T.csv` (the test files as arguments, as the help of the
/// inputs says: "or test files with --model") gives the same report as `--model M
/// --test T.csv`; it used to be refused by clap ("invalid value 'M' for '--model'"),
/// `--model` being taken for the naive Bayes variant. With --cv, `--model` is still the
/// variant.
#[test]
fn model_with_test_files_as_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let (c, model) = corpus_and_model(dir.path());
    let with_test = ok(&eval(&["--model", s(&model), "--test", s(&c), "-q"]));
    let positional = ok(&eval(&["--model", s(&model), s(&c), "-q"]));
    assert_eq!(positional, with_test);
    let eq = format!("--model={}", s(&model));
    assert_eq!(ok(&eval(&[&eq, s(&c), "-q"])), with_test);
    assert!(with_test.contains("macro F1"), "{with_test}");
    let cv = ok(&eval(&["--cv", "3", s(&c), "--model", "complement", "-q"]));
    assert!(cv.starts_with("3-fold CV"), "{cv}");
}

/// Options that a run would silently ignore are refused (exit 2, naming the option and
/// where it belongs): training options with a model file (they used to be ignored: a
/// report of the model's own settings), the settings a --grid takes from its --grid-*
/// lists (`--grid --prior uniform` used to search the empirical prior only), and
/// --no-calibration with --cv (scores are uncalibrated there unless --calibration).
#[test]
fn options_a_run_would_ignore_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (c, model) = corpus_and_model(dir.path());
    let grid = [
        "--grid",
        s(&c),
        "--cv",
        "3",
        "--grid-alpha",
        "1",
        "--grid-ngrams",
        "1..1",
        "--grid-transform",
        "raw",
        "--grid-min-df",
        "1",
        "-q",
    ];
    let cases: [(Vec<&str>, &[&str]); 10] = [
        // The --grid-* lists without --grid (they used to be ignored, exit 0).
        (
            vec!["--cv", "3", s(&c), "--grid-alpha", "1"],
            &["--grid-alpha has no use without --grid"],
        ),
        (
            vec![
                "--model",
                s(&model),
                "--test",
                s(&c),
                "--grid-model",
                "complement",
                "--grid-min-df",
                "3",
            ],
            &["--grid-model has no use without --grid"],
        ),
        (
            vec!["--cv", "3", s(&c), "--grid-placeholders=off"],
            &["--grid-placeholders has no use without --grid"],
        ),
        (
            vec!["--model", s(&model), "--test", s(&c), "--alpha", "0.5"],
            &["--alpha has no use with --model", "--cv or --grid"],
        ),
        (
            vec!["--model", s(&model), s(&c), "--seed", "3"],
            &["--seed has no use with --model"],
        ),
        (
            [&grid[..], &["--alpha", "0.5"]].concat(),
            &["--alpha has no use with --grid", "--grid-alpha"],
        ),
        (
            [&grid[..], &["--prior", "uniform"]].concat(),
            &["--prior has no use with --grid", "--grid-prior"],
        ),
        (
            [&grid[..], &["--model=complement"]].concat(),
            &["--model has no use with --grid", "--grid-model"],
        ),
        (
            vec!["--cv", "3", s(&c), "--no-calibration"],
            &["--no-calibration is of --model"],
        ),
        // A model file where --cv takes the variant: said so (clap said only "invalid
        // value ... possible values: multinomial, complement").
        (
            vec!["--cv", "3", s(&c), "--model", s(&model)],
            &[
                "with --cv and --grid, --model is the naive Bayes variant",
                "--test FILE.csv",
            ],
        ),
    ];
    for (args, parts) in cases {
        let out = eval(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(parts.iter().all(|p| err.contains(p)), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}: no report");
    }
    // Where they act, they are accepted.
    ok(&eval(&[
        "--cv",
        "3",
        s(&c),
        "--alpha",
        "0.5",
        "--seed",
        "3",
        "-q",
    ]));
    ok(&eval(&[&grid[..], &["--max-features", "5"]].concat()));
    ok(&eval(&[
        "--model",
        s(&model),
        "--test",
        s(&c),
        "--no-calibration",
        "-q",
    ]));
}

#[test]
fn grid_priors_apply_to_multinomial_only_and_placeholders_recount() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    let j = dir.path().join("g.json");
    ok(&eval(&[
        "--grid",
        s(&c),
        "--cv",
        "3",
        "--grid-model",
        "multinomial,complement",
        "--grid-prior",
        "empirical,uniform",
        "--grid-placeholders",
        "on,off",
        "--grid-alpha",
        "1",
        "--grid-ngrams",
        "1..1",
        "--grid-transform",
        "raw",
        "--grid-min-df",
        "1",
        "--json",
        s(&j),
    ]));
    let v = json(&j);
    let grid = v["grid"].as_array().unwrap();
    // Per placeholder setting: multinomial x 2 priors + complement x 1 = 3.
    assert_eq!(grid.len(), 2 * 3);
    let args: Vec<String> = grid.iter().map(|r| r["train_args"].to_string()).collect();
    let uniform = args
        .iter()
        .filter(|a| a.contains("\"--prior\",\"uniform\""))
        .count();
    assert_eq!(uniform, 2);
    assert!(args
        .iter()
        .all(|a| !(a.contains("complement") && a.contains("--prior"))));
    let off = args
        .iter()
        .filter(|a| a.contains("--no-placeholders"))
        .count();
    assert_eq!(off, 3);
}

#[test]
fn repeated_cv_validates_every_row_once_per_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    let j = dir.path().join("r.json");
    ok(&eval(&[
        "--cv",
        "3",
        "--cv-repeat",
        "2",
        s(&c),
        "--json",
        s(&j),
    ]));
    let v = json(&j);
    assert_eq!(v["n"], 54);
    assert_eq!(v["per_label"]["scam"]["support"], 12);
    assert_eq!(
        eval(&["--cv", "3", "--cv-repeat", "0", s(&c)])
            .status
            .code(),
        Some(2)
    );
}

/// A training or test file given twice (or by another spelling) is refused, naming both
/// (exit 2, nothing written): its rows used to be counted twice, and cross-validation then
/// tested rows that its training folds also held (an optimistic score).
#[test]
fn a_file_given_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    let again = format!("{}/./corpus.csv", dir.path().display());
    let model = dir.path().join("m.model");
    let twice = "are the same file; its rows would be";
    let cases: [(&str, Vec<&str>); 5] = [
        (TRAIN, vec![s(&c), &again, "-o", s(&model)]),
        (
            TRAIN,
            vec![s(&c), "--always-train", &again, "-o", s(&model)],
        ),
        (EVAL, vec!["--cv", "3", s(&c), &again]),
        (EVAL, vec!["--cv", "3", s(&c), "--always-train", &again]),
        (EVAL, vec!["--grid", s(&c), &again, "-o", s(&model)]),
    ];
    for (bin, args) in cases {
        let out = run(bin, &args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(twice) && err.contains(&again),
            "{args:?}: {err}"
        );
        assert!(!model.exists(), "{args:?}: nothing written");
    }
    ok(&run(TRAIN, &[s(&c), "-o", s(&model), "-q"]));
    let out = eval(&["--model", s(&model), "--test", s(&c), &again]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("its rows would be scored twice"));
    // Another file with the same rows is another file: accepted.
    let copy = dir.path().join("copy.csv");
    std::fs::copy(&c, &copy).unwrap();
    ok(&eval(&["--cv", "3", s(&c), s(&copy), "-q"]));
}

/// An output named like an existing directory is refused before any work (exit 1, naming
/// it and its option), and the run's other outputs stay as they were: `--markdown DIR`
/// used to fail only when the outputs were renamed, after `--json` had been replaced and
/// the report printed.
#[test]
fn an_output_that_is_a_directory_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let (c, model) = corpus_and_model(dir.path());
    let a_dir = dir.path().join("a-dir");
    std::fs::create_dir(&a_dir).unwrap();
    let json = write(dir.path(), "out.json", "old\n");
    let cases: [(&str, Vec<&str>, &str); 3] = [
        (
            TRAIN,
            vec![s(&c), "-o", s(&a_dir)],
            "the output is a directory",
        ),
        (
            EVAL,
            vec![
                "--model",
                s(&model),
                "--test",
                s(&c),
                "--json",
                s(&json),
                "--markdown",
                s(&a_dir),
            ],
            "--markdown is a directory",
        ),
        (
            common::PREDICT,
            vec!["-m", s(&model), "-i", s(&c), "-o", s(&a_dir)],
            "is a directory",
        ),
    ];
    for (bin, args, says) in cases {
        let out = run(bin, &args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains(s(&a_dir)) && err.contains(says),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?}: no report");
    }
    assert_eq!(std::fs::read_to_string(&json).unwrap(), "old\n");
    assert_eq!(std::fs::read_dir(&a_dir).unwrap().count(), 0);
}

/// The two runs of [`a_closed_or_full_stdout_keeps_the_exit_codes_and_the_files`]: a
/// model file scored with `--json TAG.json`, and a grid with `--json TAG.json -o
/// TAG.model`; with the files each writes.
fn runs_with_files(
    dir: &Path,
    c: &Path,
    model: &Path,
    tag: &str,
) -> [(Vec<String>, Vec<PathBuf>); 2] {
    let (j, m) = (
        dir.join(format!("{tag}.json")),
        dir.join(format!("{tag}.model")),
    );
    let args = |a: &[&str]| a.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    [
        (
            args(&["--model", s(model), "--test", s(c), "--json", s(&j), "-q"]),
            vec![j.clone()],
        ),
        (
            args(&[
                "--grid",
                s(c),
                "--cv",
                "3",
                "--grid-alpha",
                "1",
                "--grid-model",
                "complement",
                "--json",
                s(&j),
                "-o",
                s(&m),
                "-q",
            ]),
            vec![j.clone(), m],
        ),
    ]
}

/// The report on standard output is written before the files are renamed into place, and
/// through an error instead of `print!`: a reader that has gone away (`| head`, a closed
/// pipe) ends the run quietly with 0 and every file output is still written; a full
/// standard output (`> /dev/full`) is a one-line error, exit 1, with no file written.
/// Both used to panic ("failed printing to stdout", exit 101) before any file was
/// written, with a model file and with --grid -o.
#[test]
fn a_closed_or_full_stdout_keeps_the_exit_codes_and_the_files() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (c, model) = corpus_and_model(d);
    // A closed pipe: the reader is gone before the report is written.
    for (i, (args, files)) in runs_with_files(d, &c, &model, "closed")
        .into_iter()
        .enumerate()
    {
        let mut child = Command::new(EVAL)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
        assert!(json(&files[0])["accuracy"].is_number(), "{args:?}");
        if i == 1 {
            let m = pitchsift::model_file::load(&files[1], pitchsift::model_file::Load::Full);
            assert!(m.is_ok(), "{:?}", m.err());
        }
        for f in files {
            std::fs::remove_file(f).unwrap();
        }
    }
    // A full standard output: an error naming it, and nothing written.
    for (args, files) in runs_with_files(d, &c, &model, "full") {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = Command::new(EVAL)
            .args(&args)
            .stdout(full)
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.starts_with("pitchsift-eval: error: standard output: No space left on device")
                && err.lines().count() == 1,
            "{args:?}: {err}"
        );
        assert!(files.iter().all(|f| !f.exists()), "{args:?}");
    }
}
