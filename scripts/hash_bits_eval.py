#!/usr/bin/env python3
"""Model size and accuracy of --hash-bits B against no hashing, on a train/test CSV pair.

    scripts/hash_bits_eval.py [DATASET_DIR] [--bits 14,16,18,20] [--ngrams 1..2]

DATASET_DIR (default ../shared/datasets/20news) holds train.csv and test.csv with
`label,text`. Trains pitchsift with the default settings and each B, predicts the test
set, and prints a Markdown table: B, features, model file MB, accuracy, macro-F1.
Python stdlib only; needs target/release binaries (cargo build --release).
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release")


def scores(test_csv, pred_csv):
    csv.field_size_limit(1 << 30)
    with open(test_csv, newline="", encoding="utf-8") as f:
        gold = [r["label"].strip() for r in csv.DictReader(f)]
    with open(pred_csv, newline="", encoding="utf-8") as f:
        pred = [r["predicted"] for r in csv.DictReader(f)]
    assert len(gold) == len(pred)
    acc = sum(g == p for g, p in zip(gold, pred)) / len(gold)
    f1s = []
    for c in sorted(set(gold)):
        tp = sum(g == c and p == c for g, p in zip(gold, pred))
        fp = sum(g != c and p == c for g, p in zip(gold, pred))
        fn = sum(g == c and p != c for g, p in zip(gold, pred))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return acc, sum(f1s) / len(f1s)


def main():
    ap = argparse.ArgumentParser()
    shared = os.path.join(os.path.dirname(ROOT), "shared")
    if not os.path.isdir(shared):  # a git worktree one level deeper
        shared = "/work/shared"
    ap.add_argument("dataset", nargs="?", default=os.path.join(shared, "datasets", "20news"))
    ap.add_argument("--bits", default="14,16,18,20,22")
    ap.add_argument("--ngrams", default="1..2")
    a = ap.parse_args()
    train, test = os.path.join(a.dataset, "train.csv"), os.path.join(a.dataset, "test.csv")
    work = tempfile.mkdtemp(prefix="hashbits.")
    print(f"dataset {a.dataset}, n-grams {a.ngrams}\n")
    print("| hash bits | features | model MB | accuracy | macro-F1 |")
    print("|---|---:|---:|---:|---:|")
    for b in [None] + [int(x) for x in a.bits.split(",") if x]:
        model = os.path.join(work, f"m{b}.model")
        pred = os.path.join(work, f"p{b}.csv")
        cmd = [os.path.join(BIN, "pitchsift-train"), train, "-o", model, "--ngrams", a.ngrams]
        if b is not None:
            cmd += ["--hash-bits", str(b)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            sys.exit(r.stderr)
        feats = [l for l in r.stderr.splitlines() if "kept as features" in l][0].split(",")[1].split()[0]
        subprocess.run([os.path.join(BIN, "pitchsift-predict"), "-m", model, "-i", test, "-o", pred, "-q"], check=True)
        acc, f1 = scores(test, pred)
        print(f"| {'none' if b is None else b} | {int(feats):,} | {os.path.getsize(model)/1e6:.1f} | {acc:.4f} | {f1:.4f} |", flush=True)


if __name__ == "__main__":
    main()
