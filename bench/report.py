#!/usr/bin/env python3
"""Writes docs/benchmarks.md (and its two bar charts) from the results bench/run-all.sh collects.

    bench/report.py --results build/bench/results --out docs/benchmarks.md \
                    [--chart-tool build/bench/bench/bench_chart] [--quick]

Reads from the results directory (every file optional; a missing one gives "—"):
  peak.json, layers.json, networks.json          tenet's Google Benchmark JSON output
  peer_onednn.json, peer_onednn_avx2.json        oneDNN, default ISA and DNNL_MAX_CPU_ISA=AVX2
  peer_libtorch.json                             LibTorch
  compile_times.csv                              bench/compile_time.sh
  lscpu.txt, compiler.txt, flags.txt, date.txt, blas.txt, libtorch_info.txt,
  onednn_impls.txt, onednn_avx2_impls.txt, run.txt   written by run-all.sh
Every figure is the median over the repetitions; the spread is the coefficient of variation
(cv) of the time and, in the appendix, its min..max. Rates are recomputed from the median
real time and the per-iteration work the benchmarks report (flops_per_iter, images_per_iter).
Standard library only.
"""

import argparse
import csv
import json
import math
import os
import re
import subprocess
import sys

NOMINAL_PEAK = 99.6  # GFLOP/s per core, bench/common.hpp
DASH = "—"

# (column title, results file, name prefix in that file)
FRAMEWORKS = [
    ("tenet", "networks.json", "tenet"),
    ("oneDNN", "peer_onednn.json", "onednn"),
    ("oneDNN AVX2", "peer_onednn_avx2.json", "onednn"),
    ("LibTorch", "peer_libtorch.json", "libtorch"),
]
PEERS = ["oneDNN", "LibTorch"]  # the targets compare with these (oneDNN at its default ISA)
NETWORKS = [("seed", "seed CNN"), ("lenet", "LeNet-5"), ("deep", "deep CNN")]
TIME_SCALE = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


# ------------------------------------------------------------------------------------------------
# Reading results
# ------------------------------------------------------------------------------------------------

class Run:
    """One benchmark: median/min/max seconds per iteration, cv, counters, label."""

    def __init__(self):
        self.median = self.min = self.max = self.cv = None
        self.counters = {}
        self.label = ""
        self.error = None
        self.repetitions = 1

    def counter(self, key, default=None):
        return self.counters.get(key, default)


def base_name(run_name):
    return run_name.replace("/real_time", "")


def load_json(path):
    """{name: Run} and the JSON context, or ({}, None) when the file is missing or broken."""
    if not os.path.exists(path):
        return {}, None
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        print(f"report.py: cannot read {path}: {e}", file=sys.stderr)
        return {}, None
    runs = {}
    skip = {"name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
            "repetition_index", "threads", "aggregate_name", "aggregate_unit", "iterations", "real_time",
            "cpu_time", "time_unit", "label", "error_occurred", "error_message", "bytes_per_second",
            "items_per_second"}
    for b in data.get("benchmarks", []):
        name = base_name(b.get("run_name", b["name"]))
        r = runs.setdefault(name, Run())
        if b.get("error_occurred"):
            r.error = b.get("error_message", "error")
            continue
        scale = TIME_SCALE.get(b.get("time_unit", "ns"), 1e-9)
        counters = {k: v for k, v in b.items() if k not in skip and isinstance(v, (int, float))}
        if "bytes_per_second" in b:
            counters["bytes_per_second"] = b["bytes_per_second"]
        if b.get("label"):
            r.label = b["label"]
        if b.get("run_type") == "aggregate":
            agg = b.get("aggregate_name")
            r.repetitions = b.get("repetitions", r.repetitions)
            if agg == "median":
                r.median = b["real_time"] * scale
                r.counters = counters
            elif agg == "min":
                r.min = b["real_time"] * scale
            elif agg == "max":
                r.max = b["real_time"] * scale
            elif agg == "cv":
                r.cv = b["real_time"]  # a fraction
        else:  # a single repetition: no aggregates
            if r.median is None:
                r.median = r.min = r.max = b["real_time"] * scale
                r.counters = counters
    for r in runs.values():
        if r.median is None and r.error is None:
            r.error = "no median"
    return runs, data.get("context")


def read_text(results, name):
    path = os.path.join(results, name)
    if not os.path.exists(path):
        return ""
    with open(path, errors="replace") as f:
        return f.read().strip()


