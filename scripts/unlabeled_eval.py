#!/usr/bin/env python3
"""Can unlabelled messages help? (issue 14, part 2.) Leave one real inbox out: train the
default recipe without it, use that inbox's texts as the unlabelled data, and score the
inbox (macro-F1 over the labels present in it) against the model that ignores them.

Variants, all through the binaries and integer row weights (labelled rows weigh S, so an
unlabelled row of weight w counts as w/S of a labelled one):
- self-training: the unlabelled rows whose calibrated confidence is >= --conf, labelled
  with the prediction, weight 1 (lambda = 1/S);
- EM (Nigam et al. 2000, down-weighted unlabelled documents): each unlabelled row is
  added once per label with weight round(lambda * S * p(label)), p from the current
  model; --iters E-M rounds.
Prior re-estimation (Saerens et al. 2002) is not measurable through the binaries:
complement NB's decision ignores the class prior.

    python3 scripts/unlabeled_eval.py
"""

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from active_learning_eval import RECIPE, ROOT, macro_f1, run, write_csv  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", default=os.path.join(ROOT, "..", "shared", "datasets", "linkedin_real", "dev.csv"))
    ap.add_argument("--train", default=os.path.join(ROOT, "data", "train.csv"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release"))
    ap.add_argument("--min-rows", type=int, default=80)
    ap.add_argument("--scale", type=int, default=20, help="S: the weight of a labelled row")
    ap.add_argument("--lambdas", default="0.05,0.1,0.25")
    ap.add_argument("--conf", type=float, default=0.9)
    ap.add_argument("--iters", type=int, default=3)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="pitchsift-em-")
    with open(a.dev, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(a.train, newline="", encoding="utf-8") as f:
        written = list(csv.DictReader(f))
    S = a.scale
    lab_train = os.path.join(work, "written.csv")
    write_csv(lab_train, ["label", "text", "weight"], [[r["label"], r["text"], S] for r in written])
    sizes = Counter(r["source"] for r in rows)
    names = sorted(n for n, c in sizes.items() if c >= a.min_rows)
    b = a.bin

    def train(extra, out):
        run([f"{b}/pitchsift-train", lab_train, *extra, *RECIPE, "--quiet", "--jobs", "2", "-o", out])

    def predict(model, pool):
        out = model + ".pred.csv"
        run([f"{b}/pitchsift-predict", "--model", model, "--input", pool, "--output", out, "--quiet"])
        with open(out, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    results = {}
    for n in names:
        held = [r for r in rows if r["source"] == n]
        truth = [r["label"] for r in held]
        others = os.path.join(work, f"others-{n}.csv")
        write_csv(others, ["label", "text", "weight"], [[r["label"], r["text"], S] for r in rows if r["source"] != n])
        pool = os.path.join(work, f"pool-{n}.csv")
        write_csv(pool, ["text"], [[r["text"]] for r in held])
        base = os.path.join(work, f"base-{n}.model")
        train([others], base)
        bp = predict(base, pool)
        labels = [c[2:] for c in bp[0].keys() if c.startswith("p_")]
        f0 = macro_f1(truth, [p["predicted"] for p in bp])
        res = {"baseline": f0}
        # Self-training on confident predictions.
        st = os.path.join(work, f"st-{n}.csv")
        write_csv(st, ["label", "text", "weight"],
                  [[p["predicted"], p["text"], 1] for p in bp if float(p["confidence"]) >= a.conf])
        m = os.path.join(work, f"st-{n}.model")
        train([others, st], m)
        res["self-training"] = macro_f1(truth, [p["predicted"] for p in predict(m, pool)])
        for lam in [float(x) for x in a.lambdas.split(",")]:
            preds = bp
            for it in range(a.iters):
                em = os.path.join(work, f"em-{n}.csv")
                out = []
                for p in preds:
                    for l in labels:
                        w = round(lam * S * float(p[f"p_{l}"]))
                        if w > 0:
                            out.append([l, p["text"], w])
                write_csv(em, ["label", "text", "weight"], out)
                m = os.path.join(work, f"em-{n}.model")
                train([others, em], m)
                preds = predict(m, pool)
                res[f"EM lambda={lam} iter={it + 1}"] = macro_f1(truth, [p["predicted"] for p in preds])
        results[n] = res
        print(n, {k: round(v, 4) for k, v in res.items()}, flush=True)
    variants = [k for k in results[names[0]] if k != "baseline"]
    print(f"\n{'variant':<28} {'mean gain':>9} {'worst':>8}  per inbox")
    for v in variants:
        g = {n: results[n][v] - results[n]["baseline"] for n in names}
        print(f"{v:<28} {statistics.mean(g.values()):+9.4f} {min(g.values()):+8.4f}  "
              + " ".join(f"{n}:{x:+.4f}" for n, x in g.items()))
    print("baseline macro-F1: " + " ".join(f"{n}:{results[n]['baseline']:.4f}" for n in names))


if __name__ == "__main__":
    main()
