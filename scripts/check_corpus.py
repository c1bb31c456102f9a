#!/usr/bin/env python3
"""Check the invitation corpus: label counts, exact and near duplicates, split hygiene.

Usage:
    scripts/check_corpus.py                      # checks data/train.csv and data/test.csv
    scripts/check_corpus.py FILE.csv [FILE.csv]  # checks any files (a single file: no split checks)

Near-duplicate rule (issue 3): two messages whose cosine similarity of word-count vectors
(lower-cased \\w+ tokens) exceeds 0.8 fail. Exact duplicates (after whitespace folding) fail.
Every message is also checked against the real LinkedIn dev set
(../shared/datasets/linkedin_real/dev.csv, when present; PITCHSIFT_REAL_DEV overrides the path):
no written message may be a near copy (cosine > 0.8) of a real one. Real rows are named by
their row number only, never quoted.
With two files, the first is train and the second test: the split must be stratified
(test share of each label within 2 points of the overall test share, which must be >= 20%)
and no test message may appear in train. Exit 0 when every check passes, 1 otherwise.
Pure Python standard library, so it runs on a fresh machine.
"""
import csv
import math
import os
import re
import sys
from collections import Counter, defaultdict

LABELS = ["networking", "sales", "opportunity", "recruiting", "scam"]
MIN_TOTAL = 3000
MIN_PER_LABEL = 500
NEAR_DUP = 0.8
WORD = re.compile(r"\w+", re.UNICODE)


def read(path):
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header != ["label", "text"]:
            sys.exit(f"{path}: header must be label,text (got {header})")
        for i, rec in enumerate(reader, start=2):
            if len(rec) != 2:
                sys.exit(f"{path}:{reader.line_num}: expected 2 fields, got {len(rec)}")
            rows.append((path, reader.line_num, rec[0], rec[1]))
    return rows


def vector(text):
    c = Counter(w.lower() for w in WORD.findall(text))
    norm = math.sqrt(sum(v * v for v in c.values()))
    return c, norm


def near_duplicates(rows, threshold=NEAR_DUP):
    """All pairs with cosine > threshold. Exact: every pair sharing a word is scored.

    Candidate pairs come from an inverted index; the dot product is accumulated per
    posting, so the cost is the sum over words of df^2, which is fine at this size.
    """
    vecs = [vector(r[3]) for r in rows]
    postings = defaultdict(list)
    for i, (c, _) in enumerate(vecs):
        for w, v in c.items():
            postings[w].append((i, v))
    found = []
    for i, (c, ni) in enumerate(vecs):
        if ni == 0:
            continue
        acc = defaultdict(float)
        for w, v in c.items():
            for j, u in postings[w]:
                if j > i:
                    acc[j] += v * u
        for j, dot in acc.items():
            cos = dot / (ni * vecs[j][1])
            if cos > threshold:
                found.append((cos, rows[i], rows[j]))
    return found


REAL_DEV = os.environ.get(
    "PITCHSIFT_REAL_DEV",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "datasets", "linkedin_real", "dev.csv"),
)


def near_copies_of_real(rows, path, threshold=NEAR_DUP):
    """(cosine, written row, real row number) for every written row whose word-count
    cosine with a real row exceeds the threshold."""
    with open(path, newline="", encoding="utf-8") as f:
        real = [r["text"] for r in csv.DictReader(f)]
    postings = defaultdict(list)
    norms = []
    for j, t in enumerate(real):
        c, n = vector(t)
        norms.append(n)
        for w, v in c.items():
            postings[w].append((j, v))
    found = []
    for r in rows:
        c, n = vector(r[3])
        if n == 0:
            continue
        acc = defaultdict(float)
        for w, v in c.items():
            for j, u in postings.get(w, ()):
                acc[j] += v * u
        for j, dot in acc.items():
            cos = dot / (n * norms[j]) if norms[j] else 0.0
            if cos > threshold:
                found.append((cos, r, j + 1))
    return found


def main(argv):
    paths = argv[1:] or ["data/train.csv", "data/test.csv"]
    files = [read(p) for p in paths]
    rows = [r for f in files for r in f]
    problems = []

    counts = Counter(r[2] for r in rows)
    print(f"{len(rows)} messages in {', '.join(paths)}")
    for label in sorted(counts):
        print(f"  {label:12} {counts[label]}")
    unknown = set(counts) - set(LABELS)
    if unknown:
        problems.append(f"unknown labels: {sorted(unknown)}")
    if len(paths) == 2 or argv[1:] == []:
        if len(rows) < MIN_TOTAL:
            problems.append(f"{len(rows)} messages, need at least {MIN_TOTAL}")
        for label in LABELS:
            if counts[label] < MIN_PER_LABEL:
                problems.append(f"label {label}: {counts[label]} messages, need {MIN_PER_LABEL}")

    for r in rows:
        if not r[3].strip():
            problems.append(f"{r[0]}:{r[1]}: empty text")

    seen = {}
    for r in rows:
        key = " ".join(r[3].split()).lower()
        if key in seen:
            o = seen[key]
            problems.append(f"exact duplicate: {r[0]}:{r[1]} and {o[0]}:{o[1]}")
        else:
            seen[key] = r

    near = near_duplicates(rows)
    for cos, a, b in sorted(near, reverse=True):
        problems.append(
            f"near duplicate (cosine {cos:.3f}): {a[0]}:{a[1]} [{a[2]}] and {b[0]}:{b[1]} [{b[2]}]"
        )
    print(f"near-duplicate pairs (cosine > {NEAR_DUP}): {len(near)}")

    if os.path.exists(REAL_DEV):
        copies = near_copies_of_real(rows, REAL_DEV)
        for cos, r, j in sorted(copies, key=lambda x: -x[0]):
            problems.append(
                f"near copy of a real message (cosine {cos:.3f}): {r[0]}:{r[1]} and real dev.csv row {j}"
            )
        print(f"near copies of real dev messages (cosine > {NEAR_DUP}): {len(copies)}")
    else:
        print(f"real dev set not found at {REAL_DEV}: near-copy check skipped")

    if len(files) == 2:
        train, test = files
        train_texts = {" ".join(r[3].split()).lower() for r in train}
        leaked = [r for r in test if " ".join(r[3].split()).lower() in train_texts]
        for r in leaked:
            problems.append(f"test message also in train: {r[0]}:{r[1]}")
        share = len(test) / len(rows)
        print(f"test share: {share:.3f}")
        if share < 0.2:
            problems.append(f"test share {share:.3f} is below 0.20")
        tc = Counter(r[2] for r in test)
        for label in sorted(counts):
            s = tc[label] / counts[label]
            if abs(s - share) > 0.02:
                problems.append(f"label {label}: test share {s:.3f} vs overall {share:.3f}: not stratified")

    for p in problems:
        print("FAIL", p)
    print("corpus check:", "ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
