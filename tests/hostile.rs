//! Hostile input and faults, through the real binaries: CSV as it really arrives, bad
//! training data, full disks, closed pipes and runs killed with SIGKILL. Every test runs in
//! its own temporary directory.
//!
//! Exit codes checked here are the binaries' contract (src/bin/common/mod.rs): 0 success
//! (and a closed pipe downstream), 1 bad data or a failed write, 2 bad usage.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{assert_ok, ok, repo_file, run_in, s, stderr, EVAL, MERGE, PREDICT, TRAIN};
use pitchsift::model_file::Load;

/// The labelled fixture (30 messages, 5 labels) as (label, text) pairs.
fn tiny() -> Vec<(String, String)> {
    let path = repo_file("data/fixtures/tiny.csv");
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string())
        })
        .collect()
}

/// Serialise a header and rows with `delim`, quoting where needed, lines ending `eol`.
fn to_csv(header: &[&str], rows: &[Vec<String>], delim: u8, eol: &[u8]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(delim)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    let plain = w.into_inner().unwrap();
    if eol == b"\n" {
        return plain;
    }
    // Re-terminate record ends only (newlines inside quoted fields stay as they are).
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(false)
        .from_reader(plain.as_slice());
    let mut out = Vec::new();
    let mut rec = csv::ByteRecord::new();
    while r.read_byte_record(&mut rec).unwrap() {
        let mut w = csv::WriterBuilder::new()
            .delimiter(delim)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        w.write_byte_record(&rec).unwrap();
        let mut line = w.into_inner().unwrap();
        line.pop();
        out.extend_from_slice(&line);
        out.extend_from_slice(eol);
    }
    out
}

fn tiny_rows() -> Vec<Vec<String>> {
    tiny().into_iter().map(|(l, t)| vec![l, t]).collect()
}

/// Train quietly on `corpus` (relative to `dir`) with small settings; `extra` appended.
fn train(dir: &Path, corpus: &str, model: &str, extra: &[&str]) -> Output {
    let mut args = vec![corpus, "-o", model, "-q", "--jobs", "2"];
    args.extend_from_slice(extra);
    run_in(TRAIN, &args, dir)
}

/// Exit 1, a one-line message that contains every part of `parts`.
fn assert_bad_data(o: &Output, parts: &[&str]) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(1), "stderr: {e}");
    assert_eq!(e.trim_end().lines().count(), 1, "one-line message: {e}");
    for p in parts {
        assert!(e.contains(p), "`{p}` not in message: {e}");
    }
}

/// Files in `dir` whose name starts with `.pitchsift-` (temporary files).
fn temps(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".pitchsift-")
        })
        .collect()
}

/// The model trained on the fixture as written in the repository: the reference that
/// every re-encoding of the same data must reproduce byte for byte.
fn reference_model(dir: &Path) -> Vec<u8> {
    let csv = to_csv(&["label", "text"], &tiny_rows(), b',', b"\n");
    fs::write(dir.join("ref.csv"), csv).unwrap();
    assert_ok(&train(dir, "ref.csv", "ref.model", &[]));
    fs::read(dir.join("ref.model")).unwrap()
}

// ---------------------------------------------------------------------------------------
// CSV as it really comes

#[test]
fn bom_crlf_and_header_case_give_the_same_model() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let reference = reference_model(d);

    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(to_csv(&["label", "text"], &tiny_rows(), b',', b"\n"));
    fs::write(d.join("bom.csv"), &bom).unwrap();
    assert_ok(&train(d, "bom.csv", "bom.model", &[]));
    assert_eq!(fs::read(d.join("bom.model")).unwrap(), reference, "BOM");

    let crlf = to_csv(&["label", "text"], &tiny_rows(), b',', b"\r\n");
    assert!(crlf.windows(2).filter(|w| w == b"\r\n").count() >= 31);
    fs::write(d.join("crlf.csv"), &crlf).unwrap();
    assert_ok(&train(d, "crlf.csv", "crlf.model", &[]));
    assert_eq!(fs::read(d.join("crlf.model")).unwrap(), reference, "CRLF");

    // BOM, CRLF, and a header in other case with spaces, columns in another order.
    let rows: Vec<Vec<String>> = tiny()
        .into_iter()
        .enumerate()
        .map(|(i, (l, t))| vec![i.to_string(), t, l])
        .collect();
    let mut messy = b"\xEF\xBB\xBF".to_vec();
    messy.extend(to_csv(&[" Id", " TEXT ", "Label  "], &rows, b',', b"\r\n"));
    fs::write(d.join("messy.csv"), &messy).unwrap();
    assert_ok(&train(d, "messy.csv", "messy.model", &[]));
    assert_eq!(
        fs::read(d.join("messy.model")).unwrap(),
        reference,
        "header"
    );

    // Predict reads the same files and echoes the header without the BOM.
    let o = run_in(PREDICT, &["-m", "ref.model", "-i", "messy.csv"], d);
    assert_ok(&o);
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        header[..5],
        [" Id", " TEXT ", "Label  ", "predicted", "confidence"]
    );
    assert_eq!(r.records().count(), 30);
}

#[test]
fn semicolon_tab_and_tsv_delimiters() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let reference = reference_model(d);
    let rows = tiny_rows();

    fs::write(
        d.join("semi.csv"),
        to_csv(&["label", "text"], &rows, b';', b"\n"),
    )
    .unwrap();
    // Read with the default comma the file has one column: the error names it.
    let o = train(d, "semi.csv", "semi.model", &[]);
    assert_bad_data(&o, &["semi.csv:1", "no column `text`", "label;text"]);
    assert!(!d.join("semi.model").exists());
    assert_ok(&train(d, "semi.csv", "semi.model", &["--delimiter", ";"]));
    assert_eq!(fs::read(d.join("semi.model")).unwrap(), reference, ";");

    let tab = to_csv(&["label", "text"], &rows, b'\t', b"\n");
    fs::write(d.join("tab.tsv"), &tab).unwrap();
    assert_ok(&train(d, "tab.tsv", "tsv.model", &[]));
    assert_eq!(fs::read(d.join("tsv.model")).unwrap(), reference, ".tsv");

    fs::write(d.join("tab.txt"), &tab).unwrap();
    assert_ok(&train(d, "tab.txt", "tab.model", &["--delimiter", "tab"]));
    assert_eq!(fs::read(d.join("tab.model")).unwrap(), reference, "tab");
    assert_ok(&train(d, "tab.txt", "tab2.model", &["--delimiter", "\t"]));
    assert_eq!(fs::read(d.join("tab2.model")).unwrap(), reference, "\\t");

    // Predict on the .tsv: one output row per input row.
    let o = run_in(
        PREDICT,
        &["-m", "ref.model", "-i", "tab.tsv", "-f", "jsonl"],
        d,
    );
    assert_ok(&o);
    assert_eq!(String::from_utf8(o.stdout).unwrap().lines().count(), 30);

    // A delimiter that is not one ASCII character is a usage error.
    let o = train(d, "tab.txt", "x.model", &["--delimiter", ";;"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// A CSV with a header and no row: predict writes the output's header (a CSV a
/// spreadsheet or `pitchsift-eval` can read), not an empty file; JSON lines has nothing.
#[test]
fn header_only_input_gives_header_only_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    reference_model(d);
    fs::write(d.join("empty.csv"), b"id,text\n").unwrap();
    let want =
        "id,text,predicted,confidence,p_networking,p_opportunity,p_recruiting,p_sales,p_scam\n";
    let o = run_in(PREDICT, &["-m", "ref.model", "-i", "empty.csv"], d);
    assert_ok(&o);
    assert_eq!(String::from_utf8(o.stdout).unwrap(), want);
    let o = run_in(
        PREDICT,
        &["-m", "ref.model", "-i", "empty.csv", "-o", "out.csv"],
        d,
    );
    assert_ok(&o);
    assert_eq!(fs::read_to_string(d.join("out.csv")).unwrap(), want);
    // Then a file with rows: one header in all.
    fs::write(d.join("one.csv"), b"id,text\n7,quick demo this week?\n").unwrap();
    let o = run_in(
        PREDICT,
        &["-m", "ref.model", "-i", "empty.csv", "-i", "one.csv"],
        d,
    );
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.starts_with(want) && out.lines().count() == 2, "{out}");
    let o = run_in(
        PREDICT,
        &["-m", "ref.model", "-i", "empty.csv", "-f", "jsonl"],
        d,
    );
    assert_ok(&o);
    assert!(o.stdout.is_empty());
}

