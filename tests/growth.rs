//! Growing models (issue 8), end to end with the real binaries in fresh directories:
//! `pitchsift-train --update` and `pitchsift-merge` give the same bytes as training on
//! all the data at once, and the sharded recipe (scripts/shard_recipe.sh with GNU
//! parallel) does too.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{assert_ok, repo_file, run_in, stderr, write, MERGE, TRAIN};
use pitchsift::model_file::{self, Load};

fn bytes(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A deterministic corpus of `n` messages with the given labels (xorshift, seeded):
/// shared words, words typical of each label, and some fields that need CSV quoting
/// (commas, double quotes, newlines). `extra` words are mixed into every message.
fn corpus(seed: u64, n: usize, labels: &[&str], extra: &[&str]) -> String {
    const COMMON: [&str; 12] = [
        "hi", "thanks", "your", "profile", "team", "quick", "connect", "work", "time", "week",
        "great", "would",
    ];
    let typical = |label: &str| -> &[&str] {
        match label {
            "networking" => &["meetup", "talk", "conference", "alumni", "congrats"],
            "sales" => &["demo", "pricing", "platform", "roi", "trial"],
            "recruiting" => &["hiring", "role", "salary", "engineer", "interview"],
            "scam" => &["wire", "crypto", "guaranteed", "urgent", "inheritance"],
            _ => &["maybe", "perhaps", "venture", "equity", "partner"],
        }
    };
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move |m: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % m as u64) as usize
    };
    let mut out = String::from("label,text\n");
    for _ in 0..n {
        let label = labels[next(labels.len())];
        let mut words: Vec<&str> = Vec::new();
        for _ in 0..3 + next(12) {
            words.push(if next(3) == 0 {
                typical(label)[next(5)]
            } else {
                COMMON[next(COMMON.len())]
            });
        }
        words.extend_from_slice(extra);
        let mut text = words.join(" ");
        match next(8) {
            0 => text.push_str(", really"),
            1 => text = format!("say \"{text}\""),
            2 => text.push_str("\nsecond line"),
            _ => {}
        }
        let quoted = text.contains([',', '"', '\n']);
        if quoted {
            out.push_str(&format!("{label},\"{}\"\n", text.replace('"', "\"\"")));
        } else {
            out.push_str(&format!("{label},{text}\n"));
        }
    }
    out
}

/// Train `inputs` into `out` with `opts`; return the file's bytes.
fn train(dir: &Path, inputs: &[&str], out: &str, opts: &[&str]) -> Vec<u8> {
    let mut args: Vec<&str> = vec!["-q", "-o", out];
    args.extend_from_slice(opts);
    args.extend_from_slice(inputs);
    assert_ok(&run_in(TRAIN, &args, dir));
    bytes(dir, out)
}

const LABELS: [&str; 3] = ["networking", "sales", "recruiting"];

