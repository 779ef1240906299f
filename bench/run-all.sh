#!/usr/bin/env bash
# Builds and runs every benchmark, measures compile times, and writes docs/benchmarks.md with
# its charts (docs/benchmarks-networks.png, docs/benchmarks-layers.png).
#
#   bench/run-all.sh            the measurement: run it on an otherwise idle machine
#                               (about 20-30 minutes on the 2-core development machine)
#   bench/run-all.sh --repetitions N   N repetitions of each benchmark instead of 6
#   bench/run-all.sh --quick    checks the whole pipeline in a few minutes: 1 repetition,
#                               --benchmark_min_time=0.01, compile time of 2 files only.
#                               Its numbers are not measurements.
# Options: --no-install   do not apt-get the optional peers' packages
#          --jobs N       build jobs (default: nproc)
#
# After the README's set-up (scripts/install-deps.sh), this one command does everything:
#   1. installs the peers' Debian packages if missing (libdnnl-dev: oneDNN; libtorch-dev:
#      LibTorch; libopenblas0-openmp: an optimized BLAS for LibTorch, whose default through
#      libblas.so.3 is the much slower reference BLAS; libxnnpack-dev + libpthreadpool-dev:
#      XNNPACK) — as root, else it says what to run;
#   2. configures a Release build in build/bench (TENET_BUILD_BENCH=ON, compile_commands.json)
#      and builds the benchmark programs (`tenet_bench`); a peer whose package is missing is
#      simply not built, and its columns read "—";
#   3. runs, one after the other in this session: bench_peak, bench_layers, bench_networks
#      (the ISA tenet dispatches to, then TENET_ISA=avx2), bench_peer_onednn (default ISA, then
#      DNNL_MAX_CPU_ISA=AVX2), bench_peer_libtorch (default, then held to AVX2:
#      ATEN_CPU_CAPABILITY=avx2, DNNL_MAX_CPU_ISA=AVX2, OPENBLAS_CORETYPE=Haswell),
#      bench_peer_xnnpack (after its check of its outputs against tenet's, --check), each
#      with --benchmark_repetitions=6 --benchmark_report_aggregates_only=true
#      --benchmark_enable_random_interleaving=true, JSON into
#      build/bench/results/ (console output in build/bench/results/run.log);
#   4. times the compilation of every example and unit-test TU (bench/compile_time.sh);
#   5. runs bench/report.py, which writes docs/benchmarks.md and the charts.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
quick=0
install=1
repetitions=6
jobs=$(nproc)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --no-install) install=0 ;;
    --jobs) jobs=$2; shift ;;
    --repetitions) repetitions=$2; shift ;;
    -h|--help) sed -n '2,30p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "run-all.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

build="$root/build/bench"
results="$build/results"
bin="$build/bench"
say() { printf '\n== %s\n' "$*"; }

# --- 1. packages ---------------------------------------------------------------------------------
is_installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]; }
need=(libbenchmark-dev time python3)           # what the benchmarks themselves need
# ocl-icd-opencl-dev: Debian's oneDNN is built with an OpenCL GPU runtime and its CMake config
# requires the OpenCL development files, which libdnnl-dev only recommends.
optional=(libdnnl-dev ocl-icd-opencl-dev libtorch-dev libopenblas0-openmp libxnnpack-dev libpthreadpool-dev)
missing=()
for p in "${need[@]}"; do is_installed "$p" || missing+=("$p"); done
if [[ $install -eq 1 ]]; then
  for p in "${optional[@]}"; do is_installed "$p" || missing+=("$p"); done