#[test]
fn quoted_fields_with_newlines() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let reference = reference_model(d);
    // The same texts with their spaces turned into newlines (CRLF inside the quotes for
    // every other one): the analyzer treats both as whitespace, so the model is identical.
    let rows: Vec<Vec<String>> = tiny()
        .into_iter()
        .enumerate()
        .map(|(i, (l, t))| vec![l, t.replace(' ', if i % 2 == 0 { "\n" } else { "\r\n" })])
        .collect();
    let data = to_csv(&["label", "text"], &rows, b',', b"\n");
    let newlines = data.iter().filter(|&&b| b == b'\n').count();
    assert!(newlines > 300, "{newlines} newlines");
    fs::write(d.join("nl.csv"), &data).unwrap();
    assert_ok(&train(d, "nl.csv", "nl.model", &[]));
    assert_eq!(fs::read(d.join("nl.model")).unwrap(), reference);

    // Predict keeps each multi-line message as one record and echoes it intact.
    let o = run_in(PREDICT, &["-m", "ref.model", "-i", "nl.csv"], d);
    assert_ok(&o);
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    let texts: Vec<String> = r.records().map(|r| r.unwrap()[1].to_string()).collect();
    assert_eq!(texts.len(), 30);
    assert_eq!(texts[0], rows[0][1]);
    assert_eq!(texts[1], rows[1][1]);

    // A ragged row after multi-line records is reported at its real line.
    let mut bad = data.clone();
    bad.extend_from_slice(b"sales\n");
    fs::write(d.join("nl_bad.csv"), &bad).unwrap();
    let line = newlines + 1;
    let o = train(d, "nl_bad.csv", "bad.model", &[]);
    assert_bad_data(
        &o,
        &[
            &format!("nl_bad.csv:{line}:"),
            "record has 1 field, the header has 2",
        ],
    );
}

#[test]
fn ragged_rows_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut data = to_csv(&["label", "text"], &tiny_rows(), b',', b"\n");
    data.extend_from_slice(b"sales,buy now,extra field\nscam,fine\n");
    fs::write(d.join("ragged.csv"), &data).unwrap();
    let o = train(d, "ragged.csv", "m.model", &[]);
    assert_bad_data(
        &o,
        &["ragged.csv:32:", "record has 3 fields, the header has 2"],
    );
    assert!(!d.join("m.model").exists());
    assert!(temps(d).is_empty());

    fs::write(d.join("short.csv"), b"id,text\n1,hello\n2\n").unwrap();
    let o = run_in(PREDICT, &["-i", "short.csv", "-o", "out.csv"], d);
    assert_bad_data(
        &o,
        &["short.csv:3:", "record has 1 field, the header has 2"],
    );
    assert!(!d.join("out.csv").exists(), "no half-written output");
    assert!(temps(d).is_empty(), "temporary output removed");
    // To standard output: a batch with a bad row is not written, and neither is the
    // header before it (an empty output, not a header alone).
    let o = run_in(PREDICT, &["-i", "short.csv"], d);
    assert_bad_data(
        &o,
        &["short.csv:3:", "record has 1 field, the header has 2"],
    );
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

/// A column named twice in the header is ambiguous: bad data naming both fields, for
/// training and prediction alike (it used to take the first silently).
/// A quote opened and never closed: the csv crate alone reads the rest of the file into
/// that one field and reports nothing (2 rows of 4 trained, exit 0).
#[test]
fn a_quote_never_closed_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = reference_model(d);
    fs::copy(d.join("ref.model"), d.join("m.model")).unwrap();
    // The fixture's rows with plain texts; line 3 (the header is line 1) opens a quote
    // that nothing closes.
    let mut csv = String::from("label,text\n");
    for (i, r) in tiny_rows().iter().enumerate() {
        let text: String = r[1]
            .chars()
            .map(|c| {
                if matches!(c, '"' | ',' | '\n' | '\r') {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        let quote = if i == 1 { "\"" } else { "" };
        csv.push_str(&format!("{},{quote}{text}\n", r[0]));
    }
    fs::write(d.join("stray.csv"), &csv).unwrap();
    let o = train(d, "stray.csv", "m.model", &[]);
    assert_bad_data(
        &o,
        &[
            "stray.csv:3: column `text`",
            "a quoted field is never closed",
        ],
    );
    assert_eq!(fs::read(d.join("m.model")).unwrap(), good);
    assert!(temps(d).is_empty());
    let o = run_in(PREDICT, &["-i", "stray.csv", "-o", "out.csv"], d);
    assert_bad_data(&o, &["stray.csv:3: column `text`", "never closed"]);
    assert!(!d.join("out.csv").exists());
    let o = run_in(EVAL, &["--model", "ref.model", "--test", "stray.csv"], d);
    assert_bad_data(&o, &["stray.csv:3: column `text`", "never closed"]);
}

/// A quote opened in a column before the last takes in the delimiters after it, so the
/// record it starts is short of fields: the message names the quote (its line and column),
/// not the field count ("record has 1 field, the header has 2").
#[test]
fn a_quote_never_closed_before_the_last_column_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: [(&str, &str, &[&str]); 2] = [
        // The quote opens the first field of the record on line 3.
        (
            "q3.csv",
            "text,label\nok,sales\n\"unterminated,sales\nfoo,bar\nbaz,qux\n",
            &["q3.csv:3: column `text`", "a quoted field is never closed"],
        ),
        // The record starts on line 3 with a closed two-line field; the quote that
        // nothing closes opens the second field, on line 4.
        (
            "q4.csv",
            "text,note,label\nok,a,sales\n\"two\nlines\",\"open,sales\nfoo,bar,baz\n",
            &["q4.csv:4: column `note`", "a quoted field is never closed"],
        ),
    ];
    for (name, csv, want) in cases {
        fs::write(d.join(name), csv).unwrap();
        let o = train(d, name, "m.model", &[]);
        assert_bad_data(&o, want);
        assert!(!d.join("m.model").exists());
        let o = run_in(PREDICT, &["--input", name, "-o", "out.csv"], d);
        assert_bad_data(&o, want);
        assert!(!d.join("out.csv").exists());
        assert!(temps(d).is_empty());
    }
}

#[test]
fn a_column_named_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows: Vec<Vec<String>> = tiny_rows()
        .into_iter()
        .map(|r| vec![r[0].clone(), r[1].clone(), r[1].to_uppercase()])
        .collect();
    fs::write(
        d.join("dup.csv"),
        to_csv(&["label", "text", "Text"], &rows, b',', b"\n"),
    )
    .unwrap();
    let o = train(d, "dup.csv", "m.model", &[]);
    assert_bad_data(
        &o,
        &[
            "dup.csv:1:",
            "column `text` is in the header twice (fields 2 and 3)",
        ],
    );
    assert!(!d.join("m.model").exists());
    let o = run_in(PREDICT, &["-i", "dup.csv", "-o", "out.csv"], d);
    assert_bad_data(&o, &["dup.csv:1:", "(fields 2 and 3)"]);
    assert!(!d.join("out.csv").exists());
}

