#!/usr/bin/env bash
# Packs what a GPU host with no registry and no Node needs to build and run kiln's CUDA code,
# into .gpu/ (git-ignored; about 35 MB):
#   .gpu/node.xz                       this machine's Node binary, compressed
#   .gpu/bundle/*.mjs                  the CLI, the GPU benchmark, the memory-growth check and the
#                                      GPU unit tests, each with every JavaScript dependency inlined
#   .gpu/bundle/fuzz/                  the fuzzer (cli.mjs + worker.js), for CudaProgram cases
#   .gpu/bundle/node_modules/@kiln-inference/*   where the addon loaders look (build-native.sh fills cuda);
#                                      core and cuda-runtime are the built packages, which the
#                                      bundles import (the engine loads cuda-runtime lazily by name)
#   .gpu/native/                       native/ sources plus the Node-API headers, for cmake there
#   .gpu/build-native.sh               builds kiln_cuda.node on the host (cuDNN/cuBLASLt when found)
#   .gpu/corpus/                       the corpus models of the GPU backend tests
# Run `pnpm build` first (the cpu addon is copied when built). On the host:
#   bash .gpu/build-native.sh && xz -dc .gpu/node.xz > /tmp/node && chmod +x /tmp/node
#   KILN_CORPUS=.gpu/corpus /tmp/node .gpu/bundle/gpu-tests.mjs
#   python3 tools/bench/gpu/bench_gpu.py --node /tmp/node --bundle .gpu/bundle ...
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.gpu
rm -rf "$out/bundle" "$out/native" "$out/corpus" && mkdir -p "$out/bundle"
[ -f "$out/node.xz" ] || xz -T2 -9 -c "$(command -v node)" > "$out/node.xz"
esbuild=$(find node_modules/.pnpm -path '*/node_modules/esbuild/bin/esbuild' | head -n 1)
bundle() { # entry outfile [extra esbuild args]
  local entry=$1 outfile=$2
  shift 2
  NODE_PATH=node_modules/.pnpm/node_modules "$esbuild" "$entry" --bundle --platform=node --format=esm --target=node20 \
    --tsconfig=tsconfig.dev.json --outfile="$out/bundle/$outfile" --log-level=warning \
    --external:onnxruntime-node --external:@kiln-inference/core --external:@kiln-inference/cuda-runtime \
    --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" "$@"
}
bundle packages/kiln/src/cli/main.ts kiln.mjs
bundle tools/bench/gpu/kiln-gpu-bench.ts kiln-gpu-bench.mjs
bundle tools/bench/gpu/memory-growth.ts memory-growth.mjs
bundle tools/bench/gpu/accuracy-vs-cpu.ts accuracy-vs-cpu.mjs
bundle tools/bench/gpu/build-time.ts build-time.mjs
# The fuzzer: its supervisor forks worker.js from its own folder.
bundle tools/fuzz/src/cli.ts fuzz/cli.mjs
bundle tools/fuzz/src/worker.ts fuzz/worker.js
# Its feeds target's worker-mode cases start this (KILN_FUZZ_ENGINE_WORKER; no tsx on the host).
bundle packages/engine/src/worker/engine-worker.ts fuzz/engine-worker.mjs
echo '{ "type": "module" }' > "$out/bundle/fuzz/package.json"
# The GPU unit tests, with vitest replaced by a minimal runner (vitest-shim.ts).
tests=$(mktemp --suffix=.ts -p tools/gpu-bundle)
trap 'rm -f "$tests"' EXIT
for f in packages/cuda-runtime/test/*.test.ts packages/kiln/test/cuda-backend.test.ts packages/kiln/test/cuda-plans.test.ts; do echo "import '../../$f';" >> "$tests"; done
# --ignore-annotations: the packages say "sideEffects": false, which would drop the test files'
# bare imports (a test file is all side effects).
bundle "$tests" gpu-tests.mjs --alias:vitest=./tools/gpu-bundle/vitest-shim.ts --ignore-annotations
# The CPU addon's loader only needs a package folder to look in. core and cuda-runtime are
# real: the engine requires @kiln-inference/cuda-runtime by name when CUDA is asked for, and every bundle
# and that runtime must share one @kiln-inference/core (one KilnError class).
dest=$out/bundle/node_modules/@kiln-inference/cpu-runtime
mkdir -p "$dest/build/Release"
printf '{ "name": "@kiln-inference/cpu-runtime", "main": "index.js" }\n' > "$dest/package.json"
echo 'module.exports = {};' > "$dest/index.js"
for pkg in core cuda-runtime; do
  dest=$out/bundle/node_modules/@kiln-inference/$pkg
  mkdir -p "$dest/build/Release"
  cp "packages/$pkg/package.json" "$dest/"
  cp -r "packages/$pkg/dist" "$dest/"
done
[ -f packages/cpu-runtime/build/Release/kiln_cpu.node ] && cp packages/cpu-runtime/build/Release/kiln_cpu.node "$out/bundle/node_modules/@kiln-inference/cpu-runtime/build/Release/"
# Native sources and the headers cmake-js would have supplied.
mkdir -p "$out/native/headers/node-api" "$out/native/headers/node-addon-api"
cp -r native/CMakeLists.txt native/common native/cuda native/cpu "$out/native/"
napi_headers=$(dirname "$(find node_modules/.pnpm -path '*node-api-headers/include/node_api.h' | head -n 1)")
addon_api=$(dirname "$(find node_modules/.pnpm -path '*node-addon-api/napi.h' | head -n 1)")
cp "$napi_headers"/*.h "$out/native/headers/node-api/"
cp "$addon_api"/napi.h "$addon_api"/napi-inl.h "$addon_api"/napi-inl.deprecated.h "$out/native/headers/node-addon-api/" 2>/dev/null || cp "$addon_api"/napi*.h "$out/native/headers/node-addon-api/"
cp tools/gpu-bundle/build-native.sh "$out/build-native.sh"
# The corpus model the backend test runs (KILN_CORPUS=.gpu/corpus on the host), when present.
corpus=${KILN_CORPUS:-../shared/corpus}
for model in onnx-models/paddleocr-ppocrv4-det/ch_PP-OCRv4_det_infer.onnx tf/tfjs/models/facemesh.json tf/tfjs/models/facemesh.bin \
  tf/tfjs/models/movenet-lightning.json tf/tfjs/models/movenet-lightning.bin; do
  if [ -f "$corpus/$model" ]; then mkdir -p "$out/corpus/$(dirname $model)" && cp "$corpus/$model" "$out/corpus/$model"; fi
done
# The fuzzer's corpus seeds (tools/fuzz/src/targets: graphdef, savedmodel, uff, and the small
# ONNX node tests, picked by position in the folder listing, so every test folder is kept).
if [ -d "$corpus/onnx-backend/node" ]; then
  for f in tf/frozen/tf2onnx-regression-graphdef-frozen.pb uff/tensorrt-sample-lenet5.uff; do
    [ -f "$corpus/$f" ] && mkdir -p "$out/corpus/$(dirname "$f")" && cp "$corpus/$f" "$out/corpus/$f"
  done
  mkdir -p "$out/corpus/tf/savedmodel/half_plus_two"
  cp -r "$corpus/tf/savedmodel/half_plus_two/00000123" "$out/corpus/tf/savedmodel/half_plus_two/"
  for d in "$corpus"/onnx-backend/node/*/; do
    name=$(basename "$d")
    mkdir -p "$out/corpus/onnx-backend/node/$name"
    m="$d/model.onnx"
    if [ -f "$m" ] && [ "$(stat -c %s "$m")" -le 4096 ]; then cp "$m" "$out/corpus/onnx-backend/node/$name/"; fi
  done
fi
du -sh "$out"
