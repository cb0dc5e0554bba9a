"""Side-by-side: onyxrt against onnxruntime, same model, same feeds, same thread count.

The two runtimes are timed interleaved in one process (A, B, B, A, ...) so that machine noise hits
both alike; the figure that matters is the ratio onyxrt / onnxruntime (< 1: onyxrt faster). Each
timed run starts after a pause (--settle-ms, 50 ms): onnxruntime's intra-op workers spin for about
40 ms of CPU after each of its runs by default, and without the pause that spinning takes a core
from whichever runtime runs next (at 2 threads on 2 cores it halves onyxrt's second thread). Each
model is measured in a subprocess of its own, so a crash or a leak in one model does not take the
rest with it. Per model, thread count and batch it reports: median latency of each runtime, the
ratio, the median of the per-round ratios (`pair`: each round's two runs ran back to back, so a
shift in the machine's load moves both; steadier than the ratio of medians on a shared machine),
session creation time (median of --creations), the relative difference between the two
outputs, and the peak resident set (RSS high-water mark) of a fresh process that creates the
session and runs it, one process per runtime so that the two do not pollute each other.

    python bench/compare.py                                   # the whole set of bench/models.py
    python bench/compare.py --models mobilenetv2,lstm --repeat 5 --threads 1 --batch 1
    python bench/compare.py --models light --batch 1          # the onnx package's light_* models
    python bench/compare.py model.onnx --threads 2 --repeat 50
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

# numpy's own BLAS threads would spin beside the runtimes being measured (seen in profiles).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np


def _load_models_module():
    # By file path: bench/ is not a package, and a .gitignored bench/models/ folder must not shadow it.
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bench_models", Path(__file__).resolve().parent / "models.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench_models = _load_models_module()

NUMPY_TYPES = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(float16)": np.float16,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(int8)": np.int8,
    "tensor(uint8)": np.uint8,
    "tensor(bool)": np.bool_,
}
RUNTIMES = ("onyxrt", "onnxruntime")


# ------------------------------------------------------------------------------------ one session
def make_feeds(inputs, batch: int, bounds: dict | None = None, seed: int = 0) -> dict:
    """Random feeds for the declared inputs, symbolic dimensions set to `batch`. An attention mask is
    all ones; an integer input listed in `bounds` stays below its bound (a vocabulary size)."""
    rng = np.random.default_rng(seed)
    bounds = bounds or {}
    feeds = {}
    for info in inputs:
        shape = [d if isinstance(d, int) else batch for d in info.shape]
        dtype = NUMPY_TYPES.get(info.type)
        if dtype is None:
            raise ValueError(f"input '{info.name}' has type {info.type}, which this bench does not generate")
        if info.name == "attention_mask":
            values = np.ones(shape)
        elif np.dtype(dtype).kind == "f":
            values = rng.standard_normal(shape)
        else:
            values = rng.integers(0, bounds.get(info.name, 2), shape)
        feeds[info.name] = values.astype(dtype)
    return feeds


def create_session(runtime: str, path: Path, threads: int):
    if runtime == "onnxruntime":
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    import onyxrt

    options = onyxrt.SessionOptions()
    options.intra_op_num_threads = threads
    return onyxrt.InferenceSession(str(path), options)


def error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {' '.join(str(error).split())}"


def timed_creations(runtime: str, path: Path, threads: int, creations: int):
    """(session, median creation ms, error): the last session created, kept for the timed runs."""
    session, times = None, []
    try:
        for _ in range(max(1, creations)):
            session = None  # free the previous one first: two large sessions need not coexist
            start = time.perf_counter()
            session = create_session(runtime, path, threads)
            times.append((time.perf_counter() - start) * 1e3)
    except Exception as error:  # noqa: BLE001 — the table reports any failure and goes on
        return None, None, error_text(error)
    return session, statistics.median(times), None


def relative_difference(ours, theirs) -> float:
    """Largest |onyxrt - onnxruntime| over all outputs, relative to the largest |onnxruntime| value."""
    if len(ours) != len(theirs):
        return math.inf
    worst = 0.0
    for a, b in zip(ours, theirs):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return math.inf
        if b.size == 0:
            continue
        if b.dtype.kind not in "fc":
            worst = max(worst, float(np.mean(a != b)))
            continue
        a, b = a.astype(np.float64), b.astype(np.float64)
        scale = max(float(np.max(np.abs(b))), 1e-30)
        delta = float(np.max(np.abs(a - b)))
        worst = max(worst, delta / scale if math.isfinite(delta) else math.inf)
    return worst


# -------------------------------------------------------------------- worker: one model, in-process
def measure_model(name: str, path: Path, threads_list, batches, repeat: int, warmup: int, creations: int,
                  settle_ms: float):
    """Rows (dicts) for every thread count and batch of one model; both runtimes live in this process."""
    bounds = bench_models.INPUT_BOUNDS.get(name, {})
    for threads in threads_list:
        sessions, create_ms, errors = {}, {}, {}
        for runtime in RUNTIMES:
            sessions[runtime], create_ms[runtime], errors[runtime] = timed_creations(
                runtime, path, threads, creations
            )
        reference = sessions["onnxruntime"] or sessions["onyxrt"]
        inputs = reference.get_inputs() if reference else []
        fixed = all(isinstance(d, int) for info in inputs for d in info.shape)
        for batch in batches:
            if fixed and batch != batches[0]:
                continue  # a model without symbolic dimensions runs at its one shape once
            row = {
                "model": name,
                "threads": threads,
                "batch": batch if not fixed else "fixed",
                "create_ms": dict(create_ms),
                "errors": dict(errors),
                "ms": {},
                "diff": None,
            }
            yield measure_runs(row, sessions, inputs, batch, bounds, repeat, warmup, settle_ms / 1e3)
        sessions.clear()


def measure_runs(row, sessions, inputs, batch, bounds, repeat, warmup, settle_s):
    live = {rt: s for rt, s in sessions.items() if s is not None}
    if not live:
        return row
    try:
        feeds = make_feeds(inputs, batch, bounds)
    except ValueError as error:
        row["errors"] = {rt: str(error) for rt in RUNTIMES}
        return row

    def run(runtime):
        try:
            return live[runtime].run(None, feeds)
        except Exception as error:  # noqa: BLE001
            row["errors"][runtime] = error_text(error)
            del live[runtime]
            return None

    outputs = {rt: run(rt) for rt in list(live)}
    if all(outputs.get(rt) is not None for rt in RUNTIMES):
        row["diff"] = relative_difference(outputs["onyxrt"], outputs["onnxruntime"])
    for _ in range(warmup - 1):
        for runtime in list(live):
            run(runtime)
    times = {rt: [] for rt in live}
    for i in range(repeat):
        order = list(live) if i % 2 == 0 else list(live)[::-1]
        for runtime in order:
            if runtime not in live:
                continue
            time.sleep(settle_s)
            start = time.perf_counter()
            if run(runtime) is not None:
                times[runtime].append((time.perf_counter() - start) * 1e3)
    row["ms"] = {rt: statistics.median(t) for rt, t in times.items() if t and rt in live}
    # The two runs of one round ran back to back, so the machine's load shifts both alike; the
    # median of those per-round ratios is steadier than the ratio of the two medians.
    if len(live) == 2 and len(times["onyxrt"]) == len(times["onnxruntime"]) == repeat:
        row["pair_ratio"] = statistics.median(a / b for a, b in zip(times["onyxrt"], times["onnxruntime"]))
    return row


def peak_rss_kib() -> int:
    """This process's RSS high-water mark. On Linux, VmHWM: getrusage's ru_maxrss carries over the
    RSS of the process before its exec, so a probe started by a large driver read the driver's
    size (every row of a full run showed 2712 MiB for both runtimes)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def memory_probe(runtime: str, name: str, path: Path, threads: int, batch: int, runs: int) -> dict:
    """Peak RSS of this (fresh) process creating one session and running it; the baseline is the peak
    right after importing the runtime, before the model is read."""
    __import__(runtime)
    base = peak_rss_kib()
    session = create_session(runtime, path, threads)
    feeds = make_feeds(session.get_inputs(), batch, bench_models.INPUT_BOUNDS.get(name, {}))
    for _ in range(runs):
        session.run(None, feeds)
    peak = peak_rss_kib()
    return {"peak_mib": peak / 1024, "base_mib": base / 1024}


