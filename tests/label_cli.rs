//! pitchsift-label end to end: `--suggest` files as `pitchsift-train --update` input, bad
//! input, and the interactive program driven through a pseudo-terminal (tmux), killed
//! with SIGKILL and resumed.

mod common;

use std::path::Path;
use std::process::Command;

use common::{ok, repo_file, run, run_in, s, stderr, EVAL, PREDICT, TRAIN};

const LABEL: &str = env!("CARGO_BIN_EXE_pitchsift-label");

/// Messages written for these tests; `id` n is on line n + 1.
const POOL: &str = "id,text\n\
1,Do you have 15 minutes for a quick demo of our platform?\n\
2,We are hiring a senior nurse for our clinic. Interested?\n\
3,Great to meet you at the conference last week!\n\
4,Earn money from home with this amazing opportunity\n\
5,Your account is locked. Send your password to unlock it\n\
6,Would love to connect and hear about your demo and our hiring\n\
7,Loved your talk on teams; let us stay in touch\n\
8,Join my team and be your own boss with passive income\n";

fn setup() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let f = repo_file("data/fixtures/tiny.csv");
    ok(&run_in(TRAIN, &[s(&f), "-o", "m.model", "-q"], d.path()));
    std::fs::write(d.path().join("pool.csv"), POOL).unwrap();
    d
}

/// `pitchsift-train --update m.model LABELS -o m2.model` in `dir`: it succeeds and skips
/// the one row left unlabelled (every label file of these tests has one).
fn fold_in(dir: &Path, labels: &str) {
    let o = run_in(
        TRAIN,
        &["--update", "m.model", labels, "-o", "m2.model", "-q"],
        dir,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "pitchsift-train: 1 row with an empty label skipped\n"
    );
}

#[test]
fn suggest_writes_a_label_file_that_update_takes() {
    let d = setup();
    let args = [
        "--model",
        "m.model",
        "--input",
        "pool.csv",
        "--suggest",
        "3",
    ];
    let out = ok(&run_in(LABEL, &args, d.path()));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "id,text,label,weight,predicted,confidence,p_networking,p_opportunity,p_recruiting,p_sales,p_scam"
    );
    assert_eq!(lines.len(), 4, "{out}");
    // The label is empty and the weight is the default (10, chosen by measurement).
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    assert!(rows.iter().all(|r| r[2].is_empty() && &r[3] == "10"));
    // Same input, same suggestions; also with the short forms of pitchsift-predict,
    // `-m` and `-i`.
    assert_eq!(ok(&run_in(LABEL, &args, d.path())), out);
    let short = ["-m", "m.model", "-i", "pool.csv", "--suggest", "3"];
    assert_eq!(ok(&run_in(LABEL, &short, d.path())), out);
    // A seeded random baseline: same seed, same rows.
    let rnd = |seed: &str| {
        let mut a = args.to_vec();
        a.extend(["--strategy", "random", "--seed", seed]);
        ok(&run_in(LABEL, &a, d.path()))
    };
    assert_eq!(rnd("3"), rnd("3"));
    // The user labels two of the three rows; the third stays empty and is skipped.
    let mut w = csv::Writer::from_path(d.path().join("mine.csv")).unwrap();
    w.write_record(r.headers().unwrap()).unwrap();
    for (i, row) in rows.iter().enumerate() {
        let mut row: Vec<&str> = row.iter().collect();
        if i < 2 {
            row[2] = "scam";
        }
        w.write_record(&row).unwrap();
    }
    w.flush().unwrap();
    fold_in(d.path(), "mine.csv");
    // A corpus trained from scratch still refuses an empty label.
    let o = run_in(TRAIN, &["mine.csv", "-o", "m3.model", "-q"], d.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("mine.csv:4: column `label`: empty label"),
        "{}",
        stderr(&o)
    );
    assert!(!d.path().join("m3.model").exists());
}

/// `--suggest K` refuses what cannot act (exit 2, one line, nothing written): --every,
/// the interactive program's re-ranking, and K = 0, which wrote a header alone (as
/// pitchsift-predict refuses `--explain 0`). Both used to exit 0.
#[test]
fn suggest_refuses_every_and_zero_rows() {
    let d = setup();
    let base = ["--model", "m.model", "--input", "pool.csv", "-o", "s.csv"];
    let cases: [(&[&str], &str); 3] = [
        (
            &["--suggest", "3", "--every", "5"],
            "--every has no use with --suggest",
        ),
        (
            &["--every=10", "--suggest=3"],
            "--every has no use with --suggest",
        ),
        (&["--suggest", "0"], "--suggest needs at least 1 row"),
    ];
    for (extra, says) in cases {
        let o = run_in(LABEL, &[&base[..], extra].concat(), d.path());
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(
            err.contains(says) && err.lines().count() == 1,
            "{extra:?}: {err}"
        );
        assert!(!d.path().join("s.csv").exists(), "{extra:?}");
    }
    ok(&run_in(
        LABEL,
        &[&base[..], &["--suggest", "1"]].concat(),
        d.path(),
    ));
    let rows = csv::Reader::from_path(d.path().join("s.csv"))
        .unwrap()
        .records()
        .count();
    assert_eq!(rows, 1);
}

