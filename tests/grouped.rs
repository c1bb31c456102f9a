//! Real-inbox evaluation end to end: grouped cross-validation with always-train files,
//! row weights, calibration fitted on grouped out-of-fold scores, pruned counts, and the
//! bad-input handling of the new columns.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{ok, run, s, stderr, write, EVAL, INSPECT, MERGE, PREDICT, TRAIN};
use serde_json::Value;

/// Messages of three "inboxes" (`source`), written for this test: each inbox has its own
/// vocabulary beside the label's, so which rows train a fold matters.
fn inboxes(dir: &Path) -> PathBuf {
    let mut s = String::from("label,text,source\n");
    let words = ["alpha", "bravo", "charlie"];
    for (g, w) in words.iter().enumerate() {
        for i in 0..4 {
            s += &format!("sales,{w} book a demo of our platform {i},inbox-{g}\n");
            s += &format!("networking,{w} great meeting you at the meetup {i},inbox-{g}\n");
        }
        s += &format!("networking,{w} demo day was great to meet you,inbox-{g}\n");
        s += &format!("sales,{w} meeting about our platform pricing,inbox-{g}\n");
    }
    write(dir, "real.csv", s)
}

/// A written corpus without a `source` column: in every training fold.
fn written(dir: &Path) -> PathBuf {
    let mut s = String::from("label,text\n");
    for i in 0..5 {
        s += &format!("sales,limited offer on our software licence {i}\n");
        s += &format!("networking,thanks for connecting after the talk {i}\n");
        s += &format!("scam,pay the fee by gift card to release your prize {i}\n");
    }
    write(dir, "written.csv", s)
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            headers
                .iter()
                .zip(rec.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn leave_one_inbox_out_equals_training_without_each_inbox() {
    // The oracle: for each inbox, pitchsift-train on the other inboxes and the written
    // corpus, pitchsift-predict the inbox; eval's per-group accuracy must match.
    let dir = tempfile::tempdir().unwrap();
    let (real, wr) = (inboxes(dir.path()), written(dir.path()));
    let j = dir.path().join("cv.json");
    let opts = ["--alpha", "0.3", "--ngrams", "1..2"];
    let mut args = vec![
        "--cv",
        "3",
        s(&real),
        "--group-col",
        "source",
        "--always-train",
        s(&wr),
        "--json",
        s(&j),
        "-q",
    ];
    args.extend(opts);
    let out = ok(&run(EVAL, &args));
    // The per-group section of the text report is plain text, as the rest of it.
    assert!(
        out.contains("\nper group\n\ngroup    rows  accuracy  macro-F1\n"),
        "{out}"
    );
    assert!(out.contains("\nmean group macro-F1 "), "{out}");
    assert!(!out.contains("##") && !out.contains('|'), "{out}");
    let v = json(&j);
    // Only the real rows are scored: 3 inboxes x 10 rows.
    assert_eq!(v["n"], 30);
    let groups = v["groups"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3);
    let all = rows(&real);
    let mut right_total = 0;
    for g in 0..3 {
        let name = format!("inbox-{g}");
        let (held, rest): (Vec<_>, Vec<_>) = all.iter().partition(|r| r["source"] == name);
        let mut train = String::from("label,text\n");
        for r in &rest {
            train += &format!("{},{}\n", r["label"], r["text"]);
        }
        let train = write(dir.path(), &format!("train-{g}.csv"), train);
        let model = dir.path().join(format!("m{g}.model"));
        let mut t = vec![s(&train), s(&wr), "-o", s(&model), "-q"];
        t.extend(opts);
        ok(&run(TRAIN, &t));
        let texts: Vec<&str> = held.iter().map(|r| r["text"].as_str()).collect();
        let mut p = vec!["--model", s(&model), "--no-calibration"];
        p.extend(texts.iter().copied());
        let predicted = ok(&run(PREDICT, &p));
        let right = predicted
            .lines()
            .zip(&held)
            .filter(|(line, r)| line.split('\t').next() == Some(r["label"].as_str()))
            .count();
        right_total += right;
        let reported = groups.iter().find(|x| x["group"] == name.as_str()).unwrap();
        assert_eq!(reported["rows"], 10);
        let acc = reported["accuracy"].as_f64().unwrap();
        assert!(
            (acc - right as f64 / 10.0).abs() < 1e-12,
            "{name}: eval {acc}, train+predict {right}/10"
        );
    }
    let acc = v["accuracy"].as_f64().unwrap();
    assert!((acc - right_total as f64 / 30.0).abs() < 1e-12);
    assert!(v["groups"]["mean_group_macro_f1"].is_number());
}

#[test]
fn small_groups_pool_and_too_many_folds_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let real = inboxes(dir.path());
    // 3 groups of 10 rows: with --min-group 11 they pool into one group, too few for 2 folds.
    let o = run(
        EVAL,
        &[
            "--cv",
            "2",
            s(&real),
            "--group-col",
            "source",
            "--min-group",
            "11",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot make 2 folds from 1 group ("),
        "{}",
        stderr(&o)
    );
    let o = run(EVAL, &["--cv", "4", s(&real), "--group-col", "source"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot make 4 folds from 3 groups"));
}

#[test]
fn bad_group_and_weight_fields_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let real = inboxes(dir.path());
    // No such column.
    let o = run(EVAL, &["--cv", "2", s(&real), "--group-col", "inbox"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("real.csv:1: no column `inbox`"),
        "{}",
        stderr(&o)
    );
    // An empty group on line 3.
    let bad = write(
        dir.path(),
        "bad.csv",
        "label,text,source\nsales,demo,a\nsales,demo two,\nnetworking,hi,b\n",
    );
    let o = run(EVAL, &["--cv", "2", s(&bad), "--group-col", "source"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("bad.csv:3: column `source`: empty group"),
        "{}",
        stderr(&o)
    );
    // A weight that is not a whole number, in training: nothing written.
    let w = write(
        dir.path(),
        "w.csv",
        "label,text,weight\nsales,demo,2\nnetworking,hi,1.5\n",
    );
    let model = dir.path().join("w.model");
    let o = run(TRAIN, &[s(&w), "-o", s(&model)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("w.csv:3: column `weight`: weight `1.5` is not a whole number"),
        "{}",
        stderr(&o)
    );
    assert!(!model.exists());
    // A weight column named on the command line must exist.
    let o = run(TRAIN, &[s(&real), "-o", s(&model), "--weight-col", "w"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no column `w`"), "{}", stderr(&o));
}

#[test]
fn weight_column_counts_a_row_as_that_many_copies_for_multinomial_nb() {
    // Raw counts, min-df 1, no idf: the model depends on term and class counts only, so
    // weight 3 predicts like three copies of the row (weight 0 like no row).
    let dir = tempfile::tempdir().unwrap();
    let weighted = write(
        dir.path(),
        "weighted.csv",
        "label,text,weight\nsales,book a demo today,3\nnetworking,great talk today,1\nsales,great demo,0\nnetworking,see you at the meetup,\n",
    );
    let copies = write(
        dir.path(),
        "copies.csv",
        "label,text\nsales,book a demo today\nsales,book a demo today\nsales,book a demo today\nnetworking,great talk today\nnetworking,see you at the meetup\n",
    );
    let (a, b) = (dir.path().join("a.model"), dir.path().join("b.model"));
    ok(&run(TRAIN, &[s(&weighted), "-o", s(&a), "-q"]));
    ok(&run(TRAIN, &[s(&copies), "-o", s(&b), "-q"]));
    let msgs = ["a demo today", "great talk", "meetup"];
    let ask = |m: &Path| {
        let mut args = vec!["--model", s(m)];
        args.extend(msgs);
        ok(&run(PREDICT, &args))
    };
    assert_eq!(ask(&a), ask(&b));
}

#[test]
fn calibration_fits_the_grouped_out_of_fold_scores_of_the_non_written_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (real, wr) = (inboxes(dir.path()), written(dir.path()));
    let model = dir.path().join("cal.model");
    ok(&run(
        TRAIN,
        &[
            s(&real),
            "--always-train",
            s(&wr),
            "--calibration",
            "isotonic",
            "--calibration-folds",
            "3",
            "--group-col",
            "source",
            "-o",
            s(&model),
            "-q",
        ],
    ));
    let v: Value = serde_json::from_str(&ok(&run(INSPECT, &[s(&model), "--json"]))).unwrap();
    // 30 real rows scored out of fold; the 15 written rows trained on, not scored.
    assert_eq!(v["calibration"]["n_docs"], 30);
    assert_eq!(v["calibration"]["folds"], 3);
    assert_eq!(v["documents"], 45);
    // --group-col or --calibration-folds without calibration is a usage error that says
    // why, also with `--calibration none` given (which used to ignore --group-col
    // silently); the model is left as it was.
    let before = std::fs::read(&model).unwrap();
    let cases: [&[&str]; 3] = [
        &["--group-col", "source"],
        &["--group-col", "source", "--calibration", "none"],
        &["--calibration-folds", "3"],
    ];
    for extra in cases {
        let mut args = vec![s(&real), "-o", s(&model)];
        args.extend_from_slice(extra);
        let o = run(TRAIN, &args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        let err = stderr(&o);
        assert!(
            err.contains(&format!("{} has no use without --calibration", extra[0])),
            "{extra:?}: {err}"
        );
    }
    assert_eq!(std::fs::read(&model).unwrap(), before);
}

#[test]
fn pruned_counts_keep_the_answers_and_say_growing_is_not_exact() {
    let dir = tempfile::tempdir().unwrap();
    let (real, wr) = (inboxes(dir.path()), written(dir.path()));
    let (full, pruned) = (
        dir.path().join("full.model"),
        dir.path().join("pruned.model"),
    );
    let base = [s(&real), s(&wr), "--min-df", "2", "-q"];
    let mut a = base.to_vec();
    a.extend(["-o", s(&full)]);
    ok(&run(TRAIN, &a));
    let mut b = base.to_vec();
    b.extend(["-o", s(&pruned), "--prune-counts"]);
    ok(&run(TRAIN, &b));
    let ask = |m: &Path| {
        ok(&run(
            PREDICT,
            &["--model", s(m), "--format", "jsonl", "--input", s(&real)],
        ))
    };
    assert_eq!(ask(&full), ask(&pruned));
    // The stored counts lose exactly the terms the features already lacked.
    let vocab = |m: &Path| -> Value {
        let v: Value = serde_json::from_str(&ok(&run(INSPECT, &[s(m), "--json"]))).unwrap();
        v["vocabulary"].clone()
    };
    let (vf, vp) = (vocab(&full), vocab(&pruned));
    assert_eq!(vf["features"], vp["features"]);
    assert_eq!(vp["terms_counted"], vp["features"]);
    assert!(vf["terms_counted"].as_u64() > vf["features"].as_u64());
    let info = ok(&run(INSPECT, &[s(&pruned)]));
    assert!(
        info.contains("not exact:   counts: terms in fewer than 2 documents"),
        "{info}"
    );
    assert!(!ok(&run(INSPECT, &[s(&full)])).contains("not exact"));
    // Grown with data whose rare terms are kept (a merge, an update), the note no longer
    // says the stored counts lack every rare term: they hold the added data's.
    let merged = dir.path().join("merged.model");
    ok(&run(MERGE, &[s(&pruned), s(&full), "-o", s(&merged)]));
    let updated = dir.path().join("updated.model");
    let more = write(
        dir.path(),
        "more.csv",
        "label,text\nsales,a zorblat offer for your team\n",
    );
    ok(&run(
        TRAIN,
        &["--update", s(&pruned), s(&more), "-o", s(&updated), "-q"],
    ));
    for grown in [&merged, &updated] {
        let v = vocab(grown);
        assert!(v["terms_counted"].as_u64() > v["features"].as_u64());
        let info = ok(&run(INSPECT, &[s(grown)]));
        assert!(
            info.contains("a model it grew from had its rare terms left out"),
            "{info}"
        );
        assert!(!info.contains("terms in fewer than"), "{info}");
    }
    // Pruned again: the stored counts lack every rare term again, and say so once.
    let again = dir.path().join("again.model");
    ok(&run(
        TRAIN,
        &[
            "--update",
            s(&pruned),
            s(&more),
            "-o",
            s(&again),
            "--prune-counts",
            "-q",
        ],
    ));
    let v = vocab(&again);
    assert_eq!(v["terms_counted"], v["features"]);
    let info = ok(&run(INSPECT, &[s(&again)]));
    assert!(
        info.contains("counts: terms in fewer than 2 documents"),
        "{info}"
    );
    assert!(!info.contains("a model it grew from"), "{info}");
}

#[test]
fn update_accepts_the_models_own_hash_bits_and_refuses_others() {
    let dir = tempfile::tempdir().unwrap();
    let wr = written(dir.path());
    let model = dir.path().join("h.model");
    ok(&run(
        TRAIN,
        &[s(&wr), "-o", s(&model), "--hash-bits", "18", "-q"],
    ));
    let grown = dir.path().join("g.model");
    ok(&run(
        TRAIN,
        &[
            s(&wr),
            "--update",
            s(&model),
            "--hash-bits",
            "18",
            "-o",
            s(&grown),
            "-q",
        ],
    ));
    let o = run(
        TRAIN,
        &[
            s(&wr),
            "--update",
            s(&model),
            "--hash-bits",
            "16",
            "-o",
            s(&grown),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--hash-bits contradicts"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("18 hash bits"), "{}", stderr(&o));
}

#[test]
fn printed_training_commands_keep_hash_bits() {
    // The command eval prints for the chosen settings must train the same model.
    let dir = tempfile::tempdir().unwrap();
    let wr = written(dir.path());
    let j = dir.path().join("g.json");
    ok(&run(
        EVAL,
        &[
            "--grid",
            s(&wr),
            "--cv",
            "2",
            "--hash-bits",
            "12",
            "--grid-model",
            "multinomial",
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
            "-q",
        ],
    ));
    let v = json(&j);
    let rows = v["grid"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    let args: Vec<&str> = rows[0]["train_args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let i = args
        .iter()
        .position(|&a| a == "--hash-bits")
        .expect("--hash-bits printed");
    assert_eq!(args[i + 1], "12");
}