#[test]
fn update_is_byte_identical_to_training_on_all_data() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    // B brings a new label (scam) and new words; `zebrafish` occurs in one document of A
    // and one of B, so with --min-df 2 it is pruned from model(A) and must come back
    // after the update: pruning has to be recomputed from the full counts.
    let mut a = corpus(1, 60, &LABELS, &[]);
    a.push_str("sales,zebrafish demo\n");
    let mut b = corpus(2, 25, &["networking", "sales", "scam"], &["fresh"]);
    b.push_str("networking,zebrafish meetup\n");
    write(dir, "a.csv", &a);
    write(dir, "b.csv", &b);
    let cases: [&[&str]; 3] = [
        &["--min-df", "2", "--max-features", "40"],
        &[
            "--model",
            "complement",
            "--tf",
            "log",
            "--idf",
            "--norm",
            "l2",
            "--min-df",
            "2",
        ],
        // Shortest decimal of 17 digits: serde_json without `float_roundtrip` reads it
        // back one ulp off, and the updated model would then differ from the trained one.
        &["--alpha", "1.7546217903306627", "--ngrams", "1..3"],
    ];
    for opts in cases {
        let base = train(dir, &["a.csv"], "a.model", opts);
        let whole = train(dir, &["a.csv", "b.csv"], "whole.model", opts);
        assert_ne!(base, whole);
        assert_ok(&run_in(
            TRAIN,
            &["-q", "--update", "a.model", "b.csv", "-o", "up.model"],
            dir,
        ));
        assert!(
            bytes(dir, "up.model") == whole,
            "update differs with {opts:?}"
        );

        let up = model_file::load(&dir.join("up.model"), Load::Full).unwrap();
        let old = model_file::load(&dir.join("a.model"), Load::Full).unwrap();
        assert!(
            up.labels.contains(&"scam".to_string()) && !old.labels.contains(&"scam".to_string())
        );
        assert!(up.feature_id("fresh").is_some() && old.feature_id("fresh").is_none());
        if opts.contains(&"--max-features") {
            assert_eq!((old.n_features(), up.n_features()), (40, 40));
        } else if opts.contains(&"--min-df") {
            assert!(up.feature_id("zebrafish").is_some() && old.feature_id("zebrafish").is_none());
        }
    }
    // Updating in two steps, one corpus at a time, is the same again; --update may write
    // over its own base model (the write is atomic).
    let opts = cases[0];
    train(dir, &["a.csv"], "steps.model", opts);
    write(dir, "b1.csv", corpus(3, 10, &["scam", "sales"], &[]));
    write(dir, "b2.csv", corpus(4, 10, &LABELS, &["newword"]));
    for part in ["b1.csv", "b2.csv"] {
        assert_ok(&run_in(
            TRAIN,
            &["-q", "--update", "steps.model", part, "-o", "steps.model"],
            dir,
        ));
    }
    let whole = train(dir, &["a.csv", "b1.csv", "b2.csv"], "whole.model", opts);
    assert!(bytes(dir, "steps.model") == whole);
}

#[test]
fn merge_of_shards_is_byte_identical_to_training_on_the_union() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let shards: Vec<String> = (0..4)
        .map(|i| {
            let name = format!("s{i}.csv");
            // Shard 3 alone has `scam` and its own words.
            let labels: &[&str] = if i == 3 { &["sales", "scam"] } else { &LABELS };
            let extra: &[&str] = if i == 1 { &["onlyhere"] } else { &[] };
            write(dir, &name, corpus(10 + i, 30, labels, extra));
            name
        })
        .collect();
    let s: Vec<&str> = shards.iter().map(String::as_str).collect();
    for model in ["multinomial", "complement"] {
        let opts = ["--model", model, "--min-df", "3", "--max-features", "30"];
        for (k, group) in [(2, &s[..2]), (4, &s[..])] {
            let whole = train(dir, group, "whole.model", &opts);
            let mut names = Vec::new();
            for (i, shard) in group.iter().enumerate() {
                let name = format!("part{i}.model");
                train(dir, &[shard], &name, &opts);
                names.push(name);
            }
            // Any order of the shards gives the same model.
            let mut args: Vec<&str> = vec!["-q", "-o", "merged.model"];
            args.extend(names.iter().rev().map(String::as_str));
            assert_ok(&run_in(MERGE, &args, dir));
            assert!(
                bytes(dir, "merged.model") == whole,
                "{model}, {k} shards: merged model differs from training on the union"
            );
        }
    }
    // The summary counts the models given, in the singular for one.
    let o = run_in(MERGE, &["-o", "one.model", "part0.model"], dir);
    assert_ok(&o);
    assert!(
        stderr(&o).starts_with("pitchsift-merge: 1 model, "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn merge_refuses_models_with_different_settings() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "a.csv", corpus(5, 30, &LABELS, &[]));
    write(dir, "b.csv", corpus(6, 30, &LABELS, &[]));
    train(dir, &["a.csv"], "a.model", &[]);
    train(dir, &["b.csv"], "uni.model", &["--ngrams", "1"]);
    train(dir, &["b.csv"], "cnb.model", &["--model", "complement"]);
    let o = run_in(MERGE, &["a.model", "uni.model", "-o", "m.model"], dir);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with("pitchsift-merge: error: cannot merge uni.model into a.model")
            && err.contains("analyzer.ngram_max is 2 in a.model but 1 in uni.model"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let o = run_in(MERGE, &["a.model", "cnb.model", "-o", "m.model"], dir);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o)
            .contains("fit.model is \"multinomial\" in a.model but \"complement\" in cnb.model"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.join("m.model").exists(), "no output after a refusal");
}

