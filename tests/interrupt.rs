//! Interrupts and streams: SIGINT, SIGTERM or SIGHUP in the middle of a run leave no
//! temporary file and every previous output as it was, and the process exits with
//! 128 + the signal's number; `pitchsift-predict -` answers each line of a pipe that
//! stays open before the next line is written.
//!
//! Every wait here is for a condition (a file appearing, the process catching the
//! signals, an answer line), with a generous deadline against a hung program; no test
//! asserts a duration.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{ok, repo_file, run_in, s, write, EVAL, PREDICT, TRAIN};

const LABEL: &str = env!("CARGO_BIN_EXE_pitchsift-label");

/// The deadline of every wait (a hung program, not a measurement).
const DEADLINE: Duration = Duration::from_secs(120);

/// A folder with `m.model`, trained on the fixture corpus.
fn setup() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let f = repo_file("data/fixtures/tiny.csv");
    ok(&run_in(TRAIN, &[s(&f), "-o", "m.model", "-q"], d.path()));
    d
}

/// `bin args` in `dir`, standard input a pipe the test holds, output discarded.
fn spawn(bin: &str, args: &[&str], dir: &Path) -> Child {
    Command::new(bin)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Wait until `cond` holds; panic naming `what` at the deadline.
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < DEADLINE,
            "{what}: not within {DEADLINE:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The files of `dir`, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The temporary files of unfinished outputs in `dir`.
fn temps(dir: &Path) -> Vec<String> {
    files(dir)
        .into_iter()
        .filter(|f| f.starts_with(".pitchsift-"))
        .collect()
}

/// True when process `pid` catches SIGHUP, SIGINT and SIGTERM (its handler is in place),
/// from the `SigCgt` mask of /proc/PID/status (bit N - 1 is signal N).
fn catches_interrupts(pid: u32) -> bool {
    let Ok(st) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return false;
    };
    let mask = st
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
        .unwrap_or(0);
    [1, 2, 15].iter().all(|sig| mask & (1 << (sig - 1)) != 0)
}

fn kill(pid: u32, sig: &str) {
    let st = Command::new("kill")
        .args(["-s", sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success(), "kill -s {sig} {pid}");
}

/// The tests of this binary that use the process's registry of temporary files, one at a
/// time: `remove_pending` drains it, whichever test's files are listed.
fn in_process() -> std::sync::MutexGuard<'static, ()> {
    static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    ONE.lock().unwrap_or_else(|e| e.into_inner())
}

/// The signals and the exit codes they end a run with (128 + the signal's number).
const SIGNALS: [(&str, i32); 3] = [("INT", 130), ("TERM", 143), ("HUP", 129)];

/// pitchsift-predict opens its outputs (a temporary file beside each) before it reads:
/// interrupted while it waits for more input, it removes both temporary files, leaves the
/// previous prediction and report files as they were and exits with 128 + the signal.
/// Before, the process died of the signal and both temporary files stayed.
#[test]
fn predict_interrupted_with_outputs_pending_removes_them_and_keeps_the_targets() {
    for (sig, code) in SIGNALS {
        let d = setup();
        let dir = d.path();
        write(dir, "out.csv", "the previous predictions\n");
        write(dir, "r.html", "the previous report\n");
        let before = files(dir);
        let mut child = spawn(
            PREDICT,
            &[
                "-m", "m.model", "-i", "-", "-o", "out.csv", "--report", "r.html", "-q",
            ],
            dir,
        );
        let mut input = child.stdin.take().unwrap();
        input
            .write_all(b"text\nquick demo this week?\nlovely to meet you\n")
            .unwrap();
        input.flush().unwrap();
        wait_until("the two temporary outputs", || temps(dir).len() == 2);
        kill(child.id(), sig);
        let status = child.wait().unwrap();
        drop(input);
        assert_eq!(status.code(), Some(code), "SIG{sig}: {status:?}");
        assert_eq!(files(dir), before, "SIG{sig}: a temporary file is left");
        assert_eq!(
            std::fs::read_to_string(dir.join("out.csv")).unwrap(),
            "the previous predictions\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("r.html")).unwrap(),
            "the previous report\n"
        );
    }
}

