//! The interactive labelling screen (ratatui + crossterm) over a
//! [`pitchsift::labelling::Session`], which saves every answer at once.

use std::path::PathBuf;

use pitchsift::active::{Pool, Strategy};
use pitchsift::eval::render::escape_controls;
use pitchsift::explain::explain;
use pitchsift::labelling::Session;
use pitchsift::Classifier;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

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
    let session = Session::open(clf, pool, &labels, strategy, weight)?;
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
    };
    ui.current = ui.session.next_message();
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            ratatui::restore();
            anyhow::bail!("cannot start the terminal screen: {e}");
        }
    };
    let result = ui.main_loop(&mut terminal);
    ratatui::restore();
    result?;
    let n = ui.session.labelled();
    println!(
        "{n} labels saved to {} ({} answers with skips). Fold them into the model with:",
        labels.display(),
        ui.session.answers().len()
    );
    let out = model_path.with_extension("mine.model");
    println!(
        "  pitchsift-train --update {} {} -o {}",
        shell_word(&model_path),
        shell_word(&labels),
        shell_word(&out)
    );
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
            let Event::Key(key) = event::read()? else {
                continue;
            };
            if key.kind != KeyEventKind::Press {
                continue;
            }
            if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
                return Ok(());
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
                    KeyCode::Char(c) if c != ',' && !c.is_control() => {
                        buf.push(c);
                        self.mode = Mode::Typing(buf);
                    }
                    _ => self.mode = Mode::Typing(buf),
                },
                Mode::Confirm(label) => {
                    if key.code == KeyCode::Char('y') {
                        self.give(Some(&label))?;
                        self.status = format!("new label `{label}` added; {}", self.status);
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
        match code {
            KeyCode::Char('q') | KeyCode::Esc => return Ok(false),
            KeyCode::Char('u') => match self.session.undo()? {
                Some(a) => {
                    self.current = Some(a.row);
                    self.status = format!(
                        "undone: {}",
                        a.label
                            .as_deref()
                            .map_or("skip".into(), |l| format!("`{l}`"))
                    );
                }
                None => self.status = "nothing to undo".into(),
            },
            KeyCode::Char('+') => self.mode = Mode::Typing(String::new()),
            KeyCode::Down => self.scroll_by(1),
            KeyCode::Up => self.scroll_by(-1),
            KeyCode::PageDown => self.scroll_by(i32::from(self.page)),
            KeyCode::PageUp => self.scroll_by(-i32::from(self.page)),
            _ if self.current.is_none() => {
                self.status = "every message is answered: q quits".into();
            }
            KeyCode::Char('s') => self.give(None)?,
            KeyCode::Char(c) if c.is_ascii_digit() && c != '0' => {
                let d = c as usize - '0' as usize;
                match labels.get(d - 1) {
                    Some(l) => self.give(Some(&l.clone()))?,
                    None => {
                        self.status = format!(
                            "no label {d}: the labels are 1-{}; + types a new one",
                            labels.len()
                        )
                    }
                }
            }
            KeyCode::Char(c) => {
                let hits: Vec<&String> = labels.iter().filter(|l| l.starts_with(c)).collect();
                match hits.as_slice() {
                    [one] => {
                        let one = (*one).clone();
                        self.give(Some(&one))?
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

    fn give(&mut self, label: Option<&str>) -> anyhow::Result<()> {
        let Some(row) = self.current else {
            return Ok(());
        };
        self.session.answer(row, label)?;
        self.status = match label {
            Some(l) => format!("saved `{l}`"),
            None => "skipped".into(),
        };
        if self.session.pending() >= self.every {
            self.session.refresh()?;
            self.status.push_str("; model updated, queue re-ranked");
        }
        self.current = self.session.next_message();
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

    fn draw(&mut self, f: &mut Frame) {
        let [head, body, why, keys] = Layout::vertical([
            Constraint::Length(3),
            Constraint::Min(4),
            Constraint::Length(8),
            Constraint::Length(5),
        ])
        .areas(f.area());
        let s = &self.session;
        let n = s.pool().len();
        f.render_widget(
            Paragraph::new(format!(
                "{} labels given, {} answers, {} of {n} left; predictions changed: {} of {n}",
                s.labelled(),
                s.answers().len(),
                s.left(),
                s.changed()
            ))
            .block(Block::bordered().title(" pitchsift-label ")),
            head,
        );
        let labels = s.labels();
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
                let title = if self.max_scroll > 0 {
                    format!(
                        " message (line {}): lines {}-{} of {total}, Up/Down PgUp/PgDn scroll ",
                        s.pool().lines[i],
                        top + 1,
                        usize::from(top + seen).min(total)
                    )
                } else {
                    format!(" message (line {}) ", s.pool().lines[i])
                };
                f.render_widget(
                    message
                        .scroll((top, 0))
                        .block(Block::bordered().title(title)),
                    body,
                );
                let (p, reasons) = explain(&mut s.model().scorer(), text, 5);
                let mut lines = vec![Line::from(vec![
                    Span::raw("predicted: "),
                    Span::styled(
                        escape_controls(&s.model().labels[p.class]),
                        Style::default().add_modifier(Modifier::BOLD),
                    ),
                    Span::raw(format!("  confidence {:.2}", p.confidence())),
                ])];
                for r in reasons {
                    lines.push(Line::from(format!("  {:+.2}  {}", r.weight, r.term)));
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
                    why,
                );
            }
            None => f.render_widget(
                Paragraph::new("Every message is answered. q quits.").block(Block::bordered()),
                body,
            ),
        }
        let choices: Vec<String> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{} {}", i + 1, escape_controls(l)))
            .collect();
        let prompt = match &self.mode {
            Mode::Normal => format!(
                "{}  |  s skip  u undo  + new label  q quit",
                choices.join("  ")
            ),
            Mode::Typing(b) => format!("label: {b}_   (Enter to give it, Esc to cancel)"),
            Mode::Confirm(l) => {
                format!(
                    "`{}` is not a label of the model: add it as a new label? y/n",
                    escape_controls(l)
                )
            }
        };
        f.render_widget(
            Paragraph::new(vec![
                Line::from(prompt),
                Line::styled(
                    escape_controls(&self.status),
                    Style::default().fg(Color::Yellow),
                ),
            ])
            .wrap(Wrap { trim: true })
            .block(Block::bordered()),
            keys,
        );
    }
}

/// A message as the screen shows it: its lines (`\n`, `\r\n` or a lone `\r` ends one), a
/// tab as four spaces, and every other control character escaped (`\u{1b}`). Written
/// raw, an escape sequence in a message would move the cursor, recolour or retitle the
/// terminal, and a carriage return would overwrite the line drawn before it.
fn shown_message(text: &str) -> Vec<Line<'static>> {
    text.split('\n')
        .flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'))
        .map(|l| Line::from(escape_controls(&l.replace('\t', "    "))))
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
