//! pitchsift-eval's Markdown and text reports with labels and group names that hold
//! Markdown's and HTML's special characters or control characters: every table row keeps
//! its header's columns, and no text of the data becomes markup or a terminal code.

mod common;

use std::path::Path;

use common::{ok, run, s, save_model_of, stderr, write, EVAL, TRAIN};

/// The cells of a Markdown table row: split at each `|` that is not escaped.
fn cells(line: &str) -> usize {
    let b = line.as_bytes();
    (0..b.len())
        .filter(|&i| b[i] == b'|' && (i == 0 || b[i - 1] != b'\\'))
        .count()
        - 1
}

/// Every table of `md`: each row has as many cells as its header.
fn assert_tables_whole(md: &str) {
    let mut header: Option<usize> = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        match header {
            None => header = Some(cells(line)),
            Some(n) => assert_eq!(cells(line), n, "a row out of its columns: {line}\n{md}"),
        }
    }
}

fn corpus(dir: &Path) -> std::path::PathBuf {
    // Invented rows; the labels and the group names hold `|`, `<` and `&`.
    let mut s = String::from("label,text,inbox\n");
    for i in 0..12 {
        s += &format!(
            "sales|b2b,\"book a demo of our crm platform, offer {i}\",a|{}\n",
            i % 3
        );
        s += &format!(
            "<b>net</b>,great meeting you at the conference number {i},a|{}\n",
            i % 3
        );
        s += &format!(
            "scam & fraud,send a gift card now to claim your prize {i},a|{}\n",
            i % 3
        );
    }
    write(dir, "corpus.csv", s)
}

#[test]
fn markdown_tables_keep_their_columns_whatever_the_labels() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    let model = dir.path().join("m.model");
    ok(&run(TRAIN, &[s(&c), "-o", s(&model), "-q"]));
    // A test file with a label the model does not know, holding a `|` too.
    let test = write(
        dir.path(),
        "test.csv",
        "label,text\nsales|b2b,book a demo of the crm\nx|y <i>z</i>,great meeting you\n",
    );
    let md = dir.path().join("t.md");
    ok(&run(
        EVAL,
        &[
            "--model",
            s(&model),
            "--test",
            s(&test),
            "--markdown",
            s(&md),
        ],
    ));
    let text = std::fs::read_to_string(&md).unwrap();
    assert_tables_whole(&text);
    assert!(text.contains("| sales\\|b2b |"), "{text}");
    assert!(text.contains("&lt;b>net&lt;/b>"), "{text}");
    assert!(!text.contains("<b>") && !text.contains("<i>"), "{text}");
    assert!(text.contains("scam &amp; fraud"), "{text}");

    // Grouped cross-validation: the per-group table too.
    let md = dir.path().join("cv.md");
    ok(&run(
        EVAL,
        &[
            "--cv",
            "3",
            s(&c),
            "--group-col",
            "inbox",
            "--markdown",
            s(&md),
            "-q",
        ],
    ));
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("## Per group"), "{text}");
    assert_tables_whole(&text);
    assert!(text.contains("| a\\|0 |"), "{text}");
}

/// `--plot` naming a file (not a folder) is refused before any work, naming the option,
/// and no other output is written: before, the report was computed, `--json` written, and
/// then the plots failed with "File exists (os error 17)".
#[test]
fn plot_into_a_file_is_refused_before_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path());
    let model = dir.path().join("m.model");
    ok(&run(TRAIN, &[s(&c), "-o", s(&model), "-q"]));
    let not_a_dir = write(dir.path(), "plots", "a file");
    let json = dir.path().join("r.json");
    let o = run(
        EVAL,
        &[
            "--model",
            s(&model),
            "--test",
            s(&c),
            "--json",
            s(&json),
            "--plot",
            s(&not_a_dir),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("plots") && err.contains("--plot needs a directory"),
        "{err}"
    );
    assert!(!json.exists(), "no output of a refused run");
    assert_eq!(std::fs::read_to_string(&not_a_dir).unwrap(), "a file");
}

/// The plain text report (stdout): a label holding a tab, a line break or an escape code
/// is shown escaped, so each table row stays one line with its columns aligned and no
/// control code reaches the terminal. Training and test CSVs refuse such labels now
/// (file, line, column); a model can still have them (made through the library, or a
/// file from before), so its labels are what is checked here.
#[test]
fn text_tables_keep_their_rows_whatever_the_labels() {
    let dir = tempfile::tempdir().unwrap();
    let mut docs = Vec::new();
    for i in 0..10 {
        docs.push((0, format!("book a demo of our crm platform, offer {i}")));
        docs.push((1, format!("great meeting you at the conference number {i}")));
        docs.push((2, "send a gift card now to claim your prize".to_string()));
    }
    let (odd, plain) = (
        ["sales\tb2b", "net\nwork", "\u{1b}[31mscam"],
        ["sales", "net", "scam"],
    );
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(["label", "text"]).unwrap();
    for (l, t) in &docs {
        csv.write_record([plain[*l], t.as_str()]).unwrap();
    }
    let c = dir.path().join("c.csv");
    std::fs::write(&c, csv.into_inner().unwrap()).unwrap();
    // The same corpus with the odd labels, counted through the library.
    let model = dir.path().join("m.model");
    let odd_docs: Vec<(&str, &str)> = docs.iter().map(|(l, t)| (odd[*l], t.as_str())).collect();
    save_model_of(&odd_docs, &model);
    let out = ok(&run(EVAL, &["--model", s(&model), "--test", s(&c)]));
    assert!(!out.contains('\t') && !out.contains('\u{1b}'), "{out:?}");
    // The per-label table: one line per label, escaped.
    for label in ["sales\\tb2b", "net\\nwork", "\\u{1b}[31mscam"] {
        assert_eq!(
            out.lines().filter(|l| l.starts_with(label)).count(),
            2,
            "{label} has one row in the label table and one in the confusion matrix:\n{out}"
        );
    }
}