/// Training, evaluation and suggestion runs interrupted while they read their input
/// (standard input, a pipe kept open): exit 128 + the signal, nothing written, the
/// previous output byte for byte as it was. Before, the process died of the signal
/// (no exit code).
#[test]
fn runs_interrupted_while_reading_exit_with_the_signal_code_and_write_nothing() {
    let labelled = "label,text\nsales,book a demo of our platform\nnetworking,great to meet you\n";
    let unlabelled = "id,text\n1,book a demo of our platform\n2,great to meet you\n";
    let suggest = [
        "--model",
        "m.model",
        "--input",
        "-",
        "--suggest",
        "2",
        "-o",
        "s.csv",
    ];
    let runs: [(&str, &[&str], &str, &str); 3] = [
        (
            TRAIN,
            &["-", "-o", "old.model", "-q"],
            "old.model",
            labelled,
        ),
        (
            EVAL,
            &["--model", "m.model", "--test", "-", "--json", "r.json"],
            "r.json",
            labelled,
        ),
        (LABEL, &suggest, "s.csv", unlabelled),
    ];
    for (bin, args, target, rows) in runs {
        for (sig, code) in SIGNALS {
            let d = setup();
            let dir = d.path();
            let old = std::fs::read(dir.join("m.model")).unwrap();
            std::fs::write(dir.join(target), &old).unwrap();
            let before = files(dir);
            let mut child = spawn(bin, args, dir);
            let mut input = child.stdin.take().unwrap();
            input.write_all(rows.as_bytes()).unwrap();
            input.flush().unwrap();
            let pid = child.id();
            wait_until("the interrupt handler", || catches_interrupts(pid));
            kill(pid, sig);
            let status = child.wait().unwrap();
            drop(input);
            let name = Path::new(bin).file_name().unwrap().to_string_lossy();
            assert_eq!(status.code(), Some(code), "{name} SIG{sig}: {status:?}");
            assert_eq!(files(dir), before, "{name} SIG{sig}");
            assert!(
                std::fs::read(dir.join(target)).unwrap() == old,
                "{name} SIG{sig}"
            );
        }
    }
}

/// The library's side: an unfinished output's temporary file is listed until it is
/// renamed or dropped; `remove_pending` removes it, and the output can no longer be
/// renamed over its target, which stays as it was.
#[test]
fn remove_pending_removes_unfinished_outputs_and_their_targets_stay() {
    let _one = in_process();
    use pitchsift::io::output::{pending, remove_pending, Output};
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let target = write(dir, "t.txt", "old\n");
    let mut out = Output::create(&target).unwrap();
    out.write_all(b"new, unfinished\n").unwrap();
    let tmp = temps(dir);
    assert_eq!(tmp.len(), 1);
    assert_eq!(pending(), vec![dir.join(&tmp[0])]);
    let removed = remove_pending();
    assert_eq!(removed.removed, 1);
    assert!(temps(dir).is_empty());
    // The guard holds every output (and the list) until it is dropped.
    drop(removed);
    assert!(pending().is_empty());
    assert!(out.finish().is_err(), "its temporary file is gone");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "old\n");
    assert_eq!(files(dir), ["t.txt"]);
    // Finished or dropped outputs leave the list.
    let mut out = Output::create(&target).unwrap();
    out.write_all(b"new\n").unwrap();
    out.finish().unwrap();
    drop(Output::create(&dir.join("u.txt")).unwrap());
    assert!(pending().is_empty());
    assert_eq!(files(dir), ["t.txt"]);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "new\n");
}

