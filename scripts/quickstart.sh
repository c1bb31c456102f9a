#!/usr/bin/env bash
# The quick start: build, train a model on the shipped corpus, classify the held-out test
# split with it, and ask the default (embedded) model about the message this project
# started from.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
mkdir -p target/quickstart
./target/release/pitchsift-train data/train.csv -o target/quickstart/invitations.model
./target/release/pitchsift-predict --model target/quickstart/invitations.model \
    --input data/test.csv --output target/quickstart/test-predictions.csv
python3 - <<'PY'
import csv
rows = list(csv.DictReader(open("target/quickstart/test-predictions.csv", encoding="utf-8")))
right = sum(r["label"] == r["predicted"] for r in rows)
print(f"test split: {right}/{len(rows)} correct ({right / len(rows):.3f}); predictions in target/quickstart/test-predictions.csv")
PY
echo "default model says:"
./target/release/pitchsift-predict \
    "I know you know a lot of people keeping their options open to making extra money part time; I'd love to introduce myself and see if it's a good fit for anyone you know" \
    "Loved your talk on supply-chain resilience at the Leeds meetup; would be glad to stay in touch."
