#!/usr/bin/env bash
# Installs the Debian packages tenet needs to build, test and run its examples.
# Does nothing (and needs no network) when they are all installed already.
set -euo pipefail

packages=(
  cmake g++ make
  clang-14 libclang-rt-14-dev   # the clang, fuzz and tsan stages of run-tests (libFuzzer, sanitizer runtimes)
  clang-format-14               # the release stage checks the formatting (scripts/check-format)
  libboost-dev libxsimd-dev libtbb-dev catch2
  zlib1g-dev libpng-dev libbenchmark-dev
  dataset-fashion-mnist
  qemu-user                     # an emulated CPU without AVX-512 for the ISA dispatch test
  nodejs npm
)

# Packages also satisfied by a command on PATH: machines whose Node.js comes from
# NodeSource ship npm inside their `nodejs` package, which conflicts with
# Debian's `npm` package (installing it would fail).
declare -A provided_by_command=([nodejs]=node [npm]=npm)

is_installed() {
  local status
  status="$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]] && return 0
  local cmd="${provided_by_command[$1]:-}"
  [[ -n "$cmd" ]] && command -v "$cmd" >/dev/null 2>&1
}

missing=()
for p in "${packages[@]}"; do
  if ! is_installed "$p"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: missing: ${missing[*]}"
if [[ "$(id -u)" -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps: not root and no sudo; please install as root:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

"${as_root[@]}" apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
