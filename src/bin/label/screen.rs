//! The interactive labelling screen (ratatui + crossterm) over a
//! [`pitchsift::labelling::Session`], which saves every answer at once.
//!
//! The screen opens at once ("scoring N messages"), while the session scores the inbox
//! on another thread; the model's refresh every `--every` labels runs on another thread
//! too, the questions going on from the current queue meanwhile.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::Duration;

use crate::glyphs::unambiguous;
use crate::layout::{self, Plan};
use pitchsift::active::{Pool, Strategy};
use pitchsift::eval::render::escape_controls;
use pitchsift::explain::explain;
use pitchsift::labelling::{label_keys, Refreshed, Session};
use pitchsift::Classifier;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

/// How often the screen looks for a result of the other thread while no key comes.
const POLL: Duration = Duration::from_millis(50);

/// What the screen starts from.
pub struct Setup {
    pub clf: Classifier,
    pub pool: Pool,
    pub labels: PathBuf,
    pub model_path: PathBuf,
    pub strategy: Strategy,
    pub weight: u32,
    pub every: usize,
}

enum Mode {
    Normal,
    /// Typing a label by name.
    Typing(String),
    /// Confirming a label the model does not know.
    Confirm(String),
}

struct Ui {
    session: Session,
    every: usize,
    mode: Mode,
    status: String,
    current: Option<usize>,
    /// The message row scrolled and by how many lines (another row starts at the top).
    scroll: (usize, u16),
    /// Set by each draw: the most the message can scroll, and its box's height.
    max_scroll: u16,
    page: u16,
    /// The model refresh running on another thread, if one is.
    refreshing: Option<Receiver<pitchsift::Result<Refreshed>>>,
    /// Set by each draw: the terminal is too small to show the message (keys other than
    /// quitting are ignored: no answer given blind).
    too_small: bool,
}

/// A key pressed (not released), as the screens take it.
fn pressed(ev: Event) -> Option<KeyEvent> {
    match ev {
        Event::Key(k) if k.kind == KeyEventKind::Press => Some(k),
        _ => None,
    }
}

fn quits(k: &KeyEvent) -> bool {
    (k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c'))
        || k.code == KeyCode::Char('q')
}

/// Open the session on another thread, showing "scoring N messages" meanwhile (a
/// 100,000-message inbox took seconds before its first message, on a blank screen).
/// `None`: the user quit first.
fn open_session(
    terminal: &mut ratatui::DefaultTerminal,
    open: impl FnOnce() -> pitchsift::Result<Session> + Send + 'static,
    n: usize,
) -> anyhow::Result<Option<Session>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(open());
    });
    let text = format!("scoring {n} messages\u{2026} (q quits)");
    loop {
        terminal.draw(|f| {
            f.render_widget(
                Paragraph::new(text.as_str())
                    .wrap(Wrap { trim: true })
                    .block(Block::bordered().title(" pitchsift-label ")),
                f.area(),
            )
        })?;
        match rx.try_recv() {
            Ok(session) => return Ok(Some(session?)),
            Err(TryRecvError::Disconnected) => anyhow::bail!("the scoring thread failed"),
            Err(TryRecvError::Empty) => {}
        }
        if event::poll(POLL)? {
            if let Some(k) = pressed(event::read()?) {
                if quits(&k) {
                    return Ok(None);
                }
            }
        }
    }
}

