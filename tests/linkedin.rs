//! `pitchsift-predict --linkedin`: an export zip built here in LinkedIn's format (both
//! messages.csv layouts, HTML bodies, replies, the owner's own conversations, drafts,
//! outgoing and message-less invitations, a Connections.csv preamble) gives exactly the
//! right rows, with the same predictions as classifying those texts directly.
//! Every name, URL and text below is invented for these tests.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{assert_ok, run, stderr, PREDICT};

/// The newer messages.csv layout (URL columns, attachments, draft and archive flags).
const NEW_HEADER: &[&str] = common::LINKEDIN_MESSAGES_HEADER;

/// The older layout: no URL columns, no flags.
const OLD_HEADER: &[&str] = &[
    "CONVERSATION ID",
    "CONVERSATION TITLE",
    "FROM",
    "TO",
    "DATE",
    "SUBJECT",
    "CONTENT",
    "FOLDER",
];

const OWNER: &str = "Olivia Owner";
const OWNER_URL: &str = "https://www.linkedin.com/in/olivia-owner-example";

fn url(who: &str) -> String {
    format!(
        "https://www.linkedin.com/in/{}-example",
        who.to_lowercase().replace(' ', "-")
    )
}

/// One message: conversation, sender, recipients, date, subject, content, draft.
struct Msg {
    conv: &'static str,
    from: &'static str,
    to: &'static [&'static str],
    date: &'static str,
    subject: &'static str,
    content: &'static str,
    draft: bool,
}

const SALES_HTML: &str = concat!(
    r#"<p class="spinmail-quill-editor__spin-break">Hi %FIRSTNAME%,</p>"#,
    r#"<p class="spinmail-quill-editor__spin-break">&nbsp;</p>"#,
    r#"<p class="spinmail-quill-editor__spin-break">Our analytics platform cuts reporting time in half &amp; "#,
    r#"teams love it.<br>Could I book 15 minutes this week for a quick demo?</p>"#
);
const SALES_TEXT: &str = "Hi %FIRSTNAME%,\nOur analytics platform cuts reporting time in half & teams love it.\nCould I book 15 minutes this week for a quick demo?";
const HOSTILE: &str =
    "Congratulations, you won a prize! <script>alert('x')</script> Send your bank details to claim it.";

/// The inbox, newest first as in an export. Expected: conversations c-sales, c-group,
/// c-member, c-hostile are classified (their opening messages), and c-empty by its
/// first message with text (its first message is blank, as an attachment's is); c-own
/// is the owner's, c-blank has no text at all, c-draft holds only a draft.
fn inbox() -> Vec<Msg> {
    let m = |conv, from, to, date, subject, content, draft| Msg {
        conv,
        from,
        to,
        date,
        subject,
        content,
        draft,
    };
    vec![
        m("c-draft", OWNER, &["Dan Draft"], "2025-12-01 08:00:00 UTC", "", "Hi Dan, about that thing", true),
        m("c-sales", OWNER, &["Sam Seller"], "2025-11-30 16:00:00 UTC", "", "Thanks, not interested right now.", false),
        m("c-hostile", "Harry Hostile", &[OWNER], "2025-11-30 12:00:00 UTC", "", HOSTILE, false),
        m("c-sales", "Sam Seller", &[OWNER], "2025-11-30 14:02:11 UTC", "Quick demo?", SALES_HTML, false),
        m("c-own", "Nina Net", &[OWNER], "2025-11-20 10:00:00 UTC", "", "Lovely to hear from you, let's catch up soon.", false),
        m("c-group", OWNER, &["Rita Recruiter", "Gus Group"], "2025-11-12 09:30:00 UTC", "", "Happy to chat.", false),
        m("c-empty", "Eve Empty", &[OWNER], "2025-11-11 09:00:00 UTC", "", "Are you open to a new role?", false),
        m("c-group", "Rita Recruiter", &[OWNER, "Gus Group"], "2025-11-10 09:00:00 UTC", "Senior engineer role", "We are hiring a senior backend engineer for a remote team; would you be open to a call about the role?", false),
        m("c-own", OWNER, &["Nina Net"], "2025-11-05 10:00:00 UTC", "", "Great meeting you at the meetup last week, let's stay in touch!", false),
        m("c-empty", "Eve Empty", &[OWNER], "2025-11-04 09:00:00 UTC", "", "   ", false),
        m("c-blank", "Bo Blank", &[OWNER], "2025-11-03 09:00:00 UTC", "", "<p>&nbsp;</p>", false),
        m("c-member", "LinkedIn Member", &[OWNER], "2025-10-02 07:00:00 UTC", "Partnership", "Hi %FIRSTNAME%, join my team and earn passive income from home with our wellness products.", false),
    ]
}