# ------------------------------------------------------------------------------------------------
# Formatting
# ------------------------------------------------------------------------------------------------

def fmt_num(v, digits=3):
    """3 significant digits, with k/M for large numbers."""
    if v is None or (isinstance(v, float) and (math.isnan(v) or math.isinf(v))):
        return DASH
    a = abs(v)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= limit:
            return fmt_num(v / limit, digits) + suffix
    if a == 0:
        return "0"
    decimals = max(0, digits - 1 - int(math.floor(math.log10(a))))
    return f"{v:.{decimals}f}"


def fmt_time(seconds):
    if seconds is None:
        return DASH
    if seconds < 1e-3:
        return f"{fmt_num(seconds * 1e6)} µs"
    if seconds < 1:
        return f"{fmt_num(seconds * 1e3)} ms"
    return f"{fmt_num(seconds)} s"


def fmt_cv(cv):
    return "" if cv is None else f" ±{cv * 100:.1f}%"


def fmt_ratio(v):
    return DASH if v is None else f"{v:.2f}×"


def fmt_pct(v):
    return DASH if v is None else f"{v * 100:.0f}%"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        out.append("| " + " | ".join(str(c) for c in row) + " |")
    return "\n".join(out)


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


# ------------------------------------------------------------------------------------------------
# The report
# ------------------------------------------------------------------------------------------------

