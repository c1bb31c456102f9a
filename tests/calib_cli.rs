//! Calibration, `unsure`, explanations and pitchsift-inspect, end to end: the real
//! binaries on a small corpus in a temporary directory.

mod common;

use std::path::{Path, PathBuf};

use common::{ok, run, s, save_model_of, stderr, write, EVAL, INSPECT, MERGE, PREDICT, TRAIN};
use pitchsift::model_file::{self, Load};
use pitchsift::nb::calibrate::CalibrationMap;
use serde_json::Value;

/// 3 labels, 40 rows, with some overlap between labels so that cross-validation makes
/// mistakes and the calibration has something to fit.
fn corpus(dir: &Path) -> PathBuf {
    let mut s = String::from("label,text\n");
    for i in 0..16 {
        s += &format!("sales,\"book a demo of our crm platform, offer {i} for your team\"\n");
    }
    for i in 0..14 {
        s += &format!(
            "networking,\"great meeting you at the conference {i}, would love to connect\"\n"
        );
    }
    for i in 0..10 {
        s += &format!("scam,\"earn extra money part time from home {i}, claim your prize\"\n");
    }
    // Ambiguous rows.
    s += "sales,great to connect: our platform saves your team time\n";
    s += "networking,loved your demo at the conference\n";
    s += "scam,exclusive offer for your team: earn money now\n";
    write(dir, "corpus.csv", s)
}

fn train(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let c = corpus(dir);
    let m = dir.join(name);
    let mut args = vec![s(&c), "-o", s(&m), "-q"];
    args.extend_from_slice(extra);
    ok(&run(TRAIN, &args));
    m
}