/// A run's outputs are renamed as one group (`output::commit`) under the commit lock that
/// `remove_pending` (the signal thread) takes first. A signal during the renames (here:
/// a thread calling `remove_pending` right after the first of three renames) waits until
/// the group is renamed, and then has nothing to remove: every target is new. A signal
/// before the commit removes every temporary file: every target is old. Before, the
/// outputs were renamed one by one with no lock between them, so a signal after the first
/// rename removed the other two temporary files: one target new, two old.
#[test]
fn a_signal_during_a_group_commit_waits_for_the_whole_group() {
    let _one = in_process();
    use pitchsift::io::output::{commit, commit_each, pending, prepare, remove_pending};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let names = ["a.json", "b.md", "c.svg"];
    for n in names {
        write(dir, n, "old\n");
    }
    let group = || {
        names
            .iter()
            .map(|n| prepare(&dir.join(n), b"new\n").unwrap())
            .collect::<Vec<_>>()
    };
    let contents = || {
        names
            .iter()
            .map(|n| std::fs::read_to_string(dir.join(n)).unwrap())
            .collect::<Vec<_>>()
    };

    // The signal during the renames.
    let ready = group();
    assert_eq!(temps(dir).len(), 3);
    let (calling, returned) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let mut signal = None;
    let mut renamed = 0;
    commit_each(ready, &mut |_| {
        renamed += 1;
        if renamed == 1 {
            let (c, r) = (calling.clone(), returned.clone());
            signal = Some(std::thread::spawn(move || {
                c.store(true, Ordering::SeqCst);
                let removed = remove_pending();
                r.store(true, Ordering::SeqCst);
                removed.removed
            }));
            wait_until("the signal thread calling remove_pending", || {
                calling.load(Ordering::SeqCst)
            });
            // Time for it to reach the lock: were it not held, remove_pending would
            // return at once (a slow thread only makes this check weaker, never wrong).
            std::thread::sleep(Duration::from_millis(200));
        }
        assert!(
            !returned.load(Ordering::SeqCst),
            "remove_pending returned between two renames of one group"
        );
    })
    .unwrap();
    assert_eq!(renamed, 3);
    let removed = signal.unwrap().join().unwrap();
    assert_eq!(removed, 0, "nothing was left to remove");
    assert_eq!(contents(), ["new\n"; 3]);
    assert!(temps(dir).is_empty());

    // The signal before the commit.
    for n in names {
        write(dir, n, "old\n");
    }
    let ready = group();
    let closed = remove_pending();
    assert_eq!(closed.removed, 3);
    drop(closed);
    assert!(pending().is_empty());
    assert!(commit(ready).is_err(), "the temporary files are gone");
    assert_eq!(contents(), ["old\n"; 3]);
    assert_eq!(files(dir), names);
}

/// A rename of a group that fails (here: its target became a directory) fails the whole
/// group: the targets renamed before it get their old files back (or are removed when
/// they had none), the ones after it are untouched, and no temporary or kept file is
/// left. Before, the targets before it stayed new (an eval run that failed with
/// "Is a directory" on --markdown had already replaced its --json file).
#[test]
fn a_failed_rename_puts_the_whole_group_back() {
    let _one = in_process();
    use pitchsift::io::output::{commit, prepare};
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "a.json", "old a\n");
    write(dir, "c.svg", "old c\n");
    std::fs::create_dir(dir.join("made-a-dir")).unwrap();
    write(&dir.join("made-a-dir"), "inside", "x");
    let targets = ["a.json", "b.md", "made-a-dir", "c.svg"];
    let ready: Vec<_> = targets
        .iter()
        .map(|n| prepare(&dir.join(n), b"new\n").unwrap())
        .collect();
    let err = commit(ready).unwrap_err().to_string();
    assert!(err.contains("made-a-dir"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.join("a.json")).unwrap(),
        "old a\n"
    );
    assert!(!dir.join("b.md").exists(), "b.md had no file before");
    assert_eq!(
        std::fs::read_to_string(dir.join("c.svg")).unwrap(),
        "old c\n"
    );
    assert!(dir.join("made-a-dir/inside").exists());
    assert_eq!(files(dir), ["a.json", "c.svg", "made-a-dir"]);
    // The same group with the directory gone: every target new, nothing else left.
    std::fs::remove_dir_all(dir.join("made-a-dir")).unwrap();
    let ready: Vec<_> = targets
        .iter()
        .map(|n| prepare(&dir.join(n), b"new\n").unwrap())
        .collect();
    commit(ready).unwrap();
    for n in targets {
        assert_eq!(
            std::fs::read_to_string(dir.join(n)).unwrap(),
            "new\n",
            "{n}"
        );
    }
    assert_eq!(files(dir).len(), 4, "{:?}", files(dir));
}