class Report:
    def __init__(self, results, quick):
        self.results = results
        self.quick = quick
        self.contexts = {}
        self.fw = {}  # framework title -> {name: Run}
        for title, file, _ in FRAMEWORKS:
            self.fw[title], self.contexts[title] = load_json(os.path.join(results, file))
        self.layers, self.contexts["layers"] = load_json(os.path.join(results, "layers.json"))
        self.peak_runs, self.contexts["peak"] = load_json(os.path.join(results, "peak.json"))

    # --- peak -----------------------------------------------------------------------------------
    def peak(self, isa="avx2", threads=1):
        r = self.peak_runs.get(f"peak/{isa}_fma/threads:{threads}")
        if r is None or r.error:
            return None
        return r.counter("GFLOPS")

    def peak_for(self, threads):
        """The peak a run on `threads` cores is compared with: measured, else nominal."""
        measured = self.peak("avx2", threads)
        return measured if measured else NOMINAL_PEAK * threads

    # --- networks -------------------------------------------------------------------------------
    def net_run(self, fw, net, task, threads):
        prefix = dict((t, p) for t, _, p in FRAMEWORKS)[fw]
        r = self.fw[fw].get(f"{prefix}/{net}/{task}/threads:{threads}")
        return None if r is None or r.error else r

    def images_per_s(self, fw, net, task, threads):
        r = self.net_run(fw, net, task, threads)
        return None if r is None else r.counter("images_per_iter", 1) / r.median

    def latency(self, fw, net):
        r = self.net_run(fw, net, "infer_b1", 1)
        return None if r is None else r.median

    def gflops(self, r):
        return None if r is None or not r.counter("flops_per_iter") else r.counter("flops_per_iter") / r.median / 1e9

    def net_peak_frac(self, fw, net, task, threads):
        g = self.gflops(self.net_run(fw, net, task, threads))
        return None if g is None else g / self.peak_for(threads)

    def cell_rate(self, fw, net, task, threads):
        r = self.net_run(fw, net, task, threads)
        if r is None:
            return DASH
        return fmt_num(r.counter("images_per_iter", 1) / r.median) + fmt_cv(r.cv)

    def cell_latency(self, fw, net):
        r = self.net_run(fw, net, "infer_b1", 1)
        return DASH if r is None else fmt_time(r.median) + fmt_cv(r.cv)

    def present(self, fw):
        return bool(self.fw.get(fw))

    # --- layers ---------------------------------------------------------------------------------
    def layer(self, name):
        r = self.layers.get(name)
        return None if r is None or r.error else r

    def layer_gflops(self, name):
        return self.gflops(self.layer(name))

    # ---------------------------------------------------------------------------------------------
    def machine_section(self):
        lscpu = read_text(self.results, "lscpu.txt")
        fields = {}
        for line in lscpu.splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                fields[k.strip()] = v.strip()
        flags = set(fields.get("Flags", "").split())
        model = fields.get("Model name", DASH)
        family, model_no = fields.get("CPU family", "?"), fields.get("Model", "?")
        lines = ["## Machine and software", ""]
        lines.append(f"- **Run**: {read_text(self.results, 'date.txt') or DASH}; "
                     f"{read_text(self.results, 'run.txt') or DASH}")
        lines.append(f"- **CPU**: {model} (family {family}, model {model_no}), "
                     f"{fields.get('CPU(s)', '?')} logical CPUs, {fields.get('Core(s) per socket', '?')} cores per socket, "
                     f"{fields.get('Thread(s) per core', '?')} thread(s) per core"
                     + (f", {fields['Hypervisor vendor']} guest" if "Hypervisor vendor" in fields else ""))
        has = lambda f: "yes" if f in flags else "no"
        lines.append(f"- **ISA flags**: avx2 {has('avx2')}, fma {has('fma')}, avx512f {has('avx512f')} "
                     "(tenet's kernels use AVX2 + FMA: `-march=x86-64-v3`; oneDNN uses the best ISA present "
                     "unless capped, hence the *oneDNN AVX2* column)")
        p1, p2 = self.peak("avx2", 1), self.peak("avx2", 2)
        q1, q2 = self.peak("avx512", 1), self.peak("avx512", 2)
        lines.append(f"- **FMA peak**: nominal {NOMINAL_PEAK} GFLOP/s per core; measured (bench_peak, AVX2 "
                     f"`vfmadd` chains) {fmt_num(p1)} GFLOP/s on 1 thread, {fmt_num(p2)} on 2; AVX-512: "
                     f"{fmt_num(q1)} / {fmt_num(q2)}. *% of peak* below is of the measured AVX2 peak for the "
                     "threads used (of the nominal one when the measurement is missing).")
        commit = read_text(self.results, "commit.txt")
        if commit:
            lines.append(f"- **Code measured**: commit `{commit}`" + (" (with uncommitted changes)" if commit.endswith("-dirty") else ""))
        lines.append(f"- **Compiler**: {read_text(self.results, 'compiler.txt') or DASH}; flags: "
                     f"`{read_text(self.results, 'flags.txt') or DASH}`")
        ctx = self.contexts.get("peak") or self.contexts.get("tenet") or {}
        if ctx:
            lines.append(f"- **Google Benchmark**: library build type \"{ctx.get('library_build_type', '?')}\" "
                         "(Debian's package; it affects the harness only, not the timed code); "
                         f"CPU reported at {ctx.get('mhz_per_cpu', '?')} MHz")
        loads = []
        for key in ["peak", "layers"] + [t for t, _, _ in FRAMEWORKS]:
            c = self.contexts.get(key)
            if c and c.get("load_avg"):
                loads.append(f"{key} {c['load_avg'][0]:.2f}")
        if loads:
            lines.append("- **Load average** (1 min) when each program started: " + ", ".join(loads)
                         + " (about 1 from the program before it, which had just kept one CPU busy)")
        steal = [l.split() for l in read_text(self.results, "steal.txt").splitlines() if len(l.split()) == 2]
        if steal:
            stolen = any(float(pct) > 2.0 for _, pct in steal)
            lines.append("- **Hypervisor steal time** (CPU time this virtual machine's CPUs spent waiting for the host) "
                         "while each program ran: " + ", ".join(f"{name} {pct}%" for name, pct in steal)
                         + (" — **the host took CPU time during the run: the numbers of the programs above 2 % "
                            "are low, and their 2-thread numbers most of all**" if stolen else ""))
        onednn = read_text(self.results, "onednn_impls.txt")
        onednn_avx2 = read_text(self.results, "onednn_avx2_impls.txt")
        if self.present("oneDNN") or onednn:
            lines.append("- **oneDNN**: Debian libdnnl 2.6, OpenMP threads (`omp_set_num_threads` per benchmark); "
                         "implementations it chose (`DNNL_VERBOSE=1`): "
                         + (", ".join(f"`{l}`" for l in onednn.splitlines()) if onednn else DASH))
            if onednn_avx2:
                lines.append("- **oneDNN AVX2** (`DNNL_MAX_CPU_ISA=AVX2`): "
                             + ", ".join(f"`{l}`" for l in onednn_avx2.splitlines()))
        else:
            lines.append("- **oneDNN**: not built (install libdnnl-dev)")
        torch_info = read_text(self.results, "libtorch_info.txt")
        blas = read_text(self.results, "blas.txt")
        if self.present("LibTorch") or torch_info:
            backend = re.search(r"ATen parallel backend: (\S+)", torch_info)
            lines.append("- **LibTorch**: Debian libtorch 1.13, eager mode, threads with `torch::set_num_threads` "
                         f"(ATen parallel backend: {backend.group(1) if backend else '?'}); BLAS: "
                         + ("; ".join(f"`{l}`" for l in blas.splitlines()) if blas else DASH))
        else:
            lines.append("- **LibTorch**: not built (install libtorch-dev)")
        return "\n".join(lines)

    # ---------------------------------------------------------------------------------------------
    def targets_section(self):
        rows = []

        def verdict(value, threshold):
            if value is None:
                return DASH + " (missing)"
            return "met" if value >= threshold else "**not met**"

        # The targets were set on a Zen 3, where oneDNN runs its AVX2 kernels; on a machine with
        # AVX-512 the same run also compares with oneDNN held to AVX2. The status column stays
        # the strict one (oneDNN at its default ISA); the last column is for reading only.
        avx2 = "oneDNN AVX2" if self.present("oneDNN AVX2") else None

        def add(target, measured, goal, value, threshold, avx2_value=None, avx2_text=None):
            rows.append([target, measured, goal, verdict(value, threshold),
                         f"{avx2_text}: {verdict(avx2_value, threshold)}" if avx2_text else ""])

        def against_avx2(ratio_of):
            if not avx2:
                return None, None
            v = ratio_of(avx2)
            return v, fmt_ratio(v)

        for net, title, goal in (("seed", "seed CNN", 3.0), ("lenet", "LeNet-5", 3.0), ("deep", "deep CNN", 1.3)):
            t, o = self.latency("tenet", net), self.latency("oneDNN", net)
            v = ratio(o, t)
            add(f"{title}: batch-1 latency, 1 thread, vs oneDNN",
                f"{fmt_ratio(v)} (tenet {fmt_time(t)}, oneDNN {fmt_time(o)})", f"≥ {goal}×", v, goal,
                *against_avx2(lambda fw: ratio(self.latency(fw, net), t)))
        f = self.net_peak_frac("tenet", "deep", "infer_b1", 1)
        add("deep CNN: batch-1 inference, share of one core's peak", fmt_pct(f), "≥ 70%", f, 0.70)
        for net, title, goal in (("seed", "seed CNN", 1.5), ("lenet", "LeNet-5", 1.5), ("deep", "deep CNN", 1.2)):
            t, o = self.images_per_s("tenet", net, "infer_b64", 2), self.images_per_s("oneDNN", net, "infer_b64", 2)
            v = ratio(t, o)
            add(f"{title}: batch-64 inference, 2 threads, vs oneDNN",
                f"{fmt_ratio(v)} ({fmt_num(t)} vs {fmt_num(o)} img/s)", f"≥ {goal}×", v, goal,
                *against_avx2(lambda fw: ratio(t, self.images_per_s(fw, net, "infer_b64", 2))))
        for net, title in NETWORKS:
            one, two = self.images_per_s("tenet", net, "infer_b64", 1), self.images_per_s("tenet", net, "infer_b64", 2)
            v = ratio(two, one)
            add(f"{title}: batch-64 inference, 2 threads vs 1", fmt_ratio(v), "≥ 1.8×", v, 1.8)
        def faster_peer(peer_titles, net):
            rates = {p: self.images_per_s(p, net, "train_b64", 2) for p in peer_titles}
            rates = {p: r for p, r in rates.items() if r is not None}
            best = max(rates, key=rates.get) if rates else None
            return best, (rates[best] if best else None)

        peers_avx2 = [avx2 if p == "oneDNN" else p for p in PEERS]
        for net, title, goal in (("seed", "seed CNN", 1.5), ("lenet", "LeNet-5", 1.5), ("deep", "deep CNN", 1.3)):
            t = self.images_per_s("tenet", net, "train_b64", 2)
            best, rate = faster_peer(PEERS, net)
            v = ratio(t, rate)
            avx2_best, avx2_rate = faster_peer(peers_avx2, net) if avx2 else (None, None)
            add(f"{title}: training step, batch 64, 2 threads, vs the faster peer",
                f"{fmt_ratio(v)} ({fmt_num(t)} img/s vs {best or DASH} {fmt_num(rate)})", f"≥ {goal}×", v, goal,
                ratio(t, avx2_rate) if avx2 else None,
                f"{fmt_ratio(ratio(t, avx2_rate))} (vs {avx2_best or DASH})" if avx2 else None)
        for i in range(1, 5):
            for direction, word in (("fwd", "forward"), ("bwd", "backward")):
                g = self.layer_gflops(f"conv2d/deep_c{i}/{direction}/specialized")
                f = None if g is None else g / self.peak_for(1)
                add(f"deep CNN conv layer {i}, {word}: share of one core's FMA peak",
                    f"{fmt_pct(f)} ({fmt_num(g)} GFLOP/s)", "≥ 65%", f, 0.65)
        for case in ("seed_c1", "lenet_c1", "lenet_c2", "deep_c1", "deep_c2", "deep_c3", "deep_c4"):
            for direction, word in (("fwd", "forward"), ("bwd", "backward")):
                s, g = self.layer(f"conv2d/{case}/{direction}/specialized"), self.layer(f"conv2d/{case}/{direction}/generic")
                v = ratio(g.median if g else None, s.median if s else None)
                what = (s.label if s else case).replace(" (first layer)", "")
                add(f"conv2d {what}, {word}: specialized vs generic", fmt_ratio(v), "≥ 1.3×", v, 1.3)
        met = sum(1 for r in rows if r[3] == "met")
        missing = sum(1 for r in rows if r[3].startswith(DASH))
        head = (f"{met} of {len(rows)} targets met" + (f", {missing} not measured" if missing else "")
                + ". Ratios are speed-ups of tenet (>1 = tenet faster), from medians.")
        avx2_verdicts = [r[4] for r in rows if r[4]]
        if not avx2_verdicts:
            return "## Targets\n\n" + head + "\n\n" + table(["target", "measured", "goal", "status"],
                                                             [r[:4] for r in rows])
        head += (f" The last column compares the {len(avx2_verdicts)} targets set against a peer with oneDNN held to "
                 f"AVX2 (`DNNL_MAX_CPU_ISA=AVX2`, in the same run), as it ran on the Zen 3 the targets were "
                 f"set on: {sum(1 for a in avx2_verdicts if a.endswith(': met'))} of them met that way (for reading only; "
                 f"the status column and the count above are against oneDNN at its default ISA).")
        return "## Targets\n\n" + head + "\n\n" + table(
            ["target", "measured", "goal", "status", "vs oneDNN held to AVX2"], rows)

    # ---------------------------------------------------------------------------------------------
    def networks_section(self):
        fws = [t for t, _, _ in FRAMEWORKS]
        peers = [t for t in fws if t != "tenet"]
        out = ["## Networks", "",
               "Medians over the repetitions, ± the coefficient of variation of the time. *vs X* is tenet's "
               "speed-up over X (X's time / tenet's time). FLOPs are the network type's `flops` per image "
               "(a training step counts 3 forward passes), the same figure for every library."]

        # batch-1 latency
        rows = []
        for net, title in NETWORKS:
            t = self.latency("tenet", net)
            row = [title] + [self.cell_latency(fw, net) for fw in fws]
            row += [fmt_ratio(ratio(self.latency(p, net), t)) for p in peers]
            row += [fmt_pct(self.net_peak_frac("tenet", net, "infer_b1", 1))]
            rows.append(row)
        out += ["", "### Inference, one image (latency, 1 thread)", "",
                table(["network"] + fws + [f"vs {p}" for p in peers] + ["tenet % peak"], rows)]

        def rate_table(task, threads):
            rows = []
            for net, title in NETWORKS:
                t = self.images_per_s("tenet", net, task, threads)
                row = [title] + [self.cell_rate(fw, net, task, threads) for fw in fws]
                row += [fmt_ratio(ratio(t, self.images_per_s(p, net, task, threads))) for p in peers]
                row += [fmt_pct(self.net_peak_frac("tenet", net, task, threads))]
                rows.append(row)
            return table(["network"] + [f"{fw} img/s" for fw in fws] + [f"vs {p}" for p in peers] + ["tenet % peak"], rows)

        for threads in (1, 2):
            out += ["", f"### Inference, batch of 64 ({threads} thread{'s' if threads > 1 else ''})", "",
                    rate_table("infer_b64", threads)]
        for batch in (64, 32):
            for threads in (1, 2):
                out += ["", f"### Training step, batch {batch} ({threads} thread{'s' if threads > 1 else ''})", "",
                        rate_table(f"train_b{batch}", threads)]

        # scaling
        rows = []
        for net, title in NETWORKS:
            for task, what in (("infer_b64", "inference b64"), ("train_b64", "training b64"), ("train_b32", "training b32")):
                rows.append([title, what] + [fmt_ratio(ratio(self.images_per_s(fw, net, task, 2),
                                                              self.images_per_s(fw, net, task, 1))) for fw in fws])
        out += ["", "### Thread scaling (2 threads / 1 thread)", "", table(["network", "task"] + fws, rows)]

        # fraction of peak, every library
        rows = []
        for net, title in NETWORKS:
            for task, threads, what in (("infer_b1", 1, "inference b1, 1 thr"), ("infer_b64", 1, "inference b64, 1 thr"),
                                        ("infer_b64", 2, "inference b64, 2 thr"), ("train_b64", 1, "training b64, 1 thr"),
                                        ("train_b64", 2, "training b64, 2 thr")):
                cells = []
                for fw in fws:
                    g = self.gflops(self.net_run(fw, net, task, threads))
                    cells.append(DASH if g is None else f"{fmt_num(g)} ({fmt_pct(g / self.peak_for(threads))})")
                rows.append([title, what] + cells)
        out += ["", "### GFLOP/s and share of peak", "",
                "Share of the measured AVX2 FMA peak of the threads used.", "",
                table(["network", "task"] + fws, rows)]

        # memory
        rows = []
        for net, title in NETWORKS:
            r = self.net_run("tenet", net, "infer_b1", 1)
            if r is None:
                rows.append([title] + [DASH] * 5)
                continue
            c = r.counters
            kib = lambda key: DASH if key not in c else f"{c[key] / 1024:.1f} KiB"
            rows.append([title, fmt_num(c.get("param_count")), kib("parameter_bytes"), kib("activation_bytes"),
                         kib("scratch_bytes"), fmt_num(c.get("flops_per_iter"))])
        out += ["", "### Memory per network (tenet, from the type)", "",
                "`parameter_bytes`: all weights and biases (with 64-byte alignment padding); `activation_bytes`: "
                "every layer's output for one image (what training keeps per example); `scratch_bytes`: "
                "the two ping-pong buffers one forward pass needs per thread.", "",
                table(["network", "parameters", "parameter_bytes", "activation_bytes", "scratch_bytes", "FLOPs/image"], rows)]

        # training sanity
        rows = []
        for net, title in NETWORKS:
            for fw in fws:
                r = self.net_run(fw, net, "train_b64", 1)
                if r is not None and r.label:
                    rows.append([title, fw, r.label])
        if rows:
            out += ["", "### Training sanity check", "",
                    "Each training benchmark steps on the same batch again and again; the loss of its first and "
                    "last step (batch 64, 1 thread) shows that every implementation really trains.", "",
                    table(["network", "library", "loss"], rows)]
        return "\n".join(out)

    # ---------------------------------------------------------------------------------------------
    def layers_section(self):
        rows = []
        names = list(dict.fromkeys(n.rsplit("/", 2)[0] for n in self.layers))  # kind/case, in run order
        peak = self.peak_for(1)
        for base in names:
            for direction in ("fwd", "bwd"):
                s = self.layer(f"{base}/{direction}/specialized")
                g = self.layer(f"{base}/{direction}/generic")
                if s is None and g is None:
                    continue
                label = (s or g).label
                speed = ratio(g.median if g else None, s.median if s else None)
                gf = self.gflops(s)
                if gf is not None:
                    perf = f"{fmt_num(gf)} GFLOP/s"
                    share = fmt_pct(gf / peak)
                    nominal = fmt_pct(gf / NOMINAL_PEAK)
                elif s is not None and s.counter("bytes_per_second"):
                    perf = f"{fmt_num(s.counter('bytes_per_second') / 1e9)} GB/s"
                    share = nominal = DASH
                else:
                    perf = share = nominal = DASH
                rows.append([base.split("/")[0], label, direction,
                             DASH if s is None else fmt_time(s.median) + fmt_cv(s.cv),
                             DASH if g is None else fmt_time(g.median) + fmt_cv(g.cv),
                             fmt_ratio(speed), perf, share, nominal])
        return ("## Layers (tenet's kernels, 1 thread)\n\n"
                "*specialized*: the kernel with the layer's compile-time dims (what the network runs); *generic*: the "
                "same kernel with the same sizes as run-time values. *speed-up*: generic time / specialized time. "
                "Backward passes zero the input gradient first, as the layer does; a network's first layer computes "
                "no input gradient. FLOPs: 2 per multiply-add over the full window (padding included); backward "
                "counts 2× forward (1× for a first layer). Pooling and ReLU report bytes read + written.\n\n"
                + table(["kind", "layer", "pass", "specialized", "generic", "speed-up", "specialized perf",
                         "% peak (measured)", "% peak (nominal)"], rows))

    # ---------------------------------------------------------------------------------------------
    def compile_section(self):
        path = os.path.join(self.results, "compile_times.csv")
        if not os.path.exists(path):
            return "## Compile times\n\n" + DASH + " (not measured)"
        with open(path) as f:
            rows = list(csv.DictReader(f))
        body = [[r["file"], r["kind"], (r["seconds"] + " s") if r["status"] == "ok" else f"{r['status']}"] for r in rows]
        total = sum(float(r["seconds"]) for r in rows if r["status"] == "ok" and r["seconds"])
        return ("## Compile times\n\n"
                "Wall time of one compiler process per translation unit (`/usr/bin/time -f %e`, one job), with the "
                "command CMake uses (`compile_commands.json`, Release flags above).\n\n"
                + table(["file", "kind", "wall"], body) + f"\n\nTotal: {total:.1f} s.")

    # ---------------------------------------------------------------------------------------------
    def appendix(self):
        rows = []
        groups = [("peak", self.peak_runs), ("layers", self.layers)] + [(t, self.fw[t]) for t, _, _ in FRAMEWORKS]
        for group, runs in groups:
            for name, r in runs.items():
                if r.error:
                    rows.append([group, f"`{name}`", "error: " + r.error, "", "", ""])
                    continue
                rows.append([group, f"`{name}`", fmt_time(r.median), f"{fmt_time(r.min)} .. {fmt_time(r.max)}",
                             DASH if r.cv is None else f"{r.cv * 100:.1f}%", r.repetitions])
        return ("## Appendix: every benchmark\n\nTime per iteration (real time): median, min..max and cv over the "
                "repetitions.\n\n" + table(["program", "benchmark", "median", "min .. max", "cv", "reps"], rows))

    # ---------------------------------------------------------------------------------------------
    def chart_csvs(self):
        """The two charts as bench_chart CSV (cells: ASCII, no commas; the bitmap font has no µ)."""
        fws = [t for t, _, _ in FRAMEWORKS]
        nets = ["figure,tenet vs oneDNN and LibTorch: speed relative to tenet (higher is faster)",
                "series," + ",".join(fws)]

        def panel(title, values, texts):
            nets.append(f"panel,{title},relative to tenet")
            for (net, name), vals, txts in zip(NETWORKS, values, texts):
                nets.append("group," + name + "," + ",".join("" if v is None else f"{v:.4f}" for v in vals))
                nets.append("text," + name + "," + ",".join(self.chart_cell(t) for t in txts))
            nets.append("hline,1,tenet")

        values, texts = [], []
        for net, _ in NETWORKS:
            t = self.latency("tenet", net)
            lat = [self.latency(fw, net) for fw in fws]
            values.append([ratio(t, l) for l in lat])
            texts.append([DASH if l is None else self.chart_cell(fmt_time(l).replace(" ", "")) for l in lat])
        panel("Inference of one image (1 thread): labels = latency", values, texts)
        for task, title in (("infer_b64", "Inference of a batch of 64 (2 threads): labels = images/s"),
                            ("train_b64", "Training step on a batch of 64 (2 threads): labels = images/s")):
            values, texts = [], []
            for net, _ in NETWORKS:
                t = self.images_per_s("tenet", net, task, 2)
                rates = [self.images_per_s(fw, net, task, 2) for fw in fws]
                values.append([ratio(r, t) for r in rates])
                texts.append([DASH if r is None else fmt_num(r) for r in rates])
            panel(title, values, texts)

        layers = ["figure,tenet's convolution kernels (1 thread): GFLOP/s, specialized vs generic",
                  "series,specialized (compile-time dims),generic (run-time dims)"]
        peak = self.peak_for(1)
        for direction, word in (("fwd", "forward"), ("bwd", "backward")):
            layers.append(f"panel,Convolution {word},GFLOP/s")
            for case in ("seed_c1", "lenet_c1", "lenet_c2", "deep_c1", "deep_c2", "deep_c3", "deep_c4"):
                vals = [self.layer_gflops(f"conv2d/{case}/{direction}/{v}") for v in ("specialized", "generic")]
                layers.append(f"group,{case}," + ",".join("" if v is None else f"{v:.3f}" for v in vals))
                layers.append(f"text,{case}," + ",".join("-" if v is None else fmt_num(v) for v in vals))
            layers.append(f"hline,{peak:.3f},measured peak {fmt_num(peak)} GFLOP/s")
        return "\n".join(nets) + "\n", "\n".join(layers) + "\n"

    @staticmethod
    def chart_cell(text):
        return text.replace("µ", "u").replace("—", "-").replace(",", ";")

    def draw_charts(self, out_dir, tool):
        if not tool or not os.path.exists(tool):
            print("report.py: no chart tool, charts skipped", file=sys.stderr)
            return []
        made = []
        for name, text in zip(("benchmarks-networks", "benchmarks-layers"), self.chart_csvs()):
            csv_path = os.path.join(self.results, name + ".csv")
            with open(csv_path, "w") as f:
                f.write(text)
            png = os.path.join(out_dir, name + ".png")
            r = subprocess.run([tool, csv_path, png])
            if r.returncode == 0:
                made.append(name + ".png")
        return made

    # ---------------------------------------------------------------------------------------------
    def write(self, out, tool):
        charts = self.draw_charts(os.path.dirname(os.path.abspath(out)), tool)
        parts = ["# Benchmarks", "",
                 "Generated by `bench/run-all.sh` (which runs `bench/report.py`); do not edit by hand — rerun it. "
                 "All programs ran in the same session, one after the other, on the machine below."]
        if self.quick:
            parts += ["", "> **QUICK MODE** (`--quick`: one repetition, `--benchmark_min_time=0.01`): these numbers "
                          "only show that the pipeline works. They are not measurements."]
        parts += ["", self.machine_section(), "", self.targets_section()]
        # The reasons behind the targets that are not met, written by hand (not generated):
        # they change only when the code does, while the numbers change with every run.
        findings = os.path.join(os.path.dirname(os.path.abspath(__file__)), "findings.md")
        if os.path.exists(findings):
            with open(findings) as f:
                parts += ["", f.read().strip()]
        parts += ["", self.networks_section()]
        if charts:
            parts += ["", "### Charts", ""] + [f"![{c}]({c})" for c in charts]
        parts += ["", self.layers_section(), "", self.compile_section(), "",
                  "## Method", "",
                  "- Google Benchmark, real (wall) time, `--benchmark_repetitions=6` (quick mode: 1), the repetitions of each program's benchmarks randomly interleaved (`--benchmark_enable_random_interleaving`), so that ratios within a program (2 threads vs 1, specialized vs generic) are taken side by side; medians, cv, min..max.",
                  "- Inputs uniform in [0, 1], labels uniform, weights Glorot-uniform (tenet's own initialization; "
                  "LibTorch's default; oneDNN from a fixed seed); fixed seeds everywhere.",
                  "- tenet: threads limited with `tbb::global_control`; oneDNN: `omp_set_num_threads` before its "
                  "primitives are created; LibTorch: `torch::set_num_threads`.",
                  "- oneDNN: layouts chosen by the library (`format_tag::any`), weights reordered before timing, ReLU "
                  "as a post-op; input reorders and backward reorders are timed; dropout in training multiplies by a "
                  "mask drawn once (a fresh mask per step is not timed).",
                  "- LibTorch: eager mode, NCHW, `InferenceMode` for inference, `padding=kSame` (TensorFlow's split "
                  "for even kernels, by a padded copy of the input), SGD, cross-entropy on the logits.",
                  "- tenet: `predict` (one image or a span of 64) and `trainer<Net, cross_entropy, sgd>::train_on_batch` "
                  "(which also validates the batch and computes loss and accuracy).",
                  "", self.appendix(), ""]
        with open(out, "w") as f:
            f.write("\n".join(parts))
        print(f"report.py: wrote {out}" + (f" and {', '.join(charts)}" if charts else ""), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--chart-tool")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    Report(args.results, args.quick).write(args.out, args.chart_tool)


if __name__ == "__main__":
    main()