pub fn run(setup: Setup) -> anyhow::Result<()> {
    let Setup {
        clf,
        pool,
        labels,
        model_path,
        strategy,
        weight,
        every,
    } = setup;
    if pool.is_empty() {
        anyhow::bail!(pitchsift::Error::EmptyCorpus {
            inputs: "the input".into()
        });
    }
    let given = pool.labelled();
    let pool_blank = pool.blank();
    let n = pool.len();
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            ratatui::restore();
            anyhow::bail!("cannot start the terminal screen: {e}");
        }
    };
    let path = labels.clone();
    let opened = open_session(
        &mut terminal,
        move || Session::open(clf, pool, &path, strategy, weight),
        n,
    );
    let session = match opened {
        Ok(Some(s)) => s,
        Ok(None) => {
            ratatui::restore();
            println!("Quit before the first message: nothing answered.");
            return Ok(());
        }
        Err(e) => {
            ratatui::restore();
            return Err(e);
        }
    };
    let resumed = session.answers().len();
    let mut status = Vec::new();
    if resumed > 0 {
        status.push(format!(
            "resumed: {resumed} answers read from {}",
            labels.display()
        ));
    }
    if given > 0 {
        status.push(format!("{given} messages labelled in the input: not asked"));
    }
    if let n @ 1.. = pool_blank {
        status.push(format!("{n} empty messages: not asked"));
    }
    let mut ui = Ui {
        session,
        every,
        mode: Mode::Normal,
        status: status.join("; "),
        current: None,
        scroll: (0, 0),
        max_scroll: 0,
        page: 1,
        refreshing: None,
        too_small: false,
    };
    ui.current = ui.session.next_message();
    let result = ui.main_loop(&mut terminal);
    ratatui::restore();
    result?;
    let n = ui.session.labelled();
    let skips = ui.session.answers().len() - n;
    println!(
        "{n} label{} saved to {}{}.",
        if n == 1 { "" } else { "s" },
        labels.display(),
        match skips {
            0 => String::new(),
            1 => " (and 1 skip)".into(),
            k => format!(" (and {k} skips)"),
        }
    );
    if n > 0 {
        let out = model_path.with_extension("mine.model");
        println!(
            "Fold them into the model with (the model they were given with: one that already \
             holds some of them would count those twice):\n  pitchsift-train --update {} {} -o {}",
            shell_word(&model_path),
            shell_word(&labels),
            shell_word(&out)
        );
    }
    if given > 0 {
        println!(
            "The {given} messages labelled in the input are not in {}: if the model has not \
             learnt them, fold the input in too (its rows without a label are skipped).",
            labels.display()
        );
    }
    Ok(())
}