/// Settings that cannot act are usage errors before any work, not values recorded in the
/// model as if they had acted: a prior with the complement model, weight normalisation with
/// the multinomial one, more calibration folds than messages (it used to become
/// leave-one-out silently).
#[test]
fn settings_that_cannot_act_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("t.csv"),
        to_csv(&["label", "text"], &tiny_rows(), b',', b"\n"),
    )
    .unwrap();
    let usage = |args: &[&str], part: &str| {
        let o = train(d, "t.csv", "m.model", args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(part), "{args:?}: {}", stderr(&o));
        assert!(!d.join("m.model").exists() && temps(d).is_empty());
    };
    usage(
        &["--model", "complement", "--prior", "uniform"],
        "prior `uniform` has no effect on the complement model",
    );
    usage(
        &["--weight-norm"],
        "weight normalisation applies to the complement model only",
    );
    // The fixture has 30 messages.
    usage(
        &["--calibration", "isotonic", "--calibration-folds", "31"],
        "cannot make 31 folds from 30 rows",
    );
    // Each is accepted where it acts.
    assert_ok(&train(d, "t.csv", "m.model", &["--prior", "uniform"]));
    assert_ok(&train(
        d,
        "t.csv",
        "m.model",
        &["--model", "complement", "--weight-norm"],
    ));
    assert_ok(&train(
        d,
        "t.csv",
        "m.model",
        &["--calibration", "isotonic", "--calibration-folds", "30"],
    ));
}

#[test]
fn too_many_jobs_is_a_usage_error_in_every_binary() {
    // A mistyped `--jobs 100000` used to start that many threads (minutes of a machine
    // at a load of hundreds, and memory growing with every worker's tables).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("t.csv"),
        to_csv(&["label", "text"], &tiny_rows(), b',', b"\n"),
    )
    .unwrap();
    assert_ok(&run_in(
        TRAIN,
        &["t.csv", "-o", "m.model", "--jobs", "256"],
        d,
    ));
    let (t, m) = (
        s(&d.join("t.csv")).to_string(),
        s(&d.join("m.model")).to_string(),
    );
    let label = env!("CARGO_BIN_EXE_pitchsift-label");
    for jobs in ["257", "100000", "-1"] {
        let flag = format!("--jobs={jobs}");
        let runs: [(&str, Vec<&str>); 5] = [
            (TRAIN, vec![&t, "-o", "new.model"]),
            (PREDICT, vec!["-m", &m, "some text"]),
            (EVAL, vec!["--cv", "3", &t]),
            (MERGE, vec![&m, &m, "-o", "new.model"]),
            (label, vec!["--model", &m, "--input", &t, "--suggest", "3"]),
        ];
        for (bin, mut args) in runs {
            args.push(&flag);
            let o = run_in(bin, &args, d);
            assert_eq!(o.status.code(), Some(2), "{bin} {args:?}: {}", stderr(&o));
            assert!(stderr(&o).contains("--jobs"), "{bin}: {}", stderr(&o));
            assert!(o.stdout.is_empty(), "{bin}");
            assert!(!d.join("new.model").exists());
        }
    }
}

#[test]
fn invalid_utf8_names_the_line_or_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut data = to_csv(&["label", "text"], &tiny_rows(), b',', b"\n");
    data.extend_from_slice(b"sales,caf\xE9 latte demo \xFF\xFE for you\n");
    fs::write(d.join("latin1.csv"), &data).unwrap();

    let o = train(d, "latin1.csv", "m.model", &[]);
    assert_bad_data(
        &o,
        &[
            "latin1.csv:32:",
            "column `text`",
            "invalid UTF-8 at byte 3",
            // A text field says how to read such a file (a label's error, below, does not:
            // the replacement policy is for texts only).
            "Windows-1252? convert it, e.g. `iconv -f windows-1252 -t utf-8`, or read it with \
             --invalid-utf8 replace",
        ],
    );
    assert!(!d.join("m.model").exists());
    let o = train(d, "latin1.csv", "m.model", &["--invalid-utf8", "replace"]);
    assert_ok(&o);
    assert!(d.join("m.model").exists());

    // An invalid label is never replaced: labels are identifiers.
    fs::write(
        d.join("badlabel.csv"),
        b"label,text\nsales,hi\nsal\xE9s,there\n",
    )
    .unwrap();
    let o = train(d, "badlabel.csv", "l.model", &["--invalid-utf8", "replace"]);
    assert_bad_data(&o, &["badlabel.csv:3:", "column `label`", "invalid UTF-8"]);
    assert!(!stderr(&o).contains("--invalid-utf8"), "{}", stderr(&o));

    // Predict: an error naming the line by default, U+FFFD with replace; the echoed
    // columns of the CSV output are then valid UTF-8 too.
    fs::write(d.join("in.csv"), b"id,text\n1,fine\n2,bad \xC3\x28 byte\n").unwrap();
    let o = run_in(PREDICT, &["-m", "m.model", "-i", "in.csv"], d);
    assert_bad_data(
        &o,
        &["in.csv:3:", "column `text`", "invalid UTF-8 at byte 4"],
    );
    let o = run_in(
        PREDICT,
        &["-m", "m.model", "-i", "in.csv", "--invalid-utf8", "replace"],
        d,
    );
    assert_ok(&o);
    let out = String::from_utf8(o.stdout).expect("output is UTF-8");
    assert!(out.contains("bad \u{FFFD}( byte"), "{out}");
    assert_eq!(out.lines().count(), 3);
}

/// Runs predict in `dir` with `args`, `input` on its standard input.
fn predict_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(PREDICT)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// `pitchsift-predict -` (one message a line): invalid UTF-8 names the line, like a CSV
/// field, and `--invalid-utf8 replace` applies; CRLF line ends are not part of a message.
/// The lines before the bad one are answered, as they are when they arrive one by one
/// (they used to get no answer when they came in the same block as the bad line).
#[test]
fn invalid_utf8_on_stdin_lines_names_the_line_or_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    reference_model(d);
    let input = b"fine\r\nstill fine\nbad \xC3\x28 byte\n";
    let o = predict_stdin(d, &["-m", "ref.model", "-"], input);
    assert_bad_data(
        &o,
        &[
            "standard input:3:",
            "invalid UTF-8 at byte 4",
            "--invalid-utf8",
        ],
    );
    let answers = String::from_utf8(o.stdout).unwrap();
    assert_eq!(answers.lines().count(), 2, "{answers}");
    let alone = predict_stdin(d, &["-m", "ref.model", "-"], b"fine\r\nstill fine\n");
    assert_eq!(answers.as_bytes(), ok(&alone).as_bytes());
    let o = predict_stdin(
        d,
        &[
            "-m",
            "ref.model",
            "-",
            "-f",
            "csv",
            "--invalid-utf8",
            "replace",
        ],
        input,
    );
    assert_ok(&o);
    let out = String::from_utf8(o.stdout).expect("output is UTF-8");
    let texts: Vec<String> = csv::Reader::from_reader(out.as_bytes())
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    assert_eq!(texts, ["fine", "still fine", "bad \u{FFFD}( byte"]);
}

/// Peak resident set of a running process (VmHWM), in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let s = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Run to completion, draining stdout; returns (status, stdout line count, stderr, the
/// highest VmHWM seen while it ran).
fn run_measured(cmd: &mut Command) -> (std::process::ExitStatus, u64, String, u64) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let counter = std::thread::spawn(move || {
        let mut r = BufReader::with_capacity(1 << 20, out);
        let mut n = 0u64;
        loop {
            let buf = r.fill_buf().unwrap();
            if buf.is_empty() {
                break n;
            }
            n += buf.iter().filter(|&&b| b == b'\n').count() as u64;
            let k = buf.len();
            r.consume(k);
        }
    });
    let errs = std::thread::spawn(move || {
        let mut s = String::new();
        err.read_to_string(&mut s).unwrap();
        s
    });
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = peak_rss_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    (status, counter.join().unwrap(), errs.join().unwrap(), peak)
}

