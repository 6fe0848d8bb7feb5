#!/bin/sh
# Builds the standalone program benchmark (no Node.js needed): sh native/cpu/bench/build.sh [out]
set -e
dir=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$dir/../../packages/cpu-runtime/build/program_bench}
mkdir -p "$(dirname "$out")"
g++ -O3 -std=c++17 -pthread -I"$dir/../common/include" "$dir/bench/program_bench.cpp" "$dir"/src/program/*.cpp \
  "$dir/../common/src/program_op_table.cpp" \
  "$dir"/src/activation.cpp "$dir"/src/cpu_features.cpp "$dir"/src/thread_pool.cpp "$dir"/src/micro_kernel_*.cpp \
  "$dir"/src/gemm_packing.cpp "$dir"/src/sgemm.cpp "$dir"/src/conv2d.cpp "$dir"/src/depthwise_conv2d.cpp \
  -static-libstdc++ -static-libgcc -o "$out"
echo "built $out"
