//! Open a pitchsift report in headless Chromium (network off) and measure it: the time
//! to the load event and to the table being ready (the page's `table-ready` mark, from
//! navigation start), what failed to load, and how long a label filter click takes.
//! Used by scripts/bench_report.sh; `--screenshot PNG` saves the page for the README.
//!
//!     cargo run --release --example report_browser -- inbox.html [--runs 5] [--screenshot docs/report.png] [--full]

#[path = "../tests/cdp/mod.rs"]
mod cdp;

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut page: Option<PathBuf> = None;
    let mut shot: Option<PathBuf> = None;
    let (mut runs, mut full, mut filter) = (1usize, false, String::from("sales"));
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().expect("--runs N").parse().expect("a number"),
            "--screenshot" => shot = args.next().map(PathBuf::from),
            "--full" => full = true,
            "--filter" => filter = args.next().expect("--filter LABEL"),
            _ => page = Some(PathBuf::from(a)),
        }
    }
    let page = page.expect("usage: report_browser REPORT.html [--runs N] [--screenshot PNG]");
    let bin = cdp::chromium().expect("chromium is not installed (apt-get install chromium)");
    for run in 1..=runs {
        // A fresh browser each run: nothing cached.
        let mut b = cdp::Browser::launch(&bin, 1280, 1000);
        b.prepare();
        let load = b.open_file(&page);
        let t = Instant::now();
        assert!(
            b.wait_for(
                "document.body.getAttribute('data-ready')==='1'",
                Duration::from_secs(120)
            ),
            "the table never became ready"
        );
        let waited = t.elapsed();
        let ready = b.eval("performance.getEntriesByName('table-ready')[0].startTime");
        let load_end = b.eval("performance.getEntriesByType('navigation')[0].loadEventEnd");
        let rows = b.eval("JSON.parse(document.getElementById('rows').textContent).length");
        let t = Instant::now();
        b.click(&format!(".f[data-label=\"{filter}\"]"));
        let shown = b.eval("document.getElementById('pageinfo').textContent");
        let click = t.elapsed();
        let problems = b.problems();
        println!(
            "run {run}: {rows} messages; table ready {ready} ms, load event end {load_end} ms after \
             navigation start (load event seen after {:.0} ms wall, ready {:.0} ms later); \
             filter `{filter}` click {:.0} ms -> {shown}; problems: {}",
            load.as_secs_f64() * 1e3,
            waited.as_secs_f64() * 1e3,
            click.as_secs_f64() * 1e3,
            if problems.is_empty() {
                "none".to_string()
            } else {
                problems.join("; ")
            }
        );
        if run == runs {
            if let Some(p) = &shot {
                b.click(".f[data-filter=\"all\"]");
                b.eval("window.scrollTo(0,0)");
                b.screenshot(p, full);
                println!("screenshot: {}", p.display());
            }
        }
    }
}