#[test]
fn fifty_megabyte_field_against_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut f = std::io::BufWriter::new(fs::File::create(d.join("big.csv")).unwrap());
    f.write_all(&to_csv(&["label", "text"], &tiny_rows(), b',', b"\n"))
        .unwrap();
    f.write_all(b"sales,\"").unwrap();
    let chunk = b"buy now ".repeat(1 << 17); // 1 MiB
    for _ in 0..50 {
        f.write_all(&chunk).unwrap();
    }
    f.write_all(b"\"\n").unwrap();
    drop(f);

    let t = Instant::now();
    let o = train(d, "big.csv", "m.model", &["--max-field-bytes", "1000000"]);
    // Refused while reading: after about 2 fields x 2 MB, not after holding 50 MB.
    assert_bad_data(
        &o,
        &[
            "big.csv:32:",
            "record still unfinished after 4065542 bytes",
            "a field exceeds the limit of 1000000 bytes",
        ],
    );
    assert!(!d.join("m.model").exists());
    eprintln!("50 MB field refused by train in {:?}", t.elapsed());

    let (status, lines, err, peak) = run_measured(Command::new(PREDICT).current_dir(d).args([
        "-i",
        "big.csv",
        "--max-field-bytes",
        "1000000",
        "-f",
        "jsonl",
    ]));
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains("big.csv:32: record still unfinished") && err.contains("limit of 1000000"),
        "{err}"
    );
    eprintln!("predict refused the 50 MB field; {lines} lines written, peak RSS {peak} KiB");
    assert!(peak < 40 * 1024, "the field was held: peak RSS {peak} KiB");

    // A field just over the bound, well under the read-ahead limit, is measured exactly.
    fs::write(
        d.join("over.csv"),
        format!("label,text\nsales,{}\n", "y".repeat(1001)),
    )
    .unwrap();
    let o = train(d, "over.csv", "m.model", &["--max-field-bytes", "1000"]);
    assert_bad_data(
        &o,
        &["over.csv:2: column `text`: field of 1001 bytes exceeds the limit of 1000 bytes"],
    );

    // Under the default bound (64 MiB) the same field is an ordinary, if long, message.
    assert_ok(&train(d, "big.csv", "m.model", &[]));
}

/// `pitchsift-predict -` holds one line at a time, so --max-field-bytes (default 64 MiB)
/// bounds it as it bounds a CSV field: a line that never ends is refused once that many
/// bytes of it have arrived, naming the line, instead of growing without bound (a 300 MB
/// line used to take 930 MB of memory and any --max-field-bytes was ignored).
#[test]
fn stdin_line_longer_than_the_field_bound_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    reference_model(d);
    // A whole line one byte over the bound, and the same line under the default bound.
    let long = format!("ok\n{}\n", "y".repeat(1001));
    let o = predict_stdin(
        d,
        &["-m", "ref.model", "-", "--max-field-bytes", "1000"],
        long.as_bytes(),
    );
    assert_bad_data(
        &o,
        &[
            "standard input:2: line of 1001 bytes exceeds the limit of 1000 bytes",
            "--max-field-bytes",
        ],
    );
    let o = predict_stdin(d, &["-m", "ref.model", "-"], long.as_bytes());
    assert_ok(&o);
    assert_eq!(o.stdout.iter().filter(|&&b| b == b'\n').count(), 2);

    // 200 MB without a line end against a 1 MB bound: refused early, in bounded memory.
    let mut child = Command::new(PREDICT)
        .args(["-m", "ref.model", "-", "--max-field-bytes", "1000000"])
        .current_dir(d)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..200 {
            if stdin.write_all(&chunk).is_err() {
                return; // the reader has given up: what the test expects
            }
        }
    });
    let pid = child.id();
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        if let Some(kib) = peak_rss_kib(pid) {
            peak = peak.max(kib);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_bad_data(
        &o,
        &[
            "standard input:1: line still unfinished after",
            "exceeds the limit of 1000000 bytes",
        ],
    );
    assert!(peak < 60 * 1024, "the line was held: peak RSS {peak} KiB");
}

/// A label given twice in `--prior` is refused (the last weight used to win silently);
/// spaces around a label or a weight are allowed.
#[test]
fn prior_with_a_label_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("t.csv"),
        to_csv(&["label", "text"], &tiny_rows(), b',', b"\n"),
    )
    .unwrap();
    let o = train(
        d,
        "t.csv",
        "m.model",
        &[
            "--prior",
            "networking=1,opportunity=1,recruiting=1,sales=1,scam=1,networking=5",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("gives label `networking` more than once"),
        "{}",
        stderr(&o)
    );
    assert!(!d.join("m.model").exists() && temps(d).is_empty());
    assert_ok(&train(
        d,
        "t.csv",
        "m.model",
        &[
            "--prior",
            "networking= 5, opportunity=1,recruiting=1,sales=1 ,scam=1",
        ],
    ));
}

/// Ten million empty messages are classified in constant memory. Ignored by default: it
/// writes ~600 MB of CSV through a pipe (about 10 s on a loaded 2-core machine). Run with
/// `cargo test --release --test hostile -- --ignored ten_million`.
#[test]
#[ignore]
fn ten_million_empty_messages() {
    const N: u64 = 10_000_000;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut f = std::io::BufWriter::new(fs::File::create(d.join("empty.csv")).unwrap());
    f.write_all(b"text\n").unwrap();
    let block = b"\"\"\n".repeat(1_000_000);
    for _ in 0..N / 1_000_000 {
        f.write_all(&block).unwrap();
    }
    drop(f);
    let t = Instant::now();
    let (status, lines, err, peak) =
        run_measured(
            Command::new(PREDICT)
                .current_dir(d)
                .args(["-i", "empty.csv", "--jobs", "2"]),
        );
    let secs = t.elapsed().as_secs_f64();
    assert!(status.success(), "{err}");
    assert_eq!(lines, N + 1, "a header and one row per message");
    eprintln!("10M empty messages: {secs:.1} s, peak RSS {peak} KiB");
    // Streaming: 10M rows held at once would take over a gigabyte.
    assert!(peak < 256 * 1024, "peak RSS {peak} KiB");
}

// ---------------------------------------------------------------------------------------
// Bad training data: exit 1, file/line/column named, no model written, none overwritten

/// A model already at `-o`, to prove a failed run leaves it alone.
fn existing_model(d: &Path) -> Vec<u8> {
    let bytes = reference_model(d);
    fs::copy(d.join("ref.model"), d.join("keep.model")).unwrap();
    bytes
}

fn assert_untouched(d: &Path, before: &[u8]) {
    assert_eq!(fs::read(d.join("keep.model")).unwrap(), before);
    assert!(!d.join("new.model").exists());
    assert!(temps(d).is_empty(), "stray temporary files: {:?}", temps(d));
}

