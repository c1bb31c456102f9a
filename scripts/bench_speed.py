#!/usr/bin/env python3
"""Whole-process speed and memory of pitchsift against its peers and a read-and-split floor.

    scripts/bench_speed.py [--sizes 100000,1000000] [--dirs 20news=../shared/datasets/20news]
                           [--threads 1,2] [--repeat 3] [--rounds 1]
                           [--peers sk_count12_mnb,vw_oaa,fasttext] [--peer-sizes 100000]
                           [--big-predict-mb 0] [--data-dir /tmp/pitchsift-bench]
                           [--out docs/benchmarks/speed.md] [--readme README.md]

For every size N, synthetic data is made by ../shared/bench/peers/make_synthetic.py N
(80% train.csv, 20% test.csv) unless it already exists in DATA_DIR/synthN; --dirs adds
data sets that already have train.csv and test.csv (header label,text), named in the
tables. Then, in one run (so the ratios share the machine's load):

* floor: target/release/examples/floor reads the CSV with the csv crate, validates the
  text as UTF-8 and splits it into words (what any classifier must at least do);
* pitchsift-train train.csv (1..2 n-grams, the defaults) and pitchsift-predict on
  test.csv, with each --threads value, wall time and peak RSS (GNU time %M);
* the peers, through ../shared/bench/peers/run_peers.py (its own repeats; their train_s /
  predict_s are the harness's figures: model fitting and prediction of a tool given data
  it has already converted, so they favour the peers).

--rounds R runs all of that R times, one round after the other: this shared machine's load
moves single figures by up to 30% between runs of the same code, so the tables then give
each figure's median over the rounds and each ratio's median and range over its per-round
values (a ratio is only ever taken within one round).

Throughput is MB (10^6 bytes) of message text per second, as the harness computes it.
Timings are medians of --repeat runs. --big-predict-mb M also streams M MB of test rows
(the test file repeated) through pitchsift-predict on stdin with the default model, to
show that predict memory does not grow with the input; --latency-runs times one message
classified from the command line with the default model, and --model-latency-runs one
message with each data set's own model (`pitchsift-predict -m MODEL MESSAGE`).

Writes a Markdown table to --out and into the README between the markers
`<!-- speed:begin -->` and `<!-- speed:end -->` (section "Speed"). Python stdlib only.
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
PEERS = os.path.join(SHARED, "bench", "peers")
if not os.path.isdir(PEERS):
    PEERS = "/work/shared/bench/peers"
RESULTS = os.path.join(os.path.expanduser("~"), ".cache", "pitchsift-peers", "results")
BIN = os.path.join(ROOT, "target", "release")


def timed(cmd, stdin=None, stdout=subprocess.DEVNULL):
    """Run cmd under GNU time; return (wall seconds, peak RSS MB, stdout bytes or None)."""
    with tempfile.NamedTemporaryFile(prefix="rss.", delete=False) as t:
        tname = t.name
    try:
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", tname] + cmd, stdin=stdin,
                           stdout=stdout, stderr=subprocess.PIPE)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            sys.exit(f"bench_speed: {' '.join(cmd)} failed: {p.stderr.decode()[-500:]}")
        with open(tname) as f:
            lines = [l.strip() for l in f if l.strip()]
        rss = int(lines[-1]) / 1024
        return wall, rss, p.stdout
    finally:
        os.unlink(tname)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def text_bytes(csv_path):
    out = subprocess.run([os.path.join(BIN, "examples", "floor"), csv_path],
                         capture_output=True, check=True).stdout.split()
    return int(out[0]), int(out[2])


def median_runs(n, fn):
    runs = [fn() for _ in range(n)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs), runs


def ensure_data(n, data_dir):
    d = os.path.join(data_dir, f"synth{n}")
    if not (os.path.exists(os.path.join(d, "train.csv")) and os.path.exists(os.path.join(d, "test.csv"))):
        os.makedirs(d, exist_ok=True)
        subprocess.run([sys.executable, os.path.join(PEERS, "make_synthetic.py"), str(n), d], check=True)
    return d


def big_stdin_predict(model, test_csv, mb, threads):
    """Stream about `mb` MB of test rows (header once) into pitchsift-predict -i -."""
    with open(test_csv, "rb") as f:
        header = f.readline()
        body = f.read()
    cmd = [os.path.join(BIN, "pitchsift-predict")] + (["-m", model] if model else []) + [
        "-i", "-", "-j", str(threads), "-q"]
    tname = tempfile.NamedTemporaryFile(prefix="rss.", delete=False).name
    p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", tname] + cmd, stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sent = 0
    t0 = time.perf_counter()
    try:
        p.stdin.write(header)
        while sent < mb * 1e6:
            p.stdin.write(body)
            sent += len(body)
        p.stdin.close()
    except BrokenPipeError:
        pass
    p.wait()
    wall = time.perf_counter() - t0
    with open(tname) as f:
        rss = int([l for l in f if l.strip()][-1]) / 1024
    os.unlink(tname)
    if p.returncode != 0:
        sys.exit(f"bench_speed: big predict failed: {p.stderr.read().decode()[-500:]}")
    return sent, wall, rss


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--dirs", default="", help="NAME=DIR,... data sets with train.csv and test.csv")
    ap.add_argument("--model-latency-runs", type=int, default=11,
                    help="runs of one message with each data set's model (0: none)")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=1,
                    help="repeat the whole measurement (every size, pitchsift, the floor and the peers) "
                         "this many times; the tables show the medians over rounds and each ratio's "
                         "median and range of its per-round values (each round is one same-run ratio)")
    ap.add_argument("--peers", default="sk_count12_mnb,vw_oaa,fasttext")
    ap.add_argument("--peer-sizes", default=None, help="sizes at which to run the peers (default: all)")
    ap.add_argument("--peer-plan", default=None,
                    help="per size peers, overriding --peers/--peer-sizes: "
                         "'100000=sk_count12_mnb,vw_oaa,fasttext 1000000=vw_oaa,fasttext'")
    ap.add_argument("--latency-runs", type=int, default=21,
                    help="one message with the default model: runs of pitchsift-predict MESSAGE (median wall)")
    ap.add_argument("--big-predict-mb", type=float, default=0)
    ap.add_argument("--hash-bits", type=int, default=18,
                    help="also time pitchsift --hash-bits B at the largest thread count (0: skip); "
                         "VW hashes into 2^18 weights by default")
    ap.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "pitchsift-bench"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks", "speed.md"))
    ap.add_argument("--readme", default=os.path.join(ROOT, "README.md"))
    ap.add_argument("--no-build", action="store_true")
    a = ap.parse_args()
    dirs = dict(item.split("=", 1) for item in a.dirs.split(",") if item)
    sizes = [int(s) for s in a.sizes.split(",") if s] + list(dirs)
    threads = [int(t) for t in a.threads.split(",") if t]
    peer_sizes = sizes if a.peer_sizes is None else [as_size(s) for s in a.peer_sizes.split(",") if s]
    peers = [p for p in a.peers.split(",") if p]
    plan = {n: peers for n in peer_sizes}
    if a.peer_plan:
        plan = {}
        for item in a.peer_plan.split():
            n, ps = item.split("=")
            plan[as_size(n)] = [p for p in ps.split(",") if p]
    if not a.no_build:
        subprocess.run(["cargo", "build", "--release", "--bins", "--example", "floor"], cwd=ROOT, check=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    loads = [loadavg()]
    rounds = []  # per round, its rows
    notes = []
    work = tempfile.mkdtemp(prefix="pitchsift-bench.")
    small_model = None
    vocab = {}
    model_latency = {}
    for n, rnd in [(n, r) for r in range(a.rounds) for n in sizes]:
        if n == sizes[0]:
            rounds.append([])
        # (size, tool, threads, train MB/s, predict MB/s, train RSS, predict RSS, train s, predict s)
        rows = rounds[-1]
        d = dirs[n] if n in dirs else ensure_data(n, a.data_dir)
        train_csv, test_csv = os.path.join(d, "train.csv"), os.path.join(d, "test.csv")
        n_train, train_bytes = text_bytes(train_csv)
        n_test, test_bytes = text_bytes(test_csv)
        print(f"round {rnd + 1}/{a.rounds}, size {n}: {n_train} train docs ({train_bytes/1e6:.1f} MB text), {n_test} test docs "
              f"({test_bytes/1e6:.1f} MB), load {loadavg()}", flush=True)
        floor = os.path.join(BIN, "examples", "floor")
        ft, fr, _ = median_runs(a.repeat, lambda: timed([floor, train_csv]))
        fp, fpr, _ = median_runs(a.repeat, lambda: timed([floor, test_csv]))
        rows.append((n, "floor (read + split)", 1, train_bytes / ft / 1e6, test_bytes / fp / 1e6, fr, fpr, ft, fp))
        for t in threads:
            model = os.path.join(work, f"m{n}.model")
            tt, tr, _ = median_runs(a.repeat, lambda: timed(
                [os.path.join(BIN, "pitchsift-train"), train_csv, "-o", model, "-j", str(t), "-q"]))
            pt, pr, _ = median_runs(a.repeat, lambda: timed(
                [os.path.join(BIN, "pitchsift-predict"), "-m", model, "-i", test_csv, "-j", str(t), "-q"]))
            rows.append((n, "pitchsift", t, train_bytes / tt / 1e6, test_bytes / pt / 1e6, tr, pr, tt, pt))
            info = json.loads(subprocess.run([os.path.join(BIN, "pitchsift-inspect"), model, "--json", "--top", "1"],
                                             capture_output=True, check=True).stdout)
            vocab[n] = (info["vocabulary"]["terms_counted"], os.path.getsize(model))
            print(f"  pitchsift -j {t}: train {tt:.2f}s predict {pt:.2f}s (load {loadavg()})", flush=True)
        if a.hash_bits:
            t = max(threads)
            hmodel = os.path.join(work, f"h{n}.model")
            tt, tr, _ = median_runs(a.repeat, lambda: timed(
                [os.path.join(BIN, "pitchsift-train"), train_csv, "-o", hmodel, "-j", str(t), "-q",
                 "--hash-bits", str(a.hash_bits)]))
            pt, pr, _ = median_runs(a.repeat, lambda: timed(
                [os.path.join(BIN, "pitchsift-predict"), "-m", hmodel, "-i", test_csv, "-j", str(t), "-q"]))
            rows.append((n, f"pitchsift --hash-bits {a.hash_bits}", t, train_bytes / tt / 1e6,
                         test_bytes / pt / 1e6, tr, pr, tt, pt))
            print(f"  pitchsift --hash-bits {a.hash_bits} -j {t}: train {tt:.2f}s predict {pt:.2f}s", flush=True)
        if a.model_latency_runs:
            model_latency[n] = one_message_latency(a.model_latency_runs, model)
        if small_model is None and os.path.exists(model):
            small_model = os.path.join(work, "small.model")
            os.replace(model, small_model)
            small_test = test_csv
        if plan.get(n):
            name = f"bench-{n}" if n in dirs else f"bench-synth{n}"
            subprocess.run([sys.executable, os.path.join(PEERS, "run_peers.py"), d, "--peers", ",".join(plan[n]),
                            "--repeat", str(a.repeat), "--name", name], check=True)
            with open(os.path.join(RESULTS, f"{name}.json")) as f:
                res = json.load(f)
            for p in plan[n]:
                r = res["peers"].get(p)
                if not r or r.get("train_s") is None:
                    notes.append(f"{p} at {n}: no result")
                    continue
                rows.append((n, p, None, train_bytes / r["train_s"] / 1e6, r["predict_mb_per_s"],
                             r["peak_rss_mb"], r["peak_rss_mb"], r["train_s"], r["predict_s"]))
        loads.append(loadavg())
        # Results so far, in case a later (larger) size is interrupted.
        done = [m for m in sizes if any(r[0] == m for r in rows)]
        partial = f"partial: round {rnd + 1} of {a.rounds}, sizes {', '.join(map(str, done))} of {a.sizes}"
        write_results(a, render(rounds, done, threads, a, started, datetime.datetime.now(datetime.timezone.utc),
                                loads, notes + [partial], None, peer_sizes, vocab, None, model_latency))
    big = None
    if a.big_predict_mb > 0 and small_model:
        big = big_stdin_predict(None, small_test, a.big_predict_mb, max(threads))
        loads.append(loadavg())
    latency = one_message_latency(a.latency_runs) if a.latency_runs else None
    finished = datetime.datetime.now(datetime.timezone.utc)
    md = render(rounds, sizes, threads, a, started, finished, loads, notes, big, peer_sizes, vocab, latency,
                model_latency)
    write_results(a, md)
    print(md)


def write_results(a, md):
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        f.write(md)
    update_readme(a.readme, md)


def as_size(s):
    """A --sizes entry (a number of messages) or a --dirs name."""
    return int(s) if s.isdigit() else s


def label(n):
    return f"{n:,}" if isinstance(n, int) else n


def one_message_latency(runs, model=None):
    """Median and max wall time (ms) of `pitchsift-predict MESSAGE` with the built-in default
    model (or `model`): process start, model load, one prediction, exit."""
    msg = ("I know you know a lot of people keeping their options open. I have an extra income "
           "opportunity to share with your network.")
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([os.path.join(BIN, "pitchsift-predict")] + (["-m", model] if model else []) + [msg],
                       stdout=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), min(times), max(times), runs


def median_rows(rounds):
    """One row per (size, tool, threads): each figure's median over the rounds that have it."""
    keys, by = [], {}
    for rows in rounds:
        for r in rows:
            k = r[:3]
            if k not in by:
                keys.append(k)
                by[k] = []
            by[k].append(r)
    return [k + tuple(statistics.median(r[i] for r in by[k]) for i in range(3, 9)) for k in keys]


