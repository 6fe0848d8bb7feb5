#!/usr/bin/env bash
# The long fuzz run (issue #11: 100,000 cases per target) on a many-core host without Node or a
# registry, from the repository root with .gpu carried (bash tools/gpu-bundle/make-gpu-bundle.sh
# first): the bundled fuzzer, its corpus seeds from .gpu/corpus, one worker process per core
# but two. FUZZ_TARGETS picks targets (comma-separated; default all), FUZZ_CASES the cases per
# target, FUZZ_SECONDS when to stop starting cases. Report, JSON and findings go to $OUT.
set -uo pipefail
out=${OUT:-/tmp/kiln-fuzz}
mkdir -p "$out"
node=/tmp/node-fuzz
[ -x "$node" ] || { xz -dc .gpu/node.xz > "$node" && chmod +x "$node"; }
export KILN_CORPUS=$PWD/.gpu/corpus
export KILN_FUZZ_ENGINE_WORKER=$PWD/.gpu/bundle/fuzz/engine-worker.mjs
jobs=${FUZZ_JOBS:-$(( $(nproc) - 2 ))}
targets=()
[ -n "${FUZZ_TARGETS:-}" ] && targets=(--targets "$FUZZ_TARGETS")
{ lscpu | grep -E "Model name|^CPU\(s\)"; free -g | head -2; } > "$out/fuzz-host.txt" 2>&1
"$node" .gpu/bundle/fuzz/cli.mjs "${targets[@]}" --cases "${FUZZ_CASES:-100000}" --seed "${FUZZ_SEED:-20261208}" \
  --jobs "$jobs" --max-seconds "${FUZZ_SECONDS:-540}" --json "$out/fuzz-long.json" --report-md "$out/fuzz-long.md" \
  --findings "$out/findings" > "$out/fuzz-long.log" 2>&1
status=$?
echo "== long fuzz (exit $status, $jobs workers): $(cat "$out/fuzz-host.txt" | tr '\n' ' ')"
tail -20 "$out/fuzz-long.log"
exit $status
