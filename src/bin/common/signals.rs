//! Interrupts (SIGINT, SIGTERM, SIGHUP): a thread waits for them, removes the temporary
//! files of the outputs still being written ([`pitchsift::io::output::remove_pending`]),
//! gives the terminal back if the labeller had taken it, and exits with 128 + the
//! signal's number (130, 143, 129), every target left as it was.

use std::sync::atomic::{AtomicI32, Ordering};

/// The signal caught, 0 before any.
static CAUGHT: AtomicI32 = AtomicI32::new(0);

/// The signal caught, if any. A run that finishes while the signal thread waits for a
/// group of outputs to be renamed (it takes the commit lock first) ends with the
/// signal's exit code too, not 0, and without an error message.
pub fn caught() -> Option<i32> {
    Some(CAUGHT.load(Ordering::SeqCst)).filter(|&s| s != 0)
}

/// Start the thread that handles interrupts (once, before any output is opened).
#[cfg(unix)]
pub fn install() -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                CAUGHT.store(sig, Ordering::SeqCst);
                // Held until the exit: no output starts or is renamed in between.
                let _closed = pitchsift::io::output::remove_pending();
                if ratatui::crossterm::terminal::is_raw_mode_enabled().unwrap_or(false) {
                    ratatui::restore();
                }
                std::process::exit(128 + sig);
            }
        })?;
    Ok(())
}

/// Elsewhere the default handling stays.
#[cfg(not(unix))]
pub fn install() -> std::io::Result<()> {
    Ok(())
}
