#!/usr/bin/env python3
"""Measure active labelling (issue 14): leave one real inbox out, label K of its messages
chosen by `pitchsift-label --suggest`, fold them in with `pitchsift-train --update`, and
score the rest of that inbox.

For each inbox of the real dev set with at least --min-rows messages: the default recipe
is trained without that inbox (the written corpus plus the other inboxes' real rows,
isotonic calibration on folds grouped by inbox); then for each strategy, weight and K in
--ks, the suggested rows get their true labels from the dev file (the file written by
--suggest, its `label` column filled in, is the --update input as a user would use it),
and the updated model is scored on the inbox's other rows: macro-F1 over the labels
present in them. `random` is the mean of --seeds seeds. Gains are against the unadapted
model on the same rows.

Writes a JSON of every figure (--out) and an SVG learning curve (--svg). Python stdlib
only; drives the release binaries. No text of the dev file is written anywhere but the
work directory (a temporary directory unless --workdir).

    python3 scripts/active_learning_eval.py --out docs/active-learning/results.json \\
        --svg docs/active-learning/curve.svg
"""

import argparse
import concurrent.futures as cf
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECIPE = ["--model", "complement", "--alpha", "0.1", "--tf", "log", "--norm", "l2",
          "--min-df", "2"]


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr}")
    return r


def macro_f1(truth, pred):
    labels = sorted(set(truth))
    f1s = []
    for l in labels:
        tp = sum(1 for t, p in zip(truth, pred) if t == l and p == l)
        fp = sum(1 for t, p in zip(truth, pred) if t != l and p == l)
        fn = sum(1 for t, p in zip(truth, pred) if t == l and p != l)
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return sum(f1s) / len(f1s)


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


