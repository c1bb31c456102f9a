#!/usr/bin/env python3
"""Build data/train.csv and data/test.csv from the per-label source files.

Usage: scripts/split_corpus.py SRC_DIR   (SRC_DIR holds <label>.csv, header label,text)

Deterministic stratified split: for each label (sorted), the rows are shuffled with
random.Random(f"pitchsift-2026:{label}") and the first round(0.2 * n) go to test.
Within each split rows are ordered by label, then by their position in the source.
Texts are stripped of surrounding whitespace; the rest is kept byte for byte.
"""
import csv
import os
import random
import sys

LABELS = ["networking", "sales", "opportunity", "recruiting", "scam"]
TEST_SHARE = 0.2


def main(src):
    train, test = [], []
    for label in sorted(LABELS):
        with open(os.path.join(src, f"{label}.csv"), newline="", encoding="utf-8") as f:
            rows = [(r["label"], r["text"].strip()) for r in csv.DictReader(f)]
        assert all(r[0] == label for r in rows), f"{label}.csv holds other labels"
        idx = list(range(len(rows)))
        random.Random(f"pitchsift-2026:{label}").shuffle(idx)
        n_test = round(TEST_SHARE * len(rows))
        chosen = set(idx[:n_test])
        for i, r in enumerate(rows):
            (test if i in chosen else train).append(r)
    for name, rows in (("train", train), ("test", test)):
        with open(f"data/{name}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["label", "text"])
            w.writerows(rows)
        print(f"data/{name}.csv: {len(rows)} rows")


if __name__ == "__main__":
    main(sys.argv[1])