def ratios(rows, n):
    """The same-run ratios of size n: (name, train, predict, unit)."""
    out = []
    mine = [r for r in rows if r[0] == n and r[1] == "pitchsift"]
    if not mine:
        return out
    by = {(r[1], r[2]): r for r in rows if r[0] == n}
    best = max(mine, key=lambda r: r[3] + r[4])
    hashed = [r for r in rows if r[0] == n and r[1].startswith("pitchsift --hash-bits")]
    t1 = by.get(("pitchsift", 1))
    t2 = by.get(("pitchsift", 2))
    fl = by.get(("floor (read + split)", 1))
    targets = {"sk_count12_mnb": " (target >= 10x / >= 10x)", "vw_oaa": " (target >= 1x / >= 2x)"}
    for p in ["sk_count12_mnb", "vw_oaa", "fasttext"]:
        r = by.get((p, None))
        if r:
            out.append((f"pitchsift (-j {best[2]}) / {p}{targets.get(p, '')}", best[3] / r[3], best[4] / r[4], "x"))
            for h in hashed:
                out.append((f"{h[1]} (-j {h[2]}) / {p}", h[3] / r[3], h[4] / r[4], "x"))
    if fl:
        out.append((f"floor / pitchsift (-j {best[2]})", fl[3] / best[3], fl[4] / best[4], ""))
        for h in hashed:
            out.append((f"floor / {h[1]} (-j {h[2]}) (target <= 3)", fl[3] / h[3], fl[4] / h[4], ""))
    if t1 and t2:
        out.append(("pitchsift -j 2 / -j 1 (target >= 1.8)", t2[3] / t1[3], t2[4] / t1[4], "x"))
    return out


