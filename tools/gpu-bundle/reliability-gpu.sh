#!/usr/bin/env bash
# The GPU side of the reliability checks (issue #11), on a GPU host from the repository root
# with .gpu carried (bash tools/gpu-bundle/make-gpu-bundle.sh first): builds kiln_cuda.node for
# this GPU, runs the GPU tests plainly and under compute-sanitizer's memcheck, and fuzzes
# CudaProgram with the fuzzer's `program` target (random and mutated Programs handed to
# NativeProgram and CudaProgram). Logs and JSON go to $OUT (or /tmp/kiln-reliability); the last
# lines printed are the summary. Each step has its own time budget so one slow step cannot take
# the others' results with it. Memcheck reports memory errors only: the tests provoke failing
# CUDA calls on purpose (invalid device, out of memory), which API-error reporting would count;
# MEMCHECK_API_ERRORS=all lists those calls too (to see that no failure outlives its call).
set -uo pipefail
out=${OUT:-/tmp/kiln-reliability}
mkdir -p "$out"
xz -dc .gpu/node.xz > /tmp/node && chmod +x /tmp/node
CUDA_ARCH=${CUDA_ARCH:-90} timeout 240 bash .gpu/build-native.sh > "$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
export KILN_CORPUS=$PWD/.gpu/corpus
export KILN_CUDA_NATIVE_PATH=$PWD/.gpu/bundle/node_modules/@kiln-inference/cuda-runtime/build/Release/kiln_cuda.node

timeout 120 /tmp/node .gpu/bundle/gpu-tests.mjs > "$out/gpu-tests.log" 2>&1
tests=$?

timeout "${FUZZ_SECONDS:-120}" /tmp/node .gpu/bundle/fuzz/cli.mjs --targets program --cases "${FUZZ_CASES:-3000}" \
  --seed "${FUZZ_SEED:-9090}" --jobs 4 --json "$out/fuzz.json" --report-md "$out/fuzz.md" > "$out/fuzz.log" 2>&1
fuzz=$?

sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
timeout "${MEMCHECK_SECONDS:-240}" "$sanitizer" --tool memcheck --report-api-errors "${MEMCHECK_API_ERRORS:-no}" --error-exitcode 99 --target-processes all \
  /tmp/node .gpu/bundle/gpu-tests.mjs > "$out/memcheck.log" 2>&1
memcheck=$?

nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > "$out/device.txt" 2>&1
echo "== device: $(cat "$out/device.txt")"
echo "== gpu tests (exit $tests)"; tail -5 "$out/gpu-tests.log"
echo "== fuzz program target (exit $fuzz)"; tail -8 "$out/fuzz.log"
echo "== memcheck (exit $memcheck)"; grep -E "ERROR SUMMARY|========= (Invalid|Program hit|Leaked)" "$out/memcheck.log" | sort | uniq -c | head -20; tail -4 "$out/memcheck.log"
