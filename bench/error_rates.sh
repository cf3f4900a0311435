#!/usr/bin/env bash
# The statistics of the tool itself on this machine (docs/statistics.md, "Error rates"):
#   1. calibrate: 12 runs of the native engine on the coordination suite, each system beside a twin;
#   2. A/A between separate runs: 10 pairs of further runs of the same build, compared with the
#      default options (the calibration from 1 as the noise floor, and without any);
#   3. interleaved A/A and A/B in one run: 20 `legion-bench ab` runs of this build against itself
#      with 20 repetitions (at least what `plan --change 0.10` asks for), half with a test-only delay
#      of about 10% of each model call injected into the new side;
#   4. a 2% change, interleaved, on the two scenarios for which `plan --change 0.02` said it can be
#      found, with the 140 repetitions it asked for: 10 runs;
#   5. zero latency (pure overhead, the noisiest figure): a calibration of 12 runs, then 12 further
#      runs of `--systems native -n 15` compared in 6 pairs with default options and with it.
# Usage: bench/error_rates.sh [BUILD_DIR] [OUT_DIR]   (about 25 minutes on 2 cores; STAGES="3 4" runs some)
set -euo pipefail
build="${1:-build}"
out="${2:-results/error-rates}"
bench="$build/bench/legion-bench"
stages="${STAGES:-1 2 3 4 5}"
mkdir -p "$out"
latency="ttft=2,tps=0"   # 2 ms per model call: the injected 215 µs is ~10% of a call on every scenario
common=(--systems native -n 10 --warmup 1 --latency "$latency" -q)

summarise_aa() {  # DIR LABEL: cells of the A/A pairs DIR/aa-*-{calibration,none}.json called changed
  python3 - "$1" "$2" <<'PY'
import json, pathlib, sys
out, label = pathlib.Path(sys.argv[1]), sys.argv[2]
for floor in ("calibration", "none"):
    called = cells = within = 0
    for f in sorted(out.glob(f"aa-*-{floor}.json")):
        for c in json.loads(f.read_text())["changes"]:
            cells += 1
            called += c["verdict"] in ("slower", "faster")
            within += c["verdict"] == "within run-to-run drift"
    print(f"{label}, floor from {floor}: {called} of {cells} cells called changed, {within} significant but within drift")
PY
}

summarise_ab() {  # DIR LABEL...: cells called changed and the estimated changes
  python3 - "$out" "$@" <<'PY'
import collections, json, pathlib, statistics, sys
out = pathlib.Path(sys.argv[1])
for kind, label in zip(sys.argv[2::2], sys.argv[3::2]):
    called, cells, ratios = 0, 0, []
    per_scenario = collections.Counter()
    for f in sorted(out.glob(f"{kind}/*/comparison.json")):
        for c in json.loads(f.read_text())["changes"]:
            cells += 1
            hit = c["verdict"] in ("slower", "faster")
            called += hit
            per_scenario[c["scenario"]] += hit
            if c["ratio"]:
                ratios.append(c["ratio"]["estimate"])
    print(f"interleaved {label}: {called} of {cells} cells called changed "
          f"({', '.join(f'{k} {v}' for k, v in per_scenario.items())}); median estimated change "
          f"{(statistics.median(ratios) - 1) * 100:+.1f}% (range {(min(ratios) - 1) * 100:+.1f}% to {(max(ratios) - 1) * 100:+.1f}%)")
PY
}

if [[ " $stages " == *" 1 "* ]]; then
echo "== 1. calibrate (12 runs)"
rm -rf "$out/calibration"
"$bench" calibrate --runs 12 "${common[@]}" --out "$out/calibration" > "$out/calibration.txt"

fi

if [[ " $stages " == *" 2 "* ]]; then
echo "== 2. A/A between separate runs (10 pairs)"
rm -rf "$out/aa-runs"
for k in $(seq 1 20); do "$bench" "${common[@]}" --out "$out/aa-runs/$k" > /dev/null; done
for k in $(seq 1 2 19); do
  for floor in "$out/calibration" none; do
    "$bench" compare "$out/aa-runs/$k" "$out/aa-runs/$((k + 1))" --format json --calibration "$floor" > "$out/aa-$k-$(basename "$floor").json"
  done
done
summarise_aa "$out" "A/A separate runs"

fi

if [[ " $stages " == *" 3 "* ]]; then
echo "== 3. interleaved A/A and A/B (10 + 10 runs of legion-bench ab, 20 repetitions)"
rm -rf "$out/ab-aa" "$out/ab-slow"
ab=(--systems native -n 20 --warmup 1 --latency "$latency" -q --calibration none)
for k in $(seq 1 10); do
  "$bench" ab "$build" "$build" "${ab[@]}" --out "$out/ab-aa/$k" > /dev/null
  "$bench" ab "$build" "$build" "${ab[@]}" --inject-delay native@new=215 --out "$out/ab-slow/$k" > /dev/null
done
summarise_ab ab-aa "A/A" ab-slow "A/B, ~10% injected"
fi

if [[ " $stages " == *" 4 "* ]]; then
echo "== 4. interleaved A/B, ~2% injected (10 runs, 140 repetitions, the two scenarios plan found it possible for)"
rm -rf "$out/ab-2pct"
for k in $(seq 1 10); do
  "$bench" ab "$build" "$build" --systems native -n 140 --warmup 1 --latency "$latency" -q --calibration none \
    --scenario sequential-pipeline --scenario selector-group --inject-delay native@new=43 --out "$out/ab-2pct/$k" > /dev/null
done
summarise_ab ab-2pct "A/B, ~2% injected"
fi

if [[ " $stages " == *" 5 "* ]]; then
echo "== 5. zero latency: calibration (12 runs) and 6 A/A pairs of separate runs"
rm -rf "$out/zero"
"$bench" calibrate --runs 12 --systems native -n 15 --warmup 1 -q --out "$out/zero/calibration" > "$out/zero-calibration.txt"
for k in $(seq 1 12); do "$bench" --systems native -n 15 -q --out "$out/zero/r$k" > /dev/null; done
for k in 1 3 5 7 9 11; do
  for floor in "$out/zero/calibration" none; do
    "$bench" compare "$out/zero/r$k" "$out/zero/r$((k + 1))" --format json --calibration "$floor" > "$out/zero/aa-$k-$(basename "$floor").json"
  done
done
summarise_aa "$out/zero" "zero latency, A/A separate runs"
cat "$out/zero-calibration.txt"
fi

echo "== calibration"
cat "$out/calibration.txt"
"$bench" plan --change 0.10 --calibration "$out/calibration"
"$bench" plan --change 0.02 --calibration "$out/calibration"
