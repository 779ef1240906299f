#!/usr/bin/env python3
"""Writes docs/benchmarks.md (and its two bar charts) from the results bench/run-all.sh collects.

    bench/report.py --results build/bench/results --out docs/benchmarks.md \
                    [--chart-tool build/bench/bench/bench_chart] [--quick]

Reads from the results directory (every file optional; a missing one gives "—"):
  peak.json, layers.json, networks.json          tenet's Google Benchmark JSON output
  networks_avx2.json                             bench_networks with TENET_ISA=avx2
  peer_onednn.json, peer_onednn_avx2.json        oneDNN, default ISA and DNNL_MAX_CPU_ISA=AVX2
  peer_libtorch.json, peer_libtorch_avx2.json    LibTorch, default and ATEN_CPU_CAPABILITY=avx2
  peer_xnnpack.json                              XNNPACK (inference only)
  compile_times.csv                              bench/compile_time.sh
  lscpu.txt, compiler.txt, flags.txt, date.txt, blas.txt, libtorch_info.txt,
  onednn_impls.txt, onednn_avx2_impls.txt, xnnpack_check.txt, run.txt   written by run-all.sh
The ISA tiers: AVX-512 (tenet at the ISA it dispatches to, the tenet_isa of networks.json's
context, vs the peers at their defaults) and AVX2 (tenet pinned, oneDNN and LibTorch held to
AVX2), each with its FMA peak (peak.json) and the issue's targets; a CPU without AVX-512 (from
lscpu.txt's flags) gets "not measured" for the AVX-512 tier.
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
    ("tenet AVX2", "networks_avx2.json", "tenet"),
    ("LibTorch AVX2", "peer_libtorch_avx2.json", "libtorch"),
    ("XNNPACK", "peer_xnnpack.json", "xnnpack"),
]
# Columns of the network tables even when their results are missing (shown as "—"); the others
# only when present.
ALWAYS_SHOWN = ["tenet", "oneDNN", "oneDNN AVX2", "LibTorch"]
DISPLAY_ORDER = ["tenet", "tenet AVX2", "oneDNN", "oneDNN AVX2", "LibTorch", "LibTorch AVX2", "XNNPACK"]
CHART_FWS = ["tenet", "oneDNN", "oneDNN AVX2", "LibTorch", "XNNPACK"]
PEERS = ["oneDNN", "LibTorch"]  # the targets compare with these (oneDNN at its default ISA)
# What tenet's avx512 tier needs (-march=x86-64-v4), as lscpu names it.
AVX512_FLAGS = ["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"]
ISA_TITLE = {"avx512": "AVX-512", "avx2": "AVX2"}
NETWORKS = [("seed", "seed CNN"), ("lenet", "LeNet-5"), ("deep", "deep CNN")]
TARGETS_TITLE = ("## Targets of the first benchmark issue\n\ntenet as it runs by default (the ISA it dispatches "
                 "to) against the peers at their defaults.\n\n")
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

    def peak_for(self, threads, isa="avx2"):
        """The peak a run of `isa` on `threads` cores is compared with: measured, else nominal
        (AVX-512's twice AVX2's: the same FMA pipes, twice the lanes)."""
        measured = self.peak(isa, threads)
        return measured if measured else NOMINAL_PEAK * threads * (2 if isa == "avx512" else 1)

    def isa_of(self, fw):
        """The ISA a framework's results ran at, as far as the report knows: tenet's from its
        JSON context (results from before dispatch: the build's AVX2), the pinned runs' avx2."""
        if fw == "tenet":
            isa = (self.contexts.get("tenet") or {}).get("tenet_isa")
            return isa if isa else "avx2"
        if fw == "tenet AVX2":
            isa = (self.contexts.get("tenet AVX2") or {}).get("tenet_isa")
            return isa if isa else "avx2"
        return "avx2"

    # --- the CPU ----------------------------------------------------------------------------------
    def lscpu(self):
        fields = {}
        for line in read_text(self.results, "lscpu.txt").splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                fields[k.strip()] = v.strip()
        return fields

    def cpu_model(self):
        """The CPU's model name: lscpu.txt's, else this machine's /proc/cpuinfo (said so)."""
        model = self.lscpu().get("Model name")
        if model:
            return model
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name"):
                        return line.split(":", 1)[1].strip() + " (from the /proc/cpuinfo of the machine writing the report)"
        except OSError:
            pass
        return "unknown CPU"

    def avx512_missing(self):
        """AVX-512 features tenet's avx512 tier needs that the CPU lacks ([] = has them all),
        or None when the results do not list the CPU's flags."""
        flags = self.lscpu().get("Flags")
        if flags is None:
            return None
        have = set(flags.split())
        return [f for f in AVX512_FLAGS if f not in have]

    def shown_fws(self):
        return [t for t in DISPLAY_ORDER if t in ALWAYS_SHOWN or self.present(t)]

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

    def net_peak_frac(self, fw, net, task, threads, isa=None):
        g = self.gflops(self.net_run(fw, net, task, threads))
        return None if g is None else g / self.peak_for(threads, isa or self.isa_of(fw))

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
        fields = self.lscpu()
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
        isa_note = "tenet's networks ran " + f"`{self.isa_of('tenet')}`" + (
            "" if (self.contexts.get("tenet") or {}).get("tenet_isa") else " (no `tenet_isa` in networks.json: the build's own)")
        lines.append(f"- **ISA flags**: avx2 {has('avx2')}, fma {has('fma')}, avx512f {has('avx512f')}, "
                     f"avx512bw {has('avx512bw')}, avx512vl {has('avx512vl')} ({isa_note}, the best the CPU has "
                     "unless `TENET_ISA` pins it, as for the *tenet AVX2* column; oneDNN, LibTorch and XNNPACK also "
                     "use the best ISA present unless capped, hence the *oneDNN AVX2* and *LibTorch AVX2* columns)")
        p1, p2 = self.peak("avx2", 1), self.peak("avx2", 2)
        q1, q2 = self.peak("avx512", 1), self.peak("avx512", 2)
        lines.append(f"- **FMA peak**: nominal {NOMINAL_PEAK} GFLOP/s per core; measured (bench_peak, AVX2 "
                     f"`vfmadd` chains) {fmt_num(p1)} GFLOP/s on 1 thread, {fmt_num(p2)} on 2; AVX-512: "
                     f"{fmt_num(q1)} / {fmt_num(q2)}. *tenet % peak* below is of the measured peak of the ISA tenet ran "
                     "for the threads used, the other shares of the AVX2 peak (of the nominal one when the "
                     "measurement is missing).")
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
        if self.present("LibTorch AVX2"):
            lines.append("- **LibTorch AVX2**: the same program with `ATEN_CPU_CAPABILITY=avx2` (ATen's own "
                         "vectorized kernels), `DNNL_MAX_CPU_ISA=AVX2` (the system oneDNN it links) and "
                         "`OPENBLAS_CORETYPE=Haswell` (OpenBLAS's AVX2 kernels)")
        check = read_text(self.results, "xnnpack_check.txt")
        if self.present("XNNPACK") or check:
            lines.append("- **XNNPACK**: Debian libxnnpack (snapshot 2022-02-16), operator API, NHWC, ReLU fused "
                         "(`output_min = 0`), a pthreadpool of 1 or 2 threads, inference only; its ISA is its own "
                         "choice (the best the CPU has). Outputs against tenet's on the same weights: "
                         + ("**FAILED** (see xnnpack_check.txt)" if "FAILED" in check else "checked" if check else DASH))
        else:
            lines.append("- **XNNPACK**: not built (install libxnnpack-dev and libpthreadpool-dev)")
        return "\n".join(lines)


    # ---------------------------------------------------------------------------------------------
    # ISA tiers (issue 19): the same networks at AVX-512 and at AVX2, each against the peers at that
    # ISA, with that ISA's FMA peak and the targets.
    # ---------------------------------------------------------------------------------------------
    # (network, title, batch-1 goal, batch-64 goal, training goal)
    TIER_GOALS = {
        "avx512": [("seed", "seed CNN", 3.0, 3.0, 3.0), ("lenet", "LeNet-5", 3.0, 2.0, 2.0),
                   ("deep", "deep CNN", 1.6, 1.8, 1.6)],
        "avx2": [("seed", "seed CNN", 3.0, 1.5, 1.5), ("lenet", "LeNet-5", 3.0, 1.5, 1.5),
                 ("deep", "deep CNN", 1.3, 1.2, 1.3)],
    }
    XNNPACK_GOALS = [("seed", "seed CNN", 2.0), ("lenet", "LeNet-5", 2.0), ("deep", "deep CNN", 1.5)]
    CONV_PEAK_GOAL = 0.75

    def tier_frameworks(self, isa):
        """{role: framework title or None} of a tier: which results stand for tenet and each peer."""
        missing = self.avx512_missing()
        no_avx512 = missing is not None and len(missing) > 0
        if isa == "avx512":
            return {"tenet": "tenet" if self.present("tenet") else None, "oneDNN": "oneDNN", "LibTorch": "LibTorch",
                    "XNNPACK": "XNNPACK"}
        # AVX2: the pinned runs; on a CPU without AVX-512 the default runs are AVX2 runs too.
        def pick(pinned, default):
            if self.present(pinned):
                return pinned
            return default if no_avx512 and self.present(default) else None
        tenet = "tenet AVX2" if self.present("tenet AVX2") else (
            "tenet" if self.isa_of("tenet") == "avx2" and self.present("tenet") else None)
        return {"tenet": tenet, "oneDNN": pick("oneDNN AVX2", "oneDNN"), "LibTorch": pick("LibTorch AVX2", "LibTorch"),
                "XNNPACK": "XNNPACK" if no_avx512 and self.present("XNNPACK") else None}

    def layers_isa(self):
        """The ISA bench_layers' kernels were compiled for (the build's flags; it does not dispatch)."""
        flags = read_text(self.results, "flags.txt")
        if "x86-64-v4" in flags or ("native" in flags and self.avx512_missing() == []):
            return "avx512"
        return "avx2"

    def best_rate(self, fw, net, task, thread_set=(1, 2)):
        """The better of a framework's thread settings: (images/s, threads) or (None, None)."""
        best = (None, None)
        for t in thread_set:
            r = self.images_per_s(fw, net, task, t)
            if r is not None and (best[0] is None or r > best[0]):
                best = (r, t)
        return best

    def cv_of(self, fw, net, task, threads):
        r = self.net_run(fw, net, task, threads) if fw else None
        return None if r is None else r.cv

    @staticmethod
    def spread(*cvs):
        known = [c for c in cvs if c is not None]
        return "" if not known else " (cv " + " / ".join(DASH if c is None else f"{c * 100:.1f}%" for c in cvs) + ")"

    def tier_table(self, isa, roles):
        peers = ["oneDNN", "LibTorch", "XNNPACK"]
        titles = [roles[p] if roles[p] else p for p in ["tenet"] + peers]
        rows = []
        for net, title in NETWORKS:
            for task, threads, what in (("infer_b1", 1, "batch-1 latency, 1 thread"),
                                        ("infer_b64", 1, "batch-64 inference, 1 thread, img/s"),
                                        ("infer_b64", 2, "batch-64 inference, 2 threads, img/s"),
                                        ("train_b64", 1, "training step b64, 1 thread, img/s"),
                                        ("train_b64", 2, "training step b64, 2 threads, img/s")):
                cells = []
                for role in ["tenet"] + peers:
                    fw = roles[role]
                    if fw is None:
                        cells.append(DASH)
                    elif task == "infer_b1":
                        cells.append(self.cell_latency(fw, net))
                    else:
                        cells.append(self.cell_rate(fw, net, task, threads))
                frac = self.net_peak_frac(roles["tenet"], net, task, threads, isa) if roles["tenet"] else None
                rows.append([title, what] + cells + [fmt_pct(frac)])
        return table(["network", "task"] + titles + [f"tenet % of {ISA_TITLE[isa]} peak"], rows)

    def tier_targets(self, isa, roles):
        """Rows [target, measured, goal, status] of a tier's targets."""
        rows = []

        def verdict(value, threshold):
            if value is None:
                return DASH + " (missing)"
            return "met" if value >= threshold else "**not met**"

        t_fw, o_fw = roles["tenet"], roles["oneDNN"]
        for net, title, g1, g64, gtrain in self.TIER_GOALS[isa]:
            t = self.latency(t_fw, net) if t_fw else None
            o = self.latency(o_fw, net) if o_fw else None
            v = ratio(o, t)
            rows.append([f"{title}: batch-1 latency, 1 thread, vs oneDNN",
                         f"{fmt_ratio(v)} (tenet {fmt_time(t)}, oneDNN {fmt_time(o)})"
                         + self.spread(self.cv_of(t_fw, net, "infer_b1", 1), self.cv_of(o_fw, net, "infer_b1", 1)),
                         f"≥ {g1}×", verdict(v, g1)])
        for net, title, g1, g64, gtrain in self.TIER_GOALS[isa]:
            t = self.images_per_s(t_fw, net, "infer_b64", 2) if t_fw else None
            o = self.images_per_s(o_fw, net, "infer_b64", 2) if o_fw else None
            v = ratio(t, o)
            rows.append([f"{title}: batch-64 inference, 2 threads, vs oneDNN",
                         f"{fmt_ratio(v)} ({fmt_num(t)} vs {fmt_num(o)} img/s)"
                         + self.spread(self.cv_of(t_fw, net, "infer_b64", 2), self.cv_of(o_fw, net, "infer_b64", 2)),
                         f"≥ {g64}×", verdict(v, g64)])
        for net, title, g1, g64, gtrain in self.TIER_GOALS[isa]:
            t = self.images_per_s(t_fw, net, "train_b64", 2) if t_fw else None
            rates = {p: self.images_per_s(roles[p], net, "train_b64", 2) for p in ("oneDNN", "LibTorch") if roles[p]}
            rates = {p: r for p, r in rates.items() if r is not None}
            best = max(rates, key=rates.get) if rates else None
            v = ratio(t, rates[best] if best else None)
            rows.append([f"{title}: training step, batch 64, 2 threads, vs the faster of oneDNN and LibTorch",
                         f"{fmt_ratio(v)} ({fmt_num(t)} img/s vs {best or DASH} {fmt_num(rates.get(best))})"
                         + self.spread(self.cv_of(t_fw, net, "train_b64", 2),
                                       self.cv_of(roles[best], net, "train_b64", 2) if best else None),
                         f"≥ {gtrain}×", verdict(v, gtrain)])
        peak = self.peak_for(1, isa)
        if self.layers_isa() == isa:
            for i in range(1, 5):
                for direction, word in (("fwd", "forward"), ("bwd", "backward")):
                    r = self.layer(f"conv2d/deep_c{i}/{direction}/specialized")
                    g = self.gflops(r)
                    f = None if g is None else g / peak
                    rows.append([f"deep CNN conv layer {i}, {word}: share of one core's {ISA_TITLE[isa]} FMA peak",
                                 f"{fmt_pct(f)} ({fmt_num(g)} GFLOP/s)" + self.spread(r.cv if r else None),
                                 f"≥ {self.CONV_PEAK_GOAL * 100:.0f}%", verdict(f, self.CONV_PEAK_GOAL)])
        else:
            rows.append([f"deep CNN conv layers: share of the {ISA_TITLE[isa]} FMA peak",
                         f"not measured: bench_layers runs the kernels compiled for the build's flags "
                         f"({ISA_TITLE[self.layers_isa()]}), not dispatched", f"≥ {self.CONV_PEAK_GOAL * 100:.0f}%",
                         DASH + " (not measured)"])
        return rows

    def tier_block(self, isa):
        title = ISA_TITLE[isa]
        roles = self.tier_frameworks(isa)
        out = [f"### {title} tier", ""]
        missing = self.avx512_missing()
        model = self.cpu_model()
        if isa == "avx512" and missing:
            out.append(f"not measured: this CPU ({model}) has no AVX-512 (it lacks {', '.join(missing)}). "
                       "No verdicts for this tier; the AVX2 tier below is what this machine can measure.")
            return out
        p1, p2 = self.peak(isa, 1), self.peak(isa, 2)
        if isa == "avx512":
            out.append("tenet at the ISA it dispatches to (no `TENET_ISA`), oneDNN, LibTorch and XNNPACK at their "
                       "defaults (each the best ISA it has for this CPU).")
        else:
            out.append("tenet pinned (`TENET_ISA=avx2`), oneDNN held to AVX2 (`DNNL_MAX_CPU_ISA=AVX2`), LibTorch "
                       "held to AVX2 (`ATEN_CPU_CAPABILITY=avx2` for ATen's own kernels, `DNNL_MAX_CPU_ISA=AVX2` for "
                       "the oneDNN it links, `OPENBLAS_CORETYPE=Haswell` for OpenBLAS). XNNPACK has no switch to hold "
                       "it to AVX2: it appears here only on a CPU without AVX-512.")
        out += ["", f"CPU: **{model}**. {title} FMA peak (bench_peak): {fmt_num(p1)} GFLOP/s on 1 thread, "
                f"{fmt_num(p2)} on 2" + ("" if p1 else f" (not measured: the shares below use the nominal "
                                         f"{fmt_num(self.peak_for(1, isa))} GFLOP/s per core)") + "."]
        ran = self.isa_of(roles["tenet"]) if roles["tenet"] else None
        if roles["tenet"] is None:
            out += ["", "not measured: no tenet results for this tier ("
                    + ("networks_avx2.json: bench_networks with `TENET_ISA=avx2`" if isa == "avx2" else
                       "networks.json: bench_networks") + ")."]
            return out
        out += ["", self.tier_table(isa, roles)]
        rows = self.tier_targets(isa, roles)
        if ran != isa:
            out += ["", f"not measured: tenet's networks ran `{ran}`, not `{isa}` (the JSON context's `tenet_isa`), "
                        "so the targets of this tier get no verdicts."]
            return out
        met = sum(1 for r in rows if r[3] == "met")
        unmeasured = sum(1 for r in rows if r[3].startswith(DASH))
        out += ["", f"Targets ({title} tier, on {model}): {met} of {len(rows)} met"
                + (f", {unmeasured} not measured" if unmeasured else "") + ". Ratios are tenet's speed-up "
                    "(>1 = tenet faster), from medians; the cv of each side in brackets.", "",
                table(["target", "measured", "goal", "status"], rows)]
        return out

    def xnnpack_block(self):
        out = ["### Against XNNPACK", ""]
        check = read_text(self.results, "xnnpack_check.txt")
        if not self.present("XNNPACK"):
            why = "its outputs failed the check against tenet's, see xnnpack_check.txt" if "FAILED" in check else \
                "not built or not run: install libxnnpack-dev and libpthreadpool-dev"
            return out + [f"XNNPACK: {DASH} ({why})."]
        ran = f"`{self.isa_of('tenet')}`" if self.present("tenet") else "no results"
        out.append(f"XNNPACK chooses its ISA itself (the best this CPU has); tenet at the ISA it dispatches to "
                   f"({ran}). Batch 64: each at its better thread setting (1 or 2). CPU: "
                   f"**{self.cpu_model()}**.")
        if check:
            worst = [float(m) for m in re.findall(r"max \|XNNPACK - tenet\| = (\S+)", check)]
            out += ["", "Outputs checked against tenet's on the same weights before timing (`bench_peer_xnnpack "
                        "--check`): " + ("**FAILED**" if "FAILED" in check else "passed")
                    + (f", largest difference {max(worst):.2g}" if worst else "") + "."]
        rows = []

        def verdict(value, threshold):
            if value is None:
                return DASH + " (missing)"
            return "met" if value >= threshold else "**not met**"

        for net, title, goal in self.XNNPACK_GOALS:
            t, x = self.latency("tenet", net), self.latency("XNNPACK", net)
            v = ratio(x, t)
            rows.append([f"{title}: batch-1 latency, 1 thread, vs XNNPACK",
                         f"{fmt_ratio(v)} (tenet {fmt_time(t)}, XNNPACK {fmt_time(x)})"
                         + self.spread(self.cv_of("tenet", net, "infer_b1", 1), self.cv_of("XNNPACK", net, "infer_b1", 1)),
                         f"≥ {goal}×", verdict(v, goal)])
        for net, title, goal in self.XNNPACK_GOALS:
            (t, tt), (x, xt) = self.best_rate("tenet", net, "infer_b64"), self.best_rate("XNNPACK", net, "infer_b64")
            v = ratio(t, x)
            rows.append([f"{title}: batch-64 inference, best thread setting each, vs XNNPACK",
                         f"{fmt_ratio(v)} (tenet {fmt_num(t)} img/s on {tt or DASH}, XNNPACK {fmt_num(x)} on {xt or DASH})"
                         + self.spread(self.cv_of("tenet", net, "infer_b64", tt) if tt else None,
                                       self.cv_of("XNNPACK", net, "infer_b64", xt) if xt else None),
                         f"≥ {goal}×", verdict(v, goal)])
        met = sum(1 for r in rows if r[3] == "met")
        unmeasured = sum(1 for r in rows if r[3].startswith(DASH))
        return out + ["", f"{met} of {len(rows)} met" + (f", {unmeasured} not measured" if unmeasured else "") + ".", "",
                      table(["target", "measured", "goal", "status"], rows)]

    def dispatch_block(self):
        out = ["### tenet dispatched vs pinned to AVX2", ""]
        if not (self.present("tenet") and self.present("tenet AVX2")):
            return out + [f"{DASH} (needs networks.json and networks_avx2.json)."]
        ran, pinned = self.isa_of("tenet"), self.isa_of("tenet AVX2")
        out.append(f"The default run (`{ran}`) against `TENET_ISA=avx2` (`{pinned}`), the same code, one program "
                   "after the other. Goal: never slower by more than noise, taken as twice the larger cv of the two."
                   + (" On this CPU both runs are AVX2." if ran == pinned else ""))
        rows = []
        for net, title in NETWORKS:
            for task, threads, what in (("infer_b1", 1, "inference b1, 1 thread"), ("infer_b64", 1, "inference b64, 1 thread"),
                                        ("infer_b64", 2, "inference b64, 2 threads"), ("train_b64", 1, "training b64, 1 thread"),
                                        ("train_b64", 2, "training b64, 2 threads")):
                a, b = self.net_run("tenet", net, task, threads), self.net_run("tenet AVX2", net, task, threads)
                v = ratio(b.median if b else None, a.median if a else None)
                noise = 2 * max(c for c in (a.cv if a else None, b.cv if b else None, 0.0) if c is not None)
                status = DASH + " (missing)" if v is None else ("met" if v >= 1 - noise else "**not met**")
                rows.append([title, what, fmt_ratio(v) + self.spread(a.cv if a else None, b.cv if b else None),
                             f"≥ {1 - noise:.2f}×", status])
        met = sum(1 for r in rows if r[4] == "met")
        return out + ["", f"{met} of {len(rows)} met.", "",
                      table(["network", "task", f"{ran} / avx2 speed", "goal", "status"], rows)]

    def tiers_section(self):
        out = ["## ISA tiers", "",
               f"CPU: **{self.cpu_model()}**. Each tier runs the same networks side by side in one session (one "
               "program after the other, the repetitions interleaved within each program); the issue's targets "
               "with their verdicts. A tier this CPU cannot run is reported as not measured, never as met."]
        out += [""] + self.tier_block("avx512") + [""] + self.tier_block("avx2")
        out += [""] + self.xnnpack_block() + [""] + self.dispatch_block()
        return "\n".join(out)

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
            return TARGETS_TITLE + head + "\n\n" + table(["target", "measured", "goal", "status"],
                                                             [r[:4] for r in rows])
        head += (f" The last column compares the {len(avx2_verdicts)} targets set against a peer with oneDNN held to "
                 f"AVX2 (`DNNL_MAX_CPU_ISA=AVX2`, in the same run), as it ran on the Zen 3 the targets were "
                 f"set on: {sum(1 for a in avx2_verdicts if a.endswith(': met'))} of them met that way (for reading only; "
                 f"the status column and the count above are against oneDNN at its default ISA).")
        return TARGETS_TITLE + head + "\n\n" + table(
            ["target", "measured", "goal", "status", "vs oneDNN held to AVX2"], rows)

    # ---------------------------------------------------------------------------------------------
    def networks_section(self):
        fws = self.shown_fws()
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
                    cells.append(DASH if g is None else f"{fmt_num(g)} ({fmt_pct(g / self.peak_for(threads, self.isa_of(fw)))})")
                rows.append([title, what] + cells)
        out += ["", "### GFLOP/s and share of peak", "",
                "Share of the measured FMA peak of the threads used: of the ISA tenet ran for tenet's columns, of AVX2 "
                "for the peers' (the ISA tiers above compare each with its own tier's peak).", "",
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
        groups = [("peak", self.peak_runs), ("layers", self.layers)] + [(t, self.fw[t]) for t in self.shown_fws()]
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
        fws = [t for t in CHART_FWS if t in ALWAYS_SHOWN or self.present(t)]
        nets = ["figure,tenet vs its peers: speed relative to tenet (higher is faster)",
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
        parts += ["", self.machine_section(), "", self.tiers_section(), "", self.targets_section()]
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
                  "- XNNPACK: the operator API, NHWC, one operator per layer created and set up once (weights "
                  "packed then), ReLU fused (`output_min = 0`), dropout identity, softmax on the logits; a "
                  "pthreadpool of 1 or 2 threads; the weights of tenet's network of the same type, its outputs "
                  "checked against tenet's before timing.",
                  "- ISA tiers: bench_networks runs twice (the ISA tenet dispatches to, then `TENET_ISA=avx2`), "
                  "oneDNN twice (default, `DNNL_MAX_CPU_ISA=AVX2`), LibTorch twice (default, held to AVX2); "
                  "bench_layers runs the kernels compiled for the build's flags only.",
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
