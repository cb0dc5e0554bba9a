"""SGEMM against this machine's FP32 peak: onyxrt's MatMul and onnxruntime's, interleaved.

First the bench measures the peak itself: it compiles a small C program with the system `cc`
(an FMA-throughput loop over many independent accumulators, in AVX-512, AVX2+FMA, NEON or
scalar code, whichever this CPU runs) and reports GFLOP/s per core (per CPU-second, so other
load on the machine does not lower it), the best of a few trials; for N threads it runs N
copies of the loop at once and sums them. Then, per shape and thread
count, it times a one-node MatMul model Y = A @ B with B an initializer (so both runtimes
pre-pack it at session creation, as users get it) in onyxrt and in onnxruntime, interleaved in
one process, and prints the median GFLOP/s of each, % of the measured peak x threads, and the
ratio onyxrt / onnxruntime of the median times (< 1: onyxrt faster).

    python bench/gemm.py                                   # default shapes, 1 and 2 threads
    python bench/gemm.py --shapes 1024,2048 --threads 1 --repeat 20
    python bench/gemm.py --shapes 1x4096x4096,64x768x3072 --json gemm.json
    python bench/gemm.py --peak-only
    python bench/gemm.py --threads 1 --clock cpu           # on a machine shared with other work

Shapes are MxKxN (A is M x K, B is K x N) or one number for a square product. Each timed
sample is as many back-to-back runs as fill --min-ms (at least one); the figure per runtime is
the median over --repeat samples, after warm-ups. Needs numpy, onnx, onnxruntime and onyxrt.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# numpy's own BLAS threads would compete for the cores being measured.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np

SQUARE = ["256", "512", "1024", "2048"]
SKINNY = ["64x768x3072", "128x768x768", "512x4096x1024", "4096x64x4096"]
GEMV = ["1x4096x4096", "1x768x3072"]
RUNTIMES = ("onyxrt", "onnxruntime")

# ----------------------------------------------------------------------------------- FMA peak
# One C source; the ISA block is picked by a macro so each variant compiles from the same loop.
# ACC independent vector accumulators (as many as the register file holds next to the constant)
# hide the FMA latency (4-5 cycles) on two FMA pipes; every iteration does ACC FMAs of LANES
# floats (2 flops each).
PEAK_SOURCE = r"""
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#if defined(USE_AVX512)
#define ACC 24
#include <immintrin.h>
typedef __m512 V;
#define LANES 16
#define SET1(x) _mm512_set1_ps(x)
#define FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
static float sum(V v) { return _mm512_reduce_add_ps(v); }
#elif defined(USE_AVX2)
#include <immintrin.h>
typedef __m256 V;
#define LANES 8
#define ACC 12
#define SET1(x) _mm256_set1_ps(x)
#define FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
static float sum(V v) { float t[8]; _mm256_storeu_ps(t, v); return t[0]+t[1]+t[2]+t[3]+t[4]+t[5]+t[6]+t[7]; }
#elif defined(USE_NEON)
#include <arm_neon.h>
typedef float32x4_t V;
#define LANES 4
#define ACC 24
#define SET1(x) vdupq_n_f32(x)
#define FMA(a, b, c) vfmaq_f32(c, a, b)
static float sum(V v) { return vaddvq_f32(v); }
#else
typedef float V;
#define LANES 1
#define ACC 12
#define SET1(x) (x)
#define FMA(a, b, c) ((a) * (b) + (c))
static float sum(V v) { return v; }
#endif
/* CPU time: the rate while the loop holds a core, whatever else the machine runs. */
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}
int main(int argc, char** argv) {
  long iters = argc > 1 ? atol(argv[1]) : 100000000L;
  /* Values read from argv so the compiler cannot fold the loop; x * 1 + c stays finite. */
  volatile float one = argc > 2 ? (float)atof(argv[2]) : 1.0f;
  V x = SET1(one), acc[ACC];
  for (int i = 0; i < ACC; ++i) acc[i] = SET1(0.001f * i);
  double t0 = now();
  for (long n = 0; n < iters; ++n) {
#pragma GCC unroll 24
    for (int i = 0; i < ACC; ++i) acc[i] = FMA(acc[i], x, x);
  }
  double t1 = now();
  float s = 0;
  for (int i = 0; i < ACC; ++i) s += sum(acc[i]);
  double flops = 2.0 * LANES * ACC * (double)iters;
  printf("%.3f %.6f %g\n", flops / (t1 - t0) * 1e-9, t1 - t0, (double)s);
  return 0;
}
"""

# (name, cc flags, define, /proc/cpuinfo flags it needs or None for "try it")
PEAK_VARIANTS = [
    ("avx512", ["-mavx512f"], "USE_AVX512", {"avx512f"}),
    ("avx2+fma", ["-mavx2", "-mfma"], "USE_AVX2", {"avx2", "fma"}),
    ("neon", [], "USE_NEON", None),
    ("scalar", [], "USE_SCALAR", None),
]


def _cpu_flags() -> set[str] | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return None


def build_peak_programs(workdir: Path) -> list[tuple[str, Path]]:
    """Compiles every variant this CPU can run, best first. Empty when no `cc` is found."""
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        return []
    src = workdir / "fma_peak.c"
    src.write_text(PEAK_SOURCE)
    flags = _cpu_flags()
    machine = platform.machine().lower()
    built = []
    for name, cflags, define, needs in PEAK_VARIANTS:
        if name in ("avx512", "avx2+fma") and machine not in ("x86_64", "amd64"):
            continue
        if name == "neon" and machine not in ("aarch64", "arm64"):
            continue
        if needs is not None and flags is not None and not needs <= flags:
            continue
        exe = workdir / f"fma_peak_{define.lower()}"
        cmd = [cc, "-O2", *cflags, f"-D{define}", str(src), "-o", str(exe)]
        if subprocess.run(cmd, check=False, capture_output=True).returncode != 0:
            continue
        # A program the CPU cannot execute dies of SIGILL: drop it.
        if subprocess.run([str(exe), "1000"], check=False, capture_output=True).returncode != 0:
            continue
        built.append((name, exe))
    return built


def run_peak(exe: Path, copies: int, seconds: float = 0.3) -> float:
    """Summed GFLOP/s of `copies` simultaneous processes, each running ~`seconds`."""
    probe_iters = 2000000
    probe = subprocess.run([str(exe), str(probe_iters)], capture_output=True, text=True, check=True)
    elapsed = max(float(probe.stdout.split()[1]), 1e-6)
    iters = max(1000, int(probe_iters * seconds / elapsed))
    procs = [
        subprocess.Popen([str(exe), str(iters)], stdout=subprocess.PIPE, text=True) for _ in range(copies)
    ]
    return sum(float(p.communicate()[0].split()[0]) for p in procs)


def measure_peak(thread_counts: list[int], trials: int) -> dict:
    """Per-core peak (best variant, best trial) and the N-copy sums."""
    with tempfile.TemporaryDirectory() as tmp:
        programs = build_peak_programs(Path(tmp))
        if not programs:
            return {"isa": None, "per_core": None, "by_threads": {}, "variants": {}}
        variants = {}
        for name, exe in programs:
            variants[name] = max(run_peak(exe, 1) for _ in range(trials))
        isa = max(variants, key=variants.get)
        exe = dict(programs)[isa]
        by_threads = {1: variants[isa]}
        for t in thread_counts:
            if t > 1:
                by_threads[t] = max(run_peak(exe, t) for _ in range(trials))
    return {"isa": isa, "per_core": variants[isa], "by_threads": by_threads, "variants": variants}


# ------------------------------------------------------------------------------------- MatMul
def parse_shape(text: str) -> tuple[int, int, int]:
    parts = [int(p) for p in text.lower().split("x")]
    if len(parts) == 1:
        return parts[0], parts[0], parts[0]
    if len(parts) != 3 or min(parts) < 1:
        raise argparse.ArgumentTypeError(f"shape {text!r}: want N or MxKxN with positive sizes")
    return parts[0], parts[1], parts[2]


def matmul_model(k: int, n: int, seed: int) -> bytes:
    from onnx import TensorProto, helper, numpy_helper

    b = np.random.default_rng(seed).standard_normal((k, n), dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["A", "B"], ["Y"])],
        "gemm_bench",
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, ["M", k])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["M", n])],
        [numpy_helper.from_array(b, "B")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model.SerializeToString()


def make_session(runtime: str, model: bytes, threads: int):
    module = __import__(runtime)
    options = module.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return module.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def time_interleaved(model: bytes, feeds: dict, threads: int, repeat: int, warmup: int, min_ms: float,
                     clock=time.perf_counter, settle_s: float = 0.05) -> tuple[dict, float]:
    """Times `model` in each runtime, interleaved: per runtime the time per run of `repeat`
    samples (each as many back-to-back runs as fill min_ms), and diff = max |onyxrt - ort| /
    max |ort| over the first output. Shared by the bench scripts."""
    sessions = {rt: make_session(rt, model, threads) for rt in RUNTIMES}
    outputs = {}
    runs = {}
    for rt, sess in sessions.items():
        for _ in range(warmup):
            outputs[rt] = sess.run(None, feeds)[0]
        start = time.perf_counter()
        sess.run(None, feeds)
        once = time.perf_counter() - start
        runs[rt] = max(1, int(min_ms * 1e-3 / max(once, 1e-7)))
    ref = outputs["onnxruntime"]
    diff = float(np.max(np.abs(outputs["onyxrt"] - ref)) / max(float(np.max(np.abs(ref))), 1e-30))
    times = {rt: [] for rt in RUNTIMES}
    for r in range(repeat):
        # Alternate which runtime goes first, so neither always inherits the other's cache state.
        order = RUNTIMES if r % 2 == 0 else RUNTIMES[::-1]
        for rt in order:
            sess, count = sessions[rt], runs[rt]
            # onnxruntime's workers spin for ~40 ms of CPU after its runs: let them go idle so they
            # do not take a core from the sample that follows.
            time.sleep(settle_s)
            start = clock()
            for _ in range(count):
                sess.run(None, feeds)
            times[rt].append((clock() - start) / count)
    return times, diff


def time_shape(m: int, k: int, n: int, threads: int, repeat: int, warmup: int, min_ms: float, clock,
               settle_s: float = 0.05) -> dict:
    model = matmul_model(k, n, seed=m + 7 * k + 13 * n)
    a = np.random.default_rng(1).standard_normal((m, k), dtype=np.float32)
    times, diff = time_interleaved(model, {"A": a}, threads, repeat, warmup, min_ms, clock, settle_s)
    flops = 2.0 * m * n * k
    result = {"m": m, "k": k, "n": n, "threads": threads, "diff": diff}
    for rt in RUNTIMES:
        med = statistics.median(times[rt])
        result[rt] = {"median_s": med, "gflops": flops / med * 1e-9, "samples_s": times[rt]}
    result["ratio"] = result["onyxrt"]["median_s"] / result["onnxruntime"]["median_s"]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shapes",
        default=",".join(SQUARE + SKINNY + GEMV),
        help="comma-separated N or MxKxN (default: square, skinny and GEMV-like shapes)",
    )
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="intra_op_num_threads values")
    parser.add_argument("--repeat", type=int, default=10, help="timed samples per runtime (median)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs per session first")
    parser.add_argument("--min-ms", type=float, default=30.0, help="least duration of one timed sample")
    parser.add_argument("--settle-ms", type=float, default=50.0,
                        help="pause before each sample, so the other runtime's spinning workers are idle")
    parser.add_argument("--peak-trials", type=int, default=5, help="FMA-loop trials (best kept)")
    parser.add_argument("--peak-only", action="store_true", help="measure the FMA peak and stop")
    parser.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="wall: elapsed time; cpu: the calling thread's CPU time, which leaves out the "
        "time other processes hold the core (1 thread only: both runtimes then run "
        "the MatMul on the calling thread)",
    )
    parser.add_argument("--json", help="write every figure (and raw samples) to this file")
    args = parser.parse_args()
    if args.clock == "cpu" and any(t != 1 for t in args.threads):
        parser.error("--clock cpu measures the calling thread only: use it with --threads 1")
    clock = time.thread_time if args.clock == "cpu" else time.perf_counter
    shapes = [parse_shape(s) for s in args.shapes.split(",") if s]

    peak = measure_peak(args.threads, args.peak_trials)
    if peak["per_core"] is None:
        print("FP32 FMA peak: not measured (no working C compiler); % of peak left out")
    else:
        variants = ", ".join(f"{name} {g:.1f}" for name, g in peak["variants"].items())
        print(f"FP32 FMA peak per core: {peak['per_core']:.1f} GFLOP/s ({peak['isa']}; measured: {variants})")
        for t, g in sorted(peak["by_threads"].items()):
            if t > 1:
                print(f"  {t} copies at once: {g:.1f} GFLOP/s ({g / t:.1f} per copy)")
    report = {"peak": {**peak, "by_threads": {str(t): g for t, g in peak["by_threads"].items()}}, "rows": []}
    if args.peak_only:
        return _write_json(args.json, report)

    import onnxruntime

    import onyxrt

    print(
        f"onyxrt {onyxrt.__file__}, onnxruntime {onnxruntime.__version__}; "
        f"median of {args.repeat} ({args.clock} clock); % = of the measured peak x threads; ratio = onyxrt / onnxruntime time"
    )
    header = (
        f"{'shape MxKxN':>16} {'thr':>3} {'onyxrt GF/s':>11} {'%peak':>6} "
        f"{'ort GF/s':>9} {'%peak':>6} {'ratio':>6} {'diff':>8}"
    )
    for threads in args.threads:
        print()
        print(header)
        # The per-core peak x threads is the bound; the N-copy figure shows what the cores share.
        bound = peak["per_core"] * threads if peak["per_core"] else None
        for m, k, n in shapes:
            row = time_shape(m, k, n, threads, args.repeat, args.warmup, args.min_ms, clock, args.settle_ms / 1e3)
            report["rows"].append(row)
            ours, ort = row["onyxrt"]["gflops"], row["onnxruntime"]["gflops"]
            print(
                f"{f'{m}x{k}x{n}':>16} {threads:>3} {ours:>11.1f} {_pct(ours, bound):>6} {ort:>9.1f} "
                f"{_pct(ort, bound):>6} "
                f"{row['ratio']:>6.3f} {row['diff']:>8.1e}",
                flush=True,
            )
    return _write_json(args.json, report)


def _pct(gflops: float, bound: float | None) -> str:
    return f"{100 * gflops / bound:5.1f}%" if bound else "     -"


def _write_json(path: str | None, report: dict) -> int:
    if path:
        Path(path).write_text(json.dumps(report, indent=1))
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
