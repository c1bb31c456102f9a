#!/usr/bin/env python3
"""A per-label bias on top of the default recipe's scores, fitted on real inboxes: does it
help an inbox it was not fitted on?

    scripts/real_bias_screen.py [--dev ../shared/datasets/linkedin_real/dev.csv]

Runs `pitchsift-eval --cv` on bench_real.py's 15 folds (grouped by inbox, the written corpus in
every training fold, models/default.args's options) without calibration, so each held-out
row's `p_<label>` is the softmax of its joint log-likelihoods. Then, fold by fold, a bias vector
b (one number per label, networking's fixed at 0) is fitted on the other folds' out-of-fold
scores and added to the held-out fold's before the argmax; the pooled predictions are scored with
bench_real.py's metrics:

- `nll`: b and a temperature T minimising the log loss of softmax(s / T + b) (gradient descent);
- `macro-f1`: b by coordinate search maximising the other folds' macro-F1 (3 sweeps, 41 values
  per label over +-1 standard deviation of the centred scores);
- `prior L`: b = L * T * ln(label frequency among the other folds' real rows) (T as in `nll`).

Prints one line per variant (aggregate figures only; no message is printed). Standard library.
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_real as B  # noqa: E402


def argmax(v):
    return max(range(len(v)), key=lambda j: v[j])


def softmax(z):
    m = max(z)
    e = [math.exp(x - m) for x in z]
    s = sum(e)
    return [x / s for x in e]


def fit_nll(S, y, k, steps=1500, lr=0.5):
    b, t = [0.0] * k, 1.0
    n = len(S)
    for _ in range(steps):
        gb, gt = [0.0] * k, 0.0
        for s, yy in zip(S, y):
            p = softmax([x / t + bb for x, bb in zip(s, b)])
            p[yy] -= 1
            for j in range(k):
                gb[j] += p[j] / n
            gt -= sum(pj * sj for pj, sj in zip(p, s)) / (n * t * t)
        b = [bb - lr * g for bb, g in zip(b, gb)]
        t = max(0.01, t - 0.05 * gt)
    return [bb * t for bb in b], t


def fit_f1(S, y, k):
    centred = [x - sum(s) / k for s in S for x in s]
    mean = sum(centred) / len(centred)
    sd = math.sqrt(sum((x - mean) ** 2 for x in centred) / len(centred))
    grid = [sd * (i / 20 - 1) for i in range(41)]
    b = [0.0] * k
    score = lambda bb: B.metrics(y, [argmax([x + c for x, c in zip(s, bb)]) for s in S])["macro_f1"]
    for _ in range(3):
        for j in range(1, k):
            best = (score(b), b[j])
            for v in grid:
                bb = b[:]
                bb[j] = v
                m = score(bb)
                if m > best[0] + 1e-12:
                    best = (m, v)
            b[j] = best[1]
    return b


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", default=os.path.join(B.ROOT, "..", "shared", "datasets", "linkedin_real", "dev.csv"))
    args = ap.parse_args()
    rows = B.read(args.dev)
    fold_of = B.folds_of(rows)
    options, _ = B.default_options()
    pred_csv = os.path.join(tempfile.mkdtemp(prefix="bias-screen."), "raw.csv")
    B.run([os.path.join(B.BIN, "pitchsift-eval"), "--cv", str(len(set(fold_of.values()))), args.dev,
           "--group-col", "source", "--min-group", str(B.MIN_GROUP), "--always-train", *B.WRITTEN,
           *options, "--predictions", pred_csv, "-q"])
    ours = B.read(pred_csv)
    labels = sorted(k[2:] for k in ours[0] if k.startswith("p_"))
    k = len(labels)
    S = [[math.log(max(float(r["p_" + l]), 1e-12)) for l in labels] for r in ours]
    y = [labels.index(r["label"]) for r in rows]
    F = [fold_of[r["source"]] for r in rows]
    folds = sorted(set(F))

    def run(name, fit):
        pred = [None] * len(rows)
        for f in folds:
            tr = [i for i in range(len(rows)) if F[i] != f]
            b = fit([S[i] for i in tr], [y[i] for i in tr])
            for i in range(len(rows)):
                if F[i] == f:
                    pred[i] = labels[argmax([x + c for x, c in zip(S[i], b)])]
        m = B.score(rows, pred, fold_of)
        f1 = " ".join(f"{l} {m['f1'].get(l, 0):.3f}" for l in labels)
        print(f"{name:<12} accuracy {m['accuracy']:.4f}  macro-F1 {m['macro_f1']:.4f}  "
              f"mean inbox {m['mean_group_macro_f1']:.4f}  worst {m['worst_group'][1]:.3f}  | F1: {f1}",
              flush=True)

    def prior(lam):
        def fit(Sx, yx):
            _, t = fit_nll(Sx, yx, k)
            n = [yx.count(j) + 1 for j in range(k)]
            return [lam * t * math.log(c / sum(n)) for c in n]
        return fit

    run("none", lambda Sx, yx: [0.0] * k)
    run("nll", lambda Sx, yx: fit_nll(Sx, yx, k)[0])
    run("macro-f1", lambda Sx, yx: fit_f1(Sx, yx, k))
    run("prior 0.5", prior(0.5))
    run("prior 1", prior(1.0))


if __name__ == "__main__":
    main()
