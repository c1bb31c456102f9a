#!/usr/bin/env bash
# Cost of --explain: pitchsift-predict throughput on a generated CSV with and without
# --explain K, measured in the same run (best of REPS each); prints rows/s and the ratio.
#
#   scripts/explain-overhead.sh [ROWS] [K] [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-200000}
k=${2:-5}
reps=${3:-3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cargo build --release --quiet --bin pitchsift-train --bin pitchsift-predict
python3 - "$dir" "$rows" <<'PY'
import random, sys
d, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
common = "hi hello thanks the a to of and for you your we our this that with on in at is are be can would".split()
topics = {
    "networking": "meetup conference connect talk enjoyed alumni coffee chat stay touch post research".split(),
    "sales": "demo platform book call pricing crm teams trial roi solution quick product".split(),
    "opportunity": "income passive invest business partner financial freedom ground floor join".split(),
    "recruiting": "hiring role engineer position team remote salary interview candidate opening".split(),
    "scam": "money extra part time home earn fast prize claim fee gift card urgent".split(),
}
labels = sorted(topics)
def msg(label):
    words = [rng.choice(topics[label]) if rng.random() < 0.35 else rng.choice(common)
             for _ in range(rng.randint(12, 40))]
    return " ".join(words)
with open(f"{d}/train.csv", "w") as f:
    f.write("label,text\n")
    for i in range(20000):
        l = labels[i % 5]
        f.write(f"{l},{msg(l)}\n")
with open(f"{d}/input.csv", "w") as f:
    f.write("text\n")
    for i in range(n):
        f.write(msg(rng.choice(labels)) + "\n")
PY
target/release/pitchsift-train -q "$dir/train.csv" -o "$dir/m.model"
best() {
  local b=""
  for _ in $(seq "$reps"); do
    local s e t
    s=$(date +%s.%N)
    target/release/pitchsift-predict -m "$dir/m.model" -i "$dir/input.csv" "$@" > /dev/null
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
  done
  echo "$b"
}
plain=$(best)
explain=$(best --explain "$k")
printf 'rows %d, best of %d\n' "$rows" "$reps"
printf 'predict            %.3f s  %.0f rows/s\n' "$plain" "$(echo "$rows / $plain" | bc -l)"
printf 'predict --explain %d %.3f s  %.0f rows/s\n' "$k" "$explain" "$(echo "$rows / $explain" | bc -l)"
printf 'time ratio (explain / plain): %.2f\n' "$(echo "$explain / $plain" | bc -l)"