/// A merge adds the counts of disjoint parts: the same model file given twice (a glob
/// and a name, another spelling, a hard link) would count its documents twice, so it is
/// refused as usage (2) naming both, and nothing is written.
#[test]
fn merge_refuses_the_same_model_twice() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "a.csv", corpus(5, 30, &LABELS, &[]));
    write(dir, "b.csv", corpus(6, 30, &LABELS, &[]));
    train(dir, &["a.csv"], "a.model", &[]);
    train(dir, &["b.csv"], "b.model", &[]);
    std::fs::hard_link(dir.join("a.model"), dir.join("link.model")).unwrap();
    for twice in [
        ["a.model", "b.model", "a.model"],
        ["a.model", "b.model", "./a.model"],
        ["link.model", "b.model", "a.model"],
    ] {
        let mut args = twice.to_vec();
        args.extend(["-o", "m.model"]);
        let o = run_in(MERGE, &args, dir);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{twice:?}: {err}");
        assert!(
            err.contains(&format!("{} and {} are the same file", twice[0], twice[2]))
                && err.contains("count twice"),
            "{twice:?}: {err}"
        );
        assert!(!dir.join("m.model").exists(), "{twice:?}");
    }
    assert_ok(&run_in(
        MERGE,
        &["a.model", "b.model", "-o", "m.model"],
        dir,
    ));
}

#[test]
fn update_refuses_options_that_contradict_the_model() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "a.csv", corpus(7, 30, &LABELS, &[]));
    write(dir, "b.csv", corpus(8, 10, &LABELS, &[]));
    train(
        dir,
        &["a.csv"],
        "a.model",
        &["--model", "complement", "--min-df", "2"],
    );
    for bad in [
        &["--ngrams", "1"][..],
        &["--model", "multinomial"],
        &["--min-df", "1"],
        &["--no-lowercase"],
    ] {
        let mut args = vec!["--update", "a.model", "b.csv", "-o", "up.model"];
        args.extend_from_slice(bad);
        let o = run_in(TRAIN, &args, dir);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("{} contradicts a.model", bad[0])),
            "{}",
            stderr(&o)
        );
        assert!(!dir.join("up.model").exists());
    }
    // Options that agree with the model, and the label column of the new file, are fine.
    write(
        dir,
        "c.csv",
        corpus(8, 10, &LABELS, &[]).replacen("label,text", "category,text", 1),
    );
    assert_ok(&run_in(
        TRAIN,
        &[
            "-q",
            "--update",
            "a.model",
            "c.csv",
            "-o",
            "up.model",
            "--model",
            "complement",
            "--min-df",
            "2",
            "--label-col",
            "category",
        ],
        dir,
    ));
    let whole = train(
        dir,
        &["a.csv", "b.csv"],
        "whole.model",
        &["--model", "complement", "--min-df", "2"],
    );
    assert!(bytes(dir, "up.model") == whole);
}

