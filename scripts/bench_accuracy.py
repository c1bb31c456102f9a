#!/usr/bin/env python3
"""Public accuracy benchmarks: pitchsift against the peers, side by side.

    scripts/bench_accuracy.py [--datasets sms_spam,sms_spam/almeida2011_split,20news]
                              [--repeat 3] [--no-peers] [--no-build] [--out docs/benchmarks]

For each dataset under ../shared/datasets (relative to the repository root):
1. choose pitchsift's settings with `pitchsift-eval --grid` on the TRAIN split only
   (5-fold stratified CV, best macro-F1); the test split is never looked at for this;
2. train with the chosen settings (`pitchsift-train`, whole process timed) and predict the
   test split (`pitchsift-predict`, whole process timed), `--repeat` times, median times,
   peak RSS from GNU time (%M) when present, else getrusage of the children;
3. score the predictions with the peer harness's own metric code (bench/peers/common.py,
   so every tool is scored the same way), and write the full pitchsift-eval report
   (ECE, Brier, ...) and plots;
4. run the peers on the same data in the same run (bench/peers/run_peers.py) and read
   their results JSON;
5. write one Markdown table per dataset to OUT/accuracy.md and print it.

Python 3 standard library only. Reads the datasets in place; never copies them.
"""
import argparse
import csv
import datetime
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_shared():
    """../shared relative to the repository root (or to a parent directory, for a git
    worktree nested deeper); PITCHSIFT_SHARED overrides."""
    if os.environ.get("PITCHSIFT_SHARED"):
        return os.environ["PITCHSIFT_SHARED"]
    d = ROOT
    while True:
        cand = os.path.join(os.path.dirname(d), "shared")
        if os.path.isdir(os.path.join(cand, "datasets")):
            return cand
        if os.path.dirname(d) == d:
            return os.path.normpath(os.path.join(ROOT, "..", "shared"))
        d = os.path.dirname(d)


SHARED = find_shared()
DATASETS = os.path.join(SHARED, "datasets")
PEERS_DIR = os.path.join(SHARED, "bench", "peers")
PEERS_HOME = os.environ.get(
    "PITCHSIFT_PEERS_HOME", os.path.join(os.path.expanduser("~"), ".cache", "pitchsift-peers"))
BIN = os.path.join(ROOT, "target", "release")
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None

sys.path.insert(0, PEERS_DIR)
csv.field_size_limit(sys.maxsize)
try:
    from common import metrics as peer_metrics  # noqa: E402  (the peers' scorer)
except ImportError:  # pragma: no cover - the harness is part of ../shared
    peer_metrics = None

# The settings searched by cross-validation on each training split. 20news is 11k long
# documents (22 MB): its grid is smaller, so that the whole script stays well under
# 20 minutes on 2 cores.
GRIDS = {
    "default": [
        "--grid-model", "multinomial,complement,complement-wn",
        "--grid-alpha", "0.01,0.03,0.1,0.3,1",
        "--grid-ngrams", "1..1,1..2",
        "--grid-transform", "raw,raw+idf,log+idf+l2",
        "--grid-min-df", "1,2",
    ],
    "20news": [
        "--grid-model", "multinomial,complement",
        "--grid-alpha", "0.03,0.1,0.3,1",
        "--grid-ngrams", "1..1,1..2",
        "--grid-transform", "raw,log+idf+l2",
        "--grid-min-df", "1,2",
    ],
}
FOLDS = 5
SEED = 1


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, stdout=None):
    """Run cmd, whole process timed; returns (wall_s, peak_rss_mb or None)."""
    tfile = tempfile.NamedTemporaryFile(prefix="rss.", delete=False)
    tfile.close()
    full = [GNU_TIME, "-f", "%M", "-o", tfile.name] + cmd if GNU_TIME else cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    p = subprocess.run(full, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    rss = None
    if GNU_TIME:
        with open(tfile.name) as f:
            lines = [l.strip() for l in f if l.strip()]
        if lines and lines[-1].isdigit():
            rss = int(lines[-1]) / 1024
    else:
        # Max over all children so far: an upper bound when an earlier child was larger.
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        rss = max(before, after) / 1024
    os.unlink(tfile.name)
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr.decode(errors='replace')}")
    return wall, rss


def dataset_name(path):
    rel = os.path.relpath(path, DATASETS)
    return rel.replace(os.sep, "-")


def read_labels(path):
    with open(path, encoding="utf-8", newline="") as f:
        r = csv.reader(f)
        h = [c.strip().lower().lstrip("\ufeff") for c in next(r)]
        li = h.index("label")
        return [row[li] for row in r if row]


def read_predictions(path):
    with open(path, encoding="utf-8", newline="") as f:
        r = csv.DictReader(f)
        rows = list(r)
    labels = [c[2:] for c in r.fieldnames if c.startswith("p_")]
    pred = [row["predicted"] for row in rows]
    proba = [[float(row["p_" + l]) for l in labels] for row in rows]
    return pred, labels, proba


