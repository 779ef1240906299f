# Cross-compiles tenet for 64-bit ARM (aarch64, NEON) on a Debian x86_64 host, with Debian's
# g++-aarch64-linux-gnu against the arm64 packages installed beside the host's (multiarch:
# libraries in /usr/lib/aarch64-linux-gnu, headers in /usr/include). Runs what it builds
# through qemu-aarch64, so `ctest` runs the unit tests as if on an ARM machine.
#
#   cmake -S . -B build/aarch64 --toolchain cmake/toolchains/aarch64-linux-gnu.cmake
#
# scripts/run-aarch64-tests installs the packages, configures, builds and tests with it.
# Debian's catch2 cannot be installed for both architectures at once (it is Multi-Arch:
# foreign), so the unit tests need an arm64 Catch2 on CMAKE_PREFIX_PATH ahead of the host's
# /usr/lib/cmake/Catch2, whose libCatch2WithMain.a is x86_64; the script unpacks one.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# Debian's multiarch directory for arm64: find_package and find_library look in
# /usr/lib/aarch64-linux-gnu (and its cmake/ configs) instead of the host's x86_64 one.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# The loader and libc of the arm64 packages (libc6:arm64) are at their native paths
# (/lib/ld-linux-aarch64.so.1, /usr/lib/aarch64-linux-gnu), so qemu needs no -L prefix;
# a prefix would pair the cross toolchain's loader with libc6:arm64's libc.
find_program(TENET_QEMU_AARCH64 qemu-aarch64)
if(TENET_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${TENET_QEMU_AARCH64}")
endif()