/// On --update the options given are compared with the model's settings, not judged
/// alone with the command line's defaults: `--weight-norm` on a complement model with
/// weight normalisation agrees and is accepted (it was refused, "weight normalisation
/// applies to the complement model only", the default --model being multinomial). A
/// conflict names both values in words ("it has no feature hashing", never "null" or
/// "false"); an option the model's variant cannot use says so (`--prior uniform` on a
/// complement model was "it has empirical").
#[test]
fn update_judges_options_against_the_models_settings() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "a.csv", corpus(7, 30, &LABELS, &[]));
    write(dir, "b.csv", corpus(8, 10, &LABELS, &[]));
    let cwn = ["--model", "complement", "--weight-norm"];
    train(dir, &["a.csv"], "cwn.model", &cwn);
    train(dir, &["a.csv"], "mnb.model", &[]);
    let update = |model: &str, opts: &[&str]| {
        let mut args = vec!["--update", model, "b.csv", "-o", "up.model", "-q"];
        args.extend_from_slice(opts);
        run_in(TRAIN, &args, dir)
    };
    // Agreeing options, alone or with --model: accepted, the same bytes as training on all.
    let whole = train(dir, &["a.csv", "b.csv"], "whole.model", &cwn);
    for opts in [&["--weight-norm"][..], &cwn, &["--prior", "empirical"]] {
        assert_ok(&update("cwn.model", opts));
        assert!(bytes(dir, "up.model") == whole, "{opts:?}");
        std::fs::remove_file(dir.join("up.model")).unwrap();
    }
    let cases: [(&str, &[&str], &[&str]); 7] = [
        (
            "cwn.model",
            &["--model", "multinomial"],
            &["--model contradicts cwn.model: it has the complement model, --model asks for the multinomial model"],
        ),
        (
            "cwn.model",
            &["--prior", "uniform"],
            &["prior `uniform` has no effect on the complement model", "cwn.model has the complement model"],
        ),
        (
            "mnb.model",
            &["--weight-norm"],
            &["weight normalisation applies to the complement model only", "mnb.model has the multinomial model"],
        ),
        (
            "mnb.model",
            &["--max-features", "10"],
            &["--max-features contradicts mnb.model: it has no --max-features cap, --max-features asks for at most 10 features"],
        ),
        (
            "mnb.model",
            &["--idf"],
            &["--idf contradicts mnb.model: it has idf off, --idf asks for idf on"],
        ),
        (
            "mnb.model",
            &["--hash-bits", "12"],
            &["it has no feature hashing, --hash-bits asks for 12 hash bits"],
        ),
        (
            "mnb.model",
            &["--alpha", "0"],
            &["alpha must be a finite number > 0 (got 0)"],
        ),
    ];
    for (model, opts, says) in cases {
        let o = update(model, opts);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{opts:?}: {err}");
        assert!(says.iter().all(|p| err.contains(p)), "{opts:?}: {err}");
        assert!(
            !err.contains("null") && !err.contains("false"),
            "{opts:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{opts:?}: {err}");
        assert!(!dir.join("up.model").exists(), "{opts:?}");
    }
}

#[test]
fn stale_parts_survive_update_and_merge() {
    // A part of a model that is not refitted from counts (such as a future calibration)
    // is listed as stale; growing the model keeps the note.
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "a.csv", corpus(9, 30, &LABELS, &[]));
    write(dir, "b.csv", corpus(11, 30, &LABELS, &[]));
    train(dir, &["a.csv"], "a.model", &[]);
    train(dir, &["b.csv"], "b.model", &[]);
    let mut a = model_file::load(&dir.join("a.model"), Load::Full).unwrap();
    a.info.stale = vec!["calibration: fitted before an update".into()];
    model_file::save(&a, &dir.join("a.model")).unwrap();
    assert_ok(&run_in(
        TRAIN,
        &["-q", "--update", "a.model", "b.csv", "-o", "up.model"],
        dir,
    ));
    assert_ok(&run_in(
        MERGE,
        &["-q", "b.model", "a.model", "-o", "m.model"],
        dir,
    ));
    for m in ["up.model", "m.model"] {
        let clf = model_file::load(&dir.join(m), Load::Predict).unwrap();
        assert_eq!(
            clf.info.stale,
            ["calibration: fitted before an update"],
            "{m}"
        );
    }
}