#[test]
fn bad_input_names_file_line_and_column_and_writes_nothing() {
    let d = setup();
    std::fs::write(
        d.path().join("bad.csv"),
        b"id,text\n1,fine\n2,bad \xff byte\n",
    )
    .unwrap();
    let o = run_in(
        LABEL,
        &[
            "--model",
            "m.model",
            "--input",
            "bad.csv",
            "--suggest",
            "1",
            "-o",
            "s.csv",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("bad.csv:3: column `text`: invalid UTF-8"),
        "{}",
        stderr(&o)
    );
    assert!(!d.path().join("s.csv").exists());
    // An input with two `label` columns (which one is the answer?); one `label` column
    // is respected (a_label_column_of_the_predicted_input_is_respected).
    std::fs::write(d.path().join("lab.csv"), "text,label,Label\nhello,,\n").unwrap();
    let o = run_in(
        LABEL,
        &["--model", "m.model", "--input", "lab.csv", "--suggest", "1"],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("lab.csv:1: column `Label`: a second `label` column"),
        "{}",
        stderr(&o)
    );
    // A label file with a bad weight, folded in: file, line, column; no model.
    std::fs::write(
        d.path().join("w.csv"),
        "text,label,weight\nhi,sales,2\nyo,sales,x\n",
    )
    .unwrap();
    let o = run_in(
        TRAIN,
        &["--update", "m.model", "w.csv", "-o", "u.model"],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("w.csv:3: column `weight`"),
        "{}",
        stderr(&o)
    );
    assert!(!d.path().join("u.model").exists());
    // Usage errors: exit 2.
    let o = run_in(
        LABEL,
        &["--model", "m.model", "--input", "pool.csv"],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let o = run_in(
        LABEL,
        &[
            "--model",
            "m.model",
            "--input",
            "pool.csv",
            "--suggest",
            "1",
            "--weight",
            "0",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(2));
}

/// A tmux server of its own (socket in the test directory), ended on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new(dir: &Path) -> Tmux {
        Tmux {
            socket: dir.join("tmux.sock").to_string_lossy().into_owned(),
        }
    }

    fn cmd(&self, args: &[&str]) -> String {
        let o = Command::new("tmux")
            .args(["-S", &self.socket])
            .args(args)
            .output()
            .expect("tmux is installed (.ci/run installs it)");
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn start(&self, name: &str, dir: &Path, shell: &str) {
        self.start_sized(name, dir, shell, (110, 34));
    }

    /// `start` in a terminal of `(columns, rows)`.
    fn start_sized(&self, name: &str, dir: &Path, shell: &str, size: (u16, u16)) {
        let (x, y) = (size.0.to_string(), size.1.to_string());
        self.cmd(&[
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            &x,
            "-y",
            &y,
            "-c",
            s(dir),
            shell,
        ]);
    }

    fn resize(&self, name: &str, size: (u16, u16)) {
        let (x, y) = (size.0.to_string(), size.1.to_string());
        self.cmd(&["resize-window", "-t", name, "-x", &x, "-y", &y]);
    }

    fn screen(&self, name: &str) -> String {
        self.cmd(&["capture-pane", "-p", "-t", name])
    }

    /// Wait until the screen shows `what` (a deadline against a hung program, not a
    /// measurement: the test asserts no duration).
    fn wait_for(&self, name: &str, what: &str) -> String {
        for _ in 0..600 {
            let sc = self.screen(name);
            if sc.contains(what) {
                return sc;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("`{what}` never appeared; screen:\n{}", self.screen(name));
    }

    fn keys(&self, name: &str, keys: &[&str]) {
        let mut a = vec!["send-keys", "-t", name];
        a.extend_from_slice(keys);
        self.cmd(&a);
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.cmd(&["kill-server"]);
    }
}

fn rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn wait_rows(path: &Path, n: usize) -> Vec<Vec<String>> {
    for _ in 0..600 {
        if path.exists() {
            let r = rows(path);
            if r.len() == n {
                return r;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("{} never had {n} rows", path.display());
}

#[test]
fn interactive_labelling_through_a_pseudo_terminal_survives_sigkill() {
    let d = setup();
    let dir = d.path();
    let labels = dir.join("l.csv");
    let t = Tmux::new(dir);
    // A session that outlives the others, so that the server stays up after the kill.
    t.start("keep", dir, "sleep 600");
    let run = format!("{LABEL} --model m.model --input pool.csv --labels l.csv --every 2");
    t.start("a", dir, &format!("exec {run}"));
    let sc = t.wait_for("a", "confidence");
    assert!(
        sc.contains("1 networking  2 opportunity  3 recruiting  4 sales  5 scam"),
        "{sc}"
    );
    assert!(sc.contains("0 labels given"), "{sc}");
    // 1 = networking: saved at once.
    t.keys("a", &["1"]);
    let r = wait_rows(&labels, 1);
    assert_eq!((r[0][2].as_str(), r[0][3].as_str()), ("networking", "10"));
    // s = skip (an empty label), u = undo it.
    t.keys("a", &["s"]);
    let r = wait_rows(&labels, 2);
    assert_eq!(r[1][2], "");
    t.keys("a", &["u"]);
    wait_rows(&labels, 1);
    t.wait_for("a", "undone: skip");
    // A letter no label starts with is refused; r = recruiting is taken.
    t.keys("a", &["x"]);
    t.wait_for("a", "no label starts with `x`");
    t.keys("a", &["r"]);
    let r = wait_rows(&labels, 2);
    assert_eq!(r[1][2], "recruiting");
    // Two labels given: the model was updated in memory and the queue re-ranked.
    t.wait_for("a", "model updated");
    t.wait_for("a", "2 labels given");
    // A label the model does not know: refused unless confirmed.
    t.keys("a", &["+", "job-spam", "Enter"]);
    t.wait_for("a", "`job-spam` is not a label of the model");
    t.keys("a", &["n"]);
    t.wait_for("a", "`job-spam` not added");
    t.keys("a", &["+", "job-spam", "Enter"]);
    t.wait_for("a", "add it as a new label? y/n");
    t.keys("a", &["y"]);
    let r = wait_rows(&labels, 3);
    assert_eq!(r[2][2], "job-spam");
    t.wait_for("a", "6 job-spam");
    // Killed without warning: every answer is on disk, and the file is whole.
    let pid = t.cmd(&["list-panes", "-t", "a", "-F", "#{pane_pid}"]);
    let pid = pid.trim();
    assert!(Command::new("kill")
        .args(["-9", pid])
        .status()
        .unwrap()
        .success());
    let answered = rows(&labels);
    assert_eq!(answered.len(), 3);
    let ids: Vec<String> = answered.iter().map(|r| r[0].clone()).collect();
    // Restart: resumes, and asks none of the answered messages again.
    t.start(
        "b",
        dir,
        &format!("sh -c '{run}; echo EXITED $?; sleep 60'"),
    );
    let sc = t.wait_for("b", "resumed: 3 answers");
    assert!(sc.contains("3 labels given"), "{sc}");
    let line: u64 = shown_line(&sc).parse().unwrap();
    let id = (line - 1).to_string();
    assert!(!ids.contains(&id), "message {id} asked again:\n{sc}");
    t.keys("b", &["s"]);
    let r = wait_rows(&labels, 4);
    assert_eq!((r[3][0].as_str(), r[3][2].as_str()), (id.as_str(), ""));
    // q quits and prints the command that folds the labels in.
    t.keys("b", &["q"]);
    let sc = t.wait_for("b", "EXITED 0");
    assert!(
        sc.contains("pitchsift-train --update m.model l.csv -o m.mine.model"),
        "{sc}"
    );
    fold_in(dir, "l.csv");
}

/// The screen's count of labels given: "1 label given", "2 labels given".
fn given(n: usize) -> String {
    format!("{n} label{} given", if n == 1 { "" } else { "s" })
}

/// The message's line as the screen names it (`(line N)`).
fn shown_line(screen: &str) -> String {
    let line = screen.split("(line ").nth(1).expect("a message is shown");
    line.split(')').next().unwrap().to_string()
}

/// A label file that cannot be written (here: a folder took its name) does not end the
/// session: the answer is not recorded, the screen says so and keeps the message, and
/// the same key answers it once the file can be written again.
#[test]
fn an_answer_that_cannot_be_saved_is_asked_again() {
    let d = setup();
    let dir = d.path();
    let labels = dir.join("l.csv");
    let t = Tmux::new(dir);
    t.start("keep", dir, "sleep 600");
    let run = format!("{LABEL} --model m.model --input pool.csv --labels l.csv");
    t.start(
        "a",
        dir,
        &format!("sh -c '{run}; echo EXITED $?; sleep 60'"),
    );
    t.wait_for("a", "confidence");
    t.keys("a", &["1"]);
    wait_rows(&labels, 1);
    let sc = t.wait_for("a", "1 label given");
    let line = shown_line(&sc);
    // A folder where the label file was: renaming the new file over it fails.
    std::fs::remove_file(&labels).unwrap();
    std::fs::create_dir(&labels).unwrap();
    t.keys("a", &["s"]);
    let sc = t.wait_for("a", "not saved:");
    assert!(sc.contains("answer again, or q to quit"), "{sc}");
    assert!(sc.contains("1 label given"), "{sc}");
    assert_eq!(shown_line(&sc), line, "{sc}");
    // An undo cannot be saved either: the answer stands.
    t.keys("a", &["u"]);
    t.wait_for("a", "undo not saved:");
    std::fs::remove_dir(&labels).unwrap();
    // The same message, answered again: the file holds both answers.
    t.keys("a", &["s"]);
    let r = wait_rows(&labels, 2);
    assert_eq!((r[0][2].as_str(), r[1][2].as_str()), ("networking", ""));
    assert_eq!(r[1][0], (line.parse::<u64>().unwrap() - 1).to_string());
    t.keys("a", &["q"]);
    t.wait_for("a", "EXITED 0");
}

#[test]
fn interactive_needs_a_terminal_and_a_label_folder_and_messages_before_it_starts() {
    let d = setup();
    let dir = d.path();
    // Standard output not a terminal (captured here): a usage error saying so, where
    // the terminal library used to panic (exit 101 and a backtrace).
    let o = run_in(
        LABEL,
        &[
            "--model", "m.model", "--input", "pool.csv", "--labels", "l.csv",
        ],
        dir,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("standard output is not one"), "{err}");
    assert!(err.contains("--suggest"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!dir.join("l.csv").exists());
    // In a terminal: a label file in a folder that does not exist is refused before the
    // screen opens (it used to fail at the first answer, losing it), and an input with a
    // header only names the input (not "the input: no documents to train on").
    std::fs::write(dir.join("hdr.csv"), "id,text\n").unwrap();
    let t = Tmux::new(dir);
    t.start("keep", dir, "sleep 600");
    let run = format!(
        "{LABEL} --model m.model --input pool.csv --labels nope/l.csv; echo EXIT=$?; \
         {LABEL} --model m.model --input hdr.csv --labels l.csv; echo EXIT=$?; echo DONE; sleep 600"
    );
    t.start("a", dir, &run);
    let sc = t.wait_for("a", "DONE");
    assert!(
        sc.contains("nope/l.csv: the directory nope does not exist"),
        "{sc}"
    );
    assert!(sc.contains("hdr.csv: no messages to label"), "{sc}");
    assert_eq!(sc.matches("EXIT=1").count(), 2, "{sc}");
    assert!(!dir.join("l.csv").exists());
}

/// A LinkedIn export as the README's "Classify your own inbox" starts from: a zip with
/// messages.csv (the newer layout) and Invitations.csv. Every name and text is invented
/// here. Six opening messages to the owner and one incoming invitation with a message
/// are classified (7 rows); the owner's own conversation is not.
fn export_zip(dir: &Path) -> std::path::PathBuf {
    use std::io::Write;
    const OWNER: &str = "Olivia Owner";
    const ME: &str = "https://www.linkedin.com/in/olivia-owner-example";
    let mut m = csv::Writer::from_writer(Vec::new());
    m.write_record(common::LINKEDIN_MESSAGES_HEADER).unwrap();
    let msgs = [
        (
            "c1",
            "Sam Seller",
            "2025-11-30 14:00:00 UTC",
            "Do you have 15 minutes for a quick demo of our platform?",
        ),
        (
            "c2",
            "Rita Recruiter",
            "2025-11-29 09:00:00 UTC",
            "We are hiring a senior nurse for our clinic. Interested?",
        ),
        (
            "c3",
            "Nina Net",
            "2025-11-28 10:00:00 UTC",
            "Great to meet you at the conference last week!",
        ),
        (
            "c4",
            "Olga Opp",
            "2025-11-27 11:00:00 UTC",
            "Earn money from home with this amazing opportunity",
        ),
        (
            "c5",
            "Sid Scam",
            "2025-11-26 12:00:00 UTC",
            "Your account is locked. Send your password to unlock it",
        ),
        (
            "c6",
            "Mia Mixed",
            "2025-11-25 13:00:00 UTC",
            "Would love to connect and hear about your demo and our hiring",
        ),
        (
            "c7",
            OWNER,
            "2025-11-24 13:00:00 UTC",
            "Hi Tom, thanks for the intro.",
        ),
    ];
    for (conv, from, date, text) in msgs {
        let (to, url, to_url) = if from == OWNER {
            (
                "Tom Other",
                ME.to_string(),
                "https://www.linkedin.com/in/tom-other-example".to_string(),
            )
        } else {
            (
                OWNER,
                format!("https://www.linkedin.com/in/{conv}-example"),
                ME.to_string(),
            )
        };
        m.write_record([
            conv, "", from, &url, to, &to_url, date, "", text, "INBOX", "", "No", "No",
        ])
        .unwrap();
    }
    let messages = String::from_utf8(m.into_inner().unwrap()).unwrap();
    let invitations = format!(
        "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n\
         Ivy Invite,{OWNER},\"1/29/26, 2:37 PM\",Loved your talk on teams; let us stay in touch,INCOMING,\
         https://www.linkedin.com/in/ivy-invite-example,{ME}\n"
    );
    let p = dir.join("Basic_LinkedInDataExport_12-01-2025.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&p).unwrap());
    for (name, body) in [
        ("messages.csv", &messages),
        ("Invitations.csv", &invitations),
    ] {
        z.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(body.as_bytes()).unwrap();
    }
    z.finish().unwrap();
    p
}

/// The columns pitchsift-predict writes for a LinkedIn export, before its own.
const EXPORT_COLUMNS: &str = "kind,conversation_id,from,sender_url,date,subject,text";
const MODEL_COLUMNS: &str =
    "predicted,confidence,p_networking,p_opportunity,p_recruiting,p_sales,p_scam";

#[test]
fn the_readmes_inbox_flow_predictions_are_suggested_labelled_and_folded_in() {
    // README: predict --linkedin EXPORT --output inbox.csv --report inbox.html, then
    // pitchsift-label --suggest on that file, then pitchsift-train --update. The label
    // program used to refuse the predictions file (it "already has a column
    // `predicted`"), so this flow stopped at its second step.
    let d = setup();
    let dir = d.path();
    let zip = export_zip(dir);
    let o = run_in(
        PREDICT,
        &[
            "--model",
            "m.model",
            "--linkedin",
            s(&zip),
            "--output",
            "inbox.csv",
            "--report",
            "inbox.html",
            "--explain",
            "2",
            "-q",
        ],
        dir,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let preds = std::fs::read_to_string(dir.join("inbox.csv")).unwrap();
    assert!(preds.starts_with(&format!("{EXPORT_COLUMNS},{MODEL_COLUMNS},explanation\n")));
    let args = [
        "--model",
        "m.model",
        "--input",
        "inbox.csv",
        "--suggest",
        "3",
        "-o",
        "to-label.csv",
    ];
    let o = run_in(LABEL, &args, dir);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "pitchsift-label: 3 of 7 messages suggested\npitchsift-label: the input's columns \
         predicted, confidence, p_networking, p_opportunity, p_recruiting, p_sales, p_scam, \
         explanation are replaced by this run's\n"
    );
    // The old prediction columns are replaced by this model's: one set, after label and weight.
    let out = rows(&dir.join("to-label.csv"));
    let header = std::fs::read_to_string(dir.join("to-label.csv")).unwrap();
    assert_eq!(
        header.lines().next().unwrap(),
        format!("{EXPORT_COLUMNS},label,weight,{MODEL_COLUMNS}")
    );
    assert_eq!(out.len(), 3);
    // The suggestion file may not replace the predictions it reads (exit 2, untouched).
    let o = run_in(
        LABEL,
        &[
            "--model",
            "m.model",
            "--input",
            "inbox.csv",
            "--suggest",
            "3",
            "-o",
            "inbox.csv",
        ],
        dir,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.join("inbox.csv")).unwrap(),
        preds
    );
    // The user labels two of the three; the file folds into the model.
    let mut w = csv::Writer::from_path(dir.join("answered.csv")).unwrap();
    w.write_record(header.lines().next().unwrap().split(','))
        .unwrap();
    for (i, r) in out.iter().enumerate() {
        let mut r = r.clone();
        if i < 2 {
            r[7] = "scam".into();
        }
        w.write_record(&r).unwrap();
    }
    w.flush().unwrap();
    fold_in(dir, "answered.csv");
    // The answered file is an input again: its two labelled rows count as answered and
    // are not suggested; the third is, with the new model's predictions.
    let o = run_in(
        LABEL,
        &[
            "--model",
            "m2.model",
            "--input",
            "answered.csv",
            "--suggest",
            "5",
            "-q",
        ],
        dir,
    );
    let again = ok(&o);
    let mut r = csv::Reader::from_reader(again.as_bytes());
    let again: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    assert_eq!(again.len(), 1, "{again:?}");
    assert_eq!(&again[0][6], out[2][6].as_str());
    assert!(again[0][7].is_empty());
    let o = run_in(
        LABEL,
        &[
            "--model",
            "m2.model",
            "--input",
            "answered.csv",
            "--suggest",
            "5",
        ],
        dir,
    );
    assert!(
        stderr(&o)
            .contains("1 of 3 messages suggested (2 already labelled in the input: not suggested)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_label_column_of_the_predicted_input_is_respected() {
    // `pitchsift-predict --input x.csv -o preds.csv` of a file whose rows 1 and 5 (ids)
    // are labelled already: those are never suggested.
    let d = setup();
    let dir = d.path();
    let mut x = String::from("id,text,label\n");
    for (i, line) in POOL.lines().skip(1).enumerate() {
        let label = match i {
            0 => "sales",
            4 => " scam ",
            _ => "",
        };
        x.push_str(&format!("{line},{label}\n"));
    }
    std::fs::write(dir.join("x.csv"), x).unwrap();
    let o = run_in(
        PREDICT,
        &["--model", "m.model", "--input", "x.csv", "-o", "preds.csv"],
        dir,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = ok(&run_in(
        LABEL,
        &[
            "--model",
            "m.model",
            "--input",
            "preds.csv",
            "--suggest",
            "8",
            "-q",
        ],
        dir,
    ));
    assert!(
        out.starts_with(&format!("id,text,label,weight,{MODEL_COLUMNS}\n")),
        "{out}"
    );
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let ids: Vec<String> = r.records().map(|r| r.unwrap()[0].to_string()).collect();
    assert_eq!(ids.len(), 6, "{ids:?}");
    assert!(
        !ids.contains(&"1".to_string()) && !ids.contains(&"5".to_string()),
        "{ids:?}"
    );
    // A `p_` or `confidence` column with no `predicted` before it is not an earlier
    // prediction: it is kept as `input_<name>` (again prefixed while that name is taken),
    // by the labeller and by pitchsift-predict alike, so no name is there twice and
    // nothing is lost (the labeller used to refuse it, predict to write the name twice).
    std::fs::write(
        dir.join("p.csv"),
        "text,p_value,Confidence,input_confidence\nhello,1,high,x\n",
    )
    .unwrap();
    let kept = "text,input_p_value,input_input_Confidence,input_confidence";
    let suggest = |input: &str| {
        ok(&run_in(
            LABEL,
            &[
                "--model",
                "m.model",
                "--input",
                input,
                "--suggest",
                "1",
                "-q",
            ],
            dir,
        ))
    };
    let out = suggest("p.csv");
    assert!(
        out.starts_with(&format!(
            "{kept},label,weight,{MODEL_COLUMNS}\nhello,1,high,x,,10,"
        )),
        "{out}"
    );
    let preds = ok(&run_in(
        PREDICT,
        &["--model", "m.model", "--input", "p.csv"],
        dir,
    ));
    assert!(
        preds.starts_with(&format!("{kept},{MODEL_COLUMNS}\nhello,1,high,x,")),
        "{preds}"
    );
    // Its predictions labelled: the same rows (the earlier prediction replaced).
    std::fs::write(dir.join("p-preds.csv"), &preds).unwrap();
    assert_eq!(suggest("p-preds.csv"), out);
}

#[test]
fn the_label_file_is_checked_as_an_output_of_the_run() {
    // --labels is read back and rewritten with every answer: it may not be the input
    // (the answers would replace the messages being read) nor the model; both used to
    // be accepted. Checked before the terminal, so no pseudo-terminal is needed.
    let d = setup();
    let dir = d.path();
    let before = std::fs::read(dir.join("pool.csv")).unwrap();
    for labels in ["pool.csv", "./pool.csv", "m.model"] {
        let o = run_in(
            LABEL,
            &[
                "--model", "m.model", "--input", "pool.csv", "--labels", labels,
            ],
            dir,
        );
        assert_eq!(o.status.code(), Some(2), "{labels}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("--labels {labels} is the input")),
            "{}",
            stderr(&o)
        );
    }
    assert_eq!(std::fs::read(dir.join("pool.csv")).unwrap(), before);
    // A folder that takes no new file (even for root): refused before any work.
    let o = run_in(
        LABEL,
        &[
            "--model",
            "m.model",
            "--input",
            "pool.csv",
            "--labels",
            "/proc/l.csv",
        ],
        dir,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("/proc/l.csv: cannot write in /proc"),
        "{}",
        stderr(&o)
    );
    // -o goes with --suggest only.
    let o = run_in(
        LABEL,
        &[
            "--model", "m.model", "--input", "pool.csv", "--labels", "l.csv", "-o", "x.csv",
        ],
        dir,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn weight_col_is_an_option_of_train_and_eval_only() {
    // Weights go with labels: predict and label read none, and --weight-col did nothing
    // there (it was in their --help all the same).
    let help = |bin: &str| ok(&run(bin, &["--help"]));
    for bin in [PREDICT, LABEL] {
        assert!(!help(bin).contains("--weight-col"), "{bin}");
        let o = run(bin, &["--weight-col", "w", "--help"]);
        assert_eq!(o.status.code(), Some(2), "{bin}");
    }
    for bin in [TRAIN, EVAL] {
        assert_eq!(help(bin).matches("--weight-col").count(), 1, "{bin}");
    }
}

#[test]
fn the_inbox_flow_interactively_and_folded_in() {
    // README: the predictions of an export, labelled in the terminal, the label file
    // folded in with the printed command.
    let d = setup();
    let dir = d.path();
    let zip = export_zip(dir);
    ok(&run_in(
        PREDICT,
        &[
            "--model",
            "m.model",
            "--linkedin",
            s(&zip),
            "-o",
            "inbox.csv",
            "-q",
        ],
        dir,
    ));
    let t = Tmux::new(dir);
    t.start("keep", dir, "sleep 600");
    let run = format!("{LABEL} --model m.model --input inbox.csv --labels l.csv --every 2");
    t.start(
        "a",
        dir,
        &format!("sh -c '{run}; echo EXITED $?; sleep 60'"),
    );
    // Not "confidence": the note on stderr that the input's prediction columns are replaced
    // names that column before the screen opens.
    let sc = t.wait_for("a", " left");
    assert!(sc.contains("7 of 7 left"), "{sc}");
    t.keys("a", &["1"]);
    wait_rows(&dir.join("l.csv"), 1);
    t.keys("a", &["s"]);
    wait_rows(&dir.join("l.csv"), 2);
    t.keys("a", &["q"]);
    let sc = t.wait_for("a", "EXITED 0");
    assert!(
        sc.contains("pitchsift-train --update m.model l.csv -o m.mine.model"),
        "{sc}"
    );
    let text = std::fs::read_to_string(dir.join("l.csv")).unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        format!("{EXPORT_COLUMNS},label,weight")
    );
    fold_in(dir, "l.csv");
}

#[test]
fn labelled_rows_of_the_input_are_not_asked_interactively() {
    let d = setup();
    let dir = d.path();
    let mut x = String::from("id,text,label\n");
    for (i, line) in POOL.lines().skip(1).enumerate() {
        x.push_str(&format!(
            "{line},{}\n",
            if i < 6 { "networking" } else { "" }
        ));
    }
    std::fs::write(dir.join("x.csv"), x).unwrap();
    ok(&run_in(
        PREDICT,
        &["--model", "m.model", "--input", "x.csv", "-o", "preds.csv"],
        dir,
    ));
    let t = Tmux::new(dir);
    t.start("keep", dir, "sleep 600");
    let run = format!("{LABEL} --model m.model --input preds.csv --labels l.csv");
    t.start(
        "a",
        dir,
        &format!("sh -c '{run}; echo EXITED $?; sleep 60'"),
    );
    let sc = t.wait_for("a", "6 messages labelled in the input: not asked");
    assert!(sc.contains("2 of 8 left"), "{sc}");
    // Only ids 7 and 8 are asked; then every message is answered.
    t.keys("a", &["s"]);
    wait_rows(&dir.join("l.csv"), 1);
    t.keys("a", &["s"]);
    let r = wait_rows(&dir.join("l.csv"), 2);
    let mut ids: Vec<&str> = r.iter().map(|r| r[0].as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["7", "8"]);
    t.wait_for("a", "Every message is answered");
    // Undo gives back the last one asked, not a message labelled in the input.
    t.keys("a", &["u"]);
    wait_rows(&dir.join("l.csv"), 1);
    t.wait_for("a", "1 of 8 left");
    t.keys("a", &["q"]);
    let sc = t.wait_for("a", "EXITED 0");
    assert!(
        sc.contains("The 6 messages labelled in the input are not in l.csv"),
        "{sc}"
    );
}

#[test]
fn a_hashed_models_reasons_name_the_messages_words() {
    // A hashed model (--hash-bits) keeps buckets, not words: its reasons used to read
    // `#2817:+0.41`, in pitchsift-predict --explain, the report and the label screen.
    // They now name the message's words in each bucket, and the output says so.
    let d = setup();
    let dir = d.path();
    let f = repo_file("data/fixtures/tiny.csv");
    ok(&run_in(
        TRAIN,
        &[s(&f), "-o", "h.model", "--hash-bits", "12", "-q"],
        dir,
    ));
    let msg = "Do you have 15 minutes for a quick demo of our platform?";
    let o = run_in(PREDICT, &["--model", "h.model", "--explain", "3", msg], dir);
    let out = ok(&o);
    assert!(
        stderr(&o).contains("hashed model (--hash-bits 12): it names buckets, not words"),
        "{}",
        stderr(&o)
    );
    let reasons = out.trim_end().split('\t').nth(2).unwrap();
    // "15" is the number placeholder, shown `[number]`; its bucket is the placeholder's.
    let words = "do you have [number] minutes for a quick demo of our platform";
    let mut n = 0;
    for r in reasons.split("; ") {
        // `word / other words (#bucket):+w`: each word an n-gram of the message whose
        // bucket is that one.
        let (named, _) = r.rsplit_once(':').unwrap();
        let (ws, b) = named.strip_suffix(')').unwrap().rsplit_once(" (#").unwrap();
        let b: u64 = b.parse().unwrap();
        for w in ws.split(" / ") {
            assert!(words.contains(w), "{w} in {reasons}");
            let term = w.replace("[number]", pitchsift::text::NUMBER);
            assert_eq!(
                pitchsift::features::fingerprint::bucket(term.as_bytes(), 12),
                b,
                "{r}"
            );
        }
        n += 1;
    }
    assert_eq!(n, 3, "{reasons}");
    // The report page says so too, and its terms per label carry words.
    ok(&run_in(
        PREDICT,
        &[
            "--model", "h.model", "--input", "pool.csv", "-o", "p.csv", "--report", "r.html", "-q",
        ],
        dir,
    ));
    let html = std::fs::read_to_string(dir.join("r.html")).unwrap();
    assert!(html.contains("hashed model (--hash-bits 12): it names buckets, not words"));
    assert!(html.contains("demo (#"), "the terms per label name words");
    // And the label screen.
    let t = Tmux::new(dir);
    t.start("keep", dir, "sleep 600");
    t.start(
        "a",
        dir,
        &format!("exec {LABEL} --model h.model --input pool.csv --labels l.csv"),
    );
    let sc = t.wait_for("a", "confidence");
    assert!(
        sc.contains("hashed model: buckets #N, named by this message's words in them"),
        "{sc}"
    );
    assert!(sc.contains(" (#"), "{sc}");
    t.keys("a", &["q"]);
}

/// Messages are third parties' text, and the terminal interprets what is written to it:
/// a message's escape sequences are shown escaped (`\u{1b}`), not run (they recoloured
/// the screen and moved the cursor), and a carriage return ends a line (it made the
/// line after it overwrite the one before). A blank message is never asked (every model
/// gives it the prior, so it came first, and its label taught nothing), and the command
/// printed on exit works when pasted into a shell, here with a label file named with a
/// space (it was printed unquoted, as two words).
#[test]
fn hostile_messages_stay_in_their_box_and_the_printed_command_runs() {
    let d = setup();
    let dir = d.path();
    let pool = "id,text\n\
                1,\"\u{1b}[2J\u{1b}[31mred alert\u{1b}[0m, quick demo of our platform?\"\n\
                2,\"   \"\n\
                3,\"first line here\rsecond\"\n\
                4,\n";
    std::fs::write(dir.join("hostile.csv"), pool).unwrap();
    let t = Tmux::new(dir);
    t.start("keep", dir, "sleep 600");
    let bin_dir = Path::new(LABEL).parent().unwrap();
    let run = format!(
        "sh -c 'PATH={}:$PATH; {LABEL} --model m.model --input hostile.csv \
         --labels \"my labels.csv\"; echo EXITED $?; sleep 60'",
        s(bin_dir)
    );
    t.start("a", dir, &run);
    let sc = t.wait_for("a", "confidence");
    assert!(sc.contains("2 empty messages: not asked"), "{sc}");
    assert!(sc.contains("2 of 4 left"), "{sc}");
    for n in 0..2 {
        let sc = t.wait_for("a", &given(n));
        if sc.contains("red alert") {
            assert!(sc.contains(r"\u{1b}[31mred alert\u{1b}[0m"), "{sc}");
        } else {
            assert!(sc.contains("first line here"), "{sc}");
            let second = sc.lines().find(|l| l.contains("second")).unwrap();
            assert!(!second.contains("line here"), "{sc}");
        }
        t.keys("a", &["1"]);
    }
    let r = wait_rows(&dir.join("my labels.csv"), 2);
    assert!(r.iter().all(|r| !r[1].trim().is_empty()), "{r:?}");
    t.wait_for("a", "Every message is answered");
    t.keys("a", &["q"]);
    let sc = t.wait_for("a", "EXITED 0");
    let cmd = sc
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("pitchsift-train --update"))
        .unwrap_or_else(|| panic!("no command printed:\n{sc}"));
    assert_eq!(
        cmd,
        "pitchsift-train --update m.model 'my labels.csv' -o m.mine.model"
    );
    let o = Command::new("sh")
        .args(["-c", cmd])
        .env(
            "PATH",
            format!("{}:{}", s(bin_dir), std::env::var("PATH").unwrap()),
        )
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.join("m.mine.model").exists());
}

/// `--suggest` leaves blank messages out and says how many (a blank message has the
/// prior under every model, so margin and entropy ranked it first, every time).
#[test]
fn suggest_leaves_blank_messages_out() {
    let d = setup();
    let dir = d.path();
    std::fs::write(
        dir.join("p.csv"),
        "id,text\n1,\n2,Quick demo of our platform this week?\n3,\"  \"\n",
    )
    .unwrap();
    let o = run_in(
        LABEL,
        &["--model", "m.model", "--input", "p.csv", "--suggest", "3"],
        dir,
    );
    let out = ok(&o);
    let ids: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["2"], "{out}");
    assert_eq!(
        stderr(&o),
        "pitchsift-label: 1 of 3 messages suggested (2 empty: not suggested)\n"
    );
}

/// A message longer than its box scrolls (Up/Down, PgUp/PgDn) and its title says which
/// lines are shown: the screen showed its first lines only, so the end of a long
/// message could not be read before it was labelled.
#[test]
fn a_long_message_scrolls_to_its_end() {
    let d = setup();
    let dir = d.path();
    let lines: Vec<String> = (1..=60).map(|i| format!("row number {i} here")).collect();
    let mut w = csv::Writer::from_path(dir.join("long.csv")).unwrap();
    w.write_record(["id", "text"]).unwrap();
    w.write_record(["1", &lines.join("\n")]).unwrap();
    w.flush().unwrap();
    let t = Tmux::new(dir);
    t.start("keep", dir, "sleep 600");
    let run = format!("{LABEL} --model m.model --input long.csv --labels l.csv");
    t.start("a", dir, &format!("exec {run}"));
    let sc = t.wait_for("a", "confidence");
    assert!(sc.contains("message (line 2): lines 1-"), "{sc}");
    assert!(sc.contains(" of 60, Up/Down PgUp/PgDn scroll"), "{sc}");
    assert!(
        sc.contains("row number 1 here") && !sc.contains("row number 60 here"),
        "{sc}"
    );
    t.keys(
        "a",
        &["PageDown", "PageDown", "PageDown", "PageDown", "PageDown"],
    );
    let sc = t.wait_for("a", "row number 60 here");
    assert!(sc.contains("-60 of 60"), "{sc}");
    assert!(!sc.contains("row number 1 here"), "{sc}");
    // Up goes back a line; the answer is the same as ever.
    t.keys("a", &["Up"]);
    let sc = t.wait_for("a", "-59 of 60");
    assert!(!sc.contains("row number 60 here"), "{sc}");
    t.keys("a", &["1"]);
    let r = wait_rows(&dir.join("l.csv"), 1);
    assert_eq!(r[0][2], "networking");
}

/// In a small terminal (40 x 12) the keys box shrank to its borders: which key gives
/// which label could not be seen. The screen now turns compact (header, prediction and
/// keys as lines without borders) and keeps every key in sight; smaller than it can
/// show, it says how large a terminal it needs and takes no answer (none given blind),
/// and the labelling screen comes back when the terminal grows.
#[test]
fn a_small_terminal_still_shows_every_key_or_says_it_is_too_small() {
    let d = setup();
    let dir = d.path();
    let labels = dir.join("l.csv");
    let t = Tmux::new(dir);
    t.start("keep", dir, "sleep 600");
    let run = format!("{LABEL} --model m.model --input pool.csv --labels l.csv");
    t.start_sized("a", dir, &format!("exec {run}"), (40, 12));
    let sc = t.wait_for("a", "confidence");
    assert_eq!(sc.lines().count(), 12, "{sc}");
    for key in [
        "1 networking",
        "2 opportunity",
        "3 recruiting",
        "4 sales",
        "5 scam",
        "s skip",
        "u undo",
        "+ new",
        "q quit",
    ] {
        assert!(sc.contains(key), "`{key}` not shown:\n{sc}");
    }
    assert!(sc.contains("0 labels given, 8 of 8 left"), "{sc}");
    assert!(sc.contains("message (line "), "{sc}");
    // Taller: the bordered boxes come back, the keys still whole.
    t.resize("a", (40, 24));
    let sc = t.wait_for("a", "pitchsift-label");
    assert!(sc.contains(" why "), "{sc}");
    assert!(sc.contains("s skip  u undo  + new label  q quit"), "{sc}");
    // Too small: said, with the size needed; a label key does nothing.
    t.resize("a", (25, 8));
    let sc = t.wait_for("a", "too small");
    // Wrapped at 25 columns; 30x9: the compact screen's keys take 4 rows at 30 columns
    // (3 of keys, the status), plus header, message box (3) and prediction.
    let words = sc.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("need at least 30x9 (now 25x8)"), "{sc}");
    t.keys("a", &["1"]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(!labels.exists(), "an answer given blind");
    // Grown again: the message is back, and answers are taken.
    t.resize("a", (40, 12));
    t.wait_for("a", "confidence");
    t.keys("a", &["1"]);
    let r = wait_rows(&labels, 1);
    assert_eq!(r[0][2], "networking");
    t.keys("a", &["q"]);
}

/// The 20 Newsgroups' labels, for a model of many labels.
const NEWS: [&str; 20] = [
    "alt.atheism",
    "comp.graphics",
    "comp.os.ms-windows.misc",
    "comp.sys.ibm.pc.hardware",
    "comp.sys.mac.hardware",
    "comp.windows.x",
    "misc.forsale",
    "rec.autos",
    "rec.motorcycles",
    "rec.sport.baseball",
    "rec.sport.hockey",
    "sci.crypt",
    "sci.electronics",
    "sci.med",
    "sci.space",
    "soc.religion.christian",
    "talk.politics.guns",
    "talk.politics.mideast",
    "talk.politics.misc",
    "talk.religion.misc",
];

/// The key the screen shows for `label`: the word before it (`K label`), as the keys
/// line packs them; `None` if the label is not shown whole after a word.
fn shown_key(screen: &str, label: &str) -> Option<String> {
    screen.lines().find_map(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        let i = words.iter().position(|w| *w == label)?;
        Some(words.get(i.checked_sub(1)?)?.to_string())
    })
}

/// With 20 labels (a 20 Newsgroups model) the keys showed `10 rec.sport.baseball` to
/// `20 talk.religion.misc`: pressing 1 gave alt.atheism at once, and those labels shared
/// their first letters, so no key gave them. At 40x12 the screen asked for 30x20, at
/// which it still said too small (its keys take more rows at 30 columns), and at 30
/// columns the prediction was cut to `predicted: comp.sys.ibm.pc.ha`. Each label now has
/// one key, shown; the size asked for fits, and one row less does not; the prediction's
/// label is whole. Messages and training rows are written for this test.
#[test]
fn twenty_labels_each_show_a_key_that_gives_it_at_the_least_size() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let mut train = String::from("label,text\n");
    for (i, l) in NEWS.iter().enumerate() {
        let words = l.replace(['.', '-'], " ");
        for j in 0..3 {
            train.push_str(&format!("{l},{words} topic{i} note{j} about {words}\n"));
        }
    }
    std::fs::write(dir.join("train.csv"), train).unwrap();
    ok(&run_in(TRAIN, &["train.csv", "-o", "m.model", "-q"], dir));
    let pool = "id,text\n\
                1,comp sys ibm pc hardware topic3 ibm pc hardware\n\
                2,comp sys ibm pc hardware topic3 again\n\
                3,comp sys ibm pc hardware topic3 once more\n";
    std::fs::write(dir.join("pool.csv"), pool).unwrap();
    let labels = dir.join("l.csv");
    let t = Tmux::new(dir);
    t.start("keep", dir, "sleep 600");
    let run = format!("{LABEL} --model m.model --input pool.csv --labels l.csv");
    t.start_sized("a", dir, &format!("exec {run}"), (40, 12));
    let sc = t.wait_for("a", "too small");
    let words = sc.split_whitespace().collect::<Vec<_>>().join(" ");
    let need = words
        .split("need at least ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap_or_else(|| panic!("{sc}"));
    let (w, h) = need.split_once('x').unwrap();
    let (w, h): (u16, u16) = (w.parse().unwrap(), h.parse().unwrap());
    assert!(words.contains(&format!("{need} (now 40x12)")), "{sc}");
    // 30 columns: 17 lines of keys, the status, header, message box and prediction.
    assert_eq!((w, h), (30, 23), "{sc}");
    t.keys("a", &["1"]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(!labels.exists(), "an answer given blind");
    // One row less than asked: still too small.
    t.resize("a", (w, h - 1));
    t.wait_for("a", &format!("(now {w}x{})", h - 1));
    // The size asked for: every label whole, each after a key of one character, no two
    // the same and none of skip, undo, new or quit.
    t.resize("a", (w, h));
    let sc = t.wait_for("a", "0 labels given");
    assert_eq!(sc.lines().count(), usize::from(h), "{sc}");
    let mut keys = Vec::new();
    for l in NEWS {
        let k = shown_key(&sc, l).unwrap_or_else(|| panic!("`{l}` not shown:\n{sc}"));
        assert_eq!(k.chars().count(), 1, "`{l}`'s key is `{k}`:\n{sc}");
        assert!(
            !["s", "u", "+", "q"].contains(&k.as_str()),
            "{l}: {k}\n{sc}"
        );
        keys.push(k);
    }
    let mut distinct = keys.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 20, "{keys:?}\n{sc}");
    for k in ["s skip", "u undo", "+ new", "q quit"] {
        assert!(sc.contains(k), "`{k}` not shown:\n{sc}");
    }
    // The prediction's line names the label whole.
    assert!(
        sc.lines().any(|l| l.contains("comp.sys.ibm.pc.hardware 0.")
            || l.contains("comp.sys.ibm.pc.hardware 1.")),
        "{sc}"
    );
    // The keys shown give their labels: the 12th, the 20th, the 1st.
    for (n, i) in [(1, 11), (2, 19), (3, 0)] {
        t.keys("a", &[keys[i].as_str()]);
        let r = wait_rows(&labels, n);
        assert_eq!(r[n - 1][2], NEWS[i], "key `{}`", keys[i]);
    }
    t.keys("a", &["q"]);
}

/// Joined emoji sequences have no width every terminal agrees on (tmux 3.3 draws a
/// thumbs-up with a skin tone in 4 columns where the layout counted 2, a heart with the
/// emoji selector in 1 where it counted 2), so the message box's right border moved and
/// stale characters were left between them. They are shown as their parts, each of one
/// width everywhere: every line of the box is then 80 columns, border last.
/// The messages are written for this test.
#[test]
fn joined_emoji_keep_the_message_box_border_in_its_column() {
    use unicode_width::UnicodeWidthChar;
    let d = setup();
    let dir = d.path();
    let msgs = [
        (
            "Family trip \u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467} was great, see you at the conference",
            "Family trip \u{1f468}\u{1f469}\u{1f467} was great",
        ),
        (
            "Coder \u{1f469}\u{200d}\u{1f4bb} here: quick demo of our platform?",
            "Coder \u{1f469}\u{1f4bb} here",
        ),
        (
            "Thanks \u{1f44d}\u{1f3fd} \u{1f44d}\u{1f3fd} \u{1f44d}\u{1f3fd} for the talk, let us stay in touch",
            "Thanks \u{1f44d} \u{1f44d} \u{1f44d} for the talk",
        ),
        (
            "Greetings from \u{1f1eb}\u{1f1f7} and \u{2764}\u{fe0f} \u{2764}\u{fe0f} \u{2764}\u{fe0f} your work, hiring now",
            "Greetings from [FR] and \u{2764} \u{2764} \u{2764} your work",
        ),
        (
            "Keycap 1\u{fe0f}\u{20e3} 2\u{fe0f}\u{20e3} and \u{1f3f4}\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f} book a demo",
            "Keycap 1\u{20e3} 2\u{20e3} and \u{1f3f4} book a demo",
        ),
    ];
    let mut w = csv::Writer::from_path(dir.join("emoji.csv")).unwrap();
    w.write_record(["id", "text"]).unwrap();
    for (i, (m, _)) in msgs.iter().enumerate() {
        w.write_record([&(i + 1).to_string(), *m]).unwrap();
    }
    w.flush().unwrap();
    let t = Tmux::new(dir);
    t.start("keep", dir, "sleep 600");
    let run = format!("{LABEL} --model m.model --input emoji.csv --labels l.csv");
    t.start_sized("a", dir, &format!("exec {run}"), (80, 30));
    let mut seen = Vec::new();
    for n in 0..msgs.len() {
        let sc = t.wait_for("a", &given(n));
        let (i, shown) = msgs
            .iter()
            .enumerate()
            .find(|(_, (_, shown))| sc.contains(shown))
            .map(|(i, (_, shown))| (i, *shown))
            .unwrap_or_else(|| panic!("no message shown as expected:\n{sc}"));
        seen.push(i);
        let line = sc.lines().find(|l| l.contains(shown)).unwrap();
        // Columns as drawn: every character left has one width everywhere.
        let width: usize = line.chars().map(|c| c.width().unwrap_or(0)).sum();
        assert_eq!(width, 80, "{line:?}");
        assert!(
            line.starts_with('\u{2502}') && line.ends_with('\u{2502}'),
            "{line:?}"
        );
        t.keys("a", &["1"]);
        wait_rows(&dir.join("l.csv"), n + 1);
    }
    seen.sort();
    assert_eq!(seen, [0, 1, 2, 3, 4]);
    t.keys("a", &["q"]);
}