#[test]
fn calibrated_model_is_byte_identical_for_any_jobs_and_keeps_labels() {
    let dir = tempfile::tempdir().unwrap();
    for method in ["isotonic", "temperature"] {
        let a = train(
            dir.path(),
            "a.model",
            &["--jobs", "1", "--calibration", method],
        );
        let a = std::fs::read(a).unwrap();
        let b = train(
            dir.path(),
            "b.model",
            &["--jobs", "2", "--calibration", method],
        );
        assert_eq!(a, std::fs::read(&b).unwrap(), "{method}");
        let clf = model_file::load(&b, Load::Predict).unwrap();
        let cal = clf.calibration.as_ref().expect("calibrated by default");
        assert_eq!((cal.folds, cal.n_docs, cal.stale), (5, 43, false));
        match (&cal.map, method) {
            (CalibrationMap::Temperature { temperature }, "temperature") => {
                assert!(*temperature > 0.0)
            }
            (CalibrationMap::Isotonic { .. }, "isotonic") => {}
            (m, _) => panic!("{method}: {m:?}"),
        }
    }
    // The calibrated model is the uncalibrated one plus the map: same labels and the
    // same predicted label for every message, other probabilities.
    let raw = train(dir.path(), "raw.model", &["--calibration", "none"]);
    let raw = model_file::load(&raw, Load::Predict).unwrap();
    assert!(raw.calibration.is_none());
    let cal = model_file::load(&dir.path().join("b.model"), Load::Predict).unwrap();
    assert_eq!(raw.model, cal.model);
    for t in [
        "book a demo",
        "great conference",
        "earn money",
        "demo at the conference",
    ] {
        let (p, q) = (raw.predict(t), cal.predict(t));
        assert_eq!(p.class, q.class, "{t}");
        assert!((q.probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }
}

#[test]
fn no_calibration_prints_the_raw_posteriors() {
    let dir = tempfile::tempdir().unwrap();
    let m = train(dir.path(), "m.model", &["--calibration", "temperature"]);
    let clf = model_file::load(&m, Load::Predict).unwrap();
    let mut raw = clf.clone();
    raw.calibration = None;
    let text = "book a demo of the platform";
    let cal_out = ok(&run(PREDICT, &["-m", s(&m), text]));
    let raw_out = ok(&run(PREDICT, &["-m", s(&m), "--no-calibration", text]));
    let label = &clf.labels[clf.predict(text).class];
    assert_eq!(
        cal_out,
        format!("{label}\t{:.4}\n", clf.predict(text).confidence())
    );
    assert_eq!(
        raw_out,
        format!("{label}\t{:.4}\n", raw.predict(text).confidence())
    );
    assert_ne!(cal_out, raw_out);
}

#[test]
fn unsure_below_min_confidence_with_probabilities_kept() {
    let dir = tempfile::tempdir().unwrap();
    let m = train(dir.path(), "m.model", &["--calibration", "none"]);
    let input = write(
        dir.path(),
        "in.csv",
        "text\nbook a demo of our crm platform\nhello\n",
    );
    let clf = model_file::load(&m, Load::Predict).unwrap();
    let sure = clf.predict("book a demo of our crm platform");
    let unsure = clf.predict("hello");
    assert!(unsure.confidence() < 0.9 && sure.confidence() > 0.9);
    let out = ok(&run(
        PREDICT,
        &["-m", s(&m), "-i", s(&input), "--min-confidence", "0.9"],
    ));
    let rows: Vec<&str> = out.lines().collect();
    assert!(rows[0].starts_with("text,predicted,confidence,p_networking"));
    assert!(rows[1].starts_with("book a demo of our crm platform,sales,"));
    assert_eq!(
        rows[2],
        format!(
            "hello,unsure,{:.6},{}",
            unsure.confidence(),
            unsure
                .probabilities
                .iter()
                .map(|p| format!("{p:.6}"))
                .collect::<Vec<_>>()
                .join(",")
        )
    );
    let out = ok(&run(
        PREDICT,
        &[
            "-m",
            s(&m),
            "-i",
            s(&input),
            "-f",
            "jsonl",
            "--min-confidence",
            "0.9",
        ],
    ));
    let v: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(v[0]["predicted"], "sales");
    assert_eq!(v[1]["predicted"], "unsure");
    assert_eq!(v[1]["probabilities"].as_object().unwrap().len(), 3);
    // Out of range: usage error.
    let bad = run(PREDICT, &["-m", s(&m), "--min-confidence", "1.5", "hello"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn explanation_column_and_json_array() {
    let dir = tempfile::tempdir().unwrap();
    let m = train(dir.path(), "m.model", &[]);
    let input = write(
        dir.path(),
        "in.csv",
        "text\nearn extra money part time from home\n",
    );
    let out = ok(&run(
        PREDICT,
        &["-m", s(&m), "-i", s(&input), "--explain", "3"],
    ));
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let h = r.headers().unwrap().clone();
    assert_eq!(h.iter().next_back(), Some("explanation"));
    let row = r.records().next().unwrap().unwrap();
    assert_eq!(&row[1], "scam");
    let parts: Vec<&str> = row[h.len() - 1].split("; ").collect();
    assert_eq!(parts.len(), 3, "{parts:?}");
    let weights: Vec<f64> = parts
        .iter()
        .map(|p| p.rsplit_once(":+").unwrap().1.parse().unwrap())
        .collect();
    assert!(weights.windows(2).all(|w| w[0] >= w[1]) && weights[2] > 0.0);

    let out = ok(&run(
        PREDICT,
        &[
            "-m",
            s(&m),
            "-i",
            s(&input),
            "--explain",
            "3",
            "-f",
            "jsonl",
        ],
    ));
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    let e = v["explanation"].as_array().unwrap();
    assert_eq!(e.len(), 3);
    for (x, (p, w)) in e.iter().zip(parts.iter().zip(&weights)) {
        assert_eq!(
            format!(
                "{}:{:+.2}",
                x["term"].as_str().unwrap(),
                x["weight"].as_f64().unwrap()
            ),
            *p
        );
        assert!((x["weight"].as_f64().unwrap() - w).abs() <= 0.005);
    }
    assert_eq!(
        run(PREDICT, &["-m", s(&m), "--explain", "0", "hi"])
            .status
            .code(),
        Some(2)
    );
}

/// `--explain-against LABEL`: the reasons are the library's `explain_against` (the
/// terms of the gap to LABEL), in the CSV column, in JSONL and for messages; a label the
/// model lacks is a usage error naming the model's labels.
#[test]
fn explanations_against_a_named_label() {
    let dir = tempfile::tempdir().unwrap();
    let m = train(dir.path(), "m.model", &[]);
    let clf = model_file::load(&m, Load::Full).unwrap();
    let text = "earn extra money part time from home";
    let input = write(dir.path(), "in.csv", format!("text\n{text}\n"));
    let mut scorer = clf.scorer();
    let (p, runner) = pitchsift::explain::explain(&mut scorer, text, 3);
    assert_eq!(clf.labels[p.class], "scam");
    // Every other label but the runner-up: its own reasons.
    let mut differ = 0;
    for (c, label) in clf.labels.iter().enumerate() {
        let (_, want) = pitchsift::explain::explain_against(&mut scorer, text, 3, Some(c));
        let args = ["-m", s(&m), "--explain", "3", "--explain-against", label];
        let line = ok(&run(PREDICT, &[&args[..], &["-f", "jsonl", text]].concat()));
        let v: Value = serde_json::from_str(line.trim()).unwrap();
        let got: Vec<(String, f64)> = v["explanation"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["term"].as_str().unwrap().into(),
                    x["weight"].as_f64().unwrap(),
                )
            })
            .collect();
        let want: Vec<(String, f64)> = want.into_iter().map(|r| (r.term, r.weight)).collect();
        assert_eq!(got, want, "{label}");
        let csv = ok(&run(PREDICT, &[&args[..], &["-i", s(&input)]].concat()));
        let row = csv.lines().nth(1).unwrap();
        assert!(row.ends_with(&pitchsift::explain::format_reasons(
            &pitchsift::explain::explain_against(&mut scorer, text, 3, Some(c)).1
        )));
        let runner: Vec<(String, f64)> =
            runner.iter().map(|r| (r.term.clone(), r.weight)).collect();
        differ += usize::from(got != runner);
    }
    assert!(
        differ >= 1,
        "some label gives other reasons than the runner-up"
    );
    let bad = run(
        PREDICT,
        &[
            "-m",
            s(&m),
            "--explain",
            "3",
            "--explain-against",
            "nope",
            text,
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("--explain-against nope") && err.contains("scam"),
        "{err}"
    );
}

#[test]
fn inspect_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let m = train(dir.path(), "m.model", &["--calibration", "temperature"]);
    let clf = model_file::load(&m, Load::Predict).unwrap();
    let out = ok(&run(INSPECT, &[s(&m), "--json", "--top", "3"]));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["format_version"], model_file::FORMAT_VERSION);
    assert_eq!(v["documents"], 43);
    let labels: Vec<(String, u64)> = v["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["label"].as_str().unwrap().to_string(),
                l["documents"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        labels,
        vec![
            ("networking".into(), 15),
            ("sales".into(), 17),
            ("scam".into(), 11)
        ]
    );
    assert_eq!(v["vocabulary"]["features"], clf.n_features());
    assert_eq!(v["vocabulary"]["terms_counted"], clf.info.n_terms);
    assert_eq!(v["analyzer"]["ngram_max"], 2);
    assert_eq!(v["training"]["model"], "multinomial");
    assert_eq!(v["calibration"]["map"]["method"], "temperature");
    assert_eq!(v["calibration"]["stale"], false);
    let scam = v["indicative_terms"]["scam"].as_array().unwrap();
    assert_eq!(scam.len(), 3);
    let terms: Vec<&str> = scam.iter().map(|t| t["term"].as_str().unwrap()).collect();
    assert!(
        terms
            .iter()
            .any(|t| ["earn", "prize", "claim", "extra", "money", "home"]
                .iter()
                .any(|w| t.contains(w))),
        "{terms:?}"
    );

    let text = ok(&run(INSPECT, &[s(&m), "--top", "2"]));
    assert!(
        text.contains("format:      pitchsift-model version 3\n"),
        "{text}"
    );
    assert!(text.contains("labels:      3 (43 training documents)\n"));
    assert!(text.contains("  sales       17\n"));
    assert!(text.contains("calibration: temperature T="));
    assert!(text.contains("5 folds, seed 42"));
    assert!(!text.contains("STALE"));
    let scam_line = text.lines().rfind(|l| l.starts_with("  scam ")).unwrap();
    assert_eq!(scam_line.matches("; ").count(), 1, "{scam_line}");

    let none = train(dir.path(), "none.model", &["--calibration", "none"]);
    let text = ok(&run(INSPECT, &[s(&none)]));
    assert!(text.contains("calibration: none (raw naive Bayes posteriors)"));

    let missing = run(INSPECT, &[s(&dir.path().join("nope.model"))]);
    assert_eq!(missing.status.code(), Some(1));

    // --top 0 shows no term section (it printed a heading over empty lists).
    let text = ok(&run(INSPECT, &[s(&m), "--top", "0"]));
    assert!(!text.contains("most indicative terms"), "{text}");
    assert!(text.contains("calibration: temperature T="));
}

/// A label holding terminal control codes is refused when training (file, line and
/// column), and one in a model made by other means (the library, or a model file from
/// before training refused it) is printed escaped by pitchsift-inspect's text output, not
/// sent to the terminal.
#[test]
fn inspect_escapes_control_characters_of_labels() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("esc.csv");
    let mut w = csv::Writer::from_path(&csv).unwrap();
    w.write_record(["label", "text"]).unwrap();
    let docs = [
        ("ham", "lunch with the team tomorrow"),
        ("\u{1b}[2Jspam", "win a free prize now"),
        ("\u{1b}[2Jspam", "claim your free prize"),
        ("ham", "see you at the team meeting"),
    ];
    for (l, t) in docs {
        w.write_record([l, t]).unwrap();
    }
    w.flush().unwrap();
    let m = dir.path().join("esc.model");
    let o = run(TRAIN, &[s(&csv), "-o", s(&m), "-q"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("esc.csv:3: column `label`"),
        "{}",
        stderr(&o)
    );
    assert!(!m.exists());
    // The same corpus counted through the library.
    save_model_of(&docs, &m);
    let text = ok(&run(INSPECT, &[s(&m)]));
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(text.contains("\\u{1b}[2Jspam"), "{text}");
}

/// Labels are aligned by the columns a terminal draws, not by bytes: `réseau` is 7 bytes
/// and 6 columns, `営業` 6 bytes and 4 columns (two wide characters), so the document
/// counts beside them were pushed out of line. Labels and texts written for this test.
#[test]
fn inspect_aligns_non_ascii_labels_by_display_width() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "uni.csv",
        "label,text\n\
         réseau,great to meet you at the conference\n\
         réseau,loved your talk let us stay in touch\n\
         営業,book a quick demo of our platform\n\
         営業,pricing for your team this quarter\n\
         営業,a discount on the pricing of our platform\n\
         sales,buy our product today with a discount\n",
    );
    let m = dir.path().join("uni.model");
    ok(&run(TRAIN, &[s(&csv), "-o", s(&m), "-q"]));
    let text = ok(&run(INSPECT, &[s(&m), "--top", "1"]));
    // Each label padded to the widest (`réseau`, 6 columns) then two spaces: what
    // follows starts in column 10 (it was 11 after `réseau` and 13 after `営業`).
    for line in ["  réseau  2\n", "  sales   1\n", "  営業    3\n"] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    // The indicative terms' lines too.
    for label in ["réseau  ", "sales   ", "営業    "] {
        let term_line = format!("\n  {label}");
        assert_eq!(text.matches(&term_line).count(), 2, "{label:?} in\n{text}");
    }
}

/// Complement NB has no class prior (its bias is 0, as scikit-learn's ComplementNB):
/// inspect said `prior=empirical`, as if one were used. `--prior` with `--model
/// complement` is refused (exit 2) rather than ignored.
#[test]
fn inspect_says_complement_nb_uses_no_prior() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    let m = dir.path().join("c.model");
    ok(&run(
        TRAIN,
        &[s(&c), "-o", s(&m), "--model", "complement", "-q"],
    ));
    let text = ok(&run(INSPECT, &[s(&m), "--top", "0"]));
    let training = text.lines().find(|l| l.starts_with("training:")).unwrap();
    assert!(!training.contains("prior=empirical"), "{training}");
    assert!(
        training.contains("prior=unused (complement NB has no class prior)"),
        "{training}"
    );
    // A multinomial model's prior is still shown as it is.
    let mm = train(dir.path(), "m.model", &[]);
    let text = ok(&run(INSPECT, &[s(&mm), "--top", "0"]));
    assert!(text.contains("prior=empirical"), "{text}");
    let u = dir.path().join("u.model");
    let o = run(
        TRAIN,
        &[
            s(&c),
            "-o",
            s(&u),
            "--model",
            "complement",
            "--prior",
            "uniform",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("has no effect on the complement model"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!u.exists());
}

#[test]
fn eval_reports_coverage_at_min_confidence() {
    let dir = tempfile::tempdir().unwrap();
    let m = train(dir.path(), "m.model", &[]);
    let c = dir.path().join("corpus.csv");
    let j = dir.path().join("r.json");
    let md = dir.path().join("r.md");
    let out = ok(&run(
        EVAL,
        &[
            "-q",
            "--model",
            s(&m),
            "--test",
            s(&c),
            "--min-confidence",
            "0.9",
            "--json",
            s(&j),
            "--markdown",
            s(&md),
        ],
    ));
    // The text report is plain text throughout: the unsure section too (it used to be
    // the Markdown section, `## Unsure below 0.9` and `| ... |` rows).
    assert!(out.contains("\nunsure below 0.9: coverage "), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("threshold  coverage  accuracy")),
        "{out}"
    );
    assert!(!out.contains("##"), "{out}");
    assert!(
        !out.lines().any(|l| l.trim_start().starts_with('|')),
        "{out}"
    );
    // The Markdown report keeps its Markdown section.
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(md.contains("## Unsure below 0.9\n\ncoverage "), "{md}");
    assert!(
        md.contains("| threshold | coverage | accuracy |\n|---|---|---|\n| 0 | 1.0000 |"),
        "{md}"
    );
    let v: Value = serde_json::from_slice(&std::fs::read(&j).unwrap()).unwrap();
    let cov = &v["coverage"];
    assert_eq!(cov["min_confidence"], 0.9);
    let curve = cov["curve"].as_array().unwrap();
    // Threshold 0 keeps every row: the overall accuracy.
    assert_eq!(curve[0]["coverage"], 1.0);
    assert_eq!(curve[0]["accuracy"], v["accuracy"]);
    let covs: Vec<f64> = curve
        .iter()
        .map(|p| p["coverage"].as_f64().unwrap())
        .collect();
    assert!(covs.windows(2).all(|w| w[0] >= w[1]), "{covs:?}");
    let at = curve.iter().find(|p| p["threshold"] == 0.9).unwrap();
    assert_eq!(at["coverage"], cov["coverage"]);
}

/// pitchsift-merge keeps the first calibrated input's map, marked stale (it was fitted on
/// that input's data only); the weights are those of merging the uncalibrated models.
#[test]
fn merge_keeps_the_first_calibration_marked_stale() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cal = train(d, "cal.model", &["--calibration", "isotonic"]);
    let raw = train(d, "raw.model", &["--calibration", "none"]);
    let merged = |name: &str, inputs: [&PathBuf; 2]| {
        let out = d.join(name);
        ok(&run(
            MERGE,
            &[s(inputs[0]), s(inputs[1]), "-o", s(&out), "-q"],
        ));
        model_file::load(&out, Load::Full).unwrap()
    };
    // Two files: pitchsift-merge refuses the same file given twice.
    let raw2 = d.join("raw2.model");
    std::fs::copy(&raw, &raw2).unwrap();
    let both_raw = merged("rr.model", [&raw, &raw2]);
    assert!(both_raw.calibration.is_none());
    let original = model_file::load(&cal, Load::Predict).unwrap();
    for (name, inputs) in [("cr.model", [&cal, &raw]), ("rc.model", [&raw, &cal])] {
        let m = merged(name, inputs);
        let c = m.calibration.as_ref().expect("calibration carried over");
        assert!(c.stale, "{name}");
        assert_eq!(c.map, original.calibration.as_ref().unwrap().map, "{name}");
        assert_eq!(m.model, both_raw.model, "{name}");
    }
}