#[test]
fn sharded_recipe_with_gnu_parallel() {
    // moreutils also ships a `parallel`, with other options: only GNU parallel will do.
    let gnu = Command::new("parallel")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("GNU parallel"));
    if !gnu {
        eprintln!("note: GNU parallel is not installed (apt-get install parallel); sharded recipe test skipped");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let mut text = corpus(12, 200, &LABELS, &[]);
    text.push_str(&corpus(13, 40, &["scam", "sales"], &[]).replacen("label,text\n", "", 1));
    write(dir, "all.csv", &text);
    let opts = [
        "--model",
        "complement",
        "--min-df",
        "2",
        "--max-features",
        "50",
    ];
    let whole = train(dir, &["all.csv"], "whole.model", &opts);

    let script = repo_file("scripts/shard_recipe.sh");
    let bin_dir = Path::new(TRAIN).parent().unwrap();
    let mut args = vec!["all", "all.csv", "4", "shards", "merged.model"];
    args.extend_from_slice(&opts);
    let o = Command::new(&script)
        .args(&args)
        .current_dir(dir)
        .env("PITCHSIFT_BIN_DIR", bin_dir)
        .env("JOBS", "4")
        .stdin(Stdio::null())
        .output()
        .expect("script runs");
    assert_ok(&o);
    for i in 0..4 {
        assert!(dir.join(format!("shards/shard-{i:04}.model")).exists());
    }
    assert!(!dir.join("shards/shard-0004.csv").exists());
    assert!(
        bytes(dir, "merged.model") == whole,
        "sharded recipe differs from one training run"
    );
    // A shard that is no model of its own (here: one label) fails its task with the
    // trainer's error and what to do about it.
    write(
        dir,
        "tiny.csv",
        "label,text\nsales,book a demo\nnetworking,great talk\nsales,our pricing\nnetworking,nice meetup\n",
    );
    let o = Command::new(&script)
        .args(["all", "tiny.csv", "2", "tiny", "tiny.model"])
        .current_dir(dir)
        .env("PITCHSIFT_BIN_DIR", bin_dir)
        .stdin(Stdio::null())
        .output()
        .expect("script runs");
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("every document has the label"), "{err}");
    assert!(err.contains("use fewer, larger shards"), "{err}");
    assert!(!dir.join("tiny.model").exists());
}

/// An update says which labels it added; one that differs from a label of the model
/// only by case or spaces (`Sales ` for `sales`, filled in a spreadsheet) is a warning
/// even with --quiet: it became a second label, where the labeller would have asked.
#[test]
fn update_names_new_labels_and_warns_of_a_label_twin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "base.csv", corpus(1, 60, &["networking", "sales"], &[]));
    write(
        d,
        "more.csv",
        corpus(2, 20, &["SALES", "recruiting", "networking"], &[]),
    );
    train(d, &["base.csv"], "base.model", &[]);
    let update = |quiet: bool| {
        let mut args = vec!["--update", "base.model", "more.csv", "-o", "new.model"];
        if quiet {
            args.push("-q");
        }
        let o = run_in(TRAIN, &args, d);
        assert_ok(&o);
        stderr(&o)
    };
    let twin = "warning: new label `SALES`";
    let quiet = update(true);
    assert_eq!(quiet.lines().count(), 1, "{quiet}");
    assert!(
        quiet.contains(twin) && quiet.contains("beside the model's `sales`"),
        "{quiet}"
    );
    let loud = update(false);
    assert!(loud.contains(twin), "{loud}");
    assert!(loud.contains("new label `recruiting` ("), "{loud}");
    assert!(!loud.contains("new label `networking`"), "{loud}");
    // Labels the model has: nothing said.
    write(d, "same.csv", corpus(3, 20, &["networking", "sales"], &[]));
    let o = run_in(
        TRAIN,
        &["--update", "base.model", "same.csv", "-o", "same.model"],
        d,
    );
    assert!(!stderr(&o).contains("new label"), "{}", stderr(&o));
}
