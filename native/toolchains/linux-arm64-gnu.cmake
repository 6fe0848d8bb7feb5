# Cross-compiles the addons for linux-arm64 (glibc) with GCC's aarch64-linux-gnu cross compiler:
#   node native/scripts/build-addon.mjs cpu --toolchain native/toolchains/linux-arm64-gnu.cmake
# KILN_CROSS_ROOT (environment) names a folder holding the cross compiler and the target's C
# library as Debian lays them out (usr/bin, usr/aarch64-linux-gnu): Debian's cross packages
# extracted there without installing them (docs/packaging-natives.md). Unset: the system's.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(KILN_CROSS_ROOT "$ENV{KILN_CROSS_ROOT}")
find_program(KILN_CROSS_CC NAMES aarch64-linux-gnu-gcc aarch64-linux-gnu-gcc-12 HINTS ${KILN_CROSS_ROOT}/usr/bin REQUIRED)
find_program(KILN_CROSS_CXX NAMES aarch64-linux-gnu-g++ aarch64-linux-gnu-g++-12 HINTS ${KILN_CROSS_ROOT}/usr/bin REQUIRED)
set(CMAKE_C_COMPILER ${KILN_CROSS_CC})
set(CMAKE_CXX_COMPILER ${KILN_CROSS_CXX})
if(KILN_CROSS_ROOT)
  # The libc linker scripts name /usr/aarch64-linux-gnu/...; the sysroot moves them under the root.
  set(CMAKE_SYSROOT ${KILN_CROSS_ROOT})
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