#[test]
fn bad_training_data_leaves_models_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let before = existing_model(d);

    fs::write(d.join("empty.csv"), b"label,text\n").unwrap();
    fs::write(d.join("nothing.csv"), b"").unwrap();
    fs::write(
        d.join("one.csv"),
        b"label,text\nsales,buy now\nsales,demo call\n",
    )
    .unwrap();
    fs::write(d.join("nolabel.csv"), b"category,text\nsales,buy now\n").unwrap();
    fs::write(d.join("emptylabel.csv"), b"label,text\nsales,a\n  ,b\n").unwrap();
    // A line break or tab inside a label (quoted) used to become a label that broke
    // every one-line output (text predictions printed it across two lines).
    fs::write(
        d.join("breaklabel.csv"),
        b"label,text\nsales,a\nnetworking,b\n\"net\nwork\",c\n",
    )
    .unwrap();
    fs::write(
        d.join("tablabel.csv"),
        b"label,text\n\"sa\tles\",a\nnet,b\n",
    )
    .unwrap();

    let cases: &[(&str, &[&str], &[&str])] = &[
        ("empty.csv", &[], &["empty.csv", "no documents"]),
        (
            "nothing.csv",
            &[],
            &["nothing.csv", "the input is empty: no header line"],
        ),
        (
            "one.csv",
            &[],
            &["one.csv", "every document has the label `sales`"],
        ),
        ("missing.csv", &[], &["missing.csv", "no such file"]),
        (
            "nolabel.csv",
            &[],
            &["nolabel.csv:1", "no column `label`", "category,text"],
        ),
        (
            "nolabel.csv",
            &["--text-col", "body", "--label-col", "category"],
            &["nolabel.csv:1", "no column `body`"],
        ),
        (
            "emptylabel.csv",
            &[],
            &["emptylabel.csv:3", "column `label`", "empty label"],
        ),
        (
            "breaklabel.csv",
            &[],
            &[
                "breaklabel.csv:4",
                "column `label`",
                "`net\\nwork`",
                "line break",
            ],
        ),
        (
            "tablabel.csv",
            &[],
            &["tablabel.csv:2", "column `label`", "`sa\\tles`"],
        ),
    ];
    for (corpus, extra, parts) in cases {
        for out in ["keep.model", "new.model"] {
            let o = train(d, corpus, out, extra);
            assert_bad_data(&o, parts);
            assert_untouched(d, &before);
        }
    }
    // Two inputs, the second bad: nothing is written either.
    let o = train(d, "ref.csv", "keep.model", &[]);
    assert_ok(&o);
    assert_untouched(d, &before);
    let o = run_in(TRAIN, &["ref.csv", "nolabel.csv", "-o", "keep.model"], d);
    assert_bad_data(&o, &["nolabel.csv:1", "no column `label`"]);
    assert_untouched(d, &before);
    let o = run_in(TRAIN, &["ref.csv", "missing.csv", "-o", "keep.model"], d);
    assert_bad_data(&o, &["missing.csv"]);
    assert_untouched(d, &before);
}

/// A model that keeps no feature (`--min-df` above every term's document count, or a
/// corpus whose texts have no word) used to be written with exit 0 and then refused by
/// every tool that loads it ("non-finite or out-of-range parameter"): it is refused when
/// training, as scikit-learn's CountVectorizer refuses ("After pruning, no terms remain"),
/// and the model already at the output is left alone.
#[test]
fn a_model_without_features_is_refused_when_training() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let before = existing_model(d);
    fs::write(
        d.join("t.csv"),
        to_csv(&["label", "text"], &tiny_rows(), b',', b"\n"),
    )
    .unwrap();
    fs::write(
        d.join("blank.csv"),
        b"label,text\nsales,\nnetworking,\" \"\n",
    )
    .unwrap();
    for out in ["keep.model", "new.model"] {
        // The fixture has 30 messages: no term is in 31 of them.
        let o = train(d, "t.csv", out, &["--min-df", "31"]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("no term is kept as a feature")
                && stderr(&o).contains("--min-df 31"),
            "{}",
            stderr(&o)
        );
        assert_untouched(d, &before);
        let o = train(d, "blank.csv", out, &[]);
        assert_bad_data(&o, &["blank.csv", "no word in any text"]);
        assert_untouched(d, &before);
    }
    // The complement model and an update are refused alike.
    let o = train(
        d,
        "t.csv",
        "new.model",
        &["--min-df", "31", "--model", "complement"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_untouched(d, &before);
    // Where a term is kept, the model loads and predicts.
    assert_ok(&train(d, "t.csv", "new.model", &["--min-df", "3"]));
    assert_ok(&run_in(PREDICT, &["-m", "new.model", "quick demo"], d));
}

// ---------------------------------------------------------------------------------------
// Model files from elsewhere

#[test]
fn model_of_another_version_or_kind_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut bytes = reference_model(d);
    bytes[8..12].copy_from_slice(&7u32.to_le_bytes());
    let n = bytes.len();
    let crc = crc32fast::hash(&bytes[..n - 4]);
    bytes[n - 4..].copy_from_slice(&crc.to_le_bytes());
    fs::write(d.join("v7.model"), &bytes).unwrap();
    let o = run_in(PREDICT, &["-m", "v7.model", "hello there"], d);
    assert_bad_data(&o, &["v7.model", "version 7", "reads version 3", "retrain"]);

    fs::write(d.join("not.model"), b"label,text\nsales,hi\n").unwrap();
    let o = run_in(PREDICT, &["-m", "not.model", "hello"], d);
    assert_bad_data(&o, &["not.model", "not a pitchsift model file"]);
    let o = run_in(PREDICT, &["-m", "absent.model", "hello"], d);
    assert_bad_data(&o, &["absent.model"]);
}

// ---------------------------------------------------------------------------------------
// Faults: SIGKILL mid-write, full disk, unwritable paths, closed pipes

/// A CSV of `n` messages for predict, with an id column.
fn write_messages(path: &Path, n: usize) {
    let texts: Vec<String> = tiny().into_iter().map(|(_, t)| t).collect();
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(["id", "text"]).unwrap();
    for i in 0..n {
        w.write_record([i.to_string(), texts[i % texts.len()].clone()])
            .unwrap();
    }
    w.flush().unwrap();
}

/// Wait until a `.pitchsift-*.tmp` file in `dir` has at least `min` bytes, or the
/// child exits; true when seen.
fn wait_for_temp(dir: &Path, min: u64, child: &mut std::process::Child) -> bool {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(60) {
        if temps(dir)
            .iter()
            .any(|p| fs::metadata(p).is_ok_and(|m| m.len() >= min))
        {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    false
}

/// A predict run killed with SIGKILL while streaming its output leaves the previous
/// output intact. Its temporary file stays behind (nothing runs after SIGKILL), under a
/// random name that no later run reads or reuses: the next run succeeds beside it.
#[test]
fn sigkill_during_predict_output_keeps_previous_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_messages(&d.join("big.csv"), 400_000);
    let previous = b"id,text,predicted\nthe previous output\n";
    fs::write(d.join("out.csv"), previous).unwrap();

    let mut child = Command::new(PREDICT)
        .current_dir(d)
        .args(["-i", "big.csv", "-o", "out.csv", "--jobs", "1"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let caught = wait_for_temp(d, 1 << 20, &mut child);
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(caught, "the run ended before writing 1 MiB: {status:?}");
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9)
    );
    assert_eq!(fs::read(d.join("out.csv")).unwrap(), previous);
    let stray = temps(d);
    assert_eq!(stray.len(), 1, "{stray:?}");
    let stray_len = fs::metadata(&stray[0]).unwrap().len();
    assert!(stray_len >= 1 << 20);

    // The next run succeeds, replaces out.csv, and leaves the stray file alone.
    let o = run_in(PREDICT, &["-i", "big.csv", "-o", "out.csv"], d);
    assert_ok(&o);
    let out = fs::read(d.join("out.csv")).unwrap();
    assert_eq!(
        out.iter().filter(|&&b| b == b'\n').count(),
        400_001,
        "complete output"
    );
    assert_eq!(temps(d), stray);
}

/// A train run killed with SIGKILL while it writes the model leaves the previous model
/// byte-identical. A corpus with a large vocabulary makes the model file big enough
/// (tens of MB) to catch the write in progress.
#[test]
fn sigkill_during_model_write_keeps_previous_model() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let previous = existing_model(d);
    {
        let mut w = csv::Writer::from_path(d.join("wide.csv")).unwrap();
        w.write_record(["label", "text"]).unwrap();
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for i in 0..100_000u64 {
            let mut t = String::new();
            for _ in 0..8 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                t.push_str(&format!("w{:x} ", x >> 40));
            }
            w.write_record([["sales", "networking", "scam"][(i % 3) as usize], &t])
                .unwrap();
        }
        w.flush().unwrap();
    }
    let args = ["wide.csv", "-o", "keep.model", "-q", "--ngrams", "1..1"];
    // Kill as soon as the temporary model file appears. Should the run win the race and
    // rename first, the model is the new one, complete; put the old one back and retry.
    let mut caught = false;
    for _ in 0..5 {
        let mut child = Command::new(TRAIN)
            .current_dir(d)
            .args(args)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let seen = wait_for_temp(d, 1, &mut child);
        let _ = child.kill();
        let status = child.wait().unwrap();
        let now = fs::read(d.join("keep.model")).unwrap();
        if status.success() || now != previous {
            assert!(
                pitchsift::model_file::from_bytes(&now, "keep.model", Load::Full).is_ok(),
                "neither the previous model nor a complete new one"
            );
            fs::write(d.join("keep.model"), &previous).unwrap();
            continue;
        }
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9)
        );
        if seen {
            caught = true;
            break;
        }
    }
    assert!(caught, "never killed a run while it was writing the model");
    assert_eq!(temps(d).len(), 1, "the killed run's temporary file");

    // The next run succeeds and writes a complete, loadable model.
    let o = run_in(TRAIN, &args, d);
    assert_ok(&o);
    let m = pitchsift::model_file::load(&d.join("keep.model"), Load::Full);
    assert!(m.is_ok(), "{:?}", m.err());
}

