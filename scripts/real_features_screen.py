#!/usr/bin/env python3
"""Screen feature ideas for unseen real inboxes: leave-one-inbox-out on the real dev set,
the same 15 folds as scripts/bench_real.py, the written corpus in every training fold.

    nice -n 19 env OMP_NUM_THREADS=1 ~/.cache/pitchsift-peers/.venv/bin/python \
        scripts/real_features_screen.py [--dev ../shared/datasets/linkedin_real/dev.csv] \
        [--only NAME,...] [--skip-pitchsift] [--json FILE]

Two kinds of variants, each against its own baseline on the same folds:

* scikit-learn variants (ideas pitchsift cannot express yet). First a replica of the default
  recipe: pitchsift's tokeniser ported to Python (placeholders for URLs, e-mails, phones,
  money, handles, numbers, emoji; the `[name]`/`[email]`/`[phone]`/`[url]` anonymisation
  placeholders of rules 2; UAX#29-like words; case folding), word 1..2-grams, min-df 2 in the
  training fold, log1p tf, L2 over all of a document's terms (as pitchsift), ComplementNB
  (alpha 0.1, norm=False). Then: character n-grams (`char_wb` over the document's tokens,
  2..4, 3..5, 2..5) alone and stacked with the word block (each block log1p + L2, the
  character block scaled by 1 or 0.5), accent + digit folding before tokenising, binary tf,
  English stop words.
* pitchsift variants (ideas pitchsift expresses: per-row weights of the real rows through a
  `weight` column): `pitchsift-eval --cv 15 --group-col source --min-group 20 --always-train
  data/train.csv data/test.csv` with the options of models/default.args, on temporary copies
  of dev.csv under /tmp with a `weight` column: high-confidence rows 2 (medium 1); the same
  contrast with the real rows not weighted up as a whole (written corpus 2, high 2, medium 1,
  alpha 0.2: the default model with medium rows at half weight); class-balanced over the real
  rows (round(688 / n_label): 1, 2, 2, 9, 30) and its square root (1, 1, 1, 3, 5).

For each: accuracy, macro-F1 (labels in gold or predicted), mean and worst per-inbox macro-F1
(inboxes held out on their own), scam and opportunity F1, and how many inboxes gain / lose
more than 0.01 macro-F1 against the baseline of the same kind. Metrics and folds are
bench_real.py's own (imported). Real messages are never printed: only aggregate figures.
"""
import argparse
import csv
import json
import os
import re
import shutil
import sys
import tempfile
import time
import unicodedata

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, ENGLISH_STOP_WORDS
from sklearn.naive_bayes import ComplementNB

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.dont_write_bytecode = True  # no scripts/__pycache__ in the repository
import bench_real  # noqa: E402  (folds, metrics, default options: the same code as the bench)

WRITTEN = bench_real.WRITTEN
MIN_GROUP = bench_real.MIN_GROUP

# ---------------------------------------------------------------------------------------
# pitchsift's tokeniser (src/text/tokenize.rs, rules 2), ported to Python `re`.
# ---------------------------------------------------------------------------------------
SPAN_RE = re.compile(
    r"""
    (?P<anon>\[(?:name|email|phone|url)\])
  | (?P<email>[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})
  | (?P<url>(?:https?://|www\.)[^\s<>"'()\[\]{}]+
      | (?a:\b)[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|co|ai|app|dev|biz|info|me|example|ly|gl|us|uk|in|ng|ph|au|za|de|fr|es|br|pt|ca|eu)(?a:\b)(?:/[^\s<>"'()\[\]{}]*)?)
  | (?P<handle>(?a:\B)@[a-z0-9_]{2,30})
  | (?P<money>[$£€₹¥]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|m|bn|million|billion|thousand|mil)(?a:\b))?
      | (?a:\b)\d[\d,]*(?:\.\d+)?\s?(?:k\s?)?(?:usd|eur|gbp|inr|dollars|euros|pounds|rupees|reais|(?:€|£|\$))(?a:\b)?)
  | (?P<phone>\+\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){2,5}
      | (?:\(\d{3}\)\s?|(?a:\b)\d{3}[\s.-])?(?a:\b)\d{3}[\s.-]\d{4}(?a:\b))
    """,
    re.X | re.I,
)