/// A labelled corpus whose model is large (every bigram of random words is new: at
/// 40,000 rows about 1.3 M features, a 40 MB model), so that pitchsift-train and
/// pitchsift-merge spend a few hundred milliseconds saving it: `n` rows of 24 words from
/// a 400,000-word vocabulary, three labels, a fixed linear congruential generator.
fn big_corpus(n: usize) -> String {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut out = String::from("text,label\n");
    for i in 0..n {
        for w in 0..24 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            if w > 0 {
                out.push(' ');
            }
            out.push_str(&format!("w{:x}", (x >> 33) % 400_000));
        }
        out.push_str([",a\n", ",b\n", ",c\n"][i % 3]);
    }
    out
}

/// Interrupted while saving: pitchsift-train and pitchsift-merge, sent SIGINT as soon as
/// the temporary file of the model being saved is seen (seen twice, 2 ms apart: not the
/// probe of the output folder that the checks before the work create and remove at
/// once), exit 130 with the previous model byte for byte as it was and no temporary
/// file. The signal may land at any instant of the save, or, on a slow poll, after the
/// rename: then the run must have exited 0 with a complete new model (it loads in full, with
/// the big corpus's three labels), never anything in between. In 15 runs of this test (2
/// cores, other jobs running; 30 interrupted saves) every train and merge run was
/// interrupted while saving (exit 130), none finished first: the save takes 150-300 ms
/// (pitchsift-train's "writing" time) and the poll 2-3 ms. About 5 s in release mode.
/// Before, no test showed the save phase.
#[test]
fn train_and_merge_interrupted_while_saving_keep_the_old_model() {
    let d = setup();
    let dir = d.path();
    write(dir, "big.csv", big_corpus(40_000));
    // The merge's input: the big model, saved in full.
    ok(&run_in(TRAIN, &["big.csv", "-o", "big.model", "-q"], dir));
    let old = std::fs::read(dir.join("m.model")).unwrap();
    let runs: [(&str, &[&str]); 2] = [
        (TRAIN, &["big.csv", "-o", "old.model", "-q"]),
        (
            common::MERGE,
            &["big.model", "m.model", "-o", "old.model", "-q"],
        ),
    ];
    for (bin, args) in runs {
        let name = Path::new(bin).file_name().unwrap().to_string_lossy();
        std::fs::write(dir.join("old.model"), &old).unwrap();
        let before = files(dir);
        let mut child = spawn(bin, args, dir);
        let mut seen = Vec::new();
        wait_until(&format!("{name}: the model's temporary file"), || {
            let t = temps(dir);
            let again = !t.is_empty() && t == seen;
            seen = t;
            if !again {
                std::thread::sleep(Duration::from_millis(2));
            }
            again || child.try_wait().unwrap().is_some()
        });
        kill(child.id(), "INT");
        let status = child.wait().unwrap();
        assert!(temps(dir).is_empty(), "{name}: a temporary file is left");
        assert_eq!(files(dir), before, "{name}");
        let now = std::fs::read(dir.join("old.model")).unwrap();
        match status.code() {
            Some(130) => assert!(now == old, "{name}: the previous model was changed"),
            Some(0) => {
                // Finished before the signal: the new model, whole.
                let m = pitchsift::model_file::load(
                    &dir.join("old.model"),
                    pitchsift::model_file::Load::Full,
                )
                .unwrap();
                for l in ["a", "b", "c"] {
                    assert!(m.labels.iter().any(|x| x == l), "{name}: {:?}", m.labels);
                }
                eprintln!("{name}: finished before the signal");
            }
            other => panic!("{name}: exit {other:?}"),
        }
    }
}

/// A tmux server of its own (socket in the test directory), ended on drop.
struct Tmux(String);