#[test]
fn full_disk_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    reference_model(d);
    write_messages(&d.join("in.csv"), 50_000);

    // --output to a device is written in place, never renamed over (as root a rename
    // would replace /dev/full with a regular file).
    let o = run_in(PREDICT, &["-i", "in.csv", "-o", "/dev/full"], d);
    assert_bad_data(&o, &["/dev/full", "No space left on device"]);
    let o = train(d, "ref.csv", "/dev/full", &[]);
    assert_bad_data(&o, &["/dev/full", "No space left on device"]);
    let o = run_in(PREDICT, &["hello", "-o", "/dev/full"], d);
    assert_bad_data(&o, &["/dev/full", "No space left on device"]);
    assert!(is_char_device("/dev/full"));

    // Standard output redirected to /dev/full.
    for args in [&["-i", "in.csv"][..], &["hello there"][..]] {
        let o = Command::new(PREDICT)
            .current_dir(d)
            .args(args)
            .stdout(
                fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            )
            .output()
            .unwrap();
        assert_bad_data(&o, &["standard output", "No space left on device"]);
    }

    // /dev/null stays a device and predict output there succeeds.
    let o = run_in(PREDICT, &["-i", "in.csv", "-o", "/dev/null"], d);
    assert_ok(&o);
    assert!(is_char_device("/dev/null"));
}

fn is_char_device(p: &str) -> bool {
    use std::os::unix::fs::FileTypeExt;
    fs::metadata(p).unwrap().file_type().is_char_device()
}

#[test]
fn unwritable_paths_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    reference_model(d);
    fs::write(d.join("in.csv"), b"id,text\n1,hello\n").unwrap();
    fs::write(d.join("afile"), b"").unwrap();
    for target in ["no/such/dir/out.csv", "afile/out.csv"] {
        let o = run_in(PREDICT, &["-i", "in.csv", "-o", target], d);
        assert_bad_data(&o, &[target]);
        let o = train(d, "ref.csv", target, &[]);
        assert_bad_data(&o, &[target]);
    }
    // A directory as the output.
    fs::create_dir(d.join("adir")).unwrap();
    let o = run_in(PREDICT, &["-i", "in.csv", "-o", "adir"], d);
    assert_bad_data(&o, &["adir"]);
    let o = train(d, "ref.csv", "adir", &[]);
    assert_bad_data(&o, &["adir"]);
    assert!(temps(d).is_empty() && temps(&d.join("adir")).is_empty());
    // A read-only file system (procfs), whatever our privileges.
    let o = run_in(
        PREDICT,
        &["-i", "in.csv", "-o", "/proc/pitchsift-out.csv"],
        d,
    );
    assert_bad_data(&o, &["/proc/pitchsift-out.csv"]);
}

/// Standard input is read once: `-` twice among the corpora is a usage error (it was
/// read as an empty second file: "no column `text` in the header (columns: )").
#[test]
fn stdin_twice_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    reference_model(d);
    let cases: [(&str, &[&str]); 3] = [
        (TRAIN, &["-", "-", "-o", "m.model"]),
        (
            TRAIN,
            &["ref.csv", "-", "--always-train", "-", "-o", "m.model"],
        ),
        (
            PREDICT,
            &["-m", "ref.model", "-i", "-", "-i", "-", "-o", "m.model"],
        ),
    ];
    for (bin, args) in cases {
        let o = run_in(bin, args, d);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
        assert!(
            e.contains("`-` (standard input) is given more than once"),
            "{args:?}: {e}"
        );
        assert!(!d.join("m.model").exists(), "{args:?}");
    }
}

/// An output that is one of the run's inputs (`pitchsift-train data.csv -o data.csv`, a
/// predict `-o` naming the model, an eval report over the corpus): refused as usage (2)
/// before anything is read, and the input stays as it was. `--update M ... -o M` is the
/// documented exception: the base model is replaced by its update.
#[test]
fn output_that_is_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = reference_model(d);
    let corpus = fs::read(d.join("ref.csv")).unwrap();
    fs::write(d.join("in.csv"), b"id,text\n1,quick demo this week?\n").unwrap();
    let in_csv = fs::read(d.join("in.csv")).unwrap();
    let cases: [(&str, &[&str]); 7] = [
        (TRAIN, &["ref.csv", "-o", "ref.csv"]),
        // Another spelling of the same file.
        (
            TRAIN,
            &["ref.csv", "-o", "./ref.csv", "--always-train", "in.csv"],
        ),
        (
            PREDICT,
            &["-m", "ref.model", "-i", "in.csv", "-o", "ref.model"],
        ),
        (
            PREDICT,
            &[
                "-m",
                "ref.model",
                "-i",
                "in.csv",
                "-o",
                "in.csv",
                "-f",
                "jsonl",
            ],
        ),
        (EVAL, &["--cv", "2", "ref.csv", "--predictions", "ref.csv"]),
        (
            EVAL,
            &[
                "--model",
                "ref.model",
                "--test",
                "ref.csv",
                "--json",
                "ref.model",
            ],
        ),
        (EVAL, &["--cv", "2", "ref.csv", "--markdown", "ref.csv"]),
    ];
    for (bin, args) in cases {
        let o = run_in(bin, args, d);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
        assert!(
            e.contains("is the input") && e.contains("overwritten"),
            "{args:?}: {e}"
        );
        assert!(o.stdout.is_empty(), "{args:?}");
        assert_eq!(fs::read(d.join("ref.csv")).unwrap(), corpus, "{args:?}");
        assert_eq!(fs::read(d.join("ref.model")).unwrap(), model, "{args:?}");
        assert_eq!(fs::read(d.join("in.csv")).unwrap(), in_csv, "{args:?}");
    }
    assert!(temps(d).is_empty());
    // --update may write over its base model.
    fs::copy(d.join("ref.model"), d.join("grown.model")).unwrap();
    fs::write(
        d.join("new.csv"),
        b"label,text\nsales,a brand new demo offer\n",
    )
    .unwrap();
    assert_ok(&run_in(
        TRAIN,
        &[
            "--update",
            "grown.model",
            "new.csv",
            "-o",
            "grown.model",
            "-q",
        ],
        d,
    ));
    assert_ne!(fs::read(d.join("grown.model")).unwrap(), model);
}

