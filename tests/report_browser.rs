//! The HTML report in a real browser: headless Chromium opens it from disk with the
//! network off; nothing may fail to load or throw, a message holding `<script>` shows
//! as text, and the label filter, sorting and paging work when clicked.
//!
//! Needs Chromium (`apt-get install chromium`; .ci/run installs it). Outside CI the test
//! is skipped, saying so, when Chromium is absent; in CI (CI=true) it must run.

mod cdp;
mod common;

use std::path::Path;
use std::time::Duration;

use common::{assert_ok, run, PREDICT};

/// Invented messages, a few per kind of sender.
const TEMPLATES: &[(&str, &str)] = &[
    ("Nina Net", "Great meeting you at the data meetup last week, let's stay in touch!"),
    ("Omar Alumni", "Hi, we studied at the same university; would love to connect and hear about your work."),
    ("Sam Seller", "Can I book 15 minutes this week for a quick demo of our analytics platform?"),
    ("Sally Sales", "Our software cuts your cloud costs by 30%, are you free for a short call to see a demo?"),
    ("Rita Recruiter", "We are hiring a senior backend engineer for a remote team, would you be open to a call about the role?"),
    ("Ray Hiring", "I have a staff engineer position that matches your profile, salary range attached, interested?"),
    ("Olga Opportunity", "Join my team and earn passive income from home with our wellness products, be your own boss!"),
    ("Scott Scam", "Congratulations, you won a prize! Send your bank details and a small fee to claim it."),
];

const HOSTILE: &str =
    "Claim your prize now <script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\"> today";

/// An unpacked export folder: one conversation per message, spread over three months,
/// plus the hostile message.
fn export(dir: &Path, n: usize) -> std::path::PathBuf {
    let folder = dir.join("export");
    std::fs::create_dir_all(&folder).unwrap();
    let mut w = csv::Writer::from_path(folder.join("messages.csv")).unwrap();
    w.write_record([
        "CONVERSATION ID",
        "CONVERSATION TITLE",
        "FROM",
        "SENDER PROFILE URL",
        "TO",
        "RECIPIENT PROFILE URLS",
        "DATE",
        "SUBJECT",
        "CONTENT",
        "FOLDER",
    ])
    .unwrap();
    let owner_url = "https://www.linkedin.com/in/olivia-owner-example";
    for i in 0..n {
        let (from, text) = if i == 3 {
            ("Hal Hostile <b>bold</b>", HOSTILE)
        } else {
            TEMPLATES[i % TEMPLATES.len()]
        };
        let url = format!(
            "https://www.linkedin.com/in/sender-{}-example",
            i % TEMPLATES.len()
        );
        let date = format!(
            "2025-{:02}-{:02} {:02}:{:02}:00 UTC",
            11 - (i * 3 / n),
            28 - (i % 27),
            i % 24,
            i % 60
        );
        w.write_record([
            &format!("conv-{i}"),
            "",
            from,
            &url,
            "Olivia Owner",
            owner_url,
            &date,
            "",
            text,
            "INBOX",
        ])
        .unwrap();
    }
    w.flush().unwrap();
    folder
}

fn browser_or_skip() -> Option<std::path::PathBuf> {
    match cdp::chromium() {
        Some(b) => Some(b),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but chromium is not installed (.ci/run installs it)")
        }
        None => {
            eprintln!("SKIPPED: chromium is not installed (apt-get install chromium); the report's browser test did not run");
            None
        }
    }
}

#[test]
fn report_works_in_headless_chromium() {
    let Some(bin) = browser_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let n = 240;
    let folder = export(dir.path(), n);
    let report = dir.path().join("inbox.html");
    let csv_out = dir.path().join("inbox.csv");
    assert_ok(&run(
        PREDICT,
        &[
            "--linkedin",
            folder.to_str().unwrap(),
            "--output",
            csv_out.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            "-q",
        ],
    ));
    // The expected counts per label come from the CSV output of the same run.
    let mut per_label = std::collections::BTreeMap::<String, usize>::new();
    let mut r = csv::Reader::from_path(&csv_out).unwrap();
    let pred = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "predicted")
        .unwrap();
    for rec in r.records() {
        *per_label.entry(rec.unwrap()[pred].to_string()).or_default() += 1;
    }
    assert_eq!(per_label.values().sum::<usize>(), n);
    let (label, want) = per_label
        .iter()
        .filter(|(l, _)| l.as_str() != "networking")
        .max_by_key(|(_, c)| **c)
        .map(|(l, c)| (l.clone(), *c))
        .unwrap();

    let mut b = cdp::Browser::launch(&bin, 1280, 1600);
    b.prepare();
    b.open_file(&report);
    assert!(
        b.wait_for(
            "document.body.getAttribute('data-ready')==='1'",
            Duration::from_secs(30)
        ),
        "the table never became ready: {:?}",
        b.problems()
    );
    assert_eq!(
        b.problems(),
        Vec::<String>::new(),
        "nothing may fail to load or throw"
    );

    // The hostile message and sender are text, not markup.
    assert_eq!(b.eval("window.__pwned===undefined"), true);
    assert_eq!(b.eval("document.querySelectorAll('img').length"), 0);
    assert_eq!(
        b.eval(
            "Array.from(document.querySelectorAll('#tbody td')).some(function(td){\
             return td.textContent.indexOf('<script>window.__pwned=1</script>')>=0})"
        ),
        true
    );
    assert_eq!(
        b.eval(
            "document.getElementById('senders').textContent.indexOf('Hal Hostile <b>bold</b>')>=0"
        ),
        true
    );

    // Paging: 100 rows a page.
    assert_eq!(b.eval("document.querySelectorAll('#tbody tr').length"), 100);

    // Filter by the largest non-networking label, as a person would: a click.
    b.click(&format!(".f[data-label=\"{label}\"]"));
    let shown = b
        .eval("document.querySelectorAll('#tbody tr').length")
        .as_u64()
        .unwrap() as usize;
    assert_eq!(shown, want.min(100));
    assert_eq!(
        b.eval(&format!(
            "Array.from(document.querySelectorAll('#tbody tr')).every(function(tr){{\
             return tr.getAttribute('data-label')==={label:?}}})"
        )),
        true
    );
    assert_eq!(
        b.eval("document.querySelector('.f.on').getAttribute('data-label')"),
        label.as_str()
    );

    // Sort by confidence, ascending after two clicks (the first sorts descending).
    b.click("#table th[data-key=\"3\"]");
    b.click("#table th[data-key=\"3\"]");
    let conf: Vec<f64> = serde_json::from_value(b.eval(
        "Array.from(document.querySelectorAll('#tbody tr td:nth-child(4)')).map(function(td){\
         return parseFloat(td.textContent)})",
    ))
    .unwrap();
    assert!(conf.windows(2).all(|w| w[0] <= w[1]), "{conf:?}");

    // Back to all messages, then the second page.
    b.click(".f[data-label=\"all\"]");
    b.click("#next");
    assert_eq!(b.eval("document.querySelectorAll('#tbody tr').length"), 100);
    assert_eq!(
        b.eval("document.getElementById('pageinfo').textContent.indexOf('101')>=0"),
        true
    );
    assert_eq!(b.problems(), Vec::<String>::new());

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-browser-test.png");
    b.screenshot(&shot, false);
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
}