def render(rounds, sizes, threads, a, started, finished, loads, notes, big, peer_sizes, vocab, latency,
           model_latency=None):
    rows = median_rows(rounds)
    many = len(rounds) > 1
    out = []
    out.append("Whole-process figures from `scripts/bench_speed.py` "
               f"(`--sizes {a.sizes}" + (f" --dirs {a.dirs}" if a.dirs else "") + f" --threads {a.threads} --repeat {a.repeat}"
               + (f" --rounds {a.rounds}" if a.rounds > 1 else "")
               + (f" --peer-plan \"{a.peer_plan}\"" if a.peer_plan else f" --peers {a.peers}")
               + (f" --peer-sizes {a.peer_sizes}" if a.peer_sizes and not a.peer_plan else "")
               + (f" --big-predict-mb {a.big_predict_mb:g}" if a.big_predict_mb else "") + "`), "
               f"run {started:%Y-%m-%d %H:%M}–{finished:%H:%M} UTC on {os.cpu_count()} cores; "
               f"load average (1/5/15 min) sampled at the start and after each size: {'; '.join(loads)}. "
               "Medians of the repeats" + (f", then of {len(rounds)} rounds (the whole measurement "
                                           "run again, one round after the other)" if many else "")
               + "; MB = 10^6 bytes of message text. pitchsift and the floor are timed "
               "as whole processes (CSV reading, tokenising, writing the model or the predictions); the "
               "peers' times are the harness's (fit / predict of data already converted for the tool).\n")
    out.append("| messages | tool | threads | train MB/s | predict MB/s | train peak RSS MB | predict peak RSS MB | train s | predict s |")
    out.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        n, tool, t, tm, pm, trss, prss, ts, ps = r
        out.append(f"| {label(n)} | {tool} | {t if t else '-'} | {tm:.2f} | {pm:.2f} | {trss:.0f} | {prss:.0f} | {ts:.2f} | {ps:.2f} |")
    out.append("")
    if many:
        out.append(f"Ratios (each computed within one round; median over the {len(rounds)} rounds, "
                   "and in brackets the lowest and highest round):\n")
    else:
        out.append("Ratios (same run):\n")
    out.append("| messages | ratio | train | predict |")
    out.append("|---:|---|---:|---:|")
    for n in sizes:
        per_round = [{name: (tr, pr, u) for name, tr, pr, u in ratios(rr, n)} for rr in rounds]
        for name, _, _, unit in ratios(rounds[0], n):
            vals = [pr[name] for pr in per_round if name in pr]

            def cell(i):
                v = [x[i] for x in vals]
                text = f"{statistics.median(v):.2f}{unit}"
                return text + (f" ({min(v):.2f}–{max(v):.2f})" if len(v) > 1 else "")
            out.append(f"| {label(n)} | {name} | {cell(0)} | {cell(1)} |")
    if vocab:
        out.append("")
        out.append("Training memory against vocabulary (pitchsift, the last thread count's model):\n")
        out.append("| messages | distinct terms counted | model file MB | train peak RSS MB | RSS bytes per term |")
        out.append("|---:|---:|---:|---:|---:|")
        for n in sizes:
            if n in vocab:
                terms, size = vocab[n]
                rss = max(r[5] for r in rows if r[0] == n and r[1] == "pitchsift")
                out.append(f"| {label(n)} | {terms:,} | {size/1e6:.0f} | {rss:.0f} | {rss*1048576/max(terms,1):.0f} |")
    if big:
        sent, wall, rss = big
        out.append("")
        out.append(f"Streaming predict: {sent/1e6:,.0f} MB of CSV (the smallest size's test rows repeated) through "
                   f"`pitchsift-predict -i -` with the default model, -j {max(threads)}: {wall:.1f} s "
                   f"({sent/1e6/wall:.1f} MB/s of CSV), peak RSS {rss:.0f} MB (target < 200 MB).")
    if model_latency:
        out.append("")
        out.append("One message from the command line with each data set's model (`pitchsift-predict -m MODEL "
                   "MESSAGE`, process start to exit; the model of the last thread count):\n")
        out.append("| messages | model file MB | median ms | min ms | max ms | runs |")
        out.append("|---:|---:|---:|---:|---:|---:|")
        for n in sizes:
            if n in model_latency:
                med, lo, hi, runs = model_latency[n]
                size = vocab[n][1] / 1e6 if n in vocab else float("nan")
                out.append(f"| {label(n)} | {size:.1f} | {med:.1f} | {lo:.1f} | {hi:.1f} | {runs} |")
    if latency:
        med, lo, hi, runs = latency
        out.append("")
        out.append(f"One message from the command line with the default model (`pitchsift-predict MESSAGE`, "
                   f"process start to exit, {runs} runs): median {med:.1f} ms, min {lo:.1f} ms, max {hi:.1f} ms "
                   "(target < 10 ms).")
    for note in notes:
        out.append(f"\nNote: {note}")
    out.append("")
    return "\n".join(out)


def update_readme(path, md):
    if not os.path.exists(path):
        return
    with open(path) as f:
        s = f.read()
    begin, end = "<!-- speed:begin -->", "<!-- speed:end -->"
    block = f"{begin}\n{md}\n{end}"
    if begin in s and end in s:
        s = s[:s.index(begin)] + block + s[s.index(end) + len(end):]
    else:
        s = s.rstrip("\n") + "\n\n## Speed\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(s)


if __name__ == "__main__":
    main()