/// An output in a directory that does not exist is refused before any input is read:
/// the corpus here has invalid UTF-8 on line 32, and the error is about the directory
/// (it used to read and fit everything, then fail on the output; a real corpus takes
/// minutes). Exit 1, one line naming the output and its directory.
#[test]
fn missing_output_directory_is_found_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    reference_model(d);
    let mut data = to_csv(&["label", "text"], &tiny_rows(), b',', b"\n");
    data.extend_from_slice(b"sales,caf\xE9 demo\n");
    fs::write(d.join("late.csv"), &data).unwrap();
    fs::write(d.join("afile"), b"").unwrap();
    let cases: [(&str, &[&str], &str); 7] = [
        (
            TRAIN,
            &["late.csv", "-o", "no/dir/m.model"],
            "the directory no/dir does not exist",
        ),
        (
            TRAIN,
            &["late.csv", "-o", "afile/m.model"],
            "afile is not a directory",
        ),
        (
            EVAL,
            &["--cv", "2", "late.csv", "--json", "no/dir/r.json"],
            "no/dir does not exist",
        ),
        (
            EVAL,
            &[
                "--grid",
                "late.csv",
                "--grid-alpha",
                "1",
                "-o",
                "no/dir/best.model",
            ],
            "no/dir does not exist",
        ),
        (
            MERGE,
            &["ref.model", "-o", "no/dir/m.model"],
            "no/dir does not exist",
        ),
        (
            PREDICT,
            &["-m", "ref.model", "-i", "late.csv", "-o", "no/dir/p.csv"],
            "no/dir does not exist",
        ),
        (
            PREDICT,
            &[
                "-m",
                "ref.model",
                "-i",
                "late.csv",
                "-o",
                "p.csv",
                "--report",
                "no/dir/r.html",
            ],
            "no/dir does not exist",
        ),
    ];
    for (bin, args, what) in cases {
        let o = run_in(bin, args, d);
        assert_bad_data(&o, &[what]);
        assert!(!stderr(&o).contains("UTF-8"), "{args:?}: {}", stderr(&o));
    }
    assert!(temps(d).is_empty());
}

/// `pitchsift-predict ... | head -1`: the reader goes away; predict ends quietly with 0.
#[test]
fn closed_pipe_downstream_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_messages(&d.join("big.csv"), 200_000);
    let cases: [&[&str]; 3] = [
        &["-i", "big.csv"],
        &["-i", "big.csv", "-f", "jsonl"],
        &["-", "-f", "text"],
    ];
    for args in cases {
        let mut child = Command::new(PREDICT)
            .current_dir(d)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let feeder = std::thread::spawn(move || {
            let line = b"quick demo of our platform this week?\n".repeat(5000);
            for _ in 0..20 {
                if stdin.write_all(&line).is_err() {
                    break;
                }
            }
        });
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        assert!(!first.is_empty());
        drop(out); // like `head -1` exiting
        let o = child.wait_with_output().unwrap();
        feeder.join().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
    }
}

// ---------------------------------------------------------------------------------------
// What every output is: its mode, its folder, standard output

const LABEL: &str = env!("CARGO_BIN_EXE_pitchsift-label");

/// `bin args` in `dir` under `umask` (set by a shell for the child alone).
#[cfg(unix)]
fn run_umask(bin: &str, args: &[&str], dir: &Path, umask: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask}; exec \"$0\" \"$@\""))
        .arg(bin)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

/// Runs that write every kind of output (predictions, report, model, merged model, eval
/// reports, plots, grid model, suggestions), with the files each writes.
fn every_output() -> Vec<(&'static str, Vec<&'static str>, Vec<&'static str>)> {
    vec![
        (
            PREDICT,
            vec![
                "-m",
                "ref.model",
                "-i",
                "in.csv",
                "-o",
                "p.csv",
                "--report",
                "r.html",
            ],
            vec!["p.csv", "r.html"],
        ),
        (TRAIN, vec!["ref.csv", "-o", "t.model"], vec!["t.model"]),
        (MERGE, vec!["ref.model", "-o", "m.model"], vec!["m.model"]),
        (
            EVAL,
            vec![
                "--cv",
                "2",
                "ref.csv",
                "--json",
                "e.json",
                "--markdown",
                "e.md",
                "--predictions",
                "e.csv",
                "--plot",
                "plots",
            ],
            vec![
                "e.json",
                "e.md",
                "e.csv",
                "plots/confusion.svg",
                "plots/reliability.svg",
            ],
        ),
        (
            EVAL,
            vec!["--grid", "ref.csv", "--grid-alpha", "1", "-o", "g.model"],
            vec!["g.model"],
        ),
        (
            LABEL,
            vec![
                "--model",
                "ref.model",
                "--input",
                "in.csv",
                "--suggest",
                "1",
                "-o",
                "s.csv",
            ],
            vec!["s.csv"],
        ),
    ]
}

/// Outputs hold people's messages: a new output file gets 0666 less the umask, like any
/// program's new file, and a replaced one keeps its mode. Every output was 0644 whatever
/// the umask (`umask 077` gave world-readable predictions) and whatever the mode of the
/// file it replaced (a 0600 file became 0644).
#[cfg(unix)]
#[test]
fn outputs_follow_the_umask_and_keep_a_replaced_files_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    reference_model(d);
    fs::write(
        d.join("in.csv"),
        b"id,text\n1,quick demo this week?\n2,lunch?\n",
    )
    .unwrap();
    for (umask, want) in [("077", 0o600), ("027", 0o640), ("022", 0o644)] {
        for (bin, args, files) in every_output() {
            for f in &files {
                let _ = fs::remove_file(d.join(f));
            }
            let mut args = args.clone();
            args.push("-q");
            let o = run_umask(bin, &args, d, umask);
            assert_ok(&o);
            for f in &files {
                assert_eq!(mode(&d.join(f)), want, "umask {umask}: {f} of {args:?}");
            }
        }
    }
    // A replaced file keeps its mode, narrower or wider than the umask gives.
    for (umask, old) in [("022", 0o600), ("077", 0o640), ("077", 0o664)] {
        for (bin, args, files) in every_output() {
            for f in &files {
                fs::write(d.join(f), b"old").unwrap();
                fs::set_permissions(d.join(f), fs::Permissions::from_mode(old)).unwrap();
            }
            let mut args = args.clone();
            args.push("-q");
            assert_ok(&run_umask(bin, &args, d, umask));
            for f in &files {
                assert_ne!(fs::read(d.join(f)).unwrap(), b"old", "{f} replaced");
                assert_eq!(mode(&d.join(f)), old, "umask {umask}: {f} of {args:?}");
            }
        }
    }
    // An output that is a symbolic link is replaced by a regular file (README): the link's
    // target is untouched.
    fs::write(d.join("target.csv"), b"kept").unwrap();
    std::os::unix::fs::symlink("target.csv", d.join("link.csv")).unwrap();
    let args = ["-m", "ref.model", "-i", "in.csv", "-o", "link.csv", "-q"];
    assert_ok(&run_in(PREDICT, &args, d));
    assert!(fs::symlink_metadata(d.join("link.csv")).unwrap().is_file());
    assert_eq!(fs::read(d.join("target.csv")).unwrap(), b"kept");
    assert!(temps(d).is_empty());
}