impl Ui {
    fn main_loop(&mut self, terminal: &mut ratatui::DefaultTerminal) -> anyhow::Result<()> {
        loop {
            terminal.draw(|f| self.draw(f))?;
            if self.refreshing.is_some() && !event::poll(POLL)? {
                self.take_refresh()?;
                continue;
            }
            let Some(key) = pressed(event::read()?) else {
                continue;
            };
            if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
                return Ok(());
            }
            if self.too_small {
                if quits(&key) {
                    return Ok(());
                }
                continue;
            }
            let mode = std::mem::replace(&mut self.mode, Mode::Normal);
            match mode {
                Mode::Normal => {
                    if !self.normal_key(key.code)? {
                        return Ok(());
                    }
                }
                Mode::Typing(mut buf) => match key.code {
                    KeyCode::Enter => {
                        let label = buf.trim().to_string();
                        if label.is_empty() {
                            self.status = "no label typed".into();
                        } else if self.session.knows(&label) {
                            self.give(Some(&label))?;
                        } else {
                            self.mode = Mode::Confirm(label);
                        }
                    }
                    KeyCode::Esc => self.status = "cancelled".into(),
                    KeyCode::Backspace => {
                        buf.pop();
                        self.mode = Mode::Typing(buf);
                    }
                    KeyCode::Char(',') => {
                        self.status = "a label holds no comma".into();
                        self.mode = Mode::Typing(buf);
                    }
                    KeyCode::Char(c) if !c.is_control() => {
                        buf.push(c);
                        self.mode = Mode::Typing(buf);
                    }
                    _ => self.mode = Mode::Typing(buf),
                },
                Mode::Confirm(label) => {
                    if matches!(key.code, KeyCode::Char('y' | 'Y')) {
                        if self.give(Some(&label))? {
                            self.status = format!("new label `{label}` added; {}", self.status);
                        }
                    } else {
                        self.status = format!("`{label}` not added");
                    }
                }
            }
        }
    }

    /// Handle a key in normal mode; false to quit.
    fn normal_key(&mut self, code: KeyCode) -> anyhow::Result<bool> {
        let labels = self.session.labels();
        let keys = label_keys(&labels);
        match code {
            // Not Esc: it cancels a typed label, and pressed once too often it left the
            // program.
            KeyCode::Char('q') => return Ok(false),
            KeyCode::Char('u') => match not_saved(self.session.undo())? {
                Err(e) => self.status = format!("undo not saved: {e}; the answer stands"),
                Ok(Some(a)) => {
                    self.current = Some(a.row);
                    self.status = format!(
                        "undone: {}",
                        a.label
                            .as_deref()
                            .map_or("skip".into(), |l| format!("`{l}`"))
                    );
                }
                Ok(None) => self.status = "nothing to undo".into(),
            },
            KeyCode::Char('+') => self.mode = Mode::Typing(String::new()),
            KeyCode::Down => self.scroll_by(1),
            KeyCode::Up => self.scroll_by(-1),
            KeyCode::PageDown => self.scroll_by(i32::from(self.page)),
            KeyCode::PageUp => self.scroll_by(-i32::from(self.page)),
            _ if self.current.is_none() => {
                self.status = "every message is answered: q quits".into();
            }
            KeyCode::Char('s') => {
                self.give(None)?;
            }
            // The key shown next to a label gives it (digits, then letters).
            KeyCode::Char(c) if keys.contains(&Some(c)) => {
                let i = keys.iter().position(|k| *k == Some(c)).unwrap_or_default();
                self.give(Some(&labels[i]))?;
            }
            KeyCode::Char(c) if c.is_ascii_digit() => {
                self.status = format!(
                    "no label {c}: the labels are 1-{}; + types a new one",
                    labels.len().min(9)
                )
            }
            KeyCode::Char(c) => {
                let hits: Vec<&String> = labels.iter().filter(|l| l.starts_with(c)).collect();
                match hits.as_slice() {
                    [one] => {
                        let one = (*one).clone();
                        self.give(Some(&one))?;
                    }
                    [] => {
                        self.status = format!("no label starts with `{c}`; + types a label by name")
                    }
                    _ => self.status = format!("several labels start with `{c}`: use its number"),
                }
            }
            _ => {}
        }
        Ok(true)
    }

    /// Answer the current message; false when the label file could not be saved (the
    /// answer is not recorded, the message stays on screen to be answered again, and the
    /// status line says why: a full disk or a lost folder need not end the session).
    fn give(&mut self, label: Option<&str>) -> anyhow::Result<bool> {
        let Some(row) = self.current else {
            return Ok(false);
        };
        if let Err(e) = not_saved(self.session.answer(row, label))? {
            self.status = format!("not saved: {e}; answer again, or q to quit");
            return Ok(false);
        }
        self.status = match label {
            Some(l) => format!("saved `{l}`"),
            None => "skipped".into(),
        };
        self.start_refresh();
        self.current = self.session.next_message();
        Ok(true)
    }

    /// Start the model's refresh on another thread when `--every` labels wait for it and
    /// none runs.
    fn start_refresh(&mut self) {
        if self.refreshing.is_some() || self.session.pending() < self.every {
            return;
        }
        let job = self.session.refresh_job();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(job.run());
        });
        self.refreshing = Some(rx);
        self.status.push_str("; updating the model");
    }

    /// Put in the refresh's result if it is ready (one an undo made stale is dropped and
    /// the refresh started again).
    fn take_refresh(&mut self) -> anyhow::Result<()> {
        let Some(rx) = &self.refreshing else {
            return Ok(());
        };
        let done = match rx.try_recv() {
            Ok(done) => done?,
            Err(TryRecvError::Empty) => return Ok(()),
            Err(TryRecvError::Disconnected) => anyhow::bail!("the model update failed"),
        };
        self.refreshing = None;
        if self.session.apply(done) {
            let status = self.status.replace("; updating the model", "");
            self.status = format!("{status}; model updated, queue re-ranked");
            if self.current.is_none() {
                self.current = self.session.next_message();
            }
        }
        self.start_refresh();
        Ok(())
    }

    /// Scroll the message shown by `d` lines (a message longer than its box: its end
    /// could not be read before it was labelled).
    fn scroll_by(&mut self, d: i32) {
        let Some(row) = self.current else {
            return;
        };
        let now = if self.scroll.0 == row {
            self.scroll.1
        } else {
            0
        };
        let to = (i32::from(now) + d).clamp(0, i32::from(self.max_scroll));
        self.scroll = (row, to as u16);
    }

    /// The keys line's items (the labels' numbers, then the other keys); `compact`:
    /// shorter.
    fn key_items(&self, labels: &[String], compact: bool) -> Vec<String> {
        match &self.mode {
            Mode::Normal => {
                // A label with no key left (past 58 labels) is given by typing it: `+`.
                let mut items: Vec<String> = labels
                    .iter()
                    .zip(label_keys(labels))
                    .map(|(l, k)| format!("{} {}", k.unwrap_or('+'), shown(l)))
                    .collect();
                if compact {
                    items.extend(["s skip", "u undo", "+ new", "q quit"].map(String::from));
                } else {
                    items.extend(
                        ["|", "s skip", "u undo", "+ new label", "q quit"].map(String::from),
                    );
                }
                items
            }
            Mode::Typing(b) => vec![
                format!("label: {}_", shown(b)),
                "(Enter to give it,".into(),
                "Esc to cancel)".into(),
            ],
            Mode::Confirm(l) => {
                let mut v = vec![format!("`{}` is not a label of the model:", shown(l))];
                if let Some(twin) = self.session.twin(l) {
                    v.push(format!("(it has `{}`)", shown(&twin)));
                }
                v.push("add it as a new label? y/n".into());
                v
            }
        }
    }

    /// The keys and the status line at `width` columns.
    fn keys_lines(&self, labels: &[String], width: u16, compact: bool) -> Vec<Line<'static>> {
        let gap = if compact { 1 } else { 2 };
        let items = self.key_items(labels, compact);
        let mut lines: Vec<Line> = layout::pack(&items, usize::from(width), gap)
            .into_iter()
            .map(Line::from)
            .collect();
        lines.push(Line::styled(
            shown(&self.status),
            Style::default().fg(Color::Yellow),
        ));
        lines
    }

    fn draw(&mut self, f: &mut Frame) {
        let labels = self.session.labels();
        // Rows the keys take: wrapped when bordered; the status one line when compact.
        let rows = |width: u16, compact: bool| -> u16 {
            let lines = self.keys_lines(&labels, width, compact);
            let n = if compact {
                lines.len()
            } else {
                Paragraph::new(lines)
                    .wrap(Wrap { trim: true })
                    .line_count(width)
            };
            u16::try_from(n).unwrap_or(u16::MAX)
        };
        // The widest line that cannot be broken: a label's key, or the prediction in its
        // shortest form ("LABEL 0.62"), for any label the model may predict.
        let need = labels.iter().map(|l| shown(l).width() + 5).max();
        let need = u16::try_from(need.unwrap_or(0)).unwrap_or(u16::MAX);
        let area = f.area();
        let a = match layout::plan(area, need, rows) {
            Plan::Fits(a) => a,
            Plan::TooSmall { width, height } => {
                self.too_small = true;
                f.render_widget(
                    Paragraph::new(format!(
                        "terminal too small: need at least {width}x{height} (now {}x{}); \
                         q quits",
                        area.width, area.height
                    ))
                    .wrap(Wrap { trim: true }),
                    area,
                );
                return;
            }
        };
        self.too_small = false;
        let s = &self.session;
        let n = s.pool().len();
        if a.compact {
            f.render_widget(
                Paragraph::new(format!(
                    "{} given, {} of {n} left, {} changed",
                    counted(s.labelled(), "label"),
                    s.left(),
                    s.changed()
                ))
                .style(Style::default().add_modifier(Modifier::REVERSED)),
                a.head,
            );
        } else {
            f.render_widget(
                Paragraph::new(format!(
                    "{} given, {}, {} of {n} left; predictions changed: {} of {n}",
                    counted(s.labelled(), "label"),
                    counted(s.answers().len(), "answer"),
                    s.left(),
                    s.changed()
                ))
                .block(Block::bordered().title(" pitchsift-label ")),
                a.head,
            );
        }
        let body = a.body;
        match self.current {
            Some(i) => {
                let text = &s.pool().texts[i];
                let message = Paragraph::new(shown_message(text)).wrap(Wrap { trim: false });
                let total = message.line_count(body.width.saturating_sub(2));
                let seen = body.height.saturating_sub(2);
                self.page = seen.max(1);
                self.max_scroll =
                    u16::try_from(total.saturating_sub(usize::from(seen))).unwrap_or(u16::MAX);
                let top = match self.scroll {
                    (row, by) if row == i => by.min(self.max_scroll),
                    _ => 0,
                };
                let line = s.pool().lines[i];
                let title = if self.max_scroll > 0 {
                    let (from, to) = (top + 1, usize::from(top + seen).min(total));
                    // The longest title that fits the box's top border.
                    [
                        format!(
                            " message (line {line}): lines {from}-{to} of {total}, Up/Down PgUp/PgDn scroll "
                        ),
                        format!(" line {line}: {from}-{to} of {total}, Up/Down scroll "),
                        format!(" {from}-{to}/{total} "),
                    ]
                    .into_iter()
                    .find(|t| t.chars().count() + 2 <= usize::from(body.width))
                    .unwrap_or_default()
                } else {
                    format!(" message (line {line}) ")
                };
                f.render_widget(
                    message
                        .scroll((top, 0))
                        .block(Block::bordered().title(title)),
                    body,
                );
                let (p, reasons) = explain(&mut s.model().scorer(), text, 5);
                let label = shown(&s.model().labels[p.class]);
                let conf = p.confidence();
                if a.compact {
                    // One line: the prediction, then as many reasons as fit.
                    let long = format!(", confidence {conf:.2}");
                    let mut spans = predicted(&label, &long, conf, a.why.width);
                    for r in reasons {
                        spans.push(Span::raw(format!("  {} {:+.2}", shown(&r.term), r.weight)));
                    }
                    f.render_widget(Paragraph::new(Line::from(spans)), a.why);
                } else {
                    let long = format!("  confidence {conf:.2}");
                    let inner = a.why.width.saturating_sub(2);
                    let mut lines = vec![Line::from(predicted(&label, &long, conf, inner))];
                    for r in reasons {
                        lines.push(Line::from(format!(
                            "  {:+.2}  {}",
                            r.weight,
                            shown(&r.term)
                        )));
                    }
                    // A hashed model keeps no words: its reasons are buckets, named by the
                    // words of this message that fall in them.
                    let title = match s.model().params.analyzer().hash_bits {
                        Some(_) => {
                            " why (hashed model: buckets #N, named by this message's words in them) "
                        }
                        None => " why ",
                    };
                    f.render_widget(
                        Paragraph::new(lines).block(Block::bordered().title(title)),
                        a.why,
                    );
                }
            }
            None => f.render_widget(
                Paragraph::new("Every message is answered. q quits.")
                    .wrap(Wrap { trim: true })
                    .block(Block::bordered()),
                body,
            ),
        }
        if a.compact {
            f.render_widget(
                Paragraph::new(self.keys_lines(&labels, a.keys.width, true)),
                a.keys,
            );
        } else {
            let inner = a.keys.width.saturating_sub(2);
            f.render_widget(
                Paragraph::new(self.keys_lines(&labels, inner, false))
                    .wrap(Wrap { trim: true })
                    .block(Block::bordered()),
                a.keys,
            );
        }
    }
}