fi
if [[ ${#missing[@]} -gt 0 ]]; then
  say "installing: ${missing[*]}"
  if [[ "$(id -u)" -eq 0 ]]; then as_root=(); elif command -v sudo >/dev/null; then as_root=(sudo); else as_root=(false); fi
  if ! { "${as_root[@]}" apt-get update -qq &&
         "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; }; then
    echo "run-all.sh: could not install ${missing[*]} (as root: apt-get install ${missing[*]});" \
         "continuing with what is there" >&2
  fi
fi

# --- 2. build ------------------------------------------------------------------------------------
say "configuring and building in $build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTENET_BUILD_BENCH=ON -DTENET_BENCH_PEERS=ON \
      -DTENET_BUILD_TESTS=ON -DTENET_BUILD_EXAMPLES=ON -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
cmake --build "$build" --target tenet_bench -j"$jobs"

rm -rf "$results"
mkdir -p "$results"
exec > >(tee -a "$results/run.log") 2>&1

# --- 3. the machine and software ----------------------------------------------------------------
lscpu > "$results/lscpu.txt" || true
date -u '+%Y-%m-%d %H:%M UTC' > "$results/date.txt"
{ c++ --version | head -1; } > "$results/compiler.txt" || true
python3 - "$build/compile_commands.json" > "$results/flags.txt" <<'EOF' || true
import json, shlex, sys
for e in json.load(open(sys.argv[1])):
    if e["file"].endswith("bench/networks.cpp"):
        args = e.get("arguments") or shlex.split(e["command"])
        print(" ".join(a for a in args[1:] if a.startswith(("-O", "-m", "-std", "-W", "-DNDEBUG", "-f"))))
EOF
if [[ $quick -eq 1 ]]; then
  bench_args=(--benchmark_min_time=0.01 --benchmark_repetitions=1)
  echo "quick mode: 1 repetition, min_time 0.01 s (not a measurement)" > "$results/run.txt"
else
  # Random interleaving: the repetitions of every benchmark of a program run in a random
  # order among the others', so that a slow spell of the machine (its speed moves by ~20 %
  # from hour to hour) lands on all of them alike instead of on the few that ran in it: the
  # ratios within a program (2 threads vs 1, specialized vs generic) are then measured side by
  # side. Two runs before this had one thread-scaling ratio at 1.65x and another at 2.37x.
  bench_args=(--benchmark_repetitions="$repetitions" --benchmark_report_aggregates_only=true
              --benchmark_enable_random_interleaving=true)
  echo "$repetitions repetitions of each benchmark, randomly interleaved within each program (default min_time 0.5 s)" > "$results/run.txt"
fi
load=$(cut -d' ' -f1 /proc/loadavg)
if awk "BEGIN { exit !($load > 0.5) }"; then
  echo "run-all.sh: WARNING: load average $load — the machine is not idle; the numbers will show it" >&2
fi

# --- 4. benchmarks -------------------------------------------------------------------------------
run() {  # run <json-name> <program> [env assignments...]
  local name=$1 program=$2
  shift 2
  if [[ ! -x "$bin/$program" ]]; then
    echo "run-all.sh: $program was not built, skipped"
    return 0
  fi
  say "$program ${*:-}"
  local before after
  before=$(cpu_jiffies)
  env "$@" "$bin/$program" "${bench_args[@]}" --benchmark_out="$results/$name.json" --benchmark_out_format=json ||
    echo "run-all.sh: $program failed (exit $?), continuing"
  after=$(cpu_jiffies)
  # the share of CPU time the hypervisor gave to other guests while this program ran (a
  # virtual machine's CPUs are shared: a 2-thread run with the second CPU taken shows it)
  echo "$name $before $after" | awk '{ printf "%s %.1f\n", $1, ($4 - $2) * 100 / (($5 - $3) > 0 ? ($5 - $3) : 1) }' \
    >> "$results/steal.txt"
}
cpu_jiffies() {  # "steal total" jiffies of all CPUs, from /proc/stat
  awk '/^cpu / { t = 0; for (i = 2; i <= 9; ++i) t += $i; print $9, t }' /proc/stat
}
: > "$results/steal.txt"
# the code measured: the commit, "-dirty" when the working tree had uncommitted changes
git -C "$root" describe --always --dirty > "$results/commit.txt" 2>/dev/null || echo "not a git checkout" > "$results/commit.txt"
run peak bench_peak
run layers bench_layers
run networks bench_networks
# the AVX2 tier: the same networks pinned to AVX2 (on a CPU without AVX-512 both runs are AVX2)
run networks_avx2 bench_networks TENET_ISA=avx2
if [[ -x "$bin/bench_peer_onednn" ]]; then
  # which implementations (and ISA) oneDNN picks: one short verbose pass, not timed
  for isa in default AVX2; do
    out="$results/onednn_impls.txt"
    extra=()
    if [[ $isa == AVX2 ]]; then out="$results/onednn_avx2_impls.txt"; extra=(DNNL_MAX_CPU_ISA=AVX2 ONEDNN_MAX_CPU_ISA=AVX2); fi
    env "${extra[@]}" DNNL_VERBOSE=1 "$bin/bench_peer_onednn" --benchmark_min_time=0 \
        --benchmark_filter='(infer_b1|train_b32/threads:1)' 2>/dev/null |
      awk -F, '/^(dnnl|onednn)_verbose,(info,cpu,isa|exec,cpu)/ {
                 if ($2 == "info") { s = $0; sub(/.*isa:/, "", s); print "ISA: " s }
                 else print $4 " " $5 " " $6 }' | sort -u > "$out" || true
  done
fi
run peer_onednn bench_peer_onednn
run peer_onednn_avx2 bench_peer_onednn DNNL_MAX_CPU_ISA=AVX2 ONEDNN_MAX_CPU_ISA=AVX2
if [[ -x "$bin/bench_peer_libtorch" ]]; then
  {
    for lib in libblas.so.3 liblapack.so.3; do
      resolved=$(ldd "$bin/bench_peer_libtorch" | awk -v l="$lib" '$1 == l { print $3 }')
      [[ -n "$resolved" ]] && echo "$lib -> $(readlink -f "$resolved")"
    done
  } > "$results/blas.txt" || true
  say "LibTorch resolves its BLAS to:"
  cat "$results/blas.txt"
  grep -q openblas "$results/blas.txt" ||
    echo "run-all.sh: WARNING: LibTorch uses the reference BLAS; install libopenblas0-openmp for fair numbers" >&2
  # its start-up report (threads, parallel backend) goes to stderr: keep a copy
  "$bin/bench_peer_libtorch" --benchmark_filter='^$' 2> "$results/libtorch_info.txt" >/dev/null || true
fi
run peer_libtorch bench_peer_libtorch
# LibTorch held to AVX2 for the AVX2 tier: ATen's own vectorized kernels, the system oneDNN it
# links (libdnnl.so.2, its convolutions) and OpenBLAS (read by a DYNAMIC_ARCH build: Haswell = AVX2)
run peer_libtorch_avx2 bench_peer_libtorch ATEN_CPU_CAPABILITY=avx2 DNNL_MAX_CPU_ISA=AVX2 ONEDNN_MAX_CPU_ISA=AVX2 \
    OPENBLAS_CORETYPE=Haswell
if [[ -x "$bin/bench_peer_xnnpack" ]]; then
  # its outputs against tenet's on the same weights; the timed run repeats the check and
  # refuses to time a network that fails it
  say "bench_peer_xnnpack --check"
  "$bin/bench_peer_xnnpack" --check 2>&1 | tee "$results/xnnpack_check.txt" ||
    echo "run-all.sh: bench_peer_xnnpack --check FAILED: XNNPACK is left out of the report"
fi
run peer_xnnpack bench_peer_xnnpack

# --- 5. compile times ----------------------------------------------------------------------------
say "compile times"
if [[ $quick -eq 1 ]]; then
  "$root/bench/compile_time.sh" --quick "$build" "$results/compile_times.csv" || echo "run-all.sh: compile_time.sh failed"
else
  "$root/bench/compile_time.sh" "$build" "$results/compile_times.csv" || echo "run-all.sh: compile_time.sh failed"
fi

# --- 6. report -----------------------------------------------------------------------------------
say "report"
report_args=(--results "$results" --out "$root/docs/benchmarks.md" --chart-tool "$bin/bench_chart")
[[ $quick -eq 1 ]] && report_args+=(--quick)
python3 "$root/bench/report.py" "${report_args[@]}"
echo "run-all.sh: done: docs/benchmarks.md (raw results in ${results#"$root"/})"
