#!/usr/bin/env bash
# Compile time of every example (examples/*.cpp) and unit-test TU (tests/unit/*.cpp), one at a
# time (one job), wall seconds from /usr/bin/time -f %e, with exactly the command CMake uses
# (read from <build-dir>/compile_commands.json; the object goes to a scratch directory, so the
# build tree is untouched).
#
#   bench/compile_time.sh [--quick] <build-dir> <out.csv>
#
# The build directory must be configured with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON and with
# tests and examples enabled (tenet's defaults at top level). --quick times only the first
# example and the first unit-test TU (to check that the script works).
# Output CSV: kind,file,seconds,status (status ok, or the compiler's exit code).
set -euo pipefail

quick=0
if [[ "${1:-}" == "--quick" ]]; then
  quick=1
  shift
fi
if [[ $# -ne 2 ]]; then
  echo "usage: $0 [--quick] <build-dir> <out.csv>" >&2
  exit 2
fi
build_dir=$(cd "$1" && pwd)
out=$2
[[ -f "$build_dir/compile_commands.json" ]] || {
  echo "compile_time.sh: $build_dir/compile_commands.json is missing (configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)" >&2
  exit 1
}
[[ -x /usr/bin/time ]] || { echo "compile_time.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

source_dir=$(cd "$(dirname "$0")/.." && pwd)

python3 - "$build_dir" "$out" "$quick" "$source_dir" <<'EOF'
import csv, json, os, shlex, subprocess, sys, tempfile

build_dir, out, quick, source_dir = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4]
entries = json.load(open(os.path.join(build_dir, "compile_commands.json")))

def kind_of(path):
    parts = path.replace("\\", "/").split("/")
    if len(parts) >= 2 and parts[-2] == "examples" and path.endswith(".cpp"):
        return "example"
    if len(parts) >= 3 and parts[-3] == "tests" and parts[-2] == "unit" and path.endswith(".cpp"):
        return "unit test"
    return None

jobs = {}
for e in entries:
    k = kind_of(e["file"])
    if k:
        jobs.setdefault(k, []).append(e)
rows = []
with tempfile.TemporaryDirectory(prefix="tenet-compile-time-") as scratch:
    for kind in ("example", "unit test"):
        todo = sorted(jobs.get(kind, []), key=lambda e: e["file"])
        if quick:
            todo = todo[:1]
        for e in todo:
            args = e["arguments"] if "arguments" in e else shlex.split(e["command"])
            args = list(args)
            # object into the scratch directory; no dependency files
            obj = os.path.join(scratch, "out.o")
            clean = []
            skip = 0
            for i, a in enumerate(args):
                if skip:
                    skip -= 1
                    continue
                if a == "-o":
                    clean += ["-o", obj]
                    skip = 1
                elif a in ("-MT", "-MF", "-MQ"):
                    skip = 1
                elif a in ("-MD", "-MMD"):
                    continue
                else:
                    clean.append(a)
            timing = os.path.join(scratch, "time.txt")
            rel = os.path.relpath(e["file"], source_dir)
            print(f"compile_time: {rel} ...", end="", flush=True, file=sys.stderr)
            r = subprocess.run(["/usr/bin/time", "-f", "%e", "-o", timing] + clean, cwd=e["directory"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            seconds = open(timing).read().strip().splitlines()[-1] if os.path.exists(timing) else ""
            status = "ok" if r.returncode == 0 else f"exit {r.returncode}"
            print(f" {seconds} s ({status})", file=sys.stderr)
            rows.append([kind, rel, seconds, status])
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["kind", "file", "seconds", "status"])
    w.writerows(rows)
EOF
