#!/usr/bin/env bash
# Per-stage profile of training, before and after a change, with the floor and Vowpal
# Wabbit in the same run (docs/benchmarks/profile.md).
#
#   scripts/profile_train.sh BASE_DIR NEW_DIR [REPEAT]
#
# BASE_DIR and NEW_DIR each hold a pitchsift-train, examples/profile_stages and
# examples/floor built from the two commits (cp target/release/{pitchsift-train,
# examples/profile_stages,examples/floor} DIR/). Data: 20 Newsgroups train.csv
# (../shared/datasets/20news) and make_synthetic.py 200000 (made in $DATA if missing).
# For each data set and REPEAT times (default 3), alternating old and new: profile_stages
# (per-stage wall and CPU seconds, one thread), the whole pitchsift-train process with -j 1
# and -j 2 (wall and user+sys CPU from GNU time), the model files compared with cmp, and
# the floor. Then VW (vw_oaa) through ../shared/bench/peers/run_peers.py when its venv
# is there. Prints everything; summarise by hand.
set -euo pipefail
base=$1 new=$2 repeat=${3:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$root/.." && pwd)/shared
[ -d "$shared/bench" ] || shared=/work/shared
data=${DATA:-/tmp/pitchsift-profile}
mkdir -p "$data"
[ -f "$data/synth200000/train.csv" ] ||
  python3 "$shared/bench/peers/make_synthetic.py" 200000 "$data/synth200000"
out=$(mktemp -d)
for set in 20news synth200000; do
  csv=$shared/datasets/20news/train.csv
  [ $set = synth200000 ] && csv=$data/synth200000/train.csv
  echo "== $set ($(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))"
  for r in $(seq "$repeat"); do
    for which in base new; do
      dir=$base
      [ $which = new ] && dir=$new
      echo "-- $which run $r: profile_stages"
      "$dir/profile_stages" "$csv" 1 "$out/ps.$which.model"
      for j in 1 2; do
        /usr/bin/time -f "$which train -j $j: wall %e s, cpu %U+%S s, peak %M KB" \
          "$dir/pitchsift-train" "$csv" -o "$out/$set.$which.j$j.model" -j "$j" -q
      done
      /usr/bin/time -f "$which floor: wall %e s, cpu %U+%S s" "$dir/floor" "$csv" >/dev/null
    done
    for f in "$out/$set".*.model; do
      cmp "$f" "$out/$set.base.j1.model" || { echo "DIFFERENT: $f"; exit 1; }
    done
    echo "-- models identical (base/new, -j 1/-j 2)"
  done
done
venv=$HOME/.cache/pitchsift-peers/.venv/bin/python
if [ -x "$venv" ]; then
  for set in 20news synth200000; do
    d=$shared/datasets/20news
    [ $set = synth200000 ] && d=$data/synth200000
    echo "== vw_oaa on $set ($(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))"
    python3 "$shared/bench/peers/run_peers.py" "$d" --peers vw_oaa --repeat "$repeat" \
      --name "profile-$set" 2>&1 | tail -8
    python3 - "$HOME/.cache/pitchsift-peers/results/profile-$set.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["peers"]["vw_oaa"]
print(f"vw_oaa train_s {r['train_s']:.2f} predict_s {r['predict_s']:.2f}")
EOF
  done
fi
rm -rf "$out"
