#!/usr/bin/env bash
# Builds kiln_cuda.node on a GPU host from the bundle's sources with plain cmake (no Node, no
# registry): cuDNN is taken from CUDNN_ROOT or, when unset, from the nvidia-cudnn wheel of the
# python3 there (PyTorch's); cuBLASLt from the CUDA toolkit. CUDA_ARCH picks the architectures
# (default: the GPUs present, "native"). The addon lands where the bundled loaders look.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${KILN_BUILD_DIR:-/tmp/kiln-cuda-build}
if [ -z "${CUDNN_ROOT:-}" ]; then
  CUDNN_ROOT=$(python3 -c 'import nvidia.cudnn as m; print(m.__path__[0])' 2>/dev/null || true)
  export CUDNN_ROOT
fi
cmake -S "$here/native" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKILN_ADDON=cuda \
  -DCMAKE_JS_INC="$here/native/headers/node-api" -DKILN_NODE_ADDON_API_DIR="$here/native/headers/node-addon-api" \
  -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCH:-native}" > "$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
grep -E "kiln_cuda:" "$build.configure.log" || true
cmake --build "$build" --target kiln_cuda -j "$(nproc)"
dest=$here/bundle/node_modules/@kiln-inference/cuda-runtime/build/Release
mkdir -p "$dest"
cp "$build/cuda/kiln_cuda.node" "$dest/"
echo "kiln: built $dest/kiln_cuda.node"