fn csv_line(fields: &[String]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(fields).unwrap();
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// messages.csv in the new layout (with profile URLs) or the old one (names only).
fn messages_csv(new_layout: bool) -> String {
    let header = if new_layout { NEW_HEADER } else { OLD_HEADER };
    let mut s = csv_line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    for m in inbox() {
        let from_url = if m.from == "LinkedIn Member" {
            String::new()
        } else if m.from == OWNER {
            OWNER_URL.to_string()
        } else {
            url(m.from)
        };
        let to = m.to.join(",");
        let to_urls =
            m.to.iter()
                .map(|t| {
                    if *t == OWNER {
                        OWNER_URL.to_string()
                    } else {
                        url(t)
                    }
                })
                .collect::<Vec<_>>()
                .join(",");
        let mut f: Vec<String> = vec![m.conv.into(), String::new(), m.from.into()];
        if new_layout {
            f.push(from_url);
        }
        f.push(to);
        if new_layout {
            f.push(to_urls);
        }
        f.extend([
            m.date.into(),
            m.subject.into(),
            m.content.into(),
            "INBOX".into(),
        ]);
        if new_layout {
            f.extend([
                String::new(),
                if m.draft { "Yes" } else { "No" }.into(),
                "No".into(),
            ]);
        }
        if !new_layout && m.draft {
            // The old layout has no draft flag: leave the draft out.
            continue;
        }
        s.push_str(&csv_line(&f));
    }
    s
}

fn invitations_csv() -> String {
    let mut s =
        String::from("From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n");
    for (from, to, at, msg, dir) in [
        ("Ivy Invite", OWNER, "1/29/26, 2:37 PM", "Hi Olivia, I enjoyed your talk on data pipelines and would love to connect.", "INCOMING"),
        (OWNER, "Oscar Out", "1/28/26, 9:05 AM", "Hi Oscar, great to meet you today.", "OUTGOING"),
        ("Quiet Quinn", OWNER, "1/27/26, 11:15 AM", "", "INCOMING"),
        ("Paul Pitch", OWNER, "12/3/25, 10:00 AM", "Hi, we help founders like you get 10x more leads with our outreach tool, want a free trial?", "INCOMING"),
    ] {
        let f = [from, to, at, msg, dir];
        let mut fields: Vec<String> = f.iter().map(|x| x.to_string()).collect();
        fields.push(if from == OWNER { OWNER_URL.into() } else { url(from) });
        fields.push(if to == OWNER { OWNER_URL.into() } else { url(to) });
        s.push_str(&csv_line(&fields));
    }
    s
}

/// Connections.csv opens with a "Notes:" preamble before its header.
const CONNECTIONS: &str = "Notes:\n\"When exporting your connection data, you may notice that some of the email addresses are missing.\"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\nNina,Net,https://www.linkedin.com/in/nina-net-example,,Example Co,Engineer,05 Nov 2025\n";

fn zip_of(path: &Path, files: &[(&str, &str)]) {
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in files {
        z.start_file(*name, opts).unwrap();
        z.write_all(body.as_bytes()).unwrap();
    }
    z.finish().unwrap();
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// The export zip: new layout at the top level, or the old one in a subfolder.
fn export_zip(dir: &Path, new_layout: bool) -> PathBuf {
    let p = dir.join(if new_layout {
        "Complete_LinkedInDataExport_12-01-2025.zip"
    } else {
        "Basic_LinkedInDataExport_12-01-2025.zip"
    });
    let prefix = if new_layout {
        ""
    } else {
        "Basic_LinkedInDataExport_12-01-2025/"
    };
    let messages = messages_csv(new_layout);
    let invitations = invitations_csv();
    zip_of(
        &p,
        &[
            (&format!("{prefix}Connections.csv"), CONNECTIONS),
            (&format!("{prefix}messages.csv"), &messages),
            (&format!("{prefix}Invitations.csv"), &invitations),
            (
                &format!("{prefix}Profile.csv"),
                "First Name,Last Name\nOlivia,Owner\n",
            ),
            (&format!("{prefix}guide_messages.csv"), "a,b\n1,2\n"),
        ],
    );
    p
}

/// The rows the export must give: (kind, conversation, from, date, subject, text).
fn expected(new_layout: bool) -> Vec<[String; 6]> {
    let r = |k: &str, c: &str, f: &str, d: &str, s: &str, t: &str| {
        [k, c, f, d, s, t].map(str::to_string)
    };
    let _ = new_layout;
    vec![
        r("message", "c-hostile", "Harry Hostile", "2025-11-30T12:00:00Z", "", HOSTILE),
        r("message", "c-sales", "Sam Seller", "2025-11-30T14:02:11Z", "Quick demo?", SALES_TEXT),
        r("message", "c-empty", "Eve Empty", "2025-11-11T09:00:00Z", "", "Are you open to a new role?"),
        r("message", "c-group", "Rita Recruiter", "2025-11-10T09:00:00Z", "Senior engineer role", "We are hiring a senior backend engineer for a remote team; would you be open to a call about the role?"),
        r("message", "c-member", "LinkedIn Member", "2025-10-02T07:00:00Z", "Partnership", "Hi %FIRSTNAME%, join my team and earn passive income from home with our wellness products."),
        r("invitation", "", "Ivy Invite", "2026-01-29T14:37:00", "", "Hi Olivia, I enjoyed your talk on data pipelines and would love to connect."),
        r("invitation", "", "Paul Pitch", "2025-12-03T10:00:00", "", "Hi, we help founders like you get 10x more leads with our outreach tool, want a free trial?"),
    ]
}

/// `pitchsift-predict --linkedin EXPORT ARGS...`.
fn predict_linkedin(export: &Path, args: &[&str]) -> std::process::Output {
    let mut a = vec!["--linkedin", export.to_str().unwrap()];
    a.extend_from_slice(args);
    run(PREDICT, &a)
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (h, rows)
}

fn check_export(new_layout: bool) {
    let dir = tempdir();
    let zip = export_zip(dir.path(), new_layout);
    let out = dir.path().join("inbox.csv");
    let o = predict_linkedin(&zip, &["--output", out.to_str().unwrap()]);
    assert_ok(&o);
    let (h, rows) = read_csv(&out);
    assert_eq!(
        &h[..8],
        &[
            "kind",
            "conversation_id",
            "from",
            "sender_url",
            "date",
            "subject",
            "text",
            "predicted"
        ]
    );
    let got: Vec<[String; 6]> = rows
        .iter()
        .map(|r| [&r[0], &r[1], &r[2], &r[4], &r[5], &r[6]].map(|s| s.to_string()))
        .collect();
    assert_eq!(got, expected(new_layout));
    // Sender URLs where the layout has them (LinkedIn Member has none).
    let urls: Vec<&str> = rows.iter().map(|r| r[3].as_str()).collect();
    if new_layout {
        assert_eq!(urls[1], url("Sam Seller"));
        assert_eq!(urls[2], url("Eve Empty"));
        assert_eq!(urls[4], "");
    } else {
        assert_eq!(&urls[..5], &["", "", "", "", ""]);
    }
    assert_eq!(urls[5], url("Ivy Invite"));

    // The same predictions as classifying those texts directly.
    let texts = dir.path().join("texts.csv");
    let mut w = csv::Writer::from_path(&texts).unwrap();
    w.write_record(["text"]).unwrap();
    for r in &rows {
        w.write_record([&r[6]]).unwrap();
    }
    w.flush().unwrap();
    let direct = dir.path().join("direct.csv");
    assert_ok(&run(
        PREDICT,
        &[
            "--input",
            texts.to_str().unwrap(),
            "--output",
            direct.to_str().unwrap(),
        ],
    ));
    let (dh, drows) = read_csv(&direct);
    assert_eq!(&h[7..], &dh[1..]);
    for (a, b) in rows.iter().zip(&drows) {
        assert_eq!(&a[7..], &b[1..], "{}", a[6]);
    }

    // The summary: what was read, classified, and why the rest was not.
    let err = stderr(&o);
    let drafts = if new_layout { ", 1 draft" } else { "" };
    let n_messages = if new_layout { 12 } else { 11 };
    assert!(
        err.contains(&format!(
            "messages.csv: {n_messages} messages in 7 conversations; 5 classified (opening messages \
             sent to you); not classified: 1 conversation you started, 4 replies, 1 empty opening \
             message{drafts}"
        )),
        "{err}"
    );
    assert!(
        err.contains("Invitations.csv: 4 invitations; 2 classified (incoming, with a message); not classified: 1 outgoing, 1 without a message"),
        "{err}"
    );
    assert!(err.contains(&format!("owner: {OWNER}")), "{err}");
    assert!(err.contains("classified 7: "), "{err}");
}

#[test]
fn export_zip_new_layout_gives_the_right_rows_and_predictions() {
    check_export(true);
}

#[test]
fn export_zip_old_layout_in_a_subfolder_gives_the_right_rows() {
    check_export(false);
}

#[test]
fn unpacked_folder_and_single_files_and_jsonl() {
    let dir = tempdir();
    let folder = dir.path().join("export");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("messages.csv"), messages_csv(true)).unwrap();
    std::fs::write(folder.join("Invitations.csv"), invitations_csv()).unwrap();
    std::fs::write(folder.join("Connections.csv"), CONNECTIONS).unwrap();
    let o = predict_linkedin(&folder, &["--format", "jsonl", "-q"]);
    assert_ok(&o);
    let lines: Vec<serde_json::Value> = String::from_utf8(o.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[1]["kind"], "message");
    assert_eq!(lines[1]["conversation_id"], "c-sales");
    assert_eq!(lines[1]["text"], SALES_TEXT);
    assert_eq!(lines[5]["kind"], "invitation");
    assert!(lines[0]["probabilities"]["scam"].is_number());
    // --quiet: no summary.
    assert!(o.stderr.is_empty(), "{}", stderr(&o));

    // One file of the export alone.
    let o = predict_linkedin(&folder.join("Invitations.csv"), &[]);
    assert_ok(&o);
    assert_eq!(
        String::from_utf8(o.stdout.clone()).unwrap().lines().count(),
        3
    );
    let o = predict_linkedin(&folder.join("messages.csv"), &[]);
    assert_ok(&o);
    // Five opening messages (one of them three lines long).
    assert_eq!(csv::Reader::from_reader(&o.stdout[..]).records().count(), 5);
}

#[test]
fn owner_given_when_the_data_cannot_tell() {
    // One conversation: both people are in every message.
    let dir = tempdir();
    let m = dir.path().join("messages.csv");
    std::fs::write(
        &m,
        "CONVERSATION ID,FROM,TO,DATE,CONTENT\n\
         c1,Olivia Owner,Sam Seller,2025-11-30 15:00:00 UTC,No thanks.\n\
         c1,Sam Seller,Olivia Owner,2025-11-30 14:00:00 UTC,Can I book a demo of our product?\n",
    )
    .unwrap();
    let o = predict_linkedin(&m, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("--linkedin-owner"), "{}", stderr(&o));
    let o = predict_linkedin(&m, &["--linkedin-owner", "olivia owner"]);
    assert_ok(&o);
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    assert!(out.contains("Can I book a demo"), "{out}");
    // Named the other way round, Sam is the owner and Olivia's reply is not an opening.
    let o = predict_linkedin(&m, &["--linkedin-owner", "Sam Seller"]);
    assert_ok(&o);
    assert_eq!(
        String::from_utf8(o.stdout.clone()).unwrap().lines().count(),
        1
    );
    assert!(
        stderr(&o).contains("1 conversation you started"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_exports_are_clear_errors_and_write_nothing() {
    let dir = tempdir();
    let out = dir.path().join("out.csv");
    let check = |path: &Path, want: &[&str]| {
        let o = predict_linkedin(path, &["--output", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        for w in want {
            assert!(err.contains(w), "{w} not in {err}");
        }
        assert!(!out.exists());
    };
    // Neither file.
    let z = dir.path().join("no-messages.zip");
    zip_of(
        &z,
        &[("Connections.csv", CONNECTIONS), ("Profile.csv", "a\n1\n")],
    );
    check(
        &z,
        &[
            "no-messages.zip",
            "no messages.csv or Invitations.csv",
            "Connections.csv",
        ],
    );
    // A corrupt zip: the first half of a good one.
    let good = export_zip(dir.path(), true);
    let bytes = std::fs::read(&good).unwrap();
    let bad = dir.path().join("corrupt.zip");
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
    check(&bad, &["corrupt.zip", "not a readable zip file"]);
    // A layout it does not know: no CONTENT column.
    let z = dir.path().join("odd.zip");
    zip_of(
        &z,
        &[(
            "messages.csv",
            "CONVERSATION ID,FROM,TO,DATE,BODY\nc1,A,B,2025-01-01 00:00:00 UTC,hi\n",
        )],
    );
    check(
        &z,
        &[
            "odd.zip/messages.csv:1",
            "column layout",
            "`CONTENT`",
            "BODY",
        ],
    );
    // A date it cannot read names file, line and column.
    let z = dir.path().join("dates.zip");
    zip_of(
        &z,
        &[("messages.csv", "CONVERSATION ID,FROM,TO,DATE,CONTENT\nc1,A,B,2025-01-01 00:00:00 UTC,hi\nc2,A,B,last Tuesday,hi\n")],
    );
    check(
        &z,
        &["dates.zip/messages.csv:3: column `DATE`", "last Tuesday"],
    );
    // Two exports side by side, or two files of one name at one level: which one is
    // meant cannot be told (the first in name order used to be read, silently).
    let msgs = "CONVERSATION ID,FROM,TO,DATE,CONTENT\nc1,A,B,2025-01-01 00:00:00 UTC,hi\n";
    let two = dir.path().join("two");
    for sub in ["a", "b"] {
        std::fs::create_dir_all(two.join(sub)).unwrap();
        std::fs::write(two.join(sub).join("messages.csv"), msgs).unwrap();
    }
    check(
        &two,
        &["two messages.csv files", "a/messages.csv", "b/messages.csv"],
    );
    let z = dir.path().join("cases.zip");
    zip_of(&z, &[("messages.csv", msgs), ("MESSAGES.CSV", msgs)]);
    check(
        &z,
        &["two ", "cases.zip/messages.csv", "cases.zip/MESSAGES.CSV"],
    );
    // One at the top and one a folder down: the export's own file is read.
    std::fs::write(two.join("messages.csv"), msgs).unwrap();
    assert_ok(&predict_linkedin(&two, &["-q", "--linkedin-owner", "B"]));
    // Neither an export nor one of its files.
    let c = dir.path().join("Connections.csv");
    std::fs::write(&c, CONNECTIONS).unwrap();
    check(&c, &["Connections.csv", "not a LinkedIn export"]);
}

#[test]
fn usage_errors() {
    let o = run(PREDICT, &["--linkedin", "x.zip", "--input", "y.csv"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(PREDICT, &["--linkedin-owner", "A", "some text"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(PREDICT, &["--report", "r.html", "some text"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_report_that_cannot_be_written_fails_first_and_keeps_the_predictions_file() {
    let dir = tempdir();
    let zip = export_zip(dir.path(), true);
    let out = dir.path().join("out.csv");
    std::fs::write(&out, "a good file from an earlier run\n").unwrap();
    // The report's folder does not exist: exit 1 naming it, the old output untouched
    // (it used to be replaced by this run's predictions before the report failed).
    let bad = dir.path().join("no-such-folder").join("r.html");
    let o = predict_linkedin(
        &zip,
        &[
            "--output",
            out.to_str().unwrap(),
            "--report",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("no-such-folder"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "a good file from an earlier run\n"
    );
    assert!(!bad.exists());
    // --output and --report naming one file (here through different spellings): a usage
    // error, where the report used to replace the predictions with exit code 0.
    let same = dir.path().join("same.out");
    let same_too = dir.path().join(".").join("same.out");
    let o = predict_linkedin(
        &zip,
        &[
            "--output",
            same.to_str().unwrap(),
            "--report",
            same_too.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("the same file"), "{}", stderr(&o));
    assert!(!same.exists());
    // Both fine: both written.
    let report = dir.path().join("r.html");
    assert_ok(&predict_linkedin(
        &zip,
        &[
            "--output",
            out.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    ));
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .starts_with("kind,conversation_id,"));
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
}

#[test]
fn linkedin_from_standard_input_is_a_usage_error() {
    // messages.csv is read twice, so `-` cannot be supported: say so, instead of
    // "-: No such file or directory".
    let o = run(PREDICT, &["--linkedin", "-"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not standard input"), "{}", stderr(&o));
}

#[test]
fn outputs_that_would_replace_the_export_are_refused() {
    let dir = tempdir();
    let folder = dir.path().join("export");
    let sub = folder.join("Basic_LinkedInDataExport");
    std::fs::create_dir_all(&sub).unwrap();
    let messages = messages_csv(true);
    std::fs::write(sub.join("messages.csv"), &messages).unwrap();
    let zip = export_zip(dir.path(), true);
    let zip_bytes = std::fs::read(&zip).unwrap();
    // The messages.csv given, the zip given, a messages.csv inside the folder given:
    // each used to be replaced by the predictions (or the report), exit code 0.
    let cases: [(&Path, &str, PathBuf); 3] = [
        (
            &sub.join("messages.csv"),
            "--output",
            sub.join("messages.csv"),
        ),
        (&zip, "--report", zip.clone()),
        (&folder, "--output", sub.join(".").join("messages.csv")),
    ];
    for (export, flag, target) in &cases {
        let o = predict_linkedin(export, &[flag, target.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("it would be overwritten"),
            "{}",
            stderr(&o)
        );
    }
    assert_eq!(
        std::fs::read_to_string(sub.join("messages.csv")).unwrap(),
        messages
    );
    assert_eq!(std::fs::read(&zip).unwrap(), zip_bytes);
}

#[test]
fn report_of_standard_input_says_so() {
    let dir = tempdir();
    let report = dir.path().join("r.html");
    let o = std::process::Command::new(PREDICT)
        .args(["--input", "-", "--report", report.to_str().unwrap(), "-q"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .and_then(|mut c| {
            c.stdin
                .take()
                .unwrap()
                .write_all(b"text,from\nQuick demo this week?,Ann Example\n")?;
            c.wait()
        })
        .unwrap();
    assert!(o.success());
    let html = std::fs::read_to_string(&report).unwrap();
    // The page's source line named `-`.
    assert!(
        html.contains("<p class=\"sub\">standard input &middot;"),
        "{}",
        &html[..html.len().min(2000)]
    );
}

#[test]
fn a_plain_message_that_mentions_a_tag_keeps_its_comparisons() {
    // A body with a tag in it is read as HTML (a sponsored InMail); a `<` that starts no
    // tag is still text: `x < 5 and y > 3` used to lose `< 5 and y >` as if it were one.
    let dir = tempdir();
    let messages = "CONVERSATION ID,FROM,TO,DATE,CONTENT\n\
        c1,Ann Example,Olivia Owner,2025-01-02 10:00:00 UTC,\"Is x < 5 and y > 3 in your <b>div</b> layout? a<-b, 1 </ 2\"\n\
        c2,Bob Example,Olivia Owner,2025-01-03 10:00:00 UTC,<p>Hello &amp; welcome</p><p>second</p>\n";
    std::fs::write(dir.path().join("messages.csv"), messages).unwrap();
    let out = dir.path().join("out.csv");
    assert_ok(&predict_linkedin(
        dir.path(),
        &[
            "--linkedin-owner",
            "Olivia Owner",
            "--output",
            out.to_str().unwrap(),
        ],
    ));
    let (header, rows) = read_csv(&out);
    let text = header.iter().position(|h| h == "text").unwrap();
    let texts: Vec<&str> = rows.iter().map(|r| r[text].as_str()).collect();
    assert!(
        texts.contains(&"Is x < 5 and y > 3 in your div layout? a<-b, 1 </ 2"),
        "{texts:?}"
    );
    assert!(texts.contains(&"Hello & welcome\nsecond"), "{texts:?}");
}

#[test]
fn an_owner_given_who_is_in_no_message_is_an_error() {
    // A typo in --linkedin-owner used to be taken as it was: nobody is then the owner,
    // and every opening message counted as sent to you, exit code 0.
    let dir = tempdir();
    let m = dir.path().join("messages.csv");
    std::fs::write(
        &m,
        "CONVERSATION ID,FROM,TO,DATE,CONTENT\n\
         c1,Olivia Owner,Sam Seller,2025-11-30 15:00:00 UTC,No thanks.\n\
         c1,Sam Seller,Olivia Owner,2025-11-30 14:00:00 UTC,Can I book a demo of our product?\n\
         c2,Olivia Owner,Ann Example,2025-11-29 14:00:00 UTC,Great to meet you!\n",
    )
    .unwrap();
    let out = dir.path().join("out.csv");
    for given in ["Olivia Ownr", "https://www.linkedin.com/in/nobody-example"] {
        let o = predict_linkedin(
            &m,
            &["--linkedin-owner", given, "--output", out.to_str().unwrap()],
        );
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("messages.csv"), "{err}");
        assert!(
            err.contains(&format!("`{given}`, is in none of its 3 messages")),
            "{err}"
        );
        assert!(err.contains("Olivia Owner in 3"), "{err}");
        assert!(!out.exists());
    }
    // Spelt another way (case, spaces) it is found.
    assert_ok(&predict_linkedin(
        &m,
        &[
            "--linkedin-owner",
            " OLIVIA owner ",
            "--output",
            out.to_str().unwrap(),
        ],
    ));
}

#[test]
fn an_empty_date_is_missing_data_not_an_error() {
    // An empty DATE or `Sent At` used to stop the whole run (exit 1, "date `` is not in a
    // form pitchsift knows"). The message is now classified without a date, and the
    // summary says how many were. A date that is not empty and not in a known form is
    // still an error naming file, line and column.
    let dir = tempdir();
    let folder = dir.path().join("export");
    std::fs::create_dir(&folder).unwrap();
    // Rows newest first, as in an export.
    std::fs::write(
        folder.join("messages.csv"),
        "CONVERSATION ID,FROM,TO,DATE,CONTENT\n\
         c1,Sam Seller,Olivia Owner,,Can I book a demo of our product next week?\n\
         c2,Olivia Owner,Ann Example,2025-11-12 09:00:00 UTC,Thanks Ann!\n\
         c2,Ann Example,Olivia Owner,2025-11-10 09:00:00 UTC,Great to meet you at the meetup.\n\
         c2,Ann Example,Olivia Owner,,An undated message after the dated one in the file.\n\
         c3,Bob Example,Olivia Owner,,The second of two undated messages.\n\
         c3,Bob Example,Olivia Owner,,The first of two undated messages.\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("Invitations.csv"),
        "From,To,Sent At,Message,Direction\n\
         Ivy Invite,Olivia Owner,1/29/26 2:37 PM,I enjoyed your talk and would love to connect.,INCOMING\n\
         Paul Pitch,Olivia Owner,,We help founders get more leads with our outreach tool.,INCOMING\n",
    )
    .unwrap();
    let out = dir.path().join("out.csv");
    let report = dir.path().join("r.html");
    let o = predict_linkedin(
        &folder,
        &[
            "--output",
            out.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert_ok(&o);
    let (h, rows) = read_csv(&out);
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let got: Vec<[&str; 3]> = rows
        .iter()
        .map(|r| [&r[col("from")], &r[col("date")], &r[col("text")]].map(String::as_str))
        .collect();
    assert_eq!(
        got,
        [
            // Its only message, without a date.
            [
                "Sam Seller",
                "",
                "Can I book a demo of our product next week?"
            ],
            // A dated message opens its conversation before an undated one, wherever the
            // undated one is in the file: it cannot be shown to be the oldest.
            [
                "Ann Example",
                "2025-11-10T09:00:00Z",
                "Great to meet you at the meetup."
            ],
            // Among undated messages, the later row (rows come newest first).
            ["Bob Example", "", "The first of two undated messages."],
            [
                "Ivy Invite",
                "2026-01-29T14:37:00",
                "I enjoyed your talk and would love to connect."
            ],
            [
                "Paul Pitch",
                "",
                "We help founders get more leads with our outreach tool."
            ],
        ]
    );
    let err = stderr(&o);
    assert!(
        err.contains(
            "messages.csv: 6 messages in 3 conversations; 3 classified (opening messages sent \
             to you), 2 of them without a date; not classified: 3 replies"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "Invitations.csv: 2 invitations; 2 classified (incoming, with a message), 1 of \
             them without a date"
        ),
        "{err}"
    );
    // The report's table rows: an undated one has an empty date and no time (null: the
    // table sorts it last and shows an empty cell, tests/report_browser.rs).
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("[\"\",\"Sam Seller\","), "{html}");
    assert!(html.contains("2 of them without a date"), "{html}");

    // JSONL: the same empty date.
    let o = predict_linkedin(&folder, &["--format", "jsonl", "-q"]);
    assert_ok(&o);
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&o.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(first["date"], "");

    // Not empty and not a date: an error naming file, line and column, nothing written.
    std::fs::write(
        folder.join("Invitations.csv"),
        "From,To,Sent At,Message,Direction\n\
         Ivy Invite,Olivia Owner,1/29/26 2:37 PM,Hello there.,INCOMING\n\
         Paul Pitch,Olivia Owner,yesterday,We help founders get more leads.,INCOMING\n",
    )
    .unwrap();
    let out2 = dir.path().join("out2.csv");
    let o = predict_linkedin(&folder, &["--output", out2.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Invitations.csv:3: column `Sent At`: date `yesterday`"),
        "{}",
        stderr(&o)
    );
    assert!(!out2.exists());
}

/// An export with the owner under two names (a name changed, or misspelt in a
/// conversation): "Olivia Owner" in c1, c3, c4; "Olivia Smith" in c2 only. c5 lists no
/// recipients and its sender is not the owner: the reader cannot tell whether the owner is
/// in it, and classifies it as before. Rows newest first.
const TWO_NAMES: &str = "CONVERSATION ID,FROM,TO,DATE,CONTENT\n\
    c1,Sam Seller,Olivia Owner,2025-11-30 14:00:00 UTC,Can I book a demo of our product?\n\
    c2,Ann Example,Olivia Smith,2025-11-29 15:00:00 UTC,Likewise!\n\
    c2,Olivia Smith,Ann Example,2025-11-29 14:00:00 UTC,Great to meet you at the meetup!\n\
    c3,Olivia Owner,Rita Recruiter,2025-11-20 10:00:00 UTC,Thanks for reaching out.\n\
    c3,Rita Recruiter,Olivia Owner,2025-11-19 10:00:00 UTC,We are hiring a backend engineer.\n\
    c4,Bob Example,Olivia Owner,2025-11-18 10:00:00 UTC,Hello from the conference.\n\
    c5,Zed Example,,2025-11-17 10:00:00 UTC,Join my team and earn from home.\n";

fn froms(o: &std::process::Output) -> Vec<String> {
    let mut r = csv::Reader::from_reader(&o.stdout[..]);
    let h = r.headers().unwrap().clone();
    let from = h.iter().position(|x| x == "from").unwrap();
    r.records().map(|x| x.unwrap()[from].to_string()).collect()
}

#[test]
fn conversations_the_owner_given_is_not_in_are_not_classified_as_sent_to_them() {
    // `--linkedin-owner "Olivia Owner"` used to classify c2, where the owner writes as
    // "Olivia Smith", as a message Olivia Smith sent to the owner (4 rows, exit 0).
    let dir = tempdir();
    let m = dir.path().join("messages.csv");
    std::fs::write(&m, TWO_NAMES).unwrap();
    let o = predict_linkedin(&m, &["--linkedin-owner", "Olivia Owner"]);
    assert_ok(&o);
    assert_eq!(
        froms(&o),
        ["Sam Seller", "Rita Recruiter", "Bob Example", "Zed Example"]
    );
    let err = stderr(&o);
    // 7 messages: 4 classified, 2 replies (c2, c3), 1 opening of c2 not classified.
    assert!(
        err.contains(
            "messages.csv: 7 messages in 5 conversations; 4 classified (opening messages sent \
             to you); not classified: 2 replies, 1 conversation without the owner"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "messages.csv: 1 conversation not classified: the owner is in none of its \
             messages (who is: Ann Example in 1, Olivia Smith in 1)"
        ),
        "{err}"
    );
    assert!(err.contains("owner: Olivia Owner, as given"), "{err}");

    // Named as in c2 only: in none of the messages of 4 of the 5 conversations (c5 cannot
    // be told). Most of the export: an error naming who is in most messages, and no
    // output, where the run used to classify the other conversations as sent to her.
    let out = dir.path().join("out.csv");
    let o = predict_linkedin(
        &m,
        &[
            "--linkedin-owner",
            "Olivia Smith",
            "--output",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "messages.csv: the owner given, `Olivia Smith`, is in none of the messages of 3 of \
             its 5 conversations (in most of its 7 messages: Olivia Owner in 4,"
        ),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn conversations_the_owner_found_is_not_in_are_not_classified_as_sent_to_them() {
    // Without --linkedin-owner the owner is the person in most messages, Olivia Owner
    // (4 of 7); c2 is not hers by the data and was classified as sent to her, with the
    // summary saying she was "found in every conversation".
    let dir = tempdir();
    let m = dir.path().join("messages.csv");
    std::fs::write(&m, TWO_NAMES).unwrap();
    let o = predict_linkedin(&m, &[]);
    assert_ok(&o);
    assert_eq!(
        froms(&o),
        ["Sam Seller", "Rita Recruiter", "Bob Example", "Zed Example"]
    );
    let err = stderr(&o);
    assert!(
        err.contains("owner: Olivia Owner, found in 4 of 5 conversations"),
        "{err}"
    );
    assert!(
        err.contains("1 conversation not classified: the owner is in none of its messages"),
        "{err}"
    );
}

#[test]
fn an_export_with_nothing_to_classify_gives_the_header_alone() {
    // Every conversation was opened by the owner: nothing was sent to them. CSV output
    // (here standard output) is still a CSV with the output's columns, the same header
    // as a run that classifies messages; JSON lines output is empty.
    let dir = tempdir();
    let m = dir.path().join("messages.csv");
    std::fs::write(
        &m,
        "CONVERSATION ID,FROM,TO,DATE,CONTENT\n\
         c1,Olivia Owner,Sam Seller,2025-11-30 14:00:00 UTC,Hello Sam.\n\
         c1,Sam Seller,Olivia Owner,2025-11-30 15:00:00 UTC,Can I book a demo of our product?\n\
         c2,Olivia Owner,Ann Example,2025-11-29 14:00:00 UTC,Great to meet you!\n",
    )
    .unwrap();
    let call = |owner: &str, format: &str| {
        let o = predict_linkedin(&m, &["--format", format, "--linkedin-owner", owner]);
        assert_ok(&o);
        String::from_utf8(o.stdout).unwrap()
    };
    let none = call(OWNER, "csv");
    assert_eq!(none.lines().count(), 1, "{none}");
    // Sam's view: the conversation Olivia opened with him was sent to him, header first.
    let some = call("Sam Seller", "csv");
    assert_eq!(some.lines().count(), 2, "{some}");
    assert_eq!(none.lines().next(), some.lines().next());
    assert!(none.starts_with("kind,conversation_id,from,"), "{none}");
    assert_eq!(call(OWNER, "jsonl"), "");
    assert_eq!(call("Sam Seller", "jsonl").lines().count(), 1);
}