def _marks():
    """A character class of every combining mark (UAX#29 Extend: part of the word)."""
    out, start, prev = [], None, None
    for cp in range(0x300, 0x20000):
        if unicodedata.category(chr(cp)).startswith("M"):
            if start is None:
                start = cp
            elif cp != prev + 1:
                out.append((start, prev))
                start = cp
            prev = cp
    out.append((start, prev))
    return "".join(f"\\U{a:08x}-\\U{b:08x}" if a != b else f"\\U{a:08x}" for a, b in out)


_W = rf"[\w{_marks()}]"
_L = rf"[^\W\d_]"
EMOJI = r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF\u3030\u303D\u3297\u3299]"
# A UAX#29-like word: runs of word characters (letters, digits, `_`, marks), joined by one
# `.`/`:`/apostrophe between two letters or one `.`/`,`/`;`/apostrophe between two digits;
# or an emoji cluster (modifiers, variation selectors, ZWJ sequences).
WORD_RE = re.compile(
    rf"{_W}+(?:(?:(?<={_L})[.:'\u2019\u2018\u00b7](?={_L})|(?<=\d)[.,;'\u2019\u2018](?=\d)){_W}+)*"
    rf"|{EMOJI}(?:[\uFE0F\u200d\U0001F3FB-\U0001F3FF]|{EMOJI})*"
)
NUMERIC_RE = re.compile(r"^[\d.,]+$")


def _words(text, out):
    for m in WORD_RE.finditer(text):
        w = m.group(0)
        if re.match(EMOJI, w):
            out.append("__emoji__")
        elif not any(c.isalnum() for c in w):
            continue
        elif NUMERIC_RE.match(w) or all(c.isnumeric() or c in ".," for c in w):
            out.append("__num__")
        else:
            out.append(w.lower())


def _domain(url):
    rest = url.split("://", 1)[1] if "://" in url else url
    host = re.split(r"[/?#:]", rest, maxsplit=1)[0]
    if len(host) > 4 and host[:4].lower() == "www.":
        host = host[4:]
    return host or None


def tokens(text):
    """pitchsift's unigram tokens of `text` (an approximation of the Rust tokeniser)."""
    out, last = [], 0
    for m in SPAN_RE.finditer(text):
        if m.start() < last:
            continue
        _words(text[last:m.start()], out)
        last = m.end()
        s = m.group(0)
        kind = m.lastgroup
        if kind == "anon":
            t = s[1:-1].lower()
            if t != "name":
                out.append(f"__{t}__")
        elif kind == "url":
            url = s.rstrip(".,;:!?")
            last = m.start() + len(url)
            out.append("__url__")
            host = _domain(url)
            if host:
                out.append(host.lower())
        else:
            out.append(f"__{kind}__")
    _words(text[last:], out)
    return out


def fold_text(text):
    """Accent folding (NFKD, combining marks dropped) and digit folding (every digit -> 0)."""
    t = unicodedata.normalize("NFKD", text)
    t = "".join(c for c in t if not unicodedata.combining(c))
    return re.sub(r"\d", "0", t)


def word_terms(toks, n_max=2, stop=None):
    if stop:
        toks = [t for t in toks if t not in stop]
    out = list(toks)
    for n in range(2, n_max + 1):
        out += [" ".join(toks[i:i + n]) for i in range(len(toks) - n + 1)]
    return out


# ---------------------------------------------------------------------------------------
# Feature blocks: one count matrix over all documents (written + real), the per-fold
# vocabulary chosen by document frequency in the training fold only.
# ---------------------------------------------------------------------------------------
def count_matrix(docs, **kw):
    v = CountVectorizer(lowercase=False, dtype=np.float64, **kw)
    return v.fit_transform(docs).tocsr()