impl Tmux {
    fn cmd(&self, args: &[&str]) -> String {
        let o = Command::new("tmux")
            .args(["-S", &self.0])
            .args(args)
            .output()
            .expect("tmux is installed (.ci/run installs it)");
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn screen(&self, name: &str) -> String {
        self.cmd(&["capture-pane", "-p", "-t", name])
    }

    fn wait_for(&self, name: &str, what: &str) -> String {
        let mut sc = String::new();
        wait_until(&format!("`{what}` on the screen"), || {
            sc = self.screen(name);
            sc.contains(what)
        });
        sc
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.cmd(&["kill-server"]);
    }
}

/// The interactive labeller in a pseudo-terminal: SIGTERM or SIGHUP between answers gives
/// the terminal back (normal screen, line mode), keeps every answer in a whole label file
/// and leaves no temporary file; Ctrl-C (a key in its raw mode) still quits cleanly.
/// Before, a signal left the terminal in raw mode on the alternate screen.
#[test]
fn labeller_interrupted_restores_the_terminal_and_keeps_every_answer() {
    let d = setup();
    let dir = d.path();
    write(
        dir,
        "pool.csv",
        "id,text\n1,quick demo of our platform?\n2,lovely to meet you at the meetup\n\
         3,we are hiring a nurse\n4,earn money from home\n",
    );
    let t = Tmux(dir.join("tmux.sock").to_string_lossy().into_owned());
    // Keeps the server up whatever the other sessions do.
    t.cmd(&["new-session", "-d", "-s", "keep", "sleep 600"]);
    let run = format!("{LABEL} --model m.model --input pool.csv --labels l.csv");
    // After the labeller: its exit code, and whether the terminal is in line mode again.
    let after = "echo EXITED $?; if stty -a | grep -q -- -icanon; then echo RAW; \
                 else echo LINE; fi; echo END; sleep 600";
    for (i, (how, code)) in [("TERM", 143), ("HUP", 129), ("C-c", 0)].iter().enumerate() {
        let name = format!("s{i}");
        t.cmd(&[
            "new-session",
            "-d",
            "-s",
            &name,
            "-x",
            "100",
            "-y",
            "30",
            "-c",
            s(dir),
            &format!("sh -c '{run}; {after}'"),
        ]);
        t.wait_for(&name, "confidence");
        t.cmd(&["send-keys", "-t", &name, "s"]);
        wait_until("the answer saved", || {
            std::fs::read_to_string(dir.join("l.csv")).is_ok_and(|l| l.lines().count() == i + 2)
        });
        if *how == "C-c" {
            t.cmd(&["send-keys", "-t", &name, "C-c"]);
        } else {
            // The labeller is the pane's shell's one child.
            let sh = t.cmd(&["list-panes", "-t", &name, "-F", "#{pane_pid}"]);
            let pids = Command::new("pgrep")
                .args(["-P", sh.trim()])
                .output()
                .unwrap();
            let pids = String::from_utf8(pids.stdout).unwrap();
            let pids: Vec<&str> = pids.split_whitespace().collect();
            assert_eq!(pids.len(), 1, "one labeller running: {pids:?}");
            kill(pids[0].parse().unwrap(), how);
        }
        let sc = t.wait_for(&name, "END");
        assert!(sc.contains(&format!("EXITED {code}")), "{how}:\n{sc}");
        assert!(
            sc.contains("LINE"),
            "{how}: the terminal is left raw:\n{sc}"
        );
        let alt = t.cmd(&["display-message", "-p", "-t", &name, "#{alternate_on}"]);
        assert_eq!(alt.trim(), "0", "{how}: still on the alternate screen");
        let labels = std::fs::read_to_string(dir.join("l.csv")).unwrap();
        assert_eq!(labels.lines().count(), i + 2, "{how}: {labels}");
        assert!(temps(dir).is_empty(), "{how}: {:?}", temps(dir));
    }
}

/// Lines of `r`, each sent as it is read.
fn line_reader(r: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(r).lines() {
            if tx.send(l.unwrap()).is_err() {
                break;
            }
        }
    });
    rx
}

/// `pitchsift-predict -` from a pipe that stays open: each line's answer comes back
/// before the next line is written (text, and JSON lines numbered across batches), and
/// closing the pipe ends the run with 0. Before, nothing was answered until the input
/// ended.
#[test]
fn predict_answers_each_line_of_an_open_pipe_before_the_next() {
    let d = setup();
    let dir = d.path();
    let lines = [
        "Do you have 15 minutes for a quick demo of our platform?",
        "Great to meet you at the conference last week!",
        "We are hiring a senior nurse for our clinic.",
    ];
    // The expected answers: the same messages as arguments, all at once.
    let mut args = vec!["-m", "m.model"];
    args.extend(lines);
    let text = ok(&run_in(PREDICT, &args, dir));
    args.extend(["-f", "jsonl"]);
    let jsonl = ok(&run_in(PREDICT, &args, dir));
    for (format, expected) in [("text", &text), ("jsonl", &jsonl)] {
        let mut child = Command::new(PREDICT)
            .args(["-m", "m.model", "-", "-f", format])
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        let answers = line_reader(child.stdout.take().unwrap());
        for (line, want) in lines.iter().zip(expected.lines()) {
            writeln!(input, "{line}").unwrap();
            input.flush().unwrap();
            let got = answers.recv_timeout(DEADLINE).unwrap_or_else(|_| {
                panic!("{format}: no answer to `{line}` while the pipe is open")
            });
            assert_eq!(got, want, "{format}");
        }
        drop(input);
        assert!(child.wait().unwrap().success());
        assert!(answers.recv_timeout(DEADLINE).is_err(), "nothing more");
    }
}

