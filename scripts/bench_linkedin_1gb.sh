#!/usr/bin/env bash
# A 1 GB messages.csv classified in bounded memory: generates the file (synthetic,
# invented text; not checked in), then runs pitchsift-predict --linkedin on it under
# /usr/bin/time and prints wall time and peak RSS. With a terminal on stderr the
# progress bar shows both passes. Usage: scripts/bench_linkedin_1gb.sh [BYTES] [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bytes=${1:-1000000000}
dir=${2:-$(mktemp -d)}
cargo build --release -q --bin pitchsift-predict
[ -f "$dir/messages.csv" ] || python3 scripts/make_linkedin_export.py "$dir" --target-bytes "$bytes"
ls -l "$dir/messages.csv"
/usr/bin/time -f "%e s wall, %U s user, %M KB peak RSS" \
  target/release/pitchsift-predict --linkedin "$dir/messages.csv" --output /dev/null
/usr/bin/time -f "with --report: %e s wall, %U s user, %M KB peak RSS" \
  target/release/pitchsift-predict --linkedin "$dir/messages.csv" --output /dev/null --report "$dir/inbox.html"