def transform(C, tf):
    """Term weights (log1p or binary) divided by the L2 norm over all of a row's terms."""
    X = C.copy()
    if tf == "log":
        X.data = np.log1p(X.data)
    elif tf == "binary":
        X.data = np.ones_like(X.data)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.diags(1.0 / norms) @ X


def run_variant(blocks, y, train_of_fold, test_of_fold, n, alpha=0.1, min_df=2):
    """blocks: list of (count matrix, transformed matrix, scale). Returns predicted labels
    of the real rows (indices n_written.. of the matrices), out of fold."""
    pred = np.empty(n, dtype=object)
    for tr, te in zip(train_of_fold, test_of_fold):
        parts_tr, parts_te = [], []
        for C, X, scale in blocks:
            df = np.asarray((C[tr] > 0).sum(axis=0)).ravel()
            keep = np.flatnonzero(df >= min_df)
            parts_tr.append(X[tr][:, keep] * scale)
            parts_te.append(X[te][:, keep] * scale)
        Xtr = sp.hstack(parts_tr).tocsr()
        Xte = sp.hstack(parts_te).tocsr()
        clf = ComplementNB(alpha=alpha, norm=False).fit(Xtr, y[tr])
        pred[te] = clf.predict(Xte)
    return pred


# ---------------------------------------------------------------------------------------
# pitchsift variants: weights of the real rows through a `weight` column.
# ---------------------------------------------------------------------------------------
def run_pitchsift(dev_rows, dev_fields, weights, k, work, name, written_weight=None):
    """pitchsift-eval on a copy of dev.csv with `weights` as its `weight` column; with
    `written_weight` W the written corpus is given weight W and alpha is multiplied by W
    (every weight W times and alpha W times: the same model, so real weights w mean w/W)."""
    always = list(WRITTEN)
    options, method = bench_real.default_options()
    if written_weight:
        always = []
        for p in WRITTEN:
            src = bench_real.read(os.path.join(ROOT, p))
            dst = os.path.join(work, f"written-w{written_weight}-{os.path.basename(p)}")
            with open(dst, "w", encoding="utf-8", newline="") as f:
                w = csv.DictWriter(f, fieldnames=list(src[0].keys()) + ["weight"])
                w.writeheader()
                for r in src:
                    w.writerow({**r, "weight": str(written_weight)})
            always.append(dst)
        i = options.index("--alpha")
        options[i + 1] = repr(float(options[i + 1]) * written_weight)
    path = os.path.join(work, f"dev-{name}.csv")
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=dev_fields + (["weight"] if weights else []))
        w.writeheader()
        for i, r in enumerate(dev_rows):
            row = dict(r)
            if weights:
                row["weight"] = str(weights[i])
            w.writerow(row)
    pred_csv = os.path.join(work, f"pred-{name}.csv")
    cmd = [os.path.join(bench_real.BIN, "pitchsift-eval"), "--cv", str(k), path, "--group-col", "source",
           "--min-group", str(MIN_GROUP), "--always-train", *always, *options,
           "--predictions", pred_csv, "-q"]
    if method:
        cmd += ["--calibration", method]
    bench_real.run(cmd)
    ours = bench_real.read(pred_csv)
    assert [int(r["row"]) for r in ours] == list(range(1, len(dev_rows) + 1))
    return [r["predicted"] for r in ours], " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c
                                                    for c in cmd)