# ---------------------------------------------------------------------- driver: subprocess per model
def run_child(arguments: list[str], timeout: float):
    """(JSON lines the child printed, error text or None)."""
    command = [sys.executable, str(Path(__file__).resolve()), *arguments]
    try:
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return [], f"timed out after {timeout:.0f} s"
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode == 0:
        return lines, None
    how = f"signal {-done.returncode}" if done.returncode < 0 else f"exit code {done.returncode}"
    tail = " | ".join(done.stderr.strip().splitlines()[-3:])
    return lines, f"process died ({how}){': ' + tail if tail else ''}"


def probe_memory(row, path: Path, runs: int, timeout: float) -> None:
    row["peak_mib"], row["base_mib"] = {}, {}
    for runtime in RUNTIMES:
        if row["errors"].get(runtime):
            continue
        lines, error = run_child(
            [
                "--memory-probe",
                runtime,
                "--name",
                row["model"],
                "--path",
                str(path),
                "--threads",
                str(row["threads"]),
                "--batch",
                str(row["batch"] if isinstance(row["batch"], int) else 1),
                "--repeat",
                str(runs),
            ],
            timeout,
        )
        if error or not lines:
            row["errors"][runtime] = f"memory probe: {error or 'no result'}"
        else:
            row["peak_mib"][runtime], row["base_mib"][runtime] = lines[-1]["peak_mib"], lines[-1]["base_mib"]