/// A hashed model's inspect text says it counts buckets and keeps no words: it said
/// "N terms counted" and "most indicative terms" over a list of `#1455`-style names with
/// nothing telling what they are.
#[test]
fn inspect_says_a_hashed_model_counts_buckets() {
    let dir = tempfile::tempdir().unwrap();
    let m = train(dir.path(), "h.model", &["--hash-bits", "10"]);
    let clf = model_file::load(&m, Load::Predict).unwrap();
    let text = ok(&run(INSPECT, &[s(&m), "--top", "2"]));
    let want = format!(
        "vocabulary:  hashed (--hash-bits 10): {} of 1024 buckets counted, {} kept as \
         features; the file keeps no words\n",
        clf.info.n_terms,
        clf.n_features()
    );
    assert!(text.contains(&want), "{text}");
    assert!(!text.contains("terms counted"), "{text}");
    assert!(text.contains("most indicative buckets (#N: "), "{text}");
    let scam = text.lines().rfind(|l| l.starts_with("  scam ")).unwrap();
    assert!(scam.contains('#'), "{scam}");
    // An unhashed model keeps its wording.
    let plain = train(dir.path(), "p.model", &[]);
    let text = ok(&run(INSPECT, &[s(&plain), "--top", "2"]));
    assert!(text.contains(" terms counted, "), "{text}");
    assert!(
        text.contains("most indicative terms (w[f, label]"),
        "{text}"
    );
}

