//! The progress bar on stderr (indicatif), shared by the binaries.

/// A progress bar with rate and ETA on stderr, shown only when stderr is a terminal,
/// `quiet` is off and the work has already taken half a second (short runs stay silent).
/// `total` is the amount of work (bytes, or steps for [`Progress::steps`]) when known.
pub struct Progress {
    quiet: bool,
    bar: Option<indicatif::ProgressBar>,
    start: std::time::Instant,
    shown: std::sync::atomic::AtomicBool,
}

impl Progress {
    /// A bar counting bytes.
    pub fn new(total: Option<u64>, quiet: bool, what: &str) -> Progress {
        let style = if total.is_some() {
            "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}"
        } else {
            "{prefix} {spinner} {bytes} {bytes_per_sec} {msg}"
        };
        Progress::with_style(total, quiet, what, style)
    }

    /// A bar counting steps of equal work (e.g. cross-validation folds).
    pub fn steps(total: u64, quiet: bool, what: &str) -> Progress {
        let style = "{prefix} [{bar:30}] {pos}/{len} {msg} ETA {eta}";
        Progress::with_style(Some(total), quiet, what, style)
    }

    fn with_style(total: Option<u64>, quiet: bool, what: &str, style: &str) -> Progress {
        use std::io::IsTerminal;
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = match total {
                Some(t) => indicatif::ProgressBar::with_draw_target(
                    Some(t),
                    indicatif::ProgressDrawTarget::hidden(),
                ),
                None => indicatif::ProgressBar::hidden(),
            };
            bar.set_style(
                indicatif::ProgressStyle::with_template(style)
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar.set_prefix(what.to_string());
            bar
        });
        Progress {
            quiet,
            bar,
            start: std::time::Instant::now(),
            shown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Show the bar once the work has taken half a second; true when it is shown.
    fn reveal(&self, bar: &indicatif::ProgressBar) -> bool {
        use std::sync::atomic::Ordering;
        if !self.shown.load(Ordering::Relaxed)
            && self.start.elapsed().as_millis() >= show_after_ms()
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(4));
        }
        self.shown.load(Ordering::Relaxed)
    }

    /// Work done so far (bytes) and a short message (e.g. the number of documents).
    pub fn update(&mut self, done: u64, msg: impl FnOnce() -> String) {
        let Some(bar) = &self.bar else { return };
        bar.set_position(done);
        if self.reveal(bar) {
            bar.set_message(msg());
        }
    }

    /// One more step done (callable from any thread).
    pub fn step(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            self.reveal(bar);
        }
    }

    /// Print a line on stderr above the bar (or plainly when there is none).
    pub fn println(&self, line: String) {
        match &self.bar {
            Some(bar) if self.shown.load(std::sync::atomic::Ordering::Relaxed) => bar.println(line),
            _ => eprintln!("{line}"),
        }
    }

    /// Remove the bar.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// How long work runs before its bar appears: 500 ms, or `PITCHSIFT_PROGRESS_AFTER_MS`
/// (tests set 0 to see the bar on short runs).
fn show_after_ms() -> u128 {
    std::env::var("PITCHSIFT_PROGRESS_AFTER_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500)
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Cross-validation and grid search report their steps and notes through the bar.
impl pitchsift::eval::Progress for Progress {
    fn step(&self) {
        Progress::step(self);
    }

    fn note(&self, line: String) {
        if !self.quiet {
            self.println(line);
        }
    }
}