def fmt(value, spec: str, missing: str = "-") -> str:
    return missing if value is None else format(value, spec)


COLUMNS = (
    f"{'model':<22}{'thr':>4}{'batch':>6}{'onyxrt ms':>11}{'ort ms':>10}{'ratio':>7}{'pair':>6}"
    f"{'create onyx':>13}{'create ort':>12}{'peak onyx MiB':>15}{'peak ort MiB':>14}{'diff':>9}"
)


def format_row(row) -> str:
    ms, create, peak = row["ms"], row["create_ms"], row.get("peak_mib", {})
    died = row["errors"].get("process")
    failed = ("TIMEOUT" if died.startswith("timed out") else "CRASHED") if died else "FAILED"
    onyx = fmt(ms.get("onyxrt"), ".2f", failed if died or row["errors"].get("onyxrt") else "-")
    ort = fmt(ms.get("onnxruntime"), ".2f", failed if died or row["errors"].get("onnxruntime") else "-")
    ratio = ms["onyxrt"] / ms["onnxruntime"] if len(ms) == 2 else None
    row["ratio"] = ratio
    return (
        f"{row['model']:<22}{row['threads']:>4}{row['batch']!s:>6}{onyx:>11}{ort:>10}{fmt(ratio, '.2f'):>7}"
        f"{fmt(row.get('pair_ratio'), '.2f'):>6}"
        f"{fmt(create.get('onyxrt'), '.1f'):>13}{fmt(create.get('onnxruntime'), '.1f'):>12}"
        f"{fmt(peak.get('onyxrt'), '.0f'):>15}{fmt(peak.get('onnxruntime'), '.0f'):>14}"
        f"{fmt(row['diff'], '.0e'):>9}"
    )


def geomean(values) -> float:
    return float(np.exp(np.mean(np.log(values))))