/// A merge of one calibrated model is that model, byte for byte, its map not stale (it
/// was marked stale: "the model changed after fitting", though nothing changed). A merge
/// of two, and an update, keep a map that is stale, and their stderr says so (the update
/// said "fitted on 5-fold out-of-fold scores", as if it had been refitted).
#[test]
fn one_model_merges_to_itself_and_stale_maps_are_said_stale() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cal = train(d, "cal.model", &["--calibration", "isotonic"]);
    let one = d.join("one.model");
    let o = run(MERGE, &[s(&cal), "-o", s(&one)]);
    ok(&o);
    assert!(
        !common::stderr(&o).contains("STALE"),
        "{}",
        common::stderr(&o)
    );
    assert_eq!(std::fs::read(&one).unwrap(), std::fs::read(&cal).unwrap());
    let text = ok(&run(INSPECT, &[s(&one)]));
    assert!(!text.contains("STALE"), "{text}");

    let cal2 = d.join("cal2.model");
    std::fs::copy(&cal, &cal2).unwrap();
    let two = d.join("two.model");
    let o = run(MERGE, &[s(&cal), s(&cal2), "-o", s(&two)]);
    ok(&o);
    assert!(
        common::stderr(&o)
            .contains("the calibration map is the first calibrated model's, kept STALE"),
        "{}",
        common::stderr(&o)
    );

    let new = write(d, "new.csv", "text,label\nquick demo of our tool,sales\n");
    let up = d.join("up.model");
    let o = run(TRAIN, &["--update", s(&cal), s(&new), "-o", s(&up)]);
    ok(&o);
    let err = common::stderr(&o);
    assert!(err.contains("kept from the model, STALE"), "{err}");
    assert!(!err.contains("out-of-fold"), "{err}");
}