def fmt(v, digits=4):
    return "-" if v is None else f"{v:.{digits}f}"


def bench_pitchsift(ds_dir, name, out_dir, repeat, work):
    train = os.path.join(ds_dir, "train.csv")
    test = os.path.join(ds_dir, "test.csv")
    grid_json = os.path.join(work, f"{name}-grid.json")
    grid = GRIDS.get(name, GRIDS["default"])
    log(f"[{name}] grid search by {FOLDS}-fold CV on train.csv ...")
    t0 = time.perf_counter()
    run([os.path.join(BIN, "pitchsift-eval"), "--grid", train, "--cv", str(FOLDS),
         "--seed", str(SEED), "--json", grid_json, "-q"] + grid)
    grid_s = time.perf_counter() - t0
    with open(grid_json) as f:
        g = json.load(f)
    args = g["train_args"]
    log(f"[{name}] best by CV (macro-F1 {g['macro_f1']:.4f}, {grid_s:.0f}s): {' '.join(args)}")

    model = os.path.join(work, f"{name}.model")
    preds = os.path.join(work, f"{name}-pred.csv")
    train_s, pred_s, rss = [], [], []
    for _ in range(repeat):
        w, m = run([os.path.join(BIN, "pitchsift-train"), train, "-o", model, "-q"] + args)
        train_s.append(w)
        rss.append(m)
        w, m = run([os.path.join(BIN, "pitchsift-predict"), "-m", model, "-i", test, "-o", preds])
        pred_s.append(w)
        rss.append(m)
    gold = read_labels(test)
    pred, classes, proba = read_predictions(preds)
    if peer_metrics is not None:
        m = peer_metrics(gold, pred, classes, proba)
    else:
        m = {"accuracy": sum(a == b for a, b in zip(gold, pred)) / len(gold), "macro_f1": None}
    # The full report (ECE, Brier, per label, plots) from pitchsift-eval itself.
    plot_dir = os.path.join(out_dir, name)
    eval_json = os.path.join(plot_dir, "pitchsift-test.json")
    os.makedirs(plot_dir, exist_ok=True)
    run([os.path.join(BIN, "pitchsift-eval"), "--model", model, "--test", test,
         "--json", eval_json, "--markdown", os.path.join(plot_dir, "pitchsift-test.md"),
         "--plot", plot_dir, "-q"])
    with open(eval_json) as f:
        report = json.load(f)
    n_test = len(gold)
    return {
        "tool": "pitchsift",
        "params": " ".join(args),
        "accuracy": m["accuracy"],
        "macro_f1": m["macro_f1"],
        "train_s": statistics.median(train_s),
        "predict_s": statistics.median(pred_s),
        "predict_docs_per_s": n_test / statistics.median(pred_s),
        "peak_rss_mb": max(r for r in rss if r is not None) if any(rss) else None,
        "log_loss": m.get("log_loss"),
        "ece": report.get("ece"),
        "brier": report.get("brier"),
        "grid": g["grid"],
        "grid_s": grid_s,
        "cv_macro_f1": g["macro_f1"],
        "cv_accuracy": g["accuracy"],
        "n_configs": len(g["grid"]),
    }


def run_peers(ds_dir, repeat):
    cmd = [sys.executable, os.path.join(PEERS_DIR, "run_peers.py"), ds_dir, "--repeat", str(repeat)]
    log(f"running peers: {' '.join(cmd)}")
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode != 0:
        log(f"peers failed ({p.returncode}); using whatever results exist:\n"
            + p.stderr.decode(errors="replace")[-2000:])
        return False
    return True


def load_peers(name):
    path = os.path.join(PEERS_HOME, "results", f"{name}.json")
    if not os.path.exists(path):
        return None, []
    with open(path) as f:
        d = json.load(f)
    rows = []
    for peer, r in d.get("peers", {}).items():
        if r.get("accuracy") is None:
            continue
        rows.append({
            "tool": peer,
            "params": r.get("params", ""),
            "accuracy": r["accuracy"],
            "macro_f1": r.get("macro_f1"),
            "train_s": r.get("train_s"),
            "predict_docs_per_s": r.get("predict_docs_per_s"),
            "peak_rss_mb": r.get("peak_rss_mb"),
            "log_loss": r.get("log_loss"),
            "family": r.get("family", ""),
        })
    return d.get("updated"), rows