/// An output folder that takes no new file (procfs, even for root) is found before any
/// input is read, for every output of every binary: the corpus here has invalid UTF-8 on
/// its last line and the merge's second model is not a model, and the error is about the
/// output, naming the path given (not a temporary file). Train, merge and eval used to
/// read and fit everything first, then fail on `.pitchsift-XXXX.tmp`.
#[test]
fn unwritable_output_folder_is_found_before_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    reference_model(d);
    let mut data = to_csv(&["label", "text"], &tiny_rows(), b',', b"\n");
    data.extend_from_slice(b"sales,caf\xE9 demo\n");
    fs::write(d.join("late.csv"), &data).unwrap();
    fs::write(d.join("bad.model"), b"not a model").unwrap();
    let cases: [(&str, &[&str], &str); 10] = [
        (TRAIN, &["late.csv", "-o", "/proc/m.model"], "/proc/m.model"),
        (
            MERGE,
            &["ref.model", "bad.model", "-o", "/proc/m.model"],
            "/proc/m.model",
        ),
        (
            EVAL,
            &["--cv", "2", "late.csv", "--json", "/proc/r.json"],
            "/proc/r.json",
        ),
        (
            EVAL,
            &["--cv", "2", "late.csv", "--markdown", "/proc/r.md"],
            "/proc/r.md",
        ),
        (
            EVAL,
            &["--cv", "2", "late.csv", "--predictions", "/proc/p.csv"],
            "/proc/p.csv",
        ),
        (
            EVAL,
            &["--cv", "2", "late.csv", "--plot", "/proc/plots"],
            "/proc/plots",
        ),
        (
            EVAL,
            &[
                "--grid",
                "late.csv",
                "--grid-alpha",
                "1",
                "-o",
                "/proc/b.model",
            ],
            "/proc/b.model",
        ),
        (
            EVAL,
            &[
                "--model",
                "bad.model",
                "--test",
                "late.csv",
                "--json",
                "/proc/r.json",
            ],
            "/proc/r.json",
        ),
        (
            PREDICT,
            &["-m", "ref.model", "-i", "late.csv", "-o", "/proc/p.csv"],
            "/proc/p.csv",
        ),
        (
            LABEL,
            &[
                "--model",
                "ref.model",
                "--input",
                "late.csv",
                "--suggest",
                "2",
                "-o",
                "/proc/s.csv",
            ],
            "/proc/s.csv",
        ),
    ];
    for (bin, args, path) in cases {
        let o = run_in(bin, args, d);
        assert_bad_data(&o, &[path, "cannot write in /proc"]);
        let e = stderr(&o);
        assert!(
            !e.contains("UTF-8") && !e.contains("bad.model"),
            "{args:?}: {e}"
        );
        assert!(!e.contains(".pitchsift-"), "{args:?}: {e}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    assert!(temps(d).is_empty());
}

/// `-o -` is standard output, as `-` is everywhere else, for the outputs that are text:
/// predict's predictions and report, eval's JSON, Markdown and predictions (written
/// instead of the text report), label's suggestions; a model cannot be standard output
/// (train, merge, eval --grid -o: usage, exit 2), nor the label file or a plot folder.
/// Every tool used to write a file named `-` and nothing to standard output.
#[test]
fn dash_output_is_standard_output_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    reference_model(d);
    fs::write(
        d.join("in.csv"),
        b"id,text\n1,quick demo this week?\n2,lunch?\n",
    )
    .unwrap();
    let out = |bin: &str, args: &[&str]| {
        let o = run_in(bin, args, d);
        assert_ok(&o);
        o.stdout
    };
    // The same run to a file and to `-`: standard output holds the file's bytes alone
    // (eval's text report is left out).
    let cases: [(&str, &[&str], &str); 7] = [
        (
            PREDICT,
            &["-m", "ref.model", "-i", "in.csv", "-q", "-o"],
            "p.csv",
        ),
        (
            PREDICT,
            &["-m", "ref.model", "-i", "in.csv", "-q", "-f", "jsonl", "-o"],
            "p.jsonl",
        ),
        (EVAL, &["--cv", "2", "ref.csv", "-q", "--json"], "e.json"),
        (EVAL, &["--cv", "2", "ref.csv", "-q", "--markdown"], "e.md"),
        (
            EVAL,
            &["--cv", "2", "ref.csv", "-q", "--predictions"],
            "e.csv",
        ),
        (
            EVAL,
            &["--grid", "ref.csv", "--grid-alpha", "0.5,1", "-q", "--json"],
            "g.json",
        ),
        (
            LABEL,
            &[
                "--model",
                "ref.model",
                "--input",
                "in.csv",
                "--suggest",
                "2",
                "-q",
                "-o",
            ],
            "s.csv",
        ),
    ];
    for (bin, args, file) in cases {
        out(bin, &[args, &[file]].concat());
        let written = fs::read(d.join(file)).unwrap();
        assert!(!written.is_empty());
        assert_eq!(out(bin, &[args, &["-"]].concat()), written, "{args:?}");
        assert!(!d.join("-").exists(), "{args:?}");
    }
    // The predictions to a file, the report to standard output.
    let args = [
        "-m",
        "ref.model",
        "-i",
        "in.csv",
        "-q",
        "-o",
        "p2.csv",
        "--report",
        "-",
    ];
    let html = String::from_utf8(out(PREDICT, &args)).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html:.100}");
    assert_eq!(
        fs::read(d.join("p2.csv")).unwrap(),
        fs::read(d.join("p.csv")).unwrap()
    );
    // Refused: two outputs on standard output, a model, a label file, a plot folder.
    let refused: [(&str, &[&str], &str); 7] = [
        (
            PREDICT,
            &["-m", "ref.model", "-i", "in.csv", "--report", "-"],
            "both be written to standard output",
        ),
        (
            EVAL,
            &["--cv", "2", "ref.csv", "--json", "-", "--markdown", "-"],
            "both be written to standard output",
        ),
        (
            TRAIN,
            &["ref.csv", "-o", "-"],
            "the output -: a model cannot be written to standard output",
        ),
        (
            MERGE,
            &["ref.model", "-o", "-"],
            "the output -: a model cannot be written to standard output",
        ),
        (
            EVAL,
            &["--grid", "ref.csv", "--grid-alpha", "1", "-o", "-"],
            "-o/--output -: a model cannot be written to standard output",
        ),
        (
            LABEL,
            &["--model", "ref.model", "--input", "in.csv", "--labels", "-"],
            "--labels -: it is read back",
        ),
        (
            EVAL,
            &["--cv", "2", "ref.csv", "--plot", "-"],
            "--plot -: it writes files into a folder",
        ),
    ];
    for (bin, args, what) in refused {
        let o = run_in(bin, args, d);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(what), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).trim_end().lines().count(), 1, "{}", stderr(&o));
        assert!(o.stdout.is_empty(), "{args:?}");
        assert!(!d.join("-").exists(), "{args:?}");
    }
}

/// `pitchsift-merge a.model b.model -o a.model` replaced one of its inputs (exit 0);
/// like every other tool it now refuses an output that is an input, under any spelling
/// or hard link, as usage (exit 2), and leaves the model as it was.
#[test]
fn merge_refuses_to_replace_one_of_its_models() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = reference_model(d);
    fs::write(
        d.join("b.csv"),
        b"label,text\nsales,a brand new demo offer\nhr,a job\n",
    )
    .unwrap();
    assert_ok(&train(d, "b.csv", "b.model", &[]));
    fs::hard_link(d.join("ref.model"), d.join("link.model")).unwrap();
    let cases: [&[&str]; 3] = [
        &["ref.model", "b.model", "-o", "ref.model"],
        &["b.model", "ref.model", "-o", "./ref.model"],
        &["link.model", "b.model", "-o", "ref.model"],
    ];
    for args in cases {
        let o = run_in(MERGE, args, d);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
        assert!(
            e.contains("is the input") && e.contains("overwritten"),
            "{args:?}: {e}"
        );
        assert_eq!(fs::read(d.join("ref.model")).unwrap(), model, "{args:?}");
    }
    assert!(temps(d).is_empty());
    // Another output file is fine.
    assert_ok(&run_in(
        MERGE,
        &["ref.model", "b.model", "-o", "ab.model", "-q"],
        d,
    ));
}