/// The prediction's line in `width` columns, the label whole: `predicted: LABEL` then
/// `long` (the confidence said in words) when it fits, else `predicted: LABEL 0.62`, else
/// `LABEL 0.62` (a 24-column label was cut to `predicted: comp.sys.ibm.pc.ha` at 30).
fn predicted(label: &str, long: &str, conf: f64, width: u16) -> Vec<Span<'static>> {
    let short = format!(" {conf:.2}");
    let fits = |s: &str| label.width() + s.width() <= usize::from(width);
    let (head, tail) = if fits(&format!("predicted: {long}")) {
        ("predicted: ", long.to_string())
    } else if fits(&format!("predicted: {short}")) {
        ("predicted: ", short)
    } else {
        ("", short)
    };
    let bold = Style::default().add_modifier(Modifier::BOLD);
    vec![
        Span::raw(head),
        Span::styled(label.to_string(), bold),
        Span::raw(tail),
    ]
}

/// A label, term or status as the screen shows it: control characters escaped, joined
/// emoji sequences as their parts ([`unambiguous`]).
fn shown(s: &str) -> String {
    unambiguous(&escape_controls(s)).into_owned()
}

/// A message as the screen shows it: its lines (`\n`, `\r\n` or a lone `\r` ends one), a
/// tab as four spaces, and every other control character escaped (`\u{1b}`). Written
/// raw, an escape sequence in a message would move the cursor, recolour or retitle the
/// terminal, and a carriage return would overwrite the line drawn before it.
fn shown_message(text: &str) -> Vec<Line<'static>> {
    text.split('\n')
        .flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'))
        .map(|l| Line::from(shown(&l.replace('\t', "    "))))
        .collect()
}

/// A path as one word of a POSIX shell command line: as it is when it holds only
/// characters no shell treats specially, else in single quotes (a `'` in it as `'\''`),
/// so that the printed command works when pasted (a label file named `my labels.csv`
/// was two words).
fn shell_word(path: &std::path::Path) -> String {
    let s = path.to_string_lossy();
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./,:=+@%".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// `n` and a noun that takes an `s` unless `n` is 1: "1 label", "2 labels".
fn counted(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// A label file that could not be written (`Err` inside: the session is as it was before
/// the answer or undo, see `Session::answer`) apart from every other error.
fn not_saved<T>(r: pitchsift::Result<T>) -> anyhow::Result<Result<T, pitchsift::Error>> {
    match r {
        Err(e @ pitchsift::Error::Io { .. }) => Ok(Err(e)),
        Err(e) => Err(e.into()),
        Ok(v) => Ok(Ok(v)),
    }
}
