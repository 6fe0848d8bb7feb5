#!/usr/bin/env bash
# Kiln's CUDA backend against PyTorch, before and after a change, on one GPU in one run: each
# side's bench_gpu.py times PyTorch eager and Kiln on the same card, so the two ratios compare.
# From the repository root on the GPU host, with two bundles carried (make-gpu-bundle.sh in each
# checkout): .gpu (after) and .gpu-before (bundle/, native/, build-native.sh and that
# checkout's tools/bench/gpu/bench_gpu.py copied in as bench_gpu.py). Writes
# $OUT/bench-{before,after}.json and their logs.
#   BENCH_MODELS, BENCH_BATCHES, BENCH_PRECISIONS, BENCH_ITERS narrow the matrix.
set -uo pipefail
out=${OUT:-/tmp/kiln-before-after}
mkdir -p "$out"
[ -x /tmp/node ] || { xz -dc .gpu/node.xz > /tmp/node && chmod +x /tmp/node; }
args=(--node /tmp/node --models "${BENCH_MODELS:-resnet50,mobilenet_v2}" --batches "${BENCH_BATCHES:-1,128}"
  --precisions "${BENCH_PRECISIONS:-fp16}" --iters "${BENCH_ITERS:-30}")
for side in before after; do
  dir=.gpu; script=tools/bench/gpu/bench_gpu.py
  [ "$side" = before ] && { dir=.gpu-before; script=.gpu-before/bench_gpu.py; }
  [ -f "$dir/bundle/kiln-gpu-bench.mjs" ] || { echo "no bundle in $dir"; exit 1; }
  # "after" builds where build-native.sh builds by default, so an earlier build there is reused.
  build=/tmp/kiln-cuda-build; [ "$side" = before ] && build=/tmp/kiln-cuda-build-before
  KILN_BUILD_DIR=$build CUDA_ARCH=${CUDA_ARCH:-90} bash "$dir/build-native.sh" > "$out/build-$side.log" 2>&1 ||
    { tail -20 "$out/build-$side.log"; exit 1; }
  python3 "$script" "${args[@]}" --bundle "$dir/bundle" --work "/tmp/kb-$side" --json "$out/bench-$side.json" > "$out/bench-$side.log" 2>&1
  echo "== $side (exit $?)"
  tail -12 "$out/bench-$side.log"
done