class Inbox:
    def __init__(self, args, name, rows, all_rows, work):
        self.args, self.name, self.work = args, name, work
        b = args.bin
        self.ids = [r["_row"] for r in rows]
        self.truth = {r["_row"]: r["label"] for r in rows}
        others = os.path.join(work, f"others-{name}.csv")
        cols = [c for c in all_rows[0].keys() if c != "_row"]
        write_csv(others, cols, [[r[c] for c in cols] for r in all_rows if r["source"] != name])
        # The pool as a user's export would be: no labels; `row` is the dev file's row.
        self.pool = os.path.join(work, f"pool-{name}.csv")
        write_csv(self.pool, ["row", "text"], [[r["_row"], r["text"]] for r in rows])
        sizes = Counter(r["source"] for r in all_rows if r["source"] != name)
        groups = sum(1 for n in sizes.values() if n >= 20) + (1 if any(n < 20 for n in sizes.values()) else 0)
        self.base = os.path.join(work, f"base-{name}.model")
        run([f"{b}/pitchsift-train", others, "--always-train", args.train, *RECIPE,
             "--calibration", "isotonic", "--group-col", "source", "--min-group", "20",
             "--calibration-folds", str(min(15, groups)), "--jobs", "1", "--quiet",
             "-o", self.base])
        self.base_pred = self.predict(self.base)

    def predict(self, model):
        out = model + ".pred.csv"
        run([f"{self.args.bin}/pitchsift-predict", "--model", model, "--input", self.pool,
             "--output", out, "--jobs", "1", "--quiet"])
        with open(out, newline="", encoding="utf-8") as f:
            pred = {r["row"]: r["predicted"] for r in csv.DictReader(f)}
        os.unlink(out)
        return pred

    def trial(self, strategy, seed, weight, k):
        b, tag = self.args.bin, f"{self.name}-{strategy}-{seed}-{weight}-{k}"
        sug = os.path.join(self.work, f"suggest-{tag}.csv")
        cmd = [f"{b}/pitchsift-label", "--model", self.base, "--input", self.pool,
               "--suggest", str(k), "--strategy", strategy, "--weight", str(weight),
               "--jobs", "1", "-o", sug]
        if strategy == "random":
            cmd += ["--seed", str(seed)]
        run(cmd)
        # The user fills in `label`: here, the dev file's label of that row.
        with open(sug, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            header, rows = reader.fieldnames, list(reader)
        for r in rows:
            r["label"] = self.truth[r["row"]]
        write_csv(sug, header, [[r[c] for c in header] for r in rows])
        model = os.path.join(self.work, f"m-{tag}.model")
        run([f"{b}/pitchsift-train", "--update", self.base, sug, "-o", model, "--jobs", "1",
             "--quiet"])
        pred = self.predict(model)
        os.unlink(model)
        os.unlink(sug)
        asked = {r["row"] for r in rows}
        rest = [i for i in self.ids if i not in asked]
        truth = [self.truth[i] for i in rest]
        f1 = macro_f1(truth, [pred[i] for i in rest])
        f0 = macro_f1(truth, [self.base_pred[i] for i in rest])
        return {"f1": f1, "unadapted": f0, "gain": f1 - f0}


def svg_curve(summary, ks, path, weight):
    """Mean macro-F1 gain over the unadapted model against K, one line per strategy."""
    W, H, L, R, T, B = 560, 340, 60, 150, 20, 45
    series = {s: [summary[s][str(weight)][str(k)]["mean_gain"] for k in ks] for s in summary}
    lo = min(0.0, min(min(v) for v in series.values()))
    hi = max(max(v) for v in series.values())
    hi = hi + 0.1 * (hi - lo or 1)
    x = lambda k: L + (k - 0) / (max(ks)) * (W - L - R)
    y = lambda v: T + (hi - v) / (hi - lo) * (H - T - B)
    colors = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#666666"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<line x1="{L}" y1="{y(0):.1f}" x2="{W - R}" y2="{y(0):.1f}" stroke="#999"/>',
           f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="#333"/>',
           f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="#333"/>',
           f'<text x="{(L + W - R) / 2}" y="{H - 8}" text-anchor="middle">labels given (K)</text>',
           f'<text x="14" y="{(T + H - B) / 2}" transform="rotate(-90 14 {(T + H - B) / 2})" '
           f'text-anchor="middle">macro-F1 gain over unadapted</text>']
    for k in ks:
        out.append(f'<text x="{x(k):.1f}" y="{H - B + 16}" text-anchor="middle">{k}</text>')
    steps = 5
    for i in range(steps + 1):
        v = lo + (hi - lo) * i / steps
        out.append(f'<text x="{L - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:+.2f}</text>')
    for n, (s, vals) in enumerate(sorted(series.items())):
        c = colors[n % len(colors)]
        pts = " ".join(f"{x(k):.1f},{y(v):.1f}" for k, v in zip(ks, vals))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{c}" stroke-width="2"/>')
        for k, v in zip(ks, vals):
            out.append(f'<circle cx="{x(k):.1f}" cy="{y(v):.1f}" r="3" fill="{c}"/>')
        ly = T + 16 * n + 10
        out.append(f'<line x1="{W - R + 10}" y1="{ly}" x2="{W - R + 30}" y2="{ly}" stroke="{c}" stroke-width="2"/>')
        out.append(f'<text x="{W - R + 36}" y="{ly + 4}">{s}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", default=os.path.join(ROOT, "..", "shared", "datasets", "linkedin_real", "dev.csv"))
    ap.add_argument("--train", default=os.path.join(ROOT, "data", "train.csv"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release"))
    ap.add_argument("--min-rows", type=int, default=80)
    ap.add_argument("--ks", default="10,20,30,50")
    ap.add_argument("--strategies", default="margin,entropy,dense,diverse")
    ap.add_argument("--weights", default="1,5,10,20")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--workdir")
    ap.add_argument("--out")
    ap.add_argument("--svg")
    ap.add_argument("--svg-weight", type=int, default=10)
    a = ap.parse_args()
    ks = [int(k) for k in a.ks.split(",")]
    weights = [int(w) for w in a.weights.split(",")]
    work = a.workdir or tempfile.mkdtemp(prefix="pitchsift-al-")
    os.makedirs(work, exist_ok=True)
    with open(a.dev, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for i, r in enumerate(rows, 1):
        r["_row"] = str(i)
    sizes = Counter(r["source"] for r in rows)
    names = sorted(s for s, n in sizes.items() if n >= a.min_rows)
    with cf.ThreadPoolExecutor(a.jobs) as ex:
        inboxes = list(ex.map(lambda n: Inbox(a, n, [r for r in rows if r["source"] == n], rows, work), names))
        trials = []
        for ib in inboxes:
            for w in weights:
                for k in ks:
                    for s in a.strategies.split(","):
                        trials.append((ib, s, 0, w, k))
                    for seed in range(1, a.seeds + 1):
                        trials.append((ib, "random", seed, w, k))
        results = list(ex.map(lambda t: (t, t[0].trial(*t[1:])), trials))
    # per[strategy][weight][k][inbox] = mean over seeds
    per = {}
    for (ib, s, seed, w, k), r in results:
        per.setdefault(s, {}).setdefault(str(w), {}).setdefault(str(k), {}).setdefault(ib.name, []).append(r)
    summary = {}
    for s, bw in per.items():
        for w, bk in bw.items():
            for k, bi in bk.items():
                f1 = {n: statistics.mean(x["f1"] for x in v) for n, v in bi.items()}
                gain = {n: statistics.mean(x["gain"] for x in v) for n, v in bi.items()}
                summary.setdefault(s, {}).setdefault(w, {})[k] = {
                    "f1": f1, "gain": gain,
                    "mean_f1": statistics.mean(f1.values()),
                    "mean_gain": statistics.mean(gain.values()),
                    "worst_gain": min(gain.values()),
                }
    for s in summary:
        for w in summary[s]:
            for k in summary[s][w]:
                e, rnd = summary[s][w][k], summary["random"][w][k]
                vs = {n: e["f1"][n] - rnd["f1"][n] for n in e["f1"]}
                e["vs_random"], e["mean_vs_random"], e["worst_vs_random"] = vs, statistics.mean(vs.values()), min(vs.values())
    print(f"inboxes: {', '.join(f'{n} ({sizes[n]})' for n in names)}")
    print(f"{'strategy':<9} {'w':>3} {'K':>3}  {'F1':>6}  {'gain':>7} {'worst':>7}  {'vs rnd':>7} {'worst':>7}")
    for s in sorted(summary):
        for w in sorted(summary[s], key=int):
            for k in ks:
                e = summary[s][w][str(k)]
                print(f"{s:<9} {w:>3} {k:>3}  {e['mean_f1']:.4f}  {e['mean_gain']:+.4f} {e['worst_gain']:+.4f}"
                      f"  {e['mean_vs_random']:+.4f} {e['worst_vs_random']:+.4f}")
    if a.out:
        os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
        with open(a.out, "w") as f:
            json.dump({"inboxes": {n: sizes[n] for n in names}, "ks": ks, "summary": summary}, f, indent=1, sort_keys=True)
    if a.svg:
        svg_curve({s: summary[s] for s in summary}, ks, a.svg, a.svg_weight)


if __name__ == "__main__":
    main()
