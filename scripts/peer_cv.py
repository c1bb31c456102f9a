#!/usr/bin/env python3
"""Cross-validated accuracy of the scikit-learn peers on a TRAINING split, for comparison
with `pitchsift-eval --grid` (which never sees the test split).

    ~/.cache/pitchsift-peers/.venv/bin/python scripts/peer_cv.py TRAIN.csv... [--folds 5] [--seed 1]

Runs the peer harness's two best scikit-learn pipelines (CountVectorizer + MultinomialNB,
TfidfVectorizer + ComplementNB, default settings as in bench/peers) under stratified
k-fold CV (shuffled with the seed; scikit-learn's fold assignment, not pitchsift's).
Needs scikit-learn (the peers' venv has it).
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.normpath(os.path.join(ROOT, "..", "shared", "bench", "peers")))
sys.path.insert(0, "/work/shared/bench/peers")
from common import read_csv  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold, cross_val_predict  # noqa: E402
from sklearn.naive_bayes import ComplementNB, MultinomialNB  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("train", nargs="+")
ap.add_argument("--folds", type=int, default=5)
ap.add_argument("--seed", type=int, default=1)
a = ap.parse_args()
print("| train split | pipeline | CV accuracy | CV macro-F1 |\n|---|---|---|---|")
for path in a.train:
    y, x = read_csv(path)
    for name, pipe in [("sk_count_mnb", make_pipeline(CountVectorizer(), MultinomialNB())),
                       ("sk_tfidf_cnb", make_pipeline(TfidfVectorizer(), ComplementNB()))]:
        cv = StratifiedKFold(a.folds, shuffle=True, random_state=a.seed)
        pred = cross_val_predict(pipe, x, y, cv=cv)
        print(f"| {path} | {name} | {accuracy_score(y, pred):.4f} | "
              f"{f1_score(y, pred, average='macro'):.4f} |")
