#!/usr/bin/env bash
# Sharded training: split a labelled CSV corpus into N shards, train one model per shard
# as independent jobs, merge the shard models. The merged model is byte-identical to
# training on the whole corpus at once (see README, "Growing models").
#
#   shard_recipe.sh split CORPUS.csv N DIR      split into DIR/shard-0000.csv ... (N files)
#   shard_recipe.sh task DIR INDEX [OPTS...]    train DIR/shard-INDEX.csv -> DIR/shard-INDEX.model
#   shard_recipe.sh train DIR [OPTS...]         every task, as GNU parallel jobs on this machine
#   shard_recipe.sh merge DIR MODEL             merge DIR/shard-*.model into MODEL
#   shard_recipe.sh all CORPUS.csv N DIR MODEL [OPTS...]   split, train, merge
#
# OPTS are pitchsift-train options (--model, --ngrams, --min-df, ...); give every task the
# same ones, or the merge is refused. Each shard is trained as a model of its own, so it
# must be one: two labels or more, and a term in at least --min-df of its documents (a
# shard of a few rows may not be; use fewer, larger shards). `task` is the unit a batch engine runs: GNU parallel
# here, a Slurm array task or a Kubernetes Indexed Job pod on many machines.
#
# Environment:
#   PITCHSIFT_BIN_DIR  directory with pitchsift-train and pitchsift-merge (default: PATH)
#   JOBS               parallel jobs for `train` (default: number of cores)
#   THREADS_PER_JOB    --jobs of each pitchsift-train (default: 1; do not put --jobs in OPTS)
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

bin() {
    if [ -n "${PITCHSIFT_BIN_DIR:-}" ]; then
        printf '%s/%s\n' "$PITCHSIFT_BIN_DIR" "$1"
    else
        command -v "$1" || { echo "shard_recipe.sh: $1 not found (set PITCHSIFT_BIN_DIR)" >&2; exit 2; }
    fi
}

shard_name() { printf '%s/shard-%04d' "$1" "$2"; }

# CSV-aware round-robin split: quoted fields with commas or newlines stay whole, every
# shard gets the header. Bytes that are not UTF-8 pass through untouched, so
# pitchsift-train reports them (naming the shard file and line).
split_corpus() {
    local corpus=$1 n=$2 dir=$3
    [ -f "$corpus" ] || { echo "shard_recipe.sh: $corpus: no such file" >&2; exit 1; }
    case $n in '' | *[!0-9]* | 0) echo "shard_recipe.sh: N must be a positive integer, got '$n'" >&2; exit 2 ;; esac
    mkdir -p "$dir"
    if compgen -G "$dir/shard-*" >/dev/null; then
        echo "shard_recipe.sh: $dir already holds shards; use an empty directory" >&2
        exit 2
    fi
    python3 - "$corpus" "$n" "$dir" <<'PY'
import csv, sys
corpus, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
delim = "\t" if corpus.endswith(".tsv") else ","
csv.field_size_limit(sys.maxsize)
opts = dict(encoding="utf-8", errors="surrogateescape", newline="")
with open(corpus, **opts) as f:
    rows = csv.reader(f, delimiter=delim)
    header = next(rows, None)
    if header is None:
        sys.exit(f"shard_recipe.sh: {corpus}: empty file (no header)")
    files = [open(f"{out}/shard-{i:04d}.csv", "w", **opts) for i in range(n)]
    writers = [csv.writer(g, delimiter=delim, lineterminator="\n") for g in files]
    for w in writers:
        w.writerow(header)
    for i, row in enumerate(rows):
        writers[i % n].writerow(row)
    for g in files:
        g.close()
PY
}

task() {
    local dir=$1 index=$2
    shift 2
    local base
    base=$(shard_name "$dir" "$index")
    [ -f "$base.csv" ] || { echo "shard_recipe.sh: $base.csv: no such shard" >&2; exit 1; }
    local rc=0
    "$(bin pitchsift-train)" --quiet --jobs "${THREADS_PER_JOB:-1}" "$@" "$base.csv" -o "$base.model" || rc=$?
    if [ "$rc" -eq 1 ]; then
        echo "shard_recipe.sh: shard $index is not a model of its own (it needs two labels and a term in --min-df of its documents); use fewer, larger shards" >&2
    fi
    return "$rc"
}

train_all() {
    local dir=$1
    shift
    parallel --version 2>/dev/null </dev/null | grep -q 'GNU parallel' ||
        { echo "shard_recipe.sh: GNU parallel not found (apt-get install parallel)" >&2; exit 2; }
    local n
    n=$(find "$dir" -maxdepth 1 -name 'shard-*.csv' | wc -l)
    [ "$n" -gt 0 ] || { echo "shard_recipe.sh: no shard-*.csv in $dir" >&2; exit 1; }
    # -q quotes the command's words, so options with spaces or commas survive;
    # --halt stops the other jobs as soon as one fails.
    seq 0 $((n - 1)) | parallel -q --halt now,fail=1 -j "${JOBS:-100%}" "$0" task "$dir" {} "$@"
}

merge() {
    local dir=$1 model=$2
    local models=("$dir"/shard-*.model)
    [ -f "${models[0]}" ] || { echo "shard_recipe.sh: no shard-*.model in $dir" >&2; exit 1; }
    "$(bin pitchsift-merge)" --quiet "${models[@]}" -o "$model"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
    split) [ $# -eq 3 ] || usage; split_corpus "$@" ;;
    task) [ $# -ge 2 ] || usage; task "$@" ;;
    train) [ $# -ge 1 ] || usage; train_all "$@" ;;
    merge) [ $# -eq 2 ] || usage; merge "$@" ;;
    all)
        [ $# -ge 4 ] || usage
        corpus=$1 n=$2 dir=$3 model=$4
        shift 4
        split_corpus "$corpus" "$n" "$dir"
        train_all "$dir" "$@"
        merge "$dir" "$model"
        ;;
    *) usage ;;
esac
