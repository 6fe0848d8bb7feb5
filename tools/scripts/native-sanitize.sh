#!/usr/bin/env bash
# Builds kiln_cpu.node with AddressSanitizer + UndefinedBehaviorSanitizer (into
# packages/cpu-runtime/build-asan, leaving the normal build alone), runs the native CPU tests
# against it, then the seeded short fuzz run. Exits non-zero on a failed build, a failed test, a
# bad fuzz outcome, or any sanitizer report, even one from a child process whose failure a test
# tolerated (every report also goes to a log file).
#
#   tools/scripts/native-sanitize.sh            build, then run the tests
#   KILN_SANITIZE_SKIP_BUILD=1 tools/...        reuse an existing build-asan
#
# node itself is not instrumented: the ASan runtime is preloaded, leak checking is off (V8's
# allocations would all look leaked), and V8's own SIGSEGV handling is left in place.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

addon="$root/packages/cpu-runtime/build-asan/Release/kiln_cpu.node"
if [[ "${KILN_SANITIZE_SKIP_BUILD:-}" != 1 ]]; then
  flock /tmp/kiln-native.lock node native/scripts/build-addon.mjs cpu --sanitize
fi
[[ -f "$addon" ]] || { echo "native-sanitize: $addon is missing" >&2; exit 1; }

asan_runtime="$(g++ -print-file-name=libasan.so)"
[[ -f "$asan_runtime" ]] || { echo "native-sanitize: libasan.so not found (g++ -print-file-name)" >&2; exit 1; }

logs="$(mktemp -d -t kiln-sanitize.XXXXXX)"
export KILN_CPU_NATIVE_PATH="$addon"
# Only kiln_cpu is instrumented (it holds native/common's reader and validator too). The normal
# kiln_cuda.node links its own hidden libstdc++, whose operator delete the preloaded ASan runtime
# does not intercept, so loading it here reports alloc-dealloc mismatches that are not ours; its
# parser tests run in the unit tests. A path that does not exist makes them skip here.
export KILN_CUDA_NATIVE_PATH="$logs/no-kiln_cuda.node"
export KILN_REQUIRE_NATIVE=1
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:handle_segv=0:allow_user_segv_handler=1:detect_odr_violation=0:log_path=$logs/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan"

# The native tests: every op and tactic on random, edge and zero-size shapes, the standalone
# sgemm/conv2d entry points, and addon lifetime across Worker threads in fresh processes.
tests=(
  packages/cpu-runtime/test/native-sgemm.test.ts
  packages/cpu-runtime/test/native-conv2d.test.ts
  packages/cpu-runtime/test/native-program
  packages/cpu-runtime/test/native-addon-lifetime.test.ts
)

# Under ASan every fresh node process takes seconds to start: 6 lifetime processes, not 20.
export KILN_LIFETIME_PROCESSES="${KILN_LIFETIME_PROCESSES:-6}"

started=$SECONDS
status=0
LD_PRELOAD="$asan_runtime" node node_modules/vitest/vitest.mjs run --project unit "${tests[@]}" || status=$?

# The seeded short fuzz run (every target; Programs and feeds reach the sanitized addon).
mkdir -p out/ci
LD_PRELOAD="$asan_runtime" pnpm fuzz --short --json out/ci/fuzz.json --report-md out/ci/fuzz.md || status=$?

if compgen -G "$logs/*" >/dev/null; then
  echo "native-sanitize: sanitizer reports:" >&2
  cat "$logs"/* >&2
  status=1
fi
rm -rf "$logs"
echo "native-sanitize: $([[ $status == 0 ]] && echo clean || echo FAILED) in $((SECONDS - started))s of tests"
exit "$status"