/// `n` messages written for these tests (varied, some with CRLF line ends).
fn many_messages(n: usize) -> Vec<String> {
    let parts = [
        "quick demo of our platform",
        "great to meet you",
        "we are hiring",
        "earn money from home",
        "send your password",
        "loved your talk",
        "your account is locked",
        "join my team",
    ];
    (0..n)
        .map(|i| {
            format!(
                "{} {} {i} {}",
                parts[i % parts.len()],
                parts[(i / 8) % parts.len()],
                parts[(i * 7 + 3) % parts.len()]
            )
        })
        .collect()
}

/// Run `pitchsift-predict` with `input` on standard input (written from a thread while
/// the output is read) and return its output.
fn predict_piped(dir: &Path, args: &[&str], input: Vec<u8>) -> Vec<u8> {
    let mut child = Command::new(PREDICT)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut w = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || w.write_all(&input).unwrap());
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o.stdout
}

/// The streamed answers are the same bytes as those of the messages given as arguments
/// (one batch), for every --jobs and --batch-size, in text, CSV (with reasons) and JSON
/// lines; CRLF line ends are not part of a message.
#[test]
fn streamed_stdin_gives_the_same_bytes_whatever_the_batching() {
    let d = setup();
    let dir = d.path();
    let msgs = many_messages(2000);
    let mut input = Vec::new();
    for (i, m) in msgs.iter().enumerate() {
        input.extend_from_slice(m.as_bytes());
        input.extend_from_slice(if i % 3 == 0 { b"\r\n" } else { b"\n" });
    }
    for format in [
        &["-f", "text"][..],
        &["-f", "csv", "--explain", "2"],
        &["-f", "jsonl"],
    ] {
        let mut args = vec!["-m", "m.model"];
        args.extend(msgs.iter().map(String::as_str));
        args.extend(format);
        let expected = run_in(PREDICT, &args, dir);
        assert!(expected.status.success());
        for run in [
            &["--jobs", "1", "--batch-size", "1"][..],
            &["--jobs", "2", "--batch-size", "7"],
            &["--jobs", "2"],
        ] {
            let mut args = vec!["-m", "m.model", "-"];
            args.extend(format);
            args.extend(run);
            let got = predict_piped(dir, &args, input.clone());
            assert!(got == expected.stdout, "{format:?} {run:?}");
        }
    }
}

/// Peak resident set (VmHWM) of a running process, in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// 59 MiB of lines (262,144 of 236 bytes) through `pitchsift-predict -` (the default
/// model) in bounded memory: every line answered, peak resident set under 48 MiB.
/// Before, the whole input was read into memory first (the lines as strings, then every
/// prediction).
#[test]
fn stdin_lines_are_classified_in_bounded_memory() {
    let d = tempfile::tempdir().unwrap();
    const LINES: usize = 256 * 1024;
    let line = format!(
        "{}\n",
        "quick demo of our platform, great to meet you. ".repeat(5)
    );
    assert_eq!(line.len(), 236);
    let mut child = Command::new(PREDICT)
        .args(["-", "--jobs", "2"])
        .current_dir(d.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut w = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let block = line.repeat(1024);
        for _ in 0..LINES / 1024 {
            w.write_all(block.as_bytes()).unwrap();
        }
    });
    let out = child.stdout.take().unwrap();
    let counter = std::thread::spawn(move || BufReader::new(out).lines().count());
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = peak_rss_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    writer.join().unwrap();
    assert!(status.success());
    assert_eq!(counter.join().unwrap(), LINES);
    eprintln!("{LINES} lines of 236 bytes: peak RSS {peak} KiB");
    assert!(peak < 48 * 1024, "peak RSS {peak} KiB");
}
