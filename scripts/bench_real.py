#!/usr/bin/env python3
"""Accuracy on real inboxes: leave-one-inbox-out on the real LinkedIn dev set, pitchsift's
default recipe beside the peers, on the same folds, in the same run.

    scripts/bench_real.py [--dev ../shared/datasets/linkedin_real/dev.csv] [--skip-peers]
                          [--peer-predictions DIR] [--readme] [--out docs/benchmarks/real-inboxes.md]

Folds: every inbox (`source`) of at least 20 messages is held out on its own; the smaller
inboxes are pooled into one more fold (as ../shared/bench/peers/run_peers_grouped.py does, so
the folds are the same). Every training fold holds the written corpus (data/train.csv and
data/test.csv) and the real messages of the other folds.

pitchsift: `pitchsift-eval --cv K --group-col source --min-group 20 --always-train ...` with
the training options of models/default.args and its calibration (isotonic, cross-fitted:
each fold's confidences come from a map fitted on the other folds' out-of-fold scores).
Peers: run_peers_grouped.py (scikit-learn, fastText, Vowpal Wabbit; install them with
../shared/bench/peers/install_peers.sh), whose pooled predictions are scored here with the
same metric code as pitchsift's.

Writes the Markdown report (--out) and, with --readme, the table between the
`<!-- real-inboxes -->` markers of README.md. Real messages are never printed: rows are named
by their number in dev.csv. Standard library only.
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release")
PEERS = os.path.join(ROOT, "..", "shared", "bench", "peers")
WRITTEN = ["data/train.csv", "data/test.csv"]
MIN_GROUP = 20
# Options of models/default.args that are not training settings of one fold.
NOT_FIT = {"--always-train", "--calibration", "--calibration-folds", "--group-col", "--min-group"}


def default_options():
    """The fitting options and the calibration method of models/default.args."""
    with open(os.path.join(ROOT, "models", "default.args"), encoding="utf-8") as f:
        args = [a.strip() for a in f if a.strip() and not a.startswith("#")]
    out, method, i = [], None, 0
    while i < len(args):
        a = args[i]
        takes_value = i + 1 < len(args) and not args[i + 1].startswith("--")
        if a.endswith(".csv"):
            i += 1
        elif a == "--prune-counts":
            i += 1  # what the file keeps, not how the model scores
        elif a in NOT_FIT:
            if a == "--calibration":
                method = args[i + 1]
            i += 2 if takes_value else 1
            if a == "--always-train":
                while i < len(args) and args[i].endswith(".csv"):
                    i += 1
        else:
            out.append(a)
            if takes_value:
                out.append(args[i + 1])
                i += 1
            i += 1
    return out, method


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def folds_of(rows):
    size = Counter(r["source"] for r in rows)
    return {g: (g if n >= MIN_GROUP else f"(groups under {MIN_GROUP} rows)") for g, n in size.items()}


def metrics(gold, pred):
    """Accuracy, macro-F1 over the labels in gold or predicted (as scikit-learn), per-label F1."""
    labels = sorted(set(gold) | set(pred))
    f1 = {}
    for l in labels:
        tp = sum(g == l and p == l for g, p in zip(gold, pred))
        fp = sum(g != l and p == l for g, p in zip(gold, pred))
        fn = sum(g == l and p != l for g, p in zip(gold, pred))
        f1[l] = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    acc = sum(g == p for g, p in zip(gold, pred)) / len(gold)
    return {"accuracy": acc, "macro_f1": sum(f1.values()) / len(f1), "f1": f1}


def ece(conf, right, bins=15):
    total, n = 0.0, len(conf)
    by = defaultdict(list)
    for c, r in zip(conf, right):
        by[min(int(c * bins), bins - 1)].append((c, r))
    for items in by.values():
        total += len(items) / n * abs(sum(c for c, _ in items) / len(items) - sum(r for _, r in items) / len(items))
    return total


def score(rows, pred, fold_of):
    gold = [r["label"] for r in rows]
    m = metrics(gold, pred)
    per = {}
    for g in sorted(set(fold_of.values())):
        ids = [i for i, r in enumerate(rows) if fold_of[r["source"]] == g]
        per[g] = metrics([gold[i] for i in ids], [pred[i] for i in ids])["macro_f1"]
    real = {g: v for g, v in per.items() if not g.startswith("(")}
    m["mean_group_macro_f1"] = sum(real.values()) / len(real)
    m["worst_group"] = min(real.items(), key=lambda kv: kv[1])
    m["per_group"] = per
    return m


def two_way(rows, pred, fold_of, p_networking=None):
    """The product's first question, networking or not: accuracy, and precision, recall and F1 of
    "not networking" (the claim the user acts on), per inbox too; with pitchsift's probabilities
    also the ECE of the two-way claim (its confidence: p_networking when it says networking,
    1 - p_networking when it says anything else)."""
    gold = [r["label"] != "networking" for r in rows]
    said = [p != "networking" for p in pred]
    tp = sum(g and s for g, s in zip(gold, said))
    fp = sum(s and not g for g, s in zip(gold, said))
    fn = sum(g and not s for g, s in zip(gold, said))
    m = {
        "accuracy": sum(g == s for g, s in zip(gold, said)) / len(gold),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0,
    }
    per = {}
    for g in sorted(set(fold_of.values())):
        if g.startswith("("):
            continue
        ids = [i for i, r in enumerate(rows) if fold_of[r["source"]] == g]
        per[g] = sum(gold[i] == said[i] for i in ids) / len(ids)
    m["mean_group_accuracy"] = sum(per.values()) / len(per)
    m["worst_group"] = min(per.items(), key=lambda kv: kv[1])
    if p_networking is not None:
        conf = [1 - p if s else p for p, s in zip(p_networking, said)]
        m["ece"] = ece(conf, [g == s for g, s in zip(gold, said)])
    return m


def run(cmd, **kw):
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", default=os.path.join(ROOT, "..", "shared", "datasets", "linkedin_real", "dev.csv"))
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--peer-predictions", help="reuse run_peers_grouped.py's --predictions DIR")
    ap.add_argument("--out", default="docs/benchmarks/real-inboxes.md")
    ap.add_argument("--readme", action="store_true")
    args = ap.parse_args()

    rows = read(args.dev)
    fold_of = folds_of(rows)
    k = len(set(fold_of.values()))
    options, method = default_options()
    work = tempfile.mkdtemp(prefix="bench-real.")
    pred_csv = os.path.join(work, "pitchsift.csv")
    report_json = os.path.join(work, "pitchsift.json")
    cmd = [os.path.join(BIN, "pitchsift-eval"), "--cv", str(k), args.dev, "--group-col", "source",
           "--min-group", str(MIN_GROUP), "--always-train", *WRITTEN, *options,
           "--predictions", pred_csv, "--json", report_json, "-q"]
    if method:
        cmd += ["--calibration", method]
    run(cmd)
    ours = read(pred_csv)
    assert [int(r["row"]) for r in ours] == list(range(1, len(rows) + 1))
    results = {"pitchsift (default recipe)": score(rows, [r["predicted"] for r in ours], fold_of)}
    conf = [float(r["confidence"]) for r in ours]
    right = [r["predicted"] == r["label"] for r in ours]
    results["pitchsift (default recipe)"]["ece"] = ece(conf, right)
    preds = {"pitchsift (default recipe)": [r["predicted"] for r in ours]}
    two = {"pitchsift (default recipe)": two_way(rows, preds["pitchsift (default recipe)"], fold_of,
                                                 [float(r["p_networking"]) for r in ours])}

    peer_dir = args.peer_predictions
    if not args.skip_peers and not peer_dir:
        peer_dir = os.path.join(work, "peers")
        py = os.path.join(os.environ.get("PITCHSIFT_PEERS_HOME", os.path.expanduser("~/.cache/pitchsift-peers")), ".venv", "bin", "python")
        run([py, os.path.join(PEERS, "run_peers_grouped.py"), args.dev, "--always-train", *WRITTEN,
             "--predictions", peer_dir, "--out-dir", work])
    if peer_dir:
        for name in sorted(os.listdir(peer_dir)):
            p = read(os.path.join(peer_dir, name))
            assert [int(r["row"]) for r in p] == list(range(1, len(rows) + 1))
            results[name[:-4]] = score(rows, [r["predicted"] for r in p], fold_of)
            two[name[:-4]] = two_way(rows, [r["predicted"] for r in p], fold_of)

    # The written test split, scored by the default model (trained on data/train.csv and the
    # real dev set; data/test.csv held out).
    wj = os.path.join(work, "written.json")
    run([os.path.join(BIN, "pitchsift-eval"), "--model", "models/default.model", "--test", "data/test.csv",
         "--json", wj, "-q"])
    with open(wj, encoding="utf-8") as f:
        written = json.load(f)

    # The most confidently wrong real messages, by row number, with the reasons the model of
    # their fold gives (trained without their inbox).
    wrong = sorted((i for i, r in enumerate(ours) if r["predicted"] != r["label"]), key=lambda i: -conf[i])[:5]
    explained = []
    for i in wrong:
        g = fold_of[rows[i]["source"]]
        train = os.path.join(work, "fold.csv")
        with open(train, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["label", "text"])
            for r in rows:
                if fold_of[r["source"]] != g:
                    w.writerow([r["label"], r["text"]])
        model = os.path.join(work, "fold.model")
        run([os.path.join(BIN, "pitchsift-train"), train, *WRITTEN, "-o", model, "-q", *options])
        one = os.path.join(work, "one.csv")
        with open(one, "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([["text"], [rows[i]["text"]]])
        out = json.loads(run([os.path.join(BIN, "pitchsift-predict"), "--model", model, "--input", one,
                              "--format", "jsonl", "--explain", "5"]).splitlines()[0])
        explained.append((i + 1, rows[i]["source"], rows[i]["label"], ours[i]["predicted"], conf[i],
                          "; ".join(f"{e['term']}:{e['weight']:+.2f}" for e in out["explanation"])))

    lines = [
        "# Accuracy on real inboxes",
        "",
        f"Leave-one-inbox-out on `../shared/datasets/linkedin_real/dev.csv` ({len(rows)} real messages, "
        f"{len(set(r['source'] for r in rows))} inboxes): {k} folds (each inbox of at least {MIN_GROUP} messages "
        f"on its own, the smaller ones pooled), the written corpus ({', '.join(WRITTEN)}) in every training fold. "
        "Every tool is trained and tested on the same folds in the same run; macro-F1 over the labels in "
        "the gold or predicted labels (as scikit-learn); group figures over the inboxes held out on their own. "
        "ECE (15 bins) is pitchsift's cross-fitted calibrated confidence (the peers report labels only here). "
        f"pitchsift options: `{' '.join(options)}`, calibration `{method}`. "
        "Reproduce: `python3 scripts/bench_real.py` (peers: `../shared/bench/peers/install_peers.sh`).",
        "",
        "| tool | accuracy | macro-F1 | networking F1 | sales F1 | recruiting F1 | opportunity F1 | scam F1 | mean inbox macro-F1 | worst inbox | ECE |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in sorted(results.items(), key=lambda kv: -kv[1]["macro_f1"]):
        f = m["f1"]
        bold = "**" if name.startswith("pitchsift") else ""
        lines.append(
            f"| {bold}{name}{bold} | {m['accuracy']:.4f} | {m['macro_f1']:.4f} | "
            + " | ".join(f"{f.get(l, 0):.3f}" for l in ["networking", "sales", "recruiting", "opportunity", "scam"])
            + f" | {m['mean_group_macro_f1']:.4f} | {m['worst_group'][1]:.3f} ({m['worst_group'][0]}) | "
            + (f"{m['ece']:.4f}" if "ece" in m else "-")
            + " |"
        )
    table = "\n".join(lines[lines.index("| tool | accuracy | macro-F1 | networking F1 | sales F1 | recruiting F1 | opportunity F1 | scam F1 | mean inbox macro-F1 | worst inbox | ECE |"):])
    ours_m = results["pitchsift (default recipe)"]
    n_not = sum(r["label"] != "networking" for r in rows)
    lines += [
        "",
        "## Networking or not",
        "",
        "The user's first question: is this genuine networking, or someone using me? The same "
        "predictions read two ways: any label but `networking` is \"not networking\" "
        f"({n_not} of the {len(rows)} messages). Precision, recall and F1 are those of \"not networking\"; "
        "the ECE is that of the two-way claim (pitchsift's confidence in it: `p_networking` when it "
        "says networking, 1 - `p_networking` otherwise).",
        "",
        "| tool | accuracy | precision | recall | F1 | mean inbox accuracy | worst inbox | ECE |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, m in sorted(two.items(), key=lambda kv: -kv[1]["accuracy"]):
        bold = "**" if name.startswith("pitchsift") else ""
        lines.append(
            f"| {bold}{name}{bold} | {m['accuracy']:.4f} | {m['precision']:.4f} | {m['recall']:.4f} | "
            f"{m['f1']:.4f} | {m['mean_group_accuracy']:.4f} | {m['worst_group'][1]:.3f} ({m['worst_group'][0]}) | "
            + (f"{m['ece']:.4f}" if "ece" in m else "-")
            + " |"
        )
    two_table = lines[lines.index("| tool | accuracy | precision | recall | F1 | mean inbox accuracy | worst inbox | ECE |"):]
    table += ("\n\nNetworking or not (any other label is \"not networking\"; precision, recall and F1 of "
              "\"not networking\"; ECE of the two-way claim):\n\n" + "\n".join(two_table))
    lines += [
        "",
        "How the `unsure` threshold (`--min-confidence`, default 0.6) trades coverage for accuracy on "
        "these real inboxes (pitchsift's cross-fitted calibrated confidence; a message below the "
        "threshold is `unsure`):",
        "",
        "| threshold | messages labelled | accuracy of those |",
        "|---|---|---|",
    ]
    for t in (0.5, 0.6, 0.7, 0.8, 0.9):
        kept = [i for i, c in enumerate(conf) if c >= t]
        acc = sum(right[i] for i in kept) / len(kept) if kept else float("nan")
        lines.append(f"| {t:.1f} | {len(kept) / len(conf):.3f} | {acc:.4f} |")
    lines += [
        "",
        f"The written test split (`data/test.csv`, {written['n']} messages) scored by the default model: "
        f"accuracy {written['accuracy']:.4f}, macro-F1 {written['macro_f1']:.4f}, ECE {written['ece']:.4f}.",
        "",
        "## Per inbox (pitchsift)",
        "",
        "| fold | rows | macro-F1 |",
        "|---|---|---|",
    ]
    size = Counter(fold_of[r["source"]] for r in rows)
    for g, v in ours_m["per_group"].items():
        lines.append(f"| {g} | {size[g]} | {v:.4f} |")
    lines += ["", "## The five most confidently wrong real messages (pitchsift)", "",
              "By row number in dev.csv (texts are not reproduced); reasons are the terms that pushed "
              "most toward the predicted label against the runner-up (`pitchsift-predict --explain 5`, "
              "model of the row's fold).", "",
              "| row | inbox | label | predicted | confidence | reasons |", "|---|---|---|---|---|---|"]
    for row, src, gold, pred, c, why in explained:
        lines.append(f"| {row} | {src} | {gold} | {pred} | {c:.3f} | {why} |")
    text = "\n".join(lines) + "\n"
    out = os.path.join(ROOT, args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)
    print(text)
    if args.readme:
        readme = os.path.join(ROOT, "README.md")
        with open(readme, encoding="utf-8") as f:
            s = f.read()
        a, b = "<!-- real-inboxes -->", "<!-- /real-inboxes -->"
        if a in s and b in s:
            s = s[: s.index(a) + len(a)] + "\n" + table + "\n" + s[s.index(b):]
            with open(readme, "w", encoding="utf-8") as f:
                f.write(s)
        else:
            sys.exit("README.md has no <!-- real-inboxes --> markers")


if __name__ == "__main__":
    main()