def summary(rows, pred, fold_of, base=None):
    m = bench_real.score(rows, list(pred), fold_of)
    out = {
        "accuracy": m["accuracy"],
        "macro_f1": m["macro_f1"],
        "mean_inbox": m["mean_group_macro_f1"],
        "worst_inbox": m["worst_group"][1],
        "worst_name": m["worst_group"][0],
        "scam_f1": m["f1"].get("scam", 0.0),
        "opportunity_f1": m["f1"].get("opportunity", 0.0),
        "per_group": m["per_group"],
    }
    if base is not None:
        d = {g: out["per_group"][g] - base["per_group"][g] for g in out["per_group"] if not g.startswith("(")}
        out["gain"] = sum(v > 0.01 for v in d.values())
        out["lose"] = sum(v < -0.01 for v in d.values())
        out["max_loss"] = min(d.values())
        out["d_mean_inbox"] = out["mean_inbox"] - base["mean_inbox"]
        out["d_macro_f1"] = out["macro_f1"] - base["macro_f1"]
        out["worth"] = out["d_mean_inbox"] >= 0.01 and out["d_macro_f1"] >= 0.01 and out["max_loss"] >= -0.03
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", default=os.path.join(ROOT, "..", "shared", "datasets", "linkedin_real", "dev.csv"))
    ap.add_argument("--only", help="comma-separated variant names (the baselines always run)")
    ap.add_argument("--skip-pitchsift", action="store_true")
    ap.add_argument("--json", help="write every figure (per inbox too) to this file")
    args = ap.parse_args()

    with open(args.dev, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        dev_fields = list(reader.fieldnames)
        rows = list(reader)
    fold_of = bench_real.folds_of(rows)
    groups = sorted(set(fold_of.values()))
    k = len(groups)
    written = [r for p in WRITTEN for r in bench_real.read(os.path.join(ROOT, p))]
    nw, nr = len(written), len(rows)
    texts = [r["text"] for r in written] + [r["text"] for r in rows]
    y = np.array([r["label"] for r in written] + [r["label"] for r in rows], dtype=object)
    real_idx = np.arange(nw, nw + nr)
    fold_idx = np.array([groups.index(fold_of[r["source"]]) for r in rows])
    train_of_fold = [np.concatenate([np.arange(nw), real_idx[fold_idx != g]]) for g in range(k)]
    test_of_fold = [real_idx[fold_idx == g] for g in range(k)]
    wanted = set(args.only.split(",")) if args.only else None
    results = {}

    def report(name, res):
        results[name] = res
        extra = (f"  d_mean {res['d_mean_inbox']:+.4f} d_macro {res['d_macro_f1']:+.4f} "
                 f"gain {res['gain']} lose {res['lose']} max_loss {res['max_loss']:+.3f}"
                 if "gain" in res else "")
        print(f"{name:28s} acc {res['accuracy']:.4f} macroF1 {res['macro_f1']:.4f} mean_inbox "
              f"{res['mean_inbox']:.4f} worst {res['worst_inbox']:.3f} ({res['worst_name']}) scam "
              f"{res['scam_f1']:.3f} opp {res['opportunity_f1']:.3f}{extra}", flush=True)

    # --- scikit-learn replica and its variants -----------------------------------------
    t0 = time.time()
    toks = [tokens(t) for t in texts]
    ident = dict(analyzer=lambda d: d)
    word_C = count_matrix([word_terms(t) for t in toks], **ident)
    word_X = {"log": transform(word_C, "log")}
    print(f"# tokenised {len(texts)} documents, {word_C.shape[1]} word terms ({time.time() - t0:.1f} s)", flush=True)

    def keep_real(pred):
        return pred[nw:]

    base_pred = keep_real(run_variant([(word_C, word_X["log"], 1.0)], y, train_of_fold, test_of_fold, nw + nr))
    base = summary(rows, base_pred, fold_of)
    report("sk replica (baseline)", base)

    joined = [" ".join(t) for t in toks]
    char_blocks = {}

    def char_block(lo, hi):
        if (lo, hi) not in char_blocks:
            C = count_matrix(joined, analyzer="char_wb", ngram_range=(lo, hi))
            char_blocks[(lo, hi)] = (C, transform(C, "log"))
        return char_blocks[(lo, hi)]

    variants = []
    for lo, hi in [(2, 4), (3, 5), (2, 5)]:
        variants.append((f"char_wb {lo}..{hi}", lambda lo=lo, hi=hi: [(*char_block(lo, hi), 1.0)]))
    # Stacked: the character range is the best of the three alone by mean inbox macro-F1
    # (chosen on the grouped measurement), or 3..5 when they were not run.
    def best_char():
        cands = [(results[n]["mean_inbox"], n) for n in results if n.startswith("char_wb")]
        if not cands:
            return (3, 5)
        name = max(cands)[1]
        lo, hi = name.split()[1].split("..")
        return int(lo), int(hi)

    for scale in (1.0, 0.5):
        variants.append((f"word + char_wb x{scale:g}",
                         lambda scale=scale: [(word_C, word_X["log"], 1.0), (*char_block(*best_char()), scale)]))

    def folded():
        C = count_matrix([word_terms(tokens(fold_text(t))) for t in texts], **ident)
        return [(C, transform(C, "log"), 1.0)]

    variants.append(("accent+digit fold", folded))
    variants.append(("binary tf", lambda: [(word_C, transform(word_C, "binary"), 1.0)]))

    def stopped():
        C = count_matrix([word_terms(t, stop=ENGLISH_STOP_WORDS) for t in toks], **ident)
        return [(C, transform(C, "log"), 1.0)]

    variants.append(("english stop words", stopped))

    for name, make in variants:
        if wanted and name not in wanted:
            continue
        t0 = time.time()
        blocks = make()
        label = name
        if name.startswith("word + char_wb"):
            lo, hi = best_char()
            label = f"word + char_wb {lo}..{hi} x{name.split('x')[-1]}"
        res = summary(rows, keep_real(run_variant(blocks, y, train_of_fold, test_of_fold, nw + nr)), fold_of, base)
        res["seconds"] = time.time() - t0
        report(label, res)

    # --- pitchsift itself: per-row weights of the real rows ------------------------------
    if not args.skip_pitchsift:
        work = tempfile.mkdtemp(prefix="real-features-screen.", dir="/tmp")
        labels = [r["label"] for r in rows]
        counts = {l: labels.count(l) for l in set(labels)}
        big = max(counts.values())
        pred, cmd = run_pitchsift(rows, dev_fields, None, k, work, "base")
        pbase = summary(rows, pred, fold_of)
        pbase["command"] = cmd
        report("pitchsift (default recipe)", pbase)
        same = sum(a == b for a, b in zip(pred, base_pred))
        print(f"# the replica predicts the same label as pitchsift on {same} of {nr} real rows", flush=True)
        pbase["replica_agreement"] = same
        weightings = {
            # high-confidence labels count twice
            "weight: confidence high=2": ([2 if r["confidence"] == "high" else 1 for r in rows], None),
            # the same contrast without more weight on the real rows: medium-confidence rows
            # count half (written corpus and high rows 2, medium rows 1, alpha 0.2)
            "weight: confidence medium=0.5": ([2 if r["confidence"] == "high" else 1 for r in rows], 2),
            # class-balanced over the real rows: round(n_largest / n_class)
            "weight: class-balanced": ([round(big / counts[l]) for l in labels], None),
            # the square root of that
            "weight: sqrt class-balanced": ([round((big / counts[l]) ** 0.5) for l in labels], None),
        }
        for name, (w, ww) in weightings.items():
            if wanted and name not in wanted:
                continue
            pred, cmd = run_pitchsift(rows, dev_fields, w, k, work, str(len(results)), ww)
            res = summary(rows, pred, fold_of, pbase)
            res["weights"] = {l: sorted({w[i] for i in range(nr) if labels[i] == l}) for l in counts}
            res["weights_by_confidence"] = {c: sorted({w[i] for i in range(nr) if rows[i]["confidence"] == c})
                                            for c in ("high", "medium")}
            res["written_weight"] = ww or 1
            res["command"] = cmd
            report(name, res)
        shutil.rmtree(work)  # the weighted copies of the real messages

    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1, default=str)


if __name__ == "__main__":
    main()
