#!/usr/bin/env bash
# The report with about 50,000 classified messages in headless Chromium: builds a
# synthetic export (scripts/make_linkedin_export.py, invented text), classifies it with
# --report, then opens the page 5 times in a fresh headless Chromium with the network
# off (examples/report_browser.rs) and prints the time to the table being ready.
# Target: under 2 s. Usage: scripts/bench_report.sh [CONVERSATIONS] [SCREENSHOT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-57000}   # 57,000 conversations give about 50,000 opening messages to classify
shot=${2:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cargo build --release -q --bin pitchsift-predict --example report_browser
python3 scripts/make_linkedin_export.py "$dir" --conversations "$n"
/usr/bin/time -f "classify + report: %e s wall, %M KB peak RSS" \
  target/release/pitchsift-predict --linkedin "$dir" --output "$dir/inbox.csv" --report "$dir/inbox.html"
ls -l "$dir/inbox.html"
target/release/examples/report_browser "$dir/inbox.html" --runs 5 ${shot:+--screenshot "$shot"}