def summarise(rows, threads_list, batches) -> None:
    print()
    for threads in threads_list:
        at = [r for r in rows if r["threads"] == threads and r.get("ratio")]
        if not at:
            print(f"threads={threads}: no model ran on both runtimes")
            continue
        per_batch = []
        for batch in [*batches, "fixed"]:
            ratios = [r["ratio"] for r in at if r["batch"] == batch]
            if ratios:
                per_batch.append(f"batch {batch}: {geomean(ratios):.2f} ({len(ratios)})")
        worst = max(at, key=lambda r: r["ratio"])
        mean = geomean([r["ratio"] for r in at])
        pairs = [r["pair_ratio"] for r in at if r.get("pair_ratio")]
        pair_mean = f"; per-round pairs {geomean(pairs):.2f}" if len(pairs) == len(at) else ""
        print(
            f"threads={threads}: geometric mean ratio {mean:.2f} over {len(at)} rows{pair_mean}"
            f" [{'; '.join(per_batch)}]; worst {worst['model']} (batch {worst['batch']}) {worst['ratio']:.2f}"
        )
    failures = [(r, rt, e) for r in rows for rt, e in r["errors"].items() if e]
    if failures:
        print("\nFailures:")
        seen = set()
        for row, runtime, error in failures:
            key = (row["model"], runtime, error)
            if key not in seen:
                seen.add(key)
                print(
                    f"  {row['model']} [{runtime}, threads={row['threads']}, batch={row['batch']}]: {error}"
                )


def comma_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "paths", nargs="*", type=Path, help="ONNX files (default: the set of bench/models.py)"
    )
    parser.add_argument(
        "--models",
        type=comma_list,
        help=f"names from bench/models.py, comma-separated; 'light' = every light_* model "
        f"(default: all: {', '.join(bench_models.TORCH_MODELS)}, light)",
    )
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="intra-op thread counts")
    parser.add_argument(
        "--batch", type=int, nargs="+", default=[1, 8], help="sizes given to symbolic dimensions"
    )
    parser.add_argument(
        "--repeat", type=int, default=20, help="timed runs per runtime (the median is reported)"
    )
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--settle-ms", type=float, default=50.0,
                        help="pause before each timed run, so the other runtime's spinning workers are idle")
    parser.add_argument("--creations", type=int, default=3, help="session creations timed (median)")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-RSS subprocesses")
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds allowed to one model's subprocess"
    )
    parser.add_argument("--json", type=Path, help="also write every row, errors included, to this file")
    # Internal: what the subprocesses run.
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--memory-probe", choices=RUNTIMES, help=argparse.SUPPRESS)
    parser.add_argument("--name", help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.memory_probe:
        print(
            json.dumps(
                memory_probe(
                    args.memory_probe, args.name, args.path, args.threads[0], args.batch[0], args.repeat
                )
            )
        )
        return 0
    if args.worker:
        for row in measure_model(
            args.name, args.path, args.threads, args.batch, args.repeat, args.warmup, args.creations, args.settle_ms
        ):
            print(json.dumps(row), flush=True)
        return 0

    if args.paths:
        targets = {path.stem: path for path in args.paths}
    else:
        try:
            targets = bench_models.resolve(args.models)
        except KeyError as error:
            raise SystemExit(error.args[0]) from None
    print(
        f"threads={args.threads} batch={args.batch} repeat={args.repeat} warmup={args.warmup} settle={args.settle_ms} ms "
        f"creations={args.creations}; ms = median latency, pair = median of the per-round ratios, "
        f"create = median session creation (ms), "
        f"peak = RSS high-water mark of a fresh process, diff = max |onyxrt - ort| / max |ort|"
    )
    print(COLUMNS)
    print("-" * len(COLUMNS))
    rows = []
    memory_runs = max(1, min(args.warmup, 3))
    for name, path in targets.items():
        child_args = [
            "--worker",
            "--name",
            name,
            "--path",
            str(path),
            "--threads",
            *map(str, args.threads),
            "--batch",
            *map(str, args.batch),
            "--repeat",
            str(args.repeat),
            "--warmup",
            str(args.warmup),
            "--creations",
            str(args.creations),
            "--settle-ms",
            str(args.settle_ms),
        ]
        lines, error = run_child(child_args, args.timeout)
        if error:
            # Rows measured before the process died stand; the model gets one row for the failure.
            lines.append(
                {
                    "model": name,
                    "threads": "?",
                    "batch": "?",
                    "create_ms": {},
                    "ms": {},
                    "diff": None,
                    "errors": {"process": error},
                }
            )
        for row in lines:
            if not args.no_memory and row["threads"] != "?":
                probe_memory(row, path, memory_runs, args.timeout)
            print(format_row(row), flush=True)
            rows.append(row)
    summarise(rows, args.threads, args.batch)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