def table(rows):
    out = ["| tool | accuracy | macro-F1 | train s | predict docs/s | peak MB |",
           "|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: -(r["macro_f1"] or 0)):
        tool = f"**{r['tool']}**" if r["tool"] == "pitchsift" else r["tool"]
        dps = r.get("predict_docs_per_s")
        out.append("| {} | {} | {} | {} | {} | {} |".format(
            tool, fmt(r["accuracy"]), fmt(r["macro_f1"]),
            fmt(r.get("train_s"), 3), "-" if dps is None else f"{dps:,.0f}",
            fmt(r.get("peak_rss_mb"), 1)))
    return "\n".join(out)


def verdict(ours, peers):
    if not peers:
        return "No peer results available for this dataset (peers not installed?)."
    best_acc = max(peers, key=lambda r: r["accuracy"])
    best_f1 = max(peers, key=lambda r: r["macro_f1"] or 0)
    ok_acc = ours["accuracy"] > best_acc["accuracy"]
    ok_f1 = (ours["macro_f1"] or 0) > (best_f1["macro_f1"] or 0)
    return (f"Target (beat every peer): accuracy {fmt(ours['accuracy'])} vs best peer "
            f"{best_acc['tool']} {fmt(best_acc['accuracy'])}: **{'met' if ok_acc else 'NOT met'}**; "
            f"macro-F1 {fmt(ours['macro_f1'])} vs best peer {best_f1['tool']} "
            f"{fmt(best_f1['macro_f1'])}: **{'met' if ok_f1 else 'NOT met'}**.")


def grid_top(grid, n=5):
    out = ["| rank | settings (pitchsift-train options) | CV accuracy | CV macro-F1 | CV log loss |",
           "|---|---|---|---|---|"]
    for i, r in enumerate(grid[:n]):
        out.append(f"| {i + 1} | `{' '.join(r['train_args'])}` | {fmt(r['accuracy'])} | "
                   f"{fmt(r['macro_f1'])} | {fmt(r['log_loss'])} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default="sms_spam,sms_spam/almeida2011_split,20news",
                    help="comma-separated paths below ../shared/datasets")
    ap.add_argument("--repeat", type=int, default=3, help="timing repeats (median)")
    ap.add_argument("--no-peers", action="store_true",
                    help="do not run the peers; use their last results JSON")
    ap.add_argument("--no-build", action="store_true", help="skip cargo build --release")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks"))
    a = ap.parse_args()
    start = time.perf_counter()
    if not a.no_build:
        subprocess.run(["cargo", "build", "--release", "--bins", "-q"], cwd=ROOT, check=True)
    os.makedirs(a.out, exist_ok=True)
    peers_ok = os.path.exists(os.path.join(PEERS_DIR, "run_peers.py"))
    sections = []
    summary = {}
    with tempfile.TemporaryDirectory(prefix="pitchsift-bench-") as work:
        for rel in a.datasets.split(","):
            ds_dir = os.path.join(DATASETS, rel)
            name = dataset_name(ds_dir)
            ours = bench_pitchsift(ds_dir, name, a.out, a.repeat, work)
            ran = False
            if peers_ok and not a.no_peers:
                ran = run_peers(ds_dir, a.repeat)
            updated, peers = load_peers(name)
            note = ("peers run in this benchmark run" if ran else
                    f"peer results from an earlier run ({updated})" if peers else "no peer results")
            rows = [ours] + peers
            sec = [f"### {name}", "",
                   f"Test split: `{os.path.relpath(os.path.join(ds_dir, 'test.csv'), SHARED)}`; "
                   f"{note}.", "",
                   table(rows), "",
                   verdict(ours, peers), "",
                   f"pitchsift settings, chosen by {FOLDS}-fold stratified CV (seed {SEED}) on the "
                   f"training split among {ours['n_configs']} configurations "
                   f"({ours['grid_s']:.0f} s): `{ours['params']}` "
                   f"(CV accuracy {fmt(ours['cv_accuracy'])}, CV macro-F1 {fmt(ours['cv_macro_f1'])}). "
                   f"On the test split: log loss {fmt(ours['log_loss'])}, Brier {fmt(ours['brier'])}, "
                   f"ECE {fmt(ours['ece'])} (uncalibrated); plots in `{name}/`.", "",
                   "<details><summary>Top of the grid</summary>", "",
                   grid_top(ours["grid"]), "", "</details>", ""]
            sections.append("\n".join(sec))
            summary[name] = {k: v for k, v in ours.items() if k != "grid"}
            summary[name]["peers"] = peers
    header = [
        "# Accuracy benchmarks: pitchsift and the peers", "",
        f"Generated by `scripts/bench_accuracy.py` on {datetime.date.today().isoformat()} "
        f"({platform.machine()}, {os.cpu_count()} cores; total {time.perf_counter() - start:.0f} s).", "",
        "Accuracy and macro-F1 on each dataset's test split, all tools scored by the peer "
        "harness's code (`bench/peers/common.py`; macro-F1 over labels in gold and predictions). "
        "pitchsift's times are whole-process wall times of `pitchsift-train` and "
        "`pitchsift-predict` (start-up, CSV reading, model save/load included), median of the "
        "repeats; so are the CLI peers' (bogofilter, fastText, VW). scikit-learn's are measured "
        "in-process (CSV parsing and imports excluded). Peak MB is the largest max RSS of any "
        "phase (GNU time %M). pitchsift's settings come from cross-validation on the training "
        "split only.", ""]
    md = "\n".join(header) + "\n" + "\n".join(sections)
    with open(os.path.join(a.out, "accuracy.md"), "w") as f:
        f.write(md)
    with open(os.path.join(a.out, "accuracy.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    print(md)


if __name__ == "__main__":
    main()
